package controller

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

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
// with its resource's UID in its description, and a route whose create
// outcome was lost is looked for by that marker before posting again.
type routeExternal struct {
	api routeAPI
}

// routeListPage is the page size when looking for a marker: Mailgun's
// maximum, so an account with many routes costs few calls.
const routeListPage = 1000

func (x *routeExternal) Observe(ctx context.Context, a mailgun.Account, r *v1alpha1.Route) (observation, error) {
	id := r.Status.ID
	if id == "" {
		id = r.Spec.RouteID
	}
	if id == "" && r.Status.CreatePendingSince != nil {
		found, err := x.findByMarker(ctx, a, routeMarker(r))
		if err != nil || found == "" {
			return observation{}, err
		}
		id = found
	}
	if id == "" {
		return observation{}, nil
	}
	got, err := x.api.GetRoute(ctx, a, id)
	if errors.Is(err, mailgun.ErrNotFound) {
		return observation{}, nil
	}
	if err != nil {
		return observation{}, err
	}
	r.Status.ID = got.ID
	diff := routeDiff(r, got)
	return observation{exists: true, upToDate: len(diff) == 0, diff: strings.Join(diff, ", ")}, nil
}

// findByMarker pages through the account's routes for the one carrying marker.
func (x *routeExternal) findByMarker(ctx context.Context, a mailgun.Account, marker string) (string, error) {
	for skip := 0; ; skip += routeListPage {
		page, err := x.api.ListRoutes(ctx, a, mailgun.ListOptions{Skip: skip, Limit: routeListPage})
		if err != nil {
			return "", err
		}
		for _, rt := range page.Items {
			if strings.HasSuffix(rt.Description, marker) {
				return rt.ID, nil
			}
		}
		if len(page.Items) < routeListPage || skip+len(page.Items) >= page.TotalCount {
			return "", nil
		}
	}
}

func (x *routeExternal) Create(ctx context.Context, a mailgun.Account, r *v1alpha1.Route) (observation, error) {
	if r.Spec.RouteID != "" {
		return observation{}, stalledError(ReasonInvalidSpec, fmt.Errorf(
			"route %s named by spec.routeID does not exist in Mailgun: fix or remove routeID", r.Spec.RouteID))
	}
	got, err := x.api.CreateRoute(ctx, a, routeRequest(r))
	if err != nil {
		return observation{}, err
	}
	r.Status.ID = got.ID
	return observation{exists: true, upToDate: true}, nil
}

func (x *routeExternal) Update(ctx context.Context, a mailgun.Account, r *v1alpha1.Route, _ observation) error {
	_, err := x.api.UpdateRoute(ctx, a, r.Status.ID, routeRequest(r))
	return err
}

func (x *routeExternal) Delete(ctx context.Context, a mailgun.Account, r *v1alpha1.Route) error {
	id := r.Status.ID
	if id == "" && r.Status.CreatePendingSince != nil {
		found, err := x.findByMarker(ctx, a, routeMarker(r))
		if err != nil {
			return err
		}
		id = found
	}
	if id == "" {
		return nil
	}
	return x.api.DeleteRoute(ctx, a, id)
}

// routeMarker ends the description of every route the operator writes.
func routeMarker(r *v1alpha1.Route) string {
	return "[mailgun-operator:" + string(r.UID) + "]"
}

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
