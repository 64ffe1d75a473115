package mailguntest

import (
	"slices"
	"strings"
	"testing"
)

func TestLists(t *testing.T) {
	withList := func(s *Server) {
		s.PutList(MailingList{Address: "devs@example.com", Name: "Devs", Members: map[string]Member{
			"a": {Address: "ann@example.com", Name: "Ann", Subscribed: true}}})
	}
	listIs := func(want string) func(*testing.T, *Server) {
		return func(t *testing.T, s *Server) {
			l := s.Lists()["devs@example.com"]
			var ms []string
			for _, m := range l.Members {
				ms = append(ms, m.Address+"="+m.Name)
			}
			slices.Sort(ms) // Members is a map: its order is random
			if got := l.Name + "|" + l.AccessLevel + "|" + l.ReplyPreference + "|" + strings.Join(ms, ","); got != want {
				t.Errorf("list %q, want %q", got, want)
			}
		}
	}
	many := "[" + strings.TrimSuffix(strings.Repeat(`"x@example.com",`, maxBulkMembers+1), ",") + "]"
	runCases(t, []opCase{
		{reason: "create lower-cases the address and applies Mailgun's defaults",
			call:   call{method: "POST", path: "/v3/lists", form: form("address", "Devs@Example.com", "name", "Devs")},
			status: 200, check: listIs("Devs|readonly|list|")},
		{reason: "an address that is no email address is refused",
			call: call{method: "POST", path: "/v3/lists", form: form("address", "devs")}, status: 400, errMsg: "email address"},
		{reason: "an existing address is refused as a duplicate", setup: withList,
			call: call{method: "POST", path: "/v3/lists", form: form("address", "devs@example.com")}, status: 400, errMsg: "already exists"},
		{reason: "an unknown access level is refused", setup: withList,
			call: call{method: "PUT", path: "/v3/lists/devs@example.com", form: form("access_level", "public")}, status: 400, errMsg: "access_level"},
		{reason: "update changes only what is sent", setup: withList,
			call:   call{method: "PUT", path: "/v3/lists/devs@example.com", multipart: true, form: form("reply_preference", "sender")},
			status: 200, check: listIs("Devs|readonly|sender|ann@example.com=Ann")},
		{reason: "an unknown list is 404", call: call{method: "GET", path: "/v3/lists/nope@example.com"}, status: 404, errMsg: "not found"},
		{reason: "a member page above 100 is refused", setup: withList,
			call: call{method: "GET", path: "/v3/lists/devs@example.com/members/pages?limit=101"}, status: 400, errMsg: "limit"},
		{reason: "bulk without upsert leaves an existing member as it is", setup: withList,
			call:   call{method: "POST", path: "/v3/lists/devs@example.com/members.json", form: form("members", `[{"address":"ann@example.com","name":"Other"}]`)},
			status: 200, check: listIs("Devs|readonly|list|ann@example.com=Ann")},
		{reason: "bulk multipart (the SDK's and the client's encoding) is read like urlencoded", setup: withList,
			call: call{method: "POST", path: "/v3/lists/devs@example.com/members.json", multipart: true,
				form: form("members", `[{"address":"ann@example.com","name":"Other"},{"address":"bob@example.com","name":"Bob"}]`, "upsert", "yes")},
			status: 200, check: listIs("Devs|readonly|list|ann@example.com=Other,bob@example.com=Bob")},
		{reason: "bulk with upsert=yes updates it", setup: withList,
			call:   call{method: "POST", path: "/v3/lists/devs@example.com/members.json", form: form("members", `[{"address":"ann@example.com","name":"Other"}]`, "upsert", "yes")},
			status: 200, check: listIs("Devs|readonly|list|ann@example.com=Other")},
		{reason: "bulk takes at most 1000 members", setup: withList,
			call: call{method: "POST", path: "/v3/lists/devs@example.com/members.json", form: form("members", many)}, status: 400, errMsg: "1 to 1000"},
		{reason: "bulk needs a JSON array", setup: withList,
			call: call{method: "POST", path: "/v3/lists/devs@example.com/members.json", form: form("members", "ann@example.com")}, status: 400, errMsg: "JSON array"},
		{reason: "an unknown member is 404", setup: withList,
			call: call{method: "DELETE", path: "/v3/lists/devs@example.com/members/zed@example.com"}, status: 404, errMsg: "not found"},
	})
}
