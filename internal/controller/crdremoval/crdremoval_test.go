// Package crdremoval_test checks that deleting the operator's CRDs never
// deletes anything in Mailgun. It deletes a CRD, so it runs its own API
// server and manager (a package of its own is a process of its own):
// internal/controller's suite shares one API server between all its tests.
package crdremoval_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
	"github.com/mailgun-operator/mailgun-operator/internal/controller"
	"github.com/mailgun-operator/mailgun-operator/internal/mailgun"
	"github.com/mailgun-operator/mailgun-operator/internal/mailgun/mailguntest"
	"github.com/mailgun-operator/mailgun-operator/test/harness"
)

const key = "key-test-0123456789"

func TestDeletingTheRouteCRDOrphansTheRoutes(t *testing.T) {
	// The manager's log, shown if the test fails.
	log := &harness.SyncBuffer{}
	logf.SetLogger(zap.New(zap.WriteTo(log), zap.UseDevMode(true)))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("manager log:\n%s", log.String())
		}
	})
	testEnv := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "..", "..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	cfg, err := testEnv.Start()
	if err != nil {
		t.Fatalf("cannot start the API server (is KUBEBUILDER_ASSETS set?): %v", err)
	}
	t.Cleanup(func() {
		if err := testEnv.Stop(); err != nil {
			t.Errorf("cannot stop the API server: %v", err)
		}
	})
	scheme := runtime.NewScheme()
	must(t, clientgoscheme.AddToScheme(scheme))
	must(t, v1alpha1.AddToScheme(scheme))
	k8s, err := client.New(cfg, client.Options{Scheme: scheme})
	must(t, err)

	var cacheOpts cache.Options
	controller.SetCacheTransforms(&cacheOpts)
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{Scheme: scheme, Cache: cacheOpts,
		Metrics: metricsserver.Options{BindAddress: "0"}})
	must(t, err)
	mg := mailgun.New(mailgun.Options{RetryBaseDelay: 10 * time.Millisecond, RequestsPerSecond: 200, Burst: 200})
	must(t, controller.SetupWithManager(mgr, mg, controller.Options{SyncPeriod: 10 * time.Second,
		AllowedHosts: []string{"127.0.0.1"}, AllowInsecureHTTP: true}))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := mgr.Start(ctx); err != nil {
			t.Errorf("manager: %v", err)
		}
	}()
	t.Cleanup(func() { cancel(); <-done }) // runs before testEnv.Stop

	emu := mailguntest.NewServer(key)
	t.Cleanup(emu.Close)
	ns := "crd-removal"
	must(t, k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}))
	must(t, k8s.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "mailgun-api-key", Namespace: ns},
		StringData: map[string]string{"api-key": key}}))
	must(t, k8s.Create(ctx, &v1alpha1.MailgunAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: ns},
		Spec: v1alpha1.MailgunAccountSpec{APIBaseURL: emu.URL,
			APIKeySecretRef: v1alpha1.APIKeySecretReference{Name: "mailgun-api-key"}}}))
	// The default deletion policy is Delete: deleting this Route alone
	// would delete it in Mailgun.
	route := &v1alpha1.Route{ObjectMeta: metav1.ObjectMeta{Name: "inbound", Namespace: ns},
		Spec: v1alpha1.RouteSpec{Priority: 1, Expression: `match_recipient("in@mg.example.com")`,
			Actions: []v1alpha1.RouteAction{`forward("https://example.com/in")`, "stop()"}}}
	must(t, k8s.Create(ctx, route))
	waitFor(t, time.Minute, "the route to be Ready", func() bool {
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(route), route); err != nil {
			return false
		}
		return meta.IsStatusConditionTrue(route.Status.Conditions, v1alpha1.ConditionReady)
	})
	if n := len(emu.Routes()); n != 1 {
		t.Fatalf("the emulator has %d routes, want 1", n)
	}
	if v1alpha1.EffectiveDeletionPolicy(&route.Spec.ManagedSpec, &route.Status.ManagedStatus) != v1alpha1.DeletionDelete {
		t.Fatalf("the route's deletion policy is not Delete: the test would prove nothing")
	}

	crd := &metav1.PartialObjectMetadata{}
	crd.SetGroupVersionKind(crdGVK)
	crd.SetName("routes.mailgun.operator.dev")
	// Deleted as unstructured: the typed client knows no CRD type here.
	del := &unstructured.Unstructured{}
	del.SetGroupVersionKind(crdGVK)
	del.SetName(crd.Name)
	must(t, k8s.Delete(ctx, del))
	waitFor(t, time.Minute, "the Route CRD to be gone", func() bool {
		err := k8s.Get(ctx, client.ObjectKeyFromObject(crd), crd)
		return apierrors.IsNotFound(err)
	})
	if n := len(emu.Routes()); n != 1 {
		t.Errorf("the emulator has %d routes after the CRD was deleted, want the route kept", n)
	}
	if n := emu.Calls(mailguntest.OpDeleteRoute); n != 0 {
		t.Errorf("%d route deletions reached Mailgun, want none", n)
	}
	waitFor(t, 30*time.Second, "an Orphaned event about the route", func() bool {
		var evs eventsv1.EventList
		if err := k8s.List(ctx, &evs, client.InNamespace(ns)); err != nil {
			return false
		}
		for _, e := range evs.Items {
			if e.Reason == controller.ReasonOrphaned && e.Regarding.Name == route.Name {
				return true
			}
		}
		return false
	})
}

var crdGVK = schema.GroupVersionKind{Group: "apiextensions.k8s.io", Version: "v1", Kind: "CustomResourceDefinition"}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// waitFor polls cond until it holds or timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
