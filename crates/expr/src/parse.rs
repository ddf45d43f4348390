//! A recursive-descent parser for numpy-style loss expressions, with Python's precedence:
//!
//! ```text
//! program  := statement ((newline | ';') statement)*
//! statement:= import | NAME '=' expr | expr
//! import   := 'import' ('numpy' ['as' 'np'] | 'scipy' ['.' 'special'])
//!           | 'from' 'scipy' '.' 'special' 'import' NAME (',' NAME)* | 'from' 'scipy' 'import' 'special'
//! expr     := arith [('<' | '<=' | '>' | '>=' | '==' | '!=') arith]   (no chains)
//! arith    := term (('+' | '-') term)*
//! term     := unary (('*' | '/' | '@') unary)*
//! unary    := ('-' | '+') unary | power                 -x**2 is -(x**2)
//! power    := postfix ['**' unary]                     right-associative: 2**-1, a**b**c
//! postfix  := atom ('.' NAME ['(' args ')'] | '.shape' '[' int ']' | '[' expr (',' expr)* ']')*
//! atom     := NUMBER | NAME | '(' expr ')' | np '.' NAME ['(' args ')'] | NAME '(' args ')'
//!           | ['scipy' '.'] 'special' '.' NAME '(' args ')'
//! ```

use crate::ast::{BinOp, Expr, ExprKind, Func, NpConstant, Program, Statement};
use crate::error::{ParseError, Span};
use crate::lex::{Tok, Token, lex};
use crate::names;
use crate::tolerance::{MAX_NESTING, MAX_SOURCE_BYTES};

/// Parses a program, resolving names against the inputs the language knows (`A`, `A2`, `AL`,
/// `Q`, `q`, `Y`, `P`, `p`, `m`, `n_y`, `k`) and the program's own earlier assignments.
///
/// ```
/// let program = xent_expr::parse("logprobs = np.sum(Y*np.log(A))\ncost = -logprobs / m")?;
/// assert_eq!(program.result_name(), Some("cost"));
/// let err = xent_expr::parse("-np.sum(B)").unwrap_err();
/// assert_eq!(err.column, 9);
/// assert!(err.message.starts_with("unknown name `B`"));
/// # Ok::<(), xent_expr::ParseError>(())
/// ```
pub fn parse(src: &str) -> Result<Program, ParseError> {
    if src.len() > MAX_SOURCE_BYTES {
        return Err(ParseError::new(
            src,
            Span::new(MAX_SOURCE_BYTES, src.len()),
            format!(
                "the program is longer than {MAX_SOURCE_BYTES} bytes (MAX_SOURCE_BYTES): a loss \
                 fits in a few lines"
            ),
        ));
    }
    let tokens = lex(src)?;
    let mut p = Parser {
        src,
        tokens,
        pos: 0,
        depth: 0,
        assigned: Vec::new(),
    };
    let statements = p.program()?;
    Ok(Program {
        source: src.to_owned(),
        statements,
    })
}

struct Parser<'s> {
    src: &'s str,
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
    assigned: Vec<String>,
}

/// A keyword argument's value.
enum Keyword {
    Axis(Option<i64>),
    Keepdims(bool),
}

impl Parser<'_> {
    fn peek(&self) -> &Tok {
        self.tokens
            .get(self.pos)
            .map_or(&Tok::Eof, |t: &Token| &t.kind)
    }

    fn peek_at(&self, ahead: usize) -> &Tok {
        self.tokens
            .get(self.pos + ahead)
            .map_or(&Tok::Eof, |t: &Token| &t.kind)
    }

    fn span(&self) -> Span {
        self.tokens.get(self.pos).map_or_else(
            || Span::new(self.src.len(), self.src.len()),
            |t: &Token| t.span,
        )
    }

    fn prev_span(&self) -> Span {
        self.pos
            .checked_sub(1)
            .and_then(|i| self.tokens.get(i))
            .map_or(Span::default(), |t| t.span)
    }

    fn bump(&mut self) -> Token {
        let t = self.tokens.get(self.pos).cloned().unwrap_or(Token {
            kind: Tok::Eof,
            span: Span::new(self.src.len(), self.src.len()),
        });
        if self.pos < self.tokens.len() {
            self.pos += 1;
        }
        t
    }

    fn error(&self, span: Span, message: impl Into<String>) -> ParseError {
        ParseError::new(self.src, span, message)
    }

    fn unexpected(&self, wanted: &str) -> ParseError {
        let found = self.peek().describe();
        self.error(self.span(), format!("expected {wanted}, found {found}"))
    }

    fn expect(&mut self, tok: &Tok, wanted: &str) -> Result<Span, ParseError> {
        if self.peek() == tok {
            Ok(self.bump().span)
        } else {
            Err(self.unexpected(wanted))
        }
    }

    fn program(&mut self) -> Result<Vec<Statement>, ParseError> {
        let mut statements = Vec::new();
        loop {
            while self.peek() == &Tok::End {
                self.bump();
            }
            if self.peek() == &Tok::Eof {
                break;
            }
            if let Some(s) = self.statement()? {
                statements.push(s);
            }
            match self.peek() {
                Tok::End | Tok::Eof => {}
                _ => return Err(self.unexpected("an operator or the end of the statement")),
            }
        }
        if statements.is_empty() {
            return Err(self.error(
                Span::new(0, self.src.len()),
                "nothing to check: write an expression, e.g. \
                 `-(1.0/m) * np.sum(Y*np.log(A) + (1-Y)*np.log(1-A))`",
            ));
        }
        Ok(statements)
    }

    fn statement(&mut self) -> Result<Option<Statement>, ParseError> {
        let start = self.span();
        if self.peek() == &Tok::Ident("import".into()) {
            self.import()?;
            return Ok(None);
        }
        if self.peek() == &Tok::Ident("from".into()) {
            self.import_from()?;
            return Ok(None);
        }
        if let Tok::Ident(name) = self.peek().clone()
            && self.peek_at(1) == &Tok::Assign
        {
            let name_span = self.bump().span;
            self.bump();
            if matches!(name.as_str(), "np" | "numpy") || names::is_keyword(&name) {
                return Err(self.error(name_span, format!("cannot assign to `{name}`")));
            }
            let expr = self.expr()?;
            self.assigned.push(name.clone());
            let span = start.to(expr.span);
            return Ok(Some(Statement {
                target: Some((name, name_span)),
                expr,
                span,
            }));
        }
        let expr = self.expr()?;
        if self.peek() == &Tok::Assign {
            return Err(self.error(self.span(), "only a name can be assigned (`cost = …`)"));
        }
        let span = expr.span;
        Ok(Some(Statement {
            target: None,
            expr,
            span,
        }))
    }

    /// `import numpy` or `import numpy as np`, `import scipy`, `import scipy.special`:
    /// accepted and ignored.
    fn import(&mut self) -> Result<(), ParseError> {
        let start = self.bump().span;
        if self.peek() == &Tok::Ident("scipy".into()) {
            self.bump();
            if self.peek() == &Tok::Dot {
                self.bump();
                let sub = self.bump();
                if sub.kind != Tok::Ident("special".into()) {
                    return Err(self.error(
                        start.to(sub.span),
                        "only `scipy.special` is understood of scipy",
                    ));
                }
            }
            return match self.peek() {
                Tok::End | Tok::Eof => Ok(()),
                _ => Err(self.error(
                    start.to(self.span()),
                    "only `import scipy` or `import scipy.special` is understood of scipy \
                     (no alias)",
                )),
            };
        }
        let module = self.bump();
        let ok = match (&module.kind, self.peek()) {
            (Tok::Ident(m), Tok::End | Tok::Eof) => m == "numpy",
            (Tok::Ident(m), Tok::Ident(kw)) if kw == "as" => {
                self.bump();
                let alias = self.bump();
                m == "numpy" && matches!(&alias.kind, Tok::Ident(a) if a == "np" || a == "numpy")
            }
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            Err(self.error(
                start.to(self.prev_span()),
                "only `import numpy as np` (or `import numpy`) is understood",
            ))
        }
    }

    /// `from scipy.special import xlogy, xlog1py` or `from scipy import special`: accepted
    /// and ignored (`xlogy(…)` and `special.xlogy(…)` are understood either way).
    fn import_from(&mut self) -> Result<(), ParseError> {
        let start = self.bump().span;
        let fail = |p: &Self| {
            p.error(
                start.to(p.prev_span()),
                "only `from scipy.special import xlogy, xlog1py` or `from scipy import special` \
                 is understood",
            )
        };
        if self.bump().kind != Tok::Ident("scipy".into()) {
            return Err(fail(self));
        }
        let special = self.peek() == &Tok::Dot;
        if special {
            self.bump();
            if self.bump().kind != Tok::Ident("special".into()) {
                return Err(fail(self));
            }
        }
        if self.bump().kind != Tok::Ident("import".into()) {
            return Err(fail(self));
        }
        loop {
            let name = self.bump();
            let ok = match &name.kind {
                Tok::Ident(n) if special => Func::from_special(n).is_some(),
                Tok::Ident(n) => n == "special",
                _ => false,
            };
            if !ok {
                return Err(fail(self));
            }
            if self.peek() == &Tok::Comma {
                self.bump();
            } else {
                break;
            }
        }
        match self.peek() {
            Tok::End | Tok::Eof => Ok(()),
            _ => Err(fail(self)),
        }
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(self.error(
                self.span(),
                format!("expression nested more than {MAX_NESTING} levels deep (MAX_NESTING)"),
            ));
        }
        Ok(())
    }

    /// A comparison, or an arithmetic expression.
    fn expr(&mut self) -> Result<Expr, ParseError> {
        let lhs = self.arith()?;
        let Tok::Cmp(op) = *self.peek() else {
            return Ok(lhs);
        };
        self.bump();
        let rhs = self.arith()?;
        if let Tok::Cmp(_) = self.peek() {
            return Err(self.error(
                self.span(),
                "chained comparisons (`a < b < c`) are not supported",
            ));
        }
        Ok(binary(op, lhs, rhs))
    }

    fn arith(&mut self) -> Result<Expr, ParseError> {
        let mut lhs = self.term()?;
        loop {
            let op = match self.peek() {
                Tok::Plus => BinOp::Add,
                Tok::Minus => BinOp::Sub,
                _ => return Ok(lhs),
            };
            self.bump();
            let rhs = self.term()?;
            lhs = binary(op, lhs, rhs);
        }
    }

    fn term(&mut self) -> Result<Expr, ParseError> {
        let mut lhs = self.unary()?;
        loop {
            let op = match self.peek() {
                Tok::Star => BinOp::Mul,
                Tok::Slash => BinOp::Div,
                Tok::At => BinOp::MatMul,
                _ => return Ok(lhs),
            };
            self.bump();
            let rhs = self.unary()?;
            lhs = binary(op, lhs, rhs);
        }
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        self.enter()?;
        let result = match self.peek() {
            Tok::Minus | Tok::Plus => {
                let negative = self.peek() == &Tok::Minus;
                let start = self.bump().span;
                let x = self.unary()?;
                let span = start.to(x.span);
                Ok(if negative {
                    Expr {
                        kind: ExprKind::Neg(Box::new(x)),
                        span,
                    }
                } else {
                    Expr { kind: x.kind, span }
                })
            }
            _ => self.power(),
        };
        self.depth -= 1;
        result
    }

    fn power(&mut self) -> Result<Expr, ParseError> {
        let base = self.postfix()?;
        if self.peek() == &Tok::StarStar {
            self.bump();
            let exponent = self.unary()?;
            return Ok(binary(BinOp::Pow, base, exponent));
        }
        Ok(base)
    }

    fn postfix(&mut self) -> Result<Expr, ParseError> {
        let mut x = self.atom()?;
        loop {
            match self.peek() {
                Tok::Dot => {
                    self.bump();
                    let name_span = self.span();
                    let Tok::Ident(name) = self.peek().clone() else {
                        return Err(self.unexpected("a method or attribute name after `.`"));
                    };
                    self.bump();
                    x = self.method(x, &name, name_span)?;
                }
                Tok::LParen => {
                    return Err(self.error(
                        self.span(),
                        format!("`{}` is not a function", x.span.text(self.src).trim()),
                    ));
                }
                Tok::LBracket => x = self.index(x)?,
                _ => return Ok(x),
            }
        }
    }

    /// `x[i, j]`: integer indices or integer arrays, one per dimension (no slices).
    fn index(&mut self, of: Expr) -> Result<Expr, ParseError> {
        self.bump();
        self.enter()?;
        let mut indices = Vec::new();
        loop {
            if matches!(self.peek(), Tok::Colon) || self.peek() == &Tok::Ident("None".into()) {
                return Err(self.error(
                    self.span(),
                    "slices and new axes are not supported in an index: index with integers \
                     or integer arrays (`Q[y, np.arange(m)]`)",
                ));
            }
            if self.peek() == &Tok::RBracket {
                return Err(self.unexpected("an index"));
            }
            indices.push(self.expr()?);
            match self.peek() {
                Tok::Comma => {
                    self.bump();
                }
                Tok::RBracket => break,
                Tok::Colon => {
                    return Err(self.error(
                        self.span(),
                        "slices are not supported in an index: index with integers or integer \
                         arrays (`Q[y, np.arange(m)]`)",
                    ));
                }
                _ => return Err(self.unexpected("`,` or `]`")),
            }
        }
        let end = self.bump().span;
        self.depth -= 1;
        let span = of.span.to(end);
        Ok(Expr {
            kind: ExprKind::Index {
                of: Box::new(of),
                indices,
            },
            span,
        })
    }

    /// `x.T`, `x.shape[i]`, `x.sum(…)`, `x.mean(…)`, `x.item()`, `x.squeeze(…)`,
    /// `x.dot(y)`, `x.transpose()`.
    fn method(&mut self, recv: Expr, name: &str, name_span: Span) -> Result<Expr, ParseError> {
        match name {
            "T" => {
                let span = recv.span.to(name_span);
                return Ok(call(Func::Transpose, vec![recv], None, false, span));
            }
            "shape" => {
                self.expect(&Tok::LBracket, "`[` after `.shape` (`x.shape[1]`)")?;
                let index = self.int_literal("an integer index")?;
                let end = self.expect(&Tok::RBracket, "`]`")?;
                let span = recv.span.to(end);
                return Ok(Expr {
                    kind: ExprKind::ShapeOf {
                        of: Box::new(recv),
                        index,
                    },
                    span,
                });
            }
            _ => {}
        }
        let func = match name {
            "sum" => Func::Sum,
            "mean" => Func::Mean,
            "item" => Func::Item,
            "squeeze" => Func::Squeeze,
            "dot" => Func::Dot,
            "transpose" => Func::Transpose,
            "clip" => Func::Clip,
            "max" => Func::Max,
            "min" => Func::Min,
            _ => {
                return Err(self.error(
                    name_span,
                    format!(
                        "unknown method or attribute `.{name}`: known are .T, .shape[i], \
                         .sum(), .mean(), .max(), .min(), .item(), .squeeze(), .dot(), \
                         .transpose(), .clip()"
                    ),
                ));
            }
        };
        if self.peek() != &Tok::LParen {
            return Err(self.error(
                name_span,
                format!("`.{name}` is a method: call it, `.{name}()`"),
            ));
        }
        let (mut args, axis, keepdims, end) = self.arguments(func, name_span, 1)?;
        args.insert(0, recv);
        let span = args[0].span.to(end);
        Ok(call(func, args, axis, keepdims, span))
    }

    fn atom(&mut self) -> Result<Expr, ParseError> {
        if matches!(
            self.peek(),
            Tok::Eof | Tok::End | Tok::RParen | Tok::RBracket | Tok::Comma | Tok::Assign
        ) || matches!(
            self.peek(),
            Tok::Plus | Tok::Minus | Tok::Star | Tok::Slash | Tok::StarStar | Tok::At | Tok::Dot
        ) {
            return Err(self.unexpected("an expression (a name, a number, `(` or `np.…`)"));
        }
        let token = self.bump();
        match token.kind {
            Tok::Number { value, int } => Ok(Expr {
                kind: ExprKind::Number { value, int },
                span: token.span,
            }),
            Tok::LParen => {
                let inner = self.expr()?;
                if self.peek() == &Tok::Comma {
                    return Err(self.error(self.span(), "tuples are not supported"));
                }
                let end = self.expect(&Tok::RParen, "`)`")?;
                Ok(Expr {
                    kind: inner.kind,
                    span: token.span.to(end),
                })
            }
            Tok::Ident(name) if name == "np" || name == "numpy" => self.np(token.span, &name),
            Tok::Ident(name)
                if (name == "scipy" || name == "special") && self.peek() == &Tok::Dot =>
            {
                self.special(token.span, &name)
            }
            Tok::Ident(name) if self.peek() == &Tok::LParen => self.builtin(&name, token.span),
            Tok::Ident(name) => {
                if !names::is_input(&name) && !self.assigned.contains(&name) {
                    return Err(self.error(token.span, names::unknown_name(&name)));
                }
                Ok(Expr {
                    kind: ExprKind::Name(name),
                    span: token.span,
                })
            }
            Tok::LBracket => {
                Err(self.error(token.span, "a list is only understood inside `np.array(…)`"))
            }
            other => Err(self.error(
                token.span,
                format!(
                    "expected an expression (a name, a number, `(` or `np.…`), found {}",
                    other.describe()
                ),
            )),
        }
    }

    /// Python builtins called by name: `print(x)` (its value is `x`) and `float(x)`.
    fn builtin(&mut self, name: &str, span: Span) -> Result<Expr, ParseError> {
        if let Some(func) = Func::from_special(name) {
            let (args, _, _, end) = self.arguments(func, span, 0)?;
            return Ok(call(func, args, None, false, span.to(end)));
        }
        match name {
            "print" => {
                self.bump();
                let x = self.expr()?;
                self.expect(&Tok::RParen, "`)`: print takes one expression here")?;
                Ok(x)
            }
            "float" => {
                let (args, _, _, end) = self.arguments(Func::Float, span, 0)?;
                Ok(call(Func::Float, args, None, false, span.to(end)))
            }
            _ => Err(self.error(
                span,
                format!(
                    "unknown function `{name}`: numpy functions are written `np.{name}(…)`; \
                     known are {}, scipy.special.xlogy and xlog1py, and print, float",
                    Func::NP_NAMES
                ),
            )),
        }
    }

    /// After `scipy` or `special`: `[.special].xlogy(…)` or `.xlog1py(…)`.
    fn special(&mut self, start: Span, module: &str) -> Result<Expr, ParseError> {
        self.bump();
        if module == "scipy" {
            if self.peek() != &Tok::Ident("special".into()) {
                return Err(self.unexpected("`special` after `scipy.` (scipy.special.xlogy)"));
            }
            self.bump();
            self.expect(&Tok::Dot, "`.` after `scipy.special`")?;
        }
        let name_span = self.span();
        let Tok::Ident(name) = self.peek().clone() else {
            return Err(self.unexpected("a scipy.special function name"));
        };
        self.bump();
        let Some(func) = Func::from_special(&name) else {
            return Err(self.error(
                name_span,
                format!("unknown function `scipy.special.{name}`: known are xlogy and xlog1py"),
            ));
        };
        let (args, _, _, end) = self.arguments(func, name_span, 0)?;
        Ok(call(func, args, None, false, start.to(end)))
    }

    /// After `np`: `.` then a function call, `np.e`, `np.pi` or `np.array([…])`.
    fn np(&mut self, start: Span, module: &str) -> Result<Expr, ParseError> {
        if self.peek() != &Tok::Dot {
            return Err(self.error(
                start,
                format!("`{module}` is the numpy module: use a function, `{module}.sum(…)`"),
            ));
        }
        self.bump();
        let name_span = self.span();
        let Tok::Ident(name) = self.peek().clone() else {
            return Err(self.unexpected(&format!("a numpy function name after `{module}.`")));
        };
        self.bump();
        let constant = match name.as_str() {
            "e" => Some(NpConstant::E),
            "pi" => Some(NpConstant::Pi),
            _ => None,
        };
        if let Some(c) = constant {
            return Ok(Expr {
                kind: ExprKind::Constant(c),
                span: start.to(name_span),
            });
        }
        if name == "array" {
            self.expect(&Tok::LParen, "`(` after np.array")?;
            let list_start = self.span();
            let (dims, values) = self.array_literal()?;
            let end = self.expect(&Tok::RParen, "`)` closing np.array")?;
            if dims.len() > 2 {
                return Err(self.error(
                    list_start,
                    format!(
                        "a {}-dimensional array: xent-expr handles at most 2 dimensions",
                        dims.len()
                    ),
                ));
            }
            return Ok(Expr {
                kind: ExprKind::Array { dims, values },
                span: start.to(end),
            });
        }
        let Some(func) = Func::from_np(&name) else {
            return Err(self.error(
                name_span,
                format!(
                    "unknown function `{module}.{name}`: known are {}",
                    Func::NP_NAMES
                ),
            ));
        };
        if self.peek() != &Tok::LParen {
            return Err(self.error(
                name_span,
                format!("`{module}.{name}` is a function: call it, `{module}.{name}(…)`"),
            ));
        }
        let (args, axis, keepdims, end) = self.arguments(func, name_span, 0)?;
        Ok(call(func, args, axis, keepdims, start.to(end)))
    }

    /// `( args )` of `func`, of which `receivers` are already given (1 for a method).
    fn arguments(
        &mut self,
        func: Func,
        name_span: Span,
        receivers: usize,
    ) -> Result<(Vec<Expr>, Option<i64>, bool, Span), ParseError> {
        self.expect(&Tok::LParen, "`(`")?;
        self.enter()?;
        let (positional, takes_axis, takes_keepdims) = func.signature();
        let mut args = Vec::new();
        let mut axis = None;
        let mut axis_given = false;
        let mut keepdims = false;
        let mut keepdims_given = false;
        let mut seen_keyword = false;
        let shown = if receivers > 0 {
            format!(".{}()", name_span.text(self.src))
        } else {
            func.name().to_owned()
        };
        while self.peek() != &Tok::RParen {
            if let Tok::Ident(kw) = self.peek().clone()
                && self.peek_at(1) == &Tok::Assign
            {
                let kw_span = self.bump().span;
                self.bump();
                let value = match kw.as_str() {
                    "axis" if takes_axis => Keyword::Axis(self.axis_value()?),
                    "keepdims" if takes_keepdims => Keyword::Keepdims(self.bool_value()?),
                    _ => {
                        return Err(self.error(
                            kw_span,
                            format!("{shown} got an unexpected keyword argument `{kw}`"),
                        ));
                    }
                };
                match value {
                    Keyword::Axis(a) if !axis_given => {
                        axis = a;
                        axis_given = true;
                    }
                    Keyword::Keepdims(k) if !keepdims_given => {
                        keepdims = k;
                        keepdims_given = true;
                    }
                    _ => {
                        return Err(self.error(
                            kw_span,
                            format!("{shown} got multiple values for argument `{kw}`"),
                        ));
                    }
                }
                seen_keyword = true;
            } else {
                if seen_keyword {
                    return Err(
                        self.error(self.span(), "positional argument follows keyword argument")
                    );
                }
                if takes_axis && args.len() + receivers == positional {
                    // np.sum(x, 0): the second positional argument is the axis.
                    let span = self.span();
                    if axis_given {
                        return Err(self.error(span, format!("{shown}: too many arguments")));
                    }
                    axis = self.axis_value()?;
                    axis_given = true;
                } else {
                    args.push(self.expr()?);
                }
            }
            if self.peek() == &Tok::Comma {
                self.bump();
            } else if self.peek() != &Tok::RParen {
                return Err(self.unexpected("`,` or `)`"));
            }
        }
        let end = self.bump().span;
        self.depth -= 1;
        let given = args.len() + receivers;
        if given != positional {
            let what = if receivers > 0 {
                format!("{shown} takes {} argument(s)", positional - receivers)
            } else {
                format!(
                    "{shown} takes {positional} argument{}",
                    if positional == 1 { "" } else { "s" }
                )
            };
            return Err(self.error(
                name_span.to(end),
                format!("{what} ({} given)", given - receivers),
            ));
        }
        Ok((args, axis, keepdims, end))
    }

    fn int_literal(&mut self, wanted: &str) -> Result<i64, ParseError> {
        let negative = if self.peek() == &Tok::Minus {
            self.bump();
            true
        } else {
            false
        };
        match self.peek().clone() {
            Tok::Number { value, int: true } if value <= 1e9 => {
                self.bump();
                let v = value as i64;
                Ok(if negative { -v } else { v })
            }
            _ => Err(self.unexpected(wanted)),
        }
    }

    fn axis_value(&mut self) -> Result<Option<i64>, ParseError> {
        if self.peek() == &Tok::Ident("None".into()) {
            self.bump();
            return Ok(None);
        }
        self.int_literal("an integer axis or None").map(Some)
    }

    fn bool_value(&mut self) -> Result<bool, ParseError> {
        match self.peek() {
            Tok::Ident(b) if b == "True" || b == "False" => {
                let v = b == "True";
                self.bump();
                Ok(v)
            }
            _ => Err(self.unexpected("True or False")),
        }
    }

    /// A nested list of numbers: returns numpy's shape and the row-major entries.
    fn array_literal(&mut self) -> Result<(Vec<usize>, Vec<f64>), ParseError> {
        if self.peek() != &Tok::LBracket {
            let negative = self.peek() == &Tok::Minus;
            if negative {
                self.bump();
            }
            return match self.peek().clone() {
                Tok::Number { value, .. } => {
                    self.bump();
                    Ok((vec![], vec![if negative { -value } else { value }]))
                }
                _ => Err(self.unexpected("a number or `[`")),
            };
        }
        self.enter()?;
        let open = self.bump().span;
        let mut items: Vec<(Vec<usize>, Vec<f64>, Span)> = Vec::new();
        while self.peek() != &Tok::RBracket {
            let start = self.span();
            let (dims, values) = self.array_literal()?;
            items.push((dims, values, start.to(self.prev_span())));
            if self.peek() == &Tok::Comma {
                self.bump();
            } else if self.peek() != &Tok::RBracket {
                return Err(self.unexpected("`,` or `]`"));
            }
        }
        self.bump();
        self.depth -= 1;
        let Some((first, _, _)) = items.first() else {
            return Err(self.error(open, "an empty array has no entries to check"));
        };
        let first = first.clone();
        let mut values = Vec::new();
        for (dims, v, span) in &items {
            if *dims != first {
                return Err(self.error(
                    *span,
                    "the rows of this array have different lengths (numpy would make an \
                     object array)",
                ));
            }
            values.extend_from_slice(v);
        }
        let mut dims = vec![items.len()];
        dims.extend(first);
        Ok((dims, values))
    }
}

fn binary(op: BinOp, lhs: Expr, rhs: Expr) -> Expr {
    let span = lhs.span.to(rhs.span);
    Expr {
        kind: ExprKind::Binary {
            op,
            lhs: Box::new(lhs),
            rhs: Box::new(rhs),
        },
        span,
    }
}

fn call(func: Func, args: Vec<Expr>, axis: Option<i64>, keepdims: bool, span: Span) -> Expr {
    Expr {
        kind: ExprKind::Call {
            func,
            args,
            axis,
            keepdims,
        },
        span,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tree as an S-expression, to check precedence.
    fn sexp(e: &Expr) -> String {
        match &e.kind {
            ExprKind::Number { value, .. } => format!("{value}"),
            ExprKind::Name(n) => n.clone(),
            ExprKind::Constant(c) => format!("{c:?}"),
            ExprKind::Neg(x) => format!("(neg {})", sexp(x)),
            ExprKind::Binary { op, lhs, rhs } => format!("({op} {} {})", sexp(lhs), sexp(rhs)),
            ExprKind::Call {
                func,
                args,
                axis,
                keepdims,
            } => {
                let mut s = format!("({}", func.name());
                for a in args {
                    s.push(' ');
                    s.push_str(&sexp(a));
                }
                if let Some(a) = axis {
                    s.push_str(&format!(" axis={a}"));
                }
                if *keepdims {
                    s.push_str(" keepdims");
                }
                s + ")"
            }
            ExprKind::ShapeOf { of, index } => format!("(shape {} {index})", sexp(of)),
            ExprKind::Array { dims, values } => format!("(array {dims:?} {values:?})"),
            ExprKind::Index { of, indices } => {
                let i: Vec<String> = indices.iter().map(sexp).collect();
                format!("(index {} {})", sexp(of), i.join(" "))
            }
        }
    }

    fn check(src: &str, expected: &str) {
        let p = parse(src).unwrap_or_else(|e| panic!("{src}: {}", e.render(src)));
        let got: Vec<String> = p
            .statements
            .iter()
            .map(|s| match &s.target {
                Some((n, _)) => format!("{n} = {}", sexp(&s.expr)),
                None => sexp(&s.expr),
            })
            .collect();
        assert_eq!(got.join("; "), expected, "{src}");
    }

    #[test]
    fn precedence_is_pythons() {
        for (src, expected) in [
            ("-A**2", "(neg (** A 2))"),
            ("A**-1", "(** A (neg 1))"),
            ("A**2**3", "(** A (** 2 3))"),
            ("-A*Y", "(* (neg A) Y)"),
            ("A - Y - m", "(- (- A Y) m)"),
            ("A + Y * m", "(+ A (* Y m))"),
            ("A / Y / m", "(/ (/ A Y) m)"),
            ("A @ Y.T * m", "(* (@ A (np.transpose Y)) m)"),
            ("-(1/m)", "(neg (/ 1 m))"),
            ("+A", "A"),
            ("- - A", "(neg (neg A))"),
            ("(-1/m) * A", "(* (/ (neg 1) m) A)"),
        ] {
            check(src, expected);
        }
    }

    #[test]
    fn calls_methods_and_keywords() {
        for (src, expected) in [
            ("np.sum(A, axis=0)", "(np.sum A axis=0)"),
            ("np.sum(A, 1, keepdims=True)", "(np.sum A axis=1 keepdims)"),
            ("numpy.mean(A, axis=-1)", "(np.mean A axis=-1)"),
            ("np.sum(A, axis=None)", "(np.sum A)"),
            ("A.sum(axis=1).mean()", "(np.mean (np.sum A axis=1))"),
            (
                "np.dot(A, Y.T).item()",
                "(.item() (np.dot A (np.transpose Y)))",
            ),
            ("A.dot(Y.T)", "(np.dot A (np.transpose Y))"),
            ("Y.shape[1]", "(shape Y 1)"),
            ("np.log(A).T", "(np.transpose (np.log A))"),
            ("float(np.squeeze(A))", "(float (np.squeeze A))"),
            ("print(-np.sum(p))", "(neg (np.sum p))"),
            ("np.e ** 2", "(** E 2)"),
            (
                "np.array([[1, 0], [0, 1]])",
                "(array [2, 2] [1.0, 0.0, 0.0, 1.0])",
            ),
            ("np.array([0.2, -0.5])", "(array [2] [0.2, -0.5])"),
            (
                "np.clip(A, 1e-7, 1 - 1e-7)",
                "(np.clip A 0.0000001 (- 1 0.0000001))",
            ),
            ("A.clip(0, 1)", "(np.clip A 0 1)"),
            ("np.where(A > 0.5, A, Y)", "(np.where (> A 0.5) A Y)"),
            ("A + 1 <= Y * 2", "(<= (+ A 1) (* Y 2))"),
            ("Q[y, np.arange(m)]", "(index Q y (np.arange m))"),
            (
                "np.log(Q)[y, np.arange(m)].mean()",
                "(np.mean (index (np.log Q) y (np.arange m)))",
            ),
            ("scipy.special.xlogy(Y, A)", "(scipy.special.xlogy Y A)"),
            (
                "special.xlog1py(1 - Y, -A)",
                "(scipy.special.xlog1py (- 1 Y) (neg A))",
            ),
            ("xlogy(Y, A)", "(scipy.special.xlogy Y A)"),
            (
                "np.max(z, axis=0, keepdims=True)",
                "(np.max z axis=0 keepdims)",
            ),
            ("np.float32(A).item()", "(.item() (np.float32 A))"),
        ] {
            check(src, expected);
        }
    }

    #[test]
    fn scipy_imports_are_accepted() {
        for src in [
            "from scipy.special import xlogy, xlog1py\nxlogy(Y, A)",
            "from scipy import special\nspecial.xlogy(Y, A)",
            "import scipy.special\nscipy.special.xlogy(Y, A)",
            "import scipy\nimport numpy as np\nscipy.special.xlogy(Y, A)",
        ] {
            check(src, "(scipy.special.xlogy Y A)");
        }
    }

    #[test]
    fn statements_and_assignments() {
        check(
            "import numpy as np\nlogprobs = np.sum(Y)\ncost = -logprobs / m",
            "logprobs = (np.sum Y); cost = (/ (neg logprobs) m)",
        );
        check("x = A; y = x * 2; y", "x = A; y = (* x 2); y");
        check(
            "logprobs = np.dot(Y, (np.log(A2)).T) + \\\n  np.dot((1.0-Y),(np.log(1 - A2)).T)",
            "logprobs = (+ (np.dot Y (np.transpose (np.log A2))) (np.dot (- 1 Y) \
             (np.transpose (np.log (- 1 A2)))))",
        );
    }

    fn error(src: &str) -> ParseError {
        match parse(src) {
            Ok(p) => panic!("{src} parsed: {p:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn errors_say_what_and_where() {
        for (src, column, message) in [
            ("-np.sum(B)", 9, "unknown name `B`"),
            ("np.summ(A)", 4, "unknown function `np.summ`"),
            (
                "np.sum(A",
                9,
                "expected `,` or `)`, found the end of the input",
            ),
            ("A +", 4, "expected an expression"),
            ("np.log(A, Y)", 4, "np.log takes 1 argument (2 given)"),
            (
                "np.sum(A, axes=0)",
                11,
                "np.sum got an unexpected keyword argument `axes`",
            ),
            ("A.foo()", 3, "unknown method or attribute `.foo`"),
            ("A.sum", 3, "`.sum` is a method"),
            ("sum(A)", 1, "unknown function `sum`"),
            ("np", 1, "`np` is the numpy module"),
            ("A[0:2]", 4, "slices are not supported"),
            ("A[:, 0]", 3, "slices and new axes are not supported"),
            ("A < Y < 1", 7, "chained comparisons"),
            (
                "from scipy import stats",
                1,
                "only `from scipy.special import",
            ),
            ("scipy.stats.xlogy(A, Y)", 7, "`special` after `scipy.`"),
            ("A ! Y", 3, "the operator `!` is not supported"),
            ("A = ", 5, "expected an expression"),
            ("(A, Y)", 3, "tuples are not supported"),
            (
                "np.sum(A, axis=0.5)",
                16,
                "expected an integer axis or None",
            ),
            ("np.array([[1, 2], [3]])", 19, "different lengths"),
            ("np.array([[[1]]])", 10, "at most 2 dimensions"),
            ("import os", 1, "only `import numpy as np`"),
            ("", 1, "nothing to check"),
            ("x = A\nw = u", 5, "unknown name `u`"),
            ("A Y", 3, "expected an operator or the end of the statement"),
        ] {
            let e = error(src);
            assert!(
                e.message.contains(message),
                "{src}: {:?} does not contain {message:?}",
                e.message
            );
            assert_eq!(e.column, column, "{src}: {}", e.render(src));
        }
    }

    #[test]
    fn depth_is_limited_not_a_stack_overflow() {
        let deep = format!("{}A{}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(error(&deep).message.contains("MAX_NESTING"));
        let minus = format!("{}A", "-".repeat(10_000));
        assert!(error(&minus).message.contains("MAX_NESTING"));
        let ok = format!("{}A{}", "(".repeat(20), ")".repeat(20));
        assert!(parse(&ok).is_ok());
    }
}
