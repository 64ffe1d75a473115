package controller

import (
	"context"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
	"github.com/mailgun-operator/mailgun-operator/internal/mailgun"
)

// keyChecker is the one Mailgun call an account needs: a cheap authenticated
// read that proves the key works.
type keyChecker interface {
	ListDomains(ctx context.Context, a mailgun.Account, o mailgun.ListOptions) (mailgun.DomainPage, error)
}

// AccountReconciler checks that a MailgunAccount's key works and reports it.
type AccountReconciler struct {
	Client     client.Client
	Accounts   *Accounts
	Mailgun    keyChecker
	SyncPeriod time.Duration
}

// +kubebuilder:rbac:groups=mailgun.operator.dev,resources=mailgunaccounts,verbs=get;list;watch
// +kubebuilder:rbac:groups=mailgun.operator.dev,resources=mailgunaccounts/status,verbs=get;update;patch
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch

// Reconcile checks the account's key with one read and writes status only
// when it changed.
func (r *AccountReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	acct := &v1alpha1.MailgunAccount{}
	if err := r.Client.Get(ctx, req.NamespacedName, acct); err != nil {
		if client.IgnoreNotFound(err) == nil {
			r.Accounts.Forget(req.NamespacedName)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	orig := acct.DeepCopy()
	out := r.check(ctx, acct)
	setPhase(acct.GetStatus(), acct.Generation, out.phase, out.reason, out.message)
	if !equality.Semantic.DeepEqual(orig.Status, acct.Status) {
		if err := r.Client.Status().Patch(ctx, acct, client.MergeFrom(orig)); err != nil {
			return ctrl.Result{}, err
		}
	}
	if out.retry {
		return ctrl.Result{}, out.err
	}
	return ctrl.Result{RequeueAfter: out.requeueAfter}, nil
}

func (r *AccountReconciler) check(ctx context.Context, acct *v1alpha1.MailgunAccount) outcome {
	a, err := r.Accounts.Resolve(ctx, acct)
	if err == nil {
		_, err = r.Mailgun.ListDomains(ctx, a, mailgun.ListOptions{Limit: 1})
	}
	if err != nil {
		return classify(err, time.Now())
	}
	return outcome{phase: phaseReady, reason: ReasonSucceeded, requeueAfter: jitter(r.SyncPeriod),
		message: "the API key works"}
}

// accountBroken says whether acct's current spec and Secret are known not to
// work, so that its objects stop without a call that would fail the same way.
func accountBroken(acct *v1alpha1.MailgunAccount) (reason, message string, broken bool) {
	ready := meta.FindStatusCondition(acct.Status.Conditions, v1alpha1.ConditionReady)
	if ready == nil || ready.Status != metav1.ConditionFalse || ready.ObservedGeneration != acct.Generation {
		return "", "", false
	}
	switch ready.Reason {
	case ReasonInvalidCredentials, ReasonSecretNotFound:
		return ready.Reason, ready.Message, true
	}
	return "", "", false
}
