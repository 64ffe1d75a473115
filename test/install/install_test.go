// Package install_test checks the install artifacts as a user applies them:
// config/crd and config/default through kustomize (what `make deploy`
// applies) and the two files `make build-installer` writes, dist/crds.yaml
// and dist/install.yaml, each
// applied server-side as a dry run to a real kube-apiserver and etcd
// (test/harness), and config/samples once the CRDs exist. The API server
// validates every object against its schema, strictly, and runs admission,
// including Pod Security, without creating anything.
//
// It also keeps the Helm chart's copies of the CRDs and of the manager's
// rules in step with config/ (chart_sync_test.go); test/helm tests the
// chart itself.
package install_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/mailgun-operator/mailgun-operator/test/harness"
)

const (
	// namespace is where config/default installs the operator.
	namespace = "mailgun-operator-system"
	// img is the Makefile's default IMG, which build-installer and deploy
	// put in place of the placeholder image of config/manager.
	imgName = "ghcr.io/mailgun-operator/mailgun-operator"
	imgTag  = "latest"
	img     = imgName + ":" + imgTag
	// placeholder is what build-installer's sed replaces.
	placeholder = "image: controller:latest"
	// podSecurityWarning is how PodSecurity admission warns about a
	// workload whose pod template breaks the namespace's level.
	podSecurityWarning = "would violate PodSecurity"
)

var (
	// shared is the control plane of this test binary.
	shared harness.Shared
	root   string

	// The Namespace of config/default and the CRDs of config/crd are
	// applied for real once.
	nsOnce   sync.Once
	prepared bool
)

func TestMain(m *testing.M) {
	var err error
	if root, err = harness.Root(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(shared.Main(m))
}

// controlPlane starts the shared kube-apiserver and etcd, which come with
// the CRDs of config/crd/bases. Without KUBEBUILDER_ASSETS the test fails
// rather than skips, as the e2e suite does: a skip would hide that nothing
// was applied.

func kubectl(t *testing.T, args ...string) string { return shared.Kubectl(t, args...) }

func writeTemp(t *testing.T, dir, name, s string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// decodeAll splits a multi-document YAML stream into objects.
func decodeAll(t *testing.T, s string) []map[string]any {
	t.Helper()
	objs, err := harness.DecodeYAML(s)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

// toYAML joins objects into one multi-document stream.
func toYAML(t *testing.T, objs []map[string]any) string {
	t.Helper()
	var b strings.Builder
	for _, obj := range objs {
		y, err := yaml.Marshal(obj)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "---\n%s", y)
	}
	return b.String()
}

func ofKind(objs []map[string]any, kinds ...string) (in, out []map[string]any) {
	for _, obj := range objs {
		if k, _ := obj["kind"].(string); slices.Contains(kinds, k) {
			in = append(in, obj)
		} else {
			out = append(out, obj)
		}
	}
	return in, out
}

// kustomizeDefault is `kubectl kustomize config/default`.
func kustomizeDefault(t *testing.T) string {
	t.Helper()
	return kubectl(t, "kustomize", filepath.Join(root, "config", "default"))
}

// kustomizeCRDs is `kubectl kustomize config/crd`, dist/crds.yaml.
func kustomizeCRDs(t *testing.T) string {
	t.Helper()
	return kubectl(t, "kustomize", filepath.Join(root, "config", "crd"))
}

// prepare applies the Namespace of config/default and the CRDs of
// config/crd for real, once: a server-side dry run of a namespaced object needs its namespace,
// and of a custom resource its CRD. The control plane already has the same
// CRDs from config/crd/bases; applying them again checks that kustomize's
// output of them applies. It then checks that the namespace enforces the
// restricted Pod Security Standard and that the API server does warn there
// about a pod template that breaks it, so that the absence of such a
// warning about the manager means something.
func prepare(t *testing.T) {
	t.Helper()
	nsOnce.Do(func() {
		objs := decodeAll(t, kustomizeDefault(t))
		real, _ := ofKind(objs, "Namespace")
		if len(real) != 1 {
			t.Fatalf("config/default has %d Namespaces, want 1", len(real))
		}
		crds, _ := ofKind(decodeAll(t, kustomizeCRDs(t)), "CustomResourceDefinition")
		if want := baseCRDs(t); len(crds) != want {
			t.Fatalf("config/crd has %d CRDs, want the %d of config/crd/bases", len(crds), want)
		}
		real = append(real, crds...)
		dir := t.TempDir()
		kubectl(t, "apply", "--server-side", "-f", writeTemp(t, dir, "real.yaml", toYAML(t, real)))
		kubectl(t, "wait", "--for=condition=Established", "--timeout=60s", "crd", "--all")
		labels := kubectl(t, "get", "namespace", namespace, "-o", "jsonpath={.metadata.labels}")
		if !strings.Contains(labels, `"pod-security.kubernetes.io/enforce":"restricted"`) {
			t.Fatalf("namespace %s does not enforce the restricted Pod Security Standard: %s", namespace, labels)
		}
		canary := harness.PrivilegedCanary(namespace)
		out := kubectl(t, "apply", "--server-side", "--dry-run=server", "-f", writeTemp(t, dir, "canary.yaml", canary))
		if !strings.Contains(out, podSecurityWarning) {
			t.Fatalf("the API server gave no PodSecurity warning for a privileged Deployment:\n%s", out)
		}
		prepared = true
	})
	if !prepared {
		t.Fatal("the namespace and CRDs could not be applied: see the first test that failed")
	}
}

var dryRunLine = regexp.MustCompile(`(?m)^\S+ serverside-applied \(server dry run\)$`)

// dryRun applies args (-f FILE or -k DIR) server-side as a dry run and
// checks that every one of n objects was accepted without a Pod Security
// warning.
func dryRun(t *testing.T, n int, args ...string) string {
	t.Helper()
	out := kubectl(t, append([]string{"apply", "--server-side", "--dry-run=server"}, args...)...)
	if got := len(dryRunLine.FindAllString(out, -1)); got != n {
		t.Errorf("the dry run applied %d objects, want %d:\n%s", got, n, out)
	}
	if strings.Contains(out, podSecurityWarning) {
		t.Errorf("the manager's pod template breaks the restricted Pod Security Standard:\n%s", out)
	}
	t.Logf("kubectl apply %v:\n%s", args, out)
	return out
}

// TestInstaller applies dist/crds.yaml and dist/install.yaml as
// `make build-installer` writes them: `kubectl kustomize config/crd`, and
// `kubectl kustomize config/default` with the placeholder image replaced by
// sed. install.yaml has no CRD: deleting it (uninstalling the operator)
// must not delete the CRDs, which would delete every custom resource.
func TestInstaller(t *testing.T) {
	prepare(t)
	crdsYAML := kustomizeCRDs(t)
	crds := decodeAll(t, crdsYAML)
	if in, out := ofKind(crds, "CustomResourceDefinition"); len(in) != baseCRDs(t) || len(out) != 0 {
		t.Errorf("crds.yaml has %d CRDs and %d other objects, want %d and 0", len(in), len(out), baseCRDs(t))
	}
	dryRun(t, len(crds), "-f", writeTemp(t, t.TempDir(), "crds.yaml", crdsYAML))
	out := kustomizeDefault(t)
	if n := strings.Count(out, placeholder); n != 1 {
		t.Fatalf("config/default has %q %d times, want once: build-installer's and deploy's sed would not set the image", placeholder, n)
	}
	install := strings.ReplaceAll(out, placeholder, "image: "+img)
	objs := decodeAll(t, install)
	if in, _ := ofKind(objs, "CustomResourceDefinition"); len(in) != 0 {
		t.Errorf("install.yaml has %d CRDs, want none: they belong in crds.yaml", len(in))
	}
	dryRun(t, len(objs), "-f", writeTemp(t, t.TempDir(), "install.yaml", install))
	assertManager(t, objs)
}

// TestKustomizeOverlay applies config/default with kubectl apply -k
// through an overlay that sets the image, as a user deploys from the
// repository without make.
func TestKustomizeOverlay(t *testing.T) {
	prepare(t)
	applyOverlay(t, "default")
}

// applyOverlay server-dry-runs config/<base> through an overlay that sets
// the image, as a user deploys from the repository without make, checks
// the manager's Deployment and returns the objects.
func applyOverlay(t *testing.T, base string) []map[string]any {
	t.Helper()
	dir := t.TempDir()
	rel, err := filepath.Rel(dir, filepath.Join(root, "config", base))
	if err != nil {
		t.Fatal(err)
	}
	writeTemp(t, dir, "kustomization.yaml", fmt.Sprintf(`resources:
- %s
images:
- name: controller
  newName: %s
  newTag: %s
`, filepath.ToSlash(rel), imgName, imgTag))
	objs := decodeAll(t, kubectl(t, "kustomize", dir))
	dryRun(t, len(objs), "-k", dir)
	assertManager(t, objs)
	return objs
}

// TestSamples applies config/samples (a dry run) to a namespace of their
// own once the CRDs exist: the CRDs' schemas and validation rules accept
// them.
func TestSamples(t *testing.T) {
	prepare(t)
	const ns = "samples"
	kubectl(t, "create", "namespace", ns)
	objs := decodeAll(t, kubectl(t, "kustomize", filepath.Join(root, "config", "samples")))
	kinds := map[string]bool{}
	for _, obj := range objs {
		kinds[fmt.Sprint(obj["kind"])] = true
	}
	for _, k := range []string{"Secret", "MailgunAccount", "MailgunDomain", "Webhook", "Route"} {
		if !kinds[k] {
			t.Errorf("config/samples has no %s", k)
		}
	}
	dryRun(t, len(objs), "-k", filepath.Join(root, "config", "samples"), "-n", ns)
}

// assertManager checks the manager Deployment of an install: the image it
// was given, and a pod template that meets the restricted Pod Security
// Standard, field by field (the API server only warns about a Deployment's
// template; it enforces on the Pods).
func assertManager(t *testing.T, objs []map[string]any) {
	t.Helper()
	deps, _ := ofKind(objs, "Deployment")
	if len(deps) != 1 {
		t.Fatalf("%d Deployments, want 1", len(deps))
	}
	var d appsv1.Deployment
	if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(deps[0], &d, true); err != nil {
		t.Fatal(err)
	}
	if d.Namespace != namespace || d.Name != "mailgun-operator-controller-manager" {
		t.Errorf("Deployment %s/%s", d.Namespace, d.Name)
	}
	spec := d.Spec.Template.Spec
	if len(spec.Containers) != 1 || spec.Containers[0].Image != img {
		t.Errorf("containers %+v, want one with image %s", spec.Containers, img)
	}
	psc := spec.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot {
		t.Error("pod securityContext.runAsNonRoot is not true")
	}
	if psc == nil || psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Error("pod securityContext.seccompProfile.type is not RuntimeDefault")
	}
	if spec.HostNetwork || spec.HostPID || spec.HostIPC {
		t.Error("the pod shares a host namespace")
	}
	for _, v := range spec.Volumes {
		if v.HostPath != nil {
			t.Errorf("volume %s is a hostPath", v.Name)
		}
	}
	for _, c := range append(slices.Clone(spec.InitContainers), spec.Containers...) {
		sc := c.SecurityContext
		if sc == nil {
			t.Errorf("container %s has no securityContext", c.Name)
			continue
		}
		if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			t.Errorf("container %s: allowPrivilegeEscalation is not false", c.Name)
		}
		if sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") || len(sc.Capabilities.Add) > 0 {
			t.Errorf("container %s does not drop ALL capabilities and add none: %+v", c.Name, sc.Capabilities)
		}
		if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
			t.Errorf("container %s: readOnlyRootFilesystem is not true", c.Name)
		}
		if sc.Privileged != nil && *sc.Privileged {
			t.Errorf("container %s is privileged", c.Name)
		}
		if sc.RunAsUser != nil && *sc.RunAsUser == 0 {
			t.Errorf("container %s runs as root", c.Name)
		}
		for _, p := range c.Ports {
			if p.HostPort != 0 {
				t.Errorf("container %s uses host port %d", c.Name, p.HostPort)
			}
		}
	}
}

// TestNamespacedOverlay applies config/namespaced (namespace mode, least
// privilege) as TestKustomizeOverlay does config/default: the manager
// watches the namespace "mailgun", where a Role gives it its namespaced
// rights, and no ClusterRole bound to it grants Secrets, Events or the
// custom resources.
func TestNamespacedOverlay(t *testing.T) {
	prepare(t)
	const watched = "mailgun"
	if _, err := shared.Get(t).Kubectl(context.Background(), "get", "namespace", watched); err != nil {
		kubectl(t, "create", "namespace", watched)
	}
	objs := applyOverlay(t, "namespaced")

	const sa = "mailgun-operator-controller-manager"
	roles := map[string]rbacv1.ClusterRole{} // ClusterRoles and Roles by kind/namespace/name
	var bindings []rbacv1.RoleBinding        // RoleBindings and ClusterRoleBindings alike
	var args []string
	for _, obj := range objs {
		kind, _ := obj["kind"].(string)
		switch kind {
		case "Role", "ClusterRole":
			var r rbacv1.ClusterRole
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(obj, &r); err != nil {
				t.Fatal(err)
			}
			roles[kind+"/"+r.Namespace+"/"+r.Name] = r
		case "RoleBinding", "ClusterRoleBinding":
			var b rbacv1.RoleBinding
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(obj, &b); err != nil {
				t.Fatal(err)
			}
			bindings = append(bindings, b)
		case "Deployment":
			var d appsv1.Deployment
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(obj, &d); err != nil {
				t.Fatal(err)
			}
			args = d.Spec.Template.Spec.Containers[0].Args
		}
	}
	if !slices.Contains(args, "--namespaces="+watched) {
		t.Errorf("the manager's args %q lack --namespaces=%s", args, watched)
	}
	var inWatched bool
	for _, b := range bindings {
		if len(b.Subjects) != 1 || b.Subjects[0].Name != sa || b.Subjects[0].Namespace != namespace {
			continue
		}
		role, ok := roles[b.RoleRef.Kind+"/"+b.Namespace+"/"+b.RoleRef.Name]
		if b.RoleRef.Kind == "ClusterRole" {
			role, ok = roles["ClusterRole//"+b.RoleRef.Name]
		}
		if !ok {
			t.Errorf("%s/%s binds %s %s, which the overlay lacks", b.Namespace, b.Name, b.RoleRef.Kind, b.RoleRef.Name)
			continue
		}
		for _, r := range role.Rules {
			for _, g := range r.APIGroups {
				for _, res := range r.Resources {
					ns := g == "mailgun.operator.dev" || (g == "" && (res == "secrets" || res == "events"))
					switch {
					case ns && b.Namespace == watched:
						inWatched = true
					case ns && b.Namespace != namespace:
						// a RoleBinding elsewhere, or a ClusterRoleBinding
						t.Errorf("%q binds %s %s, which grants %s %q outside the watched namespace", b.Namespace+"/"+b.Name, b.RoleRef.Kind, b.RoleRef.Name, g, res)
					}
				}
			}
		}
	}
	if !inWatched {
		t.Errorf("no RoleBinding in %s gives the manager its rights there", watched)
	}
}

// TestMetricsCertComponent applies config/default with the component
// config/components/metrics-cert (dry run, with hand-written subsets of the
// cert-manager and ServiceMonitor CRDs from test/helm/testdata): the
// manager mounts the Secret cert-manager writes and serves it, the
// Certificate is issued for the metrics Service's DNS name, and the
// ServiceMonitor verifies that name with that Secret's ca.crt.
func TestMetricsCertComponent(t *testing.T) {
	prepare(t)
	for _, f := range []string{"cert-manager-crds.yaml", "servicemonitor-crd.yaml"} {
		kubectl(t, "apply", "--server-side", "-f", filepath.Join(root, "test", "helm", "testdata", f))
	}
	kubectl(t, "wait", "--for=condition=Established", "--timeout=60s",
		"crd/certificates.cert-manager.io", "crd/issuers.cert-manager.io", "crd/servicemonitors.monitoring.coreos.com")
	waitServed(t, "certificates.cert-manager.io", "issuers.cert-manager.io", "servicemonitors.monitoring.coreos.com")

	dir := t.TempDir()
	rel := func(p ...string) string {
		r, err := filepath.Rel(dir, filepath.Join(append([]string{root}, p...)...))
		if err != nil {
			t.Fatal(err)
		}
		return filepath.ToSlash(r)
	}
	writeTemp(t, dir, "kustomization.yaml", fmt.Sprintf(`resources:
- %s
components:
- %s
images:
- name: controller
  newName: %s
  newTag: %s
`, rel("config", "default"), rel("config", "components", "metrics-cert"), imgName, imgTag))
	objs := decodeAll(t, kubectl(t, "kustomize", dir))
	dryRun(t, len(objs), "-k", dir)
	assertManager(t, objs)

	var (
		d    appsv1.Deployment
		svc  corev1.Service
		cert struct {
			Spec struct {
				SecretName string
				DNSNames   []string `json:"dnsNames"`
			}
		}
		monitor struct {
			Spec struct {
				Endpoints []struct {
					HonorLabels bool `json:"honorLabels"`
					TLSConfig   struct {
						ServerName         string `json:"serverName"`
						InsecureSkipVerify bool   `json:"insecureSkipVerify"`
						CA                 struct {
							Secret struct{ Name, Key string }
						} `json:"ca"`
					} `json:"tlsConfig"`
				}
			}
		}
	)
	for _, obj := range objs {
		b, err := yaml.Marshal(obj)
		if err != nil {
			t.Fatal(err)
		}
		var into any
		switch obj["kind"] {
		case "Deployment":
			into = &d
		case "Service":
			into = &svc
		case "Certificate":
			into = &cert
		case "ServiceMonitor":
			into = &monitor
		default:
			continue
		}
		if err := yaml.Unmarshal(b, into); err != nil {
			t.Fatal(err)
		}
	}
	c := d.Spec.Template.Spec.Containers[0]
	if !slices.Contains(c.Args, "--metrics-cert-path=/etc/mailgun-operator/metrics-cert") {
		t.Errorf("the manager's args %q lack --metrics-cert-path", c.Args)
	}
	var mounted bool
	for _, v := range d.Spec.Template.Spec.Volumes {
		for _, m := range c.VolumeMounts {
			if v.Secret != nil && v.Secret.SecretName == cert.Spec.SecretName && m.Name == v.Name && m.MountPath == "/etc/mailgun-operator/metrics-cert" {
				mounted = true
			}
		}
	}
	if !mounted || cert.Spec.SecretName == "" {
		t.Errorf("the manager does not mount the Certificate's Secret %q at its --metrics-cert-path: %+v %+v", cert.Spec.SecretName, d.Spec.Template.Spec.Volumes, c.VolumeMounts)
	}
	serverName := svc.Name + "." + svc.Namespace + ".svc"
	if !slices.Contains(cert.Spec.DNSNames, serverName) {
		t.Errorf("the Certificate's dnsNames %v lack the metrics Service's %s", cert.Spec.DNSNames, serverName)
	}
	if len(monitor.Spec.Endpoints) != 1 {
		t.Fatalf("the ServiceMonitor has %d endpoints", len(monitor.Spec.Endpoints))
	}
	tc := monitor.Spec.Endpoints[0].TLSConfig
	if tc.ServerName != serverName || tc.CA.Secret.Name != cert.Spec.SecretName || tc.CA.Secret.Key != "ca.crt" || tc.InsecureSkipVerify {
		t.Errorf("the ServiceMonitor's tlsConfig %+v: want serverName %s and ca.crt of %s, verified", tc, serverName, cert.Spec.SecretName)
	}
	if !monitor.Spec.Endpoints[0].HonorLabels {
		t.Error("the ServiceMonitor does not honour the per-object series' namespace label (honorLabels)")
	}
}

// waitServed polls discovery until it lists every resource (as
// kubectl api-resources names them), for the custom resources a dry run
// is about to use.
func waitServed(t *testing.T, names ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cache := t.TempDir()
	for {
		out, err := shared.Get(t).Kubectl(ctx, "api-resources", "--cache-dir", cache, "-o", "name")
		fields := strings.Fields(out)
		missing := slices.DeleteFunc(slices.Clone(names), func(n string) bool { return slices.Contains(fields, n) })
		if err == nil && len(missing) == 0 {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("discovery does not list %v: %v", missing, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// baseCRDs is the number of CRDs controller-gen writes (one per kind), which
// config/crd must list every one of.
func baseCRDs(t *testing.T) int {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, "config", "crd", "bases", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no CRDs in config/crd/bases: %v", err)
	}
	return len(files)
}
