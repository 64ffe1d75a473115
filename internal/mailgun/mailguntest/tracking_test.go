package mailguntest

import "testing"

func TestTracking(t *testing.T) {
	created := func(s *Server) {
		// Through the API so the domain has Mailgun's default footers.
		send(t, s, call{method: "POST", path: "/v4/domains", form: form("name", "example.com")})
	}
	withTracking := func(tr Tracking) func(*Server) {
		return func(s *Server) { s.PutDomain(Domain{Name: "example.com", Tracking: tr}) }
	}
	runCases(t, []opCase{
		{reason: "a new domain reads all tracking off, as booleans, with default footers", setup: created,
			call: call{method: "GET", path: "/v3/domains/example.com/tracking"}, status: 200,
			body: jsonOf(map[string]any{"tracking": map[string]any{
				"click":       map[string]any{"active": false},
				"open":        map[string]any{"active": false, "place_at_the_top": false},
				"unsubscribe": map[string]any{"active": false, "html_footer": defaultHTMLFooter, "text_footer": defaultTextFooter}}})},
		{reason: "active settings read true",
			setup: withTracking(Tracking{Click: true, Open: true, Unsubscribe: true, HTMLFooter: "<p>x</p>", TextFooter: "x"}),
			call:  call{method: "GET", path: "/v3/domains/example.com/tracking"}, status: 200,
			body: `{"tracking":{"click":{"active":true},"open":{"active":true,"place_at_the_top":false},"unsubscribe":{"active":true,"html_footer":"<p>x</p>","text_footer":"x"}}}`},
		{reason: "html-only click tracking reads active true, as documented", setup: withTracking(Tracking{Click: true, ClickHTMLOnly: true}),
			call: call{method: "GET", path: "/v3/domains/example.com/tracking"}, status: 200,
			body: `{"tracking":{"click":{"active":true},"open":{"active":false,"place_at_the_top":false},"unsubscribe":{"active":false,"html_footer":"","text_footer":""}}}`},
		{reason: "html-only click tracking reads the string htmlonly in the other reading",
			setup: func(s *Server) {
				withTracking(Tracking{Click: true, ClickHTMLOnly: true})(s)
				s.SetClickReading(ClickAsString)
			},
			call: call{method: "GET", path: "/v3/domains/example.com/tracking"}, status: 200,
			body: `{"tracking":{"click":{"active":"htmlonly"},"open":{"active":false,"place_at_the_top":false},"unsubscribe":{"active":false,"html_footer":"","text_footer":""}}}`},
		{reason: "plain click tracking reads true in the string reading too",
			setup: func(s *Server) {
				withTracking(Tracking{Click: true})(s)
				s.SetClickReading(ClickAsString)
			},
			call: call{method: "GET", path: "/v3/domains/example.com/tracking"}, status: 200,
			body: `{"tracking":{"click":{"active":true},"open":{"active":false,"place_at_the_top":false},"unsubscribe":{"active":false,"html_footer":"","text_footer":""}}}`},
		{reason: "tracking of an unknown domain is 404", call: call{method: "GET", path: "/v3/domains/nope.com/tracking"}, status: 404, errMsg: "Domain not found"},

		{reason: "click active=yes", setup: created,
			call: call{method: "PUT", path: "/v3/domains/example.com/tracking/click", form: form("active", "yes")}, status: 200,
			body: `{"message":"Domain tracking settings have been updated","click":{"active":true}}`,
			check: func(t *testing.T, s *Server) {
				if d, _ := s.Domain("example.com"); !d.Tracking.Click || d.Tracking.ClickHTMLOnly {
					t.Errorf("%+v", d.Tracking)
				}
			}},
		{reason: "click active=htmlonly", setup: created,
			call: call{method: "PUT", path: "/v3/domains/example.com/tracking/click", form: form("active", "htmlonly")}, status: 200,
			body: `{"message":"Domain tracking settings have been updated","click":{"active":true}}`,
			check: func(t *testing.T, s *Server) {
				if d, _ := s.Domain("example.com"); !d.Tracking.Click || !d.Tracking.ClickHTMLOnly {
					t.Errorf("%+v", d.Tracking)
				}
			}},
		{reason: "click active=false turns html-only off too", setup: withTracking(Tracking{Click: true, ClickHTMLOnly: true}),
			call: call{method: "PUT", path: "/v3/domains/example.com/tracking/click", multipart: true, form: form("active", "false")}, status: 200,
			body: `{"message":"Domain tracking settings have been updated","click":{"active":false}}`,
			check: func(t *testing.T, s *Server) {
				if d, _ := s.Domain("example.com"); d.Tracking.Click || d.Tracking.ClickHTMLOnly {
					t.Errorf("%+v", d.Tracking)
				}
			}},
		{reason: "click needs active", setup: created, call: call{method: "PUT", path: "/v3/domains/example.com/tracking/click", form: form()}, status: 400, errMsg: "active"},
		{reason: "click active must be yes/no/htmlonly", setup: created, call: call{method: "PUT", path: "/v3/domains/example.com/tracking/click", form: form("active", "often")}, status: 400, errMsg: "active"},
		{reason: "click of an unknown domain is 404", call: call{method: "PUT", path: "/v3/domains/nope.com/tracking/click", form: form("active", "yes")}, status: 404, errMsg: "Domain not found"},

		{reason: "open active=yes with place_at_the_top", setup: created,
			call: call{method: "PUT", path: "/v3/domains/example.com/tracking/open", form: form("active", "yes", "place_at_the_top", "true")}, status: 200,
			body: `{"message":"Domain tracking settings have been updated","open":{"active":true,"place_at_the_top":true}}`,
			check: func(t *testing.T, s *Server) {
				if d, _ := s.Domain("example.com"); !d.Tracking.Open {
					t.Errorf("%+v", d.Tracking)
				}
			}},
		{reason: "open does not take htmlonly", setup: created, call: call{method: "PUT", path: "/v3/domains/example.com/tracking/open", form: form("active", "htmlonly")}, status: 400, errMsg: "active"},
		{reason: "open needs active", setup: created, call: call{method: "PUT", path: "/v3/domains/example.com/tracking/open", form: form()}, status: 400, errMsg: "active"},
		{reason: "open of an unknown domain is 404", call: call{method: "PUT", path: "/v3/domains/nope.com/tracking/open", form: form("active", "yes")}, status: 404, errMsg: "Domain not found"},

		{reason: "unsubscribe sets active and both footers", setup: created,
			call: call{method: "PUT", path: "/v3/domains/example.com/tracking/unsubscribe", form: form("active", "true", "html_footer", "<b>bye</b>", "text_footer", "bye")}, status: 200,
			body: `{"message":"Domain tracking settings have been updated","unsubscribe":{"active":true,"html_footer":"<b>bye</b>","text_footer":"bye"}}`,
			check: func(t *testing.T, s *Server) {
				want := Tracking{Unsubscribe: true, HTMLFooter: "<b>bye</b>", TextFooter: "bye"}
				if d, _ := s.Domain("example.com"); d.Tracking != want {
					t.Errorf("%+v", d.Tracking)
				}
			}},
		{reason: "footers not sent stay as they are", setup: withTracking(Tracking{HTMLFooter: "h", TextFooter: "t"}),
			call: call{method: "PUT", path: "/v3/domains/example.com/tracking/unsubscribe", form: form("active", "yes")}, status: 200,
			body: `{"message":"Domain tracking settings have been updated","unsubscribe":{"active":true,"html_footer":"h","text_footer":"t"}}`},
		{reason: "unsubscribe with nothing to set is refused", setup: created, call: call{method: "PUT", path: "/v3/domains/example.com/tracking/unsubscribe", form: form()}, status: 400, errMsg: "active"},
		{reason: "unsubscribe active must be yes/no", setup: created, call: call{method: "PUT", path: "/v3/domains/example.com/tracking/unsubscribe", form: form("active", "htmlonly")}, status: 400, errMsg: "active"},
		{reason: "unsubscribe of an unknown domain is 404", call: call{method: "PUT", path: "/v3/domains/nope.com/tracking/unsubscribe", form: form("active", "yes")}, status: 404, errMsg: "Domain not found"},
	})
}
