package mailgun

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/mailgun-operator/mailgun-operator/internal/mailgun/mailguntest"
)

// The wire types as they were before the arena: plain strings and slices
// decoded by encoding/json. The arena decoders must give the same values
// and the same error-or-not on every input.

type refRecord struct {
	RecordType enumString `json:"record_type"`
	Name       string     `json:"name"`
	Value      string     `json:"value"`
	Priority   enumString `json:"priority"`
	Valid      enumString `json:"valid"`
	IsActive   flexBool   `json:"is_active"`
}

type refDomain struct {
	ID                         string     `json:"id"`
	Name                       string     `json:"name"`
	State                      enumString `json:"state"`
	Type                       enumString `json:"type"`
	SMTPLogin                  string     `json:"smtp_login"`
	SpamAction                 enumString `json:"spam_action"`
	WebPrefix                  enumString `json:"web_prefix"`
	WebScheme                  enumString `json:"web_scheme"`
	TrackingHost               string     `json:"tracking_host"`
	MailfromHost               string     `json:"mailfrom_host"`
	Wildcard                   flexBool   `json:"wildcard"`
	RequireTLS                 flexBool   `json:"require_tls"`
	SkipVerification           flexBool   `json:"skip_verification"`
	IsDisabled                 flexBool   `json:"is_disabled"`
	UseAutomaticSenderSecurity flexBool   `json:"use_automatic_sender_security"`
	MessageTTL                 flexInt    `json:"message_ttl"`
	CreatedAt                  string     `json:"created_at"`
}

type refDomainInfo struct {
	Domain    refDomain   `json:"domain"`
	Sending   []refRecord `json:"sending_dns_records"`
	Receiving []refRecord `json:"receiving_dns_records"`
}

type refRoute struct {
	ID          string   `json:"id"`
	Priority    flexInt  `json:"priority"`
	Description string   `json:"description"`
	Expression  string   `json:"expression"`
	Actions     []string `json:"actions"`
	CreatedAt   string   `json:"created_at"`
}

func (r refRoute) route() Route {
	return Route{ID: r.ID, Priority: int(r.Priority), Description: r.Description, Expression: r.Expression, Actions: r.Actions, CreatedAt: r.CreatedAt}
}

type refRouteAnswer struct {
	Route *refRoute `json:"route"`
	refRoute
}

type refRoutePage struct {
	TotalCount flexInt    `json:"total_count"`
	Items      []refRoute `json:"items"`
}

type refURLs struct {
	URLs []string `json:"urls"`
	URL  string   `json:"url"`
}

func (w refURLs) list() []string {
	if len(w.URLs) > 0 {
		return w.URLs
	}
	if w.URL != "" {
		return []string{w.URL}
	}
	return nil
}

type refWebhooks struct {
	Webhooks struct {
		Accepted      refURLs `json:"accepted"`
		Delivered     refURLs `json:"delivered"`
		Opened        refURLs `json:"opened"`
		Clicked       refURLs `json:"clicked"`
		Unsubscribed  refURLs `json:"unsubscribed"`
		Complained    refURLs `json:"complained"`
		PermanentFail refURLs `json:"permanent_fail"`
		TemporaryFail refURLs `json:"temporary_fail"`
	} `json:"webhooks"`
}

func arenaInputs() []string {
	in := []string{
		mailguntest.FixtureGetDomain, mailguntest.FixtureCreateDomain, mailguntest.FixtureListRoutes, mailguntest.FixtureCreateRoute, mailguntest.FixtureGetRoute,
		mailguntest.FixtureUpdateRouteTopLevel, mailguntest.FixtureListWebhooks, mailguntest.FixtureGetWebhook, mailguntest.FixtureGetWebhookLegacy,
		"", "null", "{}", "[]", "{", `"x"`, `{"items": null}`, `{"items": []}`, `{"total_count": -1, "items": [null, {}]}`,
		`{"domain": {"id": "a\"b\\c\/d\u00e9\ud83d\ude00\ud800x", "name": "caf\u00e9 \xff", "smtp_login": null, "created_at": 5}}`,
		`{"domain": {"name": "a", "name": "b", "tracking_host": "ü"}, "sending_dns_records": [{"name": "x", "value": "y"}, null, {"name": 1}, {}, {}, {"name": "6th"}], "receiving_dns_records": null}`,
		`{"domain": {"name": ["x"]}, "sending_dns_records": {}}`,
		`{"route": {"id": "a", "actions": [{"x": 1}]}}`, `{"route": {"id": "a", "priority": "x"}}`,
		`{"route": {"actions": ["a", null, "b"], "id": "r"}}`, `{"route": {"actions": "x", "id": 3}, "id": "top"}`,
		`{"route": null, "id": "top", "actions": [], "description": "d\n"}`, `{"route": {"id": ""}, "id": "top"}`,
		`{"route": {"actions": [ "a" , "b\"" ] , "id": "r"}}`, `{"route": {"actions": ["a", 1]}}`,
		`{"total_count": 3, "items": [{"id": "1", "actions": ["x"]}, {"id": "2", "actions": null}, {"id": "3", "actions": []}, {"id": 4}]}`,
		`{"webhooks": {"delivered": {"urls": "x"}}}`, `{"webhooks": {"delivered": {"url": ""}, "opened": {"urls": [""]}}}`,
		`{"webhooks": {"delivered": {"urls": ["a", "b"], "url": "c"}, "opened": {"urls": [], "url": "u"}, "clicked": {"urls": [null, "z"]}, "accepted": {"url": 5}}}`,
		`{"webhook": {"urls": ["a", "b"]}}`, `{"webhook": {"url": "l"}}`,
		`{"WEBHOOKS": {"Delivered": {"URLS": ["a"]}, "delivered": {"url": "b"}, "bounced": {"urls": ["x"]}}, "webhooks": null}`,
		`{"webhooks": {"opened": {"urls": ["a",]}}}`, `{"webhooks": {"opened": {"urls": ["a"]},}}`, `{"webhooks": []}`,
		`{"webhooks": {"opened": null, "clicked": "x"}}`, `{"webhooks": {"opened": {"urls": ["a"]}}} {"x"`,
	}
	// A page larger than any pooled capacity.
	var b strings.Builder
	b.WriteString(`{"total_count": 300, "items": [`)
	for i := range 300 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`{"id": "r` + strings.Repeat("x", i%7) + `", "actions": ["a\"", "b"], "description": "d"}`)
	}
	b.WriteString(`]}`)
	return append(in, b.String())
}

func checkArenaDecoders(t *testing.T, in string) {
	t.Helper()
	data := []byte(in)
	same := func(what string, gotErr, wantErr error, got, want any) {
		t.Helper()
		if (gotErr != nil) != (wantErr != nil) {
			t.Errorf("%s %q: error %v, reference %v", what, truncate(data), gotErr, wantErr)
			return
		}
		if gotErr == nil && !reflect.DeepEqual(got, want) {
			t.Errorf("%s %q:\n got %#v\nwant %#v", what, truncate(data), got, want)
		}
	}

	{
		d := newDomainInfoJSON()
		err := d.decode(bytes.NewReader(data))
		var ref refDomainInfo
		rerr := decodeJSON(bytes.NewReader(data), &ref)
		got := d.info()
		d.release()
		var want DomainInfo
		if rerr == nil {
			r := ref.Domain
			want.Domain = Domain{ID: r.ID, Name: r.Name, State: string(r.State), Type: string(r.Type), SMTPLogin: r.SMTPLogin,
				SpamAction: string(r.SpamAction), WebPrefix: string(r.WebPrefix), WebScheme: string(r.WebScheme),
				TrackingHost: r.TrackingHost, MailfromHost: r.MailfromHost, Wildcard: bool(r.Wildcard), RequireTLS: bool(r.RequireTLS),
				SkipVerification: bool(r.SkipVerification), IsDisabled: bool(r.IsDisabled),
				UseAutomaticSenderSecurity: bool(r.UseAutomaticSenderSecurity), MessageTTL: int(r.MessageTTL), CreatedAt: r.CreatedAt}
			conv := func(rs []refRecord) []DNSRecord {
				if len(rs) == 0 {
					return nil
				}
				out := make([]DNSRecord, len(rs))
				for i, x := range rs {
					out[i] = DNSRecord{string(x.RecordType), x.Name, x.Value, string(x.Priority), string(x.Valid), bool(x.IsActive)}
				}
				return out
			}
			want.SendingDNSRecords, want.ReceivingDNSRecords = conv(ref.Sending), conv(ref.Receiving)
		}
		same("domain", err, rerr, got, want)
	}
	for _, created := range []bool{false, true} {
		r := routeAnswerJSON{created: created}
		err := r.decode(bytes.NewReader(data))
		var ref refRouteAnswer
		rerr := decodeJSON(bytes.NewReader(data), &ref)
		want := ref.refRoute.route()
		if ref.Route != nil && ref.Route.ID != "" {
			want = ref.Route.route()
		}
		if rerr != nil && created && want.ID != "" {
			rerr = nil
		}
		same("route", err, rerr, r.route(), want)
	}
	for range 2 { // the second time from the pool, with its capacity
		p := routePagePool.Get().(*routePageJSON)
		err := p.decode(bytes.NewReader(data))
		got := p.page()
		p.release()
		var ref refRoutePage
		rerr := decodeJSON(bytes.NewReader(data), &ref)
		want := RoutePage{TotalCount: int(ref.TotalCount)}
		if ref.Items != nil {
			want.Items = make([]Route, len(ref.Items))
			for i, x := range ref.Items {
				want.Items[i] = x.route()
			}
		}
		same("routes", err, rerr, got, want)
	}
	{
		var w webhooksJSON
		err := w.decode(bytes.NewReader(data))
		var ref refWebhooks
		rerr := decodeJSON(bytes.NewReader(data), &ref)
		h := &ref.Webhooks
		want := Webhooks{h.Accepted.list(), h.Delivered.list(), h.Opened.list(), h.Clicked.list(),
			h.Unsubscribed.list(), h.Complained.list(), h.PermanentFail.list(), h.TemporaryFail.list()}
		same("webhooks", err, rerr, w.webhooks(), want)
	}
	{
		var w webhookJSON
		err := w.decode(bytes.NewReader(data))
		var ref struct {
			Webhook refURLs `json:"webhook"`
		}
		rerr := decodeJSON(bytes.NewReader(data), &ref)
		same("webhook", err, rerr, w.Webhook.list(), ref.Webhook.list())
	}
}

// TestArenaDecodersMatchEncodingJSON: the arena decoders give what the plain
// encoding/json types gave, on fixtures and odd answers.
func TestArenaDecodersMatchEncodingJSON(t *testing.T) {
	for _, in := range arenaInputs() {
		checkArenaDecoders(t, in)
	}
}

func FuzzArenaDecoders(f *testing.F) {
	for _, in := range arenaInputs() {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkArenaDecoders(t, string(data)) })
}

// FuzzAppendUnquoted: appendUnquoted decodes every string literal as
// encoding/json does.
func FuzzAppendUnquoted(f *testing.F) {
	for _, s := range []string{`"a"`, `"a\"b"`, `"\u00e9\ud83d\ude00"`, `"\ud800x"`, "\"\xff\"", `"\/\b\f\n\r\t"`, `"é"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var want string
		lit := bytes.TrimSpace(data)
		if len(lit) == 0 || lit[0] != '"' || json.Unmarshal(data, &want) != nil {
			return
		}
		got, ok := appendUnquoted(nil, lit)
		if !ok || string(got) != want {
			t.Fatalf("%q: got %q %v, want %q", data, got, ok, want)
		}
	})
}
