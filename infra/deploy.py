#!/usr/bin/env python3
"""Deploy and destroy shortcuts for the flavours (`make sam`, `make cdk-deploy`, `make sst-deploy`, `make tf-apply`,
...).

Each target reads its inputs from the environment, checks them all before any tool runs (a missing or malformed
input is an error naming it, exit status 2), then runs the flavour's own commands in order, stopping at the first
that fails. With `DRY_RUN=1` (or `--dry-run`) it prints the commands, one per line with the directory they run in,
and runs nothing; the infra tests check every target that way, since a real run needs an AWS account.

Inputs:
  ENV                    the environment (dev, prod or an ephemeral name, ^[a-z0-9-]{1,16}$)
  AWS_REGION             the region to deploy to
  DD_API_KEY_SECRET_ARN  the Secrets Manager secret holding the Datadog API key (deploy targets)
  DD_SITE                the Datadog site, e.g. datadoghq.eu (deploy targets)
  DD_VERSION             the version deployed, DD_VERSION on every function (deploy targets; default: git HEAD)
  JWT_SECRET             the JWT secret written to /<ENV>/LoyaltyService/secret-access-key (deploy targets outside
                         the integrated environments dev and prod, which read /<ENV>/shared/secret-access-key)
  AWS_ENDPOINT_URL       tf-apply-local only: the local AWS endpoint (e.g. moto server on 127.0.0.1)
  LAMBDA_PACKAGE_DIR     cdk-deploy, sst-deploy, sls-deploy, tf-apply, tf-apply-local: where `make package` wrote
                         <binary>/bootstrap.zip (make sets it); every function's zip must be there. `make sam` builds
                         the same packages itself (`sam build`, cargo lambda).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

INFRA = Path(__file__).resolve().parent
ENV_PATTERN = re.compile(r"^[a-z0-9-]{1,16}$")
INTEGRATED = ("dev", "prod")
ARN_PATTERN = re.compile(r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$")


class InputError(Exception):
    """A missing or malformed input, found before any tool runs."""


@dataclass(frozen=True)
class Step:
    """One command and the directory (relative to infra/) it runs in."""

    cwd: str
    argv: tuple[str, ...]
    env: tuple[tuple[str, str], ...] = ()

    def render(self) -> str:
        prefix = "".join(f"{k}={shlex.quote(v)} " for k, v in self.env)
        return f"(cd infra/{self.cwd} && {prefix}{shlex.join(self.argv)})"


def _required(env: dict[str, str], name: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise InputError(f"{name} is required (see infra/README.md, section Deploy)")
    return value


@dataclass(frozen=True)
class Inputs:
    env: str
    region: str
    dd_api_key_secret_arn: str = ""
    dd_site: str = ""
    dd_version: str = ""
    jwt_secret: str = ""
    packages: str = ""


def missing_packages(directory: str) -> list[str]:
    """The functions of names.json whose `<binary>/bootstrap.zip` is not in `directory`."""
    names = json.loads((INFRA / "names.json").read_text(encoding="utf-8"))
    binaries = [fn["binary"] for fn in names["functions"].values()]
    return [b for b in binaries if not (Path(directory) / b / "bootstrap.zip").is_file()]


def read_inputs(environ: dict[str, str], deploy: bool, packaged: bool = False) -> Inputs:
    """The inputs of a target; every problem is reported at once, before any tool runs."""
    problems = []

    def take(name: str, check=None, message: str = "") -> str:
        try:
            value = _required(environ, name)
        except InputError as error:
            problems.append(str(error))
            return ""
        if check is not None and not check(value):
            problems.append(f"{name}={value!r} {message}")
        return value

    env = take("ENV", ENV_PATTERN.match, "is not a valid environment name (^[a-z0-9-]{1,16}$)")
    region = take("AWS_REGION", re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$").match, "is not an AWS region")
    inputs = Inputs(env=env, region=region)
    if deploy:
        arn = take("DD_API_KEY_SECRET_ARN", ARN_PATTERN.match, "is not a Secrets Manager secret ARN")
        site = take("DD_SITE")
        version = environ.get("DD_VERSION", "").strip() or _git_head()
        secret = ""
        if env and env not in INTEGRATED:
            secret = take("JWT_SECRET")
        inputs = Inputs(env, region, arn, site, version, secret)
    if packaged:
        directory = take("LAMBDA_PACKAGE_DIR")
        missing = missing_packages(directory) if directory else []
        if missing:
            problems.append(
                f"LAMBDA_PACKAGE_DIR={directory!r} lacks the packages of {', '.join(missing)}: run `make package` first"
            )
        inputs = Inputs(inputs.env, inputs.region, inputs.dd_api_key_secret_arn, inputs.dd_site, inputs.dd_version,
                        inputs.jwt_secret, str(Path(directory).resolve()) if directory else "")
    if problems:
        raise InputError("; ".join(problems))
    return inputs


def _git_head() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"], cwd=INFRA, capture_output=True, text=True, check=True
        )
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _stack(inputs: Inputs) -> str:
    return f"LoyaltyService-{inputs.env}"


def plan(target: str, environ: dict[str, str]) -> list[Step]:
    """The commands of `target`, after checking its inputs."""
    if target not in TARGETS:
        raise InputError(f"unknown target {target!r}: one of {', '.join(sorted(TARGETS))}")
    deploy = TARGETS[target]
    inputs = read_inputs(environ, deploy, packaged=target in PACKAGED)
    region_env = (("AWS_REGION", inputs.region),)
    if target == "sam":
        overrides = [
            f"Env={inputs.env}",
            f"JwtSecret={inputs.jwt_secret}",
            f"DdApiKeySecretArn={inputs.dd_api_key_secret_arn}",
            f"DdSite={inputs.dd_site}",
            f"DdVersion={inputs.dd_version}",
        ]
        return [
            Step("sam", ("sam", "build", "--beta-features")),
            Step(
                "sam",
                (
                    "sam", "deploy", "--stack-name", _stack(inputs), "--region", inputs.region,
                    "--capabilities", "CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND", "--resolve-s3",
                    "--no-confirm-changeset", "--no-fail-on-empty-changeset", "--parameter-overrides", *overrides,
                ),
            ),
        ]
    if target == "sam-destroy":
        return [Step("sam", ("sam", "delete", "--stack-name", _stack(inputs), "--region", inputs.region, "--no-prompts"))]
    if target in ("cdk-deploy", "cdk-destroy"):
        build = [Step(".", ("npm", "ci")), Step(".", ("npx", "tsc", "-p", "cdk"))]
        if target == "cdk-destroy":
            return build + [
                Step("cdk", ("npx", "cdk", "destroy", "-c", f"env={inputs.env}", "--force"), region_env)
            ]
        parameters = [
            ("JwtSecret", inputs.jwt_secret),
            ("DdApiKeySecretArn", inputs.dd_api_key_secret_arn),
            ("DdSite", inputs.dd_site),
            ("DdVersion", inputs.dd_version),
        ]
        argv = ["npx", "cdk", "deploy", "-c", f"env={inputs.env}", "-c", f"assetsDir={inputs.packages}",
                "--require-approval", "never"]
        for name, value in parameters:
            argv += ["--parameters", f"{name}={value}"]
        return build + [Step("cdk", tuple(argv), region_env)]
    if target in ("sst-deploy", "sst-remove"):
        # SST v2 passes no stack parameters: the deploy inputs reach sst.config.ts as environment variables and are
        # written into the template; the packages are read from LAMBDA_PACKAGE_DIR.
        sst_env = [("AWS_REGION", inputs.region), ("SST_TELEMETRY_DISABLED", "1")]
        if inputs.packages:
            sst_env.append(("LAMBDA_PACKAGE_DIR", inputs.packages))
        if target == "sst-deploy":
            sst_env += [
                ("DD_API_KEY_SECRET_ARN", inputs.dd_api_key_secret_arn),
                ("DD_SITE", inputs.dd_site),
                ("DD_VERSION", inputs.dd_version),
            ]
            if inputs.jwt_secret:
                sst_env.append(("JWT_SECRET", inputs.jwt_secret))
        verb = "deploy" if target == "sst-deploy" else "remove"
        return [
            Step("sst", ("npm", "ci")),
            Step("sst", ("node_modules/.bin/sst", verb, "--stage", inputs.env, "--region", inputs.region),
                 tuple(sst_env)),
        ]
    if target in ("sls-deploy", "sls-remove"):
        base = ["../node_modules/.bin/serverless", "deploy" if target == "sls-deploy" else "remove",
                "--stage", inputs.env, "--region", inputs.region]
        if target == "sls-deploy":
            base += [
                f"--param=artifactsDir={inputs.packages}",
                f"--param=jwtSecret={inputs.jwt_secret}",
                f"--param=ddApiKeySecretArn={inputs.dd_api_key_secret_arn}",
                f"--param=ddSite={inputs.dd_site}",
                f"--param=ddVersion={inputs.dd_version}",
            ]
        return [Step(".", ("npm", "ci")), Step("serverless", tuple(base))]
    # Terraform: tf-apply, tf-apply-local, tf-destroy.
    variables = ["-var", f"env={inputs.env}", "-var", f"region={inputs.region}"]
    if deploy:
        variables += [
            "-var", f"artifacts_dir={inputs.packages}",
            "-var", f"dd_api_key_secret_arn={inputs.dd_api_key_secret_arn}",
            "-var", f"dd_site={inputs.dd_site}",
            "-var", f"dd_version={inputs.dd_version}",
        ]
        if inputs.jwt_secret:
            variables += ["-var", f"jwt_secret={inputs.jwt_secret}"]
    env: tuple[tuple[str, str], ...] = ()
    if target == "tf-apply-local":
        endpoint = environ.get("AWS_ENDPOINT_URL", "").strip()
        if not re.match(r"^https?://(127\.0\.0\.1|localhost)(:\d+)?/?$", endpoint):
            raise InputError(
                "AWS_ENDPOINT_URL must name a local endpoint (http://127.0.0.1:PORT, e.g. moto server) for tf-apply-local"
            )
        env = (("AWS_ENDPOINT_URL", endpoint),)
    verb = "destroy" if target == "tf-destroy" else "apply"
    return [
        Step("terraform", ("terraform", "init", "-input=false"), env),
        Step("terraform", ("terraform", verb, "-input=false", "-auto-approve", *variables), env),
    ]


# target -> whether it deploys (and so needs the Datadog inputs and, outside dev/prod, the JWT secret)
TARGETS = {
    "sam": True,
    "sam-destroy": False,
    "cdk-deploy": True,
    "cdk-destroy": False,
    "sst-deploy": True,
    "sst-remove": False,
    "sls-deploy": True,
    "sls-remove": False,
    "tf-apply": True,
    "tf-apply-local": True,
    "tf-destroy": False,
}


# The targets that upload the packages of `make package` (SAM builds its own with `sam build`).
PACKAGED = ("cdk-deploy", "sst-deploy", "sls-deploy", "tf-apply", "tf-apply-local")


def main(argv: list[str]) -> int:
    args = [a for a in argv if a != "--dry-run"]
    dry_run = "--dry-run" in argv or os.environ.get("DRY_RUN", "") not in ("", "0")
    if len(args) != 1:
        print(f"usage: deploy.py [--dry-run] TARGET  (one of {', '.join(TARGETS)})", file=sys.stderr)
        return 2
    try:
        steps = plan(args[0], dict(os.environ))
    except InputError as error:
        print(f"{args[0]}: {error}", file=sys.stderr)
        return 2
    for step in steps:
        print(step.render(), flush=True)
        if dry_run:
            continue
        result = subprocess.run(step.argv, cwd=INFRA / step.cwd, env={**os.environ, **dict(step.env)})
        if result.returncode != 0:
            print(f"{args[0]}: `{shlex.join(step.argv)}` failed with status {result.returncode}", file=sys.stderr)
            return result.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
