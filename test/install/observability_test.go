package install_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestObservabilityKustomize applies config/prometheus (as config/default
// includes it, uncommented), config/grafana and config/kube-state-metrics
// server-side as dry runs, the Prometheus Operator's kinds against the
// CRD subsets of test/helm/testdata (docs/observability.md, "Install").
func TestObservabilityKustomize(t *testing.T) {
	prepare(t)
	kubectl(t, "apply", "--server-side",
		"-f", filepath.Join(root, "test", "helm", "testdata", "servicemonitor-crd.yaml"),
		"-f", filepath.Join(root, "test", "helm", "testdata", "prometheusrule-crd.yaml"))
	kubectl(t, "wait", "--for=condition=Established", "--timeout=60s",
		"crd/servicemonitors.monitoring.coreos.com", "crd/prometheusrules.monitoring.coreos.com")
	waitResources(t, "monitoring.coreos.com", "servicemonitors", "prometheusrules")

	// config/prometheus as config/default would include it: in the
	// operator's namespace, with its name prefix.
	dir := t.TempDir()
	rel, err := filepath.Rel(dir, filepath.Join(root, "config", "prometheus"))
	if err != nil {
		t.Fatal(err)
	}
	writeTemp(t, dir, "kustomization.yaml", fmt.Sprintf("namespace: %s\nnamePrefix: mailgun-operator-\nresources:\n- %s\n", namespace, filepath.ToSlash(rel)))
	objs := decodeAll(t, kubectl(t, "kustomize", dir))
	if in, _ := ofKind(objs, "ServiceMonitor", "PrometheusRule"); len(in) != 2 || len(objs) != 2 {
		t.Errorf("config/prometheus has %d objects, want a ServiceMonitor and a PrometheusRule", len(objs))
	}
	dryRun(t, len(objs), "-k", dir)

	const grafanaNS = "monitoring"
	kubectl(t, "create", "namespace", grafanaNS)
	dash := decodeAll(t, kubectl(t, "kustomize", filepath.Join(root, "config", "grafana")))
	if len(dash) != 1 || dash[0]["kind"] != "ConfigMap" {
		t.Fatalf("config/grafana: %v, want one ConfigMap", dash)
	}
	md := dash[0]["metadata"].(map[string]any)
	if labels, _ := md["labels"].(map[string]any); labels["grafana_dashboard"] != "1" {
		t.Errorf("the dashboard ConfigMap's labels %v lack grafana_dashboard: \"1\"", labels)
	}
	var board map[string]any
	data, _ := dash[0]["data"].(map[string]any)
	if err := json.Unmarshal([]byte(fmt.Sprint(data["mailgun-operator.json"])), &board); err != nil || board["uid"] != "mailgun-operator" {
		t.Errorf("the dashboard ConfigMap does not hold the dashboard: %v", err)
	}
	dryRun(t, 1, "-k", filepath.Join(root, "config", "grafana"), "-n", grafanaNS)

	ksm := decodeAll(t, kubectl(t, "kustomize", filepath.Join(root, "config", "kube-state-metrics")))
	if len(ksm) != 1 || !strings.Contains(fmt.Sprint(ksm[0]["data"]), "CustomResourceStateMetrics") {
		t.Errorf("config/kube-state-metrics: %v, want one ConfigMap with the config", ksm)
	}
	dryRun(t, 1, "-k", filepath.Join(root, "config", "kube-state-metrics"), "-n", grafanaNS)
}

// waitResources polls discovery until it lists the group's resources:
// Established does not promise that kubectl can map them yet.
func waitResources(t *testing.T, group string, resources ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cache := t.TempDir()
	for {
		out, err := shared.Get(t).Kubectl(ctx, "api-resources", "--cache-dir", cache, "--api-group", group, "-o", "name")
		have := strings.Fields(out)
		if err == nil && !slices.ContainsFunc(resources, func(r string) bool { return !slices.Contains(have, r+"."+group) }) {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("discovery does not list %v of %s: %v\n%s", resources, group, err, out)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
