package e2e

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mailgun-operator/mailgun-operator/test/harness"
)

var _ = Describe("The metrics endpoint", func() {
	It("counts and times Mailgun requests by operation", func() {
		e := newEnv("metrics")
		port, err := harness.FreePort()
		Expect(err).NotTo(HaveOccurred())
		e.startManager("manager", fmt.Sprintf("--metrics-bind-address=127.0.0.1:%d", port), "--metrics-secure=false")
		url := fmt.Sprintf("http://127.0.0.1:%d/metrics", port)

		kubectl("apply", "-k", e.samples(), "-n", e.ns)
		kubectl("wait", "--for=condition=Ready", sampleKinds, "--all",
			"-n", e.ns, "--timeout=120s")

		scrape := func() string {
			resp, err := http.Get(url)
			Expect(err).NotTo(HaveOccurred())
			defer resp.Body.Close()
			Expect(resp.StatusCode).To(Equal(http.StatusOK))
			b, err := io.ReadAll(resp.Body)
			Expect(err).NotTo(HaveOccurred())
			return string(b)
		}
		// Every series exists at zero from the start, so a name alone
		// proves nothing: the counts must match what Mailgun saw. The
		// manager is idle once everything is Ready (the sync period is
		// 10m), but a last call may still be on its way, hence Eventually.
		Eventually(func(g Gomega) {
			body := scrape()
			calls := e.state().Calls
			for _, op := range []string{"ListDomains", "CreateDomain", "GetDomain", "CreateRoute", "CreateWebhook"} {
				g.Expect(calls[op]).To(BeNumerically(">", 0), "the emulator saw no %s", op)
				g.Expect(sumSeries(body, "mailgun_requests_total", op)).To(Equal(float64(calls[op])),
					"mailgun_requests_total{operation=%q} summed over codes", op)
				g.Expect(sumSeries(body, "mailgun_request_duration_seconds_count", op)).To(Equal(float64(calls[op])),
					"mailgun_request_duration_seconds_count{operation=%q}", op)
			}
			g.Expect(body).To(MatchRegexp(`(?m)^mailgun_requests_total\{code="2xx",operation="GetDomain"\} [1-9]`))
			g.Expect(body).To(MatchRegexp(`(?m)^mailgun_request_duration_seconds_bucket\{operation="GetDomain",le="\+Inf"\} [1-9]`))
		}).WithTimeout(30 * time.Second).WithPolling(time.Second).Should(Succeed())

		By("exporting the families test/observability checks the rules and dashboard against")
		Eventually(func(g Gomega) { expectGoldenMetrics(g, scrape()) }).
			WithTimeout(30 * time.Second).WithPolling(time.Second).Should(Succeed())

		By("exporting one Ready series per object, and the kube-state-metrics config resolving on them")
		items := listObjects(e.ns)
		Expect(items).To(HaveLen(len(strings.Split(sampleKinds, ","))))
		expectKSMPathsResolve(Default, items)
		// kubectl saw them Ready; the manager's cache may see its own
		// status writes a moment later.
		Eventually(func(g Gomega) {
			body := scrape()
			for _, o := range items {
				name := o["metadata"].(map[string]any)["name"].(string)
				g.Expect(body).To(ContainSubstring(conditionSeries(o["kind"].(string), e.ns, name, "Ready", "True", "Succeeded")))
			}
		}).WithTimeout(30 * time.Second).WithPolling(time.Second).Should(Succeed())

		By("dropping a deleted object's series at the next scrape")
		kubectl("delete", "route", "--all", "-n", e.ns, "--wait", "--timeout=120s")
		Eventually(func(g Gomega) {
			g.Expect(scrape()).NotTo(MatchRegexp(`mailgun_operator_object_condition\{kind="Route",[^}]*namespace="` + e.ns + `"`))
		}).WithTimeout(30 * time.Second).WithPolling(time.Second).Should(Succeed())
	})
})

// sumSeries adds the values of every series of metric whose operation label
// is op, whatever its other labels.
func sumSeries(body, metric, op string) float64 {
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(metric) + `\{([^}]*)\} (\S+)$`)
	opLabel := regexp.MustCompile(`(^|,)operation="` + regexp.QuoteMeta(op) + `"(,|$)`)
	var sum float64
	for _, m := range re.FindAllStringSubmatch(body, -1) {
		if !opLabel.MatchString(m[1]) {
			continue
		}
		v, err := strconv.ParseFloat(m[2], 64)
		Expect(err).NotTo(HaveOccurred())
		sum += v
	}
	return sum
}
