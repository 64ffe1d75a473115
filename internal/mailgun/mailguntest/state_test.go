package mailguntest

import (
	"net/http/httptest"
	"reflect"
	"testing"
	"time"
)

func TestStateAccessorsReturnCopies(t *testing.T) {
	s := newTestServer(t)
	creds := map[string]string{"a@example.com": "apass"}
	s.PutDomain(Domain{Name: "example.com", Credentials: creds})
	creds["b@example.com"] = "bpass" // the caller's map is not kept

	d, _ := s.Domain("example.com")
	d.Credentials["c@example.com"] = "cpass"
	d.State = "active"
	all := s.Domains()
	all[0].Credentials["d@example.com"] = "dpass"
	if got, _ := s.Domain("example.com"); !reflect.DeepEqual(got.Credentials, map[string]string{"a@example.com": "apass"}) || got.State != "unverified" {
		t.Errorf("state changed through a copy: %+v", got)
	}

	urls := []string{"https://a.example/"}
	s.PutWebhook("example.com", "delivered", urls)
	urls[0] = "https://changed.example/"
	hooks := s.Webhooks("example.com")
	hooks["delivered"][0] = "https://changed.example/"
	hooks["opened"] = []string{"x"}
	if got := s.Webhooks("example.com"); !reflect.DeepEqual(got, map[string][]string{"delivered": {"https://a.example/"}}) {
		t.Errorf("webhooks changed through a copy: %v", got)
	}

	actions := []string{"stop()"}
	id := s.PutRoute(Route{Expression: "catch_all()", Actions: actions})
	actions[0] = "changed"
	rs := s.Routes()
	rs[0].Actions[0] = "changed"
	if got := s.Routes(); got[0].Actions[0] != "stop()" || got[0].ID != id {
		t.Errorf("route changed through a copy: %+v", got[0])
	}
}

func TestPutDomain(t *testing.T) {
	s := newTestServer(t)
	s.PutDomain(Domain{Name: "example.com"})
	d, ok := s.Domain("example.com")
	want := Domain{Name: "example.com", State: "unverified", SpamAction: "disabled", WebScheme: "http", WebPrefix: "email",
		SMTPLogin: "postmaster@example.com", DKIMSelector: "mx", DKIMKeySize: 1024, MessageTTL: 259200,
		Credentials: map[string]string{}, ID: d.ID, CreatedAt: fixedNow}
	if !ok || !reflect.DeepEqual(d, want) || !idRE.MatchString(d.ID) {
		t.Errorf("defaults\n got %+v\nwant %+v", d, want)
	}

	s.PutWebhook("example.com", "delivered", []string{"https://a.example/"})
	s.PutDomain(Domain{Name: "example.com", SpamAction: "tag", State: "active"})
	d2, _ := s.Domain("example.com")
	if d2.ID != d.ID || !d2.CreatedAt.Equal(d.CreatedAt) || d2.SpamAction != "tag" {
		t.Errorf("replace lost id or creation time: %+v", d2)
	}
	if len(s.Webhooks("example.com")) != 1 {
		t.Error("replace dropped webhooks")
	}
	r := send(t, s, call{method: "GET", path: "/v4/domains/example.com"})
	checkJSON(t, "an active PutDomain reads active with valid records", r.body,
		info("", domainObj("example.com", "active", map[string]any{"spam_action": "tag"}), "valid", false))

	if len(s.Domains()) != 1 {
		t.Errorf("replace duplicated the domain in the list")
	}
	s.DeleteDomainState("example.com")
	if _, ok := s.Domain("example.com"); ok || len(s.Webhooks("example.com")) != 0 {
		t.Error("DeleteDomainState left state behind")
	}

	defer func() {
		if recover() == nil {
			t.Error("PutDomain without a name should panic")
		}
	}()
	s.PutDomain(Domain{})
}

func TestPutRoute(t *testing.T) {
	s := newTestServer(t)
	a := s.PutRoute(Route{Expression: "a"})
	b := s.PutRoute(Route{Expression: "b"})
	c := s.PutRoute(Route{ID: "0123456789abcdef01234567", Expression: "c", CreatedAt: fixedNow.Add(time.Hour)})
	if !idRE.MatchString(a) || a == b || c != "0123456789abcdef01234567" {
		t.Fatalf("ids %q %q %q", a, b, c)
	}
	s.PutRoute(Route{ID: a, Expression: "a2"})
	got := s.Routes()
	if len(got) != 3 || got[0].ID != a || got[0].Expression != "a2" || got[1].ID != b || got[2].ID != c {
		t.Errorf("replace must keep creation order: %+v", got)
	}
	if !got[0].CreatedAt.Equal(fixedNow) || !got[2].CreatedAt.Equal(fixedNow.Add(time.Hour)) || got[0].Actions == nil {
		t.Errorf("created_at or actions: %+v", got)
	}
	s.DeleteRouteState(b)
	s.DeleteRouteState("unknown")
	if got := s.Routes(); len(got) != 2 || got[1].ID != c {
		t.Errorf("after delete: %+v", got)
	}
}

func TestPutWebhookEmptyRemoves(t *testing.T) {
	s := newTestServer(t)
	s.PutWebhook("example.com", "delivered", []string{"https://a.example/"})
	s.PutWebhook("example.com", "delivered", nil)
	if got := s.Webhooks("example.com"); got == nil || len(got) != 0 {
		t.Errorf("%v", got)
	}
}

func TestNewHandlerServesWithoutListening(t *testing.T) {
	s := NewHandler(testKey)
	defer s.Close()
	if s.URL != "" {
		t.Errorf("URL %q", s.URL)
	}
	req := httptest.NewRequest("GET", "/v4/domains", nil)
	req.SetBasicAuth("api", testKey)
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code != 200 || s.Calls(OpListDomains) != 1 {
		t.Errorf("ServeHTTP: %d, %d calls", rec.Code, s.Calls(OpListDomains))
	}
	s.Close() // twice is fine
}
