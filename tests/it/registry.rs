//! `imagelint lock` against a real registry: Debian's docker-registry on a
//! free loopback port, images built here as OCI layouts and pushed with
//! skopeo. Each registry is stopped when its guard drops, test passing or not.

use crate::common::{imagelint, root};
use base64::Engine as _;
use sha2::{Digest as _, Sha256};
use std::fs;
use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A child process killed on drop.
pub(crate) struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("nothing listens on 127.0.0.1:{port}");
}

/// Starts docker-registry on `port` with `storage`; `auth` is YAML for its
/// `auth:` section.
pub(crate) fn registry(dir: &Path, port: u16, storage: &Path, auth: &str) -> Guard {
    let cfg = dir.join(format!("registry-{port}.yml"));
    fs::write(
        &cfg,
        format!(
            "version: 0.1\nlog: {{level: error}}\nstorage: {{filesystem: {{rootdirectory: {}}}, delete: {{enabled: true}}}}\nhttp: {{addr: 127.0.0.1:{port}}}\n{auth}",
            storage.display()
        ),
    )
    .unwrap();
    let child = Command::new("docker-registry")
        .arg("serve")
        .arg(&cfg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("docker-registry is installed (test.sh installs it)");
    let guard = Guard(child);
    wait_for(port);
    guard
}

/// The `auth:` section for a registry that takes `user:password` by Basic
/// auth; the htpasswd file is written into `dir`.
pub(crate) fn htpasswd_auth(dir: &Path, user: &str, password: &str) -> String {
    let out = Command::new("htpasswd")
        .args(["-Bbn", user, password])
        .output()
        .expect("htpasswd is installed (test.sh installs apache2-utils)");
    fs::write(dir.join("htpasswd"), out.stdout).unwrap();
    format!(
        "auth: {{htpasswd: {{realm: test, path: {}}}}}\n",
        dir.join("htpasswd").display()
    )
}

pub(crate) fn sha(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// An OCI image layout under construction.
struct Layout {
    dir: PathBuf,
}

impl Layout {
    fn new(dir: PathBuf) -> Layout {
        fs::create_dir_all(dir.join("blobs/sha256")).unwrap();
        fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
        Layout { dir }
    }

    /// Stores a blob; returns its descriptor fields (digest, size).
    fn blob(&self, data: &[u8]) -> (String, usize) {
        let hex = sha(data);
        fs::write(self.dir.join("blobs/sha256").join(&hex), data).unwrap();
        (format!("sha256:{hex}"), data.len())
    }

    /// A one-layer image manifest for `arch`; `salt` changes its content.
    fn manifest(&self, arch: &str, salt: &str) -> (String, usize) {
        // The layer: an empty tar archive holding one file, gzipped.
        let mut tar = vec![0u8; 512];
        let name = format!("{salt}.txt");
        tar[..name.len()].copy_from_slice(name.as_bytes());
        tar[100..107].copy_from_slice(b"0000644");
        tar[124..135].copy_from_slice(b"00000000000");
        tar[156] = b'0';
        tar[257..262].copy_from_slice(b"ustar");
        tar[148..156].copy_from_slice(b"        ");
        let sum: u32 = tar.iter().map(|b| *b as u32).sum();
        tar[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
        tar.extend_from_slice(&[0u8; 1024]);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&tar).unwrap();
        let (layer, layer_size) = self.blob(&gz.finish().unwrap());
        let config = format!(
            r#"{{"architecture":"{arch}","os":"linux","rootfs":{{"type":"layers","diff_ids":["sha256:{}"]}},"config":{{}}}}"#,
            sha(&tar)
        );
        let (config, config_size) = self.blob(config.as_bytes());
        let manifest = format!(
            r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{config}","size":{config_size}}},"layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"{layer}","size":{layer_size}}}]}}"#
        );
        self.blob(manifest.as_bytes())
    }

    /// A two-platform index.
    fn index(&self, salt: &str) -> (String, usize) {
        let entries: Vec<String> = ["amd64", "arm64"]
            .iter()
            .map(|arch| {
                let (d, s) = self.manifest(arch, salt);
                format!(r#"{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{d}","size":{s},"platform":{{"architecture":"{arch}","os":"linux"}}}}"#)
            })
            .collect();
        let index = format!(
            r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{}]}}"#,
            entries.join(",")
        );
        self.blob(index.as_bytes())
    }

    /// Names the top-level descriptor `tag` in index.json.
    fn tag(&self, media_type: &str, (digest, size): (String, usize), tag: &str) {
        fs::write(
            self.dir.join("index.json"),
            format!(
                r#"{{"schemaVersion":2,"manifests":[{{"mediaType":"{media_type}","digest":"{digest}","size":{size},"annotations":{{"org.opencontainers.image.ref.name":"{tag}"}}}}]}}"#
            ),
        )
        .unwrap();
    }
}

pub(crate) fn skopeo(args: &[&str]) -> String {
    let out = Command::new("skopeo")
        .args(args)
        .output()
        .expect("skopeo is installed (test.sh installs it)");
    assert!(
        out.status.success(),
        "skopeo {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// Builds and pushes `name:tag`: a multi-arch index, or a single manifest.
pub(crate) fn push(work: &Path, port: u16, name: &str, tag: &str, multi: bool, salt: &str) {
    let layout = Layout::new(work.join(format!("oci-{name}-{tag}-{salt}").replace('/', "-")));
    if multi {
        let index = layout.index(salt);
        layout.tag("application/vnd.oci.image.index.v1+json", index, tag);
    } else {
        let manifest = layout.manifest("arm64", salt);
        layout.tag("application/vnd.oci.image.manifest.v1+json", manifest, tag);
    }
    let src = format!("oci:{}:{tag}", layout.dir.display());
    let dest = format!("docker://127.0.0.1:{port}/{name}:{tag}");
    skopeo(&[
        "copy",
        "--quiet",
        "--all",
        "--preserve-digests",
        "--dest-tls-verify=false",
        &src,
        &dest,
    ]);
}

pub(crate) fn inspect(port: u16, name: &str, tag: &str) -> String {
    skopeo(&[
        "inspect",
        "--tls-verify=false",
        "--format",
        "{{.Digest}}",
        &format!("docker://127.0.0.1:{port}/{name}:{tag}"),
    ])
}

pub(crate) fn lock_entries(dir: &Path) -> toml::Table {
    let text = fs::read_to_string(dir.join("imagelint.lock")).unwrap();
    text.parse::<toml::Table>().unwrap()["digests"]
        .as_table()
        .unwrap()
        .clone()
}

#[test]
fn lock_records_index_and_manifest_digests_and_check_sees_repushes() {
    let work = tempfile::tempdir().unwrap();
    let port = free_port();
    let _registry = registry(work.path(), port, &work.path().join("storage"), "");
    push(work.path(), port, "team/app", "v1", true, "one");
    push(work.path(), port, "team/single", "v2", false, "one");
    let repo = work.path().join("repo");
    fs::create_dir(&repo).unwrap();
    fs::write(
        repo.join("compose.yaml"),
        format!("services:\n  a: {{image: 127.0.0.1:{port}/team/app:v1}}\n  b: {{image: 127.0.0.1:{port}/team/single:v2}}\n"),
    )
    .unwrap();
    let run = imagelint(&repo, &["lock"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let entries = lock_entries(&repo);
    let app = format!("127.0.0.1:{port}/team/app:v1");
    let single = format!("127.0.0.1:{port}/team/single:v2");
    assert_eq!(
        entries[&app].as_str().unwrap(),
        inspect(port, "team/app", "v1")
    );
    assert_eq!(
        entries[&single].as_str().unwrap(),
        inspect(port, "team/single", "v2")
    );
    // The multi-arch digest is the index's, not a platform manifest's.
    let raw = skopeo(&[
        "inspect",
        "--tls-verify=false",
        "--raw",
        &format!("docker://127.0.0.1:{port}/team/app:v1"),
    ]);
    assert!(raw.contains("image.index.v1+json"), "{raw}");
    assert_eq!(
        entries[&app].as_str().unwrap(),
        format!("sha256:{}", sha(raw.as_bytes()))
    );

    // Nothing moved yet.
    let check = imagelint(&repo, &["lock", "--check"]);
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);

    // A missing tag is reported; the rest is still written.
    fs::write(
        repo.join("compose.yaml"),
        format!("services:\n  a: {{image: 127.0.0.1:{port}/team/app:v1}}\n  c: {{image: 127.0.0.1:{port}/team/app:missing}}\n"),
    )
    .unwrap();
    let run = imagelint(&repo, &["lock"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains(&format!(
            "127.0.0.1:{port}/team/app:missing: 404 unknown tag"
        )),
        "{}",
        run.stderr
    );
    assert_eq!(
        lock_entries(&repo)[&app].as_str().unwrap(),
        inspect(port, "team/app", "v1")
    );

    // Re-push v1 with new content: the locked digest no longer matches.
    let old = inspect(port, "team/app", "v1");
    push(work.path(), port, "team/app", "v1", true, "two");
    let new = inspect(port, "team/app", "v1");
    assert_ne!(old, new);
    let check = imagelint(&repo, &["lock", "--check"]);
    assert_eq!(check.code, 1, "{}{}", check.stdout, check.stderr);
    assert!(
        check
            .stdout
            .contains(&format!("moved: {app}: locked {old}, now {new}")),
        "{}",
        check.stdout
    );

    // An unreachable registry: exit 2, the entries kept.
    drop(_registry);
    let check = imagelint(&repo, &["lock", "--check"]);
    assert_eq!(check.code, 2, "{}{}", check.stdout, check.stderr);
    assert!(check.stderr.contains("unreachable"), "{}", check.stderr);
}

fn docker_config(dir: &Path, host: &str, user: &str, password: &str) -> PathBuf {
    let cfg = dir.join("docker-config");
    fs::create_dir_all(&cfg).unwrap();
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    fs::write(
        cfg.join("config.json"),
        format!(r#"{{"auths": {{"{host}": {{"auth": "{auth}"}}}}}}"#),
    )
    .unwrap();
    cfg
}

/// imagelint with a Docker config, retrying fast.
pub(crate) fn imagelint_env(
    dir: &Path,
    args: &[&str],
    env: &[(&str, &Path)],
) -> crate::common::Run {
    let mut all: Vec<(&str, &std::ffi::OsStr)> =
        vec![("IMAGELINT_RETRY_BACKOFF_MS", "10".as_ref())];
    all.extend(env.iter().map(|(k, v)| (*k, v.as_os_str())));
    crate::common::imagelint_env(dir, args, &all)
}

#[test]
fn basic_auth_with_credentials_from_docker_config() {
    let work = tempfile::tempdir().unwrap();
    let storage = work.path().join("storage");
    let open_port = free_port();
    {
        let _open = registry(work.path(), open_port, &storage, "");
        push(work.path(), open_port, "team/app", "v1", true, "one");
    }
    let auth = htpasswd_auth(work.path(), "alice", "s3cret");
    let port = free_port();
    let _registry = registry(work.path(), port, &storage, &auth);
    let repo = work.path().join("repo");
    fs::create_dir(&repo).unwrap();
    fs::write(
        repo.join("compose.yaml"),
        format!("services:\n  a: {{image: 127.0.0.1:{port}/team/app:v1}}\n"),
    )
    .unwrap();

    let empty = work.path().join("no-config");
    fs::create_dir(&empty).unwrap();
    let run = imagelint_env(&repo, &["lock"], &[("DOCKER_CONFIG", &empty)]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("401 denied"), "{}", run.stderr);

    let cfg = docker_config(work.path(), &format!("127.0.0.1:{port}"), "alice", "s3cret");
    let run = imagelint_env(&repo, &["lock"], &[("DOCKER_CONFIG", &cfg)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let key = format!("127.0.0.1:{port}/team/app:v1");
    let digest = lock_entries(&repo)[&key].as_str().unwrap().to_string();
    let via_open = {
        let _open = registry(work.path(), open_port, &storage, "");
        inspect(open_port, "team/app", "v1")
    };
    assert_eq!(digest, via_open);
}

#[test]
fn bearer_tokens_and_credentials_stay_with_their_registry() {
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    let storage = w.join("storage");
    let open_port = free_port();
    let pushed = {
        let _open = registry(w, open_port, &storage, "");
        push(w, open_port, "team/app", "v1", true, "one");
        inspect(open_port, "team/app", "v1")
    };
    // A signing key and the certificate the registry trusts for it.
    let ok = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=imagelint-test",
        ])
        .arg("-keyout")
        .arg(w.join("key.pem"))
        .arg("-out")
        .arg(w.join("cert.pem"))
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(ok.success());
    let token_port = free_port();
    let token_log = w.join("token.log");
    let _tokens = Guard(
        Command::new("python3")
            .arg(root().join("tests/support/token_server.py"))
            .arg(token_port.to_string())
            .arg(w.join("key.pem"))
            .arg(w.join("cert.pem"))
            .args(["imagelint-test", "bob:hunter2"])
            .arg(&token_log)
            .spawn()
            .unwrap(),
    );
    wait_for(token_port);
    let port = free_port();
    let auth = format!(
        "auth: {{token: {{realm: 'http://127.0.0.1:{token_port}/token', service: test-registry, issuer: imagelint-test, rootcertbundle: {}}}}}\n",
        w.join("cert.pem").display()
    );
    let _registry = registry(w, port, &storage, &auth);
    let other_port = free_port();
    let other_log = w.join("other.log");
    let _other = Guard(
        Command::new("python3")
            .arg(root().join("tests/support/other_registry.py"))
            .arg(other_port.to_string())
            .arg(&other_log)
            .spawn()
            .unwrap(),
    );
    wait_for(other_port);
    let repo = w.join("repo");
    fs::create_dir(&repo).unwrap();
    fs::write(
        repo.join("compose.yaml"),
        format!("services:\n  a: {{image: 127.0.0.1:{port}/team/app:v1}}\n  b: {{image: 127.0.0.1:{other_port}/x/y:1}}\n"),
    )
    .unwrap();

    // Anonymous token flow.
    let none = w.join("no-config");
    fs::create_dir(&none).unwrap();
    let run = imagelint_env(&repo, &["lock"], &[("DOCKER_CONFIG", &none)]);
    let key = format!("127.0.0.1:{port}/team/app:v1");
    assert_eq!(
        lock_entries(&repo)[&key].as_str().unwrap(),
        pushed,
        "{}",
        run.stderr
    );
    assert!(
        fs::read_to_string(&token_log)
            .unwrap()
            .lines()
            .all(|l| l == "/token "),
        "anonymous requests carry no credentials"
    );

    // Tags of one repository share its token, however many resolvers
    // start at once: one token request for four tags (three are missing).
    let many = w.join("many");
    fs::create_dir(&many).unwrap();
    fs::write(
        many.join("compose.yaml"),
        format!(
            "services:\n{}",
            ["v1", "v2", "v3", "v4"]
                .iter()
                .map(|t| format!("  {t}: {{image: 127.0.0.1:{port}/team/app:{t}}}\n"))
                .collect::<String>()
        ),
    )
    .unwrap();
    fs::write(&token_log, "").unwrap();
    let run = imagelint_env(
        &many,
        &["lock", "--threads", "4"],
        &[("DOCKER_CONFIG", &none)],
    );
    assert_eq!(run.code, 2, "three tags do not exist: {}", run.stderr);
    assert_eq!(
        fs::read_to_string(&token_log).unwrap().lines().count(),
        1,
        "one token for the repository: {}",
        run.stderr
    );

    // With credentials for the token-auth registry: they reach its realm,
    // and neither the other registry nor its realm sees any.
    fs::write(&token_log, "").unwrap();
    fs::write(&other_log, "").unwrap();
    let cfg = docker_config(w, &format!("127.0.0.1:{port}"), "bob", "hunter2");
    let run = imagelint_env(&repo, &["lock", "--update"], &[("DOCKER_CONFIG", &cfg)]);
    assert_eq!(
        lock_entries(&repo)[&key].as_str().unwrap(),
        pushed,
        "{}",
        run.stderr
    );
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("bob:hunter2")
    );
    assert!(fs::read_to_string(&token_log).unwrap().contains(&basic));
    let other = fs::read_to_string(&other_log).unwrap();
    assert!(other.contains("/v2/x/y/manifests/1"), "{other}");
    assert!(!other.contains("Basic"), "{other}");
    // The other registry gave a token but no digest: that one failed.
    assert_eq!(run.code, 2);
}

/// The fault-injecting registry (tests/support/fault_registry.py) on a free
/// port of 127.0.0.1 and, as "another host", 127.0.0.2; and its log.
fn fault_registry(dir: &Path) -> (Guard, u16, PathBuf) {
    let port = free_port();
    let log = dir.join("fault.log");
    fs::write(&log, "").unwrap();
    let guard = Guard(
        Command::new("python3")
            .arg(root().join("tests/support/fault_registry.py"))
            .arg(port.to_string())
            .arg(&log)
            .spawn()
            .unwrap(),
    );
    wait_for(port);
    (guard, port, log)
}

/// A registry that redirects to another host, which then asks for a token
/// from a realm of its own: the registry's credentials reach neither.
#[test]
fn credentials_never_follow_a_redirect() {
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    let (_registry, port, log) = fault_registry(w);
    let repo = w.join("repo");
    fs::create_dir(&repo).unwrap();
    fs::write(
        repo.join("compose.yaml"),
        format!("services:\n  a: {{image: 127.0.0.1:{port}/redirect/app:1}}\n"),
    )
    .unwrap();
    let cfg = docker_config(w, &format!("127.0.0.1:{port}"), "carol", "pa55word");
    let run = imagelint_env(&repo, &["lock"], &[("DOCKER_CONFIG", &cfg)]);
    let seen = fs::read_to_string(&log).unwrap();
    assert!(
        seen.contains("127.0.0.2 HEAD /v2/redirect/app/manifests/1"),
        "the redirect was followed: {seen}{}",
        run.stderr
    );
    assert!(
        !seen
            .lines()
            .any(|l| l.starts_with("127.0.0.2") && l.contains("Basic")),
        "credentials went to the other host:\n{seen}"
    );
}

/// A digest the registry answers that is no digest: `lock` and `lock
/// --check` both say it could not be resolved (exit 2), never "moved".
#[test]
fn malformed_digests_are_errors_not_moves() {
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    let (_registry, port, _log) = fault_registry(w);
    let repo = w.join("repo");
    fs::create_dir(&repo).unwrap();
    let key = format!("127.0.0.1:{port}/malformed/app:1");
    fs::write(
        repo.join("imagelint.lock"),
        format!(
            "version = 1\n[digests]\n\"{key}\" = \"sha256:{}\"\n",
            "cd".repeat(32)
        ),
    )
    .unwrap();
    let check = imagelint(&repo, &["lock", "--check"]);
    assert_eq!(check.code, 2, "{}{}", check.stdout, check.stderr);
    assert!(
        check.stderr.contains("malformed digest"),
        "{}",
        check.stderr
    );
    assert!(check.stdout.contains("0 moved"), "{}", check.stdout);
}

/// Two `lock` runs at once on one lock file keep both runs' entries.
#[test]
fn concurrent_lock_runs_keep_every_entry() {
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    let (_registry, port, _log) = fault_registry(w);
    let repo = w.join("repo");
    for (sub, name) in [("a", "one"), ("b", "two")] {
        fs::create_dir_all(repo.join(sub)).unwrap();
        // The registry answers 429 first, so both runs read the lock file
        // before either writes it.
        fs::write(
            repo.join(sub).join("compose.yaml"),
            format!("services:\n  x: {{image: 127.0.0.1:{port}/ratelimit/{name}:1}}\n"),
        )
        .unwrap();
    }
    let runs: Vec<_> = ["a", "b"]
        .into_iter()
        .map(|sub| {
            let repo = repo.clone();
            std::thread::spawn(move || {
                crate::common::Imagelint::new(&repo)
                    .args(["lock", "--lock", "imagelint.lock", sub])
                    .env("IMAGELINT_RETRY_BACKOFF_MS", "1000")
                    .env("DOCKER_CONFIG", repo.join("no-docker-config"))
                    .run()
            })
        })
        .collect();
    for run in runs {
        let run = run.join().unwrap();
        assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    }
    let entries = lock_entries(&repo);
    assert!(
        entries.contains_key(&format!("127.0.0.1:{port}/ratelimit/one:1")),
        "{entries:?}"
    );
    assert!(
        entries.contains_key(&format!("127.0.0.1:{port}/ratelimit/two:1")),
        "{entries:?}"
    );
}

/// 429 with `Retry-After` is waited out (retrying sooner gets 429 again).
#[test]
fn retry_after_is_honoured() {
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    let (_registry, port, _log) = fault_registry(w);
    let repo = w.join("repo");
    fs::create_dir(&repo).unwrap();
    fs::write(
        repo.join("compose.yaml"),
        format!("services:\n  a: {{image: 127.0.0.1:{port}/ratelimit/app:1}}\n"),
    )
    .unwrap();
    let none = w.join("no-config");
    let run = imagelint_env(&repo, &["lock"], &[("DOCKER_CONFIG", &none)]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(lock_entries(&repo).contains_key(&format!("127.0.0.1:{port}/ratelimit/app:1")));
}

/// A registry that never answers is given up on after two timeouts, and
/// `--timeout` bounds the whole run: seconds, not minutes per reference.
#[test]
fn hanging_registries_are_given_up_on() {
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    let (_registry, port, _log) = fault_registry(w);
    let repo = w.join("repo");
    fs::create_dir(&repo).unwrap();
    let services: String = (0..6)
        .map(|i| format!("  s{i}: {{image: 127.0.0.1:{port}/hang/app{i}:1}}\n"))
        .collect();
    fs::write(repo.join("compose.yaml"), format!("services:\n{services}")).unwrap();
    let none = w.join("no-config");
    let start = Instant::now();
    let run = crate::common::Imagelint::new(&repo)
        .args(["lock"])
        .env("DOCKER_CONFIG", &none)
        .env("IMAGELINT_RETRY_BACKOFF_MS", "10")
        .env("IMAGELINT_REQUEST_TIMEOUT_MS", "500")
        .run();
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("not asked again"), "{}", run.stderr);
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
    // The overall deadline, with requests that would each wait 30 s.
    let start = Instant::now();
    let run = crate::common::Imagelint::new(&repo)
        .args(["lock", "--timeout", "2"])
        .env("DOCKER_CONFIG", &none)
        .run();
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        start.elapsed() < Duration::from_secs(15),
        "{:?}",
        start.elapsed()
    );
}
