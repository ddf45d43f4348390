//! Computing the loss the way asked for, and checking the ways against each other.
//!
//! By default the command evaluates the production path only (`xent_registry::production`,
//! the fused kernel, validated in the same pass: see [`crate::stream`]). With `--compare`
//! (`--formulation all`) or `--formulation NAME`, the formulations of the registry run one
//! after another on the same borrowed problem, so the temporaries of one are freed before
//! the next allocates its own; the reported `value` is still the production path's.
//!
//! Agreement is not an epsilon: every formulation states its own a priori bound
//! ([`xent_core::Formulation::bound`]), and two of them must lie within the sum of their
//! bounds of each other; `agree` is whether every pair does, and the report prints each
//! formulation's bound beside its value.

use xent_core::ulp::ulp_distance;
use xent_core::{
    Convention, Conventional, ErrorBound, Evaluation, Formulation, Kind, LogBase, Problem,
};

/// Which formulations a run evaluates.
#[derive(Clone, Copy)]
pub enum Selection {
    /// The production path only (the default).
    Production,
    /// Every formulation of the registry (`--compare`, `--formulation all`).
    All,
    /// One formulation (`--formulation NAME`), beside the production path's value.
    One(&'static dyn Formulation),
}

impl std::fmt::Debug for Selection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Selection::Production => f.write_str("Production"),
            Selection::All => f.write_str("All"),
            Selection::One(one) => write!(f, "One({})", one.name()),
        }
    }
}

impl Selection {
    /// From `--formulation` (`fused` by default) and `--compare`.
    pub fn parse(formulation: &str, compare: bool) -> Option<Selection> {
        if compare || formulation == "all" {
            return Some(Selection::All);
        }
        let f = xent_registry::by_name(formulation)?;
        Some(if xent_registry::same(f, xent_registry::production()) {
            Selection::Production
        } else {
            Selection::One(f)
        })
    }

    /// Whether only the production path runs.
    pub fn is_production(self) -> bool {
        matches!(self, Selection::Production)
    }

    fn includes(self, f: &dyn Formulation) -> bool {
        match self {
            Selection::Production => xent_registry::same(f, xent_registry::production()),
            Selection::All => true,
            Selection::One(one) => xent_registry::same(f, one),
        }
    }
}

/// The values `--formulation` accepts: `all`, then every formulation's name.
pub fn formulation_choices() -> Vec<&'static str> {
    std::iter::once("all")
        .chain(xent_registry::names())
        .collect()
}

/// What a convention did to a problem: [`xent_core::Conventional`] without the problem.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    /// The convention.
    pub convention: Convention,
    /// What the summed log-likelihood is divided by.
    pub divisor: usize,
    /// What the summed log-likelihood is divided by under the reduction (the divisor
    /// without weights).
    pub denominator: f64,
    /// Whether weights or a reduction other than the plain mean were applied (or PyTorch's
    /// −100 ignored a sample).
    pub weighted: bool,
    /// The divisor in words.
    pub divisor_reason: String,
    /// One line per difference from the exact convention.
    pub changes: Vec<String>,
    /// What the library would warn about.
    pub warnings: Vec<String>,
}

impl Applied {
    /// The record of `c`.
    pub fn of(c: &Conventional<'_>) -> Self {
        Applied {
            convention: c.convention,
            divisor: c.divisor,
            denominator: c.denominator,
            weighted: c.problem().is_weighted() || c.reduction != xent_core::Reduction::Mean,
            divisor_reason: c.divisor_reason.clone(),
            changes: c.changes.clone(),
            warnings: c.warnings.clone(),
        }
    }
}

/// One row of `--convention all`: the convention's value (from the production path) in
/// the requested base and what it did, or why it does not apply.
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
    /// Its own a priori bound on the loss, in the requested base (absolute).
    pub bound: f64,
}

/// One input as read: its flag and how it was read.
#[derive(Debug, Clone, PartialEq)]
pub struct InputInfo {
    /// `--pred`, `--labels`, …
    pub flag: &'static str,
    /// Shape, dtype, format and reading, in words.
    pub reading: String,
    /// Its dtype (`float32`, …).
    pub dtype: &'static str,
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
    /// The loss, from the production path, in the requested base.
    pub value: f64,
    /// The formulation `value` comes from.
    pub value_from: &'static str,
    /// Each requested formulation's result, in registry order.
    pub formulations: Vec<Computed>,
    /// Largest ulp distance between any two requested formulations' values (in the
    /// requested base); 0 for one formulation.
    pub max_ulps: u64,
    /// The largest bound a pair was held to (the sum of the two formulations' own bounds),
    /// in the requested base; `None` when fewer than two were run.
    pub pair_bound: Option<f64>,
    /// Whether every pair is within the sum of its bounds.
    pub agree: bool,
    /// The inputs as read.
    pub inputs: Vec<InputInfo>,
    /// The convention applied, when it is not the exact one (`--convention NAME`).
    pub convention: Option<Applied>,
    /// Every convention's value, under `--convention all`; empty otherwise.
    pub conventions: Vec<ConventionRow>,
    /// The reduction and weights, when any weighting option was given.
    pub weighting: Option<Weighting>,
    /// Under `--sum exact`: the compensated result beside the exact `value`.
    pub exact_sum: Option<ExactSum>,
}

/// What `--sum exact` reports beside the exact value: the default (compensated) result and
/// how far it is from the exact one.
#[derive(Debug, Clone, PartialEq)]
pub struct ExactSum {
    /// The compensated result, in the requested base.
    pub compensated: f64,
    /// Its distance from the exact value, in ulps.
    pub ulps: u64,
    /// Its bound in ulps of the exact value: [`xent_fused::tolerance::FUSED_MAX_ULPS`]
    /// without weights (from the correctly rounded loss), else the weighted kernels' a priori
    /// bound over an ulp of the value, rounded up.
    pub bound_ulps: u64,
}

impl ExactSum {
    /// The exact loss `−S / divisor` (`divisor` 1 for the sum, `None` for the problem's own
    /// divisor: `m` or `W`) of `problem` in `base`, and the compensated `production` result
    /// beside it. An exactly zero divisor (caught before, by the mean's own check) is a usage
    /// error here.
    pub fn evaluate(
        problem: &Problem<'_>,
        production: &Evaluation,
        divisor: Option<u64>,
        base: LogBase,
    ) -> Result<(f64, ExactSum), crate::error::Error> {
        let mut partial = xent_fused::exact::Partial::new();
        partial.add(problem);
        ExactSum::of_partial(&partial, production, divisor, base, |value| {
            if !problem.is_weighted() {
                return xent_fused::tolerance::FUSED_MAX_ULPS;
            }
            let fused = xent_registry::production();
            let b = fused.bound(problem, production).absolute;
            let scale = divisor.map_or(production.weight, |d| d as f64);
            xent_core::ulp::ulps(base.from_nats(b / scale).abs(), value)
        })
    }

    /// [`ExactSum::evaluate`] from the exact partial aggregate of the problem's terms
    /// (summed in memory or block by block: the same bytes), the bound in ulps of the value
    /// given by `bound_ulps` of the exact value.
    pub fn of_partial(
        partial: &xent_fused::exact::Partial,
        production: &Evaluation,
        divisor: Option<u64>,
        base: LogBase,
        bound_ulps: impl FnOnce(f64) -> u64,
    ) -> Result<(f64, ExactSum), crate::error::Error> {
        let nats = match divisor {
            None => partial.loss(),
            Some(d) => partial.loss_over(d),
        }
        .map_err(|_| crate::error::Error::Usage("the mean's divisor is exactly zero"))?;
        let value = base.from_nats(nats);
        let compensated = base.from_nats(match divisor {
            None => production.nats(),
            Some(d) => production.loss_over(d as f64),
        });
        let bound_ulps = bound_ulps(value);
        let ulps = ulp_distance(compensated, value);
        Ok((
            value,
            ExactSum {
                compensated,
                ulps,
                bound_ulps,
            },
        ))
    }
}

/// What `--reduction` and the weight options did.
#[derive(Debug, Clone, PartialEq)]
pub struct Weighting {
    /// The reduction.
    pub reduction: xent_core::Reduction,
    /// The divisor of the reduction: the exact convention's `W = Σ_j v_j·c̄_j` (1 for a
    /// sum), or a peer convention's [`xent_core::Conventional::denominator`].
    pub weight: f64,
    /// The weight options given (`--sample-weights w.npy`, …).
    pub given: Vec<String>,
    /// Where the per-sample losses were written, if they were.
    pub per_sample: Option<String>,
    /// The shape of the array written there, in the user's layout (numpy's: `[m]`, or
    /// PyTorch's elementwise `[n_y, m]` / `[m, n_y]`).
    pub per_sample_shape: Option<Vec<usize>>,
    /// Under a peer convention, its divisor in words (its library's reduction).
    pub divided_by: Option<String>,
}

impl Outcome {
    /// The process exit status: 1 when the formulations disagree beyond their bounds, else
    /// 0 (a `+∞` loss included).
    pub fn status(&self) -> u8 {
        if self.agree { 0 } else { 1 }
    }

    /// The outcome of the production path alone: its evaluation of a problem of `shape`.
    pub fn production(
        kind: Kind,
        from_logits: bool,
        evaluation: Evaluation,
        divisor: f64,
        base: LogBase,
    ) -> Outcome {
        let f = xent_registry::production();
        let value = base.from_nats(evaluation.loss_over(divisor));
        Outcome {
            kind,
            base,
            samples: evaluation.samples,
            outputs: 0,
            from_logits,
            value,
            value_from: f.name(),
            formulations: vec![Computed {
                name: f.name(),
                evaluation,
                value,
                bound: f64::NAN,
            }],
            max_ulps: 0,
            pair_bound: None,
            agree: true,
            inputs: Vec::new(),
            convention: None,
            conventions: Vec::new(),
            weighting: None,
            exact_sum: None,
        }
    }
}

/// Evaluates `problem` with the formulations of `selection`, one after another, checks
/// them against each other, and reports the production path's value (`production`, when
/// already computed, is not computed again). The summed log-likelihood is divided by
/// `divisor` (the number of samples, or a convention's `n_y · m` elements).
pub fn compare(
    problem: &Problem<'_>,
    selection: Selection,
    divisor: f64,
    base: LogBase,
    production: Option<Evaluation>,
) -> Outcome {
    let kind = problem.kind();
    // The bounds are on −S/W (W = m without weights): rescaled to −S/divisor.
    let scale = problem.weight_total() / divisor;
    let loss = |e: &Evaluation| base.from_nats(e.loss_over(divisor));
    let in_unit = |b: &ErrorBound| base.from_nats(b.absolute * scale).abs();
    let _span = tracing::info_span!("xent", kind = kind.as_str()).entered();
    let best = xent_registry::production();
    let mut computed = Vec::new();
    let mut bounds = Vec::new();
    for &f in xent_registry::all() {
        if !selection.includes(f) {
            continue;
        }
        let evaluation = match production {
            Some(e) if xent_registry::same(f, best) => e,
            _ => problem.evaluate(f),
        };
        let bound = f.bound(problem, &evaluation);
        tracing::info!(
            formulation = f.name(),
            nats = evaluation.nats(),
            "evaluated"
        );
        computed.push(Computed {
            name: f.name(),
            value: loss(&evaluation),
            bound: in_unit(&bound),
            evaluation,
        });
        bounds.push(bound);
    }
    let value = match computed.iter().find(|c| c.name == best.name()) {
        Some(c) => c.value,
        None => loss(&production.unwrap_or_else(|| problem.evaluate(best))),
    };
    let mut max_ulps = 0;
    let mut agree = true;
    let mut pair_bound: Option<f64> = None;
    for i in 0..computed.len() {
        for j in i + 1..computed.len() {
            let (a, b) = (&computed[i], &computed[j]);
            let both = bounds[i] + bounds[j];
            max_ulps = max_ulps.max(ulp_distance(a.value, b.value));
            agree &= both.admits_difference(a.evaluation.nats(), b.evaluation.nats());
            let b = in_unit(&both);
            pair_bound = Some(pair_bound.map_or(b, |p| p.max(b)));
        }
    }
    Outcome {
        kind,
        base,
        samples: problem.samples(),
        outputs: problem.outputs(),
        from_logits: problem.from_logits(),
        value,
        value_from: best.name(),
        formulations: computed,
        max_ulps,
        pair_bound,
        agree,
        inputs: Vec::new(),
        convention: None,
        conventions: Vec::new(),
        weighting: None,
        exact_sum: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use xent_core::published;

    #[test]
    fn the_choices_are_all_then_the_registry() {
        let mut want = vec!["all"];
        want.extend(xent_registry::names());
        assert_eq!(formulation_choices(), want);
    }

    #[test]
    fn the_documents_example_agrees_every_way() -> xent_core::Result<()> {
        let problem = Problem::Binary(published::binary_example()?);
        let out = compare(&problem, Selection::All, 8.0, LogBase::E, None);
        assert_eq!(out.formulations.len(), xent_registry::all().len());
        assert!(out.agree);
        assert_eq!(out.status(), 0);
        assert_eq!(
            xent_core::tolerance::matches_printed(out.value, published::BINARY_COST),
            Some(true)
        );
        // The value is the production path's.
        let e = problem.evaluate(xent_registry::production());
        assert_eq!((out.value_from, out.value), ("fused", e.nats()));
        Ok(())
    }

    #[test]
    fn values_outside_the_sum_of_their_bounds_disagree() -> xent_core::Result<()> {
        // Two formulations that agree, then one nudged by more than both bounds: the
        // verdict is computed from the values, so moving one must flip it.
        let problem = Problem::Binary(published::binary_example()?);
        let out = compare(&problem, Selection::All, 8.0, LogBase::E, None);
        let (a, b) = (&out.formulations[0], &out.formulations[1]);
        let both = a.bound + b.bound;
        assert!((a.value - b.value).abs() <= both);
        let nudged = Evaluation {
            log_likelihood: a.evaluation.log_likelihood * (1.0 + 1e-9),
            ..a.evaluation
        };
        let fused = problem.evaluate(xent_registry::production());
        let moved = compare(&problem, Selection::All, 8.0, LogBase::E, Some(nudged));
        assert!(!moved.agree, "{moved:?}");
        assert_eq!(moved.status(), 1);
        assert_ne!(fused.log_likelihood, nudged.log_likelihood);
        Ok(())
    }

    #[test]
    fn one_formulation_agrees_with_itself_and_still_reports_the_production_value()
    -> xent_core::Result<()> {
        let problem = Problem::Binary(published::binary_example()?);
        let dot = xent_registry::by_name("dot").map(Selection::One);
        let out = compare(
            &problem,
            dot.unwrap_or(Selection::All),
            8.0,
            LogBase::TWO,
            None,
        );
        assert_eq!(out.formulations.len(), 1);
        assert_eq!((out.max_ulps, out.pair_bound, out.agree), (0, None, true));
        let best = problem.evaluate(xent_registry::production());
        assert_eq!(out.value, best.in_base(LogBase::TWO));
        Ok(())
    }
}
