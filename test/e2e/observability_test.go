package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	. "github.com/onsi/gomega"
	"sigs.k8s.io/yaml"
)

// The metric families a scrape of the manager must show, as
// "<name> <type>" lines. test/observability reads the same file to check
// that the alert rules and the dashboard name only metrics that exist.
// UPDATE_GOLDEN=1 rewrites it from a scrape.
const goldenMetrics = "test/observability/testdata/operator-metrics.txt"

// goldenPrefixes are the families the file lists: the operator's, its
// Mailgun client's and controller-runtime's (client-go's workqueue and REST
// client metrics included). go_* and process_* change with the Go version
// and the platform, and no rule or panel uses them.
var goldenPrefixes = []string{"mailgun_", "controller_runtime_", "workqueue_", "rest_client_", "leader_election_"}

// metricFamilies lists the "<name> <type>" of the families in a text
// exposition whose name has one of goldenPrefixes, sorted.
func metricFamilies(body string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`(?m)^# TYPE (\S+) (\S+)$`).FindAllStringSubmatch(body, -1) {
		for _, p := range goldenPrefixes {
			if strings.HasPrefix(m[1], p) {
				out = append(out, m[1]+" "+m[2])
				break
			}
		}
	}
	slices.Sort(out)
	return out
}

// expectGoldenMetrics compares a scrape's families with goldenMetrics.
func expectGoldenMetrics(g Gomega, body string) {
	got := metricFamilies(body)
	path := filepath.Join(root, goldenMetrics)
	if os.Getenv("UPDATE_GOLDEN") != "" {
		header := "# The metric families the manager exports (written by test/e2e, UPDATE_GOLDEN=1; see goldenPrefixes there).\n"
		g.Expect(os.WriteFile(path, []byte(header+strings.Join(got, "\n")+"\n"), 0o644)).To(Succeed())
	}
	b, err := os.ReadFile(path)
	g.Expect(err).NotTo(HaveOccurred())
	var want []string
	for _, l := range strings.Split(string(b), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			want = append(want, l)
		}
	}
	g.Expect(got).To(Equal(want), "the exported families differ from %s (UPDATE_GOLDEN=1 rewrites it)", goldenMetrics)
}

// conditionSeries is the text form of one mailgun_operator_object_condition
// series (labels in the order the exposition sorts them).
func conditionSeries(kind, ns, name, typ, status, reason string) string {
	return fmt.Sprintf(`mailgun_operator_object_condition{kind=%q,name=%q,namespace=%q,reason=%q,status=%q,type=%q} 1`,
		kind, name, ns, reason, status, typ)
}

// ksmConfig is the part of a kube-state-metrics CustomResourceStateMetrics
// config whose paths the test resolves.
type ksmConfig struct {
	Kind string `json:"kind"`
	Spec struct {
		Resources []struct {
			GroupVersionKind struct {
				Group, Version, Kind string
			} `json:"groupVersionKind"`
			MetricNamePrefix string              `json:"metricNamePrefix"`
			LabelsFromPath   map[string][]string `json:"labelsFromPath"`
			Metrics          []struct {
				Name string `json:"name"`
				Help string `json:"help"`
				Each struct {
					Type  string   `json:"type"`
					Gauge *ksmPath `json:"gauge"`
					Info  *ksmPath `json:"info"`
				} `json:"each"`
			} `json:"metrics"`
		} `json:"resources"`
	} `json:"spec"`
}

type ksmPath struct {
	Path           []string            `json:"path"`
	LabelsFromPath map[string][]string `json:"labelsFromPath"`
}

// resolve walks path through v (maps only: the config uses no list
// selectors), saying where it stopped if a step is missing.
func resolve(v any, path []string) (any, error) {
	for i, step := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%v: %v is not an object", path[:i+1], path[:i])
		}
		if v, ok = m[step]; !ok {
			return nil, fmt.Errorf("%v: no field %q", path[:i+1], step)
		}
	}
	return v, nil
}

// expectKSMPathsResolve checks config/kube-state-metrics against objects
// read from the API server: every kind has a resource, every label path is
// a string, every gauge path a number, every info path a list of objects
// whose label paths are strings.
func expectKSMPathsResolve(g Gomega, items []map[string]any) {
	b, err := os.ReadFile(filepath.Join(root, "config", "kube-state-metrics", "custom-resource-state.yaml"))
	g.Expect(err).NotTo(HaveOccurred())
	var cfg ksmConfig
	g.Expect(yaml.UnmarshalStrict(b, &cfg)).To(Succeed())
	g.Expect(cfg.Kind).To(Equal("CustomResourceStateMetrics"))
	checked := map[string]bool{}
	for _, obj := range items {
		kind := obj["kind"].(string)
		for _, r := range cfg.Spec.Resources {
			if r.GroupVersionKind.Kind != kind {
				continue
			}
			checked[kind] = true
			g.Expect(obj["apiVersion"]).To(Equal(r.GroupVersionKind.Group + "/" + r.GroupVersionKind.Version))
			for label, p := range r.LabelsFromPath {
				v, err := resolve(obj, p)
				g.Expect(err).NotTo(HaveOccurred(), "%s label %s", kind, label)
				g.Expect(v).To(BeAssignableToTypeOf(""), "%s label %s at %v", kind, label, p)
			}
			for _, m := range r.Metrics {
				switch m.Each.Type {
				case "Gauge":
					v, err := resolve(obj, m.Each.Gauge.Path)
					g.Expect(err).NotTo(HaveOccurred(), "%s metric %s", kind, m.Name)
					g.Expect(v).To(BeAssignableToTypeOf(float64(0)), "%s metric %s", kind, m.Name)
				case "Info":
					v, err := resolve(obj, m.Each.Info.Path)
					g.Expect(err).NotTo(HaveOccurred(), "%s metric %s", kind, m.Name)
					list, ok := v.([]any)
					g.Expect(ok && len(list) > 0).To(BeTrue(), "%s metric %s: %v is not a non-empty list", kind, m.Name, m.Each.Info.Path)
					for _, el := range list {
						for label, p := range m.Each.Info.LabelsFromPath {
							lv, err := resolve(el, p)
							g.Expect(err).NotTo(HaveOccurred(), "%s metric %s label %s", kind, m.Name, label)
							g.Expect(lv).To(BeAssignableToTypeOf(""), "%s metric %s label %s", kind, m.Name, label)
						}
					}
				default:
					g.Expect(m.Each.Type).To(BeElementOf("Gauge", "Info"), "%s metric %s: a type the test cannot check", kind, m.Name)
				}
			}
		}
	}
	g.Expect(checked).To(HaveLen(len(cfg.Spec.Resources)), "every resource of the config checked against an object")
}

// listObjects reads the namespace's objects of every kind as JSON.
func listObjects(ns string) []map[string]any {
	var list struct {
		Items []map[string]any `json:"items"`
	}
	Expect(json.Unmarshal([]byte(kubectl("get", sampleKinds, "-n", ns, "-o", "json")), &list)).To(Succeed())
	return list.Items
}
