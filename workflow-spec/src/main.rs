//! `workflow check FILE...`, `workflow diagram FILE`, `workflow schema`.

use std::io::Write;
use std::process::ExitCode;

const USAGE: &str = "\
usage: workflow <command>

commands:
  check FILE...   validate workflow files; diagnostics on stderr, exit 1 if any file is invalid
  diagram FILE    print the Mermaid flowchart of a workflow
  schema          print the JSON Schema of the workflow DSL (for yaml-language-server)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["check", files @ ..] if !files.is_empty() => check(files),
        ["diagram", file] => diagram(file),
        ["schema"] => print_stdout(&workflow_spec::json_schema()),
        ["help" | "--help" | "-h"] => print_stdout(USAGE),
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// Reads and validates one file, printing its diagnostics on failure.
fn load(file: &str) -> Option<workflow_spec::Workflow> {
    let source = match std::fs::read(file) {
        Ok(bytes) => bytes,
        Err(error) => {
            eprintln!("error: cannot read `{file}`: {error}");
            return None;
        }
    };
    let Ok(source) = String::from_utf8(source) else {
        eprintln!("error: `{file}` is not UTF-8 text");
        return None;
    };
    match workflow_spec::load(&source, file) {
        Ok(workflow) => Some(workflow),
        Err(diagnostics) => {
            eprintln!("{diagnostics}\n");
            let count = diagnostics.len();
            eprintln!(
                "error: `{file}` has {count} error{}",
                if count == 1 { "" } else { "s" }
            );
            None
        }
    }
}

fn check(files: &[&str]) -> ExitCode {
    let mut all_valid = true;
    for file in files {
        match load(file) {
            Some(workflow) => {
                let steps = workflow.steps.len();
                println!(
                    "{file}: ok, workflow `{}` with {steps} step{}",
                    workflow.name,
                    if steps == 1 { "" } else { "s" }
                );
            }
            None => all_valid = false,
        }
    }
    if all_valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn diagram(file: &str) -> ExitCode {
    match load(file) {
        Some(workflow) => print_stdout(&workflow_spec::mermaid(&workflow)),
        None => ExitCode::FAILURE,
    }
}

/// Prints to stdout without panicking when the pipe is closed.
fn print_stdout(text: &str) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    match writeln!(stdout, "{}", text.trim_end()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::FAILURE,
    }
}
