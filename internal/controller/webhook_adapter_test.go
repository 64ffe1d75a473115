package controller

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
	"github.com/mailgun-operator/mailgun-operator/internal/mailgun/mailguntest"
)

func newWebhook(w *world, name, event string, urls ...v1alpha1.WebhookURL) *v1alpha1.Webhook {
	return &v1alpha1.Webhook{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: w.ns},
		Spec:       v1alpha1.WebhookSpec{Domain: "mg.example.com", Event: v1alpha1.WebhookEvent(event), URLs: urls},
	}
}

var _ = Describe("Webhook", func() {
	It("creates the sample webhook", func() {
		w := newWorld()
		w.mg.PutDomain(mailguntest.Domain{Name: "mg.example.com"})
		wh := &v1alpha1.Webhook{}
		w.sample("mailgun_v1alpha1_webhook.yaml", wh)
		Expect(k8s.Create(ctx, wh)).To(Succeed())
		eventuallyReady(wh)
		Expect(w.mg.Webhooks("mg.example.com")).To(HaveKeyWithValue("delivered",
			[]string{"https://hooks.example.com/mailgun/delivered"}))
		Expect(wh.Status.Management).To(Equal(v1alpha1.ManagementCreated))
	})

	It("waits with DomainNotFound until the domain exists", func() {
		w := newWorld()
		wh := newWebhook(w, "early", "opened", "https://a.example.com/o")
		Expect(k8s.Create(ctx, wh)).To(Succeed())
		Eventually(readyReason(wh)).Should(Equal("False/" + ReasonDomainNotFound))
		s, _ := condition(wh, v1alpha1.ConditionReconciling)
		Expect(s).To(Equal(metav1.ConditionTrue))
		w.mg.PutDomain(mailguntest.Domain{Name: "mg.example.com"})
		eventuallyReady(wh)
	})

	It("lets only the first of two Webhooks for one event touch Mailgun", func() {
		w := newWorld()
		w.mg.PutDomain(mailguntest.Domain{Name: "mg.example.com"})
		first := newWebhook(w, "first", "clicked", "https://first.example.com/c")
		Expect(k8s.Create(ctx, first)).To(Succeed())
		eventuallyReady(first)

		second := newWebhook(w, "second", "clicked", "https://second.example.com/c")
		Expect(k8s.Create(ctx, second)).To(Succeed())
		Eventually(stalledReason(second)).Should(Equal("True/" + ReasonConflict))
		Consistently(func() []string { return w.mg.Webhooks("mg.example.com")["clicked"] }).
			Should(Equal([]string{"https://first.example.com/c"}))

		// Deleting the second must not remove the first one's URLs.
		second.Spec.DeletionPolicy = v1alpha1.DeletionDelete
		Expect(k8s.Delete(ctx, second)).To(Succeed())
		eventuallyGone(second)
		Expect(w.mg.Webhooks("mg.example.com")["clicked"]).To(Equal([]string{"https://first.example.com/c"}))
	})

	It("hands the event over when the winner is deleted", func() {
		w := newWorld()
		w.mg.PutDomain(mailguntest.Domain{Name: "mg.example.com"})
		first := newWebhook(w, "first", "complained", "https://first.example.com/x")
		Expect(k8s.Create(ctx, first)).To(Succeed())
		eventuallyReady(first)
		second := newWebhook(w, "second", "complained", "https://second.example.com/x")
		Expect(k8s.Create(ctx, second)).To(Succeed())
		Eventually(stalledReason(second)).Should(Equal("True/" + ReasonConflict))

		Expect(k8s.Delete(ctx, first)).To(Succeed())
		eventuallyReady(second)
		Expect(w.mg.Webhooks("mg.example.com")["complained"]).To(Equal([]string{"https://second.example.com/x"}))
	})

	It("adopts existing URLs, corrects drift and leaves adopted webhooks on deletion", func() {
		w := newWorld()
		w.mg.PutDomain(mailguntest.Domain{Name: "mg.example.com"})
		w.mg.PutWebhook("mg.example.com", "accepted", []string{"https://old.example.com"})
		wh := newWebhook(w, "adopt", "accepted", "https://new.example.com/1", "https://new.example.com/2")
		Expect(k8s.Create(ctx, wh)).To(Succeed())
		eventuallyReady(wh)
		Expect(wh.Status.Management).To(Equal(v1alpha1.ManagementAdopted))
		Expect(w.mg.Webhooks("mg.example.com")["accepted"]).To(ConsistOf("https://new.example.com/1", "https://new.example.com/2"))

		w.mg.PutWebhook("mg.example.com", "accepted", []string{"https://drift.example.com"})
		Eventually(func() []string { return w.mg.Webhooks("mg.example.com")["accepted"] }).
			Should(ConsistOf("https://new.example.com/1", "https://new.example.com/2"))

		Expect(k8s.Delete(ctx, wh)).To(Succeed())
		eventuallyGone(wh)
		Expect(w.mg.Webhooks("mg.example.com")["accepted"]).To(HaveLen(2))
	})

	It("ends Ready after 5xx answers to its create", func() {
		w := newWorld()
		w.mg.PutDomain(mailguntest.Domain{Name: "mg.example.com"})
		w.mg.InjectFault(mailguntest.OpCreateWebhook, mailguntest.Fault{Status: 500, Times: 2})
		wh := newWebhook(w, "flaky", "unsubscribed", "https://a.example.com/u")
		Expect(k8s.Create(ctx, wh)).To(Succeed())
		eventuallyReady(wh)
		Expect(w.mg.Webhooks("mg.example.com")["unsubscribed"]).To(Equal([]string{"https://a.example.com/u"}))
	})

	It("deletes its URLs with the resource when it created them", func() {
		w := newWorld()
		w.mg.PutDomain(mailguntest.Domain{Name: "mg.example.com"})
		wh := newWebhook(w, "gone", "permanent_fail", "https://a.example.com/p")
		Expect(k8s.Create(ctx, wh)).To(Succeed())
		eventuallyReady(wh)
		Expect(k8s.Delete(ctx, wh)).To(Succeed())
		eventuallyGone(wh)
		Expect(w.mg.Webhooks("mg.example.com")).NotTo(HaveKey("permanent_fail"))
	})
})
