package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mailgun-operator/mailgun-operator/internal/controller"
	"github.com/mailgun-operator/mailgun-operator/internal/mailgun"
)

// flags holds the manager's command line.
type flags struct {
	metricsAddr   string
	probeAddr     string
	secureMetrics bool
	enableHTTP2   bool
	leaderElect   bool

	metricsCertPath string
	metricsCertName string
	metricsCertKey  string

	leaderElectionNamespace string
	leaseDuration           time.Duration
	renewDeadline           time.Duration
	retryPeriod             time.Duration

	syncPeriod       time.Duration
	dnsCheckInterval time.Duration
	concurrency      int
	mailgunRate      float64
	mailgunBurst     int
	pprofAddr        string
	mailgunTimeout   time.Duration
	namespaces       string

	mailgunAllowedHosts      string
	mailgunAllowInsecureHTTP bool

	watchLabelSelector string // shard.go
	leaderElectionID   string // shard.go
}

func registerFlags(fs *flag.FlagSet) *flags {
	f := &flags{}
	fs.StringVar(&f.metricsAddr, "metrics-bind-address", "0",
		"Address the metrics endpoint binds to, for example :8443 (secure) or :8080; 0 turns it off.")
	fs.StringVar(&f.probeAddr, "health-probe-bind-address", ":8081", "Address the /healthz and /readyz probes bind to.")
	fs.BoolVar(&f.secureMetrics, "metrics-secure", true,
		"Serve metrics over HTTPS, only to callers authorized to GET /metrics. false serves plain HTTP.")
	fs.BoolVar(&f.enableHTTP2, "enable-http2", false, "Allow HTTP/2 on the metrics server.")
	fs.StringVar(&f.metricsCertPath, "metrics-cert-path", "",
		"Folder of the metrics server's certificate and key (a mounted TLS Secret); reloaded when they change. "+
			"Empty: a self-signed certificate, which scrapers cannot verify.")
	fs.StringVar(&f.metricsCertName, "metrics-cert-name", "tls.crt", "File name of the metrics certificate in --metrics-cert-path.")
	fs.StringVar(&f.metricsCertKey, "metrics-cert-key", "tls.key", "File name of the metrics certificate's key in --metrics-cert-path.")
	fs.BoolVar(&f.leaderElect, "leader-elect", false,
		"Elect a leader so that only one of several replicas reconciles at a time.")
	fs.StringVar(&f.leaderElectionNamespace, "leader-election-namespace", "",
		"Namespace of the leader election Lease; empty means the manager's own namespace (required outside a cluster).")
	fs.DurationVar(&f.leaseDuration, "leader-election-lease-duration", 15*time.Second,
		"How long a lost leader's lease blocks the others from taking over.")
	fs.DurationVar(&f.renewDeadline, "leader-election-renew-deadline", 10*time.Second,
		"How long the leader keeps trying to renew its lease before it gives up leading.")
	fs.DurationVar(&f.retryPeriod, "leader-election-retry-period", 2*time.Second,
		"How often candidates try to acquire or renew the lease.")
	fs.DurationVar(&f.syncPeriod, "sync-period", controller.DefaultSyncPeriod,
		"How often each in-sync object is compared with Mailgun to correct drift (with up to 10% jitter).")
	fs.DurationVar(&f.dnsCheckInterval, "dns-check-interval", controller.DefaultDNSCheckInterval,
		"How often Mailgun is asked to check the DNS of an unverified domain again.")
	fs.IntVar(&f.concurrency, "max-concurrent-reconciles", 4, "Objects of each kind reconciled in parallel.")
	fs.StringVar(&f.pprofAddr, "pprof-bind-address", "0",
		"Address of Go's pprof endpoints (/debug/pprof/), for profiling memory and CPU; \"0\" turns them off. Plain HTTP without authentication: bind it to 127.0.0.1 and use kubectl port-forward.")
	fs.Float64Var(&f.mailgunRate, "mailgun-requests-per-second", mailgun.DefaultRequestsPerSecond,
		"Mailgun requests per second per account (token bucket); 0 means unlimited. "+
			"With the default burst, the default keeps every minute within Mailgun's 300 requests per minute per account.")
	fs.IntVar(&f.mailgunBurst, "mailgun-burst", mailgun.DefaultBurst, "Burst of the per-account Mailgun request bucket.")
	fs.DurationVar(&f.mailgunTimeout, "mailgun-timeout", 30*time.Second, "Timeout of one Mailgun request.")
	fs.StringVar(&f.namespaces, "namespaces", "",
		"Comma-separated namespaces to watch; empty watches every namespace.")
	fs.StringVar(&f.mailgunAllowedHosts, "mailgun-allowed-hosts", strings.Join(controller.DefaultAllowedHosts, ","),
		"Comma-separated hosts (host or host:port; a host alone allows any port) a MailgunAccount's apiBaseURL may point at. "+
			"Any other address stalls the account (InvalidSpec) without sending its key.")
	fs.BoolVar(&f.mailgunAllowInsecureHTTP, "mailgun-allow-insecure-http", false,
		"Allow http:// apiBaseURLs (for an emulator or a local proxy): the API key then travels in clear.")
	registerShardFlags(fs, f)
	return f
}

func (f *flags) validate() error {
	var errs []error
	if f.probeAddr == "" {
		errs = append(errs, errors.New("--health-probe-bind-address must not be empty: the kubelet probes it"))
	}
	if f.syncPeriod < 10*time.Second {
		errs = append(errs, fmt.Errorf("--sync-period %s is too short: use 10s or more", f.syncPeriod))
	}
	if f.dnsCheckInterval < time.Second {
		errs = append(errs, fmt.Errorf("--dns-check-interval %s is too short: use 1s or more", f.dnsCheckInterval))
	}
	if f.concurrency < 1 {
		errs = append(errs, fmt.Errorf("--max-concurrent-reconciles must be at least 1, not %d", f.concurrency))
	}
	if f.mailgunRate < 0 || f.mailgunBurst < 1 {
		errs = append(errs, errors.New("--mailgun-requests-per-second must be >= 0 and --mailgun-burst >= 1"))
	}
	if f.leaderElect && !(f.retryPeriod > 0 && f.retryPeriod < f.renewDeadline && f.renewDeadline < f.leaseDuration) {
		errs = append(errs, errors.New("leader election needs 0 < --leader-election-retry-period < --leader-election-renew-deadline < --leader-election-lease-duration"))
	}
	if f.metricsCertPath != "" && !f.secureMetrics {
		errs = append(errs, errors.New("--metrics-cert-path needs --metrics-secure: plain-HTTP metrics use no certificate"))
	}
	if f.mailgunTimeout <= 0 {
		errs = append(errs, errors.New("--mailgun-timeout must be positive"))
	}
	if _, err := f.watchSelector(); err != nil {
		errs = append(errs, err)
	}
	if hosts := f.allowedHosts(); len(hosts) == 0 {
		errs = append(errs, errors.New("--mailgun-allowed-hosts must name at least one host"))
	} else if err := controller.ParseAllowedHosts(hosts); err != nil {
		errs = append(errs, fmt.Errorf("--mailgun-allowed-hosts: %w", err))
	}
	return errors.Join(errs...)
}

// checkMetricsCert fails when --metrics-cert-path names files that are not
// there: the metrics server would otherwise fall back to a self-signed
// certificate without a word, and every verifying scrape would fail.
func (f *flags) checkMetricsCert() error {
	if f.metricsCertPath == "" {
		return nil
	}
	for _, name := range []string{f.metricsCertName, f.metricsCertKey} {
		if _, err := os.Stat(filepath.Join(f.metricsCertPath, name)); err != nil {
			return fmt.Errorf("the metrics certificate: %w (see --metrics-cert-path, --metrics-cert-name, --metrics-cert-key)", err)
		}
	}
	return nil
}

// allowedHosts parses --mailgun-allowed-hosts.
func (f *flags) allowedHosts() []string {
	return splitList(f.mailgunAllowedHosts)
}

// watchedNamespaces parses --namespaces.
func (f *flags) watchedNamespaces() []string {
	return splitList(f.namespaces)
}

// splitList splits a comma-separated flag, dropping blanks.
func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
