package contract

// Direction 2: mailgun-go's client against our emulator, in process. After
// each call the emulator's state shows that it understood the request (the
// SDK's content type, field names and repeated fields), its call counters
// show which operation the request was routed to, and what the SDK
// returned is compared with that state.

import (
	"slices"
	"testing"
	"time"

	"github.com/mailgun-operator/mailgun-operator/internal/mailgun/mailguntest"
	mailgungo "github.com/mailgun/mailgun-go/v5"
	"github.com/mailgun/mailgun-go/v5/mtypes"
)

// emDomain returns the emulator's record of a domain.
func emDomain(t *testing.T, em *mailguntest.Server, name string) mailguntest.Domain {
	t.Helper()
	d, ok := em.Domain(name)
	if !ok {
		t.Fatalf("the emulator holds no domain %q", name)
	}
	return d
}

// sdkDomainMatches compares what the SDK decoded with the emulator's record.
func sdkDomainMatches(t *testing.T, what string, got mtypes.Domain, want mailguntest.Domain) {
	t.Helper()
	type view struct {
		ID, Name, State, SMTPLogin, SpamAction, WebScheme, WebPrefix string
		Wildcard, RequireTLS, SkipVerification, UASS                 bool
		MessageTTL                                                   int
		CreatedAt                                                    time.Time
	}
	g := view{
		ID: got.ID, Name: got.Name, State: got.State, SMTPLogin: got.SMTPLogin, SpamAction: string(got.SpamAction),
		WebScheme: got.WebScheme, WebPrefix: got.WebPrefix, Wildcard: got.Wildcard, RequireTLS: got.RequireTLS,
		SkipVerification: got.SkipVerification, UASS: got.UseAutomaticSenderSecurity, MessageTTL: got.MessageTTL,
		CreatedAt: time.Time(got.CreatedAt).UTC(),
	}
	w := view{
		ID: want.ID, Name: want.Name, State: want.State, SMTPLogin: want.SMTPLogin, SpamAction: want.SpamAction,
		WebScheme: want.WebScheme, WebPrefix: want.WebPrefix, Wildcard: want.Wildcard, RequireTLS: want.RequireTLS,
		SkipVerification: want.SkipVerification, UASS: want.UseAutomaticSenderSecurity, MessageTTL: want.MessageTTL,
		// Mailgun's dates have whole seconds.
		CreatedAt: want.CreatedAt.UTC().Truncate(time.Second),
	}
	if g != w {
		t.Errorf("%s: the SDK decoded\n %+v\nthe emulator holds\n %+v", what, g, w)
	}
}

func TestSDKVsEmulatorDomains(t *testing.T) {
	em := newEmulator(t)
	mg, rec := newSDK(t, em.URL)
	const name = "sdk.example.com"

	created, err := mg.CreateDomain(ctx(t), name, &mailgungo.CreateDomainOptions{
		Password: "first-pass-1", SpamAction: mtypes.SpamActionTag, Wildcard: true, ForceDKIMAuthority: true,
		DKIMKeySize: 2048, WebScheme: "https", UseAutomaticSenderSecurity: true, DKIMSelector: "s2024",
		RequireTLS: true, SkipVerification: true, WebPrefix: "trk", MessageTTL: 3600,
	})
	if err != nil {
		t.Fatalf("CreateDomain: %v", err)
	}
	oneCall(t, em, mailguntest.OpCreateDomain)
	if s := rec.last(t); s.ContentType != "multipart/form-data" {
		t.Errorf("the SDK sent the create as %s; the emulator must be tested with multipart", s.ContentType)
	}
	d := emDomain(t, em, name)
	want := mailguntest.Domain{
		Name: name, SMTPPassword: "first-pass-1", SpamAction: "tag", Wildcard: true, ForceDKIMAuthority: true,
		DKIMKeySize: 2048, WebScheme: "https", UseAutomaticSenderSecurity: true, DKIMSelector: "s2024",
		RequireTLS: true, SkipVerification: true, WebPrefix: "trk", MessageTTL: 3600,
	}
	if d.SMTPPassword != want.SMTPPassword || d.SpamAction != want.SpamAction || d.Wildcard != want.Wildcard ||
		d.ForceDKIMAuthority != want.ForceDKIMAuthority || d.DKIMKeySize != want.DKIMKeySize || d.WebScheme != want.WebScheme ||
		d.UseAutomaticSenderSecurity != want.UseAutomaticSenderSecurity || d.DKIMSelector != want.DKIMSelector ||
		d.RequireTLS != want.RequireTLS || d.SkipVerification != want.SkipVerification || d.WebPrefix != want.WebPrefix ||
		d.MessageTTL != want.MessageTTL {
		t.Errorf("after the SDK's create the emulator holds\n %+v\nwant the fields of\n %+v", d, want)
	}
	sdkDomainMatches(t, "CreateDomain answer", created.Domain, d)
	if created.Domain.SMTPPassword != "first-pass-1" {
		t.Errorf("CreateDomain answer: smtp_password %q, want the one sent", created.Domain.SMTPPassword)
	}
	if len(created.SendingDNSRecords) == 0 || len(created.ReceivingDNSRecords) == 0 {
		t.Errorf("CreateDomain answer: %d sending and %d receiving records", len(created.SendingDNSRecords), len(created.ReceivingDNSRecords))
	}

	got, err := mg.GetDomain(ctx(t), name, nil)
	if err != nil {
		t.Fatalf("GetDomain: %v", err)
	}
	oneCall(t, em, mailguntest.OpGetDomain)
	sdkDomainMatches(t, "GetDomain", got.Domain, emDomain(t, em, name))
	if !slices.EqualFunc(got.SendingDNSRecords, created.SendingDNSRecords, sameRecord) ||
		!slices.EqualFunc(got.ReceivingDNSRecords, created.ReceivingDNSRecords, sameRecord) {
		t.Errorf("GetDomain records differ from the create's:\n %+v %+v\n %+v %+v",
			got.SendingDNSRecords, got.ReceivingDNSRecords, created.SendingDNSRecords, created.ReceivingDNSRecords)
	}
	for _, r := range append(slices.Clone(got.SendingDNSRecords), got.ReceivingDNSRecords...) {
		if r.RecordType == "" || r.Value == "" || r.Valid != "unknown" {
			t.Errorf("GetDomain record %+v: want type, value and validity unknown before a verify", r)
		}
	}

	it := mg.ListDomains(nil)
	var page []mtypes.Domain
	if !it.Next(ctx(t), &page) {
		t.Fatalf("ListDomains: no first page: %v", it.Err())
	}
	if len(page) != 1 || it.TotalCount != 1 {
		t.Fatalf("ListDomains: %d items, total %d; want the one domain", len(page), it.TotalCount)
	}
	sdkDomainMatches(t, "ListDomains item", page[0], emDomain(t, em, name))
	if it.Next(ctx(t), &page) || it.Err() != nil {
		t.Errorf("ListDomains: a second page (%d items) or an error (%v) after the last item", len(page), it.Err())
	}
	// Two pages: the second with skip=1, which the emulator answered empty.
	if n := em.Calls(mailguntest.OpListDomains); n != 2 {
		t.Errorf("ListDomains: %d calls, want 2", n)
	}
	em.ResetCalls()

	// Every field flips what the create set.
	err = mg.UpdateDomain(ctx(t), name, &mailgungo.UpdateDomainOptions{
		Password: "second-pass-2", SpamAction: "block", Wildcard: ptr(false), WebScheme: "http", WebPrefix: "mail",
		RequireTLS: ptr(false), SkipVerification: ptr(false), UseAutomaticSenderSecurity: ptr(false), MessageTTL: ptr(7200),
	})
	if err != nil {
		t.Fatalf("UpdateDomain: %v", err)
	}
	oneCall(t, em, mailguntest.OpUpdateDomain)
	if s := rec.last(t); s.ContentType != "multipart/form-data" {
		t.Errorf("the SDK sent the update as %s", s.ContentType)
	}
	d = emDomain(t, em, name)
	if d.SMTPPassword != "second-pass-2" || d.SpamAction != "block" || d.Wildcard || d.WebScheme != "http" || d.WebPrefix != "mail" ||
		d.RequireTLS || d.SkipVerification || d.UseAutomaticSenderSecurity || d.MessageTTL != 7200 {
		t.Errorf("after the SDK's update the emulator holds %+v", d)
	}

	em.SetDNSValid(name, true)
	verified, err := mg.VerifyDomain(ctx(t), name)
	if err != nil {
		t.Fatalf("VerifyDomain: %v", err)
	}
	oneCall(t, em, mailguntest.OpVerifyDomain)
	sdkDomainMatches(t, "VerifyDomain", verified.Domain, emDomain(t, em, name))
	if verified.Domain.State != "active" {
		t.Errorf("VerifyDomain with valid DNS: state %q, want active", verified.Domain.State)
	}
	for _, r := range append(slices.Clone(verified.SendingDNSRecords), verified.ReceivingDNSRecords...) {
		if r.Valid != "valid" {
			t.Errorf("VerifyDomain with valid DNS: record %+v", r)
		}
	}

	if err := mg.DeleteDomain(ctx(t), name); err != nil {
		t.Fatalf("DeleteDomain: %v", err)
	}
	oneCall(t, em, mailguntest.OpDeleteDomain)
	if err := mg.DeleteDomain(ctx(t), "absent.example.com"); mailgungo.GetStatusFromErr(err) != 404 {
		t.Errorf("DeleteDomain of an unknown domain: %v, want status 404", err)
	}
}

func sameRecord(a, b mtypes.DNSRecord) bool {
	return a.RecordType == b.RecordType && a.Name == b.Name && a.Value == b.Value && a.Priority == b.Priority &&
		a.Valid == b.Valid && a.Active == b.Active && slices.Equal(a.Cached, b.Cached)
}

func TestSDKVsEmulatorTracking(t *testing.T) {
	em := newEmulator(t)
	mg, rec := newSDK(t, em.URL)
	const d = "track.example.com"
	em.PutDomain(mailguntest.Domain{Name: d, Tracking: mailguntest.Tracking{HTMLFooter: "<p>h</p>", TextFooter: "t"}})

	// read compares the SDK's view with the emulator's state. The SDK's
	// Active is a bool, as the reference types it, and the emulator's
	// default reading answers a bool: htmlonly reads true. (The string
	// reading is TestDeviationSDKClickAsString's.)
	read := func(step string) {
		t.Helper()
		em.ResetCalls()
		got, err := mg.GetDomainTracking(ctx(t), d)
		if err != nil {
			t.Fatalf("%s: GetDomainTracking: %v", step, err)
		}
		oneCall(t, em, mailguntest.OpGetTracking)
		tr := emDomain(t, em, d).Tracking
		want := mtypes.DomainTracking{
			Click:       mtypes.TrackingStatus{Active: tr.Click},
			Open:        mtypes.TrackingStatus{Active: tr.Open},
			Unsubscribe: mtypes.TrackingStatus{Active: tr.Unsubscribe, HTMLFooter: tr.HTMLFooter, TextFooter: tr.TextFooter},
		}
		if got != want {
			t.Errorf("%s: the SDK decoded %+v; the emulator holds %+v", step, got, tr)
		}
	}
	read("initial")

	// The values are the strings the SDK's callers pass through: the
	// reference's true/false/htmlonly, and the yes/no of older examples.
	cases := []struct {
		name  string
		call  func() error
		op    mailguntest.Op
		field string
		want  func(mailguntest.Tracking) bool
	}{
		{"click htmlonly", func() error { return mg.UpdateClickTracking(ctx(t), d, "htmlonly") }, mailguntest.OpSetClickTracking, "htmlonly",
			func(tr mailguntest.Tracking) bool { return tr.Click && tr.ClickHTMLOnly }},
		{"click false", func() error { return mg.UpdateClickTracking(ctx(t), d, "false") }, mailguntest.OpSetClickTracking, "false",
			func(tr mailguntest.Tracking) bool { return !tr.Click && !tr.ClickHTMLOnly }},
		{"click true", func() error { return mg.UpdateClickTracking(ctx(t), d, "true") }, mailguntest.OpSetClickTracking, "true",
			func(tr mailguntest.Tracking) bool { return tr.Click && !tr.ClickHTMLOnly }},
		{"click no", func() error { return mg.UpdateClickTracking(ctx(t), d, "no") }, mailguntest.OpSetClickTracking, "no",
			func(tr mailguntest.Tracking) bool { return !tr.Click }},
		{"open true", func() error { return mg.UpdateOpenTracking(ctx(t), d, "true") }, mailguntest.OpSetOpenTracking, "true",
			func(tr mailguntest.Tracking) bool { return tr.Open }},
		{"open no", func() error { return mg.UpdateOpenTracking(ctx(t), d, "no") }, mailguntest.OpSetOpenTracking, "no",
			func(tr mailguntest.Tracking) bool { return !tr.Open }},
		{"unsubscribe yes with footers", func() error {
			return mg.UpdateUnsubscribeTracking(ctx(t), d, "yes", "<p>%unsubscribe_url%</p>", "bye %unsubscribe_url%")
		}, mailguntest.OpSetUnsubscribeTracking, "yes", func(tr mailguntest.Tracking) bool {
			return tr.Unsubscribe && tr.HTMLFooter == "<p>%unsubscribe_url%</p>" && tr.TextFooter == "bye %unsubscribe_url%"
		}},
		{"unsubscribe false, footers cleared", func() error { return mg.UpdateUnsubscribeTracking(ctx(t), d, "false", "", "") },
			mailguntest.OpSetUnsubscribeTracking, "false", func(tr mailguntest.Tracking) bool {
				return !tr.Unsubscribe && tr.HTMLFooter == "" && tr.TextFooter == ""
			}},
	}
	for _, c := range cases {
		em.ResetCalls()
		if err := c.call(); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		oneCall(t, em, c.op)
		wantForm(t, rec.last(t), map[string][]string{"active": {c.field}})
		if tr := emDomain(t, em, d).Tracking; !c.want(tr) {
			t.Errorf("%s: the emulator holds %+v", c.name, tr)
		}
		read(c.name)
	}

	if err := mg.UpdateOpenTracking(ctx(t), "absent.example.com", "true"); mailgungo.GetStatusFromErr(err) != 404 {
		t.Errorf("UpdateOpenTracking on an unknown domain: %v, want status 404", err)
	}
}

func TestSDKVsEmulatorDKIM(t *testing.T) {
	em := newEmulator(t)
	mg, _ := newSDK(t, em.URL)
	const d = "dkim.example.com"
	em.PutDomain(mailguntest.Domain{Name: d, DKIMSelector: "mx"})

	if err := mg.UpdateDomainDkimSelector(ctx(t), d, "s2025"); err != nil {
		t.Fatalf("UpdateDomainDkimSelector: %v", err)
	}
	oneCall(t, em, mailguntest.OpSetDKIMSelector)
	if got := emDomain(t, em, d).DKIMSelector; got != "s2025" {
		t.Errorf("after UpdateDomainDkimSelector the emulator's selector is %q", got)
	}

	// The answer's "changed" says whether the value moved: true, then false.
	for i, wantChanged := range []bool{true, false} {
		resp, err := mg.UpdateDomainDkimAuthority(ctx(t), d, true)
		if err != nil {
			t.Fatalf("UpdateDomainDkimAuthority #%d: %v", i+1, err)
		}
		oneCall(t, em, mailguntest.OpSetDKIMAuthority)
		if !emDomain(t, em, d).ForceDKIMAuthority {
			t.Errorf("#%d: the emulator's domain is not its own DKIM authority", i+1)
		}
		if resp.Changed != wantChanged || resp.Message == "" || len(resp.SendingDNSRecords) == 0 {
			t.Errorf("#%d: the SDK decoded changed=%v message=%q and %d records; want changed=%v, a message and records",
				i+1, resp.Changed, resp.Message, len(resp.SendingDNSRecords), wantChanged)
		}
	}
	if _, err := mg.UpdateDomainDkimAuthority(ctx(t), d, false); err != nil || emDomain(t, em, d).ForceDKIMAuthority {
		t.Errorf("UpdateDomainDkimAuthority(false): %v; authority still forced: %v", err, emDomain(t, em, d).ForceDKIMAuthority)
	}
}

func TestSDKVsEmulatorWebhooks(t *testing.T) {
	em := newEmulator(t)
	mg, _ := newSDK(t, em.URL)
	const d = "hooks.example.com"
	em.PutDomain(mailguntest.Domain{Name: d})

	two := []string{"https://hooks.example.com/a", "https://hooks.example.com/b"}
	if err := mg.CreateWebhook(ctx(t), d, "delivered", two); err != nil {
		t.Fatalf("CreateWebhook: %v", err)
	}
	oneCall(t, em, mailguntest.OpCreateWebhook)
	if got := em.Webhooks(d)["delivered"]; !slices.Equal(got, two) {
		t.Errorf("after CreateWebhook the emulator holds %q, want %q (the SDK repeats url)", got, two)
	}
	em.PutWebhook(d, "opened", []string{"https://hooks.example.com/o"})

	hooks, err := mg.ListWebhooks(ctx(t), d)
	if err != nil {
		t.Fatalf("ListWebhooks: %v", err)
	}
	oneCall(t, em, mailguntest.OpListWebhooks)
	want := em.Webhooks(d)
	if len(hooks) != len(want) {
		t.Errorf("ListWebhooks: %d events, the emulator holds %d: %q vs %q", len(hooks), len(want), hooks, want)
	}
	for e, urls := range want {
		if !slices.Equal(hooks[e], urls) {
			t.Errorf("ListWebhooks[%s] = %q, the emulator holds %q", e, hooks[e], urls)
		}
	}

	got, err := mg.GetWebhook(ctx(t), d, "delivered")
	if err != nil || !slices.Equal(got, two) {
		t.Errorf("GetWebhook = %q, %v; want %q", got, err, two)
	}
	oneCall(t, em, mailguntest.OpGetWebhook)

	three := []string{"https://hooks.example.com/c", "https://hooks.example.com/d", "https://hooks.example.com/e"}
	if err := mg.UpdateWebhook(ctx(t), d, "delivered", three); err != nil {
		t.Fatalf("UpdateWebhook: %v", err)
	}
	oneCall(t, em, mailguntest.OpUpdateWebhook)
	if got := em.Webhooks(d)["delivered"]; !slices.Equal(got, three) {
		t.Errorf("after UpdateWebhook the emulator holds %q, want %q", got, three)
	}

	if err := mg.DeleteWebhook(ctx(t), d, "delivered"); err != nil {
		t.Fatalf("DeleteWebhook: %v", err)
	}
	oneCall(t, em, mailguntest.OpDeleteWebhook)
	if got, ok := em.Webhooks(d)["delivered"]; ok {
		t.Errorf("after DeleteWebhook the emulator still holds %q", got)
	}
	if _, err := mg.GetWebhook(ctx(t), d, "delivered"); mailgungo.GetStatusFromErr(err) != 404 {
		t.Errorf("GetWebhook after delete: %v, want status 404", err)
	}
	// A fourth URL is over Mailgun's limit of three: the emulator refuses
	// it, so the SDK's repeated fields are counted, not merged. The refusal
	// carries its text under "message" or "Reason" (SetWebhookErrorKey);
	// the SDK reads the status either way.
	four := append(slices.Clone(three), "https://hooks.example.com/f")
	for _, key := range []mailguntest.ErrorKey{mailguntest.ErrorMessage, mailguntest.ErrorReason} {
		em.SetWebhookErrorKey(key)
		if err := mg.CreateWebhook(ctx(t), d, "clicked", four); mailgungo.GetStatusFromErr(err) != 400 {
			t.Errorf("error key %v: CreateWebhook with four URLs: %v, want status 400", key, err)
		}
	}
	if _, ok := em.Webhooks(d)["clicked"]; ok {
		t.Error("a refused CreateWebhook left a webhook behind")
	}
}

// emRoute returns the emulator's record of a route.
func emRoute(t *testing.T, em *mailguntest.Server, id string) mailguntest.Route {
	t.Helper()
	for _, r := range em.Routes() {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("the emulator holds no route %q", id)
	return mailguntest.Route{}
}

func sdkRouteMatches(t *testing.T, what string, got mtypes.Route, want mailguntest.Route) {
	t.Helper()
	if got.Id != want.ID || got.Priority != want.Priority || got.Description != want.Description || got.Expression != want.Expression ||
		!slices.Equal(got.Actions, want.Actions) || !time.Time(got.CreatedAt).Equal(want.CreatedAt.Truncate(time.Second)) {
		t.Errorf("%s: the SDK decoded\n %+v\nthe emulator holds\n %+v", what, got, want)
	}
}

func TestSDKVsEmulatorRoutes(t *testing.T) {
	em := newEmulator(t)
	mg, _ := newSDK(t, em.URL)

	actions := []string{`forward("https://in.example.com/mail")`, "stop()"}
	created, err := mg.CreateRoute(ctx(t), mtypes.Route{
		Priority: 4, Description: "owner=sdk", Expression: `match_recipient(".*@sdk.example.com")`, Actions: actions,
	})
	if err != nil {
		t.Fatalf("CreateRoute: %v", err)
	}
	oneCall(t, em, mailguntest.OpCreateRoute)
	if len(em.Routes()) != 1 || created.Id == "" {
		t.Fatalf("after CreateRoute the emulator holds %d routes; the SDK decoded id %q", len(em.Routes()), created.Id)
	}
	r := emRoute(t, em, created.Id)
	if r.Priority != 4 || r.Description != "owner=sdk" || r.Expression != `match_recipient(".*@sdk.example.com")` || !slices.Equal(r.Actions, actions) {
		t.Errorf("after CreateRoute the emulator holds %+v (the SDK repeats action)", r)
	}
	sdkRouteMatches(t, "CreateRoute answer", created, r)

	got, err := mg.GetRoute(ctx(t), created.Id)
	if err != nil {
		t.Fatalf("GetRoute: %v", err)
	}
	oneCall(t, em, mailguntest.OpGetRoute)
	sdkRouteMatches(t, "GetRoute", got, r)

	it := mg.ListRoutes(nil)
	var page []mtypes.Route
	if !it.Next(ctx(t), &page) || len(page) != 1 || it.TotalCount != 1 {
		t.Fatalf("ListRoutes: %d items, total %d, %v", len(page), it.TotalCount, it.Err())
	}
	sdkRouteMatches(t, "ListRoutes item", page[0], r)
	em.ResetCalls()

	// The update answer as the SDK decodes it: a bare route. The
	// reference's nested answer is TestDeviationSDKUpdateRouteAnswer's.
	em.SetRouteUpdateAnswer(mailguntest.RouteAnswerFlat)
	upd, err := mg.UpdateRoute(ctx(t), created.Id, mtypes.Route{Priority: 9, Description: "owner=sdk v2", Actions: []string{"store()"}})
	if err != nil {
		t.Fatalf("UpdateRoute: %v", err)
	}
	oneCall(t, em, mailguntest.OpUpdateRoute)
	r = emRoute(t, em, created.Id)
	if r.Priority != 9 || r.Description != "owner=sdk v2" || !slices.Equal(r.Actions, []string{"store()"}) || r.Expression != `match_recipient(".*@sdk.example.com")` {
		t.Errorf("after UpdateRoute the emulator holds %+v", r)
	}
	sdkRouteMatches(t, "UpdateRoute answer (flat)", upd, r)

	if err := mg.DeleteRoute(ctx(t), created.Id); err != nil {
		t.Fatalf("DeleteRoute: %v", err)
	}
	oneCall(t, em, mailguntest.OpDeleteRoute)
	if n := len(em.Routes()); n != 0 {
		t.Errorf("after DeleteRoute the emulator holds %d routes", n)
	}
	if _, err := mg.GetRoute(ctx(t), created.Id); mailgungo.GetStatusFromErr(err) != 404 {
		t.Errorf("GetRoute after delete: %v, want status 404", err)
	}
}

func TestSDKVsEmulatorCredentials(t *testing.T) {
	em := newEmulator(t)
	mg, _ := newSDK(t, em.URL)
	const d = "creds.example.com"
	em.PutDomain(mailguntest.Domain{Name: d})
	const alice = "alice@" + d

	if err := mg.CreateCredential(ctx(t), d, alice, "first-pass"); err != nil {
		t.Fatalf("CreateCredential: %v", err)
	}
	oneCall(t, em, mailguntest.OpCreateCredential)
	if got := emDomain(t, em, d).Credentials[alice]; got != "first-pass" {
		t.Errorf("after CreateCredential the emulator holds password %q", got)
	}
	// "bob" without a domain: Mailgun completes it, as the reference says.
	if err := mg.CreateCredential(ctx(t), d, "bob", "bobs-pass"); err != nil {
		t.Fatalf("CreateCredential bob: %v", err)
	}
	em.ResetCalls()

	it := mg.ListCredentials(d, nil)
	var page []mtypes.Credential
	if !it.Next(ctx(t), &page) {
		t.Fatalf("ListCredentials: %v", it.Err())
	}
	var logins []string
	for _, c := range page {
		logins = append(logins, c.Login)
		if time.Time(c.CreatedAt).IsZero() || c.Password != "" {
			t.Errorf("ListCredentials item %+v: want a created_at and no password", c)
		}
	}
	if want := []string{alice, "bob@" + d}; !slices.Equal(logins, want) || it.TotalCount != 2 {
		t.Errorf("ListCredentials: %q, total %d; want %q", logins, it.TotalCount, want)
	}
	em.ResetCalls()

	if err := mg.ChangeCredentialPassword(ctx(t), d, alice, "second-pass"); err != nil {
		t.Fatalf("ChangeCredentialPassword: %v", err)
	}
	oneCall(t, em, mailguntest.OpUpdateCredential)
	if got := emDomain(t, em, d).Credentials[alice]; got != "second-pass" {
		t.Errorf("after ChangeCredentialPassword the emulator holds %q", got)
	}

	if err := mg.DeleteCredential(ctx(t), d, alice); err != nil {
		t.Fatalf("DeleteCredential: %v", err)
	}
	oneCall(t, em, mailguntest.OpDeleteCredential)
	creds := emDomain(t, em, d).Credentials
	if _, ok := creds[alice]; ok || len(creds) != 1 {
		t.Errorf("after DeleteCredential the emulator holds %v", creds)
	}
	if err := mg.DeleteCredential(ctx(t), d, alice); mailgungo.GetStatusFromErr(err) != 404 {
		t.Errorf("DeleteCredential of a deleted login: %v, want status 404", err)
	}
}

// The emulator checks the SDK's Basic auth: user "api", the key as
// password; another key answers 401.
func TestSDKVsEmulatorAuth(t *testing.T) {
	em := newEmulator(t)
	em.PutDomain(mailguntest.Domain{Name: "auth.example.com"})
	mg, _ := newSDK(t, em.URL)
	if _, err := mg.GetDomain(ctx(t), "auth.example.com", nil); err != nil {
		t.Fatalf("GetDomain with the key: %v", err)
	}
	em.SetAPIKey("key-rotated")
	if _, err := mg.GetDomain(ctx(t), "auth.example.com", nil); mailgungo.GetStatusFromErr(err) != 401 {
		t.Errorf("GetDomain with an old key: %v, want status 401", err)
	}
}
