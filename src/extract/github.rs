//! GitHub Actions: job containers and service containers, `docker://` steps,
//! and `runs.image` in `action.yml`. `${{ matrix.x }}` resolves to each
//! literal matrix value; other expressions are unknowable.

use super::yaml::NodeId;
use super::{Env, Occurrence, RefText, Sink};
use crate::source::Span;
use regex::Regex;
use std::sync::OnceLock;

const SCHEME: &str = "docker://";

fn expression_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\$\{\{\s*(.*?)\s*\}\}").unwrap())
}

pub(crate) fn extract(sink: &mut Sink, _env: &Env) {
    let y = sink.yaml;
    for root in y.documents.clone() {
        if !y.is_map(root) {
            continue;
        }
        if let Some(jobs) = y.get(root, "jobs") {
            for (name, job) in y.entries(jobs) {
                if !y.is_map(job) {
                    continue;
                }
                let matrix = y.path(job, &["strategy", "matrix"]);
                if let Some(c) = y.get(job, "container") {
                    let node = if y.is_map(c) {
                        y.get(c, "image")
                    } else {
                        Some(c)
                    };
                    if let Some(node) = node {
                        image(sink, node, matrix, format!("job {name}: container"), false);
                    }
                }
                if let Some(services) = y.get(job, "services") {
                    for (svc, def) in y.entries(services) {
                        let node = if y.is_map(def) {
                            y.get(def, "image")
                        } else {
                            Some(def)
                        };
                        if let Some(node) = node {
                            image(
                                sink,
                                node,
                                matrix,
                                format!("job {name}: services.{svc}"),
                                false,
                            );
                        }
                    }
                }
                if let Some(steps) = y.get(job, "steps") {
                    steps_uses(sink, steps, matrix, &format!("job {name}"));
                }
            }
        }
        if let Some(runs) = y.get(root, "runs") {
            if let Some(node) = y.get(runs, "image") {
                if y.str(node).is_some_and(|s| s.starts_with(SCHEME)) {
                    image(sink, node, None, "runs.image".into(), true);
                }
            }
            if let Some(steps) = y.get(runs, "steps") {
                steps_uses(sink, steps, None, "runs");
            }
        }
    }
}

fn steps_uses(sink: &mut Sink, steps: NodeId, matrix: Option<NodeId>, owner: &str) {
    let y = sink.yaml;
    let Some(items) = y.seq(steps) else {
        return;
    };
    for (i, step) in items.iter().enumerate() {
        if let Some(uses) = y.get(*step, "uses") {
            if y.str(uses).is_some_and(|s| s.starts_with(SCHEME)) {
                image(
                    sink,
                    uses,
                    matrix,
                    format!("{owner}: steps[{i}].uses"),
                    true,
                );
            }
        }
    }
}

fn image(sink: &mut Sink, node: NodeId, matrix: Option<NodeId>, context: String, scheme: bool) {
    let y = sink.yaml;
    let Some(s) = y.scalar(node) else {
        return;
    };
    let Some(value) = y.str(node) else {
        return;
    };
    let skip = if scheme { SCHEME.len() } else { 0 };
    let raw = value[skip.min(value.len())..].to_string();
    // The span starts after the scheme, when the scheme is written as is.
    let span = if s.exact {
        Span::new(s.span.start + skip, s.span.end)
    } else {
        s.span
    };
    if raw.is_empty() {
        return;
    }
    if !raw.contains("${{") {
        sink.out.push(Occurrence {
            span,
            text: RefText::Resolved(raw),
            context,
            exact: s.exact,
            helm: None,
        });
        return;
    }
    // `${{ matrix.image }}` alone: each literal value is written in the
    // matrix, and reported there.
    let expressions: Vec<(String, String)> = expression_re()
        .captures_iter(&raw)
        .map(|c| (c[0].to_string(), c[1].to_string()))
        .collect();
    let matrix_key = |expr: &str| expr.strip_prefix("matrix.").map(str::to_string);
    if let ([(whole, expr)], Some(matrix)) = (&expressions[..], matrix) {
        if let Some(key) = matrix_key(expr) {
            let values = matrix_values(sink, matrix, &key);
            if !values.is_empty() {
                for v in values {
                    let Some(text) = y.str(v).map(|t| raw.replace(whole, t)) else {
                        continue;
                    };
                    if *whole == raw {
                        sink.literal(v, format!("{context} (strategy.matrix.{key})"));
                    } else {
                        sink.out.push(Occurrence {
                            span,
                            text: RefText::Resolved(text),
                            context: format!("{context} (strategy.matrix.{key})"),
                            exact: false,
                            helm: None,
                        });
                    }
                }
                return;
            }
        }
    }
    let what = expressions.first().map_or(raw.clone(), |(w, _)| w.clone());
    sink.out.push(Occurrence {
        span,
        text: RefText::Unresolved(format!("`{what}` is only known when the workflow runs")),
        context,
        exact: false,
        helm: None,
    });
}

/// The literal values of `strategy.matrix.<key>`, from its list and from
/// `include:` entries. Empty when the matrix is itself an expression.
fn matrix_values(sink: &Sink, matrix: NodeId, key: &str) -> Vec<NodeId> {
    let y = sink.yaml;
    let mut values = Vec::new();
    if let Some(list) = y.get(matrix, key) {
        match y.seq(list) {
            Some(items) => values.extend(
                items
                    .iter()
                    .copied()
                    .filter(|i| y.str(*i).is_some_and(|s| !s.contains("${{"))),
            ),
            None => return Vec::new(),
        }
    }
    if let Some(include) = y.get(matrix, "include").and_then(|i| y.seq(i)) {
        for entry in include {
            if let Some(v) = y.get(*entry, key) {
                if y.str(v).is_some_and(|s| !s.contains("${{")) {
                    values.push(v);
                }
            }
        }
    }
    values
}
