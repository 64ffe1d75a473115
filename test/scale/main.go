// Command scale is the scale benchmark behind `make bench-scale N=...`
// (docs/benchmarks.md, "Scale"): it starts a local control plane (the
// envtest kube-apiserver and etcd), the Mailgun emulator and the built
// manager as separate processes (test/harness), creates N Routes and a mix of
// MailgunDomains (one per 100 routes, half of them with tracking) and
// Webhooks (four per domain), and prints:
//
//   - the time to apply them and the time until every one is Ready;
//   - Mailgun requests per object cold (the emulator counts every call);
//   - API-server writes by the operator per created object: the API server's
//     own apiserver_request_total counter, read from its /metrics before and
//     after, for the write verbs (PATCH, PUT, APPLY, DELETE) on the
//     operator's kinds. The benchmark itself only creates (POST), so every
//     other write is the operator's; its Events (POST/PATCH on events) are
//     counted apart;
//   - Mailgun reads per object per sync period in steady state, and the
//     API-server writes in that window (zero expected), over a window of
//     -window at -sync-period, and the CPU each process used in it (the
//     manager's per object per sync period: what a drift check costs it);
//   - the manager's RSS (/proc/<pid>/status VmRSS) idle (one account, no
//     objects), after all Ready, at the end of the steady window, and its
//     peak (VmHWM), and the extra RSS per object;
//   - the manager's established TCP connections to the emulator and to the
//     API server (its sockets in /proc/<pid>/fd matched in
//     /proc/<pid>/net/tcp{,6}): the peak while creating and at the end.
//
// It is a program, not a test: `go test ./...` only compiles it (and `go
// vet` checks it), so `make test` never runs it.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
	"github.com/mailgun-operator/mailgun-operator/test/harness"
)

const (
	namespace = "scale"
	apiKey    = "key-scale-0123456789abcdef"
)

type options struct {
	n              int
	domains        int
	hooksPerDomain int
	syncPeriod     time.Duration
	window         time.Duration
	settle         time.Duration
	concurrency    int
	workers        int
	timeout        time.Duration
	managerArgs    string
	labels         string
	verbose        bool
	heapProfile    string
	apiProfile     string
	mgrProfile     string
	managerEnv     string
}

func main() {
	var o options
	flag.IntVar(&o.n, "n", 1000, "Routes to create")
	flag.IntVar(&o.domains, "domains", -1, "MailgunDomains to create (-1: one per 100 routes, at least 2); half ask for tracking")
	flag.IntVar(&o.hooksPerDomain, "webhooks-per-domain", 4, "Webhooks per domain (at most 8, one per event)")
	flag.DurationVar(&o.syncPeriod, "sync-period", 30*time.Second, "the manager's --sync-period")
	flag.DurationVar(&o.window, "window", 0, "steady-state window (0: twice the sync period)")
	flag.DurationVar(&o.settle, "settle", -1, "wait this long after all Ready (and every domain verified) before the steady window (-1: one sync period), so the window sees no creation leftovers")
	flag.IntVar(&o.concurrency, "max-concurrent-reconciles", 4, "the manager's --max-concurrent-reconciles")
	flag.IntVar(&o.workers, "apply-workers", 16, "parallel creates while applying")
	flag.DurationVar(&o.timeout, "timeout", 20*time.Minute, "give up after this long")
	flag.StringVar(&o.managerArgs, "manager-args", "", "extra manager flags, space-separated")
	flag.StringVar(&o.labels, "labels", "", "labels put on every created object, k=v,k2=v2 (to try --watch-label-selector)")
	flag.BoolVar(&o.verbose, "v", false, "echo the manager's and the emulator's output")
	flag.StringVar(&o.heapProfile, "heap-profile", "", "write the manager's heap profile (after a collection) at the end of the steady window to this file; read it with go tool pprof -sample_index=inuse_space")
	flag.StringVar(&o.apiProfile, "apiserver-profile", "", "write a CPU profile of kube-apiserver over the first 60 s after the apply starts to this file")
	flag.StringVar(&o.managerEnv, "manager-env", "", "variables for the manager only, space-separated K=V (e.g. GOGC=50; GOMEMLIMIT from the benchmark's own environment reaches every process)")
	flag.StringVar(&o.mgrProfile, "manager-profile", "", "write a CPU profile of the manager over the first 60 s after the apply starts to this file")
	flag.Parse()
	if o.domains < 0 {
		o.domains = max(2, o.n/100)
	}
	if o.window <= 0 {
		o.window = 2 * o.syncPeriod
	}
	if o.settle < 0 {
		o.settle = o.syncPeriod
	}
	if o.hooksPerDomain > len(events) {
		o.hooksPerDomain = len(events)
	}
	ctrllog.SetLogger(logr.Discard()) // the benchmark's informers log nothing worth reading
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "bench-scale:", err)
		os.Exit(1)
	}
}

var events = []string{"delivered", "opened", "clicked", "permanent_fail", "temporary_fail", "complained", "unsubscribed", "accepted"}

func run(ctx context.Context, o options) error {
	root, err := harness.Root()
	if err != nil {
		return err
	}
	assets, err := harness.Assets()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "bench-scale-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	logf("load average at start: %s", loadavg())
	logf("building the manager and the emulator")
	managerBin, emulatorBin, err := harness.Build(ctx, root, dir)
	if err != nil {
		return err
	}
	logf("starting kube-apiserver and etcd")
	cp, err := harness.StartControlPlane(root, assets)
	if err != nil {
		return err
	}
	defer func() { _ = cp.Stop() }()
	var echo io.Writer
	if o.verbose {
		echo = os.Stderr
	}
	emu, err := harness.StartEmulator(ctx, emulatorBin, apiKey, echo)
	if err != nil {
		return err
	}
	defer func() { _ = emu.Stop(10 * time.Second) }()

	cfg := rest.CopyConfig(cp.Config)
	cfg.QPS, cfg.Burst = -1, 0 // no client-side limit: the API server is what is measured
	scheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(v1alpha1.AddToScheme(scheme))
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return err
	}
	if err := setupAccount(ctx, c, emu.URL); err != nil {
		return err
	}

	// The manager's own metrics, plain http on loopback, for its Go heap.
	metricsPort, err := harness.FreePort()
	if err != nil {
		return err
	}
	metricsURL := fmt.Sprintf("http://127.0.0.1:%d/metrics", metricsPort)
	args := []string{"--sync-period=" + o.syncPeriod.String(),
		fmt.Sprintf("--metrics-bind-address=127.0.0.1:%d", metricsPort), "--metrics-secure=false", "--mailgun-requests-per-second=1000", "--mailgun-burst=1000",
		"--max-concurrent-reconciles=" + strconv.Itoa(o.concurrency)}
	pprofAddr := ""
	if o.heapProfile != "" || o.mgrProfile != "" {
		port, err := harness.FreePort()
		if err != nil {
			return err
		}
		pprofAddr = fmt.Sprintf("127.0.0.1:%d", port)
		args = append(args, "--pprof-bind-address="+pprofAddr)
	}
	args = append(args, strings.Fields(o.managerArgs)...)
	logf("starting the manager: %s (environment: GOMEMLIMIT=%q GOGC=%q, and %q)", strings.Join(args, " "), os.Getenv("GOMEMLIMIT"), os.Getenv("GOGC"), o.managerEnv)
	mgr, err := harness.StartManagerWithEnv(ctx, cp, managerBin, "manager", args, strings.Fields(o.managerEnv), echo)
	if err != nil {
		return err
	}
	defer func() { _ = mgr.Stop(15 * time.Second) }()
	pid := mgr.Pid()

	// Readiness is followed through a watch (an informer), not by listing
	// every object again and again, which would load the API server the
	// benchmark measures.
	informers, err := cache.New(cfg, cache.Options{Scheme: scheme, DefaultNamespaces: map[string]cache.Config{namespace: {}}})
	if err != nil {
		return err
	}
	if _, err := informers.GetInformer(ctx, &v1alpha1.MailgunAccount{}); err != nil {
		return err
	}
	readyObjects := newReadyCounter()
	for _, obj := range []client.Object{&v1alpha1.Route{}, &v1alpha1.MailgunDomain{}, &v1alpha1.Webhook{}} {
		if err := readyObjects.watch(ctx, informers, obj); err != nil {
			return err
		}
	}
	go func() { _ = informers.Start(ctx) }()
	if !informers.WaitForCacheSync(ctx) {
		return errors.New("the benchmark's informers did not sync")
	}
	if err := waitFor(ctx, "the account to be Ready", func() (bool, error) {
		var l v1alpha1.MailgunAccountList
		if err := informers.List(ctx, &l); err != nil {
			return false, err
		}
		return len(l.Items) == 1 && ready(l.Items[0].Status.Conditions), nil
	}); err != nil {
		return fmt.Errorf("%w\n%s", err, tail(mgr.Output()))
	}
	// Idle: the manager with its caches synced and one account, settled.
	time.Sleep(5 * time.Second)
	idle := readMem(pid)
	idleHeap := goHeap(ctx, metricsURL)
	logf("manager idle: RSS %.1f MiB (anonymous %.1f, file %.1f), Go heap in use %.1f MiB", mib(idle.rss), mib(idle.anon), mib(idle.file), mib(idleHeap))

	if err := emu.ResetCalls(ctx); err != nil {
		return err
	}
	w0, err := apiWrites(ctx, cfg)
	if err != nil {
		return err
	}
	cpu0 := cpuSeconds(pid)
	procs0 := readProcCPU()
	machine0 := readMachineCPU()

	// Every domain's DNS is published before it is created, as most
	// domains of a production account are verified: Mailgun (the emulator)
	// shows them active, so no DNS re-checks run.
	for d := range o.domains {
		if err := emu.MarkDNSValid(ctx, fmt.Sprintf("mg%d.example.com", d)); err != nil {
			return err
		}
	}
	objs := build(o)
	total := len(objs)
	logf("applying %d objects: %d routes, %d domains (%d with tracking), %d webhooks", total, o.n, o.domains, (o.domains+1)/2, o.domains*o.hooksPerDomain)
	var peakConns connCount
	stopSampling := sampleConns(pid, emuPort(emu.URL), apiPort(cfg.Host), &peakConns)
	start := time.Now()
	profiled := make(chan error, 2)
	if o.apiProfile != "" {
		go func() { profiled <- saveAPIServerProfile(ctx, cfg, 60, o.apiProfile) }()
	} else {
		profiled <- nil
	}
	if o.mgrProfile != "" {
		go func() {
			profiled <- saveProfile(ctx, "http://"+pprofAddr+"/debug/pprof/profile?seconds=60", o.mgrProfile)
		}()
	} else {
		profiled <- nil
	}
	if err := apply(ctx, c, objs, o.workers); err != nil {
		return err
	}
	applied := time.Since(start)
	logf("applied in %s", applied.Round(100*time.Millisecond))
	var lastReport time.Time
	if err := waitFor(ctx, "every object to be Ready", func() (bool, error) {
		n := readyObjects.count()
		if time.Since(lastReport) > 10*time.Second {
			lastReport = time.Now()
			logf("  %d/%d Ready after %s", n, total, time.Since(start).Round(time.Second))
		}
		return n == total, nil
	}); err != nil {
		return fmt.Errorf("%w\n%s", err, tail(mgr.Output()))
	}
	allReady := time.Since(start)
	stopSampling()
	cpuCold := cpuSeconds(pid) - cpu0
	procsCold := readProcCPU().sub(procs0)
	machineCold := readMachineCPU()
	for range 2 {
		if err := <-profiled; err != nil {
			return err
		}
	}
	afterReady := readMem(pid)
	readyHeap := goHeap(ctx, metricsURL)
	st, err := emu.State(ctx)
	if err != nil {
		return err
	}
	cold := st.TotalCalls
	coldCalls := st.Calls
	w1, err := apiWrites(ctx, cfg)
	if err != nil {
		return err
	}
	coldWrites := w1.sub(w0)
	logf("all Ready after %s", allReady.Round(100*time.Millisecond))

	// Steady state: nothing changes; every object is checked for drift
	// about once per sync period.
	if err := waitFor(ctx, "every domain to be verified", func() (bool, error) {
		var l v1alpha1.MailgunDomainList
		if err := informers.List(ctx, &l); err != nil {
			return false, err
		}
		for _, d := range l.Items {
			if d.Status.State != "active" {
				return false, nil
			}
		}
		return true, nil
	}); err != nil {
		return err
	}
	logf("every domain verified; settling for %s", o.settle)
	time.Sleep(o.settle)
	w1, err = apiWrites(ctx, cfg)
	if err != nil {
		return err
	}
	if err := emu.ResetCalls(ctx); err != nil {
		return err
	}
	logf("steady state: counting Mailgun calls and API-server writes for %s at --sync-period=%s", o.window, o.syncPeriod)
	cpuSteady0 := readProcCPU()
	time.Sleep(o.window)
	cpuSteady := readProcCPU().sub(cpuSteady0)
	steady, err := emu.State(ctx)
	if err != nil {
		return err
	}
	w2, err := apiWrites(ctx, cfg)
	if err != nil {
		return err
	}
	steadyWrites := w2.sub(w1)
	end := readMem(pid)
	endHeap := goHeap(ctx, metricsURL)
	if o.heapProfile != "" {
		if err := saveProfile(ctx, "http://"+pprofAddr+"/debug/pprof/heap?gc=1", o.heapProfile); err != nil {
			return err
		}
		logf("heap profile written to %s", o.heapProfile)
	}
	endConns := countConns(pid, emuPort(emu.URL), apiPort(cfg.Host))
	periods := o.window.Seconds() / o.syncPeriod.Seconds()

	fmt.Println()
	fmt.Printf("objects: %d (routes %d, domains %d, webhooks %d); load average now %s\n", total, o.n, o.domains, o.domains*o.hooksPerDomain, loadavg())
	fmt.Printf("applied in %.1f s; all Ready after %.1f s (manager CPU %.1f s)\n", applied.Seconds(), allReady.Seconds(), cpuCold)
	fmt.Printf("CPU until all Ready, by process: %s; the machine: %.1f s busy (%.1f s by other processes), %.1f s idle\n", procsCold,
		machineCold.busy-machine0.busy, machineCold.busy-machine0.busy-procsCold.total(), machineCold.idle-machine0.idle)
	fmt.Printf("Mailgun requests cold: %d, %.2f per object (%s)\n", cold, float64(cold)/float64(total), nonZero(coldCalls))
	fmt.Printf("API-server writes by the operator cold: %d on its kinds, %.2f per object (%s); events: %d\n",
		coldWrites.managed(), float64(coldWrites.managed())/float64(total), coldWrites.detail(), coldWrites.events())
	routeReads := steady.Calls["GetRoute"] + steady.Calls["ListRoutes"]
	hookReads := steady.Calls["ListWebhooks"] + steady.Calls["GetWebhook"]
	domainReads := steady.Calls["GetDomain"] + steady.Calls["ListDomains"]
	perPeriod := func(reads, n int) float64 {
		if n == 0 {
			return 0
		}
		return float64(reads) / float64(n) / periods
	}
	fmt.Printf("steady reads per object per sync period: routes %.3f (%d), webhooks %.3f (%d), domains %.3f (%d; plus tracking %.3f per domain, %d)\n",
		perPeriod(routeReads, o.n), routeReads, perPeriod(hookReads, o.domains*o.hooksPerDomain), hookReads,
		perPeriod(domainReads, o.domains), domainReads, perPeriod(steady.Calls["GetTracking"], o.domains), steady.Calls["GetTracking"])
	fmt.Printf("steady Mailgun calls in %s: %d (%s); API-server writes: %d on its kinds, %d events\n",
		o.window, steady.TotalCalls, nonZero(steady.Calls), steadyWrites.managed(), steadyWrites.events())
	// Every object is reconciled about once per sync period, so this is
	// the manager's CPU per drift check.
	fmt.Printf("CPU in the steady window, by process: %s; the manager %.2f ms per object per sync period\n",
		cpuSteady, cpuSteady["manager"]*1000/float64(total)/periods)
	fmt.Printf("manager RSS: idle %.1f MiB, all Ready %.1f MiB, end of steady window %.1f MiB, peak (VmHWM) %.1f MiB; per object %.2f KiB (end - idle)\n",
		mib(idle.rss), mib(afterReady.rss), mib(end.rss), mib(end.hwm), float64(end.rss-idle.rss)/1024/float64(total))
	fmt.Printf("manager RSS anonymous / file: idle %.1f / %.1f MiB, end %.1f / %.1f MiB\n", mib(idle.anon), mib(idle.file), mib(end.anon), mib(end.file))
	fmt.Printf("manager Go heap in use (go_memstats_heap_inuse_bytes): idle %.1f MiB, all Ready %.1f MiB, end %.1f MiB; per object %.2f KiB (end - idle)\n",
		mib(idleHeap), mib(readyHeap), mib(endHeap), float64(endHeap-idleHeap)/1024/float64(total))
	fmt.Printf("manager TCP connections: peak while creating %d to the emulator, %d to the API server; at the end %d and %d\n",
		peakConns.emulator, peakConns.api, endConns.emulator, endConns.api)
	fmt.Println()
	fmt.Println("| routes | objects | applied | all Ready | Mailgun req/object cold | operator API writes/object | steady reads/period: routes, webhooks, domains (+tracking) | RSS idle → peak, end | per object |")
	fmt.Printf("| %d | %d | %.1f s | %.1f s | %.2f | %.2f | %.3f, %.3f, %.3f (+%.2f) | %.1f → %.1f, %.1f MiB | %.2f KiB |\n",
		o.n, total, applied.Seconds(), allReady.Seconds(), float64(cold)/float64(total), float64(coldWrites.managed())/float64(total),
		perPeriod(routeReads, o.n), perPeriod(hookReads, o.domains*o.hooksPerDomain), perPeriod(domainReads, o.domains),
		perPeriod(steady.Calls["GetTracking"], o.domains), mib(idle.rss), mib(end.hwm), mib(end.rss), float64(end.rss-idle.rss)/1024/float64(total))
	return nil
}

func logf(format string, a ...any) {
	fmt.Fprintf(os.Stderr, time.Now().Format("15:04:05 ")+format+"\n", a...)
}

func setupAccount(ctx context.Context, c client.Client, url string) error {
	for _, y := range []map[string]any{
		{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": namespace}},
		{"apiVersion": "v1", "kind": "Secret", "metadata": map[string]any{"name": "mailgun-api-key", "namespace": namespace},
			"stringData": map[string]any{"api-key": apiKey}},
		{"apiVersion": "mailgun.operator.dev/v1alpha1", "kind": "MailgunAccount", "metadata": map[string]any{"name": "default", "namespace": namespace},
			"spec": map[string]any{"apiBaseURL": url, "apiKeySecretRef": map[string]any{"name": "mailgun-api-key", "key": "api-key"}}},
	} {
		if err := c.Create(ctx, &unstructured.Unstructured{Object: y}); err != nil {
			return fmt.Errorf("cannot create %s: %w", y["kind"], err)
		}
	}
	return nil
}

// build makes the objects, domains first, so that webhooks find their
// domain in Mailgun (as a GitOps tool applying in order would).
func build(o options) []*unstructured.Unstructured {
	labels := map[string]any{}
	for _, kv := range strings.Split(o.labels, ",") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			labels[k] = v
		}
	}
	obj := func(kind, name string, spec map[string]any) *unstructured.Unstructured {
		md := map[string]any{"name": name, "namespace": namespace}
		if len(labels) > 0 {
			md["labels"] = labels
		}
		return &unstructured.Unstructured{Object: map[string]any{"apiVersion": "mailgun.operator.dev/v1alpha1", "kind": kind,
			"metadata": md, "spec": spec}}
	}
	var out []*unstructured.Unstructured
	for d := range o.domains {
		spec := map[string]any{"domainName": fmt.Sprintf("mg%d.example.com", d), "spamAction": "tag"}
		if d%2 == 0 {
			spec["tracking"] = map[string]any{"click": "on", "open": true}
		}
		out = append(out, obj("MailgunDomain", fmt.Sprintf("mg%d", d), spec))
	}
	for d := range o.domains {
		for _, ev := range events[:o.hooksPerDomain] {
			out = append(out, obj("Webhook", fmt.Sprintf("mg%d-%s", d, strings.ReplaceAll(ev, "_", "-")), map[string]any{
				"domain": fmt.Sprintf("mg%d.example.com", d), "event": ev,
				"urls": []any{fmt.Sprintf("https://hooks.example.com/mg%d/%s", d, ev)}}))
		}
	}
	for i := range o.n {
		out = append(out, obj("Route", fmt.Sprintf("r%05d", i), map[string]any{
			"priority":    int64(i % 100),
			"description": fmt.Sprintf("route %d", i),
			"expression":  fmt.Sprintf(`match_recipient("user%d@mg%d.example.com")`, i, i%o.domains),
			"actions":     []any{fmt.Sprintf(`forward("https://inbound.example.com/%d")`, i), "stop()"},
		}))
	}
	return out
}

func apply(ctx context.Context, c client.Client, objs []*unstructured.Unstructured, workers int) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(objs) {
					return
				}
				if err := c.Create(ctx, objs[i]); err != nil {
					errs <- fmt.Errorf("cannot create %s %s: %w", objs[i].GetKind(), objs[i].GetName(), err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

func ready(conds []metav1.Condition) bool {
	c := meta.FindStatusCondition(conds, v1alpha1.ConditionReady)
	return c != nil && c.Status == "True"
}

func waitFor(ctx context.Context, what string, done func() (bool, error)) error {
	for {
		ok, err := done()
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("timed out waiting for %s: %w", what, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func tail(s string) string {
	const max = 8 << 10
	if len(s) > max {
		return "[...]\n" + s[len(s)-max:]
	}
	return s
}

func nonZero(calls map[string]int) string {
	var ks []string
	for k, v := range calls {
		if v > 0 {
			ks = append(ks, fmt.Sprintf("%s %d", k, v))
		}
	}
	sort.Strings(ks)
	return strings.Join(ks, ", ")
}

// writes counts API-server write requests by resource/subresource and verb.
type writes map[string]float64

var requestLine = regexp.MustCompile(`^apiserver_request_total\{(.*)\} ([0-9.e+]+)$`)
var label = regexp.MustCompile(`(\w+)="([^"]*)"`)

// apiWrites reads the API server's request counter for write verbs.
func apiWrites(ctx context.Context, cfg *rest.Config) (writes, error) {
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(cfg.Host, "/")+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot read the API server's metrics: %w", err)
	}
	defer resp.Body.Close()
	out := writes{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		m := requestLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		l := map[string]string{}
		for _, kv := range label.FindAllStringSubmatch(m[1], -1) {
			l[kv[1]] = kv[2]
		}
		switch l["verb"] {
		case "POST", "PATCH", "PUT", "APPLY", "DELETE":
		default:
			continue
		}
		v, err := strconv.ParseFloat(m[2], 64)
		if err != nil {
			continue
		}
		key := l["resource"]
		if l["subresource"] != "" {
			key += "/" + l["subresource"]
		}
		out[l["verb"]+" "+key] += v
	}
	return out, sc.Err()
}

func (w writes) sub(before writes) writes {
	out := writes{}
	for k, v := range w {
		if d := v - before[k]; d > 0 {
			out[k] = d
		}
	}
	return out
}

var managedResources = map[string]bool{"routes": true, "webhooks": true, "mailgundomains": true}

// managed is the operator's writes to its kinds: all but POST, which only
// the benchmark sends.
func (w writes) managed() int {
	n := 0.0
	for k, v := range w {
		verb, res, _ := strings.Cut(k, " ")
		base, _, _ := strings.Cut(res, "/")
		if verb != "POST" && managedResources[base] {
			n += v
		}
	}
	return int(n)
}

func (w writes) events() int {
	n := 0.0
	for k, v := range w {
		if _, res, _ := strings.Cut(k, " "); res == "events" {
			n += v
		}
	}
	return int(n)
}

func (w writes) detail() string {
	var ks []string
	for k, v := range w {
		verb, res, _ := strings.Cut(k, " ")
		base, _, _ := strings.Cut(res, "/")
		if verb != "POST" && managedResources[base] {
			ks = append(ks, fmt.Sprintf("%s %d", k, int(v)))
		}
	}
	sort.Strings(ks)
	return strings.Join(ks, ", ")
}

// mem is a reading of /proc/<pid>/status, in bytes: RSS, its peak, and
// RSS split into anonymous memory (heap, stacks) and file pages (the
// binary's code and data as far as it was touched).
type mem struct{ rss, hwm, anon, file int64 }

func readMem(pid int) mem {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	var m mem
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			m.rss = kb * 1024
		case "VmHWM:":
			m.hwm = kb * 1024
		case "RssAnon:":
			m.anon = kb * 1024
		case "RssFile:":
			m.file = kb * 1024
		}
	}
	return m
}

// saveProfile writes a profile of the manager, read from its pprof
// endpoint at url, to file.
func saveProfile(ctx context.Context, url, file string) error {
	return saveProfileWith(ctx, http.DefaultClient, url, file)
}

func saveProfileWith(ctx context.Context, c *http.Client, url, file string) error {
	body, err := httpGetWith(ctx, c, url)
	if err != nil {
		return fmt.Errorf("cannot read the profile: %w", err)
	}
	defer body.Close()
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, body); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// goHeap reads go_memstats_heap_inuse_bytes from the manager's metrics; 0
// when it cannot.
func goHeap(ctx context.Context, url string) int64 {
	body, err := httpGet(ctx, url)
	if err != nil {
		return 0
	}
	defer body.Close()
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "go_memstats_heap_inuse_bytes "); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return int64(f)
		}
	}
	return 0
}

// httpGet GETs url from the manager and returns the body of a 200 answer.
func httpGet(ctx context.Context, url string) (io.ReadCloser, error) {
	return httpGetWith(ctx, http.DefaultClient, url)
}

func httpGetWith(ctx context.Context, c *http.Client, url string) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return resp.Body, nil
}

// cpuSeconds is the process's user+system CPU time (/proc/<pid>/stat,
// fields 14 and 15, in clock ticks of 1/100 s on Linux).
func cpuSeconds(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseFloat(f[11], 64)
	k, _ := strconv.ParseFloat(f[12], 64)
	return (u + k) / 100
}

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

type connCount struct{ emulator, api int }

// countConns counts the process's established TCP connections by remote
// port: its socket inodes (/proc/<pid>/fd) looked up in the connection
// tables of its network namespace.
func countConns(pid, emu, api int) connCount {
	inodes := map[string]bool{}
	fds, _ := filepath.Glob(fmt.Sprintf("/proc/%d/fd/*", pid))
	for _, fd := range fds {
		if l, err := os.Readlink(fd); err == nil && strings.HasPrefix(l, "socket:[") {
			inodes[strings.TrimSuffix(strings.TrimPrefix(l, "socket:["), "]")] = true
		}
	}
	var c connCount
	for _, t := range []string{"tcp", "tcp6"} {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/net/%s", pid, t))
		for _, line := range strings.Split(string(b), "\n")[1:] {
			f := strings.Fields(line)
			if len(f) < 10 || f[3] != "01" || !inodes[f[9]] { // 01: ESTABLISHED
				continue
			}
			_, port, _ := strings.Cut(f[2], ":")
			p, _ := strconv.ParseInt(port, 16, 32)
			switch int(p) {
			case emu:
				c.emulator++
			case api:
				c.api++
			}
		}
	}
	return c
}

func sampleConns(pid, emu, api int, peak *connCount) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c := countConns(pid, emu, api)
			peak.emulator = max(peak.emulator, c.emulator)
			peak.api = max(peak.api, c.api)
			select {
			case <-done:
				return
			case <-time.After(time.Second):
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

func portOf(hostport string) int {
	i := strings.LastIndexByte(hostport, ':')
	p, _ := strconv.Atoi(strings.TrimRight(hostport[i+1:], "/"))
	return p
}

func emuPort(url string) int  { return portOf(url) }
func apiPort(host string) int { return portOf(host) }
