"""What every flavour must deploy, rendered from names.json for one environment.

The result ("facts") has the same shape as what the flavour readers (cfn.py, terraform.py) extract, so one
comparison (compare.py) serves every flavour.
"""

import json
import pathlib
import re

import yaml

NAMES_PATH = pathlib.Path(__file__).resolve().parent.parent / "names.json"
# names.json's `workflow` files are relative to the repository root.
REPOSITORY = NAMES_PATH.parent.parent

# The concrete values the checker substitutes for the deployment's pseudo parameters. A flavour's output is resolved
# with the same values (cfn.py maps AWS::Region etc. to them), so ARNs compare as plain strings.
PSEUDO = {"partition": "aws", "region": "us-east-1", "account": "123456789012"}

# What the checker writes for the number of the version a deployment publishes (unknown before it is deployed): a
# flavour's reference to its version resource resolves to it (intrinsics.py, terraform.py), `$LATEST` never does.
VERSION = "<version>"
# What the checker writes for the API's URL: `https://<api id>.execute-api.<region>.<url suffix>/<stage>`, exactly
# (no trailing slash); a flavour's value is read as this when it has that shape (cfn.py, terraform.py).
API_URL = "<api url>"


def deploy_parameter(name):
    """How the checker writes the value of deploy parameter `name` (a NoEcho template parameter, a Terraform
    variable): never its value."""
    return f"<parameter {name}>"


class NamesError(Exception):
    """names.json is inconsistent (an unknown reference, a missing key)."""


def load_names(path=NAMES_PATH):
    """names.json as a dict."""
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


class Renderer:
    """Turns the names of names.json into the strings of one environment.

    `placeholders` maps env/partition/region/account to what is written in their place: concrete values for the
    checker, `${Env}`-style substitutions for the SAM generator.
    """

    def __init__(self, names, placeholders):
        self.names = names
        self.p = placeholders

    def env(self, template):
        """A name template with `{env}` substituted."""
        return template.replace("{env}", self.p["env"])

    def arn(self, service, resource):
        """An ARN of this account and region (IAM and SSM-style ARNs have no region where AWS says so)."""
        return f"arn:{self.p['partition']}:{service}:{self.p['region']}:{self.p['account']}:{resource}"

    def function_name(self, key):
        """The physical name of function `key`."""
        try:
            return self.env(self.names["functions"][key]["name"])
        except KeyError as missing:
            raise NamesError(f"names.json: unknown function {missing}") from None

    def deploy_parameter(self, name):
        """The value of deploy parameter `name` (a placeholder may say how a flavour writes it)."""
        return self.p.get("deploy_parameter", deploy_parameter)(name)

    def layer(self):
        """The Datadog extension layer's ARN."""
        return (self.names["datadog"]["layer"].replace("{partition}", self.p["partition"])
                .replace("{region}", self.p["region"]))

    def environment(self, key):
        """Function `key`'s environment: the Datadog variables, then its own."""
        both = {**self.names["datadog"]["environment"], **self.names["functions"][key]["environment"]}
        return {k: self.value(v) for k, v in both.items()}

    def grants(self, key):
        """Function `key`'s grants (permission sets expanded), then the Datadog ones."""
        out = []
        for grant in self.names["functions"][key]["permissions"] + self.names["datadog"]["permissions"]:
            if "set" in grant:
                if grant["set"] not in self.names["permissionSets"]:
                    raise NamesError(f"names.json: unknown permission set {grant['set']!r} (in {key})")
                grant = self.names["permissionSets"][grant["set"]]
            out.append(grant)
        return out

    def alias(self, key):
        """The alias of published function `key`."""
        publish = self.names["functions"][key].get("publish") if key in self.names["functions"] else None
        if not publish or not publish.get("alias"):
            raise NamesError(f"names.json: {key} is not published with an alias (no 'publish')")
        return publish["alias"]

    def alias_arn(self, key):
        """The ARN of function `key`'s alias."""
        return self.arn("lambda", f"function:{self.function_name(key)}:{self.alias(key)}")

    def version_arn(self, key):
        """The ARN of the version of function `key` this deployment publishes (a placeholder may stand for it)."""
        self.alias(key)
        version = self.p.get("version", VERSION)
        if callable(version):
            return version(key)
        return self.arn("lambda", f"function:{self.function_name(key)}:{version}")

    def queue_name(self, key):
        """The physical name of queue `key` (or of the stream's failure queue)."""
        if key == "stream-failure-queue":
            return self.env(self.names["streamFailureQueue"]["name"])
        try:
            return self.env(self.names["queues"][key]["name"])
        except KeyError as missing:
            raise NamesError(f"names.json: unknown queue {missing}") from None

    def by_integration(self, render):
        """`render(integrated)` for this environment. When the environment is not known (the SAM template), the
        placeholder `integrated` is a function of (own, shared) that writes the condition."""
        mode = self.p.get("integrated", False)
        if callable(mode):
            own, shared = render(False), render(True)
            return own if own == shared else mode(own, shared)
        return render(bool(mode))

    def parameter_name(self, key):
        """The name of SSM parameter `key` (read or written); an integrated environment's own where it has one."""
        both = {**self.names["parameters"], **self.names["writtenParameters"]}
        if key not in both:
            raise NamesError(f"names.json: unknown parameter {key!r}")
        shared = self.names.get("integrated", {}).get("parameters", {})
        return self.by_integration(lambda integrated: self.env(shared[key] if integrated and key in shared
                                                               else both[key]))

    def parameter_arn(self, key):
        """The ARN of SSM parameter `key`."""
        both = {**self.names["parameters"], **self.names["writtenParameters"]}
        if key not in both:
            raise NamesError(f"names.json: unknown parameter {key!r}")
        shared = self.names.get("integrated", {}).get("parameters", {})
        return self.by_integration(lambda integrated: self.arn(
            "ssm", "parameter" + self.env(shared[key] if integrated and key in shared else both[key])))

    def resource_arn(self, token, function_key):
        """The ARN of a permission's resource token (`table`, `param:jwtSecret`, `function:X`, ...)."""
        table = self.env(self.names["table"]["name"])
        kind, _, ref = token.partition(":")
        if token == "table":
            return self.arn("dynamodb", f"table/{table}")
        if token == "stream":
            return self.arn("dynamodb", f"table/{table}/stream/*")
        if token == "bus":
            return self.arn("events", f"event-bus/{self.env(self.names['bus'])}")
        if token == "trigger-queue":
            trigger = self.names["functions"][function_key]["trigger"]
            if trigger.get("type") != "sqs":
                raise NamesError(f"names.json: {function_key} uses trigger-queue but is not triggered by a queue")
            return self.arn("sqs", self.queue_name(trigger["queue"]))
        if token == "stream-failure-queue":
            return self.arn("sqs", self.queue_name(token))
        if kind == "queue":
            return self.arn("sqs", self.queue_name(ref))
        if kind == "param":
            return self.parameter_arn(ref)
        if kind == "function":
            return self.arn("lambda", f"function:{self.function_name(ref)}")
        if kind == "function-qualified":
            return self.arn("lambda", f"function:{self.function_name(ref)}:*")
        if kind == "deploy-parameter":
            return self.deploy_parameter(ref)
        if kind == "function-alias":
            return self.alias_arn(ref)
        if kind == "function-version":
            return self.version_arn(ref)
        raise NamesError(f"names.json: unknown resource token {token!r} (in {function_key})")

    def value(self, template):
        """An environment-variable value: `{env}`, `{domain}`, `{table}`, `{bus}`, `{param:K}`, `{function-arn:K}`,
        `{function-alias-arn:K}`, `{function-version-arn:K}` (a value that is only a reference may render to a
        non-string, e.g. SAM's reference to a version)."""
        if template.startswith("{") and template.endswith("}") and template.count("{") == 1:
            return self._reference(template[1:-1], template)
        out, rest = [], template
        while "{" in rest:
            before, _, after = rest.partition("{")
            ref, closed, rest = after.partition("}")
            if not closed:
                raise NamesError(f"names.json: unclosed '{{' in {template!r}")
            out.append(before)
            out.append(self._reference(ref, template))
        out.append(rest)
        return "".join(out)

    def _reference(self, ref, template):
        kind, _, key = ref.partition(":")
        simple = {
            "env": self.p["env"],
            "domain": self.names["domain"],
            "table": self.env(self.names["table"]["name"]),
            "bus": self.env(self.names["bus"]),
        }
        if ref in simple:
            return simple[ref]
        if kind == "param":
            return self.parameter_name(key)
        if kind == "function-arn":
            return self.arn("lambda", f"function:{self.function_name(key)}")
        if ref == "bus-arn":
            return self.arn("events", f"event-bus/{self.env(self.names['bus'])}")
        if ref == "service":
            return self.names["service"]
        if ref == "api-url":
            return API_URL
        if kind == "deploy-parameter":
            return self.deploy_parameter(key)
        if kind == "function-alias-arn":
            return self.alias_arn(key)
        if kind == "function-version-arn":
            return self.version_arn(key)
        raise NamesError(f"names.json: unknown reference {{{ref}}} in {template!r}")

    def permissions(self, key):
        """The (action, resource ARN) pairs function `key` is granted."""
        pairs = set()
        for grant in self.grants(key):
            for action in grant["actions"]:
                for token in grant["resources"]:
                    pairs.add((action, self.resource_arn(token, key)))
        return pairs


def published(fn):
    """What a function publishes: how many versions (one per deployment) and its aliases -> their version."""
    alias = (fn.get("publish") or {}).get("alias")
    return {"versions": 1, "aliases": {alias: VERSION}} if alias else {"versions": 0, "aliases": {}}


def check_publishing(names):
    """names.json's own rule: a published or durable function is invoked only through its alias or a version."""
    pinned = {k for k, f in names["functions"].items() if f.get("publish") or f.get("durable")}
    for key, fn in names["functions"].items():
        for var, value in fn["environment"].items():
            if "$LATEST" in value or any(f"{{function-arn:{k}}}" in value for k in pinned):
                raise NamesError(f"names.json: {key}.{var} names a durable or published function without its "
                                 f"alias or version: {value!r}")
        for grant in fn["permissions"]:
            if "lambda:InvokeFunction" in grant.get("actions", []):
                for token in grant["resources"]:
                    kind, _, ref = token.partition(":")
                    if ref in pinned and kind not in ("function-alias", "function-version"):
                        raise NamesError(f"names.json: {key} may invoke {ref} through {token!r}, not only its "
                                         f"alias or version")
        for token in [t for g in fn["permissions"] for t in g.get("resources", [])]:
            kind, _, ref = token.partition(":")
            if kind in ("function-alias", "function-version") and not (names["functions"].get(ref) or {}).get("publish"):
                raise NamesError(f"names.json: {key} uses {token!r} but {ref} is not published")


def workflow_timeout_seconds(path):
    """The `timeout:` of a workflow file in seconds (a whole number of `s`, `m` or `h`), or None when absent."""
    with open(path, encoding="utf-8") as handle:
        spec = yaml.safe_load(handle)
    written = spec.get("timeout") if isinstance(spec, dict) else None
    if written is None:
        return None
    match = re.fullmatch(r"\s*([0-9]+)(s|m|h)\s*", str(written))
    if not match:
        raise NamesError(f"{path}: timeout {written!r} is not a whole number of s, m or h")
    return int(match.group(1)) * {"s": 1, "m": 60, "h": 3600}[match.group(2)]


def check_workflow_timeouts(names, root=REPOSITORY):
    """names.json's rule for durable functions generated from a workflow file (`workflow`): the execution timeout
    every flavour deploys (`durable.executionTimeout`) is the file's `timeout:`, which the generated code also
    exposes (`EXECUTION_TIMEOUT`)."""
    for key, fn in names["functions"].items():
        if "workflow" not in fn:
            continue
        if not fn.get("durable"):
            raise NamesError(f"names.json: {key} names workflow {fn['workflow']!r} but is not durable")
        path = root / fn["workflow"]
        spec = workflow_timeout_seconds(path)
        deployed = fn["durable"]["executionTimeout"]
        if spec is None:
            raise NamesError(f"{fn['workflow']}: no `timeout:`; names.json gives {key} an execution timeout of "
                             f"{deployed} s: write `timeout: {deployed}s` in the workflow")
        if spec != deployed:
            raise NamesError(f"names.json: {key}.durable.executionTimeout is {deployed} s but {fn['workflow']} says "
                             f"`timeout:` {spec} s: change one of them")


def is_integrated(names, env):
    """Whether `env` is one of the integrated environments (shared secret, shared bus)."""
    return env in names.get("integrated", {}).get("environments", [])


def ssm_value(name):
    """How the checker writes the value of SSM parameter `name` read at deploy time (a CloudFormation dynamic
    reference, an SSM-typed template parameter, a Terraform data source: all read as this)."""
    return "{{resolve:ssm:" + name + "}}"


def expected_facts(env, names=None):
    """The facts every flavour must produce for environment `env`."""
    names = names if names is not None else load_names()
    check_publishing(names)
    check_workflow_timeouts(names)
    integrated = is_integrated(names, env)
    r = Renderer(names, {**PSEUDO, "env": env, "integrated": integrated})
    lam, qd = names["lambda"], names["queueDefaults"]
    functions, mappings, http = {}, [], set()
    for key, fn in names["functions"].items():
        name = r.function_name(key)
        functions[name] = {
            "runtime": lam["runtime"],
            "architecture": lam["architecture"],
            "handler": lam["handler"],
            "memorySize": lam["memorySize"],
            "timeout": lam["timeout"],
            "environment": r.environment(key),
            "layers": [r.layer()],
            "durable": fn.get("durable"),
            "published": published(fn),
            "permissions": sorted(r.permissions(key)),
            "managedPolicies": [f"arn:{r.p['partition']}:iam::aws:policy/{lam['managedPolicy']}"],
        }
        trigger = fn["trigger"]
        if trigger["type"] == "http":
            http.add((trigger["method"], trigger["path"], name))
        elif trigger["type"] == "sqs":
            mappings.append({
                "function": name,
                "enabled": True,
                "source": r.arn("sqs", r.queue_name(trigger["queue"])),
                "batchSize": trigger["batchSize"],
                "functionResponseTypes": ["ReportBatchItemFailures"] if trigger["reportBatchItemFailures"] else [],
                "filters": [],
                "startingPosition": None,
                "bisectBatchOnFunctionError": None,
                "maximumRetryAttempts": None,
                "onFailure": None,
            })
        elif trigger["type"] == "stream":
            mappings.append({
                "function": name,
                "enabled": True,
                "source": r.resource_arn("stream", key),
                "batchSize": trigger["batchSize"],
                "functionResponseTypes": ["ReportBatchItemFailures"] if trigger["reportBatchItemFailures"] else [],
                "filters": [trigger["filter"]],
                "startingPosition": trigger["startingPosition"],
                "bisectBatchOnFunctionError": trigger["bisectBatchOnFunctionError"],
                "maximumRetryAttempts": trigger["maximumRetryAttempts"],
                "onFailure": r.resource_arn(trigger["onFailure"], key),
            })
    queues = {}
    for q in names["queues"].values():
        queues[r.env(q["dlq"])] = {"dlq": None, "maxReceiveCount": None, "sse": qd["sqsManagedSse"],
                                   "visibilityTimeout": qd["visibilityTimeout"],
                                   "messageRetentionPeriod": qd["dlqMessageRetentionPeriod"]}
        queues[r.env(q["name"])] = {"dlq": r.arn("sqs", r.env(q["dlq"])), "maxReceiveCount": qd["maxReceiveCount"],
                                    "sse": qd["sqsManagedSse"],
                                    "visibilityTimeout": qd["visibilityTimeout"],
                                    "messageRetentionPeriod": qd["messageRetentionPeriod"]}
    queues[r.queue_name("stream-failure-queue")] = {
        "dlq": None, "maxReceiveCount": None, "sse": qd["sqsManagedSse"], "visibilityTimeout": qd["visibilityTimeout"],
        "messageRetentionPeriod": qd["dlqMessageRetentionPeriod"]}
    bus = r.env(names["bus"])
    rules = {}
    for rule in names["rules"].values():
        pattern = {k: [r.env(v) for v in vs] for k, vs in rule["pattern"].items()}
        queue_arn = r.arn("sqs", r.queue_name(rule["queue"]))
        rules[rule["name"]] = {"bus": bus, "enabled": True, "pattern": pattern, "targets": [queue_arn]}
        if integrated:
            shared_bus = ssm_value(r.env(names["integrated"]["sharedBusParameter"]))
            rules[f"{rule['name']} on {shared_bus}"] = {"bus": shared_bus, "enabled": True, "pattern": pattern,
                                                         "targets": [queue_arn]}
    table = names["table"]
    return {
        "functions": functions,
        "eventSourceMappings": sorted(mappings, key=lambda m: (m["function"], m["source"])),
        "httpRoutes": sorted(http),
        "corsPreflightPaths": sorted({path for _, path, _ in http}),
        "queues": queues,
        "queuesWritableByEventBridge": sorted(r.arn("sqs", r.queue_name(rule["queue"]))
                                              for rule in names["rules"].values()),
        "buses": [bus],
        "rules": rules,
        "table": {
            "name": r.env(table["name"]),
            "hashKey": table["hashKey"],
            "billingMode": table["billingMode"],
            "streamViewType": table["streamViewType"],
            "ttlAttribute": table["ttlAttribute"],
            "pointInTimeRecovery": table["pointInTimeRecovery"],
        },
        "writtenParameters": {
            r.parameter_name(k): {"type": "String", "value": r.value(names["writtenValues"][k])}
            for k in names["writtenParameters"]
            if not (integrated and k in names["integrated"].get("notWritten", []))},
    }
