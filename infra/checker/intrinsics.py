"""Resolves the CloudFormation intrinsic functions a template uses into plain values.

Pseudo parameters take the checker's concrete values (expected.PSEUDO), template parameters their given value or
default, and a reference to a resource its physical name or ARN, built the way AWS builds it. Anything the reader
does not understand is an error naming it, never a silent guess.
"""

import json

from .expected import PSEUDO, VERSION, deploy_parameter


class TemplateError(Exception):
    """The template uses something the checker cannot resolve, or is malformed."""


NO_VALUE = object()

# Resource type -> the property holding its physical name.
NAME_PROPERTY = {
    "AWS::Lambda::Function": "FunctionName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::DynamoDB::Table": "TableName",
    "AWS::Events::EventBus": "Name",
    "AWS::Events::Rule": "Name",
    "AWS::IAM::Role": "RoleName",
    "AWS::SSM::Parameter": "Name",
}


class Resolver:
    """Resolves values of one template."""

    def __init__(self, template, parameters):
        self.resources = template.get("Resources", {})
        self.conditions = template.get("Conditions", {})
        self._condition_values = {}
        self.parameters = {}
        for name, spec in template.get("Parameters", {}).items():
            if str(spec.get("NoEcho", "")).lower() == "true":
                # A secret given at deploy time: the checker only sees that it comes from this parameter.
                self.parameters[name] = deploy_parameter(name)
                continue
            if name in parameters:
                value = parameters[name]
            elif "Default" in spec:
                value = spec["Default"]
            else:
                # A deploy-time input without a default: the checker only sees that it comes from this parameter.
                value = deploy_parameter(name)
            # An SSM-typed parameter holds a parameter name; CloudFormation passes its value, read at deploy time.
            if str(spec.get("Type", "")).startswith("AWS::SSM::Parameter::Value<"):
                value = "{{resolve:ssm:" + value + "}}"
            self.parameters[name] = value
        self.pseudo = {
            "AWS::Partition": PSEUDO["partition"],
            "AWS::Region": PSEUDO["region"],
            "AWS::AccountId": PSEUDO["account"],
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": "stack",
            "AWS::StackId": "stack-id",
        }
        self._naming = set()

    def condition(self, name):
        """The value of template condition `name` for the given parameters."""
        if name not in self.conditions:
            raise TemplateError(f"unknown condition {name!r}")
        if name not in self._condition_values:
            self._condition_values[name] = None  # a condition referring to itself
            self._condition_values[name] = self._truth(self.conditions[name])
        if self._condition_values[name] is None:
            raise TemplateError(f"condition {name!r} refers to itself")
        return self._condition_values[name]

    def _truth(self, value):
        if not isinstance(value, dict) or len(value) != 1:
            raise TemplateError(f"not a condition: {json.dumps(value)[:200]}")
        (key, arg), = value.items()
        if key == "Condition":
            return self.condition(arg)
        if key == "Fn::Equals":
            left, right = (self.resolve(v) for v in arg)
            return str(left) == str(right)
        if key == "Fn::Not":
            return not self._truth(arg[0])
        if key == "Fn::And":
            return all(self._truth(v) for v in arg)
        if key == "Fn::Or":
            return any(self._truth(v) for v in arg)
        raise TemplateError(f"unsupported condition function {key}")

    def created(self, resource):
        """Whether a resource (its template entry) is created: no Condition, or a true one."""
        return "Condition" not in resource or self.condition(resource["Condition"])

    def arn(self, service, resource, region=True):
        """An ARN in the checker's account (IAM ARNs have no region)."""
        reg = PSEUDO["region"] if region else ""
        return f"arn:{PSEUDO['partition']}:{service}:{reg}:{PSEUDO['account']}:{resource}"

    def physical_name(self, logical):
        """The physical name of a resource: its name property resolved, or its logical id."""
        resource = self._resource(logical)
        prop = NAME_PROPERTY.get(resource.get("Type"))
        if prop and prop in resource.get("Properties", {}):
            if logical in self._naming:
                raise TemplateError(f"{logical}: its name refers to itself")
            self._naming.add(logical)
            try:
                return self.resolve(resource["Properties"][prop])
            finally:
                self._naming.discard(logical)
        return logical

    def _resource(self, logical):
        if logical not in self.resources:
            raise TemplateError(f"reference to unknown resource or parameter {logical!r}")
        if not self.created(self.resources[logical]):
            raise TemplateError(f"reference to {logical!r}, which its Condition leaves out in this environment")
        return self.resources[logical]

    def ref(self, name):
        """The value of `{"Ref": name}`."""
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        resource = self._resource(name)
        kind = resource.get("Type")
        if kind == "AWS::SQS::Queue":
            return f"https://sqs.{PSEUDO['region']}.amazonaws.com/{PSEUDO['account']}/{self.physical_name(name)}"
        if kind == "AWS::Lambda::Version":
            fn = self.resolve(resource["Properties"]["FunctionName"])
            return f"{self._function_arn(fn)}:{VERSION}"
        if kind == "AWS::Lambda::Alias":
            fn = self.resolve(resource["Properties"]["FunctionName"])
            return f"{self._function_arn(fn)}:{self.resolve(resource['Properties']['Name'])}"
        return self.physical_name(name)

    def _function_arn(self, name_or_arn):
        if name_or_arn.startswith("arn:"):
            return name_or_arn
        return self.arn("lambda", f"function:{name_or_arn}")

    def get_att(self, logical, attribute):
        """The value of `{"Fn::GetAtt": [logical, attribute]}`."""
        kind = self._resource(logical).get("Type")
        name = self.physical_name(logical)
        table = {
            ("AWS::Lambda::Function", "Arn"): lambda: self.arn("lambda", f"function:{name}"),
            ("AWS::SQS::Queue", "Arn"): lambda: self.arn("sqs", name),
            ("AWS::SQS::Queue", "QueueName"): lambda: name,
            ("AWS::SQS::Queue", "QueueUrl"): lambda: self.ref(logical),
            ("AWS::DynamoDB::Table", "Arn"): lambda: self.arn("dynamodb", f"table/{name}"),
            ("AWS::DynamoDB::Table", "StreamArn"): lambda: self.arn("dynamodb", f"table/{name}/stream/*"),
            ("AWS::Events::EventBus", "Arn"): lambda: self.arn("events", f"event-bus/{name}"),
            ("AWS::Events::EventBus", "Name"): lambda: name,
            ("AWS::Events::Rule", "Arn"): lambda: self.arn("events", f"rule/{name}"),
            ("AWS::IAM::Role", "Arn"): lambda: self.arn("iam", f"role/{name}", region=False),
            ("AWS::Lambda::Version", "Version"): lambda: VERSION,
            ("AWS::Lambda::Version", "FunctionArn"): lambda: self.ref(logical),
            ("AWS::Lambda::Alias", "AliasArn"): lambda: self.ref(logical),
            ("AWS::ApiGateway::RestApi", "RootResourceId"): lambda: f"{logical}/root",
        }
        if (kind, attribute) in table:
            return table[(kind, attribute)]()
        return f"<{logical}.{attribute}>"

    def resolve(self, value):
        """`value` with every intrinsic function replaced by its result."""
        if isinstance(value, list):
            return [v for v in (self.resolve(v) for v in value) if v is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Fn::GetAtt":
                logical, attribute = arg.split(".", 1) if isinstance(arg, str) else arg
                return self.get_att(logical, attribute)
            if key == "Fn::Sub":
                return self._sub(arg)
            if key == "Fn::Join":
                sep, items = arg
                return sep.join(str(i) for i in self.resolve(items))
            if key == "Fn::Select":
                index, items = arg
                return self.resolve(items)[int(self.resolve(index))]
            if key == "Fn::If":
                name, when_true, when_false = arg
                return self.resolve(when_true if self.condition(name) else when_false)
            if key == "Fn::Split":
                sep, text = arg
                return self.resolve(text).split(sep)
            if key.startswith("Fn::") or key == "Condition":
                raise TemplateError(f"unsupported intrinsic function {key} in {json.dumps(value)[:200]}")
        out = {}
        for k, v in value.items():
            resolved = self.resolve(v)
            if resolved is not NO_VALUE:
                out[k] = resolved
        return out

    def _sub(self, arg):
        text, variables = (arg, {}) if isinstance(arg, str) else arg
        variables = {k: self.resolve(v) for k, v in variables.items()}
        out, rest = [], text
        while "${" in rest:
            before, _, after = rest.partition("${")
            expr, closed, rest = after.partition("}")
            if not closed:
                raise TemplateError(f"unclosed ${{ in Fn::Sub {text!r}")
            out.append(before)
            if expr.startswith("!"):
                out.append("${" + expr[1:] + "}")
            elif expr in variables:
                out.append(str(variables[expr]))
            elif "." in expr and expr.split(".", 1)[0] in self.resources:
                out.append(str(self.get_att(*expr.split(".", 1))))
            else:
                out.append(str(self.ref(expr)))
        out.append(rest)
        return "".join(out)
