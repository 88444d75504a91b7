//! The XML S3's requests and answers carry: a small reader for request bodies (elements, text,
//! the five entities and character references, comments, CDATA; attributes and namespaces are
//! skipped) with a depth bound, and escaping for the writer. Anything else is MalformedXML.

/// One element: its local name (any `prefix:` dropped), its text, its child elements.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Element {
    pub name: String,
    pub text: String,
    pub children: Vec<Element>,
}

impl Element {
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }
}

const MAX_DEPTH: usize = 32;

struct Reader<'a> {
    s: &'a str,
    at: usize,
}

impl<'a> Reader<'a> {
    fn rest(&self) -> &'a str {
        &self.s[self.at..]
    }

    fn skip_ws(&mut self) {
        let rest = self.rest();
        self.at += rest.len() - rest.trim_start().len();
    }

    /// Skips `<?...?>`, `<!--...-->` and `<!DOCTYPE ...>` before or between elements.
    fn skip_misc(&mut self) -> Result<(), ()> {
        loop {
            self.skip_ws();
            let rest = self.rest();
            let end = if rest.starts_with("<?") {
                rest.find("?>").map(|i| i + 2)
            } else if rest.starts_with("<!--") {
                rest.find("-->").map(|i| i + 3)
            } else if rest.starts_with("<!DOCTYPE") {
                rest.find('>').map(|i| i + 1)
            } else {
                return Ok(());
            };
            self.at += end.ok_or(())?;
        }
    }

    fn element(&mut self, depth: usize) -> Result<Element, ()> {
        if depth > MAX_DEPTH || !self.rest().starts_with('<') {
            return Err(());
        }
        let rest = self.rest();
        let close = rest.find('>').ok_or(())?;
        let tag = &rest[1..close];
        let self_closing = tag.ends_with('/');
        let tag = tag.trim_end_matches('/');
        let qname = tag.split(|c: char| c.is_ascii_whitespace()).next().unwrap_or("");
        if qname.is_empty() || qname.starts_with(['/', '!', '?']) {
            return Err(());
        }
        let name = qname.rsplit(':').next().unwrap_or(qname).to_string();
        self.at += close + 1;
        let mut el = Element { name, ..Default::default() };
        if self_closing {
            return Ok(el);
        }
        loop {
            let rest = self.rest();
            if rest.is_empty() {
                return Err(());
            }
            if let Some(after) = rest.strip_prefix("</") {
                let end = after.find('>').ok_or(())?;
                if after[..end].trim() != qname {
                    return Err(());
                }
                self.at += 2 + end + 1;
                return Ok(el);
            }
            if rest.starts_with("<![CDATA[") {
                let end = rest.find("]]>").ok_or(())?;
                el.text.push_str(&rest[9..end]);
                self.at += end + 3;
            } else if rest.starts_with("<!--") || rest.starts_with("<?") {
                self.skip_misc()?;
            } else if rest.starts_with('<') {
                el.children.push(self.element(depth + 1)?);
            } else {
                let end = rest.find('<').unwrap_or(rest.len());
                el.text.push_str(&unescape(&rest[..end])?);
                self.at += end;
            }
        }
    }
}

fn unescape(s: &str) -> Result<String, ()> {
    if !s.contains('&') {
        return Ok(s.to_string());
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let end = rest[i..].find(';').ok_or(())? + i;
        let entity = &rest[i + 1..end];
        let c = match entity {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = if let Some(hex) = entity.strip_prefix("#x").or_else(|| entity.strip_prefix("#X")) {
                    u32::from_str_radix(hex, 16).map_err(|_| ())?
                } else if let Some(dec) = entity.strip_prefix('#') {
                    dec.parse::<u32>().map_err(|_| ())?
                } else {
                    return Err(());
                };
                char::from_u32(code).ok_or(())?
            }
        };
        out.push(c);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Reads a document's root element.
pub fn parse(body: &[u8]) -> Result<Element, ()> {
    let s = std::str::from_utf8(body).map_err(|_| ())?;
    let s = s.strip_prefix('\u{feff}').unwrap_or(s);
    let mut r = Reader { s, at: 0 };
    r.skip_misc()?;
    let root = r.element(0)?;
    r.skip_misc()?;
    if !r.rest().is_empty() {
        return Err(());
    }
    Ok(root)
}

/// Escapes text for an element's content (quotes too, as S3 writes ETags: `&quot;`).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => out.push_str(&format!("&#{};", c as u32)),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_documents() {
        let doc = br#"<?xml version="1.0" encoding="UTF-8"?>
<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>a&amp;b &lt;c&gt; &#233;&#x41;</Key></Object><Object><Key><![CDATA[x<y]]></Key></Object><Quiet>true</Quiet><!-- c --><Empty/></Delete>"#;
        let root = parse(doc).unwrap();
        assert_eq!(root.name, "Delete");
        let keys: Vec<&str> = root.children_named("Object").map(|o| o.child("Key").unwrap().text.as_str()).collect();
        assert_eq!(keys, ["a&b <c> éA", "x<y"]);
        assert_eq!(root.child("Quiet").unwrap().text, "true");
        assert!(root.child("Empty").is_some());
        for bad in ["", "<a>", "<a></b>", "<a>&bogus;</a>", "<a></a><b/>", "text", "<a>&#xFFFFFFFF;</a>", "</a>", "<>"] {
            assert!(parse(bad.as_bytes()).is_err(), "{bad}");
        }
        let deep = "<a>".repeat(100) + &"</a>".repeat(100);
        assert!(parse(deep.as_bytes()).is_err());
        assert_eq!(escape("\"e\" & <x>"), "&quot;e&quot; &amp; &lt;x&gt;");
    }
}
