//! Errors that end a command, and the one place that prints errors.

use crate::config::ConfigErrors;
use crate::lock::CredentialsError;
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
    #[error(
        "unknown rule `{id}`{}; `imagelint rules` lists them",
        near.as_ref().map_or(String::new(), |n| format!(" (did you mean `{n}`?)"))
    )]
    UnknownRule { id: String, near: Option<String> },
    /// A command line that cannot mean what it says.
    #[error("{0}")]
    Usage(String),
}

impl Error {
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Render(e) if e.is_broken_pipe())
    }
}

/// Longest error line printed: a message quoting user input (a regex, a
/// path) stays readable.
const MAX_LINE: usize = 400;

/// Prints an error as one `imagelint: ` line; a config's errors one line
/// each.
pub(super) fn print_error(e: &Error) {
    each_line(e, &mut |line| print(line));
}

/// The lines an error is shown as: a config's problems one by one.
fn each_line(e: &Error, show: &mut dyn FnMut(&dyn Display)) {
    match e {
        Error::Config(all) => all.0.iter().for_each(|e| show(e)),
        other => show(other),
    }
}

/// Prints a message as one `imagelint: ` line: line breaks and runs of
/// spaces folded, the OS error number dropped, cut at [`MAX_LINE`].
pub(super) fn print(e: &dyn Display) {
    eprintln!("imagelint: {}", one_line(&e.to_string()));
}

fn one_line(text: &str) -> String {
    let mut out = text.split_whitespace().collect::<Vec<_>>().join(" ");
    while let Some(at) = out.find(" (os error ") {
        match out[at..].find(')') {
            Some(end) => out.replace_range(at..at + end + 1, ""),
            None => break,
        }
    }
    if out.chars().count() > MAX_LINE {
        out = out.chars().take(MAX_LINE).collect::<String>() + "…";
    }
    out
}

#[cfg(test)]
mod tests {
    use super::one_line;

    #[test]
    fn errors_print_as_one_short_line() {
        assert_eq!(
            one_line("a: cannot write: Permission denied (os error 13)"),
            "a: cannot write: Permission denied"
        );
        assert_eq!(
            one_line("regex parse error:\n    (((\n    ^\nerror: x"),
            "regex parse error: ((( ^ error: x"
        );
        assert_eq!(one_line(&"x".repeat(1000)).chars().count(), 401);
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

    /// An error that ends one part of a run (a nearer config that cannot be
    /// loaded), shown as [`print_error`] shows one that ends the command.
    pub fn report_error(&mut self, e: &Error) {
        each_line(e, &mut |line| self.report(line));
    }

    /// A problem already shown (`shown`, as a terminal's progress does) is
    /// only counted.
    pub fn report_once(&mut self, e: &dyn Display, shown: bool) {
        if shown {
            self.count += 1;
        } else {
            self.report(e);
        }
    }

    pub fn none(&self) -> bool {
        self.count == 0
    }

    /// Counts the problems another part of the run reported.
    pub fn absorb(&mut self, other: Problems) {
        self.count += other.count;
    }

    pub fn count(&self) -> usize {
        self.count
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
