//! Categorical cross-entropy in one pass: `S = Σ_ij p_ij·ln q_ij`, columns are samples.
//!
//! Leaves are runs of whole columns (about [`LEAF_ENTRIES`] entries). Per leaf:
//!
//! - **class indices**: the target entry of each column is gathered into a buffer, whose
//!   logarithms are then taken in one vectorised loop: one logarithm per sample;
//! - **dense targets** (one-hot or soft): the entries with `p ≠ 0` are compacted (branch-free)
//!   into buffers, then `p·ln q` in one vectorised loop: one logarithm per non-zero target;
//! - **logits**: per column the maximum `z*` (its first position `i*`), `Σ' = Σ_{i≠i*}
//!   e^{z_i − z*}` (vectorised exponentials, compensated sum), `L = ln_1p(Σ')`, and the terms
//!   `(z_i − z*) − L` — both parts `≤ 0`, so no cancellation, and `ln_1p` keeps `L` accurate
//!   when the other classes are far below the maximum. Each exponent `d = z_i − z*` is
//!   rounded, off by `δ` (up to `2^−53·|d|`, about 256 ulps of `e^d` at `d = −700`): the
//!   kernel takes `δ` exactly (TwoSum) and uses `e^{d + δ} ≈ e^d·(1 + δ)`, so that a
//!   confident column's tiny loss `L ≈ e^d` keeps its digits (the second-order term is below
//!   `2^−88` relative for the `|d| ≤ 745` where `e^d` is not 0).
//!
//!   A logit `−∞` (probability 0) and logits near `±f64::MAX`, whose differences overflow,
//!   make the hot loop's leaf sum not finite; only then the leaf is summed again by the
//!   general loop, which masks `−∞` (`e^{−∞} = 0`; a positive target on it is `S = −∞`) and,
//!   if the finite terms' sum overflows, divides every term by `2^OVERFLOW_SCALE`
//!   (`z·2^−64 − z*·2^−64` does not overflow) into a scaled partial.
//!
//! When checking, the same loops flag entries outside `[0, 1]` (or not finite) and columns
//! whose sum is not within the tolerance of 1; a flagged leaf is then scanned exactly (see
//! `checked`), so the reported error is the one `xent-core` reports.

use std::ops::Range;

use xent_core::{Array, Targets};

use crate::accumulate::{LANES, Lanes, Partial};
use crate::isa::{Job, prefetch};
use crate::math::{exp_nonpositive, ln_1p, ln_probability, mul_add, two_sum};
use crate::source;
use xent_core::formulation::OVERFLOW_SCALE;

/// Entries per leaf (rounded to whole columns, at least one column).
pub(crate) const LEAF_ENTRIES: usize = 8192;
/// Columns (class indices) or entries (dense targets) gathered before taking logarithms.
const GATHER: usize = 32;
/// How many columns ahead the class-index gather prefetches its entry (about a memory
/// latency's worth of work).
const PREFETCH: usize = 48;

/// Columns per leaf for `k` classes.
pub(crate) fn columns_per_leaf(k: usize) -> usize {
    (LEAF_ENTRIES / k.max(1)).max(1)
}

/// Leaf `cols` (whole columns) of a categorical problem on `isa`: predictions or logits
/// and targets of any dtype and memory order, read through [`crate::source`].
pub(crate) fn leaf<const CHECK: bool>(
    isa: crate::Isa,
    pred: Array<'_>,
    targets: Targets<'_>,
    logits: bool,
    cols: Range<usize>,
    tolerance: f64,
) -> LeafResult {
    let k = pred.rows();
    source::with_columns(isa, pred, cols.clone(), |z| match targets {
        Targets::Classes(c) => {
            // At most LEAF_ENTRIES columns per leaf; a small buffer when k ≥ 8.
            if cols.len() <= SMALL_CLASSES {
                let mut buf = [0usize; SMALL_CLASSES];
                let classes = source::classes(c, cols, &mut buf);
                class_leaf::<CHECK>(isa, z, classes, logits, k, tolerance)
            } else {
                let mut buf = [0usize; LEAF_ENTRIES];
                let classes = source::classes(c, cols, &mut buf);
                class_leaf::<CHECK>(isa, z, classes, logits, k, tolerance)
            }
        }
        Targets::Dense(p) => source::with_columns(isa, p, cols, |p| {
            let targets = LeafTargets::Dense(p);
            if logits {
                crate::isa::run(
                    isa,
                    LogitLeaf::<CHECK> {
                        z,
                        targets,
                        k,
                        tolerance,
                    },
                )
            } else {
                crate::isa::run(
                    isa,
                    DenseLeaf::<CHECK> {
                        q: z,
                        p,
                        k,
                        tolerance,
                    },
                )
            }
        }),
    })
}

/// Columns per leaf below which class indices go through a small buffer.
const SMALL_CLASSES: usize = 1024;

fn class_leaf<const CHECK: bool>(
    isa: crate::Isa,
    z: &[f64],
    classes: &[usize],
    logits: bool,
    k: usize,
    tolerance: f64,
) -> LeafResult {
    if logits {
        let targets = LeafTargets::Classes(classes);
        crate::isa::run(
            isa,
            LogitLeaf::<CHECK> {
                z,
                targets,
                k,
                tolerance,
            },
        )
    } else {
        crate::isa::run(
            isa,
            ClassLeaf::<CHECK> {
                q: z,
                classes,
                k,
                tolerance,
            },
        )
    }
}

/// What a categorical leaf returns: its partial sum and whether a check flagged it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LeafResult {
    pub(crate) partial: Partial,
    pub(crate) flagged: bool,
}

/// Adds `w[i]·ln x[i]` (or `ln x[i]` without weights) to the lanes; returns whether a term
/// was `−∞` (then left out: the caller records it).
#[inline(always)]
fn sum_logs<const FMA: bool>(x: &[f64], w: Option<&[f64]>, lanes: &mut Lanes) -> bool {
    let mut inf = [0.0f64; LANES];
    let ones = [1.0; LANES];
    let mut xs = x.chunks_exact(LANES);
    match w {
        Some(w) => {
            let mut ws = w.chunks_exact(LANES);
            for (x, w) in (&mut xs).zip(&mut ws) {
                if let (Ok(x), Ok(w)) = (x.try_into(), w.try_into()) {
                    log_chunk::<FMA>(x, w, lanes, &mut inf);
                }
            }
            let (rx, rw) = (xs.remainder(), ws.remainder());
            if !rx.is_empty() {
                // Padding with x = 1 adds w·ln 1 = 0.
                let (mut px, mut pw) = ([1.0; LANES], [1.0; LANES]);
                px[..rx.len()].copy_from_slice(rx);
                pw[..rw.len()].copy_from_slice(rw);
                log_chunk::<FMA>(&px, &pw, lanes, &mut inf);
            }
        }
        None => {
            for x in &mut xs {
                if let Ok(x) = x.try_into() {
                    log_chunk::<FMA>(x, &ones, lanes, &mut inf);
                }
            }
            let rx = xs.remainder();
            if !rx.is_empty() {
                let mut px = [1.0; LANES];
                px[..rx.len()].copy_from_slice(rx);
                log_chunk::<FMA>(&px, &ones, lanes, &mut inf);
            }
        }
    }
    inf.iter().any(|&i| i != 0.0)
}

#[inline(always)]
fn log_chunk<const FMA: bool>(
    x: &[f64; LANES],
    w: &[f64; LANES],
    lanes: &mut Lanes,
    inf: &mut [f64; LANES],
) {
    let mut t = [0.0; LANES];
    for l in 0..LANES {
        let term = w[l] * ln_probability::<FMA>(x[l]);
        let is_inf = term == f64::NEG_INFINITY;
        inf[l] = if is_inf { 1.0 } else { inf[l] };
        t[l] = if is_inf { 0.0 } else { term };
    }
    lanes.add_all(&t);
}

/// Whether any entry is outside `[0, 1]` or not finite (vectorised; `NaN` is caught by the
/// column sums, which it makes `NaN`).
#[inline(always)]
fn out_of_range(x: &[f64]) -> bool {
    let mut lo = [0.0f64; LANES];
    let mut hi = [1.0f64; LANES];
    let mut chunks = x.chunks_exact(LANES);
    for c in &mut chunks {
        for l in 0..LANES {
            lo[l] = if c[l] < lo[l] { c[l] } else { lo[l] };
            hi[l] = if c[l] > hi[l] { c[l] } else { hi[l] };
        }
    }
    let rest = chunks.remainder().iter();
    lo.iter().chain(rest.clone()).any(|&v| v < 0.0) || hi.iter().chain(rest).any(|&v| v > 1.0)
}

/// Whether a column of `k > 16` entries in `[0, 1]` might not sum to 1 within `tolerance` as
/// `xent-core` sums it (sequentially, left to right). Conservative: 8 partial sums, with a
/// margin covering the difference of the two orders (`2(k − 1)·u·Σ|q|` at most). `NaN`
/// sums are flagged.
#[inline(always)]
fn column_suspect(col: &[f64], tolerance: f64) -> bool {
    let mut acc = [0.0f64; 8];
    let mut chunks = col.chunks_exact(8);
    for c in &mut chunks {
        for l in 0..8 {
            acc[l] += c[l];
        }
    }
    let sum: f64 = acc.iter().sum::<f64>() + chunks.remainder().iter().sum::<f64>();
    let margin = 2.0 * col.len() as f64 * f64::EPSILON * (sum.abs() + 1.0);
    exceeds((sum - 1.0).abs(), tolerance - margin)
}

/// `d > limit`, or `d` is `NaN`.
#[inline(always)]
#[allow(clippy::neg_cmp_op_on_partial_ord)] // the negation is the point: it catches NaN
fn exceeds(d: f64, limit: f64) -> bool {
    !(d <= limit)
}

/// Whether any column of `data` (`k` rows, whole columns) might not sum to 1 within
/// `tolerance` as `xent-core` sums it. For `k ≤ 16`, exactly: the column length is a
/// constant, and the same left-to-right sum is unrolled; beyond, [`column_suspect`].
///
/// Deliberately not inlined into the vector paths: with AVX2 or AVX-512 enabled, LLVM
/// vectorises these short sums across columns with gather instructions, several times
/// slower on current x86 cores than the scalar sums of the baseline code.
#[inline(never)]
fn columns_suspect(data: &[f64], k: usize, tolerance: f64) -> bool {
    macro_rules! fixed {
        ($($k:literal)*) => {
            match k {
                $($k => columns_suspect_fixed::<$k>(data, tolerance),)*
                _ => data
                    .chunks(k.max(1))
                    .fold(false, |any, col| any | column_suspect(col, tolerance)),
            }
        };
    }
    fixed!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16)
}

#[inline(always)]
fn columns_suspect_fixed<const K: usize>(data: &[f64], tolerance: f64) -> bool {
    let mut any = false;
    for col in data.chunks_exact(K) {
        let sum: f64 = col.iter().sum();
        any |= exceeds((sum - 1.0).abs(), tolerance);
    }
    any
}

/// A leaf of probabilities with one class index per column.
pub(crate) struct ClassLeaf<'a, const CHECK: bool> {
    pub(crate) q: &'a [f64],
    pub(crate) classes: &'a [usize],
    pub(crate) k: usize,
    pub(crate) tolerance: f64,
}

impl<const CHECK: bool> Job for ClassLeaf<'_, CHECK> {
    type Output = LeafResult;

    #[inline(always)]
    fn run<const FMA: bool>(self) -> LeafResult {
        let k = self.k;
        let mut lanes = Lanes::ZERO;
        let mut neg_inf = false;
        let mut flagged = false;
        let mut x = [1.0f64; GATHER];
        let chunks = self.q.chunks(GATHER * k).zip(self.classes.chunks(GATHER));
        for (i, (q, classes)) in chunks.enumerate() {
            if CHECK {
                // First, so the chunk streams in in order.
                flagged |= out_of_range(q);
            }
            let next = (i + 1) * GATHER * k;
            for (j, ((x, col), &c)) in x.iter_mut().zip(q.chunks(k)).zip(classes).enumerate() {
                if !CHECK && k <= 16 {
                    // Every line of the next chunk will be read: prefetch them in order.
                    for t in (0..k).step_by(8) {
                        prefetch(self.q, next + j * k + t);
                    }
                } else if !CHECK {
                    // Only the target entries will: the one needed PREFETCH columns later.
                    let ahead = i * GATHER + j + PREFETCH;
                    if let Some(&c) = self.classes.get(ahead) {
                        prefetch(self.q, ahead * k + c);
                    }
                }
                flagged |= c >= k;
                *x = col.get(c).copied().unwrap_or(1.0);
            }
            if CHECK {
                flagged |= columns_suspect(q, k, self.tolerance);
            }
            neg_inf |= sum_logs::<FMA>(&x[..classes.len()], None, &mut lanes);
        }
        LeafResult {
            partial: Partial::of(lanes.total(), neg_inf),
            flagged: CHECK && flagged,
        }
    }
}

/// A leaf of probabilities with dense targets (one-hot or soft).
pub(crate) struct DenseLeaf<'a, const CHECK: bool> {
    pub(crate) q: &'a [f64],
    pub(crate) p: &'a [f64],
    pub(crate) k: usize,
    pub(crate) tolerance: f64,
}

impl<const CHECK: bool> Job for DenseLeaf<'_, CHECK> {
    type Output = LeafResult;

    #[inline(always)]
    fn run<const FMA: bool>(self) -> LeafResult {
        let mut lanes = Lanes::ZERO;
        let mut neg_inf = false;
        let mut flagged = false;
        let mut wq = [1.0f64; GATHER];
        let mut wp = [1.0f64; GATHER];
        for (q, p) in self.q.chunks(GATHER).zip(self.p.chunks(GATHER)) {
            // Branch-free compaction of the entries with a non-zero target.
            let mut n = 0;
            for (&q, &p) in q.iter().zip(p) {
                wq[n] = q;
                wp[n] = p;
                n += usize::from(p != 0.0);
            }
            if CHECK {
                flagged |= out_of_range(q) || out_of_range(p);
            }
            neg_inf |= sum_logs::<FMA>(&wq[..n], Some(&wp[..n]), &mut lanes);
        }
        if CHECK {
            flagged |= columns_suspect(self.p, self.k, self.tolerance)
                || columns_suspect(self.q, self.k, self.tolerance);
        }
        LeafResult {
            partial: Partial::of(lanes.total(), neg_inf),
            flagged: CHECK && flagged,
        }
    }
}

/// The targets of a logits leaf.
#[derive(Clone, Copy)]
pub(crate) enum LeafTargets<'a> {
    Classes(&'a [usize]),
    Dense(&'a [f64]),
}

/// A leaf of logits (one column of `k` logits per sample).
pub(crate) struct LogitLeaf<'a, const CHECK: bool> {
    pub(crate) z: &'a [f64],
    pub(crate) targets: LeafTargets<'a>,
    pub(crate) k: usize,
    pub(crate) tolerance: f64,
}

/// `(z*, L)` of a column: its maximum and `ln_1p(Σ_{i≠i*} e^{z_i − z*})`, `i*` the first
/// position of the maximum; each `e^{z_i − z*}` corrected for the rounding of its exponent
/// (see the module docs). `GENERAL`: entries whose difference is `−∞` (a logit `−∞`, or a
/// difference beyond `f64`) add `e^{−∞} = 0` rather than `NaN`.
#[inline(always)]
pub(crate) fn log_normaliser<const FMA: bool, const GENERAL: bool>(col: &[f64]) -> (f64, f64) {
    let mut max = f64::NEG_INFINITY;
    let mut arg = 0;
    for (i, &z) in col.iter().enumerate() {
        if z > max {
            max = z;
            arg = i;
        }
    }
    // Kahan-compensated Σ', in chunks of vectorised exponentials.
    let (mut sum, mut comp) = (0.0f64, 0.0f64);
    for (c, chunk) in col.chunks(LANES).enumerate() {
        let mut e = [0.0f64; LANES];
        for (l, (e, &z)) in e.iter_mut().zip(chunk).enumerate() {
            // d + δ = z − z* exactly.
            let (d, delta) = two_sum(z, -max);
            let v = exp_nonpositive::<FMA>(d);
            let v = if GENERAL && !delta.is_finite() {
                v
            } else {
                mul_add::<FMA>(v, delta, v)
            };
            *e = if c * LANES + l == arg { 0.0 } else { v };
        }
        for &e in &e[..chunk.len()] {
            let y = e - comp;
            let s = sum + y;
            comp = (s - sum) - y;
            sum = s;
        }
    }
    (max, ln_1p::<FMA>(sum - comp))
}

impl<const CHECK: bool> Job for LogitLeaf<'_, CHECK> {
    type Output = LeafResult;

    #[inline(always)]
    fn run<const FMA: bool>(self) -> LeafResult {
        let k = self.k;
        let mut lanes = Lanes::ZERO;
        let mut flagged = false;
        // Terms go to the lanes in turn.
        let mut lane = 0;
        for (j, col) in self.z.chunks(k).enumerate() {
            let (max, l) = log_normaliser::<FMA, false>(col);
            if CHECK {
                // NaN and +∞ are rejected, and a column entirely −∞; −∞ is probability 0.
                let rejected = |z: f64| z.is_nan() || z == f64::INFINITY;
                flagged |= col.iter().any(|&z| rejected(z)) || max == f64::NEG_INFINITY;
            }
            match self.targets {
                LeafTargets::Classes(classes) => {
                    let c = classes.get(j).copied().unwrap_or(0);
                    flagged |= c >= k;
                    let z = col.get(c).copied().unwrap_or(max);
                    lanes.add(lane, (z - max) - l);
                    lane = (lane + 1) % LANES;
                }
                LeafTargets::Dense(p) => {
                    let p = p.get(j * k..(j + 1) * k).unwrap_or(&[]);
                    for (&z, &p) in col.iter().zip(p) {
                        if p != 0.0 {
                            lanes.add(lane, p * ((z - max) - l));
                            lane = (lane + 1) % LANES;
                        }
                    }
                }
            }
        }
        if CHECK && let LeafTargets::Dense(p) = self.targets {
            flagged |= out_of_range(p) || columns_suspect(p, k, self.tolerance);
        }
        let sum = lanes.total();
        let partial = if sum.hi.is_finite() {
            Partial::of(sum, false)
        } else {
            // Rare: a logit −∞, or differences or a sum beyond f64.
            self.general::<FMA>()
        };
        LeafResult {
            partial,
            flagged: CHECK && flagged,
        }
    }
}

impl<const CHECK: bool> LogitLeaf<'_, CHECK> {
    /// The leaf summed by the general loop: as the hot loop, with `−∞` masked, at scale 0,
    /// and with every term divided by `2^OVERFLOW_SCALE` if that sum is not finite.
    fn general<const FMA: bool>(&self) -> Partial {
        let k = self.k;
        let factor = f64::from_bits(((1023 - OVERFLOW_SCALE) as u64) << 52);
        let mut partial = Partial::default();
        for (factor, scaled) in [(1.0, false), (factor, true)] {
            let mut lanes = Lanes::ZERO;
            let mut neg_inf = false;
            let mut lane = 0;
            // A logit −∞ under a positive target is S = −∞ (recorded, added as 0); any other
            // non-finite term is an overflow, which makes this sum not finite: redone scaled.
            let mut add = |z: f64, t: f64| {
                let zero_probability = z == f64::NEG_INFINITY;
                neg_inf |= zero_probability;
                lanes.add(lane, if zero_probability { 0.0 } else { t });
                lane = (lane + 1) % LANES;
            };
            for (j, col) in self.z.chunks(k).enumerate() {
                let (max, l) = log_normaliser::<FMA, true>(col);
                // (z − z*) − L, each part times the factor: no overflow at 2^−64.
                let term = |z: f64| (z * factor - max * factor) - l * factor;
                match self.targets {
                    LeafTargets::Classes(classes) => {
                        let c = classes.get(j).copied().unwrap_or(0);
                        let z = col.get(c).copied().unwrap_or(max);
                        add(z, term(z));
                    }
                    LeafTargets::Dense(p) => {
                        let p = p.get(j * k..(j + 1) * k).unwrap_or(&[]);
                        for (&z, &p) in col.iter().zip(p) {
                            if p != 0.0 {
                                add(z, p * term(z));
                            }
                        }
                    }
                }
            }
            partial = Partial {
                sum: lanes.total(),
                neg_inf,
                scaled,
            };
            if partial.sum.hi.is_finite() {
                break;
            }
        }
        partial
    }
}
