//! Integration tests: each runs the real `imagelint` binary.

mod action;
mod architecture;
mod bad_input;
mod cli;
mod cli_fixes;
mod common;
mod corpus;
mod distribution;
mod fix;
mod fixtures;
mod flags;
mod formats;
mod fuzz_seeds;
mod hardening;
mod lock_cycle;
mod mirror;
mod policy;
mod precommit;
mod properties;
mod real_world;
mod reference;
mod registry;
mod reviewdog;
mod rule_examples;
