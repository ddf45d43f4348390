//! The problems a check runs on: the given inputs, or a seeded suite (the documents'
//! example, random problems of several sizes with hard and soft labels, and two probes of
//! the edges: confident right predictions, where `0 · ln 0` appears, and tiny predictions,
//! where `ln(1 − a)` loses its digits).

use nalgebra::DMatrix;
use xent_core::{BinaryProblem, CategoricalProblem, ErrorBound, Kind, LogBase};

use crate::tolerance::{self, PREDICTION_RANGE, SOFT_LABEL_RANGE, TINY_PREDICTIONS};
use xent_core::rng::Seeded;

/// Which probe of the edges a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Probe {
    /// Predictions exactly equal to hard labels at some entries (`A = 0` where `Y = 0`,
    /// `A = 1` where `Y = 1`): the definition's `0 · ln 0 = 0` against numpy's `0 * -inf`.
    ZeroLogZero,
    /// Labels 0 and predictions below `2^-53`, where `1 - A` rounds to 1.
    Tiny,
    /// Logits of magnitude 30 to 1000 (from logits only), where `np.exp(z)` overflows and
    /// `σ(z)` rounds to 0 or 1.
    LargeLogits,
}

impl Probe {
    /// A short name for reports.
    pub fn name(self) -> &'static str {
        match self {
            Probe::ZeroLogZero => "confident and right",
            Probe::Tiny => "tiny predictions",
            Probe::LargeLogits => "large logits",
        }
    }
}

/// One case of a check: labelled inputs (the user's, the documents' example, a random
/// problem, a probe) the expression and the reference are evaluated on.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Case {
    /// What it is: `the given inputs`, `the documents' example`, `random`, a probe.
    pub(crate) label: String,
    /// Predictions, columns are samples.
    pub(crate) predictions: DMatrix<f64>,
    /// Labels or targets, columns are samples.
    pub(crate) labels: DMatrix<f64>,
    /// Whether every label is 0 or 1.
    pub(crate) hard: bool,
    /// Which probe, if it is one.
    pub(crate) probe: Option<Probe>,
    /// Whether `predictions` holds logits (`A = σ(z)`, `Q = softmax(z)` per column).
    pub(crate) from_logits: bool,
    /// One class index per sample, when the targets are one-hot.
    pub(crate) classes: Option<Vec<usize>>,
}

impl Case {
    /// A problem from inputs (the CLI's files, a claim's arrays).
    pub(crate) fn given(label: &str, predictions: DMatrix<f64>, labels: DMatrix<f64>) -> Case {
        let hard = labels.iter().all(|&y| y == 0.0 || y == 1.0);
        Case {
            label: label.to_owned(),
            predictions,
            labels,
            hard,
            probe: None,
            from_logits: false,
            classes: None,
        }
    }

    /// The class index of every sample, when every column of the labels is one-hot.
    pub(crate) fn class_indices(&self) -> Option<Vec<usize>> {
        if let Some(c) = &self.classes {
            return Some(c.clone());
        }
        self.labels
            .column_iter()
            .map(|col| {
                let ones: Vec<usize> = (0..col.len()).filter(|&i| col[i] == 1.0).collect();
                let rest_zero = col.iter().all(|&x| x == 0.0 || x == 1.0);
                (ones.len() == 1 && rest_zero).then(|| ones[0])
            })
            .collect()
    }

    /// `n_y` or `k`.
    pub(crate) fn rows(&self) -> usize {
        self.labels.nrows()
    }

    /// `m`.
    pub(crate) fn samples(&self) -> usize {
        self.labels.ncols()
    }
}

/// What a check compares the expression with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Quantity {
    /// The loss `J = −S/m` (the default).
    #[default]
    Loss,
    /// The summed log-likelihood `S` (the documents' `logprobs`).
    LogLikelihood,
}

impl Quantity {
    /// `loss` or `log-likelihood`.
    pub fn as_str(self) -> &'static str {
        match self {
            Quantity::Loss => "loss",
            Quantity::LogLikelihood => "log-likelihood",
        }
    }
}

/// The reference value of a problem and the bound on its own error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Reference {
    pub(crate) value: f64,
    pub(crate) bound: f64,
}

/// The definition's value, correctly rounded by the oracle (`xent-oracle`), and the a priori
/// `xent_core::ErrorBound` every formulation is held to, in `base`.
pub(crate) fn reference(
    kind: Kind,
    problem: &Case,
    quantity: Quantity,
    base: LogBase,
) -> Result<Reference, xent_core::Error> {
    let (evaluation, bound) = match kind {
        Kind::Binary => {
            let (a, y) = (&problem.predictions, &problem.labels);
            let p = if problem.from_logits {
                BinaryProblem::from_logits(a, y)?
            } else {
                BinaryProblem::new(a, y)?
            };
            (xent_oracle::try_binary(&p), ErrorBound::binary(&p))
        }
        Kind::Categorical => {
            let (q, t) = (&problem.predictions, &problem.labels);
            let p = if problem.from_logits {
                CategoricalProblem::from_logits(q, t)?
            } else {
                CategoricalProblem::new(q, t)?
            };
            (
                xent_oracle::try_categorical(&p),
                ErrorBound::categorical(&p),
            )
        }
    };
    // The oracle's arithmetic fails only on allocation failure: then NaN, which nothing is
    // ever equal to.
    let oracle = evaluation.unwrap_or(xent_oracle::Oracle::FAILED);
    let (value, bound) = match quantity {
        Quantity::Loss => (oracle.loss, bound.absolute),
        Quantity::LogLikelihood => (oracle.log_likelihood, bound.log_likelihood),
    };
    if base == LogBase::E {
        return Ok(Reference { value, bound });
    }
    let scaled = base.from_nats(value);
    Ok(Reference {
        value: scaled,
        bound: tolerance::in_base(bound, base.ln(), scaled),
    })
}

/// The suite's draws from the seeded generator (`xent_core::rng`), values rounded to 4
/// decimals so reports stay readable; the Python package's audit draws its suite with it.
pub struct SuiteRng(Seeded);

impl SuiteRng {
    /// The draws for `seed`.
    pub fn new(seed: u64) -> Self {
        SuiteRng(Seeded::new(seed))
    }

    /// Uniform in `[lo, hi)`, rounded to 4 decimals.
    pub fn uniform(&mut self, (lo, hi): (f64, f64)) -> f64 {
        (self.0.uniform(lo, hi) * 1e4).round() / 1e4
    }

    /// 0 or 1.
    pub fn bit(&mut self) -> f64 {
        f64::from(u8::from(self.0.coin()))
    }

    /// Uniform in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        self.0.below(n)
    }
}

/// The seeded suite for `kind`: sizes that tell `n_y = 1`, `m = 1` and hard labels apart,
/// then the probes. With `one_sample`, every problem has `m = 1` (the 1-D names `p`, `q`).
pub(crate) fn suite(kind: Kind, one_sample: bool, seed: u64) -> Vec<Case> {
    let mut rng = SuiteRng::new(seed);
    let mut out = Vec::new();
    match (kind, one_sample) {
        (Kind::Binary, false) => {
            out.push(Case::given(
                "the documents' example",
                DMatrix::from_row_slice(1, 8, &xent_core::published::BINARY_A),
                DMatrix::from_row_slice(1, 8, &xent_core::published::BINARY_Y),
            ));
            for (rows, cols, hard) in [(3, 5, true), (4, 1, true), (1, 6, false), (3, 4, false)] {
                out.push(binary(&mut rng, rows, cols, hard));
            }
            out.push(binary_zero_log_zero(1));
            out.push(binary_tiny(1, TINY_PREDICTIONS.len()));
        }
        (Kind::Binary, true) => {
            for (rows, hard) in [(4, true), (3, true), (1, false), (3, false)] {
                out.push(binary(&mut rng, rows, 1, hard));
            }
            out.push(binary_zero_log_zero(0));
            out.push(binary_tiny(TINY_PREDICTIONS.len(), 1));
        }
        (Kind::Categorical, _) => {
            let e = &xent_core::published::CATEGORICAL[0];
            out.push(Case::given(
                "the documents' example",
                DMatrix::from_column_slice(3, 1, &e.prediction),
                DMatrix::from_column_slice(3, 1, &e.target),
            ));
            let sizes: &[(usize, usize, bool)] = if one_sample {
                &[(4, 1, true), (3, 1, false), (5, 1, false)]
            } else {
                &[(3, 8, true), (4, 1, true), (3, 5, false), (5, 2, false)]
            };
            for &(rows, cols, hard) in sizes {
                out.push(categorical(&mut rng, rows, cols, hard));
            }
            out.push(categorical_zero_log_zero(if one_sample { 1 } else { 3 }));
        }
    }
    out
}

fn binary(rng: &mut SuiteRng, rows: usize, cols: usize, hard: bool) -> Case {
    let a = DMatrix::from_fn(rows, cols, |_, _| rng.uniform(PREDICTION_RANGE));
    let mut y = DMatrix::from_fn(rows, cols, |_, _| {
        if hard {
            rng.bit()
        } else {
            rng.uniform(SOFT_LABEL_RANGE)
        }
    });
    // Both classes present, so a missing term is never right by accident.
    if hard && y.len() > 1 && y.iter().all(|&v| v == y[0]) {
        y[0] = 1.0 - y[0];
    }
    Case {
        label: format!("random, {} labels", if hard { "hard" } else { "soft" }),
        predictions: a,
        labels: y,
        hard,
        probe: None,
        from_logits: false,
        classes: None,
    }
}

/// The suite's problems as logits: `z = ln a − ln(1 − a)` (binary, so `σ(z) = a` up to
/// rounding) or `z = ln q` (categorical, so `softmax(z) = q`), the reference computed from
/// the logits themselves; the probes of exact 0 and 1 (infinite logits) are replaced by
/// one of large logits.
pub(crate) fn as_logits(kind: Kind, problems: Vec<Case>) -> Vec<Case> {
    let mut out: Vec<Case> = problems
        .into_iter()
        .filter(|p| p.probe.is_none())
        .map(|mut p| {
            p.predictions = match kind {
                Kind::Binary => p.predictions.map(|a| a.ln() - (-a).ln_1p()),
                Kind::Categorical => p.predictions.map(f64::ln),
            };
            p.label = p.label.replace("random", "random logits");
            p.from_logits = true;
            p
        })
        .collect();
    let (z, y): (DMatrix<f64>, DMatrix<f64>) = match kind {
        Kind::Binary => (
            DMatrix::from_row_slice(1, 6, &[40.0, -40.0, 800.0, -800.0, 0.5, -3.0]),
            DMatrix::from_row_slice(1, 6, &[1.0, 0.0, 1.0, 0.0, 1.0, 0.0]),
        ),
        Kind::Categorical => (
            DMatrix::from_column_slice(
                3,
                3,
                &[1000.0, 0.0, -1000.0, 0.0, 800.0, 1.0, -5.0, 2.0, 3.0],
            ),
            DMatrix::from_column_slice(3, 3, &[1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]),
        ),
    };
    out.push(Case {
        label: "probe: large logits (|z| up to 1000)".into(),
        predictions: z,
        labels: y,
        hard: true,
        probe: Some(Probe::LargeLogits),
        from_logits: true,
        classes: None,
    });
    out
}

/// `A = Y` exactly at some entries, both ways (0 under 0, 1 under 1); `rows = 0` asks for the
/// one-sample form `(2, 1)`.
fn binary_zero_log_zero(rows: usize) -> Case {
    let (y, a) = if rows == 0 {
        (
            DMatrix::from_column_slice(2, 1, &[0.0, 1.0]),
            DMatrix::from_column_slice(2, 1, &[0.0, 1.0]),
        )
    } else {
        (
            DMatrix::from_row_slice(1, 6, &[1.0, 0.0, 1.0, 0.0, 1.0, 0.0]),
            DMatrix::from_row_slice(1, 6, &[0.9, 0.0, 1.0, 0.2, 0.7, 0.4]),
        )
    };
    Case {
        label: "probe: confident and right (A = Y at some entries)".into(),
        predictions: a,
        labels: y,
        hard: true,
        probe: Some(Probe::ZeroLogZero),
        from_logits: false,
        classes: None,
    }
}

fn binary_tiny(rows: usize, cols: usize) -> Case {
    Case {
        label: "probe: tiny predictions (Y = 0, A ≤ 5e-17)".into(),
        predictions: DMatrix::from_iterator(rows, cols, TINY_PREDICTIONS),
        labels: DMatrix::zeros(rows, cols),
        hard: true,
        probe: Some(Probe::Tiny),
        from_logits: false,
        classes: None,
    }
}

fn categorical(rng: &mut SuiteRng, rows: usize, cols: usize, hard: bool) -> Case {
    let mut q = DMatrix::from_fn(rows, cols, |_, _| rng.uniform(PREDICTION_RANGE));
    let mut p = DMatrix::zeros(rows, cols);
    for j in 0..cols {
        let s: f64 = q.column(j).sum();
        q.column_mut(j).iter_mut().for_each(|x| *x /= s);
        if hard {
            p[(rng.below(rows), j)] = 1.0;
        } else {
            let col: Vec<f64> = (0..rows).map(|_| rng.uniform(SOFT_LABEL_RANGE)).collect();
            let s: f64 = col.iter().sum();
            for (i, x) in col.iter().enumerate() {
                p[(i, j)] = x / s;
            }
        }
    }
    Case {
        label: format!("random, {} targets", if hard { "one-hot" } else { "soft" }),
        predictions: q,
        labels: p,
        hard,
        probe: None,
        from_logits: false,
        classes: None,
    }
}

/// One-hot targets with predictions exactly 0 under some zero targets.
fn categorical_zero_log_zero(cols: usize) -> Case {
    let (p, q): (&[f64], &[f64]) = if cols == 1 {
        (&[0.0, 1.0, 0.0], &[0.0, 0.7, 0.3])
    } else {
        (
            &[0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0],
            &[0.0, 0.7, 0.3, 0.6, 0.4, 0.0, 0.0, 0.0, 1.0],
        )
    };
    Case {
        label: "probe: confident and right (Q = 0 where P = 0)".into(),
        predictions: DMatrix::from_column_slice(3, cols, q),
        labels: DMatrix::from_column_slice(3, cols, p),
        hard: true,
        probe: Some(Probe::ZeroLogZero),
        from_logits: false,
        classes: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_suite_problem_is_valid_and_finite() {
        for kind in [Kind::Binary, Kind::Categorical] {
            for one in [false, true] {
                for p in suite(kind, one, tolerance::DEFAULT_SEED) {
                    let r = reference(kind, &p, Quantity::Loss, LogBase::E)
                        .unwrap_or_else(|e| panic!("{kind} {}: {e}", p.label));
                    assert!(r.value.is_finite() && r.value >= 0.0, "{}", p.label);
                    if one {
                        assert_eq!(p.samples(), 1, "{}", p.label);
                    }
                }
            }
        }
    }

    #[test]
    fn the_suite_is_seeded() {
        let a = suite(Kind::Binary, false, 7);
        assert_eq!(a, suite(Kind::Binary, false, 7));
        assert_ne!(a, suite(Kind::Binary, false, 8));
    }

    #[test]
    fn reference_reproduces_the_published_cost() -> Result<(), xent_core::Error> {
        let p = &suite(Kind::Binary, false, 1)[0];
        let r = reference(Kind::Binary, p, Quantity::Loss, LogBase::E)?;
        assert_eq!(format!("{:.8}", r.value), "0.09864328");
        let s = reference(Kind::Binary, p, Quantity::LogLikelihood, LogBase::E)?;
        assert_eq!(format!("{:.8}", s.value), "-0.78914626");
        Ok(())
    }
}
