//! `imagelint lock` (`--update`, `--prune`) and `lock --check`: the only
//! commands that use the network.
//!
//! Every tag the files use, pinned there or not, has a lock entry keyed by
//! its upstream `registry/repository:tag`. Each key has one resolution
//! route (`Policy::route`): the upstream, or its mirror with
//! `resolve-via-mirror`, whichever way the files write the reference.

use super::errors::{Error, Problems, EXIT_FINDINGS, EXIT_OK};
use super::progress::Progress;
use super::settings::{Setup, Wants};
use crate::cli::LockArgs;
use crate::discover::paths::display_path;
use crate::discover::record::Candidate;
use crate::image::reference::Reference;
use crate::lock::registry::Client;
use crate::lock::{is_digest, Lock};
use crate::words::count;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

/// Tags resolved at once unless `--threads` says otherwise: several
/// registries and repositories in flight, few enough not to look like a
/// flood to any one of them.
const RESOLVERS: usize = 8;

/// Where the files use one upstream tag.
struct Usage {
    /// The upstream reference, tag only.
    upstream: Reference,
    places: Vec<Place>,
}

struct Place {
    path: Arc<str>,
    line: usize,
    /// The digest the file pins it by, if any.
    written: Option<String>,
}

pub(super) fn lock(args: &LockArgs) -> Result<u8, Error> {
    let setup = Setup::new(&args.common, &Wants::every_reference())?;
    let client = Client::new(&setup.insecure, Duration::from_secs(args.timeout))?;
    // The lock file is written through a temporary file.
    crate::atomic::clean_up_on_signals();
    let lock_display = display_path(&setup.lock_path, &setup.cwd);
    let mut problems = Problems::default();
    let candidates = setup.reported_candidates(&args.common, &mut problems);
    let usage = uses(&setup, candidates, &mut problems);
    // Lookups wait on the network, not the CPU: the default is not the
    // number of CPUs, as it is for reading files.
    let resolvers = args.common.threads.unwrap_or(RESOLVERS).max(1);
    let client = (&client, resolvers);
    if args.check {
        return Ok(lock_check(&setup, client, &lock_display, &usage, problems));
    }
    let locked = &setup.ctx.lock.digests;
    // A file that could not be read may use what looks unused.
    let mut pruned = BTreeSet::new();
    if args.prune && problems.none() {
        pruned.extend(locked.keys().filter(|k| !usage.contains_key(*k)).cloned());
    } else if args.prune {
        problems.report(&"lock --prune: nothing pruned, as some files could not be read");
    }
    let wanted = to_resolve(args, locked, &usage, &pruned, &mut problems, &lock_display);
    let targets = routes(&setup, wanted);
    let progress = Progress::new("lock", targets.iter().map(|(_, r)| r.registry.as_str()));
    let results = resolve_all(client, &targets, &progress, "lock");
    progress.finish();
    let mut resolved = BTreeMap::new();
    let (mut changed, mut failed) = (0, 0);
    for ((key, _), result) in targets.iter().zip(results) {
        match result {
            Ok(digest) => {
                if locked.get(key) != Some(&digest) {
                    changed += 1;
                }
                resolved.insert(key.clone(), digest);
            }
            Err(why) => {
                failed += 1;
                let kept = if locked.contains_key(key) {
                    "; the old entry is kept"
                } else {
                    ""
                };
                problems.report_once(&format!("lock: {key}: {why}{kept}"), progress.live());
            }
        }
    }
    let wrote = Lock::write_merged(&setup.lock_path, &lock_display, &resolved, &pruned)?;
    let pruned_text = if args.prune {
        format!(", {} pruned", pruned.len())
    } else {
        String::new()
    };
    let written = if wrote {
        ""
    } else {
        "; nothing changed, not written"
    };
    println!(
        "{lock_display}: {} resolved, {changed} changed, {failed} could not be resolved{pruned_text}{written}.",
        count(targets.len() - failed, "tag")
    );
    Ok(problems.exit_code(false))
}

/// The tags to resolve and their upstream references: plain `lock`
/// resolves what the lock lacks, `--update` every tag of the files and of
/// the lock (except those pruned).
fn to_resolve(
    args: &LockArgs,
    locked: &BTreeMap<String, String>,
    usage: &BTreeMap<String, Usage>,
    pruned: &BTreeSet<String>,
    problems: &mut Problems,
    lock_display: &str,
) -> BTreeMap<String, Reference> {
    let mut wanted: BTreeMap<String, Reference> = usage
        .iter()
        .filter(|(key, _)| args.update || !locked.contains_key(*key))
        .map(|(key, u)| (key.clone(), u.upstream.clone()))
        .collect();
    if !args.update {
        return wanted;
    }
    for key in locked.keys() {
        if pruned.contains(key) || wanted.contains_key(key) {
            continue;
        }
        if let Some(r) = key_reference(key, lock_display, problems) {
            wanted.insert(key.clone(), r);
        }
    }
    wanted
}

/// A lock key as the upstream reference it names; a key that is none is
/// reported.
fn key_reference(key: &str, lock_display: &str, problems: &mut Problems) -> Option<Reference> {
    Reference::parse(key)
        .map_err(|e| problems.report(&format!("{lock_display}: `{key}` is not a reference: {e}")))
        .ok()
}

/// Every upstream tag the files use, with where; sorted by lock key.
fn uses(
    setup: &Setup,
    candidates: Vec<Candidate>,
    problems: &mut Problems,
) -> BTreeMap<String, Usage> {
    let mut usage: BTreeMap<String, Usage> = BTreeMap::new();
    setup.each_entry(candidates, problems, |entry| {
        let Some(lock_use) = entry.lock else {
            return;
        };
        let place = Place {
            path: entry.path.clone(),
            line: entry.location.start.line,
            written: lock_use.written_digest,
        };
        usage
            .entry(lock_use.key)
            .or_insert_with(|| Usage {
                upstream: lock_use.upstream,
                places: Vec::new(),
            })
            .places
            .push(place);
    });
    usage
}

/// Each lock key with the reference its digest is asked for at.
fn routes(setup: &Setup, wanted: BTreeMap<String, Reference>) -> Vec<(String, Reference)> {
    wanted
        .into_iter()
        .map(|(key, upstream)| {
            let at = setup
                .ctx
                .policy
                .route(&upstream, setup.ctx.resolve_via_mirror);
            (key, at)
        })
        .collect()
}

/// Resolves many tags on a few threads; answers in input order. A digest
/// that is not one is a failure, shown as it happens on a terminal.
/// `client`: the registry client and how many lookups run at once.
fn resolve_all(
    (client, resolvers): (&Client, usize),
    targets: &[(String, Reference)],
    progress: &Progress,
    verb: &str,
) -> Vec<Result<String, String>> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new(vec![None; targets.len()]);
    let order = interleaved(targets);
    std::thread::scope(|scope| {
        for _ in 0..resolvers.min(targets.len()) {
            scope.spawn(|| loop {
                let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(&i) = order.get(n) else {
                    break;
                };
                let (key, reference) = &targets[i];
                let r = match client.resolve(reference) {
                    Ok(d) if is_digest(&d) => Ok(d),
                    Ok(d) => Err(format!(
                        "the registry answered with a malformed digest `{}`",
                        d.escape_debug()
                    )),
                    Err(e) => Err(e.to_string()),
                };
                let shown = r.as_ref().err().map(|why| format!("{verb}: {key}: {why}"));
                progress.step(verb, &reference.registry, shown.as_deref());
                if let Ok(mut all) = results.lock() {
                    all[i] = Some(r);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err("not resolved".to_string())))
        .collect()
}

/// The order to ask in: one tag of each repository in turn. The first
/// lookup of a repository learns its token while the others for it wait;
/// taken in turn, the repositories' first lookups run side by side.
fn interleaved(targets: &[(String, Reference)]) -> Vec<usize> {
    let mut by_repository: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
    for (i, (_, r)) in targets.iter().enumerate() {
        by_repository
            .entry((&r.registry, &r.repository))
            .or_default()
            .push(i);
    }
    let longest = by_repository.values().map(Vec::len).max().unwrap_or(0);
    (0..longest)
        .flat_map(|round| {
            by_repository
                .values()
                .filter_map(move |tags| tags.get(round).copied())
        })
        .collect()
}

/// Re-resolves every entry by its route: a tag that now points elsewhere
/// was re-pushed, and the files using it are named. A file pinned by one
/// platform's manifest of a locked multi-arch index is reported too.
fn lock_check(
    setup: &Setup,
    client: (&Client, usize),
    lock_display: &str,
    usage: &BTreeMap<String, Usage>,
    mut problems: Problems,
) -> u8 {
    let locked = &setup.ctx.lock.digests;
    let wanted = locked
        .keys()
        .filter_map(|key| {
            Some((
                key.clone(),
                key_reference(key, lock_display, &mut problems)?,
            ))
        })
        .collect();
    let targets = routes(setup, wanted);
    let progress = Progress::new(
        "lock --check",
        targets.iter().map(|(_, r)| r.registry.as_str()),
    );
    let results = resolve_all(client, &targets, &progress, "lock --check");
    progress.finish();
    let mut moved = 0;
    for ((key, _), result) in targets.iter().zip(results) {
        let was = &locked[key];
        match result {
            Ok(now) if now == *was => {}
            Ok(now) => {
                moved += 1;
                println!("moved: {key}: locked {was}, now {now}");
                match usage.get(key) {
                    Some(u) => {
                        for p in &u.places {
                            println!("  used at {}:{}", p.path, p.line);
                        }
                    }
                    None => println!("  used by no file (`imagelint lock --prune` drops it)"),
                }
            }
            Err(why) => {
                problems.report_once(&format!("lock --check: {key}: {why}"), progress.live())
            }
        }
    }
    let platform_pins = platform_pins(setup, client.0, usage, &mut problems);
    println!(
        "{lock_display}: {} entries, {moved} moved, {} could not be checked.",
        locked.len(),
        problems.count()
    );
    if problems.count() > 0 {
        problems.exit_code(false)
    } else if moved > 0 || platform_pins > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

/// Places pinned by a digest that is one platform's manifest of the
/// multi-arch index the lock records for their tag: they pin that
/// platform only. Returns how many.
fn platform_pins(
    setup: &Setup,
    client: &Client,
    usage: &BTreeMap<String, Usage>,
    problems: &mut Problems,
) -> usize {
    let locked = &setup.ctx.lock.digests;
    let mut found = 0;
    for (key, u) in usage {
        let Some(index) = locked.get(key) else {
            continue;
        };
        let differing: Vec<&Place> = u
            .places
            .iter()
            .filter(|p| p.written.as_ref().is_some_and(|w| w != index))
            .collect();
        if differing.is_empty() {
            continue;
        }
        let at = setup
            .ctx
            .policy
            .route(&u.upstream, setup.ctx.resolve_via_mirror);
        let platforms = match client.platforms(&at, index) {
            Ok(p) => p,
            Err(e) => {
                problems.report(&format!(
                    "lock --check: {key}: reading the index {index}: {e}"
                ));
                continue;
            }
        };
        for p in differing {
            let written = p.written.as_deref().unwrap_or_default();
            if let Some((_, platform)) = platforms.iter().find(|(d, _)| d == written) {
                found += 1;
                println!(
                    "platform: {}:{}: {key} is pinned by its {platform} manifest {written}; pin the multi-arch index {index}, which pins every platform",
                    p.path, p.line
                );
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_take_one_tag_of_each_repository_in_turn() {
        let target = |name: &str| {
            let r = Reference::parse(name).unwrap();
            (r.canonical(), r)
        };
        let targets = [
            target("a/x:1"),
            target("a/x:2"),
            target("a/x:3"),
            target("b/y:1"),
            target("quay.io/c/z:1"),
            target("quay.io/c/z:2"),
        ];
        // docker.io/a/x, docker.io/b/y, quay.io/c/z, then round two.
        assert_eq!(interleaved(&targets), [0, 3, 4, 1, 5, 2]);
    }
}
