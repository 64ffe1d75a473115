package helm

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/v2/lint"
	"helm.sh/helm/v4/pkg/chart/v2/lint/support"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// The PrometheusRule CRD the observed release needs (a subset, as the
// ServiceMonitor's).
const prometheusRuleCRD = "testdata/prometheusrule-crd.yaml"

// observed turns on the alert rules, the dashboard and the
// kube-state-metrics config, the dashboard in Grafana's namespace.
var observed = release{name: "mail", namespace: "observed", values: map[string]any{
	"metrics": map[string]any{"serviceMonitor": map[string]any{"enabled": true},
		// The ServiceMonitor verifies the metrics certificate (a scrape of
		// the self-signed one must be chosen with tlsConfig).
		"tls": map[string]any{"certManager": map[string]any{"enabled": true}}},
	"prometheusRule":   map[string]any{"enabled": true, "labels": map[string]any{"release": "prometheus"}},
	"grafanaDashboard": map[string]any{"enabled": true, "namespace": "grafana", "annotations": map[string]any{"grafana_folder": "Mailgun"}},
	"kubeStateMetrics": map[string]any{"enabled": true, "namespace": "kube-state-metrics"},
}}

// observedFullname is the prefix of the observed release's objects: the
// release name lacks the chart's.
const observedFullname = "mail-mailgun-operator"

func readRepoFile(t *testing.T, parts ...string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(append([]string{root}, parts...)...))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestObservabilityOffByDefault: none of the three is rendered unless
// asked for (the PrometheusRule needs CRDs a cluster may not have).
func TestObservabilityOffByDefault(t *testing.T) {
	for _, r := range allReleases {
		for _, obj := range render(t, r).objects {
			name := kindName(obj)
			if obj["kind"] == "PrometheusRule" || (obj["kind"] == "ConfigMap" &&
				(strings.HasSuffix(name, "-dashboard") || strings.HasSuffix(name, "-kube-state-metrics"))) {
				t.Errorf("%s renders %s by default", r.name, name)
			}
		}
	}
}

// TestObservedValues: the PrometheusRule carries config/prometheus' rules
// with the release's metrics Service as job; the ConfigMaps carry the
// dashboard and the kube-state-metrics config, where and with the labels
// asked for.
func TestObservedValues(t *testing.T) {
	r := render(t, observed)

	var rule struct {
		Metadata struct {
			Namespace string            `json:"namespace"`
			Labels    map[string]string `json:"labels"`
		} `json:"metadata"`
		Spec struct {
			Groups []struct {
				Name  string `json:"name"`
				Rules []struct {
					Alert, Expr string
				} `json:"rules"`
			} `json:"groups"`
		} `json:"spec"`
	}
	decodeObject(t, r, "PrometheusRule/"+observedFullname+"-controller-manager-alerts", &rule)
	if rule.Metadata.Namespace != observed.namespace || rule.Metadata.Labels["release"] != "prometheus" {
		t.Errorf("PrometheusRule metadata %+v", rule.Metadata)
	}
	// As many alerts as config/prometheus/rules.yaml has.
	want := len(regexp.MustCompile(`(?m)^\s+- alert: `).FindAllString(readRepoFile(t, "config", "prometheus", "rules.yaml"), -1))
	var alerts []string
	jobs := regexp.MustCompile(`job="([^"]*)"`)
	for _, g := range rule.Spec.Groups {
		for _, a := range g.Rules {
			alerts = append(alerts, a.Alert)
			for _, m := range jobs.FindAllStringSubmatch(a.Expr, -1) {
				if m[1] != observedFullname+"-controller-manager-metrics-service" {
					t.Errorf("%s selects job %q, not the release's metrics Service", a.Alert, m[1])
				}
			}
		}
	}
	if len(alerts) != want || want == 0 {
		t.Errorf("the PrometheusRule has alerts %v, config/prometheus/rules.yaml %d", alerts, want)
	}
	var svc corev1.Service
	r.find(t, "Service", observedFullname+"-controller-manager-metrics-service", &svc)

	var dash corev1.ConfigMap
	r.find(t, "ConfigMap", observedFullname+"-dashboard", &dash)
	if dash.Namespace != "grafana" || dash.Labels["grafana_dashboard"] != "1" || dash.Annotations["grafana_folder"] != "Mailgun" {
		t.Errorf("dashboard ConfigMap metadata %+v", dash.ObjectMeta)
	}
	if got, want := dash.Data["mailgun-operator.json"], readRepoFile(t, "config", "grafana", "mailgun-operator.json"); got != strings.TrimSuffix(want, "\n") {
		t.Error("the dashboard ConfigMap does not hold config/grafana/mailgun-operator.json")
	}

	var ksm corev1.ConfigMap
	r.find(t, "ConfigMap", observedFullname+"-kube-state-metrics", &ksm)
	if ksm.Namespace != "kube-state-metrics" {
		t.Errorf("kube-state-metrics ConfigMap in %s", ksm.Namespace)
	}
	if got, want := ksm.Data["custom-resource-state.yaml"], readRepoFile(t, "config", "kube-state-metrics", "custom-resource-state.yaml"); got != strings.TrimSuffix(want, "\n") {
		t.Error("the kube-state-metrics ConfigMap does not hold config/kube-state-metrics/custom-resource-state.yaml")
	}
}

// decodeObject decodes the rendered object kind/name into v, or fails.
func decodeObject(t *testing.T, r rendered, kindAndName string, v any) {
	t.Helper()
	for _, obj := range r.objects {
		if kindName(obj) == kindAndName {
			b, err := yaml.Marshal(obj)
			if err != nil {
				t.Fatal(err)
			}
			if err := yaml.Unmarshal(b, v); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("no %s among %v", kindAndName, r.names())
}

func TestObservabilitySchemaRejectsBadValues(t *testing.T) {
	for _, c := range []struct {
		name   string
		values map[string]any
		where  string
	}{
		{"rule enabled a string", map[string]any{"prometheusRule": map[string]any{"enabled": "yes"}}, "/prometheusRule/enabled"},
		{"a misspelt rule key", map[string]any{"prometheusRule": map[string]any{"label": map[string]any{}}}, "label"},
		{"rule labels not strings", map[string]any{"prometheusRule": map[string]any{"labels": map[string]any{"release": 1}}}, "/prometheusRule/labels/release"},
		{"dashboard namespace not a DNS label", map[string]any{"grafanaDashboard": map[string]any{"namespace": "Grafana_NS"}}, "/grafanaDashboard/namespace"},
		{"dashboard labels not strings", map[string]any{"grafanaDashboard": map[string]any{"labels": map[string]any{"grafana_dashboard": 1}}}, "/grafanaDashboard/labels/grafana_dashboard"},
		{"a misspelt kube-state-metrics key", map[string]any{"kubeStateMetrics": map[string]any{"enable": true}}, "enable"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := renderRaw(t, release{name: "mailgun-operator", namespace: "x", values: c.values})
			if err == nil {
				t.Fatalf("values %v rendered; values.schema.json should reject them", c.values)
			}
			if !strings.Contains(err.Error(), "schema") || !strings.Contains(err.Error(), c.where) {
				t.Fatalf("the error does not come from the schema or does not name %q: %v", c.where, err)
			}
		})
	}
}

var (
	ruleCRDOnce      sync.Once
	ruleCRDInstalled bool
)

// TestApplyObserved applies the observed release server-side as a dry run:
// the PrometheusRule against the CRD subset, the ConfigMaps in their
// namespaces.
func TestApplyObserved(t *testing.T) {
	installCRDs(t)
	ruleCRDOnce.Do(func() {
		kubectl(t, "apply", "--server-side", "-f", prometheusRuleCRD)
		kubectl(t, "wait", "--for=condition=Established", "--timeout=60s", "crd/prometheusrules.monitoring.coreos.com")
		waitDiscovery(t, "monitoring.coreos.com", "prometheusrules")
		ruleCRDInstalled = true
	})
	if !ruleCRDInstalled {
		t.Fatal("the PrometheusRule CRD could not be installed")
	}
	restrictedNamespace(t, observed.namespace)
	kubectl(t, "create", "namespace", "grafana")
	kubectl(t, "create", "namespace", "kube-state-metrics")
	ren := render(t, observed)
	out := kubectl(t, "apply", "--server-side", "--dry-run=server", "--field-manager=helm", "-f", writeTemp(t, "manifest.yaml", ren.manifest))
	var applied []string
	for _, m := range dryRunLine.FindAllStringSubmatch(out, -1) {
		applied = append(applied, m[1])
	}
	if len(applied) != len(ren.objects) {
		t.Errorf("kubectl dry-run applied %d objects, the chart rendered %d:\n%s", len(applied), len(ren.objects), out)
	}
	for _, want := range []string{
		"prometheusrule.monitoring.coreos.com/" + observedFullname + "-controller-manager-alerts",
		"configmap/" + observedFullname + "-dashboard",
		"configmap/" + observedFullname + "-kube-state-metrics",
	} {
		if !slices.Contains(applied, want) {
			t.Errorf("%s was not applied:\n%s", want, out)
		}
	}
}

// TestLintObserved lints the chart with the observability values on.
func TestLintObserved(t *testing.T) {
	kv, err := common.ParseKubeVersion(kubeVersion)
	if err != nil {
		t.Fatal(err)
	}
	res := lint.RunAll(chartDir, observed.values, observed.namespace, lint.WithKubeVersion(kv))
	for _, m := range res.Messages {
		if m.Severity >= support.WarningSev {
			t.Error(m.Error())
		}
	}
}
