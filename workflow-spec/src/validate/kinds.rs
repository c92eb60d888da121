//! The bodies of the step kinds that have more than one value: parallel, invoke, callback, and early finishes.

use super::Checker;
use crate::ir::{
    Arm, ArmValue, Branch, Callback, Choice, EarlyFinish, FieldRef, FunctionSource, Invoke, Map,
    MapBody, Poll, Read, ReadSource, RetryPolicy, Semantics, StepKind, Task, Tolerance,
};
use crate::names;
use crate::parse::{at, position};
use crate::raw::{RawChoice, RawMap, RawPoll, RawStep, Text};
use serde_saphyr::Spanned;

impl Checker<'_, '_> {
    /// The branches of a parallel step.
    pub(super) fn branches<'s>(
        &mut self,
        step_id: &str,
        parallel: &'s Spanned<crate::raw::OrderedMap<Text, crate::raw::RawBranch>>,
        step_retry: Option<&RetryPolicy>,
        step_semantics: Option<Semantics>,
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
            let semantics = match &branch.semantics {
                Some(value) => self.semantics(value).map(Some),
                None => Some(step_semantics),
            };
            branch_reads.push(branch.reads.as_ref());
            match (method, output, retry, semantics) {
                (Some(method), Some(output), Some(retry), Some(semantics)) => {
                    branches.push(Branch {
                        id: id.value.trim().to_string(),
                        ident: names::snake_of_kebab(id.value.trim()),
                        task: Task { method, output },
                        reads: Vec::new(),
                        retry,
                        semantics,
                        position: position(id.referenced),
                    })
                }
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
            Some(StepKind::Callback(_) | StepKind::Poll(_)) => true,
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

    /// The `choice:` body; arm steps are checked as lists of their own, `on` is resolved by the flow check.
    pub(super) fn choice(&mut self, step_id: &str, choice: &Spanned<RawChoice>) -> Option<Choice> {
        let raw = &choice.value;
        let before = self.reporter.items.len();
        self.field_ref_form(&raw.on, "on");
        let enum_type = match &raw.enum_type {
            Some(path) => Some(self.type_path(path, "enum")?),
            None => None,
        };
        if raw.when.value.0.is_empty() {
            self.reporter.error_help(
                at(&raw.when),
                format!("choice `{step_id}` has no `when` arms"),
                "add e.g. `when: { Gold: [...] }` (an enum variant, or `true`/`false` for a bool)",
            );
        }
        let mut arms = Vec::new();
        for (value, _) in &raw.when.value.0 {
            let text = value.value.trim();
            let arm_value = match (&enum_type, text) {
                (None, "true") => ArmValue::Bool(true),
                (None, "false") => ArmValue::Bool(false),
                (None, _) => {
                    self.reporter.error_help(
                        at(value),
                        format!("arm `{text}` of choice `{step_id}` is not `true` or `false`"),
                        "a choice without `enum:` tests a `bool` field; for an enum field, name its type with `enum:`",
                    );
                    continue;
                }
                (Some(_), _) if names::is_camel_case_identifier(text) => {
                    ArmValue::Variant(text.to_string())
                }
                (Some(enum_type), _) => {
                    let help = names::camel_suggestion(text).map(|s| format!("use `{s}`"));
                    self.reporter.error_maybe_help(
                        at(value),
                        format!(
                            "invalid arm `{text}` of choice `{step_id}`: expected an UpperCamelCase variant of `{}`",
                            enum_type.path
                        ),
                        help,
                    );
                    continue;
                }
            };
            arms.push(Arm {
                value: arm_value,
                steps: Vec::new(),
                position: position(value.referenced),
            });
        }
        let both_bools = enum_type.is_none() && arms.len() == 2;
        if let (true, Some(otherwise)) = (both_bools, &raw.otherwise) {
            self.reporter.error_help(
                at(otherwise),
                format!("`otherwise` of choice `{step_id}` never runs: `true` and `false` both have an arm"),
                "remove `otherwise`, or one of the arms",
            );
        }
        if self.reporter.items.len() > before {
            return None;
        }
        Some(Choice {
            on: placeholder_field_ref(&raw.on),
            enum_type,
            arms,
            otherwise: raw.otherwise.as_ref().map(|_| Vec::new()),
        })
    }

    /// The `map:` body; its `steps` are checked as a list of their own, `items` is resolved by the flow check.
    pub(super) fn map(
        &mut self,
        step_id: &str,
        map: &Spanned<RawMap>,
        body: &RawStep,
    ) -> Option<Map> {
        let raw = &map.value;
        let before = self.reporter.items.len();
        self.field_ref_form(&raw.items, "items");
        let item = self.type_path(&raw.item, "item");
        let task = match (&raw.task, &raw.steps) {
            (Some(method), None) => {
                let method = self.method_name(method, "task");
                let output = match &body.output {
                    Some(output) => self.type_path(output, "output").map(Some),
                    None => Some(None),
                };
                Some(MapBody::Task(Task {
                    method: method?,
                    output: output?,
                }))
            }
            (None, Some(steps)) => {
                if steps.value.is_empty() {
                    self.reporter.error_help(
                        at(steps),
                        format!("map `{step_id}` has no steps"),
                        "give it at least one `task` step, or write `task:` instead of `steps:`",
                    );
                }
                Some(MapBody::Steps(Vec::new()))
            }
            (None, None) => {
                self.reporter.error_help(
                    at(map),
                    format!("map `{step_id}` runs nothing"),
                    "add `task: <method>` for one activity per element, or `steps:` for several",
                );
                None
            }
            (Some(_), Some(steps)) => {
                self.reporter.error_help(
                    at(steps),
                    format!("map `{step_id}` has both `task` and `steps`"),
                    "keep `task` for one activity per element, or move it into `steps`",
                );
                None
            }
        };
        let max_concurrency = raw.max_concurrency.as_ref().and_then(|written| {
            self.count(
                written,
                "max-concurrency",
                1,
                MAX_CONCURRENCY,
                "elements run at once",
            )
        });
        let batch = raw
            .batch
            .as_ref()
            .and_then(|written| self.count(written, "batch", 1, MAX_BATCH, "elements per call"));
        let tolerated_failures = raw
            .tolerated_failures
            .as_ref()
            .and_then(|written| self.tolerance(written));
        if self.reporter.items.len() > before {
            return None;
        }
        Some(Map {
            items: placeholder_field_ref(&raw.items),
            item: item?,
            body: task?,
            max_concurrency,
            tolerated_failures,
            batch,
        })
    }

    /// The `poll:` body: the check activity, its `done` field, the waits between checks and the bounds.
    pub(super) fn poll(
        &mut self,
        step_id: &str,
        poll: &Spanned<RawPoll>,
        body: &RawStep,
    ) -> Option<Poll> {
        let raw = &poll.value;
        let before = self.reporter.items.len();
        let method = self.method_name(&raw.task, "task");
        let done = raw.done.value.trim();
        if !names::is_snake_case_identifier(done) {
            let help = names::snake_suggestion(done).map(|s| format!("use `{s}`"));
            self.reporter.error_maybe_help(
                at(&raw.done),
                format!(
                    "invalid field name `{done}` in `done`: expected a snake_case Rust identifier"
                ),
                help,
            );
        }
        let output = match &body.output {
            Some(output) => self.type_path(output, "output"),
            None => {
                self.reporter.error_help(
                    at(poll),
                    format!("poll step `{step_id}` has no `output`"),
                    format!(
                        "give the step an `output:` type with the `bool` field `{done}`: each check returns it and \
                         it says whether the poll is done"
                    ),
                );
                None
            }
        };
        let interval = self.duration(&raw.interval, "interval", false);
        let max_interval = match &raw.max_interval {
            Some(text) => self.duration(text, "max-interval", false),
            None => interval.map(|interval| interval.max(DEFAULT_MAX_INTERVAL)),
        };
        self.check_backoff(raw.backoff.as_ref());
        if let (Some(interval), Some(max_interval), Some(written)) =
            (interval, max_interval, &raw.max_interval)
            && max_interval < interval
        {
            self.reporter.error(
                at(written),
                format!(
                    "`max-interval` ({}) is shorter than `interval` ({})",
                    crate::duration::format(max_interval),
                    crate::duration::format(interval)
                ),
            );
        }
        let max_attempts = raw.max_attempts.as_ref().and_then(|written| {
            self.count(
                written,
                "max-attempts",
                1,
                MAX_POLL_ATTEMPTS,
                "checks the poll makes at most",
            )
        });
        let deadline = raw
            .deadline
            .as_ref()
            .and_then(|text| self.duration(text, "deadline", false));
        if raw.max_attempts.is_none() && raw.deadline.is_none() {
            self.reporter.error_help(
                at(poll),
                format!("poll step `{step_id}` has neither `max-attempts` nor `deadline`"),
                "add e.g. `max-attempts: 10` or `deadline: 1h` (or both); without a bound, a check that is never \
                 done would poll forever",
            );
        }
        if let (Some(interval), Some(deadline), Some(written)) = (interval, deadline, &raw.deadline)
            && deadline < interval
        {
            self.reporter.error_help(
                at(written),
                format!(
                    "`deadline` ({}) is shorter than `interval` ({}): the poll would check only once",
                    crate::duration::format(deadline),
                    crate::duration::format(interval)
                ),
                "make `deadline` longer than `interval`, or use a `task` step for a single check",
            );
        }
        if self.reporter.items.len() > before {
            return None;
        }
        Some(Poll {
            task: Task {
                method: method?,
                output: Some(output?),
            },
            done: done.to_string(),
            interval: interval?,
            backoff_rate: raw.backoff.as_ref().map_or(1.0, |backoff| backoff.value),
            max_interval: max_interval?,
            max_attempts,
            deadline,
        })
    }

    /// A whole number within `min..=max`, or a report.
    pub(super) fn count(
        &mut self,
        written: &Spanned<i64>,
        key: &str,
        min: i64,
        max: i64,
        what: &str,
    ) -> Option<u32> {
        let value = written.value;
        if !(min..=max).contains(&value) {
            self.reporter.error_help(
                at(written),
                format!("invalid count `{value}` in `{key}`: it must be between {min} and {max}"),
                format!("`{key}` is the number of {what}"),
            );
            return None;
        }
        u32::try_from(value).ok()
    }

    /// `tolerated-failures`: a count (`2`) or a percentage (`10%`).
    fn tolerance(&mut self, written: &Text) -> Option<Tolerance> {
        let text = written.value.trim();
        let (number, percent) = match text.strip_suffix('%') {
            Some(number) => (number.trim_end(), true),
            None => (text, false),
        };
        let parsed = if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            None
        } else {
            number.parse::<u32>().ok()
        };
        match (parsed, percent) {
            (Some(value), true) if value <= 100 => Some(Tolerance::Percent(value)),
            (Some(value), false) if i64::from(value) <= MAX_TOLERATED => {
                Some(Tolerance::Count(value))
            }
            (Some(_), true) => {
                self.reporter.error(
                    at(written),
                    format!("invalid percentage `{text}` in `tolerated-failures`: it must be between 0% and 100%"),
                );
                None
            }
            _ => {
                self.reporter.error_help(
                    at(written),
                    format!(
                        "invalid `tolerated-failures` `{text}`: expected a count or a percentage"
                    ),
                    format!(
                        "write a count from 0 to {MAX_TOLERATED} (`2`) or a percentage (`10%`)"
                    ),
                );
                None
            }
        }
    }

    /// The form of a `step.field` reference (`on`, `items`): a kebab-case id, optionally a snake_case field.
    fn field_ref_form(&mut self, text: &Text, key: &str) {
        let (_, field) = split_field_ref(&text.value);
        if let Some(field) = field
            && !names::is_snake_case_identifier(field)
        {
            let help = names::snake_suggestion(field)
                .map(|s| format!("use `{s}`"))
                .unwrap_or_else(|| format!("write `{key}: <step>.<field>`"));
            self.reporter.error_help(
                at(text),
                format!(
                    "invalid field name `{field}` in `{key}`: expected a snake_case Rust identifier"
                ),
                help,
            );
        }
    }
}

/// The most elements of a map that run at once.
const MAX_CONCURRENCY: i64 = 1000;
/// The most elements in one batch.
const MAX_BATCH: i64 = 10_000;
/// The largest tolerated failure count.
const MAX_TOLERATED: i64 = 1_000_000;
/// The most checks a poll may make.
const MAX_POLL_ATTEMPTS: i64 = 100_000;
/// Upper bound of a poll's wait between checks when `max-interval` is not written (unless `interval` is longer).
const DEFAULT_MAX_INTERVAL: std::time::Duration = std::time::Duration::from_secs(300);

/// `step.field` -> (`step`, `Some(field)`); `step` -> (`step`, `None`).
pub(super) fn split_field_ref(text: &str) -> (&str, Option<&str>) {
    let text = text.trim();
    match text.split_once('.') {
        Some((value, field)) => (value.trim(), Some(field.trim())),
        None => (text, None),
    }
}

/// A field reference whose read the flow check fills in.
fn placeholder_field_ref(text: &Text) -> FieldRef {
    let (value, field) = split_field_ref(&text.value);
    FieldRef {
        read: Read {
            id: value.to_string(),
            ident: names::snake_of_kebab(value),
            source: ReadSource::Input,
            position: position(text.referenced),
        },
        field: field.map(str::to_string),
    }
}
