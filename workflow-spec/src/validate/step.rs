//! One step at a time: its id, its kind and the keys that kind allows.

use super::Checker;
use super::policy::PendingCatch;
use crate::ir::{EarlyFinish, Position, RetryPolicy, StepKind, Task};
use crate::names;
use crate::parse::{at, position};
use crate::raw::{RawSpec, RawStep, Text};
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
    pub(crate) position: Position,
}

impl Prepared<'_> {
    /// `succeed` and `fail` end the workflow: nothing runs after them.
    pub(crate) fn is_terminal(&self) -> bool {
        matches!(self.kind_name, "succeed" | "fail")
    }
}

/// The step kinds, in the order they are documented.
const KINDS: [&str; 7] = [
    "task", "parallel", "invoke", "callback", "wait", "succeed", "fail",
];

impl Checker<'_, '_> {
    /// Checks every step and then the flow between them.
    pub(crate) fn steps(
        &mut self,
        raw: &RawSpec,
        default_retry: Option<&RetryPolicy>,
    ) -> Option<Vec<crate::ir::Step>> {
        if raw.steps.value.is_empty() {
            self.reporter.error_help(
                at(&raw.steps),
                "the workflow has no steps",
                "add at least one step, e.g. `- read-account: { task: read_account }`",
            );
            return None;
        }
        let mut prepared = Vec::new();
        let mut seen: Vec<(String, u32)> = Vec::new();
        for entry in &raw.steps.value {
            let (id, body) = match entry.value.0.as_slice() {
                [(id, body)] => (id, body),
                [] => {
                    self.reporter.error_help(
                        at(entry),
                        "a step must map its id to its body",
                        "write e.g. `- read-account: { task: read_account }`",
                    );
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
                    continue;
                }
            };
            self.step_id(id, "step id", &mut seen);
            if let Some(branches) = &body.parallel {
                for (branch_id, _) in &branches.value.0 {
                    self.step_id(branch_id, "branch id", &mut seen);
                }
            }
            prepared.push(self.step(id, body, default_retry));
        }
        super::flow::resolve(self, prepared, raw.steps.value.len())
    }

    /// Checks an id's form and that no step or branch already uses it.
    fn step_id(&mut self, id: &Text, what: &str, seen: &mut Vec<(String, u32)>) {
        let name = id.value.trim();
        if let Some(problem) = names::kebab_case_problem(name) {
            self.kebab_error(id, what, problem);
        } else if names::is_keyword(&names::snake_of_kebab(name)) || name == "input" {
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
            position: position(id.referenced),
        };
        match present.as_slice() {
            [] => {
                self.reporter.error_help(
                    at(id),
                    format!("step `{step_id}` has no kind"),
                    "give it one of `task`, `parallel`, `invoke`, `callback`, `wait`, `succeed` or `fail`",
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
        self.allowed_keys(&step_id, kind, body);
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
            _ => body
                .fail
                .as_ref()
                .map(|message| StepKind::Fail(message.value.trim().to_string())),
        };
        if matches!(kind, "task" | "callback") {
            prepared.retry = step_retry;
        }
        if let Some(rules) = &body.catch {
            prepared.catches = self.catches(&step_id, kind, &rules.value);
        }
        prepared.early_finish = self.early_finish(&step_id, body, prepared.kind.as_ref());
        prepared
    }

    /// Reports keys the step's kind does not use.
    fn allowed_keys(&mut self, step_id: &str, kind: &str, body: &RawStep) {
        let output_ok = kind == "task";
        let reads_ok = matches!(kind, "task" | "invoke" | "callback");
        let retry_ok = matches!(kind, "task" | "parallel" | "callback");
        let catch_ok = matches!(kind, "task" | "parallel" | "invoke" | "callback");
        let finish_ok = matches!(kind, "task" | "invoke" | "callback");
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
                    _ => format!("`{key}` applies only to steps that run something; remove it"),
                };
                self.reporter.error_help(
                    place,
                    format!("`{key}` is not allowed on the {kind} step `{step_id}`"),
                    help,
                );
            }
        }
    }
}
