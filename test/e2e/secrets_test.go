package e2e

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("The manager's logs", func() {
	It("never show an API key, even at the most verbose level and through a 401", func() {
		e := newEnv("secrets")
		// zap takes any positive integer as a debug level; 10 enables every
		// V(n) the manager and controller-runtime log with.
		mgr := e.startManager("manager", "--zap-log-level=10")
		dir := e.samples()
		b := make([]byte, 12)
		_, _ = rand.Read(b)
		wrongKey := "key-wrong-" + hex.EncodeToString(b)
		secret := func(key string) string { return e.write("secret.yaml", secretYAML(key)) }

		By("applying the samples")
		kubectl("apply", "-k", dir, "-n", e.ns)
		kubectl("wait", "--for=condition=Ready", sampleKinds, "--all",
			"-n", e.ns, "--timeout=120s")

		By("rotating to a key Mailgun refuses")
		kubectl("apply", "-n", e.ns, "-f", secret(wrongKey))
		kubectl("wait", `--for=jsonpath={.status.conditions[?(@.type=="Ready")].reason}=InvalidCredentials`,
			"mailgunaccount/default", "-n", e.ns, "--timeout=60s")
		// A change to the domain now meets the broken account.
		kubectl("annotate", "mailgundomain/mg-example-com", "e2e.mailgun.operator.dev/nudge=1", "-n", e.ns)
		kubectl("wait", `--for=jsonpath={.status.conditions[?(@.type=="Ready")].reason}=InvalidCredentials`,
			"mailgundomain/mg-example-com", "-n", e.ns, "--timeout=60s")

		By("fixing the key")
		kubectl("apply", "-n", e.ns, "-f", secret(sampleKey))
		kubectl("wait", "--for=condition=Ready", sampleKinds, "--all",
			"-n", e.ns, "--timeout=120s")

		By("deleting everything")
		kubectl("delete", "mailgundomain,webhook,route", "--all", "-n", e.ns, "--timeout=120s")
		kubectl("delete", "-k", dir, "-n", e.ns, "--ignore-not-found", "--timeout=60s")
		Eventually(e.state).WithTimeout(30 * time.Second).Should(And(
			HaveField("Domains", BeEmpty()), HaveField("Webhooks", BeEmpty()), HaveField("Routes", BeEmpty())))

		By("reading every line the manager wrote")
		Expect(mgr.Stop(15 * time.Second)).To(Succeed())
		out := mgr.Output()
		// The level took effect: controller-runtime's V(5) lines are there.
		Expect(out).To(ContainSubstring(`"msg":"Reconciling"`))
		for _, key := range []string{sampleKey, wrongKey} {
			forbidden := map[string]string{
				"the key":                 key,
				"the base64 of api:<key>": strings.TrimRight(base64.StdEncoding.EncodeToString([]byte("api:"+key)), "="),
				"the base64 of the key":   strings.TrimRight(base64.StdEncoding.EncodeToString([]byte(key)), "="),
			}
			for what, s := range forbidden {
				for i, line := range strings.Split(out, "\n") {
					Expect(line).NotTo(ContainSubstring(s), "line %d of the manager's output holds %s", i+1, what)
				}
			}
		}
	})
})
