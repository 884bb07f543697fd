//! HCL (Terraform, `docker-bake.hcl`) read with `hcl-edit`, which keeps
//! every expression's byte span. An image position's expression is turned
//! into what it holds as written ([`Written`]), without evaluating it:
//! the kinds decide what a named value stands for.

use crate::source::Span;
use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator};
use hcl_edit::structure::{Attribute, Block, BlockLabel, Body, Structure};
use hcl_edit::template::{Element, StringTemplate};
use hcl_edit::Span as _;
use hcl_edit::{Decorated, Ident};

/// Why a file is not HCL, or not parsed.
#[derive(Debug)]
pub struct HclError {
    /// 0: the problem is the whole file's.
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl std::error::Error for HclError {}

impl std::fmt::Display for HclError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            // No place in the text: the whole file.
            0 => f.write_str(&self.message),
            line => write!(
                f,
                "invalid HCL at line {line} column {}: {}",
                self.column, self.message
            ),
        }
    }
}

/// The largest HCL file parsed. `hcl-edit`'s tree takes some 45 times its
/// text; real Terraform and bake files are far below this.
const MAX_BYTES: usize = 4 << 20;

fn too_large(text: &str) -> Result<(), HclError> {
    if text.len() <= MAX_BYTES {
        return Ok(());
    }
    Err(HclError {
        line: 0,
        column: 0,
        message: format!("HCL larger than {} MiB: not parsed", MAX_BYTES >> 20),
    })
}

/// The file's body. `hcl-edit` bounds its own nesting (64 levels), so a
/// hostile file is refused rather than overflowing the stack.
pub(crate) fn parse(text: &str) -> Result<Body, HclError> {
    too_large(text)?;
    hcl_edit::parser::parse_body(text).map_err(|e| parse_error(&e))
}

fn parse_error(e: &hcl_edit::parser::Error) -> HclError {
    HclError {
        line: e.location().line(),
        column: e.location().column(),
        // The parser's message may run over lines: one line here.
        message: e.message().split_whitespace().collect::<Vec<_>>().join(" "),
    }
}

/// Terraform's JSON syntax (`*.tf.json`) as the body the native syntax
/// gives. JSON is HCL's object syntax (`"key": value`), so the same parser
/// reads it, spans and `${…}` templates in strings kept; which keys are
/// blocks follows Terraform's rules for the format: a top-level key is a
/// block type, with as many labels (object levels) as the type takes,
/// and inside a block an object, or a list of objects, is a nested block,
/// except under `module`, `variable`, `output` and `locals`, whose values
/// are attributes.
pub(crate) fn parse_json(text: &str) -> Result<Body, HclError> {
    too_large(text)?;
    // The expression parser takes no blanks after the value; the end of
    // the text is cut, which moves no offset.
    let expr = hcl_edit::parser::parse_expr(text.trim_end()).map_err(|e| parse_error(&e))?;
    let Expression::Object(top) = expr else {
        return Err(HclError {
            line: 1,
            column: 1,
            message: "a Terraform JSON file is one object".into(),
        });
    };
    let mut body = Body::new();
    for (key, value) in top {
        let Some(kind) = key_name(&key).map(str::to_string) else {
            continue;
        };
        let labels = match kind.as_str() {
            "resource" | "data" => 2,
            "module" | "variable" | "provider" | "output" => 1,
            _ => 0,
        };
        let nested = !matches!(kind.as_str(), "module" | "variable" | "output" | "locals");
        json_blocks(
            &kind,
            Vec::new(),
            labels,
            value.into_expr(),
            nested,
            0,
            &mut body,
        );
    }
    Ok(body)
}

/// An object key's name: an identifier or a string; None for a computed
/// key (`(local.name) = …`).
pub(crate) fn key_name(key: &ObjectKey) -> Option<&str> {
    match key {
        ObjectKey::Ident(i) => Some(i.as_str()),
        ObjectKey::Expression(Expression::String(s)) => Some(s.value().as_str()),
        ObjectKey::Expression(_) => None,
    }
}

/// The blocks `value` holds for block type `kind`: `labels` more object
/// levels name it, then each object (or each of a list of them) is one.
fn json_blocks(
    kind: &str,
    named: Vec<String>,
    labels: usize,
    value: Expression,
    nested: bool,
    depth: usize,
    out: &mut Body,
) {
    if depth > 64 {
        return;
    }
    match value {
        Expression::Array(items) => {
            for item in items {
                json_blocks(kind, named.clone(), labels, item, nested, depth + 1, out);
            }
        }
        Expression::Object(object) if labels > 0 => {
            for (key, value) in object {
                let Some(label) = key_name(&key).map(str::to_string) else {
                    continue;
                };
                let mut named = named.clone();
                named.push(label);
                json_blocks(
                    kind,
                    named,
                    labels - 1,
                    value.into_expr(),
                    nested,
                    depth + 1,
                    out,
                );
            }
        }
        Expression::Object(object) => {
            let mut block = Block::new(Ident::new_unchecked(kind));
            block.labels = named
                .into_iter()
                .map(|l| BlockLabel::String(Decorated::new(l)))
                .collect();
            for (key, value) in object {
                let Some(key) = key_name(&key).map(str::to_string) else {
                    continue;
                };
                let value = value.into_expr();
                let is_block = nested
                    && match &value {
                        Expression::Object(_) => true,
                        Expression::Array(items) => {
                            !items.is_empty() && items.iter().all(|i| i.is_object())
                        }
                        _ => false,
                    };
                if is_block {
                    json_blocks(&key, Vec::new(), 0, value, true, depth + 1, &mut block.body);
                } else {
                    block
                        .body
                        .push(Attribute::new(Ident::new_unchecked(key), value));
                }
            }
            out.push(block);
        }
        _ => {}
    }
}

/// What an image position holds as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Written {
    /// A string without `${…}`: its bytes between the quotes, its value, and
    /// whether those bytes are the value (no escapes), so a fix may
    /// replace them.
    Literal {
        span: Span,
        value: String,
        exact: bool,
    },
    /// A string with `${…}` parts, or a bare named value (`var.image`).
    Template {
        span: Span,
        raw: String,
        pieces: Vec<Piece>,
    },
    /// Another resource's attribute (`docker_image.app.image_id`): its
    /// image, if any, is reported where that resource is written.
    Elsewhere,
    /// Anything else (a function call, a condition): not evaluated.
    Computed { span: Span, raw: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    Text(String),
    /// `var.name`, `local.name`, or a bare `NAME`.
    Named(String),
    /// An interpolation that is not a named value.
    Other,
}

impl Written {
    /// The one named value the whole string is (`var.image`,
    /// `"${var.image}"`), if it is one.
    pub fn only_name(&self) -> Option<&str> {
        match self {
            Written::Template { pieces, .. } => match pieces.as_slice() {
                [Piece::Named(name)] => Some(name),
                _ => None,
            },
            _ => None,
        }
    }
}

/// What `expr` holds, read from `text`.
pub(crate) fn written(text: &str, expr: &Expression) -> Written {
    let span = expr
        .span()
        .map_or(Span::new(0, 0), |r| Span::new(r.start, r.end));
    let raw = || text.get(span.range()).unwrap_or_default().to_string();
    match expr {
        Expression::String(s) => {
            let inner = inside_quotes(span);
            let exact = text.get(inner.range()) == Some(s.value().as_str());
            Written::Literal {
                span: inner,
                value: s.value().clone(),
                exact,
            }
        }
        Expression::StringTemplate(t) => template(text, t, span),
        Expression::Traversal(_) | Expression::Variable(_) => match named(expr) {
            Some(name) => Written::Template {
                span,
                raw: raw(),
                pieces: vec![Piece::Named(name)],
            },
            None => Written::Elsewhere,
        },
        Expression::Parenthesis(p) => written(text, p.inner()),
        _ => Written::Computed { span, raw: raw() },
    }
}

/// A quoted string's span without its quotes.
fn inside_quotes(span: Span) -> Span {
    Span::new(
        span.start + 1,
        span.end.saturating_sub(1).max(span.start + 1),
    )
}

fn template(text: &str, t: &StringTemplate, span: Span) -> Written {
    let inner = inside_quotes(span);
    Written::Template {
        span: inner,
        raw: text.get(inner.range()).unwrap_or_default().to_string(),
        pieces: t.iter().map(piece).collect(),
    }
}

/// A template element as a piece: text, a named value, or neither.
fn piece(element: &Element) -> Piece {
    match element {
        Element::Literal(l) => Piece::Text(l.value().clone()),
        Element::Interpolation(i) => named(&i.expr).map_or(Piece::Other, Piece::Named),
        Element::Directive(_) => Piece::Other,
    }
}

/// A template's text with its named values put in by `value`; None when
/// a piece is not a named value, or one `value` does not know.
pub(crate) fn resolve<'v>(
    pieces: &[Piece],
    value: impl Fn(&str) -> Option<&'v str>,
) -> Option<String> {
    let mut text = String::new();
    for piece in pieces {
        match piece {
            Piece::Text(t) => text.push_str(t),
            Piece::Named(n) => text.push_str(value(n)?),
            Piece::Other => return None,
        }
    }
    Some(text)
}

/// `var.name` or `local.name` (Terraform), or a bare `NAME` (a bake
/// file's variable), as that text; None for anything else.
fn named(expr: &Expression) -> Option<String> {
    if let Expression::Variable(name) = expr {
        return Some(name.as_str().to_string());
    }
    let Expression::Traversal(t) = expr else {
        return None;
    };
    let root = t.expr.as_variable()?.as_str();
    if !matches!(root, "var" | "local") {
        return None;
    }
    match t.operators.as_slice() {
        [op] => match op.value() {
            TraversalOperator::GetAttr(name) => Some(format!("{root}.{}", name.as_str())),
            _ => None,
        },
        _ => None,
    }
}

/// The value of attribute `key` of `body`.
pub(crate) fn attribute<'b>(body: &'b Body, key: &str) -> Option<&'b Expression> {
    body.iter().find_map(|s| match s {
        Structure::Attribute(a) if a.key.as_str() == key => Some(&a.value),
        _ => None,
    })
}

/// The blocks of `body`.
pub(crate) fn blocks(body: &Body) -> impl Iterator<Item = &Block> {
    body.iter().filter_map(|s| s.as_block())
}

/// A block's label `i` (`resource "type" "name"`).
pub(crate) fn label(block: &Block, i: usize) -> &str {
    block.labels.get(i).map_or("", |l| l.as_str())
}

/// The `"image": "…"` values of JSON written in a heredoc (an ECS task's
/// `container_definitions`), found in the heredoc's bytes `span` of
/// `text`: a heredoc has no escapes of its own, so each value's bytes
/// are where it is written.
pub(crate) fn json_images(text: &str, span: Span) -> Vec<Written> {
    let Some(body) = text.get(span.range()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = memchr::memmem::find(&body.as_bytes()[from..], b"\"image\"") {
        let after = from + at + "\"image\"".len();
        from = after;
        let rest = &body[after..];
        let Some(rest) = rest.trim_start().strip_prefix(':') else {
            continue;
        };
        let Some(value) = rest.trim_start().strip_prefix('"') else {
            continue;
        };
        let start = after + (body.len() - after - value.len());
        let Some(len) = value.find('"') else {
            continue;
        };
        let value = &value[..len];
        let at = Span::new(span.start + start, span.start + start + len);
        out.push(if value.contains('\\') {
            Written::Computed {
                span: at,
                raw: value.to_string(),
            }
        } else if value.contains("${") || value.contains("%{") {
            template_text(value, at)
        } else {
            Written::Literal {
                span: at,
                value: value.to_string(),
                exact: true,
            }
        });
    }
    out
}

/// A JSON string value holding `${…}`, read as an HCL template.
fn template_text(value: &str, at: Span) -> Written {
    let computed = || Written::Computed {
        span: at,
        raw: value.to_string(),
    };
    let Ok(parsed) = hcl_edit::parser::parse_template(value) else {
        return computed();
    };
    Written::Template {
        span: at,
        raw: value.to_string(),
        pieces: parsed.iter().map(piece).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image_of(text: &str) -> Written {
        let body = parse(text).unwrap();
        written(text, attribute(&body, "image").unwrap())
    }

    #[test]
    fn strings_templates_and_names() {
        let text = "image = \"nginx:1.25\"\n";
        let Written::Literal { span, value, exact } = image_of(text) else {
            panic!()
        };
        assert_eq!(
            (&text[span.range()], value.as_str(), exact),
            ("nginx:1.25", "nginx:1.25", true)
        );
        let Written::Literal { exact, value, .. } = image_of("image = \"a\\u0062:1\"") else {
            panic!()
        };
        assert_eq!((value.as_str(), exact), ("ab:1", false));
        assert_eq!(image_of("image = var.image").only_name(), Some("var.image"));
        assert_eq!(
            image_of("image = \"${local.x}\"").only_name(),
            Some("local.x")
        );
        let Written::Template { pieces, raw, .. } = image_of("image = \"r/${var.n}:${x.y}\"")
        else {
            panic!()
        };
        assert_eq!(raw, "r/${var.n}:${x.y}");
        assert_eq!(
            pieces,
            [
                Piece::Text("r/".into()),
                Piece::Named("var.n".into()),
                Piece::Text(":".into()),
                Piece::Other
            ]
        );
        assert_eq!(
            image_of("image = docker_image.a.image_id"),
            Written::Elsewhere
        );
        assert!(matches!(
            image_of("image = lower(\"A\")"),
            Written::Computed { .. }
        ));
    }

    #[test]
    fn heredoc_json_values_keep_their_bytes() {
        let text = "x = <<EOF\n[{\"name\": \"a\", \"image\" : \"redis:7\"},\n {\"image\": \"${var.i}\"}, {\"image\": 3}]\nEOF\n";
        let body = parse(text).unwrap();
        let expr = attribute(&body, "x").unwrap();
        let r = expr.span().unwrap();
        let found = json_images(text, Span::new(r.start, r.end));
        assert_eq!(found.len(), 2);
        let Written::Literal { span, .. } = &found[0] else {
            panic!()
        };
        assert_eq!(&text[span.range()], "redis:7");
        assert_eq!(found[1].only_name(), Some("var.i"));
    }

    #[test]
    fn large_files_are_refused() {
        let text = format!("a = \"{}\"\n", "x".repeat(MAX_BYTES));
        let e = parse(&text).unwrap_err();
        assert_eq!(e.to_string(), "HCL larger than 4 MiB: not parsed");
        assert!(parse_json(&format!("{{\"a\": \"{}\"}}", "x".repeat(MAX_BYTES))).is_err());
    }

    #[test]
    fn errors_are_one_line() {
        let e = parse("a = {\n b = \n").unwrap_err();
        assert!(!e.to_string().contains('\n'), "{e}");
        assert!(e.to_string().starts_with("invalid HCL at line"), "{e}");
    }
}
