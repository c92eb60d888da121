//! The flow between steps: goto targets, cycles, reachability, what always runs before a reader, `finish`.

use super::Checker;
use super::step::{Flat, List, Owner};
use crate::ir::{Map, MapBody, Read, ReadSource, Step, StepKind};
use crate::names;
use crate::parse::at;
use crate::raw::{RawSpec, Text};
use serde_saphyr::Spanned;

/// An edge of the flow graph: from a step to a later one, or to the end of the workflow.
struct Edge {
    from: usize,
    to: usize,
    /// Whether `from` completed when the flow takes this edge: not for a catch edge (`from` failed), nor for the
    /// edge from a map into its own steps (the map completes after them).
    completed: bool,
}

/// Where each step sits among the nested lists.
struct Layout<'f> {
    lists: &'f [List],
    /// The list each step belongs to.
    list_of: Vec<usize>,
    /// The step's position in its list.
    slot: Vec<usize>,
    /// The index standing for "the workflow ends".
    end: usize,
}

impl Layout<'_> {
    /// The step that runs after `index` completes normally (the end of the workflow for the last top-level step);
    /// `None` after the last step of a map (the map itself continues).
    fn next(&self, index: usize) -> Option<usize> {
        let list = &self.lists[self.list_of[index]];
        if let Some(&next) = list.steps.get(self.slot[index] + 1) {
            return Some(next);
        }
        match list.owner {
            Owner::Workflow => Some(self.end),
            Owner::Choice(owner) | Owner::Group(owner) => self.next(owner),
            Owner::Map(_) => None,
        }
    }

    /// The choice arms, maps and groups around a step, innermost first: (owner step, list).
    fn enclosing(&self, index: usize) -> Vec<(Owner, usize)> {
        let mut out = Vec::new();
        let mut list = self.list_of[index];
        loop {
            let owner = self.lists[list].owner;
            match owner {
                Owner::Workflow => return out,
                Owner::Choice(step) | Owner::Map(step) | Owner::Group(step) => {
                    out.push((owner, list));
                    list = self.list_of[step];
                }
            }
        }
    }

    /// The map a step runs in, if any (innermost).
    fn map_of(&self, index: usize) -> Option<usize> {
        self.enclosing(index)
            .into_iter()
            .find_map(|(owner, _)| match owner {
                Owner::Map(map) => Some(map),
                _ => None,
            })
    }
}

/// Resolves gotos and reads, checks the flow, and builds the IR steps (nested ones inside their choice, map or
/// group).
/// Also says whether the end of the workflow can be reached, i.e. whether `finish:` is needed.
pub(crate) fn resolve(checker: &mut Checker<'_, '_>, flat: Flat<'_>) -> Option<(Vec<Step>, bool)> {
    let before = checker.reporter.items.len();
    let Flat {
        steps: prepared,
        lists,
        complete,
    } = flat;
    let ids: Vec<String> = prepared
        .iter()
        .map(|p| p.id.value.trim().to_string())
        .collect();
    let count = prepared.len();
    if count == 0 {
        return None;
    }
    let mut list_of = vec![0; count];
    let mut slot = vec![0; count];
    for (index, list) in lists.iter().enumerate() {
        for (position, &step) in list.steps.iter().enumerate() {
            list_of[step] = index;
            slot[step] = position;
        }
    }
    let layout = Layout {
        lists: &lists,
        list_of,
        slot,
        end: count,
    };

    // Goto targets: known, later than the step (anything else would loop), and in the same list.
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
                Some(to) if layout.list_of[to] != layout.list_of[index] => {
                    checker.reporter.error_help(
                        at(target),
                        format!(
                            "the catch in step `{}` goes to `{name}`, which is not in the same list of steps",
                            ids[index]
                        ),
                        "`goto` continues at a later step of its own list: the workflow's `steps`, the same arm or the same group",
                    );
                    step_targets.push(None);
                }
                Some(to) => {
                    edges.push(Edge {
                        from: index,
                        to,
                        completed: false,
                    });
                    step_targets.push(Some(to));
                }
            }
        }
        targets.push(step_targets);
        if step.is_terminal() {
            continue;
        }
        let next = layout.next(index);
        match step.kind_name {
            "choice" => {
                for &arm in &step.nested {
                    if let Some(&first) = lists[arm].steps.first() {
                        edges.push(Edge {
                            from: index,
                            to: first,
                            completed: true,
                        });
                    }
                }
                // Without `otherwise` (and unless `true` and `false` both have arms), other values skip the arms.
                let covers_all = matches!(
                    &step.kind,
                    Some(StepKind::Choice(choice)) if choice.otherwise.is_some()
                        || (choice.enum_type.is_none() && choice.arms.len() == 2)
                );
                if !covers_all && let Some(next) = next {
                    edges.push(Edge {
                        from: index,
                        to: next,
                        completed: true,
                    });
                }
            }
            "group" | "map" => {
                // Into the steps: a group's own operation starts before its steps (readers inside may not read it,
                // see `nesting_problem`; readers after it read its value); a map completes after its steps, and
                // then the flow goes on after it.
                if let Some(&first) = step
                    .nested
                    .first()
                    .and_then(|list| lists[*list].steps.first())
                {
                    edges.push(Edge {
                        from: index,
                        to: first,
                        completed: step.kind_name == "group",
                    });
                }
                if step.kind_name == "map"
                    && let Some(next) = next
                {
                    edges.push(Edge {
                        from: index,
                        to: next,
                        completed: true,
                    });
                }
            }
            _ => {
                if let Some(next) = next {
                    edges.push(Edge {
                        from: index,
                        to: next,
                        completed: true,
                    });
                }
            }
        }
    }

    // Reachability and the steps that always completed on arrival (edges only go forward).
    let mut done: Vec<Option<StepSet>> = vec![None; count + 1];
    done[0] = Some(StepSet::empty(count));
    for index in 0..count {
        let Some(arrived) = done[index].clone() else {
            let owner_reached = match lists[layout.list_of[index]].owner {
                Owner::Workflow => true,
                Owner::Choice(owner) | Owner::Map(owner) | Owner::Group(owner) => {
                    done[owner].is_some()
                }
            };
            if complete && owner_reached {
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
            if edge.completed {
                carried.insert(index);
            }
            done[edge.to] = Some(match done[edge.to].take() {
                None => carried,
                Some(existing) => existing.intersection(&carried),
            });
        }
    }
    let end_reachable = done[count].is_some();

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
    let kinds: Vec<&'static str> = prepared.iter().map(|step| step.kind_name).collect();
    // A map with `steps`, and a group, give readers the output of their last step, which is checked after them
    // (nested steps follow their owner, so the steps are visited last to first).
    let mut last_step_output = vec![false; count];
    for index in (0..count).rev() {
        let step = &prepared[index];
        if matches!(step.kind_name, "map" | "group") {
            last_step_output[index] = step
                .nested
                .first()
                .and_then(|list| lists[*list].steps.last())
                .is_some_and(|&last| match &prepared[last].kind {
                    Some(StepKind::Group(_)) => last_step_output[last],
                    Some(kind) => kind.output_type().is_some(),
                    None => false,
                });
        }
    }
    let mut steps: Vec<Option<Step>> = Vec::new();
    let mut readable: Vec<bool> = Vec::new();
    let mut nested: Vec<Vec<usize>> = Vec::new();
    for (index, (step, step_targets)) in prepared.into_iter().zip(targets).enumerate() {
        let map_task = matches!(
            &step.kind,
            Some(StepKind::Map(Map {
                body: MapBody::Task(_),
                ..
            }))
        );
        let readers = ReadContext {
            ids: &ids,
            kinds: &kinds,
            branches: &branches,
            reader: index,
            done: done[index].as_ref(),
            edges: &edges,
            layout: &layout,
            item: map_task || layout.map_of(index).is_some(),
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
        if let Some(subject) = step.subject {
            let subject_readers = ReadContext {
                item: false,
                ..readers
            };
            match &mut kind {
                Some(StepKind::Choice(choice)) => {
                    let read =
                        subject_readers.subject(checker, &ids[index], subject, "on", &readable);
                    match read {
                        Some(read) => choice.on.read = read,
                        None => kind = None,
                    }
                }
                Some(StepKind::Map(map)) => {
                    let read =
                        subject_readers.subject(checker, &ids[index], subject, "items", &readable);
                    match read {
                        Some(read) => map.items.read = read,
                        None => kind = None,
                    }
                }
                _ => {}
            }
        }
        let catches = step
            .catches
            .into_iter()
            .zip(step_targets)
            .filter_map(|(catch, target)| catch.resolve(target))
            .collect();
        nested.push(step.nested);
        if let Some(kind) = kind {
            let step = Step {
                id: ids[index].clone(),
                ident: names::snake_of_kebab(&ids[index]),
                kind,
                reads: reads.unwrap_or_default(),
                retry: step.retry,
                catches,
                early_finish: step.early_finish,
                semantics: step.semantics,
                position: step.position,
            };
            readable.push(step.is_readable() || last_step_output[index]);
            steps.push(Some(step));
        } else {
            readable.push(true);
            steps.push(Some(placeholder(&ids[index], step.position)));
        }
    }
    check_unique_methods(checker, steps.iter().flatten());
    if checker.reporter.items.len() > before {
        return None;
    }
    // Move nested steps into their choice or map, innermost first (they follow their owner).
    for index in (0..count).rev() {
        let lists_here = std::mem::take(&mut nested[index]);
        let mut taken: Vec<Vec<Step>> = lists_here
            .iter()
            .map(|list| {
                lists[*list]
                    .steps
                    .iter()
                    .filter_map(|&step| steps[step].take())
                    .collect()
            })
            .collect();
        match steps[index].as_mut().map(|step| &mut step.kind) {
            Some(StepKind::Choice(choice)) => {
                let otherwise = choice.otherwise.is_some().then(|| taken.pop()).flatten();
                if choice.otherwise.is_some() {
                    choice.otherwise = otherwise;
                }
                for (arm, arm_steps) in choice.arms.iter_mut().zip(taken) {
                    arm.steps = arm_steps;
                }
            }
            Some(StepKind::Map(Map {
                body: MapBody::Steps(body),
                ..
            })) => {
                *body = taken.pop().unwrap_or_default();
            }
            Some(StepKind::Group(body)) => {
                *body = taken.pop().unwrap_or_default();
            }
            _ => {}
        }
    }
    let top = lists[0]
        .steps
        .iter()
        .filter_map(|&step| steps[step].take())
        .collect();
    Some((top, end_reachable))
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
        semantics: None,
        position,
    }
}

/// What a reader may read.
#[derive(Clone, Copy)]
struct ReadContext<'c> {
    ids: &'c [String],
    kinds: &'c [&'static str],
    /// Each branch id with the index of its parallel step.
    branches: &'c [(String, usize)],
    reader: usize,
    done: Option<&'c StepSet>,
    edges: &'c [Edge],
    layout: &'c Layout<'c>,
    /// Whether `item` (the current element of a map) can be read.
    item: bool,
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
            if resolved.iter().any(|read| read.id == name) {
                checker.reporter.error_help(
                    at(text),
                    format!("step `{reader_id}` reads `{name}` twice"),
                    "list each value once",
                );
                continue;
            }
            if let Some(read) = self.one(checker, reader_id, text, name, readable) {
                resolved.push(read);
            }
        }
        resolved
    }

    /// A choice's `on` or a map's `items`: `input.field`, `step.field` or `step`, always run before the step.
    fn subject(
        &self,
        checker: &mut Checker<'_, '_>,
        reader_id: &str,
        text: &Text,
        key: &str,
        readable: &[bool],
    ) -> Option<Read> {
        let (name, field) = super::kinds::split_field_ref(&text.value);
        let read = self.one(checker, reader_id, text, name, readable)?;
        let ReadSource::Step(index) = read.source else {
            if field.is_none() {
                let kind = if key == "items" { "map" } else { "choice" };
                checker.reporter.error_help(
                    at(text),
                    format!("`{key}` of {kind} `{reader_id}` names the whole input"),
                    format!("name one of its fields: `{key}: input.<field>`"),
                );
                return None;
            }
            return Some(read);
        };
        let kind = self.kinds[index];
        let problem = match (key, kind, field) {
            ("items", "parallel", _) => Some(format!(
                "`items` of map `{reader_id}` names `{name}`, a parallel step: its value is a tuple, not a list"
            )),
            ("items", "map", Some(_)) => Some(format!(
                "`items` of map `{reader_id}` names a field of `{name}`, a map step: its value is a list"
            )),
            ("on", "parallel" | "map", _) => Some(format!(
                "`on` of choice `{reader_id}` names `{name}`, a {kind} step: its value is not a `bool` or an enum"
            )),
            _ => None,
        };
        if let Some(problem) = problem {
            let help = match (key, kind) {
                ("items", "map") => format!("write `items: {name}` to run over its results"),
                ("items", _) => "name a `Vec` field of a task's output, e.g. `items: list-members.members`"
                    .to_string(),
                _ => "name a `bool` or enum field of a task's output, e.g. `on: evaluate-tier.has_changed`"
                    .to_string(),
            };
            checker.reporter.error_help(at(text), problem, help);
            return None;
        }
        Some(read)
    }

    /// One read of `name` (written at `text`), or a report.
    fn one(
        &self,
        checker: &mut Checker<'_, '_>,
        reader_id: &str,
        text: &Text,
        name: &str,
        readable: &[bool],
    ) -> Option<Read> {
        let position = crate::parse::position(text.referenced);
        if name == "input" || (name == "item" && self.item) {
            let source = if name == "input" {
                ReadSource::Input
            } else {
                ReadSource::Item
            };
            return Some(Read {
                id: name.to_string(),
                ident: name.to_string(),
                source,
                position,
            });
        }
        if name == "item" {
            checker.reporter.error_help(
                at(text),
                format!("step `{reader_id}` reads `item` outside a map"),
                "`item` is the current element inside a `map` step",
            );
            return None;
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
            return None;
        };
        if index == self.reader && reader_id != self.ids[self.reader] {
            checker.reporter.error_help(
                at(text),
                format!("branch `{reader_id}` reads `{name}`, the parallel step it belongs to"),
                format!("a branch can read only `input` and steps that run before `{name}`"),
            );
            return None;
        }
        if index == self.reader {
            checker.reporter.error_help(
                at(text),
                format!("step `{reader_id}` reads its own output"),
                "a step can read only `input` and steps that run before it",
            );
            return None;
        }
        if let Some(report) = self.nesting_problem(reader_id, index) {
            checker.reporter.error_help(at(text), report.0, report.1);
            return None;
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
            return None;
        }
        if let Some(done) = self.done
            && !done.contains(index)
        {
            let help = self
                .skipping_catch(index)
                .map(|(from, to)| {
                    if from == index {
                        format!("when `{name}` fails, its catch goes to `{}`", self.ids[to])
                    } else {
                        format!(
                            "the catch in `{}` goes to `{}`, skipping `{name}`",
                            self.ids[from], self.ids[to]
                        )
                    }
                })
                .or_else(|| self.only_in_arm(index));
            checker.reporter.error_maybe_help(
                at(text),
                format!("step `{reader_id}` reads `{name}`, which does not always run before it"),
                help,
            );
            return None;
        }
        if !readable.get(index).copied().unwrap_or(true) {
            let help = if self.kinds[index] == "choice" {
                format!("a choice has no value; read the steps that run before `{name}`")
            } else if self.kinds[index] == "group" {
                format!(
                    "a group's value is its last step's output; end `{name}` with a step that has one"
                )
            } else {
                format!("give `{name}` an `output:` type, or stop reading it")
            };
            checker.reporter.error_help(
                at(text),
                format!("step `{reader_id}` reads `{name}`, which has no output"),
                help,
            );
            return None;
        }
        Some(Read {
            id: name.to_string(),
            ident: names::snake_of_kebab(name),
            source: ReadSource::Step(index),
            position,
        })
    }

    /// Reads that the nesting forbids: a step of another arm of the same choice, a step inside a map or a group
    /// from outside it, the map or the group a step runs in.
    fn nesting_problem(&self, reader_id: &str, index: usize) -> Option<(String, String)> {
        let name = &self.ids[index];
        let reader_path = self.layout.enclosing(self.reader);
        let target_path = self.layout.enclosing(index);
        if let Some((Owner::Group(group), _)) = target_path.iter().rev().find(|(owner, list)| {
            matches!(owner, Owner::Group(_)) && !reader_path.contains(&(*owner, *list))
        }) {
            return Some((
                format!(
                    "step `{reader_id}` reads `{name}`, which runs inside group `{}`",
                    self.ids[*group]
                ),
                format!(
                    "after a group only its value can be read: read `{}` (its last step's output)",
                    self.ids[*group]
                ),
            ));
        }
        if reader_path
            .iter()
            .any(|(owner, _)| *owner == Owner::Group(index))
        {
            return Some((
                format!("step `{reader_id}` reads `{name}`, the group it runs in"),
                format!(
                    "a group's value exists once its last step completed; inside `{name}`, read its earlier steps or steps before it"
                ),
            ));
        }
        if let Some((Owner::Map(map), _)) = target_path.iter().find(|(owner, list)| {
            matches!(owner, Owner::Map(_)) && !reader_path.contains(&(*owner, *list))
        }) {
            return Some((
                format!(
                    "step `{reader_id}` reads `{name}`, which runs inside map `{}` once per element",
                    self.ids[*map]
                ),
                format!(
                    "read `{}` to get the result of every element",
                    self.ids[*map]
                ),
            ));
        }
        for (owner, list) in &target_path {
            let Owner::Choice(choice) = owner else {
                continue;
            };
            if let Some((_, reader_list)) = reader_path.iter().find(|(other, _)| other == owner)
                && reader_list != list
            {
                return Some((
                    format!(
                        "step `{reader_id}` reads `{name}` from another arm of choice `{}`",
                        self.ids[*choice]
                    ),
                    format!(
                        "the arms of `{}` exclude each other; `{name}` runs only in arm `{}`",
                        self.ids[*choice], self.layout.lists[*list].label
                    ),
                ));
            }
        }
        if let Some((Owner::Map(map), _)) = reader_path
            .iter()
            .find(|(owner, _)| *owner == Owner::Map(index))
        {
            return Some((
                format!("step `{reader_id}` reads `{name}`, the map it runs in"),
                format!(
                    "inside `{}`, read `item`, earlier steps of the map, or steps before `{}`",
                    self.ids[*map], self.ids[*map]
                ),
            ));
        }
        None
    }

    /// For a step inside a choice arm that the reader is not in: which arm it runs in.
    fn only_in_arm(&self, index: usize) -> Option<String> {
        let reader_path = self.layout.enclosing(self.reader);
        self.layout
            .enclosing(index)
            .into_iter()
            .rev()
            .find(|entry| matches!(entry.0, Owner::Choice(_)) && !reader_path.contains(entry))
            .and_then(|(owner, list)| match owner {
                Owner::Choice(choice) => Some(format!(
                    "`{}` runs only in arm `{}` of choice `{}`",
                    self.ids[index], self.layout.lists[list].label, self.ids[choice]
                )),
                _ => None,
            })
    }

    /// A catch edge that lets the flow reach the reader without `skipped` completing.
    fn skipping_catch(&self, skipped: usize) -> Option<(usize, usize)> {
        self.edges
            .iter()
            .find(|edge| {
                !edge.completed
                    && self.layout.list_of[edge.from] == self.layout.list_of[skipped]
                    && edge.from <= skipped
                    && edge.to > skipped
                    && edge.to <= self.reader
            })
            .map(|edge| (edge.from, edge.to))
    }
}

/// One activity method per task, branch and submitter: the `Activities` trait cannot hold two with one name,
/// nor one with the name of a method of a workflow it uses (their traits are its supertraits).
fn check_unique_methods<'s>(checker: &mut Checker<'_, '_>, steps: impl Iterator<Item = &'s Step>) {
    let mut seen: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
    let mut uses: Vec<&Step> = Vec::new();
    for step in steps {
        if let StepKind::Use(_) = step.kind {
            uses.push(step);
        }
        for (method, owner, position) in methods_of(step) {
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
    let mut named: Vec<&crate::ir::UseWorkflow> = Vec::new();
    for step in uses {
        let StepKind::Use(used) = &step.kind else {
            continue;
        };
        // One module per used workflow name: two different files cannot share one.
        match named
            .iter()
            .find(|known| known.workflow.name == used.workflow.name)
        {
            Some(known) if known.spec_hash != used.spec_hash => {
                let at = crate::diagnostic::At {
                    position: step.position,
                    len: u32::try_from(step.id.len()).unwrap_or(1),
                };
                checker.reporter.error_help(
                    at,
                    format!(
                        "`{}` uses `{}`, another workflow named `{}` than the one `{}` names",
                        step.id, used.path, used.workflow.name, known.path
                    ),
                    "each used workflow is generated as a module named after it: give them different `workflow:` names",
                );
            }
            Some(_) => {}
            None => named.push(used),
        }
        for method in methods_of_workflow(&used.workflow) {
            if let Some(owner) = seen.get(method.as_str()) {
                let at = crate::diagnostic::At {
                    position: step.position,
                    len: u32::try_from(step.id.len()).unwrap_or(1),
                };
                checker.reporter.error_help(
                    at,
                    format!(
                        "activity method `{method}` of `{owner}` is also a method of the workflow `{}` that `{}` uses",
                        used.workflow.name, step.id
                    ),
                    "rename one of them: one type implements both `Activities` traits",
                );
            }
        }
    }
}

/// Every activity method of `workflow` and of the workflows it uses.
fn methods_of_workflow(workflow: &crate::ir::Workflow) -> Vec<String> {
    let mut out = Vec::new();
    for step in workflow.all_steps() {
        out.extend(
            methods_of(step)
                .into_iter()
                .map(|(method, _, _)| method.to_string()),
        );
        if let StepKind::Use(used) = &step.kind {
            out.extend(methods_of_workflow(&used.workflow));
        }
    }
    out
}

/// The activity methods a step calls itself, with the task, branch or step they belong to.
fn methods_of(step: &Step) -> Vec<(&str, &str, crate::ir::Position)> {
    match &step.kind {
        StepKind::Task(task)
        | StepKind::Poll(crate::ir::Poll { task, .. })
        | StepKind::Map(Map {
            body: MapBody::Task(task),
            ..
        }) => vec![(&task.method, &step.id, step.position)],
        StepKind::Callback(callback) => vec![(&callback.submitter, &step.id, step.position)],
        StepKind::Parallel(branches) => branches
            .iter()
            .map(|b| (b.task.method.as_str(), b.id.as_str(), b.position))
            .collect(),
        _ => Vec::new(),
    }
}

/// `finish:` is needed exactly when the end of the steps can be reached (the last step can complete).
pub(crate) fn check_finish(
    checker: &mut Checker<'_, '_>,
    raw: &RawSpec,
    steps: &[Step],
    end_reachable: bool,
) {
    let Some(last) = steps.last() else { return };
    if end_reachable && raw.finish.is_none() {
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
