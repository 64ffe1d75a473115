#!/usr/bin/env bash
# make release VERSION=vX.Y.Z: the release artifacts, in DIST (default dist/):
#   crds.yaml                  the CRDs (kubectl kustomize config/crd)
#   install.yaml               the operator without the CRDs (config/default),
#                              its image IMG_REPO:VERSION
#   mailgun-operator-X.Y.Z.tgz the Helm chart: version X.Y.Z, appVersion (the
#                              image tag it defaults to) VERSION, image
#                              repository IMG_REPO
# Every object of crds.yaml and install.yaml carries the label
# app.kubernetes.io/version: VERSION, and each file starts with a comment
# naming the version and the image. The image itself is built and pushed by
# make docker-build docker-push IMG=IMG_REPO:VERSION.
#
# Usage: hack/release.sh VERSION IMG_REPO DIST KUBECTL
set -euo pipefail
version=${1:-} repo=${2:-} dist=${3:-} kubectl=${4:-}
if [[ ! $version =~ ^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$ ]]; then
	echo "VERSION must be a release tag such as v0.2.0 (v and SemVer), not '$version': make release VERSION=v0.2.0" >&2
	exit 1
fi
if [[ -z $repo || $repo == *:* || $repo == *@* ]]; then
	echo "IMG_REPO must be an image repository without tag or digest, not '$repo'" >&2
	exit 1
fi
cd "$(dirname "$0")/.."
mkdir -p "$dist"
dist=$(cd "$dist" && pwd)
img=$repo:$version
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# An overlay per file: the version label, and for install.yaml the image.
for part in crd default; do
	mkdir "$tmp/$part"
	{
		echo "resources:"
		echo "- $(realpath --relative-to="$tmp/$part" "config/$part")"
		echo "labels:"
		echo "- pairs:"
		echo "    app.kubernetes.io/version: $version"
		if [[ $part == default ]]; then
			echo "images:"
			echo "- name: controller"
			echo "  newName: $repo"
			echo "  newTag: $version"
		fi
	} > "$tmp/$part/kustomization.yaml"
done
{
	echo "# mailgun-operator $version: the CRDs. Apply before install.yaml; deleting them deletes every custom resource."
	"$kubectl" kustomize "$tmp/crd"
} > "$tmp/crds.yaml"
{
	echo "# mailgun-operator $version: the operator, image $img (the CRDs are in crds.yaml)."
	"$kubectl" kustomize "$tmp/default"
} > "$tmp/install.yaml"
if ! grep -q "image: $img\$" "$tmp/install.yaml" || grep -q 'image: controller' "$tmp/install.yaml"; then
	echo "install.yaml does not run $img" >&2
	exit 1
fi
mv "$tmp/crds.yaml" "$tmp/install.yaml" "$dist/"
(cd test/helm && "${GO:-go}" run ./cmd/chart-package --chart ../../charts/mailgun-operator \
	--version "$version" --image-repository "$repo" --out "$dist")
echo "wrote $dist/crds.yaml, $dist/install.yaml and the chart above, for $img"
