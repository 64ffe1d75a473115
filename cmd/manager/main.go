// Command manager runs the mailgun-operator controllers: it turns flags into
// manager options, registers the controllers and runs until SIGTERM. Nothing
// else lives here.
package main

import (
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/discovery"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	mailgunv1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
	"github.com/mailgun-operator/mailgun-operator/internal/controller"
	"github.com/mailgun-operator/mailgun-operator/internal/lazylog"
	"github.com/mailgun-operator/mailgun-operator/internal/mailgun"
	"github.com/mailgun-operator/mailgun-operator/internal/metricsauth"
)

// version is stamped at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	err := run(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return // -help printed the usage; that is not a failure
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "manager:", err)
		os.Exit(1)
	}
}

func newScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	utilruntime.Must(mailgunv1alpha1.AddToScheme(s))
	return s
}

func run(args []string) error {
	fs := flag.NewFlagSet("manager", flag.ContinueOnError)
	f := registerFlags(fs)
	zapOpts := zap.Options{Development: false}
	zapOpts.BindFlags(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("cannot parse flags: %w", err)
	}
	if err := f.validate(); err != nil {
		return err
	}
	if err := f.checkMetricsCert(); err != nil {
		return err
	}
	// Each reconcile's logger pairs are encoded only for lines written
	// (internal/lazylog: a fifth of the manager's allocations before).
	ctrl.SetLogger(lazylog.New(zap.New(zap.UseFlagOptions(&zapOpts))))
	log := ctrl.Log.WithName("setup")
	log.Info("starting mailgun-operator", "version", version)

	restConfig, err := ctrl.GetConfig()
	if err != nil {
		return fmt.Errorf("cannot load a kubeconfig or in-cluster config: %w", err)
	}
	if err := checkAPIServer(restConfig); err != nil {
		return err
	}
	mgr, err := ctrl.NewManager(restConfig, managerOptions(f, newScheme()))
	if err != nil {
		return fmt.Errorf("cannot create the manager: %w", err)
	}
	mgMetrics := mailgun.NewMetrics()
	metrics.Registry.MustRegister(mgMetrics.Collectors()...)
	mg := mailgun.New(mailgun.Options{
		Timeout:             f.mailgunTimeout,
		MaxIdleConnsPerHost: 4 * f.concurrency, // also the per-host connection limit: one per reconcile worker of the four kinds
		RequestsPerSecond:   f.mailgunRate,
		Burst:               f.mailgunBurst,
		Metrics:             mgMetrics,
	})
	if err := controller.SetupWithManager(mgr, mg, controller.Options{
		SyncPeriod:              f.syncPeriod,
		DNSCheckInterval:        f.dnsCheckInterval,
		MaxConcurrentReconciles: f.concurrency,
		AllowedHosts:            f.allowedHosts(),
		AllowInsecureHTTP:       f.mailgunAllowInsecureHTTP,
		Shard:                   f.shardName(),
	}); err != nil {
		return err
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return fmt.Errorf("cannot add the health check: %w", err)
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return fmt.Errorf("cannot add the ready check: %w", err)
	}
	log.Info("starting manager")
	if err := mgr.Start(ctrl.SetupSignalHandler()); err != nil {
		return fmt.Errorf("cannot run the manager: %w", err)
	}
	return nil
}

// checkAPIServer fails fast, with a message that names the address, when
// the API server cannot be reached, instead of an error from deep in setup.
func checkAPIServer(cfg *rest.Config) error {
	c := rest.CopyConfig(cfg)
	c.Timeout = 15 * time.Second
	dc, err := discovery.NewDiscoveryClientForConfig(c)
	if err != nil {
		return fmt.Errorf("cannot use the kubeconfig: %w", err)
	}
	if _, err := dc.ServerVersion(); err != nil {
		return fmt.Errorf("cannot reach the Kubernetes API server at %s (check KUBECONFIG or the in-cluster service account): %w", cfg.Host, err)
	}
	return nil
}

func managerOptions(f *flags, scheme *runtime.Scheme) ctrl.Options {
	var tlsOpts []func(*tls.Config)
	if !f.enableHTTP2 {
		// HTTP/2 stays off on the metrics server unless asked for: it was
		// the vector of the Rapid Reset and Stream Cancellation CVEs.
		tlsOpts = append(tlsOpts, func(c *tls.Config) { c.NextProtos = []string{"http/1.1"} })
	}
	metricsOpts := metricsserver.Options{
		BindAddress:   f.metricsAddr,
		SecureServing: f.secureMetrics,
		TLSOpts:       tlsOpts,
	}
	if f.secureMetrics {
		// Only a caller whose token may GET /metrics reads them. Our own
		// filter, not controller-runtime's pkg/metrics/filters, which
		// links k8s.io/apiserver and cel-go: see internal/metricsauth for
		// the binary and RSS it saves.
		metricsOpts.FilterProvider = metricsauth.Filter
	}
	if f.metricsCertPath != "" {
		// A certificate scrapers can verify (the chart mounts a Secret,
		// from cert-manager or the user); controller-runtime reloads it
		// when the files change.
		metricsOpts.CertDir = f.metricsCertPath
		metricsOpts.CertName = f.metricsCertName
		metricsOpts.KeyName = f.metricsCertKey
	}
	var cacheOpts cache.Options
	if ns := f.watchedNamespaces(); len(ns) > 0 {
		cacheOpts.DefaultNamespaces = map[string]cache.Config{}
		for _, n := range ns {
			cacheOpts.DefaultNamespaces[n] = cache.Config{}
		}
	}
	controller.SetCacheTransforms(&cacheOpts)
	sel, _ := f.watchSelector() // checked by validate
	shardCache(&cacheOpts, sel)
	return ctrl.Options{
		Cache:                         cacheOpts,
		Scheme:                        scheme,
		Metrics:                       metricsOpts,
		HealthProbeBindAddress:        f.probeAddr,
		PprofBindAddress:              f.pprofAddr,
		LeaderElection:                f.leaderElect,
		LeaderElectionID:              f.leaseID(),
		LeaderElectionReleaseOnCancel: true,
		LeaderElectionNamespace:       f.leaderElectionNamespace,
		LeaseDuration:                 &f.leaseDuration,
		RenewDeadline:                 &f.renewDeadline,
		RetryPeriod:                   &f.retryPeriod,
	}
}
