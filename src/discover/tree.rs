//! The walk of one folder in path order, on one thread, with `.gitignore`,
//! `.ignore`, `.git/info/exclude` and git's global excludes kept as the
//! `ignore` crate keeps them. Its own rather than that crate's sorted walk:
//! that one asks the disk for each folder's ignore files by name, which
//! costs the kernel more than reading the folder; here the folder's
//! entries say which exist.

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use ignore::Match;
use std::ffi::{OsStr, OsString};
use std::fs::FileType;
use std::path::{Path, PathBuf};

/// What the walk meets, in order.
pub enum Visit<'a> {
    /// A folder entered, before any of its entries: those not ignored
    /// (`.git` left out), sorted by name, and whether it holds `.git`.
    Folder {
        path: &'a Path,
        entries: &'a [(OsString, FileType)],
        git: bool,
    },
    /// A folder not ignored, before it is entered: `false` keeps it out.
    Enter(&'a Path),
    /// Anything else not ignored: a file, a symlink (not followed), a FIFO.
    Entry(&'a Path, FileType),
    /// A folder that could not be read.
    Error(&'a Path, std::io::Error),
}

/// Walks `root` (a folder), sorted by name in each folder, depth first:
/// files come in path order.
pub fn walk_sorted(root: &Path, no_ignore: bool, visit: &mut dyn FnMut(Visit) -> bool) {
    let absolute = std::fs::canonicalize(root);
    let mut rules = Rules::new(absolute.as_deref().ok(), no_ignore);
    let absolute = absolute.unwrap_or_else(|_| root.to_path_buf());
    let mut stack: Vec<Frame> = Vec::new();
    if let Some(frame) = enter(root.to_path_buf(), absolute, &mut rules, visit) {
        stack.push(frame);
    }
    let mut entry = PathBuf::new();
    while let Some(frame) = stack.last_mut() {
        let Some((name, kind)) = frame.entries.get(frame.next) else {
            stack.pop();
            rules.levels.pop();
            continue;
        };
        frame.next += 1;
        if kind.is_dir() {
            let path = frame.path.join(name);
            let absolute = frame.absolute.join(name);
            if visit(Visit::Enter(&path)) {
                if let Some(next) = enter(path, absolute, &mut rules, visit) {
                    stack.push(next);
                }
            }
        } else {
            join_into(&mut entry, &frame.path, name);
            visit(Visit::Entry(&entry, *kind));
        }
    }
}

/// `dir` joined with `name`, written into `into`, whose room is reused for
/// each file of the tree: `PathBuf::pop` would parse the path's components
/// back each time.
fn join_into(into: &mut PathBuf, dir: &Path, name: &OsStr) {
    let joined = into.as_mut_os_string();
    joined.clear();
    joined.push(dir.as_os_str());
    into.push(name);
}

/// A folder being walked: its entries kept, sorted, and the next one.
struct Frame {
    path: PathBuf,
    absolute: PathBuf,
    entries: Vec<(OsString, FileType)>,
    next: usize,
}

/// Reads the folder at `path`, adds its ignore rules and tells `visit`;
/// `None` when it cannot be read.
fn enter(
    path: PathBuf,
    absolute: PathBuf,
    rules: &mut Rules,
    visit: &mut dyn FnMut(Visit) -> bool,
) -> Option<Frame> {
    let mut entries = Vec::new();
    let read = std::fs::read_dir(&path).and_then(|dir| {
        for e in dir {
            let e = e?;
            entries.push((e.file_name(), e.file_type()?));
        }
        Ok(())
    });
    if let Err(e) = read {
        visit(Visit::Error(&path, e));
        return None;
    }
    let has = |name: &str| entries.iter().any(|(n, _)| n == name);
    let git_folder = entries.iter().any(|(n, t)| n == ".git" && t.is_dir());
    let level = rules.level(&absolute, has(".ignore"), has(".gitignore"), git_folder);
    rules.levels.push(level);
    let git = has(".git");
    let active = rules.active();
    let mut entry = PathBuf::new();
    entries.retain(|(name, kind)| {
        if name == ".git" {
            return false;
        }
        if !active {
            return true;
        }
        join_into(&mut entry, &absolute, name);
        !rules.ignored(&entry, kind.is_dir())
    });
    entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    visit(Visit::Folder {
        path: &path,
        entries: &entries,
        git,
    });
    Some(Frame {
        path,
        absolute,
        entries,
        next: 0,
    })
}

/// The ignore rules in force: one level per folder from the file system's
/// root down to the folder being walked.
struct Rules {
    on: bool,
    levels: Vec<Level>,
    global: Gitignore,
}

#[derive(Default)]
struct Level {
    /// `.ignore`, which wins over the other two.
    ignore: Option<Gitignore>,
    /// `.gitignore`.
    git: Option<Gitignore>,
    /// `.git/info/exclude`.
    exclude: Option<Gitignore>,
}

impl Rules {
    /// The rules of the folders above `root` (canonical; read from the
    /// disk) and the global excludes.
    fn new(root: Option<&Path>, no_ignore: bool) -> Rules {
        let mut rules = Rules {
            on: !no_ignore,
            levels: Vec::new(),
            global: Gitignore::empty(),
        };
        if no_ignore {
            return rules;
        }
        rules.global = Gitignore::global().0;
        if let Some(absolute) = root {
            let mut above: Vec<&Path> = absolute.ancestors().skip(1).collect();
            above.reverse();
            for dir in above {
                let exists = |name: &str| dir.join(name).exists();
                let git = dir.join(".git").is_dir();
                let level = rules.level(dir, exists(".ignore"), exists(".gitignore"), git);
                rules.levels.push(level);
            }
        }
        rules
    }

    /// The rules a folder adds, from the ignore files it holds.
    fn level(&self, dir: &Path, ignore: bool, gitignore: bool, git: bool) -> Level {
        if !self.on {
            return Level::default();
        }
        let read = |there: bool, file: &str| there.then(|| read_rules(dir, &dir.join(file)));
        Level {
            ignore: read(ignore, ".ignore").flatten(),
            git: read(gitignore, ".gitignore").flatten(),
            exclude: read(git, ".git/info/exclude").flatten(),
        }
    }

    /// Whether any rule is in force.
    fn active(&self) -> bool {
        let some = |l: &Level| l.ignore.is_some() || l.git.is_some() || l.exclude.is_some();
        self.on && (!self.global.is_empty() || self.levels.iter().any(some))
    }

    /// Whether `absolute` is ignored: in each kind of file the nearest
    /// rule that matches decides, `.ignore` before `.gitignore` before
    /// `.git/info/exclude` before the global excludes.
    fn ignored(&self, absolute: &Path, is_dir: bool) -> bool {
        if !self.on {
            return false;
        }
        let mut found = [Match::None, Match::None, Match::None];
        for level in self.levels.iter().rev() {
            let kinds = [&level.ignore, &level.git, &level.exclude];
            for (slot, rules) in found.iter_mut().zip(kinds) {
                if let (true, Some(rules)) = (slot.is_none(), rules) {
                    *slot = rules.matched(absolute, is_dir);
                }
            }
        }
        let [ignore, git, exclude] = found;
        ignore
            .or(git)
            .or(exclude)
            .or(self.global.matched(absolute, is_dir))
            .is_ignore()
    }
}

/// The rules of one ignore file, relative to `dir`; `None` when it holds
/// none (or cannot be read: as git, a broken ignore file ignores nothing).
fn read_rules(dir: &Path, file: &Path) -> Option<Gitignore> {
    let mut builder = GitignoreBuilder::new(dir);
    builder.add(file);
    builder.build().ok().filter(|g| !g.is_empty())
}

/// Whether a folder's sorted `entries` hold one named `name`.
pub fn holds(entries: &[(OsString, FileType)], name: &str) -> bool {
    entries
        .binary_search_by(|(n, _)| n.as_os_str().cmp(OsStr::new(name)))
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::{walk_sorted, Visit};
    use std::fs;
    use std::path::{Path, PathBuf};

    /// The files `walk_sorted` yields under `root`, in its order.
    fn walked(root: &Path, no_ignore: bool) -> Vec<PathBuf> {
        let mut files = Vec::new();
        walk_sorted(root, no_ignore, &mut |visit| {
            if let Visit::Entry(path, _) = visit {
                files.push(path.to_path_buf());
            }
            true
        });
        files
    }

    /// The files the `ignore` crate's walker yields with the settings the
    /// walk had when it used that crate: the oracle.
    fn oracle(root: &Path, no_ignore: bool) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = ignore::WalkBuilder::new(root)
            .hidden(false)
            .parents(true)
            .git_ignore(!no_ignore)
            .git_global(!no_ignore)
            .git_exclude(!no_ignore)
            .ignore(!no_ignore)
            .require_git(false)
            .filter_entry(|e| e.file_name() != ".git")
            .build()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_some_and(|t| !t.is_dir()))
            .map(|e| e.into_path())
            .collect();
        files.sort_by(|a, b| {
            let key = |p: &Path| p.to_string_lossy().replace('/', "\0");
            key(a).cmp(&key(b))
        });
        files
    }

    /// Nested `.gitignore`s with negations and folder-only patterns, an
    /// `.ignore` that re-includes, `.git/info/exclude`, and a `.gitignore`
    /// above the folder walked: the same files as the `ignore` crate, in
    /// path order.
    #[test]
    fn ignores_as_the_ignore_crate_does() {
        let dir = tempfile::tempdir().unwrap();
        let top = dir.path();
        let write = |path: &str, text: &str| {
            let path = top.join(path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        };
        write(".gitignore", "*.log\nbuild/\n!keep.log\n");
        write("repo/.git/info/exclude", "secret.yml\n");
        write("repo/.git/HEAD", "ref: refs/heads/main\n");
        write("repo/.gitignore", "/only-here.yml\nvendor\n");
        write("repo/.ignore", "!vendor\n");
        write("repo/a.log", "");
        write("repo/keep.log", "");
        write("repo/secret.yml", "");
        write("repo/only-here.yml", "");
        write("repo/sub/only-here.yml", "");
        write("repo/build/x.yml", "");
        write("repo/build.yml", "");
        write("repo/vendor/v.yml", "");
        write("repo/sub/.gitignore", "*.yaml\n!keep.yaml\n");
        write("repo/sub/a.yaml", "");
        write("repo/sub/keep.yaml", "");
        write("repo/a.b/c.yml", "");
        write("repo/a/b.yml", "");
        write("repo/a-b.yml", "");
        for no_ignore in [false, true] {
            for root in [top.to_path_buf(), top.join("repo"), top.join("repo/sub")] {
                assert_eq!(
                    walked(&root, no_ignore),
                    oracle(&root, no_ignore),
                    "{} no_ignore={no_ignore}",
                    root.display()
                );
            }
        }
        // The walk is not vacuous: something is ignored, something kept.
        let files = walked(&top.join("repo"), false);
        assert!(files.iter().any(|f| f.ends_with("keep.log")), "{files:?}");
        assert!(!files.iter().any(|f| f.ends_with("a.log")), "{files:?}");
    }

    /// A random tree of files and folders with random ignore files in it:
    /// the same files as the `ignore` crate, from the top and from a
    /// folder inside.
    fn entries() -> impl proptest::strategy::Strategy<Value = Vec<(String, String)>> {
        use proptest::prelude::*;
        let folder = prop::sample::select(vec!["", "a/", "a/b/", "c/", "a.b/", "c/a/"]);
        let name = prop::sample::select(vec![
            "x.yml",
            "x.log",
            "keep.log",
            "a",
            "b.yml",
            "c-d.yml",
            ".ignore",
            ".gitignore",
        ]);
        let rules = prop::collection::vec(
            prop::sample::select(vec![
                "*.log",
                "!keep.*",
                "b/",
                "/a",
                "a/**/x.yml",
                "**/b.yml",
                "c",
                "!c/a",
                "*.yml",
                "!x.yml",
                "# c",
                "a.b",
            ]),
            0..4,
        );
        prop::collection::vec((folder, name, rules), 1..14).prop_map(|files| {
            files
                .into_iter()
                .map(|(folder, name, rules)| {
                    let text = if name.starts_with(".") {
                        rules.join("\n")
                    } else {
                        String::new()
                    };
                    (format!("{folder}{name}"), text)
                })
                .collect()
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        #[test]
        fn random_trees_ignore_as_the_ignore_crate_does(files in entries()) {
            let dir = tempfile::tempdir().unwrap();
            let top = dir.path();
            for (path, text) in &files {
                // A name taken by a file or folder already stays that.
                let path = top.join(path);
                if fs::create_dir_all(path.parent().unwrap()).is_ok() && !path.is_dir() {
                    fs::write(path, text).unwrap();
                }
            }
            for root in [top.to_path_buf(), top.join("a")] {
                if root.is_dir() {
                    proptest::prop_assert_eq!(walked(&root, false), oracle(&root, false));
                }
            }
        }
    }
}
