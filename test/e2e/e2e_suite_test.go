// Package e2e runs the operator as users do: the manager and the Mailgun
// emulator as processes, a real kube-apiserver and etcd, and the real
// kubectl (see test/harness).
//
// One control plane serves the whole suite (starting one costs seconds on a
// loaded machine). Each test gets its own namespace, its own emulator and its
// own manager(s), run with --namespaces=<its namespace>, so no manager sees
// another test's objects and no test sees another's Mailgun state.
package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/mailgun-operator/mailgun-operator/test/harness"
)

var (
	root        string
	cp          *harness.ControlPlane
	managerBin  string
	emulatorBin string
	// sampleKey is the API key in config/samples, which the emulators accept.
	sampleKey string
)

func TestE2E(t *testing.T) {
	RegisterFailHandler(Fail)
	suite, reporter := GinkgoConfiguration()
	if deadline, ok := t.Deadline(); ok {
		// Give up before go test's -timeout kills the binary, so that the
		// cleanups still stop every process the suite started.
		if left := time.Until(deadline) - 30*time.Second; left > 0 && left < suite.Timeout {
			suite.Timeout = left
		}
	}
	RunSpecs(t, "End-to-end suite", suite, reporter)
}

var _ = BeforeSuite(func(ctx SpecContext) {
	// envtest logs through controller-runtime's logger.
	logf.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	// make sets KUBEBUILDER_ASSETS; without it there is no control plane,
	// and skipping would hide that the suite did not run.
	assets, err := harness.Assets()
	Expect(err).NotTo(HaveOccurred())
	root, err = harness.Root()
	Expect(err).NotTo(HaveOccurred())

	b, err := os.ReadFile(filepath.Join(root, "config", "samples", "mailgun_v1alpha1_mailgunaccount.yaml"))
	Expect(err).NotTo(HaveOccurred())
	m := regexp.MustCompile(`(?m)^\s+api-key:\s*(\S+)\s*$`).FindSubmatch(b)
	Expect(m).NotTo(BeNil(), "the account sample has no stringData api-key")
	sampleKey = string(m[1])

	dir, err := os.MkdirTemp("", "mailgun-e2e-bin-")
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(os.RemoveAll, dir)
	managerBin, emulatorBin, err = harness.Build(ctx, root, dir)
	Expect(err).NotTo(HaveOccurred())

	cp, err = harness.StartControlPlane(root, assets)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() { Expect(cp.Stop()).To(Succeed()) })
}, NodeTimeout(5*time.Minute))

// env is one test's namespace and Mailgun emulator.
type env struct {
	ns  string
	dir string
	emu *harness.Emulator
}

// newEnv makes a namespace and starts an emulator that accepts the samples'
// key; both go away with the test.
func newEnv(name string) *env {
	GinkgoHelper()
	e := &env{ns: "e2e-" + name, dir: GinkgoT().TempDir()}
	kubectl("create", "namespace", e.ns)
	DeferCleanup(func() {
		if CurrentSpecReport().Failed() {
			out, _ := tryKubectl("get", "mailgun", "-n", e.ns, "-o", "yaml")
			GinkgoWriter.Printf("===== objects in %s =====\n%s\n", e.ns, out)
		}
	})
	emu, err := harness.StartEmulator(context.Background(), emulatorBin, sampleKey, nil)
	Expect(err).NotTo(HaveOccurred())
	e.emu = emu
	dumpOnFailure(emu.Process)
	DeferCleanup(func() { Expect(emu.Stop(10 * time.Second)).To(Succeed()) })
	return e
}

// startManager runs a manager that watches only the test's namespace.
func (e *env) startManager(name string, args ...string) *harness.Process {
	GinkgoHelper()
	all := append([]string{"--namespaces=" + e.ns}, args...)
	p, err := harness.StartManager(context.Background(), cp, managerBin, name, all, nil)
	Expect(err).NotTo(HaveOccurred())
	dumpOnFailure(p)
	DeferCleanup(func() {
		// A manager the test killed on purpose has exited already.
		Expect(p.Stop(15 * time.Second)).To(Succeed())
	})
	return p
}

// sampleKinds are the kinds of config/samples (one object each), for
// kubectl get and wait.
const sampleKinds = "mailgunaccount,mailgundomain,webhook,route,smtpcredential,template,mailinglist"

// samples copies config/samples, pointed at the test's emulator.
func (e *env) samples() string {
	GinkgoHelper()
	dst := filepath.Join(e.dir, "samples")
	Expect(harness.SamplesTo(root, dst, e.emu.URL)).To(Succeed())
	return dst
}

// state reads the emulator's state; for Eventually, it fails the poll, not
// the test, when the emulator does not answer.
func (e *env) state() harness.State {
	GinkgoHelper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := e.emu.State(ctx)
	Expect(err).NotTo(HaveOccurred())
	return st
}

// ctx is a context for one short call to a test's process.
func ctx() context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	DeferCleanup(cancel)
	return c
}

// write writes a file into the test's folder and returns its path.
func (e *env) write(name, content string) string {
	GinkgoHelper()
	p := filepath.Join(e.dir, name)
	Expect(os.WriteFile(p, []byte(content), 0o644)).To(Succeed())
	return p
}

// kubectl runs kubectl against the control plane and fails the test if it
// fails.
func kubectl(args ...string) string {
	GinkgoHelper()
	out, err := tryKubectl(args...)
	Expect(err).NotTo(HaveOccurred())
	return out
}

func tryKubectl(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	return cp.Kubectl(ctx, args...)
}

// dumpOnFailure prints the end of a process's output when the test fails.
func dumpOnFailure(p *harness.Process) {
	DeferCleanup(func() {
		if !CurrentSpecReport().Failed() {
			return
		}
		out := p.Output()
		const max = 64 << 10
		if len(out) > max {
			out = "[...]\n" + out[len(out)-max:]
		}
		GinkgoWriter.Printf("===== output of %s =====\n%s\n===== end of %s =====\n", p.Name, out, p.Name)
	})
}

// secretYAML is the Secret holding the API key that accountYAML (and the
// samples) read.
func secretYAML(key string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Secret
metadata:
  name: mailgun-api-key
type: Opaque
stringData:
  api-key: %s
`, key)
}

// accountYAML is a MailgunAccount on the test's emulator with its Secret.
func (e *env) accountYAML(key string) string {
	return secretYAML(key) + fmt.Sprintf(`---
apiVersion: mailgun.operator.dev/v1alpha1
kind: MailgunAccount
metadata:
  name: default
spec:
  apiBaseURL: %s
  apiKeySecretRef:
    name: mailgun-api-key
    key: api-key
`, e.emu.URL)
}

// lines returns the non-empty lines of s.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// routesYAML is n Routes named <prefix>-00 to <prefix>-NN on the default
// account, each matching its own recipient <prefix>-NN@mg.example.com, as
// one multi-document YAML, with the set of their expressions.
func routesYAML(prefix string, n int) (string, map[string]bool) {
	var docs []string
	want := map[string]bool{}
	for i := range n {
		expr := fmt.Sprintf(`match_recipient("%s-%02d@mg.example.com")`, prefix, i)
		want[expr] = true
		docs = append(docs, fmt.Sprintf(`apiVersion: mailgun.operator.dev/v1alpha1
kind: Route
metadata:
  name: %s-%02d
spec:
  priority: %d
  description: %s %02d
  expression: '%s'
  actions:
  - stop()
`, prefix, i, i, prefix, i, expr))
	}
	return strings.Join(docs, "---\n"), want
}
