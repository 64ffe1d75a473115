package helm

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"

	"github.com/mailgun-operator/mailgun-operator/test/harness"
)

// chartRules reads one of the chart's rule files that hack/split-rbac
// writes from config/rbac/role.yaml.
func chartRules(t *testing.T, name string) []rbacv1.PolicyRule {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(chartDir, "files", "rbac", name))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Rules []rbacv1.PolicyRule `json:"rules"`
	}
	if err := yaml.UnmarshalStrict(b, &f); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return f.Rules
}

// grantsNamespaced says whether a rule grants anything on Secrets or the
// operator's custom resources, which in namespace mode only Roles may.
func grantsNamespaced(r rbacv1.PolicyRule) bool {
	for _, g := range r.APIGroups {
		for _, res := range r.Resources {
			if g == "mailgun.operator.dev" || g == "*" || res == "*" || (g == "" && (res == "secrets" || res == "events")) {
				return true
			}
		}
	}
	return false
}

// TestNamespacedRBAC: with watchNamespaces, each watched namespace gets a
// Role with the namespaced rules bound to the manager's ServiceAccount, and
// no ClusterRole bound to it grants anything on Secrets, Events or the
// custom resources; together they hold exactly the rules of
// config/rbac/role.yaml.
func TestNamespacedRBAC(t *testing.T) {
	rel := release{name: "mailgun-operator", namespace: "ops", values: map[string]any{
		"watchNamespaces": []any{"team-a", "team-b"},
	}}
	r := render(t, rel)
	namespaced, cluster := chartRules(t, "namespaced-rules.yaml"), chartRules(t, "cluster-rules.yaml")
	if len(namespaced) == 0 {
		t.Fatal("files/rbac/namespaced-rules.yaml has no rules")
	}
	roles := map[string]bool{}
	bound := map[string]bool{}
	for _, obj := range r.objects {
		md, _ := obj["metadata"].(map[string]any)
		ns, _ := md["namespace"].(string)
		switch obj["kind"] {
		case "Role":
			var role rbacv1.Role
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(obj, &role); err != nil {
				t.Fatal(err)
			}
			if role.Name != "mailgun-operator-manager-role" {
				continue
			}
			roles[ns] = true
			if !sameRules(role.Rules, namespaced) {
				t.Errorf("the Role in %s has other rules than files/rbac/namespaced-rules.yaml:\n%+v", ns, role.Rules)
			}
		case "RoleBinding":
			var rb rbacv1.RoleBinding
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(obj, &rb); err != nil {
				t.Fatal(err)
			}
			if rb.Name != "mailgun-operator-manager-rolebinding" {
				continue
			}
			bound[ns] = true
			assertSubjectIsManager(t, rb.Name, rb.Subjects, rel.namespace)
			if rb.RoleRef.Kind != "Role" || rb.RoleRef.Name != "mailgun-operator-manager-role" {
				t.Errorf("the RoleBinding in %s binds %+v", ns, rb.RoleRef)
			}
		case "ClusterRole":
			var cr rbacv1.ClusterRole
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(obj, &cr); err != nil {
				t.Fatal(err)
			}
			for _, rule := range cr.Rules {
				if grantsNamespaced(rule) && !strings.HasSuffix(cr.Name, "-editor-role") && !strings.HasSuffix(cr.Name, "-viewer-role") {
					t.Errorf("ClusterRole %s grants %+v cluster-wide in namespace mode", cr.Name, rule)
				}
			}
			if cr.Name == "mailgun-operator-manager-role" && !sameRules(cr.Rules, cluster) {
				t.Errorf("the manager's ClusterRole has %+v, want only files/rbac/cluster-rules.yaml: %+v", cr.Rules, cluster)
			}
		}
	}
	for _, ns := range []string{"team-a", "team-b"} {
		if !roles[ns] || !bound[ns] {
			t.Errorf("namespace %s: Role %v, RoleBinding %v; want both", ns, roles[ns], bound[ns])
		}
	}
	if len(roles) != 2 || len(bound) != 2 {
		t.Errorf("manager Roles in %v and RoleBindings in %v, want only team-a and team-b", roles, bound)
	}
	// Nothing is lost in the split: the two files hold role.yaml's rules.
	b, err := os.ReadFile(filepath.Join(root, "config", "rbac", "role.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var want rbacv1.ClusterRole
	if err := yaml.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if !sameRules(append(slices.Clone(namespaced), cluster...), want.Rules) {
		t.Errorf("files/rbac/ hold other rules than config/rbac/role.yaml; run hack/sync-chart.sh (make manifests)")
	}
	// The cluster-mode release binds one ClusterRole with every rule.
	var all rbacv1.ClusterRole
	render(t, defaults).find(t, "ClusterRole", "mailgun-operator-manager-role", &all)
	if !sameRules(all.Rules, want.Rules) {
		t.Errorf("without watchNamespaces the ClusterRole has %+v, want role.yaml's %+v", all.Rules, want.Rules)
	}
}

// TestRBACScopes asks the API server (its discovery, with the operator's
// CRDs installed) which resources are namespaced: every rule of
// files/rbac/namespaced-rules.yaml must name namespaced resources only, and
// every rule of cluster-rules.yaml cluster-scoped ones. hack/split-rbac
// classifies from a list; this catches a new rule on a resource it does
// not know.
func TestRBACScopes(t *testing.T) {
	installCRDs(t)
	scope := map[bool]map[string]bool{true: {}, false: {}}
	for _, namespaced := range []bool{true, false} {
		out := kubectl(t, "api-resources", fmt.Sprintf("--namespaced=%t", namespaced), "-o", "name")
		for _, name := range strings.Fields(out) {
			scope[namespaced][name] = true
		}
	}
	check := func(file string, namespaced bool) {
		for _, r := range chartRules(t, file) {
			if len(r.NonResourceURLs) > 0 {
				if namespaced {
					t.Errorf("%s: a nonResourceURLs rule %+v cannot go into a Role", file, r)
				}
				continue
			}
			for _, g := range r.APIGroups {
				for _, res := range r.Resources {
					base, _, _ := strings.Cut(res, "/")
					name := base
					if g != "" {
						name += "." + g
					}
					if !scope[namespaced][name] {
						t.Errorf("%s: %s is not a %s resource of the API server (namespaced: %t): fix clusterScoped in hack/split-rbac",
							file, name, map[bool]string{true: "namespaced", false: "cluster-scoped"}[namespaced], scope[!namespaced][name])
					}
				}
			}
		}
	}
	check("namespaced-rules.yaml", true)
	check("cluster-rules.yaml", false)
}

// TestNamespacedManager runs the built manager against the API server as
// the chart's ServiceAccount, with a token of that ServiceAccount and only
// the rights the chart gives it in namespace mode: it reconciles the
// samples in a watched namespace (Secrets, Events, finalizers, status, the
// CRD check on deletion all work), and the same token may not read a
// Secret in a namespace it does not watch (Forbidden).
func TestNamespacedManager(t *testing.T) {
	installCRDs(t)
	cp := controlPlane(t)
	const (
		relNS     = "nsmode-system"
		watchedA  = "nsmode-a"
		watchedB  = "nsmode-b"
		elsewhere = "nsmode-other"
		apiKey    = "key-demo-0123456789abcdef" // the samples' key
	)
	rel := release{name: "mailgun-operator", namespace: relNS, values: map[string]any{
		"watchNamespaces": []any{watchedA, watchedB},
		"metrics":         map[string]any{"enabled": false},
	}}
	for _, ns := range []string{relNS, watchedA, watchedB, elsewhere} {
		kubectl(t, "create", "namespace", ns)
	}
	// Apply the release's RBAC and ServiceAccount for real (the Deployment
	// would never run here: the manager runs as a process below).
	var objs []map[string]any
	for _, obj := range render(t, rel).objects {
		if obj["kind"] != "Deployment" {
			objs = append(objs, obj)
		}
	}
	var manifest strings.Builder
	for _, obj := range objs {
		b, err := yaml.Marshal(obj)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&manifest, "---\n%s", b)
	}
	kubectl(t, "apply", "--server-side", "-f", writeTemp(t, "release.yaml", manifest.String()))

	sa := "mailgun-operator-controller-manager"
	token := strings.TrimSpace(kubectl(t, "create", "token", sa, "-n", relNS, "--duration=1h"))
	saConfig := &rest.Config{Host: cp.Config.Host, BearerToken: token,
		TLSClientConfig: rest.TLSClientConfig{CAData: cp.Config.CAData}}
	kubeconfig, err := cp.TokenKubeconfig(t.TempDir(), token)
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	manager, emulatorBin := binaries(t)
	emu, err := harness.StartEmulator(ctx, emulatorBin, apiKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = emu.Stop(5 * time.Second) })

	// The chart's Deployment arguments for this release, but the ports and
	// the Mailgun host (the emulator), and the Lease namespace (outside a
	// pod the manager cannot tell its own).
	args := append([]string{"--health-probe-bind-address=0", "--metrics-bind-address=0",
		"--leader-elect", "--leader-election-namespace=" + relNS,
		"--namespaces=" + watchedA + "," + watchedB}, harness.EmulatorFlags...)
	mgr, err := harness.Start("manager", manager, args, []string{"KUBECONFIG=" + kubeconfig}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = mgr.Stop(10 * time.Second) })
	defer func() {
		if t.Failed() {
			t.Logf("manager output:\n%s", mgr.Output())
		}
	}()
	if err := mgr.WaitForOutput(ctx, "starting manager"); err != nil {
		t.Fatal(err)
	}

	// The samples, in a watched namespace, become Ready and reach Mailgun.
	samples := filepath.Join(t.TempDir(), "samples")
	if err := harness.SamplesTo(root, samples, emu.URL); err != nil {
		t.Fatal(err)
	}
	kubectl(t, "apply", "-k", samples, "-n", watchedA)
	// Every kind of the samples: the Roles must let the manager reconcile
	// each of them, the Template's ConfigMap and the SMTP password's Secret
	// included.
	kubectl(t, "wait", "--for=condition=Ready", "mailgunaccount,mailgundomain,webhook,route,smtpcredential,template,mailinglist", "--all",
		"-n", watchedA, "--timeout=120s")
	st, err := emu.State(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Routes) != 1 || len(st.Domains) != 1 {
		t.Fatalf("the emulator has %d routes and %d domains, want the samples' 1 and 1", len(st.Routes), len(st.Domains))
	}

	// The Secrets of the watched namespace are readable with the token, so
	// the Forbidden below is about the namespace, not a bad token.
	cs, err := kubernetes.NewForConfig(saConfig)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().Secrets(watchedA).Get(ctx, "mailgun-api-key", metav1.GetOptions{}); err != nil {
		t.Fatalf("the manager's token cannot read the Secret of its watched namespace %s: %v", watchedA, err)
	}
	kubectl(t, "create", "secret", "generic", "not-yours", "-n", elsewhere, "--from-literal=api-key=key-elsewhere")
	_, err = cs.CoreV1().Secrets(elsewhere).Get(ctx, "not-yours", metav1.GetOptions{})
	if !apierrors.IsForbidden(err) {
		t.Errorf("reading a Secret in %s with the manager's token: %v, want Forbidden", elsewhere, err)
	}
	_, err = cs.CoreV1().Secrets("").List(ctx, metav1.ListOptions{})
	if !apierrors.IsForbidden(err) {
		t.Errorf("listing Secrets cluster-wide with the manager's token: %v, want Forbidden", err)
	}

	// Deleting them deletes in Mailgun: the finalizers, and the CRD check
	// (the ClusterRole's only rule) before each deletion, work.
	kubectl(t, "delete", "-k", samples, "-n", watchedA, "--timeout=120s")
	deadline := time.Now().Add(30 * time.Second)
	for {
		st, err := emu.State(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Routes) == 0 && len(st.Domains) == 0 && len(st.Webhooks) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Mailgun still has %d routes, %d domains, %d webhooks' domains after the samples were deleted", len(st.Routes), len(st.Domains), len(st.Webhooks))
		}
		time.Sleep(200 * time.Millisecond)
	}
	if out := mgr.Output(); strings.Contains(strings.ToLower(out), "forbidden") {
		t.Errorf("the manager was refused something it needs:\n%s", out)
	}
}

var (
	buildOnce                   sync.Once
	managerBin, emulatorBinPath string
	buildErr                    error
)

// binaries builds the manager and the emulator once for the test binary.
func binaries(t *testing.T) (manager, emulator string) {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "mailgun-operator-helm-bin-")
		if err != nil {
			buildErr = err
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		managerBin, emulatorBinPath, buildErr = harness.Build(ctx, root, dir)
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return managerBin, emulatorBinPath
}
