#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! `load` never panics: 16,000 mutated specs (proptest, fixed seed) each give a workflow or well-formed diagnostics.
//! The specs are mutants of the tier workflow, of the every-construct fixture, of the `choice`/`map` fixture, of
//! the `poll` fixture and of the `group` fixture.

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

const TIER: &str = include_str!("../../tier-upgrade.workflow.yaml");
const EVERY: &str = include_str!("fixtures/every-construct.workflow.yaml");
const CHOICE_AND_MAP: &str = include_str!("fixtures/choice-and-map.workflow.yaml");
const POLL: &str = include_str!("fixtures/poll.workflow.yaml");
const GROUP: &str = include_str!("../../workflow-runtime/tests/ui/fixtures/group.workflow.yaml");

/// Fragments that matter to YAML or to the DSL, inserted at random places.
const FRAGMENTS: &[&str] = &[
    ":",
    ": ",
    "- ",
    "-",
    "{",
    "}",
    "[",
    "]",
    ",",
    "\n",
    "  ",
    "\t",
    "\"",
    "'",
    "#",
    "&a ",
    "*a",
    "!!str ",
    "<<: *a",
    "? ",
    "|",
    ">",
    "---\n",
    "...\n",
    "~",
    "null",
    "0",
    "-1",
    "1e309",
    "NaN",
    "99999999999999999999",
    "0s",
    "5m",
    "300",
    "2d",
    "ms",
    "é",
    "\u{1F600}",
    "\r\n",
    "\0",
    "input",
    "read-account",
    "upgrade-tier",
    "evaluate-tier",
    "compensate",
    "VersionConflict",
    "CallbackTimeout",
    "InvokeFailed",
    "Transient",
    "task",
    "parallel",
    "invoke",
    "callback",
    "wait",
    "succeed",
    "fail",
    "output",
    "reads",
    "retry",
    "catch",
    "goto",
    "finish",
    "finish-unless",
    "heartbeat",
    "timeout",
    "attempts",
    "on",
    "choice",
    "map",
    "when",
    "otherwise",
    "enum",
    "true",
    "false",
    "Gold",
    "items",
    "item",
    "steps",
    "max-concurrency",
    "tolerated-failures",
    "batch",
    "10%",
    "101%",
    "load-members.members",
    "load-members.tier",
    "notify",
    "TooManyFailures",
    "poll",
    "done",
    "interval",
    "max-interval",
    "max-attempts",
    "deadline",
    "backoff",
    "PollTimeout",
    "await-pickup",
    "group",
    "use",
    "billing.workflow.yaml",
    "reserve",
    "hold-stock",
    "confirm",
    "crate::",
    "::",
    "Vec<u8>",
    "type",
    "match",
];

#[derive(Clone, Debug)]
enum Mutation {
    Delete { at: usize, len: usize },
    Insert { at: usize, fragment: usize },
    ReplaceWord { at: usize, fragment: usize },
    DuplicateLine { line: usize },
    SwapLines { a: usize, b: usize },
    Truncate { at: usize },
    ReplaceValue { line: usize, fragment: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let at = 0..4096usize;
    prop_oneof![
        (at.clone(), 1..40usize).prop_map(|(at, len)| Mutation::Delete { at, len }),
        (at.clone(), 0..FRAGMENTS.len())
            .prop_map(|(at, fragment)| Mutation::Insert { at, fragment }),
        (at.clone(), 0..FRAGMENTS.len())
            .prop_map(|(at, fragment)| Mutation::ReplaceWord { at, fragment }),
        (0..80usize).prop_map(|line| Mutation::DuplicateLine { line }),
        (0..80usize, 0..80usize).prop_map(|(a, b)| Mutation::SwapLines { a, b }),
        at.prop_map(|at| Mutation::Truncate { at }),
        (0..80usize, 0..FRAGMENTS.len())
            .prop_map(|(line, fragment)| Mutation::ReplaceValue { line, fragment }),
        (0..80usize, 0..FRAGMENTS.len())
            .prop_map(|(line, fragment)| Mutation::ReplaceValue { line, fragment }),
    ]
}

/// The char boundary at or before `at % (len + 1)`.
fn boundary(text: &str, at: usize) -> usize {
    let mut at = at % (text.len() + 1);
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn apply(text: &mut String, mutation: &Mutation) {
    match mutation {
        Mutation::Delete { at, len } => {
            let start = boundary(text, *at);
            let end = boundary(text, start + len).max(start);
            text.replace_range(start..end, "");
        }
        Mutation::Insert { at, fragment } => {
            let at = boundary(text, *at);
            text.insert_str(at, FRAGMENTS[*fragment]);
        }
        Mutation::ReplaceWord { at, fragment } => {
            let start = boundary(text, *at);
            let end = text[start..]
                .find(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_'))
                .map_or(text.len(), |n| start + n);
            text.replace_range(start..end, FRAGMENTS[*fragment]);
        }
        Mutation::DuplicateLine { line } => {
            let mut lines: Vec<&str> = text.split('\n').collect();
            let index = line % lines.len();
            lines.insert(index, lines[index]);
            *text = lines.join("\n");
        }
        Mutation::SwapLines { a, b } => {
            let mut lines: Vec<&str> = text.split('\n').collect();
            let count = lines.len();
            lines.swap(a % count, b % count);
            *text = lines.join("\n");
        }
        Mutation::ReplaceValue { line, fragment } => {
            let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
            let index = line % lines.len();
            if let Some(colon) = lines[index].find(": ") {
                let value_end = lines[index][colon + 2..]
                    .find([',', '}', ']', '#'])
                    .map_or(lines[index].len(), |n| colon + 2 + n);
                lines[index].replace_range(colon + 2..value_end, FRAGMENTS[*fragment]);
            }
            *text = lines.join("\n");
        }
        Mutation::Truncate { at } => {
            let at = boundary(text, *at);
            text.truncate(at);
        }
    }
}

/// What loading a mutated spec gave.
#[derive(PartialEq)]
enum Verdict {
    Valid,
    ParseError,
    ValidationError,
}

/// Loads a mutated spec and checks what comes back is well formed.
/// The ids of `steps` and of the steps nested in them.
fn nested_ids(steps: &[workflow_spec::Step]) -> Vec<String> {
    let mut ids = Vec::new();
    for step in steps {
        ids.push(step.id.clone());
        for list in step.nested_lists() {
            ids.extend(nested_ids(list));
        }
    }
    ids
}

fn load_and_check(source: &str) -> Verdict {
    match workflow_spec::load(source, "mutated.yaml") {
        Ok(workflow) => {
            assert!(!workflow.steps.is_empty());
            // Every read and goto target indexes the list of all steps.
            let all = workflow.all_steps();
            for step in &all {
                for read in &step.reads {
                    if let workflow_spec::ReadSource::Step(index) = read.source {
                        assert!(index < all.len() && all[index].id == read.id, "{read:?}");
                    }
                }
            }
            // Every loaded poll has an output to test, a bound, and waits that fit the cap.
            for step in &all {
                if let workflow_spec::StepKind::Poll(poll) = &step.kind {
                    assert!(poll.task.output.is_some(), "{poll:?}");
                    assert!(
                        poll.max_attempts.is_some() || poll.deadline.is_some(),
                        "{poll:?}"
                    );
                    assert!(poll.max_attempts != Some(0), "{poll:?}");
                    assert!(
                        poll.interval <= poll.max_interval
                            && (1.0..=100.0).contains(&poll.backoff_rate),
                        "{poll:?}"
                    );
                }
            }
            // Every loaded group has steps, and nothing outside a group reads a step inside it.
            for step in &all {
                if let workflow_spec::StepKind::Group(steps) = &step.kind {
                    assert!(!steps.is_empty(), "{step:?}");
                    let inside = nested_ids(steps);
                    for reader in &all {
                        if inside.contains(&reader.id) {
                            continue;
                        }
                        for read in &reader.reads {
                            assert!(
                                !inside.contains(&read.id),
                                "{} reads {}",
                                reader.id,
                                read.id
                            );
                        }
                    }
                }
            }
            assert!(workflow_spec::mermaid(&workflow).contains("\n---\nflowchart TD\n"));
            Verdict::Valid
        }
        Err(diagnostics) => {
            assert!(!diagnostics.is_empty());
            let line_count =
                u32::try_from(workflow_spec::diagnostic::yaml_lines(source).count()).unwrap();
            for diagnostic in &diagnostics.items {
                assert!(
                    diagnostic.position.line >= 1 && diagnostic.position.line <= line_count + 1,
                    "{diagnostic:?}"
                );
                assert!(diagnostic.position.col >= 1, "{diagnostic:?}");
                assert!(diagnostic.to_string().starts_with("error: "));
            }
            let from_parser = [
                "invalid YAML",
                "unknown key",
                "missing key",
                "expected ",
                "the workflow file is empty",
            ];
            let parse_error = diagnostics.items.iter().any(|d| {
                from_parser
                    .iter()
                    .any(|prefix| d.message.starts_with(prefix))
            });
            if parse_error {
                Verdict::ParseError
            } else {
                Verdict::ValidationError
            }
        }
    }
}

#[test]
fn sixteen_thousand_mutated_specs_never_panic() {
    let config = Config {
        cases: 16_000,
        failure_persistence: None,
        ..Config::default()
    };
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let strategy = (0..5usize, prop::collection::vec(mutation(), 1..5));
    let valid = std::cell::Cell::new(0u32);
    let semantic_errors = std::cell::Cell::new(0u32);
    let choice_and_map_valid = std::cell::Cell::new(0u32);
    let poll_valid = std::cell::Cell::new(0u32);
    let group_valid = std::cell::Cell::new(0u32);
    let result = runner.run(&strategy, |(base, mutations)| {
        let mut source = [TIER, EVERY, CHOICE_AND_MAP, POLL, GROUP][base].to_string();
        for mutation in &mutations {
            apply(&mut source, mutation);
        }
        match load_and_check(&source) {
            Verdict::Valid => {
                valid.set(valid.get() + 1);
                if base == 2 {
                    choice_and_map_valid.set(choice_and_map_valid.get() + 1);
                }
                if base == 3 {
                    poll_valid.set(poll_valid.get() + 1);
                }
                if base == 4 {
                    group_valid.set(group_valid.get() + 1);
                }
            }
            Verdict::ValidationError => semantic_errors.set(semantic_errors.get() + 1),
            Verdict::ParseError => {}
        }
        Ok(())
    });
    result.unwrap();
    eprintln!(
        "valid: {} (choice/map {}, poll {}, group {}), validation errors: {}",
        valid.get(),
        choice_and_map_valid.get(),
        poll_valid.get(),
        group_valid.get(),
        semantic_errors.get()
    );
    // The mutations must exercise the validator, not only the YAML parser.
    assert!(
        valid.get() >= 1_000,
        "only {} mutated specs were valid",
        valid.get()
    );
    assert!(
        choice_and_map_valid.get() >= 250,
        "only {} mutants of the choice and map fixture were valid",
        choice_and_map_valid.get()
    );
    assert!(
        poll_valid.get() >= 250,
        "only {} mutants of the poll fixture were valid",
        poll_valid.get()
    );
    assert!(
        group_valid.get() >= 250,
        "only {} mutants of the group fixture were valid",
        group_valid.get()
    );
    assert!(
        semantic_errors.get() >= 500,
        "only {} mutated specs reached the validator",
        semantic_errors.get()
    );
}

#[test]
fn arbitrary_text_never_panics() {
    let config = Config {
        cases: 1_000,
        failure_persistence: None,
        ..Config::default()
    };
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[11; 32]);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let result = runner.run(&".{0,300}", |source| {
        load_and_check(&source);
        Ok(())
    });
    result.unwrap();
}
