package controller

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
)

var _ = Describe("MailgunAccount", func() {
	It("becomes Ready when its key works", func() {
		w := newWorld()
		eventuallyReady(&v1alpha1.MailgunAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: w.ns}})
	})

	It("is Stalled SecretNotFound without its Secret, and Ready once it is created", func() {
		w := newWorld()
		acct := &v1alpha1.MailgunAccount{
			ObjectMeta: metav1.ObjectMeta{Name: "other", Namespace: w.ns},
			Spec: v1alpha1.MailgunAccountSpec{APIBaseURL: w.mg.URL,
				APIKeySecretRef: v1alpha1.APIKeySecretReference{Name: "later"}},
		}
		Expect(k8s.Create(ctx, acct)).To(Succeed())
		Eventually(stalledReason(acct)).Should(Equal("True/" + ReasonSecretNotFound))
		Expect(readyReason(acct)()).To(Equal("False/" + ReasonSecretNotFound))

		Expect(k8s.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "later", Namespace: w.ns},
			StringData: map[string]string{"api-key": testKey}})).To(Succeed())
		eventuallyReady(acct)
		Expect(stalledReason(acct)()).To(Equal("/"))
	})

	It("makes the account and its objects Stalled InvalidCredentials on 401, and heals them when the Secret is fixed", func() {
		w := newWorld()
		acct := &v1alpha1.MailgunAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: w.ns}}
		eventuallyReady(acct)
		route := newRoute(w, "rotate")
		Expect(k8s.Create(ctx, route)).To(Succeed())
		eventuallyReady(route)

		// The key is revoked in Mailgun, then the object changes.
		w.mg.SetAPIKey("key-new-abcdef")
		route.Spec.Priority = 7
		Expect(k8s.Update(ctx, route)).To(Succeed())
		Eventually(stalledReason(route)).Should(Equal("True/" + ReasonInvalidCredentials))

		// The account sees it at its next check; a Secret change triggers one.
		secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "mailgun-api-key", Namespace: w.ns}}
		get(secret)
		secret.StringData = map[string]string{"api-key": "key-still-wrong"}
		Expect(k8s.Update(ctx, secret)).To(Succeed())
		Eventually(stalledReason(acct)).Should(Equal("True/" + ReasonInvalidCredentials))

		// Fixing the Secret heals both without a restart.
		get(secret)
		secret.StringData = map[string]string{"api-key": "key-new-abcdef"}
		Expect(k8s.Update(ctx, secret)).To(Succeed())
		eventuallyReady(acct)
		eventuallyReady(route)
		Expect(w.mg.Routes()[0].Priority).To(Equal(7))
	})

	It("is held while objects use it, so that they can still delete themselves after its Secret is gone", func() {
		w := newWorld()
		acct := &v1alpha1.MailgunAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: w.ns}}
		route := newRoute(w, "last")
		Expect(k8s.Create(ctx, route)).To(Succeed())
		eventuallyReady(route)

		// kubectl delete -k removes the Secret and the account first.
		Expect(k8s.Delete(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "mailgun-api-key", Namespace: w.ns}})).To(Succeed())
		Expect(k8s.Delete(ctx, acct)).To(Succeed())
		Eventually(readyReason(acct)).Should(Equal("False/" + ReasonDeleting))

		Expect(k8s.Delete(ctx, route)).To(Succeed())
		eventuallyGone(route)
		Expect(w.mg.Routes()).To(BeEmpty())
		eventuallyGone(acct)
	})

	It("reports an object whose account does not exist", func() {
		w := newWorld()
		route := newRoute(w, "orphan")
		route.Spec.AccountRef.Name = "missing"
		Expect(k8s.Create(ctx, route)).To(Succeed())
		Eventually(stalledReason(route)).Should(Equal("True/" + ReasonAccountNotFound))
		Expect(w.mg.Writes()).To(BeZero())
	})
})
