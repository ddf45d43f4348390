//! Borrowed arrays: the caller's memory, in the caller's element type and memory order,
//! seen in the documents' `(outputs, samples)` layout. Nothing here copies or widens.
//!
//! A [`View`] is a slice with a shape and two strides: entry `[row, col]` (row an output or
//! a class, col a sample) is `data[row · row_stride + col · col_stride]`. A C-order numpy
//! array of shape `(m, k)` (one row per sample, as PyTorch holds it) is the `k × m` view
//! with `row_stride = 1`, `col_stride = k`: no transpose is made to read it as columns.
//! An [`Array`] is a view of one of the element types numpy files hold ([`Dtype`]).
//!
//! "First" (of the offending entries a validation reports, of the terms a sum adds) always
//! means first in **memory order**, which is what a reader of the file meets first.
//!
//! ```
//! use xent_core::array::{Array, View};
//!
//! // numpy's float32 array [[0.9, 0.1], [0.2, 0.8]] in C order, one row per sample:
//! let data = [0.9f32, 0.1, 0.2, 0.8];
//! let view = View::row_per_sample(&data, 2, 2).ok_or("4 entries")?;
//! assert_eq!((view.rows(), view.cols()), (2, 2)); // 2 classes × 2 samples
//! assert_eq!(view.get(1, 0), 0.1); // class 1 of sample 0
//! assert_eq!(view.as_contiguous(), Some(&data[..])); // samples are contiguous
//! let array = Array::from(view);
//! assert_eq!(array.dtype().name(), "float32");
//! assert_eq!(array.get_f64(0, 1), f64::from(0.2f32)); // widened exactly
//! # Ok::<(), &str>(())
//! ```

use std::fmt;

use nalgebra::DMatrix;

use crate::error::Shape;

/// The element types a problem can borrow: numpy's float, integer and bool dtypes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dtype {
    /// `float32`.
    F32,
    /// `float64`.
    F64,
    /// `bool`.
    Bool,
    /// `int8`.
    I8,
    /// `int16`.
    I16,
    /// `int32`.
    I32,
    /// `int64`.
    I64,
    /// `uint8`.
    U8,
    /// `uint16`.
    U16,
    /// `uint32`.
    U32,
    /// `uint64`.
    U64,
}

impl Dtype {
    /// numpy's name: `float64`, `int64`, `bool`, …
    pub fn name(self) -> &'static str {
        match self {
            Dtype::F32 => "float32",
            Dtype::F64 => "float64",
            Dtype::Bool => "bool",
            Dtype::I8 => "int8",
            Dtype::I16 => "int16",
            Dtype::I32 => "int32",
            Dtype::I64 => "int64",
            Dtype::U8 => "uint8",
            Dtype::U16 => "uint16",
            Dtype::U32 => "uint32",
            Dtype::U64 => "uint64",
        }
    }

    /// Whether it is `float32` or `float64`.
    pub fn is_float(self) -> bool {
        matches!(self, Dtype::F32 | Dtype::F64)
    }

    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            Dtype::Bool | Dtype::I8 | Dtype::U8 => 1,
            Dtype::I16 | Dtype::U16 => 2,
            Dtype::F32 | Dtype::I32 | Dtype::U32 => 4,
            Dtype::F64 | Dtype::I64 | Dtype::U64 => 8,
        }
    }
}

impl fmt::Display for Dtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

mod sealed {
    pub trait Sealed {}
}

/// An element type of an [`Array`]. Sealed: the list is [`Dtype`]'s.
pub trait Element: sealed::Sealed + Copy + PartialEq + fmt::Debug + Send + Sync + 'static {
    /// Its dtype.
    const DTYPE: Dtype;

    /// The value as an `f64`: exact for `f32`, `f64`, `bool` and integers up to `2^53` in
    /// magnitude (labels and class indices are validated far below that).
    fn to_f64(self) -> f64;

    /// The value as a class index: `Some` for a non-negative whole number (a float holding
    /// one included, as a `.csv` file gives), `None` otherwise.
    fn to_index(self) -> Option<u64>;

    /// The view as an [`Array`].
    fn wrap(view: View<'_, Self>) -> Array<'_>;
}

macro_rules! integer_element {
    ($($t:ty => $d:ident),*) => {$(
        impl sealed::Sealed for $t {}
        impl Element for $t {
            const DTYPE: Dtype = Dtype::$d;
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn to_index(self) -> Option<u64> {
                u64::try_from(self).ok()
            }
            fn wrap(view: View<'_, Self>) -> Array<'_> {
                Array::$d(view)
            }
        }
    )*};
}
integer_element!(i8 => I8, i16 => I16, i32 => I32, i64 => I64, u8 => U8, u16 => U16, u32 => U32, u64 => U64);

impl sealed::Sealed for bool {}
impl Element for bool {
    const DTYPE: Dtype = Dtype::Bool;
    #[inline(always)]
    fn to_f64(self) -> f64 {
        f64::from(u8::from(self))
    }
    #[inline(always)]
    fn to_index(self) -> Option<u64> {
        Some(u64::from(self))
    }
    fn wrap(view: View<'_, Self>) -> Array<'_> {
        Array::Bool(view)
    }
}

/// The largest float every integer below which is exactly representable (`2^53`).
const WHOLE_LIMIT: f64 = 9_007_199_254_740_992.0;

fn float_index(x: f64) -> Option<u64> {
    ((0.0..WHOLE_LIMIT).contains(&x) && x.fract() == 0.0).then_some(x as u64)
}

impl sealed::Sealed for f32 {}
impl Element for f32 {
    const DTYPE: Dtype = Dtype::F32;
    #[inline(always)]
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
    fn to_index(self) -> Option<u64> {
        float_index(f64::from(self))
    }
    fn wrap(view: View<'_, Self>) -> Array<'_> {
        Array::F32(view)
    }
}

impl sealed::Sealed for f64 {}
impl Element for f64 {
    const DTYPE: Dtype = Dtype::F64;
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }
    fn to_index(self) -> Option<u64> {
        float_index(self)
    }
    fn wrap(view: View<'_, Self>) -> Array<'_> {
        Array::F64(view)
    }
}

/// A borrowed `rows × cols` matrix (rows: outputs or classes; cols: samples) over the
/// caller's slice, with strides.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct View<'a, T> {
    data: &'a [T],
    rows: usize,
    cols: usize,
    row_stride: usize,
    col_stride: usize,
}

impl<'a, T: Element> View<'a, T> {
    /// A view with explicit strides, or `None` unless every entry lies inside `data`, the
    /// strides do not make two entries share memory and `data` holds exactly the entries
    /// (`rows · cols` of them).
    pub fn with_strides(
        data: &'a [T],
        rows: usize,
        cols: usize,
        row_stride: usize,
        col_stride: usize,
    ) -> Option<Self> {
        let n = rows.checked_mul(cols)?;
        if n != data.len() {
            return None;
        }
        // Only the two dense orders: column-major or row-major (any stride for a
        // dimension of extent 1).
        let col_major = (rows <= 1 || row_stride == 1) && (cols <= 1 || col_stride == rows);
        let row_major = (cols <= 1 || col_stride == 1) && (rows <= 1 || row_stride == cols);
        (col_major || row_major).then_some(View {
            data,
            rows,
            cols,
            row_stride: if rows <= 1 { 1 } else { row_stride },
            col_stride: if cols <= 1 { 1 } else { col_stride },
        })
    }

    /// Entry `[row, col]` at `data[row + col · rows]`: each sample's entries contiguous
    /// (nalgebra's layout; a Fortran-order `(n_y, m)` array; a C-order `(m, n_y)` one).
    pub fn col_major(data: &'a [T], rows: usize, cols: usize) -> Option<Self> {
        Self::with_strides(data, rows, cols, 1, rows)
    }

    /// Entry `[row, col]` at `data[row · cols + col]`: each output's entries contiguous (a
    /// C-order `(n_y, m)` array, the documents' layout as numpy stores it).
    pub fn row_major(data: &'a [T], rows: usize, cols: usize) -> Option<Self> {
        Self::with_strides(data, rows, cols, cols, 1)
    }

    /// `samples` samples of `per_sample` entries each, one after another (one row per
    /// sample in a C-order file): the `per_sample × samples` column-major view.
    pub fn row_per_sample(data: &'a [T], per_sample: usize, samples: usize) -> Option<Self> {
        Self::col_major(data, per_sample, samples)
    }

    /// A `1 × len` view of a slice: one entry per sample (class indices, 1-D labels).
    pub fn vector(data: &'a [T]) -> Self {
        View {
            data,
            rows: 1,
            cols: data.len(),
            row_stride: 1,
            col_stride: 1,
        }
    }

    /// A `len × 1` view of a slice: one sample (a distribution over `len` classes).
    pub fn column(data: &'a [T]) -> Self {
        View {
            data,
            rows: data.len(),
            cols: 1,
            row_stride: 1,
            col_stride: 1,
        }
    }

    /// The view as an [`Array`].
    pub fn array(self) -> Array<'a> {
        T::wrap(self)
    }

    /// The view of a column-major nalgebra matrix.
    pub fn of_matrix(m: &'a DMatrix<T>) -> Self {
        View {
            data: m.as_slice(),
            rows: m.nrows(),
            cols: m.ncols(),
            row_stride: 1,
            col_stride: m.nrows().max(1),
        }
    }

    /// Rows: outputs `n_y` or classes `k`.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Columns: samples `m`.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// `(rows, cols)`.
    pub fn shape(&self) -> Shape {
        Shape {
            rows: self.rows,
            cols: self.cols,
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether it has no entries.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The caller's slice, in memory order.
    pub fn data(&self) -> &'a [T] {
        self.data
    }

    /// Whether entries are stored column after column (each sample contiguous).
    pub fn is_col_major(&self) -> bool {
        (self.rows <= 1 || self.row_stride == 1) && (self.cols <= 1 || self.col_stride == self.rows)
    }

    /// The slice when memory order is the column-major order of `(rows, cols)`, the order
    /// every kernel walks: `None` for a row-major view with more than one row and column.
    pub fn as_contiguous(&self) -> Option<&'a [T]> {
        self.is_col_major().then_some(self.data)
    }

    /// Entry `[row, col]`. Panics out of bounds, like slice indexing: callers iterate
    /// within [`Self::shape`].
    #[inline(always)]
    pub fn get(&self, row: usize, col: usize) -> T {
        self.data[row * self.row_stride + col * self.col_stride]
    }

    /// `[row, col]` of the entry at `offset` in memory order.
    pub fn position(&self, offset: usize) -> (usize, usize) {
        if self.is_col_major() {
            (offset % self.rows.max(1), offset / self.rows.max(1))
        } else {
            (offset / self.cols.max(1), offset % self.cols.max(1))
        }
    }

    /// The first entry in memory order for which `bad` holds: `(row, col, value)`.
    pub fn find(&self, mut bad: impl FnMut(T) -> bool) -> Option<(usize, usize, T)> {
        let offset = self.data.iter().position(|&v| bad(v))?;
        let (row, col) = self.position(offset);
        Some((row, col, self.data[offset]))
    }

    /// The same entries as `f64`, column-major: what numpy-style formulations materialise.
    pub fn to_f64_matrix(&self) -> DMatrix<f64> {
        DMatrix::from_fn(self.rows, self.cols, |r, c| self.get(r, c).to_f64())
    }

    /// The sub-view of samples `cols` (all rows), or `None` out of range or when the samples
    /// are not contiguous in memory.
    pub fn samples(&self, cols: std::ops::Range<usize>) -> Option<Self> {
        if cols.start > cols.end || cols.end > self.cols || !self.is_col_major() {
            return None;
        }
        let data = self
            .data
            .get(cols.start * self.rows..cols.end * self.rows)?;
        Self::col_major(data, self.rows, cols.end - cols.start)
    }
}

impl<'a, T: Element> From<&'a DMatrix<T>> for View<'a, T> {
    fn from(m: &'a DMatrix<T>) -> Self {
        View::of_matrix(m)
    }
}

/// A borrowed matrix of any [`Dtype`].
#[derive(Debug, Clone, Copy, PartialEq)]
#[allow(missing_docs)]
pub enum Array<'a> {
    F32(View<'a, f32>),
    F64(View<'a, f64>),
    Bool(View<'a, bool>),
    I8(View<'a, i8>),
    I16(View<'a, i16>),
    I32(View<'a, i32>),
    I64(View<'a, i64>),
    U8(View<'a, u8>),
    U16(View<'a, u16>),
    U32(View<'a, u32>),
    U64(View<'a, u64>),
}

/// `with_view!(array, v => expr)`: evaluates `expr` with `v` bound to the typed [`View`]
/// inside an [`Array`], whatever its element type (monomorphised per type).
#[macro_export]
macro_rules! with_view {
    ($array:expr, $v:ident => $body:expr) => {
        match $array {
            $crate::array::Array::F32($v) => $body,
            $crate::array::Array::F64($v) => $body,
            $crate::array::Array::Bool($v) => $body,
            $crate::array::Array::I8($v) => $body,
            $crate::array::Array::I16($v) => $body,
            $crate::array::Array::I32($v) => $body,
            $crate::array::Array::I64($v) => $body,
            $crate::array::Array::U8($v) => $body,
            $crate::array::Array::U16($v) => $body,
            $crate::array::Array::U32($v) => $body,
            $crate::array::Array::U64($v) => $body,
        }
    };
}

macro_rules! array_from_view {
    ($($t:ty => $d:ident),*) => {$(
        impl<'a> From<View<'a, $t>> for Array<'a> {
            fn from(v: View<'a, $t>) -> Self {
                Array::$d(v)
            }
        }
        impl<'a> From<&'a DMatrix<$t>> for Array<'a> {
            fn from(m: &'a DMatrix<$t>) -> Self {
                Array::$d(View::of_matrix(m))
            }
        }
    )*};
}
array_from_view!(f32 => F32, f64 => F64, bool => Bool, i8 => I8, i16 => I16, i32 => I32,
    i64 => I64, u8 => U8, u16 => U16, u32 => U32, u64 => U64);

impl<'a> Array<'a> {
    /// Its element type.
    pub fn dtype(&self) -> Dtype {
        with_view!(self, v => element_dtype(v))
    }

    /// `(rows, cols)`.
    pub fn shape(&self) -> Shape {
        with_view!(self, v => v.shape())
    }

    /// Rows: outputs or classes.
    pub fn rows(&self) -> usize {
        self.shape().rows
    }

    /// Columns: samples.
    pub fn cols(&self) -> usize {
        self.shape().cols
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        with_view!(self, v => v.len())
    }

    /// Whether it has no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the memory order is column-major (see [`View::as_contiguous`]).
    pub fn is_col_major(&self) -> bool {
        with_view!(self, v => v.is_col_major())
    }

    /// Entry `[row, col]` as an `f64` (exact: see [`Element::to_f64`]).
    #[inline]
    pub fn get_f64(&self, row: usize, col: usize) -> f64 {
        with_view!(self, v => v.get(row, col).to_f64())
    }

    /// The first entry in memory order whose `f64` value fails `ok`: `(row, col, value)`.
    pub fn find_f64(&self, ok: impl Fn(f64) -> bool) -> Option<(usize, usize, f64)> {
        with_view!(self, v => v.find(|x| !ok(x.to_f64())).map(|(r, c, x)| (r, c, x.to_f64())))
    }

    /// The entries as an `f64` matrix, column-major (a copy: for the numpy-style
    /// formulations, which materialise what numpy materialises).
    pub fn to_f64_matrix(&self) -> DMatrix<f64> {
        with_view!(self, v => v.to_f64_matrix())
    }

    /// The same entries as a `1 × len` vector in memory order, when the array has one row
    /// or one column (class indices given as an `(m, 1)` column).
    pub fn as_vector(&self) -> Option<Array<'a>> {
        (self.rows() <= 1 || self.cols() <= 1)
            .then(|| with_view!(*self, v => View::vector(v.data()).array()))
    }

    /// The sub-array of samples `cols`, when samples are contiguous (see [`View::samples`]).
    pub fn samples(&self, cols: std::ops::Range<usize>) -> Option<Array<'a>> {
        with_view!(*self, v => v.samples(cols).map(Array::from))
    }
}

fn element_dtype<T: Element>(_: &View<'_, T>) -> Dtype {
    T::DTYPE
}

/// A shape as numpy prints a tuple: `()`, `(3,)`, `(1, 1)`.
///
/// ```
/// assert_eq!(xent_core::array::numpy_shape(&[3]), "(3,)");
/// assert_eq!(xent_core::array::numpy_shape(&["n_y", "n_y"]), "(n_y, n_y)");
/// ```
pub fn numpy_shape<T: fmt::Display>(dims: &[T]) -> String {
    match dims {
        [d] => format!("({d},)"),
        ds => {
            let ds: Vec<String> = ds.iter().map(ToString::to_string).collect();
            format!("({})", ds.join(", "))
        }
    }
}

/// A matrix as numpy prints its nested lists: `[[1, 0], [0.5, 0.25]]`.
///
/// ```
/// assert_eq!(xent_core::array::numpy_rows(&[vec![1.0, 0.0], vec![0.5, 0.25]]), "[[1, 0], [0.5, 0.25]]");
/// ```
pub fn numpy_rows(m: &[Vec<f64>]) -> String {
    let row = |r: &Vec<f64>| {
        let entries: Vec<String> = r.iter().map(f64::to_string).collect();
        format!("[{}]", entries.join(", "))
    };
    format!("[{}]", m.iter().map(row).collect::<Vec<_>>().join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_orders_address_the_same_entries() {
        // numpy [[1, 2, 3], [4, 5, 6]] (2 outputs × 3 samples), C and Fortran order.
        let c = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let f = [1.0, 4.0, 2.0, 5.0, 3.0, 6.0];
        let (vc, vf) = (
            View::row_major(&c, 2, 3).expect("6 entries"),
            View::col_major(&f, 2, 3).expect("6 entries"),
        );
        for r in 0..2 {
            for col in 0..3 {
                assert_eq!(vc.get(r, col), vf.get(r, col));
            }
        }
        assert_eq!(vc.as_contiguous(), None);
        assert_eq!(vf.as_contiguous(), Some(&f[..]));
        assert_eq!(vc.find(|v| v == 4.0), Some((1, 0, 4.0)));
        assert_eq!(vc.position(4), (1, 1));
        assert_eq!(vf.position(4), (0, 2));
        assert_eq!(vc.to_f64_matrix(), vf.to_f64_matrix());
    }

    #[test]
    fn a_single_row_or_column_is_contiguous_either_way() {
        let d = [0.1f32, 0.2, 0.3];
        let row = View::row_major(&d, 1, 3).expect("3 entries");
        assert_eq!(row.as_contiguous(), Some(&d[..]));
        let col = View::row_major(&d, 3, 1).expect("3 entries");
        assert_eq!(col.as_contiguous(), Some(&d[..]));
    }

    #[test]
    fn views_reject_slices_of_the_wrong_length_or_overlapping_strides() {
        let d = [0.0f64; 6];
        assert!(View::col_major(&d, 2, 2).is_none());
        assert!(View::with_strides(&d, 2, 3, 1, 1).is_none());
        assert!(View::col_major(&d, usize::MAX, 2).is_none());
    }

    #[test]
    fn class_indices_are_whole_non_negative_numbers() {
        assert_eq!(3i64.to_index(), Some(3));
        assert_eq!((-1i8).to_index(), None);
        assert_eq!(2.0f64.to_index(), Some(2));
        assert_eq!(2.5f64.to_index(), None);
        assert_eq!(1e300f64.to_index(), None);
        assert_eq!(f64::NAN.to_index(), None);
        assert_eq!(true.to_index(), Some(1));
    }

    #[test]
    fn samples_of_a_column_major_view() {
        let d = [1u8, 0, 0, 1, 1, 0];
        let v = View::col_major(&d, 2, 3).expect("6 entries");
        let s = v.samples(1..3).expect("in range");
        assert_eq!(s.data(), &d[2..]);
        assert!(v.samples(2..4).is_none());
        assert_eq!(Array::from(v).dtype(), Dtype::U8);
    }
}
