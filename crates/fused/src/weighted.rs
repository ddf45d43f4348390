//! Weighted and masked problems, and per-sample losses, in one pass.
//!
//! A problem with weights (see `xent_core::weights`) sums `Σ_j v_j·s_j`, where `s_j` is
//! sample `j`'s log-likelihood (binary: `Σ_i p_i·y_ij·ln a_ij + (1 − y_ij)·ln(1 − a_ij)`;
//! categorical: `Σ_r c_r·P_rj·ln Q_rj`) and `v_j` its effective weight, and beside it the
//! divisor `W = Σ_j v_j·c̄_j`: the inputs, the weights and the mask are read once, together.
//! The same leaves give the per-sample losses `v_j·l_j = −v_j·s_j` of the reduction `none`.
//!
//! Leaves are runs of whole samples (about 8192 entries, fixed by the shape), combined along
//! the crate's fixed tree, so the bits do not depend on the threads; every operand is read in
//! canonical order through [`crate::source`], so they do not depend on dtype or memory order
//! either.
//!
//! - **Binary, probabilities, the sum** (`mean` and `sum`): the unweighted kernels' own leaf
//!   ([`ProbLeaf`]: the selection stage into L1 buffers, one logarithm per entry for hard
//!   labels, the exponents summed apart and multiplied by `ln 2` once per leaf, the next
//!   sub-block prefetched), with each entry weighted ([`EntryWeights`]): `c₀ = v_j` on
//!   `ln(1 − a_ij)` and `c₁ = v_j·p_i` on `ln a_ij`. Hard labels add `c·(k·ln 2 + ln(1 + f))`
//!   (one logarithm, one rounded product) to the Kahan lanes; a weight 0 masks even a zero
//!   probability (`0·ln 0 = 0`). So a sample of weight 0 adds 0, even a confident wrong one.
//!   With one output per sample the weights are read in place ([`SampleWeights`]: borrowed
//!   when `f64`, no copy of the leaf's), `W` summed as they are read.
//! - **Logits, and the per-sample losses** (`none`): per sub-block the terms (for hard
//!   labels and normal arguments one logarithm per entry, `ln a` or `ln(1 − a)`, its
//!   argument reduced exactly; otherwise both, masked), a sample's terms summed in order,
//!   times `v_j`, into Kahan lanes; with one output per sample, weighted in vectorised
//!   chunks.
//! - **Categorical**: per sample, `v_j` times the sample's weighted log-probabilities.
//!
//! `W` is summed into other Kahan lanes. A leaf whose finite terms overflow is summed again
//! with every term (binary probabilities: every weight) divided by `2^OVERFLOW_SCALE`, as the
//! unweighted kernels do.

use std::cell::Cell;
use std::ops::Range;

use xent_core::formulation::OVERFLOW_SCALE;
use xent_core::{Array, BinaryProblem, CategoricalProblem, Evaluation, Problem, Targets, Weights};

use crate::accumulate::{Combine, Dd, LANES, Lanes, Partial, tree};
use crate::binary::{LEAF, ProbLeaf, SUB, Weighing, masked_term};
use crate::isa::{Isa, Job};
use crate::math::{exp_nonpositive, ln_1p, ln_probability, ln_reduced, split};
use crate::source::{self, Entries};

/// `2^−OVERFLOW_SCALE`.
const OVERFLOW_FACTOR: f64 = f64::from_bits(((1023 - OVERFLOW_SCALE) as u64) << 52);

/// A leaf's weighted sum and its share of the divisor.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Weighted {
    partial: Partial,
    weight: Dd,
}

impl Combine for Weighted {
    fn combine(self, other: Self) -> Self {
        Weighted {
            partial: self.partial.combine(other.partial),
            weight: self.weight.add(other.weight),
        }
    }
}

/// Samples per leaf for `n` entries per sample.
fn samples_per_leaf(n: usize) -> usize {
    (LEAF / n.max(1)).max(1)
}

/// The weighted evaluation of `problem` on `isa`: `S = Σ v_j·s_j` and `W`.
pub(crate) fn evaluate(isa: Isa, problem: &Problem<'_>) -> Evaluation {
    let (m, per) = (problem.samples(), samples_per_leaf(problem.outputs()));
    let total = tree(m.div_ceil(per), &|i| {
        let cols = i * per..m.min((i + 1) * per);
        let plain = leaf(isa, problem, cols.clone(), 1.0, None);
        if plain.partial.neg_inf || plain.partial.sum.hi.is_finite() {
            return plain;
        }
        // Finite terms whose sum overflowed: again, each divided by 2^64.
        let scaled = leaf(isa, problem, cols, OVERFLOW_FACTOR, None);
        Weighted {
            partial: Partial {
                scaled: true,
                ..scaled.partial
            },
            weight: plain.weight,
        }
    });
    let (log_likelihood, scale) = total.partial.value();
    Evaluation {
        log_likelihood,
        scale,
        ..Evaluation::new(0.0, m, xent_core::ReducedShape::Scalar)
    }
    .with_weight(total.weight.value())
}

/// The per-sample losses `v_j·l_j` of `problem` on `isa`, one per sample in order (`0` for a
/// sample of weight 0; `+∞` for a confident wrong prediction, or a product beyond `f64`).
pub(crate) fn per_sample(isa: Isa, problem: &Problem<'_>) -> Vec<f64> {
    let (m, per) = (problem.samples(), samples_per_leaf(problem.outputs()));
    let mut out = vec![0.0; m];
    rayon::scope(|scope| {
        for (i, chunk) in out.chunks_mut(per).enumerate() {
            scope.spawn(move |_| {
                let cols = i * per..i * per + chunk.len();
                leaf(isa, problem, cols, 1.0, Some(chunk));
            });
        }
    });
    out
}

/// One leaf of samples `cols`, every term times `factor`, the per-sample losses (at factor
/// 1) into `out` when given.
fn leaf(
    isa: Isa,
    problem: &Problem<'_>,
    cols: Range<usize>,
    factor: f64,
    out: Option<&mut [f64]>,
) -> Weighted {
    // The samples' weights as a slice, for the kernels that read them a sample at a time
    // (several entries per sample, categorical); one output per sample reads them in place.
    let mut buffer = [0.0f64; LEAF];
    let in_place = matches!(problem, Problem::Binary(p) if p.outputs() == 1);
    let v = if in_place {
        &mut buffer[..0]
    } else {
        let v = &mut buffer[..cols.len()];
        sample_weights(problem, cols.clone(), v);
        v
    };
    let v: &[f64] = v;
    match problem {
        Problem::Binary(p) if out.is_none() && !p.predictions().is_logits() => {
            let leaf = ProbSum {
                problem: p,
                whole: problem,
                cols,
                v,
                factor,
            };
            crate::isa::run(isa, leaf)
        }
        Problem::Binary(p) => crate::isa::run(
            isa,
            BinaryLeaf {
                problem: p,
                whole: problem,
                cols,
                v,
                factor,
                out,
            },
        ),
        Problem::Categorical(p) => {
            let pred = p.predictions();
            source::with_columns(isa, pred.array(), cols.clone(), |q| match p.targets() {
                Targets::Dense(t) => source::with_columns(isa, t, cols.clone(), |t| {
                    let leaf = CategoricalLeaf {
                        problem: p,
                        cols,
                        q,
                        dense: Some(t),
                        v,
                        factor,
                        out,
                    };
                    crate::isa::run(isa, leaf)
                }),
                Targets::Classes(_) => {
                    let leaf = CategoricalLeaf {
                        problem: p,
                        cols,
                        q,
                        dense: None,
                        v,
                        factor,
                        out,
                    };
                    crate::isa::run(isa, leaf)
                }
            })
        }
    }
}

/// The effective weights `v_j = w_j·μ_j` of a run of samples (the ignored class aside),
/// read in place: a sub-block of [`SUB`] at a time through [`Entries`] (any dtype), borrowed
/// from `f64` sample weights without a mask, otherwise computed into the caller's buffer.
#[derive(Clone, Copy)]
pub(crate) struct SampleWeights<'a> {
    sample: Option<Entries<'a>>,
    mask: Option<Entries<'a>>,
    len: usize,
}

impl<'a> SampleWeights<'a> {
    /// The weights of samples `cols` of `problem`.
    pub(crate) fn new(problem: &Problem<'a>, cols: Range<usize>) -> Self {
        let weights: &Weights<'a> = problem.weights();
        SampleWeights {
            sample: weights.sample.map(|w| Entries::new(w, cols.clone())),
            mask: weights.mask.map(|m| Entries::new(m, cols.clone())),
            len: cols.len(),
        }
    }

    /// `v` of samples `at .. at + SUB` of the run (`at < len`), `0` past its end.
    #[inline(always)]
    pub(crate) fn block<'s>(&'s self, at: usize, buf: &'s mut [f64; SUB]) -> &'s [f64; SUB] {
        let Some(mask) = &self.mask else {
            if let Some(w) = &self.sample {
                return w.block(at, buf, 0.0);
            }
            let count = SUB.min(self.len - at);
            buf[..count].fill(1.0);
            buf[count..].fill(0.0);
            return buf;
        };
        let (mut wb, mut mb) = ([0.0f64; SUB], [0.0f64; SUB]);
        let mu = mask.block(at, &mut mb, 0.0);
        match &self.sample {
            Some(w) => {
                let w = w.block(at, &mut wb, 0.0);
                for ((v, &w), &mu) in buf.iter_mut().zip(w).zip(mu) {
                    *v = if mu == 0.0 { 0.0 } else { w };
                }
            }
            None => {
                for (v, &mu) in buf.iter_mut().zip(mu) {
                    *v = if mu == 0.0 { 0.0 } else { 1.0 };
                }
            }
        }
        buf
    }
}

/// `v[j] = v_{cols.start + j}` ([`SampleWeights`]), the ignored class applied per sample.
pub(crate) fn sample_weights(problem: &Problem<'_>, cols: Range<usize>, v: &mut [f64]) {
    let reader = SampleWeights::new(problem, cols.clone());
    let mut buf = [0.0f64; SUB];
    for (b, chunk) in v.chunks_mut(SUB).enumerate() {
        let block = reader.block(b * SUB, &mut buf);
        chunk.copy_from_slice(&block[..chunk.len()]);
    }
    if let Problem::Categorical(p) = problem
        && problem.weights().ignore_index.is_some()
    {
        for (j, v) in cols.zip(v.iter_mut()) {
            if p.is_ignored(j) {
                *v = 0.0;
            }
        }
    }
}

/// Adds sample `j`'s weighted log-likelihood `v·s` to the lanes, its loss to `out`: a
/// sample of weight 0 adds 0; a term `−∞` (a positive weight on a zero probability) is
/// recorded, not added.
#[inline(always)]
fn add_sample(lanes: &mut Lanes, neg_inf: &mut bool, j: usize, v: f64, s: f64) -> f64 {
    let t = if v == 0.0 { 0.0 } else { v * s };
    if s == f64::NEG_INFINITY && v != 0.0 {
        *neg_inf = true;
    } else {
        lanes.add(j % LANES, t);
    }
    0.0 - t
}

/// The weighted sum of a leaf of a binary problem given as probabilities: the unweighted
/// kernels' leaf ([`ProbLeaf`]: one logarithm per entry for hard labels, the exponents summed
/// apart) with each entry's term weighted ([`EntryWeights`]).
struct ProbSum<'p, 'a, 'o> {
    problem: &'p BinaryProblem<'a>,
    whole: &'p Problem<'a>,
    cols: Range<usize>,
    /// The samples' weights, when more than one entry per sample (else read in place).
    v: &'o [f64],
    factor: f64,
}

impl Job for ProbSum<'_, '_, '_> {
    type Output = Weighted;

    #[inline(always)]
    fn run<const FMA: bool>(self) -> Weighted {
        let p = self.problem;
        let n = p.outputs();
        let range = self.cols.start * n..self.cols.end * n;
        let total = Cell::new(Lanes::ZERO);
        let leaf = ProbLeaf::<_, false> {
            a: Entries::new(p.predictions().array(), range.clone()),
            y: Entries::new(p.labels(), range.clone()),
            w: EntryWeights {
                samples: SampleWeights::new(self.whole, self.cols.clone()),
                total: &total,
                v: self.v,
                n,
                entries: range.len(),
                positive: p.weights().positive,
                factor: self.factor,
            },
        };
        let partial = leaf.run::<FMA>().partial;
        Weighted {
            partial,
            weight: if n == 1 {
                total.get().total()
            } else {
                sample_weight_total(self.v)
            },
        }
    }
}

/// The weights of a leaf's entries: `c₀ = v_j·factor` (of `ln(1 − a_ij)`) and
/// `c₁ = c₀·p_i` (of `ln a_ij`), for the leaf's samples' effective weights `v_j`: with one
/// output per sample read in place (`Σ v_j` added to `total` as they are read), otherwise
/// from the slice `v`.
struct EntryWeights<'v, 'a> {
    samples: SampleWeights<'a>,
    total: &'v Cell<Lanes>,
    v: &'v [f64],
    /// Outputs per sample, and entries in the leaf.
    n: usize,
    entries: usize,
    positive: Option<Array<'a>>,
    factor: f64,
}

impl EntryWeights<'_, '_> {
    /// Adds a sub-block of sample weights to `total`.
    #[inline(always)]
    fn add_total(&self, v: &[f64; SUB]) {
        let mut lanes = self.total.get();
        for c in v.chunks_exact(LANES) {
            if let Ok(c) = <&[f64; LANES]>::try_from(c) {
                lanes.add_all(c);
            }
        }
        self.total.set(lanes);
    }
}

impl Weighing for EntryWeights<'_, '_> {
    const WEIGHTED: bool = true;

    #[inline(always)]
    fn block<'s>(
        &'s self,
        at: usize,
        c1: &'s mut [f64; SUB],
        c0: &'s mut [f64; SUB],
    ) -> (&'s [f64; SUB], &'s [f64; SUB]) {
        let count = SUB.min(self.entries - at);
        let (n, f) = (self.n, self.factor);
        if n == 1 {
            if self.positive.is_none() && f == 1.0 {
                let v = self.samples.block(at, c0);
                self.add_total(v);
                return (v, v);
            }
            let mut vb = [0.0f64; SUB];
            let v = self.samples.block(at, &mut vb);
            self.add_total(v);
            for (c, &v) in c0.iter_mut().zip(v) {
                *c = v * f;
            }
        } else {
            let (mut j, mut i) = (at / n, at % n);
            for c in &mut c0[..count] {
                *c = self.v[j] * f;
                i += 1;
                if i == n {
                    (i, j) = (0, j + 1);
                }
            }
            c0[count..].fill(0.0);
        }
        let c0: &'s [f64; SUB] = c0;
        let Some(positive) = self.positive else {
            return (c0, c0);
        };
        if n == 1 {
            let p = xent_core::weights::entry(&positive, 0);
            for (c1, &c0) in c1.iter_mut().zip(c0) {
                *c1 = c0 * p;
            }
        } else {
            for (e, (c1, &c0)) in c1.iter_mut().zip(c0).enumerate() {
                *c1 = c0 * xent_core::weights::entry(&positive, (at + e) % n);
            }
        }
        (c1, c0)
    }
}

struct BinaryLeaf<'p, 'a, 'o> {
    problem: &'p BinaryProblem<'a>,
    whole: &'p Problem<'a>,
    cols: Range<usize>,
    /// The samples' weights, when more than one entry per sample (else read in place).
    v: &'o [f64],
    factor: f64,
    out: Option<&'o mut [f64]>,
}

impl Job for BinaryLeaf<'_, '_, '_> {
    type Output = Weighted;

    #[inline(always)]
    fn run<const FMA: bool>(mut self) -> Weighted {
        let p = self.problem;
        let n = p.outputs();
        let pred = p.predictions();
        let logits = pred.is_logits();
        let range = self.cols.start * n..self.cols.end * n;
        let a = Entries::new(pred.array(), range.clone());
        let y = Entries::new(p.labels(), range.clone());
        let samples = SampleWeights::new(self.whole, self.cols.clone());
        let positive = p.weights().positive;
        let (mut lanes, mut neg_inf) = (Lanes::ZERO, false);
        let mut total = Lanes::ZERO;
        let (mut pa, mut py, mut pv, mut t) =
            ([1.0f64; SUB], [1.0f64; SUB], [0.0; SUB], [0.0; SUB]);
        let mut pw = [1.0f64; SUB];
        if let Some(positive) = positive
            && n == 1
        {
            pw.fill(xent_core::weights::entry(&positive, 0));
        }
        // The running sum of the current sample's terms, and its index in the leaf.
        let (mut acc, mut e_in_sample, mut jj) = (0.0f64, 0usize, 0usize);
        for b in 0..range.len().div_ceil(SUB) {
            let count = SUB.min(range.len() - b * SUB);
            let ab = a.block(b * SUB, &mut pa, 1.0);
            let yb = y.block(b * SUB, &mut py, 1.0);
            if let Some(positive) = positive
                && n > 1
            {
                for (e, w) in pw.iter_mut().enumerate().take(count) {
                    let row = (range.start + b * SUB + e) % n;
                    *w = xent_core::weights::entry(&positive, row);
                }
            }
            terms::<FMA>(ab, yb, &pw, logits, self.factor, &mut t);
            if n == 1 {
                // One entry per sample: weighted in vectorised chunks, the weights read in
                // place (0 past the leaf's end).
                let v = samples.block(b * SUB, &mut pv);
                for c in v.chunks_exact(LANES) {
                    if let Ok(c) = <&[f64; LANES]>::try_from(c) {
                        total.add_all(c);
                    }
                }
                let out = self
                    .out
                    .as_deref_mut()
                    .map(|o| &mut o[b * SUB..b * SUB + count]);
                weigh_block::<FMA>(v, &t, &mut lanes, &mut neg_inf, out);
                continue;
            }
            for &term in &t[..count] {
                acc += term;
                e_in_sample += 1;
                if e_in_sample == n {
                    let j = self.cols.start + jj;
                    let loss = add_sample(&mut lanes, &mut neg_inf, j, self.v[jj], acc);
                    if let Some(out) = self.out.as_deref_mut() {
                        out[jj] = loss;
                    }
                    (acc, e_in_sample, jj) = (0.0, 0, jj + 1);
                }
            }
        }
        Weighted {
            partial: Partial::of(lanes.total(), neg_inf),
            weight: if n == 1 {
                total.total()
            } else {
                sample_weight_total(self.v)
            },
        }
    }
}

/// Adds `v_j·s_j` of a block of samples (one term each, `t`; `v_j = 0` past the leaf's end)
/// to the lanes in chunks of [`LANES`], and their losses to `out`: a sample of weight 0 adds
/// 0, a term `−∞` under a positive weight is recorded and adds 0.
#[inline(always)]
fn weigh_block<const FMA: bool>(
    v: &[f64; SUB],
    t: &[f64; SUB],
    lanes: &mut Lanes,
    neg_inf: &mut bool,
    out: Option<&mut [f64]>,
) {
    let mut wt = [0.0f64; SUB];
    let mut inf = [0.0f64; LANES];
    for ((w, v), t) in wt
        .chunks_exact_mut(LANES)
        .zip(v.chunks_exact(LANES))
        .zip(t.chunks_exact(LANES))
    {
        let mut add = [0.0f64; LANES];
        for l in 0..LANES {
            let p = if v[l] == 0.0 { 0.0 } else { v[l] * t[l] };
            w[l] = p;
            let is_inf = t[l] == f64::NEG_INFINITY && v[l] != 0.0;
            inf[l] = if is_inf { 1.0 } else { inf[l] };
            add[l] = if is_inf { 0.0 } else { p };
        }
        lanes.add_all(&add);
    }
    *neg_inf |= inf.iter().any(|&i| i != 0.0);
    if let Some(out) = out {
        for (o, &w) in out.iter_mut().zip(&wt) {
            *o = 0.0 - w;
        }
    }
}

/// `Σ_j v_j` of a leaf, in Kahan lanes, vectorised.
#[inline(always)]
fn sample_weight_total(v: &[f64]) -> Dd {
    let mut lanes = Lanes::ZERO;
    let mut chunks = v.chunks_exact(LANES);
    for c in &mut chunks {
        if let Ok(c) = <&[f64; LANES]>::try_from(c) {
            lanes.add_all(c);
        }
    }
    let rest = chunks.remainder();
    let mut last = [0.0f64; LANES];
    last[..rest.len()].copy_from_slice(rest);
    lanes.add_all(&last);
    lanes.total()
}

/// `Σ_j v_j·c̄_j` of a leaf, in Kahan lanes.
#[inline(always)]
fn weight_total(v: &[f64], class_weight: impl Fn(usize) -> f64) -> Dd {
    let mut lanes = Lanes::ZERO;
    for (jj, &v) in v.iter().enumerate() {
        if v != 0.0 {
            lanes.add(jj % LANES, v * class_weight(jj));
        }
    }
    lanes.total()
}

/// The binary terms `p·y·ln a + (1 − y)·ln(1 − a)` of a sub-block (from logits,
/// `−[p·y·softplus(−z) + (1 − y)·softplus(z)]`), each times `factor`, into `t`.
#[inline(always)]
fn terms<const FMA: bool>(
    a: &[f64; SUB],
    y: &[f64; SUB],
    pw: &[f64; SUB],
    logits: bool,
    factor: f64,
    t: &mut [f64; SUB],
) {
    let chunks = a
        .chunks_exact(LANES)
        .zip(y.chunks_exact(LANES))
        .zip(pw.chunks_exact(LANES))
        .zip(t.chunks_exact_mut(LANES));
    for (((a, y), pw), t) in chunks {
        if logits {
            for l in 0..LANES {
                let (z, y, p) = (a[l], y[l], pw[l]);
                let soft = ln_1p::<FMA>(exp_nonpositive::<FMA>(-z.abs()));
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
                t[l] = -(pos + neg) * factor;
            }
            continue;
        }
        // One logarithm per entry when every label is 0 or 1 and every argument normal.
        let mut fast = true;
        let mut r = [0.0f64; LANES];
        for l in 0..LANES {
            let (a, y) = (a[l], y[l]);
            let one = y == 1.0;
            let v = if one { a } else { 1.0 - a };
            fast &= (y == 0.0 || one) && v >= f64::MIN_POSITIVE;
            let (s, dk) = split(if v >= f64::MIN_POSITIVE { v } else { 1.0 });
            let sa = s * a;
            let f = if one { sa - 1.0 } else { (s - 1.0) - sa };
            let ln = ln_reduced::<FMA>(dk, f);
            r[l] = if one { pw[l] * ln } else { ln };
        }
        if fast {
            for l in 0..LANES {
                t[l] = r[l] * factor;
            }
            continue;
        }
        for l in 0..LANES {
            let (a, y, p) = (a[l], y[l], pw[l]);
            t[l] = masked_term::<FMA>(a, p * y, 1.0 - y) * factor;
        }
    }
}

struct CategoricalLeaf<'p, 'a, 'd, 'o> {
    problem: &'p CategoricalProblem<'a>,
    cols: Range<usize>,
    /// The leaf's predictions (or logits), column-major, `k` per sample.
    q: &'d [f64],
    /// The leaf's dense targets, column-major, when the targets are dense.
    dense: Option<&'d [f64]>,
    v: &'o [f64],
    factor: f64,
    out: Option<&'o mut [f64]>,
}

impl Job for CategoricalLeaf<'_, '_, '_, '_> {
    type Output = Weighted;

    #[inline(always)]
    fn run<const FMA: bool>(mut self) -> Weighted {
        let p = self.problem;
        let k = p.classes_count();
        let weights = p.weights();
        let logits = p.predictions().is_logits();
        let (mut lanes, mut neg_inf) = (Lanes::ZERO, false);
        for (jj, j) in self.cols.clone().enumerate() {
            let v = self.v[jj];
            if v == 0.0 {
                if let Some(out) = self.out.as_deref_mut() {
                    out[jj] = 0.0;
                }
                continue;
            }
            let column = &self.q[jj * k..(jj + 1) * k];
            let shift = logits.then(|| log_sum_exp::<FMA>(column));
            let f = self.factor;
            // From logits `(z_r − z*) − L`, both parts ≤ 0 (no cancellation); scaled, each
            // logit times the factor first, so that the difference does not overflow.
            let ln_q = |r: usize| match shift {
                None => ln_probability::<FMA>(column[r]) * f,
                Some((max, l)) if f == 1.0 => (column[r] - max) - l,
                Some((max, l)) => (column[r] * f - max * f) - l * f,
            };
            let s = match self.dense {
                None => p
                    .class_of(j)
                    .map_or(0.0, |r| weights.class_weight(r) * ln_q(r)),
                Some(t) => {
                    let mut s = 0.0;
                    for (r, &target) in t[jj * k..(jj + 1) * k].iter().enumerate() {
                        let w = weights.class_weight(r) * target;
                        if w != 0.0 {
                            s += w * ln_q(r);
                        }
                    }
                    s
                }
            };
            let loss = add_sample(&mut lanes, &mut neg_inf, j, v, s);
            if let Some(out) = self.out.as_deref_mut() {
                out[jj] = loss;
            }
        }
        let first = self.cols.start;
        Weighted {
            partial: Partial::of(lanes.total(), neg_inf),
            weight: weight_total(self.v, |jj| p.target_class_weight(first + jj)),
        }
    }
}

/// The maximum `z*` of a column (its first position `i*`) and `L = ln_1p(Σ_{i≠i*}
/// e^{z_i − z*})`, so that `logsumexp(z) = z* + L`: `ln_1p` keeps a confident column's
/// digits. A difference `z_i − z*` that overflows is `−∞`, whose exponential is the right 0.
#[inline(always)]
fn log_sum_exp<const FMA: bool>(z: &[f64]) -> (f64, f64) {
    let (mut star, mut max) = (0, f64::NEG_INFINITY);
    for (i, &x) in z.iter().enumerate() {
        if x > max {
            (star, max) = (i, x);
        }
    }
    let mut rest = 0.0;
    for (i, &x) in z.iter().enumerate() {
        if i != star {
            rest += exp_nonpositive::<FMA>(x - max);
        }
    }
    (max, ln_1p::<FMA>(rest))
}

/// Whether `problem` takes the weighted path: it has weights, a mask or an ignored index.
pub(crate) fn applies(problem: &Problem<'_>) -> bool {
    problem.is_weighted()
}
