package mailgun

import (
	"context"
	"encoding/json"
	"net/url"
)

// MailingList is an account-wide mailing list, named by its address.
type MailingList struct {
	Address, Name, Description, AccessLevel, ReplyPreference string
	MembersCount                                             int
}

// ListRequest creates or updates a list: create sends every non-empty
// field; update sends the non-nil ones.
type ListRequest struct {
	Address                                         string
	Name, Description, AccessLevel, ReplyPreference *string
}

// Member is one member of a list. Vars is its JSON object of variables.
type Member struct {
	Address, Name string
	Vars          map[string]any
	Subscribed    bool
}

// MemberPage is one page of ListMembers; Next is the cursor of the page
// after it ("" after the last).
type MemberPage struct {
	Items []Member
	Next  string
}

// MembersPage is ListMembers' page size (docs/mailgun-api.md, "Mailing
// lists").
const MembersPage = 100

// MaxBulkMembers is how many members one AddMembers call may carry
// (docs/mailgun-api.md, "Mailing lists").
const MaxBulkMembers = 1000

// CreateList makes a list. A POST, never retried: a lost answer is found
// by reading the list by its address.
func (c *Client) CreateList(ctx context.Context, a Account, r ListRequest) (MailingList, error) {
	if r.Address == "" {
		return MailingList{}, invalidArg(OpCreateList, "list address is required")
	}
	f := newForm()
	f.add("address", r.Address)
	addListFields(f, r)
	var out listAnswerJSON
	if err := c.do(ctx, a, &call{op: OpCreateList, form: f, out: &out}); err != nil {
		return MailingList{}, err
	}
	return out.list(), nil
}

func addListFields(f *form, r ListRequest) {
	f.addOpt("name", r.Name)
	f.addOpt("description", r.Description)
	f.addOpt("access_level", r.AccessLevel)
	f.addOpt("reply_preference", r.ReplyPreference)
}

// GetList reads a list.
func (c *Client) GetList(ctx context.Context, a Account, address string) (MailingList, error) {
	var out listAnswerJSON
	if err := c.do(ctx, a, &call{op: OpGetList, seg1: address, out: &out}); err != nil {
		return MailingList{}, err
	}
	return out.list(), nil
}

// UpdateList changes the given fields of a list (never its address here).
func (c *Client) UpdateList(ctx context.Context, a Account, address string, r ListRequest) error {
	f := newForm()
	addListFields(f, r)
	if f.empty() {
		f.release()
		return nil
	}
	return c.do(ctx, a, &call{op: OpUpdateList, seg1: address, form: f})
}

// DeleteList deletes a list and its members.
func (c *Client) DeleteList(ctx context.Context, a Account, address string) error {
	return c.do(ctx, a, &call{op: OpDeleteList, seg1: address})
}

// ListMembers reads one page of members after the cursor after ("" for
// the first page).
func (c *Client) ListMembers(ctx context.Context, a Account, list, after string) (MemberPage, error) {
	q := "limit=100"
	if after != "" {
		q += "&page=next&address=" + url.QueryEscape(after)
	}
	var out memberPageJSON
	if err := c.do(ctx, a, &call{op: OpListMembers, seg1: list, query: q, out: &out}); err != nil {
		return MemberPage{}, err
	}
	p := MemberPage{Items: make([]Member, len(out.Items))}
	for i, m := range out.Items {
		p.Items[i] = Member{Address: m.Address, Name: m.Name, Vars: m.Vars, Subscribed: bool(m.Subscribed)}
	}
	if n := len(out.Items); n > 0 {
		p.Next = out.Items[n-1].Address
	}
	return p, nil
}

// AddMembers adds or updates (upsert) up to MaxBulkMembers members in one
// call, through the bulk endpoint.
func (c *Client) AddMembers(ctx context.Context, a Account, list string, ms []Member) error {
	if len(ms) == 0 || len(ms) > MaxBulkMembers {
		return invalidArg(OpAddMembers, "1 to 1000 members per call")
	}
	type memberOut struct {
		Address    string         `json:"address"`
		Name       string         `json:"name,omitempty"`
		Vars       map[string]any `json:"vars,omitempty"`
		Subscribed bool           `json:"subscribed"`
	}
	out := make([]memberOut, len(ms))
	for i, m := range ms {
		out[i] = memberOut(m)
	}
	b, err := json.Marshal(out)
	if err != nil {
		return invalidArg(OpAddMembers, "members do not encode as JSON: "+err.Error())
	}
	f := newForm()
	f.add("upsert", "yes")
	f.add("members", string(b))
	return c.do(ctx, a, &call{op: OpAddMembers, seg1: list, form: f})
}

// DeleteMember removes one member.
func (c *Client) DeleteMember(ctx context.Context, a Account, list, member string) error {
	return c.do(ctx, a, &call{op: OpDeleteMember, seg1: list, seg2: member})
}

// listAnswerJSON is a list under "list" (OLD, the emulator) or, as the SDK
// decodes a create's answer, at the top level (docs/mailgun-api.md,
// "Mailing lists"): both are read, the nested one first.
type listAnswerJSON struct {
	List listJSON `json:"list"`
	listJSON
}

type listJSON struct {
	Address         string  `json:"address"`
	Name            string  `json:"name"`
	Description     string  `json:"description"`
	AccessLevel     string  `json:"access_level"`
	ReplyPreference string  `json:"reply_preference"`
	MembersCount    flexInt `json:"members_count"`
}

func (l *listAnswerJSON) decode(b []byte) error {
	*l = listAnswerJSON{} // a retry decodes into the struct of the failed attempt
	return unmarshal(b, l)
}

func (l *listAnswerJSON) list() MailingList {
	x := &l.List
	if x.Address == "" {
		x = &l.listJSON
	}
	return MailingList{Address: x.Address, Name: x.Name, Description: x.Description, AccessLevel: x.AccessLevel,
		ReplyPreference: x.ReplyPreference, MembersCount: int(x.MembersCount)}
}

type memberPageJSON struct {
	Items []struct {
		Address    string         `json:"address"`
		Name       string         `json:"name"`
		Vars       map[string]any `json:"vars"`
		Subscribed flexBool       `json:"subscribed"`
	} `json:"items"`
}

func (p *memberPageJSON) decode(b []byte) error {
	*p = memberPageJSON{}
	return unmarshal(b, p)
}
