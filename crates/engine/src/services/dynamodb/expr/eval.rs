//! Evaluating expressions against an item, with DynamoDB's rules: a missing attribute makes a
//! comparison false (never an error); ordering compares only values of the same scalar type;
//! equality compares any two values, sets regardless of element order.

use std::cmp::Ordering;

use super::{Cmp, Cond, Operand, Path, PathElem};
use crate::services::dynamodb::value::{AttributeValue, Item};

/// The value at `path` in `item`, if there is one.
pub fn resolve<'a>(item: &'a Item, path: &Path) -> Option<&'a AttributeValue> {
    let mut elems = path.0.iter();
    let mut cur = match elems.next()? {
        PathElem::Attr(a) => item.get(a)?,
        PathElem::Index(_) => return None,
    };
    for e in elems {
        cur = match (e, cur) {
            (PathElem::Attr(a), AttributeValue::M(m)) => m.get(a)?,
            (PathElem::Index(i), AttributeValue::L(l)) => l.get(*i)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// Order of two values of the same scalar type (N numerically, S and B by bytes); `None` for
/// anything else.
pub fn order(a: &AttributeValue, b: &AttributeValue) -> Option<Ordering> {
    match (a, b) {
        (AttributeValue::N(x), AttributeValue::N(y)) => Some(x.cmp(y)),
        (AttributeValue::S(x), AttributeValue::S(y)) => Some(x.as_bytes().cmp(y.as_bytes())),
        (AttributeValue::B(x), AttributeValue::B(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

fn same_members<T: PartialEq>(a: &[T], b: &[T]) -> bool {
    a.len() == b.len() && a.iter().all(|x| b.contains(x))
}

/// DynamoDB equality: sets are equal when they hold the same members in any order.
pub fn equal(a: &AttributeValue, b: &AttributeValue) -> bool {
    match (a, b) {
        (AttributeValue::Ss(x), AttributeValue::Ss(y)) => same_members(x, y),
        (AttributeValue::Ns(x), AttributeValue::Ns(y)) => same_members(x, y),
        (AttributeValue::Bs(x), AttributeValue::Bs(y)) => same_members(x, y),
        (AttributeValue::L(x), AttributeValue::L(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| equal(p, q)),
        (AttributeValue::M(x), AttributeValue::M(y)) => x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| equal(v, w))),
        _ => a == b,
    }
}

/// `size()`: characters of a string (AWS counts the string's length), bytes of a binary,
/// elements of a set, list or map.
fn size(v: &AttributeValue) -> Option<AttributeValue> {
    let n = match v {
        AttributeValue::S(s) => s.chars().count(),
        AttributeValue::B(b) => b.len(),
        AttributeValue::Ss(x) => x.len(),
        AttributeValue::Ns(x) => x.len(),
        AttributeValue::Bs(x) => x.len(),
        AttributeValue::L(x) => x.len(),
        AttributeValue::M(x) => x.len(),
        _ => return None,
    };
    crate::services::dynamodb::number::Number::parse(&n.to_string()).ok().map(AttributeValue::N)
}

fn operand(item: &Item, o: &Operand) -> Option<AttributeValue> {
    match o {
        Operand::Value(v) => Some(v.clone()),
        Operand::Path(p) => resolve(item, p).cloned(),
        Operand::Size(p) => resolve(item, p).and_then(size),
    }
}

/// Whether `item` satisfies `cond`. An absent item is an empty one (PutItem on a new key).
///
/// A chain of 150 ANDs nests 150 deep, so the recursion keeps a tiny frame: the comparisons
/// and functions, with their temporary values, are evaluated in `leaf` (a debug build spent
/// ~3.5 KB of stack per level before).
pub fn matches(item: &Item, cond: &Cond) -> bool {
    match cond {
        Cond::And(a, b) => matches(item, a) && matches(item, b),
        Cond::Or(a, b) => matches(item, a) || matches(item, b),
        Cond::Not(c) => !matches(item, c),
        leaf => matches_leaf(item, leaf),
    }
}

#[inline(never)]
fn matches_leaf(item: &Item, cond: &Cond) -> bool {
    match cond {
        Cond::And(..) | Cond::Or(..) | Cond::Not(..) => matches(item, cond),
        Cond::Exists(p) => resolve(item, p).is_some(),
        Cond::NotExists(p) => resolve(item, p).is_none(),
        Cond::Type(p, t) => match (resolve(item, p), operand(item, t)) {
            (Some(v), Some(AttributeValue::S(t))) => v.type_name() == t,
            _ => false,
        },
        Cond::BeginsWith(a, b) => match (operand(item, a), operand(item, b)) {
            (Some(AttributeValue::S(x)), Some(AttributeValue::S(y))) => x.starts_with(&y),
            (Some(AttributeValue::B(x)), Some(AttributeValue::B(y))) => x.starts_with(&y),
            _ => false,
        },
        Cond::Contains(a, b) => match (operand(item, a), operand(item, b)) {
            (Some(AttributeValue::S(x)), Some(AttributeValue::S(y))) => x.contains(&y),
            (Some(AttributeValue::B(x)), Some(AttributeValue::B(y))) => y.is_empty() || x.windows(y.len()).any(|w| w == y.as_slice()),
            (Some(AttributeValue::Ss(x)), Some(AttributeValue::S(y))) => x.contains(&y),
            (Some(AttributeValue::Ns(x)), Some(AttributeValue::N(y))) => x.contains(&y),
            (Some(AttributeValue::Bs(x)), Some(AttributeValue::B(y))) => x.contains(&y),
            (Some(AttributeValue::L(x)), Some(y)) => x.iter().any(|e| equal(e, &y)),
            _ => false,
        },
        Cond::Cmp(cmp, a, b) => {
            let (Some(x), Some(y)) = (operand(item, a), operand(item, b)) else {
                return false;
            };
            match cmp {
                Cmp::Eq => equal(&x, &y),
                Cmp::Ne => !equal(&x, &y),
                _ => match order(&x, &y) {
                    Some(o) => match cmp {
                        Cmp::Lt => o == Ordering::Less,
                        Cmp::Le => o != Ordering::Greater,
                        Cmp::Gt => o == Ordering::Greater,
                        _ => o != Ordering::Less,
                    },
                    None => false,
                },
            }
        }
        Cond::Between(x, lo, hi) => match (operand(item, x), operand(item, lo), operand(item, hi)) {
            (Some(v), Some(l), Some(h)) => order(&l, &v).is_some_and(|o| o != Ordering::Greater) && order(&v, &h).is_some_and(|o| o != Ordering::Greater),
            _ => false,
        },
        Cond::In(x, list) => match operand(item, x) {
            Some(v) => list.iter().any(|o| operand(item, o).is_some_and(|w| equal(&v, &w))),
            None => false,
        },
    }
}

/// Which parts of a value a projection selects: all of it, or some children.
#[derive(Default)]
struct Selection {
    whole: bool,
    children: std::collections::BTreeMap<PathElem, Selection>,
}

impl Selection {
    fn add(&mut self, path: &[PathElem]) {
        match path.split_first() {
            None => self.whole = true,
            Some((head, rest)) => self.children.entry(head.clone()).or_default().add(rest),
        }
    }

    fn apply(&self, v: &AttributeValue) -> Option<AttributeValue> {
        if self.whole {
            return Some(v.clone());
        }
        match v {
            AttributeValue::M(m) => {
                let mut out = Item::default();
                for (e, sel) in &self.children {
                    if let PathElem::Attr(a) = e {
                        if let Some(x) = m.get(a).and_then(|c| sel.apply(c)) {
                            out.insert(a.clone(), x);
                        }
                    }
                }
                (!out.is_empty()).then_some(AttributeValue::M(out))
            }
            AttributeValue::L(l) => {
                // Selected elements, in index order.
                let out: Vec<AttributeValue> = self
                    .children
                    .iter()
                    .filter_map(|(e, sel)| match e {
                        PathElem::Index(i) => l.get(*i).and_then(|x| sel.apply(x)),
                        PathElem::Attr(_) => None,
                    })
                    .collect();
                (!out.is_empty()).then_some(AttributeValue::L(out))
            }
            _ => None,
        }
    }
}

/// The parts of `item` that `paths` name, keeping their nesting; a projected list keeps the
/// selected elements in index order.
pub fn project(item: &Item, paths: &[Path]) -> Item {
    let mut root = Selection::default();
    for p in paths {
        root.add(&p.0);
    }
    let mut out = Item::default();
    for (e, sel) in &root.children {
        if let PathElem::Attr(a) = e {
            if let Some(x) = item.get(a).and_then(|v| sel.apply(v)) {
                out.insert(a.clone(), x);
            }
        }
    }
    out
}
