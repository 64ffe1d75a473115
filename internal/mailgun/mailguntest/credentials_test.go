package mailguntest

import (
	"reflect"
	"testing"
)

func TestCredentials(t *testing.T) {
	withCreds := func(s *Server) {
		s.PutDomain(Domain{Name: "example.com", CreatedAt: fixedNow,
			Credentials: map[string]string{"bob@example.com": "bobpass", "alice@example.com": "alicepass"}})
	}
	credsAre := func(want map[string]string) func(*testing.T, *Server) {
		return func(t *testing.T, s *Server) {
			if d, _ := s.Domain("example.com"); !reflect.DeepEqual(d.Credentials, want) {
				t.Errorf("credentials %v, want %v", d.Credentials, want)
			}
		}
	}
	item := func(login string) map[string]any {
		return map[string]any{"login": login, "mailbox": login, "created_at": fixedNowText, "size_bytes": nil}
	}
	runCases(t, []opCase{
		{reason: "list is sorted by login and never shows passwords", setup: withCreds,
			call: call{method: "GET", path: "/v3/domains/example.com/credentials"}, status: 200,
			body: jsonOf(map[string]any{"total_count": 2, "items": []any{item("alice@example.com"), item("bob@example.com")}})},
		{reason: "list pages", setup: withCreds,
			call: call{method: "GET", path: "/v3/domains/example.com/credentials?skip=1&limit=5"}, status: 200,
			body: jsonOf(map[string]any{"total_count": 2, "items": []any{item("bob@example.com")}})},
		{reason: "list limit above 1000 is refused", setup: withCreds, call: call{method: "GET", path: "/v3/domains/example.com/credentials?limit=5000"}, status: 400, errMsg: "limit"},
		{reason: "list of an unknown domain is 404", call: call{method: "GET", path: "/v3/domains/nope.com/credentials"}, status: 404, errMsg: "Domain not found"},

		{reason: "create stores user@domain", setup: putExample,
			call:   call{method: "POST", path: "/v3/domains/example.com/credentials", form: form("login", "carol@example.com", "password", "carolpass")},
			status: 200, body: `{"message":"Created 1 credentials pair(s)"}`,
			check: credsAre(map[string]string{"carol@example.com": "carolpass"})},
		{reason: "a bare user gets the domain appended", setup: putExample,
			call:   call{method: "POST", path: "/v3/domains/example.com/credentials", multipart: true, form: form("login", "carol", "password", "carolpass")},
			status: 200, check: credsAre(map[string]string{"carol@example.com": "carolpass"})},
		{reason: "a login of another domain is refused", setup: putExample,
			call: call{method: "POST", path: "/v3/domains/example.com/credentials", form: form("login", "carol@other.com", "password", "carolpass")}, status: 400, errMsg: "user@example.com"},
		{reason: "a login is required", setup: putExample,
			call: call{method: "POST", path: "/v3/domains/example.com/credentials", form: form("password", "carolpass")}, status: 400, errMsg: "login"},
		{reason: "a password under 5 characters is refused", setup: putExample,
			call: call{method: "POST", path: "/v3/domains/example.com/credentials", form: form("login", "carol", "password", "abcd")}, status: 400, errMsg: "between 5 and 32"},
		{reason: "a password over 32 characters is refused", setup: putExample,
			call: call{method: "POST", path: "/v3/domains/example.com/credentials", form: form("login", "carol", "password", "123456789012345678901234567890123")}, status: 400, errMsg: "between 5 and 32"},
		{reason: "an existing login is a 400 saying it already exists", setup: withCreds,
			call: call{method: "POST", path: "/v3/domains/example.com/credentials", form: form("login", "bob", "password", "otherpass")}, status: 400, errMsg: "already exists"},
		{reason: "create on an unknown domain is 404", call: call{method: "POST", path: "/v3/domains/nope.com/credentials", form: form("login", "a", "password", "apass")}, status: 404, errMsg: "Domain not found"},

		{reason: "put changes the password", setup: withCreds,
			call:   call{method: "PUT", path: "/v3/domains/example.com/credentials/bob@example.com", form: form("password", "newbobpass")},
			status: 200, body: `{"message":"Password changed"}`,
			check: credsAre(map[string]string{"bob@example.com": "newbobpass", "alice@example.com": "alicepass"})},
		{reason: "put with the same password again is 400", setup: withCreds,
			call: call{method: "PUT", path: "/v3/domains/example.com/credentials/bob@example.com", form: form("password", "bobpass")}, status: 400, errMsg: "differ"},
		{reason: "put with the same password answers 200 and changes nothing when switched (the other reading)",
			setup: func(s *Server) { withCreds(s); s.SetSamePasswordAccepted(true) },
			call:  call{method: "PUT", path: "/v3/domains/example.com/credentials/bob@example.com", form: form("password", "bobpass")}, status: 200,
			check: credsAre(map[string]string{"bob@example.com": "bobpass", "alice@example.com": "alicepass"})},
		{reason: "PutCredential makes a login as the console would",
			setup: func(s *Server) {
				s.PutDomain(Domain{Name: "example.com", CreatedAt: fixedNow})
				s.PutCredential("example.com", "dan@example.com", "danpass")
			},
			call: call{method: "GET", path: "/v3/domains/example.com/credentials"}, status: 200,
			body: jsonOf(map[string]any{"total_count": 1, "items": []any{item("dan@example.com")}})},
		{reason: "put with a short password is 400", setup: withCreds,
			call: call{method: "PUT", path: "/v3/domains/example.com/credentials/bob@example.com", form: form("password", "x")}, status: 400, errMsg: "between 5 and 32"},
		{reason: "put of an unknown login is 404", setup: withCreds,
			call: call{method: "PUT", path: "/v3/domains/example.com/credentials/zed@example.com", form: form("password", "zedpass")}, status: 404, errMsg: "Login not found"},
		{reason: "put on an unknown domain is 404", call: call{method: "PUT", path: "/v3/domains/nope.com/credentials/a@nope.com", form: form("password", "apass1")}, status: 404, errMsg: "Domain not found"},

		{reason: "delete removes the login (escaped @ in the path)", setup: withCreds,
			call: call{method: "DELETE", path: "/v3/domains/example.com/credentials/bob%40example.com"}, status: 200,
			body:  `{"message":"Credentials have been deleted","spec":"bob@example.com"}`,
			check: credsAre(map[string]string{"alice@example.com": "alicepass"})},
		{reason: "delete of an unknown login is 404", setup: withCreds, call: call{method: "DELETE", path: "/v3/domains/example.com/credentials/zed"}, status: 404, errMsg: "Login not found"},
		{reason: "delete on an unknown domain is 404", call: call{method: "DELETE", path: "/v3/domains/nope.com/credentials/a"}, status: 404, errMsg: "Domain not found"},
	})
}
