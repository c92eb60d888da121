//! Every route through a workflow, from its start to an outcome, and what each route costs: the durable
//! operations billed and the worst-case wall time.
//!
//! A route is the sequence of steps one execution runs: it follows `goto`s, early finishes (`finish-if` /
//! `finish-unless`), the arms of each `choice` (and the skip when a value has no arm), every `catch` rule, and the
//! uncaught failure of each step that can fail (`task`, `parallel`, `invoke`, `callback`, `map`, `poll`, `use`). The
//! elements of a `map` and the checks of a `poll` run inside their step: they are not routes of their own, nor are the
//! routes of the workflow a `use` step runs (`workflow paths` on its file lists them).
//!
//! Enumeration terminates because the flow is acyclic: a `goto` only jumps forward in its own list of steps (the
//! validator rejects any other), arms rejoin after their choice and a group's steps continue after the group. The number of routes can still grow
//! exponentially with the number of branching steps, so [`routes`] stops at [`MAX_ROUTES`].
//!
//! Costs, per step on the route (the same rules as `workflow-spec/README.md`, measured under the SDK's
//! `LocalRunner` by workflow-runtime's behaviour tests):
//!
//! | step | durable operations | worst-case wall time |
//! |---|---|---|
//! | (every execution) | 1 (`workflow:spec-hash`) | |
//! | `task` | 1 | every retry delay of its policy, at its cap |
//! | `parallel` | 1 per branch | the longest of the branches' retry delays |
//! | `invoke` | 1 | none of its own (the invoked function's time) |
//! | `callback` | 3 (context, callback, submitter step) | `timeout`, or the submitter's retry delays if longer |
//! | `wait` | 1 | the wait |
//! | `choice`, `succeed`, `fail` | 0 | none |
//! | `group` | 1 (its child context; its steps count on their own) | none of its own |
//! | `use` | 1 (its child context) + the used workflow's most operations | the used workflow's longest |
//! | `map` | 1 + (1 + its steps) per element (per batch) | the element's retry delays, per round of `max-concurrency` |
//! | `poll` | 1 | the waits between `max-attempts` checks and the retry delays before each, or `deadline` if shorter |
//!
//! A retry delay at its cap is `min(delay * backoff^(n-1), max-delay)` rounded up to whole seconds (at least 1 s),
//! whatever the jitter (jitter only shortens a delay). The activities' own run time is unknown and not counted.

use crate::duration;
use crate::ir::{ArmValue, CatchAction, Poll, RetryPolicy, Step, StepKind, Workflow};
use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

/// The most routes [`routes`] enumerates before giving up with [`TooManyRoutes`].
pub const MAX_ROUTES: usize = 10_000;

/// One route: the steps run, in order, and how it ends, with its cost.
#[derive(Clone, Debug, PartialEq)]
pub struct Route {
    /// The steps run, in order (a choice is listed with the arm taken, a failing step with its error).
    pub steps: Vec<RouteStep>,
    /// How the route ends.
    pub ending: Ending,
    /// The durable operations billed.
    pub operations: Operations,
    /// The worst-case wall time, the activities' own run time excluded.
    pub wall_time: WallTime,
}

/// One step of a route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteStep {
    /// The step id.
    pub id: String,
    /// Its index in [`Workflow::all_steps`].
    pub index: usize,
    /// How the route leaves it, when it is not the plain "completed, next step": the arm of a choice
    /// (`Gold`, `otherwise`, `no arm`), the early finish (`not has_changed`), the error kind a catch handles,
    /// or `uncaught error`.
    pub note: Option<String>,
}

/// How a route ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ending {
    /// The workflow finishes with this outcome.
    Outcome(String),
    /// A `fail` step or a catch's `fail` fails the execution with this message.
    Fail(String),
    /// An error of this step that no catch handles fails the execution.
    Uncaught(String),
}

impl fmt::Display for Ending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Outcome(outcome) => f.write_str(outcome),
            Self::Fail(message) => write!(f, "fails: {message}"),
            Self::Uncaught(_) => f.write_str("fails"),
        }
    }
}

impl fmt::Display for Route {
    /// `read-account -> evaluate-tier [not has_changed] => NoChange`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (position, step) in self.steps.iter().enumerate() {
            if position > 0 {
                f.write_str(" -> ")?;
            }
            f.write_str(&step.id)?;
            if let Some(note) = &step.note {
                write!(f, " [{note}]")?;
            }
        }
        write!(f, " => {}", self.ending)
    }
}

/// A figure that grows with the elements of the maps on a route: `fixed + Σ amount × units`.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure<T> {
    /// The part that does not depend on any element count.
    pub fixed: T,
    /// One term per map whose cost grows with its elements.
    pub per_map: Vec<MapTerm<T>>,
}

/// Durable operations billed by a route.
pub type Operations = Figure<u64>;
/// Worst-case wall time of a route.
pub type WallTime = Figure<Duration>;

/// What one map adds per element, per batch, or per round of `max-concurrency` elements (or batches).
#[derive(Clone, Debug, PartialEq)]
pub struct MapTerm<T> {
    /// The map step's id.
    pub map: String,
    /// What each unit adds.
    pub amount: T,
    /// `batch:` of the map: a unit is a batch of this many elements.
    pub batch: Option<u32>,
    /// For wall time: units run this many at a time, so the amount is added per round of them.
    pub per_round: Option<u32>,
}

impl<T> MapTerm<T> {
    /// How many times the amount counts when the map has `elements` elements.
    fn times(&self, elements: u64) -> u64 {
        let units = self
            .batch
            .map_or(elements, |batch| elements.div_ceil(u64::from(batch.max(1))));
        self.per_round
            .map_or(units, |round| units.div_ceil(u64::from(round.max(1))))
    }

    /// `per element of notify`, `per batch (2 elements) of summarise`, `per 4 elements of notify`.
    fn unit(&self) -> String {
        let unit = match (self.batch, self.per_round) {
            (None, None) => "element".to_string(),
            (Some(batch), None) => format!("batch ({batch} elements)"),
            (None, Some(round)) => format!("{round} elements"),
            (Some(batch), Some(round)) => format!("{round} batches ({batch} elements each)"),
        };
        format!("per {unit} of {}", self.map)
    }
}

impl Operations {
    /// The operations when every map on the route has `elements` elements.
    pub fn with_elements(&self, elements: u64) -> u64 {
        self.per_map.iter().fold(self.fixed, |sum, term| {
            sum.saturating_add(term.amount.saturating_mul(term.times(elements)))
        })
    }
}

impl WallTime {
    /// The wall time when every map on the route has `elements` elements.
    pub fn with_elements(&self, elements: u64) -> Duration {
        self.per_map.iter().fold(self.fixed, |sum, term| {
            let times = u32::try_from(term.times(elements)).unwrap_or(u32::MAX);
            sum.saturating_add(term.amount.saturating_mul(times))
        })
    }
}

impl<T: Copy + PartialEq + Default> Figure<T> {
    fn zero() -> Self {
        Self {
            fixed: T::default(),
            per_map: Vec::new(),
        }
    }

    /// Whether the figure depends on element counts.
    pub fn grows_with_elements(&self) -> bool {
        self.per_map.iter().any(|term| term.amount != T::default())
    }
}

impl fmt::Display for Operations {
    /// `11`, `9 + 2 per element of notify`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.fixed)?;
        for term in &self.per_map {
            write!(f, " + {} {}", term.amount, term.unit())?;
        }
        Ok(())
    }
}

impl fmt::Display for WallTime {
    /// `16m 15s`, `4m 32s + 1s per 2 elements of notify`, `1s per 2 elements of notify`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if !self.fixed.is_zero() || self.per_map.is_empty() {
            parts.push(format_duration(self.fixed));
        }
        for term in &self.per_map {
            parts.push(format!("{} {}", format_duration(term.amount), term.unit()));
        }
        f.write_str(&parts.join(" + "))
    }
}

/// A duration in hours, minutes, seconds and milliseconds: `16m 15s`, `1h 0m 5s`, `0s`.
pub fn format_duration(duration: Duration) -> String {
    let millis = duration.as_millis();
    if millis == 0 {
        return "0s".to_string();
    }
    let (hours, minutes, seconds, millis) = (
        millis / 3_600_000,
        millis / 60_000 % 60,
        millis / 1000 % 60,
        millis % 1000,
    );
    let mut parts = Vec::new();
    if hours > 0 {
        parts.push(format!("{hours}h"));
    }
    if hours > 0 || minutes > 0 {
        parts.push(format!("{minutes}m"));
    }
    if seconds > 0 || millis == 0 {
        parts.push(format!("{seconds}s"));
    }
    if millis > 0 {
        parts.push(format!("{millis}ms"));
    }
    parts.join(" ")
}

/// More than [`MAX_ROUTES`] routes: the workflow branches too much to list them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooManyRoutes;

impl fmt::Display for TooManyRoutes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the workflow has more than {MAX_ROUTES} routes (each catch, early finish and choice arm multiplies them)"
        )
    }
}

impl std::error::Error for TooManyRoutes {}

/// Every route of a workflow, in a fixed order: at each step, its failures first (each catch rule, then the
/// uncaught error), then its early finish, then the arms of a choice in file order, then the route that goes on.
pub fn routes(workflow: &Workflow) -> Result<Vec<Route>, TooManyRoutes> {
    let all = workflow.all_steps();
    let mut walker = Walker {
        finish: workflow.finish.as_ref().map(|finish| finish.name.clone()),
        index: all
            .iter()
            .enumerate()
            .map(|(index, step)| (step.id.as_str(), index))
            .collect(),
        routes: Vec::new(),
        overflow: false,
    };
    walker.walk(vec![(&workflow.steps, 0)], &mut Vec::new());
    if walker.overflow {
        Err(TooManyRoutes)
    } else {
        Ok(walker.routes)
    }
}

/// The durable operations and worst-case wall time of the shortest and longest routes.
#[derive(Clone, Debug, PartialEq)]
pub struct CostRange {
    /// The route (1-based number) with the fewest operations, and its figure.
    pub fewest_operations: (usize, Operations),
    /// The route with the most operations (a figure growing with elements counts as more).
    pub most_operations: (usize, Operations),
    /// The route with the shortest worst-case wall time.
    pub shortest: (usize, WallTime),
    /// The route with the longest worst-case wall time.
    pub longest: (usize, WallTime),
}

/// The extremes over `routes` (`None` when there are none). Figures that grow with elements are ordered by
/// their total per-element amount first, then by their fixed part.
pub fn cost_range(routes: &[Route]) -> Option<CostRange> {
    let numbered = || routes.iter().enumerate().map(|(i, route)| (i + 1, route));
    let ops_key = |route: &Route| {
        let per: u64 = route.operations.per_map.iter().map(|t| t.amount).sum();
        (per, route.operations.fixed)
    };
    let wall_key = |route: &Route| {
        let per: Duration = route.wall_time.per_map.iter().map(|t| t.amount).sum();
        (per, route.wall_time.fixed)
    };
    // Ties: the first route for the least, the last for the most.
    let fewest = numbered().min_by_key(|(_, route)| ops_key(route))?;
    let most = numbered().max_by_key(|(_, route)| ops_key(route))?;
    let shortest = numbered().min_by_key(|(_, route)| wall_key(route))?;
    let longest = numbered().max_by_key(|(_, route)| wall_key(route))?;
    Some(CostRange {
        fewest_operations: (fewest.0, fewest.1.operations.clone()),
        most_operations: (most.0, most.1.operations.clone()),
        shortest: (shortest.0, shortest.1.wall_time.clone()),
        longest: (longest.0, longest.1.wall_time.clone()),
    })
}

/// Where the walk is: a stack of (list of steps, index of the next step in it); an arm's list sits above the
/// list holding its choice, whose index already points after the choice.
type Frames<'w> = Vec<(&'w [Step], usize)>;

struct Walker<'w> {
    finish: Option<String>,
    index: HashMap<&'w str, usize>,
    routes: Vec<Route>,
    overflow: bool,
}

impl<'w> Walker<'w> {
    fn walk(&mut self, mut frames: Frames<'w>, path: &mut Vec<(&'w Step, Option<String>)>) {
        if self.overflow {
            return;
        }
        let (list, at) = loop {
            match frames.last() {
                None => {
                    // The last step completed: the `finish:` outcome (always present when this is reachable).
                    let outcome = self.finish.clone().unwrap_or_default();
                    self.end(path, Ending::Outcome(outcome));
                    return;
                }
                Some(&(list, at)) if at >= list.len() => {
                    frames.pop();
                }
                Some(&(list, at)) => break (list, at),
            }
        };
        let step = &list[at];
        let moved = |to: usize| {
            let mut frames = frames.clone();
            if let Some(top) = frames.last_mut() {
                top.1 = to;
            }
            frames
        };

        if can_fail(step) {
            for catch in &step.catches {
                path.push((step, Some(catch.error.clone())));
                match &catch.action {
                    CatchAction::Finish(outcome) => {
                        self.end(path, Ending::Outcome(outcome.name.clone()));
                    }
                    CatchAction::Fail(message) => self.end(path, Ending::Fail(message.clone())),
                    CatchAction::Goto { id, .. } => {
                        let to = list
                            .iter()
                            .position(|target| target.id == *id)
                            .unwrap_or(list.len());
                        self.walk(moved(to), path);
                    }
                }
                path.pop();
            }
            path.push((step, Some("uncaught error".to_string())));
            self.end(path, Ending::Uncaught(step.id.clone()));
            path.pop();
        }
        if let Some(early) = &step.early_finish {
            let condition = if early.finish_when { "" } else { "not " };
            path.push((step, Some(format!("{condition}{}", early.field))));
            self.end(path, Ending::Outcome(early.outcome.name.clone()));
            path.pop();
        }
        match &step.kind {
            StepKind::Succeed(outcome) => {
                path.push((step, None));
                self.end(path, Ending::Outcome(outcome.name.clone()));
                path.pop();
            }
            StepKind::Fail(message) => {
                path.push((step, None));
                self.end(path, Ending::Fail(message.clone()));
                path.pop();
            }
            StepKind::Choice(choice) => {
                let arms = choice
                    .arms
                    .iter()
                    .map(|arm| (arm.value.label(), arm.steps.as_slice()))
                    .chain(
                        choice
                            .otherwise
                            .as_deref()
                            .map(|steps| ("otherwise".to_string(), steps)),
                    );
                for (label, steps) in arms {
                    let mut inner = moved(at + 1);
                    inner.push((steps, 0));
                    path.push((step, Some(label)));
                    self.walk(inner, path);
                    path.pop();
                }
                let both_bools = choice.enum_type.is_none() && choice.arms.len() == 2;
                if choice.otherwise.is_none() && !both_bools {
                    let label = match (&choice.enum_type, choice.arms.first()) {
                        (None, Some(arm)) => match arm.value {
                            ArmValue::Bool(value) => (!value).to_string(),
                            ArmValue::Variant(_) => "no arm".to_string(),
                        },
                        _ => "no arm".to_string(),
                    };
                    path.push((step, Some(label)));
                    self.walk(moved(at + 1), path);
                    path.pop();
                }
            }
            StepKind::Group(steps) => {
                let mut inner = moved(at + 1);
                inner.push((steps, 0));
                path.push((step, None));
                self.walk(inner, path);
                path.pop();
            }
            _ => {
                path.push((step, None));
                self.walk(moved(at + 1), path);
                path.pop();
            }
        }
    }

    fn end(&mut self, path: &[(&'w Step, Option<String>)], ending: Ending) {
        if self.routes.len() >= MAX_ROUTES {
            self.overflow = true;
            return;
        }
        let mut operations = Operations {
            fixed: SPEC_HASH_OPERATIONS,
            per_map: Vec::new(),
        };
        let mut wall_time = WallTime::zero();
        for (step, _) in path {
            let cost = step_cost(step);
            operations.fixed += cost.operations.fixed;
            operations.per_map.extend(cost.operations.per_map);
            wall_time.fixed = wall_time.fixed.saturating_add(cost.wall_time.fixed);
            wall_time.per_map.extend(cost.wall_time.per_map);
        }
        self.routes.push(Route {
            steps: path
                .iter()
                .map(|(step, note)| RouteStep {
                    id: step.id.clone(),
                    index: self.index.get(step.id.as_str()).copied().unwrap_or(0),
                    note: note.clone(),
                })
                .collect(),
            ending,
            operations,
            wall_time,
        });
    }
}

/// The operation a group records: its child context (its steps are on the route after it).
const GROUP_OPERATIONS: u64 = 1;

/// A `use` step: its child context, plus the used workflow's most operations and longest wall time over its
/// routes (its own first operation included); a workflow with more routes than [`MAX_ROUTES`] counts as its
/// child context alone.
fn used_workflow_cost(workflow: &Workflow) -> StepCost {
    let range = routes(workflow).ok().and_then(|routes| cost_range(&routes));
    let (mut operations, wall_time) = match range {
        Some(range) => (range.most_operations.1, range.longest.1),
        None => (
            Operations {
                fixed: 0,
                per_map: Vec::new(),
            },
            WallTime::zero(),
        ),
    };
    operations.fixed += GROUP_OPERATIONS;
    StepCost {
        operations,
        wall_time,
    }
}

/// The operation every execution records first: the spec hash check.
const SPEC_HASH_OPERATIONS: u64 = 1;

/// Whether a step can fail (and so be caught): anything that runs an activity, an invoke, a callback.
fn can_fail(step: &Step) -> bool {
    matches!(
        step.kind,
        StepKind::Task(_)
            | StepKind::Parallel(_)
            | StepKind::Invoke(_)
            | StepKind::Callback(_)
            | StepKind::Map(_)
            | StepKind::Poll(_)
            | StepKind::Use(_)
    )
}

/// The cost of one step.
#[derive(Clone, Debug, PartialEq)]
pub struct StepCost {
    /// Durable operations it records.
    pub operations: Operations,
    /// Its worst-case wall time, its activities' own run time excluded.
    pub wall_time: WallTime,
}

/// What one step costs; a choice costs nothing itself (its arms' steps are on the route).
pub fn step_cost(step: &Step) -> StepCost {
    let fixed = |operations: u64, wall: Duration| StepCost {
        operations: Operations {
            fixed: operations,
            per_map: Vec::new(),
        },
        wall_time: WallTime {
            fixed: wall,
            per_map: Vec::new(),
        },
    };
    let retry = retry_worst_case(step.retry.as_ref());
    match &step.kind {
        StepKind::Task(_) => fixed(1, retry),
        StepKind::Parallel(branches) => fixed(
            branches.len() as u64,
            branches
                .iter()
                .map(|branch| retry_worst_case(branch.retry.as_ref()))
                .max()
                .unwrap_or_default(),
        ),
        StepKind::Invoke(_) => fixed(1, Duration::ZERO),
        StepKind::Callback(callback) => fixed(CALLBACK_OPERATIONS, callback.timeout.max(retry)),
        StepKind::Wait(wait) => fixed(1, *wait),
        StepKind::Succeed(_) | StepKind::Fail(_) | StepKind::Choice(_) => fixed(0, Duration::ZERO),
        StepKind::Group(_) => fixed(GROUP_OPERATIONS, Duration::ZERO),
        StepKind::Use(used) => used_workflow_cost(&used.workflow),
        StepKind::Poll(poll) => fixed(1, poll_worst_case(poll, step.retry.as_ref())),
        StepKind::Map(map) => {
            let tasks = step.map_tasks();
            let per_element = 1 + tasks.len() as u64;
            let element_wall = tasks
                .iter()
                .map(|task| retry_worst_case(task.retry))
                .fold(Duration::ZERO, Duration::saturating_add);
            let steps_label = step.id.clone();
            let operations = Operations {
                fixed: 1,
                per_map: vec![MapTerm {
                    map: steps_label.clone(),
                    amount: per_element,
                    batch: map.batch,
                    per_round: None,
                }],
            };
            // Without `max-concurrency` every element runs at once: one element's worst case.
            let wall_time = match map.max_concurrency {
                None => WallTime {
                    fixed: element_wall,
                    per_map: Vec::new(),
                },
                Some(round) => WallTime {
                    fixed: Duration::ZERO,
                    per_map: if element_wall.is_zero() {
                        Vec::new()
                    } else {
                        vec![MapTerm {
                            map: steps_label,
                            amount: element_wall,
                            batch: map.batch,
                            per_round: Some(round),
                        }]
                    },
                },
            };
            StepCost {
                operations,
                wall_time,
            }
        }
    }
}

/// A callback is the SDK's wait-for-callback: a child context, the callback and the submitter's step.
const CALLBACK_OPERATIONS: u64 = 3;

/// The delay before attempt `attempt + 1` at its cap, as the runtime computes it before jitter (jitter only
/// shortens it): `min(delay * backoff^(attempt-1), max-delay)`, rounded up to whole seconds, at least 1 s.
pub fn retry_delay(policy: &RetryPolicy, attempt: u32) -> Duration {
    grown(
        policy.initial_delay,
        policy.backoff_rate,
        attempt,
        policy.max_delay,
    )
}

/// The longest a step can spend waiting between its attempts: every retry delay at its cap.
pub fn retry_worst_case(policy: Option<&RetryPolicy>) -> Duration {
    let Some(policy) = policy else {
        return Duration::ZERO;
    };
    (1..policy.max_attempts)
        .map(|attempt| retry_delay(policy, attempt))
        .fold(Duration::ZERO, Duration::saturating_add)
}

/// The longest a poll can wait: the waits after `max-attempts - 1` checks that were not done, each check
/// preceded by its retried failures, bounded by `deadline` (no check starts after it).
pub fn poll_worst_case(poll: &Poll, retry: Option<&RetryPolicy>) -> Duration {
    let by_attempts = poll.max_attempts.map(|checks| {
        let waits = (1..checks)
            .map(|check| poll_interval(poll, check))
            .fold(Duration::ZERO, Duration::saturating_add);
        waits.saturating_add(retry_worst_case(retry).saturating_mul(checks))
    });
    match (by_attempts, poll.deadline) {
        (Some(by_attempts), Some(deadline)) => by_attempts.min(deadline),
        (Some(by_attempts), None) => by_attempts,
        (None, Some(deadline)) => deadline,
        (None, None) => Duration::ZERO,
    }
}

/// The wait after the `check`-th check that was not done, as the runtime computes it.
fn poll_interval(poll: &Poll, check: u32) -> Duration {
    grown(poll.interval, poll.backoff_rate, check, poll.max_interval)
}

/// `initial * rate^(n-1)`, at most `cap`, rounded up to whole seconds (at least 1 s): a retry delay before jitter
/// and a poll's wait share this growth, as in the runtime.
fn grown(initial: Duration, rate: f64, n: u32, cap: Duration) -> Duration {
    let exponent = i32::try_from(n.saturating_sub(1)).unwrap_or(i32::MAX);
    let seconds = (initial.as_secs_f64() * rate.powi(exponent)).min(cap.as_secs_f64());
    let rounded = seconds.ceil().max(1.0);
    if rounded >= duration::MAX.as_secs_f64() {
        duration::MAX
    } else {
        Duration::from_secs_f64(rounded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::Jitter;

    fn policy(attempts: u32, delay: u64, backoff: f64, max: u64) -> RetryPolicy {
        RetryPolicy {
            max_attempts: attempts,
            initial_delay: Duration::from_secs(delay),
            backoff_rate: backoff,
            max_delay: Duration::from_secs(max),
            jitter: Jitter::Full,
            on: vec!["Transient".to_string()],
            position: crate::ir::Position::default(),
        }
    }

    #[test]
    fn retry_delays_grow_until_the_cap_as_the_runtime_computes_them() {
        // The runtime's own unit test: attempts 4, 2 s, x3, cap 10 s -> 2, 6, 10.
        let p = policy(4, 2, 3.0, 10);
        let delays: Vec<u64> = (1..=3).map(|n| retry_delay(&p, n).as_secs()).collect();
        assert_eq!(delays, [2, 6, 10]);
        assert_eq!(retry_worst_case(Some(&p)), Duration::from_secs(18));
        // The SDK preset of the tier workflow: 5 + 10 + 20 + 40 + 60.
        assert_eq!(
            retry_worst_case(Some(&policy(6, 5, 2.0, 60))),
            Duration::from_secs(135)
        );
        assert_eq!(
            retry_worst_case(Some(&policy(1, 5, 2.0, 60))),
            Duration::ZERO
        );
        assert_eq!(retry_worst_case(None), Duration::ZERO);
    }

    #[test]
    fn durations_read_in_hours_minutes_seconds() {
        assert_eq!(format_duration(Duration::ZERO), "0s");
        assert_eq!(format_duration(Duration::from_secs(975)), "16m 15s");
        assert_eq!(format_duration(Duration::from_secs(3605)), "1h 0m 5s");
        assert_eq!(format_duration(Duration::from_millis(1500)), "1s 500ms");
        assert_eq!(format_duration(Duration::from_millis(250)), "250ms");
        assert_eq!(format_duration(Duration::from_secs(7200)), "2h 0m 0s");
    }

    #[test]
    fn map_terms_count_elements_batches_and_rounds() {
        let wall = WallTime {
            fixed: Duration::ZERO,
            per_map: vec![MapTerm {
                map: "m".to_string(),
                amount: Duration::from_secs(1),
                batch: None,
                per_round: Some(2),
            }],
        };
        assert_eq!(wall.to_string(), "1s per 2 elements of m");
        assert_eq!(wall.with_elements(5), Duration::from_secs(3));
        let term = |batch, per_round| MapTerm {
            map: "m".to_string(),
            amount: 2u64,
            batch,
            per_round,
        };
        let ops = |term: MapTerm<u64>| Operations {
            fixed: 9,
            per_map: vec![term],
        };
        assert_eq!(ops(term(None, None)).with_elements(10), 29);
        assert_eq!(ops(term(Some(5), None)).with_elements(11), 15);
        assert_eq!(ops(term(None, Some(4))).with_elements(9), 15);
        assert_eq!(ops(term(None, None)).to_string(), "9 + 2 per element of m");
        assert_eq!(
            ops(term(Some(5), None)).to_string(),
            "9 + 2 per batch (5 elements) of m"
        );
    }
}
