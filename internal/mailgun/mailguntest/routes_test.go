package mailguntest

import (
	"encoding/json"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

const routeID = "0123456789abcdef01234567"

func putRoute(s *Server) {
	s.PutRoute(Route{ID: routeID, Priority: 5, Description: "d", Expression: `match_recipient(".*@example.com")`,
		Actions: []string{`forward("https://h.example/")`, "stop()"}, CreatedAt: fixedNow})
}

func routeObj(overrides map[string]any) map[string]any {
	r := map[string]any{"id": "<id>", "priority": 5, "description": "d", "expression": `match_recipient(".*@example.com")`,
		"actions": []any{`forward("https://h.example/")`, "stop()"}, "created_at": fixedNowText}
	for k, v := range overrides {
		r[k] = v
	}
	return r
}

func TestRoutes(t *testing.T) {
	long := strings.Repeat("x", maxRouteField+1)
	exact := strings.Repeat("x", maxRouteField)
	routeIs := func(want Route) func(*testing.T, *Server) {
		return func(t *testing.T, s *Server) {
			rs := s.Routes()
			if len(rs) != 1 {
				t.Fatalf("%d routes", len(rs))
			}
			want.ID, want.CreatedAt = rs[0].ID, rs[0].CreatedAt
			if !reflect.DeepEqual(rs[0], want) {
				t.Errorf("route\n got %+v\nwant %+v", rs[0], want)
			}
		}
	}
	createForm := url.Values{"priority": {"5"}, "description": {"d"}, "expression": {`match_recipient(".*@example.com")`},
		"action": {`forward("https://h.example/")`, "stop()"}}
	runCases(t, []opCase{
		{reason: "create answers message and route with a server-made id and string actions",
			call: call{method: "POST", path: "/v3/routes", form: createForm}, status: 200,
			body: jsonOf(map[string]any{"message": "Route has been created", "route": routeObj(nil)}),
			check: routeIs(Route{Priority: 5, Description: "d", Expression: `match_recipient(".*@example.com")`,
				Actions: []string{`forward("https://h.example/")`, "stop()"}})},
		{reason: "create takes multipart with repeated action",
			call: call{method: "POST", path: "/v3/routes", multipart: true, form: createForm}, status: 200,
			check: routeIs(Route{Priority: 5, Description: "d", Expression: `match_recipient(".*@example.com")`,
				Actions: []string{`forward("https://h.example/")`, "stop()"}})},
		{reason: "priority defaults to 0 and actions to []",
			call: call{method: "POST", path: "/v3/routes", form: form("expression", "catch_all()")}, status: 200,
			body: jsonOf(map[string]any{"message": "Route has been created", "route": routeObj(map[string]any{
				"priority": 0, "description": "", "expression": "catch_all()", "actions": []any{}})})},
		{reason: "create needs an expression", call: call{method: "POST", path: "/v3/routes", form: form("action", "stop()")}, status: 400, errMsg: "expression"},
		{reason: "an expression of exactly 4096 bytes is fine", call: call{method: "POST", path: "/v3/routes", form: form("expression", exact)}, status: 200},
		{reason: "an expression over 4096 bytes is refused", call: call{method: "POST", path: "/v3/routes", form: form("expression", long)}, status: 400, errMsg: "too long",
			check: func(t *testing.T, s *Server) {
				if len(s.Routes()) != 0 {
					t.Error("route stored")
				}
			}},
		{reason: "one action over 4096 bytes is refused", call: call{method: "POST", path: "/v3/routes", form: url.Values{"expression": {"catch_all()"}, "action": {"stop()", long}}}, status: 400, errMsg: "too long"},
		{reason: "priority must be an integer", call: call{method: "POST", path: "/v3/routes", form: form("expression", "catch_all()", "priority", "high")}, status: 400, errMsg: "priority"},

		{reason: "list pages with total_count", setup: func(s *Server) {
			for i := 0; i < 3; i++ {
				s.PutRoute(Route{Expression: "catch_all()", Priority: i, CreatedAt: fixedNow})
			}
		}, call: call{method: "GET", path: "/v3/routes?skip=1&limit=1"}, status: 200,
			body: jsonOf(map[string]any{"total_count": 3, "items": []any{routeObj(map[string]any{"priority": 1, "description": "", "expression": "catch_all()", "actions": []any{}})}})},
		{reason: "an empty list is [] not null", call: call{method: "GET", path: "/v3/routes"}, status: 200, body: `{"total_count":0,"items":[]}`},
		{reason: "list limit above 1000 is refused", call: call{method: "GET", path: "/v3/routes?limit=1001"}, status: 400, errMsg: "limit"},

		{reason: "get wraps the route", setup: putRoute, call: call{method: "GET", path: "/v3/routes/" + routeID}, status: 200,
			body: jsonOf(map[string]any{"route": routeObj(nil)})},
		{reason: "get of an unknown id is 404", call: call{method: "GET", path: "/v3/routes/" + routeID}, status: 404, errMsg: "Route not found"},

		{reason: "put is partial and answers the route under \"route\" with a message (the reference's shape)", setup: putRoute,
			call: call{method: "PUT", path: "/v3/routes/" + routeID, form: form("priority", "7")}, status: 200,
			body: jsonOf(map[string]any{"message": "Route has been updated", "route": routeObj(map[string]any{"priority": 7})}),
			check: routeIs(Route{Priority: 7, Description: "d", Expression: `match_recipient(".*@example.com")`,
				Actions: []string{`forward("https://h.example/")`, "stop()"}})},
		{reason: "put of action replaces the whole list", setup: putRoute,
			call: call{method: "PUT", path: "/v3/routes/" + routeID, form: form("action", "stop()")}, status: 200,
			check: routeIs(Route{Priority: 5, Description: "d", Expression: `match_recipient(".*@example.com")`, Actions: []string{"stop()"}})},
		{reason: "put with an expression over 4096 bytes changes nothing", setup: putRoute,
			call: call{method: "PUT", path: "/v3/routes/" + routeID, form: form("description", "new", "expression", long)}, status: 400, errMsg: "too long",
			check: routeIs(Route{Priority: 5, Description: "d", Expression: `match_recipient(".*@example.com")`,
				Actions: []string{`forward("https://h.example/")`, "stop()"}})},
		{reason: "put of an unknown id is 404", call: call{method: "PUT", path: "/v3/routes/" + routeID, form: form("priority", "1")}, status: 404, errMsg: "Route not found"},

		{reason: "delete answers id and message", setup: putRoute, call: call{method: "DELETE", path: "/v3/routes/" + routeID}, status: 200,
			body: `{"id":"<id>","message":"Route has been deleted"}`,
			check: func(t *testing.T, s *Server) {
				if len(s.Routes()) != 0 {
					t.Error("route still there")
				}
			}},
		{reason: "delete of an unknown id is 404", call: call{method: "DELETE", path: "/v3/routes/" + routeID}, status: 404, errMsg: "Route not found"},
	})
}

// TestCreateRouteIsNotIdempotent pins the quirk the operator must survive:
// the same POST twice makes two routes with different ids.
func TestCreateRouteIsNotIdempotent(t *testing.T) {
	s := newTestServer(t)
	ids := map[string]bool{}
	for i := 0; i < 2; i++ {
		r := send(t, s, call{method: "POST", path: "/v3/routes", form: form("expression", "catch_all()")})
		var a struct{ Route struct{ ID string } }
		if err := json.Unmarshal(r.body, &a); err != nil || !idRE.MatchString(a.Route.ID) {
			t.Fatalf("%v %s", err, r.body)
		}
		ids[a.Route.ID] = true
	}
	if len(ids) != 2 || len(s.Routes()) != 2 {
		t.Errorf("want two distinct routes, got ids %v", ids)
	}
}
