//! `imagelint rules` and `imagelint explain RULE`, from the rule files.

use super::errors::{Error, EXIT_OK};
use crate::render::RenderError;
use crate::rules::builtin_defs;
use std::io::{self, Write};

pub(super) fn list() -> Result<u8, Error> {
    let mut out = io::stdout().lock();
    let r = (|| -> io::Result<()> {
        writeln!(
            out,
            "{:<22} {:<8} {:<7} SUMMARY",
            "RULE", "DEFAULT", "FIXABLE"
        )?;
        for def in builtin_defs() {
            let fixable = if def.fix.is_some() { "yes" } else { "no" };
            let summary = def.summary.as_deref().unwrap_or(&def.message);
            writeln!(
                out,
                "{:<22} {:<8} {:<7} {summary}",
                def.id,
                def.severity.as_str(),
                fixable
            )?;
        }
        Ok(())
    })();
    r.map_err(RenderError::from)?;
    Ok(EXIT_OK)
}

pub(super) fn explain(id: &str) -> Result<u8, Error> {
    let def = builtin_defs()
        .into_iter()
        .find(|d| d.id == id)
        .ok_or_else(|| Error::UnknownRule(id.to_string()))?;
    let fixable = match def.fix {
        Some(_) => "yes",
        None => "no",
    };
    let mut text = format!(
        "# {}\n\nDefault severity: {}. Fixable: {fixable}.\n\n{}\n",
        def.id,
        def.severity,
        def.summary.as_deref().unwrap_or(""),
    );
    if let Some(doc) = &def.documentation {
        text.push('\n');
        text.push_str(doc.trim_end());
        text.push('\n');
    }
    io::stdout()
        .write_all(text.as_bytes())
        .map_err(RenderError::from)?;
    Ok(EXIT_OK)
}
