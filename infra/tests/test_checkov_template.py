"""checkov-template.sh, which runs checkov on one CloudFormation template: its result does not depend on the
directory the repository is cloned into. checkov's reader stores the path it is given in every mapping (`__file__`),
and CKV_AWS_45 tests that entry of a Lambda environment like a variable: an absolute path with 40 characters in a row
from [A-Za-z0-9/+=] reads as an AWS secret access key."""

import json
import os
import pathlib
import subprocess
import sys
import tempfile
import unittest

INFRA = pathlib.Path(__file__).resolve().parent.parent
# The interpreter running the tests is infra/.venv's, where checkov is installed.
VENV = sys.prefix

TEMPLATE = {
    "Resources": {
        "Fn": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Runtime": "provided.al2023",
                "Handler": "bootstrap",
                "Role": "arn:aws:iam::123456789012:role/fn",
                "Code": {"ZipFile": "placeholder"},
                "Environment": {"Variables": {"TABLE_NAME": "loyalty-accounts"}},
            },
        }
    }
}
# Only the secrets check matters here.
SKIPS = "CKV_AWS_115,CKV_AWS_116,CKV_AWS_117,CKV_AWS_173,CKV_AWS_272,CKV_AWS_50,CKV_AWS_363"


class CheckovTemplateTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        # `/` + 37 letters + `/x` is a run of exactly 40 such characters between two `-`.
        directory = pathlib.Path(self.tmp.name) / "a-" / ("k" * 37)
        directory.mkdir(parents=True)
        self.template = directory / "x-Service.template.json"
        self.template.write_text(json.dumps(TEMPLATE), encoding="utf-8")

    def run_checkov(self, *args, cwd=None):
        return subprocess.run(args, cwd=cwd, capture_output=True, text=True, env={**os.environ, "VENV": VENV})

    def test_the_path_alone_fails_checkov_when_given_absolute(self):
        """The control: checkov on the absolute path reports the path as a secret."""
        run = self.run_checkov(f"{VENV}/bin/checkov", "--config-file", str(INFRA / ".checkov.yaml"),
                               "-f", str(self.template), "--framework", "cloudformation", "--skip-check", SKIPS)
        self.assertEqual(run.returncode, 1, run.stdout + run.stderr)
        self.assertIn("CKV_AWS_45", run.stdout)

    def test_the_script_passes_wherever_the_template_is(self):
        run = self.run_checkov("bash", str(INFRA / "checkov-template.sh"), str(self.template), SKIPS)
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        self.assertIn("Failed checks: 0,", run.stdout)

    def test_the_script_names_a_real_finding_and_its_value(self):
        secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"  # AWS's documented example secret key
        template = json.loads(json.dumps(TEMPLATE))
        template["Resources"]["Fn"]["Properties"]["Environment"]["Variables"]["KEY"] = secret
        self.template.write_text(json.dumps(template), encoding="utf-8")
        run = self.run_checkov("bash", str(INFRA / "checkov-template.sh"), str(self.template), SKIPS)
        self.assertEqual(run.returncode, 1, run.stdout + run.stderr)
        self.assertIn(f"CKV_AWS_45 AWS::Lambda::Function.Fn: Properties/Environment/Variables/KEY = \"{secret}\"",
                      run.stdout)


if __name__ == "__main__":
    unittest.main()
