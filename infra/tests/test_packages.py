"""The Lambda packages check (`check.py packages`, checker/packages.py) on zips made here: nine right packages pass with
their sizes; a missing zip, an x86_64 or non-ELF bootstrap, a second entry, a bootstrap without its executable bit and
one too large for Lambda are each reported; a CDK or SST asset or a Serverless artifact other than the package is
reported."""

import contextlib
import io
import json
import pathlib
import sys
import tempfile
import unittest
import zipfile
from unittest import mock

INFRA = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(INFRA))

import check  # noqa: E402
from checker import packages  # noqa: E402

NAMES = json.loads((INFRA / "names.json").read_text(encoding="utf-8"))
BINARIES = [fn["binary"] for fn in NAMES["functions"].values()]


def elf(machine: int, body: bytes = b"") -> bytes:
    """A 64-bit little-endian ELF header for `machine` (the fields the check reads), padded to 64 bytes."""
    head = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9) + (2).to_bytes(2, "little") + machine.to_bytes(2, "little")
    return head + bytes(64 - len(head)) + body


def write_package(directory: pathlib.Path, binary: str, content: bytes, mode: int = 0o755, extra: bool = False):
    (directory / binary).mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(directory / binary / "bootstrap.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo("bootstrap")
        info.external_attr = (0o100000 | mode) << 16
        archive.writestr(info, content)
        if extra:
            archive.writestr("README", b"not code")


class PackagesCheck(unittest.TestCase):
    def setUp(self):
        self.dir = pathlib.Path(self.enterContext(tempfile.TemporaryDirectory()))
        for i, binary in enumerate(BINARIES):
            write_package(self.dir, binary, elf(183, bytes([i]) * 1000))

    def problems(self):
        return packages.check_packages(self.dir, NAMES)[1]

    def test_nine_arm64_packages_pass_with_their_sizes(self):
        rows, problems = packages.check_packages(self.dir, NAMES)
        self.assertEqual(problems, [])
        self.assertEqual([binary for binary, _ in rows], BINARIES)
        self.assertTrue(all(sizes["unzipped"] == 1064 for _, sizes in rows))
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            self.assertEqual(check.main(["packages", "--dir", str(self.dir)]), 0)
        self.assertIn("packages: 9 arm64 bootstrap zips", out.getvalue())
        self.assertIn("get-loyalty-account", out.getvalue())

    def test_each_defect_is_reported_naming_the_package(self):
        cases = [
            ("missing", lambda p: (p / "bootstrap.zip").unlink(), "missing (run `make package`)"),
            ("x86_64", lambda p: write_package(self.dir, p.name, elf(62)), "bootstrap is x86_64, not arm64"),
            ("a script", lambda p: write_package(self.dir, p.name, b"#!/bin/sh\nexit 1\n"), "not an ELF program"),
            ("two entries", lambda p: write_package(self.dir, p.name, elf(183), extra=True), "expected exactly"),
            ("not executable", lambda p: write_package(self.dir, p.name, elf(183), mode=0o644), "not executable"),
            ("not a zip", lambda p: (p / "bootstrap.zip").write_bytes(b"nonsense"), "not a zip archive"),
        ]
        for name, damage, message in cases:
            with self.subTest(name):
                self.setUp()
                damage(self.dir / "handle-order-completed")
                problems = self.problems()
                self.assertEqual(len(problems), 1, problems)
                self.assertIn("handle-order-completed", problems[0])
                self.assertIn(message, problems[0])

    def test_a_bootstrap_leaving_no_room_for_the_datadog_layer_is_refused(self):
        with mock.patch.object(packages, "MAX_UNZIPPED", packages.LAYER_ALLOWANCE + 1000):
            problems = self.problems()
        self.assertEqual(len(problems), 9)
        self.assertIn("250 MiB unzipped limit", problems[0])

    def test_a_cdk_asset_must_be_the_package_byte_for_byte(self):
        cdk_out = self.dir / "cdk.out"
        cdk_out.mkdir()
        functions = []
        for binary in BINARIES:
            key = f"{binary}-hash.zip"
            (cdk_out / f"asset.{key}").write_bytes((self.dir / binary / "bootstrap.zip").read_bytes())
            name = f"LoyaltyService-{binary}-ci"
            functions.append((name, {"S3Bucket": "b", "S3Key": key}))
        self.assertEqual(packages.cdk_assets(functions, cdk_out, packages.digests(self.dir, NAMES), NAMES, "ci"), [])
        (cdk_out / "asset.spend-loyalty-points-hash.zip").write_bytes(b"PK other")
        problems = packages.cdk_assets(functions[1:], cdk_out, packages.digests(self.dir, NAMES), NAMES, "ci")
        self.assertEqual(len(problems), 2, problems)
        self.assertIn("is not the package spend-loyalty-points/bootstrap.zip", problems[0])
        self.assertIn("no function deploys the package get-loyalty-account", problems[1])

    def test_an_sst_build_is_read_through_its_manifest_and_checked_like_cdk(self):
        assembly = self.dir / "sst" / "ci"
        assembly.mkdir(parents=True)
        functions = []
        for binary in BINARIES:
            key = f"{binary}-hash.zip"
            (assembly / f"asset.{key}").write_bytes((self.dir / binary / "bootstrap.zip").read_bytes())
            functions.append((f"LoyaltyService-{binary}-ci", {"S3Bucket": "b", "S3Key": key}))
        template = {"Resources": {
            f"F{i}": {"Type": "AWS::Lambda::Function", "Properties": {"FunctionName": name, "Code": code}}
            for i, (name, code) in enumerate(functions)
        }}
        (assembly / "ci-loyalty-service-Service.template.json").write_text(json.dumps(template))
        manifest = {"artifacts": {
            "ci-loyalty-service-Service.assets": {"type": "cdk:asset-manifest", "properties": {"file": "x.json"}},
            "ci-loyalty-service-Service": {"type": "aws:cloudformation:stack", "properties": {
                "templateFile": "ci-loyalty-service-Service.template.json", "stackName": "LoyaltyService-ci"}},
        }}
        (assembly / "manifest.json").write_text(json.dumps(manifest))
        self.assertEqual(packages.assembly_template(assembly, "LoyaltyService-ci"),
                         assembly / "ci-loyalty-service-Service.template.json")
        with self.assertRaisesRegex(ValueError, "has no stack named LoyaltyService-dev"):
            packages.assembly_template(assembly, "LoyaltyService-dev")
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            status = check.main(["packages", "--dir", str(self.dir), "--env", "ci", "--sst-out", str(self.dir / "sst")])
        self.assertEqual(status, 0)
        self.assertIn("SST assets are these zips (ci)", out.getvalue())
        (assembly / "asset.spend-loyalty-points-hash.zip").write_bytes(b"PK other")
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            status = check.main(["packages", "--dir", str(self.dir), "--env", "ci", "--sst-out", str(self.dir / "sst")])
        self.assertEqual(status, 1)
        self.assertIn("sst: LoyaltyService-spend-loyalty-points-ci: asset asset.spend-loyalty-points-hash.zip is not "
                      "the package spend-loyalty-points/bootstrap.zip", err.getvalue())

    def test_a_serverless_artifact_must_be_one_of_the_packages(self):
        package = self.dir / "sls" / "ci"
        package.mkdir(parents=True)
        functions = {binary: {"package": {"artifact": str(self.dir / binary / "bootstrap.zip")}} for binary in BINARIES}
        state = package / "serverless-state.json"
        state.write_text(json.dumps({"service": {"functions": functions}}))
        self.assertEqual(packages.serverless_artifacts(package, packages.digests(self.dir, NAMES), NAMES), [])
        stray = self.dir / "stray.zip"
        stray.write_bytes(b"PK stray")
        functions["notification-acknowledger"]["package"]["artifact"] = str(stray)
        state.write_text(json.dumps({"service": {"functions": functions}}))
        problems = packages.serverless_artifacts(package, packages.digests(self.dir, NAMES), NAMES)
        self.assertEqual(len(problems), 2, problems)
        self.assertIn("is not one of the packages", problems[0])
        self.assertIn("no function deploys the package notification-acknowledger", problems[1])


if __name__ == "__main__":
    unittest.main()
