package kstatus_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/ext"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"

	"github.com/mailgun-operator/mailgun-operator/test/argocd"
)

// healthCheckExpr is one entry of a Flux Kustomization's
// spec.healthCheckExprs.
type healthCheckExpr struct {
	APIVersion, Kind, Current, InProgress, Failed string
}

// docHealthCheckExprs returns the healthCheckExprs of the Kustomization in
// docs/gitops.md, by group and kind ("" for a group-only entry).
func docHealthCheckExprs(t *testing.T) map[schema.GroupKind]healthCheckExpr {
	t.Helper()
	objs, err := argocd.DocObjects("docs/gitops.md")
	if err != nil {
		t.Fatal(err)
	}
	out := map[schema.GroupKind]healthCheckExpr{}
	for _, obj := range objs {
		u := unstructured.Unstructured{Object: obj}
		if u.GetKind() != "Kustomization" {
			continue
		}
		exprs, _, err := unstructured.NestedSlice(obj, "spec", "healthCheckExprs")
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range exprs {
			m := e.(map[string]any)
			str := func(k string) string { s, _ := m[k].(string); return s }
			h := healthCheckExpr{APIVersion: str("apiVersion"), Kind: str("kind"),
				Current: str("current"), InProgress: str("inProgress"), Failed: str("failed")}
			gk := schema.FromAPIVersionAndKind(h.APIVersion, h.Kind).GroupKind()
			if _, dup := out[gk]; dup {
				t.Fatalf("docs/gitops.md: two healthCheckExprs for %s", gk)
			}
			out[gk] = h
		}
	}
	if len(out) == 0 {
		t.Fatal("docs/gitops.md has no Kustomization with healthCheckExprs")
	}
	return out
}

// celExpr parses an expression as Flux's runtime/cel.NewExpression does
// without WithCompile: the object's top-level fields are its variables.
func celExpr(t *testing.T, expr string) cel.Program {
	t.Helper()
	env, err := cel.NewEnv(
		cel.HomogeneousAggregateLiterals(),
		cel.EagerlyValidateDeclarations(true),
		cel.DefaultUTCTimeZone(true),
		cel.CrossTypeNumericComparisons(true),
		cel.OptionalTypes(),
		ext.Strings(),
		ext.Sets(),
		ext.Encoders(),
	)
	if err != nil {
		t.Fatal(err)
	}
	ast, issues := env.Parse(expr)
	if issues.Err() != nil {
		t.Fatalf("%s: %v", expr, issues.Err())
	}
	prog, err := env.Program(ast, cel.EvalOptions(cel.OptOptimize), cel.InterruptCheckFrequency(100))
	if err != nil {
		t.Fatal(err)
	}
	return prog
}

// fluxEvaluate is Flux's runtime/cel StatusEvaluator.Evaluate: a stale
// status.observedGeneration is InProgress; then inProgress, failed and
// current in that order; none true is InProgress. An evaluation error
// makes Flux's status reader report Unknown, and Flux keeps waiting.
func fluxEvaluate(t *testing.T, h healthCheckExpr, u *unstructured.Unstructured) (status.Status, error) {
	t.Helper()
	if observed, ok, err := unstructured.NestedInt64(u.Object, "status", "observedGeneration"); err == nil && ok {
		if generation, ok, err := unstructured.NestedInt64(u.Object, "metadata", "generation"); err == nil && ok && observed != generation {
			return status.InProgressStatus, nil
		}
	}
	for _, e := range []struct {
		expr   string
		status status.Status
	}{
		{h.InProgress, status.InProgressStatus},
		{h.Failed, status.FailedStatus},
		{h.Current, status.CurrentStatus},
	} {
		if e.expr == "" {
			continue
		}
		val, _, err := celExpr(t, e.expr).ContextEval(context.Background(), u.Object)
		if err != nil {
			return status.UnknownStatus, err
		}
		b, ok := val.(types.Bool)
		if !ok {
			return status.UnknownStatus, fmt.Errorf("%s: not a boolean", e.expr)
		}
		if b {
			return e.status, nil
		}
	}
	return status.InProgressStatus, nil
}

// TestFluxHealthCheckExprs evaluates the healthCheckExprs that
// docs/gitops.md gives Flux users on every valid case, as Flux would, and
// expects the verdict of Argo CD's health.lua.
func TestFluxHealthCheckExprs(t *testing.T) {
	exprs := docHealthCheckExprs(t)
	kinds, err := argocd.Kinds()
	if err != nil {
		t.Fatal(err)
	}
	lookup := func(kind string) (healthCheckExpr, bool) {
		if h, ok := exprs[schema.GroupKind{Group: argocd.Group, Kind: kind}]; ok {
			return h, true
		}
		h, ok := exprs[schema.GroupKind{Group: argocd.Group}]
		return h, ok
	}
	for _, kind := range kinds {
		if h, ok := lookup(kind); !ok || h.Current == "" {
			t.Errorf("docs/gitops.md: no healthCheckExprs with a current expression for %s", kind)
		}
	}
	for _, c := range loadCases(t) {
		if c.Invalid() {
			continue
		}
		t.Run(name(c), func(t *testing.T) {
			h, ok := lookup(c.Object.GetKind())
			if !ok {
				t.Skipf("no healthCheckExprs for %s", c.Object.GetKind())
			}
			got, err := fluxEvaluate(t, h, c.Object)
			if !hasStatus(c.Object) {
				// Nothing to read yet: Flux must wait, not pass.
				if got == status.CurrentStatus || got == status.FailedStatus {
					t.Errorf("Flux says %s before the operator wrote status", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]status.Status{
				argocd.Healthy:     status.CurrentStatus,
				argocd.Progressing: status.InProgressStatus,
				argocd.Degraded:    status.FailedStatus,
			}[c.HealthStatus.Status]
			if got != want {
				t.Errorf("Flux says %s, want %s (Argo CD: %s)", got, want, c.HealthStatus.Status)
			}
		})
	}
}
