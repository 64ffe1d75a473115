package main

import (
	"errors"
	"flag"
)

// flags holds the manager's command line.
type flags struct {
	metricsAddr   string
	probeAddr     string
	secureMetrics bool
	enableHTTP2   bool
	leaderElect   bool
}

func registerFlags(fs *flag.FlagSet) *flags {
	f := &flags{}
	fs.StringVar(&f.metricsAddr, "metrics-bind-address", "0",
		"Address the metrics endpoint binds to, for example :8443 (secure) or :8080; 0 turns it off.")
	fs.StringVar(&f.probeAddr, "health-probe-bind-address", ":8081", "Address the /healthz and /readyz probes bind to.")
	fs.BoolVar(&f.secureMetrics, "metrics-secure", true,
		"Serve metrics over HTTPS, only to callers authorized to GET /metrics. false serves plain HTTP.")
	fs.BoolVar(&f.enableHTTP2, "enable-http2", false, "Allow HTTP/2 on the metrics server.")
	fs.BoolVar(&f.leaderElect, "leader-elect", false,
		"Elect a leader so that only one of several replicas reconciles at a time.")
	return f
}

func (f *flags) validate() error {
	if f.probeAddr == "" {
		return errors.New("--health-probe-bind-address must not be empty: the kubelet probes it")
	}
	return nil
}
