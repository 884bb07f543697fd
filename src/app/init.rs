//! `imagelint init`: a starter `.imagelint.toml` for the tree, with the
//! registries its files pull from and a comment on every key.

use super::errors::{Error, Problems, EXIT_OK};
use super::settings::{Setup, Wants};
use crate::cli::InitArgs;
use crate::engine::{self, FixMode, HandOver, Job, Piece};
use crate::words::{count, count_as};
use std::collections::BTreeMap;
use std::fmt::Write as _;

pub(super) fn init(args: &InitArgs) -> Result<u8, Error> {
    if args.output.exists() && !args.force {
        return Err(Error::Usage(format!(
            "{} exists; pass --force to replace it",
            args.output.display()
        )));
    }
    let setup = Setup::new(&args.common, &Wants::every_reference())?;
    let mut problems = Problems::default();
    let candidates = setup.reported_candidates(&args.common, &mut problems);
    let job = Job {
        ctx: &setup.ctx,
        nested: &crate::engine::Nearer::default(),
        fix: FixMode::Off,
        reporters: &[],
        hand_over: HandOver::Everything,
    };
    // Where each registry is pulled from: the upstream of a mirrored
    // reference, the registry of any other.
    let mut registries: BTreeMap<String, usize> = BTreeMap::new();
    let (mut files, mut references) = (0, 0);
    engine::run(candidates, &job, setup.threads, |piece| match piece {
        Piece::Part(part) => {
            for entry in &part.analysis.entries {
                references += 1;
                if let Some(image) = &entry.image {
                    *registries.entry(image.registry.clone()).or_default() += 1;
                }
            }
        }
        Piece::End(end) => {
            files += usize::from(end.kind.is_some());
            if let Some(e) = &end.error {
                problems.report(e);
            }
        }
    });
    let text = starter(&registries, files, references);
    crate::atomic::write_new_atomic(&args.output, text.as_bytes()).map_err(|e| Error::Setting {
        path: Some(args.output.display().to_string()),
        message: format!("cannot write: {e}"),
    })?;
    println!(
        "Wrote {}: {} from {} in {}. Fill in [mirrors], then run `imagelint check`.",
        args.output.display(),
        count_as(registries.len(), "registry", "registries"),
        count(references, "image reference"),
        count(files, "file")
    );
    Ok(if problems.none() {
        EXIT_OK
    } else {
        problems.exit_code(false)
    })
}

fn starter(registries: &BTreeMap<String, usize>, files: usize, references: usize) -> String {
    let mut out = format!(
        "#:schema https://raw.githubusercontent.com/imagelint/imagelint/v{}/docs/imagelint.schema.json\n",
        env!("CARGO_PKG_VERSION")
    );
    let _ = writeln!(
        out,
        "# imagelint's configuration, written by `imagelint init` from {} in {}.\n\
         # `imagelint check --show-settings` shows what is in force and where it comes from.\n",
        count(references, "image reference"),
        count(files, "file")
    );
    out.push_str(
        "# Registries images may come from (a host, or a host/path prefix; globs\n\
         # allowed); a reference elsewhere is `disallowed-registry`. These are the\n\
         # registries the files pull from today: remove the ones you mean to stop.\n",
    );
    if registries.is_empty() {
        out.push_str("# allowed-registries = [\"registry.corp.example\"]\n");
    } else {
        out.push_str("allowed-registries = [\n");
        let width = registries.keys().map(|r| r.len() + 3).max().unwrap_or(0);
        for (registry, n) in registries {
            let quoted = format!("\"{registry}\",");
            let _ = writeln!(out, "    {quoted:<width$} # {}", count(*n, "reference"));
        }
        out.push_str("]\n");
    }
    out.push_str(
        "\n# The least severity that makes `imagelint check` exit 1: error, warning,\n\
         # info or never.\n\
         fail-on = \"warning\"\n\
         \n\
         # Upstream registry = the prefix your mirror serves it under. With a mirror\n\
         # set, `imagelint check --fix` rewrites references to pull through it.\n\
         [mirrors]\n",
    );
    for registry in registries.keys() {
        let _ = writeln!(
            out,
            "# \"{registry}\" = \"registry.corp.example/{}\"",
            mirror_name(registry)
        );
    }
    if registries.is_empty() {
        out.push_str("# \"docker.io\" = \"registry.corp.example/dockerhub\"\n");
    }
    out.push_str(
        "\n# Severity per rule: error, warning, info or off (`imagelint rules` lists\n\
         # them, `imagelint explain RULE` says why each matters).\n\
         [rules]\n\
         # missing-digest = \"info\"\n\
         \n\
         [files]\n\
         # Globs of paths never read, from this file's folder.\n\
         exclude = []\n",
    );
    out
}

/// A mirror folder name for a registry: `docker.io` is `dockerhub`, others
/// their first label (`ghcr`, `quay`, `localhost`).
fn mirror_name(registry: &str) -> &str {
    match registry {
        "docker.io" => "dockerhub",
        other => other.split(['.', ':']).next().unwrap_or(other),
    }
}
