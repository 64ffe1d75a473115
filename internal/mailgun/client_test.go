package mailgun_test

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/mailgun-operator/mailgun-operator/internal/mailgun"
)

var (
	wantDomain = mailgun.Domain{
		ID: "5f8d2f1e0a4b3c0001a1b2c3", Name: "example.com", State: "unverified", Type: "custom",
		SMTPLogin: "postmaster@example.com", SpamAction: "disabled", WebPrefix: "email", WebScheme: "https",
		TrackingHost: "email.example.com", RequireTLS: true, UseAutomaticSenderSecurity: true,
		MessageTTL: 259200, CreatedAt: "Mon, 19 Oct 2020 06:12:14 GMT",
	}
	wantInfo = mailgun.DomainInfo{
		Domain: wantDomain,
		SendingDNSRecords: []mailgun.DNSRecord{
			{RecordType: "TXT", Name: "example.com", Value: "v=spf1 include:mailgun.org ~all", Valid: "unknown", IsActive: true},
			{RecordType: "TXT", Name: "mx._domainkey.example.com", Value: "k=rsa; p=MIGf", Valid: "unknown", IsActive: true},
			{RecordType: "CNAME", Name: "email.example.com", Value: "mailgun.org", Valid: "unknown"},
		},
		ReceivingDNSRecords: []mailgun.DNSRecord{
			{RecordType: "MX", Name: "example.com", Value: "mxa.mailgun.org", Priority: "10", Valid: "valid", IsActive: true},
			{RecordType: "MX", Name: "example.com", Value: "mxb.mailgun.org", Priority: "10", Valid: "invalid", IsActive: true},
		},
	}
	wantRoute = mailgun.Route{
		ID: "4f3bad2335335426750048c6", Priority: 10, Description: "owner=2f0c1c3e-uid",
		Expression: `match_recipient(".*@example.com")`,
		Actions:    []string{`forward("https://in.example.com/mail")`, "stop()"},
		CreatedAt:  "Wed, 15 Feb 2012 13:03:31 GMT",
	}
)

// TestOperations runs every operation against a server answering in
// Mailgun's shapes and checks the request on the wire (method, raw URI,
// exact form body) and the decoded result.
func TestOperations(t *testing.T) {
	type result = any
	cases := []struct {
		name, reason string
		call         func(context.Context, *mailgun.Client, mailgun.Account) (result, error)
		ans          answer
		method, uri  string
		body         string // exact form body; "" for none
		multipart    bool   // body is sent as multipart/form-data; its fields, in order, urlencoded, must equal body
		want         result
	}{
		{
			name: "AddMembers multipart", reason: "the bulk upload is multipart/form-data, as the SDK's CreateMemberList sends it",
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (result, error) {
				return nil, c.AddMembers(ctx, a, "devs@example.com", []mailgun.Member{{Address: "ann@example.com", Name: "Ann", Subscribed: false}})
			},
			ans:    answer{body: `{"message": "Mailing list has been updated", "list": {"address": "devs@example.com"}}`},
			method: "POST", uri: "/v3/lists/devs@example.com/members.json", multipart: true,
			body: "upsert=yes&members=%5B%7B%22address%22%3A%22ann%40example.com%22%2C%22name%22%3A%22Ann%22%2C%22subscribed%22%3Afalse%7D%5D",
		},
		{
			name: "ListDomains paged", reason: "skip/limit go in the query, items decode without records",
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (result, error) {
				return c.ListDomains(ctx, a, mailgun.ListOptions{Skip: 10, Limit: 5})
			},
			ans:    answer{body: listDomainsJSON},
			method: "GET", uri: "/v4/domains?limit=5&skip=10",
			want: mailgun.DomainPage{TotalCount: 2, Items: []mailgun.Domain{wantDomain, {ID: "2", Name: "b.example.com", State: "active", Wildcard: true, MessageTTL: 60}}},
		},
		{
			name: "ListDomains defaults", reason: "zero ListOptions send no query so Mailgun's defaults apply",
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (result, error) {
				return c.ListDomains(ctx, a, mailgun.ListOptions{})
			},
			ans:    answer{body: `{"total_count": 0, "items": []}`},
			method: "GET", uri: "/v4/domains",
			want: mailgun.DomainPage{Items: []mailgun.Domain{}},
		},
		{
			name: "CreateDomain all fields", reason: "every set field is sent once, booleans as true/false, 201 is success",
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (result, error) {
				return c.CreateDomain(ctx, a, mailgun.CreateDomainRequest{
					Name: "example.com", SMTPPassword: "s3cret pw&x", SpamAction: "tag", DKIMSelector: "mg",
					WebScheme: "https", WebPrefix: "track", Wildcard: ptr(true), ForceDKIMAuthority: ptr(false),
					UseAutomaticSenderSecurity: ptr(true), RequireTLS: ptr(true), SkipVerification: ptr(false), DKIMKeySize: 2048,
				})
			},
			ans:    answer{status: 201, body: createDomainJSON},
			method: "POST", uri: "/v4/domains", multipart: true,
			body: "name=example.com&smtp_password=s3cret+pw%26x&spam_action=tag&dkim_selector=mg&web_scheme=https&web_prefix=track" +
				"&wildcard=true&force_dkim_authority=false&use_automatic_sender_security=true&require_tls=true&skip_verification=false&dkim_key_size=2048",
			want: wantInfo,
		},
		{
			name: "CreateDomain minimal", reason: "unset fields are not sent",
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (result, error) {
				return c.CreateDomain(ctx, a, mailgun.CreateDomainRequest{Name: "example.com"})
			},
			ans:    answer{body: createDomainJSON},
			method: "POST", uri: "/v4/domains", body: "name=example.com", multipart: true,
			want: wantInfo,
		},
		{
			name: "GetDomain", reason: "v4 path, domain and both record lists decoded, priority kept as a string",
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (result, error) {
				return c.GetDomain(ctx, a, "example.com")
			},
			ans:    answer{body: getDomainJSON},
			method: "GET", uri: "/v4/domains/example.com",
			want: wantInfo,
		},
		{
			name: "UpdateDomain subset", reason: "only non-nil fields are sent",
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (result, error) {
				return nil, c.UpdateDomain(ctx, a, "example.com", mailgun.UpdateDomainRequest{
					SpamAction: ptr("block"), WebScheme: ptr("http"), Wildcard: ptr(true), RequireTLS: ptr(false),
				})
			},
			ans:    answer{body: `{"message": "Domain has been updated"}`},
			method: "PUT", uri: "/v4/domains/example.com", multipart: true,
			body: "spam_action=block&web_scheme=http&wildcard=true&require_tls=false",
		},
		{
			name: "VerifyDomain", reason: "PUT on /verify answers like get",
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (result, error) {
				return c.VerifyDomain(ctx, a, "example.com")
			},
			ans:    answer{body: `{"message": "Domain DNS records have been updated", "domain": ` + domainJSON + `,` + recordsJSON + `}`},
			method: "PUT", uri: "/v4/domains/example.com/verify",
			want: wantInfo,
		},
		{
			name: "DeleteDomain", reason: "delete is the v3 endpoint",
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (result, error) {
				return nil, c.DeleteDomain(ctx, a, "example.com")
			},
			ans:    answer{body: `{"message": "Domain will be deleted in the background"}`},
			method: "DELETE", uri: "/v3/domains/example.com",
		},
		{
			name: "GetTracking booleans", reason: "reads are booleans; footers decoded",
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (result, error) {
				return c.GetTracking(ctx, a, "example.com")
			},
			ans:    answer{body: trackingJSON},
			method: "GET", uri: "/v3/domains/example.com/tracking",
			want: mailgun.Tracking{Click: true, Unsubscribe: true,
				UnsubscribeHTMLFooter: `<p>Unsubscribe: <a href="%unsubscribe_url%">here</a></p>`, UnsubscribeTextFooter: "Unsubscribe: %unsubscribe_url%"},
		},
		{
			name: "GetTracking htmlonly", reason: `click.active may be the string "htmlonly": on and HTML only`,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (result, error) {
				return c.GetTracking(ctx, a, "example.com")
			},
			ans:    answer{body: trackingHTMLOnlyJSON},
			method: "GET", uri: "/v3/domains/example.com/tracking",
			want: mailgun.Tracking{Click: true, ClickHTMLOnly: true, Open: true},
		},
		{
			name: "SetClickTracking on", reason: "writes are yes/no strings",
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (result, error) {
				return nil, c.SetClickTracking(ctx, a, "example.com", true, false)
			},
			method: "PUT", uri: "/v3/domains/example.com/tracking/click", body: "active=yes",
		},
		{
			name: "SetClickTracking htmlonly", reason: "htmlOnly wins and is sent as active=htmlonly",
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (result, error) {
				return nil, c.SetClickTracking(ctx, a, "example.com", false, true)
			},
			method: "PUT", uri: "/v3/domains/example.com/tracking/click", body: "active=htmlonly",
		},
		{
			name: "SetOpenTracking off", reason: "false is sent as no",
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (result, error) {
				return nil, c.SetOpenTracking(ctx, a, "example.com", false)
			},
			method: "PUT", uri: "/v3/domains/example.com/tracking/open", body: "active=no",
		},
		{
			name: "SetUnsubscribeTracking", reason: "footers are form-escaped, empty ones sent too",
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (result, error) {
				return nil, c.SetUnsubscribeTracking(ctx, a, "example.com", true, `<a href="%unsubscribe_url%">x</a>`, "")
			},
			method: "PUT", uri: "/v3/domains/example.com/tracking/unsubscribe",
			body: "active=yes&html_footer=%3Ca+href%3D%22%25unsubscribe_url%25%22%3Ex%3C%2Fa%3E&text_footer=",
		},
		{
			name: "SetDKIMSelector", reason: "v3 dkim_selector endpoint",
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (result, error) {
				return nil, c.SetDKIMSelector(ctx, a, "example.com", "mg2025")
			},
			method: "PUT", uri: "/v3/domains/example.com/dkim_selector", body: "dkim_selector=mg2025",
		},
		{
			name: "SetDKIMAuthority", reason: "self=true|false",
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (result, error) {
				return nil, c.SetDKIMAuthority(ctx, a, "example.com", true)
			},
			method: "PUT", uri: "/v3/domains/example.com/dkim_authority", body: "self=true",
		},
		{
			name: "ListWebhooks", reason: "urls lists and the legacy single url both decode; empty lists stay empty",
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (result, error) {
				return c.ListWebhooks(ctx, a, "example.com")
			},
			ans:    answer{body: listWebhooksJSON},
			method: "GET", uri: "/v3/domains/example.com/webhooks",
			want: mailgun.Webhooks{
				mailgun.EventDelivered:     {"https://hooks.example.com/delivered", "https://backup.example.com/d"},
				mailgun.EventOpened:        {"https://hooks.example.com/opened"},
				mailgun.EventPermanentFail: {"https://hooks.example.com/fail"},
			},
		},
		{
			name: "CreateWebhook", reason: "id=<event> and url repeated, never comma-joined",
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (result, error) {
				return nil, c.CreateWebhook(ctx, a, "example.com", mailgun.EventPermanentFail,
					[]string{"https://a.example/h", "https://b.example/h?x=1&y=2"})
			},
			ans:    answer{body: `{"message": "Webhook has been created", "webhook": {"urls": ["https://a.example/h"]}}`},
			method: "POST", uri: "/v3/domains/example.com/webhooks",
			body: "id=permanent_fail&url=https%3A%2F%2Fa.example%2Fh&url=https%3A%2F%2Fb.example%2Fh%3Fx%3D1%26y%3D2",
		},
		{
			name: "GetWebhook", reason: "three URLs",
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (result, error) {
				return c.GetWebhook(ctx, a, "example.com", mailgun.EventDelivered)
			},
			ans:    answer{body: getWebhookJSON},
			method: "GET", uri: "/v3/domains/example.com/webhooks/delivered",
			want: []string{"https://hooks.example.com/a", "https://hooks.example.com/b", "https://hooks.example.com/c"},
		},
		{
			name: "GetWebhook legacy url", reason: "old answers carry a single url",
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (result, error) {
				return c.GetWebhook(ctx, a, "example.com", mailgun.EventTemporaryFail)
			},
			ans:    answer{body: getWebhookLegacyJSON},
			method: "GET", uri: "/v3/domains/example.com/webhooks/temporary_fail",
			want: []string{"https://hooks.example.com/legacy"},
		},
		{
			name: "UpdateWebhook", reason: "PUT replaces the list: url repeated",
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (result, error) {
				return nil, c.UpdateWebhook(ctx, a, "example.com", mailgun.EventDelivered, []string{"https://a.example/1", "https://a.example/2"})
			},
			method: "PUT", uri: "/v3/domains/example.com/webhooks/delivered",
			body: "url=https%3A%2F%2Fa.example%2F1&url=https%3A%2F%2Fa.example%2F2",
		},
		{
			name: "DeleteWebhook", reason: "identity is (domain, event)",
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (result, error) {
				return nil, c.DeleteWebhook(ctx, a, "example.com", mailgun.EventComplained)
			},
			method: "DELETE", uri: "/v3/domains/example.com/webhooks/complained",
		},
		{
			name: "CreateRoute", reason: "action repeated in order; answer actions are strings; the id is read",
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (result, error) {
				return c.CreateRoute(ctx, a, mailgun.RouteRequest{
					Priority: ptr(10), Description: ptr("owner=2f0c1c3e-uid"), Expression: ptr(`match_recipient(".*@example.com")`),
					Actions: []string{`forward("https://in.example.com/mail")`, "stop()"},
				})
			},
			ans:    answer{body: createRouteJSON},
			method: "POST", uri: "/v3/routes",
			body: "priority=10&description=owner%3D2f0c1c3e-uid&expression=match_recipient%28%22.%2A%40example.com%22%29" +
				"&action=forward%28%22https%3A%2F%2Fin.example.com%2Fmail%22%29&action=stop%28%29",
			want: wantRoute,
		},
		{
			name: "ListRoutes", reason: "account-wide list with limit",
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (result, error) {
				return c.ListRoutes(ctx, a, mailgun.ListOptions{Limit: 2})
			},
			ans:    answer{body: listRoutesJSON},
			method: "GET", uri: "/v3/routes?limit=2",
			want: mailgun.RoutePage{TotalCount: 1, Items: []mailgun.Route{wantRoute}},
		},
		{
			name: "GetRoute", reason: `{"route": {...}}`,
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (result, error) {
				return c.GetRoute(ctx, a, "4f3bad2335335426750048c6")
			},
			ans:    answer{body: getRouteJSON},
			method: "GET", uri: "/v3/routes/4f3bad2335335426750048c6",
			want: wantRoute,
		},
		{
			name: "UpdateRoute top-level answer", reason: "Mailgun's PUT answers the route fields next to message",
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (result, error) {
				return c.UpdateRoute(ctx, a, "4f3bad2335335426750048c6", mailgun.RouteRequest{
					Priority: ptr(2), Description: ptr("new"), Expression: ptr("catch_all()"), Actions: []string{"store()"},
				})
			},
			ans:    answer{body: updateRouteTopLevelJSON},
			method: "PUT", uri: "/v3/routes/4f3bad2335335426750048c6",
			body: "priority=2&description=new&expression=catch_all%28%29&action=store%28%29",
			want: mailgun.Route{ID: "4f3bad2335335426750048c6", Priority: 2, Description: "new", Expression: "catch_all()",
				Actions: []string{"store()"}, CreatedAt: "Wed, 15 Feb 2012 13:03:31 GMT"},
		},
		{
			name: "UpdateRoute partial, route answer", reason: "only set fields are sent; a {route} answer decodes too",
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (result, error) {
				return c.UpdateRoute(ctx, a, "4f3bad2335335426750048c6", mailgun.RouteRequest{Priority: ptr(0)})
			},
			ans:    answer{body: getRouteJSON},
			method: "PUT", uri: "/v3/routes/4f3bad2335335426750048c6", body: "priority=0",
			want: wantRoute,
		},
		{
			name: "DeleteRoute", reason: "DELETE by id",
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (result, error) {
				return nil, c.DeleteRoute(ctx, a, "4f3bad2335335426750048c6")
			},
			method: "DELETE", uri: "/v3/routes/4f3bad2335335426750048c6",
		},
		{
			name: "ListCredentials", reason: "paged per domain; only login and created_at kept",
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (result, error) {
				return c.ListCredentials(ctx, a, "example.com", mailgun.ListOptions{Skip: 20, Limit: 10})
			},
			ans:    answer{body: listCredentialsJSON},
			method: "GET", uri: "/v3/domains/example.com/credentials?limit=10&skip=20",
			want: mailgun.CredentialPage{TotalCount: 2, Items: []mailgun.Credential{
				{Login: "alice@example.com", CreatedAt: "Tue, 27 Sep 2011 20:24:22 GMT"},
				{Login: "bob@example.com", CreatedAt: "Wed, 28 Sep 2011 20:24:22 GMT"},
			}},
		},
		{
			name: "CreateCredential", reason: "login and password form fields",
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (result, error) {
				return nil, c.CreateCredential(ctx, a, "example.com", "alice@example.com", "p@ss w0rd")
			},
			method: "POST", uri: "/v3/domains/example.com/credentials",
			body: "login=alice%40example.com&password=p%40ss+w0rd",
		},
		{
			name: "UpdateCredential", reason: "login in the path ('@' stays, as url.PathEscape leaves it)",
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (result, error) {
				return nil, c.UpdateCredential(ctx, a, "example.com", "alice@example.com", "n3w-pass")
			},
			method: "PUT", uri: "/v3/domains/example.com/credentials/alice@example.com", body: "password=n3w-pass",
		},
		{
			name: "DeleteCredential", reason: "DELETE by login",
			call: func(ctx context.Context, c *mailgun.Client, a mailgun.Account) (result, error) {
				return nil, c.DeleteCredential(ctx, a, "example.com", "alice@example.com")
			},
			method: "DELETE", uri: "/v3/domains/example.com/credentials/alice@example.com",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ans := tc.ans
			if ans.body == "" {
				ans.body = `{"message": "ok"}`
			}
			c, a, rp := newReplay(t, testOptions(), ans)
			got, err := tc.call(context.Background(), c, a)
			if err != nil {
				t.Fatalf("%s: unexpected error: %v", tc.reason, err)
			}
			reqs := rp.requests()
			if len(reqs) != 1 {
				t.Fatalf("%s: %d requests, want 1", tc.reason, len(reqs))
			}
			r := reqs[0]
			if r.Method != tc.method || r.URI != tc.uri {
				t.Errorf("%s: request %s %s, want %s %s", tc.reason, r.Method, r.URI, tc.method, tc.uri)
			}
			body, ctype := r.Body, r.ContentType
			if tc.multipart {
				body, ctype = multipartFields(t, r.ContentType, r.Body), "multipart/form-data"
			} else if tc.body != "" {
				ctype = strings.SplitN(ctype, ";", 2)[0]
			}
			if body != tc.body {
				t.Errorf("%s: body\n got %q\nwant %q", tc.reason, body, tc.body)
			}
			wantCT := "application/x-www-form-urlencoded"
			if tc.multipart {
				wantCT = "multipart/form-data"
			}
			if tc.body != "" && ctype != wantCT {
				t.Errorf("%s: Content-Type %q, want %q", tc.reason, r.ContentType, wantCT)
			}
			if r.Auth != basicAuth(testKey) {
				t.Errorf("%s: Authorization header is not Basic api:<key>", tc.reason)
			}
			if tc.want != nil && !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%s: result\n got %+v\nwant %+v", tc.reason, got, tc.want)
			}
		})
	}
}

// TestRetryAfterMalformedAnswer: a read whose first answer is cut short (a
// 200 with part of a JSON value) is retried, and the call returns exactly
// the second answer. The decoder writes fields as it goes, so nothing of
// the failed attempt may survive into the retry (each decode starts from
// the zero value; an earlier decoder leaked fields and panicked here).
func TestRetryAfterMalformedAnswer(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name          string
		first, second string
		call          func(*mailgun.Client, mailgun.Account) (any, error)
		want          any
	}{
		{
			name:   "GetDomain",
			first:  `{"domain": {"name": "example.com", "smtp_login": "postmaster@example.com", "wildcard": true, "state": "disabled"`,
			second: `{"domain": {"state": "active"}}`,
			call: func(c *mailgun.Client, a mailgun.Account) (any, error) {
				info, err := c.GetDomain(ctx, a, "example.com")
				return info, err
			},
			want: mailgun.DomainInfo{Domain: mailgun.Domain{State: "active"}},
		},
		{
			name:   "ListWebhooks",
			first:  `{"webhooks": {"opened": {"urls": ["https://aaaaaaaaaaaa.example/x", "https://b.example/y"]}, "clicked": `,
			second: `{"webhooks": {"delivered": {"urls": ["u"]}}}`,
			call: func(c *mailgun.Client, a mailgun.Account) (any, error) {
				w, err := c.ListWebhooks(ctx, a, "example.com")
				return w, err
			},
			want: func() (w mailgun.Webhooks) { w[mailgun.EventDelivered] = []string{"u"}; return w }(),
		},
		{
			name:   "ListRoutes",
			first:  `{"total_count": 7, "items": [{"id": "r1", "actions": ["forward(\"x\")"], "description": "long description"}, {"id": `,
			second: `{"items": [{"id": "r2"}]}`,
			call: func(c *mailgun.Client, a mailgun.Account) (any, error) {
				p, err := c.ListRoutes(ctx, a, mailgun.ListOptions{})
				return p, err
			},
			want: mailgun.RoutePage{Items: []mailgun.Route{{ID: "r2"}}},
		},
		{
			name:   "GetRoute",
			first:  `{"route": {"id": "r1", "priority": 3, "actions": ["stop()"], "description": "d", "expression": "x"`,
			second: `{"route": {"id": "r1", "expression": "y"}}`,
			call: func(c *mailgun.Client, a mailgun.Account) (any, error) {
				r, err := c.GetRoute(ctx, a, "r1")
				return r, err
			},
			want: mailgun.Route{ID: "r1", Expression: "y"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, a, rp := newReplay(t, testOptions(), answer{body: tc.first}, answer{body: tc.second})
			got, err := tc.call(c, a)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
			if n := len(rp.requests()); n != 2 {
				t.Errorf("%d requests, want 2 (one retry)", n)
			}
		})
	}
}

// multipartFields reads a multipart/form-data body and returns its fields in
// order, urlencoded, so a case can state the expected fields as one string.
// It fails the test if the body is not multipart or a part is not a plain
// form field.
func multipartFields(t *testing.T, contentType, body string) string {
	t.Helper()
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		t.Fatalf("Content-Type %q is not multipart/form-data with a boundary", contentType)
	}
	mr := multipart.NewReader(strings.NewReader(body), params["boundary"])
	var pairs []string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("multipart body: %v", err)
		}
		if p.FileName() != "" {
			t.Fatalf("part %q is a file, want a form field", p.FormName())
		}
		v, err := io.ReadAll(p)
		if err != nil {
			t.Fatal(err)
		}
		pairs = append(pairs, url.QueryEscape(p.FormName())+"="+url.QueryEscape(string(v)))
	}
	return strings.Join(pairs, "&")
}

// TestRedirectNeverFollowed: an answer that redirects to another host (a
// compromised or misconfigured apiBaseURL, a proxy) is not followed, so
// the API key never reaches that host and the allowed-hosts check cannot
// be bypassed; the call fails at once with ErrInvalid (not retried, even
// for a read) and says where the redirect pointed.
func TestRedirectNeverFollowed(t *testing.T) {
	ctx := context.Background()
	elsewhere := &replay{}
	other := httptest.NewServer(elsewhere)
	t.Cleanup(other.Close)
	for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			c, a, rp := newReplay(t, testOptions(), answer{status: status, header: map[string]string{"Location": other.URL + "/v4/domains/example.com"}})
			for name, call := range map[string]func() error{
				"GetDomain (idempotent)": func() error { _, err := c.GetDomain(ctx, a, "example.com"); return err },
				"CreateRoute":            func() error { _, err := c.CreateRoute(ctx, a, mailgun.RouteRequest{Expression: ptr("x")}); return err },
			} {
				before := len(rp.requests())
				err := call()
				if !errors.Is(err, mailgun.ErrInvalid) {
					t.Fatalf("%s: error %v, want ErrInvalid", name, err)
				}
				if !strings.Contains(err.Error(), "never followed") || !strings.Contains(err.Error(), other.URL) {
					t.Errorf("%s: error %q does not say the redirect to %s was not followed", name, err, other.URL)
				}
				if n := len(rp.requests()) - before; n != 1 {
					t.Errorf("%s: %d requests to the account's host, want 1 (a redirect is not retried)", name, n)
				}
			}
			if n := len(elsewhere.requests()); n != 0 {
				t.Fatalf("the redirect target got %d requests (the API key went with them)", n)
			}
		})
	}
}
