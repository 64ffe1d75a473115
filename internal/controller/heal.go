package controller

import (
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
)

// Nothing gives up: an object or account that needs the user (Stalled) is
// still looked at again, with a backoff, so that it heals by itself once
// Mailgun or its Secret does, without an edit or a restart.
const (
	// minRecheck is the first wait before a stalled object is checked
	// again; the wait grows with how long it has been stalled, up to the
	// sync period (and never beyond it: a sync period under minRecheck wins).
	minRecheck = 30 * time.Second
	// confirmDelay is the wait before the second check of an account-level
	// failure (a refused key, a missing Secret or account): one check alone
	// does not stall an object, since a short Mailgun incident answers 401
	// too.
	confirmDelay = 5 * time.Second
)

// accountLevel says whether reason is about the account rather than the
// object: these stall only when a second check agrees.
func accountLevel(reason string) bool {
	switch reason {
	case ReasonInvalidCredentials, ReasonSecretNotFound, ReasonAccountNotFound:
		return true
	}
	return false
}

// settle decides how an outcome is shown and when to look again, from the
// status last written (before). It is where Stalled gets its re-check.
func settle(out outcome, before *v1alpha1.Status, syncPeriod time.Duration, now time.Time) outcome {
	if out.phase != phaseStalled {
		return out
	}
	if accountLevel(out.reason) && !failingWith(before, out.reason) {
		out.phase = phaseReconciling
		out.retry = false
		out.requeueAfter = min(confirmDelay, syncPeriod)
		return out
	}
	out.retry = false
	if out.requeueAfter <= 0 {
		out.requeueAfter = recheckAfter(before, syncPeriod, now)
	}
	return out
}

// failingWith says whether the last written status already failed with reason.
func failingWith(st *v1alpha1.Status, reason string) bool {
	c := meta.FindStatusCondition(st.Conditions, v1alpha1.ConditionReady)
	return c != nil && c.Status == metav1.ConditionFalse && c.Reason == reason
}

// recheckAfter is the backoff of a stalled object: as long as it has been
// stalled, at least minRecheck and at most the sync period, plus jitter.
// The start is Stalled's lastTransitionTime, so it holds across restarts.
func recheckAfter(st *v1alpha1.Status, syncPeriod time.Duration, now time.Time) time.Duration {
	if syncPeriod <= 0 {
		syncPeriod = DefaultSyncPeriod
	}
	lo := min(minRecheck, syncPeriod)
	d := lo
	if c := meta.FindStatusCondition(st.Conditions, v1alpha1.ConditionStalled); c != nil && c.Status == metav1.ConditionTrue {
		d = max(lo, min(now.Sub(c.LastTransitionTime.Time), syncPeriod))
	}
	return jitter(d)
}
