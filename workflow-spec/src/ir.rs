//! The validated workflow: what the code generator walks. Built only by [`crate::load`].

use std::time::Duration;

/// A 1-based line and column in the YAML source (columns count characters).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Position {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub col: u32,
}

/// The error kinds every workflow may name in `catch` without declaring them.
pub const BUILTIN_ERROR_KINDS: [&str; 5] = [
    "CallbackTimeout",
    "CallbackFailed",
    "InvokeFailed",
    "TooManyFailures",
    "PollTimeout",
];

/// A validated workflow.
#[derive(Clone, Debug, PartialEq)]
pub struct Workflow {
    /// The `workflow:` name, kebab-case (e.g. `tier-upgrade`).
    pub name: String,
    /// The name as a snake_case Rust identifier (e.g. `tier_upgrade`), for the generated module.
    pub ident: String,
    /// The optional `about:` text.
    pub about: Option<String>,
    /// The input type (`input:`).
    pub input_type: TypePath,
    /// The output type (`output:`), an enum whose unit variants are the outcomes.
    pub output_type: TypePath,
    /// The error kinds declared under `errors:`, in file order (built-ins are not listed here).
    pub error_kinds: Vec<ErrorKind>,
    /// Every outcome named anywhere in the file (`finish`, `succeed`, catches, early finishes), first use first.
    pub outcomes: Vec<String>,
    /// The steps, in file order.
    pub steps: Vec<Step>,
    /// The outcome when the last step completes (`finish:`); `None` only when not written, which is allowed
    /// only when the last step is a `succeed` or `fail` step.
    pub finish: Option<Outcome>,
    /// The optional `budget:`; every route is within it (checked by [`crate::load`]).
    pub budget: Option<Budget>,
    /// `timeout:`: the execution timeout the deployment gives the durable function (whole seconds); `None` when
    /// not written.
    pub timeout: Option<Duration>,
    /// Position of the `workflow:` value.
    pub position: Position,
}

/// `budget:`: the most any route of the workflow may cost (see [`crate::routes`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Budget {
    /// `operations:`: the most durable operations any route may bill.
    pub operations: Option<u64>,
    /// `wall-time:`: the longest worst-case wall time of any route, the activities' own time excluded.
    pub wall_time: Option<Duration>,
    /// `map-elements:`: the most elements any map runs, to turn per-element costs into numbers.
    pub map_elements: Option<u32>,
    /// Position of the `budget:` mapping.
    pub position: Position,
}

impl Workflow {
    /// Every step, nested ones included, in file order: each step comes before the steps nested in it, which
    /// come before the next step. [`ReadSource::Step`] and [`CatchAction::Goto`] index this list; without
    /// `choice`, `map` and `group` steps it is [`Workflow::steps`].
    pub fn all_steps(&self) -> Vec<&Step> {
        fn walk<'w>(steps: &'w [Step], out: &mut Vec<&'w Step>) {
            for step in steps {
                out.push(step);
                for list in step.nested_lists() {
                    walk(list, out);
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.steps, &mut out);
        out
    }
}

/// A validated Rust type path such as `crate::tier::UpgradeRequest`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypePath {
    /// The path exactly as written (whitespace trimmed).
    pub path: String,
    /// Where it was written.
    pub position: Position,
}

/// A declared error kind (a variant of the generated error enum).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorKind {
    /// UpperCamelCase name, e.g. `Transient`.
    pub name: String,
    /// The description written beside it.
    pub description: String,
    /// Where it was declared.
    pub position: Position,
}

/// An outcome: a unit variant of the workflow's output enum.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// UpperCamelCase variant name, e.g. `Superseded`.
    pub name: String,
    /// Where it was named.
    pub position: Position,
}

/// One step.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// The YAML id, kebab-case: the durable operation name.
    pub id: String,
    /// The id as a snake_case Rust identifier.
    pub ident: String,
    /// What the step does.
    pub kind: StepKind,
    /// The values passed to the step, in `reads:` order.
    pub reads: Vec<Read>,
    /// The retry policy (step `retry:`, else `defaults.retry`); `None` means one attempt.
    /// Always `None` for parallel steps (each branch carries its own), invoke, wait, succeed and fail.
    pub retry: Option<RetryPolicy>,
    /// The catch rules, in file order; at most one per error kind.
    pub catches: Vec<Catch>,
    /// `finish-unless:` / `finish-if:`: finish early depending on a bool field of the output.
    pub early_finish: Option<EarlyFinish>,
    /// `semantics:` as written; `None` leaves the SDK's default (at least once per retry). Only task steps and
    /// map steps with a `task:` body carry it (a parallel step's goes to its branches).
    pub semantics: Option<Semantics>,
    /// Position of the step id.
    pub position: Position,
}

/// `semantics:`: what the SDK does on replay when an attempt of the step's activity was started but recorded
/// no outcome (the invocation running it was interrupted).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Semantics {
    /// `at-least-once`: the activity runs again (`StepSemantics::AtLeastOncePerRetry`, the SDK's default).
    AtLeastOnce,
    /// `at-most-once`: the activity is not run again; the interrupted attempt is a failure given to the retry
    /// strategy (`StepSemantics::AtMostOncePerRetry`).
    AtMostOnce,
}

impl Semantics {
    /// The values `semantics:` accepts, as written in YAML.
    pub const VALUES: [&'static str; 2] = ["at-least-once", "at-most-once"];

    /// The YAML value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AtLeastOnce => "at-least-once",
            Self::AtMostOnce => "at-most-once",
        }
    }
}

/// The kind of a step.
#[derive(Clone, Debug, PartialEq)]
pub enum StepKind {
    /// One activity method.
    Task(Task),
    /// Named branches run concurrently; the step's value is the tuple of branch outputs in branch order.
    Parallel(Vec<Branch>),
    /// A chained invoke of another function.
    Invoke(Invoke),
    /// A submitter activity receives the callback id, then the workflow waits for the result.
    Callback(Callback),
    /// A durable wait.
    Wait(Duration),
    /// Finish the workflow with this outcome.
    Succeed(Outcome),
    /// Fail the workflow with this message.
    Fail(String),
    /// Run the steps of the arm matching a field of an earlier value; the arms rejoin after it.
    Choice(Choice),
    /// Run a task, or a list of tasks, for each element of a list an earlier step produced.
    Map(Map),
    /// Repeat a check activity, with a durable wait between checks, until its output says it is done.
    Poll(Poll),
    /// Run these steps in order in a child context of their own; the step's value is its last step's.
    Group(Vec<Step>),
    /// Run another workflow file's steps in a child context, on the one value the step reads; the step's value
    /// is that workflow's outcome.
    Use(UseWorkflow),
}

/// A `use:` step's workflow.
#[derive(Clone, Debug, PartialEq)]
pub struct UseWorkflow {
    /// The path as written, relative to the directory of the file that names it.
    pub path: String,
    /// Where the file was read (the directory given to [`crate::load_in`] joined with `path`).
    pub file: std::path::PathBuf,
    /// The sha256 of the file's bytes ([`crate::spec_hash`]).
    pub spec_hash: String,
    /// The validated workflow, its own `use:` steps loaded too.
    pub workflow: Box<Workflow>,
}

impl Workflow {
    /// The workflows this one's `use:` steps name, each once (by name), in file order: each is generated as a
    /// module inside this one's (and the workflows it uses inside its own).
    pub fn used_workflows(&self) -> Vec<&UseWorkflow> {
        let mut out: Vec<&UseWorkflow> = Vec::new();
        for step in self.all_steps() {
            if let StepKind::Use(used) = &step.kind
                && !out
                    .iter()
                    .any(|known| known.workflow.name == used.workflow.name)
            {
                out.push(used);
            }
        }
        out
    }
}

/// A `poll` step: the SDK's wait-for-condition around a check activity.
#[derive(Clone, Debug, PartialEq)]
pub struct Poll {
    /// The check activity; its `output` is always present (the step's `output:`), and is the step's value.
    pub task: Task,
    /// The snake_case `bool` field of the output that is `true` once the awaited condition holds.
    pub done: String,
    /// The wait after the first check that is not done.
    pub interval: Duration,
    /// Each further wait is multiplied by this (>= 1.0; 1.0 keeps the interval fixed).
    pub backoff_rate: f64,
    /// Upper bound of any wait between checks.
    pub max_interval: Duration,
    /// At most this many checks (>= 1); `None` when only the deadline bounds the poll.
    pub max_attempts: Option<u32>,
    /// No check starts later than this after the first one; `None` when only `max_attempts` bounds the poll.
    pub deadline: Option<Duration>,
}

/// A `choice` step: data-driven branching on a bool or enum field.
#[derive(Clone, Debug, PartialEq)]
pub struct Choice {
    /// The value whose field selects the arm.
    pub on: FieldRef,
    /// The enum type of the field; `None` for a `bool` field.
    pub enum_type: Option<TypePath>,
    /// The `when:` arms, in file order; each value appears once.
    pub arms: Vec<Arm>,
    /// The `otherwise:` steps, run when no arm matches; `None` when other values skip the choice.
    pub otherwise: Option<Vec<Step>>,
}

/// One `when:` arm of a choice.
#[derive(Clone, Debug, PartialEq)]
pub struct Arm {
    /// The value that selects this arm.
    pub value: ArmValue,
    /// The arm's steps (at least one), run in order.
    pub steps: Vec<Step>,
    /// Position of the arm's value.
    pub position: Position,
}

/// The value an arm matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ArmValue {
    /// `true:` or `false:` of a `bool` choice.
    Bool(bool),
    /// An UpperCamelCase variant of the choice's enum.
    Variant(String),
}

impl ArmValue {
    /// The value as written in the spec (`true`, `Gold`).
    pub fn label(&self) -> String {
        match self {
            Self::Bool(value) => value.to_string(),
            Self::Variant(name) => name.clone(),
        }
    }
}

/// `step.field`, `input.field`, or a whole value: what a choice tests and what a map iterates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldRef {
    /// The value read (`input` or an earlier step that always ran before).
    pub read: Read,
    /// The snake_case field of that value; `None` for the value itself.
    pub field: Option<String>,
}

/// A `map` step.
#[derive(Clone, Debug, PartialEq)]
pub struct Map {
    /// The list: a `Vec` of `item` values.
    pub items: FieldRef,
    /// The element type of the list.
    pub item: TypePath,
    /// What runs for each element (or each batch).
    pub body: MapBody,
    /// How many elements run at the same time; `None` means no limit.
    pub max_concurrency: Option<u32>,
    /// How many element failures the step tolerates; `None` means none (the first failure fails the step).
    pub tolerated_failures: Option<Tolerance>,
    /// Elements per call: the body receives a slice of up to this many elements; `None` means one at a time.
    pub batch: Option<u32>,
}

/// What a map runs for each element.
#[derive(Clone, Debug, PartialEq)]
pub enum MapBody {
    /// One activity; the step's own `reads`, `output` and `retry` apply to it.
    Task(Task),
    /// Task steps run in order for each element; the last one's output is the element's result.
    Steps(Vec<Step>),
}

/// One activity a map runs for each element ([`Step::map_tasks`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MapTask<'a> {
    /// The id of the step it belongs to (the map's own for a `task:` body).
    pub id: &'a str,
    /// The activity.
    pub task: &'a Task,
    /// What it reads, in `reads:` order.
    pub reads: &'a [Read],
    /// Its retry policy.
    pub retry: Option<&'a RetryPolicy>,
    /// Its `semantics:`, when written.
    pub semantics: Option<Semantics>,
    /// Where its step is written.
    pub position: Position,
}

/// The failures a map tolerates before it fails with `TooManyFailures`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tolerance {
    /// At most this many elements (or batches) may fail.
    Count(u32),
    /// At most this percentage (0 to 100) of the elements (or batches) may fail.
    Percent(u32),
}

/// An activity method call.
#[derive(Clone, Debug, PartialEq)]
pub struct Task {
    /// snake_case method name of the `Activities` trait.
    pub method: String,
    /// Output type; `None` means `()`.
    pub output: Option<TypePath>,
}

/// One branch of a parallel step.
#[derive(Clone, Debug, PartialEq)]
pub struct Branch {
    /// The branch id (kebab-case): its durable operation name.
    pub id: String,
    /// The id as a snake_case Rust identifier.
    pub ident: String,
    /// The branch's activity.
    pub task: Task,
    /// What the branch reads (earlier steps or `input`, never a sibling branch).
    pub reads: Vec<Read>,
    /// The branch `retry:`, else the parallel step's, else `defaults.retry`.
    pub retry: Option<RetryPolicy>,
    /// The branch `semantics:`, else the parallel step's; `None` when neither is written.
    pub semantics: Option<Semantics>,
    /// Position of the branch id.
    pub position: Position,
}

/// A chained invoke.
#[derive(Clone, Debug, PartialEq)]
pub struct Invoke {
    /// Where the function name comes from.
    pub function: FunctionSource,
    /// Payload type, built from the reads (see README).
    pub input: TypePath,
    /// Result type; `None` means the result is discarded (`()`).
    pub output: Option<TypePath>,
}

/// Where an invoked function's name comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FunctionSource {
    /// Read from this environment variable at run time.
    Env(String),
    /// This literal name or ARN.
    Name(String),
}

/// A callback wait.
#[derive(Clone, Debug, PartialEq)]
pub struct Callback {
    /// snake_case activity method that receives the callback id.
    pub submitter: String,
    /// The callback result type (the step's value).
    pub result: TypePath,
    /// How long to wait for the result; then `CallbackTimeout` is raised.
    pub timeout: Duration,
    /// Optional heartbeat timeout, always shorter than `timeout`.
    pub heartbeat: Option<Duration>,
}

/// One value a step reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Read {
    /// `input` or the id of an earlier step, as written.
    pub id: String,
    /// `input` or the step's snake_case identifier.
    pub ident: String,
    /// What it resolves to.
    pub source: ReadSource,
    /// Where it was written.
    pub position: Position,
}

/// What a read resolves to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadSource {
    /// The workflow input.
    Input,
    /// The output of step `index` of [`Workflow::all_steps`], which always completes before the reader.
    Step(usize),
    /// Inside a map: the current element (or, with `batch`, the slice of elements).
    Item,
}

/// A retry policy.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Total attempts including the first (>= 1).
    pub max_attempts: u32,
    /// Delay before the first retry.
    pub initial_delay: Duration,
    /// Each further delay is multiplied by this (>= 1.0).
    pub backoff_rate: f64,
    /// Upper bound of any delay.
    pub max_delay: Duration,
    /// Jitter applied to each delay.
    pub jitter: Jitter,
    /// The declared error kinds it retries; any other error is not retried.
    pub on: Vec<String>,
    /// Position of the `retry:` mapping used.
    pub position: Position,
}

/// Jitter of a retry delay (the durable SDK's `JitterStrategy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Jitter {
    /// The computed delay unchanged.
    None,
    /// A random delay in `[delay / 2, delay]`.
    Half,
    /// A random delay in `[0, delay]`.
    Full,
}

/// One catch rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Catch {
    /// The error kind caught (declared or built-in).
    pub error: String,
    /// What happens then.
    pub action: CatchAction,
    /// Position of the `error:` value.
    pub position: Position,
}

/// What a catch does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CatchAction {
    /// Finish the workflow successfully with this outcome.
    Finish(Outcome),
    /// Continue at a later step.
    Goto {
        /// The target step id.
        id: String,
        /// Index of the target in [`Workflow::all_steps`] (always greater than the catching step's, in the same
        /// list of steps).
        index: usize,
    },
    /// Fail the workflow with this message.
    Fail(String),
}

/// A conditional early finish after a step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EarlyFinish {
    /// A `bool` field of the step's output.
    pub field: String,
    /// The workflow finishes when the field equals this (`finish-if`: true, `finish-unless`: false).
    pub finish_when: bool,
    /// The outcome it finishes with.
    pub outcome: Outcome,
    /// Position of the `finish-if`/`finish-unless` mapping.
    pub position: Position,
}

impl StepKind {
    /// The type of the value a step of this kind produces for readers ([`Step::output_type`]).
    pub fn output_type(&self) -> Option<&TypePath> {
        match self {
            StepKind::Task(task) => task.output.as_ref(),
            StepKind::Invoke(invoke) => invoke.output.as_ref(),
            StepKind::Callback(callback) => Some(&callback.result),
            StepKind::Poll(poll) => poll.task.output.as_ref(),
            StepKind::Group(steps) => steps.last().and_then(Step::output_type),
            StepKind::Use(used) => Some(&used.workflow.output_type),
            StepKind::Parallel(_)
            | StepKind::Wait(_)
            | StepKind::Succeed(_)
            | StepKind::Fail(_)
            | StepKind::Choice(_)
            | StepKind::Map(_) => None,
        }
    }
}

impl Step {
    /// The type of the value this step produces for readers; `None` when it produces nothing readable.
    /// A parallel step produces the tuple of its branch outputs (see [`Step::branch_outputs`]).
    pub fn output_type(&self) -> Option<&TypePath> {
        self.kind.output_type()
    }

    /// Whether other steps can read this step's value.
    pub fn is_readable(&self) -> bool {
        matches!(self.kind, StepKind::Parallel(_))
            || self.output_type().is_some()
            || self.map_output().is_some()
    }

    /// For a map step: the activities it runs for each element, in order, each with the id, reads, retry and
    /// position that apply to it (the map step's own for a `task:` body); empty for any other step.
    pub fn map_tasks(&self) -> Vec<MapTask<'_>> {
        let StepKind::Map(map) = &self.kind else {
            return Vec::new();
        };
        fn of<'a>(step: &'a Step, task: &'a Task) -> MapTask<'a> {
            MapTask {
                id: &step.id,
                task,
                reads: &step.reads,
                retry: step.retry.as_ref(),
                semantics: step.semantics,
                position: step.position,
            }
        }
        match &map.body {
            MapBody::Task(task) => vec![of(self, task)],
            MapBody::Steps(steps) => steps
                .iter()
                .filter_map(|inner| match &inner.kind {
                    StepKind::Task(task) => Some(of(inner, task)),
                    _ => None,
                })
                .collect(),
        }
    }

    /// For a map step: the type of each element's result (readers get a `Vec` of them, in input order).
    pub fn map_output(&self) -> Option<&TypePath> {
        match &self.kind {
            StepKind::Map(map) => match &map.body {
                MapBody::Task(task) => task.output.as_ref(),
                MapBody::Steps(steps) => steps.last().and_then(Step::output_type),
            },
            _ => None,
        }
    }

    /// The steps nested in this one, in file order: a choice's arms then `otherwise`, a map's or a group's steps.
    pub fn nested_lists(&self) -> Vec<&[Step]> {
        match &self.kind {
            StepKind::Choice(choice) => choice
                .arms
                .iter()
                .map(|arm| arm.steps.as_slice())
                .chain(choice.otherwise.as_deref())
                .collect(),
            StepKind::Map(Map {
                body: MapBody::Steps(steps),
                ..
            }) => vec![steps.as_slice()],
            StepKind::Group(steps) => vec![steps.as_slice()],
            _ => Vec::new(),
        }
    }

    /// The branch outputs of a parallel step, in branch order (`None` = `()`); empty for other kinds.
    pub fn branch_outputs(&self) -> Vec<Option<&TypePath>> {
        match &self.kind {
            StepKind::Parallel(branches) => {
                branches.iter().map(|b| b.task.output.as_ref()).collect()
            }
            _ => Vec::new(),
        }
    }
}
