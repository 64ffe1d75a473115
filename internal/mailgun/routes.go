package mailgun

import (
	"context"
	"io"
	"sync"
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
	out := newRouteAnswerJSON()
	defer out.release()
	out.created = true
	if err := c.do(ctx, a, &call{op: OpCreateRoute, form: f, out: out}); err != nil {
		return Route{}, err
	}
	return out.route(), nil
}

// ListRoutes lists the account's routes.
func (c *Client) ListRoutes(ctx context.Context, a Account, o ListOptions) (RoutePage, error) {
	out := routePagePool.Get().(*routePageJSON)
	defer out.release()
	if err := c.do(ctx, a, &call{op: OpListRoutes, list: o, out: out}); err != nil {
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
	ID          aString `json:"id"`
	Priority    flexInt `json:"priority"`
	Description aString `json:"description"`
	Expression  aString `json:"expression"`
	Actions     strList `json:"actions"` // strings: decoding them as objects is how peers lost route ids
	CreatedAt   aString `json:"created_at"`
}

func (r *routeJSON) setArena(a *arena) {
	r.ID.ar, r.Description.ar, r.Expression.ar, r.Actions.ar, r.CreatedAt.ar = a, a, a, a, a
}

func (r *routeJSON) route() Route { return r.routeWith(r.Actions.list()) }

func (r *routeJSON) routeWith(actions []string) Route {
	return Route{
		ID: r.ID.get(), Priority: int(r.Priority), Description: r.Description.get(),
		Expression: r.Expression.get(), Actions: actions, CreatedAt: r.CreatedAt.get(),
	}
}

// routeAnswerJSON reads {"route": {...}} (create, get) and also a route
// whose fields are at the top level next to "message" (Mailgun's PUT answer).
type routeAnswerJSON struct {
	Route *routeJSON `json:"route"`
	routeJSON
	created bool // answer of a POST that Mailgun accepted
	nested  routeJSON
	ar      arena
}

// decode, for a create, keeps an answer that yielded the route id even if
// the rest is odd (a field of another type): the POST succeeded, and losing
// the id would make the caller post a duplicate. (A cut-off body yields
// nothing: json.Decoder reads the whole value before it fills fields.) For
// reads a partial route would look like drift, so any error stands.
var routeAnswerPool = sync.Pool{New: func() any { return new(routeAnswerJSON) }}

// newRouteAnswerJSON returns a pooled answer (about 700 bytes with its
// arena) for CreateRoute, the route call on every new route.
func newRouteAnswerJSON() *routeAnswerJSON { return routeAnswerPool.Get().(*routeAnswerJSON) }

// release zeroes r, but for its arena's span capacity (no answer's strings
// stay alive in the pool), and pools it. r must not be used afterwards;
// what route returned stays valid.
func (r *routeAnswerJSON) release() {
	*r = routeAnswerJSON{ar: r.ar.emptied()}
	routeAnswerPool.Put(r)
}

func (r *routeAnswerJSON) decode(rd io.Reader) error {
	// From zero (a retry decodes into the struct of the failed attempt,
	// whose fields may point into that attempt's arena). Route points at
	// nested, whose strings go to the arena; "route": null still sets it
	// to nil.
	*r = routeAnswerJSON{created: r.created, ar: r.ar.emptied()}
	r.ar.start()
	r.nested.setArena(&r.ar)
	r.routeJSON.setArena(&r.ar)
	r.Route = &r.nested
	err := decodeJSON(rd, r)
	if terr := r.ar.freeze(); err == nil {
		err = terr
	}
	if err != nil && r.created && r.route().ID != "" {
		return nil
	}
	return err
}

func (r *routeAnswerJSON) route() Route {
	if r.Route != nil && r.Route.ID.get() != "" {
		return r.Route.route()
	}
	return r.routeJSON.route()
}

// routePageJSON is pooled with its items (buf), so a page decodes into
// elements that already exist and carry the arena: a page of routes costs
// one string allocation, not five per route plus the slice's growth.
type routePageJSON struct {
	TotalCount flexInt     `json:"total_count"`
	Items      []routeJSON `json:"items"`
	buf        []routeJSON // Items' capacity, kept across answers
	ar         arena
	cur        cursor // the decoder's, here to spare an allocation (handdecode.go)
}

// maxPooledRoutes bounds the items a pooled page keeps (Mailgun's default
// page is 100).
const maxPooledRoutes = 128

var routePagePool = sync.Pool{New: func() any { return new(routePageJSON) }}

// release clears p (no answer's strings stay alive in the pool) and pools
// it. p must not be used afterwards; what page returned stays valid.
func (p *routePageJSON) release() {
	buf := p.buf[:cap(p.buf)]
	clear(buf)
	*p = routePageJSON{buf: buf[:0], ar: p.ar.emptied()}
	routePagePool.Put(p)
}

func (p *routePageJSON) decode(r io.Reader) error {
	p.ar.start()
	buf := p.buf[:cap(p.buf)]
	for i := range buf {
		buf[i] = routeJSON{}
		buf[i].setArena(&p.ar)
	}
	p.Items = buf[:0]
	p.TotalCount = 0 // the elements are reset above; a retry may follow a failed attempt
	err := decodeAnswer(r, p.decodeBytes)
	if terr := p.ar.freeze(); err == nil {
		err = terr
	}
	if c := cap(p.Items); c > cap(p.buf) && c <= maxPooledRoutes {
		p.buf = p.Items[:0]
	}
	// An answer without "items" left Items as set above: nil, as before.
	// ("items": [] is a new empty slice, with no capacity.)
	if len(p.Items) == 0 && cap(p.Items) > 0 {
		p.Items = nil
	}
	return err
}

func (p *routePageJSON) page() RoutePage {
	out := RoutePage{TotalCount: int(p.TotalCount)}
	if p.Items == nil {
		return out
	}
	out.Items = make([]Route, len(p.Items))
	// The actions of the page share one slice; each route's is
	// capacity-limited, so appending to one cannot overwrite the next.
	n := 0
	for i := range p.Items {
		if l := &p.Items[i].Actions; l.set && !l.useOther {
			n += int(l.n)
		}
	}
	all := make([]string, n)
	for i := range p.Items {
		it := &p.Items[i]
		l := &it.Actions
		if !l.set || l.useOther {
			out.Items[i] = it.route()
			continue
		}
		acts := all[:l.n:l.n]
		all = all[l.n:]
		l.fill(acts)
		out.Items[i] = it.routeWith(acts)
	}
	return out
}
