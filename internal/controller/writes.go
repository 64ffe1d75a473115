package controller

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
)

// The API-server writes every controller of this package makes, in one
// place so that each is done the same way.

// addFinalizer adds the finalizer, if missing, by patching a copy: a patch
// answer carries the stored status, which would wipe what the reconcile has
// observed so far. The patch carries the resourceVersion read, so that a
// stale object from the cache fails here rather than act on old facts.
func addFinalizer(ctx context.Context, c client.Client, obj client.Object) error {
	if controllerutil.ContainsFinalizer(obj, Finalizer) {
		return nil
	}
	return patchFinalizers(ctx, c, obj, func(o client.Object) { controllerutil.AddFinalizer(o, Finalizer) })
}

// removeFinalizer releases obj; an object already gone is not an error.
func removeFinalizer(ctx context.Context, c client.Client, obj client.Object) error {
	if !controllerutil.ContainsFinalizer(obj, Finalizer) {
		return nil
	}
	err := patchFinalizers(ctx, c, obj, func(o client.Object) { controllerutil.RemoveFinalizer(o, Finalizer) })
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// patchFinalizers changes obj's finalizers with a merge patch that carries
// the resourceVersion read: a merge patch replaces the whole list, so
// without the lock a finalizer another controller added since the read
// would be dropped. A conflict is retried by the work queue with a fresh
// read.
func patchFinalizers(ctx context.Context, c client.Client, obj client.Object, change func(client.Object)) error {
	cp := obj.DeepCopyObject().(client.Object)
	change(cp)
	if err := c.Patch(ctx, cp, client.MergeFromWithOptions(obj, client.MergeFromWithOptimisticLock{})); err != nil {
		return fmt.Errorf("cannot update finalizers: %w", err)
	}
	obj.SetFinalizers(cp.GetFinalizers())
	obj.SetResourceVersion(cp.GetResourceVersion())
	return nil
}

// patchStatus writes obj's status when, and only when, it differs from
// orig's: an in-sync object costs the API server nothing.
func patchStatus(ctx context.Context, c client.Client, orig, obj client.Object, before, after any,
	opts ...client.MergeFromOption) error {
	if equality.Semantic.DeepEqual(before, after) {
		return nil
	}
	if err := c.Status().Patch(ctx, obj, client.MergeFromWithOptions(orig, opts...)); err != nil {
		return fmt.Errorf("cannot write status: %w", err)
	}
	return nil
}
