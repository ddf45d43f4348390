//! Exact mode: the **correctly rounded** sum of the per-entry terms, divided exactly, with
//! the same bits on every [`Isa`] path, for any number of threads and any split of the
//! samples into parts.
//!
//! A [`Partial`] holds two exact sums (`xent-exact`'s superaccumulators): of the terms, and of
//! the divisor. It merges by integer addition, so its value is a function of the multiset of
//! terms alone: any order of [`Partial::add`]s and any tree of [`Partial::merge`]s (threads,
//! blocks of a file, partitions of a query engine, machines) gives the same
//! [`Partial::to_bytes`], hence the same [`Partial::log_likelihood`] and [`Partial::loss`].
//!
//! ```
//! use xent_core::{Problem, published};
//! use xent_fused::exact::Partial;
//!
//! let problem = Problem::Binary(published::binary_example()?);
//! let mut whole = Partial::new();
//! whole.add(&problem);
//! // Two halves, summed apart and merged (here in the other order): the same bytes.
//! let (a, y) = (&published::BINARY_A, &published::BINARY_Y);
//! let half = |r: std::ops::Range<usize>| -> xent_core::Result<Partial> {
//!     let p = xent_core::BinaryProblem::new(
//!         xent_core::View::vector(&a[r.clone()]),
//!         xent_core::View::vector(&y[r]),
//!     )?;
//!     let mut part = Partial::new();
//!     part.add(&Problem::Binary(p));
//!     Ok(part)
//! };
//! let mut merged = half(4..8)?;
//! merged.merge(&half(0..4)?);
//! assert_eq!(merged.to_bytes(), whole.to_bytes());
//! assert_eq!(format!("{:.8}", whole.loss()?), "0.09864328"); // the published cost, m = 8
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # The terms
//!
//! One `f64` per entry, added to the exact sum as it is (no `k·ln 2` summed apart, no
//! compensation: nothing is lost in the sum):
//!
//! ```text
//! binary        t = v_j·(p_i·y·ln a + (1 − y)·ln(1 − a))        0·ln 0 = 0 (masked)
//!   from logits t = −v_j·(p_i·y·(σ + max(−z, 0)) + (1 − y)·(σ + max(z, 0))),  σ = ln_1p(e^−|z|)
//! categorical   t = v_j·((c_r·P_rj)·ln Q_rj)                      for every P_rj ≠ 0
//!   from logits ln Q_rj = (z_rj − z*_j) − L_j                     (the default path's normaliser)
//! divisor       m, or Σ_j v_j·c̄_j (each product rounded once; see `xent_core::weights`)
//! ```
//!
//! Each product is rounded once, left to right as written; an absent weight is 1 and not
//! multiplied; a sample of weight `v_j = 0` adds nothing (even a confident wrong one), and a
//! positive weight on a zero probability is a term `−∞`, which makes the sum `−∞`
//! (`J = +∞`). The logarithms are [`crate::math`]'s (within 1 ulp); hard labels take one
//! logarithm per entry, but the term has the bits the masked two-logarithm form gives, so it
//! does not depend on its neighbours. A categorical logit difference beyond `f64`
//! (`z = −10^308` under `z* = 10^308`) is added as twice the term of the halved logits,
//! which is exact; a weighted product beyond `f64` is `−∞`. A problem with clamped
//! logarithms ([`xent_core::BinaryProblem::with_log_floor`]) adds, scalar, the products of
//! its [`weighted_logs`](xent_core::BinaryProblem::weighted_logs) (two per entry).
//!
//! # Why the bits are the same on every path
//!
//! Every term is evaluated with IEEE `+ − × ÷`, comparisons, selections and bit operations
//! only — **no fused multiply-add on any path**: the polynomials of [`crate::math`] run with
//! `FMA = false` on [`Isa::Avx512`], [`Isa::Avx2Fma`], [`Isa::Sse2`] and [`Isa::Portable`]
//! alike, and Rust never contracts `a·b + c` into an FMA by itself. Each of those operations
//! is correctly rounded, in vector registers as in scalar ones, and each term is computed
//! from its own entry (and, from logits, its own column) only, so its bits do not depend on
//! the path, on its position in a vector, sub-block or leaf, nor on the dtype or memory order
//! of the inputs (read exactly in canonical order, see `source`). The tests compare every
//! term's bits on every available path against [`Isa::Portable`] for every offset and length
//! up to several sub-blocks. Without FMA the logarithm's measured error is 0.85 ulp instead
//! of 0.84 (see [`crate::math`]): the same accuracy.
//!
//! # Cost
//!
//! Adding a term is one integer addition into Neal's large superaccumulator (one sum per sign
//! and exponent); each parallel task owns one (40 KiB) for up to [`GROUP_LEAVES`] leaves and
//! hands back the small accumulator it flushes into. `cargo xtask bench` has the rows.

use std::ops::Range;

use xent_core::{
    BinaryProblem, CategoricalProblem, Evaluation, Problem, ReducedShape, Targets, Weights,
};
use xent_exact::{Accumulator, LargeAccumulator};

use crate::accumulate::{Combine, LANES, tree};
use crate::binary::{LEAF, SUB};
use crate::categorical::log_normaliser;
use crate::isa::{Isa, Job};
use crate::math::{exp_nonpositive, ln_1m, ln_1p, ln_probability, ln_reduced, split};
use crate::source::{self, Entries};

/// Leaves (of about 8192 entries) summed into one large superaccumulator by one task.
pub const GROUP_LEAVES: usize = 64;

/// Terms gathered before their logarithms are taken (categorical probabilities).
const GATHER: usize = 64;

/// A partial exact aggregate of a loss: the exact sum of the log-likelihood terms
/// (`Σ_j s_j`, or `Σ_j v_j·s_j` with weights, each product rounded once) and the exact
/// divisor (the number of samples, or `Σ_j v_j·c̄_j`). Merges exactly; fixed-size canonical
/// bytes.
///
/// See the [module docs](self) for the terms and why they have the same bits on every path.
#[derive(Clone, Debug, Default)]
pub struct Partial {
    terms: LargeAccumulator,
    divisor: Accumulator,
}

impl PartialEq for Partial {
    /// Equality of the exact sums (and flags): equality of [`Partial::to_bytes`].
    fn eq(&self, other: &Partial) -> bool {
        self.divisor == other.divisor && self.terms.to_accumulator() == other.terms.to_accumulator()
    }
}

impl Eq for Partial {}

impl Partial {
    /// The length of [`Partial::to_bytes`]: the terms' accumulator, then the divisor's.
    pub const ENCODED_LEN: usize = Compact::ENCODED_LEN;

    /// An empty aggregate: no terms, divisor 0.
    pub fn new() -> Self {
        Partial::default()
    }

    /// Adds every term of a validated problem (any dtype and memory order, weighted or not)
    /// and its divisor, on the detected [`Isa`]: the same term bits on every path.
    pub fn add(&mut self, problem: &Problem<'_>) {
        self.add_on(Isa::detect(), problem);
    }

    /// [`Partial::add`] on a given path (the detected one if this CPU cannot run it): the
    /// same bytes whatever the path.
    pub fn add_on(&mut self, isa: Isa, problem: &Problem<'_>) {
        let leaves = problem
            .samples()
            .div_ceil(samples_per_leaf(problem.outputs()));
        if leaves <= GROUP_LEAVES && !is_clamped(problem) {
            // One task's worth (a query engine's batch, a streamed block): straight into this
            // partial's large superaccumulator, in this thread, with no other to flush.
            add_all(isa, problem, &mut self.terms, &mut self.divisor);
        } else {
            self.merge_compact(&sums(isa, problem));
        }
    }

    /// Adds the terms and the divisor of `other`, exactly.
    pub fn merge(&mut self, other: &Partial) {
        self.terms.merge(&other.terms.to_accumulator());
        self.divisor.merge(&other.divisor);
    }

    /// Adds the terms and the divisor of a [`Compact`] aggregate, exactly.
    pub fn merge_compact(&mut self, other: &Compact) {
        self.terms.merge(&other.terms);
        self.divisor.merge(&other.divisor);
    }

    /// The same sums as a [`Compact`] aggregate (what the bytes and results are made from).
    pub fn compact(&self) -> Compact {
        Compact {
            terms: self.terms.to_accumulator(),
            divisor: self.divisor.clone(),
        }
    }

    /// The canonical encoding, exactly [`Partial::ENCODED_LEN`] bytes: the terms' and the
    /// divisor's [`Accumulator::to_bytes`], in that order. Equal sums give equal bytes,
    /// whatever the order of the additions and merges that made them.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.compact().to_bytes()
    }

    /// Decodes [`Partial::to_bytes`]: a wrong length is
    /// [`xent_exact::Error::WrongLength`] (expecting [`Partial::ENCODED_LEN`]), and either
    /// half's errors are [`Accumulator::from_bytes`]'s.
    pub fn from_bytes(bytes: &[u8]) -> Result<Partial, xent_exact::Error> {
        let mut partial = Partial::new();
        partial.merge_compact(&Compact::from_bytes(bytes)?);
        Ok(partial)
    }

    /// `S = Σ s`, correctly rounded once (`−∞` if a term was, or if `S` is beyond `f64`).
    pub fn log_likelihood(&self) -> f64 {
        self.terms.round()
    }

    /// The divisor (`m`, or `W = Σ_j v_j·c̄_j`), correctly rounded once.
    pub fn divisor(&self) -> f64 {
        self.divisor.round()
    }

    /// `J = −S / divisor`, correctly rounded once; [`xent_exact::Error::DivisionByZero`]
    /// when the divisor is exactly zero (no samples, or every weight 0).
    pub fn loss(&self) -> Result<f64, xent_exact::Error> {
        self.compact().loss()
    }

    /// `−S / divisor` for another divisor (a convention's number of entries, `1` for the sum),
    /// correctly rounded once; [`xent_exact::Error::DivisionByZero`] for 0.
    pub fn loss_over(&self, divisor: u64) -> Result<f64, xent_exact::Error> {
        Ok(-self.terms.div_round(divisor)?)
    }

    /// The [`Evaluation`] of a problem of `samples` samples whose terms are all in this
    /// aggregate: `log_likelihood` and `weight` are `S` and the divisor, each correctly
    /// rounded once (`S` divided by `2^OVERFLOW_SCALE`, exactly before its one rounding, when
    /// it is beyond `f64`). Its [`Evaluation::nats`] divides those two rounded values;
    /// [`Partial::loss`] is `J` rounded once.
    pub fn evaluation(&self, samples: usize) -> Evaluation {
        let terms = self.terms.to_accumulator();
        let s = terms.round();
        let (log_likelihood, scale) = if s == f64::NEG_INFINITY {
            // Either a term −∞ (the flag: S = −∞ at any scale) or a finite sum beyond f64.
            let mut power = Accumulator::new();
            power.add(xent_core::formulation::times_pow2(
                1.0,
                xent_core::formulation::OVERFLOW_SCALE,
            ));
            match terms.ratio_round(&power) {
                Ok(scaled) if scaled.is_finite() => {
                    (scaled, xent_core::formulation::OVERFLOW_SCALE)
                }
                _ => (s, 0),
            }
        } else {
            (s, 0)
        };
        Evaluation {
            log_likelihood,
            scale,
            ..Evaluation::new(0.0, samples, ReducedShape::Scalar)
        }
        .with_weight(self.divisor())
    }
}

/// [`Partial`] in about 1 KiB instead of 41: the same two exact sums, without the large
/// superaccumulator in front, for many aggregates side by side (the groups of a `GROUP BY`).
/// Adding a term costs more; the bytes, merges and results are [`Partial`]'s: a problem added
/// to either gives the same [`Compact::to_bytes`] as [`Partial::to_bytes`] (tested).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Compact {
    terms: Accumulator,
    divisor: Accumulator,
}

impl Compact {
    /// The length of [`Compact::to_bytes`]: the terms' accumulator, then the divisor's.
    pub const ENCODED_LEN: usize = 2 * xent_exact::ENCODED_LEN;

    /// An empty aggregate: no terms, divisor 0.
    pub fn new() -> Self {
        Compact::default()
    }

    /// [`Partial::add`]: every term of a validated problem and its divisor, on the detected
    /// path, in one thread (the caller's).
    pub fn add(&mut self, problem: &Problem<'_>) {
        self.add_on(Isa::detect(), problem);
    }

    /// [`Compact::add`] on a given path: the same bytes whatever the path.
    pub fn add_on(&mut self, isa: Isa, problem: &Problem<'_>) {
        match problem {
            Problem::Binary(p) if p.log_floor().is_some() => self.merge(&clamped(p)),
            _ => add_all(isa, problem, &mut self.terms, &mut self.divisor),
        }
    }

    /// Adds the terms and the divisor of `other`, exactly.
    pub fn merge(&mut self, other: &Compact) {
        self.terms.merge(&other.terms);
        self.divisor.merge(&other.divisor);
    }

    /// The canonical encoding, [`Partial::to_bytes`]'s.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(Self::ENCODED_LEN);
        out.extend_from_slice(&self.terms.to_bytes());
        out.extend_from_slice(&self.divisor.to_bytes());
        out
    }

    /// Decodes [`Compact::to_bytes`] (or [`Partial::to_bytes`]): the errors of
    /// [`Partial::from_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Compact, xent_exact::Error> {
        if bytes.len() != Self::ENCODED_LEN {
            return Err(xent_exact::Error::WrongLength {
                found: bytes.len(),
                expected: Self::ENCODED_LEN,
            });
        }
        let (terms, divisor) = bytes.split_at(xent_exact::ENCODED_LEN);
        Ok(Compact {
            terms: Accumulator::from_bytes(terms)?,
            divisor: Accumulator::from_bytes(divisor)?,
        })
    }

    /// [`Partial::loss`]: `J = −S / divisor`, correctly rounded once.
    pub fn loss(&self) -> Result<f64, xent_exact::Error> {
        Ok(-self.terms.ratio_round(&self.divisor)?)
    }
}

/// The exact partial aggregate of `problem` on `isa`.
pub fn partial_on(isa: Isa, problem: &Problem<'_>) -> Partial {
    let mut p = Partial::new();
    p.add_on(isa, problem);
    p
}

/// Where a kernel puts its terms: an exact sum, or (for the tests) a list.
pub(crate) trait Sink {
    /// Takes `terms`, in order.
    fn take(&mut self, terms: &[f64]);
}

impl Sink for LargeAccumulator {
    #[inline(always)]
    fn take(&mut self, terms: &[f64]) {
        for &t in terms {
            self.add(t);
        }
    }
}

impl Sink for Accumulator {
    #[inline(always)]
    fn take(&mut self, terms: &[f64]) {
        self.add_slice(terms);
    }
}

impl Sink for Vec<f64> {
    fn take(&mut self, terms: &[f64]) {
        self.extend_from_slice(terms);
    }
}

/// What a task returns: the exact sums of its terms and of its share of the divisor.
impl Combine for Compact {
    fn combine(mut self, other: Self) -> Self {
        self.merge(&other);
        self
    }
}

/// Whether `problem` has clamped logarithms (its terms are summed by [`clamped`]).
fn is_clamped(problem: &Problem<'_>) -> bool {
    matches!(problem, Problem::Binary(p) if p.log_floor().is_some())
}

/// Every term of an unclamped `problem` into `sink`, leaf by leaf in this thread, and its
/// divisor into `divisor`.
fn add_all<S: Sink>(isa: Isa, problem: &Problem<'_>, sink: &mut S, divisor: &mut Accumulator) {
    let (m, per) = (problem.samples(), samples_per_leaf(problem.outputs()));
    for leaf in 0..m.div_ceil(per) {
        let cols = leaf * per..m.min((leaf + 1) * per);
        leaf_terms(isa, problem, cols, sink, divisor);
    }
    if !problem.is_weighted() {
        divisor.add(m as f64);
    }
}

/// Samples per leaf for `n` entries per sample.
fn samples_per_leaf(n: usize) -> usize {
    (LEAF / n.max(1)).max(1)
}

/// The exact sums of `problem` on `isa`: groups of [`GROUP_LEAVES`] leaves in parallel (the
/// current rayon pool), each into its own large superaccumulator; exact, so the grouping and
/// the threads change nothing.
fn sums(isa: Isa, problem: &Problem<'_>) -> Compact {
    let m = problem.samples();
    if let Problem::Binary(p) = problem
        && p.log_floor().is_some()
    {
        return clamped(p);
    }
    let per = samples_per_leaf(problem.outputs());
    let leaves = m.div_ceil(per);
    let mut total = tree(leaves.div_ceil(GROUP_LEAVES), &|g| {
        let mut terms = LargeAccumulator::new();
        let mut divisor = Accumulator::new();
        for leaf in g * GROUP_LEAVES..leaves.min((g + 1) * GROUP_LEAVES) {
            let cols = leaf * per..m.min((leaf + 1) * per);
            leaf_terms(isa, problem, cols, &mut terms, &mut divisor);
        }
        Compact {
            terms: terms.to_accumulator(),
            divisor,
        }
    });
    if !problem.is_weighted() {
        total.divisor.add(m as f64);
    }
    total
}

/// The terms of samples `cols` into `sink` (in canonical order), their divisor's share into
/// `divisor` when the problem is weighted.
fn leaf_terms<S: Sink>(
    isa: Isa,
    problem: &Problem<'_>,
    cols: Range<usize>,
    sink: &mut S,
    divisor: &mut Accumulator,
) {
    let mut buffer = [0.0f64; LEAF];
    let v = if problem.is_weighted() {
        let v = &mut buffer[..cols.len()];
        crate::weighted::sample_weights(problem, cols.clone(), v);
        for (j, &v) in cols.clone().zip(v.iter()) {
            let share = match problem {
                _ if v == 0.0 => 0.0,
                Problem::Binary(_) => v,
                Problem::Categorical(p) => v * p.target_class_weight(j),
            };
            divisor.add(share);
        }
        Some(&*v)
    } else {
        None
    };
    match problem {
        Problem::Binary(p) => crate::isa::run(
            isa,
            BinaryLeaf {
                problem: p,
                cols,
                v,
                sink,
            },
        ),
        Problem::Categorical(p) => {
            let pred = p.predictions().array();
            source::with_columns(isa, pred, cols.clone(), |q| match p.targets() {
                Targets::Dense(t) => source::with_columns(isa, t, cols.clone(), |t| {
                    let targets = LeafTargets::Dense(t);
                    crate::isa::run(isa, CategoricalLeaf::new(p, q, targets, v, sink))
                }),
                Targets::Classes(c) => {
                    let mut buf = [0usize; LEAF];
                    let classes = source::classes(c, cols, &mut buf);
                    let targets = LeafTargets::Classes(classes);
                    crate::isa::run(isa, CategoricalLeaf::new(p, q, targets, v, sink))
                }
            })
        }
    }
}

/// A clamped problem's sums: the products of its weighted logarithms, two per entry, in one
/// scalar loop (the same on every path), and its divisor.
fn clamped(problem: &BinaryProblem<'_>) -> Compact {
    let mut terms = LargeAccumulator::new();
    for (w, l) in problem.weighted_logs() {
        terms.add(w * l);
    }
    let mut divisor = Accumulator::new();
    if problem.weights().any() {
        for j in 0..problem.samples() {
            divisor.add(problem.sample_weight(j));
        }
    } else {
        divisor.add(problem.samples() as f64);
    }
    Compact {
        terms: terms.to_accumulator(),
        divisor,
    }
}

/// `v·t`, and 0 for `v = 0` (even for `t = −∞`).
#[inline(always)]
fn weighed(v: f64, t: f64) -> f64 {
    if v == 0.0 { 0.0 } else { v * t }
}

/// The binary terms of samples `cols`.
struct BinaryLeaf<'p, 'a, 's, S> {
    problem: &'p BinaryProblem<'a>,
    cols: Range<usize>,
    /// The effective sample weights of the leaf, when the problem is weighted.
    v: Option<&'s [f64]>,
    sink: &'s mut S,
}

impl<S: Sink> Job for BinaryLeaf<'_, '_, '_, S> {
    type Output = ();

    /// Every path evaluates without fused multiply-adds: `FMA` is not used (see the module
    /// docs).
    #[inline(always)]
    fn run<const FMA: bool>(self) {
        let p = self.problem;
        let n = p.outputs();
        let pred = p.predictions();
        let logits = pred.is_logits();
        let range = self.cols.start * n..self.cols.end * n;
        let a = Entries::new(pred.array(), range.clone());
        let y = Entries::new(p.labels(), range.clone());
        let positive = p.weights().positive;
        let (mut pa, mut py) = ([1.0f64; SUB], [1.0f64; SUB]);
        let (mut pw, mut t) = ([1.0f64; SUB], [0.0f64; SUB]);
        for b in 0..range.len().div_ceil(SUB) {
            let count = SUB.min(range.len() - b * SUB);
            let ab = a.block(b * SUB, &mut pa, 1.0);
            let yb = y.block(b * SUB, &mut py, 1.0);
            if let Some(positive) = positive {
                for (e, w) in pw.iter_mut().enumerate().take(count) {
                    let row = (range.start + b * SUB + e) % n;
                    *w = xent_core::weights::entry(&positive, row);
                }
            }
            if logits {
                logit_terms(ab, yb, &pw, &mut t);
            } else {
                probability_terms(ab, yb, &pw, &mut t);
            }
            let t = &mut t[..count];
            if let Some(v) = self.v {
                let first = b * SUB;
                if n == 1 {
                    for (t, &v) in t.iter_mut().zip(&v[first..first + count]) {
                        *t = weighed(v, *t);
                    }
                } else {
                    for (e, t) in t.iter_mut().enumerate() {
                        *t = weighed(v[(first + e) / n], *t);
                    }
                }
            }
            self.sink.take(t);
        }
    }
}

/// `p·y·ln a + (1 − y)·ln(1 − a)`, masked: the definition of a binary term.
#[inline(always)]
fn probability_term(a: f64, y: f64, p: f64) -> f64 {
    let py = p * y;
    let pos = if py == 0.0 {
        0.0
    } else {
        py * ln_probability::<false>(a)
    };
    let neg = if y == 1.0 {
        0.0
    } else {
        (1.0 - y) * ln_1m::<false>(a)
    };
    pos + neg
}

/// [`probability_term`] of a sub-block, in chunks of [`LANES`]: a chunk of hard labels and
/// normal arguments takes one logarithm per entry, whose bits are those of the masked form
/// (the same reduction `s`, `k` and exact `f`; `ln a + 0` and `0 + ln(1 − a)`), so a term
/// does not depend on the chunk it falls in.
#[inline(always)]
fn probability_terms(a: &[f64; SUB], y: &[f64; SUB], p: &[f64; SUB], t: &mut [f64; SUB]) {
    let chunks = a
        .chunks_exact(LANES)
        .zip(y.chunks_exact(LANES))
        .zip(p.chunks_exact(LANES))
        .zip(t.chunks_exact_mut(LANES));
    for (((a, y), p), t) in chunks {
        let mut fast = true;
        let mut r = [0.0f64; LANES];
        for l in 0..LANES {
            let (a, y, p) = (a[l], y[l], p[l]);
            let one = y == 1.0;
            let v = if one { a } else { 1.0 - a };
            fast &= (one || y == 0.0) && v >= f64::MIN_POSITIVE;
            let (s, dk) = split(if v >= f64::MIN_POSITIVE { v } else { 1.0 });
            let sa = s * a;
            let f = if one { sa - 1.0 } else { (s - 1.0) - sa };
            let ln = ln_reduced::<false>(dk, f);
            let w = if !one {
                ln
            } else if p == 0.0 {
                0.0
            } else {
                p * ln
            };
            r[l] = w + 0.0;
        }
        if fast {
            t.copy_from_slice(&r);
            continue;
        }
        for l in 0..LANES {
            t[l] = probability_term(a[l], y[l], p[l]);
        }
    }
}

/// The binary terms of a sub-block of logits: `−(p·y·(σ + max(−z, 0)) + (1 − y)·(σ +
/// max(z, 0)))`, `σ = ln_1p(e^−|z|)`, masked; `−∞` for a logit `−∞` under a positive label.
#[inline(always)]
fn logit_terms(z: &[f64; SUB], y: &[f64; SUB], p: &[f64; SUB], t: &mut [f64; SUB]) {
    for (((&z, &y), &p), t) in z.iter().zip(y).zip(p).zip(t.iter_mut()) {
        let soft = ln_1p::<false>(exp_nonpositive::<false>(-z.abs()));
        let py = p * y;
        let pos = if py == 0.0 {
            0.0
        } else {
            py * (soft + (-z).max(0.0))
        };
        let neg = if y == 1.0 {
            0.0
        } else {
            (1.0 - y) * (soft + z.max(0.0))
        };
        *t = -(pos + neg);
    }
}

/// The targets of a categorical leaf.
#[derive(Clone, Copy)]
enum LeafTargets<'a> {
    Classes(&'a [usize]),
    Dense(&'a [f64]),
}

/// The categorical terms of a leaf of whole columns.
struct CategoricalLeaf<'p, 'a, 'd, 's, S> {
    problem: &'p CategoricalProblem<'a>,
    /// The leaf's predictions (or logits), column-major, `k` per sample.
    q: &'d [f64],
    targets: LeafTargets<'d>,
    v: Option<&'s [f64]>,
    sink: &'s mut S,
}

impl<'p, 'a, 'd, 's, S> CategoricalLeaf<'p, 'a, 'd, 's, S> {
    fn new(
        problem: &'p CategoricalProblem<'a>,
        q: &'d [f64],
        targets: LeafTargets<'d>,
        v: Option<&'s [f64]>,
        sink: &'s mut S,
    ) -> Self {
        CategoricalLeaf {
            problem,
            q,
            targets,
            v,
            sink,
        }
    }
}

/// Entries `(x, w, v)` gathered to take `v·(w·ln x)` in one vectorised loop.
struct Logs<'s, S> {
    x: [f64; GATHER],
    w: [f64; GATHER],
    v: [f64; GATHER],
    n: usize,
    sink: &'s mut S,
}

impl<'s, S: Sink> Logs<'s, S> {
    fn new(sink: &'s mut S) -> Self {
        Logs {
            x: [1.0; GATHER],
            w: [1.0; GATHER],
            v: [1.0; GATHER],
            n: 0,
            sink,
        }
    }

    #[inline(always)]
    fn push(&mut self, x: f64, w: f64, v: f64) {
        self.x[self.n] = x;
        self.w[self.n] = w;
        self.v[self.n] = v;
        self.n += 1;
        if self.n == GATHER {
            self.flush();
        }
    }

    #[inline(always)]
    fn flush(&mut self) {
        let mut t = [0.0f64; GATHER];
        for (((t, &x), &w), &v) in t.iter_mut().zip(&self.x).zip(&self.w).zip(&self.v) {
            *t = weighed(v, w * ln_probability::<false>(x));
        }
        self.sink.take(&t[..self.n]);
        self.n = 0;
    }

    /// Sends the terms straight through (terms already computed).
    #[inline(always)]
    fn term(&mut self, t: f64) {
        self.sink.take(&[t]);
    }
}

impl<S: Sink> Job for CategoricalLeaf<'_, '_, '_, '_, S> {
    type Output = ();

    /// Every path evaluates without fused multiply-adds: `FMA` is not used (see the module
    /// docs).
    #[inline(always)]
    fn run<const FMA: bool>(self) {
        let p = self.problem;
        let k = p.classes_count().max(1);
        let weights: &Weights<'_> = p.weights();
        let class_weight = |r: usize| weights.class.map(|_| weights.class_weight(r));
        let logits = p.predictions().is_logits();
        let mut logs = Logs::new(self.sink);
        for (jj, col) in self.q.chunks_exact(k).enumerate() {
            let v = self.v.map_or(1.0, |v| v[jj]);
            if v == 0.0 {
                continue;
            }
            let normaliser = logits.then(|| log_normaliser::<false, true>(col));
            // The weight of ln Q_rj: c_r·P_rj (1 or P_rj without class weights).
            let mut each = |r: usize, target: Option<f64>| {
                let x = col.get(r).copied().unwrap_or(1.0);
                let w = match (class_weight(r), target) {
                    (None, None) => 1.0,
                    (None, Some(t)) => t,
                    (Some(c), None) => c,
                    (Some(c), Some(t)) => c * t,
                };
                if w == 0.0 {
                    return;
                }
                let Some((max, l)) = normaliser else {
                    logs.push(x, w, v);
                    return;
                };
                let ln = (x - max) - l;
                if ln == f64::NEG_INFINITY && x.is_finite() {
                    // A difference beyond f64: twice the term of the halved logits.
                    let half = weighed(v, w * ((x * 0.5 - max * 0.5) - l * 0.5));
                    logs.term(half);
                    logs.term(half);
                } else {
                    logs.term(weighed(v, w * ln));
                }
            };
            match self.targets {
                LeafTargets::Classes(classes) => each(classes.get(jj).copied().unwrap_or(0), None),
                LeafTargets::Dense(t) => {
                    for (r, &target) in t[jj * k..(jj + 1) * k].iter().enumerate() {
                        if target != 0.0 {
                            each(r, Some(target));
                        }
                    }
                }
            }
        }
        logs.flush();
    }
}

/// Every term of `problem` on `isa`, in canonical order (the tests compare them).
#[cfg(test)]
pub(crate) fn terms_on(isa: Isa, problem: &Problem<'_>) -> Vec<f64> {
    let mut out = Vec::new();
    add_all(isa, problem, &mut out, &mut Accumulator::new());
    out
}

#[cfg(test)]
mod tests;
