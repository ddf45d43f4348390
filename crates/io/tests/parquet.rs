//! `.parquet` columns written here with the `parquet` crate's own writer, read back: every
//! type against the same data in a `.npy` file (the same bits), list columns, optional
//! columns, every codec this build reads, every refusal as a value (missing and ambiguous
//! columns, types that hold no numbers, nulls, ragged lists, a codec not compiled in,
//! truncated and corrupted files), and the reader's memory over many row groups.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parquet::basic::{Compression, GzipLevel};
use parquet::data_type::{
    BoolType, ByteArray, ByteArrayType, DoubleType, FloatType, Int32Type, Int64Type,
};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use xent_core::Dtype;
use xent_io::{Buffer, Error, Loaded, ParquetReader, Position};

// ---------------------------------------------------------------------------------------
// Writing fixtures

/// One column's data within a row group: values and, for optional or list columns, the
/// definition and repetition levels the Parquet writer takes.
#[derive(Clone)]
enum Values {
    F64(Vec<f64>),
    F32(Vec<f32>),
    I32(Vec<i32>),
    I64(Vec<i64>),
    Bool(Vec<bool>),
    Str(Vec<&'static str>),
}

#[derive(Clone)]
struct Col {
    values: Values,
    def: Option<Vec<i16>>,
    rep: Option<Vec<i16>>,
}

fn col(values: Values) -> Col {
    Col {
        values,
        def: None,
        rep: None,
    }
}

/// Writes `groups` (each a row group: one `Col` per leaf column of `schema`) to `path`.
fn write(path: &Path, schema: &str, props: WriterProperties, groups: &[Vec<Col>]) {
    let schema = Arc::new(parse_message_type(schema).expect("a schema"));
    let file = fs::File::create(path).expect("temp dir");
    let mut writer =
        SerializedFileWriter::new(file, schema, Arc::new(props)).expect("a Parquet writer");
    for group in groups {
        let mut rg = writer.next_row_group().expect("a row group");
        for c in group {
            let mut w = rg.next_column().expect("a column").expect("a leaf");
            let (d, r) = (c.def.as_deref(), c.rep.as_deref());
            match &c.values {
                Values::F64(v) => w.typed::<DoubleType>().write_batch(v, d, r),
                Values::F32(v) => w.typed::<FloatType>().write_batch(v, d, r),
                Values::I32(v) => w.typed::<Int32Type>().write_batch(v, d, r),
                Values::I64(v) => w.typed::<Int64Type>().write_batch(v, d, r),
                Values::Bool(v) => w.typed::<BoolType>().write_batch(v, d, r),
                Values::Str(v) => {
                    let v: Vec<ByteArray> = v.iter().map(|s| ByteArray::from(*s)).collect();
                    w.typed::<ByteArrayType>().write_batch(&v, d, r)
                }
            }
            .expect("values written");
            w.close().expect("column closed");
        }
        rg.close().expect("row group closed");
    }
    writer.close().expect("file closed");
}

fn props() -> WriterProperties {
    WriterProperties::builder().build()
}

/// The bytes of a little-endian `.npy` file of `descr` and `shape`.
fn npy(descr: &str, shape: &[usize], data: &[u8]) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
    let shape = match dims.len() {
        1 => format!("({},)", dims[0]),
        _ => format!("({})", dims.join(", ")),
    };
    let mut dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    while (10 + dict.len() + 1) % 64 != 0 {
        dict.push(' ');
    }
    dict.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend((dict.len() as u16).to_le_bytes());
    out.extend(dict.as_bytes());
    out.extend(data);
    out
}

struct Dir(tempfile::TempDir);

impl Dir {
    fn new() -> Self {
        Dir(tempfile::tempdir().expect("a temporary directory"))
    }
    fn path(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }
}

fn read(path: &Path) -> Loaded {
    match xent_io::read(path) {
        Ok(l) => l,
        Err(e) => panic!("{}: {e}", path.display()),
    }
}

fn err(path: impl AsRef<Path>) -> Error {
    match xent_io::read(path.as_ref()) {
        Ok(l) => panic!("{}: read {:?}", path.as_ref().display(), l.shape),
        Err(e) => e,
    }
}

/// The entries' bits, whatever their type: the same bits means the same data.
fn bits(b: &Buffer) -> Vec<u64> {
    match b {
        Buffer::F64(v) => v.iter().map(|x| x.to_bits()).collect(),
        Buffer::F32(v) => v.iter().map(|x| u64::from(x.to_bits())).collect(),
        Buffer::Bool(v) => v.iter().map(|&x| u64::from(x)).collect(),
        Buffer::I8(v) => v.iter().map(|&x| x as u64).collect(),
        Buffer::I16(v) => v.iter().map(|&x| x as u64).collect(),
        Buffer::I32(v) => v.iter().map(|&x| x as u64).collect(),
        Buffer::I64(v) => v.iter().map(|&x| x as u64).collect(),
        Buffer::U8(v) => v.iter().map(|&x| u64::from(x)).collect(),
        Buffer::U16(v) => v.iter().map(|&x| u64::from(x)).collect(),
        Buffer::U32(v) => v.iter().map(|&x| u64::from(x)).collect(),
        Buffer::U64(v) => v.to_vec(),
    }
}

/// Seeded values of every sign and size, subnormals, ±0 and extremes among them.
fn doubles(n: usize) -> Vec<f64> {
    let mut rng = xent_core::rng::Seeded::new(18);
    let special = [
        0.0,
        -0.0,
        f64::MIN_POSITIVE / 4.0,
        f64::MAX,
        -1e-300,
        0.5,
        1.0,
    ];
    (0..n)
        .map(|i| match special.get(i) {
            Some(&x) => x,
            None => rng.unit() * 2.0 - 1.0,
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Reading: the same bits as `.npy`

#[test]
fn every_type_reads_the_bits_numpy_would_save() {
    let dir = Dir::new();
    let n = 1000;
    let d = doubles(n);
    let f: Vec<f32> = d.iter().map(|&x| x as f32).collect();
    let i64s: Vec<i64> = (0..n as i64).map(|i| (i - 500) * 1_000_000_007).collect();
    let i32s: Vec<i32> = (0..n as i32).map(|i| (i - 500) * 4_000_037).collect();
    let small: Vec<i32> = (0..n as i32).map(|i| i % 200 - 100).collect();
    let unsigned8: Vec<i32> = (0..n as i32).map(|i| i % 256).collect();
    let unsigned16: Vec<i32> = (0..n as i32).map(|i| i * 61 % 65536).collect();
    let unsigned32: Vec<i32> = (0..n as i32).map(|i| i.wrapping_mul(-7_654_321)).collect();
    let unsigned64: Vec<i64> = (0..n as i64)
        .map(|i| i.wrapping_mul(-7_654_321_987))
        .collect();
    let bools: Vec<bool> = (0..n).map(|i| i % 3 == 0).collect();
    type Case = (
        &'static str,
        &'static str,
        Values,
        &'static str,
        Vec<u8>,
        Dtype,
    );
    let le = |it: &mut dyn Iterator<Item = Vec<u8>>| it.flatten().collect::<Vec<u8>>();
    let cases: Vec<Case> = vec![
        (
            "f64",
            "required double x;",
            Values::F64(d.clone()),
            "<f8",
            le(&mut d.iter().map(|x| x.to_le_bytes().to_vec())),
            Dtype::F64,
        ),
        (
            "f32",
            "required float x;",
            Values::F32(f.clone()),
            "<f4",
            le(&mut f.iter().map(|x| x.to_le_bytes().to_vec())),
            Dtype::F32,
        ),
        (
            "i64",
            "required int64 x;",
            Values::I64(i64s.clone()),
            "<i8",
            le(&mut i64s.iter().map(|x| x.to_le_bytes().to_vec())),
            Dtype::I64,
        ),
        (
            "i32",
            "required int32 x;",
            Values::I32(i32s.clone()),
            "<i4",
            le(&mut i32s.iter().map(|x| x.to_le_bytes().to_vec())),
            Dtype::I32,
        ),
        (
            "i8",
            "required int32 x (INTEGER(8, true));",
            Values::I32(small.clone()),
            "|i1",
            small.iter().map(|&x| x as i8 as u8).collect(),
            Dtype::I8,
        ),
        (
            "i16",
            "required int32 x (INT_16);",
            Values::I32(small.clone()),
            "<i2",
            le(&mut small.iter().map(|&x| (x as i16).to_le_bytes().to_vec())),
            Dtype::I16,
        ),
        (
            "u8",
            "required int32 x (INTEGER(8, false));",
            Values::I32(unsigned8.clone()),
            "|u1",
            unsigned8.iter().map(|&x| x as u8).collect(),
            Dtype::U8,
        ),
        (
            "u16",
            "required int32 x (UINT_16);",
            Values::I32(unsigned16.clone()),
            "<u2",
            le(&mut unsigned16
                .iter()
                .map(|&x| (x as u16).to_le_bytes().to_vec())),
            Dtype::U16,
        ),
        (
            "u32",
            "required int32 x (INTEGER(32, false));",
            Values::I32(unsigned32.clone()),
            "<u4",
            le(&mut unsigned32
                .iter()
                .map(|&x| (x as u32).to_le_bytes().to_vec())),
            Dtype::U32,
        ),
        (
            "u64",
            "required int64 x (UINT_64);",
            Values::I64(unsigned64.clone()),
            "<u8",
            le(&mut unsigned64
                .iter()
                .map(|&x| (x as u64).to_le_bytes().to_vec())),
            Dtype::U64,
        ),
        (
            "bool",
            "required boolean x;",
            Values::Bool(bools.clone()),
            "|b1",
            bools.iter().map(|&x| u8::from(x)).collect(),
            Dtype::Bool,
        ),
    ];
    for (name, field, values, descr, data, dtype) in cases {
        let schema = format!("message m {{ {field} }}");
        let pq = dir.path(&format!("{name}.parquet"));
        // Two row groups of different sizes, and the writer's default dictionary encoding.
        let (a, b) = split(&values, 333);
        write(&pq, &schema, props(), &[vec![col(a)], vec![col(b)]]);
        let np = dir.path(&format!("{name}.npy"));
        fs::write(&np, npy(descr, &[n], &data)).expect("temp dir");
        let (p, q) = (read(&pq), read(&np));
        assert_eq!((p.dtype, q.dtype), (dtype, dtype), "{name}");
        assert_eq!(p.shape, vec![n], "{name}");
        assert_eq!(p.format, xent_io::Format::Parquet, "{name}");
        assert_eq!(bits(&p.buffer), bits(&q.buffer), "{name}");
        // `A.parquet:x` names the same column as `A.parquet` of one column.
        let named = read(Path::new(&format!("{}:x", pq.display())));
        assert_eq!(bits(&named.buffer), bits(&p.buffer), "{name}");
    }
}

fn split(values: &Values, at: usize) -> (Values, Values) {
    macro_rules! s {
        ($v:expr, $k:ident) => {
            (Values::$k($v[..at].to_vec()), Values::$k($v[at..].to_vec()))
        };
    }
    match values {
        Values::F64(v) => s!(v, F64),
        Values::F32(v) => s!(v, F32),
        Values::I32(v) => s!(v, I32),
        Values::I64(v) => s!(v, I64),
        Values::Bool(v) => s!(v, Bool),
        Values::Str(v) => s!(v, Str),
    }
}

/// The levels of `rows` lists of `k` required elements each, in an optional list of
/// `optional` elements: every row and element present.
fn list_levels(rows: usize, k: usize, max_def: i16) -> (Vec<i16>, Vec<i16>) {
    let def = vec![max_def; rows * k];
    let rep = (0..rows * k).map(|i| i16::from(i % k != 0)).collect();
    (def, rep)
}

const LIST_SCHEMA: &str = "message m { optional group q (LIST) { repeated group list { \
                           optional double element; } } }";

#[test]
fn a_list_column_is_one_row_per_sample_as_a_c_order_array() {
    let dir = Dir::new();
    let (rows, k) = (500, 3);
    let d = doubles(rows * k);
    let pq = dir.path("q.parquet");
    let (def, rep) = list_levels(rows, k, 3);
    let at = 200 * k;
    let group = |r: std::ops::Range<usize>| Col {
        values: Values::F64(d[r.clone()].to_vec()),
        def: Some(def[r.clone()].to_vec()),
        rep: Some(rep[r].to_vec()),
    };
    write(
        &pq,
        LIST_SCHEMA,
        props(),
        &[vec![group(0..at)], vec![group(at..rows * k)]],
    );
    let np = dir.path("q.npy");
    let data: Vec<u8> = d.iter().flat_map(|x| x.to_le_bytes()).collect();
    fs::write(&np, npy("<f8", &[rows, k], &data)).expect("temp dir");
    let (p, q) = (read(&pq), read(&np));
    assert_eq!(p.shape, vec![rows, k]);
    assert!(!p.fortran_order);
    assert_eq!(bits(&p.buffer), bits(&q.buffer));
    // A required list of required elements (max definition level 1) reads the same.
    let schema = "message m { required group q (LIST) { repeated group list { required double \
                  element; } } }";
    let pq2 = dir.path("q2.parquet");
    let (def, rep) = list_levels(rows, k, 1);
    write(
        &pq2,
        schema,
        props(),
        &[vec![Col {
            values: Values::F64(d.clone()),
            def: Some(def),
            rep: Some(rep),
        }]],
    );
    assert_eq!(bits(&read(&pq2).buffer), bits(&q.buffer));
}

#[test]
fn every_codec_of_this_build_reads_the_same_bits() {
    let dir = Dir::new();
    let d = doubles(5000);
    let codecs = [
        Compression::UNCOMPRESSED,
        Compression::SNAPPY,
        Compression::GZIP(GzipLevel::default()),
        Compression::LZ4_RAW,
        Compression::BROTLI(Default::default()),
    ];
    for codec in codecs {
        for dictionary in [true, false] {
            let pq = dir.path(&format!("{codec}-{dictionary}.parquet"));
            let props = WriterProperties::builder()
                .set_compression(codec)
                .set_dictionary_enabled(dictionary)
                .set_data_page_row_count_limit(700)
                .set_write_batch_size(100)
                .build();
            write(
                &pq,
                "message m { optional double x; }",
                props,
                &[vec![Col {
                    values: Values::F64(d.clone()),
                    def: Some(vec![1; d.len()]),
                    rep: None,
                }]],
            );
            let p = read(&pq);
            assert_eq!(p.buffer, Buffer::F64(d.clone()), "{codec} {dictionary}");
        }
    }
}

// ---------------------------------------------------------------------------------------
// Refusals, as values

#[test]
fn columns_are_named_and_listed_when_missing_or_ambiguous() {
    let dir = Dir::new();
    let pq = dir.path("two.parquet");
    write(
        &pq,
        "message m { required double pred; required int64 label; }",
        props(),
        &[vec![
            col(Values::F64(vec![0.5, 0.25])),
            col(Values::I64(vec![1, 0])),
        ]],
    );
    let e = err(&pq);
    assert!(matches!(&e, Error::WhichColumn { columns, .. } if columns == &["pred", "label"]));
    assert!(
        e.to_string().ends_with(
            "two.parquet: holds 2 columns: pred, label: name the column to read as \
             FILE:NAME"
                .replace("FILE", &pq.display().to_string())
                .as_str()
        ),
        "{e}"
    );
    let e = err(format!("{}:prob", pq.display()));
    assert!(
        e.to_string().ends_with(
            "two.parquet: no column \"prob\" in the file: it holds 2 columns: pred, label"
        ),
        "{e}"
    );
    let l = read(Path::new(&format!("{}:label", pq.display())));
    assert_eq!(l.buffer, Buffer::I64(vec![1, 0]));
}

#[test]
fn columns_without_numbers_are_refused_naming_their_type() {
    let dir = Dir::new();
    let cases: [(&str, Col, &str); 4] = [
        (
            "message m { required binary x (STRING); }",
            col(Values::Str(vec!["0.5"])),
            "the column holds BYTE_ARRAY (STRING), not numbers",
        ),
        (
            "message m { required int32 x (DATE); }",
            col(Values::I32(vec![19000])),
            "the column holds INT32 (DATE), not numbers",
        ),
        (
            "message m { required int64 x (TIMESTAMP(MILLIS, true)); }",
            col(Values::I64(vec![1])),
            "the column holds INT64 (TIMESTAMP), not numbers",
        ),
        (
            "message m { required group x { required double a; } }",
            col(Values::F64(vec![0.5])),
            "the column holds a group (a struct), not numbers",
        ),
    ];
    for (i, (schema, c, want)) in cases.into_iter().enumerate() {
        let pq = dir.path(&format!("{i}.parquet"));
        write(&pq, schema, props(), &[vec![c]]);
        let e = err(&pq);
        assert!(matches!(e, Error::ColumnType { .. }), "{schema}: {e}");
        let text = e.to_string();
        assert!(
            text.contains(&format!("{}:x: {want}", pq.display())),
            "{text}"
        );
        assert!(text.contains("accepted are FLOAT, DOUBLE"), "{text}");
    }
}

#[test]
fn a_null_is_refused_naming_its_row_across_row_groups() {
    let dir = Dir::new();
    let pq = dir.path("n.parquet");
    let optional = |values: Vec<f64>, def: Vec<i16>| Col {
        values: Values::F64(values),
        def: Some(def),
        rep: None,
    };
    // Row group 0 holds rows 0..3; row 4 (the second of row group 1) is null.
    write(
        &pq,
        "message m { optional double p; }",
        props(),
        &[
            vec![optional(vec![0.1, 0.2, 0.3], vec![1, 1, 1])],
            vec![optional(vec![0.4, 0.6], vec![1, 0, 1])],
        ],
    );
    let e = err(&pq);
    assert!(
        matches!(
            e,
            Error::Null {
                at: Position::Row {
                    row: 4,
                    element: None
                },
                ..
            }
        ),
        "{e}"
    );
    assert!(
        e.to_string()
            .ends_with("n.parquet:p: row 4: null: every row must hold a number"),
        "{e}"
    );
}

#[test]
fn lists_must_be_full_and_of_one_length() {
    let dir = Dir::new();
    // (values, def, rep, the error's tail)
    type Case = (Vec<f64>, Vec<i16>, Vec<i16>, &'static str);
    let cases: [Case; 4] = [
        // Row 1 holds 2 elements, row 0 three.
        (
            vec![0.2, 0.3, 0.5, 0.5, 0.5],
            vec![3; 5],
            vec![0, 1, 1, 0, 1],
            "q.parquet:q: row 1 holds 2 elements but row 0 holds 3: every row must hold the \
             same number (one per class or output)",
        ),
        // Row 1 is an empty list.
        (
            vec![0.2, 0.3, 0.5],
            vec![3, 3, 3, 1],
            vec![0, 1, 1, 0],
            "q.parquet:q: row 1 holds 0 elements but row 0 holds 3",
        ),
        // Row 1 is a null list.
        (
            vec![0.2, 0.3, 0.5],
            vec![3, 3, 3, 0],
            vec![0, 1, 1, 0],
            "q.parquet:q: row 1: null: every row must hold a number (a null list)",
        ),
        // Element 2 of row 1 is null.
        (
            vec![0.2, 0.3, 0.5, 0.1, 0.9],
            vec![3, 3, 3, 3, 3, 2],
            vec![0, 1, 1, 0, 1, 1],
            "q.parquet:q: row 1, element 2: null: every row must hold a number (a null \
             element)",
        ),
    ];
    for (values, def, rep, want) in cases {
        let pq = dir.path("q.parquet");
        write(
            &pq,
            LIST_SCHEMA,
            props(),
            &[vec![Col {
                values: Values::F64(values),
                def: Some(def),
                rep: Some(rep),
            }]],
        );
        let e = err(&pq);
        assert!(e.to_string().contains(want), "{e}\nwanted {want}");
    }
}

#[test]
fn an_integer_outside_its_annotated_type_is_malformed() {
    let dir = Dir::new();
    let pq = dir.path("c.parquet");
    write(
        &pq,
        "message m { required int32 c (INTEGER(8, true)); }",
        props(),
        &[vec![col(Values::I32(vec![1, 2, 300]))]],
    );
    let e = err(&pq);
    assert!(
        e.to_string().ends_with(
            "c.parquet:c: row 2: 300 does not fit the column's type int8: the file is malformed"
        ),
        "{e}"
    );
}

/// The file at `path`, with the codec of every column chunk in its footer replaced by
/// `codec` (the pages stay as they were).
fn relabel_codec(path: &Path, codec: Compression) -> Vec<u8> {
    use parquet::file::metadata::{ParquetMetaDataReader, ParquetMetaDataWriter};
    let bytes = fs::read(path).expect("written");
    let file = fs::File::open(path).expect("written");
    let meta = ParquetMetaDataReader::new()
        .parse_and_finish(&file)
        .expect("metadata");
    let mut builder = meta.clone().into_builder();
    let groups = builder.take_row_groups();
    for g in groups {
        let cols = g
            .columns()
            .iter()
            .map(|c| c.clone().into_builder().set_compression(codec).build())
            .collect::<Result<Vec<_>, _>>()
            .expect("columns");
        let g = g
            .into_builder()
            .set_column_metadata(cols)
            .build()
            .expect("row group");
        builder = builder.add_row_group(g);
    }
    let meta = builder.build();
    let footer_len = u32::from_le_bytes(
        bytes[bytes.len() - 8..bytes.len() - 4]
            .try_into()
            .expect("4"),
    );
    let data_end = bytes.len() - 8 - footer_len as usize;
    let mut out = bytes[..data_end].to_vec();
    ParquetMetaDataWriter::new(&mut out, &meta)
        .finish()
        .expect("footer written");
    out
}

#[test]
fn a_codec_not_compiled_in_is_named_with_the_column() {
    let dir = Dir::new();
    let pq = dir.path("z.parquet");
    write(
        &pq,
        "message m { required double p; }",
        props(),
        &[vec![col(Values::F64(vec![0.5; 10]))]],
    );
    let zstd = dir.path("zstd.parquet");
    fs::write(
        &zstd,
        relabel_codec(&pq, Compression::ZSTD(Default::default())),
    )
    .expect("temp");
    let e = err(&zstd);
    assert!(
        matches!(&e, Error::Codec { codec, group: 0, .. } if codec == "ZSTD"),
        "{e}"
    );
    assert!(
        e.to_string().ends_with(
            "zstd.parquet:p: row group 0 of the column is compressed with ZSTD, which this \
             build does not read: accepted are UNCOMPRESSED, SNAPPY, GZIP, LZ4, LZ4_RAW and \
             BROTLI"
        ),
        "{e}"
    );
}

#[test]
fn what_is_not_parquet_is_refused_from_its_bytes() {
    let dir = Dir::new();
    let cases: [(&str, &[u8], &str); 4] = [
        (
            "empty.parquet",
            b"",
            "does not start with the magic bytes \"PAR1\"",
        ),
        (
            "npy.parquet",
            b"\x93NUMPY\x01\x00",
            "does not start with the magic bytes",
        ),
        ("short.parquet", b"PAR1PAR1", "too short for a footer"),
        (
            "cut.parquet",
            b"PAR1\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
            "does not end with the magic bytes",
        ),
    ];
    for (name, bytes, want) in cases {
        let p = dir.path(name);
        fs::write(&p, bytes).expect("temp dir");
        let e = err(&p);
        assert!(matches!(e, Error::NotParquet { .. }), "{name}: {e}");
        assert!(e.to_string().contains(want), "{name}: {e}");
    }
    let e = err(dir.path("absent.parquet"));
    assert!(matches!(e, Error::Io { .. }), "{e}");
    fs::create_dir(dir.path("d.parquet")).expect("temp dir");
    assert!(matches!(
        err(dir.path("d.parquet")),
        Error::Directory { .. }
    ));
}

/// A file of three row groups, a list column and an optional column, with pages of a few
/// rows: enough structure for cuts and corruptions to land everywhere.
fn structured(path: &Path, codec: Compression) {
    let (rows, k) = (60, 3);
    let d: Vec<f64> = (0..rows * k).map(|i| (i % 7) as f64 / 7.0).collect();
    let (def, rep) = list_levels(rows / 3, k, 3);
    let props = WriterProperties::builder()
        .set_compression(codec)
        .set_data_page_row_count_limit(8)
        .set_write_batch_size(4)
        .build();
    let schema = "message m { optional group q (LIST) { repeated group list { optional double \
                  element; } } optional double w; }";
    let group = |g: usize| {
        let span = g * (rows / 3) * k..(g + 1) * (rows / 3) * k;
        vec![
            Col {
                values: Values::F64(d[span].to_vec()),
                def: Some(def.clone()),
                rep: Some(rep.clone()),
            },
            Col {
                values: Values::F64(vec![1.0; rows / 3]),
                def: Some(vec![1; rows / 3]),
                rep: None,
            },
        ]
    };
    write(path, schema, props, &[group(0), group(1), group(2)]);
}

/// Reads both columns of `path`, which must not panic: an error value or the data.
fn read_both(path: &Path) -> [Result<Loaded, Error>; 2] {
    ["q", "w"].map(|c| xent_io::read(format!("{}:{c}", path.display())))
}

#[test]
fn every_truncation_is_an_error_value() {
    let dir = Dir::new();
    for codec in [Compression::UNCOMPRESSED, Compression::SNAPPY] {
        let full = dir.path("full.parquet");
        structured(&full, codec);
        let bytes = fs::read(&full).expect("written");
        let [q, w] = read_both(&full);
        assert_eq!(q.expect("the whole file").shape, vec![60, 3]);
        assert_eq!(w.expect("the whole file").shape, vec![60]);
        let cut = dir.path("cut.parquet");
        for len in 0..bytes.len() {
            fs::write(&cut, &bytes[..len]).expect("temp dir");
            for (c, r) in ["q", "w"].iter().zip(read_both(&cut)) {
                let e = r
                    .err()
                    .unwrap_or_else(|| panic!("{codec} cut at {len}: {c} read"));
                assert!(
                    matches!(e, Error::NotParquet { .. }),
                    "{codec} cut at {len}: {c}: {e}"
                );
            }
        }
    }
}

#[test]
fn corrupted_bytes_never_panic() {
    let dir = Dir::new();
    let mut rng = xent_core::rng::Seeded::new(1805);
    for codec in [
        Compression::UNCOMPRESSED,
        Compression::SNAPPY,
        Compression::LZ4_RAW,
    ] {
        let full = dir.path("full.parquet");
        structured(&full, codec);
        let bytes = fs::read(&full).expect("written");
        let bad = dir.path("bad.parquet");
        let mut refused = 0;
        // Every byte but the magic ones inverted (of the snappy file: its pages go through
        // the decompressor too), and seeded damage to four bytes at once.
        let every = codec == Compression::SNAPPY;
        let flips = if every { bytes.len() - 8 } else { 0 };
        for trial in 0..flips + 300 {
            {
                let mut b = bytes.clone();
                if trial < flips {
                    b[4 + trial] ^= 0xff;
                } else {
                    for _ in 0..4 {
                        let i = 4 + rng.below(bytes.len() - 8);
                        b[i] = rng.below(256) as u8;
                    }
                }
                fs::write(&bad, &b).expect("temp dir");
                // An error value or the data (damage to statistics changes nothing read),
                // never a panic: the test harness would report it.
                for r in read_both(&bad) {
                    if r.is_err() {
                        refused += 1;
                    }
                }
            }
        }
        assert!(refused > 0, "{codec}: some damage must be refused");
    }
}

#[test]
fn blocks_are_read_in_order_only() {
    let dir = Dir::new();
    let pq = dir.path("p.parquet");
    write(
        &pq,
        "message m { required double p; }",
        props(),
        &[vec![col(Values::F64(vec![0.5; 10]))]],
    );
    let r = ParquetReader::open(&pq).expect("a file");
    let mut b = r.buffer(4);
    r.read_into(0, 4, &mut b).expect("rows 0..4");
    assert!(matches!(
        r.read_into(0, 4, &mut b),
        Err(Error::NotSeekable {
            first: 0,
            next: 4,
            ..
        })
    ));
    assert!(matches!(
        r.read_into(4, 7, &mut b),
        Err(Error::OutOfBounds { .. })
    ));
    let mut wrong = Buffer::with_capacity(Dtype::F32, 4);
    assert!(matches!(
        r.read_into(4, 4, &mut wrong),
        Err(Error::WrongDtype { .. })
    ));
}

// ---------------------------------------------------------------------------------------
// Memory: bounded by a row group, whatever the number of row groups

#[test]
fn memory_is_one_row_group_at_a_time_whatever_their_number() {
    let dir = Dir::new();
    let (per_group, k) = (2000, 4);
    let block_rows = 512;
    let mut seen = Vec::new();
    for groups in [1usize, 8, 64] {
        let pq = dir.path(&format!("g{groups}.parquet"));
        let rows = per_group * groups;
        let d: Vec<f64> = (0..rows * k).map(|i| (i % 1013) as f64 / 1013.0).collect();
        let (def, rep) = list_levels(per_group, k, 3);
        let props = WriterProperties::builder()
            .set_dictionary_enabled(false)
            .build();
        let all: Vec<Vec<Col>> = (0..groups)
            .map(|g| {
                vec![Col {
                    values: Values::F64(d[g * per_group * k..(g + 1) * per_group * k].to_vec()),
                    def: Some(def.clone()),
                    rep: Some(rep.clone()),
                }]
            })
            .collect();
        write(&pq, LIST_SCHEMA, props, &all);
        let file_len = fs::metadata(&pq).expect("written").len() as usize;

        let r = ParquetReader::open(&pq).expect("a file");
        assert_eq!((r.rows(), r.width()), (rows, k));
        let mut block = r.buffer(block_rows * k);
        let capacity = match &block {
            Buffer::F64(v) => v.capacity(),
            _ => unreachable!(),
        };
        let mut back = Vec::with_capacity(rows * k);
        let mut first = 0;
        while first < rows {
            let n = block_rows.min(rows - first);
            r.read_into(first * k, n * k, &mut block).expect("a block");
            back.extend_from_slice(block.as_slice::<f64>().expect("f64"));
            first += n;
        }
        assert_eq!(back, d, "{groups} row groups");
        // The caller's block was never reallocated: the rows went straight into it.
        assert_eq!(block.as_slice::<f64>().map(|_| ()), Some(()));
        if let Buffer::F64(v) = &block {
            assert_eq!(v.capacity(), capacity, "{groups} row groups");
        }
        let m = r.memory();
        assert_eq!(m.row_groups_opened, groups);
        assert_eq!(m.most_open_at_once, 1);
        // Levels of one block of rows, not of a row group or of the file.
        assert!(m.most_levels <= block_rows * k, "{m:?}");
        // No read larger than one row group's column chunk (the footer aside): the file's
        // bytes are never held whole.
        let chunk = per_group * k * 8 + 64 * 1024;
        assert!(m.largest_read <= chunk, "{groups}: {m:?} > {chunk}");
        if groups > 1 {
            assert!(
                m.largest_read < file_len / 4,
                "{groups}: {m:?} of {file_len}"
            );
        }
        seen.push((m.largest_read, m.most_levels));
    }
    // What is held does not grow with the number of row groups.
    assert!(
        seen.windows(2)
            .all(|w| w[1].0 <= w[0].0 + 8192 && w[1].1 == w[0].1),
        "{seen:?}"
    );
}
