//! Rendering a [`CheckReport`]: text for people (numbers rounded to 10 digits, so reports
//! are the same on every platform) and JSON for tools (full precision, distances in ulps).

use serde_json::{Value, json};

use crate::check::{CheckReport, Run};
use crate::diagnosis::{Outcome, format_value};
use crate::names::Role;
use crate::shape::{OneElement, Shape};

/// A number for JSON: finite numbers as numbers, the rest as numpy prints them.
pub(crate) fn number(x: f64) -> Value {
    serde_json::to_value(xent_core::ulp::Num(x)).unwrap_or(Value::Null)
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Predictions => "predictions",
        Role::SamplePredictions => "one sample's predictions (1-D)",
        Role::Labels => "labels",
        Role::SampleLabels => "one sample's labels (1-D)",
        Role::Samples => "samples",
        Role::Rows => "rows",
        Role::Logits => "logits",
        Role::ClassIndices => "class indices (1-D, integers)",
    }
}

fn one_element(shape: &Shape) -> Value {
    match shape.one_element() {
        OneElement::Always => json!("always"),
        OneElement::Never => json!("never"),
        OneElement::When(_) => json!(shape.one_element().condition()),
    }
}

fn sizes(shape: &Shape) -> Value {
    match shape.sizes() {
        Some(s) => json!(s),
        None => json!(shape.to_strings()),
    }
}

impl CheckReport {
    fn vocabulary(&self) -> (&'static str, &'static str) {
        match self.kind {
            xent_core::Kind::Binary => ("n_y", "labels"),
            xent_core::Kind::Categorical => ("k", "targets"),
        }
    }

    fn reference_line(&self) -> String {
        let (rows, labels) = self.vocabulary();
        let what = match self.quantity {
            crate::Quantity::Loss => format!("the loss in {}", self.base.unit_name()),
            crate::Quantity::LogLikelihood => format!(
                "the log-likelihood Σ (in {}, before −1/m)",
                self.base.unit_name()
            ),
        };
        let names: Vec<String> = self
            .inputs
            .iter()
            .map(|(n, r)| {
                // The shape the expression sees: the user's own, when the arrays are theirs.
                let shape = self
                    .input_shapes
                    .iter()
                    .find(|(name, _)| name == n)
                    .map_or_else(String::new, |(_, s)| format!(" {s}"));
                let role = match r {
                    Role::Predictions => "predictions".to_owned(),
                    Role::Labels => labels.to_owned(),
                    Role::SamplePredictions => "one sample's predictions".to_owned(),
                    Role::SampleLabels => format!("one sample's {labels}"),
                    Role::Samples => "samples".to_owned(),
                    Role::Rows if rows == "k" => "classes".to_owned(),
                    Role::Rows => "outputs".to_owned(),
                    Role::Logits => "logits".to_owned(),
                    Role::ClassIndices => "class indices".to_owned(),
                };
                format!("{n}: {role}{shape}")
            })
            .collect();
        let mut s = format!("{} cross-entropy, {what}", self.kind);
        if !names.is_empty() {
            s.push_str(&format!("; {}", names.join(", ")));
        } else if self.concrete {
            s.push_str("; on the program's own arrays");
        }
        s
    }

    /// The report as text: the expression, what it is compared with, its shapes, the
    /// verdict, one line per problem, the details of what went wrong, and notes.
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        let mut section = |title: &str, lines: Vec<String>| {
            for (i, l) in lines.iter().enumerate() {
                let head = if i == 0 { title } else { "" };
                out.push_str(format!("{head:<12}{l}").trim_end());
                out.push('\n');
            }
        };
        section(
            "expression",
            self.source
                .lines()
                .map(str::trim_end)
                .filter(|l| !l.trim().is_empty())
                .map(str::to_owned)
                .collect(),
        );
        section("reference", vec![self.reference_line()]);
        section("shapes", self.shape_lines());
        section(
            "verdict",
            self.verdict_lines()
                .iter()
                .flat_map(|l| wrap(l, VERDICT_WIDTH))
                .collect(),
        );
        section("runs", self.run_lines());
        let details: Vec<String> = self
            .runs
            .iter()
            .filter(|r| r.outcome != Outcome::Equal)
            .map(|r| format!("on {}: {}", r.name(), r.detail))
            .collect();
        if !details.is_empty() {
            section("details", details);
        }
        if !self.notes.is_empty() {
            section("notes", self.notes.clone());
        }
        out
    }

    fn shape_lines(&self) -> Vec<String> {
        let symbolic = self.symbolic.as_ref();
        let nodes = symbolic.map_or(&self.concrete_nodes, |s| &s.nodes);
        let paired = self.concrete && self.concrete_nodes.len() == nodes.len();
        let width = nodes
            .iter()
            .map(|n| n.text.chars().count())
            .max()
            .unwrap_or(0);
        let shape_width = nodes
            .iter()
            .map(|n| n.shape.to_string().chars().count())
            .max()
            .unwrap_or(0);
        nodes
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let mut line = format!(
                    "{:<width$}  {:<shape_width$}  {}",
                    n.text,
                    n.shape.to_string(),
                    n.ty
                );
                if paired && symbolic.is_some() {
                    let c = &self.concrete_nodes[i];
                    if c.shape != n.shape {
                        line.push_str(&format!("  here {}", c.shape));
                    }
                }
                if let Some(c) = n.shape.one_element().condition() {
                    line.push_str(&format!("  one element only when {c}"));
                }
                line
            })
            .collect()
    }

    fn run_lines(&self) -> Vec<String> {
        let (rows, _) = self.vocabulary();
        let header = [
            "problem".to_owned(),
            rows.to_owned(),
            "m".to_owned(),
            "shape".to_owned(),
            "value".to_owned(),
            "reference".to_owned(),
            "outcome".to_owned(),
        ];
        let mut table = vec![header];
        for r in &self.runs {
            table.push([
                r.problem.clone(),
                r.rows.to_string(),
                r.samples.to_string(),
                if r.outcome == Outcome::Rejected {
                    "-".into()
                } else {
                    r.shape.to_string()
                },
                r.value.map_or_else(|| "-".into(), format_value),
                format_value(r.reference),
                outcome_cell(r),
            ]);
        }
        let widths: Vec<usize> = (0..7)
            .map(|c| {
                table
                    .iter()
                    .map(|row| row[c].chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        table
            .iter()
            .map(|row| {
                row.iter()
                    .enumerate()
                    .map(|(c, cell)| {
                        let w = widths[c];
                        if c == 1 || c == 2 {
                            format!("{cell:>w$}")
                        } else {
                            format!("{cell:<w$}")
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("  ")
                    .trim_end()
                    .to_owned()
            })
            .collect()
    }

    /// The report as JSON: `shape` (integers, `[]` for a numpy scalar; for a symbolic run,
    /// the symbolic shape as strings), `value` (the result on the first problem when it has
    /// one element, else null), `reference`, `equal`, `verdict` (its code), `message`, and
    /// every run with its distances in ulps and bounds.
    pub fn to_json(&self) -> Value {
        let shape = self.shape().map_or(Value::Null, |s| sizes(&s));
        let symbolic = self.symbolic.as_ref();
        let nodes: Vec<Value> = symbolic
            .map_or(&self.concrete_nodes, |s| &s.nodes)
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let mut v = json!({
                    "text": n.text,
                    "shape": n.shape.to_strings(),
                    "type": n.ty.name(),
                    "one_element": one_element(&n.shape),
                });
                if symbolic.is_some()
                    && let Some(c) = self.concrete_nodes.get(i)
                {
                    v["concrete_shape"] = sizes(&c.shape);
                }
                v
            })
            .collect();
        let inputs: serde_json::Map<String, Value> = self
            .inputs
            .iter()
            .map(|(n, r)| (n.clone(), json!(role_name(*r))))
            .collect();
        json!({
            "expression": self.source,
            "kind": self.kind.as_str(),
            "quantity": self.quantity.as_str(),
            "base": self.base.to_string(),
            "unit": self.base.unit_name(),
            "result": self.result_name,
            "inputs": inputs,
            "concrete": self.concrete,
            "shape": shape,
            "symbolic_shape": symbolic.map(|s| s.shape.to_strings()),
            "one_element": symbolic.map(|s| one_element(&s.shape)),
            "type": self.ty().map(|t| t.name()),
            "value": self.value().map_or(Value::Null, number),
            "reference": self.reference().map_or(Value::Null, number),
            "value_on": self.runs.first().map(|r| r.problem.clone()),
            "equal": self.equal(),
            "verdict": self.verdict.code(),
            "message": self.verdict_lines().join("\n"),
            "caveat": self.caveat,
            "perturbation": self.perturbation,
            "nodes": nodes,
            "runs": self.runs.iter().map(run_json).collect::<Vec<_>>(),
            "notes": self.notes,
        })
    }
}

/// Widest verdict line of a text report (after the 12-column title): lines a person reads.
const VERDICT_WIDTH: usize = 88;

/// `line` wrapped at spaces to `width` characters; continuation lines are indented two
/// more than the line's own indentation.
fn wrap(line: &str, width: usize) -> Vec<String> {
    let indent = line.len() - line.trim_start().len();
    let pad = " ".repeat(indent + 2);
    let mut out: Vec<String> = Vec::new();
    let mut current = " ".repeat(indent);
    // Words, a `code span` kept whole.
    let mut words: Vec<String> = Vec::new();
    for w in line.split_whitespace() {
        match words.last_mut() {
            Some(last) if last.matches('`').count() % 2 == 1 => {
                last.push(' ');
                last.push_str(w);
            }
            _ => words.push(w.to_owned()),
        }
    }
    for word in &words {
        let fresh = current.trim().is_empty();
        if !fresh && current.chars().count() + 1 + word.chars().count() > width {
            out.push(std::mem::replace(&mut current, pad.clone()));
        }
        if !current.trim().is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    out.push(current);
    out
}

fn outcome_cell(r: &Run) -> String {
    match (r.outcome, r.bound_ulps) {
        (Outcome::Equal, Some(b)) => format!("equal (≤ {b} ulps)"),
        (o, _) => o.as_str().to_owned(),
    }
}

fn run_json(r: &Run) -> Value {
    json!({
        "problem": r.problem,
        "rows": r.rows,
        "samples": r.samples,
        "labels": if r.hard { "hard" } else { "soft" },
        "probe": r.probe.map(|p| p.name()),
        "shape": if r.outcome == Outcome::Rejected { Value::Null } else { sizes(&r.shape) },
        "type": r.ty.map(|t| t.name()),
        "value": r.value.map_or(Value::Null, number),
        "reference": number(r.reference),
        "expression_bound": r.expression_bound.map_or(Value::Null, number),
        "reference_bound": number(r.reference_bound),
        // A NaN is no number of ulps from anything: null, not `ulp_distance`'s u64::MAX.
        "ulps": r.ulps.filter(|&u| u != u64::MAX),
        "bound_ulps": r.bound_ulps,
        "outcome": r.outcome.as_str(),
        "detail": r.detail,
        "nan": r.nan.as_ref().map(|n| json!({
            "text": n.text,
            "index": n.index,
            "cause": n.cause,
            "term": n.term,
        })),
        "culprit": r.culprit.as_ref().map(|c| json!({
            "text": c.text,
            "relative_error_u": number(c.relative_u),
            "hint": c.hint,
        })),
    })
}
