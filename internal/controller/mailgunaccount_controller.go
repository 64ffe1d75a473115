package controller

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

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
	// Shard names the manager's shard (Options.Shard); it picks the
	// finalizer Secrets are held with (ShardSecretFinalizer).
	Shard string
}

// +kubebuilder:rbac:groups=mailgun.operator.dev,resources=mailgunaccounts,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=mailgun.operator.dev,resources=mailgunaccounts/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=mailgun.operator.dev,resources=mailgunaccounts/finalizers,verbs=update
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch;update;patch

// Reconcile checks the account's key with one read and writes status only
// when it changed.
func (r *AccountReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	ctx = mailgun.FailFast(ctx) // a 429 pause requeues, it does not hold the worker
	acct := &v1alpha1.MailgunAccount{}
	if err := r.Client.Get(ctx, req.NamespacedName, acct); err != nil {
		if client.IgnoreNotFound(err) == nil {
			r.Accounts.Forget(req.NamespacedName)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !acct.DeletionTimestamp.IsZero() {
		return r.finalize(ctx, acct)
	}
	// The finalizer holds every account until the objects that use it are
	// gone: without it, deleting a namespace or a kustomization would remove
	// the account first and leave its objects unable to delete themselves
	// from Mailgun.
	if err := addFinalizer(ctx, r.Client, acct); err != nil {
		return ctrl.Result{}, err
	}
	orig := acct.DeepCopy()
	again, err := r.holdSecret(ctx, acct)
	if err != nil {
		return ctrl.Result{}, err
	}
	out := r.check(ctx, acct)
	out = settle(out, &orig.Status.Status, r.SyncPeriod, time.Now())
	setPhase(acct.GetStatus(), acct.Generation, out.phase, out.reason, out.message)
	if err := patchStatus(ctx, r.Client, orig, acct, orig.Status, acct.Status); err != nil {
		return ctrl.Result{}, err
	}
	if out.retry {
		return ctrl.Result{}, out.err
	}
	if again > 0 && again < out.requeueAfter {
		out.requeueAfter = again
	}
	return ctrl.Result{RequeueAfter: out.requeueAfter}, nil
}

func (r *AccountReconciler) check(ctx context.Context, acct *v1alpha1.MailgunAccount) outcome {
	// A refused address is neither called nor pinned.
	if err := r.Accounts.CheckURL(baseURLOf(acct)); err != nil {
		return classify(err, time.Now())
	}
	if err := r.pin(ctx, acct); err != nil {
		return classify(err, time.Now())
	}
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

// pin records the API address the account's objects live at, and keeps it
// while objects use the account: pointing a used account at another region
// or address stalls the account and its objects (AccountChanged) instead of
// creating every object again there.
func (r *AccountReconciler) pin(ctx context.Context, acct *v1alpha1.MailgunAccount) error {
	want := baseURLOf(acct)
	if acct.Status.APIBaseURL == want {
		return nil
	}
	if acct.Status.APIBaseURL != "" {
		users, _, err := accountUsers(ctx, r.Client, acct)
		if err != nil {
			return err
		}
		if users > 0 {
			return stalledError(ReasonAccountChanged, fmt.Errorf(
				"the account now points at %s, but its %d MailgunDomains, Webhooks and Routes live at %s: "+
					"set region or apiBaseURL back, or delete those objects (deletionPolicy: Orphan keeps them in Mailgun) first",
				want, users, acct.Status.APIBaseURL))
		}
	}
	acct.Status.APIBaseURL = want
	return nil
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

// finalize releases a deleted account once no object refers to it, and its
// Secret with it (see keyhold.go).
func (r *AccountReconciler) finalize(ctx context.Context, acct *v1alpha1.MailgunAccount) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(acct, Finalizer) {
		return ctrl.Result{}, nil
	}
	users, _, err := accountUsers(ctx, r.Client, acct)
	if err != nil {
		return ctrl.Result{}, err
	}
	if users > 0 {
		orig := acct.DeepCopy()
		setPhase(acct.GetStatus(), acct.Generation, phaseReconciling, ReasonDeleting,
			fmt.Sprintf("waiting for the %d MailgunDomains, Webhooks and Routes that use this account to be deleted", users))
		// Their deletion wakes this account up.
		return ctrl.Result{}, patchStatus(ctx, r.Client, orig, acct, orig.Status, acct.Status)
	}
	// The Secret goes first: should the account's release fail after it,
	// the next reconcile finds no Secret to release and finishes.
	if _, err := r.holdSecret(ctx, acct); err != nil {
		return ctrl.Result{}, err
	}
	if err := removeFinalizer(ctx, r.Client, acct); err != nil {
		return ctrl.Result{}, err
	}
	r.Accounts.Forget(client.ObjectKeyFromObject(acct))
	return ctrl.Result{}, nil
}

// accountUsers counts the managed objects that refer to acct, and those of
// them being deleted.
func accountUsers(ctx context.Context, c client.Reader, acct *v1alpha1.MailgunAccount) (users, deleting int, err error) {
	for _, list := range managedLists() {
		if err := c.List(ctx, list, client.InNamespace(acct.Namespace),
			client.MatchingFields{indexAccountRef: acct.Name}); err != nil {
			return 0, 0, fmt.Errorf("cannot list the objects using account %s: %w", acct.Name, err)
		}
		_ = meta.EachListItem(list, func(o runtime.Object) error {
			users++
			if !o.(metav1.Object).GetDeletionTimestamp().IsZero() {
				deleting++
			}
			return nil
		})
	}
	return users, deleting, nil
}
