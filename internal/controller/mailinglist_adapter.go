package controller

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
	"github.com/mailgun-operator/mailgun-operator/internal/mailgun"
)

// +kubebuilder:rbac:groups=mailgun.operator.dev,resources=mailinglists,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=mailgun.operator.dev,resources=mailinglists/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=mailgun.operator.dev,resources=mailinglists/finalizers,verbs=update

// maxMemberReads bounds the members read from one list to compare them
// with the declared ones: 100 pages of 100. A declared member list is for
// configuration-sized lists (the CRD says so); a bigger list stops with a
// message instead of costing hundreds of calls every sync.
const maxMemberReads = 10000

// listAPI is the part of the Mailgun client mailing lists use.
type listAPI interface {
	CreateList(ctx context.Context, a mailgun.Account, r mailgun.ListRequest) (mailgun.MailingList, error)
	GetList(ctx context.Context, a mailgun.Account, address string) (mailgun.MailingList, error)
	UpdateList(ctx context.Context, a mailgun.Account, address string, r mailgun.ListRequest) error
	DeleteList(ctx context.Context, a mailgun.Account, address string) error
	ListMembers(ctx context.Context, a mailgun.Account, list, after string) (mailgun.MemberPage, error)
	AddMembers(ctx context.Context, a mailgun.Account, list string, ms []mailgun.Member) error
	DeleteMember(ctx context.Context, a mailgun.Account, list, member string) error
}

// listExternal adapts MailingList to the engine. A list's identity is its
// address. Members are read only when the spec declares some or prunes.
type listExternal struct {
	api listAPI
}

// listPlan is what Observe hands to Update.
type listPlan struct {
	fields mailgun.ListRequest
	diff   []string
	upsert []mailgun.Member
	prune  []string
}

func (p *listPlan) empty() bool { return len(p.diff) == 0 }

func (x *listExternal) Observe(ctx context.Context, a mailgun.Account, l *v1alpha1.MailingList) (observation, error) {
	got, err := x.api.GetList(ctx, a, l.Spec.Address)
	if errors.Is(err, mailgun.ErrNotFound) {
		l.Status.MembersCount = 0
		return observation{}, nil
	}
	if err != nil {
		return observation{}, err
	}
	l.Status.MembersCount = int32(got.MembersCount)
	plan := &listPlan{}
	diffListFields(l, got, plan)
	if len(l.Spec.Members) > 0 || l.Spec.PruneMembers {
		if err := x.diffMembers(ctx, a, l, plan); err != nil {
			return observation{}, err
		}
	}
	return observation{exists: true, upToDate: plan.empty(), diff: strings.Join(plan.diff, ", "), state: plan}, nil
}

// diffListFields compares the fields the spec sets; unset ones are left.
func diffListFields(l *v1alpha1.MailingList, got mailgun.MailingList, plan *listPlan) {
	s := &l.Spec
	if s.Name != nil && *s.Name != got.Name {
		plan.fields.Name, plan.diff = s.Name, append(plan.diff, "name")
	}
	if s.Description != nil && *s.Description != got.Description {
		plan.fields.Description, plan.diff = s.Description, append(plan.diff, "description")
	}
	if s.AccessLevel != "" && string(s.AccessLevel) != got.AccessLevel {
		plan.fields.AccessLevel, plan.diff = new(string(s.AccessLevel)), append(plan.diff, "accessLevel")
	}
	if s.ReplyPreference != "" && string(s.ReplyPreference) != got.ReplyPreference {
		plan.fields.ReplyPreference, plan.diff = new(string(s.ReplyPreference)), append(plan.diff, "replyPreference")
	}
}

// diffMembers reads the list's members, bounded, and plans the upserts of
// declared members that are missing or differ, and the prunes.
func (x *listExternal) diffMembers(ctx context.Context, a mailgun.Account, l *v1alpha1.MailingList, plan *listPlan) error {
	have := map[string]mailgun.Member{}
	for after := ""; ; {
		page, err := x.api.ListMembers(ctx, a, l.Spec.Address, after)
		if err != nil {
			return err
		}
		for _, m := range page.Items {
			have[strings.ToLower(m.Address)] = m
		}
		if len(page.Items) == 0 || page.Next == "" || page.Next == after {
			break
		}
		if len(have) >= maxMemberReads {
			return stalledError(ReasonInvalidSpec, fmt.Errorf(
				"list %s has more than %d members, too many to compare with spec.members: declare no members (and no pruneMembers) for a list managed elsewhere",
				l.Spec.Address, maxMemberReads))
		}
		after = page.Next
	}
	declared := map[string]bool{}
	for _, m := range l.Spec.Members {
		key := strings.ToLower(m.Address)
		declared[key] = true
		got, ok := have[key]
		if !ok {
			// A new member: subscribed unless the spec says otherwise,
			// which is also Mailgun's default (docs/mailgun-api.md,
			// "Mailing lists").
			got = mailgun.Member{Address: key, Subscribed: true}
		}
		want, err := memberOf(m, got)
		if err != nil {
			return err
		}
		if !ok || !sameMember(got, want) {
			plan.upsert = append(plan.upsert, want)
		}
	}
	if l.Spec.PruneMembers {
		for key, m := range have {
			if !declared[key] {
				// As Mailgun spelled it: the address is a path segment.
				plan.prune = append(plan.prune, m.Address)
			}
		}
		slices.Sort(plan.prune)
	}
	if len(plan.upsert) > 0 {
		plan.diff = append(plan.diff, fmt.Sprintf("%d members", len(plan.upsert)))
	}
	if len(plan.prune) > 0 {
		plan.diff = append(plan.diff, fmt.Sprintf("%d members pruned", len(plan.prune)))
	}
	return nil
}

// memberOf is the member as the spec wants it, starting from what Mailgun
// holds (got): a field the spec leaves out (no name, no vars, no
// subscribed) keeps Mailgun's value, so that a member who unsubscribed
// stays unsubscribed and the bulk upsert, which carries every field, never
// wipes what the spec does not declare.
func memberOf(m v1alpha1.ListMember, got mailgun.Member) (mailgun.Member, error) {
	out := got
	if m.Name != "" {
		out.Name = m.Name
	}
	if m.Subscribed != nil {
		out.Subscribed = *m.Subscribed
	}
	if m.Vars != nil && len(m.Vars.Raw) > 0 {
		out.Vars = nil
		if err := json.Unmarshal(m.Vars.Raw, &out.Vars); err != nil {
			return mailgun.Member{}, stalledError(ReasonInvalidSpec, fmt.Errorf("vars of member %s are not a JSON object: %w", m.Address, err))
		}
	}
	return out, nil
}

// sameMember compares two members; no vars and empty vars are the same.
func sameMember(got, want mailgun.Member) bool {
	if got.Name != want.Name || got.Subscribed != want.Subscribed {
		return false
	}
	if len(got.Vars) == 0 && len(want.Vars) == 0 {
		return true
	}
	return reflect.DeepEqual(got.Vars, want.Vars)
}

func (x *listExternal) Create(ctx context.Context, a mailgun.Account, l *v1alpha1.MailingList) (observation, error) {
	s := &l.Spec
	r := mailgun.ListRequest{Address: s.Address, Name: s.Name, Description: s.Description}
	if s.AccessLevel != "" {
		r.AccessLevel = new(string(s.AccessLevel))
	}
	if s.ReplyPreference != "" {
		r.ReplyPreference = new(string(s.ReplyPreference))
	}
	got, err := x.api.CreateList(ctx, a, r)
	if err != nil {
		// "Already exists" for a list Observe did not see a moment ago:
		// made meanwhile, or not shown yet (docs/mailgun-api.md, "Eventual
		// consistency"). The engine waits for Observe to find it
		// (Engine.conflict, adoptsOnConflict).
		return observation{}, err
	}
	l.Status.MembersCount = int32(got.MembersCount)
	// Declared members are added by the Update that follows.
	return observation{exists: true, upToDate: len(s.Members) == 0}, nil
}

func (x *listExternal) Update(ctx context.Context, a mailgun.Account, l *v1alpha1.MailingList, obs observation) error {
	plan := obs.state.(*listPlan)
	addr := l.Spec.Address
	if plan.fields != (mailgun.ListRequest{}) {
		if err := x.api.UpdateList(ctx, a, addr, plan.fields); err != nil {
			return err
		}
	}
	for start := 0; start < len(plan.upsert); start += mailgun.MaxBulkMembers {
		end := min(start+mailgun.MaxBulkMembers, len(plan.upsert))
		if err := x.api.AddMembers(ctx, a, addr, plan.upsert[start:end]); err != nil {
			return fmt.Errorf("cannot add members: %w", err)
		}
	}
	for _, m := range plan.prune {
		if err := x.api.DeleteMember(ctx, a, addr, m); err != nil && !errors.Is(err, mailgun.ErrNotFound) {
			return fmt.Errorf("cannot prune member %s: %w", m, err)
		}
	}
	return nil
}

func (x *listExternal) Delete(ctx context.Context, a mailgun.Account, l *v1alpha1.MailingList) error {
	return x.api.DeleteList(ctx, a, l.Spec.Address)
}

// adoptsOnConflict: a list of an address the create is told exists is
// taken over once Mailgun shows it, as an existing list found by Observe
// is.
func (x *listExternal) adoptsOnConflict(*v1alpha1.MailingList) bool { return true }

// Identity is the list's address.
func (x *listExternal) Identity(l *v1alpha1.MailingList) string { return l.Spec.Address }
