#!/usr/bin/env python3
"""The names checker: asserts that a deployment flavour's output defines exactly what infra/names.json says.

    python3 infra/check.py cfn --flavour sam --env ci --template infra/build/sam/transformed-ci.json [--parameter Env=ci]
    python3 infra/check.py terraform --env ci --dir infra/terraform --names-output names-output.json
    python3 infra/check.py packages --dir target/lambda [--env ci --cdk-out infra/cdk/cdk.out]
        [--sst-out infra/build/sst] [--serverless-package infra/build/serverless]

It compares functions (runtime, architecture, memory, timeout, layers, environment variables, durable configuration,
the versions published and the aliases on them (never `$LATEST`), the exact IAM actions and resources of each
function's role), event source mappings (batch size, partial batch responses, stream filter, starting position,
bisect, retries, failure destination), HTTP routes, queues (DLQ, receive count, visibility, retention), which queues
EventBridge may write to, the bus, the rules (bus, pattern, target; in an integrated environment those on the shared
bus too), the table and the SSM parameters the stack writes (name, type, value). Deploy-time inputs are compared as
"<parameter NAME>" (a template parameter; --stand-in for a value written at package time). Exit 0 when equal; exit 1
with one line per difference, each naming the flavour.

`packages` checks the Lambda packages `make package` built (checker/packages.py): one zip per function holding one
arm64 `bootstrap`, within Lambda's size limits, with a table of their sizes; with --cdk-out, --sst-out and
--serverless-package, also that the synthesized CDK and SST stacks and the Serverless package deploy exactly those
zips.
"""

import argparse
import json
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from checker.cfn import CloudFormationReader  # noqa: E402
from checker.compare import differences  # noqa: E402
from checker.expected import NAMES_PATH, NamesError, deploy_parameter, expected_facts  # noqa: E402
from checker.hcl import HclError  # noqa: E402
from checker.intrinsics import TemplateError  # noqa: E402
from checker import packages  # noqa: E402


def check_facts(flavour, env, actual):
    """Differences between `actual` and names.json, each prefixed with the flavour."""
    return [f"{flavour}: {line}" for line in differences(expected_facts(env), actual)]


def summary(facts):
    """One line saying what was compared."""
    return (f"{len(facts['functions'])} functions, {len(facts['eventSourceMappings'])} event source mappings, "
            f"{len(facts['httpRoutes'])} routes, {len(facts['queues'])} queues, {len(facts['rules'])} rules, "
            f"{len(facts['buses'])} bus, table {facts['table'].get('name')}, "
            f"{len(facts['writtenParameters'])} parameters")


def with_stand_ins(value, stand_ins):
    """`value` with every string equal to a deploy-time input's stand-in replaced by that input's notation."""
    if isinstance(value, dict):
        return {k: with_stand_ins(v, stand_ins) for k, v in value.items()}
    if isinstance(value, list):
        return [with_stand_ins(v, stand_ins) for v in value]
    return stand_ins.get(value, value) if isinstance(value, str) else value


def read_facts(args):
    """The facts of the flavour named on the command line, and problems found while reading them."""
    if args.kind == "cfn":
        with open(args.template, encoding="utf-8") as handle:
            template = json.load(handle)
        parameters = dict(p.split("=", 1) for p in args.parameter)
        stand_ins = {value: deploy_parameter(name) for name, value in (s.split("=", 1) for s in args.stand_in)}
        return CloudFormationReader(with_stand_ins(template, stand_ins), parameters).facts(), []
    from checker.terraform import TerraformReader  # only the Terraform check needs it

    with open(args.names_output, encoding="utf-8") as handle:
        names_output = json.load(handle)
    reader = TerraformReader(pathlib.Path(args.dir), names_output)
    return reader.facts(), [f"{args.flavour}: wiring: {line}" for line in reader.wiring_problems()]


def template_functions(path):
    """(FunctionName, Code) of every function of a template."""
    with open(path, encoding="utf-8") as handle:
        reader = CloudFormationReader(json.load(handle))
    return [(p.get("FunctionName", ""), p.get("Code", {})) for _, p in reader.of_type("AWS::Lambda::Function")]


def check_packages(args):
    """The `packages` command: exit status 0 when every package (and every flavour output named) is right."""
    names = json.loads(NAMES_PATH.read_text(encoding="utf-8"))
    directory = pathlib.Path(args.dir)
    rows, problems = packages.check_packages(directory, names)
    flavours = args.env and (args.cdk_out or args.sst_out or args.serverless_package)
    # The flavours are compared with packages that passed their own check, each hashed once.
    if flavours and not problems:
        package_digests = packages.digests(directory, names)
        for env in args.env:
            if args.cdk_out:
                cdk_out = pathlib.Path(args.cdk_out)
                functions = template_functions(cdk_out / f"LoyaltyService-{env}.template.json")
                problems += packages.cdk_assets(functions, cdk_out, package_digests, names, env)
            if args.sst_out:
                assembly = pathlib.Path(args.sst_out) / env
                template = packages.assembly_template(assembly, f"{names['service']}-{env}")
                problems += packages.cdk_assets(template_functions(template), assembly, package_digests, names, env,
                                                "sst")
            if args.serverless_package:
                problems += packages.serverless_artifacts(pathlib.Path(args.serverless_package) / env,
                                                          package_digests, names)
    if problems:
        print(f"packages: {len(problems)} problem(s):", file=sys.stderr)
        for line in problems:
            print(f"  {line}", file=sys.stderr)
        return 1
    if not flavours:  # the sizes once, where the packages alone are checked (make package, infra-check's first step)
        print(f"packages in {directory} ({names['lambda']['architecture']}, {names['lambda']['runtime']}):")
        for binary, sizes in rows:
            print(f"  {binary:<32} {packages.mib(sizes['zipped']):>10} zipped  {packages.mib(sizes['unzipped']):>10} "
                  "unzipped")
    checked = [w for w, on in (("CDK assets", args.cdk_out), ("SST assets", args.sst_out),
                               ("Serverless artifacts", args.serverless_package)) if on]
    suffix = f"; {' and '.join(checked)} are these zips ({', '.join(args.env)})" if checked and args.env else ""
    print(f"packages: {len(rows)} arm64 bootstrap zips{suffix}")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description="Checks a deployment flavour against infra/names.json.")
    sub = parser.add_subparsers(dest="kind", required=True)
    cfn = sub.add_parser("cfn", help="a CloudFormation template (JSON): SAM transformed, CDK synth, SST, Serverless")
    cfn.add_argument("--flavour", required=True)
    cfn.add_argument("--template", required=True)
    cfn.add_argument("--parameter", action="append", default=[], help="NAME=VALUE for a template parameter")
    cfn.add_argument("--stand-in", action="append", default=[],
                     help="NAME=VALUE: VALUE, written into the output at package time, stands for deploy input NAME")
    tf = sub.add_parser("terraform", help="the Terraform configuration and its evaluated names module")
    tf.add_argument("--flavour", default="terraform")
    tf.add_argument("--dir", required=True)
    tf.add_argument("--names-output", required=True, help="`terraform output -json` of the names module")
    for p in (cfn, tf):
        p.add_argument("--env", required=True, help="the environment the output was made for")
    pk = sub.add_parser("packages", help="the Lambda packages of `make package` (and the flavours deploying them)")
    pk.add_argument("--dir", required=True, help="where cargo lambda wrote <binary>/bootstrap.zip")
    pk.add_argument("--env", action="append", help="an environment whose CDK / SST stack, Serverless package to check")
    pk.add_argument("--cdk-out", help="cdk.out of a `cdk synth` made with -c assetsDir=<--dir>")
    pk.add_argument("--sst-out", help="the directory holding <env>/ of `sst build --to` (LAMBDA_PACKAGE_DIR=<--dir>)")
    pk.add_argument("--serverless-package", help="the directory holding <env>/ of `serverless package`")
    args = parser.parse_args(argv)
    if args.kind == "packages":
        try:
            return check_packages(args)
        except (TemplateError, OSError, json.JSONDecodeError, KeyError, ValueError) as error:
            print(f"packages: cannot read: {error}", file=sys.stderr)
            return 1
    try:
        facts, problems = read_facts(args)
        problems += check_facts(args.flavour, args.env, facts)
    except (TemplateError, HclError, NamesError, OSError, json.JSONDecodeError, KeyError, ValueError) as error:
        print(f"{args.flavour}: cannot read the output: {error}", file=sys.stderr)
        return 1
    if problems:
        print(f"{args.flavour}: {len(problems)} difference(s) from infra/names.json:", file=sys.stderr)
        for line in problems:
            print(f"  {line}", file=sys.stderr)
        return 1
    print(f"{args.flavour}: matches infra/names.json ({summary(facts)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
