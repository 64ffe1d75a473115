package contract

import (
	"errors"
	"testing"

	mailgungo "github.com/mailgun/mailgun-go/v5"
	"github.com/mailgun/mailgun-go/v5/mtypes"

	"github.com/mailgun-operator/mailgun-operator/internal/mailgun"
	"github.com/mailgun-operator/mailgun-operator/internal/mailgun/mailguntest"
)

// TestSDKVsEmulatorLists: mailgun-go's list and member calls against our
// emulator (docs/mailgun-api.md, "Mailing lists").
func TestSDKVsEmulatorLists(t *testing.T) {
	em := newEmulator(t)
	mg, _ := newSDK(t, em.URL)
	const addr = "devs@lists.example.com"

	// The SDK decodes the create's answer flat, where the reference nests
	// it under "list" (docs/mailgun-api.md, "Where the SDK's mock
	// differs"): the emulator's state is checked instead of the answer.
	if _, err := mg.CreateMailingList(ctx(t), mtypes.MailingList{Address: addr, Name: "Devs", AccessLevel: mtypes.AccessLevelMembers}); err != nil {
		t.Fatalf("CreateMailingList: %v", err)
	}
	oneCall(t, em, mailguntest.OpCreateList)
	if l := em.Lists()[addr]; l.Name != "Devs" || l.AccessLevel != "members" || l.ReplyPreference != "list" {
		t.Errorf("after CreateMailingList the emulator holds %+v", l)
	}
	if _, err := mg.UpdateMailingList(ctx(t), addr, mtypes.MailingList{Description: "the devs"}); err != nil {
		t.Fatalf("UpdateMailingList: %v", err)
	}
	oneCall(t, em, mailguntest.OpUpdateList)

	members := []any{
		mtypes.Member{Address: "ann@example.com", Name: "Ann", Vars: map[string]any{"team": "core"}, Subscribed: mtypes.Subscribed},
		mtypes.Member{Address: "bob@example.com", Subscribed: mtypes.Unsubscribed},
	}
	if err := mg.CreateMemberList(ctx(t), mtypes.Subscribed, addr, members); err != nil {
		t.Fatalf("CreateMemberList: %v", err)
	}
	oneCall(t, em, mailguntest.OpAddMembers)

	got, err := mg.GetMailingList(ctx(t), addr)
	if err != nil {
		t.Fatalf("GetMailingList: %v", err)
	}
	oneCall(t, em, mailguntest.OpGetList)
	if got.Description != "the devs" || got.MembersCount != 2 {
		t.Errorf("GetMailingList: %+v", got)
	}

	// A page of one, so that the SDK follows the cursor the emulator gives.
	it := mg.ListMembers(addr, &mailgungo.ListOptions{Limit: 1})
	var page, all []mtypes.Member
	for it.Next(ctx(t), &page) {
		all = append(all, page...)
	}
	if it.Err() != nil {
		t.Fatalf("ListMembers: %v", it.Err())
	}
	if len(all) != 2 || all[0].Address != "ann@example.com" || all[0].Vars["team"] != "core" || !*all[0].Subscribed || *all[1].Subscribed {
		t.Errorf("ListMembers: %+v", all)
	}
	em.ResetCalls()

	if err := mg.DeleteMember(ctx(t), "bob@example.com", addr); err != nil {
		t.Fatalf("DeleteMember: %v", err)
	}
	oneCall(t, em, mailguntest.OpDeleteMember)
	if err := mg.DeleteMailingList(ctx(t), addr); err != nil {
		t.Fatalf("DeleteMailingList: %v", err)
	}
	oneCall(t, em, mailguntest.OpDeleteList)
	if _, err := mg.GetMailingList(ctx(t), addr); mailgungo.GetStatusFromErr(err) != 404 {
		t.Errorf("GetMailingList of a deleted list: %v, want status 404", err)
	}
}

// TestOursVsMockLists: our client against mailgun-go's mock server.
func TestOursVsMockLists(t *testing.T) {
	m := newMock(t)
	o := newOurs(t, m.URL())
	const addr = "contract@example.com"

	if _, err := o.c.CreateList(ctx(t), o.a, mailgun.ListRequest{Address: addr, Name: new("Contract"), AccessLevel: new("everyone")}); err != nil {
		t.Fatalf("CreateList: %v", err)
	}
	wantForm(t, o.rec.last(t), map[string][]string{"address": {addr}, "name": {"Contract"}, "access_level": {"everyone"}})
	if err := o.c.UpdateList(ctx(t), o.a, addr, mailgun.ListRequest{ReplyPreference: new("sender")}); err != nil {
		t.Fatalf("UpdateList: %v", err)
	}
	wantForm(t, o.rec.last(t), map[string][]string{"reply_preference": {"sender"}})
	got, err := o.c.GetList(ctx(t), o.a, addr)
	if err != nil || got.Name != "Contract" || got.ReplyPreference != "sender" {
		t.Fatalf("GetList: %+v, %v", got, err)
	}
	if err := o.c.AddMembers(ctx(t), o.a, addr, []mailgun.Member{{Address: "ann@example.com", Name: "Ann", Subscribed: true},
		{Address: "bob@example.com", Subscribed: false}}); err != nil {
		t.Fatalf("AddMembers: %v", err)
	}
	first, err := o.c.ListMembers(ctx(t), o.a, addr, "")
	if err != nil {
		t.Fatalf("ListMembers: %v", err)
	}
	addrs := map[string]bool{}
	for _, mb := range first.Items {
		addrs[mb.Address] = mb.Subscribed
	}
	if len(addrs) != 2 || !addrs["ann@example.com"] || addrs["bob@example.com"] {
		t.Errorf("ListMembers: %+v", first)
	}
	if err := o.c.DeleteMember(ctx(t), o.a, addr, "bob@example.com"); err != nil {
		t.Fatalf("DeleteMember: %v", err)
	}
	if err := o.c.DeleteList(ctx(t), o.a, addr); err != nil {
		t.Fatalf("DeleteList: %v", err)
	}
	if _, err := o.c.GetList(ctx(t), o.a, addr); !errors.Is(err, mailgun.ErrNotFound) {
		t.Errorf("GetList after delete: %v, want ErrNotFound", err)
	}
}
