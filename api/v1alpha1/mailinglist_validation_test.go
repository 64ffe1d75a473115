package v1alpha1_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
)

var _ = Describe("MailingList admission", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	list := func(name, address string, members ...v1alpha1.ListMember) *v1alpha1.MailingList {
		return &v1alpha1.MailingList{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
			Spec: v1alpha1.MailingListSpec{Address: address, Members: members}}
	}

	It("leaves a member's subscribed unset (a default would re-subscribe who unsubscribed) and keeps its vars", func() {
		l := list("ok", "devs@mg.example.com", v1alpha1.ListMember{Address: "ann@example.com",
			Vars: &apiextensionsv1.JSON{Raw: []byte(`{"team":"core","n":1}`)}})
		Expect(k8s.Create(ctx, l)).To(Succeed())
		Expect(l.Spec.Members[0].Subscribed).To(BeNil())
		Expect(string(l.Spec.Members[0].Vars.Raw)).To(MatchJSON(`{"team":"core","n":1}`))
	})

	DescribeTable("refuses bad input with a message that says what to fix",
		func(l *v1alpha1.MailingList, message string) {
			l.Namespace = ns
			err := k8s.Create(ctx, l)
			Expect(err).To(HaveOccurred())
			Expect(err.Error()).To(ContainSubstring(message))
		},
		Entry("an address that is no email address", list("bad", "devs"), "address must be a lower-case email address"),
		Entry("an upper-case address", list("upper", "Devs@mg.example.com"), "address must be a lower-case email address"),
		Entry("a member that is no email address", list("member", "devs@mg.example.com", v1alpha1.ListMember{Address: "ann"}),
			"address must be an email address such as ann@example.com"),
		Entry("a member twice", list("twice", "devs@mg.example.com", v1alpha1.ListMember{Address: "a@example.com"},
			v1alpha1.ListMember{Address: "a@example.com"}), "Duplicate value"),
		Entry("an unknown access level", func() *v1alpha1.MailingList {
			l := list("access", "devs@mg.example.com")
			l.Spec.AccessLevel = "public"
			return l
		}(), `supported values: "readonly", "members", "everyone"`),
		Entry("vars that are not an object", list("vars", "devs@mg.example.com", v1alpha1.ListMember{Address: "a@example.com",
			Vars: &apiextensionsv1.JSON{Raw: []byte(`[1,2]`)}}), "spec.members[0].vars"),
	)

	It("keeps the address immutable", func() {
		l := list("imm", "devs@mg.example.com")
		Expect(k8s.Create(ctx, l)).To(Succeed())
		l.Spec.Address = "ops@mg.example.com"
		Expect(k8s.Update(ctx, l)).To(MatchError(ContainSubstring("address is immutable")))
		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(l), l)).To(Succeed())
	})
})
