package controller

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// SetCacheTransforms trims what the manager's informers keep in memory.
// Every cached object loses its managedFields, which the controllers never
// read. Cached Secrets (only their metadata is watched) also lose their
// annotations: `kubectl apply` writes a Secret's data, in clear, into
// kubectl.kubernetes.io/last-applied-configuration, and the operator must
// hold no copy of a key it does not use.
func SetCacheTransforms(o *cache.Options) {
	o.DefaultTransform = cache.TransformStripManagedFields()
	if o.ByObject == nil {
		o.ByObject = map[client.Object]cache.ByObject{}
	}
	// Keyed by GVK: this applies to the metadata-only Secret informer.
	o.ByObject[&corev1.Secret{}] = cache.ByObject{Transform: stripSecretMetadata}
}

// stripSecretMetadata drops a Secret's annotations and managedFields.
func stripSecretMetadata(in any) (any, error) {
	if obj, err := meta.Accessor(in); err == nil {
		obj.SetManagedFields(nil)
		obj.SetAnnotations(nil)
	}
	return in, nil
}
