//! The one error type of `xent-io`: every way a file can be refused, each message naming
//! the file as the user named it, the position in the user's own coordinates (numpy
//! indices for `.npy`, line and column from 1 for `.csv`) and the rule that was broken.
//!
//! Every message starts with the file and `": "`, so a caller may prefix it with how the
//! file was given (`--pred A.npy: truncated: …`).

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// A file as the user named it: its path as given, or `-` for standard input.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FileName(Box<Path>);

impl FileName {
    /// The name of `path` (`-` is standard input).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileName(path.into().into_boxed_path())
    }

    /// The path as given.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Whether it names standard input (`-`).
    pub fn is_stdin(&self) -> bool {
        self.0.as_os_str() == "-"
    }
}

impl fmt::Display for FileName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_stdin() {
            f.write_str("standard input")
        } else {
            write!(f, "{}", self.0.display())
        }
    }
}

/// Where an entry sits in a file, in the user's coordinates.
///
/// `.npy` positions are numpy indices (from 0, as `A[7, 0]`); `.parquet` positions are row
/// indices within the file (from 0, across row groups, as `pyarrow` and pandas number
/// them) and list elements (from 0); `.csv` positions are line and column numbers (from 1,
/// as an editor shows them).
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
    /// A row of a `.parquet` column, and the element of its list for a list column.
    Row {
        /// Row index within the file, from 0, counting across row groups.
        row: usize,
        /// Index within the row's list, from 0 (`None` for a column of numbers).
        element: Option<usize>,
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
            Position::Row { row, element: None } => write!(f, "row {row}"),
            Position::Row {
                row,
                element: Some(e),
            } => write!(f, "row {row}, element {e}"),
            Position::Line { line, column } => write!(f, "line {line}, column {column}"),
        }
    }
}

/// A shape as numpy prints it: `()`, `(8,)`, `(2, 3)`.
pub fn numpy_shape(shape: &[usize]) -> String {
    match shape {
        [n] => format!("({n},)"),
        _ => {
            let list: Vec<String> = shape.iter().map(usize::to_string).collect();
            format!("({})", list.join(", "))
        }
    }
}

/// An archive's members for a message: `no arrays`, `1 array: pred`, `2 arrays: pred, y`.
fn members_list(members: &[String]) -> String {
    match members.len() {
        0 => "no arrays".to_owned(),
        1 => format!("1 array: {}", members[0]),
        n => format!("{n} arrays: {}", members.join(", ")),
    }
}

/// A Parquet file's columns for a message: `no columns`, `1 column: pred`, `2 columns: a, b`.
fn columns_list(columns: &[String]) -> String {
    match columns.len() {
        0 => "no columns".to_owned(),
        1 => format!("1 column: {}", columns[0]),
        n => format!("{n} columns: {}", columns.join(", ")),
    }
}

/// The Parquet column types accepted, for messages.
pub(crate) const ACCEPTED_PARQUET: &str = "FLOAT, DOUBLE, BOOLEAN, INT32 and INT64 (plain, \
     or annotated as signed or unsigned integers of 8 to 64 bits), required or optional, or \
     a LIST of one of them";

/// The Parquet codecs this build decompresses, for messages.
pub(crate) const ACCEPTED_CODECS: &str = "UNCOMPRESSED, SNAPPY, GZIP, LZ4, LZ4_RAW and BROTLI";

/// The descriptors accepted in a `.npy` header, for messages.
pub(crate) const ACCEPTED_DESCRS: &str = "float64, float32, int8 to int64, uint8 to uint64 and bool, \
     written as numpy writes them ('<f8', '<f4', '<i8', '|u1', '|b1', '>f8', …), as a kind and \
     size with or without a byte order ('f8', '=i4', '|f8', 'b1'), as a type character ('d', \
     'f', 'l', 'B', '?', …) or by name ('float64', 'double', 'int64', 'uint8', 'bool', …)";

/// Why a file was refused. Every variant names the file; `Display` is one line.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file does not exist or cannot be read.
    #[error("{file}: cannot read it: {source}")]
    Io {
        /// The file.
        file: FileName,
        /// What the system said.
        source: io::Error,
    },
    /// A path that names a directory.
    #[error("{file}: is a directory, not a file")]
    Directory {
        /// The path.
        file: FileName,
    },
    /// Neither `.npy`, `.npz`, `.parquet` nor `.csv` by extension (and no format was
    /// forced).
    #[error(
        "{file}: unsupported file type ({what}): give a .npy file (np.save), an array of a \
         .npz archive (A.npz:name), a column of a .parquet file (A.parquet:name) or a .csv \
         file"
    )]
    UnsupportedType {
        /// The file.
        file: FileName,
        /// `extension ".txt"` or `no extension`.
        what: String,
    },
    /// A `.npy` file that does not start as one: no magic string, an unknown version, a
    /// header cut short or longer than the bound.
    #[error("{file}: not a valid .npy file: {detail}")]
    NotNpy {
        /// The file.
        file: FileName,
        /// What is wrong with it.
        detail: String,
    },
    /// A `.npz` archive that is not a zip file, or a member that cannot be read from it
    /// (a checksum that does not match, a compression other than stored and deflated).
    #[error("{file}: not a valid .npz archive (np.savez's zip of .npy files): {detail}")]
    NotNpz {
        /// The archive, or the member (`A.npz:pred`).
        file: FileName,
        /// What is wrong with it.
        detail: String,
    },
    /// `A.npz:name` where the archive holds no member `name`.
    #[error(
        "{file}: no array {member:?} in the archive: it holds {}",
        members_list(members)
    )]
    NoMember {
        /// The archive.
        file: FileName,
        /// The name asked for.
        member: String,
        /// The names it holds, as numpy's `np.load` gives them (without `.npy`).
        members: Vec<String>,
    },
    /// `A.npz` without a member name, for an archive that does not hold exactly one.
    #[error(
        "{file}: holds {}: name the array to read as {file}:NAME",
        members_list(members)
    )]
    WhichMember {
        /// The archive.
        file: FileName,
        /// The names it holds, as numpy's `np.load` gives them (without `.npy`).
        members: Vec<String>,
    },
    /// A file that is not a readable Parquet file: no `PAR1` magic bytes, a footer cut
    /// short, metadata that does not decode or does not fit in the file, a page that does
    /// not decode.
    #[error("{file}: not a valid .parquet file: {detail}")]
    NotParquet {
        /// The file (or `A.parquet:column` once a column is chosen).
        file: FileName,
        /// What is wrong with it.
        detail: String,
    },
    /// `A.parquet:name` where the file has no column `name`.
    #[error(
        "{file}: no column {column:?} in the file: it holds {}",
        columns_list(columns)
    )]
    NoColumn {
        /// The file.
        file: FileName,
        /// The name asked for.
        column: String,
        /// The top-level columns it holds.
        columns: Vec<String>,
    },
    /// `A.parquet` without a column name, for a file that does not hold exactly one column.
    #[error(
        "{file}: holds {}: name the column to read as {file}:NAME",
        columns_list(columns)
    )]
    WhichColumn {
        /// The file.
        file: FileName,
        /// The top-level columns it holds.
        columns: Vec<String>,
    },
    /// A Parquet column that does not hold numbers (strings, dates, decimals, structs,
    /// maps, lists of lists).
    #[error("{file}: the column holds {found}, not numbers: accepted are {ACCEPTED_PARQUET}")]
    ColumnType {
        /// `A.parquet:column`.
        file: FileName,
        /// Its type, as the file's schema gives it (`BYTE_ARRAY (STRING)`).
        found: String,
    },
    /// A Parquet column compressed with a codec this build does not decompress.
    #[error(
        "{file}: row group {group} of the column is compressed with {codec}, which this \
         build does not read: accepted are {ACCEPTED_CODECS}"
    )]
    Codec {
        /// `A.parquet:column`.
        file: FileName,
        /// The codec's name.
        codec: String,
        /// The first row group compressed with it, from 0.
        group: usize,
    },
    /// A null in a Parquet column.
    #[error("{file}: {at}: null: every row must hold a number{what}")]
    Null {
        /// `A.parquet:column`.
        file: FileName,
        /// The row (and list element).
        at: Position,
        /// ` (a null list)`, ` (a null element)` or empty.
        what: &'static str,
    },
    /// A row of a list column whose length is not the first row's.
    #[error(
        "{file}: row {row} holds {found} elements but row 0 holds {expected}: every row \
         must hold the same number (one per class or output)"
    )]
    RaggedRow {
        /// `A.parquet:column`.
        file: FileName,
        /// The row, from 0.
        row: usize,
        /// Its number of elements.
        found: usize,
        /// Row 0's.
        expected: usize,
    },
    /// An integer outside the type its column is annotated with (`INT_8` holding 300).
    #[error("{file}: {at}: {value} does not fit the column's type {dtype}: the file is malformed")]
    Annotation {
        /// `A.parquet:column`.
        file: FileName,
        /// Where.
        at: Position,
        /// The value stored.
        value: i64,
        /// The annotated type.
        dtype: xent_core::Dtype,
    },
    /// A row group whose column holds fewer rows than the row group declares.
    #[error(
        "{file}: row group {group} declares {declared} rows but the column ends after \
         {found} of them (row {row} of the file is missing): the file is truncated or \
         malformed"
    )]
    ShortRowGroup {
        /// `A.parquet:column`.
        file: FileName,
        /// The row group, from 0.
        group: usize,
        /// Rows it declares.
        declared: usize,
        /// Rows its column holds.
        found: usize,
        /// The first missing row of the file.
        row: usize,
    },
    /// A `.npy` header that is not the dictionary numpy writes.
    #[error("{file}: malformed .npy header: {detail}; the header reads {header:?}")]
    Header {
        /// The file.
        file: FileName,
        /// What is wrong with it.
        detail: String,
        /// The header text (at most 200 characters of it).
        header: String,
    },
    /// A dtype descriptor outside the accepted ones.
    #[error("{file}: unsupported dtype {descr}: accepted are {ACCEPTED_DESCRS}")]
    Dtype {
        /// The file.
        file: FileName,
        /// The descriptor as the header writes it (`'<c16'`, `[('a', '<f8')]`).
        descr: String,
    },
    /// An array that is neither 1-D nor 2-D.
    #[error("{file}: a {ndim}-D array of shape {shape}: only 1-D and 2-D arrays are accepted")]
    Rank {
        /// The file.
        file: FileName,
        /// Number of dimensions.
        ndim: usize,
        /// The shape, as numpy prints it.
        shape: String,
    },
    /// A shape whose size in bytes cannot be addressed on this machine.
    #[error("{file}: shape {shape} of {dtype} is too large to address on this machine")]
    TooLarge {
        /// The file.
        file: FileName,
        /// The shape, as numpy prints it.
        shape: String,
        /// The dtype.
        dtype: xent_core::Dtype,
    },
    /// A `.npy` file (or stream) with fewer data bytes than its header promises: found
    /// before anything is allocated for a regular file, when the stream ends for others.
    #[error(
        "{file}: truncated: the header promises shape {shape} of {dtype}, {expected} bytes \
         of data from byte {offset}, but the file holds only {found} of them \
         (it ends inside entry {entries_found} of {entries})"
    )]
    Truncated {
        /// The file.
        file: FileName,
        /// The promised shape, as numpy prints it.
        shape: String,
        /// The promised dtype.
        dtype: xent_core::Dtype,
        /// Byte offset of the data.
        offset: u64,
        /// Bytes of data promised.
        expected: u64,
        /// Bytes of data present.
        found: u64,
        /// Whole entries present.
        entries_found: u64,
        /// Entries promised.
        entries: u64,
    },
    /// A `.npy` file with bytes after the data its header promises.
    #[error(
        "{file}: malformed: {extra} bytes follow the {expected} bytes of data the header \
         promises (shape {shape} of {dtype})"
    )]
    Trailing {
        /// The file.
        file: FileName,
        /// The promised shape, as numpy prints it.
        shape: String,
        /// The promised dtype.
        dtype: xent_core::Dtype,
        /// Bytes of data promised.
        expected: u64,
        /// Bytes beyond them (at least; for a stream, `1` means "some").
        extra: u64,
    },
    /// A regular file that became shorter or longer while it was read.
    #[error(
        "{file}: the file ended after {read} of {expected} bytes of data: it changed while \
         being read"
    )]
    Changed {
        /// The file.
        file: FileName,
        /// Data bytes read (of the block, for a block read).
        read: u64,
        /// Data bytes expected.
        expected: u64,
    },
    /// A regular file that grew while it was read.
    #[error("{file}: the file grew while being read: it changed while being read")]
    Grew {
        /// The file.
        file: FileName,
    },
    /// An array without entries.
    #[error("{file}: empty: shape {shape}, no entries")]
    Empty {
        /// The file.
        file: FileName,
        /// Its shape, as numpy prints it (`(lines, columns)` for `.csv`).
        shape: String,
    },
    /// A block read asked for entries outside the array.
    #[error("{file}: entries {first}..{end} asked for, but the array holds {len}")]
    OutOfBounds {
        /// The file.
        file: FileName,
        /// First entry asked for.
        first: usize,
        /// One past the last entry asked for.
        end: usize,
        /// Entries in the array.
        len: usize,
    },
    /// A block read into a buffer of another element type than the file's.
    #[error("{file}: the array holds {found}, not {requested}: read it into a {found} buffer")]
    WrongDtype {
        /// The file.
        file: FileName,
        /// The file's dtype.
        found: xent_core::Dtype,
        /// The buffer's.
        requested: xent_core::Dtype,
    },
    /// Block reads of something that is not a regular file, out of order.
    #[error(
        "{file}: is not a regular file, so its blocks can only be read in order: entry \
         {first} asked for, entry {next} is next"
    )]
    NotSeekable {
        /// The file.
        file: FileName,
        /// The entry asked for.
        first: usize,
        /// The next entry of the stream.
        next: usize,
    },
    /// A `.csv` file that is not text: a NUL byte, or a `.npy` file by its magic string.
    #[error("{file}: not a text file: {detail}")]
    NotText {
        /// The file.
        file: FileName,
        /// What was found, and where.
        detail: String,
    },
    /// A CSV line longer than the bound.
    #[error(
        "{file}: line {line} is longer than {limit} bytes: lines of a .csv file are bounded \
         (raise the bound with Options::max_line_bytes)"
    )]
    LineTooLong {
        /// The file.
        file: FileName,
        /// The line.
        line: usize,
        /// The bound.
        limit: usize,
    },
    /// A CSV field longer than any number is written.
    #[error("{file}: {at}: a field longer than {limit} bytes: not a number")]
    FieldTooLong {
        /// The file.
        file: FileName,
        /// Line and column.
        at: Position,
        /// The bound.
        limit: usize,
    },
    /// A CSV field with nothing in it.
    #[error("{file}: {at}: an empty field{hint}: every field must hold a number")]
    EmptyField {
        /// The file.
        file: FileName,
        /// Line and column.
        at: Position,
        /// ` (the line ends with a comma)` for a trailing comma, or empty.
        hint: &'static str,
    },
    /// A CSV token that is not a number.
    #[error("{file}: {at}: {token:?} is not a number{hint}")]
    NotANumber {
        /// The file.
        file: FileName,
        /// Line and column.
        at: Position,
        /// The token, trimmed (lossily decoded if it is not UTF-8).
        token: String,
        /// ` (a header line is not allowed: numbers only)` where a header is plausible, or
        /// empty.
        hint: &'static str,
    },
    /// A CSV line with a different number of columns than the first.
    #[error(
        "{file}: line {line} has {found} columns but line {first_line} has {expected}: \
         every line must hold the same number of columns"
    )]
    Ragged {
        /// The file.
        file: FileName,
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
        file: FileName,
        /// The blank line.
        line: usize,
    },
}

impl Error {
    /// The file the error is about.
    pub fn file(&self) -> &FileName {
        match self {
            Error::Io { file, .. }
            | Error::Directory { file }
            | Error::UnsupportedType { file, .. }
            | Error::NotNpy { file, .. }
            | Error::NotNpz { file, .. }
            | Error::NotParquet { file, .. }
            | Error::NoColumn { file, .. }
            | Error::WhichColumn { file, .. }
            | Error::ColumnType { file, .. }
            | Error::Codec { file, .. }
            | Error::Null { file, .. }
            | Error::RaggedRow { file, .. }
            | Error::Annotation { file, .. }
            | Error::ShortRowGroup { file, .. }
            | Error::NoMember { file, .. }
            | Error::WhichMember { file, .. }
            | Error::Header { file, .. }
            | Error::Dtype { file, .. }
            | Error::Rank { file, .. }
            | Error::TooLarge { file, .. }
            | Error::Truncated { file, .. }
            | Error::Trailing { file, .. }
            | Error::Changed { file, .. }
            | Error::Grew { file }
            | Error::Empty { file, .. }
            | Error::OutOfBounds { file, .. }
            | Error::WrongDtype { file, .. }
            | Error::NotSeekable { file, .. }
            | Error::NotText { file, .. }
            | Error::LineTooLong { file, .. }
            | Error::FieldTooLong { file, .. }
            | Error::EmptyField { file, .. }
            | Error::NotANumber { file, .. }
            | Error::Ragged { file, .. }
            | Error::Blank { file, .. } => file,
        }
    }

    pub(crate) fn io(file: &FileName, source: io::Error) -> Self {
        if source.raw_os_error() == Some(21) {
            // EISDIR: a directory opened for reading.
            return Error::Directory { file: file.clone() };
        }
        Error::Io {
            file: file.clone(),
            source,
        }
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_print_as_numpy_prints_them() {
        assert_eq!(numpy_shape(&[]), "()");
        assert_eq!(numpy_shape(&[8]), "(8,)");
        assert_eq!(numpy_shape(&[2, 3]), "(2, 3)");
    }

    #[test]
    fn positions_print_in_the_users_coordinates() {
        assert_eq!(Position::Element(7).to_string(), "index [7]");
        assert_eq!(
            Position::Entry { row: 1, col: 2 }.to_string(),
            "index [1, 2] (row 1, column 2)"
        );
        assert_eq!(
            Position::Line { line: 2, column: 3 }.to_string(),
            "line 2, column 3"
        );
        assert_eq!(FileName::new("-").to_string(), "standard input");
    }
}
