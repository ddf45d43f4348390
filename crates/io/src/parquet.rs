//! `.parquet` columns: `A.parquet:pred` is the column pandas' `pd.read_parquet("A.parquet")
//! ["pred"]` gives, `A.parquet` alone the file's only column (a file of several is refused,
//! naming them).
//!
//! # What a column is read as
//!
//! A **row is a sample**. A column of numbers is a 1-D array of one entry per row
//! (`[rows]`); a `LIST` column (pyarrow's `list<double>` or `fixed_size_list<double, k>`,
//! which Parquet stores as a `LIST`) is a 2-D array of one row per row of the file
//! (`[rows, k]`, in C order), every row holding the same number `k` of elements. Types:
//! `FLOAT` is `float32`, `DOUBLE` `float64`, `BOOLEAN` `bool`, `INT32` and `INT64` `int32`
//! and `int64`, or the narrower or unsigned integer their annotation names (`INT(8, true)`
//! is `int8`, `INT(64, false)` `uint64`, …); the entries stay in that type, as a `.npy`
//! file's do. Required and optional columns are both read; a null is an error naming the
//! row. Strings, dates, times, timestamps, decimals, `FLOAT16`, `INT96`, structs, maps and
//! lists of lists are refused, naming the type.
//!
//! Categorical predictions are one list column of `k` probabilities (or logits) per row:
//! that is how pyarrow and pandas store a 2-D numpy array or a tensor row by row, and it
//! keeps one name per input (`A.parquet:pred`). Spreading the classes over `k` separate
//! columns is not read: such a file can be turned into a list column by the same tools.
//!
//! # Bounded memory
//!
//! The file is read through the `parquet` crate's low-level column reader, never through
//! Arrow and never memory-mapped: positioned reads (`pread`) of one page at a time, decoded
//! straight into the caller's buffer of the column's own type. [`ParquetReader::read_into`]
//! reads consecutive rows in order, row group after row group, holding at most one row
//! group's column reader (and its current page) at a time, whatever the number of row
//! groups or the file's size; [`ParquetReader::memory`] reports what it held.
//!
//! # What is refused
//!
//! Before any data is read, the footer is checked: the `PAR1` magic bytes at both ends,
//! metadata that decodes, a column chunk of the column in every row group lying inside the
//! file, row counts that agree, and a codec this build decompresses (uncompressed, snappy,
//! gzip, LZ4 and brotli, all in Rust; zstd is refused, naming the column and the row group).
//! The `parquet` crate may panic on some malformed inputs: every call into it is guarded,
//! so a panic becomes an [`Error::NotParquet`] value, and no message reaches the terminal.

use std::cell::Cell;
use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::FileExt;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once};

use parquet::basic::{Compression, ConvertedType, LogicalType, Repetition, Type as Physical};
use parquet::column::page::PageReader;
use parquet::column::reader::{ColumnReader, ColumnReaderImpl};
use parquet::data_type::{BoolType, DoubleType, FloatType, Int32Type, Int64Type};
use parquet::file::metadata::{ParquetMetaData, ParquetMetaDataReader};
use parquet::file::reader::{ChunkReader, Length};
use parquet::file::serialized_reader::SerializedPageReader;
use parquet::schema::types::{ColumnDescPtr, Type as SchemaType};
use xent_core::Dtype;

use crate::Format;
use crate::buffer::{Buffer, Loaded};
use crate::error::{Error, FileName, Position, Result};

/// The Parquet magic bytes, at the start and at the end of every file.
const MAGIC: &[u8; 4] = b"PAR1";

/// Rows read per step by [`ParquetReader::read_all`], whose buffer grows with the rows
/// that have been decoded, never with what the metadata claims.
const ALL_STEP: usize = 1 << 16;

/// The file and the column a path names, when it names a Parquet file: `A.parquet` (no
/// column named) or `A.parquet:pred` (split at the last `.parquet:`, extension
/// case-insensitive). `None` for any other path.
///
/// ```
/// use std::path::Path;
/// let (file, column) = xent_io::parquet_path(Path::new("runs/day.parquet:pred")).unwrap();
/// assert_eq!((file.as_path(), column.as_deref()), (Path::new("runs/day.parquet"), Some("pred")));
/// assert_eq!(xent_io::parquet_path(Path::new("day.PARQUET")).unwrap().1, None);
/// assert!(xent_io::parquet_path(Path::new("pred.npy")).is_none());
/// ```
pub fn parquet_path(path: &Path) -> Option<(PathBuf, Option<String>)> {
    let text = path.to_str()?;
    let lower = text.to_ascii_lowercase();
    if lower.ends_with(".parquet") {
        return Some((path.to_path_buf(), None));
    }
    let at = lower.rfind(".parquet:")?;
    let (file, column) = (&text[..at + 8], &text[at + 9..]);
    Some((PathBuf::from(file), Some(column.to_owned())))
}

/// What a [`ParquetReader`] has held, to show that its memory does not grow with the file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Memory {
    /// Row groups whose column reader was opened, one after another.
    pub row_groups_opened: usize,
    /// The most column readers (of row groups) alive at once: 1 by construction.
    pub most_open_at_once: usize,
    /// The largest single read from the file, in bytes (a page, a page header's buffer or
    /// the footer): what the reader holds of the file's bytes at a time.
    pub largest_read: usize,
    /// The most definition and repetition levels held at once (levels of the rows of one
    /// call, never of a whole row group unless the call asks for that many rows).
    pub most_levels: usize,
}

/// The file, read with positioned reads (`pread`): no shared offset, no memory map. It
/// records the largest read, for [`Memory::largest_read`].
struct Positioned {
    file: File,
    len: u64,
    largest: AtomicUsize,
}

impl Positioned {
    fn note(&self, n: usize) {
        self.largest.fetch_max(n, Ordering::Relaxed);
    }
}

impl Length for Positioned {
    fn len(&self) -> u64 {
        self.len
    }
}

/// A reader of the file from an offset, by positioned reads.
struct At {
    file: Arc<Positioned>,
    at: u64,
}

impl Read for At {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.file.file.read_at(buf, self.at)?;
        self.at += n as u64;
        Ok(n)
    }
}

/// What the page reader is given: the shared file, so that its readers outlive no one.
#[derive(Clone)]
struct Shared(Arc<Positioned>);

impl Length for Shared {
    fn len(&self) -> u64 {
        self.0.len
    }
}

impl ChunkReader for Shared {
    type T = io::BufReader<At>;

    fn get_read(&self, start: u64) -> parquet::errors::Result<Self::T> {
        // The page reader reads a page header through this: 8 KiB of buffer.
        self.0.note(8 << 10);
        Ok(io::BufReader::with_capacity(
            8 << 10,
            At {
                file: Arc::clone(&self.0),
                at: start,
            },
        ))
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<bytes::Bytes> {
        let end = start
            .checked_add(length as u64)
            .filter(|&e| e <= self.0.len);
        if end.is_none() {
            return Err(parquet::errors::ParquetError::EOF(format!(
                "{length} bytes asked for at byte {start}, past the end of the {}-byte file",
                self.0.len
            )));
        }
        self.0.note(length);
        let mut buf = vec![0u8; length];
        let mut done = 0;
        while done < length {
            match self.0.file.read_at(&mut buf[done..], start + done as u64) {
                Ok(0) => {
                    return Err(parquet::errors::ParquetError::EOF(format!(
                        "the file ended at byte {} while {length} bytes were read from byte \
                         {start}: it changed while being read",
                        start + done as u64
                    )));
                }
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(parquet::errors::ParquetError::External(Box::new(e))),
            }
        }
        Ok(buf.into())
    }
}

thread_local! {
    /// Whether this thread is inside [`guarded`]: its panics are turned into errors, and
    /// the panic hook stays quiet about them.
    static GUARDED: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f`, a call into the `parquet` crate, turning a panic into an error message (the
/// crate may panic on malformed input). The panic hook is wrapped once so that a guarded
/// panic prints nothing; every other panic is reported as before.
fn guarded<T>(f: impl FnOnce() -> T) -> std::result::Result<T, String> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !GUARDED.with(Cell::get) {
                previous(info);
            }
        }));
    });
    let was = GUARDED.with(|g| g.replace(true));
    let out = panic::catch_unwind(AssertUnwindSafe(f));
    GUARDED.with(|g| g.set(was));
    out.map_err(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".to_owned());
        format!("the Parquet decoder failed on it ({what})")
    })
}

/// How the column's entries are stored, and read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// One number per row.
    Scalar,
    /// A list per row. `element_def` is the definition level at which an element exists
    /// (that of the repeated node): a level below it is a row without elements (an empty
    /// list at `element_def - 1`, a null list below), one at or above it an element (a
    /// value at the maximum, a null element below).
    List { element_def: i16 },
}

/// A column reader of one row group, of the column's physical type.
enum Typed {
    Bool(ColumnReaderImpl<BoolType>),
    I32(ColumnReaderImpl<Int32Type>),
    I64(ColumnReaderImpl<Int64Type>),
    F32(ColumnReaderImpl<FloatType>),
    F64(ColumnReaderImpl<DoubleType>),
}

/// Where the reading stands.
struct State {
    /// The next row of the file.
    next: usize,
    /// The row group being read (`groups` once all are read), and its reader.
    group: usize,
    reader: Option<Typed>,
    /// Rows of the current row group not yet read.
    left: usize,
    /// Definition and repetition levels of one call, and integers before narrowing.
    def: Vec<i16>,
    rep: Vec<i16>,
    wide32: Vec<i32>,
    wide64: Vec<i64>,
    memory: Memory,
}

/// A Parquet column whose footer is read and checked: its rows are then read in order,
/// in blocks, into buffers of the column's element type.
pub struct ParquetReader {
    /// `A.parquet:column`, for messages.
    name: FileName,
    column: String,
    source: Arc<Positioned>,
    metadata: ParquetMetaData,
    /// The leaf column's index in the schema.
    leaf: usize,
    descr: ColumnDescPtr,
    dtype: Dtype,
    shape: Shape,
    /// Rows of each row group, and in all.
    group_rows: Vec<usize>,
    rows: usize,
    /// Elements per row of a list column (row 0's), 1 for a column of numbers.
    width: usize,
    state: Mutex<State>,
}

impl std::fmt::Debug for ParquetReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParquetReader")
            .field("file", &self.name)
            .field("dtype", &self.dtype)
            .field("shape", &self.shape())
            .field("row_groups", &self.group_rows.len())
            .finish()
    }
}

impl ParquetReader {
    /// Opens the column `path` names (`A.parquet:pred`, or `A.parquet` for the file's only
    /// column) and checks the footer, the column's type, its chunks and their codecs; for a
    /// list column, reads row 0 to learn its width.
    pub fn open(path: impl AsRef<Path>) -> Result<ParquetReader> {
        let path = path.as_ref();
        // Every check below is ours, but the metadata's accessors are the crate's: one that
        // panics on a value the checks missed still gives an error value.
        guarded(|| Self::open_checked(path)).unwrap_or_else(|detail| {
            let file = parquet_path(path).map_or_else(|| path.to_path_buf(), |(f, _)| f);
            Err(Error::NotParquet {
                file: FileName::new(file),
                detail,
            })
        })
    }

    fn open_checked(path: &Path) -> Result<ParquetReader> {
        let (file_path, column) = parquet_path(path).unwrap_or((path.to_path_buf(), None));
        let file_name = FileName::new(&file_path);
        let not_parquet = |detail: String| Error::NotParquet {
            file: file_name.clone(),
            detail,
        };
        if file_path.is_dir() {
            return Err(Error::Directory { file: file_name });
        }
        let file = File::open(&file_path).map_err(|e| Error::io(&file_name, e))?;
        let meta = file.metadata().map_err(|e| Error::io(&file_name, e))?;
        if meta.is_dir() {
            return Err(Error::Directory { file: file_name });
        }
        if !meta.is_file() {
            return Err(not_parquet(
                "not a regular file: a Parquet file is read from its footer, at the end, so it \
                 cannot be a pipe or a device"
                    .to_owned(),
            ));
        }
        let len = meta.len();
        let source = Arc::new(Positioned {
            file,
            len,
            largest: AtomicUsize::new(0),
        });
        check_magic(&source, &not_parquet)?;
        let shared = Shared(Arc::clone(&source));
        let metadata = guarded(|| ParquetMetaDataReader::new().parse_and_finish(&shared))
            .map_err(&not_parquet)?
            .map_err(|e| not_parquet(format!("its footer does not decode: {e}")))?;

        let schema = metadata.file_metadata().schema_descr();
        let root = schema.root_schema();
        let columns: Vec<String> = root
            .get_fields()
            .iter()
            .map(|f| f.name().to_owned())
            .collect();
        let index = match &column {
            Some(c) => columns
                .iter()
                .position(|n| n == c)
                .ok_or_else(|| Error::NoColumn {
                    file: file_name.clone(),
                    column: c.clone(),
                    columns: columns.clone(),
                })?,
            None if columns.len() == 1 => 0,
            None => {
                return Err(Error::WhichColumn {
                    file: file_name.clone(),
                    columns,
                });
            }
        };
        let column = columns[index].clone();
        let name = match parquet_path(path).and_then(|(_, c)| c) {
            Some(_) => FileName::new(path),
            None => FileName::new(format!("{}:{column}", file_path.display())),
        };
        let field = &root.get_fields()[index];
        let leaves: Vec<usize> = (0..schema.num_columns())
            .filter(|&i| schema.get_column_root_idx(i) == index)
            .collect();
        let wrong = |found: String| Error::ColumnType {
            file: name.clone(),
            found,
        };
        let [leaf] = leaves[..] else {
            return Err(wrong(format!(
                "a group of {} columns ({})",
                leaves.len(),
                group_kind(field)
            )));
        };
        let descr = schema.column(leaf);
        let shape = match descr.max_rep_level() {
            0 if field.is_group() => {
                return Err(wrong(format!("a group ({})", group_kind(field))));
            }
            0 => Shape::Scalar,
            1 => Shape::List {
                element_def: element_def(field, descr.path().parts())
                    .ok_or_else(|| wrong("a repeated group".to_owned()))?,
            },
            n => return Err(wrong(format!("lists nested {n} deep"))),
        };
        let dtype = dtype_of(&descr).map_err(&wrong)?;

        // Every row group's chunk of the column: inside the file, of a codec we read, of
        // a row count that adds up.
        let mut group_rows = Vec::with_capacity(metadata.num_row_groups());
        for (g, group) in metadata.row_groups().iter().enumerate() {
            let rows = usize::try_from(group.num_rows()).map_err(|_| {
                not_parquet(format!("row group {g} declares {} rows", group.num_rows()))
            })?;
            if group.num_columns() != schema.num_columns() {
                return Err(not_parquet(format!(
                    "row group {g} holds {} columns but the schema {}",
                    group.num_columns(),
                    schema.num_columns()
                )));
            }
            let chunk = group.column(leaf);
            // The crate's `byte_range` panics on negative offsets: checked here first.
            let start = match chunk.dictionary_page_offset() {
                Some(d) if d < chunk.data_page_offset() => d,
                _ => chunk.data_page_offset(),
            };
            let size = chunk.compressed_size();
            let end = start.checked_add(size);
            let inside = |x: i64| u64::try_from(x).is_ok_and(|x| x <= len - 8);
            if start < MAGIC.len() as i64 || size < 0 || !end.is_some_and(inside) {
                return Err(not_parquet(format!(
                    "the metadata places row group {g} of column {column:?} at bytes {start} \
                     to {}, outside the {len}-byte file's data: it is truncated or corrupted",
                    start.saturating_add(size)
                )));
            }
            if let Some(codec) = unsupported(chunk.compression()) {
                return Err(Error::Codec {
                    file: name.clone(),
                    codec,
                    group: g,
                });
            }
            group_rows.push(rows);
        }
        let rows = group_rows
            .iter()
            .try_fold(0usize, |a, &r| a.checked_add(r))
            .ok_or_else(|| not_parquet("its row groups' rows overflow".to_owned()))?;
        let declared = metadata.file_metadata().num_rows();
        if usize::try_from(declared) != Ok(rows) {
            return Err(not_parquet(format!(
                "the footer declares {declared} rows but its row groups hold {rows}"
            )));
        }
        let mut reader = ParquetReader {
            name,
            column,
            source,
            metadata,
            leaf,
            descr,
            dtype,
            shape,
            group_rows,
            rows,
            width: 1,
            state: Mutex::new(State {
                next: 0,
                group: 0,
                reader: None,
                left: 0,
                def: Vec::new(),
                rep: Vec::new(),
                wide32: Vec::new(),
                wide64: Vec::new(),
                memory: Memory::default(),
            }),
        };
        if rows > 0 && matches!(shape, Shape::List { .. }) {
            reader.width = reader.first_width()?;
        }
        Ok(reader)
    }

    /// The column as named in messages: `A.parquet:pred`.
    pub fn file(&self) -> &FileName {
        &self.name
    }

    /// The column's name.
    pub fn column(&self) -> &str {
        &self.column
    }

    /// The element type.
    pub fn dtype(&self) -> Dtype {
        self.dtype
    }

    /// Rows of the file.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Elements per row: `k` for a list column (row 0's length), 1 for a column of
    /// numbers.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Whether it is a list column.
    pub fn is_list(&self) -> bool {
        matches!(self.shape, Shape::List { .. })
    }

    /// The array's shape: `[rows]` for a column of numbers, `[rows, k]` for a list column.
    pub fn shape(&self) -> Vec<usize> {
        match self.shape {
            Shape::Scalar => vec![self.rows],
            Shape::List { .. } => vec![self.rows, self.width],
        }
    }

    /// Number of entries, `rows × k`.
    pub fn len(&self) -> usize {
        self.rows.saturating_mul(self.width)
    }

    /// Whether the column has no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The row groups' row counts.
    pub fn row_groups(&self) -> &[usize] {
        &self.group_rows
    }

    /// What the reader has held so far.
    pub fn memory(&self) -> Memory {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        Memory {
            largest_read: self.source.largest.load(Ordering::Relaxed),
            ..state.memory
        }
    }

    /// An empty buffer of the column's element type with room for `capacity` entries, for
    /// [`ParquetReader::read_into`].
    pub fn buffer(&self, capacity: usize) -> Buffer {
        Buffer::with_capacity(self.dtype, capacity)
    }

    /// Reads entries `first .. first + len` in C order (row after row, a list row's
    /// elements in order) into `buffer`, which must be of the column's element type: it is
    /// resized to `len` entries. Rows are read in order: `first` must be where the previous
    /// call ended, and both must be whole rows.
    ///
    /// Errors: [`Error::WrongDtype`], [`Error::OutOfBounds`], [`Error::NotSeekable`] out
    /// of order; [`Error::Null`], [`Error::RaggedRow`], [`Error::Annotation`] and
    /// [`Error::ShortRowGroup`] naming the row; [`Error::NotParquet`] for a page that does
    /// not decode.
    pub fn read_into(&self, first: usize, len: usize, buffer: &mut Buffer) -> Result<()> {
        if buffer.dtype() != self.dtype {
            return Err(Error::WrongDtype {
                file: self.name.clone(),
                found: self.dtype,
                requested: buffer.dtype(),
            });
        }
        let w = self.width.max(1);
        let end = first.checked_add(len).filter(|&e| e <= self.len());
        if end.is_none() || !first.is_multiple_of(w) || !len.is_multiple_of(w) {
            return Err(Error::OutOfBounds {
                file: self.name.clone(),
                first,
                end: first.saturating_add(len),
                len: self.len(),
            });
        }
        let mut guard = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let state = &mut *guard;
        if first / w != state.next {
            return Err(Error::NotSeekable {
                file: self.name.clone(),
                first,
                next: state.next * w,
            });
        }
        clear(buffer);
        self.read_rows(state, len / w, buffer)
    }

    /// Reads the whole column into memory, its buffer growing with the rows decoded.
    /// Refuses a column without entries ([`Error::Empty`]).
    pub fn read_all(self) -> Result<Loaded> {
        if self.is_empty() {
            return Err(Error::Empty {
                file: self.name.clone(),
                shape: crate::error::numpy_shape(&self.shape()),
            });
        }
        let mut buffer = self.buffer(0);
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        while state.next < self.rows {
            let n = (self.rows - state.next).min(ALL_STEP);
            self.read_rows(&mut state, n, &mut buffer)?;
        }
        drop(state);
        Ok(Loaded {
            buffer,
            shape: self.shape(),
            fortran_order: false,
            format: Format::Parquet,
            dtype: self.dtype,
        })
    }

    /// Row 0's number of elements, from a reader of row group 0 made for the purpose.
    fn first_width(&self) -> Result<usize> {
        let mut state = State {
            next: 0,
            group: 0,
            reader: None,
            left: 0,
            def: Vec::new(),
            rep: Vec::new(),
            wide32: Vec::new(),
            wide64: Vec::new(),
            memory: Memory::default(),
        };
        let mut scratch = self.buffer(0);
        let mut width = None;
        self.read_rows_with(&mut state, 1, &mut scratch, &mut width)?;
        Ok(width.unwrap_or(0))
    }

    /// Appends `rows` rows from `state.next` to `out`.
    fn read_rows(&self, state: &mut State, rows: usize, out: &mut Buffer) -> Result<()> {
        let mut width = Some(self.width);
        self.read_rows_with(state, rows, out, &mut width)
    }

    /// Appends `rows` rows to `out`, row group after row group; `width` is the list
    /// width every row must have (`None`: row 0's, which it then records).
    fn read_rows_with(
        &self,
        state: &mut State,
        mut rows: usize,
        out: &mut Buffer,
        width: &mut Option<usize>,
    ) -> Result<()> {
        while rows > 0 {
            if state.left == 0 {
                self.next_group(state)?;
            }
            let want = rows.min(state.left);
            let got = self.read_batch(state, want, out, width)?;
            if got == 0 {
                let g = state.group;
                return Err(Error::ShortRowGroup {
                    file: self.name.clone(),
                    group: g,
                    declared: self.group_rows[g],
                    found: self.group_rows[g] - state.left,
                    row: state.next,
                });
            }
            state.next += got;
            state.left -= got;
            rows -= got;
        }
        Ok(())
    }

    /// Drops the current row group's reader and opens the next one's.
    fn next_group(&self, state: &mut State) -> Result<()> {
        if state.reader.is_some() {
            state.group += 1;
        }
        state.reader = None;
        while state.group < self.group_rows.len() && self.group_rows[state.group] == 0 {
            state.group += 1;
        }
        let g = state.group;
        if g >= self.group_rows.len() {
            // The row groups' rows add up to `rows`, which the callers never pass.
            return Err(Error::OutOfBounds {
                file: self.name.clone(),
                first: state.next,
                end: state.next + 1,
                len: self.rows,
            });
        }
        let chunk = self.metadata.row_group(g).column(self.leaf);
        let shared = Shared(Arc::clone(&self.source));
        let rows = self.group_rows[g];
        let pages = guarded(|| SerializedPageReader::new(Arc::new(shared), chunk, rows, None))
            .map_err(|d| self.corrupt(g, d))?
            .map_err(|e| self.corrupt(g, e.to_string()))?;
        let pages: Box<dyn PageReader> = Box::new(pages);
        let reader = match parquet::column::reader::get_column_reader(self.descr.clone(), pages) {
            ColumnReader::BoolColumnReader(r) => Typed::Bool(r),
            ColumnReader::Int32ColumnReader(r) => Typed::I32(r),
            ColumnReader::Int64ColumnReader(r) => Typed::I64(r),
            ColumnReader::FloatColumnReader(r) => Typed::F32(r),
            ColumnReader::DoubleColumnReader(r) => Typed::F64(r),
            // `dtype_of` accepted none of the others at open.
            _ => return Err(self.corrupt(g, "a column of another type".to_owned())),
        };
        state.reader = Some(reader);
        state.left = rows;
        state.memory.row_groups_opened += 1;
        state.memory.most_open_at_once = state.memory.most_open_at_once.max(1);
        Ok(())
    }

    fn corrupt(&self, group: usize, detail: String) -> Error {
        Error::NotParquet {
            file: self.name.clone(),
            detail: format!("row group {group} does not decode: {detail}"),
        }
    }

    /// Reads up to `want` rows of the current row group, appending their values to `out`;
    /// the number of rows read.
    fn read_batch(
        &self,
        state: &mut State,
        want: usize,
        out: &mut Buffer,
        width: &mut Option<usize>,
    ) -> Result<usize> {
        let State {
            reader,
            def,
            rep,
            wide32,
            wide64,
            group,
            ..
        } = state;
        let g = *group;
        def.clear();
        rep.clear();
        let Some(reader) = reader.as_mut() else {
            return Ok(0);
        };
        let levels = self.descr.max_def_level() > 0;
        let repeated = self.descr.max_rep_level() > 0;
        macro_rules! read {
            ($r:expr, $values:expr) => {{
                let values = $values;
                let defs = levels.then_some(&mut *def);
                let reps = repeated.then_some(&mut *rep);
                guarded(|| $r.read_records(want, defs, reps, values))
                    .map_err(|d| self.corrupt(g, d))?
                    .map_err(|e| self.corrupt(g, e.to_string()))?
                    .0
            }};
        }
        wide32.clear();
        wide64.clear();
        let records = match (reader, &mut *out) {
            (Typed::Bool(r), Buffer::Bool(v)) => read!(r, v),
            (Typed::F32(r), Buffer::F32(v)) => read!(r, v),
            (Typed::F64(r), Buffer::F64(v)) => read!(r, v),
            (Typed::I32(r), Buffer::I32(v)) => read!(r, v),
            (Typed::I64(r), Buffer::I64(v)) => read!(r, v),
            (Typed::I32(r), _) => read!(r, &mut *wide32),
            (Typed::I64(r), _) => read!(r, &mut *wide64),
            _ => return Err(self.corrupt(g, "values of another type".to_owned())),
        };
        state.memory.most_levels = state.memory.most_levels.max(def.len().max(rep.len()));
        let first_row = state.next;
        self.check_levels(&state.def, &state.rep, first_row, records, width)?;
        self.narrow(&state.wide32, &state.wide64, out, first_row)?;
        Ok(records)
    }

    /// Refuses nulls and rows of another width than `width` among the levels of `records`
    /// rows from `first_row`.
    fn check_levels(
        &self,
        def: &[i16],
        rep: &[i16],
        first_row: usize,
        records: usize,
        width: &mut Option<usize>,
    ) -> Result<()> {
        let max = self.descr.max_def_level();
        match self.shape {
            Shape::Scalar => {
                if let Some(i) = def.iter().position(|&d| d < max) {
                    return Err(Error::Null {
                        file: self.name.clone(),
                        at: Position::Row {
                            row: first_row + i,
                            element: None,
                        },
                        what: "",
                    });
                }
            }
            Shape::List { element_def } => {
                let mut row = first_row;
                let mut count = 0usize;
                let mut started = false;
                let finish = |row: usize, count: usize, width: &mut Option<usize>| {
                    let want = *width.get_or_insert(count);
                    if count != want {
                        return Err(Error::RaggedRow {
                            file: self.name.clone(),
                            row,
                            found: count,
                            expected: want,
                        });
                    }
                    Ok(())
                };
                for (&d, &r) in def.iter().zip(rep) {
                    if r == 0 {
                        if started {
                            finish(row, count, width)?;
                            row += 1;
                        }
                        started = true;
                        count = 0;
                    }
                    if d < element_def {
                        if d + 1 < element_def {
                            return Err(Error::Null {
                                file: self.name.clone(),
                                at: Position::Row { row, element: None },
                                what: " (a null list)",
                            });
                        }
                        // An empty list: no element, `count` stays 0.
                        continue;
                    }
                    if d < max {
                        return Err(Error::Null {
                            file: self.name.clone(),
                            at: Position::Row {
                                row,
                                element: Some(count),
                            },
                            what: " (a null element)",
                        });
                    }
                    count += 1;
                }
                if started {
                    finish(row, count, width)?;
                }
                // The reader returns whole rows: levels that delimit another number of rows
                // than it counted are not what a writer writes.
                let rows = if started { row + 1 - first_row } else { 0 };
                if rows != records || rep.first().is_some_and(|&r| r != 0) {
                    return Err(Error::NotParquet {
                        file: self.name.clone(),
                        detail: format!(
                            "the repetition levels from row {first_row} delimit {rows} rows \
                             where the reader read {records}: the file is corrupted"
                        ),
                    });
                }
            }
        }
        Ok(())
    }

    /// Moves integers read as `INT32`/`INT64` into a buffer of their annotated type,
    /// refusing one that does not fit it.
    fn narrow(
        &self,
        wide32: &[i32],
        wide64: &[i64],
        out: &mut Buffer,
        first_row: usize,
    ) -> Result<()> {
        let w = self.width.max(1);
        let at = |i: usize| Position::Row {
            row: first_row + i / w,
            element: self.is_list().then_some(i % w),
        };
        macro_rules! fit {
            ($src:expr, $v:expr, $t:ty) => {{
                $v.reserve($src.len());
                for (i, &x) in $src.iter().enumerate() {
                    match <$t>::try_from(x) {
                        Ok(y) => $v.push(y),
                        Err(_) => {
                            return Err(Error::Annotation {
                                file: self.name.clone(),
                                at: at(i),
                                value: i64::from(x),
                                dtype: self.dtype,
                            });
                        }
                    }
                }
            }};
        }
        match out {
            Buffer::I8(v) => fit!(wide32, v, i8),
            Buffer::I16(v) => fit!(wide32, v, i16),
            Buffer::U8(v) => fit!(wide32, v, u8),
            Buffer::U16(v) => fit!(wide32, v, u16),
            // Unsigned 32- and 64-bit integers are stored as the signed ones' bits.
            Buffer::U32(v) => v.extend(wide32.iter().map(|&x| x as u32)),
            Buffer::U64(v) => v.extend(wide64.iter().map(|&x| x as u64)),
            _ => {}
        }
        Ok(())
    }
}

/// Empties a buffer, keeping its capacity.
fn clear(buffer: &mut Buffer) {
    crate::buffer::with_vec!(buffer, v => v.clear());
}

/// Refuses a file without the magic bytes at its start and end, before the footer is
/// parsed.
fn check_magic(source: &Positioned, not_parquet: &dyn Fn(String) -> Error) -> Result<()> {
    let len = source.len;
    let mut head = [0u8; 4];
    let n = source.file.read_at(&mut head, 0).unwrap_or(0);
    if n < 4 || &head != MAGIC {
        return Err(not_parquet(format!(
            "it does not start with the magic bytes \"PAR1\" (it starts with {:?})",
            String::from_utf8_lossy(&head[..n])
        )));
    }
    if len < 12 {
        return Err(not_parquet(format!(
            "{len} bytes: too short for a footer (at least 12 bytes)"
        )));
    }
    let mut tail = [0u8; 8];
    let n = source.file.read_at(&mut tail, len - 8).unwrap_or(0);
    if n < 8 {
        return Err(not_parquet(
            "the file ended while its footer was read".to_owned(),
        ));
    }
    if &tail[4..] == b"PARE" {
        return Err(not_parquet(
            "its footer is encrypted (\"PARE\"): encrypted files are not read".to_owned(),
        ));
    }
    if &tail[4..] != MAGIC {
        return Err(not_parquet(
            "it does not end with the magic bytes \"PAR1\": it is truncated or not a Parquet \
             file"
                .to_owned(),
        ));
    }
    let footer = u64::from(u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]));
    if footer + 12 > len {
        return Err(not_parquet(format!(
            "its footer claims {footer} bytes of metadata, more than the {len}-byte file holds: \
             it is truncated or corrupted"
        )));
    }
    Ok(())
}

/// The definition level at which a list column's element exists: that of its repeated
/// node, walking `path` from the top-level `field`.
fn element_def(field: &SchemaType, path: &[String]) -> Option<i16> {
    let mut node = field;
    let mut level = 0i16;
    let mut rest = path.get(1..)?;
    loop {
        match node.get_basic_info().repetition() {
            Repetition::OPTIONAL => level += 1,
            Repetition::REPEATED => return Some(level + 1),
            Repetition::REQUIRED => {}
        }
        let (next, tail) = rest.split_first()?;
        node = node.get_fields().iter().find(|f| f.name() == next)?;
        rest = tail;
    }
}

/// What a group column is, for messages.
fn group_kind(field: &SchemaType) -> &'static str {
    if !field.is_group() {
        return "a column";
    }
    match (
        field.get_basic_info().logical_type_ref(),
        field.get_basic_info().converted_type(),
    ) {
        (Some(LogicalType::Map), _) | (_, ConvertedType::MAP | ConvertedType::MAP_KEY_VALUE) => {
            "a map"
        }
        (Some(LogicalType::List), _) | (_, ConvertedType::LIST) => "a list of groups",
        _ => "a struct",
    }
}

/// The element type of a leaf column, or what it is, for the refusal.
fn dtype_of(
    descr: &parquet::schema::types::ColumnDescriptor,
) -> std::result::Result<Dtype, String> {
    let physical = descr.physical_type();
    let logical = descr.logical_type_ref();
    let converted = descr.converted_type();
    let int = match logical {
        Some(LogicalType::Integer(t)) => Some((t.bit_width, t.is_signed)),
        Some(_) => None,
        None => match converted {
            ConvertedType::INT_8 => Some((8, true)),
            ConvertedType::INT_16 => Some((16, true)),
            ConvertedType::INT_32 => Some((32, true)),
            ConvertedType::INT_64 => Some((64, true)),
            ConvertedType::UINT_8 => Some((8, false)),
            ConvertedType::UINT_16 => Some((16, false)),
            ConvertedType::UINT_32 => Some((32, false)),
            ConvertedType::UINT_64 => Some((64, false)),
            _ => None,
        },
    };
    let plain = logical.is_none() && converted == ConvertedType::NONE;
    let dtype = match (physical, int, plain) {
        (Physical::BOOLEAN, _, true) => Some(Dtype::Bool),
        (Physical::FLOAT, _, true) => Some(Dtype::F32),
        (Physical::DOUBLE, _, true) => Some(Dtype::F64),
        (Physical::INT32, _, true) | (Physical::INT32, Some((32, true)), _) => Some(Dtype::I32),
        (Physical::INT32, Some((8, true)), _) => Some(Dtype::I8),
        (Physical::INT32, Some((16, true)), _) => Some(Dtype::I16),
        (Physical::INT32, Some((8, false)), _) => Some(Dtype::U8),
        (Physical::INT32, Some((16, false)), _) => Some(Dtype::U16),
        (Physical::INT32, Some((32, false)), _) => Some(Dtype::U32),
        (Physical::INT64, _, true) | (Physical::INT64, Some((64, true)), _) => Some(Dtype::I64),
        (Physical::INT64, Some((64, false)), _) => Some(Dtype::U64),
        _ => None,
    };
    dtype.ok_or_else(|| {
        let annotation = match logical {
            Some(l) => logical_name(l),
            None if converted != ConvertedType::NONE => format!("{converted}"),
            None => String::new(),
        };
        if annotation.is_empty() {
            format!("{physical}")
        } else {
            format!("{physical} ({annotation})")
        }
    })
}

/// A logical type's name as the Parquet format spells it.
fn logical_name(l: &LogicalType) -> String {
    match l {
        LogicalType::String => "STRING".to_owned(),
        LogicalType::Enum => "ENUM".to_owned(),
        LogicalType::Json => "JSON".to_owned(),
        LogicalType::Bson => "BSON".to_owned(),
        LogicalType::Uuid => "UUID".to_owned(),
        LogicalType::Date => "DATE".to_owned(),
        LogicalType::Time(_) => "TIME".to_owned(),
        LogicalType::Timestamp(_) => "TIMESTAMP".to_owned(),
        LogicalType::Decimal(d) => format!("DECIMAL({}, {})", d.precision, d.scale),
        LogicalType::Float16 => "FLOAT16".to_owned(),
        LogicalType::Integer(t) => format!("INT({}, {})", t.bit_width, t.is_signed),
        other => format!("{other:?}").to_uppercase(),
    }
}

/// The codec's name when this build does not decompress it.
fn unsupported(codec: Compression) -> Option<String> {
    match codec {
        Compression::UNCOMPRESSED
        | Compression::SNAPPY
        | Compression::GZIP(_)
        | Compression::LZ4
        | Compression::LZ4_RAW
        | Compression::BROTLI(_) => None,
        Compression::ZSTD(_) => Some("ZSTD".to_owned()),
        Compression::LZO => Some("LZO".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guarded_panics_are_errors() {
        let r: std::result::Result<(), String> = guarded(|| panic!("boom"));
        assert_eq!(r.unwrap_err(), "the Parquet decoder failed on it (boom)");
        assert_eq!(guarded(|| 7), Ok(7));
    }

    #[test]
    fn paths_name_the_file_and_the_column() {
        let (f, c) = parquet_path(Path::new("a.b.parquet:x:y")).unwrap();
        assert_eq!(
            (f.to_str(), c.as_deref()),
            (Some("a.b.parquet"), Some("x:y"))
        );
        assert!(parquet_path(Path::new("a.npz:x")).is_none());
    }
}
