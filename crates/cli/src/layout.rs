//! From the user's arrays to the documents' layout, and back for error messages.
//!
//! Every problem of `xent-core` has **columns as samples**: an `(n, m)` matrix of `n`
//! outputs (or classes) by `m` samples. The user's files are read into that layout:
//!
//! - `--layout cols` (the default, the documents' layout): a 2-D array `(n, m)` is taken as
//!   it is;
//! - `--layout rows` (PyTorch's and Keras' layout): a 2-D array `(m, n)` has one sample per
//!   row and is taken transposed;
//! - a 1-D array, whatever the layout: for `binary`, `m` samples of one output, `(1, m)`;
//!   for `categorical`, one distribution over `k` classes (a single sample), `(k, 1)`;
//! - `--classes`: one class index per sample, a 1-D array (or a 2-D one with a dimension
//!   of 1, such as a one-line or one-column CSV file).
//!
//! The transposition happens while the file is decoded ([`crate::input`]): the matrix is
//! built once, never copied. The other direction, [`explain`], turns a validation error of
//! `xent-core` (about `pred[0, 7]` of the internal matrix) into one about the user's file, in
//! the user's coordinates: with `--layout rows`, sample 7 is *row* 7 of their file.

use nalgebra::DMatrix;
use xent_core::Operand;

use crate::error::{Dims, Error, FileRef, Mismatch, Position, Result};
use crate::input::{self, Format, Order};

/// Which axis of a 2-D file holds the samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Layout {
    /// Each column is a sample: `(outputs, samples)`, the documents' layout.
    #[default]
    Cols,
    /// Each row is a sample: `(samples, outputs)`, the PyTorch/Keras layout.
    Rows,
}

impl Layout {
    /// `"cols"` or `"rows"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Layout::Cols => "cols",
            Layout::Rows => "rows",
        }
    }
}

/// Which problem an array is read for: it decides what a 1-D array means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A 1-D array is `m` samples of one output: `(1, m)`.
    Binary,
    /// A 1-D array is one distribution over `k` classes: `(k, 1)`.
    Categorical,
}

/// Where a matrix came from and how it was laid out, to speak of its entries in the
/// user's terms.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// The file.
    pub file: FileRef,
    /// Its format.
    pub format: Format,
    /// Its shape in the file.
    pub dims: Dims,
    /// The layout it was read with.
    pub layout: Layout,
    /// What it was read for.
    pub role: Role,
}

impl Source {
    /// The file's `[row, col]` of the internal entry `[row, col]` (for a 1-D file,
    /// `[0, index]`).
    fn file_coords(&self, row: usize, col: usize) -> (usize, usize) {
        match (self.dims, self.role, self.layout) {
            (Dims::One(_), Role::Binary, _) => (0, col),
            (Dims::One(_), Role::Categorical, _) => (0, row),
            (Dims::Two(..), _, Layout::Cols) => (row, col),
            (Dims::Two(..), _, Layout::Rows) => (col, row),
        }
    }

    /// The position in the file of the internal entry `[row, col]`.
    pub fn position(&self, row: usize, col: usize) -> Position {
        let (r, c) = self.file_coords(row, col);
        self.format.position(self.dims, r, c)
    }

    /// Sample `col` in the user's terms: `column 3`, `row 3`, `line 4`, `the array`.
    pub fn sample(&self, col: usize) -> String {
        match (self.dims, self.layout, self.format) {
            (Dims::One(_), ..) => "the array".to_owned(),
            (_, Layout::Cols, Format::Npy) => format!("column {col}"),
            (_, Layout::Cols, Format::Csv) => format!("column {}", col + 1),
            (_, Layout::Rows, Format::Npy) => format!("row {col}"),
            (_, Layout::Rows, Format::Csv) => format!("line {}", col + 1),
        }
    }

    /// Why a sample must sum to 1, in the user's layout.
    fn why_distribution(&self) -> &'static str {
        match (self.dims, self.layout) {
            (Dims::One(_), _) => {
                "a 1-D array is one distribution over the classes and must sum to 1"
            }
            (_, Layout::Cols) => {
                "under --layout cols each column is a sample and must be a probability \
                 distribution (use --layout rows if each row is a sample)"
            }
            (_, Layout::Rows) => {
                "under --layout rows each row is a sample and must be a probability \
                 distribution (use --layout cols if each column is a sample)"
            }
        }
    }

    /// What a sample is in this file.
    fn samples_are(&self) -> &'static str {
        match (self.dims, self.role, self.layout) {
            (Dims::One(_), Role::Binary, _) => "a 1-D array: each entry is a sample",
            (Dims::One(_), Role::Categorical, _) => "a 1-D array: one sample",
            (_, _, Layout::Cols) => "each column is a sample under --layout cols",
            (_, _, Layout::Rows) => "each row is a sample under --layout rows",
        }
    }
}

/// A matrix in the documents' layout and its source.
#[derive(Debug, Clone, PartialEq)]
pub struct Placed {
    /// The matrix, `(outputs, samples)`.
    pub matrix: DMatrix<f64>,
    /// Where it came from.
    pub source: Source,
    /// The dtype it was stored as (`float64`, `float32`, …; `csv` for text).
    pub dtype: String,
}

/// Reads `file` as an `(outputs, samples)` matrix.
pub fn read_matrix(file: FileRef, layout: Layout, role: Role) -> Result<Placed> {
    // Under `cols` the file's (r, c) is the matrix, column-major; under `rows` the matrix is
    // its transpose, whose column-major order is the file's row-major order.
    let order = match layout {
        Layout::Cols => Order::ColMajor,
        Layout::Rows => Order::RowMajor,
    };
    let array = input::read(&file, order)?;
    let (rows, cols) = match (array.dims, role, layout) {
        (Dims::One(n), Role::Binary, _) => (1, n),
        (Dims::One(n), Role::Categorical, _) => (n, 1),
        (Dims::Two(r, c), _, Layout::Cols) => (r, c),
        (Dims::Two(r, c), _, Layout::Rows) => (c, r),
    };
    Ok(Placed {
        dtype: array.dtype,
        matrix: DMatrix::from_vec(rows, cols, array.values),
        source: Source {
            file,
            format: array.format,
            dims: array.dims,
            layout,
            role,
        },
    })
}

/// Class indices, one per sample, and where they came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Classes {
    /// The indices, checked to be whole numbers `≥ 0` (not yet against `k`).
    pub indices: Vec<usize>,
    /// The file.
    pub file: FileRef,
    /// Its format.
    pub format: Format,
    /// Its shape.
    pub dims: Dims,
}

impl Classes {
    /// The position in the file of sample `s`'s index.
    pub fn position(&self, s: usize) -> Position {
        let (r, c) = match self.dims {
            Dims::Two(_, 1) => (s, 0),
            _ => (0, s),
        };
        self.format.position(self.dims, r, c)
    }
}

/// Reads `file` as one class index per sample: any integer dtype, or whole numbers stored as
/// floats; negative and fractional entries are rejected here, before any conversion.
pub fn read_classes(file: FileRef) -> Result<Classes> {
    let array = input::read(&file, Order::RowMajor)?;
    if let Dims::Two(r, c) = array.dims
        && r != 1
        && c != 1
    {
        return Err(Error::ClassesShape {
            file,
            shape: array.dims,
        });
    }
    let mut classes = Classes {
        indices: Vec::with_capacity(array.values.len()),
        file,
        format: array.format,
        dims: array.dims,
    };
    for (s, &v) in array.values.iter().enumerate() {
        if !v.is_finite() || v.fract() != 0.0 {
            return Err(Error::NotAClass {
                at: classes.position(s),
                file: classes.file,
                value: v,
            });
        }
        if v < 0.0 {
            return Err(Error::NegativeClass {
                at: classes.position(s),
                file: classes.file,
                value: v,
            });
        }
        // Saturates above usize::MAX, which is out of range for any k.
        classes.indices.push(v as usize);
    }
    Ok(classes)
}

/// The second input of a problem: labels or targets (a matrix), or class indices.
#[derive(Debug, Clone, Copy)]
pub enum Other<'a> {
    /// `--labels` or `--target`.
    Matrix(&'a Source),
    /// `--classes`.
    Classes(&'a Classes),
}

/// Turns a validation error of `xent-core` into one about the user's files, in their
/// coordinates. `pred` is the `--pred` source, `other` the second input.
pub fn explain(err: xent_core::Error, pred: &Source, other: Other<'_>) -> Error {
    use xent_core::Error as E;
    let source_of = |which: Operand| -> &Source {
        match (which, other) {
            (Operand::Labels | Operand::Targets, Other::Matrix(s)) => s,
            _ => pred,
        }
    };
    match err {
        E::Empty { which, .. } => {
            let s = source_of(which);
            Error::Empty {
                file: s.file.clone(),
                shape: s.dims,
            }
        }
        E::ShapeMismatch {
            left,
            left_shape,
            right,
            right_shape,
        } => {
            let (l, r) = (source_of(left), source_of(right));
            Error::ShapeMismatch(Box::new(Mismatch {
                left: l.file.clone(),
                left_shape: l.dims,
                right: r.file.clone(),
                right_shape: r.dims,
                layout: pred.layout.as_str(),
                left_internal: left_shape,
                right_internal: right_shape,
            }))
        }
        E::NonFinite {
            which,
            row,
            col,
            value,
        } => {
            let s = source_of(which);
            Error::NonFinite {
                file: s.file.clone(),
                at: s.position(row, col),
                value,
                note: if which == Operand::Logits {
                    " (--from-logits accepts any finite logit; an infinite one is rejected, \
                     not taken as a probability of exactly 0 or 1)"
                } else {
                    ""
                },
            }
        }
        E::OutOfRange {
            which,
            row,
            col,
            value,
        } => {
            let s = source_of(which);
            Error::OutOfRange {
                file: s.file.clone(),
                at: s.position(row, col),
                value,
            }
        }
        E::ColumnSum {
            which,
            col,
            sum,
            tolerance,
        } => {
            let s = source_of(which);
            Error::ColumnSum {
                file: s.file.clone(),
                sample: s.sample(col),
                sum,
                tolerance,
                why: s.why_distribution(),
            }
        }
        E::ClassCount { classes, samples } => match other {
            Other::Classes(c) => Error::ClassCount {
                classes: c.file.clone(),
                count: classes,
                pred: pred.file.clone(),
                shape: pred.dims,
                samples,
                per: pred.samples_are(),
            },
            Other::Matrix(_) => Error::Core(E::ClassCount { classes, samples }),
        },
        E::ClassIndex {
            sample,
            index,
            classes,
        } => match other {
            Other::Classes(c) => Error::ClassIndex {
                file: c.file.clone(),
                at: c.position(sample),
                index,
                pred: pred.file.clone(),
                classes,
            },
            Other::Matrix(_) => Error::Core(E::ClassIndex {
                sample,
                index,
                classes,
            }),
        },
        // Bases are parsed by clap before any file is read, and the conventions' refusals
        // (label smoothing, unsupported input, a column summing to 0) name no file
        // position: kept as they are, so nothing is lost.
        e => Error::Core(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(dims: Dims, format: Format, layout: Layout, role: Role) -> Source {
        Source {
            file: FileRef::new("--pred", "A.npy"),
            format,
            dims,
            layout,
            role,
        }
    }

    #[test]
    fn positions_are_the_users() {
        // (internal row, internal col) -> what the user reads.
        let cases = [
            (
                Dims::Two(3, 8),
                Format::Npy,
                Layout::Cols,
                Role::Binary,
                (1, 7),
                "index [1, 7] (row 1, column 7)",
            ),
            (
                Dims::Two(8, 3),
                Format::Npy,
                Layout::Rows,
                Role::Binary,
                (1, 7),
                "index [7, 1] (row 7, column 1)",
            ),
            (
                Dims::Two(8, 3),
                Format::Csv,
                Layout::Rows,
                Role::Categorical,
                (1, 7),
                "line 8, column 2",
            ),
            (
                Dims::One(8),
                Format::Npy,
                Layout::Rows,
                Role::Binary,
                (0, 5),
                "index [5]",
            ),
            (
                Dims::One(3),
                Format::Npy,
                Layout::Cols,
                Role::Categorical,
                (2, 0),
                "index [2]",
            ),
        ];
        for (dims, format, layout, role, (r, c), want) in cases {
            let s = source(dims, format, layout, role);
            assert_eq!(s.position(r, c).to_string(), want, "{dims:?} {layout:?}");
        }
    }

    #[test]
    fn samples_are_named_in_the_users_layout() {
        let cases = [
            (Dims::Two(3, 8), Format::Npy, Layout::Cols, "column 4"),
            (Dims::Two(8, 3), Format::Npy, Layout::Rows, "row 4"),
            (Dims::Two(8, 3), Format::Csv, Layout::Rows, "line 5"),
            (Dims::Two(3, 8), Format::Csv, Layout::Cols, "column 5"),
            (Dims::One(3), Format::Npy, Layout::Cols, "the array"),
        ];
        for (dims, format, layout, want) in cases {
            let s = source(dims, format, layout, Role::Categorical);
            assert_eq!(s.sample(4), want);
        }
    }
}
