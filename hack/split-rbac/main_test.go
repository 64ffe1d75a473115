package main

import (
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
)

func TestIsCluster(t *testing.T) {
	for _, tc := range []struct {
		name    string
		rule    rbacv1.PolicyRule
		cluster bool
		err     string
	}{
		{"Secrets", rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"secrets"}}, false, ""},
		{"custom resources and their status", rbacv1.PolicyRule{APIGroups: []string{"mailgun.operator.dev"}, Resources: []string{"routes", "routes/status"}}, false, ""},
		{"Events in two groups", rbacv1.PolicyRule{APIGroups: []string{"", "events.k8s.io"}, Resources: []string{"events"}}, false, ""},
		{"CRDs", rbacv1.PolicyRule{APIGroups: []string{"apiextensions.k8s.io"}, Resources: []string{"customresourcedefinitions"}}, true, ""},
		{"Namespaces (core group)", rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"namespaces"}}, true, ""},
		{"a non-resource URL", rbacv1.PolicyRule{NonResourceURLs: []string{"/metrics"}}, true, ""},
		{"a mixed rule", rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"secrets", "namespaces"}}, false, "mixes"},
		{"resources and URLs", rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"secrets"}, NonResourceURLs: []string{"/x"}}, false, "both"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := isCluster(tc.rule)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one saying %q", err, tc.err)
				}
				return
			}
			if err != nil || got != tc.cluster {
				t.Fatalf("isCluster = %t, %v; want %t", got, err, tc.cluster)
			}
		})
	}
}
