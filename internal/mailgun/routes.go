package mailgun

import (
	"cmp"
	"context"
)

// Route is an inbound route. Routes are account-wide; Mailgun makes the id.
type Route struct {
	ID                      string
	Priority                int
	Description, Expression string
	Actions                 []string
	CreatedAt               string
}

// RouteRequest: create requires Expression; update sends only the non-nil
// fields and a non-empty Actions (Mailgun keeps what is not sent).
type RouteRequest struct {
	Priority                *int
	Description, Expression *string
	Actions                 []string
}

// RoutePage is one page of ListRoutes.
type RoutePage struct {
	TotalCount int
	Items      []Route
}

// CreateRoute creates a route. Every POST makes a new route with a new id,
// so it is never retried automatically: on an error the caller must look
// for its route (by a marker in the description) before posting again.
func (c *Client) CreateRoute(ctx context.Context, a Account, r RouteRequest) (Route, error) {
	if r.Expression == nil || *r.Expression == "" {
		return Route{}, invalidArg(OpCreateRoute, "route expression is required")
	}
	f := routeForm(r)
	out := routeAnswerJSON{created: true}
	if err := c.do(ctx, a, &call{op: OpCreateRoute, form: f, out: &out}); err != nil {
		return Route{}, err
	}
	return out.route(), nil
}

// ListRoutes lists the account's routes.
func (c *Client) ListRoutes(ctx context.Context, a Account, o ListOptions) (RoutePage, error) {
	var out routePageJSON
	if err := c.do(ctx, a, &call{op: OpListRoutes, list: o, out: &out}); err != nil {
		return RoutePage{}, err
	}
	return out.page(), nil
}

// GetRoute reads one route.
func (c *Client) GetRoute(ctx context.Context, a Account, id string) (Route, error) {
	var out routeAnswerJSON
	if err := c.do(ctx, a, &call{op: OpGetRoute, seg1: id, out: &out}); err != nil {
		return Route{}, err
	}
	return out.route(), nil
}

// UpdateRoute changes the given fields of a route and returns it as Mailgun
// answers. With nothing to change it reads the route instead of sending an
// empty PUT.
func (c *Client) UpdateRoute(ctx context.Context, a Account, id string, r RouteRequest) (Route, error) {
	f := routeForm(r)
	if f.empty() {
		f.release()
		return c.GetRoute(ctx, a, id)
	}
	var out routeAnswerJSON
	if err := c.do(ctx, a, &call{op: OpUpdateRoute, seg1: id, form: f, out: &out}); err != nil {
		return Route{}, err
	}
	rt := out.route()
	if rt.ID == "" {
		rt.ID = id // some answers carry only {"message": ...}
	}
	return rt, nil
}

// DeleteRoute deletes a route.
func (c *Client) DeleteRoute(ctx context.Context, a Account, id string) error {
	return c.do(ctx, a, &call{op: OpDeleteRoute, seg1: id})
}

// routeForm writes the set fields; each action is its own "action" field,
// in order (order is meaningful: stop() must come last).
func routeForm(r RouteRequest) *form {
	f := newForm()
	if r.Priority != nil {
		f.addInt("priority", *r.Priority)
	}
	f.addOpt("description", r.Description)
	f.addOpt("expression", r.Expression)
	for _, act := range r.Actions {
		f.add("action", act)
	}
	return f
}

type routeJSON struct {
	ID          string   `json:"id"`
	Priority    flexInt  `json:"priority"`
	Description string   `json:"description"`
	Expression  string   `json:"expression"`
	Actions     []string `json:"actions"`
	CreatedAt   string   `json:"created_at"`
}

func (r *routeJSON) route() Route {
	return Route{
		ID: r.ID, Priority: int(r.Priority), Description: r.Description,
		Expression: r.Expression, Actions: r.Actions, CreatedAt: r.CreatedAt,
	}
}

// routeAnswerJSON reads {"route": {...}} (create, get) and also a route
// whose fields are at the top level next to "message" (Mailgun's PUT answer).
type routeAnswerJSON struct {
	Route routeJSON `json:"route"`
	routeJSON
	created bool // answer of a POST that Mailgun accepted
}

// decode, for a create, keeps an answer that yields the route id even if
// the rest is odd (a field of another type, anywhere): the POST succeeded,
// and losing the id would make the caller post a duplicate. An answer that
// is not whole JSON (cut off) yields nothing. For reads a partial route
// would look like drift, so any error stands.
func (r *routeAnswerJSON) decode(b []byte) error {
	*r = routeAnswerJSON{created: r.created} // a retry decodes into the struct of the failed attempt
	err := unmarshal(b, r)
	if err == nil || !r.created {
		return err
	}
	// Read the id alone: every other member is skipped (still checked to be
	// JSON, so a cut-off answer fails here too).
	var ids struct {
		Route struct {
			ID string `json:"id"`
		} `json:"route"`
		ID string `json:"id"`
	}
	if unmarshal(b, &ids) != nil || ids.Route.ID == "" && ids.ID == "" {
		return err
	}
	*r = routeAnswerJSON{created: true, routeJSON: routeJSON{ID: cmp.Or(ids.Route.ID, ids.ID)}}
	return nil
}

func (r *routeAnswerJSON) route() Route {
	if r.Route.ID != "" {
		return r.Route.route()
	}
	return r.routeJSON.route()
}

type routePageJSON struct {
	TotalCount flexInt     `json:"total_count"`
	Items      []routeJSON `json:"items"`
}

func (p *routePageJSON) decode(b []byte) error {
	*p = routePageJSON{}
	return unmarshal(b, p)
}

func (p *routePageJSON) page() RoutePage {
	out := RoutePage{TotalCount: int(p.TotalCount)}
	if p.Items != nil {
		out.Items = make([]Route, len(p.Items))
		for i := range p.Items {
			out.Items[i] = p.Items[i].route()
		}
	}
	return out
}
