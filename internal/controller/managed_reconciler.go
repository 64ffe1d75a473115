package controller

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
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
	// Claims lists objects of the kind by indexClaim (the manager's cache),
	// and NewList makes an empty list of the kind. Without them, claims are
	// not checked.
	Claims  client.Reader
	NewList func() client.ObjectList
	// Paused says whether an account is paused by a 429 (the Mailgun
	// client's PausedUntil); nil: never.
	Paused func(mailgun.Account) (time.Time, bool)
	// Fresh reads the API server itself, bypassing the informer cache:
	// a first sight of an existing Mailgun object is confirmed with it
	// before it is recorded as Adopted (see confirmFirstSight). nil: not
	// confirmed (unit tests).
	Fresh client.Reader
	// CRDDeleting says whether the kind's CustomResourceDefinition is
	// being deleted (see crd.go); then nothing is deleted from Mailgun.
	// nil: never asked (unit tests without a CRD).
	CRDDeleting func(context.Context) (bool, error)
}

// Reconcile brings one object's Mailgun state to its spec and writes its
// status once, only if it changed.
func (e *Engine[T]) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	// A 429 pause never holds this worker: the call fails at once and the
	// reset time becomes the requeue delay (see classify).
	ctx = mailgun.FailFast(ctx)
	obj := e.New()
	if err := e.Client.Get(ctx, req.NamespacedName, obj); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	orig := obj.DeepCopyObject().(T)
	// A create whose marker status does not show as done is pending; the
	// status written at the end records it, only over the status this
	// reconcile read (lock): a copy from a lagging cache may show the
	// marker of a create that has since been resolved, and its pending
	// create written over the newer status would make someone else's
	// object count as created (deleted with the resource).
	lock := pendingFromMarker(obj)
	if lock {
		// That copy would also have this reconcile act on someone else's
		// object as its own pending create: update it (a login's
		// password), take it as Created, or delete it. The locked status
		// write comes too late for those, so the copy is checked first,
		// with one direct read, only while a marker is outstanding.
		if err := e.confirmFresh(ctx, obj, "acting on its create marker"); err != nil {
			if out := classify(err, time.Now()); out.err == nil {
				return ctrl.Result{RequeueAfter: out.requeueAfter}, nil
			}
			return ctrl.Result{}, client.IgnoreNotFound(err)
		}
	}
	var out outcome
	if obj.GetDeletionTimestamp().IsZero() {
		out = e.sync(ctx, obj, &orig)
	} else {
		out = e.finalize(ctx, obj)
		if out.phase == phaseReady { // the finalizer is gone: nothing left to write
			return ctrl.Result{}, nil
		}
	}
	return e.finish(ctx, orig, obj, out, lock)
}

// finish records the outcome in status and turns it into a result. lock:
// the status write carries the resourceVersion read, and fails (to be
// retried) if the object changed since.
func (e *Engine[T]) finish(ctx context.Context, orig, obj T, out outcome, lock bool) (ctrl.Result, error) {
	st := obj.GetManagedStatus()
	out = settle(out, &orig.GetManagedStatus().Status, e.SyncPeriod, time.Now())
	if out.phase == phaseReconciling && strings.HasPrefix(out.message, conflictRuleMark) {
		// A wait of the conflict rule begins when its message is first
		// written, whatever Reconciling said before (an outage's retries):
		// with a CRD that drops createConflictSince, the wait's start is
		// read from this condition's transition time (waitStart).
		if c := meta.FindStatusCondition(st.Conditions, v1alpha1.ConditionReconciling); c != nil && !conflictRuleWrote(c) {
			meta.RemoveStatusCondition(&st.Conditions, v1alpha1.ConditionReconciling)
		}
	}
	setPhase(&st.Status, obj.GetGeneration(), out.phase, out.reason, out.message)
	// The marker as this reconcile saw it: the answer of the status write
	// carries the object as the API server has it, which may show a marker
	// this reconcile never saw (its copy came from a lagging cache), and
	// the status just written knows nothing of that create.
	_, outstanding := markerAfterCreated(obj)
	var opts []client.MergeFromOption
	if lock {
		opts = append(opts, client.MergeFromWithOptimisticLock{})
	}
	if err := patchStatus(ctx, e.Client, orig, obj, orig.GetWholeStatus(), obj.GetWholeStatus(), opts...); err != nil {
		if r, o := st.CreateRefusedTime, orig.GetManagedStatus().CreateRefusedTime; r != nil && (o == nil || !o.Equal(r)) {
			// A create refused in this reconcile, and its record lost:
			// should its marker's removal have failed too, the next
			// reconcile would take that create as pending (what Mailgun
			// then shows counted as created, deleted with the resource).
			// One more try at removing the marker; it holds nothing else.
			if uerr := e.unmarkCreate(ctx, obj, &orig); uerr != nil {
				logf.FromContext(ctx).V(1).Info("cannot remove the refused create's marker", "error", uerr.Error())
			}
		}
		return ctrl.Result{}, err
	}
	if st.CreatePendingSince == nil && obj.GetDeletionTimestamp().IsZero() && outstanding {
		// Status, now written, says no create is pending, yet the marker
		// is not covered by createdTime: the create it stands for was
		// resolved another way (an adopted object found again, a create
		// that made nothing: createRefusedTime). Only now may the marker
		// go; should this write fail, the next reconcile tries again (a
		// create that made nothing stays done by createRefusedTime; any
		// other is taken as pending again and searched for: a wait, never
		// a second object).
		if err := e.unmarkCreate(ctx, obj, &orig); err != nil {
			logf.FromContext(ctx).V(1).Info("cannot remove the resolved create marker", "error", err.Error())
		}
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

// patchStatus writes status when, and only when, it changed: any of it, not
// only the conditions, or what an adapter recorded (the password version
// applied, say) would be lost and re-applied on every sync.
func (e *Engine[T]) patchStatus(ctx context.Context, orig, obj T) error {
	return patchStatus(ctx, e.Client, orig, obj, orig.GetWholeStatus(), obj.GetWholeStatus())
}

// sync makes Mailgun match the spec of a live object.
// orig is the object as last written; sync moves it forward when it writes
// status early (the create marker), so that the final write sends the rest.
func (e *Engine[T]) sync(ctx context.Context, obj T, orig *T) outcome {
	if winner, err := e.claimWinner(ctx, obj); err != nil || winner != "" {
		if err == nil {
			err = conflictError(obj, winner)
		}
		return classify(err, time.Now())
	}
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
	if err := e.confirmFirstSight(ctx, obj); err != nil {
		return classify(err, time.Now())
	}
	// A pending create that is found is resolved in status (own sets
	// createdTime). The marker stays until that status is written (see
	// finish): removed before, a lost status write would leave no record
	// of the create at all, and the next reconcile would post again.
	e.own(obj, found, nil)
	if err := e.recordIdentity(ctx, obj, orig); err != nil {
		return classify(err, time.Now())
	}
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

// confirmFirstSight checks, before an existing Mailgun object is recorded
// as Adopted, that the object was not read from a cache that lags behind
// the operator's own create: a reconcile retried right after a create whose
// status write failed may get the object as it was before its create
// marker, and would take the object it made for someone else's (Adopted:
// left in Mailgun when the resource is deleted). One direct read, only on
// a first sight; a cache that lags is waited for.
func (e *Engine[T]) confirmFirstSight(ctx context.Context, obj T) error {
	st := obj.GetManagedStatus()
	// A pending create found is confirmed too: a lagging copy may still
	// carry a createPendingSince that the refusal of the wait's deciding
	// create has since cleared, and would take someone else's object as
	// Created (one direct read per lost create resolved).
	if st.Management != "" && st.CreatePendingSince == nil {
		return nil
	}
	return e.confirmFresh(ctx, obj, "adopting the Mailgun object")
}

// confirmFresh reads obj from the API server itself and fails with a short
// wait when the copy at hand is older (a lagging cache); before says what
// waits for it.
func (e *Engine[T]) confirmFresh(ctx context.Context, obj T, before string) error {
	if e.Fresh == nil {
		return nil
	}
	fresh := e.New()
	if err := e.Fresh.Get(ctx, client.ObjectKeyFromObject(obj), fresh); err != nil {
		return fmt.Errorf("cannot read the object before %s: %w", before, err)
	}
	if fresh.GetResourceVersion() != obj.GetResourceVersion() {
		return waitError(ReasonProgressing, time.Second, fmt.Errorf(
			"the cached copy of this object is older than the API server's; looking again before %s", before))
	}
	return nil
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

// ownershipEvent is what happened to the Mailgun object, for own.
type ownershipEvent int

const (
	creating     ownershipEvent = iota // a create is about to be sent
	created                            // the create answered success
	createFailed                       // the create failed with err
	found                              // Observe found the object
)

// own is the one place that decides whether the operator made the Mailgun
// object (Created), found it (Adopted), or cannot know yet (a pending
// create: createPendingSince). A pending create counts as Created for
// deletion (EffectiveDeletionPolicy) and makes Observe and Delete search for
// what it may have made.
func (e *Engine[T]) own(obj T, ev ownershipEvent, err error) {
	st := obj.GetManagedStatus()
	switch ev {
	case creating:
		now := metav1.Now()
		st.CreatePendingSince = &now
	case created:
		now := metav1.Now()
		st.CreatedTime = &now
		st.Management = v1alpha1.ManagementCreated
		st.CreatePendingSince = nil
		st.CreateConflictSince = nil
		e.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, "Created", "Create", "created the object in Mailgun")
	case createFailed:
		if !postMayHaveCreated(err) {
			// This create (create() set createPendingSince to its
			// start) made nothing: its marker is done, even if it
			// cannot be removed (outstandingMarker).
			if st.CreatePendingSince != nil {
				st.CreateRefusedTime = &metav1.MicroTime{Time: st.CreatePendingSince.Time}
			}
			st.CreatePendingSince = nil
		}
	case found:
		// Seen: any wait for Mailgun to show it is over.
		st.CreateConflictSince = nil
		switch {
		case st.CreatePendingSince != nil && st.Management == v1alpha1.ManagementAdopted:
			// An adopted object that read as gone for a moment, then a
			// re-create whose answer was lost: what is found may well be
			// the object the user had before. It stays adopted, so it is
			// never deleted without deletionPolicy: Delete.
			st.CreatePendingSince = nil
		case st.CreatePendingSince != nil:
			// The create whose answer was lost made it. createdTime is
			// what tells the create marker as done (outstandingMarker):
			// once this status is written, the marker may stay or go.
			now := metav1.Now()
			st.CreatedTime = &now
			st.Management = v1alpha1.ManagementCreated
			st.CreatePendingSince = nil
		case st.Management == "":
			st.Management = v1alpha1.ManagementAdopted
			e.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, "Adopted", "Adopt",
				"adopted the existing Mailgun object; it stays in Mailgun on deletion unless deletionPolicy is Delete")
		}
	}
}

// postMayHaveCreated says whether a failed create may still have made the
// object: only when the POST itself failed without a clear answer (a
// transport error, a timeout, a 5xx, a malformed answer, or the call cut
// short). Anything raised before the POST (a missing SMTP Secret, an
// invalid spec) and any 4xx made nothing.
func postMayHaveCreated(err error) bool {
	var me *mailgun.Error
	if !errors.As(err, &me) {
		return false
	}
	return me.Kind() == mailgun.ErrTransient || me.Kind() == nil
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
	now := time.Now()
	if start, ok := waitStart(st, now); ok && waitLeft(start, now) > 0 {
		// A create was told the object exists and reads do not show it:
		// Observe, which ran above, is most of what this reconcile does.
		// A POST is sent again only on a growing backoff (waitPosts):
		// each would most likely hear "already exists" again, against
		// Mailgun's rate limit, but one may find the name freed (an
		// object deleted outside the operator whose name Mailgun still
		// holds for a while: docs/mailgun-api.md, "Eventual consistency").
		if next, due := nextWaitPost(obj, start, now); !due {
			return e.awaitVisibility(obj, min(waitLeft(start, now), next))
		}
	}
	if e.Paused != nil {
		// The create would fail at once: no marker write for it.
		if until, paused := e.Paused(acct); paused {
			return rateLimited(until, time.Now())
		}
	}
	if st.Management == v1alpha1.ManagementAdopted && st.CreateConflictSince == nil {
		// Once: not again for each create of a wait's backoff.
		e.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, "Recreating", "Create",
			"the adopted Mailgun object is gone; creating it from the spec")
	}
	// The write-ahead marker: one patch of the object's metadata, with the
	// resourceVersion read, adds the finalizer, the create-started
	// annotation (the marker) and the identity when it is known before the
	// create. If the informer cache handed this reconcile a stale object
	// (one from before an earlier create recorded its result), the patch
	// conflicts and nothing is posted, instead of a second create.
	started := time.Now()
	if err := e.markCreate(ctx, obj, started); err != nil {
		return classify(err, time.Now())
	}
	(*orig).SetResourceVersion(obj.GetResourceVersion())
	(*orig).SetFinalizers(obj.GetFinalizers())
	(*orig).SetAnnotations(obj.GetAnnotations())
	earlier := st.CreatePendingSince
	e.own(obj, creating, nil)
	st.CreatePendingSince = &metav1.Time{Time: started}
	obs, err := e.External.Create(ctx, acct, obj)
	if err != nil && errors.Is(err, mailgun.ErrConflict) {
		return e.conflict(ctx, obj, orig, earlier, err)
	}
	if err != nil {
		e.createFailed(ctx, obj, orig, err)
		return classify(err, time.Now())
	}
	// The identity is recorded before the create counts as done: should
	// this write fail, the create stays pending and the next reconcile
	// finds the object by its marker or name, never by a stale annotation.
	if err := e.recordIdentity(ctx, obj, orig); err != nil {
		return classify(err, time.Now())
	}
	e.own(obj, created, nil)
	if !obs.upToDate {
		return outcome{phase: phaseReconciling, reason: ReasonProgressing, requeueAfter: time.Second,
			message: "created in Mailgun; applying the rest of the spec"}
	}
	return e.settled(obs)
}

// visibilityWait bounds how long an object may read as missing while
// Mailgun says it exists, before it is a Conflict that needs the user (a
// domain may have moved to another account; a create may really have made
// nothing, and the name be someone else's).
const visibilityWait = 10 * time.Minute

// conflictAdopter is the one thing a kind tells the engine about "already
// exists": whether it takes over an object of that name that it did not
// make once reads show it (a list, a template, a login with spec.adopt),
// so that such a conflict is waited for. Kinds without it, or answering
// false, stop at once on the name of someone else (a domain: most likely
// held by another Mailgun account, which reads never show).
type conflictAdopter[T any] interface {
	adoptsOnConflict(obj T) bool
}

func (e *Engine[T]) adoptsOnConflict(obj T) bool {
	a, ok := e.External.(conflictAdopter[T])
	return ok && a.adoptsOnConflict(obj)
}

// conflict is the one rule for a create answered "already exists" while
// Observe, just before, did not see the object (docs/mailgun-api.md,
// "Eventual consistency": reads may lag writes). earlier is the create that
// was pending before this one, if any. Three cases, for every kind:
//
//   - an earlier create of ours had no answer: most likely it made the
//     object. It stays pending, so counted as created (deleted with the
//     resource, found as Created, never Adopted), and the wait counts from
//     that create (from now, should that create be older than the wait
//     itself, for a kind that would wait anyway).
//   - this resource has seen the object before (Created or Adopted) and it
//     now reads missing: Mailgun is not showing it, or it moved away (a
//     domain to another account). The wait counts from now; what status
//     records of the object stays as it was.
//   - a name never seen: the kind's outcome. A kind that adopts on
//     conflict waits for the object to show, then adopts it; the others
//     stop at once with a Conflict.
//
// A wait is recorded in status (createConflictSince, so it holds across
// restarts). While it lasts, Observe resolves it when Mailgun shows the
// object, and create() posts again only on a backoff (waitPosts); a POST
// that makes the object ends the wait as Created. Once it is over, one more
// create decides: made, or "already exists" again, which is then a
// Conflict for the user. A lost create of ours is then no longer counted
// as pending: a later sight of the object is not counted as created, since
// the name may be someone else's and deleting it with the resource would be
// worse than leaving it. An object seen before keeps its record.
func (e *Engine[T]) conflict(ctx context.Context, obj T, orig *T, earlier *metav1.Time, err error) outcome {
	st := obj.GetManagedStatus()
	now := time.Now()
	waits := st.Management != "" || e.adoptsOnConflict(obj)
	since := st.CreateConflictSince
	looked := since != nil
	switch {
	case since != nil && earlier != nil && earlier.After(since.Time):
		// A create of ours began after this wait did and had no answer
		// (the deciding create, or one on the wait's backoff, cut short
		// after Mailgun made the object): the object may be that
		// create's, and a new wait counts from it.
		since, looked = earlier, false
	case since != nil:
		// In the wait (a POST on its backoff) or after it (the deciding
		// POST).
	case earlier != nil:
		since = earlier
		if waits && now.Sub(earlier.Time) >= visibilityWait {
			// A create lost longer ago than the wait (a long outage):
			// no looking has been done yet.
			since = &metav1.Time{Time: now}
		}
	case waits:
		since = &metav1.Time{Time: now}
		// createConflictSince may not survive the status write: an
		// installed CRD older than the operator (a Helm upgrade never
		// upgrades crds/) drops the field without a word, and every
		// reconcile would start a new wait, posting each grace, never a
		// Conflict. The conditions, which every CRD version has, bound
		// it as well: a wait began no later than the Reconciling
		// condition's Progressing, and a Conflict already decided stays
		// one (with the field, createConflictSince, kept after a
		// Conflict, says so). Only conditions this rule wrote count
		// (conflictRuleWrote): status that shows this rule's wait or
		// Conflict without createConflictSince is a dropped field; a
		// Progressing or a Conflict of anything else (a claim's loser)
		// says nothing of this wait, which then lasts in full.
		if t, ok := waitStart(st, now); ok {
			since, looked = &metav1.Time{Time: t}, true
		}
	}
	st.CreateConflictSince = since
	if since != nil && now.Sub(since.Time) < visibilityWait {
		if earlier != nil {
			// The marker stays (this create's, newer: a restore without
			// status waits from it, longer, never shorter).
			st.CreatePendingSince = earlier
		} else {
			e.createFailed(ctx, obj, orig, err)
		}
		return e.awaitVisibility(obj, visibilityWait-now.Sub(since.Time))
	}
	e.createFailed(ctx, obj, orig, err)
	if since == nil {
		return classify(err, now)
	}
	how := "does not show it"
	if looked {
		how = "has not shown it in " + visibilityWait.String() + " of looking"
	}
	return classify(stalledError(ReasonConflict, fmt.Errorf(
		conflictRuleMark+"%s already exists but %s: it may be held by another Mailgun account or "+
			"made by someone else; delete it there or choose another name (the operator keeps checking, and takes it once Mailgun shows it "+
			"if this resource may: created, adopted or spec.adopt): %w",
		e.External.Identity(obj), how, err)), now)
}

// conflictRuleMark begins every condition message of the conflict rule
// (its wait: awaitVisibility; its Conflict) and no other: status showing
// one of them without createConflictSince is status whose CRD dropped the
// field (see conflict).
const conflictRuleMark = "Mailgun says "

// conflictRuleWrote says whether c is a condition the conflict rule wrote.
func conflictRuleWrote(c *metav1.Condition) bool {
	return c != nil && strings.HasPrefix(c.Message, conflictRuleMark)
}

// waitStart is when the current wait began (see conflict): its
// createConflictSince or, for status without it (a CRD that drops it), as
// told by the conditions the conflict rule wrote: no later than its
// Reconciling Progressing began, and a Conflict it decided stays one (a
// wait over). ok is false when there is neither: no wait has begun. The
// one start for both the wait's end and its backoff POSTs (nextWaitPost).
func waitStart(st *v1alpha1.ManagedStatus, now time.Time) (time.Time, bool) {
	if st.CreateConflictSince != nil {
		return st.CreateConflictSince.Time, true
	}
	if c := meta.FindStatusCondition(st.Conditions, v1alpha1.ConditionReady); failingWith(&st.Status, ReasonConflict) && conflictRuleWrote(c) {
		return now.Add(-visibilityWait), true
	}
	if c := meta.FindStatusCondition(st.Conditions, v1alpha1.ConditionReconciling); c != nil && c.Status == metav1.ConditionTrue &&
		c.Reason == ReasonProgressing && conflictRuleWrote(c) && c.LastTransitionTime.Time.Before(now) {
		return c.LastTransitionTime.Time, true
	}
	return time.Time{}, false
}

// waitPosts are when, counted from the start of a wait (createConflictSince),
// a create is sent again while it lasts: about 4 POSTs in 10 minutes,
// rather than none (a freed name would be created only when the wait is
// over) or one each grace (about 40, each most likely "already exists"
// again, against Mailgun's rate limit).
var waitPosts = []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute}

// nextWaitPost says whether a create is due in the wait begun at start
// (waitStart), or how long until the next one is. The last create sent is
// the later of the last one refused (createRefusedTime) and the one of the
// create marker (a lost create's wait keeps it); the next is the first
// point of waitPosts after it. None left: the one more create when the
// wait is over. Everything it reads is in status, so it holds across
// restarts. (A CRD that drops createRefusedTime too leaves only the
// marker, removed after a refusal: past the first point, a POST each
// grace until the wait is over, as before the backoff.)
func nextWaitPost(obj v1alpha1.Managed, start, now time.Time) (time.Duration, bool) {
	st := obj.GetManagedStatus()
	var last time.Time
	if st.CreateRefusedTime != nil {
		last = st.CreateRefusedTime.Time
	}
	if t, _, ok := createMarker(obj); ok && ownMarker(obj) && t.After(last) {
		last = t
	}
	for _, d := range waitPosts {
		at := start.Add(d)
		if !at.After(last) {
			continue
		}
		if !now.Before(at) {
			return 0, true
		}
		return at.Sub(now), false
	}
	return visibilityWait, false
}

// createFailed records a create that failed with err. When it made
// nothing (any answer but a transient failure: "already exists" among
// them), the marker goes, or every later reconcile would take the create
// as pending. Should that write fail, it is: a marker search and a wait,
// never a second object.
func (e *Engine[T]) createFailed(ctx context.Context, obj T, orig *T, err error) {
	e.own(obj, createFailed, err)
	if obj.GetManagedStatus().CreatePendingSince != nil {
		return
	}
	if uerr := e.unmarkCreate(ctx, obj, orig); uerr != nil {
		logf.FromContext(ctx).V(1).Info("cannot remove the create marker", "error", uerr.Error())
	}
}

// visibilityLeft is how long a deletion still takes a DELETE answered 404
// for the wait for an object Mailgun says exists (see conflict): from the
// later of the wait's start and a create pending since; ok is false when
// there is no wait, or it is over.
func visibilityLeft(st *v1alpha1.ManagedStatus) (time.Duration, bool) {
	if st.CreateConflictSince == nil {
		return 0, false
	}
	start := st.CreateConflictSince.Time
	if p := st.CreatePendingSince; p != nil && p.After(start) {
		// A create of the wait's backoff whose answer was lost: the
		// object may be that create's, as unseen as the first.
		start = p.Time
	}
	left := waitLeft(start, time.Now())
	return left, left > 0
}

// waitLeft is how long a wait begun at start still lasts at now. Capped: a
// start ahead of this clock (another replica's, skewed) never makes the
// wait longer.
func waitLeft(start, now time.Time) time.Duration {
	return min(visibilityWait-now.Sub(start), visibilityWait)
}

// awaitVisibility is the outcome of a reconcile in that wait: Reconciling,
// looking again after the create grace (or after left, if sooner: the next
// create of the wait's backoff, or its end).
func (e *Engine[T]) awaitVisibility(obj T, left time.Duration) outcome {
	st := obj.GetManagedStatus()
	after := max(e.CreateGrace, time.Second)
	if left > 0 && left < after {
		after = left
	}
	var msg string
	switch {
	case st.CreatePendingSince != nil:
		msg = conflictRuleMark + "the object exists, most likely made by the earlier create whose answer was lost; waiting for Mailgun to show it " +
			"(creating again only on a backoff: at 1, 2, 4 and 8 minutes)"
	case st.Management != "":
		msg = conflictRuleMark + "the object exists but does not show it; looking again for up to " + visibilityWait.String() +
			", creating again only on a backoff (at 1, 2, 4 and 8 minutes); if this lasts, check that it is still in this Mailgun account"
	default:
		msg = conflictRuleMark + "the object exists but does not show it yet; looking again for up to " + visibilityWait.String() +
			", creating again only on a backoff (at 1, 2, 4 and 8 minutes), and taking it over once Mailgun shows it"
	}
	return outcome{phase: phaseReconciling, reason: ReasonProgressing, requeueAfter: after, message: msg}
}

// CreateStartedAnnotation is the write-ahead marker of a create: when the
// operator last began one (RFC 3339 with nanoseconds) and for which object
// (its UID, so that a copy or a restore of the resource, which has another
// UID, never takes the original's create as its own), space-separated,
// exactly two fields (every release parses it so), written with the
// finalizer, before the POST (with ExternalNameWrittenAnnotation when that
// create wrote the external name). A create is pending while status
// records no createdTime at or after it nor a createRefusedTime of that
// very create (see pendingFromMarker). It is left in place after a create
// that answered, and after a lost create found later: createdTime then
// says it is done. It is removed only once written status says no create
// is pending (see finish), never before; with it goes the external name it
// wrote when the create made nothing (unmarkCreate).
const CreateStartedAnnotation = "mailgun.operator.dev/create-started"

// markCreate writes the finalizer, the create marker and, when known before
// the create, the identity, in one patch that carries the resourceVersion
// read.
func (e *Engine[T]) markCreate(ctx context.Context, obj T, at time.Time) error {
	cp := obj.DeepCopyObject().(T)
	controllerutil.AddFinalizer(cp, Finalizer)
	ann := maps.Clone(cp.GetAnnotations())
	if ann == nil {
		ann = map[string]string{}
	}
	// A name an earlier create of this resource wrote stays marked as
	// such (that create may have made nothing, like this one: the name
	// goes with the marker then); another object's mark (a copy's) goes.
	if ann[ExternalNameWrittenAnnotation] != string(obj.GetUID()) || ann[ExternalNameAnnotation] == "" {
		delete(ann, ExternalNameWrittenAnnotation)
	}
	if id := e.External.Identity(obj); id != "" {
		if ann[ExternalNameAnnotation] == "" {
			// Written for a create: should it make nothing, the name
			// goes with the marker (unmarkCreate), or a name someone
			// else holds would read as this resource's own (a login's
			// mayManage).
			ann[ExternalNameWrittenAnnotation] = string(obj.GetUID())
		}
		ann[ExternalNameAnnotation] = id
	}
	ann[CreateStartedAnnotation] = at.UTC().Format(time.RFC3339Nano) + " " + string(obj.GetUID())
	cp.SetAnnotations(ann)
	if err := e.Client.Patch(ctx, cp, client.MergeFromWithOptions(obj, client.MergeFromWithOptimisticLock{})); err != nil {
		return fmt.Errorf("cannot record the create before sending it: %w", err)
	}
	obj.SetFinalizers(cp.GetFinalizers())
	obj.SetAnnotations(ann)
	obj.SetResourceVersion(cp.GetResourceVersion())
	return nil
}

// unmarkCreate removes the create marker after a create that made nothing,
// or once status records the create as resolved (see finish).
func (e *Engine[T]) unmarkCreate(ctx context.Context, obj T, orig *T) error {
	if _, ok := obj.GetAnnotations()[CreateStartedAnnotation]; !ok {
		return nil
	}
	cp := obj.DeepCopyObject().(T)
	ann := maps.Clone(cp.GetAnnotations())
	delete(ann, CreateStartedAnnotation)
	delete(ann, ExternalNameWrittenAnnotation)
	st := obj.GetManagedStatus()
	if markerWroteNameOf(obj) && st.Management == "" && st.CreatePendingSince == nil {
		// The create made nothing and this resource has no object: the
		// external name its create wrote names nothing of its own.
		delete(ann, ExternalNameAnnotation)
	} else if _, ok := e.External.(markerFinder); ok && ann[ExternalNameAnnotation] == "" {
		// Without its marker, only the external name finds the object
		// after a restore without status (recordIdentity skipped it while
		// the marker was there): in the same patch.
		if id := e.External.Identity(obj); id != "" {
			ann[ExternalNameAnnotation] = id
		}
	}
	cp.SetAnnotations(ann)
	if err := e.Client.Patch(ctx, cp, client.MergeFrom(obj)); err != nil {
		return fmt.Errorf("cannot remove the create marker: %w", err)
	}
	obj.SetAnnotations(ann)
	obj.SetResourceVersion(cp.GetResourceVersion())
	(*orig).SetAnnotations(ann)
	(*orig).SetResourceVersion(cp.GetResourceVersion())
	return nil
}

// pendingFromMarker takes a create as pending when its marker is newer than
// the createdTime in status (or status has none): the answer of that create
// was lost, or its record was (a crash, a failed status write, a status
// wiped). createdTime is stored to the second, so the marker is compared
// truncated to the second: a create answered within the same second as it
// began reads as done, as it is. Status written since then already says
// pending (createPendingSince) when the create's outcome is unknown.
//
// A new create never begins within the create grace of the last createdTime
// (inGrace), so the truncation cannot hide one.
//
// It says whether it set createPendingSince.
func pendingFromMarker(obj v1alpha1.Managed) bool {
	st := obj.GetManagedStatus()
	if st.CreatePendingSince != nil {
		return false
	}
	if t, ok := outstandingMarker(obj); ok {
		st.CreatePendingSince = &metav1.Time{Time: t}
		return true
	}
	return false
}

// ExternalNameWrittenAnnotation says that the create of the object whose
// UID it holds wrote the external-name annotation (there was none): should
// that create make nothing, the name goes with the marker (unmarkCreate).
// It is written and removed in the same patches as the create marker. It is
// an annotation of its own, not a third field of the marker: releases
// before it read the marker as "<time> <uid>" (strings.Cut), and would take
// "<uid> <flag>" for another object's UID, this resource's own pending
// create for a copy's.
const ExternalNameWrittenAnnotation = "mailgun.operator.dev/external-name-written"

// markerUIDOf is the UID obj's create marker names, "" without one.
func markerUIDOf(obj metav1.Object) types.UID {
	_, uid, _ := strings.Cut(obj.GetAnnotations()[CreateStartedAnnotation], " ")
	return types.UID(uid)
}

// markerWroteNameOf says whether obj's own create marker wrote the
// external-name annotation (see markCreate).
func markerWroteNameOf(obj metav1.Object) bool {
	// The mark names the UID it is for: it counts without the marker too,
	// which a user or an earlier release may have removed alone.
	return obj.GetAnnotations()[ExternalNameWrittenAnnotation] == string(obj.GetUID())
}

// createMarker reads obj's create marker: when the create began and for
// which object's UID.
func createMarker(obj metav1.Object) (time.Time, types.UID, bool) {
	at, u, _ := strings.Cut(obj.GetAnnotations()[CreateStartedAnnotation], " ")
	uid := types.UID(u)
	t, err := time.Parse(time.RFC3339Nano, at)
	if err != nil || uid == "" {
		return time.Time{}, "", false
	}
	return t, uid, true
}

// ownMarker says whether obj carries its own create marker.
func ownMarker(obj metav1.Object) bool {
	uid := markerUIDOf(obj)
	return uid != "" && uid == obj.GetUID()
}

// outstandingMarker returns the time of obj's own create marker when status
// does not show that create as done: neither created (createdTime) nor
// refused (createRefusedTime).
func outstandingMarker(obj v1alpha1.Managed) (time.Time, bool) {
	t, ok := markerAfterCreated(obj)
	if !ok {
		return time.Time{}, false
	}
	// createRefusedTime is stored to the microsecond, the marker to the
	// nanosecond. Only that very create is done: a refusal recorded later
	// than the marker (a skewed clock's) never hides a create of its own.
	if r := obj.GetManagedStatus().CreateRefusedTime; r != nil && r.Time.Equal(t.Truncate(time.Microsecond)) {
		return time.Time{}, false
	}
	return t, true
}

// markerAfterCreated returns the time of obj's own create marker when
// createdTime does not cover it.
func markerAfterCreated(obj v1alpha1.Managed) (time.Time, bool) {
	t, uid, ok := createMarker(obj)
	if !ok || uid != obj.GetUID() {
		// Another object's marker (a copy, a restore: its identity comes
		// from the external-name annotation), or not ours.
		return time.Time{}, false
	}
	st := obj.GetManagedStatus()
	if st.CreatedTime != nil && !st.CreatedTime.Time.Before(t.Truncate(time.Second)) {
		return time.Time{}, false
	}
	return t, true
}

// markerOutstanding says whether obj carries a create marker that status
// does not show as done.
func markerOutstanding(obj v1alpha1.Managed) bool {
	_, ok := outstandingMarker(obj)
	return ok
}

// recordIdentity writes the Mailgun object's identity into the
// ExternalNameAnnotation when it differs. orig follows, so that the status
// write that ends the reconcile does not undo it.
func (e *Engine[T]) recordIdentity(ctx context.Context, obj T, orig *T) error {
	id := e.External.Identity(obj)
	if id == "" || obj.GetAnnotations()[ExternalNameAnnotation] == id {
		return nil
	}
	if _, ok := e.External.(markerFinder); ok && ownMarker(obj) && obj.GetAnnotations()[ExternalNameAnnotation] == "" {
		// The create marker, kept after the create, finds this object
		// after a restore (route_restore.go): status holds the id, and
		// the annotation would be a third write per create.
		return nil
	}
	cp := obj.DeepCopyObject().(T)
	ann := maps.Clone(cp.GetAnnotations())
	if ann == nil {
		ann = map[string]string{}
	}
	ann[ExternalNameAnnotation] = id
	cp.SetAnnotations(ann)
	// A merge patch of one annotation key leaves every other key alone.
	if err := e.Client.Patch(ctx, cp, client.MergeFrom(obj)); err != nil {
		return fmt.Errorf("cannot record the external name: %w", err)
	}
	obj.SetAnnotations(ann)
	obj.SetResourceVersion(cp.GetResourceVersion())
	(*orig).SetAnnotations(ann)
	(*orig).SetResourceVersion(cp.GetResourceVersion())
	return nil
}

// claimWinner: see claims.go.
func (e *Engine[T]) claimWinner(ctx context.Context, obj T) (string, error) {
	if e.Claims == nil || e.NewList == nil {
		return "", nil
	}
	return claimWinner(ctx, e.Claims, e.NewList(), obj)
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
	winner, err := e.claimWinner(ctx, obj)
	if err != nil {
		return classify(err, time.Now())
	}
	// A claim's loser never deletes what the winner manages.
	if known && winner == "" && v1alpha1.EffectiveDeletionPolicy(obj.GetManagedSpec(), st) == v1alpha1.DeletionDelete {
		crdGone, err := e.crdDeleting(ctx)
		if err != nil {
			return classify(err, time.Now())
		}
		if crdGone {
			// Removing the CRDs uninstalls the operator; it never empties
			// the Mailgun account.
			logf.FromContext(ctx).Info("the CustomResourceDefinition is being deleted: orphaning the Mailgun object, whatever the deletion policy")
			e.Recorder.Eventf(obj, nil, corev1.EventTypeWarning, ReasonOrphaned, "Delete",
				"the CustomResourceDefinition is being deleted: the Mailgun object is kept (orphaned), whatever the deletion policy")
		} else if out, done := e.deleteExternal(ctx, obj); !done {
			return out
		}
	}
	if err := removeFinalizer(ctx, e.Client, obj); err != nil {
		return classify(err, time.Now())
	}
	if f, ok := e.External.(forgetter); ok {
		f.Forget(obj.GetUID())
	}
	return outcome{phase: phaseReady}
}

func (e *Engine[T]) crdDeleting(ctx context.Context) (bool, error) {
	if e.CRDDeleting == nil {
		return false, nil
	}
	return e.CRDDeleting(ctx)
}

func (e *Engine[T]) deleteExternal(ctx context.Context, obj T) (outcome, bool) {
	acct, err := e.accountForDelete(ctx, obj)
	if err == nil {
		err = e.External.Delete(ctx, acct, obj)
	}
	if errors.Is(err, mailgun.ErrNotFound) {
		// Right after a create, Mailgun may answer 404 for an object it
		// has (docs/mailgun-api.md, "Eventual consistency"): letting go now
		// would leave it in Mailgun with no owner. Look again after the
		// grace.
		if wait, ok := e.inGrace(obj); ok {
			return outcome{phase: phaseReconciling, reason: ReasonDeleting, requeueAfter: wait,
				message: "Mailgun does not show the object it just created yet; deleting it once it does"}, false
		}
		// In the wait for an object Mailgun says exists and does not
		// show (see conflict): the 404 is that, not the object gone. The
		// DELETE is sent again each grace until it succeeds or the wait
		// is over (then the object is let go, as after any 404).
		if left, ok := visibilityLeft(obj.GetManagedStatus()); ok {
			return outcome{phase: phaseReconciling, reason: ReasonDeleting, requeueAfter: min(max(e.CreateGrace, time.Second), left),
				message: "Mailgun answers not found to the DELETE of an object it says exists; deleting again until it is gone, for up to " +
					visibilityWait.String() + " after the create"}, false
		}
	}
	if err != nil && !errors.Is(err, mailgun.ErrNotFound) {
		out := classify(err, time.Now())
		switch {
		case out.err == nil: // a wait for Mailgun to finish, not a failure
		case out.reason == ReasonSecretNotFound || out.reason == ReasonAccountNotFound:
			// The account normally holds its Secret until every deletion
			// is done (see keyhold.go); this is a key really gone.
			out.message = "cannot delete from Mailgun: the API key is gone (" + out.message +
				"). Restore the account and its Secret to delete the Mailgun object, or set deletionPolicy: Orphan to let go without deleting it"
		default:
			out.message = "cannot delete from Mailgun (set deletionPolicy: Orphan to let go without deleting): " + out.message
		}
		return out, false
	}
	e.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, "Deleted", "Delete", "deleted the object from Mailgun")
	return outcome{}, true
}

// forgetter is implemented by adapters that keep per-object memory, which
// must go with the object whatever its deletion policy.
type forgetter interface{ Forget(uid types.UID) }

// account resolves obj's MailgunAccount. An account known to hold a bad or
// missing key stops the object here, without a call doomed to fail.
func (e *Engine[T]) account(ctx context.Context, obj T) (mailgun.Account, error) {
	acct, err := e.Accounts.Get(ctx, obj.GetNamespace(), obj.GetManagedSpec().AccountName())
	if err != nil {
		return mailgun.Account{}, err
	}
	if err := accountMoved(acct); err != nil {
		return mailgun.Account{}, err
	}
	if reason, msg, bad := accountBroken(acct); bad {
		return mailgun.Account{}, stalledError(reason,
			fmt.Errorf("MailgunAccount %s is not usable: %s", acct.Name, msg))
	}
	return e.Accounts.Resolve(ctx, acct)
}

// accountMoved stops an object whose account now points at another region
// or API address than the one its Mailgun object lives at: creating it
// again there would leave the old one behind.
func accountMoved(acct *v1alpha1.MailgunAccount) error {
	if pinned := acct.Status.APIBaseURL; pinned != "" && pinned != baseURLOf(acct) {
		return stalledError(ReasonAccountChanged, fmt.Errorf(
			"MailgunAccount %s now points at %s, but this object lives at %s: set the account's region or apiBaseURL back, "+
				"or delete this resource (deletionPolicy: Orphan keeps the Mailgun object) and create it again", acct.Name, baseURLOf(acct), pinned))
	}
	return nil
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
