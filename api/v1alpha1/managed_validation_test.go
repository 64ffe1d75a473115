package v1alpha1_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
)

var _ = Describe("Managed kinds admission", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	meta := func(name string) metav1.ObjectMeta { return metav1.ObjectMeta{Name: name, Namespace: ns} }
	webhook := func(urls ...v1alpha1.WebhookURL) *v1alpha1.Webhook {
		return &v1alpha1.Webhook{ObjectMeta: meta("wh"),
			Spec: v1alpha1.WebhookSpec{Domain: "mg.example.com", Event: "delivered", URLs: urls}}
	}
	route := func(expr string, actions ...v1alpha1.RouteAction) *v1alpha1.Route {
		return &v1alpha1.Route{ObjectMeta: meta("rt"), Spec: v1alpha1.RouteSpec{Expression: expr, Actions: actions}}
	}
	long := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = 'a'
		}
		return string(b)
	}

	It("defaults the account reference and leaves the deletion policy to ownership", func() {
		r := route("catch_all()", "stop()")
		Expect(k8s.Create(ctx, r)).To(Succeed())
		Expect(r.Spec.AccountRef.Name).To(Equal("default"))
		Expect(r.Spec.DeletionPolicy).To(BeEmpty())
	})

	DescribeTable("rejects invalid objects with a message that says what to fix",
		func(reason string, obj client.Object, message string) {
			obj.SetNamespace(ns) // entries are built before BeforeEach runs
			err := k8s.Create(ctx, obj)
			Expect(err).To(HaveOccurred(), reason)
			Expect(err.Error()).To(ContainSubstring(message), reason)
		},
		Entry(nil, "Mailgun takes at most 3 URLs per event",
			webhook("https://a.example.com", "https://b.example.com", "https://c.example.com", "https://d.example.com"),
			"must have at most 3 items"),
		Entry(nil, "a webhook needs a URL", webhook(), "spec.urls"),
		Entry(nil, "a URL must be absolute", webhook("hooks.example.com/x"),
			"each of urls must be an absolute http or https URL"),
		Entry(nil, "no other schemes", webhook("ftp://hooks.example.com/x"),
			"each of urls must be an absolute http or https URL"),
		Entry(nil, "no repeated URLs", webhook("https://a.example.com", "https://a.example.com"),
			"urls must not repeat a URL"),
		Entry(nil, "unknown event",
			&v1alpha1.Webhook{ObjectMeta: meta("ev"), Spec: v1alpha1.WebhookSpec{Domain: "mg.example.com", Event: "bounced",
				URLs: []v1alpha1.WebhookURL{"https://a.example.com"}}},
			`supported values: "accepted"`),
		Entry(nil, "an empty expression matches nothing", route("", "stop()"), "spec.expression"),
		Entry(nil, "Mailgun limits expressions to 4 KiB", route(long(4097), "stop()"), "spec.expression"),
		Entry(nil, "Mailgun limits actions to 4 KiB", route("catch_all()", v1alpha1.RouteAction(long(4097))), "spec.actions[0]"),
		Entry(nil, "a route needs an action", route("catch_all()"), "spec.actions"),
		Entry(nil, "negative priority", &v1alpha1.Route{ObjectMeta: meta("neg"),
			Spec: v1alpha1.RouteSpec{Priority: -1, Expression: "catch_all()", Actions: []v1alpha1.RouteAction{"stop()"}}},
			"spec.priority"),
		Entry(nil, "domain names are DNS names", &v1alpha1.MailgunDomain{ObjectMeta: meta("d"),
			Spec: v1alpha1.MailgunDomainSpec{DomainName: "Not A Domain"}},
			"domainName must be a lower-case DNS name"),
		Entry(nil, "unknown spam action", &v1alpha1.MailgunDomain{ObjectMeta: meta("sa"),
			Spec: v1alpha1.MailgunDomainSpec{DomainName: "mg.example.com", SpamAction: "drop"}},
			`supported values: "disabled", "tag", "block"`),
		Entry(nil, "unknown deletion policy", &v1alpha1.Route{ObjectMeta: meta("dp"),
			Spec: v1alpha1.RouteSpec{ManagedSpec: v1alpha1.ManagedSpec{DeletionPolicy: "Keep"},
				Expression: "catch_all()", Actions: []v1alpha1.RouteAction{"stop()"}}},
			`supported values: "Delete", "Orphan"`),
	)

	It("refuses a change of domainName", func() {
		d := &v1alpha1.MailgunDomain{ObjectMeta: meta("imm"), Spec: v1alpha1.MailgunDomainSpec{DomainName: "a.example.com"}}
		Expect(k8s.Create(ctx, d)).To(Succeed())
		d.Spec.DomainName = "b.example.com"
		Expect(k8s.Update(ctx, d)).To(MatchError(ContainSubstring("domainName is immutable")))
	})

	DescribeTable("refuses a change of accountRef, on every kind, saying how to move",
		func(obj client.Object) {
			obj.SetNamespace(ns)
			Expect(k8s.Create(ctx, obj)).To(Succeed())
			obj.(v1alpha1.Managed).GetManagedSpec().AccountRef.Name = "other"
			err := k8s.Update(ctx, obj)
			Expect(err).To(MatchError(ContainSubstring("accountRef is immutable")))
			Expect(err.Error()).To(ContainSubstring("deletionPolicy: Orphan"))
		},
		Entry("Route", &v1alpha1.Route{ObjectMeta: metav1.ObjectMeta{Name: "acct-r"},
			Spec: v1alpha1.RouteSpec{Expression: "catch_all()", Actions: []v1alpha1.RouteAction{"stop()"}}}),
		Entry("MailgunDomain", &v1alpha1.MailgunDomain{ObjectMeta: metav1.ObjectMeta{Name: "acct-d"},
			Spec: v1alpha1.MailgunDomainSpec{DomainName: "a.example.com"}}),
		Entry("Webhook", &v1alpha1.Webhook{ObjectMeta: metav1.ObjectMeta{Name: "acct-w"},
			Spec: v1alpha1.WebhookSpec{Domain: "a.example.com", Event: "opened", URLs: []v1alpha1.WebhookURL{"https://a.example.com"}}}),
	)

	It("refuses a change of a webhook's event", func() {
		w := &v1alpha1.Webhook{ObjectMeta: meta("imm"),
			Spec: v1alpha1.WebhookSpec{Domain: "a.example.com", Event: "opened", URLs: []v1alpha1.WebhookURL{"https://a.example.com"}}}
		Expect(k8s.Create(ctx, w)).To(Succeed())
		w.Spec.Event = "clicked"
		Expect(k8s.Update(ctx, w)).To(MatchError(ContainSubstring("event is immutable")))
	})
})
