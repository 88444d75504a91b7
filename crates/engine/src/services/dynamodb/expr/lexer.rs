//! Tokens of DynamoDB's expression language. The lexer is a single linear pass; it never
//! backtracks, so any input is tokenized in time proportional to its length.

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// A bare attribute name or keyword (`Artist`, `AND`, `attribute_exists`).
    Ident(String),
    /// `#name`, resolved through ExpressionAttributeNames.
    Name(String),
    /// `:value`, resolved through ExpressionAttributeValues.
    Value(String),
    /// A non-negative integer (list indexes).
    Int(String),
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Dot,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Plus,
    Minus,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub tok: Tok,
    /// Byte offset in the expression.
    pub start: usize,
    pub end: usize,
}

/// Splits `text` into tokens; returns the offending offset on a character that cannot start one.
pub fn lex(text: &str) -> Result<Vec<Token>, usize> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let word = |i: usize| {
        let mut j = i;
        while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_') {
            j += 1;
        }
        j
    };
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let (tok, end) = match c {
            b'(' => (Tok::LParen, i + 1),
            b')' => (Tok::RParen, i + 1),
            b'[' => (Tok::LBracket, i + 1),
            b']' => (Tok::RBracket, i + 1),
            b',' => (Tok::Comma, i + 1),
            b'.' => (Tok::Dot, i + 1),
            b'+' => (Tok::Plus, i + 1),
            b'-' => (Tok::Minus, i + 1),
            b'=' => (Tok::Eq, i + 1),
            b'<' if bytes.get(i + 1) == Some(&b'>') => (Tok::Ne, i + 2),
            b'<' if bytes.get(i + 1) == Some(&b'=') => (Tok::Le, i + 2),
            b'<' => (Tok::Lt, i + 1),
            b'>' if bytes.get(i + 1) == Some(&b'=') => (Tok::Ge, i + 2),
            b'>' => (Tok::Gt, i + 1),
            b'#' | b':' => {
                let j = word(i + 1);
                if j == i + 1 {
                    return Err(i);
                }
                let name = text[i..j].to_string();
                (if c == b'#' { Tok::Name(name) } else { Tok::Value(name) }, j)
            }
            c if c.is_ascii_digit() => {
                let mut j = i;
                while j < bytes.len() && bytes[j].is_ascii_digit() {
                    j += 1;
                }
                if j < bytes.len() && (bytes[j].is_ascii_alphabetic() || bytes[j] == b'_') {
                    // Names may contain digits but not start with one.
                    return Err(i);
                }
                (Tok::Int(text[i..j].to_string()), j)
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let j = word(i);
                (Tok::Ident(text[i..j].to_string()), j)
            }
            _ => return Err(i),
        };
        out.push(Token { tok, start, end });
        i = end;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexes_operators_names_and_values() {
        let toks: Vec<Tok> = lex("#a.b[2] <> :v AND size(c)>=10").unwrap().into_iter().map(|t| t.tok).collect();
        assert_eq!(
            toks,
            vec![
                Tok::Name("#a".into()),
                Tok::Dot,
                Tok::Ident("b".into()),
                Tok::LBracket,
                Tok::Int("2".into()),
                Tok::RBracket,
                Tok::Ne,
                Tok::Value(":v".into()),
                Tok::Ident("AND".into()),
                Tok::Ident("size".into()),
                Tok::LParen,
                Tok::Ident("c".into()),
                Tok::RParen,
                Tok::Ge,
                Tok::Int("10".into()),
            ]
        );
    }

    #[test]
    fn rejects_stray_characters() {
        assert_eq!(lex("a = $b"), Err(4));
        assert_eq!(lex("# = a"), Err(0));
        assert_eq!(lex("1abc"), Err(0));
    }
}
