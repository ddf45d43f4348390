//! Claims files: a TOML list of statements about expressions (the expression, its inputs,
//! the value a document printed and with how many digits, the shape and type it printed,
//! and the verdict expected), checked by [`run`].
//!
//! ```toml
//! [[claim]]
//! id = "question-dot-logprobs"
//! source = "Difference between np.dot and np.multiply with np.sum in binary cross-entropy loss calculation"
//! kind = "binary"                 # or "categorical"; default binary
//! quantity = "log-likelihood"     # or "loss" (default): what the reference is
//! base = "e"                      # log base of the reference: e (default), 2, 10, …
//! expr = "logprobs = np.dot(Y, (np.log(A2)).T) + np.dot((1.0-Y),(np.log(1 - A2)).T)"
//! published = "-0.78914626"       # as printed: its digits are its precision
//! shape = [1, 1]                  # as printed; strings for a symbolic run: ["n_y", "n_y"]
//! type = "numpy.ndarray"
//! expect = "holds"                # the verdict (xent_core::Verdict's code); another fails it
//! diagnosis = "equal"             # optional: the checker's finer diagnosis, also compared
//!
//! [claim.inputs]                  # omit for the seeded suite (a symbolic claim)
//! A2 = [[0.8, 0.2, 0.95, 0.92, 0.01, 0.93, 0.1, 0.02]]   # numpy's rows: (n_y, m)
//! Y = { file = "labels.csv" }     # or a CSV file, one row per line, next to the claims file
//! ```
//!
//! A claim passes when its verdict is the expected one, the published value is reproduced
//! (or, with `published_holds = false`, is *not*: a document's known slip, recorded so that
//! it cannot silently start agreeing), and the printed shape and type match. numpy's refusal
//! is the diagnosis `rejected` (the verdict `fails`). `expect` is a verdict code (`"holds"`,
//! `{ holds_only_when = "n_y = 1" }`, `"fails"`, …); a file may instead give the diagnosis
//! code alone as `expect` (`equal`, `equal only when n_y = 1`, `differs`, …). Anything else
//! is an error of the file when it is read, naming the claim and the accepted values.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use nalgebra::DMatrix;
use serde::Deserialize;
use serde_json::{Value, json};
use xent_core::tolerance::matches_printed;
use xent_core::ulp::ulp;
use xent_core::{Kind, LogBase, Verdict};

use crate::ast::Program;
use crate::check::{CheckOptions, check};
use crate::error::ParseError;
use crate::names::{self, Role};
use crate::parse::parse;
use crate::problems::Quantity;
use crate::report::number;
use crate::tolerance::BOUND_SLACK;

/// Why a claims file cannot be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ClaimsError {
    /// Not TOML, or not the claims format (the message has the line and column).
    #[error("claims file: {0}")]
    Toml(String),
    /// A claim's fields do not make sense.
    #[error("claim `{id}`: {message}")]
    Claim {
        /// The claim.
        id: String,
        /// What is wrong.
        message: String,
    },
    /// A claim's expression does not parse.
    #[error("claim `{id}`: {rendered}")]
    Parse {
        /// The claim.
        id: String,
        /// The parse error.
        error: ParseError,
        /// The error rendered with its caret.
        rendered: String,
    },
    /// The file cannot be read.
    #[error("{path}: {message}")]
    Io {
        /// The file.
        path: String,
        /// The system's message.
        message: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    claim: Vec<RawClaim>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClaim {
    id: String,
    source: Option<String>,
    kind: Option<String>,
    quantity: Option<String>,
    base: Option<String>,
    expr: String,
    inputs: Option<BTreeMap<String, toml::Value>>,
    published: Option<String>,
    published_holds: Option<bool>,
    shape: Option<Vec<RawDim>>,
    #[serde(rename = "type")]
    ty: Option<String>,
    expect: toml::Value,
    diagnosis: Option<String>,
    note: Option<String>,
}

/// An input as written: numpy's rows, one sample, or a file.
enum RawInput {
    Matrix(Vec<Vec<f64>>),
    Vector(Vec<f64>),
    File { file: String },
}

/// The forms an input may take, for messages.
const INPUT_FORMS: &str = "the accepted forms are numpy's rows `NAME = [[0.9, 0.2], …]`, one \
                           sample `NAME = [0.7, 0.3]`, or a CSV file beside the claims file \
                           `NAME = { file = \"A.csv\" }`";

impl RawInput {
    /// Reads input `name`, saying what is wrong with it and which forms are accepted.
    fn read(name: &str, value: toml::Value) -> Result<RawInput, String> {
        let bad = |what: String| format!("input `{name}`: {what}; {INPUT_FORMS}");
        let number = |v: &toml::Value| match v {
            toml::Value::Float(x) => Some(*x),
            toml::Value::Integer(i) => Some(*i as f64),
            _ => None,
        };
        match value {
            toml::Value::Array(items)
                if items.iter().all(|v| v.is_array()) && !items.is_empty() =>
            {
                let mut rows = Vec::with_capacity(items.len());
                for (i, row) in items.iter().enumerate() {
                    let row = row.as_array().map(Vec::as_slice).unwrap_or_default();
                    let parsed: Option<Vec<f64>> = row.iter().map(number).collect();
                    match parsed {
                        Some(r) => rows.push(r),
                        None => return Err(bad(format!("row {i} holds something not a number"))),
                    }
                }
                Ok(RawInput::Matrix(rows))
            }
            toml::Value::Array(items) => match items.iter().map(number).collect() {
                Some(v) => Ok(RawInput::Vector(v)),
                None => Err(bad("the list holds something not a number".into())),
            },
            toml::Value::Table(mut t) => match (t.remove("file"), t.keys().next()) {
                (Some(toml::Value::String(file)), None) => Ok(RawInput::File { file }),
                (Some(_), None) => Err(bad("`file` is not a string".into())),
                (_, Some(other)) => Err(bad(format!("unknown key `{other}`"))),
                (None, None) => Err(bad("the table has no `file`".into())),
            },
            other => Err(bad(format!("a {} is not an array", other.type_str()))),
        }
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawDim {
    Int(u64),
    Sym(String),
}

/// Where an input array comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum InputSource {
    /// Inline: numpy's rows (`[[…]]`, `(n_y, m)`), or a 1-D list (one sample).
    Inline(DMatrix<f64>),
    /// A CSV file, one row per line, relative to the claims file.
    File(PathBuf),
}

/// A claim's inputs: the predictions and the labels, each under the name the document uses.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimInputs {
    /// `A2`, `A`, `q`, …
    pub predictions: (String, InputSource),
    /// `Y`, `p`, …
    pub labels: (String, InputSource),
}

/// One claim.
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    /// A short stable name.
    pub id: String,
    /// The document it comes from.
    pub source: Option<String>,
    /// Binary or categorical.
    pub kind: Kind,
    /// What the expression is compared with.
    pub quantity: Quantity,
    /// The base of the reference.
    pub base: LogBase,
    /// The expression, as written.
    pub expr: String,
    /// The expression, parsed.
    pub program: Program,
    /// The inputs, or `None` for the seeded suite.
    pub inputs: Option<ClaimInputs>,
    /// The value as the document printed it.
    pub published: Option<String>,
    /// Whether the published value is expected to be reproduced (`false` records a slip).
    pub published_holds: bool,
    /// The shape the document printed (`["1", "1"]`, `[]`, `["n_y", "n_y"]`).
    pub shape: Option<Vec<String>>,
    /// The type the document printed (`numpy.ndarray`, `numpy.float64`, `float`).
    pub ty: Option<String>,
    /// The diagnosis code expected, if the file gives one.
    pub expect: Option<String>,
    /// The verdict expected, if the file gives one.
    pub verdict: Option<Verdict>,
    /// A remark shown in the report.
    pub note: Option<String>,
}

/// A parsed claims file.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimsFile {
    /// The claims, in file order.
    pub claims: Vec<Claim>,
}

impl ClaimsFile {
    /// Parses a claims file: TOML, every expression parsed, every field checked.
    pub fn parse(text: &str) -> Result<ClaimsFile, ClaimsError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| ClaimsError::Toml(e.to_string()))?;
        let mut claims = Vec::with_capacity(raw.claim.len());
        let mut ids: Vec<String> = Vec::new();
        for c in raw.claim {
            let bad = |message: String| ClaimsError::Claim {
                id: c.id.clone(),
                message,
            };
            if ids.contains(&c.id) {
                return Err(bad("two claims have this id".into()));
            }
            ids.push(c.id.clone());
            let kind = match c.kind.as_deref() {
                None | Some("binary") => Kind::Binary,
                Some("categorical") => Kind::Categorical,
                Some(k) => return Err(bad(format!("kind `{k}` is not binary or categorical"))),
            };
            let quantity = match c.quantity.as_deref() {
                None | Some("loss") => Quantity::Loss,
                Some("log-likelihood") => Quantity::LogLikelihood,
                Some(q) => {
                    return Err(bad(format!("quantity `{q}` is not loss or log-likelihood")));
                }
            };
            let base = match &c.base {
                None => LogBase::E,
                Some(b) => b
                    .parse()
                    .map_err(|e: xent_core::Error| bad(e.to_string()))?,
            };
            let program = parse(&c.expr).map_err(|error| ClaimsError::Parse {
                id: c.id.clone(),
                rendered: error.render(&c.expr),
                error,
            })?;
            let inputs = match c.inputs {
                None => None,
                Some(map) => Some(claim_inputs(map).map_err(bad)?),
            };
            let accepted = crate::diagnosis::codes(kind);
            let (code, verdict) = match c.expect.clone().try_into::<Verdict>() {
                Ok(v) => (c.diagnosis.clone(), Some(v)),
                Err(_) => match (&c.expect, &c.diagnosis) {
                    (toml::Value::String(code), None) => (Some(code.clone()), None),
                    _ => (None, None),
                },
            };
            let known = code.as_ref().is_none_or(|code| accepted.contains(code));
            if !known || (code.is_none() && verdict.is_none()) {
                let shown = match (&c.expect, &c.diagnosis) {
                    (_, Some(d)) if verdict.is_some() => d.clone(),
                    (toml::Value::String(e), _) => e.clone(),
                    (e, _) => e.to_string(),
                };
                return Err(bad(format!(
                    "expect `{shown}` is not a verdict of a {} claim: the accepted values are \
                     the verdict codes {} (with `diagnosis`, optionally, one of the diagnoses), \
                     or a diagnosis alone: {}",
                    kind.as_str(),
                    Verdict::CODES.map(|v| format!("`{v}`")).join(", "),
                    accepted
                        .iter()
                        .map(|a| format!("`{a}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
            if let Some(p) = &c.published
                && p.trim().parse::<f64>().is_err()
            {
                return Err(bad(format!("published `{p}` is not a number")));
            }
            claims.push(Claim {
                id: c.id,
                source: c.source,
                kind,
                quantity,
                base,
                expr: c.expr,
                program,
                inputs,
                published: c.published,
                published_holds: c.published_holds.unwrap_or(true),
                shape: c.shape.map(|s| {
                    s.into_iter()
                        .map(|d| match d {
                            RawDim::Int(n) => n.to_string(),
                            RawDim::Sym(s) => s,
                        })
                        .collect()
                }),
                ty: c.ty,
                expect: code,
                verdict,
                note: c.note,
            });
        }
        Ok(ClaimsFile { claims })
    }

    /// Reads and parses a claims file.
    pub fn load(path: &Path) -> Result<ClaimsFile, ClaimsError> {
        let text = std::fs::read_to_string(path).map_err(|e| ClaimsError::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        ClaimsFile::parse(&text)
    }
}

fn claim_inputs(map: BTreeMap<String, toml::Value>) -> Result<ClaimInputs, String> {
    let mut predictions = None;
    let mut labels = None;
    for (name, raw) in map {
        let role = names::role(&name).filter(|r| r.is_array()).ok_or_else(|| {
            format!("input `{name}` is neither predictions (A, A2, AL, Q, q) nor labels (Y, P, p)")
        })?;
        let source = match RawInput::read(&name, raw)? {
            RawInput::Matrix(rows) => InputSource::Inline(matrix_from_rows(&rows, &name)?),
            RawInput::Vector(v) => {
                if v.is_empty() {
                    return Err(format!("input `{name}` is empty"));
                }
                InputSource::Inline(DMatrix::from_column_slice(v.len(), 1, &v))
            }
            RawInput::File { file } => InputSource::File(PathBuf::from(file)),
        };
        let slot = if role.is_predictions() {
            &mut predictions
        } else {
            &mut labels
        };
        if slot.is_some() {
            return Err(format!("two inputs give the {}", role_word(role)));
        }
        *slot = Some((name, source));
    }
    match (predictions, labels) {
        (Some(predictions), Some(labels)) => Ok(ClaimInputs {
            predictions,
            labels,
        }),
        _ => Err("inputs need both the predictions and the labels".into()),
    }
}

fn role_word(role: Role) -> &'static str {
    if role.is_predictions() {
        "predictions"
    } else {
        "labels"
    }
}

fn matrix_from_rows(rows: &[Vec<f64>], name: &str) -> Result<DMatrix<f64>, String> {
    let cols = rows.first().map_or(0, Vec::len);
    if rows.is_empty() || cols == 0 {
        return Err(format!("input `{name}` is empty"));
    }
    if let Some(i) = rows.iter().position(|r| r.len() != cols) {
        return Err(format!(
            "input `{name}`: row {i} has {} entries, row 0 has {cols}",
            rows[i].len()
        ));
    }
    let flat: Vec<f64> = rows.iter().flatten().copied().collect();
    Ok(DMatrix::from_row_slice(rows.len(), cols, &flat))
}

/// Reads a CSV (or whitespace-separated) matrix, one row per line; `#` starts a comment, and
/// a first line that is not numbers is a header.
pub fn read_matrix(path: &Path) -> Result<DMatrix<f64>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut rows: Vec<Vec<f64>> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let cells: Result<Vec<f64>, _> = line
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .map(str::parse::<f64>)
            .collect();
        match cells {
            Ok(r) => rows.push(r),
            Err(_) if rows.is_empty() && n == 0 => {}
            Err(e) => return Err(format!("{}:{}: {e}", path.display(), n + 1)),
        }
    }
    matrix_from_rows(&rows, &path.display().to_string())
}

/// What one claim came to.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimOutcome {
    /// The claim's id.
    pub id: String,
    /// Its document.
    pub source: Option<String>,
    /// Its expression.
    pub expr: String,
    /// Where it ran: `the seeded suite` or the input names.
    pub inputs: String,
    /// The diagnosis expected (empty when the file gives only the verdict).
    pub expect: String,
    /// The diagnosis found (its code; `rejected` when numpy raises, `error` when the claim
    /// could not run).
    pub verdict: String,
    /// The verdict expected, when the file gives one.
    pub recorded: Option<Verdict>,
    /// The verdict the diagnosis amounts to (`fails` when numpy raises; none when the claim
    /// could not run).
    pub judged: Option<Verdict>,
    /// The verdict's sentence, or the error.
    pub message: String,
    /// The expression's value on the first problem (computed with the platform's `ln`: it
    /// judges the published value, and is not rendered).
    pub value: Option<f64>,
    /// The oracle's value on the first problem, correctly rounded: what the text and JSON
    /// show, the same on every platform.
    pub oracle: Option<f64>,
    /// The published value, as printed.
    pub published: Option<String>,
    /// Whether the published value was reproduced.
    pub published_reproduced: Option<bool>,
    /// Whether it was expected to be.
    pub published_holds: bool,
    /// The shape found, as strings.
    pub shape: Option<Vec<String>>,
    /// The shape expected.
    pub expected_shape: Option<Vec<String>>,
    /// The type found.
    pub ty: Option<String>,
    /// The type expected.
    pub expected_ty: Option<String>,
    /// The remark.
    pub note: Option<String>,
    /// Whether everything the claim states holds.
    pub passed: bool,
}

/// Every claim of a file, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimsReport {
    /// One outcome per claim, in file order.
    pub outcomes: Vec<ClaimOutcome>,
}

/// Checks every claim; input files are read relative to `base_dir`. Never fails: a claim
/// that cannot run is a failed claim with its error.
pub fn run(file: &ClaimsFile, base_dir: &Path) -> ClaimsReport {
    ClaimsReport {
        outcomes: file.claims.iter().map(|c| run_claim(c, base_dir)).collect(),
    }
}

/// Reads a claims file and checks it, relative to its own folder: what
/// `xent verify --claims FILE` does. An input file that cannot be read (missing, not
/// numbers) is an error of the claims file, like a malformed claim, not a failed claim.
pub fn run_file(path: &Path) -> Result<ClaimsReport, ClaimsError> {
    let mut file = ClaimsFile::load(path)?;
    let base = path.parent().unwrap_or(Path::new("."));
    file.read_inputs(base)?;
    Ok(run(&file, base))
}

impl ClaimsFile {
    /// Reads every input file (relative to `base_dir`) into the claims, once: each claim's
    /// inputs become inline. The first that cannot be read is the error, naming its claim
    /// and input.
    pub fn read_inputs(&mut self, base_dir: &Path) -> Result<(), ClaimsError> {
        for claim in &mut self.claims {
            let Some(inputs) = &mut claim.inputs else {
                continue;
            };
            for (name, source) in [&mut inputs.predictions, &mut inputs.labels]
                .into_iter()
                .map(|(n, s)| (n.as_str(), s))
            {
                if let InputSource::File(p) = source {
                    let m = read_matrix(&base_dir.join(&*p)).map_err(|e| ClaimsError::Claim {
                        id: claim.id.clone(),
                        message: format!("input `{name}`: {e}"),
                    })?;
                    *source = InputSource::Inline(m);
                }
            }
        }
        Ok(())
    }
}

fn load(source: &InputSource, base_dir: &Path) -> Result<DMatrix<f64>, String> {
    match source {
        InputSource::Inline(m) => Ok(m.clone()),
        InputSource::File(p) => read_matrix(&base_dir.join(p)),
    }
}

fn run_claim(claim: &Claim, base_dir: &Path) -> ClaimOutcome {
    let mut out = ClaimOutcome {
        id: claim.id.clone(),
        source: claim.source.clone(),
        expr: claim.expr.clone(),
        inputs: match &claim.inputs {
            None => "the seeded suite".into(),
            Some(i) => format!("{} and {}", i.predictions.0, i.labels.0),
        },
        expect: claim.expect.clone().unwrap_or_default(),
        verdict: "error".into(),
        recorded: claim.verdict.clone(),
        judged: None,
        message: String::new(),
        value: None,
        oracle: None,
        published: claim.published.clone(),
        published_reproduced: None,
        published_holds: claim.published_holds,
        shape: None,
        expected_shape: claim.shape.clone(),
        ty: None,
        expected_ty: claim.ty.clone(),
        note: claim.note.clone(),
        passed: false,
    };
    let mut options = CheckOptions::new(claim.kind)
        .with_quantity(claim.quantity)
        .with_base(claim.base);
    options.values = false;
    if let Some(i) = &claim.inputs {
        match (
            load(&i.predictions.1, base_dir),
            load(&i.labels.1, base_dir),
        ) {
            (Ok(a), Ok(y)) => options = options.with_inputs(a, y),
            (Err(e), _) | (_, Err(e)) => {
                out.message = e;
                return out;
            }
        }
    }
    let report = match check(&claim.program, &options) {
        Ok(r) => r,
        Err(e) => {
            if e.is_numpy_rejection() {
                out.verdict = "rejected".into();
                out.judged = Some(Verdict::Fails);
            }
            out.message = e.render(&claim.expr);
            out.passed = out.as_expected(claim) && claim.published.is_none();
            return out;
        }
    };
    if report.concrete && claim.inputs.is_none() {
        out.inputs = "the program's own arrays".into();
    }
    out.verdict = report.verdict.code();
    out.judged = Some(report.verdict.verdict());
    out.message = report.verdict.message();
    out.value = report.value();
    out.oracle = report.runs.first().map(|r| r.reference);
    out.shape = report.shape().map(|s| s.to_strings());
    out.ty = report.ty().map(|t| t.name().to_owned());
    if let Some(p) = &claim.published {
        let first = report.runs.first();
        let bound = first.and_then(|r| r.expression_bound).unwrap_or(0.0);
        out.published_reproduced = Some(match out.value {
            Some(v) => reproduces(v, bound, p),
            None => false,
        });
    }
    let verdict_ok = out.as_expected(claim);
    let published_ok = out
        .published_reproduced
        .is_none_or(|r| r == claim.published_holds);
    let shape_ok = claim
        .shape
        .as_ref()
        .is_none_or(|s| out.shape.as_ref() == Some(s));
    let ty_ok = claim.ty.as_ref().is_none_or(|t| out.ty.as_ref() == Some(t));
    out.passed = verdict_ok && published_ok && shape_ok && ty_ok;
    out
}

/// Whether `value` reproduces a printed number: a full-precision print (16 or more
/// significant digits, numpy's `repr`) is numpy's own evaluation of the same expression,
/// within the expression's bound of the exact value as ours is, so the two must be within
/// twice the bound; a shorter print must round to what was printed.
fn reproduces(value: f64, expression_bound: f64, printed: &str) -> bool {
    let digits = printed
        .trim()
        .split(['e', 'E'])
        .next()
        .unwrap_or("")
        .chars()
        .filter(char::is_ascii_digit)
        .collect::<String>();
    let significant = digits.trim_start_matches('0').len();
    if significant >= 16 {
        let Ok(p) = printed.trim().parse::<f64>() else {
            return false;
        };
        (value - p).abs() <= 2.0 * expression_bound * (1.0 + BOUND_SLACK) + 0.5 * ulp(p)
    } else {
        matches_printed(value, printed).unwrap_or(false)
    }
}

impl ClaimOutcome {
    /// Whether the diagnosis and the verdict are those the claim expects (each when given).
    fn as_expected(&self, claim: &Claim) -> bool {
        claim.expect.as_ref().is_none_or(|e| *e == self.verdict)
            && claim
                .verdict
                .as_ref()
                .is_none_or(|v| Some(v) == self.judged.as_ref())
    }
}

impl ClaimsReport {
    /// Whether every claim passed.
    pub fn passed(&self) -> bool {
        self.outcomes.iter().all(|o| o.passed)
    }

    /// How many claims failed.
    pub fn failures(&self) -> usize {
        self.outcomes.iter().filter(|o| !o.passed).count()
    }

    /// One block per claim: expression, where it ran, verdict against the expected one,
    /// published value, shape and type; then a summary line.
    pub fn render_text(&self) -> String {
        let mut s = String::new();
        for o in &self.outcomes {
            let mark = if o.passed { "holds" } else { "FAILS" };
            let _ = writeln!(s, "claim {} — {mark}", o.id);
            if let Some(src) = &o.source {
                let _ = writeln!(s, "  source     {src}");
            }
            for (i, line) in o.expr.lines().filter(|l| !l.trim().is_empty()).enumerate() {
                let head = if i == 0 { "expression" } else { "" };
                let _ = writeln!(s, "  {head:<10} {}", line.trim_end());
            }
            let _ = writeln!(s, "  on         {}", o.inputs);
            let code_ok = o.expect.is_empty() || o.verdict == o.expect;
            let verdict_ok = o.recorded.is_none() || o.recorded == o.judged;
            let same = match (code_ok && verdict_ok, &o.recorded) {
                (true, _) => "as expected".to_owned(),
                (false, Some(v)) if o.expect.is_empty() => format!("EXPECTED {v}"),
                (false, Some(v)) => format!("EXPECTED {v}: {}", o.expect),
                (false, None) => format!("EXPECTED {}", o.expect),
            };
            let judged = o
                .judged
                .as_ref()
                .map_or(String::new(), |v| format!("{v}: "));
            let _ = writeln!(s, "  verdict    {judged}{} ({same})", o.verdict);
            for (i, line) in o.message.lines().enumerate() {
                let head = if i == 0 { "why" } else { "" };
                let _ = writeln!(s, "  {head:<10} {line}");
            }
            if let Some(p) = &o.published {
                let shown = match (o.value, o.oracle) {
                    (Some(_), Some(x)) => format!("the oracle's {}", xent_core::ulp::Num(x)),
                    _ => "no single value".into(),
                };
                let status = match (o.published_reproduced, o.published_holds) {
                    (Some(true), true) => "reproduced",
                    (Some(false), false) => "not reproduced, as recorded",
                    (Some(true), false) => "REPRODUCED, but recorded as a slip",
                    _ => "NOT REPRODUCED",
                };
                let _ = writeln!(s, "  published  {p} ↔ {shown}: {status}");
            }
            if let Some(e) = &o.expected_shape {
                let found = o
                    .shape
                    .as_ref()
                    .map_or("-".into(), |f| xent_core::array::numpy_shape(f));
                let ok = if o.shape.as_ref() == Some(e) {
                    "as printed"
                } else {
                    "PRINTED"
                };
                let _ = writeln!(
                    s,
                    "  shape      {found} ({ok} {})",
                    xent_core::array::numpy_shape(e)
                );
            }
            if let Some(e) = &o.expected_ty {
                let found = o.ty.clone().unwrap_or_else(|| "-".into());
                let ok = if o.ty.as_ref() == Some(e) {
                    "as printed"
                } else {
                    "PRINTED"
                };
                let _ = writeln!(s, "  type       {found} ({ok} {e})");
            }
            if let Some(n) = &o.note {
                let _ = writeln!(s, "  note       {n}");
            }
            s.push('\n');
        }
        let _ = writeln!(
            s,
            "{} claims: {} hold, {} fail",
            self.outcomes.len(),
            self.outcomes.len() - self.failures(),
            self.failures()
        );
        s
    }

    /// The report as JSON: `passed`, and every claim with its verdict, expectation, value,
    /// published value, shape and type.
    pub fn to_json(&self) -> Value {
        json!({
            "passed": self.passed(),
            "claims": self.outcomes.iter().map(|o| json!({
                "id": o.id,
                "source": o.source,
                "expression": o.expr,
                "on": o.inputs,
                "expect": o.expect,
                "verdict": o.verdict,
                "expected_verdict": o.recorded,
                "judged": o.judged,
                "message": o.message,
                "oracle": o.oracle.map_or(Value::Null, number),
                "published": o.published,
                "published_reproduced": o.published_reproduced,
                "published_holds": o.published_holds,
                "shape": o.shape,
                "expected_shape": o.expected_shape,
                "type": o.ty,
                "expected_type": o.expected_ty,
                "note": o.note,
                "passed": o.passed,
            })).collect::<Vec<_>>(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printed_values_and_full_precision() {
        assert!(reproduces(
            -0.789_146_257_618_703_6,
            1e-16,
            "-0.78914625761870361"
        ));
        assert!(reproduces(0.098_643_282_202_337_95, 0.0, "0.09864328"));
        assert!(!reproduces(0.479_65, 0.0, "0.479"));
        assert!(!reproduces(
            -0.789_146_257_618_71,
            1e-17,
            "-0.78914625761870361"
        ));
    }

    #[test]
    fn an_unknown_expect_is_refused_when_the_file_is_read() {
        let claim = |kind: &str, expect: &str| {
            ClaimsFile::parse(&format!(
                "[[claim]]\nid = \"mine\"\nexpr = \"-np.sum(Y*np.log(A))\"\nkind = \"{kind}\"\n\
                 expect = \"{expect}\""
            ))
        };
        let e = claim("binary", "equals").map(|_| ()).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.starts_with("claim `mine`: expect `equals` is not a verdict of a binary claim"),
            "{msg}"
        );
        for accepted in [
            "`equal`",
            "`equal only when n_y = 1`",
            "`differs by a constant factor`",
            "`NaN where a label is 0 and its prediction is 0`",
            "`rejected`",
        ] {
            assert!(msg.contains(accepted), "{msg} lacks {accepted}");
        }
        // Each kind's own vocabulary.
        assert!(claim("categorical", "equal only when k = 1").is_ok());
        assert!(claim("categorical", "equal only when n_y = 1").is_err());
        assert!(claim("binary", "NaN where a label is 1 and its prediction is 1").is_ok());
        // A verdict code, with or without the diagnosis.
        assert!(claim("binary", "holds").is_ok());
        let both = ClaimsFile::parse(
            "[[claim]]\nid = \"mine\"\nexpr = \"-np.sum(Y*np.log(A))\"\n\
             expect = { holds_only_when = \"n_y = 1\" }\ndiagnosis = \"equal only when n_y = 1\"",
        );
        assert!(both.is_ok(), "{both:?}");
        assert!(claim("binary", "hold").is_err());
    }

    #[test]
    fn bad_files_are_errors_that_say_where() {
        let e = ClaimsFile::parse("[[claim]]\nid = 1").unwrap_err();
        assert!(matches!(e, ClaimsError::Toml(_)), "{e}");
        let e =
            ClaimsFile::parse("[[claim]]\nid = \"x\"\nexpr = \"np.sum(B)\"\nexpect = \"equal\"")
                .unwrap_err();
        assert!(e.to_string().contains("unknown name `B`"), "{e}");
        let e = ClaimsFile::parse(
            "[[claim]]\nid = \"x\"\nexpr = \"A\"\nexpect = \"equal\"\nkind = \"ternary\"",
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "claim `x`: kind `ternary` is not binary or categorical"
        );
        let e = ClaimsFile::parse(
            "[[claim]]\nid = \"x\"\nexpr = \"A\"\nexpect = \"equal\"\n[claim.inputs]\nA = [[0.5]]",
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("both the predictions and the labels"),
            "{e}"
        );
    }

    const HEAD: &str = "[[claim]]\nid = \"x\"\nexpr = \"A\"\nexpect = \"equal\"\n[claim.inputs]\n";

    #[test]
    fn a_malformed_input_names_its_key_and_the_accepted_forms() {
        for (input, what) in [
            ("A = \"0.5\"", "a string is not an array"),
            ("A = [[0.5], [\"x\"]]", "row 1 holds something not a number"),
            ("A = [0.5, true]", "the list holds something not a number"),
            ("A = { path = \"a.csv\" }", "unknown key `path`"),
            ("A = { file = 3 }", "`file` is not a string"),
        ] {
            let text = format!("{HEAD}{input}\nY = [[1]]\n");
            let e = ClaimsFile::parse(&text).unwrap_err().to_string();
            assert!(e.starts_with("claim `x`: input `A`: "), "{input}: {e}");
            assert!(e.contains(what), "{input}: {e}");
            assert!(!e.contains("untagged"), "{e}");
            for form in ["`NAME = [[0.9, 0.2], …]`", "`NAME = { file = \"A.csv\" }`"] {
                assert!(e.contains(form), "{input}: {e} lacks {form}");
            }
        }
        // The accepted forms still parse.
        let text = format!("{HEAD}A = [[0.5, 1]]\nY = {{ file = \"y.csv\" }}\n");
        let file = ClaimsFile::parse(&text).expect("valid inputs");
        let inputs = file.claims[0].inputs.as_ref().expect("inputs");
        assert_eq!(inputs.labels.1, InputSource::File("y.csv".into()));
    }

    #[test]
    fn a_missing_input_file_is_an_error_of_the_claims_file() {
        let dir = std::env::temp_dir().join(format!("xent-claims-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        let path = dir.join("claims.toml");
        let text = format!("{HEAD}A = [[0.5]]\nY = {{ file = \"missing.csv\" }}\n");
        std::fs::write(&path, text).expect("write the claims file");
        let e = run_file(&path).unwrap_err();
        let _ = std::fs::remove_dir_all(&dir);
        let ClaimsError::Claim { id, message } = &e else {
            panic!("not a claim error: {e}");
        };
        assert_eq!(id, "x");
        assert!(message.starts_with("input `Y`: "), "{message}");
        assert!(message.contains("missing.csv"), "{message}");
    }
}
