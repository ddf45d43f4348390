//! The catalogue's format: the rows of `catalogue.toml` (compiled in) or of a user's
//! `--claims FILE`, read into typed rows and checked before anything is evaluated. Every
//! error names the file, the row and the rule it breaks.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use xent_core::{Convention, LogBase, Precision, Verdict};
use xent_expr::claims::{ClaimsError, ClaimsFile};

use crate::error::{Error, Result};

/// The catalogue of the documents' claims and the peer libraries' values.
pub const CATALOGUE: &str = include_str!("../catalogue.toml");

/// Where the built-in catalogue lives, as the report and its errors name it.
pub const CATALOGUE_FILE: &str = "crates/verify/catalogue.toml";

/// A catalogue file as written: a `[[claim]]` with `expr` is a numpy expression, judged
/// by `xent-expr` (the format of its claims files); any other is a [`Row`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalogue {
    #[serde(default)]
    documents: BTreeMap<String, String>,
    #[serde(default)]
    inputs: BTreeMap<String, InputSet>,
    #[serde(default)]
    claim: Vec<toml::Table>,
}

/// A catalogue file, read and checked.
#[derive(Debug, Clone)]
pub struct Catalogue {
    /// The documents cited, by key.
    pub documents: BTreeMap<String, String>,
    /// The named input sets.
    pub inputs: BTreeMap<String, InputSet>,
    /// The claims evaluated by the engine, in file order.
    pub claim: Vec<Row>,
    /// The claims written as numpy expressions, judged by `xent-expr` against the oracle.
    pub expressions: ClaimsFile,
}

/// Binary or categorical.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KindName {
    /// Labels in [0, 1].
    Binary,
    /// Targets over classes.
    Categorical,
}

/// How the rows of `pred` and `truth` are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// numpy's `(n_y, m)` of the documents: a row per output.
    #[default]
    Cols,
    /// A peer library's layout: a row per sample.
    Rows,
}

/// One named input set.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputSet {
    /// What it is, in words.
    pub words: Option<String>,
    /// Binary or categorical.
    pub kind: KindName,
    /// The documents' names of the predictions and the truth (`A2`, `Y`).
    pub names: Option<[String; 2]>,
    /// The predictions (probabilities or logits).
    pub pred: Vec<Vec<f64>>,
    /// Labels or targets.
    pub truth: Option<Vec<Vec<f64>>>,
    /// Class indices, one per sample.
    pub classes: Option<Vec<u64>>,
    /// The layout of the rows.
    #[serde(default)]
    pub layout: Layout,
    /// Whether `pred` are logits.
    #[serde(default)]
    pub logits: bool,
}

/// One name or a list of them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    /// One.
    One(String),
    /// Several.
    Many(Vec<String>),
}

impl OneOrMany {
    /// The names.
    pub fn names(&self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

/// What is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Quantity {
    /// `S`, the documents' `logprobs`.
    LogLikelihood,
    /// `J = −S/m`, in a base.
    #[default]
    Loss,
    /// `−(1/m)·Σ_ij D_ij` of the `(n_y, n_y)` matrix `D` of the `np.dot` style.
    DotSum,
}

/// A library's convention, as a basis.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConventionRow {
    /// `exact`, `pytorch`, `keras`, `sklearn`, `scipy`.
    pub library: String,
    /// `f32` or `f64`: the dtype the library computed in.
    pub precision: String,
    /// Label smoothing ε.
    pub label_smoothing: Option<f64>,
}

/// One side of a check: what is computed, or what it is compared with.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Side {
    /// The definition, evaluated exactly and rounded once.
    Oracle,
    /// `−Σ p log_b q` evaluated exactly with `log_b` (not `J_e / ln b`).
    OracleDirect,
    /// The oracle's value of another quantity.
    OracleOf(Quantity),
    /// The formulation that mirrors a numpy style (`sum`, `dot`, `matmul`).
    Style(String),
    /// A formulation by name.
    Formulation(String),
    /// A library's convention applied to the inputs.
    Convention(ConventionRow),
    /// A document's value, a key of `xent_core::published::VALUES`.
    Published(String),
    /// A value as printed (a peer library's).
    Printed(String),
    /// A numpy shape.
    Shape(Vec<usize>),
}

/// How the two sides are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum How {
    /// A full-precision print in ulps of the correctly rounded value, within the bound.
    FullPrecision,
    /// Rounded to the printed decimals.
    Rounded,
    /// Truncated to the printed decimals.
    Truncated,
    /// Bit for bit.
    Equal,
    /// Within the sum of both a priori bounds.
    WithinBounds,
    /// The shape a formulation reduced, against numpy's.
    Shape,
    /// A library's digits (or its float32 test tolerance), by every formulation.
    Library,
    /// Which divisors `m ≤ up_to` reproduce the printed value.
    ImpliedDivisor,
    /// To how many decimals two values agree, when not to full precision.
    Decimals,
    /// The inputs in the same order of loss in every base.
    SameOrder,
    /// The same minimiser in every base.
    SameMinimiser,
    /// Strictly decreasing along the inputs.
    Decreasing,
    /// Positive on every input.
    Positive,
    /// `J_b = J_e / ln b` within one rounding.
    BaseChange,
}

/// A quantity every formulation computes against the oracle, with its bound.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubjectRow {
    /// The input sets.
    pub on: OneOrMany,
    /// The quantity.
    #[serde(default)]
    pub quantity: Quantity,
    /// The bases.
    pub base: Option<OneOrMany>,
}

/// One check of a claim.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckRow {
    /// The case it is about.
    pub case: Option<String>,
    /// The input sets (the claim's first by default).
    pub on: Option<OneOrMany>,
    /// The quantity.
    #[serde(default)]
    pub quantity: Quantity,
    /// The bases (`e` by default).
    pub base: Option<OneOrMany>,
    /// What is computed.
    pub basis: Side,
    /// What it is compared with.
    pub against: Side,
    /// How.
    pub how: How,
    /// `implied_divisor`: the largest divisor tried.
    pub up_to: Option<usize>,
    /// `implied_divisor`: the one divisor expected to reproduce the value.
    pub m: Option<usize>,
}

/// One claim.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Row {
    /// Short stable identifier.
    pub id: String,
    /// A key of `[documents]`.
    pub document: String,
    /// The statement, quoted or in our words.
    pub statement: String,
    /// Its symbolic form.
    pub symbolic: String,
    /// Input sets; none for values published without inputs.
    #[serde(default)]
    pub inputs: Vec<String>,
    /// The formulation table's subjects.
    #[serde(default)]
    pub subjects: Vec<SubjectRow>,
    /// The verdict recorded, as written (read into [`Row::expect`] when the file is checked,
    /// so that an unknown code is an error naming the row).
    #[serde(rename = "expect")]
    pub recorded: toml::Value,
    /// The verdict recorded.
    #[serde(skip, default = "unread")]
    pub expect: Verdict,
    /// The checks.
    #[serde(default)]
    pub check: Vec<CheckRow>,
}

fn unread() -> Verdict {
    Verdict::Fails
}

/// Parses a base name.
pub fn base(name: &str) -> Option<LogBase> {
    name.parse().ok()
}

impl Catalogue {
    /// Reads a catalogue from `text`; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Catalogue> {
        let bad = |row: Option<String>, rule: String| Error::Catalogue {
            file: file.to_owned(),
            row,
            rule: rule.trim_end().to_owned(),
        };
        let raw: RawCatalogue = toml::from_str(text).map_err(|e| bad(None, e.to_string()))?;
        let (mut claim, mut expressions) = (Vec::new(), Vec::new());
        for mut t in raw.claim {
            let id = t.get("id").and_then(toml::Value::as_str).map(str::to_owned);
            if !t.contains_key("expr") {
                let row = toml::Value::Table(t)
                    .try_into()
                    .map_err(|e: toml::de::Error| bad(id, e.to_string()))?;
                claim.push(row);
                continue;
            }
            if let Some(key) = t.remove("document") {
                let title = key
                    .as_str()
                    .and_then(|k| raw.documents.get(k))
                    .ok_or_else(|| {
                        bad(
                            id.clone(),
                            format!("document {key} is no key of [documents]"),
                        )
                    })?;
                t.insert("source".into(), title.clone().into());
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
        let mut c = Catalogue {
            documents: raw.documents,
            inputs: raw.inputs,
            claim,
            expressions,
        };
        c.validate(file)?;
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

    fn validate(&mut self, file: &str) -> Result<()> {
        let bad = |row: &str, rule: String| Error::Catalogue {
            file: file.to_owned(),
            row: Some(row.to_owned()),
            rule,
        };
        for (name, set) in &self.inputs {
            set_shape(set).map_err(|rule| bad(&format!("inputs.{name}"), rule))?;
        }
        for row in &mut self.claim {
            row.expect = row.recorded.clone().try_into().map_err(|_| {
                let codes = "\"holds\", { holds_within = N }, { holds_only_when = \"…\" }, \
                             { holds_only_rounded = N }, \"fails\", \"not_checkable\"";
                bad(
                    &row.id,
                    format!(
                        "expect = {} is not a verdict code: the codes are {codes}",
                        row.recorded
                    ),
                )
            })?;
        }
        let mut ids: Vec<&str> = Vec::new();
        for row in &self.claim {
            if ids.contains(&row.id.as_str()) {
                return Err(bad(&row.id, "two rows have this id".into()));
            }
            ids.push(&row.id);
            self.validate_row(row).map_err(|rule| bad(&row.id, rule))?;
        }
        Ok(())
    }

    /// A row's document, input sets and bases exist, and each check is well formed.
    fn validate_row(&self, row: &Row) -> std::result::Result<(), String> {
        if !self.documents.contains_key(&row.document) {
            return Err(format!(
                "document `{}` is no key of [documents]",
                row.document
            ));
        }
        let mut sets = row.inputs.clone();
        let mut bases = Vec::new();
        for s in &row.subjects {
            sets.extend(s.on.names());
            bases.extend(s.base.iter().flat_map(OneOrMany::names));
        }
        for c in &row.check {
            sets.extend(c.on.iter().flat_map(OneOrMany::names));
            bases.extend(c.base.iter().flat_map(OneOrMany::names));
            self.validate_check(c, row)?;
        }
        if let Some(set) = sets.iter().find(|s| !self.inputs.contains_key(*s)) {
            return Err(format!("input set `{set}` is no key of [inputs]"));
        }
        if let Some(b) = bases.iter().find(|b| base(b).is_none()) {
            return Err(format!("base `{b}` is not e, 2, 10 or a number > 0, ≠ 1"));
        }
        Ok(())
    }

    fn validate_check(&self, c: &CheckRow, row: &Row) -> std::result::Result<(), String> {
        if c.on.is_none() && row.inputs.is_empty() && needs_inputs(&c.basis) {
            return Err(format!(
                "a check of {:?} needs inputs and the row has none",
                c.basis
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
                Side::Formulation(f) if xent_registry::by_name(f).is_none() => {
                    return Err(format!("formulation `{f}` is not in the registry"));
                }
                Side::Convention(k) => {
                    k.library.parse::<Convention>().map_err(|e| e.to_string())?;
                    precision(&k.precision)?;
                }
                Side::Printed(p) if p.trim().parse::<f64>().is_err() => {
                    return Err(format!("printed `{p}` is not a number"));
                }
                _ => {}
            }
        }
        if c.how == How::ImpliedDivisor && (c.up_to.is_none() || c.m.is_none()) {
            return Err("how = \"implied_divisor\" needs `up_to` and `m`".into());
        }
        Ok(())
    }
}

/// Whether a side computes from inputs.
fn needs_inputs(side: &Side) -> bool {
    !matches!(side, Side::Published(_) | Side::Printed(_) | Side::Shape(_))
}

/// `f32` or `f64`.
pub fn precision(name: &str) -> std::result::Result<Precision, String> {
    match name {
        "f32" | "float32" => Ok(Precision::F32),
        "f64" | "float64" => Ok(Precision::F64),
        other => Err(format!("precision `{other}` is not f32 or f64")),
    }
}

/// The `(rows, columns)` of an input set's predictions, every row as long as the first, and
/// its truth of a fitting size.
pub fn set_shape(set: &InputSet) -> std::result::Result<(usize, usize), String> {
    let rect = |m: &[Vec<f64>], what: &str| -> std::result::Result<(usize, usize), String> {
        let cols = m.first().map_or(0, Vec::len);
        if cols == 0 {
            return Err(format!("`{what}` is empty"));
        }
        match m.iter().position(|r| r.len() != cols) {
            Some(i) => Err(format!(
                "`{what}` row {i} has {} entries, row 0 has {cols}",
                m[i].len()
            )),
            None => Ok((m.len(), cols)),
        }
    };
    let shape = rect(&set.pred, "pred")?;
    match (&set.truth, &set.classes) {
        (Some(t), None) if rect(t, "truth")? == shape => Ok(shape),
        (Some(_), None) => Err("`truth` and `pred` differ in shape".into()),
        (None, Some(c)) if set.kind == KindName::Categorical => {
            let samples = if set.layout == Layout::Rows {
                shape.0
            } else {
                shape.1
            };
            if c.len() == samples {
                Ok(shape)
            } else {
                Err(format!("{} `classes` for {samples} samples", c.len()))
            }
        }
        _ => Err("give exactly one of `truth` and (categorical) `classes`".into()),
    }
}
