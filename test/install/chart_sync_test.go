package install_test

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"
)

// The Helm chart carries copies of what `make manifests` generates into
// config/: Helm installs CRDs only from the chart's crds/ folder, and the
// manager's ClusterRole is a template. These tests fail when a copy lags
// behind, and say how to update it. test/helm renders the chart and checks
// the rest.

var chartDir = filepath.Join("charts", "mailgun-operator")

const syncCRDs = "run: hack/sync-chart.sh (make manifests)"

// keepAnnotation is what hack/sync-chart.sh adds to the chart's copies of
// the CRDs: Helm never deletes them, since deleting a CRD deletes every
// custom resource of its kind.
const keepAnnotation = "    helm.sh/resource-policy: keep\n"

func TestChartCRDsMatchConfig(t *testing.T) {
	bases := filepath.Join(root, "config", "crd", "bases")
	crds := filepath.Join(root, chartDir, "crds")
	want := yamlFiles(t, bases)
	got := yamlFiles(t, crds)
	if len(want) == 0 {
		t.Fatalf("no CRDs in %s", bases)
	}
	for _, name := range want {
		w, err := os.ReadFile(filepath.Join(bases, name))
		if err != nil {
			t.Fatal(err)
		}
		g, err := os.ReadFile(filepath.Join(crds, name))
		switch {
		case os.IsNotExist(err):
			t.Errorf("charts/mailgun-operator/crds/%s is missing; %s", name, syncCRDs)
		case err != nil:
			t.Fatal(err)
		case !bytes.Equal(g, bytes.Replace(w, []byte("  annotations:\n"), []byte("  annotations:\n"+keepAnnotation), 1)):
			t.Errorf("charts/mailgun-operator/crds/%s differs from config/crd/bases/%s; %s", name, name, syncCRDs)
		}
	}
	for _, name := range got {
		b, err := os.ReadFile(filepath.Join(crds, name))
		if err != nil {
			t.Fatal(err)
		}
		var crd struct {
			Metadata struct {
				Annotations map[string]string `json:"annotations"`
			} `json:"metadata"`
		}
		if err := yaml.Unmarshal(b, &crd); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if crd.Metadata.Annotations["helm.sh/resource-policy"] != "keep" {
			t.Errorf("charts/mailgun-operator/crds/%s lacks helm.sh/resource-policy: keep; %s", name, syncCRDs)
		}
		if !slices.Contains(want, name) {
			t.Errorf("charts/mailgun-operator/crds/%s is not in config/crd/bases: remove it, then %s", name, syncCRDs)
		}
	}
}

func yamlFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && (strings.HasSuffix(e.Name(), ".yaml") || strings.HasSuffix(e.Name(), ".yml")) {
			names = append(names, e.Name())
		}
	}
	return names
}

// TestChartManagerRulesMatchConfig compares the rules hack/split-rbac
// wrote (the chart's files/rbac/ and config/namespaced) with
// config/rbac/role.yaml, which controller-gen writes from the
// +kubebuilder:rbac markers: the namespaced and the cluster-scoped rules
// together are role.yaml's, each in role.yaml's order, and the Role and
// the ClusterRole patch of config/namespaced hold the same as the chart.
// test/helm renders the chart's RBAC and checks each rule's scope with a
// real API server.
func TestChartManagerRulesMatchConfig(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root, "config", "rbac", "role.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var want rbacv1.ClusterRole
	if err := yaml.UnmarshalStrict(bytes.TrimPrefix(b, []byte("---\n")), &want); err != nil {
		t.Fatalf("config/rbac/role.yaml: %v", err)
	}
	if len(want.Rules) == 0 {
		t.Fatal("config/rbac/role.yaml has no rules")
	}
	read := func(rel string, into any) {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			t.Fatalf("%v; %s", err, syncCRDs)
		}
		if err := yaml.UnmarshalStrict(b, into); err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
	}
	var namespaced, cluster struct {
		Rules []rbacv1.PolicyRule `json:"rules"`
	}
	read(filepath.Join(chartDir, "files", "rbac", "namespaced-rules.yaml"), &namespaced)
	read(filepath.Join(chartDir, "files", "rbac", "cluster-rules.yaml"), &cluster)
	// Merge the two back in role.yaml's order.
	var merged []rbacv1.PolicyRule
	n, c := namespaced.Rules, cluster.Rules
	for _, r := range want.Rules {
		switch {
		case len(n) > 0 && reflect.DeepEqual(n[0], r):
			merged, n = append(merged, r), n[1:]
		case len(c) > 0 && reflect.DeepEqual(c[0], r):
			merged, c = append(merged, r), c[1:]
		}
	}
	if len(n) > 0 || len(c) > 0 || !reflect.DeepEqual(merged, want.Rules) {
		t.Errorf("charts/mailgun-operator/files/rbac/ differ from config/rbac/role.yaml; %s\nnamespaced: %+v\ncluster:    %+v\nconfig:     %+v",
			syncCRDs, namespaced.Rules, cluster.Rules, want.Rules)
	}

	var role rbacv1.Role
	read(filepath.Join("config", "namespaced", "watched", "manager_role.yaml"), &role)
	if !reflect.DeepEqual(role.Rules, namespaced.Rules) {
		t.Errorf("config/namespaced/watched/manager_role.yaml differs from the chart's namespaced rules; %s", syncCRDs)
	}
	b, err = os.ReadFile(filepath.Join(root, "config", "namespaced", "manager_role_patch.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(cluster.Rules) == 0 {
		if !bytes.Contains(b, []byte("$patch: delete")) {
			t.Errorf("no cluster-scoped rules, but config/namespaced/manager_role_patch.yaml does not delete the ClusterRole; %s", syncCRDs)
		}
	} else {
		var patch rbacv1.ClusterRole
		if err := yaml.UnmarshalStrict(b, &patch); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(patch.Rules, cluster.Rules) {
			t.Errorf("config/namespaced/manager_role_patch.yaml differs from the chart's cluster-scoped rules; %s", syncCRDs)
		}
	}
}
