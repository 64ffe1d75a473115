package argocd_test

import (
	"maps"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/mailgun-operator/mailgun-operator/test/argocd"
)

// customizationKey is the argocd-cm resource.customizations entry that
// docs/gitops.md tells users to add: one script for every kind of the group.
const customizationKey = argocd.Group + "/*"

// TestHealthLua runs health.lua on every case of health_test.yaml, as Argo CD
// would, and compares the health it returns.
func TestHealthLua(t *testing.T) {
	script, err := argocd.Script()
	if err != nil {
		t.Fatal(err)
	}
	cases, err := argocd.LoadCases()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(strings.TrimSuffix(filepath.Base(c.InputPath), ".yaml"), func(t *testing.T) {
			want := c.HealthStatus
			// As Argo CD's controller runs a script from argocd-cm: the object
			// from the API server, no standard libraries.
			got, err := argocd.ExecuteHealthLua(c.Object.Object, script, false)
			if err != nil {
				t.Fatalf("argocd-cm sandbox: %v", err)
			}
			if *got != want {
				t.Errorf("argocd-cm sandbox:\n got  %+v\n want %+v", *got, want)
			}
			// As Argo CD's own health script tests run it: the YAML file read
			// into a map, standard libraries open.
			obj, err := argocd.LoadObjectAsArgoCDTest(filepath.Join(argocd.Dir(), c.InputPath))
			if err != nil {
				t.Fatal(err)
			}
			got, err = argocd.ExecuteHealthLua(obj, script, true)
			if err != nil {
				t.Fatalf("open libraries: %v", err)
			}
			if *got != want {
				t.Errorf("open libraries:\n got  %+v\n want %+v", *got, want)
			}
		})
	}
}

// TestEveryKindCovered fails when a kind of the group (from its CRD) lacks a
// Healthy, a Progressing or a Degraded case, so a new kind cannot be
// forgotten, and when a case's input is not an object of the group.
func TestEveryKindCovered(t *testing.T) {
	kinds, err := argocd.Kinds()
	if err != nil {
		t.Fatal(err)
	}
	cases, err := argocd.LoadCases()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]map[string]bool{}
	for _, kind := range kinds {
		seen[kind] = map[string]bool{}
	}
	for _, c := range cases {
		gv, kind := c.Object.GroupVersionKind().GroupVersion(), c.Object.GetKind()
		if gv.Group != argocd.Group || seen[kind] == nil {
			t.Errorf("%s: %s/%s is not a kind of %s (kinds: %v)", c.InputPath, gv, kind, argocd.Group, kinds)
			continue
		}
		if c.Invalid() {
			continue
		}
		seen[kind][c.HealthStatus.Status] = true
	}
	for _, kind := range kinds {
		for _, status := range []string{argocd.Healthy, argocd.Progressing, argocd.Degraded} {
			if !seen[kind][status] {
				t.Errorf("health_test.yaml has no %s case for %s: add one with its input in testdata/", status, kind)
			}
		}
	}
}

// TestEveryInputTested fails on a testdata file that no case uses, or a file
// used twice.
func TestEveryInputTested(t *testing.T) {
	cases, err := argocd.LoadCases()
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]int{}
	for _, c := range cases {
		used[filepath.Clean(c.InputPath)]++
	}
	files, err := filepath.Glob(filepath.Join(argocd.Dir(), "testdata", "*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		rel, err := filepath.Rel(argocd.Dir(), f)
		if err != nil {
			t.Fatal(err)
		}
		switch used[rel] {
		case 0:
			t.Errorf("%s is in no case of health_test.yaml", rel)
		case 1:
		default:
			t.Errorf("%s is the input of %d cases", rel, used[rel])
		}
	}
}

// TestDocsConfigMap checks the argocd-cm snippet of docs/gitops.md: it must
// carry health.lua exactly, under a key that Argo CD matches to every kind.
func TestDocsConfigMap(t *testing.T) {
	script, err := argocd.Script()
	if err != nil {
		t.Fatal(err)
	}
	objs, err := argocd.DocObjects("docs/gitops.md")
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, obj := range objs {
		meta, _ := obj["metadata"].(map[string]any)
		if obj["kind"] != "ConfigMap" || meta["name"] != "argocd-cm" {
			continue
		}
		found = true
		data, _ := obj["data"].(map[string]any)
		for key := range data {
			// Kubernetes rejects a ConfigMap key with a '*'.
			if strings.ContainsAny(key, "*/") {
				t.Errorf("argocd-cm key %q is not a valid ConfigMap key", key)
			}
		}
		raw, _ := data["resource.customizations"].(string)
		var overrides map[string]struct {
			HealthLua   string `json:"health.lua"`
			UseOpenLibs bool   `json:"health.lua.useOpenLibs"`
		}
		if err := yaml.UnmarshalStrict([]byte(raw), &overrides); err != nil {
			t.Fatalf("resource.customizations: %v", err)
		}
		override, ok := overrides[customizationKey]
		if !ok {
			t.Fatalf("resource.customizations has no %q entry: %v", customizationKey, slices.Sorted(maps.Keys(overrides)))
		}
		if override.HealthLua != script {
			t.Errorf("the health.lua in docs/gitops.md differs from config/argocd/health.lua; paste it again")
		}
		if override.UseOpenLibs {
			t.Errorf("the script needs no standard library: leave health.lua.useOpenLibs unset")
		}
	}
	if !found {
		t.Fatal("docs/gitops.md has no argocd-cm ConfigMap")
	}
	kinds, err := argocd.Kinds()
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range kinds {
		if ok, _ := path.Match(customizationKey, argocd.Group+"/"+kind); !ok {
			t.Errorf("%q does not match %s/%s", customizationKey, argocd.Group, kind)
		}
	}
}

// TestHarness checks the runner against Argo CD's own rules for what a
// script returns, so that a pass here means a pass in Argo CD.
func TestHarness(t *testing.T) {
	obj := map[string]any{
		"metadata": map[string]any{"generation": int64(2)},
		"status": map[string]any{
			"observedGeneration": int64(2),
			"conditions":         []any{map[string]any{"type": "Ready"}},
		},
	}
	for _, tc := range []struct {
		name, script string
		openLibs     bool
		want         argocd.HealthStatus
		wantErr      bool
	}{
		{name: "numbers and 1-based lists",
			script: `return {status = "Healthy", message = tostring(obj.metadata.generation + obj.status.observedGeneration) .. obj.status.conditions[1].type}`,
			want:   argocd.HealthStatus{Status: "Healthy", Message: "4Ready"}},
		{name: "nil is no health", script: `return nil`},
		{name: "empty table is no health", script: `return {}`},
		{name: "unknown status", script: `return {status = "Fine"}`,
			want: argocd.HealthStatus{Status: "Unknown", Message: "Lua returned an invalid health status"}},
		{name: "not a table", script: `return "Healthy"`, wantErr: true},
		{name: "no string library in argocd-cm sandbox", script: `return {status = string.upper("x")}`, wantErr: true},
		{name: "string library when open", script: `return {status = "Healthy", message = string.upper("x")}`, openLibs: true,
			want: argocd.HealthStatus{Status: "Healthy", Message: "X"}},
		{name: "only the safe os", script: `local safe = require("os"); return {status = "Healthy", message = type(os) .. type(safe.time) .. type(safe.execute)}`,
			want: argocd.HealthStatus{Status: "Healthy", Message: "nilfunctionnil"}},
		{name: "deadline", script: `while true do end`, wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := argocd.ExecuteHealthLua(obj, tc.script, tc.openLibs)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("got %+v, want an error", *got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if *got != tc.want {
				t.Errorf("got %+v, want %+v", *got, tc.want)
			}
		})
	}
}
