package controller

import (
	"unique"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
)

// SetCacheTransforms trims what the manager's informers keep in memory.
// Every cached object loses its managedFields, which the controllers never
// read. Cached Secrets (only their metadata is watched) also lose their
// annotations: `kubectl apply` writes a Secret's data, in clear, into
// kubectl.kubernetes.io/last-applied-configuration, and the operator must
// hold no copy of a key it does not use.
func SetCacheTransforms(o *cache.Options) {
	o.DefaultTransform = leanObject
	if o.ByObject == nil {
		o.ByObject = map[client.Object]cache.ByObject{}
	}
	// Keyed by GVK: this applies to the metadata-only Secret informer.
	o.ByObject[&corev1.Secret{}] = cache.ByObject{Transform: stripSecretMetadata}
}

// leanObject drops an object's managedFields and, for the operator's kinds,
// shares the strings every object repeats (condition types, reasons and
// messages, the finalizer, annotation and label keys, the namespace and the
// account name) instead of holding a copy per object: decoding gives each
// object its own copy of each, a few hundred bytes an object.
func leanObject(in any) (any, error) {
	obj, err := meta.Accessor(in)
	if err != nil {
		return in, nil
	}
	// Nil-checked: setting nil on an object without managedFields would
	// allocate (controller-runtime's TransformStripManagedFields does the
	// same).
	if obj.GetManagedFields() != nil {
		obj.SetManagedFields(nil)
	}
	m, ok := in.(v1alpha1.Managed)
	if !ok {
		return in, nil
	}
	obj.SetNamespace(intern(obj.GetNamespace()))
	if f := obj.GetFinalizers(); len(f) > 0 {
		for i := range f {
			f[i] = intern(f[i])
		}
	}
	obj.SetAnnotations(internKeys(obj.GetAnnotations(), false))
	obj.SetLabels(internKeys(obj.GetLabels(), true))
	spec := m.GetManagedSpec()
	spec.AccountRef.Name = intern(spec.AccountRef.Name)
	st := m.GetManagedStatus()
	for i := range st.Conditions {
		c := &st.Conditions[i]
		c.Type, c.Reason, c.Message = intern(c.Type), intern(c.Reason), intern(c.Message)
		c.Status = metav1.ConditionStatus(intern(string(c.Status)))
	}
	if r, ok := in.(*v1alpha1.Route); ok {
		for i := range r.Spec.Actions {
			r.Spec.Actions[i] = v1alpha1.RouteAction(intern(string(r.Spec.Actions[i])))
		}
	}
	return in, nil
}

// intern returns the one shared copy of s.
func intern(s string) string {
	if s == "" {
		return s
	}
	return unique.Make(s).Value()
}

// internKeys shares a map's keys (and values, when asked): annotation
// values are mostly per object (the external name), label values are
// mostly shared (a shard, an app).
func internKeys(m map[string]string, values bool) map[string]string {
	if len(m) == 0 {
		return m
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		if values {
			v = intern(v)
		}
		out[intern(k)] = v
	}
	return out
}

// stripSecretMetadata drops a Secret's annotations and managedFields.
func stripSecretMetadata(in any) (any, error) {
	if obj, err := meta.Accessor(in); err == nil {
		obj.SetManagedFields(nil)
		obj.SetAnnotations(nil)
	}
	return in, nil
}
