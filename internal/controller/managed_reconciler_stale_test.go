package controller

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
	"github.com/mailgun-operator/mailgun-operator/internal/mailgun"
)

// TestStaleCacheNeverCreatesTwice: the informer cache may hand a reconcile an
// object from before the previous reconcile recorded its create. That
// reconcile must not post a second route.
func TestStaleCacheNeverCreatesTwice(t *testing.T) {
	scheme := unitScheme(t)
	route := &v1alpha1.Route{ObjectMeta: metav1.ObjectMeta{Name: "r", Namespace: "ns", UID: "uid-1"},
		Spec: v1alpha1.RouteSpec{Expression: "catch_all()", Actions: []v1alpha1.RouteAction{"stop()"}}}
	objs := []client.Object{
		route.DeepCopy(),
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "key", Namespace: "ns"}, Data: map[string][]byte{"api-key": []byte("k")}},
		&v1alpha1.MailgunAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: "ns"},
			Spec: v1alpha1.MailgunAccountSpec{APIBaseURL: "http://127.0.0.1:1", APIKeySecretRef: v1alpha1.APIKeySecretReference{Name: "key"}}},
	}
	base := fake.NewClientBuilder().WithScheme(scheme).WithObjects(objs...).
		WithStatusSubresource(&v1alpha1.Route{}).Build()

	// The first reconcile reads the live object; every later read returns
	// the object as it was before the first reconcile, as a lagging cache
	// would.
	var stale *v1alpha1.Route
	c := interceptor.NewClient(base, interceptor.Funcs{Get: func(ctx context.Context, cl client.WithWatch,
		key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
		r, ok := obj.(*v1alpha1.Route)
		if !ok || stale == nil {
			return cl.Get(ctx, key, obj, opts...)
		}
		stale.DeepCopyInto(r)
		return nil
	}})
	api := &fakeRoutes{routes: map[string]mailgun.Route{}} // managed_reconciler_pending_test.go
	secrets := Secrets{Cached: c, Direct: c}
	e := &Engine[*v1alpha1.Route]{Client: c, Accounts: &Accounts{Cached: c, Secrets: secrets, Policy: testPolicy},
		External: &routeExternal{api: api}, New: func() *v1alpha1.Route { return &v1alpha1.Route{} },
		Recorder: &events.FakeRecorder{}, SyncPeriod: time.Minute, CreateGrace: time.Second}
	req := ctrl.Request{NamespacedName: client.ObjectKey{Namespace: "ns", Name: "r"}}

	initial := &v1alpha1.Route{}
	if err := base.Get(context.Background(), req.NamespacedName, initial); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Reconcile(context.Background(), req); err != nil {
		t.Fatalf("first reconcile: %v", err)
	}
	if api.creates != 1 {
		t.Fatalf("first reconcile made %d routes, want 1", api.creates)
	}
	stale = initial
	_, err := e.Reconcile(context.Background(), req)
	if api.creates != 1 {
		t.Fatalf("a reconcile of a stale object made another route: %d creates (err %v)", api.creates, err)
	}
	if err == nil {
		t.Fatal("the stale reconcile should fail its write-ahead marker and retry")
	}
}

// namedExternal is a Mailgun object named by its resource, as a domain, a
// webhook or a list is: Observe finds it by name, whoever made it.
type namedExternal struct {
	made    map[string]bool
	creates int
}

func (x *namedExternal) Observe(_ context.Context, _ mailgun.Account, r *v1alpha1.Route) (observation, error) {
	return observation{exists: x.made[r.Name], upToDate: true}, nil
}

func (x *namedExternal) Create(_ context.Context, _ mailgun.Account, r *v1alpha1.Route) (observation, error) {
	x.creates++
	x.made[r.Name] = true
	return observation{exists: true, upToDate: true}, nil
}

func (x *namedExternal) Update(context.Context, mailgun.Account, *v1alpha1.Route, observation) error {
	return nil
}

func (x *namedExternal) Delete(_ context.Context, _ mailgun.Account, r *v1alpha1.Route) error {
	delete(x.made, r.Name)
	return nil
}

func (x *namedExternal) Identity(r *v1alpha1.Route) string { return r.Name }

// TestStaleCacheNeverAdoptsOwnCreate: a create's status write fails, and
// the retry reads, from a lagging cache, the object as it was before its
// create marker. It finds the Mailgun object it just made: that must not be
// recorded as Adopted (kept in Mailgun when the resource is deleted), but as
// Created once the cache catches up.
func TestStaleCacheNeverAdoptsOwnCreate(t *testing.T) {
	for _, confirm := range []bool{true, false} {
		t.Run(map[bool]string{true: "confirmed by a direct read", false: "without the direct read"}[confirm], func(t *testing.T) {
			scheme := unitScheme(t)
			base := fake.NewClientBuilder().WithScheme(scheme).WithObjects(testRoute(),
				&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "key", Namespace: "ns"}, Data: map[string][]byte{"api-key": []byte("k")}},
				&v1alpha1.MailgunAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: "ns"},
					Spec: v1alpha1.MailgunAccountSpec{APIBaseURL: "http://127.0.0.1:1", APIKeySecretRef: v1alpha1.APIKeySecretReference{Name: "key"}}},
			).WithStatusSubresource(&v1alpha1.Route{}).Build()
			var stale *v1alpha1.Route
			failStatus := true
			c := interceptor.NewClient(base, interceptor.Funcs{
				Get: func(ctx context.Context, cl client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
					if r, ok := obj.(*v1alpha1.Route); ok && stale != nil {
						stale.DeepCopyInto(r)
						return nil
					}
					return cl.Get(ctx, key, obj, opts...)
				},
				SubResourcePatch: func(ctx context.Context, cl client.Client, sub string, obj client.Object, p client.Patch, opts ...client.SubResourcePatchOption) error {
					if failStatus {
						return context.DeadlineExceeded
					}
					return cl.SubResource(sub).Patch(ctx, obj, p, opts...)
				},
			})
			x := &namedExternal{made: map[string]bool{}}
			e := &Engine[*v1alpha1.Route]{Client: c, Accounts: &Accounts{Cached: c, Secrets: Secrets{Cached: c, Direct: c}, Policy: testPolicy},
				External: x, New: func() *v1alpha1.Route { return &v1alpha1.Route{} },
				Recorder: &events.FakeRecorder{}, SyncPeriod: time.Minute, CreateGrace: time.Millisecond}
			if confirm {
				e.Fresh = base
			}
			req := ctrl.Request{NamespacedName: client.ObjectKey{Namespace: "ns", Name: "r"}}
			initial := &v1alpha1.Route{}
			if err := base.Get(context.Background(), req.NamespacedName, initial); err != nil {
				t.Fatal(err)
			}
			_, _ = e.Reconcile(context.Background(), req) // creates; its status write fails
			failStatus, stale = false, initial
			_, _ = e.Reconcile(context.Background(), req) // the cache lags
			stale = nil
			_, _ = e.Reconcile(context.Background(), req) // the cache caught up
			got := &v1alpha1.Route{}
			if err := base.Get(context.Background(), req.NamespacedName, got); err != nil {
				t.Fatal(err)
			}
			if x.creates != 1 {
				t.Fatalf("%d creates", x.creates)
			}
			if confirm && got.Status.Management != v1alpha1.ManagementCreated {
				t.Fatalf("management %q, want Created: the operator made this object", got.Status.Management)
			}
			if !confirm && got.Status.Management != v1alpha1.ManagementAdopted {
				t.Fatalf("management %q: without the direct read this test should show the bug (Adopted)", got.Status.Management)
			}
		})
	}
}
