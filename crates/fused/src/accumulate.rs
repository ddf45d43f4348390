//! Accumulation: compensated lanes inside a leaf, double-double sums between leaves, and a
//! reduction tree whose shape depends only on the number of leaves.
//!
//! Every term the fused path adds is `≤ 0` (a weight times a log-probability), so there is
//! no cancellation: the only error is the summation's own. Inside a leaf each of [`LANES`]
//! lanes sums its terms with Kahan's compensation (error `≤ 2u·Σ|t|` whatever the number of
//! terms, Higham §4.3); the lanes are then added into a double-double in lane order, and leaves
//! are combined as double-doubles along a fixed binary tree over the leaf indices
//! ([`tree`]). The result is rounded once at the end. Nothing depends on which thread ran
//! what, so the bits are the same for any number of threads.

use xent_core::formulation::{OVERFLOW_SCALE, times_pow2};

/// Lanes of the compensated accumulators: 16 `f64`, two 512-bit registers.
pub(crate) const LANES: usize = 16;

/// An unevaluated sum `hi + lo` with `|lo| ≤ ulp(hi)/2`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Dd {
    pub(crate) hi: f64,
    pub(crate) lo: f64,
}

impl Dd {
    /// The sum of two double-doubles (Dekker/Knuth; relative error `O(u²)` for terms of
    /// one sign).
    #[inline]
    pub(crate) fn add(self, other: Dd) -> Dd {
        let (s, e) = crate::math::two_sum(self.hi, other.hi);
        let t = e + (self.lo + other.lo);
        let hi = s + t;
        Dd {
            hi,
            lo: t - (hi - s),
        }
    }

    /// Rounded to one `f64`.
    pub(crate) fn value(self) -> f64 {
        self.hi + self.lo
    }

    /// Divided by `2^OVERFLOW_SCALE` (exact but for parts below `2^−958`, far under the last
    /// bit of the overflowing sum this is added to).
    pub(crate) fn scaled_down(self) -> Dd {
        Dd {
            hi: times_pow2(self.hi, -OVERFLOW_SCALE),
            lo: times_pow2(self.lo, -OVERFLOW_SCALE),
        }
    }
}

/// Kahan-compensated lanes: lane `l` holds `sum[l] − comp[l]`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lanes {
    pub(crate) sum: [f64; LANES],
    pub(crate) comp: [f64; LANES],
}

impl Lanes {
    pub(crate) const ZERO: Lanes = Lanes {
        sum: [0.0; LANES],
        comp: [0.0; LANES],
    };

    /// Adds `t` to lane `l` (Kahan).
    #[inline(always)]
    pub(crate) fn add(&mut self, l: usize, t: f64) {
        let y = t - self.comp[l];
        let s = self.sum[l] + y;
        self.comp[l] = (s - self.sum[l]) - y;
        self.sum[l] = s;
    }

    /// Adds `t[l]` to every lane `l`.
    #[inline(always)]
    pub(crate) fn add_all(&mut self, t: &[f64; LANES]) {
        for (l, &t) in t.iter().enumerate() {
            self.add(l, t);
        }
    }

    /// The lanes' total as a double-double, lanes taken in order.
    pub(crate) fn total(&self) -> Dd {
        let mut acc = Dd::default();
        for l in 0..LANES {
            let (hi, lo) = crate::math::two_sum(self.sum[l], -self.comp[l]);
            acc = acc.add(Dd { hi, lo });
        }
        acc
    }
}

/// What a leaf (or a subtree of leaves) contributes.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Partial {
    /// The sum of its finite terms, divided by `2^OVERFLOW_SCALE` when `scaled`.
    pub(crate) sum: Dd,
    /// Whether a term was `−∞` (a positive weight on a zero probability).
    pub(crate) neg_inf: bool,
    /// Whether `sum` is divided by `2^OVERFLOW_SCALE`: a leaf whose sum of finite terms
    /// overflowed `f64` was summed again with every term so divided (see
    /// [`xent_core::Evaluation`]), and everything it is combined with is divided too.
    pub(crate) scaled: bool,
}

impl Partial {
    /// A partial of finite terms, not scaled.
    pub(crate) fn of(sum: Dd, neg_inf: bool) -> Partial {
        Partial {
            sum,
            neg_inf,
            scaled: false,
        }
    }

    pub(crate) fn combine(self, other: Partial) -> Partial {
        let (a, b) = match (self.scaled, other.scaled) {
            (false, true) => (self.sum.scaled_down(), other.sum),
            (true, false) => (self.sum, other.sum.scaled_down()),
            _ => (self.sum, other.sum),
        };
        Partial {
            sum: a.add(b),
            neg_inf: self.neg_inf || other.neg_inf,
            scaled: self.scaled || other.scaled,
        }
    }

    /// The summed log-likelihood and its scale (`S = value · 2^scale`): `−∞` if any term
    /// was.
    pub(crate) fn value(self) -> (f64, i32) {
        if self.neg_inf {
            (f64::NEG_INFINITY, 0)
        } else if self.scaled {
            (self.sum.value(), OVERFLOW_SCALE)
        } else {
            (self.sum.value(), 0)
        }
    }

    /// The evaluation of a whole problem of `samples` samples summed into this partial.
    pub(crate) fn evaluation(self, samples: usize) -> xent_core::Evaluation {
        let (log_likelihood, scale) = self.value();
        xent_core::Evaluation {
            log_likelihood,
            scale,
            samples,
            weight: samples as f64,
            shape: xent_core::ReducedShape::Scalar,
        }
    }
}

/// Something leaves produce and a tree combines (a [`Partial`], or a partial with faults).
pub(crate) trait Combine: Send {
    fn combine(self, other: Self) -> Self;
}

impl Combine for Partial {
    fn combine(self, other: Self) -> Self {
        Partial::combine(self, other)
    }
}

/// `leaf(0) ⊕ … ⊕ leaf(n − 1)` combined along the balanced binary tree over `0..n` (split at
/// the midpoint), the halves run with `rayon::join`. The tree, hence the result, is the same
/// for any number of threads. `n ≥ 1`.
pub(crate) fn tree<T: Combine, F: Fn(usize) -> T + Sync>(n: usize, leaf: &F) -> T {
    fn go<T: Combine, F: Fn(usize) -> T + Sync>(lo: usize, hi: usize, leaf: &F) -> T {
        if hi - lo <= 1 {
            return leaf(lo);
        }
        let mid = lo + (hi - lo) / 2;
        let (l, r) = rayon::join(|| go(lo, mid, leaf), || go(mid, hi, leaf));
        l.combine(r)
    }
    go(0, n.max(1), leaf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn double_double_keeps_what_a_double_loses() {
        let a = Dd { hi: 1.0, lo: 0.0 };
        let tiny = Dd { hi: 1e-20, lo: 0.0 };
        let s = a.add(tiny);
        assert_eq!(s.hi, 1.0);
        assert_eq!(s.lo, 1e-20);
        assert_eq!(s.add(Dd { hi: -1.0, lo: 0.0 }).value(), 1e-20);
    }

    #[test]
    fn kahan_lanes_sum_many_small_terms_exactly_enough() {
        let mut lanes = Lanes::ZERO;
        for i in 0..100_000 {
            lanes.add(i % LANES, -0.1);
        }
        // The exact sum of 100000 copies of fl(0.1), rounded once.
        let exact = -0.1f64 * 100_000.0;
        let got = lanes.total().value();
        assert!(
            xent_core::ulp::ulp_distance(got, exact) <= 1,
            "{got} vs {exact}"
        );
    }

    #[test]
    fn tree_shape_does_not_depend_on_threads() {
        let leaf = |i: usize| {
            let sum = Dd {
                hi: -(i as f64).sqrt() * 1e-3,
                lo: 0.0,
            };
            Partial::of(sum, false)
        };
        let reference = tree(1000, &leaf);
        for threads in 1..=4 {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("a thread pool");
            let got = pool.install(|| tree(1000, &leaf));
            assert_eq!(got, reference);
        }
    }
}
