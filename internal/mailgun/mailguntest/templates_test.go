package mailguntest

import (
	"fmt"
	"strings"
	"testing"
)

func TestTemplates(t *testing.T) {
	withTemplate := func(s *Server) {
		s.PutDomain(Domain{Name: "example.com", CreatedAt: fixedNow})
		s.PutTemplate("example.com", Template{Name: "welcome", Versions: []TemplateVersion{{Tag: "v1", Body: "one"}, {Tag: "v2", Body: "two"}}})
	}
	full := func(s *Server) {
		withTemplate(s)
		vs := make([]TemplateVersion, maxTemplateVersions)
		for i := range vs {
			vs[i] = TemplateVersion{Tag: fmt.Sprintf("t%d", i), Body: "b"}
		}
		s.PutTemplate("example.com", Template{Name: "full", Versions: vs})
	}
	versionsAre := func(name string, want ...string) func(*testing.T, *Server) {
		return func(t *testing.T, s *Server) {
			var got []string
			for _, v := range s.Templates("example.com")[name].Versions {
				tag := v.Tag
				if v.Active {
					tag += "*"
				}
				got = append(got, tag)
			}
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("versions %v, want %v", got, want)
			}
		}
	}
	runCases(t, []opCase{
		{reason: "create lower-cases the name and makes the first version active", setup: putExample,
			call:   call{method: "POST", path: "/v3/example.com/templates", form: form("name", "Hello", "template", "hi", "tag", "a")},
			status: 200, check: versionsAre("hello", "a*")},
		{reason: "create without tag uses initial", setup: putExample,
			call:   call{method: "POST", path: "/v3/example.com/templates", multipart: true, form: form("name", "x", "template", "hi")},
			status: 200, check: versionsAre("x", "initial*")},
		{reason: "an existing name is a conflict", setup: withTemplate,
			call: call{method: "POST", path: "/v3/example.com/templates", form: form("name", "WELCOME")}, status: 409, errMsg: "exists"},
		{reason: "a name outside the alphabet is refused", setup: putExample,
			call: call{method: "POST", path: "/v3/example.com/templates", form: form("name", "a b")}, status: 400, errMsg: ".-_~"},
		{reason: "an unknown engine is refused", setup: putExample,
			call: call{method: "POST", path: "/v3/example.com/templates", form: form("name", "a", "template", "x", "engine", "mustache")}, status: 400, errMsg: "engine"},
		{reason: "a body over 100KB is refused", setup: withTemplate,
			call: call{method: "PUT", path: "/v3/example.com/templates/welcome/versions/v1", form: form("template", strings.Repeat("x", maxTemplateBody+1))}, status: 400, errMsg: "100KB"},
		{reason: "templates of an unknown domain are 404", call: call{method: "GET", path: "/v3/nope.com/templates/a"}, status: 404, errMsg: "Domain not found"},
		{reason: "an unknown template is 404", setup: putExample, call: call{method: "GET", path: "/v3/example.com/templates/a"}, status: 404, errMsg: "template not found"},
		{reason: "a template path beside /v3/routes and /v3/domains: a route id named templates is still a route", setup: putExample,
			call: call{method: "GET", path: "/v3/routes/templates"}, status: 404, errMsg: "Route not found"},
		{reason: "a wrong method on a template path is 405", setup: withTemplate,
			call: call{method: "PATCH", path: "/v3/example.com/templates/welcome"}, status: 405},
		{reason: "list limit above 100 is refused", setup: withTemplate,
			call: call{method: "GET", path: "/v3/example.com/templates/welcome/versions?limit=101"}, status: 400, errMsg: "limit"},
		{reason: "a version with active=yes becomes the active one", setup: withTemplate,
			call:   call{method: "POST", path: "/v3/example.com/templates/welcome/versions", form: form("tag", "v3", "template", "three", "active", "yes")},
			status: 200, check: versionsAre("welcome", "v1", "v2", "v3*")},
		{reason: "active=true (the SDK's boolToString) reads like active=yes (the reference's)", setup: withTemplate,
			call:   call{method: "POST", path: "/v3/example.com/templates/welcome/versions", form: form("tag", "v3", "template", "three", "active", "true")},
			status: 200, check: versionsAre("welcome", "v1", "v2", "v3*")},
		{reason: "an update with active=true activates, as with yes", setup: withTemplate,
			call:   call{method: "PUT", path: "/v3/example.com/templates/welcome/versions/v2", multipart: true, form: form("active", "true")},
			status: 200, check: versionsAre("welcome", "v1", "v2*")},
		{reason: "a version tag is unique", setup: withTemplate,
			call: call{method: "POST", path: "/v3/example.com/templates/welcome/versions", form: form("tag", "v2", "template", "x")}, status: 409, errMsg: "exists"},
		{reason: "the 41st version is refused", setup: full,
			call: call{method: "POST", path: "/v3/example.com/templates/full/versions", form: form("tag", "one-more", "template", "x")}, status: 400, errMsg: "40 versions"},
		{reason: "update changes only what is sent and can activate", setup: withTemplate,
			call:   call{method: "PUT", path: "/v3/example.com/templates/welcome/versions/v2", form: form("active", "yes")},
			status: 200, body: `{"message":"version has been updated","template":{"name":"welcome","version":{"tag":"v2"}}}`,
			check: func(t *testing.T, s *Server) {
				vs := s.Templates("example.com")["welcome"].Versions
				if vs[1].Body != "two" || !vs[1].Active || vs[0].Active {
					t.Errorf("versions %+v", vs)
				}
			}},
		{reason: "delete of a version", setup: withTemplate,
			call: call{method: "DELETE", path: "/v3/example.com/templates/welcome/versions/v2"}, status: 200, check: versionsAre("welcome", "v1*")},
		{reason: "delete of an unknown version is 404", setup: withTemplate,
			call: call{method: "DELETE", path: "/v3/example.com/templates/welcome/versions/v9"}, status: 404, errMsg: "version not found"},
	})
}
