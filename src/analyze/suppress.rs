//! Inline suppression: `# imagelint: ignore` or `# imagelint: ignore[a, b]`,
//! optionally with a reason after `--`, on the reference's line or alone on
//! the line above. A Dockerfile comment only starts a line (BuildKit reads a
//! `#` after an instruction as part of it), so there a trailing directive
//! silences nothing and is reported.
//!
//! Each directive remembers which of its rules it silenced, so the ones
//! that silenced nothing are reported (`unused-suppression`, ruff's RUF100),
//! as are rule ids no rule has and, when the config asks, missing reasons
//! (`invalid-suppression`).

use crate::kinds::FileKind;
use crate::source::Span;

const MARKER: &str = "imagelint:";
pub const UNUSED: &str = "unused-suppression";
pub const INVALID: &str = "invalid-suppression";

/// Whether a rule id is about suppression comments rather than references:
/// a fix never adds or removes such findings on purpose, so they are left
/// out when a fix is checked.
pub fn is_about_suppressions(rule: &str) -> bool {
    rule == UNUSED || rule == INVALID
}

struct Directive {
    /// 0-based line whose references it silences.
    line: usize,
    /// `imagelint: ignore[...]` as written, without the reason.
    span: Span,
    /// The rule ids with their spans and whether each silenced something;
    /// empty: every rule.
    rules: Vec<(String, Span, bool)>,
    /// A blanket directive silenced something.
    used: bool,
    has_reason: bool,
    /// Written where the format has no comment (after a Dockerfile
    /// instruction): it silences nothing.
    inert: bool,
}

/// A problem with one directive, for the rule named.
pub struct Problem {
    pub rule: &'static str,
    pub span: Span,
    /// The cause, then `; ` and what to do.
    pub detail: String,
}

/// What the suppression rules need to know of the rules in force.
pub struct Known<'a> {
    /// Every rule id there is (built-in and custom, on or off).
    pub all: &'a [String],
    /// The ids of the rules in force this run.
    pub in_force: &'a [&'a str],
    pub require_reason: bool,
}

pub struct Suppressions {
    directives: Vec<Directive>,
    /// Directives before this one have been reported on.
    reported: usize,
}

impl Suppressions {
    pub fn scan(text: &str, kind: FileKind) -> Suppressions {
        let mut directives = Vec::new();
        if text.contains(MARKER) {
            let mut start = 0;
            for (line, l) in text.split_inclusive('\n').enumerate() {
                if let Some(d) = directive(l, start, line, kind) {
                    directives.push(d);
                }
                start += l.len();
            }
        }
        Suppressions {
            directives,
            reported: 0,
        }
    }

    /// Whether `rule` is silenced for a reference on 0-based `line`; the
    /// directives that silence it are marked used.
    pub fn covers(&mut self, line: usize, rule: &str) -> bool {
        let mut covered = false;
        for d in self
            .directives
            .iter_mut()
            .filter(|d| d.line == line && !d.inert)
        {
            if d.rules.is_empty() {
                d.used = true;
                covered = true;
            }
            for (id, _, used) in &mut d.rules {
                if id == rule {
                    *used = true;
                    covered = true;
                }
            }
        }
        covered
    }

    /// The problems of the directives that speak for lines before
    /// `before_line` (every one left with `None`): their use is settled
    /// once the analysis has passed their line. In source order.
    pub fn settled(&mut self, before_line: Option<usize>, known: &Known) -> Vec<Problem> {
        let end = match before_line {
            Some(limit) => {
                self.reported
                    + self.directives[self.reported..]
                        .iter()
                        .take_while(|d| d.line < limit)
                        .count()
            }
            None => self.directives.len(),
        };
        let mut problems = Vec::new();
        for d in &self.directives[self.reported..end] {
            d.problems(known, &mut problems);
        }
        self.reported = end;
        problems
    }
}

impl Directive {
    fn problems(&self, known: &Known, out: &mut Vec<Problem>) {
        if self.inert {
            out.push(Problem {
                rule: INVALID,
                span: self.span,
                detail:
                    "a Dockerfile comment must start its line: BuildKit reads this one as part of \
                         the instruction, and it silences nothing; put the directive on its own \
                         line above the instruction"
                        .to_string(),
            });
            return;
        }
        for (id, span, _) in &self.rules {
            if known.all.iter().any(|k| k == id) {
                continue;
            }
            let advice = match nearest(id, known.all) {
                Some(near) => format!("did you mean `{near}`?"),
                None => "`imagelint rules` lists the rule ids".to_string(),
            };
            out.push(Problem {
                rule: INVALID,
                span: *span,
                detail: format!(
                    "no rule is called `{id}`, so this silences nothing for it; {advice}"
                ),
            });
        }
        if known.require_reason && !self.has_reason {
            out.push(Problem {
                rule: INVALID,
                span: self.span,
                detail: "this suppression gives no reason, and the config requires one \
                         (`require-suppression-reason`); write it after `--`: \
                         `# imagelint: ignore[rule] -- why`"
                    .to_string(),
            });
        }
        let line = self.line + 1;
        if self.rules.is_empty() {
            if !self.used {
                out.push(Problem {
                    rule: UNUSED,
                    span: self.span,
                    detail: format!("nothing on line {line} is reported, so this suppression silences nothing; remove it"),
                });
            }
            return;
        }
        for (id, span, used) in &self.rules {
            if !used && known.in_force.contains(&id.as_str()) {
                out.push(Problem {
                    rule: UNUSED,
                    span: *span,
                    detail: format!("`{id}` reports nothing on line {line}, so this silences nothing; remove `{id}` from the directive"),
                });
            }
        }
    }
}

/// The directive in line `l` (starting at byte `start` of the text), if any.
fn directive(l: &str, start: usize, line: usize, kind: FileKind) -> Option<Directive> {
    let hash = l.find('#')?;
    let at = hash + 1 + l[hash + 1..].find(MARKER)?;
    let after_marker = at + MARKER.len();
    let rest = &l[after_marker..];
    let ignore_at = after_marker + (rest.len() - rest.trim_start().len());
    let rest = l[ignore_at..].strip_prefix("ignore")?;
    let mut end = ignore_at + "ignore".len();
    let mut rules = Vec::new();
    if let Some(list) = rest.strip_prefix('[') {
        let close = list.find(']')?;
        let mut offset = end + 1;
        for item in list[..close].split(',') {
            let id = item.trim();
            if !id.is_empty() {
                let id_start = start + offset + (item.len() - item.trim_start().len());
                rules.push((
                    id.to_string(),
                    Span::new(id_start, id_start + id.len()),
                    false,
                ));
            }
            offset += item.len() + 1;
        }
        end += 1 + close + 1;
    } else if !(rest.trim().is_empty() || rest.starts_with(char::is_whitespace)) {
        // `ignored`, `ignore-this`: not a directive.
        return None;
    }
    let reason = l[end..].trim();
    let has_reason = reason
        .strip_prefix("--")
        .is_some_and(|r| !r.trim().is_empty());
    // A comment alone on its line speaks for the next line; one after code
    // speaks for its own line.
    let own_line = l[..hash].trim().is_empty();
    Some(Directive {
        line: if own_line { line + 1 } else { line },
        span: Span::new(start + at, start + end),
        rules,
        used: false,
        has_reason,
        inert: !own_line && kind == FileKind::Dockerfile,
    })
}

/// The known id nearest to a mistyped one, if it is near enough to be meant.
fn nearest<'a>(id: &str, known: &'a [String]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(id, k), k))
        .filter(|(d, k)| *d <= 3.max(k.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [&str; 2] = ["mutable-tag", "implicit-docker-hub"];

    fn known<'a>(all: &'a [String], in_force: &'a [&'a str], require_reason: bool) -> Known<'a> {
        Known {
            all,
            in_force,
            require_reason,
        }
    }

    #[test]
    fn same_line_and_line_above() {
        let text = "a: x # imagelint: ignore[mutable-tag]\nb: w\n# imagelint: ignore\nb: y\nc: z\n";
        let mut s = Suppressions::scan(text, FileKind::Compose);
        assert!(s.covers(0, "mutable-tag"));
        assert!(!s.covers(0, "floating-tag"));
        assert!(
            !s.covers(1, "mutable-tag"),
            "a trailing comment stays on its line"
        );
        assert!(s.covers(3, "anything"));
        assert!(!s.covers(4, "anything"));
    }

    #[test]
    fn unused_unknown_and_reasons_are_reported_at_their_bytes() {
        let text = "# imagelint: ignore[implicit-dockerhub, mutable-tag] -- vendor image\nimage: x\n# imagelint: ignore\nother: y\n";
        let all: Vec<String> = ALL.iter().map(|s| s.to_string()).collect();
        let mut s = Suppressions::scan(text, FileKind::Compose);
        let problems = s.settled(None, &known(&all, &ALL, true));
        let shown: Vec<(&str, &str)> = problems
            .iter()
            .map(|p| (p.rule, &text[p.span.range()]))
            .collect();
        assert_eq!(
            shown,
            [
                (INVALID, "implicit-dockerhub"),
                (UNUSED, "mutable-tag"),
                (INVALID, "imagelint: ignore"),
                (UNUSED, "imagelint: ignore"),
            ]
        );
        assert!(problems[0]
            .detail
            .contains("did you mean `implicit-docker-hub`"));
        assert!(problems[2].detail.contains("no reason"));
    }

    #[test]
    fn only_settled_lines_are_reported_and_each_once() {
        let text = "# imagelint: ignore[mutable-tag]\nimage: x\nimage: y # imagelint: ignore\n";
        let all: Vec<String> = ALL.iter().map(|s| s.to_string()).collect();
        let mut s = Suppressions::scan(text, FileKind::Compose);
        assert!(s.covers(1, "mutable-tag"));
        assert!(s.settled(Some(1), &known(&all, &ALL, false)).is_empty());
        assert!(s.settled(Some(2), &known(&all, &ALL, false)).is_empty());
        let last = s.settled(None, &known(&all, &ALL, false));
        assert_eq!(last.len(), 1);
        assert_eq!(last[0].rule, UNUSED);
        assert!(s.settled(None, &known(&all, &ALL, false)).is_empty());
    }

    #[test]
    fn a_trailing_dockerfile_directive_silences_nothing() {
        let text =
            "FROM nginx:1.25 # imagelint: ignore\n# imagelint: ignore[mutable-tag]\nFROM redis:7\n";
        let all: Vec<String> = ALL.iter().map(|s| s.to_string()).collect();
        let mut s = Suppressions::scan(text, FileKind::Dockerfile);
        assert!(!s.covers(0, "mutable-tag"));
        assert!(s.covers(2, "mutable-tag"));
        let problems = s.settled(None, &known(&all, &ALL, false));
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].rule, INVALID);
        assert!(problems[0].detail.contains("must start its line"));
    }

    #[test]
    fn words_that_only_begin_with_ignore_are_no_directive() {
        let mut s = Suppressions::scan("a: b # imagelint: ignored\n", FileKind::Compose);
        assert!(!s.covers(0, "mutable-tag"));
    }
}
