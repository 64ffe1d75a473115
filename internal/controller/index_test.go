package controller

import (
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
)

// The claim index keeps one value per object, under its namespace: no
// cluster-wide copy (what controller-runtime's IndexField adds).
func TestNamespacedIndexFunc(t *testing.T) {
	claim := namespacedIndexFunc(func(o client.Object) []string {
		if c := claimOf(o); c != "" {
			return []string{c}
		}
		return nil
	})
	two := namespacedIndexFunc(func(client.Object) []string { return []string{"a", "b"} })
	route := func(ns, id string) *v1alpha1.Route {
		r := &v1alpha1.Route{ObjectMeta: metav1.ObjectMeta{Name: "r", Namespace: ns}}
		r.Spec.AccountRef.Name = "acct"
		r.Status.ID = id
		return r
	}
	for _, tc := range []struct {
		name string
		fn   func(any) ([]string, error)
		obj  any
		want []string
	}{
		{"a Route with its route", claim, route("team-a", "r1"), []string{"team-a/acct/route/r1"}},
		{"a Route before its create claims nothing", claim, route("team-a", ""), []string{}},
		{"every value under the namespace", two, route("ns", ""), []string{"ns/a", "ns/b"}},
		{"cluster-scoped: the key a list without namespace asks for", two, &v1alpha1.Route{}, []string{"__all_namespaces/a", "__all_namespaces/b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.fn(tc.obj)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("index values %q, want %q", got, tc.want)
			}
		})
	}
	if _, err := claim("not an object"); err == nil {
		t.Fatal("a value that is no object was indexed")
	}
}
