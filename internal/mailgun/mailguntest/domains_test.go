package mailguntest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// domainObj is the expected JSON domain object of a domain with defaults,
// with overrides merged in.
func domainObj(name, state string, overrides map[string]any) map[string]any {
	d := map[string]any{
		"created_at": fixedNowText, "id": "<id>", "is_disabled": false, "name": name,
		"require_tls": false, "skip_verification": false, "smtp_login": "postmaster@" + name,
		"spam_action": "disabled", "state": state, "type": "custom",
		"use_automatic_sender_security": false, "web_prefix": "email", "web_scheme": "http",
		"wildcard": false, "message_ttl": 259200,
	}
	for k, v := range overrides {
		d[k] = v
	}
	return d
}

func rec(typ, name, value, valid string) map[string]any {
	return map[string]any{"cached": []any{}, "is_active": true, "name": name, "record_type": typ, "valid": valid, "value": value}
}

func mx(name, host, valid string) map[string]any {
	r := rec("MX", name, host, valid)
	r["priority"] = "10"
	return r
}

// info is the expected create/get/verify answer.
func info(msg string, domain map[string]any, valid string, auto bool) string {
	name := domain["name"].(string)
	prefix := domain["web_prefix"].(string)
	sending := []any{rec("TXT", name, "v=spf1 include:mailgun.org ~all", valid)}
	if auto {
		sending = append(sending,
			rec("CNAME", "pdk1._domainkey."+name, "pdk1._domainkey."+hashHex(name)[:16]+".dkim1.mailgun.com", valid),
			rec("CNAME", "pdk2._domainkey."+name, "pdk2._domainkey."+hashHex(name)[:16]+".dkim1.mailgun.com", valid))
	} else {
		sending = append(sending, rec("TXT", "mx._domainkey."+name, "<dkim>", valid))
	}
	sending = append(sending, rec("CNAME", prefix+"."+name, "mailgun.org", valid))
	m := map[string]any{
		"domain":                domain,
		"sending_dns_records":   sending,
		"receiving_dns_records": []any{mx(name, "mxa.mailgun.org", valid), mx(name, "mxb.mailgun.org", valid)},
	}
	if msg != "" {
		m["message"] = msg
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func putExample(s *Server) { s.PutDomain(Domain{Name: "example.com", CreatedAt: fixedNow}) }

func TestListDomains(t *testing.T) {
	three := func(s *Server) {
		s.PutDomain(Domain{Name: "a.example.com", CreatedAt: fixedNow, State: "active"})
		s.PutDomain(Domain{Name: "b.example.com", CreatedAt: fixedNow})
		s.PutDomain(Domain{Name: "c.test", CreatedAt: fixedNow})
	}
	runCases(t, []opCase{
		{reason: "an empty account lists no items, with [] not null", call: call{method: "GET", path: "/v4/domains"},
			status: 200, body: `{"total_count":0,"items":[]}`},
		{reason: "items are domain objects without records, in creation order", setup: three,
			call: call{method: "GET", path: "/v4/domains"}, status: 200,
			body: jsonOf(map[string]any{"total_count": 3, "items": []any{
				domainObj("a.example.com", "active", nil), domainObj("b.example.com", "unverified", nil), domainObj("c.test", "unverified", nil)}})},
		{reason: "skip and limit page while total_count stays the total", setup: three,
			call: call{method: "GET", path: "/v4/domains?skip=1&limit=1"}, status: 200,
			body: jsonOf(map[string]any{"total_count": 3, "items": []any{domainObj("b.example.com", "unverified", nil)}})},
		{reason: "skip past the end answers an empty page", setup: three,
			call: call{method: "GET", path: "/v4/domains?skip=10"}, status: 200, body: `{"total_count":3,"items":[]}`},
		{reason: "state filters", setup: three,
			call: call{method: "GET", path: "/v4/domains?state=active"}, status: 200,
			body: jsonOf(map[string]any{"total_count": 1, "items": []any{domainObj("a.example.com", "active", nil)}})},
		{reason: "search matches part of the name", setup: three,
			call: call{method: "GET", path: "/v4/domains?search=.test"}, status: 200,
			body: jsonOf(map[string]any{"total_count": 1, "items": []any{domainObj("c.test", "unverified", nil)}})},
		{reason: "limit 1000 is allowed", call: call{method: "GET", path: "/v4/domains?limit=1000"}, status: 200, body: `{"total_count":0,"items":[]}`},
		{reason: "limit above 1000 is refused", call: call{method: "GET", path: "/v4/domains?limit=1001"}, status: 400, errMsg: "limit"},
		{reason: "a negative skip is refused", call: call{method: "GET", path: "/v4/domains?skip=-1"}, status: 400, errMsg: "skip"},
		{reason: "a non-numeric limit is refused", call: call{method: "GET", path: "/v4/domains?limit=ten"}, status: 400, errMsg: "limit"},
	})
}

func TestCreateDomain(t *testing.T) {
	runCases(t, []opCase{
		{reason: "a minimal urlencoded create answers the domain (with its password) and unknown records",
			call:   call{method: "POST", path: "/v4/domains", form: form("name", "example.com", "smtp_password", "s3cret")},
			status: 200,
			body: info("Domain DNS records have been created",
				domainObj("example.com", "unverified", map[string]any{"smtp_password": "s3cret"}), "unknown", false),
			check: func(t *testing.T, s *Server) {
				d, ok := s.Domain("example.com")
				if !ok || d.SMTPPassword != "s3cret" || d.State != "unverified" || d.DKIMSelector != "mx" || d.DKIMKeySize != 1024 {
					t.Errorf("state %+v", d)
				}
				if d.Tracking.HTMLFooter != defaultHTMLFooter || d.Tracking.TextFooter != defaultTextFooter {
					t.Errorf("new domains get Mailgun's default footers, got %+v", d.Tracking)
				}
			}},
		{reason: "a multipart create takes every option",
			call: call{method: "POST", path: "/v4/domains", multipart: true, form: form(
				"name", "example.com", "smtp_password", "s3cret", "spam_action", "tag", "wildcard", "true",
				"web_scheme", "https", "web_prefix", "track", "require_tls", "true", "skip_verification", "true",
				"dkim_selector", "s1", "dkim_key_size", "2048", "force_dkim_authority", "true", "message_ttl", "60")},
			status: 200,
			check: func(t *testing.T, s *Server) {
				d, _ := s.Domain("example.com")
				want := Domain{Name: "example.com", State: "unverified", SpamAction: "tag", WebScheme: "https", WebPrefix: "track",
					SMTPLogin: "postmaster@example.com", SMTPPassword: "s3cret", DKIMSelector: "s1", Wildcard: true, RequireTLS: true,
					SkipVerification: true, ForceDKIMAuthority: true, DKIMKeySize: 2048, MessageTTL: 60, ID: d.ID, CreatedAt: fixedNow,
					Tracking: Tracking{HTMLFooter: defaultHTMLFooter, TextFooter: defaultTextFooter}, Credentials: map[string]string{}}
				if jsonOf(d) != jsonOf(want) {
					t.Errorf("state\n got %s\nwant %s", jsonOf(d), jsonOf(want))
				}
			}},
		{reason: "automatic sender security asks for two DKIM CNAMEs instead of a TXT",
			call:   call{method: "POST", path: "/v4/domains", form: form("name", "example.com", "smtp_password", "s3cret", "use_automatic_sender_security", "true")},
			status: 200,
			body: info("Domain DNS records have been created", domainObj("example.com", "unverified",
				map[string]any{"smtp_password": "s3cret", "use_automatic_sender_security": true}), "unknown", true)},
		{reason: "without smtp_password Mailgun makes one up and shows it once",
			call: call{method: "POST", path: "/v4/domains", form: form("name", "example.com")}, status: 200,
			check: func(t *testing.T, s *Server) {
				if d, _ := s.Domain("example.com"); len(d.SMTPPassword) < 5 {
					t.Errorf("password %q", d.SMTPPassword)
				}
			}},
		{reason: "a second create of the same name is a 400 saying it already exists", setup: putExample,
			call: call{method: "POST", path: "/v4/domains", form: form("name", "example.com")}, status: 400, errMsg: "Domain already exists"},
		{reason: "name is required", call: call{method: "POST", path: "/v4/domains", form: form("spam_action", "tag")}, status: 400, errMsg: "name"},
		{reason: "a name with a space is refused", call: call{method: "POST", path: "/v4/domains", form: form("name", "a b.com")}, status: 400, errMsg: "Invalid domain name"},
		{reason: "an unknown spam_action is refused", call: call{method: "POST", path: "/v4/domains", form: form("name", "x.com", "spam_action", "drop")}, status: 400, errMsg: "spam_action"},
		{reason: "web_scheme is http or https", call: call{method: "POST", path: "/v4/domains", form: form("name", "x.com", "web_scheme", "ftp")}, status: 400, errMsg: "web_scheme"},
		{reason: "dkim_key_size is 1024 or 2048", call: call{method: "POST", path: "/v4/domains", form: form("name", "x.com", "dkim_key_size", "512")}, status: 400, errMsg: "dkim_key_size"},
		{reason: "flags must be booleans", call: call{method: "POST", path: "/v4/domains", form: form("name", "x.com", "wildcard", "maybe")}, status: 400, errMsg: "wildcard"},
		{reason: "the SMTP password is 5 to 32 characters", call: call{method: "POST", path: "/v4/domains", form: form("name", "x.com", "smtp_password", "abc")}, status: 400, errMsg: "between 5 and 32"},
		{reason: "a refused create stores nothing",
			call: call{method: "POST", path: "/v4/domains", form: form("name", "x.com", "web_prefix", "a/b")}, status: 400, errMsg: "web_prefix",
			check: func(t *testing.T, s *Server) {
				if len(s.Domains()) != 0 {
					t.Error("domain stored")
				}
			}},
	})
}

func TestCreateDomainRefusesJSONBody(t *testing.T) {
	s := newTestServer(t)
	req, _ := http.NewRequest("POST", s.URL+"/v4/domains", strings.NewReader(`{"name":"x.com"}`))
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth("api", testKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("a JSON body must not be silently ignored: status %d", resp.StatusCode)
	}
}

func TestGetDomain(t *testing.T) {
	runCases(t, []opCase{
		{reason: "an unknown domain is 404 Domain not found", call: call{method: "GET", path: "/v4/domains/nope.com"}, status: 404, errMsg: "Domain not found"},
		{reason: "get answers domain and records, never the password", setup: putExample,
			call: call{method: "GET", path: "/v4/domains/example.com"}, status: 200,
			body: info("", domainObj("example.com", "unverified", nil), "unknown", false)},
		{reason: "get notices DNS that became valid", setup: func(s *Server) { putExample(s); s.SetDNSValid("example.com", true) },
			call: call{method: "GET", path: "/v4/domains/example.com"}, status: 200,
			body: info("", domainObj("example.com", "active", nil), "valid", false)},
		{reason: "a disabled domain reads is_disabled", setup: func(s *Server) { s.PutDomain(Domain{Name: "example.com", State: "disabled", CreatedAt: fixedNow}) },
			call: call{method: "GET", path: "/v4/domains/example.com"}, status: 200,
			body: info("", domainObj("example.com", "disabled", map[string]any{"is_disabled": true}), "unknown", false)},
		{reason: "a changed web prefix and selector move the records", setup: func(s *Server) {
			s.PutDomain(Domain{Name: "example.com", CreatedAt: fixedNow, WebPrefix: "t", DKIMSelector: "mx"})
		}, call: call{method: "GET", path: "/v4/domains/example.com"}, status: 200,
			body: info("", domainObj("example.com", "unverified", map[string]any{"web_prefix": "t"}), "unknown", false)},
	})
}

func TestUpdateDomain(t *testing.T) {
	runCases(t, []opCase{
		{reason: "update changes only the fields sent", setup: putExample,
			call:   call{method: "PUT", path: "/v4/domains/example.com", form: form("spam_action", "block", "require_tls", "true")},
			status: 200, body: `{"message":"Domain has been updated"}`,
			check: func(t *testing.T, s *Server) {
				d, _ := s.Domain("example.com")
				if d.SpamAction != "block" || !d.RequireTLS || d.WebScheme != "http" || d.Wildcard {
					t.Errorf("state %+v", d)
				}
			}},
		{reason: "update takes multipart, every updatable field", setup: putExample,
			call: call{method: "PUT", path: "/v4/domains/example.com", multipart: true, form: form("spam_action", "tag", "wildcard", "true",
				"web_scheme", "https", "web_prefix", "go", "smtp_password", "newpass", "skip_verification", "true", "use_automatic_sender_security", "true")},
			status: 200,
			check: func(t *testing.T, s *Server) {
				d, _ := s.Domain("example.com")
				if d.SpamAction != "tag" || !d.Wildcard || d.WebScheme != "https" || d.WebPrefix != "go" || d.SMTPPassword != "newpass" ||
					!d.SkipVerification || !d.UseAutomaticSenderSecurity {
					t.Errorf("state %+v", d)
				}
			}},
		{reason: "one bad field refuses the whole update", setup: putExample,
			call: call{method: "PUT", path: "/v4/domains/example.com", form: form("spam_action", "tag", "web_scheme", "ftp")}, status: 400, errMsg: "web_scheme",
			check: func(t *testing.T, s *Server) {
				if d, _ := s.Domain("example.com"); d.SpamAction != "disabled" {
					t.Errorf("partial update applied: %+v", d)
				}
			}},
		{reason: "update of an unknown domain is 404", call: call{method: "PUT", path: "/v4/domains/nope.com", form: form("spam_action", "tag")}, status: 404, errMsg: "Domain not found"},
	})
}

func TestVerifyDomain(t *testing.T) {
	runCases(t, []opCase{
		{reason: "verify without valid DNS leaves records unknown and the domain unverified", setup: putExample,
			call: call{method: "PUT", path: "/v4/domains/example.com/verify"}, status: 200,
			body: info("Domain DNS records have been updated", domainObj("example.com", "unverified", nil), "unknown", false)},
		{reason: "verify after SetDNSValid makes records valid and the domain active",
			setup: func(s *Server) { putExample(s); s.SetDNSValid("example.com", true) },
			call:  call{method: "PUT", path: "/v4/domains/example.com/verify"}, status: 200,
			body: info("Domain DNS records have been updated", domainObj("example.com", "active", nil), "valid", false),
			check: func(t *testing.T, s *Server) {
				if d, _ := s.Domain("example.com"); d.State != "active" {
					t.Errorf("state %q", d.State)
				}
			}},
		{reason: "SetDNSValid before the domain exists still counts (DNS is outside Mailgun)",
			setup: func(s *Server) { s.SetDNSValid("example.com", true); putExample(s) },
			call:  call{method: "PUT", path: "/v4/domains/example.com/verify"}, status: 200,
			body: info("Domain DNS records have been updated", domainObj("example.com", "active", nil), "valid", false)},
		{reason: "DNS that breaks after verification reads invalid and unverified",
			setup: func(s *Server) {
				s.PutDomain(Domain{Name: "example.com", State: "active", CreatedAt: fixedNow})
				s.SetDNSValid("example.com", false)
			},
			call: call{method: "PUT", path: "/v4/domains/example.com/verify"}, status: 200,
			body: info("Domain DNS records have been updated", domainObj("example.com", "unverified", nil), "invalid", false)},
		{reason: "verify of an unknown domain is 404", call: call{method: "PUT", path: "/v4/domains/nope.com/verify"}, status: 404, errMsg: "Domain not found"},
		{reason: "verify is PUT only", setup: putExample, call: call{method: "POST", path: "/v4/domains/example.com/verify"}, status: 405, errMsg: "Method Not Allowed"},
	})
}

func TestDeleteDomain(t *testing.T) {
	runCases(t, []opCase{
		{reason: "delete is v3 and removes the domain and its webhooks",
			setup: func(s *Server) {
				putExample(s)
				s.PutWebhook("example.com", "delivered", []string{"https://h.example/"})
			},
			call: call{method: "DELETE", path: "/v3/domains/example.com"}, status: 200, body: `{"message":"Domain will be deleted in the background"}`,
			check: func(t *testing.T, s *Server) {
				if _, ok := s.Domain("example.com"); ok {
					t.Error("domain still there")
				}
				if len(s.Webhooks("example.com")) != 0 {
					t.Error("webhooks survived their domain")
				}
			}},
		{reason: "delete of an unknown domain is 404", call: call{method: "DELETE", path: "/v3/domains/nope.com"}, status: 404, errMsg: "Domain not found"},
		{reason: "there is no v4 delete", setup: putExample, call: call{method: "DELETE", path: "/v4/domains/example.com"}, status: 405, errMsg: "Method Not Allowed"},
	})
}

func TestDKIM(t *testing.T) {
	runCases(t, []opCase{
		{reason: "the selector is stored and renames the DKIM record", setup: putExample,
			call: call{method: "PUT", path: "/v3/domains/example.com/dkim_selector", form: form("dkim_selector", "s2024")}, status: 200,
			body: `{"message":"DKIM selector changed"}`,
			check: func(t *testing.T, s *Server) {
				if d, _ := s.Domain("example.com"); d.DKIMSelector != "s2024" {
					t.Errorf("selector %q", d.DKIMSelector)
				}
				r := send(t, s, call{method: "GET", path: "/v4/domains/example.com"})
				if !strings.Contains(string(r.body), `"s2024._domainkey.example.com"`) {
					t.Errorf("record not renamed: %s", r.body)
				}
			}},
		{reason: "dkim_selector is required", setup: putExample, call: call{method: "PUT", path: "/v3/domains/example.com/dkim_selector", form: form()}, status: 400, errMsg: "dkim_selector"},
		{reason: "a selector must be a DNS label", setup: putExample, call: call{method: "PUT", path: "/v3/domains/example.com/dkim_selector", form: form("dkim_selector", "a b")}, status: 400, errMsg: "selector"},
		{reason: "selector of an unknown domain is 404", call: call{method: "PUT", path: "/v3/domains/nope.com/dkim_selector", form: form("dkim_selector", "s")}, status: 404, errMsg: "Domain not found"},
		{reason: "authority self=true is stored and reported as changed", setup: putExample,
			call: call{method: "PUT", path: "/v3/domains/example.com/dkim_authority", form: form("self", "true")}, status: 200,
			body: jsonOf(map[string]any{"changed": true, "message": "Domain DKIM authority has been changed",
				"sending_dns_records": []any{rec("TXT", "example.com", "v=spf1 include:mailgun.org ~all", "unknown"),
					rec("TXT", "mx._domainkey.example.com", "<dkim>", "unknown"), rec("CNAME", "email.example.com", "mailgun.org", "unknown")}}),
			check: func(t *testing.T, s *Server) {
				if d, _ := s.Domain("example.com"); !d.ForceDKIMAuthority {
					t.Error("not stored")
				}
			}},
		{reason: "setting the same authority again reports no change",
			setup: func(s *Server) { s.PutDomain(Domain{Name: "example.com", ForceDKIMAuthority: true}) },
			call:  call{method: "PUT", path: "/v3/domains/example.com/dkim_authority", form: form("self", "true")}, status: 200,
			check: func(t *testing.T, s *Server) {
				r := send(t, s, call{method: "PUT", path: "/v3/domains/example.com/dkim_authority", form: form("self", "true")})
				if !strings.Contains(string(r.body), `"changed":false`) {
					t.Errorf("%s", r.body)
				}
			}},
		{reason: "self is required", setup: putExample, call: call{method: "PUT", path: "/v3/domains/example.com/dkim_authority", form: form()}, status: 400, errMsg: "self"},
		{reason: "self must be a boolean", setup: putExample, call: call{method: "PUT", path: "/v3/domains/example.com/dkim_authority", form: form("self", "sure")}, status: 400, errMsg: "self"},
		{reason: "authority of an unknown domain is 404", call: call{method: "PUT", path: "/v3/domains/nope.com/dkim_authority", form: form("self", "true")}, status: 404, errMsg: "Domain not found"},
	})
}
