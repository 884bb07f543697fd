//! The commands: settings from config and flags, the walk, the engine, and
//! the outputs, ending in an exit code.

use crate::analyze::Context;
use crate::classify::{glob_set, Classifier, FileKind};
use crate::cli::{CheckArgs, Cli, Command, Common, InventoryArgs};
use crate::config::{self, Config, FailOn};
use crate::engine::{self, FileOutcome, Renderer};
use crate::image::Policy;
use crate::lock::Lock;
use crate::render::{human, inventory, json};
use crate::rules::{builtin_defs, RuleSet, Selection, Severity};
use crate::walk::{display_path, walk, Candidate, WalkOptions};
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
        Some(Command::Lock(_)) => Err("`imagelint lock` is not available in this build yet".into()),
        Some(Command::Rules) => rules(),
        Some(Command::Explain { rule }) => explain(&rule),
    }
}

/// Everything a run needs, built once from the config and the flags.
struct Setup {
    ctx: Context,
    classifier: Classifier,
    cwd: PathBuf,
    config_root: PathBuf,
    fail_on: FailOn,
    threads: usize,
}

fn setup(common: &Common, selection: &Selection, discover_from: &Path) -> Result<Setup, String> {
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
        ctx: Context {
            rules,
            policy,
            lock,
            variables: config.variables,
            build_contexts: config.build_contexts,
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
        let default = [PathBuf::from(".")];
        let paths = if paths.is_empty() {
            &default[..]
        } else {
            paths
        };
        let opts = WalkOptions {
            cwd: &self.cwd,
            config_root: &self.config_root,
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
                "github" | "sarif" | "gitlab" => {
                    return Err(format!(
                        "--format {name} is not available in this build yet"
                    ))
                }
                other => {
                    return Err(format!(
                        "unknown --format `{other}` (human, json, json-lines)"
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

fn open_outputs(formats: Vec<(Format, Option<PathBuf>)>) -> Result<Vec<Output>, String> {
    formats
        .into_iter()
        .map(|(format, path)| {
            let writer: Box<dyn Write> = match path {
                Some(p) => Box::new(BufWriter::new(
                    File::create(&p).map_err(|e| format!("{}: cannot write: {e}", p.display()))?,
                )),
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
    if args.fix || args.diff {
        return Err("--fix and --diff are not available in this build yet".into());
    }
    let selection = Selection {
        select: &args.select,
        ignore: &args.ignore,
    };
    let discover_from = args
        .stdin_filename
        .as_ref()
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .unwrap_or_default();
    let setup = setup(&args.common, &selection, &discover_from)?;
    let fail_on = args.fail_on.unwrap_or(setup.fail_on);
    let mut outputs = open_outputs(parse_formats(&args.format)?)?;
    let human = Human::for_outputs(&outputs);
    for o in &mut outputs {
        if o.format == Format::Json {
            o.json = Some(json::Stream::begin(&mut o.writer, "findings").map_err(write_err)?);
        }
    }
    let mut tally = Tally::default();
    let mut io_error = None;
    let mut sink = |outcome: FileOutcome| {
        tally.add(&outcome);
        for o in &mut outputs {
            let r = write_outcome(o, &outcome);
            if let Err(e) = r {
                io_error.get_or_insert(e);
            }
        }
    };
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
                    sink(engine::process_bytes(
                        &c,
                        Ok(text),
                        &setup.ctx,
                        human.renderer(),
                    ));
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
                human.renderer(),
                &mut sink,
            );
            errors
        }
    };

    let summary = json::Summary {
        files: tally.files,
        images: tally.images,
        findings: tally.findings.len(),
        fixable: tally.findings.iter().filter(|(_, f)| *f).count(),
    };
    for mut o in outputs {
        let r = match o.format {
            Format::Human => o
                .writer
                .write_all(human::summary(&tally.findings, tally.files, tally.images).as_bytes()),
            Format::Json => match o.json.take() {
                Some(stream) => stream.end(&mut o.writer, Some(&summary)),
                None => Ok(()),
            },
            Format::JsonLines => Ok(()),
        };
        if let Err(e) = r.and_then(|_| o.writer.flush()) {
            io_error.get_or_insert(e);
        }
    }
    finish(io_error, &errors, &tally, |s| meets(s, fail_on))
}

fn write_outcome(o: &mut Output, outcome: &FileOutcome) -> io::Result<()> {
    match o.format {
        Format::Human => {
            if let Some(text) = &outcome.rendered {
                o.writer.write_all(text.as_bytes())?;
            }
        }
        Format::Json => {
            if let Some(stream) = &mut o.json {
                for f in &outcome.analysis.findings {
                    stream.finding(&mut o.writer, f)?;
                }
            }
        }
        Format::JsonLines => {
            for f in &outcome.analysis.findings {
                json::finding_line(&mut o.writer, f)?;
            }
        }
    }
    Ok(())
}

/// The miette renderer, built once, when some output is human.
struct Human(Option<Box<Renderer>>);

impl Human {
    fn for_outputs(outputs: &[Output]) -> Human {
        Human(outputs.iter().any(|o| o.format == Format::Human).then(|| {
            let h = human::Human::new(use_color());
            Box::new(move |a: &_, t: &_, l: &_| h.render_file(a, t, l)) as Box<Renderer>
        }))
    }

    fn renderer(&self) -> Option<&Renderer> {
        self.0.as_deref()
    }
}

#[derive(Default)]
struct Tally {
    files: usize,
    images: usize,
    findings: Vec<(Severity, bool)>,
    errors: Vec<String>,
}

impl Tally {
    fn add(&mut self, outcome: &FileOutcome) {
        if outcome.kind.is_some() {
            self.files += 1;
        }
        self.images += outcome.analysis.entries.len();
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
    let setup = setup(
        &args.common,
        &Selection {
            select: &[],
            ignore: &[],
        },
        Path::new(""),
    )?;
    let (candidates, errors) = setup.candidates(&args.common.paths, args.common.no_ignore);
    let mut out = BufWriter::with_capacity(1 << 16, io::stdout());
    let mut tally = Tally::default();
    let mut io_error: Option<io::Error> = None;
    let mut stream = None;
    let r = match args.format.as_str() {
        "json" => json::Stream::begin(&mut out, "images").map(|s| stream = Some(s)),
        "csv" => writeln!(out, "{}", inventory::CSV_HEADER),
        _ => inventory::table_header(&mut out),
    };
    r.map_err(write_err)?;
    engine::run(&candidates, &setup.ctx, setup.threads, None, |outcome| {
        tally.add(&outcome);
        for e in &outcome.analysis.entries {
            let r = match (&mut stream, args.format.as_str()) {
                (Some(s), _) => s.entry(&mut out, e),
                (None, "csv") => inventory::csv_row(&mut out, e),
                _ => inventory::table_row(&mut out, e),
            };
            if let Err(e) = r {
                io_error.get_or_insert(e);
            }
        }
    });
    let r = match stream {
        Some(s) => s.end(&mut out, None),
        None => Ok(()),
    };
    if let Err(e) = r.and_then(|_| out.flush()) {
        io_error.get_or_insert(e);
    }
    finish(
        io_error,
        &errors,
        &Tally {
            findings: vec![],
            ..tally
        },
        |_| false,
    )
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
