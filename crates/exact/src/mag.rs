//! Unsigned big integers just big enough for rounding and dividing exact sums: little-endian
//! 32-bit limbs, no high zero limb. Slow and simple; they are used once per result, not per term.

use std::cmp::Ordering;

/// An unsigned integer, little-endian 32-bit limbs, trimmed (zero has no limb).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mag(Vec<u32>);

impl Mag {
    pub(crate) fn from_limbs(limbs: Vec<u32>) -> Mag {
        let mut m = Mag(limbs);
        m.trim();
        m
    }

    pub(crate) fn from_u64(x: u64) -> Mag {
        Mag::from_limbs(vec![x as u32, (x >> 32) as u32])
    }

    fn trim(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }

    pub(crate) fn is_zero(&self) -> bool {
        self.0.is_empty()
    }

    fn limb(&self, i: u64) -> u32 {
        usize::try_from(i)
            .ok()
            .and_then(|i| self.0.get(i))
            .copied()
            .unwrap_or(0)
    }

    /// The number of significant bits (0 for zero).
    pub(crate) fn bit_len(&self) -> u64 {
        match self.0.last() {
            None => 0,
            Some(&top) => 32 * (self.0.len() as u64 - 1) + u64::from(32 - top.leading_zeros()),
        }
    }

    pub(crate) fn bit(&self, i: u64) -> bool {
        self.limb(i / 32) >> (i % 32) & 1 == 1
    }

    /// Bits `lo .. lo + n` as an integer, `n ≤ 64`; bits past the top are zero.
    pub(crate) fn bits(&self, lo: u64, n: u32) -> u64 {
        let li = lo / 32;
        let w = u128::from(self.limb(li))
            | u128::from(self.limb(li + 1)) << 32
            | u128::from(self.limb(li + 2)) << 64;
        let mask = if n >= 64 { u64::MAX } else { (1u64 << n) - 1 };
        (w >> (lo % 32)) as u64 & mask
    }

    /// Whether any bit below bit `i` is set.
    pub(crate) fn any_below(&self, i: u64) -> bool {
        let li = i / 32;
        let full = usize::try_from(li).map_or(self.0.len(), |l| l.min(self.0.len()));
        self.0[..full].iter().any(|&l| l != 0) || self.limb(li) & ((1u32 << (i % 32)) - 1) != 0
    }

    pub(crate) fn shl(&self, s: u64) -> Mag {
        if self.is_zero() {
            return Mag(Vec::new());
        }
        let (limbs, bits) = ((s / 32) as usize, (s % 32) as u32);
        let mut out = vec![0u32; limbs];
        out.reserve(self.0.len() + 1);
        let mut carry = 0u32;
        for &l in &self.0 {
            out.push(l << bits | carry);
            carry = if bits == 0 { 0 } else { l >> (32 - bits) };
        }
        out.push(carry);
        Mag::from_limbs(out)
    }

    pub(crate) fn shr1(&mut self) {
        let mut carry = 0u32;
        for l in self.0.iter_mut().rev() {
            let next = *l & 1;
            *l = *l >> 1 | carry << 31;
            carry = next;
        }
        self.trim();
    }

    /// `self −= other`, for `self ≥ other`.
    pub(crate) fn sub_assign(&mut self, other: &Mag) {
        let mut borrow = 0u64;
        for (i, l) in self.0.iter_mut().enumerate() {
            let o = u64::from(other.0.get(i).copied().unwrap_or(0));
            let d = u64::from(*l).wrapping_sub(o).wrapping_sub(borrow);
            *l = d as u32;
            borrow = d >> 63;
        }
        debug_assert_eq!(borrow, 0, "sub_assign needs self >= other");
        self.trim();
    }
}

impl PartialOrd for Mag {
    fn partial_cmp(&self, other: &Mag) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Mag {
    fn cmp(&self, other: &Mag) -> Ordering {
        self.0
            .len()
            .cmp(&other.0.len())
            .then_with(|| self.0.iter().rev().cmp(other.0.iter().rev()))
    }
}

/// `±(mag + f) · 2^e0`, where `0 < f < 1` when `sticky` and `f = 0` otherwise, correctly
/// rounded to `f64` (to nearest, ties to even; overflow gives `±∞`, underflow `±0`).
///
/// Callers pass `sticky` only with `mag ≥ 2^55`, so the sticky fraction lies below the rounding
/// bit whatever the exponent.
pub(crate) fn round_to_f64(negative: bool, mag: &Mag, sticky: bool, e0: i64) -> f64 {
    let sign = if negative { -1.0 } else { 1.0 };
    if mag.is_zero() {
        debug_assert!(!sticky);
        return sign * 0.0;
    }
    let top = mag.bit_len() as i64 - 1;
    // The exponent of the result's last mantissa bit: 53 bits below the top, or the subnormals'.
    let qexp = (top + e0 - 52).max(-1074);
    if qexp + 1074 > 2046 {
        return sign * f64::INFINITY;
    }
    let qbit = qexp - e0;
    let mant = if qbit <= 0 {
        // Exact: every bit of mag is a mantissa bit (then top ≤ 52, and no sticky fraction).
        debug_assert!(!sticky && top <= 52);
        mag.bits(0, 64) << -qbit
    } else {
        let q = qbit as u64;
        let mant = mag.bits(q, 64);
        let half = mag.bit(q - 1);
        let rest = sticky || mag.any_below(q - 1);
        mant + u64::from(half && (rest || mant & 1 == 1))
    };
    // mant < 2^53 (or = 2^53 after rounding up): adding it to the exponent field moves an
    // overflowing mantissa into the exponent, and a subnormal one into the normal range.
    let bits = (((qexp + 1074) as u64) << 52) + mant;
    if bits >= f64::INFINITY.to_bits() {
        return sign * f64::INFINITY;
    }
    sign * f64::from_bits(bits)
}

/// `n / d = (q + f) · 2^e` with `2^55 ≤ q < 2^57` and `0 ≤ f < 1`: returns `(q, f ≠ 0, e)`.
/// Both must be nonzero.
pub(crate) fn quotient(n: &Mag, d: &Mag) -> (Mag, bool, i64) {
    let (pn, pd) = (n.bit_len() as i64, d.bit_len() as i64);
    debug_assert!(pn > 0 && pd > 0);
    // n · 2^s / d lies in (2^(pn − 1 + s − pd), 2^(pn + s − pd + 1)) = (2^55, 2^57).
    let s = 56 - pn + pd;
    let (mut r, d) = if s >= 0 {
        (n.shl(s as u64), d.clone())
    } else {
        (n.clone(), d.shl(s.unsigned_abs()))
    };
    let mut t = d.shl(56);
    let mut q = 0u64;
    for j in (0..=56).rev() {
        if r >= t {
            r.sub_assign(&t);
            q |= 1 << j;
        }
        t.shr1();
    }
    (Mag::from_u64(q), !r.is_zero(), -s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_and_shifts() {
        let m = Mag::from_u64(0b1011_0000);
        assert_eq!(m.bit_len(), 8);
        assert!(m.bit(4) && !m.bit(3) && m.bit(7) && !m.bit(1000));
        assert_eq!(m.bits(4, 4), 0b1011);
        assert_eq!(m.bits(5, 2), 0b01);
        assert!(m.any_below(5) && !m.any_below(4) && !m.any_below(0));
        let big = m.shl(100);
        assert_eq!(big.bit_len(), 108);
        assert_eq!(big.bits(104, 4), 0b1011);
        assert!(!big.any_below(104) && big.any_below(105));
        let mut h = big.clone();
        for _ in 0..100 {
            h.shr1();
        }
        assert_eq!(h, m);
        let mut d = big.clone();
        d.sub_assign(&Mag::from_u64(1));
        assert_eq!(d.bit_len(), 107 + 1);
        assert!(d < big);
        assert_eq!(big.cmp(&d), std::cmp::Ordering::Greater);
        assert_eq!(d.bits(0, 64), u64::MAX);
    }

    #[test]
    fn quotient_of_small_integers() {
        // 1/3 = 0.0101…: q = floor(2^(s) / 3) with q in [2^55, 2^57).
        let (q, sticky, e) = quotient(&Mag::from_u64(1), &Mag::from_u64(3));
        let q = q.bits(0, 64);
        assert!((1u64 << 55..1u64 << 57).contains(&q));
        assert!(sticky);
        assert_eq!(q, ((1u128 << -e) / 3) as u64);
        let (q, sticky, e) = quotient(&Mag::from_u64(12), &Mag::from_u64(4));
        assert!(!sticky);
        assert_eq!(q.bits(0, 64) as u128, 3u128 << -e);
    }
}
