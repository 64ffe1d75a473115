package main

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFlagValidation(t *testing.T) {
	cases := []struct {
		reason string
		args   []string
		errHas string // empty: valid
	}{
		{"the defaults are valid", nil, ""},
		{"a production-like command line", []string{"--leader-elect", "--metrics-bind-address=:8443", "--sync-period=5m", "--namespaces=a, b"}, ""},
		{"drift checks every second would hammer Mailgun", []string{"--sync-period=1s"}, "--sync-period 1s is too short"},
		{"no workers means nothing reconciles", []string{"--max-concurrent-reconciles=0"}, "--max-concurrent-reconciles must be at least 1"},
		{"a negative rate makes no sense", []string{"--mailgun-requests-per-second=-1"}, "--mailgun-requests-per-second must be >= 0"},
		{"a zero burst would block every call", []string{"--mailgun-burst=0"}, "--mailgun-burst >= 1"},
		{"the kubelet needs the probes", []string{"--health-probe-bind-address="}, "--health-probe-bind-address must not be empty"},
		{"short leases for tests", []string{"--leader-elect", "--leader-election-lease-duration=4s", "--leader-election-renew-deadline=3s", "--leader-election-retry-period=500ms"}, ""},
		{"a renew deadline past the lease would let two leaders overlap", []string{"--leader-elect", "--leader-election-renew-deadline=20s"}, "leader election needs"},
		{"the emulator's flags", []string{"--mailgun-allowed-hosts=127.0.0.1", "--mailgun-allow-insecure-http"}, ""},
		{"hosts with ports and IPv6", []string{"--mailgun-allowed-hosts=api.mailgun.net, proxy:8443,[::1]:9000"}, ""},
		{"no allowed host would refuse every account", []string{"--mailgun-allowed-hosts= , "}, "--mailgun-allowed-hosts must name at least one host"},
		{"a URL is not a host", []string{"--mailgun-allowed-hosts=https://api.mailgun.net"}, "--mailgun-allowed-hosts: allowed host"},
		{"a metrics certificate", []string{"--metrics-cert-path=/certs", "--metrics-cert-name=cert.pem", "--metrics-cert-key=key.pem"}, ""},
		{"a certificate for plain-HTTP metrics makes no sense", []string{"--metrics-cert-path=/certs", "--metrics-secure=false"}, "--metrics-cert-path needs --metrics-secure"},
		{"every problem is reported at once", []string{"--sync-period=1s", "--mailgun-timeout=0s"}, "--mailgun-timeout must be positive"},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			fs := flag.NewFlagSet("manager", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			f := registerFlags(fs)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatalf("parse: %v", err)
			}
			err := f.validate()
			switch {
			case tc.errHas == "" && err != nil:
				t.Fatalf("%s: unexpected error %v", tc.reason, err)
			case tc.errHas != "" && (err == nil || !strings.Contains(err.Error(), tc.errHas)):
				t.Fatalf("%s: error %v, want it to say %q", tc.reason, err, tc.errHas)
			}
		})
	}
}

func TestWatchedNamespaces(t *testing.T) {
	f := &flags{namespaces: " a,,b , "}
	got := f.watchedNamespaces()
	if strings.Join(got, "|") != "a|b" {
		t.Fatalf("watchedNamespaces = %q, want [a b]", got)
	}
}

func TestAllowedHostsDefault(t *testing.T) {
	fs := flag.NewFlagSet("manager", flag.ContinueOnError)
	f := registerFlags(fs)
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.allowedHosts(), ","); got != "api.mailgun.net,api.eu.mailgun.net" {
		t.Errorf("default allowed hosts %q, want Mailgun's US and EU API hosts", got)
	}
	if f.mailgunAllowInsecureHTTP {
		t.Error("http:// is allowed by default")
	}
}

func TestCheckMetricsCert(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"tls.crt", "tls.key"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		reason string
		f      flags
		errHas string
	}{
		{"no path: the self-signed certificate", flags{}, ""},
		{"both files there", flags{metricsCertPath: dir, metricsCertName: "tls.crt", metricsCertKey: "tls.key"}, ""},
		{"the key is missing: no silent fallback to a self-signed certificate",
			flags{metricsCertPath: dir, metricsCertName: "tls.crt", metricsCertKey: "key.pem"}, "key.pem"},
		{"the folder is missing", flags{metricsCertPath: filepath.Join(dir, "nope"), metricsCertName: "tls.crt", metricsCertKey: "tls.key"}, "--metrics-cert-path"},
	} {
		err := tc.f.checkMetricsCert()
		if (tc.errHas == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.errHas)) {
			t.Errorf("%s: error %v, want one saying %q", tc.reason, err, tc.errHas)
		}
	}
}

func TestManagerOptionsMetricsCert(t *testing.T) {
	fs := flag.NewFlagSet("manager", flag.ContinueOnError)
	f := registerFlags(fs)
	if err := fs.Parse([]string{"--metrics-bind-address=:8443", "--metrics-cert-path=/certs", "--metrics-cert-name=c.pem", "--metrics-cert-key=k.pem"}); err != nil {
		t.Fatal(err)
	}
	m := managerOptions(f, newScheme()).Metrics
	if m.CertDir != "/certs" || m.CertName != "c.pem" || m.KeyName != "k.pem" || !m.SecureServing {
		t.Errorf("metrics options %+v: want the certificate of the flags, served securely", m)
	}
}
