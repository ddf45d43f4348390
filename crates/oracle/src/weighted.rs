//! The weighted forms of the definition (`xent_core::weights`), each correctly rounded: the
//! per-sample losses `v_j·l_j` of the reduction `none`, their sum (`sum`) and the weighted
//! mean `Σ_j v_j·l_j / W` (`mean`), with
//!
//! ```text
//! binary       l_j = −Σ_i [p_i·y_ij·ln a_ij + (1 − y_ij)·ln(1 − a_ij)]
//! categorical  l_j = −Σ_r c_r·P_rj·ln Q_rj,        W = Σ_j v_j·Σ_r c_r·P_rj
//! ```
//!
//! (`W = Σ_j v_j` without class weights, whatever the targets sum to.)
//!
//! Everything is exact but the logarithms: the products of weights and labels, `1 − y`, the
//! divisor `W` are taken at the working precision from the exact inputs (a formulation
//! rounds `v_j·p_i·y` and `W` to `f64` first; the oracle does not). A log floor (PyTorch's
//! clamp at −100) clamps each exact logarithm. Every term has one sign, so the error budget
//! is the unweighted oracle's, item by item, and a value whose error interval straddles a
//! rounding boundary is evaluated again at twice the precision.
//!
//! Unlike the unweighted oracle, nothing is grouped by value beyond a cache of the
//! logarithms of distinct inputs: it is meant for the weighted problems of tests (up to a
//! few thousand samples), one arbitrary-precision `exp` per logit.

use std::collections::HashMap;

use astro_float::BigFloat;
use xent_core::{BinaryProblem, CategoricalProblem, Predictions, Problem};

use crate::big::Ctx;
use crate::definition::round_interval;
use crate::tolerance::{MAX_PRECISION, OPS_PER_ITEM, PRECISION, TERM_ERROR_LOG2};
use crate::{Error, Result};

/// The correctly rounded weighted reductions of a problem, in nats.
#[derive(Debug, Clone, PartialEq)]
pub struct Weighted {
    /// `v_j·l_j` for each sample `j` (the reduction `none`); `+∞` for a positive weight on a
    /// zero probability, 0 for a sample of weight 0 whatever its loss.
    pub per_sample: Vec<f64>,
    /// `Σ_j v_j·l_j` (the reduction `sum`).
    pub sum: f64,
    /// `Σ_j v_j·l_j / W` (the reduction `mean`); `None` when `W = 0`.
    pub mean: Option<f64>,
    /// The divisor `W`, correctly rounded.
    pub weight: f64,
}

/// The weighted reductions of `problem` (weighted or not: without weights `W = m`, the
/// mean is [`crate::try_binary`]'s or [`crate::try_categorical`]'s loss).
///
/// ```
/// use xent_core::{BinaryProblem, Problem, View, Weights};
///
/// let (a, y, w) = ([0.5, 0.25], [1.0, 0.0], [3.0, 1.0]);
/// let weights = Weights::samples(&w);
/// let problem = BinaryProblem::new(View::vector(&a), View::vector(&y))?.with_weights(&weights)?;
/// let exact = xent_oracle::weighted(&Problem::Binary(problem))?;
/// // l = (ln 2, −ln 0.75): 3·ln 2 and −ln 0.75, over W = 4.
/// assert_eq!(exact.per_sample[0], 3.0 * std::f64::consts::LN_2);
/// assert_eq!(exact.weight, 4.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn weighted(problem: &Problem<'_>) -> Result<Weighted> {
    reduce(problem, None)
}

/// [`weighted`] with the mean taken over `divisor` (exact, as given) in place of `W`: a peer
/// library's divisor of its weighted sum (the batch size `m`, the `n_y·m` elements, the
/// sum of the class weights it accumulated), so that `mean` is `Σ_j v_j·l_j / divisor`
/// correctly rounded and `weight` is `divisor`; `None` when `divisor` is 0.
///
/// ```
/// use xent_core::{BinaryProblem, Problem, View, Weights};
///
/// let (a, y, w) = ([0.5, 0.5], [1.0, 0.0], [3.0, 1.0]);
/// let weights = Weights::samples(&w);
/// let problem = BinaryProblem::new(View::vector(&a), View::vector(&y))?.with_weights(&weights)?;
/// // Keras's sum_over_batch_size: (3·ln 2 + ln 2) / m = 2·ln 2, not / Σ w = ln 2.
/// let keras = xent_oracle::weighted_over(&Problem::Binary(problem), 2.0)?;
/// assert_eq!(keras.mean, Some(2.0 * std::f64::consts::LN_2));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn weighted_over(problem: &Problem<'_>, divisor: f64) -> Result<Weighted> {
    reduce(problem, Some(divisor))
}

fn reduce(problem: &Problem<'_>, divisor: Option<f64>) -> Result<Weighted> {
    let mut p = PRECISION;
    loop {
        let mut ctx = Ctx::new(p)?;
        let samples = match problem {
            Problem::Binary(b) => binary_samples(&mut ctx, b),
            Problem::Categorical(c) => categorical_samples(&mut ctx, c),
        };
        if let Some(result) = round(&ctx, problem, &samples, divisor, p >= MAX_PRECISION)? {
            return Ok(result);
        }
        tracing::debug!(
            precision = p,
            "weighted oracle straddles a rounding boundary"
        );
        p *= 2;
    }
}

/// One sample's exact parts at the working precision.
struct Sample {
    /// `v_j`.
    v: f64,
    /// `l_j ≥ 0`, or `None` when it is `+∞` (a positive weight on a zero probability).
    loss: Option<BigFloat>,
    /// `c̄_j = Σ_r c_r·P_rj` (1 for binary).
    class_weight: BigFloat,
    /// Correctly rounded operations behind `loss` (for the error budget).
    items: u64,
}

/// The terms of sample `j`'s loss, `(exact weight, |ln|)`, summed: `None` if infinite.
struct LossSum {
    sum: BigFloat,
    items: u64,
    infinite: bool,
}

impl LossSum {
    fn new(ctx: &Ctx) -> Self {
        LossSum {
            sum: ctx.zero(),
            items: 0,
            infinite: false,
        }
    }

    /// Adds `weight · magnitude`; a positive weight on an infinite magnitude (`None`) makes
    /// the loss infinite, a zero weight adds nothing (`0·ln 0 = 0`).
    fn add(&mut self, ctx: &Ctx, weight: &BigFloat, magnitude: Option<&BigFloat>) {
        if weight.is_zero() {
            return;
        }
        match magnitude {
            None => self.infinite = true,
            Some(m) => {
                let t = ctx.mul(weight, m);
                self.sum = ctx.add(&self.sum, &t);
                self.items += 1;
            }
        }
    }

    fn finish(self) -> (Option<BigFloat>, u64) {
        ((!self.infinite).then_some(self.sum), self.items)
    }
}

/// A cache of `f(x)` by the bits of `x`, at one precision.
type Cache = HashMap<u64, Option<BigFloat>>;

fn cached(
    cache: &mut Cache,
    ctx: &mut Ctx,
    x: f64,
    f: impl FnOnce(&mut Ctx, f64) -> Option<BigFloat>,
) -> Option<BigFloat> {
    cache
        .entry(x.to_bits())
        .or_insert_with(|| f(ctx, x))
        .clone()
}

/// `|ln x|` clamped at `−floor` (`None`: `+∞`, at `x = 0` without a floor).
fn clamp(ctx: &Ctx, magnitude: Option<BigFloat>, floor: Option<f64>) -> Option<BigFloat> {
    let Some(floor) = floor else {
        return magnitude;
    };
    let cap = ctx.f(-floor);
    match magnitude {
        Some(m) if m.cmp(&cap).is_some_and(|o| o <= 0) => Some(m),
        _ => Some(cap),
    }
}

fn binary_samples(ctx: &mut Ctx, problem: &BinaryProblem<'_>) -> Vec<Sample> {
    let (labels, weights) = (problem.labels(), problem.weights());
    let (mut pos, mut neg) = (Cache::new(), Cache::new());
    let floor = problem.log_floor();
    let one = ctx.one();
    (0..problem.samples())
        .map(|j| {
            let v = problem.sample_weight(j);
            let mut terms = Vec::with_capacity(problem.outputs());
            if v != 0.0 {
                for i in 0..problem.outputs() {
                    let y = labels.get_f64(i, j);
                    // −ln a and −ln(1 − a), or softplus(−z) and softplus(z).
                    let (lp, ln) = match problem.predictions() {
                        Predictions::Probabilities(a) => {
                            let a = a.get_f64(i, j);
                            let lp = cached(&mut pos, ctx, a, |c, a| {
                                (a != 0.0).then(|| c.ln(&c.f(a)).neg())
                            });
                            let ln = cached(&mut neg, ctx, a, |c, a| {
                                (a != 1.0).then(|| c.ln_1p(&c.f(-a)).neg())
                            });
                            (lp, ln)
                        }
                        Predictions::Logits(z) => {
                            let z = z.get_f64(i, j);
                            (
                                cached(&mut pos, ctx, z, |c, z| softplus(c, -z)),
                                cached(&mut neg, ctx, z, softplus),
                            )
                        }
                    };
                    let py = ctx.mul(&ctx.f(weights.positive_weight(i)), &ctx.f(y));
                    let not_y = ctx.sub(&one, &ctx.f(y));
                    terms.push((py, clamp(ctx, lp, floor), not_y, clamp(ctx, ln, floor)));
                }
            }
            let mut loss = LossSum::new(ctx);
            for (py, lp, not_y, ln) in &terms {
                loss.add(ctx, py, lp.as_ref());
                loss.add(ctx, not_y, ln.as_ref());
            }
            let (loss, items) = loss.finish();
            Sample {
                v,
                loss,
                class_weight: ctx.one(),
                items: 3 * items,
            }
        })
        .collect()
}

/// `softplus(x) = max(x, 0) + ln_1p(e^{−|x|})` (`None` at `x = +∞`; 0 at `−∞`).
fn softplus(ctx: &mut Ctx, x: f64) -> Option<BigFloat> {
    if x == f64::INFINITY {
        return None;
    }
    if x == f64::NEG_INFINITY {
        return Some(ctx.zero());
    }
    let e = ctx.exp(&ctx.f(-x.abs()));
    let tail = ctx.ln_1p(&e);
    Some(ctx.add(&ctx.f(x.max(0.0)), &tail))
}

fn categorical_samples(ctx: &mut Ctx, problem: &CategoricalProblem<'_>) -> Vec<Sample> {
    let (k, weights) = (problem.classes_count(), problem.weights());
    let mut logs = Cache::new();
    (0..problem.samples())
        .map(|j| {
            let v = problem.sample_weight(j);
            let mut class_weight = ctx.zero();
            let mut terms = Vec::with_capacity(k);
            for r in 0..k {
                let w = ctx.mul(
                    &ctx.f(weights.class_weight(r)),
                    &ctx.f(problem.target(r, j)),
                );
                class_weight = ctx.add(&class_weight, &w);
                terms.push(w);
            }
            let magnitudes: Vec<Option<BigFloat>> = if v == 0.0 {
                vec![Some(ctx.zero()); k]
            } else {
                match problem.predictions() {
                    Predictions::Probabilities(q) => (0..k)
                        .map(|r| {
                            cached(&mut logs, ctx, q.get_f64(r, j), |c, q| {
                                (q != 0.0).then(|| c.ln(&c.f(q)).neg())
                            })
                        })
                        .collect(),
                    Predictions::Logits(z) => {
                        let column: Vec<f64> = (0..k).map(|r| z.get_f64(r, j)).collect();
                        minus_log_softmax(ctx, &column)
                    }
                }
            };
            let mut loss = LossSum::new(ctx);
            for (w, m) in terms.iter().zip(&magnitudes) {
                loss.add(ctx, w, m.as_ref());
            }
            let (loss, items) = loss.finish();
            // c̄_j = 1 without class weights, whatever the targets sum to (`W = m`).
            if weights.class.is_none() {
                class_weight = ctx.one();
            }
            Sample {
                v,
                loss,
                class_weight,
                items: 2 * items + k as u64 + 4,
            }
        })
        .collect()
}

/// `−ln softmax(z)_r = (max − z_r) + ln_1p(Σ_{i≠argmax} e^{z_i − max})` for each class
/// (`None`: a class at `−∞`, probability 0).
fn minus_log_softmax(ctx: &mut Ctx, z: &[f64]) -> Vec<Option<BigFloat>> {
    let (mut arg, mut max) = (0, f64::NEG_INFINITY);
    for (i, &v) in z.iter().enumerate() {
        if v > max {
            (arg, max) = (i, v);
        }
    }
    let mut t = ctx.zero();
    for (i, &v) in z.iter().enumerate() {
        if i != arg && v != f64::NEG_INFINITY {
            let d = ctx.sub(&ctx.f(v), &ctx.f(max));
            let e = ctx.exp(&d);
            t = ctx.add(&t, &e);
        }
    }
    let tail = ctx.ln_1p(&t);
    z.iter()
        .map(|&v| {
            (v != f64::NEG_INFINITY).then(|| {
                let gap = ctx.sub(&ctx.f(max), &ctx.f(v));
                ctx.add(&gap, &tail)
            })
        })
        .collect()
}

/// Rounds every value if every error interval rounds to one `f64` (always when `last`); the
/// mean over `divisor` if one is given, else over `W`.
fn round(
    ctx: &Ctx,
    problem: &Problem<'_>,
    samples: &[Sample],
    divisor: Option<f64>,
    last: bool,
) -> Result<Option<Weighted>> {
    let budget = |items: u64| (1u64 << TERM_ERROR_LOG2) + OPS_PER_ITEM * items;
    let rounded = |x: &BigFloat, items: u64| -> Result<Option<f64>> {
        if x.is_nan() {
            return Err(Error::Arithmetic(format!("weighted oracle: {:?}", x.err())));
        }
        if x.is_zero() {
            return Ok(Some(0.0));
        }
        Ok(round_interval(ctx, x, budget(items), last))
    };
    let (mut sum, mut weight) = (ctx.zero(), ctx.zero());
    let (mut items, mut infinite) = (0u64, false);
    let mut per_sample = Vec::with_capacity(samples.len());
    for s in samples {
        let v = ctx.f(s.v);
        weight = ctx.add(&weight, &ctx.mul(&v, &s.class_weight));
        if s.v == 0.0 {
            per_sample.push(0.0);
            continue;
        }
        let Some(loss) = &s.loss else {
            infinite = true;
            per_sample.push(f64::INFINITY);
            continue;
        };
        let term = ctx.mul(&v, loss);
        sum = ctx.add(&sum, &term);
        items += s.items + 2;
        match rounded(&term, s.items + 1)? {
            Some(x) => per_sample.push(x),
            None => return Ok(None),
        }
    }
    // W: `k + 1` operations a sample (its class weight, its product, its addition); a
    // divisor given is exact.
    let mut weight_items = (samples.len() * (problem_rows(problem) + 1)) as u64;
    if let Some(d) = divisor {
        (weight, weight_items) = (ctx.f(d), 0);
    }
    let Some(w) = rounded(&weight, weight_items)? else {
        return Ok(None);
    };
    let total = if infinite {
        f64::INFINITY
    } else {
        match rounded(&sum, items)? {
            Some(x) => x,
            None => return Ok(None),
        }
    };
    let mean = if weight.is_zero() {
        None
    } else if infinite {
        Some(f64::INFINITY)
    } else {
        match rounded(&ctx.div(&sum, &weight), items + weight_items + 1)? {
            Some(x) => Some(x),
            None => return Ok(None),
        }
    };
    Ok(Some(Weighted {
        per_sample,
        sum: total,
        mean,
        weight: w,
    }))
}

/// The rows of the problem's predictions (`n_y` or `k`).
fn problem_rows(problem: &Problem<'_>) -> usize {
    problem.predictions().array().rows()
}
