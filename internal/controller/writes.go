package controller

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/equality"
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
	cp := obj.DeepCopyObject().(client.Object)
	controllerutil.AddFinalizer(cp, Finalizer)
	if err := c.Patch(ctx, cp, client.MergeFromWithOptions(obj, client.MergeFromWithOptimisticLock{})); err != nil {
		return fmt.Errorf("cannot add finalizer: %w", err)
	}
	obj.SetFinalizers(cp.GetFinalizers())
	obj.SetResourceVersion(cp.GetResourceVersion())
	return nil
}

// removeFinalizer releases obj; an object already gone is not an error.
func removeFinalizer(ctx context.Context, c client.Client, obj client.Object) error {
	if !controllerutil.ContainsFinalizer(obj, Finalizer) {
		return nil
	}
	cp := obj.DeepCopyObject().(client.Object)
	controllerutil.RemoveFinalizer(cp, Finalizer)
	if err := c.Patch(ctx, cp, client.MergeFrom(obj)); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("cannot remove finalizer: %w", err)
	}
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
