package mailguntest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestFaultStatus(t *testing.T) {
	type step struct {
		status int
		body   string // substring
	}
	cases := []struct {
		reason string
		faults []Fault
		op     Op
		call   call
		steps  []step
	}{
		{reason: "a 503 for two calls, then the real answer", op: OpGetDomain, faults: []Fault{{Status: 503, Times: 2}},
			call:  call{method: "GET", path: "/v4/domains/example.com"},
			steps: []step{{503, `{"message":"Service Unavailable"}`}, {503, "Service Unavailable"}, {200, `"name":"example.com"`}}},
		{reason: "Times 0 means once", op: OpGetDomain, faults: []Fault{{Status: 500}},
			call:  call{method: "GET", path: "/v4/domains/example.com"},
			steps: []step{{500, "Internal Server Error"}, {200, "example.com"}}},
		{reason: "queued faults are used in order", op: OpListDomains, faults: []Fault{{Status: 500}, {Status: 502, Times: 2}, {Status: 404}},
			call:  call{method: "GET", path: "/v4/domains"},
			steps: []step{{500, ""}, {502, ""}, {502, ""}, {404, "Not Found"}, {200, "total_count"}}},
		{reason: "a custom body is sent verbatim (e.g. the v4 Reason shape)", op: OpCreateWebhook, faults: []Fault{{Status: 400, Body: `{"Reason":"nope"}`}},
			call:  call{method: "POST", path: "/v3/domains/example.com/webhooks", form: form("id", "delivered", "url", "https://h.example/")},
			steps: []step{{400, `{"Reason":"nope"}`}, {200, "Webhook has been created"}}},
		{reason: "a faulted write changes nothing", op: OpCreateRoute, faults: []Fault{{Status: 500}},
			call:  call{method: "POST", path: "/v3/routes", form: form("expression", "catch_all()")},
			steps: []step{{500, ""}}},
		{reason: "a fault for another op does not fire", op: OpListDomains, faults: []Fault{{Status: 500}},
			call:  call{method: "GET", path: "/v4/domains/example.com"},
			steps: []step{{200, "example.com"}}},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			s := newTestServer(t)
			putExample(s)
			for _, f := range tc.faults {
				s.InjectFault(tc.op, f)
			}
			for i, st := range tc.steps {
				r := send(t, s, tc.call)
				if r.status != st.status || !strings.Contains(string(r.body), st.body) {
					t.Errorf("%s: call %d: %d %s, want %d containing %s", tc.reason, i+1, r.status, r.body, st.status, st.body)
				}
			}
			if len(s.Routes()) != 0 {
				t.Errorf("%s: a faulted create stored a route", tc.reason)
			}
		})
	}
}

func TestFaultRateLimit(t *testing.T) {
	s := newTestServer(t)
	reset := time.Now().Add(3 * time.Second).Truncate(time.Second).Add(250 * time.Millisecond)
	s.InjectFault(OpListRoutes, Fault{RateLimitReset: reset})
	r := send(t, s, call{method: "GET", path: "/v3/routes"})
	checkError(t, "a rate-limit fault without Status is a 429", r, 429, "Too Many Requests")
	got, err := strconv.ParseFloat(r.header.Get("X-RateLimit-Reset"), 64)
	if err != nil || got != float64(reset.UnixMilli())/1000 {
		t.Errorf("X-RateLimit-Reset %q (%v), want %v with fractional seconds", r.header.Get("X-RateLimit-Reset"), err, float64(reset.UnixMilli())/1000)
	}
	if ra, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || ra < 2 || ra > 4 {
		t.Errorf("Retry-After %q, want about 3 whole seconds", r.header.Get("Retry-After"))
	}
	if r := send(t, s, call{method: "GET", path: "/v3/routes"}); r.status != 200 {
		t.Errorf("after the fault: %d", r.status)
	}

	// Header can stand in for the computed headers: only an HTTP-date Retry-After.
	date := reset.UTC().Format(http.TimeFormat)
	s.InjectFault(OpListRoutes, Fault{Status: 429, Header: http.Header{"retry-after": {date}}})
	r = send(t, s, call{method: "GET", path: "/v3/routes"})
	if r.status != 429 || r.header.Get("Retry-After") != date || r.header.Get("X-RateLimit-Reset") != "" {
		t.Errorf("custom 429: %d Retry-After %q X-RateLimit-Reset %q", r.status, r.header.Get("Retry-After"), r.header.Get("X-RateLimit-Reset"))
	}

	// A reset in the past still answers, with Retry-After 0.
	s.InjectFault(OpListRoutes, Fault{RateLimitReset: time.Now().Add(-time.Minute)})
	if r := send(t, s, call{method: "GET", path: "/v3/routes"}); r.status != 429 || r.header.Get("Retry-After") != "0" {
		t.Errorf("past reset: %d Retry-After %q", r.status, r.header.Get("Retry-After"))
	}
}

func TestFaultDelay(t *testing.T) {
	t.Run("a delay alone slows the call, which is then served", func(t *testing.T) {
		s := newTestServer(t)
		s.InjectFault(OpListDomains, Fault{Delay: 100 * time.Millisecond})
		start := time.Now()
		r := send(t, s, call{method: "GET", path: "/v4/domains"})
		if r.status != 200 || time.Since(start) < 100*time.Millisecond {
			t.Errorf("status %d after %v", r.status, time.Since(start))
		}
	})
	t.Run("a delay before a status", func(t *testing.T) {
		s := newTestServer(t)
		s.InjectFault(OpListDomains, Fault{Delay: 50 * time.Millisecond, Status: 504})
		start := time.Now()
		if r := send(t, s, call{method: "GET", path: "/v4/domains"}); r.status != 504 || time.Since(start) < 50*time.Millisecond {
			t.Errorf("status %d after %v", r.status, time.Since(start))
		}
	})
	t.Run("a client that gives up ends the delay and the call", func(t *testing.T) {
		s := newTestServer(t)
		s.InjectFault(OpListDomains, Fault{Delay: time.Hour})
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", s.URL+"/v4/domains", nil)
		req.SetBasicAuth("api", testKey)
		_, err := http.DefaultClient.Do(req)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err %v, want deadline exceeded", err)
		}
		if r := send(t, s, call{method: "GET", path: "/v4/domains"}); r.status != 200 {
			t.Errorf("next call: %d", r.status)
		}
		// Close waits for handlers; it must not wait an hour.
		done := make(chan struct{})
		go func() { s.Close(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("Close blocked: the delayed handler did not stop with its request")
		}
	})
	t.Run("Close releases calls still delayed", func(t *testing.T) {
		s := newTestServer(t)
		s.InjectFault(OpListDomains, Fault{Delay: time.Hour})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("GET", s.URL+"/v4/domains", nil)
			req.SetBasicAuth("api", testKey)
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
			}
		}()
		for s.Calls(OpListDomains) == 0 {
			time.Sleep(time.Millisecond)
		}
		done := make(chan struct{})
		go func() { s.Close(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("Close blocked on a delayed call")
		}
		wg.Wait()
	})
}

func TestFaultDropConnection(t *testing.T) {
	s := newTestServer(t)
	s.InjectFault(OpCreateRoute, Fault{DropConnection: true})
	req, _ := http.NewRequest("POST", s.URL+"/v3/routes", strings.NewReader("expression=catch_all()"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("api", testKey)
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		t.Fatalf("got an answer %d %s, want a dropped connection", resp.StatusCode, b)
	}
	if !errors.Is(err, io.EOF) && !strings.Contains(err.Error(), "EOF") && !strings.Contains(err.Error(), "reset") {
		t.Errorf("err %v, want EOF or reset", err)
	}
	if len(s.Routes()) != 0 {
		t.Error("a dropped create stored a route")
	}
	if s.Calls(OpCreateRoute) != 1 || s.Writes() != 1 {
		t.Errorf("dropped call not counted: %d calls %d writes", s.Calls(OpCreateRoute), s.Writes())
	}
	if r := send(t, s, call{method: "POST", path: "/v3/routes", form: form("expression", "catch_all()")}); r.status != 200 {
		t.Errorf("next call: %d", r.status)
	}
}

func TestFaultNotConsumedByUnauthenticatedCalls(t *testing.T) {
	s := newTestServer(t)
	s.InjectFault(OpListDomains, Fault{Status: 503})
	if r := send(t, s, call{method: "GET", path: "/v4/domains", key: "key-wrong"}); r.status != 401 {
		t.Fatalf("wrong key: %d", r.status)
	}
	if r := send(t, s, call{method: "GET", path: "/v4/domains"}); r.status != 503 {
		t.Errorf("the fault should still be queued: %d", r.status)
	}
}

func TestClearFaults(t *testing.T) {
	s := newTestServer(t)
	s.InjectFault(OpListDomains, Fault{Status: 503, Times: 5})
	s.InjectFault(OpListRoutes, Fault{Status: 503})
	s.ClearFaults()
	for _, p := range []string{"/v4/domains", "/v3/routes"} {
		if r := send(t, s, call{method: "GET", path: p}); r.status != 200 {
			t.Errorf("%s after ClearFaults: %d", p, r.status)
		}
	}
}

func TestNotFoundAfterCreate(t *testing.T) {
	s := newTestServer(t)
	now := fixedNow
	var mu sync.Mutex
	s.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	s.SetNotFoundAfterCreate(2 * time.Second)
	s.PutDomain(Domain{Name: "old.example.com"})

	send(t, s, call{method: "POST", path: "/v4/domains", form: form("name", "new.example.com")})
	send(t, s, call{method: "POST", path: "/v3/routes", form: form("expression", "catch_all()")})
	id := s.Routes()[0].ID

	cases := []struct {
		reason string
		path   string
		status int
	}{
		{"a fresh domain is not found by get", "/v4/domains/new.example.com", 404},
		{"a fresh route is not found by get", "/v3/routes/" + id, 404},
		{"a domain made by PutDomain is never hidden", "/v4/domains/old.example.com", 200},
		{"lists are not affected", "/v4/domains", 200},
		{"other reads of the domain are not affected", "/v3/domains/new.example.com/tracking", 200},
	}
	for _, tc := range cases {
		r := send(t, s, call{method: "GET", path: tc.path})
		if r.status != tc.status {
			t.Errorf("%s: %d, want %d", tc.reason, r.status, tc.status)
		}
	}
	checkError(t, "the hidden domain answers Mailgun's 404", send(t, s, call{method: "GET", path: "/v4/domains/new.example.com"}), 404, "Domain not found")

	advance(2 * time.Second)
	for _, p := range []string{"/v4/domains/new.example.com", "/v3/routes/" + id} {
		if r := send(t, s, call{method: "GET", path: p}); r.status != 200 {
			t.Errorf("after the window %s: %d", p, r.status)
		}
	}
	s.SetNotFoundAfterCreate(0)
}

// TestFaultDropConnectionOnReusedGET pins the transport quirk documented on
// Fault: one dropped GET on a keep-alive connection is retried by Go's
// transport and never seen by the caller, but both attempts are counted; two
// drops reach the caller.
func TestFaultDropConnectionOnReusedGET(t *testing.T) {
	s := newTestServer(t)
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	get := func() (int, error) {
		req, _ := http.NewRequest("GET", s.URL+"/v4/domains", nil)
		req.SetBasicAuth("api", testKey)
		resp, err := c.Do(req)
		if err != nil {
			return 0, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	if code, err := get(); code != 200 || err != nil { // leaves an idle connection to reuse
		t.Fatalf("warm-up: %d %v", code, err)
	}
	s.InjectFault(OpListDomains, Fault{DropConnection: true})
	if code, err := get(); code != 200 || err != nil {
		t.Errorf("one drop on a reused connection: %d %v, want a transparent retry", code, err)
	}
	if n := s.Calls(OpListDomains); n != 3 {
		t.Errorf("Calls = %d, want 3 (warm-up, dropped, retried)", n)
	}
	s.InjectFault(OpListDomains, Fault{DropConnection: true, Times: 2})
	if _, err := get(); err == nil {
		t.Error("two drops should reach the caller")
	}
}
