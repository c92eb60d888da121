//! The flow between steps: goto targets, cycles, reachability, what always runs before a reader, `finish`.

use super::Checker;
use super::step::Prepared;
use crate::ir::{Read, ReadSource, Step, StepKind};
use crate::names;
use crate::parse::at;
use crate::raw::{RawSpec, Text};
use serde_saphyr::Spanned;

/// An edge of the flow graph: from a step to a later one.
struct Edge {
    from: usize,
    to: usize,
    /// A catch edge leaves when `from` failed, so `from` did not complete.
    by_catch: bool,
}

/// Resolves gotos and reads, checks the flow, and builds the IR steps.
pub(crate) fn resolve(
    checker: &mut Checker<'_, '_>,
    prepared: Vec<Prepared<'_>>,
    written: usize,
) -> Option<Vec<Step>> {
    let before = checker.reporter.items.len();
    let ids: Vec<String> = prepared
        .iter()
        .map(|p| p.id.value.trim().to_string())
        .collect();
    let count = prepared.len();
    if count == 0 {
        return None;
    }

    // Goto targets: known, and later than the step (anything else would loop).
    let mut edges = Vec::new();
    let mut targets: Vec<Vec<Option<usize>>> = Vec::new();
    for (index, step) in prepared.iter().enumerate() {
        let mut step_targets = Vec::new();
        for catch in &step.catches {
            let super::policy::PendingAction::Goto(target) = &catch.action else {
                step_targets.push(None);
                continue;
            };
            let name = target.value.trim();
            match ids.iter().position(|id| id == name) {
                None => {
                    let help = names::did_you_mean(name, ids.iter().map(String::as_str));
                    checker.reporter.error_maybe_help(
                        at(target),
                        format!("`goto` names unknown step `{name}`"),
                        help,
                    );
                    step_targets.push(None);
                }
                Some(to) if to <= index => {
                    let what = if to == index {
                        "itself".to_string()
                    } else {
                        format!("the earlier step `{name}`")
                    };
                    checker.reporter.error_help(
                        at(target),
                        format!(
                            "cycle: the catch in step `{}` goes back to {what}",
                            ids[index]
                        ),
                        "`goto` may only jump forward; use `retry` to run a step again",
                    );
                    step_targets.push(None);
                }
                Some(to) => {
                    edges.push(Edge {
                        from: index,
                        to,
                        by_catch: true,
                    });
                    step_targets.push(Some(to));
                }
            }
        }
        targets.push(step_targets);
        if !step.is_terminal() && index + 1 < count {
            edges.push(Edge {
                from: index,
                to: index + 1,
                by_catch: false,
            });
        }
    }

    // Reachability and the steps that always completed on arrival (edges only go forward).
    let mut done: Vec<Option<StepSet>> = vec![None; count];
    done[0] = Some(StepSet::empty(count));
    for index in 0..count {
        let Some(arrived) = done[index].clone() else {
            if prepared.len() == written {
                checker.reporter.error_help(
                    at(prepared[index].id),
                    format!("unreachable step `{}`", ids[index]),
                    "the step before it always ends the workflow and no `goto` leads here",
                );
            }
            continue;
        };
        for edge in edges.iter().filter(|edge| edge.from == index) {
            let mut carried = arrived.clone();
            if !edge.by_catch {
                carried.insert(index);
            }
            done[edge.to] = Some(match done[edge.to].take() {
                None => carried,
                Some(existing) => existing.intersection(&carried),
            });
        }
    }

    // Reads. Branch ids, to explain that a branch is read through its parallel step.
    let branches: Vec<(String, usize)> = prepared
        .iter()
        .enumerate()
        .flat_map(|(index, step)| match &step.kind {
            Some(StepKind::Parallel(branches)) => {
                branches.iter().map(|b| (b.id.clone(), index)).collect()
            }
            _ => Vec::new(),
        })
        .collect();
    let mut steps = Vec::new();
    let mut readable: Vec<bool> = Vec::new();
    for (index, (step, step_targets)) in prepared.into_iter().zip(targets).enumerate() {
        let readers = ReadContext {
            ids: &ids,
            branches: &branches,
            reader: index,
            done: done[index].as_ref(),
            edges: &edges,
        };
        let reads = step
            .reads
            .map(|reads| readers.resolve(checker, &ids[index], reads, &readable));
        let mut kind = step.kind;
        if let Some(StepKind::Parallel(branches)) = &mut kind {
            for (branch, branch_reads) in branches.iter_mut().zip(&step.branch_reads) {
                if let Some(reads) = branch_reads {
                    branch.reads = readers.resolve(checker, &branch.id, reads, &readable);
                }
            }
        }
        let catches = step
            .catches
            .into_iter()
            .zip(step_targets)
            .filter_map(|(catch, target)| catch.resolve(target))
            .collect();
        if let Some(kind) = kind {
            let step = Step {
                id: ids[index].clone(),
                ident: names::snake_of_kebab(&ids[index]),
                kind,
                reads: reads.unwrap_or_default(),
                retry: step.retry,
                catches,
                early_finish: step.early_finish,
                position: step.position,
            };
            readable.push(step.is_readable());
            steps.push(step);
        } else {
            readable.push(true);
            steps.push(placeholder(&ids[index], step.position));
        }
    }
    check_unique_methods(checker, &steps);
    (checker.reporter.items.len() == before).then_some(steps)
}

/// A stand-in for a step whose kind was invalid (already reported), so indexes stay aligned.
fn placeholder(id: &str, position: crate::ir::Position) -> Step {
    Step {
        id: id.to_string(),
        ident: names::snake_of_kebab(id),
        kind: StepKind::Fail(String::new()),
        reads: Vec::new(),
        retry: None,
        catches: Vec::new(),
        early_finish: None,
        position,
    }
}

/// What a reader may read.
struct ReadContext<'c> {
    ids: &'c [String],
    /// Each branch id with the index of its parallel step.
    branches: &'c [(String, usize)],
    reader: usize,
    done: Option<&'c StepSet>,
    edges: &'c [Edge],
}

impl ReadContext<'_> {
    fn resolve(
        &self,
        checker: &mut Checker<'_, '_>,
        reader_id: &str,
        reads: &Spanned<Vec<Text>>,
        readable: &[bool],
    ) -> Vec<Read> {
        let mut resolved: Vec<Read> = Vec::new();
        for text in &reads.value {
            let name = text.value.trim();
            let position = crate::parse::position(text.referenced);
            if resolved.iter().any(|read| read.id == name) {
                checker.reporter.error_help(
                    at(text),
                    format!("step `{reader_id}` reads `{name}` twice"),
                    "list each value once",
                );
                continue;
            }
            if name == "input" {
                resolved.push(Read {
                    id: name.to_string(),
                    ident: "input".to_string(),
                    source: ReadSource::Input,
                    position,
                });
                continue;
            }
            let Some(index) = self.ids.iter().position(|id| id == name) else {
                let candidates = self.ids.iter().map(String::as_str).chain(["input"]);
                let help = match self.branches.iter().find(|(branch, _)| branch == name) {
                    Some((_, owner)) => Some(format!(
                        "`{name}` is a branch of `{}`; read `{}` to get all its branch outputs",
                        self.ids[*owner], self.ids[*owner]
                    )),
                    None => names::did_you_mean(name, candidates),
                };
                checker.reporter.error_maybe_help(
                    at(text),
                    format!("step `{reader_id}` reads unknown step `{name}`"),
                    help,
                );
                continue;
            };
            if index == self.reader && reader_id != self.ids[self.reader] {
                checker.reporter.error_help(
                    at(text),
                    format!("branch `{reader_id}` reads `{name}`, the parallel step it belongs to"),
                    format!("a branch can read only `input` and steps that run before `{name}`"),
                );
                continue;
            }
            if index == self.reader {
                checker.reporter.error_help(
                    at(text),
                    format!("step `{reader_id}` reads its own output"),
                    "a step can read only `input` and steps that run before it",
                );
                continue;
            }
            if index > self.reader {
                checker.reporter.error_help(
                    at(text),
                    format!("step `{reader_id}` reads `{name}`, which does not run before it"),
                    format!(
                        "`{name}` runs later; move it before `{}`",
                        self.ids[self.reader]
                    ),
                );
                continue;
            }
            if let Some(done) = self.done
                && !done.contains(index)
            {
                let help = self.skipping_catch(index).map(|(from, to)| {
                    if from == index {
                        format!("when `{name}` fails, its catch goes to `{}`", self.ids[to])
                    } else {
                        format!(
                            "the catch in `{}` goes to `{}`, skipping `{name}`",
                            self.ids[from], self.ids[to]
                        )
                    }
                });
                checker.reporter.error_maybe_help(
                    at(text),
                    format!(
                        "step `{reader_id}` reads `{name}`, which does not always run before it"
                    ),
                    help,
                );
                continue;
            }
            if !readable.get(index).copied().unwrap_or(true) {
                checker.reporter.error_help(
                    at(text),
                    format!("step `{reader_id}` reads `{name}`, which has no output"),
                    format!("give `{name}` an `output:` type, or stop reading it"),
                );
                continue;
            }
            resolved.push(Read {
                id: name.to_string(),
                ident: names::snake_of_kebab(name),
                source: ReadSource::Step(index),
                position,
            });
        }
        resolved
    }

    /// A catch edge that lets the flow reach the reader without `skipped` completing.
    fn skipping_catch(&self, skipped: usize) -> Option<(usize, usize)> {
        self.edges
            .iter()
            .find(|edge| {
                edge.by_catch && edge.from <= skipped && edge.to > skipped && edge.to <= self.reader
            })
            .map(|edge| (edge.from, edge.to))
    }
}

/// One activity method per task, branch and submitter: the `Activities` trait cannot hold two with one name.
fn check_unique_methods(checker: &mut Checker<'_, '_>, steps: &[Step]) {
    let mut seen: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
    for step in steps {
        let mut methods: Vec<(&str, &str, crate::ir::Position)> = Vec::new();
        match &step.kind {
            StepKind::Task(task) => methods.push((&task.method, &step.id, step.position)),
            StepKind::Callback(callback) => {
                methods.push((&callback.submitter, &step.id, step.position))
            }
            StepKind::Parallel(branches) => {
                methods.extend(
                    branches
                        .iter()
                        .map(|b| (b.task.method.as_str(), b.id.as_str(), b.position)),
                );
            }
            _ => {}
        }
        for (method, owner, position) in methods {
            if let Some(first) = seen.get(method) {
                let at = crate::diagnostic::At {
                    position,
                    len: u32::try_from(owner.len()).unwrap_or(1),
                };
                checker.reporter.error_help(
                    at,
                    format!("activity method `{method}` of `{owner}` is already used by `{first}`"),
                    "each task, branch and submitter needs its own method name",
                );
            } else {
                seen.insert(method, owner);
            }
        }
    }
}

/// `finish:` is needed exactly when the last step can complete normally.
pub(crate) fn check_finish(checker: &mut Checker<'_, '_>, raw: &RawSpec, steps: &[Step]) {
    let Some(last) = steps.last() else { return };
    let falls_off = !matches!(last.kind, StepKind::Succeed(_) | StepKind::Fail(_));
    if falls_off && raw.finish.is_none() {
        checker.reporter.error_help(
            at(&raw.steps),
            format!(
                "the workflow has no `finish` outcome for when its last step `{}` completes",
                last.id
            ),
            "add e.g. `finish: Completed` at the top level (a variant of the output enum)",
        );
    }
}

/// A set of step indexes as a bit set: the flow check intersects one per edge, so it must be cheap.
#[derive(Clone)]
struct StepSet(Vec<u64>);

impl StepSet {
    fn empty(count: usize) -> Self {
        Self(vec![0; count.div_ceil(64)])
    }

    fn insert(&mut self, index: usize) {
        if let Some(word) = self.0.get_mut(index / 64) {
            *word |= 1 << (index % 64);
        }
    }

    fn contains(&self, index: usize) -> bool {
        self.0
            .get(index / 64)
            .is_some_and(|word| word & (1 << (index % 64)) != 0)
    }

    fn intersection(&self, other: &Self) -> Self {
        Self(self.0.iter().zip(&other.0).map(|(a, b)| a & b).collect())
    }
}
