//! The small superaccumulator: 67 chunks of 32 bits (plus 31 bits of headroom each).

use crate::Error;
use crate::mag::{Mag, quotient, round_to_f64};

/// Number of chunks: exponents 1..=2046 shifted by their low 5 bits reach chunk 64; two more
/// hold carries.
const CHUNKS: usize = 67;
/// The index of the top chunk, the only signed digit of the normal form.
const TOP: usize = CHUNKS - 1;
const DIGIT_BITS: u32 = 32;
const DIGIT_MASK: i64 = (1 << DIGIT_BITS) - 1;
/// A term adds less than 2^52 to a chunk, and a normalised chunk is below 2^32: 1023 terms keep
/// every chunk below 2^32 + 1023 · 2^52 < 2^62, far from overflowing.
const CARRY_TERMS: u32 = (1 << (63 - 53)) - 1;

const FRAC_MASK: u64 = (1 << 52) - 1;
const IMPLICIT: u64 = 1 << 52;
const EXP_MAX: u32 = 0x7ff;

const NAN: u8 = 1;
const POS_INF: u8 = 2;
const NEG_INF: u8 = 4;

/// Format version, the first byte of [`Accumulator::to_bytes`].
const VERSION: u8 = 1;

/// The length of [`Accumulator::to_bytes`]: a version byte, a flags byte, the 66 low digits as
/// `u32` and the top digit as `i64`, little-endian.
pub const ENCODED_LEN: usize = 2 + 4 * TOP + 8;

/// The exact sum of `f64` terms (Neal's small superaccumulator), with flags for `±∞` and NaN.
///
/// 544 bytes, no allocation. Adding a term costs a few integer operations; see
/// [`LargeAccumulator`](crate::LargeAccumulator) for long sums.
///
/// Equality (`==`) is equality of the exact sums and of the flags, as for
/// [`to_bytes`](Accumulator::to_bytes).
#[derive(Clone, Debug)]
pub struct Accumulator {
    /// Chunk `i` weighs `2^(32 i − 1075)`; the value is the sum of all, not normalised.
    chunk: [i64; CHUNKS],
    /// Terms that may still be added before the chunks must be normalised.
    adds_until_propagate: u32,
    /// [`NAN`], [`POS_INF`], [`NEG_INF`].
    flags: u8,
}

impl Default for Accumulator {
    fn default() -> Self {
        Accumulator::new()
    }
}

impl PartialEq for Accumulator {
    fn eq(&self, other: &Accumulator) -> bool {
        self.flags == other.flags && self.normalised() == other.normalised()
    }
}

impl Eq for Accumulator {}

impl Accumulator {
    /// An empty sum: [`round`](Accumulator::round) gives `+0.0`.
    pub fn new() -> Accumulator {
        Accumulator {
            chunk: [0; CHUNKS],
            adds_until_propagate: CARRY_TERMS,
            flags: 0,
        }
    }

    /// Adds one term, exactly. `±∞` and NaN set flags (see [`round`](Accumulator::round)).
    #[inline]
    pub fn add(&mut self, x: f64) {
        if self.adds_until_propagate == 0 {
            self.propagate();
        }
        self.adds_until_propagate -= 1;
        self.add_unchecked(x);
    }

    /// Adds every term of `xs`, exactly.
    pub fn add_slice(&mut self, xs: &[f64]) {
        let mut rest = xs;
        while !rest.is_empty() {
            if self.adds_until_propagate == 0 {
                self.propagate();
            }
            let k = rest.len().min(self.adds_until_propagate as usize);
            let (block, tail) = rest.split_at(k);
            // Blocks that fit the headroom: no carry check inside.
            for &x in block {
                self.add_unchecked(x);
            }
            self.adds_until_propagate -= k as u32;
            rest = tail;
        }
    }

    /// Adds one term; the caller has counted it against `adds_until_propagate`.
    #[inline]
    fn add_unchecked(&mut self, x: f64) {
        let bits = x.to_bits();
        let exp = (bits >> 52) as u32 & EXP_MAX;
        if exp == EXP_MAX {
            self.add_special(x);
            return;
        }
        let frac = bits & FRAC_MASK;
        // Subnormals have no implicit bit and the exponent of the smallest normals.
        let (mant, e) = if exp == 0 {
            (frac, 1)
        } else {
            (frac | IMPLICIT, exp)
        };
        self.add_mantissa(bits >> 63 == 1, mant, e);
    }

    #[cold]
    fn add_special(&mut self, x: f64) {
        self.flags |= if x.is_nan() {
            NAN
        } else if x > 0.0 {
            POS_INF
        } else {
            NEG_INF
        };
    }

    /// Adds `±mant · 2^(e − 1075)`, `mant < 2^53`, `1 ≤ e ≤ 2046`, uncounted.
    #[inline]
    fn add_mantissa(&mut self, negative: bool, mant: u64, e: u32) {
        let low = e % DIGIT_BITS;
        // e ≤ 2046, so high ≤ 63 and high + 1 < CHUNKS; the mask lets the compiler see it.
        let high = (e / DIGIT_BITS) as usize & 63;
        let lo = ((mant << low) as i64) & DIGIT_MASK;
        let hi = (mant >> (DIGIT_BITS - low)) as i64;
        if negative {
            self.chunk[high] -= lo;
            self.chunk[high + 1] -= hi;
        } else {
            self.chunk[high] += lo;
            self.chunk[high + 1] += hi;
        }
    }

    /// Adds `±m · 2^(e − 1075)`, `m < 2^65`, `1 ≤ e ≤ 2046`: a flushed sum of mantissas of the
    /// large superaccumulator. It lands in three chunks, each piece below 2^32: one term's worth.
    pub(crate) fn add_wide(&mut self, negative: bool, m: u128, e: u32) {
        if self.adds_until_propagate == 0 {
            self.propagate();
        }
        self.adds_until_propagate -= 1;
        let shifted = m << (e % DIGIT_BITS);
        let high = (e / DIGIT_BITS) as usize & 63;
        for (k, chunk) in self.chunk[high..high + 3].iter_mut().enumerate() {
            let piece = (shifted >> (DIGIT_BITS as usize * k)) as i64 & DIGIT_MASK;
            if negative {
                *chunk -= piece;
            } else {
                *chunk += piece;
            }
        }
    }

    pub(crate) fn or_flags(&mut self, x: f64) {
        self.add_special(x);
    }

    /// Makes every chunk but the top a digit in `[0, 2^32)`, moving carries up (arithmetic
    /// shifts: a negative chunk borrows). The top digit wraps only past 2^77 terms.
    fn propagate(&mut self) {
        let mut carry = 0i64;
        for c in &mut self.chunk[..TOP] {
            let v = *c + carry;
            *c = v & DIGIT_MASK;
            carry = v >> DIGIT_BITS;
        }
        self.chunk[TOP] = self.chunk[TOP].wrapping_add(carry);
        self.adds_until_propagate = CARRY_TERMS;
    }

    /// The unique normal form: 66 digits in `[0, 2^32)` and a signed top digit.
    fn normalised(&self) -> [i64; CHUNKS] {
        let mut n = self.clone();
        n.propagate();
        n.chunk
    }

    /// Adds the terms of `other` (exactly: the result equals adding all of both to one
    /// accumulator, in any order).
    pub fn merge(&mut self, other: &Accumulator) {
        self.propagate();
        let o = other.normalised();
        for (c, o) in self.chunk[..TOP].iter_mut().zip(&o[..TOP]) {
            *c += o;
        }
        self.chunk[TOP] = self.chunk[TOP].wrapping_add(o[TOP]);
        self.flags |= other.flags;
        self.propagate();
    }

    /// The flags' verdict, or `None` when the result is the finite sum's.
    fn special(&self) -> Option<f64> {
        let f = self.flags;
        if f & NAN != 0 || f & (POS_INF | NEG_INF) == POS_INF | NEG_INF {
            Some(f64::NAN)
        } else if f & POS_INF != 0 {
            Some(f64::INFINITY)
        } else if f & NEG_INF != 0 {
            Some(f64::NEG_INFINITY)
        } else {
            None
        }
    }

    /// The sign and magnitude of the exact finite sum, in units of 2^-1075.
    fn signed_magnitude(&self) -> (bool, Mag) {
        let n = self.normalised();
        let negative = n[TOP] < 0;
        // Two's complement over 68 limbs: 66 digits and the top digit's two halves.
        let mut limbs: Vec<u32> = n[..TOP].iter().map(|&d| d as u32).collect();
        limbs.push(n[TOP] as u32);
        limbs.push((n[TOP] >> 32) as u32);
        if negative {
            let mut carry = 1u64;
            for l in &mut limbs {
                let v = u64::from(!*l) + carry;
                *l = v as u32;
                carry = v >> 32;
            }
        }
        (negative, Mag::from_limbs(limbs))
    }

    /// The sum, correctly rounded to nearest, ties to even.
    ///
    /// NaN if a term was NaN or terms were `+∞` and `−∞`; else `±∞` if a term was; else the
    /// exact sum of the finite terms rounded once, which is `±∞` if it overflows and `+0.0` if
    /// it is exactly zero (whatever the signs of zero terms).
    pub fn round(&self) -> f64 {
        if let Some(s) = self.special() {
            return s;
        }
        let (negative, mag) = self.signed_magnitude();
        round_to_f64(negative, &mag, false, -1075)
    }

    /// The sum divided by `divisor`, correctly rounded once (a mean, exactly).
    ///
    /// The flags give NaN or `±∞` as for [`round`](Accumulator::round); an exactly zero sum
    /// gives `+0.0`. A zero divisor is [`Error::DivisionByZero`].
    pub fn div_round(&self, divisor: u64) -> Result<f64, Error> {
        if divisor == 0 {
            return Err(Error::DivisionByZero);
        }
        if let Some(s) = self.special() {
            return Ok(s);
        }
        let (negative, n) = self.signed_magnitude();
        Ok(divide(negative, &n, &Mag::from_u64(divisor), -1075))
    }

    /// The exact sum over the exact sum of `denominator`, correctly rounded once (a weighted
    /// mean `Σ w·l / Σ w`, with `Σ w·l` in `self` and `Σ w` in `denominator`).
    ///
    /// A denominator whose sum is exactly zero with no flag set is [`Error::DivisionByZero`],
    /// whatever the numerator. Otherwise the flags follow IEEE division of the two results of
    /// [`round`](Accumulator::round): NaN if either is NaN or both are infinite, `±∞` over a
    /// finite value is `±∞` (signs multiply), a finite value over `±∞` is a zero with the signs'
    /// product. A zero quotient (zero numerator, or underflow) has the sign IEEE gives
    /// `round() / denominator.round()`, the exact zero numerator counting as `+0.0`.
    pub fn ratio_round(&self, denominator: &Accumulator) -> Result<f64, Error> {
        let num = self.special();
        let den = denominator.special();
        let (num_neg, n) = self.signed_magnitude();
        let (den_neg, d) = denominator.signed_magnitude();
        if den.is_none() && d.is_zero() {
            return Err(Error::DivisionByZero);
        }
        let sign = |neg: bool| if neg { -1.0 } else { 1.0 };
        Ok(match (num, den) {
            (Some(a), Some(b)) => a / b,
            (Some(a), None) => a * sign(den_neg),
            (None, Some(b)) => sign(num_neg) * 0.0 / b,
            (None, None) => divide(num_neg != den_neg, &n, &d, 0),
        })
    }

    /// The canonical encoding: equal exact sums with equal flags give equal bytes, whatever
    /// the order of the additions and merges that made them.
    ///
    /// Layout ([`ENCODED_LEN`] bytes): version (1), flags (bit 0 NaN, bit 1 `+∞`, bit 2 `−∞`),
    /// then the normal form's 66 low digits as little-endian `u32` (digit `i` weighs
    /// `2^(32 i − 1075)`) and its signed top digit as a little-endian `i64`.
    pub fn to_bytes(&self) -> [u8; ENCODED_LEN] {
        let n = self.normalised();
        let mut out = [0u8; ENCODED_LEN];
        out[0] = VERSION;
        out[1] = self.flags;
        for (dst, &d) in out[2..].chunks_exact_mut(4).zip(&n[..TOP]) {
            dst.copy_from_slice(&(d as u32).to_le_bytes());
        }
        out[ENCODED_LEN - 8..].copy_from_slice(&n[TOP].to_le_bytes());
        out
    }

    /// Decodes [`to_bytes`](Accumulator::to_bytes). Wrong length, an unknown version or unknown
    /// flag bits are errors; every other content is a valid sum.
    pub fn from_bytes(bytes: &[u8]) -> Result<Accumulator, Error> {
        let bytes: &[u8; ENCODED_LEN] = bytes.try_into().map_err(|_| Error::WrongLength {
            found: bytes.len(),
            expected: ENCODED_LEN,
        })?;
        if bytes[0] != VERSION {
            return Err(Error::UnknownVersion(bytes[0]));
        }
        if bytes[1] & !(NAN | POS_INF | NEG_INF) != 0 {
            return Err(Error::InvalidFlags(bytes[1]));
        }
        let mut acc = Accumulator::new();
        acc.flags = bytes[1];
        for (c, src) in acc.chunk[..TOP]
            .iter_mut()
            .zip(bytes[2..ENCODED_LEN - 8].chunks_exact(4))
        {
            *c = i64::from(u32::from_le_bytes([src[0], src[1], src[2], src[3]]));
        }
        let mut top = [0u8; 8];
        top.copy_from_slice(&bytes[ENCODED_LEN - 8..]);
        acc.chunk[TOP] = i64::from_le_bytes(top);
        Ok(acc)
    }
}

/// `±n / d · 2^e0` correctly rounded, `d ≠ 0`.
fn divide(negative: bool, n: &Mag, d: &Mag, e0: i64) -> f64 {
    if n.is_zero() {
        return if negative { -0.0 } else { 0.0 };
    }
    let (q, sticky, e) = quotient(n, d);
    round_to_f64(negative, &q, sticky, e0 + e)
}
