//! The one seeded generator of `xent`: every test, sweep, suite and benchmark that needs
//! random inputs draws them from [`Seeded`], so a seed names the same inputs on every
//! platform and in every crate.
//!
//! It is xoshiro256++ (`rand_xoshiro`) seeded through SplitMix64, sampled with `rand`'s
//! distributions: ranges by `rand`'s unbiased integer sampling (its `unbiased` feature: no
//! modulo bias, whatever the range), floats as multiples of `2^-53` in `[0, 1)` (`rand`'s
//! `StandardUniform`). `rand` documents both as portable (the same values on 32- and 64-bit
//! targets).

use std::ops::Range;

use rand::{RngExt as _, SeedableRng as _};
use rand_xoshiro::Xoshiro256PlusPlus;

/// A seeded random generator.
///
/// ```
/// use xent_core::rng::Seeded;
///
/// let (mut a, mut b) = (Seeded::new(7), Seeded::new(7));
/// assert_eq!(a.below(10), b.below(10));
/// let u = a.unit();
/// assert!((0.0..1.0).contains(&u));
/// ```
#[derive(Debug, Clone)]
pub struct Seeded(Xoshiro256PlusPlus);

impl Seeded {
    /// The generator for `seed`.
    pub fn new(seed: u64) -> Self {
        Seeded(Xoshiro256PlusPlus::seed_from_u64(seed))
    }

    /// 64 random bits.
    pub fn bits(&mut self) -> u64 {
        self.0.random()
    }

    /// Uniform in `0..n`, unbiased; `n > 0` (an empty range panics, a caller's bug).
    pub fn below(&mut self, n: usize) -> usize {
        self.0.random_range(0..n)
    }

    /// Uniform in `range` (integers), unbiased; the range is not empty.
    pub fn range(&mut self, range: Range<usize>) -> usize {
        self.0.random_range(range)
    }

    /// Uniform in `[0, 1)`, a multiple of `2^-53`.
    pub fn unit(&mut self) -> f64 {
        self.0.random()
    }

    /// Uniform in `[lo, hi)`: `lo + (hi − lo) · unit()`, rounded once each way.
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// `true` with probability ½.
    pub fn coin(&mut self) -> bool {
        self.0.random()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_covered_without_bias_and_seeds_repeat() {
        // 3 does not divide 2^64: a modulo would favour 0; every count stays within 6
        // standard deviations (sqrt(n·p·(1−p)) ≈ 149) of n/3.
        let mut rng = Seeded::new(1);
        let n = 100_000;
        let mut counts = [0usize; 3];
        for _ in 0..n {
            counts[rng.below(3)] += 1;
        }
        for c in counts {
            assert!(c.abs_diff(n / 3) < 6 * 149, "{counts:?}");
        }
        let draw = |seed| {
            let mut r = Seeded::new(seed);
            (r.bits(), r.unit(), r.range(5..9), r.coin())
        };
        assert_eq!(draw(42), draw(42));
        assert_ne!(draw(42), draw(43));
        let (_, u, k, _) = draw(42);
        assert!((0.0..1.0).contains(&u) && (5..9).contains(&k));
    }
}
