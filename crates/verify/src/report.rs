//! What an audit produces, and its two renderings: an aligned text report a person reads and
//! JSON. Both are deterministic: they hold correctly rounded oracle values, printed values,
//! bounds in ulps, verdicts, and formulation values and ulp distances only where those do not
//! depend on the platform (see [`Agreement::value`]).

use std::fmt::{self, Write as _};

use serde::{Serialize, Serializer};
use xent_expr::claims::ClaimsReport;

pub use xent_core::Verdict;
pub use xent_core::ulp::Num;

/// The outcome of one check of a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// It holds exactly (or to the printed digits).
    Holds,
    /// It holds within this many ulps.
    Within(u64),
    /// A value agrees with another to this many decimals, and not to full precision.
    Rounded(u32),
    /// It does not hold.
    Fails,
}

impl Outcome {
    /// Whether it holds, exactly or within ulps.
    pub fn holds(self) -> bool {
        !matches!(self, Outcome::Fails)
    }

    /// The weaker of two outcomes: a failure, else the fewest decimals, else the most ulps.
    pub fn and(self, other: Outcome) -> Outcome {
        use Outcome::{Fails, Holds, Rounded, Within};
        match (self, other) {
            (Fails, _) | (_, Fails) => Fails,
            (Rounded(a), Rounded(b)) => Rounded(a.min(b)),
            (Rounded(a), _) | (_, Rounded(a)) => Rounded(a),
            (Within(a), Within(b)) => Within(a.max(b)),
            (Within(a), Holds) | (Holds, Within(a)) => Within(a),
            (Holds, Holds) => Holds,
        }
    }

    /// [`Outcome::Holds`] or [`Outcome::Fails`].
    pub fn from_bool(holds: bool) -> Self {
        if holds {
            Outcome::Holds
        } else {
            Outcome::Fails
        }
    }
}

impl Serialize for Outcome {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Outcome::Holds => s.serialize_str("holds"),
            Outcome::Within(n) => s.collect_str(&format_args!("within {n} ulps")),
            Outcome::Rounded(n) => s.collect_str(&format_args!("to {n} decimals")),
            Outcome::Fails => s.serialize_str("fails"),
        }
    }
}

/// One check of a claim: what was compared with what, in which case, and how it came out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    /// The case it is about (`n_y = 1`), when the claim's truth depends on it.
    pub case: Option<String>,
    /// What was compared, with both sides.
    pub what: String,
    /// How it came out.
    pub outcome: Outcome,
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
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The oracle's working precision in bits.
    pub oracle_precision: usize,
    /// The formulations audited, by name.
    pub formulations: Vec<String>,
    /// The documents cited, by title.
    pub documents: Vec<String>,
    /// The catalogue's rows: the documents' claims and the peer libraries' values.
    pub claims: Vec<Claim>,
    /// The random sweep (empty when disabled).
    pub sweep: Sweep,
    /// Claims written as numpy expressions (`xent-expr`): the documents' own expressions
    /// first, then every `--claims FILE`.
    pub expressions: Vec<Expressions>,
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

/// The expression claims as JSON, each claim's value to 10 significant digits as the text
/// prints it: `xent-expr` evaluates with the platform's `ln`, whose last bits may differ
/// between machines, and the report must not.
fn claims_json<S: Serializer>(report: &ClaimsReport, s: S) -> Result<S::Ok, S::Error> {
    let mut json = report.to_json();
    if let Some(claims) = json
        .get_mut("claims")
        .and_then(serde_json::Value::as_array_mut)
    {
        for claim in claims {
            if let Some(x) = claim.get("value").and_then(serde_json::Value::as_f64) {
                claim["value"] = serde_json::json!(significant(x, 10));
            }
        }
    }
    json.serialize(s)
}

/// `x` rounded to `digits` significant decimal digits.
fn significant(x: f64, digits: usize) -> f64 {
    format!("{:.*e}", digits.saturating_sub(1), x)
        .parse()
        .unwrap_or(x)
}

impl Report {
    /// Whether every row got its recorded verdict (the documents' claims and the peer
    /// vectors), every sweep value is within bound and every expression claim holds.
    pub fn passed(&self) -> bool {
        self.claims.iter().all(Claim::as_expected)
            && self.expressions.iter().all(|e| e.report.passed())
            && self
                .sweep
                .cases
                .iter()
                .all(|c| c.within_bound.iter().all(|(_, ok)| *ok))
    }

    /// The claims whose verdict differs from the recorded one.
    pub fn unexpected(&self) -> Vec<&Claim> {
        self.claims.iter().filter(|c| !c.as_expected()).collect()
    }

    /// The report as a JSON value.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_else(|e| serde_json::Value::String(e.to_string()))
    }

    /// The report as pretty-printed JSON, fields in declaration order whatever serde_json's
    /// features (this is what `--format json` prints, with a final newline).
    pub fn render_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("\"{e}\""));
        s.push('\n');
        s
    }

    /// The report as text: a header, a summary table, one block per claim, the sweep's table
    /// and the result.
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        self.text(&mut out).unwrap_or(());
        out
    }

    fn text(&self, o: &mut String) -> fmt::Result {
        writeln!(
            o,
            "xent verify: the documents' claims, an arbitrary-precision oracle, a priori bounds"
        )?;
        writeln!(o)?;
        writeln!(
            o,
            "oracle        the definition at {} bits, rounded once to f64 (correctly rounded)",
            self.oracle_precision
        )?;
        writeln!(o, "formulations  {}", self.formulations.join(", "))?;
        writeln!(
            o,
            "values        printed only where the same on every platform: the oracle's, and those of formulations with their own logarithm; the others' only within bound (✓) or not"
        )?;
        writeln!(o, "documents")?;
        for (i, d) in self.documents.iter().enumerate() {
            writeln!(o, "  [{}] {d}", i + 1)?;
        }
        writeln!(o)?;
        writeln!(o, "Summary")?;
        let mut rows = vec![vec![
            "id".to_owned(),
            "doc".to_owned(),
            "verdict".to_owned(),
            "expected".to_owned(),
        ]];
        for c in &self.claims {
            let doc = self
                .documents
                .iter()
                .position(|d| *d == c.document)
                .map_or("?".to_owned(), |i| format!("[{}]", i + 1));
            let expected = if c.as_expected() {
                "as recorded".to_owned()
            } else {
                format!("UNEXPECTED: recorded {}", c.expected)
            };
            rows.push(vec![c.id.clone(), doc, c.verdict.to_string(), expected]);
        }
        table(o, "  ", &rows)?;
        for c in &self.claims {
            writeln!(o)?;
            claim_block(o, c)?;
        }
        writeln!(o)?;
        sweep_block(o, &self.sweep)?;
        writeln!(o)?;
        for e in &self.expressions {
            writeln!(o, "Expressions: {}", e.file)?;
            writeln!(o)?;
            o.push_str(&e.report.render_text());
            writeln!(o)?;
        }
        self.result(o)
    }

    /// The last line: the counts and PASS or FAIL.
    fn result(&self, o: &mut String) -> fmt::Result {
        let unexpected = self.unexpected();
        let expression_claims: usize = self
            .expressions
            .iter()
            .map(|e| e.report.outcomes.len())
            .sum();
        let expression_failures: usize = self.expressions.iter().map(|e| e.report.failures()).sum();
        let values: usize = self.sweep.cases.iter().map(|c| c.within_bound.len()).sum();
        let within: usize = self
            .sweep
            .cases
            .iter()
            .map(|c| c.within_bound.iter().filter(|(_, ok)| *ok).count())
            .sum();
        writeln!(
            o,
            "Result: {} claims, {} with the recorded verdict, {} unexpected{}; sweep: {} of {} values within bound; expressions: {} of {} claims hold: {}",
            self.claims.len(),
            self.claims.len() - unexpected.len(),
            unexpected.len(),
            if unexpected.is_empty() {
                String::new()
            } else {
                format!(
                    " ({})",
                    unexpected
                        .iter()
                        .map(|c| c.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            },
            within,
            values,
            expression_claims - expression_failures,
            expression_claims,
            if self.passed() { "PASS" } else { "FAIL" }
        )
    }
}

fn claim_block(o: &mut String, c: &Claim) -> fmt::Result {
    writeln!(o, "{} · {}", c.id, c.document)?;
    let field = |o: &mut String, name: &str, lines: &[String]| -> fmt::Result {
        if lines.is_empty() {
            return writeln!(o, "  {name:<11}—");
        }
        for (i, l) in lines.iter().enumerate() {
            writeln!(o, "  {:<11}{l}", if i == 0 { name } else { "" })?;
        }
        Ok(())
    };
    field(o, "statement", std::slice::from_ref(&c.statement))?;
    field(o, "symbolic", std::slice::from_ref(&c.symbolic))?;
    field(o, "inputs", &c.inputs)?;
    let w = c
        .published
        .iter()
        .map(|p| p.what.chars().count())
        .max()
        .unwrap_or(0);
    let published: Vec<String> = c
        .published
        .iter()
        .map(|p| format!("{:<w$}  {}", p.what, p.printed))
        .collect();
    field(o, "published", &published)?;
    let w = c
        .oracle
        .iter()
        .map(|v| v.what.chars().count())
        .max()
        .unwrap_or(0);
    let oracle: Vec<String> = c
        .oracle
        .iter()
        .map(|v| format!("{:<w$}  {}", v.what, v.value))
        .collect();
    field(o, "oracle", &oracle)?;
    if !c.formulations.is_empty() {
        writeln!(o, "  formulations")?;
        let mut rows = vec![vec![
            "subject".to_owned(),
            "formulation".to_owned(),
            "shape".to_owned(),
            "value".to_owned(),
            "ulps".to_owned(),
            "bound".to_owned(),
            "within".to_owned(),
        ]];
        for a in &c.formulations {
            rows.push(vec![
                a.subject.clone(),
                a.formulation.clone(),
                a.shape.clone(),
                a.value.map_or("—".to_owned(), |v| v.to_string()),
                a.ulps.map_or("—".to_owned(), |u| u.to_string()),
                a.bound_ulps.to_string(),
                if a.within_bound { "✓" } else { "✗" }.to_owned(),
            ]);
        }
        table(o, "    ", &rows)?;
    }
    writeln!(o, "  checks")?;
    for k in &c.checks {
        let mark = match k.outcome {
            Outcome::Holds => "✓".to_owned(),
            Outcome::Within(n) => format!("✓ ({n} ulp{})", if n == 1 { "" } else { "s" }),
            Outcome::Rounded(n) => format!("✓ (to {n} decimals)"),
            Outcome::Fails => "✗".to_owned(),
        };
        match &k.case {
            Some(case) => writeln!(o, "    {mark} {case}: {}", k.what)?,
            None => writeln!(o, "    {mark} {}", k.what)?,
        }
    }
    let recorded = if c.as_expected() {
        "as recorded".to_owned()
    } else {
        format!("UNEXPECTED: the catalogue records \"{}\"", c.expected)
    };
    writeln!(o, "  {:<11}{} ({recorded})", "verdict", c.verdict)
}

fn sweep_block(o: &mut String, s: &Sweep) -> fmt::Result {
    writeln!(
        o,
        "Random sweep (seed {:#x}): every formulation within its a priori bound of the oracle",
        s.seed
    )?;
    if s.cases.is_empty() {
        return writeln!(o, "  (disabled)");
    }
    let mut header = vec![
        "case".to_owned(),
        "kind".to_owned(),
        "predictions".to_owned(),
        "targets".to_owned(),
        "shape".to_owned(),
        "oracle J (nats)".to_owned(),
        "bound".to_owned(),
    ];
    if let Some(first) = s.cases.first() {
        header.extend(first.within_bound.iter().map(|(n, _)| n.clone()));
    }
    let mut rows = vec![header];
    for c in &s.cases {
        let mut row = vec![
            c.id.to_string(),
            c.kind.clone(),
            c.predictions.clone(),
            c.labels.clone(),
            c.shape.clone(),
            c.oracle.to_string(),
            c.bound_ulps.to_string(),
        ];
        row.extend(
            c.within_bound
                .iter()
                .map(|(_, ok)| if *ok { "✓" } else { "✗" }.to_owned()),
        );
        rows.push(row);
    }
    table(o, "  ", &rows)
}

/// Writes `rows` as a table, columns padded to their widest cell (in characters).
fn table(o: &mut String, indent: &str, rows: &[Vec<String>]) -> fmt::Result {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for r in rows {
        let mut line = String::from(indent);
        for (i, cell) in r.iter().enumerate() {
            if i + 1 == r.len() {
                line.push_str(cell);
            } else {
                let pad = widths[i] - cell.chars().count();
                line.push_str(cell);
                line.extend(std::iter::repeat_n(' ', pad + 2));
            }
        }
        writeln!(o, "{}", line.trim_end())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_weaker_outcome_wins() {
        use Outcome::{Fails, Holds, Rounded, Within};
        assert_eq!(Holds.and(Within(3)), Within(3));
        assert_eq!(Within(2).and(Within(5)), Within(5));
        assert_eq!(Within(2).and(Rounded(4)), Rounded(4));
        assert_eq!(Rounded(4).and(Rounded(2)), Rounded(2));
        assert_eq!(Rounded(4).and(Fails), Fails);
    }

    #[test]
    fn tables_align_by_characters() {
        let mut s = String::new();
        let rows = vec![
            vec!["a".to_owned(), "✓".to_owned(), "x".to_owned()],
            vec!["bbb".to_owned(), "yy".to_owned(), "z".to_owned()],
        ];
        table(&mut s, "", &rows).expect("writes");
        assert_eq!(s, "a    ✓   x\nbbb  yy  z\n");
    }
}
