use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The fixture folders: one per file kind, named as the JSON schema names
/// the kinds (a unit test holds the schema to the kind table), and `config`.
pub fn kind_fixtures() -> Vec<String> {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("docs/json-output.schema.json")).unwrap(),
    )
    .unwrap();
    let mut names: Vec<String> = schema["definitions"]["kind"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap().to_string())
        .collect();
    names.push("config".into());
    names
}

/// Cargo.toml's `[package]` value of `key`.
pub fn package_field(key: &str) -> String {
    let manifest: toml::Table = fs::read_to_string(root().join("Cargo.toml"))
        .unwrap()
        .parse()
        .unwrap();
    manifest["package"][key].as_str().unwrap().to_string()
}

pub fn fixture(name: &str) -> PathBuf {
    root().join("fixtures").join(name)
}

/// Test data copied into the repository (`tests/data/README.md` says from
/// where): the tests never read outside the repository.
pub fn data(name: &str) -> PathBuf {
    root().join("tests/data").join(name)
}

pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

/// Variables imagelint or its integrations read: a test sets the ones it
/// means to, and never inherits one from the machine that runs it.
const CLEARED_PREFIXES: [&str; 4] = ["IMAGELINT_", "GITHUB_", "CI_", "RUNNER_"];
const CLEARED: [&str; 9] = [
    "CI",
    "DOCKER_CONFIG",
    "NO_COLOR",
    "CLICOLOR",
    "CLICOLOR_FORCE",
    "FORCE_COLOR",
    "TERM",
    "COLUMNS",
    "GITLAB_CI",
];

/// One run of the real binary, with a clean, colourless environment.
pub struct Imagelint {
    cmd: Command,
    stdin: Option<Vec<u8>>,
}

impl Imagelint {
    pub fn new(dir: &Path) -> Imagelint {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_imagelint"));
        cmd.current_dir(dir);
        for (key, _) in std::env::vars_os() {
            let Some(k) = key.to_str() else { continue };
            if CLEARED.contains(&k) || CLEARED_PREFIXES.iter().any(|p| k.starts_with(p)) {
                cmd.env_remove(&key);
            }
        }
        cmd.env("NO_COLOR", "1");
        Imagelint { cmd, stdin: None }
    }

    pub fn args<S: AsRef<std::ffi::OsStr>>(mut self, args: impl IntoIterator<Item = S>) -> Self {
        self.cmd.args(args);
        self
    }

    pub fn env(mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> Self {
        self.cmd.env(key, value);
        self
    }

    pub fn stdin(mut self, bytes: &[u8]) -> Self {
        self.stdin = Some(bytes.to_vec());
        self
    }

    pub fn run(mut self) -> Run {
        self.cmd
            .stdin(if self.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = self.cmd.spawn().expect("imagelint runs");
        if let Some(bytes) = &self.stdin {
            use std::io::Write;
            // A run refused on its arguments exits without reading its
            // input: the pipe then breaks, and the run's exit says the rest.
            match child.stdin.take().unwrap().write_all(bytes) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                other => other.unwrap(),
            }
        }
        let Output {
            status,
            stdout,
            stderr,
        } = child.wait_with_output().unwrap();
        Run {
            stdout: String::from_utf8(stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(stderr).expect("stderr is UTF-8"),
            code: status.code().expect("exited, not killed by a signal"),
        }
    }
}

/// Runs imagelint in `dir`.
pub fn imagelint(dir: &Path, args: &[&str]) -> Run {
    Imagelint::new(dir).args(args).run()
}

pub fn imagelint_stdin(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Run {
    let cmd = Imagelint::new(dir).args(args);
    match stdin {
        Some(bytes) => cmd.stdin(bytes).run(),
        None => cmd.run(),
    }
}

/// (path, offset, rule) of each finding of a JSON report, in report order.
pub fn finding_places(findings: &[serde_json::Value]) -> Vec<(String, u64, String)> {
    findings
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["location"]["offset"].as_u64().unwrap(),
                f["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

pub fn json(run: &Run) -> serde_json::Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

/// Runs imagelint with extra environment variables.
pub fn imagelint_env(dir: &Path, args: &[&str], env: &[(&str, &std::ffi::OsStr)]) -> Run {
    env.iter()
        .fold(Imagelint::new(dir).args(args), |cmd, (k, v)| cmd.env(k, v))
        .run()
}

/// Every file under `dir` (`.git` left out), by path relative to it.
pub fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.file_name().unwrap() == ".git" {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                files.insert(rel, fs::read(&p).unwrap());
            }
        }
    }
    files
}

/// A copy of the fixture folder `name` in a new temporary folder.
pub fn copy_fixture(name: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for (rel, bytes) in snapshot(&fixture(name)) {
        let to = tmp.path().join(rel);
        fs::create_dir_all(to.parent().unwrap()).unwrap();
        fs::write(to, bytes).unwrap();
    }
    tmp
}

/// The human report's blocks (one per reference, and the summary), each
/// with its lines joined and spaces folded: what it says, however wrapped.
pub fn human_blocks(stdout: &str) -> Vec<String> {
    // A block starts at a reference's first header, the one that says
    // where (`error[rule] --> path:line:col`), or after a blank line.
    let mut blocks: Vec<Vec<&str>> = vec![Vec::new()];
    for line in stdout.lines() {
        let starts = ["error[", "warning[", "info["]
            .iter()
            .any(|h| line.starts_with(h))
            && line.contains("] --> ");
        if line.is_empty() || starts {
            blocks.push(Vec::new());
        }
        blocks.last_mut().unwrap().push(line);
    }
    blocks
        .into_iter()
        .map(|block| {
            block
                .join(" ")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|block| !block.is_empty())
        .collect()
}

/// Asserts that a tool the tests run (a validator, a linter) succeeded,
/// showing all it printed when it did not.
pub fn assert_succeeded(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
