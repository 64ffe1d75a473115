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

// TestChartManagerRulesMatchConfig compares the rules of the chart's
// ClusterRole template with config/rbac/role.yaml, which controller-gen
// writes from the +kubebuilder:rbac markers. The template keeps its rules
// as plain YAML after the line "rules:", so this needs no Helm; test/helm
// compares the rendered ClusterRole too.
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

	tpl := filepath.Join(chartDir, "templates", "clusterrole.yaml")
	b, err = os.ReadFile(filepath.Join(root, tpl))
	if err != nil {
		t.Fatal(err)
	}
	_, rules, found := strings.Cut(string(b), "\nrules:\n")
	if !found || strings.Contains(rules, "{{") {
		t.Fatalf("%s must end with its rules as plain YAML after a line \"rules:\"", tpl)
	}
	var got struct {
		Rules []rbacv1.PolicyRule `json:"rules"`
	}
	if err := yaml.UnmarshalStrict([]byte("rules:\n"+rules), &got); err != nil {
		t.Fatalf("%s: %v", tpl, err)
	}
	if !reflect.DeepEqual(got.Rules, want.Rules) {
		t.Errorf("the rules of %s differ from config/rbac/role.yaml; copy them from there (everything after \"rules:\")\nchart:  %+v\nconfig: %+v",
			tpl, got.Rules, want.Rules)
	}
}
