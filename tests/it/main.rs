//! Integration tests: each runs the real `imagelint` binary.

mod bad_input;
mod cli;
mod common;
mod corpus;
mod fix;
mod fixtures;
mod properties;
mod reference;
mod registry;
