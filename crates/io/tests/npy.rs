//! `.npy` files (and `.npz` archives of them) written in temporary directories, read back:
//! every dtype, both orders, both byte orders, the descriptor spellings, and every way a
//! file can lie about itself.

use std::fs;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use xent_core::Dtype;
use xent_io::{Buffer, Error, FileName, Format, Loaded, NpyReader, Options};

/// The bytes of a `.npy` file: `version`, the header dict, padded as numpy pads it, then
/// `data`.
fn npy_bytes(version: u8, descr: &str, fortran: bool, shape: &str, data: &[u8]) -> Vec<u8> {
    let fortran = if fortran { "True" } else { "False" };
    let mut header =
        format!("{{'descr': '{descr}', 'fortran_order': {fortran}, 'shape': {shape}, }}");
    let prelude = if version == 1 { 10 } else { 12 };
    while (prelude + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = b"\x93NUMPY".to_vec();
    out.extend([version, 0]);
    if version == 1 {
        out.extend((header.len() as u16).to_le_bytes());
    } else {
        out.extend((header.len() as u32).to_le_bytes());
    }
    out.extend(header.as_bytes());
    out.extend(data);
    out
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, bytes).expect("temp dir");
    path
}

fn err(path: &Path) -> Error {
    match xent_io::read(path) {
        Ok(l) => panic!("{}: read {:?}", path.display(), l.shape),
        Err(e) => e,
    }
}

/// Entries 0..n as `f64`, encoded in `dtype` with `big` byte order.
fn encode(dtype: Dtype, big: bool, n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for k in 0..n {
        macro_rules! put {
            ($v:expr) => {
                if big {
                    out.extend($v.to_be_bytes())
                } else {
                    out.extend($v.to_le_bytes())
                }
            };
        }
        match dtype {
            Dtype::F32 => put!(k as f32 + 0.5),
            Dtype::F64 => put!(k as f64 + 0.25),
            Dtype::Bool => out.push(u8::from(k.is_multiple_of(3))),
            Dtype::I8 => put!(k as i8 - 5),
            Dtype::I16 => put!(k as i16 - 500),
            Dtype::I32 => put!(k as i32 - 70000),
            Dtype::I64 => put!(k as i64 - (1 << 40)),
            Dtype::U8 => put!(k as u8 + 200),
            Dtype::U16 => put!(k as u16 + 60000),
            Dtype::U32 => put!(k as u32 + 4_000_000_000),
            Dtype::U64 => put!(k as u64 + (1 << 60)),
        }
    }
    out
}

fn expected(dtype: Dtype, k: usize) -> f64 {
    match dtype {
        Dtype::F32 => k as f64 + 0.5,
        Dtype::F64 => k as f64 + 0.25,
        Dtype::Bool => f64::from(u8::from(k.is_multiple_of(3))),
        Dtype::I8 => k as f64 - 5.0,
        Dtype::I16 => k as f64 - 500.0,
        Dtype::I32 => k as f64 - 70000.0,
        Dtype::I64 => k as f64 - (1u64 << 40) as f64,
        Dtype::U8 => k as f64 + 200.0,
        Dtype::U16 => k as f64 + 60000.0,
        Dtype::U32 => k as f64 + 4e9,
        Dtype::U64 => k as f64 + (1u64 << 60) as f64,
    }
}

const ALL: [(Dtype, &str); 11] = [
    (Dtype::F32, "f4"),
    (Dtype::F64, "f8"),
    (Dtype::Bool, "b1"),
    (Dtype::I8, "i1"),
    (Dtype::I16, "i2"),
    (Dtype::I32, "i4"),
    (Dtype::I64, "i8"),
    (Dtype::U8, "u1"),
    (Dtype::U16, "u2"),
    (Dtype::U32, "u4"),
    (Dtype::U64, "u8"),
];

#[test]
fn every_dtype_both_orders_both_byte_orders_round_trip() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (r, c) = (3usize, 4usize);
    for (dtype, code) in ALL {
        for big in [false, true] {
            for fortran in [false, true] {
                for version in [1, 2, 3] {
                    let descr = format!("{}{code}", if big { '>' } else { '<' });
                    let bytes = npy_bytes(
                        version,
                        &descr,
                        fortran,
                        "(3, 4)",
                        &encode(dtype, big, r * c),
                    );
                    let path = write(dir.path(), "a.npy", &bytes);
                    let l = xent_io::read(&path).unwrap_or_else(|e| panic!("{descr}: {e}"));
                    assert_eq!((l.dtype, l.buffer.dtype()), (dtype, dtype), "{descr}");
                    assert_eq!((l.shape.clone(), l.fortran_order), (vec![r, c], fortran));
                    assert_eq!(l.format, Format::Npy);
                    // Memory order k is the file's [i, j] of its order.
                    let m = l.matrix(false);
                    let t = l.matrix(true);
                    for k in 0..r * c {
                        let (i, j) = l.file_index(k);
                        let (i2, j2) = if fortran {
                            (k % r, k / r)
                        } else {
                            (k / c, k % c)
                        };
                        assert_eq!((i, j), (i2, j2));
                        assert_eq!(m.get_f64(i, j), expected(dtype, k), "{descr} {fortran} {k}");
                        assert_eq!(t.get_f64(j, i), expected(dtype, k));
                    }
                    // The block reader agrees, block by block, in a reused buffer.
                    let reader = NpyReader::open(&path).expect("opens");
                    let mut block = reader.buffer(5);
                    let mut all = Buffer::with_capacity(dtype, 0);
                    for first in (0..reader.len()).step_by(5) {
                        let len = (reader.len() - first).min(5);
                        reader.read_into(first, len, &mut block).expect("in bounds");
                        extend(&mut all, &block);
                    }
                    assert_eq!(all, l.buffer, "{descr}");
                }
            }
        }
        // 1-D.
        let bytes = npy_bytes(
            1,
            &format!("<{code}"),
            false,
            "(5,)",
            &encode(dtype, false, 5),
        );
        let l = xent_io::read(write(dir.path(), "v.npy", &bytes)).expect("1-D");
        assert_eq!(l.shape, [5]);
        let v = l.vector().expect("a vector");
        assert_eq!((v.rows(), v.cols()), (1, 5));
        assert_eq!(v.get_f64(0, 4), expected(dtype, 4));
        assert_eq!(l.position(0, 4).to_string(), "index [4]");
    }
}

fn extend(all: &mut Buffer, block: &Buffer) {
    macro_rules! ext {
        ($($d:ident),*) => {
            match (all, block) {
                $((Buffer::$d(a), Buffer::$d(b)) => a.extend_from_slice(b),)*
                _ => panic!("buffers of different dtypes"),
            }
        };
    }
    ext!(F32, F64, Bool, I8, I16, I32, I64, U8, U16, U32, U64);
}

#[test]
fn no_widening_a_float32_file_is_f32() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bytes = npy_bytes(1, "<f4", false, "(2,)", &encode(Dtype::F32, false, 2));
    let l = xent_io::read(write(dir.path(), "a.npy", &bytes)).expect("float32");
    assert_eq!(l.as_slice::<f32>(), Some(&[0.5f32, 1.5][..]));
    assert!(matches!(l.matrix(false), xent_core::Array::F32(_)));
}

#[test]
fn descriptor_spellings_numpy_accepts() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (descr, dtype) in [
        ("<f8", Dtype::F64),
        ("f8", Dtype::F64),
        ("=f8", Dtype::F64),
        ("|f8", Dtype::F64),
        ("float64", Dtype::F64),
        ("d", Dtype::F64),
        ("<f4", Dtype::F32),
        ("float32", Dtype::F32),
        ("f", Dtype::F32),
        ("|b1", Dtype::Bool),
        ("?", Dtype::Bool),
        ("bool", Dtype::Bool),
        ("<i8", Dtype::I64),
        ("int64", Dtype::I64),
        ("i8", Dtype::I64),
        ("l", Dtype::I64),
        ("u1", Dtype::U8),
        ("uint8", Dtype::U8),
        ("B", Dtype::U8),
    ] {
        let bytes = npy_bytes(1, descr, false, "(3,)", &encode(dtype, false, 3));
        let l = xent_io::read(write(dir.path(), "a.npy", &bytes)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(l.dtype, dtype, "{descr}");
    }
    let bytes = npy_bytes(1, "<c16", false, "(3,)", &[0; 48]);
    let e = err(&write(dir.path(), "c.npy", &bytes)).to_string();
    assert!(
        e.contains("c.npy: unsupported dtype '<c16': accepted are float64, float32"),
        "{e}"
    );
    assert!(e.contains("'<f8'") && e.contains("'float64'"), "{e}");
    assert!(!e.contains("invalid type string") && !e.contains("Python expression"));
}

#[test]
fn a_truncated_file_is_refused_before_anything_is_allocated() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut bytes = npy_bytes(1, "<f8", false, "(2, 3)", &encode(Dtype::F64, false, 6));
    bytes.truncate(bytes.len() - 12);
    let path = write(dir.path(), "t.npy", &bytes);
    assert_eq!(
        err(&path).to_string(),
        format!(
            "{}: truncated: the header promises shape (2, 3) of float64, 48 bytes of data from \
             byte 128, but the file holds only 36 of them (it ends inside entry 4 of 6)",
            path.display()
        )
    );
    // A header promising 8 TB: refused at once, without allocating it.
    let bytes = npy_bytes(1, "<f8", false, "(1000000000000,)", &[0; 16]);
    let start = Instant::now();
    let e = err(&write(dir.path(), "big.npy", &bytes));
    assert!(start.elapsed() < Duration::from_secs(1));
    assert!(
        matches!(
            e,
            Error::Truncated {
                expected: 8_000_000_000_000,
                found: 16,
                ..
            }
        ),
        "{e}"
    );
    // Bytes after the data.
    let bytes = npy_bytes(1, "<f8", false, "(1,)", &[0; 9]);
    let e = err(&write(dir.path(), "long.npy", &bytes)).to_string();
    assert!(e.ends_with("malformed: 1 bytes follow the 8 bytes of data the header promises (shape (1,) of float64)"), "{e}");
    // An array without entries.
    let bytes = npy_bytes(1, "<f8", false, "(0, 3)", &[]);
    let e = err(&write(dir.path(), "e.npy", &bytes)).to_string();
    assert!(e.ends_with("empty: shape (0, 3), no entries"), "{e}");
}

#[test]
fn a_file_shortened_while_it_is_read_gives_an_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let n = 1000;
    let bytes = npy_bytes(
        1,
        "<f8",
        false,
        &format!("({n},)"),
        &encode(Dtype::F64, false, n),
    );
    let path = write(dir.path(), "s.npy", &bytes);
    let reader = NpyReader::open(&path).expect("opens");
    let mut block = vec![0f64; 100];
    reader.read_block(0, &mut block).expect("first block");
    assert_eq!(block[99], 99.25);
    // Shorten the file between two block reads: 150 entries are left.
    fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .and_then(|f| f.set_len(128 + 150 * 8))
        .expect("truncate");
    reader.read_block(0, &mut block).expect("still there");
    let e = reader.read_block(100, &mut block).expect_err("shortened");
    assert_eq!(
        e.to_string(),
        format!(
            "{}: the file ended after 1200 of 8000 bytes of data: it changed while being read",
            path.display()
        )
    );
    assert!(matches!(
        reader.read_block(900, &mut block),
        Err(Error::Changed { read: 7200, .. })
    ));
    // And a whole read of it, opened before it shrank.
    fs::write(&path, &bytes).expect("rewrite");
    let reader = NpyReader::open(&path).expect("opens");
    fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .and_then(|f| f.set_len(200))
        .expect("truncate");
    assert!(matches!(
        reader.read_all(),
        Err(Error::Changed {
            read: 72,
            expected: 8000,
            ..
        })
    ));
    // Or grew.
    fs::write(&path, &bytes).expect("rewrite");
    let reader = NpyReader::open(&path).expect("opens");
    fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .and_then(|mut f| std::io::Write::write_all(&mut f, b"more"))
        .expect("append");
    assert!(matches!(reader.read_all(), Err(Error::Grew { .. })));
}

#[test]
fn block_reads_check_their_type_and_bounds() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bytes = npy_bytes(1, "<i4", false, "(10,)", &encode(Dtype::I32, false, 10));
    let reader = NpyReader::open(write(dir.path(), "b.npy", &bytes)).expect("opens");
    assert!(reader.is_seekable());
    let mut wrong = [0f64; 2];
    assert_eq!(
        reader
            .read_block(0, &mut wrong)
            .expect_err("f64")
            .to_string(),
        "b.npy: the array holds int32, not float64: read it into a int32 buffer"
            .replace("b.npy", &reader.file().to_string())
    );
    let mut out = [0i32; 4];
    assert!(matches!(
        reader.read_block(8, &mut out),
        Err(Error::OutOfBounds {
            first: 8,
            end: 12,
            len: 10,
            ..
        })
    ));
    assert!(matches!(
        reader.read_block(usize::MAX, &mut out),
        Err(Error::OutOfBounds { .. })
    ));
    reader.read_block(6, &mut out).expect("the last four");
    assert_eq!(out, [-69994, -69993, -69992, -69991]);
    // Any order, from several threads at once.
    std::thread::scope(|s| {
        for t in 0..4 {
            let reader = &reader;
            s.spawn(move || {
                let mut one = [0i32; 1];
                reader.read_block(9 - t, &mut one).expect("in bounds");
                assert_eq!(one[0], (9 - t) as i32 - 70000);
            });
        }
    });
}

#[test]
fn streams_are_read_in_order_and_grow_with_their_data() {
    let data = encode(Dtype::F64, false, 10);
    let bytes = npy_bytes(1, "<f8", false, "(10,)", &data);
    let reader =
        NpyReader::from_reader(Cursor::new(bytes.clone()), FileName::new("-")).expect("header");
    assert!(!reader.is_seekable());
    let mut block = [0f64; 4];
    reader.read_block(0, &mut block).expect("first");
    assert!(matches!(
        reader.read_block(0, &mut block),
        Err(Error::NotSeekable {
            first: 0,
            next: 4,
            ..
        })
    ));
    reader.read_block(4, &mut block).expect("second");
    assert_eq!(block[3], 7.25);
    let e = reader.read_block(8, &mut block).expect_err("out of bounds");
    assert!(matches!(e, Error::OutOfBounds { .. }));

    // `-` is sniffed: .npy by its magic string, CSV otherwise.
    let l = xent_io::read_from(
        Cursor::new(bytes.clone()),
        FileName::new("-"),
        &Options::default(),
    )
    .expect("npy");
    assert_eq!((l.format, l.shape.clone()), (Format::Npy, vec![10]));
    let l = xent_io::read_from(
        Cursor::new(b"1,2\n".to_vec()),
        FileName::new("-"),
        &Options::default(),
    )
    .expect("csv");
    assert_eq!((l.format, l.shape.clone()), (Format::Csv, vec![1, 2]));
    let forced = Options {
        format: Some(Format::Npy),
        ..Options::default()
    };
    let e = xent_io::read_from(Cursor::new(b"1,2\n".to_vec()), FileName::new("-"), &forced)
        .expect_err("not npy");
    assert!(
        e.to_string().starts_with(
            "standard input: not a valid .npy file: it does not start with the .npy magic string"
        ),
        "{e}"
    );

    // A stream promising 8 TB and holding 16 bytes: its buffer grows only with the data.
    let huge = npy_bytes(1, "<f8", false, "(1000000000000,)", &[0; 16]);
    let start = Instant::now();
    let e = xent_io::read_from(Cursor::new(huge), FileName::new("-"), &Options::default())
        .expect_err("short");
    assert!(start.elapsed() < Duration::from_secs(2));
    assert!(
        matches!(
            e,
            Error::Truncated {
                found: 16,
                entries_found: 2,
                ..
            }
        ),
        "{e}"
    );
    // Bytes after a stream's data.
    let mut long = bytes;
    long.extend(b"xyz");
    let e = xent_io::read_from(Cursor::new(long), FileName::new("-"), &Options::default())
        .expect_err("long");
    assert!(matches!(e, Error::Trailing { .. }), "{e}");
}

#[test]
fn dev_zero_is_refused_at_once_as_npy_and_as_csv() {
    let dir = tempfile::tempdir().expect("temp dir");
    for name in ["A.npy", "A.csv"] {
        let link = dir.path().join(name);
        std::os::unix::fs::symlink("/dev/zero", &link).expect("symlink");
        let start = Instant::now();
        let e = err(&link);
        assert!(start.elapsed() < Duration::from_secs(1), "{name}");
        let e = e.to_string();
        match name {
            "A.npy" => {
                assert!(e.ends_with(
                "A.npy: not a valid .npy file: it does not start with the .npy magic string \
                 \"\\x93NUMPY\" (its first bytes are zeros)"
            ), "{e}")
            }
            _ => assert!(
                e.ends_with(
                    "A.csv: not a text file: a NUL byte at line 1 (byte 0 of the file): a .csv \
                 file holds numbers as text"
                ),
                "{e}"
            ),
        }
        assert!(NpyReader::open(&link).is_err());
    }
}

#[test]
fn a_file_that_is_not_what_its_extension_says() {
    let dir = tempfile::tempdir().expect("temp dir");
    let e = err(&write(dir.path(), "a.npy", b"1,2\n3,4\n")).to_string();
    assert!(
        e.ends_with("(its first bytes are text: a .csv file?)"),
        "{e}"
    );
    let npy = npy_bytes(1, "<f8", false, "(1,)", &[0; 8]);
    let e = err(&write(dir.path(), "b.csv", &npy)).to_string();
    assert!(e.ends_with("not a text file: it starts with the .npy magic string \"\\x93NUMPY\": it is a .npy file"), "{e}");
    let e = err(&write(dir.path(), "empty.npy", b"")).to_string();
    assert!(e.ends_with("(the file is empty)"), "{e}");
    let e = err(&write(dir.path(), "c.txt", b"1")).to_string();
    assert!(e.ends_with("c.txt: unsupported file type (extension \".txt\"): give a .npy file (np.save), an array of a .npz archive (A.npz:name), a column of a .parquet file (A.parquet:name) or a .csv file"), "{e}");
    let forced = Options {
        format: Some(Format::Csv),
        ..Options::default()
    };
    assert_eq!(
        xent_io::read_with(dir.path().join("c.txt"), &forced)
            .map(|l| l.shape)
            .ok(),
        Some(vec![1, 1])
    );
    // A directory is named as one, whatever its name ends with.
    assert!(matches!(err(dir.path()), Error::Directory { .. }));
    let sub = dir.path().join("d.npy");
    fs::create_dir(&sub).expect("dir");
    assert!(matches!(err(&sub), Error::Directory { .. }));
    assert!(matches!(
        err(&dir.path().join("missing.npy")),
        Error::Io { .. }
    ));
    // Bytes of bools other than 0 and 1 are true, as numpy prints them.
    let bytes = npy_bytes(1, "|b1", false, "(3,)", &[0, 1, 7]);
    let l = xent_io::read(write(dir.path(), "b.npy", &bytes)).expect("bools");
    assert_eq!(l.as_slice::<bool>(), Some(&[false, true, true][..]));
    // Ranks.
    let bytes = npy_bytes(1, "<f8", false, "(1, 1, 1)", &[0; 8]);
    let e = err(&write(dir.path(), "r.npy", &bytes)).to_string();
    assert!(
        e.ends_with("a 3-D array of shape (1, 1, 1): only 1-D and 2-D arrays are accepted"),
        "{e}"
    );
}

/// Every prefix of a file, and every single-byte corruption of its header, gives a value:
/// an error or an array, never a panic.
#[test]
fn corrupted_and_truncated_headers_never_panic() {
    let dir = tempfile::tempdir().expect("temp dir");
    let good = npy_bytes(1, "<f8", true, "(2, 3)", &encode(Dtype::F64, false, 6));
    let path = dir.path().join("x.npy");
    for len in 0..good.len() {
        fs::write(&path, &good[..len]).expect("write");
        assert!(xent_io::read(&path).is_err(), "prefix {len}");
        assert!(
            xent_io::read_from(
                Cursor::new(good[..len].to_vec()),
                FileName::new("-"),
                &Options::default()
            )
            .is_err()
        );
    }
    for at in 0..128 {
        for byte in [
            0u8, b'\'', b'(', b')', b',', b'{', b'}', b'9', b'\\', 0xff, b'L', b' ',
        ] {
            let mut bad = good.clone();
            bad[at] = byte;
            fs::write(&path, &bad).expect("write");
            let _ = xent_io::read(&path).map(|l: Loaded| l.len());
        }
    }
}

#[test]
fn quickcheck_arbitrary_headers_never_panic() {
    fn prop(text: Vec<u8>, data: Vec<u8>, v: u8) -> bool {
        let version = 1 + v % 3;
        let mut bytes = b"\x93NUMPY".to_vec();
        bytes.extend([version, 0]);
        if version == 1 {
            bytes.extend((text.len() as u16).to_le_bytes());
        } else {
            bytes.extend((text.len() as u32).to_le_bytes());
        }
        bytes.extend(&text);
        bytes.extend(&data);
        let _ = xent_io::read_from(Cursor::new(bytes), FileName::new("-"), &Options::default());
        true
    }
    quickcheck::QuickCheck::new()
        .tests(2000)
        .quickcheck(prop as fn(Vec<u8>, Vec<u8>, u8) -> bool);

    fn header_like(keys: Vec<(u8, u8)>) -> bool {
        // Random recombinations of header tokens.
        let tokens = [
            "{",
            "}",
            "(",
            ")",
            "[",
            "]",
            ",",
            ":",
            "'descr'",
            "'<f8'",
            "'fortran_order'",
            "True",
            "False",
            "'shape'",
            "3",
            "-1",
            " ",
            "\"",
            "u'i8'",
            "None",
            "1L",
            "99999999999999999999999",
        ];
        let text: String = keys
            .iter()
            .map(|&(a, _)| tokens[a as usize % tokens.len()])
            .collect();
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        bytes.extend((text.len() as u16).to_le_bytes());
        bytes.extend(text.as_bytes());
        bytes.extend([0u8; 64]);
        let _ = xent_io::read_from(Cursor::new(bytes), FileName::new("-"), &Options::default());
        true
    }
    quickcheck::QuickCheck::new()
        .tests(5000)
        .quickcheck(header_like as fn(Vec<(u8, u8)>) -> bool);
}

/// An `.npz` archive as `np.savez` (`deflate: false`) or `np.savez_compressed` writes it:
/// each member `NAME.npy`, with zip64 headers (numpy forces them).
fn npz(dir: &Path, name: &str, members: &[(&str, &[u8])], deflate: bool) -> PathBuf {
    use zip::write::SimpleFileOptions;
    let path = dir.join(name);
    let mut zip = zip::ZipWriter::new(fs::File::create(&path).expect("temp dir"));
    let method = if deflate {
        zip::CompressionMethod::Deflated
    } else {
        zip::CompressionMethod::Stored
    };
    let options = SimpleFileOptions::default()
        .compression_method(method)
        .large_file(true);
    for (member, bytes) in members {
        zip.start_file(*member, options).expect("zip member");
        std::io::Write::write_all(&mut zip, bytes).expect("zip data");
    }
    zip.finish().expect("zip archive");
    path
}

#[test]
fn npz_members_stored_and_deflated_read_as_their_npy_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pred = npy_bytes(1, "<f4", false, "(2, 3)", &encode(Dtype::F32, false, 6));
    let labels = npy_bytes(1, "|b1", true, "(2, 3)", &encode(Dtype::Bool, false, 6));
    let alone = xent_io::read(write(dir.path(), "pred.npy", &pred)).expect("npy");
    for deflate in [false, true] {
        let members: &[(&str, &[u8])] = &[("pred.npy", &pred), ("labels.npy", &labels)];
        let a = npz(dir.path(), "a.npz", members, deflate);
        let spec = format!("{}:pred", a.display());
        let l = xent_io::read(&spec).expect("a stored or deflated member");
        assert_eq!(l, alone, "deflate: {deflate}");
        // The member's file name names it too; the extension's case does not matter.
        let upper = npz(dir.path(), "b.NPZ", members, deflate);
        let l = xent_io::read(format!("{}:labels.npy", upper.display())).expect("by file name");
        assert_eq!((l.dtype, l.fortran_order), (Dtype::Bool, true));
    }
    // An archive of one array needs no name, and its errors name the member they are in.
    let one = npz(dir.path(), "one.npz", &[("arr_0.npy", &pred)], true);
    assert_eq!(xent_io::read(&one).expect("the only member"), alone);
    let bad = npy_bytes(1, "<c16", false, "(2,)", &[0; 32]);
    let one = npz(dir.path(), "c.npz", &[("z.npy", &bad)], false);
    match err(&one) {
        Error::Dtype { file, descr } => {
            assert_eq!(file.to_string(), format!("{}:z", one.display()));
            assert_eq!(descr, "'<c16'");
        }
        e => panic!("{e}"),
    }
}

#[test]
fn npz_errors_name_the_archive_the_member_and_list_the_members() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pred = npy_bytes(1, "<f8", false, "(2,)", &encode(Dtype::F64, false, 2));
    let members: &[(&str, &[u8])] = &[("pred.npy", &pred), ("y.npy", &pred)];
    let a = npz(dir.path(), "a.npz", members, true);
    let shown = a.display();
    let missing = format!("{shown}:labels");
    match err(Path::new(&missing)) {
        e @ Error::NoMember { .. } => assert_eq!(
            e.to_string(),
            format!("{shown}: no array \"labels\" in the archive: it holds 2 arrays: pred, y")
        ),
        e => panic!("{e}"),
    }
    match err(&a) {
        e @ Error::WhichMember { .. } => assert_eq!(
            e.to_string(),
            format!("{shown}: holds 2 arrays: pred, y: name the array to read as {shown}:NAME")
        ),
        e => panic!("{e}"),
    }
    let empty = npz(dir.path(), "empty.npz", &[], false);
    assert!(
        err(&empty).to_string().ends_with(
            "holds no arrays: name the array to read as {}:NAME"
                .replace("{}", &empty.display().to_string())
                .as_str()
        )
    );
    // Not a zip file at all: a .npy file named .npz, text, nothing.
    for (name, bytes) in [
        ("npy.npz", &pred[..]),
        ("text.npz", b"0.5, 0.5\n"),
        ("none.npz", b""),
    ] {
        let path = write(dir.path(), name, bytes);
        match err(&path) {
            Error::NotNpz { file, .. } => assert_eq!(file, FileName::new(&path)),
            e => panic!("{name}: {e}"),
        }
    }
    // A member whose data was damaged: the checksum says so, naming the member.
    let stored = npz(dir.path(), "d.npz", &[("pred.npy", &pred)], false);
    let mut bytes = fs::read(&stored).expect("archive");
    let at = bytes
        .windows(6)
        .position(|w| w == b"\x93NUMPY")
        .expect("member data")
        + 130;
    bytes[at] ^= 0xff;
    fs::write(&stored, &bytes).expect("temp dir");
    let spec = format!("{}:pred", stored.display());
    match err(Path::new(&spec)) {
        Error::NotNpz { file, detail } => {
            assert_eq!(file.to_string(), spec);
            assert!(detail.contains("checksum"), "{detail}");
        }
        e => panic!("{e}"),
    }
    // A member whose header promises more data than it holds.
    let short = npy_bytes(1, "<f8", false, "(3,)", &encode(Dtype::F64, false, 2));
    let t = npz(dir.path(), "t.npz", &[("pred.npy", &short)], true);
    match err(&t) {
        Error::Truncated {
            file,
            expected: 24,
            found: 16,
            ..
        } => {
            assert_eq!(file.to_string(), format!("{}:pred", t.display()))
        }
        e => panic!("{e}"),
    }
    // A missing archive is the archive's error, not the member's.
    let gone = dir.path().join("gone.npz");
    match err(Path::new(&format!("{}:pred", gone.display()))) {
        Error::Io { file, .. } => assert_eq!(file, FileName::new(&gone)),
        e => panic!("{e}"),
    }
}

#[test]
fn npz_paths_split_at_the_last_npz_colon() {
    for (path, archive, member) in [
        ("a.npz", "a.npz", None),
        ("a.npz:pred", "a.npz", Some("pred")),
        ("d.npz:x/a.npz:y", "d.npz:x/a.npz", Some("y")),
        ("A.NpZ:p:q", "A.NpZ", Some("p:q")),
        ("a.npz:", "a.npz", Some("")),
    ] {
        let (a, m) = xent_io::npz_path(Path::new(path)).expect(path);
        assert_eq!(
            (a, m.as_deref()),
            (PathBuf::from(archive), member),
            "{path}"
        );
    }
    for path in ["a.npy", "a.npz.npy", "npz:a", "-"] {
        assert_eq!(xent_io::npz_path(Path::new(path)), None, "{path}");
    }
}
