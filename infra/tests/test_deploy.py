"""The deploy and destroy shortcuts (`infra/deploy.py`, `make sam`, `make cdk-deploy`, `make sst-deploy`, ...), as dry
runs: each target resolves to its flavour's commands with the right parameters, and a missing or malformed input is an
error before any tool runs. A real run needs an AWS account."""

import json
import os
import pathlib
import subprocess
import sys
import tempfile
import unittest

INFRA = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(INFRA))

import deploy  # noqa: E402

ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:dd-api-key-AbCdEf"
BASE = {
    "ENV": "ci",
    "AWS_REGION": "eu-west-1",
    "DD_API_KEY_SECRET_ARN": ARN,
    "DD_SITE": "datadoghq.eu",
    "DD_VERSION": "1.2.3",
    "JWT_SECRET": "s3cret",
}
PACKAGES = tempfile.TemporaryDirectory()


def setUpModule():
    """A directory with every function's bootstrap.zip (contents do not matter to the plans)."""
    names = json.loads((INFRA / "names.json").read_text(encoding="utf-8"))
    for fn in names["functions"].values():
        (pathlib.Path(PACKAGES.name) / fn["binary"]).mkdir()
        (pathlib.Path(PACKAGES.name) / fn["binary"] / "bootstrap.zip").write_bytes(b"PK")
    BASE["LAMBDA_PACKAGE_DIR"] = PACKAGES.name


def tearDownModule():
    PACKAGES.cleanup()


def commands(target, **changes):
    environ = {**BASE, **changes}
    environ = {k: v for k, v in environ.items() if v is not None}
    return [step.render() for step in deploy.plan(target, environ)]


class DeployPlans(unittest.TestCase):
    def test_sam_builds_then_deploys_the_stack_of_the_environment_with_every_parameter(self):
        build, deploy_step = commands("sam")
        self.assertEqual(build, "(cd infra/sam && sam build --beta-features)")
        for part in (
            "sam deploy --stack-name LoyaltyService-ci --region eu-west-1",
            "--capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND",
            "--parameter-overrides Env=ci JwtSecret=s3cret",
            f"DdApiKeySecretArn={ARN} DdSite=datadoghq.eu DdVersion=1.2.3",
        ):
            self.assertIn(part, deploy_step)
        self.assertEqual(
            commands("sam-destroy", DD_SITE=None, JWT_SECRET=None),
            ["(cd infra/sam && sam delete --stack-name LoyaltyService-ci --region eu-west-1 --no-prompts)"],
        )

    def test_cdk_compiles_then_deploys_with_its_parameters_in_the_region(self):
        steps = commands("cdk-deploy")
        self.assertEqual(steps[:2], ["(cd infra/. && npm ci)", "(cd infra/. && npx tsc -p cdk)"])
        self.assertTrue(steps[2].startswith("(cd infra/cdk && AWS_REGION=eu-west-1 npx cdk deploy -c env=ci"), steps[2])
        for parameter in ("JwtSecret=s3cret", f"DdApiKeySecretArn={ARN}", "DdSite=datadoghq.eu", "DdVersion=1.2.3"):
            self.assertIn(f"--parameters {parameter}", steps[2])
        self.assertIn("npx cdk destroy -c env=ci --force", commands("cdk-destroy")[-1])

    def test_terraform_applies_and_destroys_with_its_variables(self):
        init, apply = commands("tf-apply")
        self.assertEqual(init, "(cd infra/terraform && terraform init -input=false)")
        self.assertIn("terraform apply -input=false -auto-approve -var env=ci -var region=eu-west-1", apply)
        for variable in (f"dd_api_key_secret_arn={ARN}", "dd_site=datadoghq.eu", "dd_version=1.2.3", "jwt_secret=s3cret"):
            self.assertIn(f"-var {variable}", apply)
        destroy = commands("tf-destroy", DD_API_KEY_SECRET_ARN=None, DD_SITE=None, JWT_SECRET=None)[-1]
        self.assertIn("terraform destroy -input=false -auto-approve -var env=ci -var region=eu-west-1", destroy)
        local = commands("tf-apply-local", AWS_ENDPOINT_URL="http://127.0.0.1:5055")[-1]
        self.assertTrue(local.startswith("(cd infra/terraform && AWS_ENDPOINT_URL=http://127.0.0.1:5055 terraform apply"))

    def test_sst_deploys_and_removes_the_stage_with_its_inputs_in_the_environment(self):
        install, deploy_step = commands("sst-deploy")
        self.assertEqual(install, "(cd infra/sst && npm ci)")
        self.assertTrue(deploy_step.startswith("(cd infra/sst && AWS_REGION=eu-west-1 SST_TELEMETRY_DISABLED=1 "),
                        deploy_step)
        self.assertTrue(deploy_step.endswith(" node_modules/.bin/sst deploy --stage ci --region eu-west-1)"),
                        deploy_step)
        for variable in (f"DD_API_KEY_SECRET_ARN={ARN}", "DD_SITE=datadoghq.eu", "DD_VERSION=1.2.3",
                         "JWT_SECRET=s3cret"):
            self.assertIn(f" {variable} ", deploy_step)
        self.assertNotIn("JWT_SECRET", commands("sst-deploy", ENV="prod", JWT_SECRET=None)[-1])
        remove = commands("sst-remove", DD_API_KEY_SECRET_ARN=None, DD_SITE=None, JWT_SECRET=None,
                          LAMBDA_PACKAGE_DIR=None)[-1]
        self.assertEqual(
            remove,
            "(cd infra/sst && AWS_REGION=eu-west-1 SST_TELEMETRY_DISABLED=1 node_modules/.bin/sst remove --stage ci "
            "--region eu-west-1)",
        )

    def test_serverless_deploys_and_removes_the_stage(self):
        steps = commands("sls-deploy")
        self.assertIn("serverless deploy --stage ci --region eu-west-1 --param=artifactsDir=", steps[-1])
        self.assertIn("--param=jwtSecret=s3cret", steps[-1])
        self.assertIn("serverless remove --stage ci --region eu-west-1", commands("sls-remove")[-1])

    def test_the_flavours_that_upload_packages_get_the_package_directory(self):
        directory = str(pathlib.Path(PACKAGES.name).resolve())
        self.assertIn(f"-c assetsDir={directory}", commands("cdk-deploy")[-1])
        self.assertIn(f"LAMBDA_PACKAGE_DIR={directory} ", commands("sst-deploy")[-1])
        self.assertIn(f"--param=artifactsDir={directory}", commands("sls-deploy")[-1])
        self.assertIn(f"-var artifacts_dir={directory}", commands("tf-apply")[-1])
        # Removing a stack needs no package.
        self.assertNotIn("artifacts", commands("sls-remove", LAMBDA_PACKAGE_DIR=None)[-1])

    def test_integrated_environments_need_no_secret_of_their_own(self):
        apply = commands("tf-apply", ENV="dev", JWT_SECRET=None)[-1]
        self.assertNotIn("jwt_secret", apply)

    def test_a_missing_or_malformed_input_is_an_error_naming_it(self):
        cases = [
            ("sam", {"ENV": None}, "ENV is required"),
            ("cdk-deploy", {"AWS_REGION": None}, "AWS_REGION is required"),
            ("tf-apply", {"DD_API_KEY_SECRET_ARN": None}, "DD_API_KEY_SECRET_ARN is required"),
            ("tf-apply", {"DD_API_KEY_SECRET_ARN": "my-key"}, "is not a Secrets Manager secret ARN"),
            ("sls-deploy", {"DD_SITE": ""}, "DD_SITE is required"),
            ("sst-deploy", {"JWT_SECRET": None}, "JWT_SECRET is required"),
            ("sst-deploy", {"LAMBDA_PACKAGE_DIR": "/nonexistent"}, "lacks the packages of get-loyalty-account"),
            ("sam", {"JWT_SECRET": None}, "JWT_SECRET is required"),
            ("sam", {"ENV": "Not_Valid"}, "is not a valid environment name"),
            ("cdk-deploy", {"AWS_REGION": "mars"}, "is not an AWS region"),
            ("tf-apply-local", {}, "AWS_ENDPOINT_URL must name a local endpoint"),
            ("tf-apply-local", {"AWS_ENDPOINT_URL": "https://lambda.eu-west-1.amazonaws.com"}, "local endpoint"),
            ("cdk-deploy", {"LAMBDA_PACKAGE_DIR": None}, "LAMBDA_PACKAGE_DIR is required"),
            ("tf-apply", {"LAMBDA_PACKAGE_DIR": "/nonexistent"}, "lacks the packages of get-loyalty-account"),
            ("nope", {}, "unknown target"),
        ]
        for target, changes, message in cases:
            with self.subTest(target=target, changes=changes):
                with self.assertRaises(deploy.InputError) as raised:
                    commands(target, **changes)
                self.assertIn(message, str(raised.exception))

    def test_make_resolves_each_target_to_the_dry_run_and_stops_on_a_missing_input(self):
        repo = INFRA.parent
        environ = {**os.environ, **BASE, "DRY_RUN": "1"}
        for target in deploy.TARGETS:
            env = dict(environ)
            if target == "tf-apply-local":
                env["AWS_ENDPOINT_URL"] = "http://127.0.0.1:5055"
            with self.subTest(target=target):
                run = subprocess.run(["make", "-s", target], cwd=repo, env=env, capture_output=True, text=True)
                self.assertEqual(run.returncode, 0, run.stderr)
                self.assertEqual(run.stdout.splitlines(), commands(target, AWS_ENDPOINT_URL=env.get("AWS_ENDPOINT_URL")))
        missing = {k: v for k, v in environ.items() if k != "ENV"}
        run = subprocess.run(["make", "-s", "cdk-deploy"], cwd=repo, env=missing, capture_output=True, text=True)
        self.assertNotEqual(run.returncode, 0)
        self.assertIn("ENV is required", run.stderr)
        self.assertEqual(run.stdout, "", "a command ran or was printed before the input check")


if __name__ == "__main__":
    unittest.main()
