package mailguntest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestAuth(t *testing.T) {
	runCases(t, []opCase{
		{reason: "the right key for user api is served", setup: putExample, call: call{method: "GET", path: "/v4/domains/example.com"}, status: 200},
		{reason: "no credentials are 401 Forbidden", call: call{method: "GET", path: "/v4/domains", key: noAuth}, status: 401, errMsg: "Forbidden"},
		{reason: "a wrong key is 401", call: call{method: "GET", path: "/v4/domains", key: "key-wrong"}, status: 401, errMsg: "Forbidden"},
		{reason: "a user other than api is 401", call: call{method: "GET", path: "/v4/domains", user: "admin"}, status: 401, errMsg: "Forbidden"},
		{reason: "a refused write changes nothing", call: call{method: "POST", path: "/v4/domains", form: form("name", "x.com"), key: "key-wrong"}, status: 401, errMsg: "Forbidden",
			check: func(t *testing.T, s *Server) {
				if len(s.Domains()) != 0 {
					t.Error("unauthenticated create stored a domain")
				}
			}},
		{reason: "auth is checked before the domain is looked up (no existence leak)", call: call{method: "GET", path: "/v4/domains/nope.com", key: noAuth}, status: 401, errMsg: "Forbidden"},
	})
}

func TestAuthRotation(t *testing.T) {
	s := newTestServer(t)
	if r := send(t, s, call{method: "GET", path: "/v4/domains"}); r.status != 200 {
		t.Fatalf("before rotation: %d", r.status)
	}
	s.SetAPIKey("key-new")
	if r := send(t, s, call{method: "GET", path: "/v4/domains"}); r.status != 401 {
		t.Errorf("old key after rotation: %d, want 401", r.status)
	}
	if r := send(t, s, call{method: "GET", path: "/v4/domains", key: "key-new"}); r.status != 200 {
		t.Errorf("new key after rotation: %d, want 200", r.status)
	}
	s.SetAPIKey("")
	if r := send(t, s, call{method: "GET", path: "/v4/domains", key: noAuth}); r.status != 401 {
		t.Errorf("an empty key must not let unauthenticated calls in: %d", r.status)
	}
}

func TestUnknownPathsAndMethods(t *testing.T) {
	cases := []struct {
		reason string
		method string
		path   string
		status int
		allow  string
	}{
		{"an unknown top-level path is 404", "GET", "/v5/domains", 404, ""},
		{"an unknown sub-resource is 404", "GET", "/v3/domains/example.com/bounces", 404, ""},
		{"a trailing slash is a different (unknown) path", "GET", "/v3/routes/", 404, ""},
		{"a double slash is 404, not a redirect", "GET", "/v4//domains", 404, ""},
		{"a dot-dot path is 404, not a redirect", "GET", "/v3/routes/../../v4/domains", 404, ""},
		{"the root is 404", "GET", "/", 404, ""},
		{"an unknown tracking kind is 404", "PUT", "/v3/domains/example.com/tracking/pixel", 404, ""},
		{"PATCH on the domains collection is 405 with Allow", "PATCH", "/v4/domains", 405, "GET, POST, HEAD"},
		{"POST on a route is 405", "POST", "/v3/routes/0123456789abcdef01234567", 405, "GET, PUT, DELETE, HEAD"},
		{"GET on the v3 domain path is 405 (only delete is v3)", "GET", "/v3/domains/example.com", 405, "DELETE"},
		{"DELETE on tracking is 405", "DELETE", "/v3/domains/example.com/tracking", 405, "GET, HEAD"},
	}
	s := newTestServer(t)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, tc := range cases {
		req, _ := http.NewRequest(tc.method, s.URL+tc.path, nil)
		req.SetBasicAuth("api", testKey)
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d", tc.reason, resp.StatusCode, tc.status)
		}
		// No such endpoint is a 404 without JSON, as Mailgun documents; a
		// wrong method on a real path answers a JSON message.
		var m map[string]string
		jsonErr := json.Unmarshal(body, &m)
		switch {
		case tc.status == 404 && (jsonErr == nil || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain")):
			t.Errorf("%s: no such endpoint answered %q (%s), want a 404 that is not JSON", tc.reason, body, resp.Header.Get("Content-Type"))
		case tc.status != 404 && (jsonErr != nil || m["message"] == ""):
			t.Errorf("%s: answer %q, want a JSON message", tc.reason, body)
		}
		if got := resp.Header.Get("Allow"); got != tc.allow {
			t.Errorf("%s: Allow %q, want %q", tc.reason, got, tc.allow)
		}
	}
	if n := s.TotalCalls(); n != 0 {
		t.Errorf("unknown paths and methods reach no operation, yet %d calls were counted", n)
	}
}

// TestEscapedSegments checks that ServeMux wildcards match one escaped
// segment and that the emulator sees the unescaped value: a domain "a/b" is
// addressed as a%2Fb and never as two segments.
func TestEscapedSegments(t *testing.T) {
	cases := []struct {
		reason string
		name   string // domain name as stored
		path   string // escaped request path
		status int
	}{
		{"an escaped slash stays inside one segment", "a/b", "/v4/domains/a%2Fb", 200},
		{"an unescaped slash is two segments and matches nothing", "a/b", "/v4/domains/a/b", 404},
		{"an escaped percent sign is unescaped once", "x%y", "/v4/domains/x%25y", 200},
		{"a doubly escaped slash is the literal text %2F", "p%2Fq", "/v4/domains/p%252Fq", 200},
		{"an escaped question mark is part of the name, not a query", "what?.com", "/v4/domains/what%3F.com", 200},
		{"an escaped space is unescaped", "sp ace", "/v4/domains/sp%20ace", 200},
		{"escaped dot-dot is a name, not a path step", "..", "/v4/domains/%2E%2E", 200},
		{"escaped segments work under deeper paths", "a/b", "/v3/domains/a%2Fb/tracking", 200},
		{"and in the second wildcard of a path", "a/b", "/v3/domains/a%2Fb/webhooks/deliv%65red", 200},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			s := newTestServer(t)
			s.PutDomain(Domain{Name: tc.name})
			s.PutWebhook(tc.name, "delivered", []string{"https://h.example/"})
			r := send(t, s, call{method: "GET", path: tc.path})
			if r.status != tc.status {
				t.Fatalf("%s: status %d, want %d: %s", tc.reason, r.status, tc.status, r.body)
			}
			if tc.status == 200 && strings.HasPrefix(tc.path, "/v4/") {
				var a struct{ Domain struct{ Name string } }
				if err := json.Unmarshal(r.body, &a); err != nil || a.Domain.Name != tc.name {
					t.Errorf("%s: got domain %q, want %q", tc.reason, a.Domain.Name, tc.name)
				}
			}
		})
	}

	t.Run("a name created through the API round-trips through escaping", func(t *testing.T) {
		s := newTestServer(t)
		if r := send(t, s, call{method: "POST", path: "/v4/domains", form: form("name", "a/b%c")}); r.status != 200 {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		if r := send(t, s, call{method: "DELETE", path: "/v3/domains/a%2Fb%25c"}); r.status != 200 {
			t.Fatalf("delete: %d %s", r.status, r.body)
		}
		if len(s.Domains()) != 0 {
			t.Error("not deleted")
		}
	})
}

func TestCallCounting(t *testing.T) {
	s := newTestServer(t)
	putExample(s) // state helpers are not calls
	s.InjectFault(OpGetDomain, Fault{Status: 500})
	calls := []call{
		{method: "GET", path: "/v4/domains/example.com"},                   // faulted
		{method: "GET", path: "/v4/domains/example.com"},                   // served
		{method: "HEAD", path: "/v4/domains/example.com"},                  // a read, counted as GetDomain
		{method: "GET", path: "/v4/domains/nope.com"},                      // 404
		{method: "GET", path: "/v4/domains/example.com", key: "key-wrong"}, // 401
		{method: "PUT", path: "/v4/domains/example.com", form: form("wildcard", "true")},
		{method: "PUT", path: "/v4/domains/example.com", form: form("wildcard", "bad")}, // 400 still counts
		{method: "POST", path: "/v3/routes", form: form("expression", "catch_all()")},
		{method: "GET", path: "/v3/routes"},
		{method: "GET", path: "/nothing"},     // no operation
		{method: "PATCH", path: "/v3/routes"}, // no operation
		{method: "DELETE", path: "/v3/domains/example.com"},
	}
	for _, c := range calls {
		send(t, s, c)
	}
	want := map[Op]int{OpGetDomain: 5, OpUpdateDomain: 2, OpCreateRoute: 1, OpListRoutes: 1, OpDeleteDomain: 1}
	for _, op := range Ops() {
		if got := s.Calls(op); got != want[op] {
			t.Errorf("Calls(%s) = %d, want %d", op, got, want[op])
		}
	}
	if got := s.Writes(); got != 4 {
		t.Errorf("Writes() = %d, want 4 (2 PUT, 1 POST, 1 DELETE)", got)
	}
	if got := s.TotalCalls(); got != 10 {
		t.Errorf("TotalCalls() = %d, want 10", got)
	}
	s.ResetCalls()
	if s.TotalCalls() != 0 || s.Writes() != 0 || s.Calls(OpGetDomain) != 0 {
		t.Error("ResetCalls left counts behind")
	}
}

func TestOps(t *testing.T) {
	ops := Ops()
	all := append(slices.Clone(endpoints), templateEndpoints...)
	if len(ops) != 42 || len(ops) != len(all) {
		t.Fatalf("%d ops, %d endpoints; want 42 of each", len(ops), len(all))
	}
	seen := map[Op]bool{}
	for _, e := range all {
		if seen[e.op] {
			t.Errorf("op %s has two endpoints", e.op)
		}
		seen[e.op] = true
		if !e.op.Valid() {
			t.Errorf("endpoint op %s is not in Ops()", e.op)
		}
	}
	if Op("Nope").Valid() {
		t.Error("unknown op is valid")
	}
	ops[0] = "changed"
	if Ops()[0] != OpListDomains {
		t.Error("Ops() exposes its backing array")
	}
}

// TestConcurrency hammers every kind of operation and accessor at once; run
// with -race. Counts must add up exactly.
func TestConcurrency(t *testing.T) {
	s := newTestServer(t)
	const workers, each = 8, 10
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				name := fmt.Sprintf("d%d-%d.example.com", w, i)
				base := "/v3/domains/" + name
				steps := []call{
					{method: "POST", path: "/v4/domains", form: form("name", name)},
					{method: "GET", path: "/v4/domains/" + name},
					{method: "PUT", path: "/v3/domains/" + name + "/tracking/open", form: form("active", "yes")},
					{method: "POST", path: base + "/webhooks", form: form("id", "delivered", "url", "https://h.example/")},
					{method: "POST", path: base + "/credentials", form: form("login", "u", "password", "secret1")},
					{method: "POST", path: "/v3/routes", form: form("expression", "catch_all()")},
					{method: "GET", path: "/v3/routes?limit=5"},
					{method: "GET", path: "/v4/domains?limit=5"},
				}
				for _, c := range steps {
					if r := send(t, s, c); r.status != 200 {
						t.Errorf("%s %s: %d %s", c.method, c.path, r.status, r.body)
					}
				}
				s.SetDNSValid(name, true)
				_ = s.Domains()
				_ = s.Routes()
				_ = s.Webhooks(name)
				_, _ = s.Domain(name)
				s.InjectFault(OpListWebhooks, Fault{Status: 503, Delay: 0})
				_ = s.Calls(OpGetDomain)
			}
		}()
	}
	wg.Wait()
	n := workers * each
	if got := len(s.Domains()); got != n {
		t.Errorf("%d domains, want %d", got, n)
	}
	if got := len(s.Routes()); got != n {
		t.Errorf("%d routes, want %d", got, n)
	}
	if got := s.TotalCalls(); got != 8*n {
		t.Errorf("TotalCalls %d, want %d", got, 8*n)
	}
	if got := s.Writes(); got != 5*n {
		t.Errorf("Writes %d, want %d", got, 5*n)
	}
}
