package mailguntest

import (
	"net/http"
	"net/url"
	"strconv"
)

// maxRouteField is Mailgun's limit on a route's expression and on each of
// its actions.
const maxRouteField = 4096

// routeJSON is Mailgun's route object. actions is a list of strings (never
// objects) and is [] rather than null when empty.
type routeJSON struct {
	Actions     []string `json:"actions"`
	CreatedAt   string   `json:"created_at"`
	Description string   `json:"description"`
	Expression  string   `json:"expression"`
	ID          string   `json:"id"`
	Priority    int      `json:"priority"`
}

func toRouteJSON(r Route) routeJSON {
	actions := r.Actions
	if actions == nil {
		actions = []string{}
	}
	return routeJSON{
		Actions:     actions,
		CreatedAt:   mailgunTime(r.CreatedAt),
		Description: r.Description,
		Expression:  r.Expression,
		ID:          r.ID,
		Priority:    r.Priority,
	}
}

func routeNotFound() answer {
	return fail(http.StatusNotFound, "Route not found")
}

// applyRouteForm copies the fields sent onto rt. Fields not sent stay as
// they are, which is what makes PUT partial; a sent "action" list replaces
// the whole list.
func applyRouteForm(rt *Route, f url.Values) *requestError {
	if has(f, "priority") {
		n, err := strconv.Atoi(f.Get("priority"))
		if err != nil || n < 0 {
			return badRequest("Invalid value for 'priority': must be a non-negative integer")
		}
		rt.Priority = n
	}
	if has(f, "description") {
		rt.Description = f.Get("description")
	}
	if has(f, "expression") {
		e := f.Get("expression")
		if e == "" {
			return badRequest("Missing parameter 'expression'")
		}
		if len(e) > maxRouteField {
			return badRequest("Expression is too long: at most " + strconv.Itoa(maxRouteField) + " bytes")
		}
		rt.Expression = e
	}
	if has(f, "action") {
		for _, a := range f["action"] {
			if len(a) > maxRouteField {
				return badRequest("Action is too long: at most " + strconv.Itoa(maxRouteField) + " bytes each")
			}
		}
		rt.Actions = append([]string(nil), f["action"]...)
	}
	return nil
}

// createRoute makes a new route with a server-made id on every call: Mailgun
// has no idempotency key, so a retried POST is a duplicate route.
func (s *Server) createRoute(w http.ResponseWriter, r *http.Request) {
	f, rerr := readForm(w, r)
	if rerr != nil {
		failRequest(rerr).write(w)
		return
	}
	if f.Get("expression") == "" {
		failRequest(badRequest("Missing parameter 'expression'")).write(w)
		return
	}
	var rt Route
	if rerr := applyRouteForm(&rt, f); rerr != nil {
		failRequest(rerr).write(w)
		return
	}
	s.locked(w, func() answer {
		now := s.now()
		rt.ID, rt.CreatedAt = newID(), now
		s.st.putRoute(&routeState{Route: copyRoute(rt), apiCreated: now})
		return reply(http.StatusOK, struct {
			Message string    `json:"message"`
			Route   routeJSON `json:"route"`
		}{"Route has been created", toRouteJSON(rt)})
	})
}

func (s *Server) listRoutes(w http.ResponseWriter, r *http.Request) {
	skip, limit, rerr := paging(r.URL.Query())
	if rerr != nil {
		failRequest(rerr).write(w)
		return
	}
	s.locked(w, func() answer {
		lo, hi := page(len(s.st.routeOrder), skip, limit)
		items := make([]routeJSON, 0, hi-lo)
		for _, id := range s.st.routeOrder[lo:hi] {
			items = append(items, toRouteJSON(s.st.routes[id].Route))
		}
		return reply(http.StatusOK, struct {
			TotalCount int         `json:"total_count"`
			Items      []routeJSON `json:"items"`
		}{len(s.st.routeOrder), items})
	})
}

func (s *Server) getRoute(w http.ResponseWriter, r *http.Request) {
	s.locked(w, func() answer {
		rs, ok := s.st.routes[r.PathValue("id")]
		if !ok || s.hiddenAfterCreate(rs.apiCreated) {
			return routeNotFound()
		}
		return reply(http.StatusOK, struct {
			Route routeJSON `json:"route"`
		}{toRouteJSON(rs.Route)})
	})
}

// routeUpdatedJSON is the PUT answer in the flat reading: the route's fields
// at the top level beside a message, as the official SDK decodes it. The
// API reference nests them under "route" like create and get
// (SetRouteUpdateAnswer; docs/mailgun-api.md, "Routes").
type routeUpdatedJSON struct {
	routeJSON
	Message string `json:"message"`
}

type routeUpdatedNestedJSON struct {
	Message string    `json:"message"`
	Route   routeJSON `json:"route"`
}

func (s *Server) updateRoute(w http.ResponseWriter, r *http.Request) {
	f, rerr := readForm(w, r)
	if rerr != nil {
		failRequest(rerr).write(w)
		return
	}
	s.locked(w, func() answer {
		rs, ok := s.st.routes[r.PathValue("id")]
		if !ok {
			return routeNotFound()
		}
		rt := copyRoute(rs.Route)
		if rerr := applyRouteForm(&rt, f); rerr != nil {
			return failRequest(rerr)
		}
		rs.Route = rt
		if s.rd.routeUpdate == RouteAnswerNested {
			return reply(http.StatusOK, routeUpdatedNestedJSON{Message: "Route has been updated", Route: toRouteJSON(rt)})
		}
		return reply(http.StatusOK, routeUpdatedJSON{routeJSON: toRouteJSON(rt), Message: "Route has been updated"})
	})
}

func (s *Server) deleteRoute(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.locked(w, func() answer {
		if !s.st.deleteRoute(id) {
			return routeNotFound()
		}
		return reply(http.StatusOK, struct {
			ID      string `json:"id"`
			Message string `json:"message"`
		}{id, "Route has been deleted"})
	})
}
