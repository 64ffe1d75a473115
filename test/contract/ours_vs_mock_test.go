package contract

// Direction 1: our client against mailgun-go's mocks.NewServer(). The
// expected values come from the mock's own state (its accessors) or from
// what the test wrote through it, never from constants that merely repeat
// what our client decoded.

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/mailgun-operator/mailgun-operator/internal/mailgun"
	"github.com/mailgun/mailgun-go/v5/mocks"
	"github.com/mailgun/mailgun-go/v5/mtypes"
)

// newMock starts the SDK's mock server for one test.
func newMock(t *testing.T) *mocks.Server {
	t.Helper()
	m := mocks.NewServer()
	t.Cleanup(m.Stop)
	return m
}

// mockDomain returns the mock's record of a domain.
func mockDomain(t *testing.T, m *mocks.Server, name string) mocks.DomainContainer {
	t.Helper()
	for _, d := range m.DomainList() {
		if d.Domain.Name == name {
			return d
		}
	}
	t.Fatalf("the mock holds no domain %q", name)
	return mocks.DomainContainer{}
}

// wantDomain compares every field both sides have.
func wantDomain(t *testing.T, got mailgun.Domain, want mtypes.Domain) {
	t.Helper()
	exp := mailgun.Domain{
		ID: want.ID, Name: want.Name, State: want.State, Type: want.Type, SMTPLogin: want.SMTPLogin,
		SpamAction: string(want.SpamAction), WebPrefix: want.WebPrefix, WebScheme: want.WebScheme,
		TrackingHost: want.TrackingHost, MailfromHost: want.MailFromHost,
		Wildcard: want.Wildcard, RequireTLS: want.RequireTLS, SkipVerification: want.SkipVerification,
		IsDisabled: want.IsDisabled, UseAutomaticSenderSecurity: want.UseAutomaticSenderSecurity,
		MessageTTL: want.MessageTTL,
		// The mock writes RFC2822Time as RFC 1123 with a numeric zone.
		CreatedAt: time.Time(want.CreatedAt).Format(time.RFC1123Z),
	}
	if got != exp {
		t.Errorf("domain decoded as\n %+v\nthe mock holds\n %+v", got, exp)
	}
}

func wantRecords(t *testing.T, what string, got []mailgun.DNSRecord, want []mtypes.DNSRecord) {
	t.Helper()
	exp := make([]mailgun.DNSRecord, len(want))
	for i, r := range want {
		exp[i] = mailgun.DNSRecord{RecordType: r.RecordType, Name: r.Name, Value: r.Value, Priority: r.Priority, Valid: r.Valid, IsActive: r.Active}
	}
	if !slices.Equal(got, exp) {
		t.Errorf("%s decoded as\n %+v\nthe mock holds\n %+v", what, got, exp)
	}
}

// The mock seeds one domain, "mailgun.test", with DNS records.
const mockSeedDomain = "mailgun.test"

func TestOursVsMockDomainReads(t *testing.T) {
	m := newMock(t)
	o := newOurs(t, m.URL())
	seed := mockDomain(t, m, mockSeedDomain)

	page, err := o.c.ListDomains(ctx(t), o.a, mailgun.ListOptions{})
	if err != nil {
		t.Fatalf("ListDomains: %v", err)
	}
	if page.TotalCount != len(m.DomainList()) || len(page.Items) != len(m.DomainList()) {
		t.Fatalf("ListDomains: total %d, %d items; the mock holds %d domains", page.TotalCount, len(page.Items), len(m.DomainList()))
	}
	wantDomain(t, page.Items[0], seed.Domain)

	// GET and PUT .../verify answer the same object in the mock.
	for name, call := range map[string]func() (mailgun.DomainInfo, error){
		"GetDomain":    func() (mailgun.DomainInfo, error) { return o.c.GetDomain(ctx(t), o.a, mockSeedDomain) },
		"VerifyDomain": func() (mailgun.DomainInfo, error) { return o.c.VerifyDomain(ctx(t), o.a, mockSeedDomain) },
	} {
		t.Run(name, func(t *testing.T) {
			info, err := call()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			wantDomain(t, info.Domain, seed.Domain)
			wantRecords(t, "sending records", info.SendingDNSRecords, seed.SendingDNSRecords)
			wantRecords(t, "receiving records", info.ReceivingDNSRecords, seed.ReceivingDNSRecords)
		})
	}

	if _, err := o.c.GetDomain(ctx(t), o.a, "absent.example.com"); !errors.Is(err, mailgun.ErrNotFound) {
		t.Errorf("GetDomain of an unknown domain: %v, want ErrNotFound", err)
	}
}

// TestOursVsMockDomainWrites is the test that fails when our client sends
// POST /v4/domains or PUT /v4/domains/{name} as anything but
// multipart/form-data: the mock answers those with status 599.
func TestOursVsMockDomainWrites(t *testing.T) {
	m := newMock(t)
	o := newOurs(t, m.URL())
	const name = "contract.example.com"

	_, err := o.c.CreateDomain(ctx(t), o.a, mailgun.CreateDomainRequest{
		Name: name, SMTPPassword: "s3cret-pass", SpamAction: "tag", WebScheme: "https", WebPrefix: "trk",
		Wildcard: ptr(true), RequireTLS: ptr(true), SkipVerification: ptr(true), UseAutomaticSenderSecurity: ptr(true),
	})
	if err != nil {
		t.Fatalf("CreateDomain: %v", err)
	}
	if s := o.rec.last(t); s.ContentType != "multipart/form-data" {
		t.Errorf("CreateDomain sent %s, want multipart/form-data", s.ContentType)
	}
	info, err := o.c.GetDomain(ctx(t), o.a, name)
	if err != nil {
		t.Fatalf("GetDomain after create: %v", err)
	}
	created := mockDomain(t, m, name).Domain
	wantDomain(t, info.Domain, created)
	// What the test wrote, as the mock stored it.
	if created.SpamAction != "tag" || created.WebScheme != "https" || created.WebPrefix != "trk" || !created.Wildcard ||
		!created.RequireTLS || !created.SkipVerification || !created.UseAutomaticSenderSecurity || created.SMTPPassword != "s3cret-pass" {
		t.Errorf("the mock stored %+v; the create did not carry every field", created)
	}

	// Only the fields the mock applies (see TestDeviationMockUpdateDomainIgnoresFields
	// for the others); each flips the value the create set.
	err = o.c.UpdateDomain(ctx(t), o.a, name, mailgun.UpdateDomainRequest{
		WebScheme: ptr("http"), WebPrefix: ptr("mail"),
		RequireTLS: ptr(false), SkipVerification: ptr(false), UseAutomaticSenderSecurity: ptr(false),
	})
	if err != nil {
		t.Fatalf("UpdateDomain: %v", err)
	}
	if s := o.rec.last(t); s.ContentType != "multipart/form-data" {
		t.Errorf("UpdateDomain sent %s, want multipart/form-data", s.ContentType)
	}
	updated := mockDomain(t, m, name).Domain
	if updated.WebScheme != "http" || updated.WebPrefix != "mail" || updated.RequireTLS || updated.SkipVerification || updated.UseAutomaticSenderSecurity {
		t.Errorf("after the update the mock holds %+v", updated)
	}
	info, err = o.c.GetDomain(ctx(t), o.a, name)
	if err != nil {
		t.Fatalf("GetDomain after update: %v", err)
	}
	wantDomain(t, info.Domain, updated)

	if err := o.c.DeleteDomain(ctx(t), o.a, name); err != nil {
		t.Fatalf("DeleteDomain: %v", err)
	}
	if _, err := o.c.GetDomain(ctx(t), o.a, name); !errors.Is(err, mailgun.ErrNotFound) {
		t.Errorf("GetDomain after delete: %v, want ErrNotFound", err)
	}
	if err := o.c.DeleteDomain(ctx(t), o.a, name); !errors.Is(err, mailgun.ErrNotFound) {
		t.Errorf("DeleteDomain of a deleted domain: %v, want ErrNotFound", err)
	}
}

func TestOursVsMockTracking(t *testing.T) {
	m := newMock(t)
	o := newOurs(t, m.URL())

	// fromMock is what our Tracking must say about the mock's state.
	fromMock := func() mailgun.Tracking {
		tr := mockDomain(t, m, mockSeedDomain).Tracking
		return mailgun.Tracking{
			Click: tr.Click.Active, Open: tr.Open.Active, Unsubscribe: tr.Unsubscribe.Active,
			UnsubscribeHTMLFooter: tr.Unsubscribe.HTMLFooter, UnsubscribeTextFooter: tr.Unsubscribe.TextFooter,
		}
	}
	read := func(step string) {
		t.Helper()
		got, err := o.c.GetTracking(ctx(t), o.a, mockSeedDomain)
		if err != nil {
			t.Fatalf("%s: GetTracking: %v", step, err)
		}
		if want := fromMock(); got != want {
			t.Errorf("%s: GetTracking decoded %+v; the mock holds %+v", step, got, want)
		}
	}
	read("seeded")

	// Each step changes something the previous state had, and names the
	// value the mock must then hold, so a write that is silently dropped
	// cannot pass.
	steps := []struct {
		name  string
		write func() error
		check func(mailgun.Tracking) bool
	}{
		{"click off", func() error { return o.c.SetClickTracking(ctx(t), o.a, mockSeedDomain, false, false) },
			func(tr mailgun.Tracking) bool { return !tr.Click }},
		{"click on", func() error { return o.c.SetClickTracking(ctx(t), o.a, mockSeedDomain, true, false) },
			func(tr mailgun.Tracking) bool { return tr.Click }},
		{"open off", func() error { return o.c.SetOpenTracking(ctx(t), o.a, mockSeedDomain, false) },
			func(tr mailgun.Tracking) bool { return !tr.Open }},
		{"unsubscribe on with footers", func() error {
			return o.c.SetUnsubscribeTracking(ctx(t), o.a, mockSeedDomain, true, "<p>%unsubscribe_url%</p>", "bye: %unsubscribe_url%")
		}, func(tr mailgun.Tracking) bool {
			return tr.Unsubscribe && tr.UnsubscribeHTMLFooter == "<p>%unsubscribe_url%</p>" && tr.UnsubscribeTextFooter == "bye: %unsubscribe_url%"
		}},
	}
	for _, s := range steps {
		if err := s.write(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if !s.check(fromMock()) {
			t.Errorf("%s: the mock holds %+v", s.name, fromMock())
		}
		read(s.name)
	}
}

// The mock stores neither the DKIM selector nor the authority: it answers
// 200 to a request that names the field. What it proves is that our path,
// method and field name reach a handler that wants that field; the request
// itself is checked against the reference's field names.
func TestOursVsMockDKIM(t *testing.T) {
	m := newMock(t)
	o := newOurs(t, m.URL())

	if err := o.c.SetDKIMSelector(ctx(t), o.a, mockSeedDomain, "s2024"); err != nil {
		t.Fatalf("SetDKIMSelector: %v", err)
	}
	s := o.rec.last(t)
	if s.Method != "PUT" || s.Path != "/v3/domains/mailgun.test/dkim_selector" {
		t.Errorf("SetDKIMSelector sent %s %s", s.Method, s.Path)
	}
	wantForm(t, s, map[string][]string{"dkim_selector": {"s2024"}})

	if err := o.c.SetDKIMAuthority(ctx(t), o.a, mockSeedDomain, true); err != nil {
		t.Fatalf("SetDKIMAuthority: %v", err)
	}
	s = o.rec.last(t)
	if s.Method != "PUT" || s.Path != "/v3/domains/mailgun.test/dkim_authority" {
		t.Errorf("SetDKIMAuthority sent %s %s", s.Method, s.Path)
	}
	wantForm(t, s, map[string][]string{"self": {"true"}})

	for name, err := range map[string]error{
		"SetDKIMSelector":  o.c.SetDKIMSelector(ctx(t), o.a, "absent.example.com", "s1"),
		"SetDKIMAuthority": o.c.SetDKIMAuthority(ctx(t), o.a, "absent.example.com", false),
	} {
		if !errors.Is(err, mailgun.ErrNotFound) {
			t.Errorf("%s on an unknown domain: %v, want ErrNotFound", name, err)
		}
	}
}

func TestOursVsMockWebhooks(t *testing.T) {
	m := newMock(t)
	o := newOurs(t, m.URL())
	const d = mockSeedDomain

	// The mock seeds two entries under names that are not events. Give it
	// one under a real event in the legacy single-URL shape ({"url": ...}),
	// which the mock sends next to "urls": null. This writes into the map
	// the mock's accessor returns, before any request.
	const legacy = "https://legacy.example.com/opened"
	m.Webhooks().Webhooks["opened"] = mtypes.UrlOrUrls{Url: legacy}

	list := func(step string) mailgun.Webhooks {
		t.Helper()
		got, err := o.c.ListWebhooks(ctx(t), o.a, d)
		if err != nil {
			t.Fatalf("%s: ListWebhooks: %v", step, err)
		}
		var want mailgun.Webhooks
		for name, u := range m.Webhooks().Webhooks {
			e, ok := mailgun.ParseEvent(name)
			if !ok {
				continue // the mock's "new-webhook" and "legacy-webhook"
			}
			want[e] = u.Urls
			if u.Url != "" {
				want[e] = []string{u.Url}
			}
		}
		for e := range got {
			if !slices.Equal(got[e], want[e]) {
				t.Errorf("%s: ListWebhooks[%s] = %q; the mock holds %q", step, mailgun.Event(e), got[e], want[e])
			}
		}
		return got
	}
	if got := list("seeded"); !slices.Equal(got[mailgun.EventOpened], []string{legacy}) {
		t.Errorf("legacy entry decoded as %q", got[mailgun.EventOpened])
	}

	two := []string{"https://hooks.example.com/a", "https://hooks.example.com/b"}
	if err := o.c.CreateWebhook(ctx(t), o.a, d, mailgun.EventDelivered, two); err != nil {
		t.Fatalf("CreateWebhook: %v", err)
	}
	if got := m.Webhooks().Webhooks["delivered"].Urls; !slices.Equal(got, two) {
		t.Errorf("after CreateWebhook the mock holds %q, want %q (repeated url fields)", got, two)
	}
	list("created")
	got, err := o.c.GetWebhook(ctx(t), o.a, d, mailgun.EventDelivered)
	if err != nil || !slices.Equal(got, two) {
		t.Errorf("GetWebhook = %q, %v; want %q", got, err, two)
	}

	three := []string{"https://hooks.example.com/c", "https://hooks.example.com/d", "https://hooks.example.com/e"}
	if err := o.c.UpdateWebhook(ctx(t), o.a, d, mailgun.EventDelivered, three); err != nil {
		t.Fatalf("UpdateWebhook: %v", err)
	}
	if got := m.Webhooks().Webhooks["delivered"].Urls; !slices.Equal(got, three) {
		t.Errorf("after UpdateWebhook the mock holds %q, want %q", got, three)
	}
	got, err = o.c.GetWebhook(ctx(t), o.a, d, mailgun.EventDelivered)
	if err != nil || !slices.Equal(got, three) {
		t.Errorf("GetWebhook after update = %q, %v; want %q", got, err, three)
	}

	if err := o.c.DeleteWebhook(ctx(t), o.a, d, mailgun.EventDelivered); err != nil {
		t.Fatalf("DeleteWebhook: %v", err)
	}
	if _, ok := m.Webhooks().Webhooks["delivered"]; ok {
		t.Error("after DeleteWebhook the mock still holds delivered")
	}
	if got := list("deleted"); got[mailgun.EventDelivered] != nil {
		t.Errorf("ListWebhooks after delete still has delivered: %q", got[mailgun.EventDelivered])
	}
	// The mock answers 404 here (followed by a second, success body,
	// which our client does not read past the first value).
	if err := o.c.DeleteWebhook(ctx(t), o.a, d, mailgun.EventDelivered); !errors.Is(err, mailgun.ErrNotFound) {
		t.Errorf("DeleteWebhook of a deleted webhook: %v, want ErrNotFound", err)
	}
}

func TestOursVsMockRoutes(t *testing.T) {
	m := newMock(t)
	o := newOurs(t, m.URL())

	toOurs := func(r mtypes.Route) mailgun.Route {
		return mailgun.Route{
			ID: r.Id, Priority: r.Priority, Description: r.Description, Expression: r.Expression,
			Actions: r.Actions, CreatedAt: time.Time(r.CreatedAt).Format(time.RFC1123Z),
		}
	}
	mockRoute := func(id string) mtypes.Route {
		t.Helper()
		for _, r := range m.RouteList() {
			if r.Id == id {
				return r
			}
		}
		t.Fatalf("the mock holds no route %q", id)
		return mtypes.Route{}
	}
	same := func(what string, got, want mailgun.Route) {
		t.Helper()
		if got.ID != want.ID || got.Priority != want.Priority || got.Description != want.Description ||
			got.Expression != want.Expression || !slices.Equal(got.Actions, want.Actions) || got.CreatedAt != want.CreatedAt {
			t.Errorf("%s decoded as\n %+v\nthe mock holds\n %+v", what, got, want)
		}
	}

	page, err := o.c.ListRoutes(ctx(t), o.a, mailgun.ListOptions{})
	if err != nil {
		t.Fatalf("ListRoutes: %v", err)
	}
	seeded := m.RouteList()
	if page.TotalCount != len(seeded) || len(page.Items) != len(seeded) {
		t.Fatalf("ListRoutes: total %d, %d items; the mock holds %d", page.TotalCount, len(page.Items), len(seeded))
	}
	for i := range seeded {
		same("ListRoutes item", page.Items[i], toOurs(seeded[i]))
	}
	// Paging: skip and limit reach the mock.
	page, err = o.c.ListRoutes(ctx(t), o.a, mailgun.ListOptions{Skip: 2, Limit: 3})
	if err != nil || len(page.Items) != 3 || page.Items[0].ID != seeded[2].Id {
		t.Errorf("ListRoutes skip 2 limit 3: %d items (first %+v), %v; want 3 from %s", len(page.Items), page.Items, err, seeded[2].Id)
	}

	created, err := o.c.CreateRoute(ctx(t), o.a, mailgun.RouteRequest{
		Priority: ptr(3), Description: ptr("owner=contract"), Expression: ptr(`match_recipient(".*@contract.example.com")`),
		Actions: []string{`forward("https://in.example.com/mail")`, "stop()"},
	})
	if err != nil {
		t.Fatalf("CreateRoute: %v", err)
	}
	if created.ID == "" {
		t.Fatal("CreateRoute decoded no id")
	}
	stored := mockRoute(created.ID)
	same("CreateRoute answer", created, toOurs(stored))
	if stored.Priority != 3 || stored.Description != "owner=contract" || !slices.Equal(stored.Actions, []string{`forward("https://in.example.com/mail")`, "stop()"}) {
		t.Errorf("the mock stored %+v", stored)
	}

	got, err := o.c.GetRoute(ctx(t), o.a, created.ID)
	if err != nil {
		t.Fatalf("GetRoute: %v", err)
	}
	same("GetRoute", got, toOurs(stored))

	// The mock answers the update with the bare route (see
	// TestDeviationSDKUpdateRouteAnswer for the reference's shape).
	upd, err := o.c.UpdateRoute(ctx(t), o.a, created.ID, mailgun.RouteRequest{
		Priority: ptr(7), Description: ptr("owner=contract v2"), Actions: []string{"store()"},
	})
	if err != nil {
		t.Fatalf("UpdateRoute: %v", err)
	}
	stored = mockRoute(created.ID)
	if stored.Priority != 7 || stored.Description != "owner=contract v2" || !slices.Equal(stored.Actions, []string{"store()"}) {
		t.Errorf("after UpdateRoute the mock holds %+v", stored)
	}
	same("UpdateRoute answer", upd, toOurs(stored))

	if err := o.c.DeleteRoute(ctx(t), o.a, created.ID); err != nil {
		t.Fatalf("DeleteRoute: %v", err)
	}
	if _, err := o.c.GetRoute(ctx(t), o.a, created.ID); !errors.Is(err, mailgun.ErrNotFound) {
		t.Errorf("GetRoute after delete: %v, want ErrNotFound", err)
	}
	if n := len(m.RouteList()); n != len(seeded) {
		t.Errorf("the mock holds %d routes after create and delete, want %d", n, len(seeded))
	}
}

func TestOursVsMockCredentials(t *testing.T) {
	m := newMock(t)
	o := newOurs(t, m.URL())
	const d = mockSeedDomain

	logins := func(step string) []string {
		t.Helper()
		page, err := o.c.ListCredentials(ctx(t), o.a, d, mailgun.ListOptions{})
		if err != nil {
			t.Fatalf("%s: ListCredentials: %v", step, err)
		}
		var out []string
		for _, c := range page.Items {
			if _, err := time.Parse(time.RFC1123Z, c.CreatedAt); err != nil {
				t.Errorf("%s: created_at %q of %s: %v", step, c.CreatedAt, c.Login, err)
			}
			out = append(out, c.Login)
		}
		if page.TotalCount != len(out) {
			t.Errorf("%s: total_count %d for %d items", step, page.TotalCount, len(out))
		}
		return out
	}
	// The mock seeds "alice" and "bob" (it has no accessor for them).
	if got := logins("seeded"); !slices.Equal(got, []string{"alice", "bob"}) {
		t.Errorf("seeded logins %q, want the mock's alice and bob", got)
	}

	const carol = "carol@" + d
	if err := o.c.CreateCredential(ctx(t), o.a, d, carol, "first-pass"); err != nil {
		t.Fatalf("CreateCredential: %v", err)
	}
	if got := logins("created"); !slices.Equal(got, []string{"alice", "bob", carol}) {
		t.Errorf("after create: %q", got)
	}
	// The mock validates the password length as the reference does: a
	// refused write is ErrInvalid, so the fields reached it by name.
	if err := o.c.CreateCredential(ctx(t), o.a, d, "dave@"+d, "abc"); !errors.Is(err, mailgun.ErrInvalid) {
		t.Errorf("CreateCredential with a 3-character password: %v, want ErrInvalid", err)
	}

	if err := o.c.UpdateCredential(ctx(t), o.a, d, carol, "second-pass"); err != nil {
		t.Fatalf("UpdateCredential: %v", err)
	}
	wantForm(t, o.rec.last(t), map[string][]string{"password": {"second-pass"}})
	if err := o.c.UpdateCredential(ctx(t), o.a, d, "nobody@"+d, "second-pass"); !errors.Is(err, mailgun.ErrNotFound) {
		t.Errorf("UpdateCredential of an unknown login: %v, want ErrNotFound", err)
	}
	if err := o.c.UpdateCredential(ctx(t), o.a, d, carol, "abc"); !errors.Is(err, mailgun.ErrInvalid) {
		t.Errorf("UpdateCredential with a 3-character password: %v, want ErrInvalid", err)
	}

	// Which login the mock removes is TestDeviationMockDeleteCredential's
	// business; here the call itself must succeed and remove one.
	if err := o.c.DeleteCredential(ctx(t), o.a, d, carol); err != nil {
		t.Fatalf("DeleteCredential: %v", err)
	}
	if got := logins("deleted"); len(got) != 2 {
		t.Errorf("after delete: %q, want two logins", got)
	}
}
