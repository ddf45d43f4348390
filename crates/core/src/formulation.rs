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

/// The power of two by which a formulation divides every term when their sum overflows
/// `f64`. Every term is at most `f64::MAX < 2^1024` in magnitude (a soft-plus of a finite
/// logit, a scaled log-softmax), so `N < 2^64` terms divided by `2^64` sum to less than
/// `2^1024`: the scaled sum is finite, and the loss `J = −S/m` is recovered exactly from it
/// (see [`Evaluation`]).
pub const OVERFLOW_SCALE: i32 = 64;

/// `x · 2^k`, exact unless the product overflows (then `±∞`) or, for `k < 0`, lands among
/// the subnormals; `k` in `[−1022, 1023]`.
#[inline]
pub fn times_pow2(x: f64, k: i32) -> f64 {
    if k == 0 {
        return x;
    }
    let k = k.clamp(-1022, 1023);
    x * f64::from_bits(((1023 + k) as u64) << 52)
}

/// The result of evaluating a problem with one formulation.
///
/// # Sums that overflow
///
/// Finite logits can have a log-likelihood beyond `f64` although their loss is not:
/// `z = [1e308, 1e308]` with labels `[0, 0]` has `S = −2·10^308` and `J = 10^308`. The
/// summed log-likelihood is therefore carried with a power-of-two scale,
/// `S = log_likelihood · 2^scale`: `scale` is 0 unless the sum overflows, and then
/// [`OVERFLOW_SCALE`] (every term was divided by `2^64` before the sum, which is exact for
/// every term above `2^−958`, and the terms below that are far under the sum's last bit).
/// [`Evaluation::nats`], [`Evaluation::in_base`] and [`Evaluation::loss_over`] divide first
/// and apply the scale last, which is exact, so `J` is rounded as if `S` had been
/// representable; it is `+∞` only when `J` itself overflows. [`Evaluation::sum`] is `S` as
/// one `f64` (`−∞` when it overflows). Read `log_likelihood` alone only together with
/// `scale`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evaluation {
    /// The summed log-likelihood `S = Σ w · ln p` (the documents' `logprobs`), `≤ 0`,
    /// divided by `2^scale`; `−∞` when a positive weight meets a zero probability.
    pub log_likelihood: f64,
    /// The power of two `S` is divided by in `log_likelihood`: 0, or [`OVERFLOW_SCALE`] when
    /// `S` overflows `f64`.
    pub scale: i32,
    /// The number of samples `m`.
    pub samples: usize,
    /// The divisor of the exact convention's mean, `W = Σ_j v_j·c̄_j` (see
    /// [`crate::weights`]): `m` exactly for a problem without weights.
    pub weight: f64,
    /// The shape of the intermediate result that was reduced.
    pub shape: ReducedShape,
}

impl Evaluation {
    /// An evaluation whose sum `S = log_likelihood` did not overflow (scale 0).
    pub fn new(log_likelihood: f64, samples: usize, shape: ReducedShape) -> Self {
        Evaluation {
            log_likelihood,
            scale: 0,
            samples,
            weight: samples as f64,
            shape,
        }
    }

    /// The same evaluation with the mean's divisor `W` (a weighted problem's
    /// [`Problem::weight_total`]).
    pub fn with_weight(self, weight: f64) -> Self {
        Evaluation { weight, ..self }
    }

    /// The evaluation of a reduction that `reduce(scale)` computes with every term divided
    /// by `2^scale`: at scale 0, and again at [`OVERFLOW_SCALE`] when that sum is not finite
    /// (a sum of finite terms that overflowed; a sum with a `−∞` term stays `−∞` at any
    /// scale, and is returned at scale 0).
    pub fn reduce(samples: usize, shape: ReducedShape, reduce: impl Fn(i32) -> f64) -> Self {
        let s = reduce(0);
        if s.is_finite() {
            return Evaluation::new(s, samples, shape);
        }
        let scaled = reduce(OVERFLOW_SCALE);
        if scaled.is_finite() {
            Evaluation {
                log_likelihood: scaled,
                scale: OVERFLOW_SCALE,
                samples,
                weight: samples as f64,
                shape,
            }
        } else {
            Evaluation::new(s.min(scaled), samples, shape)
        }
    }

    /// The summed log-likelihood `S` as one `f64`: `−∞` when it overflows.
    pub fn sum(&self) -> f64 {
        times_pow2(self.log_likelihood, self.scale)
    }

    /// `−S / divisor` (a convention's divisor, `m` for the mean), the scale applied after
    /// the division: `+∞` only when the quotient itself overflows.
    pub fn loss_over(&self, divisor: f64) -> f64 {
        times_pow2(-self.log_likelihood / divisor, self.scale)
    }

    /// The loss in nats, `J = −S / W` (`−S / m` without weights): `+∞` for a confident
    /// wrong prediction.
    pub fn nats(&self) -> f64 {
        self.loss_over(self.weight)
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

    /// Whether its results are the same bits on every platform, ISA and thread count: true
    /// only for a formulation that takes its logarithms (and exponentials) with its own code
    /// rather than the platform's libm, and sums in a fixed order. The verifier's report
    /// prints values only of these; of the others, only whether they are within bound.
    fn same_bits_everywhere(&self) -> bool {
        false
    }

    /// Binary cross-entropy of a validated problem.
    fn binary(&self, problem: &BinaryProblem<'_>) -> Evaluation;

    /// Categorical cross-entropy of a validated problem.
    fn categorical(&self, problem: &CategoricalProblem<'_>) -> Evaluation;

    /// The per-sample losses `v_j·l_j` of the reduction `none` (see [`crate::weights`]), one
    /// per sample in order, when this formulation computes them (a style whose numpy form
    /// reduces over the samples first, as `np.dot`, has none: `None`).
    fn per_sample(&self, problem: &Problem<'_>) -> Option<Vec<f64>> {
        let _ = problem;
        None
    }
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
