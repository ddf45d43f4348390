//! Binary cross-entropy in one pass: `S = Σ y·ln a + (1 − y)·ln(1 − a)`.
//!
//! The input is cut into leaves of [`LEAF`] entries (the last one shorter), and each leaf into
//! sub-blocks of [`SUB`] entries (the last one padded with `(a, y) = (1, 1)`, which adds
//! `ln 1 = 0`). Each sub-block goes to one of three kernels, the first two in two vectorised
//! stages (selection into L1 buffers, then logarithms into the compensated lanes):
//!
//! - the **hard-label kernel**: one logarithm per entry, `ln a` where `y = 1` and `ln(1 − a)`
//!   where `y = 0`, selected branch-free with `f` exact; it flags labels that are not 0 or 1
//!   and arguments that are 0 or subnormal;
//! - the **soft-label kernel**: both logarithms, `y·ln a + (1 − y)·ln(1 − a)`; after a soft
//!   sub-block, the next one starts here, until one is all hard again (a choice made by the
//!   data alone, so the bits stay the same on any number of threads);
//! - the **general kernel**, for sub-blocks with a probability 0, 1 or subnormal under a
//!   logarithm: masked weights (`0·ln 0 = 0`), `−∞` recorded.
//!
//! When checking inputs, the same loops also flag entries outside `[0, 1]` or not finite.

use crate::accumulate::{Dd, LANES, Lanes, Partial};
use crate::isa::Job;
use crate::math::{
    biased_to_f64, exp_nonpositive, ln_1m, ln_1p, ln_1p_reduced, ln_probability, mul_add,
    split_biased, times_ln2, with_exponent,
};
use crate::source::Entries;
use xent_core::formulation::OVERFLOW_SCALE;

/// Entries per sub-block: 4 KiB of each input, so a redo reads from L1.
pub(crate) const SUB: usize = 256;
/// Entries per leaf, the unit of parallel work and of the reduction tree.
pub(crate) const LEAF: usize = 8192;

/// What a leaf returns: its partial sum, and (when checking) whether it saw an invalid entry.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LeafResult {
    pub(crate) partial: Partial,
    pub(crate) invalid: bool,
}

/// Leaf `range` (entries in canonical order) of a binary problem, on `isa`: probabilities
/// `pred` or logits, and labels, of any dtype and memory order.
#[inline]
pub(crate) fn leaf<const CHECK: bool>(
    isa: crate::Isa,
    pred: xent_core::Array<'_>,
    labels: xent_core::Array<'_>,
    logits: bool,
    range: std::ops::Range<usize>,
) -> LeafResult {
    let a = Entries::new(pred, range.clone());
    let y = Entries::new(labels, range);
    if logits {
        crate::isa::run(isa, LogitLeaf::<CHECK> { z: a, y })
    } else {
        crate::isa::run(
            isa,
            ProbLeaf::<_, CHECK> {
                a,
                y,
                w: Unweighted,
            },
        )
    }
}

/// One leaf of a binary problem given as probabilities, its terms weighted by `w`.
pub(crate) struct ProbLeaf<'a, W, const CHECK: bool> {
    pub(crate) a: Entries<'a>,
    pub(crate) y: Entries<'a>,
    pub(crate) w: W,
}

/// How the kernels weigh a leaf's entries: not at all (the unweighted sum, whose exponents
/// the hard-label kernel sums exactly as integers), or each term `ln a` by a weight `c₁` and
/// each `ln(1 − a)` by `c₀`, read a sub-block at a time (the weighted kernels': see
/// `crate::weighted`). Weighted, entry `e` adds `c₁·y·ln a + c₀·(1 − y)·ln(1 − a)`, a
/// weight 0 masking even an infinite logarithm; the hard-label kernel adds per entry the
/// weight times the whole logarithm `k·ln 2 + ln(1 + f)` (one rounded product, like the
/// soft and general kernels' terms) to the compensated lanes.
pub(crate) trait Weighing {
    /// Whether the entries are weighted (the buffers below are read).
    const WEIGHTED: bool;

    /// The weights `(c₁, c₀)` of entries `at .. at + SUB` of the leaf (past its end: any
    /// finite value, as the padding adds `ln 1 = 0`), in `c1` and `c0` or borrowed.
    fn block<'s>(
        &'s self,
        at: usize,
        c1: &'s mut [f64; SUB],
        c0: &'s mut [f64; SUB],
    ) -> (&'s [f64; SUB], &'s [f64; SUB]);
}

/// No weights.
pub(crate) struct Unweighted;

impl Weighing for Unweighted {
    const WEIGHTED: bool = false;

    #[inline(always)]
    fn block<'s>(
        &'s self,
        _: usize,
        c1: &'s mut [f64; SUB],
        c0: &'s mut [f64; SUB],
    ) -> (&'s [f64; SUB], &'s [f64; SUB]) {
        (c1, c0)
    }
}

/// The weights of one sub-block: `(c₁, c₀)` per entry, unread when not [`Weighing::WEIGHTED`].
#[derive(Clone, Copy)]
struct Weights<'w> {
    c1: &'w [f64; SUB],
    c0: &'w [f64; SUB],
}

/// The exponent parts of a leaf, summed apart from the logarithms' `ln(1 + f)`.
struct Exponents {
    /// Σ (k + 1023) over the entries the unweighted hard kernel took, and how many those were.
    biased: [u64; LANES],
    hard_entries: u64,
    /// Compensated: the soft kernel's `Σ (c₁·y·k₁ + c₀·(1 − y)·k₀)` (weighted or not).
    lanes: Lanes,
}

impl Exponents {
    /// Their sum times `ln 2`, as a double-double.
    fn times_ln2(&self) -> Dd {
        let k = self.biased.iter().fold(0u64, |s, &b| s.wrapping_add(b)) as i64
            - 1023 * self.hard_entries as i64;
        let total = self.lanes.total().add(Dd {
            hi: k as f64,
            lo: 0.0,
        });
        let (hi, lo) = times_ln2(total.hi, total.lo);
        Dd { hi, lo }
    }
}

const INVALID: LeafResult = LeafResult {
    partial: Partial {
        sum: crate::accumulate::Dd { hi: 0.0, lo: 0.0 },
        neg_inf: false,
        scaled: false,
    },
    invalid: true,
};

impl<W: Weighing, const CHECK: bool> Job for ProbLeaf<'_, W, CHECK> {
    type Output = LeafResult;

    #[inline(always)]
    fn run<const FMA: bool>(self) -> LeafResult {
        let mut lanes = Lanes::ZERO;
        let mut exponents = Exponents {
            biased: [0; LANES],
            hard_entries: 0,
            lanes: Lanes::ZERO,
        };
        let mut neg_inf = false;
        let mut buffers = Buffers::new();
        // After a sub-block of soft labels, the next one tries the soft kernel first, until
        // a sub-block turns out all hard again: the choice depends on the data only.
        let mut soft_mode = false;
        let (mut pa, mut py) = ([1.0f64; SUB], [1.0f64; SUB]);
        let (mut c1, mut c0) = ([0.0f64; SUB], [0.0f64; SUB]);
        for b in 0..self.a.len().div_ceil(SUB) {
            // Where the next sub-block starts, prefetched while this one computes: past the
            // leaf's end it is the next leaf's (or nothing: a prefetch never reads).
            let next = Next {
                a: &self.a,
                y: &self.y,
                at: (b + 1) * SUB,
            };
            // Borrowed (f64, column-major) or widened into the sub-block buffers; the last,
            // partial sub-block is padded with (a, y) = (1, 1): ln 1 = 0, k = 0.
            let a = self.a.block(b * SUB, &mut pa, 1.0);
            let y = self.y.block(b * SUB, &mut py, 1.0);
            let (c1, c0) = self.w.block(b * SUB, &mut c1, &mut c0);
            let w = Weights { c1, c0 };
            if !soft_mode {
                let out =
                    hard::<FMA, CHECK, W>(a, y, w, next, &mut buffers, &mut lanes, &mut exponents);
                match out {
                    Outcome::Done { .. } => continue,
                    Outcome::Invalid if CHECK => return INVALID,
                    Outcome::Invalid | Outcome::Redo => {}
                }
            }
            let exponents = &mut exponents.lanes;
            match soft::<FMA, CHECK, W>(a, y, w, next, &mut buffers, &mut lanes, exponents) {
                Outcome::Done { all_hard } => {
                    soft_mode = !all_hard;
                    continue;
                }
                Outcome::Invalid if CHECK => return INVALID,
                Outcome::Invalid | Outcome::Redo => {}
            }
            let invalid = general::<FMA, CHECK, W>(a, y, w, &mut lanes, &mut neg_inf);
            if CHECK && invalid {
                return INVALID;
            }
        }
        // The exponents: an exact integer from the unweighted hard kernel, compensated sums
        // of weighted ones from the soft and the weighted hard kernels; times ln 2 once.
        let sum = lanes.total().add(exponents.times_ln2());
        LeafResult {
            partial: Partial::of(sum, neg_inf),
            // A NaN prediction makes the sum NaN (the range flags do not see NaN).
            invalid: CHECK && !sum.hi.is_finite(),
        }
    }
}

/// The inputs of a leaf and the offset of the sub-block to prefetch.
#[derive(Clone, Copy)]
struct Next<'e, 'a> {
    a: &'e Entries<'a>,
    y: &'e Entries<'a>,
    at: usize,
}

impl Next<'_, '_> {
    /// Prefetches the lines of chunk `c` (`LANES` entries: two lines of each `f64` input).
    #[inline(always)]
    fn prefetch(self, c: usize) {
        for line in [c * LANES, c * LANES + 8] {
            self.a.prefetch(self.at + line);
            self.y.prefetch(self.at + line);
        }
    }
}

/// The sub-block buffers of the two-stage kernels, in L1: reduced arguments (of `a` and of
/// `1 − a`) and weighted exponents.
struct Buffers {
    f1: [f64; SUB],
    f0: [f64; SUB],
    k: [f64; SUB],
}

impl Buffers {
    fn new() -> Self {
        Buffers {
            f1: [0.0; SUB],
            f0: [0.0; SUB],
            k: [0.0; SUB],
        }
    }
}

/// How a two-stage kernel left a sub-block.
enum Outcome {
    /// Added to the lanes; whether every label was 0 or 1.
    Done { all_hard: bool },
    /// Not added: the kernel does not handle these entries (soft labels for the hard kernel;
    /// a probability 0, 1 or subnormal where its logarithm is taken).
    Redo,
    /// Not added: (when checking) an input is outside `[0, 1]`.
    Invalid,
}

/// The hard-label kernel over a full sub-block, in two vectorised stages. Selection: per
/// entry the argument (`a` for `y = 1`, `1 − a` for `y = 0`), its exponent (added to
/// `biased`; weighted: into a buffer, with the entry's weight) and the exact `f`, into a
/// buffer in L1, with the flags. Logarithm: `ln(1 + f)` of the buffer into the compensated
/// lanes, the `k·ln 2` parts added once per leaf from the exact integer sum of the exponents;
/// weighted, the whole logarithm `k·ln 2 + ln(1 + f)` times the weight.
#[inline(always)]
fn hard<const FMA: bool, const CHECK: bool, W: Weighing>(
    a: &[f64; SUB],
    y: &[f64; SUB],
    w: Weights<'_>,
    next: Next<'_, '_>,
    buffers: &mut Buffers,
    lanes: &mut Lanes,
    exponents: &mut Exponents,
) -> Outcome {
    let Buffers { f1: f, f0: c, k } = buffers;
    let mut kb = exponents.biased;
    let mut vmin = [1.0f64; LANES];
    let mut soft = [0.0f64; LANES];
    let mut amin = [0.0f64; LANES];
    let mut amax = [1.0f64; LANES];
    let stage = f
        .chunks_exact_mut(LANES)
        .zip(c.chunks_exact_mut(LANES).zip(k.chunks_exact_mut(LANES)))
        .zip(a.chunks_exact(LANES).zip(y.chunks_exact(LANES)))
        .zip(w.c1.chunks_exact(LANES).zip(w.c0.chunks_exact(LANES)));
    for (((f, (c, k)), (a, y)), (c1, c0)) in stage {
        for l in 0..LANES {
            let (a, y) = (a[l], y[l]);
            let one = y == 1.0;
            // The argument whose exponent chooses the reduction: a, or 1 − a rounded.
            let v = if one { a } else { 1.0 - a };
            let (b, s) = split_biased(v);
            if W::WEIGHTED {
                c[l] = if one { c1[l] } else { c0[l] };
                k[l] = biased_to_f64(b);
            } else {
                kb[l] = kb[l].wrapping_add(b);
            }
            let p = s * a;
            // Exact: s·a − 1 = m − 1 for ln a; (s − 1) − s·a = s·(1 − a) − 1 for ln(1 − a).
            f[l] = if one { p - 1.0 } else { (s - 1.0) - p };
            vmin[l] = if v < vmin[l] { v } else { vmin[l] };
            // y − y² is 0 exactly when y is 0 or 1 (and ≥ 0 on [0, 1]).
            let h = mul_add::<FMA>(-y, y, y);
            soft[l] += if CHECK { h.abs() } else { h };
            if CHECK {
                amin[l] = if a < amin[l] { a } else { amin[l] };
                amax[l] = if a > amax[l] { a } else { amax[l] };
            }
        }
    }
    if CHECK && (amin.iter().any(|&v| v < 0.0) || amax.iter().any(|&v| v > 1.0)) {
        return Outcome::Invalid;
    }
    if vmin.iter().any(|&v| v < f64::MIN_POSITIVE) || soft.iter().any(|&h| h != 0.0) {
        return Outcome::Redo;
    }
    if W::WEIGHTED {
        let stage = f
            .chunks_exact(LANES)
            .zip(c.chunks_exact(LANES))
            .zip(k.chunks_exact(LANES));
        for (i, ((f, c), k)) in stage.enumerate() {
            next.prefetch(i);
            let mut t = [0.0; LANES];
            for l in 0..LANES {
                // The whole logarithm k·ln 2 + ln(1 + f), times the weight (rounded once).
                t[l] = c[l] * with_exponent::<FMA>(k[l], ln_1p_reduced::<FMA>(f[l]));
            }
            lanes.add_all(&t);
        }
        return Outcome::Done { all_hard: true };
    }
    for (c, f) in f.chunks_exact(LANES).enumerate() {
        // The next sub-block's lines, while this one computes (LANES = two lines per input).
        next.prefetch(c);
        let mut t = [0.0; LANES];
        for l in 0..LANES {
            t[l] = ln_1p_reduced::<FMA>(f[l]);
        }
        lanes.add_all(&t);
    }
    exponents.biased = kb;
    exponents.hard_entries += SUB as u64;
    Outcome::Done { all_hard: true }
}

/// The soft-label kernel over a full sub-block, in two vectorised stages. Selection: both
/// reductions per entry (`a`, and `1 − a` with `f` exact) into buffers, with the weighted
/// exponent `y·k₁ + (1 − y)·k₀`. Logarithms: `y·ln(1 + f₁) + (1 − y)·ln(1 + f₀)` into the
/// lanes, the weighted exponents into `exponents` (times `ln 2` once per leaf). It takes hard
/// labels too; it leaves to the general kernel the sub-blocks where a probability is 0, 1 or
/// subnormal (a masked logarithm). Weighted, `y` is `c₁·y` and `1 − y` is `c₀·(1 − y)`.
///
/// No part cancels: for `x ≤ 1`, `|ln(1 + f)| ≤ |ln x|`, so both sums are bounded by `|S|`.
#[inline(always)]
fn soft<const FMA: bool, const CHECK: bool, W: Weighing>(
    a: &[f64; SUB],
    y: &[f64; SUB],
    w: Weights<'_>,
    next: Next<'_, '_>,
    buffers: &mut Buffers,
    lanes: &mut Lanes,
    exponents: &mut Lanes,
) -> Outcome {
    let mut amin = [1.0f64; LANES];
    let mut amax = [0.0f64; LANES];
    let mut hardness = [0.0f64; LANES];
    let mut ymin = [0.0f64; LANES];
    let mut ymax = [1.0f64; LANES];
    let Buffers { f1, f0, k } = buffers;
    let stage = f1
        .chunks_exact_mut(LANES)
        .zip(f0.chunks_exact_mut(LANES))
        .zip(k.chunks_exact_mut(LANES))
        .zip(a.chunks_exact(LANES).zip(y.chunks_exact(LANES)))
        .zip(w.c1.chunks_exact(LANES).zip(w.c0.chunks_exact(LANES)));
    for ((((f1, f0), k), (a, y)), (c1, c0)) in stage {
        for l in 0..LANES {
            let (a, y) = (a[l], y[l]);
            let (b1, s1) = split_biased(a);
            let (b0, s0) = split_biased(1.0 - a);
            f1[l] = s1 * a - 1.0;
            f0[l] = (s0 - 1.0) - s0 * a;
            let (p1, p0) = label_weights::<W>(y, c1[l], c0[l]);
            let positive = p1 * biased_to_f64(b1);
            k[l] = mul_add::<FMA>(p0, biased_to_f64(b0), positive);
            amin[l] = if a < amin[l] { a } else { amin[l] };
            amax[l] = if a > amax[l] { a } else { amax[l] };
            let h = mul_add::<FMA>(-y, y, y);
            hardness[l] += if CHECK { h.abs() } else { h };
            if CHECK {
                ymin[l] = if y < ymin[l] { y } else { ymin[l] };
                ymax[l] = if y > ymax[l] { y } else { ymax[l] };
            }
        }
    }
    let below = |v: &[f64; LANES]| v.iter().any(|&v| v < 0.0);
    let above = |v: &[f64; LANES]| v.iter().any(|&v| v > 1.0);
    if CHECK && (below(&amin) || above(&amax) || below(&ymin) || above(&ymax)) {
        return Outcome::Invalid;
    }
    if amin.iter().any(|&v| v < f64::MIN_POSITIVE) || amax.iter().any(|&v| v >= 1.0) {
        return Outcome::Redo;
    }
    let stage = f1
        .chunks_exact(LANES)
        .zip(f0.chunks_exact(LANES))
        .zip(k.chunks_exact(LANES))
        .zip(y.chunks_exact(LANES))
        .zip(w.c1.chunks_exact(LANES).zip(w.c0.chunks_exact(LANES)));
    for (c, ((((f1, f0), k), y), (c1, c0))) in stage.enumerate() {
        next.prefetch(c);
        let mut t = [0.0; LANES];
        let mut e = [0.0; LANES];
        for l in 0..LANES {
            let (p1, p0) = label_weights::<W>(y[l], c1[l], c0[l]);
            let positive = p1 * ln_1p_reduced::<FMA>(f1[l]);
            t[l] = mul_add::<FMA>(p0, ln_1p_reduced::<FMA>(f0[l]), positive);
            e[l] = k[l];
        }
        lanes.add_all(&t);
        exponents.add_all(&e);
    }
    Outcome::Done {
        all_hard: hardness.iter().all(|&h| h == 0.0),
    }
}

/// The coefficients of `ln a` and `ln(1 − a)` in an entry's term: `(y, 1 − y)`, weighted
/// `(c₁·y, c₀·(1 − y))`.
#[inline(always)]
fn label_weights<W: Weighing>(y: f64, c1: f64, c0: f64) -> (f64, f64) {
    if W::WEIGHTED {
        (c1 * y, c0 * (1.0 - y))
    } else {
        (y, 1.0 - y)
    }
}

/// `p₁·ln a + p₀·ln(1 − a)` with masks: a coefficient 0 adds 0 (`0·ln 0 = 0`); `−∞` where a
/// positive coefficient meets a zero probability.
#[inline(always)]
pub(crate) fn masked_term<const FMA: bool>(a: f64, p1: f64, p0: f64) -> f64 {
    let positive = if p1 == 0.0 {
        0.0
    } else {
        p1 * ln_probability::<FMA>(a)
    };
    let negative = if p0 == 0.0 { 0.0 } else { p0 * ln_1m::<FMA>(a) };
    positive + negative
}

/// The general kernel over a sub-block: soft labels, zero and subnormal probabilities.
/// Returns whether (when `CHECK`) an entry was outside `[0, 1]` or not finite.
#[inline(always)]
fn general<const FMA: bool, const CHECK: bool, W: Weighing>(
    a: &[f64; SUB],
    y: &[f64; SUB],
    w: Weights<'_>,
    lanes: &mut Lanes,
    neg_inf: &mut bool,
) -> bool {
    let mut flags = Flags::new();
    let chunks = a
        .chunks_exact(LANES)
        .zip(y.chunks_exact(LANES))
        .zip(w.c1.chunks_exact(LANES).zip(w.c0.chunks_exact(LANES)));
    for ((a, y), (c1, c0)) in chunks {
        if let (Ok(a), Ok(y), Ok(c1), Ok(c0)) =
            (a.try_into(), y.try_into(), c1.try_into(), c0.try_into())
        {
            general_chunk::<FMA, CHECK, W>(a, y, (c1, c0), lanes, &mut flags);
        }
    }
    *neg_inf |= flags.inf.iter().any(|&i| i != 0.0);
    CHECK && (flags.out_of_unit() || flags.non_finite())
}

/// Per-lane flags kept as `f64` (cheap in vector registers): whether a term was `−∞`, the
/// least and greatest input seen, and `Σ 0·x`, which is 0 unless an input was `NaN` or
/// infinite.
pub(crate) struct Flags {
    pub(crate) inf: [f64; LANES],
    pub(crate) lo: [f64; LANES],
    pub(crate) hi: [f64; LANES],
    pub(crate) finite: [f64; LANES],
}

impl Flags {
    pub(crate) fn new() -> Self {
        Flags {
            inf: [0.0; LANES],
            lo: [0.0; LANES],
            hi: [1.0; LANES],
            finite: [0.0; LANES],
        }
    }

    /// Records whether `v` is finite, in lane `l`.
    #[inline(always)]
    pub(crate) fn see_finite(&mut self, l: usize, v: f64) {
        self.finite[l] += v * 0.0;
    }

    /// Whether an input seen by [`Flags::see_finite`] was `NaN` or infinite.
    pub(crate) fn non_finite(&self) -> bool {
        self.finite.iter().any(|&v| v != 0.0)
    }

    /// Records `v` in the range of lane `l`.
    #[inline(always)]
    pub(crate) fn see(&mut self, l: usize, v: f64) {
        self.lo[l] = if v < self.lo[l] { v } else { self.lo[l] };
        self.hi[l] = if v > self.hi[l] { v } else { self.hi[l] };
    }

    /// Whether an input seen was below 0 or above 1.
    pub(crate) fn out_of_unit(&self) -> bool {
        self.lo.iter().any(|&v| v < 0.0) || self.hi.iter().any(|&v| v > 1.0)
    }
}

#[inline(always)]
fn general_chunk<const FMA: bool, const CHECK: bool, W: Weighing>(
    a: &[f64; LANES],
    y: &[f64; LANES],
    (c1, c0): (&[f64; LANES], &[f64; LANES]),
    lanes: &mut Lanes,
    flags: &mut Flags,
) {
    let mut t = [0.0; LANES];
    for l in 0..LANES {
        let (a, y) = (a[l], y[l]);
        if CHECK {
            flags.see(l, a);
            flags.see(l, y);
            flags.see_finite(l, a + y);
        }
        let (p1, p0) = label_weights::<W>(y, c1[l], c0[l]);
        let term = masked_term::<FMA>(a, p1, p0);
        // Weighted, a finite product may overflow to −∞: only a logarithm −∞ under a
        // positive coefficient is the term −∞ (the leaf's overflow is handled by scaling).
        let is_inf = if W::WEIGHTED {
            (p1 != 0.0 && a == 0.0) || (p0 != 0.0 && a == 1.0)
        } else {
            term == f64::NEG_INFINITY
        };
        flags.inf[l] = if is_inf { 1.0 } else { flags.inf[l] };
        t[l] = if is_inf { 0.0 } else { term };
    }
    lanes.add_all(&t);
}

/// One leaf of a binary problem given as logits: per entry one `e^{−|z|}` and one `ln_1p`,
/// `−[ln_1p(e^{−|z|}) + y·max(−z, 0) + (1 − y)·max(z, 0)]` (`softplus(z) − softplus(−z) = z`,
/// so soft labels cost no second logarithm). All three parts are `≥ 0`: no cancellation.
///
/// Each term is at most `f64::MAX` in magnitude, but their sum may overflow (logits near
/// `±f64::MAX`), and a logit `−∞` (probability 0) makes the hot loop's term `NaN` (`0·∞`)
/// or `−∞`: either way the leaf's sum is not finite, and only then the leaf is summed again
/// by the general loop ([`logit_general_chunk`]), which masks `−∞` logits and, if the sum
/// of the finite terms overflows, divides every term by `2^OVERFLOW_SCALE` (a scaled
/// [`Partial`]). The hot loop is unchanged for ordinary inputs.
pub(crate) struct LogitLeaf<'a, const CHECK: bool> {
    pub(crate) z: Entries<'a>,
    pub(crate) y: Entries<'a>,
}

impl<const CHECK: bool> Job for LogitLeaf<'_, CHECK> {
    type Output = LeafResult;

    #[inline(always)]
    fn run<const FMA: bool>(self) -> LeafResult {
        let mut lanes = Lanes::ZERO;
        let mut flags = Flags::new();
        self.chunks(|z, y| logit_chunk::<FMA, CHECK>(z, y, &mut lanes, &mut flags));
        let sum = lanes.total();
        let invalid = CHECK && (flags.out_of_unit() || flags.non_finite());
        if sum.hi.is_finite() || invalid {
            return LeafResult {
                partial: Partial::of(sum, false),
                invalid,
            };
        }
        // Rare: a logit −∞, or finite terms whose sum overflows.
        let mut partial = Partial::of(sum, false);
        for (factor, scaled) in [(1.0, false), (OVERFLOW_FACTOR, true)] {
            let mut lanes = Lanes::ZERO;
            let mut neg_inf = [0.0f64; LANES];
            self.chunks(|z, y| {
                logit_general_chunk::<FMA>(z, y, factor, &mut lanes, &mut neg_inf);
            });
            partial = Partial {
                sum: lanes.total(),
                neg_inf: neg_inf.iter().any(|&i| i != 0.0),
                scaled,
            };
            if partial.sum.hi.is_finite() {
                break;
            }
        }
        LeafResult { partial, invalid }
    }
}

/// `2^−OVERFLOW_SCALE`: what every term of a leaf whose sum overflows is multiplied by.
const OVERFLOW_FACTOR: f64 = f64::from_bits(((1023 - OVERFLOW_SCALE) as u64) << 52);

impl<const CHECK: bool> LogitLeaf<'_, CHECK> {
    /// `f` on every chunk of [`LANES`] entries of the leaf, in order; past the leaf's end
    /// padded with `(z, y) = (−800, 0)`, which adds `−ln_1p(e^−800) = −0`, in the last chunk
    /// only.
    #[inline(always)]
    fn chunks(&self, mut f: impl FnMut(&[f64; LANES], &[f64; LANES])) {
        let n = self.z.len();
        let (mut pz, mut py) = ([-800.0f64; SUB], [0.0f64; SUB]);
        for b in 0..n.div_ceil(SUB) {
            // Borrowed or widened into the buffers.
            let z = self.z.block(b * SUB, &mut pz, -800.0);
            let y = self.y.block(b * SUB, &mut py, 0.0);
            let chunks = (n - b * SUB).min(SUB).div_ceil(LANES);
            for (z, y) in z
                .chunks_exact(LANES)
                .zip(y.chunks_exact(LANES))
                .take(chunks)
            {
                if let (Ok(z), Ok(y)) = (z.try_into(), y.try_into()) {
                    f(z, y);
                }
            }
        }
    }
}

/// The general loop of a logits leaf: the hot loop's term, times `factor` (1, or
/// `2^−OVERFLOW_SCALE`: exact above `2^−958`), with `−∞` logits masked: `a = σ(−∞) = 0`, so
/// the term is 0 under label 0 and `−∞` (recorded in `neg_inf`, added as 0) otherwise.
#[inline(always)]
fn logit_general_chunk<const FMA: bool>(
    z: &[f64; LANES],
    y: &[f64; LANES],
    factor: f64,
    lanes: &mut Lanes,
    neg_inf: &mut [f64; LANES],
) {
    let mut t = [0.0; LANES];
    for l in 0..LANES {
        let (z, y) = (z[l], y[l]);
        let soft = ln_1p::<FMA>(exp_nonpositive::<FMA>(-z.abs()));
        let pos = if y == 0.0 { 0.0 } else { y * (-z).max(0.0) };
        let neg = (1.0 - y) * z.max(0.0);
        let term = -((soft + pos) + neg) * factor;
        let is_inf = z == f64::NEG_INFINITY && y != 0.0;
        neg_inf[l] = if is_inf { 1.0 } else { neg_inf[l] };
        t[l] = if is_inf { 0.0 } else { term };
    }
    lanes.add_all(&t);
}

#[inline(always)]
fn logit_chunk<const FMA: bool, const CHECK: bool>(
    z: &[f64; LANES],
    y: &[f64; LANES],
    lanes: &mut Lanes,
    flags: &mut Flags,
) {
    let mut t = [0.0; LANES];
    for l in 0..LANES {
        let (z, y) = (z[l], y[l]);
        if CHECK {
            flags.see(l, y);
            flags.see_finite(l, y);
            // NaN and +∞ are rejected; −∞ is a probability of 0.
            flags.finite[l] += if z < f64::INFINITY { 0.0 } else { 1.0 };
        }
        let soft = ln_1p::<FMA>(exp_nonpositive::<FMA>(-z.abs()));
        let pos = y * (-z).max(0.0);
        let neg = (1.0 - y) * z.max(0.0);
        t[l] = -((soft + pos) + neg);
    }
    lanes.add_all(&t);
}
