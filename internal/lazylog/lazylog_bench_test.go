package lazylog

import (
	"io"
	"testing"

	"github.com/go-logr/logr"
	"k8s.io/klog/v2"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
)

// BenchmarkReconcileLogger is a reconcile's logging when nothing is
// written: the logger controller-runtime builds for it (its LogConstructor
// and the reconcile ID), then a debug line below the level. The manager's
// logger as cmd/manager builds it (controller-runtime's zap, JSON, info).
//
//	go test ./internal/lazylog -run '^$' -bench . -benchmem -count 10 > /tmp/lazylog.txt
//	bin/benchstat-* -col /logger /tmp/lazylog.txt
func BenchmarkReconcileLogger(b *testing.B) {
	for _, bc := range []struct {
		name string
		l    logr.Logger
	}{
		{"logger=zap", zap.New(zap.WriteTo(io.Discard))},
		{"logger=lazy", New(zap.New(zap.WriteTo(io.Discard)))},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				l := bc.l.WithValues("controller", "route", "controllerGroup", "mailgun.operator.dev", "controllerKind", "Route",
					"Route", klog.KRef("team-a", "route-1234"), "namespace", "team-a", "name", "route-1234")
				l = l.WithValues("reconcileID", "3f1c2a9e-5b7d-4c2e-9a61-0d8f7e6b5a43")
				l.V(1).Info("reconcile did not complete", "reason", "Succeeded")
			}
		})
	}
}
