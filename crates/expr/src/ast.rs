//! The syntax tree of a program: statements, expressions, and the numpy functions it knows.

use std::fmt;

use crate::error::Span;

/// A parsed program: one or more statements, the last of which is the result (`cost = …`
/// or a bare expression). Keeps its source so reports can quote sub-expressions verbatim.
#[derive(Debug, Clone, PartialEq)]
pub struct Program {
    pub(crate) source: String,
    pub(crate) statements: Vec<Statement>,
}

impl Program {
    /// The source text, as given.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The statements, in order (`import` lines are not kept).
    pub fn statements(&self) -> &[Statement] {
        &self.statements
    }

    /// The name the result is assigned to (`cost` in `cost = …`), if the last statement is
    /// an assignment.
    pub fn result_name(&self) -> Option<&str> {
        self.statements
            .last()
            .and_then(|s| s.target.as_ref())
            .map(|(n, _)| n.as_str())
    }

    /// The verbatim source of a node.
    pub fn text(&self, span: Span) -> &str {
        span.text(&self.source).trim()
    }

    /// Every name the program reads before assigning it (its free names), in order of first
    /// use.
    pub fn free_names(&self) -> Vec<String> {
        let mut assigned: Vec<&str> = Vec::new();
        let mut free: Vec<String> = Vec::new();
        for s in &self.statements {
            s.expr.visit(&mut |e| {
                if let ExprKind::Name(n) = &e.kind
                    && !assigned.contains(&n.as_str())
                    && !free.contains(n)
                {
                    free.push(n.clone());
                }
            });
            if let Some((n, _)) = &s.target {
                assigned.push(n);
            }
        }
        free
    }
}

/// `target = expr`, or a bare `expr`.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// The name assigned and where it is written.
    pub target: Option<(String, Span)>,
    /// The right-hand side.
    pub expr: Expr,
    /// The whole statement.
    pub span: Span,
}

/// An expression node and the source it was parsed from.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where it is.
    pub span: Span,
}

/// The kinds of expression.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A number literal: `1` (an `int`), `1.0` (a `float`).
    Number {
        /// Its value.
        value: f64,
        /// Whether Python reads it as an `int`.
        int: bool,
    },
    /// A name: an input (`A`, `Y`, `m`, …) or an earlier assignment.
    Name(String),
    /// `np.e` or `np.pi`.
    Constant(NpConstant),
    /// `-x`.
    Neg(Box<Expr>),
    /// `lhs op rhs`.
    Binary {
        /// The operator.
        op: BinOp,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
    /// A numpy function or method: `np.sum(x, axis=0)`, `x.sum()`, `x.T`, `x.item()`.
    Call {
        /// Which function.
        func: Func,
        /// Positional arguments; for a method the receiver comes first.
        args: Vec<Expr>,
        /// The `axis=` keyword (or positional axis), when given and not `None`.
        axis: Option<i64>,
        /// The `keepdims=` keyword.
        keepdims: bool,
    },
    /// `x.shape[i]`.
    ShapeOf {
        /// The array.
        of: Box<Expr>,
        /// The index (negative counts from the end).
        index: i64,
    },
    /// `x[i, j]`: integer-array (or integer) indexing, as numpy's advanced indexing:
    /// `Q[y, np.arange(m)]`.
    Index {
        /// The array indexed.
        of: Box<Expr>,
        /// One index per dimension (or one for the rows of a 2-D array).
        indices: Vec<Expr>,
    },
    /// `np.array([[…], …])`: a literal of at most two dimensions.
    Array {
        /// numpy's shape of the literal: `[]`, `[n]` or `[rows, cols]`.
        dims: Vec<usize>,
        /// Entries in row-major order.
        values: Vec<f64>,
    },
}

impl Expr {
    /// Calls `f` on this node and every node below it, children first (evaluation order).
    pub fn visit(&self, f: &mut impl FnMut(&Expr)) {
        match &self.kind {
            ExprKind::Neg(x) | ExprKind::ShapeOf { of: x, .. } => x.visit(f),
            ExprKind::Binary { lhs, rhs, .. } => {
                lhs.visit(f);
                rhs.visit(f);
            }
            ExprKind::Call { args, .. } => args.iter().for_each(|a| a.visit(f)),
            ExprKind::Index { of, indices } => {
                of.visit(f);
                indices.iter().for_each(|a| a.visit(f));
            }
            ExprKind::Number { .. }
            | ExprKind::Name(_)
            | ExprKind::Constant(_)
            | ExprKind::Array { .. } => {}
        }
        f(self);
    }
}

/// A constant of the `np` module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NpConstant {
    /// `np.e`.
    E,
    /// `np.pi`.
    Pi,
}

impl NpConstant {
    /// Its value, correctly rounded.
    pub fn value(self) -> f64 {
        match self {
            NpConstant::E => std::f64::consts::E,
            NpConstant::Pi => std::f64::consts::PI,
        }
    }
}

/// Binary operators, with Python's meaning on numpy arrays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    /// `+`, `np.add`.
    Add,
    /// `-`, `np.subtract`.
    Sub,
    /// `*`, `np.multiply`: elementwise.
    Mul,
    /// `/`, `np.divide`: true division (Python 3).
    Div,
    /// `**`.
    Pow,
    /// `@`: `np.matmul`.
    MatMul,
    /// `<`: a boolean array, as numpy.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
    /// `==`.
    Eq,
    /// `!=`.
    Ne,
}

impl BinOp {
    /// Whether it is a comparison (its result is boolean).
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::Eq | BinOp::Ne
        )
    }
}

impl fmt::Display for BinOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Pow => "**",
            BinOp::MatMul => "@",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
        })
    }
}

/// The numpy functions and methods the language knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    /// `np.sum`, `.sum()`.
    Sum,
    /// `np.mean`, `.mean()`.
    Mean,
    /// `np.nansum`: a sum that skips NaN.
    Nansum,
    /// `np.dot`, `.dot()`.
    Dot,
    /// `np.matmul`.
    Matmul,
    /// `np.multiply`.
    Multiply,
    /// `np.add`.
    Add,
    /// `np.subtract`.
    Subtract,
    /// `np.divide`.
    Divide,
    /// `np.negative`.
    Negative,
    /// `np.log`: natural logarithm.
    Log,
    /// `np.log2`.
    Log2,
    /// `np.log10`.
    Log10,
    /// `np.log1p`: `ln(1 + x)`, accurate for tiny `x`.
    Log1p,
    /// `np.exp`.
    Exp,
    /// `np.squeeze`, `.squeeze()`.
    Squeeze,
    /// `np.asscalar` (removed in NumPy 1.23).
    Asscalar,
    /// `.item()`.
    Item,
    /// Python's `float(x)`.
    Float,
    /// `np.trace`.
    Trace,
    /// `np.transpose`, `.T`, `.transpose()`.
    Transpose,
    /// `np.clip(x, lo, hi)`, `.clip(lo, hi)`.
    Clip,
    /// `np.where(cond, a, b)`.
    Where,
    /// `np.maximum(a, b)`: elementwise.
    Maximum,
    /// `np.minimum(a, b)`: elementwise.
    Minimum,
    /// `np.max`, `np.amax`, `.max()`: a reduction.
    Max,
    /// `np.min`, `np.amin`, `.min()`: a reduction.
    Min,
    /// `np.asarray(x)`.
    Asarray,
    /// `np.arange(n)`: the integers `0 … n − 1`.
    Arange,
    /// `scipy.special.xlogy(x, y)`: `x·ln y`, 0 where `x = 0`.
    Xlogy,
    /// `scipy.special.xlog1py(x, y)`: `x·ln(1 + y)`, 0 where `x = 0`.
    Xlog1py,
    /// `np.float32(x)`: the value rounded to float32, and float32 arithmetic after it.
    Float32,
}

impl Func {
    /// The spelling of a `np.` function name, if the language knows it.
    pub(crate) fn from_np(name: &str) -> Option<Func> {
        Some(match name {
            "sum" => Func::Sum,
            "mean" => Func::Mean,
            "nansum" => Func::Nansum,
            "dot" => Func::Dot,
            "matmul" => Func::Matmul,
            "multiply" => Func::Multiply,
            "add" => Func::Add,
            "subtract" => Func::Subtract,
            "divide" | "true_divide" => Func::Divide,
            "negative" => Func::Negative,
            "log" => Func::Log,
            "log2" => Func::Log2,
            "log10" => Func::Log10,
            "log1p" => Func::Log1p,
            "exp" => Func::Exp,
            "squeeze" => Func::Squeeze,
            "asscalar" => Func::Asscalar,
            "trace" => Func::Trace,
            "transpose" => Func::Transpose,
            "clip" => Func::Clip,
            "where" => Func::Where,
            "maximum" => Func::Maximum,
            "minimum" => Func::Minimum,
            "max" | "amax" => Func::Max,
            "min" | "amin" => Func::Min,
            "asarray" => Func::Asarray,
            "arange" => Func::Arange,
            "float32" => Func::Float32,
            _ => return None,
        })
    }

    /// Every `np.` function name the language knows, for error messages.
    pub(crate) const NP_NAMES: &'static str = "np.sum, np.mean, np.nansum, np.dot, np.matmul, \
        np.multiply, np.add, np.subtract, np.divide, np.negative, np.log, np.log2, np.log10, \
        np.log1p, np.exp, np.squeeze, np.asscalar, np.trace, np.transpose, np.clip, np.where, \
        np.maximum, np.minimum, np.max, np.min, np.asarray, np.arange, np.float32, np.array";

    /// The spelling of a `scipy.special` function name.
    pub(crate) fn from_special(name: &str) -> Option<Func> {
        match name {
            "xlogy" => Some(Func::Xlogy),
            "xlog1py" => Some(Func::Xlog1py),
            _ => None,
        }
    }

    /// The name numpy gives it, for messages: `np.sum`, `.item()`.
    pub fn name(self) -> &'static str {
        match self {
            Func::Sum => "np.sum",
            Func::Mean => "np.mean",
            Func::Nansum => "np.nansum",
            Func::Dot => "np.dot",
            Func::Matmul => "np.matmul",
            Func::Multiply => "np.multiply",
            Func::Add => "np.add",
            Func::Subtract => "np.subtract",
            Func::Divide => "np.divide",
            Func::Negative => "np.negative",
            Func::Log => "np.log",
            Func::Log2 => "np.log2",
            Func::Log10 => "np.log10",
            Func::Log1p => "np.log1p",
            Func::Exp => "np.exp",
            Func::Squeeze => "np.squeeze",
            Func::Asscalar => "np.asscalar",
            Func::Item => ".item()",
            Func::Float => "float",
            Func::Trace => "np.trace",
            Func::Transpose => "np.transpose",
            Func::Clip => "np.clip",
            Func::Where => "np.where",
            Func::Maximum => "np.maximum",
            Func::Minimum => "np.minimum",
            Func::Max => "np.max",
            Func::Min => "np.min",
            Func::Asarray => "np.asarray",
            Func::Arange => "np.arange",
            Func::Xlogy => "scipy.special.xlogy",
            Func::Xlog1py => "scipy.special.xlog1py",
            Func::Float32 => "np.float32",
        }
    }

    /// How many positional arguments it takes (the receiver of a method included), and
    /// whether it accepts `axis=` / `keepdims=`.
    pub(crate) fn signature(self) -> (usize, bool, bool) {
        match self {
            Func::Sum | Func::Mean | Func::Nansum | Func::Max | Func::Min => (1, true, true),
            Func::Clip | Func::Where => (3, false, false),
            Func::Maximum | Func::Minimum | Func::Xlogy | Func::Xlog1py => (2, false, false),
            Func::Squeeze => (1, true, false),
            Func::Dot
            | Func::Matmul
            | Func::Multiply
            | Func::Add
            | Func::Subtract
            | Func::Divide => (2, false, false),
            Func::Negative
            | Func::Log
            | Func::Log2
            | Func::Log10
            | Func::Log1p
            | Func::Exp
            | Func::Asscalar
            | Func::Item
            | Func::Float
            | Func::Trace
            | Func::Transpose
            | Func::Asarray
            | Func::Arange
            | Func::Float32 => (1, false, false),
        }
    }
}
