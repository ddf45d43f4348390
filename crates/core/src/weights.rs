//! Weights, masks and reductions: the options of a problem that change what is averaged.
//!
//! A problem's [`Weights`] are borrowed arrays, like its inputs, and every formulation
//! reads them from it (an oracle can too: [`Weights`] holds nothing but arrays and an
//! index). With per-sample weights `w_j`, a mask `μ_j ∈ {0, 1}`, an ignored class index
//! (`ι_j = 0` when sample `j`'s class is it, else 1), per-class weights `c_r` and per-output
//! positive weights `p_i`, the **effective weight** of sample `j` is `v_j = w_j·μ_j·ι_j`
//! (absent options are 1), and its loss is
//!
//! ```text
//! binary       l_j = −Σ_i [p_i·y_ij·ln a_ij + (1 − y_ij)·ln(1 − a_ij)]
//! categorical  l_j = −Σ_r c_r·P_rj·ln Q_rj          (class indices: −c_{y_j}·ln Q_{y_j j})
//! ```
//!
//! The exact convention's [`Reduction`]s are `sum = Σ_j v_j·l_j`, `mean = Σ_j v_j·l_j / W`
//! with `W = Σ_j v_j·c̄_j` (`c̄_j = Σ_r c_r·P_rj`, the class weight of the sample's target;
//! binary: `c̄_j = 1`), and `none` = the vector `(v_j·l_j)_j`. Without any option
//! `W = m` and the mean is the definition's `J`. A sample of weight 0 contributes nothing,
//! even a confident wrong one (`0·∞ = 0`, as `0·ln 0 = 0`).

use std::fmt;
use std::str::FromStr;

use crate::array::{Array, Element, View};
use crate::error::{Error, Operand, Result};
use crate::formulation::Evaluation;

/// Per-sample weights, per-class weights, per-output positive weights, a mask of samples and
/// an ignored class index: each optional, each borrowed. See the [module docs](self) for
/// what they mean; [`crate::BinaryProblem::with_weights`] and
/// [`crate::CategoricalProblem::with_weights`] validate them against a problem.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Weights<'a> {
    /// One finite non-negative weight per sample (`m` entries): `w_j`.
    pub sample: Option<Array<'a>>,
    /// One finite non-negative weight per class (`k` entries, categorical): `c_r`.
    pub class: Option<Array<'a>>,
    /// One finite non-negative weight of the positive class per output (`n_y` entries,
    /// binary; PyTorch's `pos_weight`): `p_i`.
    pub positive: Option<Array<'a>>,
    /// One entry per sample, `true`/1 to keep it, `false`/0 to leave it out: `μ_j`.
    pub mask: Option<Array<'a>>,
    /// A class index whose samples are left out (categorical class indices; PyTorch's
    /// `ignore_index`, Keras's `ignore_class`); it may lie outside `0..k`, even be negative.
    pub ignore_index: Option<i64>,
}

impl<'a> Weights<'a> {
    /// No weights: every option absent.
    pub const NONE: Weights<'static> = Weights {
        sample: None,
        class: None,
        positive: None,
        mask: None,
        ignore_index: None,
    };

    /// Per-sample weights from a slice.
    pub fn samples<T: Element>(weights: &'a [T]) -> Self {
        Weights {
            sample: Some(View::vector(weights).array()),
            ..Weights::default()
        }
    }

    /// Every option from a slice, each optional (a catalogue's or a caller's lists).
    pub fn from_lists(
        sample: Option<&'a [f64]>,
        class: Option<&'a [f64]>,
        positive: Option<&'a [f64]>,
        mask: Option<&'a [f64]>,
        ignore_index: Option<i64>,
    ) -> Self {
        let vector = |w: Option<&'a [f64]>| w.map(|w| View::vector(w).array());
        Weights {
            sample: vector(sample),
            class: vector(class),
            positive: vector(positive),
            mask: vector(mask),
            ignore_index,
        }
    }

    /// Whether any option is present.
    pub fn any(&self) -> bool {
        *self != Weights::default()
    }

    /// The per-sample weights `w_j`, if given.
    pub fn with_sample(mut self, weights: Array<'a>) -> Self {
        self.sample = Some(weights);
        self
    }

    /// The per-class weights `c_r`, if given.
    pub fn with_class(mut self, weights: Array<'a>) -> Self {
        self.class = Some(weights);
        self
    }

    /// The positive-class weights `p_i`, if given.
    pub fn with_positive(mut self, weights: Array<'a>) -> Self {
        self.positive = Some(weights);
        self
    }

    /// The mask `μ_j`, if given.
    pub fn with_mask(mut self, mask: Array<'a>) -> Self {
        self.mask = Some(mask);
        self
    }

    /// The ignored class index, if given.
    pub fn with_ignore_index(mut self, index: i64) -> Self {
        self.ignore_index = Some(index);
        self
    }

    /// Checks the lengths (each array one row or one column, of `samples`, `classes` or
    /// `outputs` entries). `classes` is `None` for a binary problem (no class weights, no
    /// ignored index) and `outputs` `None` for a categorical one (no positive weights).
    pub(crate) fn check_shapes(
        &self,
        samples: usize,
        classes: Option<usize>,
        outputs: Option<usize>,
        class_indices: bool,
    ) -> Result<()> {
        let vector =
            |which: Operand, a: Option<Array<'a>>, expected: usize, per: &'static str| match a {
                Some(a) if (a.rows() > 1 && a.cols() > 1) || a.len() != expected => {
                    Err(Error::WeightCount {
                        which,
                        shape: a.shape(),
                        expected,
                        per,
                    })
                }
                _ => Ok(()),
            };
        let unsupported =
            |which: Operand, kind: &'static str| Error::WeightNotApplicable { which, kind };
        if classes.is_none() {
            if self.class.is_some() {
                return Err(unsupported(Operand::ClassWeights, "binary"));
            }
            if self.ignore_index.is_some() {
                return Err(unsupported(Operand::IgnoreIndex, "binary"));
            }
        }
        if outputs.is_none() && self.positive.is_some() {
            return Err(unsupported(Operand::PosWeight, "categorical"));
        }
        if self.ignore_index.is_some() && !class_indices {
            return Err(unsupported(Operand::IgnoreIndex, "dense-target"));
        }
        vector(Operand::SampleWeights, self.sample, samples, "sample")?;
        vector(
            Operand::ClassWeights,
            self.class,
            classes.unwrap_or(0),
            "class",
        )?;
        vector(
            Operand::PosWeight,
            self.positive,
            outputs.unwrap_or(0),
            "output",
        )?;
        vector(Operand::Mask, self.mask, samples, "sample")
    }

    /// Checks the entries, in this order: sample weights, class weights, positive weights
    /// (each finite, then non-negative), the mask (each entry 0 or 1); the first offending
    /// entry of the first check that fails.
    pub(crate) fn check_entries(&self) -> Result<()> {
        for (which, a) in [
            (Operand::SampleWeights, self.sample),
            (Operand::ClassWeights, self.class),
            (Operand::PosWeight, self.positive),
        ] {
            if let Some(a) = a {
                check_weight(which, &a)?;
            }
        }
        if let Some(mask) = self.mask
            && let Some(bad) = mask.find_f64(|v| v == 0.0 || v == 1.0)
        {
            let (index, value) = index_of(&mask, bad);
            return Err(Error::BadWeight {
                which: Operand::Mask,
                index,
                value,
                rule: "not 0 or 1 (a mask keeps a sample with true or 1, leaves it out with \
                       false or 0)",
            });
        }
        Ok(())
    }

    /// `w_j·μ_j` (1 for absent options); the ignored index is the problem's to apply.
    #[inline]
    pub(crate) fn sample_factor(&self, j: usize) -> f64 {
        let w = self.sample.map_or(1.0, |w| entry(&w, j));
        match self.mask {
            Some(mask) if entry(&mask, j) == 0.0 => 0.0,
            _ => w,
        }
    }

    /// `c_r` (1 without class weights).
    #[inline]
    pub fn class_weight(&self, r: usize) -> f64 {
        self.class.map_or(1.0, |c| entry(&c, r))
    }

    /// `p_i` (1 without positive weights).
    #[inline]
    pub fn positive_weight(&self, i: usize) -> f64 {
        self.positive.map_or(1.0, |p| entry(&p, i))
    }
}

/// Entry `i` of a vector given as one row or one column.
#[inline]
pub fn entry(a: &Array<'_>, i: usize) -> f64 {
    if a.rows() == 1 {
        a.get_f64(0, i)
    } else {
        a.get_f64(i, 0)
    }
}

/// The index in a vector (one row or one column) of a `find_f64` result, and its value.
fn index_of(a: &Array<'_>, (row, col, value): (usize, usize, f64)) -> (usize, f64) {
    (if a.rows() == 1 { col } else { row }, value)
}

fn check_weight(which: Operand, a: &Array<'_>) -> Result<()> {
    let bad = a
        .find_f64(f64::is_finite)
        .map(|b| (b, "not finite"))
        .or_else(|| {
            a.find_f64(|v| v >= 0.0)
                .map(|b| (b, "negative (a weight is a finite number ≥ 0)"))
        });
    match bad {
        Some((at, rule)) => {
            let (index, value) = index_of(a, at);
            Err(Error::BadWeight {
                which,
                index,
                value,
                rule,
            })
        }
        None => Ok(()),
    }
}

/// How per-sample losses are reduced to what a caller gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Reduction {
    /// The weighted mean `Σ_j v_j·l_j / W` (the definition's `J` without weights).
    #[default]
    Mean,
    /// The weighted sum `Σ_j v_j·l_j`.
    Sum,
    /// No reduction: the per-sample losses `v_j·l_j`, one per sample.
    None,
    /// Keras's `reduction="mean_with_sample_weight"`: the weighted sum divided by the sum of
    /// the sample weights (merged with any mask). Only the Keras Loss objects' convention
    /// defines it; for a [`Reduction::scalar`] of an exact evaluation it is
    /// [`Reduction::Mean`], whose divisor is already `Σ v_j·c̄_j`.
    MeanWithSampleWeight,
}

impl Reduction {
    /// Every reduction, in the order the command lists them.
    pub const ALL: [Reduction; 4] = [
        Reduction::Mean,
        Reduction::Sum,
        Reduction::None,
        Reduction::MeanWithSampleWeight,
    ];

    /// `mean`, `sum`, `none` or `mean_with_sample_weight` (Keras's name).
    pub fn as_str(self) -> &'static str {
        match self {
            Reduction::Mean => "mean",
            Reduction::Sum => "sum",
            Reduction::None => "none",
            Reduction::MeanWithSampleWeight => "mean_with_sample_weight",
        }
    }

    /// The scalar this reduction gives of `evaluation`, in nats: `−S / W` for the mean,
    /// `−S` for the sum. The mean of samples whose weights are all 0 is refused
    /// ([`Error::ZeroWeight`]), as `0/0` is no loss; `none` is not a scalar
    /// ([`Error::NotScalar`]).
    pub fn scalar(self, evaluation: &Evaluation) -> Result<f64> {
        match self {
            Reduction::Mean | Reduction::MeanWithSampleWeight if evaluation.weight == 0.0 => {
                Err(Error::ZeroWeight)
            }
            Reduction::Mean | Reduction::MeanWithSampleWeight => Ok(evaluation.nats()),
            Reduction::Sum => Ok(evaluation.loss_over(1.0)),
            Reduction::None => Err(Error::NotScalar),
        }
    }
}

impl fmt::Display for Reduction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Reduction {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Reduction::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| Error::UnknownReduction(s.to_owned()))
    }
}

/// A compensated (Neumaier) sum of `terms` in order: the divisor `W` every formulation
/// shares, within `2u` relative of the exact sum of its (non-negative) terms.
pub(crate) fn compensated_sum(terms: impl Iterator<Item = f64>) -> f64 {
    let (mut s, mut c) = (0.0f64, 0.0f64);
    for t in terms {
        let n = s + t;
        c += if s.abs() >= t.abs() {
            (s - n) + t
        } else {
            (t - n) + s
        };
        s = n;
    }
    s + c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{BinaryProblem, CategoricalProblem, Targets, Unvalidated};

    const A: [f64; 4] = [0.9, 0.2, 0.6, 0.7];
    const Y: [f64; 4] = [1.0, 0.0, 1.0, 0.0];

    fn binary() -> BinaryProblem<'static> {
        BinaryProblem::new(View::vector(&A), View::vector(&Y)).expect("valid")
    }

    /// One `check(weights, expected error)` per rule, each naming the entry in the user's
    /// (1-D) coordinates.
    #[test]
    fn weights_are_validated_like_inputs() {
        let short = [1.0, 2.0];
        let negative = [1.0, 2.0, -0.5, 1.0];
        let nan = [1.0, f64::NAN, 1.0, 1.0];
        let mask = [1u8, 2, 1, 0];
        let cases: [(Weights<'_>, &str); 5] = [
            (
                Weights::samples(&short),
                "sample_weight has shape (1, 2): one entry per sample is required (4 entries, \
                 as one row or one column)",
            ),
            (
                Weights::samples(&negative),
                "sample_weight[2] = -0.5 is negative (a weight is a finite number ≥ 0)",
            ),
            (
                Weights::samples(&nan),
                "sample_weight[1] = NaN is not finite",
            ),
            (
                Weights::default().with_mask(View::vector(&mask).array()),
                "mask[1] = 2 is not 0 or 1 (a mask keeps a sample with true or 1, leaves it out \
                 with false or 0)",
            ),
            (
                Weights::default().with_ignore_index(3),
                "ignore_index does not apply to binary cross-entropy",
            ),
        ];
        for (weights, expected) in cases {
            let err = binary().with_weights(&weights).expect_err(expected);
            assert_eq!(err.to_string(), expected);
        }
    }

    const IGNORE: Weights<'static> = Weights {
        ignore_index: Some(-100),
        ..Weights::NONE
    };

    #[test]
    fn the_ignored_index_is_accepted_among_class_indices_and_leaves_its_samples_out() {
        let q = [0.2, 0.8, 0.6, 0.4, 0.5, 0.5];
        let classes = [1i64, -100, 0];
        let pred = View::col_major(&q, 2, 3).expect("6 entries").array();
        // Without the option −100 is no class index ...
        let plain = Unvalidated::categorical(pred, Targets::classes(&classes), false)
            .expect("shapes")
            .validate();
        assert!(matches!(plain, Err(Error::ClassIndex { sample: 1, .. })));
        // ... with it, sample 1 weighs nothing.
        let p = Unvalidated::categorical(pred, Targets::classes(&classes), false)
            .and_then(|u| u.with_weights(&IGNORE))
            .and_then(Unvalidated::validate)
            .expect("valid");
        assert_eq!(
            (0..3).map(|j| p.sample_weight(j)).collect::<Vec<_>>(),
            [1.0, 0.0, 1.0]
        );
        assert_eq!(p.weight_total(), 2.0);
    }

    #[test]
    fn class_weights_give_pytorchs_divisor() {
        // W = Σ_j v_j·c_{y_j}: classes [1, 1, 0] with weights c = [2, 0.5].
        let q = [0.2, 0.8, 0.6, 0.4, 0.5, 0.5];
        let (classes, c) = ([1u8, 1, 0], [2.0, 0.5]);
        let weights = Weights::default().with_class(View::vector(&c).array());
        let p = CategoricalProblem::with_classes(View::col_major(&q, 2, 3).expect("6"), &classes)
            .and_then(|p| p.with_weights(&weights))
            .expect("valid");
        assert_eq!(p.weight_total(), 0.5 + 0.5 + 2.0);
        assert_eq!(p.term_weight(1, 0), 0.5);
        assert_eq!(p.term_weight(0, 0), 0.0);
    }

    #[test]
    fn reductions_parse_and_refuse_an_empty_mean() {
        assert_eq!("sum".parse::<Reduction>(), Ok(Reduction::Sum));
        assert!("avg".parse::<Reduction>().is_err());
        let zero = [0.0; 4];
        let weights = Weights::samples(&zero);
        let p = binary().with_weights(&weights).expect("valid");
        let e = Evaluation::new(-1.0, 4, crate::ReducedShape::Scalar).with_weight(p.weight_total());
        assert_eq!(Reduction::Mean.scalar(&e), Err(Error::ZeroWeight));
        assert_eq!(Reduction::Sum.scalar(&e), Ok(1.0));
        assert_eq!(Reduction::None.scalar(&e), Err(Error::NotScalar));
    }
}
