"""The names checker on Terraform: the evaluated names module matches names.json, the root module's wiring is read,
and each mutation (of the wiring or of what Terraform evaluated) is reported by name.

Needs the terraform binary of infra/.venv (installed by make infra-check); the names module needs no provider.
"""

import contextlib
import copy
import io
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import unittest

INFRA = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(INFRA))

import check  # noqa: E402
from checker import hcl  # noqa: E402
from checker.terraform import TerraformReader, normalise  # noqa: E402

ENV = "ci"
TERRAFORM = pathlib.Path(sys.executable).parent / "terraform"


def evaluate_names_module():
    """`terraform output -json` of the names module for ENV, as a dict."""
    if not TERRAFORM.exists():
        raise RuntimeError(f"{TERRAFORM} is missing: run make infra-check, which installs it into infra/.venv")
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "TF_DATA_DIR": f"{tmp}/.terraform", "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1"}
        chdir = f"-chdir={INFRA / 'terraform' / 'names'}"
        subprocess.run([TERRAFORM, chdir, "init", "-input=false", "-backend=false"], env=env, check=True,
                       capture_output=True)
        subprocess.run([TERRAFORM, chdir, "apply", "-input=false", "-auto-approve", f"-state={tmp}/s.tfstate",
                        "-var", f"env={ENV}"], env=env, check=True, capture_output=True)
        out = subprocess.run([TERRAFORM, chdir, "output", f"-state={tmp}/s.tfstate", "-json"], env=env, check=True,
                             capture_output=True, text=True)
    return json.loads(out.stdout)


OUTPUT = evaluate_names_module()


def problems_of(directory, output):
    reader = TerraformReader(directory, output)
    return reader.wiring_problems() + check.check_facts("terraform", ENV, reader.facts())


class WithACopyOfTheRootModule(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = pathlib.Path(self.tmp.name)
        for tf in (INFRA / "terraform").glob("*.tf"):
            shutil.copy(tf, self.dir / tf.name)

    def tearDown(self):
        self.tmp.cleanup()

    def edit(self, file, old, new):
        path = self.dir / file
        text = path.read_text(encoding="utf-8")
        self.assertIn(old, text)
        path.write_text(text.replace(old, new), encoding="utf-8")

    def test_the_terraform_flavour_matches_names_json(self):
        self.assertEqual(problems_of(self.dir, OUTPUT), [])

    def test_a_queue_mapping_without_partial_batch_responses_in_the_wiring(self):
        self.edit("functions.tf", "  function_response_types = each.value.function_response_types\n}", "}")
        self.assertEqual(problems_of(self.dir, OUTPUT), [
            "resource.aws_lambda_event_source_mapping.sqs.function_response_types: missing "
            "(expected 'each.value.function_response_types')"])

    def test_a_durable_config_that_never_applies(self):
        self.edit("functions.tf", "for_each = each.value.durable == null ? [] : [each.value.durable]", "for_each = []")
        self.assertEqual(problems_of(self.dir, OUTPUT), [
            "resource.aws_lambda_function.fn.dynamic.durable_config.for_each: is '[]', expected "
            "'each.value.durable == null ? [] : [each.value.durable]'",
            "resource.aws_lambda_function.pinned.dynamic.durable_config.for_each: is '[]', expected "
            "'each.value.durable == null ? [] : [each.value.durable]'"])

    def test_the_pinned_activity_not_published(self):
        self.edit("functions.tf", "  publish          = true\n", "")
        self.assertEqual(problems_of(self.dir, OUTPUT), [
            "resource.aws_lambda_function.pinned.publish: missing (expected 'true')"])

    def test_a_function_deploying_another_zip_than_its_package(self):
        self.edit("functions.tf", '''  filename         = "${var.artifacts_dir}/${each.value.binary}/bootstrap.zip"
  source_code_hash = filebase64sha256("${var.artifacts_dir}/${each.value.binary}/bootstrap.zip")
  publish          = true''', '''  filename         = "placeholder.zip"
  source_code_hash = filebase64sha256("${var.artifacts_dir}/${each.value.binary}/bootstrap.zip")
  publish          = true''')
        problems = problems_of(self.dir, OUTPUT)
        self.assertEqual(len(problems), 1, problems)
        self.assertTrue(problems[0].startswith("resource.aws_lambda_function.pinned.filename: is"), problems)

    def test_the_orchestrator_given_the_unqualified_activity(self):
        self.edit("functions.tf", "name => lookup(local.substitutions, value, value)", "name => value")
        self.assertEqual(problems_of(self.dir, OUTPUT), [
            "resource.aws_lambda_function.fn.environment.variables: is "
            "'{for name, value in each.value.environment : name => value}', expected "
            "'{for name, value in each.value.environment : name => lookup(local.substitutions, value, value)}'"])

    def test_shared_rules_on_the_service_bus(self):
        self.edit("queues.tf", "  event_bus_name = data.aws_ssm_parameter.shared_bus[0].insecure_value",
                  "  event_bus_name = aws_cloudwatch_event_bus.bus.name")
        self.assertEqual(problems_of(self.dir, OUTPUT), [
            "resource.aws_cloudwatch_event_rule.shared.event_bus_name: is 'aws_cloudwatch_event_bus.bus.name', "
            "expected 'data.aws_ssm_parameter.shared_bus[0].insecure_value'"])

    def test_an_api_endpoint_with_its_trailing_slash(self):
        self.edit("storage.tf", 'trimsuffix(aws_api_gateway_stage.env.invoke_url, "/")',
                  "aws_api_gateway_stage.env.invoke_url")
        lines = problems_of(self.dir, OUTPUT)
        self.assertEqual(len(lines), 1)
        self.assertTrue(lines[0].startswith("locals.written_values: is "), lines)

    def test_a_site_not_from_its_variable(self):
        self.edit("functions.tf", '"{deploy-parameter:DdSite}"            = var.dd_site',
                  '"{deploy-parameter:DdSite}"            = "datadoghq.com"')
        lines = problems_of(self.dir, OUTPUT)
        self.assertEqual(len(lines), 1)
        self.assertTrue(lines[0].startswith("locals.deploy_parameters: is "), lines)

    def test_a_hard_coded_batch_size(self):
        self.edit("functions.tf", "  batch_size                     = each.value.batch_size",
                  "  batch_size                     = 100")
        self.assertEqual(problems_of(self.dir, OUTPUT), [
            "resource.aws_lambda_event_source_mapping.stream.batch_size: is '100', expected 'each.value.batch_size'"])

    def test_a_stream_mapping_without_its_filter_block(self):
        self.edit("functions.tf", "  filter_criteria {\n    filter {\n      pattern = each.value.filter_pattern\n"
                                  "    }\n  }\n", "")
        self.assertEqual(problems_of(self.dir, OUTPUT), [
            "resource.aws_lambda_event_source_mapping.stream.filter_criteria.filter.pattern: expected one such "
            "block, found 0"])

    def test_a_disabled_stream_mapping(self):
        self.edit("functions.tf", "  function_response_types        = each.value.function_response_types\n",
                  "  function_response_types        = each.value.function_response_types\n  enabled = false\n")
        self.assertEqual(problems_of(self.dir, OUTPUT), [
            "resource.aws_lambda_event_source_mapping.stream.enabled: is 'false', expected 'true' or absent"])

    def test_what_terraform_evaluated_is_compared_too(self):
        output = copy.deepcopy(OUTPUT)
        output["rules"]["value"]["order-completed"]["pattern"]["detail-type"] = ["orders.orderCompleted.v1"]
        self.assertEqual(problems_of(self.dir, output), [
            "terraform: rules.LoyaltyService_OrderCompleted_Rule.pattern.detail-type: flavour has "
            '["orders.orderCompleted.v1"], names.json says ["orders.orderCompleted.v1", "orders.orderCompleted.v2"]'])

    def test_an_evaluated_permission_too_many(self):
        output = copy.deepcopy(OUTPUT)
        output["functions"]["value"]["get-loyalty-account"]["statements"][0]["Action"].append("dynamodb:Scan")
        self.assertEqual(problems_of(self.dir, output), [
            "terraform: functions.LoyaltyService-get-loyalty-account-ci.permissions: not in names.json: "
            '["dynamodb:Scan", "arn:aws:dynamodb:us-east-1:123456789012:table/LoyaltyService-Points-ci"]'])


    def test_a_file_that_cannot_be_parsed_is_named_with_the_reason(self):
        self.edit("queues.tf", "  name                       = each.value.dlq\n",
                  "  name                       = each.value.dlq)\n")
        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr):
            code = check.main(["terraform", "--env", ENV, "--dir", str(self.dir), "--names-output",
                               str(self.names_output())])
        self.assertEqual(code, 1)
        self.assertRegex(stderr.getvalue(), r"^terraform: cannot read the output: .*/queues\.tf:3:46: unexpected '\)'$")

    def test_an_attribute_set_twice_in_a_file_is_reported(self):
        self.edit("storage.tf", "  stream_enabled   = true\n",
                  "  stream_enabled   = true\n  stream_enabled   = false\n")
        with self.assertRaisesRegex(hcl.HclError, r"/storage\.tf:10: attribute stream_enabled set twice$"):
            problems_of(self.dir, OUTPUT)

    def names_output(self):
        path = self.dir / "names-output.json"
        path.write_text(json.dumps(OUTPUT), encoding="utf-8")
        return path


class TheHclReader(unittest.TestCase):
    def test_it_keeps_attributes_of_nested_and_dynamic_blocks(self):
        root = hcl.parse('resource "a" "b" {\n  x = 1 # one\n  dynamic "d" {\n    for_each = [ 1,\n 2 ]\n'
                         '    content { y = "s ${var.z}" }\n  }\n}\n')
        block = root.children("resource", "a", "b")[0]
        self.assertEqual(block.attributes, {"x": "1"})
        dynamic = block.children("dynamic", "d")[0]
        self.assertEqual(dynamic.attributes, {"for_each": "[1, 2]"})
        self.assertEqual(dynamic.children("content")[0].attributes, {"y": '"s ${var.z}"'})

    def test_blocks_are_kept_apart_with_their_labels_unquoted(self):
        # python-hcl2 gives each block type as a list, each label as one more (quoted) level of nesting.
        root = hcl.parse('resource "a" "b" {\n  e { v = 1 }\n  e { v = 2 }\n}\nresource "a" "c" {}\n'
                         'locals {\n  l = 1\n}\nprovider aws {}\n')
        self.assertEqual([(b.kind, b.labels) for b in root.blocks],
                         [("resource", ["a", "b"]), ("resource", ["a", "c"]), ("locals", []), ("provider", ["aws"])])
        self.assertEqual([e.attributes for e in root.children("resource", "a", "b")[0].children("e")],
                         [{"v": "1"}, {"v": "2"}])
        self.assertEqual(root.children("resource", "a", "c")[0].attributes, {})
        self.assertEqual(len(root.children("resource", "a")), 2)

    def test_each_value_is_the_text_of_its_expression(self):
        # python-hcl2 wraps an expression in ${...}, keeps a string's quotes, and gives other literals as Python
        # values; the reader keeps the text of each, without the ${...}.
        root = hcl.parse('t = true\nf = false\nn = null\ni = 42\nr = 1.5\ns = "./names"\nref = var.env\n'
                         'one = x\ntpl = "${var.a}-${var.b}"\nlist = [ each.value.a ]\n'
                         'obj = { A = "1"\n B = x }\ncall = jsonencode( { k = [ 1 ] } )\n'
                         'cond = a==null?[]:[a]\n')
        self.assertEqual(root.attributes, {
            "t": "true", "f": "false", "n": "null", "i": "42", "r": "1.5", "s": '"./names"', "ref": "var.env",
            "one": "x", "tpl": '"${var.a}-${var.b}"', "list": "[each.value.a]", "obj": '{A = "1", B = x}',
            "call": "jsonencode({k = [1]})", "cond": "a == null ? [] : [a]"})

    def test_the_expected_expression_is_normalised_the_same_way(self):
        self.assertEqual(normalise("[ each.value.architecture ]"), "[each.value.architecture]")
        self.assertEqual(normalise('"OPTIONS"'), '"OPTIONS"')
        self.assertEqual(normalise("each.value.durable==null ? [] : [each.value.durable]"),
                         hcl.parse("x = each.value.durable == null ? [] : [\n each.value.durable\n]\n").attributes["x"])
        self.assertNotEqual(normalise('"OPTIONS"'), normalise("OPTIONS"))

    def test_comments_are_not_part_of_a_value(self):
        root = hcl.parse("# a file comment\nx = 1 # one\n/* block */\ny = [1, // inline\n 2]\n")
        self.assertEqual(root.attributes, {"x": "1", "y": "[1, 2]"})

    def test_an_unclosed_block_names_the_file_and_line(self):
        with self.assertRaisesRegex(hcl.HclError, r"^main\.tf:3:1: unexpected end of file, expected RBRACE$"):
            hcl.parse('resource "a" "b" {\n  x = 1\n', "main.tf")

    def test_an_unclosed_string_names_the_file_and_line(self):
        with self.assertRaisesRegex(hcl.HclError, r"^main\.tf:2:\d+: unexpected "):
            hcl.parse('a {\n  b = "x\n}\n', "main.tf")

    def test_an_attribute_set_twice_is_an_error(self):
        with self.assertRaisesRegex(hcl.HclError, r"^t\.tf:2: attribute x set twice$"):
            hcl.parse("x = 1\nx = 2\n", "t.tf")

    def test_the_same_name_in_two_blocks_is_not_an_error(self):
        root = hcl.parse("a {\n  x = 1\n}\nb {\n  x = 2\n}\nx = 3\n", "t.tf")
        self.assertEqual([b.attributes for b in root.blocks] + [root.attributes], [{"x": "1"}, {"x": "2"}, {"x": "3"}])


if __name__ == "__main__":
    unittest.main()
