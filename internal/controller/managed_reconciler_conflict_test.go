package controller

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
	"github.com/mailgun-operator/mailgun-operator/internal/mailgun"
)

// hiddenLists: the first create makes the list and answers 503 (its answer
// lost); reads hide the list while hidden; later creates hear "already
// exists".
type hiddenLists struct {
	made, hidden bool
	creates      int
}

func (f *hiddenLists) CreateList(context.Context, mailgun.Account, mailgun.ListRequest) (mailgun.MailingList, error) {
	f.creates++
	if f.made {
		return mailgun.MailingList{}, mailgun.Classify(mailgun.OpCreateList, 400, nil, []byte(`{"message":"Duplicate object: list already exists"}`))
	}
	f.made = true
	return mailgun.MailingList{}, mailgun.Classify(mailgun.OpCreateList, 503, nil, nil)
}

func (f *hiddenLists) GetList(_ context.Context, _ mailgun.Account, a string) (mailgun.MailingList, error) {
	if !f.made || f.hidden {
		return mailgun.MailingList{}, mailgun.Classify(mailgun.OpGetList, 404, nil, []byte(`{"message":"not found"}`))
	}
	return mailgun.MailingList{Address: a}, nil
}

func (f *hiddenLists) UpdateList(context.Context, mailgun.Account, string, mailgun.ListRequest) error {
	return nil
}
func (f *hiddenLists) DeleteList(context.Context, mailgun.Account, string) error { return nil }
func (f *hiddenLists) ListMembers(context.Context, mailgun.Account, string, string) (mailgun.MemberPage, error) {
	return mailgun.MemberPage{}, nil
}
func (f *hiddenLists) AddMembers(context.Context, mailgun.Account, string, []mailgun.Member) error {
	return nil
}
func (f *hiddenLists) DeleteMember(context.Context, mailgun.Account, string, string) error {
	return nil
}

// TestConflictAfterLostCreate: a create's answer is lost after Mailgun
// made the object, reads hide it, and the next create hears "already
// exists". The object is the operator's: it must end Created (deleted with
// its resource), not Adopted, and the reconciles in between only read (no
// POST after the one that heard "already exists": Engine.conflict) — also
// when the lost create is older than the wait's bound at the conflict (a
// long outage: a kind that waits anyway counts the wait from the conflict,
// and says nothing of looking it has not done). The rule for every kind and
// case: managed_reconciler_conflict_rule_test.go.
func TestConflictAfterLostCreate(t *testing.T) {
	for _, tc := range []struct {
		name string
		// pendingFor backdates the lost create (createPendingSince).
		pendingFor time.Duration
	}{
		{"the conflict heard at once", 0},
		{"the lost create 11 minutes old at the conflict", 11 * time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			scheme := unitScheme(t)
			l := &v1alpha1.MailingList{ObjectMeta: metav1.ObjectMeta{Name: "l", Namespace: "ns", UID: "uid-l"},
				Spec: v1alpha1.MailingListSpec{Address: "devs@mg.example.com"}}
			c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(l,
				&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "key", Namespace: "ns"}, Data: map[string][]byte{"api-key": []byte("k")}},
				&v1alpha1.MailgunAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: "ns"},
					Spec: v1alpha1.MailgunAccountSpec{APIBaseURL: "http://127.0.0.1:1", APIKeySecretRef: v1alpha1.APIKeySecretReference{Name: "key"}}},
			).WithStatusSubresource(&v1alpha1.MailingList{}).Build()
			api := &hiddenLists{hidden: true}
			e := &Engine[*v1alpha1.MailingList]{Client: c, Accounts: &Accounts{Cached: c, Secrets: Secrets{Cached: c, Direct: c}, Policy: testPolicy},
				External: &listExternal{api: api}, New: func() *v1alpha1.MailingList { return &v1alpha1.MailingList{} },
				Recorder: &events.FakeRecorder{}, SyncPeriod: time.Minute, CreateGrace: time.Nanosecond, Fresh: c}
			req := ctrl.Request{NamespacedName: client.ObjectKey{Namespace: "ns", Name: "l"}}
			get := func() *v1alpha1.MailingList {
				got := &v1alpha1.MailingList{}
				if err := c.Get(context.Background(), req.NamespacedName, got); err != nil {
					t.Fatal(err)
				}
				return got
			}
			_, _ = e.Reconcile(context.Background(), req) // makes the list; the answer is a 503
			if tc.pendingFor > 0 {
				got := get()
				orig := got.DeepCopy()
				got.Status.CreatePendingSince = &metav1.Time{Time: got.Status.CreatePendingSince.Add(-tc.pendingFor)}
				if err := c.Status().Patch(context.Background(), got, client.MergeFrom(orig)); err != nil {
					t.Fatal(err)
				}
			}
			_, _ = e.Reconcile(context.Background(), req) // hidden; the POST hears "already exists"
			if got := get(); api.creates != 2 || got.Status.CreatePendingSince == nil || readyOf(got.Status.ManagedStatus) != "False/"+ReasonProgressing {
				t.Fatalf("%d creates, pending %v, Ready %s: want the second POST, the first create still pending, and a wait",
					api.creates, got.Status.CreatePendingSince, readyOf(got.Status.ManagedStatus))
			}
			_, _ = e.Reconcile(context.Background(), req) // still hidden: observed, not posted again
			if api.creates != 2 {
				t.Fatalf("%d creates: a reconcile in the wait posted again", api.creates)
			}
			api.hidden = false
			_, _ = e.Reconcile(context.Background(), req)
			if got := get(); got.Status.Management != v1alpha1.ManagementCreated {
				t.Fatalf("management %q: the operator made this list, it must be Created", got.Status.Management)
			}
		})
	}
}
