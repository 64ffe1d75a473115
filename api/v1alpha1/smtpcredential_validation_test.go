package v1alpha1_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
)

var _ = Describe("SMTPCredential admission", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	cred := func(name, domain, login string) *v1alpha1.SMTPCredential {
		return &v1alpha1.SMTPCredential{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
			Spec: v1alpha1.SMTPCredentialSpec{Domain: domain, Login: login,
				PasswordSecretRef: v1alpha1.PasswordSecretReference{Name: "smtp"}}}
	}

	It("defaults the Secret key and the account", func() {
		c := cred("ok", "mg.example.com", "alice")
		Expect(k8s.Create(ctx, c)).To(Succeed())
		Expect(string(c.Spec.PasswordSecretRef.Key)).To(Equal("password"))
		Expect(c.Spec.AccountRef.Name).To(Equal("default"))
		Expect(c.Spec.FullLogin()).To(Equal("alice@mg.example.com"))
	})

	DescribeTable("refuses bad input with a message that says what to fix",
		func(c *v1alpha1.SMTPCredential, message string) {
			c.Namespace = ns
			err := k8s.Create(ctx, c)
			Expect(err).To(HaveOccurred())
			Expect(err.Error()).To(ContainSubstring(message))
		},
		Entry("a login of another domain", cred("other", "mg.example.com", "alice@other.example.com"),
			"login must be a local part (alice) or an address of spec.domain"),
		Entry("a login with a space", cred("space", "mg.example.com", "al ice"), "without spaces or '/'"),
		Entry("a login with a slash", cred("slash", "mg.example.com", "a/b"), "without spaces or '/'"),
		Entry("two @", cred("two", "mg.example.com", "a@b@mg.example.com"), "login must be"),
		Entry("an upper-case login", cred("upper", "mg.example.com", "Alice"), "login must be lower-case"),
		Entry("an upper-case domain", cred("upperdomain", "MG.example.com", "alice"), "domain must be lower-case"),
		Entry("no Secret name", &v1alpha1.SMTPCredential{ObjectMeta: metav1.ObjectMeta{Name: "nosecret"},
			Spec: v1alpha1.SMTPCredentialSpec{Domain: "mg.example.com", Login: "a"}}, "spec.passwordSecretRef.name"),
	)

	It("keeps the login and the domain immutable", func() {
		c := cred("imm", "mg.example.com", "bob")
		Expect(k8s.Create(ctx, c)).To(Succeed())
		c.Spec.Login = "robert"
		Expect(k8s.Update(ctx, c)).To(MatchError(ContainSubstring("login is immutable")))
		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(c), c)).To(Succeed())
		c.Spec.Domain = "mg2.example.com"
		Expect(k8s.Update(ctx, c)).To(MatchError(ContainSubstring("domain is immutable")))
	})
})
