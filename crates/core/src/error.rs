//! The one error type of `xent-core`: every way an input can be rejected, with what and where.

use std::fmt;

/// Which input an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operand {
    /// Predicted probabilities (`A`, `A2`, `Q`).
    Predictions,
    /// Predicted logits (`z`).
    Logits,
    /// Binary labels (`Y`).
    Labels,
    /// Categorical targets (`P`).
    Targets,
    /// Class indices, one per sample.
    Classes,
    /// Per-sample weights (`sample_weight`).
    SampleWeights,
    /// Per-class weights (`class_weight`, PyTorch's `weight` of `cross_entropy`).
    ClassWeights,
    /// Positive-class weights, one per output (`pos_weight`).
    PosWeight,
    /// A mask of samples (`mask`, optax's `where`).
    Mask,
    /// The ignored class index (`ignore_index`).
    IgnoreIndex,
}

impl fmt::Display for Operand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Operand::Predictions => "pred",
            Operand::Logits => "logits",
            Operand::Labels => "labels",
            Operand::Targets => "target",
            Operand::Classes => "classes",
            Operand::SampleWeights => "sample_weight",
            Operand::ClassWeights => "class_weight",
            Operand::PosWeight => "pos_weight",
            Operand::Mask => "mask",
            Operand::IgnoreIndex => "ignore_index",
        })
    }
}

/// A matrix shape, printed as numpy prints it: `(rows, cols)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Shape {
    /// Number of rows (outputs or classes).
    pub rows: usize,
    /// Number of columns (samples).
    pub cols: usize,
}

impl Shape {
    /// The shape of a matrix.
    pub fn of<T, R, C, S>(m: &nalgebra::Matrix<T, R, C, S>) -> Self
    where
        R: nalgebra::Dim,
        C: nalgebra::Dim,
        S: nalgebra::RawStorage<T, R, C>,
    {
        Shape {
            rows: m.nrows(),
            cols: m.ncols(),
        }
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({}, {})", self.rows, self.cols)
    }
}

/// Why an input was rejected. Positions are `[row, column]`, zero-based; columns are samples.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// An input has no entries.
    #[error("{which} is empty: shape {shape}")]
    Empty {
        /// The empty input.
        which: Operand,
        /// Its shape (one dimension is 0).
        shape: Shape,
    },
    /// Two inputs that must have the same shape do not.
    #[error("shapes differ: {left} has shape {left_shape}, {right} has shape {right_shape}")]
    ShapeMismatch {
        /// The first input.
        left: Operand,
        /// Its shape.
        left_shape: Shape,
        /// The second input.
        right: Operand,
        /// Its shape.
        right_shape: Shape,
    },
    /// There is not exactly one class index per sample.
    #[error("{classes} class indices given for {samples} samples: one per sample is required")]
    ClassCount {
        /// Number of class indices.
        classes: usize,
        /// Number of samples (columns of the predictions).
        samples: usize,
    },
    /// A NaN or infinite entry (for logits: `NaN` or `+∞`; `−∞` is probability 0).
    #[error("{which}[{row}, {col}] = {} is not finite", Num(*.value))]
    NonFinite {
        /// The input holding it.
        which: Operand,
        /// Row (output or class).
        row: usize,
        /// Column (sample).
        col: usize,
        /// The entry (NaN or ±inf).
        value: f64,
    },
    /// A column of categorical logits that is entirely `−∞`: its softmax would give every
    /// class probability 0, which is not a distribution.
    #[error(
        "column {col} of {which} is entirely -inf: every class would have probability 0, \
         which is not a distribution (a sample needs at least one logit above -inf)"
    )]
    NoFiniteLogit {
        /// The input holding it (the logits).
        which: Operand,
        /// The column (sample).
        col: usize,
    },
    /// A probability or label outside [0, 1].
    #[error("{which}[{row}, {col}] = {} is not a probability in [0, 1]", Num(*.value))]
    OutOfRange {
        /// The input holding it.
        which: Operand,
        /// Row (output or class).
        row: usize,
        /// Column (sample).
        col: usize,
        /// The entry.
        value: f64,
    },
    /// A column of a categorical input that does not sum to 1.
    #[error(
        "column {col} of {which} sums to {sum}, not 1 (tolerance {tolerance:e}); \
         it is a sample and must be a probability distribution"
    )]
    ColumnSum {
        /// The input holding it.
        which: Operand,
        /// The column (sample).
        col: usize,
        /// Its sum.
        sum: f64,
        /// The tolerance it broke ([`crate::tolerance::column_sum`]).
        tolerance: f64,
    },
    /// A class index that is not one of the `k` classes (negative, fractional, too large).
    #[error(
        "classes[{sample}] = {} is not a class index: there are {classes} classes, \
         numbered 0 to {last}", Num(*.value), last = classes.saturating_sub(1))]
    ClassIndex {
        /// The sample whose index it is.
        sample: usize,
        /// The value read.
        value: f64,
        /// Number of classes `k`.
        classes: usize,
    },
    /// A problem of one kind given where the other was expected.
    #[error("expected a {expected} cross-entropy problem")]
    KindMismatch {
        /// The kind expected.
        expected: crate::formulation::Kind,
    },
    /// A log base that is not a number > 0 and ≠ 1.
    #[error("log base {0:?} is not a number > 0 and ≠ 1 (use e, 2, 10 or any such number)")]
    InvalidBase(String),
    /// Label smoothing asked of a convention that does not define it.
    #[error(
        "the {convention} convention defines no label smoothing for {kind} cross-entropy \
         (PyTorch's cross_entropy and Keras's losses do)"
    )]
    NoLabelSmoothing {
        /// The convention's name.
        convention: &'static str,
        /// `binary` or `categorical`.
        kind: &'static str,
    },
    /// A label smoothing factor outside [0, 1].
    #[error("label smoothing {0} is not a number in [0, 1]")]
    LabelSmoothingRange(f64),
    /// A convention that does not apply to this input, and why.
    #[error("the {convention} convention does not apply: {reason}")]
    ConventionUnsupported {
        /// The convention's name.
        convention: &'static str,
        /// Why, naming the library function it mirrors.
        reason: &'static str,
    },
    /// A column a convention must rescale to sum to 1 sums to 0.
    #[error(
        "column {col} of {which} sums to 0: the {convention} convention rescales every \
         column by its sum, and this one has none"
    )]
    ZeroSum {
        /// The input holding it.
        which: Operand,
        /// The column (sample).
        col: usize,
        /// The convention's name.
        convention: &'static str,
    },
    /// An entry the library a convention reproduces refuses (scikit-learn's soft labels),
    /// with the library's refusal quoted.
    #[error("{which}[{row}, {col}] = {}: the {convention} convention refuses it: {reason}", Num(*.value))]
    Refused {
        /// The input holding it.
        which: Operand,
        /// Row (output or class).
        row: usize,
        /// Column (sample).
        col: usize,
        /// The entry.
        value: f64,
        /// The convention's name.
        convention: &'static str,
        /// Why, quoting the library.
        reason: String,
    },
    /// An input the library a convention reproduces refuses as a whole (labels with one
    /// value, or more than two), with the library's refusal quoted.
    #[error("{which}: the {convention} convention refuses them: {reason}")]
    RefusedInput {
        /// The input.
        which: Operand,
        /// The convention's name.
        convention: &'static str,
        /// Why, quoting the library.
        reason: String,
    },
    /// A weight or mask array whose length is not one per sample, class or output.
    #[error(
        "{which} has shape {shape}: one entry per {per} is required ({expected} entries, \
         as one row or one column)"
    )]
    WeightCount {
        /// The weights.
        which: Operand,
        /// Their shape.
        shape: Shape,
        /// How many entries are required.
        expected: usize,
        /// `sample`, `class` or `output`.
        per: &'static str,
    },
    /// A weight or mask entry that breaks its rule.
    #[error("{which}[{index}] = {} is {rule}", Num(*.value))]
    BadWeight {
        /// The weights or mask.
        which: Operand,
        /// The entry's index (sample, class or output).
        index: usize,
        /// The entry.
        value: f64,
        /// The rule it breaks.
        rule: &'static str,
    },
    /// An option given to a problem it does not apply to.
    #[error("{which} does not apply to {kind} cross-entropy")]
    WeightNotApplicable {
        /// The option.
        which: Operand,
        /// `binary`, `categorical` or `dense-target`.
        kind: &'static str,
    },
    /// A weighted mean whose weights are all 0 (or whose samples are all masked or ignored).
    #[error(
        "every sample has weight 0 (masked, ignored or weighted 0): the mean has nothing to \
         average (reduction sum gives 0)"
    )]
    ZeroWeight,
    /// A scalar asked of the reduction `none`, which gives one loss per sample.
    #[error("reduction none gives one loss per sample, not a scalar")]
    NotScalar,
    /// A reduction name that is not `mean`, `sum`, `none` or `mean_with_sample_weight`.
    #[error("reduction {0:?} is not one of mean, sum, none, mean_with_sample_weight")]
    UnknownReduction(String),
    /// A weighting option or reduction that the library a convention reproduces does not
    /// have (scikit-learn's `log_loss` takes no class weights), naming the library's function.
    #[error("the {convention} convention has no {option}: {reason}")]
    NoSuchOption {
        /// The convention's name.
        convention: &'static str,
        /// The option: `sample_weight`, `class_weight`, `pos_weight`, `mask`,
        /// `ignore_index` or `reduction NAME`.
        option: &'static str,
        /// What the library has instead, naming its function.
        reason: &'static str,
    },
    /// An operation that does not support an option of its problem.
    #[error("{0}")]
    Unsupported(&'static str),
    /// A convention name that is not one of [`crate::Convention::ALL`] (every name listed).
    #[error("convention {0:?} is not one of {names}", names = crate::convention::names())]
    UnknownConvention(String),
}

/// A number in a message: Rust's shortest round-trip digits, in exponent form when the
/// decimal form would be long (`1e300`, not 301 digits; `1.5e-7`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Num(pub f64);

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = self.0.abs();
        if a.is_finite() && a != 0.0 && !(1e-5..1e16).contains(&a) {
            write!(f, "{:e}", self.0)
        } else {
            write!(f, "{}", self.0)
        }
    }
}

impl Error {
    /// The input and the sample (column) an entry's error is about, if it is about one:
    /// what a caller holding the samples elsewhere (a batch's rows, a file's lines) needs to
    /// say where, with [`Error::with_sample`].
    pub fn sample(&self) -> Option<(Operand, usize)> {
        self.clone().located_mut().map(|(which, s)| (which, *s))
    }

    /// The same error with its sample index `s` replaced by `at(s)` (nothing else changes).
    pub fn with_sample(mut self, at: impl FnOnce(usize) -> usize) -> Error {
        if let Some((_, s)) = self.located_mut() {
            *s = at(*s);
        }
        self
    }

    fn located_mut(&mut self) -> Option<(Operand, &mut usize)> {
        match self {
            Error::NonFinite { which, col, .. }
            | Error::OutOfRange { which, col, .. }
            | Error::NoFiniteLogit { which, col }
            | Error::ColumnSum { which, col, .. }
            | Error::ZeroSum { which, col, .. }
            | Error::Refused { which, col, .. } => Some((*which, col)),
            Error::ClassIndex { sample, .. } => Some((Operand::Classes, sample)),
            Error::BadWeight {
                which: which @ (Operand::SampleWeights | Operand::Mask),
                index,
                ..
            } => Some((*which, index)),
            _ => None,
        }
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_of_an_entry_error_moves_and_nothing_else_does() {
        let e = Error::OutOfRange {
            which: Operand::Labels,
            row: 0,
            col: 3,
            value: 1.5,
        };
        assert_eq!(e.sample(), Some((Operand::Labels, 3)));
        let moved = e.with_sample(|s| s + 10);
        assert_eq!(
            moved,
            Error::OutOfRange {
                which: Operand::Labels,
                row: 0,
                col: 13,
                value: 1.5,
            }
        );
        let class = Error::ClassIndex {
            sample: 2,
            value: 7.0,
            classes: 3,
        };
        assert_eq!(class.sample(), Some((Operand::Classes, 2)));
        // A class weight's index is a class, not a sample; a whole-input error has none.
        let weight = Error::BadWeight {
            which: Operand::ClassWeights,
            index: 1,
            value: -1.0,
            rule: "negative",
        };
        assert_eq!(weight.sample(), None);
        assert_eq!(weight.clone().with_sample(|_| 99), weight);
        assert_eq!(Error::ZeroWeight.sample(), None);
    }
}
