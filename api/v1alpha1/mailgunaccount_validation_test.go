package v1alpha1_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
)

var _ = Describe("MailgunAccount admission", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	account := func(spec v1alpha1.MailgunAccountSpec) *v1alpha1.MailgunAccount {
		return &v1alpha1.MailgunAccount{
			ObjectMeta: metav1.ObjectMeta{GenerateName: "acct-", Namespace: ns},
			Spec:       spec,
		}
	}

	It("accepts a minimal account and fills in the defaults", func() {
		a := account(v1alpha1.MailgunAccountSpec{
			APIKeySecretRef: v1alpha1.APIKeySecretReference{Name: "mailgun"},
		})
		Expect(k8s.Create(ctx, a)).To(Succeed())
		Expect(a.Spec.Region).To(Equal(v1alpha1.RegionUS))
		Expect(a.Spec.APIKeySecretRef.Key).To(Equal(v1alpha1.SecretKey(v1alpha1.DefaultAPIKeySecretKey)))
	})

	It("accepts an EU account and an explicit API address", func() {
		Expect(k8s.Create(ctx, account(v1alpha1.MailgunAccountSpec{
			Region:          v1alpha1.RegionEU,
			APIKeySecretRef: v1alpha1.APIKeySecretReference{Name: "mailgun", Key: "key"},
		}))).To(Succeed())
		Expect(k8s.Create(ctx, account(v1alpha1.MailgunAccountSpec{
			APIBaseURL:      "http://127.0.0.1:8025",
			APIKeySecretRef: v1alpha1.APIKeySecretReference{Name: "mailgun"},
		}))).To(Succeed())
	})

	DescribeTable("rejects an invalid account with a message that says what to fix",
		func(reason string, spec v1alpha1.MailgunAccountSpec, message string) {
			err := k8s.Create(ctx, account(spec))
			Expect(err).To(HaveOccurred(), reason)
			Expect(err.Error()).To(ContainSubstring(message), reason)
		},
		Entry("unknown region", "only us and eu exist",
			v1alpha1.MailgunAccountSpec{Region: "ap", APIKeySecretRef: v1alpha1.APIKeySecretReference{Name: "s"}},
			`supported values: "us", "eu"`),
		Entry("missing secret name", "the key must come from somewhere",
			v1alpha1.MailgunAccountSpec{},
			"spec.apiKeySecretRef.name"),
		Entry("bad secret name", "Secret names are DNS subdomains",
			v1alpha1.MailgunAccountSpec{APIKeySecretRef: v1alpha1.APIKeySecretReference{Name: "My_Secret"}},
			"must be a valid Secret name"),
		Entry("bad secret key", "Secret keys have a restricted alphabet",
			v1alpha1.MailgunAccountSpec{APIKeySecretRef: v1alpha1.APIKeySecretReference{Name: "s", Key: "a key"}},
			"must be a valid Secret key"),
		Entry("relative base URL", "the operator needs a full address",
			v1alpha1.MailgunAccountSpec{APIBaseURL: "api.mailgun.net", APIKeySecretRef: v1alpha1.APIKeySecretReference{Name: "s"}},
			"apiBaseURL must be an absolute http or https URL"),
		Entry("other scheme", "only HTTP APIs exist",
			v1alpha1.MailgunAccountSpec{APIBaseURL: "ftp://api.mailgun.net", APIKeySecretRef: v1alpha1.APIKeySecretReference{Name: "s"}},
			"apiBaseURL must be an absolute http or https URL"),
		Entry("base URL with a path", "the operator adds /v3 and /v4 itself",
			v1alpha1.MailgunAccountSpec{APIBaseURL: "https://api.mailgun.net/v3", APIKeySecretRef: v1alpha1.APIKeySecretReference{Name: "s"}},
			"apiBaseURL must not have a path or trailing slash"),
		Entry("base URL with a trailing slash", "a trailing slash would double the slash in every path",
			v1alpha1.MailgunAccountSpec{APIBaseURL: "https://api.mailgun.net/", APIKeySecretRef: v1alpha1.APIKeySecretReference{Name: "s"}},
			"apiBaseURL must not have a path or trailing slash"),
		Entry("base URL with a query", "a query would be lost or corrupt every path",
			v1alpha1.MailgunAccountSpec{APIBaseURL: "https://api.mailgun.net?x=1", APIKeySecretRef: v1alpha1.APIKeySecretReference{Name: "s"}},
			"apiBaseURL must not have a query or fragment"),
		Entry("region eu and a base URL", "the base URL already decides the region",
			v1alpha1.MailgunAccountSpec{Region: v1alpha1.RegionEU, APIBaseURL: "https://api.mailgun.net", APIKeySecretRef: v1alpha1.APIKeySecretReference{Name: "s"}},
			"set either region: eu or apiBaseURL, not both"),
	)
})
