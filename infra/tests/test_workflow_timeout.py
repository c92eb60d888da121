"""names.json's execution timeout of a durable function generated from a workflow file is the file's `timeout:`."""

import copy
import pathlib
import sys
import tempfile
import unittest

INFRA = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(INFRA))

from checker import expected  # noqa: E402


class WorkflowTimeoutTest(unittest.TestCase):
    def test_the_tier_workflow_and_names_json_agree(self):
        names = expected.load_names()
        expected.check_workflow_timeouts(names)
        orchestrator = names["functions"]["tier-upgrade-orchestrator"]
        self.assertEqual(orchestrator["workflow"], "tier-upgrade.workflow.yaml")
        self.assertEqual(expected.workflow_timeout_seconds(expected.REPOSITORY / orchestrator["workflow"]), 900)

    def test_another_deployed_timeout_is_an_error_naming_both(self):
        names = copy.deepcopy(expected.load_names())
        names["functions"]["tier-upgrade-orchestrator"]["durable"]["executionTimeout"] = 600
        with self.assertRaises(expected.NamesError) as raised:
            expected.check_workflow_timeouts(names)
        self.assertEqual(
            str(raised.exception),
            "names.json: tier-upgrade-orchestrator.durable.executionTimeout is 600 s but tier-upgrade.workflow.yaml "
            "says `timeout:` 900 s: change one of them")

    def test_a_workflow_without_timeout_or_with_a_bad_one_is_an_error(self):
        names = copy.deepcopy(expected.load_names())
        with tempfile.TemporaryDirectory() as root:
            path = pathlib.Path(root) / "tier-upgrade.workflow.yaml"
            path.write_text("workflow: tier-upgrade\nsteps: []\n", encoding="utf-8")
            with self.assertRaises(expected.NamesError) as raised:
                expected.check_workflow_timeouts(names, root=pathlib.Path(root))
            self.assertIn("no `timeout:`", str(raised.exception))
            path.write_text("workflow: tier-upgrade\ntimeout: 1500ms\n", encoding="utf-8")
            with self.assertRaises(expected.NamesError) as raised:
                expected.check_workflow_timeouts(names, root=pathlib.Path(root))
            self.assertIn("is not a whole number of s, m or h", str(raised.exception))
            path.write_text("workflow: tier-upgrade\ntimeout: 15m\n", encoding="utf-8")
            expected.check_workflow_timeouts(names, root=pathlib.Path(root))


if __name__ == "__main__":
    unittest.main()
