"""Writes infra/sam/template.yaml from infra/names.json (SAM cannot read JSON at deploy time, so it is generated).

    infra/.venv/bin/python infra/sam/generate.py           # rewrite template.yaml
    infra/.venv/bin/python infra/sam/generate.py --check   # exit 1 when template.yaml is not what names.json gives

The YAML is written by PyYAML (pinned in infra/requirements.txt), in block style, keys in the order given here.
"""

import json
import pathlib
import sys

import yaml

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from checker.expected import Renderer, load_names  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
TEMPLATE = HERE / "template.yaml"
CFN_PLACEHOLDERS = {"env": "${Env}", "partition": "${AWS::Partition}", "region": "${AWS::Region}",
                    "account": "${AWS::AccountId}",
                    # The version AutoPublishAlias publishes (SAM resolves `Function.Version` to its ARN).
                    "version": lambda key: {"Ref": f"{pascal(key)}Function.Version"},
                    # Integrated environments (names.json `integrated`): the template's condition.
                    "integrated": lambda own, shared: {"Fn::If": ["IsIntegrated", sub(shared), sub(own)]},
                    # A deploy-time input is a template parameter of the same name.
                    "deploy_parameter": lambda name: "${" + name + "}"}


def sub(text):
    """`text` as Fn::Sub when it holds a substitution (a value that is already an intrinsic is kept)."""
    if not isinstance(text, str):
        return text
    return {"Fn::Sub": text} if "${" in text else text


def pascal(key):
    """`tier-upgrade-trigger` -> `TierUpgradeTrigger`."""
    return "".join(part.capitalize() for part in key.split("-"))


def queue_logical(key):
    """The logical id of queue `key` (and of the stream's failure queue)."""
    return "StreamFailureQueue" if key == "stream-failure-queue" else f"{pascal(key)}Queue"


def role(names, r, key):
    """The function's own role: basic execution + exactly the permissions of names.json."""
    statements = []
    for grant in r.grants(key):
        statements.append({
            "Effect": "Allow",
            "Action": list(grant["actions"]),
            "Resource": [sub(r.resource_arn(token, key)) for token in grant["resources"]],
        })
    return {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
            "ManagedPolicyArns": [sub(f"arn:${{AWS::Partition}}:iam::aws:policy/{names['lambda']['managedPolicy']}")],
            "Policies": [{"PolicyName": "permissions",
                          "PolicyDocument": {"Version": "2012-10-17", "Statement": statements}}],
        },
    }


def events_of(trigger):
    """The SAM `Events` of a function's trigger."""
    kind = trigger["type"]
    if kind == "http":
        return {"Api": {"Type": "Api", "Properties": {"Path": trigger["path"], "Method": trigger["method"].lower()}}}
    if kind == "sqs":
        props = {"Queue": {"Fn::GetAtt": [queue_logical(trigger["queue"]), "Arn"]}, "BatchSize": trigger["batchSize"]}
        if trigger["reportBatchItemFailures"]:
            props["FunctionResponseTypes"] = ["ReportBatchItemFailures"]
        return {"Queue": {"Type": "SQS", "Properties": props}}
    if kind == "stream":
        props = {
            "Stream": {"Fn::GetAtt": ["Table", "StreamArn"]},
            "StartingPosition": trigger["startingPosition"],
            "BatchSize": trigger["batchSize"],
            "BisectBatchOnFunctionError": trigger["bisectBatchOnFunctionError"],
            "MaximumRetryAttempts": trigger["maximumRetryAttempts"],
            "FilterCriteria": {"Filters": [{"Pattern": json.dumps(trigger["filter"], separators=(",", ":"))}]},
            "DestinationConfig": {"OnFailure": {"Type": "SQS", "Destination": {
                "Fn::GetAtt": [queue_logical(trigger["onFailure"]), "Arn"]}}},
        }
        if trigger["reportBatchItemFailures"]:
            props["FunctionResponseTypes"] = ["ReportBatchItemFailures"]
        return {"Stream": {"Type": "DynamoDB", "Properties": props}}
    return {}


DATADOG_PARAMETERS = {
    "DdApiKeySecretArn": "The ARN of the Secrets Manager secret holding the Datadog API key",
    "DdSite": "The Datadog site (datadoghq.com, datadoghq.eu, ...)",
    "DdVersion": "DD_VERSION: the version of the service deployed",
}


def integrated_condition(names):
    """Env is one of names.json's integrated environments."""
    equals = [{"Fn::Equals": [{"Ref": "Env"}, env]} for env in names["integrated"]["environments"]]
    return equals[0] if len(equals) == 1 else {"Fn::Or": equals}


def template(names):
    """The SAM template as a dict."""
    r = Renderer(names, CFN_PLACEHOLDERS)
    lam, qd, table = names["lambda"], names["queueDefaults"], names["table"]
    res = {
        "EventBus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": sub(r.env(names["bus"]))}},
        "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {
            "TableName": sub(r.env(table["name"])),
            "BillingMode": table["billingMode"],
            "AttributeDefinitions": [{"AttributeName": table["hashKey"], "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": table["hashKey"], "KeyType": "HASH"}],
            "StreamSpecification": {"StreamViewType": table["streamViewType"]},
            "TimeToLiveSpecification": {"AttributeName": table["ttlAttribute"], "Enabled": True},
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": table["pointInTimeRecovery"]},
        }},
    }
    dlq_props = {"VisibilityTimeout": qd["visibilityTimeout"], "MessageRetentionPeriod": qd["dlqMessageRetentionPeriod"],
                 "SqsManagedSseEnabled": qd["sqsManagedSse"]}
    for key, queue in names["queues"].items():
        res[f"{pascal(key)}DLQ"] = {"Type": "AWS::SQS::Queue",
                                   "Properties": {"QueueName": sub(r.env(queue["dlq"])), **dlq_props}}
        res[queue_logical(key)] = {"Type": "AWS::SQS::Queue", "Properties": {
            "QueueName": sub(r.env(queue["name"])),
            "VisibilityTimeout": qd["visibilityTimeout"],
            "MessageRetentionPeriod": qd["messageRetentionPeriod"],
            "SqsManagedSseEnabled": qd["sqsManagedSse"],
            "RedrivePolicy": {"deadLetterTargetArn": {"Fn::GetAtt": [f"{pascal(key)}DLQ", "Arn"]},
                              "maxReceiveCount": qd["maxReceiveCount"]},
        }}
    res["StreamFailureQueue"] = {"Type": "AWS::SQS::Queue", "Properties": {
        "QueueName": sub(r.queue_name("stream-failure-queue")), **dlq_props}}
    for key, rule in names["rules"].items():
        logical = f"{pascal(key)}Rule"
        pattern = {k: [sub(r.env(v)) for v in vs] for k, vs in rule["pattern"].items()}
        res[logical] = {"Type": "AWS::Events::Rule", "Properties": {
            "Name": rule["name"], "EventBusName": {"Ref": "EventBus"}, "State": "ENABLED", "EventPattern": pattern,
            "Targets": [{"Id": "queue", "Arn": {"Fn::GetAtt": [queue_logical(rule["queue"]), "Arn"]}}],
        }}
        # In an integrated environment the same rule on the shared bus, whose name is read at deploy time.
        shared = f"Shared{pascal(key)}Rule"
        res[shared] = {"Type": "AWS::Events::Rule", "Condition": "IsIntegrated", "Properties": {
            **res[logical]["Properties"],
            "EventBusName": sub("{{resolve:ssm:" + r.env(names["integrated"]["sharedBusParameter"]) + "}}"),
        }}
        res[f"{pascal(key)}QueuePolicy"] = {"Type": "AWS::SQS::QueuePolicy", "Properties": {
            "Queues": [{"Ref": queue_logical(rule["queue"])}],
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "sqs:SendMessage",
                "Resource": {"Fn::GetAtt": [queue_logical(rule["queue"]), "Arn"]},
                "Condition": {"ArnEquals": {"aws:SourceArn": {"Fn::If": [
                    "IsIntegrated",
                    [{"Fn::GetAtt": [logical, "Arn"]}, {"Fn::GetAtt": [shared, "Arn"]}],
                    [{"Fn::GetAtt": [logical, "Arn"]}]]}}}}]},
        }}
    for key, fn in names["functions"].items():
        res[f"{pascal(key)}Role"] = role(names, r, key)
        props = {
            "FunctionName": sub(r.function_name(key)),
            "CodeUri": f"../../{lam['crate']}",
            "Handler": lam["handler"],
            "Runtime": lam["runtime"],
            "Architectures": [lam["architecture"]],
            "MemorySize": lam["memorySize"],
            "Timeout": lam["timeout"],
            "Role": {"Fn::GetAtt": [f"{pascal(key)}Role", "Arn"]},
            "Environment": {"Variables": {k: sub(v) for k, v in r.environment(key).items()}},
            "Layers": [sub(r.layer())],
        }
        if fn.get("publish"):
            # A version per deployment that changes the function, and the alias on it.
            props["AutoPublishAlias"] = fn["publish"]["alias"]
        if fn.get("durable"):
            props["DurableConfig"] = {"ExecutionTimeout": fn["durable"]["executionTimeout"],
                                      "RetentionPeriodInDays": fn["durable"]["retentionPeriodInDays"]}
        events = events_of(fn["trigger"])
        if events:
            props["Events"] = events
        res[f"{pascal(key)}Function"] = {
            "Type": "AWS::Serverless::Function",
            "Metadata": {"BuildMethod": "rust-cargolambda", "BuildProperties": {"Binary": fn["binary"]}},
            "Properties": props,
        }
    # The SSM contract (behaviour keep-config): plain Strings; the URL has no trailing slash.
    written = {
        "apiEndpoint": sub("https://${ServerlessRestApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/Prod"),
        "tableName": {"Ref": "Table"},
        "eventBusName": {"Ref": "EventBus"},
        "eventBusArn": {"Fn::GetAtt": ["EventBus", "Arn"]},
        "jwtSecret": {"Ref": "JwtSecret"},
    }
    not_written = names["integrated"].get("notWritten", [])
    for key in names["writtenParameters"]:
        res[f"{pascal(key)}Parameter"] = {"Type": "AWS::SSM::Parameter", "Properties": {
            "Name": sub(r.env(names["writtenParameters"][key])), "Type": "String", "Value": written[key]}}
        if key in not_written:
            res[f"{pascal(key)}Parameter"] = {"Condition": "IsNotIntegrated", **res[f"{pascal(key)}Parameter"]}
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Transform": "AWS::Serverless-2016-10-31",
        "Description": f"{names['service']}: generated from infra/names.json by infra/sam/generate.py; do not edit",
        "Globals": {"Api": {"Cors": {
            "AllowOrigin": f"'{names['api']['cors']['allowOrigin']}'",
            "AllowHeaders": f"'{names['api']['cors']['allowHeaders']}'",
            "AllowMethods": f"'{names['api']['cors']['allowMethods']}'",
        }}},
        "Parameters": {"Env": {"Type": "String", "Default": "dev", "AllowedPattern": "^[a-z0-9-]{1,16}$",
                               "Description": "The environment (ENV): dev, prod or an ephemeral name"},
                       "JwtSecret": {"Type": "String", "NoEcho": True, "Default": "",
                                     "Description": "The JWT secret written to /<ENV>/LoyaltyService/secret-access-key "
                                                    "(required outside the integrated environments dev and prod, "
                                                    "which read /<ENV>/shared/secret-access-key)"},
                       **{name: {"Type": "String", "Description": description}
                          for name, description in DATADOG_PARAMETERS.items()}},
        "Conditions": {"IsIntegrated": integrated_condition(names),
                       "IsNotIntegrated": {"Fn::Not": [{"Condition": "IsIntegrated"}]}},
        "Resources": res,
        "Outputs": {"ApiEndpoint": {"Value": written["apiEndpoint"]}},
    }


class _Dumper(yaml.SafeDumper):
    """yaml.safe_dump's dumper, without anchors and aliases for a value used twice: CloudFormation rejects them."""

    def ignore_aliases(self, data):
        return True


def dump(value):
    """`value` as YAML: block style, keys in insertion order, no line folding, no anchors."""
    return yaml.dump(value, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True,
                     width=float("inf"))


def render():
    """The text of template.yaml."""
    header = "# Generated from infra/names.json by infra/sam/generate.py. Do not edit: edit names.json and re-run.\n"
    return header + dump(template(load_names()))


def main(argv):
    text = render()
    if "--check" in argv:
        if not TEMPLATE.exists() or TEMPLATE.read_text(encoding="utf-8") != text:
            print("sam: template.yaml is not what names.json gives; run: infra/.venv/bin/python infra/sam/generate.py",
                  file=sys.stderr)
            return 1
        print("sam: template.yaml matches names.json")
        return 0
    TEMPLATE.write_text(text, encoding="utf-8")
    print(f"wrote {TEMPLATE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
