//! The oracle: the definition of cross-entropy evaluated in arbitrary precision and rounded
//! once to `f64`. Every other number in the verifier is measured against it, in ulps.
//!
//! - Inputs enter exactly (every `f64` is a `BigFloat`), `1 − y` is exact, `ln(1 − a)` is
//!   `ln_1p(−a)` evaluated so that tiny `a` keep their digits, logits go through an exact
//!   soft-plus (`max(z, 0) + ln_1p(e^{−|z|})`) and log-sum-exp
//!   (`z_i − lse = −((max − z_i) + ln_1p(Σ_{j≠argmax} e^{z_j − max}))`), so no term cancels.
//! - `0 · ln 0 = 0`; a positive weight on a zero probability gives `J = +∞`, `S = −∞`. A
//!   logit `−∞` is a probability 0 (binary `a = σ(−∞) = 0`; categorical `q = 0`, adding
//!   `e^{−∞} = 0` to its column's normaliser).
//! - Logits near `±f64::MAX` are exact `BigFloat`s like any other: a log-likelihood beyond
//!   `f64` (`z = [1e308, 1e308]`, labels `[0, 0]`: `S = −2·10^308`) rounds to `−∞` as IEEE
//!   rounding does, while the loss `J = −S/m` is rounded from the exact sum (`10^308`).
//! - The sum of the terms, all of one sign, is computed at [`PRECISION`] bits with a
//!   rigorous relative error budget ([`crate::tolerance`]); it is rounded to the nearest `f64`
//!   (ties to even) by [`crate::big::to_f64`] once the whole error interval rounds to the same
//!   `f64`, and evaluated again at twice the precision otherwise (Ziv's strategy), up to
//!   [`MAX_PRECISION`]. The result is therefore correctly rounded, and identical on
//!   every machine.
//! - Entries are grouped by their exact bits first, so each distinct logarithm is computed
//!   once and multiplied by its exact count: 10^7 entries drawn from a few thousand distinct
//!   values cost a few thousand logarithms. Categorical logits need one `e^z` per distinct
//!   logit and share a single `ln_1p` among all columns whose targets have the same total
//!   weight (`Σ_j ln_1p(t_j) = ln_1p(T)` with `1 + T = Π_j (1 + t_j)`, accumulated without
//!   cancellation as `T ← T + t + T·t`).

use std::collections::HashMap;

use astro_float::BigFloat;
use indexmap::IndexMap;
use nalgebra::DMatrix;
use serde::Serialize;
use xent_core::{Array, BinaryProblem, CategoricalProblem, LogBase, Predictions};

use crate::big::{Ctx, RM, rounds_uniquely, to_f64};
use crate::tolerance::{MAX_PRECISION, OPS_PER_ITEM, PRECISION, TERM_ERROR_LOG2};
use crate::{Error, Result};

/// The correctly rounded value of a cross-entropy problem.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Oracle {
    /// The loss in nats, `J = −S / m`, correctly rounded; `+∞` for a confident wrong
    /// prediction.
    pub loss: f64,
    /// The summed log-likelihood `S = Σ w · ln p` (the documents' `logprobs`), correctly
    /// rounded; `−∞` for a confident wrong prediction.
    pub log_likelihood: f64,
}

impl Oracle {
    /// What the infallible entry points return when the arbitrary-precision arithmetic
    /// fails (an allocation failure): NaN, which no formulation is ever within a bound of.
    pub const FAILED: Oracle = Oracle {
        loss: f64::NAN,
        log_likelihood: f64::NAN,
    };
}

/// The oracle of a binary problem (probabilities or logits). NaN fields only if the
/// arbitrary-precision arithmetic fails; see [`try_binary`].
pub fn binary(problem: &BinaryProblem<'_>) -> Oracle {
    try_binary(problem).unwrap_or(Oracle::FAILED)
}

/// The oracle of a categorical problem (probabilities or logits, soft or one-hot targets).
/// NaN fields only if the arbitrary-precision arithmetic fails; see [`try_categorical`].
pub fn categorical(problem: &CategoricalProblem<'_>) -> Oracle {
    try_categorical(problem).unwrap_or(Oracle::FAILED)
}

/// [`binary`], with the arithmetic's failure as an error value.
pub fn try_binary(problem: &BinaryProblem<'_>) -> Result<Oracle> {
    binary_exact(problem).oracle()
}

/// [`categorical`], with the arithmetic's failure as an error value.
pub fn try_categorical(problem: &CategoricalProblem<'_>) -> Result<Oracle> {
    categorical_exact(problem).oracle()
}

/// A binary problem grouped for the oracle, from which any correctly rounded scaling of its
/// exact log-likelihood can be taken ([`Exact::loss_in`], [`Exact::loss_over`]).
pub fn binary_exact<'p>(problem: &BinaryProblem<'p>) -> Exact<'p> {
    let y = problem.labels();
    let (terms, distinct) = match problem.predictions() {
        Predictions::Probabilities(a) => {
            let g = Grouped::new(y, a, |y, a| (y > 0.0 && a == 0.0) || (y < 1.0 && a == 1.0));
            let n = g.values.len();
            (g.map_or_infinite(Terms::BinaryProbabilities), n)
        }
        Predictions::Logits(z) => {
            // σ(−∞) = 0: a positive label on it is S = −∞.
            let g = Grouped::new(y, z, |y, z| y > 0.0 && z == f64::NEG_INFINITY);
            let n = g.values.len();
            (g.map_or_infinite(Terms::BinaryLogits), n)
        }
    };
    Exact::new(
        terms,
        problem.samples(),
        distinct,
        "binary",
        problem.shape(),
    )
}

/// A categorical problem grouped for the oracle (see [`binary_exact`]).
pub fn categorical_exact<'p>(problem: &CategoricalProblem<'p>) -> Exact<'p> {
    let (k, m) = (problem.classes_count(), problem.samples());
    let p = DMatrix::from_fn(k, m, |r, c| problem.target(r, c));
    let (terms, distinct) = match problem.predictions() {
        Predictions::Probabilities(q) => {
            let g = Grouped::new((&p).into(), q, |p, q| p > 0.0 && q == 0.0);
            let n = g.values.len();
            (g.map_or_infinite(Terms::CategoricalProbabilities), n)
        }
        Predictions::Logits(z) => {
            // A positive target on a class at −∞ (q = 0) is S = −∞.
            let infinite = (0..m)
                .any(|c| (0..k).any(|r| p[(r, c)] > 0.0 && z.get_f64(r, c) == f64::NEG_INFINITY));
            if infinite {
                (Terms::Infinite, z.len())
            } else {
                (Terms::CategoricalLogits(*problem), z.len())
            }
        }
    };
    Exact::new(
        terms,
        problem.samples(),
        distinct,
        "categorical",
        problem.shape(),
    )
}

/// The correctly rounded natural logarithm of `x ≥ 0` (`−∞` at 0, NaN below).
///
/// ```
/// assert_eq!(xent_oracle::ln(2.0), std::f64::consts::LN_2);
/// ```
pub fn ln(x: f64) -> f64 {
    if x.is_nan() || x < 0.0 {
        return f64::NAN;
    }
    if x == 0.0 {
        return f64::NEG_INFINITY;
    }
    if x == f64::INFINITY {
        return x;
    }
    single(|ctx| {
        let v = ctx.f(x);
        ctx.ln(&v)
    })
}

/// The correctly rounded `ln(1 + x)` for `x ≥ −1` (`−∞` at −1, NaN below).
pub fn ln_1p(x: f64) -> f64 {
    if x.is_nan() || x < -1.0 {
        return f64::NAN;
    }
    if x == -1.0 {
        return f64::NEG_INFINITY;
    }
    if x == f64::INFINITY {
        return x;
    }
    single(|ctx| {
        let v = ctx.f(x);
        ctx.ln_1p(&v)
    })
}

/// One correctly rounded evaluation of `f` (a handful of operations), by Ziv's strategy.
fn single(mut f: impl FnMut(&mut Ctx) -> BigFloat) -> f64 {
    let mut p = PRECISION;
    loop {
        let Ok(mut ctx) = Ctx::new(p) else {
            return f64::NAN;
        };
        let v = f(&mut ctx);
        if v.is_nan() {
            return f64::NAN;
        }
        if v.is_zero() {
            return 0.0;
        }
        let last = p >= MAX_PRECISION;
        match round_interval(&ctx, &v.abs(), 1u64 << TERM_ERROR_LOG2, last) {
            Some(r) => return if v.is_negative() { -r } else { r },
            None => p *= 2,
        }
    }
}

/// What the grouped terms of a problem are, by kind of problem and of predictions.
enum Terms<'p> {
    /// A positive weight on a zero probability: `S = −∞`.
    Infinite,
    /// Distinct `a` and distinct `(y, a)` with counts.
    BinaryProbabilities(Grouped),
    /// Distinct `z` and distinct `(y, z)` with counts.
    BinaryLogits(Grouped),
    /// Distinct `q` and distinct `(p, q)` with counts.
    CategoricalProbabilities(Grouped),
    /// Logits need their column's log-sum-exp: kept as they are.
    CategoricalLogits(CategoricalProblem<'p>),
}

/// A map from a pair of `f64` bit patterns to a `u64` (a count, or an index) that iterates
/// in insertion order, so the oracle does the same work in the same order on every run. The
/// grouping loop runs once per entry (10^7 in the fused path's tests): FxHash, not SipHash
/// (the keys are our own inputs, not an attacker's).
type PairTable = IndexMap<(u64, u64), u64, rustc_hash::FxBuildHasher>;

/// The bits of `x`, with `−0.0` as `+0.0` (they are the same input).
fn bits(x: f64) -> u64 {
    if x == 0.0 { 0 } else { x.to_bits() }
}

/// Entries grouped by `(weight, value)` bits: `values` are the distinct values (predictions
/// or logits), `pairs` the distinct `(weight, index into values, count)`. Pairs whose weight
/// can contribute nothing are dropped (weight 0 for categorical targets is `0 · ln q = 0`;
/// binary pairs always contribute through `y` or `1 − y`).
struct Grouped {
    values: Vec<f64>,
    pairs: Vec<(f64, usize, u64)>,
    infinite: bool,
}

impl Grouped {
    fn new(weights: Array<'_>, values: Array<'_>, infinite: impl Fn(f64, f64) -> bool) -> Self {
        let mut counts = PairTable::default();
        let mut is_infinite = false;
        'entries: for c in 0..weights.cols() {
            for r in 0..weights.rows() {
                let (w, v) = (weights.get_f64(r, c), values.get_f64(r, c));
                if infinite(w, v) {
                    is_infinite = true;
                    break 'entries;
                }
                *counts.entry((bits(w), bits(v))).or_insert(0) += 1;
            }
        }
        let mut index = PairTable::default();
        let mut distinct = Vec::new();
        let mut pairs = Vec::with_capacity(counts.len());
        for (&(w, v), &count) in &counts {
            let next = distinct.len() as u64;
            let i = *index.entry((v, 0)).or_insert(next) as usize;
            if i == distinct.len() {
                distinct.push(f64::from_bits(v));
            }
            pairs.push((f64::from_bits(w), i, count));
        }
        Grouped {
            values: distinct,
            pairs,
            infinite: is_infinite,
        }
    }

    fn map_or_infinite<'p>(self, f: impl FnOnce(Grouped) -> Terms<'p>) -> Terms<'p> {
        if self.infinite {
            Terms::Infinite
        } else {
            f(self)
        }
    }
}

/// The exact magnitude `|S| = −S` of a log-likelihood at some precision, and how many
/// items were accumulated into it (for the error budget).
struct Magnitude {
    value: BigFloat,
    items: u64,
}

/// What a correctly rounded value is taken of.
#[derive(Debug, Clone, Copy)]
enum Scale {
    /// `S` itself.
    LogLikelihood,
    /// `−S / (samples · ln b)`.
    Loss { samples: usize, base: LogBase },
}

/// A problem grouped for the oracle: its exact log-likelihood, from which correctly rounded
/// values are taken (each evaluation re-runs the arbitrary-precision sum).
pub struct Exact<'p> {
    terms: Terms<'p>,
    samples: usize,
    distinct: usize,
    span: tracing::Span,
}

impl<'p> Exact<'p> {
    fn new(
        terms: Terms<'p>,
        samples: usize,
        distinct: usize,
        kind: &'static str,
        shape: xent_core::Shape,
    ) -> Self {
        let span = tracing::debug_span!(
            "oracle",
            kind,
            rows = shape.rows,
            cols = shape.cols,
            distinct
        );
        Exact {
            terms,
            samples,
            distinct,
            span,
        }
    }

    /// Number of distinct values whose logarithm (or exponential) the oracle computes.
    pub fn distinct_values(&self) -> usize {
        self.distinct
    }

    /// The loss and log-likelihood, each correctly rounded.
    pub fn oracle(&self) -> Result<Oracle> {
        let v = self.values(&[
            Scale::Loss {
                samples: self.samples,
                base: LogBase::E,
            },
            Scale::LogLikelihood,
        ])?;
        Ok(Oracle {
            loss: v[0],
            log_likelihood: v[1],
        })
    }

    /// The loss in base `b`, `J_b = −S / (m · ln b)`, correctly rounded (`ln b` exact to the
    /// working precision; base e divides by exactly 1).
    pub fn loss_in(&self, base: LogBase) -> Result<f64> {
        self.loss_over(self.samples, base)
    }

    /// `−S / (samples · ln b)`, correctly rounded: the loss as if averaged over `samples`
    /// (the verifier uses it for `np.sum` over a whole `np.dot` matrix, whose entries are
    /// the log-likelihoods of other pairings of rows, still divided by the document's `m`).
    pub fn loss_over(&self, samples: usize, base: LogBase) -> Result<f64> {
        Ok(self.values(&[Scale::Loss { samples, base }])?[0])
    }

    fn values(&self, scales: &[Scale]) -> Result<Vec<f64>> {
        let _enter = self.span.enter();
        if let Terms::Infinite = self.terms {
            return Ok(scales
                .iter()
                .map(|s| match s {
                    Scale::LogLikelihood => f64::NEG_INFINITY,
                    Scale::Loss { .. } => f64::INFINITY,
                })
                .collect());
        }
        let mut p = PRECISION;
        loop {
            let mut ctx = Ctx::new(p)?;
            let magnitude = self.evaluate(&mut ctx)?;
            let last = p >= MAX_PRECISION;
            let mut out = Vec::with_capacity(scales.len());
            for &scale in scales {
                match round_scaled(&mut ctx, &magnitude, scale, last)? {
                    Some(v) => out.push(v),
                    None => break,
                }
            }
            if out.len() == scales.len() {
                return Ok(out);
            }
            tracing::debug!(
                precision = p,
                "oracle interval straddles a rounding boundary"
            );
            p *= 2;
        }
    }

    fn evaluate(&self, ctx: &mut Ctx) -> Result<Magnitude> {
        let m = match &self.terms {
            Terms::Infinite => Magnitude {
                value: ctx.zero(),
                items: 0,
            },
            Terms::BinaryProbabilities(g) => binary_probabilities(ctx, g),
            Terms::BinaryLogits(g) => binary_logits(ctx, g),
            Terms::CategoricalProbabilities(g) => categorical_probabilities(ctx, g),
            Terms::CategoricalLogits(problem) => {
                let (k, m) = (problem.classes_count(), problem.samples());
                let logits = problem.predictions().array().to_f64_matrix();
                let targets = DMatrix::from_fn(k, m, |r, c| problem.target(r, c));
                categorical_logits(ctx, &logits, &targets)
            }
        };
        if m.value.is_nan() {
            return Err(Error::Arithmetic(format!(
                "the oracle's sum at {} bits is NaN ({:?})",
                ctx.p,
                m.value.err()
            )));
        }
        Ok(m)
    }
}

/// `|S| = Σ count · (y·(−ln a) + (1 − y)·(−ln_1p(−a)))`, each distinct logarithm once.
fn binary_probabilities(ctx: &mut Ctx, g: &Grouped) -> Magnitude {
    let mut ln_a: Vec<Option<BigFloat>> = vec![None; g.values.len()];
    let mut ln_1m: Vec<Option<BigFloat>> = vec![None; g.values.len()];
    let mut sum = ctx.zero();
    let one = ctx.one();
    for &(y, i, count) in &g.pairs {
        let c = ctx.int(count);
        let a = g.values[i];
        if y > 0.0 {
            let l = ln_a[i].get_or_insert_with(|| {
                let v = ctx.f(a);
                ctx.ln(&v)
            });
            let w = ctx.mul(&c, &ctx.f(y));
            sum = ctx.sub(&sum, &ctx.mul(&w, l));
        }
        if y < 1.0 {
            let l = ln_1m[i].get_or_insert_with(|| {
                let t = ctx.f(-a);
                ctx.ln_1p(&t)
            });
            let w = ctx.mul(&c, &ctx.sub(&one, &ctx.f(y)));
            sum = ctx.sub(&sum, &ctx.mul(&w, l));
        }
    }
    Magnitude {
        value: sum,
        items: 2 * g.pairs.len() as u64,
    }
}

/// `|S| = Σ count · (y·softplus(−z) + (1 − y)·softplus(z))`, with
/// `softplus(±z) = max(±z, 0) + ln_1p(e^{−|z|})`: one `exp` and one `ln` per distinct `z`.
fn binary_logits(ctx: &mut Ctx, g: &Grouped) -> Magnitude {
    let mut tail: Vec<Option<BigFloat>> = vec![None; g.values.len()];
    let mut sum = ctx.zero();
    let one = ctx.one();
    for &(y, i, count) in &g.pairs {
        let z = g.values[i];
        if z == f64::NEG_INFINITY {
            // a = 0 under label 0 (a positive label made the whole sum −∞): softplus(−∞) = 0.
            continue;
        }
        let l = tail[i]
            .get_or_insert_with(|| {
                let e = ctx.f(-z.abs());
                let t = ctx.exp(&e); // 0 when it underflows: below 2^(−2^31), negligible
                ctx.ln_1p(&t)
            })
            .clone();
        let c = ctx.int(count);
        if y > 0.0 {
            let sp = ctx.add(&ctx.f((-z).max(0.0)), &l);
            sum = ctx.add(&sum, &ctx.mul(&ctx.mul(&c, &ctx.f(y)), &sp));
        }
        if y < 1.0 {
            let sp = ctx.add(&ctx.f(z.max(0.0)), &l);
            let w = ctx.mul(&c, &ctx.sub(&one, &ctx.f(y)));
            sum = ctx.add(&sum, &ctx.mul(&w, &sp));
        }
    }
    Magnitude {
        value: sum,
        items: 2 * g.pairs.len() as u64,
    }
}

/// `|S| = Σ count · p · (−ln q)` over distinct `(p, q)` with `p > 0`.
fn categorical_probabilities(ctx: &mut Ctx, g: &Grouped) -> Magnitude {
    let mut ln_q: Vec<Option<BigFloat>> = vec![None; g.values.len()];
    let mut sum = ctx.zero();
    for &(p, i, count) in &g.pairs {
        if p == 0.0 {
            continue;
        }
        let q = g.values[i];
        let l = ln_q[i].get_or_insert_with(|| {
            let v = ctx.f(q);
            ctx.ln(&v)
        });
        let w = ctx.mul(&ctx.int(count), &ctx.f(p));
        sum = ctx.sub(&sum, &ctx.mul(&w, l));
    }
    Magnitude {
        value: sum,
        items: g.pairs.len() as u64,
    }
}

/// Logits up to this magnitude use the cached `e^z` and `e^{−z}` of each distinct value
/// (`e^{z_i − max} = e^{z_i} · e^{−max}`), well inside astro-float's exponent range
/// (`e^{±2·10^8} ≈ 2^{±2.9·10^8}`, against `2^{±2^31}`); larger ones take `e^{z_i − max}`
/// directly.
const EXP_CACHE_LIMIT: f64 = 1e8;

/// `|S| = Σ_j [Σ_i p_ij (max_j − z_ij) + w_j · ln_1p(t_j)]` with
/// `t_j = Σ_{i ≠ argmax} e^{z_ij − max_j}` and `w_j = Σ_i p_ij`: both parts non-negative.
/// Columns with the same `w_j` share one `ln_1p` of `T = Π (1 + t_j) − 1`.
fn categorical_logits(ctx: &mut Ctx, z: &DMatrix<f64>, p: &DMatrix<f64>) -> Magnitude {
    // e^z of each distinct logit, by index.
    let mut exp_index = PairTable::default();
    let mut exps: Vec<BigFloat> = Vec::new();
    let mut linear = ctx.zero();
    let one = ctx.one();
    // T per distinct total weight; exactly 1 (one-hot and class-index targets) is the
    // usual case and needs no key.
    let mut t_one: Option<BigFloat> = None;
    let mut t_other: HashMap<Vec<u64>, (BigFloat, BigFloat)> = HashMap::new();
    let (k, zs, ps) = (z.nrows(), z.as_slice(), p.as_slice());
    let mut items = 0u64;
    for j in 0..z.ncols() {
        let (zc, pc) = (&zs[j * k..(j + 1) * k], &ps[j * k..(j + 1) * k]);
        let (mut arg, mut max) = (0, f64::NEG_INFINITY);
        for (i, &v) in zc.iter().enumerate() {
            if v > max {
                (arg, max) = (i, v);
            }
        }
        // Classes at −∞ add e^{−∞} = 0 (their targets are 0: a positive one is S = −∞).
        let cached = zc
            .iter()
            .all(|&v| v.abs() <= EXP_CACHE_LIMIT || v == f64::NEG_INFINITY);
        let mut t = ctx.zero();
        for (i, &v) in zc.iter().enumerate() {
            if i == arg || v == f64::NEG_INFINITY {
                continue;
            }
            if cached {
                // Σ e^{z_i}, scaled by e^{−max} once below.
                let next = exps.len() as u64;
                let at = *exp_index.entry((bits(v), 0)).or_insert(next) as usize;
                if at == exps.len() {
                    let x = ctx.f(v);
                    exps.push(ctx.exp(&x));
                }
                t = ctx.add(&t, &exps[at]);
            } else {
                let d = ctx.sub(&ctx.f(v), &ctx.f(max));
                let e = ctx.exp(&d); // 0 when it underflows: below 2^(−2^31)
                t = ctx.add(&t, &e);
            }
        }
        if cached && !t.is_zero() {
            let next = exps.len() as u64;
            let at = *exp_index.entry((bits(-max), 0)).or_insert(next) as usize;
            if at == exps.len() {
                let x = ctx.f(-max);
                exps.push(ctx.exp(&x));
            }
            t = ctx.mul(&t, &exps[at]);
        }
        let mut w = ctx.zero();
        for (&pi, &zi) in pc.iter().zip(zc) {
            if pi == 0.0 {
                continue;
            }
            let pb = ctx.f(pi);
            w = ctx.add(&w, &pb);
            if zi != max {
                let gap = ctx.sub(&ctx.f(max), &ctx.f(zi));
                linear = ctx.add(&linear, &ctx.mul(&pb, &gap));
            }
        }
        items += k as u64 + 4;
        if w.is_zero() {
            continue;
        }
        let acc = if w.cmp(&one) == Some(0) {
            t_one.get_or_insert_with(|| ctx.zero())
        } else {
            let key = weight_key(&w);
            &mut t_other
                .entry(key)
                .or_insert_with(|| (w.clone(), ctx.zero()))
                .1
        };
        // 1 + T' = (1 + T)(1 + t): T' = T + t + T·t, no cancellation.
        let tt = ctx.mul(acc, &t);
        *acc = ctx.add(&ctx.add(acc, &t), &tt);
    }
    let mut sum = linear;
    if let Some(t) = t_one {
        let l = ctx.ln_1p(&t);
        sum = ctx.add(&sum, &l);
    }
    // Sorted by key so that the additions happen in the same order on every run.
    let mut others: Vec<_> = t_other.into_iter().collect();
    others.sort_by(|a, b| a.0.cmp(&b.0));
    for (_, (w, t)) in others {
        let l = ctx.ln_1p(&t);
        sum = ctx.add(&sum, &ctx.mul(&w, &l));
    }
    Magnitude { value: sum, items }
}

/// A hashable key for an exact total weight.
fn weight_key(w: &BigFloat) -> Vec<u64> {
    match w.as_raw_parts() {
        Some((words, _, _, e, _)) => {
            let mut key = words.to_vec();
            key.push(e as u64);
            key
        }
        None => vec![u64::MAX],
    }
}

/// `magnitude` scaled as asked and rounded to `f64` if its whole error interval rounds to
/// one value (always, at the last precision).
fn round_scaled(ctx: &mut Ctx, m: &Magnitude, scale: Scale, last: bool) -> Result<Option<f64>> {
    if m.value.is_zero() {
        return Ok(Some(0.0));
    }
    let (value, extra) = match scale {
        Scale::LogLikelihood => (m.value.clone(), 0),
        Scale::Loss { samples, base } => {
            let mut v = ctx.div(&m.value, &ctx.int(samples as u64));
            if base != LogBase::E {
                let b = ctx.f(base.value());
                let ln_b = ctx.ln(&b);
                v = ctx.div(&v, &ln_b);
            }
            (v, 3)
        }
    };
    if value.is_nan() {
        return Err(Error::Arithmetic(format!(
            "scaling the oracle's sum: {:?}",
            value.err()
        )));
    }
    let units = (1u64 << TERM_ERROR_LOG2) + OPS_PER_ITEM * (m.items + extra);
    let negative = matches!(scale, Scale::LogLikelihood) != value.is_negative();
    Ok(round_interval(ctx, &value.abs(), units, last).map(|r| if negative { -r } else { r }))
}

/// Rounds `x ≥ 0`, known to within `units · 2^-p` relative, to `f64` when the whole interval
/// rounds to one value (or unconditionally when `last`).
pub(crate) fn round_interval(ctx: &Ctx, x: &BigFloat, units: u64, last: bool) -> Option<f64> {
    if last {
        return Some(to_f64(x));
    }
    let p = ctx.p;
    // The interval's own computation rounds to nearest: widen it by 4 more units.
    let mut r = BigFloat::from_u64(units + 4, 64);
    let mut pow = BigFloat::from_word(1, 64);
    pow.set_exponent(1 - p as i32); // 2^-p
    r = r.mul(&pow, p, RM);
    let one = ctx.one();
    let lo = x.mul(&one.sub(&r, p, RM), p, RM);
    let hi = x.mul(&one.add(&r, p, RM), p, RM);
    rounds_uniquely(&lo, &hi)
}

/// `−Σ p log_b q` of a categorical problem with probabilities, with `log_b` evaluated
/// directly (`log2`, `log10`, `ln`; any other base as `ln q / ln b` at working precision),
/// correctly rounded: an independent route to the loss in another base, beside
/// [`Exact::loss_in`]'s `J / ln b`.
pub fn in_base_directly(problem: &CategoricalProblem<'_>, base: LogBase) -> Result<f64> {
    let Predictions::Probabilities(q) = problem.predictions() else {
        return Err(Error::Arithmetic(
            "a direct evaluation in a base takes probabilities".into(),
        ));
    };
    let mut ctx = Ctx::new(PRECISION * 2)?;
    let ln_b = ctx.f(base.value());
    let ln_b = ctx.ln(&ln_b);
    let mut sum = ctx.zero();
    for c in 0..problem.samples() {
        for r in 0..problem.classes_count() {
            let w = problem.target(r, c);
            if w == 0.0 {
                continue;
            }
            let x = ctx.f(q.get_f64(r, c));
            let l = if base == LogBase::TWO {
                ctx.log2(&x)
            } else if base == LogBase::TEN {
                ctx.log10(&x)
            } else if base == LogBase::E {
                ctx.ln(&x)
            } else {
                let l = ctx.ln(&x);
                ctx.div(&l, &ln_b)
            };
            sum = ctx.sub(&sum, &ctx.mul(&ctx.f(w), &l));
        }
    }
    let j = ctx.div(&sum, &ctx.int(problem.samples() as u64));
    if j.is_nan() {
        return Err(Error::Arithmetic("a direct evaluation in a base".into()));
    }
    Ok(to_f64(&j))
}

/// The error of computed natural logarithms, in fractional ulps of the computed value,
/// against `ln x` at [`PRECISION`] bits (before any rounding): how the fused path's own
/// logarithm is measured. One context serves many arguments.
pub struct LnError(Ctx);

impl LnError {
    /// A context for measuring.
    pub fn new() -> Result<Self> {
        Ok(LnError(Ctx::new(PRECISION)?))
    }

    /// `|computed − ln x| / ulp(computed)` for `x > 0` (exact inputs, subnormals included).
    pub fn ulps(&mut self, x: f64, computed: f64) -> f64 {
        let v = self.0.f(x);
        let exact = self.0.ln(&v);
        let d = self.0.sub(&self.0.f(computed), &exact);
        (to_f64(&d) / xent_core::ulp::ulp(computed)).abs()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use xent_core::{View, published};

    fn binary_problem<'a>(a: &'a [f64], y: &'a [f64]) -> BinaryProblem<'a> {
        BinaryProblem::new(View::vector(a), View::vector(y)).expect("valid problem")
    }

    #[test]
    fn predicting_one_half_costs_ln_2() {
        let o = binary(&binary_problem(&[0.5; 4], &[1.0, 0.0, 1.0, 0.0]));
        assert_eq!(o.loss, std::f64::consts::LN_2);
        assert_eq!(o.log_likelihood, -4.0 * std::f64::consts::LN_2);
        let (z0, quarter) = (
            DMatrix::<f64>::zeros(2, 3),
            DMatrix::from_element(2, 3, 0.25),
        );
        let z = BinaryProblem::from_logits(&z0, &quarter).expect("valid");
        assert_eq!(binary(&z).loss, 2.0 * std::f64::consts::LN_2);
    }

    #[test]
    fn reproduces_the_documents_full_precision_values()
    -> std::result::Result<(), Box<dyn std::error::Error>> {
        // numpy's printed f64 values happen to be the correctly rounded ones.
        let o = try_binary(&published::binary_example()?)?;
        let printed: f64 = published::BINARY_LOGPROBS.parse().expect("number");
        assert_eq!(o.log_likelihood, printed);
        for e in published::CATEGORICAL {
            let o = try_categorical(&published::categorical_example(&e)?)?;
            let printed: f64 = e.nats.parse().expect("number");
            assert_eq!(o.loss, printed, "{e:?}");
        }
        Ok(())
    }

    #[test]
    fn zero_times_log_zero_is_zero_and_confident_mistakes_are_infinite() {
        let certain = binary(&binary_problem(&[0.0, 1.0], &[0.0, 1.0]));
        assert_eq!(
            certain,
            Oracle {
                loss: 0.0,
                log_likelihood: 0.0
            }
        );
        let wrong = binary(&binary_problem(&[0.0, 1.0], &[1.0, 1.0]));
        assert_eq!(wrong.loss, f64::INFINITY);
        assert_eq!(wrong.log_likelihood, f64::NEG_INFINITY);
        let wrong = binary(&binary_problem(&[1.0], &[0.5]));
        assert_eq!(wrong.loss, f64::INFINITY);
        let q = DMatrix::from_column_slice(3, 1, &[0.0, 1.0, 0.0]);
        let p = DMatrix::from_column_slice(3, 1, &[0.0, 1.0, 0.0]);
        let c = CategoricalProblem::new(&q, &p).expect("valid");
        assert_eq!(categorical(&c).loss, 0.0);
        let p = DMatrix::from_column_slice(3, 1, &[0.5, 0.5, 0.0]);
        let c = CategoricalProblem::new(&q, &p).expect("valid");
        assert_eq!(categorical(&c).loss, f64::INFINITY);
    }

    #[test]
    fn tiny_probabilities_keep_their_digits() {
        // −ln(1 − 1e-20) = 1e-20 + 5e-41 + …: the naive ln(1 − a) would give 0.
        let o = binary(&binary_problem(&[1e-20], &[0.0]));
        assert_eq!(o.loss, 1e-20);
        let o = binary(&binary_problem(&[1e-300, 0.5], &[0.0, 1.0]));
        assert_eq!(o.log_likelihood, -std::f64::consts::LN_2);
        // Subnormal results: a loss of 2^-1074 / m rounds by IEEE's rules.
        let tiny = f64::from_bits(1);
        let o = binary(&binary_problem(&[tiny * 4.0], &[0.0]));
        assert_eq!(o.log_likelihood, -tiny * 4.0);
        assert_eq!(o.loss, tiny * 4.0);
        let o = binary(&binary_problem(&[tiny * 3.0, 0.0], &[0.0, 0.0]));
        assert_eq!(o.loss, tiny * 2.0, "3 × 2^-1074 / 2 ties to even");
    }

    #[test]
    fn logits_agree_with_the_probabilities_they_stand_for() {
        // σ(0) = 1/2 exactly; softplus of huge logits is the logit itself.
        let z = DMatrix::from_row_slice(1, 3, &[0.0, 800.0, -800.0]);
        let y = DMatrix::from_row_slice(1, 3, &[1.0, 0.0, 1.0]);
        let o = binary(&BinaryProblem::from_logits(&z, &y).expect("valid"));
        assert_eq!(o.log_likelihood, -(std::f64::consts::LN_2 + 1600.0));
        // Categorical: z = [0, −700]: ln q_0 = −ln(1 + e^-700) ≈ −e^-700, a normal f64.
        let z = DMatrix::from_column_slice(2, 1, &[0.0, -700.0]);
        let c = CategoricalProblem::from_logits_with_classes(&z, &[0]).expect("valid");
        let e700 = single(|ctx| {
            let x = ctx.f(-700.0);
            ctx.exp(&x)
        });
        assert_eq!(categorical(&c).loss, e700);
        let z = DMatrix::from_column_slice(2, 1, &[0.0, -700.0]);
        let c = CategoricalProblem::from_logits_with_classes(&z, &[1]).expect("valid");
        assert_eq!(categorical(&c).loss, 700.0);
        // Logits beyond the cache's range take the direct path.
        let z = DMatrix::from_column_slice(3, 1, &[1e300, 1e300, -1e300]);
        let c = CategoricalProblem::from_logits_with_classes(&z, &[0]).expect("valid");
        assert_eq!(categorical(&c).loss, std::f64::consts::LN_2);
    }

    #[test]
    fn logits_whose_sum_overflows_and_negative_infinite_logits() {
        // S = −2·10^308 is beyond f64 (rounds to −∞); J = 10^308 is not.
        let (z, y) = ([1e308, 1e308], [0.0, 0.0]);
        let p = BinaryProblem::from_logits(View::vector(&z), View::vector(&y)).expect("valid");
        let o = binary(&p);
        assert_eq!((o.loss, o.log_likelihood), (1e308, f64::NEG_INFINITY));
        let (z, y) = ([1e308, -1e308], [0.0, 1.0]);
        let p = BinaryProblem::from_logits(View::vector(&z), View::vector(&y)).expect("valid");
        assert_eq!(binary(&p).loss, 1e308);
        let z = [1e308, -1e308, 0.0];
        let c =
            CategoricalProblem::from_logits_with_classes(View::column(&z), &[1u8]).expect("valid");
        assert_eq!(
            categorical(&c).loss,
            f64::INFINITY,
            "J = 2·10^308 overflows"
        );
        let z = [1e308, -1e308, 0.0, 1e308, 0.0, 0.0];
        let c = CategoricalProblem::from_logits_with_classes(
            View::col_major(&z, 3, 2).expect("3 × 2"),
            &[1u8, 1],
        )
        .expect("valid");
        // (2·10^308 + ln 2 + (10^308 + ln 2)) / 2, the ln 2 far below the last bit.
        assert_eq!(categorical(&c).loss, 1.5e308);
        // −∞ is probability 0.
        let (z, y) = ([f64::NEG_INFINITY, 0.0], [0.0, 1.0]);
        let p = BinaryProblem::from_logits(View::vector(&z), View::vector(&y)).expect("valid");
        assert_eq!(binary(&p).loss, std::f64::consts::LN_2 / 2.0);
        let y = [1.0, 1.0];
        let p = BinaryProblem::from_logits(View::vector(&z), View::vector(&y)).expect("valid");
        assert_eq!(binary(&p).loss, f64::INFINITY);
        let z = [0.0, f64::NEG_INFINITY];
        let c =
            CategoricalProblem::from_logits_with_classes(View::column(&z), &[0u8]).expect("valid");
        assert_eq!(categorical(&c).loss, 0.0);
        let c =
            CategoricalProblem::from_logits_with_classes(View::column(&z), &[1u8]).expect("valid");
        assert_eq!(categorical(&c).loss, f64::INFINITY);
        let z = [0.0, f64::NEG_INFINITY, 0.0];
        let c =
            CategoricalProblem::from_logits_with_classes(View::column(&z), &[2u8]).expect("valid");
        assert_eq!(categorical(&c).loss, std::f64::consts::LN_2);
    }

    #[test]
    fn soft_targets_equal_the_one_hot_targets_they_average() {
        // Column 1 has soft targets [1/4, 1/4, 1/2], column 2 the class 1. Four copies of
        // each column with one-hot targets (classes 0, 1, 2, 2 and 1, 1, 1, 1) have four
        // times the log-likelihood over four times the samples: the same exact loss, so the
        // same correctly rounded value, through the other path (total weight exactly 1).
        let col = [1.0, 2.0, 3.0];
        let z = DMatrix::from_fn(3, 2, |i, _| col[i]);
        let p = DMatrix::from_column_slice(3, 2, &[0.25, 0.25, 0.5, 0.0, 1.0, 0.0]);
        let soft = categorical(&CategoricalProblem::from_logits(&z, &p).expect("valid"));
        let z8 = DMatrix::from_fn(3, 8, |i, _| col[i]);
        let one_hot = CategoricalProblem::from_logits_with_classes(&z8, &[0, 1, 2, 2, 1, 1, 1, 1])
            .expect("valid");
        assert_eq!(soft.loss, categorical(&one_hot).loss);
        assert!(soft.loss > 0.0);
    }

    #[test]
    fn an_interval_across_a_rounding_boundary_is_not_rounded_until_the_last_precision() {
        let c = Ctx::new(PRECISION).expect("context");
        // 1 + 2^-53 is the midpoint between 1 and its successor.
        let tie = c.add(&c.one(), &c.f(f64::EPSILON / 2.0));
        assert_eq!(round_interval(&c, &tie, 1, false), None);
        assert_eq!(round_interval(&c, &tie, 1, true), Some(1.0));
        assert_eq!(
            round_interval(&c, &c.f(0.1), 1 << TERM_ERROR_LOG2, false),
            Some(0.1)
        );
    }

    #[test]
    fn correctly_rounded_logarithms() {
        assert_eq!(ln(2.0), std::f64::consts::LN_2);
        assert_eq!(ln(10.0), std::f64::consts::LN_10);
        assert_eq!(ln(1.0), 0.0);
        assert_eq!(ln(0.0), f64::NEG_INFINITY);
        assert!(ln(-1.0).is_nan());
        assert_eq!(ln_1p(-1e-20), -1e-20);
        assert_eq!(ln_1p(1.0), std::f64::consts::LN_2);
        assert_eq!(ln_1p(-1.0), f64::NEG_INFINITY);
    }
}
