//! Rendering an [`Outcome`]: an aligned table for a person, or one JSON object for a script.
//!
//! Values are printed with Rust's shortest round-trip formatting in both, so the digits of
//! the text table and of the JSON are the same `f64`. A non-finite loss (`+∞` for a
//! confident wrong prediction) is the JSON string `"inf"` (`"-inf"` in a base below 1).

use std::fmt::Write as _;

use serde::Serialize;
use serde::ser::SerializeMap;

use crate::evaluate::{ConventionRow, Outcome};
use crate::layout::Layout;

/// The output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// An aligned table for reading, one field a line: the loss and its unit first
    /// (`binary`, `categorical`), the verdict (`check`), the report (`verify`)
    #[default]
    Text,
    /// One JSON object, the same fields, for programs
    Json,
}

/// A loss as JSON: `xent_core::ulp::Num`'s encoding (a number when finite, else `"inf"`,
/// `"-inf"` or `"NaN"`), with `−0` as `0`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Loss(pub f64);

/// `x` with `−0` as `0`: a perfect prediction costs zero, whatever the sign its sum of
/// zero terms carries.
pub fn unsigned_zero(x: f64) -> f64 {
    x + 0.0
}

impl Serialize for Loss {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        xent_core::ulp::Num(unsigned_zero(self.0)).serialize(s)
    }
}

/// A JSON object whose keys keep their order.
struct Ordered<'a, V>(Vec<(&'a str, V)>);

impl<V: Serialize> Serialize for Ordered<'_, V> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

#[derive(Serialize)]
struct Json<'a> {
    kind: &'static str,
    base: String,
    unit: String,
    samples: usize,
    outputs: usize,
    from_logits: bool,
    layout: &'static str,
    value: Loss,
    #[serde(skip_serializing_if = "Option::is_none")]
    value_is: Option<String>,
    value_from: &'static str,
    inputs: Ordered<'a, &'a str>,
    dtypes: Ordered<'a, &'static str>,
    precision: &'static str,
    formulations: Ordered<'a, Loss>,
    shapes: Ordered<'a, String>,
    bounds: Ordered<'a, Option<f64>>,
    max_ulps: u64,
    bound: Option<f64>,
    agree: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    convention: Option<ConventionJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    conventions: Option<Ordered<'a, ConventionJson<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reduction: Option<ReductionJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sum: Option<SumJson>,
}

/// What `--sum exact` adds: the compensated result, its distance from the exact `value` in
/// ulps and its bound in ulps.
#[derive(Serialize)]
struct SumJson {
    name: &'static str,
    compensated: Loss,
    compensated_ulps: u64,
    compensated_bound_ulps: u64,
}

/// What `--reduction` and the weight options did: the reduction, the mean's divisor `W`,
/// the options given and the path the per-sample losses went to (never the losses).
#[derive(Serialize)]
struct ReductionJson<'a> {
    name: &'static str,
    weight: Loss,
    weights: &'a [String],
    per_sample: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    per_sample_shape: Option<&'a [usize]>,
}

/// One convention's entry: its value and divisor, every difference from exact, its
/// warnings; `error` (and no value) when it does not apply.
#[derive(Serialize)]
struct ConventionJson<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'static str>,
    value: Option<Loss>,
    divisor: Option<usize>,
    /// Under weights: what the weighted sum is divided by.
    #[serde(skip_serializing_if = "Option::is_none")]
    weighted_divisor: Option<Loss>,
    changes: &'a [String],
    warnings: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
}

impl<'a> ConventionJson<'a> {
    fn of(row: &'a ConventionRow) -> Self {
        match &row.result {
            Ok((value, applied)) => ConventionJson {
                name: None,
                value: Some(Loss(*value)),
                divisor: Some(applied.divisor),
                weighted_divisor: applied.weighted.then_some(Loss(applied.denominator)),
                changes: &applied.changes,
                warnings: &applied.warnings,
                error: None,
            },
            Err(e) => ConventionJson {
                name: None,
                value: None,
                divisor: None,
                weighted_divisor: None,
                changes: &[],
                warnings: &[],
                error: Some(e),
            },
        }
    }
}

/// What every value is computed in: inputs are widened exactly (`float32` and integers are
/// exact in `float64`), sums are compensated in `float64`.
pub const PRECISION: &str = "float64";

/// The outcome as one JSON object (one line, no trailing newline).
///
/// Fields: `kind`, `base`, `unit`, `samples`, `outputs`, `from_logits`, `layout` (as asked),
/// `value`, `value_from` (the formulation `value` comes from), `inputs` (flag → how the file
/// was read: shape, dtype, format, reading), `dtypes` (flag → dtype), `precision` (what the
/// values are computed in), `formulations` (name → value), `shapes` (name → the shape it
/// reduced), `bounds` (name → its own a priori bound on the loss, in the unit; `null` where
/// none was computed), `max_ulps`, `bound` (the largest bound a pair was held to, the sum of
/// the pair's bounds, in the unit; `null` for one formulation) and `agree`. Under a convention
/// other than exact, `convention` (`name`, `value`, `divisor`, `changes`, `warnings`); under
/// `--convention all`, `conventions` (name → `value`, `divisor`, `changes`, `warnings`, or
/// `error` when it does not apply), `value` staying exact's. With a reduction or weight
/// option, `reduction` (`name`: mean, sum or none; `weight`: the mean's divisor
/// `Σ w`; `weights`: the options given; `per_sample`: the path written, or `null`). With
/// `--sum exact`, `sum` (`name`: `exact`; `compensated`: the default path's value;
/// `compensated_ulps`: its distance from `value`; `compensated_bound_ulps`: its bound, in ulps
/// of `value`), `value` being the exact one.
pub fn json(outcome: &Outcome, layout: Layout) -> String {
    let f = &outcome.formulations;
    let doc = Json {
        kind: outcome.kind.as_str(),
        base: outcome.base.to_string(),
        unit: outcome.base.unit_name(),
        samples: outcome.samples,
        outputs: outcome.outputs,
        from_logits: outcome.from_logits,
        layout: layout.as_str(),
        value: Loss(outcome.value),
        value_is: outcome.weighting.as_ref().map(value_is),
        value_from: outcome.value_from,
        inputs: Ordered(
            outcome
                .inputs
                .iter()
                .map(|i| (i.flag, i.reading.as_str()))
                .collect(),
        ),
        dtypes: Ordered(outcome.inputs.iter().map(|i| (i.flag, i.dtype)).collect()),
        precision: PRECISION,
        formulations: Ordered(f.iter().map(|c| (c.name, Loss(c.value))).collect()),
        bounds: Ordered(
            f.iter()
                .map(|c| (c.name, c.bound.is_finite().then_some(c.bound)))
                .collect(),
        ),
        shapes: Ordered(
            f.iter()
                .map(|c| (c.name, c.evaluation.shape.to_string()))
                .collect(),
        ),
        max_ulps: outcome.max_ulps,
        bound: outcome.pair_bound,
        agree: outcome.agree,
        convention: outcome.convention.as_ref().map(|a| ConventionJson {
            name: Some(a.convention.name()),
            value: Some(Loss(outcome.value)),
            divisor: Some(a.divisor),
            weighted_divisor: a.weighted.then_some(Loss(a.denominator)),
            changes: &a.changes,
            warnings: &a.warnings,
            error: None,
        }),
        conventions: (!outcome.conventions.is_empty()).then(|| {
            Ordered(
                outcome
                    .conventions
                    .iter()
                    .map(|r| (r.convention.name(), ConventionJson::of(r)))
                    .collect(),
            )
        }),
        reduction: outcome.weighting.as_ref().map(|w| ReductionJson {
            name: w.reduction.as_str(),
            weight: Loss(w.weight),
            weights: &w.given,
            per_sample: w.per_sample.as_deref(),
            per_sample_shape: w.per_sample_shape.as_deref(),
        }),
        sum: outcome.exact_sum.as_ref().map(|e| SumJson {
            name: "exact",
            compensated: Loss(e.compensated),
            compensated_ulps: e.ulps,
            compensated_bound_ulps: e.bound_ulps,
        }),
    };
    // Serialising plain numbers, strings and maps with string keys cannot fail.
    serde_json::to_string(&doc).unwrap_or_default()
}

/// What `value` is under a reduction or weights, in words: the reduction and its divisor
/// (a peer convention's in its library's terms); for `none`, the mean of the per-sample
/// losses written to the file.
fn value_is(w: &crate::evaluate::Weighting) -> String {
    let weight = unsigned_zero(w.weight);
    match (&w.divided_by, w.reduction) {
        (Some(by), xent_core::Reduction::None) => {
            format!("the mean of the per-sample losses written to per_sample; {by}")
        }
        (Some(by), _) => by.clone(),
        (None, xent_core::Reduction::Sum) => "sum: Σ w·l".to_owned(),
        (None, xent_core::Reduction::None) => format!(
            "the weighted mean Σ w·l / Σ w of the per-sample losses (written to \
             per_sample), Σ w = {weight}"
        ),
        (None, _) => format!("mean: Σ w·l / Σ w, Σ w = {weight}"),
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The outcome as an aligned table, value and unit first.
pub fn text(outcome: &Outcome, layout: Layout) -> String {
    let unit = outcome.base.unit_name();
    let (what, outputs) = match outcome.kind {
        xent_core::Kind::Binary => ("binary", plural(outcome.outputs, "output", "outputs")),
        xent_core::Kind::Categorical => {
            ("categorical", plural(outcome.outputs, "class", "classes"))
        }
    };
    let mut rows: Vec<(String, String)> = vec![
        (
            "loss".into(),
            format!("{} {unit}", unsigned_zero(outcome.value)),
        ),
        (
            "problem".into(),
            format!(
                "{what}, {outputs} × {}, from {} (--layout {})",
                plural(outcome.samples, "sample", "samples"),
                if outcome.from_logits {
                    "logits"
                } else {
                    "probabilities"
                },
                layout.as_str()
            ),
        ),
    ];
    for (i, input) in outcome.inputs.iter().enumerate() {
        rows.push((
            if i == 0 {
                "inputs".into()
            } else {
                String::new()
            },
            format!("{} {}", input.flag, input.reading),
        ));
    }
    let widened = outcome.inputs.iter().any(|i| i.dtype == "float32");
    let summed = if outcome.exact_sum.is_some() {
        "terms summed exactly, rounded once"
    } else {
        "sums compensated"
    };
    rows.push((
        "precision".into(),
        if widened {
            format!("{PRECISION} (inputs widened exactly; {summed})")
        } else {
            format!("{PRECISION} ({summed})")
        },
    ));
    rows.push(("base".into(), format!("{} ({unit})", outcome.base)));
    if let Some(w) = &outcome.weighting {
        let weight = unsigned_zero(w.weight);
        rows.push((
            "reduction".into(),
            match w.reduction {
                _ if w.divided_by.is_some() => value_is(w),
                xent_core::Reduction::Mean | xent_core::Reduction::MeanWithSampleWeight => {
                    format!("mean: Σ w·l / Σ w, Σ w = {weight}")
                }
                xent_core::Reduction::Sum => "sum: Σ w·l".to_owned(),
                xent_core::Reduction::None => {
                    format!("none: the loss above is their mean, Σ w·l / Σ w, Σ w = {weight}")
                }
            },
        ));
        if !w.given.is_empty() {
            rows.push(("weights".into(), w.given.join(", ")));
        }
        if let Some(path) = &w.per_sample {
            rows.push((
                "per-sample".into(),
                format!("{} losses written to {path}", outcome.samples),
            ));
        }
    }
    if let Some(a) = &outcome.convention {
        rows.push((
            "convention".into(),
            format!("{} ({})", a.convention, a.divisor_reason),
        ));
        push_lines(&mut rows, "changes", &a.changes, "same as exact");
        if !a.warnings.is_empty() {
            push_lines(&mut rows, "warnings", &a.warnings, "");
        }
    }
    if !outcome.conventions.is_empty() {
        let values: Vec<String> = outcome
            .conventions
            .iter()
            .map(|r| match &r.result {
                Ok((v, _)) => v.to_string(),
                Err(_) => "-".to_owned(),
            })
            .collect();
        let width = values.iter().map(String::len).max().unwrap_or(0);
        rows.push(("conventions".into(), String::new()));
        for (r, v) in outcome.conventions.iter().zip(&values) {
            let why = match &r.result {
                Ok((_, a)) if a.changes.is_empty() && a.warnings.is_empty() => {
                    "same as exact".to_owned()
                }
                Ok((_, a)) => a
                    .changes
                    .iter()
                    .cloned()
                    .chain(a.warnings.iter().map(|w| format!("warning: {w}")))
                    .collect::<Vec<_>>()
                    .join("; "),
                Err(e) => e.clone(),
            };
            let unit = if r.result.is_ok() { unit.as_str() } else { "" };
            rows.push((
                format!("  {}", r.convention),
                format!("{v:<width$} {unit:<5}  {why}"),
            ));
        }
    }
    let compared = outcome.formulations.len() > 1
        || outcome
            .formulations
            .iter()
            .any(|c| c.name != outcome.value_from);
    if let Some(e) = &outcome.exact_sum {
        rows.push((
            "value from".into(),
            format!(
                "{} (the correctly rounded sum of the terms, divided exactly: the same bits \
                 on every CPU and thread count)",
                outcome.value_from
            ),
        ));
        rows.push((
            "compensated".into(),
            format!(
                "{} {unit} ({} from the exact value; bound {})",
                unsigned_zero(e.compensated),
                plural(e.ulps as usize, "ulp", "ulps"),
                plural(e.bound_ulps as usize, "ulp", "ulps"),
            ),
        ));
    } else if !compared {
        // The production path alone: nothing was compared, so there is nothing to report
        // about agreement (JSON keeps its fields, with one formulation and no bound).
        rows.push((
            "value from".into(),
            format!(
                "{} (one pass, validated as it reads; --compare also runs the numpy styles)",
                outcome.value_from
            ),
        ));
    } else {
        rows.push(("value from".into(), outcome.value_from.to_owned()));
        let values: Vec<String> = outcome
            .formulations
            .iter()
            .map(|c| unsigned_zero(c.value).to_string())
            .collect();
        let width = values.iter().map(String::len).max().unwrap_or(0);
        rows.push(("formulations".into(), String::new()));
        for (c, v) in outcome.formulations.iter().zip(&values) {
            let bound = if c.bound.is_finite() && outcome.formulations.len() > 1 {
                format!(", bound {:.1e}", c.bound)
            } else {
                String::new()
            };
            rows.push((
                format!("  {}", c.name),
                format!("{v:<width$} {unit}   reduced {}{bound}", c.evaluation.shape),
            ));
        }
        rows.push(("max ulps".into(), outcome.max_ulps.to_string()));
        rows.push((
            "bound".into(),
            match outcome.pair_bound {
                Some(b) => {
                    format!(
                        "{b:.3e} {unit} (a priori: each pair is held to the sum of its two bounds)"
                    )
                }
                None => "- (one formulation)".to_owned(),
            },
        ));
        rows.push((
            "agree".into(),
            if outcome.agree {
                "yes".to_owned()
            } else {
                "NO: the formulations differ beyond their bound".to_owned()
            },
        ));
    }
    let label = rows
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for (l, v) in rows {
        let line = format!("{l:<label$}  {v}");
        let _ = writeln!(out, "{}", line.trim_end());
    }
    out
}

/// `label` then one row per line (an empty label on the next ones), or `none` alone.
fn push_lines(rows: &mut Vec<(String, String)>, label: &str, lines: &[String], none: &str) {
    if lines.is_empty() {
        rows.push((label.into(), none.into()));
    }
    for (i, l) in lines.iter().enumerate() {
        rows.push((if i == 0 { label.into() } else { String::new() }, l.clone()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn infinite_losses_are_strings() {
        let s = |v| serde_json::to_string(&Loss(v)).unwrap_or_default();
        assert_eq!(s(f64::INFINITY), "\"inf\"");
        assert_eq!(s(f64::NEG_INFINITY), "\"-inf\"");
        assert_eq!(s(0.5), "0.5");
    }
}
