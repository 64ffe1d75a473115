package observability

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/prometheus/promql/parser"
	"go.yaml.in/yaml/v3"
)

// exportedMetrics are the names a query may use: the families the manager
// exports (testdata/operator-metrics.txt, which test/e2e compares with a
// scrape of the built manager), with the series names of their histograms,
// and those kube-state-metrics makes with config/kube-state-metrics.
func exportedMetrics(t *testing.T) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "operator-metrics.txt"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) != 2 || strings.HasPrefix(l, "#") {
			continue
		}
		switch name, typ := f[0], f[1]; typ {
		case "histogram":
			out[name+"_bucket"], out[name+"_sum"], out[name+"_count"] = true, true, true
		case "summary":
			out[name], out[name+"_sum"], out[name+"_count"] = true, true, true
		default:
			out[name] = true
		}
	}
	if !out["mailgun_requests_total"] || !out["controller_runtime_reconcile_total"] {
		t.Fatalf("testdata/operator-metrics.txt lacks the operator's or controller-runtime's metrics: %v", out)
	}
	for _, n := range ksmMetrics(t) {
		out[n] = true
	}
	return out
}

// ksmMetrics are the names of the series config/kube-state-metrics makes:
// <metricNamePrefix>_<name>.
func ksmMetrics(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "config", "kube-state-metrics", "custom-resource-state.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Spec struct {
			Resources []struct {
				MetricNamePrefix string `yaml:"metricNamePrefix"`
				Metrics          []struct {
					Name string `yaml:"name"`
				} `yaml:"metrics"`
			} `yaml:"resources"`
		} `yaml:"spec"`
	}
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range cfg.Spec.Resources {
		prefix := r.MetricNamePrefix
		if prefix == "" {
			prefix = "kube_customresource" // kube-state-metrics' default
		}
		for _, m := range r.Metrics {
			out = append(out, prefix+"_"+m.Name)
		}
	}
	if len(out) == 0 {
		t.Fatal("config/kube-state-metrics makes no metric")
	}
	return out
}

// grafanaVars are Grafana's interval variables, which PromQL cannot parse,
// with a value of their kind. Dashboard variables ($job, $namespace) only
// appear inside label values, which parse as strings.
var grafanaVars = strings.NewReplacer("$__rate_interval", "5m", "$__interval", "1m", "$__range", "1h")

// metricNames parses a query with Prometheus's parser and returns the
// metric names it selects.
func metricNames(t *testing.T, query string) []string {
	t.Helper()
	expr, err := promParser.ParseExpr(grafanaVars.Replace(query))
	if err != nil {
		t.Errorf("%s: %v", query, err)
		return nil
	}
	var names []string
	parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok {
			name := vs.Name
			for _, m := range vs.LabelMatchers {
				if m.Name == "__name__" {
					name = m.Value
				}
			}
			if name == "" {
				t.Errorf("%s: a selector without a metric name", query)
			}
			names = append(names, name)
		}
		return nil
	})
	if len(names) == 0 {
		t.Errorf("%s: selects no metric", query)
	}
	return names
}

type dashboard struct {
	Title      string  `json:"title"`
	UID        string  `json:"uid"`
	Panels     []panel `json:"panels"`
	Templating struct {
		List []struct {
			Name  string          `json:"name"`
			Type  string          `json:"type"`
			Query json.RawMessage `json:"query"`
		} `json:"list"`
	} `json:"templating"`
}

type panel struct {
	Type    string  `json:"type"`
	Title   string  `json:"title"`
	Panels  []panel `json:"panels"` // a collapsed row's
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
}

func loadDashboard(t *testing.T) ([]byte, dashboard) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "config", "grafana", "mailgun-operator.json"))
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&d); err != nil {
		t.Fatal(err)
	}
	return b, d
}

// TestDashboardQueries parses every panel's PromQL (and the variables'
// label_values queries) and checks that each names only metrics the
// operator or kube-state-metrics exports, and that every metric of the
// operator's own (mailgun_*) is on some panel.
func TestDashboardQueries(t *testing.T) {
	known := exportedMetrics(t)
	_, d := loadDashboard(t)
	if d.UID == "" || d.Title == "" {
		t.Error("the dashboard has no uid or title")
	}
	used := map[string]bool{}
	check := func(where, q string) {
		for _, n := range metricNames(t, q) {
			used[n] = true
			if !known[n] {
				t.Errorf("%s: %s is not a metric the operator or kube-state-metrics exports (testdata/operator-metrics.txt, config/kube-state-metrics)", where, n)
			}
		}
	}
	var walk func([]panel)
	queries := 0
	walk = func(ps []panel) {
		for _, p := range ps {
			if p.Type == "row" {
				walk(p.Panels)
				continue
			}
			if len(p.Targets) == 0 {
				t.Errorf("panel %q has no query", p.Title)
			}
			for _, tg := range p.Targets {
				queries++
				check("panel "+p.Title, tg.Expr)
			}
		}
	}
	walk(d.Panels)
	labelValues := regexp.MustCompile(`^label_values\((.+),\s*[a-zA-Z_]\w*\)$`)
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		var q struct {
			Query string `json:"query"`
		}
		if err := json.Unmarshal(v.Query, &q); err != nil {
			t.Errorf("variable %s: %v", v.Name, err)
			continue
		}
		m := labelValues.FindStringSubmatch(q.Query)
		if m == nil {
			t.Errorf("variable %s: %q is not label_values(<query>, <label>)", v.Name, q.Query)
			continue
		}
		check("variable "+v.Name, m[1])
	}
	if queries < 10 {
		t.Errorf("%d panel queries found; the walk over the panels is broken", queries)
	}
	// Every family of the operator's own is on the dashboard: a
	// histogram by any of its series.
	for n := range known {
		family := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(n, "_bucket"), "_sum"), "_count")
		if family != n && !known[family+"_bucket"] {
			family = n // a counter ending in _count, not a histogram's series
		}
		if !strings.HasPrefix(family, "mailgun_") {
			continue
		}
		if !used[family] && !used[family+"_bucket"] && !used[family+"_sum"] && !used[family+"_count"] {
			t.Errorf("no panel shows %s", family)
		}
	}
}

// TestRuleQueriesNameExportedMetrics: the alert rules use only exported
// metrics too, and Prometheus's own `up`.
func TestRuleQueriesNameExportedMetrics(t *testing.T) {
	known := exportedMetrics(t)
	known["up"] = true
	for name, r := range alertRules(t, loadRuleGroups(t)) {
		for _, n := range metricNames(t, r.Expr) {
			if !known[n] {
				t.Errorf("%s: %s is not an exported metric", name, n)
			}
		}
	}
}

// TestChartDashboardMatchesConfig: the chart ships the same dashboard.
func TestChartDashboardMatchesConfig(t *testing.T) {
	want, _ := loadDashboard(t)
	got, err := os.ReadFile(filepath.Join(root, "charts", "mailgun-operator", "files", "dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("charts/mailgun-operator/files/dashboard.json differs from config/grafana/mailgun-operator.json: copy it over")
	}
}
