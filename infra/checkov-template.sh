#!/usr/bin/env bash
# checkov-template.sh TEMPLATE SKIPS: checkov (infra/.venv) on one CloudFormation template, with infra/.checkov.yaml
# and the comma-separated checks SKIPS skipped; exit status 1 on any finding. Used by check.sh and its tests.
#
# checkov runs in the template's directory on the file's bare name. Its YAML/JSON reader records the path it was
# given as a `__file__` entry in every mapping, the Lambda environment's `Variables` included, and CKV_AWS_45 (secrets
# in a Lambda environment) then tests that path like any variable's value: a path with 40 characters in a row from
# [A-Za-z0-9/+=] (e.g. `/check/work/main/infra/build/sst/dev/dev`) matches its "AWS secret access key" pattern, so the
# result would depend on where the repository is cloned. A bare file name has no `/` and is short.
set -euo pipefail
INFRA="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="${VENV:-$INFRA/.venv}"
template="$1" skips="$2"
dir="$(cd "$(dirname "$template")" && pwd)" file="$(basename "$template")"
args=(--config-file "$INFRA/.checkov.yaml" -f "$file" --framework cloudformation --skip-check "$skips")
cd "$dir"
echo "checkov: $template"
if "$VENV/bin/checkov" "${args[@]}"; then
  exit 0
fi
# Again as JSON, to name what each failing check looked at, with its value in the template: the compact report names
# only the resource.
"$VENV/bin/checkov" "${args[@]}" -o json 2>/dev/null | "$VENV/bin/python" -c '
import json, sys
template = json.load(open(sys.argv[1]))
report = json.load(sys.stdin)
for check in report["results"]["failed_checks"]:
    for key in check["check_result"].get("evaluated_keys") or ["?"]:
        value = template["Resources"].get(check["resource"].split(".", 1)[-1], {})
        for part in key.split("/"):
            value = value.get(part, "(not in the template)") if isinstance(value, dict) else None
        print("  ", check["check_id"], check["resource"] + ":", key, "=", json.dumps(value))
' "$file" || true
exit 1
