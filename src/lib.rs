//! imagelint: a fast, offline checker of container image references.
//!
//! Data flows one way, one folder a step (docs/architecture.md):
//! discover (walk, classify) -> extract (occurrences with spans) -> image
//! (reference, policy) -> rules -> analyze (findings) -> fix -> render.
//! `engine` runs the steps over files on worker threads; `app` is the
//! commands.

pub mod analyze;
pub mod app;
pub mod cli;
pub mod config;
pub mod discover;
pub mod engine;
pub mod extract;
pub mod fix;
pub mod globs;
pub mod image;
pub mod kinds;
pub mod lock;
pub mod render;
pub mod rules;
pub mod source;
