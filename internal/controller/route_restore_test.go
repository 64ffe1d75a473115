package controller

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
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
	scheme := runtime.NewScheme()
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := corev1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
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
