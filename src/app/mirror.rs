//! `imagelint mirror plan` and `mirror check`: what the mirrors must hold,
//! for the tools that copy it there, and whether they hold it.

use super::errors::{print, Error, Problems, EXIT_FINDINGS, EXIT_OK};
use super::settings::{Setup, Wants};
use crate::cli::{MirrorCheckArgs, MirrorCommand, MirrorPlanArgs, PlanFormat};
use crate::discover::record::Candidate;
use crate::image::reference::Reference;
use crate::lock::registry::{plain_http, Client};
use crate::mirror::{write, Plan};
use crate::words::{count, count_as};
use std::fmt::Write as _;
use std::time::Duration;

pub(super) fn mirror(command: &MirrorCommand) -> Result<u8, Error> {
    match command {
        MirrorCommand::Plan(args) => plan(args),
        MirrorCommand::Check(args) => check(args),
    }
}

fn plan(args: &MirrorPlanArgs) -> Result<u8, Error> {
    let setup = Setup::new(&args.common, &Wants::every_reference())?;
    let mut problems = Problems::default();
    let candidates = setup.reported_candidates(&args.common, &mut problems);
    let plan = collect(&setup, candidates, &mut problems);
    let without_tls = |registry: &str| plain_http(registry, &setup.insecure);
    let unlocked: usize = plan.images.values().map(|w| w.unlocked.len()).sum();
    if unlocked > 0 {
        // A note, not a failure: the tags are still planned.
        print(&format!(
            "mirror plan: {} no digest in the files or the lock and planned by tag only (run `imagelint lock`)",
            count_as(unlocked, "tag has", "tags have")
        ));
    }
    let documents: Vec<(String, String)> = match args.format {
        PlanFormat::Skopeo => write::skopeo(&plan, &without_tls),
        PlanFormat::Crane => vec![("crane.sh".into(), write::crane(&plan))],
        PlanFormat::Regsync => vec![("regsync.yaml".into(), write::regsync(&plan))],
    };
    match (&args.output, args.format) {
        (None, PlanFormat::Skopeo) if documents.len() > 1 => {
            problems.report(&format!(
                "mirror plan: the images go to {} destination folders, one `skopeo sync` each; pass `--output DIR` to write a file per folder",
                documents.len()
            ));
        }
        (None, _) => {
            for (_, text) in &documents {
                print!("{text}");
            }
        }
        (Some(dir), format) => write_out(dir, format, &documents, &setup, &mut problems),
    }
    Ok(problems.exit_code(false))
}

/// Writes the plan into `dir`: each document, and for skopeo a `sync.sh`
/// running one `skopeo sync` per destination folder (also printed).
fn write_out(
    dir: &std::path::Path,
    format: PlanFormat,
    documents: &[(String, String)],
    setup: &Setup,
    problems: &mut Problems,
) {
    let shown = crate::discover::paths::display_path(dir, &setup.cwd);
    if let Err(e) = std::fs::create_dir_all(dir) {
        problems.report(&format!("{shown}: cannot create: {e}"));
        return;
    }
    let mut files = Vec::new();
    let mut commands = String::new();
    for (i, (name, text)) in documents.iter().enumerate() {
        let file = match format {
            PlanFormat::Skopeo => {
                let file = format!("{:02}-{}.yaml", i + 1, file_part(name));
                // A loopback or insecure mirror is reached without TLS.
                let host = name.split('/').next().unwrap_or(name);
                let tls = if plain_http(host, &setup.insecure) {
                    " --dest-tls-verify=false"
                } else {
                    ""
                };
                let _ = writeln!(
                    commands,
                    "skopeo sync --all --src yaml --dest docker{tls} {file} '{name}'"
                );
                file
            }
            _ => name.clone(),
        };
        files.push((file, text.clone()));
    }
    if format == PlanFormat::Skopeo {
        print!("{commands}");
        let script = format!(
            "#!/bin/sh\n# imagelint mirror plan: one skopeo sync per destination folder.\nset -eu\ncd \"$(dirname \"$0\")\"\n{commands}"
        );
        files.push(("sync.sh".into(), script));
    }
    for (file, text) in files {
        if let Err(e) = crate::atomic::write_new_atomic(&dir.join(&file), text.as_bytes()) {
            problems.report(&format!("{shown}/{file}: cannot write: {e}"));
        }
    }
}

/// A destination folder as part of a file name.
fn file_part(destination: &str) -> String {
    destination
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Every reference written under a mirror prefix, with the digest the file
/// pins or the lock records for its upstream tag.
fn collect(setup: &Setup, candidates: Vec<Candidate>, problems: &mut Problems) -> Plan {
    let mut plan = Plan::default();
    setup.each_entry(candidates, problems, |entry| {
        // Under a mirror prefix: GitLab's dependency proxy is
        // GitLab's to fill.
        let Some(info) = entry.image.as_deref() else {
            return;
        };
        let upstream = match (&info.upstream, info.registry.starts_with('$')) {
            (Some(u), false) => Reference::parse(u),
            _ => return,
        };
        let Ok(mut upstream) = upstream else {
            return;
        };
        let mirrored = Reference {
            registry: info.registry.clone(),
            repository: info.repository.clone(),
            ..Reference::default()
        };
        // Pinned in the file (with or without a tag), else locked.
        let locked = upstream
            .tag
            .as_ref()
            .and_then(|_| setup.ctx.lock.digest(&upstream.lock_key()));
        let digest = upstream.digest.take();
        let digest = digest.as_deref().or(locked);
        let place = format!("{}:{}", entry.path, entry.location.start.line);
        plan.add(&mirrored, &upstream, digest, place);
    });
    plan
}

/// Asks each mirror for every planned digest (`HEAD` by digest).
fn check(args: &MirrorCheckArgs) -> Result<u8, Error> {
    let setup = Setup::new(&args.common, &Wants::every_reference())?;
    let client = Client::new(&setup.insecure, Duration::from_secs(args.timeout))?;
    let mut problems = Problems::default();
    let candidates = setup.reported_candidates(&args.common, &mut problems);
    let plan = collect(&setup, candidates, &mut problems);
    let (mut present, mut missing, mut unlocked) = (0, 0, 0);
    for w in plan.images.values() {
        unlocked += w.unlocked.len();
        for d in &w.digests {
            match client.has_manifest(&w.mirrored, d) {
                Ok(true) => present += 1,
                Ok(false) => {
                    missing += 1;
                    println!(
                        "missing: {}@{d} (from {}; used at {})",
                        w.mirrored.name(),
                        w.upstream.name(),
                        w.places.join(", ")
                    );
                }
                Err(e) => problems.report(&format!("mirror check: {}@{d}: {e}", w.mirrored.name())),
            }
        }
    }
    let unlocked_text = if unlocked > 0 {
        format!(
            "; {} no digest to check (run `imagelint lock`)",
            count_as(unlocked, "tag has", "tags have")
        )
    } else {
        String::new()
    };
    println!(
        "mirror check: {} present, {missing} missing{unlocked_text}.",
        count(present, "digest")
    );
    Ok(if !problems.none() {
        problems.exit_code(false)
    } else if missing > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    })
}
