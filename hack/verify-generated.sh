#!/usr/bin/env bash
# Fails when `make manifests generate` changes any generated file, so a change
# to the API types or RBAC markers can never land without its generated code.
# It compares checksums rather than asking git, so it also works in a tree with
# uncommitted work.
set -euo pipefail
make=${1:-make}
cd "$(dirname "$0")/.."

snapshot() {
	find config/crd/bases config/rbac charts/mailgun-operator/crds charts/mailgun-operator/templates charts/mailgun-operator/files config/namespaced api -type f \( -name '*.yaml' -o -name 'zz_generated*.go' \) 2>/dev/null |
		LC_ALL=C sort | xargs -r sha256sum
}

before=$(snapshot)
"$make" --no-print-directory manifests generate >/dev/null
after=$(snapshot)
if [[ "$before" != "$after" ]]; then
	echo "generated files were out of date; 'make manifests generate' has now updated them:" >&2
	diff <(echo "$before") <(echo "$after") >&2 || true
	echo "commit the regenerated files." >&2
	exit 1
fi
