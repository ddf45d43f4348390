//! Conventions: how the libraries people compare `xent` with guard the logarithm, what their
//! mean divides by, and whether they rescale predictions.
//!
//! The same predictions give different losses in PyTorch, Keras, scikit-learn and SciPy. A
//! [`Convention`] reproduces one library's rule on top of the definition: it is applied to
//! the **raw** matrices, before (and around) `xent-core`'s validation, because Keras and
//! SciPy rescale columns that do not sum to 1, which [`CategoricalProblem::new`] rejects.
//! It transforms the inputs (clip, rescale, smooth the labels), builds a validated problem
//! (so invalid input still gets `xent-core`'s errors, on the user's own numbers), and
//! returns a [`Conventional`] problem: the problem every formulation evaluates unchanged,
//! the divisor of the mean, and one line for every way the result differs from
//! [`Convention::Exact`].
//!
//! Positions in the reasons are `[row, column]` of the `(outputs, samples)` layout.
//!
//! ```
//! use nalgebra::DMatrix;
//! use xent_core::{Convention, ConventionOptions};
//!
//! // A confident wrong prediction: +∞ by the definition, exactly 100 in PyTorch.
//! let a = DMatrix::from_row_slice(1, 1, &[0.0]);
//! let y = DMatrix::from_row_slice(1, 1, &[1.0]);
//! let torch = Convention::Pytorch.binary((&a).into(), (&y).into(), &ConventionOptions::default())?;
//! let xent_core::Problem::Binary(problem) = torch.problem() else { unreachable!() };
//! let s: f64 = problem.weighted_logs().map(|(w, l)| w * l).sum();
//! assert_eq!(-s / torch.divisor as f64, 100.0);
//! assert_eq!(torch.changes, ["log clamped at -100 at entry [0, 0]"]);
//! # Ok::<(), xent_core::Error>(())
//! ```

use std::fmt;
use std::str::FromStr;

use nalgebra::DMatrix;

use crate::array::Array;
use crate::base::LogBase;
use crate::error::{Error, Operand, Result};
use crate::formulation::{Evaluation, Kind};
use crate::problem::{BinaryProblem, CategoricalProblem, Problem, Targets, Unvalidated};
use crate::tolerance;

/// PyTorch's clamp on every logarithm of `binary_cross_entropy`: a confident wrong
/// prediction costs exactly 100.
pub const PYTORCH_LOG_FLOOR: f64 = -100.0;

/// Keras's `backend.epsilon()`, the clip of its probability losses.
pub const KERAS_EPSILON: f64 = 1e-7;

/// One library's rules for cross-entropy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Convention {
    /// The definition (`../shared/DESIGN.md`): no guard (`0 · ln 0 = 0`, `+∞` possible),
    /// summed over outputs, averaged over the `m` samples, nothing rescaled, no label
    /// smoothing.
    #[default]
    Exact,
    /// PyTorch. `torch.nn.functional.binary_cross_entropy` clamps each logarithm at
    /// `≥ −100` (a confident wrong prediction costs exactly 100) and `reduction='mean'`
    /// divides by the number of elements `n_y · m`; `binary_cross_entropy_with_logits`
    /// (log-sigmoid) has no clamp and the same divisor. `cross_entropy` (logits; class
    /// indices or probability targets) uses log-softmax, no clamp, divides by `m`, and its
    /// `label_smoothing` ε mixes the target with `ε / C`; on probabilities it is `nll_loss`
    /// of their logarithm: no clamp, divides by `m`. Nothing is rescaled.
    Pytorch,
    /// Keras (`keras.losses.BinaryCrossentropy`, `CategoricalCrossentropy`,
    /// `SparseCategoricalCrossentropy`). Probabilities are clipped to `[ε, 1 − ε]` with
    /// `ε = 1e-7` evaluated in the input's [`Precision`]; categorical predictions are first
    /// divided by their sum along the class axis; the binary loss is averaged over the
    /// outputs, then over the batch (`n_y · m` elements), the categorical one over the
    /// batch (`m`). From logits: log-sigmoid / log-softmax, no clip. `label_smoothing`
    /// moves labels toward 0.5 (binary) and targets toward `1 / C` (categorical).
    Keras,
    /// scikit-learn's `sklearn.metrics.log_loss`: predictions clipped to `[eps, 1 − eps]`
    /// with `eps` the machine epsilon of the input's dtype; binary predictions (one output)
    /// are P(positive); columns that do not sum to 1 give a warning, not a rescale; mean
    /// over the `m` samples. Probabilities only, no label smoothing.
    Sklearn,
    /// SciPy, in the style of `scipy.stats.entropy(pk, qk)`: no guard (`+∞` possible), each
    /// column of predictions and targets normalised by its sum before use, mean over the `m`
    /// samples, any base. A binary entry is the distribution `[a, 1 − a]`, already
    /// normalised. Probabilities only, no label smoothing.
    Scipy,
}

impl Convention {
    /// Every convention, [`Convention::Exact`] first.
    pub const ALL: [Convention; 5] = [
        Convention::Exact,
        Convention::Pytorch,
        Convention::Keras,
        Convention::Sklearn,
        Convention::Scipy,
    ];

    /// The lowercase name: `exact`, `pytorch`, `keras`, `sklearn`, `scipy`.
    pub fn name(self) -> &'static str {
        match self {
            Convention::Exact => "exact",
            Convention::Pytorch => "pytorch",
            Convention::Keras => "keras",
            Convention::Sklearn => "sklearn",
            Convention::Scipy => "scipy",
        }
    }

    /// Whether the convention defines label smoothing for this kind of problem.
    pub fn defines_label_smoothing(self, kind: Kind) -> bool {
        match self {
            Convention::Keras => true,
            Convention::Pytorch => kind == Kind::Categorical,
            Convention::Exact | Convention::Sklearn | Convention::Scipy => false,
        }
    }

    fn smoothing(self, kind: Kind, options: &ConventionOptions) -> Result<Option<f64>> {
        let Some(eps) = options.label_smoothing else {
            return Ok(None);
        };
        if !self.defines_label_smoothing(kind) {
            return Err(Error::NoLabelSmoothing {
                convention: self.name(),
                kind: kind.as_str(),
            });
        }
        if !(0.0..=1.0).contains(&eps) {
            return Err(Error::LabelSmoothingRange(eps));
        }
        Ok(Some(eps))
    }

    fn probabilities_only(self, options: &ConventionOptions) -> Result<()> {
        let reason = match self {
            Convention::Sklearn => "sklearn.metrics.log_loss takes probabilities, not logits",
            Convention::Scipy => "scipy.stats.entropy takes distributions, not logits",
            _ => return Ok(()),
        };
        if options.from_logits {
            return Err(Error::ConventionUnsupported {
                convention: self.name(),
                reason,
            });
        }
        Ok(())
    }

    /// Applies the convention to binary predictions (probabilities, or logits with
    /// `options.from_logits`) and labels, both `n_y × m`, borrowed.
    ///
    /// Invalid input gets `xent-core`'s errors on the raw arrays; a convention that does
    /// not apply (scikit-learn with more than one output or logits, SciPy with logits, label
    /// smoothing where it is not defined) is an error too. Only a convention that changes
    /// the entries (Keras's and scikit-learn's clip, label smoothing) copies them.
    pub fn binary<'a>(
        self,
        predictions: Array<'a>,
        labels: Array<'a>,
        options: &ConventionOptions,
    ) -> Result<Conventional<'a>> {
        let raw = BinaryProblem::validated(predictions, labels, options.from_logits)?;
        self.probabilities_only(options)?;
        let smoothing = self.smoothing(Kind::Binary, options)?;
        let (n, m) = (raw.outputs(), raw.samples());
        let mut out = Conventional::plain(self, m, Problem::Binary(raw));
        let elements = |out: &mut Conventional<'a>| {
            out.divisor = n * m;
            out.divisor_reason = format!("mean over {} elements (n_y · m = {n} · {m})", n * m);
            if n > 1 {
                let samples = if m == 1 { "sample" } else { "samples" };
                out.changes
                    .push(format!("mean over {} elements, not {m} {samples}", n * m));
            }
        };
        match self {
            Convention::Exact | Convention::Scipy => {}
            Convention::Pytorch => {
                elements(&mut out);
                if !options.from_logits {
                    let clamped = clamped_entries(&raw, PYTORCH_LOG_FLOOR);
                    if let Some(what) = describe(&clamped, n) {
                        let logs = if clamped.len() == 1 { "log" } else { "logs" };
                        out.changes
                            .push(format!("{logs} clamped at -100 at {what}"));
                    }
                    out.data =
                        Data::Borrowed(Problem::Binary(raw.with_log_floor(PYTORCH_LOG_FLOOR)));
                }
            }
            Convention::Keras => {
                elements(&mut out);
                let mut a = predictions.to_f64_matrix();
                let mut y = labels.to_f64_matrix();
                if let Some(eps) = smoothing {
                    y = y.map(|v| v * (1.0 - eps) + 0.5 * eps);
                    out.changes.push(format!(
                        "label smoothing {eps} moves every label toward 0.5"
                    ));
                }
                if !options.from_logits {
                    let (lo, hi) = options.precision.keras_clip();
                    let (clipped, changed) = clip(&a, lo, hi);
                    a = clipped;
                    if let Some(what) = describe(&changed, n) {
                        out.changes.push(format!(
                            "clip at 1e-7 ({}) changed {what}",
                            options.precision.name()
                        ));
                    }
                }
                BinaryProblem::validated((&a).into(), (&y).into(), options.from_logits)?;
                out.data = Data::Binary {
                    pred: a,
                    labels: y,
                    logits: options.from_logits,
                };
            }
            Convention::Sklearn => {
                if n != 1 {
                    return Err(Error::ConventionUnsupported {
                        convention: self.name(),
                        reason: "log_loss's binary predictions are one probability per \
                                 sample (P(positive)): give one output, not several",
                    });
                }
                let eps = options.precision.machine_epsilon();
                let (a, changed) = clip(&predictions.to_f64_matrix(), eps, 1.0 - eps);
                if let Some(what) = describe(&changed, n) {
                    out.changes.push(format!(
                        "clip at eps = {eps:e} ({} machine epsilon) changed {what}",
                        options.precision.name()
                    ));
                }
                out.data = Data::Binary {
                    pred: a,
                    labels: labels.to_f64_matrix(),
                    logits: false,
                };
            }
        }
        Ok(out)
    }

    /// Applies the convention to categorical predictions (distributions, or logits with
    /// `options.from_logits`), `k × m`, and targets (a `k × m` matrix or one class index
    /// per sample), borrowed.
    ///
    /// Invalid input gets `xent-core`'s errors on the raw arrays, except that the column
    /// sums of predictions are not required to be 1 by the conventions that rescale them
    /// (Keras, SciPy) or only warn (scikit-learn), nor those of targets by SciPy.
    pub fn categorical<'a>(
        self,
        predictions: Array<'a>,
        targets: Targets<'a>,
        options: &ConventionOptions,
    ) -> Result<Conventional<'a>> {
        let (k, m) = (predictions.rows(), predictions.cols());
        let pred_sums = matches!(self, Convention::Exact | Convention::Pytorch);
        let target_sums = self != Convention::Scipy;
        let raw = Unvalidated::categorical(predictions, targets, options.from_logits)?
            .validate_categorical(pred_sums, target_sums)?;
        self.probabilities_only(options)?;
        let smoothing = self.smoothing(Kind::Categorical, options)?;
        let mut out = Conventional::plain(self, m, Problem::Categorical(raw));
        if self == Convention::Exact {
            return Ok(out);
        }
        let mut q = None;
        let mut p = None;
        if let Some(eps) = smoothing {
            let dense = DMatrix::from_fn(k, m, |r, c| raw.target(r, c));
            p = Some(dense.map(|v| v * (1.0 - eps) + eps / k as f64));
            out.changes.push(format!(
                "label smoothing {eps} mixes every target with {eps} / {k}"
            ));
        }
        let probabilities = !options.from_logits;
        match self {
            Convention::Exact | Convention::Pytorch => {}
            Convention::Keras => {
                if probabilities {
                    let mut rescaled = predictions.to_f64_matrix();
                    rescale(&mut rescaled, Operand::Predictions, self, &mut out.changes)?;
                    let (lo, hi) = options.precision.keras_clip();
                    let (clipped, changed) = clip(&rescaled, lo, hi);
                    if let Some(what) = describe(&changed, k) {
                        out.changes.push(format!(
                            "clip at 1e-7 ({}) changed {what}",
                            options.precision.name()
                        ));
                    }
                    q = Some(clipped);
                }
            }
            Convention::Sklearn => {
                let eps = options.precision.machine_epsilon();
                // numpy.allclose(sums, 1, rtol=sqrt(eps)): |s − 1| ≤ 1e-8 + sqrt(eps).
                let allowed = 1e-8 + eps.sqrt();
                let raw_q = predictions.to_f64_matrix();
                for (j, c) in raw_q.column_iter().enumerate() {
                    let sum: f64 = c.iter().sum();
                    if (sum - 1.0).abs() > allowed {
                        out.warnings.push(format!(
                            "sklearn: column {j} of pred sums to {sum}, not 1: log_loss warns \
                             (\"The y_pred values do not sum to one\") and does not rescale"
                        ));
                    }
                }
                let (clipped, changed) = clip(&raw_q, eps, 1.0 - eps);
                if let Some(what) = describe(&changed, k) {
                    out.changes.push(format!(
                        "clip at eps = {eps:e} ({} machine epsilon) changed {what}",
                        options.precision.name()
                    ));
                }
                q = Some(clipped);
            }
            Convention::Scipy => {
                let mut rescaled = predictions.to_f64_matrix();
                rescale(&mut rescaled, Operand::Predictions, self, &mut out.changes)?;
                q = Some(rescaled);
                let mut dense = DMatrix::from_fn(k, m, |r, c| raw.target(r, c));
                rescale(&mut dense, Operand::Targets, self, &mut out.changes)?;
                p = Some(dense);
            }
        }
        if q.is_some() || p.is_some() {
            let q = q.unwrap_or_else(|| predictions.to_f64_matrix());
            let targets = match p {
                Some(p) => OwnedTargets::Dense(p),
                None => OwnedTargets::Borrowed(targets),
            };
            // The transformed inputs are checked as the definition checks them, except for
            // the column sums of the predictions (a clip moves them by up to k·ε).
            Unvalidated::categorical((&q).into(), targets.view(), options.from_logits)?
                .validate_categorical(false, true)?;
            out.data = Data::Categorical {
                pred: q,
                targets,
                logits: options.from_logits,
            };
        }
        Ok(out)
    }
}

impl fmt::Display for Convention {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Convention {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Convention::ALL
            .into_iter()
            .find(|c| c.name() == s)
            .ok_or_else(|| Error::InvalidConvention(s.to_owned()))
    }
}

/// The precision of the input (its dtype): the clipping constants are evaluated in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Precision {
    /// `float64`.
    #[default]
    F64,
    /// `float32`: Keras's `ε = 1e-7` is `1e-7_f32` and `1 − ε` is computed in `f32`;
    /// scikit-learn's `eps` is `f32::EPSILON`.
    F32,
}

impl Precision {
    /// `float64` or `float32`, numpy's names.
    pub fn name(self) -> &'static str {
        match self {
            Precision::F64 => "float64",
            Precision::F32 => "float32",
        }
    }

    /// Keras's clip `[ε, 1 − ε]`, `ε = 1e-7`, evaluated in this precision.
    pub fn keras_clip(self) -> (f64, f64) {
        match self {
            Precision::F64 => (KERAS_EPSILON, 1.0 - KERAS_EPSILON),
            Precision::F32 => {
                let eps = 1e-7_f32;
                (f64::from(eps), f64::from(1.0_f32 - eps))
            }
        }
    }

    /// The machine epsilon of this precision (`numpy.finfo(dtype).eps`), scikit-learn's
    /// clip.
    pub fn machine_epsilon(self) -> f64 {
        match self {
            Precision::F64 => f64::EPSILON,
            Precision::F32 => f64::from(f32::EPSILON),
        }
    }
}

/// How a convention is asked to read its input.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ConventionOptions {
    /// The predictions are logits.
    pub from_logits: bool,
    /// The predictions' dtype.
    pub precision: Precision,
    /// Label smoothing ε in [0, 1], where the convention defines it.
    pub label_smoothing: Option<f64>,
}

/// A problem under a convention: evaluate [`Conventional::problem`] with any formulation,
/// then [`Conventional::loss`] turns the evaluation into the convention's loss.
#[derive(Debug, Clone, PartialEq)]
pub struct Conventional<'a> {
    /// The convention applied.
    pub convention: Convention,
    data: Data<'a>,
    /// What the summed log-likelihood is divided by: `m`, or `n_y · m` elements.
    pub divisor: usize,
    /// The divisor in words: "mean over 2 samples", "mean over 6 elements (n_y · m = 3 · 2)".
    pub divisor_reason: String,
    /// One line for every way the value differs from [`Convention::Exact`]'s; empty when
    /// it is the same.
    pub changes: Vec<String>,
    /// What the library would warn about (scikit-learn's "do not sum to one").
    pub warnings: Vec<String>,
}

/// The inputs of a conventional problem: the caller's, or the transformed copies.
#[derive(Debug, Clone, PartialEq)]
enum Data<'a> {
    Borrowed(Problem<'a>),
    Binary {
        pred: DMatrix<f64>,
        labels: DMatrix<f64>,
        logits: bool,
    },
    Categorical {
        pred: DMatrix<f64>,
        targets: OwnedTargets<'a>,
        logits: bool,
    },
}

#[derive(Debug, Clone, PartialEq)]
enum OwnedTargets<'a> {
    Borrowed(Targets<'a>),
    Dense(DMatrix<f64>),
}

impl OwnedTargets<'_> {
    fn view(&self) -> Targets<'_> {
        match self {
            OwnedTargets::Borrowed(t) => *t,
            OwnedTargets::Dense(p) => Targets::Dense(p.into()),
        }
    }
}

impl<'a> Conventional<'a> {
    fn plain(convention: Convention, m: usize, problem: Problem<'a>) -> Self {
        Conventional {
            convention,
            data: Data::Borrowed(problem),
            divisor: m,
            divisor_reason: format!("mean over {m} samples"),
            changes: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// The validated problem, transformed (clipped, rescaled, smoothed, clamped).
    pub fn problem(&self) -> Problem<'_> {
        match &self.data {
            Data::Borrowed(p) => *p,
            Data::Binary {
                pred,
                labels,
                logits,
            } => Problem::Binary(BinaryProblem::trusted(pred.into(), labels.into(), *logits)),
            Data::Categorical {
                pred,
                targets,
                logits,
            } => Problem::Categorical(CategoricalProblem::trusted(
                pred.into(),
                targets.view(),
                *logits,
            )),
        }
    }

    /// The convention's loss in nats: `−S / divisor`.
    pub fn loss(&self, e: &Evaluation) -> f64 {
        -e.log_likelihood / self.divisor as f64
    }

    /// The convention's loss in base `base`.
    pub fn in_base(&self, e: &Evaluation, base: LogBase) -> f64 {
        base.from_nats(self.loss(e))
    }
}

/// `m` clipped to `[lo, hi]`, and the column-major indices of the entries that changed.
fn clip(m: &DMatrix<f64>, lo: f64, hi: f64) -> (DMatrix<f64>, Vec<usize>) {
    let clipped = m.map(|v| v.clamp(lo, hi));
    let changed = m
        .iter()
        .zip(clipped.iter())
        .enumerate()
        .filter(|(_, (a, b))| a != b)
        .map(|(i, _)| i)
        .collect();
    (clipped, changed)
}

/// The entries whose weighted logarithm the floor changes (a positive weight on a log below
/// it), column-major.
fn clamped_entries(problem: &BinaryProblem<'_>, floor: f64) -> Vec<usize> {
    let y = problem.labels();
    let rows = problem.outputs();
    (0..y.len())
        .filter(|&i| {
            let (r, c) = (i % rows, i / rows);
            let (la, l1a) = problem.raw_logs(r, c);
            let y = y.get_f64(r, c);
            (y > 0.0 && la < floor) || (y < 1.0 && l1a < floor)
        })
        .collect()
}

/// "entry [0, 3]" or "3 entries, first [0, 3]" (`[row, column]`), or `None` for none.
fn describe(indices: &[usize], rows: usize) -> Option<String> {
    let &first = indices.first()?;
    let at = format!("[{}, {}]", first % rows, first / rows);
    Some(match indices.len() {
        1 => format!("entry {at}"),
        n => format!("{n} entries, first {at}"),
    })
}

/// Divides every column of `m` by its sum, noting the change when a sum is further from 1
/// than [`tolerance::column_sum`] (a column the definition rejects); closer ones are
/// rounding, and rescaling them moves the loss by rounding only.
fn rescale(
    m: &mut DMatrix<f64>,
    which: Operand,
    convention: Convention,
    changes: &mut Vec<String>,
) -> Result<()> {
    let mut rescaled = Vec::new();
    let allowed = tolerance::column_sum(m.nrows());
    for (col, mut c) in m.column_iter_mut().enumerate() {
        let sum: f64 = c.iter().sum();
        if sum == 0.0 {
            return Err(Error::ZeroSum {
                which,
                col,
                convention: convention.name(),
            });
        }
        if sum != 1.0 {
            c /= sum;
        }
        if (sum - 1.0).abs() > allowed {
            rescaled.push((col, sum));
        }
    }
    if let Some(&(col, sum)) = rescaled.first() {
        let what = match which {
            Operand::Targets => "targets",
            _ => "predictions",
        };
        let columns = match rescaled.len() {
            1 => format!("column {col} sums to {sum}"),
            n => format!("{n} columns, first column {col} sums to {sum}"),
        };
        changes.push(format!("{what} rescaled by their column sum ({columns})"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() -> Result<()> {
        for c in Convention::ALL {
            assert_eq!(c.name().parse::<Convention>()?, c);
            assert_eq!(c.to_string(), c.name());
        }
        assert!("torch".parse::<Convention>().is_err());
        Ok(())
    }

    #[test]
    fn float32_constants_are_evaluated_in_float32() {
        let (lo, hi) = Precision::F32.keras_clip();
        assert_eq!(lo, f64::from(1e-7_f32));
        assert_ne!(lo, 1e-7);
        // 1 − 1e-7 in float32 is 1 − 2^-23, one float32 ulp below 1 rounded down.
        assert_eq!(hi, 1.0 - 2f64.powi(-23));
        assert_eq!(Precision::F32.machine_epsilon(), 2f64.powi(-23));
        assert_eq!(Precision::F64.keras_clip(), (1e-7, 1.0 - 1e-7));
    }

    #[test]
    fn describe_names_the_first_entry_and_the_count() {
        assert_eq!(describe(&[], 2), None);
        assert_eq!(describe(&[3], 2).as_deref(), Some("entry [1, 1]"));
        assert_eq!(
            describe(&[2, 5], 2).as_deref(),
            Some("2 entries, first [0, 1]")
        );
    }
}
