//! The errors of `xent-expr`: a parse error with its column, and what can stop a check.

use std::fmt;

/// A byte range of the source a node or an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// The span from `start` to `end` (bytes).
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// The text the span covers in `src` (empty when it does not fit `src`).
    pub fn text(self, src: &str) -> &str {
        src.get(self.start..self.end).unwrap_or("")
    }

    /// One-based line and column (in characters) of the span's start in `src`.
    pub fn line_column(self, src: &str) -> (usize, usize) {
        let start = floor_char_boundary(src, self.start);
        let before = &src[..start];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        (line, column)
    }

    /// `src` with a caret under the span's start: the line it is on, then `^` under the column.
    pub fn caret(self, src: &str) -> String {
        let (line, column) = self.line_column(src);
        let text = src.lines().nth(line - 1).unwrap_or("");
        let width = Span::new(self.start, self.end.max(self.start + 1))
            .text(src)
            .lines()
            .next()
            .map_or(1, |t| t.chars().count().max(1));
        let pad: String = text
            .chars()
            .take(column - 1)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        format!("{text}\n{pad}^{}", "~".repeat(width - 1))
    }
}

/// The largest char boundary `≤ i` in `s` (so slicing never panics).
pub(crate) fn floor_char_boundary(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Why a source text is not a program of the language.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: {message}")]
pub struct ParseError {
    /// What is wrong, e.g. ``unknown name `B` ``.
    pub message: String,
    /// Where, in bytes.
    pub span: Span,
    /// One-based line of the span's start.
    pub line: usize,
    /// One-based column (in characters) of the span's start.
    pub column: usize,
}

impl ParseError {
    pub(crate) fn new(src: &str, span: Span, message: impl Into<String>) -> Self {
        let (line, column) = span.line_column(src);
        ParseError {
            message: message.into(),
            span,
            line,
            column,
        }
    }

    /// The message, then the offending line of `src` with a caret under the column:
    ///
    /// ```text
    /// line 1, column 9: unknown name `B`
    ///   -np.sum(B)
    ///           ^
    /// ```
    pub fn render(&self, src: &str) -> String {
        render_at(src, self.span, &self.message)
    }
}

fn render_at(src: &str, span: Span, message: &str) -> String {
    let (line, column) = span.line_column(src);
    let caret = span
        .caret(src)
        .lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n");
    format!("line {line}, column {column}: {message}\n{caret}")
}

/// What stops a check: the program does not parse, numpy would raise, or the inputs are not
/// a cross-entropy problem. (A wrong loss is not an error: it is a verdict.)
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ExprError {
    /// The source does not parse.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// numpy would raise here, on every problem size the check tried (or on the given
    /// inputs): `shapes (1,8) and (1,8) not aligned: 8 (dim 1) != 1 (dim 0)`.
    #[error("numpy raises {exception} at `{text}`: {message}")]
    Numpy {
        /// The Python exception numpy raises (`ValueError`, `ZeroDivisionError`, …).
        exception: &'static str,
        /// numpy's kind of message.
        message: String,
        /// The sub-expression that raises.
        text: String,
        /// Where it is.
        span: Span,
    },
    /// The given inputs are not a valid problem (`pred[0, 2] = 1.5 is not a probability…`).
    #[error("the inputs are not a valid problem: {0}")]
    Input(#[from] xent_core::Error),
    /// An input name cannot be bound to the inputs given (a 1-D name such as `q` with several
    /// samples), or the program defines only half a problem.
    #[error("{message}")]
    Binding {
        /// What does not fit.
        message: String,
        /// Where the name is used or assigned.
        span: Span,
    },
    /// An intermediate result would be too large to hold (e.g. the `(m, m)` of
    /// `np.dot(Y.T, A)` for a million samples).
    #[error(
        "`{text}` would have {elements} entries; xent-expr holds at most {limit} \
         ({limit_name})"
    )]
    TooLarge {
        /// The sub-expression.
        text: String,
        /// Its number of entries.
        elements: u128,
        /// The limit.
        limit: usize,
        /// The limit's name in [`crate::tolerance`].
        limit_name: &'static str,
        /// Where it is.
        span: Span,
    },
}

impl ExprError {
    /// The span of source the error is about, if any.
    pub fn span(&self) -> Option<Span> {
        match self {
            ExprError::Parse(e) => Some(e.span),
            ExprError::Numpy { span, .. }
            | ExprError::Binding { span, .. }
            | ExprError::TooLarge { span, .. } => Some(*span),
            ExprError::Input(_) => None,
        }
    }

    /// The message, with the source line and a caret under the offending column when the
    /// error has a place in `src`.
    pub fn render(&self, src: &str) -> String {
        match self {
            ExprError::Parse(e) => e.render(src),
            _ => match self.span() {
                Some(span) => render_at(src, span, &self.to_string()),
                None => self.to_string(),
            },
        }
    }

    /// The error as JSON, for a `--format json` that must print something on failure:
    /// `error` (the message), `kind` (`parse`, `numpy`, `input`, `binding`, `too large`),
    /// `exception` (numpy's, when it raises), `line` and `column` (one-based, when placed),
    /// and `rendered` (the message with the source line and a caret).
    pub fn to_json(&self, src: &str) -> serde_json::Value {
        let kind = match self {
            ExprError::Parse(_) => "parse",
            ExprError::Numpy { .. } => "numpy",
            ExprError::Input(_) => "input",
            ExprError::Binding { .. } => "binding",
            ExprError::TooLarge { .. } => "too large",
        };
        let place = self.span().map(|s| s.line_column(src));
        serde_json::json!({
            "error": self.to_string(),
            "kind": kind,
            "exception": match self {
                ExprError::Numpy { exception, .. } => Some(*exception),
                _ => None,
            },
            "line": place.map(|p| p.0),
            "column": place.map(|p| p.1),
            "rendered": self.render(src),
        })
    }

    /// Whether numpy itself would refuse the program (as opposed to a problem with the
    /// inputs or with the source): the claims verdict `rejected`.
    pub fn is_numpy_rejection(&self) -> bool {
        matches!(self, ExprError::Numpy { .. })
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caret_sits_under_the_column() {
        let src = "a = 1\n-np.sum(B)";
        let e = ParseError::new(src, Span::new(14, 15), "unknown name `B`");
        assert_eq!((e.line, e.column), (2, 9));
        assert_eq!(
            e.render(src),
            "line 2, column 9: unknown name `B`\n  -np.sum(B)\n          ^"
        );
    }

    #[test]
    fn errors_as_json() {
        let src = "np.dot(Y, A)";
        let e = ExprError::Numpy {
            exception: "ValueError",
            message: "shapes (1,8) and (1,8) not aligned: 8 (dim 1) != 1 (dim 0)".into(),
            text: src.into(),
            span: Span::new(0, src.len()),
        };
        let j = e.to_json(src);
        assert_eq!(j["kind"], "numpy");
        assert_eq!(j["exception"], "ValueError");
        assert_eq!(
            (j["line"].as_u64(), j["column"].as_u64()),
            (Some(1), Some(1))
        );
    }

    #[test]
    fn spans_outside_the_source_do_not_panic() {
        let src = "é";
        let s = Span::new(1, 40);
        assert_eq!(s.text(src), "");
        assert_eq!(s.line_column(src), (1, 1));
        let _ = s.caret(src);
    }
}
