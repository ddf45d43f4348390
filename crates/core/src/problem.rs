//! Validated cross-entropy problems over **borrowed** arrays: every constructor checks its
//! inputs once and copies nothing, so every formulation can assume shapes agree, entries
//! are finite (logits may also be `−∞`, probability 0) and probabilities are in [0, 1].
//!
//! A problem holds [`Array`]s: the caller's `f32` or `f64` predictions (probabilities or
//! logits), labels as floats or, for hard labels, integers or bools, class indices as
//! indices, each in the caller's memory order. [`Problem`] is either kind; an
//! [`Unvalidated`] problem has had its shapes checked only, for kernels that validate
//! entries in the same pass as they compute (`xent-fused`'s checked path), with the very
//! errors [`Unvalidated::validate`] returns.

use nalgebra::DMatrix;

use crate::array::{Array, Element};
use crate::error::{Error, Operand, Result, Shape};
use crate::formulation::{Evaluation, Formulation, Kind, times_pow2};
use crate::math::{ln_one_minus, ln_one_minus_sigmoid, ln_sigmoid, logsumexp_scaled, masked};
use crate::tolerance::{self, ErrorBound};
use crate::weights::{Weights, compensated_sum};
use crate::with_view;

/// What the predictions of a problem hold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Predictions<'a> {
    /// Probabilities in [0, 1] (`A` for binary, `Q` with unit column sums for categorical).
    Probabilities(Array<'a>),
    /// Logits: `A = σ(z)` for binary, `Q = softmax(z)` per column for categorical.
    Logits(Array<'a>),
}

impl<'a> Predictions<'a> {
    /// The array, whichever it holds.
    pub fn array(&self) -> Array<'a> {
        match *self {
            Predictions::Probabilities(a) | Predictions::Logits(a) => a,
        }
    }

    /// Whether the array holds logits.
    pub fn is_logits(&self) -> bool {
        matches!(self, Predictions::Logits(_))
    }

    /// The operand errors name: `pred` or `logits`.
    pub fn operand(&self) -> Operand {
        match self {
            Predictions::Probabilities(_) => Operand::Predictions,
            Predictions::Logits(_) => Operand::Logits,
        }
    }

    fn new(array: Array<'a>, logits: bool) -> Self {
        if logits {
            Predictions::Logits(array)
        } else {
            Predictions::Probabilities(array)
        }
    }
}

/// The targets of a categorical problem.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Targets<'a> {
    /// Distributions `P`, `k × m` (one-hot or soft), each column summing to 1.
    Dense(Array<'a>),
    /// One class index per sample: a `1 × m` array of whole numbers below `k`.
    Classes(Array<'a>),
}

impl<'a> Targets<'a> {
    /// Class indices from any 1-D array (`m` entries, in order).
    pub fn classes<T: Element>(indices: &'a [T]) -> Self {
        Targets::Classes(crate::array::View::vector(indices).array())
    }
}

/// Binary cross-entropy: predictions `A` (or logits `z`) and labels `Y`, both `n_y × m`,
/// columns are samples, labels in [0, 1] (soft labels allowed).
///
/// `J = −(1/m) Σ_ij [Y_ij ln A_ij + (1 − Y_ij) ln(1 − A_ij)]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BinaryProblem<'a> {
    predictions: Predictions<'a>,
    labels: Array<'a>,
    log_floor: Option<f64>,
    weights: &'a Weights<'a>,
}

/// The masked log terms of a binary problem, materialised as numpy materialises them: the
/// loss is `−(1/m)` times `Σ (y ∘ ln_a) + Σ (one_minus_y ∘ ln_one_minus_a)`.
#[derive(Debug, Clone)]
pub struct BinaryTerms {
    /// The labels `Y` (with weights: `v_j·p_i·Y_ij`, the weights of `ln A`).
    pub y: DMatrix<f64>,
    /// `1 − Y`, the weights of the negative class (with weights: `v_j·(1 − Y_ij)`).
    pub one_minus_y: DMatrix<f64>,
    /// `ln A`, 0 where `Y = 0`; `−∞` where `A = 0` under a positive label.
    pub ln_a: DMatrix<f64>,
    /// `ln(1 − A)` as `ln_1p(−A)`, 0 where `1 − Y = 0`; `−∞` where `A = 1` under `Y < 1`.
    pub ln_one_minus_a: DMatrix<f64>,
}

impl<'a> BinaryProblem<'a> {
    /// A problem from probabilities `A` and labels `Y`, borrowed.
    ///
    /// ```
    /// use nalgebra::DMatrix;
    /// use xent_core::BinaryProblem;
    /// let a = DMatrix::from_row_slice(1, 2, &[0.9f32, 0.2]);
    /// let y = DMatrix::from_row_slice(1, 2, &[true, false]);
    /// let problem = BinaryProblem::new(&a, &y)?;
    /// assert_eq!((problem.outputs(), problem.samples()), (1, 2));
    /// # Ok::<(), xent_core::Error>(())
    /// ```
    pub fn new(predictions: impl Into<Array<'a>>, labels: impl Into<Array<'a>>) -> Result<Self> {
        Unvalidated::binary(predictions.into(), labels.into(), false)?.validate_binary()
    }

    /// A problem from logits `z` (`A = σ(z)`) and labels `Y`; any finite logit is allowed and
    /// evaluated without overflow, and `−∞` is `a = 0` (the libraries' masking idiom: a
    /// positive label on it costs `+∞`, label 0 nothing). `NaN` and `+∞` are rejected as
    /// [`Error::NonFinite`].
    pub fn from_logits(logits: impl Into<Array<'a>>, labels: impl Into<Array<'a>>) -> Result<Self> {
        Unvalidated::binary(logits.into(), labels.into(), true)?.validate_binary()
    }

    /// Validated from raw arrays (what the conventions start from).
    pub(crate) fn validated(
        predictions: Array<'a>,
        labels: Array<'a>,
        logits: bool,
    ) -> Result<Self> {
        Unvalidated::binary(predictions, labels, logits)?.validate_binary()
    }

    /// Built from arrays already validated (a convention's transformed copies).
    pub(crate) fn trusted(predictions: Array<'a>, labels: Array<'a>, logits: bool) -> Self {
        BinaryProblem {
            predictions: Predictions::new(predictions, logits),
            labels,
            log_floor: None,
            weights: &Weights::NONE,
        }
    }

    /// The predictions, probabilities or logits.
    pub fn predictions(&self) -> Predictions<'a> {
        self.predictions
    }

    /// The labels `Y`.
    pub fn labels(&self) -> Array<'a> {
        self.labels
    }

    /// Number of outputs `n_y` (rows).
    pub fn outputs(&self) -> usize {
        self.labels.rows()
    }

    /// Number of samples `m` (columns).
    pub fn samples(&self) -> usize {
        self.labels.cols()
    }

    /// The shape `(n_y, m)`.
    pub fn shape(&self) -> Shape {
        self.labels.shape()
    }

    /// Whether every label is exactly 0 or 1.
    pub fn has_hard_labels(&self) -> bool {
        self.labels.find_f64(|y| y == 0.0 || y == 1.0).is_none()
    }

    /// The same problem with every logarithm clamped at `floor` (`ln a ↦ max(ln a, floor)`,
    /// before masking): PyTorch's `binary_cross_entropy` clamps at `−100`, so a confident
    /// wrong prediction costs exactly 100. Every formulation honours it, because it is
    /// applied in [`Self::log_terms`] and [`Self::weighted_logs`]; [`ErrorBound`] stays
    /// valid, as clamping only shrinks magnitudes.
    pub fn with_log_floor(mut self, floor: f64) -> Self {
        self.log_floor = Some(floor);
        self
    }

    /// The clamp on every logarithm, if any (see [`Self::with_log_floor`]).
    pub fn log_floor(&self) -> Option<f64> {
        self.log_floor
    }

    /// The same problem with `weights` (per-sample weights, positive-class weights, a mask;
    /// see [`crate::weights`]), validated: lengths, then entries ([`Error::WeightCount`],
    /// [`Error::BadWeight`]); class weights and an ignored index are
    /// [`Error::WeightNotApplicable`]. The inputs are not checked again.
    ///
    /// ```
    /// use xent_core::{BinaryProblem, Weights, View};
    /// let (a, y) = ([0.9, 0.2, 0.6], [1u8, 0, 1]);
    /// let w = [2.0, 1.0, 0.0];
    /// let weights = Weights::samples(&w);
    /// let problem = BinaryProblem::new(View::vector(&a), View::vector(&y))?
    ///     .with_weights(&weights)?;
    /// assert_eq!(problem.weight_total(), 3.0);
    /// # Ok::<(), xent_core::Error>(())
    /// ```
    pub fn with_weights(self, weights: &'a Weights<'a>) -> Result<Self> {
        match Unvalidated::weighted(self.into(), weights)? {
            Problem::Binary(p) => Ok(p),
            Problem::Categorical(_) => Err(Error::KindMismatch {
                expected: Kind::Binary,
            }),
        }
    }

    /// Its weights (all absent unless [`Self::with_weights`] gave some).
    pub fn weights(&self) -> &'a Weights<'a> {
        self.weights
    }

    /// The effective weight `v_j = w_j·μ_j` of sample `j` (1 without weights).
    #[inline]
    pub fn sample_weight(&self, j: usize) -> f64 {
        self.weights.sample_factor(j)
    }

    /// The exact convention's divisor `W = Σ_j v_j`: `m` without weights (see
    /// [`crate::weights`]), a compensated sum in sample order otherwise.
    pub fn weight_total(&self) -> f64 {
        if self.weights.sample.is_none() && self.weights.mask.is_none() {
            return self.samples() as f64;
        }
        compensated_sum((0..self.samples()).map(|j| self.sample_weight(j)))
    }

    /// The weights of `ln a` and `ln(1 − a)` in entry `[r, c]`: `v_c·p_r·y` and `v_c·(1 − y)`
    /// (`y` and `1 − y` without weights).
    #[inline]
    fn term_weights(&self, r: usize, c: usize, y: f64) -> (f64, f64) {
        if !self.weights.any() {
            return (y, 1.0 - y);
        }
        let v = self.sample_weight(c);
        (v * (self.weights.positive_weight(r) * y), v * (1.0 - y))
    }

    /// `ln a` and `ln(1 − a)` of entry `[r, c]` (stable from logits), clamped at the floor if
    /// there is one, before masking, divided by `2^scale`.
    #[inline]
    fn logs(&self, r: usize, c: usize, scale: i32) -> (f64, f64) {
        let (la, l1a) = self.raw_logs(r, c);
        let (la, l1a) = match self.log_floor {
            None => (la, l1a),
            Some(floor) => (la.max(floor), l1a.max(floor)),
        };
        (times_pow2(la, -scale), times_pow2(l1a, -scale))
    }

    /// `ln a` and `ln(1 − a)` of entry `[r, c]` (stable from logits), unclamped, unmasked.
    #[inline]
    pub(crate) fn raw_logs(&self, r: usize, c: usize) -> (f64, f64) {
        match self.predictions {
            Predictions::Probabilities(a) => {
                let a = a.get_f64(r, c);
                (a.ln(), ln_one_minus(a))
            }
            Predictions::Logits(z) => {
                let z = z.get_f64(r, c);
                (ln_sigmoid(z), ln_one_minus_sigmoid(z))
            }
        }
    }

    /// Every term `(weight, masked ln)` of the sum, entry by entry in column-major order of
    /// `(n_y, m)`: `(y, ln a)` then `(1 − y, ln(1 − a))`, each weight times the sample's
    /// `v_j` and the positive one times `p_i` when the problem has weights; the same values as
    /// [`Self::log_terms`] without materialising them (what a bound or a streaming pass
    /// needs).
    pub fn weighted_logs(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        self.weighted_logs_scaled(0)
    }

    /// [`Self::weighted_logs`] with every logarithm divided by `2^scale` (exact above
    /// `2^−958`): the terms of a sum that overflows at scale 0 (see
    /// [`crate::formulation::OVERFLOW_SCALE`]).
    pub fn weighted_logs_scaled(&self, scale: i32) -> impl Iterator<Item = (f64, f64)> + '_ {
        let (rows, cols) = (self.outputs(), self.samples());
        (0..cols).flat_map(move |c| {
            (0..rows).flat_map(move |r| {
                let (w1, w0) = self.term_weights(r, c, self.labels.get_f64(r, c));
                let (la, l1a) = self.logs(r, c, scale);
                [(w1, masked(w1, la)), (w0, masked(w0, l1a))]
            })
        })
    }

    /// The masked log terms every numpy-style formulation reduces, as `f64` matrices.
    pub fn log_terms(&self) -> BinaryTerms {
        self.log_terms_scaled(0)
    }

    /// [`Self::log_terms`] with every logarithm divided by `2^scale` (see
    /// [`Self::weighted_logs_scaled`]).
    pub fn log_terms_scaled(&self, scale: i32) -> BinaryTerms {
        let (r, c) = (self.outputs(), self.samples());
        let labels = self.labels.to_f64_matrix();
        let (y, one_minus_y) = if self.weights.any() {
            (
                DMatrix::from_fn(r, c, |i, j| self.term_weights(i, j, labels[(i, j)]).0),
                DMatrix::from_fn(r, c, |i, j| self.term_weights(i, j, labels[(i, j)]).1),
            )
        } else {
            let one_minus_y = labels.map(|v| 1.0 - v);
            (labels, one_minus_y)
        };
        let mut ln_a = DMatrix::zeros(r, c);
        let mut ln_one_minus_a = DMatrix::zeros(r, c);
        for j in 0..c {
            for i in 0..r {
                let (la, l1a) = self.logs(i, j, scale);
                ln_a[(i, j)] = masked(y[(i, j)], la);
                ln_one_minus_a[(i, j)] = masked(one_minus_y[(i, j)], l1a);
            }
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
/// per sample) and targets `P` (`k × m`, or one class index per sample); every column is a
/// sample and sums to 1.
///
/// `J = −(1/m) Σ_ij P_ij ln Q_ij`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CategoricalProblem<'a> {
    predictions: Predictions<'a>,
    targets: Targets<'a>,
    weights: &'a Weights<'a>,
}

/// The masked log terms of a categorical problem: the loss is `−(1/m) Σ (p ∘ ln_q)`.
#[derive(Debug, Clone)]
pub struct CategoricalTerms {
    /// The targets `P` (one-hot from class indices, as numpy code builds them; with weights
    /// `v_j·c_r·P_rj`, the weights of `ln Q`).
    pub p: DMatrix<f64>,
    /// `ln Q` (`z − logsumexp(z)` per column from logits), 0 where `P = 0`.
    pub ln_q: DMatrix<f64>,
}

impl<'a> CategoricalProblem<'a> {
    /// A problem from distributions `Q` and targets `P` (one-hot or soft), borrowed.
    ///
    /// Every column of both must sum to 1 within [`tolerance::column_sum`]; nothing is
    /// renormalised.
    pub fn new(predictions: impl Into<Array<'a>>, targets: impl Into<Array<'a>>) -> Result<Self> {
        Unvalidated::categorical(predictions.into(), Targets::Dense(targets.into()), false)?
            .validate_categorical(true, true)
    }

    /// A problem from distributions `Q` and one class index per sample, kept as indices.
    ///
    /// ```
    /// use nalgebra::DMatrix;
    /// use xent_core::CategoricalProblem;
    /// let q = DMatrix::from_column_slice(3, 1, &[0.228, 0.619, 0.153]);
    /// let problem = CategoricalProblem::with_classes(&q, &[1i64])?;
    /// assert_eq!(problem.class_of(0), Some(1));
    /// # Ok::<(), xent_core::Error>(())
    /// ```
    pub fn with_classes<T: Element>(
        predictions: impl Into<Array<'a>>,
        classes: &'a [T],
    ) -> Result<Self> {
        Unvalidated::categorical(predictions.into(), Targets::classes(classes), false)?
            .validate_categorical(true, true)
    }

    /// A problem from logits (one column per sample, `Q = softmax(z)` per column) and targets.
    /// Any finite logit is allowed, and `−∞` is a class of probability 0 (a positive target
    /// on it costs `+∞`); `NaN` and `+∞` are rejected as [`Error::NonFinite`], a column
    /// entirely `−∞` (no distribution) as [`Error::NoFiniteLogit`].
    pub fn from_logits(
        logits: impl Into<Array<'a>>,
        targets: impl Into<Array<'a>>,
    ) -> Result<Self> {
        Unvalidated::categorical(logits.into(), Targets::Dense(targets.into()), true)?
            .validate_categorical(true, true)
    }

    /// A problem from logits and one class index per sample.
    pub fn from_logits_with_classes<T: Element>(
        logits: impl Into<Array<'a>>,
        classes: &'a [T],
    ) -> Result<Self> {
        Unvalidated::categorical(logits.into(), Targets::classes(classes), true)?
            .validate_categorical(true, true)
    }

    /// Built from arrays already validated (a convention's transformed copies).
    pub(crate) fn trusted(predictions: Array<'a>, targets: Targets<'a>, logits: bool) -> Self {
        CategoricalProblem {
            predictions: Predictions::new(predictions, logits),
            targets,
            weights: &Weights::NONE,
        }
    }

    /// The predictions, probabilities or logits.
    pub fn predictions(&self) -> Predictions<'a> {
        self.predictions
    }

    /// The targets, as given.
    pub fn targets(&self) -> Targets<'a> {
        self.targets
    }

    /// The class index of sample `j`, when the targets are class indices.
    pub fn class_of(&self, j: usize) -> Option<usize> {
        match self.targets {
            Targets::Classes(c) => class_at(&c, j),
            Targets::Dense(_) => None,
        }
    }

    /// Target `P[r, c]` (1 or 0 from a class index).
    #[inline]
    pub fn target(&self, r: usize, c: usize) -> f64 {
        match self.targets {
            Targets::Dense(p) => p.get_f64(r, c),
            Targets::Classes(_) => f64::from(u8::from(self.class_of(c) == Some(r))),
        }
    }

    /// The weight of `ln Q[r, c]` in the sum: `v_c·c_r·P[r, c]` (`P[r, c]` without weights).
    #[inline]
    pub fn term_weight(&self, r: usize, c: usize) -> f64 {
        let p = self.target(r, c);
        if !self.weights.any() {
            return p;
        }
        self.sample_weight(c) * (self.weights.class_weight(r) * p)
    }

    /// The same problem with `weights` (per-sample and per-class weights, a mask, an
    /// ignored class index; see [`crate::weights`]), validated: lengths, then entries
    /// ([`Error::WeightCount`], [`Error::BadWeight`]); positive weights, and an ignored
    /// index without class indices, are [`Error::WeightNotApplicable`]. The inputs are not
    /// checked again: an ignored index among already validated classes `0..k` leaves out
    /// the samples of that class (to accept an index outside `0..k`, such as PyTorch's
    /// −100, give it to [`Unvalidated::with_weights`] before validating).
    pub fn with_weights(self, weights: &'a Weights<'a>) -> Result<Self> {
        match Unvalidated::weighted(self.into(), weights)? {
            Problem::Categorical(p) => Ok(p),
            Problem::Binary(_) => Err(Error::KindMismatch {
                expected: Kind::Categorical,
            }),
        }
    }

    /// Its weights (all absent unless given).
    pub fn weights(&self) -> &'a Weights<'a> {
        self.weights
    }

    /// Whether sample `j`'s class index is the ignored one.
    #[inline]
    pub fn is_ignored(&self, j: usize) -> bool {
        match (self.weights.ignore_index, self.targets) {
            (Some(ignored), Targets::Classes(c)) => c.get_f64(0, j) == ignored as f64,
            _ => false,
        }
    }

    /// The effective weight `v_j = w_j·μ_j·ι_j` of sample `j` (1 without weights).
    #[inline]
    pub fn sample_weight(&self, j: usize) -> f64 {
        if self.is_ignored(j) {
            0.0
        } else {
            self.weights.sample_factor(j)
        }
    }

    /// The class weight of sample `j`'s target, `c̄_j = Σ_r c_r·P_rj` (`c_{y_j}` for a class
    /// index; 1 without class weights).
    pub fn target_class_weight(&self, j: usize) -> f64 {
        if self.weights.class.is_none() {
            return 1.0;
        }
        match self.targets {
            Targets::Classes(_) => self
                .class_of(j)
                .filter(|&r| r < self.classes_count())
                .map_or(0.0, |r| self.weights.class_weight(r)),
            Targets::Dense(p) => compensated_sum(
                (0..self.classes_count()).map(|r| self.weights.class_weight(r) * p.get_f64(r, j)),
            ),
        }
    }

    /// The exact convention's divisor `W = Σ_j v_j·c̄_j`: `m` without weights (see
    /// [`crate::weights`]), a compensated sum in sample order otherwise.
    pub fn weight_total(&self) -> f64 {
        if !self.weights.any() {
            return self.samples() as f64;
        }
        compensated_sum((0..self.samples()).map(|j| {
            let v = self.sample_weight(j);
            if v == 0.0 {
                0.0
            } else {
                v * self.target_class_weight(j)
            }
        }))
    }

    /// Number of classes `k` (rows).
    pub fn classes_count(&self) -> usize {
        self.predictions.array().rows()
    }

    /// Number of samples `m` (columns).
    pub fn samples(&self) -> usize {
        self.predictions.array().cols()
    }

    /// The shape `(k, m)`.
    pub fn shape(&self) -> Shape {
        self.predictions.array().shape()
    }

    /// The masked log terms every numpy-style formulation reduces, as `f64` matrices.
    pub fn log_terms(&self) -> CategoricalTerms {
        self.log_terms_scaled(0)
    }

    /// [`Self::log_terms`] with every logarithm divided by `2^scale` (see
    /// [`Self::weighted_logs_scaled`]).
    pub fn log_terms_scaled(&self, scale: i32) -> CategoricalTerms {
        let (k, m) = (self.classes_count(), self.samples());
        let p = DMatrix::from_fn(k, m, |r, c| self.term_weight(r, c));
        let mut ln_q = DMatrix::zeros(k, m);
        for (j, mut column) in ln_q.column_iter_mut().enumerate() {
            for (out, (_, l)) in column.iter_mut().zip(self.weighted_logs_scaled(j, scale)) {
                *out = l;
            }
        }
        CategoricalTerms { p, ln_q }
    }

    /// The terms `(p, masked ln q)` of sample `j`, class by class: the values of column `j`
    /// of [`Self::log_terms`] without materialising the matrix (one `logsumexp` per column
    /// from logits).
    pub fn weighted_logs(&self, j: usize) -> impl Iterator<Item = (f64, f64)> + '_ {
        self.weighted_logs_scaled(j, 0)
    }

    /// [`Self::weighted_logs`] with every logarithm divided by `2^scale`: from logits
    /// `z·2^−scale − lse·2^−scale` ([`crate::math::logsumexp_scaled`]), which does not
    /// overflow where `z − lse` does (`z = −10^308` under `lse = 10^308`); at scale 0 the
    /// bits of the plain form.
    pub fn weighted_logs_scaled(
        &self,
        j: usize,
        scale: i32,
    ) -> impl Iterator<Item = (f64, f64)> + '_ {
        let k = self.classes_count();
        let pred = self.predictions.array();
        let shift = match self.predictions {
            Predictions::Probabilities(_) => None,
            Predictions::Logits(z) => {
                let column: Vec<f64> = (0..k).map(|r| z.get_f64(r, j)).collect();
                Some(logsumexp_scaled(&column, scale))
            }
        };
        (0..k).map(move |r| {
            let (w, x) = (self.term_weight(r, j), pred.get_f64(r, j));
            let l = match shift {
                None => times_pow2(x.ln(), -scale),
                Some(lse) => times_pow2(x, -scale) - lse,
            };
            (w, masked(w, l))
        })
    }
}

fn class_at(classes: &Array<'_>, j: usize) -> Option<usize> {
    with_view!(classes, v => v.get(0, j).to_index()).and_then(|i| usize::try_from(i).ok())
}

/// A validated problem of either kind: what every formulation, the verifier, the
/// expression checker and the command evaluate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Problem<'a> {
    /// Binary cross-entropy.
    Binary(BinaryProblem<'a>),
    /// Categorical cross-entropy.
    Categorical(CategoricalProblem<'a>),
}

impl<'a> Problem<'a> {
    /// Which kind it is.
    pub fn kind(&self) -> Kind {
        match self {
            Problem::Binary(_) => Kind::Binary,
            Problem::Categorical(_) => Kind::Categorical,
        }
    }

    /// Number of samples `m`.
    pub fn samples(&self) -> usize {
        match self {
            Problem::Binary(p) => p.samples(),
            Problem::Categorical(p) => p.samples(),
        }
    }

    /// Number of outputs `n_y` (binary) or classes `k` (categorical).
    pub fn outputs(&self) -> usize {
        self.shape().rows
    }

    /// The shape `(n_y, m)` or `(k, m)`.
    pub fn shape(&self) -> Shape {
        match self {
            Problem::Binary(p) => p.shape(),
            Problem::Categorical(p) => p.shape(),
        }
    }

    /// The predictions.
    pub fn predictions(&self) -> Predictions<'a> {
        match self {
            Problem::Binary(p) => p.predictions(),
            Problem::Categorical(p) => p.predictions(),
        }
    }

    /// Whether the predictions are logits.
    pub fn from_logits(&self) -> bool {
        self.predictions().is_logits()
    }

    /// Evaluates it with `formulation`.
    pub fn evaluate(&self, formulation: &dyn Formulation) -> Evaluation {
        match self {
            Problem::Binary(p) => formulation.binary(p),
            Problem::Categorical(p) => formulation.categorical(p),
        }
    }

    /// Its weights (see [`crate::weights`]).
    pub fn weights(&self) -> &'a Weights<'a> {
        match self {
            Problem::Binary(p) => p.weights(),
            Problem::Categorical(p) => p.weights(),
        }
    }

    /// The same problem with `weights` attached unchecked: a convention's effective weights,
    /// which it validated when it built the problem.
    pub(crate) fn weighted_unchecked<'b>(self, weights: &'b Weights<'b>) -> Problem<'b>
    where
        'a: 'b,
    {
        match self {
            Problem::Binary(p) => {
                let mut p: BinaryProblem<'b> = p;
                p.weights = weights;
                Problem::Binary(p)
            }
            Problem::Categorical(p) => {
                let mut p: CategoricalProblem<'b> = p;
                p.weights = weights;
                Problem::Categorical(p)
            }
        }
    }

    /// Whether it has any weight, mask or ignored index.
    pub fn is_weighted(&self) -> bool {
        self.weights().any()
    }

    /// The effective weight `v_j` of sample `j` (1 without weights).
    pub fn sample_weight(&self, j: usize) -> f64 {
        match self {
            Problem::Binary(p) => p.sample_weight(j),
            Problem::Categorical(p) => p.sample_weight(j),
        }
    }

    /// The exact convention's divisor `W` (`m` without weights; see [`crate::weights`]).
    pub fn weight_total(&self) -> f64 {
        match self {
            Problem::Binary(p) => p.weight_total(),
            Problem::Categorical(p) => p.weight_total(),
        }
    }

    /// The a priori bound of the numpy-style reductions of its masked log terms (see
    /// [`ErrorBound`]).
    pub fn error_bound(&self) -> ErrorBound {
        match self {
            Problem::Binary(p) => ErrorBound::binary(p),
            Problem::Categorical(p) => ErrorBound::categorical(p),
        }
    }
}

impl<'a> From<BinaryProblem<'a>> for Problem<'a> {
    fn from(p: BinaryProblem<'a>) -> Self {
        Problem::Binary(p)
    }
}

impl<'a> From<CategoricalProblem<'a>> for Problem<'a> {
    fn from(p: CategoricalProblem<'a>) -> Self {
        Problem::Categorical(p)
    }
}

/// A problem whose shapes have been checked but not its entries. [`Self::validate`] checks
/// them (the one body of validation: each check over a whole input, the first offending
/// entry in memory order of the first check that fails); a kernel that validates in the
/// same pass as it computes reads the inputs through [`Self::unchecked`] and must report
/// exactly the error `validate` would.
///
/// The order of the checks: (class indices) one per sample, each a whole number below `k`
/// (or the ignored index);
/// the labels or targets finite, then in [0, 1], then (dense targets) every column summing
/// to 1; the predictions finite, then (probabilities) in [0, 1] and (categorical) every
/// column summing to 1, or (logits) neither `NaN` nor `+∞` (`−∞` is probability 0), then
/// (categorical logits) no column entirely `−∞`; last the weights, if any (sample, class,
/// positive weights finite and non-negative, the mask 0 or 1: see [`Weights`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Unvalidated<'a>(Problem<'a>);

impl<'a> Unvalidated<'a> {
    /// A binary problem with its shapes checked: neither input empty, both the same shape.
    pub fn binary(predictions: Array<'a>, labels: Array<'a>, logits: bool) -> Result<Self> {
        let predictions = Predictions::new(predictions, logits);
        check_not_empty(predictions.operand(), &predictions.array())?;
        check_not_empty(Operand::Labels, &labels)?;
        check_same_shape(
            predictions.operand(),
            &predictions.array(),
            Operand::Labels,
            &labels,
        )?;
        Ok(Unvalidated(Problem::Binary(BinaryProblem {
            predictions,
            labels,
            log_floor: None,
            weights: &Weights::NONE,
        })))
    }

    /// A categorical problem with its shapes checked: one class index per sample, or dense
    /// targets of the predictions' shape; nothing empty.
    pub fn categorical(predictions: Array<'a>, targets: Targets<'a>, logits: bool) -> Result<Self> {
        let predictions = Predictions::new(predictions, logits);
        let pred = predictions.array();
        // Class indices are one per sample: a row or a column of them reads as the row.
        let targets = match targets {
            Targets::Classes(c) => Targets::Classes(c.as_vector().ok_or(Error::ClassCount {
                classes: c.len(),
                samples: pred.cols(),
            })?),
            dense => dense,
        };
        match targets {
            Targets::Classes(c) => {
                if c.len() != pred.cols() {
                    return Err(Error::ClassCount {
                        classes: c.len(),
                        samples: pred.cols(),
                    });
                }
                check_not_empty(predictions.operand(), &pred)?;
            }
            Targets::Dense(p) => {
                check_not_empty(predictions.operand(), &pred)?;
                check_not_empty(Operand::Targets, &p)?;
                check_same_shape(predictions.operand(), &pred, Operand::Targets, &p)?;
            }
        }
        Ok(Unvalidated(Problem::Categorical(CategoricalProblem {
            predictions,
            targets,
            weights: &Weights::NONE,
        })))
    }

    /// The problem, entries unchecked: for kernels that validate while they compute.
    pub fn unchecked(&self) -> &Problem<'a> {
        &self.0
    }

    /// The same problem with `weights`, their lengths checked (and that each applies to the
    /// kind), their entries left to [`Self::validate`], which checks them last. An ignored
    /// class index given here is accepted among the class indices whatever its value
    /// (PyTorch's default −100 included).
    pub fn with_weights(self, weights: &'a Weights<'a>) -> Result<Self> {
        match self.0 {
            Problem::Binary(mut p) => {
                weights.check_shapes(p.samples(), None, Some(p.outputs()), false)?;
                p.weights = weights;
                Ok(Unvalidated(Problem::Binary(p)))
            }
            Problem::Categorical(mut p) => {
                let classes = matches!(p.targets, Targets::Classes(_));
                weights.check_shapes(p.samples(), Some(p.classes_count()), None, classes)?;
                p.weights = weights;
                Ok(Unvalidated(Problem::Categorical(p)))
            }
        }
    }

    /// A validated problem with `weights`, their lengths and entries checked.
    fn weighted(problem: Problem<'a>, weights: &'a Weights<'a>) -> Result<Problem<'a>> {
        let weighted = Unvalidated(problem).with_weights(weights)?;
        weights.check_entries()?;
        Ok(weighted.0)
    }

    /// Checks every entry; the validated problem or the first error.
    pub fn validate(self) -> Result<Problem<'a>> {
        match self.0 {
            Problem::Binary(_) => self.validate_binary().map(Problem::Binary),
            Problem::Categorical(_) => self
                .validate_categorical(true, true)
                .map(Problem::Categorical),
        }
    }

    fn validate_binary(self) -> Result<BinaryProblem<'a>> {
        let Problem::Binary(p) = self.0 else {
            return Err(Error::KindMismatch {
                expected: Kind::Binary,
            });
        };
        check_probabilities(Operand::Labels, &p.labels)?;
        check_predictions(&p.predictions, false)?;
        p.weights.check_entries()?;
        Ok(p)
    }

    /// Validates a categorical problem, with the column sums of the predictions
    /// (`pred_sums`) and of dense targets (`target_sums`) checked only when asked: the
    /// conventions that rescale columns, or (scikit-learn) only warn about them, skip them.
    pub fn validate_categorical(
        self,
        pred_sums: bool,
        target_sums: bool,
    ) -> Result<CategoricalProblem<'a>> {
        let Problem::Categorical(p) = self.0 else {
            return Err(Error::KindMismatch {
                expected: Kind::Categorical,
            });
        };
        let k = p.classes_count();
        match p.targets {
            Targets::Classes(c) => check_classes(&c, k, p.weights.ignore_index)?,
            Targets::Dense(t) => {
                check_probabilities(Operand::Targets, &t)?;
                if target_sums {
                    check_column_sums(Operand::Targets, &t)?;
                }
            }
        }
        check_predictions(&p.predictions, true)?;
        if pred_sums && let Predictions::Probabilities(q) = p.predictions {
            check_column_sums(Operand::Predictions, &q)?;
        }
        p.weights.check_entries()?;
        Ok(p)
    }
}

fn check_predictions(predictions: &Predictions<'_>, categorical: bool) -> Result<()> {
    match predictions {
        Predictions::Probabilities(a) => check_probabilities(Operand::Predictions, a),
        Predictions::Logits(z) => {
            check_logits(z)?;
            if categorical {
                check_some_finite_logit(z)?;
            }
            Ok(())
        }
    }
}

/// Logits may be any number but `NaN` and `+∞`: `−∞` is probability 0.
fn check_logits(z: &Array<'_>) -> Result<()> {
    match z.find_f64(|v| v < f64::INFINITY) {
        Some((row, col, value)) => Err(Error::NonFinite {
            which: Operand::Logits,
            row,
            col,
            value,
        }),
        None => Ok(()),
    }
}

/// Every column of categorical logits has a logit above `−∞` (the first that has none, in
/// sample order): a column entirely `−∞` gives every class probability 0.
fn check_some_finite_logit(z: &Array<'_>) -> Result<()> {
    for col in 0..z.cols() {
        if (0..z.rows()).all(|r| z.get_f64(r, col) == f64::NEG_INFINITY) {
            return Err(Error::NoFiniteLogit {
                which: Operand::Logits,
                col,
            });
        }
    }
    Ok(())
}

fn check_not_empty(which: Operand, m: &Array<'_>) -> Result<()> {
    if m.is_empty() {
        return Err(Error::Empty {
            which,
            shape: m.shape(),
        });
    }
    Ok(())
}

fn check_same_shape(left: Operand, l: &Array<'_>, right: Operand, r: &Array<'_>) -> Result<()> {
    if l.shape() != r.shape() {
        return Err(Error::ShapeMismatch {
            left,
            left_shape: l.shape(),
            right,
            right_shape: r.shape(),
        });
    }
    Ok(())
}

fn check_finite(which: Operand, m: &Array<'_>) -> Result<()> {
    match m.find_f64(f64::is_finite) {
        Some((row, col, value)) => Err(Error::NonFinite {
            which,
            row,
            col,
            value,
        }),
        None => Ok(()),
    }
}

fn check_probabilities(which: Operand, m: &Array<'_>) -> Result<()> {
    check_finite(which, m)?;
    match m.find_f64(|v| (0.0..=1.0).contains(&v)) {
        Some((row, col, value)) => Err(Error::OutOfRange {
            which,
            row,
            col,
            value,
        }),
        None => Ok(()),
    }
}

/// Every class index a whole number below `k` or the ignored one: the first that is not,
/// in order.
fn check_classes(classes: &Array<'_>, k: usize, ignored: Option<i64>) -> Result<()> {
    let ignored = ignored.map(|i| i as f64);
    let bad = with_view!(classes, v => v.find(|x| {
        Some(x.to_f64()) != ignored && x.to_index().is_none_or(|i| i >= k as u64)
    }).map(|(_, col, x)| (col, x.to_f64())));
    match bad {
        Some((sample, value)) => Err(Error::ClassIndex {
            sample,
            value,
            classes: k,
        }),
        None => Ok(()),
    }
}

/// Every column sums to 1 within [`tolerance::column_sum`], each sum taken class by class
/// in `f64` (the first column that does not, in sample order).
fn check_column_sums(which: Operand, m: &Array<'_>) -> Result<()> {
    let tolerance = tolerance::column_sum(m.rows());
    for col in 0..m.cols() {
        let sum: f64 = (0..m.rows()).map(|r| m.get_f64(r, col)).sum();
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

/// Owned inputs of a problem, for data a program makes (the verifier's sweep, the expression
/// checker's suite, tests, benchmarks): [`ProblemData::problem`] validates and borrows
/// them. Files and callers' arrays need none of this: problems borrow them directly.
#[derive(Debug, Clone, PartialEq)]
pub struct ProblemData {
    /// Binary or categorical.
    pub kind: Kind,
    /// Whether `pred` holds logits.
    pub logits: bool,
    /// Predictions, `(n_y, m)` or `(k, m)`.
    pub pred: DMatrix<f64>,
    /// Labels or targets.
    pub truth: TruthData,
}

/// The second input of a [`ProblemData`].
#[derive(Debug, Clone, PartialEq)]
pub enum TruthData {
    /// Labels (binary) or targets (categorical), the shape of the predictions.
    Matrix(DMatrix<f64>),
    /// One class index per sample (categorical).
    Classes(Vec<u64>),
}

impl ProblemData {
    /// Every pair of a predictions row `i` and a labels row `r` of `problem`, side by side in
    /// one row (`n_y²·m` entries): the terms of entry `(i, r)` of the `np.dot` style's
    /// `(n_y, n_y)` matrix, so that its log-likelihood is the sum of that matrix.
    pub fn row_pairs(problem: &BinaryProblem<'_>) -> Self {
        let a = problem.predictions().array().to_f64_matrix();
        let y = problem.labels().to_f64_matrix();
        let (mut all_a, mut all_y) = (Vec::new(), Vec::new());
        for i in 0..a.nrows() {
            for r in 0..y.nrows() {
                all_a.extend(a.row(i).iter());
                all_y.extend(y.row(r).iter());
            }
        }
        let row = |v: Vec<f64>| DMatrix::from_row_slice(1, v.len(), &v);
        let logits = problem.predictions().is_logits();
        ProblemData::binary(row(all_a), row(all_y), logits)
    }

    /// Binary inputs: probabilities (or logits) and labels.
    pub fn binary(pred: DMatrix<f64>, labels: DMatrix<f64>, logits: bool) -> Self {
        ProblemData {
            kind: Kind::Binary,
            logits,
            pred,
            truth: TruthData::Matrix(labels),
        }
    }

    /// Categorical inputs: distributions (or logits) and dense targets.
    pub fn categorical(pred: DMatrix<f64>, targets: DMatrix<f64>, logits: bool) -> Self {
        ProblemData {
            kind: Kind::Categorical,
            logits,
            pred,
            truth: TruthData::Matrix(targets),
        }
    }

    /// Categorical inputs: distributions (or logits) and one class index per sample.
    pub fn with_classes(pred: DMatrix<f64>, classes: Vec<u64>, logits: bool) -> Self {
        ProblemData {
            kind: Kind::Categorical,
            logits,
            pred,
            truth: TruthData::Classes(classes),
        }
    }

    /// The same inputs with sample `j` repeated `times[j]` times (0 removes it): what integer
    /// sample weights mean, as a problem without weights.
    pub fn repeated(&self, times: &[usize]) -> ProblemData {
        let keep: Vec<usize> = (0..times.len())
            .flat_map(|j| std::iter::repeat_n(j, times[j]))
            .collect();
        let pick =
            |m: &DMatrix<f64>| DMatrix::from_fn(m.nrows(), keep.len(), |r, c| m[(r, keep[c])]);
        ProblemData {
            pred: pick(&self.pred),
            truth: match &self.truth {
                TruthData::Matrix(t) => TruthData::Matrix(pick(t)),
                TruthData::Classes(c) => TruthData::Classes(keep.iter().map(|&j| c[j]).collect()),
            },
            ..self.clone()
        }
    }

    /// The inputs as a problem with its shapes checked.
    pub fn unvalidated(&self) -> Result<Unvalidated<'_>> {
        let pred = Array::from(&self.pred);
        match (self.kind, &self.truth) {
            (Kind::Binary, TruthData::Matrix(y)) => {
                Unvalidated::binary(pred, y.into(), self.logits)
            }
            (Kind::Binary, TruthData::Classes(_)) => Err(Error::KindMismatch {
                expected: Kind::Categorical,
            }),
            (Kind::Categorical, TruthData::Matrix(p)) => {
                Unvalidated::categorical(pred, Targets::Dense(p.into()), self.logits)
            }
            (Kind::Categorical, TruthData::Classes(c)) => {
                Unvalidated::categorical(pred, Targets::classes(c), self.logits)
            }
        }
    }

    /// The validated problem, borrowing these inputs.
    pub fn problem(&self) -> Result<Problem<'_>> {
        self.unvalidated()?.validate()
    }

    /// The validated binary problem (an error for categorical inputs).
    pub fn binary_problem(&self) -> Result<BinaryProblem<'_>> {
        match self.problem()? {
            Problem::Binary(p) => Ok(p),
            Problem::Categorical(_) => Err(Error::KindMismatch {
                expected: Kind::Binary,
            }),
        }
    }

    /// The validated categorical problem (an error for binary inputs).
    pub fn categorical_problem(&self) -> Result<CategoricalProblem<'_>> {
        match self.problem()? {
            Problem::Categorical(p) => Ok(p),
            Problem::Binary(_) => Err(Error::KindMismatch {
                expected: Kind::Categorical,
            }),
        }
    }
}
