package controller

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
	"github.com/mailgun-operator/mailgun-operator/internal/mailgun"
)

// clock is a settable time for the snapshot store.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func testSnapshots(maxAge time.Duration) (*Snapshots, *clock) {
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	s := NewSnapshots(maxAge)
	s.now = c.now
	return s, c
}

// Many workers asking at once share one fetch.
func TestSnapshotOneFetchInFlight(t *testing.T) {
	s, _ := testSnapshots(time.Minute)
	var fetches atomic.Int32
	release := make(chan struct{})
	fetch := func(context.Context) (any, error) {
		fetches.Add(1)
		<-release
		return "list", nil
	}
	key := snapKey{list: "routes"}
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			v, err := s.get(context.Background(), key, time.Time{}, fetch)
			if err == nil && v != "list" {
				err = errors.New("wrong value")
			}
			errs <- err
		})
	}
	// Let the waiters pile up behind the one fetch, then release it.
	for fetches.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := fetches.Load(); n != 1 {
		t.Fatalf("fetches = %d, want 1", n)
	}
}

// A snapshot is served until maxAge, then fetched again; a failed fetch is
// not repeated within failureHold; a snapshot older than the object is
// never used for it, and is not refetched for it either.
func TestSnapshotAgeFailureAndNotBefore(t *testing.T) {
	s, c := testSnapshots(time.Minute)
	key := snapKey{list: "routes"}
	fetches := 0
	var fail error
	fetch := func(context.Context) (any, error) {
		fetches++
		if fail != nil {
			return nil, fail
		}
		return fetches, nil
	}
	get := func(notBefore time.Time) (any, error) {
		return s.get(context.Background(), key, notBefore, fetch)
	}
	steps := []struct {
		name      string
		advance   time.Duration
		fail      error
		notBefore time.Duration // from the clock's start; 0: none
		want      any
		wantErr   error
		fetches   int
	}{
		{name: "first use fetches", want: 1, fetches: 1},
		{name: "fresh: served", advance: 30 * time.Second, want: 1, fetches: 1},
		{name: "older than the object: not used, not refetched", notBefore: 31 * time.Second, wantErr: errSnapshotTooOld, fetches: 1},
		{name: "expired: refetched", advance: 31 * time.Second, want: 2, fetches: 2},
		{name: "expired and failing: the error", advance: 61 * time.Second, fail: errors.New("503"), wantErr: errors.New("503"), fetches: 3},
		{name: "failed recently: not fetched again", advance: failureHold / 2, wantErr: errors.New("503"), fetches: 3},
		{name: "failure hold over: fetched again", advance: failureHold, want: 4, fetches: 4},
	}
	start := c.now()
	for _, st := range steps {
		c.add(st.advance)
		fail = st.fail
		var nb time.Time
		if st.notBefore > 0 {
			nb = start.Add(st.notBefore)
		}
		v, err := get(nb)
		switch {
		case st.wantErr != nil && (err == nil || err.Error() != st.wantErr.Error()):
			t.Fatalf("%s: err = %v, want %v", st.name, err, st.wantErr)
		case st.wantErr == nil && (err != nil || v != st.want):
			t.Fatalf("%s: got %v, %v; want %v", st.name, v, err, st.want)
		case fetches != st.fetches:
			t.Fatalf("%s: fetches = %d, want %d", st.name, fetches, st.fetches)
		}
	}
	s.sweep()
	if len(s.entries) != 1 {
		t.Fatalf("sweep dropped a fresh snapshot: %d left", len(s.entries))
	}
	c.add(2 * time.Minute)
	s.sweep()
	if len(s.entries) != 0 {
		t.Fatalf("sweep kept %d old snapshots", len(s.entries))
	}
}

// snapRoutes counts the route reads and can fail the list.
type snapRoutes struct {
	*fakeRoutes
	lists, gets, updates int
	listErr              error
}

func (f *snapRoutes) ListRoutes(ctx context.Context, a mailgun.Account, o mailgun.ListOptions) (mailgun.RoutePage, error) {
	f.lists++
	if f.listErr != nil {
		return mailgun.RoutePage{}, f.listErr
	}
	return f.fakeRoutes.ListRoutes(ctx, a, o)
}

func (f *snapRoutes) GetRoute(ctx context.Context, a mailgun.Account, id string) (mailgun.Route, error) {
	f.gets++
	return f.fakeRoutes.GetRoute(ctx, a, id)
}

// TestRouteDriftCheckFromSnapshot: a route in sync in the snapshot costs no
// read of its own; a route that differs or is missing in the snapshot is
// read by id before anything is decided, so stale list evidence never
// causes an update; a failing list (5xx, 429, timeout) falls back to the
// read by id and is not fetched again by every check.
func TestRouteDriftCheckFromSnapshot(t *testing.T) {
	http503 := mailgun.Classify(mailgun.OpListRoutes, 503, nil, []byte(`{"message":"unavailable"}`))
	http429 := mailgun.Classify(mailgun.OpListRoutes, 429, nil, []byte(`{"message":"slow down"}`))
	cases := []struct {
		name string
		// snapshotSays changes the route in the list only (as a snapshot
		// taken before a change Mailgun has since reverted).
		snapshotSays func(*mailgun.Route)
		dropFromList bool
		listErr      error
		// mailgunSays changes the route itself.
		mailgunSays  func(*mailgun.Route)
		wantUpToDate bool
		wantGets     int
	}{
		{name: "in sync in the snapshot: no GET", wantUpToDate: true, wantGets: 0},
		{name: "drift in the snapshot only: the GET says in sync, nothing to write",
			snapshotSays: func(r *mailgun.Route) { r.Priority = 9 }, wantUpToDate: true, wantGets: 1},
		{name: "drift confirmed by the GET", snapshotSays: func(r *mailgun.Route) { r.Priority = 9 },
			mailgunSays: func(r *mailgun.Route) { r.Priority = 9 }, wantUpToDate: false, wantGets: 1},
		{name: "missing from the snapshot: the GET finds it", dropFromList: true, wantUpToDate: true, wantGets: 1},
		{name: "list fails 5xx: read by id", listErr: http503, wantUpToDate: true, wantGets: 1},
		{name: "list rate limited: read by id", listErr: http429, wantUpToDate: true, wantGets: 1},
		{name: "list times out: read by id", listErr: context.DeadlineExceeded, wantUpToDate: true, wantGets: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			base := &fakeRoutes{routes: map[string]mailgun.Route{}}
			r := testRoute()
			r.Spec.Priority = 1
			id := base.add(routeDescription(r), time.Now())
			r.Status.ID = id
			r.Status.Management = v1alpha1.ManagementCreated
			r.Status.CreatedTime = &metav1.Time{Time: time.Now().Add(-time.Hour)}
			api := &snapRoutes{fakeRoutes: base, listErr: tc.listErr}
			snaps, _ := testSnapshots(time.Minute)
			snaps.now = time.Now
			x := &routeExternal{api: api, snapshots: snaps}
			// The snapshot as the list shows it, before the route itself
			// is changed below.
			if tc.snapshotSays != nil || tc.dropFromList {
				saved := base.routes[id]
				listed := saved
				if tc.snapshotSays != nil {
					tc.snapshotSays(&listed)
				}
				base.routes[id] = listed
				if tc.dropFromList {
					delete(base.routes, id)
				}
				if _, err := snaps.routes(context.Background(), mailgun.Account{}, time.Time{}, func(ctx context.Context) ([]mailgun.Route, error) {
					all, _, err := x.listRoutesOnce(ctx, mailgun.Account{}, func(string) bool { return true })
					return all, err
				}); err != nil {
					t.Fatal(err)
				}
				base.routes[id] = saved
			}
			if tc.mailgunSays != nil {
				got := base.routes[id]
				tc.mailgunSays(&got)
				base.routes[id] = got
			}
			obs, err := x.Observe(context.Background(), mailgun.Account{}, r)
			if err != nil {
				t.Fatal(err)
			}
			if !obs.exists || obs.upToDate != tc.wantUpToDate {
				t.Fatalf("observation = %+v, want exists and upToDate=%v", obs, tc.wantUpToDate)
			}
			if api.gets != tc.wantGets {
				t.Fatalf("GETs = %d, want %d", api.gets, tc.wantGets)
			}
			if tc.listErr != nil {
				// A second check within the failure hold reads by id again
				// without another list.
				lists := api.lists
				if _, err := x.Observe(context.Background(), mailgun.Account{}, r); err != nil {
					t.Fatal(err)
				}
				if api.lists != lists {
					t.Fatalf("the failed list was fetched again at once (%d lists)", api.lists)
				}
			}
		})
	}
}

// TestRouteSnapshotNotUsedAfterWrite: after the operator writes a route, a
// snapshot taken before the write is not used for it (it may show the route
// as it was); a pending create never consults one.
func TestRouteSnapshotNotUsedAfterWrite(t *testing.T) {
	base := &fakeRoutes{routes: map[string]mailgun.Route{}}
	r := testRoute()
	r.Spec.Priority = 1
	id := base.add(routeDescription(r), time.Now())
	r.Status.ID = id
	r.Status.Management = v1alpha1.ManagementCreated
	r.Status.CreatedTime = &metav1.Time{Time: time.Now().Add(-time.Hour)}
	api := &snapRoutes{fakeRoutes: base}
	snaps := NewSnapshots(time.Minute)
	x := &routeExternal{api: api, snapshots: snaps}
	if _, err := x.Observe(context.Background(), mailgun.Account{}, r); err != nil {
		t.Fatal(err)
	}
	if api.lists != 1 || api.gets != 0 {
		t.Fatalf("first check: %d lists, %d gets; want 1, 0", api.lists, api.gets)
	}
	time.Sleep(2 * time.Millisecond) // the write must come strictly after the snapshot began
	if err := x.Update(context.Background(), mailgun.Account{}, r, observation{}); err != nil {
		t.Fatal(err)
	}
	if _, err := x.Observe(context.Background(), mailgun.Account{}, r); err != nil {
		t.Fatal(err)
	}
	if api.lists != 1 || api.gets != 1 {
		t.Fatalf("after a write: %d lists, %d gets; want the old snapshot skipped (1 list) and a GET", api.lists, api.gets)
	}
	r.Status.CreatePendingSince = &metav1.Time{Time: time.Now()}
	if snaps.usable(&r.Status.ManagedStatus) {
		t.Fatal("a pending create may consult a snapshot")
	}
}

// snapWebhooks is a webhookAPI over one domain's webhooks that counts lists
// and can fail them.
type snapWebhooks struct {
	hooks   mailgun.Webhooks
	lists   int
	listErr error
}

func (f *snapWebhooks) ListWebhooks(context.Context, mailgun.Account, string) (mailgun.Webhooks, error) {
	f.lists++
	if f.listErr != nil {
		return mailgun.Webhooks{}, f.listErr
	}
	return f.hooks, nil
}
func (f *snapWebhooks) CreateWebhook(context.Context, mailgun.Account, string, mailgun.Event, []string) error {
	return nil
}
func (f *snapWebhooks) UpdateWebhook(context.Context, mailgun.Account, string, mailgun.Event, []string) error {
	return nil
}
func (f *snapWebhooks) DeleteWebhook(context.Context, mailgun.Account, string, mailgun.Event) error {
	return nil
}

// TestWebhookDriftCheckFromSnapshot: the Webhooks of one domain share one
// list; a difference in it is confirmed by a fresh list before anything is
// written; a failed list falls back to the fresh list, whose error then
// shows.
func TestWebhookDriftCheckFromSnapshot(t *testing.T) {
	hook := func(ev string) *v1alpha1.Webhook {
		return &v1alpha1.Webhook{ObjectMeta: metav1.ObjectMeta{Name: ev, Namespace: "ns", UID: types.UID("uid-" + ev)},
			Spec: v1alpha1.WebhookSpec{Domain: "mg.example.com", Event: v1alpha1.WebhookEvent(ev),
				URLs: []v1alpha1.WebhookURL{"https://h.example.com/" + v1alpha1.WebhookURL(ev)}},
			Status: v1alpha1.WebhookStatus{ManagedStatus: v1alpha1.ManagedStatus{
				Management: v1alpha1.ManagementCreated, CreatedTime: &metav1.Time{Time: time.Now().Add(-time.Hour)}}}}
	}
	evs := []string{"delivered", "opened", "clicked", "permanent_fail"}
	api := &snapWebhooks{}
	for _, name := range evs {
		ev, _ := mailgun.ParseEvent(name)
		api.hooks[ev] = []string{"https://h.example.com/" + name}
	}
	x := &webhookExternal{api: api, snapshots: NewSnapshots(time.Minute)}
	for _, name := range evs {
		obs, err := x.Observe(context.Background(), mailgun.Account{}, hook(name))
		if err != nil || !obs.exists || !obs.upToDate {
			t.Fatalf("%s: %+v, %v; want in sync", name, obs, err)
		}
	}
	if api.lists != 1 {
		t.Fatalf("4 webhooks of one domain: %d lists, want 1", api.lists)
	}
	// Mailgun changes behind the snapshot: the snapshot still says "in
	// sync" (it is bounded in age, not exact); a spec change makes it
	// differ, and the fresh list confirms before the update.
	h := hook("opened")
	h.Spec.URLs = []v1alpha1.WebhookURL{"https://h.example.com/new"}
	obs, err := x.Observe(context.Background(), mailgun.Account{}, h)
	if err != nil || obs.upToDate || api.lists != 2 {
		t.Fatalf("a spec change: %+v, %v, %d lists; want out of date after a fresh list (2)", obs, err, api.lists)
	}
	// A failing list: the fresh list fails too and its error is returned;
	// nothing reads as missing (which would create).
	x = &webhookExternal{api: api, snapshots: NewSnapshots(time.Minute)}
	api.listErr = mailgun.Classify(mailgun.OpListWebhooks, 503, nil, []byte(`{"message":"unavailable"}`))
	if _, err := x.Observe(context.Background(), mailgun.Account{}, hook("delivered")); err == nil {
		t.Fatal("a failing list read as an answer")
	}
}

// TestRouteFingerprintMatchesDiff: a snapshot's fingerprint says "in sync"
// exactly when routeDiff finds nothing.
func TestRouteFingerprintMatchesDiff(t *testing.T) {
	r := testRoute()
	r.Spec.Priority = 3
	r.Spec.Actions = []v1alpha1.RouteAction{"forward(\"a\")", "stop()"}
	base := mailgun.Route{ID: "x", Priority: 3, Expression: r.Spec.Expression, Description: routeDescription(r),
		Actions: []string{"forward(\"a\")", "stop()"}}
	cases := map[string]func(*mailgun.Route){
		"same":                 func(*mailgun.Route) {},
		"priority":             func(g *mailgun.Route) { g.Priority = 4 },
		"expression":           func(g *mailgun.Route) { g.Expression += " " },
		"description":          func(g *mailgun.Route) { g.Description = "other" },
		"actions reordered":    func(g *mailgun.Route) { g.Actions = []string{"stop()", "forward(\"a\")"} },
		"actions run together": func(g *mailgun.Route) { g.Actions = []string{"forward(\"a\")stop()"} },
		"an action more":       func(g *mailgun.Route) { g.Actions = append(g.Actions, "stop()") },
		"expression into actions": func(g *mailgun.Route) {
			g.Expression = ""
			g.Actions = append([]string{r.Spec.Expression}, g.Actions...)
		},
	}
	want := routeFingerprint(int(r.Spec.Priority), r.Spec.Expression, routeDescription(r), routeActions(r))
	for name, change := range cases {
		got := base
		got.Actions = slices.Clone(base.Actions)
		change(&got)
		same := routeFingerprint(got.Priority, got.Expression, got.Description, got.Actions) == want
		if same != (len(routeDiff(r, got)) == 0) {
			t.Errorf("%s: fingerprint equal = %v, routeDiff = %v", name, same, routeDiff(r, got))
		}
	}
}

// snapDomains is a domainAPI for drift checks: one domain, counted reads,
// a list that can fail. Other calls are not expected (the embedded nil
// interface would panic).
type snapDomains struct {
	domainAPI
	dom, listed mailgun.Domain
	lists, gets int
	listErr     error
}

func (f *snapDomains) ListDomains(context.Context, mailgun.Account, mailgun.ListOptions) (mailgun.DomainPage, error) {
	f.lists++
	if f.listErr != nil {
		return mailgun.DomainPage{}, f.listErr
	}
	return mailgun.DomainPage{TotalCount: 1, Items: []mailgun.Domain{f.listed}}, nil
}

func (f *snapDomains) GetDomain(context.Context, mailgun.Account, string) (mailgun.DomainInfo, error) {
	f.gets++
	return mailgun.DomainInfo{Domain: f.dom}, nil
}

// TestDomainDriftCheckFromSnapshot: a verified domain in sync in the
// domains list costs no read of its own; a difference in the list, a
// failing list or an unverified domain is read by itself before anything
// is decided.
func TestDomainDriftCheckFromSnapshot(t *testing.T) {
	inSync := mailgun.Domain{Name: "mg.example.com", State: "active", SpamAction: "tag"}
	cases := []struct {
		name     string
		listed   mailgun.Domain
		listErr  error
		state    string // in status
		wantGets int
	}{
		{name: "in sync in the list: no GET", listed: inSync, state: "active", wantGets: 0},
		{name: "drift in the list only: the GET says in sync", listed: mailgun.Domain{Name: "mg.example.com", State: "active", SpamAction: "block"},
			state: "active", wantGets: 1},
		{name: "unverified in the list: read by itself", listed: mailgun.Domain{Name: "mg.example.com", State: "unverified", SpamAction: "tag"},
			state: "active", wantGets: 1},
		{name: "list fails 5xx: read by itself", listErr: mailgun.Classify(mailgun.OpListDomains, 503, nil, nil), state: "active", wantGets: 1},
		{name: "unverified in status: no list", listed: inSync, state: "unverified", wantGets: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			api := &snapDomains{dom: inSync, listed: tc.listed, listErr: tc.listErr}
			x := &domainExternal{api: api, snapshots: NewSnapshots(time.Minute), dnsCheckInterval: time.Hour}
			d := &v1alpha1.MailgunDomain{ObjectMeta: metav1.ObjectMeta{Name: "d", Namespace: "ns", UID: "uid-d"},
				Spec: v1alpha1.MailgunDomainSpec{DomainName: "mg.example.com", SpamAction: "tag"}}
			d.Status.State = tc.state
			d.Status.Management = v1alpha1.ManagementCreated
			d.Status.CreatedTime = &metav1.Time{Time: time.Now().Add(-time.Hour)}
			x.lastCheck = map[types.UID]time.Time{d.UID: time.Now()} // no DNS re-check for an unverified one
			obs, err := x.Observe(context.Background(), mailgun.Account{}, d)
			if err != nil || !obs.exists || !obs.upToDate {
				t.Fatalf("observation %+v, %v; want in sync", obs, err)
			}
			if api.gets != tc.wantGets {
				t.Fatalf("GETs = %d, want %d", api.gets, tc.wantGets)
			}
			if tc.state != "active" && api.lists != 0 {
				t.Fatalf("an unverified domain read the list (%d)", api.lists)
			}
		})
	}
}

// liveWebhooks is a webhookAPI over a map that counts its lists.
type liveWebhooks struct {
	hooks mailgun.Webhooks
	lists int
}

func (f *liveWebhooks) ListWebhooks(context.Context, mailgun.Account, string) (mailgun.Webhooks, error) {
	f.lists++
	return f.hooks, nil
}
func (f *liveWebhooks) CreateWebhook(_ context.Context, _ mailgun.Account, _ string, ev mailgun.Event, urls []string) error {
	f.hooks[ev] = slices.Clone(urls)
	return nil
}
func (f *liveWebhooks) UpdateWebhook(_ context.Context, _ mailgun.Account, _ string, ev mailgun.Event, urls []string) error {
	f.hooks[ev] = slices.Clone(urls)
	return nil
}
func (f *liveWebhooks) DeleteWebhook(_ context.Context, _ mailgun.Account, _ string, ev mailgun.Event) error {
	f.hooks[ev] = nil
	return nil
}

// TestWebhookSnapshotNeverAdopts: W1 is in sync in the domain's snapshot;
// the operator deletes W1's webhook; W2, a new Webhook of the same event
// and URL, is never taken as existing on that snapshot's word (which would
// make it Adopted and Ready while Mailgun has no webhook): not as a first
// observation, not after the delete dropped the snapshot (a Webhook whose
// status says Created), and not from a snapshot taken before the resource
// was created (Mailgun changed by someone else).
func TestWebhookSnapshotNeverAdopts(t *testing.T) {
	old := metav1.NewTime(time.Now().Add(-time.Hour))
	hook := func(name string, created metav1.Time, mgmt v1alpha1.Management) *v1alpha1.Webhook {
		w := &v1alpha1.Webhook{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", UID: types.UID("uid-" + name), CreationTimestamp: created},
			Spec: v1alpha1.WebhookSpec{Domain: "mg.example.com", Event: "delivered", URLs: []v1alpha1.WebhookURL{"https://h.example.com/d"}}}
		w.Status.Management = mgmt
		if mgmt != "" {
			w.Status.CreatedTime = &old
		}
		return w
	}
	ev, _ := mailgun.ParseEvent("delivered")
	setup := func() (*liveWebhooks, *webhookExternal) {
		api := &liveWebhooks{}
		api.hooks[ev] = []string{"https://h.example.com/d"}
		x := &webhookExternal{api: api, snapshots: NewSnapshots(time.Hour)}
		if obs, err := x.Observe(context.Background(), mailgun.Account{}, hook("w1", old, v1alpha1.ManagementCreated)); err != nil || !obs.upToDate || api.lists != 1 {
			t.Fatalf("W1: %+v, %v, %d lists; want in sync from one list", obs, err, api.lists)
		}
		return api, x
	}
	cases := []struct {
		name string
		// byOperator: the operator deletes W1's webhook (false: someone
		// else does, behind the snapshot).
		byOperator bool
		w2         *v1alpha1.Webhook
		wantLists  int
	}{
		{name: "a new Webhook's first observation", byOperator: true, w2: hook("w2", metav1.Now(), ""), wantLists: 2},
		// A new snapshot (which shows it missing), then the fresh list.
		{name: "the operator's delete drops the snapshot", byOperator: true, w2: hook("w2", old, v1alpha1.ManagementCreated), wantLists: 3},
		{name: "a snapshot older than the resource", w2: hook("w2", metav1.NewTime(time.Now().Add(time.Second)), v1alpha1.ManagementAdopted), wantLists: 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			api, x := setup()
			if tc.byOperator {
				if err := x.Delete(context.Background(), mailgun.Account{}, hook("w1", old, v1alpha1.ManagementCreated)); err != nil {
					t.Fatal(err)
				}
			} else {
				api.hooks[ev] = nil
			}
			obs, err := x.Observe(context.Background(), mailgun.Account{}, tc.w2)
			if err != nil || obs.exists {
				t.Fatalf("W2: %+v, %v; want missing (Mailgun has no webhook)", obs, err)
			}
			if api.lists != tc.wantLists {
				t.Fatalf("%d lists, want %d", api.lists, tc.wantLists)
			}
		})
	}
}

// TestSnapshotFetchPanics: a fetch that panics is stored as a failed fetch
// (and the panic goes on to its caller): the workers waiting on it are
// released, and the next check gets the failure at once instead of waiting
// on the list forever. A worker waiting on a fetch gives up with its own
// context.
func TestSnapshotFetchPanics(t *testing.T) {
	s, _ := testSnapshots(time.Minute)
	key := snapKey{list: "routes"}
	started, release := make(chan struct{}), make(chan struct{})
	panicked := make(chan any, 1)
	go func() {
		defer func() { panicked <- recover() }()
		_, _ = s.get(context.Background(), key, time.Time{}, func(context.Context) (any, error) {
			close(started)
			<-release
			panic("a bug in a decoder")
		})
	}()
	<-started
	// A waiter with a context that ends gives up while the fetch hangs.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.get(ctx, key, time.Time{}, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("a waiter whose context ended: %v, want context.Canceled", err)
	}
	// A waiter with a live context is released by the panic.
	waited := make(chan error, 1)
	go func() {
		_, err := s.get(context.Background(), key, time.Time{}, nil)
		waited <- err
	}()
	close(release)
	if p := <-panicked; p == nil {
		t.Fatal("the fetch's panic was swallowed")
	}
	bounded, stop := context.WithTimeout(context.Background(), 30*time.Second)
	defer stop()
	select {
	case err := <-waited:
		if err == nil {
			t.Fatal("the waiter got a value from a fetch that panicked")
		}
	case <-bounded.Done():
		t.Fatal("the waiter still waits on a fetch that panicked")
	}
	if _, err := s.get(bounded, key, time.Time{}, func(context.Context) (any, error) {
		t.Fatal("fetched again within failureHold")
		return nil, nil
	}); err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("the next check: %v, want the stored failure", err)
	}
}
