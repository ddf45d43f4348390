//! `.csv` files written in temporary directories, and endless streams, read back.

use std::fmt::Write as _;
use std::io::Read;
use std::time::{Duration, Instant};

use xent_io::{Error, FileName, Format, Options};

#[test]
fn a_long_file_streams_and_positions_are_lines_and_columns() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("p.csv");
    let mut text = String::from("p0, p1, p2\n");
    for k in 0..100_000 {
        let _ = writeln!(
            text,
            "{}, {}, {:e}",
            k,
            k as f64 / 4.0,
            1.0 / (k as f64 + 1.0)
        );
    }
    std::fs::write(&path, &text).expect("write");
    let e = xent_io::read(&path).expect_err("a header line").to_string();
    assert!(
        e.ends_with(
            "p.csv: line 1, column 1: \"p0\" is not a number (a header line is not allowed: \
             numbers only)"
        ),
        "{e}"
    );
    let options = Options {
        header: true,
        ..Options::default()
    };
    let l = xent_io::read_with(&path, &options).expect("with --header");
    assert_eq!((l.format, l.shape.clone()), (Format::Csv, vec![100_000, 3]));
    assert!(!l.fortran_order);
    let m = l.matrix(false);
    assert_eq!(m.get_f64(99_999, 1), 99_999.0 / 4.0);
    assert_eq!(l.position(99_999, 1).to_string(), "line 100000, column 2");
    // A transposed reading borrows the same buffer.
    assert_eq!(l.matrix(true).get_f64(1, 99_999), 99_999.0 / 4.0);

    // An error deep in the file names its line.
    text.push_str("1, 2, 3,\n");
    std::fs::write(&path, &text).expect("write");
    let e = xent_io::read_with(&path, &options)
        .expect_err("trailing comma")
        .to_string();
    assert!(
        e.ends_with(
            "p.csv: line 100002, column 4: an empty field (the line ends with a comma): every \
             field must hold a number"
        ),
        "{e}"
    );
}

#[test]
fn class_indices_are_whole_numbers_read_as_float64() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("y.csv");
    std::fs::write(&path, "0\n2\n1\n").expect("write");
    let l = xent_io::read(&path).expect("classes");
    assert_eq!(l.shape, [3, 1]);
    let v = l.vector().expect("one column");
    assert_eq!((v.rows(), v.cols()), (1, 3));
    assert_eq!(l.as_slice::<f64>(), Some(&[0.0, 2.0, 1.0][..]));
}

/// Endless text: `1,` for ever, no newline.
struct Endless;

impl Read for Endless {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        for pair in buf.chunks_mut(2) {
            pair.copy_from_slice(&b"1,"[..pair.len()]);
        }
        Ok(buf.len())
    }
}

#[test]
fn an_endless_line_stops_at_the_bound() {
    let options = Options {
        max_line_bytes: 1 << 20,
        ..Options::default()
    };
    let start = Instant::now();
    let e = xent_io::read_from(Endless, FileName::new("-"), &options).expect_err("endless");
    assert!(start.elapsed() < Duration::from_secs(5));
    assert!(
        matches!(
            e,
            Error::LineTooLong {
                line: 1,
                limit: 1048576,
                ..
            }
        ),
        "{e}"
    );
    assert!(
        e.to_string()
            .starts_with("standard input: line 1 is longer than 1048576 bytes")
    );
}

#[test]
fn quickcheck_arbitrary_text_never_panics() {
    fn prop(tokens: Vec<u8>) -> bool {
        let pieces: [&[u8]; 12] = [
            b"1",
            b",",
            b"\n",
            b"\r\n",
            b" ",
            b"\"",
            b"2.5e3",
            b"x",
            b"",
            b"\xef\xbb\xbf",
            b"-",
            b"\0",
        ];
        let text: Vec<u8> = tokens
            .iter()
            .flat_map(|&t| pieces[t as usize % pieces.len()].iter().copied())
            .collect();
        let options = Options {
            format: Some(Format::Csv),
            header: tokens.first().is_some_and(|t| t % 2 == 0),
            ..Options::default()
        };
        if let Ok(l) = xent_io::read_from(std::io::Cursor::new(text), FileName::new("-"), &options)
        {
            // Whatever parses is a full rectangle.
            return l.shape[0] * l.shape[1] == l.len();
        }
        true
    }
    quickcheck::QuickCheck::new()
        .tests(3000)
        .quickcheck(prop as fn(Vec<u8>) -> bool);
}
