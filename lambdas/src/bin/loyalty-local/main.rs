//! `loyalty-local`: the loyalty point service, embedded, in one process (see `lambdas/README.md`).

mod cli;
mod commands;
mod serve;

fn main() -> std::process::ExitCode {
    cli::main()
}
