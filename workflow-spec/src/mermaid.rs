//! Mermaid flowchart of a workflow: steps in order, parallel branches, early finishes, catches, the callback wait.

use crate::duration;
use crate::ir::{CatchAction, FunctionSource, RetryPolicy, Step, StepKind, Workflow};
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
    let mut out = String::from("flowchart TD\n");
    let mut edges: Vec<String> = Vec::new();
    let mut outcomes: Vec<String> = Vec::new();
    let mut fails: Vec<(String, String)> = Vec::new();
    line(
        &mut out,
        &format!("start((\"{}\"))", escape(&workflow.name)),
    );
    if let Some(first) = workflow.steps.first() {
        edges.push(format!("start --> {}", node_id(&first.ident)));
    }
    for (index, step) in workflow.steps.iter().enumerate() {
        node(&mut out, step);
        if let Some(early) = &step.early_finish {
            let condition = if early.finish_when { "" } else { "not " };
            edges.push(format!(
                "{} -- \"{condition}{}\" --> {}",
                node_id(&step.ident),
                escape(&early.field),
                outcome_node(&mut outcomes, &early.outcome.name)
            ));
        }
        for catch in &step.catches {
            let target = match &catch.action {
                CatchAction::Finish(outcome) => outcome_node(&mut outcomes, &outcome.name),
                CatchAction::Goto { index, .. } => workflow
                    .steps
                    .get(*index)
                    .map_or_else(String::new, |t| node_id(&t.ident)),
                CatchAction::Fail(message) => {
                    let id = format!("fail_{}_{}", step.ident, catch.error);
                    fails.push((id.clone(), message.clone()));
                    id
                }
            };
            edges.push(format!(
                "{} -. \"{}\" .-> {target}",
                node_id(&step.ident),
                escape(&catch.error)
            ));
        }
        match &step.kind {
            StepKind::Succeed(outcome) => {
                edges.push(format!(
                    "{} --> {}",
                    node_id(&step.ident),
                    outcome_node(&mut outcomes, &outcome.name)
                ));
            }
            StepKind::Fail(_) => {}
            _ => match workflow.steps.get(index + 1) {
                Some(next) => edges.push(format!(
                    "{} --> {}",
                    node_id(&step.ident),
                    node_id(&next.ident)
                )),
                None => {
                    if let Some(finish) = &workflow.finish {
                        edges.push(format!(
                            "{} --> {}",
                            node_id(&step.ident),
                            outcome_node(&mut outcomes, &finish.name)
                        ));
                    }
                }
            },
        }
    }
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

/// The node (or subgraph) of one step.
fn node(out: &mut String, step: &Step) {
    let id = &node_id(&step.ident);
    let name = escape(&step.id);
    let retry = step.retry.as_ref().map(retry_label).unwrap_or_default();
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
