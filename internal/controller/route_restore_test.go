package controller

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
	"github.com/mailgun-operator/mailgun-operator/internal/mailgun"
)

// routeWorld is a route engine over a fake API server that indexes claims
// (as the manager's cache does) and counts the engine's writes to it.
type routeWorld struct {
	e      *Engine[*v1alpha1.Route]
	c      client.Client
	api    *fakeRoutes
	writes atomic.Int32
}

func newRouteWorld(t *testing.T, api *fakeRoutes, snaps *Snapshots, objs ...client.Object) *routeWorld {
	t.Helper()
	scheme := unitScheme(t)
	w := &routeWorld{api: api}
	count := func() { w.writes.Add(1) }
	objs = append(objs,
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "key", Namespace: "ns"}, Data: map[string][]byte{"api-key": []byte("k")}},
		&v1alpha1.MailgunAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: "ns"},
			Spec: v1alpha1.MailgunAccountSpec{APIBaseURL: "http://127.0.0.1:1", APIKeySecretRef: v1alpha1.APIKeySecretReference{Name: "key"}}})
	w.c = fake.NewClientBuilder().WithScheme(scheme).WithObjects(objs...).
		WithStatusSubresource(&v1alpha1.Route{}, &v1alpha1.MailgunAccount{}).
		WithIndex(&v1alpha1.Route{}, indexClaim, func(o client.Object) []string {
			if c := claimOf(o); c != "" {
				return []string{c}
			}
			return nil
		}).
		WithIndex(&v1alpha1.Route{}, indexRouteMarker, routeMarkerIndexValues).
		WithInterceptorFuncs(interceptor.Funcs{
			Patch: func(ctx context.Context, c client.WithWatch, o client.Object, p client.Patch, opts ...client.PatchOption) error {
				count()
				return c.Patch(ctx, o, p, opts...)
			},
			Update: func(ctx context.Context, c client.WithWatch, o client.Object, opts ...client.UpdateOption) error {
				count()
				return c.Update(ctx, o, opts...)
			},
			SubResourcePatch: func(ctx context.Context, c client.Client, sub string, o client.Object, p client.Patch, opts ...client.SubResourcePatchOption) error {
				count()
				return c.SubResource(sub).Patch(ctx, o, p, opts...)
			},
			SubResourceUpdate: func(ctx context.Context, c client.Client, sub string, o client.Object, opts ...client.SubResourceUpdateOption) error {
				count()
				return c.SubResource(sub).Update(ctx, o, opts...)
			},
		}).Build()
	rec := events.NewFakeRecorder(100)
	w.e = &Engine[*v1alpha1.Route]{Client: w.c, Accounts: &Accounts{Cached: w.c, Secrets: Secrets{Cached: w.c, Direct: w.c}, Policy: testPolicy},
		External: &routeExternal{api: api, recorder: rec, snapshots: snaps, claims: w.c},
		New:      func() *v1alpha1.Route { return &v1alpha1.Route{} },
		Recorder: rec, SyncPeriod: time.Minute, CreateGrace: time.Millisecond,
		Claims: w.c, NewList: func() client.ObjectList { return &v1alpha1.RouteList{} }}
	return w
}

func (w *routeWorld) reconcile(t *testing.T, name string) *v1alpha1.Route {
	t.Helper()
	key := client.ObjectKey{Namespace: "ns", Name: name}
	_, _ = w.e.Reconcile(context.Background(), ctrl.Request{NamespacedName: key})
	r := &v1alpha1.Route{}
	if err := w.c.Get(context.Background(), key, r); err != nil {
		t.Fatalf("get %s: %v", name, err)
	}
	return r
}

// restoreOf is r as a restore without status brings it back: same name and
// metadata, another UID, no status.
func restoreOf(r *v1alpha1.Route, uid types.UID) *v1alpha1.Route {
	out := &v1alpha1.Route{ObjectMeta: metav1.ObjectMeta{Name: r.Name, Namespace: r.Namespace, UID: uid,
		Annotations: r.Annotations, Finalizers: r.Finalizers, CreationTimestamp: metav1.Now()}, Spec: r.Spec}
	return out
}

// TestRouteCreateTwoWrites: a created Route costs the API server two writes
// (the finalizer with the create marker, then status), none in steady
// state; its id lives in status, its create marker stays.
func TestRouteCreateTwoWrites(t *testing.T) {
	api := &fakeRoutes{routes: map[string]mailgun.Route{}}
	w := newRouteWorld(t, api, NewSnapshots(time.Minute), testRoute())
	r := w.reconcile(t, "r")
	if api.creates != 1 || r.Status.ID == "" || r.Status.Management != v1alpha1.ManagementCreated {
		t.Fatalf("%d creates, status %+v; want one route, Created", api.creates, r.Status)
	}
	if n := w.writes.Load(); n != 2 {
		t.Fatalf("%d API-server writes for one create, want 2", n)
	}
	if _, ok := r.Annotations[ExternalNameAnnotation]; ok || !ownMarker(r) {
		t.Fatalf("annotations %v: want the own create marker and no external-name", r.Annotations)
	}
	w.writes.Store(0)
	for range 3 {
		r = w.reconcile(t, "r")
	}
	if n := w.writes.Load(); n != 0 || api.creates != 1 || api.updates != 0 {
		t.Fatalf("steady state: %d writes, %d creates, %d updates; want none", n, api.creates, api.updates)
	}
}

// TestRestoredRouteFoundByMarker: a Route restored without status and
// without the external-name annotation takes the route its original made,
// found by the create marker; a copy of a live Route never does.
func TestRestoredRouteFoundByMarker(t *testing.T) {
	for _, tc := range []struct {
		name string
		// gone: the route was deleted from Mailgun meanwhile; live: the
		// original Route is still there (a copy, not a restore).
		gone, live bool
		snapshots  bool
		wantCreate bool
		wantReason string
	}{
		{name: "restore takes its route", snapshots: true, wantReason: ReasonSucceeded},
		{name: "restore takes its route, snapshots off", wantReason: ReasonSucceeded},
		{name: "restore of a route deleted since creates one", gone: true, snapshots: true, wantCreate: true, wantReason: ReasonSucceeded},
		{name: "a copy of a live Route never takes its route", live: true, snapshots: true, wantReason: ReasonConflict},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := &fakeRoutes{routes: map[string]mailgun.Route{}}
			var snaps *Snapshots
			if tc.snapshots {
				snaps = NewSnapshots(time.Minute)
			}
			// The marker index must be taken after the marked create (and
			// its grace): the restore comes an hour later.
			later := func() {
				if snaps != nil {
					snaps.now = func() time.Time { return time.Now().Add(time.Hour) }
					snaps.maxAge = 2 * time.Hour
				}
			}
			// The original, created by the engine.
			w := newRouteWorld(t, api, snaps, testRoute())
			orig := w.reconcile(t, "r")
			id := orig.Status.ID
			if tc.gone {
				delete(api.routes, id)
			}
			// Someone else's route with a marker, to be left alone.
			other := api.add("x "+routeMarkerOf("uid-other"), time.Now().Add(-time.Hour))

			restored := restoreOf(orig, "uid-2")
			objs := []client.Object{restored}
			if tc.live {
				restored.Name = "r-copy"
				restored.CreationTimestamp = metav1.NewTime(orig.CreationTimestamp.Add(time.Minute))
				objs = append(objs, orig.DeepCopy())
				objs[1].SetResourceVersion("")
			}
			later()
			w = newRouteWorld(t, api, snaps, objs...)
			api.creates, api.updates = 0, 0
			r := w.reconcile(t, restored.Name)

			if got := api.creates == 1; got != tc.wantCreate {
				t.Fatalf("%d creates; want a create: %v", api.creates, tc.wantCreate)
			}
			ready := findCondition(r.Status.Conditions, v1alpha1.ConditionReady)
			if ready == nil || ready.Reason != tc.wantReason {
				t.Fatalf("Ready %+v, want reason %s", ready, tc.wantReason)
			}
			if !strings.HasPrefix(api.routes[other].Description, "x ") || !strings.HasSuffix(api.routes[other].Description, routeMarkerOf("uid-other")) {
				t.Fatalf("another route was touched: %+v", api.routes[other])
			}
			switch {
			case tc.live:
				if r.Status.ID != "" || api.updates != 0 || !strings.HasSuffix(api.routes[id].Description, routeMarkerOf("uid-1")) {
					t.Fatalf("the copy touched the original's route: status %+v, %d updates, route %+v", r.Status, api.updates, api.routes[id])
				}
			case tc.gone:
				if r.Status.ID == "" || r.Status.ID == id || r.Status.Management != v1alpha1.ManagementCreated {
					t.Fatalf("status %+v, want a new route, Created", r.Status)
				}
			default:
				if r.Status.ID != id || r.Status.Management != v1alpha1.ManagementAdopted {
					t.Fatalf("status %+v, want route %s adopted", r.Status, id)
				}
				if !strings.HasSuffix(api.routes[id].Description, routeMarkerOf("uid-2")) {
					t.Fatalf("description %q, want the restored Route's marker", api.routes[id].Description)
				}
				if r.Annotations[ExternalNameAnnotation] != id {
					t.Fatalf("external-name %q, want %s: a restored object has no own marker to find it by", r.Annotations[ExternalNameAnnotation], id)
				}
			}
		})
	}
}

// TestMassRestoreListsOnce: a namespace of Routes restored at once looks
// their routes up in one paged list of the account, not one list each.
func TestMassRestoreListsOnce(t *testing.T) {
	api := &fakeRoutes{routes: map[string]mailgun.Route{}, pageCap: 10}
	snaps := NewSnapshots(time.Minute)
	const n = 25
	var originals []client.Object
	for i := range n {
		r := testRoute()
		r.Name = "r" + string(rune('a'+i))
		r.UID = types.UID("old-" + r.Name)
		originals = append(originals, r)
	}
	w := newRouteWorld(t, api, snaps, originals...)
	var restored []client.Object
	for _, o := range originals {
		r := w.reconcile(t, o.GetName())
		if r.Status.ID == "" {
			t.Fatalf("%s not created: %+v", r.Name, r.Status)
		}
		restored = append(restored, restoreOf(r, types.UID("new-"+r.Name)))
	}
	// The marker index is taken after the creates it must show.
	snaps.now = func() time.Time { return time.Now().Add(time.Hour) }
	snaps.maxAge = 2 * time.Hour
	w = newRouteWorld(t, api, snaps, restored...)
	api.creates, api.lists = 0, 0
	for _, o := range restored {
		if r := w.reconcile(t, o.GetName()); r.Status.Management != v1alpha1.ManagementAdopted {
			t.Fatalf("%s: %+v, want its route adopted", r.Name, r.Status)
		}
	}
	if api.creates != 0 || api.lists != 3 {
		t.Fatalf("%d creates, %d list pages for %d restored Routes; want none, and one paged list (3 pages)", api.creates, api.lists, n)
	}
}

// TestRestoreSiblingsAndDuplicates: what a restore must never do — make a
// second route for one original (two restored copies of it, one after the
// other; a copy of an original whose create is still pending), leave the
// original's duplicates forwarding, or take a route re-marked since.
func TestRestoreSiblingsAndDuplicates(t *testing.T) {
	setup := func(t *testing.T, snapshots bool) (*fakeRoutes, *Snapshots, *v1alpha1.Route) {
		api := &fakeRoutes{routes: map[string]mailgun.Route{}}
		var snaps *Snapshots
		if snapshots {
			snaps = NewSnapshots(time.Minute)
		}
		w := newRouteWorld(t, api, snaps, testRoute())
		orig := w.reconcile(t, "r")
		if snaps != nil {
			snaps.now = func() time.Time { return time.Now().Add(time.Hour) }
			snaps.maxAge = 2 * time.Hour
		}
		api.creates = 0
		return api, snaps, orig
	}
	for _, snapshots := range []bool{false, true} {
		t.Run(fmt.Sprintf("two restored copies, one after the other, snapshots %v", snapshots), func(t *testing.T) {
			api, snaps, orig := setup(t, snapshots)
			a := restoreOf(orig, "uid-a")
			b := restoreOf(orig, "uid-b")
			b.Name = "r-copy"
			b.CreationTimestamp = metav1.NewTime(a.CreationTimestamp.Add(time.Second))
			w := newRouteWorld(t, api, snaps, a, b)
			ra := w.reconcile(t, a.Name)
			rb := w.reconcile(t, b.Name)
			rb = w.reconcile(t, b.Name) // after a's status is written too
			if api.creates != 0 || len(api.routes) != 1 || ra.Status.ID != orig.Status.ID {
				t.Fatalf("%d creates, %d routes, first restore %+v: want the one route kept by the first", api.creates, len(api.routes), ra.Status)
			}
			if c := findCondition(rb.Status.Conditions, v1alpha1.ConditionReady); c == nil || c.Reason != ReasonConflict || rb.Status.ID != "" {
				t.Fatalf("second restore: %+v, want Conflict and no route", rb.Status)
			}
		})
	}
	t.Run("a copy of a live Route whose create is still pending", func(t *testing.T) {
		api, snaps, orig := setup(t, true)
		pending := orig.DeepCopy()
		pending.Status = v1alpha1.RouteStatus{} // its create's answer, and status, were lost
		pending.ResourceVersion = ""
		cp := restoreOf(orig, "uid-2")
		cp.Name = "r-copy"
		w := newRouteWorld(t, api, snaps, pending, cp)
		rc := w.reconcile(t, "r-copy")
		ro := w.reconcile(t, "r")
		if c := findCondition(rc.Status.Conditions, v1alpha1.ConditionReady); c == nil || c.Reason != ReasonConflict {
			t.Fatalf("the copy: %+v, want Conflict", rc.Status)
		}
		if api.creates != 0 || len(api.routes) != 1 || ro.Status.ID != orig.Status.ID || ro.Status.Management != v1alpha1.ManagementCreated {
			t.Fatalf("%d creates, %d routes, original %+v: want its one route found again", api.creates, len(api.routes), ro.Status)
		}
	})
	t.Run("the original's duplicates are deleted, the oldest kept", func(t *testing.T) {
		api, snaps, orig := setup(t, true)
		dup := api.add(routeDescription(orig), time.Now().Add(time.Minute)) // a lost create's route
		r := restoreOf(orig, "uid-2")
		w := newRouteWorld(t, api, snaps, r)
		got := w.reconcile(t, r.Name)
		if got.Status.ID != orig.Status.ID || len(api.routes) != 1 || !slices.Contains(api.deleted, dup) {
			t.Fatalf("status %+v, routes %v, deleted %v: want %s kept and %s deleted", got.Status, api.routes, api.deleted, orig.Status.ID, dup)
		}
	})
	t.Run("a route re-marked since the marker index was taken is not taken", func(t *testing.T) {
		api, snaps, orig := setup(t, true)
		_, at, _ := foreignMarker(restoreOf(orig, "uid-2"))
		acct, err := mailgun.NewAccount("http://127.0.0.1:1", "k") // the world's account, as the engine resolves it
		if err != nil {
			t.Fatal(err)
		}
		if ids, err := (&routeExternal{api: api, snapshots: snaps}).markedWith(context.Background(), acct, "uid-1", at); err != nil || len(ids) != 1 {
			t.Fatalf("marker index: %v, %v", ids, err)
		}
		rt := api.routes[orig.Status.ID]
		rt.Description = "x " + routeMarkerOf("uid-9")
		api.routes[rt.ID] = rt
		r := restoreOf(orig, "uid-2")
		w := newRouteWorld(t, api, snaps, r)
		lists := api.lists
		got := w.reconcile(t, r.Name)
		if api.lists != lists {
			t.Fatalf("%d more list pages: the marker index taken before was not used", api.lists-lists)
		}
		if got.Status.ID == orig.Status.ID || api.creates != 1 || api.routes[rt.ID].Description != rt.Description {
			t.Fatalf("status %+v, %d creates, re-marked route %+v: want a new route and the other left alone", got.Status, api.creates, api.routes[rt.ID])
		}
	})
}

// TestListRoutesAcrossChanges: a route deleted between two pages shifts
// the offsets; the list starts again rather than miss one, and gives up
// (to be retried) when the routes keep changing.
func TestListRoutesAcrossChanges(t *testing.T) {
	for _, tc := range []struct {
		name    string
		changes int
		wantErr bool
		// swap: a change deletes the newest route and makes one that
		// lists last, so the total stays and the routes before the
		// boundary shift by one.
		swap bool
	}{
		{"stable", 0, false, false},
		{"one deletion between pages", 1, false, false},
		{"changing at every try", 100, true, false},
		{"a deletion and a creation between pages, the total unchanged", 1, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := &fakeRoutes{routes: map[string]mailgun.Route{}, pageCap: 2}
			for i := range 6 {
				api.add(routeMarkerOf(types.UID(fmt.Sprintf("u%d", i))), time.Now())
			}
			extra := api.add("not ours", time.Now())
			left := tc.changes
			api.betweenPages = func(f *fakeRoutes) {
				if left > 0 && tc.swap {
					left--
					delete(f.routes, extra)
					f.routes["r00"] = mailgun.Route{ID: "r00", Description: "not ours either"} // lists last (newest first)
					return
				}
				if left > 0 {
					left--
					if _, ok := f.routes[extra]; ok {
						delete(f.routes, extra)
					} else {
						extra = f.add("not ours", time.Now())
					}
				}
			}
			x := &routeExternal{api: api}
			got, err := x.listRoutes(context.Background(), mailgun.Account{}, func(d string) bool { _, ok := markerUID(d); return ok })
			if tc.wantErr {
				if !errors.Is(err, errRoutesChanging) {
					t.Fatalf("err %v, want errRoutesChanging", err)
				}
				return
			}
			if err != nil || len(got) != 6 {
				t.Fatalf("%d marked routes, err %v; want all 6", len(got), err)
			}
		})
	}
}
