//! The one engine: every check of every row is (subject × basis), a pair of [`Side`]s
//! evaluated on an input set, a quantity and a base, and compared by one relation ([`How`]);
//! the claim's verdict is derived from the outcomes ([`derive`]) and its prose rendered from
//! the values. Nothing here knows a claim by its id.

use std::collections::BTreeMap;

use nalgebra::DMatrix;
use xent_core::ulp::{Num, ulp_distance};
use xent_core::{
    ConventionOptions, Conventional, ErrorBound, Formulation, LogBase, Precision, Problem,
    ProblemData, ReducedShape, Targets, TruthData, Verdict,
};
use xent_oracle as oracle;

use crate::catalogue::{
    self, Catalogue, CheckRow, How, InputSet, KindName, Layout, OneOrMany, Quantity, Row, Side,
};
use crate::error::{Error, Result};
use crate::relation::{along, combine, dims_text, order, plural, relate};
use crate::report::{Agreement, Check, Claim, OracleValue, Outcome, Printed};
use crate::tolerance;

/// A catalogue with its input sets built, evaluated through `formulations`.
pub(crate) struct Engine<'c> {
    catalogue: &'c Catalogue,
    formulations: &'c [&'c dyn Formulation],
    data: BTreeMap<String, ProblemData>,
}

/// Where a check is evaluated: an input set (none for published values alone), a quantity
/// and a base.
#[derive(Clone, Copy)]
struct At<'a> {
    set: Option<&'a str>,
    quantity: Quantity,
    base: LogBase,
}

/// One side, evaluated.
pub(crate) struct Computed {
    /// What it is, for the prose.
    pub(crate) label: String,
    pub(crate) value: f64,
    /// The digits, for a printed value.
    pub(crate) printed: Option<String>,
    /// Its a priori bound (0 for the oracle and printed values).
    pub(crate) bound: f64,
    pub(crate) shape: Option<ReducedShape>,
    /// Whether its digits are the same on every platform (and so may be printed).
    pub(crate) shown: bool,
    /// Under a convention: each formulation's value, and how the convention differs.
    pub(crate) each: Vec<(String, f64)>,
    pub(crate) changes: Vec<String>,
    pub(crate) precision: Precision,
}

impl Computed {
    fn new(label: String, value: f64) -> Self {
        Computed {
            label,
            value,
            printed: None,
            bound: 0.0,
            shape: None,
            shown: true,
            each: Vec::new(),
            changes: Vec::new(),
            precision: Precision::F64,
        }
    }

    /// The value as the report may print it.
    pub(crate) fn shown(&self) -> String {
        match (&self.printed, self.shown) {
            (Some(p), _) => p.clone(),
            (None, true) => Num(self.value).to_string(),
            (None, false) => "(a platform-dependent value)".to_owned(),
        }
    }
}

/// The input set's data as stored in `precision` (a float32 library's inputs are the
/// float32 values of the printed decimals).
fn set_data(set: &InputSet, precision: Precision) -> ProblemData {
    let stored = |v: f64| match precision {
        Precision::F64 => v,
        Precision::F32 => f64::from(v as f32),
    };
    let matrix = |rows: &[Vec<f64>]| {
        let cols = rows.first().map_or(0, Vec::len);
        let flat: Vec<f64> = rows.iter().flatten().map(|&v| stored(v)).collect();
        let m = DMatrix::from_row_slice(rows.len(), cols, &flat);
        match set.layout {
            Layout::Cols => m,
            Layout::Rows => m.transpose(),
        }
    };
    let pred = matrix(&set.pred);
    match (set.kind, &set.truth, &set.classes) {
        (KindName::Binary, Some(t), _) => ProblemData::binary(pred, matrix(t), set.logits),
        (_, Some(t), _) => ProblemData::categorical(pred, matrix(t), set.logits),
        (_, None, c) => ProblemData::with_classes(pred, c.clone().unwrap_or_default(), set.logits),
    }
}

/// A quantity's symbol, in a base.
fn symbol(quantity: Quantity, base: LogBase) -> String {
    let q = match quantity {
        Quantity::LogLikelihood => return "S".to_owned(),
        Quantity::Loss => "J",
        Quantity::DotSum => "−(1/m)·Σ_ij D_ij",
    };
    if base == LogBase::E {
        q.to_owned()
    } else {
        format!("{q} in {}", base.unit())
    }
}

fn bases(names: Option<&OneOrMany>) -> Vec<LogBase> {
    match names {
        None => vec![LogBase::E],
        Some(n) => n
            .names()
            .iter()
            .filter_map(|b| catalogue::base(b))
            .collect(),
    }
}

impl<'c> Engine<'c> {
    pub(crate) fn new(catalogue: &'c Catalogue, formulations: &'c [&'c dyn Formulation]) -> Self {
        let data = catalogue
            .inputs
            .iter()
            .map(|(k, s)| (k.clone(), set_data(s, Precision::F64)))
            .collect();
        Engine {
            catalogue,
            formulations,
            data,
        }
    }

    fn problem(&self, set: Option<&str>) -> Result<Problem<'_>> {
        let data = set.and_then(|s| self.data.get(s)).ok_or(Error::NoInputs)?;
        Ok(data.problem()?)
    }

    /// The exact value of `quantity` on `set`, correctly rounded.
    fn oracle(&self, at: At<'_>) -> Result<f64> {
        let problem = self.problem(at.set)?;
        let exact = match &problem {
            Problem::Binary(p) => oracle::binary_exact(p),
            Problem::Categorical(p) => oracle::categorical_exact(p),
        };
        Ok(match at.quantity {
            Quantity::LogLikelihood => exact.oracle()?.log_likelihood,
            Quantity::Loss => exact.loss_in(at.base)?,
            Quantity::DotSum => dot_sum(&problem, at.base)?,
        })
    }

    /// The a priori bound every formulation's value of `quantity` obeys (at `value`).
    fn bound(&self, at: At<'_>, value: f64) -> Result<f64> {
        let b = self.problem(at.set)?.error_bound();
        Ok(match at.quantity {
            Quantity::LogLikelihood => b.log_likelihood,
            Quantity::Loss => tolerance::in_base(&b, at.base, value).absolute,
            Quantity::DotSum => f64::INFINITY,
        })
    }

    fn find(&self, side: &Side) -> Option<&'c dyn Formulation> {
        self.formulations.iter().copied().find(|f| match side {
            Side::Style(s) => f
                .style()
                .numpy
                .is_some_and(|n| format!("{n:?}").eq_ignore_ascii_case(s)),
            Side::Formulation(n) => f.name() == n,
            _ => false,
        })
    }

    /// One side, evaluated at `at`.
    fn side(&self, side: &Side, at: At<'_>) -> Result<Computed> {
        let sym = symbol(at.quantity, at.base);
        Ok(match side {
            Side::Oracle => Computed::new(format!("the oracle's {sym}"), self.oracle(at)?),
            Side::OracleOf(q) => {
                let at = At { quantity: *q, ..at };
                let sym = symbol(*q, at.base);
                Computed::new(format!("the oracle's {sym}"), self.oracle(at)?)
            }
            Side::OracleDirect => {
                let Problem::Categorical(p) = self.problem(at.set)? else {
                    return Err(Error::NotCategorical);
                };
                let unit = at.base.unit();
                Computed::new(
                    format!("the oracle's −Σ p log q in {unit}, with the logarithm to that base"),
                    oracle::in_base_directly(&p, at.base)?,
                )
            }
            Side::Style(_) | Side::Formulation(_) => {
                let f = self.find(side).ok_or(Error::NoFormulation)?;
                let problem = self.problem(at.set)?;
                let e = problem.evaluate(f);
                let value = match at.quantity {
                    Quantity::LogLikelihood => e.log_likelihood,
                    _ => e.in_base(at.base),
                };
                let mut c = Computed::new(format!("the {} style's {sym}", f.name()), value);
                c.bound = self.bound(at, self.oracle(at)?)?;
                c.shape = Some(e.shape);
                c.shown = f.same_bits_everywhere();
                c
            }
            Side::Published(key) => {
                let p = xent_core::published::value(key).ok_or(Error::NoFormulation)?;
                let mut c = Computed::new(p.what.to_owned(), p.printed.parse().unwrap_or(f64::NAN));
                c.printed = Some(p.printed.to_owned());
                c
            }
            Side::Printed(p) => {
                let mut c =
                    Computed::new("the published value".into(), p.parse().unwrap_or(f64::NAN));
                c.printed = Some(p.clone());
                c
            }
            Side::Shape(dims) => {
                let mut c = Computed::new(format!("numpy's {}", dims_text(dims)), f64::NAN);
                c.printed = Some(dims_text(dims));
                c
            }
            Side::Convention(row) => self.convention(row, at)?,
        })
    }

    /// A library's convention applied to the set stored in its precision: the oracle's value
    /// where the convention is the definition's arithmetic (no clamp of the logarithms),
    /// else the production path's (the same bits everywhere), and every formulation's.
    fn convention(&self, row: &catalogue::ConventionRow, at: At<'_>) -> Result<Computed> {
        let precision = catalogue::precision(&row.precision).map_err(|_| Error::NoFormulation)?;
        let convention: xent_core::Convention = row.library.parse()?;
        let set = at
            .set
            .and_then(|s| self.catalogue.inputs.get(s))
            .ok_or(Error::NoInputs)?;
        let data = set_data(set, precision);
        let options = ConventionOptions {
            from_logits: set.logits,
            precision,
            label_smoothing: row.label_smoothing,
        };
        let pred = xent_core::Array::from(&data.pred);
        let applied: Conventional<'_> = match &data.truth {
            TruthData::Matrix(y) if set.kind == KindName::Binary => {
                convention.binary(pred, y.into(), &options)?
            }
            TruthData::Matrix(p) => {
                convention.categorical(pred, Targets::Dense(p.into()), &options)?
            }
            TruthData::Classes(c) => convention.categorical(pred, Targets::classes(c), &options)?,
        };
        let in_base = |s: f64| at.base.from_nats(-s / applied.divisor as f64);
        let problem = applied.problem();
        let exact = match problem {
            Problem::Binary(p) if p.log_floor().is_none() => {
                Some(oracle::try_binary(&p)?.log_likelihood)
            }
            Problem::Binary(_) => None,
            Problem::Categorical(p) => Some(oracle::try_categorical(&p)?.log_likelihood),
        };
        let production = xent_registry::production();
        let value = in_base(exact.unwrap_or_else(|| problem.evaluate(production).log_likelihood));
        let logits = if set.logits { ", logits" } else { "" };
        let label = format!(
            "{convention} ({}{logits}, base {})",
            precision.name(),
            at.base
        );
        let mut c = Computed::new(label, value);
        c.shown = exact.is_some() || production.same_bits_everywhere();
        c.each = self
            .formulations
            .iter()
            .map(|f| {
                (
                    f.name().to_owned(),
                    in_base(problem.evaluate(*f).log_likelihood),
                )
            })
            .collect();
        c.changes = applied.changes.clone();
        c.precision = precision;
        Ok(c)
    }
}

/// `−(1/m)·Σ_ij D_ij`, exactly: entry `(i, j)` of the `np.dot` matrix is the log-likelihood
/// of predictions row `i` against labels row `j`, so the sum is the loss of all row pairs
/// side by side, over the `m` samples.
fn dot_sum(problem: &Problem<'_>, base: LogBase) -> Result<f64> {
    let Problem::Binary(p) = problem else {
        return Err(Error::NotCategorical);
    };
    let (a, y) = (
        p.predictions().array().to_f64_matrix(),
        p.labels().to_f64_matrix(),
    );
    let (mut all_a, mut all_y) = (Vec::<f64>::new(), Vec::<f64>::new());
    for i in 0..a.nrows() {
        for j in 0..y.nrows() {
            all_a.extend(a.row(i).iter());
            all_y.extend(y.row(j).iter());
        }
    }
    let all = xent_core::BinaryProblem::new(
        xent_core::View::vector(&all_a),
        xent_core::View::vector(&all_y),
    )?;
    Ok(oracle::binary_exact(&all).loss_over(p.samples(), base)?)
}

impl Engine<'_> {
    /// One check over all its (set, base) combinations.
    fn check(&self, row: &Row, c: &CheckRow, oracle: &mut Vec<OracleValue>) -> Result<Check> {
        let sets: Vec<Option<String>> = match &c.on {
            Some(on) => on.names().into_iter().map(Some).collect(),
            None => vec![row.inputs.first().cloned()],
        };
        let bases = bases(c.base.as_ref());
        let mut results: Vec<(Outcome, String)> = Vec::new();
        let mut series: Vec<Vec<f64>> = Vec::new(); // per base, the basis over the sets
        for &base in &bases {
            let mut values = Vec::new();
            for set in &sets {
                let at = At {
                    set: set.as_deref(),
                    quantity: c.quantity,
                    base,
                };
                let a = self.side(&c.basis, at)?;
                note_oracle(oracle, &c.basis, &a, set.as_deref());
                values.push(a.value);
                if matches!(
                    c.how,
                    How::SameOrder | How::SameMinimiser | How::Decreasing | How::Positive
                ) {
                    continue;
                }
                let b = self.side(&c.against, at)?;
                note_oracle(oracle, &c.against, &b, set.as_deref());
                let result = if c.how == How::BaseChange {
                    let e = self.oracle(At {
                        base: LogBase::E,
                        ..at
                    })?;
                    let d = ulp_distance(a.value, base.from_nats(e));
                    (
                        Outcome::from_bool(d <= 1),
                        format!(
                            "{} is J_e / ln b within one rounding ({d} ulp{})",
                            a.label,
                            plural(d)
                        ),
                    )
                } else {
                    let bound = if at.set.is_some() {
                        self.bound(at, b.value)?
                    } else {
                        0.0
                    };
                    relate(c.how, &a, &b, c, bound)
                };
                results.push(result);
            }
            series.push(values);
        }
        let names: Vec<&str> = sets.iter().map(|s| s.as_deref().unwrap_or("—")).collect();
        let (outcome, what) = match c.how {
            How::SameOrder | How::SameMinimiser => order(c.how, &series, &names, &bases),
            How::Decreasing | How::Positive => along(c.how, &series, &names),
            _ => combine(results, &names, &bases),
        };
        Ok(Check {
            case: c.case.clone(),
            what,
            outcome,
        })
    }
}

/// Records an oracle value the claim shows.
fn note_oracle(oracle: &mut Vec<OracleValue>, side: &Side, c: &Computed, set: Option<&str>) {
    if matches!(side, Side::Oracle | Side::OracleOf(_) | Side::OracleDirect) {
        let what = c.label.trim_start_matches("the oracle's ");
        let what = format!("{what}, {}", set.unwrap_or("—"));
        if !oracle.iter().any(|o| o.what == what) {
            oracle.push(OracleValue {
                what,
                value: Num(c.value),
            });
        }
    }
}

/// The verdict the outcomes support: a failed check outside a case, or a formulation
/// outside its bound, fails the claim; values without inputs are not checkable; a claim
/// whose checks hold in some cases holds only when those; a value that agrees only to `n`
/// decimals holds only rounded; otherwise it holds, exactly or within the largest number of
/// ulps a check needed.
pub(crate) fn derive(checks: &[Check], formulations: &[Agreement], no_inputs: bool) -> Verdict {
    let general = checks.iter().filter(|c| c.case.is_none());
    if !general.clone().all(|c| c.outcome.holds()) || !formulations.iter().all(|a| a.within_bound) {
        return Verdict::Fails;
    }
    if no_inputs {
        return Verdict::NotCheckable;
    }
    let mut cases: Vec<(&str, bool)> = Vec::new();
    for c in checks {
        if let Some(case) = &c.case {
            match cases.iter_mut().find(|(name, _)| name == case) {
                Some((_, ok)) => *ok &= c.outcome.holds(),
                None => cases.push((case, c.outcome.holds())),
            }
        }
    }
    let holding: Vec<&str> = cases
        .iter()
        .filter(|(_, ok)| *ok)
        .map(|(n, _)| *n)
        .collect();
    if holding.is_empty() && !cases.is_empty() {
        return Verdict::Fails;
    }
    if holding.len() < cases.len() {
        return Verdict::HoldsOnlyWhen(holding.join(" and "));
    }
    let worst = checks
        .iter()
        .map(|c| c.outcome)
        .fold(Outcome::Holds, Outcome::and);
    match worst {
        Outcome::Holds => Verdict::Holds,
        Outcome::Within(n) => Verdict::HoldsWithin(n),
        Outcome::Rounded(n) => Verdict::HoldsOnlyRounded(n),
        Outcome::Fails => Verdict::Fails,
    }
}

impl Engine<'_> {
    /// The formulation table: every formulation on every subject, against the oracle.
    fn subjects(&self, row: &Row, oracle: &mut Vec<OracleValue>) -> Result<Vec<Agreement>> {
        let mut out = Vec::new();
        for s in &row.subjects {
            for base in bases(s.base.as_ref()) {
                for set in s.on.names() {
                    let at = At {
                        set: Some(&set),
                        quantity: s.quantity,
                        base,
                    };
                    let truth = self.oracle(at)?;
                    let subject = format!("{}, {set}", symbol(s.quantity, base));
                    if !oracle.iter().any(|o| o.what == subject) {
                        oracle.push(OracleValue {
                            what: subject.clone(),
                            value: Num(truth),
                        });
                    }
                    let bound = ErrorBound {
                        absolute: self.bound(at, truth)?,
                        log_likelihood: 0.0,
                    };
                    let problem = self.problem(at.set)?;
                    for f in self.formulations {
                        let e = problem.evaluate(*f);
                        let value = match s.quantity {
                            Quantity::LogLikelihood => e.log_likelihood,
                            _ => e.in_base(base),
                        };
                        let shown = f.same_bits_everywhere();
                        out.push(Agreement {
                            subject: subject.clone(),
                            formulation: f.name().to_owned(),
                            shape: e.shape.to_string(),
                            value: shown.then_some(Num(value)),
                            ulps: shown.then(|| ulp_distance(value, truth)),
                            bound_ulps: bound.ulps_at(truth),
                            within_bound: bound.admits(value, truth),
                        });
                    }
                }
            }
        }
        Ok(out)
    }

    /// What a row's input sets are, one line each.
    fn inputs(&self, row: &Row) -> Vec<String> {
        if row.inputs.is_empty() {
            return vec!["not published (only the printed values)".to_owned()];
        }
        row.inputs
            .iter()
            .filter_map(|k| self.catalogue.inputs.get(k).map(|s| (k, s)))
            .map(|(k, s)| {
                let words = s.words.clone().unwrap_or_default();
                match (&s.names, &s.truth, s.layout) {
                    (Some([p, t]), Some(truth), Layout::Cols) => {
                        format!(
                            "{k}: {words}: {t} = {}, {p} = {}",
                            rows(truth),
                            rows(&s.pred)
                        )
                    }
                    _ => format!("{k}: {words}"),
                }
            })
            .collect()
    }

    /// One row, evaluated: a failure to evaluate (an input the oracle cannot take) is a
    /// failed check, not a panic.
    pub(crate) fn claim(&self, row: &Row) -> Claim {
        let mut oracle = Vec::new();
        let formulations = self.subjects(row, &mut oracle).unwrap_or_else(|e| {
            oracle.push(OracleValue {
                what: format!("error: {e}"),
                value: Num(f64::NAN),
            });
            Vec::new()
        });
        let mut checks = Vec::new();
        let mut published = Vec::new();
        for c in &row.check {
            for side in [&c.basis, &c.against] {
                let p = match side {
                    Side::Published(k) => xent_core::published::value(k)
                        .map(|p| (p.what.to_owned(), p.printed.to_owned())),
                    Side::Printed(p) => Some(("the value".to_owned(), p.clone())),
                    _ => None,
                };
                if let Some((what, printed)) = p
                    && !published.iter().any(|q: &Printed| q.what == what)
                {
                    published.push(Printed { what, printed });
                }
            }
            checks.push(self.check(row, c, &mut oracle).unwrap_or_else(|e| Check {
                case: c.case.clone(),
                what: format!("error: {e}"),
                outcome: Outcome::Fails,
            }));
        }
        let verdict = derive(&checks, &formulations, row.inputs.is_empty());
        Claim {
            id: row.id.clone(),
            document: self
                .catalogue
                .documents
                .get(&row.document)
                .cloned()
                .unwrap_or_default(),
            statement: row.statement.clone(),
            symbolic: row.symbolic.clone(),
            inputs: self.inputs(row),
            published,
            oracle,
            formulations,
            checks,
            verdict,
            expected: row.expect.clone(),
        }
    }
}

/// A matrix as numpy prints its nested lists: `[[1, 0], [0.5, 0.25]]`.
fn rows(m: &[Vec<f64>]) -> String {
    let r: Vec<String> = m
        .iter()
        .map(|row| {
            format!(
                "[{}]",
                row.iter()
                    .map(f64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
        .collect();
    format!("[{}]", r.join(", "))
}
