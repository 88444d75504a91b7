//! A small backtracking regular-expression matcher for integration responses'
//! `selectionPattern` (Java regex, matched against the whole string): literals, `.`, classes
//! `[a-z]` `[^...]`, escapes `\d \w \s \D \W \S` and escaped metacharacters, groups `( )` and
//! `(?: )`, alternation `|`, and the quantifiers `* + ? {n} {n,} {n,m}` (greedy). Anchors `^ $`
//! are accepted (the match is whole-string anyway). Anything else is refused as invalid.

#[derive(Debug, Clone)]
enum Node {
    Char(char),
    Any,
    Class(Vec<(char, char)>, bool),
    Group(Vec<Vec<Item>>),
    Start,
    End,
}

#[derive(Debug, Clone)]
struct Item {
    node: Node,
    min: usize,
    max: usize,
}

#[derive(Debug, Clone)]
pub struct Regex {
    alternatives: Vec<Vec<Item>>,
}

impl Regex {
    pub fn new(pattern: &str) -> Result<Self, String> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut pos = 0;
        let alternatives = parse_alternatives(&chars, &mut pos, 0)?;
        if pos != chars.len() {
            return Err(format!("unmatched ')' at {pos}"));
        }
        Ok(Regex { alternatives })
    }

    /// Whether the whole of `text` matches.
    pub fn matches(&self, text: &str) -> bool {
        let chars: Vec<char> = text.chars().collect();
        let ends: Set = self.alternatives.iter().flat_map(|alt| ends_seq(alt, &chars, Set::from([0]))).collect();
        ends.contains(&chars.len())
    }
}

fn class_escape(c: char) -> Option<(Vec<(char, char)>, bool)> {
    let digits = vec![('0', '9')];
    let word = vec![('a', 'z'), ('A', 'Z'), ('0', '9'), ('_', '_')];
    let space = vec![(' ', ' '), ('\t', '\t'), ('\n', '\n'), ('\r', '\r'), ('\x0b', '\x0c')];
    match c {
        'd' => Some((digits, false)),
        'D' => Some((digits, true)),
        'w' => Some((word, false)),
        'W' => Some((word, true)),
        's' => Some((space, false)),
        'S' => Some((space, true)),
        _ => None,
    }
}

fn escaped(c: char) -> char {
    match c {
        'n' => '\n',
        't' => '\t',
        'r' => '\r',
        other => other,
    }
}

fn parse_alternatives(p: &[char], pos: &mut usize, depth: usize) -> Result<Vec<Vec<Item>>, String> {
    if depth > 50 {
        return Err("pattern nests too deeply".into());
    }
    let mut alts = vec![Vec::new()];
    while *pos < p.len() {
        let c = p[*pos];
        let node = match c {
            ')' => break,
            '|' => {
                *pos += 1;
                alts.push(Vec::new());
                continue;
            }
            '(' => {
                *pos += 1;
                if p.get(*pos) == Some(&'?') {
                    if p.get(*pos + 1) == Some(&':') {
                        *pos += 2;
                    } else {
                        return Err("unsupported group construct".into());
                    }
                }
                let inner = parse_alternatives(p, pos, depth + 1)?;
                if p.get(*pos) != Some(&')') {
                    return Err("unclosed group".into());
                }
                *pos += 1;
                Node::Group(inner)
            }
            '[' => {
                *pos += 1;
                let negate = p.get(*pos) == Some(&'^');
                if negate {
                    *pos += 1;
                }
                let mut ranges = Vec::new();
                let mut first = true;
                loop {
                    let Some(&c) = p.get(*pos) else { return Err("unclosed character class".into()) };
                    if c == ']' && !first {
                        *pos += 1;
                        break;
                    }
                    first = false;
                    *pos += 1;
                    let lo = if c == '\\' {
                        let Some(&e) = p.get(*pos) else { return Err("dangling escape".into()) };
                        *pos += 1;
                        if let Some((r, false)) = class_escape(e) {
                            ranges.extend(r);
                            continue;
                        }
                        escaped(e)
                    } else {
                        c
                    };
                    if p.get(*pos) == Some(&'-') && p.get(*pos + 1).is_some_and(|&n| n != ']') {
                        let hi = p[*pos + 1];
                        *pos += 2;
                        if hi < lo {
                            return Err("illegal character range".into());
                        }
                        ranges.push((lo, hi));
                    } else {
                        ranges.push((lo, lo));
                    }
                }
                Node::Class(ranges, negate)
            }
            '\\' => {
                *pos += 1;
                let Some(&e) = p.get(*pos) else { return Err("dangling escape".into()) };
                *pos += 1;
                match class_escape(e) {
                    Some((r, neg)) => Node::Class(r, neg),
                    None if e.is_ascii_alphanumeric() && !"ntr".contains(e) => return Err(format!("unsupported escape \\{e}")),
                    None => Node::Char(escaped(e)),
                }
            }
            '.' => {
                *pos += 1;
                Node::Any
            }
            '^' => {
                *pos += 1;
                Node::Start
            }
            '$' => {
                *pos += 1;
                Node::End
            }
            '*' | '+' | '?' | '{' => return Err(format!("dangling meta character '{c}'")),
            other => {
                *pos += 1;
                Node::Char(other)
            }
        };
        let (min, max) = quantifier(p, pos)?;
        alts.last_mut().map(|a| a.push(Item { node, min, max }));
    }
    Ok(alts)
}

fn quantifier(p: &[char], pos: &mut usize) -> Result<(usize, usize), String> {
    let q = match p.get(*pos) {
        Some('*') => (0, usize::MAX),
        Some('+') => (1, usize::MAX),
        Some('?') => (0, 1),
        Some('{') => {
            let close = p[*pos..].iter().position(|&c| c == '}').ok_or("unclosed counted repetition")? + *pos;
            let body: String = p[*pos + 1..close].iter().collect();
            let parse = |s: &str| s.trim().parse::<usize>().map_err(|_| format!("bad repetition {{{body}}}"));
            let (min, max) = match body.split_once(',') {
                None => {
                    let n = parse(&body)?;
                    (n, n)
                }
                Some((a, "")) => (parse(a)?, usize::MAX),
                Some((a, b)) => (parse(a)?, parse(b)?),
            };
            if max < min || min > 1000 {
                return Err(format!("bad repetition {{{body}}}"));
            }
            *pos = close;
            (min, max)
        }
        _ => return Ok((1, 1)),
    };
    *pos += 1;
    // Lazy and possessive suffixes are not supported.
    if matches!(p.get(*pos), Some('?') | Some('+')) {
        return Err("lazy and possessive quantifiers are not supported".into());
    }
    Ok(q)
}

type Set = std::collections::BTreeSet<usize>;

fn ends_node(node: &Node, text: &[char], starts: &Set) -> Set {
    let step = |pred: &dyn Fn(char) -> bool| starts.iter().filter(|&&p| text.get(p).is_some_and(|&c| pred(c))).map(|p| p + 1).collect();
    match node {
        Node::Char(c) => step(&|x| x == *c),
        Node::Any => step(&|x| x != '\n'),
        Node::Class(ranges, negate) => step(&|x| ranges.iter().any(|&(lo, hi)| lo <= x && x <= hi) != *negate),
        Node::Start => starts.iter().copied().filter(|&p| p == 0).collect(),
        Node::End => starts.iter().copied().filter(|&p| p == text.len()).collect(),
        Node::Group(alts) => alts.iter().flat_map(|alt| ends_seq(alt, text, starts.clone())).collect(),
    }
}

fn ends_item(item: &Item, text: &[char], starts: &Set) -> Set {
    let mut result = if item.min == 0 { starts.clone() } else { Set::new() };
    let mut cur = starts.clone();
    let mut count = 0;
    while count < item.max {
        cur = ends_node(&item.node, text, &cur);
        count += 1;
        if cur.is_empty() {
            break;
        }
        if count >= item.min {
            // Past the minimum, a repetition that reaches nothing new ends the loop.
            if cur.is_subset(&result) {
                break;
            }
            result.extend(cur.iter().copied());
        }
        if count > text.len() + 1 && count >= item.min {
            break;
        }
    }
    result
}

fn ends_seq(items: &[Item], text: &[char], mut starts: Set) -> Set {
    for item in items {
        if starts.is_empty() {
            break;
        }
        starts = ends_item(item, text, &starts);
    }
    starts
}

#[cfg(test)]
mod tests {
    use super::Regex;

    #[test]
    fn whole_string_matches() {
        let m = |p: &str, t: &str| Regex::new(p).expect(p).matches(t);
        assert!(m("2\\d{2}", "200"));
        assert!(!m("2\\d{2}", "2000"));
        assert!(m(".*Not Found.*", "Item Not Found here"));
        assert!(!m("Not Found", "Item Not Found"));
        assert!(m("(4|5)\\d\\d", "503"));
        assert!(m("[A-Z][a-z]+Error:.*", "ValidationError: bad"));
        assert!(m("a?b*c+", "c"));
        assert!(m("(?:ab)+", "ababab"));
        assert!(!m("(?:ab)+", "aba"));
        assert!(m("", ""));
        assert!(m("\\[x\\]", "[x]"));
        assert!(m("[^0-9]{3,}", "abc"));
        assert!(!m("[^0-9]{3,}", "ab1"));
        assert!(m("(a*)*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaab"));
        assert!(!m("(a*)*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
        for bad in ["(", "[a", "*a", "a{2", "a{3,1}", "\\", "(?<n>a)", "a*?", "\\p{L}"] {
            assert!(Regex::new(bad).is_err(), "{bad}");
        }
    }
}
