//! imagelint: a fast, offline checker of container image references.
//!
//! Data flows one way: walk -> classify -> extract -> parse -> rules ->
//! findings -> render.

pub mod analyze;
pub mod app;
pub mod classify;
pub mod cli;
pub mod config;
pub mod engine;
pub mod extract;
pub mod finding;
pub mod fix;
pub mod image;
pub mod interpolate;
pub mod lock;
pub mod reference;
pub mod registry;
pub mod render;
pub mod rules;
pub mod source;
pub mod suppress;
pub mod tags;
pub mod walk;
pub mod yaml;
