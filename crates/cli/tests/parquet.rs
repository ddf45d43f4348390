//! `xent` over `.parquet` columns written here with the `parquet` crate's writer: the
//! same bits as the same numbers in `.npy` files (streamed in blocks, in memory, weighted),
//! and every refusal naming the flag, the file, the column and the row.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;

use parquet::data_type::{DoubleType, Int32Type, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use serde_json::Value;

/// One leaf column's values in a row group, and its levels.
enum Values {
    F64(Vec<f64>),
    I32(Vec<i32>),
    I64(Vec<i64>),
}

struct Col {
    values: Values,
    def: Option<Vec<i16>>,
    rep: Option<Vec<i16>>,
}

fn plain(values: Values) -> Col {
    Col {
        values,
        def: None,
        rep: None,
    }
}

/// An optional list column of `rows` lists of `k` present elements.
fn list(values: Vec<f64>, k: usize) -> Col {
    let n = values.len();
    Col {
        values: Values::F64(values),
        def: Some(vec![3; n]),
        rep: Some((0..n).map(|i| i16::from(i % k != 0)).collect()),
    }
}

/// Writes row groups of `rows_per_group` rows; `cols` builds a group's columns from its
/// row range.
fn write(
    path: &Path,
    schema: &str,
    rows: usize,
    rows_per_group: usize,
    cols: impl Fn(std::ops::Range<usize>) -> Vec<Col>,
) {
    let schema = Arc::new(parse_message_type(schema).expect("a schema"));
    let file = std::fs::File::create(path).expect("temp dir");
    let props = Arc::new(WriterProperties::builder().build());
    let mut w = SerializedFileWriter::new(file, schema, props).expect("a writer");
    let mut start = 0;
    while start < rows {
        let end = rows.min(start + rows_per_group);
        let mut rg = w.next_row_group().expect("a row group");
        for c in cols(start..end) {
            let mut cw = rg.next_column().expect("a column").expect("a leaf");
            let (d, r) = (c.def.as_deref(), c.rep.as_deref());
            match &c.values {
                Values::F64(v) => cw.typed::<DoubleType>().write_batch(v, d, r),
                Values::I32(v) => cw.typed::<Int32Type>().write_batch(v, d, r),
                Values::I64(v) => cw.typed::<Int64Type>().write_batch(v, d, r),
            }
            .expect("written");
            cw.close().expect("closed");
        }
        rg.close().expect("closed");
        start = end;
    }
    w.close().expect("closed");
}

/// A little-endian C-order `.npy` file.
fn npy(path: &Path, descr: &str, shape: &[usize], data: &[u8]) {
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
    std::fs::write(path, out).expect("temp dir");
}

fn le<T: Copy, const N: usize>(v: &[T], f: impl Fn(T) -> [u8; N]) -> Vec<u8> {
    v.iter().flat_map(|&x| f(x)).collect()
}

struct Dir(tempfile::TempDir);

impl Dir {
    fn new() -> Self {
        Dir(tempfile::tempdir().expect("a temporary directory"))
    }
    fn path(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }
    fn s(&self, name: &str) -> String {
        self.path(name).display().to_string()
    }
}

fn xent(args: &[&str]) -> Output {
    assert_cmd::Command::new(env!("CARGO_BIN_EXE_xent"))
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .expect("run xent")
}

/// A successful run's JSON.
fn json(args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let out = xent(&all);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{all:?}: {stderr}");
    assert!(stderr.is_empty(), "{all:?}: {stderr}");
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

/// The result's bits: the loss and the sum it divides.
fn value_bits(j: &Value) -> u64 {
    j["value"].as_f64().expect("a finite value").to_bits()
}

/// A failing run: status 2, one line on stderr, which is returned.
#[track_caller]
fn fails(args: &[&str], needles: &[&str]) -> String {
    let out = xent(args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(out.stdout.is_empty());
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    for n in needles {
        assert!(stderr.contains(n), "{stderr:?} lacks {n:?}");
    }
    stderr
}

/// Seeded probabilities in (0, 1) and labels.
fn data(m: usize) -> (Vec<f64>, Vec<i64>) {
    let mut rng = xent_core::rng::Seeded::new(318);
    let p = (0..m).map(|_| rng.uniform(0.001, 0.999)).collect();
    let y = (0..m).map(|_| i64::from(rng.coin())).collect();
    (p, y)
}

/// `run.parquet` in `dir`: columns `pred` (double) and `label` (int64) in row groups of
/// `group` rows.
fn run_parquet(dir: &Dir, p: &[f64], y: &[i64], group: usize) -> PathBuf {
    let pq = dir.path("run.parquet");
    write(
        &pq,
        "message m { required double pred; required int64 label; }",
        p.len(),
        group,
        |r| {
            vec![
                plain(Values::F64(p[r.clone()].to_vec())),
                plain(Values::I64(y[r].to_vec())),
            ]
        },
    );
    pq
}

#[test]
fn binary_streams_the_bits_of_the_npy_files() {
    let dir = Dir::new();
    // More rows than one block (2^17 entries), row groups that do not line up.
    let m = 300_001;
    let (p, y) = data(m);
    let pq = run_parquet(&dir, &p, &y, 70_000);
    let yq = dir.path("y.parquet");
    write(&yq, "message m { optional int64 y; }", m, 123_457, |r| {
        vec![Col {
            def: Some(vec![1; r.len()]),
            values: Values::I64(y[r].to_vec()),
            rep: None,
        }]
    });
    npy(&dir.path("p.npy"), "<f8", &[m], &le(&p, f64::to_le_bytes));
    npy(&dir.path("y.npy"), "<i8", &[m], &le(&y, i64::to_le_bytes));
    let want = json(&[
        "binary",
        "--pred",
        &dir.s("p.npy"),
        "--labels",
        &dir.s("y.npy"),
    ]);
    let pred = format!("{}:pred", pq.display());
    for labels in [format!("{}:label", pq.display()), dir.s("y.parquet")] {
        let got = json(&["binary", "--pred", &pred, "--labels", &labels]);
        assert_eq!(value_bits(&got), value_bits(&want), "{labels}");
        let reading = got["inputs"]["--pred"].as_str().unwrap_or("");
        assert_eq!(
            reading,
            "300001 rows float64 .parquet: 1 output × 300001 samples (1-D)"
        );
    }
    // In memory (a comparison of every formulation) the same bits again.
    let compared = json(&[
        "binary",
        "--pred",
        &pred,
        "--labels",
        &dir.s("y.parquet"),
        "--compare",
    ]);
    assert_eq!(value_bits(&compared), value_bits(&want));
}

#[test]
fn categorical_reads_a_list_column_per_row_with_classes_or_targets() {
    let dir = Dir::new();
    let (m, k) = (50_000, 4);
    let mut rng = xent_core::rng::Seeded::new(1803);
    let mut q = Vec::with_capacity(m * k);
    for _ in 0..m {
        let raw: Vec<f64> = (0..k).map(|_| rng.uniform(0.01, 1.0)).collect();
        let s: f64 = raw.iter().sum();
        q.extend(raw.iter().map(|x| x / s));
    }
    // Rescaled samples sum to 1 within the tolerance the contract allows.
    let classes: Vec<i32> = (0..m).map(|_| rng.below(k) as i32).collect();
    let onehot: Vec<f64> = classes
        .iter()
        .flat_map(|&c| (0..k).map(move |j| f64::from(u8::from(j == c as usize))))
        .collect();
    let pq = dir.path("c.parquet");
    write(
        &pq,
        "message m { optional group q (LIST) { repeated group list { optional double element; } } \
         required int32 y; optional group t (LIST) { repeated group list { optional double \
         element; } } }",
        m,
        9_999,
        |r| {
            vec![
                list(q[r.start * k..r.end * k].to_vec(), k),
                plain(Values::I32(classes[r.clone()].to_vec())),
                list(onehot[r.start * k..r.end * k].to_vec(), k),
            ]
        },
    );
    npy(
        &dir.path("q.npy"),
        "<f8",
        &[m, k],
        &le(&q, f64::to_le_bytes),
    );
    npy(
        &dir.path("y.npy"),
        "<i4",
        &[m],
        &le(&classes, i32::to_le_bytes),
    );
    npy(
        &dir.path("t.npy"),
        "<f8",
        &[m, k],
        &le(&onehot, f64::to_le_bytes),
    );
    let pred = format!("{}:q", pq.display());
    let by_class = json(&[
        "categorical",
        "--pred",
        &dir.s("q.npy"),
        "--classes",
        &dir.s("y.npy"),
        "--layout",
        "rows",
    ]);
    let got = json(&[
        "categorical",
        "--pred",
        &pred,
        "--classes",
        &format!("{}:y", pq.display()),
    ]);
    assert_eq!(value_bits(&got), value_bits(&by_class));
    assert_eq!(
        got["inputs"]["--pred"].as_str(),
        Some("50000 rows of 4 float64 .parquet: 4 classes × 50000 samples (each row a sample)")
    );
    let by_target = json(&[
        "categorical",
        "--pred",
        &dir.s("q.npy"),
        "--target",
        &dir.s("t.npy"),
        "--layout",
        "rows",
    ]);
    let got = json(&[
        "categorical",
        "--pred",
        &pred,
        "--target",
        &format!("{}:t", pq.display()),
    ]);
    assert_eq!(value_bits(&got), value_bits(&by_target));
}

#[test]
fn weights_and_masks_read_from_parquet_columns() {
    let dir = Dir::new();
    let m = 1000;
    let (p, y) = data(m);
    let w: Vec<f64> = (0..m).map(|i| (i % 5) as f64 / 2.0).collect();
    let mask: Vec<i32> = (0..m).map(|i| i32::from(i % 7 != 0)).collect();
    let pq = dir.path("w.parquet");
    write(
        &pq,
        "message m { required double p; required int64 y; required double w; required int32 \
         mask (INTEGER(8, false)); }",
        m,
        300,
        |r| {
            vec![
                plain(Values::F64(p[r.clone()].to_vec())),
                plain(Values::I64(y[r.clone()].to_vec())),
                plain(Values::F64(w[r.clone()].to_vec())),
                plain(Values::I32(mask[r].to_vec())),
            ]
        },
    );
    npy(&dir.path("p.npy"), "<f8", &[m], &le(&p, f64::to_le_bytes));
    npy(&dir.path("y.npy"), "<i8", &[m], &le(&y, i64::to_le_bytes));
    npy(&dir.path("w.npy"), "<f8", &[m], &le(&w, f64::to_le_bytes));
    let mask8: Vec<u8> = mask.iter().map(|&x| x as u8).collect();
    npy(&dir.path("mask.npy"), "|u1", &[m], &mask8);
    let col = |c: &str| format!("{}:{c}", pq.display());
    let want = json(&[
        "binary",
        "--pred",
        &dir.s("p.npy"),
        "--labels",
        &dir.s("y.npy"),
        "--sample-weights",
        &dir.s("w.npy"),
        "--mask",
        &dir.s("mask.npy"),
    ]);
    let got = json(&[
        "binary",
        "--pred",
        &col("p"),
        "--labels",
        &col("y"),
        "--sample-weights",
        &col("w"),
        "--mask",
        &col("mask"),
    ]);
    assert_eq!(value_bits(&got), value_bits(&want));
}

#[test]
fn bad_entries_are_named_by_flag_file_column_and_row() {
    let dir = Dir::new();
    let m = 1000;
    let (mut p, y) = data(m);
    p[707] = 1.5;
    let pq = dir.path("bad.parquet");
    write(
        &pq,
        "message m { required double p; required int64 y; }",
        m,
        300,
        |r| {
            vec![
                plain(Values::F64(p[r.clone()].to_vec())),
                plain(Values::I64(y[r].to_vec())),
            ]
        },
    );
    let col = |c: &str| format!("{}:{c}", pq.display());
    // Row 707 of the file is in its third row group: rows count across them.
    fails(
        &["binary", "--pred", &col("p"), "--labels", &col("y")],
        &[&format!(
            "error: --pred {}: row 707: 1.5 is not a probability in [0, 1]",
            col("p")
        )],
    );
    // A length mismatch names both files and their rows.
    let short = dir.path("short.parquet");
    write(&short, "message m { required int64 y; }", 999, 500, |r| {
        vec![plain(Values::I64(y[r].to_vec()))]
    });
    fails(
        &[
            "binary",
            "--pred",
            &col("p"),
            "--labels",
            &short.display().to_string(),
        ],
        &[
            "shapes differ",
            &format!("--pred {} has shape 1000 rows", col("p")),
            "has shape 999 rows",
        ],
    );
    // A column that is not there, and a file of several columns named alone.
    fails(
        &["binary", "--pred", &col("prob"), "--labels", &col("y")],
        &[&format!(
            "error: --pred {}: no column \"prob\" in the file: it holds 2 columns: p, y",
            pq.display()
        )],
    );
    fails(
        &[
            "binary",
            "--pred",
            &pq.display().to_string(),
            "--labels",
            &col("y"),
        ],
        &["holds 2 columns: p, y: name the column to read as"],
    );
}

#[test]
fn categorical_needs_a_list_column_and_rows_as_samples() {
    let dir = Dir::new();
    let (m, k) = (10, 3);
    let mut q = vec![1.0 / 3.0; m * k];
    q[3 * k + 1] = f64::NAN;
    let classes: Vec<i32> = (0..m as i32).map(|i| i % 3).collect();
    let mut bad_classes = classes.clone();
    bad_classes[6] = 3;
    let pq = dir.path("c.parquet");
    write(
        &pq,
        "message m { optional group q (LIST) { repeated group list { optional double element; } } \
         required int32 y; required int32 bad; required double s; }",
        m,
        4,
        |r| {
            vec![
                list(q[r.start * k..r.end * k].to_vec(), k),
                plain(Values::I32(classes[r.clone()].to_vec())),
                plain(Values::I32(bad_classes[r.clone()].to_vec())),
                plain(Values::F64(vec![0.5; r.len()])),
            ]
        },
    );
    let col = |c: &str| format!("{}:{c}", pq.display());
    fails(
        &["categorical", "--pred", &col("q"), "--classes", &col("y")],
        &[&format!(
            "error: --pred {}: row 3, element 1: NaN is not finite",
            col("q")
        )],
    );
    let mut fine = q.clone();
    fine[3 * k + 1] = 1.0 / 3.0;
    let ok = dir.path("ok.parquet");
    write(
        &ok,
        "message m { optional group q (LIST) { repeated group list { optional double element; } } \
         }",
        m,
        4,
        |r| vec![list(fine[r.start * k..r.end * k].to_vec(), k)],
    );
    let ok = ok.display().to_string();
    fails(
        &["categorical", "--pred", &ok, "--classes", &col("bad")],
        &[&format!(
            "error: --classes {}: row 6: 3 is not a class index: --pred {ok} has 3 classes, \
             numbered 0 to 2",
            col("bad")
        )],
    );
    fails(
        &["categorical", "--pred", &col("s"), "--classes", &col("y")],
        &[&format!(
            "error: --pred {}: a column of numbers holds one number per sample: categorical \
             predictions and targets are a list column",
            col("s")
        )],
    );
    fails(
        &[
            "categorical",
            "--pred",
            &ok,
            "--classes",
            &col("y"),
            "--layout",
            "cols",
        ],
        &["--layout cols does not apply to it: a Parquet row is a sample"],
    );
}

#[test]
fn sum_exact_streams_the_bytes_of_the_sum_in_memory() {
    let dir = Dir::new();
    // Blocks of 2^17 entries and row groups that do not line up with them nor with the
    // in-memory sum's leaves; the last block is ragged (m odd).
    let m = 300_001;
    let (p, y) = data(m);
    let pq = run_parquet(&dir, &p, &y, 70_001);
    npy(&dir.path("p.npy"), "<f8", &[m], &le(&p, f64::to_le_bytes));
    npy(&dir.path("y.npy"), "<i8", &[m], &le(&y, i64::to_le_bytes));
    // The exact sum in memory, in process.
    let labels: Vec<f64> = y.iter().map(|&v| v as f64).collect();
    let problem = xent_core::BinaryProblem::new(
        xent_core::View::vector(&p),
        xent_core::View::vector(&labels),
    )
    .expect("valid");
    let mut partial = xent_fused::exact::Partial::new();
    partial.add(&xent_core::Problem::Binary(problem));
    let want = partial.loss().expect("samples");
    let pred = format!("{}:pred", pq.display());
    let label = format!("{}:label", pq.display());
    let npy_args = ["--pred", &dir.s("p.npy"), "--labels", &dir.s("y.npy")];
    let parquet_args = ["--pred", pred.as_str(), "--labels", label.as_str()];
    for args in [npy_args, parquet_args] {
        let got = json(&[&["binary"][..], &args, &["--sum", "exact"]].concat());
        assert_eq!(value_bits(&got), want.to_bits(), "{args:?}");
        assert_eq!(got["value_from"], "fused-exact");
        // The compensated value beside it is the default's, streamed.
        let default = json(&[&["binary"][..], &args].concat());
        assert_eq!(got["sum"]["compensated"], default["value"], "{args:?}");
    }
}
