package controller

import (
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
	"github.com/mailgun-operator/mailgun-operator/internal/mailgun/mailguntest"
)

func newList(w *world, name, address string, members ...v1alpha1.ListMember) *v1alpha1.MailingList {
	return &v1alpha1.MailingList{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: w.ns},
		Spec: v1alpha1.MailingListSpec{Address: address, Members: members}}
}

// listView is a list's fields and members, one line each, for readable
// comparisons; nil when the list does not exist.
func listView(w *world, address string) func() []string {
	return func() []string {
		l, ok := w.mg.Lists()[address]
		if !ok {
			return nil
		}
		out := []string{fmt.Sprintf("%s|%s|%s|%s", l.Name, l.Description, l.AccessLevel, l.ReplyPreference)}
		for _, m := range l.Members {
			out = append(out, fmt.Sprintf("%s %q %v subscribed=%v", m.Address, m.Name, m.Vars, m.Subscribed))
		}
		return out
	}
}

func listWrites(w *world) int {
	n := 0
	for _, op := range []mailguntest.Op{mailguntest.OpCreateList, mailguntest.OpUpdateList, mailguntest.OpDeleteList,
		mailguntest.OpAddMembers, mailguntest.OpDeleteMember} {
		n += w.mg.Calls(op)
	}
	return n
}

var _ = Describe("MailingList", func() {
	It("creates the sample with its members in one bulk call, and writes nothing while in sync", func() {
		w := newWorld()
		l := &v1alpha1.MailingList{}
		w.createdSample("mailgun_v1alpha1_mailinglist.yaml", "MailingList", l)
		Expect(listView(w, "devs@mg.example.com")()).To(ConsistOf(
			"Developers|Release notes and outage reports|members|list",
			`ann@example.com "Ann" map[team:platform] subscribed=true`,
			`bob@example.com "Bob" map[] subscribed=false`))
		Expect(w.mg.Calls(mailguntest.OpAddMembers)).To(Equal(1))
		Eventually(func() int32 { return get(l).(*v1alpha1.MailingList).Status.MembersCount }).Should(Equal(int32(2)))

		writes := listWrites(w)
		Consistently(func() int { return listWrites(w) }).WithTimeout(testOpts.SyncPeriod + 2*time.Second).Should(Equal(writes))

		Expect(k8s.Delete(ctx, l)).To(Succeed())
		eventuallyGone(l)
		Expect(w.mg.Lists()).To(BeEmpty())
	})

	It("corrects drift in its fields and declared members, sends spec changes, and leaves undeclared members", func() {
		w := newWorld()
		l := newList(w, "ops", "ops@mg.example.com", v1alpha1.ListMember{Address: "ann@example.com", Name: "Ann"})
		l.Spec.Description = ptr("ops")
		Expect(k8s.Create(ctx, l)).To(Succeed())
		eventuallyReady(l)

		w.mg.PutList(mailguntest.MailingList{Address: "ops@mg.example.com", Description: "changed", Members: map[string]mailguntest.Member{
			"ann": {Address: "ann@example.com", Name: "Someone else", Subscribed: true},
			"zed": {Address: "zed@example.com", Subscribed: true}}})
		Eventually(listView(w, "ops@mg.example.com")).Should(ConsistOf("|ops|readonly|list",
			`ann@example.com "Ann" map[] subscribed=true`, `zed@example.com "" map[] subscribed=true`))

		updateSpec(l, func() {
			l.Spec.AccessLevel, l.Spec.ReplyPreference = "everyone", "sender"
			l.Spec.Members = append(l.Spec.Members, v1alpha1.ListMember{Address: "cy@example.com",
				Vars: &apiextensionsv1.JSON{Raw: []byte(`{"n":1}`)}})
		})
		Eventually(listView(w, "ops@mg.example.com")).Should(ConsistOf("|ops|everyone|sender",
			`ann@example.com "Ann" map[] subscribed=true`, `cy@example.com "" map[n:1] subscribed=true`, `zed@example.com "" map[] subscribed=true`))
		eventuallyReady(l)

		updateSpec(l, func() { l.Spec.PruneMembers = true })
		Eventually(listView(w, "ops@mg.example.com")).Should(ConsistOf("|ops|everyone|sender",
			`ann@example.com "Ann" map[] subscribed=true`, `cy@example.com "" map[n:1] subscribed=true`))
	})

	It("adopts an existing list without reading its members when it declares none, and leaves it on deletion", func() {
		w := newWorld()
		members := map[string]mailguntest.Member{}
		for i := range 250 {
			a := fmt.Sprintf("signup%03d@example.com", i)
			members[a] = mailguntest.Member{Address: a, Subscribed: true}
		}
		w.mg.PutList(mailguntest.MailingList{Address: "news@mg.example.com", Name: "News", Members: members})
		l := newList(w, "news", "news@mg.example.com")
		l.Spec.Name = ptr("Newsletter")
		Expect(k8s.Create(ctx, l)).To(Succeed())
		eventuallyReady(l)
		Expect(l.Status.Management).To(Equal(v1alpha1.ManagementAdopted))
		Expect(l.Status.MembersCount).To(Equal(int32(250)))
		Expect(w.mg.Lists()["news@mg.example.com"].Name).To(Equal("Newsletter"))
		Expect(w.mg.Calls(mailguntest.OpListMembers)).To(BeZero())

		Expect(k8s.Delete(ctx, l)).To(Succeed())
		eventuallyGone(l)
		Expect(w.mg.Lists()["news@mg.example.com"].Members).To(HaveLen(250))
	})

	It("reads members page by page when it declares some", func() {
		w := newWorld()
		members := map[string]mailguntest.Member{}
		for i := range 250 {
			a := fmt.Sprintf("m%03d@example.com", i)
			members[a] = mailguntest.Member{Address: a, Subscribed: true}
		}
		w.mg.PutList(mailguntest.MailingList{Address: "big@mg.example.com", Members: members})
		l := newList(w, "big", "big@mg.example.com", v1alpha1.ListMember{Address: "m249@example.com"})
		l.Spec.PruneMembers = true
		Expect(k8s.Create(ctx, l)).To(Succeed())
		eventuallyReady(l)
		// 250 members in pages of 100, then an empty one, then the prune.
		Expect(w.mg.Calls(mailguntest.OpListMembers)).To(BeNumerically(">=", 3))
		Eventually(func() int { return len(w.mg.Lists()["big@mg.example.com"].Members) }).Should(Equal(1))
	})

	It("stops, saying why, when declared members meet a list bigger than it reads", func() {
		w := newWorld()
		members := map[string]mailguntest.Member{}
		for i := range maxMemberReads + 1 {
			a := fmt.Sprintf("u%05d@example.com", i)
			members[a] = mailguntest.Member{Address: a, Subscribed: true}
		}
		w.mg.PutList(mailguntest.MailingList{Address: "users@mg.example.com", Members: members})
		l := newList(w, "users", "users@mg.example.com", v1alpha1.ListMember{Address: "ann@example.com"})
		Expect(k8s.Create(ctx, l)).To(Succeed())
		Eventually(stalledReason(l)).Should(Equal("True/" + ReasonInvalidSpec))
		Expect(readyMessage(l)).To(ContainSubstring("declare no members (and no pruneMembers) for a list managed elsewhere"))
		Expect(w.mg.Calls(mailguntest.OpAddMembers)).To(BeZero())
	})

	It("deletes a list it made, and keeps one with deletionPolicy: Orphan", func() {
		w := newWorld()
		gone := newList(w, "gone", "gone@mg.example.com")
		kept := newList(w, "kept", "kept@mg.example.com")
		kept.Spec.DeletionPolicy = v1alpha1.DeletionOrphan
		createThenDelete(gone, kept)
		Expect(w.mg.Lists()).To(HaveLen(1))
		Expect(w.mg.Lists()).To(HaveKey("kept@mg.example.com"))
	})
})
