//! What each `include` gave, kept for the next with the same name and
//! argument. A helper's output depends on nothing else (its `$` and `.`
//! are the argument, and the values are fixed for one render), and charts
//! include the same few helpers with the top object in every template:
//! 5,755 includes over the real repositories' charts had 589 distinct
//! name and argument pairs.

use super::eval::Val;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// Kept outputs by helper name; at most `MAX_ARGS_KEPT` arguments each,
/// so a lookup compares with few.
#[derive(Default)]
pub struct Includes(RefCell<HashMap<String, Vec<Included>>>);

const MAX_ARGS_KEPT: usize = 16;

/// One finished `include`: what it gave, what it read, and what it cost,
/// so that a reuse spends the same budgets and is refused where running
/// it again would have stopped.
#[derive(Clone)]
pub struct Included {
    pub arg: Val,
    pub made: Val,
    /// Values scalars read for something other than writing them out.
    pub consumed: Rc<[usize]>,
    pub steps: usize,
    pub bytes: usize,
    /// How many calls and blocks deep it went below where it started.
    pub calls: usize,
    pub depth: usize,
}

impl Includes {
    /// What `include name arg` gave before, if it was kept.
    pub fn get(&self, name: &str, arg: &Val) -> Option<Included> {
        let kept = self.0.borrow();
        let found = kept.get(name)?.iter().find(|i| same(&i.arg, arg));
        found.cloned()
    }

    pub fn keep(&self, name: &str, included: Included) {
        let mut kept = self.0.borrow_mut();
        let args = kept.entry(name.to_string()).or_default();
        if args.len() < MAX_ARGS_KEPT {
            args.push(included);
        }
    }
}

/// Whether two values are the same for a helper: the same values nodes,
/// texts made from the same scalars, maps and lists of such. An output
/// with unknown parts is the same only as itself.
fn same(a: &Val, b: &Val) -> bool {
    match (a, b) {
        (Val::Unknown, Val::Unknown)
        | (Val::Nil, Val::Nil)
        | (Val::Top, Val::Top)
        | (Val::Chart, Val::Chart)
        | (Val::Release, Val::Release) => true,
        (Val::Bool(a), Val::Bool(b)) => a == b,
        (Val::Int(a), Val::Int(b)) => a == b,
        (Val::Str(a, from_a), Val::Str(b, from_b)) => a == b && from_a == from_b,
        (Val::Node(a), Val::Node(b)) => a == b,
        (Val::Dict(a), Val::Dict(b)) => {
            Rc::ptr_eq(a, b)
                || a.len() == b.len()
                    && a.iter()
                        .zip(b.iter())
                        .all(|((ka, va), (kb, vb))| ka == kb && same(va, vb))
        }
        (Val::List(a), Val::List(b)) => {
            Rc::ptr_eq(a, b)
                || a.len() == b.len() && a.iter().zip(b.iter()).all(|(a, b)| same(a, b))
        }
        (Val::Output(a), Val::Output(b)) => Rc::ptr_eq(a, b),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_the_same_by_what_they_hold() {
        let dict = |v: Val| Val::Dict(Rc::new(vec![("ctx".into(), Val::Top), ("x".into(), v)]));
        assert!(same(&dict(Val::Node(3)), &dict(Val::Node(3))));
        assert!(!same(&dict(Val::Node(3)), &dict(Val::Node(4))));
        // The same text from other scalars is another argument: what the
        // helper writes is made from other values.
        let s = |from: &[usize]| Val::Str("a".into(), Rc::from(from));
        assert!(same(&s(&[1]), &s(&[1])));
        assert!(!same(&s(&[1]), &s(&[2])));
        assert!(!same(&Val::Int(1), &Val::Bool(true)));
    }

    #[test]
    fn few_arguments_are_kept_per_name() {
        let includes = Includes::default();
        let kept = |arg| Included {
            arg,
            made: Val::Nil,
            consumed: Rc::from([]),
            steps: 0,
            bytes: 0,
            calls: 0,
            depth: 0,
        };
        for i in 0..(MAX_ARGS_KEPT as i64 + 4) {
            includes.keep("h", kept(Val::Int(i)));
        }
        assert!(includes.get("h", &Val::Int(0)).is_some());
        assert!(includes.get("h", &Val::Int(MAX_ARGS_KEPT as i64)).is_none());
        assert!(includes.get("other", &Val::Int(0)).is_none());
    }
}
