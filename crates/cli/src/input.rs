//! Reading arrays from `.npy` and `.csv` files into `f64`, once, straight into the memory
//! order the caller asks for.
//!
//! - `.npy`: the header is parsed by `npyz`; the data is read from a `memmap2` mapping of the
//!   file and decoded by dtype (dispatched first: float64, float32, every integer type,
//!   bool; little- or big-endian; C or Fortran order; 1-D or 2-D). A file whose storage order
//!   differs from the order asked for is transposed while it is decoded (in cache-sized
//!   blocks), so no second copy of the array is ever made.
//! - `.csv`: one row of numbers per line, separated by commas (spaces around them allowed),
//!   parsed with the `csv` crate; blank lines are skipped; always 2-D, `(lines, columns)`.
//!
//! Anything else, by extension or by content, is an [`Error`] naming the file, the position
//! and the rule. Nothing here panics on input.

use std::fs::File;
use std::io::{self, IsTerminal};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use npyz::{DType, Endianness, NpyHeader, TypeChar};

use crate::error::{Dims, Error, FileRef, Position, Result};

/// The memory order in which the entries of a 2-D array are delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// `values[i + j · rows] = file[i, j]`: columns contiguous (nalgebra's, Fortran's).
    ColMajor,
    /// `values[i · cols + j] = file[i, j]`: rows contiguous (C's, a CSV file's).
    RowMajor,
}

/// The two file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A numpy `.npy` file.
    Npy,
    /// A comma-separated text file.
    Csv,
}

impl Format {
    /// The format a path's extension names (case-insensitive).
    pub fn of(file: &FileRef) -> Result<Format> {
        let ext = file
            .path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        match ext.as_deref() {
            Some("npy") => Ok(Format::Npy),
            Some("csv") => Ok(Format::Csv),
            Some(other) => Err(Error::UnsupportedType {
                file: file.clone(),
                what: format!("extension \".{other}\""),
            }),
            None => Err(Error::UnsupportedType {
                file: file.clone(),
                what: "no extension".to_owned(),
            }),
        }
    }

    /// How the entry `[row, col]` of a file of this format is written: numpy indices for
    /// `.npy`, line and column numbers (from 1) for `.csv` (which is always 2-D). For a 1-D
    /// array, `row` is 0 and `col` is the index.
    pub fn position(self, dims: Dims, row: usize, col: usize) -> Position {
        match (self, dims) {
            (Format::Npy, Dims::One(_)) => Position::Element(col),
            (Format::Npy, Dims::Two(..)) => Position::Entry { row, col },
            (Format::Csv, _) => Position::Line {
                line: row + 1,
                column: col + 1,
            },
        }
    }
}

/// An array read from a file: its entries as `f64` and its shape in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Array {
    /// The entries, in the [`Order`] asked for (for a 1-D array, in file order).
    pub values: Vec<f64>,
    /// The shape in the file.
    pub dims: Dims,
    /// The file's format.
    pub format: Format,
    /// The dtype it was stored as (`float64`, `int64`, …; `csv` for text).
    pub dtype: String,
}

/// Reads `file` (`.npy` or `.csv`, by extension), delivering a 2-D array in `order`.
pub fn read(file: &FileRef, order: Order) -> Result<Array> {
    if file.path.is_dir() {
        return Err(Error::Directory { file: file.clone() });
    }
    let format = Format::of(file)?;
    let _span = tracing::debug_span!("read", file = %file.path.display()).entered();
    let start = Instant::now();
    let array = match format {
        Format::Npy => read_npy(file, order)?,
        Format::Csv => read_csv(file, order)?,
    };
    tracing::info!(
        file = %file.path.display(),
        dtype = %array.dtype,
        shape = %array.dims,
        elapsed_ms = start.elapsed().as_millis() as u64,
        "read"
    );
    Ok(array)
}

fn open(file: &FileRef) -> Result<File> {
    let io_err = |source| Error::Io {
        file: file.clone(),
        source,
    };
    let f = File::open(&file.path).map_err(io_err)?;
    if f.metadata().map_err(io_err)?.is_dir() {
        return Err(Error::Directory { file: file.clone() });
    }
    Ok(f)
}

/// The bytes of a file: mapped when the system allows it, read otherwise (pipes, empty
/// files).
enum Bytes {
    Mapped(memmap2::Mmap),
    Owned(Vec<u8>),
}

impl std::ops::Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Mapped(m) => m,
            Bytes::Owned(v) => v,
        }
    }
}

fn bytes(file: &FileRef) -> Result<Bytes> {
    let mut f = open(file)?;
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    if len > 0 {
        // SAFETY: the mapping is read-only and lives only while this file is decoded; if
        // another process truncates the file meanwhile, reads fault (SIGBUS) rather than
        // return wrong data, which is the documented risk of every memory-mapped reader.
        if let Ok(m) = unsafe { memmap2::Mmap::map(&f) } {
            return Ok(Bytes::Mapped(m));
        }
    }
    let mut v = Vec::new();
    io::Read::read_to_end(&mut f, &mut v).map_err(|source| Error::Io {
        file: file.clone(),
        source,
    })?;
    Ok(Bytes::Owned(v))
}

/// Progress on stderr for reads that take longer than [`Progress::DELAY`], and only when
/// stderr is a terminal: never in pipes, files or CI logs.
struct Progress {
    start: Instant,
    total: u64,
    label: String,
    enabled: bool,
    bar: Option<ProgressBar>,
}

impl Progress {
    /// How long a read runs before its progress is shown.
    const DELAY: Duration = Duration::from_secs(1);

    fn new(file: &FileRef, total: u64) -> Self {
        Progress {
            start: Instant::now(),
            total,
            label: format!("reading {}", file.path.display()),
            enabled: io::stderr().is_terminal(),
            bar: None,
        }
    }

    /// Records that `done` of `total` units are read.
    fn update(&mut self, done: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(done);
        } else if self.enabled && self.start.elapsed() > Self::DELAY {
            let bar = ProgressBar::with_draw_target(Some(self.total), ProgressDrawTarget::stderr());
            if let Ok(style) =
                ProgressStyle::with_template("{msg} [{bar:40}] {percent}% ({eta} left)")
            {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(self.label.clone());
            bar.set_position(done);
            self.bar = Some(bar);
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

// ---------------------------------------------------------------------------------------
// .npy

/// The element types read from `.npy` files, dispatched on before any data is touched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Element {
    F64,
    F32,
    I8,
    I16,
    I32,
    I64,
    U8,
    U16,
    U32,
    U64,
    Bool,
}

impl Element {
    fn of(dtype: &DType) -> Option<(Element, bool)> {
        let DType::Plain(ts) = dtype else {
            return None;
        };
        let big = ts.endianness() == Endianness::Big;
        let e = match (ts.type_char(), ts.num_bytes()?) {
            (TypeChar::Float, 8) => Element::F64,
            (TypeChar::Float, 4) => Element::F32,
            (TypeChar::Int, 1) => Element::I8,
            (TypeChar::Int, 2) => Element::I16,
            (TypeChar::Int, 4) => Element::I32,
            (TypeChar::Int, 8) => Element::I64,
            (TypeChar::Uint, 1) => Element::U8,
            (TypeChar::Uint, 2) => Element::U16,
            (TypeChar::Uint, 4) => Element::U32,
            (TypeChar::Uint, 8) => Element::U64,
            (TypeChar::Bool, 1) => Element::Bool,
            _ => return None,
        };
        Some((e, big))
    }

    fn size(self) -> usize {
        match self {
            Element::I8 | Element::U8 | Element::Bool => 1,
            Element::I16 | Element::U16 => 2,
            Element::F32 | Element::I32 | Element::U32 => 4,
            Element::F64 | Element::I64 | Element::U64 => 8,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Element::F64 => "float64",
            Element::F32 => "float32",
            Element::I8 => "int8",
            Element::I16 => "int16",
            Element::I32 => "int32",
            Element::I64 => "int64",
            Element::U8 => "uint8",
            Element::U16 => "uint16",
            Element::U32 => "uint32",
            Element::U64 => "uint64",
            Element::Bool => "bool",
        }
    }
}

fn not_npy(file: &FileRef, detail: impl Into<String>) -> Error {
    Error::NotNpy {
        file: file.clone(),
        detail: detail.into(),
    }
}

fn read_npy(file: &FileRef, order: Order) -> Result<Array> {
    let bytes = bytes(file)?;
    let mut rest: &[u8] = &bytes;
    let header = NpyHeader::from_reader(&mut rest).map_err(|e| {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            not_npy(file, "the header is cut short")
        } else if e.to_string().contains("magic") {
            not_npy(
                file,
                "it does not start with the .npy magic string \"\\x93NUMPY\"",
            )
        } else {
            // npyz's parse errors span several lines (a caret under the text): keep the
            // first, so the message stays one line.
            let e = e.to_string();
            let first = e
                .lines()
                .next()
                .unwrap_or_default()
                .trim_end_matches([' ', ':']);
            not_npy(file, format!("malformed header: {first}"))
        }
    })?;
    let offset = bytes.len() - rest.len();

    let shape = header.shape();
    let dims = match *shape {
        [n] => Dims::One(to_usize(file, n)?),
        [r, c] => Dims::Two(to_usize(file, r)?, to_usize(file, c)?),
        _ => {
            let list: Vec<String> = shape.iter().map(u64::to_string).collect();
            let shape = match list.len() {
                1 => format!("({},)", list[0]),
                _ => format!("({})", list.join(", ")),
            };
            return Err(Error::Rank {
                file: file.clone(),
                ndim: list.len(),
                shape,
            });
        }
    };
    let dtype = header.dtype();
    let Some((element, big)) = Element::of(&dtype) else {
        return Err(Error::Dtype {
            file: file.clone(),
            dtype: dtype.descr(),
        });
    };
    let entries = match dims {
        Dims::One(n) => Some(n),
        Dims::Two(r, c) => r.checked_mul(c),
    };
    let expected = entries.and_then(|n| n.checked_mul(element.size()));
    let (Some(entries), Some(expected)) = (entries, expected) else {
        return Err(not_npy(
            file,
            format!("shape {dims} is too large to address"),
        ));
    };
    if rest.len() < expected {
        return Err(Error::Truncated {
            file: file.clone(),
            shape: dims,
            dtype: element.name(),
            offset,
            expected,
            found: rest.len(),
            entries_found: rest.len() / element.size(),
            entries,
        });
    }
    if rest.len() > expected {
        return Err(Error::Trailing {
            file: file.clone(),
            shape: dims,
            dtype: element.name(),
            expected,
            extra: rest.len() - expected,
        });
    }
    if dims.is_empty() {
        return Err(Error::Empty {
            file: file.clone(),
            shape: dims,
        });
    }

    // A file stored in the other order is transposed while decoding: a C-order (r, c) array
    // asked for column-major, or a Fortran-order one asked for row-major.
    let stored = match header.order() {
        npyz::Order::C => Order::RowMajor,
        npyz::Order::Fortran => Order::ColMajor,
    };
    let plan = match dims {
        Dims::Two(r, c) if stored != order && r > 1 && c > 1 => match stored {
            // Row-major (r, c): r runs of c; the destination is column-major.
            Order::RowMajor => Plan::Transpose { outer: r, inner: c },
            // Column-major (r, c): c runs of r; the destination is row-major.
            Order::ColMajor => Plan::Transpose { outer: c, inner: r },
        },
        _ => Plan::Copy,
    };
    let data = &rest[..expected];
    let mut progress = Progress::new(file, entries as u64);
    let values = decode(element, big, data, entries, plan, &mut progress);
    Ok(Array {
        values,
        dims,
        format: Format::Npy,
        dtype: element.name().to_owned(),
    })
}

fn to_usize(file: &FileRef, n: u64) -> Result<usize> {
    usize::try_from(n).map_err(|_| not_npy(file, format!("dimension {n} is too large")))
}

/// How decoded entries are placed.
#[derive(Debug, Clone, Copy)]
enum Plan {
    /// In file order.
    Copy,
    /// The source is `outer` runs of `inner` contiguous entries; entry `(o, i)` goes to
    /// `i · outer + o`.
    Transpose { outer: usize, inner: usize },
}

fn decode(
    element: Element,
    big: bool,
    data: &[u8],
    n: usize,
    plan: Plan,
    progress: &mut Progress,
) -> Vec<f64> {
    macro_rules! with {
        ($t:ty, $n:literal) => {
            if big {
                place::<$n>(data, n, plan, progress, |b| <$t>::from_be_bytes(b) as f64)
            } else {
                place::<$n>(data, n, plan, progress, |b| <$t>::from_le_bytes(b) as f64)
            }
        };
    }
    match element {
        Element::F64 => with!(f64, 8),
        Element::F32 => with!(f32, 4),
        Element::I8 => with!(i8, 1),
        Element::I16 => with!(i16, 2),
        Element::I32 => with!(i32, 4),
        Element::I64 => with!(i64, 8),
        Element::U8 => with!(u8, 1),
        Element::U16 => with!(u16, 2),
        Element::U32 => with!(u32, 4),
        Element::U64 => with!(u64, 8),
        Element::Bool => place::<1>(data, n, plan, progress, |b| f64::from(u8::from(b[0] != 0))),
    }
}

/// Decodes `n` entries of `N` bytes each with `conv`, placing them by `plan`.
fn place<const N: usize>(
    data: &[u8],
    n: usize,
    plan: Plan,
    progress: &mut Progress,
    conv: impl Fn([u8; N]) -> f64,
) -> Vec<f64> {
    const CHUNK: usize = 1 << 20;
    const BLOCK: usize = 64;
    let (src, _) = data.as_chunks::<N>();
    let src = &src[..n.min(src.len())];
    match plan {
        Plan::Copy => {
            let mut out = Vec::with_capacity(src.len());
            for (k, chunk) in src.chunks(CHUNK).enumerate() {
                out.extend(chunk.iter().map(|&b| conv(b)));
                progress.update(((k + 1) * CHUNK).min(src.len()) as u64);
            }
            out
        }
        Plan::Transpose { outer, inner } => {
            let mut out = vec![0.0; src.len()];
            for ob in (0..outer).step_by(BLOCK) {
                let oe = (ob + BLOCK).min(outer);
                for ib in (0..inner).step_by(BLOCK) {
                    let ie = (ib + BLOCK).min(inner);
                    for o in ob..oe {
                        let row = &src[o * inner..(o + 1) * inner];
                        for i in ib..ie {
                            out[i * outer + o] = conv(row[i]);
                        }
                    }
                }
                progress.update((oe * inner) as u64);
            }
            out
        }
    }
}

// ---------------------------------------------------------------------------------------
// .csv

fn read_csv(file: &FileRef, order: Order) -> Result<Array> {
    let bytes = bytes(file)?;
    let mut progress = Progress::new(file, bytes.len() as u64);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(&bytes[..]);
    let mut values = Vec::new();
    let mut record = csv::ByteRecord::new();
    let mut columns: Option<(usize, usize)> = None; // (first line, its number of columns)
    let mut lines = 0usize;
    let mut blank: Option<usize> = None;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(file, e)),
        }
        // A record's position is where the reader stood before it, ahead of any empty
        // lines the csv crate skipped: count those to find the record's own line.
        let (mut start, mut line0) = record
            .position()
            .map_or((0, lines + 1), |p| (p.byte() as usize, p.line() as usize));
        // After a `\r\n` terminator the reader stands between its two bytes.
        if start > 0 && bytes.get(start - 1..=start) == Some(b"\r\n".as_slice()) {
            start += 1;
            line0 += 1;
        }
        let skipped = bytes
            .get(start..)
            .unwrap_or_default()
            .iter()
            .take_while(|&&b| b == b'\n' || b == b'\r')
            .filter(|&&b| b == b'\n')
            .count();
        let line = line0 + skipped;
        if skipped > 0 {
            blank.get_or_insert(line0);
        }
        // A line of spaces is blank, like an empty one.
        if record.len() == 1 && record[0].is_empty() {
            blank.get_or_insert(line);
            continue;
        }
        // Blank lines may only end the file, so that line `i + 1` is always row `i`.
        if let Some(blank) = blank {
            return Err(Error::Blank {
                file: file.clone(),
                line: blank,
            });
        }
        match columns {
            None => columns = Some((line, record.len())),
            Some((first_line, expected)) if record.len() != expected => {
                return Err(Error::Ragged {
                    file: file.clone(),
                    line,
                    found: record.len(),
                    first_line,
                    expected,
                });
            }
            Some(_) => {}
        }
        for (j, field) in record.iter().enumerate() {
            let value = std::str::from_utf8(field)
                .ok()
                .and_then(|s| s.parse::<f64>().ok());
            match value {
                Some(v) => values.push(v),
                None => {
                    let at = Position::Line {
                        line,
                        column: j + 1,
                    };
                    return Err(Error::NotANumber {
                        file: file.clone(),
                        at,
                        token: String::from_utf8_lossy(field).into_owned(),
                        hint: if lines == 0 {
                            " (a header line is not allowed: numbers only)"
                        } else {
                            ""
                        },
                    });
                }
            }
        }
        lines += 1;
        if lines.is_multiple_of(4096) {
            progress.update(reader.position().byte());
        }
    }
    let cols = columns.map_or(0, |(_, c)| c);
    let dims = Dims::Two(lines, cols);
    if values.is_empty() {
        return Err(Error::Empty {
            file: file.clone(),
            shape: dims,
        });
    }
    let values = match order {
        Order::RowMajor => values,
        Order::ColMajor if lines == 1 || cols == 1 => values,
        Order::ColMajor => {
            let mut out = vec![0.0; values.len()];
            for (k, v) in values.into_iter().enumerate() {
                out[(k % cols) * lines + k / cols] = v;
            }
            out
        }
    };
    Ok(Array {
        values,
        dims,
        format: Format::Csv,
        dtype: "csv".to_owned(),
    })
}

fn csv_error(file: &FileRef, e: csv::Error) -> Error {
    match e.into_kind() {
        csv::ErrorKind::Io(source) => Error::Io {
            file: file.clone(),
            source,
        },
        other => Error::Io {
            file: file.clone(),
            source: io::Error::other(format!("{other:?}")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn progress() -> Progress {
        Progress::new(&FileRef::new("--pred", "x.npy"), 0)
    }

    #[test]
    fn transposing_decode_places_every_entry() {
        // A C-order (3, 70) array asked for column-major: crosses a block boundary.
        let (r, c) = (3usize, 70usize);
        let src: Vec<u8> = (0..r * c).flat_map(|k| (k as f64).to_le_bytes()).collect();
        let out = decode(
            Element::F64,
            false,
            &src,
            r * c,
            Plan::Transpose { outer: r, inner: c },
            &mut progress(),
        );
        for i in 0..r {
            for j in 0..c {
                assert_eq!(out[i + j * r], (i * c + j) as f64);
            }
        }
    }

    #[test]
    fn every_integer_width_and_endianness_decodes() {
        let n = 1;
        let check = |e: Element, big: bool, bytes: &[u8], want: f64| {
            let out = decode(e, big, bytes, n, Plan::Copy, &mut progress());
            assert_eq!(out, vec![want], "{e:?} big={big}");
        };
        check(Element::I8, false, &[0xff], -1.0);
        check(Element::U8, false, &[0xff], 255.0);
        check(Element::I16, true, &[0xff, 0xfe], -2.0);
        check(Element::U32, false, &7u32.to_le_bytes(), 7.0);
        check(Element::I64, true, &(-3i64).to_be_bytes(), -3.0);
        check(Element::U64, false, &9u64.to_le_bytes(), 9.0);
        check(Element::F32, true, &0.5f32.to_be_bytes(), 0.5);
        check(Element::Bool, false, &[1], 1.0);
        check(Element::Bool, false, &[0], 0.0);
    }

    #[test]
    fn positions_follow_the_format() {
        assert_eq!(
            Format::Npy.position(Dims::Two(2, 3), 1, 2).to_string(),
            "index [1, 2] (row 1, column 2)"
        );
        assert_eq!(
            Format::Npy.position(Dims::One(8), 0, 7).to_string(),
            "index [7]"
        );
        assert_eq!(
            Format::Csv.position(Dims::Two(2, 3), 1, 2).to_string(),
            "line 2, column 3"
        );
    }
}
