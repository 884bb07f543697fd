//! The commands, each in its own module: settings from the config and the
//! flags, the walk, the engine, the outputs, ending in an exit code. No
//! module here knows one output format from another.

mod check;
mod errors;
mod init;
mod inventory;
mod lock;
mod mirror;
mod progress;
mod rules;
mod scopes;
mod settings;
mod show;
mod tally;

use crate::cli::{Cli, Command};
pub use errors::{Error, EXIT_ERROR, EXIT_FINDINGS, EXIT_OK};

/// Runs a command line; returns the exit code. Errors are printed here (and
/// in [`errors::Problems`] for those a run survives), nowhere else.
pub fn main(cli: Cli) -> u8 {
    let result = match cli.command {
        None => mistyped_command(&cli.check.common.paths).and_then(|()| check::check(&cli.check)),
        Some(Command::Check(args)) => check::check(&args),
        Some(Command::Inventory(args)) => inventory::inventory(&args),
        Some(Command::Lock(args)) => lock::lock(&args),
        Some(Command::Mirror(command)) => mirror::mirror(&command),
        Some(Command::Rules(args)) => rules::list(&args),
        Some(Command::Init(args)) => init::init(&args),
        Some(Command::Completions { shell }) => completions(shell),
        Some(Command::Explain { rule, config }) => rules::explain(&rule, config.as_deref()),
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

/// `imagelint invetory` reads as `imagelint check invetory`: a path that
/// does not exist and is a command's name but for a typo is refused, before
/// anything is printed, with the command meant.
fn mistyped_command(paths: &[std::path::PathBuf]) -> Result<(), Error> {
    use clap::CommandFactory;
    for path in paths {
        let Some(word) = path.to_str() else { continue };
        if path.exists() || word.contains(['/', '.', '\\']) {
            continue;
        }
        let command = Cli::command();
        let near = command
            .get_subcommands()
            .map(|c| c.get_name())
            .filter(|name| strsim::damerau_levenshtein(word, name) <= 2)
            .min_by_key(|name| strsim::damerau_levenshtein(word, name));
        if let Some(name) = near {
            return Err(Error::Usage(format!(
                "`{word}` is neither a file nor a command; did you mean `imagelint {name}`?"
            )));
        }
    }
    Ok(())
}

/// A shell's completion script, from the command-line definition itself.
fn completions(shell: clap_complete::Shell) -> Result<u8, Error> {
    use clap::CommandFactory;
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "imagelint", &mut out);
    use std::io::Write;
    std::io::stdout()
        .write_all(&out)
        .map_err(crate::render::RenderError::from)?;
    Ok(EXIT_OK)
}
