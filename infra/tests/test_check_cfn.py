"""The names checker on CloudFormation: the SAM flavour matches names.json, and each mutation is reported by name.

Run with the infra venv (it has aws-sam-translator): infra/.venv/bin/python -m unittest discover -s infra/tests
"""

import copy
import json
import pathlib
import sys
import unittest

import yaml

INFRA = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(INFRA))
sys.path.insert(0, str(INFRA / "sam"))

import check  # noqa: E402
import generate  # noqa: E402
import transform  # noqa: E402
from checker.cfn import CloudFormationReader  # noqa: E402
from checker.expected import NamesError, Renderer, load_names  # noqa: E402
from checker.intrinsics import TemplateError  # noqa: E402

ENV = "ci"
GOOD = transform.transform(generate.template(load_names()), ENV)


def problems_of(template):
    """The checker's lines for `template` (as SAM made it for ENV)."""
    return check.check_facts("sam", ENV, CloudFormationReader(template, {"Env": ENV}).facts())


def mutated(change):
    """A deep copy of the good template with `change(resources)` applied."""
    template = copy.deepcopy(GOOD)
    change(template["Resources"])
    return template


class TheGoodTemplate(unittest.TestCase):
    def test_the_generated_sam_template_matches_names_json(self):
        self.assertEqual(problems_of(GOOD), [])

    def test_the_committed_template_is_what_names_json_generates(self):
        self.assertEqual((INFRA / "sam" / "template.yaml").read_text(encoding="utf-8"), generate.render())

    def test_the_written_yaml_reads_back_as_the_template_in_block_style_without_aliases(self):
        text = generate.render()
        self.assertEqual(yaml.safe_load(text), generate.template(load_names()))
        events = list(yaml.parse(text))
        # The API endpoint's Fn::Sub is one value in two places: CloudFormation rejects YAML aliases for it.
        self.assertEqual([e for e in events if isinstance(e, yaml.AliasEvent) or getattr(e, "anchor", None)], [])
        self.assertEqual([e for e in events if getattr(e, "flow_style", False)], [])
        self.assertEqual(list(yaml.safe_load(text)["Resources"])[:3], ["EventBus", "Table", "UserCreatedDLQ"])

    def test_it_defines_nine_functions_five_mappings_nine_queues_and_four_rules(self):
        facts = CloudFormationReader(GOOD, {"Env": ENV}).facts()
        self.assertEqual(len(facts["functions"]), 9)
        self.assertEqual(len(facts["eventSourceMappings"]), 5)
        self.assertEqual(len(facts["queues"]), 9)
        self.assertEqual(sorted(facts["rules"]), [
            "LoyaltyService_NotificationAcknowledger_Rule", "LoyaltyService_OrderCompleted_Rule",
            "LoyaltyService_TierUpgradeTrigger_Rule", "LoyaltyService_UserCreated_Rule"])

    def test_checked_for_another_environment_every_name_differs(self):
        facts = CloudFormationReader(GOOD, {"Env": ENV}).facts()
        lines = check.check_facts("sam", "prod", facts)
        self.assertIn('sam: table.name: flavour has "LoyaltyService-Points-ci", names.json says '
                      '"LoyaltyService-Points-prod"', lines)


class MutationsAreReported(unittest.TestCase):
    def test_a_queue_consumer_without_partial_batch_responses(self):
        template = mutated(lambda r: r["HandleUserCreatedFunctionQueue"]["Properties"].pop("FunctionResponseTypes"))
        self.assertEqual(problems_of(template), [
            "sam: eventSourceMappings[by function <- source].LoyaltyService-handle-user-created-ci <- "
            "arn:aws:sqs:us-east-1:123456789012:LoyaltyService-UserCreated-ci.functionResponseTypes: "
            'flavour has [], names.json says ["ReportBatchItemFailures"]'])

    def test_the_order_completed_rule_without_v2(self):
        def drop_v2(r):
            r["OrderCompletedRule"]["Properties"]["EventPattern"]["detail-type"] = ["orders.orderCompleted.v1"]
        self.assertEqual(problems_of(mutated(drop_v2)), [
            "sam: rules.LoyaltyService_OrderCompleted_Rule.pattern.detail-type: flavour has "
            '["orders.orderCompleted.v1"], names.json says ["orders.orderCompleted.v1", "orders.orderCompleted.v2"]'])

    def test_an_orchestrator_without_durable_configuration(self):
        template = mutated(lambda r: r["TierUpgradeOrchestratorFunction"]["Properties"].pop("DurableConfig"))
        self.assertEqual(problems_of(template), [
            "sam: functions.LoyaltyService-tier-upgrade-orchestrator-ci.durable: flavour has null, names.json says "
            '{"executionTimeout": 900, "retentionPeriodInDays": 14}'])

    def test_a_stream_mapping_without_its_filter(self):
        template = mutated(lambda r: r["HandleLoyaltyPointsUpdatedFunctionStream"]["Properties"].pop("FilterCriteria"))
        lines = problems_of(template)
        self.assertEqual(len(lines), 1)
        self.assertIn(".filters: flavour has [], names.json says "
                      '[{"dynamodb": {"NewImage": {"Type": {"S": ["LoyaltyAccount"]}}}}]', lines[0])

    def test_a_stream_mapping_without_its_failure_destination(self):
        template = mutated(lambda r: r["HandleLoyaltyPointsUpdatedFunctionStream"]["Properties"]
                           .pop("DestinationConfig"))
        lines = problems_of(template)
        self.assertEqual(len(lines), 1)
        self.assertIn(".onFailure: flavour has null, names.json says "
                      '"arn:aws:sqs:us-east-1:123456789012:LoyaltyService-LoyaltyPointsUpdatedFailureDLQ-ci"', lines[0])

    def test_a_wider_permission_than_names_json_grants(self):
        def widen(r):
            statements = r["TierUpgradeOrchestratorRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
            statements[1]["Action"] = ["events:*"]
        self.assertEqual(problems_of(mutated(widen)), [
            "sam: functions.LoyaltyService-tier-upgrade-orchestrator-ci.permissions: missing "
            '["events:PutEvents", "arn:aws:events:us-east-1:123456789012:event-bus/LoyaltyService-bus-ci"]',
            "sam: functions.LoyaltyService-tier-upgrade-orchestrator-ci.permissions: not in names.json: "
            '["events:*", "arn:aws:events:us-east-1:123456789012:event-bus/LoyaltyService-bus-ci"]'])

    def test_a_missing_environment_variable(self):
        template = mutated(lambda r: r["GetLoyaltyAccountFunction"]["Properties"]["Environment"]["Variables"]
                           .pop("TABLE_NAME"))
        self.assertEqual(problems_of(template), [
            "sam: functions.LoyaltyService-get-loyalty-account-ci.environment.TABLE_NAME: missing "
            '(names.json: "LoyaltyService-Points-ci")'])

    def test_a_dead_letter_queue_after_five_receives(self):
        def five(r):
            r["UserCreatedQueue"]["Properties"]["RedrivePolicy"]["maxReceiveCount"] = 5
        self.assertEqual(problems_of(mutated(five)), [
            "sam: queues.LoyaltyService-UserCreated-ci.maxReceiveCount: flavour has 5, names.json says 3"])

    def test_a_queue_eventbridge_may_not_write_to(self):
        template = mutated(lambda r: r.pop("UserCreatedQueuePolicy"))
        self.assertEqual(problems_of(template), [
            "sam: queuesWritableByEventBridge: missing "
            '"arn:aws:sqs:us-east-1:123456789012:LoyaltyService-UserCreated-ci"'])

    def test_a_route_without_cors_preflight(self):
        def no_options(r):
            r["ServerlessRestApi"]["Properties"]["Body"]["paths"]["/loyalty"].pop("options")
        self.assertEqual(problems_of(mutated(no_options)), ['sam: corsPreflightPaths: missing "/loyalty"'])

    def test_a_disabled_queue_mapping_and_a_disabled_rule(self):
        def disable(r):
            r["NotificationAcknowledgerFunctionQueue"]["Properties"]["Enabled"] = False
            r["UserCreatedRule"]["Properties"]["State"] = "DISABLED"
        self.assertEqual(problems_of(mutated(disable)), [
            "sam: eventSourceMappings[by function <- source].LoyaltyService-notification-acknowledger-ci <- "
            "arn:aws:sqs:us-east-1:123456789012:LoyaltyService-NotificationAcknowledger-ci.enabled: "
            "flavour has false, names.json says true",
            "sam: rules.LoyaltyService_UserCreated_Rule.enabled: flavour has false, names.json says true"])

    def test_an_extra_function(self):
        def extra(r):
            r["ExtraFunction"] = copy.deepcopy(r["GetLoyaltyAccountFunction"])
            r["ExtraFunction"]["Properties"]["FunctionName"] = "LoyaltyService-extra-ci"
        lines = problems_of(mutated(extra))
        self.assertEqual(len(lines), 1)
        self.assertTrue(lines[0].startswith("sam: functions.LoyaltyService-extra-ci: not in names.json"), lines[0])

    def test_an_unsupported_intrinsic_function_is_an_error_not_a_guess(self):
        def conditional(r):
            r["GetLoyaltyAccountFunction"]["Properties"]["Timeout"] = {"Fn::FindInMap": ["Sizes", "ci", "Timeout"]}
        with self.assertRaisesRegex(TemplateError, "unsupported intrinsic function Fn::FindInMap"):
            problems_of(mutated(conditional))

    def test_an_unknown_condition_is_an_error_not_a_guess(self):
        def conditional(r):
            r["GetLoyaltyAccountFunction"]["Properties"]["Timeout"] = {"Fn::If": ["IsProd", 29, 10]}
        with self.assertRaisesRegex(TemplateError, "unknown condition 'IsProd'"):
            problems_of(mutated(conditional))

    def test_the_command_line_exits_1_and_names_the_flavour(self):
        path = pathlib.Path(self.id().rsplit(".", 1)[-1] + ".json")
        tmp = INFRA / "build" / path
        tmp.parent.mkdir(exist_ok=True)
        template = mutated(lambda r: r["UserCreatedQueuePolicy"]["Properties"].update(Queues=[]))
        tmp.write_text(json.dumps(template), encoding="utf-8")
        try:
            rc = check.main(["cfn", "--flavour", "mutated-sam", "--env", ENV, "--template", str(tmp),
                             "--parameter", f"Env={ENV}"])
        finally:
            tmp.unlink()
        self.assertEqual(rc, 1)


class NamesJsonMistakes(unittest.TestCase):
    def test_an_unknown_reference_in_an_environment_value(self):
        renderer = Renderer(load_names(), {"env": ENV, "partition": "aws", "region": "r", "account": "1"})
        with self.assertRaisesRegex(NamesError, r"unknown reference \{tabel\}"):
            renderer.value("{tabel}")

    def test_an_unknown_function_in_a_permission(self):
        renderer = Renderer(load_names(), {"env": ENV, "partition": "aws", "region": "r", "account": "1"})
        with self.assertRaisesRegex(NamesError, "unknown function 'nope'"):
            renderer.resource_arn("function:nope", "tier-upgrade-trigger")


if __name__ == "__main__":
    unittest.main()


def _function_props(resources, logical):
    return resources[logical]["Properties"]


class DurableFunctionsAreNeverInvokedThroughLatest(unittest.TestCase):
    ORCH = "LoyaltyService-tier-upgrade-orchestrator-ci"
    ACTIVITY = "arn:aws:lambda:us-east-1:123456789012:function:LoyaltyService-fetch-order-history-activity-ci"

    def test_the_trigger_starting_the_orchestrator_through_latest(self):
        def change(r):
            _function_props(r, "TierUpgradeTriggerFunction")["Environment"]["Variables"][
                "ORCHESTRATOR_FUNCTION_NAME"] = {"Fn::Sub": "${TierUpgradeOrchestratorFunction.Arn}:$LATEST"}
        self.assertEqual(problems_of(mutated(change)), [
            "sam: functions.LoyaltyService-tier-upgrade-trigger-ci.environment.ORCHESTRATOR_FUNCTION_NAME: flavour "
            f'has "arn:aws:lambda:us-east-1:123456789012:function:{self.ORCH}:$LATEST", names.json says '
            f'"arn:aws:lambda:us-east-1:123456789012:function:{self.ORCH}:live"'])

    def test_the_orchestrator_without_its_alias(self):
        self.assertEqual(problems_of(mutated(lambda r: r.pop("TierUpgradeOrchestratorFunctionAliaslive"))), [
            f'sam: functions.{self.ORCH}.published.aliases.live: missing (names.json: "<version>")'])

    def test_an_alias_on_latest(self):
        def change(r):
            _function_props(r, "TierUpgradeOrchestratorFunctionAliaslive")["FunctionVersion"] = "$LATEST"
        self.assertEqual(problems_of(mutated(change)), [
            f'sam: functions.{self.ORCH}.published.aliases.live: flavour has "$LATEST", names.json says "<version>"'])

    def test_the_activity_without_a_published_version_invoked_through_latest(self):
        latest = {"Fn::Sub": "${FetchOrderHistoryActivityFunction.Arn}:$LATEST"}

        def change(r):
            version = next(k for k in r if k.startswith("FetchOrderHistoryActivityFunctionVersion"))
            r.pop(version)
            r.pop("FetchOrderHistoryActivityFunctionAliaslive")
            _function_props(r, "TierUpgradeOrchestratorFunction")["Environment"]["Variables"][
                "FETCH_ORDER_HISTORY_ACTIVITY_ARN"] = latest
            for statement in _function_props(r, "TierUpgradeOrchestratorRole")["Policies"][0]["PolicyDocument"][
                    "Statement"]:
                if statement["Action"] == ["lambda:InvokeFunction"]:
                    statement["Resource"] = [latest]
        activity = "LoyaltyService-fetch-order-history-activity-ci"
        self.assertEqual(problems_of(mutated(change)), [
            f'sam: functions.{activity}.published.aliases.live: missing (names.json: "<version>")',
            f"sam: functions.{activity}.published.versions: flavour has 0, names.json says 1",
            f"sam: functions.{self.ORCH}.environment.FETCH_ORDER_HISTORY_ACTIVITY_ARN: flavour has "
            f'"{self.ACTIVITY}:$LATEST", names.json says "{self.ACTIVITY}:<version>"',
            f'sam: functions.{self.ORCH}.permissions: missing ["lambda:InvokeFunction", "{self.ACTIVITY}:<version>"]',
            f'sam: functions.{self.ORCH}.permissions: not in names.json: ["lambda:InvokeFunction", '
            f'"{self.ACTIVITY}:$LATEST"]'])

    def test_the_activity_invoked_unqualified(self):
        def change(r):
            _function_props(r, "TierUpgradeOrchestratorFunction")["Environment"]["Variables"][
                "FETCH_ORDER_HISTORY_ACTIVITY_ARN"] = {"Fn::GetAtt": ["FetchOrderHistoryActivityFunction", "Arn"]}
            for statement in _function_props(r, "TierUpgradeOrchestratorRole")["Policies"][0]["PolicyDocument"][
                    "Statement"]:
                if statement["Action"] == ["lambda:InvokeFunction"]:
                    statement["Resource"] = [{"Fn::GetAtt": ["FetchOrderHistoryActivityFunction", "Arn"]}]
        self.assertEqual(problems_of(mutated(change)), [
            f"sam: functions.{self.ORCH}.environment.FETCH_ORDER_HISTORY_ACTIVITY_ARN: flavour has "
            f'"{self.ACTIVITY}", names.json says "{self.ACTIVITY}:<version>"',
            f'sam: functions.{self.ORCH}.permissions: missing ["lambda:InvokeFunction", "{self.ACTIVITY}:<version>"]',
            f'sam: functions.{self.ORCH}.permissions: not in names.json: ["lambda:InvokeFunction", '
            f'"{self.ACTIVITY}"]'])

    def test_names_json_itself_may_not_name_latest_or_the_unqualified_function(self):
        names = load_names()
        names["functions"]["tier-upgrade-trigger"]["environment"]["ORCHESTRATOR_FUNCTION_NAME"] = \
            "{function-arn:tier-upgrade-orchestrator}:$LATEST"
        with self.assertRaisesRegex(NamesError, "ORCHESTRATOR_FUNCTION_NAME names a durable or published"):
            check.expected_facts(ENV, names)
        names = load_names()
        names["functions"]["tier-upgrade-orchestrator"]["permissions"][3]["resources"] = [
            "function:fetch-order-history-activity"]
        with self.assertRaisesRegex(NamesError, "may invoke fetch-order-history-activity through"):
            check.expected_facts(ENV, names)


class IntegratedEnvironments(unittest.TestCase):
    """dev and prod read the shared secret and get every rule on the shared bus too; the others do not."""

    DEV = transform.transform(generate.template(load_names()), "dev")
    SHARED = "{{resolve:ssm:/dev/shared/event-bus-name}}"

    def problems(self, template, env="dev"):
        return check.check_facts("sam", env, CloudFormationReader(template, {"Env": env}).facts())

    def test_the_template_matches_names_json_for_dev_and_its_shared_rules_exist_only_there(self):
        self.assertEqual(self.problems(self.DEV), [])
        dev = CloudFormationReader(self.DEV, {"Env": "dev"}).facts()
        self.assertEqual(dev["rules"][f"LoyaltyService_UserCreated_Rule on {self.SHARED}"]["bus"], self.SHARED)
        self.assertEqual(len(dev["rules"]), 8)
        self.assertEqual(dev["functions"]["LoyaltyService-get-loyalty-account-dev"]["environment"][
            "JWT_SECRET_PARAM_NAME"], "/dev/shared/secret-access-key")
        ci = CloudFormationReader(GOOD, {"Env": ENV}).facts()
        self.assertEqual(len(ci["rules"]), 4)
        self.assertEqual(ci["functions"]["LoyaltyService-get-loyalty-account-ci"]["environment"][
            "JWT_SECRET_PARAM_NAME"], "/ci/LoyaltyService/secret-access-key")

    def test_a_shared_rule_left_out_is_reported(self):
        template = copy.deepcopy(self.DEV)
        template["Resources"].pop("SharedOrderCompletedRule")
        template["Resources"]["OrderCompletedQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"][0][
            "Condition"]["ArnEquals"]["aws:SourceArn"] = {"Fn::GetAtt": ["OrderCompletedRule", "Arn"]}
        lines = self.problems(template)
        self.assertEqual(len(lines), 1)
        self.assertTrue(lines[0].startswith(f"sam: rules.LoyaltyService_OrderCompleted_Rule on {self.SHARED}: "
                                            "missing"), lines)

    def test_a_condition_that_never_holds_is_reported_for_dev(self):
        template = copy.deepcopy(self.DEV)
        template["Conditions"]["IsIntegrated"] = {"Fn::Equals": [{"Ref": "Env"}, "never"]}
        lines = self.problems(template)
        self.assertIn("sam: functions.LoyaltyService-get-loyalty-account-dev.environment.JWT_SECRET_PARAM_NAME: "
                      'flavour has "/dev/LoyaltyService/secret-access-key", names.json says '
                      '"/dev/shared/secret-access-key"', lines)
        self.assertTrue(any(line.startswith("sam: rules.LoyaltyService_UserCreated_Rule on {{resolve:ssm:")
                            for line in lines), lines)

    def test_a_shared_rule_in_an_environment_that_owns_its_bus_is_reported(self):
        template = copy.deepcopy(GOOD)
        template["Conditions"]["IsIntegrated"] = {"Fn::Equals": ["1", "1"]}
        lines = problems_of(template)
        self.assertIn("sam: functions.LoyaltyService-get-loyalty-account-ci.environment.JWT_SECRET_PARAM_NAME: "
                      'flavour has "/ci/shared/secret-access-key", names.json says '
                      '"/ci/LoyaltyService/secret-access-key"', lines)
        self.assertTrue(any("rules.LoyaltyService_UserCreated_Rule on {{resolve:ssm:/ci/shared/event-bus-name}}: "
                            "not in names.json" in line for line in lines), lines)


class TheSsmContract(unittest.TestCase):
    """api-endpoint (no trailing slash) and table-name everywhere; event-bus-name and the secret outside dev/prod."""

    def test_the_parameters_written_for_ci_and_for_dev(self):
        ci = CloudFormationReader(GOOD, {"Env": ENV}).facts()["writtenParameters"]
        self.assertEqual(ci, {
            "/ci/LoyaltyService/api-endpoint": {"type": "String", "value": "<api url>"},
            "/ci/LoyaltyService/table-name": {"type": "String", "value": "LoyaltyService-Points-ci"},
            "/ci/LoyaltyService/event-bus-name": {"type": "String", "value": "LoyaltyService-bus-ci"},
            "/ci/LoyaltyService/event-bus-arn": {"type": "String",
                                                 "value": "arn:aws:events:us-east-1:123456789012:event-bus/"
                                                          "LoyaltyService-bus-ci"},
            "/ci/LoyaltyService/secret-access-key": {"type": "String", "value": "<parameter JwtSecret>"}})
        dev = CloudFormationReader(IntegratedEnvironments.DEV, {"Env": "dev"}).facts()["writtenParameters"]
        self.assertEqual(sorted(dev), ["/dev/LoyaltyService/api-endpoint", "/dev/LoyaltyService/table-name"])

    def test_an_api_endpoint_with_a_trailing_slash(self):
        def change(r):
            r["ApiendpointParameter"]["Properties"]["Value"]["Fn::Sub"] += "/"
        self.assertEqual(problems_of(mutated(change)), [
            'sam: writtenParameters./ci/LoyaltyService/api-endpoint.value: flavour has '
            '"https://ServerlessRestApi.execute-api.us-east-1.amazonaws.com/Prod/", names.json says "<api url>"'])

    def test_a_secret_written_as_secure_string_or_from_elsewhere(self):
        def change(r):
            r["JwtsecretParameter"]["Properties"]["Type"] = "SecureString"
            r["JwtsecretParameter"]["Properties"]["Value"] = "hard-coded"
        self.assertEqual(problems_of(mutated(change)), [
            'sam: writtenParameters./ci/LoyaltyService/secret-access-key.type: flavour has "SecureString", '
            'names.json says "String"',
            'sam: writtenParameters./ci/LoyaltyService/secret-access-key.value: flavour has "hard-coded", '
            'names.json says "<parameter JwtSecret>"'])

    def test_the_bus_name_not_written_outside_dev_and_prod(self):
        lines = problems_of(mutated(lambda r: r.pop("EventbusnameParameter")))
        self.assertEqual(lines, ['sam: writtenParameters./ci/LoyaltyService/event-bus-name: missing '
                                 '(names.json: {"type": "String", "value": "LoyaltyService-bus-ci"})'])

    def test_the_secret_written_in_an_integrated_environment(self):
        template = copy.deepcopy(IntegratedEnvironments.DEV)
        template["Resources"]["JwtsecretParameter"].pop("Condition")
        lines = check.check_facts("sam", "dev", CloudFormationReader(template, {"Env": "dev"}).facts())
        self.assertEqual(lines, ['sam: writtenParameters./dev/LoyaltyService/secret-access-key: not in names.json '
                                 '(flavour has {"type": "String", "value": "<parameter JwtSecret>"})'])


class DatadogWiring(unittest.TestCase):
    """The extension layer, the DD_* variables, OTLP to the extension's local receiver, the API key's secret."""

    FN = "LoyaltyService-get-loyalty-account-ci"

    def test_every_function_has_the_arm64_extension_and_exports_otlp_to_it(self):
        facts = CloudFormationReader(GOOD, {"Env": ENV}).facts()
        for fn in facts["functions"].values():
            self.assertEqual(fn["layers"], ["arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension-ARM:105"])
            self.assertEqual(fn["environment"]["OTEL_EXPORTER_OTLP_ENDPOINT"], "http://localhost:4318")
            self.assertEqual(fn["environment"]["DD_OTLP_CONFIG_RECEIVER_PROTOCOLS_HTTP_ENDPOINT"], "localhost:4318")
            self.assertEqual(fn["environment"]["DD_API_KEY_SECRET_ARN"], "<parameter DdApiKeySecretArn>")
            self.assertIn(["secretsmanager:GetSecretValue", "<parameter DdApiKeySecretArn>"],
                          [list(p) for p in fn["permissions"]])

    def test_a_function_without_the_layer(self):
        self.assertEqual(problems_of(mutated(lambda r: r["GetLoyaltyAccountFunction"]["Properties"].pop("Layers"))), [
            f"sam: functions.{self.FN}.layers: flavour has [], names.json says "
            '["arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension-ARM:105"]'])

    def test_otlp_sent_elsewhere_and_a_hard_coded_site(self):
        def change(r):
            variables = r["GetLoyaltyAccountFunction"]["Properties"]["Environment"]["Variables"]
            variables["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://collector:4318"
            variables["DD_SITE"] = "datadoghq.com"
        self.assertEqual(problems_of(mutated(change)), [
            f'sam: functions.{self.FN}.environment.DD_SITE: flavour has "datadoghq.com", names.json says '
            '"<parameter DdSite>"',
            f'sam: functions.{self.FN}.environment.OTEL_EXPORTER_OTLP_ENDPOINT: flavour has "http://collector:4318", '
            'names.json says "http://localhost:4318"'])
