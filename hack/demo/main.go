// Command demo shows mailgun-operator at work with nothing installed: a local
// kube-apiserver and etcd, the Mailgun emulator and the manager run as
// processes, the samples are applied with kubectl, and what a user would look
// at is printed. `make demo` runs it; DEMO_EXIT=1 ends it after the show,
// otherwise it runs until Ctrl-C.
package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/mailgun-operator/mailgun-operator/test/harness"
)

// demoKey is the API key of the sample Secret, which the emulator accepts.
const demoKey = "key-demo-0123456789abcdef"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

// stack is what the demo started, stopped in reverse order.
type stack struct {
	cp         *harness.ControlPlane
	emulator   *harness.Emulator
	manager    *harness.Process
	metricsURL string // the manager's /metrics, plain HTTP on loopback
}

func (s *stack) stop() {
	if s.manager != nil {
		_ = s.manager.Stop(15 * time.Second)
	}
	if s.emulator != nil {
		_ = s.emulator.Stop(5 * time.Second)
	}
	if s.cp != nil {
		_ = s.cp.Stop()
	}
}

func run(ctx context.Context) error {
	root, err := harness.Root()
	if err != nil {
		return err
	}
	assets, err := harness.Assets()
	if err != nil {
		return err
	}
	s := &stack{}
	defer s.stop()
	if err := s.start(ctx, root, assets); err != nil {
		return err
	}
	if err := show(ctx, root, s); err != nil {
		fmt.Fprintln(os.Stderr, "\nmanager log:\n"+s.manager.Output())
		return err
	}
	if os.Getenv("DEMO_EXIT") == "1" {
		step("Done: every sample is Ready. Stopping (DEMO_EXIT=1).")
		return nil
	}
	step("Running. Poke at it with kubectl; Ctrl-C stops everything:")
	fmt.Printf("  export KUBECONFIG=%s\n  %s/kubectl get mailgun -A\n  curl -s %s | grep ^mailgun_\n", s.cp.Kubeconfig, assets, s.metricsURL)
	<-ctx.Done()
	step("Stopping.")
	return nil
}

func (s *stack) start(ctx context.Context, root, assets string) (err error) {
	step("Starting a local kube-apiserver and etcd with the CRDs")
	if s.cp, err = harness.StartControlPlane(root, assets); err != nil {
		return err
	}
	step("Building the manager and the Mailgun emulator")
	bins := filepath.Join(s.cp.Dir(), "bin")
	manager, emulator, err := harness.Build(ctx, root, bins)
	if err != nil {
		return err
	}
	step("Starting the Mailgun emulator")
	if s.emulator, err = harness.StartEmulator(ctx, emulator, demoKey, nil); err != nil {
		return err
	}
	fmt.Println("  Mailgun API at", s.emulator.URL)
	step("Starting the manager")
	port, err := harness.FreePort()
	if err != nil {
		return err
	}
	s.metricsURL = fmt.Sprintf("http://127.0.0.1:%d/metrics", port)
	s.manager, err = harness.StartManager(ctx, s.cp, manager, "manager",
		[]string{"--dns-check-interval=2s", "--sync-period=30s",
			fmt.Sprintf("--metrics-bind-address=127.0.0.1:%d", port), "--metrics-secure=false"}, nil)
	return err
}

// show applies the samples and prints what a user looks at.
func show(ctx context.Context, root string, s *stack) error {
	dir, err := harness.Samples(root, s.cp, s.emulator.URL)
	if err != nil {
		return err
	}
	k := func(args ...string) error {
		out, err := s.cp.Kubectl(ctx, args...)
		fmt.Print(indent(out))
		return err
	}
	step("kubectl apply -k config/samples (the account points at the emulator)")
	if err := k("apply", "-k", dir); err != nil {
		return err
	}
	step("kubectl wait --for=condition=Ready mailgunaccount,mailgundomain,webhook,route --all")
	if err := k("wait", "--for=condition=Ready", "mailgunaccount,mailgundomain,webhook,route", "--all", "--timeout=180s"); err != nil {
		return err
	}
	step("kubectl get mailgun -A")
	if err := k("get", "mailgun", "-A"); err != nil {
		return err
	}
	step("Conditions of every object")
	if err := k("get", "mailgun", "-o", `custom-columns=KIND:.kind,NAME:.metadata.name,CONDITIONS:.status.conditions[*].type,STATUS:.status.conditions[*].status,REASONS:.status.conditions[*].reason`); err != nil {
		return err
	}
	step("DNS records to publish for mg.example.com (status.sendingDNSRecords and receivingDNSRecords)")
	if err := k("get", "mailgundomain", "mg-example-com", "-o", `jsonpath={range .status.sendingDNSRecords[*]}{.recordType}{"\t"}{.name}{"\t"}{.value}{"\t"}{.valid}{"\n"}{end}{range .status.receivingDNSRecords[*]}{.recordType}{"\t"}{.name}{"\t"}{.priority} {.value}{"\t"}{.valid}{"\n"}{end}`); err != nil {
		return err
	}
	step("Publishing the records (the emulator marks them valid); Mailgun's next check verifies them")
	if err := s.emulator.MarkDNSValid(ctx, "mg.example.com"); err != nil {
		return err
	}
	if err := k("wait", "--for=condition=DNSVerified", "mailgundomain/mg-example-com", "--timeout=60s"); err != nil {
		return err
	}
	if err := k("get", "mailgundomain"); err != nil {
		return err
	}
	return showMetrics(ctx, s.metricsURL)
}

// showMetrics prints the per-object series and the Mailgun request counts
// from the manager's metrics, and where the alerts and the dashboard are.
func showMetrics(ctx context.Context, url string) error {
	step("Metrics at " + url + ": one series per object and condition, Mailgun requests by operation and status")
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("cannot scrape the manager: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("cannot read the metrics: %w", err)
	}
	var lines []string
	for _, l := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(l, "mailgun_operator_object_condition{") ||
			(strings.HasPrefix(l, "mailgun_requests_total{") && !strings.HasSuffix(l, " 0")) {
			lines = append(lines, l)
		}
	}
	fmt.Print(indent(strings.Join(lines, "\n")))
	step("Alerts, dashboard and kube-state-metrics config (docs/observability.md)")
	fmt.Print(indent(`alert rules:        config/prometheus/rules.yaml (chart: --set prometheusRule.enabled=true)
Grafana dashboard:  config/grafana/mailgun-operator.json (chart: --set grafanaDashboard.enabled=true)
kube-state-metrics: config/kube-state-metrics/custom-resource-state.yaml (chart: --set kubeStateMetrics.enabled=true)`))
	return nil
}

func step(msg string) { fmt.Printf("\n==> %s\n", msg) }

func indent(s string) string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return ""
	}
	return "  " + strings.ReplaceAll(s, "\n", "\n  ") + "\n"
}
