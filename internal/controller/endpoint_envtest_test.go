package controller

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
	"github.com/mailgun-operator/mailgun-operator/internal/mailgun/mailguntest"
)

var _ = Describe("Allowed Mailgun hosts", func() {
	It("stalls an account on a host the manager may not call, and its objects, without a call", func() {
		w := newWorld()
		// A second emulator, reached as localhost: a host the suite's
		// manager does not allow (it allows 127.0.0.1 only).
		other := mailguntest.NewServer(testKey)
		DeferCleanup(other.Close)
		refused := strings.Replace(other.URL, "127.0.0.1", "localhost", 1)
		Expect(refused).NotTo(Equal(other.URL))
		acct := &v1alpha1.MailgunAccount{
			ObjectMeta: metav1.ObjectMeta{Name: "elsewhere", Namespace: w.ns},
			Spec: v1alpha1.MailgunAccountSpec{APIBaseURL: refused,
				APIKeySecretRef: v1alpha1.APIKeySecretReference{Name: "mailgun-api-key"}},
		}
		Expect(k8s.Create(ctx, acct)).To(Succeed())
		route := newRoute(w, "refused")
		route.Spec.AccountRef.Name = "elsewhere"
		Expect(k8s.Create(ctx, route)).To(Succeed())

		Eventually(stalledReason(acct)).Should(Equal("True/" + ReasonInvalidSpec))
		Expect(meta.FindStatusCondition(conditions(get(acct)), v1alpha1.ConditionStalled).Message).
			To(ContainSubstring(FlagAllowedHosts))
		Expect(acct.Status.APIBaseURL).To(BeEmpty(), "a refused address is not pinned")
		Eventually(stalledReason(route)).Should(Equal("True/" + ReasonInvalidSpec))
		Expect(meta.FindStatusCondition(conditions(get(route)), v1alpha1.ConditionStalled).Message).
			To(ContainSubstring(FlagAllowedHosts))
		// The key was never sent: the emulator saw nothing.
		Consistently(other.TotalCalls).Should(BeZero())

		// Pointing the account at an allowed address heals both.
		get(acct)
		acct.Spec.APIBaseURL = other.URL
		Expect(k8s.Update(ctx, acct)).To(Succeed())
		eventuallyReady(acct)
		eventuallyReady(route)
		Expect(other.Routes()).To(HaveLen(1))
	})

})
