package controller

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
	"github.com/mailgun-operator/mailgun-operator/internal/mailgun"
)

// crdReader answers a Get of a CRD's metadata with deletedAt or err.
type crdReader struct {
	client.Reader
	deletedAt *metav1.Time
	err       error
	got       string
}

func (r *crdReader) Get(_ context.Context, key client.ObjectKey, obj client.Object, _ ...client.GetOption) error {
	r.got = key.Name
	if r.err != nil {
		return r.err
	}
	obj.SetDeletionTimestamp(r.deletedAt)
	return nil
}

func TestCRDDeletion(t *testing.T) {
	now := metav1.Now()
	gr := schema.GroupResource{Group: "apiextensions.k8s.io", Resource: "customresourcedefinitions"}
	tests := []struct {
		name    string
		r       *crdReader
		want    bool
		wantErr bool
	}{
		{"served", &crdReader{}, false, false},
		{"being deleted", &crdReader{deletedAt: &now}, true, false},
		{"already gone", &crdReader{err: apierrors.NewNotFound(gr, "routes.mailgun.operator.dev")}, true, false},
		{"no RBAC: cannot tell", &crdReader{err: apierrors.NewForbidden(gr, "routes.mailgun.operator.dev", errors.New("no"))}, false, true},
		{"API server down: cannot tell", &crdReader{err: errors.New("connection refused")}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := crdDeletion{reader: tt.r, name: "routes.mailgun.operator.dev"}.deleting(context.Background())
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Fatalf("deleting = %v, %v; want %v, error %v", got, err, tt.want, tt.wantErr)
			}
			if tt.r.got != "routes.mailgun.operator.dev" {
				t.Errorf("read CRD %q", tt.r.got)
			}
		})
	}
}

// deletingRoutes counts route deletions in Mailgun.
// TestFinalizeAsksTheCRD: a created route being deleted is deleted in
// Mailgun only when its CRD is known not to be going; while the CRD's state
// cannot be read nothing happens, and a CRD being deleted orphans it.
func TestFinalizeAsksTheCRD(t *testing.T) {
	tests := []struct {
		name        string
		crdDeleting bool
		crdErr      error
		wantDeletes int
		wantGone    bool
		wantEvent   string
	}{
		{"CRD served: deleted in Mailgun", false, nil, 1, true, "Deleted"},
		{"CRD being deleted: orphaned", true, nil, 0, true, ReasonOrphaned},
		{"CRD state unknown: nothing yet", false, errors.New("forbidden"), 0, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			scheme := unitScheme(t)
			c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(
				&v1alpha1.Route{ObjectMeta: metav1.ObjectMeta{Name: "r", Namespace: "ns", UID: "uid-1"},
					Spec: v1alpha1.RouteSpec{Expression: "catch_all()", Actions: []v1alpha1.RouteAction{"stop()"}}},
				&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "key", Namespace: "ns"}, Data: map[string][]byte{"api-key": []byte("k")}},
				&v1alpha1.MailgunAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: "ns"},
					Spec: v1alpha1.MailgunAccountSpec{APIBaseURL: "http://127.0.0.1:1", APIKeySecretRef: v1alpha1.APIKeySecretReference{Name: "key"}}},
			).WithStatusSubresource(&v1alpha1.Route{}).Build()
			api := &fakeRoutes{routes: map[string]mailgun.Route{}}
			rec := events.NewFakeRecorder(10)
			asked := 0
			e := &Engine[*v1alpha1.Route]{Client: c, Accounts: &Accounts{Cached: c, Secrets: Secrets{Cached: c, Direct: c}, Policy: testPolicy},
				External: &routeExternal{api: api}, New: func() *v1alpha1.Route { return &v1alpha1.Route{} },
				Recorder: rec, SyncPeriod: time.Minute, CreateGrace: time.Second,
				CRDDeleting: func(context.Context) (bool, error) { asked++; return tt.crdDeleting, tt.crdErr }}
			req := ctrl.Request{NamespacedName: client.ObjectKey{Namespace: "ns", Name: "r"}}
			if _, err := e.Reconcile(ctx, req); err != nil {
				t.Fatalf("create: %v", err)
			}
			if api.creates != 1 || asked != 0 {
				t.Fatalf("creates %d, CRD asked %d times: want 1 and 0", api.creates, asked)
			}
			for len(rec.Events) > 0 {
				<-rec.Events
			}
			if err := c.Delete(ctx, &v1alpha1.Route{ObjectMeta: metav1.ObjectMeta{Name: "r", Namespace: "ns"}}); err != nil {
				t.Fatal(err)
			}
			_, _ = e.Reconcile(ctx, req)
			if asked != 1 {
				t.Errorf("the CRD was asked %d times, want once", asked)
			}
			if len(api.deleted) != tt.wantDeletes {
				t.Errorf("%d deletions in Mailgun, want %d", len(api.deleted), tt.wantDeletes)
			}
			err := c.Get(ctx, req.NamespacedName, &v1alpha1.Route{})
			if gone := apierrors.IsNotFound(err); gone != tt.wantGone {
				t.Errorf("route gone: %v (err %v), want %v", gone, err, tt.wantGone)
			}
			var evs []string
			for len(rec.Events) > 0 {
				evs = append(evs, <-rec.Events)
			}
			if tt.wantEvent != "" && !strings.Contains(strings.Join(evs, "\n"), " "+tt.wantEvent+" ") {
				t.Errorf("events %q, want one %s", evs, tt.wantEvent)
			}
		})
	}
}
