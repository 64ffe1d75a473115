package controller

import (
	"context"
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
	"github.com/mailgun-operator/mailgun-operator/internal/mailgun"
)

// listRig is a MailingList behind h; seen gives it the status of one it
// made before.
func listRig(t *testing.T, h *hider, seen bool, fns *interceptor.Funcs) conflictRig {
	t.Helper()
	l := &v1alpha1.MailingList{ObjectMeta: metav1.ObjectMeta{Name: "l", Namespace: "ns", UID: "uid-l"},
		Spec: v1alpha1.MailingListSpec{Address: "devs@mg.example.com"}}
	seenBefore(&l.Status.ManagedStatus, seen)
	if seen {
		l.Finalizers = []string{Finalizer}
	}
	return newConflictRigWith(t, l, func() *v1alpha1.MailingList { return &v1alpha1.MailingList{} },
		func(client.Client) external[*v1alpha1.MailingList] { return &listExternal{api: hiddenList{hider: h}} }, fns)
}

// passwordLogin counts the password changes sent for a login.
type passwordLogin struct {
	hiddenLogin
	puts *int
}

func (f passwordLogin) UpdateCredential(context.Context, mailgun.Account, string, string, string) error {
	*f.puts++
	return nil
}

// failMarkerRemoval fails every patch that removes the create marker while
// *on holds: the API server unavailable at that moment.
func failMarkerRemoval(on *bool) *interceptor.Funcs {
	return &interceptor.Funcs{Patch: func(ctx context.Context, c client.WithWatch, obj client.Object, p client.Patch, opts ...client.PatchOption) error {
		if *on && obj.GetAnnotations()[CreateStartedAnnotation] == "" {
			return errors.New("injected: the API server is unavailable")
		}
		return c.Patch(ctx, obj, p, opts...)
	}}
}

// TestConflictLoginNotTakenOver: a login someone else holds, answered
// "already exists" to this resource's create (no spec.adopt), is never
// taken over once listed: the external-name annotation the create wrote
// goes with its marker, so it cannot vouch for the login later (mayManage),
// even when the marker's removal fails at first. An external name the user
// wrote stays (it is how a restore without status finds its login).
func TestConflictLoginNotTakenOver(t *testing.T) {
	for _, tc := range []struct {
		name string
		// userName: the resource carries the login's external name before
		// any create (a restore).
		userName    bool
		unmarkFails bool
		// markerGoneAlone: after the failed removal, someone (a user, an
		// earlier release) removes the create marker and leaves the mark.
		markerGoneAlone bool
	}{
		{name: "name written by the create"},
		{name: "name written by the create, marker removal fails at first", unmarkFails: true},
		{name: "name written by the create, the marker then removed alone", unmarkFails: true, markerGoneAlone: true},
		{name: "name the user wrote", userName: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := &hider{exists: true, hidden: true}
			puts := 0
			cr := &v1alpha1.SMTPCredential{ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: "ns", UID: "uid-c"},
				Spec: v1alpha1.SMTPCredentialSpec{Domain: "mg.example.com", Login: "bob",
					PasswordSecretRef: v1alpha1.PasswordSecretReference{Name: "pw"}}}
			if tc.userName {
				cr.Annotations = map[string]string{ExternalNameAnnotation: "mg.example.com/bob@mg.example.com"}
			}
			failing := tc.unmarkFails
			rig := newConflictRigWith(t, cr, func() *v1alpha1.SMTPCredential { return &v1alpha1.SMTPCredential{} },
				func(c client.Client) external[*v1alpha1.SMTPCredential] {
					return &credentialExternal{api: passwordLogin{hiddenLogin: hiddenLogin{hider: h, login: "bob@mg.example.com"}, puts: &puts},
						secrets: Secrets{Cached: c, Direct: c}}
				}, failMarkerRemoval(&failing))
			_, _ = rig.reconcile()
			if got := readyOf(rig.status()); got != "False/"+ReasonConflict {
				t.Fatalf("Ready %s, want False/%s", got, ReasonConflict)
			}
			failing = false
			if tc.markerGoneAlone {
				o := rig.object()
				if o.GetAnnotations()[ExternalNameWrittenAnnotation] == "" {
					t.Fatalf("annotations %v: want the mark left by the failed removal", o.GetAnnotations())
				}
				patch := client.MergeFrom(o.DeepCopyObject().(client.Object))
				ann := o.GetAnnotations()
				delete(ann, CreateStartedAnnotation)
				o.SetAnnotations(ann)
				if err := rig.c.Patch(context.Background(), o, patch); err != nil {
					t.Fatal(err)
				}
			}
			h.hidden = false
			for range 2 {
				_, _ = rig.reconcile()
			}
			st := rig.status()
			ann := rig.object().GetAnnotations()
			if tc.markerGoneAlone {
				if st.Management != "" || puts != 0 {
					t.Fatalf("management %q, %d password changes: an external name vouched for by a mark without its marker", st.Management, puts)
				}
				return
			}
			if tc.userName {
				if ann[ExternalNameAnnotation] != "mg.example.com/bob@mg.example.com" {
					t.Fatalf("annotations %v: the user's external name is gone", ann)
				}
				return
			}
			if st.Management != "" || puts != 0 {
				t.Fatalf("management %q, %d password changes: someone else's login taken over without spec.adopt", st.Management, puts)
			}
			if got := readyOf(st); got != "False/"+ReasonConflict {
				t.Errorf("Ready %s, want False/%s once listed", got, ReasonConflict)
			}
			if _, ok := ann[ExternalNameAnnotation]; ok {
				t.Errorf("annotations %v: the external name of a create that made nothing stays", ann)
			}
			if _, ok := ann[CreateStartedAnnotation]; ok {
				t.Errorf("annotations %v: the marker of a create that made nothing stays", ann)
			}
		})
	}
}

// TestConflictNeverCreatedFromStaleMarker: a list someone else holds, one
// POST answered "already exists", is never recorded Created (deleted with
// the resource) because a create marker outlived its create: read back
// from a lagging cache right after (the stale copy's status write is
// refused by its resourceVersion), or left in place when its removal
// failed (createRefusedTime says that create made nothing).
func TestConflictNeverCreatedFromStaleMarker(t *testing.T) {
	for _, tc := range []struct {
		name string
		run  func(t *testing.T) (*hider, conflictRig)
	}{
		{"stale copy read right after the conflict", func(t *testing.T) (*hider, conflictRig) {
			h := &hider{exists: true, hidden: true}
			var stale *v1alpha1.MailingList
			staleNext := false
			fns := &interceptor.Funcs{
				Patch: func(ctx context.Context, c client.WithWatch, obj client.Object, p client.Patch, opts ...client.PatchOption) error {
					err := c.Patch(ctx, obj, p, opts...)
					if err == nil && stale == nil && obj.GetAnnotations()[CreateStartedAnnotation] != "" {
						stale = obj.(*v1alpha1.MailingList).DeepCopy() // as right after markCreate
					}
					return err
				},
				Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
					if l, ok := obj.(*v1alpha1.MailingList); ok && staleNext {
						staleNext = false
						stale.DeepCopyInto(l)
						return nil
					}
					return c.Get(ctx, key, obj, opts...)
				},
			}
			rig := listRig(t, h, false, fns)
			_, _ = rig.reconcile() // the wait; the marker written, then removed
			staleNext = true
			_, _ = rig.reconcile() // from the lagging cache
			return h, rig
		}},
		{"marker removal fails in the wait", func(t *testing.T) (*hider, conflictRig) {
			h := &hider{exists: true, hidden: true}
			failing := true
			rig := listRig(t, h, false, failMarkerRemoval(&failing))
			_, _ = rig.reconcile()
			failing = false
			_, _ = rig.reconcile()
			return h, rig
		}},
		{"marker removal fails after the deciding create", func(t *testing.T) (*hider, conflictRig) {
			h := &hider{exists: true, hidden: true}
			failing := false
			rig := listRig(t, h, false, failMarkerRemoval(&failing))
			_, _ = rig.reconcile()
			rig.backdate(visibilityWait + time.Second)
			failing = true
			_, _ = rig.reconcile() // the deciding create: Conflict
			failing = false
			_, _ = rig.reconcile()
			return h, rig
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, rig := tc.run(t)
			if st := rig.status(); st.CreatePendingSince != nil {
				t.Fatalf("createPendingSince %v: a create that made nothing taken as pending", st.CreatePendingSince)
			}
			h.hidden = false
			_, _ = rig.reconcile()
			st := rig.status()
			if st.Management != v1alpha1.ManagementAdopted {
				t.Fatalf("management %q once shown, want %q: the list was never this resource's", st.Management, v1alpha1.ManagementAdopted)
			}
		})
	}
}

// TestConflictDeleteDuringWait: a resource deleted while the engine waits
// for an object Mailgun says exists (a lost create of ours, or one seen
// before) keeps its finalizer while the DELETE reads 404, sends it again
// each grace, and lets go once it succeeds, or once the wait is over.
func TestConflictDeleteDuringWait(t *testing.T) {
	for _, tc := range []struct {
		name  string
		start hider
		seen  bool
		// posts up to the wait: a lost create, then "already exists".
		reconciles int
	}{
		{name: "(a) own create lost", start: hider{loseNext: true, hidden: true}, reconciles: 2},
		{name: "(b) seen before, now hidden", start: hider{exists: true, hidden: true}, seen: true, reconciles: 1},
	} {
		for _, shown := range []bool{true, false} {
			name := tc.name + "/wait over"
			if shown {
				name = tc.name + "/shown"
			}
			t.Run(name, func(t *testing.T) {
				h := tc.start
				rig := listRig(t, &h, tc.seen, nil)
				for range tc.reconciles {
					_, _ = rig.reconcile()
				}
				if st := rig.status(); st.CreateConflictSince == nil {
					t.Fatalf("status %+v: want the wait", st)
				}
				key := client.ObjectKeyFromObject(rig.object())
				if err := rig.c.Delete(context.Background(), rig.object()); err != nil {
					t.Fatal(err)
				}
				for i := range 2 {
					res, err := rig.reconcile()
					if err != nil || res.RequeueAfter <= 0 || res.RequeueAfter > time.Second {
						t.Fatalf("result %+v, %v: want a look again within the grace", res, err)
					}
					obj := rig.object()
					st := rig.status()
					if !controllerutil.ContainsFinalizer(obj, Finalizer) || readyOf(st) != "False/"+ReasonDeleting {
						t.Fatalf("finalizers %v, Ready %s: the object of a create of ours let go on a 404 in the wait",
							obj.GetFinalizers(), readyOf(st))
					}
					if h.deletes != i+1 {
						t.Fatalf("%d DELETEs, want %d: one per look", h.deletes, i+1)
					}
				}
				if shown {
					h.hidden = false
				} else {
					rig.backdate(visibilityWait + time.Second)
				}
				_, _ = rig.reconcile()
				err := rig.c.Get(context.Background(), key, &v1alpha1.MailingList{})
				if !apierrors.IsNotFound(err) {
					t.Fatalf("get: %v, want the resource gone", err)
				}
				if shown && h.exists {
					t.Errorf("the list is left in Mailgun")
				}
				if h.deletes != 3 {
					t.Errorf("%d DELETEs, want 3", h.deletes)
				}
			})
		}
	}
}

// dropNewStatusFields makes the API server drop the status fields an
// installed CRD older than the operator does not know (Helm never upgrades
// crds/): createConflictSince and createRefusedTime, silently.
func dropNewStatusFields() *interceptor.Funcs {
	return &interceptor.Funcs{SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, p client.Patch, opts ...client.SubResourcePatchOption) error {
		if err := c.SubResource(sub).Patch(ctx, obj, p, opts...); err != nil {
			return err
		}
		l, ok := obj.(*v1alpha1.MailingList)
		if !ok || (l.Status.CreateConflictSince == nil && l.Status.CreateRefusedTime == nil) {
			return nil
		}
		l.Status.CreateConflictSince, l.Status.CreateRefusedTime = nil, nil
		return c.SubResource(sub).Update(ctx, l)
	}}
}

// TestConflictWaitBoundWithoutStatusField: with a CRD that drops
// createConflictSince, the wait is still bounded (by the Reconciling
// condition, which every CRD version has) and ends in a Conflict that
// stays one, instead of a new wait, and a POST, on every reconcile forever.
func TestConflictWaitBoundWithoutStatusField(t *testing.T) {
	for _, seen := range []bool{true, false} {
		name := "(c) someone else's list"
		if seen {
			name = "(b) seen before"
		}
		t.Run(name, func(t *testing.T) {
			h := &hider{exists: true, hidden: true}
			rig := listRig(t, h, seen, dropNewStatusFields())
			for range 3 {
				lookAgainWithinGrace(t, rig)
			}
			st := rig.status()
			if st.CreateConflictSince != nil || readyOf(st) != "False/"+ReasonProgressing {
				t.Fatalf("Ready %s, createConflictSince %v: want a wait, its field dropped", readyOf(st), st.CreateConflictSince)
			}
			// Ten minutes and more of Reconciling.
			obj := rig.object().(*v1alpha1.MailingList)
			orig := obj.DeepCopy()
			for i := range obj.Status.Conditions {
				obj.Status.Conditions[i].LastTransitionTime = metav1.NewTime(obj.Status.Conditions[i].LastTransitionTime.Add(-visibilityWait - time.Second))
			}
			if err := rig.c.Status().Patch(context.Background(), obj, client.MergeFrom(orig)); err != nil {
				t.Fatal(err)
			}
			for i := range 2 {
				_, _ = rig.reconcile()
				if got := readyOf(rig.status()); got != "False/"+ReasonConflict {
					t.Fatalf("reconcile %d after the bound: Ready %s, want False/%s", i, got, ReasonConflict)
				}
			}
			h.hidden = false
			_, _ = rig.reconcile()
			if st := rig.status(); readyOf(st) != "True/"+ReasonSucceeded {
				t.Fatalf("Ready %s once shown", readyOf(st))
			}
		})
	}
}

// TestVisibilityLeft: how long a wait still lasts, never longer than the
// wait itself, even for a createConflictSince ahead of this clock (written
// by another replica whose clock runs fast).
func TestVisibilityLeft(t *testing.T) {
	for _, tc := range []struct {
		name    string
		since   time.Duration // createConflictSince from now; 0: none
		pending time.Duration // createPendingSince from now; 0: none
		wantOK  bool
	}{
		{"no wait", 0, 0, false},
		{"just begun", -time.Second, 0, true},
		{"over", -visibilityWait - time.Second, 0, false},
		{"ahead of this clock", time.Hour, 0, true},
		{"over, a backoff create lost since", -visibilityWait - time.Second, -time.Second, true},
		{"over, a create pending from before", -visibilityWait - time.Second, -2 * visibilityWait, false},
		{"no wait, a create pending", 0, -time.Second, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &v1alpha1.ManagedStatus{}
			if tc.since != 0 {
				st.CreateConflictSince = &metav1.Time{Time: time.Now().Add(tc.since)}
			}
			if tc.pending != 0 {
				st.CreatePendingSince = &metav1.Time{Time: time.Now().Add(tc.pending)}
			}
			left, ok := visibilityLeft(st)
			if ok != tc.wantOK || left > visibilityWait {
				t.Fatalf("left %v, ok %v: want ok %v, never more than %v", left, ok, tc.wantOK, visibilityWait)
			}
		})
	}
}

// TestCreateMarkerReadByEarlierReleases: the create marker stays the two
// fields every release parses ("<time> <uid>", split at the first space):
// an operator rolled back reads the marker this create writes as its own
// create, not a copy's. That the create wrote the external name is an
// annotation of its own, naming the same UID.
func TestCreateMarkerReadByEarlierReleases(t *testing.T) {
	h := &hider{exists: true, hidden: true}
	var marked map[string]string
	fns := &interceptor.Funcs{Patch: func(ctx context.Context, c client.WithWatch, obj client.Object, p client.Patch, opts ...client.PatchOption) error {
		err := c.Patch(ctx, obj, p, opts...)
		if err == nil && marked == nil && obj.GetAnnotations()[CreateStartedAnnotation] != "" {
			marked = maps.Clone(obj.GetAnnotations())
		}
		return err
	}}
	cr := &v1alpha1.SMTPCredential{ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: "ns", UID: "uid-c"},
		Spec: v1alpha1.SMTPCredentialSpec{Domain: "mg.example.com", Login: "bob",
			PasswordSecretRef: v1alpha1.PasswordSecretReference{Name: "pw"}}}
	rig := newConflictRigWith(t, cr, func() *v1alpha1.SMTPCredential { return &v1alpha1.SMTPCredential{} },
		func(c client.Client) external[*v1alpha1.SMTPCredential] {
			return &credentialExternal{api: hiddenLogin{hider: h, login: "bob@mg.example.com"},
				secrets: Secrets{Cached: c, Direct: c}}
		}, fns)
	_, _ = rig.reconcile()
	if marked == nil {
		t.Fatal("no create marker written")
	}
	// The parser of earlier releases.
	at, uid, _ := strings.Cut(marked[CreateStartedAnnotation], " ")
	if _, err := time.Parse(time.RFC3339Nano, at); err != nil || uid != "uid-c" {
		t.Fatalf("marker %q reads as time %q, UID %q to an earlier release: want this resource's UID", marked[CreateStartedAnnotation], at, uid)
	}
	if marked[ExternalNameWrittenAnnotation] != "uid-c" || marked[ExternalNameAnnotation] == "" {
		t.Fatalf("annotations %v: want the external name and %s naming this resource", marked, ExternalNameWrittenAnnotation)
	}
	// The create was refused: the name it wrote goes with both.
	ann := rig.object().GetAnnotations()
	for _, k := range []string{CreateStartedAnnotation, ExternalNameWrittenAnnotation, ExternalNameAnnotation} {
		if _, ok := ann[k]; ok {
			t.Errorf("%s left after a refused create: %v", k, ann)
		}
	}
}

// TestConflictWaitNotCutByOtherConditions: the conditions that bound a wait
// whose createConflictSince a CRD drops count only when the conflict rule
// wrote them. A Conflict or a Progressing of anything else (a claim's
// loser, a long wait for something else) leaves the first "already
// exists" a full wait.
func TestConflictWaitNotCutByOtherConditions(t *testing.T) {
	for _, tc := range []struct {
		name string
		cond metav1.Condition
	}{
		{"an earlier claim's Conflict", metav1.Condition{Type: v1alpha1.ConditionReady, Status: metav1.ConditionFalse,
			Reason: ReasonConflict, Message: "another MailingList, other, already manages this Mailgun object"}},
		{"a Progressing of something else, older than the wait", metav1.Condition{Type: v1alpha1.ConditionReconciling,
			Status: metav1.ConditionTrue, Reason: ReasonProgressing, Message: "waiting for something else",
			LastTransitionTime: metav1.NewTime(time.Now().Add(-2 * visibilityWait))}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := &hider{exists: true, hidden: true}
			l := &v1alpha1.MailingList{ObjectMeta: metav1.ObjectMeta{Name: "l", Namespace: "ns", UID: "uid-l"},
				Spec: v1alpha1.MailingListSpec{Address: "devs@mg.example.com"}}
			l.Status.Conditions = []metav1.Condition{tc.cond}
			rig := newConflictRigWith(t, l, func() *v1alpha1.MailingList { return &v1alpha1.MailingList{} },
				func(client.Client) external[*v1alpha1.MailingList] { return &listExternal{api: hiddenList{hider: h}} }, nil)
			if _, err := rig.reconcile(); err != nil {
				t.Fatal(err)
			}
			st := rig.status()
			if readyOf(st) != "False/"+ReasonProgressing || st.CreateConflictSince == nil ||
				time.Since(st.CreateConflictSince.Time) > time.Minute {
				t.Fatalf("Ready %s, createConflictSince %v on the first \"already exists\": want a wait from now", readyOf(st), st.CreateConflictSince)
			}
		})
	}
}

// staleLoginRig is a login someone else holds (no spec.adopt) whose
// reads can be handed a stale copy once: *next, when set, is what the next
// Get of the resource returns (then cleared). onPatch, when set, sees every
// successful patch.
func staleLoginRig(t *testing.T, h *hider, puts *int, next **v1alpha1.SMTPCredential, onPatch func(client.Object)) conflictRig {
	t.Helper()
	cr := &v1alpha1.SMTPCredential{ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: "ns", UID: "uid-c"},
		Spec: v1alpha1.SMTPCredentialSpec{Domain: "mg.example.com", Login: "bob",
			PasswordSecretRef: v1alpha1.PasswordSecretReference{Name: "pw"}}}
	fns := &interceptor.Funcs{
		Patch: func(ctx context.Context, c client.WithWatch, obj client.Object, p client.Patch, opts ...client.PatchOption) error {
			err := c.Patch(ctx, obj, p, opts...)
			if err == nil && onPatch != nil {
				onPatch(obj)
			}
			return err
		},
		Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
			if l, ok := obj.(*v1alpha1.SMTPCredential); ok && *next != nil {
				(*next).DeepCopyInto(l)
				*next = nil
				return nil
			}
			return c.Get(ctx, key, obj, opts...)
		},
	}
	return newConflictRigWith(t, cr, func() *v1alpha1.SMTPCredential { return &v1alpha1.SMTPCredential{} },
		func(c client.Client) external[*v1alpha1.SMTPCredential] {
			return &credentialExternal{api: passwordLogin{hiddenLogin: hiddenLogin{hider: h, login: "bob@mg.example.com"}, puts: puts},
				secrets: Secrets{Cached: c, Direct: c}}
		}, fns)
}

// reconcileStaleLogin lists the other party's login, hands the next read
// of staleLoginRig the stale copy, and checks that its reconcile changed no
// password, took nothing as created or adopted, and asked to look again
// soon.
func reconcileStaleLogin(t *testing.T, rig conflictRig, h *hider, next **v1alpha1.SMTPCredential, stale *v1alpha1.SMTPCredential, puts *int) {
	t.Helper()
	h.hidden = false
	*next = stale
	res, err := rig.reconcile()
	if st := rig.status(); *puts != 0 || st.Management != "" || st.CreatedTime != nil {
		t.Fatalf("%d password changes, management %q: someone else's login acted on from a stale copy", *puts, st.Management)
	}
	if err != nil || res.RequeueAfter <= 0 {
		t.Fatalf("reconcile of the stale copy: %+v %v: want a short requeue", res, err)
	}
}

// TestConflictStaleMarkerCopyWritesNothing: a copy from a lagging cache
// that still carries the marker of a create since refused (the login is
// someone else's) would take that create as pending; the copy is checked
// against the API server before anything is sent, so the other party's
// login gets no password change from it.
func TestConflictStaleMarkerCopyWritesNothing(t *testing.T) {
	h := &hider{exists: true, hidden: true}
	puts := 0
	// The object as written by markCreate, handed out once more later.
	var stale, next *v1alpha1.SMTPCredential
	rig := staleLoginRig(t, h, &puts, &next, func(obj client.Object) {
		if stale == nil && obj.GetAnnotations()[CreateStartedAnnotation] != "" {
			stale = obj.(*v1alpha1.SMTPCredential).DeepCopy()
		}
	})
	if _, err := rig.reconcile(); err != nil {
		t.Fatal(err)
	}
	if stale == nil || readyOf(rig.status()) != "False/"+ReasonConflict {
		t.Fatalf("Ready %s: want the refused create's Conflict", readyOf(rig.status()))
	}
	reconcileStaleLogin(t, rig, h, &next, stale, &puts)
	// The next reconcile, from a current copy, still leaves it alone.
	if _, err := rig.reconcile(); err != nil {
		t.Fatal(err)
	}
	if st := rig.status(); puts != 0 || st.Management != "" {
		t.Fatalf("%d password changes, management %q after the stale copy", puts, st.Management)
	}
}

// TestConflictOldCRDPostsOnBackoff: with a CRD that drops
// createConflictSince, the wait's start told by the conditions also gates
// its backoff POSTs: none but the first in the wait's first minute,
// instead of one each grace.
func TestConflictOldCRDPostsOnBackoff(t *testing.T) {
	for _, seen := range []bool{true, false} {
		t.Run(map[bool]string{true: "seen before", false: "someone else's list"}[seen], func(t *testing.T) {
			h := &hider{exists: true, hidden: true}
			rig := listRig(t, h, seen, dropNewStatusFields())
			for range 5 {
				if _, err := rig.reconcile(); err != nil {
					t.Fatal(err)
				}
			}
			if st := rig.status(); h.creates != 1 || readyOf(st) != "False/"+ReasonProgressing {
				t.Fatalf("%d POSTs in 5 reconciles of the wait's first minute, Ready %s: want 1 and a wait", h.creates, readyOf(st))
			}
		})
	}
}

// TestConflictRecreatingEventOncePerWait: an adopted object gone from
// Mailgun is created again from the spec, with one Recreating event for the
// wait that follows "already exists", not one for each POST of its
// backoff.
func TestConflictRecreatingEventOncePerWait(t *testing.T) {
	h := &hider{exists: true, hidden: true}
	l := &v1alpha1.MailingList{ObjectMeta: metav1.ObjectMeta{Name: "l", Namespace: "ns", UID: "uid-l", Finalizers: []string{Finalizer}},
		Spec:   v1alpha1.MailingListSpec{Address: "devs@mg.example.com"},
		Status: v1alpha1.MailingListStatus{ManagedStatus: v1alpha1.ManagedStatus{Management: v1alpha1.ManagementAdopted}}}
	rig := newConflictRigWith(t, l, func() *v1alpha1.MailingList { return &v1alpha1.MailingList{} },
		func(client.Client) external[*v1alpha1.MailingList] { return &listExternal{api: hiddenList{hider: h}} }, nil)
	lookAgainWithinGrace(t, rig)
	// Past the backoff's first two points: a POST at each.
	for range 2 {
		rig.backdate(visibilityWait / 4)
		if _, err := rig.reconcile(); err != nil {
			t.Fatal(err)
		}
	}
	recreating := 0
	for len(rig.events) > 0 {
		if ev := <-rig.events; strings.Contains(ev, " Recreating ") {
			recreating++
		}
	}
	if st := rig.status(); h.creates != 3 || recreating != 1 || readyOf(st) != "False/"+ReasonProgressing {
		t.Fatalf("%d POSTs, %d Recreating events, Ready %s: want 3 POSTs in the wait and one event", h.creates, recreating, readyOf(st))
	}
}

// TestConflictRefusalRecordLost: the API server fails, once each, both
// writes that record a refused create (its marker's removal, then the
// status write with createRefusedTime). The marker's removal is tried
// again when the status write fails, so the next reconcile does not take
// the refused create as pending, and someone else's list, once shown, is
// Adopted, not Created (deleted with the resource).
func TestConflictRefusalRecordLost(t *testing.T) {
	h := &hider{exists: true, hidden: true}
	removals, statuses := 1, 1 // failures left
	fns := &interceptor.Funcs{
		Patch: func(ctx context.Context, c client.WithWatch, obj client.Object, p client.Patch, opts ...client.PatchOption) error {
			if removals > 0 && obj.GetAnnotations()[CreateStartedAnnotation] == "" {
				removals--
				return errors.New("injected: the API server is unavailable")
			}
			return c.Patch(ctx, obj, p, opts...)
		},
		SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, p client.Patch, opts ...client.SubResourcePatchOption) error {
			if statuses > 0 {
				statuses--
				return errors.New("injected: the API server is unavailable")
			}
			return c.SubResource(sub).Patch(ctx, obj, p, opts...)
		},
	}
	rig := listRig(t, h, false, fns)
	if _, err := rig.reconcile(); err == nil {
		t.Fatal("the failed status write was not reported")
	}
	if removals != 0 || statuses != 0 {
		t.Fatalf("faults not reached: %d removals, %d status writes left", removals, statuses)
	}
	if _, ok := rig.object().GetAnnotations()[CreateStartedAnnotation]; ok {
		t.Fatalf("the refused create's marker is still there: %v", rig.object().GetAnnotations())
	}
	lookAgainWithinGrace(t, rig)
	h.hidden = false
	if _, err := rig.reconcile(); err != nil {
		t.Fatal(err)
	}
	if st := rig.status(); st.Management != v1alpha1.ManagementAdopted {
		t.Fatalf("management %q: someone else's list must be Adopted", st.Management)
	}
}

// TestConflictLostCreateNameGoes: a login's create writes its external name
// and gets no answer; the POSTs after it hear "already exists" (someone
// else holds the login) until the wait is over. The name the first create
// wrote goes with the marker then, though later creates re-marked it: it
// never vouches for the other party's login once listed.
func TestConflictLostCreateNameGoes(t *testing.T) {
	h := &hider{exists: true, hidden: true, failNext: true}
	puts := 0
	cr := &v1alpha1.SMTPCredential{ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: "ns", UID: "uid-c"},
		Spec: v1alpha1.SMTPCredentialSpec{Domain: "mg.example.com", Login: "bob",
			PasswordSecretRef: v1alpha1.PasswordSecretReference{Name: "pw"}}}
	rig := newConflictRigWith(t, cr, func() *v1alpha1.SMTPCredential { return &v1alpha1.SMTPCredential{} },
		func(c client.Client) external[*v1alpha1.SMTPCredential] {
			return &credentialExternal{api: passwordLogin{hiddenLogin: hiddenLogin{hider: h, login: "bob@mg.example.com"}, puts: &puts},
				secrets: Secrets{Cached: c, Direct: c}}
		}, nil)
	rig.reconcile() // the lost create
	rig.reconcile() // "already exists": a wait on the lost create
	rig.backdate(visibilityWait + time.Second)
	rig.reconcile() // the deciding create: "already exists" again
	st := rig.status()
	if h.creates != 3 || readyOf(st) != "False/"+ReasonConflict {
		t.Fatalf("%d POSTs, Ready %s: want 3 and a Conflict", h.creates, readyOf(st))
	}
	if ann := rig.object().GetAnnotations(); ann[ExternalNameAnnotation] != "" {
		t.Fatalf("annotations %v: the external name the lost create wrote must go", ann)
	}
	h.hidden = false
	rig.reconcile()
	if st := rig.status(); puts != 0 || st.Management != "" {
		t.Fatalf("%d password changes, management %q: someone else's login taken over", puts, st.Management)
	}
}

// TestConflictStalePendingCopyWritesNothing: after the wait's deciding
// create was refused (createPendingSince cleared, Conflict), a lagging copy
// that still carries the earlier lost create's createPendingSince must not
// take the other party's login, once listed, as Created: a pending create
// found is confirmed against the API server before it is recorded, and
// before any password is sent.
func TestConflictStalePendingCopyWritesNothing(t *testing.T) {
	h := &hider{exists: true, hidden: true}
	puts := 0
	var next *v1alpha1.SMTPCredential
	rig := staleLoginRig(t, h, &puts, &next, nil)
	if _, err := rig.reconcile(); err != nil {
		t.Fatal(err)
	}
	st := rig.status()
	if readyOf(st) != "False/"+ReasonConflict || st.CreatePendingSince != nil {
		t.Fatalf("Ready %s, pending %v: want the refused create's Conflict", readyOf(st), st.CreatePendingSince)
	}
	// The copy a lagging cache hands out: an older resourceVersion, still
	// recording a create pending (the lost one before the refusal).
	stale := &v1alpha1.SMTPCredential{}
	if err := rig.c.Get(context.Background(), client.ObjectKey{Namespace: "ns", Name: "c"}, stale); err != nil {
		t.Fatal(err)
	}
	stale.Status.CreatePendingSince = &metav1.Time{Time: time.Now().Add(-11 * time.Minute)}
	stale.Status.Conditions = nil
	stale.ResourceVersion = "1"
	reconcileStaleLogin(t, rig, h, &next, stale, &puts)
}

// TestConflictWaitAfterLongRetries: with a CRD that drops
// createConflictSince, a wait begun while Reconciling had long been True
// for another reason (an outage's retries) still lasts: its start is when
// the conflict rule first wrote the condition, not when the retries began.
func TestConflictWaitAfterLongRetries(t *testing.T) {
	h := &hider{exists: true, hidden: true}
	l := &v1alpha1.MailingList{ObjectMeta: metav1.ObjectMeta{Name: "l", Namespace: "ns", UID: "uid-l", Finalizers: []string{Finalizer}},
		Spec: v1alpha1.MailingListSpec{Address: "devs@mg.example.com"}}
	seenBefore(&l.Status.ManagedStatus, true)
	l.Status.Conditions = append(l.Status.Conditions, metav1.Condition{Type: v1alpha1.ConditionReconciling, Status: metav1.ConditionTrue,
		Reason: ReasonProgressing, Message: "retrying after a temporary failure",
		LastTransitionTime: metav1.NewTime(time.Now().Add(-2 * visibilityWait))})
	rig := newConflictRigWith(t, l, func() *v1alpha1.MailingList { return &v1alpha1.MailingList{} },
		func(client.Client) external[*v1alpha1.MailingList] { return &listExternal{api: hiddenList{hider: h}} }, dropNewStatusFields())
	for i := range 3 {
		_, _ = rig.reconcile()
		if got := readyOf(rig.status()); got != "False/"+ReasonProgressing {
			t.Fatalf("reconcile %d: Ready %s, want the wait (False/%s)", i, got, ReasonProgressing)
		}
	}
	if h.creates != 1 {
		t.Errorf("%d POSTs in the wait's first minute, want 1", h.creates)
	}
}
