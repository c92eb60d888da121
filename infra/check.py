#!/usr/bin/env python3
"""The names checker: asserts that a deployment flavour's output defines exactly what infra/names.json says.

    python3 infra/check.py cfn --flavour sam --env ci --template infra/build/sam/transformed-ci.json [--parameter Env=ci]
    python3 infra/check.py terraform --env ci --dir infra/terraform --names-output names-output.json

It compares functions (runtime, architecture, memory, timeout, layers, environment variables, durable configuration,
the versions published and the aliases on them (never `$LATEST`), the exact IAM actions and resources of each
function's role), event source mappings (batch size, partial batch responses, stream filter, starting position,
bisect, retries, failure destination), HTTP routes, queues (DLQ, receive count, visibility, retention), which queues
EventBridge may write to, the bus, the rules (bus, pattern, target; in an integrated environment those on the shared
bus too), the table and the SSM parameters the stack writes (name, type, value). Deploy-time inputs are compared as
"<parameter NAME>" (a template parameter; --stand-in for a value written at package time). Exit 0 when equal; exit 1
with one line per difference, each naming the flavour.
"""

import argparse
import json
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from checker.cfn import CloudFormationReader  # noqa: E402
from checker.compare import differences  # noqa: E402
from checker.expected import NamesError, deploy_parameter, expected_facts  # noqa: E402
from checker.hcl import HclError  # noqa: E402
from checker.intrinsics import TemplateError  # noqa: E402


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


def main(argv=None):
    parser = argparse.ArgumentParser(description="Checks a deployment flavour against infra/names.json.")
    sub = parser.add_subparsers(dest="kind", required=True)
    cfn = sub.add_parser("cfn", help="a CloudFormation template (JSON): SAM transformed, CDK synth, Serverless")
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
    args = parser.parse_args(argv)
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
