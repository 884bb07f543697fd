//! Command-line arguments (SPEC section 1).

use crate::config::FailOn;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "imagelint",
    version,
    about = "Checks container image references: Docker Hub without a mirror, tags that can move, registries that are not allowed.",
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// `imagelint PATH...` is `imagelint check PATH...`.
    #[command(flatten)]
    pub check: CheckArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint image references (the default command)
    Check(CheckArgs),
    /// List every image reference found, whether or not a rule fires
    Inventory(InventoryArgs),
    /// Resolve tags to digests over the network and write imagelint.lock
    Lock(LockArgs),
    /// What the mirrors must hold: a copy plan, and a check that they hold it
    #[command(subcommand)]
    Mirror(MirrorCommand),
    /// List the rules, built-in and custom: id, severity, fixable, summary
    Rules(RulesArgs),
    /// Write a starter .imagelint.toml: the registries the files use, a [mirrors] section to fill in
    Init(InitArgs),
    /// Print a shell's completion script: `imagelint completions bash > /etc/bash_completion.d/imagelint`
    Completions {
        /// bash, zsh, fish, powershell or elvish
        shell: clap_complete::Shell,
    },
    /// Print a rule's full documentation
    Explain {
        /// Rule id, e.g. `mutable-tag`
        rule: String,
        /// Config file, for its custom rules and severities [default: the nearest]
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
}

#[derive(Debug, Args, Clone)]
pub struct InitArgs {
    #[command(flatten)]
    pub common: Common,
    /// Where to write it [default: .imagelint.toml in the current directory]
    #[arg(long, value_name = "FILE", default_value = ".imagelint.toml")]
    pub output: PathBuf,
    /// Replace an existing file
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args, Clone)]
pub struct RulesArgs {
    /// Config file, for its custom rules and severities [default: the nearest]
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// table or json
    #[arg(long, value_enum, default_value = "table")]
    pub format: RulesFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RulesFormat {
    Table,
    Json,
}

/// Options every command that reads files shares.
#[derive(Debug, Args, Clone, Default)]
pub struct Common {
    /// Files or folders to read [default: .]
    pub paths: Vec<PathBuf>,
    /// Config file [default: the nearest .imagelint.toml or imagelint.toml up to the repository root]
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Also read files that .gitignore excludes
    #[arg(long)]
    pub no_ignore: bool,
    /// Worker threads [default: the number of CPUs]
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Lock file [default: imagelint.lock beside the config file, else in the current directory]
    #[arg(long, value_name = "FILE")]
    pub lock: Option<PathBuf>,
    /// Colour: auto (a terminal, unless NO_COLOR; FORCE_COLOR or CLICOLOR_FORCE force it), always, never
    #[arg(long, value_enum, value_name = "WHEN", default_value = "auto")]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args, Clone, Default)]
pub struct CheckArgs {
    #[command(flatten)]
    pub common: Common,
    /// Output format, optionally to a file: human, json, json-lines, github, sarif, gitlab; repeatable
    #[arg(long, visible_alias = "output-format", value_name = "FMT[:PATH]")]
    pub format: Vec<String>,
    /// Print only the findings (-q), or nothing at all (-qq: the exit code says it)
    #[arg(short, long, action = clap::ArgAction::Count)]
    pub quiet: u8,
    /// Print counts by rule (and how many --fix can fix) instead of each finding
    #[arg(long)]
    pub statistics: bool,
    /// Exit 0 even when findings fail the run (errors still exit 2)
    #[arg(long)]
    pub exit_zero: bool,
    /// Print the files that would be read, with their kind, and exit
    #[arg(long, conflicts_with_all = ["fix", "diff", "stdin_filename"])]
    pub show_files: bool,
    /// Print the settings in force and where each comes from, and exit
    #[arg(long, conflicts_with_all = ["fix", "diff", "show_files"])]
    pub show_settings: bool,
    /// Apply safe fixes in place, then report what remains
    #[arg(long, conflicts_with = "diff")]
    pub fix: bool,
    /// Print a unified diff of the fixes and write nothing; exit 1 if there is a diff
    #[arg(long)]
    pub diff: bool,
    /// With --fix: exit 1 when a file was changed, even if nothing remains
    #[arg(long, requires = "fix")]
    pub exit_non_zero_on_fix: bool,
    /// Lowest severity that makes the exit code 1 [default: warning, or `fail-on` in the config]
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub fail_on: Option<FailOn>,
    /// Only these rules
    #[arg(long, value_delimiter = ',', value_name = "RULE,...")]
    pub select: Vec<String>,
    /// Not these rules
    #[arg(long, value_delimiter = ',', value_name = "RULE,...")]
    pub ignore: Vec<String>,
    /// Read the file's text from standard input and lint it as PATH
    #[arg(long, value_name = "PATH", conflicts_with = "paths")]
    pub stdin_filename: Option<PathBuf>,
    /// Report only findings that FILE (from --write-baseline) does not record
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record today's findings in FILE, by fingerprint, and exit 0
    #[arg(long, value_name = "FILE", conflicts_with_all = ["baseline", "fix", "diff"])]
    pub write_baseline: Option<PathBuf>,
}

#[derive(Debug, Args, Clone)]
pub struct InventoryArgs {
    #[command(flatten)]
    pub common: Common,
    /// table, json, csv, or summary (grouped by image: tags and digests, places, repositories)
    #[arg(long, default_value = "table", value_parser = ["table", "json", "csv", "summary"])]
    pub format: String,
}

#[derive(Debug, Args, Clone)]
pub struct LockArgs {
    #[command(flatten)]
    pub common: Common,
    /// Re-resolve every locked tag and report the ones that moved, naming the files that use them
    #[arg(long, conflicts_with_all = ["update", "prune"])]
    pub check: bool,
    /// Re-resolve every tag of the lock and the files, recording new digests
    #[arg(long)]
    pub update: bool,
    /// Drop lock entries no file uses
    #[arg(long)]
    pub prune: bool,
    /// Give up on the registries after this many seconds in all; a
    /// registry that times out twice is not asked again
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub timeout: u64,
}

#[derive(Debug, Subcommand)]
pub enum MirrorCommand {
    /// Print what the mirrors must hold (every image pulled under a mirror prefix, its tags and digests) for skopeo, crane or regsync
    Plan(MirrorPlanArgs),
    /// Check that every pinned or locked digest under a mirror prefix is on the mirror (exit 1 naming what is missing)
    Check(MirrorCheckArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PlanFormat {
    /// `skopeo sync --all --src yaml --dest docker PLAN FOLDER` source files
    Skopeo,
    /// A shell script of `crane cp` lines
    Crane,
    /// A regsync configuration
    Regsync,
}

#[derive(Debug, Args, Clone)]
pub struct MirrorPlanArgs {
    #[command(flatten)]
    pub common: Common,
    /// skopeo, crane or regsync
    #[arg(long, value_enum, default_value = "skopeo")]
    pub format: PlanFormat,
    /// Write the plan into this folder (one skopeo file per destination folder, and `sync.sh` running them) instead of standard output
    #[arg(long, value_name = "DIR")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args, Clone)]
pub struct MirrorCheckArgs {
    #[command(flatten)]
    pub common: Common,
    /// Give up on the mirrors after this many seconds in all
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub timeout: u64,
}
