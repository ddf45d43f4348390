//! Rendering an [`Outcome`]: an aligned table for a person, or one JSON object for a script.
//!
//! Values are printed with Rust's shortest round-trip formatting in both, so the digits of
//! the text table and of the JSON are the same `f64`. A non-finite loss (`+∞` for a
//! confident wrong prediction) is the JSON string `"inf"` (`"-inf"` in a base below 1).

use std::fmt::Write as _;

use serde::Serialize;
use serde::ser::SerializeMap;

use crate::evaluate::Outcome;
use crate::layout::Layout;

/// The output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// An aligned table, value and unit first.
    #[default]
    Text,
    /// One JSON object.
    Json,
}

/// A loss as JSON: a number when finite, else `"inf"`, `"-inf"` (or `"nan"`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Loss(pub f64);

impl Serialize for Loss {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let v = self.0;
        if v.is_finite() {
            s.serialize_f64(v)
        } else if v.is_nan() {
            s.serialize_str("nan")
        } else if v > 0.0 {
            s.serialize_str("inf")
        } else {
            s.serialize_str("-inf")
        }
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
    unit: &'static str,
    samples: usize,
    outputs: usize,
    from_logits: bool,
    layout: &'static str,
    value: Loss,
    value_from: &'static str,
    formulations: Ordered<'a, Loss>,
    shapes: Ordered<'a, String>,
    max_ulps: u64,
    bound: Option<f64>,
    agree: bool,
}

/// The outcome as one JSON object (one line, no trailing newline).
///
/// Fields: `kind`, `base`, `unit`, `samples`, `outputs`, `from_logits`, `layout`, `value`,
/// `value_from` (the formulation `value` comes from), `formulations` (name → value),
/// `shapes` (name → the shape it reduced), `max_ulps`, `bound` (the a priori bound between
/// two formulations, in the unit; `null` for one formulation) and `agree`.
pub fn json(outcome: &Outcome, layout: Layout) -> String {
    let f = &outcome.formulations;
    let doc = Json {
        kind: outcome.kind.as_str(),
        base: outcome.base.to_string(),
        unit: outcome.base.unit(),
        samples: outcome.samples,
        outputs: outcome.outputs,
        from_logits: outcome.from_logits,
        layout: layout.as_str(),
        value: Loss(outcome.value),
        value_from: outcome.value_from,
        formulations: Ordered(f.iter().map(|c| (c.name, Loss(c.value))).collect()),
        shapes: Ordered(
            f.iter()
                .map(|c| (c.name, c.evaluation.shape.to_string()))
                .collect(),
        ),
        max_ulps: outcome.max_ulps,
        bound: outcome.pair_bound,
        agree: outcome.agree,
    };
    // Serialising plain numbers, strings and maps with string keys cannot fail.
    serde_json::to_string(&doc).unwrap_or_default()
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The outcome as an aligned table, value and unit first.
pub fn text(outcome: &Outcome, layout: Layout) -> String {
    let unit = outcome.base.unit();
    let (what, outputs) = match outcome.kind {
        xent_core::Kind::Binary => ("binary", plural(outcome.outputs, "output", "outputs")),
        xent_core::Kind::Categorical => {
            ("categorical", plural(outcome.outputs, "class", "classes"))
        }
    };
    let mut rows: Vec<(String, String)> = vec![
        ("loss".into(), format!("{} {unit}", outcome.value)),
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
        ("base".into(), format!("{} ({unit})", outcome.base)),
        ("value from".into(), outcome.value_from.to_owned()),
    ];
    let values: Vec<String> = outcome
        .formulations
        .iter()
        .map(|c| c.value.to_string())
        .collect();
    let width = values.iter().map(String::len).max().unwrap_or(0);
    rows.push(("formulations".into(), String::new()));
    for (c, v) in outcome.formulations.iter().zip(&values) {
        rows.push((
            format!("  {}", c.name),
            format!("{v:<width$} {unit}   reduced {}", c.evaluation.shape),
        ));
    }
    rows.push(("max ulps".into(), outcome.max_ulps.to_string()));
    rows.push((
        "bound".into(),
        match outcome.pair_bound {
            Some(b) => format!("{b:.3e} {unit} (a priori, between any two formulations)"),
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
