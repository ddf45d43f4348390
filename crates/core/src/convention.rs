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
//! Positions in the reasons are `[row, column]` of the `(outputs, samples)` layout, unless
//! the caller names them in its own layout ([`Locate`], through
//! [`Convention::binary_located`] and [`Convention::categorical_located`]).
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
use crate::problem::{
    BinaryProblem, CategoricalProblem, Problem, ProblemData, Targets, TruthData, Unvalidated,
};
use crate::tolerance;
use crate::weights::{Reduction, Weights};

/// PyTorch's clamp on every logarithm of `binary_cross_entropy`: a confident wrong
/// prediction costs exactly 100.
pub const PYTORCH_LOG_FLOOR: f64 = -100.0;

/// Keras's `backend.epsilon()`, the clip of its probability losses.
pub const KERAS_EPSILON: f64 = 1e-7;

/// One library's rules for cross-entropy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Convention {
    /// The definition (see `ARCHITECTURE.md`): no guard (`0 · ln 0 = 0`, `+∞` possible),
    /// summed over outputs, averaged over the `m` samples, nothing rescaled, no label
    /// smoothing. Weighted: the reductions of [`crate::weights`] (`mean = Σ v_j·l_j /
    /// Σ v_j·c̄_j`); an ignored index only when one is given.
    #[default]
    Exact,
    /// PyTorch. `torch.nn.functional.binary_cross_entropy` clamps each logarithm at
    /// `≥ −100` (a confident wrong prediction costs exactly 100) and `reduction='mean'`
    /// divides by the number of elements `n_y · m`; `binary_cross_entropy_with_logits`
    /// (log-sigmoid) has no clamp and the same divisor. `cross_entropy` (logits; class
    /// indices or probability targets) uses log-softmax, no clamp, divides by `m`, and its
    /// `label_smoothing` ε mixes the target with `ε / C`; on probabilities it is `nll_loss`
    /// of their logarithm: no clamp, divides by `m`. Nothing is rescaled.
    ///
    /// **Weighted** (`aten/src/ATen/native/Loss.cpp`, `LossNLL.cpp`): `binary_cross_entropy`'s
    /// `weight` is per element (a per-sample weight broadcast over the outputs) and
    /// `binary_cross_entropy_with_logits` adds `pos_weight`, one per output (logits only):
    /// `l_ij = −w_j·[p_i·y_ij·ln a_ij + (1 − y_ij)·ln(1 − a_ij)]`; `mean` is
    /// `Σ l_ij / (n_y·m)` whatever the weights, `sum` `Σ l_ij`, `none` the `(n_y, m)` elements.
    /// `cross_entropy` and `nll_loss` take a `weight` per class and `ignore_index` (−100 by
    /// default, so a class index of −100 is ignored without being asked):
    /// `l_n = −c_{y_n}·ln q_{y_n n}`, 0 where ignored; `mean = Σ l_n / Σ c_{y_n}` over the
    /// samples not ignored, `sum = Σ l_n`, `none` the `(m,)` losses. With class-probability
    /// targets `mean = −Σ c_r·P_rn·ln q_rn / m`. With label smoothing ε on class indices,
    /// `(1 − ε)·nll + (ε/C)·Σ_n Σ_r c_r·(−ln q_rn) / Σ c_{y_n}`. No per-sample weight for
    /// `cross_entropy`, no mask anywhere: refused as [`Error::NoSuchOption`]; a mean whose
    /// samples are all ignored (or whose classes weigh 0) is PyTorch's `0 / 0`, NaN.
    Pytorch,
    /// Keras's Loss objects, the default users call (`keras.losses.BinaryCrossentropy()`,
    /// `CategoricalCrossentropy()`, `SparseCategoricalCrossentropy()`): the inputs are first
    /// cast to `floatx` (float32), then computed as [`Convention::KerasFunctional`] on
    /// float32 input. A float64 `p = 0.99999991` is float32 `1 − 2⁻²³`, so `y = 0` costs
    /// `23 ln 2 = 15.9424`, where the function on float64 gives `−ln 1e-7 = 16.1181`.
    ///
    /// **Weighted** (`keras/src/losses/loss.py`: `Loss.__call__`, `reduce_weighted_values`,
    /// `apply_mask`): the per-sample loss `l_j` (binary: the mean over the `n_y` outputs) is
    /// multiplied by `sample_weight` `w_j` and the mask `μ_j` (a given mask, and
    /// `ignore_class`'s, which `sparse_categorical_crossentropy` sets on its output).
    /// `sum_over_batch_size` (the default, the same as `"mean"`) divides `Σ w_j·μ_j·l_j` by
    /// the number of losses `m` when nothing is masked, else by the number of unmasked
    /// samples (`apply_mask` scales them by `total / valid`); `mean_with_sample_weight`
    /// divides by `Σ w_j·μ_j` (`m` without weights or mask); `sum` is `Σ w_j·μ_j·l_j`; `None`
    /// the `(m,)` weighted losses. A divisor of 0 gives 0 (`divide_no_nan`). No class or
    /// positive-class weights ([`Error::NoSuchOption`]).
    Keras,
    /// Keras's functions (`keras.losses.binary_crossentropy`, `categorical_crossentropy`,
    /// `sparse_categorical_crossentropy`), which compute in the input's dtype.
    /// Probabilities are clipped to `[ε, 1 − ε]` with `ε = 1e-7` evaluated in the input's
    /// [`Precision`]; categorical predictions (any finite non-negative scores) are first
    /// divided by their sum along the class axis; the binary loss is averaged over the
    /// outputs, then over the batch (`n_y · m` elements), the categorical one over the
    /// batch (`m`). From logits: log-sigmoid / log-softmax, no clip (an infinite logit is
    /// `xent-core`'s to read). `label_smoothing` moves labels toward 0.5 (binary) and
    /// targets toward `1 / C` (categorical).
    ///
    /// **Weighted**: the functions return the `(m,)` per-sample losses (binary: the mean over
    /// the outputs) and take no weights or mask; `sparse_categorical_crossentropy`'s
    /// `ignore_class` gives 0 for its samples. `none` is that output, `mean` and `sum` are
    /// `np.mean` and `np.sum` of it (an ignored sample counts as a 0 among the `m`). Weights
    /// and masks are refused ([`Error::NoSuchOption`]): the Loss objects take them.
    KerasFunctional,
    /// scikit-learn's `sklearn.metrics.log_loss`: predictions clipped to `[eps, 1 − eps]`
    /// with `eps` the machine epsilon of the input's dtype; binary predictions (one output)
    /// are P(positive), and binary labels are classes: any two distinct values, mapped to 0
    /// and 1 by sorted order (`LabelBinarizer`), soft labels refused as log_loss refuses
    /// them; dense targets are a label indicator matrix (0 and 1); columns that do not sum
    /// to 1 give a warning, not a rescale; mean over the `m` samples. Probabilities only, no
    /// label smoothing.
    ///
    /// **Weighted** (`sklearn/metrics/_classification.py`, `log_loss`: `_average(loss,
    /// weights=sample_weight, normalize=normalize)`): `normalize=True` (mean) is
    /// `np.average(l, weights=w) = Σ w_j·l_j / Σ w_j`, `normalize=False` (sum) the weighted
    /// sum `np.dot(l, w)`. Sample weights only: class and positive-class weights, a mask, an
    /// ignored index and the reduction `none` (it returns one float) are refused
    /// ([`Error::NoSuchOption`]); weights summing to 0 are refused, as `np.average` raises.
    Sklearn,
    /// SciPy, in the style of `scipy.stats.entropy(pk, qk)`: no guard (`+∞` possible), each
    /// column of predictions and targets (any finite non-negative entries: counts, scores)
    /// normalised by its sum before use, mean over the `m` samples, any base. A binary entry
    /// is the distribution `[a, 1 − a]`, already normalised. Probabilities only, no label
    /// smoothing.
    ///
    /// **Weighted**: `entropy` takes no weights, mask or ignored index (refused,
    /// [`Error::NoSuchOption`]); `none` is its per-column output, `sum` the sum of it.
    Scipy,
}

impl Convention {
    /// Every convention, [`Convention::Exact`] first.
    pub const ALL: [Convention; 6] = [
        Convention::Exact,
        Convention::Pytorch,
        Convention::Keras,
        Convention::KerasFunctional,
        Convention::Sklearn,
        Convention::Scipy,
    ];

    /// The lowercase name: `exact`, `pytorch`, `keras`, `keras-functional`, `sklearn`,
    /// `scipy`.
    pub fn name(self) -> &'static str {
        match self {
            Convention::Exact => "exact",
            Convention::Pytorch => "pytorch",
            Convention::Keras => "keras",
            Convention::KerasFunctional => "keras-functional",
            Convention::Sklearn => "sklearn",
            Convention::Scipy => "scipy",
        }
    }

    /// Whether it is one of Keras's (the Loss object or the function).
    fn is_keras(self) -> bool {
        matches!(self, Convention::Keras | Convention::KerasFunctional)
    }

    /// The precision Keras computes in: float32 for the Loss object (`floatx`), the
    /// input's for the function.
    fn keras_precision(self, input: Precision) -> Precision {
        match self {
            Convention::Keras => Precision::F32,
            _ => input,
        }
    }

    /// Whether the convention defines label smoothing for this kind of problem.
    pub fn defines_label_smoothing(self, kind: Kind) -> bool {
        match self {
            Convention::Keras | Convention::KerasFunctional => true,
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

    /// The convention applied to the inputs of a [`ProblemData`] (binary, or categorical
    /// with dense targets or class indices), weighted by `weighting`: what
    /// [`Convention::binary_weighted`] or [`Convention::categorical_weighted`] gives, its
    /// reasons in the `(outputs, samples)` reading.
    pub fn apply<'a>(
        self,
        data: &'a ProblemData,
        options: &ConventionOptions,
        weighting: Weighting<'a>,
    ) -> Result<Conventional<'a>> {
        let (pred, at) = (Array::from(&data.pred), &OutputsSamples);
        match &data.truth {
            TruthData::Matrix(y) if data.kind == Kind::Binary => {
                self.binary_weighted(pred, y.into(), options, weighting, at)
            }
            TruthData::Matrix(p) => {
                self.categorical_weighted(pred, Targets::Dense(p.into()), options, weighting, at)
            }
            TruthData::Classes(c) => {
                self.categorical_weighted(pred, Targets::classes(c), options, weighting, at)
            }
        }
    }

    /// Applies the convention to binary predictions (probabilities, or logits with
    /// `options.from_logits`) and labels, both `n_y × m`, borrowed.
    ///
    /// Invalid input gets `xent-core`'s errors on the raw arrays; a convention that does
    /// not apply (scikit-learn with more than one output, logits or labels log_loss refuses,
    /// SciPy with logits, label smoothing where it is not defined) is an error too. Only a
    /// convention that changes the entries (Keras's cast and clip, scikit-learn's clip and
    /// label mapping, label smoothing) copies them.
    pub fn binary<'a>(
        self,
        predictions: Array<'a>,
        labels: Array<'a>,
        options: &ConventionOptions,
    ) -> Result<Conventional<'a>> {
        self.binary_located(predictions, labels, options, &OutputsSamples)
    }

    /// [`Convention::binary`], its reasons naming entries and samples as `locate` does.
    pub fn binary_located<'a>(
        self,
        predictions: Array<'a>,
        labels: Array<'a>,
        options: &ConventionOptions,
        locate: &dyn Locate,
    ) -> Result<Conventional<'a>> {
        self.binary_weighted(predictions, labels, options, Weighting::default(), locate)
    }

    /// [`Convention::binary_located`] with weights, a mask and a reduction, as the library
    /// applies them (see [`Convention`] for each library's definition): an option the library
    /// does not have is [`Error::NoSuchOption`]; the weights are validated like inputs
    /// (after the inputs, with the exact convention's errors); the returned problem carries
    /// the weights the library multiplies the terms by, and [`Conventional::value`] divides
    /// by the library's divisor ([`Conventional::denominator`]).
    pub fn binary_weighted<'a>(
        self,
        predictions: Array<'a>,
        labels: Array<'a>,
        options: &ConventionOptions,
        weighting: Weighting<'a>,
        locate: &dyn Locate,
    ) -> Result<Conventional<'a>> {
        self.refuse(Kind::Binary, false, options.from_logits, &weighting)?;
        let mut out = if self == Convention::Sklearn {
            self.sklearn_binary(predictions, labels, options, locate)?
        } else {
            self.binary_plain(predictions, labels, options, weighting.any(), locate)?
        };
        let (n, m) = (labels.rows(), labels.cols());
        let w = weighting.weights;
        w.check_shapes(m, None, Some(n), false)?;
        w.check_entries()?;
        out.weights = w;
        if weighting.any() {
            let samples = Samples {
                w: (0..m)
                    .map(|j| w.sample.map_or(1.0, |a| crate::weights::entry(&a, j)))
                    .collect(),
                keep: (0..m)
                    .map(|j| match w.mask {
                        Some(a) if crate::weights::entry(&a, j) == 0.0 => 0.0,
                        _ => 1.0,
                    })
                    .collect(),
                cbar: None,
                classes: false,
            };
            self.weigh(
                &mut out,
                Kind::Binary,
                n,
                weighting,
                w,
                &samples,
                &[],
                locate,
            );
        }
        Ok(out)
    }

    /// The convention on unweighted binary inputs (`weighted`: whether a weighting follows,
    /// which then states the divisor itself).
    fn binary_plain<'a>(
        self,
        predictions: Array<'a>,
        labels: Array<'a>,
        options: &ConventionOptions,
        weighted: bool,
        locate: &dyn Locate,
    ) -> Result<Conventional<'a>> {
        let raw = BinaryProblem::validated(predictions, labels, options.from_logits)?;
        self.probabilities_only(options)?;
        let smoothing = self.smoothing(Kind::Binary, options)?;
        let (n, m) = (raw.outputs(), raw.samples());
        let mut out = Conventional::plain(self, m, Problem::Binary(raw));
        let elements = |out: &mut Conventional<'a>| {
            out.divisor = n * m;
            out.divisor_reason = format!("mean over {} elements (n_y · m = {n} · {m})", n * m);
            out.denominator = (n * m) as f64;
            if n > 1 && !weighted {
                let samples = if m == 1 { "sample" } else { "samples" };
                out.changes
                    .push(format!("mean over {} elements, not {m} {samples}", n * m));
            }
        };
        match self {
            Convention::Exact | Convention::Scipy | Convention::Sklearn => {}
            Convention::Pytorch => {
                elements(&mut out);
                if !options.from_logits {
                    let clamped = clamped_entries(&raw, PYTORCH_LOG_FLOOR);
                    if let Some(what) = describe(&clamped, n, Operand::Predictions, locate) {
                        let logs = if clamped.len() == 1 { "log" } else { "logs" };
                        out.changes
                            .push(format!("{logs} clamped at -100 at {what}"));
                    }
                    out.data = Data::Borrowed(Box::new(Problem::Binary(
                        raw.with_log_floor(PYTORCH_LOG_FLOOR),
                    )));
                }
            }
            Convention::Keras | Convention::KerasFunctional => {
                elements(&mut out);
                out.divisor_reason.push_str(&format!(
                    ", as {}",
                    self.keras_function(Kind::Binary, false)
                ));
                let mut a = predictions.to_f64_matrix();
                let mut y = labels.to_f64_matrix();
                if self == Convention::Keras {
                    let (cast_a, changed_a) = to_float32(&a);
                    let (cast_y, changed_y) = to_float32(&y);
                    let what: Vec<String> = [
                        (Operand::Predictions, &changed_a),
                        (Operand::Labels, &changed_y),
                    ]
                    .into_iter()
                    .filter_map(|(op, c)| describe(c, n, op, locate).map(|w| format!("{op} {w}")))
                    .collect();
                    if !what.is_empty() {
                        out.changes.push(cast_line(Kind::Binary, false, &what));
                    }
                    (a, y) = (cast_a, cast_y);
                }
                if let Some(eps) = smoothing {
                    y = y.map(|v| v * (1.0 - eps) + 0.5 * eps);
                    out.changes.push(format!(
                        "label smoothing {eps} moves every label toward 0.5"
                    ));
                }
                if !options.from_logits {
                    let precision = self.keras_precision(options.precision);
                    let (lo, hi) = precision.keras_clip();
                    let (clipped, changed) = clip(&a, lo, hi);
                    a = clipped;
                    if let Some(what) = describe(&changed, n, Operand::Predictions, locate) {
                        out.changes.push(format!(
                            "clip at 1e-7 ({}) changed {what}",
                            precision.name()
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
        }
        Ok(out)
    }

    /// scikit-learn's binary `log_loss`: one probability per sample, labels any two distinct
    /// classes (mapped to 0 and 1 by sorted order), the clip at the dtype's epsilon.
    fn sklearn_binary<'a>(
        self,
        predictions: Array<'a>,
        labels: Array<'a>,
        options: &ConventionOptions,
        locate: &dyn Locate,
    ) -> Result<Conventional<'a>> {
        let shapes = Unvalidated::binary(predictions, labels, options.from_logits)?;
        self.probabilities_only(options)?;
        self.smoothing(Kind::Binary, options)?;
        let (n, m) = (labels.rows(), labels.cols());
        if n != 1 {
            return Err(Error::ConventionUnsupported {
                convention: self.name(),
                reason: "log_loss's binary predictions are one probability per \
                         sample (P(positive)): give one output, not several",
            });
        }
        let mut out = Conventional::plain(self, m, *shapes.unchecked());
        let y = sklearn_labels(labels, &mut out)?;
        // The predictions as the definition checks them, against the mapped labels.
        BinaryProblem::validated(predictions, (&y).into(), false)?;
        let eps = options.precision.machine_epsilon();
        let (a, changed) = clip(&predictions.to_f64_matrix(), eps, 1.0 - eps);
        if let Some(what) = describe(&changed, n, Operand::Predictions, locate) {
            out.changes.push(format!(
                "clip at eps = {eps:e} ({} machine epsilon) changed {what}",
                options.precision.name()
            ));
        }
        out.data = Data::Binary {
            pred: a,
            labels: y,
            logits: false,
        };
        Ok(out)
    }

    /// The weighting options this convention's library does not have, refused before
    /// anything is read: [`Error::NoSuchOption`] naming the library's function.
    fn refuse(
        self,
        kind: Kind,
        classes: bool,
        logits: bool,
        weighting: &Weighting<'_>,
    ) -> Result<()> {
        let w = &weighting.weights;
        let no = |option: &'static str, reason: &'static str| {
            Err(Error::NoSuchOption {
                convention: self.name(),
                option,
                reason,
            })
        };
        let keras_only = "mean_with_sample_weight is the reduction of Keras's Loss objects \
                          (the keras convention)";
        if weighting.reduction == Reduction::MeanWithSampleWeight && self != Convention::Keras {
            return no(
                "reduction mean_with_sample_weight",
                if self == Convention::Exact {
                    "its mean already divides by the sum of the weights; mean_with_sample_weight \
                     is the reduction of Keras's Loss objects (the keras convention)"
                } else {
                    keras_only
                },
            );
        }
        match self {
            Convention::Exact => {}
            Convention::Pytorch => {
                if w.mask.is_some() {
                    return no(
                        "mask",
                        "torch.nn.functional's cross-entropy losses take no mask (a weight of 0 \
                         removes a term from the sum, not from the mean's divisor)",
                    );
                }
                if kind == Kind::Binary && w.positive.is_some() && !logits {
                    return no(
                        "pos_weight",
                        "torch.nn.functional.binary_cross_entropy takes none; \
                         binary_cross_entropy_with_logits does (give logits)",
                    );
                }
                if kind == Kind::Categorical && w.sample.is_some() {
                    return no(
                        "sample_weight",
                        "the weight of torch.nn.functional.cross_entropy and nll_loss is per \
                         class (class_weight); they take no per-sample weight",
                    );
                }
            }
            Convention::Keras | Convention::KerasFunctional => {
                if w.class.is_some() {
                    return no(
                        "class_weight",
                        "keras.losses' cross-entropies take no class weights (Model.fit's \
                         class_weight is turned into per-sample weights: give sample_weight)",
                    );
                }
                if w.positive.is_some() {
                    return no(
                        "pos_weight",
                        "keras.losses.BinaryCrossentropy and binary_crossentropy take no \
                         positive-class weight",
                    );
                }
                if self == Convention::KerasFunctional {
                    let reason = "the functions keras.losses.binary_crossentropy, \
                                  categorical_crossentropy and sparse_categorical_crossentropy \
                                  return one loss per sample and take no sample_weight or mask; \
                                  the Loss objects do (the keras convention)";
                    if w.sample.is_some() {
                        return no("sample_weight", reason);
                    }
                    if w.mask.is_some() {
                        return no("mask", reason);
                    }
                }
                let _ = classes;
            }
            Convention::Sklearn => {
                let reason = "sklearn.metrics.log_loss takes sample_weight and normalize only";
                for (option, given) in [
                    ("class_weight", w.class.is_some()),
                    ("pos_weight", w.positive.is_some()),
                    ("mask", w.mask.is_some()),
                    ("ignore_index", w.ignore_index.is_some()),
                ] {
                    if given {
                        return no(option, reason);
                    }
                }
                if weighting.reduction == Reduction::None {
                    return no("reduction none", SKLEARN_NO_NONE);
                }
            }
            Convention::Scipy => {
                let reason = "scipy.stats.entropy takes no weights, mask or ignored index";
                for (option, given) in [
                    ("sample_weight", w.sample.is_some()),
                    ("class_weight", w.class.is_some()),
                    ("pos_weight", w.positive.is_some()),
                    ("mask", w.mask.is_some()),
                    ("ignore_index", w.ignore_index.is_some()),
                ] {
                    if given {
                        return no(option, reason);
                    }
                }
            }
        }
        Ok(())
    }

    /// States the library's divisor of `weighting.reduction` (see [`Convention`]) in `out`,
    /// with one line for every way it differs from the exact convention's.
    #[allow(clippy::too_many_arguments)]
    fn weigh(
        self,
        out: &mut Conventional<'_>,
        kind: Kind,
        n: usize,
        weighting: Weighting<'_>,
        eff: Weights<'_>,
        samples: &Samples,
        auto: &[usize],
        locate: &dyn Locate,
    ) {
        use crate::error::Num;
        use crate::weights::compensated_sum;
        let m = samples.w.len();
        let reduction = weighting.reduction;
        out.reduction = reduction;
        let binary = kind == Kind::Binary;
        let classes = samples.classes;
        let v: Vec<f64> = samples
            .w
            .iter()
            .zip(&samples.keep)
            .map(|(w, k)| w * k)
            .collect();
        let sum_v = compensated_sum(v.iter().copied());
        let exact_w = match &samples.cbar {
            Some(c) => compensated_sum(
                v.iter()
                    .zip(c)
                    .map(|(v, c)| if *v == 0.0 { 0.0 } else { v * c }),
            ),
            None => sum_v,
        };
        let valid = compensated_sum(samples.keep.iter().copied());
        let masked = eff.mask.is_some() || (!binary && eff.ignore_index.is_some());
        let outputs = if binary && self.is_keras() { n } else { 1 };
        let nf = outputs as f64;
        let over = |x: f64| {
            if outputs > 1 {
                let n = Num(x);
                format!(
                    "{n}, after the mean over the n_y = {outputs} outputs (n_y · {n} = {})",
                    Num(nf * x)
                )
            } else {
                Num(x).to_string()
            }
        };
        // (the divisor, the divisor in words, what the reduction is called in the library)
        let (d, what, label): (f64, String, &str) = match (self, reduction) {
            (_, Reduction::Sum) if outputs > 1 => (
                nf,
                format!("n_y = {outputs}, each sample's loss being its mean over the outputs"),
                "sum",
            ),
            (_, Reduction::Sum) => (1.0, "1".to_owned(), "sum"),
            (Convention::Exact, _) => (exact_w, format!("Σ w = {}", Num(exact_w)), "mean"),
            (Convention::Pytorch, _) if binary => (
                (n * m) as f64,
                format!(
                    "the n_y · m = {n} · {m} = {} elements, whatever the weights",
                    n * m
                ),
                "reduction='mean'",
            ),
            (Convention::Pytorch, _) if classes => (
                exact_w,
                format!(
                    "Σ w_{{y_n}} = {}, the class weights of the samples not ignored",
                    Num(exact_w)
                ),
                "reduction='mean'",
            ),
            (Convention::Pytorch, _) => (
                m as f64,
                format!("m = {m} samples, whatever the class weights (class-probability targets)"),
                "reduction='mean'",
            ),
            (Convention::Keras, Reduction::MeanWithSampleWeight)
                if eff.sample.is_some() || masked =>
            {
                (
                    nf * sum_v,
                    format!("Σ w = {} (the sample weights times the mask)", over(sum_v)),
                    "mean_with_sample_weight",
                )
            }
            (Convention::Keras, Reduction::MeanWithSampleWeight) => (
                nf * m as f64,
                format!("the number of losses m = {}", over(m as f64)),
                "mean_with_sample_weight",
            ),
            (Convention::Keras, _) if masked => (
                nf * valid,
                format!("the {} unmasked samples ({})", Num(valid), over(valid)),
                "sum_over_batch_size",
            ),
            (Convention::Keras, _) => (
                nf * m as f64,
                format!(
                    "the batch size m = {}, whatever the sample weights",
                    over(m as f64)
                ),
                "sum_over_batch_size",
            ),
            (Convention::KerasFunctional, _) => (
                nf * m as f64,
                format!("m = {}, ignored samples counted as 0", over(m as f64)),
                "np.mean of the function's losses",
            ),
            (Convention::Sklearn, _) => (
                sum_v,
                format!("Σ w = {}", Num(sum_v)),
                "normalize=True (np.average(l, weights=sample_weight))",
            ),
            (Convention::Scipy, _) => (m as f64, format!("m = {m} samples"), "the mean"),
        };
        out.denominator = d;
        out.divisor_reason = match reduction {
            Reduction::Sum => format!("{label}, divided by {what}"),
            Reduction::None => {
                format!("none: one loss per sample ({label}: divided by {what})")
            }
            _ => format!("{label}: divided by {what}"),
        };
        if self.is_keras() {
            let function = self.keras_function(kind, classes);
            out.divisor_reason.push_str(&format!(", as {function}"));
        }
        if self == Convention::Exact {
            return;
        }
        if let Some(&first) = auto.first() {
            let at = locate.sample(Operand::Classes, first);
            let which = match auto.len() {
                1 => format!("sample {at}"),
                k => format!("{k} samples, first {at}"),
            };
            out.changes.push(format!(
                "class index -100 ignored at {which} (PyTorch's default ignore_index=-100; \
                 exact refuses it unless it is the ignored index)"
            ));
        }
        match reduction {
            Reduction::Sum if d != 1.0 => out.changes.push(format!(
                "sum divides by {what}, not 1 as exact's sum of every term"
            )),
            Reduction::Sum => {}
            Reduction::None => {
                if self == Convention::Pytorch && binary && n > 1 {
                    out.changes.push(format!(
                        "reduction='none' gives the ({n}, {m}) elementwise losses, not one per sample"
                    ));
                } else if outputs > 1 {
                    out.changes.push(format!(
                        "none gives each sample's mean over its {n} outputs, not their sum"
                    ));
                }
            }
            Reduction::Mean | Reduction::MeanWithSampleWeight => {
                if d == 0.0 && self.is_keras() {
                    out.changes.push(format!(
                        "{label}: every sample is masked or weighs 0, and divide_no_nan gives 0 \
                         (exact refuses the mean)"
                    ));
                } else if d == 0.0 && self == Convention::Pytorch {
                    out.changes.push(format!(
                        "{label}: every sample is ignored or its class weighs 0, and PyTorch's \
                         mean is 0 / 0 = nan (exact refuses the mean)"
                    ));
                } else if d != exact_w {
                    out.changes.push(format!(
                        "{label} divides by {what}, not exact's Σ w = {}",
                        Num(exact_w)
                    ));
                }
            }
        }
    }

    /// The Keras function or Loss object this convention reproduces.
    fn keras_function(self, kind: Kind, classes: bool) -> &'static str {
        match (self, kind, classes) {
            (Convention::Keras, Kind::Binary, _) => {
                "keras.losses.BinaryCrossentropy() (the Loss object: inputs cast to float32)"
            }
            (Convention::Keras, _, false) => {
                "keras.losses.CategoricalCrossentropy() (the Loss object: inputs cast to float32)"
            }
            (Convention::Keras, _, true) => {
                "keras.losses.SparseCategoricalCrossentropy() (the Loss object: inputs cast \
                 to float32)"
            }
            (_, Kind::Binary, _) => {
                "keras.losses.binary_crossentropy (the function: the input's precision)"
            }
            (_, _, false) => {
                "keras.losses.categorical_crossentropy (the function: the input's precision)"
            }
            (_, _, true) => {
                "keras.losses.sparse_categorical_crossentropy (the function: the input's \
                 precision)"
            }
        }
    }

    /// Applies the convention to categorical predictions (distributions, or logits with
    /// `options.from_logits`), `k × m`, and targets (a `k × m` matrix or one class index
    /// per sample), borrowed.
    ///
    /// Invalid input gets `xent-core`'s errors on the raw arrays, except where the library
    /// rescales: Keras's predictions and SciPy's predictions and targets may be any finite
    /// non-negative entries (counts, scores), each column divided by its sum (a negative
    /// entry is still not a probability, a column summing to 0 is [`Error::ZeroSum`]), and
    /// scikit-learn only warns about predictions whose columns do not sum to 1.
    pub fn categorical<'a>(
        self,
        predictions: Array<'a>,
        targets: Targets<'a>,
        options: &ConventionOptions,
    ) -> Result<Conventional<'a>> {
        self.categorical_located(predictions, targets, options, &OutputsSamples)
    }

    /// [`Convention::categorical`], its reasons naming entries and samples as `locate`
    /// does.
    pub fn categorical_located<'a>(
        self,
        predictions: Array<'a>,
        targets: Targets<'a>,
        options: &ConventionOptions,
        locate: &dyn Locate,
    ) -> Result<Conventional<'a>> {
        self.categorical_weighted(predictions, targets, options, Weighting::default(), locate)
    }

    /// [`Convention::categorical_located`] with weights, a mask, an ignored class index and
    /// a reduction, as the library applies them (see [`Convention::binary_weighted`]). Under
    /// [`Convention::Pytorch`] a class index of −100 is ignored without being asked
    /// (PyTorch's default `ignore_index=-100`), unless another ignored index is given; any
    /// other negative index is still [`Error::ClassIndex`].
    pub fn categorical_weighted<'a>(
        self,
        predictions: Array<'a>,
        targets: Targets<'a>,
        options: &ConventionOptions,
        weighting: Weighting<'a>,
        locate: &dyn Locate,
    ) -> Result<Conventional<'a>> {
        let classes = matches!(targets, Targets::Classes(_));
        self.refuse(Kind::Categorical, classes, options.from_logits, &weighting)?;
        let mut eff = weighting.weights;
        let auto = match targets {
            Targets::Classes(c) if self == Convention::Pytorch && eff.ignore_index.is_none() => {
                let ignored: Vec<usize> = (0..c.len())
                    .filter(|&j| crate::weights::entry(&c, j) == PYTORCH_IGNORE_INDEX as f64)
                    .collect();
                if !ignored.is_empty() && (c.rows() == 1 || c.cols() == 1) {
                    eff.ignore_index = Some(PYTORCH_IGNORE_INDEX);
                    ignored
                } else {
                    Vec::new()
                }
            }
            _ => Vec::new(),
        };
        let weighted = weighting.any() || !auto.is_empty();
        let (mut out, samples) =
            self.categorical_plain(predictions, targets, options, eff, weighted, locate)?;
        if let Some(samples) = samples {
            let k = predictions.rows();
            self.weigh(
                &mut out,
                Kind::Categorical,
                k,
                weighting,
                eff,
                &samples,
                &auto,
                locate,
            );
        }
        Ok(out)
    }

    /// The convention on categorical inputs with the effective weights `eff` (the caller's,
    /// PyTorch's −100 added), and (`weighted`) each sample's weights for the divisor.
    fn categorical_plain<'a>(
        self,
        predictions: Array<'a>,
        targets: Targets<'a>,
        options: &ConventionOptions,
        eff: Weights<'a>,
        weighted: bool,
        locate: &dyn Locate,
    ) -> Result<(Conventional<'a>, Option<Samples>)> {
        let (k, m) = (predictions.rows(), predictions.cols());
        let logits = options.from_logits;
        let classes = matches!(targets, Targets::Classes(_));
        let shapes = Unvalidated::categorical(predictions, targets, logits)?;
        let mut early = Vec::new();
        // Keras's Loss object casts its inputs to float32 before anything else.
        let mut q_raw = None;
        let mut p_raw = None;
        if self == Convention::Keras {
            let (q, changed_q) = to_float32(&predictions.to_f64_matrix());
            let mut what: Vec<String> = describe(&changed_q, k, Operand::Predictions, locate)
                .map(|w| format!("pred {w}"))
                .into_iter()
                .collect();
            q_raw = Some(q);
            if let Targets::Dense(t) = targets {
                let (p, changed_p) = to_float32(&t.to_f64_matrix());
                what.extend(
                    describe(&changed_p, k, Operand::Targets, locate)
                        .map(|w| format!("target {w}")),
                );
                p_raw = Some(p);
            }
            if !what.is_empty() {
                early.push(cast_line(Kind::Categorical, classes, &what));
            }
        }
        // The entries the library rescales: finite and non-negative, checked on the
        // user's numbers, then divided by their column sum.
        let rescales_pred = !logits && (self.is_keras() || self == Convention::Scipy);
        let q_scaled = if rescales_pred {
            check_rescalable(Operand::Predictions, &predictions)?;
            let mut q = q_raw.take().unwrap_or_else(|| predictions.to_f64_matrix());
            rescale(&mut q, Operand::Predictions, self, locate, &mut early)?;
            Some(q)
        } else {
            q_raw
        };
        let p_scaled = match targets {
            Targets::Dense(t) if self == Convention::Scipy => {
                check_rescalable(Operand::Targets, &t)?;
                let mut p = t.to_f64_matrix();
                rescale(&mut p, Operand::Targets, self, locate, &mut early)?;
                Some(p)
            }
            _ => p_raw,
        };
        // Everything else as the definition checks it (Keras's cast moves entries by
        // rounding only; the rescaled columns sum to 1 within rounding).
        let pred_sums = matches!(self, Convention::Exact | Convention::Pytorch);
        let target_sums = self != Convention::Scipy;
        let dense = {
            let q = q_scaled.as_ref().map_or(predictions, Array::from);
            let t = p_scaled
                .as_ref()
                .map_or(targets, |p| Targets::Dense(p.into()));
            let checked = Unvalidated::categorical(q, t, logits)?
                .with_weights(&eff)?
                .validate_categorical(pred_sums, target_sums)?;
            let samples = weighted.then(|| Samples {
                w: (0..m)
                    .map(|j| eff.sample.map_or(1.0, |a| crate::weights::entry(&a, j)))
                    .collect(),
                keep: (0..m)
                    .map(|j| {
                        let masked = eff
                            .mask
                            .is_some_and(|a| crate::weights::entry(&a, j) == 0.0);
                        if masked || checked.is_ignored(j) {
                            0.0
                        } else {
                            1.0
                        }
                    })
                    .collect(),
                cbar: Some((0..m).map(|j| checked.target_class_weight(j)).collect()),
                classes,
            });
            let ignored: Vec<usize> = (0..m).filter(|&j| checked.is_ignored(j)).collect();
            // The targets as a matrix, for label smoothing only.
            let dense = options
                .label_smoothing
                .map(|_| DMatrix::from_fn(k, m, |r, c| checked.target(r, c)));
            (dense, samples, ignored)
        };
        let (dense, samples, ignored) = dense;
        self.probabilities_only(options)?;
        let smoothing = self.smoothing(Kind::Categorical, options)?;
        // Validated above: when nothing was copied, the very arrays of `shapes`.
        let mut out = Conventional::plain(self, m, *shapes.unchecked());
        out.weights = eff;
        if self == Convention::Exact {
            return Ok((out, samples));
        }
        out.changes = early;
        let mut q = q_scaled;
        let mut p = p_scaled;
        if let (Some(eps), Some(dense)) = (smoothing, &dense) {
            let mut smoothed = dense.map(|v| v * (1.0 - eps) + eps / k as f64);
            // An ignored sample's column is a distribution while it is checked below, and
            // zero (no term) after.
            for &j in &ignored {
                smoothed.column_mut(j).fill(1.0 / k as f64);
            }
            p = Some(smoothed);
            out.changes.push(format!(
                "label smoothing {eps} mixes every target with {eps} / {k}"
            ));
        }
        match self {
            Convention::Exact | Convention::Pytorch | Convention::Scipy => {}
            Convention::Keras | Convention::KerasFunctional => {
                out.divisor_reason.push_str(&format!(
                    ", as {}",
                    self.keras_function(Kind::Categorical, classes)
                ));
                if let Some(rescaled) = q.take_if(|_| !logits) {
                    let precision = self.keras_precision(options.precision);
                    let (lo, hi) = precision.keras_clip();
                    let (clipped, changed) = clip(&rescaled, lo, hi);
                    if let Some(what) = describe(&changed, k, Operand::Predictions, locate) {
                        out.changes.push(format!(
                            "clip at 1e-7 ({}) changed {what}",
                            precision.name()
                        ));
                    }
                    q = Some(clipped);
                }
            }
            Convention::Sklearn => {
                if let Targets::Dense(t) = targets {
                    sklearn_indicator(&t)?;
                }
                let eps = options.precision.machine_epsilon();
                // numpy.allclose(sums, 1, rtol=sqrt(eps)): |s − 1| ≤ 1e-8 + sqrt(eps).
                let allowed = 1e-8 + eps.sqrt();
                let raw_q = predictions.to_f64_matrix();
                for (j, c) in raw_q.column_iter().enumerate() {
                    let sum: f64 = c.iter().sum();
                    if (sum - 1.0).abs() > allowed {
                        out.warnings.push(format!(
                            "sklearn: {} of pred sums to {sum}, not 1: log_loss warns \
                             (\"{SKLEARN_SUM_WARNING}\") and does not rescale",
                            locate.sample(Operand::Predictions, j)
                        ));
                    }
                }
                let (clipped, changed) = clip(&raw_q, eps, 1.0 - eps);
                if let Some(what) = describe(&changed, k, Operand::Predictions, locate) {
                    out.changes.push(format!(
                        "clip at eps = {eps:e} ({} machine epsilon) changed {what}",
                        options.precision.name()
                    ));
                }
                q = Some(clipped);
            }
        }
        if q.is_some() || p.is_some() {
            let q = q.unwrap_or_else(|| predictions.to_f64_matrix());
            let mut targets = match p {
                Some(p) => OwnedTargets::Dense(p),
                None => OwnedTargets::Borrowed(targets),
            };
            // Dense targets made of class indices (label smoothing) have no ignored index:
            // their ignored columns are zeroed instead.
            if matches!(targets.view(), Targets::Dense(_)) {
                out.weights.ignore_index = None;
            }
            // The transformed inputs are checked as the definition checks them, except for
            // the column sums of the predictions (a clip moves them by up to k·ε).
            Unvalidated::categorical((&q).into(), targets.view(), logits)?
                .with_weights(&out.weights)?
                .validate_categorical(false, true)?;
            if let OwnedTargets::Dense(p) = &mut targets {
                for &j in &ignored {
                    p.column_mut(j).fill(0.0);
                }
            }
            out.data = Data::Categorical {
                pred: q,
                targets,
                logits,
            };
        }
        Ok((out, samples))
    }
}

/// Why scikit-learn has no reduction `none`.
const SKLEARN_NO_NONE: &str = "sklearn.metrics.log_loss returns one float: normalize=True the \
                               weighted mean, normalize=False the weighted sum; it gives no \
                               per-sample losses";

/// scikit-learn 1.9's warning for predictions whose rows do not sum to 1, verbatim.
pub const SKLEARN_SUM_WARNING: &str =
    "The y_prob values do not sum to one. Make sure to pass probabilities.";

/// Every convention's name, comma-separated, for messages.
pub fn names() -> String {
    Convention::ALL.map(Convention::name).join(", ")
}

/// The line saying what Keras's Loss object's cast to float32 changed.
fn cast_line(kind: Kind, classes: bool, what: &[String]) -> String {
    let object = match (kind, classes) {
        (Kind::Binary, _) => "BinaryCrossentropy()",
        (_, false) => "CategoricalCrossentropy()",
        (_, true) => "SparseCategoricalCrossentropy()",
    };
    format!(
        "cast to float32, as keras.losses.{object} casts its inputs (floatx; \
         keras-functional keeps float64), changed {}",
        what.join(" and ")
    )
}

/// `m` rounded to float32 (numpy's `astype(float32)`: to nearest, ties to even), and the
/// column-major indices of the entries that changed.
fn to_float32(m: &DMatrix<f64>) -> (DMatrix<f64>, Vec<usize>) {
    let cast = m.map(|v| f64::from(v as f32));
    let changed = m
        .iter()
        .zip(cast.iter())
        .enumerate()
        .filter(|(_, (a, b))| a.to_bits() != b.to_bits())
        .map(|(i, _)| i)
        .collect();
    (cast, changed)
}

/// Entries a library rescales by their column sum: any finite non-negative number
/// (counts, scores); NaN, ±∞ and negative entries get the definition's errors.
fn check_rescalable(which: Operand, m: &Array<'_>) -> Result<()> {
    if let Some((row, col, value)) = m.find_f64(f64::is_finite) {
        return Err(Error::NonFinite {
            which,
            row,
            col,
            value,
        });
    }
    if let Some((row, col, value)) = m.find_f64(|v| v >= 0.0) {
        return Err(Error::OutOfRange {
            which,
            row,
            col,
            value,
        });
    }
    Ok(())
}

/// scikit-learn's binary labels (one row): classes, not probabilities. Two distinct values
/// are mapped to 0 and 1 by sorted order, as `LabelBinarizer` does; a soft label, one
/// value only (but 0 or 1) or more than two values are refused, quoting log_loss.
fn sklearn_labels(labels: Array<'_>, out: &mut Conventional<'_>) -> Result<DMatrix<f64>> {
    const CONVENTION: &str = "sklearn";
    if let Some((row, col, value)) = labels.find_f64(f64::is_finite) {
        return Err(Error::NonFinite {
            which: Operand::Labels,
            row,
            col,
            value,
        });
    }
    if let Some((row, col, value)) = labels.find_f64(|v| v.fract() == 0.0) {
        return Err(Error::Refused {
            which: Operand::Labels,
            row,
            col,
            value,
            convention: CONVENTION,
            reason: "log_loss's labels are classes, not probabilities: scikit-learn raises \
                     \"ValueError: Unknown label type: (array([…]),)\" for soft labels \
                     (type_of_target: continuous)"
                .to_owned(),
        });
    }
    let y = labels.to_f64_matrix();
    let mut values: Vec<f64> = y.iter().copied().collect();
    values.sort_by(f64::total_cmp);
    // −0 and +0 are one label.
    values.dedup_by(|a, b| a == b);
    match *values.as_slice() {
        [v] if v == 0.0 || v == 1.0 => {
            out.warnings.push(format!(
                "sklearn: the labels hold one value only ({v}): log_loss raises \"ValueError: \
                 y_true contains only one label ({v}). Please provide the true labels \
                 explicitly through the labels argument.\"; computed as \
                 log_loss(..., labels=[0, 1]) computes it"
            ));
            Ok(y.map(|v| v.abs()))
        }
        [v] => Err(Error::RefusedInput {
            which: Operand::Labels,
            convention: CONVENTION,
            reason: format!(
                "they hold one value only ({v}), not two classes, and which class it is \
                 cannot be told: log_loss raises \"ValueError: y_true contains only one label \
                 ({v}). Please provide the true labels explicitly through the labels \
                 argument.\""
            ),
        }),
        [lo, hi] => {
            if (lo, hi) != (0.0, 1.0) {
                out.changes.push(format!(
                    "labels {lo} and {hi} mapped to 0 and 1 by sorted order (log_loss's \
                     LabelBinarizer: the larger is the positive class)"
                ));
            }
            Ok(y.map(|v| if v == lo { 0.0 } else { 1.0 }))
        }
        ref many => {
            let shown: Vec<String> = many.iter().take(5).map(f64::to_string).collect();
            let more = if many.len() > 5 { ", …" } else { "" };
            Err(Error::RefusedInput {
                which: Operand::Labels,
                convention: CONVENTION,
                reason: format!(
                    "they hold {} distinct values ({}{more}), and one probability per sample \
                     is two classes: log_loss raises \"ValueError: y_true and y_prob contain \
                     different number of classes: {} vs 2\"",
                    many.len(),
                    shown.join(", "),
                    many.len()
                ),
            })
        }
    }
}

/// scikit-learn's dense targets: a label indicator matrix (0 and 1); soft targets are
/// refused, quoting log_loss.
fn sklearn_indicator(targets: &Array<'_>) -> Result<()> {
    match targets.find_f64(|v| v == 0.0 || v == 1.0) {
        Some((row, col, value)) => Err(Error::Refused {
            which: Operand::Targets,
            row,
            col,
            value,
            convention: "sklearn",
            reason: "log_loss's targets are classes or a label indicator matrix (0 and 1), \
                     not probabilities: scikit-learn raises \"ValueError: Multioutput target \
                     data is not supported with label binarization\" for soft targets"
                .to_owned(),
        }),
        None => Ok(()),
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
            .ok_or_else(|| Error::UnknownConvention(s.to_owned()))
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
    /// The reduction asked for ([`Reduction::Mean`] unless a weighting gave another).
    pub reduction: Reduction,
    /// What the summed log-likelihood is divided by under [`Conventional::reduction`], as
    /// the library divides: `divisor` without weights; with them the library's weighted
    /// divisor (`Σ w_{y_n}`, `n_y · m`, Keras's batch size or unmasked count, …), 1 for a sum
    /// (Keras's binary sum: `n_y`, its per-sample losses being means over the outputs). For
    /// `none`, the mean's.
    pub denominator: f64,
    /// The weights the problem's terms carry (the caller's, PyTorch's −100 added).
    weights: Weights<'a>,
}

/// A reduction and the weights a convention applies: what [`Convention::binary_weighted`]
/// and [`Convention::categorical_weighted`] take. The default is the plain mean.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Weighting<'a> {
    /// Per-sample and per-class weights, positive-class weights, a mask, an ignored index.
    pub weights: Weights<'a>,
    /// The reduction.
    pub reduction: Reduction,
}

impl<'a> Weighting<'a> {
    /// `weights` reduced by `reduction`.
    pub fn new(weights: Weights<'a>, reduction: Reduction) -> Self {
        Weighting { weights, reduction }
    }

    /// Whether it asks for more than the plain mean.
    pub fn any(&self) -> bool {
        self.weights.any() || self.reduction != Reduction::Mean
    }
}

/// The per-sample losses of the reduction `none`, in nats, in the shape the library gives
/// them: `rows × samples` values in column-major order (`rows` is 1 except for PyTorch's
/// elementwise binary losses, `n_y`).
#[derive(Debug, Clone, PartialEq)]
pub struct Unreduced {
    /// The losses, column-major (sample by sample).
    pub values: Vec<f64>,
    /// Values per sample: 1, or `n_y` for PyTorch's binary `none`.
    pub rows: usize,
    /// Number of samples `m`.
    pub samples: usize,
}

/// PyTorch's default `ignore_index` of `cross_entropy` and `nll_loss`.
pub const PYTORCH_IGNORE_INDEX: i64 = -100;

/// Each sample's weights, as a convention's divisor reads them.
struct Samples {
    /// The sample weight `w_j` (1 without).
    w: Vec<f64>,
    /// `μ_j·ι_j`: 0 for a masked or ignored sample, else 1.
    keep: Vec<f64>,
    /// The class weight of the sample's target `c̄_j` (categorical; binary: 1).
    cbar: Option<Vec<f64>>,
    /// Whether the targets are class indices (as given, before any label smoothing).
    classes: bool,
}

/// The inputs of a conventional problem: the caller's, or the transformed copies.
#[derive(Debug, Clone, PartialEq)]
enum Data<'a> {
    Borrowed(Box<Problem<'a>>),
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
            data: Data::Borrowed(Box::new(problem)),
            divisor: m,
            divisor_reason: format!("mean over {m} samples"),
            changes: Vec::new(),
            warnings: Vec::new(),
            reduction: Reduction::Mean,
            denominator: m as f64,
            weights: Weights::NONE,
        }
    }

    /// The validated problem, transformed (clipped, rescaled, smoothed, clamped), with the
    /// weights its terms carry under the convention.
    pub fn problem(&self) -> Problem<'_> {
        self.unweighted().weighted_unchecked(&self.weights)
    }

    /// The convention's value of `e` (an evaluation of [`Conventional::problem`]) under its
    /// reduction, in nats: `−S / denominator`. A mean whose divisor is 0 (every sample
    /// masked, ignored or weighted 0) is [`Error::ZeroWeight`], except under Keras, whose
    /// `divide_no_nan` gives 0, and PyTorch, whose `0 / 0` is NaN; the reduction `none` is [`Error::NotScalar`]
    /// ([`Conventional::unreduced`] gives its values).
    pub fn value(&self, e: &Evaluation) -> Result<f64> {
        if self.reduction == Reduction::None {
            return Err(Error::NotScalar);
        }
        self.mean_or_value(e)
    }

    /// [`Conventional::value`], and for the reduction `none` the mean of its per-sample
    /// losses as the library would take it (`−S / denominator`): the one number a report
    /// prints beside the losses written.
    pub fn mean_or_value(&self, e: &Evaluation) -> Result<f64> {
        if self.denominator == 0.0 {
            return match self.convention {
                c if c.is_keras() => Ok(0.0),
                Convention::Pytorch => Ok(f64::NAN),
                _ => Err(Error::ZeroWeight),
            };
        }
        Ok(e.loss_over(self.denominator))
    }

    /// The per-sample losses of the reduction `none`, in nats, in the library's shape
    /// (see [`Unreduced`]): PyTorch's binary losses elementwise, `v_j·w·l_ij`; Keras's binary
    /// ones each sample's mean over its outputs; otherwise each sample's weighted loss
    /// `v_j·l_j`, 0 where masked or ignored. Each is its terms' compensated sum. scikit-learn
    /// has none ([`Error::NoSuchOption`]).
    pub fn unreduced(&self) -> Result<Unreduced> {
        if self.convention == Convention::Sklearn {
            return Err(Error::NoSuchOption {
                convention: self.convention.name(),
                option: "reduction none",
                reason: SKLEARN_NO_NONE,
            });
        }
        let problem = self.problem();
        let m = problem.samples();
        Ok(match problem {
            Problem::Binary(p) => {
                let n = p.outputs();
                let terms: Vec<(f64, f64)> = p.weighted_logs().collect();
                let element = |pair: &[(f64, f64)]| {
                    -crate::weights::compensated_sum(pair.iter().map(|(w, l)| w * l))
                };
                if self.convention == Convention::Pytorch {
                    Unreduced {
                        values: terms.chunks(2).map(element).collect(),
                        rows: n,
                        samples: m,
                    }
                } else {
                    let per = if self.convention.is_keras() {
                        n as f64
                    } else {
                        1.0
                    };
                    Unreduced {
                        values: terms.chunks(2 * n).map(|c| element(c) / per).collect(),
                        rows: 1,
                        samples: m,
                    }
                }
            }
            Problem::Categorical(p) => Unreduced {
                values: (0..m)
                    .map(|j| {
                        -crate::weights::compensated_sum(p.weighted_logs(j).map(|(w, l)| w * l))
                    })
                    .collect(),
                rows: 1,
                samples: m,
            },
        })
    }

    /// The problem without the convention's weights.
    fn unweighted(&self) -> Problem<'_> {
        match &self.data {
            Data::Borrowed(p) => **p,
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

    /// The convention's loss in nats: `−S / denominator` (`−S / divisor` without weights;
    /// see [`Conventional::value`] for the reductions' rules).
    pub fn loss(&self, e: &Evaluation) -> f64 {
        e.loss_over(self.denominator)
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

/// How a convention's reasons name a place in the caller's arrays. The defaults name the
/// `(outputs, samples)` reading's own places: entry `[row, column]`, sample `column j`; a
/// caller whose user holds the arrays otherwise (one row per sample, a CSV file) names
/// them as that user would.
pub trait Locate {
    /// Entry `[row, col]` of `operand`'s `(outputs, samples)` reading.
    fn entry(&self, operand: Operand, row: usize, col: usize) -> String {
        let _ = operand;
        format!("[{row}, {col}]")
    }

    /// Sample `col` of `operand` (a column of its `(outputs, samples)` reading).
    fn sample(&self, operand: Operand, col: usize) -> String {
        let _ = operand;
        format!("column {col}")
    }
}

/// The `(outputs, samples)` reading's own names: `[row, column]`, `column j`.
#[derive(Debug, Clone, Copy, Default)]
pub struct OutputsSamples;

impl Locate for OutputsSamples {}

/// "entry [0, 3]" or "3 entries, first [0, 3]" (of `operand`, as `locate` names its
/// entries; `indices` column-major in a reading of `rows` rows), or `None` for none.
fn describe(
    indices: &[usize],
    rows: usize,
    operand: Operand,
    locate: &dyn Locate,
) -> Option<String> {
    let &first = indices.first()?;
    let at = locate.entry(operand, first % rows, first / rows);
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
    locate: &dyn Locate,
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
        let at = locate.sample(which, col);
        let columns = match rescaled.len() {
            1 => format!("{at} sums to {sum}"),
            n => format!("{n} samples, first {at} sums to {sum}"),
        };
        changes.push(format!("{what} rescaled by each sample's sum ({columns})"));
    }
    Ok(())
}

#[cfg(test)]
mod weighted_tests;

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

    fn row(values: &[f64]) -> Array<'_> {
        crate::array::View::vector(values).array()
    }

    fn column(values: &[f64]) -> Array<'_> {
        crate::array::View::column(values).array()
    }

    /// The convention's loss in nats, `−S / divisor`, summed term by term.
    fn loss(c: &Conventional<'_>) -> f64 {
        let s: f64 = match c.problem() {
            Problem::Binary(p) => p.weighted_logs().map(|(w, l)| w * l).sum(),
            Problem::Categorical(p) => (0..p.samples())
                .flat_map(|j| p.weighted_logs(j).collect::<Vec<_>>())
                .map(|(w, l)| w * l)
                .sum(),
        };
        -s / c.divisor as f64
    }

    fn close(a: f64, b: f64) -> bool {
        // A few roundings of values of order 1.
        (a - b).abs() <= 8.0 * f64::EPSILON * b.abs().max(1.0)
    }

    #[test]
    fn scipy_and_keras_rescale_counts_and_scores_before_anything_rejects_them() -> Result<()> {
        let ln2 = std::f64::consts::LN_2;
        // entropy([1, 1]) + entropy([1, 1], [2, 2]) = ln 2: both normalised.
        let (q, p) = ([2.0, 2.0], [1.0, 1.0]);
        let c = Convention::Scipy.categorical(
            column(&q),
            Targets::Dense(column(&p)),
            &ConventionOptions::default(),
        )?;
        assert!(close(loss(&c), ln2), "{}", loss(&c));
        assert_eq!(
            c.changes,
            [
                "predictions rescaled by each sample's sum (column 0 sums to 4)",
                "targets rescaled by each sample's sum (column 0 sums to 2)"
            ]
        );
        // Keras: q = [[2, 2]] against class 0 is −ln(1/2) = 0.693, as either.
        for keras in [Convention::Keras, Convention::KerasFunctional] {
            let c = keras.categorical(
                column(&q),
                Targets::classes(&[0u8]),
                &ConventionOptions::default(),
            )?;
            assert!(close(loss(&c), ln2), "{keras}: {}", loss(&c));
        }
        // Negative entries, NaN and infinities are still refused, as the definition does.
        for convention in [Convention::Scipy, Convention::Keras] {
            let negative = convention.categorical(
                column(&[2.0, -1.0]),
                Targets::classes(&[0u8]),
                &ConventionOptions::default(),
            );
            assert_eq!(
                negative.map(|_| ()),
                Err(Error::OutOfRange {
                    which: Operand::Predictions,
                    row: 1,
                    col: 0,
                    value: -1.0
                })
            );
            let nan = convention.categorical(
                column(&[2.0, f64::NAN]),
                Targets::classes(&[0u8]),
                &ConventionOptions::default(),
            );
            assert!(
                matches!(nan, Err(Error::NonFinite { row: 1, .. })),
                "{nan:?}"
            );
        }
        // Keras does not rescale targets, nor SciPy binary entries.
        let keras_targets = Convention::KerasFunctional.categorical(
            column(&q),
            Targets::Dense(column(&p)),
            &ConventionOptions::default(),
        );
        assert!(matches!(keras_targets, Err(Error::ColumnSum { .. })));
        let binary = Convention::Scipy.binary(row(&[2.0]), row(&[1.0]), &Default::default());
        assert!(matches!(binary, Err(Error::OutOfRange { .. })));
        Ok(())
    }

    #[test]
    fn keras_loss_objects_cast_to_float32_and_the_functions_do_not() -> Result<()> {
        // y = 0, p = 0.99999991 in float64: float32 1 − 2⁻²³ for the Loss object
        // (23 ln 2 = 15.9424), clipped to 1 − 1e-7 by the function (−ln 1e-7 = 16.1181).
        let (a, y) = ([0.999_999_91], [0.0]);
        let object = Convention::Keras.binary(row(&a), row(&y), &Default::default())?;
        let function = Convention::KerasFunctional.binary(row(&a), row(&y), &Default::default())?;
        assert!(close(loss(&object), 23.0 * std::f64::consts::LN_2));
        assert!(close(loss(&function), -(-(1.0 - 1e-7f64)).ln_1p()));
        assert_eq!(format!("{:.4}", loss(&object)), "15.9424");
        assert_eq!(format!("{:.4}", loss(&function)), "16.1181");
        assert_eq!(
            object.changes,
            [
                "cast to float32, as keras.losses.BinaryCrossentropy() casts its inputs \
              (floatx; keras-functional keeps float64), changed pred entry [0, 0]"
            ]
        );
        assert_eq!(
            function.changes,
            ["clip at 1e-7 (float64) changed entry [0, 0]"]
        );
        assert!(
            object
                .divisor_reason
                .contains("BinaryCrossentropy() (the Loss object")
        );
        assert!(
            function
                .divisor_reason
                .contains("binary_crossentropy (the function")
        );
        // float32 input: the two agree, and the cast changes nothing.
        let a32 = [f64::from(0.999_999_91_f64 as f32)];
        let opts = ConventionOptions {
            precision: Precision::F32,
            ..Default::default()
        };
        let object = Convention::Keras.binary(row(&a32), row(&y), &opts)?;
        let function = Convention::KerasFunctional.binary(row(&a32), row(&y), &opts)?;
        assert_eq!(loss(&object), loss(&function));
        assert!(object.changes.is_empty(), "{:?}", object.changes);
        // Categorical: the sparse Loss object, named as such.
        let c = Convention::Keras.categorical(
            column(&[0.2, 0.8]),
            Targets::classes(&[1u8]),
            &Default::default(),
        )?;
        assert!(c.divisor_reason.contains("SparseCategoricalCrossentropy()"));
        assert!(
            c.changes[0].starts_with("cast to float32"),
            "{:?}",
            c.changes
        );
        Ok(())
    }

    #[test]
    fn sklearn_labels_are_two_classes_by_sorted_order_never_soft() -> Result<()> {
        let a = [0.9, 0.2, 0.6];
        let plain =
            Convention::Sklearn.binary(row(&a), row(&[1.0, 0.0, 1.0]), &Default::default())?;
        for (labels, mapped) in [([1.0, -1.0, 1.0], "-1 and 1"), ([5.0, 2.0, 5.0], "2 and 5")] {
            let c = Convention::Sklearn.binary(row(&a), row(&labels), &Default::default())?;
            assert_eq!(loss(&c), loss(&plain), "{labels:?}");
            assert_eq!(c.changes.len(), 1, "{:?}", c.changes);
            assert!(c.changes[0].starts_with(&format!("labels {mapped} mapped to 0 and 1")));
        }
        // Integer labels are the same classes.
        let ints = [1i64, -1, 1];
        let c = Convention::Sklearn.binary(
            row(&a),
            crate::array::View::vector(&ints).array(),
            &Default::default(),
        )?;
        assert_eq!(loss(&c), loss(&plain));
        // Soft labels: log_loss's "Unknown label type".
        let soft = Convention::Sklearn.binary(row(&a), row(&[1.0, 0.3, 1.0]), &Default::default());
        let Err(Error::Refused {
            which,
            row: 0,
            col: 1,
            value,
            reason,
            ..
        }) = soft
        else {
            panic!("{soft:?}");
        };
        assert_eq!((which, value), (Operand::Labels, 0.3));
        assert!(reason.contains("Unknown label type"), "{reason}");
        // One value: 0 or 1 is computed as with labels=[0, 1], with log_loss's refusal as a
        // warning; any other value cannot be placed.
        let one =
            Convention::Sklearn.binary(row(&a), row(&[1.0, 1.0, 1.0]), &Default::default())?;
        assert_eq!(one.warnings.len(), 1);
        assert!(one.warnings[0].contains("y_true contains only one label (1)"));
        let five = Convention::Sklearn.binary(row(&a), row(&[5.0; 3]), &Default::default());
        let Err(Error::RefusedInput { reason, .. }) = five else {
            panic!("{five:?}");
        };
        assert!(
            reason.contains("y_true contains only one label (5)"),
            "{reason}"
        );
        let three = Convention::Sklearn.binary(row(&a), row(&[0.0, 1.0, 2.0]), &Default::default());
        let Err(Error::RefusedInput { reason, .. }) = three else {
            panic!("{three:?}");
        };
        assert!(reason.contains("3 vs 2"), "{reason}");
        // Soft dense targets: log_loss's label binarizer refuses them.
        let soft = Convention::Sklearn.categorical(
            column(&[0.5, 0.5]),
            Targets::Dense(column(&[0.3, 0.7])),
            &Default::default(),
        );
        assert!(
            matches!(
                &soft,
                Err(Error::Refused {
                    which: Operand::Targets,
                    row: 0,
                    col: 0,
                    ..
                })
            ),
            "{soft:?}"
        );
        Ok(())
    }

    #[test]
    fn sklearns_warning_quotes_the_current_wording() -> Result<()> {
        let c = Convention::Sklearn.categorical(
            column(&[0.2, 0.4, 0.6]),
            Targets::classes(&[1u8]),
            &Default::default(),
        )?;
        assert!(
            c.warnings[0].contains(
                "\"The y_prob values do not sum to one. Make sure to pass probabilities.\""
            ),
            "{:?}",
            c.warnings
        );
        Ok(())
    }

    #[test]
    fn an_unknown_name_lists_every_convention() {
        let e = "torch".parse::<Convention>().unwrap_err().to_string();
        assert!(
            e.ends_with("exact, pytorch, keras, keras-functional, sklearn, scipy"),
            "{e}"
        );
    }

    #[test]
    fn describe_names_the_first_entry_and_the_count() {
        let describe = |i: &[usize], rows| describe(i, rows, Operand::Predictions, &OutputsSamples);
        assert_eq!(describe(&[], 2), None);
        assert_eq!(describe(&[3], 2).as_deref(), Some("entry [1, 1]"));
        assert_eq!(
            describe(&[2, 5], 2).as_deref(),
            Some("2 entries, first [0, 1]")
        );
    }
}
