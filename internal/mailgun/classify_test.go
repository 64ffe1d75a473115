package mailgun

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestClassify(t *testing.T) {
	cases := []struct {
		name, reason string
		status       int
		header       http.Header
		body         string
		kind         error // nil: Classify returns nil
		msg          string
	}{
		{"200", "success is not an error", 200, nil, "", nil, ""},
		{"201", "create answers 201", 201, nil, `{"message": "created"}`, nil, ""},
		{"204", "any 2xx", 204, nil, "", nil, ""},
		{"404 message", "not found, JSON message", 404, nil, `{"message": "Domain not found"}`, ErrNotFound, "Domain not found"},
		{"404 empty", "a 404 without JSON is no such endpoint, never \"gone\"", 404, nil, "", ErrInvalid, "no such API endpoint (check the account's region or apiBaseURL): "},
		{"404 text", "a proxy's or router's 404 page is no such endpoint", 404, nil, "404 page not found\n", ErrInvalid, "no such API endpoint (check the account's region or apiBaseURL): 404 page not found"},
		{"409", "conflict", 409, nil, `{"message": "x"}`, ErrConflict, "x"},
		{"400 already exists", "400 + already exists is a conflict", 400, nil, `{"message": "Domain already exists"}`, ErrConflict, "Domain already exists"},
		{"400 ALREADY EXISTS", "case-insensitive", 400, nil, `{"message": "ROUTE ALREADY EXISTS"}`, ErrConflict, "ROUTE ALREADY EXISTS"},
		{"400 already exists text", "raw text works too", 400, nil, "Webhook already exists\n", ErrConflict, "Webhook already exists"},
		{"400 Reason", "v4 webhook endpoints use Reason", 400, nil, `{"Reason": "bad url"}`, ErrInvalid, "bad url"},
		{"400 reason lowercase", "json keys are case-insensitive", 400, nil, `{"reason": "bad url"}`, ErrInvalid, "bad url"},
		{"400 error key", "{\"error\"} as last resort", 400, nil, `{"error": "nope"}`, ErrInvalid, "nope"},
		{"400 message wins", "message before Reason", 400, nil, `{"Reason": "r", "message": "m"}`, ErrInvalid, "m"},
		{"400 message not string", "an odd JSON body falls back to its text", 400, nil, `{"message": 5}`, ErrInvalid, `{"message": 5}`},
		{"422 already exists", "only 400 and 409 mean conflict", 422, nil, `{"message": "already exists"}`, ErrInvalid, "already exists"},
		{"413", "other 4xx invalid", 413, nil, "", ErrInvalid, ""},
		{"401", "unauthorized", 401, nil, "Forbidden", ErrUnauthorized, "Forbidden"},
		{"403", "forbidden is not a key problem (plan limits answer 403 too)", 403, nil, `{"message": "Forbidden"}`, ErrForbidden, "Forbidden"},
		{"403 plan limit", "Mailgun's message is kept", 403, nil, `{"message": "You have reached the maximum number of domains for your plan"}`, ErrForbidden, "You have reached the maximum number of domains for your plan"},
		{"429", "rate limited", 429, nil, `{"message": "Too many requests"}`, ErrRateLimited, "Too many requests"},
		{"500", "5xx transient", 500, nil, `{"message": "Internal"}`, ErrTransient, "Internal"},
		{"503 html", "proxy error page, control chars spaced", 503, nil, "<h1>503</h1>\n<p>down</p>", ErrTransient, "<h1>503</h1> <p>down</p>"},
		{"599", "any 5xx", 599, nil, "", ErrTransient, ""},
		{"302", "a redirect is never followed and never retried", 302, http.Header{"Location": {"https://elsewhere.example/v3/domains"}}, "", ErrInvalid,
			"answered 302, a redirect, which is never followed (the API key would go with it): point the account's apiBaseURL at the API itself; Location: https://elsewhere.example/v3/domains"},
		{"301 no location", "any 3xx, with or without Location", 301, nil, "moved", ErrInvalid,
			"answered 301, a redirect, which is never followed (the API key would go with it): point the account's apiBaseURL at the API itself; Location: none"},
		{"100", "1xx is unexpected: transient", 100, nil, "", ErrTransient, ""},
		{"0", "no status", 0, nil, "", ErrTransient, ""},
		{"long", "messages are cut to 256 bytes", 400, nil, strings.Repeat("é", 300), ErrInvalid, strings.Repeat("é", 128)},
		{"invalid utf8", "invalid UTF-8 is replaced", 400, nil, "a\xffb", ErrInvalid, "a\uFFFDb"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := Classify(OpGetDomain, tc.status, tc.header, []byte(tc.body))
			if tc.kind == nil {
				if e != nil {
					t.Fatalf("%s: got %v", tc.reason, e)
				}
				return
			}
			if e == nil || !errors.Is(e, tc.kind) || e.Kind() != tc.kind {
				t.Fatalf("%s: got %v, want %v", tc.reason, e, tc.kind)
			}
			if e.Message != tc.msg || e.Status != tc.status || e.Op != OpGetDomain {
				t.Errorf("%s: message %q status %d, want %q %d", tc.reason, e.Message, e.Status, tc.msg, tc.status)
			}
		})
	}
}

func TestResetTime(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	h := func(kv ...string) http.Header {
		hh := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			hh.Set(kv[i], kv[i+1])
		}
		return hh
	}
	epoch := now.Add(30 * time.Second)
	cases := []struct {
		name, reason string
		header       http.Header
		body         string
		want         time.Time
	}{
		{"none", "no header: unknown", h(), "", time.Time{}},
		{"body retry-seconds", "Mailgun's documented 429 body", h(), `{"retry-seconds": 60}`, now.Add(60 * time.Second)},
		{"body retry-seconds string", "a numeric string works too", h(), `{"retry-seconds": "15"}`, now.Add(15 * time.Second)},
		{"body and header, later wins", "honour both", h("Retry-After", "5"), `{"retry-seconds": 20}`, now.Add(20 * time.Second)},
		{"body odd", "a non-number is ignored", h(), `{"retry-seconds": "soon"}`, time.Time{}},
		{"epoch", "X-RateLimit-Reset epoch seconds", h("X-RateLimit-Reset", "1767323075"), "", epoch},
		{"fractional", "fractional seconds are kept", h("X-RateLimit-Reset", "1767323075.5"), "", epoch.Add(500 * time.Millisecond)},
		{"milliseconds", "an epoch in ms is recognised", h("X-RateLimit-Reset", "1767323075250"), "", epoch.Add(250 * time.Millisecond)},
		{"delta", "a small value is seconds from now", h("X-RateLimit-Reset", "12"), "", now.Add(12 * time.Second)},
		{"retry-after seconds", "Retry-After delay", h("Retry-After", "7"), "", now.Add(7 * time.Second)},
		{"retry-after date", "Retry-After HTTP date", h("Retry-After", epoch.Format(http.TimeFormat)), "", epoch},
		{"both, later wins", "honour both limits", h("X-RateLimit-Reset", "1767323075", "Retry-After", "60"), "", now.Add(60 * time.Second)},
		{"garbage", "unparseable: unknown", h("X-RateLimit-Reset", "soon", "Retry-After", "later"), "", time.Time{}},
		{"NaN", "NaN is not a time", h("X-RateLimit-Reset", "NaN"), "", time.Time{}},
		{"negative", "negative is not a time", h("Retry-After", "-5"), "", time.Time{}},
		{"far future", "capped at an hour", h("X-RateLimit-Reset", "1e300"), "", now.Add(time.Hour)},
		{"past", "a past reset stays in the past (no wait)", h("X-RateLimit-Reset", "1767323000"), "", time.Unix(1767323000, 0)},
	}
	for _, tc := range cases {
		if got := resetTime(tc.header, []byte(tc.body), now); !got.Equal(tc.want) {
			t.Errorf("%s (%s): %v, want %v", tc.name, tc.reason, got, tc.want)
		}
	}
}

func TestErrorString(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := []struct {
		reason string
		err    *Error
		want   string
	}{
		{"status and message", &Error{Op: OpGetDomain, Status: 404, Message: "Domain not found", kind: ErrNotFound}, "cannot GetDomain: 404 Not Found: Domain not found"},
		{"retry time", &Error{Op: OpCreateRoute, Status: 429, RetryAt: at, kind: ErrRateLimited}, "cannot CreateRoute: 429 Too Many Requests (retry at 2026-01-02T03:04:05Z)"},
		{"cause only", &Error{Op: OpListRoutes, kind: ErrTransient, err: errors.New("connection reset by peer")}, "cannot ListRoutes: connection reset by peer"},
		{"kind only", &Error{Op: OpDeleteRoute, kind: ErrTransient}, "cannot DeleteRoute: transient error"},
		{"invalid arg", invalidArg(OpGetDomain, "empty name"), "cannot GetDomain: empty name"},
	}
	for _, tc := range cases {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.reason, got, tc.want)
		}
	}
	if _, ok := RetryAfter(errors.New("x")); ok {
		t.Error("RetryAfter of a foreign error")
	}
	if _, ok := RetryAfter(&Error{kind: ErrTransient, RetryAt: at}); ok {
		t.Error("RetryAfter of a non-rate-limit error")
	}
}
