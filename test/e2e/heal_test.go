package e2e

import (
	"fmt"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mailgun-operator/mailgun-operator/test/harness"
)

var _ = Describe("Self-healing", func() {
	It("heals the account and its objects within 2 sync periods after a 25-second 401 incident", func() {
		const syncPeriod = 10 * time.Second
		e := newEnv("heal-401")
		e.startManager("manager", "--sync-period="+syncPeriod.String())
		dir := e.samples()
		kubectl("apply", "-k", dir, "-n", e.ns)
		routes, _ := routesYAML("heal", 3)
		kubectl("apply", "-n", e.ns, "-f", e.write("routes.yaml", routes))
		kubectl("wait", "--for=condition=Ready", sampleKinds, "--all",
			"-n", e.ns, "--timeout=120s")

		By("answering 401 to every call for 25 seconds")
		start := time.Now()
		for op := range e.state().Calls {
			Expect(e.emu.InjectFault(ctx(), harness.Fault{Op: op, Status: 401, Times: 1 << 30})).To(Succeed())
		}
		// Changes meet the incident: every object makes its own call.
		kubectl("annotate", strings.TrimPrefix(sampleKinds, "mailgunaccount,"), "--all", "e2e.mailgun.operator.dev/nudge=1", "-n", e.ns)
		kubectl("wait", "--for=condition=Stalled", "mailgunaccount/default", "route/heal-00", "-n", e.ns, "--timeout=25s")
		Expect(lines(kubectl("get", sampleKinds, "-n", e.ns, "-o",
			`jsonpath={range .items[*]}{.status.conditions[?(@.type=="Ready")].reason}{"\n"}{end}`))).
			To(ContainElement("InvalidCredentials"))
		time.Sleep(time.Until(start.Add(25 * time.Second))) // the incident's length is the scenario, not a wait for a condition
		Expect(e.emu.ClearFaults(ctx())).To(Succeed())
		ended := time.Now()

		By("waiting for everything to be Ready again, without an edit or a restart")
		kubectl("wait", "--for=condition=Ready", sampleKinds, "--all",
			"-n", e.ns, fmt.Sprintf("--timeout=%ds", int((2*syncPeriod-time.Since(ended)).Seconds())))
		GinkgoWriter.Printf("healed %v after the incident ended\n", time.Since(ended).Round(100*time.Millisecond))
	})

	It("completes a deletion of everything, Secret included, across a manager restart, within a minute", func() {
		e := newEnv("heal-prune")
		first := e.startManager("manager-1")
		account := e.write("account.yaml", e.accountYAML(sampleKey))
		yaml, _ := routesYAML("prune", 5)
		routes := e.write("routes.yaml", yaml)
		kubectl("apply", "-n", e.ns, "-f", account, "-f", routes)
		kubectl("wait", "--for=condition=Ready", "mailgunaccount,route", "--all", "-n", e.ns, "--timeout=120s")
		Expect(e.state().Routes).To(HaveLen(5))
		Expect(kubectl("get", "secret/mailgun-api-key", "-n", e.ns, "-o", "jsonpath={.metadata.finalizers}")).
			To(ContainSubstring("mailgun.operator.dev/api-key-in-use"))

		By("stopping the manager, then deleting the Secret, the account and the Routes at once, as a prune does")
		Expect(first.Stop(15 * time.Second)).To(Succeed())
		kubectl("delete", "-n", e.ns, "-f", account, "-f", routes, "--wait=false")
		Expect(kubectl("get", "secret/mailgun-api-key", "-n", e.ns, "-o", "jsonpath={.metadata.deletionTimestamp}")).
			NotTo(BeEmpty(), "the Secret is held for the deletions to come")

		By("starting a new manager, which has nothing of the key in memory")
		e.startManager("manager-2")
		restarted := time.Now()
		Eventually(func(g Gomega) {
			out, err := tryKubectl("get", "routes,mailgunaccounts", "-n", e.ns, "-o", "name")
			g.Expect(err).NotTo(HaveOccurred())
			secret, err := tryKubectl("get", "secret/mailgun-api-key", "-n", e.ns, "--ignore-not-found", "-o", "name")
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(append(lines(out), lines(secret)...)).To(BeEmpty())
		}).WithTimeout(time.Minute - time.Since(restarted)).WithPolling(time.Second).Should(Succeed())
		Expect(e.state().Routes).To(BeEmpty())
		GinkgoWriter.Printf("deletion completed %v after the restart\n", time.Since(restarted).Round(100*time.Millisecond))
	})
})
