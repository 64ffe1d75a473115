package controller

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

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
// original's route: the route found is checked against the claims index
// first, and the original, which claims it by id, wins (Stalled Conflict
// for the copy, as for a copy carrying the external-name annotation).

// routeMarkerIndex is an account's routes that carry an operator marker,
// by the UID in it, oldest first; one list serves every restored Route of
// the account (a whole namespace restored at once costs one paged list,
// not one per Route).
type routeMarkerIndex map[types.UID][]string

// foreignMarker returns the UID and time of r's create marker when it
// names another object: r is a restore or a copy of that object.
func foreignMarker(r *v1alpha1.Route) (types.UID, time.Time, bool) {
	v, ok := r.GetAnnotations()[CreateStartedAnnotation]
	if !ok {
		return "", time.Time{}, false
	}
	at, uid, _ := strings.Cut(v, " ")
	t, err := time.Parse(time.RFC3339Nano, at)
	if err != nil || uid == "" || types.UID(uid) == r.GetUID() {
		return "", time.Time{}, false
	}
	return types.UID(uid), t, true
}

// ownMarker says whether obj carries its own create marker.
func ownMarker(obj client.Object) bool {
	v, ok := obj.GetAnnotations()[CreateStartedAnnotation]
	if !ok {
		return false
	}
	_, uid, _ := strings.Cut(v, " ")
	return uid != "" && types.UID(uid) == obj.GetUID()
}

// restored finds the route of the object r was restored (or copied) from,
// nil when there is none: r then creates its own.
func (x *routeExternal) restored(ctx context.Context, a mailgun.Account, r *v1alpha1.Route) (*mailgun.Route, error) {
	uid, at, ok := foreignMarker(r)
	if !ok {
		return nil, nil
	}
	ids, err := x.markedWith(ctx, a, uid, at)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		// The list only points: the route's own read decides.
		got, err := x.api.GetRoute(ctx, a, id)
		if errors.Is(err, mailgun.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if !strings.HasSuffix(got.Description, routeMarkerOf(uid)) {
			continue // rewritten since the list was taken
		}
		if x.claims != nil {
			probe := r.DeepCopy()
			probe.Status.ID = got.ID
			winner, err := claimWinner(ctx, x.claims, &v1alpha1.RouteList{}, probe)
			if err != nil {
				return nil, err
			}
			if winner != "" {
				return nil, stalledError(ReasonConflict, fmt.Errorf(
					"this Route is a copy of Route %s (its %s annotation is %s's), which manages route %s: "+
						"remove that annotation from this copy to give it a route of its own, or delete the copy; it touches nothing in Mailgun meanwhile",
					winner, CreateStartedAnnotation, winner, got.ID))
			}
		}
		return &got, nil
	}
	return nil, nil
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
