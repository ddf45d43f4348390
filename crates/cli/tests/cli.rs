//! The `xent` binary, run over files these tests write themselves (`.npy` headers are
//! hand-coded here, so that truncated, malformed, big-endian and Fortran-order files can be
//! written too).
//!
//! Floats are compared exactly where the computation is identical (the same matrix read
//! from a different file, layout, order or format; the same formulation evaluated
//! in-process), otherwise through `xent-core`'s named bounds and printed-digit matching.

use std::path::PathBuf;
use std::process::Output;

use nalgebra::DMatrix;
use serde_json::Value;
use xent_core::tolerance::{matches_library, matches_printed};
use xent_core::{
    BinaryProblem, CategoricalProblem, ErrorBound, LogBase, Precision, Problem, published,
};

// ---------------------------------------------------------------------------------------
// Helpers

/// A temporary directory of input files.
struct Files(tempfile::TempDir);

/// A `.npy` file's bytes: a version 1.0 header for `descr`, `shape` and order, then `data`.
fn npy_bytes(descr: &str, fortran: bool, shape: &[usize], data: &[u8]) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
    let shape = match dims.len() {
        1 => format!("({},)", dims[0]),
        _ => format!("({})", dims.join(", ")),
    };
    let order = if fortran { "True" } else { "False" };
    let mut dict = format!("{{'descr': '{descr}', 'fortran_order': {order}, 'shape': {shape}, }}");
    // Magic (6) + version (2) + length (2) + dict + '\n', padded to a multiple of 64.
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

fn le_f64(values: &[f64]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// Row-major values of an `(r, c)` matrix, reordered column-major.
fn fortran(values: &[f64], r: usize, c: usize) -> Vec<f64> {
    let mut out = Vec::with_capacity(values.len());
    for j in 0..c {
        for i in 0..r {
            out.push(values[i * c + j]);
        }
    }
    out
}

/// Row-major values of an `(r, c)` matrix, transposed (row-major of `(c, r)`).
fn transposed(values: &[f64], r: usize, c: usize) -> Vec<f64> {
    fortran(values, r, c)
}

impl Files {
    fn new() -> Self {
        Files(tempfile::tempdir().expect("a temporary directory"))
    }

    fn path(&self, name: &str) -> String {
        let p: PathBuf = self.0.path().join(name);
        p.to_string_lossy().into_owned()
    }

    fn bytes(&self, name: &str, bytes: &[u8]) -> String {
        let p = self.path(name);
        std::fs::write(&p, bytes).expect("write a test file");
        p
    }

    /// A C-order float64 file; `values` row-major.
    fn f64(&self, name: &str, shape: &[usize], values: &[f64]) -> String {
        self.bytes(name, &npy_bytes("<f8", false, shape, &le_f64(values)))
    }

    /// A Fortran-order float64 file of the `(r, c)` matrix whose row-major values are given.
    fn f64_fortran(&self, name: &str, r: usize, c: usize, values: &[f64]) -> String {
        let data = le_f64(&fortran(values, r, c));
        self.bytes(name, &npy_bytes("<f8", true, &[r, c], &data))
    }

    fn csv(&self, name: &str, text: &str) -> String {
        self.bytes(name, text.as_bytes())
    }
}

fn xent(args: &[&str]) -> Output {
    assert_cmd::Command::new(env!("CARGO_BIN_EXE_xent"))
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .expect("run xent")
}

/// Runs a successful command: status 0, nothing on stderr, the JSON on stdout.
fn json(args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let out = xent(&all);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{all:?}: {stderr}");
    assert!(stderr.is_empty(), "{all:?}: stderr {stderr}");
    serde_json::from_slice(&out.stdout).expect("stdout is one JSON object")
}

/// Runs a failing command: status 2, nothing on stdout, one line on stderr holding every
/// needle. Returns that line.
#[track_caller]
fn fails(args: &[&str], needles: &[&str]) -> String {
    let out = xent(args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(out.stdout.is_empty(), "{args:?}: stdout not empty");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    for n in needles {
        assert!(stderr.contains(n), "{args:?}: {stderr:?} lacks {n:?}");
    }
    stderr
}

/// [`json`] without the fields that describe the input files (their shapes, dtypes and
/// formats), for comparing the results of the same numbers read from different files.
fn result(args: &[&str]) -> Value {
    let mut j = json(args);
    if let Some(o) = j.as_object_mut() {
        o.remove("inputs");
        o.remove("dtypes");
    }
    j
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("{v} is not a number"))
}

/// The names of every formulation the command runs, in order.
fn names() -> Vec<&'static str> {
    xent_registry::names().collect()
}

/// The formulation the reported value comes from, and its loss in nats, computed in-process.
fn best<'a>(problem: impl Into<Problem<'a>>) -> (&'static str, f64) {
    let f = xent_registry::production();
    (f.name(), problem.into().evaluate(f).nats())
}

/// The documents' binary example, written as A.npy and Y.npy (shape (1, 8)).
fn binary_example(files: &Files) -> (String, String) {
    (
        files.f64("A.npy", &[1, 8], &published::BINARY_A),
        files.f64("Y.npy", &[1, 8], &published::BINARY_Y),
    )
}

/// A binary problem with two outputs and five samples, row-major `(2, 5)`.
const A2: [f64; 10] = [0.9, 0.2, 0.7, 0.4, 0.35, 0.1, 0.6, 0.3, 0.8, 0.45];
const Y2: [f64; 10] = [1.0, 0.0, 1.0, 0.0, 0.5, 0.0, 1.0, 0.0, 1.0, 1.0];
/// A categorical problem with three classes and four samples, row-major `(3, 4)`: each
/// column sums to 1.
const Q3: [f64; 12] = [
    0.2, 0.5, 0.1, 0.25, //
    0.7, 0.25, 0.3, 0.25, //
    0.1, 0.25, 0.6, 0.5,
];
const P3: [f64; 12] = [
    0.0, 1.0, 0.0, 0.0, //
    1.0, 0.0, 0.0, 0.5, //
    0.0, 0.0, 1.0, 0.5,
];

// ---------------------------------------------------------------------------------------
// The documents' examples and every output field

#[test]
fn the_documents_binary_example_gives_the_published_cost_with_every_field() {
    let files = Files::new();
    let (a, y) = binary_example(&files);
    let j = json(&["binary", "--pred", &a, "--labels", &y, "--compare"]);

    assert_eq!(j["kind"], "binary");
    assert_eq!(j["base"], "e");
    assert_eq!(j["unit"], "nats");
    assert_eq!(j["samples"], 8);
    assert_eq!(j["outputs"], 1);
    assert_eq!(j["from_logits"], false);
    assert_eq!(j["layout"], "auto");
    let value = num(&j["value"]);
    assert_eq!(matches_printed(value, published::BINARY_COST), Some(true));
    // The value is the most accurate formulation's, computed in-process the same way.
    let problem = published::binary_example().expect("the example is valid");
    assert_eq!(j["value_from"], best(problem).0);
    assert_eq!(value, best(problem).1);

    let f = j["formulations"].as_object().expect("an object");
    assert_eq!(f.len(), names().len());
    // In the registry's order (serde_json's map sorts, so look at the text itself).
    let raw = xent(&[
        "binary",
        "--pred",
        &a,
        "--labels",
        &y,
        "--format",
        "json",
        "--compare",
    ]);
    let raw = String::from_utf8_lossy(&raw.stdout);
    let at = |k: &str| raw.find(&format!("\"{k}\":")).unwrap_or(usize::MAX);
    assert!(at("kind") < at("base") && at("base") < at("value"), "{raw}");
    let (sum, dot, matmul) = (
        raw.rfind("\"sum\""),
        raw.rfind("\"dot\""),
        raw.rfind("\"matmul\""),
    );
    assert!(sum < dot && dot < matmul, "{raw}");
    assert!(raw.ends_with("}\n"), "{raw}");
    let bound = ErrorBound::binary(&problem);
    for (name, v) in f {
        assert!(bound.admits_pair(num(v), value), "{name}");
    }
    assert_eq!(j["shapes"]["sum"], "scalar");
    assert_eq!(j["shapes"]["dot"], "(1, 1)");
    assert_eq!(j["shapes"]["matmul"], "(1, 1)");
    let ulps = j["max_ulps"].as_u64().expect("an integer");
    let values: Vec<f64> = f.values().map(num).collect();
    let most = values
        .iter()
        .flat_map(|a| values.iter().map(|b| xent_core::ulp::ulp_distance(*a, *b)))
        .max();
    assert_eq!(Some(ulps), most);
    assert_eq!(num(&j["bound"]), (bound + bound).absolute);
    assert_eq!(j["agree"], true);
}

#[test]
fn the_numpy_users_example_in_bits() {
    // np.save("A.npy", A); np.save("Y.npy", Y); xent binary --pred A.npy --labels Y.npy --base 2
    let files = Files::new();
    let (a, y) = binary_example(&files);
    let nats = json(&["binary", "--pred", &a, "--labels", &y, "--compare"]);
    for (base, unit, b) in [
        ("2", "bits", LogBase::TWO),
        ("10", "bans", LogBase::TEN),
        ("e", "nats", LogBase::E),
        ("3.5", "base-3.5 units", LogBase::new(3.5).expect("a base")),
        ("0.5", "base-0.5 units", LogBase::new(0.5).expect("a base")),
    ] {
        let j = json(&[
            "binary",
            "--pred",
            &a,
            "--labels",
            &y,
            "--base",
            base,
            "--compare",
        ]);
        assert_eq!(j["unit"], unit);
        assert_eq!(j["base"], b.to_string());
        // The same evaluation, converted: exact.
        assert_eq!(num(&j["value"]), b.from_nats(num(&nats["value"])), "{base}");
        for name in names() {
            assert_eq!(
                num(&j["formulations"][name]),
                b.from_nats(num(&nats["formulations"][name]))
            );
        }
    }

    let out = xent(&[
        "binary",
        "--pred",
        &a,
        "--labels",
        &y,
        "--base",
        "2",
        "--compare",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text.lines().next().expect("a first line");
    assert!(first.starts_with("loss "), "{text}");
    assert!(first.ends_with(" bits"), "{text}");
    let value: f64 = first
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .expect("a number after `loss`");
    assert_eq!(value, LogBase::TWO.from_nats(num(&nats["value"])));
    for needle in names()
        .into_iter()
        .chain(["base", "max ulps", "bound", "agree"])
    {
        assert!(text.contains(needle), "{needle}: {text}");
    }
    // Aligned: every value starts in the same column.
    let col = 4 + first[4..].len() - first[4..].trim_start().len();
    for label in ["base", "value from", "max ulps", "bound", "agree"] {
        let line = text
            .lines()
            .find(|l| l.starts_with(label))
            .unwrap_or_else(|| panic!("{label}: {text}"));
        assert_eq!(line[..col].trim_end(), label, "{text}");
        assert!(!line[col..].starts_with(' '), "{text}");
    }
}

#[test]
fn the_documents_categorical_examples_by_target_and_by_class() {
    let files = Files::new();
    for (i, e) in published::CATEGORICAL.iter().enumerate() {
        let q = files.f64(&format!("q{i}.npy"), &[3], &e.prediction);
        let p = files.f64(&format!("p{i}.npy"), &[3], &e.target);
        let c = files.bytes(
            &format!("c{i}.npy"),
            &npy_bytes("<i8", false, &[1], &1i64.to_le_bytes()),
        );
        let by_target = json(&["categorical", "--pred", &q, "--target", &p, "--compare"]);
        let by_class = json(&["categorical", "--pred", &q, "--classes", &c]);
        assert_eq!(by_target["kind"], "categorical");
        assert_eq!(
            (by_target["samples"].clone(), by_target["outputs"].clone()),
            (1.into(), 3.into())
        );
        let problem = published::categorical_example(e).expect("valid");
        let value = num(&by_target["value"]);
        assert_eq!(value, best(problem).1);
        assert_eq!(num(&by_class["value"]), value);
        let published: f64 = e.nats.parse().expect("a number");
        assert!(
            ErrorBound::categorical(&problem).admits_pair(value, published),
            "{e:?}"
        );
        assert_eq!(by_target["shapes"]["matmul"], "(3, 3)");
        assert_eq!(by_target["agree"], true);
    }
    // The first example quoted in bits: 0.6920.
    let q = files.f64("q.npy", &[3], &published::CATEGORICAL[0].prediction);
    let c = files.csv("c.csv", "1\n");
    let j = json(&["categorical", "--pred", &q, "--classes", &c, "--base", "2"]);
    assert_eq!(matches_printed(num(&j["value"]), "0.6920"), Some(true));
}

#[test]
fn a_confident_wrong_prediction_is_infinite_and_not_an_error() {
    let files = Files::new();
    let a = files.f64("A.npy", &[4], &[0.0, 0.5, 0.9, 1.0]);
    let y = files.f64("Y.npy", &[4], &[1.0, 0.0, 1.0, 1.0]);
    let j = json(&["binary", "--pred", &a, "--labels", &y, "--compare"]);
    assert_eq!(j["value"], "inf");
    for name in names() {
        assert_eq!(j["formulations"][name], "inf");
    }
    assert_eq!(
        (j["max_ulps"].clone(), j["agree"].clone()),
        (0.into(), true.into())
    );
    let out = xent(&["binary", "--pred", &a, "--labels", &y]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text.lines().next().unwrap_or_default();
    assert_eq!(
        first.split_whitespace().collect::<Vec<_>>(),
        ["loss", "inf", "nats"],
        "{text}"
    );
    // 0 · ln 0 = 0: a zero probability under a zero label is fine.
    let y = files.f64("Y0.npy", &[4], &[0.0, 0.0, 1.0, 1.0]);
    assert!(num(&json(&["binary", "--pred", &a, "--labels", &y])["value"]).is_finite());
}

#[test]
fn one_formulation_is_compared_with_nothing_and_the_value_is_still_the_best() {
    let files = Files::new();
    let (a, y) = binary_example(&files);
    let all = json(&["binary", "--pred", &a, "--labels", &y, "--compare"]);
    for name in names() {
        let j = json(&[
            "binary",
            "--pred",
            &a,
            "--labels",
            &y,
            "--formulation",
            name,
        ]);
        let f = j["formulations"].as_object().expect("an object");
        assert_eq!(f.keys().collect::<Vec<_>>(), [name]);
        assert_eq!(f[name], all["formulations"][name]);
        assert_eq!(j["value"], all["value"]);
        assert_eq!(
            (
                j["max_ulps"].clone(),
                j["bound"].clone(),
                j["agree"].clone()
            ),
            (0.into(), Value::Null, true.into())
        );
    }
}

#[test]
fn logits_are_evaluated_stably() {
    let files = Files::new();
    let z = [-800.0, -3.0, 0.0, 2.5, 800.0, 40.0];
    let y = [0.0, 0.0, 1.0, 1.0, 1.0, 0.5];
    let zf = files.f64("z.npy", &[6], &z);
    let yf = files.f64("y.npy", &[6], &y);
    let j = json(&["binary", "--pred", &zf, "--labels", &yf, "--from-logits"]);
    assert_eq!(j["from_logits"], true);
    let (zm, ym) = (
        DMatrix::from_row_slice(1, 6, &z),
        DMatrix::from_row_slice(1, 6, &y),
    );
    let problem = BinaryProblem::from_logits(&zm, &ym).expect("finite logits");
    assert_eq!(num(&j["value"]), best(problem).1);
    assert_eq!(j["agree"], true);

    // Categorical: one column of logits per sample.
    let zc = [1000.0, -5.0, 2.0, 0.0, 1.0, 3.0]; // (3, 2) row-major
    let zcf = files.f64("zc.npy", &[3, 2], &zc);
    let cf = files.csv("c.csv", "0, 2\n");
    let j = json(&[
        "categorical",
        "--pred",
        &zcf,
        "--classes",
        &cf,
        "--from-logits",
    ]);
    let zcm = DMatrix::from_row_slice(3, 2, &zc);
    let problem =
        CategoricalProblem::from_logits_with_classes(&zcm, &[0u64, 2]).expect("finite logits");
    assert_eq!(num(&j["value"]), best(problem).1);
}

#[test]
fn tracing_goes_to_stderr_only() {
    let files = Files::new();
    let (a, y) = binary_example(&files);
    let out = assert_cmd::Command::new(env!("CARGO_BIN_EXE_xent"))
        .args(["binary", "--pred", &a, "--labels", &y, "--format", "json"])
        .env("RUST_LOG", "debug")
        .output()
        .expect("run xent");
    assert_eq!(out.status.code(), Some(0));
    let j: Value = serde_json::from_slice(&out.stdout).expect("stdout is pure JSON");
    assert_eq!(j["kind"], "binary");
    assert!(String::from_utf8_lossy(&out.stderr).contains("read"));
}

// ---------------------------------------------------------------------------------------
// The same arrays, every way they can arrive

#[test]
fn rows_layout_reads_the_transpose_of_cols() {
    let files = Files::new();
    let a = files.f64("A.npy", &[2, 5], &A2);
    let y = files.f64("Y.npy", &[2, 5], &Y2);
    let at = files.f64("At.npy", &[5, 2], &transposed(&A2, 2, 5));
    let yt = files.f64("Yt.npy", &[5, 2], &transposed(&Y2, 2, 5));
    let mut cols = result(&["binary", "--pred", &a, "--labels", &y, "--layout", "cols"]);
    let mut rows = result(&["binary", "--pred", &at, "--labels", &yt, "--layout", "rows"]);
    assert_eq!(
        (cols["outputs"].clone(), cols["samples"].clone()),
        (2.into(), 5.into())
    );
    assert_eq!(rows["layout"], "rows");
    cols["layout"] = Value::Null;
    rows["layout"] = Value::Null;
    assert_eq!(cols, rows);

    let q = files.f64("Q.npy", &[3, 4], &Q3);
    let p = files.f64("P.npy", &[3, 4], &P3);
    let qt = files.f64_fortran("Qt.npy", 4, 3, &transposed(&Q3, 3, 4));
    let pt = files.csv(
        "Pt.csv",
        &transposed(&P3, 3, 4)
            .chunks(3)
            .map(|r| r.iter().map(f64::to_string).collect::<Vec<_>>().join(", "))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    let mut cols = result(&[
        "categorical",
        "--pred",
        &q,
        "--target",
        &p,
        "--layout",
        "cols",
    ]);
    let mut rows = result(&[
        "categorical",
        "--pred",
        &qt,
        "--target",
        &pt,
        "--layout",
        "rows",
    ]);
    cols["layout"] = Value::Null;
    rows["layout"] = Value::Null;
    assert_eq!(cols, rows);
    assert_eq!(
        (cols["outputs"].clone(), cols["samples"].clone()),
        (3.into(), 4.into())
    );

    // Rows of one sample each: the same problem as the documents' (1, 8) cols.
    let (a1, y1) = binary_example(&files);
    let a8 = files.f64("A81.npy", &[8, 1], &published::BINARY_A);
    let y8 = files.f64("Y81.npy", &[8, 1], &published::BINARY_Y);
    let x = json(&["binary", "--pred", &a1, "--labels", &y1]);
    let r = json(&["binary", "--pred", &a8, "--labels", &y8, "--layout", "rows"]);
    assert_eq!(x["formulations"], r["formulations"]);
}

#[test]
fn one_dimensional_arrays_follow_the_rules_whatever_the_layout() {
    let files = Files::new();
    let (a2, y2) = binary_example(&files);
    let a1 = files.f64("A1.npy", &[8], &published::BINARY_A);
    let y1 = files.f64("Y1.npy", &[8], &published::BINARY_Y);
    let two = json(&["binary", "--pred", &a2, "--labels", &y2]);
    for layout in ["cols", "rows"] {
        let one = json(&["binary", "--pred", &a1, "--labels", &y1, "--layout", layout]);
        assert_eq!(one["formulations"], two["formulations"]);
        assert_eq!(
            (one["samples"].clone(), one["outputs"].clone()),
            (8.into(), 1.into())
        );
    }
    // A 1-D categorical --pred is one sample over k classes.
    let q = files.f64("q.npy", &[3], &[0.2, 0.7, 0.1]);
    let c = files.bytes("c.npy", &npy_bytes("<u1", false, &[1], &[1]));
    for layout in ["cols", "rows"] {
        let j = json(&[
            "categorical",
            "--pred",
            &q,
            "--classes",
            &c,
            "--layout",
            layout,
        ]);
        assert_eq!(
            (j["samples"].clone(), j["outputs"].clone()),
            (1.into(), 3.into())
        );
        assert_eq!(num(&j["value"]), -(0.7f64.ln()));
    }
}

#[test]
fn float32_reads_as_the_same_numbers_in_float64() {
    let files = Files::new();
    let a32: Vec<f32> = published::BINARY_A.iter().map(|&v| v as f32).collect();
    let a64: Vec<f64> = a32.iter().map(|&v| f64::from(v)).collect();
    let bytes: Vec<u8> = a32.iter().flat_map(|v| v.to_le_bytes()).collect();
    let f32_file = files.bytes("A32.npy", &npy_bytes("<f4", false, &[1, 8], &bytes));
    let be_bytes: Vec<u8> = a32.iter().flat_map(|v| v.to_be_bytes()).collect();
    let f32_be = files.bytes("A32be.npy", &npy_bytes(">f4", false, &[1, 8], &be_bytes));
    let f64_file = files.f64("A64.npy", &[1, 8], &a64);
    let y = files.f64("Y.npy", &[1, 8], &published::BINARY_Y);
    let x = result(&["binary", "--pred", &f32_file, "--labels", &y]);
    // The same bits on the fused path: float32 values widened exactly are the same numbers.
    assert_eq!(x, result(&["binary", "--pred", &f64_file, "--labels", &y]));
    assert_eq!(x, result(&["binary", "--pred", &f32_be, "--labels", &y]));
    assert_eq!(
        json(&["binary", "--pred", &f32_file, "--labels", &y])["dtypes"]["--pred"],
        "float32"
    );
    // float32's 0.8 is not float64's: the values differ, within what the documents print.
    assert_eq!(matches_printed(num(&x["value"]), "0.098643"), Some(true));
}

#[test]
fn integer_and_bool_labels_are_the_same_labels() {
    let files = Files::new();
    let (a, y) = binary_example(&files);
    let reference = result(&["binary", "--pred", &a, "--labels", &y]);
    let y_bool: Vec<u8> = published::BINARY_Y.iter().map(|&v| v as u8).collect();
    let y_i64: Vec<u8> = published::BINARY_Y
        .iter()
        .flat_map(|&v| (v as i64).to_le_bytes())
        .collect();
    let y_i16be: Vec<u8> = published::BINARY_Y
        .iter()
        .flat_map(|&v| (v as i16).to_be_bytes())
        .collect();
    let y_u32: Vec<u8> = published::BINARY_Y
        .iter()
        .flat_map(|&v| (v as u32).to_le_bytes())
        .collect();
    for (name, descr, data) in [
        ("Yb.npy", "|b1", y_bool.clone()),
        ("Yi1.npy", "|i1", y_bool.clone()),
        ("Yu1.npy", "|u1", y_bool),
        ("Yi8.npy", "<i8", y_i64),
        ("Yi2.npy", ">i2", y_i16be),
        ("Yu4.npy", "<u4", y_u32),
    ] {
        let f = files.bytes(name, &npy_bytes(descr, false, &[1, 8], &data));
        assert_eq!(
            result(&["binary", "--pred", &a, "--labels", &f]),
            reference,
            "{descr}"
        );
    }
}

#[test]
fn fortran_order_reads_as_c_order() {
    let files = Files::new();
    let c_a = files.f64("A.npy", &[2, 5], &A2);
    let c_y = files.f64("Y.npy", &[2, 5], &Y2);
    let f_a = files.f64_fortran("Af.npy", 2, 5, &A2);
    let f_y = files.f64_fortran("Yf.npy", 2, 5, &Y2);
    let c = result(&[
        "binary", "--pred", &c_a, "--labels", &c_y, "--layout", "cols",
    ]);
    assert_eq!(
        c,
        result(&[
            "binary", "--pred", &f_a, "--labels", &f_y, "--layout", "cols"
        ])
    );
    assert_eq!(
        c,
        result(&[
            "binary", "--pred", &f_a, "--labels", &c_y, "--layout", "cols"
        ])
    );
    // And under --layout rows, the transposes.
    let ft_a = files.f64_fortran("Aft.npy", 5, 2, &transposed(&A2, 2, 5));
    let ct_y = files.f64("Yct.npy", &[5, 2], &transposed(&Y2, 2, 5));
    let mut r = result(&[
        "binary", "--pred", &ft_a, "--labels", &ct_y, "--layout", "rows",
    ]);
    r["layout"] = "cols".into();
    assert_eq!(c, r);
}

#[test]
fn csv_reads_as_npy() {
    let files = Files::new();
    let a = files.f64("A.npy", &[2, 5], &A2);
    let y = files.f64("Y.npy", &[2, 5], &Y2);
    let line = |v: &[f64]| {
        v.iter()
            .map(f64::to_string)
            .collect::<Vec<_>>()
            .join(" ,  ")
    };
    let a_csv = files.csv(
        "A.csv",
        &format!("{}\r\n {}\n\n", line(&A2[..5]), line(&A2[5..])),
    );
    let y_csv = files.csv("Y.CSV", &format!("{}\n{}", line(&Y2[..5]), line(&Y2[5..])));
    let cols = ["--layout", "cols"];
    let npy = result(&[&["binary", "--pred", &a, "--labels", &y][..], &cols].concat());
    assert_eq!(
        npy,
        result(&[&["binary", "--pred", &a_csv, "--labels", &y_csv][..], &cols].concat())
    );
    assert_eq!(
        npy,
        result(&[&["binary", "--pred", &a_csv, "--labels", &y][..], &cols].concat())
    );
    let q = files.f64("Q.npy", &[3, 4], &Q3);
    let q_csv = files.csv(
        "Q.csv",
        &Q3.chunks(4).map(line).collect::<Vec<_>>().join("\n"),
    );
    let c = files.csv("c.csv", "1\n0\n2\n2\n");
    let c_row = files.csv("c_row.csv", "1, 0, 2, 2\n");
    let c_npy = files.bytes(
        "c.npy",
        &npy_bytes(
            "<i4",
            false,
            &[4],
            &[1i32, 0, 2, 2]
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect::<Vec<_>>(),
        ),
    );
    let by_npy = result(&["categorical", "--pred", &q, "--classes", &c_npy]);
    assert_eq!(
        by_npy,
        result(&["categorical", "--pred", &q_csv, "--classes", &c])
    );
    assert_eq!(
        by_npy,
        result(&["categorical", "--pred", &q_csv, "--classes", &c_row])
    );
}

// ---------------------------------------------------------------------------------------
// Bad input: status 2, nothing on stdout, one message naming file, position and rule

#[test]
fn missing_unreadable_and_unsupported_files() {
    let files = Files::new();
    let (a, y) = binary_example(&files);
    let missing = files.path("nope.npy");
    fails(
        &["binary", "--pred", &missing, "--labels", &y],
        &["--pred", "nope.npy", "cannot read it", "No such file"],
    );
    let dir = files.path("");
    fails(
        &["binary", "--pred", &a, "--labels", &dir],
        &["--labels", "is a directory"],
    );
    let txt = files.csv("A.txt", "0.5\n");
    fails(
        &["binary", "--pred", &txt, "--labels", &y],
        &["--pred", "A.txt", "unsupported file type", "\".txt\""],
    );
    let bare = files.csv("A", "0.5\n");
    fails(
        &["binary", "--pred", &bare, "--labels", &y],
        &["no extension"],
    );
    // A zip file's first four bytes, and nothing else: no archive.
    let npz = files.bytes("A.npz", b"PK\x03\x04");
    fails(
        &["binary", "--pred", &npz, "--labels", &y],
        &["--pred", "A.npz", "not a valid .npz archive"],
    );
}

#[test]
fn malformed_npy_files() {
    let files = Files::new();
    let (a, y) = binary_example(&files);
    let text = files.csv("text.npy", "0.8, 0.2\n");
    fails(
        &["binary", "--pred", &text, "--labels", &y],
        &["--pred", "text.npy", "not a valid .npy file", "magic"],
    );
    let empty = files.bytes("empty.npy", b"");
    fails(
        &["binary", "--pred", &empty, "--labels", &y],
        &["empty.npy", "not a valid .npy file"],
    );
    let full = npy_bytes("<f8", false, &[1, 8], &le_f64(&published::BINARY_A));
    let cut_header = files.bytes("cut_header.npy", &full[..40]);
    fails(
        &["binary", "--pred", &cut_header, "--labels", &y],
        &["cut_header.npy", "the header is cut short"],
    );
    let cut_data = files.bytes("cut_data.npy", &full[..full.len() - 20]);
    fails(
        &["binary", "--pred", &cut_data, "--labels", &y],
        &[
            "--pred",
            "cut_data.npy",
            "truncated",
            "shape (1, 8) of float64",
            "64 bytes",
            "only 44",
            "entry 5 of 8",
        ],
    );
    let mut long = full.clone();
    long.extend([0u8; 8]);
    let long = files.bytes("long.npy", &long);
    fails(
        &["binary", "--pred", &long, "--labels", &y],
        &["long.npy", "8 bytes follow"],
    );
    let mut garbage = full.clone();
    garbage[10..20].copy_from_slice(b"[not dict]");
    let garbage = files.bytes("garbage.npy", &garbage);
    fails(
        &["binary", "--pred", &garbage, "--labels", &y],
        &["garbage.npy", "malformed .npy header"],
    );
    let _ = a;
}

#[test]
fn unsupported_dtypes_and_ranks() {
    let files = Files::new();
    let (_, y) = binary_example(&files);
    for (descr, size) in [("<c16", 16), ("<f2", 2), ("|S3", 3), ("<M8[D]", 8)] {
        let f = files.bytes(
            "d.npy",
            &npy_bytes(descr, false, &[1, 8], &vec![0u8; 8 * size]),
        );
        fails(
            &["binary", "--pred", &f, "--labels", &y],
            &["--pred", "d.npy", "unsupported dtype", descr],
        );
    }
    let three = files.bytes(
        "three.npy",
        &npy_bytes("<f8", false, &[1, 2, 4], &le_f64(&[0.5; 8])),
    );
    fails(
        &["binary", "--pred", &three, "--labels", &y],
        &[
            "three.npy",
            "3-D array of shape (1, 2, 4)",
            "only 1-D and 2-D",
        ],
    );
    let scalar = files.bytes("scalar.npy", &npy_bytes("<f8", false, &[], &le_f64(&[0.5])));
    fails(
        &["binary", "--pred", &scalar, "--labels", &y],
        &["scalar.npy", "0-D array"],
    );
}

#[test]
fn csv_tokens_rows_and_blank_lines() {
    let files = Files::new();
    let (a, _) = binary_example(&files);
    let bad = files.csv(
        "Y.csv",
        "1, 0, 1, 1, 0, 1, 0, 0\n1, 0, abc, 1, 0, 1, 0, 0\n",
    );
    fails(
        &["binary", "--pred", &a, "--labels", &bad],
        &[
            "--labels",
            "Y.csv",
            "line 2, column 3",
            "\"abc\" is not a number",
        ],
    );
    let empty_field = files.csv("E.csv", "1, 0, 1, 1, 0, 1, 0,\n");
    fails(
        &["binary", "--pred", &a, "--labels", &empty_field],
        &[
            "line 1, column 8",
            "an empty field",
            "the line ends with a comma",
        ],
    );
    let header = files.csv("H.csv", "a, b\n1, 0\n");
    fails(
        &["binary", "--pred", &a, "--labels", &header],
        &["line 1, column 1", "header line"],
    );
    let ragged = files.csv("R.csv", "1, 0, 1\n0, 1, 0\n1, 0\n");
    fails(
        &["binary", "--pred", &a, "--labels", &ragged],
        &["R.csv", "line 3 has 2 columns but line 1 has 3"],
    );
    let blank = files.csv("B.csv", "1, 0\n\n0, 1\n");
    fails(
        &["binary", "--pred", &a, "--labels", &blank],
        &["B.csv", "line 2 is blank"],
    );
    // Windows line ends keep line numbers; blank lines at the end are fine.
    let crlf = files.csv("W.csv", "1, 0\r\n0, 1\r\n1, x\r\n");
    fails(
        &["binary", "--pred", &a, "--labels", &crlf],
        &["W.csv", "line 3, column 2", "\"x\""],
    );
    let crlf_blank = files.csv("WB.csv", "1, 0\r\n\r\n0, 1\r\n");
    fails(
        &["binary", "--pred", &a, "--labels", &crlf_blank],
        &["WB.csv", "line 2 is blank"],
    );
    let trailing = files.csv("T.csv", "1, 0\n0, 1\n\n  \n");
    fails(
        &[
            "binary", "--pred", &a, "--labels", &trailing, "--layout", "cols",
        ],
        &["shapes differ", "T.csv has shape (2, 2)"],
    );
    let spaces = files.csv("S.csv", "1 0 1 1 0 1 0 0\n");
    fails(
        &["binary", "--pred", &a, "--labels", &spaces],
        &["S.csv", "line 1, column 1", "is not a number"],
    );
}

#[test]
fn empty_arrays() {
    let files = Files::new();
    let (_, y) = binary_example(&files);
    let e = files.f64("E.npy", &[0, 8], &[]);
    fails(
        &["binary", "--pred", &e, "--labels", &y],
        &["--pred", "E.npy", "empty", "shape (0, 8)"],
    );
    let e1 = files.f64("E1.npy", &[0], &[]);
    fails(
        &["binary", "--pred", &e1, "--labels", &y],
        &["E1.npy", "empty", "shape (0,)"],
    );
    let csv = files.csv("E.csv", "");
    fails(
        &["binary", "--pred", &csv, "--labels", &y],
        &["E.csv", "empty"],
    );
    let blank = files.csv("B.csv", "\n\n");
    fails(
        &["binary", "--pred", &blank, "--labels", &y],
        &["B.csv", "empty"],
    );
}

#[test]
fn shapes_that_differ_name_both() {
    let files = Files::new();
    let (a, _) = binary_example(&files);
    let y7 = files.f64("Y7.npy", &[1, 7], &published::BINARY_Y[..7]);
    fails(
        &["binary", "--pred", &a, "--labels", &y7],
        &[
            "shapes differ",
            "--pred",
            "A.npy",
            "(1, 8)",
            "--labels",
            "Y7.npy",
            "(1, 7)",
        ],
    );
    // Read with the same layout, a (1, 8) and an (8, 1) array are each other's transpose;
    // without a layout each is read the only sensible way, one output per sample.
    let yt = files.f64("Yt.npy", &[8, 1], &published::BINARY_Y);
    fails(
        &["binary", "--pred", &a, "--labels", &yt, "--layout", "cols"],
        &["(1, 8)", "(8, 1)", "each other's transpose"],
    );
    let auto = result(&["binary", "--pred", &a, "--labels", &yt]);
    assert_eq!(
        auto["value"],
        result(&[
            "binary",
            "--pred",
            &a,
            "--labels",
            &a.replace("A.npy", "Y.npy")
        ])["value"]
    );
    let q = files.f64("Q.npy", &[3, 4], &Q3);
    let p = files.f64("P.npy", &[4, 3], &transposed(&P3, 3, 4));
    fails(
        &[
            "categorical",
            "--pred",
            &q,
            "--target",
            &p,
            "--layout",
            "cols",
        ],
        &["--pred", "Q.npy", "(3, 4)", "--target", "P.npy", "(4, 3)"],
    );
}

#[test]
fn non_finite_entries_with_their_position() {
    let files = Files::new();
    let (a, y) = binary_example(&files);
    let mut nan = published::BINARY_A;
    nan[3] = f64::NAN;
    let nan = files.f64("N.npy", &[1, 8], &nan);
    fails(
        &["binary", "--pred", &nan, "--labels", &y],
        &[
            "--pred",
            "N.npy",
            "index [0, 3] (row 0, column 3)",
            "NaN is not finite",
        ],
    );
    let inf = files.csv(
        "I.csv",
        "1, 0, 1, 1, 0, 1, 0, 0\n1, 0, 1, 1, 0, inf, 0, 0\n",
    );
    let a2 = files.f64(
        "A2.npy",
        &[2, 8],
        &[published::BINARY_A, published::BINARY_A].concat(),
    );
    fails(
        &[
            "binary", "--pred", &a2, "--labels", &inf, "--layout", "cols",
        ],
        &["--labels", "I.csv", "line 2, column 6", "inf is not finite"],
    );
    // A +inf logit is rejected; -inf is the libraries' masking idiom, probability 0
    // (documented in --help): under a positive label that is +inf, a result.
    let z = files.f64(
        "z.npy",
        &[1, 8],
        &[1.0, 2.0, f64::INFINITY, 0.0, 0.0, 0.0, 0.0, 0.0],
    );
    fails(
        &["binary", "--pred", &z, "--labels", &y, "--from-logits"],
        &["--pred", "z.npy", "index [0, 2]", "inf is not finite"],
    );
    let masked = files.f64(
        "zm.npy",
        &[1, 8],
        &[1.0, 2.0, f64::NEG_INFINITY, 0.0, 0.0, 0.0, 0.0, 0.0],
    );
    let j = json(&["binary", "--pred", &masked, "--labels", &y, "--from-logits"]);
    assert_eq!(j["value"], "inf", "label 1 on a -inf logit (probability 0)");
    let _ = a;
}

#[test]
fn probabilities_and_labels_outside_zero_one_in_the_users_coordinates() {
    let files = Files::new();
    let (a, y) = binary_example(&files);
    let mut bad = published::BINARY_A;
    bad[7] = 1.5;
    let bad_a = files.f64("A.npy", &[1, 8], &bad);
    fails(
        &["binary", "--pred", &bad_a, "--labels", &y],
        &[
            "--pred",
            "A.npy",
            "index [0, 7] (row 0, column 7)",
            "1.5 is not a probability in [0, 1]",
        ],
    );
    // The same file as rows (8 samples of one output): the user's row 7.
    let bad_rows = files.f64("At.npy", &[8, 1], &bad);
    let y_rows = files.f64("Yt.npy", &[8, 1], &published::BINARY_Y);
    fails(
        &[
            "binary", "--pred", &bad_rows, "--labels", &y_rows, "--layout", "rows",
        ],
        &[
            "--pred",
            "At.npy",
            "index [7, 0] (row 7, column 0)",
            "1.5 is not a probability",
        ],
    );
    let mut neg = published::BINARY_Y;
    neg[2] = -1.0;
    let neg = files.csv("Y.csv", &neg.map(|v| v.to_string()).join(","));
    fails(
        &["binary", "--pred", &a, "--labels", &neg],
        &[
            "--labels",
            "Y.csv",
            "line 1, column 3",
            "-1 is not a probability",
        ],
    );
    // A 1-D array: its index.
    let one = files.f64("A1.npy", &[8], &bad);
    fails(
        &["binary", "--pred", &one, "--labels", &y],
        &["A1.npy", "index [7]", "1.5"],
    );
}

#[test]
fn samples_that_do_not_sum_to_one_are_named_in_the_users_layout() {
    let files = Files::new();
    let mut q = Q3;
    q[1] = 0.4; // column 1 now sums to 0.9
    let qf = files.f64("Q.npy", &[3, 4], &q);
    let p = files.f64("P.npy", &[3, 4], &P3);
    fails(
        &[
            "categorical",
            "--pred",
            &qf,
            "--target",
            &p,
            "--layout",
            "cols",
        ],
        &[
            "--pred",
            "Q.npy",
            "column 1 sums to 0.9",
            "not 1",
            "each column is a sample",
            "renormalised",
        ],
    );
    let qt = files.f64("Qt.npy", &[4, 3], &transposed(&q, 3, 4));
    let pt = files.f64("Pt.npy", &[4, 3], &transposed(&P3, 3, 4));
    fails(
        &[
            "categorical",
            "--pred",
            &qt,
            "--target",
            &pt,
            "--layout",
            "rows",
        ],
        &["Qt.npy", "row 1 sums to 0.9", "each row is a sample"],
    );
    let q_csv = files.csv(
        "Q.csv",
        &transposed(&q, 3, 4)
            .chunks(3)
            .map(|r| r.iter().map(f64::to_string).collect::<Vec<_>>().join(","))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    fails(
        &[
            "categorical",
            "--pred",
            &q_csv,
            "--target",
            &pt,
            "--layout",
            "rows",
        ],
        &["Q.csv", "line 2 sums to 0.9"],
    );
    let one = files.f64("q1.npy", &[3], &[0.5, 0.2, 0.2]);
    let c = files.csv("c.csv", "0\n");
    fails(
        &["categorical", "--pred", &one, "--classes", &c],
        &["q1.npy", "the array sums to 0.899", "one distribution"],
    );
    let bad_target = files.f64("T.npy", &[3], &[0.5, 0.0, 0.0]);
    let good = files.f64("q.npy", &[3], &[0.5, 0.25, 0.25]);
    fails(
        &["categorical", "--pred", &good, "--target", &bad_target],
        &["--target", "T.npy", "sums to 0.5"],
    );
}

#[test]
fn class_indices_out_of_range_negative_or_not_whole() {
    let files = Files::new();
    let q = files.f64("Q.npy", &[3, 4], &Q3);
    let i64s = |v: &[i64]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
    let high = files.bytes(
        "high.npy",
        &npy_bytes("<i8", false, &[4], &i64s(&[1, 0, 3, 2])),
    );
    fails(
        &["categorical", "--pred", &q, "--classes", &high],
        &[
            "--classes",
            "high.npy",
            "index [2]",
            "3 is not a class index",
            "--pred",
            "Q.npy",
            "3 classes, numbered 0 to 2",
        ],
    );
    let neg = files.bytes(
        "neg.npy",
        &npy_bytes("<i8", false, &[4], &i64s(&[1, 0, 2, -1])),
    );
    fails(
        &["categorical", "--pred", &q, "--classes", &neg],
        &[
            "--classes",
            "neg.npy",
            "index [3]",
            "-1 is not a class index",
        ],
    );
    let frac = files.f64("frac.npy", &[4], &[1.0, 0.5, 2.0, 2.0]);
    fails(
        &["categorical", "--pred", &q, "--classes", &frac],
        &["frac.npy", "index [1]", "0.5 is not a class index"],
    );
    let csv = files.csv("c.csv", "1\n0\n7\n2\n");
    fails(
        &["categorical", "--pred", &q, "--classes", &csv],
        &["c.csv", "line 3, column 1", "7 is not a class index"],
    );
    let short = files.csv("short.csv", "1, 0, 2\n");
    fails(
        &[
            "categorical",
            "--pred",
            &q,
            "--classes",
            &short,
            "--layout",
            "cols",
        ],
        &[
            "--classes",
            "short.csv",
            "holds 3 class indices",
            "Q.npy",
            "4 samples",
            "(3, 4)",
            "each column is a sample",
        ],
    );
    let square = files.csv("sq.csv", "1, 0\n2, 2\n");
    fails(
        &["categorical", "--pred", &q, "--classes", &square],
        &["sq.csv", "shape (2, 2)", "1-D"],
    );
}

#[test]
fn usage_errors_are_claps_with_status_two() {
    let files = Files::new();
    let (a, y) = binary_example(&files);
    for base in ["1", "0", "-2", "abc", "nan", "inf"] {
        let out = xent(&["binary", "--pred", &a, "--labels", &y, "--base", base]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{base}: {stderr}");
        assert!(out.stdout.is_empty());
        assert!(stderr.contains("--base"), "{stderr}");
        assert!(stderr.contains("is not a number > 0 and ≠ 1"), "{stderr}");
    }
    for args in [
        vec!["binary", "--pred", &a, "--labels", &y, "--unknown"],
        vec!["binary", "--pred", &a],
        vec!["categorical", "--pred", &a],
        vec!["categorical", "--pred", &a, "--target", &y, "--classes", &y],
        vec![
            "binary", "--pred", &a, "--labels", &y, "--layout", "diagonal",
        ],
        vec![
            "binary",
            "--pred",
            &a,
            "--labels",
            &y,
            "--formulation",
            "fast",
        ],
        vec!["binary", "--pred", &a, "--labels", &y, "--format", "yaml"],
        vec!["multiclass"],
    ] {
        let out = xent(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("error:"),
            "{args:?}"
        );
    }
}

#[test]
fn help_names_every_option() {
    let out = xent(&["binary", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "--pred",
        "--labels",
        "--from-logits",
        "--layout",
        "--base",
        "--formulation",
        "--format",
        "all",
        "sum",
        "dot",
        "matmul",
        "fused",
        "exit status: see `xent --help`",
    ] {
        assert!(help.contains(needle), "{needle}");
    }
}

// ---------------------------------------------------------------------------------------
// `xent verify`: the verifier's report, and users' claims files

#[test]
fn verify_prints_the_audit_in_both_formats_and_passes() {
    let out = xent(&["verify"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    let result = text.lines().last().unwrap_or_default();
    assert!(result.starts_with("Result: "), "{result}");
    assert!(result.ends_with(": PASS"), "{result}");
    // The documents' own expressions are part of it.
    assert!(text.contains("Expressions: crates/verify/catalogue.toml"));
    let report = json(&["verify"]);
    assert_eq!(
        report["formulations"],
        serde_json::json!(["sum", "dot", "matmul", "fused"])
    );
    let expressions = report["expressions"]
        .as_array()
        .expect("an array of claims files");
    assert_eq!(expressions.len(), 1);
    assert_eq!(expressions[0]["report"]["passed"], Value::Bool(true));
}

/// A claims file with inline inputs and one on .csv files beside it: the question's
/// example, where the dot style is a (1, 1) array holding the published cost.
const CLAIMS: &str = r#"
[[claim]]
id = "dot-style-cost"
source = "my notebook"
expr = """
logprobs = np.dot(Y, (np.log(A2)).T) + np.dot((1.0-Y),(np.log(1 - A2)).T)
cost = (-1/m) * logprobs
"""
published = "0.09864328"
shape = [1, 1]
type = "numpy.ndarray"
expect = "equal"

[claim.inputs]
A2 = [[0.8, 0.2, 0.95, 0.92, 0.01, 0.93, 0.1, 0.02]]
Y = [[1, 0, 1, 1, 0, 1, 0, 0]]

[[claim]]
id = "mean-from-files"
expr = "-np.mean(Y*np.log(A) + (1-Y)*np.log(1-A))"
expect = "equal"

[claim.inputs]
A = { file = "A.csv" }
Y = { file = "Y.csv" }
"#;

#[test]
fn a_claims_file_round_trips_through_verify() {
    let files = Files::new();
    files.csv("A.csv", "0.8,0.2,0.95,0.92,0.01,0.93,0.1,0.02\n");
    files.csv("Y.csv", "1,0,1,1,0,1,0,0\n");
    let claims = files.csv("claims.toml", CLAIMS);
    let out = xent(&["verify", "--claims", &claims, "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let mine = &report["expressions"][1];
    assert_eq!(mine["file"], Value::String(claims.clone()));
    let outcomes = mine["report"]["claims"].as_array().expect("claims");
    let ids: Vec<&str> = outcomes.iter().filter_map(|c| c["id"].as_str()).collect();
    assert_eq!(ids, ["dot-style-cost", "mean-from-files"]);
    assert!(outcomes.iter().all(|c| c["passed"] == Value::Bool(true)));
    assert_eq!(outcomes[0]["shape"], serde_json::json!(["1", "1"]));
    assert_eq!(outcomes[0]["published_reproduced"], Value::Bool(true));

    // The same claims with a wrong expectation: the audit fails, and says which claim.
    let wrong = files.csv(
        "wrong.toml",
        &CLAIMS.replace(
            "expr = \"-np.mean(Y*np.log(A) + (1-Y)*np.log(1-A))\"\nexpect = \"equal\"",
            "expr = \"-np.mean(Y*np.log(A) + (1-Y)*np.log(1-A))\"\nexpect = \"differs\"",
        ),
    );
    let out = xent(&["verify", "--claims", &wrong]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("claim mean-from-files — FAILS"), "{text}");
    assert!(
        text.contains("verdict    holds: equal (EXPECTED differs)"),
        "{text}"
    );
    assert!(text.trim_end().ends_with(": FAIL"), "{text}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("the audit failed"), "{stderr}");
}

#[test]
fn claims_files_that_cannot_be_read_are_input_errors() {
    let files = Files::new();
    let missing = files.path("missing.toml");
    fails(
        &["verify", "--claims", &missing],
        &["--claims", "missing.toml"],
    );
    let bad = files.csv(
        "bad.toml",
        "[[claim]]\nid = \"x\"\nexpr = \"np.sum(B)\"\nexpect = \"equal\"\n",
    );
    let out = xent(&["verify", "--claims", &bad]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The message, then the expression with a caret under the unknown name.
    assert!(stderr.starts_with("error: --claims "), "{stderr}");
    for needle in [
        "bad.toml: claim `x`",
        "unknown name `B`",
        "  np.sum(B)\n         ^",
    ] {
        assert!(stderr.contains(needle), "{stderr:?} lacks {needle:?}");
    }
}

// ---------------------------------------------------------------------------------------
// `xent check`: numpy expressions against the definition

/// Runs `xent check`, returning its status and JSON report.
fn check_json(args: &[&str]) -> (Option<i32>, Value) {
    let mut all = vec!["check"];
    all.extend(args);
    all.extend(["--format", "json"]);
    let out = xent(&all);
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{all:?}: {e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code(), report)
}

#[test]
fn check_takes_a_leading_minus_as_the_expression() {
    // Before and after the flags.
    for args in [
        vec!["-np.sum(Y*np.log(A) + (1-Y)*np.log1p(-A))/A.shape[1]"],
        vec![
            "--kind",
            "binary",
            "-(1/m)*np.sum(Y*np.log(A) + (1-Y)*np.log1p(-A))",
        ],
        vec![
            "-(1/m)*np.sum(Y*np.log(A) + (1-Y)*np.log1p(-A))",
            "--kind",
            "binary",
        ],
    ] {
        let (status, report) = check_json(&args);
        let expr = args
            .iter()
            .find(|a| a.starts_with('-') && !a.starts_with("--"));
        assert_eq!(report["expression"].as_str(), expr.copied());
        // The loss everywhere but where numpy's 0 * log(0) is NaN, as it is in numpy.
        assert_eq!(
            report["verdict"],
            Value::String("NaN where a label is 0 and its prediction is 0".into()),
            "{args:?}: {report}"
        );
        assert_eq!(report["equal"], Value::Bool(false));
        assert_eq!(report["shape"], serde_json::json!([]));
        assert_eq!(status, Some(1));
    }
}

#[test]
fn check_on_the_users_files_gives_numpys_shape_and_the_value() {
    let files = Files::new();
    let (a, y) = binary_example(&files);
    let dot = "-(1.0/m) * (np.dot(np.log(A), Y.T) + np.dot(np.log(1-A), (1-Y).T))";
    let (status, report) = check_json(&[dot, "--pred", &a, "--labels", &y]);
    assert_eq!(status, Some(0), "{report}");
    assert_eq!(report["shape"], serde_json::json!([1, 1]));
    assert_eq!(report["verdict"], Value::String("equal".into()));
    let (value, reference) = (num(&report["value"]), num(&report["reference"]));
    assert_eq!(matches_printed(value, published::BINARY_COST), Some(true));
    assert_eq!(
        matches_printed(reference, published::BINARY_COST),
        Some(true)
    );

    // Without files the dot style is judged for every n_y: a matrix unless n_y = 1.
    let (status, report) = check_json(&[dot]);
    assert_eq!(status, Some(1));
    assert_eq!(report["shape"], serde_json::json!(["n_y", "n_y"]));
    assert_eq!(
        report["verdict"],
        Value::String("equal only when n_y = 1".into())
    );
    assert_eq!(report["equal"], Value::Bool(false));
}

#[test]
fn check_with_layout_rows_evaluates_the_arrays_as_numpy_holds_them() {
    let files = Files::new();
    let a = files.f64("A.npy", &[8, 1], &published::BINARY_A);
    let y = files.f64("Y.npy", &[8, 1], &published::BINARY_Y);
    let rows = ["--layout", "rows"];
    // Correct for (m, 1) arrays: numpy's (1, 1), the published cost.
    let right = "-(1.0/m) * (np.dot(Y.T, np.log(A)) + np.dot((1-Y).T, np.log(1-A)))";
    let (status, report) =
        check_json(&[&[right, "--pred", &a, "--labels", &y], &rows[..]].concat());
    assert_eq!(status, Some(0), "{report}");
    assert_eq!(report["shape"], serde_json::json!([1, 1]));
    assert_eq!(
        matches_printed(num(&report["value"]), published::BINARY_COST),
        Some(true),
        "{report}"
    );
    // The documents' (1, m) form is an (m, m) matrix on (m, 1) arrays, as in numpy.
    let cols_form = "-(1.0/m) * (np.dot(np.log(A), Y.T) + np.dot(np.log(1-A), (1-Y).T))";
    let (status, report) =
        check_json(&[&[cols_form, "--pred", &a, "--labels", &y], &rows[..]].concat());
    assert_eq!(status, Some(1), "{report}");
    assert_eq!(report["shape"], serde_json::json!([8, 8]));
    assert_eq!(report["equal"], Value::Bool(false));
    // (m, 1) predictions against (m,) labels broadcast to (m, m): numpy's 11.504…, not
    // the loss.
    let y1 = files.f64("y1.npy", &[8], &published::BINARY_Y);
    let sum = "-np.sum(Y*np.log(A) + (1-Y)*np.log(1-A))/m";
    let (status, report) = check_json(&[&[sum, "--pred", &a, "--labels", &y1], &rows[..]].concat());
    assert_eq!(status, Some(1), "{report}");
    assert_eq!(
        report["verdict"],
        Value::String("differs".into()),
        "{report}"
    );
    assert_eq!(
        matches_printed(num(&report["value"]), "11.504260660846105"),
        Some(true)
    );
    assert_eq!(
        matches_printed(num(&report["reference"]), published::BINARY_COST),
        Some(true)
    );
}

#[test]
fn check_categorical_with_targets() {
    let files = Files::new();
    let q = files.f64("Q.npy", &[3, 4], &Q3);
    let p = files.f64("P.npy", &[3, 4], &P3);
    let expr = "-np.sum(P*np.log(Q))/m";
    let (status, report) =
        check_json(&[expr, "--kind", "categorical", "--pred", &q, "--target", &p]);
    assert_eq!(status, Some(0), "{report}");
    let (qm, pm) = (
        DMatrix::from_row_slice(3, 4, &Q3),
        DMatrix::from_row_slice(3, 4, &P3),
    );
    let problem = CategoricalProblem::new(&qm, &pm).expect("a valid problem");
    let (_, loss) = best(problem);
    let bound = ErrorBound::categorical(&problem);
    assert!(bound.admits(num(&report["value"]), loss), "{report}");
    // np.mean over k·m entries is the loss divided by k.
    let (status, report) = check_json(&[
        "-np.mean(P*np.log(Q))",
        "--kind",
        "categorical",
        "--pred",
        &q,
        "--target",
        &p,
    ]);
    assert_eq!(status, Some(1));
    assert_eq!(
        report["verdict"],
        Value::String("differs by a constant factor".into())
    );
}

#[test]
fn check_errors_point_at_the_column_or_the_file() {
    // A parse error: a caret under the column, status 2, nothing on stdout.
    let out = xent(&["check", "-np.sum(Y*np.log(A)"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("error: line 1, column "), "{stderr}");
    assert!(stderr.contains("\n  -np.sum(Y*np.log(A)\n"), "{stderr}");
    assert!(stderr.contains('^'), "{stderr}");
    // An unknown name says which.
    let out = xent(&["check", "np.sum(B)"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown name `B`"));
    // numpy's refusal, with numpy's message, on the user's arrays.
    let files = Files::new();
    let (a, y) = binary_example(&files);
    let out = xent(&[
        "check",
        "np.dot(Y, np.log(A))",
        "--pred",
        &a,
        "--labels",
        &y,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("shapes (1,8) and (1,8) not aligned: 8 (dim 1) != 1 (dim 0)")
    );
    // An invalid input is reported in the file's own coordinates, before any expression.
    let bad = files.csv("bad.csv", "0.8,0.2,1.5,0.92,0.01,0.93,0.1,0.02\n");
    fails(
        &[
            "check",
            "-np.sum(Y*np.log(A))/m",
            "--pred",
            &bad,
            "--labels",
            &y,
        ],
        &["--pred", "bad.csv", "line 1, column 3", "1.5"],
    );
    // --pred without --labels or --target, and the reverse, are usage errors.
    for args in [
        vec!["check", "A", "--pred", &a],
        vec!["check", "A", "--labels", &y],
        vec!["check", "A", "--pred", &a, "--labels", &y, "--target", &y],
    ] {
        let out = xent(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

// ---------------------------------------------------------------------------------------
// Conventions: PyTorch, Keras, scikit-learn, SciPy

/// A C-order float32 file; `values` row-major, rounded to float32.
fn f32_file(files: &Files, name: &str, shape: &[usize], values: &[f64]) -> String {
    let data: Vec<u8> = values
        .iter()
        .flat_map(|&v| (v as f32).to_le_bytes())
        .collect();
    files.bytes(name, &npy_bytes("<f4", false, shape, &data))
}

/// `conventions.NAME.value` of a `--convention all` run.
fn convention_value(j: &Value, name: &str) -> f64 {
    num(&j["conventions"][name]["value"])
}

#[test]
fn each_librarys_own_example_through_convention_all() {
    let files = Files::new();
    // scikit-learn's log_loss docstring: labels [1, 0, 2], one sample per row.
    let q = files.csv("q.csv", "0.2,0.7,0.1\n0.6,0.2,0.2\n0.6,0.1,0.3\n");
    let c = files.csv("c.csv", "1\n0\n2\n");
    let j = json(&[
        "categorical",
        "--pred",
        &q,
        "--classes",
        &c,
        "--layout",
        "rows",
        "--convention",
        "all",
    ]);
    let sklearn = convention_value(&j, "sklearn");
    assert_eq!(
        matches_printed(sklearn, "0.6904911"),
        Some(true),
        "{sklearn}"
    );
    assert_eq!(
        j["conventions"]["sklearn"]["changes"],
        serde_json::json!([])
    );
    assert_eq!(j["conventions"]["sklearn"]["divisor"], 3);

    // Keras's BinaryCrossentropy test (float32 inputs): 3 outputs, mean over 9 elements.
    let y = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0];
    let a = [0.9, 0.1, 0.2, 0.3, 0.8, 0.1, 0.1, 0.2, 0.7];
    let a32 = f32_file(&files, "a32.npy", &[3, 3], &a);
    let y32 = f32_file(&files, "y32.npy", &[3, 3], &y);
    let j = json(&[
        "binary",
        "--pred",
        &a32,
        "--labels",
        &y32,
        "--layout",
        "rows",
        "--convention",
        "all",
    ]);
    let keras = convention_value(&j, "keras");
    assert_eq!(
        matches_library(keras, "0.20046903", Precision::F32),
        Some(true),
        "{keras}"
    );
    assert_eq!(
        j["conventions"]["keras"]["changes"],
        serde_json::json!(["mean over 9 elements, not 3 samples"])
    );
    assert_eq!(j["conventions"]["keras"]["divisor"], 9);
    // The exact convention's value is three times Keras's (summed over outputs).
    assert_eq!(num(&j["value"]), convention_value(&j, "exact"));
    assert!(j["conventions"]["sklearn"]["error"].is_string());

    // PyTorch's cross_entropy with label_smoothing = 0.1: logits, class 0.
    let z = files.csv("z.csv", "2,1,0,-1,0.5\n");
    let c0 = files.csv("c0.csv", "0\n");
    let j = json(&[
        "categorical",
        "--pred",
        &z,
        "--classes",
        &c0,
        "--layout",
        "rows",
        "--from-logits",
        "--convention",
        "all",
        "--label-smoothing",
        "0.1",
    ]);
    let torch = convention_value(&j, "pytorch");
    assert_eq!(matches_printed(torch, "0.7244379"), Some(true), "{torch}");
    assert_eq!(
        j["conventions"]["pytorch"]["changes"],
        serde_json::json!(["label smoothing 0.1 mixes every target with 0.1 / 5"])
    );
    // The exact convention takes no smoothing: its value is the plain loss.
    assert_eq!(j["conventions"]["exact"]["changes"], serde_json::json!([]));

    // optax's softmax_cross_entropy_with_integer_labels: per-sample losses.
    for (row, class, printed) in [
        ("10,1,-2\n", "1\n", "9.00013"),
        ("1,4,0.2\n", "0\n", "3.0696733"),
    ] {
        let z = files.csv("oz.csv", row);
        let c = files.csv("oc.csv", class);
        let j = json(&[
            "categorical",
            "--pred",
            &z,
            "--classes",
            &c,
            "--layout",
            "rows",
            "--from-logits",
            "--convention",
            "all",
        ]);
        // Log-softmax, no guard, mean over samples: the definition, PyTorch's and Keras's.
        for name in ["exact", "pytorch", "keras-functional"] {
            let v = convention_value(&j, name);
            assert_eq!(
                matches_printed(v, printed),
                Some(true),
                "{name}: {v} vs {printed}"
            );
            assert_eq!(j["conventions"][name]["changes"], serde_json::json!([]));
        }
        // scikit-learn's log_loss and SciPy's entropy take probabilities, not logits.
        for name in ["sklearn", "scipy"] {
            let e = j["conventions"][name]["error"].as_str().unwrap_or_default();
            assert!(e.contains("not logits"), "{name}: {e}");
        }
    }
}

#[test]
fn float32_input_is_clipped_in_float32() {
    let files = Files::new();
    // Keras: [0, 1] against [1, 0] clips to [ε, 1 − ε]; 1 − 1e-7 in float32 is 1 − 2^-23.
    let y = files.f64("y.npy", &[1, 2], &[1.0, 0.0]);
    let a64 = files.f64("a64.npy", &[1, 2], &[0.0, 1.0]);
    let a32 = f32_file(&files, "a32.npy", &[1, 2], &[0.0, 1.0]);
    let keras = |a: &str, convention: &str| {
        json(&[
            "binary",
            "--pred",
            a,
            "--labels",
            &y,
            "--convention",
            convention,
        ])
    };
    // The function computes in the input's precision.
    let (k64, k32) = (
        keras(&a64, "keras-functional"),
        keras(&a32, "keras-functional"),
    );
    assert_eq!(
        matches_printed(num(&k64["value"]), "16.1180957"),
        Some(true)
    );
    assert_eq!(
        matches_printed(num(&k32["value"]), "16.0302404"),
        Some(true)
    );
    assert_eq!(
        k32["convention"]["changes"],
        serde_json::json!(["clip at 1e-7 (float32) changed 2 entries, first [0, 0]"])
    );
    // The Loss object casts to float32 first: float32 either way.
    for a in [&a64, &a32] {
        let k = keras(a, "keras");
        assert_eq!(matches_printed(num(&k["value"]), "16.0302404"), Some(true));
        assert_eq!(k["convention"]["changes"], k32["convention"]["changes"]);
    }
    // scikit-learn: eps is the dtype's machine epsilon; [0, 0.5] against [1, 0].
    let y = files.f64("y1.npy", &[1, 2], &[1.0, 0.0]);
    let a64 = files.f64("b64.npy", &[1, 2], &[0.0, 0.5]);
    let a32 = f32_file(&files, "b32.npy", &[1, 2], &[0.0, 0.5]);
    let sklearn = |a: &str| {
        json(&[
            "binary",
            "--pred",
            a,
            "--labels",
            &y,
            "--convention",
            "sklearn",
        ])
    };
    // (52 + 1) ln 2 / 2 and (23 + 1) ln 2 / 2.
    assert_eq!(
        matches_printed(num(&sklearn(&a64)["value"]), "18.3684003"),
        Some(true)
    );
    assert_eq!(
        matches_printed(num(&sklearn(&a32)["value"]), "8.3177662"),
        Some(true)
    );
}

#[test]
fn pytorch_makes_a_confident_wrong_prediction_cost_exactly_100() {
    let files = Files::new();
    let a = files.f64("a.npy", &[1, 2], &[0.0, 0.5]);
    let y = files.f64("y.npy", &[1, 2], &[1.0, 0.0]);
    let exact = json(&["binary", "--pred", &a, "--labels", &y]);
    assert_eq!(exact["value"], "inf");
    let one = files.f64("one.npy", &[1, 1], &[0.0]);
    let yes = files.f64("yes.npy", &[1, 1], &[1.0]);
    let torch = json(&[
        "binary",
        "--pred",
        &one,
        "--labels",
        &yes,
        "--convention",
        "pytorch",
        "--compare",
    ]);
    assert_eq!(num(&torch["value"]), 100.0);
    for name in names() {
        assert_eq!(num(&torch["formulations"][name]), 100.0, "{name}");
    }
    assert_eq!(
        torch["convention"]["changes"],
        serde_json::json!(["log clamped at -100 at entry [0, 0]"])
    );
}

#[test]
fn elementwise_means_divide_by_outputs_times_samples() {
    let files = Files::new();
    let a = files.f64("A2.npy", &[2, 5], &A2);
    let y = files.f64("Y2.npy", &[2, 5], &Y2);
    let exact = json(&["binary", "--pred", &a, "--labels", &y, "--layout", "cols"]);
    for name in ["pytorch", "keras-functional"] {
        let j = json(&[
            "binary",
            "--pred",
            &a,
            "--labels",
            &y,
            "--convention",
            name,
            "--layout",
            "cols",
        ]);
        assert_eq!(j["convention"]["divisor"], 10);
        assert_eq!(
            j["convention"]["changes"],
            serde_json::json!(["mean over 10 elements, not 5 samples"])
        );
        assert!(exact.get("convention").is_none());
        // Nothing clipped or clamped: −S/10 is (−S/5)/2 exactly, division by 2 being exact.
        if name == "keras-functional" {
            assert_eq!(num(&j["value"]), num(&exact["value"]) / 2.0);
        }
    }
    // Categorical: a mean over samples in every library.
    let q = files.f64("Q3.npy", &[3, 4], &Q3);
    let p = files.f64("P3.npy", &[3, 4], &P3);
    let j = json(&[
        "categorical",
        "--pred",
        &q,
        "--target",
        &p,
        "--convention",
        "all",
        "--layout",
        "cols",
    ]);
    for name in ["exact", "pytorch", "keras", "keras-functional", "scipy"] {
        assert_eq!(j["conventions"][name]["divisor"], 4, "{name}");
    }
    // log_loss's targets are classes: the soft column 3 is refused, quoting it.
    let e = j["conventions"]["sklearn"]["error"]
        .as_str()
        .unwrap_or_default();
    assert!(e.contains("Multioutput target data"), "{e}");
}

#[test]
fn keras_rescales_a_column_the_definition_rejects() {
    let files = Files::new();
    let q = files.csv("q.csv", "0.2\n0.4\n0.6\n");
    let c = files.csv("c.csv", "1\n");
    // The sample is named as the input error names it: the file's column 1.
    fails(
        &["categorical", "--pred", &q, "--classes", &c],
        &["--pred", "column 1 sums to 1.2"],
    );
    for name in ["keras-functional", "scipy"] {
        let j = json(&[
            "categorical",
            "--pred",
            &q,
            "--classes",
            &c,
            "--convention",
            name,
        ]);
        // −ln(0.4 / 1.2) = ln 3.
        assert_eq!(matches_printed(num(&j["value"]), "1.0986123"), Some(true));
        assert_eq!(
            j["convention"]["changes"],
            serde_json::json!([
                "predictions rescaled by each sample's sum (column 1 sums to 1.2000000000000002)"
            ])
        );
    }
}

#[test]
fn sklearn_warns_on_stderr_and_does_not_rescale() {
    let files = Files::new();
    let q = files.csv("q.csv", "0.2\n0.4\n0.6\n");
    let c = files.csv("c.csv", "1\n");
    let out = xent(&[
        "categorical",
        "--pred",
        &q,
        "--classes",
        &c,
        "--convention",
        "sklearn",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("warning: sklearn: column 1 of pred sums to 1.2"),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("warnings"), "{stdout}");
    // −ln 0.4, not −ln(0.4 / 1.2).
    let first = stdout.lines().next().unwrap_or_default();
    assert!(first.starts_with("loss"), "{first}");
    let value: f64 = first
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(f64::NAN);
    assert_eq!(matches_printed(value, "0.9162907"), Some(true), "{value}");
}

#[test]
fn label_smoothing_only_where_a_convention_defines_it() {
    let files = Files::new();
    let (a, y) = binary_example(&files);
    for name in ["exact", "sklearn", "scipy", "pytorch"] {
        fails(
            &[
                "binary",
                "--pred",
                &a,
                "--labels",
                &y,
                "--convention",
                name,
                "--label-smoothing",
                "0.1",
            ],
            &[name, "defines no label smoothing for binary"],
        );
    }
    fails(
        &[
            "binary",
            "--pred",
            &a,
            "--labels",
            &y,
            "--convention",
            "keras",
            "--label-smoothing",
            "1.5",
        ],
        &["label smoothing 1.5 is not a number in [0, 1]"],
    );
    // A negative factor is a value, refused by the range, not an unknown argument.
    for convention in ["keras", "all", "exact"] {
        fails(
            &[
                "binary",
                "--pred",
                &a,
                "--labels",
                &y,
                "--convention",
                convention,
                "--label-smoothing",
                "-0.1",
            ],
            &["label smoothing -0.1 is not a number in [0, 1]"],
        );
    }
    let j = json(&[
        "binary",
        "--pred",
        &a,
        "--labels",
        &y,
        "--convention",
        "keras-functional",
        "--label-smoothing",
        "0.1",
    ]);
    assert_eq!(
        j["convention"]["changes"],
        serde_json::json!(["label smoothing 0.1 moves every label toward 0.5"])
    );
    // An unknown convention is clap's usage error, with the choices.
    let out = xent(&[
        "binary",
        "--pred",
        &a,
        "--labels",
        &y,
        "--convention",
        "torch",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("pytorch"));
}

// ---------------------------------------------------------------------------------------
// Files that are not what they claim, or that change while they are read

#[test]
fn dev_zero_is_rejected_at_once_in_bounded_memory() {
    let files = Files::new();
    let (a, y) = binary_example(&files);
    for name in ["zero.npy", "zero.csv"] {
        let link = files.path(name);
        std::os::unix::fs::symlink("/dev/zero", &link).expect("a symlink to /dev/zero");
        // /dev/zero never ends: a reader that trusted it would grow until the memory ran
        // out. The timeout turns that into a failure of this test rather than of the machine.
        let out = assert_cmd::Command::new(env!("CARGO_BIN_EXE_xent"))
            .args(["binary", "--pred", &link, "--labels", &y])
            .timeout(std::time::Duration::from_secs(20))
            .output()
            .expect("run xent");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains(name), "{stderr}");
        assert!(out.stdout.is_empty());
        // As labels too, behind a valid --pred.
        let out = assert_cmd::Command::new(env!("CARGO_BIN_EXE_xent"))
            .args(["binary", "--pred", &a, "--labels", &link])
            .timeout(std::time::Duration::from_secs(20))
            .output()
            .expect("run xent");
        assert_eq!(out.status.code(), Some(2), "{name}");
    }
}

#[test]
fn a_header_promising_more_than_the_file_holds_is_an_error() {
    let files = Files::new();
    let (_, y) = binary_example(&files);
    // Shape (1, 8) announced, 3 entries present: what a file cut short by a crash looks like.
    let short = files.bytes(
        "short.npy",
        &npy_bytes("<f8", false, &[1, 8], &le_f64(&[0.5, 0.5, 0.5])),
    );
    fails(
        &["binary", "--pred", &short, "--labels", &y],
        &["--pred", "short.npy", "64", "24"],
    );
}

#[test]
fn a_file_that_shrinks_while_it_is_read_is_an_error_not_a_signal() {
    // A large pair, streamed in blocks; the predictions are cut to half their size while
    // the command runs. Whenever the cut lands (before the header is read, during the
    // blocks, or after the last one), the command must end with a result (0) or an error
    // naming the file (2): never killed by a signal (a memory map would die of SIGBUS).
    let files = Files::new();
    let m = 4_000_000;
    let a: Vec<f64> = (0..m)
        .map(|i| 0.25 + 0.5 * ((i % 97) as f64 / 97.0))
        .collect();
    let y: Vec<f64> = (0..m).map(|i| (i % 2) as f64).collect();
    let y = files.f64("Y.npy", &[1, m], &y);
    let mut saw_error = false;
    for delay_ms in [0u64, 1, 3, 10, 30] {
        let path = files.f64("A.npy", &[1, m], &a);
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_xent"))
            .args(["binary", "--pred", &path, "--labels", &y])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run xent");
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .expect("open the predictions for writing");
        file.set_len(8 * m as u64 / 2).expect("truncate");
        let out = child.wait_with_output().expect("wait for xent");
        let stderr = String::from_utf8_lossy(&out.stderr);
        match out.status.code() {
            Some(0) => {}
            Some(2) => {
                saw_error = true;
                assert!(stderr.contains("A.npy"), "{stderr}");
                assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
            }
            other => panic!(
                "delay {delay_ms} ms: status {other:?} ({:?}): {stderr}",
                out.status
            ),
        }
    }
    // With no delay the cut precedes the read of the header, which then meets a file
    // shorter than it announces: at least that run is an error.
    assert!(saw_error);
}

#[test]
fn scipy_and_keras_rescale_counts_and_scores_and_still_refuse_negatives() {
    let files = Files::new();
    // scipy.stats.entropy([1, 1]) + entropy([1, 1], [2, 2]) = ln 2: both normalised.
    let q = files.csv("q.csv", "2,2\n");
    let p = files.csv("p.csv", "1,1\n");
    let j = json(&[
        "categorical",
        "--pred",
        &q,
        "--target",
        &p,
        "--convention",
        "scipy",
    ]);
    assert_eq!(matches_printed(num(&j["value"]), "0.6931472"), Some(true));
    // Keras's q = [[2, 2]] against class 0: 0.693, the Loss object and the function.
    let c = files.csv("c.csv", "0\n");
    for name in ["keras", "keras-functional"] {
        let j = json(&[
            "categorical",
            "--pred",
            &q,
            "--classes",
            &c,
            "--convention",
            name,
        ]);
        assert_eq!(
            matches_printed(num(&j["value"]), "0.6931472"),
            Some(true),
            "{name}"
        );
    }
    // The definition still refuses them, and every convention refuses a negative entry
    // with the definition's message, in the user's file and coordinates.
    fails(
        &["categorical", "--pred", &q, "--classes", &c],
        &["--pred", "2 is not a probability in [0, 1]"],
    );
    let negative = files.csv("n.csv", "2,-1\n");
    for name in ["scipy", "keras", "keras-functional"] {
        fails(
            &[
                "categorical",
                "--pred",
                &negative,
                "--classes",
                &c,
                "--convention",
                name,
            ],
            &[
                "--pred",
                "line 1, column 2",
                "-1 is not a probability in [0, 1]",
            ],
        );
    }
}

#[test]
fn sklearn_labels_are_any_two_classes_by_sorted_order_never_soft() {
    let files = Files::new();
    let a = files.f64("a.npy", &[1, 3], &[0.9, 0.2, 0.6]);
    let sklearn = |labels: &str| {
        json(&[
            "binary",
            "--pred",
            &a,
            "--labels",
            labels,
            "--convention",
            "sklearn",
        ])
    };
    let plain = sklearn(&files.f64("y.npy", &[1, 3], &[1.0, 0.0, 1.0]));
    for (name, labels, mapped) in [
        (
            "pm.npy",
            [1.0, -1.0, 1.0],
            "labels -1 and 1 mapped to 0 and 1",
        ),
        (
            "25.npy",
            [5.0, 2.0, 5.0],
            "labels 2 and 5 mapped to 0 and 1",
        ),
    ] {
        let j = sklearn(&files.f64(name, &[1, 3], &labels));
        assert_eq!(j["value"], plain["value"], "{labels:?}");
        let changes = j["convention"]["changes"].to_string();
        assert!(changes.contains(mapped), "{changes}");
    }
    // Soft labels: log_loss's refusal, at the entry in the user's layout.
    let soft = files.f64("soft.npy", &[3, 1], &[1.0, 0.3, 1.0]);
    fails(
        &[
            "binary",
            "--pred",
            &files.f64("a31.npy", &[3, 1], &[0.9, 0.2, 0.6]),
            "--labels",
            &soft,
            "--convention",
            "sklearn",
            "--layout",
            "rows",
        ],
        &[
            "--labels",
            "soft.npy: index [1, 0] (row 1, column 0): 0.3",
            "Unknown label type",
        ],
    );
    // One label only: 0 or 1 is computed as with labels=[0, 1], log_loss's refusal on
    // stderr; any other value is refused.
    let ones = files.f64("ones.npy", &[1, 3], &[1.0, 1.0, 1.0]);
    let out = xent(&[
        "binary",
        "--pred",
        &a,
        "--labels",
        &ones,
        "--convention",
        "sklearn",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("y_true contains only one label (1)"),
        "{stderr}"
    );
    fails(
        &[
            "binary",
            "--pred",
            &a,
            "--labels",
            &files.f64("fives.npy", &[1, 3], &[5.0, 5.0, 5.0]),
            "--convention",
            "sklearn",
        ],
        &[
            "--labels",
            "fives.npy",
            "y_true contains only one label (5)",
        ],
    );
}

#[test]
fn keras_loss_object_casts_to_float32_and_the_function_does_not() {
    let files = Files::new();
    let a = files.f64("a.npy", &[1, 1], &[0.999_999_91]);
    let y = files.f64("y.npy", &[1, 1], &[0.0]);
    let run = |name: &str| json(&["binary", "--pred", &a, "--labels", &y, "--convention", name]);
    // keras.losses.BinaryCrossentropy()(y, p): 15.9424; binary_crossentropy(y, p): 16.1181.
    let object = run("keras");
    let function = run("keras-functional");
    assert_eq!(
        matches_printed(num(&object["value"]), "15.9424"),
        Some(true)
    );
    assert_eq!(
        matches_printed(num(&function["value"]), "16.1181"),
        Some(true)
    );
    assert_eq!(object["convention"]["name"], "keras");
    let changes = object["convention"]["changes"].to_string();
    assert!(
        changes.contains("keras.losses.BinaryCrossentropy() casts its inputs"),
        "{changes}"
    );
    // The text output names the Loss object or the function on its convention line.
    for (name, needle) in [
        (
            "keras",
            "keras.losses.BinaryCrossentropy() (the Loss object",
        ),
        (
            "keras-functional",
            "keras.losses.binary_crossentropy (the function",
        ),
    ] {
        let out = xent(&["binary", "--pred", &a, "--labels", &y, "--convention", name]);
        let text = String::from_utf8_lossy(&out.stdout);
        let line = text
            .lines()
            .find(|l| l.starts_with("convention"))
            .unwrap_or_default();
        assert!(line.contains(needle), "{name}: {line}");
    }
    // --convention all has both (and scikit-learn's warning about one label on stderr).
    let out = xent(&[
        "binary",
        "--pred",
        &a,
        "--labels",
        &y,
        "--convention",
        "all",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let all: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(convention_value(&all, "keras"), num(&object["value"]));
    assert_eq!(
        convention_value(&all, "keras-functional"),
        num(&function["value"])
    );
}

#[test]
fn a_sample_a_convention_cannot_rescale_is_named_in_the_users_file_and_layout() {
    let files = Files::new();
    // Two samples of three classes, one per row; sample 0 sums to 0.
    let q = files.f64("q.npy", &[2, 3], &[0.0, 0.0, 0.0, 0.2, 0.3, 0.5]);
    let qc = files.csv("q.csv", "0,0,0\n0.2,0.3,0.5\n");
    let c = files.csv("c.csv", "0\n1\n");
    for (pred, sample) in [(&q, "row 0 sums to 0"), (&qc, "line 1 sums to 0")] {
        for name in ["keras", "keras-functional", "scipy"] {
            let stderr = fails(
                &[
                    "categorical",
                    "--pred",
                    pred,
                    "--classes",
                    &c,
                    "--layout",
                    "rows",
                    "--convention",
                    name,
                ],
                &["--pred", sample, name, "each row is a sample"],
            );
            assert!(!stderr.contains("column"), "{stderr}");
        }
    }
}

#[test]
fn help_says_what_each_convention_does_with_unnormalised_input_logits_and_labels() {
    // The epilogue, once, on `xent --help` (the subcommands point at it).
    let out = xent(&["--help"]);
    let help = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "keras-functional",
        "cast to float32",
        "any finite non-negative",
        "-inf logit is probability 0",
        "mapped to 0 and 1 by",
        "soft labels refused",
    ] {
        assert!(help.contains(needle), "{needle}");
    }
}

#[test]
fn claims_inputs_that_are_malformed_or_missing_are_input_errors() {
    let files = Files::new();
    let head = "[[claim]]\nid = \"x\"\nexpr = \"-np.mean(Y*np.log(A) + (1-Y)*np.log(1-A))\"\n\
                expect = \"equal\"\n[claim.inputs]\n";
    let malformed = files.csv("bad.toml", &format!("{head}A = \"0.5\"\nY = [[1]]\n"));
    let stderr = fails(
        &["verify", "--claims", &malformed],
        &[
            "bad.toml",
            "input `A`",
            "`NAME = [[0.9, 0.2], …]`",
            "`NAME = { file = ",
        ],
    );
    assert!(!stderr.contains("untagged"), "{stderr}");
    let missing = files.csv(
        "missing.toml",
        &format!("{head}A = [[0.5]]\nY = {{ file = \"nowhere.csv\" }}\n"),
    );
    fails(
        &["verify", "--claims", &missing],
        &["missing.toml", "claim `x`", "input `Y`", "nowhere.csv"],
    );
}

// ---------------------------------------------------------------------------------------
// `xent check --classes`, `--from-logits`; standard input and `--header`

#[test]
fn check_takes_class_indices_and_logits() {
    let files = Files::new();
    // Two samples of three classes, one per row: (m, k) = (2, 3).
    let q = files.csv("Q.csv", "0.2,0.7,0.1\n0.5,0.25,0.25\n");
    let c = files.csv("c.csv", "1\n1\n");
    let args = |expr: &'static str| {
        vec![
            expr,
            "--kind",
            "categorical",
            "--pred",
            &q,
            "--classes",
            &c,
            "--layout",
            "rows",
        ]
    };
    // Rows are samples: Q[np.arange(m), y] picks each sample's class; Q[y, np.arange(m)]
    // picks other entries.
    // The definition on the documents' (k, m) reading of the same numbers, in-process.
    let qm = DMatrix::from_row_slice(3, 2, &[0.2, 0.5, 0.7, 0.25, 0.1, 0.25]);
    let pm = DMatrix::from_row_slice(3, 2, &[0.0, 0.0, 1.0, 1.0, 0.0, 0.0]);
    let problem = CategoricalProblem::new(&qm, &pm).expect("a valid problem");
    let (_, loss) = best(problem);
    let bound = ErrorBound::categorical(&problem);
    let (status, report) = check_json(&args("-np.sum(np.log(Q[np.arange(m), y]))/m"));
    assert_eq!(status, Some(0), "{report}");
    assert_eq!(report["verdict"], Value::String("equal".into()));
    assert!(bound.admits(num(&report["reference"]), loss), "{report}");
    let (status, report) = check_json(&args("-np.sum(np.log(Q[y, np.arange(m)]))/m"));
    assert_eq!(status, Some(1), "{report}");
    assert_eq!(report["verdict"], Value::String("differs".into()));
    // P is the one-hot targets, in the predictions' layout.
    let (status, report) = check_json(&args("-np.sum(P*np.log(Q))/m"));
    assert_eq!(status, Some(0), "{report}");
    // Class indices are categorical; a bad index names the file and its line.
    fails(
        &["check", "A", "--pred", &q, "--classes", &c],
        &["--classes", "--kind categorical"],
    );
    let bad = files.csv("bad.csv", "1\n3\n");
    fails(
        &[
            "check",
            "Q",
            "--kind",
            "categorical",
            "--pred",
            &q,
            "--classes",
            &bad,
            "--layout",
            "rows",
        ],
        &["--classes", "line 2", "3"],
    );

    // From logits: the expression reads Z, the reference is the loss from logits.
    let z = files.csv("Z.csv", "2,-1\n0.5,3\n");
    let y = files.csv("Y.csv", "1,0\n0,1\n");
    let sigmoid = "-np.sum(Y*np.log(1/(1+np.exp(-Z))) + (1-Y)*np.log(1-1/(1+np.exp(-Z))))/m";
    let (status, report) = check_json(&[sigmoid, "--pred", &z, "--labels", &y, "--from-logits"]);
    assert_eq!(status, Some(0), "{report}");
    let zm = DMatrix::from_row_slice(2, 2, &[2.0, -1.0, 0.5, 3.0]);
    let ym = DMatrix::from_row_slice(2, 2, &[1.0, 0.0, 0.0, 1.0]);
    let problem = BinaryProblem::from_logits(&zm, &ym).expect("a valid problem");
    let (_, loss) = best(problem);
    let bound = ErrorBound::binary(&problem);
    assert!(bound.admits(num(&report["reference"]), loss), "{report}");
    // Without --from-logits, Z is refused as a name of logits.
    let out = xent(&["check", sigmoid, "--pred", &z, "--labels", &y]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--from-logits"));
}

/// Runs xent with `stdin` on standard input.
fn xent_stdin(args: &[&str], stdin: &[u8]) -> Output {
    assert_cmd::Command::new(env!("CARGO_BIN_EXE_xent"))
        .args(args)
        .env_remove("RUST_LOG")
        .write_stdin(stdin.to_vec())
        .output()
        .expect("run xent")
}

/// [`json`] with `stdin` on standard input.
fn json_stdin(args: &[&str], stdin: &[u8]) -> Value {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let out = xent_stdin(&all, stdin);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{all:?}: {stderr}");
    serde_json::from_slice(&out.stdout).expect("stdout is one JSON object")
}

#[test]
fn a_dash_reads_standard_input_npy_or_csv() {
    let files = Files::new();
    let (a, y) = binary_example(&files);
    let on_files = result(&["binary", "--pred", &a, "--labels", &y]);
    let npy = npy_bytes("<f8", false, &[1, 8], &le_f64(&published::BINARY_A));
    let csv = "0.8,0.2,0.95,0.92,0.01,0.93,0.1,0.02\n";
    let strip = |mut j: Value| {
        if let Some(o) = j.as_object_mut() {
            o.remove("inputs");
            o.remove("dtypes");
        }
        j
    };
    // A .npy stream by its magic bytes, CSV otherwise; the in-memory path, the same value.
    for stdin in [&npy[..], csv.as_bytes()] {
        let j = json_stdin(&["binary", "--pred", "-", "--labels", &y], stdin);
        assert_eq!(strip(j), on_files);
    }
    // --stdin-format forces it: CSV text read as .npy is an error of standard input.
    let j = json_stdin(
        &[
            "binary",
            "--pred",
            "-",
            "--labels",
            &y,
            "--stdin-format",
            "csv",
        ],
        csv.as_bytes(),
    );
    assert_eq!(strip(j), on_files);
    let out = xent_stdin(
        &[
            "binary",
            "--pred",
            "-",
            "--labels",
            &y,
            "--stdin-format",
            "npy",
        ],
        csv.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: --pred"));
    // Standard input for two files is refused.
    let out = xent_stdin(&["binary", "--pred", "-", "--labels", "-"], csv.as_bytes());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("standard input (-) can be read once"));

    // categorical: the targets on standard input.
    let q = files.f64("Q.npy", &[3, 4], &Q3);
    let p = files.f64("P.npy", &[3, 4], &P3);
    let on_files = result(&[
        "categorical",
        "--pred",
        &q,
        "--target",
        &p,
        "--layout",
        "cols",
    ]);
    let p_npy = npy_bytes("<f8", false, &[3, 4], &le_f64(&P3));
    let j = json_stdin(
        &[
            "categorical",
            "--pred",
            &q,
            "--target",
            "-",
            "--layout",
            "cols",
        ],
        &p_npy,
    );
    assert_eq!(strip(j), on_files);

    // check: the predictions on standard input.
    let expr = "-np.sum(Y*np.log(A) + (1-Y)*np.log(1-A))/m";
    let j = json_stdin(
        &["check", expr, "--pred", "-", "--labels", &y],
        csv.as_bytes(),
    );
    assert_eq!(j["verdict"], Value::String("equal".into()), "{j}");
    assert_eq!(
        matches_printed(num(&j["value"]), published::BINARY_COST),
        Some(true)
    );
}

#[test]
fn header_skips_the_first_line_of_every_csv() {
    let files = Files::new();
    let (a, y) = binary_example(&files);
    let on_files = result(&["binary", "--pred", &a, "--labels", &y]);
    let ha = files.csv(
        "A.csv",
        "a1,a2,a3,a4,a5,a6,a7,a8\n0.8,0.2,0.95,0.92,0.01,0.93,0.1,0.02\n",
    );
    let hy = files.csv("Y.csv", "y1,y2,y3,y4,y5,y6,y7,y8\n1,0,1,1,0,1,0,0\n");
    assert_eq!(
        result(&["binary", "--pred", &ha, "--labels", &hy, "--header"]),
        on_files
    );
    // Without --header the header is a token that is not a number.
    fails(
        &["binary", "--pred", &ha, "--labels", &hy],
        &["--pred", "line 1"],
    );
    // On standard input too, and in check.
    let hy_text = "y1,y2,y3,y4,y5,y6,y7,y8\n1,0,1,1,0,1,0,0\n";
    let j = json_stdin(
        &[
            "check",
            "-np.sum(Y*np.log(A) + (1-Y)*np.log(1-A))/m",
            "--pred",
            &ha,
            "--labels",
            "-",
            "--header",
        ],
        hy_text.as_bytes(),
    );
    assert_eq!(j["verdict"], Value::String("equal".into()), "{j}");
}

#[test]
fn a_perfect_prediction_costs_zero_not_minus_zero() {
    // Every term is 0·ln 0 or 1·ln 1: the sum is −0.0 in IEEE arithmetic, the loss 0.
    let files = Files::new();
    let a = files.f64("A.npy", &[4], &[1.0, 0.0, 1.0, 0.0]);
    let y = files.f64("Y.npy", &[4], &[1.0, 0.0, 1.0, 0.0]);
    let j = json(&["binary", "--pred", &a, "--labels", &y, "--compare"]);
    let raw = serde_json::to_string(&j).unwrap_or_default();
    assert!(!raw.contains("-0"), "{raw}");
    assert_eq!(num(&j["value"]).to_bits(), 0.0f64.to_bits());
    let out = xent(&["binary", "--pred", &a, "--labels", &y]);
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text.lines().next().unwrap_or_default();
    assert_eq!(
        first.split_whitespace().collect::<Vec<_>>(),
        ["loss", "0", "nats"],
        "{text}"
    );
}

#[test]
fn a_class_index_too_large_to_be_one_is_reported_as_read() {
    let files = Files::new();
    let q = files.f64("Q.npy", &[3, 2], &[0.2, 0.5, 0.3, 0.4, 0.5, 0.3]);
    let c = files.csv("c.csv", "1e300\n0\n");
    fails(
        &[
            "categorical",
            "--pred",
            &q,
            "--classes",
            &c,
            "--layout",
            "cols",
        ],
        &[
            "c.csv",
            "line 1, column 1",
            "1e300 is not a class index",
            "numbered 0 to 2",
        ],
    );
}

// ---------------------------------------------------------------------------------------
// Completions and the man page

#[test]
fn completions_name_every_subcommand() {
    let out = xent(&["completions", "bash"]);
    assert_eq!(out.status.code(), Some(0));
    let script = String::from_utf8_lossy(&out.stdout);
    assert!(script.contains("_xent()"), "{script}");
    for sub in [
        "binary",
        "categorical",
        "verify",
        "check",
        "completions",
        "man",
    ] {
        assert!(script.contains(sub), "the bash script lacks {sub}");
    }
    assert!(script.contains("--from-logits") && script.contains("--stdin-format"));
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let out = xent(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("categorical"),
            "{shell}"
        );
    }
    let out = xent(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_man_page_is_roff_from_the_clap_definition() {
    let out = xent(&["man"]);
    assert_eq!(out.status.code(), Some(0));
    let page = String::from_utf8_lossy(&out.stdout);
    assert!(
        page.starts_with(".ie \\n(.g .ds Aq \\(aq"),
        "{}",
        &page[..page.len().min(200)]
    );
    assert!(page.contains(".TH xent 1"), "{page}");
    assert!(
        page.contains(".SH NAME") && page.contains(".SH SUBCOMMANDS"),
        "{page}"
    );
    assert!(page.contains("xent\\-binary(1)"), "{page}");
    assert!(
        page.contains(".SH EXTRA") && page.contains("Exit status"),
        "{page}"
    );
}

#[test]
fn verify_only_checks_the_users_claims_alone() {
    let files = Files::new();
    files.csv("A.csv", "0.8,0.2,0.95,0.92,0.01,0.93,0.1,0.02\n");
    files.csv("Y.csv", "1,0,1,1,0,1,0,0\n");
    let claims = files.csv("claims.toml", CLAIMS);
    let out = xent(&["verify", "--claims", &claims, "--only", "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The report's JSON, as the full audit's (its exit status says it passed).
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    // No audit: no catalogue, no sweep, only this file's claims (expression rows alone).
    assert!(
        report["claims"] == serde_json::json!([]) && report.get("sweep").is_none(),
        "{report}"
    );
    let expressions = report["expressions"].as_array().expect("expressions");
    assert_eq!(expressions.len(), 1);
    assert_eq!(expressions[0]["file"], Value::String(claims.clone()));
    let ids: Vec<&str> = expressions[0]["report"]["claims"]
        .as_array()
        .expect("claims")
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert_eq!(ids, ["dot-style-cost", "mean-from-files"]);
    let out = xent(&["verify", "--claims", &claims, "--only"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.starts_with("xent verify: "), "{text}");
    assert!(
        text.contains(&format!("\nExpressions: {claims}\n")),
        "{text}"
    );
    assert!(
        text.ends_with(
            "Result: 0 claims, 0 with the recorded verdict, 0 unexpected; expressions: 2 of 2 \
             claims hold: PASS\n"
        ),
        "{text}"
    );
    assert!(!text.contains("Sweep") && !text.contains("peer"), "{text}");

    // Exit status by those claims: a wrong expectation fails.
    let wrong = files.csv(
        "wrong.toml",
        &CLAIMS.replace(
            "expr = \"-np.mean(Y*np.log(A) + (1-Y)*np.log(1-A))\"\nexpect = \"equal\"",
            "expr = \"-np.mean(Y*np.log(A) + (1-Y)*np.log(1-A))\"\nexpect = \"differs\"",
        ),
    );
    let out = xent(&["verify", "--claims", &wrong, "--only"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("claim mean-from-files — FAILS"), "{text}");
    assert!(
        text.ends_with("expressions: 1 of 2 claims hold: FAIL\n"),
        "{text}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("a claim does not hold"));

    // An unknown expectation is an error of the file, when it is read.
    let unknown = files.csv(
        "unknown.toml",
        &CLAIMS
            .replace("expect = \"differs\"", "expect = \"equals\"")
            .replace(
                "expr = \"-np.mean(Y*np.log(A) + (1-Y)*np.log(1-A))\"\nexpect = \"equal\"",
                "expr = \"-np.mean(Y*np.log(A) + (1-Y)*np.log(1-A))\"\nexpect = \"equals\"",
            ),
    );
    for only in [true, false] {
        let mut args = vec!["verify", "--claims", &unknown];
        if only {
            args.push("--only");
        }
        fails(
            &args,
            &[
                "unknown.toml",
                "claim `mean-from-files`",
                "expect `equals` is not a verdict",
                "`equal only when n_y = 1`",
            ],
        );
    }
    // --only needs --claims.
    let out = xent(&["verify", "--only"]);
    assert_eq!(out.status.code(), Some(2));
}

// ---------------------------------------------------------------------------------------
// Help texts, tracing, units

/// `xent ARGS --help`'s standard output, with status 0.
fn help(args: &[&str]) -> String {
    let out = xent(args);
    assert_eq!(out.status.code(), Some(0), "{args:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_long_epilogue_is_on_xent_help_only() {
    let top = help(&["--help"]);
    for paragraph in [
        "Inputs: .npy (float64, float32",
        "Layout: with --layout cols each column of a 2-D array is a sample",
        "Evaluation: the fused path",
        "Errors name the file, the position and the rule",
        "Conventions: --convention NAME",
        "Exit status: 0 with a result",
    ] {
        assert_eq!(top.matches(paragraph).count(), 1, "{paragraph}: {top}");
    }
    // Every convention has its line, as the README says `xent --help` does.
    for c in xent_core::Convention::ALL {
        let line = format!("\n  {} ", c.name());
        assert!(top.contains(&line), "{} lacks its line: {top}", c.name());
    }
    for sub in ["binary", "categorical"] {
        let text = help(&[sub, "--help"]);
        assert!(
            !text.contains("Exit status: 0 with a result"),
            "{sub}: {text}"
        );
        assert!(
            !text.contains("Conventions: --convention NAME"),
            "{sub}: {text}"
        );
        assert!(
            text.trim_end()
                .ends_with("conventions and exit status: see `xent --help`."),
            "{sub}: {text}"
        );
    }
}

#[test]
fn binary_help_lists_every_flag_and_what_layout_and_format_do() {
    let text = help(&["binary", "--help"]);
    for flag in [
        "--pred <FILE>",
        "--labels <FILE>",
        "--from-logits",
        "--layout <auto|cols|rows>",
        "--base <e|2|10|B>",
        "--formulation <FORMULATION>",
        "--compare",
        "--format <text|json>",
        "--convention <NAME>",
        "--label-smoothing <EPS>",
        "--header",
        "--stdin-format <npy|csv>",
    ] {
        assert!(text.contains(flag), "binary --help lacks {flag}: {text}");
    }
    for promise in [
        "auto: the only sensible reading, refusing ambiguous 2-D arrays",
        "cols: each column is a sample",
        "rows: each row is a sample",
        "text: an aligned table, the loss and its unit",
        "json: one object with the same fields",
        "e (nats), 2 (bits), 10 (bans)",
        "(a FILE given as -)",
    ] {
        assert!(
            text.contains(promise),
            "binary --help lacks {promise:?}: {text}"
        );
    }
}

#[test]
fn every_flag_the_readme_names_is_in_a_help_text() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"))
        .expect("the README");
    let start = readme
        .find("## The xent command")
        .expect("the command section");
    let end = readme[start..]
        .find("\n## ")
        .map_or(readme.len(), |e| start + e);
    // Cargo's own flags (`cargo install --locked --path …`) are not xent's.
    let section: String = readme[start..end]
        .lines()
        .filter(|l| !l.contains("cargo "))
        .map(|l| format!("{l}\n"))
        .collect();
    let section = section.as_str();
    let helps: String = [
        vec!["--help"],
        vec!["binary", "--help"],
        vec!["categorical", "--help"],
        vec!["verify", "--help"],
        vec!["check", "--help"],
        vec!["completions", "--help"],
    ]
    .iter()
    .map(|a| help(a))
    .collect();
    let mut flags: Vec<&str> = section
        .match_indices("--")
        .filter_map(|(i, _)| {
            let rest = &section[i + 2..];
            let n = rest
                .find(|c: char| !(c.is_ascii_lowercase() || c == '-'))
                .unwrap_or(rest.len());
            (n > 1).then(|| &section[i..i + 2 + n])
        })
        .collect();
    flags.sort_unstable();
    flags.dedup();
    assert!(flags.len() > 15, "{flags:?}");
    for flag in flags {
        let flag = flag.trim_end_matches('-');
        assert!(
            helps.contains(flag),
            "the README names {flag}, no --help does"
        );
    }
}

#[test]
fn tracing_on_a_pipe_has_no_colour_codes() {
    let files = Files::new();
    let (a, y) = binary_example(&files);
    let out = assert_cmd::Command::new(env!("CARGO_BIN_EXE_xent"))
        .args(["binary", "--pred", &a, "--labels", &y, "--compare"])
        .env("RUST_LOG", "info")
        // tracing-subscriber would drop colours under NO_COLOR whatever the terminal.
        .env_remove("NO_COLOR")
        .output()
        .expect("run xent");
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("INFO"), "no tracing: {stderr}");
    assert!(stderr.contains("read"), "{stderr}");
    assert!(
        !stderr.contains('\u{1b}'),
        "ANSI codes on a pipe: {stderr:?}"
    );
}

/// An `.npz` archive of `.npy` members as `np.savez_compressed` writes it (deflated, zip64
/// headers).
fn npz(files: &Files, name: &str, members: &[(&str, Vec<u8>)]) -> String {
    use zip::write::SimpleFileOptions;
    let path = files.path(name);
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).expect("a test file"));
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    for (member, bytes) in members {
        zip.start_file(format!("{member}.npy"), options)
            .expect("zip");
        std::io::Write::write_all(&mut zip, bytes).expect("zip");
    }
    zip.finish().expect("zip");
    path
}

#[test]
fn npz_members_are_read_by_every_file_option() {
    let files = Files::new();
    let (a, y) = binary_example(&files);
    let bytes = |p: &str| std::fs::read(p).expect("a test file");
    let run = npz(&files, "run.npz", &[("A", bytes(&a)), ("Y", bytes(&y))]);
    let member = |m: &str| format!("{run}:{m}");
    // binary: --pred and --labels, by name or by the member's file name.
    let on_files = result(&["binary", "--pred", &a, "--labels", &y]);
    for (pred, labels) in [(member("A"), member("Y")), (member("A.npy"), y.clone())] {
        let on_npz = result(&["binary", "--pred", &pred, "--labels", &labels]);
        assert_eq!(on_npz, on_files, "{pred} {labels}");
    }
    // An archive of one array needs no name.
    let only = npz(&files, "only.npz", &[("arr_0", bytes(&a))]);
    assert_eq!(
        result(&["binary", "--pred", &only, "--labels", &y]),
        on_files
    );
    // categorical: --target and --classes.
    let e = &published::CATEGORICAL[0];
    let q = files.f64("q.npy", &[3], &e.prediction);
    let p = files.f64("p.npy", &[3], &e.target);
    let c = files.bytes("c.npy", &npy_bytes("<i8", false, &[1], &1i64.to_le_bytes()));
    let cat = npz(
        &files,
        "cat.npz",
        &[("q", bytes(&q)), ("p", bytes(&p)), ("c", bytes(&c))],
    );
    let at = |m: &str| format!("{cat}:{m}");
    let by_target = result(&["categorical", "--pred", &q, "--target", &p]);
    assert_eq!(
        result(&["categorical", "--pred", &at("q"), "--target", &at("p")]),
        by_target
    );
    assert_eq!(
        result(&["categorical", "--pred", &at("q"), "--classes", &at("c")]),
        result(&["categorical", "--pred", &q, "--classes", &c])
    );
    // check's arrays.
    let expr = "-np.sum(Y*np.log(A) + (1-Y)*np.log(1-A))/m";
    let (status, on_npz) = check_json(&[expr, "--pred", &member("A"), "--labels", &member("Y")]);
    assert_eq!(status, Some(0), "{on_npz}");
    assert_eq!(on_npz, check_json(&[expr, "--pred", &a, "--labels", &y]).1);
    // Errors name the archive and the member, and list the members.
    fails(
        &["binary", "--pred", &run, "--labels", &y],
        &[&format!(
            "--pred {run}: holds 2 arrays: A, Y: name the array to read as {run}:NAME"
        )],
    );
    fails(
        &["binary", "--pred", &member("A"), "--labels", &member("y")],
        &[&format!(
            "--labels {run}: no array \"y\" in the archive: it holds 2 arrays: A, Y"
        )],
    );
    // An entry's error is in the member, at numpy's index.
    let bad = files.f64("bad.npy", &[1, 2], &[0.5, 1.5]);
    let bad_npz = npz(&files, "bad.npz", &[("A", bytes(&bad))]);
    let two = files.f64("two.npy", &[1, 2], &[1.0, 0.0]);
    fails(
        &[
            "binary",
            "--pred",
            &format!("{bad_npz}:A"),
            "--labels",
            &two,
        ],
        &[&format!(
            "--pred {bad_npz}:A: index [0, 1] (row 0, column 1): 1.5 is not a probability"
        )],
    );
}

/// The weighted problem the command reads, computed in process with the same weights.
#[test]
fn weights_masks_and_reductions_give_the_in_process_values() {
    let files = Files::new();
    let (a, y) = binary_example(&files);
    let w = [2.0, 1.0, 1.0, 0.5, 1.0, 3.0, 0.0, 1.0];
    let mask = [1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0];
    let wf = files.f64("w.npy", &[8], &w);
    let mf = files.f64("m.npy", &[8], &mask);
    let weights = xent_core::Weights::default()
        .with_sample(xent_core::View::vector(&w).array())
        .with_mask(xent_core::View::vector(&mask).array());
    let av = xent_core::View::vector(&published::BINARY_A);
    let yv = xent_core::View::vector(&published::BINARY_Y);
    let problem = xent_core::BinaryProblem::new(av, yv)
        .and_then(|p| p.with_weights(&weights))
        .expect("valid");
    let (_, mean) = best(problem);
    let e = xent_registry::production().binary(&problem);
    let base = [
        "binary",
        "--pred",
        &a,
        "--labels",
        &y,
        "--sample-weights",
        &wf,
        "--mask",
        &mf,
    ];
    let with = |more: &[&str]| json(&[&base[..], more].concat());
    let mean_json = with(&[]);
    assert_eq!(num(&mean_json["value"]), mean);
    assert_eq!(mean_json["reduction"]["name"], "mean");
    let total: f64 = w.iter().zip(&mask).map(|(w, m)| w * m).sum();
    assert_eq!(num(&mean_json["reduction"]["weight"]), total);
    let sum_json = with(&["--reduction", "sum"]);
    assert_eq!(num(&sum_json["value"]), e.loss_over(1.0));
    // none: the per-sample losses written, their path in the JSON, the fused values.
    let out = files.path("l.npy");
    let none = with(&["--reduction", "none", "--per-sample", &out]);
    assert_eq!(none["reduction"]["per_sample"], out.as_str());
    let losses = xent_registry::production()
        .per_sample(&Problem::Binary(problem))
        .expect("fused gives them");
    let back = xent_io::read(&out).expect("a .npy file");
    let array = back.vector().expect("1-D");
    let read: Vec<f64> = (0..8).map(|j| array.get_f64(0, j)).collect();
    assert_eq!(read, losses);
    assert_eq!((read[2], read[6]), (0.0, 0.0), "masked and weight 0");
}

#[test]
fn weight_files_are_validated_like_inputs() {
    let files = Files::new();
    let (a, y) = binary_example(&files);
    let negative = files.csv("neg.csv", "1\n1\n1\n-2\n1\n1\n1\n1\n");
    let nan = files.f64(
        "nan.npy",
        &[8],
        &[1.0, 1.0, f64::NAN, 1.0, 1.0, 1.0, 1.0, 1.0],
    );
    let short = files.f64("short.npy", &[3], &[1.0, 1.0, 1.0]);
    let matrix = files.f64("m2.npy", &[2, 4], &[1.0; 8]);
    let zero = files.f64("zero.npy", &[8], &[0.0; 8]);
    // (the options, what the one line on stderr says)
    let cases: [(&[&str], &[&str]); 7] = [
        (
            &["--sample-weights", &negative],
            &["--sample-weights", "line 4, column 1: -2 is negative"],
        ),
        (
            &["--sample-weights", &nan],
            &["--sample-weights", "[2]", "NaN is not finite"],
        ),
        (
            &["--mask", &short],
            &["--mask", "3 entries: one per sample is required (8)"],
        ),
        (
            &["--sample-weights", &matrix],
            &["shape (2, 4): weights and masks must be a 1-D array"],
        ),
        (&["--sample-weights", &zero], &["every sample has weight 0"]),
        (
            &["--ignore-index", "3"],
            &["ignore_index does not apply to binary"],
        ),
        (&["--reduction", "none"], &["--per-sample FILE"]),
    ];
    for (options, needles) in cases {
        let args = [&["binary", "--pred", &a, "--labels", &y][..], options].concat();
        fails(&args, needles);
    }
}

/// `categorical --pred Q.npy --classes c.npy --layout cols`: Q3 (3 classes × 4 samples,
/// row-major) and the class indices of its 4 samples, as int64 (PyTorch's dtype).
fn q3_with_classes(files: &Files, classes: [i64; 4]) -> Vec<String> {
    let q = files.f64("Q.npy", &[3, 4], &Q3);
    let indices: Vec<u8> = classes.iter().flat_map(|v| v.to_le_bytes()).collect();
    let c = files.bytes("c.npy", &npy_bytes("<i8", false, &[4], &indices));
    [
        "categorical",
        "--pred",
        &q,
        "--classes",
        &c,
        "--layout",
        "cols",
    ]
    .map(String::from)
    .to_vec()
}

#[test]
fn an_ignored_index_leaves_its_samples_out_of_the_divisor() {
    let files = Files::new();
    // Classes with −100 on sample 2.
    let args = q3_with_classes(&files, [0, 1, -100, 2]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let j = json(&[&args[..], &["--ignore-index", "-100"]].concat());
    assert_eq!(num(&j["reduction"]["weight"]), 3.0);
    // Without the option, −100 is not a class index.
    fails(&args, &["--classes", "-100"]);
}

#[test]
fn a_mean_of_nothing_is_pytorchs_nan_keras_zero_and_exacts_refusal() {
    let files = Files::new();
    let args = q3_with_classes(&files, [-100; 4]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    // cross_entropy(…, ignore_index=-100) of nothing but -100 is 0 / 0.
    let torch = json(&[&args[..], &["--convention", "pytorch"]].concat());
    assert_eq!(torch["value"], "NaN", "{torch}");
    let why = torch["convention"]["changes"].to_string();
    assert!(why.contains("0 / 0 = nan"), "{why}");
    // SparseCategoricalCrossentropy(ignore_class=-100): divide_no_nan gives 0.
    let ignored = [&args[..], &["--ignore-index", "-100"]].concat();
    let keras = json(&[&ignored[..], &["--convention", "keras"]].concat());
    assert_eq!(num(&keras["value"]), 0.0);
    // The definition has no mean of nothing.
    fails(&ignored, &["every sample has weight 0"]);
}

#[test]
fn convention_all_gives_exacts_refusal_of_minus_100_as_its_reason_and_computes_the_others() {
    let files = Files::new();
    let args = q3_with_classes(&files, [0, 1, -100, 2]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let all = json(&[&args[..], &["--convention", "all"]].concat());
    let torch = json(&[&args[..], &["--convention", "pytorch"]].concat());
    let rows = &all["conventions"];
    let refusal = rows["exact"]["error"].as_str().expect("exact's reason");
    assert!(refusal.contains("-100"), "{refusal}");
    assert_eq!(num(&rows["pytorch"]["value"]), num(&torch["value"]));
    // The loss reported is PyTorch's, named as such.
    assert_eq!(num(&all["value"]), num(&torch["value"]));
    assert_eq!(all["convention"]["name"], "pytorch");
    // The libraries without an ignored index refuse it too, each with its reason.
    for name in ["keras", "sklearn", "scipy"] {
        assert!(rows[name]["error"].is_string(), "{name}: {}", rows[name]);
    }
}

// ---------------------------------------------------------------------------------------
// --sum exact

/// The exact partial aggregate of `problem`, in process.
fn exact_partial<'a>(problem: impl Into<Problem<'a>>) -> xent_fused::exact::Partial {
    let mut p = xent_fused::exact::Partial::new();
    p.add(&problem.into());
    p
}

#[test]
fn sum_exact_gives_the_correctly_rounded_loss_and_how_far_the_compensated_one_is() {
    let files = Files::new();
    let (a, y) = binary_example(&files);
    let problem = published::binary_example().expect("the published example");
    let want = exact_partial(problem).loss().expect("8 samples");
    let j = json(&["binary", "--pred", &a, "--labels", &y, "--sum", "exact"]);
    assert_eq!(num(&j["value"]).to_bits(), want.to_bits());
    assert_eq!(j["value_from"], "fused-exact");
    let (_, compensated) = best(problem);
    assert_eq!(num(&j["sum"]["compensated"]), compensated);
    let ulps = xent_core::ulp::ulp_distance(compensated, want);
    assert_eq!(j["sum"]["compensated_ulps"], ulps);
    assert_eq!(
        j["sum"]["compensated_bound_ulps"],
        xent_fused::tolerance::FUSED_MAX_ULPS
    );
    assert!(ulps <= xent_fused::tolerance::FUSED_MAX_ULPS);
    assert!(matches_printed(want, published::BINARY_COST).unwrap_or(false));
    // The default's JSON has no `sum` field, and its value is the compensated one.
    let default = json(&["binary", "--pred", &a, "--labels", &y]);
    assert!(default.get("sum").is_none());
    assert_eq!(num(&default["value"]), compensated);
    // The text says the same.
    let out = xent(&["binary", "--pred", &a, "--labels", &y, "--sum", "exact"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!("loss         {want} nats")),
        "{text}"
    );
    let distance = format!(
        "compensated  {compensated} nats ({ulps} ulp{} from the exact value; bound 4 ulps)",
        if ulps == 1 { "" } else { "s" }
    );
    assert!(text.contains(&distance), "{text}");
    assert!(
        text.contains("terms summed exactly, rounded once"),
        "{text}"
    );
}

#[test]
fn sum_exact_does_not_depend_on_the_files_layout_dtype_or_threads() {
    // A larger problem with soft labels, as C-order and Fortran-order float64 and as
    // float32, with 1 and 3 threads: one exact value, the in-process one.
    let files = Files::new();
    let (r, c) = (3, 4_001);
    let mut rng = xent_core::rng::Seeded::new(77);
    let a: Vec<f64> = (0..r * c)
        .map(|_| f64::from((rng.unit() * 0.98 + 0.01) as f32))
        .collect();
    let y: Vec<f64> = (0..r * c)
        .map(|i| {
            if i % 5 == 0 {
                0.25
            } else {
                rng.below(2) as f64
            }
        })
        .collect();
    let a32: Vec<u8> = a.iter().flat_map(|&v| (v as f32).to_le_bytes()).collect();
    let paths = [
        (
            files.f64("a.npy", &[r, c], &a),
            files.f64("y.npy", &[r, c], &y),
        ),
        (
            files.f64_fortran("af.npy", r, c, &a),
            files.f64_fortran("yf.npy", r, c, &y),
        ),
        (
            files.bytes("a32.npy", &npy_bytes("<f4", false, &[r, c], &a32)),
            files.f64("y2.npy", &[r, c], &y),
        ),
    ];
    let matrix = |v: &[f64]| DMatrix::from_row_slice(r, c, v);
    let (am, ym) = (matrix(&a), matrix(&y));
    let problem = BinaryProblem::new(&am, &ym).expect("valid");
    let want = exact_partial(problem).loss().expect("samples");
    for (pa, py) in &paths {
        for threads in ["1", "3"] {
            let out = assert_cmd::Command::new(env!("CARGO_BIN_EXE_xent"))
                .args(["binary", "--pred", pa, "--labels", py, "--sum", "exact"])
                .args(["--format", "json", "--layout", "cols"])
                .env("RAYON_NUM_THREADS", threads)
                .env_remove("RUST_LOG")
                .output()
                .expect("run xent");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(0), "{pa}: {stderr}");
            let j: Value = serde_json::from_slice(&out.stdout).expect("JSON");
            assert_eq!(
                num(&j["value"]).to_bits(),
                want.to_bits(),
                "{pa}, {threads}"
            );
            let ulps = j["sum"]["compensated_ulps"].as_u64().expect("a count");
            assert!(ulps <= xent_fused::tolerance::FUSED_MAX_ULPS, "{ulps}");
        }
    }
}

#[test]
fn sum_exact_categorical_and_weighted() {
    let files = Files::new();
    let q = files.f64("Q.npy", &[3, 4], &Q3);
    let classes = files.bytes(
        "c.npy",
        &npy_bytes(
            "<i8",
            false,
            &[4],
            &[1i64, 0, 2, 2]
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect::<Vec<u8>>(),
        ),
    );
    let qm = DMatrix::from_row_slice(3, 4, &Q3);
    let problem = CategoricalProblem::with_classes(&qm, &[1u8, 0, 2, 2]).expect("valid");
    let want = exact_partial(problem).loss().expect("4 samples");
    let j = json(&[
        "categorical",
        "--pred",
        &q,
        "--classes",
        &classes,
        "--sum",
        "exact",
    ]);
    assert_eq!(num(&j["value"]).to_bits(), want.to_bits());
    assert_eq!(j["value_from"], "fused-exact");
    // Weighted binary: the mean Σ v·l / Σ v and the sum, each rounded once.
    let (a, y) = binary_example(&files);
    let w = [2.0, 1.0, 1.0, 0.5, 1.0, 3.0, 0.0, 0.1];
    let wf = files.f64("w.npy", &[8], &w);
    let weights = xent_core::Weights::default().with_sample(xent_core::View::vector(&w).array());
    let problem = published::binary_example()
        .and_then(|p| p.with_weights(&weights))
        .expect("valid");
    let partial = exact_partial(problem);
    let base = [
        "binary",
        "--pred",
        &a,
        "--labels",
        &y,
        "--sample-weights",
        &wf,
        "--sum",
        "exact",
    ];
    let mean = json(&base);
    assert_eq!(
        num(&mean["value"]).to_bits(),
        partial.loss().expect("W > 0").to_bits()
    );
    let bound = mean["sum"]["compensated_bound_ulps"]
        .as_u64()
        .expect("a count");
    assert!(mean["sum"]["compensated_ulps"].as_u64().expect("a count") <= bound.max(1));
    let sum = json(&[&base[..], &["--reduction", "sum"]].concat());
    assert_eq!(
        num(&sum["value"]).to_bits(),
        partial.loss_over(1).expect("1").to_bits()
    );
}

#[test]
fn sum_exact_refuses_what_it_does_not_apply_to() {
    let files = Files::new();
    let (a, y) = binary_example(&files);
    let base = ["binary", "--pred", &a, "--labels", &y, "--sum", "exact"];
    fails(
        &[&base[..], &["--compare"]].concat(),
        &["--sum exact", "--compare"],
    );
    fails(
        &[&base[..], &["--convention", "pytorch"]].concat(),
        &["--sum exact applies under --convention exact only"],
    );
    let out = xent(&["binary", "--pred", &a, "--labels", &y, "--sum", "kahan"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("compensated"));
}
