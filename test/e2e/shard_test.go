package e2e

import (
	"context"
	"fmt"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mailgun-operator/mailgun-operator/test/harness"
)

// shardYAML is a MailgunAccount on url labeled for shard, with n Routes on
// it carrying the same label (the one rule of sharding: all objects of one
// account in one shard).
func shardYAML(shard, url string, n int) string {
	docs := []string{fmt.Sprintf(`apiVersion: mailgun.operator.dev/v1alpha1
kind: MailgunAccount
metadata:
  name: acct-%s
  labels: {mailgun.operator.dev/shard: %s}
spec:
  apiBaseURL: %s
  apiKeySecretRef: {name: mailgun-api-key, key: api-key}
`, shard, shard, url)}
	for i := range n {
		docs = append(docs, fmt.Sprintf(`apiVersion: mailgun.operator.dev/v1alpha1
kind: Route
metadata:
  name: %s-%d
  labels: {mailgun.operator.dev/shard: %s}
spec:
  accountRef: {name: acct-%s}
  expression: 'match_recipient("%s-%d@mg.example.com")'
  actions: ["stop()"]
`, shard, i, shard, shard, shard, i))
	}
	return strings.Join(docs, "---\n")
}

var _ = Describe("Sharding", func() {
	It("splits the objects between two managers by --watch-label-selector, each with its own lease", func() {
		e := newEnv("shard")
		emuB, err := harness.StartEmulator(context.Background(), emulatorBin, sampleKey, nil)
		Expect(err).NotTo(HaveOccurred())
		dumpOnFailure(emuB.Process)
		DeferCleanup(func() { Expect(emuB.Stop(10 * time.Second)).To(Succeed()) })

		lease := []string{"--leader-elect", "--leader-election-namespace=" + e.ns,
			"--leader-election-lease-duration=6s", "--leader-election-renew-deadline=4s", "--leader-election-retry-period=1s"}
		e.startManager("manager-shard-a", append([]string{"--watch-label-selector=mailgun.operator.dev/shard=a"}, lease...)...)
		e.startManager("manager-shard-b", append([]string{"--watch-label-selector=mailgun.operator.dev/shard=b"}, lease...)...)

		stray := `apiVersion: mailgun.operator.dev/v1alpha1
kind: Route
metadata:
  name: stray
spec:
  accountRef: {name: acct-a}
  expression: 'match_recipient("stray@mg.example.com")'
  actions: ["stop()"]
`
		kubectl("apply", "-n", e.ns, "-f", e.write("all.yaml", secretYAML(sampleKey)+"---\n"+
			shardYAML("a", e.emu.URL, 3)+"---\n"+shardYAML("b", emuB.URL, 3)+"---\n"+stray))

		By("making every labeled object Ready, each in its shard's Mailgun")
		kubectl("wait", "--for=condition=Ready", "mailgunaccount,route", "-l", "mailgun.operator.dev/shard",
			"-n", e.ns, "--timeout=120s")
		for _, s := range []struct {
			shard string
			emu   *harness.Emulator
		}{{"a", e.emu}, {"b", emuB}} {
			st, err := s.emu.State(ctx())
			Expect(err).NotTo(HaveOccurred())
			var exprs []string
			for _, r := range st.Routes {
				exprs = append(exprs, r.Expression)
			}
			Expect(exprs).To(ConsistOf(
				fmt.Sprintf(`match_recipient("%s-0@mg.example.com")`, s.shard),
				fmt.Sprintf(`match_recipient("%s-1@mg.example.com")`, s.shard),
				fmt.Sprintf(`match_recipient("%s-2@mg.example.com")`, s.shard)), "shard %s", s.shard)
			Expect(st.Calls).To(HaveKeyWithValue("CreateRoute", 3), "shard %s", s.shard)
		}

		By("electing one leader per shard, on two leases")
		leases := lines(kubectl("get", "leases", "-n", e.ns, "-o", "name"))
		Expect(leases).To(HaveLen(2))
		Expect(leases[0]).NotTo(Equal(leases[1]))

		By("leaving an object no shard selects alone")
		Consistently(func() string {
			return kubectl("get", "route", "stray", "-n", e.ns, "-o", "jsonpath={.status}{.metadata.finalizers}")
		}).WithTimeout(5 * time.Second).WithPolling(time.Second).Should(BeEmpty())
	})
})
