//! numpy arrays as `xent_core` views, and `xent_core` errors in the caller's coordinates.
//!
//! An array is borrowed read-only (`PyReadonlyArray`) and its buffer is viewed with its
//! own strides through [`View::with_strides`]: a C-order or Fortran-order array is read
//! where numpy keeps it, in its own dtype. Nothing is copied, widened or transposed.
//! `layout="rows"` (one sample per row, as PyTorch holds a batch) is the same buffer seen
//! with its two strides exchanged.

use numpy::{PyReadonlyArrayDyn, PyUntypedArrayMethods};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use xent_core::{Array, Element, Error, Operand, View};

use crate::InputError;

/// A numpy array borrowed read-only, in one of the dtypes `xent_core` reads.
pub(crate) enum Held<'py> {
    F32(PyReadonlyArrayDyn<'py, f32>),
    F64(PyReadonlyArrayDyn<'py, f64>),
    Bool(PyReadonlyArrayDyn<'py, bool>),
    I8(PyReadonlyArrayDyn<'py, i8>),
    I16(PyReadonlyArrayDyn<'py, i16>),
    I32(PyReadonlyArrayDyn<'py, i32>),
    I64(PyReadonlyArrayDyn<'py, i64>),
    U8(PyReadonlyArrayDyn<'py, u8>),
    U16(PyReadonlyArrayDyn<'py, u16>),
    U32(PyReadonlyArrayDyn<'py, u32>),
    U64(PyReadonlyArrayDyn<'py, u64>),
}

/// `held!(h, a => body)`: `body` with `a` the typed readonly array inside `h`.
macro_rules! held {
    ($h:expr, $a:ident => $body:expr) => {
        match $h {
            Held::F32($a) => $body,
            Held::F64($a) => $body,
            Held::Bool($a) => $body,
            Held::I8($a) => $body,
            Held::I16($a) => $body,
            Held::I32($a) => $body,
            Held::I64($a) => $body,
            Held::U8($a) => $body,
            Held::U16($a) => $body,
            Held::U32($a) => $body,
            Held::U64($a) => $body,
        }
    };
}

/// Borrows `obj` (a numpy array) read-only, or a `TypeError` naming `name`.
pub(crate) fn hold<'py>(obj: &Bound<'py, PyAny>, name: &str) -> PyResult<Held<'py>> {
    macro_rules! try_dtype {
        ($($t:ty => $v:ident),*) => {$(
            if let Ok(a) = obj.extract::<PyReadonlyArrayDyn<'py, $t>>() {
                return Ok(Held::$v(a));
            }
        )*};
    }
    try_dtype!(f64 => F64, f32 => F32, bool => Bool, i64 => I64, i32 => I32, i16 => I16,
        i8 => I8, u8 => U8, u16 => U16, u32 => U32, u64 => U64);
    let dtype = obj
        .getattr("dtype")
        .map_or_else(|_| obj.get_type().to_string(), |d| d.to_string());
    Err(PyTypeError::new_err(format!(
        "{name} must be a numpy array of float32, float64, bool or integers, not {dtype}"
    )))
}

impl Held<'_> {
    /// numpy's shape.
    pub(crate) fn shape(&self) -> Vec<usize> {
        held!(self, a => a.shape().to_vec())
    }

    /// Whether the dtype is `float32`.
    pub(crate) fn is_f32(&self) -> bool {
        matches!(self, Held::F32(_))
    }

    /// The address of the first entry of the buffer (what a zero-copy test compares with
    /// `arr.ctypes.data`).
    pub(crate) fn address(&self) -> usize {
        held!(self, a => a.as_slice().map_or(0, |s| s.as_ptr() as usize))
    }
}

/// How a 1-D array is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OneD {
    /// One entry per sample: the `1 × n` view (binary predictions and labels, classes).
    Samples,
    /// One sample: the `n × 1` view (a categorical distribution).
    Sample,
}

/// Where an input sits in the caller's coordinates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Placement {
    /// numpy's shape.
    pub(crate) shape: Vec<usize>,
    /// `layout="rows"`: rows are samples.
    pub(crate) rows: bool,
    /// How a 1-D array is read.
    pub(crate) one_d: OneD,
}

impl Placement {
    /// The caller's index of internal entry `[row, col]` (row an output or class, col a
    /// sample).
    pub(crate) fn index(&self, row: usize, col: usize) -> Vec<usize> {
        match (self.shape.len(), self.one_d, self.rows) {
            (0, _, _) => vec![],
            (1, OneD::Samples, _) => vec![col],
            (1, OneD::Sample, _) => vec![row],
            (_, _, false) => vec![row, col],
            (_, _, true) => vec![col, row],
        }
    }

    /// numpy's printing of the shape: `(3,)`, `(2, 8)`.
    pub(crate) fn shape_text(&self) -> String {
        xent_core::array::numpy_shape(&self.shape)
    }

    /// How the caller names sample `col`: `column 3`, `row 3`, or nothing for a 1-D sample.
    fn sample(&self, col: usize) -> Option<String> {
        match (self.shape.len(), self.rows) {
            (0 | 1, _) => None,
            (_, false) => Some(format!("column {col}")),
            (_, true) => Some(format!("row {col}")),
        }
    }
}

/// The `xent_core` view of a held array, placed: 2-D arrays with their strides (exchanged
/// for `layout="rows"`), 1-D arrays as `1 × n` or `n × 1`, 0-D as one entry.
pub(crate) fn array<'a>(held: &'a Held<'_>, place: &Placement, name: &str) -> PyResult<Array<'a>> {
    held!(held, a => view(a, place, name).map(Array::from))
}

fn view<'a, T: Element + numpy::Element>(
    a: &'a PyReadonlyArrayDyn<'_, T>,
    place: &Placement,
    name: &str,
) -> PyResult<View<'a, T>> {
    let data = a.as_slice().map_err(|_| {
        PyValueError::new_err(format!(
            "{name} is neither C- nor Fortran-contiguous: xent reads the caller's buffer \
             in place"
        ))
    })?;
    let size = std::mem::size_of::<T>().max(1) as isize;
    let strides: Vec<usize> = a
        .strides()
        .iter()
        .map(|s| (s / size).unsigned_abs())
        .collect();
    let view = match (place.shape.as_slice(), place.one_d) {
        ([], _) => Some(View::vector(data)),
        ([_], OneD::Samples) => Some(View::vector(data)),
        ([_], OneD::Sample) => Some(View::column(data)),
        (&[r, c], _) if !place.rows => View::with_strides(data, r, c, strides[0], strides[1]),
        (&[r, c], _) => View::with_strides(data, c, r, strides[1], strides[0]),
        (dims, _) => {
            return Err(PyValueError::new_err(format!(
                "{name} has {} dimensions: xent reads 1-D and 2-D arrays",
                dims.len()
            )));
        }
    };
    view.ok_or_else(|| PyValueError::new_err(format!("{name}: strides xent cannot read")))
}

/// The placements of a problem's inputs, to name positions as the caller does.
#[derive(Debug, Clone, Default)]
pub(crate) struct Places {
    pub(crate) pred: Option<Placement>,
    pub(crate) truth: Option<Placement>,
    pub(crate) classes: Option<Placement>,
}

impl Places {
    fn of(&self, which: Operand) -> Option<&Placement> {
        match which {
            Operand::Predictions | Operand::Logits => self.pred.as_ref(),
            Operand::Labels | Operand::Targets => self.truth.as_ref(),
            Operand::Classes => self.classes.as_ref(),
            // Weights are 1-D: their positions are their own.
            Operand::SampleWeights
            | Operand::ClassWeights
            | Operand::PosWeight
            | Operand::Mask
            | Operand::IgnoreIndex => None,
        }
    }

    /// The library's message of `err`, its positions and shapes the caller's.
    pub(crate) fn message(&self, err: &Error) -> (String, Option<Operand>, Option<Vec<usize>>) {
        let text = err.to_string();
        match *err {
            Error::NonFinite {
                which, row, col, ..
            }
            | Error::OutOfRange {
                which, row, col, ..
            } => {
                let Some(place) = self.of(which) else {
                    return (text, Some(which), Some(vec![row, col]));
                };
                let index = place.index(row, col);
                let inner = format!("{which}[{row}, {col}]");
                let own = format!("{which}{}", index_text(&index));
                (text.replacen(&inner, &own, 1), Some(which), Some(index))
            }
            Error::ColumnSum { which, col, .. } | Error::ZeroSum { which, col, .. } => {
                let inner = format!("column {col} of {which}");
                let own = match self.of(which).map(|p| p.sample(col)) {
                    Some(Some(s)) => format!("{s} of {which}"),
                    Some(None) => which.to_string(),
                    None => inner.clone(),
                };
                (text.replacen(&inner, &own, 1), Some(which), Some(vec![col]))
            }
            Error::ShapeMismatch {
                left,
                left_shape,
                right,
                right_shape,
            } => {
                let mut text = text;
                for (which, shape) in [(left, left_shape), (right, right_shape)] {
                    if let Some(p) = self.of(which) {
                        text = text.replacen(
                            &format!("{which} has shape {shape}"),
                            &format!("{which} has shape {}", p.shape_text()),
                            1,
                        );
                    }
                }
                (text, Some(left), None)
            }
            Error::Empty { which, shape } => {
                let own = self
                    .of(which)
                    .map_or(shape.to_string(), Placement::shape_text);
                (
                    text.replacen(&format!("shape {shape}"), &format!("shape {own}"), 1),
                    Some(which),
                    None,
                )
            }
            Error::ClassIndex { sample, .. } => (text, Some(Operand::Classes), Some(vec![sample])),
            _ => (text, None, None),
        }
    }

    /// `err` as an `xent.InputError`, with attributes `operand` (`pred`, `labels`, …, or
    /// `None`), `position` (the caller's index, or `None`) and `value` (the entry, or
    /// `None`).
    pub(crate) fn error(&self, py: Python<'_>, err: &Error) -> PyErr {
        let (message, which, index) = self.message(err);
        let e = InputError::new_err(message);
        let value = match *err {
            Error::NonFinite { value, .. } | Error::OutOfRange { value, .. } => Some(value),
            Error::ClassIndex { value, .. } => Some(value),
            Error::ColumnSum { sum, .. } => Some(sum),
            _ => None,
        };
        let obj = e.value(py);
        let position = index.and_then(|i| PyTuple::new(py, i).ok());
        // Setting attributes on a fresh exception instance cannot fail in practice; if it
        // did, the exception keeps its message, which is what matters.
        let _ = obj.setattr("operand", which.map(|w| w.to_string()));
        let _ = obj.setattr("position", position);
        let _ = obj.setattr("value", value);
        e
    }
}

fn index_text(index: &[usize]) -> String {
    format!(
        "[{}]",
        index
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// The address of the buffer xent reads for `arr` (for zero-copy tests).
#[pyfunction]
pub(crate) fn address(arr: &Bound<'_, PyAny>) -> PyResult<usize> {
    Ok(hold(arr, "arr")?.address())
}
