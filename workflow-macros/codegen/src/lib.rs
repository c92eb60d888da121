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
mod fakes;
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
/// `file_name` appears in diagnostics (` --> file_name:line:col`); the files `use:` steps name are read
/// relative to its directory.
pub fn expand(source: &str, file_name: &str) -> Result<TokenStream, Vec<String>> {
    let dir = std::path::Path::new(file_name)
        .parent()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default();
    expand_in(source, file_name, &dir).map(|(module, _)| module)
}

/// What to generate besides the orchestrator.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// `pub mod fake` in each generated module: a programmable `FakeActivities` for tests.
    pub fakes: bool,
}

/// [`expand`], reading the files `use:` steps name relative to `dir` (the spec's directory); also returns
/// every file read that way, at any depth, so that a build can be redone when one changes.
pub fn expand_in(
    source: &str,
    file_name: &str,
    dir: &std::path::Path,
) -> Result<(TokenStream, Vec<std::path::PathBuf>), Vec<String>> {
    expand_with(source, file_name, dir, Options::default())
}

/// [`expand_in`] with `options`.
pub fn expand_with(
    source: &str,
    file_name: &str,
    dir: &std::path::Path,
    options: Options,
) -> Result<(TokenStream, Vec<std::path::PathBuf>), Vec<String>> {
    let workflow = workflow_spec::load_in(source, file_name, dir).map_err(|diagnostics| {
        diagnostics
            .items
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
    })?;
    let hash = workflow_spec::spec_hash(source.as_bytes());
    let module = generate_with(&workflow, &hash, file_name, options).map_err(|error| {
        let diagnostic =
            workflow_spec::Diagnostic::new(source, file_name, error.position, 1, error.message);
        vec![diagnostic.to_string()]
    })?;
    Ok((module, used_files(&workflow)))
}

/// The files of the workflows `workflow` uses, at any depth.
fn used_files(workflow: &workflow_spec::Workflow) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for used in workflow.used_workflows() {
        files.push(used.file.clone());
        files.extend(used_files(&used.workflow));
    }
    files
}

/// The orchestrator module for a validated `workflow` whose file `file_name` hashes to
/// `spec_hash` (the name only appears in doc comments).
pub fn generate(
    workflow: &workflow_spec::Workflow,
    spec_hash: &str,
    file_name: &str,
) -> Result<TokenStream, CodegenError> {
    generate_with(workflow, spec_hash, file_name, Options::default())
}

/// [`generate`] with `options`.
pub fn generate_with(
    workflow: &workflow_spec::Workflow,
    spec_hash: &str,
    file_name: &str,
    options: Options,
) -> Result<TokenStream, CodegenError> {
    orchestrator::module(workflow, spec_hash, file_name, options)
}

/// Formats generated tokens as a Rust file with `prettyplease` (for snapshots and reading).
pub fn pretty(tokens: &TokenStream) -> Result<String, syn::Error> {
    let file: syn::File = syn::parse2(tokens.clone())?;
    Ok(prettyplease::unparse(&file))
}

#[cfg(test)]
mod tests;
