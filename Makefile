# One entry point for newcomers and CI. `make test` installs what the tests need and runs every check.
SHELL := /bin/bash
CARGO ?= cargo
VENV := .venv
PYTHON ?= python3

.PHONY: test run fmt-check clippy cargo-test python-tools package package-test bench infra-check $(DEPLOY_TARGETS)

# Where `make package` writes <binary>/bootstrap.zip, and where package-test, infra-check and the deploy shortcuts
# read them: beside the cargo target directory.
LAMBDA_PACKAGE_DIR ?= $(abspath $(or $(CARGO_TARGET_DIR),target))/lambda
export LAMBDA_PACKAGE_DIR

## test: the project's test command (fmt check, clippy -D warnings, every test, the arm64 packages built and run
## under emulation, every deployment flavour checked against them)
test: fmt-check clippy python-tools cargo-test package-test
	INFRA_CHECK_PACKAGES=required bash infra/check.sh

fmt-check:
	$(CARGO) fmt --all -- --check

# Twice: every crate with every feature, and the runner as `make run` builds it (without the AWS backend).
clippy:
	$(CARGO) clippy --workspace --all-targets --all-features --locked -- -D warnings
	$(CARGO) clippy -p loyalty-local --all-targets --locked -- -D warnings

## python-tools: a virtual environment with the official durable-execution emulator (differential tests)
python-tools: $(VENV)/.installed

$(VENV)/.installed: requirements-test.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-test.txt
	touch $@

cargo-test:
	$(CARGO) build --workspace --bins --all-features --locked
	$(CARGO) test --workspace --all-features --locked

## package: the nine functions as Lambda packages, <LAMBDA_PACKAGE_DIR>/<binary>/bootstrap.zip for provided.al2023 on
## arm64 (cargo lambda; installs cargo-lambda, zig and the aarch64 standard library; see lambdas/README.md)
package: python-tools
	bash lambdas/package.sh

## package-test: the API function and a queue consumer run from their arm64 zips under qemu user-mode emulation
package-test: package
	bash lambdas/package-test.sh

## run: start the service embedded on 127.0.0.1:8080 (data in .loyalty/)
run:
	$(CARGO) run --release --bin loyalty-local

## bench: every benchmark, in release mode; each prints its figures (the load and cold-start benchmarks run the
## release binaries, built first; the cold-start one uses moto server from .venv)
bench: python-tools
	$(CARGO) build --release -p loyalty-local --bin loyalty-local
	$(CARGO) build --release -p loyalty-lambdas --bins
	$(CARGO) bench --workspace

## infra-check: every deployment flavour (SAM, CDK, SST v2, Serverless, Terraform) validated offline and checked
## against infra/names.json, on the packages of `make package` when they exist (placeholders otherwise); installs its
## tools into infra/.venv, infra/node_modules and infra/sst/node_modules (see infra/README.md)
infra-check:
	bash infra/check.sh

## Deploy and destroy shortcuts, one pair per flavour (SAM, CDK, SST v2, Serverless, Terraform): ENV, AWS_REGION
## and, to deploy, DD_API_KEY_SECRET_ARN, DD_SITE, DD_VERSION (default: git HEAD) and, outside dev/prod, JWT_SECRET;
## tf-apply-local also AWS_ENDPOINT_URL. Every input is checked before any tool runs; DRY_RUN=1 prints the commands
## instead (see infra/README.md, "Deploy").
DEPLOY_TARGETS := sam sam-destroy cdk-deploy cdk-destroy sst-deploy sst-remove sls-deploy sls-remove tf-apply \
	tf-apply-local tf-destroy

$(DEPLOY_TARGETS):
	@$(PYTHON) infra/deploy.py $@

