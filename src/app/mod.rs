//! The commands, each in its own module: settings from the config and the
//! flags, the walk, the engine, the outputs, ending in an exit code. No
//! module here knows one output format from another.

mod check;
mod errors;
mod inventory;
mod lock;
mod mirror;
mod progress;
mod rules;
mod settings;
mod tally;

use crate::cli::{Cli, Command};
pub use errors::{Error, EXIT_ERROR, EXIT_FINDINGS, EXIT_OK};

/// Runs a command line; returns the exit code. Errors are printed here (and
/// in [`errors::Problems`] for those a run survives), nowhere else.
pub fn main(cli: Cli) -> u8 {
    let result = match cli.command {
        None => check::check(&cli.check),
        Some(Command::Check(args)) => check::check(&args),
        Some(Command::Inventory(args)) => inventory::inventory(&args),
        Some(Command::Lock(args)) => lock::lock(&args),
        Some(Command::Mirror(command)) => mirror::mirror(&command),
        Some(Command::Rules) => rules::list(),
        Some(Command::Explain { rule }) => rules::explain(&rule),
    };
    match result {
        Ok(code) => code,
        Err(e) if e.is_broken_pipe() => EXIT_OK,
        Err(e) => {
            errors::print_error(&e);
            EXIT_ERROR
        }
    }
}
