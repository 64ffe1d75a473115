package helm

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mailgun-operator/mailgun-operator/test/harness"
)

// TestMetricsCertificate runs the built manager as the chart runs it with
// metrics.tls: the certificate Secret mounted and --metrics-cert-path
// pointing at it. A client that verifies as the chart's ServiceMonitor does
// (the Secret's ca.crt, the metrics Service's DNS name as serverName)
// completes the TLS handshake; against a manager without the flag (its
// self-signed certificate) the same client refuses the certificate.
func TestMetricsCertificate(t *testing.T) {
	cp := controlPlane(t)
	manager, _ := binaries(t)
	// The name the chart's Certificate is issued for and its ServiceMonitor
	// verifies, for release mailgun-operator in namespace x.
	const serverName = "mailgun-operator-controller-manager-metrics-service.x.svc"
	dir := t.TempDir()
	caPEM := writeCert(t, dir, serverName)
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(caPEM) {
		t.Fatal("cannot read the CA")
	}
	verify := &tls.Config{RootCAs: roots, ServerName: serverName, MinVersion: tls.VersionTLS12}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for _, c := range []struct {
		name     string
		args     []string
		verifies bool
	}{
		{"mounted certificate", []string{"--metrics-cert-path=" + dir}, true},
		{"self-signed", nil, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			port, err := harness.FreePort()
			if err != nil {
				t.Fatal(err)
			}
			addr := fmt.Sprintf("127.0.0.1:%d", port)
			args := append([]string{"--metrics-bind-address=" + addr, "--metrics-secure", "--leader-elect=false"}, c.args...)
			p, err := harness.StartManager(ctx, cp, manager, "manager-"+c.name, args, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = p.Stop(10 * time.Second) }()
			// Wait until the metrics server listens (any TLS answer), then
			// handshake as the ServiceMonitor would.
			var handshake error
			deadline := time.Now().Add(30 * time.Second)
			for {
				conn, err := tls.Dial("tcp", addr, verify)
				if err == nil {
					_ = conn.Close()
				}
				handshake = err
				var refused *tls.CertificateVerificationError
				if err == nil || errors.As(err, &refused) || time.Now().After(deadline) {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			var refused *tls.CertificateVerificationError
			switch {
			case c.verifies && handshake != nil:
				t.Errorf("the handshake with the mounted certificate failed: %v\n%s", handshake, p.Output())
			case !c.verifies && !errors.As(handshake, &refused):
				t.Errorf("the self-signed certificate: %v, want the client to refuse it", handshake)
			}
		})
	}
}

// writeCert writes a CA and a server certificate for name (tls.crt,
// tls.key, ca.crt, as cert-manager writes a TLS Secret) into dir and
// returns the CA in PEM.
func writeCert(t *testing.T, dir, name string) []byte {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	for file, b := range map[string][]byte{
		"tls.crt": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		"tls.key": pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}),
		"ca.crt":  caPEM,
	} {
		if err := os.WriteFile(filepath.Join(dir, file), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return caPEM
}
