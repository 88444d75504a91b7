//! Update expressions: the actions and applying them to an item. Every operand reads the item
//! as it was before the update; the result is validated whole, so a failed update changes
//! nothing.

use super::{eval::resolve, Path, PathElem};
use crate::{
    kernel::error::AwsError,
    services::dynamodb::value::{AttributeValue, Item, MAX_DEPTH},
};

#[derive(Debug, Clone, PartialEq)]
pub enum UOperand {
    Path(Path),
    Value(AttributeValue),
    IfNotExists(Path, Box<UOperand>),
    ListAppend(Box<UOperand>, Box<UOperand>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum SetValue {
    Operand(UOperand),
    Plus(UOperand, UOperand),
    Minus(UOperand, UOperand),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Set(Path, SetValue),
    Remove(Path),
    Add(Path, AttributeValue),
    Delete(Path, AttributeValue),
}

impl Action {
    pub fn path(&self) -> &Path {
        match self {
            Action::Set(p, _) | Action::Remove(p) | Action::Add(p, _) | Action::Delete(p, _) => p,
        }
    }
}

fn bad_type() -> AwsError {
    AwsError::validation("An operand in the update expression has an incorrect data type")
}

fn missing() -> AwsError {
    AwsError::validation("The provided expression refers to an attribute that does not exist in the item")
}

fn invalid_path() -> AwsError {
    AwsError::validation("The document path provided in the update expression is invalid for update")
}

fn operand(old: &Item, o: &UOperand) -> Result<AttributeValue, AwsError> {
    match o {
        UOperand::Value(v) => Ok(v.clone()),
        UOperand::Path(p) => resolve(old, p).cloned().ok_or_else(missing),
        UOperand::IfNotExists(p, d) => match resolve(old, p) {
            Some(v) => Ok(v.clone()),
            None => operand(old, d),
        },
        UOperand::ListAppend(a, b) => match (operand(old, a)?, operand(old, b)?) {
            (AttributeValue::L(mut x), AttributeValue::L(y)) => {
                x.extend(y);
                Ok(AttributeValue::L(x))
            }
            _ => Err(bad_type()),
        },
    }
}

fn number_error(e: crate::services::dynamodb::number::NumberError) -> AwsError {
    AwsError::validation(e.message())
}

fn set_value(old: &Item, v: &SetValue) -> Result<AttributeValue, AwsError> {
    match v {
        SetValue::Operand(o) => operand(old, o),
        SetValue::Plus(a, b) | SetValue::Minus(a, b) => match (operand(old, a)?, operand(old, b)?) {
            (AttributeValue::N(x), AttributeValue::N(y)) => {
                let y = if matches!(v, SetValue::Minus(..)) { y.negated() } else { y };
                x.add(&y).map(AttributeValue::N).map_err(number_error)
            }
            _ => Err(bad_type()),
        },
    }
}

/// The slot a path names, creating nothing: its parent must exist and have the right shape.
fn parent_mut<'a>(item: &'a mut Item, path: &Path) -> Result<Option<&'a mut AttributeValue>, AwsError> {
    let elems = &path.0;
    if elems.len() == 1 {
        return Ok(None);
    }
    let PathElem::Attr(first) = &elems[0] else { return Err(invalid_path()) };
    let mut cur = item.get_mut(first).ok_or_else(invalid_path)?;
    for e in &elems[1..elems.len() - 1] {
        cur = match (e, cur) {
            (PathElem::Attr(a), AttributeValue::M(m)) => m.get_mut(a).ok_or_else(invalid_path)?,
            (PathElem::Index(i), AttributeValue::L(l)) => l.get_mut(*i).ok_or_else(invalid_path)?,
            _ => return Err(invalid_path()),
        };
    }
    Ok(Some(cur))
}

fn put(item: &mut Item, path: &Path, value: AttributeValue) -> Result<(), AwsError> {
    let last = path.0.last().ok_or_else(invalid_path)?;
    match (parent_mut(item, path)?, last) {
        (None, PathElem::Attr(a)) => {
            item.insert(a.clone(), value);
        }
        (Some(AttributeValue::M(m)), PathElem::Attr(a)) => {
            m.insert(a.clone(), value);
        }
        (Some(AttributeValue::L(l)), PathElem::Index(i)) => {
            // An index past the end appends, as DynamoDB does.
            if *i < l.len() {
                l[*i] = value;
            } else {
                l.push(value);
            }
        }
        _ => return Err(invalid_path()),
    }
    Ok(())
}

fn remove(item: &mut Item, path: &Path) -> Result<(), AwsError> {
    let Some(last) = path.0.last() else { return Ok(()) };
    match (parent_mut(item, path), last) {
        (Ok(None), PathElem::Attr(a)) => {
            item.shift_remove(a);
        }
        (Ok(Some(AttributeValue::M(m))), PathElem::Attr(a)) => {
            m.shift_remove(a);
        }
        (Ok(Some(AttributeValue::L(l))), PathElem::Index(i)) => {
            if *i < l.len() {
                l.remove(*i);
            }
        }
        // Removing something that is not there is not an error.
        (Err(_), _) | (Ok(Some(_)), _) | (Ok(None), PathElem::Index(_)) => {}
    }
    Ok(())
}

fn union<T: PartialEq + Clone>(a: &mut Vec<T>, b: &[T]) {
    for x in b {
        if !a.contains(x) {
            a.push(x.clone());
        }
    }
}

/// Applies `actions` to `item` (a copy of `old`, or the new item's key), reading operands from
/// `old`.
pub fn apply(item: &mut Item, old: &Item, actions: &[Action]) -> Result<(), AwsError> {
    // Compute every SET value first: all operands see the item as it was.
    let mut sets = Vec::new();
    for a in actions {
        if let Action::Set(p, v) = a {
            sets.push((p, set_value(old, v)?));
        }
    }
    for (p, v) in sets {
        put(item, p, v)?;
    }
    for a in actions {
        match a {
            Action::Add(p, v) => {
                let new = match (resolve(old, p), v) {
                    (None, v) => v.clone(),
                    (Some(AttributeValue::N(x)), AttributeValue::N(y)) => AttributeValue::N(x.add(y).map_err(number_error)?),
                    (Some(AttributeValue::Ss(x)), AttributeValue::Ss(y)) => AttributeValue::Ss({
                        let mut x = x.clone();
                        union(&mut x, y);
                        x
                    }),
                    (Some(AttributeValue::Ns(x)), AttributeValue::Ns(y)) => AttributeValue::Ns({
                        let mut x = x.clone();
                        union(&mut x, y);
                        x
                    }),
                    (Some(AttributeValue::Bs(x)), AttributeValue::Bs(y)) => AttributeValue::Bs({
                        let mut x = x.clone();
                        union(&mut x, y);
                        x
                    }),
                    _ => return Err(bad_type()),
                };
                put(item, p, new)?;
            }
            Action::Delete(p, v) => {
                let remaining = match (resolve(old, p), v) {
                    (None, _) => continue,
                    (Some(AttributeValue::Ss(x)), AttributeValue::Ss(y)) => AttributeValue::Ss(x.iter().filter(|e| !y.contains(e)).cloned().collect()),
                    (Some(AttributeValue::Ns(x)), AttributeValue::Ns(y)) => AttributeValue::Ns(x.iter().filter(|e| !y.contains(e)).cloned().collect()),
                    (Some(AttributeValue::Bs(x)), AttributeValue::Bs(y)) => AttributeValue::Bs(x.iter().filter(|e| !y.contains(e)).cloned().collect()),
                    _ => return Err(bad_type()),
                };
                let empty = matches!(&remaining, AttributeValue::Ss(v) if v.is_empty())
                    || matches!(&remaining, AttributeValue::Ns(v) if v.is_empty())
                    || matches!(&remaining, AttributeValue::Bs(v) if v.is_empty());
                if empty {
                    remove(item, p)?;
                } else {
                    put(item, p, remaining)?;
                }
            }
            _ => {}
        }
    }
    // Removals last, highest list index first, so earlier indexes still mean what they said.
    let mut removes: Vec<&Path> = actions
        .iter()
        .filter_map(|a| match a {
            Action::Remove(p) => Some(p),
            _ => None,
        })
        .collect();
    removes.sort_by(|a, b| b.cmp(a));
    for p in removes {
        remove(item, p)?;
    }
    // A value placed under a document path nests deeper than the value alone: the result must
    // stay within the item nesting limit, as PutItem's items do (and as a sandbox reload needs).
    for a in actions {
        if let Some(PathElem::Attr(top)) = a.path().0.first() {
            if item.get(top).is_some_and(|v| nesting(v) > MAX_DEPTH) {
                return Err(AwsError::validation("One or more parameter values were invalid: Nesting Levels have exceeded supported limits"));
            }
        }
    }
    Ok(())
}

/// Levels of lists and maps below `v` (0 for a scalar or a set).
fn nesting(v: &AttributeValue) -> usize {
    match v {
        AttributeValue::L(l) => l.iter().map(|x| 1 + nesting(x)).max().unwrap_or(0),
        AttributeValue::M(m) => m.values().map(|x| 1 + nesting(x)).max().unwrap_or(0),
        _ => 0,
    }
}
