package controller

import (
	"context"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
)

// TestKeyHoldPerShard: two shards' accounts share one Secret. Each shard
// sees only its own account (its cache is restricted by label) and holds
// the Secret with its own finalizer; when shard a's account moves to
// another Secret, shard a releases its hold and never shard b's, which its
// account still needs.
func TestKeyHoldPerShard(t *testing.T) {
	scheme := unitScheme(t)
	account := func(name, secret string) *v1alpha1.MailgunAccount {
		return &v1alpha1.MailgunAccount{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns",
			Labels: map[string]string{"shard": name}},
			Spec: v1alpha1.MailgunAccountSpec{APIKeySecretRef: v1alpha1.APIKeySecretReference{Name: v1alpha1.SecretName(secret)}}}
	}
	secret := func(name string) *corev1.Secret {
		return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"}}
	}
	c := fake.NewClientBuilder().WithScheme(scheme).
		WithObjects(account("a", "key"), account("b", "key"), secret("key"), secret("other")).
		WithStatusSubresource(&v1alpha1.MailgunAccount{}).
		WithIndex(&v1alpha1.MailgunAccount{}, indexAPIKeySecret, func(o client.Object) []string {
			return []string{string(o.(*v1alpha1.MailgunAccount).Spec.APIKeySecretRef.Name)}
		}).Build()
	// shardView lists only the accounts of one shard, as its restricted
	// cache does.
	shardView := func(shard string) client.Client {
		sel := labels.SelectorFromSet(labels.Set{"shard": shard})
		return interceptor.NewClient(c, interceptor.Funcs{
			List: func(ctx context.Context, cl client.WithWatch, list client.ObjectList, opts ...client.ListOption) error {
				if err := cl.List(ctx, list, opts...); err != nil {
					return err
				}
				if l, ok := list.(*v1alpha1.MailgunAccountList); ok {
					l.Items = slices.DeleteFunc(l.Items, func(a v1alpha1.MailgunAccount) bool { return !sel.Matches(labels.Set(a.Labels)) })
				}
				return nil
			},
		})
	}
	leaseA, leaseB := "mailgun-operator.mailgun.operator.dev-0a1b2c3d", "mailgun-operator.mailgun.operator.dev-4e5f6a7b"
	ra := &AccountReconciler{Client: shardView("a"), Shard: leaseA}
	rb := &AccountReconciler{Client: shardView("b"), Shard: leaseB}
	ctx := context.Background()
	hold := func(r *AccountReconciler, name string) {
		t.Helper()
		acct := &v1alpha1.MailgunAccount{}
		if err := c.Get(ctx, client.ObjectKey{Namespace: "ns", Name: name}, acct); err != nil {
			t.Fatal(err)
		}
		if _, err := r.holdSecret(ctx, acct); err != nil {
			t.Fatal(err)
		}
		if err := c.Status().Update(ctx, acct); err != nil { // status.heldSecret
			t.Fatal(err)
		}
	}
	finalizers := func(name string) []string {
		t.Helper()
		s := &corev1.Secret{}
		if err := c.Get(ctx, client.ObjectKey{Namespace: "ns", Name: name}, s); err != nil {
			t.Fatal(err)
		}
		return s.Finalizers
	}
	finA, finB := ra.secretFinalizer(), rb.secretFinalizer()
	hold(ra, "a")
	hold(rb, "b")
	if got := finalizers("key"); !slices.Contains(got, finA) || !slices.Contains(got, finB) {
		t.Fatalf("the shared Secret's finalizers %v, want both shards' (%s, %s)", got, finA, finB)
	}
	// Account a moves to another Secret.
	acct := &v1alpha1.MailgunAccount{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: "ns", Name: "a"}, acct); err != nil {
		t.Fatal(err)
	}
	acct.Spec.APIKeySecretRef.Name = "other"
	if err := c.Update(ctx, acct); err != nil {
		t.Fatal(err)
	}
	hold(ra, "a")
	if got := finalizers("key"); slices.Contains(got, finA) || !slices.Contains(got, finB) {
		t.Fatalf("after account a moved: the shared Secret's finalizers %v, want only shard b's %s", got, finB)
	}
	if got := finalizers("other"); !slices.Equal(got, []string{finA}) {
		t.Fatalf("the new Secret's finalizers %v, want shard a's %s", got, finA)
	}
}

// TestShardSecretFinalizer: unsharded keeps the historic name; a shard's
// name is valid, its own, and readable when its lease fits.
func TestShardSecretFinalizer(t *testing.T) {
	if got := ShardSecretFinalizer(""); got != SecretFinalizer {
		t.Fatalf("unsharded: %q, want %q", got, SecretFinalizer)
	}
	long := strings.Repeat("shard.", 40) + "x" // a valid lease name, far too long for a finalizer
	seen := map[string]bool{}
	for _, lease := range []string{"mailgun-operator.mailgun.operator.dev-0a1b2c3d", "mine", long, long + "y", "UPPER_and.dots"} {
		got := ShardSecretFinalizer(lease)
		if errs := validation.IsQualifiedName(got); len(errs) > 0 {
			t.Errorf("lease %q: finalizer %q is invalid: %v", lease, got, errs)
		}
		if !strings.HasPrefix(got, SecretFinalizer+"-") || seen[got] {
			t.Errorf("lease %q: finalizer %q is not its own", lease, got)
		}
		seen[got] = true
		if len(lease) < 40 && got != SecretFinalizer+"-"+lease {
			t.Errorf("lease %q: finalizer %q, want the lease in it", lease, got)
		}
	}
}
