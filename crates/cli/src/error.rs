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

/// Where an entry sits in a file, in the user's coordinates.
///
/// `.npy` positions are numpy indices (from 0, as `A[7, 0]`); `.csv` positions are line and
/// column numbers (from 1, as an editor shows them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// `A[i]` of a 1-D `.npy` array.
    Element(usize),
    /// `A[row, col]` of a 2-D `.npy` array.
    Entry {
        /// Row index, from 0.
        row: usize,
        /// Column index, from 0.
        col: usize,
    },
    /// A field of a `.csv` file.
    Line {
        /// Line number, from 1.
        line: usize,
        /// Column (field) number, from 1.
        column: usize,
    },
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Position::Element(i) => write!(f, "index [{i}]"),
            Position::Entry { row, col } => {
                write!(f, "index [{row}, {col}] (row {row}, column {col})")
            }
            Position::Line { line, column } => write!(f, "line {line}, column {column}"),
        }
    }
}

/// Why the command refused its input. Every variant names the file; `Display` is the one
/// line printed on stderr (after `error: `).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file does not exist or cannot be read.
    #[error("{file}: cannot read it: {source}")]
    Io {
        /// The file.
        file: FileRef,
        /// What the system said.
        source: io::Error,
    },
    /// A path that names a directory.
    #[error("{file}: is a directory, not a file")]
    Directory {
        /// The path.
        file: FileRef,
    },
    /// Neither `.npy` nor `.csv`.
    #[error("{file}: unsupported file type ({what}): give a .npy file (np.save) or a .csv file")]
    UnsupportedType {
        /// The file.
        file: FileRef,
        /// `extension ".txt"` or `no extension`.
        what: String,
    },
    /// A `.npy` file whose content is not a `.npy` array: no magic string, a header cut
    /// short, a header that does not parse.
    #[error("{file}: not a valid .npy file: {detail}")]
    NotNpy {
        /// The file.
        file: FileRef,
        /// What is wrong with it.
        detail: String,
    },
    /// A `.npy` file with fewer data bytes than its header announces.
    #[error(
        "{file}: truncated: the header announces shape {shape} of {dtype}, {expected} bytes \
         of data from byte {offset}, but the file holds only {found} of them \
         (it ends inside entry {entries_found} of {entries})"
    )]
    Truncated {
        /// The file.
        file: FileRef,
        /// The announced shape.
        shape: Dims,
        /// The announced dtype.
        dtype: &'static str,
        /// Byte offset of the data.
        offset: usize,
        /// Bytes of data announced.
        expected: usize,
        /// Bytes of data present.
        found: usize,
        /// Whole entries present.
        entries_found: usize,
        /// Entries announced.
        entries: usize,
    },
    /// A `.npy` file with bytes after the data its header announces.
    #[error(
        "{file}: malformed: {extra} bytes follow the {expected} bytes of data the header \
         announces (shape {shape} of {dtype})"
    )]
    Trailing {
        /// The file.
        file: FileRef,
        /// The announced shape.
        shape: Dims,
        /// The announced dtype.
        dtype: &'static str,
        /// Bytes of data announced.
        expected: usize,
        /// Bytes beyond them.
        extra: usize,
    },
    /// A dtype the command does not read.
    #[error("{file}: unsupported dtype {dtype}: use float64, float32, an integer type or bool")]
    Dtype {
        /// The file.
        file: FileRef,
        /// The dtype as numpy writes it (`'<c16'`).
        dtype: String,
    },
    /// An array that is neither 1-D nor 2-D.
    #[error("{file}: a {ndim}-D array of shape {shape}: only 1-D and 2-D arrays are accepted")]
    Rank {
        /// The file.
        file: FileRef,
        /// Number of dimensions.
        ndim: usize,
        /// The shape, as numpy prints it.
        shape: String,
    },
    /// A CSV token that is not a number.
    #[error("{file}: {at}: {token:?} is not a number{hint}")]
    NotANumber {
        /// The file.
        file: FileRef,
        /// Line and column.
        at: Position,
        /// The token, trimmed.
        token: String,
        /// A hint (a header line is not allowed), or empty.
        hint: &'static str,
    },
    /// A CSV line with a different number of columns than the first.
    #[error(
        "{file}: line {line} has {found} columns but line {first_line} has {expected}: \
         every line must hold the same number of columns"
    )]
    Ragged {
        /// The file.
        file: FileRef,
        /// The offending line.
        line: usize,
        /// Its number of columns.
        found: usize,
        /// The first line with numbers.
        first_line: usize,
        /// Its number of columns.
        expected: usize,
    },
    /// A blank line before a line of numbers in a CSV file.
    #[error(
        "{file}: line {line} is blank: blank lines are allowed only at the end of the file, \
         so that line numbers stay row numbers"
    )]
    Blank {
        /// The file.
        file: FileRef,
        /// The blank line.
        line: usize,
    },
    /// An array without entries.
    #[error("{file}: empty: shape {shape}, no entries")]
    Empty {
        /// The file.
        file: FileRef,
        /// Its shape.
        shape: Dims,
    },
    /// Two inputs whose shapes differ (boxed: the largest variant).
    #[error("{0}")]
    ShapeMismatch(Box<Mismatch>),
    /// A NaN or infinite entry.
    #[error("{file}: {at}: {value} is not finite{note}")]
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
    /// A probability or label outside [0, 1].
    #[error("{file}: {at}: {value} is not a probability in [0, 1]")]
    OutOfRange {
        /// The file.
        file: FileRef,
        /// Where.
        at: Position,
        /// The entry.
        value: f64,
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
        shape: Dims,
        /// How many samples they hold.
        samples: usize,
        /// What a sample is in their layout.
        per: &'static str,
    },
    /// A class index that is not a whole number from 0.
    #[error("{file}: {at}: {value} is not a class index (a whole number from 0)")]
    NotAClass {
        /// The class file.
        file: FileRef,
        /// Where.
        at: Position,
        /// The entry.
        value: f64,
    },
    /// A negative class index.
    #[error("{file}: {at}: class index {value} is negative: classes are numbered from 0")]
    NegativeClass {
        /// The class file.
        file: FileRef,
        /// Where.
        at: Position,
        /// The entry.
        value: f64,
    },
    /// A class index `≥ k`.
    #[error(
        "{file}: {at}: class {index} is out of range: {pred} has {classes} classes (0..{classes})"
    )]
    ClassIndex {
        /// The class file.
        file: FileRef,
        /// Where.
        at: Position,
        /// The index.
        index: usize,
        /// The predictions.
        pred: FileRef,
        /// Number of classes `k`.
        classes: usize,
    },
    /// A class file that is not a vector.
    #[error("{file}: shape {shape}: class indices must be a 1-D array, one index per sample")]
    ClassesShape {
        /// The class file.
        file: FileRef,
        /// Its shape.
        shape: Dims,
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
}

/// Two inputs whose shapes differ, named with both shapes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// The predictions.
    pub left: FileRef,
    /// Their file shape.
    pub left_shape: Dims,
    /// The labels or targets.
    pub right: FileRef,
    /// Their file shape.
    pub right_shape: Dims,
    /// The layout both were read with.
    pub layout: &'static str,
    /// The predictions' shape as read.
    pub left_internal: xent_core::Shape,
    /// The labels' or targets' shape as read.
    pub right_internal: xent_core::Shape,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "shapes differ: {} has shape {}, {} has shape {} (read with --layout {} as \
             (outputs, samples): {} and {})",
            self.left,
            self.left_shape,
            self.right,
            self.right_shape,
            self.layout,
            self.left_internal,
            self.right_internal
        )
    }
}

/// The shape of an array as stored in its file, printed as numpy prints it: `(8,)`,
/// `(1, 8)`. For a `.csv` file, `(lines, columns)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dims {
    /// A 1-D array of this length.
    One(usize),
    /// A 2-D array: rows (lines), columns.
    Two(usize, usize),
}

impl Dims {
    /// Number of entries.
    pub fn len(self) -> usize {
        match self {
            Dims::One(n) => n,
            Dims::Two(r, c) => r.saturating_mul(c),
        }
    }

    /// Whether it has no entries.
    pub fn is_empty(self) -> bool {
        self.len() == 0
    }
}

impl fmt::Display for Dims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Dims::One(n) => write!(f, "({n},)"),
            Dims::Two(r, c) => write!(f, "({r}, {c})"),
        }
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
