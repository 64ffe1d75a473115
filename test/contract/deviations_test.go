package contract

// Where mailgun-go v5.17.0 or its mock contradicts the public API reference
// (docs/mailgun-api.md gives the pages), the reference wins: each test below
// asserts the reference's behaviour where it can be observed (the request
// our client sends, or our emulator, which answers as the reference says)
// and then what the pinned SDK or mock does instead. That second part is a
// tripwire: when an upgrade of the pin fixes the deviation it fails, and
// the case can move into the ordinary contract tests. doc.go lists the
// cases.

import (
	"bytes"
	"errors"
	"log"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/mailgun-operator/mailgun-operator/internal/mailgun"
	"github.com/mailgun-operator/mailgun-operator/internal/mailgun/mailguntest"
	"github.com/mailgun/mailgun-go/v5/mtypes"
)

// Reference, "Create a domain" (POST /v4/domains): the 200 answer carries
// "message", "domain" and both DNS record lists. The mock answers
// {"message": "Domain has been created"} only (mocks/mock_domains.go,
// createDomain).
func TestDeviationMockCreateDomainAnswer(t *testing.T) {
	const name = "answer.example.com"
	req := mailgun.CreateDomainRequest{Name: name, SpamAction: "tag"}

	// Reference: our client decodes the domain and records from the answer.
	em := newEmulator(t)
	o := newOurs(t, em.URL)
	info, err := o.c.CreateDomain(ctx(t), o.a, req)
	if err != nil {
		t.Fatalf("CreateDomain against the emulator: %v", err)
	}
	if info.Domain.Name != name || info.Domain.SpamAction != "tag" || len(info.SendingDNSRecords) == 0 || len(info.ReceivingDNSRecords) == 0 {
		t.Errorf("CreateDomain decoded %+v from a reference-shaped answer", info)
	}

	// Mock: the call succeeds, the answer has no domain.
	m := newMock(t)
	om := newOurs(t, m.URL())
	info, err = om.c.CreateDomain(ctx(t), om.a, req)
	if err != nil {
		t.Fatalf("CreateDomain against the mock: %v", err)
	}
	if info.Domain.Name != "" || len(info.SendingDNSRecords) != 0 {
		t.Errorf("tripwire: the mock's create answer now carries the domain (%+v); assert it in TestOursVsMockDomainWrites", info)
	}
}

// Reference, "Update domain" (PUT /v4/domains/{name}): updates spam_action,
// wildcard and smtp_password among others. The mock applies neither of
// them (mocks/mock_domains.go, updateDomain).
func TestDeviationMockUpdateDomainIgnoresFields(t *testing.T) {
	const name = "ignored.example.com"
	update := mailgun.UpdateDomainRequest{SpamAction: ptr("block"), Wildcard: ptr(false), SMTPPassword: ptr("new-password-9")}

	// Reference: the fields go out under the reference's names, in one
	// multipart body, and the emulator applies them.
	em := newEmulator(t)
	em.PutDomain(mailguntest.Domain{Name: name, SpamAction: "tag", Wildcard: true, SMTPPassword: "old-password-1"})
	o := newOurs(t, em.URL)
	if err := o.c.UpdateDomain(ctx(t), o.a, name, update); err != nil {
		t.Fatalf("UpdateDomain against the emulator: %v", err)
	}
	s := o.rec.last(t)
	if s.ContentType != "multipart/form-data" {
		t.Errorf("UpdateDomain sent %s, want multipart/form-data", s.ContentType)
	}
	wantForm(t, s, map[string][]string{"spam_action": {"block"}, "wildcard": {"false"}, "smtp_password": {"new-password-9"}})
	if d := emDomain(t, em, name); d.SpamAction != "block" || d.Wildcard || d.SMTPPassword != "new-password-9" {
		t.Errorf("after the update the emulator holds spam_action %q, wildcard %v, password %q", d.SpamAction, d.Wildcard, d.SMTPPassword)
	}

	// Mock: the same request succeeds and changes none of the three.
	m := newMock(t)
	om := newOurs(t, m.URL())
	before := mockDomain(t, m, mockSeedDomain).Domain
	if err := om.c.UpdateDomain(ctx(t), om.a, mockSeedDomain, mailgun.UpdateDomainRequest{
		SpamAction: ptr("block"), Wildcard: ptr(!before.Wildcard), SMTPPassword: ptr("new-password-9"),
	}); err != nil {
		t.Fatalf("UpdateDomain against the mock: %v", err)
	}
	after := mockDomain(t, m, mockSeedDomain).Domain
	if after.SpamAction != before.SpamAction || after.Wildcard != before.Wildcard || after.SMTPPassword != before.SMTPPassword {
		t.Errorf("tripwire: the mock now applies spam_action/wildcard/smtp_password (%+v); assert them in TestOursVsMockDomainWrites", after)
	}
}

// Reference, "Update click tracking settings" (PUT
// /v3/domains/{name}/tracking/click): active is "htmlonly", "true" or
// "false", and click tracking counts as active in the htmlonly state;
// "Get tracking settings" types tracking.click.active as a boolean. The
// mock parses active with strconv.ParseBool and panics on "htmlonly"
// (mocks/mock.go, stringToBool), which drops the connection.
func TestDeviationMockClickHTMLOnly(t *testing.T) {
	const name = "html.example.com"

	// Reference: our client sends active=htmlonly; the emulator takes it
	// and reads it back as the documented boolean true.
	em := newEmulator(t)
	em.PutDomain(mailguntest.Domain{Name: name})
	em.SetClickReading(mailguntest.ClickAsBool)
	o := newOurs(t, em.URL)
	if err := o.c.SetClickTracking(ctx(t), o.a, name, true, true); err != nil {
		t.Fatalf("SetClickTracking(htmlOnly) against the emulator: %v", err)
	}
	wantForm(t, o.rec.last(t), map[string][]string{"active": {"htmlonly"}})
	if tr := emDomain(t, em, name).Tracking; !tr.Click || !tr.ClickHTMLOnly {
		t.Errorf("the emulator holds %+v after htmlonly", tr)
	}
	tr, err := o.c.GetTracking(ctx(t), o.a, name)
	if err != nil || !tr.Click {
		t.Errorf("GetTracking after htmlonly: %+v, %v; want click active (the boolean reading)", tr, err)
	}
	// The SDK reads the same answer as true too.
	mg, _ := newSDK(t, em.URL)
	if st, err := mg.GetDomainTracking(ctx(t), name); err != nil || !st.Click.Active {
		t.Errorf("the SDK's GetDomainTracking after htmlonly: %+v, %v; want click active", st, err)
	}

	// Mock: the same request fails. net/http logs the handler's panic to
	// the standard logger; keep it out of the test output and check it is
	// the ParseBool panic, not some other failure.
	m := newMock(t)
	om := newOurs(t, m.URL())
	var logged bytes.Buffer
	log.SetOutput(&logged)
	t.Cleanup(func() { log.SetOutput(os.Stderr) })
	err = om.c.SetClickTracking(ctx(t), om.a, mockSeedDomain, true, true)
	log.SetOutput(os.Stderr)
	if err == nil || !strings.Contains(logged.String(), `parsing "htmlonly"`) {
		t.Errorf("tripwire: the mock now handles active=htmlonly (error %v, log %q); assert it in TestOursVsMockTracking", err, logged.String())
	}
	wantForm(t, om.rec.last(t), map[string][]string{"active": {"htmlonly"}})
}

// Reference, "Get tracking settings": tracking.click.active is a boolean.
// Some answers have been seen to carry the string "htmlonly" there, so our
// client and emulator handle both readings (SetClickReading). The SDK's
// TrackingStatus.Active is a Go bool (mtypes/domains_tracking.go): it
// decodes the documented reading and fails on the string one.
func TestDeviationSDKClickAsString(t *testing.T) {
	const name = "string.example.com"
	em := newEmulator(t)
	em.PutDomain(mailguntest.Domain{Name: name, Tracking: mailguntest.Tracking{Click: true, ClickHTMLOnly: true}})
	mg, _ := newSDK(t, em.URL)
	o := newOurs(t, em.URL)

	for _, c := range []struct {
		reading  mailguntest.ClickReading
		sdkFails bool
	}{
		{mailguntest.ClickAsBool, false},
		{mailguntest.ClickAsString, true},
	} {
		em.SetClickReading(c.reading)
		// Our client decodes both readings as click tracking on.
		tr, err := o.c.GetTracking(ctx(t), o.a, name)
		if err != nil || !tr.Click {
			t.Errorf("reading %v: our GetTracking = %+v, %v; want click on", c.reading, tr, err)
		}
		st, err := mg.GetDomainTracking(ctx(t), name)
		switch {
		case !c.sdkFails && (err != nil || !st.Click.Active):
			t.Errorf("reading %v: the SDK decoded %+v, %v; want click active", c.reading, st, err)
		case c.sdkFails && err == nil:
			t.Errorf("tripwire, reading %v: the SDK now decodes the string reading (%+v)", c.reading, st)
		}
	}
}

// Reference, "Update a route" (PUT /v3/routes/{id}): the 200 answer has
// "message" and the route nested under "route". The SDK decodes the answer
// as a bare route (routes.go, UpdateRoute: "this API function just returns
// a bare Route"), and the mock answers that way. The emulator answers
// either way (SetRouteUpdateAnswer); our client decodes both.
func TestDeviationSDKUpdateRouteAnswer(t *testing.T) {
	for _, c := range []struct {
		name       string
		answer     mailguntest.RouteUpdateAnswer
		sdkDecodes bool
	}{
		{"nested (reference)", mailguntest.RouteAnswerNested, false},
		{"flat (SDK, mock)", mailguntest.RouteAnswerFlat, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			em := newEmulator(t)
			em.SetRouteUpdateAnswer(c.answer)
			id := em.PutRoute(mailguntest.Route{Priority: 1, Description: "d1", Expression: "catch_all()", Actions: []string{"stop()"}})
			change := mailgun.RouteRequest{Priority: ptr(2), Description: ptr("d2"), Actions: []string{"store()", "stop()"}}

			// Our client decodes the route from either shape.
			o := newOurs(t, em.URL)
			got, err := o.c.UpdateRoute(ctx(t), o.a, id, change)
			if err != nil {
				t.Fatalf("our UpdateRoute: %v", err)
			}
			want := emRoute(t, em, id)
			if got.ID != id || got.Priority != 2 || got.Description != "d2" || !slices.Equal(got.Actions, want.Actions) || got.Expression != "catch_all()" {
				t.Errorf("our UpdateRoute decoded %+v; the emulator holds %+v", got, want)
			}

			// The SDK: the emulator applies its request either way; it
			// decodes the answer only when flat.
			mg, _ := newSDK(t, em.URL)
			upd, err := mg.UpdateRoute(ctx(t), id, mtypes.Route{Priority: 3, Description: "d3"})
			if err != nil {
				t.Fatalf("the SDK's UpdateRoute: %v", err)
			}
			want = emRoute(t, em, id)
			if want.Priority != 3 || want.Description != "d3" {
				t.Errorf("after the SDK's update the emulator holds %+v", want)
			}
			if c.sdkDecodes {
				sdkRouteMatches(t, "the SDK's UpdateRoute answer", upd, want)
			} else if upd.Id != "" {
				t.Errorf("tripwire: the SDK now decodes the nested answer (%+v); move this case into TestSDKVsEmulatorRoutes", upd)
			}
			// Whatever the shape, a read shows the update.
			if r, err := mg.GetRoute(ctx(t), id); err != nil || r.Priority != 3 || r.Description != "d3" {
				t.Errorf("the SDK's GetRoute after the update: %+v, %v", r, err)
			}
		})
	}
}

// Reference, "Get domain webhooks by type" (GET
// /v3/domains/{domain_name}/webhooks/{webhook_name}): the answer is the
// event's "webhook.urls", and the page lists a 404 answer, which is what the
// emulator gives an event without webhook (the page does not say which case
// its 404 covers: unverified). The mock answers 200 with no URLs
// (mocks/mock_webhooks.go, getWebHook).
func TestDeviationMockGetWebhookUnknown(t *testing.T) {
	em := newEmulator(t)
	em.PutDomain(mailguntest.Domain{Name: "hooks.example.com"})
	o := newOurs(t, em.URL)
	if _, err := o.c.GetWebhook(ctx(t), o.a, "hooks.example.com", mailgun.EventClicked); !errors.Is(err, mailgun.ErrNotFound) {
		t.Errorf("GetWebhook of an event without webhook, emulator: %v, want ErrNotFound", err)
	}

	m := newMock(t)
	om := newOurs(t, m.URL())
	urls, err := om.c.GetWebhook(ctx(t), om.a, mockSeedDomain, mailgun.EventClicked)
	if err != nil || len(urls) != 0 {
		t.Errorf("tripwire: the mock's GET of a missing webhook now answers %q, %v (was 200 with no URLs)", urls, err)
	}
}

// Reference, "Delete a route" (DELETE /v3/routes/{id}): 404 for an unknown
// id. The mock compares the remaining routes with its number of domains
// and answers 200 (mocks/mock_routes.go, deleteRoute).
func TestDeviationMockDeleteRouteUnknown(t *testing.T) {
	em := newEmulator(t)
	o := newOurs(t, em.URL)
	if err := o.c.DeleteRoute(ctx(t), o.a, "000000000000000000000000"); !errors.Is(err, mailgun.ErrNotFound) {
		t.Errorf("DeleteRoute of an unknown id, emulator: %v, want ErrNotFound", err)
	}

	m := newMock(t)
	om := newOurs(t, m.URL())
	if err := om.c.DeleteRoute(ctx(t), om.a, "000000000000000000000000"); err != nil {
		t.Errorf("tripwire: the mock now refuses to delete an unknown route (%v)", err)
	}
}

// Reference, "Delete credentials" (DELETE
// /v3/domains/{domain}/credentials/{login}): removes the named login. The
// mock skips the matching login and removes the first other one
// (mocks/mock_credentials.go, deleteCredential).
func TestDeviationMockDeleteCredential(t *testing.T) {
	const d = "creds.example.com"
	em := newEmulator(t)
	em.PutDomain(mailguntest.Domain{Name: d, Credentials: map[string]string{"alice@" + d: "alice-pass", "carol@" + d: "carol-pass"}})
	o := newOurs(t, em.URL)
	if err := o.c.DeleteCredential(ctx(t), o.a, d, "carol@"+d); err != nil {
		t.Fatalf("DeleteCredential, emulator: %v", err)
	}
	if creds := emDomain(t, em, d).Credentials; len(creds) != 1 || creds["alice@"+d] == "" {
		t.Errorf("after deleting carol the emulator holds %v, want alice only", creds)
	}

	// The mock seeds alice and bob.
	m := newMock(t)
	om := newOurs(t, m.URL())
	if err := om.c.DeleteCredential(ctx(t), om.a, mockSeedDomain, "bob"); err != nil {
		t.Fatalf("DeleteCredential, mock: %v", err)
	}
	page, err := om.c.ListCredentials(ctx(t), om.a, mockSeedDomain, mailgun.ListOptions{})
	if err != nil {
		t.Fatalf("ListCredentials, mock: %v", err)
	}
	var logins []string
	for _, c := range page.Items {
		logins = append(logins, c.Login)
	}
	if !slices.Equal(logins, []string{"bob"}) {
		t.Errorf("tripwire: after deleting bob the mock holds %q (it used to remove alice instead)", logins)
	}
}
