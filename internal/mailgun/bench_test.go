package mailgun

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mailgun-operator/mailgun-operator/internal/mailgun/mailguntest"
)

// BenchmarkDispatch builds method and path (with query for list ops) of
// every operation into a reused buffer. Goal: 0 allocs/op.
func BenchmarkDispatch(b *testing.B) {
	buf := make([]byte, 0, 256)
	list := ListOptions{Skip: 100, Limit: 100}
	var n int
	b.ReportAllocs()
	for b.Loop() {
		for op := range numOperations {
			sp := &opTable[op]
			n += len(sp.method)
			buf = appendPath(buf[:0], op, "mg.example.com", "alice@example.com")
			if sp.list {
				buf = append(buf, '?')
				buf = appendListQuery(buf, list)
			}
			n += len(buf)
		}
	}
	if n == 0 {
		b.Fatal("nothing built")
	}
}

// BenchmarkDispatchEscaped: the same with segments that need escaping.
func BenchmarkDispatchEscaped(b *testing.B) {
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		for op := range numOperations {
			buf = appendPath(buf[:0], op, "a/b?c#d e", "ü;x,y")
		}
	}
}

// BenchmarkGetDomain: one GetDomain against an httptest server answering
// a canned Mailgun answer over a kept-alive connection. allocs/op include
// the server's and net/http's; BenchmarkGetDomainInMemory isolates the
// client's.
func BenchmarkGetDomain(b *testing.B) {
	body := []byte(mailguntest.FixtureGetDomain)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	benchGetDomain(b, srv.URL, nil)
}

// BenchmarkGetDomainInMemory: the client alone, with a RoundTripper that
// answers from memory (no sockets, no server).
func BenchmarkGetDomainInMemory(b *testing.B) {
	benchGetDomain(b, "https://api.mailgun.net", cannedTransport{body: mailguntest.FixtureGetDomain})
}

// BenchmarkSetOpenTracking: a PUT with a pooled form body, in memory.
func BenchmarkSetOpenTracking(b *testing.B) {
	a, _ := NewAccount("https://api.mailgun.net", "key-bench")
	c := New(Options{RequestsPerSecond: -1, Transport: cannedTransport{body: `{"message": "ok"}`}, Metrics: NewMetrics()})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := c.SetOpenTracking(ctx, a, "mg.example.com", true); err != nil {
			b.Fatal(err)
		}
	}
}

func benchGetDomain(b *testing.B, base string, rt http.RoundTripper) {
	a, err := NewAccount(base, "key-bench")
	if err != nil {
		b.Fatal(err)
	}
	c := New(Options{RequestsPerSecond: -1, Transport: rt, Metrics: NewMetrics()})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		info, err := c.GetDomain(ctx, a, "example.com")
		if err != nil || info.Domain.Name != "example.com" {
			b.Fatal(info.Domain.Name, err)
		}
	}
}

// cannedTransport answers every request with 200 and body, and closes the
// request body as a real transport must.
type cannedTransport struct{ body string }

func (t cannedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
	}
	return &http.Response{
		StatusCode: 200, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"application/json"}},
		Body:   io.NopCloser(strings.NewReader(t.body)), ContentLength: int64(len(t.body)), Request: r,
	}, nil
}

// BenchmarkDecodeDomain: the domain answer (mailguntest.FixtureGetDomain,
// 5 records) read from a body, decoded and converted as GetDomain does it
// (json-v2: github.com/go-json-experiment/json), and with encoding/json
// into the same structs for comparison (docs/benchmarks.md).
func BenchmarkDecodeDomain(b *testing.B) {
	for _, c := range []struct {
		name      string
		unmarshal func([]byte, any) error
	}{
		{"json-v2", unmarshal},
		{"encoding-json", json.Unmarshal},
	} {
		b.Run(c.name, func(b *testing.B) {
			r := strings.NewReader(mailguntest.FixtureGetDomain)
			b.ReportAllocs()
			for b.Loop() {
				r.Reset(mailguntest.FixtureGetDomain)
				buf, err := readAnswer(r)
				if err != nil {
					b.Fatal(err)
				}
				var d domainInfoJSON
				if err := c.unmarshal(buf.Bytes(), &d); err != nil {
					b.Fatal(err)
				}
				putAnswer(buf)
				if d.info().Domain.Name != "example.com" {
					b.Fatal("not the fixture")
				}
			}
		})
	}
}
