//! The claims catalogue: every statement the source documents make about cross-entropy, in
//! its symbolic form, with the inputs it was made on, the values printed, the oracle's
//! values, every formulation's values, the checks, the verdict derived from them, and the
//! verdict recorded here. A derived verdict that differs from the recorded one, in either
//! direction, fails the audit (libm-test's inverted xfail): the table cannot rot.

use std::collections::BTreeMap;

use nalgebra::DMatrix;
use xent_core::published::{self, CATEGORICAL, FORMULA, GIST, QUESTION};
use xent_core::tolerance::matches_printed;
use xent_core::ulp::ulp_distance;
use xent_core::{
    Array, BinaryProblem, CategoricalProblem, ErrorBound, Formulation, LogBase, Numpy, Predictions,
    Problem, ReducedShape, View,
};

use crate::error::{Error, Result};
use crate::report::{
    Agreement, Check, Claim, Num, OracleValue, Outcome, PlatformLn, Printed, Verdict,
};
use crate::tolerance::{self, FULL_PRECISION_DIGITS};
use xent_oracle::{self as oracle, Exact};

/// What the catalogue needs of a problem beyond what it is.
trait Catalogued {
    fn exact(&self) -> Exact<'_>;
    /// The logarithms a formulation takes of this problem's inputs: `(ln_1p?, argument)`.
    fn logarithms(&self) -> Vec<(bool, f64)>;
}

impl Catalogued for Problem<'_> {
    fn exact(&self) -> Exact<'_> {
        match self {
            Problem::Binary(p) => oracle::binary_exact(p),
            Problem::Categorical(p) => oracle::categorical_exact(p),
        }
    }

    fn logarithms(&self) -> Vec<(bool, f64)> {
        let mut out = Vec::new();
        let (rows, cols) = (self.outputs(), self.samples());
        match self {
            Problem::Binary(p) => {
                if let Predictions::Probabilities(a) = p.predictions() {
                    let y = p.labels();
                    for c in 0..cols {
                        for r in 0..rows {
                            let (y, a) = (y.get_f64(r, c), a.get_f64(r, c));
                            if y > 0.0 {
                                out.push((false, a));
                            }
                            if y < 1.0 {
                                out.push((true, -a));
                            }
                        }
                    }
                }
            }
            Problem::Categorical(p) => {
                if let Predictions::Probabilities(q) = p.predictions() {
                    for c in 0..cols {
                        for r in 0..rows {
                            if p.target(r, c) > 0.0 {
                                out.push((false, q.get_f64(r, c)));
                            }
                        }
                    }
                }
            }
        }
        out
    }
}

/// Whether a formulation mirrors numpy's 2-D `np.dot` or `np.matmul`, whose results are
/// `(n_y, n_y)` arrays (`(1, 1)` for one output); others (sum, fused) reduce to a scalar.
fn numpy_2d(f: &dyn Formulation) -> bool {
    matches!(f.style().numpy, Some(Numpy::Dot | Numpy::Matmul))
}

/// Whether a formulation mirrors the numpy style `style`.
fn mirrors(f: &dyn Formulation, style: Numpy) -> bool {
    f.style().numpy == Some(style)
}

/// What is compared.
#[derive(Clone, Copy)]
enum Quantity {
    /// `S`, the documents' `logprobs`.
    LogLikelihood,
    /// `J` in a base.
    Loss(LogBase),
}

/// What the catalogue is built with: the formulations, and the record of the platform's
/// logarithms on its inputs.
struct Env<'f> {
    formulations: &'f [&'f dyn Formulation],
    /// Per distinct `(ln_1p?, argument bits)`: whether the platform rounds it correctly.
    logarithms: BTreeMap<(bool, u64), bool>,
}

impl Env<'_> {
    /// Whether every logarithm `problem` needs is correctly rounded by this platform (then a
    /// formulation's result depends on IEEE arithmetic and its algorithm only).
    fn platform_independent(&mut self, problem: Problem<'_>) -> bool {
        let mut all = true;
        for (is_1p, x) in problem.logarithms() {
            let ok = *self
                .logarithms
                .entry((is_1p, x.to_bits()))
                .or_insert_with(|| {
                    if is_1p {
                        x.ln_1p().to_bits() == oracle::ln_1p(x).to_bits()
                    } else {
                        x.ln().to_bits() == oracle::ln(x).to_bits()
                    }
                });
            all &= ok;
        }
        all
    }

    /// The oracle's value of `quantity` and every formulation's, with distances and bounds.
    fn agree(
        &mut self,
        subject: &str,
        problem: Problem<'_>,
        quantity: Quantity,
    ) -> Result<(f64, Vec<Agreement>)> {
        let exact = problem.exact();
        let bound = problem.error_bound();
        let (truth, bound) = match quantity {
            Quantity::LogLikelihood => (
                exact.oracle()?.log_likelihood,
                tolerance::log_likelihood(&bound),
            ),
            Quantity::Loss(base) => {
                let v = exact.loss_in(base)?;
                (v, tolerance::in_base(&bound, base, v))
            }
        };
        let robust = self.platform_independent(problem);
        let mut rows = Vec::new();
        for f in self.formulations {
            let e = problem.evaluate(*f);
            let value = match quantity {
                Quantity::LogLikelihood => e.log_likelihood,
                Quantity::Loss(base) => e.in_base(base),
            };
            rows.push(Agreement {
                subject: subject.to_owned(),
                formulation: f.name().to_owned(),
                shape: e.shape.to_string(),
                value: robust.then_some(Num(value)),
                ulps: robust.then(|| ulp_distance(value, truth)),
                bound_ulps: bound.ulps_at(truth),
                within_bound: bound.admits(value, truth),
            });
        }
        Ok((truth, rows))
    }

    fn platform(&self) -> PlatformLn {
        PlatformLn {
            terms: self.logarithms.len(),
            correctly_rounded: self.logarithms.values().filter(|ok| **ok).count(),
        }
    }
}

/// The verdict the checks support: any failed check outside a case, or any formulation
/// outside its bound, fails the claim; values without inputs are not checkable; otherwise
/// the claim holds in the cases whose checks all hold, exactly or within the largest
/// number of ulps a check needed.
fn derive(checks: &[Check], formulations: &[Agreement], not_checkable: bool) -> Verdict {
    let general_ok = checks
        .iter()
        .filter(|c| c.case.is_none())
        .all(|c| c.outcome.holds())
        && formulations.iter().all(|a| a.within_bound);
    if !general_ok {
        return Verdict::Fails;
    }
    if not_checkable {
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
    let ulps = checks
        .iter()
        .filter_map(|c| match c.outcome {
            Outcome::Within(n) => Some(n),
            _ => None,
        })
        .max()
        .unwrap_or(0);
    if ulps == 0 {
        Verdict::Holds
    } else {
        Verdict::HoldsWithin(ulps)
    }
}

/// A claim under construction.
struct Draft {
    id: &'static str,
    document: &'static str,
    statement: String,
    symbolic: String,
    inputs: Vec<String>,
    published: Vec<Printed>,
    oracle: Vec<OracleValue>,
    formulations: Vec<Agreement>,
    checks: Vec<Check>,
    not_checkable: bool,
}

impl Draft {
    fn new(id: &'static str, document: &'static str) -> Self {
        Draft {
            id,
            document,
            statement: String::new(),
            symbolic: String::new(),
            inputs: Vec::new(),
            published: Vec::new(),
            oracle: Vec::new(),
            formulations: Vec::new(),
            checks: Vec::new(),
            not_checkable: false,
        }
    }

    fn says(mut self, statement: &str, symbolic: &str) -> Self {
        self.statement = statement.to_owned();
        self.symbolic = symbolic.to_owned();
        self
    }

    fn input(&mut self, s: impl Into<String>) {
        self.inputs.push(s.into());
    }

    fn printed(&mut self, what: &str, printed: &str) {
        self.published.push(Printed {
            what: what.to_owned(),
            printed: printed.to_owned(),
        });
    }

    fn oracle(&mut self, what: impl Into<String>, value: f64) {
        self.oracle.push(OracleValue {
            what: what.into(),
            value: Num(value),
        });
    }

    fn check(&mut self, case: Option<&str>, what: impl Into<String>, outcome: Outcome) {
        self.checks.push(Check {
            case: case.map(str::to_owned),
            what: what.into(),
            outcome,
        });
    }

    fn finish(self, expected: Verdict) -> Claim {
        let verdict = derive(&self.checks, &self.formulations, self.not_checkable);
        Claim {
            id: self.id.to_owned(),
            document: self.document.to_owned(),
            statement: self.statement,
            symbolic: self.symbolic,
            inputs: self.inputs,
            published: self.published,
            oracle: self.oracle,
            formulations: self.formulations,
            checks: self.checks,
            verdict,
            expected,
        }
    }
}

/// The claim with the verdict the catalogue records; a failed construction (a problem the
/// catalogue's own constants could not build, or the oracle's arithmetic failing) becomes a
/// failed claim rather than a panic.
fn record(id: &'static str, document: &'static str, expected: Verdict, r: Result<Draft>) -> Claim {
    match r {
        Ok(d) => d.finish(expected),
        Err(e) => {
            let mut d = Draft::new(id, document).says("(could not be evaluated)", "—");
            d.check(None, format!("error: {e}"), Outcome::Fails);
            d.finish(expected)
        }
    }
}

/// Compares a full-precision printed `f64` (numpy's `repr`) with the correctly rounded
/// value: equal, within `bound_ulps` (numpy's own evaluation obeys the same a priori bound),
/// or not.
fn full_precision(what: &str, printed: &str, truth: f64, bound_ulps: u64) -> (String, Outcome) {
    let value: f64 = printed.parse().unwrap_or(f64::NAN);
    let d = ulp_distance(value, truth);
    let outcome = if d == 0 {
        Outcome::Holds
    } else if d <= bound_ulps {
        Outcome::Within(d)
    } else {
        Outcome::Fails
    };
    let text = if d == 0 {
        format!("{what}: printed {printed} is the correctly rounded value, bit for bit")
    } else {
        format!(
            "{what}: printed {printed} is {d} ulp{} from the correctly rounded {} (a priori bound {bound_ulps})",
            if d == 1 { "" } else { "s" },
            Num(truth)
        )
    };
    (text, outcome)
}

/// Compares printed digits with the correctly rounded value rounded to as many decimals
/// (`what` names the value, if the check's case does not).
fn rounded(what: &str, printed: &str, truth: f64) -> (String, Outcome) {
    let ok = matches_printed(truth, printed).unwrap_or(false);
    let shown = format!("{:.*}", decimals(printed), truth);
    let prefix = if what.is_empty() {
        String::new()
    } else {
        format!("{what}: ")
    };
    let relation = if ok { "as printed" } else { "not the printed" };
    (
        format!(
            "{prefix}{} rounds to {shown}, {relation} {printed}",
            Num(truth)
        ),
        Outcome::from_bool(ok),
    )
}

/// Digits after the decimal point of a printed number.
fn decimals(printed: &str) -> usize {
    printed
        .split_once('.')
        .map_or(0, |(_, d)| d.trim_end().len())
}

/// `x` truncated (not rounded) to `n` decimals, from its exact decimal expansion.
fn truncated(x: f64, n: usize) -> String {
    let s = format!("{:.30}", x);
    match s.split_once('.') {
        Some((i, d)) => format!("{i}.{}", &d[..n.min(d.len())]),
        None => s,
    }
}

fn significant_digits(printed: &str) -> usize {
    printed
        .trim_start_matches(['-', '+', '0', '.'])
        .chars()
        .filter(char::is_ascii_digit)
        .count()
}

/// A matrix as numpy prints its nested lists: `[[1.0, 0.0], [0.5, 0.25]]`.
fn rows(m: Array<'_>) -> String {
    let r: Vec<String> = (0..m.rows())
        .map(|i| {
            let cells: Vec<String> = (0..m.cols())
                .map(|j| format!("{}", m.get_f64(i, j)))
                .collect();
            format!("[{}]", cells.join(", "))
        })
        .collect();
    format!("[{}]", r.join(", "))
}

/// A problem over row-major constants (numpy's C order), `n` outputs.
fn binary(a: &'static [f64], y: &'static [f64], n: usize) -> Result<BinaryProblem<'static>> {
    let m = a.len() / n;
    let view = |d| {
        View::row_major(d, n, m).ok_or(Error::Shape {
            len: a.len(),
            rows: n,
        })
    };
    Ok(BinaryProblem::new(view(a)?, view(y)?)?)
}

/// The `n_y = 2` counterexample: two outputs, three samples.
const COUNTER_A: [f64; 6] = [0.9, 0.2, 0.7, 0.4, 0.6, 0.8];
const COUNTER_Y: [f64; 6] = [1.0, 0.0, 1.0, 0.0, 1.0, 1.0];

/// What the gist's `np.dot` expression is for a problem: the `n_y × n_y` matrix
/// `D = ln A · Yᵀ + ln(1 − A) · (1 − Y)ᵀ`, computed in `f64` as numpy does (a matrix
/// product), its exact entries (entry `(i, j)` is the log-likelihood of predictions row `i`
/// against labels row `j`), and the exact `−(1/m) Σ_ij D_ij`.
struct DotMatrix {
    computed: DMatrix<f64>,
    by_rows: DMatrix<f64>,
    exact: DMatrix<f64>,
    bounds: DMatrix<f64>,
    sum_cost: f64,
}

fn dot_matrix(p: &BinaryProblem<'_>) -> Result<DotMatrix> {
    let (n, m) = (p.outputs(), p.samples());
    let a = p.predictions().array().to_f64_matrix();
    let y = p.labels().to_f64_matrix();
    let ln_a = a.map(f64::ln);
    let ln_1ma = a.map(|v| (-v).ln_1p());
    let one_minus_y = y.map(|v| 1.0 - v);
    // np.dot / np.matmul of 2-D arrays: one matrix product each.
    let computed = &ln_a * y.transpose() + &ln_1ma * one_minus_y.transpose();
    // The same entries as inner products of rows.
    let by_rows = DMatrix::from_fn(n, n, |i, j| {
        ln_a.row(i).dot(&y.row(j)) + ln_1ma.row(i).dot(&one_minus_y.row(j))
    });
    let mut exact = DMatrix::zeros(n, n);
    let mut bounds = DMatrix::zeros(n, n);
    let (mut all_a, mut all_y): (Vec<f64>, Vec<f64>) = (Vec::new(), Vec::new());
    for i in 0..n {
        for j in 0..n {
            let (ai, yj) = (a.rows(i, 1).clone_owned(), y.rows(j, 1).clone_owned());
            let pair = BinaryProblem::new(&ai, &yj)?;
            exact[(i, j)] = oracle::try_binary(&pair)?.log_likelihood;
            bounds[(i, j)] = ErrorBound::binary(&pair).log_likelihood;
            all_a.extend(a.row(i).iter());
            all_y.extend(y.row(j).iter());
        }
    }
    let all = BinaryProblem::new(View::vector(&all_a), View::vector(&all_y))?;
    let sum_cost = oracle::binary_exact(&all).loss_over(m, LogBase::E)?;
    Ok(DotMatrix {
        computed,
        by_rows,
        exact,
        bounds,
        sum_cost,
    })
}

/// The whole catalogue, evaluated through `formulations`, with the platform's record.
pub(crate) fn claims(formulations: &[&dyn Formulation]) -> (Vec<Claim>, PlatformLn) {
    let mut env = Env {
        formulations,
        logarithms: BTreeMap::new(),
    };
    let e = &mut env;
    let only_n1 = || Verdict::HoldsOnlyWhen("n_y = 1".to_owned());
    let claims = vec![
        record("G1", GIST, only_n1(), gist_styles(e)),
        record("G2", GIST, only_n1(), gist_missing_sum(e)),
        record("G3", GIST, only_n1(), gist_already_scalars(e)),
        record("Q1", QUESTION, Verdict::Holds, question_sum_logprobs(e)),
        record("Q2", QUESTION, Verdict::Holds, question_dot_logprobs(e)),
        record("Q3", QUESTION, Verdict::Holds, question_cost(e)),
        record(
            "Q4",
            QUESTION,
            Verdict::HoldsWithin(21),
            question_dot_is_matmul(e),
        ),
        record(
            "Q5",
            QUESTION,
            Verdict::NotCheckable,
            question_second_example(),
        ),
        record(
            "Q6",
            QUESTION,
            Verdict::HoldsOnlyWhen("rounded to 4 decimals or fewer".to_owned()),
            question_second_is_ln2(e),
        ),
        record("F1", FORMULA, Verdict::Holds, formula_example(e, 0, "F1")),
        record(
            "F2",
            FORMULA,
            Verdict::HoldsOnlyWhen("read as truncated to 3 decimals".to_owned()),
            formula_truncated(e),
        ),
        record("F3", FORMULA, Verdict::Holds, formula_nats(e)),
        record("F4", FORMULA, Verdict::Holds, formula_bits(e)),
        record("F5", FORMULA, Verdict::Holds, formula_example(e, 1, "F5")),
        record("F6", FORMULA, Verdict::Holds, formula_example(e, 2, "F6")),
        record("F7", FORMULA, Verdict::Holds, formula_example(e, 3, "F7")),
        record("F8", FORMULA, Verdict::Holds, formula_base_consistency(e)),
        record("F9", FORMULA, Verdict::Holds, formula_optimiser(e)),
    ];
    let platform = env.platform();
    (claims, platform)
}

const SUM_STYLE: &str = "−(1/m)·Σ_ij (Y∘ln A + (1−Y)∘ln(1−A))";
const DOT_STYLE: &str = "−(1/m)·(ln A·Yᵀ + ln(1−A)·(1−Y)ᵀ)";

/// The published `n_y = 1` example and the `n_y = 2` counterexample, described.
fn two_cases(d: &mut Draft) -> Result<(BinaryProblem<'static>, BinaryProblem<'static>)> {
    let one = published::binary_example()?;
    let two = binary(&COUNTER_A, &COUNTER_Y, 2)?;
    d.input(format!(
        "n_y = 1: the second document's Y = {}, A2 = {} (m = 8)",
        rows(one.labels()),
        rows(one.predictions().array())
    ));
    d.input(format!(
        "n_y = 2: Y = {}, A = {} (m = 3, our counterexample)",
        rows(two.labels()),
        rows(two.predictions().array())
    ));
    Ok((one, two))
}

fn gist_styles(e: &mut Env<'_>) -> Result<Draft> {
    let mut d = Draft::new("G1", GIST).says(
        "the np.sum style and the np.dot style compute the same cost (A, Y of shape (n_y, m))",
        &format!("{SUM_STYLE} = {DOT_STYLE}"),
    );
    let (one, two) = two_cases(&mut d)?;
    let (j1, rows1) = e.agree(
        "J, n_y = 1",
        Problem::Binary(one),
        Quantity::Loss(LogBase::E),
    )?;
    let (j2, rows2) = e.agree(
        "J, n_y = 2",
        Problem::Binary(two),
        Quantity::Loss(LogBase::E),
    )?;
    d.formulations.extend(rows1);
    d.formulations.extend(rows2);
    let dm1 = dot_matrix(&one)?;
    let dm2 = dot_matrix(&two)?;
    d.oracle("J, n_y = 1", j1);
    d.oracle("J, n_y = 2", j2);
    d.oracle(
        "−(1/m)·Σ of the (2, 2) np.dot matrix, n_y = 2",
        dm2.sum_cost,
    );
    // n_y = 1: the (1, 1) array's entry is the np.sum style's value.
    let bound = tolerance::log_likelihood(&ErrorBound::binary(&one));
    let entry = dm1.computed[(0, 0)];
    let by_sum = e
        .formulations
        .iter()
        .find(|f| mirrors(**f, Numpy::Sum))
        .map_or(f64::NAN, |f| f.binary(&one).log_likelihood);
    d.check(
        Some("n_y = 1"),
        "np.dot gives a (1, 1) array whose one entry is the np.sum style's scalar S (the same exact value; computed, within the sum of the two a priori bounds)",
        Outcome::from_bool(bound.admits_pair(entry, by_sum) && dm1.exact[(0, 0)] == oracle::try_binary(&one)?.log_likelihood),
    );
    d.check(
        Some("n_y = 2"),
        format!(
            "np.dot gives a (2, 2) matrix, not a scalar: its trace is −m·J, but its sum adds the cross terms, −(1/m)·Σ = {} ≠ J = {}",
            Num(dm2.sum_cost),
            Num(j2)
        ),
        Outcome::from_bool(dm2.sum_cost == j2),
    );
    Ok(d)
}

fn gist_missing_sum(e: &mut Env<'_>) -> Result<Draft> {
    let mut d = Draft::new("G2", GIST).says(
        "a comment: the np.dot style is missing an outer np.sum, the cost is −(1/m)·np.sum(np.dot(np.log(A), Y.T) + np.dot(np.log(1-A), (1-Y).T))",
        "J = −(1/m)·Σ_ij (ln A·Yᵀ + ln(1−A)·(1−Y)ᵀ)_ij",
    );
    let (one, two) = two_cases(&mut d)?;
    let o1 = oracle::try_binary(&one)?;
    let o2 = oracle::try_binary(&two)?;
    let dm1 = dot_matrix(&one)?;
    let dm2 = dot_matrix(&two)?;
    d.oracle("J, n_y = 1", o1.loss);
    d.oracle("−(1/m)·np.sum(D), n_y = 1", dm1.sum_cost);
    d.oracle("J, n_y = 2", o2.loss);
    d.oracle("−(1/m)·np.sum(D), n_y = 2", dm2.sum_cost);
    let _ = e;
    d.check(
        Some("n_y = 1"),
        "np.sum of the (1, 1) array D is its one entry: the value was already the cost, np.sum only makes it a scalar",
        Outcome::from_bool(dm1.sum_cost == o1.loss && dm1.computed.sum() == dm1.computed[(0, 0)]),
    );
    d.check(
        Some("n_y = 2"),
        format!(
            "np.sum of the (2, 2) matrix D adds the off-diagonal cross terms: {} ≠ J = {}; the reduction missing is the trace",
            Num(dm2.sum_cost),
            Num(o2.loss)
        ),
        Outcome::from_bool(dm2.sum_cost == o2.loss),
    );
    Ok(d)
}

fn gist_already_scalars(e: &mut Env<'_>) -> Result<Draft> {
    let mut d = Draft::new("G3", GIST).says(
        "the reply: the dot products are already scalars, so the np.sum is not needed in the np.dot style",
        "np.dot(ln A, Yᵀ) ∈ ℝ^{n_y × n_y} is a scalar  ⇔  n_y = 1",
    );
    let (one, two) = two_cases(&mut d)?;
    let o1 = oracle::try_binary(&one)?;
    let dm1 = dot_matrix(&one)?;
    let dm2 = dot_matrix(&two)?;
    d.oracle("S = −m·J, n_y = 1", o1.log_likelihood);
    for i in 0..2 {
        for j in 0..2 {
            d.oracle(format!("D[{i}, {j}], n_y = 2"), dm2.exact[(i, j)]);
        }
    }
    let shapes: Vec<String> = e
        .formulations
        .iter()
        .filter(|f| numpy_2d(**f))
        .map(|f| format!("{} {}", f.name(), f.binary(&one).shape))
        .collect();
    let one_by_one = e
        .formulations
        .iter()
        .filter(|f| numpy_2d(**f))
        .all(|f| f.binary(&one).shape.numpy_dims() == [1, 1]);
    d.check(
        Some("n_y = 1"),
        format!(
            "np.dot of (1, m) and (m, 1) is one number, S, held in a (1, 1) array ({}): a scalar in value, 2-D in type",
            shapes.join(", ")
        ),
        Outcome::from_bool(one_by_one && dm1.exact[(0, 0)] == o1.log_likelihood),
    );
    d.check(
        Some("n_y = 2"),
        format!(
            "np.dot of (2, m) and (m, 2) is a ({0}, {0}) matrix of {1} numbers: not a scalar, and not the cost without a reduction (its trace)",
            dm2.computed.nrows(),
            dm2.computed.len()
        ),
        Outcome::from_bool(dm2.computed.len() == 1),
    );
    Ok(d)
}

fn question_sum_logprobs(e: &mut Env<'_>) -> Result<Draft> {
    let mut d = Draft::new("Q1", QUESTION).says(
        "np.sum(np.multiply(np.log(A2), Y) + np.multiply(1 - Y, np.log(1 - A2))) gives logprobs as a scalar, shape ()",
        "S = Σ_ij (Y∘ln A2 + (1−Y)∘ln(1−A2)),  S ∈ ℝ",
    );
    let p = published::binary_example()?;
    d.input(format!(
        "Y = {}, A2 = {}",
        rows(p.labels()),
        rows(p.predictions().array())
    ));
    d.printed("logprobs (np.sum)", published::BINARY_LOGPROBS);
    d.printed("np.asscalar(logprobs) (np.dot)", "-0.7891462576187036");
    let (s, agreements) = e.agree("S", Problem::Binary(p), Quantity::LogLikelihood)?;
    let bound_ulps = agreements.first().map_or(0, |a| a.bound_ulps);
    d.formulations = agreements;
    d.oracle("S", s);
    let (text, outcome) = full_precision("np.sum", published::BINARY_LOGPROBS, s, bound_ulps);
    d.check(None, text, outcome);
    let (text, outcome) = full_precision("np.asscalar", "-0.7891462576187036", s, bound_ulps);
    d.check(None, text, outcome);
    let same =
        published::BINARY_LOGPROBS.parse::<f64>().ok() == "-0.7891462576187036".parse::<f64>().ok();
    d.check(
        None,
        "the two printings (17 and 16 digits) are the same f64: the value is the same in both styles",
        Outcome::from_bool(same),
    );
    let scalar = e
        .formulations
        .iter()
        .filter(|f| mirrors(**f, Numpy::Sum))
        .all(|f| f.binary(&p).shape == ReducedShape::Scalar);
    d.check(
        None,
        "the sum style reduces to a scalar (numpy's shape ())",
        Outcome::from_bool(scalar),
    );
    Ok(d)
}

fn question_dot_logprobs(e: &mut Env<'_>) -> Result<Draft> {
    let mut d = Draft::new("Q2", QUESTION).says(
        "np.dot(Y, np.log(A2).T) + np.dot(1.0-Y, np.log(1 - A2).T) gives the same logprobs as a (1, 1) array",
        "S = Y·ln A2ᵀ + (1−Y)·ln(1−A2)ᵀ ∈ ℝ^{1×1}",
    );
    let p = published::binary_example()?;
    d.input(format!(
        "Y = {}, A2 = {}",
        rows(p.labels()),
        rows(p.predictions().array())
    ));
    d.printed("logprobs (np.dot)", "[[-0.78914626]]");
    d.printed("logprobs.shape", "(1, 1)");
    let (s, agreements) = e.agree("S", Problem::Binary(p), Quantity::LogLikelihood)?;
    d.formulations = agreements;
    d.oracle("S", s);
    let (text, outcome) = rounded("[[-0.78914626]]", published::BINARY_LOGPROBS_DOT, s);
    d.check(None, text, outcome);
    for f in e.formulations.iter().filter(|f| numpy_2d(**f)) {
        let shape = f.binary(&p).shape;
        d.check(
            None,
            format!(
                "the {} style reduces a {shape} array, numpy's (1, 1)",
                f.name()
            ),
            Outcome::from_bool(shape.numpy_dims() == [1, 1]),
        );
    }
    Ok(d)
}

fn question_cost(e: &mut Env<'_>) -> Result<Draft> {
    let mut d = Draft::new("Q3", QUESTION).says(
        "cost = (-1/m) * logprobs is [[ 0.09864328]]; the document never sets m",
        "J = −S/m, m = 8 (the number of samples)",
    );
    let p = published::binary_example()?;
    d.input(format!(
        "Y = {}, A2 = {}",
        rows(p.labels()),
        rows(p.predictions().array())
    ));
    d.printed("cost", published::BINARY_COST);
    let (j, agreements) = e.agree("J", Problem::Binary(p), Quantity::Loss(LogBase::E))?;
    d.formulations = agreements;
    d.oracle("J = −S/8", j);
    let (text, outcome) = rounded("m = 8", published::BINARY_COST, j);
    d.check(None, text, outcome);
    let exact = oracle::binary_exact(&p);
    let mut reproducing = Vec::new();
    for m in 1..=64 {
        let v = exact.loss_over(m, LogBase::E)?;
        if matches_printed(v, published::BINARY_COST) == Some(true) {
            reproducing.push(m);
        }
    }
    d.check(
        None,
        format!(
            "of m = 1, …, 64, only m = {:?} reproduces the printed cost: the implicit m is the sample count",
            reproducing
        ),
        Outcome::from_bool(reproducing == [8]),
    );
    Ok(d)
}

fn question_dot_is_matmul(e: &mut Env<'_>) -> Result<Draft> {
    let mut d = Draft::new("Q4", QUESTION).says(
        "np.dot is exactly the same as np.matmul here, since the inputs are 2-D arrays",
        "np.dot(X, W) = np.matmul(X, W) = X·W  for X, W 2-D",
    );
    let (one, two) = two_cases(&mut d)?;
    d.printed("logprobs (np.matmul)", "[[-0.78914626]]");
    let (j, agreements) = e.agree(
        "J, n_y = 1",
        Problem::Binary(one),
        Quantity::Loss(LogBase::E),
    )?;
    d.formulations = agreements
        .into_iter()
        .filter(|a| xent_registry::by_name(&a.formulation).is_some_and(numpy_2d))
        .collect();
    d.oracle("J, n_y = 1", j);
    // n_y = 1: the dot style (inner products) and the matmul style (matrix product), each
    // within its bound of the oracle, hence within the sum of the bounds of each other.
    let b = ErrorBound::binary(&one);
    let ulps = (b + b).ulps_at(j);
    let dot = e
        .formulations
        .iter()
        .find(|f| mirrors(**f, Numpy::Dot))
        .map(|f| f.binary(&one).nats());
    let mm = e
        .formulations
        .iter()
        .find(|f| mirrors(**f, Numpy::Matmul))
        .map(|f| f.binary(&one).nats());
    let (dot, mm) = (dot.unwrap_or(f64::NAN), mm.unwrap_or(f64::NAN));
    d.check(
        None,
        format!("n_y = 1: the dot style and the matmul style agree within the sum of their a priori bounds ({ulps} ulps)"),
        if (b + b).admits_difference(dot, mm) { Outcome::Within(ulps) } else { Outcome::Fails },
    );
    // n_y = 2: every entry of the (2, 2) product, computed as inner products of rows (np.dot's
    // definition) and as a matrix product (np.matmul), is within its bound of the exact entry.
    let dm = dot_matrix(&two)?;
    let mut ok = true;
    let mut worst = 0;
    for i in 0..2 {
        for j in 0..2 {
            let x = dm.exact[(i, j)];
            let bound = dm.bounds[(i, j)];
            let pair = ErrorBound {
                absolute: 2.0 * bound,
                log_likelihood: 2.0 * bound,
            };
            ok &= pair.admits_difference(dm.by_rows[(i, j)], dm.computed[(i, j)]);
            worst = worst.max(pair.ulps_at(x));
            d.oracle(format!("D[{i}, {j}], n_y = 2"), x);
        }
    }
    d.check(
        None,
        format!(
            "n_y = 2: the (2, 2) matrix as inner products of rows and as a matrix product agree entry by entry within the sum of their bounds ({worst} ulps)"
        ),
        if ok { Outcome::Within(worst) } else { Outcome::Fails },
    );
    Ok(d)
}

/// The second example of [`QUESTION`], printed without its inputs.
const SECOND_LOGPROBS: &str = "-2.07917628312";
const SECOND_LOGPROBS_DOT: &str = "-2.07917628";
const SECOND_COST: &str = "0.693058761039";
const SECOND_SQUEEZED: &str = "0.6930587610394646";

fn question_second_example() -> Result<Draft> {
    let mut d = Draft::new("Q5", QUESTION).says(
        "the question's own run prints logprobs -2.07917628312 ([[-2.07917628]] from np.dot), cost 0.693058761039 and, squeezed, 0.6930587610394646",
        "J = −S/m, with A2, Y and m not published",
    );
    d.not_checkable = true;
    d.input("not published (only the printed values)");
    d.printed("logprobs (np.sum)", SECOND_LOGPROBS);
    d.printed("logprobs (np.dot)", &format!("[[{SECOND_LOGPROBS_DOT}]]"));
    d.printed("cost", SECOND_COST);
    d.printed("np.squeeze(cost)", SECOND_SQUEEZED);
    let squeezed: f64 = SECOND_SQUEEZED.parse().unwrap_or(f64::NAN);
    let (text, outcome) = rounded("the squeezed cost", SECOND_COST, squeezed);
    d.check(None, text, outcome);
    let implied: Vec<usize> = (1..=100)
        .filter(|&m| matches_printed(-(m as f64) * squeezed, SECOND_LOGPROBS) == Some(true))
        .collect();
    d.check(
        None,
        format!(
            "of m = 1, …, 100, only m = {implied:?} makes −m × {SECOND_SQUEEZED} round to the printed logprobs {SECOND_LOGPROBS}"
        ),
        Outcome::from_bool(implied == [3]),
    );
    let s3 = -3.0 * squeezed;
    let (text, outcome) = rounded("−3 × the squeezed cost", SECOND_LOGPROBS_DOT, s3);
    d.check(None, text, outcome);
    d.check(
        None,
        "the values are consistent with one another; without A2 and Y they cannot be checked against the definition",
        Outcome::Holds,
    );
    Ok(d)
}

fn question_second_is_ln2(e: &mut Env<'_>) -> Result<Draft> {
    let mut d = Draft::new("Q6", QUESTION).says(
        "(our reading) the second example's cost, 0.6931…, is the cost of an uninformative prediction: A2 = 0.5 everywhere costs ln 2",
        "J(A = ½) = −(1/m)·Σ (y ln ½ + (1−y) ln ½) = ln 2",
    );
    let half = binary(&[0.5; 3], &[1.0, 0.0, 1.0], 1)?;
    d.input(format!(
        "A = {}, Y = {} (any Y, any m)",
        rows(half.predictions().array()),
        rows(half.labels())
    ));
    d.printed("np.squeeze(cost)", SECOND_SQUEEZED);
    let (j, agreements) = e.agree(
        "J(A = ½)",
        Problem::Binary(half),
        Quantity::Loss(LogBase::E),
    )?;
    d.formulations = agreements;
    d.oracle("J(A = ½) = ln 2", j);
    let printed: f64 = SECOND_SQUEEZED.parse().unwrap_or(f64::NAN);
    let agree = |n: usize| format!("{printed:.n$}") == format!("{j:.n$}");
    let most = (0..=17).take_while(|&n| agree(n)).last().unwrap_or(0);
    d.check(
        Some("rounded to 4 decimals or fewer"),
        format!(
            "to {most} decimals both are {}",
            format_args!("{printed:.most$}")
        ),
        Outcome::from_bool(most >= 4),
    );
    let next = most + 1;
    d.check(
        Some("to full precision"),
        format!(
            "to {next} decimals they differ, {} against {}: the cost is {} below ln 2, so A2 was not 0.5 everywhere",
            format_args!("{printed:.next$}"),
            format_args!("{j:.next$}"),
            format_args!("{:.1e}", j - printed)
        ),
        Outcome::from_bool(printed == j),
    );
    Ok(d)
}

fn categorical_problem(i: usize) -> Result<CategoricalProblem<'static>> {
    Ok(published::categorical_example(&CATEGORICAL[i])?)
}

fn describe(d: &mut Draft, i: usize) {
    let e = CATEGORICAL[i];
    d.input(format!(
        "p = {:?} (one-hot), q = {:?}",
        e.target, e.prediction
    ));
}

/// Short printings of the examples' losses in the document's prose.
const PROSE: [(usize, &str); 3] = [(1, "0.002"), (2, "6.91"), (3, "1.10")];

fn formula_example(e: &mut Env<'_>, i: usize, id: &'static str) -> Result<Draft> {
    let ex = CATEGORICAL[i];
    let mut d = Draft::new(id, FORMULA).says(
        &format!(
            "q = {:?} against the one-hot p = [0, 1, 0] prints -np.sum(p * np.log(q)) = {}",
            ex.prediction, ex.nats
        ),
        "J = −Σ_i p_i ln q_i = −ln q_B",
    );
    describe(&mut d, i);
    let p = categorical_problem(i)?;
    d.printed("-np.sum(p * np.log(q))", ex.nats);
    let prose = PROSE.iter().find(|(k, _)| *k == i).map(|(_, s)| *s);
    if let Some(s) = prose {
        d.printed("in the prose", s);
    }
    let (j, agreements) = e.agree("J", Problem::Categorical(p), Quantity::Loss(LogBase::E))?;
    let bound_ulps = agreements.first().map_or(0, |a| a.bound_ulps);
    d.formulations = agreements;
    d.oracle("J", j);
    if significant_digits(ex.nats) >= FULL_PRECISION_DIGITS {
        let (text, outcome) = full_precision("numpy", ex.nats, j, bound_ulps);
        d.check(None, text, outcome);
    }
    if let Some(s) = prose {
        let (text, outcome) = rounded("the prose", s, j);
        d.check(None, text, outcome);
    }
    Ok(d)
}

fn formula_truncated(e: &mut Env<'_>) -> Result<Draft> {
    let mut d = Draft::new("F2", FORMULA).says(
        "\"In this case the loss is 0.479\" (and the optimiser reduces it \"from 0.479 to 0.0\")",
        "J = −ln 0.619 ≈ 0.479",
    );
    describe(&mut d, 0);
    d.printed("the loss", "0.479");
    let p = categorical_problem(0)?;
    let (j, agreements) = e.agree("J", Problem::Categorical(p), Quantity::Loss(LogBase::E))?;
    d.formulations = agreements;
    d.oracle("J", j);
    let (text, outcome) = rounded("", "0.479", j);
    d.check(Some("read as rounded to 3 decimals"), text, outcome);
    let t = truncated(j, 3);
    d.check(
        Some("read as truncated to 3 decimals"),
        format!("{} truncates to {t}", Num(j)),
        Outcome::from_bool(t == "0.479"),
    );
    Ok(d)
}

fn formula_nats(e: &mut Env<'_>) -> Result<Draft> {
    let mut d = Draft::new("F3", FORMULA).says(
        "\"the loss is 0.4797 nats\": with the natural log the unit is the nat",
        "J_e = −Σ p ln q  [nats]",
    );
    describe(&mut d, 0);
    let p = categorical_problem(0)?;
    d.printed("the loss", "0.4797 nats");
    let (j, agreements) = e.agree(
        "J in nats",
        Problem::Categorical(p),
        Quantity::Loss(LogBase::E),
    )?;
    d.formulations = agreements;
    d.oracle("J in nats", j);
    let (text, outcome) = rounded("nats", "0.4797", j);
    d.check(None, text, outcome);
    Ok(d)
}

fn formula_bits(e: &mut Env<'_>) -> Result<Draft> {
    let mut d = Draft::new("F4", FORMULA).says(
        "\"If the log were instead log base 2, then the units are in bits\"",
        "J_2 = −Σ p log₂ q = J_e / ln 2  [bits]",
    );
    describe(&mut d, 0);
    let p = categorical_problem(0)?;
    d.printed("the loss", "0.4797 nats");
    let (_, quoted_bits) = published::CATEGORICAL_QUOTED[1];
    d.printed(
        "in bits (xent's table; the document names the unit, not the value)",
        quoted_bits,
    );
    let (j2, agreements) = e.agree(
        "J in bits",
        Problem::Categorical(p),
        Quantity::Loss(LogBase::TWO),
    )?;
    d.formulations = agreements;
    d.oracle("J in bits = J_e / ln 2", j2);
    let direct = oracle::in_base_directly(&p, LogBase::TWO)?;
    d.oracle("−Σ p log₂ q, evaluated with log₂", direct);
    d.check(
        None,
        "the exact J_e / ln 2 and the exact −Σ p log₂ q round to the same f64",
        Outcome::from_bool(direct == j2),
    );
    let (text, outcome) = rounded("bits", quoted_bits, j2);
    d.check(None, text, outcome);
    Ok(d)
}

fn formula_base_consistency(e: &mut Env<'_>) -> Result<Draft> {
    let mut d = Draft::new("F8", FORMULA).says(
        "\"it does not matter what logarithm base you use as long as you consistently use the same one\"",
        "J_b = J_e / ln b for b ∈ {e, 2, 10}: one positive factor, so orders and minimisers agree",
    );
    d.input("the four examples of the document, p = [0, 1, 0]; bases e, 2, 10");
    let bases = [LogBase::E, LogBase::TWO, LogBase::TEN];
    let problems: Vec<CategoricalProblem<'static>> =
        (0..4).map(categorical_problem).collect::<Result<_>>()?;
    let mut by_base: Vec<Vec<f64>> = Vec::new();
    let mut exact_match = true;
    let mut within = 0usize;
    let mut total = 0usize;
    for &base in &bases {
        let mut losses = Vec::new();
        for (i, p) in problems.iter().enumerate() {
            let (j, agreements) = e.agree(
                &format!("J in {}, q = {:?}", base.unit(), CATEGORICAL[i].prediction),
                Problem::Categorical(*p),
                Quantity::Loss(base),
            )?;
            exact_match &= oracle::in_base_directly(p, base)? == j;
            total += agreements.len();
            within += agreements.iter().filter(|a| a.within_bound).count();
            if i == 0 {
                d.formulations.extend(agreements);
            }
            d.oracle(
                format!("J in {}, q = {:?}", base.unit(), CATEGORICAL[i].prediction),
                j,
            );
            losses.push(j);
        }
        by_base.push(losses);
    }
    d.check(
        None,
        "for every example and base, the exact J_e / ln b and −Σ p log_b q evaluated with log_b round to the same f64",
        Outcome::from_bool(exact_match),
    );
    let order = |v: &[f64]| {
        let mut idx: Vec<usize> = (0..v.len()).collect();
        idx.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
        idx
    };
    let orders: Vec<Vec<usize>> = by_base.iter().map(|v| order(v)).collect();
    let same_order = orders.windows(2).all(|w| w[0] == w[1]);
    let names: Vec<String> = orders
        .first()
        .map(|o| {
            o.iter()
                .map(|&i| format!("{:?}", CATEGORICAL[i].prediction))
                .collect()
        })
        .unwrap_or_default();
    d.check(
        None,
        format!(
            "the four losses are in the same order in every base: {}",
            names.join(" < ")
        ),
        Outcome::from_bool(same_order),
    );
    d.check(
        None,
        format!(
            "the best prediction (the minimiser) is the same in every base: q = {}",
            names.first().map_or("?", String::as_str)
        ),
        Outcome::from_bool(orders.iter().all(|o| o.first() == orders[0].first())),
    );
    let ratio_ok = by_base[1]
        .iter()
        .zip(&by_base[0])
        .all(|(j2, je)| xent_core::ulp::ulp_distance(*j2, je / std::f64::consts::LN_2) <= 1);
    d.check(
        None,
        "J_2 = J_e / ln 2 within one rounding (the f64 division), for every example",
        Outcome::from_bool(ratio_ok),
    );
    d.check(
        None,
        format!("{within} of {total} formulation values (all examples, all bases) within their bounds (first example shown)"),
        Outcome::from_bool(within == total),
    );
    Ok(d)
}

fn formula_optimiser(e: &mut Env<'_>) -> Result<Draft> {
    let mut d = Draft::new("F9", FORMULA).says(
        "\"A machine learning optimizer will attempt to minimize the loss (i.e. it will try to reduce the loss from 0.479 to 0.0)\"",
        "J(p, q) ≥ 0, with J = 0 exactly when q = p (one-hot p)",
    );
    let start = CATEGORICAL[0].prediction;
    let target = CATEGORICAL[0].target;
    d.input(format!(
        "q_t = (1 − t)·{start:?} + t·{target:?} for t = 0, 1/4, 1/2, 3/4, 1"
    ));
    d.printed("from", "0.479");
    d.printed("to", "0.0");
    let mut path = Vec::new();
    for k in 0..=4 {
        let t = f64::from(k) / 4.0;
        let q: Vec<f64> = start
            .iter()
            .zip(&target)
            .map(|(s, p)| (1.0 - t) * s + t * p)
            .collect();
        let p = CategoricalProblem::new(View::column(&q), View::column(&target))?;
        let (j, agreements) = e.agree(
            &format!("J, t = {t}"),
            Problem::Categorical(p),
            Quantity::Loss(LogBase::E),
        )?;
        // The ends of the path are shown; the points between only if one is out of bound.
        if k == 0 || k == 4 || agreements.iter().any(|a| !a.within_bound) {
            d.formulations.extend(agreements);
        }
        d.oracle(format!("J, t = {t}"), j);
        path.push(j);
    }
    let decreasing = path.windows(2).all(|w| w[1] < w[0]);
    d.check(
        None,
        "along the path towards the target the loss strictly decreases",
        Outcome::from_bool(decreasing),
    );
    let positive = path[..4].iter().all(|&j| j > 0.0);
    d.check(
        None,
        "J > 0 while q ≠ p (Gibbs' inequality)",
        Outcome::from_bool(positive),
    );
    d.check(
        None,
        "J = 0 exactly at q = p, for the oracle and every formulation (ln 1 = 0; the formulations return −0.0, the sign of −S/m for S = +0)",
        Outcome::from_bool(
            path[4] == 0.0
                && d.formulations
                    .iter()
                    .filter(|a| a.subject == "J, t = 1")
                    .all(|a| a.within_bound),
        ),
    );
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(case: Option<&str>, outcome: Outcome) -> Check {
        Check {
            case: case.map(str::to_owned),
            what: String::new(),
            outcome,
        }
    }

    #[test]
    fn verdicts_follow_the_checks() {
        let n1 = Some("n_y = 1");
        let n2 = Some("n_y = 2");
        let cases = [
            (vec![check(None, Outcome::Holds)], Verdict::Holds),
            (
                vec![check(None, Outcome::Within(2)), check(None, Outcome::Holds)],
                Verdict::HoldsWithin(2),
            ),
            (
                vec![check(None, Outcome::Fails), check(n1, Outcome::Holds)],
                Verdict::Fails,
            ),
            (
                vec![check(n1, Outcome::Holds), check(n2, Outcome::Fails)],
                Verdict::HoldsOnlyWhen("n_y = 1".into()),
            ),
            (
                vec![check(n1, Outcome::Fails), check(n2, Outcome::Fails)],
                Verdict::Fails,
            ),
            (
                vec![check(n1, Outcome::Holds), check(n1, Outcome::Fails)],
                Verdict::Fails,
            ),
        ];
        for (checks, expected) in cases {
            assert_eq!(derive(&checks, &[], false), expected, "{checks:?}");
        }
        assert_eq!(
            derive(&[check(None, Outcome::Holds)], &[], true),
            Verdict::NotCheckable
        );
        assert_eq!(
            derive(&[check(None, Outcome::Fails)], &[], true),
            Verdict::Fails
        );
    }

    #[test]
    fn printed_digits() {
        assert_eq!(decimals("0.479"), 3);
        assert_eq!(decimals("6"), 0);
        assert_eq!(truncated(0.479_650_006_297_540_95, 3), "0.479");
        assert_eq!(significant_digits("-0.78914625761870361"), 17);
        assert_eq!(significant_digits("0.0020020026706730793"), 17);
        assert_eq!(significant_digits("6.907755278982137"), 16);
    }
}
