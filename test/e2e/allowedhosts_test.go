package e2e

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mailgun-operator/mailgun-operator/test/harness"
)

var _ = Describe("The manager's allowed hosts", func() {
	It("by default refuse the http emulator: the account stalls InvalidSpec naming the flag, and no call is made", func() {
		e := newEnv("allowed-hosts")
		// The defaults, given again after harness.EmulatorFlags (the last
		// flag wins): Mailgun's hosts only, https only.
		e.startManager("manager", "--mailgun-allowed-hosts=api.mailgun.net,api.eu.mailgun.net",
			"--mailgun-allow-insecure-http=false")
		Expect(harness.EmulatorFlags).To(ContainElement("--mailgun-allow-insecure-http"))
		dir := e.samples()
		kubectl("apply", "-k", dir, "-n", e.ns)
		kubectl("wait", `--for=jsonpath={.status.conditions[?(@.type=="Stalled")].reason}=InvalidSpec`,
			"mailgunaccount/default", "-n", e.ns, "--timeout=60s")
		msg := kubectl("get", "mailgunaccount/default", "-n", e.ns,
			"-o", `jsonpath={.status.conditions[?(@.type=="Stalled")].message}`)
		Expect(msg).To(ContainSubstring("--mailgun-allow-insecure-http"))
		kubectl("wait", `--for=jsonpath={.status.conditions[?(@.type=="Stalled")].reason}=InvalidSpec`,
			"route", "--all", "-n", e.ns, "--timeout=60s")
		Consistently(e.totalCalls).WithTimeout(3*time.Second).
			Should(BeZero(), "the emulator was called: the key was sent")

		By("letting go without a call to Mailgun")
		kubectl("delete", "-k", dir, "-n", e.ns, "--timeout=60s")
		Expect(e.totalCalls()).To(BeZero())
	})
})

// totalCalls is the number of calls the emulator answered, of any operation.
func (e *env) totalCalls() int {
	GinkgoHelper()
	n := 0
	for _, c := range e.state().Calls {
		n += c
	}
	return n
}
