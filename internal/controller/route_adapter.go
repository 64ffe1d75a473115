package controller

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
	"github.com/mailgun-operator/mailgun-operator/internal/mailgun"
)

// +kubebuilder:rbac:groups=mailgun.operator.dev,resources=routes,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=mailgun.operator.dev,resources=routes/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=mailgun.operator.dev,resources=routes/finalizers,verbs=update

// routeAPI is the part of the Mailgun client routes use.
type routeAPI interface {
	CreateRoute(ctx context.Context, a mailgun.Account, r mailgun.RouteRequest) (mailgun.Route, error)
	ListRoutes(ctx context.Context, a mailgun.Account, o mailgun.ListOptions) (mailgun.RoutePage, error)
	GetRoute(ctx context.Context, a mailgun.Account, id string) (mailgun.Route, error)
	UpdateRoute(ctx context.Context, a mailgun.Account, id string, r mailgun.RouteRequest) (mailgun.Route, error)
	DeleteRoute(ctx context.Context, a mailgun.Account, id string) error
}

// routeExternal adapts Route to the engine. A route's create is not
// idempotent: every POST makes a new route. So each route carries a marker
// with its resource's UID in its description, and while a create may be
// pending (its outcome lost), the route is looked for by that marker before
// posting again, and before letting go on deletion.
type routeExternal struct {
	api      routeAPI
	recorder events.EventRecorder // may be nil in tests
	// snapshots, when set, serve drift checks from the account's routes
	// list (snapshot.go); nil reads every route by id.
	snapshots *Snapshots
	// claims lists Routes by what they claim (the manager's cache), so that
	// a copy of a live Route never takes its route (route_restore.go);
	// nil: not checked.
	claims client.Reader
}

// routeListPage is the page size when looking for a marker: Mailgun's
// maximum, so an account with many routes costs few calls.
const routeListPage = 1000

// routeIdentity is the Mailgun id a Route names: the external-name
// annotation first (it survives a restore without status), then status,
// then spec.routeID. A Route the operator created has no external-name
// annotation: after a restore it is found by its create marker
// (route_restore.go).
func routeIdentity(r *v1alpha1.Route) string {
	if id := r.GetAnnotations()[ExternalNameAnnotation]; id != "" {
		return id
	}
	if r.Status.ID != "" {
		return r.Status.ID
	}
	return r.Spec.RouteID
}

func (x *routeExternal) Observe(ctx context.Context, a mailgun.Account, r *v1alpha1.Route) (observation, error) {
	id := routeIdentity(r)
	if r.Status.CreatePendingSince != nil {
		// Also on a re-create, when the identity still names the dead
		// route: the lost create may have made a new one.
		found, err := x.claimMarked(ctx, a, r)
		if err != nil {
			return observation{}, err
		}
		if found != nil {
			return x.observed(r, *found), nil
		}
	}
	if id == "" {
		// A restore (or a copy) of a Route the operator created: its
		// create marker names the route (route_restore.go).
		found, err := x.restored(ctx, a, r)
		if err != nil || found == nil {
			return observation{}, err
		}
		return x.observed(r, *found), nil
	}
	if x.snapshots.usable(&r.Status.ManagedStatus) {
		snap, err := x.snapshots.routes(ctx, a, x.snapshots.notBefore(r, &r.Status.ManagedStatus), func(ctx context.Context) ([]mailgun.Route, error) {
			// One pass: a route a concurrent change hid from it is only
			// missing from the snapshot, and read by itself.
			all, _, err := x.listRoutesOnce(ctx, a, func(string) bool { return true })
			return all, err
		})
		if fp, ok := snap[id]; err == nil && ok &&
			fp == routeFingerprint(int(r.Spec.Priority), r.Spec.Expression, routeDescription(r), routeActions(r)) {
			r.Status.ID = id
			return observation{exists: true, upToDate: true}, nil
		}
		// Missing or different in the snapshot, or no snapshot: the
		// route's own GET decides, as it would without snapshots.
	}
	got, err := x.api.GetRoute(ctx, a, id)
	if errors.Is(err, mailgun.ErrNotFound) {
		// A route read by id may answer 404 for a while after its create
		// (docs/mailgun-api.md, "Eventual consistency"), longer than the
		// create grace. Before the engine posts again, look for the route
		// this object made, by its marker: a second route would forward
		// every message twice.
		if r.Status.Management == v1alpha1.ManagementCreated || r.Status.CreatedTime != nil {
			found, err := x.claimMarked(ctx, a, r)
			if err != nil {
				return observation{}, err
			}
			if found != nil {
				return x.observed(r, *found), nil
			}
		}
		return observation{}, nil
	}
	if err != nil {
		return observation{}, err
	}
	return x.observed(r, got), nil
}

func (x *routeExternal) observed(r *v1alpha1.Route, got mailgun.Route) observation {
	r.Status.ID = got.ID
	diff := routeDiff(r, got)
	return observation{exists: true, upToDate: len(diff) == 0, diff: strings.Join(diff, ", ")}
}

// claimMarked finds the routes carrying r's marker, keeps the oldest and
// deletes the others: each was made by a create of r whose answer was lost,
// and each would forward mail twice.
func (x *routeExternal) claimMarked(ctx context.Context, a mailgun.Account, r *v1alpha1.Route) (*mailgun.Route, error) {
	marked, err := x.findByMarker(ctx, a, routeMarker(r))
	if err != nil || len(marked) == 0 {
		return nil, err
	}
	marked = oldestFirst(marked)
	for _, extra := range marked[1:] {
		if err := x.api.DeleteRoute(ctx, a, extra.ID); err != nil && !errors.Is(err, mailgun.ErrNotFound) {
			return nil, fmt.Errorf("cannot delete duplicate route %s: %w", extra.ID, err)
		}
		if x.recorder != nil {
			x.recorder.Eventf(r, nil, corev1.EventTypeWarning, "DuplicateDeleted", "Delete",
				"deleted route %s, a duplicate made by a create whose answer was lost; kept %s, the oldest", extra.ID, marked[0].ID)
		}
	}
	return &marked[0], nil
}

// oldestFirst sorts routes by their creation, stably.
func oldestFirst(rs []mailgun.Route) []mailgun.Route {
	slices.SortStableFunc(rs, func(p, q mailgun.Route) int { return routeCreated(p).Compare(routeCreated(q)) })
	return rs
}

// routeCreated parses a route's created_at (an HTTP date, see
// docs/mailgun-api.md); an unreadable one sorts last.
func routeCreated(rt mailgun.Route) time.Time {
	t, err := http.ParseTime(rt.CreatedAt)
	if err != nil {
		return time.Unix(1<<40, 0)
	}
	return t
}

// findByMarker pages through the account's routes for those carrying marker.
func (x *routeExternal) findByMarker(ctx context.Context, a mailgun.Account, marker string) ([]mailgun.Route, error) {
	return x.listRoutes(ctx, a, func(desc string) bool { return strings.HasSuffix(desc, marker) })
}

// listRoutes pages through the account's routes for those whose
// description matches. Pages advance by what came back, not by the limit
// asked for: the routes list's maximum page is not documented
// (docs/mailgun-api.md, "Paging"), and a smaller cap must not hide routes.
// Paging is by offset, so a route deleted (or made) between two pages
// shifts the rest and one may never be seen. Each page after the first
// starts one route early, at the last route of the page before: if that is
// not the route found there, or the total changed, the routes shifted
// between the pages (a deletion with a creation keeps the total but not
// the boundary). The list then starts again, and after three such tries it
// fails (the caller retries later) rather than answer with a gap, which a
// caller would read as "no such route" and create one.
func (x *routeExternal) listRoutes(ctx context.Context, a mailgun.Account, match func(desc string) bool) ([]mailgun.Route, error) {
	for range 3 {
		out, stable, err := x.listRoutesOnce(ctx, a, match)
		if err != nil || stable {
			return out, err
		}
	}
	return nil, errRoutesChanging
}

// errRoutesChanging is retried with the work queue's backoff (classify).
var errRoutesChanging = errors.New("the account's routes changed while they were listed, three times running; listing again later")

// listRoutesOnce is one pass through the pages; stable is false when the
// routes shifted between two pages (see listRoutes), or the pages ended
// before the total.
func (x *routeExternal) listRoutesOnce(ctx context.Context, a mailgun.Account, match func(desc string) bool) ([]mailgun.Route, bool, error) {
	var out []mailgun.Route
	total, stable := -1, true
	last := "" // the id of the previous page's last route
	for skip := 0; ; {
		from := skip
		if last != "" {
			from = skip - 1 // the previous page's last route again, to check the boundary
		}
		page, err := x.api.ListRoutes(ctx, a, mailgun.ListOptions{Skip: from, Limit: routeListPage})
		if err != nil {
			return nil, false, err
		}
		items := page.Items
		if last != "" {
			if len(items) > 0 && items[0].ID == last {
				items = items[1:]
			} else {
				stable = false // the routes before this page shifted
			}
		}
		if total >= 0 && page.TotalCount != total {
			stable = false
		}
		total = page.TotalCount
		for _, rt := range items {
			if match(rt.Description) {
				out = append(out, rt)
			}
		}
		skip += len(items)
		if len(items) == 0 || skip >= total {
			// A page that brings nothing new before the total is a gap
			// (a page cap of one route cannot be checked this way).
			return out, stable && skip >= total, nil
		}
		last = items[len(items)-1].ID
	}
}

func (x *routeExternal) Create(ctx context.Context, a mailgun.Account, r *v1alpha1.Route) (observation, error) {
	if r.Spec.RouteID != "" {
		return observation{}, stalledError(ReasonInvalidSpec, fmt.Errorf(
			"route %s named by spec.routeID does not exist in Mailgun: fix or remove routeID", r.Spec.RouteID))
	}
	got, err := x.api.CreateRoute(ctx, a, routeRequest(r))
	x.snapshots.wrote(r.UID)
	if err != nil {
		return observation{}, err
	}
	r.Status.ID = got.ID
	return observation{exists: true, upToDate: true}, nil
}

func (x *routeExternal) Update(ctx context.Context, a mailgun.Account, r *v1alpha1.Route, _ observation) error {
	_, err := x.api.UpdateRoute(ctx, a, r.Status.ID, routeRequest(r))
	x.snapshots.wrote(r.UID)
	return err
}

func (x *routeExternal) Delete(ctx context.Context, a mailgun.Account, r *v1alpha1.Route) error {
	if r.Status.CreatePendingSince != nil {
		// Whatever a lost create made is deleted too, before letting go.
		marked, err := x.findByMarker(ctx, a, routeMarker(r))
		if err != nil {
			return err
		}
		for _, rt := range marked {
			if err := x.api.DeleteRoute(ctx, a, rt.ID); err != nil && !errors.Is(err, mailgun.ErrNotFound) {
				return err
			}
		}
	}
	id := routeIdentity(r)
	if id == "" {
		return nil
	}
	err := x.api.DeleteRoute(ctx, a, id)
	if errors.Is(err, mailgun.ErrNotFound) && r.Status.Management == v1alpha1.ManagementCreated {
		// A route this object made, gone by its id: a re-create may have
		// made another with its marker. None may be left forwarding mail.
		marked, ferr := x.findByMarker(ctx, a, routeMarker(r))
		if ferr != nil {
			return ferr
		}
		for _, rt := range marked {
			if derr := x.api.DeleteRoute(ctx, a, rt.ID); derr != nil && !errors.Is(derr, mailgun.ErrNotFound) {
				return derr
			}
		}
	}
	return err
}

// findsByMarker: see markerFinder and route_restore.go.
func (x *routeExternal) findsByMarker() {}

// Identity is the route's id, "" before its create.
func (x *routeExternal) Identity(r *v1alpha1.Route) string { return r.Status.ID }

// routeMarker ends the description of every route the operator writes.
func routeMarker(r *v1alpha1.Route) string { return routeMarkerOf(r.UID) }

// routeMarkerPrefix opens a route marker.
const routeMarkerPrefix = "[mailgun-operator:"

func routeMarkerOf(uid types.UID) string { return routeMarkerPrefix + string(uid) + "]" }

// routeDescription is the description sent to Mailgun: the user's, then the marker.
func routeDescription(r *v1alpha1.Route) string {
	if r.Spec.Description == "" {
		return routeMarker(r)
	}
	return r.Spec.Description + " " + routeMarker(r)
}

func routeRequest(r *v1alpha1.Route) mailgun.RouteRequest {
	priority := int(r.Spec.Priority)
	desc := routeDescription(r)
	expr := r.Spec.Expression
	return mailgun.RouteRequest{Priority: &priority, Description: &desc, Expression: &expr, Actions: routeActions(r)}
}

func routeActions(r *v1alpha1.Route) []string {
	out := make([]string, len(r.Spec.Actions))
	for i, a := range r.Spec.Actions {
		out[i] = string(a)
	}
	return out
}

// routeDiff names the fields where Mailgun differs from the spec. Action
// order matters to Mailgun, so actions compare in order.
func routeDiff(r *v1alpha1.Route, got mailgun.Route) []string {
	var diff []string
	if got.Priority != int(r.Spec.Priority) {
		diff = append(diff, "priority")
	}
	if got.Expression != r.Spec.Expression {
		diff = append(diff, "expression")
	}
	if !slices.Equal(got.Actions, routeActions(r)) {
		diff = append(diff, "actions")
	}
	if got.Description != routeDescription(r) {
		diff = append(diff, "description")
	}
	return diff
}
