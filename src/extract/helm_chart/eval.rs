//! Runs a chart's templates with its default values, as far as it can be
//! known: a value that depends on what is not in the repository (the
//! cluster's capabilities, `lookup`, a function not modelled here) is
//! unknown, and so is everything made from it. Output text remembers where
//! each piece came from: the template's bytes, or the values' scalars.

use super::expr::{Arg, FieldPath, Pipe};
use super::includes::{Included, Includes};
use super::template::{Node, RangeBlock, With};
use crate::extract::yaml::{NodeId, Yaml};
use saphyr_parser::ScalarStyle;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// Where written text came from.
#[derive(Debug, Clone)]
pub enum Origin {
    /// Bytes of a template file, from this offset.
    Template { file: usize, at: usize },
    /// Made from values (the starts of the scalars used) and literals.
    Values(Rc<[usize]>),
    /// Not known here.
    Unknown,
}

#[derive(Debug, Clone)]
pub struct Chunk {
    pub text: String,
    pub origin: Origin,
}

#[derive(Debug, Clone)]
pub enum Val {
    Unknown,
    Nil,
    Bool(bool),
    Int(i64),
    /// A string, with the values scalars it was made from.
    Str(String, Rc<[usize]>),
    Node(NodeId),
    Dict(Rc<Vec<(String, Val)>>),
    List(Rc<Vec<Val>>),
    /// An `include`'s output with parts unknown: written out as it is, so
    /// the known parts around them stay known.
    Output(Rc<Vec<Chunk>>),
    /// The top object: `.Values`, `.Chart`, `.Release`...
    Top,
    Chart,
    Release,
}

impl Val {
    fn str(s: impl Into<String>) -> Val {
        Val::Str(s.into(), Rc::from([]))
    }
}

/// What a chart's templates are run with.
pub struct Chart<'y> {
    pub values: &'y Yaml<'y>,
    pub root: Option<NodeId>,
    pub name: String,
    pub version: String,
    pub app_version: String,
    /// Each `define` by name: the file it is in, and its body.
    pub defines: HashMap<String, (usize, &'y [Node])>,
    pub sources: Vec<&'y str>,
    /// Patterns `regexMatch` compiled, shared by every file and run of a
    /// chart's render (a helper's pattern is compiled once, not per file).
    pub regexes: Rc<RegexCache>,
    /// What each `include` gave, for the next with the same argument.
    pub includes: Includes,
}

/// Patterns compiled so far (`None`: not one here), at most
/// `MAX_PATTERNS_KEPT`.
pub type RegexCache = RefCell<HashMap<String, Option<Rc<regex::Regex>>>>;
const MAX_PATTERNS_KEPT: usize = 256;

/// A bound on the work of one template file: steps, and output bytes.
const MAX_STEPS: usize = 200_000;
const MAX_OUTPUT: usize = 4 << 20;
const MAX_CALLS: usize = 24;
const MAX_RANGE: usize = 1_000;
/// The longest pattern `regexMatch` compiles, the compiled size allowed,
/// and the steps a new pattern costs.
const MAX_PATTERN: usize = 1024;
const MAX_REGEX_SIZE: usize = 1 << 18;
const REGEX_STEPS: usize = 1_000;
/// Blocks inside blocks (and helpers) beyond this end the file: each level
/// costs stack, and worker threads have little.
const MAX_DEPTH: usize = 96;

/// Why a run stopped early.
pub enum Stop {
    /// A budget spent.
    Abort,
    /// `fail`, its message made from these values scalars (none when the
    /// message is the template's own): the chart refuses those values.
    Fail(Rc<[usize]>),
}

pub struct Run<'c, 'y> {
    chart: &'c Chart<'y>,
    steps: usize,
    bytes: usize,
    calls: usize,
    depth: usize,
    /// The most calls and blocks deep the run has gone (since an
    /// `include` began): what a reuse of its output must have room for.
    most_calls: usize,
    deepest: usize,
    vars: Vec<(String, Val)>,
    pub out: Vec<Chunk>,
    /// Values scalars a function reads for something other than writing
    /// them out (`semverCompare`, `eq`, `trunc`...): text added to them (a
    /// digest after a tag) changes more than an image.
    pub consumed: Vec<usize>,
}

/// Functions that only pass values on into what is written.
const PASS_ON: [&str; 23] = [
    "default",
    "merge",
    "mergeOverwrite",
    "coalesce",
    "ternary",
    "required",
    "quote",
    "squote",
    "toString",
    "tpl",
    "trim",
    "trimPrefix",
    "trimSuffix",
    "printf",
    "print",
    "include",
    "nindent",
    "indent",
    "toYaml",
    "fromYaml",
    "dict",
    "list",
    "fail",
];

impl<'c, 'y> Run<'c, 'y> {
    pub fn new(chart: &'c Chart<'y>) -> Self {
        Run {
            chart,
            steps: 0,
            bytes: 0,
            calls: 0,
            depth: 0,
            most_calls: 0,
            deepest: 0,
            vars: Vec::new(),
            out: Vec::new(),
            consumed: Vec::new(),
        }
    }

    /// Runs a file's top-level nodes with `.` the top object.
    pub fn file(&mut self, file: usize, body: &[Node]) -> Result<(), Stop> {
        self.vars = vec![("$".into(), Val::Top)];
        self.nodes(file, body, &Val::Top)
    }

    fn emit(&mut self, chunk: Chunk) -> Result<(), Stop> {
        self.bytes += chunk.text.len();
        if self.bytes > MAX_OUTPUT {
            return Err(Stop::Abort);
        }
        self.out.push(chunk);
        Ok(())
    }

    fn nodes(&mut self, file: usize, nodes: &[Node], dot: &Val) -> Result<(), Stop> {
        if self.depth >= MAX_DEPTH {
            return Err(Stop::Abort);
        }
        self.depth += 1;
        self.deepest = self.deepest.max(self.depth);
        let scope = self.vars.len();
        for node in nodes {
            self.steps += 1;
            if self.steps > MAX_STEPS {
                return Err(Stop::Abort);
            }
            self.node(file, node, dot)?;
        }
        self.vars.truncate(scope);
        self.depth -= 1;
        Ok(())
    }

    fn node(&mut self, file: usize, node: &Node, dot: &Val) -> Result<(), Stop> {
        match node {
            Node::Text(r) => {
                let text = self.chart.sources[file][r.clone()].to_string();
                self.emit(Chunk {
                    text,
                    origin: Origin::Template { file, at: r.start },
                })?;
            }
            Node::Output(pipe) => {
                let v = self.pipe(pipe, dot)?;
                if let Val::Output(chunks) = v {
                    for chunk in chunks.iter() {
                        self.emit(chunk.clone())?;
                    }
                } else {
                    let chunk = self.print(&v);
                    self.emit(chunk)?;
                }
            }
            Node::Assign { var, declare, pipe } => {
                let v = self.pipe(pipe, dot)?;
                match self.vars.iter_mut().rev().find(|(n, _)| **n == **var) {
                    Some(slot) if !declare => slot.1 = v,
                    _ => self.vars.push((var.to_string(), v)),
                }
            }
            Node::If {
                branches,
                otherwise,
            } => {
                for (cond, body) in branches {
                    let v = self.pipe(cond, dot)?;
                    match truth(self.chart.values, &v) {
                        Some(true) => return self.nodes(file, body, dot),
                        Some(false) => continue,
                        None => return self.unknown(),
                    }
                }
                self.nodes(file, otherwise, dot)?;
            }
            Node::With(with) => {
                let With {
                    pipe,
                    body,
                    otherwise,
                } = &**with;
                let v = self.pipe(pipe, dot)?;
                match truth(self.chart.values, &v) {
                    Some(true) => self.nodes(file, body, &v)?,
                    Some(false) => self.nodes(file, otherwise, dot)?,
                    None => self.unknown()?,
                }
            }
            Node::Range(range) => {
                let RangeBlock {
                    vars,
                    pipe,
                    body,
                    otherwise,
                } = &**range;
                let v = self.pipe(pipe, dot)?;
                let Some(items) = self.items(&v) else {
                    return self.unknown();
                };
                if items.is_empty() {
                    return self.nodes(file, otherwise, dot);
                }
                for (key, item) in items.into_iter().take(MAX_RANGE) {
                    let scope = self.vars.len();
                    match vars.as_slice() {
                        [v] => self.vars.push((v.clone(), item.clone())),
                        [k, v] => {
                            self.vars.push((k.clone(), key));
                            self.vars.push((v.clone(), item.clone()));
                        }
                        _ => {}
                    }
                    self.nodes(file, body, &item)?;
                    self.vars.truncate(scope);
                }
            }
            Node::Call { name, arg } => {
                let arg = match arg {
                    Some(p) => self.pipe(p, dot)?,
                    None => Val::Nil,
                };
                self.call(name, arg)?;
            }
            Node::Opaque => self.unknown()?,
        }
        Ok(())
    }

    /// Output that cannot be known.
    fn unknown(&mut self) -> Result<(), Stop> {
        self.emit(Chunk {
            text: String::new(),
            origin: Origin::Unknown,
        })
    }

    /// Runs a `define`d template with `arg` as `.` and `$`, its output
    /// added to this run's.
    fn call(&mut self, name: &str, arg: Val) -> Result<(), Stop> {
        let chart = self.chart;
        let Some(&(file, body)) = chart.defines.get(name) else {
            return self.unknown();
        };
        if self.calls >= MAX_CALLS {
            return Err(Stop::Abort);
        }
        self.calls += 1;
        self.most_calls = self.most_calls.max(self.calls);
        let saved = std::mem::replace(&mut self.vars, vec![("$".into(), arg.clone())]);
        let result = self.nodes(file, body, &arg);
        self.vars = saved;
        self.calls -= 1;
        result
    }

    /// `include name arg`: the helper's output as a value. It is the same
    /// as the last time it ran with `arg`, if that was kept and the budgets
    /// left hold what it cost then (else it runs, and stops where it would).
    fn include(&mut self, name: &str, arg: &Val) -> Result<Val, Stop> {
        if let Some(kept) = self.chart.includes.get(name, arg) {
            let fits = self.steps + kept.steps <= MAX_STEPS
                && self.bytes + kept.bytes <= MAX_OUTPUT
                && self.calls + kept.calls <= MAX_CALLS
                && self.depth + kept.depth <= MAX_DEPTH;
            if fits {
                self.steps += kept.steps;
                self.bytes += kept.bytes;
                self.consumed.extend_from_slice(&kept.consumed);
                return Ok(kept.made);
            }
        }
        let (steps, bytes, consumed, mark) =
            (self.steps, self.bytes, self.consumed.len(), self.out.len());
        let outer_calls = std::mem::replace(&mut self.most_calls, self.calls);
        let outer_depth = std::mem::replace(&mut self.deepest, self.depth);
        let result = self.call(name, arg.clone());
        let (calls, depth) = (self.most_calls - self.calls, self.deepest - self.depth);
        self.most_calls = self.most_calls.max(outer_calls);
        self.deepest = self.deepest.max(outer_depth);
        result?;
        let made = joined(self.out.drain(mark..).collect());
        let included = Included {
            arg: arg.clone(),
            made: made.clone(),
            consumed: self.consumed[consumed..].into(),
            steps: self.steps - steps,
            bytes: self.bytes - bytes,
            calls,
            depth,
        };
        self.chart.includes.keep(name, included);
        Ok(made)
    }

    fn items(&self, v: &Val) -> Option<Vec<(Val, Val)>> {
        let y = self.chart.values;
        let indexed = |vals: Vec<Val>| {
            vals.into_iter()
                .enumerate()
                .map(|(i, v)| (Val::Int(i as i64), v))
                .collect()
        };
        if let Some(seq) = match v {
            Val::Node(n) => y.seq(*n),
            _ => None,
        } {
            return Some(indexed(seq.iter().map(|n| node_val(y, *n)).collect()));
        }
        match v {
            Val::List(items) => Some(indexed(items.to_vec())),
            // A map (or nil) ranges in key order, as Go's templates do.
            _ => {
                let mut entries = self.entries(v)?;
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                Some(entries.into_iter().map(|(k, v)| (Val::str(k), v)).collect())
            }
        }
    }

    /// How a value is written into the output.
    fn print(&self, v: &Val) -> Chunk {
        let (text, from) = match v {
            Val::Str(s, from) => (s.clone(), from.clone()),
            Val::Int(i) => (i.to_string(), Rc::from([])),
            Val::Bool(b) => (b.to_string(), Rc::from([])),
            // Helm writes a missing value as nothing.
            Val::Nil => (String::new(), Rc::from([])),
            Val::Node(n) => match node_val(self.chart.values, *n) {
                Val::Node(_) => return unknown_chunk(),
                other => return self.print(&other),
            },
            _ => return unknown_chunk(),
        };
        Chunk {
            text,
            origin: Origin::Values(from),
        }
    }

    fn pipe(&mut self, pipe: &Pipe, dot: &Val) -> Result<Val, Stop> {
        let mut last: Option<Val> = None;
        for command in pipe.commands() {
            last = Some(self.command(command, dot, last)?);
        }
        Ok(last.unwrap_or(Val::Unknown))
    }

    fn command(&mut self, args: &[Arg], dot: &Val, piped: Option<Val>) -> Result<Val, Stop> {
        let Some(first) = args.first() else {
            return Ok(Val::Unknown);
        };
        if let Arg::Func(name) = first {
            let mut values = Vec::with_capacity(args.len());
            // `include` runs a template: its name is a literal.
            for a in &args[1..] {
                values.push(self.arg(a, dot)?);
            }
            values.extend(piped);
            return self.func(name, values);
        }
        if args.len() > 1 || piped.is_some() {
            // An operand with arguments: a method call; not modelled.
            return Ok(Val::Unknown);
        }
        self.arg(first, dot)
    }

    fn arg(&mut self, arg: &Arg, dot: &Val) -> Result<Val, Stop> {
        Ok(match arg {
            Arg::Str(s) => Val::str(s.clone()),
            Arg::Int(i) => Val::Int(*i),
            Arg::Bool(b) => Val::Bool(*b),
            Arg::Nil => Val::Nil,
            Arg::Field(path) => self.field(dot.clone(), path),
            Arg::Var(name, path) => {
                let v = self
                    .vars
                    .iter()
                    .rev()
                    .find(|(n, _)| **n == **name)
                    .map_or(Val::Unknown, |(_, v)| v.clone());
                self.field(v, path)
            }
            Arg::Func(name) => self.func(name, Vec::new())?,
            Arg::Group(pipe, path) => {
                let v = self.pipe(pipe, dot)?;
                self.field(v, path)
            }
            // `Then` parts commands and is never one's argument.
            Arg::Bad | Arg::Then => Val::Unknown,
        })
    }

    fn field(&self, mut v: Val, path: &FieldPath) -> Val {
        for key in path.names() {
            v = self.get(&v, key);
        }
        v
    }

    fn get(&self, v: &Val, key: &str) -> Val {
        let y = self.chart.values;
        let c = self.chart;
        match v {
            Val::Top => match key {
                "Values" => c.root.map_or(Val::Nil, |r| node_val(y, r)),
                "Chart" => Val::Chart,
                "Release" => Val::Release,
                _ => Val::Unknown,
            },
            Val::Chart => match key {
                "AppVersion" => Val::str(c.app_version.clone()),
                "Version" => Val::str(c.version.clone()),
                "Name" => Val::str(c.name.clone()),
                _ => Val::Unknown,
            },
            Val::Release => match key {
                "Name" => Val::str("release-name"),
                "Namespace" => Val::str("default"),
                "Service" => Val::str("Helm"),
                _ => Val::Unknown,
            },
            Val::Node(n) if y.is_map(*n) => y.get(*n, key).map_or(Val::Nil, |n| node_val(y, n)),
            Val::Dict(entries) => entries
                .iter()
                .find(|(k, _)| k == key)
                .map_or(Val::Nil, |(_, v)| v.clone()),
            Val::Nil => Val::Nil,
            _ => Val::Unknown,
        }
    }

    /// A map's entries in order (none for nil); None when `v` is no map.
    fn entries(&self, v: &Val) -> Option<Vec<(String, Val)>> {
        let y = self.chart.values;
        match v {
            Val::Nil => Some(Vec::new()),
            Val::Node(n) if y.is_map(*n) => Some(
                y.entries(*n)
                    .into_iter()
                    .map(|(k, n)| (k.to_string(), node_val(y, n)))
                    .collect(),
            ),
            Val::Node(n) => matches!(node_val(y, *n), Val::Nil).then(Vec::new),
            Val::Dict(entries) => Some(entries.to_vec()),
            _ => None,
        }
    }

    /// Sprig's `merge` (`mergeOverwrite` when `overwrite`): `src`'s entries
    /// added to `dst`'s, maps merged key by key; `dst` keeps what it sets
    /// (an empty value is not set), or yields it to `src` when overwriting.
    fn merged(&mut self, dst: &Val, src: &Val, overwrite: bool, depth: usize) -> Val {
        let y = self.chart.values;
        let (Some(mut out), Some(add)) = (self.entries(dst), self.entries(src)) else {
            return Val::Unknown;
        };
        // Each key compared with each: steps of the file's budget.
        self.steps += out.len() * add.len();
        if depth > MAX_DEPTH || self.steps > MAX_STEPS {
            return Val::Unknown;
        }
        let is_map = |v: &Val| match v {
            Val::Node(n) => y.is_map(*n),
            Val::Dict(_) => true,
            _ => false,
        };
        for (key, value) in add {
            let Some(at) = out.iter().position(|(k, _)| *k == key) else {
                out.push((key, value));
                continue;
            };
            let old = &out[at].1;
            let new = if is_map(old) && is_map(&value) {
                self.merged(old, &value, overwrite, depth + 1)
            } else {
                let (set_old, set_new) = (truth(y, old), truth(y, &value));
                match (overwrite, set_old, set_new) {
                    (_, None, _) | (_, _, None) => Val::Unknown,
                    (true, _, Some(true)) | (false, Some(false), _) => value,
                    _ => old.clone(),
                }
            };
            out[at].1 = new;
        }
        Val::Dict(Rc::new(out))
    }

    /// `pattern` compiled for Sprig's `regexMatch` (Go's RE2 syntax, which
    /// the `regex` crate shares but for Unicode classes); `None` when it is
    /// not one here. Patterns come from strangers' charts: each new one
    /// costs steps of the file's budget, and its size is bounded.
    fn regex(&mut self, pattern: &str) -> Result<Option<Rc<regex::Regex>>, Stop> {
        if let Some(re) = self.chart.regexes.borrow().get(pattern) {
            return Ok(re.clone());
        }
        self.steps += REGEX_STEPS;
        if self.steps > MAX_STEPS {
            return Err(Stop::Abort);
        }
        let re = (pattern.len() <= MAX_PATTERN)
            .then(|| {
                regex::RegexBuilder::new(pattern)
                    .size_limit(MAX_REGEX_SIZE)
                    .build()
                    .ok()
            })
            .flatten()
            .map(Rc::new);
        let mut kept = self.chart.regexes.borrow_mut();
        if kept.len() < MAX_PATTERNS_KEPT {
            kept.insert(pattern.to_string(), re.clone());
        }
        Ok(re)
    }

    fn func(&mut self, name: &str, args: Vec<Val>) -> Result<Val, Stop> {
        let y = self.chart.values;
        if !PASS_ON.contains(&name) {
            for a in &args {
                sources_of(y, a, &mut self.consumed);
            }
        }
        let text = |v: &Val| text_of(y, v);
        Ok(match (name, args.as_slice()) {
            ("fail", vs) => {
                let from = vs.iter().filter_map(&text).flat_map(|(_, f)| f.to_vec());
                return Err(Stop::Fail(from.collect()));
            }
            ("regexMatch", [pattern, v]) => match (text(pattern), text(v)) {
                (Some((p, _)), Some((s, _))) => match self.regex(&p)? {
                    Some(re) => Val::Bool(re.is_match(&s)),
                    None => Val::Unknown,
                },
                _ => Val::Unknown,
            },
            // Sprig's `split`: a dict of the pieces, keyed `_0`, `_1`...
            ("split", [sep, v]) => match (text(sep), text(v)) {
                (Some((sep, _)), Some((s, from))) if !sep.is_empty() => {
                    let pieces = s.split(sep.as_str()).take(MAX_RANGE);
                    let entries = pieces
                        .enumerate()
                        .map(|(i, piece)| (format!("_{i}"), Val::Str(piece.into(), from.clone())));
                    Val::Dict(Rc::new(entries.collect()))
                }
                _ => Val::Unknown,
            },
            // `include "x" . | fromYaml | toYaml`: the same YAML, re-written;
            // its `image:` lines are the template's.
            ("fromYaml" | "toYaml", [v @ Val::Output(_)]) => v.clone(),
            ("fromYaml", [v @ Val::Str(..)]) => v.clone(),
            // A value passed over still counts as read where the result goes:
            // once set (a digest added to an empty tag), it is what is used.
            ("default", [d, v]) => match truth(y, v) {
                Some(true) => v.clone(),
                Some(false) => also_from(y, d, v),
                None => Val::Unknown,
            },
            ("default", [d]) => d.clone(),
            ("required", [_, v]) => v.clone(),
            ("coalesce", vs) => {
                for (i, v) in vs.iter().enumerate() {
                    match truth(y, v) {
                        Some(true) => {
                            return Ok(vs[..i]
                                .iter()
                                .fold(v.clone(), |r, skipped| also_from(y, &r, skipped)))
                        }
                        Some(false) => {}
                        None => return Ok(Val::Unknown),
                    }
                }
                Val::Nil
            }
            ("ternary", [a, b, c]) => match truth(y, c) {
                Some(true) => a.clone(),
                Some(false) => b.clone(),
                None => Val::Unknown,
            },
            ("empty", [v]) => truth(y, v).map_or(Val::Unknown, |t| Val::Bool(!t)),
            ("not", [v]) => truth(y, v).map_or(Val::Unknown, |t| Val::Bool(!t)),
            // Go's `and` stops at the first false value, `or` at the first
            // true one; else both give the last.
            ("and" | "or", vs) if !vs.is_empty() => {
                let stop_at = name == "or";
                for v in vs {
                    match truth(y, v) {
                        Some(t) if t == stop_at => return Ok(v.clone()),
                        Some(_) => {}
                        None => return Ok(Val::Unknown),
                    }
                }
                vs[vs.len() - 1].clone()
            }
            ("eq" | "ne", [a, rest @ ..]) if !rest.is_empty() => {
                let Some(a) = text(a) else {
                    return Ok(Val::Unknown);
                };
                let mut equal = false;
                for b in rest {
                    match text(b) {
                        Some(b) => equal |= a.0 == b.0,
                        None => return Ok(Val::Unknown),
                    }
                }
                Val::Bool(equal == (name == "eq"))
            }
            ("quote", [v]) => map_text(y, v, |s| format!("\"{s}\"")),
            ("squote", [v]) => map_text(y, v, |s| format!("'{s}'")),
            ("toString" | "tpl" | "toYaml", [v, ..]) if !matches!(v, Val::Node(n) if !is_scalar(y, *n)) =>
            {
                match text(v) {
                    // `tpl` of a string with no action is the string.
                    Some((s, _)) if name == "tpl" && s.contains("{{") => Val::Unknown,
                    Some((s, from)) => Val::Str(s, from),
                    None => Val::Unknown,
                }
            }
            ("trim", [v]) => map_text(y, v, |s| s.trim().to_string()),
            ("trunc", [Val::Int(n), v]) if *n >= 0 => {
                map_text(y, v, |s| s.chars().take(*n as usize).collect())
            }
            // Sprig's case changes, as charts make section names with them.
            ("camelcase", [v]) => map_text(y, v, |s| {
                s.split('_')
                    .map(|w| capitalized(w, char::to_uppercase))
                    .collect()
            }),
            ("title", [v]) => map_text(y, v, |s| each_word(s, char::to_uppercase)),
            ("untitle", [v]) => map_text(y, v, |s| each_word(s, char::to_lowercase)),
            ("lower", [v]) => map_text(y, v, |s| s.to_lowercase()),
            ("upper", [v]) => map_text(y, v, |s| s.to_uppercase()),
            ("trimPrefix" | "trimSuffix", [p, v]) => match text(p) {
                Some((p, _)) => map_text(y, v, |s| {
                    let cut = if name == "trimPrefix" {
                        s.strip_prefix(p.as_str())
                    } else {
                        s.strip_suffix(p.as_str())
                    };
                    cut.unwrap_or(s).to_string()
                }),
                None => Val::Unknown,
            },
            ("replace", [old, new, v]) => match (text(old), text(new)) {
                (Some((o, _)), Some((n, _))) => map_text(y, v, |s| s.replace(&o, &n)),
                _ => Val::Unknown,
            },
            ("hasPrefix" | "hasSuffix" | "contains", [p, v]) => match (text(p), text(v)) {
                (Some((p, _)), Some((s, _))) => Val::Bool(match name {
                    "hasPrefix" => s.starts_with(&p),
                    "hasSuffix" => s.ends_with(&p),
                    _ => s.contains(&p),
                }),
                _ => Val::Unknown,
            },
            ("printf", [format, rest @ ..]) => match text(format) {
                Some((f, _)) => printf(y, &f, rest),
                None => Val::Unknown,
            },
            ("print", vs) => concat(y, vs),
            ("dict", vs) if vs.len() % 2 == 0 => {
                let mut entries = Vec::new();
                for pair in vs.chunks(2) {
                    match text(&pair[0]) {
                        Some((k, _)) => entries.push((k, pair[1].clone())),
                        None => return Ok(Val::Unknown),
                    }
                }
                Val::Dict(Rc::new(entries))
            }
            ("list", vs) => Val::List(Rc::new(vs.to_vec())),
            ("merge" | "mergeOverwrite", [dst, srcs @ ..]) => {
                let overwrite = name == "mergeOverwrite";
                let mut merged = dst.clone();
                for src in srcs {
                    merged = self.merged(&merged, src, overwrite, 0);
                }
                merged
            }
            ("hasKey", [m, k]) => match (m, text(k)) {
                (Val::Node(n), Some((k, _))) if y.is_map(*n) => Val::Bool(y.get(*n, &k).is_some()),
                (Val::Dict(e), Some((k, _))) => Val::Bool(e.iter().any(|(x, _)| *x == k)),
                _ => Val::Unknown,
            },
            ("get" | "index", [m, k]) => match text(k) {
                Some((k, _)) if matches!(m, Val::Node(_) | Val::Dict(_)) => self.get(m, &k),
                _ => Val::Unknown,
            },
            ("kindIs", [kind, v]) => match (text(kind), kind_of(y, v)) {
                (Some((k, _)), Some(actual)) => Val::Bool(k == actual),
                _ => Val::Unknown,
            },
            ("nindent" | "indent", [Val::Int(n), Val::Output(chunks)]) if (0..=256).contains(n) => {
                Val::Output(Rc::new(indented(chunks, *n as usize, name == "nindent")))
            }
            ("nindent" | "indent", [n, v]) => match (n, text(v)) {
                (Val::Int(n), Some((s, from))) if (0..=256).contains(n) => {
                    let pad = " ".repeat(*n as usize);
                    let body: Vec<String> = s.lines().map(|l| format!("{pad}{l}")).collect();
                    let lead = if name == "nindent" { "\n" } else { "" };
                    Val::Str(format!("{lead}{}", body.join("\n")), from)
                }
                _ => Val::Unknown,
            },
            ("include", [name, arg]) => match text(name) {
                Some((name, _)) => self.include(&name, arg)?,
                None => Val::Unknown,
            },
            _ => Val::Unknown,
        })
    }
}

fn unknown_chunk() -> Chunk {
    Chunk {
        text: String::new(),
        origin: Origin::Unknown,
    }
}

/// Chunks indented by `n` spaces after each line break (and first, for
/// `nindent`, after a line break of its own). Template text is cut at its
/// line breaks so each piece keeps its place in the file.
fn indented(chunks: &[Chunk], n: usize, new_line: bool) -> Vec<Chunk> {
    let pad = || Chunk {
        text: " ".repeat(n),
        origin: Origin::Values(Rc::from([])),
    };
    let mut out = Vec::with_capacity(chunks.len() * 2);
    if new_line {
        out.push(Chunk {
            text: "\n".into(),
            origin: Origin::Values(Rc::from([])),
        });
    }
    let mut line_start = true;
    for c in chunks {
        if c.text.is_empty() {
            out.push(c.clone());
            continue;
        }
        let mut offset = 0;
        for piece in c.text.split_inclusive('\n') {
            if line_start {
                out.push(pad());
            }
            let origin = match &c.origin {
                Origin::Template { file, at } => Origin::Template {
                    file: *file,
                    at: at + offset,
                },
                other => other.clone(),
            };
            out.push(Chunk {
                text: piece.to_string(),
                origin,
            });
            offset += piece.len();
            line_start = piece.ends_with('\n');
        }
    }
    out
}

/// The chunks of an `include` as one string, or as they are when parts
/// are unknown.
fn joined(chunks: Vec<Chunk>) -> Val {
    let mut text = String::new();
    let mut from = Vec::new();
    for c in &chunks {
        match &c.origin {
            Origin::Unknown => return Val::Output(Rc::new(chunks)),
            Origin::Values(f) => from.extend_from_slice(f),
            Origin::Template { .. } => {}
        }
        text.push_str(&c.text);
    }
    Val::Str(text, from.into())
}

/// A values node as a value: scalars typed as YAML reads them.
pub fn node_val(y: &Yaml, n: NodeId) -> Val {
    let Some(s) = y.scalar(n) else {
        return Val::Node(n);
    };
    plain_val(s).unwrap_or_else(|| Val::Str(s.value.to_string(), Rc::from([s.span.start])))
}

/// What a plain scalar that is not text reads as: null, a boolean, an
/// integer; `None` for text.
fn plain_val(s: &crate::extract::yaml::Scalar) -> Option<Val> {
    if s.style != ScalarStyle::Plain {
        return None;
    }
    match &*s.value {
        "" | "~" | "null" | "Null" | "NULL" => Some(Val::Nil),
        "true" | "True" | "TRUE" => Some(Val::Bool(true)),
        "false" | "False" | "FALSE" => Some(Val::Bool(false)),
        v => match v.parse::<i64>() {
            Ok(i) if !v.starts_with('+') && (v == "0" || !v.starts_with('0')) => Some(Val::Int(i)),
            _ => None,
        },
    }
}

/// Adds to `out` the values scalars the text of `v` is made from (as
/// `text_of` has them), without building the text.
fn sources_of(y: &Yaml, v: &Val, out: &mut Vec<usize>) {
    match v {
        Val::Str(_, from) => out.extend_from_slice(from),
        Val::Node(n) => {
            if let Some(s) = y.scalar(*n).filter(|s| plain_val(s).is_none()) {
                out.push(s.span.start);
            }
        }
        _ => {}
    }
}

fn is_scalar(y: &Yaml, n: NodeId) -> bool {
    y.scalar(n).is_some()
}

/// Go template truth: empty values are false; `None` when unknown.
pub fn truth(y: &Yaml, v: &Val) -> Option<bool> {
    Some(match v {
        Val::Unknown | Val::Output(_) => return None,
        Val::Nil => false,
        Val::Bool(b) => *b,
        Val::Int(i) => *i != 0,
        Val::Str(s, _) => !s.is_empty(),
        Val::Node(n) => match y.seq(*n) {
            Some(items) => !items.is_empty(),
            None if y.is_map(*n) => !y.entries(*n).is_empty(),
            None => return truth(y, &node_val(y, *n)),
        },
        Val::Dict(e) => !e.is_empty(),
        Val::List(l) => !l.is_empty(),
        Val::Top | Val::Chart | Val::Release => true,
    })
}

/// A value as text (with the scalars it came from), when it is a scalar.
fn text_of(y: &Yaml, v: &Val) -> Option<(String, Rc<[usize]>)> {
    match v {
        Val::Str(s, from) => Some((s.clone(), from.clone())),
        Val::Int(i) => Some((i.to_string(), Rc::from([]))),
        Val::Bool(b) => Some((b.to_string(), Rc::from([]))),
        Val::Nil => Some((String::new(), Rc::from([]))),
        Val::Node(n) if is_scalar(y, *n) => text_of(y, &node_val(y, *n)),
        _ => None,
    }
}

/// Each space-separated word of `s` with its first letter changed by `case`.
fn each_word<I: Iterator<Item = char>>(s: &str, case: fn(char) -> I) -> String {
    let words: Vec<String> = s.split(' ').map(|w| capitalized(w, case)).collect();
    words.join(" ")
}

/// `word` with its first letter changed by `case`.
fn capitalized<I: Iterator<Item = char>>(word: &str, case: fn(char) -> I) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => case(first).chain(chars).collect(),
        None => String::new(),
    }
}

/// `v` as made also from the scalars `other` was made from (a string only).
fn also_from(y: &Yaml, v: &Val, other: &Val) -> Val {
    match (v, text_of(y, other)) {
        (Val::Str(s, from), Some((_, more))) if !more.is_empty() => {
            let mut all = from.to_vec();
            all.extend_from_slice(&more);
            Val::Str(s.clone(), all.into())
        }
        _ => v.clone(),
    }
}

fn map_text(y: &Yaml, v: &Val, f: impl FnOnce(&str) -> String) -> Val {
    match text_of(y, v) {
        Some((s, from)) => Val::Str(f(&s), from),
        None => Val::Unknown,
    }
}

fn kind_of(y: &Yaml, v: &Val) -> Option<&'static str> {
    Some(match v {
        Val::Str(..) => "string",
        Val::Int(_) => "int64",
        Val::Bool(_) => "bool",
        Val::Nil => "invalid",
        Val::Dict(_) => "map",
        Val::List(_) => "slice",
        Val::Node(n) if y.seq(*n).is_some() => "slice",
        Val::Node(n) if y.is_map(*n) => "map",
        Val::Node(n) => return kind_of(y, &node_val(y, *n)),
        _ => return None,
    })
}

fn concat(y: &Yaml, vs: &[Val]) -> Val {
    let mut text = String::new();
    let mut from = Vec::new();
    for v in vs {
        match text_of(y, v) {
            Some((s, f)) => {
                text.push_str(&s);
                from.extend_from_slice(&f);
            }
            None => return Val::Unknown,
        }
    }
    Val::Str(text, from.into())
}

/// Go's `%q` of a string: quoted, with quotes, backslashes and control
/// characters escaped.
fn go_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() && (c as u32) < 0x80 => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `printf` with `%s`, `%v`, `%d`, `%q` and `%%`; any other verb is unknown.
fn printf(y: &Yaml, format: &str, args: &[Val]) -> Val {
    let mut text = String::new();
    let mut from = Vec::new();
    let mut args = args.iter();
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            text.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => text.push('%'),
            Some(verb @ ('s' | 'v' | 'd' | 'q')) => match args.next().and_then(|a| text_of(y, a)) {
                Some((s, f)) => {
                    if verb == 'q' {
                        text.push_str(&go_quoted(&s));
                    } else {
                        text.push_str(&s);
                    }
                    from.extend_from_slice(&f);
                }
                None => return Val::Unknown,
            },
            _ => return Val::Unknown,
        }
    }
    Val::Str(text, from.into())
}
