//! The one error type of `xent-cli`: every way the command can refuse its input, each
//! message naming the file (by its flag and path), the position in the user's own
//! coordinates, and the rule that was broken.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// A file given on the command line, named as the user named it: `--pred A.npy`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRef {
    /// The flag it was given with (`--pred`, `--labels`, `--target`, `--classes`).
    pub flag: &'static str,
    /// The path as given.
    pub path: Box<Path>,
}

impl FileRef {
    /// A file given with `flag`.
    pub fn new(flag: &'static str, path: impl Into<PathBuf>) -> Self {
        FileRef {
            flag,
            path: path.into().into_boxed_path(),
        }
    }
}

impl fmt::Display for FileRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.flag, self.path.display())
    }
}

pub use xent_io::Position;

/// Why the command refused its input. Every variant names the file; `Display` is the one
/// line printed on stderr (after `error: `).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file that cannot be read as an array (missing, not a `.npy` or `.csv` file, a
    /// malformed header, a truncated file, a token that is not a number, …): `xent-io`'s
    /// message, after the flag that named the file.
    #[error("{flag} {source}")]
    Read {
        /// The flag the file was given with.
        flag: &'static str,
        /// What `xent-io` said, naming the file and the position.
        source: xent_io::Error,
    },
    /// A 2-D array that reads two ways, neither more sensible than the other.
    #[error("{}", ambiguous(file, shape, *rows, *cols, *role))]
    Ambiguous {
        /// The file.
        file: FileRef,
        /// Its shape, as numpy prints it.
        shape: String,
        /// Its rows.
        rows: usize,
        /// Its columns.
        cols: usize,
        /// What it was read for.
        role: crate::layout::Role,
    },
    /// An array without entries.
    #[error("{file}: empty: shape {shape}, no entries")]
    Empty {
        /// The file.
        file: FileRef,
        /// Its shape.
        shape: String,
    },
    /// Two inputs whose shapes differ (boxed: the largest variant).
    #[error("{0}")]
    ShapeMismatch(Box<Mismatch>),
    /// A NaN or infinite entry.
    #[error("{file}: {at}: {} is not finite{note}", xent_core::error::Num(*.value))]
    NonFinite {
        /// The file.
        file: FileRef,
        /// Where.
        at: Position,
        /// The entry.
        value: f64,
        /// Why logits are not exempt, or empty.
        note: &'static str,
    },
    /// A sample whose logits are all `-inf`: no class has any probability.
    #[error(
        "{file}: {sample}: every logit is -inf, so no class has any probability: a sample \
         must allow at least one class"
    )]
    NoFiniteLogit {
        /// The file.
        file: FileRef,
        /// The sample in the user's terms.
        sample: String,
    },
    /// A probability or label outside [0, 1].
    #[error("{file}: {at}: {} is not a probability in [0, 1]{hint}", xent_core::error::Num(*.value))]
    OutOfRange {
        /// The file.
        file: FileRef,
        /// Where.
        at: Position,
        /// The entry.
        value: f64,
        /// A guess at the cause (logits without `--from-logits`), or empty.
        hint: &'static str,
    },
    /// A sample of a categorical input that does not sum to 1.
    #[error(
        "{file}: {sample} sums to {sum}, not 1 (tolerance {tolerance:e}): {why}; \
         nothing is renormalised"
    )]
    ColumnSum {
        /// The file.
        file: FileRef,
        /// The sample in the user's terms: `column 3`, `row 3`, `line 4`, `the array`.
        sample: String,
        /// Its sum.
        sum: f64,
        /// The tolerance it broke.
        tolerance: f64,
        /// Why it must sum to 1, in the user's layout.
        why: &'static str,
    },
    /// Not one class index per sample.
    #[error(
        "{classes} holds {count} class indices but {pred} has {samples} samples \
         (shape {shape}, {per}): one index per sample is required"
    )]
    ClassCount {
        /// The class file.
        classes: FileRef,
        /// How many indices it holds.
        count: usize,
        /// The predictions.
        pred: FileRef,
        /// Their file shape.
        shape: String,
        /// How many samples they hold.
        samples: usize,
        /// What a sample is in their layout.
        per: &'static str,
    },
    /// A class index that is not one of the `k` classes (negative, fractional, too large).
    #[error(
        "{file}: {at}: {} is not a class index: {pred} has {classes} classes, \
         numbered 0 to {last}", xent_core::error::Num(*.value))]
    ClassIndex {
        /// The class file.
        file: FileRef,
        /// Where.
        at: Position,
        /// The value read.
        value: f64,
        /// The predictions.
        pred: FileRef,
        /// Number of classes `k`.
        classes: usize,
        /// The last class, `k − 1`.
        last: usize,
    },
    /// A class file that is not a vector.
    #[error("{file}: shape {shape}: class indices must be a 1-D array, one index per sample")]
    ClassesShape {
        /// The class file.
        file: FileRef,
        /// Its shape.
        shape: String,
    },
    /// A sample a convention must rescale by its sum that sums to 0.
    #[error(
        "{file}: {sample} sums to 0: the {convention} convention divides every sample by its \
         sum ({why}), and this one has none"
    )]
    ZeroSum {
        /// The file.
        file: FileRef,
        /// The sample in the user's terms: `column 3`, `row 3`, `line 4`, `the array`.
        sample: String,
        /// The convention's name.
        convention: &'static str,
        /// What a sample is in this file.
        why: &'static str,
    },
    /// An entry the library a convention reproduces refuses, with its refusal quoted.
    #[error("{file}: {at}: {}: the {convention} convention refuses it: {reason}", xent_core::error::Num(*.value))]
    Refused {
        /// The file.
        file: FileRef,
        /// Where.
        at: Position,
        /// The entry.
        value: f64,
        /// The convention's name.
        convention: &'static str,
        /// Why, quoting the library.
        reason: String,
    },
    /// A whole input the library a convention reproduces refuses, with its refusal quoted.
    #[error("{file}: the {convention} convention refuses these labels: {reason}")]
    RefusedInput {
        /// The file.
        file: FileRef,
        /// The convention's name.
        convention: &'static str,
        /// Why, quoting the library.
        reason: String,
    },
    /// A validation error of `xent-core` that names no file (class indices without a class
    /// file, a log base): cannot arise from the command line, kept so nothing is lost.
    #[error("{0}")]
    Core(xent_core::Error),
    /// A usage rule clap cannot express.
    #[error("{0}")]
    Usage(&'static str),
    /// `xent verify --claims FILE`: the claims file cannot be read or parsed.
    #[error("{0}")]
    Verify(#[from] xent_verify::Error),
    /// `xent check`: the expression does not parse, names something unknown, or is rejected
    /// as numpy would reject it; the message is rendered with the expression and a caret.
    #[error("{0}")]
    Expr(String),
    /// The result could not be written.
    #[error("cannot write the result to stdout: {0}")]
    Output(io::Error),
    /// A Parquet column that cannot be read as the command needs it: a row is a sample.
    #[error("{file}: {rule}")]
    ParquetRows {
        /// The file.
        file: FileRef,
        /// The rule.
        rule: &'static str,
    },
    /// A weight or mask file that is not a 1-D array.
    #[error("{file}: shape {shape}: weights and masks must be a 1-D array")]
    WeightShape {
        /// The file.
        file: FileRef,
        /// Its shape.
        shape: String,
    },
    /// A weight or mask file with the wrong number of entries.
    #[error("{file}: {count} entries: one per {per} is required ({expected})")]
    WeightCount {
        /// The file.
        file: FileRef,
        /// How many entries it has.
        count: usize,
        /// How many are required.
        expected: usize,
        /// `sample`, `class` or `output`.
        per: &'static str,
    },
    /// A weight or mask entry that breaks its rule.
    #[error("{file}: {at}: {} is {rule}", xent_core::error::Num(*.value))]
    BadWeight {
        /// The file.
        file: FileRef,
        /// Where, in the file's coordinates.
        at: Position,
        /// The entry.
        value: f64,
        /// The rule it breaks.
        rule: &'static str,
    },
    /// `--per-sample FILE` could not be written.
    #[error("--per-sample {}: cannot write it: {source}", path.display())]
    Write {
        /// The file.
        path: Box<Path>,
        /// Why.
        source: io::Error,
    },
}

/// Two inputs whose shapes differ, named with both shapes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// The predictions.
    pub left: FileRef,
    /// Their file shape.
    pub left_shape: String,
    /// How they were read.
    pub left_reading: &'static str,
    /// The labels or targets.
    pub right: FileRef,
    /// Their file shape.
    pub right_shape: String,
    /// How they were read.
    pub right_reading: &'static str,
    /// The predictions' shape as read.
    pub left_internal: xent_core::Shape,
    /// The labels' or targets' shape as read.
    pub right_internal: xent_core::Shape,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "shapes differ: {} has shape {}, {} has shape {} (read as (outputs, samples): \
             {} ({}) and {} ({}))",
            self.left,
            self.left_shape,
            self.right,
            self.right_shape,
            self.left_internal,
            self.left_reading,
            self.right_internal,
            self.right_reading,
        )?;
        let (l, r) = (self.left_internal, self.right_internal);
        if l.rows == r.cols && l.cols == r.rows && l.rows != l.cols {
            write!(
                f,
                "; they are each other's transpose: is one of them one row per sample?"
            )?;
        }
        Ok(())
    }
}

impl Error {
    /// A reading error of the file given with `file`'s flag.
    pub fn read(file: &FileRef, source: xent_io::Error) -> Self {
        Error::Read {
            flag: file.flag,
            source,
        }
    }
}

fn ambiguous(
    file: &FileRef,
    shape: &str,
    rows: usize,
    cols: usize,
    role: crate::layout::Role,
) -> String {
    let (what, kind) = match role {
        crate::layout::Role::Binary => ("outputs", "(n_y, m)"),
        crate::layout::Role::Categorical => ("classes", "(k, m)"),
    };
    format!(
        "{file}: shape {shape} reads two ways: {rows} {what} × {cols} samples (--layout cols, \
         each column a sample, the documents' {kind}) or {rows} samples × {cols} {what} \
         (--layout rows, each row a sample, as PyTorch and Keras hold it); say which with \
         --layout"
    )
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
