package mailgun_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailgun-operator/mailgun-operator/internal/mailgun"
)

var sentinels = []error{
	mailgun.ErrNotFound, mailgun.ErrConflict, mailgun.ErrInvalid,
	mailgun.ErrUnauthorized, mailgun.ErrForbidden, mailgun.ErrRateLimited, mailgun.ErrTransient,
}

// checkKind asserts err matches want and no other sentinel.
func checkKind(t *testing.T, reason string, err, want error) {
	t.Helper()
	for _, s := range sentinels {
		if got := errors.Is(err, s); got != (s == want) {
			t.Errorf("%s: errors.Is(err, %v) = %v, want %v (err: %v)", reason, s, got, s == want, err)
		}
	}
}

// checkNoKey asserts the key and Authorization header appear in no
// rendering of err.
func checkNoKey(t *testing.T, reason string, err error) {
	t.Helper()
	auth := basicAuth(testKey)
	for _, s := range []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
		if strings.Contains(s, testKey) || strings.Contains(s, strings.TrimPrefix(auth, "Basic ")) || strings.Contains(s, "TOPSECRET") {
			t.Errorf("%s: error leaks the key: %s", reason, s)
		}
	}
}

func getDomain(ctx context.Context, c *mailgun.Client, a mailgun.Account) error {
	_, err := c.GetDomain(ctx, a, "example.com")
	return err
}

func createRoute(ctx context.Context, c *mailgun.Client, a mailgun.Account) error {
	_, err := c.CreateRoute(ctx, a, mailgun.RouteRequest{Expression: ptr("catch_all()"), Actions: []string{"stop()"}})
	return err
}

// TestErrors checks the classification of answers end to end, how many
// requests each makes (retries), and that errors read well and leak nothing.
func TestErrors(t *testing.T) {
	epoch := time.Now().Add(90 * time.Second).Truncate(time.Second)
	cases := []struct {
		name, reason string
		call         func(context.Context, *mailgun.Client, mailgun.Account) error
		answers      []answer
		kind         error
		requests     int
		msg          string // exact Error() when set
		contains     string // substring of Error() when set
		retryAt      func(time.Time) bool
	}{
		{
			name: "401 text", reason: "bad key: Mailgun answers 401 with the text Forbidden; permanent, no retry",
			call: getDomain, answers: []answer{{status: 401, header: map[string]string{"Content-Type": "text/plain"}, body: "Forbidden"}},
			kind: mailgun.ErrUnauthorized, requests: 1, msg: "cannot GetDomain: 401 Unauthorized: Forbidden",
		},
		{
			name: "403", reason: "a refusal of a valid key (a plan limit) is forbidden, not unauthorized, and not retried",
			call: getDomain, answers: []answer{{status: 403, body: `{"message": "Forbidden"}`}},
			kind: mailgun.ErrForbidden, requests: 1,
		},
		{
			name: "404 message", reason: "message from {\"message\"}",
			call: getDomain, answers: []answer{{status: 404, body: `{"message": "Domain not found"}`}},
			kind: mailgun.ErrNotFound, requests: 1, msg: "cannot GetDomain: 404 Not Found: Domain not found",
		},
		{
			name: "400 already exists", reason: "a 400 saying already exists is a conflict, case-insensitively",
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) error {
				_, err := c.CreateDomain(ctx, a, mailgun.CreateDomainRequest{Name: "example.com"})
				return err
			},
			answers: []answer{{status: 400, body: `{"message": "Domain Already Exists"}`}},
			kind:    mailgun.ErrConflict, requests: 1,
		},
		{
			name: "400 webhook already exists", reason: "POST on an event with URLs",
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) error {
				return c.CreateWebhook(ctx, a, "example.com", mailgun.EventDelivered, []string{"https://x"})
			},
			answers: []answer{{status: 400, body: `{"message": "Webhook already exists"}`}},
			kind:    mailgun.ErrConflict, requests: 1,
		},
		{
			name: "409", reason: "conflict",
			call: getDomain, answers: []answer{{status: 409, body: `{"message": "busy"}`}},
			kind: mailgun.ErrConflict, requests: 1,
		},
		{
			name: "400 Reason", reason: "v4 webhook endpoints put the message in Reason",
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) error {
				return c.UpdateWebhook(ctx, a, "example.com", mailgun.EventDelivered, []string{"a", "b", "c", "d"})
			},
			answers: []answer{{status: 400, body: `{"Reason": "at most 3 urls are allowed"}`}},
			kind:    mailgun.ErrInvalid, requests: 1, msg: "cannot UpdateWebhook: 400 Bad Request: at most 3 urls are allowed",
		},
		{
			name: "413", reason: "other 4xx are invalid and not retried",
			call: getDomain, answers: []answer{{status: 413, body: ""}},
			kind: mailgun.ErrInvalid, requests: 1, msg: "cannot GetDomain: 413 Request Entity Too Large",
		},
		{
			name: "429 fractional reset", reason: "X-RateLimit-Reset is epoch seconds with a fraction; 429 is not retried",
			call: getDomain,
			answers: []answer{{status: 429, body: `{"message": "Too many requests"}`,
				header: map[string]string{"X-RateLimit-Reset": strconv.FormatInt(epoch.Unix(), 10) + ".25"}}},
			kind: mailgun.ErrRateLimited, requests: 1, contains: "429 Too Many Requests: Too many requests (retry at ",
			retryAt: func(at time.Time) bool { return at.Equal(epoch.Add(250 * time.Millisecond)) },
		},
		{
			name: "429 Retry-After seconds", reason: "Retry-After in seconds is honoured when present",
			call:    createRoute,
			answers: []answer{{status: 429, header: map[string]string{"Retry-After": "30"}, body: `{"message": "slow down"}`}},
			kind:    mailgun.ErrRateLimited, requests: 1,
			retryAt: func(at time.Time) bool { d := time.Until(at); return d > 28*time.Second && d <= 30*time.Second },
		},
		{
			name: "429 Retry-After date", reason: "Retry-After may be an HTTP date",
			call:    getDomain,
			answers: []answer{{status: 429, header: map[string]string{"Retry-After": epoch.UTC().Format(http.TimeFormat)}}},
			kind:    mailgun.ErrRateLimited, requests: 1,
			retryAt: func(at time.Time) bool { return at.Equal(epoch) },
		},
		{
			name: "GET 503 then 200", reason: "idempotent GET retries a transient 5xx and succeeds",
			call: getDomain, answers: []answer{{status: 503, body: "upstream"}, {status: 502}, {body: getDomainJSON}},
			requests: 3,
		},
		{
			name: "PUT 500 then 200", reason: "PUT is idempotent: retried",
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) error {
				return c.SetOpenTracking(ctx, a, "example.com", true)
			},
			answers:  []answer{{status: 500}, {body: `{"message": "ok"}`}},
			requests: 2,
		},
		{
			name: "GET 503 forever", reason: "retries stop after MaxRetries (3): 4 requests, transient",
			call: getDomain, answers: []answer{{status: 503, body: `{"message": "Service Unavailable"}`}},
			kind: mailgun.ErrTransient, requests: 4, msg: "cannot GetDomain: 503 Service Unavailable: Service Unavailable",
		},
		{
			name: "POST 503", reason: "POST is never retried: a lost answer would duplicate the route",
			call: createRoute, answers: []answer{{status: 503}, {body: createRouteJSON}},
			kind: mailgun.ErrTransient, requests: 1,
		},
		{
			name: "DELETE dropped connection then 200", reason: "a reset connection is transient and DELETE is retried",
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) error {
				return c.DeleteRoute(ctx, a, "r1")
			},
			answers:  []answer{{drop: true}, {body: `{"message": "Route has been deleted"}`}},
			requests: 2,
		},
		{
			name: "POST dropped connection", reason: "EOF on a POST is transient and not retried",
			call: createRoute, answers: []answer{{drop: true}},
			kind: mailgun.ErrTransient, requests: 1,
		},
		{
			name: "malformed 2xx", reason: "an undecodable success is transient (state unknown), retried for GET",
			call: getDomain, answers: []answer{{body: `{"domain": {"name": 12`}, {body: getDomainJSON}},
			requests: 2,
		},
		{
			name: "key echoed", reason: "a message echoing the key is redacted",
			call: getDomain, answers: []answer{{status: 401, body: `{"message": "invalid key ` + testKey + `"}`}},
			kind: mailgun.ErrUnauthorized, requests: 1, msg: "cannot GetDomain: 401 Unauthorized: invalid key [redacted]",
		},
		{
			name: "HTML 502 truncated", reason: "raw text bodies are cut to 256 bytes",
			call: createRoute, answers: []answer{{status: 502, header: map[string]string{"Content-Type": "text/html"}, body: "<html>" + strings.Repeat("x", 5000) + "</html>"}},
			kind: mailgun.ErrTransient, requests: 1,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, a, rp := newReplay(t, testOptions(), tc.answers...)
			err := tc.call(context.Background(), c, a)
			if n := len(rp.requests()); n != tc.requests {
				t.Errorf("%s: %d requests, want %d", tc.reason, n, tc.requests)
			}
			if tc.kind == nil {
				if err != nil {
					t.Fatalf("%s: unexpected error %v", tc.reason, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("%s: no error", tc.reason)
			}
			checkKind(t, tc.reason, err, tc.kind)
			checkNoKey(t, tc.reason, err)
			var me *mailgun.Error
			if !errors.As(err, &me) {
				t.Fatalf("%s: %T is not *mailgun.Error", tc.reason, err)
			}
			if len(me.Message) > 256 {
				t.Errorf("%s: message of %d bytes", tc.reason, len(me.Message))
			}
			if tc.msg != "" && err.Error() != tc.msg {
				t.Errorf("%s: Error()\n got %q\nwant %q", tc.reason, err.Error(), tc.msg)
			}
			if tc.contains != "" && !strings.Contains(err.Error(), tc.contains) {
				t.Errorf("%s: Error() %q does not contain %q", tc.reason, err.Error(), tc.contains)
			}
			at, ok := mailgun.RetryAfter(err)
			if tc.retryAt != nil && (!ok || !tc.retryAt(at)) {
				t.Errorf("%s: RetryAfter = %v, %v", tc.reason, at, ok)
			}
			if tc.retryAt == nil && ok {
				t.Errorf("%s: unexpected RetryAfter %v", tc.reason, at)
			}
		})
	}
}

// TestTransportErrors covers failures without an answer.
func TestTransportErrors(t *testing.T) {
	t.Run("header timeout", func(t *testing.T) {
		reason := "a server that never answers hits the timeout: transient, not context.Canceled"
		o := testOptions()
		o.Timeout = 100 * time.Millisecond
		o.MaxRetries = -1
		c, a, _ := newReplay(t, o, answer{delay: 2 * time.Second})
		start := time.Now()
		err := getDomain(context.Background(), c, a)
		if time.Since(start) > time.Second {
			t.Errorf("%s: took %v", reason, time.Since(start))
		}
		checkKind(t, reason, err, mailgun.ErrTransient)
		if errors.Is(err, context.Canceled) {
			t.Errorf("%s: %v reads as a cancelled caller", reason, err)
		}
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Errorf("%s: %v is not a net.Error timeout", reason, err)
		}
	})
	t.Run("body timeout", func(t *testing.T) {
		reason := "the timeout covers reading the body; it is our timeout, not the caller's deadline"
		o := testOptions()
		o.Timeout = 200 * time.Millisecond
		o.MaxRetries = -1
		c, a, _ := newReplay(t, o, answer{partial: `{"domain": {"name": "exa`, delay: 2 * time.Second})
		err := getDomain(context.Background(), c, a)
		checkKind(t, reason, err, mailgun.ErrTransient)
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			t.Errorf("%s: %v reads as a caller context error", reason, err)
		}
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Errorf("%s: %v is not a net.Error timeout", reason, err)
		}
	})
	t.Run("cancel", func(t *testing.T) {
		reason := "cancelling the caller's context gives context.Canceled, not transient"
		c, a, _ := newReplay(t, testOptions(), answer{delay: 2 * time.Second})
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		err := getDomain(ctx, c, a)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s: got %v", reason, err)
		}
		checkKind(t, reason, err, nil)
	})
	t.Run("cancel during backoff", func(t *testing.T) {
		reason := "a retry never outlives the caller's context"
		o := testOptions()
		o.RetryBaseDelay = time.Hour // the first backoff is uniform in [0, 5s]
		c, a, rp := newReplay(t, o, answer{status: 503})
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		err := getDomain(ctx, c, a)
		if err == nil || (!errors.Is(err, context.Canceled) && !errors.Is(err, mailgun.ErrTransient)) {
			t.Errorf("%s: got %v", reason, err)
		}
		if n := len(rp.requests()); n > 2 {
			t.Errorf("%s: %d requests", reason, n)
		}
	})
	t.Run("deadline shorter than backoff", func(t *testing.T) {
		reason := "when the deadline cannot fit the backoff, the last transient error is returned at once"
		o := testOptions()
		o.RetryBaseDelay = 5 * time.Second
		c, a, _ := newReplay(t, o, answer{status: 503})
		ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond*500)
		defer cancel()
		err := getDomain(ctx, c, a)
		if !errors.Is(err, mailgun.ErrTransient) && !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: got %v", reason, err)
		}
	})
	t.Run("connection refused", func(t *testing.T) {
		reason := "no server: transient, and the error names no key"
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		_ = ln.Close()
		a, err := mailgun.NewAccount("http://"+addr, testKey)
		if err != nil {
			t.Fatal(err)
		}
		o := testOptions()
		o.MaxRetries = 1
		err = getDomain(context.Background(), mailgun.New(o), a)
		checkKind(t, reason, err, mailgun.ErrTransient)
		checkNoKey(t, reason, err)
	})
}

// TestRefusedArguments: the client refuses, without a request, arguments
// that would change which resource a path names.
func TestRefusedArguments(t *testing.T) {
	cases := []struct {
		name, reason string
		call         func(context.Context, *mailgun.Client, mailgun.Account) error
	}{
		{"empty domain", "GetDomain(\"\") would be the list URL", func(ctx context.Context, c *mailgun.Client, a mailgun.Account) error {
			_, err := c.GetDomain(ctx, a, "")
			return err
		}},
		{"dot-dot login", "credentials/.. normalises to the domain: a DELETE would delete the domain", func(ctx context.Context, c *mailgun.Client, a mailgun.Account) error {
			return c.DeleteCredential(ctx, a, "example.com", "..")
		}},
		{"dot domain", "a \".\" segment is removed by normalisation", func(ctx context.Context, c *mailgun.Client, a mailgun.Account) error {
			return c.DeleteDomain(ctx, a, ".")
		}},
		{"empty route id", "DELETE /v3/routes/ is the collection", func(ctx context.Context, c *mailgun.Client, a mailgun.Account) error {
			return c.DeleteRoute(ctx, a, "")
		}},
		{"unknown event", "an Event out of range has no name", func(ctx context.Context, c *mailgun.Client, a mailgun.Account) error {
			return c.DeleteWebhook(ctx, a, "example.com", mailgun.Event(200))
		}},
		{"route without expression", "create requires an expression", func(ctx context.Context, c *mailgun.Client, a mailgun.Account) error {
			_, err := c.CreateRoute(ctx, a, mailgun.RouteRequest{Actions: []string{"stop()"}})
			return err
		}},
		{"domain without name", "create requires a name", func(ctx context.Context, c *mailgun.Client, a mailgun.Account) error {
			_, err := c.CreateDomain(ctx, a, mailgun.CreateDomainRequest{})
			return err
		}},
		{"zero account", "the zero Account is invalid", func(ctx context.Context, c *mailgun.Client, _ mailgun.Account) error {
			_, err := c.GetDomain(ctx, mailgun.Account{}, "example.com")
			return err
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, a, rp := newReplay(t, testOptions())
			err := tc.call(context.Background(), c, a)
			checkKind(t, tc.reason, err, mailgun.ErrInvalid)
			if n := len(rp.requests()); n != 0 {
				t.Errorf("%s: %d requests made", tc.reason, n)
			}
		})
	}
}

// TestEmptyUpdatesSendNothing: nothing to change, no write.
func TestEmptyUpdatesSendNothing(t *testing.T) {
	c, a, rp := newReplay(t, testOptions(), answer{body: getRouteJSON})
	if err := c.UpdateDomain(context.Background(), a, "example.com", mailgun.UpdateDomainRequest{}); err != nil {
		t.Fatal(err)
	}
	if n := len(rp.requests()); n != 0 {
		t.Errorf("empty UpdateDomain made %d requests", n)
	}
	rt, err := c.UpdateRoute(context.Background(), a, "4f3bad2335335426750048c6", mailgun.RouteRequest{})
	if err != nil || rt.ID != wantRoute.ID {
		t.Fatalf("empty UpdateRoute: %+v, %v", rt, err)
	}
	if r := rp.requests(); len(r) != 1 || r[0].Method != "GET" {
		t.Errorf("empty UpdateRoute should read, not write: %+v", r)
	}
}

// TestCreateRouteKeepsID: after a successful POST, an odd answer must not
// lose the id (that is how a peer made 33 routes out of 5).
func TestCreateRouteKeepsID(t *testing.T) {
	cases := []struct {
		name, reason, body string
	}{
		{"actions as objects", "a type mismatch elsewhere keeps the id", `{"message": "Route has been created", "route": {"actions": [{"forward": "x"}], "id": "abc123", "priority": 1}}`},
		{"priority garbled", "a field the flex types refuse keeps the id if already read", `{"route": {"id": "abc123", "priority": {"x": 1}}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, a, _ := newReplay(t, testOptions(), answer{body: tc.body})
			rt, err := c.CreateRoute(context.Background(), a, mailgun.RouteRequest{Expression: ptr("catch_all()")})
			if err != nil || rt.ID != "abc123" {
				t.Errorf("%s: got %+v, %v", tc.reason, rt, err)
			}
		})
	}
	t.Run("cut-off create fails", func(t *testing.T) {
		// Not whole JSON: the answer is not trusted, even with an id in it.
		c, a, _ := newReplay(t, testOptions(), answer{body: `{"route": {"id": "abc123", "expression": "catch_`})
		if _, err := c.CreateRoute(context.Background(), a, mailgun.RouteRequest{Expression: ptr("catch_all()")}); !errors.Is(err, mailgun.ErrTransient) {
			t.Errorf("a cut-off create answer must fail, got %v", err)
		}
	})
	t.Run("get stays strict", func(t *testing.T) {
		c, a, _ := newReplay(t, testOptions(), answer{body: `{"route": {"id": "abc123", "expression": "catch_`})
		if _, err := c.GetRoute(context.Background(), a, "abc123"); !errors.Is(err, mailgun.ErrTransient) {
			t.Errorf("a truncated read must fail (partial data looks like drift), got %v", err)
		}
	})
}
