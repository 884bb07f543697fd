//! `imagelint check`: lint, and with `--fix`/`--diff` fix, the files given
//! or one file on standard input.

use super::errors::{Error, Problems, EXIT_FINDINGS, EXIT_OK};
use super::scopes::Nested;
use super::settings::{Setup, Wants};
use super::tally::Tally;
use crate::analyze::baseline::Baseline;
use crate::cli::{CheckArgs, ColorChoice};
use crate::config::FailOn;
use crate::discover::paths::display_path;
use crate::discover::record::{Candidate, Skipped};
use crate::discover::walk::Met;
use crate::engine::{self, FixMode, HandOver, Job, Nearer, Piece};
use crate::render::{self, Format, RenderError, Reporters, Subject, Writers};
use crate::rules::{Selection, Severity};
use std::io::{self, BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub(super) fn check(args: &CheckArgs) -> Result<u8, Error> {
    let fix = fix_mode(args);
    if fix == FixMode::Write {
        // Fixed files are written through temporary files: a signal must
        // not leave one behind.
        crate::atomic::clean_up_on_signals();
    }
    let setup = setup(args)?;
    if args.show_settings {
        return super::show::settings(args, &setup);
    }
    let contexts = Nearer::default();
    if args.show_files {
        let mut problems = Problems::default();
        let (candidates, nested, _) = files(args, &setup, &contexts, &mut problems);
        return super::show::files(&candidates, &nested, problems);
    }
    // `--diff` prints diffs only; `--fix` on standard input prints the fixed
    // text, so reports go to standard error.
    let formats = match fix {
        FixMode::Diff => Vec::new(),
        _ => on_stdout(parse_formats(&args.format)?, args),
    };
    let settings = render::Settings {
        color: use_color(args.common.color),
        quiet: args.quiet,
        category: sarif_category(setup.config_shown.as_deref(), &args.common.paths),
        roots: Vec::new(),
    };
    let (reporters, writers) = render::open(
        formats,
        Subject::Findings,
        &settings,
        fix == FixMode::Return,
    )?;
    let refs = reporters.as_refs();
    let mut sink = Sink::new(fix, &reporters, writers);
    sink.tally.keep |= args.write_baseline.is_some();
    let job = Job {
        ctx: &setup.ctx,
        nested: &contexts,
        fix,
        reporters: &refs,
        hand_over: if sink.tally.keep {
            HandOver::Everything
        } else {
            HandOver::Counts
        },
    };
    let paths = &args.common.paths;
    match &args.stdin_filename {
        Some(name) => check_stdin(name, &setup, &job, &mut sink)?,
        // One folder: its files are checked as the walk meets them.
        None if paths.len() <= 1 && paths.iter().all(|p| p.is_dir()) => {
            check_while_walking(args, &setup, &job, &contexts, &mut sink)
        }
        None => {
            let (candidates, _, unchecked) = files(args, &setup, &contexts, &mut sink.problems);
            sink.tally.unchecked += unchecked;
            engine::run(candidates, &job, setup.threads, |o| sink.take(o));
        }
    }
    let (tally, problems) = sink.finish(&every_rule(&setup, &contexts))?;
    conclude(args, &setup, fix, &tally, &problems)
}

/// The exit code of a finished run, once the baseline (if asked for) is
/// written and the findings it left out are counted.
fn conclude(
    args: &CheckArgs,
    setup: &Setup,
    fix: FixMode,
    tally: &Tally,
    problems: &Problems,
) -> Result<u8, Error> {
    if let Some(path) = &args.write_baseline {
        write_baseline(path, &tally.kept)?;
        return Ok(problems.exit_code(false));
    }
    if tally.baselined > 0 && args.quiet == 0 {
        eprintln!(
            "imagelint: {} recorded in the baseline not shown.",
            crate::words::count(tally.baselined, "finding")
        );
    }
    let fail_on = args.fail_on.unwrap_or(setup.fail_on);
    let code = match fix {
        // A diff is the finding.
        FixMode::Diff => problems.exit_code(tally.fixed_files > 0),
        _ => problems.exit_code(tally.fails(|s| meets(s, fail_on))),
    };
    let changed = args.exit_non_zero_on_fix && tally.fixed_files > 0;
    Ok(if code == EXIT_OK && changed {
        EXIT_FINDINGS
    } else if code == EXIT_FINDINGS && args.exit_zero {
        EXIT_OK
    } else {
        code
    })
}

/// SARIF's `automationDetails.id` for this run: `imagelint/`, then the
/// config file's folder when it is not the current one and the paths when
/// they are not `.`, so runs of several configs or parts of a repository
/// upload side by side instead of replacing each other.
fn sarif_category(config: Option<&str>, paths: &[PathBuf]) -> String {
    let mut parts = Vec::new();
    if let Some(folder) = config.and_then(|c| Path::new(c).parent()) {
        let folder = folder.to_string_lossy().replace('\\', "/");
        // A config found upward (shown absolute or `../`) is this tree's own.
        let own = folder.is_empty()
            || folder == "."
            || folder.starts_with("..")
            || Path::new(&folder).is_absolute();
        if !own {
            parts.push(folder);
        }
    }
    let mut named: Vec<String> = paths
        .iter()
        .map(|p| {
            p.to_string_lossy()
                .replace('\\', "/")
                .trim_end_matches('/')
                .to_string()
        })
        .filter(|p| !p.is_empty() && p != ".")
        .collect();
    named.sort();
    if !named.is_empty() {
        parts.push(named.join(","));
    }
    let mut id = String::from("imagelint/");
    if !parts.is_empty() {
        id.push_str(&parts.join(":"));
        id.push('/');
    }
    id
}

/// What standard output carries: with `--statistics` the counts instead of
/// the report, with `-qq` nothing. Outputs to files are written as asked.
fn on_stdout(
    mut formats: Vec<(Format, Option<PathBuf>)>,
    args: &CheckArgs,
) -> Vec<(Format, Option<PathBuf>)> {
    if args.quiet >= 2 {
        formats.retain(|(_, path)| path.is_some());
    } else if args.statistics {
        formats.retain(|(_, path)| path.is_some());
        formats.push((Format::Statistics, None));
    }
    formats
}

/// The files to check, each with the settings of its nearest config, and
/// how many were left unchecked; the paths and configs that could not be
/// read are reported.
pub(super) fn files(
    args: &CheckArgs,
    setup: &Setup,
    contexts: &Nearer,
    problems: &mut Problems,
) -> (Vec<Candidate>, Nested, usize) {
    let walked = setup.walk(&args.common.paths, args.common.no_ignore);
    let errors = walked.errors;
    for e in &errors {
        problems.report(e);
    }
    let (candidates, nested) = setup.scoped(
        walked.candidates,
        walked.markers,
        &args.common,
        &wants(args, Path::new(""), setup.ctx.baseline.clone()),
        contexts,
        problems,
    );
    let unchecked = errors.len() + nested.unchecked;
    (candidates, nested, unchecked)
}

/// Checks the files of the folder given (or `.`) as the walk meets them,
/// each judged by its nearest config (whose context goes to `contexts`).
fn check_while_walking(
    args: &CheckArgs,
    setup: &Setup,
    job: &Job,
    contexts: &Nearer,
    sink: &mut Sink,
) {
    let wants = wants(args, Path::new(""), setup.ctx.baseline.clone());
    let mut scoper = setup.scoper(&args.common, &wants, contexts);
    let mut walk_problems = Problems::default();
    let mut errors = 0;
    let walk = |feed: &mut dyn FnMut(Candidate)| {
        setup.walk_each(&args.common.paths, args.common.no_ignore, &mut |met| {
            // Reported as met: before any finding and the summary, as a
            // path that cannot be read must not follow a line that reads
            // as all clear.
            if let Met::Error(e) = &met {
                walk_problems.report(e);
                errors += 1;
            }
            if let Some(c) = scoper.met(met, &mut walk_problems) {
                feed(c);
            }
        })
    };
    engine::run_fed(walk, job, setup.threads, |o| sink.take(o));
    sink.problems.absorb(walk_problems);
    sink.tally.unchecked += errors + scoper.finish().unchecked;
}

/// The rules of the run's config, then those only nearer configs define:
/// what SARIF and the statistics describe.
fn every_rule(setup: &Setup, contexts: &Nearer) -> Vec<crate::rules::Rule> {
    let mut rules = setup.ctx.rules.rules.clone();
    for rule in contexts.all().iter().flat_map(|c| &c.rules.rules) {
        if !rules.iter().any(|r| r.id() == rule.id()) {
            rules.push(rule.clone());
        }
    }
    rules
}

fn wants<'a>(
    args: &'a CheckArgs,
    discover_from: &'a Path,
    baseline: Option<Arc<Baseline>>,
) -> Wants<'a> {
    Wants {
        selection: Selection {
            select: &args.select,
            ignore: &args.ignore,
        },
        discover_from,
        entries: false,
        fingerprints: baseline.is_some() || args.write_baseline.is_some(),
        baseline,
    }
}

/// `--baseline FILE`, read.
fn baseline(args: &CheckArgs) -> Result<Option<Arc<Baseline>>, Error> {
    let Some(path) = &args.baseline else {
        return Ok(None);
    };
    let cwd = std::env::current_dir().map_err(Error::CurrentDir)?;
    let shown = display_path(path, &cwd);
    Baseline::load(path, &shown)
        .map(|b| Some(Arc::new(b)))
        .map_err(|e| Error::Usage(e.to_string()))
}

/// `--write-baseline FILE`: every finding of the run, by fingerprint.
fn write_baseline(path: &Path, findings: &[crate::analyze::finding::Finding]) -> Result<(), Error> {
    let text = crate::analyze::baseline::render(findings);
    crate::atomic::write_new_atomic(path, text.as_bytes()).map_err(|e| {
        Error::Usage(format!(
            "{}: cannot write the baseline: {e}",
            path.display()
        ))
    })?;
    let n = findings.len();
    eprintln!(
        "imagelint: recorded {} in {}; `imagelint check --baseline {}` reports only new ones.",
        crate::words::count(n, "finding"),
        path.display(),
        path.display()
    );
    Ok(())
}

/// Where the run's config is looked for from: the standard-input file's
/// folder, or for `--show-settings` the first path's (ruff shows the
/// settings of the file it is given); else the current directory.
pub(super) fn discover_from(args: &CheckArgs) -> PathBuf {
    let named = match (&args.stdin_filename, args.common.paths.first()) {
        (Some(name), _) => Some(name),
        (None, Some(path)) if args.show_settings => Some(path),
        _ => None,
    };
    match named {
        Some(p) if p.is_dir() => p.clone(),
        Some(p) => p.parent().map(Path::to_path_buf).unwrap_or_default(),
        None => PathBuf::new(),
    }
}

fn setup(args: &CheckArgs) -> Result<Setup, Error> {
    let from = discover_from(args);
    Setup::new(&args.common, &wants(args, &from, baseline(args)?))
}

fn fix_mode(args: &CheckArgs) -> FixMode {
    match (args.fix, args.diff, args.stdin_filename.is_some()) {
        (true, _, true) => FixMode::Return,
        (true, _, false) => FixMode::Write,
        (false, true, _) => FixMode::Diff,
        _ => FixMode::Off,
    }
}

/// One file's text from standard input, linted as the file `name` would be:
/// the same record, so the same exclusions and kinds.
fn check_stdin(name: &Path, setup: &Setup, job: &Job, sink: &mut Sink) -> Result<(), Error> {
    let mut text = Vec::new();
    let limit = engine::MAX_FILE_BYTES as u64 + 1;
    io::stdin()
        .take(limit)
        .read_to_end(&mut text)
        .map_err(Error::Stdin)?;
    match Candidate::new(name, &setup.roots(), &setup.classifier) {
        Ok(c) => {
            let end =
                engine::process_bytes(&c, Ok(&text), job, &mut |part| sink.take(Piece::Part(part)));
            if end.fixed.is_none() && end.error.is_none() {
                // Nothing fixed: with --fix the text goes back as it came.
                sink.unchanged(&text);
            }
            sink.take(Piece::End(end));
        }
        Err(skipped) => {
            if skipped == Skipped::NoKind {
                let shown = display_path(name, &setup.cwd);
                super::errors::print(&format!("{shown}: not a file kind imagelint reads"));
            }
            sink.unchanged(&text);
        }
    }
    Ok(())
}

/// Takes the files' pieces in path order: counts them, writes each
/// output's chunks, and the diff or fixed text to standard output.
struct Sink<'r> {
    fix: FixMode,
    reporters: &'r Reporters,
    writers: Writers,
    tally: Tally,
    problems: Problems,
    stdout: BufWriter<io::Stdout>,
    write_error: Option<io::Error>,
}

impl<'r> Sink<'r> {
    fn new(fix: FixMode, reporters: &'r Reporters, writers: Writers) -> Sink<'r> {
        Sink {
            fix,
            reporters,
            writers,
            tally: Tally::keeping(reporters.need_findings()),
            problems: Problems::default(),
            stdout: BufWriter::new(io::stdout()),
            write_error: None,
        }
    }

    fn take(&mut self, piece: Piece) {
        let result = match piece {
            Piece::Part(mut part) => {
                self.tally.add_part(&mut part);
                self.writers.write_file(self.reporters, &part.rendered)
            }
            Piece::End(end) => {
                self.tally.add_end(&end, &mut self.problems);
                match (self.fix, &end.diff, &end.fixed) {
                    (FixMode::Diff, Some(diff), _) => self.stdout.write_all(diff.as_bytes()),
                    (FixMode::Return, _, Some(fixed)) => self.stdout.write_all(fixed.as_bytes()),
                    _ => Ok(()),
                }
            }
        };
        if let Err(e) = result {
            self.write_error.get_or_insert(e);
        }
    }

    /// `--fix` on standard input with nothing to fix: the text as it came.
    fn unchanged(&mut self, text: &[u8]) {
        if self.fix == FixMode::Return {
            if let Err(e) = self.stdout.write_all(text) {
                self.write_error.get_or_insert(e);
            }
        }
    }

    /// Ends the outputs; a failed write ends the command.
    fn finish(mut self, rules: &[crate::rules::Rule]) -> Result<(Tally, Problems), Error> {
        let flushed = self.stdout.flush();
        if let Some(e) = self.write_error.take().or(flushed.err()) {
            return Err(RenderError::from(e).into());
        }
        self.writers
            .finish(self.reporters, &self.tally.report(rules))?;
        Ok((self.tally, self.problems))
    }
}

/// `--format FMT[:PATH]`, repeatable; the default format on standard
/// output without one.
fn parse_formats(specs: &[String]) -> Result<Vec<(Format, Option<PathBuf>)>, Error> {
    if specs.is_empty() {
        return Ok(vec![(Format::default(), None)]);
    }
    specs
        .iter()
        .map(|spec| {
            let (name, path) = match spec.split_once(':') {
                Some((n, p)) if !p.is_empty() => (n, Some(PathBuf::from(p))),
                _ => (spec.as_str(), None),
            };
            let format =
                Format::parse(name, Subject::Findings).ok_or_else(|| Error::UnknownFormat {
                    name: name.to_string(),
                    known: Format::names(Subject::Findings),
                })?;
            Ok((format, path))
        })
        .collect::<Result<Vec<_>, Error>>()
        .and_then(one_on_stdout)
}

/// Two outputs on standard output would interleave into neither format.
fn one_on_stdout(
    formats: Vec<(Format, Option<PathBuf>)>,
) -> Result<Vec<(Format, Option<PathBuf>)>, Error> {
    let on_stdout: Vec<&str> = formats
        .iter()
        .filter(|(_, path)| path.is_none())
        .map(|(f, _)| f.name())
        .collect();
    if on_stdout.len() > 1 {
        return Err(Error::Usage(format!(
            "--format {} all write to standard output; give all but one a file (`--format {}:PATH`)",
            on_stdout.join(", "),
            on_stdout[1]
        )));
    }
    Ok(formats)
}

/// `--color`, and with `auto` the conventions of no-color.org and
/// bixense.com/clicolors: NO_COLOR turns colour off, FORCE_COLOR or
/// CLICOLOR_FORCE turn it on without a terminal, CLICOLOR=0 off.
pub(super) fn use_color(choice: ColorChoice) -> bool {
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0");
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) => false,
        ColorChoice::Auto if set("FORCE_COLOR") || set("CLICOLOR_FORCE") => true,
        ColorChoice::Auto if std::env::var_os("CLICOLOR").is_some_and(|v| v == "0") => false,
        ColorChoice::Auto => io::stdout().is_terminal(),
    }
}

fn meets(s: Severity, fail_on: FailOn) -> bool {
    match fail_on {
        FailOn::Never => false,
        FailOn::Info => true,
        FailOn::Warning => s >= Severity::Warning,
        FailOn::Error => s >= Severity::Error,
    }
}
