//! [`Fused`] and [`FusedOn`]: the fused path as a [`Formulation`] of validated problems.

use xent_core::{
    BinaryProblem, CategoricalProblem, Evaluation, Formulation, Kind, Predictions, ReducedShape,
    evaluation_span,
};

use crate::accumulate::{Dd, tree};
use crate::isa::{self, Isa};
use crate::{binary, categorical};

/// The fused formulation: one pass over the inputs, vectorised logarithms on the detected
/// [`Isa`], compensated accumulation, deterministic parallel reduction (see the crate docs).
///
/// It trusts its input: the problem types of `xent-core` validated it. For unvalidated slices
/// use [`crate::binary_from_slices`] and [`crate::categorical_from_slices`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Fused;

impl Formulation for Fused {
    fn name(&self) -> &'static str {
        "fused"
    }

    fn binary(&self, problem: &BinaryProblem) -> Evaluation {
        binary(Isa::detect(), problem)
    }

    fn categorical(&self, problem: &CategoricalProblem) -> Evaluation {
        categorical(Isa::detect(), problem)
    }
}

/// [`Fused`] pinned to one [`Isa`] path, to compare the paths' bits (and speeds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FusedOn {
    isa: Isa,
}

impl FusedOn {
    /// The fused formulation on `isa`, or `None` if this CPU cannot run it.
    pub fn new(isa: Isa) -> Option<Self> {
        isa.is_available().then_some(FusedOn { isa })
    }

    /// The path it runs on.
    pub fn isa(&self) -> Isa {
        self.isa
    }
}

impl Formulation for FusedOn {
    fn name(&self) -> &'static str {
        "fused"
    }

    fn binary(&self, problem: &BinaryProblem) -> Evaluation {
        binary(self.isa, problem)
    }

    fn categorical(&self, problem: &CategoricalProblem) -> Evaluation {
        categorical(self.isa, problem)
    }
}

fn binary(isa: Isa, problem: &BinaryProblem) -> Evaluation {
    let _span = evaluation_span("fused", Kind::Binary, problem.shape()).entered();
    if problem.log_floor().is_some() {
        return clamped_binary(problem);
    }
    let y = problem.labels().as_slice();
    let n = y.len();
    let partial = match problem.predictions() {
        Predictions::Probabilities(a) => {
            let a = a.as_slice();
            tree(n.div_ceil(binary::LEAF), &|i| {
                let r = i * binary::LEAF..n.min((i + 1) * binary::LEAF);
                let (a, y) = (&a[r.clone()], &y[r]);
                isa::run(isa, binary::ProbLeaf::<false> { a, y }).partial
            })
        }
        Predictions::Logits(z) => {
            let z = z.as_slice();
            tree(n.div_ceil(binary::LEAF), &|i| {
                let r = i * binary::LEAF..n.min((i + 1) * binary::LEAF);
                let (z, y) = (&z[r.clone()], &y[r]);
                isa::run(isa, binary::LogitLeaf::<false> { z, y }).partial
            })
        }
    };
    Evaluation {
        log_likelihood: partial.value(),
        samples: problem.samples(),
        shape: ReducedShape::Scalar,
    }
}

/// A problem whose logarithms are clamped (PyTorch's convention, see
/// [`BinaryProblem::with_log_floor`]): a plain scalar loop over
/// [`BinaryProblem::weighted_logs`], which applies the clamp, in column-major order into
/// the crate's double-double [`Dd`], so the result is deterministic (one thread, one order)
/// and within [`xent_core::ErrorBound::binary`]. The vectorised kernels serve the exact
/// convention.
fn clamped_binary(problem: &BinaryProblem) -> Evaluation {
    let sum = problem
        .weighted_logs()
        .fold(Dd::default(), |s, (w, l)| s.add(Dd { hi: w * l, lo: 0.0 }));
    Evaluation {
        log_likelihood: sum.value(),
        samples: problem.samples(),
        shape: ReducedShape::Scalar,
    }
}

fn categorical(isa: Isa, problem: &CategoricalProblem) -> Evaluation {
    let _span = evaluation_span("fused", Kind::Categorical, problem.shape()).entered();
    let (k, m) = (problem.classes_count(), problem.samples());
    let per_leaf = categorical::columns_per_leaf(k);
    let p = problem.targets().as_slice();
    let classes = problem.classes();
    let (z, logits) = match problem.predictions() {
        Predictions::Probabilities(q) => (q.as_slice(), false),
        Predictions::Logits(z) => (z.as_slice(), true),
    };
    let partial = tree(m.div_ceil(per_leaf), &|i| {
        let cols = i * per_leaf..m.min((i + 1) * per_leaf);
        let entries = cols.start * k..cols.end * k;
        let z = &z[entries.clone()];
        let targets = match classes {
            Some(c) => categorical::LeafTargets::Classes(&c[cols]),
            None => categorical::LeafTargets::Dense(&p[entries]),
        };
        let tolerance = 0.0;
        let result = match (logits, targets) {
            (true, targets) => isa::run(
                isa,
                categorical::LogitLeaf::<false> {
                    z,
                    targets,
                    k,
                    tolerance,
                },
            ),
            (false, categorical::LeafTargets::Classes(classes)) => isa::run(
                isa,
                categorical::ClassLeaf::<false> {
                    q: z,
                    classes,
                    k,
                    tolerance,
                },
            ),
            (false, categorical::LeafTargets::Dense(p)) => isa::run(
                isa,
                categorical::DenseLeaf::<false> {
                    q: z,
                    p,
                    k,
                    tolerance,
                },
            ),
        };
        result.partial
    });
    Evaluation {
        log_likelihood: partial.value(),
        samples: m,
        shape: ReducedShape::Scalar,
    }
}
