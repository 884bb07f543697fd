//! Everything a run needs, built once from the config file and the flags.

use super::errors::Error;
use crate::analyze::Context;
use crate::cli::Common;
use crate::config::{self, Config, FailOn};
use crate::discover::classify::Classifier;
use crate::discover::paths::display_path;
use crate::discover::record::Candidate;
use crate::discover::record::Roots;
use crate::discover::walk::{walk, walk_each, Met, WalkError, WalkOptions, Walked};
use crate::extract::user::UserKind;
use crate::globs::glob_set;
use crate::image::Policy;
use crate::kinds::FileKind;
use crate::lock::Lock;
use crate::rules::{RuleSet, Selection};
use globset::GlobSet;
use std::path::{Path, PathBuf};

pub(super) struct Setup {
    pub ctx: Context,
    pub lock_path: PathBuf,
    pub insecure: Vec<String>,
    pub classifier: Classifier,
    pub cwd: PathBuf,
    pub config_root: PathBuf,
    /// The config file in use, if there is one.
    pub config_path: Option<PathBuf>,
    /// The config file as shown in messages, if there is one.
    pub config_shown: Option<String>,
    pub fail_on: FailOn,
    pub threads: usize,
}

/// What a command asks of the setup.
pub(super) struct Wants<'a> {
    pub selection: Selection<'a>,
    /// Where to look for the config file from (a stdin file's folder).
    pub discover_from: &'a Path,
    /// Keep an inventory entry per reference.
    pub entries: bool,
    /// `check --baseline`: the findings not to report.
    pub baseline: Option<std::sync::Arc<crate::analyze::baseline::Baseline>>,
    /// Fingerprint the findings (`--baseline`, `--write-baseline`).
    pub fingerprints: bool,
}

impl Wants<'static> {
    /// Every reference of every file, no rule selection: what `inventory`
    /// and `lock` read.
    pub fn every_reference() -> Wants<'static> {
        Wants {
            selection: Selection {
                select: &[],
                ignore: &[],
            },
            discover_from: Path::new(""),
            entries: true,
            baseline: None,
            fingerprints: false,
        }
    }
}

/// The config file in use (`--config`, else the nearest from `from`) and
/// what it says; the defaults without one.
pub(super) struct Loaded {
    pub path: Option<PathBuf>,
    /// The path as shown in messages.
    pub shown: Option<String>,
    pub config: Config,
}

impl Loaded {
    pub fn new(flag: Option<&Path>, cwd: &Path, from: &Path) -> Result<Loaded, Error> {
        let path = match flag {
            Some(p) => Some(p.to_path_buf()),
            None => config::discover(&cwd.join(from)),
        };
        let shown = path.as_ref().map(|p| display_path(p, cwd));
        let config = match (&path, &shown) {
            (Some(p), Some(shown)) => config::load(p, shown)?,
            _ => Config::default(),
        };
        Ok(Loaded {
            path,
            shown,
            config,
        })
    }
}

/// What one config file makes of the checks: the context the files under
/// it are analysed with and how its `[files]` classify them.
pub(super) struct Scope {
    pub ctx: Context,
    pub classifier: Classifier,
    /// The config file's folder (the current directory without one):
    /// globs start here.
    pub root: PathBuf,
    pub lock_path: PathBuf,
    pub insecure: Vec<String>,
    pub fail_on: FailOn,
}

impl Scope {
    /// The settings of `config`, read from `path` (shown as `shown`).
    pub fn new(loaded: Loaded, cwd: &Path, common: &Common, wants: &Wants) -> Result<Scope, Error> {
        let Loaded {
            path: config_path,
            shown,
            config,
        } = loaded;
        let setting = |message: String| Error::Setting {
            path: shown.clone(),
            message,
        };
        let root = config_path
            .as_ref()
            .and_then(|p| cwd.join(p).parent().map(Path::to_path_buf))
            .unwrap_or_else(|| cwd.to_path_buf());
        let rules = RuleSet::new(&config.rules, &config.rule, &wants.selection)
            .map_err(|e| setting(e.to_string()))?;
        let policy = Policy::new(&config.mirrors, config.allowed_registries.as_deref())
            .map_err(|e| setting(e.to_string()))?;
        let lock_path = match &common.lock {
            Some(p) => p.clone(),
            None => root.join("imagelint.lock"),
        };
        let lock = Lock::load(&lock_path, &display_path(&lock_path, cwd))?;
        let mut kinds = Vec::new();
        for (name, globs) in &config.files.kinds {
            let kind = FileKind::from_name(name).ok_or_else(|| {
                setting(format!(
                    "[files.kinds]: unknown file kind `{name}` ({})",
                    FileKind::names()
                ))
            })?;
            kinds.push((kind, glob_set(globs).map_err(|e| setting(e.to_string()))?));
        }
        let user_kinds = user_kinds(&config.files.extract).map_err(setting)?;
        if !config.files.extract.is_empty() {
            let every: Vec<String> = config
                .files
                .extract
                .iter()
                .flat_map(|d| d.paths.clone())
                .collect();
            kinds.push((
                FileKind::Custom,
                glob_set(&every).map_err(|e| setting(e.to_string()))?,
            ));
        }
        let exclude = glob_set(&config.files.exclude).map_err(|e| setting(e.to_string()))?;
        let mut per_file_ignores = Vec::new();
        for entry in &config.files.per_file_ignores {
            if let Some(bad) = entry.ignore.iter().find(|id| !rules.all_ids.contains(id)) {
                return Err(setting(format!(
                    "[[files.per-file-ignores]]: unknown rule `{bad}`"
                )));
            }
            let globs = glob_set(&entry.paths).map_err(|e| setting(e.to_string()))?;
            per_file_ignores.push((globs, entry.ignore.clone()));
        }
        Ok(Scope {
            ctx: Context {
                rules,
                policy,
                lock,
                variables: config.variables,
                build_contexts: config.build_contexts,
                collect_entries: wants.entries,
                resolve_via_mirror: config.resolve_via_mirror,
                require_suppression_reason: config.require_suppression_reason,
                per_file_ignores,
                baseline: wants.baseline.clone(),
                fingerprints: wants.fingerprints,
                user_kinds,
            },
            classifier: Classifier::new(kinds, exclude),
            root,
            lock_path,
            insecure: config.insecure_registries,
            fail_on: config.fail_on.unwrap_or(FailOn::Warning),
        })
    }
}

/// `[[files.extract]]`, compiled: each table's globs and reading.
fn user_kinds(decls: &[config::ExtractDecl]) -> Result<Vec<(GlobSet, UserKind)>, String> {
    let mut out = Vec::new();
    for decl in decls {
        if decl.paths.is_empty() {
            return Err("[[files.extract]]: `paths` names no file".into());
        }
        let kind = UserKind::new(decl.format, &decl.images, decl.pattern.as_deref())
            .map_err(|e| format!("[[files.extract]]: {e}"))?;
        out.push((glob_set(&decl.paths).map_err(|e| e.to_string())?, kind));
    }
    Ok(out)
}

impl Setup {
    pub fn new(common: &Common, wants: &Wants) -> Result<Setup, Error> {
        let cwd = std::env::current_dir().map_err(Error::CurrentDir)?;
        let loaded = Loaded::new(common.config.as_deref(), &cwd, wants.discover_from)?;
        let config_path = loaded.path.clone();
        let shown = loaded.shown.clone();
        let scope = Scope::new(loaded, &cwd, common, wants)?;
        let threads = common
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
        Ok(Setup {
            lock_path: scope.lock_path,
            insecure: scope.insecure,
            ctx: scope.ctx,
            classifier: scope.classifier,
            cwd,
            config_root: scope.root,
            config_path,
            config_shown: shown,
            fail_on: scope.fail_on,
            threads,
        })
    }

    pub fn roots(&self) -> Roots<'_> {
        Roots {
            cwd: &self.cwd,
            config_root: &self.config_root,
        }
    }

    /// The files under `paths` (default `.`), sorted, and the paths that
    /// could not be walked.
    pub fn candidates(
        &self,
        paths: &[PathBuf],
        no_ignore: bool,
    ) -> (Vec<Candidate>, Vec<WalkError>) {
        let walked = self.walk(paths, no_ignore);
        (walked.candidates, walked.errors)
    }

    /// The walk of `paths` (default `.`): the files, the errors, and the
    /// config files and repositories met on the way.
    pub fn walk(&self, paths: &[PathBuf], no_ignore: bool) -> Walked {
        walk(self.paths_or_here(paths), &self.walk_options(no_ignore))
    }

    /// The walk of `paths` (default `.`), each thing met handed to `each`
    /// as it is met.
    pub fn walk_each(&self, paths: &[PathBuf], no_ignore: bool, each: &mut dyn FnMut(Met)) {
        walk_each(
            self.paths_or_here(paths),
            &self.walk_options(no_ignore),
            each,
        )
    }

    fn walk_options(&self, no_ignore: bool) -> WalkOptions<'_> {
        WalkOptions {
            roots: self.roots(),
            no_ignore,
            classifier: &self.classifier,
            config_names: &config::CONFIG_NAMES,
        }
    }

    /// The paths given, or `.`.
    fn paths_or_here<'p>(&self, paths: &'p [PathBuf]) -> &'p [PathBuf] {
        static HERE: std::sync::OnceLock<[PathBuf; 1]> = std::sync::OnceLock::new();
        if paths.is_empty() {
            HERE.get_or_init(|| [PathBuf::from(".")])
        } else {
            paths
        }
    }
}

impl Setup {
    /// The files under `common.paths`, each walk error reported as it is
    /// met in the list; what `lock` and `mirror` start from.
    pub(super) fn reported_candidates(
        &self,
        common: &Common,
        problems: &mut super::errors::Problems,
    ) -> Vec<crate::discover::record::Candidate> {
        let (candidates, walk_errors) = self.candidates(&common.paths, common.no_ignore);
        for e in &walk_errors {
            problems.report(e);
        }
        candidates
    }

    /// Analyses `candidates` and hands every inventory entry to `each`, in
    /// path order; a file that cannot be read or parsed goes to `problems`.
    /// What `lock` and `mirror` read the files for.
    pub(super) fn each_entry(
        &self,
        candidates: Vec<crate::discover::record::Candidate>,
        problems: &mut super::errors::Problems,
        mut each: impl FnMut(crate::analyze::finding::Entry),
    ) {
        let job = crate::engine::Job {
            ctx: &self.ctx,
            nested: &crate::engine::Nearer::default(),
            fix: crate::engine::FixMode::Off,
            reporters: &[],
            hand_over: crate::engine::HandOver::Everything,
        };
        crate::engine::run(candidates, &job, self.threads, |piece| match piece {
            crate::engine::Piece::Part(part) => {
                part.analysis.entries.into_iter().for_each(&mut each)
            }
            crate::engine::Piece::End(end) => {
                if let Some(e) = &end.error {
                    problems.report(e);
                }
            }
        });
    }
}
