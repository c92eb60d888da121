//! `retry:` and `catch:`.

use super::Checker;
use crate::duration;
use crate::ir::{BUILTIN_ERROR_KINDS, Catch, CatchAction, Jitter, RetryPolicy};
use crate::names;
use crate::parse::{at, position};
use crate::raw::{RawCatch, RawRetry, Text};
use serde_saphyr::Spanned;
use std::time::Duration;

/// The most attempts a retry policy may ask for.
pub(crate) const MAX_ATTEMPTS: i64 = 1000;
/// Delay before the first retry when `delay` is not written (the durable SDK's default preset).
pub(crate) const DEFAULT_DELAY: Duration = Duration::from_secs(5);
/// Backoff rate when `backoff` is not written.
pub(crate) const DEFAULT_BACKOFF: f64 = 2.0;
/// Upper bound of a delay when `max-delay` is not written.
pub(crate) const DEFAULT_MAX_DELAY: Duration = Duration::from_secs(60);

/// A step's catch rules before goto targets are resolved (done by the flow check).
pub(crate) struct PendingCatch {
    pub(crate) error: String,
    pub(crate) action: PendingAction,
    pub(crate) position: crate::ir::Position,
}

/// A catch action; a goto still names its target.
pub(crate) enum PendingAction {
    Resolved(CatchAction),
    Goto(Text),
}

impl PendingCatch {
    /// The IR catch, given the goto target's index.
    pub(crate) fn resolve(self, target_index: Option<usize>) -> Option<Catch> {
        let action = match self.action {
            PendingAction::Resolved(action) => action,
            PendingAction::Goto(target) => CatchAction::Goto {
                id: target.value.trim().to_string(),
                index: target_index?,
            },
        };
        Some(Catch {
            error: self.error,
            action,
            position: self.position,
        })
    }
}

impl Checker<'_, '_> {
    /// A `backoff` rate (of a retry or a poll), which must be between 1.0 and 100.0; reported otherwise.
    pub(crate) fn check_backoff(&mut self, backoff: Option<&Spanned<f64>>) {
        if let Some(written) = backoff
            && !(written.value.is_finite() && (1.0..=100.0).contains(&written.value))
        {
            self.reporter.error(
                at(written),
                format!(
                    "invalid rate `{}` in `backoff`: it must be between 1.0 and 100.0",
                    written.value
                ),
            );
        }
    }

    /// A duration value, or a report.
    pub(crate) fn duration(
        &mut self,
        text: &Text,
        key: &str,
        allow_zero: bool,
    ) -> Option<Duration> {
        match duration::parse(&text.value) {
            Ok(value) if value.is_zero() && !allow_zero => {
                self.reporter.error(
                    at(text),
                    format!(
                        "invalid duration `{}` in `{key}`: it must be longer than 0s",
                        text.value.trim()
                    ),
                );
                None
            }
            Ok(value) => Some(value),
            Err(problem) => {
                self.reporter.error_help(
                    at(text),
                    format!(
                        "invalid duration `{}` in `{key}`: {problem}",
                        text.value.trim()
                    ),
                    "write e.g. `500ms`, `30s`, `5m` or `1h`",
                );
                None
            }
        }
    }

    /// Checks a `retry:` mapping.
    pub(crate) fn retry_policy(&mut self, retry: &Spanned<RawRetry>) -> Option<RetryPolicy> {
        let raw = &retry.value;
        let before = self.reporter.items.len();
        let attempts = raw.attempts.value;
        if !(1..=MAX_ATTEMPTS).contains(&attempts) {
            self.reporter.error_help(
                at(&raw.attempts),
                format!("invalid count `{attempts}` in `attempts`: it must be between 1 and {MAX_ATTEMPTS}"),
                "`attempts` counts the first try too; `attempts: 1` means no retry",
            );
        }
        let delay = match &raw.delay {
            Some(text) => self.duration(text, "delay", false),
            None => Some(DEFAULT_DELAY),
        };
        let max_delay = match &raw.max_delay {
            Some(text) => self.duration(text, "max-delay", false),
            None => Some(DEFAULT_MAX_DELAY.max(delay.unwrap_or(DEFAULT_DELAY))),
        };
        let backoff = raw.backoff.as_ref().map_or(DEFAULT_BACKOFF, |b| b.value);
        self.check_backoff(raw.backoff.as_ref());
        if let (Some(delay), Some(max_delay), Some(written)) = (delay, max_delay, &raw.max_delay)
            && max_delay < delay
        {
            self.reporter.error(
                at(written),
                format!(
                    "`max-delay` ({}) is shorter than `delay` ({})",
                    duration::format(max_delay),
                    duration::format(delay)
                ),
            );
        }
        let jitter = match raw.jitter.as_ref().map(|text| (text, text.value.trim())) {
            None | Some((_, "full")) => Jitter::Full,
            Some((_, "half")) => Jitter::Half,
            Some((_, "none")) => Jitter::None,
            Some((text, other)) => {
                let help = names::did_you_mean(other, ["none", "half", "full"])
                    .unwrap_or_else(|| "use `none`, `half` or `full`".to_string());
                self.reporter
                    .error_help(at(text), format!("unknown jitter `{other}`"), help);
                Jitter::Full
            }
        };
        if raw.on.value.is_empty() {
            self.reporter.error_help(
                at(&raw.on),
                "`on` lists no error kind, so nothing would be retried",
                "name the declared error kinds to retry, e.g. `on: [Transient]`",
            );
        }
        let mut on = Vec::new();
        for kind in &raw.on.value {
            let name = kind.value.trim();
            if BUILTIN_ERROR_KINDS.contains(&name) {
                self.reporter.error_help(
                    at(kind),
                    format!("built-in error kind `{name}` cannot be retried"),
                    format!("handle it with `catch: [{{ error: {name}, ... }}]`"),
                );
            } else if !self.declared.iter().any(|d| d == name) {
                self.undeclared_error_kind(kind, false);
            } else if !on.iter().any(|o: &String| o == name) {
                on.push(name.to_string());
            }
        }
        if self.reporter.items.len() > before {
            return None;
        }
        Some(RetryPolicy {
            max_attempts: u32::try_from(attempts).ok()?,
            initial_delay: delay?,
            backoff_rate: backoff,
            max_delay: max_delay?,
            jitter,
            on,
            position: position(retry.referenced),
        })
    }

    /// Checks the `catch:` rules of a step of kind `kind` (`task`, `callback`, ...).
    pub(crate) fn catches(
        &mut self,
        step_id: &str,
        kind: &str,
        rules: &[Spanned<RawCatch>],
    ) -> Vec<PendingCatch> {
        let mut pending: Vec<PendingCatch> = Vec::new();
        for rule in rules {
            let raw = &rule.value;
            let error = raw.error.value.trim();
            let raised_by = match error {
                "CallbackTimeout" | "CallbackFailed" => Some("callback"),
                "InvokeFailed" => Some("invoke"),
                "TooManyFailures" => Some("map"),
                "PollTimeout" => Some("poll"),
                _ => None,
            };
            match raised_by {
                Some(raiser) if raiser != kind => {
                    self.reporter.error_help(
                        at(&raw.error),
                        format!("step `{step_id}` never raises `{error}`"),
                        format!("only `{raiser}` steps raise `{error}`"),
                    );
                    continue;
                }
                Some(_) => {}
                None if kind == "map" && self.declared.iter().any(|d| d == error) => {
                    self.reporter.error_help(
                        at(&raw.error),
                        format!("map step `{step_id}` never raises `{error}`"),
                        "a map counts the failures of its elements and raises `TooManyFailures` when there are more than `tolerated-failures`",
                    );
                    continue;
                }
                None if self.declared.iter().any(|d| d == error) => {}
                None => {
                    self.undeclared_error_kind(&raw.error, true);
                    continue;
                }
            }
            if pending.iter().any(|p| p.error == error) {
                self.reporter.error_help(
                    at(&raw.error),
                    format!("error kind `{error}` is caught twice in step `{step_id}`"),
                    "keep one rule per error kind",
                );
                continue;
            }
            let action = match (&raw.finish, &raw.goto, &raw.fail) {
                (Some(outcome), None, None) => match self.outcome(outcome) {
                    Some(outcome) => PendingAction::Resolved(CatchAction::Finish(outcome)),
                    None => continue,
                },
                (None, Some(target), None) => PendingAction::Goto(target.clone()),
                (None, None, Some(message)) => {
                    PendingAction::Resolved(CatchAction::Fail(message.value.trim().to_string()))
                }
                _ => {
                    self.reporter.error_help(
                        at(rule),
                        format!("the catch of `{error}` must have exactly one of `finish`, `goto` or `fail`"),
                        "e.g. `{ error: VersionConflict, finish: Superseded }`",
                    );
                    continue;
                }
            };
            pending.push(PendingCatch {
                error: error.to_string(),
                action,
                position: position(raw.error.referenced),
            });
        }
        pending
    }
}
