package controller

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
	"github.com/mailgun-operator/mailgun-operator/internal/mailgun/mailguntest"
)

func newDomain(w *world, name, domain string) *v1alpha1.MailgunDomain {
	return &v1alpha1.MailgunDomain{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: w.ns},
		Spec:       v1alpha1.MailgunDomainSpec{DomainName: domain, SpamAction: "disabled"},
	}
}

var _ = Describe("MailgunDomain", func() {
	It("creates the sample domain, shows its DNS records and turns DNSVerified True once DNS is valid", func() {
		w := newWorld()
		d := &v1alpha1.MailgunDomain{}
		w.sample("mailgun_v1alpha1_mailgundomain.yaml", d)
		Expect(k8s.Create(ctx, d)).To(Succeed())
		eventuallyReady(d)

		got, ok := w.mg.Domain("mg.example.com")
		Expect(ok).To(BeTrue())
		Expect(got.SpamAction).To(Equal("tag"))
		Expect(got.WebScheme).To(Equal("https"))
		Expect(got.RequireTLS).To(BeTrue())
		Expect(got.DKIMKeySize).To(Equal(2048))
		Expect(got.Tracking.ClickHTMLOnly).To(BeTrue())
		Expect(got.Tracking.Open).To(BeTrue())
		Expect(got.Tracking.Unsubscribe).To(BeFalse())

		Expect(d.Status.State).To(Equal("unverified"))
		Expect(d.Status.SMTPLogin).NotTo(BeEmpty())
		Expect(d.Status.SendingDNSRecords).NotTo(BeEmpty())
		Expect(d.Status.ReceivingDNSRecords).To(HaveLen(2))
		Eventually(func() string { s, r := condition(d, ConditionDNSPublished); return string(s) + "/" + r }).
			Should(Equal("True/" + ReasonPublished))
		dns, _ := condition(d, v1alpha1.ConditionDNSVerified)
		Expect(dns).To(Equal(metav1.ConditionFalse))

		w.mg.SetDNSValid("mg.example.com", true)
		Eventually(func() metav1.ConditionStatus {
			s, _ := condition(d, v1alpha1.ConditionDNSVerified)
			return s
		}).Should(Equal(metav1.ConditionTrue))
		get(d)
		Expect(d.Status.State).To(Equal("active"))
		for _, r := range append(d.Status.SendingDNSRecords, d.Status.ReceivingDNSRecords...) {
			Expect(r.Valid).To(Equal("valid"), r.Name)
		}
	})

	It("holds Ready until DNS is verified when requireVerifiedDNS is set", func() {
		w := newWorld()
		d := newDomain(w, "strict", "strict.example.com")
		d.Spec.RequireVerifiedDNS = true
		Expect(k8s.Create(ctx, d)).To(Succeed())
		Eventually(readyReason(d)).Should(Equal("False/" + ReasonDNSNotVerified))
		w.mg.SetDNSValid("strict.example.com", true)
		eventuallyReady(d)
	})

	It("sends only what changed and corrects drift", func() {
		w := newWorld()
		d := newDomain(w, "change", "change.example.com")
		d.Spec.Tracking = &v1alpha1.Tracking{Open: ptr(false)}
		Expect(k8s.Create(ctx, d)).To(Succeed())
		eventuallyReady(d)

		w.mg.ResetCalls()
		d.Spec.SpamAction = "block"
		Expect(k8s.Update(ctx, d)).To(Succeed())
		Eventually(func() string { dd, _ := w.mg.Domain("change.example.com"); return dd.SpamAction }).Should(Equal("block"))
		eventuallyReady(d)
		Expect(w.mg.Calls(mailguntest.OpUpdateDomain)).To(Equal(1))
		Expect(w.mg.Calls(mailguntest.OpSetOpenTracking)).To(BeZero())
		Expect(w.mg.Calls(mailguntest.OpSetClickTracking)).To(BeZero())
		Expect(w.mg.Calls(mailguntest.OpCreateDomain)).To(BeZero())

		// Someone turns open tracking on in the console.
		dd, _ := w.mg.Domain("change.example.com")
		dd.Tracking.Open = true
		w.mg.PutDomain(dd)
		Eventually(func() bool { dd, _ := w.mg.Domain("change.example.com"); return dd.Tracking.Open }).Should(BeFalse())
	})

	It("rotates the SMTP password when its Secret changes", func() {
		w := newWorld()
		Expect(k8s.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "smtp", Namespace: w.ns},
			StringData: map[string]string{"password": "first-password"}})).To(Succeed())
		d := newDomain(w, "smtp", "smtp.example.com")
		d.Spec.SMTPPasswordSecretRef = &v1alpha1.SMTPPasswordSecretReference{Name: "smtp"}
		Expect(k8s.Create(ctx, d)).To(Succeed())
		eventuallyReady(d)
		dd, _ := w.mg.Domain("smtp.example.com")
		Expect(dd.SMTPPassword).To(Equal("first-password"))

		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "smtp", Namespace: w.ns}}
		get(s)
		s.StringData = map[string]string{"password": "second-password"}
		Expect(k8s.Update(ctx, s)).To(Succeed())
		Eventually(func() string { dd, _ := w.mg.Domain("smtp.example.com"); return dd.SMTPPassword }).
			Should(Equal("second-password"))
	})

	DescribeTable("deletion follows the policy",
		func(reason string, policy v1alpha1.DeletionPolicy, adopt, remains bool) {
			w := newWorld()
			if adopt {
				w.mg.PutDomain(mailguntest.Domain{Name: "del.example.com", SpamAction: "disabled"})
			}
			d := newDomain(w, "del", "del.example.com")
			d.Spec.DeletionPolicy = policy
			Expect(k8s.Create(ctx, d)).To(Succeed())
			eventuallyReady(d)
			want := v1alpha1.ManagementCreated
			if adopt {
				want = v1alpha1.ManagementAdopted
			}
			Expect(d.Status.Management).To(Equal(want))
			Expect(k8s.Delete(ctx, d)).To(Succeed())
			eventuallyGone(d)
			_, ok := w.mg.Domain("del.example.com")
			Expect(ok).To(Equal(remains), reason)
		},
		Entry(nil, "created domains are deleted by default", v1alpha1.DeletionPolicy(""), false, false),
		Entry(nil, "Orphan leaves the domain", v1alpha1.DeletionOrphan, false, true),
		Entry(nil, "adopted domains are left by default", v1alpha1.DeletionPolicy(""), true, true),
		Entry(nil, "adopted domains go with Delete", v1alpha1.DeletionDelete, true, false),
	)
})

// syncPeriodsPass waits until the operator has read the domain n more
// times: n drift checks, each a sync period apart for a domain whose DNS is
// verified (an unverified one is also re-verified every DNS check). A
// verified domain's drift check reads the account's domains list (a
// snapshot, one per sync period: snapshot.go) instead of the domain.
func syncPeriodsPass(w *world, n int) {
	reads := func() int { return w.mg.Calls(mailguntest.OpGetDomain) + w.mg.Calls(mailguntest.OpListDomains) }
	start := reads()
	EventuallyWithOffset(1, func() int { return reads() - start },
		time.Duration(n+2)*testOpts.SyncPeriod*2).Should(BeNumerically(">=", n))
}

var _ = Describe("MailgunDomain as the real API behaves (docs/mailgun-api.md)", func() {
	It("sends a settings change in one multipart PUT, rotates the password in one more, then writes nothing", func() {
		w := newWorld()
		Expect(k8s.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "smtp", Namespace: w.ns},
			StringData: map[string]string{"password": "first-password"}})).To(Succeed())
		w.mg.SetDNSValid("settings.example.com", true) // no DNS re-checks: only drift checks
		d := newDomain(w, "settings", "settings.example.com")
		d.Spec.SpamAction, d.Spec.WebScheme, d.Spec.WebPrefix = "tag", "https", "track"
		d.Spec.Wildcard, d.Spec.RequireTLS, d.Spec.SkipVerification = ptr(false), ptr(false), ptr(false)
		d.Spec.UseAutomaticSenderSecurity = ptr(false)
		d.Spec.SMTPPasswordSecretRef = &v1alpha1.SMTPPasswordSecretReference{Name: "smtp"}
		Expect(k8s.Create(ctx, d)).To(Succeed())
		eventuallyReady(d)

		w.mg.ResetCalls()
		get(d)
		d.Spec.SpamAction, d.Spec.WebScheme, d.Spec.WebPrefix = "block", "http", "links"
		d.Spec.Wildcard, d.Spec.RequireTLS, d.Spec.SkipVerification = ptr(true), ptr(true), ptr(true)
		d.Spec.UseAutomaticSenderSecurity = ptr(true)
		Expect(k8s.Update(ctx, d)).To(Succeed())
		eventuallyReady(d)
		got, _ := w.mg.Domain("settings.example.com")
		Expect(got.SpamAction).To(Equal("block"))
		Expect(got.WebScheme).To(Equal("http"))
		Expect(got.WebPrefix).To(Equal("links"))
		Expect([]bool{got.Wildcard, got.RequireTLS, got.SkipVerification, got.UseAutomaticSenderSecurity}).
			To(Equal([]bool{true, true, true, true}))
		Expect(w.mg.Calls(mailguntest.OpUpdateDomain)).To(Equal(1))

		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "smtp", Namespace: w.ns}}
		get(s)
		s.StringData = map[string]string{"password": "second-password"}
		Expect(k8s.Update(ctx, s)).To(Succeed())
		Eventually(func() string { dd, _ := w.mg.Domain("settings.example.com"); return dd.SMTPPassword }).
			Should(Equal("second-password"))
		Eventually(func() string { return get(d).(*v1alpha1.MailgunDomain).Status.SMTPPasswordVersion }).
			Should(Equal(s.ResourceVersion))
		Expect(w.mg.Calls(mailguntest.OpUpdateDomain)).To(Equal(2))

		writes := w.mg.Writes()
		syncPeriodsPass(w, 3)
		Expect(w.mg.Writes()).To(Equal(writes), "writes while in sync")
	})

	DescribeTable("click: htmlOnly is in sync whichever way Mailgun reads it back",
		func(reading mailguntest.ClickReading) {
			w := newWorld()
			w.mg.SetClickReading(reading)
			w.mg.SetDNSValid("click.example.com", true) // no DNS re-checks: only drift checks
			d := newDomain(w, "click", "click.example.com")
			d.Spec.Tracking = &v1alpha1.Tracking{Click: v1alpha1.ClickTrackingHTMLOnly}
			Expect(k8s.Create(ctx, d)).To(Succeed())
			eventuallyReady(d)
			Expect(d.Status.ClickTracking).To(Equal(v1alpha1.ClickTrackingHTMLOnly))

			w.mg.ResetCalls()
			// Three drift checks: each reads tracking (the domains list
			// does not carry it).
			Eventually(func() int { return w.mg.Calls(mailguntest.OpGetTracking) }, 5*testOpts.SyncPeriod*2).
				Should(BeNumerically(">=", 3))
			Expect(w.mg.Writes()).To(BeZero(), "writes while in sync")

			// Turned off in the console: corrected back to html-only.
			dd, _ := w.mg.Domain("click.example.com")
			dd.Tracking.Click, dd.Tracking.ClickHTMLOnly = false, false
			w.mg.PutDomain(dd)
			Eventually(func() bool { dd, _ := w.mg.Domain("click.example.com"); return dd.Tracking.ClickHTMLOnly }).Should(BeTrue())
		},
		Entry("documented: active true", mailguntest.ClickAsBool),
		Entry("other reading: active \"htmlonly\"", mailguntest.ClickAsString),
	)

	It("stalls with reason Forbidden, and Mailgun's message, when Mailgun answers 403", func() {
		w := newWorld()
		w.mg.InjectFault(mailguntest.OpCreateDomain, mailguntest.Fault{Status: 403, Times: 1000,
			Body: `{"message": "You have reached the maximum number of domains for your plan"}`})
		d := newDomain(w, "plan", "plan.example.com")
		Expect(k8s.Create(ctx, d)).To(Succeed())
		Eventually(stalledReason(d)).Should(Equal("True/" + ReasonForbidden))
		c := meta.FindStatusCondition(get(d).(*v1alpha1.MailgunDomain).Status.Conditions, v1alpha1.ConditionReady)
		Expect(c.Message).To(ContainSubstring("maximum number of domains"))
		acct := &v1alpha1.MailgunAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: w.ns}}
		Expect(readyReason(acct)()).To(Equal("True/"+ReasonSucceeded), "a 403 says nothing about the key")
	})

	It("counts a domain made by a create whose answer was lost as created, while Mailgun hides it and says it exists", func() {
		w := newWorld()
		// The POST makes the domain, its answer is lost, and reads show
		// nothing for longer than the create grace: the next POST hears
		// "already exists" for the domain this object made.
		w.mg.InjectFault(mailguntest.OpCreateDomain, mailguntest.Fault{AfterApply: true, DropConnection: true})
		w.mg.SetNotFoundAfterCreate(4 * testOpts.CreateGrace)
		d := newDomain(w, "lost", "lost.example.com")
		Expect(k8s.Create(ctx, d)).To(Succeed())
		Eventually(func() int { return w.mg.Calls(mailguntest.OpCreateDomain) }).Should(BeNumerically(">=", 2),
			"a second POST, which hears that the domain exists")
		Consistently(stalledReason(d), 2*time.Second).ShouldNot(Equal("True/"+ReasonConflict), "the operator's own domain is no conflict")
		eventuallyReady(d)
		Expect(d.Status.Management).To(Equal(v1alpha1.ManagementCreated), "Adopted would leave it in Mailgun on deletion")
		Expect(w.mg.Calls(mailguntest.OpCreateDomain)).To(Equal(2),
			"the POST that made it and the one that heard it exists; none while waiting for Mailgun to show it")

		Expect(k8s.Delete(ctx, d)).To(Succeed())
		eventuallyGone(d)
		_, left := w.mg.Domain("lost.example.com")
		Expect(left).To(BeFalse(), "the domain the operator made was left in Mailgun")
	})

	It("keeps the finalizer until Mailgun has deleted the domain in the background, so a re-create makes a new one", func() {
		w := newWorld()
		w.mg.SetDomainDeleteDelay(8 * time.Second)
		d := newDomain(w, "bg", "bg.example.com")
		Expect(k8s.Create(ctx, d)).To(Succeed())
		eventuallyReady(d)

		Expect(k8s.Delete(ctx, d)).To(Succeed())
		Eventually(readyReason(d)).Should(Equal("False/" + ReasonDeleting))
		_, visible := w.mg.Domain("bg.example.com")
		Expect(visible).To(BeTrue(), "Mailgun still shows the domain it is deleting")
		eventuallyGone(d)
		_, visible = w.mg.Domain("bg.example.com")
		Expect(visible).To(BeFalse(), "the object went before Mailgun had deleted the domain")
		Expect(w.mg.Calls(mailguntest.OpDeleteDomain)).To(Equal(1), "one DELETE, then reads until it is gone")

		w.mg.ResetCalls()
		again := newDomain(w, "bg", "bg.example.com")
		Expect(k8s.Create(ctx, again)).To(Succeed())
		eventuallyReady(again)
		Expect(again.Status.Management).To(Equal(v1alpha1.ManagementCreated))
		Expect(w.mg.Calls(mailguntest.OpCreateDomain)).To(Equal(1))
	})
})
