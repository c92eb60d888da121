#!/usr/bin/env bash
# make infra-check: installs the validators (idempotently, into infra/.venv, infra/node_modules and
# infra/sst/node_modules), then validates every deployment flavour offline and checks each against names.json. Prints
# the time of each step and the total.
set -euo pipefail

INFRA="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$INFRA"
ENV_NAME="${INFRA_CHECK_ENV:-ci}"
# Every flavour is synthesized twice: for an environment that owns its bus and its secret, and for an integrated one
# (names.json `integrated`: the shared secret, the rules on the shared bus too).
INTEGRATED_ENV="${INFRA_CHECK_INTEGRATED_ENV:-dev}"
ENVS=("$ENV_NAME" "$INTEGRATED_ENV")
PYTHON="${PYTHON:-python3}"
VENV="$INFRA/.venv"
BUILD="$INFRA/build"
# The Lambda packages of `make package` (<binary>/bootstrap.zip). Without them every flavour is checked on placeholder
# zips, unless INFRA_CHECK_PACKAGES=required (make test), which makes their absence an error.
PACKAGES="${LAMBDA_PACKAGE_DIR:-}"
PACKAGES_REQUIRED="${INFRA_CHECK_PACKAGES:-}"
ASSETS="$BUILD/placeholder-assets"
REAL_PACKAGES=0

# Offline and quiet: no telemetry, no version checks, no notices.
export SAM_CLI_TELEMETRY=0 CDK_DISABLE_VERSION_CHECK=1 SLS_TELEMETRY_DISABLED=1 SLS_NOTIFICATIONS_MODE=off \
  CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 BC_SKIP_MAPPING=TRUE AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1 \
  npm_config_update_notifier=false

START=$EPOCHREALTIME
STEPS=()
CURRENT="start"
# Every command failing stops the script (set -e), and this names the step it stopped in.
trap 'rc=$?; if [[ $rc -ne 0 ]]; then echo "infra-check: FAILED at: $CURRENT (exit $rc)" >&2; fi' EXIT

step() { # step NAME COMMAND...: runs and times one step (not in a condition, so that set -e applies inside it).
  CURRENT="$1"; shift
  local t0=$EPOCHREALTIME
  echo "==> $CURRENT"
  "$@"
  STEPS+=("$(awk -v a="$t0" -v b="$EPOCHREALTIME" -v n="$CURRENT" 'BEGIN { printf "%6.1f s  %s", b - a, n }')")
}

python_tools() {
  if [[ -f "$VENV/.installed" && "$VENV/.installed" -nt requirements.txt \
        && "$VENV/.installed" -nt requirements-checker.txt ]]; then
    echo "infra/.venv is up to date"
    return
  fi
  echo "creating infra/.venv and installing requirements.txt (aws-sam-cli, cfn-lint, checkov, terraform 1.0.3)"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r requirements.txt
  # python-hcl2 installs a module named hcl2, as checkov's bc-python-hcl2 does: it goes into its own directory,
  # which only the checker puts on its path (checker/hcl.py), with its dependencies (lark, regex) at the versions
  # requirements.txt pins.
  echo "installing requirements-checker.txt (python-hcl2) into infra/.venv/checker-lib"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check --target "$VENV/checker-lib" \
    -c requirements.txt -r requirements-checker.txt
  touch "$VENV/.installed"
}

node_tools() {
  if [[ -f node_modules/.installed && node_modules/.installed -nt package-lock.json ]]; then
    echo "infra/node_modules is up to date"
    return
  fi
  echo "npm ci (aws-cdk, aws-cdk-lib, serverless@3, typescript)"
  npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
  touch node_modules/.installed
}

# moto server for the SST flavour, in its own environment (its dependencies are not those requirements.txt pins).
moto_tools() {
  if [[ -f "$VENV/moto/.installed" && "$VENV/moto/.installed" -nt requirements-moto.txt ]]; then
    echo "infra/.venv/moto is up to date"
    return
  fi
  echo "creating infra/.venv/moto and installing requirements-moto.txt (moto[server])"
  rm -rf "$VENV/moto"
  "$PYTHON" -m venv "$VENV/moto"
  "$VENV/moto/bin/pip" install --quiet --disable-pip-version-check -r requirements-moto.txt
  touch "$VENV/moto/.installed"
}

# SST v2 pins its own aws-cdk-lib (2.224.0 for sst 2.49.8) and constructs: they are installed apart, in
# infra/sst/node_modules.
sst_node_tools() {
  if [[ -f sst/node_modules/.installed && sst/node_modules/.installed -nt sst/package-lock.json ]]; then
    echo "infra/sst/node_modules is up to date"
    return
  fi
  echo "npm ci in infra/sst (sst@2, its aws-cdk-lib and constructs)"
  (cd sst && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
  touch sst/node_modules/.installed
}

checker_tests() {
  "$VENV/bin/python" -m unittest discover -s tests
}

packages() {
  # Any zip there means packages were built: then all nine must be right.
  if [[ -n "$PACKAGES" ]] && compgen -G "$PACKAGES/*/bootstrap.zip" >/dev/null; then
    "$VENV/bin/python" check.py packages --dir "$PACKAGES"
    ASSETS="$PACKAGES"
    REAL_PACKAGES=1
    return
  fi
  if [[ "$PACKAGES_REQUIRED" == required ]]; then
    echo "the Lambda packages are required (INFRA_CHECK_PACKAGES=required) but ${PACKAGES:-LAMBDA_PACKAGE_DIR} holds none: run \`make package\`" >&2
    return 1
  fi
  # No packages built: each function gets a placeholder bootstrap zip so that cdk synth and serverless package have
  # something to package; the templates are checked, the packages are not.
  "$VENV/bin/python" - "$ASSETS" <<'EOF'
import json, os, stat, sys, zipfile
root = sys.argv[1]
names = json.load(open("names.json"))
for fn in names["functions"].values():
    d = os.path.join(root, fn["binary"])
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "bootstrap")
    with open(path, "w") as f:
        f.write("#!/bin/sh\necho 'placeholder: make package builds the real bootstrap' >&2\nexit 1\n")
    os.chmod(path, 0o755)
    with zipfile.ZipFile(os.path.join(d, "bootstrap.zip"), "w") as z:
        z.write(path, "bootstrap")
print(f"no packages (make package): {len(names['functions'])} placeholder zips in {root}; the packages are not checked")
EOF
}

# The synthesized CDK and SST stacks and the Serverless package deploy exactly the packages' bytes (real packages
# only).
flavours_deploy_the_packages() {
  if [[ $REAL_PACKAGES != 1 ]]; then
    echo "placeholder zips: skipped"
    return
  fi
  local envs=() env
  for env in "${ENVS[@]}"; do envs+=(--env "$env"); done
  "$VENV/bin/python" check.py packages --dir "$ASSETS" "${envs[@]}" --cdk-out cdk/cdk.out --sst-out "$BUILD/sst" \
    --serverless-package "$BUILD/serverless"
}

cfn_lint() { # cfn_lint FILE [--ignore-checks ...]: errors and warnings both fail
  "$VENV/bin/cfn-lint" "$@"
  echo "cfn-lint: $1 clean"
}

sam_flavour() {
  "$VENV/bin/python" sam/generate.py --check
  cfn_lint sam/template.yaml
  "$VENV/bin/sam" validate --lint --template sam/template.yaml
  local env
  for env in "${ENVS[@]}"; do
    "$VENV/bin/python" sam/transform.py --env "$env" --out "$BUILD/sam/transformed-$env.json"
    cfn_lint "$BUILD/sam/transformed-$env.json"
    "$VENV/bin/python" check.py cfn --flavour sam --env "$env" --template "$BUILD/sam/transformed-$env.json" \
      --parameter "Env=$env"
  done
}

cdk_flavour() {
  node_modules/.bin/tsc -p cdk
  rm -rf cdk/cdk.out
  local env template
  # One synth makes both stacks (one per environment).
  (cd cdk && ../node_modules/.bin/cdk synth --quiet --no-notices -c "env=$(IFS=,; echo "${ENVS[*]}")" \
    -c "assetsDir=$ASSETS")
  for env in "${ENVS[@]}"; do
    template="cdk/cdk.out/LoyaltyService-$env.template.json"
    # W3005 (a DependsOn already implied by a GetAtt) is how CDK itself writes a function's dependency on its role.
    cfn_lint "$template" --ignore-checks W3005
    "$VENV/bin/python" check.py cfn --flavour cdk --env "$env" --template "$template"
  done
}

# The deploy-time inputs written into the template at package (synth) time, as stand-ins the checker reads as "the
# deploy parameter X" (--stand-in): Serverless takes them as params, SST from the environment.
STAND_INS=(JwtSecret=stand-in-jwt-secret
  DdApiKeySecretArn=arn:aws:secretsmanager:us-east-1:123456789012:secret:stand-in-dd-api-key
  DdSite=stand-in.datadoghq.com DdVersion=stand-in-version)

sst_flavour() {
  # The config and the shared CDK code it imports, type-checked against SST's own aws-cdk-lib (tsconfig paths).
  node_modules/.bin/tsc -p sst
  rm -rf "$BUILD/sst"
  local env template checks=() s
  for s in "${STAND_INS[@]}"; do checks+=(--stand-in "$s"); done
  for env in "${ENVS[@]}"; do
    # sst build synthesizes the stage's stack into a cloud assembly, after three AWS calls that moto server on
    # 127.0.0.1 answers (sst/offline_aws.py fails on any other call).
    (cd sst && SST_TELEMETRY_DISABLED=1 LAMBDA_PACKAGE_DIR="$ASSETS" JWT_SECRET=stand-in-jwt-secret \
      DD_API_KEY_SECRET_ARN=arn:aws:secretsmanager:us-east-1:123456789012:secret:stand-in-dd-api-key \
      DD_SITE=stand-in.datadoghq.com DD_VERSION=stand-in-version \
      "$VENV/moto/bin/python" offline_aws.py -- node_modules/.bin/sst build --stage "$env" --to "$BUILD/sst/$env")
    template="$BUILD/sst/$env/$env-loyalty-service-Service.template.json"
    # W3005: as CDK (SST is CDK underneath).
    cfn_lint "$template" --ignore-checks W3005
    "$VENV/bin/python" check.py cfn --flavour sst --env "$env" --template "$template" "${checks[@]}"
  done
}

serverless_flavour() {
  rm -rf serverless/.serverless "$BUILD/serverless"
  local env template
  for env in "${ENVS[@]}"; do
    # The deploy-time inputs (the JWT secret a non-integrated stage writes, the Datadog API key's secret, site and
    # version) are Serverless params, written into the template at package time; here stand-ins, which the checker
    # reads as "the deploy parameter X" (--stand-in), as it reads the template parameters of SAM and CDK.
    local params=() checks=() s
    for s in "${STAND_INS[@]}"; do
      params+=("--param=$(tr '[:upper:]' '[:lower:]' <<< "${s:0:1}")${s:1}")  # DdSite=... -> --param=ddSite=...
      checks+=(--stand-in "$s")
    done
    (cd serverless && ../node_modules/.bin/serverless package --stage "$env" --param="artifactsDir=$ASSETS" \
      "${params[@]}" --package "$BUILD/serverless/$env")
    template="$BUILD/serverless/$env/cloudformation-template-update-stack.json"
    # W3005: Serverless adds DependsOn on a function's role, as CDK does.
    cfn_lint "$template" --ignore-checks W3005
    "$VENV/bin/python" check.py cfn --flavour serverless --env "$env" --template "$template" "${checks[@]}"
  done
}

terraform_flavour() {
  local tf="$VENV/bin/terraform" env data
  "$tf" fmt -check -recursive -diff terraform
  echo "terraform fmt: clean"
  for env in "${ENVS[@]}"; do
    data="$BUILD/terraform-names/$env"
    mkdir -p "$data"
    # The names module has no provider: Terraform evaluates it offline (init downloads nothing).
    TF_DATA_DIR="$data/.terraform" "$tf" -chdir=terraform/names init -input=false -backend=false >/dev/null
    TF_DATA_DIR="$data/.terraform" "$tf" -chdir=terraform/names apply -input=false -auto-approve \
      -state="$data/terraform.tfstate" -var "env=$env" -var partition=aws -var region=us-east-1 \
      -var account=123456789012 >/dev/null
    TF_DATA_DIR="$data/.terraform" "$tf" -chdir=terraform/names output -state="$data/terraform.tfstate" -json \
      > "$data/names-output.json"
    "$VENV/bin/python" check.py terraform --env "$env" --dir terraform --names-output "$data/names-output.json"
  done
}

checkov_template() { # checkov_template TEMPLATE SKIPS: checkov on one CloudFormation template
  VENV="$VENV" "$INFRA/checkov-template.sh" "$1" "$2"
}

checkov_all() {
  # Findings that are decisions, not defects, are skipped in .checkov.yaml, each with its reason; any other fails.
  # On CloudFormation, CKV_AWS_27 (SQS encryption) of checkov 3.2.459 recognises only KmsMasterKeyId, not the
  # SqsManagedSseEnabled every queue has (asserted by the names checker; the Terraform run keeps CKV_AWS_27).
  local ck="$VENV/bin/checkov" cfg="$INFRA/.checkov.yaml" skips
  # A --skip-check on the command line replaces the file's list, so the file's list is passed explicitly.
  skips=$(sed -nE 's/^[[:space:]]*-[[:space:]]*(CKV[A-Z0-9_]+).*/\1/p' "$cfg" | paste -sd, -)
  "$ck" --config-file "$cfg" -d terraform --framework terraform --skip-check "$skips"
  # One template per run: each report is then about one template alone (the CDK and SST templates share their
  # resources' logical ids). A failing run names each finding's key and value (checkov-template.sh).
  local env template failed=()
  for env in "${ENVS[@]}"; do
    for template in "$BUILD/sam/transformed-$env.json" "cdk/cdk.out/LoyaltyService-$env.template.json" \
      "$BUILD/sst/$env/$env-loyalty-service-Service.template.json"; do
      checkov_template "$template" "$skips,CKV_AWS_27" || failed+=("$template")
    done
    # Serverless also creates its deployment bucket (CKV_AWS_18/21/53-56) and one log group per function without
    # retention or KMS (CKV_AWS_66/158); the other flavours let Lambda create the log groups.
    checkov_template "$BUILD/serverless/$env/cloudformation-template-update-stack.json" \
      "$skips,CKV_AWS_27,CKV_AWS_18,CKV_AWS_21,CKV_AWS_53,CKV_AWS_54,CKV_AWS_55,CKV_AWS_56,CKV_AWS_66,CKV_AWS_158" \
      || failed+=("serverless $env")
  done
  if ((${#failed[@]})); then
    echo "checkov: findings in ${failed[*]}" >&2
    return 1
  fi
}

step "python tools (infra/.venv)" python_tools
step "moto server (infra/.venv/moto)" moto_tools
step "node tools (infra/node_modules)" node_tools
step "SST node tools (infra/sst/node_modules)" sst_node_tools
step "checker tests" checker_tests
step "Lambda packages (${PACKAGES:-none}): arm64 bootstrap zips" packages
step "SAM: generate --check, cfn-lint, sam validate --lint, transform, names check (${ENVS[*]})" sam_flavour
step "CDK: tsc, cdk synth, cfn-lint, names check (${ENVS[*]})" cdk_flavour
step "SST v2: tsc, sst build (moto on 127.0.0.1), cfn-lint, names check (${ENVS[*]})" sst_flavour
step "Serverless v3: serverless package, cfn-lint, names check (${ENVS[*]})" serverless_flavour
step "Terraform: fmt -check, names module evaluated, wiring + names check (${ENVS[*]})" terraform_flavour
step "CDK, SST and Serverless deploy the packages' bytes (${ENVS[*]})" flavours_deploy_the_packages
step "checkov: Terraform, SAM, CDK, SST, Serverless (${ENVS[*]})" checkov_all

echo
echo "infra-check passed (envs ${ENVS[*]}):"
printf '  %s\n' "${STEPS[@]}"
awk -v a="$START" -v b="$EPOCHREALTIME" 'BEGIN { printf "  %6.1f s  total\n", b - a }'
echo "infra-check: ${#STEPS[@]} passed, 0 failed"
