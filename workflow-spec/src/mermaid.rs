//! Mermaid flowchart of a workflow.

use crate::ir::Workflow;

/// The Mermaid flowchart (`flowchart TD`) of a workflow.
pub fn mermaid(workflow: &Workflow) -> String {
    let _ = workflow;
    String::from("flowchart TD\n")
}
