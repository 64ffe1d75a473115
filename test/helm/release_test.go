package helm

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/engine"
)

// TestRelease runs `make release-artifacts` (make release without the
// check of the generated files) into a temporary folder and checks what a
// user downloads: crds.yaml, install.yaml and the packaged chart, each
// stamped with the version and expecting the release's image; the two
// files apply (server-side dry run), the chart renders that image.
func TestRelease(t *testing.T) {
	installCRDs(t)
	const (
		version = "v9.8.7"
		repo    = "registry.example.com/team/mailgun-operator"
		image   = repo + ":" + version
	)
	dist := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "make", "--no-print-directory", "-C", root, "release-artifacts",
		"VERSION="+version, "IMG_REPO="+repo, "DIST="+dist)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make release-artifacts: %v\n%s", err, out)
	}
	entries, err := os.ReadDir(dist)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{"crds.yaml", "install.yaml", "mailgun-operator-9.8.7.tgz"}; !slices.Equal(names, want) {
		t.Fatalf("dist has %v, want %v", names, want)
	}

	for _, f := range []struct {
		name  string
		kinds func(kind string) bool
	}{
		{"crds.yaml", func(k string) bool { return k == "CustomResourceDefinition" }},
		{"install.yaml", func(k string) bool { return k != "CustomResourceDefinition" }},
	} {
		b, err := os.ReadFile(filepath.Join(dist, f.name))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(b), "# mailgun-operator "+version+": ") {
			t.Errorf("%s does not start with the version: %.80q", f.name, b)
		}
		objs := decodeAll(t, string(b))
		if len(objs) == 0 {
			t.Fatalf("%s has no objects", f.name)
		}
		for _, obj := range objs {
			labels, _ := obj["metadata"].(map[string]any)["labels"].(map[string]any)
			if labels["app.kubernetes.io/version"] != version {
				t.Errorf("%s: %s is not labelled app.kubernetes.io/version=%s: %v", f.name, kindName(obj), version, labels)
			}
			if k, _ := obj["kind"].(string); !f.kinds(k) {
				t.Errorf("%s has %s", f.name, kindName(obj))
			}
			if obj["kind"] == "Deployment" {
				var d appsv1.Deployment
				if err := runtime.DefaultUnstructuredConverter.FromUnstructured(obj, &d); err != nil {
					t.Fatal(err)
				}
				if got := d.Spec.Template.Spec.Containers[0].Image; got != image {
					t.Errorf("install.yaml runs %s, want %s", got, image)
				}
			}
		}
		if f.name == "install.yaml" {
			ensureNamespace(t, "mailgun-operator-system")
		}
		out := kubectl(t, "apply", "--server-side", "--dry-run=server", "-f", filepath.Join(dist, f.name))
		if n := len(dryRunLine.FindAllString(out, -1)); n != len(objs) {
			t.Errorf("the dry run of %s applied %d objects, want %d:\n%s", f.name, n, len(objs), out)
		}
	}

	ch, err := loader.Load(filepath.Join(dist, "mailgun-operator-9.8.7.tgz"))
	if err != nil {
		t.Fatal(err)
	}
	if ch.Metadata.Version != "9.8.7" || ch.Metadata.AppVersion != version {
		t.Errorf("the chart is version %s, appVersion %s; want 9.8.7 and %s", ch.Metadata.Version, ch.Metadata.AppVersion, version)
	}
	if len(ch.CRDObjects()) != 4 {
		t.Errorf("the packaged chart has %d CRDs, want 4", len(ch.CRDObjects()))
	}
	vals, err := util.ToRenderValuesWithSchemaValidation(ch, nil,
		common.ReleaseOptions{Name: "mailgun-operator", Namespace: "x", Revision: 1, IsInstall: true}, common.DefaultCapabilities, false)
	if err != nil {
		t.Fatal(err)
	}
	files, err := engine.Engine{Strict: true}.Render(ch, vals)
	if err != nil {
		t.Fatal(err)
	}
	dep := files["mailgun-operator/templates/deployment.yaml"]
	if !strings.Contains(dep, `image: "`+image+`"`) {
		t.Errorf("the packaged chart's Deployment does not run %s:\n%s", image, dep)
	}
	if !strings.Contains(dep, "app.kubernetes.io/version: "+`"`+version+`"`) {
		t.Errorf("the packaged chart's objects are not labelled with version %s:\n%s", version, dep)
	}
	// The packaged chart keeps values.yaml's comments (helm show values).
	for _, f := range ch.Raw {
		if f.Name == "values.yaml" && !strings.Contains(string(f.Data), "# -- The manager image.") {
			t.Errorf("the packaged values.yaml lost its comments")
		}
	}
}
