// Package helm tests the Helm chart in charts/mailgun-operator with Helm's
// own Go packages: it renders the chart as `helm template` and `helm install`
// do, lints it as `helm lint` does, checks that values.schema.json rejects
// bad values, and applies the rendered manifests with
// `kubectl apply --server-side --dry-run=server` to a real kube-apiserver and
// etcd (test/harness).
//
// It is a module of its own so that Helm and its dependencies stay out of
// the operator's go.mod. Run it from this folder:
//
//	KUBEBUILDER_ASSETS=<repo>/bin/k8s/<version>-<os>-<arch> go test ./...
package helm

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailgun-operator/mailgun-operator/test/harness"
)

var (
	// shared is the control plane of this test binary.
	shared harness.Shared
	// root is the repository root; chartDir the chart under test.
	root     string
	chartDir string

	// The control plane starts on first use, so that the tests that only
)

func TestMain(m *testing.M) {
	var err error
	root, err = harness.Root()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	chartDir = filepath.Join(root, "charts", "mailgun-operator")
	code := shared.Main(m)
	if managerBin != "" {
		_ = os.RemoveAll(filepath.Dir(managerBin))
	}
	os.Exit(code)
}

// controlPlane starts the shared kube-apiserver and etcd, with the
// operator's CRDs from config/crd/bases, or fails the test. Without
// KUBEBUILDER_ASSETS it fails rather than skips: a skip would hide that the
// chart was never applied.
func controlPlane(t *testing.T) *harness.ControlPlane { return shared.Get(t) }

// kubectl runs kubectl against the control plane and fails the test on error.
func kubectl(t *testing.T, args ...string) string { return shared.Kubectl(t, args...) }

// writeTemp writes s to a file in the test's temporary folder.
func writeTemp(t *testing.T, name, s string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// podSecurityWarning is how the API server's PodSecurity admission warns
// about a workload whose pod template breaks the namespace's level.
const podSecurityWarning = "would violate PodSecurity"

// restrictedNamespace creates the namespace for real (a server-side dry
// run of a namespaced object needs its namespace to exist), labelled to
// enforce the restricted Pod Security Standard, and checks that the API
// server's PodSecurity admission does warn there about a pod template that
// breaks it, so that the absence of such a warning later means something.
func restrictedNamespace(t *testing.T, ns string) {
	t.Helper()
	kubectl(t, "create", "namespace", ns)
	kubectl(t, "label", "namespace", ns,
		"pod-security.kubernetes.io/enforce=restricted", "pod-security.kubernetes.io/enforce-version=latest")
	bad := writeTemp(t, "privileged.yaml", harness.PrivilegedCanary(ns))
	out := kubectl(t, "apply", "--server-side", "--dry-run=server", "-n", ns, "-f", bad)
	if !strings.Contains(out, podSecurityWarning) {
		t.Fatalf("the API server gave no PodSecurity warning for a privileged Deployment in %s, so its silence "+
			"about the chart's Deployment would prove nothing:\n%s", ns, out)
	}
}
