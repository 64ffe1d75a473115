package controller

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
	"github.com/mailgun-operator/mailgun-operator/internal/mailgun"
)

// Finalizer holds a resource until its Mailgun object is deleted or orphaned.
const Finalizer = "mailgun.operator.dev/finalizer"

// Defaults of the engine's timing.
const (
	DefaultSyncPeriod = 10 * time.Minute
	// DefaultCreateGrace is how long a Mailgun object may stay invisible
	// after a create (eventual consistency) before it is taken as gone.
	DefaultCreateGrace = 15 * time.Second
)

// Engine reconciles one managed kind through its external adapter. One engine
// serves every kind; it owns everything but the talking to Mailgun.
type Engine[T v1alpha1.Managed] struct {
	Client   client.Client
	Accounts *Accounts
	External external[T]
	Recorder events.EventRecorder
	// New returns an empty object of the kind.
	New func() T
	// SyncPeriod is how often an in-sync object is checked for drift.
	SyncPeriod time.Duration
	// CreateGrace: see DefaultCreateGrace.
	CreateGrace time.Duration
}

// Reconcile brings one object's Mailgun state to its spec and writes its
// status once, only if it changed.
func (e *Engine[T]) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	obj := e.New()
	if err := e.Client.Get(ctx, req.NamespacedName, obj); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	orig := obj.DeepCopyObject().(T)
	var out outcome
	if obj.GetDeletionTimestamp().IsZero() {
		out = e.sync(ctx, obj, &orig)
	} else {
		out = e.finalize(ctx, obj)
		if out.phase == phaseReady { // the finalizer is gone: nothing left to write
			return ctrl.Result{}, nil
		}
	}
	return e.finish(ctx, orig, obj, out)
}

// finish records the outcome in status and turns it into a result.
func (e *Engine[T]) finish(ctx context.Context, orig, obj T, out outcome) (ctrl.Result, error) {
	st := obj.GetManagedStatus()
	setPhase(&st.Status, obj.GetGeneration(), out.phase, out.reason, out.message)
	if err := e.patchStatus(ctx, orig, obj); err != nil {
		return ctrl.Result{}, err
	}
	if out.err != nil {
		logf.FromContext(ctx).V(1).Info("reconcile did not complete", "reason", out.reason, "error", out.err.Error())
		if out.phase == phaseStalled {
			e.Recorder.Eventf(obj, nil, corev1.EventTypeWarning, out.reason, "Reconcile", "%s", out.message)
		}
	}
	if out.retry {
		return ctrl.Result{}, out.err
	}
	return ctrl.Result{RequeueAfter: out.requeueAfter}, nil
}

// patchStatus writes status when, and only when, it changed.
func (e *Engine[T]) patchStatus(ctx context.Context, orig, obj T) error {
	return patchStatus(ctx, e.Client, orig, obj, orig.GetManagedStatus(), obj.GetManagedStatus())
}

// sync makes Mailgun match the spec of a live object.
// orig is the object as last written; sync moves it forward when it writes
// status early (the create marker), so that the final write sends the rest.
func (e *Engine[T]) sync(ctx context.Context, obj T, orig *T) outcome {
	acct, err := e.account(ctx, obj)
	if err != nil {
		return classify(err, time.Now())
	}
	obs, err := e.External.Observe(ctx, acct, obj)
	if err != nil {
		return classify(err, time.Now())
	}
	if !obs.exists {
		return e.create(ctx, acct, obj, orig)
	}
	e.recordOwnership(obj)
	if v1alpha1.EffectiveDeletionPolicy(obj.GetManagedSpec(), obj.GetManagedStatus()) == v1alpha1.DeletionDelete {
		if err := e.ensureFinalizer(ctx, obj); err != nil {
			return classify(err, time.Now())
		}
	}
	if !obs.upToDate {
		if err := e.update(ctx, acct, obj, obs); err != nil {
			return classify(err, time.Now())
		}
	}
	return e.settled(obs)
}

// settled is the outcome of an object whose Mailgun object matches the spec.
func (e *Engine[T]) settled(obs observation) outcome {
	after := jitter(e.SyncPeriod)
	if obs.lookAgain > 0 && obs.lookAgain < after {
		after = obs.lookAgain
	}
	if obs.notReady != nil {
		return outcome{phase: phaseReconciling, reason: obs.notReady.reason, message: obs.notReady.message, requeueAfter: after}
	}
	return outcome{phase: phaseReady, reason: ReasonSucceeded, message: messageInSync, requeueAfter: after}
}

// recordOwnership decides, once, whether the operator made the Mailgun
// object or found it. A pending create that is now visible was ours.
func (e *Engine[T]) recordOwnership(obj T) {
	st := obj.GetManagedStatus()
	if st.Management != "" {
		st.CreatePendingSince = nil
		return
	}
	if st.CreatePendingSince != nil {
		st.Management = v1alpha1.ManagementCreated
		st.CreatePendingSince = nil
		return
	}
	st.Management = v1alpha1.ManagementAdopted
	e.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, "Adopted", "Adopt",
		"adopted the existing Mailgun object; it stays in Mailgun on deletion unless deletionPolicy is Delete")
}

func (e *Engine[T]) update(ctx context.Context, acct mailgun.Account, obj T, obs observation) error {
	if err := e.ensureFinalizer(ctx, obj); err != nil {
		return err
	}
	if err := e.External.Update(ctx, acct, obj, obs); err != nil {
		return err
	}
	e.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, "Updated", "Update", "updated Mailgun: %s", obs.diff)
	return nil
}

// create makes the Mailgun object, guarded by a write-ahead marker so that a
// crash or a lost status write between the create and its record never
// makes a second object.
func (e *Engine[T]) create(ctx context.Context, acct mailgun.Account, obj T, orig *T) outcome {
	st := obj.GetManagedStatus()
	if wait, ok := e.inGrace(obj); ok {
		return outcome{phase: phaseReconciling, reason: ReasonProgressing, requeueAfter: wait,
			message: "waiting for Mailgun to show the object it just created"}
	}
	if st.Management == v1alpha1.ManagementAdopted {
		e.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, "Recreating", "Create",
			"the adopted Mailgun object is gone; creating it from the spec")
	}
	if err := e.ensureFinalizer(ctx, obj); err != nil {
		return classify(err, time.Now())
	}
	// The marker below is checked against the resourceVersion of orig,
	// which the finalizer patch has just moved on.
	(*orig).SetResourceVersion(obj.GetResourceVersion())
	(*orig).SetFinalizers(obj.GetFinalizers())
	now := metav1.Now()
	st.CreatePendingSince = &now
	// The marker is written with the resourceVersion read: if the informer
	// cache handed this reconcile a stale object (one from before an
	// earlier create recorded its result), the write conflicts and nothing
	// is posted, instead of a second create.
	if err := patchStatus(ctx, e.Client, *orig, obj, (*orig).GetManagedStatus(), st, client.MergeFromWithOptimisticLock{}); err != nil {
		return classify(err, time.Now())
	}
	*orig = obj.DeepCopyObject().(T)
	obs, err := e.External.Create(ctx, acct, obj)
	if err != nil {
		if !mayHaveCreated(err) {
			st.CreatePendingSince = nil
		}
		return classify(err, time.Now())
	}
	now = metav1.Now()
	st.CreatedTime = &now
	st.Management = v1alpha1.ManagementCreated
	st.CreatePendingSince = nil
	e.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, "Created", "Create", "created the object in Mailgun")
	if !obs.upToDate {
		return outcome{phase: phaseReconciling, reason: ReasonProgressing, requeueAfter: time.Second,
			message: "created in Mailgun; applying the rest of the spec"}
	}
	return e.settled(obs)
}

// inGrace says whether the object was created (or a create was attempted)
// so recently that its absence may only be Mailgun's eventual consistency.
// Both times live in status, so this holds across restarts.
func (e *Engine[T]) inGrace(obj T) (time.Duration, bool) {
	st := obj.GetManagedStatus()
	var since time.Time
	for _, t := range []*metav1.Time{st.CreatedTime, st.CreatePendingSince} {
		if t != nil && t.After(since) {
			since = t.Time
		}
	}
	left := e.CreateGrace - time.Since(since)
	return left, !since.IsZero() && left > 0
}

// mayHaveCreated is false only when Mailgun surely made nothing: it answered
// with a client error, or the request never left.
func mayHaveCreated(err error) bool {
	return !(errors.Is(err, mailgun.ErrInvalid) || errors.Is(err, mailgun.ErrUnauthorized) || errors.Is(err, mailgun.ErrForbidden) ||
		errors.Is(err, mailgun.ErrConflict) || errors.Is(err, mailgun.ErrRateLimited) ||
		errors.Is(err, mailgun.ErrNotFound))
}

// ensureFinalizer adds the finalizer before the first write to Mailgun.
func (e *Engine[T]) ensureFinalizer(ctx context.Context, obj T) error {
	return addFinalizer(ctx, e.Client, obj)
}

// finalize runs the deletion policy and releases the finalizer. phaseReady
// means done.
func (e *Engine[T]) finalize(ctx context.Context, obj T) outcome {
	if !controllerutil.ContainsFinalizer(obj, Finalizer) {
		return outcome{phase: phaseReady}
	}
	st := obj.GetManagedStatus()
	known := st.Management != "" || st.CreatePendingSince != nil
	if known && v1alpha1.EffectiveDeletionPolicy(obj.GetManagedSpec(), st) == v1alpha1.DeletionDelete {
		if out, done := e.deleteExternal(ctx, obj); !done {
			return out
		}
	}
	if err := removeFinalizer(ctx, e.Client, obj); err != nil {
		return classify(err, time.Now())
	}
	return outcome{phase: phaseReady}
}

func (e *Engine[T]) deleteExternal(ctx context.Context, obj T) (outcome, bool) {
	acct, err := e.accountForDelete(ctx, obj)
	if err == nil {
		err = e.External.Delete(ctx, acct, obj)
	}
	if err != nil && !errors.Is(err, mailgun.ErrNotFound) {
		out := classify(err, time.Now())
		if out.err != nil { // a failure, not a wait for Mailgun to finish
			out.message = "cannot delete from Mailgun (set deletionPolicy: Orphan to let go without deleting): " + out.message
		}
		return out, false
	}
	e.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, "Deleted", "Delete", "deleted the object from Mailgun")
	return outcome{}, true
}

// account resolves obj's MailgunAccount. An account known to hold a bad or
// missing key stops the object here, without a call doomed to fail.
func (e *Engine[T]) account(ctx context.Context, obj T) (mailgun.Account, error) {
	acct, err := e.Accounts.Get(ctx, obj.GetNamespace(), obj.GetManagedSpec().AccountName())
	if err != nil {
		return mailgun.Account{}, err
	}
	if reason, msg, bad := accountBroken(acct); bad {
		return mailgun.Account{}, stalledError(reason,
			fmt.Errorf("MailgunAccount %s is not usable: %s", acct.Name, msg))
	}
	return e.Accounts.Resolve(ctx, acct)
}

// accountForDelete resolves obj's account for a deletion, which must be able
// to finish while the account and its Secret are being deleted too.
func (e *Engine[T]) accountForDelete(ctx context.Context, obj T) (mailgun.Account, error) {
	acct, err := e.Accounts.Get(ctx, obj.GetNamespace(), obj.GetManagedSpec().AccountName())
	if err != nil {
		return mailgun.Account{}, err
	}
	return e.Accounts.ResolveForDelete(ctx, acct)
}

// jitter spreads drift checks by up to +10% so objects created together do
// not all hit Mailgun together forever.
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		d = DefaultSyncPeriod
	}
	return d + time.Duration(rand.Int64N(int64(d)/10+1))
}
