//! The bodies of the step kinds that have more than one value: parallel, invoke, callback, and early finishes.

use super::Checker;
use crate::ir::{
    Branch, Callback, EarlyFinish, FunctionSource, Invoke, RetryPolicy, StepKind, Task,
};
use crate::names;
use crate::parse::{at, position};
use crate::raw::{RawStep, Text};
use serde_saphyr::Spanned;

impl Checker<'_, '_> {
    /// The branches of a parallel step.
    pub(super) fn branches<'s>(
        &mut self,
        step_id: &str,
        parallel: &'s Spanned<crate::raw::OrderedMap<Text, crate::raw::RawBranch>>,
        step_retry: Option<&RetryPolicy>,
        branch_reads: &mut Vec<Option<&'s Spanned<Vec<Text>>>>,
    ) -> Option<Vec<Branch>> {
        let count = parallel.value.0.len();
        if count < 2 {
            self.reporter.error_help(
                at(parallel),
                format!(
                    "parallel step `{step_id}` has {count} branch{}; it needs at least two",
                    if count == 1 { "" } else { "es" }
                ),
                "use a `task` step for a single activity",
            );
        }
        let mut branches = Vec::new();
        let mut complete = count >= 2;
        for (id, branch) in &parallel.value.0 {
            let method = self.method_name(&branch.task, "task");
            let output = match &branch.output {
                Some(output) => self.type_path(output, "output").map(Some),
                None => Some(None),
            };
            let retry = match &branch.retry {
                Some(retry) => self.retry_policy(retry).map(Some),
                None => Some(step_retry.cloned()),
            };
            branch_reads.push(branch.reads.as_ref());
            match (method, output, retry) {
                (Some(method), Some(output), Some(retry)) => branches.push(Branch {
                    id: id.value.trim().to_string(),
                    ident: names::snake_of_kebab(id.value.trim()),
                    task: Task { method, output },
                    reads: Vec::new(),
                    retry,
                    position: position(id.referenced),
                }),
                _ => complete = false,
            }
        }
        complete.then_some(branches)
    }

    /// The `invoke:` body.
    pub(super) fn invoke(&mut self, invoke: &Spanned<crate::raw::RawInvoke>) -> Option<Invoke> {
        let raw = &invoke.value;
        let function = match (&raw.function.value.env, &raw.function.value.name) {
            (Some(env), None) if names::is_env_var_name(env.value.trim()) => {
                Some(FunctionSource::Env(env.value.trim().to_string()))
            }
            (Some(env), None) => {
                self.reporter.error_help(
                    at(env),
                    format!("invalid environment variable name `{}`", env.value.trim()),
                    "use uppercase letters, digits and `_`, e.g. `FETCH_ORDER_HISTORY_ACTIVITY_ARN`",
                );
                None
            }
            (None, Some(name)) if !name.value.trim().is_empty() => {
                Some(FunctionSource::Name(name.value.trim().to_string()))
            }
            (None, Some(name)) => {
                self.reporter
                    .error(at(name), "the invoked function `name` is empty");
                None
            }
            _ => {
                self.reporter.error_help(
                    at(&raw.function),
                    "`function` needs exactly one of `env` or `name`",
                    "e.g. `function: { env: FETCH_ORDER_HISTORY_ACTIVITY_ARN }`",
                );
                None
            }
        };
        let input = self.type_path(&raw.input, "input");
        let output = match &raw.output {
            Some(output) => self.type_path(output, "output").map(Some),
            None => Some(None),
        };
        Some(Invoke {
            function: function?,
            input: input?,
            output: output?,
        })
    }

    /// The `callback:` body.
    pub(super) fn callback(
        &mut self,
        step_id: &str,
        callback: &Spanned<crate::raw::RawCallback>,
    ) -> Option<Callback> {
        let raw = &callback.value;
        let submitter = self.method_name(&raw.submit, "submit");
        let result = self.type_path(&raw.result, "result");
        let timeout = match &raw.timeout {
            Some(timeout) => self.duration(timeout, "timeout", false),
            None => {
                self.reporter.error_help(
                    at(callback),
                    format!("callback step `{step_id}` has no `timeout`"),
                    "add e.g. `timeout: 5m`; without one a lost callback would wait forever",
                );
                None
            }
        };
        let heartbeat = match &raw.heartbeat {
            Some(text) => match self.duration(text, "heartbeat", false) {
                Some(heartbeat) => {
                    if let Some(timeout) = timeout
                        && heartbeat >= timeout
                    {
                        self.reporter.error_help(
                            at(text),
                            format!(
                                "`heartbeat` ({}) must be shorter than `timeout` ({})",
                                crate::duration::format(heartbeat),
                                crate::duration::format(timeout)
                            ),
                            "remove `heartbeat` or make it shorter than `timeout`",
                        );
                        return None;
                    }
                    Some(Some(heartbeat))
                }
                None => None,
            },
            None => Some(None),
        };
        Some(Callback {
            submitter: submitter?,
            result: result?,
            timeout: timeout?,
            heartbeat: heartbeat?,
        })
    }

    /// `finish-unless:` / `finish-if:`.
    pub(super) fn early_finish(
        &mut self,
        step_id: &str,
        body: &RawStep,
        kind: Option<&StepKind>,
    ) -> Option<EarlyFinish> {
        let (rule, finish_when, key) = match (&body.finish_unless, &body.finish_if) {
            (Some(unless), None) => (unless, false, "finish-unless"),
            (None, Some(when)) => (when, true, "finish-if"),
            (None, None) => return None,
            (Some(_), Some(when)) => {
                self.reporter.error_help(
                    at(when),
                    format!("step `{step_id}` has both `finish-unless` and `finish-if`"),
                    "keep one; a second condition belongs to another step",
                );
                return None;
            }
        };
        let has_output = match kind {
            Some(StepKind::Task(task)) => task.output.is_some(),
            Some(StepKind::Invoke(invoke)) => invoke.output.is_some(),
            Some(StepKind::Callback(_)) => true,
            _ => return None,
        };
        if !has_output {
            self.reporter.error_help(
                at(rule),
                format!("`{key}` needs an output, but step `{step_id}` has no `output`"),
                "give the step an `output:` type with a `bool` field",
            );
            return None;
        }
        let field = rule.value.field.value.trim();
        if !names::is_snake_case_identifier(field) {
            let help = names::snake_suggestion(field).map(|s| format!("use `{s}`"));
            self.reporter.error_maybe_help(
                at(&rule.value.field),
                format!("invalid field name `{field}`: expected a snake_case Rust identifier"),
                help,
            );
            return None;
        }
        let outcome = self.outcome(&rule.value.outcome)?;
        Some(EarlyFinish {
            field: field.to_string(),
            finish_when,
            outcome,
            position: position(rule.referenced),
        })
    }
}
