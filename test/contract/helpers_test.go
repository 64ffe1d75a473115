package contract

import (
	"bytes"
	"context"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailgun-operator/mailgun-operator/internal/mailgun"
	"github.com/mailgun-operator/mailgun-operator/internal/mailgun/mailguntest"
	mailgungo "github.com/mailgun/mailgun-go/v5"
)

const apiKey = "key-contract-0123456789abcdef"

// ctx bounds every call of a test: the servers are in process, so a call
// that takes seconds is a hang, not a slow machine.
func ctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func ptr[T any](v T) *T { return &v }

// sent is one request as it left a client: what the contract says about a
// request (method, path, content type, fields) and nothing else.
type sent struct {
	Method, Path, ContentType string // ContentType without parameters
	Form                      url.Values
}

// recorder is a RoundTripper that keeps every request it passes on, so a
// test can assert what was sent where the server cannot show it (a mock
// that ignores a field, or answers without storing anything).
type recorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	reqs []sent
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	// Our client puts the escaped path in URL.Opaque; the SDK in Path.
	// RequestURI gives the path as it goes on the wire either way.
	path, _, _ := strings.Cut(req.URL.RequestURI(), "?")
	s := sent{Method: req.Method, Path: path}
	if req.Body != nil {
		body, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		s.ContentType, s.Form = parseBody(req.Header.Get("Content-Type"), body)
	}
	r.mu.Lock()
	r.reqs = append(r.reqs, s)
	r.mu.Unlock()
	return r.next.RoundTrip(req)
}

// last returns the last request sent, or fails the test if there was none.
func (r *recorder) last(t *testing.T) sent {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.reqs) == 0 {
		t.Fatal("no request was sent")
	}
	return r.reqs[len(r.reqs)-1]
}

// parseBody decodes a form body as a server would: urlencoded or
// multipart, repeated keys kept in order. Anything else yields no form.
func parseBody(contentType string, body []byte) (string, url.Values) {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return contentType, nil
	}
	switch mt {
	case "application/x-www-form-urlencoded":
		v, err := url.ParseQuery(string(body))
		if err != nil {
			return mt, nil
		}
		return mt, v
	case "multipart/form-data":
		req, _ := http.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		if err := req.ParseMultipartForm(1 << 20); err != nil {
			return mt, nil
		}
		return mt, url.Values(req.MultipartForm.Value)
	}
	return mt, nil
}

// ours is our client on a recording transport, talking to base.
type ours struct {
	c   *mailgun.Client
	a   mailgun.Account
	rec *recorder
}

func newOurs(t *testing.T, base string) ours {
	t.Helper()
	a, err := mailgun.NewAccount(base, apiKey)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{next: mailgun.NewTransport(0, 0)}
	c := mailgun.New(mailgun.Options{
		Transport:         rec,
		RequestsPerSecond: -1, // unlimited: nothing here is about pacing
		MaxRetries:        -1, // a refused request must fail the test at once, not after backoff
		Timeout:           10 * time.Second,
	})
	t.Cleanup(c.CloseIdleConnections)
	return ours{c: c, a: a, rec: rec}
}

// newSDK is mailgun-go pointed at base, on a recording transport.
func newSDK(t *testing.T, base string) (*mailgungo.Client, *recorder) {
	t.Helper()
	mg := mailgungo.NewMailgun(apiKey)
	if err := mg.SetAPIBase(base); err != nil {
		t.Fatal(err)
	}
	tr := mailgun.NewTransport(0, 0)
	t.Cleanup(tr.CloseIdleConnections)
	rec := &recorder{next: tr}
	mg.SetHTTPClient(&http.Client{Transport: rec, Timeout: 10 * time.Second})
	return mg, rec
}

// newEmulator starts our emulator for one test.
func newEmulator(t *testing.T) *mailguntest.Server {
	t.Helper()
	em := mailguntest.NewServer(apiKey)
	t.Cleanup(em.Close)
	return em
}

// oneCall asserts that exactly one request reached the emulator since the
// last ResetCalls and that it was routed to op, then resets the counters:
// the emulator understood the SDK's method and path.
func oneCall(t *testing.T, em *mailguntest.Server, op mailguntest.Op) {
	t.Helper()
	if got, total := em.Calls(op), em.TotalCalls(); got != 1 || total != 1 {
		t.Errorf("emulator saw %d call(s) of %s and %d in all; want exactly one, of %s", got, op, total, op)
	}
	em.ResetCalls()
}

// wantForm asserts that a request carried exactly these values for each
// key given (order of repeated values included).
func wantForm(t *testing.T, s sent, want map[string][]string) {
	t.Helper()
	for k, vs := range want {
		got := s.Form[k]
		if strings.Join(got, "\x00") != strings.Join(vs, "\x00") || len(got) != len(vs) {
			t.Errorf("%s %s: field %q = %q, want %q", s.Method, s.Path, k, got, vs)
		}
	}
}
