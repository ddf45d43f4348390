//! The catalogue's format: the rows of `catalogue.toml` (compiled in) or of a user's
//! `--claims FILE`, read into typed rows and checked before anything is evaluated. Serde
//! refuses unknown fields, codes and names; [`Catalogue::parse`] adds the rules that span
//! rows (documents, input sets, published keys, unique ids). Every error names the file,
//! the row and the rule it breaks.

use std::collections::BTreeMap;
use std::path::Path;

use nalgebra::DMatrix;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use xent_core::{Convention, LogBase, Precision, ProblemData, Reduction, Verdict, Weights};
use xent_expr::claims::{ClaimsError, ClaimsFile};

use crate::error::{Error, Result};

/// The catalogue of the documents' claims and the peer libraries' values.
pub const CATALOGUE: &str = include_str!("../catalogue.toml");

/// Where the built-in catalogue lives, as the report and its errors name it.
pub const CATALOGUE_FILE: &str = "crates/verify/catalogue.toml";

/// A catalogue file, read and checked. Its rows' fields are those `catalogue.toml`'s header
/// describes.
#[derive(Debug, Clone)]
pub struct Catalogue {
    /// The documents cited (by key, their titles) and the named input sets.
    pub(crate) documents: BTreeMap<String, String>,
    pub(crate) inputs: BTreeMap<String, InputSet>,
    /// Each input set's data, checked, as `f64`.
    pub(crate) data: BTreeMap<String, ProblemData>,
    /// The claims evaluated by the engine, in file order.
    pub(crate) claim: Vec<Row>,
    /// The claims written as numpy expressions, judged by `xent-expr` against the oracle.
    pub expressions: ClaimsFile,
}

/// A catalogue file as written: a `[[claim]]` with `expr` is a numpy expression (the format
/// of `xent-expr`'s claims files); any other is a [`Row`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(default)]
    documents: BTreeMap<String, String>,
    #[serde(default)]
    inputs: BTreeMap<String, InputSet>,
    #[serde(default)]
    claim: Vec<toml::Table>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum KindName {
    Binary,
    Categorical,
}

/// How the rows of `pred` and `truth` are laid out: numpy's `(n_y, m)` of the documents, a
/// row per output, or a peer library's, a row per sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Layout {
    #[default]
    Cols,
    Rows,
}

/// One named input set.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct InputSet {
    pub(crate) words: String,
    pub(crate) kind: KindName,
    /// The documents' names of the predictions and the truth (`A2`, `Y`).
    pub(crate) names: Option<[String; 2]>,
    /// The predictions (probabilities, or `logits`), and labels, targets or class indices.
    pub(crate) pred: Vec<Vec<f64>>,
    pub(crate) truth: Option<Vec<Vec<f64>>>,
    pub(crate) classes: Option<Vec<u64>>,
    #[serde(default)]
    pub(crate) layout: Layout,
    #[serde(default)]
    pub(crate) logits: bool,
    /// Weights, each optional (`xent_core::Weights`): per sample, per class, per output (the
    /// positive class), a mask of samples, an ignored class index.
    pub(crate) sample_weight: Option<Vec<f64>>,
    pub(crate) class_weight: Option<Vec<f64>>,
    pub(crate) pos_weight: Option<Vec<f64>>,
    pub(crate) mask: Option<Vec<f64>>,
    pub(crate) ignore_index: Option<i64>,
}

/// What is compared: `S`, the documents' `logprobs`; `J = −S/m`, in a base (weighted: the
/// exact convention's mean `−S/W`); `−(1/m)·Σ_ij D_ij` of the `(n_y, n_y)` matrix `D` of the
/// `np.dot` style; the weighted sum `−S`, or the weighted sum over the batch size `−S/m`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Quantity {
    LogLikelihood,
    #[default]
    Loss,
    DotSum,
    Sum,
    OverSamples,
}

/// A library's convention, as a basis: the library, the dtype it computed in, its label
/// smoothing ε and its reduction (of the input set's weights).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConventionRow {
    #[serde(deserialize_with = "parsed")]
    pub(crate) library: Convention,
    #[serde(deserialize_with = "precision")]
    pub(crate) precision: Precision,
    pub(crate) label_smoothing: Option<f64>,
    #[serde(default, deserialize_with = "parsed")]
    pub(crate) reduction: Reduction,
}

/// One side of a check: what is computed, or what it is compared with.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum Side {
    /// The definition, evaluated exactly and rounded once.
    Oracle,
    /// `−Σ p log_b q` evaluated exactly with `log_b` (not `J_e / ln b`).
    OracleDirect,
    /// The oracle's value of another quantity.
    OracleOf(Quantity),
    /// The formulation that mirrors a numpy style (`sum`, `dot`, `matmul`).
    Style(String),
    /// A library's convention applied to the inputs.
    Convention(ConventionRow),
    /// A document's value, a key of `xent_core::published::VALUES`.
    Published(String),
    /// A value as printed (a peer library's).
    Printed(String),
    /// A numpy shape.
    Shape(Vec<usize>),
}

/// How the two sides are compared (see `catalogue.toml`'s header and `relation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum How {
    FullPrecision,
    Rounded,
    Truncated,
    Equal,
    WithinBounds,
    Shape,
    Library,
    Differs,
    ImpliedDivisor { up_to: usize, m: usize },
    Decimals,
    SameOrder,
    SameMinimiser,
    Decreasing,
    Positive,
    BaseChange,
}

impl How {
    /// Whether it relates the basis across all the check's sets and bases at once, rather
    /// than to `against` on each.
    pub(crate) fn is_series(self) -> bool {
        use How::{Decreasing, Positive, SameMinimiser, SameOrder};
        matches!(self, SameOrder | SameMinimiser | Decreasing | Positive)
    }
}

/// A quantity every formulation computes against the oracle, with its bound.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SubjectRow {
    pub(crate) on: Vec<String>,
    #[serde(default)]
    pub(crate) quantity: Quantity,
    #[serde(default = "nats", deserialize_with = "bases")]
    pub(crate) base: Vec<LogBase>,
}

/// One check of a claim: in `case` (if the claim's truth depends on it), on the sets `on`
/// (the claim's first by default), in each base, `basis` compared with `against` by `how`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CheckRow {
    pub(crate) case: Option<String>,
    pub(crate) on: Option<Vec<String>>,
    #[serde(default)]
    pub(crate) quantity: Quantity,
    #[serde(default = "nats", deserialize_with = "bases")]
    pub(crate) base: Vec<LogBase>,
    pub(crate) basis: Side,
    pub(crate) against: Side,
    pub(crate) how: How,
}

/// One claim: its document (a key of `[documents]`), statement and symbolic form, its input
/// sets (none for values published without inputs), the subjects of its formulation table,
/// the verdict recorded, and its checks.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Row {
    pub(crate) id: String,
    pub(crate) document: String,
    pub(crate) statement: String,
    pub(crate) symbolic: String,
    #[serde(default)]
    pub(crate) inputs: Vec<String>,
    #[serde(default)]
    pub(crate) subjects: Vec<SubjectRow>,
    pub(crate) expect: Verdict,
    #[serde(default)]
    pub(crate) check: Vec<CheckRow>,
}

/// A value read through its `FromStr`, so that a bad name is an error of its row.
fn parsed<'de, D, T>(d: D) -> std::result::Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: std::str::FromStr<Err: std::fmt::Display>,
{
    String::deserialize(d)?.parse().map_err(D::Error::custom)
}

/// A list of log bases (`"e"`, `"2"`, `"10"`, any number > 0, ≠ 1).
fn bases<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Vec<LogBase>, D::Error> {
    let names = Vec::<String>::deserialize(d)?;
    names
        .iter()
        .map(|b| b.parse().map_err(D::Error::custom))
        .collect()
}

fn nats() -> Vec<LogBase> {
    vec![LogBase::E]
}

/// `f32` or `f64`.
fn precision<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Precision, D::Error> {
    match String::deserialize(d)?.as_str() {
        "f32" => Ok(Precision::F32),
        "f64" => Ok(Precision::F64),
        other => Err(D::Error::custom(format!(
            "precision `{other}` is not f32 or f64"
        ))),
    }
}

impl Catalogue {
    /// Reads a catalogue from `text`; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Catalogue> {
        let bad = |row: Option<String>, rule: String| Error::Catalogue {
            file: file.to_owned(),
            row,
            rule: rule.trim_end().to_owned(),
        };
        let raw: Raw = toml::from_str(text).map_err(|e| bad(None, e.to_string()))?;
        let (mut claim, mut expressions) = (Vec::new(), Vec::new());
        for mut t in raw.claim {
            let id = t.get("id").and_then(toml::Value::as_str).map(str::to_owned);
            if !t.contains_key("expr") {
                let row = toml::Value::Table(t).try_into();
                claim.push(row.map_err(|e: toml::de::Error| bad(id, e.to_string()))?);
                continue;
            }
            // An expression row cites its document by title, as `xent-expr` reads it.
            if let Some(key) = t.remove("document") {
                let title = key.as_str().and_then(|k| raw.documents.get(k));
                let rule = format!("document {key} is no key of [documents]");
                t.insert(
                    "source".into(),
                    title.ok_or_else(|| bad(id, rule))?.as_str().into(),
                );
            }
            expressions.push(toml::Value::Table(t));
        }
        let mut table = toml::Table::new();
        table.insert("claim".into(), toml::Value::Array(expressions));
        let expressions = ClaimsFile::parse(&table.to_string()).map_err(|e| match e {
            ClaimsError::Claim { id, message } => bad(Some(id), message),
            ClaimsError::Parse { id, rendered, .. } => bad(Some(id), rendered),
            other => bad(None, other.to_string()),
        })?;
        let mut data = BTreeMap::new();
        for (name, set) in &raw.inputs {
            let d = set.data(Precision::F64);
            let d = d.map_err(|rule| bad(Some(format!("inputs.{name}")), rule))?;
            data.insert(name.clone(), d);
        }
        let c = Catalogue {
            documents: raw.documents,
            inputs: raw.inputs,
            data,
            claim,
            expressions,
        };
        for (i, row) in c.claim.iter().enumerate() {
            let twice = c.claim[..i].iter().any(|r| r.id == row.id);
            let rule = if twice {
                Err("two rows have this id".to_owned())
            } else {
                c.check_row(row)
            };
            rule.map_err(|rule| bad(Some(row.id.clone()), rule))?;
        }
        Ok(c)
    }

    /// Reads a catalogue file.
    pub fn load(path: &Path) -> Result<Catalogue> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| Error::Catalogue {
            file: file.clone(),
            row: None,
            rule: e.to_string(),
        })?;
        Catalogue::parse(&text, &file)
    }

    /// The built-in catalogue.
    pub fn builtin() -> Result<Catalogue> {
        Catalogue::parse(CATALOGUE, CATALOGUE_FILE)
    }

    /// The rules of a row that serde cannot see: its document, input sets and published
    /// keys exist, its styles are numpy's, its printed values are numbers, and a check that
    /// computes from inputs has some.
    fn check_row(&self, row: &Row) -> std::result::Result<(), String> {
        if !self.documents.contains_key(&row.document) {
            let d = &row.document;
            return Err(format!("document `{d}` is no key of [documents]"));
        }
        let subjects = row.subjects.iter().flat_map(|s| &s.on);
        let checks = row.check.iter().flat_map(|c| c.on.iter().flatten());
        let mut sets = row.inputs.iter().chain(subjects).chain(checks);
        if let Some(set) = sets.find(|s| !self.inputs.contains_key(*s)) {
            return Err(format!("input set `{set}` is no key of [inputs]"));
        }
        for c in &row.check {
            if c.on.is_none() && row.inputs.is_empty() && computes(&c.basis) {
                let basis = &c.basis;
                return Err(format!(
                    "a check of {basis:?} needs inputs and the row has none"
                ));
            }
            for side in [&c.basis, &c.against] {
                match side {
                    Side::Published(key) if xent_core::published::value(key).is_none() => {
                        return Err(format!(
                            "published `{key}` is no key of xent_core::published::VALUES"
                        ));
                    }
                    Side::Style(s) if !matches!(s.as_str(), "sum" | "dot" | "matmul") => {
                        return Err(format!("style `{s}` is not sum, dot or matmul"));
                    }
                    Side::Printed(p) if p.trim().parse::<f64>().is_err() => {
                        return Err(format!("printed `{p}` is not a number"));
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }
}

/// Whether a side computes from inputs.
fn computes(side: &Side) -> bool {
    !matches!(side, Side::Published(_) | Side::Printed(_) | Side::Shape(_))
}

impl InputSet {
    /// The set's data in the `(outputs, samples)` layout, stored in `precision` (a float32
    /// library's inputs are the float32 values of the printed decimals), checked: every row
    /// as long as the first, and a problem `xent-core` accepts.
    pub(crate) fn data(&self, precision: Precision) -> std::result::Result<ProblemData, String> {
        let matrix = |rows: &[Vec<f64>], what: &str| {
            let cols = rows.first().map_or(0, Vec::len);
            if cols == 0 {
                return Err(format!("`{what}` is empty"));
            }
            if let Some(i) = rows.iter().position(|r| r.len() != cols) {
                let n = rows[i].len();
                return Err(format!(
                    "`{what}` row {i} has {n} entries, row 0 has {cols}"
                ));
            }
            let stored = rows.iter().flatten().map(|&v| match precision {
                Precision::F64 => v,
                Precision::F32 => f64::from(v as f32),
            });
            let m = DMatrix::from_row_iterator(rows.len(), cols, stored);
            Ok(match self.layout {
                Layout::Cols => m,
                Layout::Rows => m.transpose(),
            })
        };
        let pred = matrix(&self.pred, "pred")?;
        let data = match (self.kind, &self.truth, &self.classes) {
            (KindName::Binary, Some(y), None) => {
                ProblemData::binary(pred, matrix(y, "truth")?, self.logits)
            }
            (KindName::Categorical, Some(p), None) => {
                ProblemData::categorical(pred, matrix(p, "truth")?, self.logits)
            }
            (KindName::Categorical, None, Some(c)) => {
                ProblemData::with_classes(pred, c.clone(), self.logits)
            }
            _ => return Err("give exactly one of `truth` and (categorical) `classes`".into()),
        };
        let weights = self.weights();
        let checked = data
            .unvalidated()
            .and_then(|p| p.with_weights(&weights)?.validate());
        checked.map_err(|e| e.to_string())?;
        Ok(data)
    }

    /// The set's weights, borrowed.
    pub(crate) fn weights(&self) -> Weights<'_> {
        Weights::from_lists(
            self.sample_weight.as_deref(),
            self.class_weight.as_deref(),
            self.pos_weight.as_deref(),
            self.mask.as_deref(),
            self.ignore_index,
        )
    }
}
