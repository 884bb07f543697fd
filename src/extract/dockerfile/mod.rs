//! Image positions in a Dockerfile: `# syntax=`, `FROM` (global ARG defaults
//! expanded, stage aliases and `scratch` left alone), `COPY --from=` and
//! `RUN --mount=...,from=`. The lexer beside it turns the text into
//! instructions.

mod lexer;

use super::interpolate::{expand, sole_variable, Syntax, Value};
use super::{Env, Occurrence, RefText};
use crate::source::{LineIndex, Span};
use lexer::Logical;
use std::collections::{HashMap, HashSet};

const SHELL: Syntax = Syntax {
    dollar_escape: false,
};

/// Build arguments BuildKit fills in itself: unknowable from the file.
const AUTOMATIC_ARGS: &[&str] = &[
    "BUILDPLATFORM",
    "BUILDOS",
    "BUILDARCH",
    "BUILDVARIANT",
    "TARGETPLATFORM",
    "TARGETOS",
    "TARGETARCH",
    "TARGETVARIANT",
    "TARGETSTAGE",
    "BUILDKIT_SYNTAX",
];

struct Arg {
    value: Option<String>,
    /// Where the default is written, and whether it is written literally.
    span: Option<(Span, bool)>,
}

pub(crate) fn extract(text: &str, lines: &LineIndex, env: &Env) -> Vec<Occurrence> {
    let lexed = lexer::lex(text, lines);
    let mut out = Vec::new();
    for d in &lexed.directives {
        if d.name == "syntax" && !d.value.is_empty() {
            out.push(Occurrence {
                span: d.value_span,
                text: RefText::Resolved(d.value.to_string()),
                context: "# syntax= directive".into(),
                exact: true,
                helm: None,
            });
        }
    }
    let mut state = State {
        env,
        global: HashMap::new(),
        stage_args: HashMap::new(),
        stages: HashSet::new(),
        stage_count: 0,
        seen_from: false,
        out: &mut out,
    };
    for logical in &lexed.instructions {
        state.instruction(logical);
    }
    out
}

struct State<'e, 'o> {
    env: &'e Env<'e>,
    global: HashMap<String, Arg>,
    stage_args: HashMap<String, Arg>,
    /// Stage names, lowercased as BuildKit stores them.
    stages: HashSet<String>,
    /// How many stages so far (`FROM (stage N)`).
    stage_count: usize,
    seen_from: bool,
    out: &'o mut Vec<Occurrence>,
}

impl State<'_, '_> {
    fn instruction(&mut self, logical: &Logical) {
        let words = logical.words();
        let Some(&(_, keyword)) = words.first() else {
            return;
        };
        match keyword.to_ascii_uppercase().as_str() {
            "ARG" => self.arg(logical, &words[1..]),
            "FROM" => self.from(logical, &words[1..]),
            "COPY" => self.copy_from(logical, &words[1..]),
            "RUN" => self.run_mount(logical, &words[1..]),
            _ => {}
        }
    }

    fn lookup<'a>(&'a self, name: &str, in_stage: bool) -> Value<'a> {
        if in_stage {
            if let Some(arg) = self.stage_args.get(name) {
                if let Some(v) = &arg.value {
                    return Value::Set(v);
                }
            }
        }
        if let Some(arg) = self.global.get(name) {
            if let Some(v) = &arg.value {
                return Value::Set(v);
            }
        }
        if let Some(v) = self.env.variables.get(name) {
            return Value::Set(v);
        }
        if AUTOMATIC_ARGS.contains(&name) {
            return Value::Unknown;
        }
        Value::Unset
    }

    fn arg(&mut self, logical: &Logical, words: &[(usize, &str)]) {
        for &(at, word) in words {
            let (name, default) = match word.split_once('=') {
                Some((name, value)) => (name, Some((at + name.len() + 1, value))),
                None => (word, None),
            };
            let arg = match default {
                None => Arg {
                    value: None,
                    span: None,
                },
                Some((vat, raw)) => {
                    let (vat, inner) = unquote(vat, raw);
                    let span = logical.span(vat, vat + inner.len());
                    let value = expand(inner, &SHELL, &|n| self.lookup(n, self.seen_from)).ok();
                    let literal = !inner.contains('$');
                    Arg {
                        value,
                        span: Some((span, literal)),
                    }
                }
            };
            if self.seen_from {
                // A stage ARG without a default takes the global value.
                let arg = match (arg.value.is_none(), self.global.get(name)) {
                    (true, Some(global)) => Arg {
                        value: global.value.clone(),
                        span: global.span,
                    },
                    _ => arg,
                };
                self.stage_args.insert(name.to_string(), arg);
            } else {
                self.global.insert(name.to_string(), arg);
            }
        }
    }

    fn from(&mut self, logical: &Logical, words: &[(usize, &str)]) {
        self.seen_from = true;
        self.stage_args.clear();
        let mut rest = words.iter().skip_while(|(_, w)| w.starts_with("--"));
        let Some(&(at, word)) = rest.next() else {
            return;
        };
        let alias = match (rest.next(), rest.next()) {
            (Some((_, kw)), Some((_, name))) if kw.eq_ignore_ascii_case("as") => {
                Some(name.to_ascii_lowercase())
            }
            _ => None,
        };
        let context = match &alias {
            Some(a) => format!("FROM (stage {a})"),
            None => format!("FROM (stage {})", self.stage_count),
        };
        self.reference(logical, at, word, context, false, |s, t| {
            // Stage lookup in FROM is exact-case against lowercased names.
            t == "scratch" || s.stages.contains(t)
        });
        self.stages.insert(alias.unwrap_or_default());
        self.stage_count += 1;
    }

    fn copy_from(&mut self, logical: &Logical, words: &[(usize, &str)]) {
        for &(at, word) in words.iter().take_while(|(_, w)| w.starts_with("--")) {
            let Some(value) = word.strip_prefix("--from=") else {
                continue;
            };
            let vat = at + "--from=".len();
            let (vat, value) = unquote(vat, value);
            if value.contains('$') {
                self.out.push(Occurrence {
                    span: logical.span(vat, vat + value.len()),
                    text: RefText::Unresolved(
                        "BuildKit does not expand variables in `COPY --from`".into(),
                    ),
                    context: "COPY --from".into(),
                    exact: false,
                    helm: None,
                });
                continue;
            }
            self.reference(logical, vat, value, "COPY --from".into(), true, |s, t| {
                // COPY --from takes a stage name in any case, or an index.
                let lower = t.to_ascii_lowercase();
                t.bytes().all(|b| b.is_ascii_digit()) || s.stages.contains(&lower)
            });
        }
    }

    fn run_mount(&mut self, logical: &Logical, words: &[(usize, &str)]) {
        for &(at, word) in words.iter().take_while(|(_, w)| w.starts_with("--")) {
            let Some(options) = word.strip_prefix("--mount=") else {
                continue;
            };
            let mut offset = at + "--mount=".len();
            for option in options.split(',') {
                if let Some(value) = option.strip_prefix("from=") {
                    let vat = offset + "from=".len();
                    let (vat, value) = unquote(vat, value);
                    self.reference(
                        logical,
                        vat,
                        value,
                        "RUN --mount from=".into(),
                        true,
                        |s, t| {
                            let lower = t.to_ascii_lowercase();
                            t.bytes().all(|b| b.is_ascii_digit()) || s.stages.contains(&lower)
                        },
                    );
                }
                offset += option.len() + 1;
            }
        }
    }

    /// Records the reference written at `at` in the instruction, resolving
    /// variables; `not_image` says which resolved names are stages.
    /// `in_stage`: a `--from` flag of an instruction in a stage, not `FROM`.
    fn reference(
        &mut self,
        logical: &Logical,
        at: usize,
        word: &str,
        context: String,
        in_stage: bool,
        not_image: impl Fn(&Self, &str) -> bool,
    ) {
        let word_span = logical.span(at, at + word.len());
        let resolved = expand(word, &SHELL, &|n| self.lookup(n, in_stage));
        let text = match resolved {
            Ok(t) if t.is_empty() => {
                return self.out.push(Occurrence {
                    span: word_span,
                    text: RefText::Unresolved(format!("`{word}` expands to an empty name")),
                    context,
                    exact: false,
                    helm: None,
                })
            }
            Ok(t) => t,
            Err(u) => {
                return self.out.push(Occurrence {
                    span: word_span,
                    text: RefText::Unresolved(format!(
                        "`${}` has no value here; give it an ARG default or a value in [variables]",
                        u.variable
                    )),
                    context,
                    exact: false,
                    helm: None,
                })
            }
        };
        if not_image(self, &text) || self.env.build_contexts.contains(&text) {
            return;
        }
        // Inside a stage the name is a `--from` flag, which also takes a
        // build context (`--build-context binary_dir=./bin`). A bare name
        // could be either: never guess it is Docker Hub's image.
        if in_stage && !text.contains([':', '@', '/']) {
            return self.out.push(Occurrence {
                span: word_span,
                text: RefText::MaybeBuildContext(text),
                context,
                exact: false,
                helm: None,
            });
        }
        // `FROM ${BASE}`: the text is written at the ARG default, and that is
        // where a fix goes.
        if let Some(name) = sole_variable(word) {
            let arg = in_stage
                .then(|| self.stage_args.get(name))
                .flatten()
                .or_else(|| self.global.get(name));
            if let Some(Arg {
                span: Some((span, literal)),
                ..
            }) = arg
            {
                return self.out.push(Occurrence {
                    span: *span,
                    text: RefText::Resolved(text),
                    context: format!("ARG {name} (used by {})", context),
                    exact: *literal,
                    helm: None,
                });
            }
        }
        let exact = !word.contains('$') && !logical.text[at..at + word.len()].contains(' ');
        self.out.push(Occurrence {
            span: word_span,
            text: RefText::Resolved(text),
            context,
            exact,
            helm: None,
        });
    }
}

/// Strips one pair of matching quotes, moving the offset past the opening one.
fn unquote(at: usize, value: &str) -> (usize, &str) {
    for q in ['"', '\''] {
        if value.len() >= 2 && value.starts_with(q) && value.ends_with(q) {
            return (at + 1, &value[1..value.len() - 1]);
        }
    }
    (at, value)
}
