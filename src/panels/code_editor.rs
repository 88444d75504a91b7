//! A light code editor for function code: a transparent textarea over a highlighted `<pre>`, with
//! a line-number gutter that marks lines with errors. No editor library: the page must work
//! offline and stay small. The tokenizer is a small JavaScript lexer (keywords, strings,
//! template literals, comments, numbers) that never fails: any input comes back as tokens whose
//! texts, joined, are the input.

use std::{cell::Cell, rc::Rc};

use wasm_bindgen::JsCast;
use yew::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Keyword,
    /// true, false, null, undefined, this, NaN, Infinity.
    Literal,
    /// Names a handler commonly touches: console, require, exports, process, ...
    Builtin,
    Str,
    Comment,
    Number,
    /// Identifiers, punctuation, whitespace: drawn in the plain color.
    Plain,
}

const KEYWORDS: &[&str] = &[
    "async",
    "await",
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "debugger",
    "default",
    "delete",
    "do",
    "else",
    "export",
    "extends",
    "finally",
    "for",
    "from",
    "function",
    "if",
    "import",
    "in",
    "instanceof",
    "let",
    "new",
    "of",
    "return",
    "static",
    "super",
    "switch",
    "throw",
    "try",
    "typeof",
    "var",
    "void",
    "while",
    "with",
    "yield",
];
const LITERALS: &[&str] = &["true", "false", "null", "undefined", "this", "NaN", "Infinity"];
const BUILTINS: &[&str] =
    &["console", "require", "module", "exports", "process", "Buffer", "JSON", "Math", "Promise", "Date", "Error", "Object", "Array", "String", "Number", "setTimeout"];

impl Kind {
    pub fn class(self) -> Option<&'static str> {
        match self {
            Kind::Keyword => Some("tk-kw"),
            Kind::Literal => Some("tk-lit"),
            Kind::Builtin => Some("tk-bi"),
            Kind::Str => Some("tk-str"),
            Kind::Comment => Some("tk-com"),
            Kind::Number => Some("tk-num"),
            Kind::Plain => None,
        }
    }
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_' || c == '$'
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

/// Splits JavaScript source into highlight tokens. Unterminated strings and comments run to the
/// end of the line (quotes) or of the text (template literals, block comments).
pub fn tokenize(src: &str) -> Vec<(Kind, &str)> {
    let mut out: Vec<(Kind, &str)> = Vec::new();
    let chars: Vec<(usize, char)> = src.char_indices().collect();
    let n = chars.len();
    let at = |i: usize| chars.get(i).map(|c| c.1);
    let pos = |i: usize| chars.get(i).map(|c| c.0).unwrap_or(src.len());
    let mut push = |kind: Kind, from: usize, to: usize| {
        let text = &src[from..to];
        if text.is_empty() {
            return;
        }
        // Neighbouring plain text joins into one token (fewer DOM nodes).
        if let (Kind::Plain, Some((Kind::Plain, prev))) = (kind, out.last()) {
            let start = prev.as_ptr() as usize - src.as_ptr() as usize;
            let merged = &src[start..to];
            if let Some(last) = out.last_mut() {
                *last = (Kind::Plain, merged);
            }
            return;
        }
        out.push((kind, text));
    };
    let mut i = 0;
    // Dots right before the current token (whitespace and comments aside): one dot means a
    // property name follows; three are a spread.
    let mut dots = 0u32;
    while i < n {
        let c = chars[i].1;
        let start = i;
        let dots_before = dots;
        if !c.is_whitespace() && !(c == '/' && matches!(at(i + 1), Some('/') | Some('*'))) {
            dots = if c == '.' && !at(i + 1).is_some_and(|d| d.is_ascii_digit()) { dots + 1 } else { 0 };
        }
        if c == '/' && at(i + 1) == Some('/') {
            while i < n && chars[i].1 != '\n' {
                i += 1;
            }
            push(Kind::Comment, pos(start), pos(i));
        } else if c == '/' && at(i + 1) == Some('*') {
            i += 2;
            while i < n && !(chars[i].1 == '*' && at(i + 1) == Some('/')) {
                i += 1;
            }
            i = (i + 2).min(n);
            push(Kind::Comment, pos(start), pos(i));
        } else if c == '"' || c == '\'' || c == '`' {
            i += 1;
            while i < n {
                let d = chars[i].1;
                if d == '\\' {
                    i += 2;
                    continue;
                }
                if d == c {
                    i += 1;
                    break;
                }
                if d == '\n' && c != '`' {
                    break;
                }
                i += 1;
            }
            let i2 = i.min(n);
            i = i2;
            push(Kind::Str, pos(start), pos(i));
        } else if c.is_ascii_digit() || (c == '.' && at(i + 1).is_some_and(|d| d.is_ascii_digit())) {
            i += 1;
            while i < n && (chars[i].1.is_ascii_alphanumeric() || chars[i].1 == '.' || chars[i].1 == '_') {
                i += 1;
            }
            push(Kind::Number, pos(start), pos(i));
        } else if is_ident_start(c) {
            while i < n && is_ident(chars[i].1) {
                i += 1;
            }
            let word = &src[pos(start)..pos(i)];
            // A property name after a dot is never a keyword (`x.default`, `console.log`).
            let kind = if dots_before == 1 {
                Kind::Plain
            } else if KEYWORDS.contains(&word) {
                Kind::Keyword
            } else if LITERALS.contains(&word) {
                Kind::Literal
            } else if BUILTINS.contains(&word) {
                Kind::Builtin
            } else {
                Kind::Plain
            };
            push(kind, pos(start), pos(i));
        } else {
            i += 1;
            push(Kind::Plain, pos(start), pos(i));
        }
    }
    out
}

/// A line to mark in the gutter (1-based), and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    pub file: String,
    pub line: u32,
    pub column: Option<u32>,
    pub message: String,
}

/// Reads `/var/task/{file}:{line}:{col}` out of one trace line.
fn frame(line: &str) -> Option<(String, u32, Option<u32>)> {
    let at = line.find("/var/task/")?;
    let rest = &line[at + "/var/task/".len()..];
    let end = rest.find([')', ' ', '\t']).unwrap_or(rest.len());
    let loc = &rest[..end];
    let mut parts = loc.rsplitn(3, ':');
    let a = parts.next()?;
    let b = parts.next();
    let c = parts.next();
    match (c, b) {
        (Some(file), Some(l)) => Some((file.to_string(), l.parse().ok()?, a.parse().ok())),
        (None, Some(file)) => Some((file.to_string(), a.parse().ok()?, None)),
        _ => None,
    }
}

/// `line 2` / `line: 2` / `2:14` in a syntax error message: (line, column).
fn line_in_message(msg: &str) -> Option<(u32, Option<u32>)> {
    let lower = msg.to_ascii_lowercase();
    if let Some(i) = lower.find("line") {
        let rest = lower[i + 4..].trim_start_matches([' ', ':']);
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if let Ok(line) = digits.parse::<u32>() {
            let col = lower[i..].find("col").and_then(|j| {
                let r = lower[i + j..].trim_start_matches(|c: char| c.is_ascii_alphabetic()).trim_start_matches([' ', ':']);
                r.chars().take_while(char::is_ascii_digit).collect::<String>().parse().ok()
            });
            return Some((line, col));
        }
    }
    // `file.mjs:3:9`-like positions.
    let bytes = msg.as_bytes();
    for (i, _) in msg.match_indices(':') {
        let before: String = msg[..i].chars().rev().take_while(char::is_ascii_digit).collect::<String>().chars().rev().collect();
        let after: String = msg[i + 1..].chars().take_while(char::is_ascii_digit).collect();
        if !before.is_empty() && !after.is_empty() && i >= before.len() && (i == before.len() || !bytes[i - before.len() - 1].is_ascii_alphanumeric()) {
            if let (Ok(l), Ok(c)) = (before.parse(), after.parse()) {
                return Some((l, Some(c)));
            }
        }
    }
    None
}

/// The file a handler setting (`index.handler`, `src/app.main`) loads, among `files`.
pub fn handler_file(handler: &str, files: &[String]) -> Option<String> {
    let stem = handler.rsplit_once('.').map(|(f, _)| f).unwrap_or(handler);
    ["js", "mjs", "cjs"].iter().map(|ext| format!("{stem}.{ext}")).find(|f| files.contains(f))
}

/// The lines an error payload points at: the trace's frames in the package's files (first one
/// first), or the position a syntax error names (in the handler's file unless it names one).
pub fn error_marks(payload: &serde_json::Value, files: &[String], handler: &str) -> Vec<Mark> {
    let kind = payload.get("errorType").and_then(|v| v.as_str()).unwrap_or("Error");
    let message = payload.get("errorMessage").and_then(|v| v.as_str()).unwrap_or("");
    let summary = format!("{kind}: {message}");
    let mut marks: Vec<Mark> = Vec::new();
    let trace: Vec<String> = payload.get("trace").and_then(|v| v.as_array()).map(|a| a.iter().filter_map(|l| l.as_str().map(str::to_string)).collect()).unwrap_or_default();
    for line in trace.iter().map(String::as_str).chain(std::iter::once(message)) {
        if let Some((file, l, col)) = frame(line) {
            if files.contains(&file) && !marks.iter().any(|m| m.file == file && m.line == l) {
                marks.push(Mark { file, line: l, column: col, message: summary.clone() });
            }
        }
    }
    if marks.is_empty() && (kind == "Runtime.UserCodeSyntaxError" || message.contains("SyntaxError")) {
        if let Some((l, col)) = line_in_message(message) {
            let named = files.iter().find(|f| message.contains(f.as_str())).cloned();
            if let Some(file) = named.or_else(|| handler_file(handler, files)) {
                marks.push(Mark { file, line: l, column: col, message: summary });
            }
        }
    }
    marks
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub value: String,
    pub on_change: Callback<String>,
    /// Lines (1-based) to mark, with the message shown on hover and under the editor.
    #[prop_or_default]
    pub marks: Vec<(u32, String)>,
    pub label: String,
    #[prop_or(false)]
    pub readonly: bool,
}

fn highlighted(src: &str) -> Html {
    html! { <>{ for tokenize(src).into_iter().map(|(kind, text)| match kind.class() {
        Some(c) => html! { <span class={c}>{ text }</span> },
        None => html! { { text } },
    }) }</> }
}

/// Inserts `text` at the textarea's selection, the way typing would, and returns the new value.
fn insert_at_selection(t: &web_sys::HtmlTextAreaElement, text: &str) -> String {
    let value = t.value();
    let utf16: Vec<u16> = value.encode_utf16().collect();
    let start = t.selection_start().ok().flatten().unwrap_or(utf16.len() as u32) as usize;
    let end = t.selection_end().ok().flatten().unwrap_or(start as u32) as usize;
    let (start, end) = (start.min(utf16.len()), end.min(utf16.len()).max(start.min(utf16.len())));
    let mut out = String::from_utf16_lossy(&utf16[..start]);
    out.push_str(text);
    out.push_str(&String::from_utf16_lossy(&utf16[end..]));
    t.set_value(&out);
    let caret = (start + text.encode_utf16().count()) as u32;
    let _ = t.set_selection_range(caret, caret);
    out
}

#[function_component(CodeEditor)]
pub fn code_editor(p: &Props) -> Html {
    // Esc, then Tab, leaves the editor (Tab alone indents).
    let escaped = use_memo((), |_| Rc::new(Cell::new(false)));
    let lines = p.value.split('\n').count().max(1);
    let oninput = {
        let cb = p.on_change.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(t) = e.target_dyn_into::<web_sys::HtmlTextAreaElement>() {
                cb.emit(t.value());
            }
        })
    };
    let onkeydown = {
        let (cb, escaped) = (p.on_change.clone(), escaped.clone());
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" {
                escaped.set(true);
                return;
            }
            if e.key() == "Tab" && !e.ctrl_key() && !e.alt_key() && !e.meta_key() {
                if escaped.get() || e.shift_key() {
                    escaped.set(false);
                    return;
                }
                e.prevent_default();
                if let Some(t) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlTextAreaElement>().ok()) {
                    cb.emit(insert_at_selection(&t, "  "));
                }
                return;
            }
            if e.key() == "Enter" && !e.shift_key() && !e.ctrl_key() && !e.meta_key() {
                // Keep the current line's indentation.
                if let Some(t) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlTextAreaElement>().ok()) {
                    let value = t.value();
                    let utf16: Vec<u16> = value.encode_utf16().collect();
                    let start = (t.selection_start().ok().flatten().unwrap_or(0) as usize).min(utf16.len());
                    let before = String::from_utf16_lossy(&utf16[..start]);
                    let line = before.rsplit('\n').next().unwrap_or("");
                    let indent: String = line.chars().take_while(|c| *c == ' ').collect();
                    let extra = if line.trim_end().ends_with(['{', '(', '[']) { "  " } else { "" };
                    e.prevent_default();
                    cb.emit(insert_at_selection(&t, &format!("\n{indent}{extra}")));
                }
            }
            escaped.set(false);
        })
    };
    html! {
        <div class="code-editor">
            <div class="gutter" aria-hidden="true">
                { for (1..=lines as u32).map(|l| match p.marks.iter().find(|(m, _)| *m == l) {
                    Some((_, msg)) => html! { <div class="ln err" title={msg.clone()} data-line={l.to_string()}>{ l }</div> },
                    None => html! { <div class="ln">{ l }</div> },
                }) }
            </div>
            <div class="code-wrap">
                <pre class="hl" aria-hidden="true"><code>{ highlighted(&p.value) }{ "\n " }</code></pre>
                <textarea aria-label={p.label.clone()} spellcheck="false" autocomplete="off" autocapitalize="off" wrap="off" readonly={p.readonly}
                    value={p.value.clone()} {oninput} {onkeydown} />
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn kinds(src: &str) -> Vec<(Kind, String)> {
        tokenize(src).into_iter().filter(|(k, _)| *k != Kind::Plain).map(|(k, t)| (k, t.to_string())).collect()
    }

    #[test]
    fn tokens_cover_the_input_exactly() {
        for src in ["", "const a = 1;", "'unterminated\nnext", "/* open", "`x ${y}` // c", "é = \"ü\\\"\" ;", "a.default + x?.y", "0x1f .5 1e3"] {
            let joined: String = tokenize(src).iter().map(|(_, t)| *t).collect();
            assert_eq!(joined, src);
        }
    }

    #[test]
    fn keywords_strings_comments_numbers() {
        let k = kinds("export const handler = async (event) => { // hi\n  return { n: 42, s: 'x', t: `y`, ok: true };\n};");
        assert_eq!(
            k,
            vec![
                (Kind::Keyword, "export".into()),
                (Kind::Keyword, "const".into()),
                (Kind::Keyword, "async".into()),
                (Kind::Comment, "// hi".into()),
                (Kind::Keyword, "return".into()),
                (Kind::Number, "42".into()),
                (Kind::Str, "'x'".into()),
                (Kind::Str, "`y`".into()),
                (Kind::Literal, "true".into()),
            ]
        );
        assert_eq!(kinds("x.default; console.log(1)"), vec![(Kind::Builtin, "console".into()), (Kind::Number, "1".into())]);
        // What comes after a sentence's full stop in a comment is not a property.
        assert_eq!(kinds("// once.\nexports.handler")[1], (Kind::Builtin, "exports".into()));
        assert_eq!(kinds("f(...args, x. /* c */ default, .5)"), vec![(Kind::Comment, "/* c */".into()), (Kind::Number, ".5".into())]);
        assert_eq!(kinds("[...process]"), vec![(Kind::Builtin, "process".into())]);
        assert_eq!(kinds("'a\\'b' /* c\nd */"), vec![(Kind::Str, "'a\\'b'".into()), (Kind::Comment, "/* c\nd */".into())]);
    }

    #[test]
    fn trace_frames_mark_lines_in_package_files() {
        let files = vec!["index.mjs".to_string(), "lib/util.js".to_string()];
        let payload = json!({"errorType": "Error", "errorMessage": "boom", "trace": ["Error: boom", "    at double (/var/task/lib/util.js:2:9)", "    at handler (/var/task/index.mjs:3:9)", "    at /var/runtime/x.js:1:1"]});
        let marks = error_marks(&payload, &files, "index.handler");
        assert_eq!(marks.len(), 2);
        assert_eq!((marks[0].file.as_str(), marks[0].line, marks[0].column), ("lib/util.js", 2, Some(9)));
        assert_eq!((marks[1].file.as_str(), marks[1].line), ("index.mjs", 3));
        assert_eq!(marks[0].message, "Error: boom");
        assert_eq!(frame("at /var/task/index.mjs:7"), Some(("index.mjs".into(), 7, None)));
    }

    #[test]
    fn syntax_errors_mark_the_line_they_name() {
        let files = vec!["index.mjs".to_string()];
        for msg in ["SyntaxError: expected token ')', got ';' at line 2, col 14", "SyntaxError: unexpected token at line: 2", "SyntaxError: Unexpected token ';' (2:14)"] {
            let payload = json!({"errorType": "Runtime.UserCodeSyntaxError", "errorMessage": msg, "trace": []});
            let marks = error_marks(&payload, &files, "index.handler");
            assert_eq!(marks.len(), 1, "{msg}");
            assert_eq!((marks[0].file.as_str(), marks[0].line), ("index.mjs", 2), "{msg}");
        }
        let none = json!({"errorType": "Runtime.HandlerNotFound", "errorMessage": "index.handler is undefined or not exported"});
        assert!(error_marks(&none, &files, "index.handler").is_empty());
        assert_eq!(handler_file("src/app.main", &["src/app.js".to_string()]), Some("src/app.js".into()));
    }
}
