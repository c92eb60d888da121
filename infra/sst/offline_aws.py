#!/usr/bin/env python3
"""Runs an SST v2 command (`sst build`) offline: against moto server on 127.0.0.1, which answers the AWS calls SST v2
makes while it synthesizes, and fails if the command makes any other.

    infra/.venv/moto/bin/python infra/sst/offline_aws.py [--region us-east-1] -- sst build --stage ci --to DIR

SST v2 synthesizes only after (stacks/synth.js) STS GetCallerIdentity, for the account its stacks are bound to, and
(constructs/App.js, App.finish -> bootstrap.js, useBootstrap) CloudFormation DescribeStacks of the CDK bootstrap stack
`CDKToolkit` (its outputs BootstrapVersion >= 14 and BucketName) and of its own `SSTBootstrap` (Version 7.4,
BucketName); when either is missing it deploys it. Both are created in moto beforehand with those outputs, so the
command finds them and deploys nothing. Every request moto receives from the command is recorded (moto's recorder),
printed, and compared with those three: anything else (a deployment, an SSM read, ...) fails the run, as does the
command itself failing or running longer than --timeout seconds. Credentials are moto's stand-ins; nothing leaves
127.0.0.1.
"""

import argparse
import base64
import json
import logging
import os
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request

from moto.server import ThreadedMotoServer

# The bootstrap stacks SST v2 looks for, with the outputs it reads (sst/bootstrap.js: loadCDKStatus, loadSSTStatus).
BOOTSTRAP_STACKS = {
    "CDKToolkit": {"BootstrapVersion": "21"},
    "SSTBootstrap": {"Version": "7.4"},
}
# The calls `sst build` may make: (service, action, stack name or None).
EXPECTED_CALLS = {
    ("sts", "GetCallerIdentity", None),
    ("cloudformation", "DescribeStacks", "CDKToolkit"),
    ("cloudformation", "DescribeStacks", "SSTBootstrap"),
}


def seed(endpoint, region):
    """The two bootstrap stacks, each with a bucket and the outputs SST reads."""
    import boto3  # a dependency of moto

    cloudformation = boto3.client(
        "cloudformation", endpoint_url=endpoint, region_name=region,
        aws_access_key_id="testing", aws_secret_access_key="testing",
    )
    for name, outputs in BOOTSTRAP_STACKS.items():
        template = {
            "Resources": {"Bucket": {"Type": "AWS::S3::Bucket"}},
            "Outputs": {
                **{key: {"Value": value} for key, value in outputs.items()},
                "BucketName": {"Value": {"Ref": "Bucket"}},
            },
        }
        cloudformation.create_stack(StackName=name, TemplateBody=json.dumps(template))


def recorder(endpoint, action):
    """Calls moto's recorder API (reset-recording, start-recording, download-recording)."""
    method = "GET" if action == "download-recording" else "POST"
    request = urllib.request.Request(f"{endpoint}/moto-api/recorder/{action}", method=method)
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read().decode("utf-8")


def describe(entry):
    """(service, action, stack name or None) of one recorded request: the service from the SigV4 credential scope,
    the action and the stack name from the query-protocol body."""
    headers = {k.lower(): v for k, v in entry.get("headers", {}).items()}
    scope = headers.get("authorization", "").split("Credential=", 1)[-1].split(",", 1)[0].split("/")
    service = scope[3] if len(scope) >= 5 else "?"
    body = entry.get("body") or ""
    if entry.get("body_encoded"):
        body = base64.b64decode(body).decode("utf-8", "replace")
    fields = urllib.parse.parse_qs(body)
    action = fields.get("Action", [headers.get("x-amz-target", "?")])[0]
    stack = fields.get("StackName", [None])[0]
    return service, action, stack


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--region", default=os.environ.get("AWS_REGION", "us-east-1"))
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given")

    with tempfile.TemporaryDirectory() as scratch:
        os.environ["MOTO_RECORDER_FILEPATH"] = os.path.join(scratch, "recording")
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        try:
            host, port = server.get_host_and_port()
            endpoint = f"http://{host}:{port}"
            seed(endpoint, args.region)
            recorder(endpoint, "reset-recording")
            recorder(endpoint, "start-recording")
            env = {k: v for k, v in os.environ.items() if k not in ("AWS_PROFILE", "AWS_SESSION_TOKEN")}
            env.update(AWS_ENDPOINT_URL=endpoint, AWS_REGION=args.region, AWS_DEFAULT_REGION=args.region,
                       AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
            try:
                status = subprocess.run(command, env=env, timeout=args.timeout).returncode
            except subprocess.TimeoutExpired:
                print(f"offline_aws: {command[0]} ran longer than {args.timeout:.0f} s", file=sys.stderr)
                status = 124
            calls = [describe(json.loads(line)) for line in recorder(endpoint, "download-recording").splitlines()
                     if line.strip()]
        finally:
            server.stop()

    for service, action, stack in calls:
        print(f"offline_aws: AWS call: {service} {action}{f' {stack}' if stack else ''}")
    unexpected = sorted({call for call in calls if call not in EXPECTED_CALLS}, key=str)
    for service, action, stack in unexpected:
        print(f"offline_aws: unexpected AWS call: {service} {action} {stack or ''}".rstrip(), file=sys.stderr)
    if status != 0:
        print(f"offline_aws: `{' '.join(command)}` failed with status {status}", file=sys.stderr)
        return status
    return 1 if unexpected else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
