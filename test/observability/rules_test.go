package observability

import (
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
	"go.yaml.in/yaml/v3"
)

// root is the repository's top folder.
const root = "../.."

// kustomizeJob is the job label of the operator's metrics as config/default
// names its Service; the chart's copy of the rules has its own.
const kustomizeJob = "mailgun-operator-controller-manager-metrics-service"

var promParser = parser.NewParser(parser.Options{})

// loadRuleGroups reads config/prometheus/rules.yaml, a PrometheusRule, and
// parses its spec as Prometheus parses a rules file (strictly: unknown
// fields, bad expressions and bad templates are errors).
func loadRuleGroups(t *testing.T) *rulefmt.RuleGroups {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "config", "prometheus", "rules.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var obj struct {
		Kind string    `yaml:"kind"`
		Spec yaml.Node `yaml:"spec"`
	}
	if err := yaml.Unmarshal(b, &obj); err != nil {
		t.Fatal(err)
	}
	if obj.Kind != "PrometheusRule" {
		t.Fatalf("rules.yaml is a %q, want a PrometheusRule", obj.Kind)
	}
	spec, err := yaml.Marshal(&obj.Spec)
	if err != nil {
		t.Fatal(err)
	}
	return parseGroups(t, spec)
}

func parseGroups(t *testing.T, b []byte) *rulefmt.RuleGroups {
	t.Helper()
	groups, errs := rulefmt.Parse(b, false, model.UTF8Validation, promParser, slog.New(slog.DiscardHandler))
	for _, err := range errs {
		t.Error(err)
	}
	if len(errs) > 0 {
		t.FailNow()
	}
	return groups
}

// alertRules are the alerting rules of every group, by name.
func alertRules(t *testing.T, groups *rulefmt.RuleGroups) map[string]rulefmt.Rule {
	t.Helper()
	out := map[string]rulefmt.Rule{}
	for _, g := range groups.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				t.Errorf("rule %q of group %s is not an alert", r.Record, g.Name)
				continue
			}
			out[r.Alert] = r
		}
	}
	return out
}

// alertCase is one alert's test: series that must make it fire by the end
// of the evaluation, series on which it must never fire.
type alertCase struct {
	alert string
	// minutes evaluated, once a minute from 0, with the series of load.
	minutes int
	// fire: series in promqltest's notation, one a line, a sample a minute.
	fire string
	// want: labels the firing alert has (a subset); descr: texts its
	// description contains.
	want  map[string]string
	descr []string
	// healthy: load lines on which the alert never fires.
	healthy []string
}

const (
	ready = `mailgun_operator_object_condition{kind="Route",namespace="team-a",name="inbound",type="Ready"`
	job   = `job="` + kustomizeJob + `"`
)

var alertCases = []alertCase{
	{
		alert: "MailgunObjectNotReady", minutes: 20,
		// A reason that changes midway does not restart the 15 minutes.
		fire: ready + `,status="False",reason="ProgressingWithRetry"} 1x9 stale
` + ready + `,status="False",reason="RateLimited"} _x10 1x10`,
		want:  map[string]string{"kind": "Route", "namespace": "team-a", "name": "inbound", "severity": "warning"},
		descr: []string{"its reason now: RateLimited", "Conditions and what to do"},
		healthy: []string{
			ready + `,status="True",reason="Succeeded"} 1x20`,
			// Not Ready for 10 minutes, then Ready.
			ready + `,status="False",reason="Progressing"} 1x9 stale
` + ready + `,status="True",reason="Succeeded"} _x10 1x10`,
		},
	},
	{
		alert: "MailgunObjectStalled", minutes: 10,
		fire:  `mailgun_operator_object_condition{kind="MailgunAccount",namespace="team-a",name="main",type="Stalled",status="True",reason="InvalidCredentials"} 1x10`,
		want:  map[string]string{"kind": "MailgunAccount", "namespace": "team-a", "name": "main", "reason": "InvalidCredentials"},
		descr: []string{"reason InvalidCredentials", "Conditions and what to do"},
		healthy: []string{
			`mailgun_operator_object_condition{kind="Route",namespace="team-a",name="inbound",type="Reconciling",status="True",reason="RateLimited"} 1x10`,
			// Stalled for 3 minutes only: the object healed.
			`mailgun_operator_object_condition{kind="MailgunAccount",namespace="team-a",name="main",type="Stalled",status="True",reason="SecretNotFound"} 1x3 stale`,
		},
	},
	{
		alert: "MailgunUnauthorized", minutes: 6,
		fire:  `mailgun_requests_total{operation="GetDomain",code="401"} 0 0 0 1 1 1 1`,
		want:  map[string]string{"operation": "GetDomain", "severity": "critical"},
		descr: []string{"InvalidCredentials"},
		healthy: []string{`mailgun_requests_total{operation="GetDomain",code="401"} 0x6
mailgun_requests_total{operation="GetDomain",code="2xx"} 0+10x6
mailgun_requests_total{operation="GetDomain",code="4xx"} 0+1x6
mailgun_requests_total{operation="GetDomain",code="403"} 0+1x6`},
	},
	{
		// A key that stays revoked: the Stalled account is checked again
		// once per sync period (10 minutes and jitter), so 401s come every
		// 11 minutes; the alert must still be firing 14 minutes after the
		// last one instead of resolving between rechecks.
		alert: "MailgunUnauthorized", minutes: 36,
		fire:    `mailgun_requests_total{operation="GetAccount",code="401"} 0 1x10 2x10 3x13`,
		want:    map[string]string{"operation": "GetAccount", "severity": "critical"},
		descr:   []string{"InvalidCredentials"},
		healthy: []string{`mailgun_requests_total{operation="GetAccount",code="401"} 0x36`},
	},
	{
		alert: "MailgunForbidden", minutes: 6,
		fire:  `mailgun_requests_total{operation="CreateDomain",code="403"} 0 0 1 1 1 1 1`,
		want:  map[string]string{"operation": "CreateDomain"},
		descr: []string{"Stalled Forbidden"},
		healthy: []string{`mailgun_requests_total{operation="CreateDomain",code="403"} 0x6
mailgun_requests_total{operation="CreateDomain",code="401"} 0+1x6
mailgun_requests_total{operation="CreateDomain",code="429"} 0+1x6`},
	},
	{
		alert: "MailgunRateLimited", minutes: 25,
		fire:  `mailgun_requests_total{operation="UpdateDomain",code="429"} 0+2x25`,
		want:  map[string]string{"operation": "UpdateDomain"},
		descr: []string{"--mailgun-requests-per-second", "Reconciling RateLimited"},
		healthy: []string{
			// One burst of 429s, then none: not sustained.
			`mailgun_requests_total{operation="UpdateDomain",code="429"} 0x10 5x15`,
			`mailgun_requests_total{operation="UpdateDomain",code="2xx"} 0+50x25`,
		},
	},
	{
		alert: "MailgunServerErrors", minutes: 20,
		fire: `mailgun_requests_total{operation="GetDomain",code="2xx"} 0+10x20
mailgun_requests_total{operation="GetDomain",code="5xx"} 0+5x20`,
		descr: []string{"ProgressingWithRetry"},
		healthy: []string{
			`mailgun_requests_total{operation="GetDomain",code="2xx"} 0+100x20
mailgun_requests_total{operation="GetDomain",code="5xx"} 0+1x20`,
			// No requests at all: no ratio, no alert.
			`mailgun_requests_total{operation="GetDomain",code="5xx"} 0x20
mailgun_requests_total{operation="GetDomain",code="2xx"} 0x20`,
		},
	},
	{
		alert: "MailgunOperatorAbsent", minutes: 20,
		fire:  `up{` + job + `,instance="10.0.0.1:8443"} 1x5 0x15`,
		want:  map[string]string{"severity": "critical"},
		descr: []string{"Deployment"},
		healthy: []string{
			`up{` + job + `,instance="10.0.0.1:8443"} 1x20`,
			// Two replicas, one down: the other is scraped.
			`up{` + job + `,instance="10.0.0.1:8443"} 1x20
up{` + job + `,instance="10.0.0.2:8443"} 0x20`,
		},
	},
	{
		alert: "MailgunOperatorReconcileErrors", minutes: 25,
		fire:  `controller_runtime_reconcile_errors_total{` + job + `,controller="route"} 0+1x25`,
		want:  map[string]string{"controller": "route"},
		descr: []string{"manager's log"},
		healthy: []string{
			// Errors long ago, none now.
			`controller_runtime_reconcile_errors_total{` + job + `,controller="route"} 3x25`,
			// Another operator's errors are not ours.
			`controller_runtime_reconcile_errors_total{job="other-operator",controller="route"} 0+1x25`,
		},
	},
}

// TestAlertsFireAndStaySilent: every alert of config/prometheus/rules.yaml
// fires on the series that should fire it, with the labels and description
// a person needs, not before its `for` has passed, and never on healthy
// series.
func TestAlertsFireAndStaySilent(t *testing.T) {
	all := alertRules(t, loadRuleGroups(t))
	tested := map[string]bool{}
	for _, tc := range alertCases {
		tested[tc.alert] = true
		r, ok := all[tc.alert]
		if !ok {
			t.Errorf("no alert %s in rules.yaml", tc.alert)
			continue
		}
		t.Run(tc.alert, func(t *testing.T) {
			firing := evalAlert(t, r, tc.fire, tc.minutes)
			last := firing[len(firing)-1]
			if len(last) != 1 {
				t.Fatalf("%d alerts firing at %dm, want 1", len(last), tc.minutes)
			}
			a := last[0]
			for k, v := range tc.want {
				if got := a.labels.Get(k); got != v {
					t.Errorf("label %s = %q, want %q (labels %v)", k, got, v, a.labels)
				}
			}
			// Nothing fires before the rule's `for` has passed since the
			// series began.
			for m := range firing {
				if len(firing[m]) > 0 && time.Duration(m)*time.Minute < time.Duration(r.For) {
					t.Errorf("firing at %dm, before its for: %v", m, r.For)
				}
			}
			descr := a.annotations.Get("description")
			for _, s := range tc.descr {
				if !strings.Contains(descr, s) {
					t.Errorf("the description lacks %q:\n%s", s, descr)
				}
			}
			a.annotations.Range(func(l labels.Label) {
				if strings.Contains(l.Value, "<error expanding template") || strings.Contains(l.Value, "<no value>") {
					t.Errorf("annotation %s: %s", l.Name, l.Value)
				}
			})
			for i, h := range tc.healthy {
				for m, now := range evalAlert(t, r, h, tc.minutes) {
					if len(now) > 0 {
						t.Errorf("healthy series %d: firing at %dm: %v", i, m, now[0].labels)
					}
				}
			}
		})
	}
	for name := range all {
		if !tested[name] {
			t.Errorf("alert %s has no test case", name)
		}
	}
}

// TestAlertsAreDocumented: every alert has a summary, a description, a
// severity and a runbook_url whose anchor is a heading of
// docs/observability.md.
func TestAlertsAreDocumented(t *testing.T) {
	anchors := markdownAnchors(t, filepath.Join(root, "docs", "observability.md"))
	const base = "https://github.com/mailgun-operator/mailgun-operator/blob/main/docs/observability.md#"
	for name, r := range alertRules(t, loadRuleGroups(t)) {
		for _, k := range []string{"summary", "description", "runbook_url"} {
			if r.Annotations[k] == "" {
				t.Errorf("%s has no %s", name, k)
			}
		}
		if s := r.Labels["severity"]; s != "warning" && s != "critical" {
			t.Errorf("%s: severity %q", name, s)
		}
		url := r.Annotations["runbook_url"]
		if !strings.HasPrefix(url, base) || !anchors[strings.TrimPrefix(url, base)] {
			t.Errorf("%s: runbook_url %s is not a heading of docs/observability.md", name, url)
		}
	}
}

// markdownAnchors are the anchors GitHub gives a file's headings.
func markdownAnchors(t *testing.T, path string) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	drop := regexp.MustCompile(`[^a-z0-9 _-]`)
	for _, m := range regexp.MustCompile(`(?m)^#+ (.+)$`).FindAllStringSubmatch(string(b), -1) {
		a := drop.ReplaceAllString(strings.ToLower(strings.TrimSpace(m[1])), "")
		out[strings.ReplaceAll(a, " ", "-")] = true
	}
	return out
}

// TestChartRulesMatchConfig: the chart's rules are config/prometheus's,
// but for the job label, which the chart sets to its metrics Service's
// name when it renders them.
func TestChartRulesMatchConfig(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root, "charts", "mailgun-operator", "files", "rules.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	chart := parseGroups(t, b)
	if !reflect.DeepEqual(chart, loadRuleGroups(t)) {
		t.Error("charts/mailgun-operator/files/rules.yaml differs from the spec of config/prometheus/rules.yaml: copy it over")
	}
	if !strings.Contains(string(b), `job="`+kustomizeJob+`"`) {
		t.Errorf("the chart's rules lack %s, which its template replaces", kustomizeJob)
	}
}
