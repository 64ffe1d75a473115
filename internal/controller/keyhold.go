package controller

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
)

// Deleting a Mailgun object needs the account's API key. A GitOps prune, a
// `kubectl delete -k` or a namespace deletion removes the Secret together
// with the objects, and a manager restarted in between has nothing of the
// key in memory: the objects would hang Terminating and their Mailgun
// objects stay.
//
// So each account holds its Secret with a finalizer of its own, which it
// releases last, once nothing may need the key. Why a finalizer and not a
// copy of the key: the key never leaves the Secret (no second Secret, no
// status, no memory that a restart loses), Kubernetes itself keeps a
// terminating Secret readable, and the hold is visible to the user in the
// Secret's metadata. The cost: a Secret deleted on its own (to rotate by
// delete and create, say) stays Terminating for secretReleaseGrace while the
// account has objects, so that a prune whose objects are deleted a moment
// after the Secret still finds the key.
//
// Sharded managers (--watch-label-selector) each hold with a finalizer of
// their own (ShardSecretFinalizer): a shard sees only its accounts, so with
// one shared name a shard with no account of a Secret would take off the
// hold another shard's account needs.
const SecretFinalizer = "mailgun.operator.dev/api-key-in-use"

// ShardSecretFinalizer is the Secret finalizer of a manager: SecretFinalizer
// when unsharded (shard ""), else SecretFinalizer followed by "-" and the
// shard's name (its leader election lease: replicas of one shard share it,
// two shards never do), or by a hash of it when the name would not be a
// valid finalizer (at most 63 characters after the "/", letters, digits,
// '-', '_', '.').
func ShardSecretFinalizer(shard string) string {
	if shard == "" {
		return SecretFinalizer
	}
	if name := SecretFinalizer + "-" + shard; len(validation.IsQualifiedName(name)) == 0 {
		return name
	}
	sum := sha256.Sum256([]byte(shard))
	return SecretFinalizer + "-" + hex.EncodeToString(sum[:8])
}

// secretFinalizer is the finalizer this reconciler holds Secrets with.
func (r *AccountReconciler) secretFinalizer() string { return ShardSecretFinalizer(r.Shard) }

// secretReleaseGrace (a variable for tests) is how long a deleted Secret of an account with live
// (not deleting) objects stays held: long enough for the rest of a prune or
// a namespace deletion to mark the objects deleted.
var secretReleaseGrace = time.Minute

// holdSecret keeps the account's finalizer on the Secrets that need it and
// takes it off the others: the Secret the account references now, and the
// one it held before (status.heldSecret) if the reference changed. It returns
// how soon to look again (0: no need).
func (r *AccountReconciler) holdSecret(ctx context.Context, acct *v1alpha1.MailgunAccount) (time.Duration, error) {
	name := string(acct.Spec.APIKeySecretRef.Name)
	names := []string{name}
	if prev := acct.Status.HeldSecret; prev != "" && prev != name {
		// The reference changed: the old Secret is released unless
		// another account needs it (that account then looks after it).
		names = append(names, prev)
	}
	var again time.Duration
	for _, n := range names {
		wait, err := r.syncSecretFinalizer(ctx, acct.Namespace, n)
		if err != nil {
			return 0, err
		}
		if wait > 0 && (again == 0 || wait < again) {
			again = wait
		}
	}
	acct.Status.HeldSecret = name
	return again, nil
}

func (r *AccountReconciler) secretMeta(ctx context.Context, ns, name string) (*metav1.PartialObjectMetadata, error) {
	m := &metav1.PartialObjectMetadata{}
	m.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
	if err := r.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, m); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("cannot read secret %s/%s: %w", ns, name, err)
	}
	return m, nil
}

// syncSecretFinalizer adds or removes the finalizer of one Secret after
// asking every account that references it whether it needs the key.
func (r *AccountReconciler) syncSecretFinalizer(ctx context.Context, ns, name string) (time.Duration, error) {
	secret, err := r.secretMeta(ctx, ns, name)
	if err != nil || secret == nil {
		return 0, err
	}
	var accts v1alpha1.MailgunAccountList
	if err := r.Client.List(ctx, &accts, client.InNamespace(ns), client.MatchingFields{indexAPIKeySecret: name}); err != nil {
		return 0, fmt.Errorf("cannot list the accounts of secret %s: %w", name, err)
	}
	need, again := false, time.Duration(0)
	for i := range accts.Items {
		n, wait, err := r.needsKey(ctx, &accts.Items[i], secret)
		if err != nil {
			return 0, err
		}
		need = need || n
		if wait > 0 && (again == 0 || wait < again) {
			again = wait
		}
	}
	// Only this manager's own hold: the accounts listed are the ones its
	// shard sees, and say nothing of another shard's.
	fin := r.secretFinalizer()
	has := controllerutil.ContainsFinalizer(secret, fin)
	switch {
	case need && !has && secret.DeletionTimestamp.IsZero():
		// (A terminating object takes no new finalizers.)
		return again, patchFinalizers(ctx, r.Client, secret, func(o client.Object) { controllerutil.AddFinalizer(o, fin) })
	case !need && has:
		return again, patchFinalizers(ctx, r.Client, secret, func(o client.Object) { controllerutil.RemoveFinalizer(o, fin) })
	}
	return again, nil
}

// needsKey says whether acct may still need the key in secret: a live
// account does, unless its Secret was deleted and no object of it is being
// deleted (after secretReleaseGrace); a deleted account does while objects
// still use it. wait > 0 asks to look again then (the grace's end).
func (r *AccountReconciler) needsKey(ctx context.Context, acct *v1alpha1.MailgunAccount, secret *metav1.PartialObjectMetadata) (bool, time.Duration, error) {
	if !acct.DeletionTimestamp.IsZero() && !controllerutil.ContainsFinalizer(acct, Finalizer) {
		return false, 0, nil
	}
	if acct.DeletionTimestamp.IsZero() && secret.DeletionTimestamp.IsZero() {
		return true, 0, nil
	}
	users, deleting, err := accountUsers(ctx, r.Client, acct)
	if err != nil {
		return false, 0, err
	}
	if !acct.DeletionTimestamp.IsZero() {
		return users > 0, 0, nil
	}
	if deleting > 0 {
		return true, 0, nil
	}
	if left := secretReleaseGrace - time.Since(secret.DeletionTimestamp.Time); users > 0 && left > 0 {
		return true, left, nil
	}
	return false, 0, nil
}
