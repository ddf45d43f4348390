//! Reading `.csv` files: one row of numbers per line, streamed through `csv-core` (the
//! `csv` crate's parser) field by field, so that memory holds one field and the numbers,
//! never a line or the text.

use std::io::{self, Read};

use csv_core::{ReadFieldResult, ReaderBuilder, Terminator};

use crate::buffer::{Buffer, Loaded};
use crate::error::{Error, FileName, Position, Result};
use crate::header::MAGIC;
use crate::{Format, Options};

/// The longest field accepted, in bytes (spaces around the number included): no number is
/// written this long.
pub const MAX_FIELD: usize = 4096;

/// The default bound on a line's length ([`Options::max_line_bytes`]): 256 MiB, room for
/// ten million numbers as `np.savetxt` writes them (`%.18e`, 25 bytes each).
pub const DEFAULT_MAX_LINE: usize = 256 << 20;

/// Bytes read from the file at a time.
const CHUNK: usize = 1 << 16;

/// Bytes read before anything is parsed.
const FIRST: usize = 8;

/// The UTF-8 byte-order mark.
const BOM: &[u8] = b"\xef\xbb\xbf";

pub(crate) fn read_csv(
    reader: &mut dyn Read,
    file: &FileName,
    options: &Options,
) -> Result<Loaded> {
    read_chunked(reader, file, options, CHUNK)
}

/// Trims the spaces (and a `\r` before the `\n`) around a field.
fn trim(field: &[u8]) -> &[u8] {
    field.trim_ascii()
}

struct State<'a> {
    file: &'a FileName,
    skip_first: bool,
    values: Vec<f64>,
    rows: usize,
    /// The first line of numbers and its number of columns.
    first: Option<(usize, usize)>,
    /// Fields of the current record so far.
    col: usize,
    /// The line of the current record.
    line: usize,
    /// The line of the previous record (or of the skipped header).
    prev: usize,
    /// The first blank line seen.
    blank: Option<usize>,
}

impl State<'_> {
    fn field(&mut self, raw: &[u8], line: usize, record_end: bool) -> Result<()> {
        if self.skip_first && line == 1 {
            self.prev = 1;
            return Ok(());
        }
        let field = trim(raw);
        if self.col == 0 {
            self.line = line;
            if record_end && field.is_empty() {
                // A line of spaces is blank, like an empty one.
                self.blank.get_or_insert(line);
                self.prev = line;
                return Ok(());
            }
            if line > self.prev + 1 {
                self.blank.get_or_insert(self.prev + 1);
            }
            // Blank lines may only end the file, so that line `i + 1` is always row `i`.
            if let Some(line) = self.blank {
                return Err(Error::Blank {
                    file: self.file.clone(),
                    line,
                });
            }
        }
        self.col += 1;
        let at = Position::Line {
            line: self.line,
            column: self.col,
        };
        if field.is_empty() {
            return Err(Error::EmptyField {
                file: self.file.clone(),
                at,
                hint: if record_end {
                    " (the line ends with a comma)"
                } else {
                    ""
                },
            });
        }
        let value = std::str::from_utf8(field)
            .ok()
            .and_then(|s| s.parse::<f64>().ok());
        let Some(value) = value else {
            let text_like = field[0].is_ascii_alphabetic() || field[0] == b'_';
            return Err(Error::NotANumber {
                file: self.file.clone(),
                at,
                token: String::from_utf8_lossy(field).into_owned(),
                hint: if self.line == 1 && text_like {
                    " (a header line is not allowed: numbers only)"
                } else {
                    ""
                },
            });
        };
        self.values.push(value);
        if record_end {
            match self.first {
                None => self.first = Some((self.line, self.col)),
                Some((first_line, expected)) if expected != self.col => {
                    return Err(Error::Ragged {
                        file: self.file.clone(),
                        line: self.line,
                        found: self.col,
                        first_line,
                        expected,
                    });
                }
                Some(_) => {}
            }
            self.rows += 1;
            self.prev = self.line;
            self.col = 0;
        }
        Ok(())
    }
}

/// [`read_csv`] with `chunk` bytes read at a time (small in tests, to cut fields and
/// lines at every place).
pub(crate) fn read_chunked(
    reader: &mut dyn Read,
    file: &FileName,
    options: &Options,
    chunk: usize,
) -> Result<Loaded> {
    let mut parser = ReaderBuilder::new()
        .terminator(Terminator::Any(b'\n'))
        .build();
    let chunk = chunk.max(1);
    let mut buf = vec![0u8; chunk.max(FIRST)];
    let (mut start, mut end, mut eof) = (0usize, 0usize, false);
    let mut offset = 0u64; // bytes of the file before buf[start]
    let mut newlines = 0usize; // '\n' consumed so far
    let mut line_bytes = 0usize; // bytes of the current line consumed so far
    let mut field = vec![0u8; MAX_FIELD];
    let mut field_len = 0usize;
    let mut head = Vec::with_capacity(MAGIC.len());
    let mut state = State {
        file,
        skip_first: options.header,
        values: Vec::new(),
        rows: 0,
        first: None,
        col: 0,
        line: 1,
        prev: 0,
        blank: None,
    };
    // The first bytes, however the reads cut them: a byte-order mark is dropped here, and
    // csv-core, which drops one only when it arrives whole, meets at least 4 bytes or the
    // end (an input it emptied by dropping a mark would read as the end of the file).
    while end < FIRST && !eof {
        match reader.read(&mut buf[end..FIRST]) {
            Ok(0) => eof = true,
            Ok(n) => end += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::io(file, e)),
        }
    }
    check_text(&buf[..end], 0, 0, &mut head, file)?;
    if buf[..end].starts_with(BOM) {
        start = BOM.len();
        offset = BOM.len() as u64;
    }
    loop {
        if start == end && !eof {
            let n = loop {
                match reader.read(&mut buf[..chunk]) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(Error::io(file, e)),
                }
            };
            if n == 0 {
                eof = true;
            } else {
                check_text(&buf[..n], offset, newlines, &mut head, file)?;
            }
            (start, end) = (0, n);
        }
        let input = &buf[start..end];
        let (result, nin, nout) = parser.read_field(input, &mut field[field_len..]);
        let consumed = &input[..nin];
        match consumed.iter().rposition(|&b| b == b'\n') {
            Some(last) => {
                newlines += consumed.iter().filter(|&&b| b == b'\n').count();
                line_bytes = nin - last - 1;
            }
            None => line_bytes += nin,
        }
        if line_bytes > options.max_line_bytes {
            return Err(Error::LineTooLong {
                file: file.clone(),
                line: newlines + 1,
                limit: options.max_line_bytes,
            });
        }
        let ends_line = consumed.last() == Some(&b'\n');
        start += nin;
        offset += nin as u64;
        field_len += nout;
        match result {
            ReadFieldResult::InputEmpty => {}
            ReadFieldResult::OutputFull => {
                return Err(Error::FieldTooLong {
                    file: file.clone(),
                    at: Position::Line {
                        line: newlines + 1,
                        column: state.col + 1,
                    },
                    limit: MAX_FIELD,
                });
            }
            ReadFieldResult::Field { record_end } => {
                // The field's line: newlines before it, not counting its own terminator.
                let line = newlines + 1 - usize::from(record_end && ends_line);
                state.field(&field[..field_len], line, record_end)?;
                field_len = 0;
            }
            ReadFieldResult::End => break,
        }
    }
    let cols = state.first.map_or(0, |(_, c)| c);
    let shape = vec![state.rows, cols];
    if state.values.is_empty() {
        return Err(Error::Empty {
            file: file.clone(),
            shape: crate::error::numpy_shape(&shape),
        });
    }
    Ok(Loaded {
        buffer: Buffer::F64(state.values),
        shape,
        fortran_order: false,
        format: Format::Csv,
        dtype: xent_core::Dtype::F64,
    })
}

/// Refuses bytes that are not text, as soon as they are read: a `.npy` file by its magic
/// string, a NUL byte anywhere (`/dev/zero`, a binary file).
fn check_text(
    bytes: &[u8],
    offset: u64,
    newlines: usize,
    head: &mut Vec<u8>,
    file: &FileName,
) -> Result<()> {
    // The first bytes of the file, however the reads cut them.
    if head.len() < MAGIC.len() {
        let k = (MAGIC.len() - head.len()).min(bytes.len());
        head.extend_from_slice(&bytes[..k]);
    }
    if head[..] == MAGIC[..] && offset < MAGIC.len() as u64 {
        return Err(Error::NotText {
            file: file.clone(),
            detail: "it starts with the .npy magic string \"\\x93NUMPY\": it is a .npy file"
                .to_owned(),
        });
    }
    if let Some(k) = bytes.iter().position(|&b| b == 0) {
        let line = newlines + 1 + bytes[..k].iter().filter(|&&b| b == b'\n').count();
        return Err(Error::NotText {
            file: file.clone(),
            detail: format!(
                "a NUL byte at line {line} (byte {} of the file): a .csv file holds numbers \
                 as text",
                offset + k as u64
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, header: bool, chunk: usize) -> Result<Loaded> {
        let options = Options {
            header,
            ..Options::default()
        };
        read_chunked(
            &mut text.as_bytes(),
            &FileName::new("t.csv"),
            &options,
            chunk,
        )
    }

    fn err(text: &str) -> String {
        let mut first = None;
        // Every cut of the input into chunks gives the same answer.
        for chunk in [1, 2, 3, 5, 7, CHUNK] {
            let e = read(text, false, chunk).expect_err(text).to_string();
            assert_eq!(first.get_or_insert_with(|| e.clone()), &e, "chunk {chunk}");
        }
        first.unwrap_or_default()
    }

    fn ok(text: &str, header: bool) -> (Vec<usize>, Vec<f64>) {
        let mut first = None;
        for chunk in [1, 2, 3, 5, 7, CHUNK] {
            let l = read(text, header, chunk).expect(text);
            let got = (
                l.shape.clone(),
                l.as_slice::<f64>().unwrap_or_default().to_vec(),
            );
            // Compared as text: NaN is NaN.
            let first = first.get_or_insert_with(|| got.clone());
            assert_eq!(format!("{first:?}"), format!("{got:?}"), "chunk {chunk}");
        }
        first.unwrap_or_default()
    }

    #[test]
    fn numbers_with_spaces_crlf_quotes_and_trailing_blank_lines() {
        assert_eq!(ok("1,2\n3,4\n", false), (vec![2, 2], vec![1., 2., 3., 4.]));
        assert_eq!(
            ok(" 1 , 2.5e-1\r\n-3,\"4\"\r\n\n  \n\n", false),
            (vec![2, 2], vec![1., 0.25, -3., 4.])
        );
        assert_eq!(ok("0.5", false), (vec![1, 1], vec![0.5]));
        assert_eq!(ok("p,q\n0.5,1\n", true), (vec![1, 2], vec![0.5, 1.]));
        assert_eq!(ok("\u{feff}1\n2\n", false), (vec![2, 1], vec![1., 2.]));
        let (_, v) = ok("nan,inf\n", false);
        assert!(v[0].is_nan() && v[1].is_infinite());
    }

    #[test]
    fn messages_name_the_line_and_column() {
        assert_eq!(
            err("1,2,\n"),
            "t.csv: line 1, column 3: an empty field (the line ends with a comma): every field \
             must hold a number"
        );
        assert_eq!(
            err("1,2\n3,,4\n"),
            "t.csv: line 2, column 2: an empty field: every field must hold a number"
        );
        assert_eq!(
            err("p0,p1\n1,2\n"),
            "t.csv: line 1, column 1: \"p0\" is not a number (a header line is not allowed: \
             numbers only)"
        );
        assert_eq!(
            err("1,2\n3,x\n"),
            "t.csv: line 2, column 2: \"x\" is not a number"
        );
        assert_eq!(
            err("1,2\n3,1.5.2\n"),
            "t.csv: line 2, column 2: \"1.5.2\" is not a number"
        );
        assert_eq!(
            err("1,1.5.2\n"),
            "t.csv: line 1, column 2: \"1.5.2\" is not a number"
        );
        assert_eq!(
            err("1,2\n3\n"),
            "t.csv: line 2 has 1 columns but line 1 has 2: every line must hold the same \
             number of columns"
        );
        assert!(err("1\n\n2\n").starts_with("t.csv: line 2 is blank"));
        assert!(err("1\n  \n2\n").starts_with("t.csv: line 2 is blank"));
        assert!(err("\n1\n").starts_with("t.csv: line 1 is blank"));
        assert!(err("1\r\n\r\n2\r\n").starts_with("t.csv: line 2 is blank"));
        assert_eq!(err(""), "t.csv: empty: shape (0, 0), no entries");
        assert_eq!(err("\n\n"), "t.csv: empty: shape (0, 0), no entries");
        assert_eq!(
            err("1\n2\n\0\n"),
            "t.csv: not a text file: a NUL byte at line 3 (byte 4 of the file): a .csv file \
             holds numbers as text"
        );
        let npy = b"\x93NUMPY\x01\x00v\x00{'descr'";
        let e = read_chunked(
            &mut &npy[..],
            &FileName::new("t.csv"),
            &Options::default(),
            3,
        );
        assert_eq!(
            e.expect_err("npy").to_string(),
            "t.csv: not a text file: it starts with the .npy magic string \"\\x93NUMPY\": it \
             is a .npy file"
        );
        assert!(
            err(&format!("1,{}\n", " ".repeat(MAX_FIELD + 1)))
                .contains("line 1, column 2: a field longer than 4096 bytes")
        );
    }

    #[test]
    fn a_header_is_skipped_only_when_asked() {
        assert_eq!(ok("a,b\n1,2\n", true), (vec![1, 2], vec![1., 2.]));
        // A number on line 1 is skipped too: the option says line 1 is a header.
        assert_eq!(ok("9\n1\n", true), (vec![1, 1], vec![1.]));
        // Text past line 1 gets no hint.
        assert_eq!(
            read("1\nabc\n", false, CHUNK)
                .expect_err("text")
                .to_string(),
            "t.csv: line 2, column 1: \"abc\" is not a number"
        );
    }

    #[test]
    fn lines_are_bounded() {
        let options = Options {
            max_line_bytes: 10,
            ..Options::default()
        };
        let text = "1,2,3,4,5,6,7\n";
        let e = read_chunked(&mut text.as_bytes(), &FileName::new("t.csv"), &options, 4)
            .expect_err("long line");
        assert_eq!(
            e.to_string(),
            "t.csv: line 1 is longer than 10 bytes: lines of a .csv file are bounded (raise the \
             bound with Options::max_line_bytes)"
        );
        let fine = read_chunked(
            &mut "1,2,3\n4,5,6\n".as_bytes(),
            &FileName::new("t.csv"),
            &options,
            4,
        );
        assert!(fine.is_ok());
    }
}
