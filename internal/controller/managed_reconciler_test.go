package controller

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
	"github.com/mailgun-operator/mailgun-operator/internal/mailgun/mailguntest"
)

// directEngine builds an engine like the manager's, over the uncached
// client, to run one reconcile by hand.
func directEngine[T v1alpha1.Managed](x external[T], newObj func() T) *Engine[T] {
	secrets := Secrets{Cached: k8s, Direct: k8s}
	return &Engine[T]{Client: k8s, Accounts: &Accounts{Cached: k8s, Secrets: secrets, Policy: testPolicy}, External: x, New: newObj,
		Recorder: &events.FakeRecorder{}, SyncPeriod: testOpts.SyncPeriod, CreateGrace: testOpts.CreateGrace}
}

// kstatusOf computes what kstatus (Flux, kubectl wait) reads from obj.
func kstatusOf(obj client.Object) status.Status {
	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(get(obj))
	Expect(err).NotTo(HaveOccurred())
	res, err := status.Compute(&unstructured.Unstructured{Object: u})
	Expect(err).NotTo(HaveOccurred())
	return res.Status
}

var _ = Describe("The engine", func() {
	It("makes no Mailgun writes and no API-server writes on a second reconcile of in-sync objects", func() {
		w := newWorld()
		w.mg.PutDomain(mailguntest.Domain{Name: "mg.example.com"})
		d := newDomain(w, "idem", "idem.example.com")
		d.Spec.Tracking = &v1alpha1.Tracking{Click: v1alpha1.ClickTrackingOn, Open: ptr(true)}
		wh := newWebhook(w, "idem", "delivered", "https://a.example.com/d")
		r := newRoute(w, "idem")
		for _, o := range []client.Object{d, wh, r} {
			Expect(k8s.Create(ctx, o)).To(Succeed())
		}
		for _, o := range []client.Object{d, wh, r} {
			eventuallyReady(o)
		}
		// A verified domain has no DNS checks (PUT verify) pending.
		w.mg.SetDNSValid("idem.example.com", true)
		Eventually(func() string { return get(d).(*v1alpha1.MailgunDomain).Status.State }).Should(Equal("active"))
		writes := w.mg.Writes()
		versions := []string{get(d).GetResourceVersion(), get(wh).GetResourceVersion(), get(r).GetResourceVersion()}

		reconcileOnce(directEngine[*v1alpha1.MailgunDomain](&domainExternal{api: mgClient,
			secrets: Secrets{Cached: k8s, Direct: k8s}, dnsCheckInterval: time.Hour},
			func() *v1alpha1.MailgunDomain { return &v1alpha1.MailgunDomain{} }), d)
		reconcileOnce(directEngine[*v1alpha1.Webhook](&webhookExternal{api: mgClient},
			func() *v1alpha1.Webhook { return &v1alpha1.Webhook{} }), wh)
		reconcileOnce(directEngine[*v1alpha1.Route](&routeExternal{api: mgClient},
			func() *v1alpha1.Route { return &v1alpha1.Route{} }), r)

		Expect(w.mg.Writes()).To(Equal(writes), "Mailgun writes")
		Expect([]string{get(d).GetResourceVersion(), get(wh).GetResourceVersion(), get(r).GetResourceVersion()}).
			To(Equal(versions), "API-server writes")
	})

	It("shows kstatus Current when Ready, InProgress while reconciling and Failed when stalled, never both", func() {
		w := newWorld()
		r := newRoute(w, "kstatus")
		Expect(k8s.Create(ctx, r)).To(Succeed())
		eventuallyReady(r)
		Expect(kstatusOf(r)).To(Equal(status.CurrentStatus))

		w.mg.InjectFault(mailguntest.OpGetRoute, mailguntest.Fault{Status: 429, RateLimitReset: time.Now().Add(5 * time.Second)})
		get(r)
		r.Spec.Priority = 3
		Expect(k8s.Update(ctx, r)).To(Succeed())
		Eventually(func() status.Status { return kstatusOf(r) }).Should(Equal(status.InProgressStatus))
		eventuallyReady(r)

		w.mg.InjectFault(mailguntest.OpUpdateRoute, mailguntest.Fault{Status: 400, Body: `{"message":"Invalid expression"}`})
		get(r)
		r.Spec.Priority = 4
		Expect(k8s.Update(ctx, r)).To(Succeed())
		Eventually(func() status.Status { return kstatusOf(r) }).Should(Equal(status.FailedStatus))
		Expect(readyReason(r)()).To(Equal("False/" + ReasonInvalidSpec))
		conds := get(r).(*v1alpha1.Route).Status.Conditions
		Expect(meta.FindStatusCondition(conds, v1alpha1.ConditionReconciling)).To(BeNil())
		Expect(r.Status.ObservedGeneration).To(Equal(r.Generation))
		for _, c := range conds {
			Expect(c.ObservedGeneration).To(Equal(r.Generation), c.Type)
		}
	})
})

func reconcileOnce[T v1alpha1.Managed](e *Engine[T], obj client.Object) {
	res, err := e.Reconcile(ctx, ctrl.Request{NamespacedName: client.ObjectKeyFromObject(obj)})
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	ExpectWithOffset(1, res.RequeueAfter).To(BeNumerically(">", 0))
}
