use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = imagelint::cli::Cli::parse();
    ExitCode::from(imagelint::app::main(cli))
}

// Most of a run is small allocations on worker threads: strings for
// findings, YAML nodes; mimalloc's thread-local pools halve their cost.
#[cfg(not(imagelint_system_alloc))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
