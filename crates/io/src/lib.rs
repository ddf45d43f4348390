//! Reading the arrays users have, `.npy`, `.npz`, `.parquet` and `.csv` files, in bounded
//! memory, into typed buffers that `xent-core` problems borrow without conversion.
//!
//! # What it reads
//!
//! - **`.npy`** (numpy's `np.save`), versions 1.0, 2.0 and 3.0; 1-D or 2-D; C or Fortran
//!   order; `float64`, `float32`, `int8` to `int64`, `uint8` to `uint64` and `bool`, little-
//!   or big-endian (swapped in place while read), under every descriptor numpy accepts for
//!   them (`'<f8'`, `'f8'`, `'=f8'`, `'|f8'`, `'d'`, `'float64'`, `'|b1'`, `'?'`, `'bool'`,
//!   `'<i8'`, `'l'`, `'u1'`, `'B'`, `'uint8'`, …; see [`parse_descr`]). The entries stay in
//!   the file's element type and memory order: a `float32` file is a `Vec<f32>`
//!   ([`Buffer`]), and [`Loaded::matrix`] lends it as an [`xent_core::Array`] in either
//!   orientation through strides, without a copy.
//! - **`.csv`**: one row of numbers per line, comma-separated, spaces around fields
//!   allowed, a `\r\n` ending allowed, blank lines only at the end; parsed field by field
//!   with `csv-core` (the `csv` crate's parser: quoted numbers such as `"0.5"` are
//!   accepted), into `float64` of shape `(lines, columns)`. Class-index files are read the
//!   same way: whole numbers as `f64`, which [`xent_core::array::Element::to_index`]
//!   accepts as indices. [`Options::header`] skips line 1.
//! - **`.npz`** (numpy's `np.savez`, `np.savez_compressed`): `A.npz:pred` is the array
//!   numpy's `np.load("A.npz")["pred"]` gives, `A.npz` alone the archive's only array (an
//!   archive of several is refused, naming them). Members stored or deflated; each is read
//!   into memory whole, then parsed as a `.npy` file (see [`npz_path`]).
//! - **`.parquet`**: `A.parquet:pred` is a column (`A.parquet` alone the file's only
//!   column), a row per sample: a column of numbers is 1-D, a `LIST` column of `k`
//!   elements per row `[rows, k]` in C order, in the column's own type (`DOUBLE`, `FLOAT`,
//!   `BOOLEAN`, `INT32`, `INT64`, narrower and unsigned integers by their annotation),
//!   required or optional (a null is refused, naming its row); read through the `parquet`
//!   crate's column reader without Arrow, row group after row group, one page at a time
//!   ([`ParquetReader`]; codecs: uncompressed, snappy, gzip, LZ4, brotli; not zstd).
//! - **`-`** as a path is standard input: a `.npy` stream when it starts with the magic
//!   string, CSV otherwise ([`Options::format`] forces either).
//!
//! # What it refuses, and the bounds
//!
//! Every refusal is an [`Error`] value naming the file as given, the position (numpy
//! indices for `.npy`, line and column from 1 for `.csv`) and the rule; nothing panics on
//! any input and nothing is memory-mapped (a file truncated under a map would kill the
//! process with `SIGBUS`).
//!
//! - A file that is not what its extension says is refused from its first bytes: a `.npy`
//!   file without the magic string (`/dev/zero` named `A.npy` fails after 8 bytes), a
//!   `.csv` file holding a NUL byte or the `.npy` magic string (after the first read of
//!   64 KiB at most).
//! - A `.npy` header is at most 64 KiB ([`header::MAX_HEADER`]); a descriptor outside the
//!   accepted ones is named with the forms accepted; other ranks than 1 and 2, shapes too
//!   large to address and arrays without entries are refused.
//! - A regular `.npy` file's size is compared with what its header promises **before
//!   anything is allocated**: shorter ([`Error::Truncated`], with both byte counts) or
//!   longer ([`Error::Trailing`]) is refused, so a header promising `(10**12,)` entries
//!   costs nothing. The buffer is then allocated once and filled by positioned reads; a
//!   file that shrinks or grows meanwhile gives [`Error::Changed`] or [`Error::Grew`].
//! - A stream (pipe, standard input, device) is read in order, its buffer growing with the
//!   data that has arrived (at most doubling it, in steps of at least 2^20 entries), never
//!   past what the header promises; a stream that ends early is [`Error::Truncated`].
//! - A `.csv` field is at most [`MAX_FIELD`] bytes and a line at most
//!   [`Options::max_line_bytes`] (256 MiB by default), so an endless line cannot grow
//!   memory past the bound; the text itself is never held, only 64 KiB of it at a time.
//!
//! [`NpyReader`] reads a `.npy` file in blocks, for a caller that overlaps reading with
//! computing.
//!
//! # Example
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let dir = tempfile::tempdir()?;
//! # let path = dir.path().join("pred.csv");
//! std::fs::write(&path, "0.9, 0.2, 0.7\n0.1, 0.8, 0.3\n")?;
//! let loaded = xent_io::read(&path)?;
//! assert_eq!(loaded.shape, [2, 3]);
//! assert_eq!(loaded.dtype, xent_core::Dtype::F64);
//! // The file's (2, 3) as (outputs, samples), or transposed, borrowing the buffer.
//! let cols = loaded.matrix(false);
//! assert_eq!((cols.rows(), cols.cols(), cols.get_f64(1, 2)), (2, 3, 0.3));
//! let rows = loaded.matrix(true);
//! assert_eq!((rows.rows(), rows.cols(), rows.get_f64(2, 1)), (3, 2, 0.3));
//!
//! std::fs::write(&path, "0.9, 0.2,\n")?;
//! let err = xent_io::read(&path).err().ok_or("a trailing comma")?;
//! assert!(err.to_string().ends_with(
//!     "pred.csv: line 1, column 3: an empty field (the line ends with a comma): \
//!      every field must hold a number"
//! ));
//! # Ok(())
//! # }
//! ```

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

mod buffer;
mod csv;
mod error;
pub mod header;
mod npy;
mod npz;
mod parquet;

pub use buffer::{Buffer, Loaded, Scalar};
pub use csv::{DEFAULT_MAX_LINE, MAX_FIELD};
pub use error::{Error, FileName, Position, Result, numpy_shape};
pub use header::{NpyHeader, parse_descr};
pub use npy::{NpyReader, read_npy};
pub use npz::npz_path;
pub use parquet::{Memory, ParquetReader, parquet_path};

/// The file formats (an `.npz` member is a `.npy` file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// A numpy `.npy` file.
    Npy,
    /// A comma-separated text file.
    Csv,
    /// A column of a Parquet file.
    Parquet,
}

impl Format {
    /// The format a path's extension names (case-insensitive), or
    /// [`Error::UnsupportedType`]. `-` (standard input) names none: `Ok(None)`.
    pub fn of_path(path: &Path) -> Result<Option<Format>> {
        let file = FileName::new(path);
        if file.is_stdin() {
            return Ok(None);
        }
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        match ext.as_deref() {
            Some("npy") => Ok(Some(Format::Npy)),
            Some("csv") => Ok(Some(Format::Csv)),
            Some("parquet") => Ok(Some(Format::Parquet)),
            Some(other) => Err(Error::UnsupportedType {
                file,
                what: format!("extension \".{other}\""),
            }),
            None => Err(Error::UnsupportedType {
                file,
                what: "no extension".to_owned(),
            }),
        }
    }
}

/// How to read a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The format, whatever the extension says; `None`: by extension (by content for `-`).
    pub format: Option<Format>,
    /// `.csv`: line 1 is a header, skipped unread.
    pub header: bool,
    /// `.csv`: the longest line accepted, in bytes.
    pub max_line_bytes: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            format: None,
            header: false,
            max_line_bytes: DEFAULT_MAX_LINE,
        }
    }
}

/// Reads `path` (`-`: standard input) with the default [`Options`].
pub fn read(path: impl AsRef<Path>) -> Result<Loaded> {
    read_with(path, &Options::default())
}

/// Reads `path` (`-`: standard input): `.npy` or `.csv` by extension unless
/// [`Options::format`] says which.
pub fn read_with(path: impl AsRef<Path>, options: &Options) -> Result<Loaded> {
    let path = path.as_ref();
    let name = FileName::new(path);
    if name.is_stdin() {
        return read_from(io::stdin(), name, options);
    }
    if let Some((archive, member)) = npz_path(path) {
        return npz::read_member(&archive, member.as_deref(), path);
    }
    if options.format.is_none_or(|f| f == Format::Parquet) && parquet_path(path).is_some() {
        return ParquetReader::open(path)?.read_all();
    }
    if path.is_dir() {
        return Err(Error::Directory { file: name });
    }
    let format = match options.format {
        Some(f) => f,
        None => Format::of_path(path)?.unwrap_or(Format::Csv),
    };
    let file = File::open(path).map_err(|e| Error::io(&name, e))?;
    if file.metadata().map_err(|e| Error::io(&name, e))?.is_dir() {
        return Err(Error::Directory { file: name });
    }
    match format {
        Format::Npy => NpyReader::from_file(file, name)?.read_all(),
        Format::Csv => csv::read_csv(&mut &file, &name, options),
        Format::Parquet => ParquetReader::open(path)?.read_all(),
    }
}

/// Reads a stream named `name` in messages: the format [`Options::format`] says, or, when
/// it says none, `.npy` if the stream starts with the `.npy` magic string and CSV
/// otherwise.
pub fn read_from(
    mut reader: impl Read + Send + 'static,
    name: FileName,
    options: &Options,
) -> Result<Loaded> {
    let format = match options.format {
        Some(f) => f,
        None => {
            // Peek at the first bytes, then read them again in front of the rest.
            let mut head = [0u8; header::MAGIC.len()];
            let mut got = 0;
            while got < head.len() {
                match reader.read(&mut head[got..]) {
                    Ok(0) => break,
                    Ok(n) => got += n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(Error::io(&name, e)),
                }
            }
            let format = if head[..got] == header::MAGIC[..] {
                Format::Npy
            } else {
                Format::Csv
            };
            let again = io::Cursor::new(head[..got].to_vec()).chain(reader);
            return read_as(format, again, name, options);
        }
    };
    read_as(format, reader, name, options)
}

fn read_as(
    format: Format,
    mut reader: impl Read + Send + 'static,
    name: FileName,
    options: &Options,
) -> Result<Loaded> {
    match format {
        Format::Npy => NpyReader::from_reader(reader, name)?.read_all(),
        Format::Csv => csv::read_csv(&mut reader, &name, options),
        Format::Parquet => Err(Error::NotParquet {
            file: name,
            detail: "not a regular file: a Parquet file is read from its footer, at the end, \
                     so it cannot be a stream"
                .to_owned(),
        }),
    }
}
