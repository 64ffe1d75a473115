package controller

import (
	"fmt"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
	"github.com/mailgun-operator/mailgun-operator/internal/mailgun/mailguntest"
)

func newRoute(w *world, name string) *v1alpha1.Route {
	return &v1alpha1.Route{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: w.ns},
		Spec: v1alpha1.RouteSpec{Priority: 1, Expression: `match_recipient("` + name + `@mg.example.com")`,
			Actions: []v1alpha1.RouteAction{`forward("https://example.com/in")`, "stop()"}},
	}
}

var _ = Describe("Route", func() {
	It("creates the sample route and records its id", func() {
		w := newWorld()
		r := &v1alpha1.Route{}
		w.sample("mailgun_v1alpha1_route.yaml", r)
		Expect(k8s.Create(ctx, r)).To(Succeed())
		eventuallyReady(r)

		routes := w.mg.Routes()
		Expect(routes).To(HaveLen(1))
		Expect(r.Status.ID).To(Equal(routes[0].ID))
		Expect(r.Status.Management).To(Equal(v1alpha1.ManagementCreated))
		Expect(routes[0].Priority).To(Equal(10))
		Expect(routes[0].Expression).To(Equal(r.Spec.Expression))
		Expect(routes[0].Actions).To(Equal([]string{`forward("https://helpdesk.example.com/inbound")`, "stop()"}))
		Expect(routes[0].Description).To(Equal(r.Spec.Description + " [mailgun-operator:" + string(r.UID) + "]"))
	})

	It("makes exactly one route when the status write after the create fails", func() {
		w := newWorld()
		r := newRoute(w, "crash")
		failAfter.failOnce(func(o client.Object) bool {
			rt, ok := o.(*v1alpha1.Route)
			return ok && rt.Namespace == w.ns && rt.Status.ID != ""
		})
		Expect(k8s.Create(ctx, r)).To(Succeed())
		eventuallyReady(r)
		Expect(w.mg.Calls(mailguntest.OpCreateRoute)).To(Equal(1))
		Expect(w.mg.Routes()).To(HaveLen(1))
		Expect(r.Status.ID).To(Equal(w.mg.Routes()[0].ID))
		Expect(r.Status.Management).To(Equal(v1alpha1.ManagementCreated))
	})

	It("does not create again while a new route is not yet visible", func() {
		w := newWorld()
		w.mg.SetNotFoundAfterCreate(2 * time.Second)
		r := newRoute(w, "eventual")
		Expect(k8s.Create(ctx, r)).To(Succeed())
		eventuallyReady(r)
		// Ready right after the create; the drift check a sync period later
		// must see it, not make another.
		Consistently(func() int { return len(w.mg.Routes()) }, 6*time.Second).Should(Equal(1))
		Expect(w.mg.Calls(mailguntest.OpCreateRoute)).To(Equal(1))
	})

	It("corrects drift and sends a spec change", func() {
		w := newWorld()
		r := newRoute(w, "drift")
		Expect(k8s.Create(ctx, r)).To(Succeed())
		eventuallyReady(r)

		rt := w.mg.Routes()[0]
		rt.Priority = 99
		rt.Actions = []string{"stop()"}
		w.mg.PutRoute(rt)
		Eventually(func() int { return w.mg.Routes()[0].Priority }).Should(Equal(1))
		Expect(w.mg.Routes()[0].Actions).To(HaveLen(2))

		get(r)
		r.Spec.Expression = `match_recipient("new@mg.example.com")`
		Expect(k8s.Update(ctx, r)).To(Succeed())
		Eventually(func() string { return w.mg.Routes()[0].Expression }).Should(Equal(r.Spec.Expression))
		eventuallyReady(r)
		Expect(w.mg.Routes()).To(HaveLen(1))
	})

	It("recreates a route deleted behind its back", func() {
		w := newWorld()
		r := newRoute(w, "recreate")
		Expect(k8s.Create(ctx, r)).To(Succeed())
		eventuallyReady(r)
		old := r.Status.ID
		w.mg.DeleteRouteState(old)
		Eventually(func() []mailguntest.Route { return w.mg.Routes() }).Should(HaveLen(1))
		Eventually(func() string { return get(r).(*v1alpha1.Route).Status.ID }).ShouldNot(Equal(old))
	})

	DescribeTable("deletion follows the policy",
		func(reason string, policy v1alpha1.DeletionPolicy, adopt bool, remains int) {
			w := newWorld()
			r := newRoute(w, "del")
			r.Spec.DeletionPolicy = policy
			if adopt {
				r.Spec.RouteID = w.mg.PutRoute(mailguntest.Route{Priority: 1, Expression: r.Spec.Expression,
					Actions: []string{"stop()"}})
			}
			Expect(k8s.Create(ctx, r)).To(Succeed())
			eventuallyReady(r)
			Expect(k8s.Delete(ctx, r)).To(Succeed())
			eventuallyGone(r)
			Expect(w.mg.Routes()).To(HaveLen(remains), reason)
		},
		Entry(nil, "created objects are deleted by default", v1alpha1.DeletionPolicy(""), false, 0),
		Entry(nil, "Delete removes what it created", v1alpha1.DeletionDelete, false, 0),
		Entry(nil, "Orphan leaves it in Mailgun", v1alpha1.DeletionOrphan, false, 1),
		Entry(nil, "adopted objects are left by default", v1alpha1.DeletionPolicy(""), true, 1),
		Entry(nil, "an adopted object goes only when the user says Delete", v1alpha1.DeletionDelete, true, 0),
	)

	It("waits out a 429 until its reset without a hot loop", func() {
		w := newWorld()
		reset := time.Now().Add(3 * time.Second)
		w.mg.InjectFault(mailguntest.OpCreateRoute, mailguntest.Fault{Status: 429, RateLimitReset: reset})
		r := newRoute(w, "limited")
		Expect(k8s.Create(ctx, r)).To(Succeed())
		Eventually(readyReason(r)).Should(Equal("False/" + ReasonRateLimited))
		s, _ := condition(r, v1alpha1.ConditionReconciling)
		Expect(s).To(Equal(metav1.ConditionTrue))
		// Until the reset, nothing more is sent.
		Consistently(func() int { return w.mg.Calls(mailguntest.OpCreateRoute) }, time.Until(reset)-500*time.Millisecond).
			Should(Equal(1))
		eventuallyReady(r)
		Expect(w.mg.Calls(mailguntest.OpCreateRoute)).To(Equal(2))
		Expect(w.mg.Routes()).To(HaveLen(1))
	})

	It("ends Ready with one route after 5xx answers", func() {
		w := newWorld()
		w.mg.InjectFault(mailguntest.OpCreateRoute, mailguntest.Fault{Status: 503, Times: 2})
		w.mg.InjectFault(mailguntest.OpGetRoute, mailguntest.Fault{Status: 502, Times: 2})
		r := newRoute(w, "flaky")
		Expect(k8s.Create(ctx, r)).To(Succeed())
		eventuallyReady(r)
		Expect(w.mg.Routes()).To(HaveLen(1))
	})

	It("rolls out many routes with exactly one each", func() {
		w := newWorld()
		const n = 20
		for i := range n {
			Expect(k8s.Create(ctx, newRoute(w, fmt.Sprintf("bulk-%d", i)))).To(Succeed())
		}
		Eventually(func() int { return len(w.mg.Routes()) }).Should(Equal(n))
		for i := range n {
			eventuallyReady(&v1alpha1.Route{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("bulk-%d", i), Namespace: w.ns}})
		}
		seen := map[string]bool{}
		for _, rt := range w.mg.Routes() {
			Expect(seen[rt.Expression]).To(BeFalse(), "duplicate route for "+rt.Expression)
			seen[rt.Expression] = true
			Expect(strings.Contains(rt.Description, "[mailgun-operator:")).To(BeTrue())
		}
	})
})
