package mailguntest

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestDomainBodies: the v4 domain create and update read only multipart
// bodies. A urlencoded update answers like a success and changes nothing
// (what Mailgun does); a urlencoded create is refused, naming the type.
func TestDomainBodies(t *testing.T) {
	runCases(t, []opCase{
		{reason: "a urlencoded update answers 200 and changes nothing", setup: putExample,
			call: call{method: "PUT", path: "/v4/domains/example.com", urlencoded: true,
				form: form("spam_action", "block", "web_scheme", "https", "wildcard", "true")},
			status: 200, body: `{"message":"Domain has been updated"}`,
			check: func(t *testing.T, s *Server) {
				d, _ := s.Domain("example.com")
				if d.SpamAction != defaultSpamAction || d.WebScheme != defaultWebScheme || d.Wildcard {
					t.Errorf("a urlencoded update changed the domain: %+v", d)
				}
			}},
		{reason: "a urlencoded update of an unknown domain is still 404",
			call:   call{method: "PUT", path: "/v4/domains/nope.com", urlencoded: true, form: form("spam_action", "block")},
			status: 404, errMsg: "Domain not found"},
		{reason: "the same update as multipart applies", setup: putExample,
			call:   call{method: "PUT", path: "/v4/domains/example.com", form: form("spam_action", "block", "web_scheme", "https", "wildcard", "true")},
			status: 200, body: `{"message":"Domain has been updated"}`,
			check: func(t *testing.T, s *Server) {
				if d, _ := s.Domain("example.com"); d.SpamAction != "block" || d.WebScheme != "https" || !d.Wildcard {
					t.Errorf("multipart update not applied: %+v", d)
				}
			}},
		{reason: "a urlencoded create is refused with the content type named",
			call:   call{method: "POST", path: "/v4/domains", urlencoded: true, form: form("name", "example.com")},
			status: 400, errMsg: "multipart/form-data",
			check: func(t *testing.T, s *Server) {
				if _, ok := s.Domain("example.com"); ok {
					t.Error("a refused create made the domain")
				}
			}},
		{reason: "domain flags are true/false only, as the reference types them and the SDK sends them", setup: putExample,
			call:   call{method: "PUT", path: "/v4/domains/example.com", form: form("wildcard", "yes")},
			status: 400, errMsg: "is not true or false"},
		{reason: "other endpoints keep reading urlencoded bodies", setup: putExample,
			call:   call{method: "PUT", path: "/v3/domains/example.com/tracking/open", form: form("active", "yes")},
			status: 200, errMsg: ""},
	})
}

// TestRouteUpdateReadings: the route PUT answer, flat (default) or nested.
func TestRouteUpdateReadings(t *testing.T) {
	for _, tc := range []struct {
		name    string
		reading RouteUpdateAnswer
		want    string
	}{
		{"flat", RouteAnswerFlat, `{"actions":["stop()"],"created_at":"` + fixedNowText + `","description":"","expression":"catch_all()","id":"<id>","message":"Route has been updated","priority":5}`},
		{"nested", RouteAnswerNested, `{"message":"Route has been updated","route":{"actions":["stop()"],"created_at":"` + fixedNowText + `","description":"","expression":"catch_all()","id":"<id>","priority":5}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestServer(t)
			s.SetRouteUpdateAnswer(tc.reading)
			id := s.PutRoute(Route{Priority: 1, Expression: "catch_all()", Actions: []string{"stop()"}})
			r := send(t, s, call{method: "PUT", path: "/v3/routes/" + id, form: form("priority", "5")})
			if r.status != 200 {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			checkJSON(t, tc.name+" route update answer", r.body, tc.want)
		})
	}
}

// TestWebhookErrorKeys: webhook 4xx answers carry their text under
// "message" (default) or "Reason"; other endpoints are unaffected.
func TestWebhookErrorKeys(t *testing.T) {
	for _, tc := range []struct {
		name               string
		key                ErrorKey
		webhook, otherwise string
	}{
		{"message", ErrorMessage, `{"message":"Missing parameter 'url'"}`, `{"message":"Domain not found"}`},
		{"Reason", ErrorReason, `{"Reason":"Missing parameter 'url'"}`, `{"message":"Domain not found"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestServer(t)
			putExample(s)
			s.SetWebhookErrorKey(tc.key)
			r := send(t, s, call{method: "POST", path: "/v3/domains/example.com/webhooks", form: form("id", "delivered")})
			if r.status != 400 {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			checkJSON(t, "webhook 400", r.body, tc.webhook)
			r = send(t, s, call{method: "GET", path: "/v4/domains/nope.com"})
			checkJSON(t, "domain 404", r.body, tc.otherwise)
			ok := send(t, s, call{method: "POST", path: "/v3/domains/example.com/webhooks", form: form("id", "delivered", "url", "https://h.example/")})
			if ok.status != 200 || strings.Contains(string(ok.body), "Reason") {
				t.Errorf("a successful webhook answer was rewritten: %d %s", ok.status, ok.body)
			}
		})
	}
}

// TestDomainDeletedInBackground: with a delete delay, a deleted domain's
// name stays taken until the delay is over, and the domain stays readable
// and listed meanwhile, or (SetDomainDeleteHidden) reads 404 at once.
func TestDomainDeletedInBackground(t *testing.T) {
	for _, hidden := range []bool{false, true} {
		t.Run(fmt.Sprintf("hidden=%v", hidden), func(t *testing.T) {
			s := newTestServer(t)
			now := fixedNow
			s.now = func() time.Time { return now } // only this goroutine moves it, between calls
			s.SetDomainDeleteDelay(time.Minute)
			s.SetDomainDeleteHidden(hidden)
			putExample(s)

			r := send(t, s, call{method: "DELETE", path: "/v3/domains/example.com"})
			if r.status != 200 {
				t.Fatalf("delete: status %d: %s", r.status, r.body)
			}
			checkJSON(t, "delete answer", r.body, `{"message":"Domain will be deleted in the background"}`)
			// A second DELETE while deleting answers as a read does.
			wantRead := 200
			if hidden {
				wantRead = 404
			}
			if r := send(t, s, call{method: "DELETE", path: "/v3/domains/example.com"}); r.status != wantRead {
				t.Fatalf("second delete: status %d, want %d: %s", r.status, wantRead, r.body)
			}
			now = now.Add(59 * time.Second)
			if r := send(t, s, call{method: "GET", path: "/v4/domains/example.com"}); r.status != wantRead {
				t.Errorf("while deleting, GET answered %d, want %d", r.status, wantRead)
			}
			if r := send(t, s, call{method: "GET", path: "/v4/domains"}); strings.Contains(string(r.body), `"example.com"`) == hidden {
				t.Errorf("while deleting, listed %v, want %v: %s", !hidden, !hidden, r.body)
			}
			r = send(t, s, call{method: "POST", path: "/v4/domains", form: form("name", "example.com")})
			checkError(t, "create while deleting", r, 400, "already exists")

			now = now.Add(time.Second)
			if r := send(t, s, call{method: "GET", path: "/v4/domains/example.com"}); r.status != 404 {
				t.Errorf("after the delay, GET answered %d, want 404", r.status)
			}
			if _, ok := s.Domain("example.com"); ok {
				t.Error("after the delay, the domain is still in the emulator's state")
			}
			if r := send(t, s, call{method: "POST", path: "/v4/domains", form: form("name", "example.com")}); r.status != 200 {
				t.Errorf("re-create after deletion: status %d: %s", r.status, r.body)
			}
		})
	}
}

// TestUnauthorizedReadings: a wrong key answers 401 with the documented
// JSON message, or with the plain text clients of the real API report.
func TestUnauthorizedReadings(t *testing.T) {
	s := newTestServer(t)
	r := send(t, s, call{method: "GET", path: "/v4/domains", key: "key-wrong"})
	checkError(t, "documented 401", r, 401, "Forbidden")
	s.SetUnauthorizedText(true)
	r = send(t, s, call{method: "GET", path: "/v4/domains", key: "key-wrong"})
	if r.status != 401 || string(r.body) != "Forbidden" || !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain") {
		t.Errorf("text 401: %d %q (%s)", r.status, r.body, r.header.Get("Content-Type"))
	}
}
