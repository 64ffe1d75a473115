package controller

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
	"github.com/mailgun-operator/mailgun-operator/internal/mailgun"
)

// fakeRoutes is a routeAPI over a map. createErr, when set, is returned by
// the next create, after the route was made if createMakes.
type fakeRoutes struct {
	routes      map[string]mailgun.Route
	next        int
	creates     int
	deleted     []string
	createErr   error
	createMakes bool
	// pageCap, when > 0, is the most routes one list page holds, whatever
	// limit was asked for.
	pageCap int
	lists   int // list pages served
	updates int
	// betweenPages, when set, runs before every list page after the
	// first of a listing (a route made or deleted meanwhile).
	betweenPages func(f *fakeRoutes)
}

func (f *fakeRoutes) add(desc string, created time.Time) string {
	f.next++
	id := fmt.Sprintf("r%02d", f.next)
	f.routes[id] = mailgun.Route{ID: id, Priority: 1, Description: desc, Expression: "catch_all()",
		Actions: []string{"stop()"}, CreatedAt: created.UTC().Format(http.TimeFormat)}
	return id
}

func (f *fakeRoutes) CreateRoute(_ context.Context, _ mailgun.Account, r mailgun.RouteRequest) (mailgun.Route, error) {
	f.creates++
	if err := f.createErr; err != nil {
		f.createErr = nil
		if f.createMakes {
			f.add(*r.Description, time.Now())
		}
		return mailgun.Route{}, err
	}
	id := f.add(*r.Description, time.Now())
	rt := f.routes[id]
	if r.Priority != nil {
		rt.Priority = *r.Priority
	}
	if r.Expression != nil {
		rt.Expression = *r.Expression
	}
	if r.Actions != nil {
		rt.Actions = r.Actions
	}
	f.routes[id] = rt
	return rt, nil
}

func (f *fakeRoutes) ListRoutes(_ context.Context, _ mailgun.Account, o mailgun.ListOptions) (mailgun.RoutePage, error) {
	f.lists++
	if o.Skip > 0 && f.betweenPages != nil {
		f.betweenPages(f)
	}
	var p mailgun.RoutePage
	for _, r := range f.routes {
		p.Items = append(p.Items, r)
	}
	slices.SortFunc(p.Items, func(a, b mailgun.Route) int { return strings.Compare(b.ID, a.ID) }) // newest first
	p.TotalCount = len(p.Items)
	limit := o.Limit
	if f.pageCap > 0 && (limit == 0 || limit > f.pageCap) {
		limit = f.pageCap
	}
	lo := min(o.Skip, len(p.Items))
	hi := len(p.Items)
	if limit > 0 {
		hi = min(lo+limit, hi)
	}
	p.Items = p.Items[lo:hi]
	return p, nil
}

func (f *fakeRoutes) GetRoute(_ context.Context, _ mailgun.Account, id string) (mailgun.Route, error) {
	if r, ok := f.routes[id]; ok {
		return r, nil
	}
	return mailgun.Route{}, mailgun.Classify(mailgun.OpGetRoute, 404, nil, []byte(`{"message":"not found"}`))
}

func (f *fakeRoutes) UpdateRoute(_ context.Context, _ mailgun.Account, id string, r mailgun.RouteRequest) (mailgun.Route, error) {
	f.updates++
	rt, ok := f.routes[id]
	if !ok {
		return mailgun.Route{}, mailgun.Classify(mailgun.OpUpdateRoute, 404, nil, []byte(`{"message":"not found"}`))
	}
	if r.Description != nil {
		rt.Description = *r.Description
	}
	if r.Expression != nil {
		rt.Expression = *r.Expression
	}
	if r.Priority != nil {
		rt.Priority = *r.Priority
	}
	if r.Actions != nil {
		rt.Actions = r.Actions
	}
	f.routes[id] = rt
	return rt, nil
}

func (f *fakeRoutes) DeleteRoute(_ context.Context, _ mailgun.Account, id string) error {
	if _, ok := f.routes[id]; !ok {
		return mailgun.Classify(mailgun.OpDeleteRoute, 404, nil, []byte(`{"message":"not found"}`))
	}
	delete(f.routes, id)
	f.deleted = append(f.deleted, id)
	return nil
}

// unitScheme has the operator's kinds and core/v1: what the engine's unit
// tests put in their fake API servers.
func unitScheme(t *testing.T) *runtime.Scheme {
	t.Helper()
	scheme := runtime.NewScheme()
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := corev1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	return scheme
}

// fakeEngine is a route engine over a fake API server holding route, an
// account and its Secret.
func fakeEngine(t *testing.T, api *fakeRoutes, route *v1alpha1.Route, extra ...client.Object) (*Engine[*v1alpha1.Route], client.Client, *events.FakeRecorder) {
	t.Helper()
	scheme := unitScheme(t)
	objs := append([]client.Object{route,
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "key", Namespace: "ns"}, Data: map[string][]byte{"api-key": []byte("k")}},
		&v1alpha1.MailgunAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: "ns"},
			Spec: v1alpha1.MailgunAccountSpec{APIBaseURL: "http://127.0.0.1:1", APIKeySecretRef: v1alpha1.APIKeySecretReference{Name: "key"}}},
	}, extra...)
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(objs...).
		WithStatusSubresource(&v1alpha1.Route{}, &v1alpha1.MailgunAccount{}).Build()
	rec := events.NewFakeRecorder(20)
	secrets := Secrets{Cached: c, Direct: c}
	e := &Engine[*v1alpha1.Route]{Client: c, Accounts: &Accounts{Cached: c, Secrets: secrets, Policy: testPolicy},
		External: &routeExternal{api: api, recorder: rec}, New: func() *v1alpha1.Route { return &v1alpha1.Route{} },
		Recorder: rec, SyncPeriod: time.Minute, CreateGrace: time.Millisecond}
	return e, c, rec
}

func testRoute() *v1alpha1.Route {
	return &v1alpha1.Route{ObjectMeta: metav1.ObjectMeta{Name: "r", Namespace: "ns", UID: "uid-1"},
		Spec: v1alpha1.RouteSpec{Expression: "catch_all()", Actions: []v1alpha1.RouteAction{"stop()"}}}
}

func reconcileRoute(t *testing.T, e *Engine[*v1alpha1.Route], c client.Client) *v1alpha1.Route {
	t.Helper()
	req := ctrl.Request{NamespacedName: client.ObjectKey{Namespace: "ns", Name: "r"}}
	_, _ = e.Reconcile(context.Background(), req)
	r := &v1alpha1.Route{}
	if err := c.Get(context.Background(), req.NamespacedName, r); err != nil {
		return nil // deleted
	}
	return r
}

// TestCreatePending: only a failure of the POST itself leaves a create
// pending; a pending create counts as Created on deletion, and what it made
// is deleted.
func TestCreatePending(t *testing.T) {
	cases := []struct {
		name        string
		routeID     string
		err         error
		makes       bool
		wantPending bool
	}{
		{name: "a 503 after Mailgun made the route", err: mailgun.Classify(mailgun.OpCreateRoute, 503, nil, nil), makes: true, wantPending: true},
		{name: "a 502 before Mailgun made anything", err: mailgun.Classify(mailgun.OpCreateRoute, 502, nil, nil), wantPending: true},
		{name: "a 400", err: mailgun.Classify(mailgun.OpCreateRoute, 400, nil, []byte(`{"message":"bad"}`))},
		{name: "a 401", err: mailgun.Classify(mailgun.OpCreateRoute, 401, nil, nil)},
		{name: "a 429", err: mailgun.Classify(mailgun.OpCreateRoute, 429, nil, nil)},
		{name: "an error before the POST (routeID names no route)", routeID: "gone"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			api := &fakeRoutes{routes: map[string]mailgun.Route{}, createErr: tc.err, createMakes: tc.makes}
			route := testRoute()
			route.Spec.RouteID = tc.routeID
			e, c, _ := fakeEngine(t, api, route)
			r := reconcileRoute(t, e, c)
			if got := r.Status.CreatePendingSince != nil; got != tc.wantPending {
				t.Fatalf("createPendingSince set = %v, want %v (status %+v)", got, tc.wantPending, r.Status.ManagedStatus)
			}
			if _, marked := r.Annotations[CreateStartedAnnotation]; marked != tc.wantPending {
				t.Fatalf("create marker present = %v, want %v (a create that made nothing drops it)", marked, tc.wantPending)
			}
			if tc.routeID != "" && api.creates != 0 {
				t.Fatalf("posted %d creates for an adopting Route", api.creates)
			}
			want := v1alpha1.DeletionOrphan
			if tc.wantPending {
				want = v1alpha1.DeletionDelete
			}
			if p := v1alpha1.EffectiveDeletionPolicy(&r.Spec.ManagedSpec, &r.Status.ManagedStatus); p != want {
				t.Fatalf("deletion policy %s, want %s", p, want)
			}
			// Deleted before any other reconcile: what the lost create made goes too.
			if err := c.Delete(context.Background(), r); err != nil {
				t.Fatal(err)
			}
			if left := reconcileRoute(t, e, c); left != nil {
				t.Fatalf("the Route is still there: %+v", left.Status)
			}
			if len(api.routes) != 0 {
				t.Fatalf("routes left in Mailgun: %v", api.routes)
			}
		})
	}
}

// TestMarkerSearch: while a create may be pending, the route is looked for
// by its marker, also on a re-create whose status still names the dead
// route; extra routes with the marker are deleted, the oldest kept.
func TestMarkerSearch(t *testing.T) {
	for _, tc := range []struct {
		name   string
		deadID string
		marked int
	}{
		{name: "first create, one route made", marked: 1},
		{name: "re-create, status names the dead route", deadID: "dead", marked: 1},
		{name: "three routes carry the marker", marked: 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := &fakeRoutes{routes: map[string]mailgun.Route{}}
			route := testRoute()
			api.add("someone else's", time.Now().Add(-time.Hour))
			base := time.Now().Add(-10 * time.Minute)
			var oldest string
			for i := range tc.marked {
				id := api.add(routeDescription(route), base.Add(time.Duration(i)*time.Minute))
				if i == 0 {
					oldest = id
				}
			}
			route.Status.ID = tc.deadID
			route.Status.CreatePendingSince = &metav1.Time{Time: time.Now().Add(-time.Minute)}
			e, c, rec := fakeEngine(t, api, route)
			r := reconcileRoute(t, e, c)
			if api.creates != 0 {
				t.Fatalf("posted %d creates", api.creates)
			}
			if r.Status.ID != oldest || r.Status.Management != v1alpha1.ManagementCreated || r.Status.CreatePendingSince != nil {
				t.Fatalf("status %+v, want id %s, Created, nothing pending", r.Status, oldest)
			}
			if len(api.routes) != 2 {
				t.Fatalf("%d routes left, want the other's and the oldest marked", len(api.routes))
			}
			if r.Annotations[ExternalNameAnnotation] != oldest {
				t.Fatalf("external-name %q, want %s", r.Annotations[ExternalNameAnnotation], oldest)
			}
			dups := 0
			for len(rec.Events) > 0 {
				if ev := <-rec.Events; strings.Contains(ev, "DuplicateDeleted") {
					dups++
				}
			}
			if dups != tc.marked-1 {
				t.Fatalf("%d DuplicateDeleted events, want %d", dups, tc.marked-1)
			}
		})
	}
}

// TestExternalNameReadFirst: a Route restored without status, its
// annotation naming its route, takes that route (Adopted) instead of making
// a second one.
func TestExternalNameReadFirst(t *testing.T) {
	api := &fakeRoutes{routes: map[string]mailgun.Route{}}
	route := testRoute()
	id := api.add(routeDescription(route), time.Now())
	route.Annotations = map[string]string{ExternalNameAnnotation: id}
	e, c, _ := fakeEngine(t, api, route)
	r := reconcileRoute(t, e, c)
	if api.creates != 0 || r.Status.ID != id || r.Status.Management != v1alpha1.ManagementAdopted {
		t.Fatalf("%d creates, status %+v; want the restored route adopted", api.creates, r.Status)
	}
}

// TestKeyGoneOnDeletion: when the key is really gone (the Secret's hold was
// lifted by hand) and nothing remembers it, the deletion says so and what to
// do, and finishes once the user sets deletionPolicy: Orphan.
func TestKeyGoneOnDeletion(t *testing.T) {
	api := &fakeRoutes{routes: map[string]mailgun.Route{}}
	route := testRoute()
	route.Finalizers = []string{Finalizer}
	route.Status.ID = api.add(routeDescription(route), time.Now())
	route.Status.Management = v1alpha1.ManagementCreated
	e, c, _ := fakeEngine(t, api, route)
	bg := context.Background()
	if err := c.Delete(bg, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "key", Namespace: "ns"}}); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(bg, route); err != nil {
		t.Fatal(err)
	}
	var r *v1alpha1.Route
	for range 2 { // the second check confirms an account-level failure
		r = reconcileRoute(t, e, c)
	}
	if r == nil {
		t.Fatal("the Route was released without deleting its route")
	}
	ready := findCondition(r.Status.Conditions, v1alpha1.ConditionReady)
	stalled := findCondition(r.Status.Conditions, v1alpha1.ConditionStalled)
	if stalled == nil || ready.Reason != ReasonSecretNotFound || !strings.Contains(ready.Message, "deletionPolicy: Orphan") {
		t.Fatalf("want Stalled SecretNotFound saying what to do, got %+v", r.Status.Conditions)
	}
	r.Spec.DeletionPolicy = v1alpha1.DeletionOrphan
	if err := c.Update(bg, r); err != nil {
		t.Fatal(err)
	}
	if left := reconcileRoute(t, e, c); left != nil {
		t.Fatalf("the Route stays with deletionPolicy: Orphan: %+v", left.Status.Conditions)
	}
	if len(api.routes) != 1 {
		t.Fatal("an orphaned route was deleted")
	}
}

func findCondition(conds []metav1.Condition, typ string) *metav1.Condition {
	for i := range conds {
		if conds[i].Type == typ {
			return &conds[i]
		}
	}
	return nil
}

// TestMarkerSearchWhenGone covers the searches that do not start from a
// pending create: a route this object made that reads 404 by its id (Mailgun
// hiding it for longer than the create grace) is found by its marker, also
// when Mailgun serves smaller list pages than asked for, instead of posting
// a second route.
func TestMarkerSearchWhenGone(t *testing.T) {
	for _, tc := range []struct {
		name    string
		pageCap int
		others  int
	}{
		{name: "one page"},
		{name: "the marked route on the third of pages capped at 100", pageCap: 100, others: 250},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := &fakeRoutes{routes: map[string]mailgun.Route{}, pageCap: tc.pageCap}
			route := testRoute()
			mine := api.add(routeDescription(route), time.Now().Add(-time.Hour)) // the oldest id sorts last
			for range tc.others {
				api.add("someone else's", time.Now())
			}
			route.Status.ID = "hidden"
			route.Status.Management = v1alpha1.ManagementCreated
			route.Status.CreatedTime = &metav1.Time{Time: time.Now().Add(-time.Minute)}
			e, c, _ := fakeEngine(t, api, route)
			r := reconcileRoute(t, e, c)
			if api.creates != 0 {
				t.Fatalf("posted %d creates for a route that exists", api.creates)
			}
			if r.Status.ID != mine {
				t.Fatalf("status id %q, want %s", r.Status.ID, mine)
			}
		})
	}
}

// TestAdoptedStaysAdopted: an adopted route that read as gone for a moment,
// then a re-create whose answer was lost (a pending create), then the route
// found again: it stays Adopted, so deleting the Route leaves it in Mailgun.
func TestAdoptedStaysAdopted(t *testing.T) {
	api := &fakeRoutes{routes: map[string]mailgun.Route{}}
	route := testRoute()
	route.Finalizers = []string{Finalizer}
	route.Status.ID = api.add("the user's own route", time.Now().Add(-time.Hour))
	route.Status.Management = v1alpha1.ManagementAdopted
	route.Status.CreatePendingSince = &metav1.Time{Time: time.Now().Add(-time.Minute)}
	if got := v1alpha1.EffectiveDeletionPolicy(&route.Spec.ManagedSpec, &route.Status.ManagedStatus); got != v1alpha1.DeletionOrphan {
		t.Fatalf("deletion policy of an adopted route with a pending create: %s, want Orphan", got)
	}
	e, c, _ := fakeEngine(t, api, route)
	r := reconcileRoute(t, e, c)
	if r.Status.Management != v1alpha1.ManagementAdopted || r.Status.CreatePendingSince != nil {
		t.Fatalf("status %+v, want Adopted and nothing pending", r.Status.ManagedStatus)
	}
	if err := c.Delete(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if left := reconcileRoute(t, e, c); left != nil {
		t.Fatalf("the Route was not released: %+v", left.Status.Conditions)
	}
	if len(api.routes) != 1 || len(api.deleted) != 0 {
		t.Fatalf("the adopted route was deleted (%v)", api.deleted)
	}
}

// TestDeleteRightAfterCreate: a route deleted within the create grace
// whose DELETE answers 404 (Mailgun not showing it yet) is not taken as
// gone: the finalizer stays until the grace is over.
func TestDeleteRightAfterCreate(t *testing.T) {
	api := &fakeRoutes{routes: map[string]mailgun.Route{}}
	route := testRoute()
	route.Finalizers = []string{Finalizer}
	route.Status.ID = "not-visible-yet"
	route.Status.Management = v1alpha1.ManagementCreated
	route.Status.CreatedTime = &metav1.Time{Time: time.Now()}
	e, c, _ := fakeEngine(t, api, route)
	e.CreateGrace = time.Hour
	if err := c.Delete(context.Background(), route); err != nil {
		t.Fatal(err)
	}
	r := reconcileRoute(t, e, c)
	if r == nil {
		t.Fatal("released on a 404 inside the create grace: the route may appear later with no owner")
	}
	if ready := findCondition(r.Status.Conditions, v1alpha1.ConditionReady); ready == nil || ready.Reason != ReasonDeleting {
		t.Fatalf("conditions %+v, want Ready False Deleting", r.Status.Conditions)
	}
	e.CreateGrace = time.Millisecond
	if left := reconcileRoute(t, e, c); left != nil {
		t.Fatalf("not released after the grace: %+v", left.Status.Conditions)
	}
}

// TestCreateMarkerWithoutAnyRecord: the create's only record is the marker
// written with the finalizer before the POST (every write after the POST
// failed: a crash, an API server gone). The next reconcile takes the create
// as pending, finds the route by its marker and never posts again; a create
// that answered costs three API-server writes (marker with finalizer,
// identity, status), and a second reconcile none.
func TestCreateMarkerWithoutAnyRecord(t *testing.T) {
	api := &fakeRoutes{routes: map[string]mailgun.Route{}}
	route := testRoute()
	e, c, _ := fakeEngine(t, api, route)
	var patches int
	failAfterFirst := true
	e.Client = interceptor.NewClient(c.(client.WithWatch), interceptor.Funcs{
		Patch: func(ctx context.Context, cl client.WithWatch, obj client.Object, p client.Patch, opts ...client.PatchOption) error {
			patches++
			if failAfterFirst && patches > 1 {
				return errors.New("the API server is gone")
			}
			return cl.Patch(ctx, obj, p, opts...)
		},
		SubResourcePatch: func(ctx context.Context, cl client.Client, sub string, obj client.Object, p client.Patch, opts ...client.SubResourcePatchOption) error {
			patches++
			if failAfterFirst {
				return errors.New("the API server is gone")
			}
			return cl.SubResource(sub).Patch(ctx, obj, p, opts...)
		},
	})
	r := reconcileRoute(t, e, c)
	if api.creates != 1 || r.Annotations[CreateStartedAnnotation] == "" || r.Status.CreatedTime != nil || r.Status.CreatePendingSince != nil {
		t.Fatalf("after the first reconcile: %d creates, annotations %v, status %+v; want 1 create recorded by its marker only",
			api.creates, r.Annotations, r.Status.ManagedStatus)
	}
	failAfterFirst = false
	r = reconcileRoute(t, e, c)
	if api.creates != 1 || len(api.routes) != 1 {
		t.Fatalf("the create recorded only by its marker was posted again: %d creates, %d routes", api.creates, len(api.routes))
	}
	if r.Status.Management != v1alpha1.ManagementCreated || r.Status.ID == "" || r.Status.CreatePendingSince != nil {
		t.Fatalf("status %+v, want the found route as Created", r.Status.ManagedStatus)
	}
	if markerOutstanding(r) {
		t.Fatal("the resolved create's marker still reads as outstanding: every reconcile would search for it again")
	}
	r = reconcileRoute(t, e, c)
	if r.Status.CreatePendingSince != nil || api.creates != 1 {
		t.Fatalf("a third reconcile took the create as pending again (%+v, %d creates)", r.Status.ManagedStatus, api.creates)
	}
	// The writes of a create that answered: TestRouteCreateTwoWrites.
}

// TestCreateResolvedOnlyOnceRecorded: the create's only record is its
// marker (as in TestCreateMarkerWithoutAnyRecord), and the reconcile that
// finds the route loses its writes too: every write after the first k
// fails. Whatever k, a later reconcile never posts again, and the route
// ends Created with its id; the marker never goes before status records
// the create.
func TestCreateResolvedOnlyOnceRecorded(t *testing.T) {
	for k := range 3 {
		t.Run(fmt.Sprintf("%d writes succeed", k), func(t *testing.T) {
			api := &fakeRoutes{routes: map[string]mailgun.Route{}}
			e, c, _ := fakeEngine(t, api, testRoute())
			var writes int
			allow := 1 // the first reconcile: the marker only
			fail := func() bool { writes++; return allow >= 0 && writes > allow }
			e.Client = interceptor.NewClient(c.(client.WithWatch), interceptor.Funcs{
				Patch: func(ctx context.Context, cl client.WithWatch, obj client.Object, p client.Patch, opts ...client.PatchOption) error {
					if fail() {
						return errors.New("the API server is gone")
					}
					return cl.Patch(ctx, obj, p, opts...)
				},
				SubResourcePatch: func(ctx context.Context, cl client.Client, sub string, obj client.Object, p client.Patch, opts ...client.SubResourcePatchOption) error {
					if fail() {
						return errors.New("the API server is gone")
					}
					return cl.SubResource(sub).Patch(ctx, obj, p, opts...)
				},
			})
			reconcileRoute(t, e, c)
			writes, allow = 0, k
			r := reconcileRoute(t, e, c)
			if api.creates != 1 {
				t.Fatalf("the second reconcile posted again: %d creates", api.creates)
			}
			if !markerOutstanding(r) && r.Status.CreatedTime == nil {
				t.Errorf("no record of the create is left: annotations %v, status %+v", r.Annotations, r.Status.ManagedStatus)
			}
			allow = -1 // every write succeeds from now on
			r = reconcileRoute(t, e, c)
			r = reconcileRoute(t, e, c)
			if api.creates != 1 || len(api.routes) != 1 {
				t.Fatalf("the create was posted again: %d creates, %d routes", api.creates, len(api.routes))
			}
			if r.Status.Management != v1alpha1.ManagementCreated || r.Status.ID == "" || r.Status.CreatedTime == nil ||
				r.Status.CreatePendingSince != nil || markerOutstanding(r) {
				t.Fatalf("annotations %v, status %+v; want the found route Created, its create resolved", r.Annotations, r.Status.ManagedStatus)
			}
		})
	}
}

// TestPendingFromMarker: when the create marker makes a create pending.
func TestPendingFromMarker(t *testing.T) {
	at := time.Date(2026, 1, 1, 10, 0, 0, 700_000_000, time.UTC)
	mark := at.Format(time.RFC3339Nano) + " uid-1"
	sec := func(d time.Duration) *metav1.Time { return &metav1.Time{Time: at.Truncate(time.Second).Add(d)} }
	// createRefusedTime is stored to the microsecond.
	micro := func(d time.Duration) *metav1.MicroTime {
		return &metav1.MicroTime{Time: at.Add(d).Truncate(time.Microsecond)}
	}
	cases := []struct {
		name    string
		marker  string
		created *metav1.Time
		refused *metav1.MicroTime
		want    bool
	}{
		{name: "no marker", want: false},
		{name: "marker, nothing recorded since", marker: mark, want: true},
		{name: "created after the marker", marker: mark, created: sec(time.Second), want: false},
		{name: "created within the marker's second (stored to the second)", marker: mark, created: sec(0), want: false},
		{name: "an older create recorded, the new one not", marker: mark, created: sec(-time.Second), want: true},
		{name: "another object's marker (a copy, a restore)", marker: at.Format(time.RFC3339Nano) + " uid-2", want: false},
		{name: "not a marker", marker: "yesterday", want: false},
		{name: "this create refused", marker: mark, refused: micro(0), want: false},
		{name: "an older create refused, the new one not", marker: mark, refused: micro(-time.Second), want: true},
		{name: "a refusal recorded after the marker (a skewed clock's)", marker: mark, refused: micro(time.Second), want: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := testRoute()
			if tc.marker != "" {
				r.Annotations = map[string]string{CreateStartedAnnotation: tc.marker}
			}
			r.Status.CreatedTime = tc.created
			r.Status.CreateRefusedTime = tc.refused
			pendingFromMarker(r)
			if got := r.Status.CreatePendingSince != nil; got != tc.want {
				t.Fatalf("pending = %v, want %v", got, tc.want)
			}
			if tc.want && !r.Status.CreatePendingSince.Time.Equal(at) {
				t.Fatalf("pending since %v, want the marker's %v", r.Status.CreatePendingSince.Time, at)
			}
		})
	}
}
