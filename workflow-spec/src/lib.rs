//! The workflow DSL: a YAML file describing a durable workflow, parsed with positions and validated into
//! a typed [`Workflow`] that the code generator (`workflow-macros`) walks.
//!
//! The public API:
//! - [`load`]`(source, file_name) -> Result<Workflow, Diagnostics>`: parse and validate. Every problem found is
//!   reported as a rustc-style [`Diagnostic`] (`error: ...`, ` --> file:line:col`, the line, a caret, `= help:`).
//! - [`spec_hash`]: the sha256 (hex) of the file bytes; [`operations`]: the fingerprint of each durable operation,
//!   recorded by generated code so that a replay under a changed definition fails only where it would read back
//!   something else; [`diff()`]: whether executions of one definition can continue under another.
//! - [`mermaid`]: the Mermaid flowchart of a workflow; [`json_schema`]: the JSON Schema of the DSL.
//! - [`synthetic_spec`]: a valid workflow source of any length, for benchmarks.
//! - The IR types in [`ir`] (re-exported here), all `Clone + Debug + PartialEq`, each node with its [`Position`].
//!
//! `README.md` of this crate is the DSL reference and says how each construct executes.
//!
//! ```
//! let source = "workflow: demo
//! input: crate::Input
//! output: crate::Outcome
//! steps:
//!   - read-account: { task: read_account, reads: [input], output: crate::Account }
//!   - notify: { task: notify, reads: [read-acount] }
//! finish: Done
//! ";
//! let diagnostics = workflow_spec::load(source, "demo.workflow.yaml").unwrap_err();
//! assert_eq!(
//!     diagnostics.to_string(),
//!     "error: step `notify` reads unknown step `read-acount`
//!  --> demo.workflow.yaml:6:37
//!   |
//! 6 |   - notify: { task: notify, reads: [read-acount] }
//!   |                                     ^^^^^^^^^^^
//!   |
//!   = help: did you mean `read-account`?"
//! );
//!
//! let fixed = source.replace("read-acount", "read-account");
//! let workflow = workflow_spec::load(&fixed, "demo.workflow.yaml").unwrap();
//! assert_eq!(workflow.steps[1].reads[0].source, workflow_spec::ReadSource::Step(0));
//! ```

#![warn(missing_docs)]

pub mod diagnostic;
pub mod diff;
pub mod duration;
pub mod fingerprint;
pub mod ir;
mod mermaid;
mod names;
mod parse;
mod raw;
pub mod routes;
mod schema;
mod synthetic;
mod validate;

pub use diagnostic::{Diagnostic, Diagnostics};
pub use diff::{Diff, diff};
pub use fingerprint::{OperationFingerprint, operations};
pub use ir::*;
pub use mermaid::mermaid;
pub use routes::{Ending, Route, TooManyRoutes, routes};
pub use schema::json_schema;
pub use synthetic::synthetic_spec;

use sha2::{Digest, Sha256};

/// Parses and validates a workflow file. `file_name` is used in diagnostics (` --> file_name:line:col`), and the
/// files its `use:` steps name are read relative to its directory.
pub fn load(source: &str, file_name: &str) -> Result<Workflow, Diagnostics> {
    let dir = std::path::Path::new(file_name)
        .parent()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default();
    load_in(source, file_name, &dir)
}

/// [`load`], reading the files that `use:` steps name relative to `dir` (the directory the file is in), and
/// showing them in diagnostics relative to the directory of `file_name`.
pub fn load_in(
    source: &str,
    file_name: &str,
    dir: &std::path::Path,
) -> Result<Workflow, Diagnostics> {
    let this = std::path::Path::new(file_name)
        .file_name()
        .map(|name| dir.join(name))
        .and_then(|path| path.canonicalize().ok());
    load_nested(source, file_name, dir, this.into_iter().collect())
}

/// [`load_in`] for a file used by the files on `using` (canonical paths, the outermost first).
pub(crate) fn load_nested(
    source: &str,
    file_name: &str,
    dir: &std::path::Path,
    using: Vec<std::path::PathBuf>,
) -> Result<Workflow, Diagnostics> {
    let mut reporter = diagnostic::Reporter::new(source, file_name);
    let files = validate::Files {
        dir: dir.to_path_buf(),
        shown_dir: std::path::Path::new(file_name)
            .parent()
            .map(std::path::Path::to_path_buf)
            .unwrap_or_default(),
        using,
    };
    let workflow = parse::parse(source, &mut reporter)
        .and_then(|raw| validate::validate(raw, &mut reporter, files));
    match workflow {
        Some(workflow) if reporter.items.is_empty() => Ok(workflow),
        _ => {
            let mut items = reporter.items;
            if items.is_empty() {
                items.push(Diagnostic::new(
                    source,
                    file_name,
                    Position { line: 1, col: 1 },
                    1,
                    "invalid workflow",
                ));
            }
            items.sort_by_key(|d| (d.position.line, d.position.col));
            Err(Diagnostics { items })
        }
    }
}

/// A spec the unit tests know to be valid, loaded as `t.workflow.yaml`.
#[cfg(test)]
pub(crate) fn load_valid(source: &str) -> Workflow {
    match load(source, "t.workflow.yaml") {
        Ok(workflow) => workflow,
        Err(diagnostics) => unreachable!("{diagnostics}"),
    }
}

/// The sha256 of the spec file's bytes, as lowercase hex (64 characters).
pub fn spec_hash(source: &[u8]) -> String {
    hex::encode(Sha256::digest(source))
}
