//! `workflow check FILE...`, `workflow diagram FILE`, `workflow paths FILE`, `workflow cost FILE`,
//! `workflow diff OLD NEW`, `workflow schema`.

use std::io::Write;
use std::process::ExitCode;

const USAGE: &str = "\
usage: workflow <command>

commands:
  check FILE...   validate workflow files; diagnostics on stderr, exit 1 if any file is invalid
  diagram FILE    print the Mermaid flowchart of a workflow
  paths FILE      list every route from the start to an outcome, catches included
  cost FILE       per route: the durable operations billed and the worst-case wall time
  diff OLD NEW    whether executions started by OLD can continue under NEW; exit 0 when compatible,
                  1 when breaking (naming the first step that would replay differently), 2 on an invalid file
  schema          print the JSON Schema of the workflow DSL (for yaml-language-server)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["check", files @ ..] if !files.is_empty() => check(files),
        ["diagram", file] => diagram(file),
        ["paths", file] => paths(file, false),
        ["cost", file] => paths(file, true),
        ["diff", old, new] => diff(old, new),
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

/// `workflow paths` (every route) and `workflow cost` (every route with its cost, then the extremes).
fn paths(file: &str, with_cost: bool) -> ExitCode {
    let Some(workflow) = load(file) else {
        return ExitCode::FAILURE;
    };
    let routes = match workflow_spec::routes(&workflow) {
        Ok(routes) => routes,
        Err(too_many) => {
            eprintln!("error: `{file}`: {too_many}");
            return ExitCode::FAILURE;
        }
    };
    let count = routes.len();
    let width = count.to_string().len();
    let mut out = format!(
        "{}: {count} route{}",
        workflow.name,
        if count == 1 { "" } else { "s" }
    );
    if with_cost {
        out.push_str(
            " (durable operations billed, worst-case wall time without the activities' own run time)",
        );
    }
    out.push('\n');
    for (number, route) in routes.iter().enumerate() {
        let number = number + 1;
        if with_cost {
            let indent = " ".repeat(width + 2);
            out.push_str(&format!(
                "{number:>width$}. {route}\n{indent}operations: {}; worst-case wall time: {}\n",
                route.operations, route.wall_time
            ));
        } else {
            out.push_str(&format!("{number:>width$}. {route}\n"));
        }
    }
    if with_cost && let Some(range) = workflow_spec::routes::cost_range(&routes) {
        let (fewest, most) = (&range.fewest_operations, &range.most_operations);
        let (shortest, longest) = (&range.shortest, &range.longest);
        out.push_str(&format!(
            "\noperations: fewest {} (route {}), most {} (route {})\n",
            fewest.1, fewest.0, most.1, most.0
        ));
        out.push_str(&format!(
            "worst-case wall time: shortest {} (route {}), longest {} (route {}), plus the activities' own run time\n",
            shortest.1, shortest.0, longest.1, longest.0
        ));
    }
    if with_cost && let Some(timeout) = workflow.timeout {
        out.push_str(&timeout_line(timeout, &routes));
    }
    print_stdout(&out)
}

/// Which routes' worst-case wall time (without map elements) is longer than the execution timeout `timeout:`.
fn timeout_line(timeout: std::time::Duration, routes: &[workflow_spec::Route]) -> String {
    let format = workflow_spec::routes::format_duration;
    let over: Vec<(usize, std::time::Duration)> = routes
        .iter()
        .enumerate()
        .filter(|(_, route)| route.wall_time.fixed > timeout)
        .map(|(number, route)| (number + 1, route.wall_time.fixed))
        .collect();
    let growing = routes
        .iter()
        .filter(|route| route.wall_time.grows_with_elements())
        .count();
    let mut line = format!("execution timeout (`timeout:`): {}", format(timeout));
    match over.iter().map(|(_, wall)| *wall).max() {
        None => line.push_str("; no route's worst case is longer"),
        Some(longest) => {
            let numbers: Vec<String> = over.iter().map(|(number, _)| number.to_string()).collect();
            line.push_str(&format!(
                "; the worst case of route{} {} is longer (up to {}): such an execution times out",
                if over.len() == 1 { "" } else { "s" },
                numbers.join(", "),
                format(longest)
            ));
        }
    }
    if growing > 0 {
        line.push_str(&format!(
            "; {growing} route{} take{} longer with more map elements",
            if growing == 1 { "" } else { "s" },
            if growing == 1 { "s" } else { "" }
        ));
    }
    line.push('\n');
    line
}

/// `workflow diff OLD NEW`: the operations each file records, compared route by route.
fn diff(old_file: &str, new_file: &str) -> ExitCode {
    let (Some(old), Some(new)) = (load(old_file), load(new_file)) else {
        return ExitCode::from(2);
    };
    if old.name != new.name {
        eprintln!(
            "error: `{old_file}` defines workflow `{}` and `{new_file}` defines `{}`: compare two definitions of one workflow",
            old.name, new.name
        );
        return ExitCode::from(2);
    }
    match workflow_spec::diff(&old, &new) {
        Ok(diff) => {
            let printed = print_stdout(&format!("{}: {diff}", new.name));
            match (printed == ExitCode::SUCCESS, diff.is_compatible()) {
                (true, true) => ExitCode::SUCCESS,
                (true, false) => ExitCode::FAILURE,
                (false, _) => ExitCode::from(2),
            }
        }
        Err(too_many) => {
            eprintln!("error: {too_many}");
            ExitCode::from(2)
        }
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
