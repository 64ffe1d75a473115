package controller

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
	"github.com/mailgun-operator/mailgun-operator/internal/mailgun"
)

// The controllers run in a real manager against a real kube-apiserver and
// etcd (envtest), and talk to in-memory Mailgun emulators: one per test, so
// no test sees another's Mailgun state.

var (
	ctx      context.Context
	cancel   context.CancelFunc
	testEnv  *envtest.Environment
	k8s      client.Client // direct, uncached
	cfg      *rest.Config
	mgClient *mailgun.Client
	mgrCache client.Reader // the manager's informer cache, for indexed lists
	// The emulators are http on 127.0.0.1, as with the manager flags
	// --mailgun-allowed-hosts=127.0.0.1 --mailgun-allow-insecure-http.
	testOpts = Options{SyncPeriod: 4 * time.Second, DNSCheckInterval: time.Second, CreateGrace: 3 * time.Second,
		AllowedHosts: []string{"127.0.0.1"}, AllowInsecureHTTP: true}
	failAfter = &statusFailures{}
	// testPolicy is testOpts' HostPolicy, for Engines built by hand.
	testPolicy = HostPolicy{AllowedHosts: testOpts.AllowedHosts, AllowInsecureHTTP: testOpts.AllowInsecureHTTP}
)

func TestControllers(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Controller suite")
}

var _ = BeforeSuite(func() {
	logf.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	ctx, cancel = context.WithCancel(context.Background())
	testEnv = &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "..", "config", "crd", "bases"), externalDNSCRDs()},
		ErrorIfCRDPathMissing: true,
	}
	var err error
	cfg, err = testEnv.Start()
	Expect(err).NotTo(HaveOccurred())

	scheme := runtime.NewScheme()
	Expect(clientgoscheme.AddToScheme(scheme)).To(Succeed())
	Expect(v1alpha1.AddToScheme(scheme)).To(Succeed())
	k8s, err = client.New(cfg, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())

	// A deleted Secret of an account in use is released after this long.
	secretReleaseGrace = 3 * time.Second
	// The manager's cache options, as cmd/manager sets them.
	var cacheOpts cache.Options
	SetCacheTransforms(&cacheOpts)
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Cache:   cacheOpts,
		Scheme:  scheme,
		Metrics: metricsserver.Options{BindAddress: "0"},
		NewClient: func(c *rest.Config, o client.Options) (client.Client, error) {
			base, err := client.New(c, o)
			if err != nil {
				return nil, err
			}
			watching, err := client.NewWithWatch(c, client.Options{Scheme: o.Scheme, Mapper: o.Mapper})
			if err != nil {
				return nil, err
			}
			return interceptor.NewClient(withWatch{Client: base, w: watching}, interceptor.Funcs{SubResourcePatch: failAfter.patch}), nil
		},
	})
	Expect(err).NotTo(HaveOccurred())
	mgrCache = mgr.GetCache()
	mgClient = mailgun.New(mailgun.Options{Timeout: clientTimeout, RetryBaseDelay: 10 * time.Millisecond, RequestsPerSecond: 200, Burst: 200})
	Expect(SetupWithManager(mgr, mgClient, testOpts)).To(Succeed())
	go func() {
		defer GinkgoRecover()
		Expect(mgr.Start(ctx)).To(Succeed())
	}()
})

var _ = AfterSuite(func() {
	cancel()
	if testEnv != nil {
		Expect(testEnv.Stop()).To(Succeed())
	}
})

// clientTimeout is the Mailgun client's per-request timeout: short, so that
// a lost answer (the fault matrix's "timeout after the write") costs seconds,
// and still far above what the in-process emulator takes on a loaded machine.
const clientTimeout = 5 * time.Second

// statusFailures makes chosen status writes fail once, as a crash or an
// API-server hiccup between a Mailgun create and its record would.
type statusFailures struct {
	mu sync.Mutex
	// when returns true for the status write to fail; it is removed once used.
	rules []func(client.Object) bool
}

func (s *statusFailures) failOnce(when func(client.Object) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rules = append(s.rules, when)
}

func (s *statusFailures) patch(ctx context.Context, c client.Client, sub string, obj client.Object,
	patch client.Patch, opts ...client.SubResourcePatchOption) error {
	s.mu.Lock()
	for i, rule := range s.rules {
		if sub == "status" && rule(obj) {
			s.rules = append(s.rules[:i], s.rules[i+1:]...)
			s.mu.Unlock()
			return errors.New("injected status write failure")
		}
	}
	s.mu.Unlock()
	return c.SubResource(sub).Patch(ctx, obj, patch, opts...)
}

// withWatch gives the manager's cached client the Watch method the
// interceptor wants; the manager never watches through its client.
type withWatch struct {
	client.Client
	w client.WithWatch
}

func (c withWatch) Watch(ctx context.Context, list client.ObjectList, opts ...client.ListOption) (watch.Interface, error) {
	return c.w.Watch(ctx, list, opts...)
}

func init() {
	SetDefaultEventuallyTimeout(30 * time.Second)
	SetDefaultEventuallyPollingInterval(100 * time.Millisecond)
	SetDefaultConsistentlyDuration(2 * time.Second)
}

// externalDNSModule holds the real DNSEndpoint CRD the tests install
// (config/crd/standard). v0.20.x builds with the Go this project uses.
const externalDNSModule = "sigs.k8s.io/external-dns@v0.20.0"

// externalDNSCRDs fetches the module through the Go module proxy (or the
// module cache) and returns its CRD directory. It runs outside this module
// so that go.mod and go.sum stay as they are: the operator never imports
// external-dns.
func externalDNSCRDs() string {
	cmd := exec.Command("go", "mod", "download", "-json", externalDNSModule)
	cmd.Dir = os.TempDir()
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	out, err := cmd.Output()
	Expect(err).NotTo(HaveOccurred(), "go mod download %s", externalDNSModule)
	var mod struct{ Dir, Error string }
	Expect(json.Unmarshal(out, &mod)).To(Succeed())
	Expect(mod.Error).To(BeEmpty())
	return filepath.Join(mod.Dir, "config", "crd", "standard")
}
