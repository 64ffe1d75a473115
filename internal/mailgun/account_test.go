package mailgun_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/mailgun-operator/mailgun-operator/internal/mailgun"
)

func TestNewAccount(t *testing.T) {
	cases := []struct {
		name, reason, base, key string
		wantErr                 bool
		wantBase                string
	}{
		{name: "us", reason: "the region URL is accepted", base: mailgun.BaseURLFor(mailgun.RegionUS), key: testKey, wantBase: "https://api.mailgun.net"},
		{name: "eu trailing slash", reason: "a trailing slash is dropped", base: "https://api.eu.mailgun.net/", key: testKey, wantBase: "https://api.eu.mailgun.net"},
		{name: "http port", reason: "http with a port (emulator) is fine", base: "http://127.0.0.1:8080", key: testKey, wantBase: "http://127.0.0.1:8080"},
		{name: "empty key", reason: "a key is required", base: "https://api.mailgun.net", key: "", wantErr: true},
		{name: "newline key", reason: "a key with a line break could never be sent", base: "https://api.mailgun.net", key: "abc\r\nX: y", wantErr: true},
		{name: "ftp", reason: "only http and https", base: "ftp://api.mailgun.net", key: testKey, wantErr: true},
		{name: "no scheme", reason: "a bare host is not a URL", base: "api.mailgun.net", key: testKey, wantErr: true},
		{name: "empty", reason: "no URL", base: "", key: testKey, wantErr: true},
		{name: "user info", reason: "credentials in a URL would leak", base: "https://api:" + testKey + "@api.mailgun.net", key: testKey, wantErr: true},
		{name: "query", reason: "a query would be sent with every call", base: "https://api.mailgun.net?x=1", key: testKey, wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, err := mailgun.NewAccount(tc.base, tc.key)
			if (err != nil) != tc.wantErr {
				t.Fatalf("%s: err = %v", tc.reason, err)
			}
			if err != nil {
				if strings.Contains(err.Error(), "TOPSECRET") {
					t.Errorf("%s: error leaks the key: %v", tc.reason, err)
				}
				return
			}
			if a.BaseURL() != tc.wantBase || a.IsZero() || len(a.KeyID()) != 16 {
				t.Errorf("%s: got %v base %q keyID %q", tc.reason, a, a.BaseURL(), a.KeyID())
			}
		})
	}
}

func TestBaseURLFor(t *testing.T) {
	if got := mailgun.BaseURLFor(mailgun.RegionUS); got != "https://api.mailgun.net" {
		t.Errorf("US: %q", got)
	}
	if got := mailgun.BaseURLFor(mailgun.RegionEU); got != "https://api.eu.mailgun.net" {
		t.Errorf("EU: %q", got)
	}
}

// TestAccountNeverPrintsKey: every way an Account can be rendered.
func TestAccountNeverPrintsKey(t *testing.T) {
	a, err := mailgun.NewAccount("https://api.mailgun.net", testKey)
	if err != nil {
		t.Fatal(err)
	}
	auth := strings.TrimPrefix(basicAuth(testKey), "Basic ")
	wrapped := struct {
		Acct mailgun.Account
		P    *mailgun.Account
	}{a, &a}
	js, _ := json.Marshal(wrapped)
	var slogOut strings.Builder
	slog.New(slog.NewTextHandler(&slogOut, nil)).Info("x", "account", a)
	slog.New(slog.NewJSONHandler(&slogOut, nil)).Info("x", "account", a)
	renderings := map[string]string{
		"%v": fmt.Sprintf("%v", a), "%+v": fmt.Sprintf("%+v", a), "%#v": fmt.Sprintf("%#v", a),
		"%s": fmt.Sprintf("%s", a), "%q": fmt.Sprintf("%q", a), "%x": fmt.Sprintf("%x", a),
		"struct %+v": fmt.Sprintf("%+v", wrapped), "struct %#v": fmt.Sprintf("%#v", wrapped),
		"pointer %v": fmt.Sprintf("%v", &a), "json": string(js), "slog": slogOut.String(),
		"String": a.String(), "MarshalLog": fmt.Sprint(a.MarshalLog()),
	}
	for how, s := range renderings {
		if strings.Contains(s, testKey) || strings.Contains(s, auth) || strings.Contains(s, "TOPSECRET") || strings.Contains(s, "Basic") {
			t.Errorf("%s leaks the key: %s", how, s)
		}
	}
	if !strings.Contains(renderings["%v"], a.KeyID()) || !strings.Contains(renderings["%v"], "api.mailgun.net") {
		t.Errorf("%%v should say base URL and key id: %s", renderings["%v"])
	}
}

// TestAccountComparable: same inputs, equal values (usable as a cache key).
func TestAccountComparable(t *testing.T) {
	a1, _ := mailgun.NewAccount("https://api.mailgun.net", testKey)
	a2, _ := mailgun.NewAccount("https://api.mailgun.net/", testKey)
	b, _ := mailgun.NewAccount("https://api.mailgun.net", "other")
	if a1 != a2 || a1 == b || a1.KeyID() == b.KeyID() {
		t.Errorf("equality: %v %v %v", a1 == a2, a1 == b, a1.KeyID() == b.KeyID())
	}
	if !(mailgun.Account{}).IsZero() {
		t.Error("zero Account should be IsZero")
	}
}
