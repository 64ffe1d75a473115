package mailgun

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mailgun-operator/mailgun-operator/internal/mailgun/mailguntest"
)

// Fuzz targets: robustness (no panic on any answer) plus invariants. The
// f.Add seeds run in every plain `go test`; explore with e.g.
//
//	go test -run x -fuzz FuzzClassify -fuzztime 30s ./internal/mailgun/

var sentinelKinds = []error{ErrNotFound, ErrConflict, ErrInvalid, ErrUnauthorized, ErrForbidden, ErrRateLimited, ErrTransient}

func FuzzClassify(f *testing.F) {
	f.Add(404, "", "", []byte(`{"message": "Domain not found"}`))
	f.Add(400, "", "", []byte(`{"message": "Domain already exists"}`))
	f.Add(400, "", "", []byte(`{"Reason": "bad"}`))
	f.Add(401, "", "", []byte("Forbidden"))
	f.Add(429, "1767323075.25", "", []byte(`{"message": "Too many requests"}`))
	f.Add(429, "", "Wed, 21 Oct 2015 07:28:00 GMT", []byte(""))
	f.Add(429, "1e308", "NaN", []byte("{"))
	f.Add(503, "", "", []byte("<html>\x00\xff</html>"))
	f.Add(200, "", "", []byte("{}"))
	f.Add(-1, "-0", "+Inf", []byte(`{"message": "\ud800"}`))
	f.Fuzz(func(t *testing.T, status int, reset, retryAfter string, body []byte) {
		h := http.Header{}
		if reset != "" {
			h.Set("X-RateLimit-Reset", reset)
		}
		if retryAfter != "" {
			h.Set("Retry-After", retryAfter)
		}
		before := time.Now()
		e := Classify(OpGetWebhook, status, h, body)
		if status >= 200 && status <= 299 {
			if e != nil {
				t.Fatalf("2xx classified as %v", e)
			}
			return
		}
		if e == nil {
			t.Fatalf("status %d not classified", status)
		}
		n := 0
		for _, k := range sentinelKinds {
			if errors.Is(e, k) {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("status %d matches %d kinds", status, n)
		}
		want := map[int]error{404: ErrNotFound, 401: ErrUnauthorized, 403: ErrForbidden, 409: ErrConflict, 429: ErrRateLimited}[status]
		switch {
		case status >= 500 && status <= 599:
			want = ErrTransient
		case want == nil && status >= 400 && status <= 499 && status != 400:
			want = ErrInvalid
		}
		if want != nil && !errors.Is(e, want) {
			t.Fatalf("status %d: %v, want %v", status, e.Kind(), want)
		}
		if status == 400 && !errors.Is(e, ErrInvalid) && !errors.Is(e, ErrConflict) {
			t.Fatalf("400 is %v", e.Kind())
		}
		if len(e.Message) > maxMessage || !utf8.ValidString(e.Message) {
			t.Fatalf("message %q", e.Message)
		}
		for _, r := range e.Message {
			if r < ' ' || r == 0x7f {
				t.Fatalf("control character in message %q", e.Message)
			}
		}
		if !e.RetryAt.IsZero() {
			if status != 429 {
				t.Fatalf("RetryAt on %d", status)
			}
			if e.RetryAt.After(time.Now().Add(maxRetryDelay)) || e.RetryAt.Before(before.Add(-100*365*24*time.Hour)) {
				t.Fatalf("RetryAt %v out of bounds", e.RetryAt)
			}
		}
		_ = e.Error()
	})
}

// decodeSeeds adds the Mailgun-shaped answers and some hostile inputs.
func decodeSeeds(f *testing.F, good ...string) {
	for _, s := range good {
		f.Add([]byte(s))
	}
	for _, s := range []string{"", "null", "{}", "[]", "{", `{"items": null}`, `"x"`, `{"domain": {"wildcard": "yes", "message_ttl": "60"}}`,
		`{"tracking": {"click": {"active": 1}}}`, `{"webhooks": {"delivered": {"urls": "x"}}}`, `{"route": {"priority": 1e400}}`,
		`{"total_count": -1, "items": [null, {}]}`, strings.Repeat("[", 10000)} {
		f.Add([]byte(s))
	}
}

// FuzzDecodeDomain: any answer decodes or fails without panicking, and
// what decodes converts whole.
func FuzzDecodeDomain(f *testing.F) {
	decodeSeeds(f, mailguntest.FixtureGetDomain, mailguntest.FixtureCreateDomain)
	for _, s := range domainDecodeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var d domainInfoJSON
		if d.decode(data) != nil {
			return
		}
		info := d.info()
		if len(info.SendingDNSRecords) != len(d.Sending) || len(info.ReceivingDNSRecords) != len(d.Receiving) {
			t.Fatal("records lost in conversion")
		}
	})
}

// domainDecodeSeeds are odd but possible answers: names in other cases,
// escapes, values of the wrong type, invalid JSON and UTF-8.
var domainDecodeSeeds = []string{
	` {"domain": {"name": "a\u00e9\ud800b", "NAME": "x", "Name": "y"}} trailing`,
	`{"DOMAIN": {"ID": "i", "smtp_LOGIN": "l", "\u0069d": "j"}, "Sending_DNS_Records": []}`,
	`{"domain": {"name": 1}, "sending_dns_records": [{"name": "a"}]}`,
	`{"domain": [], "sending_dns_records": {}}`,
	`{"sending_dns_records": [null, 1, {"valid": "valid", "cached": [1, {"a": [null]}]}]}`,
	`{"sending_dns_records": [{"name": "1"}], "sending_dns_records": [{"value": "v"}, {}]}`,
	`{"receiving_dns_records": [], "domain": null, "x": -0.5e+3}`,
	`{"domain": {"wildcard": "nope"}}`,
	`{"domain": {"message_ttl": 1.5}}`,
	`{"domain": {"name": "\x"}}`,
	`{"domain": {"name": "a` + "\x01" + `"}}`,
	`{"a": 01}`, `{"a": 1.}`, `{"a": tru}`, `{"a" 1}`, `{"a": 1,}`, `[1,]`,
	`null`, `1`, `"s"`, `{}x`, "{\"domain\": {\"name\": \"\xff\"}}",
}

func FuzzDecodeDomains(f *testing.F) {
	decodeSeeds(f, mailguntest.FixtureListDomains)
	f.Fuzz(func(t *testing.T, data []byte) {
		var p domainPageJSON
		if p.decode(data) != nil {
			return
		}
		if got := p.page(); len(got.Items) != len(p.Items) {
			t.Fatal("items lost in conversion")
		}
	})
}

func FuzzDecodeTracking(f *testing.F) {
	decodeSeeds(f, mailguntest.FixtureTracking, mailguntest.FixtureTrackingHTMLOnly)
	f.Fuzz(func(t *testing.T, data []byte) {
		var tr trackingJSON
		if tr.decode(data) != nil {
			return
		}
		if got := tr.tracking(); got.ClickHTMLOnly && !got.Click {
			t.Fatal("htmlonly click tracking must read as on")
		}
	})
}

func FuzzDecodeWebhooks(f *testing.F) {
	decodeSeeds(f, mailguntest.FixtureListWebhooks, `{"webhooks": {"delivered": {"url": ""}, "opened": {"urls": [""]}}}`)
	f.Fuzz(func(t *testing.T, data []byte) {
		var w webhooksJSON
		if w.decode(data) != nil {
			return
		}
		for e, urls := range w.webhooks() {
			if urls != nil && len(urls) == 0 {
				t.Fatalf("event %v: empty non-nil list", Event(e))
			}
		}
	})
}

func FuzzDecodeWebhook(f *testing.F) {
	decodeSeeds(f, mailguntest.FixtureGetWebhook, mailguntest.FixtureGetWebhookLegacy)
	f.Fuzz(func(t *testing.T, data []byte) {
		var w webhookJSON
		if w.decode(data) != nil {
			return
		}
		if urls := w.Webhook.list(); urls != nil && len(urls) == 0 {
			t.Fatal("empty non-nil list")
		}
	})
}

func FuzzDecodeRoute(f *testing.F) {
	decodeSeeds(f, mailguntest.FixtureCreateRoute, mailguntest.FixtureGetRoute, mailguntest.FixtureUpdateRouteTopLevel,
		`{"route": {"id": "a", "actions": [{"x": 1}]}}`, `{"route": {"id": "a", "priority": "x"}}`)
	f.Fuzz(func(t *testing.T, data []byte) {
		// Read strictly, then as a create answer (lenient once the id is in).
		var get routeAnswerJSON
		getErr := get.decode(data)
		created := routeAnswerJSON{created: true}
		createErr := created.decode(data)
		if getErr == nil && createErr != nil {
			t.Fatal("the create decoder is stricter than the read decoder")
		}
		if createErr == nil && getErr != nil && created.route().ID == "" {
			t.Fatal("a create answer was accepted with an error and no id")
		}
		if getErr == nil && get.route().ID != created.route().ID {
			t.Fatal("create and read disagree on the id")
		}
	})
}

func FuzzDecodeRoutes(f *testing.F) {
	decodeSeeds(f, mailguntest.FixtureListRoutes)
	f.Fuzz(func(t *testing.T, data []byte) {
		var p routePageJSON
		if p.decode(data) != nil {
			return
		}
		if got := p.page(); len(got.Items) != len(p.Items) {
			t.Fatal("items lost in conversion")
		}
	})
}

func FuzzDecodeCredentials(f *testing.F) {
	decodeSeeds(f, mailguntest.FixtureListCredentials)
	f.Fuzz(func(t *testing.T, data []byte) {
		var p credentialPageJSON
		if p.decode(data) != nil {
			return
		}
		if got := p.page(); len(got.Items) != len(p.Items) {
			t.Fatal("items lost in conversion")
		}
	})
}

// FuzzPathSegment: our escaping equals url.PathEscape, round-trips, and can
// never produce a separator that changes the path's structure.
func FuzzPathSegment(f *testing.F) {
	for _, s := range []string{"example.com", "a/b?c", "x#y%z", "alice@example.com", "..", "\x00\xff", "bücher", " "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := string(appendPathSegment(nil, s))
		if want := url.PathEscape(s); got != want {
			t.Fatalf("%q: %q, url.PathEscape %q", s, got, want)
		}
		if back, err := url.PathUnescape(got); err != nil || back != s {
			t.Fatalf("%q: does not round-trip: %q %v", s, back, err)
		}
		if strings.ContainsAny(got, "/?#; ,") {
			t.Fatalf("%q: escaped form %q contains a separator", s, got)
		}
		p := string(appendPath(nil, OpUpdateCredential, s, s))
		if validSegment(s) && strings.Count(p, "/") != 5 {
			t.Fatalf("%q: path %q has the wrong number of segments", s, p)
		}
	})
}

// FuzzForm: any keys and values survive the form encoding exactly.
func FuzzForm(f *testing.F) {
	f.Add("url", "https://a.example/x?y=1,2", "action", `forward("x")`)
	f.Add("", "", "a b", "%zz&=+")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		if !utf8.ValidString(k1 + v1 + k2 + v2) {
			return // url.ParseQuery is only compared on valid text
		}
		fm := newForm()
		defer fm.release()
		fm.add(k1, v1)
		fm.add(k2, v2)
		fm.add(k1, v2)
		if got, want := string(fm.b), url.QueryEscape(k1)+"="+url.QueryEscape(v1)+"&"+url.QueryEscape(k2)+"="+url.QueryEscape(v2)+"&"+url.QueryEscape(k1)+"="+url.QueryEscape(v2); got != want {
			t.Fatalf("form %q, want %q", got, want)
		}
		vals, err := url.ParseQuery(string(fm.b))
		if err != nil {
			t.Fatal(err)
		}
		if k1 != k2 && (len(vals[k1]) != 2 || vals[k1][0] != v1 || vals[k1][1] != v2 || vals.Get(k2) != v2) {
			t.Fatalf("parsed %v", vals)
		}
	})
}
