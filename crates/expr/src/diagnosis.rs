//! From distances to a diagnosis: one outcome per problem, then one [`Diagnosis`] for the
//! expression, which reduces to the one [`xent_core::Verdict`] ([`Diagnosis::verdict`]).
//!
//! The reference is the oracle's correctly rounded value; `B_ref` is the problem's a priori
//! `ErrorBound`, what every formulation is held to. A run is
//! **equal** when the expression's value is within `B_ref + B_expr` of the reference (plus
//! the expression's running bound: if the two exact values were equal, that is further than
//! the computed ones can be) *and* within the
//! accuracy every formulation is held to, `2·B_ref`; **inaccurate** when only the first holds
//! (the exact values may agree but the expression's evaluation lost digits). Otherwise the
//! exact values differ, and the aggregate looks for the simplest explanation: a factor
//! (`−1`, `m`, `1/n_y`, `1/ln 2`, …) matching every run, a condition on the sizes or labels
//! that separates the equal runs from the others, or neither.

use std::fmt;

use xent_core::Kind;
use xent_core::ulp::ulp_distance;

use crate::tolerance::{BOUND_SLACK, FACTOR_ROUNDING_U, UNIT_ROUNDOFF, required_accuracy};

/// The words a report uses for a kind of problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Vocabulary {
    /// `n_y` or `k`.
    pub(crate) rows: &'static str,
    /// `label` or `target`.
    pub(crate) label: &'static str,
    /// `labels are hard (0 or 1)` or `targets are one-hot`.
    pub(crate) hard: &'static str,
}

impl Vocabulary {
    pub(crate) fn of(kind: Kind) -> Self {
        match kind {
            Kind::Binary => Vocabulary {
                rows: "n_y",
                label: "label",
                hard: "labels are hard (0 or 1)",
            },
            Kind::Categorical => Vocabulary {
                rows: "k",
                label: "target",
                hard: "targets are one-hot",
            },
        }
    }
}

/// What a problem looks like, for conditions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Features {
    pub(crate) rows: usize,
    pub(crate) samples: usize,
    pub(crate) hard: bool,
}

/// A condition under which an expression equals the loss, tried in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Condition {
    RowsOne,
    SamplesOne,
    Hard,
    RowsOneAndHard,
    SamplesOneAndHard,
    RowsAndSamplesOne,
    RowsOrSamplesOne,
}

impl Condition {
    const ALL: [Condition; 7] = [
        Condition::RowsOne,
        Condition::SamplesOne,
        Condition::Hard,
        Condition::RowsOneAndHard,
        Condition::SamplesOneAndHard,
        Condition::RowsAndSamplesOne,
        Condition::RowsOrSamplesOne,
    ];

    fn holds(self, f: Features) -> bool {
        match self {
            Condition::RowsOne => f.rows == 1,
            Condition::SamplesOne => f.samples == 1,
            Condition::Hard => f.hard,
            Condition::RowsOneAndHard => f.rows == 1 && f.hard,
            Condition::SamplesOneAndHard => f.samples == 1 && f.hard,
            Condition::RowsAndSamplesOne => f.rows == 1 && f.samples == 1,
            Condition::RowsOrSamplesOne => f.rows == 1 || f.samples == 1,
        }
    }

    fn describe(self, v: Vocabulary) -> String {
        let r = v.rows;
        match self {
            Condition::RowsOne => format!("{r} = 1"),
            Condition::SamplesOne => "m = 1".into(),
            Condition::Hard => v.hard.into(),
            Condition::RowsOneAndHard => format!("{r} = 1 and {}", v.hard),
            Condition::SamplesOneAndHard => format!("m = 1 and {}", v.hard),
            Condition::RowsAndSamplesOne => format!("{r} = m = 1"),
            Condition::RowsOrSamplesOne => format!("{r} = 1 or m = 1"),
        }
    }
}

/// The first condition true exactly on the runs marked `true` (none when all or none are).
fn separating(runs: &[(Features, bool)], v: Vocabulary) -> Option<String> {
    let n_true = runs.iter().filter(|(_, t)| *t).count();
    if n_true == 0 || n_true == runs.len() {
        return None;
    }
    Condition::ALL
        .into_iter()
        .find(|c| runs.iter().all(|(f, t)| c.holds(*f) == *t))
        .map(|c| c.describe(v))
}

/// A constant the value may be off by besides sizes: a log base.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Constant {
    One,
    InvLn2,
    Ln2,
    InvLn10,
    Ln10,
}

impl Constant {
    fn value(self) -> f64 {
        use std::f64::consts::{LN_2, LN_10};
        match self {
            Constant::One => 1.0,
            Constant::InvLn2 => 1.0 / LN_2,
            Constant::Ln2 => LN_2,
            Constant::InvLn10 => 1.0 / LN_10,
            Constant::Ln10 => LN_10,
        }
    }
}

/// `sign · n_y^rows · m^samples · constant`: how far an expression is from the loss when it
/// is off by a factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Factor {
    sign: i8,
    rows: i32,
    samples: i32,
    constant: Constant,
}

impl Factor {
    /// Candidates, simplest first: a sign, `m`, `n_y`, their products and quotients, the log
    /// bases.
    fn candidates() -> Vec<Factor> {
        const POWERS: [(i32, i32); 13] = [
            (0, 0),
            (0, 1),
            (0, -1),
            (-1, 0),
            (1, 0),
            (1, 1),
            (-1, -1),
            (1, -1),
            (-1, 1),
            (0, 2),
            (0, -2),
            (2, 0),
            (-2, 0),
        ];
        let mut out = Vec::new();
        for constant in [
            Constant::One,
            Constant::InvLn2,
            Constant::Ln2,
            Constant::InvLn10,
            Constant::Ln10,
        ] {
            for (rows, samples) in POWERS {
                for sign in [1, -1] {
                    let f = Factor {
                        sign,
                        rows,
                        samples,
                        constant,
                    };
                    if !f.is_identity() {
                        out.push(f);
                    }
                }
            }
        }
        out
    }

    fn is_identity(self) -> bool {
        self.sign == 1 && self.rows == 0 && self.samples == 0 && self.constant == Constant::One
    }

    fn value(self, f: Features) -> f64 {
        f64::from(self.sign)
            * (f.rows as f64).powi(self.rows)
            * (f.samples as f64).powi(self.samples)
            * self.constant.value()
    }

    /// When it equals 1 (so the expression equals the loss), if ever.
    fn one_when(self, v: Vocabulary) -> Option<String> {
        if self.sign != 1 || self.constant != Constant::One {
            return None;
        }
        match (self.rows != 0, self.samples != 0) {
            (true, false) => Some(format!("{} = 1", v.rows)),
            (false, true) => Some("m = 1".into()),
            (true, true) => Some(format!("{} = m = 1", v.rows)),
            (false, false) => None,
        }
    }

    /// Why an expression is typically off by this factor.
    fn hint(self, v: Vocabulary, quantity: &str) -> Option<String> {
        Some(match (self.sign, self.rows, self.samples, self.constant) {
            (-1, 0, 0, Constant::One) => "the sign is flipped: the loss is −Σ(…)/m".into(),
            (1, 0, 1, Constant::One) => "the 1/m is missing".into(),
            (-1, 0, 1, Constant::One) => {
                format!("this is the log-likelihood Σ(…), not the {quantity}: −Σ/m is the loss")
            }
            (1, 0, -1, Constant::One) => "divided by m twice".into(),
            (1, -1, 0, Constant::One) => format!(
                "a mean over all {r}·m entries (np.mean) divides by {r} more than the loss's 1/m",
                r = v.rows
            ),
            (1, 0, 0, Constant::InvLn2) => {
                "log base 2: the value is in bits, the loss in nats".into()
            }
            (1, 0, 0, Constant::InvLn10) => {
                "log base 10: the value is in bans, the loss in nats".into()
            }
            _ => return None,
        })
    }

    /// The factor with its value on one problem: `m (= 8)`.
    fn with_value(self, v: Vocabulary, f: Features) -> String {
        let text = self.describe(v);
        let value = self.value(f);
        if text == format_short(value) {
            text
        } else {
            format!("{text} (= {})", format_short(value))
        }
    }

    fn describe(self, v: Vocabulary) -> String {
        let mut num: Vec<String> = Vec::new();
        let mut den: Vec<String> = Vec::new();
        for (name, power) in [(v.rows, self.rows), ("m", self.samples)] {
            let term = if power.abs() == 2 {
                format!("{name}²")
            } else {
                name.to_owned()
            };
            match power.signum() {
                1 => num.push(term),
                -1 => den.push(term),
                _ => {}
            }
        }
        match self.constant {
            Constant::One => {}
            Constant::Ln2 => num.push("ln 2".into()),
            Constant::Ln10 => num.push("ln 10".into()),
            Constant::InvLn2 => den.push("ln 2".into()),
            Constant::InvLn10 => den.push("ln 10".into()),
        }
        let top = if num.is_empty() {
            "1".to_owned()
        } else {
            num.join("·")
        };
        let body = match den.len() {
            0 => top,
            1 => format!("{top}/{}", den[0]),
            _ => format!("{top}/({})", den.join("·")),
        };
        if self.sign < 0 {
            format!("−{body}")
        } else {
            body
        }
    }
}

/// What a run found, in one word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Within the bound, and as accurate as the reference is required to be.
    Equal,
    /// Consistent with the loss, but its own evaluation lost digits.
    Inaccurate,
    /// A different number.
    Differs,
    /// More than one element: not a loss.
    NotOneNumber,
    /// NaN where the loss is a number.
    Nan,
    /// numpy raises on this problem.
    Rejected,
}

impl Outcome {
    /// `equal`, `inaccurate`, `differs`, `not one number`, `NaN`, `rejected`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Equal => "equal",
            Outcome::Inaccurate => "inaccurate",
            Outcome::Differs => "differs",
            Outcome::NotOneNumber => "not one number",
            Outcome::Nan => "NaN",
            Outcome::Rejected => "rejected",
        }
    }

    fn is_equal(self) -> bool {
        matches!(self, Outcome::Equal | Outcome::Inaccurate)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The numbers of one run, as the verdict needs them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Measured {
    pub(crate) value: f64,
    pub(crate) expression_bound: f64,
    pub(crate) reference: f64,
    pub(crate) reference_bound: f64,
}

impl Measured {
    /// `B_ref + B_expr`, with the slack for the bound's own arithmetic.
    pub(crate) fn bound(&self) -> f64 {
        (self.reference_bound + self.expression_bound) * (1.0 + BOUND_SLACK)
    }

    pub(crate) fn distance_ulps(&self) -> u64 {
        ulp_distance(self.value, self.reference)
    }

    pub(crate) fn bound_ulps(&self) -> u64 {
        xent_core::ulp::ulps(self.bound(), self.reference)
    }

    pub(crate) fn accuracy_ulps(&self) -> u64 {
        xent_core::ulp::ulps(required_accuracy(self.reference_bound), self.reference)
    }

    /// Equal, inaccurate, or differs (a NaN or a shape is decided before).
    pub(crate) fn outcome(&self) -> Outcome {
        let (v, r) = (self.value, self.reference);
        if v == r {
            return Outcome::Equal;
        }
        if !v.is_finite() || !r.is_finite() {
            return Outcome::Differs;
        }
        let d = (v - r).abs();
        if d > self.bound() {
            Outcome::Differs
        } else if d <= required_accuracy(self.reference_bound) * (1.0 + BOUND_SLACK) {
            Outcome::Equal
        } else {
            Outcome::Inaccurate
        }
    }

    /// Whether `value ≈ factor · reference` within the same bounds.
    fn matches(&self, factor: f64) -> bool {
        let (v, r) = (self.value, self.reference);
        if !v.is_finite() || !r.is_finite() || r == 0.0 {
            return false;
        }
        let target = factor * r;
        let allowed = (factor.abs() * self.reference_bound + self.expression_bound)
            * (1.0 + BOUND_SLACK)
            + FACTOR_ROUNDING_U * UNIT_ROUNDOFF * target.abs();
        (v - target).abs() <= allowed
    }
}

/// What the aggregate needs from one run.
#[derive(Debug, Clone)]
pub(crate) struct RunView {
    pub(crate) features: Features,
    pub(crate) probe: bool,
    pub(crate) outcome: Outcome,
    pub(crate) measured: Option<Measured>,
    /// The run's one-line description of what went wrong, with the problem's name.
    pub(crate) detail: String,
    /// The same, without the problem's name.
    pub(crate) bare: String,
    /// The problem's name and size.
    pub(crate) name: String,
    /// For a NaN at `0 · ln 0`: `a label is 0 and its prediction is 0`.
    pub(crate) zero_log_zero: Option<String>,
}

/// What the checker found about an expression: the verdict with its explanation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Diagnosis {
    /// Equal to the reference within the bound, on every problem.
    Equal,
    /// Equal on the problems where a condition holds, not on the others.
    EqualOnlyWhen {
        /// `n_y = 1`, `m = 1`, `labels are hard (0 or 1)`, …
        condition: String,
        /// What happens otherwise.
        otherwise: String,
    },
    /// A constant (or size) multiple of the reference on every problem.
    Factor {
        /// `−1`, `m`, `1/n_y`, `1/ln 2`, …
        factor: String,
        /// Why an expression is typically off by it.
        hint: Option<String>,
        /// When the factor is 1, if ever.
        equal_when: Option<String>,
        /// When the result is one number at all (otherwise an array, or numpy raises).
        one_number_when: Option<String>,
    },
    /// Neither equal nor explained.
    Differs {
        /// What was seen.
        detail: String,
    },
    /// NaN at `0 · ln 0` where the definition has a number.
    ZeroLogZero {
        /// `a label is 0 and its prediction is 0`.
        phrase: String,
        /// Where the NaN appears.
        detail: String,
        /// Whether every other problem (predictions strictly inside (0, 1)) was equal or
        /// inaccurate: then the expression is the loss on the open interval.
        equal_elsewhere: bool,
        /// Where another problem was only inaccurate (tiny predictions), if one was.
        inaccurate: Option<String>,
        /// The open interval in the expression's names: `0 < A < 1`.
        interval: Option<String>,
    },
    /// NaN for another reason.
    Nan {
        /// Where the NaN appears.
        detail: String,
    },
    /// Consistent with the loss, but evaluated with more error than the verifier allows.
    Inaccurate {
        /// The measured error, the bound, and where the digits are lost.
        detail: String,
    },
}

/// Every verdict code [`Diagnosis::code`] can give for `kind`, in the order of the verdicts,
/// then `rejected` (a claim numpy refuses): what a claims file's `expect` may say.
pub(crate) fn codes(kind: Kind) -> Vec<String> {
    let v = Vocabulary::of(kind);
    let mut out = vec!["equal".to_owned()];
    out.extend(
        Condition::ALL
            .iter()
            .map(|c| format!("equal only when {}", c.describe(v))),
    );
    out.extend(["differs by a constant factor".into(), "differs".into()]);
    out.extend(
        ["0", "1"].map(|l| format!("NaN where a {} is {l} and its prediction is {l}", v.label)),
    );
    out.extend(["NaN".into(), "inaccurate".into(), "rejected".into()]);
    out
}

impl Diagnosis {
    /// The verdict's stable name, what a claims file's `expect` is compared with: `equal`,
    /// `equal only when n_y = 1`, `differs by a constant factor`, `differs`,
    /// `NaN where a label is 0 and its prediction is 0`, `NaN`, `inaccurate`.
    pub fn code(&self) -> String {
        match self {
            Diagnosis::Equal => "equal".into(),
            Diagnosis::EqualOnlyWhen { condition, .. } => format!("equal only when {condition}"),
            Diagnosis::Factor { .. } => "differs by a constant factor".into(),
            Diagnosis::Differs { .. } => "differs".into(),
            Diagnosis::ZeroLogZero { phrase, .. } => format!("NaN where {phrase}"),
            Diagnosis::Nan { .. } => "NaN".into(),
            Diagnosis::Inaccurate { .. } => "inaccurate".into(),
        }
    }

    /// The verdict this diagnosis amounts to: `holds` when the expression is the loss on
    /// every problem; `holds only when` the condition (`n_y = 1`), or the open interval of
    /// predictions (`0 < A < 1`) when the only failure is NaN at `0 · ln 0`; `fails`
    /// otherwise (a factor, another number, NaN, or more error than the bound allows).
    pub fn verdict(&self) -> xent_core::Verdict {
        use xent_core::Verdict as V;
        match self {
            Diagnosis::Equal => V::Holds,
            Diagnosis::EqualOnlyWhen { condition, .. } => V::HoldsOnlyWhen(condition.clone()),
            Diagnosis::ZeroLogZero {
                equal_elsewhere: true,
                inaccurate: None,
                interval: Some(interval),
                ..
            } => V::HoldsOnlyWhen(interval.clone()),
            _ => V::Fails,
        }
    }

    /// Whether the expression is the loss (within the bound) on every problem.
    pub fn is_equal(&self) -> bool {
        matches!(self, Diagnosis::Equal)
    }

    /// The explanation, one line per point, the verdict for the open interval first (see
    /// [`Diagnosis::lines`]).
    pub fn message(&self) -> String {
        self.lines().join("\n")
    }

    /// The verdict as lines a person reads: what holds first, then the exceptions.
    pub fn lines(&self) -> Vec<String> {
        match self {
            Diagnosis::ZeroLogZero {
                phrase,
                detail,
                equal_elsewhere,
                inaccurate,
                interval,
            } => {
                let mut out = Vec::new();
                if *equal_elsewhere {
                    let interval = interval.as_deref().unwrap_or("0 < predictions < 1");
                    out.push(match inaccurate {
                        None => format!(
                            "equal for {interval}: the value is the loss within the bound on \
                             every problem checked whose predictions are all strictly between 0 \
                             and 1"
                        ),
                        Some(_) => format!(
                            "equal for {interval} on every regular problem checked (but see \
                             tiny predictions below)"
                        ),
                    });
                }
                let lead = if *equal_elsewhere { "except " } else { "" };
                out.push(format!(
                    "{lead}NaN where {phrase}: numpy computes 0 * -inf = nan where the definition \
                     takes 0·ln 0 = 0"
                ));
                out.push(format!("  seen {detail}"));
                if let Some(i) = inaccurate {
                    out.push(format!("and inaccurate {i}"));
                }
                out
            }
            Diagnosis::EqualOnlyWhen {
                condition,
                otherwise,
            } => vec![
                format!("equal only when {condition}"),
                format!("otherwise {otherwise}"),
            ],
            Diagnosis::Factor {
                factor,
                hint,
                equal_when,
                one_number_when,
            } => {
                let mut out = vec![format!(
                    "differs by a constant factor: the value is {factor} × the reference"
                )];
                if let Some(h) = hint {
                    out.push(format!("  ({h})"));
                }
                if let Some(w) = equal_when {
                    out.push(format!("equal only when {w}"));
                }
                if let Some(w) = one_number_when {
                    out.push(format!("one number only when {w}"));
                }
                out
            }
            other => vec![other.sentence()],
        }
    }

    fn sentence(&self) -> String {
        match self {
            Diagnosis::Equal => {
                "equal: the value is the reference within the bound, on every problem checked"
                    .into()
            }
            Diagnosis::EqualOnlyWhen {
                condition,
                otherwise,
            } => format!("equal only when {condition}; otherwise {otherwise}"),
            Diagnosis::Factor {
                factor,
                hint,
                equal_when,
                one_number_when,
            } => {
                let mut s =
                    format!("differs by a constant factor: the value is {factor} × the reference");
                if let Some(h) = hint {
                    s.push_str(&format!(" ({h})"));
                }
                if let Some(w) = equal_when {
                    s.push_str(&format!("; equal only when {w}"));
                }
                if let Some(w) = one_number_when {
                    s.push_str(&format!("; one number only when {w}"));
                }
                s
            }
            Diagnosis::Differs { detail } => format!("differs: {detail}"),
            Diagnosis::ZeroLogZero { phrase, detail, .. } => format!(
                "NaN where {phrase}: numpy computes 0 * -inf = nan where the definition takes \
                 0·ln 0 = 0 ({detail})"
            ),
            Diagnosis::Nan { detail } => format!("NaN: {detail}"),
            Diagnosis::Inaccurate { detail } => format!("inaccurate: {detail}"),
        }
    }
}

impl fmt::Display for Diagnosis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

/// The verdict over all runs.
///
/// Regular problems decide equality; the probes (`0 · ln 0`, tiny predictions) only add
/// NaN and accuracy verdicts to an expression that is otherwise equal.
pub(crate) fn aggregate(
    runs: &[RunView],
    v: Vocabulary,
    quantity: &str,
    not_one_number: &str,
) -> Diagnosis {
    let regular: Vec<&RunView> = runs.iter().filter(|r| !r.probe).collect();
    let regular = if regular.is_empty() {
        runs.iter().collect()
    } else {
        regular
    };
    // A NaN at `0 · ln 0` hides whether the rest is right; on the suite's regular problems
    // (no zero predictions) it cannot happen, on given inputs it is the verdict.
    let zero_log_zero = |r: &&RunView| r.outcome == Outcome::Nan && r.zero_log_zero.is_some();
    if regular
        .iter()
        .all(|r| r.outcome.is_equal() || zero_log_zero(r))
    {
        if let Some(r) = runs
            .iter()
            .find(|r| r.outcome == Outcome::Nan && r.zero_log_zero.is_some())
        {
            let others: Vec<&RunView> = runs.iter().filter(|o| !zero_log_zero(o)).collect();
            let equal_elsewhere = !others.is_empty() && others.iter().all(|o| o.outcome.is_equal());
            let inaccurate = others
                .iter()
                .find(|o| o.outcome == Outcome::Inaccurate)
                .filter(|_| equal_elsewhere)
                .map(|i| i.detail.clone());
            return Diagnosis::ZeroLogZero {
                phrase: r.zero_log_zero.clone().unwrap_or_default(),
                detail: r.detail.clone(),
                equal_elsewhere,
                inaccurate,
                interval: None,
            };
        }
        if let Some(r) = runs.iter().find(|r| r.outcome == Outcome::Nan) {
            return Diagnosis::Nan {
                detail: r.detail.clone(),
            };
        }
        // A probe that gives another number (a guard such as np.clip(A, 1e-7, 1 - 1e-7)
        // changes the loss only at the edges) is not equal, however small the change.
        if let Some(r) = runs.iter().find(|r| r.outcome == Outcome::Differs) {
            return Diagnosis::Differs {
                detail: format!(
                    "equal on every regular problem, but not at the edges: {}",
                    r.detail
                ),
            };
        }
        if let Some(r) = runs.iter().find(|r| r.outcome == Outcome::Inaccurate) {
            return Diagnosis::Inaccurate {
                detail: r.detail.clone(),
            };
        }
        return Diagnosis::Equal;
    }
    // A factor that explains every regular run that gives one number (the equal ones being
    // where it is 1); the others may only be arrays or refusals, for sizes a condition names.
    let one_number =
        |r: &&&RunView| !matches!(r.outcome, Outcome::NotOneNumber | Outcome::Rejected);
    let numbers: Vec<&&RunView> = regular.iter().filter(one_number).collect();
    let factor = Factor::candidates().into_iter().find(|f| {
        numbers.iter().any(|r| !r.outcome.is_equal())
            && numbers.iter().all(|r| match (r.outcome, r.measured) {
                (Outcome::Equal | Outcome::Inaccurate | Outcome::Differs, Some(m)) => {
                    let fv = f.value(r.features);
                    if r.outcome.is_equal() {
                        fv == 1.0
                    } else {
                        m.matches(fv)
                    }
                }
                _ => false,
            })
    });
    let number_marks: Vec<(Features, bool)> = regular
        .iter()
        .map(|r| (r.features, one_number(&r)))
        .collect();
    let only_when = separating(&number_marks, v);
    if let Some(f) = factor
        && (numbers.len() == regular.len() || only_when.is_some())
    {
        let shown = if regular.len() == 1 {
            f.with_value(v, regular[0].features)
        } else {
            f.describe(v)
        };
        return Diagnosis::Factor {
            factor: shown,
            hint: f.hint(v, quantity),
            equal_when: f.one_when(v),
            one_number_when: only_when,
        };
    }
    let marks: Vec<(Features, bool)> = regular
        .iter()
        .map(|r| (r.features, r.outcome.is_equal()))
        .collect();
    let first_other = regular.iter().find(|r| !r.outcome.is_equal());
    if let (Some(condition), Some(other)) = (separating(&marks, v), first_other) {
        let otherwise = match other.outcome {
            Outcome::NotOneNumber => not_one_number.to_owned(),
            _ => {
                // A factor on the other runs alone says more than "differs".
                let others: Vec<&&RunView> =
                    regular.iter().filter(|r| !r.outcome.is_equal()).collect();
                let f = Factor::candidates().into_iter().find(|f| {
                    others.iter().all(|r| {
                        r.measured.is_some_and(|m| {
                            r.outcome == Outcome::Differs && m.matches(f.value(r.features))
                        })
                    })
                });
                match (f, other.outcome) {
                    (Some(f), _) => format!("it differs by a factor {}", f.describe(v)),
                    (None, Outcome::Rejected) => format!("{} (on {})", other.bare, other.name),
                    (None, Outcome::Nan) => format!("it is NaN ({})", other.detail),
                    (None, _) => format!("it differs ({})", other.detail),
                }
            }
        };
        return Diagnosis::EqualOnlyWhen {
            condition,
            otherwise,
        };
    }
    let detail = match first_other {
        Some(r) if r.outcome == Outcome::NotOneNumber => not_one_number.to_owned(),
        Some(r) => r.detail.clone(),
        None => String::new(),
    };
    Diagnosis::Differs { detail }
}

/// A number for reports: 10 significant digits, trailing zeros dropped, so that the last
/// bits of a platform's `ln` never show.
pub(crate) fn format_value(x: f64) -> String {
    format_digits(x, 10)
}

/// A number in 3 significant digits (errors, ratios, factors).
pub(crate) fn format_short(x: f64) -> String {
    format_digits(x, 3)
}

fn format_digits(x: f64, digits: i32) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if x == 0.0 {
        return if x.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let exponent = x.abs().log10().floor() as i32;
    if (-5..15).contains(&exponent) {
        let decimals = (digits - 1 - exponent).max(0) as usize;
        let s = format!("{x:.decimals$}");
        let s = if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_owned()
        } else {
            s
        };
        if s == "-0" || s == "0" {
            return format!("{x:.*e}", (digits - 1) as usize);
        }
        s
    } else {
        let s = format!("{x:.*e}", (digits - 1) as usize);
        match s.split_once('e') {
            Some((m, e)) if m.contains('.') => {
                format!("{}e{e}", m.trim_end_matches('0').trim_end_matches('.'))
            }
            _ => s,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V: Vocabulary = Vocabulary {
        rows: "n_y",
        label: "label",
        hard: "labels are hard (0 or 1)",
    };

    #[test]
    fn factors_read_like_algebra() {
        let f = |sign, rows, samples, constant| {
            Factor {
                sign,
                rows,
                samples,
                constant,
            }
            .describe(V)
        };
        assert_eq!(f(-1, 0, 0, Constant::One), "−1");
        assert_eq!(f(1, 0, 1, Constant::One), "m");
        assert_eq!(f(1, -1, 0, Constant::One), "1/n_y");
        assert_eq!(f(-1, 0, 1, Constant::One), "−m");
        assert_eq!(f(1, -1, -1, Constant::One), "1/(n_y·m)");
        assert_eq!(f(1, 0, 0, Constant::InvLn2), "1/ln 2");
        assert_eq!(f(1, 2, 0, Constant::One), "n_y²");
        assert_eq!(Factor::candidates()[0].describe(V), "−1");
    }

    #[test]
    fn numbers_are_rounded_for_reports() {
        for (x, s) in [
            (0.098_643_282_202_337_95, "0.0986432822"),
            (-0.789_146_257_618_703_6, "-0.7891462576"),
            (6.907_755_278_982_137, "6.907755279"),
            (1.0, "1"),
            (8.0, "8"),
            (-0.0, "-0"),
            (1.32e-17, "1.32e-17"),
            (4.6e18, "4.6e18"),
            (f64::NEG_INFINITY, "-inf"),
        ] {
            assert_eq!(format_value(x), s, "{x}");
        }
        assert_eq!(format_short(0.333_333), "0.333");
    }

    #[test]
    fn separating_conditions() {
        let f = |rows, samples, hard| Features {
            rows,
            samples,
            hard,
        };
        let runs = [
            (f(1, 8, true), true),
            (f(3, 5, true), false),
            (f(4, 1, true), false),
            (f(1, 6, false), true),
        ];
        assert_eq!(separating(&runs, V).as_deref(), Some("n_y = 1"));
        let runs = [
            (f(1, 8, true), true),
            (f(3, 5, true), true),
            (f(1, 6, false), false),
        ];
        assert_eq!(
            separating(&runs, V).as_deref(),
            Some("labels are hard (0 or 1)")
        );
        assert_eq!(separating(&[(f(1, 8, true), true)], V), None);
    }

    #[test]
    fn outcome_by_distance() {
        let m = |value: f64, expression_bound| Measured {
            value,
            expression_bound,
            reference: 1.0,
            reference_bound: 4.0 * f64::EPSILON,
        };
        assert_eq!(m(1.0, 0.0).outcome(), Outcome::Equal);
        assert_eq!(m(1.0 + 4.0 * f64::EPSILON, 1e-16).outcome(), Outcome::Equal);
        assert_eq!(m(1.0 + 1e-10, 1e-9).outcome(), Outcome::Inaccurate);
        assert_eq!(m(1.0 + 1e-10, 1e-16).outcome(), Outcome::Differs);
        assert_eq!(m(f64::INFINITY, 0.0).outcome(), Outcome::Differs);
        assert!(m(-8.0, 0.0).matches(-8.0));
        assert!(!m(-8.0, 0.0).matches(8.0));
    }
}
