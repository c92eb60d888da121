"""Runs the SAM transform (aws-sam-translator, offline) on template.yaml and writes the CloudFormation result.

    infra/.venv/bin/python infra/sam/transform.py --env ci --out infra/sam/build/transformed.json

Local CodeUri paths are replaced by an S3 placeholder first, as `sam validate` does: the translator only accepts
S3 locations, and `sam build`/`sam deploy` upload the real code.
"""

import argparse
import copy
import json
import pathlib
import sys

import boto3
import yaml
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator

HERE = pathlib.Path(__file__).resolve().parent


def transform(template, env):
    """The CloudFormation template SAM makes of `template` for environment `env`."""
    template = copy.deepcopy(template)
    for resource in template.get("Resources", {}).values():
        if resource.get("Type") == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = "s3://placeholder-bucket/placeholder-key.zip"
    session = boto3.session.Session(region_name="us-east-1")
    translator = Translator(managed_policy_map=None, sam_parser=Parser(), plugins=[], boto_session=session)
    return translator.translate(sam_template=template, parameter_values={"Env": env, "AWS::Region": "us-east-1"},
                                get_managed_policy_map=lambda: {})


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--template", default=str(HERE / "template.yaml"))
    parser.add_argument("--env", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    with open(args.template, encoding="utf-8") as handle:
        template = yaml.safe_load(handle)
    result = transform(template, args.env)
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1, sort_keys=True), encoding="utf-8")
    print(f"sam: transformed {args.template} -> {out} ({len(result.get('Resources', {}))} resources)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
