//! Tokens of the language: Python's, as far as numpy loss expressions use them.

use crate::error::{ParseError, Span};

/// One token and where it is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub(crate) kind: Tok,
    pub(crate) span: Span,
}

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    /// A number literal; `int` when it has neither a point nor an exponent (`1`, not `1.`).
    Number {
        value: f64,
        int: bool,
    },
    /// A name: `A2`, `np`, `logprobs`, `True`.
    Ident(String),
    Plus,
    Minus,
    Star,
    Slash,
    StarStar,
    At,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Dot,
    Assign,
    /// `<`, `<=`, `>`, `>=`, `==`, `!=`.
    Cmp(crate::ast::BinOp),
    /// `:` (only to say slices are not supported).
    Colon,
    /// End of a statement: a newline outside brackets, or `;`.
    End,
    Eof,
}

impl Tok {
    pub(crate) fn describe(&self) -> String {
        match self {
            Tok::Number { .. } => "a number".into(),
            Tok::Ident(s) => format!("`{s}`"),
            Tok::Plus => "`+`".into(),
            Tok::Minus => "`-`".into(),
            Tok::Star => "`*`".into(),
            Tok::Slash => "`/`".into(),
            Tok::StarStar => "`**`".into(),
            Tok::At => "`@`".into(),
            Tok::LParen => "`(`".into(),
            Tok::RParen => "`)`".into(),
            Tok::LBracket => "`[`".into(),
            Tok::RBracket => "`]`".into(),
            Tok::Comma => "`,`".into(),
            Tok::Dot => "`.`".into(),
            Tok::Assign => "`=`".into(),
            Tok::Cmp(op) => format!("`{op}`"),
            Tok::Colon => "`:`".into(),
            Tok::End => "the end of the statement".into(),
            Tok::Eof => "the end of the input".into(),
        }
    }
}

/// Splits `src` into tokens. Newlines inside brackets, a backslash before a newline, and
/// comments (`#` to the end of the line) are skipped as Python skips them.
pub(crate) fn lex(src: &str) -> Result<Vec<Token>, ParseError> {
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut depth: usize = 0;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        let single = |kind: Tok| Token {
            kind,
            span: Span::new(start, start + 1),
        };
        match c {
            b' ' | b'\t' | b'\r' | b'\x0c' => i += 1,
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'\\' => {
                // Line continuation: a backslash, optional spaces, then a newline.
                let mut j = i + 1;
                while j < bytes.len() && matches!(bytes[j], b' ' | b'\t' | b'\r') {
                    j += 1;
                }
                if j < bytes.len() && bytes[j] == b'\n' {
                    i = j + 1;
                } else {
                    return Err(ParseError::new(
                        src,
                        Span::new(i, i + 1),
                        "a backslash must end the line (line continuation)",
                    ));
                }
            }
            b'\n' | b';' => {
                if depth == 0 || c == b';' {
                    out.push(single(Tok::End));
                }
                i += 1;
            }
            b'+' => {
                out.push(single(Tok::Plus));
                i += 1;
            }
            b'-' => {
                out.push(single(Tok::Minus));
                i += 1;
            }
            b'*' => {
                if bytes.get(i + 1) == Some(&b'*') {
                    out.push(Token {
                        kind: Tok::StarStar,
                        span: Span::new(i, i + 2),
                    });
                    i += 2;
                } else {
                    out.push(single(Tok::Star));
                    i += 1;
                }
            }
            b'/' => {
                if bytes.get(i + 1) == Some(&b'/') {
                    return Err(ParseError::new(
                        src,
                        Span::new(i, i + 2),
                        "`//` (floor division) is not supported: a loss divides with `/`",
                    ));
                }
                out.push(single(Tok::Slash));
                i += 1;
            }
            b'@' => {
                out.push(single(Tok::At));
                i += 1;
            }
            b'(' | b'[' => {
                depth += 1;
                out.push(single(if c == b'(' {
                    Tok::LParen
                } else {
                    Tok::LBracket
                }));
                i += 1;
            }
            b')' | b']' => {
                depth = depth.saturating_sub(1);
                out.push(single(if c == b')' {
                    Tok::RParen
                } else {
                    Tok::RBracket
                }));
                i += 1;
            }
            b',' => {
                out.push(single(Tok::Comma));
                i += 1;
            }
            b'=' | b'<' | b'>' | b'!' => {
                use crate::ast::BinOp;
                let eq = bytes.get(i + 1) == Some(&b'=');
                let op = match (c, eq) {
                    (b'=', false) => None,
                    (b'=', true) => Some(BinOp::Eq),
                    (b'<', false) => Some(BinOp::Lt),
                    (b'<', true) => Some(BinOp::Le),
                    (b'>', false) => Some(BinOp::Gt),
                    (b'>', true) => Some(BinOp::Ge),
                    (_, true) => Some(BinOp::Ne),
                    (_, false) => {
                        return Err(ParseError::new(
                            src,
                            Span::new(i, i + 1),
                            "the operator `!` is not supported (Python's negation is `not`)",
                        ));
                    }
                };
                match op {
                    None => {
                        out.push(single(Tok::Assign));
                        i += 1;
                    }
                    Some(op) => {
                        let len = if eq { 2 } else { 1 };
                        if bytes.get(i + len).is_some_and(|b| matches!(b, b'<' | b'>')) {
                            return Err(ParseError::new(
                                src,
                                Span::new(i, i + len + 1),
                                "shift operators (`<<`, `>>`) are not supported",
                            ));
                        }
                        out.push(Token {
                            kind: Tok::Cmp(op),
                            span: Span::new(i, i + len),
                        });
                        i += len;
                    }
                }
            }
            b':' => {
                out.push(single(Tok::Colon));
                i += 1;
            }
            b'.' if !bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                out.push(single(Tok::Dot));
                i += 1;
            }
            b'0'..=b'9' | b'.' => {
                let (tok, end) = number(src, i)?;
                out.push(Token {
                    kind: tok,
                    span: Span::new(i, end),
                });
                i = end;
            }
            c if c == b'_' || c.is_ascii_alphabetic() => {
                while i < bytes.len() && (bytes[i] == b'_' || bytes[i].is_ascii_alphanumeric()) {
                    i += 1;
                }
                out.push(Token {
                    kind: Tok::Ident(src[start..i].to_owned()),
                    span: Span::new(start, i),
                });
            }
            _ => {
                let ch = src[i..].chars().next().unwrap_or('?');
                let len = ch.len_utf8();
                let message = match ch {
                    '%' | '&' | '|' | '^' | '~' => {
                        format!("the operator `{ch}` is not supported")
                    }
                    '\'' | '"' => "strings are not supported".to_owned(),
                    '−' => "`−` (U+2212) is not Python's minus sign: use `-`".to_owned(),
                    '·' | '×' => format!("`{ch}` is not a Python operator: use `*`"),
                    _ => format!("unexpected character `{}`", ch.escape_debug()),
                };
                return Err(ParseError::new(src, Span::new(i, i + len), message));
            }
        }
    }
    out.push(Token {
        kind: Tok::Eof,
        span: Span::new(src.len(), src.len()),
    });
    Ok(out)
}

/// A Python number literal starting at `start`: `1`, `1.0`, `1.`, `.5`, `1e-3`, `1_000`.
fn number(src: &str, start: usize) -> Result<(Tok, usize), ParseError> {
    let bytes = src.as_bytes();
    let mut i = start;
    let digits = |i: &mut usize| {
        while *i < bytes.len() && (bytes[*i].is_ascii_digit() || bytes[*i] == b'_') {
            *i += 1;
        }
    };
    digits(&mut i);
    let mut int = true;
    if i < bytes.len() && bytes[i] == b'.' {
        int = false;
        i += 1;
        digits(&mut i);
    }
    if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
        let mut j = i + 1;
        if j < bytes.len() && (bytes[j] == b'+' || bytes[j] == b'-') {
            j += 1;
        }
        if j < bytes.len() && bytes[j].is_ascii_digit() {
            int = false;
            i = j;
            digits(&mut i);
        } else {
            return Err(ParseError::new(
                src,
                Span::new(start, j),
                "a number's exponent needs digits (`1e-3`)",
            ));
        }
    }
    let text: String = src[start..i].chars().filter(|&c| c != '_').collect();
    if src[start..i].contains("__") || src[start..i].ends_with('_') {
        return Err(ParseError::new(
            src,
            Span::new(start, i),
            format!("`{}` is not a Python number", &src[start..i]),
        ));
    }
    if i < bytes.len() && (bytes[i] == b'_' || bytes[i].is_ascii_alphabetic()) {
        return Err(ParseError::new(
            src,
            Span::new(start, i + 1),
            format!("`{}{}` is not a number", &src[start..i], bytes[i] as char),
        ));
    }
    if int && text.len() > 1 && text.starts_with('0') && text.bytes().any(|b| b != b'0') {
        return Err(ParseError::new(
            src,
            Span::new(start, i),
            "leading zeros in an integer are not allowed in Python",
        ));
    }
    match text.parse::<f64>() {
        Ok(value) => Ok((Tok::Number { value, int }, i)),
        Err(_) => Err(ParseError::new(
            src,
            Span::new(start, i),
            format!("`{}` is not a number", &src[start..i]),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<Tok> {
        lex(src).expect(src).into_iter().map(|t| t.kind).collect()
    }

    fn num(value: f64, int: bool) -> Tok {
        Tok::Number { value, int }
    }

    #[test]
    fn numbers_as_python_writes_them() {
        for (src, value, int) in [
            ("1", 1.0, true),
            ("1.0", 1.0, false),
            ("1.", 1.0, false),
            (".5", 0.5, false),
            ("1e-3", 1e-3, false),
            ("2E+2", 200.0, false),
            ("1_000", 1000.0, true),
            ("0", 0.0, true),
            ("00", 0.0, true),
        ] {
            assert_eq!(kinds(src), vec![num(value, int), Tok::Eof], "{src}");
        }
    }

    #[test]
    fn bad_numbers_are_errors_with_columns() {
        for (src, column) in [("1e", 1), ("x + 1e-", 5), ("2x", 1), ("01", 1), ("1__0", 1)] {
            let e = lex(src).unwrap_err();
            assert_eq!(e.column, column, "{src}: {e}");
        }
    }

    #[test]
    fn operators_and_statement_ends() {
        assert_eq!(
            kinds("a = -b**2 @ c.T; d\ne"),
            vec![
                Tok::Ident("a".into()),
                Tok::Assign,
                Tok::Minus,
                Tok::Ident("b".into()),
                Tok::StarStar,
                num(2.0, true),
                Tok::At,
                Tok::Ident("c".into()),
                Tok::Dot,
                Tok::Ident("T".into()),
                Tok::End,
                Tok::Ident("d".into()),
                Tok::End,
                Tok::Ident("e".into()),
                Tok::Eof,
            ]
        );
    }

    #[test]
    fn newlines_inside_brackets_and_comments_are_skipped() {
        assert_eq!(
            kinds("f(a,\n  b) # comment\n"),
            vec![
                Tok::Ident("f".into()),
                Tok::LParen,
                Tok::Ident("a".into()),
                Tok::Comma,
                Tok::Ident("b".into()),
                Tok::RParen,
                Tok::End,
                Tok::Eof,
            ]
        );
        assert_eq!(kinds("a \\\n + b").len(), 4);
    }

    #[test]
    fn unsupported_characters_say_which() {
        let e = lex("a % b").unwrap_err();
        assert_eq!(e.message, "the operator `%` is not supported");
        assert_eq!(e.column, 3);
        let e = lex("a // b").unwrap_err();
        assert!(e.message.contains("floor division"), "{e}");
        let e = lex("x − y").unwrap_err();
        assert!(e.message.contains("U+2212"), "{e}");
        assert_eq!(e.column, 3);
    }
}
