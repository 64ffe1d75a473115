package controller

import (
	"context"
	"reflect"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
	"github.com/mailgun-operator/mailgun-operator/internal/mailgun"
)

// memberPages is a listAPI that only serves members, in one page.
type memberPages struct {
	listAPI
	members []mailgun.Member
}

func (f memberPages) ListMembers(_ context.Context, _ mailgun.Account, _, after string) (mailgun.MemberPage, error) {
	if after != "" {
		return mailgun.MemberPage{}, nil
	}
	return mailgun.MemberPage{Items: f.members, Next: "last"}, nil
}

// TestDiffMembers: what the spec leaves out of a member is Mailgun's (an
// unsubscribed member is never re-subscribed, a name or vars set elsewhere
// are never wiped), and a member is pruned by the address Mailgun gave.
func TestDiffMembers(t *testing.T) {
	no, yes := false, true
	vars := &apiextensionsv1.JSON{Raw: []byte(`{"team":"ops"}`)}
	cases := []struct {
		name   string
		have   []mailgun.Member
		spec   []v1alpha1.ListMember
		prune  bool
		upsert []mailgun.Member
		pruned []string
	}{
		{name: "unsubscribed, subscribed unset: left unsubscribed",
			have: []mailgun.Member{{Address: "ann@example.com", Subscribed: false}},
			spec: []v1alpha1.ListMember{{Address: "ann@example.com"}}},
		{name: "subscribed: true re-subscribes",
			have:   []mailgun.Member{{Address: "ann@example.com", Name: "Ann", Subscribed: false}},
			spec:   []v1alpha1.ListMember{{Address: "ann@example.com", Subscribed: &yes}},
			upsert: []mailgun.Member{{Address: "ann@example.com", Name: "Ann", Subscribed: true}}},
		{name: "name and vars not declared: kept",
			have: []mailgun.Member{{Address: "ann@example.com", Name: "Ann", Vars: map[string]any{"a": "b"}, Subscribed: true}},
			spec: []v1alpha1.ListMember{{Address: "ann@example.com"}}},
		{name: "declared fields sent with the kept ones",
			have:   []mailgun.Member{{Address: "ann@example.com", Name: "Ann", Subscribed: false}},
			spec:   []v1alpha1.ListMember{{Address: "ann@example.com", Vars: vars}},
			upsert: []mailgun.Member{{Address: "ann@example.com", Name: "Ann", Vars: map[string]any{"team": "ops"}, Subscribed: false}}},
		{name: "new member: subscribed by default",
			spec:   []v1alpha1.ListMember{{Address: "Bob@Example.com", Name: "Bob"}},
			upsert: []mailgun.Member{{Address: "bob@example.com", Name: "Bob", Subscribed: true}}},
		{name: "new member: subscribed false",
			spec:   []v1alpha1.ListMember{{Address: "bob@example.com", Subscribed: &no}},
			upsert: []mailgun.Member{{Address: "bob@example.com", Subscribed: false}}},
		{name: "declared in another case: not pruned, not written",
			have:  []mailgun.Member{{Address: "Ann@Example.com", Subscribed: true}},
			spec:  []v1alpha1.ListMember{{Address: "ann@example.com"}},
			prune: true},
		{name: "pruned as Mailgun spells it",
			have:   []mailgun.Member{{Address: "Zed@Example.com", Subscribed: true}},
			prune:  true,
			pruned: []string{"Zed@Example.com"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			x := &listExternal{api: memberPages{members: tc.have}}
			l := &v1alpha1.MailingList{Spec: v1alpha1.MailingListSpec{Address: "devs@mg.example.com", Members: tc.spec, PruneMembers: tc.prune}}
			plan := &listPlan{}
			if err := x.diffMembers(context.Background(), mailgun.Account{}, l, plan); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(plan.upsert, tc.upsert) {
				t.Errorf("upsert %+v, want %+v", plan.upsert, tc.upsert)
			}
			if !reflect.DeepEqual(plan.prune, tc.pruned) {
				t.Errorf("prune %q, want %q", plan.prune, tc.pruned)
			}
		})
	}
}
