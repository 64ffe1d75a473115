#!/usr/bin/env bash
# Copies what `make manifests` generates into the Helm chart: the CRDs, and
# the manager's RBAC rules into the ClusterRole template (everything after its
# "rules:" line). test/install and test/helm check the two stay equal.
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
tpl=$chart/templates/clusterrole.yaml
{
	sed '/^rules:$/q' "$tpl"
	sed '1,/^rules:$/d' config/rbac/role.yaml
} > "$tpl.tmp"
mv "$tpl.tmp" "$tpl"
