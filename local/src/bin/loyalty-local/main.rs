//! `loyalty-local`: the loyalty point service, embedded, in one process (see `local/README.md`).

mod cli;
mod commands;
mod serve;
#[cfg(feature = "aws")]
mod serve_aws;
mod serve_common;

// mimalloc: less CPU per request and per durable execution than the system allocator (durable-local/README.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::main()
}
