// Package kstatus_test checks that the objects of config/argocd/testdata read
// the same to kstatus (Flux, kubectl wait, cli-utils) and to Flux's health
// check expressions as to Argo CD's health.lua, and that every status the
// operator writes keeps the status rules of docs/gitops.md.
package kstatus_test

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"

	"github.com/mailgun-operator/mailgun-operator/internal/controller"
	"github.com/mailgun-operator/mailgun-operator/test/argocd"
)

func name(c argocd.Case) string {
	return strings.TrimSuffix(filepath.Base(c.InputPath), ".yaml")
}

func loadCases(t *testing.T) []argocd.Case {
	t.Helper()
	cases, err := argocd.LoadCases()
	if err != nil {
		t.Fatal(err)
	}
	return cases
}

// hasStatus is false for an object the operator has not reconciled yet.
func hasStatus(u *unstructured.Unstructured) bool {
	st, ok := u.Object["status"].(map[string]any)
	return ok && len(st) > 0
}

// condition is one status condition as written by meta.SetStatusCondition.
type condition struct {
	Type, Status, Reason, Message, LastTransitionTime string
	ObservedGeneration                                int64
	HasObservedGeneration                             bool
}

func conditions(u *unstructured.Unstructured) ([]condition, error) {
	raw, _, err := unstructured.NestedSlice(u.Object, "status", "conditions")
	if err != nil {
		return nil, err
	}
	var out []condition
	for i, r := range raw {
		m, ok := r.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("status.conditions[%d] is not an object", i)
		}
		var c condition
		c.Type, _ = m["type"].(string)
		c.Status, _ = m["status"].(string)
		c.Reason, _ = m["reason"].(string)
		c.Message, _ = m["message"].(string)
		c.LastTransitionTime, _ = m["lastTransitionTime"].(string)
		c.ObservedGeneration, c.HasObservedGeneration = m["observedGeneration"].(int64)
		out = append(out, c)
	}
	return out, nil
}

func find(conds []condition, typ string) *condition {
	for i := range conds {
		if conds[i].Type == typ {
			return &conds[i]
		}
	}
	return nil
}

// reasons are every reason the operator writes (internal/controller).
var reasons = []string{
	controller.ReasonSucceeded, controller.ReasonProgressing, controller.ReasonProgressingWithRetry,
	controller.ReasonInvalidSpec, controller.ReasonInvalidCredentials, controller.ReasonSecretNotFound,
	controller.ReasonAccountNotFound, controller.ReasonAccountNotReady, controller.ReasonRateLimited,
	controller.ReasonDomainNotFound, controller.ReasonConflict, controller.ReasonDeleting,
	controller.ReasonDNSNotVerified, controller.ReasonDNSVerified, controller.ReasonForbidden,
	controller.ReasonConfigMapNotFound,
	controller.ReasonPublished, controller.ReasonDNSEndpointMissing, controller.ReasonDNSEndpointTaken,
}

var camelCase = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*$`)

// violations lists how u's status breaks the rules that kstatus and Flux
// rely on (docs/gitops.md, "How kstatus reads the conditions"). An object
// without status (not reconciled yet) breaks none.
func violations(u *unstructured.Unstructured) []string {
	if !hasStatus(u) {
		return nil
	}
	var v []string
	conds, err := conditions(u)
	if err != nil {
		return []string{err.Error()}
	}
	generation := u.GetGeneration()
	observed, found, err := unstructured.NestedInt64(u.Object, "status", "observedGeneration")
	switch {
	case err != nil:
		v = append(v, "status.observedGeneration: "+err.Error())
	case !found || observed <= 0:
		v = append(v, "status.observedGeneration is missing")
	case observed > generation:
		v = append(v, fmt.Sprintf("status.observedGeneration %d is ahead of metadata.generation %d", observed, generation))
	}

	known := map[string]bool{"Ready": true, "Reconciling": true, "Stalled": true}
	if u.GetKind() == "MailgunDomain" {
		known["DNSVerified"] = true
	}
	seen := map[string]bool{}
	for _, c := range conds {
		switch {
		case !known[c.Type]:
			v = append(v, fmt.Sprintf("condition %q is not a condition of %s", c.Type, u.GetKind()))
		case seen[c.Type]:
			v = append(v, fmt.Sprintf("condition %s appears twice", c.Type))
		}
		seen[c.Type] = true
		if c.Status != "True" && c.Status != "False" && c.Status != "Unknown" {
			v = append(v, fmt.Sprintf("%s has status %q", c.Type, c.Status))
		}
		if (c.Type == "Reconciling" || c.Type == "Stalled") && c.Status != "True" {
			v = append(v, fmt.Sprintf("%s is present while %s: it must appear only while True", c.Type, c.Status))
		}
		if !c.HasObservedGeneration {
			v = append(v, fmt.Sprintf("%s has no observedGeneration", c.Type))
		} else if found && c.ObservedGeneration != observed {
			v = append(v, fmt.Sprintf("%s.observedGeneration %d differs from status.observedGeneration %d", c.Type, c.ObservedGeneration, observed))
		}
		if !camelCase.MatchString(c.Reason) || !slices.Contains(reasons, c.Reason) {
			v = append(v, fmt.Sprintf("%s has reason %q, not one of the operator's", c.Type, c.Reason))
		}
		if c.Message == "" {
			v = append(v, fmt.Sprintf("%s has no message", c.Type))
		}
		if c.LastTransitionTime == "" {
			v = append(v, fmt.Sprintf("%s has no lastTransitionTime", c.Type))
		}
	}

	ready, reconciling, stalled := find(conds, "Ready"), find(conds, "Reconciling"), find(conds, "Stalled")
	if ready == nil {
		return append(v, "Ready is missing")
	}
	if reconciling != nil && stalled != nil {
		v = append(v, "Reconciling and Stalled are both present")
	}
	for _, c := range []*condition{reconciling, stalled} {
		if c == nil {
			continue
		}
		if ready.Status != "False" {
			v = append(v, fmt.Sprintf("Ready is %s while %s is True", ready.Status, c.Type))
		}
		if ready.Reason != c.Reason || ready.Message != c.Message {
			v = append(v, fmt.Sprintf("Ready does not carry %s's reason and message", c.Type))
		}
	}
	if ready.Status != "True" && reconciling == nil && stalled == nil {
		v = append(v, fmt.Sprintf("Ready is %s with neither Reconciling nor Stalled", ready.Status))
	}
	return v
}

// TestStatusRules checks every status in testdata that the operator could
// have written.
func TestStatusRules(t *testing.T) {
	for _, c := range loadCases(t) {
		if c.Invalid() {
			continue
		}
		t.Run(name(c), func(t *testing.T) {
			for _, msg := range violations(c.Object) {
				t.Error(msg)
			}
		})
	}
}

// TestStatusRulesReject makes sure the rule checker is not vacuous: every
// testdata/invalid-*.yaml breaks a rule.
func TestStatusRulesReject(t *testing.T) {
	var n int
	for _, c := range loadCases(t) {
		if !c.Invalid() {
			continue
		}
		n++
		if len(violations(c.Object)) == 0 {
			t.Errorf("%s: no rule broken, but it is named invalid-", c.InputPath)
		}
	}
	if n == 0 {
		t.Error("no testdata/invalid-*.yaml: the rule checker is never shown to reject anything")
	}
}

// wantKstatus is what kstatus must compute for a case, from the health
// Argo CD's script gives it. The two differ only where kstatus decides
// before looking at our conditions.
func wantKstatus(c argocd.Case) status.Status {
	switch {
	case c.Object.GetDeletionTimestamp() != nil:
		// kstatus reports any object being deleted as Terminating.
		return status.TerminatingStatus
	case !hasStatus(c.Object):
		// kstatus cannot tell an object its controller has not reached yet
		// from one that has no status at all: Current. docs/gitops.md
		// explains why Flux users add healthCheckExprs.
		return status.CurrentStatus
	}
	switch c.HealthStatus.Status {
	case argocd.Healthy:
		return status.CurrentStatus
	case argocd.Progressing:
		return status.InProgressStatus
	case argocd.Degraded:
		return status.FailedStatus
	}
	return status.UnknownStatus
}

// TestKstatusCompute runs kstatus' status.Compute, which Flux's
// kustomize-controller and helm-controller (wait) and cli-utils use, on
// every valid case.
func TestKstatusCompute(t *testing.T) {
	for _, c := range loadCases(t) {
		if c.Invalid() {
			continue
		}
		t.Run(name(c), func(t *testing.T) {
			res, err := status.Compute(c.Object)
			if err != nil {
				t.Fatal(err)
			}
			want := wantKstatus(c)
			if res.Status != want {
				t.Fatalf("kstatus says %s (%q), want %s (Argo CD: %s)", res.Status, res.Message, want, c.HealthStatus.Status)
			}
			conds, err := conditions(c.Object)
			if err != nil {
				t.Fatal(err)
			}
			// Where kstatus reads our Reconciling or Stalled, it shows our
			// message.
			if c.Object.GetDeletionTimestamp() == nil && c.Object.GetGeneration() == mustObserved(t, c.Object) {
				for _, typ := range []string{"Reconciling", "Stalled"} {
					if cond := find(conds, typ); cond != nil && res.Message != cond.Message {
						t.Errorf("kstatus message %q, want %s's %q", res.Message, typ, cond.Message)
					}
				}
			}
		})
	}
}

func mustObserved(t *testing.T, u *unstructured.Unstructured) int64 {
	t.Helper()
	observed, _, err := unstructured.NestedInt64(u.Object, "status", "observedGeneration")
	if err != nil {
		t.Fatal(err)
	}
	return observed
}

// TestKstatusCoverage makes sure each kstatus outcome is exercised.
func TestKstatusCoverage(t *testing.T) {
	seen := map[status.Status]bool{}
	for _, c := range loadCases(t) {
		if !c.Invalid() {
			seen[wantKstatus(c)] = true
		}
	}
	for _, s := range []status.Status{status.CurrentStatus, status.InProgressStatus, status.FailedStatus, status.TerminatingStatus} {
		if !seen[s] {
			t.Errorf("no testdata case that kstatus reads as %s", s)
		}
	}
}
