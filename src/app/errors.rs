//! Errors that end a command, and the one place that prints errors.

use crate::config::ConfigErrors;
use crate::lock::registry::CredentialsError;
use crate::lock::LockError;
use crate::render::RenderError;
use std::fmt::Display;
use std::io;

pub const EXIT_OK: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

/// Why a command could not run (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read the current directory: {0}")]
    CurrentDir(io::Error),
    #[error(transparent)]
    Config(#[from] ConfigErrors),
    /// A config value that parsed but cannot be used: a bad glob, rule or
    /// file kind. `path` is the config file, when there is one.
    #[error("{}{message}", path.as_ref().map_or(String::new(), |p| format!("{p}: ")))]
    Setting {
        path: Option<String>,
        message: String,
    },
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error(transparent)]
    Credentials(#[from] CredentialsError),
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error("cannot read standard input: {0}")]
    Stdin(io::Error),
    #[error("unknown --format `{name}` ({known})")]
    UnknownFormat { name: String, known: String },
    #[error("unknown rule `{0}`; `imagelint rules` lists them")]
    UnknownRule(String),
}

impl Error {
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Render(e) if e.is_broken_pipe())
    }
}

/// Prints an error, one `imagelint: ` line for each of its lines.
pub(super) fn print(e: &dyn Display) {
    for line in e.to_string().lines() {
        eprintln!("imagelint: {line}");
    }
}

/// Errors a run survives (a bad file, a path that cannot be walked): each is
/// printed when it happens and makes the exit code 2.
#[derive(Default)]
pub(super) struct Problems {
    count: usize,
}

impl Problems {
    pub fn report(&mut self, e: &dyn Display) {
        print(e);
        self.count += 1;
    }

    /// The exit code: 2 after any problem, else what the findings say.
    pub fn exit_code(&self, findings_fail: bool) -> u8 {
        if self.count > 0 {
            EXIT_ERROR
        } else if findings_fail {
            EXIT_FINDINGS
        } else {
            EXIT_OK
        }
    }
}
