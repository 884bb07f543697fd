//! Progress of `imagelint lock` on a terminal: one line on standard error,
//! redrawn as tags resolve (done/total, per registry), failures printed
//! above it as they happen. Off the terminal it prints nothing.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::sync::Mutex;

pub(super) struct Progress {
    on: bool,
    total: usize,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    done: usize,
    failed: usize,
    /// Registry -> (done, total).
    registries: BTreeMap<String, (usize, usize)>,
}

/// Registries named on the line; the rest are summed up.
const SHOWN_REGISTRIES: usize = 3;

impl Progress {
    /// Progress over `registries`, one entry per tag to resolve.
    pub fn new<'a>(verb: &str, registries: impl Iterator<Item = &'a str>) -> Progress {
        let mut state = State::default();
        let mut total = 0;
        for r in registries {
            state.registries.entry(r.to_string()).or_default().1 += 1;
            total += 1;
        }
        let progress = Progress {
            on: total > 0 && std::io::stderr().is_terminal(),
            total,
            state: Mutex::new(state),
        };
        progress.draw(verb);
        progress
    }

    /// Whether failures are shown as they happen (and so need not be
    /// repeated at the end).
    pub fn live(&self) -> bool {
        self.on
    }

    /// One tag of `registry` done; `failure` is shown above the line.
    pub fn step(&self, verb: &str, registry: &str, failure: Option<&str>) {
        if !self.on {
            return;
        }
        if let Ok(mut s) = self.state.lock() {
            s.done += 1;
            if let Some(r) = s.registries.get_mut(registry) {
                r.0 += 1;
            }
            if let Some(why) = failure {
                s.failed += 1;
                eprint!("\r\x1b[2K{why}\n");
            }
        }
        self.draw(verb);
    }

    fn draw(&self, verb: &str) {
        if !self.on {
            return;
        }
        let Ok(s) = self.state.lock() else {
            return;
        };
        let mut line = format!("{verb} {}/{}", s.done, self.total);
        for (name, (done, total)) in s.registries.iter().take(SHOWN_REGISTRIES) {
            line.push_str(&format!(" · {name} {done}/{total}"));
        }
        if s.registries.len() > SHOWN_REGISTRIES {
            line.push_str(&format!(
                " · {} more registries",
                s.registries.len() - SHOWN_REGISTRIES
            ));
        }
        if s.failed > 0 {
            line.push_str(&format!(" · {} failed", s.failed));
        }
        eprint!("\r\x1b[2K{line}");
        let _ = std::io::stderr().flush();
    }

    /// Clears the line.
    pub fn finish(&self) {
        if self.on {
            eprint!("\r\x1b[2K");
        }
    }
}
