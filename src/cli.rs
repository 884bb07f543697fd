//! Command-line arguments (SPEC section 1).

use crate::config::FailOn;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// The top-level help lists the commands and examples only, as ruff's
/// does; `imagelint check --help` has check's options (which `imagelint`
/// alone takes too).
const TOP_HELP: &str = "\
{about-with-newline}
{usage-heading} {usage}

Commands:
{subcommands}

Options:
  -h, --help     Print help (`imagelint check --help` for check's options)
  -V, --version  Print version{after-help}";

/// Section names of `--help`, the groups ruff uses.
const FILES: &str = "File selection";
const CONFIG: &str = "Configuration";
const OUTPUT: &str = "Output";
const FIXES: &str = "Fixes";
const RULES: &str = "Rule selection";
const MISC: &str = "Miscellaneous";

#[derive(Debug, Parser)]
#[command(
    name = "imagelint",
    version,
    about = "imagelint: pulls that bypass your mirror, tags that can move, registries not allowed.",
    help_template = TOP_HELP,
    max_term_width = 100,
    after_help = "\
Examples:
  imagelint                                  check the current folder (`imagelint check .`)
  imagelint check --fix                      move under the mirror, pin from the lock
  imagelint lock                             record the digest of every tag in use in imagelint.lock
  imagelint check --format concise src/      one line per finding
  imagelint explain mutable-tag              a rule's documentation

Run `imagelint help <command>` for a command's options and examples.",
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
    #[command(after_help = "\
Examples:
  imagelint check                                  every file under the current folder
  imagelint check --fix                            fix in place, then report what remains
  imagelint check --diff                           show the fixes, write nothing
  imagelint check --format sarif:out.sarif         SARIF to a file, the report on the terminal
  imagelint check --write-baseline base.json       record today's findings; then
  imagelint check --baseline base.json             report only new ones
  imagelint check --stdin-filename Dockerfile < Dockerfile     as an editor runs it")]
    Check(CheckArgs),
    /// List every image reference found, whether or not a rule fires
    #[command(after_help = "\
Examples:
  imagelint inventory                       a table of every reference
  imagelint inventory --format csv > images.csv
  imagelint inventory --format summary repo-a repo-b   by image, across repositories")]
    Inventory(InventoryArgs),
    /// Resolve tags to digests over the network and write imagelint.lock
    #[command(after_help = "\
Examples:
  imagelint lock                 resolve the tags the lock lacks
  imagelint lock --update        resolve every tag again
  imagelint lock --check         exit 1 if a locked tag moved, naming the files
  imagelint lock --prune         drop entries no file uses")]
    Lock(LockArgs),
    /// What the mirrors must hold: a copy plan, and a check that they hold it
    #[command(
        subcommand,
        after_help = "\
Examples:
  imagelint mirror plan --output plan && sh plan/sync.sh
  imagelint mirror check"
    )]
    Mirror(MirrorCommand),
    /// List the rules, built-in and custom: id, severity, fixable, summary
    #[command(after_help = "\
Examples:
  imagelint rules
  imagelint rules --format json | jq -r '.[].id'")]
    Rules(RulesArgs),
    /// Write a starter .imagelint.toml from the registries the files use
    #[command(after_help = "\
Examples:
  imagelint init                  write .imagelint.toml here from the files under it
  imagelint init --output ci/imagelint.toml --force")]
    Init(InitArgs),
    /// Print a shell's completion script
    #[command(after_help = "\
Examples:
  imagelint completions bash > /etc/bash_completion.d/imagelint
  imagelint completions zsh > ~/.zfunc/_imagelint
  imagelint completions fish > ~/.config/fish/completions/imagelint.fish")]
    Completions {
        /// bash, zsh, fish, powershell or elvish
        #[arg(hide_possible_values = true)]
        shell: clap_complete::Shell,
    },
    /// Print a rule's full documentation
    #[command(after_help = "\
Examples:
  imagelint explain mutable-tag
  imagelint explain no-bitnami --config ci/.imagelint.toml   a custom rule")]
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
    /// Where to write it
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
    #[arg(help_heading = FILES)]
    pub paths: Vec<PathBuf>,
    /// The config of every file [default: each file's nearest .imagelint.toml]
    #[arg(long, value_name = "FILE", help_heading = CONFIG)]
    pub config: Option<PathBuf>,
    /// Also read files that .gitignore excludes
    #[arg(long, help_heading = FILES)]
    pub no_ignore: bool,
    /// Worker threads [default: the number of CPUs]
    #[arg(long, value_name = "N", help_heading = MISC)]
    pub threads: Option<usize>,
    /// Lock file [default: imagelint.lock beside the config file]
    #[arg(long, value_name = "FILE", help_heading = CONFIG)]
    pub lock: Option<PathBuf>,
    /// auto (a terminal; heeds NO_COLOR, FORCE_COLOR, CLICOLOR_FORCE), always, never
    #[arg(long, value_enum, value_name = "WHEN", default_value = "auto", hide_default_value = true, hide_possible_values = true, help_heading = OUTPUT)]
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
    /// human, concise, json, json-lines, rdjsonl, github, sarif or gitlab, to PATH if given; repeatable
    #[arg(long, visible_alias = "output-format", value_name = "FMT[:PATH]", help_heading = OUTPUT)]
    pub format: Vec<String>,
    /// Print only the findings (-q), or nothing at all (-qq: the exit code says it)
    #[arg(short, long, action = clap::ArgAction::Count, help_heading = OUTPUT)]
    pub quiet: u8,
    /// Print counts by rule (and how many --fix can fix) instead of each finding
    #[arg(long, help_heading = OUTPUT)]
    pub statistics: bool,
    /// Print the files that would be read, with their kind, and exit
    #[arg(long, conflicts_with_all = ["fix", "diff", "stdin_filename"], help_heading = OUTPUT)]
    pub show_files: bool,
    /// Print the settings in force and where each comes from, and exit
    #[arg(long, conflicts_with_all = ["fix", "diff", "show_files"], help_heading = OUTPUT)]
    pub show_settings: bool,
    /// Apply safe fixes in place, then report what remains
    #[arg(long, conflicts_with = "diff", help_heading = FIXES)]
    pub fix: bool,
    /// Print a unified diff of the fixes and write nothing; exit 1 if there is a diff
    #[arg(long, help_heading = FIXES)]
    pub diff: bool,
    /// With --fix: exit 1 when a file was changed, even if nothing remains
    #[arg(long, requires = "fix", help_heading = FIXES)]
    pub exit_non_zero_on_fix: bool,
    /// Exit 0 even when findings fail the run (errors still exit 2)
    #[arg(long, help_heading = RULES)]
    pub exit_zero: bool,
    /// Lowest severity that fails the run: error, warning, info or never [default: warning]
    #[arg(long, value_enum, value_name = "LEVEL", hide_possible_values = true, help_heading = RULES)]
    pub fail_on: Option<FailOn>,
    /// Only these rules
    #[arg(long, value_delimiter = ',', value_name = "RULE,...", help_heading = RULES)]
    pub select: Vec<String>,
    /// Not these rules
    #[arg(long, value_delimiter = ',', value_name = "RULE,...", help_heading = RULES)]
    pub ignore: Vec<String>,
    /// Read the file's text from standard input and lint it as PATH
    #[arg(long, value_name = "PATH", conflicts_with = "paths", help_heading = FILES)]
    pub stdin_filename: Option<PathBuf>,
    /// Report only findings that FILE (from --write-baseline) does not record
    #[arg(long, value_name = "FILE", help_heading = RULES)]
    pub baseline: Option<PathBuf>,
    /// Record today's findings in FILE, by fingerprint, and exit 0
    #[arg(long, value_name = "FILE", conflicts_with_all = ["baseline", "fix", "diff"], help_heading = RULES)]
    pub write_baseline: Option<PathBuf>,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, Args, Clone)]
pub struct InventoryArgs {
    #[command(flatten)]
    pub common: Common,
    /// table, json, csv, or summary (by image: tags, digests, places, repositories)
    #[arg(long, default_value = "table", hide_possible_values = true, value_parser = ["table", "json", "csv", "summary"])]
    pub format: String,
}

#[derive(Debug, Args, Clone)]
pub struct LockArgs {
    #[command(flatten)]
    pub common: Common,
    /// Exit 1 if a locked tag now points elsewhere, naming the files using it
    #[arg(long, conflicts_with_all = ["update", "prune"])]
    pub check: bool,
    /// Re-resolve every tag of the lock and the files, recording new digests
    #[arg(long)]
    pub update: bool,
    /// Drop lock entries no file uses
    #[arg(long)]
    pub prune: bool,
    /// Give up on the registries after this many seconds in all
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub timeout: u64,
}

#[derive(Debug, Subcommand)]
pub enum MirrorCommand {
    /// Print what the mirrors must hold, for skopeo sync, crane or regsync
    #[command(after_help = "\
Examples:
  imagelint mirror plan --output plan && sh plan/sync.sh    copy with skopeo sync
  imagelint mirror plan --format crane > copy.sh
  imagelint mirror plan --format regsync > regsync.yaml")]
    Plan(MirrorPlanArgs),
    /// Exit 1 if a pinned or locked digest under a mirror prefix is not on the mirror
    #[command(after_help = "\
Examples:
  imagelint mirror check            after `imagelint lock`, before merging")]
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
    /// Write the plan into DIR (skopeo: a file per destination folder and sync.sh)
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
