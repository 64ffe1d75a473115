package mailgun_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/mailgun-operator/mailgun-operator/internal/mailgun"
)

// TestEscapedSegmentsReachServer: a domain or login with '/', '?', '#', '%'
// or spaces stays one segment and arrives intact, so it can never address
// another resource.
func TestEscapedSegmentsReachServer(t *testing.T) {
	cases := []struct {
		name, reason string
		call         func(context.Context, *mailgun.Client, mailgun.Account) error
		uri, path    string // raw request target; path as the server decodes it
	}{
		{
			name: "slash and query in domain", reason: `"a/b?c" must not add a segment or start a query`,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) error {
				_, err := c.GetDomain(ctx, a, "a/b?c")
				return err
			},
			uri: "/v4/domains/a%2Fb%3Fc", path: "/v4/domains/a/b?c",
		},
		{
			name: "fragment, percent, space", reason: "'#' would cut the URL, '%' would be read as an escape",
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) error {
				return c.DeleteDomain(ctx, a, "x#y%41 z")
			},
			uri: "/v3/domains/x%23y%2541%20z", path: "/v3/domains/x#y%41 z",
		},
		{
			name: "login with slash", reason: "the second segment is escaped too",
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) error {
				return c.UpdateCredential(ctx, a, "example.com", "../../v3/routes", "pw-12345")
			},
			uri: "/v3/domains/example.com/credentials/..%2F..%2Fv3%2Froutes", path: "/v3/domains/example.com/credentials/../../v3/routes",
		},
		{
			name: "route id with semicolon and comma", reason: "';' and ',' are escaped like url.PathEscape does",
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) error {
				_, err := c.GetRoute(ctx, a, "a;b,c")
				return err
			},
			uri: "/v3/routes/a%3Bb%2Cc", path: "/v3/routes/a;b,c",
		},
		{
			name: "unicode domain", reason: "non-ASCII bytes are percent-encoded",
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) error {
				_, err := c.GetTracking(ctx, a, "bücher.example")
				return err
			},
			uri: "/v3/domains/b%C3%BCcher.example/tracking", path: "/v3/domains/bücher.example/tracking",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, a, rp := newReplay(t, testOptions(), answer{body: `{"route": {"id": "x"}, "domain": {}, "tracking": {}}`})
			if err := tc.call(context.Background(), c, a); err != nil {
				t.Fatalf("%s: %v", tc.reason, err)
			}
			r := rp.requests()[0]
			if r.URI != tc.uri {
				t.Errorf("%s: raw URI %q, want %q", tc.reason, r.URI, tc.uri)
			}
			if r.Path != tc.path {
				t.Errorf("%s: decoded path %q, want %q", tc.reason, r.Path, tc.path)
			}
		})
	}
}

// TestBaseURLPrefix: a base URL with a path (a proxy) prefixes every path.
func TestBaseURLPrefix(t *testing.T) {
	rp := &replay{answers: []answer{{body: getDomainJSON}}}
	srv := httptest.NewServer(rp)
	defer srv.Close()
	a, err := mailgun.NewAccount(srv.URL+"/mailgun/", testKey)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mailgun.New(testOptions()).GetDomain(context.Background(), a, "example.com"); err != nil {
		t.Fatal(err)
	}
	if got := rp.requests()[0].URI; got != "/mailgun/v4/domains/example.com" {
		t.Errorf("URI %q", got)
	}
}

// TestConnectionReuse: every kind of answer (decoded success, ignored
// success, error bodies, retried 5xx) is drained and closed, so one
// keep-alive connection serves all sequential calls.
func TestConnectionReuse(t *testing.T) {
	var conns atomic.Int32
	rp := &replay{answers: []answer{
		{body: getDomainJSON + "\n\n   "}, // trailing bytes after the JSON value
		{body: `{"message": "Domain has been updated"}`},
		{status: 404, body: `{"message": "Domain not found"}`},
		{status: 400, body: `{"message": "` + repeat("x", 10000) + `"}`}, // longer than the error read bound
		{status: 503, body: "busy"},
		{body: listRoutesJSON},
		{body: getDomainJSON},
	}}
	srv := httptest.NewUnstartedServer(rp)
	srv.Config.ConnState = func(_ netConn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	a, _ := mailgun.NewAccount(srv.URL, testKey)
	o := testOptions()
	o.MaxRetries = -1
	c := mailgun.New(o)
	ctx := context.Background()
	_, _ = c.GetDomain(ctx, a, "example.com")
	_ = c.UpdateDomain(ctx, a, "example.com", mailgun.UpdateDomainRequest{Wildcard: ptr(true)})
	_, _ = c.GetDomain(ctx, a, "example.com")
	_, _ = c.GetDomain(ctx, a, "example.com")
	_, _ = c.GetDomain(ctx, a, "example.com")
	_, _ = c.ListRoutes(ctx, a, mailgun.ListOptions{})
	_, _ = c.GetDomain(ctx, a, "example.com")
	if n := len(rp.requests()); n != 7 {
		t.Fatalf("%d requests", n)
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections for 7 sequential calls, want 1 (bodies not drained or closed)", n)
	}
}
