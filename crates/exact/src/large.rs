//! The large superaccumulator: one sum of raw mantissas per sign and exponent, in front of a
//! small one.

use std::fmt;

use crate::{Accumulator, Error};

/// Sign and exponent: the top 12 bits of an `f64`.
const SLOTS: usize = 1 << 12;
/// A slot sums at most this many 52-bit fractions: 4095 · (2^52 − 1) < 2^64.
const SLOT_TERMS: u16 = 4095;
const FRAC_MASK: u64 = (1 << 52) - 1;
const EXP_MAX: usize = 0x7ff;

/// The exact sum of `f64` terms, faster than [`Accumulator`] on long sums (Neal's large
/// superaccumulator): adding a term adds its 52 fraction bits to one of 4096 per-sign-and-exponent
/// sums, which are flushed into a small [`Accumulator`] when full or when a result is asked for.
///
/// About 40 KiB on the heap. Results come from [`to_accumulator`](LargeAccumulator::to_accumulator),
/// which is exact and costs a pass over the 4096 sums; the rounding conveniences call it.
#[derive(Clone)]
pub struct LargeAccumulator {
    small: Accumulator,
    /// The sums of the 52-bit fractions of the terms of each sign and exponent.
    sums: Box<[u64; SLOTS]>,
    /// How many more terms each slot can take before it must be flushed; always 0 for the
    /// infinities and NaNs, so that they take the slow path.
    remaining: Box<[u16; SLOTS]>,
}

impl Default for LargeAccumulator {
    fn default() -> Self {
        LargeAccumulator::new()
    }
}

impl fmt::Debug for LargeAccumulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LargeAccumulator")
            .field("flushed", &self.to_accumulator())
            .finish_non_exhaustive()
    }
}

impl LargeAccumulator {
    /// An empty sum.
    pub fn new() -> LargeAccumulator {
        let mut remaining = Box::new([SLOT_TERMS; SLOTS]);
        remaining[EXP_MAX] = 0;
        remaining[SLOTS / 2 + EXP_MAX] = 0;
        LargeAccumulator {
            small: Accumulator::new(),
            sums: Box::new([0; SLOTS]),
            remaining,
        }
    }

    /// Adds one term, exactly.
    #[inline]
    pub fn add(&mut self, x: f64) {
        let bits = x.to_bits();
        let ix = (bits >> 52) as usize & (SLOTS - 1);
        let r = self.remaining[ix];
        if r == 0 {
            self.add_slow(ix, x);
            return;
        }
        self.remaining[ix] = r - 1;
        self.sums[ix] += bits & FRAC_MASK;
    }

    /// Adds every term of `xs`, exactly.
    pub fn add_slice(&mut self, xs: &[f64]) {
        for &x in xs {
            self.add(x);
        }
    }

    #[cold]
    #[inline(never)]
    fn add_slow(&mut self, ix: usize, x: f64) {
        if ix & EXP_MAX == EXP_MAX {
            self.small.or_flags(x);
        } else {
            flush(&mut self.small, ix, SLOT_TERMS, self.sums[ix]);
            self.sums[ix] = x.to_bits() & FRAC_MASK;
            self.remaining[ix] = SLOT_TERMS - 1;
        }
    }

    /// Adds the terms of a small accumulator.
    pub fn merge(&mut self, other: &Accumulator) {
        self.small.merge(other);
    }

    /// The exact sum so far as a small [`Accumulator`] (to merge, encode or round).
    pub fn to_accumulator(&self) -> Accumulator {
        let mut acc = self.small.clone();
        for (ix, (&sum, &r)) in self.sums.iter().zip(self.remaining.iter()).enumerate() {
            if ix & EXP_MAX != EXP_MAX && r != SLOT_TERMS {
                flush(&mut acc, ix, SLOT_TERMS - r, sum);
            }
        }
        acc
    }

    /// [`Accumulator::round`] of the sum.
    pub fn round(&self) -> f64 {
        self.to_accumulator().round()
    }

    /// [`Accumulator::div_round`] of the sum.
    pub fn div_round(&self, divisor: u64) -> Result<f64, Error> {
        self.to_accumulator().div_round(divisor)
    }
}

/// Adds to `acc` the `terms` terms of slot `ix` whose fractions sum to `sum`.
fn flush(acc: &mut Accumulator, ix: usize, terms: u16, sum: u64) {
    let exp = (ix & EXP_MAX) as u32;
    let negative = ix > EXP_MAX;
    // Normal terms have an implicit bit each; subnormals have the exponent of the least normals.
    let (m, e) = if exp == 0 {
        (u128::from(sum), 1)
    } else {
        (u128::from(sum) + (u128::from(terms) << 52), exp)
    };
    if m != 0 {
        acc.add_wide(negative, m, e);
    }
}
