//! From the user's arrays to the documents' layout, and back for error messages.
//!
//! Every problem of `xent-core` has **columns as samples**: an `(n, m)` matrix of `n`
//! outputs (or classes) by `m` samples. A file is *read* that way without being copied or
//! transposed (the problem borrows the file's buffer with the strides of the reading):
//!
//! - `--layout cols` (the documents' layout): a 2-D array `(n, m)` is taken as it is;
//! - `--layout rows` (PyTorch's and Keras' layout): a 2-D array `(m, n)` has one sample per
//!   row;
//! - `--layout auto` (the default) takes the only sensible reading and refuses to guess:
//!   a 1-D array is `m` samples of one output (`binary`) or one distribution over `k`
//!   classes (`categorical`); a 2-D array with a dimension of 1 is one output per sample
//!   (`binary`: `(1, m)` or `(m, 1)`) or one sample (`categorical`: `(1, k)` or `(k, 1)`);
//!   with class indices, the dimension that matches their count is the samples'; any other
//!   2-D array is ambiguous, and the error shows both readings' shapes;
//! - `--classes`: one class index per sample, a 1-D array (or a 2-D one with a dimension
//!   of 1, such as a one-line or one-column CSV file).
//! - a `.parquet` column (`A.parquet:pred`) has **a row per sample**, whatever `--layout`
//!   says of the other files: a column of numbers is `binary`'s `m` samples of one output
//!   (or `m` class indices, weights, mask entries), a list column of `k` elements per row
//!   `m` samples of `k` outputs or classes; `--layout cols` cannot apply to a list column,
//!   and `categorical` needs a list column for its predictions and dense targets.
//!
//! The other direction, [`explain`], turns a validation error of `xent-core` (about
//! `pred[0, 7]` of the `(outputs, samples)` reading) into one about the user's file, in the
//! user's coordinates: read by rows, sample 7 is *row* 7 of their file.

use xent_core::{Array, Dtype, Operand};
use xent_io::{Format, Loaded, Position};

use crate::error::{Error, FileRef, Mismatch, Result};

/// Which axis of a 2-D file holds the samples (`--layout`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Layout {
    /// The only sensible reading: refuses an ambiguous 2-D array.
    #[default]
    Auto,
    /// Each column is a sample: `(outputs, samples)`, the documents' layout.
    Cols,
    /// Each row is a sample: `(samples, outputs)`, the PyTorch/Keras layout.
    Rows,
}

impl Layout {
    /// `"auto"`, `"cols"` or `"rows"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Layout::Auto => "auto",
            Layout::Cols => "cols",
            Layout::Rows => "rows",
        }
    }
}

/// How one file was read: the layout that was applied to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// 1-D: `binary`'s `m` samples of one output, `categorical`'s one distribution.
    Vector,
    /// The file's columns are samples.
    Cols,
    /// The file's rows are samples.
    Rows,
}

impl Reading {
    /// `--layout cols` or `--layout rows`, or `1-D`.
    pub fn as_str(self) -> &'static str {
        match self {
            Reading::Vector => "1-D",
            Reading::Cols => "cols",
            Reading::Rows => "rows",
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

/// Where an array came from and how it was read, to speak of its entries in the user's
/// terms.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// The file.
    pub file: FileRef,
    /// Its format.
    pub format: Format,
    /// Its shape in the file: `[n]` or `[rows, cols]`.
    pub shape: Vec<usize>,
    /// Its element type (`float64` for `.csv`).
    pub dtype: Dtype,
    /// How it was read.
    pub reading: Reading,
    /// What it was read for.
    pub role: Role,
}

impl Source {
    /// Decides how to read a file of `shape` for `role` under `layout`; `samples` is the
    /// number of samples when another input fixes it (class indices).
    pub fn resolve(
        file: FileRef,
        format: Format,
        shape: Vec<usize>,
        dtype: Dtype,
        layout: Layout,
        role: Role,
        samples: Option<usize>,
    ) -> Result<Source> {
        if format == Format::Parquet {
            let reading = match (shape.len(), role, layout) {
                (2, _, Layout::Cols) => {
                    return Err(Error::ParquetRows {
                        file,
                        rule: "--layout cols does not apply to it: a Parquet row is a sample \
                               (its list holds the sample's outputs or classes)",
                    });
                }
                (2, _, _) => Reading::Rows,
                (_, Role::Categorical, _) => {
                    return Err(Error::ParquetRows {
                        file,
                        rule: "a column of numbers holds one number per sample: categorical \
                               predictions and targets are a list column of k classes per row \
                               (pyarrow's list<double> or fixed_size_list<double, k>), and \
                               class indices go with --classes",
                    });
                }
                _ => Reading::Vector,
            };
            return Ok(Source {
                file,
                format,
                shape,
                dtype,
                reading,
                role,
            });
        }
        let reading = match (shape.as_slice(), layout) {
            ([_], _) => Reading::Vector,
            (_, Layout::Cols) => Reading::Cols,
            (_, Layout::Rows) => Reading::Rows,
            // An empty array reads either way: its emptiness is the error to report.
            (&[r, c], Layout::Auto) if r == 0 || c == 0 => Reading::Cols,
            (&[r, c], Layout::Auto) => match (role, samples) {
                (Role::Binary, _) if r == 1 => Reading::Cols,
                (Role::Binary, _) if c == 1 => Reading::Rows,
                (Role::Categorical, Some(m)) if c == m && r != m => Reading::Cols,
                (Role::Categorical, Some(m)) if r == m && c != m => Reading::Rows,
                (Role::Categorical, None) if r == 1 => Reading::Rows,
                (Role::Categorical, None) if c == 1 => Reading::Cols,
                _ => {
                    return Err(Error::Ambiguous {
                        file,
                        shape: xent_io::numpy_shape(&shape),
                        rows: r,
                        cols: c,
                        role,
                    });
                }
            },
            // xent-io refuses anything but 1-D and 2-D arrays.
            _ => Reading::Cols,
        };
        Ok(Source {
            file,
            format,
            shape,
            dtype,
            reading,
            role,
        })
    }

    /// `(rows, cols)` of the `(outputs, samples)` reading.
    pub fn read_shape(&self) -> (usize, usize) {
        match (self.shape.as_slice(), self.reading, self.role) {
            (&[n], _, Role::Binary) => (1, n),
            (&[n], _, Role::Categorical) => (n, 1),
            (&[r, c], Reading::Rows, _) => (c, r),
            (&[r, c], _, _) => (r, c),
            _ => (0, 0),
        }
    }

    /// Whether the reading transposes the file (the file's rows are the samples, or a 1-D
    /// categorical array is one sample).
    pub fn transposed(&self) -> bool {
        match (self.reading, self.role) {
            (Reading::Vector, Role::Categorical) => true,
            (Reading::Vector, Role::Binary) => false,
            (r, _) => r == Reading::Rows,
        }
    }

    /// The file's `[row, col]` of the reading's entry `[row, col]` (for a 1-D file,
    /// `[0, index]`).
    fn file_coords(&self, row: usize, col: usize) -> (usize, usize) {
        match (self.reading, self.role) {
            (Reading::Vector, Role::Binary) => (0, col),
            (Reading::Vector, Role::Categorical) => (0, row),
            (Reading::Cols, _) => (row, col),
            (Reading::Rows, _) => (col, row),
        }
    }

    /// The position in the file of the reading's entry `[row, col]`.
    pub fn position(&self, row: usize, col: usize) -> Position {
        let (r, c) = self.file_coords(row, col);
        file_position(self.format, self.shape.len(), r, c)
    }

    /// Sample `col` in the user's terms: `column 3`, `row 3`, `line 4`, `the array`.
    pub fn sample(&self, col: usize) -> String {
        match (self.reading, self.format) {
            (Reading::Vector, _) => "the array".to_owned(),
            (Reading::Cols, Format::Npy) => format!("column {col}"),
            (Reading::Cols, Format::Csv) => format!("column {}", col + 1),
            (Reading::Rows, Format::Npy | Format::Parquet) => format!("row {col}"),
            (Reading::Cols, Format::Parquet) => format!("element {col}"),
            (Reading::Rows, Format::Csv) => format!("line {}", col + 1),
        }
    }

    /// The reading in words, for the output: `(1, 8) read as 1 output × 8 samples (cols)`.
    pub fn describe(&self) -> String {
        let (r, c) = self.read_shape();
        let what = match (self.role, r) {
            (Role::Binary, 1) => "output",
            (Role::Binary, _) => "outputs",
            (Role::Categorical, 1) => "class",
            (Role::Categorical, _) => "classes",
        };
        let samples = if c == 1 { "sample" } else { "samples" };
        format!(
            "{} {} {}: {r} {what} × {c} {samples} ({})",
            shape_text(self.format, &self.shape),
            self.dtype,
            format_name(self.format),
            match self.reading {
                Reading::Vector => "1-D",
                Reading::Cols => "each column a sample",
                Reading::Rows => "each row a sample",
            }
        )
    }

    /// Why a sample must sum to 1, in the user's layout.
    fn why_distribution(&self) -> &'static str {
        match self.reading {
            Reading::Vector => "a 1-D array is one distribution over the classes and must sum to 1",
            Reading::Cols => {
                "each column is a sample (as read) and must be a probability distribution \
                 (use --layout rows if each row is a sample)"
            }
            Reading::Rows => {
                "each row is a sample (as read) and must be a probability distribution \
                 (use --layout cols if each column is a sample)"
            }
        }
    }

    /// What a sample is in this file.
    fn samples_are(&self) -> &'static str {
        match (self.reading, self.role) {
            (Reading::Vector, Role::Binary) => "a 1-D array: each entry is a sample",
            (Reading::Vector, Role::Categorical) => "a 1-D array: one sample",
            (Reading::Cols, _) => "each column is a sample",
            (Reading::Rows, _) => "each row is a sample",
        }
    }
}

/// A convention's reasons in the user's files: an entry at its numpy index (`[5, 2]` of an
/// `(m, n)` array read by rows) or CSV line and column, a sample as the file holds it (`row
/// 5`), as input errors name them.
pub struct UserPlaces<'a> {
    /// `--pred`.
    pub pred: &'a Source,
    /// `--labels` or `--target` (none for class indices).
    pub truth: Option<&'a Source>,
}

impl UserPlaces<'_> {
    fn source(&self, operand: Operand) -> &Source {
        match operand {
            Operand::Labels | Operand::Targets => self.truth.unwrap_or(self.pred),
            _ => self.pred,
        }
    }
}

impl xent_core::Locate for UserPlaces<'_> {
    fn entry(&self, operand: Operand, row: usize, col: usize) -> String {
        match self.source(operand).position(row, col) {
            Position::Element(i) => format!("[{i}]"),
            Position::Entry { row, col } => format!("[{row}, {col}]"),
            at @ (Position::Line { .. } | Position::Row { .. }) => at.to_string(),
        }
    }

    fn sample(&self, operand: Operand, col: usize) -> String {
        self.source(operand).sample(col)
    }
}

/// An array read into memory and how it is read.
#[derive(Debug, Clone, PartialEq)]
pub struct Placed {
    /// The entries, in the file's dtype and order.
    pub loaded: Loaded,
    /// Where they came from and how they are read.
    pub source: Source,
}

impl Placed {
    /// The `(outputs, samples)` reading, borrowing the buffer.
    pub fn array(&self) -> Array<'_> {
        self.loaded.matrix(self.source.transposed())
    }
}

/// Reads `file` whole into memory and decides its reading.
pub fn read_matrix(
    file: FileRef,
    layout: Layout,
    role: Role,
    samples: Option<usize>,
    options: &xent_io::Options,
) -> Result<Placed> {
    let loaded = read(&file, options)?;
    let source = Source::resolve(
        file,
        loaded.format,
        loaded.shape.clone(),
        loaded.dtype,
        layout,
        role,
        samples,
    )?;
    Ok(Placed { loaded, source })
}

/// Where class indices came from, to speak of them in the user's terms.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassesSource {
    /// The file.
    pub file: FileRef,
    /// Its format.
    pub format: Format,
    /// Its shape in the file.
    pub shape: Vec<usize>,
    /// Its element type.
    pub dtype: Dtype,
}

impl ClassesSource {
    /// The position in the file of sample `s`'s index.
    pub fn position(&self, s: usize) -> Position {
        let (r, c) = match *self.shape.as_slice() {
            [_, 1] => (s, 0),
            _ => (0, s),
        };
        file_position(self.format, self.shape.len(), r, c)
    }

    /// How it was read, for the output.
    pub fn info(&self) -> crate::evaluate::InputInfo {
        crate::evaluate::InputInfo {
            flag: self.file.flag,
            reading: format!(
                "{} {} {}: one class index per sample",
                shape_text(self.format, &self.shape),
                self.dtype,
                format_name(self.format)
            ),
            dtype: self.dtype.name(),
        }
    }
}

/// Class indices, one per sample, read into memory.
#[derive(Debug, Clone, PartialEq)]
pub struct Classes {
    /// The indices as stored (any integer dtype, or whole numbers stored as floats).
    pub loaded: Loaded,
    /// Where they came from.
    pub source: ClassesSource,
}

impl Classes {
    /// The indices as a `1 × m` array, borrowing the buffer.
    pub fn array(&self) -> Array<'_> {
        self.loaded
            .vector()
            .unwrap_or_else(|| self.loaded.matrix(false))
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.loaded.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.loaded.is_empty()
    }
}

/// Reads `file` as one class index per sample: a 1-D array, or a 2-D one with a dimension
/// of 1. Whether each is a class index is `xent-core`'s to check, against `k`.
pub fn read_classes(file: FileRef, options: &xent_io::Options) -> Result<Classes> {
    let loaded = read(&file, options)?;
    if loaded.vector().is_none() {
        return Err(Error::ClassesShape {
            shape: shape_text(loaded.format, &loaded.shape),
            file,
        });
    }
    let source = ClassesSource {
        file,
        format: loaded.format,
        shape: loaded.shape.clone(),
        dtype: loaded.dtype,
    };
    Ok(Classes { loaded, source })
}

/// Reads a whole file, in one span, with one event saying what was read.
fn read(file: &FileRef, options: &xent_io::Options) -> Result<Loaded> {
    let _span = tracing::debug_span!("read", file = %file.path.display()).entered();
    let start = std::time::Instant::now();
    let loaded = xent_io::read_with(&file.path, options).map_err(|e| Error::read(file, e))?;
    tracing::info!(
        file = %file.path.display(),
        dtype = %loaded.dtype,
        shape = %loaded.shape_string(),
        elapsed_ms = start.elapsed().as_millis() as u64,
        "read"
    );
    Ok(loaded)
}

/// How a file of `format` and `ndim` dimensions names its entry `[r, c]` (`[0, c]` for a
/// 1-D array): a numpy index, or a CSV line and column from 1.
fn file_position(format: Format, ndim: usize, r: usize, c: usize) -> Position {
    match (format, ndim) {
        (Format::Npy, 1) => Position::Element(c),
        (Format::Npy, _) => Position::Entry { row: r, col: c },
        (Format::Parquet, 1) => Position::Row {
            row: c,
            element: None,
        },
        (Format::Parquet, _) => Position::Row {
            row: r,
            element: Some(c),
        },
        (Format::Csv, _) => Position::Line {
            line: r + 1,
            column: c + 1,
        },
    }
}

/// `.npy`, `.csv` or `.parquet`.
pub fn format_name(format: Format) -> &'static str {
    match format {
        Format::Npy => ".npy",
        Format::Csv => ".csv",
        Format::Parquet => ".parquet",
    }
}

/// A file's shape for the output: numpy's `(8,)`, `(8, 3)`; a Parquet column's rows and
/// list width, `8 rows`, `8 rows of 3`.
pub fn shape_text(format: Format, shape: &[usize]) -> String {
    match (format, shape) {
        (Format::Parquet, [1]) => "1 row".to_owned(),
        (Format::Parquet, [n]) => format!("{n} rows"),
        (Format::Parquet, [1, k]) => format!("1 row of {k}"),
        (Format::Parquet, [n, k]) => format!("{n} rows of {k}"),
        _ => xent_io::numpy_shape(shape),
    }
}

/// The second input of a problem: labels or targets (a matrix), or class indices.
#[derive(Debug, Clone, Copy)]
pub enum Other<'a> {
    /// `--labels` or `--target`.
    Matrix(&'a Source),
    /// `--classes`.
    Classes(&'a ClassesSource),
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
                shape: shape_text(s.format, &s.shape),
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
                left_shape: shape_text(l.format, &l.shape),
                left_reading: l.reading.as_str(),
                right: r.file.clone(),
                right_shape: shape_text(r.format, &r.shape),
                right_reading: r.reading.as_str(),
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
                    " (--from-logits accepts any finite logit, and -inf as probability 0; \
                     NaN and +inf are rejected)"
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
                hint: if which == Operand::Predictions && !(0.0..=1.0).contains(&value) {
                    " (if --pred holds logits, add --from-logits)"
                } else {
                    ""
                },
            }
        }
        E::NoFiniteLogit { which, col } => {
            let s = source_of(which);
            Error::NoFiniteLogit {
                file: s.file.clone(),
                sample: s.sample(col),
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
                shape: shape_text(pred.format, &pred.shape),
                samples,
                per: pred.samples_are(),
            },
            Other::Matrix(_) => Error::Core(E::ClassCount { classes, samples }),
        },
        E::ClassIndex {
            sample,
            value,
            classes,
        } => match other {
            Other::Classes(c) => Error::ClassIndex {
                file: c.file.clone(),
                at: c.position(sample),
                value,
                pred: pred.file.clone(),
                classes,
                last: classes.saturating_sub(1),
            },
            Other::Matrix(_) => Error::Core(E::ClassIndex {
                sample,
                value,
                classes,
            }),
        },
        E::ZeroSum {
            which,
            col,
            convention,
        } => {
            let s = source_of(which);
            Error::ZeroSum {
                file: s.file.clone(),
                sample: s.sample(col),
                convention,
                why: s.samples_are(),
            }
        }
        E::Refused {
            which,
            row,
            col,
            value,
            convention,
            reason,
        } => {
            let s = source_of(which);
            Error::Refused {
                file: s.file.clone(),
                at: s.position(row, col),
                value,
                convention,
                reason,
            }
        }
        E::RefusedInput {
            which,
            convention,
            reason,
        } => Error::RefusedInput {
            file: source_of(which).file.clone(),
            convention,
            reason,
        },
        // Bases are parsed by clap before any file is read, and the conventions' other
        // refusals (label smoothing, unsupported input) are about the options, not a
        // position in a file: kept as they are, so nothing is lost.
        e => Error::Core(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(shape: &[usize], format: Format, layout: Layout, role: Role) -> Result<Source> {
        Source::resolve(
            FileRef::new("--pred", "A.npy"),
            format,
            shape.to_vec(),
            Dtype::F64,
            layout,
            role,
            None,
        )
    }

    #[test]
    fn positions_are_the_users() -> Result<()> {
        // (reading's row, reading's col) -> what the user reads.
        // (file shape, format, layout, role, the reading's entry, what the user reads)
        type Case<'a> = (&'a [usize], Format, Layout, Role, (usize, usize), &'a str);
        let cases: [Case<'_>; 5] = [
            (
                &[3, 8],
                Format::Npy,
                Layout::Cols,
                Role::Binary,
                (1, 7),
                "index [1, 7] (row 1, column 7)",
            ),
            (
                &[8, 3],
                Format::Npy,
                Layout::Rows,
                Role::Binary,
                (1, 7),
                "index [7, 1] (row 7, column 1)",
            ),
            (
                &[8, 3],
                Format::Csv,
                Layout::Rows,
                Role::Categorical,
                (1, 7),
                "line 8, column 2",
            ),
            (
                &[8],
                Format::Npy,
                Layout::Rows,
                Role::Binary,
                (0, 5),
                "index [5]",
            ),
            (
                &[3],
                Format::Npy,
                Layout::Cols,
                Role::Categorical,
                (2, 0),
                "index [2]",
            ),
        ];
        for (shape, format, layout, role, (r, c), want) in cases {
            let s = source(shape, format, layout, role)?;
            assert_eq!(s.position(r, c).to_string(), want, "{shape:?} {layout:?}");
        }
        Ok(())
    }

    #[test]
    fn auto_takes_the_only_sensible_reading_and_refuses_to_guess() -> Result<()> {
        let read = |shape: &[usize], role, samples| {
            Source::resolve(
                FileRef::new("--pred", "A.npy"),
                Format::Npy,
                shape.to_vec(),
                Dtype::F64,
                Layout::Auto,
                role,
                samples,
            )
            .map(|s| s.read_shape())
        };
        assert_eq!(read(&[1, 8], Role::Binary, None)?, (1, 8));
        assert_eq!(read(&[8, 1], Role::Binary, None)?, (1, 8));
        assert_eq!(read(&[8], Role::Binary, None)?, (1, 8));
        assert_eq!(read(&[3], Role::Categorical, None)?, (3, 1));
        assert_eq!(read(&[1, 3], Role::Categorical, None)?, (3, 1));
        assert_eq!(read(&[10, 4], Role::Categorical, Some(10))?, (4, 10));
        assert_eq!(read(&[4, 10], Role::Categorical, Some(10))?, (4, 10));
        let err = read(&[1000, 3], Role::Binary, None)
            .map(|_| ())
            .unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("1000 outputs × 3 samples"), "{msg}");
        assert!(msg.contains("1000 samples × 3 outputs"), "{msg}");
        assert!(read(&[4, 4], Role::Categorical, Some(4)).is_err());
        Ok(())
    }

    #[test]
    fn samples_are_named_in_the_users_layout() -> Result<()> {
        let cases: [(&[usize], Format, Layout, &str); 5] = [
            (&[3, 8], Format::Npy, Layout::Cols, "column 4"),
            (&[8, 3], Format::Npy, Layout::Rows, "row 4"),
            (&[8, 3], Format::Csv, Layout::Rows, "line 5"),
            (&[3, 8], Format::Csv, Layout::Cols, "column 5"),
            (&[3], Format::Npy, Layout::Cols, "the array"),
        ];
        for (shape, format, layout, want) in cases {
            let s = source(shape, format, layout, Role::Categorical)?;
            assert_eq!(s.sample(4), want);
        }
        Ok(())
    }
}
