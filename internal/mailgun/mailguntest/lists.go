package mailguntest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// MailingList is one account-wide mailing list, as tests set it up and
// inspect it.
type MailingList struct {
	Address, Name, Description, AccessLevel, ReplyPreference string
	Members                                                  map[string]Member // by address
}

// Member is one member of a list.
type Member struct {
	Address, Name string
	Vars          map[string]any
	Subscribed    bool
}

// List limits and defaults (docs/mailgun-api.md, "Mailing lists").
const (
	maxBulkMembers      = 1000
	maxMembersPage      = 100
	defaultAccessLevel  = "readonly"
	defaultReplyPref    = "list"
	listNotFoundMessage = "Mailing list not found"
)

type listState struct {
	MailingList
	createdAt time.Time
}

func listNotFound() answer { return fail(http.StatusNotFound, listNotFoundMessage) }

type listJSON struct {
	Address         string `json:"address"`
	Name            string `json:"name"`
	Description     string `json:"description"`
	AccessLevel     string `json:"access_level"`
	ReplyPreference string `json:"reply_preference"`
	MembersCount    int    `json:"members_count"`
	CreatedAt       string `json:"created_at"`
}

func toListJSON(ls *listState) listJSON {
	return listJSON{Address: ls.Address, Name: ls.Name, Description: ls.Description, AccessLevel: ls.AccessLevel,
		ReplyPreference: ls.ReplyPreference, MembersCount: len(ls.Members), CreatedAt: mailgunTime(ls.createdAt)}
}

func listReply(msg string, ls *listState) answer {
	return reply(http.StatusOK, struct {
		Message string   `json:"message,omitempty"`
		List    listJSON `json:"list"`
	}{msg, toListJSON(ls)})
}

// applyListFields validates and sets the list fields a form carries.
func applyListFields(l *MailingList, f url.Values) *requestError {
	if has(f, "access_level") {
		switch v := f.Get("access_level"); v {
		case "readonly", "members", "everyone":
			l.AccessLevel = v
		default:
			return badRequest("access_level must be readonly, members or everyone")
		}
	}
	if has(f, "reply_preference") {
		switch v := f.Get("reply_preference"); v {
		case "list", "sender":
			l.ReplyPreference = v
		default:
			return badRequest("reply_preference must be list or sender")
		}
	}
	if has(f, "name") {
		l.Name = f.Get("name")
	}
	if has(f, "description") {
		l.Description = f.Get("description")
	}
	return nil
}

func (s *Server) withList(w http.ResponseWriter, r *http.Request, fn func(ls *listState) answer) {
	s.locked(w, func() answer {
		ls, ok := s.st.lists[strings.ToLower(r.PathValue("address"))]
		if !ok {
			return listNotFound()
		}
		return fn(ls)
	})
}

func (s *Server) createList(w http.ResponseWriter, r *http.Request) {
	f, rerr := readForm(w, r)
	if rerr != nil {
		failRequest(rerr).write(w)
		return
	}
	s.locked(w, func() answer {
		addr := strings.ToLower(f.Get("address"))
		if local, dom, ok := strings.Cut(addr, "@"); !ok || local == "" || !strings.Contains(dom, ".") {
			return fail(http.StatusBadRequest, "address must be an email address such as devs@mg.example.com")
		}
		if _, exists := s.st.lists[addr]; exists {
			return fail(http.StatusBadRequest, "Duplicate object: list already exists")
		}
		ls := &listState{MailingList: MailingList{Address: addr, AccessLevel: defaultAccessLevel, ReplyPreference: defaultReplyPref,
			Members: map[string]Member{}}, createdAt: s.now()}
		if rerr := applyListFields(&ls.MailingList, f); rerr != nil {
			return failRequest(rerr)
		}
		s.st.lists[addr] = ls
		return listReply("Mailing list has been created", ls)
	})
}

func (s *Server) getList(w http.ResponseWriter, r *http.Request) {
	s.withList(w, r, func(ls *listState) answer { return listReply("", ls) })
}

func (s *Server) updateList(w http.ResponseWriter, r *http.Request) {
	f, rerr := readForm(w, r)
	if rerr != nil {
		failRequest(rerr).write(w)
		return
	}
	s.withList(w, r, func(ls *listState) answer {
		next := ls.MailingList
		if rerr := applyListFields(&next, f); rerr != nil {
			return failRequest(rerr)
		}
		ls.MailingList = next
		return listReply("Mailing list has been updated", ls)
	})
}

func (s *Server) deleteList(w http.ResponseWriter, r *http.Request) {
	s.withList(w, r, func(ls *listState) answer {
		delete(s.st.lists, ls.Address)
		return reply(http.StatusOK, struct {
			Address string `json:"address"`
			Message string `json:"message"`
		}{ls.Address, "Mailing list has been removed"})
	})
}

type memberJSON struct {
	Address    string         `json:"address"`
	Name       string         `json:"name"`
	Vars       map[string]any `json:"vars"`
	Subscribed bool           `json:"subscribed"`
}

// listMembers answers one cursor page: members in address order, after the
// "address" cursor when page=next (docs/mailgun-api.md, "Mailing lists").
func (s *Server) listMembers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := maxMembersPage
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > maxMembersPage {
			fail(http.StatusBadRequest, "limit must be between 1 and 100").write(w)
			return
		}
		limit = n
	}
	s.withList(w, r, func(ls *listState) answer {
		addrs := make([]string, 0, len(ls.Members))
		for a := range ls.Members {
			addrs = append(addrs, a)
		}
		slices.Sort(addrs)
		start := 0
		if q.Get("page") == "next" {
			after := strings.ToLower(q.Get("address"))
			start, _ = slices.BinarySearch(addrs, after)
			if start < len(addrs) && addrs[start] == after {
				start++
			}
		}
		end := min(start+limit, len(addrs))
		items := make([]memberJSON, 0, end-start)
		for _, a := range addrs[start:end] {
			m := ls.Members[a]
			vars := m.Vars
			if vars == nil {
				vars = map[string]any{}
			}
			items = append(items, memberJSON{Address: m.Address, Name: m.Name, Vars: vars, Subscribed: m.Subscribed})
		}
		base := requestScheme(r) + "://" + r.Host + r.URL.Path + "?limit=" + strconv.Itoa(limit)
		next := base + "&page=next"
		if len(items) > 0 {
			next += "&address=" + url.QueryEscape(items[len(items)-1].Address)
		}
		return reply(http.StatusOK, struct {
			Items  []memberJSON      `json:"items"`
			Paging map[string]string `json:"paging"`
		}{items, map[string]string{"first": base + "&page=first", "last": base + "&page=last", "next": next, "previous": base + "&page=prev"}})
	})
}

// addMembers is the bulk endpoint: "members" is a JSON array of objects
// (or of plain addresses), at most 1000; upsert=yes updates existing ones,
// otherwise they are left as they are.
func (s *Server) addMembers(w http.ResponseWriter, r *http.Request) {
	f, rerr := readForm(w, r)
	if rerr != nil {
		failRequest(rerr).write(w)
		return
	}
	var raw []json.RawMessage
	if err := json.Unmarshal([]byte(f.Get("members")), &raw); err != nil {
		fail(http.StatusBadRequest, "members must be a JSON array").write(w)
		return
	}
	if len(raw) == 0 || len(raw) > maxBulkMembers {
		fail(http.StatusBadRequest, "members must hold 1 to 1000 entries").write(w)
		return
	}
	var ms []Member
	for _, one := range raw {
		m := Member{Subscribed: true}
		var addr string
		if json.Unmarshal(one, &addr) == nil {
			m.Address = addr
		} else {
			var obj struct {
				Address    string         `json:"address"`
				Name       string         `json:"name"`
				Vars       map[string]any `json:"vars"`
				Subscribed *bool          `json:"subscribed"`
			}
			if err := json.Unmarshal(one, &obj); err != nil {
				fail(http.StatusBadRequest, "each member must be an address or an object").write(w)
				return
			}
			m.Address, m.Name, m.Vars = obj.Address, obj.Name, obj.Vars
			if obj.Subscribed != nil {
				m.Subscribed = *obj.Subscribed
			}
		}
		m.Address = strings.ToLower(m.Address)
		if !strings.Contains(m.Address, "@") {
			fail(http.StatusBadRequest, "member address is invalid: "+m.Address).write(w)
			return
		}
		ms = append(ms, m)
	}
	upsert, _ := parseBool(f.Get("upsert"))
	s.withList(w, r, func(ls *listState) answer {
		for _, m := range ms {
			if _, exists := ls.Members[m.Address]; exists && !upsert {
				continue
			}
			ls.Members[m.Address] = m
		}
		return reply(http.StatusOK, struct {
			List    listJSON `json:"list"`
			Message string   `json:"message"`
			TaskID  string   `json:"task-id"`
		}{toListJSON(ls), "Mailing list has been updated", newID()})
	})
}

func (s *Server) deleteMember(w http.ResponseWriter, r *http.Request) {
	s.withList(w, r, func(ls *listState) answer {
		addr := strings.ToLower(r.PathValue("member"))
		m, ok := ls.Members[addr]
		if !ok {
			return fail(http.StatusNotFound, "Member "+addr+" of mailing list "+ls.Address+" not found")
		}
		delete(ls.Members, addr)
		return reply(http.StatusOK, struct {
			Member  struct{ Address string } `json:"member"`
			Message string                   `json:"message"`
		}{struct{ Address string }{m.Address}, "Mailing list member has been deleted"})
	})
}

// Lists returns every list by address, copies.
func (s *Server) Lists() map[string]MailingList {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]MailingList{}
	for a, ls := range s.st.lists {
		l := ls.MailingList
		l.Members = map[string]Member{}
		for k, m := range ls.Members {
			l.Members[k] = m
		}
		out[a] = l
	}
	return out
}

// PutList stores a list as if made in the Mailgun console; empty access
// level and reply preference get Mailgun's defaults.
func (s *Server) PutList(l MailingList) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l.Address = strings.ToLower(l.Address)
	if l.AccessLevel == "" {
		l.AccessLevel = defaultAccessLevel
	}
	if l.ReplyPreference == "" {
		l.ReplyPreference = defaultReplyPref
	}
	members := map[string]Member{}
	for _, m := range l.Members {
		m.Address = strings.ToLower(m.Address)
		members[m.Address] = m
	}
	l.Members = members
	s.st.lists[l.Address] = &listState{MailingList: l, createdAt: s.now()}
}

// requestScheme is the scheme the request came in on, for paging URLs.
func requestScheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	return "http"
}
