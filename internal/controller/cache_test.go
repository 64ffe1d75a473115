package controller

import (
	"testing"
	"unsafe"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
)

// TestLeanObject: cached objects lose their managedFields, and two routes
// decoded apart share the strings they repeat, while what differs per
// object (a name, an external name) stays their own.
func TestLeanObject(t *testing.T) {
	mk := func(name string) *v1alpha1.Route {
		// Each string built at run time, as a decoder would.
		s := func(v string) string { return string([]byte(v)) }
		r := &v1alpha1.Route{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: s("ns"),
			Finalizers:    []string{s(Finalizer)},
			Annotations:   map[string]string{s(ExternalNameAnnotation): s("id-" + name)},
			Labels:        map[string]string{s("mailgun.operator.dev/shard"): s("a")},
			ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl"}}}}
		r.Spec.Actions = []v1alpha1.RouteAction{v1alpha1.RouteAction(s("stop()"))}
		r.Spec.AccountRef.Name = s("default")
		r.Status.Conditions = []metav1.Condition{{Type: s("Ready"), Status: metav1.ConditionStatus(s("True")),
			Reason: s(ReasonSucceeded), Message: s(messageInSync)}}
		return r
	}
	a, b := mk("a"), mk("b")
	for _, r := range []*v1alpha1.Route{a, b} {
		if _, err := leanObject(r); err != nil {
			t.Fatal(err)
		}
		if r.ManagedFields != nil {
			t.Fatal("managedFields kept")
		}
	}
	same := func(what, x, y string) {
		t.Helper()
		if x != y || unsafe.StringData(x) != unsafe.StringData(y) {
			t.Errorf("%s: %q and %q are not one shared string", what, x, y)
		}
	}
	same("namespace", a.Namespace, b.Namespace)
	same("finalizer", a.Finalizers[0], b.Finalizers[0])
	same("account", a.Spec.AccountRef.Name, b.Spec.AccountRef.Name)
	same("action", string(a.Spec.Actions[0]), string(b.Spec.Actions[0]))
	same("condition message", a.Status.Conditions[0].Message, b.Status.Conditions[0].Message)
	same("condition status", string(a.Status.Conditions[0].Status), string(b.Status.Conditions[0].Status))
	same("label value", a.Labels["mailgun.operator.dev/shard"], b.Labels["mailgun.operator.dev/shard"])
	if a.Annotations[ExternalNameAnnotation] != "id-a" || b.Annotations[ExternalNameAnnotation] != "id-b" {
		t.Fatalf("external names changed: %v, %v", a.Annotations, b.Annotations)
	}
	// Other kinds only lose their managedFields.
	s := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "x", ManagedFields: []metav1.ManagedFieldsEntry{{}}}}
	if _, err := leanObject(s); err != nil || s.ManagedFields != nil {
		t.Fatalf("managedFields of another kind kept (%v)", err)
	}
}
