//! `imagelint lock` and `lock --check`: the only commands that use the
//! network.

use super::errors::{print, Error, Problems, EXIT_ERROR, EXIT_FINDINGS, EXIT_OK};
use super::settings::{Setup, Wants};
use crate::cli::LockArgs;
use crate::discover::paths::display_path;
use crate::discover::record::Candidate;
use crate::engine::{self, FixMode, Job, Piece};
use crate::image::reference::Reference;
use crate::lock::registry::{Client, ResolveError};
use crate::lock::Lock;
use std::collections::BTreeMap;
use std::time::Duration;

/// Resolves many references on a few threads; answers in input order.
fn resolve_all(
    client: &Client,
    targets: &[(String, Reference)],
) -> Vec<Result<String, ResolveError>> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new(vec![None; targets.len()]);
    std::thread::scope(|scope| {
        for _ in 0..4.min(targets.len()) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some((_, reference)) = targets.get(i) else {
                    break;
                };
                let r = client.resolve(reference);
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
        .map(|r| r.unwrap_or(Err(ResolveError::Other("not resolved".into()))))
        .collect()
}

pub(super) fn lock(args: &LockArgs) -> Result<u8, Error> {
    let setup = Setup::new(&args.common, &Wants::every_reference())?;
    let client = Client::new(&setup.insecure, Duration::from_secs(args.timeout))?;
    // The lock file is written through a temporary file.
    crate::atomic::clean_up_on_signals();
    let lock_display = display_path(&setup.lock_path, &setup.cwd);
    if args.check {
        return lock_check(&setup, &client, &lock_display);
    }
    let (candidates, walk_errors) = setup.candidates(&args.common.paths, args.common.no_ignore);
    let mut problems = Problems::default();
    let targets = lock_targets(&setup, &candidates, &mut problems);
    let results = resolve_all(&client, &targets);
    let locked = &setup.ctx.lock.digests;
    let mut resolved = BTreeMap::new();
    let (mut changed, mut failed) = (0, 0);
    let mut errors: Vec<String> = Vec::new();
    for ((key, _), result) in targets.iter().zip(results) {
        match result {
            Ok(digest) if crate::lock::is_digest(&digest) => {
                if locked.get(key) != Some(&digest) {
                    changed += 1;
                }
                resolved.insert(key.clone(), digest);
            }
            Ok(digest) => {
                failed += 1;
                errors.push(format!(
                    "lock: {key}: the registry answered with a malformed digest `{}`",
                    digest.escape_debug()
                ));
            }
            Err(e) => {
                failed += 1;
                let kept = if locked.contains_key(key) {
                    "; the old entry is kept"
                } else {
                    ""
                };
                errors.push(format!("lock: {key}: {e}{kept}"));
            }
        }
    }
    Lock::write_merged(&setup.lock_path, &lock_display, &resolved)?;
    for e in &walk_errors {
        problems.report(e);
    }
    for e in &errors {
        problems.report(e);
    }
    println!(
        "{lock_display}: {} tags resolved, {changed} changed, {failed} could not be resolved.",
        targets.len() - failed
    );
    Ok(problems.exit_code(false))
}

/// The unpinned references of the files, one per lock key, sorted.
fn lock_targets(
    setup: &Setup,
    candidates: &[Candidate],
    problems: &mut Problems,
) -> Vec<(String, Reference)> {
    let mut targets: BTreeMap<String, Reference> = BTreeMap::new();
    let job = Job {
        ctx: &setup.ctx,
        fix: FixMode::Off,
        reporters: &[],
    };
    engine::run(candidates, &job, setup.threads, |piece| match piece {
        Piece::Part(part) => {
            for entry in part.analysis.entries {
                if let Some((key, reference)) = entry.lock {
                    targets.entry(key).or_insert(reference);
                }
            }
        }
        Piece::End(end) => {
            if let Some(e) = &end.error {
                problems.report(e);
            }
        }
    });
    targets.into_iter().collect()
}

/// Re-resolves every entry; a tag that now points elsewhere was re-pushed.
fn lock_check(setup: &Setup, client: &Client, lock_display: &str) -> Result<u8, Error> {
    let mut targets = Vec::new();
    let mut failed = 0;
    for key in setup.ctx.lock.digests.keys() {
        match Reference::parse(key) {
            Ok(r) => targets.push((key.clone(), r)),
            Err(e) => {
                print(&format!("{lock_display}: `{key}` is not a reference: {e}"));
                failed += 1;
            }
        }
    }
    let results = resolve_all(client, &targets);
    let mut moved = 0;
    for ((key, _), result) in targets.iter().zip(results) {
        let locked = &setup.ctx.lock.digests[key];
        match result {
            Ok(now) if now == *locked => {}
            Ok(now) if !crate::lock::is_digest(&now) => {
                failed += 1;
                print(&format!(
                    "lock --check: {key}: the registry answered with a malformed digest `{}`",
                    now.escape_debug()
                ));
            }
            Ok(now) => {
                moved += 1;
                println!("moved: {key}: locked {locked}, now {now}");
            }
            Err(e) => {
                failed += 1;
                print(&format!("lock --check: {key}: {e}"));
            }
        }
    }
    println!(
        "{lock_display}: {} entries, {moved} moved, {failed} could not be checked.",
        setup.ctx.lock.digests.len()
    );
    Ok(if failed > 0 {
        EXIT_ERROR
    } else if moved > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    })
}
