#!/usr/bin/env bash
# Copies what `make manifests` generates into the Helm chart: the CRDs, and
# the manager's RBAC rules (hack/split-rbac writes them to the chart's
# files/rbac/ and to config/namespaced). test/install and test/helm check
# that they stay equal.
#
# The chart's CRDs carry helm.sh/resource-policy: keep: deleting a CRD deletes
# every MailgunDomain, Webhook and Route with it, so no Helm operation may
# ever delete them (the operator orphans, never deletes, the Mailgun objects
# of a CRD being deleted; README.md, "Uninstall").
set -euo pipefail
cd "$(dirname "$0")/.."
chart=charts/mailgun-operator
for f in config/crd/bases/*.yaml; do
	grep -q '^  annotations:$' "$f" || { echo "$f has no metadata.annotations to add helm.sh/resource-policy to" >&2; exit 1; }
	sed '0,/^  annotations:$/s//  annotations:\n    helm.sh\/resource-policy: keep/' "$f" > "$chart/crds/$(basename "$f")"
done
# The manager's rules, split into those on namespaced resources (a Role in
# each watched namespace in namespace mode) and those on cluster-scoped
# ones, for the chart (files/rbac/, read by its RBAC templates) and for
# config/namespaced.
"${GO:-go}" run ./hack/split-rbac
