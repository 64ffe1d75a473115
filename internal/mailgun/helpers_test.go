package mailgun_test

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/mailgun-operator/mailgun-operator/internal/mailgun"
)

// testKey is deliberately distinctive so a leak is easy to find.
const testKey = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0-TOPSECRET"

// seen is a request as the server received it. URI is the raw request
// target, so escaping is checked byte for byte.
type seen struct {
	Method, URI, Path, Auth, ContentType, Body string
}

// answer is a canned response.
type answer struct {
	status  int
	header  map[string]string
	body    string
	delay   time.Duration
	drop    bool   // hijack and close the connection without answering
	partial string // with delay: send headers and this much body first, then stall
}

// replay answers with its answers in order (the last one repeats) and
// records every request.
type replay struct {
	mu      sync.Mutex
	answers []answer
	reqs    []seen
}

func (rp *replay) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rp.mu.Lock()
	rp.reqs = append(rp.reqs, seen{
		Method: r.Method, URI: r.RequestURI, Path: r.URL.Path,
		Auth: r.Header.Get("Authorization"), ContentType: r.Header.Get("Content-Type"), Body: string(body),
	})
	i := min(len(rp.reqs)-1, len(rp.answers)-1)
	ans := answer{status: 200, body: "{}"}
	if i >= 0 {
		ans = rp.answers[i]
	}
	rp.mu.Unlock()

	if ans.partial != "" {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "1000")
		w.WriteHeader(200)
		_, _ = io.WriteString(w, ans.partial)
		w.(http.Flusher).Flush()
	}
	if ans.delay > 0 {
		select {
		case <-time.After(ans.delay):
		case <-r.Context().Done():
			return
		}
	}
	if ans.partial != "" {
		return
	}
	if ans.drop {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			_ = conn.Close()
		}
		return
	}
	for k, v := range ans.header {
		w.Header().Set(k, v)
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	if ans.status == 0 {
		ans.status = 200
	}
	w.WriteHeader(ans.status)
	_, _ = io.WriteString(w, ans.body)
}

func (rp *replay) requests() []seen {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	return append([]seen(nil), rp.reqs...)
}

// testOptions: fast retries, no client-side throttling, short timeout.
func testOptions() mailgun.Options {
	return mailgun.Options{
		Timeout:           2 * time.Second,
		RequestsPerSecond: -1,
		RetryBaseDelay:    time.Millisecond,
	}
}

// newReplay starts a replay server and a client for it.
func newReplay(t testing.TB, o mailgun.Options, answers ...answer) (*mailgun.Client, mailgun.Account, *replay) {
	t.Helper()
	rp := &replay{answers: answers}
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	a, err := mailgun.NewAccount(srv.URL, testKey)
	if err != nil {
		t.Fatal(err)
	}
	return mailgun.New(o), a, rp
}

func ptr[T any](v T) *T { return &v }

// metricValue reads one counter or histogram sample count by name and
// labels from m, through a pedantic registry (which also checks the
// collectors are consistent).
func metricValue(t *testing.T, m *mailgun.Metrics, name string, labels map[string]string) float64 {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(m.Collectors()...)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, mt := range mf.GetMetric() {
			got := map[string]string{}
			for _, lp := range mt.GetLabel() {
				got[lp.GetName()] = lp.GetValue()
			}
			for k, v := range labels {
				if got[k] != v {
					continue next
				}
			}
			return sample(mt)
		}
	}
	return 0
}

func sample(mt *dto.Metric) float64 {
	if c := mt.GetCounter(); c != nil {
		return c.GetValue()
	}
	if h := mt.GetHistogram(); h != nil {
		return float64(h.GetSampleCount())
	}
	return 0
}

func basicAuth(key string) string {
	r, _ := http.NewRequest("GET", "http://x", nil)
	r.SetBasicAuth("api", key)
	return r.Header.Get("Authorization")
}

type netConn = net.Conn

func repeat(s string, n int) string { return strings.Repeat(s, n) }
