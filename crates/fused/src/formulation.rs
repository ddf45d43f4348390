//! [`Fused`] and [`FusedOn`]: the fused path as a [`Formulation`] of validated problems.

use xent_core::{
    BinaryProblem, CategoricalProblem, ErrorBound, Evaluation, Formulation, Kind, Problem,
    ReducedShape, Style, evaluation_span,
};

use crate::accumulate::{Dd, tree};
use crate::isa::Isa;
use crate::tolerance::FUSED_MAX_ULPS;
use crate::{binary, categorical};

/// What the fused path mirrors: no numpy style.
const STYLE: Style = Style {
    numpy: None,
    binary: "one pass over A and Y: Σ y·ln a + (1 − y)·ln(1 − a), no temporaries",
    categorical: "one pass over Q and P (or class indices): Σ p·ln q, no temporaries",
    summary: "one pass, no temporaries: SIMD logarithms, compensated sums over fixed leaves \
              combined in a fixed tree (mirrors no numpy style)",
};

/// The relative guarantee on the summed log-likelihood: within [`FUSED_MAX_ULPS`] ulps of
/// the correctly rounded value, which is within half an ulp of the exact one; an ulp is at
/// most `2u = ε` relative.
///
/// A weighted problem has the numpy styles' a priori bound instead: the weighted kernels sum
/// a sample's terms in plain `f64` before weighting them (logits, categorical), and weigh
/// each term by a rounded product (binary probabilities).
fn bound(problem: &Problem<'_>, evaluation: &Evaluation) -> ErrorBound {
    if problem.is_weighted() {
        return problem.error_bound();
    }
    ErrorBound::relative((FUSED_MAX_ULPS as f64 + 0.5) * f64::EPSILON, evaluation)
}

/// The fused formulation: one pass over the inputs, vectorised logarithms on the detected
/// [`Isa`], compensated accumulation, deterministic parallel reduction (see the crate docs).
///
/// It trusts its input: the problem types of `xent-core` validated it. For an
/// [`xent_core::Unvalidated`] problem use [`crate::checked`], which validates in the same
/// pass.
#[derive(Debug, Clone, Copy, Default)]
pub struct Fused;

impl Formulation for Fused {
    fn name(&self) -> &'static str {
        "fused"
    }

    fn style(&self) -> Style {
        STYLE
    }

    fn bound(&self, problem: &Problem<'_>, evaluation: &Evaluation) -> ErrorBound {
        bound(problem, evaluation)
    }

    /// Its own logarithm (`math`), the same bits on every dispatch path, and a fixed
    /// summation tree.
    fn same_bits_everywhere(&self) -> bool {
        true
    }

    fn binary(&self, problem: &BinaryProblem<'_>) -> Evaluation {
        binary(Isa::detect(), problem)
    }

    fn categorical(&self, problem: &CategoricalProblem<'_>) -> Evaluation {
        categorical(Isa::detect(), problem)
    }

    fn per_sample(&self, problem: &Problem<'_>) -> Option<Vec<f64>> {
        Some(per_sample(Isa::detect(), problem))
    }
}

/// How the fused path sums its terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Sum {
    /// Compensated lanes and a double-double tree (the default; see the crate docs): within
    /// [`FUSED_MAX_ULPS`] of the correctly rounded loss.
    #[default]
    Compensated,
    /// The correctly rounded sum of the terms, divided exactly ([`crate::exact`]): the same
    /// bits on every [`Isa`] path, for any threads and any split into parts.
    Exact,
}

impl Sum {
    /// Both, the default first.
    pub const ALL: [Sum; 2] = [Sum::Compensated, Sum::Exact];

    /// `compensated` or `exact`.
    pub fn name(self) -> &'static str {
        match self {
            Sum::Compensated => "compensated",
            Sum::Exact => "exact",
        }
    }
}

impl std::fmt::Display for Sum {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Fused {
    /// The fused formulation on the detected [`Isa`] with the given [`Sum`].
    pub fn with_sum(sum: Sum) -> FusedOn {
        FusedOn {
            isa: Isa::detect(),
            sum,
        }
    }
}

/// [`Fused`] pinned to one [`Isa`] path, to compare the paths' bits (and speeds), and to a
/// [`Sum`].
///
/// With [`Sum::Exact`] its name is `fused-exact` and its evaluations come from
/// [`crate::exact::Partial`]: `log_likelihood` and `weight` are `S` and the divisor, each
/// correctly rounded once, whatever the path and the threads (its [`Evaluation::nats`]
/// divides those two; [`crate::exact::Partial::loss`] rounds `J` once). Its per-sample
/// losses are the compensated path's (they are not sums).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FusedOn {
    isa: Isa,
    sum: Sum,
}

impl FusedOn {
    /// The fused formulation on `isa` (compensated), or `None` if this CPU cannot run it.
    pub fn new(isa: Isa) -> Option<Self> {
        isa.is_available().then_some(FusedOn {
            isa,
            sum: Sum::Compensated,
        })
    }

    /// The same path with another [`Sum`].
    pub fn with_sum(self, sum: Sum) -> Self {
        FusedOn { sum, ..self }
    }

    /// The path it runs on.
    pub fn isa(&self) -> Isa {
        self.isa
    }

    /// How it sums.
    pub fn sum(&self) -> Sum {
        self.sum
    }
}

impl Formulation for FusedOn {
    fn name(&self) -> &'static str {
        match self.sum {
            Sum::Compensated => "fused",
            Sum::Exact => "fused-exact",
        }
    }

    fn style(&self) -> Style {
        STYLE
    }

    fn bound(&self, problem: &Problem<'_>, evaluation: &Evaluation) -> ErrorBound {
        bound(problem, evaluation)
    }

    /// Its own logarithm (`math`), the same bits on every dispatch path, and a fixed
    /// summation tree.
    fn same_bits_everywhere(&self) -> bool {
        true
    }

    fn binary(&self, problem: &BinaryProblem<'_>) -> Evaluation {
        match self.sum {
            Sum::Compensated => binary(self.isa, problem),
            Sum::Exact => exact(self.isa, &Problem::Binary(*problem)),
        }
    }

    fn categorical(&self, problem: &CategoricalProblem<'_>) -> Evaluation {
        match self.sum {
            Sum::Compensated => categorical(self.isa, problem),
            Sum::Exact => exact(self.isa, &Problem::Categorical(*problem)),
        }
    }

    fn per_sample(&self, problem: &Problem<'_>) -> Option<Vec<f64>> {
        Some(per_sample(self.isa, problem))
    }
}

/// The exact mode's evaluation of `problem` on `isa`.
fn exact(isa: Isa, problem: &Problem<'_>) -> Evaluation {
    let _span = evaluation_span("fused-exact", problem.kind(), problem.shape()).entered();
    crate::exact::partial_on(isa, problem).evaluation(problem.samples())
}

/// The per-sample losses `v_j·l_j`, in one pass (the weighted kernels, which serve every
/// problem here: `v_j = 1` without weights).
fn per_sample(isa: Isa, problem: &Problem<'_>) -> Vec<f64> {
    let _span = evaluation_span("fused", problem.kind(), problem.shape()).entered();
    crate::weighted::per_sample(isa, problem)
}

fn binary(isa: Isa, problem: &BinaryProblem<'_>) -> Evaluation {
    let _span = evaluation_span("fused", Kind::Binary, problem.shape()).entered();
    if problem.log_floor().is_some() {
        return clamped_binary(problem);
    }
    let whole = Problem::Binary(*problem);
    if crate::weighted::applies(&whole) {
        return crate::weighted::evaluate(isa, &whole);
    }
    let pred = problem.predictions();
    let (a, y, logits) = (pred.array(), problem.labels(), pred.is_logits());
    let n = y.len();
    let partial = tree(n.div_ceil(binary::LEAF), &|i| {
        let range = i * binary::LEAF..n.min((i + 1) * binary::LEAF);
        binary::leaf::<false>(isa, a, y, logits, range).partial
    });
    partial.evaluation(problem.samples())
}

/// A problem whose logarithms are clamped (PyTorch's convention, see
/// [`BinaryProblem::with_log_floor`]): a plain scalar loop over
/// [`BinaryProblem::weighted_logs`], which applies the clamp, in column-major order into
/// the crate's double-double [`Dd`], so the result is deterministic (one thread, one order)
/// and within [`xent_core::ErrorBound::binary`]. The vectorised kernels serve the exact
/// convention.
fn clamped_binary(problem: &BinaryProblem<'_>) -> Evaluation {
    // At scale 0, and with every term divided by 2^64 only if that sum overflowed.
    Evaluation::reduce(problem.samples(), ReducedShape::Scalar, |scale| {
        problem
            .weighted_logs_scaled(scale)
            .fold(Dd::default(), |s, (w, l)| s.add(Dd { hi: w * l, lo: 0.0 }))
            .value()
    })
    .with_weight(problem.weight_total())
}

fn categorical(isa: Isa, problem: &CategoricalProblem<'_>) -> Evaluation {
    let _span = evaluation_span("fused", Kind::Categorical, problem.shape()).entered();
    let whole = Problem::Categorical(*problem);
    if crate::weighted::applies(&whole) {
        return crate::weighted::evaluate(isa, &whole);
    }
    let (k, m) = (problem.classes_count(), problem.samples());
    let per_leaf = categorical::columns_per_leaf(k);
    let pred = problem.predictions();
    let (z, logits, targets) = (pred.array(), pred.is_logits(), problem.targets());
    let partial = tree(m.div_ceil(per_leaf), &|i| {
        let cols = i * per_leaf..m.min((i + 1) * per_leaf);
        categorical::leaf::<false>(isa, z, targets, logits, cols, 0.0).partial
    });
    partial.evaluation(m)
}
