#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The flow check across `choice` arms against an oracle: for random workflows of tasks and bool choices (arms of
//! tasks, some ending with `succeed`, with or without a `false` arm), `load` accepts exactly the workflows in which
//! every path that reaches a reader has completed each step it reads, and every step is reachable (paths
//! enumerated one by one, independently of the validator's data-flow analysis).

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

#[derive(Debug)]
enum Item {
    Task {
        id: usize,
        reads: Vec<usize>,
    },
    Succeed {
        id: usize,
    },
    Choice {
        id: usize,
        when_true: Vec<Item>,
        when_false: Option<Vec<Item>>,
    },
}

/// Builds a workflow from random bytes; ids are numbered in file order, and a task reads up to two earlier tasks
/// (anywhere: before a choice, in an arm, in another arm).
struct Builder<'b> {
    bytes: &'b [u8],
    at: usize,
    next_id: usize,
    tasks: Vec<usize>,
}

impl Builder<'_> {
    fn byte(&mut self) -> u8 {
        let byte = self.bytes.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        byte
    }

    fn task(&mut self) -> Item {
        let id = self.next_id;
        self.next_id += 1;
        let mut reads = Vec::new();
        for _ in 0..self.byte() % 3 {
            if !self.tasks.is_empty() {
                let roll = usize::from(self.byte());
                let pick = self.tasks[roll % self.tasks.len()];
                if !reads.contains(&pick) {
                    reads.push(pick);
                }
            }
        }
        self.tasks.push(id);
        Item::Task { id, reads }
    }

    fn list(&mut self, len: usize, may_end: bool, may_branch: bool) -> Vec<Item> {
        let mut items = Vec::new();
        for position in 0..len {
            let roll = self.byte() % 6;
            if may_end && position + 1 == len && roll == 0 {
                let id = self.next_id;
                self.next_id += 1;
                items.push(Item::Succeed { id });
            } else if may_branch && roll >= 4 {
                let id = self.next_id;
                self.next_id += 1;
                let true_len = 1 + usize::from(self.byte() % 3);
                let when_true = self.list(true_len, true, false);
                let when_false = if self.byte().is_multiple_of(2) {
                    let false_len = 1 + usize::from(self.byte() % 3);
                    Some(self.list(false_len, true, false))
                } else {
                    None
                };
                items.push(Item::Choice {
                    id,
                    when_true,
                    when_false,
                });
            } else {
                items.push(self.task());
            }
        }
        items
    }
}

fn write(items: &[Item], indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    for item in items {
        match item {
            Item::Task { id, reads } => {
                let reads: Vec<String> = reads.iter().map(|r| format!("s{r}")).collect();
                out.push_str(&format!(
                    "{pad}- s{id}: {{ task: t{id}, output: crate::Value, reads: [{}] }}\n",
                    reads.join(", ")
                ));
            }
            Item::Succeed { id } => {
                out.push_str(&format!("{pad}- s{id}: {{ succeed: Stopped }}\n"))
            }
            Item::Choice {
                id,
                when_true,
                when_false,
            } => {
                out.push_str(&format!(
                    "{pad}- s{id}:\n{pad}    choice:\n{pad}      on: input.flag_{id}\n{pad}      when:\n{pad}        true:\n"
                ));
                write(when_true, indent + 10, out);
                if let Some(when_false) = when_false {
                    out.push_str(&format!("{pad}        false:\n"));
                    write(when_false, indent + 10, out);
                }
            }
        }
    }
}

/// Walks every path through `items` from each of the `arriving` completed-sets; records reached ids and
/// (reader, read) violations; returns the completed-sets of the paths that go on after the list.
fn walk(
    items: &[Item],
    arriving: Vec<u64>,
    reached: &mut Vec<usize>,
    violations: &mut Vec<(usize, usize)>,
) -> Vec<u64> {
    let mut states = arriving;
    for item in items {
        if states.is_empty() {
            break;
        }
        match item {
            Item::Task { id, reads } => {
                reached.push(*id);
                for state in &mut states {
                    for read in reads {
                        if *state & (1 << read) == 0 && !violations.contains(&(*id, *read)) {
                            violations.push((*id, *read));
                        }
                    }
                    *state |= 1 << id;
                }
            }
            Item::Succeed { id } => {
                reached.push(*id);
                states.clear();
            }
            Item::Choice {
                id,
                when_true,
                when_false,
            } => {
                reached.push(*id);
                let mut after = walk(when_true, states.clone(), reached, violations);
                match when_false {
                    Some(when_false) => after.extend(walk(when_false, states, reached, violations)),
                    None => after.extend(states),
                }
                after.sort_unstable();
                after.dedup();
                states = after;
            }
        }
    }
    states
}

#[test]
fn the_validator_agrees_with_path_enumeration_across_choice_arms() {
    let config = Config {
        cases: 2_000,
        failure_persistence: None,
        ..Config::default()
    };
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[5; 32]);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let accepted = std::cell::Cell::new(0u32);
    let arm_value_read_after = std::cell::Cell::new(0u32);
    let rejected = std::cell::Cell::new(0u32);
    runner
        .run(&prop::collection::vec(any::<u8>(), 64), |bytes| {
            let mut builder = Builder {
                bytes: &bytes,
                at: 0,
                next_id: 0,
                tasks: Vec::new(),
            };
            let len = 2 + usize::from(builder.byte() % 4);
            let items = builder.list(len, false, true);
            let count = builder.next_id;
            let mut source = String::from(
                "workflow: oracle\ninput: crate::Input\noutput: crate::Outcome\nsteps:\n",
            );
            write(&items, 2, &mut source);
            source.push_str("finish: Done\n");

            let mut reached = Vec::new();
            let mut violations = Vec::new();
            walk(&items, vec![0], &mut reached, &mut violations);
            let all_reached = (0..count).all(|id| reached.contains(&id));
            let should_pass = violations.is_empty() && all_reached;
            let result = workflow_spec::load(&source, "oracle.yaml");
            prop_assert_eq!(
                result.is_ok(),
                should_pass,
                "{}\n{:?}\n{:?}",
                source,
                violations,
                result.as_ref().err().map(ToString::to_string)
            );
            match &result {
                Ok(workflow) => {
                    accepted.set(accepted.get() + 1);
                    // A top-level step reading a step nested in a choice: valid only because the other paths end.
                    let nested: Vec<String> = workflow
                        .all_steps()
                        .iter()
                        .map(|step| step.id.clone())
                        .filter(|id| !workflow.steps.iter().any(|top| &top.id == id))
                        .collect();
                    if workflow
                        .steps
                        .iter()
                        .any(|step| step.reads.iter().any(|read| nested.contains(&read.id)))
                    {
                        arm_value_read_after.set(arm_value_read_after.get() + 1);
                    }
                }
                Err(_) => rejected.set(rejected.get() + 1),
            }
            Ok(())
        })
        .unwrap();
    assert!(accepted.get() >= 300, "only {} were valid", accepted.get());
    assert!(
        rejected.get() >= 300,
        "only {} were invalid",
        rejected.get()
    );
    assert!(
        arm_value_read_after.get() >= 5,
        "only {} valid workflows read an arm's step after its choice",
        arm_value_read_after.get()
    );
}
