//! `image:` lines of a chart's templates, read as text before any template
//! is run: most charts write an image as the fields of one values map, and
//! need not be run at all.

/// The offset in `line` and the text of an `image:` value, quotes removed.
pub fn image_value(line: &str) -> Option<(usize, &str)> {
    let body = line.trim_start();
    let body = body.strip_prefix("- ").map_or(body, str::trim_start);
    let rest = body.strip_prefix("image:")?;
    let value_at = line.len() - rest.len() + (rest.len() - rest.trim_start().len());
    let value = rest.trim_start();
    let value = match value.find(" #") {
        Some(i) => &value[..i],
        None => value,
    }
    .trim_end();
    let (at, value) = match value.chars().next() {
        Some(q @ ('"' | '\'')) if value.len() >= 2 && value.ends_with(q) => {
            (value_at + 1, &value[1..value.len() - 1])
        }
        _ => (value_at, value),
    };
    Some((at, value))
}

/// Whether a templated image is the fields of one values map joined as an
/// image always is (`{{ .Values.image.registry }}/{{ .Values.image.repository
/// }}:{{ .Values.image.tag | default .Chart.AppVersion }}`): the values
/// extraction reads that map, so the chart need not be run for it.
pub fn one_values_map(value: &str) -> bool {
    const FIELDS: [&str; 8] = [
        "registry",
        "repository",
        "repo",
        "image",
        "name",
        "tag",
        "version",
        "digest",
    ];
    let mut map = None;
    let mut rest = value;
    while let Some(open) = rest.find("{{") {
        // Only separators between the actions.
        if !rest[..open].chars().all(|c| matches!(c, '/' | ':' | '@')) {
            return false;
        }
        let Some(len) = rest[open..].find("}}") else {
            return false;
        };
        let inner = rest[open + 2..open + len].trim_matches(|c: char| c == '-' || c == ' ');
        let inner = inner
            .strip_suffix("| default .Chart.AppVersion")
            .unwrap_or(inner)
            .trim_end();
        let Some(path) = inner
            .strip_prefix(".Values.")
            .or(inner.strip_prefix("$.Values."))
        else {
            return false;
        };
        let Some((prefix, field)) = path.rsplit_once('.') else {
            return false;
        };
        let plain = prefix
            .split('.')
            .all(|k| !k.is_empty() && k.chars().all(|c| c.is_alphanumeric() || c == '_'));
        if !plain || !FIELDS.contains(&field) || map.is_some_and(|m| m != prefix) {
            return false;
        }
        map = Some(prefix);
        rest = &rest[open + len + 2..];
    }
    rest.is_empty() && map.is_some()
}

/// Whether running a template can tell more than the values say: some
/// `image:` line of `text` is templated other than as one values map's
/// fields, or a tag is used on another line (a label, a version
/// comparison: a digest added to it would change them). A chart none of
/// whose templates is so need not be run.
pub fn worth_running(text: &str) -> bool {
    // Only lines with `{{` can be (this runs on every template of every
    // chart).
    crate::source::lines_holding(text, "{{").any(|line| match image_value(line) {
        Some((_, v)) => v.contains("{{") && !one_values_map(v),
        None => line.contains(".tag") || line.contains("Tag"),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_map_or_more() {
        use super::one_values_map;
        assert!(one_values_map(
            "{{ .Values.image.registry }}/{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"
        ));
        assert!(one_values_map(
            "{{ .Values.a.b.repository }}@{{ .Values.a.b.digest }}"
        ));
        assert!(!one_values_map(
            "{{ .Values.images.repository }}/{{ .Values.cart.name }}:{{ .Values.images.tag }}"
        ));
        assert!(!one_values_map(
            "{{ .Values.image.repository }}:v{{ .Values.image.tag }}"
        ));
        assert!(!one_values_map("{{ include \"x.image\" . }}"));
        assert!(!one_values_map("{{ .registry }}/{{ .image }}"));
    }
}
