package controller

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
	"github.com/mailgun-operator/mailgun-operator/internal/mailgun"
)

// A Route the operator created is found again after a restore without
// status by its create marker, not by the external-name annotation.
//
// Writing the new route's id into the external-name annotation cost every
// created Route a third API-server write (issue 11 asks for two: the
// finalizer with the create marker, then status). It is not needed: the
// create-started annotation is kept after the create, it names the UID the
// route's description marker carries, and a restore (Velero without
// status, a re-apply of an exported manifest) keeps annotations. So a Route
// with no id whose create marker names another UID looks for the route
// marked with that UID, and takes it: Adopted, as with the external-name
// annotation, and its description then gets the new UID's marker.
//
// A copy of a live Route carries the same marker. It never takes the
// original's route: the original (alive, even with its create pending) or
// another restore of it that claims first stops it (indexRouteMarker), and
// so does any Route that claims the route found by id (the claims index):
// Stalled Conflict for the copy, as for a copy carrying the external-name
// annotation.

// routeMarkerIndex is an account's routes that carry an operator marker,
// by the UID in it, oldest first; one list serves every restored Route of
// the account (a whole namespace restored at once costs one paged list,
// not one per Route).
type routeMarkerIndex map[types.UID][]string

// foreignMarker returns the UID and time of r's create marker when it
// names another object: r is a restore or a copy of that object.
func foreignMarker(r *v1alpha1.Route) (types.UID, time.Time, bool) {
	t, uid, ok := createMarker(r)
	if !ok || uid == r.GetUID() {
		return "", time.Time{}, false
	}
	return uid, t, true
}

// indexRouteMarker indexes the Routes whose create marker may still decide
// who keeps a route: a restore or a copy (its marker names the original's
// UID) and a Route whose own create is pending (its own UID). A Route whose
// create status records is left out: it claims its route by id in the
// claims index, and an index value per Route (each one a set of its own)
// would cost every Route memory for the rare restore. A restored Route
// keeps the original's marker, so it stays indexed: the next restore of the
// same original, which no longer finds the route by that marker (it was
// re-marked), is stopped here.
const indexRouteMarker = "metadata.annotations.create-started.uid"

// routeMarkerIndexValues is indexRouteMarker's index function.
func routeMarkerIndexValues(o client.Object) []string {
	r, ok := o.(*v1alpha1.Route)
	if !ok {
		return nil
	}
	if uid, _, ok := foreignMarker(r); ok {
		return []string{string(uid)}
	}
	if markerOutstanding(r) {
		return []string{string(r.UID)}
	}
	return nil
}

// restored finds the route of the object r was restored (or copied) from,
// nil when there is none: r then creates its own.
func (x *routeExternal) restored(ctx context.Context, a mailgun.Account, r *v1alpha1.Route) (*mailgun.Route, error) {
	uid, at, ok := foreignMarker(r)
	if !ok {
		return nil, nil
	}
	// The original itself, alive (even with its create still pending, when
	// status names no route yet), or another restore or copy of it that
	// claims first, keeps the route: decided from the cache alone, the same
	// way whichever of them reconciles first.
	if other, err := x.markerClaimant(ctx, r, uid); err != nil || other != "" {
		if err == nil {
			err = copyConflict(r, uid, other)
		}
		return nil, err
	}
	ids, err := x.markedWith(ctx, a, uid, at)
	if err != nil {
		return nil, err
	}
	var found *mailgun.Route
	for _, id := range ids {
		// The list only points: the route's own read decides.
		got, err := x.api.GetRoute(ctx, a, id)
		if errors.Is(err, mailgun.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if x.claims != nil {
			probe := r.DeepCopy()
			probe.Status.ID = got.ID
			winner, err := claimWinner(ctx, x.claims, &v1alpha1.RouteList{}, probe)
			if err != nil {
				return nil, err
			}
			if winner != "" && found == nil {
				return nil, copyConflict(r, uid, winner)
			}
			if winner != "" {
				continue // another Route's now: not a duplicate to delete
			}
		}
		if !strings.HasSuffix(got.Description, routeMarkerOf(uid)) {
			continue // re-marked since the list was taken
		}
		if found == nil {
			found = &got // the oldest
			continue
		}
		// Another route with the original's marker: made by one of its
		// creates whose answer was lost. It would forward mail twice.
		if err := x.api.DeleteRoute(ctx, a, got.ID); err != nil && !errors.Is(err, mailgun.ErrNotFound) {
			return nil, fmt.Errorf("cannot delete duplicate route %s: %w", got.ID, err)
		}
		if x.recorder != nil {
			x.recorder.Eventf(r, nil, corev1.EventTypeWarning, "DuplicateDeleted", "Delete",
				"deleted route %s, a duplicate made by a create of the original Route whose answer was lost; kept %s, the oldest", got.ID, found.ID)
		}
	}
	return found, nil
}

// markerClaimant names another Route that keeps the route of uid's create
// before r: the Route of that UID, or one carrying the same marker that
// claims first (claimsFirst). "" when there is none, or no claims reader.
func (x *routeExternal) markerClaimant(ctx context.Context, r *v1alpha1.Route, uid types.UID) (string, error) {
	if x.claims == nil {
		return "", nil
	}
	var list v1alpha1.RouteList
	if err := x.claims.List(ctx, &list, client.InNamespace(r.Namespace), client.MatchingFields{indexRouteMarker: string(uid)}); err != nil {
		return "", fmt.Errorf("cannot list the Routes marked by %s: %w", uid, err)
	}
	for i := range list.Items {
		o := &list.Items[i]
		if o.UID != r.UID && (o.UID == uid || claimsFirst(o, r)) {
			return o.Name, nil
		}
	}
	return "", nil
}

// copyConflict is the Stalled Conflict of a Route whose create marker
// belongs to a route another Route keeps.
func copyConflict(r *v1alpha1.Route, uid types.UID, other string) error {
	return stalledError(ReasonConflict, fmt.Errorf(
		"this Route's %s annotation names the Route of UID %s (it is a copy or a restore of it), and Route %s keeps that route: "+
			"remove the annotation from this Route to give it a route of its own, or delete it; it touches nothing in Mailgun meanwhile",
		CreateStartedAnnotation, uid, other))
}

// markedWith returns the ids of the routes marked with uid, oldest first:
// from the account's marker index when snapshots are on (taken after the
// marked create began, so that it can hold what that create made), else
// from a list of the account's routes.
func (x *routeExternal) markedWith(ctx context.Context, a mailgun.Account, uid types.UID, createdAt time.Time) ([]string, error) {
	v, err := x.snapshots.get(ctx, snapKey{acct: a, list: "route-markers"}, createdAt.Add(DefaultCreateGrace),
		func(ctx context.Context) (any, error) {
			marked, err := x.listRoutes(ctx, a, func(desc string) bool { _, ok := markerUID(desc); return ok })
			if err != nil {
				return nil, err
			}
			idx := routeMarkerIndex{}
			for _, rt := range oldestFirst(marked) {
				u, _ := markerUID(rt.Description)
				idx[u] = append(idx[u], rt.ID)
			}
			return idx, nil
		})
	if err == nil {
		return v.(routeMarkerIndex)[uid], nil
	}
	if !errors.Is(err, errSnapshotOff) && !errors.Is(err, errSnapshotTooOld) {
		return nil, err
	}
	marked, err := x.findByMarker(ctx, a, routeMarkerOf(uid))
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, rt := range oldestFirst(marked) {
		ids = append(ids, rt.ID)
	}
	return ids, nil
}

// markerUID reads the UID of the operator marker that ends a description.
func markerUID(desc string) (types.UID, bool) {
	i := strings.LastIndex(desc, routeMarkerPrefix)
	if i < 0 || !strings.HasSuffix(desc, "]") {
		return "", false
	}
	return types.UID(desc[i+len(routeMarkerPrefix) : len(desc)-1]), true
}
