//! Mermaid flowchart of a workflow: steps in order, parallel branches, early finishes, catches, the callback wait,
//! choices and their arms, maps, and the repeated check of a poll. Its title is the range of what the routes cost
//! (`workflow cost`): durable operations and worst-case wall time.

use crate::duration;
use crate::ir::{
    ArmValue, CatchAction, FieldRef, FunctionSource, MapBody, RetryPolicy, Step, StepKind,
    Tolerance, Workflow,
};
use std::fmt::Write;

/// Words Mermaid reads as syntax, which cannot be node ids as they are.
const RESERVED: [&str; 12] = [
    "end",
    "subgraph",
    "graph",
    "flowchart",
    "style",
    "class",
    "classDef",
    "click",
    "linkStyle",
    "direction",
    "call",
    "href",
];

/// The node id of a step: its snake_case ident, unless Mermaid reserves that word.
fn node_id(ident: &str) -> String {
    if RESERVED.contains(&ident) {
        format!("{ident}_step")
    } else {
        ident.to_string()
    }
}

/// The Mermaid flowchart (`flowchart TD`) of a workflow. Deterministic: the same workflow gives the same text.
pub fn mermaid(workflow: &Workflow) -> String {
    let mut chart = Chart {
        out: format!(
            "---\ntitle: \"{}\"\n---\nflowchart TD\n",
            cost_title(workflow)
        ),
        edges: Vec::new(),
        outcomes: Vec::new(),
        fails: Vec::new(),
        all: workflow.all_steps(),
        finish: workflow.finish.as_ref().map(|finish| finish.name.clone()),
    };
    line(
        &mut chart.out,
        &format!("start((\"{}\"))", escape(&workflow.name)),
    );
    if let Some(first) = workflow.steps.first() {
        chart
            .edges
            .push(format!("start --> {}", node_id(&first.ident)));
    }
    let finish = chart.finish.is_some().then_some(FINISH);
    chart.list(&workflow.steps, finish, "");
    let Chart {
        mut out,
        edges,
        outcomes,
        fails,
        ..
    } = chart;
    for outcome in &outcomes {
        line(
            &mut out,
            &format!("outcome_{outcome}([\"{}\"])", escape(outcome)),
        );
    }
    for (id, message) in &fails {
        line(&mut out, &format!("{id}[/\"fail: {}\"/]", escape(message)));
    }
    for edge in &edges {
        line(&mut out, edge);
    }
    out
}

/// `tier-upgrade: 2 to 11 durable operations, worst case 2m 15s to 16m 15s plus the activities' own time`.
fn cost_title(workflow: &Workflow) -> String {
    let name = escape(&workflow.name);
    let range = crate::routes::routes(workflow)
        .ok()
        .and_then(|routes| crate::routes::cost_range(&routes));
    match range {
        Some(range) => format!(
            "{name}: {} to {} durable operations, worst case {} to {} plus the activities' own time",
            range.fewest_operations.1, range.most_operations.1, range.shortest.1, range.longest.1
        ),
        None => format!("{name}: more than {} routes", crate::routes::MAX_ROUTES),
    }
}

/// The flowchart being written: nodes go to `out` as steps are met, edges and end nodes are listed last.
struct Chart<'w> {
    out: String,
    edges: Vec<String>,
    outcomes: Vec<String>,
    fails: Vec<(String, String)>,
    /// Every step, nested ones included, for goto targets.
    all: Vec<&'w Step>,
    /// The `finish:` outcome.
    finish: Option<String>,
}

/// Stands for the `finish:` outcome as the node after the last step; its node is listed when first used.
const FINISH: &str = "\u{0}finish";

impl Chart<'_> {
    /// The nodes and edges of a list of steps; `after` is the node the last step continues to, if any.
    /// `indent` nests the nodes of a map's steps inside its subgraph.
    fn list(&mut self, steps: &[Step], after: Option<&str>, indent: &str) {
        for (index, step) in steps.iter().enumerate() {
            let next = steps
                .get(index + 1)
                .map(|next| node_id(&next.ident))
                .or_else(|| after.map(str::to_string));
            self.step(step, next.as_deref(), indent);
        }
    }

    /// An edge from `from` to `to` (`FINISH` for the finish outcome), labeled when `label` is not empty.
    fn edge(&mut self, from: &str, label: &str, to: &str) {
        let to = match (&self.finish, to) {
            (Some(finish), FINISH) => {
                let finish = finish.clone();
                outcome_node(&mut self.outcomes, &finish)
            }
            _ => to.to_string(),
        };
        if label.is_empty() {
            self.edges.push(format!("{from} --> {to}"));
        } else {
            self.edges
                .push(format!("{from} -- \"{}\" --> {to}", escape(label)));
        }
    }

    fn step(&mut self, step: &Step, next: Option<&str>, indent: &str) {
        let id = node_id(&step.ident);
        node(&mut self.out, step, indent);
        if let Some(early) = &step.early_finish {
            let condition = if early.finish_when { "" } else { "not " };
            let target = outcome_node(&mut self.outcomes, &early.outcome.name);
            self.edges.push(format!(
                "{id} -- \"{condition}{}\" --> {target}",
                escape(&early.field),
            ));
        }
        for catch in &step.catches {
            let target = match &catch.action {
                CatchAction::Finish(outcome) => outcome_node(&mut self.outcomes, &outcome.name),
                CatchAction::Goto { index, .. } => self
                    .all
                    .get(*index)
                    .map_or_else(String::new, |t| node_id(&t.ident)),
                CatchAction::Fail(message) => {
                    let fail = format!("fail_{}_{}", step.ident, catch.error);
                    self.fails.push((fail.clone(), message.clone()));
                    fail
                }
            };
            self.edges
                .push(format!("{id} -. \"{}\" .-> {target}", escape(&catch.error)));
        }
        match &step.kind {
            StepKind::Succeed(outcome) => {
                let target = outcome_node(&mut self.outcomes, &outcome.name);
                self.edges.push(format!("{id} --> {target}"));
            }
            StepKind::Fail(_) => {}
            StepKind::Choice(choice) => {
                for arm in &choice.arms {
                    self.arm(&id, &arm.value.label(), &arm.steps, next, indent);
                }
                match &choice.otherwise {
                    Some(otherwise) => self.arm(&id, "otherwise", otherwise, next, indent),
                    None if choice.enum_type.is_none() && choice.arms.len() == 2 => {}
                    None => {
                        // Other values skip the arms: for a bool, the one value without an arm.
                        let skipped = match choice.arms.first().map(|arm| &arm.value) {
                            Some(ArmValue::Bool(value)) if choice.enum_type.is_none() => {
                                (!value).to_string()
                            }
                            _ => "otherwise".to_string(),
                        };
                        if let Some(next) = next {
                            self.edge(&id, &skipped, next);
                        }
                    }
                }
            }
            StepKind::Poll(poll) => {
                // The check repeats until the `done` field is true.
                self.edge(&id, &format!("not {}", poll.done), &id);
                if let Some(next) = next {
                    self.edge(&id, "", next);
                }
            }
            StepKind::Group(steps) => {
                // The steps inside the group's subgraph; the last one continues after the group.
                let inner = format!("{indent}    ");
                self.list(steps, next, &inner);
                line(&mut self.out, &format!("{indent}end"));
            }
            StepKind::Map(map) => {
                if let MapBody::Steps(body) = &map.body {
                    let inner = format!("{indent}    ");
                    self.list(body, None, &inner);
                    line(&mut self.out, &format!("{indent}end"));
                }
                if let Some(next) = next {
                    self.edge(&id, "", next);
                }
            }
            _ => {
                if let Some(next) = next {
                    self.edge(&id, "", next);
                }
            }
        }
    }

    /// The edge from a choice into an arm, and the arm's steps.
    fn arm(&mut self, choice: &str, label: &str, steps: &[Step], next: Option<&str>, indent: &str) {
        if let Some(first) = steps.first() {
            self.edge(choice, label, &node_id(&first.ident));
        }
        self.list(steps, next, indent);
    }
}

/// Writes one indented line.
fn line(out: &mut String, text: &str) {
    let _ = writeln!(out, "    {text}");
}

/// The node id of an outcome, remembering it for the node list.
fn outcome_node(outcomes: &mut Vec<String>, name: &str) -> String {
    if !outcomes.iter().any(|known| known == name) {
        outcomes.push(name.to_string());
    }
    format!("outcome_{name}")
}

/// The node (or subgraph) of one step; a map with `steps` and a group leave their subgraph open for them.
fn node(out: &mut String, step: &Step, indent: &str) {
    let id = &node_id(&step.ident);
    let name = escape(&step.id);
    let retry = step.retry.as_ref().map(retry_label).unwrap_or_default();
    let line = |out: &mut String, text: &str| line(out, &format!("{indent}{text}"));
    match &step.kind {
        StepKind::Task(task) => line(
            out,
            &format!("{id}[\"{name}<br/>task {}{retry}\"]", escape(&task.method)),
        ),
        StepKind::Parallel(branches) => {
            line(out, &format!("subgraph {id} [\"{name} (parallel)\"]"));
            line(out, "    direction LR");
            for branch in branches {
                let branch_retry = branch.retry.as_ref().map(retry_label).unwrap_or_default();
                line(
                    out,
                    &format!(
                        "    {}_{}[\"{}<br/>task {}{branch_retry}\"]",
                        id,
                        branch.ident,
                        escape(&branch.id),
                        escape(&branch.task.method)
                    ),
                );
            }
            line(out, "end");
        }
        StepKind::Invoke(invoke) => {
            let function = match &invoke.function {
                FunctionSource::Env(var) => format!("${var}"),
                FunctionSource::Name(name) => name.clone(),
            };
            line(
                out,
                &format!("{id}[[\"{name}<br/>invoke {}\"]]", escape(&function)),
            );
        }
        StepKind::Callback(callback) => {
            let heartbeat = callback
                .heartbeat
                .map(|h| format!(", heartbeat {}", duration::format(h)))
                .unwrap_or_default();
            line(
                out,
                &format!(
                    "{id}{{{{\"{name}<br/>callback via {}<br/>waits up to {}{heartbeat}{retry}\"}}}}",
                    escape(&callback.submitter),
                    duration::format(callback.timeout)
                ),
            );
        }
        StepKind::Wait(wait) => line(
            out,
            &format!("{id}[/\"{name}<br/>wait {}\"/]", duration::format(*wait)),
        ),
        StepKind::Succeed(_) => line(out, &format!("{id}([\"{name}<br/>succeed\"])")),
        StepKind::Fail(message) => line(
            out,
            &format!("{id}[/\"{name}<br/>fail: {}\"/]", escape(message)),
        ),
        StepKind::Choice(choice) => line(
            out,
            &format!(
                "{id}{{\"{name}<br/>choice on {}\"}}",
                escape(&field_label(&choice.on))
            ),
        ),
        StepKind::Poll(poll) => {
            let mut label = format!(
                "{name}<br/>poll {} until {}<br/>every {}",
                escape(&poll.task.method),
                escape(&poll.done),
                duration::format(poll.interval)
            );
            if poll.backoff_rate > 1.0 {
                let _ = write!(
                    label,
                    ", x{} up to {}",
                    poll.backoff_rate,
                    duration::format(poll.max_interval)
                );
            }
            let bounds: Vec<String> = poll
                .max_attempts
                .map(|max| format!("at most {max} checks"))
                .into_iter()
                .chain(
                    poll.deadline
                        .map(|deadline| format!("deadline {}", duration::format(deadline))),
                )
                .collect();
            let _ = write!(label, "<br/>{}{retry}", bounds.join(", "));
            line(out, &format!("{id}[/\"{label}\"\\]"));
        }
        StepKind::Use(used) => line(
            out,
            &format!("{id}[[\"{name}<br/>use {}\"]]", escape(&used.path)),
        ),
        StepKind::Group(_) => {
            line(out, &format!("subgraph {id} [\"{name} (group)\"]"));
            line(out, "    direction TB");
        }
        StepKind::Map(map) => {
            let mut label = format!("{name} (map over {})", escape(&field_label(&map.items)));
            if let Some(max) = map.max_concurrency {
                let _ = write!(label, "<br/>{max} at a time");
            }
            if let Some(batch) = map.batch {
                let _ = write!(label, "<br/>batches of {batch}");
            }
            match map.tolerated_failures {
                Some(Tolerance::Count(count)) => {
                    let plural = if count == 1 { "" } else { "s" };
                    let _ = write!(label, "<br/>tolerates {count} failure{plural}");
                }
                Some(Tolerance::Percent(percent)) => {
                    let _ = write!(label, "<br/>tolerates {percent}% failures");
                }
                None => {}
            }
            line(out, &format!("subgraph {id} [\"{label}\"]"));
            line(out, "    direction LR");
            if let MapBody::Task(task) = &map.body {
                line(
                    out,
                    &format!(
                        "    {id}_task[\"{name}<br/>task {}{retry}\"]",
                        escape(&task.method)
                    ),
                );
                line(out, "end");
            }
        }
    }
}

/// `step.field` as written.
fn field_label(field: &FieldRef) -> String {
    match &field.field {
        Some(name) => format!("{}.{name}", field.read.id),
        None => field.read.id.clone(),
    }
}

/// `<br/>retry: 6 attempts on Transient`.
fn retry_label(retry: &RetryPolicy) -> String {
    if retry.max_attempts <= 1 {
        return String::new();
    }
    format!(
        "<br/>retry: {} attempts on {}",
        retry.max_attempts,
        escape(&retry.on.join(", "))
    )
}

/// Text safe inside a quoted Mermaid label.
fn escape(text: &str) -> String {
    text.replace('&', "#amp;")
        .replace('"', "#quot;")
        .replace('<', "#lt;")
        .replace('>', "#gt;")
        .replace(['\n', '\r'], " ")
}
