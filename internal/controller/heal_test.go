package controller

import (
	"fmt"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
	"github.com/mailgun-operator/mailgun-operator/internal/mailgun/mailguntest"
)

// allOps answers 401 to every operation of mg until ClearFaults.
func failAllWith401(mg *mailguntest.Server) {
	for _, op := range mailguntest.Ops() {
		mg.InjectFault(op, mailguntest.Fault{Status: 401, Times: 1 << 30})
	}
}

// watchPhases polls obj's Ready reason and Stalled status until stop is
// closed, and returns every "Ready/Stalled" pair it saw.
func watchPhases(obj client.Object, stop <-chan struct{}) func() []string {
	var mu sync.Mutex
	var seen []string
	done := make(chan struct{})
	go func() {
		defer GinkgoRecover()
		defer close(done)
		o := obj.DeepCopyObject().(client.Object)
		for {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
			if k8s.Get(ctx, client.ObjectKeyFromObject(o), o) != nil {
				continue
			}
			r := meta.FindStatusCondition(conditions(o), v1alpha1.ConditionReady)
			s := meta.FindStatusCondition(conditions(o), v1alpha1.ConditionStalled)
			p := ""
			if r != nil {
				p = string(r.Status) + "/" + r.Reason
			}
			if s != nil {
				p += " stalled"
			}
			mu.Lock()
			if len(seen) == 0 || seen[len(seen)-1] != p {
				seen = append(seen, p)
			}
			mu.Unlock()
		}
	}()
	return func() []string {
		<-done
		mu.Lock()
		defer mu.Unlock()
		return seen
	}
}

var _ = Describe("Self-healing", func() {
	It("heals an account and its objects after a 401 incident, without an edit or a restart", func() {
		w := newWorld()
		acct := &v1alpha1.MailgunAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: w.ns}}
		r := newRoute(w, "incident")
		Expect(k8s.Create(ctx, r)).To(Succeed())
		eventuallyReady(r)

		failAllWith401(w.mg)
		get(r)
		r.Spec.Priority = 5
		Expect(k8s.Update(ctx, r)).To(Succeed())
		Eventually(stalledReason(r)).Should(Equal("True/" + ReasonInvalidCredentials))
		Eventually(stalledReason(acct)).Should(Equal("True/" + ReasonInvalidCredentials))

		w.mg.ClearFaults()
		eventuallyReady(acct)
		eventuallyReady(r)
		Expect(w.mg.Routes()[0].Priority).To(Equal(5))
	})

	It("does not stall an object on one refused call", func() {
		w := newWorld()
		r := newRoute(w, "blip")
		Expect(k8s.Create(ctx, r)).To(Succeed())
		eventuallyReady(r)

		stop := make(chan struct{})
		phases := watchPhases(r, stop)
		w.mg.InjectFault(mailguntest.OpGetRoute, mailguntest.Fault{Status: 401})
		get(r)
		r.Spec.Priority = 6
		Expect(k8s.Update(ctx, r)).To(Succeed())
		Eventually(func() int { return w.mg.Routes()[0].Priority }).Should(Equal(6))
		eventuallyReady(r)
		close(stop)
		seen := phases()
		Expect(seen).To(ContainElement("False/"+ReasonInvalidCredentials), "the refused call shows")
		for _, p := range seen {
			Expect(p).NotTo(HaveSuffix("stalled"), "phases seen: %v", seen)
		}
	})

	It("re-checks a stalled object and heals it when Mailgun does", func() {
		w := newWorld()
		r := newRoute(w, "rejected")
		Expect(k8s.Create(ctx, r)).To(Succeed())
		eventuallyReady(r)
		// Mailgun rejects the update once, then accepts it: nothing changes
		// in the cluster in between.
		w.mg.InjectFault(mailguntest.OpUpdateRoute, mailguntest.Fault{Status: 400, Times: 1})
		get(r)
		r.Spec.Priority = 8
		Expect(k8s.Update(ctx, r)).To(Succeed())
		Eventually(stalledReason(r)).Should(Equal("True/" + ReasonInvalidSpec))
		eventuallyReady(r)
		Expect(w.mg.Routes()[0].Priority).To(Equal(8))
	})

	It("never holds a worker through a 429 pause: other accounts go on, and the message does not count down", func() {
		a := newWorldWithKey("key-paused-0123456789")
		b := newWorldWithKey("key-free-0123456789")
		a.mg.InjectFault(mailguntest.OpCreateRoute, mailguntest.Fault{RateLimitReset: time.Now().Add(time.Minute), Times: 100})
		// More Routes than workers (4) on the paused account.
		var paused []*v1alpha1.Route
		for i := range 6 {
			r := newRoute(a, fmt.Sprintf("paused-%d", i))
			Expect(k8s.Create(ctx, r)).To(Succeed())
			paused = append(paused, r)
		}
		for _, r := range paused {
			Eventually(readyReason(r)).Should(Equal("False/" + ReasonRateLimited))
		}
		free := newRoute(b, "free")
		Expect(k8s.Create(ctx, free)).To(Succeed())
		eventuallyReady(free)
		// Workers that sent before the first 429 came back each got one;
		// after it, nothing is sent until the reset.
		calls := a.mg.Calls(mailguntest.OpCreateRoute)
		Expect(calls).To(BeNumerically("<=", 4))
		Consistently(func() int { return a.mg.Calls(mailguntest.OpCreateRoute) }).Should(Equal(calls))

		msg := func() string {
			return meta.FindStatusCondition(get(paused[0]).(*v1alpha1.Route).Status.Conditions, v1alpha1.ConditionReady).Message
		}
		first, rv := msg(), paused[0].ResourceVersion
		Expect(first).NotTo(MatchRegexp(`\d+s`))
		Consistently(func() string { return get(paused[0]).GetResourceVersion() }, 3*time.Second).Should(Equal(rv))
	})
})

var _ = Describe("The account's hold on its Secret", func() {
	secretOf := func(w *world) *corev1.Secret {
		return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "mailgun-api-key", Namespace: w.ns}}
	}

	It("keeps the key readable until the objects deleted with it are gone from Mailgun", func() {
		w := newWorld()
		acct := &v1alpha1.MailgunAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: w.ns}}
		r := newRoute(w, "pruned")
		Expect(k8s.Create(ctx, r)).To(Succeed())
		eventuallyReady(r)
		secret := secretOf(w)
		Eventually(func() []string { return get(secret).GetFinalizers() }).Should(ContainElement(SecretFinalizer))
		eventuallyReady(acct)
		Expect(get(acct).(*v1alpha1.MailgunAccount).Status.HeldSecret).To(Equal("mailgun-api-key"))

		// A prune: the Secret, the account and the Route at once.
		Expect(k8s.Delete(ctx, secret)).To(Succeed())
		Expect(k8s.Delete(ctx, acct)).To(Succeed())
		Expect(k8s.Delete(ctx, r)).To(Succeed())
		eventuallyGone(r)
		Expect(w.mg.Routes()).To(BeEmpty())
		eventuallyGone(acct)
		eventuallyGone(secret)
	})

	It("lets a Secret deleted on its own go after the grace, and the account says its key is gone", func() {
		w := newWorld()
		acct := &v1alpha1.MailgunAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: w.ns}}
		r := newRoute(w, "live")
		Expect(k8s.Create(ctx, r)).To(Succeed())
		eventuallyReady(r)
		secret := secretOf(w)
		Eventually(func() []string { return get(secret).GetFinalizers() }).Should(ContainElement(SecretFinalizer))

		Expect(k8s.Delete(ctx, secret)).To(Succeed())
		eventuallyGone(secret)
		Eventually(stalledReason(acct)).Should(Equal("True/" + ReasonSecretNotFound))
	})

	It("releases the Secret it held when the account moves to another one", func() {
		w := newWorld()
		acct := &v1alpha1.MailgunAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: w.ns}}
		eventuallyReady(acct)
		old := secretOf(w)
		Eventually(func() []string { return get(old).GetFinalizers() }).Should(ContainElement(SecretFinalizer))
		Expect(k8s.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "rotated", Namespace: w.ns},
			StringData: map[string]string{"api-key": testKey}})).To(Succeed())
		get(acct)
		acct.Spec.APIKeySecretRef.Name = "rotated"
		Expect(k8s.Update(ctx, acct)).To(Succeed())
		Eventually(func() []string { return get(old).GetFinalizers() }).ShouldNot(ContainElement(SecretFinalizer))
		Eventually(func() []string {
			return get(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "rotated", Namespace: w.ns}}).GetFinalizers()
		}).Should(ContainElement(SecretFinalizer))
	})
})

var _ = Describe("The manager's cache", func() {
	It("keeps no annotations or managedFields of Secrets and no managedFields of anything", func() {
		w := newWorld()
		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "applied", Namespace: w.ns,
			Annotations: map[string]string{"kubectl.kubernetes.io/last-applied-configuration": `{"data":{"api-key":"c2VjcmV0"}}`}},
			StringData: map[string]string{"api-key": "secret"}}
		Expect(k8s.Create(ctx, s)).To(Succeed())
		Expect(get(s).GetManagedFields()).NotTo(BeEmpty(), "the API server keeps managedFields; the test would prove nothing")
		Eventually(func(g Gomega) {
			m := &metav1.PartialObjectMetadata{}
			m.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
			g.Expect(mgrCache.Get(ctx, client.ObjectKeyFromObject(s), m)).To(Succeed())
			g.Expect(m.Annotations).To(BeEmpty())
			g.Expect(m.ManagedFields).To(BeEmpty())
		}).Should(Succeed())

		r := newRoute(w, "cached")
		Expect(k8s.Create(ctx, r)).To(Succeed())
		eventuallyReady(r)
		Expect(get(r).GetManagedFields()).NotTo(BeEmpty())
		cached := &v1alpha1.Route{}
		Expect(mgrCache.Get(ctx, client.ObjectKeyFromObject(r), cached)).To(Succeed())
		Expect(cached.ManagedFields).To(BeEmpty())
	})
})

var _ = Describe("A pinned account", func() {
	It("stalls its objects AccountChanged when pointed elsewhere while they use it, and creates nothing there", func() {
		w := newWorld()
		acct := &v1alpha1.MailgunAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: w.ns}}
		r := newRoute(w, "pinned")
		Expect(k8s.Create(ctx, r)).To(Succeed())
		eventuallyReady(r)
		Expect(get(acct).(*v1alpha1.MailgunAccount).Status.APIBaseURL).To(Equal(w.mg.URL))

		elsewhere := mailguntest.NewServer(testKey)
		DeferCleanup(elsewhere.Close)
		get(acct)
		acct.Spec.APIBaseURL = elsewhere.URL
		Expect(k8s.Update(ctx, acct)).To(Succeed())
		Eventually(stalledReason(acct)).Should(Equal("True/" + ReasonAccountChanged))
		Eventually(stalledReason(r)).Should(Equal("True/" + ReasonAccountChanged))
		Expect(elsewhere.TotalCalls()).To(BeZero())

		// Deletion goes where the route lives.
		Expect(k8s.Delete(ctx, r)).To(Succeed())
		eventuallyGone(r)
		Expect(w.mg.Routes()).To(BeEmpty())
		// With no object left, the account follows its spec.
		eventuallyReady(acct)
		Expect(get(acct).(*v1alpha1.MailgunAccount).Status.APIBaseURL).To(Equal(elsewhere.URL))
	})
})

var _ = Describe("Two resources claiming one Mailgun object", func() {
	It("lets the older Route manage a routeID and never lets the younger delete it", func() {
		w := newWorld()
		id := w.mg.PutRoute(mailguntest.Route{Priority: 1, Expression: `match_recipient("x@mg.example.com")`, Actions: []string{"stop()"}})
		older := newRoute(w, "older")
		older.Spec.RouteID = id
		Expect(k8s.Create(ctx, older)).To(Succeed())
		eventuallyReady(older)
		Expect(get(older).GetAnnotations()).To(HaveKeyWithValue(ExternalNameAnnotation, id))

		younger := newRoute(w, "younger")
		younger.Spec.RouteID = id
		younger.Spec.DeletionPolicy = v1alpha1.DeletionDelete
		Expect(k8s.Create(ctx, younger)).To(Succeed())
		Eventually(stalledReason(younger)).Should(Equal("True/" + ReasonConflict))
		Expect(k8s.Delete(ctx, younger)).To(Succeed())
		eventuallyGone(younger)
		Expect(w.mg.Routes()).To(HaveLen(1))
		eventuallyReady(older)
	})

	It("lets the older MailgunDomain manage a domain", func() {
		w := newWorld()
		first := newDomain(w, "first", "twice.example.com")
		Expect(k8s.Create(ctx, first)).To(Succeed())
		eventuallyReady(first)
		second := newDomain(w, "second", "twice.example.com")
		Expect(k8s.Create(ctx, second)).To(Succeed())
		Eventually(stalledReason(second)).Should(Equal("True/" + ReasonConflict))
		Expect(get(second).(*v1alpha1.MailgunDomain).Status.Management).To(BeEmpty())
	})
})
