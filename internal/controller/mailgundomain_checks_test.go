package controller

import (
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// TestDomainCheckTimesSwept: a check time older than the interval (one a
// domain never finalized here leaves behind) is swept; a recent one stays
// and still spaces the checks.
func TestDomainCheckTimesSwept(t *testing.T) {
	x := &domainExternal{dnsCheckInterval: time.Minute}
	if !x.dueForCheck("gone") || !x.dueForCheck("live") {
		t.Fatal("a first check was not due")
	}
	x.lastCheck["gone"] = time.Now().Add(-2 * time.Minute)
	x.sweepChecks(time.Now())
	if _, kept := x.lastCheck[types.UID("gone")]; kept || len(x.lastCheck) != 1 {
		t.Fatalf("after the sweep: %v, want only the recent check", x.lastCheck)
	}
	if x.dueForCheck("live") {
		t.Fatal("the sweep made a recent check due again")
	}
}
