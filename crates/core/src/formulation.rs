//! The one trait every formulation implements, and what an evaluation returns.

use std::fmt;

use crate::base::LogBase;
use crate::error::Shape;
use crate::problem::{BinaryProblem, CategoricalProblem, Problem};
use crate::tolerance::ErrorBound;

/// The shape of the intermediate result a formulation reduced to reach the loss: the
/// documents' question "why is one a `(1, 1)` array and the other a scalar?", made explicit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReducedShape {
    /// A scalar, as `np.sum` returns.
    Scalar,
    /// `n` inner products of matching rows: the diagonal of the `(n, n)` matrix `np.dot`
    /// would return; for `n = 1`, numpy's `(1, 1)` array.
    Diagonal {
        /// Number of rows (outputs or classes).
        n: usize,
    },
    /// A full matrix product (`np.matmul`): `(rows, cols)`, whose trace is the sum.
    Matrix {
        /// Rows of the product.
        rows: usize,
        /// Columns of the product.
        cols: usize,
    },
}

impl ReducedShape {
    /// The shape numpy gives the documents' expression for this reduction: `[]` for a
    /// scalar, `[n, n]` for the dot and matmul styles.
    pub fn numpy_dims(&self) -> Vec<usize> {
        match *self {
            ReducedShape::Scalar => vec![],
            ReducedShape::Diagonal { n } => vec![n, n],
            ReducedShape::Matrix { rows, cols } => vec![rows, cols],
        }
    }
}

impl fmt::Display for ReducedShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ReducedShape::Scalar => f.write_str("scalar"),
            ReducedShape::Diagonal { n: 1 } => f.write_str("(1, 1)"),
            ReducedShape::Diagonal { n } => write!(f, "diagonal of ({n}, {n})"),
            ReducedShape::Matrix { rows, cols } => write!(f, "({rows}, {cols})"),
        }
    }
}

/// The result of evaluating a problem with one formulation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evaluation {
    /// The summed log-likelihood `S = Σ w · ln p` (the documents' `logprobs`), `≤ 0`;
    /// `−∞` when a positive weight meets a zero probability.
    pub log_likelihood: f64,
    /// The number of samples `m` the loss averages over.
    pub samples: usize,
    /// The shape of the intermediate result that was reduced.
    pub shape: ReducedShape,
}

impl Evaluation {
    /// The loss in nats, `J = −S / m`: `+∞` for a confident wrong prediction.
    pub fn nats(&self) -> f64 {
        -self.log_likelihood / self.samples as f64
    }

    /// The loss in base `b`: `J / ln b`.
    pub fn in_base(&self, base: LogBase) -> f64 {
        base.from_nats(self.nats())
    }
}

/// Which kind of problem an evaluation is for (used in spans and reports).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Binary cross-entropy.
    Binary,
    /// Categorical cross-entropy.
    Categorical,
}

impl Kind {
    /// `"binary"` or `"categorical"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Binary => "binary",
            Kind::Categorical => "categorical",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The numpy styles of the source documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Numpy {
    /// Elementwise products, then `np.sum`: a scalar.
    Sum,
    /// `np.dot` of rows over the samples: `(n, n)`, `(1, 1)` for one output.
    Dot,
    /// `np.matmul`: the full `(n, n)` product.
    Matmul,
}

/// The numpy code a formulation mirrors: what a user who wrote that style would see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// Which of the documents' numpy styles it reproduces, if any (the fused path
    /// reproduces none: it is the production path).
    pub numpy: Option<Numpy>,
    /// The binary loss in that style, as the documents write it.
    pub binary: &'static str,
    /// The categorical loss in that style.
    pub categorical: &'static str,
    /// One line: what it materialises and what it reduces.
    pub summary: &'static str,
}

/// One way of computing cross-entropy. Every formulation crate implements it, and the one
/// registry (`xent-registry`) lists them, so the verifier, the command and the benchmarks
/// loop over implementations and ask them what they need instead of naming them.
///
/// Inputs arrive validated, so evaluation cannot fail: a confident wrong prediction is the
/// result `+∞`, not an error.
pub trait Formulation: Send + Sync {
    /// Short stable name (`sum`, `dot`, `matmul`, `fused`): for reports and for a user's
    /// `--formulation`, never for a caller to branch on.
    fn name(&self) -> &'static str;

    /// The numpy style it mirrors (its expressions); the shape of its intermediate result is
    /// in every [`Evaluation`].
    fn style(&self) -> Style;

    /// Its a priori error bound on `problem`, given its own `evaluation` of it. The default
    /// is [`ErrorBound`] of the masked log terms, valid for any formulation that reduces
    /// them (in any order); a formulation with a tighter guarantee states it.
    fn bound(&self, problem: &Problem<'_>, evaluation: &Evaluation) -> ErrorBound {
        let _ = evaluation;
        problem.error_bound()
    }

    /// Binary cross-entropy of a validated problem.
    fn binary(&self, problem: &BinaryProblem<'_>) -> Evaluation;

    /// Categorical cross-entropy of a validated problem.
    fn categorical(&self, problem: &CategoricalProblem<'_>) -> Evaluation;
}

/// The span every evaluation runs in: one per evaluation, never inside loops.
pub fn evaluation_span(formulation: &'static str, kind: Kind, shape: Shape) -> tracing::Span {
    tracing::debug_span!(
        "evaluate",
        formulation,
        kind = kind.as_str(),
        rows = shape.rows,
        cols = shape.cols
    )
}
