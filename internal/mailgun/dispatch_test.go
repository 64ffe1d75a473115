package mailgun

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestOpTable: every operation has a name, a method, a path starting with
// a version, and is retried exactly when it is not a POST.
func TestOpTable(t *testing.T) {
	names := map[string]bool{}
	for _, op := range Operations() {
		sp := opTable[op]
		name := op.String()
		if name == "" || names[name] || strings.HasPrefix(name, "Operation(") {
			t.Errorf("op %d: bad or duplicate name %q", op, name)
		}
		names[name] = true
		switch sp.method {
		case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete:
		default:
			t.Errorf("%s: method %q", name, sp.method)
		}
		// UpdateCredential: a PUT that may refuse to repeat itself (dispatch.go).
		// AddMembers: a POST that is an upsert, safe to repeat (dispatch.go).
		if sp.idempotent != ((sp.method != http.MethodPost || op == OpAddMembers) && op != OpUpdateCredential) || op.Idempotent() != sp.idempotent {
			t.Errorf("%s: idempotent = %v for %s", name, sp.idempotent, sp.method)
		}
		if !strings.HasPrefix(sp.lit[0], "/v3/") && !strings.HasPrefix(sp.lit[0], "/v4/") {
			t.Errorf("%s: path %q has no API version", name, sp.lit[0])
		}
		if sp.list && sp.method != http.MethodGet {
			t.Errorf("%s: list query on %s", name, sp.method)
		}
		for i := int(sp.nseg) + 1; i < len(sp.lit); i++ {
			if sp.lit[i] != "" {
				t.Errorf("%s: literal %d %q after its last segment", name, i, sp.lit[i])
			}
		}
	}
	if Operation(numOperations).String() != "Operation(42)" || Operation(numOperations).Method() != "" || Operation(200).Idempotent() {
		t.Error("out-of-range operations must be harmless")
	}
}

// TestAppendPath pins the exact paths docs/mailgun-api.md records.
func TestAppendPath(t *testing.T) {
	cases := []struct {
		op           Operation
		reason       string
		seg1, seg2   string
		list         ListOptions
		method, want string
	}{
		{OpListDomains, "v4 list with both paging values", "", "", ListOptions{Skip: 3, Limit: 1000}, "GET", "/v4/domains?limit=1000&skip=3"},
		{OpListDomains, "skip alone has no leading '&'", "", "", ListOptions{Skip: 3}, "GET", "/v4/domains?skip=3"},
		{OpCreateDomain, "v4 create", "", "", ListOptions{}, "POST", "/v4/domains"},
		{OpGetDomain, "v4 get", "example.com", "", ListOptions{}, "GET", "/v4/domains/example.com"},
		{OpUpdateDomain, "v4 update", "example.com", "", ListOptions{}, "PUT", "/v4/domains/example.com"},
		{OpVerifyDomain, "v4 verify", "example.com", "", ListOptions{}, "PUT", "/v4/domains/example.com/verify"},
		{OpDeleteDomain, "delete is v3", "example.com", "", ListOptions{}, "DELETE", "/v3/domains/example.com"},
		{OpGetTracking, "tracking read", "example.com", "", ListOptions{}, "GET", "/v3/domains/example.com/tracking"},
		{OpSetClickTracking, "click", "example.com", "", ListOptions{}, "PUT", "/v3/domains/example.com/tracking/click"},
		{OpSetOpenTracking, "open", "example.com", "", ListOptions{}, "PUT", "/v3/domains/example.com/tracking/open"},
		{OpSetUnsubscribeTracking, "unsubscribe", "example.com", "", ListOptions{}, "PUT", "/v3/domains/example.com/tracking/unsubscribe"},
		{OpSetDKIMSelector, "selector", "example.com", "", ListOptions{}, "PUT", "/v3/domains/example.com/dkim_selector"},
		{OpSetDKIMAuthority, "authority", "example.com", "", ListOptions{}, "PUT", "/v3/domains/example.com/dkim_authority"},
		{OpListWebhooks, "webhooks list", "example.com", "", ListOptions{}, "GET", "/v3/domains/example.com/webhooks"},
		{OpCreateWebhook, "webhooks create posts to the list", "example.com", "", ListOptions{}, "POST", "/v3/domains/example.com/webhooks"},
		{OpGetWebhook, "by event", "example.com", "delivered", ListOptions{}, "GET", "/v3/domains/example.com/webhooks/delivered"},
		{OpUpdateWebhook, "by event", "example.com", "opened", ListOptions{}, "PUT", "/v3/domains/example.com/webhooks/opened"},
		{OpDeleteWebhook, "by event", "example.com", "clicked", ListOptions{}, "DELETE", "/v3/domains/example.com/webhooks/clicked"},
		{OpCreateRoute, "account-wide", "", "", ListOptions{}, "POST", "/v3/routes"},
		{OpListRoutes, "paged", "", "", ListOptions{Limit: 100}, "GET", "/v3/routes?limit=100"},
		{OpGetRoute, "by id", "4f3b", "", ListOptions{}, "GET", "/v3/routes/4f3b"},
		{OpUpdateRoute, "by id", "4f3b", "", ListOptions{}, "PUT", "/v3/routes/4f3b"},
		{OpDeleteRoute, "by id", "4f3b", "", ListOptions{}, "DELETE", "/v3/routes/4f3b"},
		{OpListCredentials, "paged per domain", "example.com", "", ListOptions{Skip: 1, Limit: 2}, "GET", "/v3/domains/example.com/credentials?limit=2&skip=1"},
		{OpCreateCredential, "per domain", "example.com", "", ListOptions{}, "POST", "/v3/domains/example.com/credentials"},
		{OpUpdateCredential, "by login", "example.com", "a@example.com", ListOptions{}, "PUT", "/v3/domains/example.com/credentials/a@example.com"},
		{OpDeleteCredential, "by login, escaped", "example.com", "a/b", ListOptions{}, "DELETE", "/v3/domains/example.com/credentials/a%2Fb"},
		{OpGetDomain, "extra segments are ignored", "example.com", "ignored", ListOptions{Limit: 5}, "GET", "/v4/domains/example.com"},
		{OpCreateTemplate, "under /v3/{domain}, no domains/", "example.com", "", ListOptions{}, "POST", "/v3/example.com/templates"},
		{OpGetTemplate, "by name", "example.com", "welcome", ListOptions{}, "GET", "/v3/example.com/templates/welcome"},
		{OpUpdateTemplate, "by name", "example.com", "welcome", ListOptions{}, "PUT", "/v3/example.com/templates/welcome"},
		{OpDeleteTemplate, "by name", "example.com", "welcome", ListOptions{}, "DELETE", "/v3/example.com/templates/welcome"},
		{OpListTemplateVersions, "one page of 100", "example.com", "welcome", ListOptions{Limit: 100}, "GET", "/v3/example.com/templates/welcome/versions?limit=100"},
		{OpCreateTemplateVersion, "posts to the list", "example.com", "welcome", ListOptions{}, "POST", "/v3/example.com/templates/welcome/versions"},
		{OpGetTemplateVersion, "three segments", "example.com", "welcome", ListOptions{}, "GET", "/v3/example.com/templates/welcome/versions/v1"},
		{OpUpdateTemplateVersion, "three segments", "example.com", "welcome", ListOptions{}, "PUT", "/v3/example.com/templates/welcome/versions/v1"},
		{OpDeleteTemplateVersion, "three segments", "example.com", "welcome", ListOptions{}, "DELETE", "/v3/example.com/templates/welcome/versions/v1"},
		{OpCreateList, "account-wide", "", "", ListOptions{}, "POST", "/v3/lists"},
		{OpGetList, "by address", "devs@example.com", "", ListOptions{}, "GET", "/v3/lists/devs@example.com"},
		{OpUpdateList, "by address", "devs@example.com", "", ListOptions{}, "PUT", "/v3/lists/devs@example.com"},
		{OpDeleteList, "by address", "devs@example.com", "", ListOptions{}, "DELETE", "/v3/lists/devs@example.com"},
		{OpListMembers, "cursor pages (query added by the call)", "devs@example.com", "", ListOptions{}, "GET", "/v3/lists/devs@example.com/members/pages"},
		{OpAddMembers, "bulk, JSON in a form field", "devs@example.com", "", ListOptions{}, "POST", "/v3/lists/devs@example.com/members.json"},
		{OpDeleteMember, "by member address", "devs@example.com", "a@example.com", ListOptions{}, "DELETE", "/v3/lists/devs@example.com/members/a@example.com"},
	}
	seen := map[Operation]bool{}
	for _, tc := range cases {
		seen[tc.op] = true
		// The third segment of the version rows is always "v1" here.
		b := appendPath3(nil, tc.op, tc.seg1, tc.seg2, "v1")
		if sp := opTable[tc.op]; sp.list {
			if q := appendListQuery(nil, tc.list); len(q) > 0 {
				b = append(append(b, '?'), q...)
			}
		}
		if got := string(b); got != tc.want || tc.op.Method() != tc.method {
			t.Errorf("%s (%s): %s %s, want %s %s", tc.op, tc.reason, tc.op.Method(), got, tc.method, tc.want)
		}
	}
	for _, op := range Operations() {
		if !seen[op] {
			t.Errorf("%s has no path case", op)
		}
	}
}

// TestAppendPathSegment compares with url.PathEscape on tricky inputs.
func TestAppendPathSegment(t *testing.T) {
	cases := []struct{ in, reason string }{
		{"example.com", "plain domain needs nothing"},
		{"a/b?c", "slash and query"},
		{"x#y%z", "fragment and percent"},
		{"alice@example.com", "@ stays, like PathEscape"},
		{"$&+,:;=@ !\"'()*", "every sub-delim"},
		{"\x00\x7f\xff", "control and high bytes"},
		{"bücher", "UTF-8"},
		{"", "empty"},
	}
	for _, tc := range cases {
		got := string(appendPathSegment(nil, tc.in))
		if want := url.PathEscape(tc.in); got != want {
			t.Errorf("%q (%s): %q, want url.PathEscape's %q", tc.in, tc.reason, got, want)
		}
	}
}

func TestValidSegment(t *testing.T) {
	cases := []struct {
		in, reason string
		want       bool
	}{
		{"", "empty would address the collection", false},
		{".", "dot segment is normalised away", false},
		{"..", "dot-dot climbs a level", false},
		{"...", "three dots are a name", true},
		{".hidden", "a leading dot is fine", true},
		{"example.com", "a domain", true},
	}
	for _, tc := range cases {
		if got := validSegment(tc.in); got != tc.want {
			t.Errorf("%q (%s): %v", tc.in, tc.reason, got)
		}
	}
}
