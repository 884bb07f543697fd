//! The commands: settings from config and flags, the walk, the engine, and
//! the outputs, ending in an exit code.

mod lock;

use crate::analyze::finding::Finding;
use crate::analyze::{Analysis, Context};
use crate::cli::{CheckArgs, Cli, Command, Common, InventoryArgs};
use crate::config::{self, Config, FailOn};
use crate::discover::classify::Classifier;
use crate::discover::paths::display_path;
use crate::discover::record::{Candidate, Roots};
use crate::discover::walk::{walk, WalkOptions};
use crate::engine::{self, FileOutcome, FixMode, Renderer};
use crate::globs::glob_set;
use crate::image::Policy;
use crate::kinds::FileKind;
use crate::lock::Lock;
use crate::render::gitlab::fingerprints;
use crate::render::{github, gitlab, human, inventory, json, sarif};
use crate::rules::{builtin_defs, RuleSet, Selection, Severity};
use crate::source::LineIndex;
use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

pub const EXIT_OK: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

pub fn run(cli: Cli) -> Result<u8, String> {
    match cli.command {
        None => check(&cli.check),
        Some(Command::Check(args)) => check(&args),
        Some(Command::Inventory(args)) => inventory(&args),
        Some(Command::Lock(args)) => lock::lock(&args),
        Some(Command::Rules) => rules(),
        Some(Command::Explain { rule }) => explain(&rule),
    }
}

/// Everything a run needs, built once from the config and the flags.
struct Setup {
    ctx: Context,
    lock_path: PathBuf,
    insecure: Vec<String>,
    classifier: Classifier,
    cwd: PathBuf,
    config_root: PathBuf,
    fail_on: FailOn,
    threads: usize,
}

fn setup(
    common: &Common,
    selection: &Selection,
    discover_from: &Path,
    collect_entries: bool,
    fix: FixMode,
) -> Result<Setup, String> {
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?;
    let config_path = match &common.config {
        Some(p) => Some(p.clone()),
        None => config::discover(&cwd.join(discover_from)),
    };
    let config = match &config_path {
        Some(p) => config::load(p)?,
        None => Config::default(),
    };
    let at = |e: String| match &config_path {
        Some(p) => format!("{}: {e}", display_path(p, &cwd)),
        None => e,
    };
    let config_root = config_path
        .as_ref()
        .and_then(|p| cwd.join(p).parent().map(Path::to_path_buf))
        .unwrap_or_else(|| cwd.clone());
    let rules = RuleSet::new(&config.rules, &config.rule, selection).map_err(at)?;
    let policy = Policy::new(&config.mirrors, config.allowed_registries.as_deref()).map_err(at)?;
    let lock_path = match &common.lock {
        Some(p) => p.clone(),
        None => config_root.join("imagelint.lock"),
    };
    let lock = Lock::load(&lock_path)?;
    let insecure = config.insecure_registries.clone();
    let mut kinds = Vec::new();
    for (name, globs) in &config.files.kinds {
        let kind = FileKind::from_name(name)
            .ok_or_else(|| at(format!("[files.kinds]: unknown file kind `{name}`")))?;
        kinds.push((kind, glob_set(globs).map_err(at)?));
    }
    let exclude = glob_set(&config.files.exclude).map_err(at)?;
    let threads = common
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    Ok(Setup {
        lock_path,
        insecure,
        ctx: Context {
            rules,
            policy,
            lock,
            variables: config.variables,
            build_contexts: config.build_contexts,
            collect_entries,
            fix,
            resolve_via_mirror: config.resolve_via_mirror,
        },
        classifier: Classifier::new(kinds, exclude),
        cwd,
        config_root,
        fail_on: config.fail_on.unwrap_or(FailOn::Warning),
        threads,
    })
}

impl Setup {
    fn candidates(&self, paths: &[PathBuf], no_ignore: bool) -> (Vec<Candidate>, Vec<String>) {
        let (found, errors) = self.walk(paths, no_ignore);
        (found, errors.iter().map(|e| e.to_string()).collect())
    }

    fn walk(
        &self,
        paths: &[PathBuf],
        no_ignore: bool,
    ) -> (Vec<Candidate>, Vec<crate::discover::walk::WalkError>) {
        let default = [PathBuf::from(".")];
        let paths = if paths.is_empty() {
            &default[..]
        } else {
            paths
        };
        let opts = WalkOptions {
            roots: Roots {
                cwd: &self.cwd,
                config_root: &self.config_root,
            },
            no_ignore,
            classifier: &self.classifier,
            threads: self.threads,
        };
        walk(paths, &opts)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Human,
    Json,
    JsonLines,
    Github,
    Sarif,
    Gitlab,
}

impl Format {
    /// Formats written at the end, from all findings at once.
    fn whole_run(self) -> bool {
        matches!(self, Format::Github | Format::Sarif | Format::Gitlab)
    }
}

fn parse_formats(specs: &[String]) -> Result<Vec<(Format, Option<PathBuf>)>, String> {
    if specs.is_empty() {
        return Ok(vec![(Format::Human, None)]);
    }
    specs
        .iter()
        .map(|spec| {
            let (name, path) = match spec.split_once(':') {
                Some((n, p)) if !p.is_empty() => (n, Some(PathBuf::from(p))),
                _ => (spec.as_str(), None),
            };
            let format = match name {
                "human" => Format::Human,
                "json" => Format::Json,
                "json-lines" => Format::JsonLines,
                "github" => Format::Github,
                "sarif" => Format::Sarif,
                "gitlab" => Format::Gitlab,
                other => {
                    return Err(format!(
                    "unknown --format `{other}` (human, json, json-lines, github, sarif, gitlab)"
                ))
                }
            };
            Ok((format, path))
        })
        .collect()
}

/// Where one format writes.
struct Output {
    format: Format,
    writer: Box<dyn Write>,
    json: Option<json::Stream>,
}

fn open_outputs(
    formats: Vec<(Format, Option<PathBuf>)>,
    stdout_taken: bool,
) -> Result<Vec<Output>, String> {
    formats
        .into_iter()
        .map(|(format, path)| {
            let writer: Box<dyn Write> = match path {
                Some(p) => Box::new(BufWriter::new(
                    File::create(&p).map_err(|e| format!("{}: cannot write: {e}", p.display()))?,
                )),
                None if stdout_taken => Box::new(BufWriter::new(io::stderr())),
                None => Box::new(BufWriter::with_capacity(1 << 16, io::stdout())),
            };
            Ok(Output {
                format,
                writer,
                json: None,
            })
        })
        .collect()
}

fn use_color() -> bool {
    io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

fn check(args: &CheckArgs) -> Result<u8, String> {
    let selection = Selection {
        select: &args.select,
        ignore: &args.ignore,
    };
    let discover_from = args
        .stdin_filename
        .as_ref()
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .unwrap_or_default();
    let stdin = args.stdin_filename.is_some();
    let fix = match (args.fix, args.diff, stdin) {
        (true, _, true) => FixMode::Return,
        (true, _, false) => FixMode::Write,
        (false, true, _) => FixMode::Diff,
        _ => FixMode::Off,
    };
    let setup = setup(&args.common, &selection, &discover_from, false, fix)?;
    let fail_on = args.fail_on.unwrap_or(setup.fail_on);
    // `--diff` prints diffs only; `--fix` on standard input prints the fixed
    // text, so reports go to standard error.
    let formats = if fix == FixMode::Diff {
        Vec::new()
    } else {
        parse_formats(&args.format)?
    };
    let mut outputs = open_outputs(formats, fix == FixMode::Return)?;
    let renderers = renderers(&outputs);
    for o in &mut outputs {
        if o.format == Format::Json {
            o.json = Some(json::Stream::begin(&mut o.writer, "findings").map_err(write_err)?);
        }
    }
    let mut tally = Tally::default();
    let mut io_error = None;
    let mut stdout = BufWriter::new(io::stdout());
    let collect = outputs.iter().any(|o| o.format.whole_run());
    let mut collected: Vec<Finding> = Vec::new();
    let mut sink = |mut outcome: FileOutcome| {
        tally.add(&outcome);
        if collect {
            collected.append(&mut outcome.analysis.findings);
        }
        let extra = match (fix, &outcome.diff, &outcome.fixed) {
            (FixMode::Diff, Some(diff), _) => Some(diff.as_bytes()),
            (FixMode::Return, _, Some(fixed)) => Some(fixed.as_bytes()),
            _ => None,
        };
        if let Some(bytes) = extra {
            if let Err(e) = stdout.write_all(bytes) {
                io_error.get_or_insert(e);
            }
        }
        for (o, chunk) in outputs.iter_mut().zip(&outcome.rendered) {
            let r = match &mut o.json {
                Some(stream) => stream.chunk(&mut o.writer, chunk),
                None => o.writer.write_all(chunk.as_bytes()),
            };
            if let Err(e) = r {
                io_error.get_or_insert(e);
            }
        }
    };
    let mut unchanged: Option<Vec<u8>> = None;
    let errors = match &args.stdin_filename {
        Some(name) => {
            let mut text = Vec::new();
            io::stdin()
                .read_to_end(&mut text)
                .map_err(|e| format!("cannot read standard input: {e}"))?;
            let display = display_path(name, &setup.cwd);
            let rule_path = display.clone();
            match setup.classifier.classify(&display, &rule_path) {
                Some(class) => {
                    let c = Candidate {
                        display,
                        disk: name.clone(),
                        class,
                        rule_path,
                    };
                    let outcome = engine::process_bytes(&c, Ok(&text), &setup.ctx, &renderers);
                    if fix == FixMode::Return && outcome.fixed.is_none() && outcome.error.is_none()
                    {
                        // Nothing to fix: the text goes back as it came.
                        unchanged = Some(text);
                    }
                    sink(outcome);
                }
                None => eprintln!("imagelint: {display}: not a file kind imagelint reads"),
            }
            Vec::new()
        }
        None => {
            let (candidates, errors) = setup.candidates(&args.common.paths, args.common.no_ignore);
            engine::run(
                &candidates,
                &setup.ctx,
                setup.threads,
                &renderers,
                &mut sink,
            );
            errors
        }
    };
    if let Some(text) = unchanged {
        if let Err(e) = stdout.write_all(&text) {
            io_error.get_or_insert(e);
        }
    }
    if let Err(e) = stdout.flush() {
        io_error.get_or_insert(e);
    }
    drop(stdout);
    let summary = json::Summary {
        files: tally.files,
        images: tally.images,
        findings: tally.findings.len(),
        fixable: tally.findings.iter().filter(|(_, f)| *f).count(),
    };
    for mut o in outputs {
        let r = match o.format {
            Format::Human => {
                let mut text = String::new();
                if tally.fixed_files > 0 {
                    let s = if tally.fixed_files == 1 { "" } else { "s" };
                    text.push_str(&format!("Fixed {} file{s}.\n", tally.fixed_files));
                }
                text.push_str(&human::summary(&tally.findings, tally.files, tally.images));
                o.writer.write_all(text.as_bytes())
            }
            Format::Json => match o.json.take() {
                Some(stream) => stream.end(&mut o.writer, Some(&summary)),
                None => Ok(()),
            },
            Format::JsonLines => Ok(()),
            Format::Github => {
                if let Some(path) =
                    std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty())
                {
                    append(Path::new(&path), &github::summary(&collected, tally.files))?;
                }
                o.writer.write_all(github::render(&collected).as_bytes())
            }
            Format::Sarif => o.writer.write_all(
                sarif::render(
                    &setup.ctx.rules.rules,
                    &collected,
                    &fingerprints(&collected),
                )
                .as_bytes(),
            ),
            Format::Gitlab => o
                .writer
                .write_all(gitlab::render(&collected, &fingerprints(&collected)).as_bytes()),
        };
        if let Err(e) = r.and_then(|_| o.writer.flush()) {
            io_error.get_or_insert(e);
        }
    }
    if fix == FixMode::Diff {
        let diffs = tally.fixed_files > 0;
        return finish(io_error, &errors, &tally, |_| false).map(|code| {
            if code == EXIT_OK && diffs {
                EXIT_FINDINGS
            } else {
                code
            }
        });
    }
    let fixed_files = tally.fixed_files;
    finish(io_error, &errors, &tally, |s| meets(s, fail_on)).map(|code| {
        if code == EXIT_OK && args.exit_non_zero_on_fix && fixed_files > 0 {
            EXIT_FINDINGS
        } else {
            code
        }
    })
}

/// One renderer per output, run on the worker threads.
fn renderers(outputs: &[Output]) -> Vec<Box<Renderer>> {
    let color = use_color();
    outputs
        .iter()
        .map(|o| -> Box<Renderer> {
            match o.format {
                Format::Human => {
                    let h = human::Human::new(color);
                    Box::new(move |a: &Analysis, t: &str, l: &LineIndex| h.render_file(a, t, l))
                }
                Format::Json => Box::new(|a: &Analysis, _: &str, _: &LineIndex| {
                    json::findings_chunk(&a.findings)
                }),
                Format::JsonLines => Box::new(|a: &Analysis, _: &str, _: &LineIndex| {
                    json::findings_lines(&a.findings)
                }),
                // Written at the end, from every finding.
                Format::Github | Format::Sarif | Format::Gitlab => {
                    Box::new(|_: &Analysis, _: &str, _: &LineIndex| String::new())
                }
            }
        })
        .collect()
}

#[derive(Default)]
struct Tally {
    files: usize,
    fixed_files: usize,
    images: usize,
    findings: Vec<(Severity, bool)>,
    errors: Vec<String>,
}

impl Tally {
    fn add(&mut self, outcome: &FileOutcome) {
        if outcome.kind.is_some() {
            self.files += 1;
        }
        if outcome.fixed.is_some() {
            self.fixed_files += 1;
        }
        self.images += outcome.analysis.images;
        self.findings.extend(
            outcome
                .analysis
                .findings
                .iter()
                .map(|f| (f.severity, f.fix.is_some())),
        );
        if let Some(e) = &outcome.error {
            eprintln!("imagelint: {e}");
            self.errors.push(e.clone());
        }
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

fn write_err(e: io::Error) -> String {
    format!("cannot write output: {e}")
}

fn finish(
    io_error: Option<io::Error>,
    walk_errors: &[String],
    tally: &Tally,
    fails: impl Fn(Severity) -> bool,
) -> Result<u8, String> {
    if let Some(e) = io_error {
        if e.kind() == io::ErrorKind::BrokenPipe {
            return Ok(EXIT_OK);
        }
        return Err(write_err(e));
    }
    for e in walk_errors {
        eprintln!("imagelint: {e}");
    }
    if !walk_errors.is_empty() || !tally.errors.is_empty() {
        return Ok(EXIT_ERROR);
    }
    Ok(if tally.findings.iter().any(|(s, _)| fails(*s)) {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    })
}

fn inventory(args: &InventoryArgs) -> Result<u8, String> {
    let no_rules = Selection {
        select: &[],
        ignore: &[],
    };
    let setup = setup(&args.common, &no_rules, Path::new(""), true, FixMode::Off)?;
    let (candidates, errors) = setup.candidates(&args.common.paths, args.common.no_ignore);
    let mut out = BufWriter::with_capacity(1 << 16, io::stdout());
    let mut tally = Tally::default();
    let mut io_error: Option<io::Error> = None;
    let mut stream = None;
    let renderer: Box<Renderer> = match args.format.as_str() {
        "json" => {
            stream = Some(json::Stream::begin(&mut out, "images").map_err(write_err)?);
            Box::new(|a: &Analysis, _: &str, _: &LineIndex| json::entries_chunk(&a.entries))
        }
        "csv" => {
            writeln!(out, "{}", inventory::CSV_HEADER).map_err(write_err)?;
            Box::new(|a: &Analysis, _: &str, _: &LineIndex| inventory::csv_chunk(&a.entries))
        }
        _ => {
            inventory::table_header(&mut out).map_err(write_err)?;
            Box::new(|a: &Analysis, _: &str, _: &LineIndex| inventory::table_chunk(&a.entries))
        }
    };
    engine::run(
        &candidates,
        &setup.ctx,
        setup.threads,
        &[renderer],
        |outcome| {
            tally.add(&outcome);
            for chunk in &outcome.rendered {
                let r = match &mut stream {
                    Some(s) => s.chunk(&mut out, chunk),
                    None => out.write_all(chunk.as_bytes()),
                };
                if let Err(e) = r {
                    io_error.get_or_insert(e);
                }
            }
        },
    );
    let r = match stream {
        Some(s) => s.end(&mut out, None),
        None => Ok(()),
    };
    if let Err(e) = r.and_then(|_| out.flush()) {
        io_error.get_or_insert(e);
    }
    finish(io_error, &errors, &tally, |_| false)
}

fn rules() -> Result<u8, String> {
    let mut out = io::stdout().lock();
    let r = (|| -> io::Result<()> {
        writeln!(
            out,
            "{:<22} {:<8} {:<7} SUMMARY",
            "RULE", "DEFAULT", "FIXABLE"
        )?;
        for def in builtin_defs() {
            let fixable = if def.fix.is_some() { "yes" } else { "no" };
            let summary = def.summary.as_deref().unwrap_or(&def.message);
            writeln!(
                out,
                "{:<22} {:<8} {:<7} {summary}",
                def.id,
                def.severity.as_str(),
                fixable
            )?;
        }
        Ok(())
    })();
    r.map_err(write_err)?;
    Ok(EXIT_OK)
}

fn explain(id: &str) -> Result<u8, String> {
    let def = builtin_defs()
        .into_iter()
        .find(|d| d.id == id)
        .ok_or_else(|| format!("unknown rule `{id}`; `imagelint rules` lists them"))?;
    let fixable = match def.fix {
        Some(_) => "yes",
        None => "no",
    };
    let mut text = format!(
        "# {}\n\nDefault severity: {}. Fixable: {fixable}.\n\n{}\n",
        def.id,
        def.severity,
        def.summary.as_deref().unwrap_or(""),
    );
    if let Some(doc) = &def.documentation {
        text.push('\n');
        text.push_str(doc.trim_end());
        text.push('\n');
    }
    io::stdout().write_all(text.as_bytes()).map_err(write_err)?;
    Ok(EXIT_OK)
}

/// Appends to a file GitHub reads after the step (the job summary).
fn append(path: &Path, text: &str) -> Result<(), String> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| format!("{}: cannot write the job summary: {e}", path.display()))?;
    f.write_all(text.as_bytes())
        .map_err(|e| format!("{}: cannot write the job summary: {e}", path.display()))
}
