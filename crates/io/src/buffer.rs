//! Owned typed buffers, and arrays read from files that lend [`xent_core::Array`]s.

use std::io;

use xent_core::Dtype;
use xent_core::array::{Array, Element, View};

use crate::Format;
use crate::error::{Position, numpy_shape};

/// The entries of an array in the file's element type: a `float32` file stays `f32`.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub enum Buffer {
    F32(Vec<f32>),
    F64(Vec<f64>),
    Bool(Vec<bool>),
    I8(Vec<i8>),
    I16(Vec<i16>),
    I32(Vec<i32>),
    I64(Vec<i64>),
    U8(Vec<u8>),
    U16(Vec<u16>),
    U32(Vec<u32>),
    U64(Vec<u64>),
}

/// `with_vec!(buffer, v => expr)`: `expr` with `v` bound to the typed `Vec` (or a
/// reference to it) inside a [`Buffer`], whatever its element type.
macro_rules! with_vec {
    ($buffer:expr, $v:ident => $body:expr) => {
        match $buffer {
            Buffer::F32($v) => $body,
            Buffer::F64($v) => $body,
            Buffer::Bool($v) => $body,
            Buffer::I8($v) => $body,
            Buffer::I16($v) => $body,
            Buffer::I32($v) => $body,
            Buffer::I64($v) => $body,
            Buffer::U8($v) => $body,
            Buffer::U16($v) => $body,
            Buffer::U32($v) => $body,
            Buffer::U64($v) => $body,
        }
    };
}
pub(crate) use with_vec;

impl Buffer {
    /// An empty buffer of `dtype` with room for `capacity` entries (for block reads:
    /// [`crate::NpyReader::read_into`] fills it without allocating again).
    pub fn with_capacity(dtype: Dtype, capacity: usize) -> Buffer {
        match dtype {
            Dtype::F32 => Buffer::F32(Vec::with_capacity(capacity)),
            Dtype::F64 => Buffer::F64(Vec::with_capacity(capacity)),
            Dtype::Bool => Buffer::Bool(Vec::with_capacity(capacity)),
            Dtype::I8 => Buffer::I8(Vec::with_capacity(capacity)),
            Dtype::I16 => Buffer::I16(Vec::with_capacity(capacity)),
            Dtype::I32 => Buffer::I32(Vec::with_capacity(capacity)),
            Dtype::I64 => Buffer::I64(Vec::with_capacity(capacity)),
            Dtype::U8 => Buffer::U8(Vec::with_capacity(capacity)),
            Dtype::U16 => Buffer::U16(Vec::with_capacity(capacity)),
            Dtype::U32 => Buffer::U32(Vec::with_capacity(capacity)),
            Dtype::U64 => Buffer::U64(Vec::with_capacity(capacity)),
        }
    }

    /// Its element type.
    pub fn dtype(&self) -> Dtype {
        match self {
            Buffer::F32(_) => Dtype::F32,
            Buffer::F64(_) => Dtype::F64,
            Buffer::Bool(_) => Dtype::Bool,
            Buffer::I8(_) => Dtype::I8,
            Buffer::I16(_) => Dtype::I16,
            Buffer::I32(_) => Dtype::I32,
            Buffer::I64(_) => Dtype::I64,
            Buffer::U8(_) => Dtype::U8,
            Buffer::U16(_) => Dtype::U16,
            Buffer::U32(_) => Dtype::U32,
            Buffer::U64(_) => Dtype::U64,
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        with_vec!(self, v => v.len())
    }

    /// Whether it holds no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The entries, when they are `T`s.
    pub fn as_slice<T: Scalar>(&self) -> Option<&[T]> {
        T::slice(self)
    }

    /// The `rows × cols` view of the entries (see [`View::with_strides`]), or `None` unless
    /// that view holds exactly the entries.
    pub fn view(
        &self,
        rows: usize,
        cols: usize,
        row_stride: usize,
        col_stride: usize,
    ) -> Option<Array<'_>> {
        with_vec!(self, v => View::with_strides(v, rows, cols, row_stride, col_stride).map(Array::from))
    }
}

mod sealed {
    pub trait Sealed {}
}

/// An element type of a [`Buffer`]: [`Element`] plus how its bytes are read. Sealed.
pub trait Scalar: Element + Default + sealed::Sealed {
    /// The entries of `buffer`, when they are `Self`s.
    fn slice(buffer: &Buffer) -> Option<&[Self]>;
    /// The vector inside `buffer`, when it holds `Self`s.
    fn vec_mut(buffer: &mut Buffer) -> Option<&mut Vec<Self>>;
    /// The buffer holding `v`.
    fn into_buffer(v: Vec<Self>) -> Buffer;
    /// Fills `out` from raw bytes in the file's byte order (`big`: big-endian), taking them
    /// from `fill`, which fills a byte slice as far as it can and says how many bytes it
    /// wrote. Returns the number of bytes taken (short when `fill` ran dry).
    #[doc(hidden)]
    fn read_raw(
        out: &mut [Self],
        big: bool,
        fill: &mut dyn FnMut(&mut [u8]) -> io::Result<usize>,
    ) -> io::Result<usize>;
}

macro_rules! pod_scalar {
    ($($t:ty => $d:ident, $x:ident => $swap:expr);* $(;)?) => {$(
        impl sealed::Sealed for $t {}
        impl Scalar for $t {
            fn slice(buffer: &Buffer) -> Option<&[Self]> {
                match buffer {
                    Buffer::$d(v) => Some(v),
                    _ => None,
                }
            }
            fn vec_mut(buffer: &mut Buffer) -> Option<&mut Vec<Self>> {
                match buffer {
                    Buffer::$d(v) => Some(v),
                    _ => None,
                }
            }
            fn into_buffer(v: Vec<Self>) -> Buffer {
                Buffer::$d(v)
            }
            fn read_raw(
                out: &mut [Self],
                big: bool,
                fill: &mut dyn FnMut(&mut [u8]) -> io::Result<usize>,
            ) -> io::Result<usize> {
                // Straight into the typed memory: the kernel copies once, nothing after.
                let n = fill(bytemuck::cast_slice_mut::<$t, u8>(out))?;
                if big != cfg!(target_endian = "big") {
                    for $x in out.iter_mut() {
                        *$x = $swap;
                    }
                }
                Ok(n)
            }
        }
    )*};
}
pod_scalar!(
    f32 => F32, x => f32::from_bits(x.to_bits().swap_bytes());
    f64 => F64, x => f64::from_bits(x.to_bits().swap_bytes());
    i8 => I8, x => *x;
    i16 => I16, x => x.swap_bytes();
    i32 => I32, x => x.swap_bytes();
    i64 => I64, x => x.swap_bytes();
    u8 => U8, x => *x;
    u16 => U16, x => x.swap_bytes();
    u32 => U32, x => x.swap_bytes();
    u64 => U64, x => x.swap_bytes();
);

impl sealed::Sealed for bool {}
impl Scalar for bool {
    fn slice(buffer: &Buffer) -> Option<&[Self]> {
        match buffer {
            Buffer::Bool(v) => Some(v),
            _ => None,
        }
    }
    fn vec_mut(buffer: &mut Buffer) -> Option<&mut Vec<Self>> {
        match buffer {
            Buffer::Bool(v) => Some(v),
            _ => None,
        }
    }
    fn into_buffer(v: Vec<Self>) -> Buffer {
        Buffer::Bool(v)
    }
    /// numpy's bools are bytes; any byte but 0 is `true` (as numpy prints it). Not every
    /// byte is a valid `bool`, so the bytes pass through a small scratch buffer.
    fn read_raw(
        out: &mut [Self],
        _big: bool,
        fill: &mut dyn FnMut(&mut [u8]) -> io::Result<usize>,
    ) -> io::Result<usize> {
        let mut scratch = vec![0u8; out.len().min(1 << 16)];
        let mut done = 0;
        for chunk in out.chunks_mut(scratch.len().max(1)) {
            let bytes = &mut scratch[..chunk.len()];
            let n = fill(bytes)?;
            for (b, &x) in chunk.iter_mut().zip(&bytes[..n]) {
                *b = x != 0;
            }
            done += n;
            if n < chunk.len() {
                break;
            }
        }
        Ok(done)
    }
}

/// An array read from a file: its entries in the file's element type and memory order, its
/// shape as the file gives it.
///
/// [`Loaded::matrix`] lends it as an [`Array`] in either orientation, without copying.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    /// The entries, in file (memory) order.
    pub buffer: Buffer,
    /// The shape in the file: 1-D `[n]` or 2-D `[rows, cols]` (`[lines, columns]` for
    /// `.csv`).
    pub shape: Vec<usize>,
    /// Whether the entries of a 2-D array are stored column after column (numpy's
    /// `fortran_order`); `false` for C order, 1-D arrays and `.csv` files.
    pub fortran_order: bool,
    /// The file's format.
    pub format: Format,
    /// The element type (`float64` for `.csv`).
    pub dtype: Dtype,
}

impl Loaded {
    /// Number of entries.
    pub fn len(&self) -> usize {
        self.buffer.len()
    }

    /// Whether it has no entries.
    pub fn is_empty(&self) -> bool {
        self.buffer.is_empty()
    }

    /// The shape as numpy prints it: `(8,)`, `(2, 3)`.
    pub fn shape_string(&self) -> String {
        numpy_shape(&self.shape)
    }

    /// `(rows, cols)` of the file: a 1-D array of `n` is `(1, n)`.
    pub fn dims(&self) -> (usize, usize) {
        match *self.shape {
            [n] => (1, n),
            [r, c] => (r, c),
            // Loaded arrays are 1-D or 2-D; anything else would have been refused.
            _ => (1, self.len()),
        }
    }

    /// The array as a matrix, borrowing the buffer:
    ///
    /// - `transpose = false`: the file's `(rows, cols)`, entry `[i, j]` is the file's
    ///   `[i, j]` (a 1-D array of `n` is `1 × n`);
    /// - `transpose = true`: `(cols, rows)`, entry `[j, i]` is the file's `[i, j]` (a 1-D
    ///   array is `n × 1`).
    ///
    /// Either way the strides follow the file's order: nothing is copied.
    pub fn matrix(&self, transpose: bool) -> Array<'_> {
        let (r, c) = self.dims();
        // Strides of the file's [i, j]: at i·rs + j·cs.
        let (rs, cs) = if self.fortran_order { (1, r) } else { (c, 1) };
        let view = if transpose {
            self.buffer.view(c, r, cs, rs)
        } else {
            self.buffer.view(r, c, rs, cs)
        };
        // The strides are those of a dense array of exactly `len` entries: `view` cannot
        // refuse them; the fallback keeps this total.
        view.unwrap_or_else(|| with_vec!(&self.buffer, v => View::vector(&v[..]).array()))
    }

    /// The entries as a `1 × n` vector in memory order, when the array is 1-D or a 2-D one
    /// with a dimension of 1 (class indices, one per sample).
    pub fn vector(&self) -> Option<Array<'_>> {
        let (r, c) = self.dims();
        (r == 1 || c == 1).then(|| with_vec!(&self.buffer, v => View::vector(&v[..]).array()))
    }

    /// The entries, when they are `T`s.
    pub fn as_slice<T: Scalar>(&self) -> Option<&[T]> {
        self.buffer.as_slice()
    }

    /// Where the file's entry `[row, col]` sits, in the user's coordinates: a numpy index
    /// (`[col]` for a 1-D array, whose `row` is 0), a Parquet row (and list element) or a
    /// `.csv` line and column from 1.
    pub fn position(&self, row: usize, col: usize) -> Position {
        match (self.format, self.shape.len()) {
            (Format::Npy, 1) => Position::Element(col),
            (Format::Npy, _) => Position::Entry { row, col },
            (Format::Parquet, 1) => Position::Row {
                row: col,
                element: None,
            },
            (Format::Parquet, _) => Position::Row {
                row,
                element: Some(col),
            },
            (Format::Csv, _) => Position::Line {
                line: row + 1,
                column: col + 1,
            },
        }
    }

    /// The file's `[row, col]` of the entry at `offset` in memory order.
    pub fn file_index(&self, offset: usize) -> (usize, usize) {
        let (r, c) = self.dims();
        if self.fortran_order {
            (offset % r.max(1), offset / r.max(1))
        } else {
            (offset / c.max(1), offset % c.max(1))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loaded(buffer: Buffer, shape: Vec<usize>, fortran_order: bool) -> Loaded {
        let dtype = buffer.dtype();
        Loaded {
            buffer,
            shape,
            fortran_order,
            format: Format::Npy,
            dtype,
        }
    }

    #[test]
    fn both_orders_and_orientations_address_the_files_entries() {
        // numpy [[1, 2, 3], [4, 5, 6]] in C and in Fortran order.
        let c = loaded(Buffer::F64(vec![1., 2., 3., 4., 5., 6.]), vec![2, 3], false);
        let f = loaded(Buffer::F64(vec![1., 4., 2., 5., 3., 6.]), vec![2, 3], true);
        for l in [&c, &f] {
            let m = l.matrix(false);
            let t = l.matrix(true);
            assert_eq!((m.rows(), m.cols()), (2, 3));
            assert_eq!((t.rows(), t.cols()), (3, 2));
            for i in 0..2 {
                for j in 0..3 {
                    let want = (i * 3 + j + 1) as f64;
                    assert_eq!(m.get_f64(i, j), want);
                    assert_eq!(t.get_f64(j, i), want);
                }
            }
        }
        assert_eq!(c.file_index(4), (1, 1));
        assert_eq!(f.file_index(4), (0, 2));
        assert!(c.vector().is_none());
    }

    #[test]
    fn a_1d_array_is_a_row_or_a_column() {
        let l = loaded(Buffer::I64(vec![0, 2, 1]), vec![3], false);
        assert_eq!(
            l.matrix(false).shape(),
            xent_core::Shape { rows: 1, cols: 3 }
        );
        assert_eq!(
            l.matrix(true).shape(),
            xent_core::Shape { rows: 3, cols: 1 }
        );
        assert_eq!(l.vector().map(|a| a.len()), Some(3));
        assert_eq!(l.position(0, 2), Position::Element(2));
        assert_eq!(l.as_slice::<i64>(), Some(&[0, 2, 1][..]));
        assert_eq!(l.as_slice::<f64>(), None);
    }

    #[test]
    fn raw_bytes_are_swapped_when_big_endian() {
        let bytes = 1.5f64.to_be_bytes();
        let mut out = [0f64; 1];
        let mut src = &bytes[..];
        let n =
            f64::read_raw(&mut out, true, &mut |b| io::Read::read(&mut src, b)).expect("in memory");
        assert_eq!((n, out[0]), (8, 1.5));
        let raw = [0u8, 1, 7];
        let mut out = [true; 3];
        let mut src = &raw[..];
        f64::read_raw(&mut [0.0], false, &mut |_| Ok(0)).expect("nothing");
        let n = bool::read_raw(&mut out, false, &mut |b| io::Read::read(&mut src, b))
            .expect("in memory");
        assert_eq!((n, out), (3, [false, true, true]));
    }
}
