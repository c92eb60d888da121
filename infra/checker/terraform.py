"""Reads the Terraform flavour into facts.

Terraform cannot plan offline here (no provider), so the check has two halves:
1. the provider-free module `names/` is evaluated by Terraform itself (`terraform apply` + `terraform output -json`);
   its outputs are turned into facts and compared with names.json like any other flavour;
2. the root module's wiring is read with python-hcl2 (through hcl.py, which normalises each attribute to the text of
   its expression): every resource must take its names and settings from those outputs (for_each over the module's
   maps, each attribute from `each.value`), so what is deployed is what was evaluated.
"""

import json
import pathlib

from . import hcl
from .expected import API_URL, PSEUDO, VERSION, deploy_parameter, ssm_value

# (block path, attribute, expected expression). A block path is (kind, *labels) steps from the file root.
R = "resource"
WIRING = [
    ((("module", "names"),), "source", '"./names"'),
    ((("module", "names"),), "env", "var.env"),
    (((R, "aws_cloudwatch_event_bus", "bus"),), "name", "module.names.bus_name"),
    (((R, "aws_dynamodb_table", "table"),), "name", "module.names.table.name"),
    (((R, "aws_dynamodb_table", "table"),), "hash_key", "module.names.table.hash_key"),
    (((R, "aws_dynamodb_table", "table"),), "billing_mode", "module.names.table.billing_mode"),
    (((R, "aws_dynamodb_table", "table"),), "stream_enabled", "true"),
    (((R, "aws_dynamodb_table", "table"),), "stream_view_type", "module.names.table.stream_view_type"),
    (((R, "aws_dynamodb_table", "table"), ("ttl",)), "attribute_name", "module.names.table.ttl_attribute"),
    (((R, "aws_dynamodb_table", "table"), ("ttl",)), "enabled", "true"),
    (((R, "aws_dynamodb_table", "table"), ("point_in_time_recovery",)), "enabled",
     "module.names.table.point_in_time_recovery"),
    (((R, "aws_sqs_queue", "dlq"),), "sqs_managed_sse_enabled", "each.value.sqs_managed_sse_enabled"),
    (((R, "aws_sqs_queue", "queue"),), "sqs_managed_sse_enabled", "each.value.sqs_managed_sse_enabled"),
    (((R, "aws_sqs_queue", "stream_failure"),), "sqs_managed_sse_enabled",
     "module.names.stream_failure_queue.sqs_managed_sse_enabled"),
    (((R, "aws_ssm_parameter", "written"),), "for_each", "module.names.written_parameters"),
    (((R, "aws_ssm_parameter", "written"),), "name", "each.value"),
    (((R, "aws_ssm_parameter", "written"),), "type", '"String"'),
    (((R, "aws_ssm_parameter", "written"),), "value", "local.written_values[each.key]"),
    (((R, "aws_sqs_queue", "dlq"),), "for_each", "module.names.queues"),
    (((R, "aws_sqs_queue", "dlq"),), "name", "each.value.dlq"),
    (((R, "aws_sqs_queue", "dlq"),), "visibility_timeout_seconds", "each.value.visibility_timeout_seconds"),
    (((R, "aws_sqs_queue", "dlq"),), "message_retention_seconds", "each.value.dlq_retention_seconds"),
    (((R, "aws_sqs_queue", "queue"),), "for_each", "module.names.queues"),
    (((R, "aws_sqs_queue", "queue"),), "name", "each.value.name"),
    (((R, "aws_sqs_queue", "queue"),), "visibility_timeout_seconds", "each.value.visibility_timeout_seconds"),
    (((R, "aws_sqs_queue", "queue"),), "message_retention_seconds", "each.value.message_retention_seconds"),
    (((R, "aws_sqs_queue", "queue"),), "redrive_policy",
     "jsonencode({deadLetterTargetArn = aws_sqs_queue.dlq[each.key].arn, "
     "maxReceiveCount = each.value.max_receive_count})"),
    (((R, "aws_sqs_queue", "stream_failure"),), "name", "module.names.stream_failure_queue.name"),
    (((R, "aws_sqs_queue", "stream_failure"),), "visibility_timeout_seconds",
     "module.names.stream_failure_queue.visibility_timeout_seconds"),
    (((R, "aws_sqs_queue", "stream_failure"),), "message_retention_seconds",
     "module.names.stream_failure_queue.message_retention_seconds"),
    (((R, "aws_cloudwatch_event_rule", "rule"),), "for_each", "module.names.rules"),
    (((R, "aws_cloudwatch_event_rule", "rule"),), "name", "each.value.name"),
    (((R, "aws_cloudwatch_event_rule", "rule"),), "event_bus_name", "aws_cloudwatch_event_bus.bus.name"),
    (((R, "aws_cloudwatch_event_rule", "rule"),), "event_pattern", "jsonencode(each.value.pattern)"),
    (((R, "aws_cloudwatch_event_target", "rule"),), "for_each", "module.names.rules"),
    (((R, "aws_cloudwatch_event_target", "rule"),), "rule", "aws_cloudwatch_event_rule.rule[each.key].name"),
    (((R, "aws_cloudwatch_event_target", "rule"),), "event_bus_name", "aws_cloudwatch_event_bus.bus.name"),
    (((R, "aws_cloudwatch_event_target", "rule"),), "arn", "aws_sqs_queue.queue[each.value.queue].arn"),
    ((("data", "aws_ssm_parameter", "shared_bus"),), "count", "module.names.shared_bus_parameter == null ? 0 : 1"),
    ((("data", "aws_ssm_parameter", "shared_bus"),), "name", "module.names.shared_bus_parameter"),
    (((R, "aws_cloudwatch_event_rule", "shared"),), "for_each", "module.names.shared_rules"),
    (((R, "aws_cloudwatch_event_rule", "shared"),), "name", "each.value.name"),
    (((R, "aws_cloudwatch_event_rule", "shared"),), "event_bus_name", "data.aws_ssm_parameter.shared_bus[0].insecure_value"),
    (((R, "aws_cloudwatch_event_rule", "shared"),), "event_pattern", "jsonencode(each.value.pattern)"),
    (((R, "aws_cloudwatch_event_target", "shared"),), "for_each", "module.names.shared_rules"),
    (((R, "aws_cloudwatch_event_target", "shared"),), "rule", "aws_cloudwatch_event_rule.shared[each.key].name"),
    (((R, "aws_cloudwatch_event_target", "shared"),), "event_bus_name",
     "aws_cloudwatch_event_rule.shared[each.key].event_bus_name"),
    (((R, "aws_cloudwatch_event_target", "shared"),), "arn", "aws_sqs_queue.queue[each.value.queue].arn"),
    (((R, "aws_sqs_queue_policy", "events"),), "for_each", "module.names.rules"),
    (((R, "aws_sqs_queue_policy", "events"),), "queue_url", "aws_sqs_queue.queue[each.value.queue].id"),
    (((R, "aws_iam_role", "fn"),), "for_each", "module.names.functions"),
    (((R, "aws_iam_role_policy_attachment", "basic"),), "for_each", "module.names.functions"),
    (((R, "aws_iam_role_policy_attachment", "basic"),), "role", "aws_iam_role.fn[each.key].name"),
    (((R, "aws_iam_role_policy_attachment", "basic"),), "policy_arn", "each.value.managed"),
    (((R, "aws_iam_role_policy", "fn"),), "for_each", "module.names.functions"),
    (((R, "aws_iam_role_policy", "fn"),), "role", "aws_iam_role.fn[each.key].id"),
    (((R, "aws_iam_role_policy", "fn"),), "policy",
     'jsonencode({ Version = "2012-10-17", Statement = [for s in each.value.statements : merge(s, '
     '{ Resource = [for r in s.Resource : lookup(local.substitutions, r, r)] })] })'),
    (((R, "aws_lambda_function", "fn"),), "for_each", "module.names.other_functions"),
    (((R, "aws_lambda_function", "fn"),), "publish", "each.value.publish"),
    (((R, "aws_lambda_function", "fn"), ("environment",)), "variables",
     "{ for name, value in each.value.environment : name => lookup(local.substitutions, value, value) }"),
    (((R, "aws_lambda_function", "pinned"),), "for_each", "module.names.pinned_functions"),
    (((R, "aws_lambda_function", "pinned"),), "publish", "true"),
    (((R, "aws_lambda_function", "pinned"), ("environment",)), "variables",
     "{ for name, value in each.value.environment : name => lookup(local.deploy_parameters, value, value) }"),
    *[(((R, "aws_lambda_function", block),) + steps, attribute, expected)
      for block in ("fn", "pinned") for steps, attribute, expected in [
          ((), "function_name", "each.value.name"),
          ((), "role", "aws_iam_role.fn[each.key].arn"),
          ((), "runtime", "each.value.runtime"),
          ((), "architectures", "[each.value.architecture]"),
          ((), "handler", "each.value.handler"),
          ((), "memory_size", "each.value.memory_size"),
          ((), "timeout", "each.value.timeout"),
          ((), "layers", "each.value.layers"),
          # The package `make package` wrote for the function (deploy.py passes its directory as artifacts_dir).
          ((), "filename", '"${var.artifacts_dir}/${each.value.binary}/bootstrap.zip"'),
          ((), "source_code_hash", 'filebase64sha256("${var.artifacts_dir}/${each.value.binary}/bootstrap.zip")'),
          ((("dynamic", "durable_config"),), "for_each", "each.value.durable == null ? [] : [each.value.durable]"),
          ((("dynamic", "durable_config"), ("content",)), "execution_timeout", "durable_config.value.executionTimeout"),
          ((("dynamic", "durable_config"), ("content",)), "retention_period",
           "durable_config.value.retentionPeriodInDays"),
      ]],
    (((R, "aws_lambda_alias", "published"),), "for_each", "module.names.aliases"),
    (((R, "aws_lambda_alias", "published"),), "name", "each.value"),
    (((R, "aws_lambda_alias", "published"),), "function_name", "local.lambda[each.key].function_name"),
    (((R, "aws_lambda_alias", "published"),), "function_version", "local.lambda[each.key].version"),
    (((R, "aws_lambda_event_source_mapping", "sqs"),), "for_each", "module.names.sqs_mappings"),
    (((R, "aws_lambda_event_source_mapping", "sqs"),), "function_name", "aws_lambda_function.fn[each.key].arn"),
    (((R, "aws_lambda_event_source_mapping", "sqs"),), "event_source_arn", "aws_sqs_queue.queue[each.value.queue].arn"),
    (((R, "aws_lambda_event_source_mapping", "sqs"),), "batch_size", "each.value.batch_size"),
    (((R, "aws_lambda_event_source_mapping", "sqs"),), "function_response_types", "each.value.function_response_types"),
    (((R, "aws_lambda_event_source_mapping", "stream"),), "for_each", "module.names.stream_mappings"),
    (((R, "aws_lambda_event_source_mapping", "stream"),), "function_name", "aws_lambda_function.fn[each.key].arn"),
    (((R, "aws_lambda_event_source_mapping", "stream"),), "event_source_arn", "aws_dynamodb_table.table.stream_arn"),
    (((R, "aws_lambda_event_source_mapping", "stream"),), "starting_position", "each.value.starting_position"),
    (((R, "aws_lambda_event_source_mapping", "stream"),), "batch_size", "each.value.batch_size"),
    (((R, "aws_lambda_event_source_mapping", "stream"),), "bisect_batch_on_function_error",
     "each.value.bisect_batch_on_function_error"),
    (((R, "aws_lambda_event_source_mapping", "stream"),), "maximum_retry_attempts", "each.value.maximum_retry_attempts"),
    (((R, "aws_lambda_event_source_mapping", "stream"),), "function_response_types",
     "each.value.function_response_types"),
    (((R, "aws_lambda_event_source_mapping", "stream"), ("filter_criteria",), ("filter",)), "pattern",
     "each.value.filter_pattern"),
    (((R, "aws_lambda_event_source_mapping", "stream"), ("destination_config",), ("on_failure",)), "destination_arn",
     "aws_sqs_queue.stream_failure.arn"),
    (((R, "aws_api_gateway_method", "route"),), "for_each", "module.names.http_routes"),
    (((R, "aws_api_gateway_method", "route"),), "http_method", "each.value.method"),
    (((R, "aws_api_gateway_method", "route"),), "resource_id", "aws_api_gateway_resource.path[each.value.path].id"),
    (((R, "aws_api_gateway_resource", "path"),), "path_part", "each.value"),
    (((R, "aws_api_gateway_integration", "route"),), "for_each", "module.names.http_routes"),
    (((R, "aws_api_gateway_integration", "route"),), "type", '"AWS_PROXY"'),
    (((R, "aws_api_gateway_integration", "route"),), "uri", "aws_lambda_function.fn[each.key].invoke_arn"),
    (((R, "aws_api_gateway_method", "options"),), "for_each", "aws_api_gateway_resource.path"),
    (((R, "aws_api_gateway_method", "options"),), "resource_id", "each.value.id"),
    (((R, "aws_api_gateway_method", "options"),), "http_method", '"OPTIONS"'),
    (((R, "aws_api_gateway_integration", "options"),), "for_each", "aws_api_gateway_method.options"),
    (((R, "aws_api_gateway_integration", "options"),), "type", '"MOCK"'),
    (((R, "aws_api_gateway_integration_response", "options"),), "response_parameters",
     "module.names.cors_response_parameters"),
]

# Locals of the root module (in any `locals` block): name -> expected expression.
# The root module's variables for the deploy-time inputs of names.json ({deploy-parameter:X} markers).
DEPLOY_VARIABLES = {"DdApiKeySecretArn": "var.dd_api_key_secret_arn", "DdSite": "var.dd_site",
                    "DdVersion": "var.dd_version"}

LOCALS = {
    "deploy_parameters": "{" + ", ".join(f'"{{deploy-parameter:{name}}}" = {variable}'
                                         for name, variable in DEPLOY_VARIABLES.items()) + "}",
    "substitutions": "merge(local.deploy_parameters, local.version_arns)",
    "written_values": "{apiEndpoint = trimsuffix(aws_api_gateway_stage.env.invoke_url, \"/\"), "
                      "tableName = aws_dynamodb_table.table.name, eventBusName = aws_cloudwatch_event_bus.bus.name, "
                      "eventBusArn = aws_cloudwatch_event_bus.bus.arn, "
                      "jwtSecret = var.jwt_secret}",
    "lambda": "merge(aws_lambda_function.pinned, aws_lambda_function.fn)",
    "version_arns": '{ for k, f in aws_lambda_function.pinned : "{function-version-arn:${k}}" => f.qualified_arn }',
}

# Attributes that may be absent (their default is what names.json wants) but, when present, must have this value.
DEFAULTS = [
    (((R, "aws_lambda_event_source_mapping", "sqs"),), "enabled", "true"),
    (((R, "aws_lambda_event_source_mapping", "stream"),), "enabled", "true"),
    (((R, "aws_cloudwatch_event_rule", "rule"),), "state", '"ENABLED"'),
    (((R, "aws_cloudwatch_event_rule", "rule"),), "is_enabled", "true"),
    (((R, "aws_cloudwatch_event_rule", "shared"),), "state", '"ENABLED"'),
    (((R, "aws_cloudwatch_event_rule", "shared"),), "is_enabled", "true"),
]

# Text that must appear in an attribute (for policies written out in full).
CONTAINS = [
    (((R, "aws_sqs_queue_policy", "events"),), "policy", ['"events.amazonaws.com"', '"sqs:SendMessage"',
                                                        "aws_sqs_queue.queue[each.value.queue].arn",
                                                        "aws_cloudwatch_event_rule.rule[each.key].arn",
                                                        "[for k, rule in aws_cloudwatch_event_rule.shared : rule.arn "
                                                        "if k == each.key]"]),
]


# What each expression of locals.written_values (checked in the wiring) makes of the names module's outputs.
WRITTEN_VALUES = {
    "apiEndpoint": lambda out: API_URL,  # the stage's invoke URL, trailing slash trimmed
    "tableName": lambda out: out["table"]["name"],
    "eventBusName": lambda out: out["bus_name"],
    "eventBusArn": lambda out: _arn("events", f"event-bus/{out['bus_name']}"),
    "jwtSecret": lambda out: deploy_parameter("JwtSecret"),  # var.jwt_secret
}


def normalise(expression):
    """An expression's text as hcl.py keeps it (python-hcl2's rendering, without the `${...}` of an expression)."""
    return hcl.parse(f"x = {expression}\n").attributes["x"]


def _find(root, steps):
    blocks = [root]
    for kind, *labels in steps:
        blocks = [child for block in blocks for child in block.children(kind, *labels)]
    return blocks


def _where(steps, attribute):
    return ".".join(".".join(step) for step in steps) + f".{attribute}"


def _arn(service, resource):
    return f"arn:{PSEUDO['partition']}:{service}:{PSEUDO['region']}:{PSEUDO['account']}:{resource}"


class TerraformReader:
    """Facts from the evaluated names module, plus the root module's wiring problems."""

    def __init__(self, directory, names_output):
        self.directory = pathlib.Path(directory)
        self.out = {k: v["value"] for k, v in names_output.items()}

    def wiring_problems(self):
        """One line per attribute of the root module that does not take its value from the names module."""
        root = hcl.parse_files(sorted(self.directory.glob("*.tf")))
        problems = []
        for steps, attribute, expected in WIRING:
            blocks = _find(root, steps)
            where = _where(steps, attribute)
            if len(blocks) != 1:
                problems.append(f"{where}: expected one such block, found {len(blocks)}")
            elif attribute not in blocks[0].attributes:
                problems.append(f"{where}: missing (expected {expected!r})")
            elif blocks[0].attributes[attribute] != normalise(expected):
                problems.append(f"{where}: is {blocks[0].attributes[attribute]!r}, expected {normalise(expected)!r}")
        locals_ = {}
        for block in root.children("locals"):
            locals_.update(block.attributes)
        for name, expected in LOCALS.items():
            if name not in locals_:
                problems.append(f"locals.{name}: missing (expected {expected!r})")
            elif locals_[name] != normalise(expected):
                problems.append(f"locals.{name}: is {locals_[name]!r}, expected {normalise(expected)!r}")
        for steps, attribute, expected in DEFAULTS:
            for block in _find(root, steps):
                value = block.attributes.get(attribute)
                if value is not None and value != normalise(expected):
                    problems.append(f"{_where(steps, attribute)}: is {value!r}, expected {expected!r} or absent")
        for steps, attribute, needles in CONTAINS:
            blocks = _find(root, steps)
            text = blocks[0].attributes.get(attribute, "") if len(blocks) == 1 else ""
            problems.extend(f"{_where(steps, attribute)}: does not contain {n}" for n in needles
                            if normalise(n) not in text)
        return problems

    def facts(self):
        """Facts in the shape of checker.expected.expected_facts."""
        out = self.out
        # The root module replaces each version marker with the qualified ARN of the version the `pinned` block
        # published (checked in the wiring): in the policies of every function, in the environment of the others.
        deploy = {f"{{deploy-parameter:{name}}}": deploy_parameter(name) for name in DEPLOY_VARIABLES}
        versions = {f"{{function-version-arn:{k}}}": f"{_arn('lambda', 'function:' + f['name'])}:{VERSION}"
                    for k, f in out["pinned_functions"].items()}
        versions.update(deploy)
        functions = {}
        for key, f in out["functions"].items():
            pairs = {(a, versions.get(r, r)) for s in f["statements"] for a in s["Action"] for r in s["Resource"]}
            pinned = key in out["pinned_functions"]
            if pinned and key in out["other_functions"]:
                raise ValueError(f"names module: {key} is both a pinned and an other function")
            if not pinned and key not in out["other_functions"]:
                raise ValueError(f"names module: {key} is in no block of aws_lambda_function")
            alias = out["aliases"].get(key)
            functions[f["name"]] = {
                "runtime": f["runtime"], "architecture": f["architecture"], "handler": f["handler"],
                "memorySize": f["memory_size"], "timeout": f["timeout"],
                "environment": {k: (deploy if pinned else versions).get(v, v) for k, v in f["environment"].items()},
                "layers": f["layers"],
                "durable": f["durable"],
                "published": {"versions": 1 if pinned or f["publish"] else 0,
                              # An alias of an unpublished function could only point at $LATEST.
                              "aliases": {alias: VERSION if pinned or f["publish"] else "$LATEST"} if alias else {}},
                "permissions": sorted(pairs), "managedPolicies": [f["managed"]],
            }
        queue_arn = {k: _arn("sqs", q["name"]) for k, q in out["queues"].items()}
        table = out["table"]
        stream_arn = _arn("dynamodb", f"table/{table['name']}/stream/*")
        failure_arn = _arn("sqs", out["stream_failure_queue"]["name"])
        mappings = []
        for key, m in out["sqs_mappings"].items():
            mappings.append({
                "function": out["functions"][key]["name"], "enabled": True, "source": queue_arn[m["queue"]],
                "batchSize": m["batch_size"], "functionResponseTypes": sorted(m["function_response_types"]),
                "filters": [], "startingPosition": None, "bisectBatchOnFunctionError": None,
                "maximumRetryAttempts": None, "onFailure": None})
        for key, m in out["stream_mappings"].items():
            mappings.append({
                "function": out["functions"][key]["name"], "enabled": True, "source": stream_arn,
                "batchSize": m["batch_size"], "functionResponseTypes": sorted(m["function_response_types"]),
                "filters": [json.loads(m["filter_pattern"])], "startingPosition": m["starting_position"],
                "bisectBatchOnFunctionError": m["bisect_batch_on_function_error"],
                "maximumRetryAttempts": m["maximum_retry_attempts"],
                # The root module wires every stream mapping to the one failure queue (checked in the wiring).
                "onFailure": failure_arn if m["on_failure"] == "stream-failure-queue" else m["on_failure"]})
        queues = {}
        for q in out["queues"].values():
            queues[q["dlq"]] = {"dlq": None, "maxReceiveCount": None, "sse": q["sqs_managed_sse_enabled"],
                                "visibilityTimeout": q["visibility_timeout_seconds"],
                                "messageRetentionPeriod": q["dlq_retention_seconds"]}
            queues[q["name"]] = {"dlq": _arn("sqs", q["dlq"]), "maxReceiveCount": q["max_receive_count"],
                                 "sse": q["sqs_managed_sse_enabled"],
                                 "visibilityTimeout": q["visibility_timeout_seconds"],
                                 "messageRetentionPeriod": q["message_retention_seconds"]}
        sf = out["stream_failure_queue"]
        queues[sf["name"]] = {"dlq": None, "maxReceiveCount": None, "sse": sf["sqs_managed_sse_enabled"],
                              "visibilityTimeout": sf["visibility_timeout_seconds"],
                              "messageRetentionPeriod": sf["message_retention_seconds"]}
        return {
            "functions": functions,
            "eventSourceMappings": sorted(mappings, key=lambda m: (m["function"], m["source"])),
            "httpRoutes": sorted((r["method"], "/" + r["path"], out["functions"][k]["name"])
                                 for k, r in out["http_routes"].items()),
            # The wiring check makes sure every route path gets a MOCK OPTIONS method.
            "corsPreflightPaths": sorted({"/" + r["path"] for r in out["http_routes"].values()}),
            "queues": queues,
            "queuesWritableByEventBridge": sorted(queue_arn[r["queue"]] for r in out["rules"].values()),
            "buses": [out["bus_name"]],
            "rules": {
                **{r["name"]: {"bus": out["bus_name"], "enabled": True, "pattern": r["pattern"],
                               "targets": [queue_arn[r["queue"]]]} for r in out["rules"].values()},
                # The shared bus's name is the parameter's value, read at apply time (checked in the wiring).
                **{f"{r['name']} on {ssm_value(out['shared_bus_parameter'])}": {
                    "bus": ssm_value(out["shared_bus_parameter"]), "enabled": True, "pattern": r["pattern"],
                    "targets": [queue_arn[r["queue"]]]} for r in out["shared_rules"].values()},
            },
            "table": {"name": table["name"], "hashKey": table["hash_key"], "billingMode": table["billing_mode"],
                      "streamViewType": table["stream_view_type"], "ttlAttribute": table["ttl_attribute"],
                      "pointInTimeRecovery": table["point_in_time_recovery"]},
            # Each value as the wiring (locals.written_values) makes it.
            "writtenParameters": {name: {"type": "String", "value": WRITTEN_VALUES[key](out)}
                                  for key, name in out["written_parameters"].items()},
        }
