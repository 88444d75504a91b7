//! Tokens of DynamoDB's PartiQL dialect. One linear pass over the statement; it never backtracks,
//! so any input is tokenized in time proportional to its length. Keywords are recognised by the
//! parser (they are case-insensitive); the lexer only tells words, quoted identifiers, strings
//! and numbers apart. Comments (`-- ...` and `/* ... */`) are skipped.
//!
//! A character the lexer cannot read gets DynamoDB's envelope with nothing after the colon, as
//! AWS answers for a `#` comment, an unterminated block comment or a number literal whose
//! exponent does not fit a 32-bit integer.

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// A bare identifier or keyword, as written.
    Word(String),
    /// `"identifier"`: case-sensitive, never a keyword.
    Quoted(String),
    /// `'string'`.
    Str(String),
    /// A number literal, as written (`1`, `-` comes separately, `.5e3`).
    Num(String),
    /// `` `ion` `` literal: DynamoDB refuses them.
    Ion,
    LParen,
    RParen,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    /// `<<`
    LBag,
    /// `>>`
    RBag,
    Comma,
    Dot,
    Colon,
    Semicolon,
    Star,
    Question,
    Plus,
    Minus,
    Slash,
    Percent,
    /// `||`
    Concat,
    Eq,
    /// `<>` or `!=`
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Eof,
}

/// Where a token starts, in characters counted from 1 (AWS's `at <line>:<column>:<length>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
    pub len: u32,
}

impl Pos {
    pub fn render(&self) -> String {
        format!("{}:{}:{}", self.line, self.col, self.len)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub tok: Tok,
    pub pos: Pos,
}

/// The lexer could not read the statement. AWS gives no detail for these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexError;

struct Cursor<'a> {
    chars: Vec<(usize, char)>,
    text: &'a str,
    i: usize,
    line: u32,
    col: u32,
}

impl Cursor<'_> {
    fn peek(&self, k: usize) -> Option<char> {
        self.chars.get(self.i + k).map(|(_, c)| *c)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek(0)?;
        self.i += 1;
        if c == '\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        Some(c)
    }

    fn offset(&self) -> usize {
        self.chars.get(self.i).map(|(o, _)| *o).unwrap_or(self.text.len())
    }
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == '$'
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$'
}

/// Splits `text` into tokens, ending with [`Tok::Eof`].
pub fn lex(text: &str) -> Result<Vec<Token>, LexError> {
    let mut c = Cursor { chars: text.char_indices().collect(), text, i: 0, line: 1, col: 1 };
    let mut out = Vec::new();
    loop {
        // Whitespace and comments.
        match c.peek(0) {
            Some(ch) if ch.is_whitespace() => {
                c.bump();
                continue;
            }
            Some('-') if c.peek(1) == Some('-') => {
                while let Some(ch) = c.peek(0) {
                    if ch == '\n' {
                        break;
                    }
                    c.bump();
                }
                continue;
            }
            Some('/') if c.peek(1) == Some('*') => {
                c.bump();
                c.bump();
                loop {
                    match c.peek(0) {
                        None => return Err(LexError),
                        Some('*') if c.peek(1) == Some('/') => {
                            c.bump();
                            c.bump();
                            break;
                        }
                        Some(_) => {
                            c.bump();
                        }
                    }
                }
                continue;
            }
            _ => {}
        }
        let (line, col) = (c.line, c.col);
        let start_i = c.i;
        let Some(ch) = c.peek(0) else {
            out.push(Token { tok: Tok::Eof, pos: Pos { line, col, len: 0 } });
            return Ok(out);
        };
        let tok = match ch {
            '\'' | '"' => {
                let quote = ch;
                c.bump();
                let mut s = String::new();
                loop {
                    match c.bump() {
                        None => return Err(LexError),
                        Some(q) if q == quote => {
                            if c.peek(0) == Some(quote) {
                                c.bump();
                                s.push(quote);
                            } else {
                                break;
                            }
                        }
                        Some(other) => s.push(other),
                    }
                }
                if quote == '\'' {
                    Tok::Str(s)
                } else {
                    Tok::Quoted(s)
                }
            }
            '`' => {
                c.bump();
                loop {
                    match c.bump() {
                        None => return Err(LexError),
                        Some('`') => break,
                        Some(_) => {}
                    }
                }
                Tok::Ion
            }
            d if d.is_ascii_digit() || (d == '.' && c.peek(1).is_some_and(|n| n.is_ascii_digit())) => lex_number(&mut c)?,
            w if is_ident_start(w) => {
                let from = c.offset();
                while c.peek(0).is_some_and(is_ident_char) {
                    c.bump();
                }
                Tok::Word(text[from..c.offset()].to_string())
            }
            _ => {
                let two = (ch, c.peek(1));
                let (tok, n) = match two {
                    ('<', Some('<')) => (Tok::LBag, 2),
                    ('>', Some('>')) => (Tok::RBag, 2),
                    ('<', Some('>')) => (Tok::Ne, 2),
                    ('!', Some('=')) => (Tok::Ne, 2),
                    ('<', Some('=')) => (Tok::Le, 2),
                    ('>', Some('=')) => (Tok::Ge, 2),
                    ('|', Some('|')) => (Tok::Concat, 2),
                    ('<', _) => (Tok::Lt, 1),
                    ('>', _) => (Tok::Gt, 1),
                    ('=', _) => (Tok::Eq, 1),
                    ('(', _) => (Tok::LParen, 1),
                    (')', _) => (Tok::RParen, 1),
                    ('[', _) => (Tok::LBracket, 1),
                    (']', _) => (Tok::RBracket, 1),
                    ('{', _) => (Tok::LBrace, 1),
                    ('}', _) => (Tok::RBrace, 1),
                    (',', _) => (Tok::Comma, 1),
                    ('.', _) => (Tok::Dot, 1),
                    (':', _) => (Tok::Colon, 1),
                    (';', _) => (Tok::Semicolon, 1),
                    ('*', _) => (Tok::Star, 1),
                    ('?', _) => (Tok::Question, 1),
                    ('+', _) => (Tok::Plus, 1),
                    ('-', _) => (Tok::Minus, 1),
                    ('/', _) => (Tok::Slash, 1),
                    ('%', _) => (Tok::Percent, 1),
                    _ => return Err(LexError),
                };
                for _ in 0..n {
                    c.bump();
                }
                tok
            }
        };
        let len = (c.i - start_i) as u32;
        out.push(Token { tok, pos: Pos { line, col, len } });
    }
}

/// `digits [. digits] [e [+-] digits]` or `. digits [...]`. The exponent, and the scale it
/// leaves (digits after the point less the exponent), must fit a 32-bit integer, as Java's
/// BigDecimal requires.
fn lex_number(c: &mut Cursor) -> Result<Tok, LexError> {
    let from = c.offset();
    let mut frac_digits: i64 = 0;
    while c.peek(0).is_some_and(|d| d.is_ascii_digit()) {
        c.bump();
    }
    let point = c.peek(0) == Some('.');
    let digit_after = c.peek(1).is_some_and(|d| d.is_ascii_digit());
    // `1.5`, `.5`, and a bare `1.` (not `1.b`, a path).
    if point && (digit_after || (c.offset() > from && !c.peek(1).is_some_and(is_ident_start))) {
        c.bump();
        while c.peek(0).is_some_and(|d| d.is_ascii_digit()) {
            c.bump();
            frac_digits += 1;
        }
    }
    if matches!(c.peek(0), Some('e' | 'E')) {
        let sign_len = usize::from(matches!(c.peek(1), Some('+' | '-')));
        if c.peek(1 + sign_len).is_some_and(|d| d.is_ascii_digit()) {
            let exp_from = c.offset() + 1;
            c.bump();
            for _ in 0..sign_len {
                c.bump();
            }
            while c.peek(0).is_some_and(|d| d.is_ascii_digit()) {
                c.bump();
            }
            let exp_text = &c.text[exp_from..c.offset()];
            let exp: i32 = exp_text.strip_prefix('+').unwrap_or(exp_text).parse().map_err(|_| LexError)?;
            let scale = frac_digits - i64::from(exp);
            if i32::try_from(scale).is_err() {
                return Err(LexError);
            }
        } else {
            return Err(LexError);
        }
    }
    Ok(Tok::Num(c.text[from..c.offset()].to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok> {
        lex(s).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn lexes_words_strings_numbers_and_operators() {
        assert_eq!(
            toks(r#"SELECT "a b", x FROM t WHERE n <> 1.5e3 AND s = 'it''s' -- note"#),
            vec![
                Tok::Word("SELECT".into()),
                Tok::Quoted("a b".into()),
                Tok::Comma,
                Tok::Word("x".into()),
                Tok::Word("FROM".into()),
                Tok::Word("t".into()),
                Tok::Word("WHERE".into()),
                Tok::Word("n".into()),
                Tok::Ne,
                Tok::Num("1.5e3".into()),
                Tok::Word("AND".into()),
                Tok::Word("s".into()),
                Tok::Eq,
                Tok::Str("it's".into()),
                Tok::Eof,
            ]
        );
        assert_eq!(
            toks("<<1,2>> != .5 /* c */ ?"),
            vec![Tok::LBag, Tok::Num("1".into()), Tok::Comma, Tok::Num("2".into()), Tok::RBag, Tok::Ne, Tok::Num(".5".into()), Tok::Question, Tok::Eof]
        );
    }

    #[test]
    fn positions_count_characters_from_one() {
        let t = lex("'é'\n  xy = 1").unwrap();
        assert_eq!(t[0].pos, Pos { line: 1, col: 1, len: 3 });
        assert_eq!(t[1].pos, Pos { line: 2, col: 3, len: 2 });
        assert_eq!(t[2].pos, Pos { line: 2, col: 6, len: 1 });
        assert_eq!(lex("größe"), Err(LexError));
    }

    #[test]
    fn refuses_what_aws_cannot_read() {
        for s in ["a # b", "'open", "\"open", "/* open", "1e99999999999", "1.5e-2147483647", "1e", "`x"] {
            assert_eq!(lex(s), Err(LexError), "{s}");
        }
        assert!(lex("1e2147483647").is_ok());
    }
}
