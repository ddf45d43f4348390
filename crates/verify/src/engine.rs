//! The one engine: every check of every row is (subject × basis), a pair of [`Side`]s
//! evaluated on an input set, a quantity and a base, and compared by one relation ([`How`],
//! in `relation`); the claim's verdict is derived from the outcomes ([`derive`]). Nothing
//! here knows a claim by its id.

use std::collections::BTreeMap;
use xent_core::array::numpy_rows;
use xent_core::ulp::{Num, ulp_distance};

use xent_core::{
    ConventionOptions, ErrorBound, Evaluation, Formulation, LogBase, Precision, Problem,
    ReducedShape, Reduction, Verdict, Weighting, Weights,
};
use xent_oracle as oracle;

use crate::catalogue::{Catalogue, CheckRow, ConventionRow, How, Quantity, Row, Side};
use crate::error::{Error, Result};
use crate::relation;
use crate::report::{Agreement, Check, Claim, OracleValue, Printed};

/// A catalogue evaluated through `formulations`.
pub(crate) struct Engine<'c> {
    catalogue: &'c Catalogue,
    formulations: &'c [&'c dyn Formulation],
    /// Each input set's weights, borrowed from the catalogue.
    weights: BTreeMap<&'c str, Weights<'c>>,
}

/// Where a check is evaluated: an input set (none for published values alone), a quantity
/// and a base.
#[derive(Clone, Copy)]
pub(crate) struct At<'a> {
    pub(crate) set: Option<&'a str>,
    pub(crate) quantity: Quantity,
    pub(crate) base: LogBase,
}

impl At<'_> {
    /// The value of the quantity in an evaluation.
    fn of(self, e: &Evaluation) -> f64 {
        match self.quantity {
            Quantity::LogLikelihood => e.log_likelihood,
            Quantity::Sum => e.loss_over(1.0),
            Quantity::OverSamples => e.loss_over(e.samples as f64),
            _ => e.in_base(self.base),
        }
    }
}

/// One side, evaluated.
pub(crate) struct Computed {
    /// What it is, for the prose: "the oracle's J in bits", "the dot style's S".
    pub(crate) what: String,
    /// The input set it was computed on.
    pub(crate) on: Option<String>,
    pub(crate) value: f64,
    /// The digits the report may print: as printed (a published value, a shape), the value's
    /// where it is the same on every platform, else none.
    pub(crate) digits: Option<String>,
    /// Its a priori bound (0 for the oracle and printed values), and the shape it reduced.
    pub(crate) bound: f64,
    pub(crate) shape: Option<ReducedShape>,
    /// Under a convention: each formulation's value, how the convention differs from the
    /// exact one, and the precision the library computes in.
    pub(crate) each: Vec<(String, f64)>,
    pub(crate) changes: Vec<String>,
    pub(crate) precision: Precision,
}

impl Computed {
    fn new(what: String, on: Option<&str>, value: f64) -> Self {
        Computed {
            what,
            on: on.map(str::to_owned),
            value,
            digits: Some(Num(value).to_string()),
            bound: 0.0,
            shape: None,
            each: Vec::new(),
            changes: Vec::new(),
            precision: Precision::F64,
        }
    }

    /// A value as printed, or a shape.
    fn printed(what: &str, printed: &str) -> Self {
        let value = printed.trim().parse().unwrap_or(f64::NAN);
        let digits = Some(printed.to_owned());
        Computed {
            digits,
            ..Computed::new(what.to_owned(), None, value)
        }
    }

    /// What it is and where: "the oracle's J on first".
    pub(crate) fn label(&self) -> String {
        match &self.on {
            Some(set) => format!("{} on {set}", self.what),
            None => self.what.clone(),
        }
    }

    /// The value as the report may print it.
    pub(crate) fn shown(&self) -> String {
        let dependent = || "(a platform-dependent value)".to_owned();
        self.digits.clone().unwrap_or_else(dependent)
    }
}

/// The values a claim lists: the oracle's and the published ones, each once, in the order
/// first met.
#[derive(Default)]
struct Blocks {
    oracle: Vec<OracleValue>,
    published: Vec<Printed>,
}

impl Blocks {
    fn note(&mut self, side: &Side, c: &Computed) {
        match side {
            Side::Oracle | Side::OracleOf(_) | Side::OracleDirect => {
                let what = oracle_line(c);
                if !self.oracle.iter().any(|o| o.what == what) {
                    let value = Num(c.value);
                    self.oracle.push(OracleValue { what, value });
                }
            }
            Side::Published(_) | Side::Printed(_)
                if !self.published.iter().any(|p| p.what == c.what) =>
            {
                let (what, printed) = (c.what.clone(), c.shown());
                self.published.push(Printed { what, printed });
            }
            _ => {}
        }
    }
}

/// An oracle value's name in the claim's oracle block and formulation table: "J, first".
fn oracle_line(c: &Computed) -> String {
    let what = c.what.trim_start_matches("the oracle's ");
    format!("{what}, {}", c.on.as_deref().unwrap_or("—"))
}

/// A quantity's symbol, in a base.
pub(crate) fn symbol(quantity: Quantity, base: LogBase) -> String {
    let q = match quantity {
        Quantity::LogLikelihood => return "S".to_owned(),
        Quantity::Loss => "J",
        Quantity::DotSum => "−(1/m)·Σ_ij D_ij",
        Quantity::Sum => "Σ v·l",
        Quantity::OverSamples => "Σ v·l / m",
    };
    if base == LogBase::E {
        q.to_owned()
    } else {
        format!("{q} in {}", base.unit())
    }
}

impl<'c> Engine<'c> {
    pub(crate) fn new(catalogue: &'c Catalogue, formulations: &'c [&'c dyn Formulation]) -> Self {
        let sets = catalogue.inputs.iter();
        let weights = sets.map(|(k, s)| (k.as_str(), s.weights())).collect();
        Engine {
            catalogue,
            formulations,
            weights,
        }
    }

    /// The set's problem, with its weights.
    fn problem(&self, set: Option<&str>) -> Result<Problem<'_>> {
        let found = set.and_then(|s| Some((self.catalogue.data.get(s)?, self.weights.get(s)?)));
        let (data, weights) = found.ok_or(Error::Basis("it has no inputs"))?;
        Ok(data.unvalidated()?.with_weights(weights)?.validate()?)
    }

    /// The exact value of `quantity` on `set`, correctly rounded.
    fn oracle(&self, at: At<'_>) -> Result<f64> {
        let problem = self.problem(at.set)?;
        let (q, m) = (at.quantity, problem.samples() as f64);
        if problem.is_weighted() || matches!(q, Quantity::Sum | Quantity::OverSamples) {
            let w = match q {
                Quantity::Loss => oracle::weighted(&problem)?,
                Quantity::OverSamples => oracle::weighted_over(&problem, m)?,
                _ => oracle::weighted_over(&problem, 1.0)?,
            };
            let v = w
                .mean
                .filter(|_| at.base == LogBase::E && q != Quantity::DotSum);
            let v = v.ok_or(Error::Basis(
                "weighted values are J, S or sums, in nats, W > 0",
            ))?;
            return Ok(if q == Quantity::LogLikelihood { -v } else { v });
        }
        let exact = match &problem {
            Problem::Binary(p) => oracle::binary_exact(p),
            Problem::Categorical(p) => oracle::categorical_exact(p),
        };
        Ok(match at.quantity {
            Quantity::LogLikelihood => exact.oracle()?.log_likelihood,
            // `−(1/m)·Σ_ij D_ij`: every row pair of the np.dot matrix, side by side.
            Quantity::DotSum => {
                let Problem::Binary(p) = &problem else {
                    return Err(Error::Basis("the np.dot matrix is of binary problems"));
                };
                let pairs = xent_core::ProblemData::row_pairs(p);
                let all = pairs.binary_problem()?;
                oracle::binary_exact(&all).loss_over(p.samples(), at.base)?
            }
            _ => exact.loss_in(at.base)?,
        })
    }

    /// The a priori bound every formulation's value of `quantity` obeys (at `value`).
    fn bound(&self, at: At<'_>, value: f64) -> Result<f64> {
        let problem = self.problem(at.set)?;
        let b = problem.error_bound();
        Ok(match at.quantity {
            Quantity::LogLikelihood => b.log_likelihood,
            Quantity::Sum => b.over(1.0, value),
            Quantity::OverSamples => b.over(problem.samples() as f64, value),
            Quantity::Loss => b.in_base(at.base, value).absolute,
            Quantity::DotSum => f64::INFINITY,
        })
    }

    /// One side, evaluated at `at`.
    fn side(&self, side: &Side, at: At<'_>) -> Result<Computed> {
        Ok(match side {
            Side::Oracle => self.oracle_side(at)?,
            Side::OracleOf(q) => self.oracle_side(At { quantity: *q, ..at })?,
            Side::OracleDirect => {
                let Problem::Categorical(p) = self.problem(at.set)? else {
                    return Err(Error::Basis("−Σ p log_b q is of categorical problems"));
                };
                let b = at.base;
                let what = format!("the oracle's −Σ p log_{b} q with log_{b} itself");
                Computed::new(what, at.set, oracle::in_base_directly(&p, b)?)
            }
            Side::Style(name) => self.style(name, at)?,
            Side::Convention(row) => self.convention(row, at)?,
            Side::Published(key) => {
                let p = xent_core::published::value(key).ok_or(Error::Basis("no such value"))?;
                Computed::printed(p.what, p.printed)
            }
            Side::Printed(p) => Computed::printed("the printed value", p),
            Side::Shape(dims) => Computed::printed("numpy's", &xent_core::array::numpy_shape(dims)),
        })
    }

    fn oracle_side(&self, at: At<'_>) -> Result<Computed> {
        let sym = symbol(at.quantity, at.base);
        let mut what = format!("the oracle's {sym}");
        if at.quantity == Quantity::DotSum {
            let n = self.problem(at.set)?.outputs();
            what.push_str(&format!(" of the ({n}, {n}) np.dot matrix D"));
        }
        Ok(Computed::new(what, at.set, self.oracle(at)?))
    }

    /// The formulation that mirrors a numpy style.
    fn style(&self, name: &str, at: At<'_>) -> Result<Computed> {
        let mirrors = |f: &&&dyn Formulation| {
            let numpy = f.style().numpy;
            numpy.is_some_and(|n| format!("{n:?}").eq_ignore_ascii_case(name))
        };
        let f = *self
            .formulations
            .iter()
            .find(mirrors)
            .ok_or(Error::Basis("no formulation of that style"))?;
        let e = self.problem(at.set)?.evaluate(f);
        let value = at.of(&e);
        let what = format!("the {name} style's {}", symbol(at.quantity, at.base));
        let mut c = Computed::new(what, at.set, value);
        c.digits = c.digits.filter(|_| f.same_bits_everywhere());
        c.bound = self.bound(at, self.oracle(at)?)?;
        c.shape = Some(e.shape);
        Ok(c)
    }

    /// A library's convention applied to the set stored in its precision, with the set's
    /// weights and the row's reduction: the weighted oracle's value of the convention's
    /// problem over the library's own divisor (its clamps and clips are in the problem), and
    /// every formulation's, each reduced as the library reduces (`Conventional::value`).
    fn convention(&self, row: &ConventionRow, at: At<'_>) -> Result<Computed> {
        let (convention, precision) = (row.library, row.precision);
        let set = at.set.and_then(|s| self.catalogue.inputs.get(s));
        let set = set.ok_or(Error::Basis("it has no inputs"))?;
        let data = set
            .data(precision)
            .map_err(|_| Error::Basis("it has no inputs"))?;
        let options = ConventionOptions {
            from_logits: set.logits,
            precision,
            label_smoothing: row.label_smoothing,
        };
        let weighting = Weighting::new(set.weights(), row.reduction);
        let applied = convention.apply(&data, &options, weighting)?;
        let problem = applied.problem();
        let value = |f: &dyn Formulation| applied.value(&problem.evaluate(f));
        // A divisor of 0: Keras's divide_no_nan (0) or the library's refusal.
        let exact = match oracle::weighted_over(&problem, applied.denominator)?.mean {
            Some(mean) if applied.reduction != Reduction::None => mean,
            _ => value(xent_registry::production())?,
        };
        let logits = if set.logits { " from logits" } else { "" };
        let quantity = match row.reduction {
            Reduction::Mean => symbol(at.quantity, at.base),
            r => r.as_str().to_owned(),
        };
        let what = format!(
            "the {convention} convention's {quantity} in {}{logits}",
            precision.name()
        );
        let mut c = Computed::new(what, at.set, at.base.from_nats(exact));
        for f in self.formulations {
            let v = at.base.from_nats(value(*f)?);
            c.each.push((f.name().to_owned(), v));
        }
        (c.changes, c.precision) = (applied.changes.clone(), precision);
        Ok(c)
    }
}

impl Engine<'_> {
    /// One check over all its (set, base) combinations: a pair relation on each, or one
    /// series relation over them all.
    fn check(&self, row: &Row, c: &CheckRow, blocks: &mut Blocks) -> Result<Check> {
        let sets: Vec<Option<&str>> = match &c.on {
            Some(on) => on.iter().map(|s| Some(s.as_str())).collect(),
            None => vec![row.inputs.first().map(String::as_str)],
        };
        let (mut results, mut series, mut what) = (Vec::new(), Vec::new(), None);
        for &base in &c.base {
            let mut values = Vec::new();
            for &set in &sets {
                let (quantity, base) = (c.quantity, base);
                let at = At {
                    set,
                    quantity,
                    base,
                };
                let a = self.side(&c.basis, at)?;
                blocks.note(&c.basis, &a);
                values.push(a.value);
                what.get_or_insert_with(|| a.what.clone());
                if c.how.is_series() {
                    continue;
                }
                // J_b is compared with J_e / ln b.
                let e = LogBase::E;
                let base = if c.how == How::BaseChange { e } else { base };
                let b = self.side(&c.against, At { base, ..at })?;
                blocks.note(&c.against, &b);
                let bound = match set {
                    Some(_) => self.bound(at, b.value)?,
                    None => 0.0,
                };
                results.push(relation::relate(c, at, &a, &b, bound));
            }
            series.push(values);
        }
        let names: Vec<&str> = sets.iter().map(|s| s.unwrap_or("—")).collect();
        let (outcome, what) = if c.how.is_series() {
            let what = what.unwrap_or_default();
            relation::series(c.how, &what, &series, &names, &c.base)
        } else {
            relation::combine(results, &names, &c.base)
        };
        Ok(Check {
            case: c.case.clone(),
            what,
            outcome,
        })
    }

    /// The formulation table: every formulation on every subject, against the oracle.
    fn subjects(&self, row: &Row, blocks: &mut Blocks) -> Result<Vec<Agreement>> {
        let mut out = Vec::new();
        for s in &row.subjects {
            let quantity = s.quantity;
            let at = |(set, &base)| At {
                set,
                quantity,
                base,
            };
            let all = s
                .base
                .iter()
                .flat_map(|b| s.on.iter().map(move |o| (Some(&**o), b)));
            for at in all.map(at) {
                let truth = self.oracle_side(at)?;
                blocks.note(&Side::Oracle, &truth);
                out.extend(self.agreements(at, &truth)?);
            }
        }
        Ok(out)
    }

    /// Every formulation's value at `at`, against the oracle's.
    fn agreements(&self, at: At<'_>, truth: &Computed) -> Result<Vec<Agreement>> {
        let bound = ErrorBound {
            absolute: self.bound(at, truth.value)?,
            log_likelihood: 0.0,
        };
        let problem = self.problem(at.set)?;
        let subject = oracle_line(truth);
        let agreement = |f: &&dyn Formulation| {
            let e = problem.evaluate(*f);
            let value = at.of(&e);
            let shown = f.same_bits_everywhere();
            Agreement {
                subject: subject.clone(),
                formulation: f.name().to_owned(),
                shape: e.shape.to_string(),
                value: shown.then_some(Num(value)),
                ulps: shown.then(|| ulp_distance(value, truth.value)),
                bound_ulps: bound.ulps_at(truth.value),
                within_bound: bound.admits(value, truth.value),
            }
        };
        Ok(self.formulations.iter().map(agreement).collect())
    }

    /// What a row's input sets are, one line each.
    fn inputs(&self, row: &Row) -> Vec<String> {
        if row.inputs.is_empty() {
            return vec!["not published (only the printed values)".to_owned()];
        }
        let sets = row.inputs.iter();
        sets.filter_map(|k| Some((k, self.catalogue.inputs.get(k)?)))
            .map(|(k, s)| match (&s.names, &s.truth, s.layout) {
                (Some([p, t]), Some(truth), crate::catalogue::Layout::Cols) => {
                    let (t_rows, p_rows) = (numpy_rows(truth), numpy_rows(&s.pred));
                    format!("{k}: {}: {t} = {t_rows}, {p} = {p_rows}", s.words)
                }
                _ => format!("{k}: {}", s.words),
            })
            .collect()
    }

    /// One row, evaluated: a failure to evaluate (an input the oracle cannot take) is a
    /// failed check, not a panic.
    pub(crate) fn claim(&self, row: &Row) -> Claim {
        let mut blocks = Blocks::default();
        let formulations = self.subjects(row, &mut blocks).unwrap_or_else(|e| {
            let (what, value) = (format!("error: {e}"), Num(f64::NAN));
            blocks.oracle.push(OracleValue { what, value });
            Vec::new()
        });
        let checks = row.check.iter().map(|c| {
            self.check(row, c, &mut blocks).unwrap_or_else(|e| Check {
                case: c.case.clone(),
                what: format!("error: {e}"),
                outcome: Verdict::Fails,
            })
        });
        let checks: Vec<Check> = checks.collect();
        Claim {
            id: row.id.clone(),
            document: self.catalogue.documents[&row.document].clone(),
            statement: row.statement.clone(),
            symbolic: row.symbolic.clone(),
            inputs: self.inputs(row),
            published: blocks.published,
            oracle: blocks.oracle,
            verdict: Verdict::derive(
                checks.iter().map(|c| (c.case.as_deref(), &c.outcome)),
                formulations.iter().all(|a| a.within_bound),
                row.inputs.is_empty(),
            ),
            formulations,
            checks,
            expected: row.expect.clone(),
        }
    }
}
