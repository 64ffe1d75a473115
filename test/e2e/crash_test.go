package e2e

import (
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mailgun-operator/mailgun-operator/test/harness"
)

var _ = Describe("A manager killed mid-rollout", func() {
	It("leaves no duplicate routes once a new manager takes over", func() {
		const total = 50
		e := newEnv("crash")
		// A slow Mailgun budget (5 requests/s, no burst) stretches the
		// rollout over about 10s, so the kill lands in the middle of it.
		first := e.startManager("manager-1", "--mailgun-requests-per-second=5", "--mailgun-burst=1")

		kubectl("apply", "-n", e.ns, "-f", e.write("account.yaml", e.accountYAML(sampleKey)))
		kubectl("wait", "--for=condition=Ready", "mailgunaccount/default", "-n", e.ns, "--timeout=60s")

		routes, want := routesYAML("user", total)
		By("rolling out 50 Routes")
		kubectl("apply", "-n", e.ns, "-f", e.write("routes.yaml", routes))

		By("killing the manager once about half exist in Mailgun, with a create answered but not heard")
		Eventually(func() int { return len(e.state().Routes) }).
			WithTimeout(90 * time.Second).WithPolling(20 * time.Millisecond).
			Should(BeNumerically(">=", total/2))
		// The worst moment to die is after Mailgun made a route and before
		// its ID reached status. Make it certain: hold the next create at
		// the emulator, freeze the manager while it waits (its connection
		// stays open), let the emulator make the route and answer into the
		// void, then kill the manager.
		Expect(e.emu.InjectFault(ctx(), harness.Fault{Op: "CreateRoute", Delay: "5s", Times: 1})).To(Succeed())
		held := func() int { st := e.state(); return st.Calls["CreateRoute"] - len(st.Routes) }
		Eventually(held).WithTimeout(30 * time.Second).WithPolling(10 * time.Millisecond).Should(BeNumerically(">", 0))
		Expect(first.Signal(syscall.SIGSTOP)).To(Succeed())
		Eventually(held).WithTimeout(30 * time.Second).Should(BeZero())
		Expect(first.Kill()).To(Succeed())

		inMailgun := len(e.state().Routes)
		Expect(inMailgun).To(BeNumerically("<", total), "the rollout ended before the kill; the test proved nothing")
		recorded := lines(kubectl("get", "routes", "-n", e.ns, "-o", `jsonpath={range .items[*]}{.status.id}{"\n"}{end}`))
		pending := lines(kubectl("get", "routes", "-n", e.ns, "-o",
			`jsonpath={range .items[*]}{.status.createPendingSince}{"\n"}{end}`))
		GinkgoWriter.Printf("at the kill: %d routes in Mailgun, %d Routes with status.id, %d with createPendingSince\n",
			inMailgun, len(recorded), len(pending))
		Expect(len(recorded)).To(BeNumerically("<", inMailgun), "no route was made in Mailgun without its ID in status")

		By("starting a new manager")
		e.startManager("manager-2")
		kubectl("wait", "--for=condition=Ready", "route", "--all", "-n", e.ns, "--timeout=180s")

		By("finding each route exactly once in Mailgun")
		st := e.state()
		Expect(st.Routes).To(HaveLen(total))
		descriptions, expressions, ids := map[string]bool{}, map[string]bool{}, map[string]bool{}
		for _, r := range st.Routes {
			descriptions[r.Description] = true
			expressions[r.Expression] = true
			ids[r.ID] = true
		}
		Expect(descriptions).To(HaveLen(total))
		Expect(expressions).To(Equal(want))

		By("recording each route's Mailgun ID in its status")
		statusIDs := lines(kubectl("get", "routes", "-n", e.ns, "-o", `jsonpath={range .items[*]}{.status.id}{"\n"}{end}`))
		Expect(statusIDs).To(HaveLen(total))
		for _, id := range statusIDs {
			Expect(ids).To(HaveKey(id))
		}
		Expect(setOf(statusIDs)).To(HaveLen(total), "two Routes claim the same Mailgun route")
	})
})

func setOf(xs []string) map[string]bool {
	m := map[string]bool{}
	for _, x := range xs {
		m[x] = true
	}
	return m
}
