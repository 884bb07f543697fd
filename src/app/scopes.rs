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
use crate::analyze::Context;
use crate::cli::Common;
use crate::config::{self, CONFIG_NAMES};
use crate::discover::classify::Classifier;
use crate::discover::paths::display_path;
use crate::discover::record::{Candidate, Roots};
use crate::discover::walk::Markers;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// The configs nearer to some files than the run's own, in the order met.
#[derive(Default)]
pub(super) struct Nested {
    pub contexts: Vec<Context>,
    /// Files left unchecked because their nearest config is broken.
    pub unchecked: usize,
    /// Each nested config's folder and classifier, by the same index.
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

/// Finds and loads the nearest config of each candidate's folder.
struct Finder<'a> {
    setup: &'a Setup,
    common: &'a Common,
    wants: &'a Wants<'a>,
    by_folder: HashMap<PathBuf, Nearest>,
    by_config: HashMap<PathBuf, Nearest>,
    nested: Nested,
    seen: Seen,
    /// The run's own config file, absolute.
    own: Option<PathBuf>,
}

/// What the walk saw, by absolute folder: a folder under a walked path
/// is looked up here; only folders above them are asked of the disk.
struct Seen {
    walked: Vec<PathBuf>,
    /// The walked folders as named on the command line.
    walked_as_given: Vec<PathBuf>,
    /// Folder to its config file (`.imagelint.toml` first).
    configs: HashMap<PathBuf, PathBuf>,
    repositories: HashSet<PathBuf>,
}

impl Seen {
    fn new(markers: Markers, cwd: &Path) -> Seen {
        let mut configs = HashMap::new();
        // The name read first wins, as `config::discover` has it.
        for name in CONFIG_NAMES.iter().rev() {
            for file in markers
                .configs
                .iter()
                .filter(|f| f.file_name() == Some(name.as_ref()))
            {
                let file = cwd.join(file);
                if let Some(dir) = file.parent() {
                    configs.insert(dir.to_path_buf(), file.clone());
                }
            }
        }
        Seen {
            walked: markers.walked.iter().map(|p| cwd.join(p)).collect(),
            walked_as_given: markers.walked.clone(),
            configs,
            repositories: markers.repositories.iter().map(|p| cwd.join(p)).collect(),
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
    /// `candidates`, each re-judged by its nearest config: excluded or
    /// classified by that config's `[files]`, and marked with its scope.
    /// A config that cannot be loaded is reported and its files left out.
    pub(super) fn scoped(
        &self,
        candidates: Vec<Candidate>,
        markers: Markers,
        common: &Common,
        wants: &Wants,
        problems: &mut Problems,
    ) -> (Vec<Candidate>, Nested) {
        if common.config.is_some() {
            return (candidates, Nested::default());
        }
        let mut finder = Finder {
            setup: self,
            common,
            wants,
            by_folder: HashMap::new(),
            by_config: HashMap::new(),
            nested: Nested::default(),
            seen: Seen::new(markers, &self.cwd),
            own: self.config_path.as_ref().map(|p| self.cwd.join(p)),
        };
        // Most runs: no config under the walked folders but the run's own,
        // and none between them and it. Their files are then all the run's
        // own, and only files named one by one need a look.
        let walked_as_given = finder.seen.walked_as_given.clone();
        let mut kept = candidates;
        if finder.no_nested_config(problems) {
            let named_alone =
                |c: &Candidate| !walked_as_given.iter().any(|w| c.disk.starts_with(w));
            if !kept.iter().any(named_alone) {
                return (kept, finder.nested);
            }
        }
        let mut last: Option<(PathBuf, Nearest)> = None;
        kept.retain_mut(|c| {
            let folder = c.disk.parent().unwrap_or(Path::new(""));
            // Sorted by path: a folder's files come together.
            let nearest = match &last {
                Some((f, n)) if f == folder => n.clone(),
                _ => {
                    let n = finder.nearest(&self.cwd.join(folder), problems);
                    last = Some((folder.to_path_buf(), n.clone()));
                    n
                }
            };
            match nearest {
                Nearest::Own => true,
                Nearest::Broken => {
                    finder.nested.unchecked += 1;
                    false
                }
                Nearest::Scope(i) => {
                    let (root, classifier) = &finder.nested.folders[i];
                    let roots = Roots {
                        cwd: &self.cwd,
                        config_root: root,
                    };
                    match Candidate::new(&c.disk, &roots, classifier) {
                        Ok(mut nearer) => {
                            nearer.scope = i + 1;
                            *c = nearer;
                            true
                        }
                        Err(_) => false,
                    }
                }
            }
        });
        (kept, finder.nested)
    }
}

impl Finder<'_> {
    /// Whether no file under the walked folders can have a nearer config
    /// than the run's: the walk met none but the run's own, and none lies
    /// between a walked folder and the run's config folder.
    fn no_nested_config(&mut self, problems: &mut Problems) -> bool {
        if self
            .seen
            .configs
            .values()
            .any(|c| Some(c) != self.own.as_ref())
        {
            return false;
        }
        let walked = self.seen.walked.clone();
        walked
            .iter()
            .all(|w| matches!(self.nearest(w, problems), Nearest::Own))
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
                self.nested.contexts.push(ctx);
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
