//! [`RawSpec`] -> validated [`Workflow`], reporting every problem found.

mod budget;
mod flow;
mod kinds;
mod policy;
mod step;

use crate::diagnostic::Reporter;
use crate::ir::{BUILTIN_ERROR_KINDS, ErrorKind, Outcome, TypePath, Workflow};
use crate::names;
use crate::parse::{at, position};
use crate::raw::{RawSpec, Text};

/// Where the files `use:` steps name are.
pub(crate) struct Files {
    /// The directory `use:` paths are relative to.
    pub(crate) dir: std::path::PathBuf,
    /// The same directory as diagnostics show it.
    pub(crate) shown_dir: std::path::PathBuf,
    /// The canonical paths of the files being loaded, the outermost first (this one last): a `use:` of one of
    /// them is a cycle.
    pub(crate) using: Vec<std::path::PathBuf>,
}

/// Shared state while validating one file.
pub(crate) struct Checker<'a, 'r> {
    pub(crate) reporter: &'r mut Reporter<'a>,
    /// Where `use:` finds its files.
    pub(crate) files: Files,
    /// Declared error kinds.
    pub(crate) declared: Vec<String>,
    /// Outcomes in first-use order.
    pub(crate) outcomes: Vec<String>,
}

/// Validates the whole spec; `None` when anything was reported.
pub(crate) fn validate(
    raw: RawSpec,
    reporter: &mut Reporter<'_>,
    files: Files,
) -> Option<Workflow> {
    let before = reporter.items.len();
    let mut checker = Checker {
        reporter,
        files,
        declared: Vec::new(),
        outcomes: Vec::new(),
    };

    let name = raw.workflow.value.trim().to_string();
    if let Some(problem) = names::kebab_case_problem(&name) {
        checker.kebab_error(&raw.workflow, "workflow name", problem);
    } else if names::is_keyword(&names::snake_of_kebab(&name)) {
        checker.reporter.error_help(
            at(&raw.workflow),
            format!("invalid workflow name `{name}`: it is reserved"),
            format!("choose another name, e.g. `{name}-workflow`"),
        );
    }
    let input_type = checker.type_path(&raw.input, "input");
    let output_type = checker.type_path(&raw.output, "output");
    let error_kinds = checker.error_kinds(&raw);
    let default_retry = raw
        .defaults
        .as_ref()
        .and_then(|defaults| defaults.retry.as_ref())
        .and_then(|retry| checker.retry_policy(retry));
    let steps = checker.steps(&raw, default_retry.as_ref());
    let finish = raw
        .finish
        .as_ref()
        .and_then(|finish| checker.outcome(finish));
    if let Some((steps, end_reachable)) = &steps {
        flow::check_finish(&mut checker, &raw, steps, *end_reachable);
    }
    let steps = steps.map(|(steps, _)| steps);
    let budget = raw
        .budget
        .as_ref()
        .and_then(|written| checker.budget(written));
    let timeout = raw
        .timeout
        .as_ref()
        .and_then(|written| checker.execution_timeout(written));

    if checker.reporter.items.len() > before {
        return None;
    }
    let workflow = Workflow {
        ident: names::snake_of_kebab(&name),
        name,
        about: raw
            .about
            .as_ref()
            .map(|about| about.value.trim().to_string()),
        input_type: input_type?,
        output_type: output_type?,
        error_kinds,
        outcomes: std::mem::take(&mut checker.outcomes),
        steps: steps?,
        finish,
        budget,
        timeout,
        position: position(raw.workflow.referenced),
    };
    if let Some(written) = &raw.budget {
        budget::check(&mut checker, &workflow, written);
        if checker.reporter.items.len() > before {
            return None;
        }
    }
    Some(workflow)
}

impl Checker<'_, '_> {
    /// `use:`: the workflow file it names, read and validated with the workflows it uses in turn.
    fn used_workflow(&mut self, text: &Text) -> Option<crate::ir::UseWorkflow> {
        let path = text.value.trim();
        if path.is_empty() || std::path::Path::new(path).is_absolute() {
            self.reporter.error_help(
                at(text),
                format!("invalid `use` path `{path}`"),
                "name a workflow file relative to this one, e.g. `use: billing.workflow.yaml`",
            );
            return None;
        }
        let file = self.files.dir.join(path);
        let shown = self
            .files
            .shown_dir
            .join(path)
            .to_string_lossy()
            .into_owned();
        let read = file
            .canonicalize()
            .and_then(|canonical| Ok((std::fs::read_to_string(&canonical)?, canonical)));
        let (source, canonical) = match read {
            Ok(read) => read,
            Err(error) => {
                self.reporter.error_help(
                    at(text),
                    format!("cannot read the workflow `{path}` (`{shown}`): {error}"),
                    "`use:` paths are relative to the directory of the file that names them",
                );
                return None;
            }
        };
        if self.files.using.contains(&canonical) {
            self.reporter.error_help(
                at(text),
                format!(
                    "`use: {path}` is a cycle: that workflow is already being used on the way here"
                ),
                "a workflow cannot use itself, directly or through the workflows it uses",
            );
            return None;
        }
        let dir = file
            .parent()
            .map(std::path::Path::to_path_buf)
            .unwrap_or_default();
        let mut using = self.files.using.clone();
        using.push(canonical);
        match crate::load_nested(&source, &shown, &dir, using) {
            Ok(workflow) => Some(crate::ir::UseWorkflow {
                path: path.to_string(),
                file,
                spec_hash: crate::spec_hash(source.as_bytes()),
                workflow: Box::new(workflow),
            }),
            Err(diagnostics) => {
                let count = diagnostics.items.len();
                let first = diagnostics.items.first().map_or_else(String::new, |d| {
                    format!(
                        ": {} ({}:{}:{})",
                        d.message, d.file, d.position.line, d.position.col
                    )
                });
                let plural = if count == 1 { "" } else { "s" };
                self.reporter.error_help(
                    at(text),
                    format!("the workflow `{path}` has {count} error{plural}{first}"),
                    format!("`workflow check {shown}` shows every one"),
                );
                None
            }
        }
    }

    /// `timeout:`: a duration in whole seconds, as the durable execution timeout is.
    fn execution_timeout(&mut self, text: &Text) -> Option<std::time::Duration> {
        let timeout = self.duration(text, "timeout", false)?;
        if timeout.subsec_nanos() != 0 {
            self.reporter.error_help(
                at(text),
                format!(
                    "invalid duration `{}` in `timeout`: the execution timeout is whole seconds",
                    text.value.trim()
                ),
                "write it in `s`, `m` or `h`",
            );
            return None;
        }
        Some(timeout)
    }

    /// Reports a name that is not kebab-case, suggesting one.
    pub(crate) fn kebab_error(&mut self, text: &Text, what: &str, problem: &str) {
        let message = format!("invalid {what} `{}`: {problem}", text.value);
        let help =
            names::kebab_suggestion(&text.value).map(|s| format!("use kebab-case, e.g. `{s}`"));
        self.reporter.error_maybe_help(at(text), message, help);
    }

    /// A validated type path, or a report.
    pub(crate) fn type_path(&mut self, text: &Text, key: &str) -> Option<TypePath> {
        let path = text.value.trim();
        if let Some(problem) = names::type_path_problem(path) {
            self.reporter.error_help(
                at(text),
                format!("invalid Rust type path `{path}` in `{key}`: {problem}"),
                "write a path such as `crate::tier::UpgradeRequest`",
            );
            return None;
        }
        Some(TypePath {
            path: path.to_string(),
            position: position(text.referenced),
        })
    }

    /// A snake_case method name, or a report.
    pub(crate) fn method_name(&mut self, text: &Text, key: &str) -> Option<String> {
        let name = text.value.trim();
        if names::is_snake_case_identifier(name) {
            return Some(name.to_string());
        }
        let message = if names::is_keyword(name) {
            format!("invalid method name `{name}` in `{key}`: it is a Rust keyword")
        } else {
            format!(
                "invalid method name `{name}` in `{key}`: expected a snake_case Rust identifier"
            )
        };
        let help = names::snake_suggestion(name).map(|s| format!("use `{s}`"));
        self.reporter.error_maybe_help(at(text), message, help);
        None
    }

    /// An outcome (UpperCamelCase variant of the output enum), recorded in first-use order.
    pub(crate) fn outcome(&mut self, text: &Text) -> Option<Outcome> {
        let name = text.value.trim();
        if !names::is_camel_case_identifier(name) {
            let help = names::camel_suggestion(name).map(|s| format!("use `{s}`"));
            self.reporter.error_maybe_help(
                at(text),
                format!("invalid outcome `{name}`: expected an UpperCamelCase variant of the output enum"),
                help,
            );
            return None;
        }
        if !self.outcomes.iter().any(|known| known == name) {
            self.outcomes.push(name.to_string());
        }
        Some(Outcome {
            name: name.to_string(),
            position: position(text.referenced),
        })
    }

    /// The `errors:` section.
    fn error_kinds(&mut self, raw: &RawSpec) -> Vec<ErrorKind> {
        let mut kinds = Vec::new();
        let Some(errors) = &raw.errors else {
            return kinds;
        };
        for (name, description) in &errors.value.0 {
            let kind = name.value.trim();
            if BUILTIN_ERROR_KINDS.contains(&kind) {
                self.reporter.error_help(
                    at(name),
                    format!("error kind `{kind}` is built in and cannot be declared"),
                    "remove it from `errors:`; `catch` can name it as it is",
                );
                continue;
            }
            if !names::is_camel_case_identifier(kind) {
                let help = names::camel_suggestion(kind).map(|s| format!("use `{s}`"));
                self.reporter.error_maybe_help(
                    at(name),
                    format!(
                        "invalid error kind `{kind}`: expected an UpperCamelCase Rust identifier"
                    ),
                    help,
                );
                continue;
            }
            self.declared.push(kind.to_string());
            kinds.push(ErrorKind {
                name: kind.to_string(),
                description: description.value.trim().to_string(),
                position: position(name.referenced),
            });
        }
        kinds
    }

    /// Reports an undeclared error kind with a suggestion.
    pub(crate) fn undeclared_error_kind(&mut self, text: &Text, allow_builtin: bool) {
        let name = text.value.trim();
        let mut candidates: Vec<&str> = self.declared.iter().map(String::as_str).collect();
        if allow_builtin {
            candidates.extend(BUILTIN_ERROR_KINDS);
        }
        let help = names::did_you_mean(name, candidates).unwrap_or_else(|| {
            format!("declare it under `errors:`, e.g. `{name}: <what it means>`")
        });
        self.reporter
            .error_help(at(text), format!("undeclared error kind `{name}`"), help);
    }
}
