package helm

import (
	"context"
	"encoding/base64"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// The ServiceMonitor CRD the monitored release needs. It is a hand-written
// subset of the Prometheus Operator's: the fields the chart sets, with
// their types, so that a misspelt field fails kubectl's strict field
// validation; not the whole API.
const serviceMonitorCRD = "testdata/servicemonitor-crd.yaml"

// The cert-manager CRDs (Issuer, Certificate) the certified release needs:
// a hand-written subset too.
const certManagerCRDs = "testdata/cert-manager-crds.yaml"

var (
	crdsOnce      sync.Once
	crdsInstalled bool
)

// installCRDs applies the chart's crds/ for real, as `helm install` does
// before the templates (the control plane already has the same CRDs from
// config/crd/bases; a difference would conflict), and the ServiceMonitor
// CRD, and waits until they are served.
func installCRDs(t *testing.T) {
	t.Helper()
	crdsOnce.Do(func() {
		ch := loadChart(t)
		if n := len(ch.CRDObjects()); n != 4 {
			t.Errorf("the chart has %d CRDs, want the operator's 4", n)
		}
		kubectl(t, "apply", "--server-side", "-f", filepath.Join(chartDir, "crds"))
		kubectl(t, "apply", "--server-side", "-f", serviceMonitorCRD)
		kubectl(t, "apply", "--server-side", "-f", certManagerCRDs)
		kubectl(t, "wait", "--for=condition=Established", "--timeout=60s",
			"crd/servicemonitors.monitoring.coreos.com", "crd/issuers.cert-manager.io", "crd/certificates.cert-manager.io", "crd/mailgunaccounts.mailgun.operator.dev",
			"crd/mailgundomains.mailgun.operator.dev", "crd/webhooks.mailgun.operator.dev", "crd/routes.mailgun.operator.dev")
		// Established does not promise that discovery lists the kind yet;
		// kubectl needs it there to map ServiceMonitor to a resource.
		waitDiscovery(t, "monitoring.coreos.com", "servicemonitors")
		waitDiscovery(t, "cert-manager.io", "certificates")
		waitDiscovery(t, "cert-manager.io", "issuers")
		crdsInstalled = true
	})
	if !crdsInstalled {
		t.Fatal("the CRDs could not be installed: see the first test that failed")
	}
}

// waitDiscovery polls the API server's discovery until it lists the
// resource of the group, with kubectl's discovery cache off.
func waitDiscovery(t *testing.T, group, resource string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	cache := t.TempDir()
	for {
		out, err := controlPlane(t).Kubectl(ctx, "api-resources", "--cache-dir", cache, "--api-group", group, "-o", "name")
		if err == nil && slices.Contains(strings.Fields(out), resource+"."+group) {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("discovery does not list %s.%s: %v\n%s", resource, group, err, out)
		case <-tick.C:
		}
	}
}

var dryRunLine = regexp.MustCompile(`(?m)^(\S+) serverside-applied \(server dry run\)$`)

// TestApply applies each release's rendered manifest server-side, as a dry
// run, in a namespace that enforces the restricted Pod Security Standard:
// the API server validates every object against its schema (strictly:
// kubectl rejects unknown fields) and runs admission, without creating
// anything.
func TestApply(t *testing.T) {
	installCRDs(t)
	for _, r := range allReleases {
		t.Run(r.name, func(t *testing.T) {
			restrictedNamespace(t, r.namespace)
			// The manager's Roles go into the watched namespaces, which a
			// dry run needs to exist.
			if ns, ok := r.values["watchNamespaces"].([]any); ok {
				for _, n := range ns {
					ensureNamespace(t, fmt.Sprint(n))
				}
			}
			ren := render(t, r)
			file := writeTemp(t, "manifest.yaml", ren.manifest)
			out := kubectl(t, "apply", "--server-side", "--dry-run=server", "--field-manager=helm", "-f", file)
			if strings.Contains(out, podSecurityWarning) {
				t.Errorf("the Deployment breaks the restricted Pod Security Standard:\n%s", out)
			}
			var applied []string
			for _, m := range dryRunLine.FindAllStringSubmatch(out, -1) {
				applied = append(applied, m[1])
			}
			if len(applied) != len(ren.objects) {
				t.Errorf("kubectl dry-run applied %d objects, the chart rendered %d:\n%s", len(applied), len(ren.objects), out)
			}
			if r.name == monitored.name && !slices.ContainsFunc(applied, func(s string) bool {
				return strings.HasPrefix(s, "servicemonitor.monitoring.coreos.com/")
			}) {
				t.Errorf("the ServiceMonitor was not applied:\n%s", out)
			}
			if r.namespace == certified.namespace {
				for _, kind := range []string{"certificate.cert-manager.io/", "issuer.cert-manager.io/",
					"servicemonitor.monitoring.coreos.com/", "poddisruptionbudget.policy/"} {
					if !slices.ContainsFunc(applied, func(s string) bool { return strings.HasPrefix(s, kind) }) {
						t.Errorf("no %s was applied:\n%s", kind, out)
					}
				}
			}
			t.Logf("kubectl:\n%s", out)
			applyNotes(t, ren.notes)
		})
	}
}

// TestDefaultsMatchKustomize: the default release creates the objects that
// `kubectl kustomize config/default` does, under the same names, but the
// Namespace (helm install --create-namespace) and the CRDs (crds/).
func TestDefaultsMatchKustomize(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := controlPlane(t).Kubectl(ctx, "kustomize", filepath.Join(root, "config", "default"))
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, obj := range decodeAll(t, out) {
		if k := obj["kind"]; k != "Namespace" && k != "CustomResourceDefinition" {
			want = append(want, kindName(obj))
		}
	}
	sort.Strings(want)
	if got := render(t, defaults).names(); !slices.Equal(got, want) {
		t.Errorf("the default release and config/default differ:\nchart:     %v\nkustomize: %v", got, want)
	}
}

// applyNotes follows NOTES.txt: the Secret and the MailgunAccount it tells
// the user to create are accepted by the API server (dry run).
func applyNotes(t *testing.T, notes string) {
	t.Helper()
	secret := regexp.MustCompile(`(?m)^  printf '%s' "\$MAILGUN_API_KEY" \| kubectl -n (\S+) (create secret generic .*)$`).FindStringSubmatch(notes)
	account := regexp.MustCompile(`(?s)<<'YAML'\n(.*?)\n  YAML\n`).FindStringSubmatch(notes)
	if secret == nil || account == nil {
		t.Fatalf("NOTES.txt has no Secret command or no MailgunAccount:\n%s", notes)
	}
	ns := secret[1]
	ensureNamespace(t, ns)
	// The key comes on stdin, as printf gives it: no newline.
	args := append([]string{"--kubeconfig", controlPlane(t).Kubeconfig, "-n", ns}, strings.Fields(secret[2])...)
	cmd := exec.Command(filepath.Join(controlPlane(t).Assets, "kubectl"), append(args, "--dry-run=server", "-o", "jsonpath={.data.api-key}")...)
	cmd.Stdin = strings.NewReader("key-0123")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the Secret command of NOTES.txt: %v: %s", err, out)
	}
	if got, _ := base64.StdEncoding.DecodeString(string(out)); string(got) != "key-0123" {
		t.Errorf("the Secret of NOTES.txt holds %q (%s), want the key given on stdin", got, out)
	}
	var yml strings.Builder
	for _, line := range strings.Split(account[1], "\n") {
		fmt.Fprintln(&yml, strings.TrimPrefix(line, "  "))
	}
	file := writeTemp(t, "account.yaml", yml.String())
	out = []byte(kubectl(t, "apply", "--server-side", "--dry-run=server", "-n", ns, "-f", file))
	if !strings.Contains(string(out), "mailgunaccount.mailgun.operator.dev/default serverside-applied (server dry run)") {
		t.Errorf("the MailgunAccount of NOTES.txt was not applied:\n%s", out)
	}
}

// ensureNamespace creates the namespace unless it exists.
func ensureNamespace(t *testing.T, ns string) {
	t.Helper()
	if _, err := controlPlane(t).Kubectl(context.Background(), "get", "namespace", ns); err != nil {
		kubectl(t, "create", "namespace", ns)
	}
}

// TestNamespacedMatchesKustomize: a release watching the namespace
// "mailgun" creates the objects `kubectl kustomize config/namespaced` does,
// under the same names, with the same manager rules in the Role and the
// ClusterRole (the kustomize overlay watches "mailgun").
func TestNamespacedMatchesKustomize(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := controlPlane(t).Kubectl(ctx, "kustomize", filepath.Join(root, "config", "namespaced"))
	if err != nil {
		t.Fatal(err)
	}
	rel := release{name: "mailgun-operator", namespace: "mailgun-operator-system", values: map[string]any{"watchNamespaces": []any{"mailgun"}}}
	r := render(t, rel)
	var want []string
	for _, obj := range decodeAll(t, out) {
		k := obj["kind"]
		if k == "Namespace" || k == "CustomResourceDefinition" {
			continue
		}
		want = append(want, kindName(obj))
		if k != "Role" && k != "ClusterRole" {
			continue
		}
		var kust, chart rbacv1.ClusterRole // a Role has the same fields
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(obj, &kust); err != nil {
			t.Fatal(err)
		}
		for _, o := range r.objects {
			md, _ := o["metadata"].(map[string]any)
			if o["kind"] == k && md["name"] == kust.Name && fmt.Sprint(md["namespace"]) == fmt.Sprint(obj["metadata"].(map[string]any)["namespace"]) {
				if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o, &chart); err != nil {
					t.Fatal(err)
				}
			}
		}
		if !sameRules(chart.Rules, kust.Rules) {
			t.Errorf("%s %s/%s: the chart's rules %+v, config/namespaced's %+v", k, kust.Namespace, kust.Name, chart.Rules, kust.Rules)
		}
	}
	sort.Strings(want)
	if got := r.names(); !slices.Equal(got, want) {
		t.Errorf("the release watching mailgun and config/namespaced differ:\nchart:     %v\nkustomize: %v", got, want)
	}
}
