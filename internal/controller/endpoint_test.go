package controller

import (
	"strings"
	"testing"
)

func TestHostPolicyCheck(t *testing.T) {
	def := HostPolicy{}
	local := HostPolicy{AllowedHosts: []string{"127.0.0.1", "Proxy.Example.:8443", "[::1]:9000", "fe80::1"}, AllowInsecureHTTP: true}
	localTLS := HostPolicy{AllowedHosts: local.AllowedHosts}
	tests := []struct {
		name     string
		p        HostPolicy
		url      string
		wantFlag string // "" means allowed; else the flag the message must name
		wantText string // more of the message, when refused
	}{
		{"US default", def, "https://api.mailgun.net", "", ""},
		{"EU default", def, "https://api.eu.mailgun.net/", "", ""},
		{"path prefix", def, "https://api.mailgun.net/v3", "", ""},
		{"uppercase scheme and host", def, "HTTPS://API.Mailgun.NET", "", ""},
		{"trailing dot", def, "https://api.mailgun.net.", "", ""},
		{"explicit default port", def, "https://api.mailgun.net:443", "", ""},
		{"other port of a host without port", def, "https://api.mailgun.net:8443", "", ""},
		{"http by default", def, "http://api.mailgun.net", FlagAllowInsecureHTTP, "in clear"},
		{"other host", def, "https://evil.example", FlagAllowedHosts, "evil.example:443"},
		{"suffix is not the host", def, "https://api.mailgun.net.evil.example", FlagAllowedHosts, ""},
		{"prefix is not the host", def, "https://evilapi.mailgun.net", FlagAllowedHosts, ""},
		{"userinfo that looks like the host", def, "https://api.mailgun.net@evil.example", "", "user info"},
		{"userinfo with password", def, "https://api:key@api.mailgun.net", "", "user info"},
		{"scheme other than http(s)", def, "ftp://api.mailgun.net", "", `"ftp" is not https`},
		{"no scheme", def, "api.mailgun.net", "", "is not https"},
		{"no host", def, "https://", "", "no host"},
		{"not a URL", def, "https://[::1", "", "not a URL"},
		{"metadata address", def, "https://169.254.169.254", FlagAllowedHosts, ""},
		{"emulator allowed", local, "http://127.0.0.1:34567", "", ""},
		{"emulator without insecure", localTLS, "http://127.0.0.1:34567", FlagAllowInsecureHTTP, ""},
		{"https on the emulator host", localTLS, "https://127.0.0.1:34567", "", ""},
		{"localhost is another name", local, "http://localhost:34567", FlagAllowedHosts, "localhost:34567"},
		{"host:port entry, that port", local, "https://proxy.example:8443", "", ""},
		{"host:port entry, trailing dot and case in URL", local, "https://PROXY.example.:8443/", "", ""},
		{"host:port entry, other port", local, "https://proxy.example", FlagAllowedHosts, "proxy.example:443"},
		{"IPv6 with port entry", local, "http://[::1]:9000", "", ""},
		{"IPv6 with port entry, other port", local, "http://[::1]:9001", FlagAllowedHosts, "[::1]:9001"},
		{"IPv6 entry without port, any port", local, "https://[fe80::1]:1234", "", ""},
		{"IPv6 written another way", local, "https://[FE80:0::1]", "", ""},
		{"IPv6 not allowed", def, "https://[::1]", FlagAllowedHosts, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Check(tt.url)
			allowed := tt.wantFlag == "" && tt.wantText == ""
			if allowed {
				if err != nil {
					t.Fatalf("Check(%q) = %v, want allowed", tt.url, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Check(%q) allowed it, want refused", tt.url)
			}
			for _, want := range []string{tt.wantFlag, tt.wantText} {
				if want != "" && !strings.Contains(err.Error(), want) {
					t.Errorf("Check(%q) = %q, want it to say %q", tt.url, err, want)
				}
			}
		})
	}
}

func TestHostPolicyNeverPrintsUserInfo(t *testing.T) {
	err := HostPolicy{}.Check("https://api:key-secret@evil.example")
	if err == nil || strings.Contains(err.Error(), "key-secret") {
		t.Fatalf("Check = %v: want refused without the password", err)
	}
}

func TestParseAllowedHosts(t *testing.T) {
	tests := []struct {
		entries []string
		wantErr bool
	}{
		{DefaultAllowedHosts, false},
		{[]string{"127.0.0.1", "127.0.0.1:8080", "[::1]", "[::1]:443", "::1", "Host.Example."}, false},
		{[]string{""}, true},
		{[]string{"host:"}, true},
		{[]string{"[::1]:"}, true},
		{[]string{"host:http"}, true},
		{[]string{"host:0"}, true},
		{[]string{"host:65536"}, true},
		{[]string{"https://api.mailgun.net"}, true},
		{[]string{"user@host"}, true},
		{[]string{"[::1"}, true},
		{[]string{"host/path"}, true},
	}
	for _, tt := range tests {
		err := ParseAllowedHosts(tt.entries)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseAllowedHosts(%q) = %v, want error: %v", tt.entries, err, tt.wantErr)
		}
	}
}
