package e2e

import (
	"regexp"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mailgun-operator/mailgun-operator/test/harness"
)

// controllerLine is any log line of one of our controllers: "Starting
// workers", and at --zap-log-level=5 every "Reconciling".
var controllerLine = regexp.MustCompile(`"controller":"(mailgunaccount|mailgundomain|webhook|route)"`)

var _ = Describe("Leader election", func() {
	It("lets only the leader write, and hands over when the leader is killed", func() {
		e := newEnv("leader")
		// Out of a cluster, controller-runtime cannot guess the lease's
		// namespace, so it must be given. A short lease keeps the handover
		// quick: 6s lease, 4s renew deadline, 1s retry.
		args := []string{"--leader-elect", "--leader-election-namespace=" + e.ns, "--zap-log-level=5",
			"--leader-election-lease-duration=6s", "--leader-election-renew-deadline=4s", "--leader-election-retry-period=1s"}
		a := e.startManager("manager-a", args...)
		b := e.startManager("manager-b", args...)

		isLeader := func(p *harness.Process) bool { return strings.Contains(p.Output(), `"Starting workers"`) }
		By("electing one leader")
		var leader, follower *harness.Process
		Eventually(func() int {
			n := 0
			for _, p := range []*harness.Process{a, b} {
				if isLeader(p) {
					n++
					leader = p
				}
			}
			return n
		}).WithTimeout(60 * time.Second).WithPolling(200 * time.Millisecond).Should(Equal(1))
		follower = a
		if leader == a {
			follower = b
		}

		By("reconciling the samples with the leader only")
		kubectl("apply", "-k", e.samples(), "-n", e.ns)
		kubectl("wait", "--for=condition=Ready", sampleKinds, "--all",
			"-n", e.ns, "--timeout=120s")
		Expect(controllerLine.MatchString(leader.Output())).To(BeTrue(), "the leader logged no controller activity")
		Expect(controllerLine.FindString(follower.Output())).To(BeEmpty(), "the follower ran a controller")
		st := e.state()
		Expect(st.Domains).To(HaveLen(1))
		Expect(st.Routes).To(HaveLen(1))
		Expect(st.Calls).To(HaveKeyWithValue("CreateDomain", 1))
		Expect(st.Calls).To(HaveKeyWithValue("CreateRoute", 1))
		Expect(st.Webhooks).To(HaveKeyWithValue("mg.example.com", HaveKeyWithValue("delivered", HaveLen(1))))

		By("killing the leader")
		Expect(leader.Kill()).To(Succeed())
		kubectl("apply", "-n", e.ns, "-f", e.write("route-after.yaml", `apiVersion: mailgun.operator.dev/v1alpha1
kind: Route
metadata:
  name: after-failover
spec:
  priority: 20
  description: made after the leader died
  expression: match_recipient("failover@mg.example.com")
  actions:
  - stop()
`))
		// The lease runs out 6s after the last renewal; the follower
		// retries every second.
		kubectl("wait", "--for=condition=Ready", "route/after-failover", "-n", e.ns, "--timeout=90s")
		Expect(isLeader(follower)).To(BeTrue())

		By("having made every object once")
		st = e.state()
		Expect(st.Domains).To(HaveLen(1))
		Expect(st.Routes).To(HaveLen(2))
		Expect(st.Calls).To(HaveKeyWithValue("CreateDomain", 1))
		Expect(st.Calls).To(HaveKeyWithValue("CreateRoute", 2))
		Expect(st.Webhooks).To(HaveKeyWithValue("mg.example.com", HaveKeyWithValue("delivered", HaveLen(1))))
	})
})
