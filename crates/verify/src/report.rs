//! What an audit produces, and its two renderings: an aligned text report a person reads and
//! JSON. Both are deterministic: they hold correctly rounded oracle values, printed values,
//! bounds in ulps, verdicts, and formulation values and ulp distances only where those do not
//! depend on the platform (see [`Agreement::value`]).

use std::fmt::{self, Write as _};

use serde::{Serialize, Serializer};
use xent_expr::claims::ClaimsReport;

pub use xent_core::Verdict;
pub use xent_core::ulp::Num;

/// One check of a claim: what was compared with what, in which case, and how it came out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    /// The case it is about (`n_y = 1`), when the claim's truth depends on it.
    pub case: Option<String>,
    /// What was compared, with both sides.
    pub what: String,
    /// How it came out: `holds`, `holds_within`, `holds_only_rounded` or `fails`.
    pub outcome: Verdict,
}

/// A value as a document prints it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Printed {
    /// What it is the value of.
    pub what: String,
    /// The digits as printed.
    pub printed: String,
}

/// A correctly rounded value from the oracle.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OracleValue {
    /// What it is the value of.
    pub what: String,
    /// The value.
    pub value: Num,
}

/// One formulation's value of one quantity, against the oracle's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Agreement {
    /// The quantity (`J`, `S`, `J in bits`, with the case).
    pub subject: String,
    /// The formulation's name.
    pub formulation: String,
    /// The shape it reduced (`scalar`, `(1, 1)`, `(2, 2)`).
    pub shape: String,
    /// Its value and its distance to the oracle in ulps, for a formulation whose results are
    /// the same bits on every platform ([`xent_core::Formulation::same_bits_everywhere`]:
    /// its own logarithm, a fixed summation order). `None` for one that calls the
    /// platform's `ln` (the check against the bound still runs and is reported).
    pub value: Option<Num>,
    /// The ulp distance to the oracle (see `value`).
    pub ulps: Option<u64>,
    /// The a priori bound, in ulps of the oracle's value.
    pub bound_ulps: u64,
    /// Whether the value is within the bound of the oracle's.
    pub within_bound: bool,
}

/// One statement of a source document, checked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Claim {
    /// Short stable identifier (`G1`, `Q3`, `F8`).
    pub id: String,
    /// The document's title.
    pub document: String,
    /// The statement, quoted or in our words.
    pub statement: String,
    /// Its symbolic form.
    pub symbolic: String,
    /// The inputs it was checked on.
    pub inputs: Vec<String>,
    /// The values the document prints.
    pub published: Vec<Printed>,
    /// The oracle's values.
    pub oracle: Vec<OracleValue>,
    /// Every formulation's values against the oracle.
    pub formulations: Vec<Agreement>,
    /// The checks the verdict is derived from.
    pub checks: Vec<Check>,
    /// The verdict derived from the checks.
    pub verdict: Verdict,
    /// The verdict the catalogue records; any difference fails the audit.
    pub expected: Verdict,
}

impl Claim {
    /// Whether the derived verdict is the recorded one.
    pub fn as_expected(&self) -> bool {
        self.verdict == self.expected
    }
}

/// One problem of the seeded random sweep.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SweepCase {
    /// Its number.
    pub id: usize,
    /// `binary` or `categorical`.
    pub kind: String,
    /// `probabilities` or `logits`.
    pub predictions: String,
    /// `hard`, `soft`, `classes`, …
    pub labels: String,
    /// `(rows, samples)`.
    pub shape: String,
    /// The oracle's loss in nats.
    pub oracle: Num,
    /// The a priori bound in ulps of the oracle's loss.
    pub bound_ulps: u64,
    /// Per formulation, whether it is within the bound.
    pub within_bound: Vec<(String, bool)>,
}

/// The seeded random agreement sweep.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sweep {
    /// The seed of its generator.
    pub seed: u64,
    /// Its problems.
    pub cases: Vec<SweepCase>,
}

/// The result of an audit.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Report {
    /// The oracle's working precision in bits.
    pub oracle_precision: usize,
    /// The formulations audited, by name.
    pub formulations: Vec<String>,
    /// The documents cited, by title, in the order first cited (numbered from 1).
    pub documents: Vec<String>,
    /// The catalogue's rows: the documents' claims and the peer libraries' values.
    pub claims: Vec<Claim>,
    /// The random sweep, when it ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sweep: Option<Sweep>,
    /// Claims written as numpy expressions (`xent-expr`): the documents' own expressions
    /// first, then every `--claims FILE`.
    pub expressions: Vec<Expressions>,
    /// What could not be run at all (a built-in catalogue or sweep that fails): any fails
    /// the audit.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

/// A claims file of numpy-style expressions, checked by `xent-expr`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Expressions {
    /// Where the claims come from: the built-in documents' file, or the path as given.
    pub file: String,
    /// Every claim, checked.
    #[serde(serialize_with = "claims_json")]
    pub report: ClaimsReport,
}

fn claims_json<S: Serializer>(report: &ClaimsReport, s: S) -> Result<S::Ok, S::Error> {
    report.to_json().serialize(s)
}

impl Report {
    /// A report of nothing yet, through the formulations named.
    pub fn new(formulations: Vec<String>) -> Report {
        let oracle_precision = xent_oracle::PRECISION;
        Report {
            oracle_precision,
            formulations,
            ..Report::default()
        }
    }

    /// Whether every row got its recorded verdict (the documents' claims and the peer
    /// vectors), every sweep value is within bound, every expression claim holds, and
    /// nothing failed to run.
    pub fn passed(&self) -> bool {
        let cases = self.sweep.iter().flat_map(|s| &s.cases);
        self.claims.iter().all(Claim::as_expected)
            && self.expressions.iter().all(|e| e.report.passed())
            && cases.flat_map(|c| &c.within_bound).all(|(_, ok)| *ok)
            && self.errors.is_empty()
    }

    /// The claims whose verdict differs from the recorded one.
    pub fn unexpected(&self) -> Vec<&Claim> {
        self.claims.iter().filter(|c| !c.as_expected()).collect()
    }

    /// The report as pretty-printed JSON, fields in declaration order whatever serde_json's
    /// features (this is what `--format json` prints, with a final newline).
    pub fn render_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("\"{e}\""));
        s.push('\n');
        s
    }

    /// The report as text: a header, a summary table, one block per claim, the sweep's table,
    /// the expression claims, and the result.
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        self.text(&mut out).unwrap_or(());
        out
    }

    fn text(&self, o: &mut String) -> fmt::Result {
        let bits = self.oracle_precision;
        writeln!(
            o,
            "xent verify: the documents' claims, an arbitrary-precision oracle, a priori bounds\n\n\
             oracle        the definition at {bits} bits, rounded once to f64 (correctly rounded)\n\
             formulations  {}\n\
             values        printed only where the same on every platform: the oracle's, and those \
             of formulations with their own logarithm; the others' only within bound (✓) or not\n\
             documents",
            self.formulations.join(", ")
        )?;
        for (i, d) in self.documents.iter().enumerate() {
            writeln!(o, "  [{}] {d}", i + 1)?;
        }
        writeln!(o, "\nSummary")?;
        let mut rows = vec![cells(["id", "doc", "verdict", "expected"])];
        for c in &self.claims {
            let doc = self.documents.iter().position(|d| *d == c.document);
            let doc = doc.map_or("?".to_owned(), |i| format!("[{}]", i + 1));
            let expected = match c.as_expected() {
                true => "as recorded".to_owned(),
                false => format!("UNEXPECTED: recorded {}", c.expected),
            };
            rows.push(vec![c.id.clone(), doc, c.verdict.to_string(), expected]);
        }
        table(o, "  ", &rows)?;
        for c in &self.claims {
            writeln!(o)?;
            claim_block(o, c)?;
        }
        if let Some(sweep) = &self.sweep {
            writeln!(o)?;
            sweep_block(o, sweep)?;
        }
        writeln!(o)?;
        for e in &self.expressions {
            writeln!(o, "Expressions: {}\n\n{}", e.file, e.report.render_text())?;
        }
        for e in &self.errors {
            writeln!(o, "ERROR: {e}\n")?;
        }
        self.result(o)
    }

    /// The last line: the counts and PASS or FAIL.
    fn result(&self, o: &mut String) -> fmt::Result {
        let unexpected: Vec<&str> = self.unexpected().iter().map(|c| c.id.as_str()).collect();
        let (n, u) = (self.claims.len(), unexpected.len());
        write!(
            o,
            "Result: {n} claims, {} with the recorded verdict, {u} unexpected",
            n - u
        )?;
        if u > 0 {
            write!(o, " ({})", unexpected.join(", "))?;
        }
        if let Some(sweep) = &self.sweep {
            let values: Vec<bool> = sweep
                .cases
                .iter()
                .flat_map(|c| &c.within_bound)
                .map(|v| v.1)
                .collect();
            let within = values.iter().filter(|ok| **ok).count();
            write!(
                o,
                "; sweep: {within} of {} values within bound",
                values.len()
            )?;
        }
        let total: usize = self
            .expressions
            .iter()
            .map(|e| e.report.outcomes.len())
            .sum();
        let failed: usize = self.expressions.iter().map(|e| e.report.failures()).sum();
        let result = if self.passed() { "PASS" } else { "FAIL" };
        writeln!(
            o,
            "; expressions: {} of {total} claims hold: {result}",
            total - failed
        )
    }
}

fn cells<const N: usize>(c: [&str; N]) -> Vec<String> {
    c.map(str::to_owned).to_vec()
}

/// A field of a claim block: its name, then one line per entry (`—` for none).
fn field(o: &mut String, name: &str, lines: &[String]) -> fmt::Result {
    if lines.is_empty() {
        return writeln!(o, "  {name:<11}—");
    }
    for (i, l) in lines.iter().enumerate() {
        writeln!(o, "  {:<11}{l}", if i == 0 { name } else { "" })?;
    }
    Ok(())
}

/// `what  value` pairs, the values aligned.
fn aligned<'a>(pairs: impl Iterator<Item = (&'a str, String)> + Clone) -> Vec<String> {
    let w = pairs
        .clone()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    pairs.map(|(k, v)| format!("{k:<w$}  {v}")).collect()
}

fn claim_block(o: &mut String, c: &Claim) -> fmt::Result {
    writeln!(o, "{} · {}", c.id, c.document)?;
    field(o, "statement", std::slice::from_ref(&c.statement))?;
    field(o, "symbolic", std::slice::from_ref(&c.symbolic))?;
    field(o, "inputs", &c.inputs)?;
    let published = c
        .published
        .iter()
        .map(|p| (p.what.as_str(), p.printed.clone()));
    field(o, "published", &aligned(published))?;
    let oracle = c
        .oracle
        .iter()
        .map(|v| (v.what.as_str(), v.value.to_string()));
    field(o, "oracle", &aligned(oracle))?;
    if !c.formulations.is_empty() {
        writeln!(o, "  formulations")?;
        let header = [
            "subject",
            "formulation",
            "shape",
            "value",
            "ulps",
            "bound",
            "within",
        ];
        let mut rows = vec![cells(header)];
        for a in &c.formulations {
            rows.push(vec![
                a.subject.clone(),
                a.formulation.clone(),
                a.shape.clone(),
                a.value.map_or("—".to_owned(), |v| v.to_string()),
                a.ulps.map_or("—".to_owned(), |u| u.to_string()),
                a.bound_ulps.to_string(),
                tick(a.within_bound),
            ]);
        }
        table(o, "    ", &rows)?;
    }
    writeln!(o, "  checks")?;
    for k in &c.checks {
        let case = k.case.as_ref().map_or(String::new(), |c| format!("{c}: "));
        writeln!(o, "    {} {case}{}", mark(&k.outcome), k.what)?;
    }
    let recorded = match c.as_expected() {
        true => "as recorded".to_owned(),
        false => format!("UNEXPECTED: the catalogue records \"{}\"", c.expected),
    };
    writeln!(o, "  {:<11}{} ({recorded})", "verdict", c.verdict)
}

/// How the text report marks a check's outcome: `✓`, `✓ (3 ulps)`, `✓ (to 4 decimals)`, `✗`.
fn mark(outcome: &Verdict) -> String {
    match outcome {
        Verdict::HoldsWithin(1) => "✓ (1 ulp)".to_owned(),
        Verdict::HoldsWithin(n) => format!("✓ ({n} ulps)"),
        Verdict::HoldsOnlyRounded(n) => format!("✓ (to {n} decimals)"),
        Verdict::Fails => "✗".to_owned(),
        _ => "✓".to_owned(),
    }
}

fn tick(ok: bool) -> String {
    if ok { "✓" } else { "✗" }.to_owned()
}

fn sweep_block(o: &mut String, s: &Sweep) -> fmt::Result {
    let seed = s.seed;
    writeln!(
        o,
        "Random sweep (seed {seed:#x}): every formulation within its a priori bound of the oracle"
    )?;
    let header = [
        "case",
        "kind",
        "predictions",
        "targets",
        "shape",
        "oracle J (nats)",
        "bound",
    ];
    let mut header = cells(header);
    if let Some(first) = s.cases.first() {
        header.extend(first.within_bound.iter().map(|(n, _)| n.clone()));
    }
    let mut rows = vec![header];
    for c in &s.cases {
        let mut row = vec![c.id.to_string(), c.kind.clone(), c.predictions.clone()];
        row.extend([c.labels.clone(), c.shape.clone(), c.oracle.to_string()]);
        row.push(c.bound_ulps.to_string());
        row.extend(c.within_bound.iter().map(|(_, ok)| tick(*ok)));
        rows.push(row);
    }
    table(o, "  ", &rows)
}

/// Writes `rows` as a table, columns padded to their widest cell (in characters).
fn table(o: &mut String, indent: &str, rows: &[Vec<String>]) -> fmt::Result {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let width = |i: usize| {
        rows.iter()
            .filter_map(|r| r.get(i))
            .map(|c| c.chars().count())
            .max()
    };
    let widths: Vec<usize> = (0..cols).map(|i| width(i).unwrap_or(0)).collect();
    for r in rows {
        let mut line = String::from(indent);
        for (cell, w) in r.iter().zip(&widths) {
            let pad = w - cell.chars().count() + 2;
            line.push_str(cell);
            line.extend(std::iter::repeat_n(' ', pad));
        }
        writeln!(o, "{}", line.trim_end())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_by_characters() {
        let mut s = String::new();
        let rows = vec![cells(["a", "✓", "x"]), cells(["bbb", "yy", "z"])];
        table(&mut s, "", &rows).expect("writes");
        assert_eq!(s, "a    ✓   x\nbbb  yy  z\n");
    }
}
