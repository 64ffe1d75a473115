package mailgun_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mailgun-operator/mailgun-operator/internal/mailgun"
	"github.com/mailgun-operator/mailgun-operator/internal/mailgun/mailguntest"
)

// The emulator is written separately from the client, from the same API
// description, so these tests check the two against each other: every
// client operation, its wire format as the emulator parses it, and the
// classification of the emulator's errors and faults.

const emuKey = "key-emulator-0123456789-TOPSECRET"

type emuCase struct {
	name, reason string
	setup        func(s *mailguntest.Server)
	call         func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error)
	kind         error                  // nil: success expected
	calls        map[mailguntest.Op]int // exact calls per op the emulator must have seen
	check        func(t *testing.T, s *mailguntest.Server, got any)
}

// seed is the common starting state: one active domain with tracking, a
// webhook, a credential, and one route.
func seed(s *mailguntest.Server) {
	s.PutDomain(mailguntest.Domain{
		Name: "example.com", State: "active", SpamAction: "tag", WebScheme: "https", WebPrefix: "email",
		Wildcard: true, RequireTLS: true,
		Tracking:    mailguntest.Tracking{Click: true, ClickHTMLOnly: true, Unsubscribe: true, HTMLFooter: "<p>bye</p>", TextFooter: "bye"},
		Credentials: map[string]string{"alice@example.com": "alice-pass-1"},
	})
	s.PutWebhook("example.com", "delivered", []string{"https://hooks.example/d1", "https://hooks.example/d2"})
	s.PutRoute(mailguntest.Route{ID: "0123456789abcdef01234567", Priority: 5, Description: "owner=uid-1",
		Expression: `match_recipient(".*@example.com")`, Actions: []string{`forward("https://in.example/m")`, "stop()"}})
}

// seedTemplate is seed plus a template of two versions, v1 active.
func seedTemplate(s *mailguntest.Server) {
	seed(s)
	s.PutTemplate("example.com", mailguntest.Template{Name: "welcome", Description: "greets", Versions: []mailguntest.TemplateVersion{
		{Tag: "v1", Body: "one", Comment: "first", Active: true}, {Tag: "v2", Body: "two", Comment: "second"}}})
}

// seedList is seed plus a list of two members.
func seedList(s *mailguntest.Server) {
	seed(s)
	s.PutList(mailguntest.MailingList{Address: "devs@example.com", Description: "the devs", Members: map[string]mailguntest.Member{
		"ann": {Address: "ann@example.com", Subscribed: true}, "bob": {Address: "bob@example.com", Vars: map[string]any{"team": "core"}}}})
}

func TestClientAgainstEmulator(t *testing.T) {
	ok := func(v any, err error) (any, error) { return v, err }
	none := func(err error) (any, error) { return nil, err }
	cases := []emuCase{
		// Domains.
		{
			name: "CreateDomain", reason: "the emulator parses every field; the answer decodes with its records",
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return ok(c.CreateDomain(ctx, a, mailgun.CreateDomainRequest{
					Name: "new.example.com", SMTPPassword: "smtp-pass-1", SpamAction: "block", DKIMSelector: "mg1",
					WebScheme: "https", WebPrefix: "trk", Wildcard: ptr(true), ForceDKIMAuthority: ptr(true),
					RequireTLS: ptr(true), SkipVerification: ptr(false), DKIMKeySize: 2048,
				}))
			},
			calls: map[mailguntest.Op]int{mailguntest.OpCreateDomain: 1},
			check: func(t *testing.T, s *mailguntest.Server, got any) {
				info := got.(mailgun.DomainInfo)
				if info.Domain.Name != "new.example.com" || info.Domain.State != "unverified" || info.Domain.SpamAction != "block" || !info.Domain.Wildcard || !info.Domain.RequireTLS {
					t.Errorf("domain %+v", info.Domain)
				}
				if len(info.SendingDNSRecords) != 3 || len(info.ReceivingDNSRecords) != 2 {
					t.Fatalf("records %+v / %+v", info.SendingDNSRecords, info.ReceivingDNSRecords)
				}
				spf, dkim, trk := info.SendingDNSRecords[0], info.SendingDNSRecords[1], info.SendingDNSRecords[2]
				if spf.RecordType != "TXT" || spf.Value != "v=spf1 include:mailgun.org ~all" || spf.Valid != "unknown" {
					t.Errorf("SPF %+v", spf)
				}
				if dkim.RecordType != "TXT" || dkim.Name != "mg1._domainkey.new.example.com" {
					t.Errorf("DKIM %+v", dkim)
				}
				if trk.RecordType != "CNAME" || trk.Name != "trk.new.example.com" || trk.Value != "mailgun.org" {
					t.Errorf("tracking %+v", trk)
				}
				if mx := info.ReceivingDNSRecords[0]; mx.RecordType != "MX" || mx.Value != "mxa.mailgun.org" || mx.Priority != "10" {
					t.Errorf("MX %+v", mx)
				}
				d, _ := s.Domain("new.example.com")
				if d.SMTPPassword != "smtp-pass-1" || d.DKIMSelector != "mg1" || d.DKIMKeySize != 2048 || !d.ForceDKIMAuthority || d.WebPrefix != "trk" {
					t.Errorf("emulator state %+v", d)
				}
			},
		},
		{
			name: "CreateDomain automatic sender security", reason: "DKIM becomes two CNAMEs",
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return ok(c.CreateDomain(ctx, a, mailgun.CreateDomainRequest{Name: "auto.example.com", UseAutomaticSenderSecurity: ptr(true)}))
			},
			calls: map[mailguntest.Op]int{mailguntest.OpCreateDomain: 1},
			check: func(t *testing.T, _ *mailguntest.Server, got any) {
				info := got.(mailgun.DomainInfo)
				var cnames int
				for _, r := range info.SendingDNSRecords {
					if r.RecordType == "CNAME" && strings.Contains(r.Name, "._domainkey.") {
						cnames++
					}
				}
				if cnames != 2 || !info.Domain.UseAutomaticSenderSecurity {
					t.Errorf("records %+v", info.SendingDNSRecords)
				}
			},
		},
		{
			name: "CreateDomain duplicate", reason: "400 Domain already exists is a conflict", setup: seed,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return ok(c.CreateDomain(ctx, a, mailgun.CreateDomainRequest{Name: "example.com"}))
			},
			kind: mailgun.ErrConflict, calls: map[mailguntest.Op]int{mailguntest.OpCreateDomain: 1},
		},
		{
			name: "CreateDomain bad key size", reason: "a 400 the spec caused is invalid",
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return ok(c.CreateDomain(ctx, a, mailgun.CreateDomainRequest{Name: "x.example.com", DKIMKeySize: 4096}))
			},
			kind: mailgun.ErrInvalid, calls: map[mailguntest.Op]int{mailguntest.OpCreateDomain: 1},
		},
		{
			name: "GetDomain", reason: "what PutDomain planted reads back; an active domain's records are valid", setup: seed,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return ok(c.GetDomain(ctx, a, "example.com"))
			},
			calls: map[mailguntest.Op]int{mailguntest.OpGetDomain: 1},
			check: func(t *testing.T, _ *mailguntest.Server, got any) {
				info := got.(mailgun.DomainInfo)
				d := info.Domain
				if d.Name != "example.com" || d.State != "active" || d.SpamAction != "tag" || !d.Wildcard || !d.RequireTLS || d.ID == "" || d.CreatedAt == "" || d.MessageTTL <= 0 {
					t.Errorf("domain %+v", d)
				}
				for _, r := range append(info.SendingDNSRecords, info.ReceivingDNSRecords...) {
					if r.Valid != "valid" {
						t.Errorf("record %+v not valid", r)
					}
				}
			},
		},
		{
			name: "GetDomain unknown", reason: "404 Domain not found",
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return ok(c.GetDomain(ctx, a, "nope.example.com"))
			},
			kind: mailgun.ErrNotFound, calls: map[mailguntest.Op]int{mailguntest.OpGetDomain: 1},
			check: func(t *testing.T, _ *mailguntest.Server, got any) {},
		},
		{
			name: "GetDomain escaped name", reason: `"a/b" is one (unknown) domain, not a longer path`, setup: seed,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return ok(c.GetDomain(ctx, a, "example.com/verify"))
			},
			kind: mailgun.ErrNotFound, calls: map[mailguntest.Op]int{mailguntest.OpGetDomain: 1, mailguntest.OpVerifyDomain: 0},
		},
		{
			name: "ListDomains paged", reason: "skip/limit reach the emulator",
			setup: func(s *mailguntest.Server) {
				for _, n := range []string{"a.example.com", "b.example.com", "c.example.com"} {
					s.PutDomain(mailguntest.Domain{Name: n})
				}
			},
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return ok(c.ListDomains(ctx, a, mailgun.ListOptions{Skip: 1, Limit: 1}))
			},
			calls: map[mailguntest.Op]int{mailguntest.OpListDomains: 1},
			check: func(t *testing.T, _ *mailguntest.Server, got any) {
				p := got.(mailgun.DomainPage)
				if p.TotalCount != 3 || len(p.Items) != 1 || p.Items[0].Name != "b.example.com" {
					t.Errorf("page %+v", p)
				}
			},
		},
		{
			name: "ListDomains limit too high", reason: "limit above 1000 is a 400",
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return ok(c.ListDomains(ctx, a, mailgun.ListOptions{Limit: 1001}))
			},
			kind: mailgun.ErrInvalid, calls: map[mailguntest.Op]int{mailguntest.OpListDomains: 1},
		},
		{
			name: "UpdateDomain", reason: "only set fields change", setup: seed,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return none(c.UpdateDomain(ctx, a, "example.com", mailgun.UpdateDomainRequest{SpamAction: ptr("disabled"), Wildcard: ptr(false)}))
			},
			calls: map[mailguntest.Op]int{mailguntest.OpUpdateDomain: 1},
			check: func(t *testing.T, s *mailguntest.Server, _ any) {
				d, _ := s.Domain("example.com")
				if d.SpamAction != "disabled" || d.Wildcard || !d.RequireTLS || d.WebScheme != "https" {
					t.Errorf("state %+v", d)
				}
			},
		},
		{
			name: "UpdateDomain unknown", reason: "404",
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return none(c.UpdateDomain(ctx, a, "nope.example.com", mailgun.UpdateDomainRequest{SpamAction: ptr("tag")}))
			},
			kind: mailgun.ErrNotFound, calls: map[mailguntest.Op]int{mailguntest.OpUpdateDomain: 1},
		},
		{
			name: "VerifyDomain", reason: "after DNS is in place verify makes the domain active",
			setup: func(s *mailguntest.Server) {
				s.PutDomain(mailguntest.Domain{Name: "v.example.com"})
				s.SetDNSValid("v.example.com", true)
			},
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return ok(c.VerifyDomain(ctx, a, "v.example.com"))
			},
			calls: map[mailguntest.Op]int{mailguntest.OpVerifyDomain: 1},
			check: func(t *testing.T, _ *mailguntest.Server, got any) {
				info := got.(mailgun.DomainInfo)
				if info.Domain.State != "active" || info.SendingDNSRecords[0].Valid != "valid" {
					t.Errorf("verify %+v", info)
				}
			},
		},
		{
			name: "DeleteDomain", reason: "v3 delete removes it", setup: seed,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return none(c.DeleteDomain(ctx, a, "example.com"))
			},
			calls: map[mailguntest.Op]int{mailguntest.OpDeleteDomain: 1},
			check: func(t *testing.T, s *mailguntest.Server, _ any) {
				if _, ok := s.Domain("example.com"); ok {
					t.Error("domain still there")
				}
			},
		},
		{
			name: "DeleteDomain unknown", reason: "404 (a controller treats it as already gone)",
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return none(c.DeleteDomain(ctx, a, "nope.example.com"))
			},
			kind: mailgun.ErrNotFound, calls: map[mailguntest.Op]int{mailguntest.OpDeleteDomain: 1},
		},

		// Tracking and DKIM.
		{
			name: "GetTracking documented reading", reason: "htmlonly click reads back as active true (docs/mailgun-api.md, Tracking); footers read back", setup: seed,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return ok(c.GetTracking(ctx, a, "example.com"))
			},
			calls: map[mailguntest.Op]int{mailguntest.OpGetTracking: 1},
			check: func(t *testing.T, _ *mailguntest.Server, got any) {
				want := mailgun.Tracking{Click: true, Unsubscribe: true, UnsubscribeHTMLFooter: "<p>bye</p>", UnsubscribeTextFooter: "bye"}
				if got != want {
					t.Errorf("tracking %+v, want %+v", got, want)
				}
			},
		},
		{
			name: "GetTracking string reading", reason: "htmlonly click read back as the string \"htmlonly\" is told apart",
			setup: func(s *mailguntest.Server) {
				seed(s)
				s.SetClickReading(mailguntest.ClickAsString)
			},
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return ok(c.GetTracking(ctx, a, "example.com"))
			},
			calls: map[mailguntest.Op]int{mailguntest.OpGetTracking: 1},
			check: func(t *testing.T, _ *mailguntest.Server, got any) {
				want := mailgun.Tracking{Click: true, ClickHTMLOnly: true, Unsubscribe: true, UnsubscribeHTMLFooter: "<p>bye</p>", UnsubscribeTextFooter: "bye"}
				if got != want {
					t.Errorf("tracking %+v, want %+v", got, want)
				}
			},
		},
		{
			name: "SetClickTracking", reason: "plain yes clears htmlonly", setup: seed,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return none(c.SetClickTracking(ctx, a, "example.com", true, false))
			},
			calls: map[mailguntest.Op]int{mailguntest.OpSetClickTracking: 1},
			check: func(t *testing.T, s *mailguntest.Server, _ any) {
				if d, _ := s.Domain("example.com"); !d.Tracking.Click || d.Tracking.ClickHTMLOnly {
					t.Errorf("tracking %+v", d.Tracking)
				}
			},
		},
		{
			name: "SetOpenTracking", reason: "yes turns it on", setup: seed,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return none(c.SetOpenTracking(ctx, a, "example.com", true))
			},
			calls: map[mailguntest.Op]int{mailguntest.OpSetOpenTracking: 1},
			check: func(t *testing.T, s *mailguntest.Server, _ any) {
				if d, _ := s.Domain("example.com"); !d.Tracking.Open {
					t.Errorf("tracking %+v", d.Tracking)
				}
			},
		},
		{
			name: "SetUnsubscribeTracking", reason: "footers with markup and % arrive intact", setup: seed,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return none(c.SetUnsubscribeTracking(ctx, a, "example.com", false, `<a href="%unsubscribe_url%">out & away</a>`, "out: %unsubscribe_url%"))
			},
			calls: map[mailguntest.Op]int{mailguntest.OpSetUnsubscribeTracking: 1},
			check: func(t *testing.T, s *mailguntest.Server, _ any) {
				d, _ := s.Domain("example.com")
				if d.Tracking.Unsubscribe || d.Tracking.HTMLFooter != `<a href="%unsubscribe_url%">out & away</a>` || d.Tracking.TextFooter != "out: %unsubscribe_url%" {
					t.Errorf("tracking %+v", d.Tracking)
				}
			},
		},
		{
			name: "SetDKIMSelector", reason: "selector stored (it is never readable through the API)", setup: seed,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return none(c.SetDKIMSelector(ctx, a, "example.com", "mg2026"))
			},
			calls: map[mailguntest.Op]int{mailguntest.OpSetDKIMSelector: 1},
			check: func(t *testing.T, s *mailguntest.Server, _ any) {
				if d, _ := s.Domain("example.com"); d.DKIMSelector != "mg2026" {
					t.Errorf("selector %q", d.DKIMSelector)
				}
			},
		},
		{
			name: "SetDKIMSelector invalid", reason: "a selector that is no DNS label is a 400", setup: seed,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return none(c.SetDKIMSelector(ctx, a, "example.com", "bad selector!"))
			},
			kind: mailgun.ErrInvalid, calls: map[mailguntest.Op]int{mailguntest.OpSetDKIMSelector: 1},
		},
		{
			name: "SetDKIMAuthority", reason: "self=true", setup: seed,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return none(c.SetDKIMAuthority(ctx, a, "example.com", true))
			},
			calls: map[mailguntest.Op]int{mailguntest.OpSetDKIMAuthority: 1},
			check: func(t *testing.T, s *mailguntest.Server, _ any) {
				if d, _ := s.Domain("example.com"); !d.ForceDKIMAuthority {
					t.Error("not DKIM authority")
				}
			},
		},

		// Webhooks.
		{
			name: "ListWebhooks", reason: "one call shows every event", setup: seed,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return ok(c.ListWebhooks(ctx, a, "example.com"))
			},
			calls: map[mailguntest.Op]int{mailguntest.OpListWebhooks: 1},
			check: func(t *testing.T, _ *mailguntest.Server, got any) {
				want := mailgun.Webhooks{mailgun.EventDelivered: {"https://hooks.example/d1", "https://hooks.example/d2"}}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("webhooks %v", got)
				}
			},
		},
		{
			name: "CreateWebhook three URLs", reason: "url repeated three times, stored in order", setup: seed,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return none(c.CreateWebhook(ctx, a, "example.com", mailgun.EventPermanentFail, []string{"https://a.example/1", "https://a.example/2?x=1,2", "https://a.example/3"}))
			},
			calls: map[mailguntest.Op]int{mailguntest.OpCreateWebhook: 1},
			check: func(t *testing.T, s *mailguntest.Server, _ any) {
				if got := s.Webhooks("example.com")["permanent_fail"]; !reflect.DeepEqual(got, []string{"https://a.example/1", "https://a.example/2?x=1,2", "https://a.example/3"}) {
					t.Errorf("urls %q", got)
				}
			},
		},
		{
			name: "CreateWebhook existing", reason: "400 Webhook already exists is a conflict: use update", setup: seed,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return none(c.CreateWebhook(ctx, a, "example.com", mailgun.EventDelivered, []string{"https://x.example/"}))
			},
			kind: mailgun.ErrConflict, calls: map[mailguntest.Op]int{mailguntest.OpCreateWebhook: 1},
		},
		{
			name: "CreateWebhook four URLs", reason: "more than 3 URLs is invalid", setup: seed,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return none(c.CreateWebhook(ctx, a, "example.com", mailgun.EventOpened, []string{"https://1", "https://2", "https://3", "https://4"}))
			},
			kind: mailgun.ErrInvalid, calls: map[mailguntest.Op]int{mailguntest.OpCreateWebhook: 1},
		},
		{
			name: "GetWebhook", reason: "by event", setup: seed,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return ok(c.GetWebhook(ctx, a, "example.com", mailgun.EventDelivered))
			},
			calls: map[mailguntest.Op]int{mailguntest.OpGetWebhook: 1},
			check: func(t *testing.T, _ *mailguntest.Server, got any) {
				if !reflect.DeepEqual(got, []string{"https://hooks.example/d1", "https://hooks.example/d2"}) {
					t.Errorf("urls %v", got)
				}
			},
		},
		{
			name: "GetWebhook missing", reason: "an event without URLs is 404", setup: seed,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return ok(c.GetWebhook(ctx, a, "example.com", mailgun.EventClicked))
			},
			kind: mailgun.ErrNotFound, calls: map[mailguntest.Op]int{mailguntest.OpGetWebhook: 1},
		},
		{
			name: "UpdateWebhook", reason: "PUT replaces the list", setup: seed,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return none(c.UpdateWebhook(ctx, a, "example.com", mailgun.EventDelivered, []string{"https://new.example/"}))
			},
			calls: map[mailguntest.Op]int{mailguntest.OpUpdateWebhook: 1},
			check: func(t *testing.T, s *mailguntest.Server, _ any) {
				if got := s.Webhooks("example.com")["delivered"]; !reflect.DeepEqual(got, []string{"https://new.example/"}) {
					t.Errorf("urls %q", got)
				}
			},
		},
		{
			name: "DeleteWebhook", reason: "removes the event's URLs", setup: seed,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return none(c.DeleteWebhook(ctx, a, "example.com", mailgun.EventDelivered))
			},
			calls: map[mailguntest.Op]int{mailguntest.OpDeleteWebhook: 1},
			check: func(t *testing.T, s *mailguntest.Server, _ any) {
				if got := s.Webhooks("example.com"); len(got) != 0 {
					t.Errorf("webhooks %v", got)
				}
			},
		},

		// Routes.
		{
			name: "CreateRoute", reason: "actions repeated in order; the server-made id comes back",
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return ok(c.CreateRoute(ctx, a, mailgun.RouteRequest{Priority: ptr(3), Description: ptr("owner=uid-2"),
					Expression: ptr(`match_header("subject", ".*, .*")`), Actions: []string{`forward("a@b.example,c@d.example")`, "store()", "stop()"}}))
			},
			calls: map[mailguntest.Op]int{mailguntest.OpCreateRoute: 1},
			check: func(t *testing.T, s *mailguntest.Server, got any) {
				rt := got.(mailgun.Route)
				routes := s.Routes()
				if len(routes) != 1 || rt.ID == "" || routes[0].ID != rt.ID || len(rt.ID) != 24 {
					t.Fatalf("route %+v, emulator %+v", rt, routes)
				}
				want := []string{`forward("a@b.example,c@d.example")`, "store()", "stop()"}
				if !reflect.DeepEqual(rt.Actions, want) || !reflect.DeepEqual(routes[0].Actions, want) || rt.Priority != 3 || routes[0].Description != "owner=uid-2" {
					t.Errorf("route %+v, emulator %+v", rt, routes[0])
				}
			},
		},
		{
			name: "CreateRoute long expression", reason: "over 4 KiB is invalid",
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return ok(c.CreateRoute(ctx, a, mailgun.RouteRequest{Expression: ptr(strings.Repeat("x", 4097))}))
			},
			kind: mailgun.ErrInvalid, calls: map[mailguntest.Op]int{mailguntest.OpCreateRoute: 1},
		},
		{
			name: "ListRoutes", reason: "total and items", setup: seed,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return ok(c.ListRoutes(ctx, a, mailgun.ListOptions{Limit: 10}))
			},
			calls: map[mailguntest.Op]int{mailguntest.OpListRoutes: 1},
			check: func(t *testing.T, _ *mailguntest.Server, got any) {
				p := got.(mailgun.RoutePage)
				if p.TotalCount != 1 || len(p.Items) != 1 || p.Items[0].ID != "0123456789abcdef01234567" || len(p.Items[0].Actions) != 2 {
					t.Errorf("page %+v", p)
				}
			},
		},
		{
			name: "ListRoutes limit too high", reason: "limit above 1000 is a 400",
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return ok(c.ListRoutes(ctx, a, mailgun.ListOptions{Limit: 1001}))
			},
			kind: mailgun.ErrInvalid, calls: map[mailguntest.Op]int{mailguntest.OpListRoutes: 1},
		},
		{
			name: "GetRoute", reason: "by id", setup: seed,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return ok(c.GetRoute(ctx, a, "0123456789abcdef01234567"))
			},
			calls: map[mailguntest.Op]int{mailguntest.OpGetRoute: 1},
			check: func(t *testing.T, _ *mailguntest.Server, got any) {
				rt := got.(mailgun.Route)
				if rt.Priority != 5 || rt.Description != "owner=uid-1" || rt.Expression != `match_recipient(".*@example.com")` || rt.CreatedAt == "" {
					t.Errorf("route %+v", rt)
				}
			},
		},
		{
			name: "GetRoute unknown", reason: "404",
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return ok(c.GetRoute(ctx, a, "ffffffffffffffffffffffff"))
			},
			kind: mailgun.ErrNotFound, calls: map[mailguntest.Op]int{mailguntest.OpGetRoute: 1},
		},
		{
			name: "UpdateRoute partial", reason: "only the description changes; the flat answer (the SDK's reading) decodes",
			setup: func(s *mailguntest.Server) {
				seed(s)
				s.SetRouteUpdateAnswer(mailguntest.RouteAnswerFlat)
			},
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return ok(c.UpdateRoute(ctx, a, "0123456789abcdef01234567", mailgun.RouteRequest{Description: ptr("owner=uid-1 v2")}))
			},
			calls: map[mailguntest.Op]int{mailguntest.OpUpdateRoute: 1},
			check: func(t *testing.T, s *mailguntest.Server, got any) {
				rt := got.(mailgun.Route)
				if rt.ID != "0123456789abcdef01234567" || rt.Description != "owner=uid-1 v2" || rt.Priority != 5 || len(rt.Actions) != 2 {
					t.Errorf("answer %+v", rt)
				}
				if r := s.Routes()[0]; r.Description != "owner=uid-1 v2" || r.Expression != `match_recipient(".*@example.com")` {
					t.Errorf("emulator %+v", r)
				}
			},
		},
		{
			name: "UpdateRoute nested answer", reason: "the reference's shape, the route under \"route\" (the emulator's default), decodes too",
			setup: seed,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return ok(c.UpdateRoute(ctx, a, "0123456789abcdef01234567", mailgun.RouteRequest{Priority: ptr(7)}))
			},
			calls: map[mailguntest.Op]int{mailguntest.OpUpdateRoute: 1},
			check: func(t *testing.T, _ *mailguntest.Server, got any) {
				rt := got.(mailgun.Route)
				if rt.ID != "0123456789abcdef01234567" || rt.Priority != 7 || rt.Expression != `match_recipient(".*@example.com")` || len(rt.Actions) != 2 {
					t.Errorf("answer %+v", rt)
				}
			},
		},
		{
			name: "CreateWebhook invalid, Reason body", reason: "a 400 whose text is under \"Reason\" is invalid, with that text",
			setup: func(s *mailguntest.Server) {
				seed(s)
				s.SetWebhookErrorKey(mailguntest.ErrorReason)
			},
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				// The error is the result here, so that check can read it.
				return c.CreateWebhook(ctx, a, "example.com", mailgun.EventOpened, []string{"https://1", "https://2", "https://3", "https://4"}), nil
			},
			calls: map[mailguntest.Op]int{mailguntest.OpCreateWebhook: 1},
			check: func(t *testing.T, _ *mailguntest.Server, got any) {
				var e *mailgun.Error
				if err, _ := got.(error); !errors.Is(err, mailgun.ErrInvalid) || !errors.As(err, &e) || e.Message != "Too many URLs: a webhook takes at most 3" {
					t.Errorf("error %v does not carry the Reason text", got)
				}
			},
		},
		{
			name: "DeleteRoute", reason: "by id", setup: seed,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return none(c.DeleteRoute(ctx, a, "0123456789abcdef01234567"))
			},
			calls: map[mailguntest.Op]int{mailguntest.OpDeleteRoute: 1},
			check: func(t *testing.T, s *mailguntest.Server, _ any) {
				if len(s.Routes()) != 0 {
					t.Error("route still there")
				}
			},
		},

		// Credentials.
		{
			name: "ListCredentials", reason: "logins, no passwords", setup: seed,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return ok(c.ListCredentials(ctx, a, "example.com", mailgun.ListOptions{Limit: 10}))
			},
			calls: map[mailguntest.Op]int{mailguntest.OpListCredentials: 1},
			check: func(t *testing.T, _ *mailguntest.Server, got any) {
				p := got.(mailgun.CredentialPage)
				if p.TotalCount != 1 || len(p.Items) != 1 || p.Items[0].Login != "alice@example.com" {
					t.Errorf("page %+v", p)
				}
			},
		},
		{
			name: "CreateCredential", reason: "login and password stored", setup: seed,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return none(c.CreateCredential(ctx, a, "example.com", "bob@example.com", "b0b pass&=+"))
			},
			calls: map[mailguntest.Op]int{mailguntest.OpCreateCredential: 1},
			check: func(t *testing.T, s *mailguntest.Server, _ any) {
				if d, _ := s.Domain("example.com"); d.Credentials["bob@example.com"] != "b0b pass&=+" {
					t.Errorf("credentials %v", d.Credentials)
				}
			},
		},
		{
			name: "CreateCredential short password", reason: "passwords are 5..32 characters", setup: seed,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return none(c.CreateCredential(ctx, a, "example.com", "bob@example.com", "abc"))
			},
			kind: mailgun.ErrInvalid, calls: map[mailguntest.Op]int{mailguntest.OpCreateCredential: 1},
		},
		{
			name: "UpdateCredential", reason: "login in the path", setup: seed,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return none(c.UpdateCredential(ctx, a, "example.com", "alice@example.com", "alice-pass-2"))
			},
			calls: map[mailguntest.Op]int{mailguntest.OpUpdateCredential: 1},
			check: func(t *testing.T, s *mailguntest.Server, _ any) {
				if d, _ := s.Domain("example.com"); d.Credentials["alice@example.com"] != "alice-pass-2" {
					t.Errorf("credentials %v", d.Credentials)
				}
			},
		},
		{
			name: "UpdateCredential same password", reason: "the same password again is a 400", setup: seed,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return none(c.UpdateCredential(ctx, a, "example.com", "alice@example.com", "alice-pass-1"))
			},
			kind: mailgun.ErrInvalid, calls: map[mailguntest.Op]int{mailguntest.OpUpdateCredential: 1},
		},
		{
			name: "DeleteCredential", reason: "removes the login", setup: seed,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return none(c.DeleteCredential(ctx, a, "example.com", "alice@example.com"))
			},
			calls: map[mailguntest.Op]int{mailguntest.OpDeleteCredential: 1},
			check: func(t *testing.T, s *mailguntest.Server, _ any) {
				if d, _ := s.Domain("example.com"); len(d.Credentials) != 0 {
					t.Errorf("credentials %v", d.Credentials)
				}
			},
		},
		{
			name: "DeleteCredential unknown", reason: "404", setup: seed,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return none(c.DeleteCredential(ctx, a, "example.com", "nobody@example.com"))
			},
			kind: mailgun.ErrNotFound, calls: map[mailguntest.Op]int{mailguntest.OpDeleteCredential: 1},
		},

		// Templates.
		{
			name: "CreateTemplate", reason: "name lower-cased, first version active, answer decoded", setup: seed,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return ok(c.CreateTemplate(ctx, a, "example.com", mailgun.CreateTemplateRequest{Name: "Welcome", Description: "hi",
					Version: &mailgun.TemplateVersion{Tag: "v1", Engine: "go", Comment: "first", Body: "<p>{{.name}} & co</p>"}}))
			},
			calls: map[mailguntest.Op]int{mailguntest.OpCreateTemplate: 1},
			check: func(t *testing.T, s *mailguntest.Server, got any) {
				if tp := got.(mailgun.Template); tp.Name != "welcome" || tp.Description != "hi" {
					t.Errorf("answer %+v", tp)
				}
				tp := s.Templates("example.com")["welcome"]
				if len(tp.Versions) != 1 || !tp.Versions[0].Active || tp.Versions[0].Body != "<p>{{.name}} & co</p>" || tp.Versions[0].Engine != "go" {
					t.Errorf("stored %+v", tp)
				}
			},
		},
		{
			name: "CreateTemplate exists", reason: "a conflict", setup: seedTemplate,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return ok(c.CreateTemplate(ctx, a, "example.com", mailgun.CreateTemplateRequest{Name: "welcome"}))
			},
			kind: mailgun.ErrConflict, calls: map[mailguntest.Op]int{mailguntest.OpCreateTemplate: 1},
		},
		{
			name: "GetTemplate", reason: "name and description", setup: seedTemplate,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return ok(c.GetTemplate(ctx, a, "example.com", "welcome"))
			},
			calls: map[mailguntest.Op]int{mailguntest.OpGetTemplate: 1},
			check: func(t *testing.T, _ *mailguntest.Server, got any) {
				if tp := got.(mailgun.Template); tp.Name != "welcome" || tp.Description != "greets" || tp.CreatedAt == "" {
					t.Errorf("got %+v", tp)
				}
			},
		},
		{
			name: "GetTemplate unknown", reason: "404", setup: seed,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return ok(c.GetTemplate(ctx, a, "example.com", "nope"))
			},
			kind: mailgun.ErrNotFound, calls: map[mailguntest.Op]int{mailguntest.OpGetTemplate: 1},
		},
		{
			name: "UpdateTemplate", reason: "the description", setup: seedTemplate,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return none(c.UpdateTemplate(ctx, a, "example.com", "welcome", "new words"))
			},
			calls: map[mailguntest.Op]int{mailguntest.OpUpdateTemplate: 1},
			check: func(t *testing.T, s *mailguntest.Server, _ any) {
				if d := s.Templates("example.com")["welcome"].Description; d != "new words" {
					t.Errorf("description %q", d)
				}
			},
		},
		{
			name: "DeleteTemplate", reason: "gone with its versions", setup: seedTemplate,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return none(c.DeleteTemplate(ctx, a, "example.com", "welcome"))
			},
			calls: map[mailguntest.Op]int{mailguntest.OpDeleteTemplate: 1},
			check: func(t *testing.T, s *mailguntest.Server, _ any) {
				if n := len(s.Templates("example.com")); n != 0 {
					t.Errorf("%d templates left", n)
				}
			},
		},
		{
			name: "ListTemplateVersions", reason: "tags, engines, activity; no bodies", setup: seedTemplate,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return ok(c.ListTemplateVersions(ctx, a, "example.com", "welcome"))
			},
			calls: map[mailguntest.Op]int{mailguntest.OpListTemplateVersions: 1},
			check: func(t *testing.T, _ *mailguntest.Server, got any) {
				vs := got.([]mailgun.TemplateVersion)
				if len(vs) != 2 || vs[0].Tag != "v1" || !vs[0].Active || vs[1].Active || vs[1].Engine != "handlebars" || vs[0].Body != "" {
					t.Errorf("versions %+v", vs)
				}
			},
		},
		{
			name: "CreateTemplateVersion", reason: "active=yes moves the active version", setup: seedTemplate,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return none(c.CreateTemplateVersion(ctx, a, "example.com", "welcome",
					mailgun.TemplateVersion{Tag: "v3", Body: "three", Comment: "c3", Active: true}))
			},
			calls: map[mailguntest.Op]int{mailguntest.OpCreateTemplateVersion: 1},
			check: func(t *testing.T, s *mailguntest.Server, _ any) {
				vs := s.Templates("example.com")["welcome"].Versions
				if len(vs) != 3 || vs[0].Active || !vs[2].Active || vs[2].Body != "three" {
					t.Errorf("versions %+v", vs)
				}
			},
		},
		{
			name: "CreateTemplateVersion exists", reason: "a tag is unique: conflict", setup: seedTemplate,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return none(c.CreateTemplateVersion(ctx, a, "example.com", "welcome", mailgun.TemplateVersion{Tag: "v1", Body: "x"}))
			},
			kind: mailgun.ErrConflict, calls: map[mailguntest.Op]int{mailguntest.OpCreateTemplateVersion: 1},
		},
		{
			name: "GetTemplateVersion", reason: "with its body", setup: seedTemplate,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return ok(c.GetTemplateVersion(ctx, a, "example.com", "welcome", "v2"))
			},
			calls: map[mailguntest.Op]int{mailguntest.OpGetTemplateVersion: 1},
			check: func(t *testing.T, _ *mailguntest.Server, got any) {
				if v := got.(mailgun.TemplateVersion); v.Tag != "v2" || v.Body != "two" || v.Comment != "second" || v.Active {
					t.Errorf("version %+v", v)
				}
			},
		},
		{
			name: "UpdateTemplateVersion", reason: "body, comment, active", setup: seedTemplate,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return none(c.UpdateTemplateVersion(ctx, a, "example.com", "welcome", "v2",
					mailgun.UpdateTemplateVersionRequest{Body: ptr("2!"), Comment: ptr(""), Active: true}))
			},
			calls: map[mailguntest.Op]int{mailguntest.OpUpdateTemplateVersion: 1},
			check: func(t *testing.T, s *mailguntest.Server, _ any) {
				vs := s.Templates("example.com")["welcome"].Versions
				if vs[0].Active || !vs[1].Active || vs[1].Body != "2!" || vs[1].Comment != "" {
					t.Errorf("versions %+v", vs)
				}
			},
		},
		{
			name: "DeleteTemplateVersion", reason: "one version", setup: seedTemplate,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return none(c.DeleteTemplateVersion(ctx, a, "example.com", "welcome", "v2"))
			},
			calls: map[mailguntest.Op]int{mailguntest.OpDeleteTemplateVersion: 1},
			check: func(t *testing.T, s *mailguntest.Server, _ any) {
				if vs := s.Templates("example.com")["welcome"].Versions; len(vs) != 1 || vs[0].Tag != "v1" {
					t.Errorf("versions %+v", vs)
				}
			},
		},

		// Mailing lists.
		{
			name: "CreateList", reason: "fields by name; defaults filled in", setup: seed,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return ok(c.CreateList(ctx, a, mailgun.ListRequest{Address: "devs@example.com", Name: ptr("Devs"), AccessLevel: ptr("members")}))
			},
			calls: map[mailguntest.Op]int{mailguntest.OpCreateList: 1},
			check: func(t *testing.T, s *mailguntest.Server, got any) {
				l := got.(mailgun.MailingList)
				if l.Address != "devs@example.com" || l.Name != "Devs" || l.AccessLevel != "members" || l.ReplyPreference != "list" {
					t.Errorf("answer %+v", l)
				}
				if _, ok := s.Lists()["devs@example.com"]; !ok {
					t.Error("not stored")
				}
			},
		},
		{
			name: "CreateList exists", reason: "a conflict", setup: seedList,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return ok(c.CreateList(ctx, a, mailgun.ListRequest{Address: "devs@example.com"}))
			},
			kind: mailgun.ErrConflict, calls: map[mailguntest.Op]int{mailguntest.OpCreateList: 1},
		},
		{
			name: "GetList", reason: "with the member count", setup: seedList,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return ok(c.GetList(ctx, a, "devs@example.com"))
			},
			calls: map[mailguntest.Op]int{mailguntest.OpGetList: 1},
			check: func(t *testing.T, _ *mailguntest.Server, got any) {
				if l := got.(mailgun.MailingList); l.MembersCount != 2 || l.Description != "the devs" || l.AccessLevel != "readonly" {
					t.Errorf("got %+v", l)
				}
			},
		},
		{
			name: "GetList unknown", reason: "404", setup: seed,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return ok(c.GetList(ctx, a, "nope@example.com"))
			},
			kind: mailgun.ErrNotFound, calls: map[mailguntest.Op]int{mailguntest.OpGetList: 1},
		},
		{
			name: "UpdateList", reason: "only what is sent", setup: seedList,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return none(c.UpdateList(ctx, a, "devs@example.com", mailgun.ListRequest{ReplyPreference: ptr("sender")}))
			},
			calls: map[mailguntest.Op]int{mailguntest.OpUpdateList: 1},
			check: func(t *testing.T, s *mailguntest.Server, _ any) {
				if l := s.Lists()["devs@example.com"]; l.ReplyPreference != "sender" || l.Description != "the devs" {
					t.Errorf("stored %+v", l)
				}
			},
		},
		{
			name: "DeleteList", reason: "with its members", setup: seedList,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return none(c.DeleteList(ctx, a, "devs@example.com"))
			},
			calls: map[mailguntest.Op]int{mailguntest.OpDeleteList: 1},
			check: func(t *testing.T, s *mailguntest.Server, _ any) {
				if len(s.Lists()) != 0 {
					t.Error("list left")
				}
			},
		},
		{
			name: "ListMembers", reason: "a page after a cursor", setup: seedList,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return ok(c.ListMembers(ctx, a, "devs@example.com", "ann@example.com"))
			},
			calls: map[mailguntest.Op]int{mailguntest.OpListMembers: 1},
			check: func(t *testing.T, _ *mailguntest.Server, got any) {
				p := got.(mailgun.MemberPage)
				if len(p.Items) != 1 || p.Items[0].Address != "bob@example.com" || p.Items[0].Subscribed || p.Items[0].Vars["team"] != "core" || p.Next != "bob@example.com" {
					t.Errorf("page %+v", p)
				}
			},
		},
		{
			name: "AddMembers", reason: "bulk upsert: adds and updates", setup: seedList,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return none(c.AddMembers(ctx, a, "devs@example.com", []mailgun.Member{
					{Address: "bob@example.com", Name: "Bob", Subscribed: true}, {Address: "cy@example.com", Vars: map[string]any{"n": 1.0}, Subscribed: true}}))
			},
			calls: map[mailguntest.Op]int{mailguntest.OpAddMembers: 1},
			check: func(t *testing.T, s *mailguntest.Server, _ any) {
				ms := s.Lists()["devs@example.com"].Members
				if len(ms) != 3 || ms["bob@example.com"].Name != "Bob" || !ms["bob@example.com"].Subscribed || ms["cy@example.com"].Vars["n"] != 1.0 {
					t.Errorf("members %+v", ms)
				}
			},
		},
		{
			name: "DeleteMember", reason: "one member", setup: seedList,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return none(c.DeleteMember(ctx, a, "devs@example.com", "ann@example.com"))
			},
			calls: map[mailguntest.Op]int{mailguntest.OpDeleteMember: 1},
			check: func(t *testing.T, s *mailguntest.Server, _ any) {
				if ms := s.Lists()["devs@example.com"].Members; len(ms) != 1 {
					t.Errorf("members %+v", ms)
				}
			},
		},

		// Auth and faults.
		{
			name: "rotated key", reason: "after the key changes the old one gets 401: unauthorized, not retried",
			setup: func(s *mailguntest.Server) { seed(s); s.SetAPIKey("a-new-key") },
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return ok(c.GetDomain(ctx, a, "example.com"))
			},
			kind: mailgun.ErrUnauthorized, calls: map[mailguntest.Op]int{mailguntest.OpGetDomain: 1},
		},
		{
			name: "GET 503 once", reason: "an idempotent read retries through one 5xx",
			setup: func(s *mailguntest.Server) {
				seed(s)
				s.InjectFault(mailguntest.OpGetDomain, mailguntest.Fault{Status: 503})
			},
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return ok(c.GetDomain(ctx, a, "example.com"))
			},
			calls: map[mailguntest.Op]int{mailguntest.OpGetDomain: 2},
		},
		{
			name: "GET dropped connection once", reason: "a reset connection is transient and retried",
			setup: func(s *mailguntest.Server) {
				seed(s)
				s.InjectFault(mailguntest.OpListWebhooks, mailguntest.Fault{DropConnection: true})
			},
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return ok(c.ListWebhooks(ctx, a, "example.com"))
			},
			calls: map[mailguntest.Op]int{mailguntest.OpListWebhooks: 2},
		},
		{
			name: "GET 500 always", reason: "gives up after MaxRetries with a transient error", setup: func(s *mailguntest.Server) {
				seed(s)
				s.InjectFault(mailguntest.OpGetTracking, mailguntest.Fault{Status: 500, Times: 10})
			},
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return ok(c.GetTracking(ctx, a, "example.com"))
			},
			kind: mailgun.ErrTransient, calls: map[mailguntest.Op]int{mailguntest.OpGetTracking: 4},
		},
		{
			name: "POST 503", reason: "a create is never retried: no duplicate route",
			setup: func(s *mailguntest.Server) {
				s.InjectFault(mailguntest.OpCreateRoute, mailguntest.Fault{Status: 503})
			},
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return ok(c.CreateRoute(ctx, a, mailgun.RouteRequest{Expression: ptr("catch_all()")}))
			},
			kind: mailgun.ErrTransient, calls: map[mailguntest.Op]int{mailguntest.OpCreateRoute: 1},
			check: func(t *testing.T, s *mailguntest.Server, _ any) {
				if len(s.Routes()) != 0 {
					t.Error("route created despite the fault")
				}
			},
		},
		{
			name: "POST dropped connection", reason: "EOF on a POST is transient and not retried",
			setup: func(s *mailguntest.Server) {
				seed(s)
				s.InjectFault(mailguntest.OpCreateWebhook, mailguntest.Fault{DropConnection: true})
			},
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return none(c.CreateWebhook(ctx, a, "example.com", mailgun.EventOpened, []string{"https://x.example/"}))
			},
			kind: mailgun.ErrTransient, calls: map[mailguntest.Op]int{mailguntest.OpCreateWebhook: 1},
		},
		{
			name: "429 with reset", reason: "rate limited with the reset time, not retried",
			setup: func(s *mailguntest.Server) {
				seed(s)
				s.InjectFault(mailguntest.OpListRoutes, mailguntest.Fault{RateLimitReset: time.Now().Add(300 * time.Millisecond)})
			},
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				return ok(c.ListRoutes(ctx, a, mailgun.ListOptions{}))
			},
			kind: mailgun.ErrRateLimited, calls: map[mailguntest.Op]int{mailguntest.OpListRoutes: 1},
		},
		{
			name: "404 right after create", reason: "the client reports the emulated eventual-consistency 404 as is; the grace period is the controller's",
			setup: func(s *mailguntest.Server) { s.SetNotFoundAfterCreate(time.Minute) },
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (any, error) {
				if _, err := c.CreateDomain(ctx, a, mailgun.CreateDomainRequest{Name: "fresh.example.com"}); err != nil {
					return nil, err
				}
				return ok(c.GetDomain(ctx, a, "fresh.example.com"))
			},
			kind: mailgun.ErrNotFound, calls: map[mailguntest.Op]int{mailguntest.OpCreateDomain: 1, mailguntest.OpGetDomain: 1},
		},
	}

	covered := map[mailguntest.Op]bool{}
	for _, tc := range cases {
		for op, n := range tc.calls {
			if n > 0 {
				covered[op] = true
			}
		}
		t.Run(tc.name, func(t *testing.T) {
			s := mailguntest.NewServer(emuKey)
			defer s.Close()
			if tc.setup != nil {
				tc.setup(s)
			}
			a, err := mailgun.NewAccount(s.URL, emuKey)
			if err != nil {
				t.Fatal(err)
			}
			got, err := tc.call(context.Background(), mailgun.New(testOptions()), a)
			switch {
			case tc.kind == nil && err != nil:
				t.Fatalf("%s: %v", tc.reason, err)
			case tc.kind != nil && !errors.Is(err, tc.kind):
				t.Fatalf("%s: got %v, want %v", tc.reason, err, tc.kind)
			}
			if err != nil && strings.Contains(err.Error(), "TOPSECRET") {
				t.Errorf("%s: error leaks the key: %v", tc.reason, err)
			}
			for op, n := range tc.calls {
				if c := s.Calls(op); c != n {
					t.Errorf("%s: %d calls of %s, want %d", tc.reason, c, op, n)
				}
			}
			total := 0
			for _, n := range tc.calls {
				total += n
			}
			if s.TotalCalls() != total {
				t.Errorf("%s: %d calls in all, want %d", tc.reason, s.TotalCalls(), total)
			}
			if tc.check != nil && err == nil {
				tc.check(t, s, got)
			}
		})
	}
	// Every client operation is exercised, under the same name on both sides.
	for _, op := range mailgun.Operations() {
		if !covered[mailguntest.Op(op.String())] {
			t.Errorf("no emulator case for %s", op)
		}
	}
	if len(mailguntest.Ops()) != mailgun.NumOperations {
		t.Errorf("emulator has %d ops, client %d", len(mailguntest.Ops()), mailgun.NumOperations)
	}
}

// TestEmulatorReadsMakeNoWrites: observing everything makes zero writes,
// the property controllers rely on for an in-sync reconcile.
func TestEmulatorReadsMakeNoWrites(t *testing.T) {
	s := mailguntest.NewServer(emuKey)
	defer s.Close()
	seed(s)
	a, _ := mailgun.NewAccount(s.URL, emuKey)
	c := mailgun.New(testOptions())
	ctx := context.Background()
	if _, err := c.GetDomain(ctx, a, "example.com"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetTracking(ctx, a, "example.com"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListWebhooks(ctx, a, "example.com"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListRoutes(ctx, a, mailgun.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListCredentials(ctx, a, "example.com", mailgun.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := c.UpdateDomain(ctx, a, "example.com", mailgun.UpdateDomainRequest{}); err != nil {
		t.Fatal(err)
	}
	if s.Writes() != 0 || s.TotalCalls() != 5 {
		t.Errorf("writes %d, calls %d", s.Writes(), s.TotalCalls())
	}
}

// TestWrongBaseURL: an account whose base URL points at no API (here one
// ending in /v3) gets 404s without JSON. They must not read as "the object
// is gone", which would make the operator re-create objects or let go of
// finalizers: the client reports them as invalid, naming the base URL.
func TestWrongBaseURL(t *testing.T) {
	s := mailguntest.NewServer(emuKey)
	defer s.Close()
	seed(s)
	a, err := mailgun.NewAccount(s.URL+"/v3", emuKey)
	if err != nil {
		t.Fatal(err)
	}
	c := mailgun.New(testOptions())
	for name, call := range map[string]func() error{
		"GetDomain":    func() error { _, err := c.GetDomain(context.Background(), a, "example.com"); return err },
		"DeleteDomain": func() error { return c.DeleteDomain(context.Background(), a, "example.com") },
		"GetRoute":     func() error { _, err := c.GetRoute(context.Background(), a, "0123456789abcdef01234567"); return err },
	} {
		err := call()
		if errors.Is(err, mailgun.ErrNotFound) || !errors.Is(err, mailgun.ErrInvalid) || !strings.Contains(err.Error(), "apiBaseURL") {
			t.Errorf("%s through a wrong base URL: %v, want an invalid-request error naming apiBaseURL", name, err)
		}
	}
	if _, ok := s.Domain("example.com"); !ok {
		t.Error("the domain was deleted through a wrong base URL")
	}
}

// TestUnauthorizedBodies: both 401 bodies Mailgun is seen to send are a
// bad key, never anything else.
func TestUnauthorizedBodies(t *testing.T) {
	for _, text := range []bool{false, true} {
		s := mailguntest.NewServer(emuKey)
		s.SetUnauthorizedText(text)
		a, err := mailgun.NewAccount(s.URL, "key-wrong-0123456789")
		if err != nil {
			t.Fatal(err)
		}
		_, err = mailgun.New(testOptions()).GetDomain(context.Background(), a, "example.com")
		var e *mailgun.Error
		if !errors.Is(err, mailgun.ErrUnauthorized) || !errors.As(err, &e) || e.Message != "Forbidden" {
			t.Errorf("text body %v: %v, want unauthorized with message Forbidden", text, err)
		}
		s.Close()
	}
}
