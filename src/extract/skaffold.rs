//! Images a Skaffold project builds: `build.artifacts[].image` of a
//! `skaffold.yaml` in the manifest's folder or above it (up to the
//! repository's root). Skaffold replaces those names in the manifests it
//! deploys (`image: adservice`), so they are not pulls from Docker Hub.

use super::yaml::Yaml;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// How many folders up a `skaffold.yaml` is looked for.
const MAX_LEVELS: usize = 8;

/// Whether a Skaffold project above `manifest` builds the image `name`.
pub fn builds(manifest: &Path, name: &str) -> bool {
    manifest
        .parent()
        .is_some_and(|dir| built_above(dir).iter().any(|a| a == name))
}

/// The artifact images of the `skaffold.yaml` files in `folder` and above
/// it, up to the repository's root; once per folder and run.
fn built_above(folder: &Path) -> Arc<Vec<String>> {
    static SEEN: Seen = OnceLock::new();
    once(&SEEN, folder, || {
        let mut found = Vec::new();
        let mut dir = Some(folder);
        for _ in 0..MAX_LEVELS {
            let Some(d) = dir else { break };
            for file in ["skaffold.yaml", "skaffold.yml"] {
                found.extend(artifacts(&d.join(file)).iter().cloned());
            }
            if is_repository_root(d) {
                break;
            }
            dir = d.parent();
        }
        found
    })
}

/// Whether `dir` holds `.git`; asked once per folder and run, as the
/// folders of many manifests share their parents.
fn is_repository_root(dir: &Path) -> bool {
    static SEEN: OnceLock<Mutex<HashMap<PathBuf, bool>>> = OnceLock::new();
    let seen = SEEN.get_or_init(Default::default);
    if let Some(root) = seen.lock().ok().and_then(|s| s.get(dir).copied()) {
        return root;
    }
    let root = dir.join(".git").exists();
    if let Ok(mut s) = seen.lock() {
        s.insert(dir.to_path_buf(), root);
    }
    root
}

/// The artifact images of one `skaffold.yaml`, read once per run.
fn artifacts(path: &Path) -> Arc<Vec<String>> {
    static SEEN: Seen = OnceLock::new();
    once(&SEEN, path, || read(path))
}

/// Image lists worked out per path.
type Seen = OnceLock<Mutex<HashMap<PathBuf, Arc<Vec<String>>>>>;

/// The list for `path` in `seen`, made once.
fn once(seen: &Seen, path: &Path, make: impl FnOnce() -> Vec<String>) -> Arc<Vec<String>> {
    let seen = seen.get_or_init(Default::default);
    if let Some(found) = seen.lock().ok().and_then(|s| s.get(path).cloned()) {
        return found;
    }
    let found = Arc::new(make());
    if let Ok(mut s) = seen.lock() {
        s.insert(path.to_path_buf(), found.clone());
    }
    found
}

fn read(path: &Path) -> Vec<String> {
    let Some(text) = crate::side_file::read_followed(path) else {
        return Vec::new();
    };
    let mut images = Vec::new();
    // Several configurations may share the file, one per document.
    let _ = Yaml::for_each_document(&text, None, &mut |y| {
        for &root in &y.documents {
            let Some(artifacts) = y.path(root, &["build", "artifacts"]).and_then(|a| y.seq(a))
            else {
                continue;
            };
            for &artifact in artifacts {
                if let Some(image) = y.get(artifact, "image").and_then(|i| y.str(i)) {
                    images.push(image.to_string());
                }
            }
        }
        true
    });
    images
}
