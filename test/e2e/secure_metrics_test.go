package e2e

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mailgun-operator/mailgun-operator/test/harness"
)

// The secure metrics endpoint against a real API server: the manager runs
// as a ServiceAccount holding only config/rbac's manager-role and
// metrics-auth-role (so the shipped RBAC is proven enough for the
// TokenReview and SubjectAccessReview of internal/metricsauth), and callers
// scrape with ServiceAccount tokens from `kubectl create token`.
var _ = Describe("The secure metrics endpoint", func() {
	It("serves only callers whose token may GET /metrics", func() {
		e := newEnv("secure-metrics")
		for _, sa := range []string{"manager", "prometheus", "nobody"} {
			kubectl("create", "serviceaccount", sa, "-n", e.ns)
		}
		// config/rbac's cluster roles under names of this test, bound to
		// its ServiceAccounts (cluster-scoped, so removed at the end).
		roles := map[string]string{}
		for _, f := range []string{"role.yaml", "metrics_auth_role.yaml", "metrics_reader_role.yaml"} {
			b, err := os.ReadFile(filepath.Join(root, "config", "rbac", f))
			Expect(err).NotTo(HaveOccurred())
			y := string(b)
			name := yamlName(y)
			roles[name] = e.ns + "-" + name
			kubectl("apply", "-f", e.write(f, strings.Replace(y, "name: "+name+"\n", "name: "+roles[name]+"\n", 1)))
			DeferCleanup(tryKubectl, "delete", "clusterrole", roles[name], "--ignore-not-found")
		}
		bind := func(role, sa string) {
			name := e.ns + "-" + sa + "-" + role
			kubectl("create", "clusterrolebinding", name, "--clusterrole="+roles[role], "--serviceaccount="+e.ns+":"+sa)
			DeferCleanup(tryKubectl, "delete", "clusterrolebinding", name, "--ignore-not-found")
		}
		bind("manager-role", "manager")
		bind("metrics-auth-role", "manager")
		bind("metrics-reader", "prometheus")
		token := func(sa string) string {
			return strings.TrimSpace(kubectl("create", "token", sa, "-n", e.ns, "--duration=1h"))
		}

		port, err := harness.FreePort()
		Expect(err).NotTo(HaveOccurred())
		kubeconfig, err := cp.TokenKubeconfig(e.dir, token("manager"))
		Expect(err).NotTo(HaveOccurred())
		args := append([]string{"--health-probe-bind-address=0", "--namespaces=" + e.ns,
			fmt.Sprintf("--metrics-bind-address=127.0.0.1:%d", port), "--metrics-secure"}, harness.EmulatorFlags...)
		// harness.StartManager runs as the administrator; the last
		// KUBECONFIG in the environment wins.
		p, err := harness.Start("manager", managerBin, args, []string{"KUBECONFIG=" + kubeconfig}, nil)
		Expect(err).NotTo(HaveOccurred())
		dumpOnFailure(p)
		DeferCleanup(func() { Expect(p.Stop(15 * time.Second)).To(Succeed()) })
		wait, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		Expect(p.WaitForOutput(wait, "starting manager")).To(Succeed())

		kubectl("apply", "-n", e.ns, "-f", e.write("account.yaml", e.accountYAML(sampleKey)))
		kubectl("wait", "--for=condition=Ready", "mailgunaccount/default", "-n", e.ns, "--timeout=120s")

		// The certificate is controller-runtime's self-signed one.
		client := &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{
			TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec // a test against a self-signed certificate
		url := fmt.Sprintf("https://127.0.0.1:%d/metrics", port)
		scrape := func(g Gomega, auth string) (int, string) {
			req, err := http.NewRequest(http.MethodGet, url, nil)
			g.Expect(err).NotTo(HaveOccurred())
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			resp, err := client.Do(req)
			g.Expect(err).NotTo(HaveOccurred())
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			g.Expect(err).NotTo(HaveOccurred())
			return resp.StatusCode, string(b)
		}
		expect := func(auth string, code int, body string) {
			GinkgoHelper()
			// Eventually: the server may still be starting, and the
			// manager's cache may see the account Ready a moment after
			// kubectl did.
			Eventually(func(g Gomega) {
				got, b := scrape(g, auth)
				g.Expect(got).To(Equal(code), "body: %s", b)
				g.Expect(b).To(ContainSubstring(body))
			}).WithTimeout(60 * time.Second).WithPolling(time.Second).Should(Succeed())
		}

		By("answering 401 without a token, or with one the API server does not know")
		expect("", http.StatusUnauthorized, "Unauthorized")
		expect("Bearer not-a-token", http.StatusUnauthorized, "Unauthorized")

		By("answering 403 to a ServiceAccount without the metrics-reader role")
		expect("Bearer "+token("nobody"), http.StatusForbidden,
			"Authorization denied for user system:serviceaccount:"+e.ns+":nobody")

		By("serving the metrics to a ServiceAccount bound to metrics-reader")
		expect("Bearer "+token("prometheus"), http.StatusOK,
			conditionSeries("MailgunAccount", e.ns, "default", "Ready", "True", "Succeeded"))
	})
})

// yamlName is the metadata.name of a one-object manifest.
func yamlName(y string) string {
	GinkgoHelper()
	for _, l := range strings.Split(y, "\n") {
		if v, ok := strings.CutPrefix(l, "  name: "); ok {
			return strings.TrimSpace(v)
		}
	}
	Fail("no metadata.name in\n" + y)
	return ""
}
