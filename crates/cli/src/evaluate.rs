//! Computing the loss every way asked for, and checking the ways against each other.
//!
//! The formulations live in one list, [`formulations`]; `--formulation` picks from it by
//! name and the reported `value` comes from [`most_accurate`]. Formulations run one after
//! another, so the temporaries of one are freed before the next allocates its own.
//!
//! Agreement is not an epsilon: every computed loss lies within the a priori bound
//! [`ErrorBound`] of the exact one, so two of them must lie within twice that bound of each
//! other ([`ErrorBound::admits_pair`]); `agree` is whether every pair does.

use xent_core::ulp::ulp_distance;
use xent_core::{
    BinaryProblem, CategoricalProblem, Convention, Conventional, ErrorBound, Evaluation,
    Formulation, Kind, LogBase,
};

/// Every formulation the command can run, in the order they are reported.
///
/// This is the one list: `--formulation`'s choices, `all`, and the JSON `formulations`
/// object all come from it.
/// It is the verifier's registry, so the workspace keeps one list.
pub fn formulations() -> Vec<Box<dyn Formulation>> {
    xent_verify::formulations()
}

/// The values `--formulation` accepts: `all`, then every formulation's name.
pub fn formulation_choices() -> Vec<&'static str> {
    std::iter::once("all")
        .chain(formulations().iter().map(|f| f.name()))
        .collect()
}

/// The formulation whose result is reported as `value`: the fused path, within 4 ulps of
/// the oracle whatever the size (the others' bounds grow with the number of terms).
fn most_accurate_formulation() -> Box<dyn Formulation> {
    Box::new(xent_fused::Fused)
}

/// The project's most accurate evaluation of `problem`: the reported `value`.
pub fn most_accurate(problem: &Problem) -> (&'static str, Evaluation) {
    let f = most_accurate_formulation();
    (f.name(), problem.evaluate(f.as_ref()))
}

/// A validated problem of either kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    /// Binary cross-entropy.
    Binary(BinaryProblem),
    /// Categorical cross-entropy.
    Categorical(CategoricalProblem),
}

impl Problem {
    /// Which kind it is.
    pub fn kind(&self) -> Kind {
        match self {
            Problem::Binary(_) => Kind::Binary,
            Problem::Categorical(_) => Kind::Categorical,
        }
    }

    /// Number of samples `m`.
    pub fn samples(&self) -> usize {
        match self {
            Problem::Binary(p) => p.samples(),
            Problem::Categorical(p) => p.samples(),
        }
    }

    /// Number of outputs `n_y` (binary) or classes `k` (categorical).
    pub fn outputs(&self) -> usize {
        match self {
            Problem::Binary(p) => p.outputs(),
            Problem::Categorical(p) => p.classes_count(),
        }
    }

    /// Whether the predictions are logits.
    pub fn from_logits(&self) -> bool {
        match self {
            Problem::Binary(p) => p.predictions().is_logits(),
            Problem::Categorical(p) => p.predictions().is_logits(),
        }
    }

    /// Evaluates it with `f`.
    pub fn evaluate(&self, f: &dyn Formulation) -> Evaluation {
        match self {
            Problem::Binary(p) => f.binary(p),
            Problem::Categorical(p) => f.categorical(p),
        }
    }

    /// The a priori error bound of any one formulation's loss.
    pub fn bound(&self) -> ErrorBound {
        match self {
            Problem::Binary(p) => ErrorBound::binary(p),
            Problem::Categorical(p) => ErrorBound::categorical(p),
        }
    }
}

impl From<BinaryProblem> for Problem {
    fn from(p: BinaryProblem) -> Self {
        Problem::Binary(p)
    }
}

impl From<CategoricalProblem> for Problem {
    fn from(p: CategoricalProblem) -> Self {
        Problem::Categorical(p)
    }
}

/// What a convention did to a problem: [`xent_core::Conventional`] without the problem.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    /// The convention.
    pub convention: Convention,
    /// What the summed log-likelihood is divided by.
    pub divisor: usize,
    /// The divisor in words.
    pub divisor_reason: String,
    /// One line per difference from the exact convention.
    pub changes: Vec<String>,
    /// What the library would warn about.
    pub warnings: Vec<String>,
}

impl Applied {
    /// The record of `c`.
    pub fn of<P>(c: &Conventional<P>) -> Self {
        Applied {
            convention: c.convention,
            divisor: c.divisor,
            divisor_reason: c.divisor_reason.clone(),
            changes: c.changes.clone(),
            warnings: c.warnings.clone(),
        }
    }
}

/// One row of `--convention all`: the convention's value (from [`most_accurate`]) in the
/// requested base and what it did, or why it does not apply.
#[derive(Debug, Clone, PartialEq)]
pub struct ConventionRow {
    /// The convention.
    pub convention: Convention,
    /// `(value, what it did)`, or the reason it does not apply to this input.
    pub result: std::result::Result<(f64, Applied), String>,
}

/// One formulation's result.
#[derive(Debug, Clone, PartialEq)]
pub struct Computed {
    /// The formulation's name.
    pub name: &'static str,
    /// Its evaluation (log-likelihood, samples, reduced shape).
    pub evaluation: Evaluation,
    /// The loss in the requested base.
    pub value: f64,
}

/// Everything the command reports.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Binary or categorical.
    pub kind: Kind,
    /// The base the values are in.
    pub base: LogBase,
    /// Number of samples `m`.
    pub samples: usize,
    /// Number of outputs `n_y` or classes `k`.
    pub outputs: usize,
    /// Whether the predictions were logits.
    pub from_logits: bool,
    /// The loss, from [`most_accurate`], in the requested base.
    pub value: f64,
    /// The formulation `value` comes from.
    pub value_from: &'static str,
    /// Each requested formulation's result, in [`formulations`] order.
    pub formulations: Vec<Computed>,
    /// Largest ulp distance between any two requested formulations' values (in the
    /// requested base); 0 for one formulation.
    pub max_ulps: u64,
    /// The bound two formulations are held to (twice one formulation's a priori bound), in
    /// the requested base; `None` when fewer than two were run.
    pub pair_bound: Option<f64>,
    /// Whether every pair is within `pair_bound` (in nats, where the bound is derived).
    pub agree: bool,
    /// The convention applied, when it is not the exact one (`--convention NAME`).
    pub convention: Option<Applied>,
    /// Every convention's value, under `--convention all`; empty otherwise.
    pub conventions: Vec<ConventionRow>,
}

impl Outcome {
    /// The process exit status: 1 when the formulations disagree beyond their bounds, else
    /// 0 (a `+∞` loss included).
    pub fn status(&self) -> u8 {
        if self.agree { 0 } else { 1 }
    }
}

/// Evaluates `problem` with the formulations named in `selection` (`all` for every one),
/// one after another, and checks them against each other.
pub fn evaluate(problem: &Problem, selection: &str, base: LogBase) -> Outcome {
    evaluate_divided(problem, problem.samples(), selection, base)
}

/// [`evaluate`], the summed log-likelihood divided by `divisor` rather than by the number of
/// samples (a convention's mean over `n_y · m` elements). Agreement is checked on the loss
/// per sample, where the bound is derived; `pair_bound` is rescaled to the divisor.
pub fn evaluate_divided(
    problem: &Problem,
    divisor: usize,
    selection: &str,
    base: LogBase,
) -> Outcome {
    let kind = problem.kind();
    let loss = |e: &Evaluation| base.from_nats(-e.log_likelihood / divisor as f64);
    let _span = tracing::info_span!("xent", kind = kind.as_str(), selection).entered();
    let mut computed = Vec::new();
    for f in formulations() {
        if selection == "all" || selection == f.name() {
            let evaluation = problem.evaluate(f.as_ref());
            tracing::info!(
                formulation = f.name(),
                nats = evaluation.nats(),
                "evaluated"
            );
            computed.push(Computed {
                name: f.name(),
                value: loss(&evaluation),
                evaluation,
            });
        }
    }
    let best = most_accurate_formulation().name();
    let (value_from, value) = match computed.iter().find(|c| c.name == best) {
        Some(c) => (c.name, c.value),
        None => {
            let (name, e) = most_accurate(problem);
            (name, loss(&e))
        }
    };

    let mut max_ulps = 0;
    let mut agree = true;
    let mut pair_bound = None;
    if computed.len() > 1 {
        let bound = problem.bound();
        let scale = problem.samples() as f64 / divisor as f64;
        pair_bound = Some(base.from_nats((bound + bound).absolute * scale).abs());
        for (i, a) in computed.iter().enumerate() {
            for b in &computed[i + 1..] {
                max_ulps = max_ulps.max(ulp_distance(a.value, b.value));
                agree &= bound.admits_pair(a.evaluation.nats(), b.evaluation.nats());
            }
        }
    }
    Outcome {
        kind,
        base,
        samples: problem.samples(),
        outputs: problem.outputs(),
        from_logits: problem.from_logits(),
        value,
        value_from,
        formulations: computed,
        max_ulps,
        pair_bound,
        agree,
        convention: None,
        conventions: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use xent_core::published;

    #[test]
    fn the_choices_are_all_then_the_registry() {
        assert_eq!(
            formulation_choices(),
            ["all", "sum", "dot", "matmul", "fused"]
        );
    }

    #[test]
    fn the_documents_example_agrees_every_way() -> xent_core::Result<()> {
        let problem = Problem::Binary(published::binary_example()?);
        let out = evaluate(&problem, "all", LogBase::E);
        assert_eq!(out.formulations.len(), formulations().len());
        assert!(out.agree);
        assert_eq!(out.status(), 0);
        assert_eq!(
            xent_core::tolerance::matches_printed(out.value, published::BINARY_COST),
            Some(true)
        );
        // The value is the most accurate formulation's, reused rather than recomputed.
        let (name, e) = most_accurate(&problem);
        assert_eq!((out.value_from, out.value), (name, e.nats()));
        Ok(())
    }

    #[test]
    fn disagreement_is_exit_status_one() -> xent_core::Result<()> {
        let problem = Problem::Binary(published::binary_example()?);
        let mut out = evaluate(&problem, "all", LogBase::E);
        assert_eq!(out.status(), 0);
        out.agree = false;
        assert_eq!(out.status(), 1);
        Ok(())
    }

    #[test]
    fn one_formulation_agrees_with_itself_and_still_reports_the_best_value() -> xent_core::Result<()>
    {
        let problem = Problem::Binary(published::binary_example()?);
        let out = evaluate(&problem, "dot", LogBase::TWO);
        assert_eq!(out.formulations.len(), 1);
        assert_eq!((out.max_ulps, out.pair_bound, out.agree), (0, None, true));
        assert_eq!(out.value, most_accurate(&problem).1.in_base(LogBase::TWO));
        Ok(())
    }
}
