//! imagelint: a fast, offline checker of container image references.
//!
//! Data flows one way, one folder a step (docs/architecture.md):
//! discover (walk, classify) -> extract (occurrences with spans) -> image
//! (reference, policy) -> rules -> analyze (findings) -> fix -> render.
//! `engine` runs the steps over files on worker threads; `app` is the
//! commands. `lock` (the lock file and registry client) and `mirror` (what
//! the mirrors must hold) serve the commands that use the network.

pub(crate) mod analyze;
pub mod app;
pub(crate) mod atomic;
pub mod cli;
pub(crate) mod config;
pub(crate) mod discover;
pub(crate) mod engine;
pub(crate) mod extract;
pub(crate) mod fix;
#[doc(hidden)]
pub mod fuzzing;
#[cfg(test)]
mod generated;
pub(crate) mod globs;
#[cfg(test)]
mod hook_files;
pub(crate) mod image;
pub(crate) mod kinds;
pub(crate) mod lock;
pub(crate) mod mirror;
pub(crate) mod render;
pub(crate) mod rules;
pub(crate) mod side_file;
pub(crate) mod source;
pub(crate) mod words;

/// Docker's reference grammar, for the reference vector tests.
pub use image::reference;
