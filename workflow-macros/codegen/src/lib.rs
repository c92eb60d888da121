//! Code generation of the workflow compiler: a validated [`workflow_spec::Workflow`] becomes the
//! tokens of a typed durable orchestrator module (`pub mod <workflow> { ... }`).
//!
//! This is a plain library, like `pest_generator` or `askama_derive`'s core, so unit tests, the
//! snapshot test and the benchmark can call it; the `workflow!` proc-macro is a few lines around
//! [`expand`]. The generated module imports the runtime once (`use ::workflow_runtime::__private as rt;`); every
//! other path in it is absolute (`::core::...`, the spec's `crate::...` types) or goes through `rt::`.

#![warn(missing_docs)]

mod activities;
mod control_flow;
mod functions;
mod names;
mod orchestrator;
mod retry;
mod steps;

use proc_macro2::TokenStream;

/// Why a valid spec could still not be turned into code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodegenError {
    /// What is wrong.
    pub message: String,
    /// Where in the YAML.
    pub position: workflow_spec::Position,
}

/// Parses, validates and generates: the module for `source`, or every problem as rustc-style text.
///
/// `file_name` appears in diagnostics (` --> file_name:line:col`).
pub fn expand(source: &str, file_name: &str) -> Result<TokenStream, Vec<String>> {
    let workflow = workflow_spec::load(source, file_name).map_err(|diagnostics| {
        diagnostics
            .items
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
    })?;
    let hash = workflow_spec::spec_hash(source.as_bytes());
    generate(&workflow, &hash, file_name).map_err(|error| {
        let diagnostic =
            workflow_spec::Diagnostic::new(source, file_name, error.position, 1, error.message);
        vec![diagnostic.to_string()]
    })
}

/// The orchestrator module for a validated `workflow` whose file `file_name` hashes to
/// `spec_hash` (the name only appears in doc comments).
pub fn generate(
    workflow: &workflow_spec::Workflow,
    spec_hash: &str,
    file_name: &str,
) -> Result<TokenStream, CodegenError> {
    orchestrator::module(workflow, spec_hash, file_name)
}

/// Formats generated tokens as a Rust file with `prettyplease` (for snapshots and reading).
pub fn pretty(tokens: &TokenStream) -> Result<String, syn::Error> {
    let file: syn::File = syn::parse2(tokens.clone())?;
    Ok(prettyplease::unparse(&file))
}

#[cfg(test)]
mod tests;
