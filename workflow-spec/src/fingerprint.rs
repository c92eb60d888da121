//! Per-operation fingerprints: what a recorded durable operation must still be for a replay to read it back.
//!
//! Every step that records a durable operation (a `task`, each `parallel` branch, an `invoke`, a `callback`, a
//! `wait`, a `map`, a `poll`, a `group`, and the steps inside a group, which record in the group's context) has a
//! fingerprint: the sha256, shortened to
//! [`FINGERPRINT_LEN`] hex characters, of a descriptor of what its recorded result depends on: its kind, the
//! types it reads (in `reads:` order) and the type it returns. A `map`'s descriptor also holds its element type,
//! its batch size and the descriptors of the steps it runs for each element, which are recorded inside the map's
//! own operation. A `group`'s descriptor holds the type of its value (its last step's output). Nothing else is in
//! it: comments, retry policies, timeouts, `semantics`, the duration of a wait,
//! catches and the invoked function's name can change without touching what an execution recorded.
//!
//! Generated code records the fingerprints of the definition an execution started with, in its first operation,
//! and names an operation `id@fingerprint` instead of `id` when the running definition's fingerprint for that
//! step differs from the recorded one; the SDK compares the name of every operation it replays with the one it
//! recorded (see `workflow-runtime`'s `replay` module). [`crate::diff`] compares two definitions with the same
//! fingerprints, before deploying.

use crate::ir::{Map, MapBody, Read, ReadSource, Step, StepKind, TypePath, Workflow};
use sha2::{Digest, Sha256};

/// The hex characters of a fingerprint (32 bits: two steps of one workflow, not adversaries, are compared).
pub const FINGERPRINT_LEN: usize = 8;

/// One durable operation of a workflow and its fingerprint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OperationFingerprint {
    /// The operation's name: the id of its step, or of its `parallel` branch.
    pub id: String,
    /// What the fingerprint is computed from, e.g. `task(crate::Input, crate::Account) -> crate::Change`.
    pub descriptor: String,
    /// The first [`FINGERPRINT_LEN`] hex characters of the sha256 of `descriptor`.
    pub fingerprint: String,
}

impl OperationFingerprint {
    fn new(id: &str, descriptor: String) -> Self {
        let fingerprint =
            hex::encode(Sha256::digest(descriptor.as_bytes()))[..FINGERPRINT_LEN].to_string();
        Self {
            id: id.to_string(),
            descriptor,
            fingerprint,
        }
    }
}

/// Every operation of the workflow with a fingerprint, in [`Workflow::all_steps`] order (a parallel step's
/// branches in branch order, where the step is). Steps inside a `map` are part of the map's operation and are
/// not listed on their own; `choice`, `succeed` and `fail` record nothing.
pub fn operations(workflow: &Workflow) -> Vec<OperationFingerprint> {
    let all = workflow.all_steps();
    let mut out = Vec::new();
    let mut inside_maps = std::collections::HashSet::new();
    for step in &all {
        if inside_maps.contains(&step.id) {
            continue;
        }
        if let StepKind::Map(Map {
            body: MapBody::Steps(inner),
            ..
        }) = &step.kind
        {
            inside_maps.extend(inner.iter().map(|inner| inner.id.clone()));
        }
        out.extend(step_operations(workflow, step));
    }
    out
}

/// The operations one step records in the workflow's context: one, a parallel step's one per branch, none for a
/// `choice` (its arms' steps are steps of their own), `succeed` or `fail`.
pub fn step_operations(workflow: &Workflow, step: &Step) -> Vec<OperationFingerprint> {
    let reads = |reads: &[Read], item: Option<String>| -> String {
        reads
            .iter()
            .map(|read| read_type(workflow, read, item.as_deref()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let returns = |output: Option<&TypePath>| output.map_or_else(|| "()".to_string(), normalized);
    let one = |descriptor: String| vec![OperationFingerprint::new(&step.id, descriptor)];
    match &step.kind {
        StepKind::Task(task) => one(format!(
            "task({}) -> {}",
            reads(&step.reads, None),
            returns(task.output.as_ref())
        )),
        StepKind::Parallel(branches) => branches
            .iter()
            .map(|branch| {
                OperationFingerprint::new(
                    &branch.id,
                    format!(
                        "task({}) -> {}",
                        reads(&branch.reads, None),
                        returns(branch.task.output.as_ref())
                    ),
                )
            })
            .collect(),
        StepKind::Invoke(invoke) => one(format!(
            "invoke({}) -> {}",
            normalized(&invoke.input),
            returns(invoke.output.as_ref())
        )),
        StepKind::Callback(callback) => one(format!(
            "callback({}) -> {}",
            reads(&step.reads, None),
            normalized(&callback.result)
        )),
        StepKind::Wait(_) => one("wait".to_string()),
        StepKind::Poll(poll) => one(format!(
            "poll({}) -> {}",
            reads(&step.reads, None),
            returns(poll.task.output.as_ref())
        )),
        StepKind::Map(map) => {
            let item = match map.batch {
                Some(_) => format!("[{}]", normalized(&map.item)),
                None => normalized(&map.item),
            };
            let batch = map
                .batch
                .map(|size| format!(", batch {size}"))
                .unwrap_or_default();
            let body = match &map.body {
                MapBody::Task(task) => format!(
                    "task({}) -> {}",
                    reads(&step.reads, Some(item.clone())),
                    returns(task.output.as_ref())
                ),
                MapBody::Steps(inner) => inner
                    .iter()
                    .filter_map(|inner| match &inner.kind {
                        StepKind::Task(task) => Some(format!(
                            "{}: task({}) -> {}",
                            inner.id,
                            reads(&inner.reads, Some(item.clone())),
                            returns(task.output.as_ref())
                        )),
                        _ => None,
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
            };
            one(format!(
                "map({} of {}{batch}) {{ {body} }} -> [{}]",
                field_type_label(map),
                normalized(&map.item),
                returns(step.map_output())
            ))
        }
        StepKind::Group(_) => one(format!("group -> {}", returns(step.output_type()))),
        StepKind::Use(used) => one(format!(
            "use {}({}) -> {}",
            used.workflow.name,
            reads(&step.reads, None),
            normalized(&used.workflow.output_type)
        )),
        StepKind::Choice(_) | StepKind::Succeed(_) | StepKind::Fail(_) => Vec::new(),
    }
}

/// What a map iterates, as written: `step.field`, `input.field`, or the whole value.
fn field_type_label(map: &Map) -> String {
    match &map.items.field {
        Some(field) => format!("{}.{field}", map.items.read.id),
        None => map.items.read.id.clone(),
    }
}

/// The type a read passes, as the generated trait receives it (behind `&`).
fn read_type(workflow: &Workflow, read: &Read, item: Option<&str>) -> String {
    match read.source {
        ReadSource::Input => normalized(&workflow.input_type),
        ReadSource::Item => item.unwrap_or("item").to_string(),
        ReadSource::Step(index) => match workflow.all_steps().get(index) {
            Some(step) => value_type(step),
            None => "?".to_string(),
        },
    }
}

/// The type of the value a step hands its readers: a parallel step's tuple of branch outputs, a map's slice of
/// results, any other step's output.
pub fn value_type(step: &Step) -> String {
    let or_unit = |output: Option<&TypePath>| output.map_or_else(|| "()".to_string(), normalized);
    match &step.kind {
        StepKind::Parallel(branches) => {
            let outputs: Vec<String> = branches
                .iter()
                .map(|b| or_unit(b.task.output.as_ref()))
                .collect();
            match outputs.as_slice() {
                [one] => format!("({one},)"),
                _ => format!("({})", outputs.join(", ")),
            }
        }
        StepKind::Map(_) => format!("[{}]", or_unit(step.map_output())),
        _ => or_unit(step.output_type()),
    }
}

/// A type path without whitespace, so that `crate :: A` and `crate::A` are one type.
pub(crate) fn normalized(path: &TypePath) -> String {
    path.path.split_whitespace().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load_valid as load;

    const BASE: &str = "workflow: t
input: crate::In
output: crate::Out
errors:
  Transient: worth retrying
steps:
  - a: { task: a, reads: [input], output: crate::A }
  - both:
      parallel:
        left: { task: left, reads: [a], output: crate::L }
        right: { task: right }
  - pause: { wait: 5s }
  - b: { task: b, reads: [input, both], retry: { attempts: 3, delay: 1s, on: [Transient] } }
finish: Done
";

    fn descriptors(source: &str) -> Vec<(String, String)> {
        operations(&load(source))
            .into_iter()
            .map(|op| (op.id, op.descriptor))
            .collect()
    }

    #[test]
    fn every_operation_is_described_by_kind_reads_and_returns() {
        assert_eq!(
            descriptors(BASE),
            [
                ("a", "task(crate::In) -> crate::A"),
                ("left", "task(crate::A) -> crate::L"),
                ("right", "task() -> ()"),
                ("pause", "wait"),
                ("b", "task(crate::In, (crate::L, ())) -> ()"),
            ]
            .map(|(id, d)| (id.to_string(), d.to_string()))
        );
    }

    #[test]
    fn settings_and_comments_do_not_change_a_fingerprint() {
        let edited = BASE
            .replace("attempts: 3, delay: 1s", "attempts: 5, delay: 2s")
            .replace("wait: 5s", "wait: 1h")
            .replace("steps:\n", "# a comment\nsteps:\n");
        assert_eq!(operations(&load(BASE)), operations(&load(&edited)));
    }

    #[test]
    fn a_changed_type_changes_that_operation_only() {
        let edited = BASE.replace("output: crate::L", "output: crate::L2");
        let (before, after) = (operations(&load(BASE)), operations(&load(&edited)));
        let changed: Vec<&str> = before
            .iter()
            .zip(&after)
            .filter(|(b, a)| b.fingerprint != a.fingerprint)
            .map(|(b, _)| b.id.as_str())
            .collect();
        // `b` reads `both`, whose tuple holds `left`'s output.
        assert_eq!(changed, ["left", "b"]);
        assert!(
            after
                .iter()
                .all(|op| op.fingerprint.len() == FINGERPRINT_LEN)
        );
    }
}
