package controller

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

// conditionSeries returns the mailgun_operator_object_condition series of
// one object, gathered from controller-runtime's registry as the metrics
// endpoint does, as "type/status/reason" strings.
func conditionSeries(kind, ns, name string) func() ([]string, error) {
	return func() ([]string, error) {
		families, err := ctrlmetrics.Registry.Gather()
		if err != nil {
			return nil, err
		}
		var out []string
		for _, f := range families {
			if f.GetName() != "mailgun_operator_object_condition" {
				continue
			}
			for _, m := range f.GetMetric() {
				l := map[string]string{}
				for _, p := range m.GetLabel() {
					l[p.GetName()] = p.GetValue()
				}
				if l["kind"] == kind && l["namespace"] == ns && l["name"] == name {
					out = append(out, strings.Join([]string{l["type"], l["status"], l["reason"]}, "/"))
				}
			}
		}
		return out, nil
	}
}

var _ = Describe("The per-object status series", func() {
	It("follows an object from Stalled to Ready to gone", func() {
		w := newWorld()
		route := newRoute(w, "watched")
		route.Spec.AccountRef.Name = "missing"
		Expect(k8s.Create(ctx, route)).To(Succeed())
		Eventually(stalledReason(route)).Should(Equal("True/" + ReasonAccountNotFound))
		Eventually(conditionSeries("Route", w.ns, route.Name)).Should(ConsistOf(
			"Ready/False/"+ReasonAccountNotFound, "Stalled/True/"+ReasonAccountNotFound))

		// A Route's accountRef cannot change; a route of the right account
		// shows the way to Ready, and deleting the stalled one its end.
		ready := newRoute(w, "healthy")
		Expect(k8s.Create(ctx, ready)).To(Succeed())
		eventuallyReady(ready)
		Eventually(conditionSeries("Route", w.ns, ready.Name)).Should(ConsistOf("Ready/True/" + ReasonSucceeded))

		Expect(k8s.Delete(ctx, route)).To(Succeed())
		eventuallyGone(route)
		Eventually(conditionSeries("Route", w.ns, route.Name)).Should(BeEmpty())
		// The other Route's series stay (read again: a drift check may be
		// under way, whose status write the cache sees a moment later).
		Eventually(conditionSeries("Route", w.ns, ready.Name)).Should(ConsistOf("Ready/True/" + ReasonSucceeded))
	})
})
