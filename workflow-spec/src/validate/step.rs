//! One step at a time: its id, its kind and the keys that kind allows.

use super::Checker;
use super::policy::PendingCatch;
use crate::ir::{EarlyFinish, Position, RetryPolicy, Semantics, StepKind, Task};
use crate::names;
use crate::parse::{at, position};
use crate::raw::{RawSpec, RawStep, RawSteps, Text};
use serde_saphyr::Spanned;

/// A step whose own parts are checked; reads and goto targets are resolved by the flow check.
pub(crate) struct Prepared<'r> {
    pub(crate) id: &'r Text,
    pub(crate) kind: Option<StepKind>,
    pub(crate) kind_name: &'static str,
    pub(crate) reads: Option<&'r Spanned<Vec<Text>>>,
    /// For a parallel step: each branch's `reads`, in branch order.
    pub(crate) branch_reads: Vec<Option<&'r Spanned<Vec<Text>>>>,
    pub(crate) retry: Option<RetryPolicy>,
    pub(crate) catches: Vec<PendingCatch>,
    pub(crate) early_finish: Option<EarlyFinish>,
    /// `semantics:` of a task step or of a map step with a `task:` body.
    pub(crate) semantics: Option<Semantics>,
    pub(crate) position: Position,
    /// A choice's `on` or a map's `items`: a value (and field) resolved like a read.
    pub(crate) subject: Option<&'r Text>,
    /// The lists nested in this step: a choice's arms then `otherwise`, a map's `steps`.
    pub(crate) nested: Vec<usize>,
}

impl Prepared<'_> {
    /// `succeed` and `fail` end the workflow: nothing runs after them.
    pub(crate) fn is_terminal(&self) -> bool {
        matches!(self.kind_name, "succeed" | "fail")
    }
}

/// Who owns a list of steps.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Owner {
    /// The workflow's `steps`.
    Workflow,
    /// An arm (or `otherwise`) of the choice step at this index.
    Choice(usize),
    /// The `steps` of the map step at this index.
    Map(usize),
    /// The steps of the group step at this index.
    Group(usize),
}

/// One list of steps.
pub(crate) struct List {
    pub(crate) owner: Owner,
    /// The arm's value as written (`Gold`, `true`), or `otherwise`; empty for other lists.
    pub(crate) label: String,
    /// Indexes of its steps in [`Flat::steps`], in order.
    pub(crate) steps: Vec<usize>,
}

/// Every step of the file, nested ones included, in file order (each step before the steps nested in it).
pub(crate) struct Flat<'r> {
    pub(crate) steps: Vec<Prepared<'r>>,
    pub(crate) lists: Vec<List>,
    /// Whether every written step item made it into `steps` (otherwise unreachable steps are not reported).
    pub(crate) complete: bool,
}

/// The step kinds, in the order they are documented.
const KINDS: [&str; 12] = [
    "task", "parallel", "invoke", "callback", "wait", "succeed", "fail", "choice", "map", "poll",
    "group", "use",
];

impl Checker<'_, '_> {
    /// Checks every step and then the flow between them: the top-level steps (with the nested ones inside
    /// them) and whether the last one can complete.
    pub(crate) fn steps(
        &mut self,
        raw: &RawSpec,
        default_retry: Option<&RetryPolicy>,
    ) -> Option<(Vec<crate::ir::Step>, bool)> {
        if raw.steps.value.is_empty() {
            self.reporter.error_help(
                at(&raw.steps),
                "the workflow has no steps",
                "add at least one step, e.g. `- read-account: { task: read_account }`",
            );
            return None;
        }
        let mut flat = Flat {
            steps: Vec::new(),
            lists: Vec::new(),
            complete: true,
        };
        let mut seen: Vec<(String, u32)> = Vec::new();
        self.list(
            &raw.steps,
            Owner::Workflow,
            String::new(),
            default_retry,
            &mut flat,
            &mut seen,
        );
        super::flow::resolve(self, flat)
    }

    /// Checks one list of steps and the lists nested in them, appending to `flat`; returns the list's index.
    fn list<'s>(
        &mut self,
        raw: &'s RawSteps,
        owner: Owner,
        label: String,
        default_retry: Option<&RetryPolicy>,
        flat: &mut Flat<'s>,
        seen: &mut Vec<(String, u32)>,
    ) -> usize {
        let list = flat.lists.len();
        flat.lists.push(List {
            owner,
            label,
            steps: Vec::new(),
        });
        for entry in &raw.value {
            let (id, body) = match entry.value.0.as_slice() {
                [(id, body)] => (id, body),
                [] => {
                    self.reporter.error_help(
                        at(entry),
                        "a step must map its id to its body",
                        "write e.g. `- read-account: { task: read_account }`",
                    );
                    flat.complete = false;
                    continue;
                }
                [(first, _), (second, _), ..] => {
                    self.reporter.error_help(
                        at(second),
                        format!(
                            "one list item holds two steps, `{}` and `{}`",
                            first.value.trim(),
                            second.value.trim()
                        ),
                        "start each step with its own `- `",
                    );
                    flat.complete = false;
                    continue;
                }
            };
            self.step_id(id, "step id", seen);
            if let Some(branches) = &body.parallel {
                for (branch_id, _) in &branches.value.0 {
                    self.step_id(branch_id, "branch id", seen);
                }
            }
            let index = flat.steps.len();
            if let Owner::Map(map) = owner {
                self.map_step_keys(id, body, flat.steps[map].id);
            }
            let prepared = self.step(id, body, default_retry);
            flat.steps.push(prepared);
            flat.lists[list].steps.push(index);
            let kind_name = flat.steps[index].kind_name;
            if kind_name == "choice"
                && let Some(choice) = &body.choice
            {
                let mut nested = Vec::new();
                for (value, steps) in &choice.value.when.value.0 {
                    let label = value.value.trim().to_string();
                    self.non_empty_arm(id, &label, value, steps);
                    let arm = self.list(
                        steps,
                        Owner::Choice(index),
                        label,
                        default_retry,
                        flat,
                        seen,
                    );
                    nested.push(arm);
                }
                if let Some(otherwise) = &choice.value.otherwise {
                    if otherwise.value.is_empty() {
                        self.reporter.error_help(
                            at(otherwise),
                            format!(
                                "`otherwise` of choice `{}` has no steps",
                                id.value.trim()
                            ),
                            "remove `otherwise`: without it, the other values continue after the choice",
                        );
                    }
                    let arm = self.list(
                        otherwise,
                        Owner::Choice(index),
                        "otherwise".to_string(),
                        default_retry,
                        flat,
                        seen,
                    );
                    nested.push(arm);
                }
                flat.steps[index].nested = nested;
            }
            if kind_name == "map"
                && let Some(map) = &body.map
                && let Some(steps) = &map.value.steps
            {
                let step_retry = flat.steps[index].retry.clone();
                let inherited = step_retry.as_ref().or(default_retry);
                let body_list = self.list(
                    steps,
                    Owner::Map(index),
                    String::new(),
                    inherited,
                    flat,
                    seen,
                );
                flat.steps[index].nested = vec![body_list];
                flat.steps[index].retry = None;
            }
            if kind_name == "group"
                && let Some(steps) = &body.group
            {
                if steps.value.is_empty() {
                    self.reporter.error_help(
                        at(steps),
                        format!("group `{}` has no steps", id.value.trim()),
                        "give the group at least one step, e.g. `- send-receipt: { task: send_receipt }`",
                    );
                }
                let group_list = self.list(
                    steps,
                    Owner::Group(index),
                    String::new(),
                    default_retry,
                    flat,
                    seen,
                );
                flat.steps[index].nested = vec![group_list];
            }
        }
        list
    }

    /// An arm needs at least one step.
    fn non_empty_arm(&mut self, choice: &Text, label: &str, value: &Text, steps: &RawSteps) {
        if steps.value.is_empty() {
            self.reporter.error_help(
                at(value),
                format!(
                    "arm `{label}` of choice `{}` has no steps",
                    choice.value.trim()
                ),
                "give the arm at least one step, or remove it: a value without an arm continues after the choice",
            );
        }
    }

    /// Inside a map only tasks run, without `catch` or early finishes (a failure counts against the map).
    fn map_step_keys(&mut self, id: &Text, body: &RawStep, map: &Text) {
        let map_id = map.value.trim();
        let step_id = id.value.trim();
        let other_kind = [
            ("parallel", body.parallel.is_some()),
            ("invoke", body.invoke.is_some()),
            ("callback", body.callback.is_some()),
            ("wait", body.wait.is_some()),
            ("succeed", body.succeed.is_some()),
            ("fail", body.fail.is_some()),
            ("choice", body.choice.is_some()),
            ("map", body.map.is_some()),
            ("poll", body.poll.is_some()),
            ("group", body.group.is_some()),
            ("use", body.uses.is_some()),
        ]
        .into_iter()
        .find_map(|(kind, present)| present.then_some(kind));
        if let Some(kind) = other_kind {
            self.reporter.error_help(
                at(id),
                format!("step `{step_id}` in map `{map_id}` is a {kind} step"),
                "only `task` steps run inside a `map`",
            );
        }
        let keys = [
            ("catch", body.catch.as_ref().map(at)),
            ("finish-if", body.finish_if.as_ref().map(at)),
            ("finish-unless", body.finish_unless.as_ref().map(at)),
        ];
        for (key, place) in keys {
            if let Some(place) = place {
                self.reporter.error_help(
                    place,
                    format!("`{key}` is not allowed on step `{step_id}` inside map `{map_id}`"),
                    format!(
                        "a failed element counts against `tolerated-failures`; catch `TooManyFailures` on `{map_id}`"
                    ),
                );
            }
        }
    }

    /// Checks an id's form and that no step or branch already uses it.
    fn step_id(&mut self, id: &Text, what: &str, seen: &mut Vec<(String, u32)>) {
        let name = id.value.trim();
        if let Some(problem) = names::kebab_case_problem(name) {
            self.kebab_error(id, what, problem);
        } else if names::is_keyword(&names::snake_of_kebab(name))
            || name == "input"
            || name == "item"
        {
            self.reporter.error_help(
                at(id),
                format!("invalid {what} `{name}`: it is reserved"),
                format!("choose another name, e.g. `{name}-step`"),
            );
        }
        if let Some((_, line)) = seen.iter().find(|(known, _)| known == name) {
            self.reporter.error_help(
                at(id),
                format!("duplicate step id `{name}`"),
                format!("`{name}` is already used on line {line}; ids name durable operations and must be unique"),
            );
        } else {
            seen.push((name.to_string(), position(id.referenced).line));
        }
    }

    /// Checks one step body.
    fn step<'s>(
        &mut self,
        id: &'s Text,
        body: &'s RawStep,
        default_retry: Option<&RetryPolicy>,
    ) -> Prepared<'s> {
        let step_id = id.value.trim().to_string();
        let present: Vec<&'static str> = [
            body.task.is_some(),
            body.parallel.is_some(),
            body.invoke.is_some(),
            body.callback.is_some(),
            body.wait.is_some(),
            body.succeed.is_some(),
            body.fail.is_some(),
            body.choice.is_some(),
            body.map.is_some(),
            body.poll.is_some(),
            body.group.is_some(),
            body.uses.is_some(),
        ]
        .iter()
        .zip(KINDS)
        .filter_map(|(present, kind)| present.then_some(kind))
        .collect();
        let mut prepared = Prepared {
            id,
            kind: None,
            kind_name: present.first().copied().unwrap_or(""),
            reads: body.reads.as_ref(),
            branch_reads: Vec::new(),
            retry: None,
            catches: Vec::new(),
            early_finish: None,
            semantics: None,
            position: position(id.referenced),
            subject: None,
            nested: Vec::new(),
        };
        match present.as_slice() {
            [] => {
                self.reporter.error_help(
                    at(id),
                    format!("step `{step_id}` has no kind"),
                    "give it one of `task`, `parallel`, `invoke`, `callback`, `wait`, `succeed`, `fail`, `choice`, `map`, `poll`, `group` or `use`",
                );
                return prepared;
            }
            [_] => {}
            [first, second, ..] => {
                self.reporter.error_help(
                    at(id),
                    format!("step `{step_id}` has two kinds, `{first}` and `{second}`"),
                    "a step does one thing; split it into two steps",
                );
                return prepared;
            }
        }
        let kind = prepared.kind_name;
        let semantics_allowed = self.allowed_keys(&step_id, kind, body);
        let step_semantics = match &body.semantics {
            Some(value) if semantics_allowed => self.semantics(value),
            _ => None,
        };
        let step_retry = match &body.retry {
            Some(retry) => self.retry_policy(retry),
            None => default_retry.cloned(),
        };
        prepared.kind = match kind {
            "task" => body.task.as_ref().and_then(|method| {
                let method = self.method_name(method, "task");
                let output = match &body.output {
                    Some(output) => self.type_path(output, "output").map(Some),
                    None => Some(None),
                };
                Some(StepKind::Task(Task {
                    method: method?,
                    output: output?,
                }))
            }),
            "parallel" => body.parallel.as_ref().and_then(|parallel| {
                let branches = self.branches(
                    &step_id,
                    parallel,
                    step_retry.as_ref(),
                    step_semantics,
                    &mut prepared.branch_reads,
                );
                branches.map(StepKind::Parallel)
            }),
            "invoke" => body
                .invoke
                .as_ref()
                .and_then(|invoke| self.invoke(invoke))
                .map(StepKind::Invoke),
            "callback" => body
                .callback
                .as_ref()
                .and_then(|callback| self.callback(&step_id, callback))
                .map(StepKind::Callback),
            "wait" => body
                .wait
                .as_ref()
                .and_then(|wait| self.duration(wait, "wait", false))
                .map(StepKind::Wait),
            "succeed" => body
                .succeed
                .as_ref()
                .and_then(|outcome| self.outcome(outcome))
                .map(StepKind::Succeed),
            "choice" => body.choice.as_ref().and_then(|choice| {
                prepared.subject = Some(&choice.value.on);
                self.choice(&step_id, choice).map(StepKind::Choice)
            }),
            "map" => body.map.as_ref().and_then(|map| {
                prepared.subject = Some(&map.value.items);
                self.map(&step_id, map, body).map(StepKind::Map)
            }),
            "poll" => body
                .poll
                .as_ref()
                .and_then(|poll| self.poll(&step_id, poll, body))
                .map(StepKind::Poll),
            "group" => Some(StepKind::Group(Vec::new())),
            "use" => {
                self.one_read(&step_id, id, body);
                body.uses
                    .as_ref()
                    .and_then(|path| self.used_workflow(path))
                    .map(StepKind::Use)
            }
            _ => body
                .fail
                .as_ref()
                .map(|message| StepKind::Fail(message.value.trim().to_string())),
        };
        if matches!(kind, "task" | "callback" | "map" | "poll") {
            prepared.retry = step_retry;
        }
        if matches!(kind, "task" | "map") {
            prepared.semantics = step_semantics;
        }
        if let Some(rules) = &body.catch {
            prepared.catches = self.catches(&step_id, kind, &rules.value);
        }
        prepared.early_finish = self.early_finish(&step_id, body, prepared.kind.as_ref());
        prepared
    }

    /// A `use` step reads exactly one value: the used workflow's input.
    fn one_read(&mut self, step_id: &str, id: &Text, body: &RawStep) {
        let count = body.reads.as_ref().map_or(0, |reads| reads.value.len());
        if count != 1 {
            let place = body.reads.as_ref().map_or_else(|| at(id), at);
            self.reporter.error_help(
                place,
                format!("the `use` step `{step_id}` reads {count} values"),
                "it reads exactly one: the used workflow's input, e.g. `reads: [input]`",
            );
        }
    }

    /// A `semantics:` value.
    pub(super) fn semantics(&mut self, value: &Text) -> Option<Semantics> {
        match value.value.trim() {
            "at-least-once" => Some(Semantics::AtLeastOnce),
            "at-most-once" => Some(Semantics::AtMostOnce),
            other => {
                let values = format!("the values are `{}`", Semantics::VALUES.join("` and `"));
                let help = match names::did_you_mean(other, Semantics::VALUES) {
                    Some(suggestion) => format!("{suggestion} {values}"),
                    None => values,
                };
                self.reporter
                    .error_help(at(value), format!("unknown semantics `{other}`"), help);
                None
            }
        }
    }

    /// Reports `semantics:` on a step whose kind runs no activity as an SDK step; whether it is allowed.
    fn semantics_allowed(
        &mut self,
        step_id: &str,
        kind: &str,
        map_task: bool,
        body: &RawStep,
    ) -> bool {
        let ok = matches!(kind, "task" | "parallel") || map_task;
        if let (Some(place), false) = (body.semantics.as_ref().map(at), ok) {
            let help = match kind {
                "map" => "give the map's steps their own `semantics`".to_string(),
                "poll" => "a poll's checks run in the SDK's wait-for-condition, which has no step semantics"
                    .to_string(),
                "callback" => {
                    "the SDK runs a callback's submitter without a choice of semantics".to_string()
                }
                "choice" => {
                    "a choice only selects an arm; give `semantics` to the steps of its arms".to_string()
                }
                "group" => "give `semantics` to the steps of the group".to_string(),
                "use" => "give `semantics` to the steps of the used workflow".to_string(),
                _ => "`semantics` applies only to activities the SDK runs as a step: `task` steps, parallel branches and a map's tasks".to_string(),
            };
            self.reporter.error_help(
                place,
                format!("`semantics` is not allowed on the {kind} step `{step_id}`"),
                help,
            );
        }
        ok
    }

    /// Reports keys the step's kind does not use; whether `semantics` is allowed.
    fn allowed_keys(&mut self, step_id: &str, kind: &str, body: &RawStep) -> bool {
        let map_task = kind == "map"
            && body
                .map
                .as_ref()
                .is_some_and(|map| map.value.steps.is_none());
        let output_ok = matches!(kind, "task" | "poll") || map_task;
        let reads_ok = matches!(kind, "task" | "invoke" | "callback" | "poll" | "use") || map_task;
        let retry_ok = matches!(kind, "task" | "parallel" | "callback" | "map" | "poll");
        let catch_ok = matches!(
            kind,
            "task" | "parallel" | "invoke" | "callback" | "map" | "poll" | "use"
        );
        let finish_ok = matches!(kind, "task" | "invoke" | "callback" | "poll");
        let checks: [(&str, Option<crate::diagnostic::At>, bool); 6] = [
            ("output", body.output.as_ref().map(at), output_ok),
            ("reads", body.reads.as_ref().map(at), reads_ok),
            ("retry", body.retry.as_ref().map(at), retry_ok),
            ("catch", body.catch.as_ref().map(at), catch_ok),
            (
                "finish-unless",
                body.finish_unless.as_ref().map(at),
                finish_ok,
            ),
            ("finish-if", body.finish_if.as_ref().map(at), finish_ok),
        ];
        for (key, place, ok) in checks {
            if let (Some(place), false) = (place, ok) {
                let help = match (kind, key) {
                    ("parallel", "output" | "reads") => format!("give each branch its own `{key}`"),
                    ("invoke", "output") => {
                        "write the result type inside `invoke:` as `output:`".to_string()
                    }
                    ("callback", "output") => {
                        "a callback's value has its `result` type".to_string()
                    }
                    ("map", "output" | "reads") => {
                        format!("give the map's steps their own `{key}`")
                    }
                    ("choice", _) => format!(
                        "a choice only selects an arm; give `{key}` to the steps of its arms"
                    ),
                    ("group", "output") => "a group's value is its last step's output".to_string(),
                    ("group", "catch") => {
                        "catch the error on the step inside the group that raises it".to_string()
                    }
                    ("group", "finish-if" | "finish-unless") => format!(
                        "put `{key}` on the group's last step, whose output is the group's value"
                    ),
                    ("group", _) => format!("give `{key}` to the steps of the group"),
                    ("use", "output") => {
                        "a `use` step's value is the used workflow's outcome (its `output:` type)"
                            .to_string()
                    }
                    ("use", _) => format!("give `{key}` to the steps of the used workflow"),
                    _ => format!("`{key}` applies only to steps that run something; remove it"),
                };
                self.reporter.error_help(
                    place,
                    format!("`{key}` is not allowed on the {kind} step `{step_id}`"),
                    help,
                );
            }
        }
        self.semantics_allowed(step_id, kind, map_task, body)
    }
}
