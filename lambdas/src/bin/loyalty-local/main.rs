//! `loyalty-local`: the loyalty point service, embedded, in one process (see `lambdas/README.md`).

mod cli;
mod commands;
mod serve;
mod serve_aws;

// mimalloc: less CPU per request and per durable execution than the system allocator (durable-local/README.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::main()
}
