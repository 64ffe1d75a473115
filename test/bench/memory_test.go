package bench

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
)

// memoryBase is the base URL of memoryTransport's answers; nothing dials it.
const memoryBase = "http://mailgun.invalid"

// memoryTransport answers every request as the canned server would
// (cannedServer.route), from memory: the request line is parsed back as a
// server parses it, the request body is read to its end and closed, and the
// answer is a fresh response over the canned body. Its own cost is the
// same for both clients: the parsed URL, a request copy, a response, its
// header map and a body reader per request.
type memoryTransport struct{}

func (memoryTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
	}
	// The server routes on the path it reads from the request line; a
	// client's URL may carry that path escaped (ours sets Opaque).
	u, err := url.ParseRequestURI(r.URL.RequestURI())
	if err != nil {
		return nil, err
	}
	seen := *r
	seen.URL = u
	var s cannedServer
	a := s.route(&seen)
	return &http.Response{
		Status:        http.StatusText(a.status),
		StatusCode:    a.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{"Content-Type": jsonType, "Content-Length": a.length},
		Body:          io.NopCloser(bytes.NewReader(a.body)),
		ContentLength: int64(len(a.body)),
		Request:       r,
	}, nil
}
