//! Validated cross-entropy problems: every constructor checks its inputs once, so every
//! formulation can assume shapes agree, entries are finite and probabilities are in [0, 1].

use nalgebra::DMatrix;

use crate::error::{Error, Operand, Result, Shape};
use crate::math::{ln_one_minus, ln_one_minus_sigmoid, ln_sigmoid, logsumexp, masked};
use crate::tolerance;

/// What the predictions of a problem hold.
#[derive(Debug, Clone, PartialEq)]
pub enum Predictions {
    /// Probabilities in [0, 1] (`A` for binary, `Q` with unit column sums for categorical).
    Probabilities(DMatrix<f64>),
    /// Finite logits: `A = σ(z)` for binary, `Q = softmax(z)` per column for categorical.
    Logits(DMatrix<f64>),
}

impl Predictions {
    /// The matrix, whichever it holds.
    pub fn matrix(&self) -> &DMatrix<f64> {
        match self {
            Predictions::Probabilities(m) | Predictions::Logits(m) => m,
        }
    }

    /// Whether the matrix holds logits.
    pub fn is_logits(&self) -> bool {
        matches!(self, Predictions::Logits(_))
    }

    pub(crate) fn operand(&self) -> Operand {
        match self {
            Predictions::Probabilities(_) => Operand::Predictions,
            Predictions::Logits(_) => Operand::Logits,
        }
    }
}

/// Binary cross-entropy: predictions `A` (or logits `z`) and labels `Y`, both `n_y × m`,
/// columns are samples, labels in [0, 1] (soft labels allowed).
///
/// `J = −(1/m) Σ_ij [Y_ij ln A_ij + (1 − Y_ij) ln(1 − A_ij)]`.
#[derive(Debug, Clone, PartialEq)]
pub struct BinaryProblem {
    predictions: Predictions,
    labels: DMatrix<f64>,
    log_floor: Option<f64>,
}

/// The masked log terms of a binary problem: the loss is `−(1/m)` times
/// `Σ (Y ∘ ln_a) + Σ (one_minus_y ∘ ln_one_minus_a)`, however each formulation reduces it.
#[derive(Debug, Clone)]
pub struct BinaryTerms<'p> {
    /// The labels `Y`.
    pub y: &'p DMatrix<f64>,
    /// `1 − Y`, the weights of the negative class.
    pub one_minus_y: DMatrix<f64>,
    /// `ln A`, 0 where `Y = 0`; `−∞` where `A = 0` under a positive label.
    pub ln_a: DMatrix<f64>,
    /// `ln(1 − A)` as `ln_1p(−A)`, 0 where `1 − Y = 0`; `−∞` where `A = 1` under `Y < 1`.
    pub ln_one_minus_a: DMatrix<f64>,
}

impl BinaryProblem {
    /// A problem from probabilities `A` and labels `Y`.
    ///
    /// ```
    /// use nalgebra::DMatrix;
    /// use xent_core::BinaryProblem;
    /// let a = DMatrix::from_row_slice(1, 2, &[0.9, 0.2]);
    /// let y = DMatrix::from_row_slice(1, 2, &[1.0, 0.0]);
    /// let problem = BinaryProblem::new(a, y)?;
    /// assert_eq!((problem.outputs(), problem.samples()), (1, 2));
    /// # Ok::<(), xent_core::Error>(())
    /// ```
    pub fn new(predictions: DMatrix<f64>, labels: DMatrix<f64>) -> Result<Self> {
        Self::validated(Predictions::Probabilities(predictions), labels)
    }

    /// A problem from logits `z` (`A = σ(z)`) and labels `Y`; any finite logit is allowed and
    /// evaluated without overflow. Infinite logits are rejected as [`Error::NonFinite`].
    pub fn from_logits(logits: DMatrix<f64>, labels: DMatrix<f64>) -> Result<Self> {
        Self::validated(Predictions::Logits(logits), labels)
    }

    fn validated(predictions: Predictions, labels: DMatrix<f64>) -> Result<Self> {
        let pred = predictions.matrix();
        check_not_empty(predictions.operand(), pred)?;
        check_not_empty(Operand::Labels, &labels)?;
        check_same_shape(predictions.operand(), pred, Operand::Labels, &labels)?;
        check_probabilities(Operand::Labels, &labels)?;
        match &predictions {
            Predictions::Probabilities(a) => check_probabilities(Operand::Predictions, a)?,
            Predictions::Logits(z) => check_finite(Operand::Logits, z)?,
        }
        Ok(BinaryProblem {
            predictions,
            labels,
            log_floor: None,
        })
    }

    /// The predictions, probabilities or logits.
    pub fn predictions(&self) -> &Predictions {
        &self.predictions
    }

    /// The labels `Y`.
    pub fn labels(&self) -> &DMatrix<f64> {
        &self.labels
    }

    /// Number of outputs `n_y` (rows).
    pub fn outputs(&self) -> usize {
        self.labels.nrows()
    }

    /// Number of samples `m` (columns).
    pub fn samples(&self) -> usize {
        self.labels.ncols()
    }

    /// The shape `(n_y, m)`.
    pub fn shape(&self) -> Shape {
        Shape::of(&self.labels)
    }

    /// Whether every label is exactly 0 or 1.
    pub fn has_hard_labels(&self) -> bool {
        self.labels.iter().all(|&y| y == 0.0 || y == 1.0)
    }

    /// The same problem with every logarithm clamped at `floor` (`ln a ↦ max(ln a, floor)`,
    /// before masking): PyTorch's `binary_cross_entropy` clamps at `−100`, so a confident
    /// wrong prediction costs exactly 100. Every formulation honours it, because it is
    /// applied in [`Self::log_terms`] and [`Self::weighted_logs`]; [`crate::ErrorBound`]
    /// stays valid, as clamping only shrinks magnitudes.
    pub fn with_log_floor(mut self, floor: f64) -> Self {
        self.log_floor = Some(floor);
        self
    }

    /// The clamp on every logarithm, if any (see [`Self::with_log_floor`]).
    pub fn log_floor(&self) -> Option<f64> {
        self.log_floor
    }

    /// `ln a` and `ln(1 − a)` of one entry (stable from logits), clamped at the floor if
    /// there is one, before masking.
    #[inline]
    fn logs(&self, i: usize) -> (f64, f64) {
        let (la, l1a) = self.raw_logs(i);
        match self.log_floor {
            None => (la, l1a),
            Some(floor) => (la.max(floor), l1a.max(floor)),
        }
    }

    /// `ln a` and `ln(1 − a)` of one entry (stable from logits), unclamped, unmasked.
    #[inline]
    pub(crate) fn raw_logs(&self, i: usize) -> (f64, f64) {
        match &self.predictions {
            Predictions::Probabilities(a) => (a[i].ln(), ln_one_minus(a[i])),
            Predictions::Logits(z) => (ln_sigmoid(z[i]), ln_one_minus_sigmoid(z[i])),
        }
    }

    /// Every term `(weight, masked ln)` of the sum, entry by entry in column-major order:
    /// `(y, ln a)` then `(1 − y, ln(1 − a))`; the same values as [`Self::log_terms`]
    /// without materialising them (what a bound or a streaming pass needs).
    pub fn weighted_logs(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        self.labels.iter().enumerate().flat_map(move |(i, &y)| {
            let (la, l1a) = self.logs(i);
            let w = 1.0 - y;
            [(y, masked(y, la)), (w, masked(w, l1a))]
        })
    }

    /// The masked log terms every formulation reduces.
    pub fn log_terms(&self) -> BinaryTerms<'_> {
        let (r, c) = self.labels.shape();
        let y = &self.labels;
        let one_minus_y = y.map(|v| 1.0 - v);
        let mut ln_a = DMatrix::zeros(r, c);
        let mut ln_one_minus_a = DMatrix::zeros(r, c);
        for i in 0..r * c {
            let (la, l1a) = self.logs(i);
            ln_a[i] = masked(y[i], la);
            ln_one_minus_a[i] = masked(one_minus_y[i], l1a);
        }
        BinaryTerms {
            y,
            one_minus_y,
            ln_a,
            ln_one_minus_a,
        }
    }
}

/// Categorical cross-entropy: predicted distributions `Q` (or logits, one column of logits
/// per sample) and targets `P`, both `k × m`; every column is a sample and sums to 1.
///
/// `J = −(1/m) Σ_ij P_ij ln Q_ij`.
#[derive(Debug, Clone, PartialEq)]
pub struct CategoricalProblem {
    predictions: Predictions,
    targets: DMatrix<f64>,
    classes: Option<Vec<usize>>,
}

/// The masked log terms of a categorical problem: the loss is `−(1/m) Σ (p ∘ ln_q)`.
#[derive(Debug, Clone)]
pub struct CategoricalTerms<'p> {
    /// The targets `P`.
    pub p: &'p DMatrix<f64>,
    /// `ln Q` (`z − logsumexp(z)` per column from logits), 0 where `P = 0`.
    pub ln_q: DMatrix<f64>,
}

impl CategoricalProblem {
    /// A problem from distributions `Q` and targets `P` (one-hot or soft).
    ///
    /// Every column of both must sum to 1 within [`tolerance::column_sum`]; nothing is
    /// renormalised.
    pub fn new(predictions: DMatrix<f64>, targets: DMatrix<f64>) -> Result<Self> {
        Self::validated(Predictions::Probabilities(predictions), targets, None)
    }

    /// Like [`Self::validated`], but the column sums of the predictions (`pred_sums`) and
    /// of the targets (`target_sums`) are checked only when asked: the conventions that
    /// rescale columns, or (scikit-learn) only warn about them, skip them.
    pub(crate) fn validated_sums(
        predictions: Predictions,
        targets: DMatrix<f64>,
        classes: Option<Vec<usize>>,
        pred_sums: bool,
        target_sums: bool,
    ) -> Result<Self> {
        let pred = predictions.matrix();
        check_not_empty(predictions.operand(), pred)?;
        check_not_empty(Operand::Targets, &targets)?;
        check_same_shape(predictions.operand(), pred, Operand::Targets, &targets)?;
        check_probabilities(Operand::Targets, &targets)?;
        if target_sums {
            check_column_sums(Operand::Targets, &targets)?;
        }
        match &predictions {
            Predictions::Probabilities(q) => {
                check_probabilities(Operand::Predictions, q)?;
                if pred_sums {
                    check_column_sums(Operand::Predictions, q)?;
                }
            }
            Predictions::Logits(z) => check_finite(Operand::Logits, z)?,
        }
        Ok(CategoricalProblem {
            predictions,
            targets,
            classes,
        })
    }

    /// A problem from distributions `Q` and one class index per sample.
    ///
    /// ```
    /// use nalgebra::DMatrix;
    /// use xent_core::CategoricalProblem;
    /// let q = DMatrix::from_column_slice(3, 1, &[0.228, 0.619, 0.153]);
    /// let problem = CategoricalProblem::with_classes(q, &[1])?;
    /// assert_eq!(problem.targets().as_slice(), &[0.0, 1.0, 0.0]);
    /// # Ok::<(), xent_core::Error>(())
    /// ```
    pub fn with_classes(predictions: DMatrix<f64>, classes: &[usize]) -> Result<Self> {
        let targets = one_hot(predictions.nrows(), predictions.ncols(), classes)?;
        Self::validated(
            Predictions::Probabilities(predictions),
            targets,
            Some(classes.to_vec()),
        )
    }

    /// A problem from logits (one column per sample, `Q = softmax(z)` per column) and targets.
    /// Any finite logit is allowed; infinite logits are rejected as [`Error::NonFinite`].
    pub fn from_logits(logits: DMatrix<f64>, targets: DMatrix<f64>) -> Result<Self> {
        Self::validated(Predictions::Logits(logits), targets, None)
    }

    /// A problem from logits and one class index per sample.
    pub fn from_logits_with_classes(logits: DMatrix<f64>, classes: &[usize]) -> Result<Self> {
        let targets = one_hot(logits.nrows(), logits.ncols(), classes)?;
        Self::validated(Predictions::Logits(logits), targets, Some(classes.to_vec()))
    }

    fn validated(
        predictions: Predictions,
        targets: DMatrix<f64>,
        classes: Option<Vec<usize>>,
    ) -> Result<Self> {
        Self::validated_sums(predictions, targets, classes, true, true)
    }

    /// The predictions, probabilities or logits.
    pub fn predictions(&self) -> &Predictions {
        &self.predictions
    }

    /// The targets `P` (one-hot when built from class indices).
    pub fn targets(&self) -> &DMatrix<f64> {
        &self.targets
    }

    /// The class indices, when the problem was built from them.
    pub fn classes(&self) -> Option<&[usize]> {
        self.classes.as_deref()
    }

    /// Number of classes `k` (rows).
    pub fn classes_count(&self) -> usize {
        self.targets.nrows()
    }

    /// Number of samples `m` (columns).
    pub fn samples(&self) -> usize {
        self.targets.ncols()
    }

    /// The shape `(k, m)`.
    pub fn shape(&self) -> Shape {
        Shape::of(&self.targets)
    }

    /// The masked log terms every formulation reduces.
    pub fn log_terms(&self) -> CategoricalTerms<'_> {
        let p = &self.targets;
        let mut ln_q = DMatrix::zeros(p.nrows(), p.ncols());
        for (j, mut column) in ln_q.column_iter_mut().enumerate() {
            for (out, (_, l)) in column.iter_mut().zip(self.weighted_logs(j)) {
                *out = l;
            }
        }
        CategoricalTerms { p, ln_q }
    }

    /// The terms `(p, masked ln q)` of sample `j`, class by class: the values of column `j`
    /// of [`Self::log_terms`] without materialising the matrix (one `logsumexp` per column
    /// from logits).
    pub fn weighted_logs(&self, j: usize) -> impl Iterator<Item = (f64, f64)> + '_ {
        let p = self.targets.column(j);
        let (predictions, shift) = match &self.predictions {
            Predictions::Probabilities(q) => (q.column(j), None),
            Predictions::Logits(z) => (z.column(j), Some(logsumexp(z.column(j).as_slice()))),
        };
        p.into_iter().zip(predictions).map(move |(&w, &x)| {
            let l = match shift {
                None => x.ln(),
                Some(lse) => x - lse,
            };
            (w, masked(w, l))
        })
    }
}

/// One-hot targets `k × m` from one class index per sample.
pub fn one_hot(k: usize, m: usize, classes: &[usize]) -> Result<DMatrix<f64>> {
    if classes.len() != m {
        return Err(Error::ClassCount {
            classes: classes.len(),
            samples: m,
        });
    }
    let mut p = DMatrix::zeros(k, m);
    for (sample, &index) in classes.iter().enumerate() {
        if index >= k {
            return Err(Error::ClassIndex {
                sample,
                index,
                classes: k,
            });
        }
        p[(index, sample)] = 1.0;
    }
    Ok(p)
}

fn check_not_empty(which: Operand, m: &DMatrix<f64>) -> Result<()> {
    if m.is_empty() {
        return Err(Error::Empty {
            which,
            shape: Shape::of(m),
        });
    }
    Ok(())
}

fn check_same_shape(
    left: Operand,
    l: &DMatrix<f64>,
    right: Operand,
    r: &DMatrix<f64>,
) -> Result<()> {
    if l.shape() != r.shape() {
        return Err(Error::ShapeMismatch {
            left,
            left_shape: Shape::of(l),
            right,
            right_shape: Shape::of(r),
        });
    }
    Ok(())
}

/// Position `[row, col]` of the first entry (in memory order) failing `bad`.
fn first(m: &DMatrix<f64>, bad: impl Fn(f64) -> bool) -> Option<(usize, usize, f64)> {
    let rows = m.nrows();
    m.iter()
        .position(|&v| bad(v))
        .map(|i| (i % rows, i / rows, m[i]))
}

fn check_finite(which: Operand, m: &DMatrix<f64>) -> Result<()> {
    match first(m, |v| !v.is_finite()) {
        Some((row, col, value)) => Err(Error::NonFinite {
            which,
            row,
            col,
            value,
        }),
        None => Ok(()),
    }
}

fn check_probabilities(which: Operand, m: &DMatrix<f64>) -> Result<()> {
    check_finite(which, m)?;
    match first(m, |v| !(0.0..=1.0).contains(&v)) {
        Some((row, col, value)) => Err(Error::OutOfRange {
            which,
            row,
            col,
            value,
        }),
        None => Ok(()),
    }
}

fn check_column_sums(which: Operand, m: &DMatrix<f64>) -> Result<()> {
    let tolerance = tolerance::column_sum(m.nrows());
    for (col, c) in m.column_iter().enumerate() {
        let sum: f64 = c.iter().sum();
        if (sum - 1.0).abs() > tolerance {
            return Err(Error::ColumnSum {
                which,
                col,
                sum,
                tolerance,
            });
        }
    }
    Ok(())
}
