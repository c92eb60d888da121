//! `loyalty-local`: the loyalty point service, embedded, in one process (see `local/README.md`).

use std::process::ExitCode;

use clap::Parser;
use loyalty_service::telemetry::{self, LogStyle, Telemetry};

use crate::cli::{Cli, Command};

mod cli;
mod commands;
mod serve;
#[cfg(feature = "aws")]
mod serve_aws;
mod serve_common;

// mimalloc: less CPU per request and per durable execution than the system allocator (durable-local/README.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn init_logging() -> Telemetry {
    telemetry::install(LogStyle {
        ansi: std::io::IsTerminal::is_terminal(&std::io::stderr()),
        target: true,
    })
}

/// Runs the command line; the process exit code.
fn main() -> ExitCode {
    let cli = Cli::parse();
    let _telemetry = init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            None => commands::serve(cli.serve).await,
            Some(Command::Serve(args)) => commands::serve(args).await,
            Some(Command::Token(args)) => commands::token(&args),
            Some(Command::Publish(args)) => commands::publish(&args).await,
            Some(Command::Dlq(args)) => commands::dlq(&args),
            Some(Command::Events(args)) => commands::events(&args),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
