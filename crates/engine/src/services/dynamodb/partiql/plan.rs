//! From a parsed statement to what the engine runs: literals and `?` parameters become attribute
//! values, WHERE clauses become the expression module's [`Cond`] (so reads and conditional
//! writes use exactly the comparison rules of ConditionExpression and FilterExpression), SET and
//! REMOVE become update actions, and the key is found in the WHERE clause.
//!
//! A SELECT becomes a Query of one or more partitions when every OR branch of its WHERE clause
//! fixes the partition key by equality (or IN); anything else is a full scan with the whole
//! WHERE clause as the filter, as DynamoDB does.

use std::cmp::Ordering;

use super::parser::{DmlOp, Expr, Op, PathAst, Seg};
use crate::{
    kernel::error::AwsError,
    services::dynamodb::{
        expr::{
            eval,
            update::{Action, SetValue, UOperand},
            Cmp, Cond, Operand, Path, PathElem,
        },
        key::{KeyAttribute, KeySchema, KeyValue, ScalarType},
        number::{Number, NumberError},
        value::{AttributeValue, Item},
    },
};

/// Deepest nesting of lists and maps in a value (as for items).
pub const MAX_VALUE_DEPTH: usize = 32;
/// Most values IN may list.
pub const MAX_IN_VALUES: usize = 100;
/// Most partitions one SELECT may read (IN on the partition key allows 50 values).
pub const MAX_PARTITIONS: usize = 50;
/// Largest OR expansion a SELECT is analysed for keys; a bigger one is a scan.
const MAX_BRANCHES: usize = 256;

pub const NEST: &str = "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit";
pub const PARAM_COUNT: &str = "Number of parameters in request and statement don't match.";
pub const INCOMPLETE_KEY: &str = "Where clause does not contain a mandatory equality on all key attributes";
pub const OVERLAP: &str = "Overlapping conditions with range keys are not supported in where clause";
const NOT_BOOLEAN: &str = "WHERE clause must contain an expression that resolves to a boolean";
const MISSING_COMPARED: &str = "MISSING must be compared using IS operator";
const IN_OPERANDS: &str = "IN operator must have a left hand argument of type Variable Reference and right hand argument of type Seq with at least one member";

pub fn invalid(msg: impl Into<String>) -> AwsError {
    AwsError::validation(msg)
}

/// Binds `?` parameters (already validated attribute values) while translating.
pub struct Binder<'a> {
    pub params: &'a [AttributeValue],
}

fn number(text: &str, at: &str) -> Result<AttributeValue, AwsError> {
    let negative = text.starts_with('-');
    let n = Number::parse(text).map_err(|e| match e {
        NumberError::Invalid => invalid(format!("The parameter cannot be converted to a numeric value: {text}")),
        other => invalid(format!("{} under {at}", other.message())),
    })?;
    if negative && n.is_zero() && text.contains(['.', 'e', 'E']) {
        return Err(invalid(format!("Negative zero decimal is not supported under key {at}")));
    }
    Ok(AttributeValue::N(n))
}

fn truth(b: bool) -> Cond {
    let zero = || Operand::Value(AttributeValue::Bool(true));
    Cond::Cmp(if b { Cmp::Eq } else { Cmp::Ne }, zero(), zero())
}

fn is_boolean_call(e: &Expr) -> bool {
    matches!(e, Expr::Call(n, _, _) if matches!(n.as_str(), "attribute_exists" | "attribute_not_exists" | "attribute_type" | "begins_with" | "contains"))
        || matches!(e, Expr::Is { .. } | Expr::Between { .. } | Expr::In { .. } | Expr::Not(_))
        || matches!(e, Expr::Bin(op, _, _) if matches!(op, Op::And | Op::Or | Op::Eq | Op::Ne | Op::Lt | Op::Le | Op::Gt | Op::Ge))
}

fn cmp_of(op: Op) -> Option<Cmp> {
    Some(match op {
        Op::Eq => Cmp::Eq,
        Op::Ne => Cmp::Ne,
        Op::Lt => Cmp::Lt,
        Op::Le => Cmp::Le,
        Op::Gt => Cmp::Gt,
        Op::Ge => Cmp::Ge,
        _ => return None,
    })
}

/// Ordering operators and BETWEEN take scalars; a literal of another type is refused.
fn check_orderable(op: &str, o: &Operand) -> Result<(), AwsError> {
    if let Operand::Value(v) = o {
        if !matches!(v, AttributeValue::S(_) | AttributeValue::N(_) | AttributeValue::B(_)) {
            return Err(invalid(format!("Incorrect operand type for operator or function; operator or function: {op}, operand type: {}", v.type_name())));
        }
    }
    Ok(())
}

fn operand_count(name: &str, n: usize) -> AwsError {
    invalid(format!("Incorrect number of operands for operator or function; operator or function: {name}, number of operands: {n}"))
}

fn needs_path(name: &str) -> AwsError {
    invalid(format!("Operator or function requires a document path; operator or function: {name}"))
}

fn unrecognized(name: &str, pos: super::lexer::Pos) -> AwsError {
    invalid(format!("Unrecognized function: {name} at {}", pos.render()))
}

impl Binder<'_> {
    fn param(&self, i: usize) -> Result<AttributeValue, AwsError> {
        self.params.get(i).cloned().ok_or_else(|| invalid(PARAM_COUNT))
    }

    /// A literal (or parameter) as an attribute value; `at` names its place in messages.
    pub fn value(&self, e: &Expr) -> Result<AttributeValue, AwsError> {
        self.value_at(e, "root", 0)
    }

    fn value_at(&self, e: &Expr, at: &str, depth: usize) -> Result<AttributeValue, AwsError> {
        if depth > MAX_VALUE_DEPTH {
            return Err(invalid(NEST));
        }
        Ok(match e {
            Expr::Str(s) => AttributeValue::S(s.clone()),
            Expr::Num(n, _) => number(n, at)?,
            Expr::Bool(b) => AttributeValue::Bool(*b),
            Expr::Null => AttributeValue::Null,
            Expr::Param(i, _) => self.param(*i)?,
            Expr::List(items, _) => AttributeValue::L(items.iter().enumerate().map(|(i, x)| self.value_at(x, &format!("{at}[{i}]"), depth + 1)).collect::<Result<_, _>>()?),
            Expr::Struct(fields, _) => {
                let mut m = Item::with_capacity_and_hasher(fields.len(), Default::default());
                for (k, v) in fields {
                    let key = match k {
                        Expr::Str(s) => s.clone(),
                        other => return Err(invalid(format!("Tuple keys must be of type String. Actual type: {} under {at}", kind_name(other)))),
                    };
                    if m.contains_key(&key) {
                        return Err(invalid(format!("Duplicate keys in tuple. Key: {key} under {at}")));
                    }
                    let value = self.value_at(v, &format!("{at}.{key}"), depth + 1)?;
                    m.insert(key, value);
                }
                AttributeValue::M(m)
            }
            Expr::Bag(items, _) => self.bag(items, at)?,
            Expr::Missing => return Err(invalid(format!("Unsupported data type: MISSING under key {at}"))),
            Expr::Call(name, _, pos) => return Err(invalid(format!("Unsupported data type: {name} under key {at} at {}", pos.render()))),
            Expr::Path(p) => return Err(invalid(format!("Unsupported data type: {} under key {at} at {}", p.text(), p.pos.render()))),
            other => return Err(invalid(format!("Unsupported data type: {} under key {at}", kind_name(other)))),
        })
    }

    /// `<<...>>`: a string set or a number set.
    fn bag(&self, items: &[Expr], at: &str) -> Result<AttributeValue, AwsError> {
        if items.is_empty() {
            return Err(invalid("Empty bags are not supported"));
        }
        let values: Vec<AttributeValue> = items.iter().map(|x| self.value_at(x, at, 1)).collect::<Result<_, _>>()?;
        match &values[0] {
            AttributeValue::S(_) => {
                let mut set = Vec::with_capacity(values.len());
                for v in &values {
                    match v {
                        AttributeValue::S(s) => set.push(s.clone()),
                        other => return Err(invalid(format!("Unexpected data type {} in String Set under key {at}", other.type_name()))),
                    }
                }
                if has_duplicates(&set) {
                    return Err(invalid(format!("One or more parameter values were invalid: Input collection [{}] contains duplicates.", set.join(", "))));
                }
                Ok(AttributeValue::Ss(set))
            }
            AttributeValue::N(_) => {
                let mut set = Vec::with_capacity(values.len());
                for v in &values {
                    match v {
                        AttributeValue::N(n) => set.push(n.clone()),
                        other => return Err(invalid(format!("Unexpected data type {} in Number Set under key {at}", other.type_name()))),
                    }
                }
                if has_duplicates(&set) {
                    return Err(invalid("Input collection contains duplicates"));
                }
                Ok(AttributeValue::Ns(set))
            }
            _ => Err(invalid("Unsupported data type in Bag. DynamoDB only supports either numbers or strings in bags")),
        }
    }

    pub fn path(&self, p: &PathAst) -> Result<Path, AwsError> {
        let mut elems = Vec::with_capacity(1 + p.segs.len());
        if p.root.is_empty() {
            return Err(invalid("Path component cannot be an empty string"));
        }
        elems.push(PathElem::Attr(p.root.clone()));
        for seg in &p.segs {
            elems.push(match seg {
                Seg::Attr(a) if a.is_empty() => return Err(invalid("Path component cannot be an empty string")),
                Seg::Attr(a) => PathElem::Attr(a.clone()),
                Seg::Index(n, _) => match n.parse::<u32>() {
                    Ok(i) => PathElem::Index(i as usize),
                    Err(_) => return Err(invalid(format!("List index is not within the allowable range; index: [{n}]"))),
                },
                Seg::Other(pos) => return Err(invalid(format!("Unexpected path component at {}", pos.render()))),
            });
        }
        Ok(Path(elems))
    }

    /// A WHERE clause as a condition.
    pub fn cond(&self, e: &Expr) -> Result<Cond, AwsError> {
        Ok(match e {
            Expr::Bin(op @ (Op::And | Op::Or), _, _) => {
                // `a OR b OR c` nests one level per operator down its left side: walk that side
                // in a loop, so a long chain costs no stack.
                let mut rights = Vec::new();
                let mut left = e;
                while let Expr::Bin(o, l, r) = left {
                    if o != op {
                        break;
                    }
                    rights.push(r.as_ref());
                    left = l.as_ref();
                }
                let mut operands = vec![self.cond(left)?];
                for r in rights.into_iter().rev() {
                    operands.push(self.cond(r)?);
                }
                balanced(operands, *op == Op::And)
            }
            Expr::Not(x) => Cond::Not(Box::new(self.cond(x)?)),
            Expr::Bin(op, a, b) => match cmp_of(*op) {
                Some(cmp) => self.compare(*op, cmp, a, b)?,
                None => return Err(invalid(format!("Unsupported operator in Condition Expression. Operator: {}", op.symbol()))),
            },
            Expr::Between { e, lo, hi, negated } => {
                let ops = [self.operand(e)?, self.operand(lo)?, self.operand(hi)?];
                for o in &ops {
                    check_orderable("BETWEEN", o)?;
                }
                let [x, l, h] = ops;
                let c = Cond::Between(x, l, h);
                if *negated {
                    Cond::Not(Box::new(c))
                } else {
                    c
                }
            }
            Expr::In { e, list, negated } => {
                let Expr::Path(p) = e.as_ref() else {
                    return Err(invalid(IN_OPERANDS));
                };
                let members: Vec<Operand> = match list.as_ref() {
                    Expr::List(items, _) => items.iter().map(|x| self.operand(x)).collect::<Result<_, _>>()?,
                    Expr::Param(i, _) => match self.param(*i)? {
                        AttributeValue::L(vs) => vs.into_iter().map(Operand::Value).collect(),
                        _ => return Err(invalid(IN_OPERANDS)),
                    },
                    _ => return Err(invalid(IN_OPERANDS)),
                };
                if members.is_empty() {
                    return Err(invalid(IN_OPERANDS));
                }
                if members.len() > MAX_IN_VALUES {
                    return Err(invalid(format!("Invalid FilterExpression: The IN operator is provided with too many operands; number of operands: {}", members.len())));
                }
                let c = Cond::In(Operand::Path(self.path(p)?), members);
                if *negated {
                    Cond::Not(Box::new(c))
                } else {
                    c
                }
            }
            Expr::Is { e, ty, negated } => {
                let c = self.is(e, ty)?;
                if *negated {
                    Cond::Not(Box::new(c))
                } else {
                    c
                }
            }
            Expr::Call(name, args, pos) => self.function(name, args, *pos)?,
            Expr::Bool(b) => truth(*b),
            Expr::Missing => return Err(invalid(MISSING_COMPARED)),
            _ => return Err(invalid(NOT_BOOLEAN)),
        })
    }

    fn is(&self, e: &Expr, ty: &str) -> Result<Cond, AwsError> {
        let type_code = match ty {
            "MISSING" => None,
            "NULL" => Some("NULL"),
            "BOOLEAN" => Some("BOOL"),
            "STRING" => Some("S"),
            "NUMERIC" => Some("N"),
            "BLOB" => Some("B"),
            "STRUCT" | "TUPLE" => Some("M"),
            "LIST" => Some("L"),
            other => {
                return Err(invalid(format!(
                    "Unsupported data type for IS operator: {other}. Supported data types are [MISSING, NULL, BOOLEAN, BLOB, STRING, NUMERIC, STRUCT, TUPLE, LIST]"
                )))
            }
        };
        match e {
            Expr::Path(p) => {
                let path = self.path(p)?;
                Ok(match type_code {
                    None => Cond::NotExists(path),
                    Some(t) => Cond::Type(path, Operand::Value(AttributeValue::S(t.to_string()))),
                })
            }
            // A literal's type is known now.
            Expr::Missing => Ok(truth(type_code.is_none())),
            other => match self.value(other) {
                Ok(v) => Ok(truth(type_code == Some(v.type_name()))),
                Err(_) => Err(invalid("The left hand side argument to IS must be a Variable Reference, Literal, or Path")),
            },
        }
    }

    fn compare(&self, op: Op, cmp: Cmp, a: &Expr, b: &Expr) -> Result<Cond, AwsError> {
        if matches!(a, Expr::Missing) || matches!(b, Expr::Missing) {
            return Err(invalid(MISSING_COMPARED));
        }
        // `attribute_exists(a) = true`
        if matches!(cmp, Cmp::Eq | Cmp::Ne) {
            let pair = match (a, b) {
                (x, Expr::Bool(v)) if is_boolean_call(x) => Some((x, *v)),
                (Expr::Bool(v), x) if is_boolean_call(x) => Some((x, *v)),
                _ => None,
            };
            if let Some((x, v)) = pair {
                let c = self.cond(x)?;
                return Ok(if (cmp == Cmp::Eq) == v { c } else { Cond::Not(Box::new(c)) });
            }
        }
        let (l, r) = (self.operand(a)?, self.operand(b)?);
        if !matches!(cmp, Cmp::Eq | Cmp::Ne) {
            check_orderable(op.symbol(), &l)?;
            check_orderable(op.symbol(), &r)?;
        }
        Ok(Cond::Cmp(cmp, l, r))
    }

    fn operand(&self, e: &Expr) -> Result<Operand, AwsError> {
        Ok(match e {
            Expr::Path(p) => Operand::Path(self.path(p)?),
            Expr::Call(name, args, _) if name == "size" => match args.as_slice() {
                [Expr::Path(p)] => Operand::Size(self.path(p)?),
                [_] => return Err(needs_path("size")),
                other => return Err(operand_count("size", other.len())),
            },
            Expr::Call(name, _, pos) => match name.as_str() {
                "attribute_exists" | "attribute_not_exists" | "attribute_type" | "begins_with" | "contains" => {
                    return Err(invalid(format!("Unsupported operator in Condition Expression. Operator: {name}")))
                }
                _ => return Err(unrecognized(name, *pos)),
            },
            Expr::Missing => return Err(invalid(MISSING_COMPARED)),
            Expr::Neg(..) => return Err(invalid("Unsupported operator in Condition Expression. Operator: -")),
            Expr::Bin(op, _, _) => return Err(invalid(format!("Unsupported operator in Condition Expression. Operator: {}", op.symbol()))),
            Expr::BadPath(pos) => return Err(invalid(format!("Unexpected path component at {}", pos.render()))),
            Expr::Str(_) | Expr::Num(..) | Expr::Bool(_) | Expr::Null | Expr::Param(..) | Expr::List(..) | Expr::Struct(..) | Expr::Bag(..) => Operand::Value(self.value(e)?),
            _ => return Err(invalid(NOT_BOOLEAN)),
        })
    }

    fn function(&self, name: &str, args: &[Expr], pos: super::lexer::Pos) -> Result<Cond, AwsError> {
        match name {
            "attribute_exists" | "attribute_not_exists" => {
                let [arg] = args else {
                    return Err(operand_count(name, args.len()));
                };
                let Expr::Path(p) = arg else {
                    return Err(needs_path(name));
                };
                let path = self.path(p)?;
                Ok(if name == "attribute_exists" { Cond::Exists(path) } else { Cond::NotExists(path) })
            }
            "attribute_type" => {
                let [a, t] = args else {
                    return Err(operand_count(name, args.len()));
                };
                let Expr::Path(p) = a else {
                    return Err(needs_path(name));
                };
                Ok(Cond::Type(self.path(p)?, self.operand(t)?))
            }
            "begins_with" | "contains" => {
                let [a, b] = args else {
                    return Err(operand_count(name, args.len()));
                };
                let (a, b) = (self.operand(a)?, self.operand(b)?);
                Ok(if name == "begins_with" { Cond::BeginsWith(a, b) } else { Cond::Contains(a, b) })
            }
            "size" => Err(invalid(NOT_BOOLEAN)),
            _ => Err(unrecognized(name, pos)),
        }
    }

    /// The SET and REMOVE clauses of an UPDATE as update actions.
    pub fn actions(&self, ops: &[DmlOp]) -> Result<Vec<Action>, AwsError> {
        let mut actions = Vec::new();
        for op in ops {
            match op {
                DmlOp::Set(assigns) => {
                    for (target, value) in assigns {
                        let path = self.path(target)?;
                        actions.push(self.assignment(path, value)?);
                    }
                }
                DmlOp::Remove(p) => actions.push(Action::Remove(self.path(p)?)),
            }
        }
        Ok(actions)
    }

    fn assignment(&self, path: Path, e: &Expr) -> Result<Action, AwsError> {
        Ok(match e {
            Expr::Call(name, args, pos) if name == "set_add" || name == "set_delete" => {
                let upper = if name == "set_add" { "ADD" } else { "DELETE" };
                let [first, second] = args.as_slice() else {
                    return Err(invalid(format!("SET_{upper} must have exactly two arguments at {}", pos.render())));
                };
                let same = match first {
                    Expr::Path(p) => self.path(p)? == path,
                    _ => false,
                };
                if !same {
                    return Err(invalid(format!("The first argument to SET_{upper} must equal the assignment value at {}", pos.render())));
                }
                let v = self.value(second).ok().filter(|v| matches!(v, AttributeValue::Ss(_) | AttributeValue::Ns(_) | AttributeValue::Bs(_)));
                let Some(set) = v else {
                    // Values the bag rules refuse report their own message first.
                    if let Expr::Bag(..) = second {
                        self.value(second)?;
                    }
                    let at = first.pos().unwrap_or(*pos);
                    return Err(invalid(format!("The second argument to SET_{upper} must be a value with type SET at {}", at.render())));
                };
                if upper == "ADD" {
                    Action::Add(path, set)
                } else {
                    Action::Delete(path, set)
                }
            }
            Expr::Bin(op @ (Op::Add | Op::Sub), a, b) => {
                let (a, b) = (self.uoperand(a)?, self.uoperand(b)?);
                Action::Set(path, if *op == Op::Add { SetValue::Plus(a, b) } else { SetValue::Minus(a, b) })
            }
            Expr::Is { .. } => return Err(invalid("IS operator is not supported in update expressions")),
            other => Action::Set(path, SetValue::Operand(self.uoperand(other)?)),
        })
    }

    fn uoperand(&self, e: &Expr) -> Result<UOperand, AwsError> {
        Ok(match e {
            Expr::Path(p) => UOperand::Path(self.path(p)?),
            Expr::Call(name, args, _) if name == "list_append" => {
                let [a, b] = args.as_slice() else {
                    return Err(operand_count(name, args.len()));
                };
                UOperand::ListAppend(Box::new(self.uoperand(a)?), Box::new(self.uoperand(b)?))
            }
            Expr::Call(name, _, pos) => return Err(unrecognized(name, *pos)),
            Expr::Bin(op, _, _) => return Err(invalid(format!("Unsupported operator in Update Expression. Operator: {}", op.symbol()))),
            Expr::Is { .. } => return Err(invalid("IS operator is not supported in update expressions")),
            Expr::Neg(..) => return Err(invalid("Unsupported operator in Update Expression. Operator: -")),
            other => UOperand::Value(self.value(other)?),
        })
    }
}

/// `a AND b AND c ...` as a balanced tree, so evaluating it recurses log(n) deep, not n deep.
/// AND and OR are associative and evaluation still goes left to right.
fn balanced(mut operands: Vec<Cond>, and: bool) -> Cond {
    if operands.len() == 1 {
        return operands.remove(0);
    }
    let right = operands.split_off(operands.len() / 2);
    let (l, r) = (Box::new(balanced(operands, and)), Box::new(balanced(right, and)));
    if and {
        Cond::And(l, r)
    } else {
        Cond::Or(l, r)
    }
}

fn has_duplicates<T: PartialEq>(v: &[T]) -> bool {
    v.iter().enumerate().any(|(i, x)| v[..i].contains(x))
}

fn kind_name(e: &Expr) -> &'static str {
    match e {
        Expr::Path(_) | Expr::BadPath(_) => "VariableReference",
        Expr::Param(..) => "Parameter",
        Expr::Str(_) => "STRING",
        Expr::Num(..) => "DECIMAL",
        Expr::Bool(_) => "BOOL",
        Expr::Null => "NULL",
        Expr::Missing => "MISSING",
        Expr::List(..) => "LIST",
        Expr::Bag(..) => "BAG",
        Expr::Struct(..) => "STRUCT",
        Expr::Call(..) | Expr::Star(_) => "Call",
        Expr::Select(..) => "Select",
        _ => "NAry",
    }
}

// ---- keys ----

/// The top-level attribute a condition operand names, when it is a bare name.
fn bare_name(o: &Operand) -> Option<&str> {
    match o {
        Operand::Path(Path(elems)) => match elems.as_slice() {
            [PathElem::Attr(a)] => Some(a),
            _ => None,
        },
        _ => None,
    }
}

/// `key = value` (either way round) on one of `names`.
fn key_equality<'c>(c: &'c Cond, names: &[&str]) -> Option<(&'c str, &'c AttributeValue)> {
    match c {
        Cond::Cmp(Cmp::Eq, a, Operand::Value(v)) => bare_name(a).filter(|n| names.contains(n)).map(|n| (n, v)),
        Cond::Cmp(Cmp::Eq, Operand::Value(v), b) => bare_name(b).filter(|n| names.contains(n)).map(|n| (n, v)),
        _ => None,
    }
}

/// The conjuncts of a condition's top-level AND chain, in order.
fn conjuncts(c: Cond) -> Vec<Cond> {
    let mut out = Vec::new();
    let mut stack = vec![c];
    while let Some(c) = stack.pop() {
        match c {
            Cond::And(a, b) => {
                stack.push(*b);
                stack.push(*a);
            }
            other => out.push(other),
        }
    }
    out
}

fn and_all(v: Vec<Cond>) -> Option<Cond> {
    v.into_iter().reduce(|a, b| Cond::And(Box::new(a), Box::new(b)))
}

/// How a statement must name its item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyMode {
    /// UPDATE and DELETE: equality on every key attribute; the rest is the write's condition.
    Write,
    /// EXISTS in a transaction: the first equality on each key attribute.
    Check,
    /// SELECT in a batch or transaction: equality on the key and nothing else.
    Read,
}

fn scalar_type(v: &AttributeValue) -> Option<ScalarType> {
    match v {
        AttributeValue::S(_) => Some(ScalarType::S),
        AttributeValue::N(_) => Some(ScalarType::N),
        AttributeValue::B(_) => Some(ScalarType::B),
        _ => None,
    }
}

pub fn schema_mismatch(name: &str) -> AwsError {
    invalid(format!("Key attribute's data type should match its data type in table's schema: Key {name}"))
}

/// Splits a WHERE condition into the item's key (as a key map) and the remaining condition.
/// `missing` is the message when the key is incomplete.
pub fn split_key(cond: Option<Cond>, schema: &KeySchema, mode: KeyMode, missing: &str) -> Result<(Item, Option<Cond>), AwsError> {
    let names: Vec<&str> = schema.attributes().map(|a| a.name.as_str()).collect();
    let mut key = Item::default();
    let mut rest = Vec::new();
    for leaf in cond.map(conjuncts).unwrap_or_default() {
        let Some((name, value)) = key_equality(&leaf, &names) else {
            rest.push(leaf);
            continue;
        };
        match key.get(name) {
            None => {
                let (name, value) = (name.to_string(), value.clone());
                key.insert(name, value);
            }
            Some(existing) if mode == KeyMode::Check => {
                let _ = existing;
                rest.push(leaf);
            }
            Some(existing) if eval::equal(existing, value) => {}
            Some(_) => return Err(invalid(format!("Multiple conditions on same key {name}. Only single item Update/Insert/Delete are supported"))),
        }
    }
    let mut ordered = Item::default();
    for attr in schema.attributes() {
        let Some(v) = key.get(&attr.name) else {
            return Err(invalid(missing));
        };
        let Some(t) = scalar_type(v) else {
            return Err(invalid(format!("Key value must be of type S, N, or B. Key name: {}, Key type: {}", attr.name, v.type_name())));
        };
        if t != attr.kind {
            return Err(schema_mismatch(&attr.name));
        }
        ordered.insert(attr.name.clone(), v.clone());
    }
    if mode == KeyMode::Read && !rest.is_empty() {
        return Err(invalid(missing));
    }
    Ok((ordered, and_all(rest)))
}

// ---- reads ----

/// A sort-key condition: a range (bounds inclusive or not) or a prefix.
#[derive(Debug, Clone, PartialEq)]
pub enum SortRange {
    Range { lo: Option<(KeyValue, bool)>, hi: Option<(KeyValue, bool)> },
    Prefix(KeyValue),
}

fn starts_with(v: &KeyValue, p: &KeyValue) -> bool {
    match (v, p) {
        (KeyValue::S(s), KeyValue::S(p)) => s.starts_with(p.as_str()),
        (KeyValue::B(s), KeyValue::B(p)) => s.starts_with(p),
        _ => false,
    }
}

impl SortRange {
    pub fn holds(&self, sk: &KeyValue) -> bool {
        match self {
            SortRange::Prefix(p) => starts_with(sk, p),
            SortRange::Range { lo, hi } => {
                let lo_ok = lo.as_ref().is_none_or(|(l, incl)| match sk.cmp(l) {
                    Ordering::Greater => true,
                    Ordering::Equal => *incl,
                    Ordering::Less => false,
                });
                let hi_ok = hi.as_ref().is_none_or(|(h, incl)| match sk.cmp(h) {
                    Ordering::Less => true,
                    Ordering::Equal => *incl,
                    Ordering::Greater => false,
                });
                lo_ok && hi_ok
            }
        }
    }

    /// Whether some sort key satisfies both.
    fn overlaps(&self, other: &SortRange) -> bool {
        match (self, other) {
            (SortRange::Prefix(a), SortRange::Prefix(b)) => starts_with(a, b) || starts_with(b, a),
            (SortRange::Prefix(p), SortRange::Range { lo, hi }) | (SortRange::Range { lo, hi }, SortRange::Prefix(p)) => {
                // Keys with prefix p run from p up to (not including) the first key past them.
                let hi_ok = hi.as_ref().is_none_or(|(h, incl)| *h > *p || (h == p && *incl));
                let lo_ok = lo.as_ref().is_none_or(|(l, _)| *l < *p || starts_with(l, p));
                hi_ok && lo_ok
            }
            (SortRange::Range { lo: l1, hi: h1 }, SortRange::Range { lo: l2, hi: h2 }) => {
                // The larger lower bound must not exceed the smaller upper bound.
                let below = |lo: &Option<(KeyValue, bool)>, hi: &Option<(KeyValue, bool)>| match (lo, hi) {
                    (Some((l, li)), Some((h, hi))) => l < h || (l == h && *li && *hi),
                    _ => true,
                };
                below(l1, h2) && below(l2, h1) && below(l1, h1) && below(l2, h2)
            }
        }
    }
}

/// How a SELECT reads.
#[derive(Debug, Clone, PartialEq)]
pub enum ReadPlan {
    Scan,
    /// Partitions in the order they are read, each with an optional sort-key range.
    Query(Vec<(KeyValue, Option<SortRange>)>),
}

/// The partition key values and sort-key range one OR branch fixes; None when the branch does not
/// fix the partition key by equality (the SELECT is then a scan).
type Branch = (Vec<AttributeValue>, Option<SortRange>);

/// The operands of a chain of one operator (`a OR b OR c`), found without recursion down the
/// chain's left side.
fn chain(c: &Cond, or: bool) -> Vec<&Cond> {
    let mut out = Vec::new();
    let mut stack = vec![c];
    while let Some(c) = stack.pop() {
        match (c, or) {
            (Cond::Or(a, b), true) | (Cond::And(a, b), false) => {
                stack.push(b);
                stack.push(a);
            }
            (other, _) => out.push(other),
        }
    }
    out
}

/// The OR branches of a condition, each a list of conjuncts; None when there would be too many.
fn branches(c: &Cond) -> Option<Vec<Vec<&Cond>>> {
    Some(match c {
        Cond::Or(..) => {
            let mut v = Vec::new();
            for x in chain(c, true) {
                v.extend(branches(x)?);
                if v.len() > MAX_BRANCHES {
                    return None;
                }
            }
            v
        }
        Cond::And(..) => {
            let mut v: Vec<Vec<&Cond>> = vec![Vec::new()];
            for x in chain(c, false) {
                let y = branches(x)?;
                if v.len() * y.len() > MAX_BRANCHES {
                    return None;
                }
                let mut next = Vec::with_capacity(v.len() * y.len());
                for p in &v {
                    for q in &y {
                        next.push(p.iter().chain(q.iter()).copied().collect());
                    }
                }
                v = next;
            }
            v
        }
        leaf => vec![vec![leaf]],
    })
}

/// The key-like attribute a leaf condition is about: its first operand's bare name.
fn path_child(c: &Cond) -> Option<&str> {
    match c {
        Cond::Cmp(_, a, b) => bare_name(a).or_else(|| bare_name(b)),
        Cond::Between(a, _, _) | Cond::In(a, _) | Cond::BeginsWith(a, _) | Cond::Contains(a, _) => bare_name(a),
        Cond::Exists(p) | Cond::NotExists(p) | Cond::Type(p, _) => match p.0.as_slice() {
            [PathElem::Attr(a)] => Some(a),
            _ => None,
        },
        _ => None,
    }
}

/// Whether a comparison's other operands are values (a key condition) rather than paths.
fn has_values(c: &Cond) -> bool {
    let v = |o: &Operand| matches!(o, Operand::Value(_));
    match c {
        Cond::Cmp(_, a, b) => v(a) || v(b),
        Cond::Between(_, lo, hi) => v(lo) && v(hi),
        Cond::BeginsWith(_, p) => v(p),
        _ => true,
    }
}

fn flip(c: Cmp) -> Cmp {
    match c {
        Cmp::Lt => Cmp::Gt,
        Cmp::Le => Cmp::Ge,
        Cmp::Gt => Cmp::Lt,
        Cmp::Ge => Cmp::Le,
        other => other,
    }
}

fn scalar_key(v: &AttributeValue) -> Option<KeyValue> {
    match v {
        AttributeValue::S(s) => Some(KeyValue::S(s.clone())),
        AttributeValue::N(n) => Some(KeyValue::N(n.clone())),
        AttributeValue::B(b) => Some(KeyValue::B(b.clone())),
        _ => None,
    }
}

fn analyze_branch(leaves: &[&Cond], hash: &str, range: Option<&str>) -> Option<Branch> {
    let mut pk: Option<Vec<AttributeValue>> = None;
    let mut sk: Option<SortRange> = None;
    let is_range = |n: &str| range == Some(n);
    for leaf in leaves {
        // `key op value`, either way round.
        let cmp = match leaf {
            Cond::Cmp(op, a, Operand::Value(v)) => bare_name(a).map(|n| (n, *op, v)),
            Cond::Cmp(op, Operand::Value(v), b) => bare_name(b).map(|n| (n, flip(*op), v)),
            _ => None,
        };
        if let Some((name, op, v)) = cmp {
            if name == hash {
                if op != Cmp::Eq {
                    return None;
                }
                match &pk {
                    None => pk = Some(vec![v.clone()]),
                    Some(existing) if existing.len() == 1 && eval::equal(&existing[0], v) => {}
                    Some(_) => return None,
                }
                continue;
            }
            if is_range(name) {
                if sk.is_some() {
                    return None;
                }
                let kv = scalar_key(v)?;
                sk = Some(match op {
                    Cmp::Eq => SortRange::Range { lo: Some((kv.clone(), true)), hi: Some((kv, true)) },
                    Cmp::Lt => SortRange::Range { lo: None, hi: Some((kv, false)) },
                    Cmp::Le => SortRange::Range { lo: None, hi: Some((kv, true)) },
                    Cmp::Gt => SortRange::Range { lo: Some((kv, false)), hi: None },
                    Cmp::Ge => SortRange::Range { lo: Some((kv, true)), hi: None },
                    Cmp::Ne => return None,
                });
                continue;
            }
        }
        match leaf {
            Cond::In(a, list) if bare_name(a) == Some(hash) => {
                if pk.is_some() {
                    return None;
                }
                let mut values = Vec::with_capacity(list.len());
                for o in list {
                    match o {
                        Operand::Value(v) => values.push(v.clone()),
                        Operand::Path(_) | Operand::Size(_) => return None,
                    }
                }
                pk = Some(values);
            }
            Cond::Between(a, Operand::Value(lo), Operand::Value(hi)) if bare_name(a).is_some_and(is_range) => {
                if sk.is_some() {
                    return None;
                }
                sk = Some(SortRange::Range { lo: Some((scalar_key(lo)?, true)), hi: Some((scalar_key(hi)?, true)) });
            }
            Cond::BeginsWith(a, Operand::Value(p)) if bare_name(a).is_some_and(is_range) => {
                if sk.is_some() {
                    return None;
                }
                match scalar_key(p)? {
                    k @ (KeyValue::S(_) | KeyValue::B(_)) => sk = Some(SortRange::Prefix(k)),
                    KeyValue::N(_) => return None,
                }
            }
            // Any other condition on a key attribute (NOT, <>, IN on the sort key, functions) makes
            // the read a scan; a comparison of a key with another attribute is only a filter.
            Cond::Not(inner) => {
                if path_child(inner).is_some_and(|n| n == hash || is_range(n)) {
                    return None;
                }
            }
            other => {
                if path_child(other).is_some_and(|n| n == hash || is_range(n)) {
                    let only_paths = matches!(other, Cond::Cmp(..) | Cond::Between(..) | Cond::BeginsWith(..)) && !has_values(other);
                    if !only_paths {
                        return None;
                    }
                }
            }
        }
    }
    Some((pk?, sk))
}

fn empty_key(kv: &KeyValue) -> Option<&'static str> {
    match kv {
        KeyValue::S(s) if s.is_empty() => Some("string"),
        KeyValue::B(b) if b.is_empty() => Some("binary"),
        _ => None,
    }
}

/// How a SELECT with this WHERE condition reads a table or index with key `hash`/`range`.
pub fn plan_read(cond: Option<&Cond>, hash: &KeyAttribute, range: Option<&KeyAttribute>) -> Result<ReadPlan, AwsError> {
    let Some(cond) = cond else {
        return Ok(ReadPlan::Scan);
    };
    let Some(branches) = branches(cond) else {
        return Ok(ReadPlan::Scan);
    };
    let mut analysed = Vec::with_capacity(branches.len());
    for b in &branches {
        match analyze_branch(b, &hash.name, range.map(|r| r.name.as_str())) {
            Some(x) => analysed.push(x),
            None => return Ok(ReadPlan::Scan),
        }
    }
    // Types: a key condition's value must have the key's type.
    let mut reads: Vec<(KeyValue, Option<SortRange>)> = Vec::new();
    for (pks, sk) in analysed {
        if let (Some(sk), Some(r)) = (&sk, range) {
            let kinds: Vec<&KeyValue> = match sk {
                SortRange::Prefix(p) => vec![p],
                SortRange::Range { lo, hi } => lo.iter().chain(hi.iter()).map(|(k, _)| k).collect(),
            };
            for k in kinds {
                if crate::services::dynamodb::key::scalar(&k.to_attribute(), r.kind).is_none() {
                    return Err(schema_mismatch(&r.name));
                }
            }
        }
        for v in pks {
            let kv = crate::services::dynamodb::key::scalar(&v, hash.kind).ok_or_else(|| schema_mismatch(&hash.name))?;
            if let Some(what) = empty_key(&kv) {
                return Err(invalid(format!(
                    "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty {what} value. Key: {}",
                    hash.name
                )));
            }
            reads.push((kv, sk.clone()));
        }
    }
    if reads.len() > MAX_PARTITIONS {
        return Err(invalid("Too many decomposed read operations for a given query."));
    }
    // One read per partition: identical ranges merge, overlapping ones are refused, disjoint ones
    // read the whole partition (the WHERE clause filters).
    let mut parts: Vec<(KeyValue, Vec<Option<SortRange>>)> = Vec::new();
    for (pk, sk) in reads {
        match parts.iter_mut().find(|(p, _)| *p == pk) {
            Some((_, ranges)) => {
                if ranges.contains(&sk) {
                    continue;
                }
                for r in ranges.iter() {
                    let overlap = match (r, &sk) {
                        (None, _) | (_, None) => true,
                        (Some(a), Some(b)) => a.overlaps(b),
                    };
                    if overlap {
                        return Err(invalid(OVERLAP));
                    }
                }
                ranges.push(sk);
            }
            None => parts.push((pk, vec![sk])),
        }
    }
    Ok(ReadPlan::Query(parts.into_iter().map(|(pk, mut ranges)| (pk, if ranges.len() == 1 { ranges.remove(0) } else { None })).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::dynamodb::partiql::parser::{parse, Statement};

    fn where_of(sql: &str, params: &[AttributeValue]) -> Result<Cond, AwsError> {
        let Statement::Select(s) = parse(sql).unwrap().statement else { panic!() };
        Binder { params }.cond(s.where_.as_ref().unwrap())
    }

    fn key(name: &str, kind: ScalarType) -> KeyAttribute {
        KeyAttribute { name: name.into(), kind }
    }

    fn plan(sql: &str) -> Result<ReadPlan, AwsError> {
        let c = where_of(sql, &[])?;
        plan_read(Some(&c), &key("pk", ScalarType::S), Some(&key("sk", ScalarType::N)))
    }

    fn s(x: &str) -> KeyValue {
        KeyValue::S(x.into())
    }

    #[test]
    fn equality_or_in_on_the_partition_key_is_a_query() {
        assert_eq!(plan("SELECT * FROM t WHERE pk = 'a'").unwrap(), ReadPlan::Query(vec![(s("a"), None)]));
        assert_eq!(plan("SELECT * FROM t WHERE pk IN ['a', 'b'] AND x = 1").unwrap(), ReadPlan::Query(vec![(s("a"), None), (s("b"), None)]));
        assert_eq!(plan("SELECT * FROM t WHERE pk = 'a' OR pk = 'b'").unwrap(), ReadPlan::Query(vec![(s("a"), None), (s("b"), None)]));
        let ReadPlan::Query(p) = plan("SELECT * FROM t WHERE 'a' = pk AND 3 < sk").unwrap() else { panic!() };
        assert!(matches!(&p[0].1, Some(SortRange::Range { lo: Some(_), hi: None })));
    }

    #[test]
    fn anything_else_is_a_scan() {
        for sql in [
            "SELECT * FROM t WHERE x = 1",
            "SELECT * FROM t WHERE pk > 'a'",
            "SELECT * FROM t WHERE pk = 'a' OR x = 1",
            "SELECT * FROM t WHERE pk = 'a' AND NOT sk = 1 OR pk = 'a' AND sk = 2",
            "SELECT * FROM t WHERE pk = 'a' AND sk <> 1",
            "SELECT * FROM t WHERE pk = 'a' AND pk = 'b'",
            "SELECT * FROM t WHERE attribute_exists(pk)",
        ] {
            assert_eq!(plan(sql).unwrap(), ReadPlan::Scan, "{sql}");
        }
    }

    #[test]
    fn overlapping_branches_on_one_partition_are_refused() {
        assert_eq!(plan("SELECT * FROM t WHERE pk = 'a' AND x = '1' OR pk = 'a' AND sk = 2").unwrap_err().message, OVERLAP);
        assert_eq!(plan("SELECT * FROM t WHERE pk = 'a' AND sk > 1 OR pk = 'a' AND sk BETWEEN 0 AND 5").unwrap_err().message, OVERLAP);
        // Disjoint ranges read the partition once.
        assert_eq!(plan("SELECT * FROM t WHERE pk = 'a' AND sk = 1 OR pk = 'a' AND sk = 2").unwrap(), ReadPlan::Query(vec![(s("a"), None)]));
        // Two branches reading the whole partition read it once.
        assert_eq!(plan("SELECT * FROM t WHERE pk = 'a' OR pk = 'a' AND x = 2").unwrap(), ReadPlan::Query(vec![(s("a"), None)]));
    }

    #[test]
    fn key_types_are_checked() {
        assert_eq!(plan("SELECT * FROM t WHERE pk = 1").unwrap_err().message, "Key attribute's data type should match its data type in table's schema: Key pk");
        assert!(plan("SELECT * FROM t WHERE pk = ''").unwrap_err().message.contains("cannot contain an empty string value"));
    }

    #[test]
    fn sort_ranges_overlap_like_intervals() {
        let r = |lo: Option<(i64, bool)>, hi: Option<(i64, bool)>| {
            let n = |x: i64| KeyValue::N(Number::parse(&x.to_string()).unwrap());
            SortRange::Range { lo: lo.map(|(x, i)| (n(x), i)), hi: hi.map(|(x, i)| (n(x), i)) }
        };
        assert!(r(Some((1, true)), Some((1, true))).overlaps(&r(Some((1, true)), None)));
        assert!(!r(None, Some((1, false))).overlaps(&r(Some((1, true)), None)));
        assert!(!r(Some((5, true)), None).overlaps(&r(None, Some((4, true)))));
        let p = SortRange::Prefix(s("ab"));
        let rs = |lo: &str, hi: &str| SortRange::Range { lo: Some((s(lo), true)), hi: Some((s(hi), true)) };
        assert!(p.overlaps(&rs("a", "abc")));
        assert!(!p.overlaps(&rs("b", "c")));
        assert!(!p.overlaps(&rs("a", "aa")));
        assert!(p.overlaps(&SortRange::Prefix(s("a"))));
    }

    #[test]
    fn where_clauses_translate_to_conditions() {
        let c = where_of("SELECT * FROM t WHERE a IS MISSING AND b IS NOT NULL AND attribute_exists(c) = false AND size(d) > 2", &[]).unwrap();
        let item = crate::services::dynamodb::value::item_from_json(&serde_json::json!({"b": {"S": "x"}, "d": {"L": [{"N": "1"}, {"N": "2"}, {"N": "3"}]}})).unwrap();
        assert!(eval::matches(&item, &c));
        let bad = |sql: &str| where_of(sql, &[AttributeValue::Bool(true)]).unwrap_err().message;
        assert_eq!(bad("SELECT * FROM t WHERE a < ?"), "Incorrect operand type for operator or function; operator or function: <, operand type: BOOL");
        assert_eq!(bad("SELECT * FROM t WHERE attribute_exists('a')"), "Operator or function requires a document path; operator or function: attribute_exists");
        assert_eq!(
            bad("SELECT * FROM t WHERE attribute_exists()"),
            "Incorrect number of operands for operator or function; operator or function: attribute_exists, number of operands: 0"
        );
        assert_eq!(bad("SELECT * FROM t WHERE pk = 'x' AND EXISTS(ss)"), "Unrecognized function: exists at 1:36:6");
        assert_eq!(bad("SELECT * FROM t WHERE a = MISSING"), "MISSING must be compared using IS operator");
        assert_eq!(bad("SELECT * FROM t WHERE a"), "WHERE clause must contain an expression that resolves to a boolean");
        assert_eq!(bad("SELECT * FROM t WHERE a = 1e126"), "Number overflow. Attempting to store a number with magnitude larger than supported range under root");
    }

    #[test]
    fn literals_become_attribute_values() {
        let b = Binder { params: &[AttributeValue::S("p".into())] };
        let Statement::Insert { value, .. } = parse("INSERT INTO t VALUE {'s': 'x', 'n': -1.50, 'l': [TRUE, NULL, ?], 'm': {'k': <<1, 2>>}, 'ss': <<'a'>>}").unwrap().statement
        else {
            panic!()
        };
        let v = b.value(&value).unwrap();
        assert_eq!(
            v.to_json(),
            serde_json::json!({"M": {"s": {"S": "x"}, "n": {"N": "-1.5"}, "l": {"L": [{"BOOL": true}, {"NULL": true}, {"S": "p"}]}, "m": {"M": {"k": {"NS": ["1", "2"]}}}, "ss": {"SS": ["a"]}}})
        );
        let err = |sql: &str| {
            let Statement::Insert { value, .. } = parse(sql).unwrap().statement else { panic!() };
            b.value(&value).unwrap_err().message
        };
        assert_eq!(
            err("INSERT INTO t VALUE {'pk': 1, 'm': {'x': 1e126}}"),
            "Number overflow. Attempting to store a number with magnitude larger than supported range under root.m.x"
        );
        assert_eq!(err("INSERT INTO t VALUE {'l': [1, 1e126]}"), "Number overflow. Attempting to store a number with magnitude larger than supported range under root.l[1]");
        assert_eq!(err("INSERT INTO t VALUE {'a': 1, 'a': 2}"), "Duplicate keys in tuple. Key: a under root");
        assert_eq!(err("INSERT INTO t VALUE {'a': <<>>}"), "Empty bags are not supported");
        assert_eq!(err("INSERT INTO t VALUE {'a': <<'x', 'x'>>}"), "One or more parameter values were invalid: Input collection [x, x] contains duplicates.");
        assert_eq!(err("INSERT INTO t VALUE {'a': <<TRUE>>}"), "Unsupported data type in Bag. DynamoDB only supports either numbers or strings in bags");
        let deep = format!("INSERT INTO t VALUE {{'a': {}1{}}}", "[".repeat(40), "]".repeat(40));
        assert_eq!(err(&deep), NEST);
    }
}
