#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The flow check against an oracle: for random small workflows with reads and forward/backward gotos, `load`
//! accepts a read exactly when every path through the workflow completes the read step before the reader
//! (paths enumerated one by one, independently of the validator's data-flow analysis). Every third step is a `poll`
//! instead of a `task`: it reads, is read and catches into a `goto` under the same rules.

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

#[derive(Clone, Debug)]
struct GenStep {
    terminal: bool,
    reads: Vec<usize>,
    gotos: Vec<usize>,
}

fn workflow_shape() -> impl Strategy<Value = Vec<GenStep>> {
    (2..8usize).prop_flat_map(|count| {
        let step = (
            prop::bool::weighted(0.15),
            prop::bool::weighted(0.1),
            prop::collection::vec(0..count, 0..3),
            prop::collection::vec(0..count, 0..2),
        );
        prop::collection::vec(step, count).prop_map(move |raw| {
            raw.into_iter()
                .enumerate()
                .map(|(index, (terminal, wild, reads, gotos))| {
                    // Mostly earlier reads and forward gotos (the interesting, often valid cases); a tenth of the
                    // steps keep any index, so reads of later steps and backward gotos are covered too.
                    let (reads, gotos) = if wild {
                        (reads, gotos)
                    } else {
                        let reads = reads
                            .into_iter()
                            .filter(|_| index > 0)
                            .map(|r| r % index.max(1))
                            .collect();
                        let room = count - index - 1;
                        let gotos = gotos
                            .into_iter()
                            .filter(|_| room > 0)
                            .map(|t| index + 1 + t % room.max(1))
                            .collect();
                        (reads, gotos)
                    };
                    GenStep {
                        terminal,
                        reads,
                        gotos,
                    }
                })
                .collect()
        })
    })
}

fn yaml(steps: &[GenStep]) -> String {
    let mut out =
        String::from("workflow: oracle\ninput: crate::Input\noutput: crate::Outcome\nerrors:\n");
    for index in 0..steps.len() {
        out.push_str(&format!("  Jump{index}: goto number {index}\n"));
    }
    out.push_str("steps:\n");
    for (index, step) in steps.iter().enumerate() {
        out.push_str(&format!("  - s{index}:\n"));
        if step.terminal {
            out.push_str("      succeed: Stopped\n");
            continue;
        }
        if index % 3 == 1 {
            out.push_str(&format!(
                "      poll: {{ task: t{index}, done: ready, interval: 1s, max-attempts: 3 }}\n      output: crate::Value\n"
            ));
        } else {
            out.push_str(&format!(
                "      task: t{index}\n      output: crate::Value\n"
            ));
        }
        let mut reads: Vec<usize> = step.reads.clone();
        reads.dedup();
        reads.sort_unstable();
        reads.dedup();
        if !reads.is_empty() {
            let list: Vec<String> = reads.iter().map(|r| format!("s{r}")).collect();
            out.push_str(&format!("      reads: [{}]\n", list.join(", ")));
        }
        if !step.gotos.is_empty() {
            out.push_str("      catch:\n");
            for (rule, target) in step.gotos.iter().enumerate() {
                // One error kind per rule, so two gotos of one step never collide.
                let kind = (index + rule) % steps.len();
                out.push_str(&format!(
                    "        - {{ error: Jump{kind}, goto: s{target} }}\n"
                ));
            }
        }
    }
    out.push_str("finish: Done\n");
    out
}

/// Every (reader, read) pair for which some path reaches the reader without the read step completed,
/// plus whether every step is reachable.
fn oracle(steps: &[GenStep]) -> (Vec<(usize, usize)>, Vec<bool>) {
    let count = steps.len();
    let mut violations = Vec::new();
    let mut reached = vec![false; count];
    // Depth-first over (step, completed set); gotos only go forward here, so paths are finite.
    let mut stack: Vec<(usize, u32)> = vec![(0, 0)];
    while let Some((index, completed)) = stack.pop() {
        reached[index] = true;
        let step = &steps[index];
        if step.terminal {
            continue;
        }
        for &read in &step.reads {
            if read < index && completed & (1 << read) == 0 && !violations.contains(&(index, read))
            {
                violations.push((index, read));
            }
        }
        if index + 1 < count {
            stack.push((index + 1, completed | (1 << index)));
        }
        for &target in &step.gotos {
            if target > index {
                stack.push((target, completed));
            }
        }
    }
    (violations, reached)
}

#[test]
fn the_validator_agrees_with_path_enumeration_on_random_workflows() {
    let config = Config {
        cases: 3_000,
        failure_persistence: None,
        ..Config::default()
    };
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[3; 32]);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let accepted = std::cell::Cell::new(0u32);
    let rejected_for_flow = std::cell::Cell::new(0u32);
    runner
        .run(&workflow_shape(), |steps| {
            let source = yaml(&steps);
            let result = workflow_spec::load(&source, "oracle.yaml");
            let backward = steps
                .iter()
                .enumerate()
                .any(|(i, s)| !s.terminal && s.gotos.iter().any(|&t| t <= i));
            let self_or_later_read = steps
                .iter()
                .enumerate()
                .any(|(i, s)| !s.terminal && s.reads.iter().any(|&r| r >= i));
            let reads_terminal = steps
                .iter()
                .any(|s| !s.terminal && s.reads.iter().any(|&r| steps[r].terminal));
            let (violations, reached) = oracle(&steps);
            let unreachable = reached.iter().any(|r| !r);
            // `finish: Done` is written, so ending with a `succeed` step is fine as well.
            let should_pass = !backward
                && !self_or_later_read
                && !reads_terminal
                && violations.is_empty()
                && !unreachable;
            match &result {
                Ok(_) => accepted.set(accepted.get() + 1),
                Err(d) if d.to_string().contains("does not always run before it") => {
                    rejected_for_flow.set(rejected_for_flow.get() + 1);
                }
                Err(_) => {}
            }
            prop_assert_eq!(
                result.is_ok(),
                should_pass,
                "{}\n{:?}",
                source,
                result.err().map(|d| d.to_string())
            );
            if !backward
                && !unreachable
                && let Err(diagnostics) = &result
            {
                for (reader, read) in &violations {
                    let message = format!(
                        "step `s{reader}` reads `s{read}`, which does not always run before it"
                    );
                    prop_assert!(
                        diagnostics.to_string().contains(&message),
                        "missing `{}` in\n{}",
                        message,
                        diagnostics
                    );
                }
            }
            Ok(())
        })
        .unwrap();
    assert!(
        accepted.get() >= 300,
        "only {} random workflows were valid",
        accepted.get()
    );
    assert!(
        rejected_for_flow.get() >= 300,
        "only {} were rejected for a skipped read",
        rejected_for_flow.get()
    );
}
