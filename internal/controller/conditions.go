package controller

import (
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
)

// Condition reasons. They are API: dashboards and alerts match on them.
const (
	ReasonSucceeded            = "Succeeded"
	ReasonProgressing          = "Progressing"
	ReasonProgressingWithRetry = "ProgressingWithRetry"
	ReasonInvalidSpec          = "InvalidSpec"
	ReasonInvalidCredentials   = "InvalidCredentials"
	ReasonForbidden            = "Forbidden"
	ReasonSecretNotFound       = "SecretNotFound"
	ReasonAccountNotFound      = "AccountNotFound"
	ReasonAccountNotReady      = "AccountNotReady"
	ReasonRateLimited          = "RateLimited"
	ReasonDomainNotFound       = "DomainNotFound"
	ReasonConflict             = "Conflict"
	ReasonDeleting             = "Deleting"
	ReasonDNSNotVerified       = "DNSNotVerified"
	ReasonDNSVerified          = "DNSVerified"
)

// Reasons of the engine's self-healing and account pinning (see heal.go).
const (
	// ReasonAccountChanged: the account now points at another region or
	// API address than the one the object lives at.
	ReasonAccountChanged = "AccountChanged"
	// ReasonOrphaned (an Event): the object's CRD is being deleted, so its
	// Mailgun object is kept whatever its deletion policy (see crd.go).
	ReasonOrphaned = "Orphaned"
)

// messageInSync is Ready's message when Mailgun matches the spec. It never
// varies, so an in-sync object's status never changes from one reconcile to
// the next.
const messageInSync = "Mailgun matches the spec"

// phase is the kstatus-visible state of an object after a reconcile.
type phase int

const (
	phaseReady       phase = iota // Ready=True
	phaseReconciling              // Ready=False, Reconciling=True
	phaseStalled                  // Ready=False, Stalled=True
)

// setPhase writes Ready, Reconciling and Stalled by kstatus' and Flux's
// rules: Ready always present; Reconciling and Stalled only while True and
// never together; observedGeneration on each and at the top.
func setPhase(st *v1alpha1.Status, generation int64, p phase, reason, message string) {
	st.ObservedGeneration = generation
	ready := metav1.Condition{Type: v1alpha1.ConditionReady, Status: metav1.ConditionFalse,
		Reason: reason, Message: message, ObservedGeneration: generation}
	switch p {
	case phaseReady:
		ready.Status = metav1.ConditionTrue
		meta.RemoveStatusCondition(&st.Conditions, v1alpha1.ConditionReconciling)
		meta.RemoveStatusCondition(&st.Conditions, v1alpha1.ConditionStalled)
	case phaseReconciling:
		meta.RemoveStatusCondition(&st.Conditions, v1alpha1.ConditionStalled)
		setCondition(st, generation, v1alpha1.ConditionReconciling, metav1.ConditionTrue, reason, message)
	case phaseStalled:
		meta.RemoveStatusCondition(&st.Conditions, v1alpha1.ConditionReconciling)
		setCondition(st, generation, v1alpha1.ConditionStalled, metav1.ConditionTrue, reason, message)
	}
	meta.SetStatusCondition(&st.Conditions, ready)
}

// setCondition sets one condition; its lastTransitionTime moves only when its
// status flips.
func setCondition(st *v1alpha1.Status, generation int64, typ string, status metav1.ConditionStatus, reason, message string) {
	meta.SetStatusCondition(&st.Conditions, metav1.Condition{Type: typ, Status: status,
		Reason: reason, Message: message, ObservedGeneration: generation})
}
