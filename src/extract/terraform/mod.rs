//! Terraform (`*.tf`): the image positions of the common providers'
//! resources (see `positions`), read with the span-keeping HCL parser. A
//! position holding `var.x` or `local.x` is reported where that value is
//! written in the module's folder (see `module`); `${…}` parts are
//! resolved from those values, anything else Terraform computes is
//! unresolved.

mod module;
mod positions;

use super::hcl::{self, Piece, Written};
use super::{Env, ExtractError, Field, HelmFields, Occurrence, RefText};
use module::Named;

/// Whether a file holds no image position whatever it parses to, told
/// from its block headers without parsing: no `module`, `variable` or
/// `locals` block, and no resource or data source of a type that holds
/// images. A generated file of CustomResourceDefinitions as
/// `kubernetes_manifest` resources (megabytes) is then not parsed. JSON
/// syntax, and a header not read, are left to the parser.
pub(crate) fn holds_none(text: &str) -> bool {
    if text.trim_start().starts_with('{') {
        return false;
    }
    for line in text.lines() {
        let line = line.trim_start();
        let Some(word) = ["resource", "data", "module", "variable", "locals"]
            .into_iter()
            .find(|w| line.starts_with(w))
        else {
            continue;
        };
        let rest = &line[word.len()..];
        if !rest.starts_with([' ', '\t', '"', '{']) {
            continue;
        }
        if !matches!(word, "resource" | "data") {
            return false;
        }
        let label = rest
            .trim_start()
            .strip_prefix('"')
            .and_then(|r| r.split_once('"'));
        match label {
            Some((kind, _)) if !positions::holds_images(kind) => {}
            _ => return false,
        }
    }
    true
}

pub(crate) fn extract(text: &str, env: &Env) -> Result<Vec<Occurrence>, ExtractError> {
    let body = module::parse(env.disk_path, text)?;
    let found = positions::find(text, &body);
    let mut own = Named::new();
    module::declared(text, &body, &mut own);
    // The other files matter only when this one declares values (a
    // position there may read them) or reads some it does not declare.
    let reads_others = found
        .positions
        .iter()
        .map(|p| &p.written)
        .chain(found.helm.iter().flat_map(helm_parts))
        .any(|w| names(w).any(|n| !own.contains_key(n)));
    let wanted = module::Wanted {
        positions: !own.is_empty(),
        values: reads_others,
    };
    let others = if wanted.positions || wanted.values {
        module::others(env.disk_path, wanted)
    } else {
        module::Others {
            named: Named::new(),
            found: Vec::new(),
        }
    };
    let values = Values {
        own: &own,
        others: &others.named,
    };
    let mut out = Vec::new();
    for p in &found.positions {
        values.report(&p.written, &p.context, true, &mut out);
    }
    for set in &found.helm {
        values.report_helm(set, &mut out);
    }
    // Positions of the other files that read a value written here.
    for p in others.found.iter().flat_map(|f| &f.positions) {
        if p.written.only_name().is_some_and(|n| own.contains_key(n)) {
            values.report(&p.written, &p.context, false, &mut out);
        }
    }
    Ok(out)
}

fn helm_parts(set: &positions::HelmSet) -> impl Iterator<Item = &Written> {
    std::iter::once(&set.repository)
        .chain([&set.registry, &set.tag, &set.digest].into_iter().flatten())
}

/// The named values a written string reads.
fn names(w: &Written) -> impl Iterator<Item = &str> {
    let pieces = match w {
        Written::Template { pieces, .. } => pieces.as_slice(),
        _ => &[],
    };
    pieces.iter().filter_map(|p| match p {
        Piece::Named(n) => Some(n.as_str()),
        _ => None,
    })
}

struct Values<'a> {
    /// Declared in this file: their spans are in it.
    own: &'a Named,
    others: &'a Named,
}

const NO_VALUE: &str = "a Terraform value without a default here, set where the module is used";

impl Values<'_> {
    fn lookup(&self, name: &str) -> Option<&Option<Written>> {
        self.own.get(name).or_else(|| self.others.get(name))
    }

    /// The occurrence of `written`. `here`: the position is in this file
    /// (else only a value of this file it reads is reported).
    fn report(&self, written: &Written, context: &str, here: bool, out: &mut Vec<Occurrence>) {
        if let Some(name) = written.only_name() {
            if let Some(Some(Written::Literal { span, value, exact })) = self.own.get(name) {
                return out.push(Occurrence::new(
                    *span,
                    RefText::Resolved(value.clone()),
                    format!("{name} (used by {context})"),
                    *exact,
                ));
            }
            // A position of another file reads a value of this one only;
            // a value written in another file is reported there.
            if !here || matches!(self.others.get(name), Some(Some(_))) {
                return;
            }
        }
        match written {
            Written::Literal { span, value, exact } => out.push(Occurrence::new(
                *span,
                RefText::Resolved(value.clone()),
                context.to_string(),
                *exact,
            )),
            Written::Template { span, raw, pieces } => {
                let text = match self.resolve(pieces) {
                    Ok(t) => RefText::Resolved(t),
                    Err(why) => RefText::Unresolved(format!("`{raw}`: {why}")),
                };
                out.push(Occurrence::new(*span, text, context.to_string(), false));
            }
            Written::Computed { span, raw } => out.push(Occurrence::new(
                *span,
                RefText::Unresolved(format!(
                    "`{raw}`: a Terraform expression imagelint does not evaluate"
                )),
                context.to_string(),
                false,
            )),
            Written::Elsewhere => {}
        }
    }

    /// A template's text with its named values put in.
    fn resolve(&self, pieces: &[Piece]) -> Result<String, &'static str> {
        hcl::resolve(pieces, |name| match self.lookup(name) {
            Some(Some(Written::Literal { value, .. })) => Some(value.as_str()),
            _ => None,
        })
        .ok_or(if pieces.iter().any(|p| matches!(p, Piece::Other)) {
            "a Terraform expression imagelint does not evaluate"
        } else {
            NO_VALUE
        })
    }

    /// A chart's image set in parts. Fixable (as a values file's image map
    /// is) when each part is a literal written here; the chart is not in
    /// the repository, so how it uses the tag is unknown and no digest is
    /// written into it.
    fn report_helm(&self, set: &positions::HelmSet, out: &mut Vec<Occurrence>) {
        let field = |w: &Written| match w {
            Written::Literal { span, value, exact } => Some(Field {
                span: *span,
                value: value.clone(),
                exact: *exact,
                quoted: true,
            }),
            _ => None,
        };
        let value = |w: &Written| match w {
            Written::Literal { value, .. } => Ok(value.clone()),
            Written::Template { pieces, .. } => self.resolve(pieces).map_err(str::to_string),
            Written::Computed { .. } | Written::Elsewhere => {
                Err("a Terraform expression imagelint does not evaluate".to_string())
            }
        };
        let mut text = String::new();
        let mut why = None;
        for (part, lead) in [
            (set.registry.as_ref(), ""),
            (Some(&set.repository), "/"),
            (set.tag.as_ref(), ":"),
            (set.digest.as_ref(), "@"),
        ] {
            let Some(part) = part else { continue };
            match value(part) {
                Ok(v) if v.is_empty() => {}
                Ok(v) => {
                    if !text.is_empty() {
                        text.push_str(lead);
                    }
                    text.push_str(&v);
                }
                Err(e) => why = Some(e),
            }
        }
        let span = match &set.repository {
            Written::Literal { span, .. }
            | Written::Template { span, .. }
            | Written::Computed { span, .. } => *span,
            Written::Elsewhere => return,
        };
        let Some(repository) = field(&set.repository) else {
            let why = why.unwrap_or_else(|| NO_VALUE.to_string());
            let text = RefText::Unresolved(format!("`{}`: {why}", set.context));
            return out.push(Occurrence::new(span, text, set.context.clone(), false));
        };
        let parts = [&set.registry, &set.tag, &set.digest];
        let fields = parts.map(|p| p.as_ref().and_then(field));
        let all_literal = parts
            .iter()
            .zip(&fields)
            .all(|(p, f)| p.is_none() || f.is_some());
        let mut o = Occurrence::new(
            span,
            match why {
                Some(why) => RefText::Unresolved(format!("`{}`: {why}", set.context)),
                None => RefText::Resolved(text),
            },
            set.context.clone(),
            false,
        );
        if all_literal && matches!(o.text, RefText::Resolved(_)) {
            let [registry, tag, digest] = fields;
            o.helm = Some(Box::new(HelmFields {
                registry,
                repository,
                tag,
                digest,
                chart_tag: None,
                digest_in_tag: false,
            }));
        }
        out.push(o);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// Each file's references as (the bytes at the span, the text).
    fn found(dir: &std::path::Path, name: &str) -> Vec<(String, String)> {
        let path = dir.join(name);
        let text = std::fs::read_to_string(&path).unwrap();
        let variables = BTreeMap::new();
        let env = Env {
            variables: &variables,
            build_contexts: &[],
            disk_path: &path,
            user_kind: None,
        };
        extract(&text, &env)
            .unwrap()
            .into_iter()
            .map(|o| {
                let text = match o.text {
                    RefText::Resolved(t) => t,
                    RefText::Unresolved(why) => format!("? {why}"),
                    RefText::MaybeBuildContext(t) => t,
                };
                (text_at(&path, o.span), text)
            })
            .collect()
    }

    fn text_at(path: &std::path::Path, span: crate::source::Span) -> String {
        std::fs::read_to_string(path).unwrap()[span.range()].to_string()
    }

    #[test]
    fn a_value_is_reported_in_the_file_that_writes_it() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
        write(
            "variables.tf",
            "variable \"image\" { default = \"nginx:1\" }\nvariable \"tag\" { default = \"3\" }\n\
             variable \"free\" {}\nvariable \"unused\" { default = \"x:1\" }\n",
        );
        write(
            "main.tf",
            "resource \"docker_container\" \"a\" { image = var.image }\n\
             resource \"docker_container\" \"b\" { image = \"python:${var.tag}\" }\n\
             resource \"docker_container\" \"c\" { image = var.free }\n",
        );
        // A file of the folder that does not parse is left to its own report.
        write("broken.tf", "resource \"x\" {\n");
        assert_eq!(
            found(dir.path(), "variables.tf"),
            [("nginx:1".to_string(), "nginx:1".to_string())]
        );
        let main = found(dir.path(), "main.tf");
        assert_eq!(main[0], ("python:${var.tag}".into(), "python:3".into()));
        assert_eq!(main[1].0, "var.free");
        assert!(
            main[1]
                .1
                .starts_with("? `var.free`: a Terraform value without a default"),
            "{main:?}"
        );
        assert_eq!(main.len(), 2);
    }

    #[test]
    fn files_without_image_blocks_are_told_by_their_headers() {
        let crds =
            "resource \"kubernetes_manifest\" \"crd\" {\n  manifest = { image = \"x\" }\n}\n\
                    data \"aws_ami\" \"a\" {}\nresource \"null_resource\" \"n\" {}\n";
        assert!(holds_none(crds));
        for holds in [
            "resource \"kubernetes_pod\" \"p\" {}\n",
            "  data \"docker_registry_image\" \"i\" {}\n",
            "variable \"image\" {}\n",
            "locals {\n}\n",
            "module \"m\" {}\n",
            "resource x {}\n",
        ] {
            assert!(!holds_none(&format!("{crds}{holds}")), "{holds}");
        }
        assert!(!holds_none("{\"resource\": {}}"));
    }

    #[test]
    fn a_folder_is_read_within_bounds() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
        write(
            "a.tf",
            "resource \"docker_container\" \"a\" { image = var.late }\n",
        );
        for i in 0..64 {
            write(&format!("m{i:02}.tf"), "variable \"v\" {}\n");
        }
        // The 66th file by name: past the 64 read for `a.tf`.
        write("z.tf", "variable \"late\" { default = \"nginx:1\" }\n");
        let found = found(dir.path(), "a.tf");
        assert!(found[0].1.starts_with("? `var.late`"), "{found:?}");
    }
}
