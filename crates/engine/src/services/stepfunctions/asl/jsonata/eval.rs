//! Evaluation: the semantics of the JSONata reference implementation (`evaluate`,
//! `evaluatePath`/`evaluateStep`, `evaluateFilter`, `evaluateGroupExpression`), over [`V`].

use std::rc::Rc;

use super::{
    functions,
    parse::{Node, Op},
    Env, Error, Flags, Frame, Host, Lambda, MAX_DEPTH, MAX_STEPS, V,
};

pub type R<'a> = Result<Option<V<'a>>, Error>;

pub struct Ev<'h, 'x, 'a> {
    pub host: &'h mut Host<'x>,
    pub root: Option<V<'a>>,
    steps: u64,
    depth: usize,
    stack_base: usize,
    /// Every frame made, emptied at the end (a closure stored in its own frame is a cycle).
    frames: Vec<Env<'a>>,
}

impl<'h, 'x, 'a> Ev<'h, 'x, 'a> {
    pub fn new(host: &'h mut Host<'x>, root: Option<V<'a>>) -> Self {
        Ev { host, root, steps: 0, depth: 0, stack_base: super::stack_mark(), frames: Vec::new() }
    }

    pub fn release(&mut self) {
        for f in self.frames.drain(..) {
            f.vars.borrow_mut().clear();
        }
    }

    fn frame(&mut self, parent: &Env<'a>) -> Env<'a> {
        let f = Frame::new(Some(parent.clone()));
        self.frames.push(f.clone());
        f
    }

    pub fn tick(&mut self, n: u64) -> Result<(), Error> {
        self.steps += n;
        if self.steps > MAX_STEPS {
            return Err(Error::new("U1001", format!("The expression took more than {MAX_STEPS} evaluation steps and was stopped"), 0));
        }
        Ok(())
    }

    /// Evaluates a node; a sequence result is unwrapped (empty: undefined; one item: the item,
    /// unless kept).
    pub fn eval(&mut self, n: &'a Node, ctx: &Option<V<'a>>, env: &Env<'a>) -> R<'a> {
        self.tick(1)?;
        self.depth += 1;
        if self.depth > MAX_DEPTH || super::stack_mark().abs_diff(self.stack_base) > super::MAX_STACK {
            self.depth -= 1;
            return Err(Error::new("U1001", "Stack overflow error: the expression nests or recurses too deeply", 0));
        }
        let r = self.eval_inner(n, ctx, env);
        self.depth -= 1;
        Ok(match r? {
            Some(V::Arr(a, f)) if f.seq => match a.len() {
                0 => None,
                1 if !f.keep => Some(a[0].clone()),
                _ => Some(V::Arr(a, f)),
            },
            other => other,
        })
    }

    #[inline(never)]
    fn eval_inner(&mut self, n: &'a Node, ctx: &Option<V<'a>>, env: &Env<'a>) -> R<'a> {
        Ok(match n {
            Node::Str(s) => Some(V::str(s)),
            Node::Num(x) => Some(V::Num(*x)),
            Node::Bool(b) => Some(V::Bool(*b)),
            Node::Null => Some(V::Null),
            Node::Regex(r) => {
                let re = crate::vtl::regex::Regex::new(&r.pattern).map_err(|e| Error::new("S0302", format!("Invalid regular expression: {}", e.message), 0))?;
                Some(V::Regex(Rc::new(re), Rc::from(r.pattern.as_str())))
            }
            Node::Name(name) => lookup(ctx.as_ref(), name),
            Node::Wild => self.arm_wild(ctx, env)?,
            Node::Descend => {
                let mut out = Vec::new();
                if let Some(c) = ctx {
                    self.descend(c, &mut out)?;
                }
                Some(V::seq(out))
            }
            Node::Var(name) if name.is_empty() => ctx.clone(),
            Node::Var(name) => env.get(name).or_else(|| functions::builtin(name)),
            Node::Root => self.root.clone(),
            Node::Map(l, r, keep) => self.arm_map(l, r, keep, ctx, env)?,
            Node::KeepArray(x) => match self.eval(x, ctx, env)? {
                None => None,
                Some(V::Arr(a, f)) if f.seq => Some(V::Arr(a, Flags { keep: true, ..f })),
                Some(a @ V::Arr(..)) => Some(a),
                Some(other) => Some(V::Arr(Rc::new(vec![other]), Flags { seq: true, cons: false, keep: true })),
            },
            Node::Filter(l, p) => self.arm_filter(l, p, ctx, env)?,
            Node::Neg(x) => match self.eval(x, ctx, env)? {
                None => None,
                Some(V::Num(n)) => Some(V::Num(-n)),
                Some(_) => return Err(Error::new("D1002", "Cannot negate a non-numeric value", 0)),
            },
            Node::Bin(op, l, r) => self.arm_bin(op, l, r, ctx, env)?,
            Node::And(l, r) => {
                let lv = self.eval(l, ctx, env)?;
                if !functions::truthy(lv.as_ref()) {
                    return Ok(Some(V::Bool(false)));
                }
                let rv = self.eval(r, ctx, env)?;
                Some(V::Bool(functions::truthy(rv.as_ref())))
            }
            Node::Or(l, r) => {
                let lv = self.eval(l, ctx, env)?;
                if functions::truthy(lv.as_ref()) {
                    return Ok(Some(V::Bool(true)));
                }
                let rv = self.eval(r, ctx, env)?;
                Some(V::Bool(functions::truthy(rv.as_ref())))
            }
            Node::Coalesce(l, r) => match self.eval(l, ctx, env)? {
                Some(v) => Some(v),
                None => self.eval(r, ctx, env)?,
            },
            Node::Elvis(l, r) => {
                let lv = self.eval(l, ctx, env)?;
                if functions::truthy(lv.as_ref()) {
                    lv
                } else {
                    self.eval(r, ctx, env)?
                }
            }
            Node::Cond(c, t, e) => {
                let cv = self.eval(c, ctx, env)?;
                if functions::truthy(cv.as_ref()) {
                    self.eval(t, ctx, env)?
                } else if let Some(e) = e {
                    self.eval(e, ctx, env)?
                } else {
                    None
                }
            }
            Node::Range(l, r) => {
                let mut out = Vec::new();
                self.range(l, r, ctx, env, &mut out)?;
                Some(V::Arr(Rc::new(out), Flags { cons: true, ..Flags::default() }))
            }
            Node::Array(items) => self.arm_array(items, ctx, env)?,
            Node::Object(pairs) => self.arm_object(pairs, ctx, env)?,
            Node::Group(l, pairs) => self.arm_group_node(l, pairs, ctx, env)?,
            Node::Block(items) => {
                let inner = self.frame(env);
                let mut last = None;
                for item in items {
                    last = self.eval(item, ctx, &inner)?;
                }
                last
            }
            Node::Bind(name, v) => {
                let value = self.eval(v, ctx, env)?;
                match &value {
                    Some(x) => env.set(name, x.clone()),
                    None => {
                        env.vars.borrow_mut().remove(name.as_str());
                    }
                }
                value
            }
            Node::Lambda(params, body) => Some(V::Lambda(Rc::new(Lambda { params, body, env: env.clone(), input: ctx.clone() }))),
            Node::Placeholder => return Err(Error::new("S0215", "A ? placeholder is only allowed as a function argument", 0)),
            Node::Call(f, args) => self.arm_call_node(f, args, ctx, env)?,
            Node::Chain(l, r) => self.arm_chain(l, r, ctx, env)?,
            Node::Sort(l, terms) => self.arm_sort(l, terms, ctx, env)?,
        })
    }

    #[inline(never)]
    fn arm_wild(&mut self, ctx: &Option<V<'a>>, _env: &Env<'a>) -> R<'a> {
        Ok({
            let mut out = Vec::new();
            match ctx {
                Some(V::Obj(m)) => {
                    for v in m.values() {
                        push_flat(&mut out, v.clone());
                    }
                }
                Some(V::Arr(a, _)) => {
                    for v in a.iter() {
                        if let V::Obj(m) = v {
                            for v in m.values() {
                                push_flat(&mut out, v.clone());
                            }
                        }
                    }
                }
                _ => {}
            }
            Some(V::seq(out))
        })
    }

    #[inline(never)]
    fn arm_map(&mut self, l: &'a Node, r: &'a Node, keep: &bool, ctx: &Option<V<'a>>, env: &Env<'a>) -> R<'a> {
        Ok({
            let Some(lv) = self.eval(l, ctx, env)? else { return Ok(None) };
            let items: Vec<V<'a>> = match lv {
                V::Arr(a, _) => a.as_ref().clone(),
                other => vec![other],
            };
            let mut results = Vec::with_capacity(items.len());
            for item in items {
                if let Some(v) = self.eval(r, &Some(item), env)? {
                    results.push(v);
                }
            }
            let out = if results.len() == 1 && matches!(&results[0], V::Arr(_, f) if !f.seq) && !keep {
                results.pop()
            } else {
                let mut flat = Vec::with_capacity(results.len());
                for v in results {
                    match v {
                        V::Arr(a, f) if !f.cons => flat.extend(a.iter().cloned()),
                        other => flat.push(other),
                    }
                }
                Some(V::Arr(Rc::new(flat), Flags { seq: true, cons: false, keep: *keep }))
            };
            out
        })
    }

    #[inline(never)]
    fn arm_filter(&mut self, l: &'a Node, p: &'a Node, ctx: &Option<V<'a>>, env: &Env<'a>) -> R<'a> {
        Ok({
            let Some(lv) = self.eval(l, ctx, env)? else { return Ok(None) };
            let keep = matches!(&lv, V::Arr(_, f) if f.keep);
            let items: Vec<V<'a>> = match lv {
                V::Arr(a, _) => a.as_ref().clone(),
                other => vec![other],
            };
            let mut out = Vec::new();
            if let Node::Num(x) = p {
                let len = items.len() as i64;
                let mut i = x.floor() as i64;
                if i < 0 {
                    i += len;
                }
                if (0..len).contains(&i) {
                    out.push(items[i as usize].clone());
                }
            } else {
                let len = items.len() as i64;
                for (index, item) in items.iter().enumerate() {
                    let res = self.eval(p, &Some(item.clone()), env)?;
                    let indexes: Option<Vec<f64>> = match &res {
                        Some(V::Num(x)) => Some(vec![*x]),
                        Some(V::Arr(a, _)) if !a.is_empty() && a.iter().all(|v| matches!(v, V::Num(_))) => {
                            Some(a.iter().map(|v| if let V::Num(x) = v { *x } else { 0.0 }).collect())
                        }
                        _ => None,
                    };
                    match indexes {
                        Some(ix) => {
                            if ix.iter().any(|x| {
                                let mut i = x.floor() as i64;
                                if i < 0 {
                                    i += len;
                                }
                                i == index as i64
                            }) {
                                out.push(item.clone());
                            }
                        }
                        None => {
                            if functions::truthy(res.as_ref()) {
                                out.push(item.clone());
                            }
                        }
                    }
                }
            }
            Some(V::Arr(Rc::new(out), Flags { seq: true, cons: false, keep }))
        })
    }

    #[inline(never)]
    fn arm_bin(&mut self, op: &Op, l: &'a Node, r: &'a Node, ctx: &Option<V<'a>>, env: &Env<'a>) -> R<'a> {
        Ok({
            let lv = self.eval(l, ctx, env)?;
            let rv = self.eval(r, ctx, env)?;
            binary(*op, lv, rv)?
        })
    }

    #[inline(never)]
    fn arm_array(&mut self, items: &'a [Node], ctx: &Option<V<'a>>, env: &Env<'a>) -> R<'a> {
        Ok({
            let mut out = Vec::new();
            for item in items {
                if let Node::Range(l, r) = item {
                    self.range(l, r, ctx, env, &mut out)?;
                    continue;
                }
                let Some(v) = self.eval(item, ctx, env)? else { continue };
                match (item, v) {
                    (Node::Array(_), v) => out.push(v),
                    (_, V::Arr(a, _)) => out.extend(a.iter().cloned()),
                    (_, v) => out.push(v),
                }
            }
            Some(V::Arr(Rc::new(out), Flags { cons: true, ..Flags::default() }))
        })
    }

    #[inline(never)]
    fn arm_call_node(&mut self, f: &'a Node, args: &'a [Node], ctx: &Option<V<'a>>, env: &Env<'a>) -> R<'a> {
        Ok({
            let fv = self.eval(f, ctx, env)?;
            self.call(f, fv, None, args, ctx, env)?
        })
    }

    #[inline(never)]
    fn arm_chain(&mut self, l: &'a Node, r: &'a Node, ctx: &Option<V<'a>>, env: &Env<'a>) -> R<'a> {
        Ok({
            let lv = self.eval(l, ctx, env)?;
            match r {
                Node::Call(f, args) => {
                    let fv = self.eval(f, ctx, env)?;
                    self.call(f, fv, Some(lv), args, ctx, env)?
                }
                other => {
                    let fv = self.eval(other, ctx, env)?;
                    match fv {
                        Some(f) if f.is_function() => self.apply(&f, vec![lv], ctx)?,
                        _ => return Err(Error::new("T2006", "The right side of the function application operator ~> must be a function", 0)),
                    }
                }
            }
        })
    }

    #[inline(never)]
    fn arm_sort(&mut self, l: &'a Node, terms: &'a [(Node, bool)], ctx: &Option<V<'a>>, env: &Env<'a>) -> R<'a> {
        Ok({
            let Some(lv) = self.eval(l, ctx, env)? else { return Ok(None) };
            let items: Vec<V<'a>> = match lv {
                V::Arr(a, _) => a.as_ref().clone(),
                other => vec![other],
            };
            let mut keyed = Vec::with_capacity(items.len());
            for item in items {
                let mut keys = Vec::with_capacity(terms.len());
                for (t, _) in terms {
                    keys.push(self.eval(t, &Some(item.clone()), env)?);
                }
                keyed.push((keys, item));
            }
            let mut err = None;
            keyed.sort_by(|(a, _), (b, _)| {
                for (i, (_, desc)) in terms.iter().enumerate() {
                    let ord = match (&a[i], &b[i]) {
                        (None, None) => std::cmp::Ordering::Equal,
                        (None, _) => std::cmp::Ordering::Greater,
                        (_, None) => std::cmp::Ordering::Less,
                        (Some(V::Num(x)), Some(V::Num(y))) => x.partial_cmp(y).unwrap_or(std::cmp::Ordering::Equal),
                        (Some(V::Str(x)), Some(V::Str(y))) => x.cmp(y),
                        (Some(V::Num(_) | V::Str(_)), Some(V::Num(_) | V::Str(_))) => {
                            err.get_or_insert(Error::new("T2007", "Type mismatch when comparing values in order-by clause", 0));
                            std::cmp::Ordering::Equal
                        }
                        _ => {
                            err.get_or_insert(Error::new("T2008", "The expressions within an order-by clause must evaluate to numeric or string values", 0));
                            std::cmp::Ordering::Equal
                        }
                    };
                    let ord = if *desc { ord.reverse() } else { ord };
                    if ord != std::cmp::Ordering::Equal {
                        return ord;
                    }
                }
                std::cmp::Ordering::Equal
            });
            if let Some(e) = err {
                return Err(e);
            }
            Some(V::seq(keyed.into_iter().map(|(_, v)| v).collect()))
        })
    }

    #[inline(never)]
    fn arm_object(&mut self, pairs: &'a [(Node, Node)], ctx: &Option<V<'a>>, env: &Env<'a>) -> R<'a> {
        Ok({
            let items = match ctx {
                Some(V::Arr(a, _)) if !a.is_empty() => a.iter().cloned().map(Some).collect(),
                other => vec![other.clone()],
            };
            self.group(items, pairs, env)?
        })
    }

    #[inline(never)]
    fn arm_group_node(&mut self, l: &'a Node, pairs: &'a [(Node, Node)], ctx: &Option<V<'a>>, env: &Env<'a>) -> R<'a> {
        Ok({
            let items = match self.eval(l, ctx, env)? {
                Some(V::Arr(a, _)) if !a.is_empty() => a.iter().cloned().map(Some).collect(),
                other => vec![other],
            };
            self.group(items, pairs, env)?
        })
    }

    fn descend(&mut self, v: &V<'a>, out: &mut Vec<V<'a>>) -> Result<(), Error> {
        self.tick(1)?;
        match v {
            V::Arr(a, _) => {
                for x in a.iter() {
                    self.descend(x, out)?;
                }
            }
            V::Obj(m) => {
                out.push(v.clone());
                for x in m.values() {
                    self.descend(x, out)?;
                }
            }
            other => out.push(other.clone()),
        }
        Ok(())
    }

    fn range(&mut self, l: &'a Node, r: &'a Node, ctx: &Option<V<'a>>, env: &Env<'a>, out: &mut Vec<V<'a>>) -> Result<(), Error> {
        let lv = self.eval(l, ctx, env)?;
        let rv = self.eval(r, ctx, env)?;
        let int = |v: &Option<V>, code: &'static str, side: &str| -> Result<Option<i64>, Error> {
            match v {
                None => Ok(None),
                Some(V::Num(n)) if n.fract() == 0.0 => Ok(Some(*n as i64)),
                _ => Err(Error::new(code, format!("The {side} side of the range operator (..) must evaluate to an integer"), 0)),
            }
        };
        let (Some(a), Some(z)) = (int(&lv, "T2003", "left")?, int(&rv, "T2004", "right")?) else { return Ok(()) };
        if z < a {
            return Ok(());
        }
        let size = z as i128 - a as i128 + 1;
        if size > 10_000_000 {
            return Err(Error::new("D2014", format!("The size of the sequence allocated by the range operator (..) must not exceed 1e7.  Attempted to allocate {size}."), 0));
        }
        self.tick(size as u64)?;
        out.extend((a..=z).map(|i| V::Num(i as f64)));
        Ok(())
    }

    fn group(&mut self, items: Vec<Option<V<'a>>>, pairs: &'a [(Node, Node)], env: &Env<'a>) -> R<'a> {
        // key → (pair index, the items that gave it)
        let mut groups: indexmap::IndexMap<String, (usize, Vec<V<'a>>)> = indexmap::IndexMap::new();
        for item in &items {
            for (pi, (k, _)) in pairs.iter().enumerate() {
                let key = match self.eval(k, item, env)? {
                    None => continue,
                    Some(V::Str(s)) => s.to_string(),
                    Some(other) => {
                        return Err(Error::new("T1003", format!("Key in object structure must evaluate to a string; got: {}", functions::describe(&other)), 0));
                    }
                };
                match groups.get_mut(&key) {
                    Some((i, data)) => {
                        if *i != pi {
                            return Err(Error::new("D1009", format!("Multiple key definitions evaluate to same key: \"{key}\""), 0));
                        }
                        data.extend(item.clone());
                    }
                    None => {
                        groups.insert(key, (pi, item.clone().into_iter().collect()));
                    }
                }
            }
        }
        let mut out = indexmap::IndexMap::with_capacity(groups.len());
        for (key, (pi, data)) in groups {
            let context = match data.len() {
                0 => None,
                1 => data.into_iter().next(),
                _ => Some(V::seq(data)),
            };
            if let Some(v) = self.eval(&pairs[pi].1, &context, env)? {
                out.insert(key, v);
            }
        }
        Ok(Some(V::Obj(Rc::new(out))))
    }

    /// A call `f(args)` (with `first` prepended for `x ~> f(args)`); a `?` argument makes a
    /// partial application.
    fn call(&mut self, f: &'a Node, fv: Option<V<'a>>, first: Option<Option<V<'a>>>, args: &'a [Node], ctx: &Option<V<'a>>, env: &Env<'a>) -> R<'a> {
        let Some(fv) = fv.filter(V::is_function) else {
            let name = match f {
                Node::Var(n) => format!("${n}"),
                _ => "the expression".to_string(),
            };
            return Err(Error::new("T1006", format!("Attempted to invoke a non-function: {name}"), 0));
        };
        let mut vals: Vec<Option<V<'a>>> = Vec::with_capacity(args.len() + 1);
        if let Some(x) = first {
            vals.push(x);
        }
        if args.iter().any(|a| matches!(a, Node::Placeholder)) {
            let mut partial = Vec::new();
            partial.extend(vals.into_iter().map(|v| Some(v.unwrap_or(V::Null))));
            for a in args {
                if matches!(a, Node::Placeholder) {
                    partial.push(None);
                } else {
                    partial.push(Some(self.eval(a, ctx, env)?.unwrap_or(V::Null)));
                }
            }
            return Ok(Some(V::Partial(Rc::new((fv, partial)))));
        }
        for a in args {
            vals.push(self.eval(a, ctx, env)?);
        }
        self.apply(&fv, vals, ctx)
    }

    /// Applies a function to arguments; `ctx` is the caller's context (a builtin called with too
    /// few arguments takes it as its first).
    pub fn apply(&mut self, f: &V<'a>, args: Vec<Option<V<'a>>>, ctx: &Option<V<'a>>) -> R<'a> {
        self.tick(1)?;
        match f {
            V::Lambda(l) => {
                let frame = self.frame(&l.env);
                for (i, p) in l.params.iter().enumerate() {
                    if let Some(Some(v)) = args.get(i) {
                        frame.set(p, v.clone());
                    }
                }
                let input = l.input.clone();
                self.eval(l.body, &input, &frame)
            }
            V::Partial(p) => {
                let (inner, bound) = p.as_ref();
                let mut supplied = args.into_iter();
                let mut full = Vec::with_capacity(bound.len());
                for b in bound {
                    match b {
                        Some(v) => full.push(Some(v.clone())),
                        None => full.push(supplied.next().flatten()),
                    }
                }
                self.apply(inner, full, ctx)
            }
            V::Builtin(name) => functions::call(self, name, args, ctx),
            V::Regex(..) => Err(Error::new("D3012", "Calling a regular expression as a function is not simulated in this sandbox", 0)),
            _ => Err(Error::new("T1006", "Attempted to invoke a non-function", 0)),
        }
    }
}

/// Field lookup; over an array, every item's field, flattened.
pub fn lookup<'a>(v: Option<&V<'a>>, key: &str) -> Option<V<'a>> {
    match v? {
        V::Obj(m) => m.get(key).cloned(),
        V::Arr(a, _) => {
            let mut out = Vec::new();
            for x in a.iter() {
                match lookup(Some(x), key) {
                    Some(V::Arr(inner, _)) => out.extend(inner.iter().cloned()),
                    Some(other) => out.push(other),
                    None => {}
                }
            }
            Some(V::seq(out))
        }
        _ => None,
    }
}

fn push_flat<'a>(out: &mut Vec<V<'a>>, v: V<'a>) {
    match v {
        V::Arr(a, _) => {
            for x in a.iter() {
                push_flat(out, x.clone());
            }
        }
        other => out.push(other),
    }
}

fn binary<'a>(op: Op, l: Option<V<'a>>, r: Option<V<'a>>) -> R<'a> {
    match op {
        Op::Add | Op::Sub | Op::Mul | Op::Div | Op::Mod => {
            let num = |v: &Option<V>, side: &str| -> Result<Option<f64>, Error> {
                match v {
                    None => Ok(None),
                    Some(V::Num(n)) => Ok(Some(*n)),
                    Some(_) => {
                        Err(Error::new(if side == "left" { "T2001" } else { "T2002" }, format!("The {side} side of the \"{}\" operator must evaluate to a number", op.symbol()), 0))
                    }
                }
            };
            let (a, b) = (num(&l, "left")?, num(&r, "right")?);
            let (Some(a), Some(b)) = (a, b) else { return Ok(None) };
            let x = match op {
                Op::Add => a + b,
                Op::Sub => a - b,
                Op::Mul => a * b,
                Op::Div => a / b,
                _ => a % b,
            };
            if !x.is_finite() {
                return Err(Error::new("D1001", format!("Number out of range: {x}"), 0));
            }
            Ok(Some(V::Num(x)))
        }
        Op::Eq | Op::Ne => {
            let (Some(a), Some(b)) = (&l, &r) else { return Ok(Some(V::Bool(false))) };
            let eq = functions::deep_equal(a, b);
            Ok(Some(V::Bool(if op == Op::Eq { eq } else { !eq })))
        }
        Op::Lt | Op::Le | Op::Gt | Op::Ge => {
            let comparable = |v: &Option<V>| matches!(v, None | Some(V::Num(_)) | Some(V::Str(_)));
            if !comparable(&l) || !comparable(&r) {
                return Err(Error::new("T2010", format!("The expressions either side of operator \"{}\" must evaluate to numeric or string values", op.symbol()), 0));
            }
            let (Some(a), Some(b)) = (&l, &r) else { return Ok(None) };
            let ord = match (a, b) {
                (V::Num(x), V::Num(y)) => x.partial_cmp(y),
                (V::Str(x), V::Str(y)) => Some(x.cmp(y)),
                _ => {
                    return Err(Error::new(
                        "T2009",
                        format!("The values {} and {} either side of operator \"{}\" must be of the same data type", functions::describe(a), functions::describe(b), op.symbol()),
                        0,
                    ))
                }
            };
            let Some(ord) = ord else { return Ok(Some(V::Bool(false))) };
            use std::cmp::Ordering::*;
            Ok(Some(V::Bool(match op {
                Op::Lt => ord == Less,
                Op::Le => ord != Greater,
                Op::Gt => ord == Greater,
                _ => ord != Less,
            })))
        }
        Op::In => {
            let (Some(a), Some(b)) = (&l, &r) else { return Ok(Some(V::Bool(false))) };
            Ok(Some(V::Bool(match b {
                V::Arr(items, _) => items.iter().any(|x| functions::deep_equal(a, x)),
                other => functions::deep_equal(a, other),
            })))
        }
        Op::Concat => {
            let s = |v: &Option<V>| -> Result<String, Error> {
                match v {
                    None => Ok(String::new()),
                    Some(x) => functions::stringify(x),
                }
            };
            Ok(Some(V::Str(Rc::from(format!("{}{}", s(&l)?, s(&r)?).as_str()))))
        }
    }
}
