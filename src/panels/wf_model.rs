//! The Workflows panel's model, pure and tested natively: an ASL definition (as JSON, so edits
//! keep every field and the key order) drawn as a layered graph (Start, states, End; Choice
//! rules, Default and Catch edges labelled; Parallel branches and Map processors as nested lanes),
//! the editor's operations on the definition (insert a state on an edge, connect, rename,
//! delete, set a field), the palette's state snippets, and where a validation diagnostic points.

use serde_json::{json, Map, Value};

/// Where a machine lives: the path of container states from the top (a Parallel's branch `i`,
/// or a Map's processor).
pub type Scope = Vec<(String, Sub)>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sub {
    Branch(usize),
    Processor,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EdgeKind {
    /// Start → StartAt.
    Start,
    Next,
    /// A state with `End: true` → End.
    End,
    /// Succeed or Fail → End (nothing can follow them).
    Terminal,
    Choice(usize),
    Default,
    Catch(usize),
}

/// Which edge: its machine, its source state (None: Start), target (None: End), and kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdgeRef {
    pub scope: Scope,
    pub from: Option<String>,
    pub to: Option<String>,
    pub kind: EdgeKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    Start,
    End,
    /// A state, with its Type.
    State(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub kind: NodeKind,
    /// The state name (empty for Start/End).
    pub name: String,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    /// A short line under the name (the resource, the wait, the error).
    pub detail: String,
    /// Parallel branches or a Map's processor, laid out inside the node.
    pub lanes: Vec<Lane>,
}

impl Node {
    pub fn cx(&self) -> f64 {
        self.x + self.w / 2.0
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Lane {
    pub label: String,
    pub scope: Scope,
    pub x: f64,
    pub y: f64,
    pub layout: Layout,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    pub r: EdgeRef,
    /// SVG path data.
    pub path: String,
    pub label: Option<String>,
    pub label_at: (f64, f64),
    /// The middle of the edge, where its insert handle is.
    pub mid: (f64, f64),
    pub dashed: bool,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Layout {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    pub w: f64,
    pub h: f64,
}

const NODE_H: f64 = 46.0;
const PILL_W: f64 = 64.0;
const PILL_H: f64 = 26.0;
const GAP_X: f64 = 28.0;
const GAP_Y: f64 = 58.0;
const MARGIN: f64 = 16.0;
const LANE_PAD: f64 = 12.0;
const LANE_HEAD: f64 = 64.0;

/// The text width estimate of `s` at the node font (13px system sans).
fn text_w(s: &str, px: f64) -> f64 {
    s.chars().count() as f64 * px
}

/// One line summarising a state under its name.
pub fn detail(state: &Value) -> String {
    let t = state["Type"].as_str().unwrap_or("");
    match t {
        "Task" => {
            let r = state["Resource"].as_str().unwrap_or("");
            let short = r.strip_prefix("arn:aws:states:::").unwrap_or_else(|| r.rsplit(':').next().unwrap_or(r));
            match state["Parameters"]["FunctionName"].as_str() {
                Some(f) if short.starts_with("lambda:") => format!("{short} · {}", f.rsplit(':').next().unwrap_or(f)),
                _ => short.to_string(),
            }
        }
        "Wait" => ["Seconds", "SecondsPath", "Timestamp", "TimestampPath"]
            .iter()
            .find_map(|k| state.get(*k).map(|v| format!("{k}: {}", v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()))))
            .unwrap_or_default(),
        "Fail" => state["Error"].as_str().map(|e| format!("Error: {e}")).unwrap_or_default(),
        "Map" => state["ItemsPath"].as_str().map(|p| format!("over {p}")).unwrap_or_else(|| "over $".into()),
        "Parallel" => format!("{} branches", state["Branches"].as_array().map(Vec::len).unwrap_or(0)),
        "Choice" => format!("{} rules", state["Choices"].as_array().map(Vec::len).unwrap_or(0)),
        _ => String::new(),
    }
}

/// A Choice rule in a few words: `$.x == 3`, `And(2)`, ...
pub fn rule_label(rule: &Value) -> String {
    let Some(m) = rule.as_object() else { return String::new() };
    if let Some(c) = m.get("Condition").and_then(Value::as_str) {
        return c.to_string();
    }
    for op in ["And", "Or"] {
        if let Some(a) = m.get(op).and_then(Value::as_array) {
            return format!("{op}({} rules)", a.len());
        }
    }
    if let Some(n) = m.get("Not") {
        return format!("Not {}", rule_label(n));
    }
    let var = m.get("Variable").and_then(Value::as_str).unwrap_or("?");
    for (k, v) in m {
        if k == "Variable" || k == "Next" || k == "Comment" || k == "Assign" || k == "Output" {
            continue;
        }
        let sym = operator_symbol(k);
        let val = match v {
            Value::String(s) => format!("\"{s}\""),
            other => other.to_string(),
        };
        return match sym {
            Some(s) => format!("{var} {s} {val}"),
            None => format!("{var} {k} {val}"),
        };
    }
    var.to_string()
}

fn operator_symbol(op: &str) -> Option<&'static str> {
    let base = op.strip_suffix("Path").unwrap_or(op);
    let s = if base.ends_with("GreaterThanEquals") {
        ">="
    } else if base.ends_with("LessThanEquals") {
        "<="
    } else if base.ends_with("GreaterThan") {
        ">"
    } else if base.ends_with("LessThan") {
        "<"
    } else if base.ends_with("Equals") {
        "=="
    } else {
        return None;
    };
    Some(s)
}

fn shorten(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}

/// The processor machine of a Map state (`ItemProcessor`, or the older `Iterator`).
pub fn processor_key(state: &Value) -> &'static str {
    if state.get("Iterator").is_some() && state.get("ItemProcessor").is_none() {
        "Iterator"
    } else {
        "ItemProcessor"
    }
}

struct Out {
    to: usize,
    kind: EdgeKind,
    label: Option<String>,
    dashed: bool,
}

/// Lays out a machine (`{StartAt, States}`) at `scope`.
pub fn layout(machine: &Value, scope: &Scope) -> Layout {
    let states: Vec<(String, Value)> = machine["States"].as_object().map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()).unwrap_or_default();
    let n = states.len();
    let end = n + 1;
    let index = |name: &str| states.iter().position(|(k, _)| k == name).map(|i| i + 1);
    // Nodes: 0 Start, 1..=n the states, n+1 End.
    let mut nodes: Vec<Node> = Vec::with_capacity(n + 2);
    nodes.push(Node { kind: NodeKind::Start, name: String::new(), x: 0.0, y: 0.0, w: PILL_W, h: PILL_H, detail: String::new(), lanes: vec![] });
    for (name, s) in &states {
        let t = s["Type"].as_str().unwrap_or("?").to_string();
        let mut lanes = Vec::new();
        let mut sub = |label: String, sb: Sub, m: &Value| {
            let mut sc = scope.clone();
            sc.push((name.clone(), sb));
            lanes.push(Lane { label, scope: sc.clone(), x: 0.0, y: 0.0, layout: layout(m, &sc) });
        };
        if t == "Parallel" {
            for (i, b) in s["Branches"].as_array().into_iter().flatten().enumerate() {
                sub(format!("Branch {}", i + 1), Sub::Branch(i), b);
            }
        } else if t == "Map" {
            let key = processor_key(s);
            if s.get(key).is_some() {
                sub("Each item".into(), Sub::Processor, &s[key]);
            }
        }
        let det = shorten(&detail(s), 40);
        let mut w = text_w(name, 7.6).max(text_w(&det, 6.2)).max(text_w(&t, 6.2)) + 34.0;
        w = w.clamp(150.0, 300.0);
        let mut h = NODE_H;
        if !lanes.is_empty() {
            let mut x = LANE_PAD;
            let mut lh: f64 = 0.0;
            for l in &mut lanes {
                l.x = x;
                l.y = LANE_HEAD;
                x += l.layout.w + LANE_PAD;
                lh = lh.max(l.layout.h);
            }
            w = w.max(x);
            h = LANE_HEAD + lh + LANE_PAD;
            // Centre the lanes when the title is wider.
            let extra = (w - x) / 2.0;
            for l in &mut lanes {
                l.x += extra;
            }
        }
        nodes.push(Node { kind: NodeKind::State(t), name: name.clone(), x: 0.0, y: 0.0, w, h, detail: det, lanes });
    }
    nodes.push(Node { kind: NodeKind::End, name: String::new(), x: 0.0, y: 0.0, w: PILL_W, h: PILL_H, detail: String::new(), lanes: vec![] });

    // Edges out of every node.
    let mut outs: Vec<Vec<Out>> = (0..n + 2).map(|_| Vec::new()).collect();
    if let Some(i) = machine["StartAt"].as_str().and_then(index) {
        outs[0].push(Out { to: i, kind: EdgeKind::Start, label: None, dashed: false });
    }
    for (si, (_, s)) in states.iter().enumerate() {
        let from = si + 1;
        let t = s["Type"].as_str().unwrap_or("");
        if let Some(c) = s["Choices"].as_array() {
            for (i, r) in c.iter().enumerate() {
                if let Some(to) = r["Next"].as_str().and_then(index) {
                    outs[from].push(Out { to, kind: EdgeKind::Choice(i), label: Some(shorten(&rule_label(r), 28)), dashed: false });
                }
            }
        }
        if let Some(to) = s["Default"].as_str().and_then(index) {
            outs[from].push(Out { to, kind: EdgeKind::Default, label: Some("Default".into()), dashed: false });
        }
        if let Some(to) = s["Next"].as_str().and_then(index) {
            outs[from].push(Out { to, kind: EdgeKind::Next, label: None, dashed: false });
        }
        if s["End"] == json!(true) {
            outs[from].push(Out { to: end, kind: EdgeKind::End, label: None, dashed: false });
        }
        if t == "Succeed" || t == "Fail" {
            outs[from].push(Out { to: end, kind: EdgeKind::Terminal, label: None, dashed: false });
        }
        for (i, c) in s["Catch"].as_array().into_iter().flatten().enumerate() {
            if let Some(to) = c["Next"].as_str().and_then(index) {
                let errs: Vec<&str> = c["ErrorEquals"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
                outs[from].push(Out { to, kind: EdgeKind::Catch(i), label: Some(shorten(&format!("Catch {}", errs.join(", ")), 28)), dashed: true });
            }
        }
    }

    // Back edges: found by a depth-first walk from Start (then from states nothing reaches).
    let total = n + 2;
    let mut state = vec![0u8; total]; // 0 new, 1 on stack, 2 done
    let mut order: Vec<usize> = Vec::new(); // post-order
    let mut back = vec![Vec::new(); total];
    let mut discovered: Vec<usize> = Vec::new();
    let mut roots = vec![0];
    roots.extend(1..=n);
    roots.push(end);
    for r in roots {
        if state[r] != 0 {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(r, 0)];
        state[r] = 1;
        discovered.push(r);
        while let Some((v, i)) = stack.pop() {
            if i < outs[v].len() {
                stack.push((v, i + 1));
                let w = outs[v][i].to;
                match state[w] {
                    0 => {
                        state[w] = 1;
                        discovered.push(w);
                        stack.push((w, 0));
                    }
                    1 => back[v].push(i),
                    _ => {}
                }
            } else {
                state[v] = 2;
                order.push(v);
            }
        }
    }
    let is_back = |v: usize, i: usize| back[v].contains(&i);
    // Layers: longest path over forward edges; states nothing reaches start at layer 1.
    let mut layer = vec![0usize; total];
    for v in 1..=n {
        layer[v] = 1;
    }
    for &v in order.iter().rev() {
        for (i, o) in outs[v].iter().enumerate() {
            if !is_back(v, i) && o.to != end {
                layer[o.to] = layer[o.to].max(layer[v] + 1);
            }
        }
    }
    let last = (1..=n).map(|v| layer[v]).max().unwrap_or(0);
    layer[end] = last + 1;
    // Order within layers: discovery order, then by the mean x of predecessors.
    let layers_n = last + 2;
    let mut rows: Vec<Vec<usize>> = vec![Vec::new(); layers_n];
    for &v in &discovered {
        rows[layer[v]].push(v);
    }
    let mut preds: Vec<Vec<usize>> = vec![Vec::new(); total];
    for v in 0..total {
        for (i, o) in outs[v].iter().enumerate() {
            if !is_back(v, i) && !preds[o.to].contains(&v) {
                preds[o.to].push(v);
            }
        }
    }
    let mut y = MARGIN;
    for row in rows.iter_mut() {
        if row.is_empty() {
            continue;
        }
        let desired: Vec<(usize, f64)> = row
            .iter()
            .enumerate()
            .map(|(k, &v)| {
                let p: Vec<f64> = preds[v].iter().filter(|&&p| layer[p] < layer[v]).map(|&p| nodes[p].cx()).collect();
                let d = if p.is_empty() { f64::NAN } else { p.iter().sum::<f64>() / p.len() as f64 };
                (k, d)
            })
            .collect();
        let mut sorted = desired.clone();
        sorted.sort_by(|a, b| match (a.1.is_nan(), b.1.is_nan()) {
            (false, false) => a.1.partial_cmp(&b.1).unwrap_or(std::cmp::Ordering::Equal).then(a.0.cmp(&b.0)),
            (true, true) => a.0.cmp(&b.0),
            (true, false) => std::cmp::Ordering::Greater,
            (false, true) => std::cmp::Ordering::Less,
        });
        let new_row: Vec<usize> = sorted.iter().map(|(k, _)| row[*k]).collect();
        // Place side by side; then shift the row so it centres on its predecessors' mean.
        let mut x = 0.0;
        for &v in &new_row {
            nodes[v].x = x;
            x += nodes[v].w + GAP_X;
        }
        let width = x - GAP_X;
        let ds: Vec<f64> = sorted.iter().map(|(_, d)| *d).filter(|d| !d.is_nan()).collect();
        let centre = if ds.is_empty() { 0.0 } else { ds.iter().sum::<f64>() / ds.len() as f64 };
        let shift = centre - width / 2.0;
        let h = new_row.iter().map(|&v| nodes[v].h).fold(0.0, f64::max);
        for &v in &new_row {
            nodes[v].x += shift;
            // Pills are centred vertically in their row.
            nodes[v].y = y + (h - nodes[v].h) / 2.0;
        }
        // Labels under a node stack (one line each), so the gap grows with them.
        let labelled = new_row.iter().map(|&v| outs[v].iter().filter(|o| o.label.is_some()).count()).max().unwrap_or(0);
        y += h + if labelled > 0 { GAP_Y + 14.0 + 20.0 * (labelled as f64 - 1.0) } else { GAP_Y };
        *row = new_row;
    }
    // Normalise to a margin on the left.
    let min_x = nodes.iter().map(|n| n.x).fold(f64::INFINITY, f64::min);
    for nd in nodes.iter_mut() {
        nd.x += MARGIN - min_x;
    }
    let mut width = nodes.iter().map(|n| n.x + n.w).fold(0.0, f64::max) + MARGIN;
    let height = y - GAP_Y + MARGIN;

    // Edges.
    let mut edges = Vec::new();
    let name_of = |v: usize| if v == 0 || v == end { None } else { Some(states[v - 1].0.clone()) };
    let mut lane_x = width; // back edges go round the right side
    let (mut side_l, mut side_r) = (0.0f64, 0.0f64);
    for v in 0..total {
        let k = outs[v].len();
        for (i, o) in outs[v].iter().enumerate() {
            let (s, t) = (&nodes[v], &nodes[o.to]);
            let r = EdgeRef { scope: scope.clone(), from: name_of(v), to: name_of(o.to), kind: o.kind.clone() };
            let (path, label_at, mid) = if is_back(v, i) || t.y <= s.y {
                let x = lane_x + 8.0;
                lane_x += 14.0;
                let (sx, sy) = (s.x + s.w, s.y + s.h / 2.0);
                let (tx, ty) = (t.x + t.w, t.y + t.h / 2.0);
                (format!("M{sx:.1},{sy:.1} H{x:.1} V{ty:.1} H{:.1}", tx + 2.0), (x, (sy + ty) / 2.0), (x, (sy + ty) / 2.0))
            } else {
                // Several edges out of one node leave from spread points on its bottom side.
                let sx = if k > 1 { s.x + s.w * (i as f64 + 1.0) / (k as f64 + 1.0) } else { s.cx() };
                let sy = s.y + s.h;
                let (tx, ty) = (t.cx(), t.y - 2.0);
                // Labels of a node's several edges stack just under it.
                let nth_label = outs[v][..i].iter().filter(|o| o.label.is_some()).count() as f64;
                let stacked = (sx, sy + 14.0 + 20.0 * nth_label);
                // An edge over several rows that would cross a node goes round the side.
                let between: Vec<&Node> = (0..total).filter(|&w| layer[w] > layer[v] && layer[w] < layer[o.to]).map(|w| &nodes[w]).collect();
                let blocked = between.iter().any(|n| {
                    let f = ((n.y + n.h / 2.0) - sy) / (ty - sy).max(1.0);
                    let x = sx + (tx - sx) * f;
                    x > n.x - 8.0 && x < n.x + n.w + 8.0
                });
                if blocked {
                    let right = between.iter().map(|n| n.x + n.w).fold(f64::MIN, f64::max) + 14.0 + side_r;
                    let left = between.iter().map(|n| n.x).fold(f64::MAX, f64::min) - 14.0 - side_l;
                    let mid_x = (sx + tx) / 2.0;
                    let x = if left > 4.0 && (mid_x - left) < (right - mid_x) {
                        side_l += 12.0;
                        left
                    } else {
                        side_r += 12.0;
                        right
                    };
                    let (y1, y2) = (sy + 24.0, ty - 24.0);
                    let path = format!(
                        "M{sx:.1},{sy:.1} C{sx:.1},{:.1} {x:.1},{:.1} {x:.1},{y1:.1} V{y2:.1} C{x:.1},{:.1} {tx:.1},{:.1} {tx:.1},{ty:.1}",
                        sy + 14.0,
                        sy + 8.0,
                        y2 + 16.0,
                        ty - 12.0
                    );
                    lane_x = lane_x.max(x);
                    let at = if o.label.is_some() && k > 1 { stacked } else { (x, (y1 + y2) / 2.0) };
                    (path, at, (x, (y1 + y2) / 2.0))
                } else {
                    let d = ((ty - sy) / 2.0).max(20.0);
                    let p = |u: f64| {
                        let a = (1.0 - u).powi(3);
                        let b = 3.0 * (1.0 - u).powi(2) * u;
                        let c = 3.0 * (1.0 - u) * u * u;
                        let e = u.powi(3);
                        (a * sx + b * sx + c * tx + e * tx, a * sy + b * (sy + d) + c * (ty - d) + e * ty)
                    };
                    (format!("M{sx:.1},{sy:.1} C{sx:.1},{:.1} {tx:.1},{:.1} {tx:.1},{ty:.1}", sy + d, ty - d), if o.label.is_some() && k > 1 { stacked } else { p(0.5) }, p(0.5))
                }
            };
            edges.push(Edge { r, path, label: o.label.clone(), label_at, mid, dashed: o.dashed });
        }
    }
    width = width.max(lane_x + 10.0);
    // Labels may reach past the nodes on the right.
    for e in &edges {
        if let Some(l) = &e.label {
            width = width.max(e.label_at.0 + text_w(l, 6.0) / 2.0 + 8.0);
        }
    }
    Layout { nodes, edges, w: width, h: height }
}

// ---------- locating things ----------

/// The machine at `scope` (the definition itself for an empty scope).
pub fn machine_at<'a>(def: &'a Value, scope: &[(String, Sub)]) -> Option<&'a Value> {
    let mut m = def;
    for (name, sub) in scope {
        let s = m.get("States")?.get(name)?;
        m = match sub {
            Sub::Branch(i) => s.get("Branches")?.get(*i)?,
            Sub::Processor => s.get(processor_key(s))?,
        };
    }
    Some(m)
}

pub fn machine_at_mut<'a>(def: &'a mut Value, scope: &[(String, Sub)]) -> Option<&'a mut Value> {
    let mut m = def;
    for (name, sub) in scope {
        let s = m.get_mut("States")?.get_mut(name)?;
        let key = processor_key(s);
        m = match sub {
            Sub::Branch(i) => s.get_mut("Branches")?.get_mut(*i)?,
            Sub::Processor => s.get_mut(key)?,
        };
    }
    Some(m)
}

/// The scope of the machine that holds state `name` (names are unique in a definition).
pub fn scope_of(def: &Value, name: &str) -> Option<Scope> {
    fn walk(m: &Value, name: &str, scope: &mut Scope) -> bool {
        let Some(states) = m["States"].as_object() else { return false };
        if states.contains_key(name) {
            return true;
        }
        for (k, s) in states {
            for (i, b) in s["Branches"].as_array().into_iter().flatten().enumerate() {
                scope.push((k.clone(), Sub::Branch(i)));
                if walk(b, name, scope) {
                    return true;
                }
                scope.pop();
            }
            let key = processor_key(s);
            if s.get(key).is_some() {
                scope.push((k.clone(), Sub::Processor));
                if walk(&s[key], name, scope) {
                    return true;
                }
                scope.pop();
            }
        }
        false
    }
    let mut scope = Vec::new();
    walk(def, name, &mut scope).then_some(scope)
}

pub fn state<'a>(def: &'a Value, name: &str) -> Option<&'a Value> {
    let scope = scope_of(def, name)?;
    machine_at(def, &scope)?.get("States")?.get(name)
}

pub fn state_mut<'a>(def: &'a mut Value, name: &str) -> Option<&'a mut Value> {
    let scope = scope_of(def, name)?;
    machine_at_mut(def, &scope)?.get_mut("States")?.get_mut(name)
}

/// Every state name in the definition, nested ones included.
pub fn all_names(def: &Value) -> Vec<String> {
    fn walk(m: &Value, out: &mut Vec<String>) {
        for (k, s) in m["States"].as_object().into_iter().flatten() {
            out.push(k.clone());
            for b in s["Branches"].as_array().into_iter().flatten() {
                walk(b, out);
            }
            if let Some(p) = s.get(processor_key(s)) {
                walk(p, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(def, &mut out);
    out
}

/// The names of the states beside `name` (its machine's), for Next pickers.
pub fn siblings(def: &Value, name: &str) -> Vec<String> {
    scope_of(def, name).and_then(|s| machine_at(def, &s)).and_then(|m| m["States"].as_object()).map(|m| m.keys().cloned().collect()).unwrap_or_default()
}

/// `base`, or `base 2`, `base 3`, ... whichever is free.
pub fn unique_name(def: &Value, base: &str) -> String {
    let names = all_names(def);
    if !names.iter().any(|n| n == base) {
        return base.to_string();
    }
    (2..).map(|i| format!("{base} {i}")).find(|c| !names.contains(c)).unwrap_or_default()
}

/// The state a diagnostic's location (`/States/A/Branches/0/States/B/Next`) points into.
pub fn state_of_location(location: &str) -> Option<String> {
    let mut out = None;
    let parts: Vec<&str> = location.split('/').collect();
    for w in parts.windows(2) {
        if w[0] == "States" && !w[1].is_empty() {
            out = Some(w[1].replace("~1", "/").replace("~0", "~"));
        }
    }
    out
}

// ---------- edits ----------

/// Whether a state of this type takes Next/End.
fn takes_next(s: &Value) -> bool {
    !matches!(s["Type"].as_str(), Some("Succeed" | "Fail" | "Choice"))
}

/// Points the new state `new` at `to` (or End), as its type allows.
fn link_new(state: &mut Value, to: Option<&str>) {
    let Some(m) = state.as_object_mut() else { return };
    match m.get("Type").and_then(Value::as_str) {
        Some("Succeed" | "Fail") => {}
        Some("Choice") => {
            if let Some(t) = to {
                if let Some(c) = m.get_mut("Choices").and_then(Value::as_array_mut) {
                    for r in c.iter_mut() {
                        r["Next"] = json!(t);
                    }
                }
                m.insert("Default".into(), json!(t));
            }
        }
        _ => {
            m.remove("Next");
            m.remove("End");
            match to {
                Some(t) => m.insert("Next".into(), json!(t)),
                None => m.insert("End".into(), json!(true)),
            };
        }
    }
}

/// Sets `state`'s Next (or End for None), removing the other.
pub fn set_next(def: &mut Value, name: &str, to: Option<&str>) -> Result<(), String> {
    let s = state_mut(def, name).ok_or_else(|| format!("There is no state named {name}."))?;
    if !takes_next(s) {
        return Err(format!("A {} state has no Next or End.", s["Type"].as_str().unwrap_or("")));
    }
    let m = s.as_object_mut().ok_or("not an object")?;
    m.remove("Next");
    m.remove("End");
    match to {
        Some(t) => m.insert("Next".into(), json!(t)),
        None => m.insert("End".into(), json!(true)),
    };
    Ok(())
}

/// Inserts `new` (a state object) named from `base` on edge `e`; returns its name.
pub fn insert_on_edge(def: &mut Value, e: &EdgeRef, base: &str, mut new: Value) -> Result<String, String> {
    if e.kind == EdgeKind::Terminal {
        return Err(format!("{} ends the workflow: nothing can follow a Succeed or Fail state.", e.from.clone().unwrap_or_default()));
    }
    let name = unique_name(def, base);
    uniquify_nested(def, &mut new);
    link_new(&mut new, e.to.as_deref());
    let m = machine_at_mut(def, &e.scope).ok_or("That part of the workflow no longer exists.")?;
    let target = json!(name);
    match (&e.kind, &e.from) {
        (EdgeKind::Start, _) => m["StartAt"] = target,
        (kind, Some(from)) => {
            let s = m.get_mut("States").and_then(|s| s.get_mut(from)).ok_or_else(|| format!("There is no state named {from}."))?;
            match kind {
                EdgeKind::Next => s["Next"] = target,
                EdgeKind::End => {
                    if let Some(o) = s.as_object_mut() {
                        o.remove("End");
                    }
                    s["Next"] = target;
                }
                EdgeKind::Choice(i) => s["Choices"][*i]["Next"] = target,
                EdgeKind::Default => s["Default"] = target,
                EdgeKind::Catch(i) => s["Catch"][*i]["Next"] = target,
                _ => {}
            }
        }
        _ => return Err("That edge has no source.".into()),
    }
    let states = m.get_mut("States").and_then(Value::as_object_mut).ok_or("The machine has no States.")?;
    states.insert(name.clone(), new);
    Ok(name)
}

/// Adds `new` to the machine at `scope` unconnected (a drop on empty canvas); returns its name.
pub fn add_state(def: &mut Value, scope: &[(String, Sub)], base: &str, mut new: Value) -> Result<String, String> {
    let name = unique_name(def, base);
    uniquify_nested(def, &mut new);
    link_new(&mut new, None);
    let m = machine_at_mut(def, scope).ok_or("That part of the workflow no longer exists.")?;
    let states = m.get_mut("States").and_then(Value::as_object_mut).ok_or("The machine has no States.")?;
    states.insert(name.clone(), new);
    Ok(name)
}

/// Nested states of a palette snippet (a Parallel's branch state) get names free in `def`.
fn uniquify_nested(def: &Value, new: &mut Value) {
    let mut taken = all_names(def);
    fn walk(m: &mut Value, taken: &mut Vec<String>) {
        let Some(states) = m.get("States").and_then(Value::as_object).cloned() else { return };
        let mut renamed = Map::new();
        let mut start = m["StartAt"].as_str().map(str::to_string);
        for (k, mut s) in states {
            let mut nk = k.clone();
            let mut i = 2;
            while taken.contains(&nk) {
                nk = format!("{k} {i}");
                i += 1;
            }
            taken.push(nk.clone());
            if start.as_deref() == Some(k.as_str()) {
                start = Some(nk.clone());
            }
            if let Some(bs) = s.get_mut("Branches").and_then(Value::as_array_mut) {
                for b in bs {
                    walk(b, taken);
                }
            }
            renamed.insert(nk, s);
        }
        m["States"] = Value::Object(renamed);
        if let Some(s) = start {
            m["StartAt"] = json!(s);
        }
    }
    if let Some(bs) = new.get_mut("Branches").and_then(Value::as_array_mut) {
        for b in bs {
            walk(b, &mut taken);
        }
    }
    let key = processor_key(new);
    if let Some(p) = new.get_mut(key) {
        walk(p, &mut taken);
    }
}

/// Every transition in a machine that targets `name`, rewritten by `f` (None removes it).
fn retarget(m: &mut Value, name: &str, to: Option<&str>, rename_only: bool) {
    if m["StartAt"] == json!(name) {
        if let Some(t) = to {
            m["StartAt"] = json!(t);
        }
    }
    let Some(states) = m.get_mut("States").and_then(Value::as_object_mut) else { return };
    for (_, s) in states.iter_mut() {
        if s["Next"] == json!(name) {
            match to {
                Some(t) => s["Next"] = json!(t),
                None if !rename_only => {
                    if let Some(o) = s.as_object_mut() {
                        o.remove("Next");
                        o.insert("End".into(), json!(true));
                    }
                }
                None => {}
            }
        }
        if s["Default"] == json!(name) {
            match to {
                Some(t) => s["Default"] = json!(t),
                None => {
                    if let Some(o) = s.as_object_mut() {
                        o.remove("Default");
                    }
                }
            }
        }
        for key in ["Choices", "Catch"] {
            if let Some(list) = s.get_mut(key).and_then(Value::as_array_mut) {
                for r in list.iter_mut() {
                    if r["Next"] == json!(name) {
                        if let Some(t) = to {
                            r["Next"] = json!(t);
                        }
                    }
                }
            }
        }
    }
}

/// Renames a state and every reference to it in its machine.
pub fn rename(def: &mut Value, old: &str, new: &str) -> Result<(), String> {
    let new = new.trim();
    if new == old {
        return Ok(());
    }
    if new.is_empty() {
        return Err("A state needs a name.".into());
    }
    if all_names(def).iter().any(|n| n == new) {
        return Err(format!("There is already a state named {new}: state names must be unique in a state machine."));
    }
    let scope = scope_of(def, old).ok_or_else(|| format!("There is no state named {old}."))?;
    let m = machine_at_mut(def, &scope).ok_or("gone")?;
    let states = m.get_mut("States").and_then(Value::as_object_mut).ok_or("no States")?;
    // Keep the position of the state in States.
    let renamed: Map<String, Value> = std::mem::take(states).into_iter().map(|(k, v)| if k == old { (new.to_string(), v) } else { (k, v) }).collect();
    *states = renamed;
    retarget(m, old, Some(new), true);
    Ok(())
}

/// Deletes a state; what pointed at it now points where it went (or ends, for Next).
pub fn delete(def: &mut Value, name: &str) -> Result<(), String> {
    let scope = scope_of(def, name).ok_or_else(|| format!("There is no state named {name}."))?;
    let m = machine_at_mut(def, &scope).ok_or("gone")?;
    let states = m.get_mut("States").and_then(Value::as_object_mut).ok_or("no States")?;
    if states.len() == 1 {
        return Err("A state machine (and each branch) needs at least one state.".into());
    }
    let removed = states.shift_remove(name).unwrap_or(Value::Null);
    let first = states.keys().next().cloned();
    let next = removed["Next"].as_str().map(str::to_string).or_else(|| removed["Default"].as_str().map(str::to_string));
    if m["StartAt"] == json!(name) {
        m["StartAt"] = json!(next.clone().or(first));
    }
    retarget(m, name, next.as_deref(), false);
    Ok(())
}

/// Whether a transition may be drawn as an insertion point (not after Succeed/Fail).
pub fn can_insert(e: &EdgeRef) -> bool {
    e.kind != EdgeKind::Terminal
}

// ---------- the palette ----------

pub struct PaletteItem {
    pub id: &'static str,
    pub label: &'static str,
    pub group: &'static str,
}

pub const PALETTE: &[PaletteItem] = &[
    PaletteItem { id: "Pass", label: "Pass", group: "Flow" },
    PaletteItem { id: "Choice", label: "Choice", group: "Flow" },
    PaletteItem { id: "Wait", label: "Wait", group: "Flow" },
    PaletteItem { id: "Parallel", label: "Parallel", group: "Flow" },
    PaletteItem { id: "Map", label: "Map", group: "Flow" },
    PaletteItem { id: "Succeed", label: "Succeed", group: "Flow" },
    PaletteItem { id: "Fail", label: "Fail", group: "Flow" },
    PaletteItem { id: "lambda", label: "Lambda Invoke", group: "Actions" },
    PaletteItem { id: "lambda-callback", label: "Lambda Invoke (wait for callback)", group: "Actions" },
    PaletteItem { id: "ddb-get", label: "DynamoDB GetItem", group: "Actions" },
    PaletteItem { id: "ddb-put", label: "DynamoDB PutItem", group: "Actions" },
    PaletteItem { id: "ddb-update", label: "DynamoDB UpdateItem", group: "Actions" },
    PaletteItem { id: "ddb-delete", label: "DynamoDB DeleteItem", group: "Actions" },
    PaletteItem { id: "sqs", label: "SQS SendMessage", group: "Actions" },
    PaletteItem { id: "sqs-callback", label: "SQS SendMessage (wait for callback)", group: "Actions" },
    PaletteItem { id: "sfn", label: "Step Functions StartExecution", group: "Actions" },
    PaletteItem { id: "sfn-sync", label: "StartExecution (wait to complete)", group: "Actions" },
];

/// The state a palette item adds: a base name and the state object (with no Next/End yet).
pub fn snippet(id: &str, region: &str, account: &str) -> Option<(&'static str, Value)> {
    let queue = format!("https://sqs.{region}.amazonaws.com/{account}/MyQueue");
    let child = format!("arn:aws:states:{region}:{account}:stateMachine:ChildWorkflow");
    let key = json!({"pk": {"S.$": "$.id"}});
    Some(match id {
        "Pass" => ("Pass", json!({"Type": "Pass"})),
        "Choice" => ("Choice", json!({"Type": "Choice", "Choices": [{"Variable": "$.value", "NumericEquals": 1, "Next": ""}]})),
        "Wait" => ("Wait", json!({"Type": "Wait", "Seconds": 5})),
        "Parallel" => (
            "Parallel",
            json!({"Type": "Parallel", "Branches": [
                {"StartAt": "Branch A", "States": {"Branch A": {"Type": "Pass", "End": true}}},
                {"StartAt": "Branch B", "States": {"Branch B": {"Type": "Pass", "End": true}}}
            ]}),
        ),
        "Map" => (
            "Map",
            json!({"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Process item", "States": {"Process item": {"Type": "Pass", "End": true}}}}),
        ),
        "Succeed" => ("Success", json!({"Type": "Succeed"})),
        "Fail" => ("Fail", json!({"Type": "Fail", "Error": "WorkflowFailed", "Cause": "Something went wrong"})),
        "lambda" => (
            "Lambda Invoke",
            json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "MyFunction", "Payload.$": "$"}, "OutputPath": "$.Payload"}),
        ),
        "lambda-callback" => (
            "Wait for callback",
            json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken", "Parameters": {"FunctionName": "MyFunction", "Payload": {"input.$": "$", "taskToken.$": "$$.Task.Token"}}}),
        ),
        "ddb-get" => ("DynamoDB GetItem", json!({"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem", "Parameters": {"TableName": "MyTable", "Key": key}})),
        "ddb-put" => ("DynamoDB PutItem", json!({"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem", "Parameters": {"TableName": "MyTable", "Item": key}})),
        "ddb-update" => (
            "DynamoDB UpdateItem",
            json!({"Type": "Task", "Resource": "arn:aws:states:::dynamodb:updateItem", "Parameters": {"TableName": "MyTable", "Key": key, "UpdateExpression": "SET #s = :s", "ExpressionAttributeNames": {"#s": "status"}, "ExpressionAttributeValues": {":s": {"S": "done"}}}}),
        ),
        "ddb-delete" => ("DynamoDB DeleteItem", json!({"Type": "Task", "Resource": "arn:aws:states:::dynamodb:deleteItem", "Parameters": {"TableName": "MyTable", "Key": key}})),
        "sqs" => ("SQS SendMessage", json!({"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "Parameters": {"QueueUrl": queue, "MessageBody.$": "$"}})),
        "sqs-callback" => (
            "SQS wait for callback",
            json!({"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "Parameters": {"QueueUrl": queue, "MessageBody": {"input.$": "$", "taskToken.$": "$$.Task.Token"}}}),
        ),
        "sfn" => (
            "StartExecution",
            json!({"Type": "Task", "Resource": "arn:aws:states:::states:startExecution", "Parameters": {"StateMachineArn": child, "Input": {"input.$": "$", "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": "$$.Execution.Id"}}}),
        ),
        "sfn-sync" => (
            "StartExecution sync",
            json!({"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2", "Parameters": {"StateMachineArn": child, "Input": {"input.$": "$", "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": "$$.Execution.Id"}}}),
        ),
        _ => return None,
    })
}

/// The JSON path (keys) to the field holding `$$.Task.Token` in a Parameters template, as the
/// resolved parameters carry it (`.$` dropped): where a waiting task's token is.
pub fn token_path(params: &Value) -> Option<Vec<String>> {
    match params {
        Value::Object(m) => {
            for (k, v) in m {
                if k.ends_with(".$") && v.as_str() == Some("$$.Task.Token") {
                    return Some(vec![k.trim_end_matches(".$").to_string()]);
                }
                if let Some(mut p) = token_path(v) {
                    p.insert(0, k.clone());
                    return Some(p);
                }
            }
            None
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def() -> Value {
        json!({"StartAt": "A", "States": {
            "A": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "f"}, "Next": "C",
                  "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Oops"}]},
            "C": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericGreaterThan": 3, "Next": "P"}], "Default": "Done"},
            "P": {"Type": "Parallel", "Branches": [{"StartAt": "B1", "States": {"B1": {"Type": "Pass", "End": true}}}], "Next": "Done"},
            "Oops": {"Type": "Fail", "Error": "E"},
            "Done": {"Type": "Succeed"}
        }})
    }

    #[test]
    fn layout_layers_top_to_bottom_with_labelled_edges() {
        let l = layout(&def(), &vec![]);
        let y = |n: &str| l.nodes.iter().find(|x| x.name == n).unwrap().y;
        assert!(y("A") < y("C") && y("C") < y("P") && y("P") < y("Done"));
        let start = &l.nodes[0];
        let end = l.nodes.last().unwrap();
        assert!(start.y < y("A") && end.y > y("Done"));
        let labels: Vec<_> = l.edges.iter().filter_map(|e| e.label.clone()).collect();
        assert!(labels.contains(&"$.n > 3".to_string()), "{labels:?}");
        assert!(labels.contains(&"Default".to_string()));
        assert!(l.edges.iter().any(|e| e.dashed && e.r.kind == EdgeKind::Catch(0) && e.r.to.as_deref() == Some("Oops")));
        // The Parallel holds its branch as a lane, with its own Start and End.
        let p = l.nodes.iter().find(|x| x.name == "P").unwrap();
        assert_eq!(p.lanes.len(), 1);
        assert_eq!(p.lanes[0].scope, vec![("P".to_string(), Sub::Branch(0))]);
        assert_eq!(p.lanes[0].layout.nodes.len(), 3);
        assert!(p.w >= p.lanes[0].layout.w);
        // Nodes in one row do not overlap.
        for a in &l.nodes {
            for b in &l.nodes {
                if a != b && (a.y - b.y).abs() < 1.0 {
                    assert!(a.x + a.w <= b.x + 0.1 || b.x + b.w <= a.x + 0.1, "{} overlaps {}", a.name, b.name);
                }
            }
        }
    }

    #[test]
    fn loops_are_back_edges_round_the_side() {
        let d = json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "Next": "Check"},
            "Check": {"Type": "Choice", "Choices": [{"Variable": "$.done", "BooleanEquals": true, "Next": "Ok"}], "Default": "W"},
            "Ok": {"Type": "Succeed"}}});
        let l = layout(&d, &vec![]);
        let back = l.edges.iter().find(|e| e.r.kind == EdgeKind::Default).unwrap();
        assert!(back.path.contains('H') && back.path.contains('V'), "{}", back.path);
    }

    #[test]
    fn insert_on_edges_rewires_transitions() {
        let mut d = def();
        let (base, s) = snippet("Pass", "us-east-1", "123456789012").unwrap();
        let e = EdgeRef { scope: vec![], from: Some("A".into()), to: Some("C".into()), kind: EdgeKind::Next };
        let n = insert_on_edge(&mut d, &e, base, s.clone()).unwrap();
        assert_eq!(n, "Pass");
        assert_eq!(d["States"]["A"]["Next"], "Pass");
        assert_eq!(d["States"]["Pass"]["Next"], "C");
        // Start edge, with a unique name.
        let e = EdgeRef { scope: vec![], from: None, to: Some("A".into()), kind: EdgeKind::Start };
        assert_eq!(insert_on_edge(&mut d, &e, base, s.clone()).unwrap(), "Pass 2");
        assert_eq!(d["StartAt"], "Pass 2");
        // Into a branch's End edge.
        let e = EdgeRef { scope: vec![("P".into(), Sub::Branch(0))], from: Some("B1".into()), to: None, kind: EdgeKind::End };
        let w = insert_on_edge(&mut d, &e, "Wait", snippet("Wait", "r", "a").unwrap().1).unwrap();
        assert_eq!(d["States"]["P"]["Branches"][0]["States"]["B1"]["Next"], "Wait");
        assert!(d["States"]["P"]["Branches"][0]["States"]["B1"].get("End").is_none());
        assert_eq!(d["States"]["P"]["Branches"][0]["States"][&w]["End"], true);
        // Choice rule and Catch edges.
        let e = EdgeRef { scope: vec![], from: Some("C".into()), to: Some("P".into()), kind: EdgeKind::Choice(0) };
        insert_on_edge(&mut d, &e, "Log", json!({"Type": "Pass"})).unwrap();
        assert_eq!(d["States"]["C"]["Choices"][0]["Next"], "Log");
        assert_eq!(d["States"]["Log"]["Next"], "P");
        let e = EdgeRef { scope: vec![], from: Some("Oops".into()), to: None, kind: EdgeKind::Terminal };
        assert!(insert_on_edge(&mut d, &e, "X", json!({"Type": "Pass"})).is_err());
        // A Parallel snippet's nested names stay unique.
        let e = EdgeRef { scope: vec![], from: Some("A".into()), to: Some("Pass".into()), kind: EdgeKind::Next };
        insert_on_edge(&mut d, &e, "Parallel", snippet("Parallel", "r", "a").unwrap().1).unwrap();
        let e = EdgeRef { scope: vec![], from: Some("A".into()), to: Some("Parallel".into()), kind: EdgeKind::Next };
        insert_on_edge(&mut d, &e, "Parallel", snippet("Parallel", "r", "a").unwrap().1).unwrap();
        assert_eq!(d["States"]["Parallel 2"]["Branches"][0]["StartAt"], "Branch A 2");
        let text = serde_json::to_string(&d).unwrap();
        let diags = gureum_engine::services::stepfunctions::asl::validate::validate(&text);
        assert!(diags.iter().all(|d| d.severity != gureum_engine::services::stepfunctions::asl::validate::Severity::Error), "{diags:?}");
    }

    #[test]
    fn rename_and_delete_keep_the_graph_connected() {
        let mut d = def();
        rename(&mut d, "C", "Big?").unwrap();
        assert_eq!(d["States"]["A"]["Next"], "Big?");
        assert_eq!(d["States"].as_object().unwrap().keys().nth(1).unwrap(), "Big?");
        assert!(rename(&mut d, "Big?", "Done").is_err());
        delete(&mut d, "A").unwrap();
        assert_eq!(d["StartAt"], "Big?");
        delete(&mut d, "P").unwrap();
        assert_eq!(d["States"]["Big?"]["Choices"][0]["Next"], "Done");
        let mut one = json!({"StartAt": "X", "States": {"X": {"Type": "Succeed"}}});
        assert!(delete(&mut one, "X").is_err());
        assert_eq!(state_of_location("/States/P/Branches/0/States/B1/Next").as_deref(), Some("B1"));
        assert_eq!(state_of_location("/StartAt"), None);
        set_next(&mut d, "Oops", Some("Done")).unwrap_err();
    }

    #[test]
    fn jsonata_definitions_lay_out_and_validate() {
        // The console's default since late 2024: JSONata states with Arguments, Output, Assign
        // and Condition; the graph labels a rule with its condition and editing keeps the fields.
        let mut d = json!({"QueryLanguage": "JSONata", "StartAt": "A", "States": {
            "A": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Arguments": {"FunctionName": "f", "Payload": "{% $states.input %}"},
                  "Assign": {"n": "{% $states.result.Payload.n %}"}, "Output": "{% $states.result.Payload %}", "Next": "C"},
            "C": {"Type": "Choice", "Choices": [{"Condition": "{% $n > 3 %}", "Next": "Done"}], "Default": "Done"},
            "Done": {"Type": "Succeed", "Output": "{% {'n': $n} %}"}
        }});
        let l = layout(&d, &vec![]);
        let labels: Vec<_> = l.edges.iter().filter_map(|e| e.label.clone()).collect();
        assert!(labels.contains(&"{% $n > 3 %}".to_string()), "{labels:?}");
        rename(&mut d, "C", "Big?").unwrap();
        assert_eq!(d["States"]["A"]["Next"], "Big?");
        assert_eq!(d["States"]["A"]["Assign"]["n"], "{% $states.result.Payload.n %}");
        assert_eq!(d["States"]["Big?"]["Choices"][0]["Condition"], "{% $n > 3 %}");
        let text = serde_json::to_string(&d).unwrap();
        let diags = gureum_engine::services::stepfunctions::asl::validate::validate(&text);
        assert!(diags.iter().all(|d| d.severity != gureum_engine::services::stepfunctions::asl::validate::Severity::Error), "{diags:?}");
    }

    #[test]
    fn token_paths_follow_the_template() {
        let p = json!({"FunctionName": "f", "Payload": {"input.$": "$", "taskToken.$": "$$.Task.Token"}});
        assert_eq!(token_path(&p), Some(vec!["Payload".to_string(), "taskToken".to_string()]));
        assert_eq!(token_path(&json!({"a": 1})), None);
    }
}
