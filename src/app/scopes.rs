//! Hierarchical config, as ruff does it: each file `check` reads is checked
//! with the nearest config file above it, up to the repository root, so
//! `imagelint a/` from the root uses `a/.imagelint.toml` for `a/`'s files.
//! `--config FILE` turns this off: FILE then speaks for every file.
//!
//! The walk itself (which folders are entered, `.gitignore`) follows the
//! run's own config; a nearer config then decides, for the files under it,
//! its `[files]` exclusions and kinds, rules, mirrors, lock and the rest.

use super::errors::{Error, Problems};
use super::settings::{Loaded, Scope, Setup, Wants};
use crate::cli::Common;
use crate::config::{self, CONFIG_NAMES};
use crate::discover::classify::Classifier;
use crate::discover::paths::display_path;
use crate::discover::record::{Candidate, Roots};
use crate::discover::walk::{Markers, Met};
use crate::engine::Nearer;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// The configs nearer to some files than the run's own, in the order met:
/// their contexts are in the run's [`Nearer`], by the same index.
#[derive(Default)]
pub(super) struct Nested {
    /// Files left unchecked because their nearest config is broken.
    pub unchecked: usize,
    /// Each nested config's folder and classifier.
    folders: Vec<(PathBuf, Classifier)>,
    /// Each nested config file as shown.
    shown: Vec<String>,
}

impl Nested {
    /// The config file of scope `n` as shown, when it is a nested one.
    pub fn config_shown(&self, scope: usize) -> Option<&str> {
        scope
            .checked_sub(1)
            .and_then(|i| self.shown.get(i))
            .map(String::as_str)
    }
}

/// What a folder's nearest config is.
#[derive(Clone)]
enum Nearest {
    /// The run's own (or none nearer).
    Own,
    /// `Nested` index.
    Scope(usize),
    /// A config that could not be loaded: its files are not checked.
    Broken,
}

/// Judges each file the walk meets by its nearest config, from the config
/// files and `.git` folders the walk met before it (see [`Met`]): the walk
/// meets a folder's before any file in or below it.
pub(super) struct Scoper<'a> {
    setup: &'a Setup,
    common: &'a Common,
    wants: &'a Wants<'a>,
    contexts: &'a Nearer,
    by_folder: HashMap<PathBuf, Nearest>,
    by_config: HashMap<PathBuf, Nearest>,
    nested: Nested,
    seen: Seen,
    /// The run's own config file, absolute.
    own: Option<PathBuf>,
    /// A config other than the run's own was met.
    nested_met: bool,
    /// No walked folder has a nearer config above it than the run's own.
    roots_own: bool,
    /// The folder of the file judged last, and its nearest config: a
    /// folder's files come together.
    last: Option<(PathBuf, Nearest)>,
}

/// What the walk met so far, by absolute folder: a folder under a walked
/// path is looked up here; only folders above them are asked of the disk.
#[derive(Default)]
struct Seen {
    walked: Vec<PathBuf>,
    /// The walked folders as named on the command line.
    walked_as_given: Vec<PathBuf>,
    /// Folder to its config file (`.imagelint.toml` first).
    configs: HashMap<PathBuf, PathBuf>,
    repositories: HashSet<PathBuf>,
}

impl Seen {
    /// Notes the config file `file` (absolute).
    fn config(&mut self, file: PathBuf) {
        let Some(dir) = file.parent() else { return };
        let rank = |f: &Path| {
            CONFIG_NAMES
                .iter()
                .position(|n| f.file_name() == Some(n.as_ref()))
        };
        // The name read first wins, as `config::discover` has it.
        match self.configs.get(dir) {
            Some(known) if rank(known) <= rank(&file) => {}
            _ => {
                self.configs.insert(dir.to_path_buf(), file);
            }
        }
    }

    /// The config file in `dir` and whether `dir` holds a `.git`.
    fn look(&self, dir: &Path) -> (Option<PathBuf>, bool) {
        if self.walked.iter().any(|w| dir.starts_with(w)) {
            return (
                self.configs.get(dir).cloned(),
                self.repositories.contains(dir),
            );
        }
        let config = CONFIG_NAMES
            .iter()
            .map(|name| dir.join(name))
            .find(|p| p.is_file());
        (config, dir.join(".git").exists())
    }
}

impl Setup {
    /// Judges files by their nearest configs, whose contexts go to
    /// `contexts`.
    pub(super) fn scoper<'a>(
        &'a self,
        common: &'a Common,
        wants: &'a Wants<'a>,
        contexts: &'a Nearer,
    ) -> Scoper<'a> {
        Scoper {
            setup: self,
            common,
            wants,
            contexts,
            by_folder: HashMap::new(),
            by_config: HashMap::new(),
            nested: Nested::default(),
            seen: Seen::default(),
            own: self.config_path.as_ref().map(|p| self.cwd.join(p)),
            nested_met: false,
            roots_own: true,
            last: None,
        }
    }

    /// `candidates`, each re-judged by its nearest config (see
    /// [`Scoper::judge`]), with every config file and repository `markers`
    /// holds known first.
    pub(super) fn scoped(
        &self,
        candidates: Vec<Candidate>,
        markers: Markers,
        common: &Common,
        wants: &Wants,
        contexts: &Nearer,
        problems: &mut Problems,
    ) -> (Vec<Candidate>, Nested) {
        let mut scoper = self.scoper(common, wants, contexts);
        let Markers {
            walked,
            configs,
            repositories,
        } = markers;
        let known = (walked.into_iter().map(Met::Root))
            .chain(configs.into_iter().map(Met::Config))
            .chain(repositories.into_iter().map(Met::Repository));
        for met in known {
            scoper.met(met, problems);
        }
        let kept = candidates
            .into_iter()
            .filter_map(|c| scoper.judge(c, problems))
            .collect();
        (kept, scoper.nested)
    }
}

impl Scoper<'_> {
    /// Notes a marker the walk met; a candidate comes back judged (see
    /// [`Scoper::judge`]). Errors are not the scoper's: they come back as
    /// `None`, unreported.
    pub fn met(&mut self, met: Met, problems: &mut Problems) -> Option<Candidate> {
        let cwd = &self.setup.cwd;
        if self.common.config.is_some() {
            // `--config` speaks for every file: no other config is read.
            return match met {
                Met::Candidate(c) => Some(c),
                _ => None,
            };
        }
        match met {
            Met::Root(dir) => {
                let absolute = cwd.join(&dir);
                self.seen.walked.push(absolute.clone());
                self.seen.walked_as_given.push(dir);
                // Above the folder, the disk says; what lies in it the walk
                // is about to meet.
                let above = match absolute.parent() {
                    Some(parent) if absolute != self.setup.config_root => {
                        self.nearest(parent, problems)
                    }
                    _ => Nearest::Own,
                };
                self.roots_own &= matches!(above, Nearest::Own);
            }
            Met::Config(file) => {
                let file = cwd.join(file);
                self.nested_met |= Some(&file) != self.own.as_ref();
                self.seen.config(file);
            }
            Met::Repository(dir) => {
                self.seen.repositories.insert(cwd.join(dir));
            }
            Met::Candidate(c) => return self.judge(c, problems),
            Met::Error(_) => {}
        }
        None
    }

    /// `c` re-judged by its nearest config: excluded or classified by that
    /// config's `[files]`, and marked with its scope; `None` when excluded
    /// or when that config cannot be loaded (reported once, its files
    /// counted as unchecked).
    pub fn judge(&mut self, c: Candidate, problems: &mut Problems) -> Option<Candidate> {
        if self.common.config.is_some() {
            return Some(c);
        }
        // Most runs: no config under the walked folders but the run's own,
        // and none between them and it. Their files are then all the run's
        // own, and only files named one by one need a look.
        if !self.nested_met
            && self.roots_own
            && (self.seen.walked_as_given.iter()).any(|w| c.disk.starts_with(w))
        {
            return Some(c);
        }
        let folder = c.disk.parent().unwrap_or(Path::new(""));
        let nearest = match &self.last {
            Some((f, n)) if f == folder => n.clone(),
            _ => {
                let n = self.nearest(&self.setup.cwd.join(folder), problems);
                self.last = Some((folder.to_path_buf(), n.clone()));
                n
            }
        };
        match nearest {
            Nearest::Own => Some(c),
            Nearest::Broken => {
                self.nested.unchecked += 1;
                None
            }
            Nearest::Scope(i) => {
                let (root, classifier) = &self.nested.folders[i];
                let roots = Roots {
                    cwd: &self.setup.cwd,
                    config_root: root,
                };
                let mut nearer = Candidate::new(&c.disk, &roots, classifier).ok()?;
                nearer.scope = i + 1;
                Some(nearer)
            }
        }
    }

    /// What the judging found: the nested configs, the files left out.
    pub fn finish(self) -> Nested {
        self.nested
    }

    fn nearest(&mut self, folder: &Path, problems: &mut Problems) -> Nearest {
        let mut passed = Vec::new();
        let mut found = Nearest::Own;
        for dir in folder.ancestors() {
            if let Some(known) = self.by_folder.get(dir) {
                found = known.clone();
                break;
            }
            // The run's own config folder, or the current directory without
            // one: nothing above it is nearer.
            if dir == self.setup.config_root {
                break;
            }
            passed.push(dir.to_path_buf());
            let (config, repository) = self.seen.look(dir);
            if let Some(path) = config {
                found = self.load(path, problems);
                break;
            }
            if repository {
                break;
            }
        }
        for dir in passed {
            self.by_folder.insert(dir, found.clone());
        }
        found
    }

    fn load(&mut self, path: PathBuf, problems: &mut Problems) -> Nearest {
        if self.own.as_ref() == Some(&path) {
            return Nearest::Own;
        }
        if let Some(known) = self.by_config.get(&path) {
            return known.clone();
        }
        let shown = display_path(&path, &self.setup.cwd);
        let scope = config::load(&path, &shown)
            .map_err(Error::from)
            .and_then(|config| {
                let loaded = Loaded {
                    path: Some(path.clone()),
                    shown: Some(shown.clone()),
                    config,
                };
                Scope::new(loaded, &self.setup.cwd, self.common, self.wants)
            });
        let nearest = match scope {
            Ok(Scope {
                ctx,
                classifier,
                root,
                ..
            }) => {
                self.contexts.push(ctx);
                self.nested.folders.push((root, classifier));
                self.nested.shown.push(shown);
                Nearest::Scope(self.nested.folders.len() - 1)
            }
            Err(e) => {
                problems.report_error(&e);
                Nearest::Broken
            }
        };
        self.by_config.insert(path, nearest.clone());
        nearest
    }
}
