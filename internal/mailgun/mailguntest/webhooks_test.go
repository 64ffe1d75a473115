package mailguntest

import (
	"net/url"
	"reflect"
	"testing"
)

func TestWebhooks(t *testing.T) {
	withHooks := func(s *Server) {
		putExample(s)
		s.PutWebhook("example.com", "delivered", []string{"https://a.example/h", "https://b.example/h"})
		s.PutWebhook("example.com", "opened", []string{"https://a.example/o"})
	}
	urls := func(u ...string) url.Values { return url.Values{"url": u} }
	withID := func(id string, v url.Values) url.Values { v.Set("id", id); return v }
	hooksAre := func(want map[string][]string) func(*testing.T, *Server) {
		return func(t *testing.T, s *Server) {
			if got := s.Webhooks("example.com"); !reflect.DeepEqual(got, want) {
				t.Errorf("webhooks %v, want %v", got, want)
			}
		}
	}
	runCases(t, []opCase{
		{reason: "list of a domain without webhooks is an empty object", setup: putExample,
			call: call{method: "GET", path: "/v3/domains/example.com/webhooks"}, status: 200, body: `{"webhooks":{}}`},
		{reason: "list keys webhooks by event with urls lists", setup: withHooks,
			call: call{method: "GET", path: "/v3/domains/example.com/webhooks"}, status: 200,
			body: `{"webhooks":{"delivered":{"urls":["https://a.example/h","https://b.example/h"]},"opened":{"urls":["https://a.example/o"]}}}`},
		{reason: "list of an unknown domain is 404", call: call{method: "GET", path: "/v3/domains/nope.com/webhooks"}, status: 404, errMsg: "Domain not found"},

		{reason: "create takes id and repeated url, up to three", setup: putExample,
			call:   call{method: "POST", path: "/v3/domains/example.com/webhooks", form: withID("clicked", urls("https://1.example/", "https://2.example/", "https://3.example/"))},
			status: 200, body: `{"message":"Webhook has been created","webhook":{"urls":["https://1.example/","https://2.example/","https://3.example/"]}}`,
			check: hooksAre(map[string][]string{"clicked": {"https://1.example/", "https://2.example/", "https://3.example/"}})},
		{reason: "create takes multipart with repeated url", setup: putExample,
			call:   call{method: "POST", path: "/v3/domains/example.com/webhooks", multipart: true, form: withID("permanent_fail", urls("https://1.example/", "http://2.example/"))},
			status: 200, check: hooksAre(map[string][]string{"permanent_fail": {"https://1.example/", "http://2.example/"}})},
		{reason: "a fourth URL is refused", setup: putExample,
			call:   call{method: "POST", path: "/v3/domains/example.com/webhooks", form: withID("clicked", urls("https://1.example/", "https://2.example/", "https://3.example/", "https://4.example/"))},
			status: 400, errMsg: "at most 3", check: hooksAre(map[string][]string{})},
		{reason: "a POST for an event that has URLs is 400 already exists", setup: withHooks,
			call:   call{method: "POST", path: "/v3/domains/example.com/webhooks", form: withID("delivered", urls("https://c.example/"))},
			status: 400, errMsg: "Webhook already exists"},
		{reason: "create needs id", setup: putExample, call: call{method: "POST", path: "/v3/domains/example.com/webhooks", form: urls("https://1.example/")}, status: 400, errMsg: "'id'"},
		{reason: "create refuses an unknown event", setup: putExample, call: call{method: "POST", path: "/v3/domains/example.com/webhooks", form: withID("bounced", urls("https://1.example/"))}, status: 400, errMsg: "Invalid webhook type"},
		{reason: "create needs a url", setup: putExample, call: call{method: "POST", path: "/v3/domains/example.com/webhooks", form: form("id", "delivered")}, status: 400, errMsg: "'url'"},
		{reason: "create refuses a relative URL", setup: putExample, call: call{method: "POST", path: "/v3/domains/example.com/webhooks", form: withID("delivered", urls("/hook"))}, status: 400, errMsg: "Invalid URL"},
		{reason: "create refuses a comma-joined list (one invalid URL)", setup: putExample, call: call{method: "POST", path: "/v3/domains/example.com/webhooks", form: withID("delivered", urls("ftp://a.example/,https://b.example/"))}, status: 400, errMsg: "Invalid URL"},
		{reason: "create on an unknown domain is 404", call: call{method: "POST", path: "/v3/domains/nope.com/webhooks", form: withID("delivered", urls("https://1.example/"))}, status: 404, errMsg: "Domain not found"},

		{reason: "get answers webhook.urls", setup: withHooks, call: call{method: "GET", path: "/v3/domains/example.com/webhooks/opened"}, status: 200, body: `{"webhook":{"urls":["https://a.example/o"]}}`},
		{reason: "get of an event without URLs is 404", setup: withHooks, call: call{method: "GET", path: "/v3/domains/example.com/webhooks/clicked"}, status: 404, errMsg: "Webhook not found"},
		{reason: "get of an unknown event is 400", setup: withHooks, call: call{method: "GET", path: "/v3/domains/example.com/webhooks/bounced"}, status: 400, errMsg: "Invalid webhook type"},
		{reason: "get on an unknown domain is 404", call: call{method: "GET", path: "/v3/domains/nope.com/webhooks/opened"}, status: 404, errMsg: "Domain not found"},

		{reason: "put replaces the whole list", setup: withHooks,
			call:   call{method: "PUT", path: "/v3/domains/example.com/webhooks/delivered", form: urls("https://c.example/")},
			status: 200, body: `{"message":"Webhook has been updated","webhook":{"urls":["https://c.example/"]}}`,
			check: hooksAre(map[string][]string{"delivered": {"https://c.example/"}, "opened": {"https://a.example/o"}})},
		{reason: "put of an event without URLs is 404 (POST creates)", setup: withHooks, call: call{method: "PUT", path: "/v3/domains/example.com/webhooks/clicked", form: urls("https://c.example/")}, status: 404, errMsg: "Webhook not found"},
		{reason: "put with four URLs is refused", setup: withHooks,
			call:   call{method: "PUT", path: "/v3/domains/example.com/webhooks/delivered", form: urls("https://1.example/", "https://2.example/", "https://3.example/", "https://4.example/")},
			status: 400, errMsg: "at most 3"},
		{reason: "put without url is refused", setup: withHooks, call: call{method: "PUT", path: "/v3/domains/example.com/webhooks/delivered", form: form()}, status: 400, errMsg: "'url'"},
		{reason: "put on an unknown domain is 404", call: call{method: "PUT", path: "/v3/domains/nope.com/webhooks/delivered", form: urls("https://c.example/")}, status: 404, errMsg: "Domain not found"},

		{reason: "delete removes one event and answers its URLs", setup: withHooks,
			call: call{method: "DELETE", path: "/v3/domains/example.com/webhooks/opened"}, status: 200,
			body:  `{"message":"Webhook has been deleted","webhook":{"urls":["https://a.example/o"]}}`,
			check: hooksAre(map[string][]string{"delivered": {"https://a.example/h", "https://b.example/h"}})},
		{reason: "delete of an event without URLs is 404", setup: withHooks, call: call{method: "DELETE", path: "/v3/domains/example.com/webhooks/clicked"}, status: 404, errMsg: "Webhook not found"},
		{reason: "delete on an unknown domain is 404", call: call{method: "DELETE", path: "/v3/domains/nope.com/webhooks/opened"}, status: 404, errMsg: "Domain not found"},
	})
}
