#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The synthetic spec used by the benchmarks is valid at every size.

#[test]
fn synthetic_specs_of_one_to_five_hundred_steps_are_valid() {
    for steps in [1, 2, 11, 16, 500] {
        let source = workflow_spec::synthetic_spec(steps);
        let workflow =
            workflow_spec::load(&source, "synthetic.yaml").unwrap_or_else(|d| panic!("{d}"));
        assert_eq!(workflow.steps.len(), steps);
    }
}
