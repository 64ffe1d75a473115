// Command chart-package packages charts/mailgun-operator for a release, as
// `helm package --version --app-version` does, with Helm's own Go packages
// (no helm binary to download) and the image repository of the release:
// the chart's version is the release's SemVer without its "v" (0.2.0), its
// appVersion the release tag (v0.2.0), which is also the image tag the
// chart defaults to, and values.yaml's image.repository the repository the
// release's image is pushed to. hack/release.sh (make release) runs it.
//
// It lives in the test/helm module so that Helm stays out of the
// operator's go.mod.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"

	chartv2 "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	chartutil "helm.sh/helm/v4/pkg/chart/v2/util"
)

// semver is a release tag: v, then SemVer 2.
var semver = regexp.MustCompile(`^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`)

// repositoryLine is image.repository in values.yaml: the first key under
// "image:".
var repositoryLine = regexp.MustCompile(`(?m)^(image:\n(?:\s*#.*\n)*  repository: )(\S+)$`)

func main() {
	chartDir := flag.String("chart", "charts/mailgun-operator", "the chart's folder")
	version := flag.String("version", "", "the release tag, for example v0.2.0")
	repo := flag.String("image-repository", "", "the repository of the release's image, for example ghcr.io/mailgun-operator/mailgun-operator")
	out := flag.String("out", "dist", "the folder the .tgz is written to")
	flag.Parse()
	path, err := run(*chartDir, *version, *repo, *out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "chart-package:", err)
		os.Exit(1)
	}
	fmt.Println(path)
}

func run(chartDir, version, repo, out string) (string, error) {
	if !semver.MatchString(version) {
		return "", fmt.Errorf("version %q is not a release tag such as v0.2.0", version)
	}
	if repo == "" || strings.ContainsAny(repo, " :@") {
		return "", fmt.Errorf("image repository %q: want a repository without tag or digest, such as ghcr.io/you/mailgun-operator", repo)
	}
	ch, err := loader.Load(chartDir)
	if err != nil {
		return "", fmt.Errorf("cannot load the chart: %w", err)
	}
	ch.Metadata.Version = strings.TrimPrefix(version, "v")
	ch.Metadata.AppVersion = version
	if err := setRepository(ch, repo); err != nil {
		return "", err
	}
	if err := ch.Validate(); err != nil {
		return "", fmt.Errorf("the stamped chart is invalid: %w", err)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return "", err
	}
	return chartutil.Save(ch, out)
}

// setRepository sets image.repository in values.yaml, keeping its comments
// (Save writes values.yaml as it was read), and in the parsed values.
func setRepository(ch *chartv2.Chart, repo string) error {
	for _, f := range ch.Raw {
		if f.Name != chartutil.ValuesfileName {
			continue
		}
		if n := len(repositoryLine.FindAllIndex(f.Data, -1)); n != 1 {
			return fmt.Errorf("values.yaml has %d image.repository lines right under image:, want 1", n)
		}
		f.Data = repositoryLine.ReplaceAll(f.Data, []byte("${1}"+repo))
		img, ok := ch.Values["image"].(map[string]any)
		if !ok {
			return errors.New("values.yaml has no image map")
		}
		img["repository"] = repo
		return nil
	}
	return errors.New("the chart has no values.yaml")
}
