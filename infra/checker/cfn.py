"""Reads a plain CloudFormation template (SAM after its transform, CDK's synth, Serverless's package) into facts."""

import json
import re

from .expected import API_URL, PSEUDO
from .intrinsics import Resolver, TemplateError

LAMBDA_DEFAULTS = {"MemorySize": 128, "Timeout": 3}


def _as_list(value):
    return value if isinstance(value, list) else [value]


def _as_json(value, where):
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError as error:
            raise TemplateError(f"{where}: not JSON ({error})") from None
    return value


API_URL_SHAPE = re.compile(r"https://[A-Za-z0-9]+\.execute-api\." + re.escape(PSEUDO["region"])
                           + r"\.amazonaws\.com/[A-Za-z0-9_-]+")


def written_value(value):
    """An SSM parameter's value; the API's URL, when it has exactly that shape (no trailing slash), as API_URL."""
    return API_URL if isinstance(value, str) and API_URL_SHAPE.fullmatch(value) else value


def _function_name(value):
    """A function name from a name or (qualified) ARN; a qualifier is kept as `name:qualifier`."""
    if value.startswith("arn:"):
        return value.split(":function:", 1)[1]
    return value


class CloudFormationReader:
    """The facts of one template."""

    def __init__(self, template, parameters=None):
        if "Transform" in template:
            raise TemplateError("the template still has a Transform: read the transformed template")
        self.template = template
        self.r = Resolver(template, parameters or {})
        # Only the resources this environment creates (a resource whose Condition is false is not deployed).
        self.resources = {logical: resource for logical, resource in template.get("Resources", {}).items()
                          if self.r.created(resource)}

    def of_type(self, kind):
        """(logical id, resolved properties) of every resource of `kind`."""
        for logical, resource in self.resources.items():
            if resource.get("Type") == kind:
                yield logical, self.r.resolve(resource.get("Properties", {}))

    def facts(self):
        """Every fact compare.py compares."""
        return {
            "functions": self.functions(),
            "eventSourceMappings": self.event_source_mappings(),
            "httpRoutes": self.http_routes(),
            "corsPreflightPaths": self.cors_preflight_paths(),
            "queues": self.queues(),
            "queuesWritableByEventBridge": self.queues_writable_by_eventbridge(),
            "buses": sorted(p.get("Name") for _, p in self.of_type("AWS::Events::EventBus")),
            "rules": self.rules(),
            "table": self.table(),
            "writtenParameters": {p.get("Name"): {"type": p.get("Type"), "value": written_value(p.get("Value"))}
                                  for _, p in self.of_type("AWS::SSM::Parameter")},
        }

    def _role_logical(self, role_arn, function):
        for logical, resource in self.resources.items():
            if resource.get("Type") == "AWS::IAM::Role" and self.r.get_att(logical, "Arn") == role_arn:
                return logical
        raise TemplateError(f"function {function}: role {role_arn} is not a role of this template")

    def _statements_of_role(self, role_logical):
        role_name = self.r.physical_name(role_logical)
        role = self.r.resolve(self.resources[role_logical].get("Properties", {}))
        for policy in role.get("Policies", []):
            yield from _as_list(policy["PolicyDocument"].get("Statement", []))
        for _, policy in self.of_type("AWS::IAM::Policy"):
            if role_name in policy.get("Roles", []):
                yield from _as_list(policy["PolicyDocument"].get("Statement", []))

    def published(self):
        """Function name -> {"versions": how many version resources, "aliases": alias name -> its version}."""
        out = {}
        for kind in ("AWS::Lambda::Version", "AWS::Lambda::Alias"):
            for logical, p in self.of_type(kind):
                name = _function_name(str(p.get("FunctionName", "")))
                entry = out.setdefault(name, {"versions": 0, "aliases": {}})
                if kind == "AWS::Lambda::Version":
                    entry["versions"] += 1
                else:
                    entry["aliases"][p.get("Name", logical)] = p.get("FunctionVersion")
        return out

    def functions(self):
        """Functions by name: runtime settings, environment, durable config, permissions of their role."""
        out = {}
        published = self.published()
        for logical, p in self.of_type("AWS::Lambda::Function"):
            name = p.get("FunctionName", logical)
            role_logical = self._role_logical(p.get("Role"), name)
            role = self.r.resolve(self.resources[role_logical].get("Properties", {}))
            pairs = set()
            for statement in self._statements_of_role(role_logical):
                effect = "" if statement.get("Effect") == "Allow" else f"{statement.get('Effect')}:"
                for action in _as_list(statement.get("Action", [])):
                    for resource in _as_list(statement.get("Resource", [])):
                        pairs.add((effect + action, resource))
            durable = p.get("DurableConfig")
            out[name] = {
                "runtime": p.get("Runtime"),
                "architecture": (p.get("Architectures") or ["x86_64"])[0],
                "handler": p.get("Handler"),
                "memorySize": int(p.get("MemorySize", LAMBDA_DEFAULTS["MemorySize"])),
                "timeout": int(p.get("Timeout", LAMBDA_DEFAULTS["Timeout"])),
                "environment": p.get("Environment", {}).get("Variables", {}),
                "layers": list(p.get("Layers", [])),
                "durable": None if durable is None else {
                    "executionTimeout": int(durable.get("ExecutionTimeout")),
                    "retentionPeriodInDays": int(durable.get("RetentionPeriodInDays", 14)),
                },
                "published": published.pop(name, {"versions": 0, "aliases": {}}),
                "permissions": sorted(pairs),
                "managedPolicies": sorted(role.get("ManagedPolicyArns", [])),
            }
        if published:
            raise TemplateError(f"versions or aliases of {sorted(published)}, which are not functions of this template")
        return out

    def event_source_mappings(self):
        """Every event source mapping: source, batch settings, partial batch responses, filter, failure destination."""
        out = []
        for logical, p in self.of_type("AWS::Lambda::EventSourceMapping"):
            source = p.get("EventSourceArn", "")
            is_stream = ":dynamodb:" in source
            filters = [_as_json(f.get("Pattern"), f"{logical} filter")
                       for f in p.get("FilterCriteria", {}).get("Filters", [])]
            out.append({
                "function": _function_name(p.get("FunctionName", "")),
                "enabled": str(p.get("Enabled", True)).lower() == "true",
                "source": source,
                "batchSize": int(p.get("BatchSize", 100 if is_stream else 10)),
                "functionResponseTypes": sorted(p.get("FunctionResponseTypes", [])),
                "filters": filters,
                "startingPosition": p.get("StartingPosition"),
                "bisectBatchOnFunctionError": p.get("BisectBatchOnFunctionError", False) if is_stream else
                p.get("BisectBatchOnFunctionError"),
                "maximumRetryAttempts": int(p.get("MaximumRetryAttempts", -1)) if is_stream else
                p.get("MaximumRetryAttempts"),
                "onFailure": p.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination"),
            })
        return sorted(out, key=lambda m: (m["function"], m["source"]))

    def queues(self):
        """Queues by name: dead-letter target, receive count, visibility, retention."""
        out = {}
        for logical, p in self.of_type("AWS::SQS::Queue"):
            redrive = _as_json(p.get("RedrivePolicy", {}), f"{logical} RedrivePolicy")
            out[p.get("QueueName", logical)] = {
                "dlq": redrive.get("deadLetterTargetArn"),
                "maxReceiveCount": int(redrive["maxReceiveCount"]) if "maxReceiveCount" in redrive else None,
                "sse": str(p.get("SqsManagedSseEnabled", False)).lower() == "true",
                "visibilityTimeout": int(p.get("VisibilityTimeout", 30)),
                "messageRetentionPeriod": int(p.get("MessageRetentionPeriod", 345600)),
            }
        return out

    def queues_writable_by_eventbridge(self):
        """ARNs of the queues whose policy lets EventBridge send messages."""
        url_to_arn = {self.r.ref(logical): self.r.get_att(logical, "Arn")
                      for logical, res in self.resources.items() if res.get("Type") == "AWS::SQS::Queue"}
        out = set()
        for logical, p in self.of_type("AWS::SQS::QueuePolicy"):
            for statement in _as_list(p.get("PolicyDocument", {}).get("Statement", [])):
                services = _as_list(statement.get("Principal", {}).get("Service", []))
                if statement.get("Effect") == "Allow" and "events.amazonaws.com" in services \
                        and "sqs:SendMessage" in _as_list(statement.get("Action", [])):
                    for queue in p.get("Queues", []):
                        if queue not in url_to_arn:
                            raise TemplateError(f"{logical}: queue {queue} is not a queue of this template")
                        out.add(url_to_arn[queue])
        return sorted(out)

    def rules(self):
        """Rules by name: bus, pattern, target ARNs."""
        out = {}
        own = {p.get("Name") for _, p in self.of_type("AWS::Events::EventBus")}
        for logical, p in self.of_type("AWS::Events::Rule"):
            bus = p.get("EventBusName", "default")
            bus = bus.split("event-bus/", 1)[1] if bus.startswith("arn:") else bus
            name = p.get("Name", logical)
            # A rule on a bus of this stack by its name; on another bus (the shared one), "<name> on <bus>".
            out[name if bus in own else f"{name} on {bus}"] = {
                "bus": bus,
                "enabled": p.get("State", "ENABLED") == "ENABLED",
                "pattern": _as_json(p.get("EventPattern"), f"{logical} EventPattern"),
                "targets": sorted(t.get("Arn") for t in p.get("Targets", [])),
            }
        return out

    def table(self):
        """The one table: name, key, billing, stream view, TTL attribute."""
        tables = list(self.of_type("AWS::DynamoDB::Table"))
        if len(tables) != 1:
            return {"count": len(tables)}
        logical, p = tables[0]
        hash_keys = [k["AttributeName"] for k in p.get("KeySchema", []) if k.get("KeyType") == "HASH"]
        ttl = p.get("TimeToLiveSpecification", {})
        return {
            "name": p.get("TableName", logical),
            "hashKey": hash_keys[0] if len(hash_keys) == 1 else hash_keys,
            "billingMode": p.get("BillingMode", "PROVISIONED"),
            "streamViewType": p.get("StreamSpecification", {}).get("StreamViewType"),
            "ttlAttribute": ttl.get("AttributeName") if ttl.get("Enabled") else None,
            "pointInTimeRecovery": str(p.get("PointInTimeRecoverySpecification", {})
                                       .get("PointInTimeRecoveryEnabled", False)).lower() == "true",
        }

    def http_routes(self):
        """(method, path, function name) of every Lambda-proxy route, from API Gateway methods or a Swagger body."""
        routes = set()
        for _, p in self.of_type("AWS::ApiGateway::RestApi"):
            for path, methods in p.get("Body", {}).get("paths", {}).items():
                for method, spec in methods.items():
                    uri = spec.get("x-amazon-apigateway-integration", {}).get("uri", "") if isinstance(spec, dict) \
                        else ""
                    if ":function:" in uri:
                        routes.add((method.upper(), path, self._function_of_uri(uri)))
        for _, p in self.of_type("AWS::ApiGateway::Method"):
            uri = p.get("Integration", {}).get("Uri", "")
            if p.get("Integration", {}).get("Type") == "AWS_PROXY" and ":function:" in uri:
                routes.add((p.get("HttpMethod"), self._path(p.get("ResourceId")), self._function_of_uri(uri)))
        return sorted(routes)

    def cors_preflight_paths(self):
        """Paths whose OPTIONS method API Gateway answers itself (a MOCK integration, or SAM's Swagger `options`)."""
        paths = set()
        for _, p in self.of_type("AWS::ApiGateway::RestApi"):
            for path, methods in p.get("Body", {}).get("paths", {}).items():
                if "options" in methods:
                    paths.add(path)
        for _, p in self.of_type("AWS::ApiGateway::Method"):
            if p.get("HttpMethod") == "OPTIONS" and p.get("Integration", {}).get("Type") == "MOCK":
                paths.add(self._path(p.get("ResourceId")))
        return sorted(paths)

    @staticmethod
    def _function_of_uri(uri):
        return uri.split(":function:", 1)[1].split("/", 1)[0]

    def _path(self, resource_id):
        parts = []
        while not resource_id.endswith("/root"):
            resource = self.resources.get(resource_id, {})
            if resource.get("Type") != "AWS::ApiGateway::Resource":
                raise TemplateError(f"API method on an unknown resource {resource_id!r}")
            props = self.r.resolve(resource["Properties"])
            parts.append(props["PathPart"])
            resource_id = props["ParentId"]
        return "/" + "/".join(reversed(parts))
