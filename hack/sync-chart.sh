#!/usr/bin/env bash
# Copies what `make manifests` generates into the Helm chart: the CRDs, and
# the manager's RBAC rules into the ClusterRole template (everything after its
# "rules:" line). test/install and test/helm check the two stay equal.
set -euo pipefail
cd "$(dirname "$0")/.."
chart=charts/mailgun-operator
cp config/crd/bases/*.yaml "$chart/crds/"
tpl=$chart/templates/clusterrole.yaml
{
	sed '/^rules:$/q' "$tpl"
	sed '1,/^rules:$/d' config/rbac/role.yaml
} > "$tpl.tmp"
mv "$tpl.tmp" "$tpl"
