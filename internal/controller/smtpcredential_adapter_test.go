package controller

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
	"github.com/mailgun-operator/mailgun-operator/internal/mailgun"
	"github.com/mailgun-operator/mailgun-operator/internal/mailgun/mailguntest"
)

const credDomain = "mg.example.com"

func newCredential(w *world, name, login, secret string) *v1alpha1.SMTPCredential {
	return &v1alpha1.SMTPCredential{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: w.ns},
		Spec: v1alpha1.SMTPCredentialSpec{Domain: credDomain, Login: login,
			PasswordSecretRef: v1alpha1.PasswordSecretReference{Name: v1alpha1.SecretName(secret)}}}
}

// logins is the domain's logins and passwords in the emulator.
func logins(w *world) func() map[string]string {
	return func() map[string]string {
		d, _ := w.mg.Domain(credDomain)
		return d.Credentials
	}
}

// setSecret changes a Secret's one value.
func setSecret(w *world, name, key, value string) {
	s := &corev1.Secret{}
	Expect(k8s.Get(ctx, client.ObjectKey{Namespace: w.ns, Name: name}, s)).To(Succeed())
	s.Data = map[string][]byte{key: []byte(value)}
	Expect(k8s.Update(ctx, s)).To(Succeed())
}

func readyMessage(obj client.Object) string {
	c := meta.FindStatusCondition(conditions(get(obj)), v1alpha1.ConditionReady)
	if c == nil {
		return ""
	}
	return c.Message
}

var _ = Describe("SMTPCredential", func() {
	It("creates the sample login, rotates its password with the Secret, and writes nothing while in sync", func() {
		w := newWorld()
		w.mg.PutDomain(mailguntest.Domain{Name: credDomain})
		c := &v1alpha1.SMTPCredential{}
		w.createdSample("mailgun_v1alpha1_smtpcredential.yaml", "SMTPCredential", c)
		Expect(c.Status.Login).To(Equal("alerts@mg.example.com"))
		Expect(c.Status.PasswordVersion).NotTo(BeEmpty())
		Expect(logins(w)()).To(Equal(map[string]string{"alerts@mg.example.com": "change-me-0123456"}))

		// In sync: drift checks read, never write.
		Consistently(func() int {
			return w.mg.Calls(mailguntest.OpUpdateCredential) + w.mg.Calls(mailguntest.OpCreateCredential)
		}).WithTimeout(testOpts.SyncPeriod + 2*time.Second).Should(Equal(1))

		before := c.Status.PasswordVersion
		setSecret(w, "smtp-alerts-password", "password", "rotated-0123456")
		Eventually(logins(w)).Should(Equal(map[string]string{"alerts@mg.example.com": "rotated-0123456"}))
		Eventually(func() string { return get(c).(*v1alpha1.SMTPCredential).Status.PasswordVersion }).ShouldNot(Equal(before))
		Expect(w.mg.Calls(mailguntest.OpUpdateCredential)).To(Equal(1))

		Expect(k8s.Delete(ctx, c)).To(Succeed())
		eventuallyGone(c)
		Expect(logins(w)()).To(BeEmpty())
	})

	It("makes a login deleted behind its back again", func() {
		w := newWorld()
		w.mg.PutDomain(mailguntest.Domain{Name: credDomain})
		w.createSecret("pw", "password", "first-pass-1")
		c := newCredential(w, "drift", "bob", "pw")
		Expect(k8s.Create(ctx, c)).To(Succeed())
		eventuallyReady(c)
		acct, err := mailgun.NewAccount(w.mg.URL, testKey)
		Expect(err).NotTo(HaveOccurred())
		Expect(mgClient.DeleteCredential(ctx, acct, credDomain, "bob@mg.example.com")).To(Succeed())
		Eventually(logins(w)).Should(Equal(map[string]string{"bob@mg.example.com": "first-pass-1"}))
		eventuallyReady(c)
	})

	It("refuses an existing login without adopt, adopts it with adopt: true and leaves it on deletion", func() {
		w := newWorld()
		w.mg.PutCredential(credDomain, "ops@mg.example.com", "console-pass")
		w.createSecret("pw", "password", "from-the-secret")
		c := newCredential(w, "ops", "ops@mg.example.com", "pw")
		Expect(k8s.Create(ctx, c)).To(Succeed())
		Eventually(stalledReason(c)).Should(Equal("True/" + ReasonConflict))
		Expect(readyMessage(c)).To(ContainSubstring("set spec.adopt: true"))
		Consistently(logins(w)).Should(Equal(map[string]string{"ops@mg.example.com": "console-pass"}))

		get(c)
		c.Spec.Adopt = true
		Expect(k8s.Update(ctx, c)).To(Succeed())
		eventuallyReady(c)
		Expect(c.Status.Management).To(Equal(v1alpha1.ManagementAdopted))
		Expect(logins(w)()).To(Equal(map[string]string{"ops@mg.example.com": "from-the-secret"}))

		Expect(k8s.Delete(ctx, c)).To(Succeed())
		eventuallyGone(c)
		Expect(logins(w)()).To(Equal(map[string]string{"ops@mg.example.com": "from-the-secret"}))
	})

	It("deletes an adopted login with deletionPolicy: Delete and keeps a created one with Orphan", func() {
		w := newWorld()
		w.mg.PutCredential(credDomain, "old@mg.example.com", "console-pass")
		w.createSecret("pw", "password", "from-the-secret")
		adopted := newCredential(w, "old", "old", "pw")
		adopted.Spec.Adopt, adopted.Spec.DeletionPolicy = true, v1alpha1.DeletionDelete
		kept := newCredential(w, "kept", "kept", "pw")
		kept.Spec.DeletionPolicy = v1alpha1.DeletionOrphan
		Expect(k8s.Create(ctx, adopted)).To(Succeed())
		Expect(k8s.Create(ctx, kept)).To(Succeed())
		eventuallyReady(adopted)
		eventuallyReady(kept)
		Expect(k8s.Delete(ctx, adopted)).To(Succeed())
		Expect(k8s.Delete(ctx, kept)).To(Succeed())
		eventuallyGone(adopted)
		eventuallyGone(kept)
		Expect(logins(w)()).To(Equal(map[string]string{"kept@mg.example.com": "from-the-secret"}))
	})

	It("stops on a password Mailgun would refuse, and on a missing Secret, saying what to fix", func() {
		w := newWorld()
		w.mg.PutDomain(mailguntest.Domain{Name: credDomain})
		c := newCredential(w, "short", "short", "pw")
		Expect(k8s.Create(ctx, c)).To(Succeed())
		Eventually(stalledReason(c)).Should(Equal("True/" + ReasonSecretNotFound))
		w.createSecret("pw", "password", "abc")
		Eventually(stalledReason(c)).Should(Equal("True/" + ReasonInvalidSpec))
		Expect(readyMessage(c)).To(ContainSubstring("Mailgun takes 5 to 32"))
		Expect(w.mg.Calls(mailguntest.OpCreateCredential)).To(BeZero())
		setSecret(w, "pw", "password", "long-enough")
		eventuallyReady(c)
	})

	It("does not take a refused password for applied (same password, the 400 reading)", func() {
		w := newWorld()
		w.mg.PutCredential(credDomain, "same@mg.example.com", "same-pass")
		w.createSecret("pw", "password", "same-pass")
		c := newCredential(w, "same", "same", "pw")
		c.Spec.Adopt = true
		Expect(k8s.Create(ctx, c)).To(Succeed())
		Eventually(stalledReason(c)).Should(Equal("True/" + ReasonInvalidSpec))
		Expect(readyMessage(c)).To(ContainSubstring("change the password in the Secret"))
		Expect(get(c).(*v1alpha1.SMTPCredential).Status.PasswordVersion).To(BeEmpty())
	})

	It("adopts a login whose password already matches (the 200 reading)", func() {
		w := newWorld()
		w.mg.SetSamePasswordAccepted(true)
		w.mg.PutCredential(credDomain, "same@mg.example.com", "same-pass")
		w.createSecret("pw", "password", "same-pass")
		c := newCredential(w, "same", "same", "pw")
		c.Spec.Adopt = true
		Expect(k8s.Create(ctx, c)).To(Succeed())
		eventuallyReady(c)
		Expect(c.Status.PasswordVersion).NotTo(BeEmpty())
	})

	It("waits with DomainNotFound until the domain exists", func() {
		w := newWorld()
		w.createSecret("pw", "password", "early-pass")
		c := newCredential(w, "early", "early", "pw")
		Expect(k8s.Create(ctx, c)).To(Succeed())
		Eventually(readyReason(c)).Should(Equal("False/" + ReasonDomainNotFound))
		w.mg.PutDomain(mailguntest.Domain{Name: credDomain})
		eventuallyReady(c)
	})

	It("lets only the first of two SMTPCredentials of one login touch Mailgun", func() {
		w := newWorld()
		w.mg.PutDomain(mailguntest.Domain{Name: credDomain})
		w.createSecret("pw1", "password", "first-pass")
		w.createSecret("pw2", "password", "second-pass")
		first := newCredential(w, "first", "twin", "pw1")
		Expect(k8s.Create(ctx, first)).To(Succeed())
		eventuallyReady(first)
		second := newCredential(w, "second", "twin@mg.example.com", "pw2")
		second.Spec.Adopt = true
		Expect(k8s.Create(ctx, second)).To(Succeed())
		Eventually(stalledReason(second)).Should(Equal("True/" + ReasonConflict))
		Consistently(logins(w)).Should(Equal(map[string]string{"twin@mg.example.com": "first-pass"}))
	})
})
