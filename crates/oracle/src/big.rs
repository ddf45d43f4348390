//! Arbitrary-precision arithmetic for the oracle: exact `f64` inputs, logarithms that keep
//! their relative accuracy near 1 (`ln_1p`), and the one correctly rounded conversion back to
//! `f64` that astro-float does not provide.
//!
//! Every `f64` is exactly representable as a `BigFloat` of at least 64 bits, so inputs enter
//! without error; every astro-float operation is correctly rounded to the working precision
//! `p` (its documentation's guarantee), so each one errs by at most `2^-p` relative.

use astro_float::{BigFloat, Consts, RoundingMode, Sign};

use crate::tolerance::SERIES_THRESHOLD_LOG2;
use crate::{Error, Result};

/// Round to nearest, ties to even: the rounding of IEEE-754 `f64` arithmetic.
pub(crate) const RM: RoundingMode = RoundingMode::ToEven;

/// A working precision and astro-float's cache of constants.
pub(crate) struct Ctx {
    /// Working precision in bits (a multiple of 64).
    pub(crate) p: usize,
    cc: Consts,
}

impl Ctx {
    /// A context working at `p` bits.
    pub(crate) fn new(p: usize) -> Result<Self> {
        let cc = Consts::new().map_err(|e| Error::Arithmetic(format!("constants cache: {e:?}")))?;
        Ok(Ctx { p: p.max(64), cc })
    }

    /// `x`, exactly (see [`from_f64`]).
    pub(crate) fn f(&self, x: f64) -> BigFloat {
        from_f64(x, self.p)
    }

    /// The exact integer `n` (needs `p ≥ 64`).
    pub(crate) fn int(&self, n: u64) -> BigFloat {
        BigFloat::from_u64(n, self.p)
    }

    pub(crate) fn zero(&self) -> BigFloat {
        BigFloat::from_word(0, self.p)
    }

    pub(crate) fn one(&self) -> BigFloat {
        BigFloat::from_word(1, self.p)
    }

    pub(crate) fn add(&self, a: &BigFloat, b: &BigFloat) -> BigFloat {
        a.add(b, self.p, RM)
    }

    pub(crate) fn sub(&self, a: &BigFloat, b: &BigFloat) -> BigFloat {
        a.sub(b, self.p, RM)
    }

    pub(crate) fn mul(&self, a: &BigFloat, b: &BigFloat) -> BigFloat {
        a.mul(b, self.p, RM)
    }

    pub(crate) fn div(&self, a: &BigFloat, b: &BigFloat) -> BigFloat {
        a.div(b, self.p, RM)
    }

    /// `ln x`, correctly rounded (`−∞` at 0).
    pub(crate) fn ln(&mut self, x: &BigFloat) -> BigFloat {
        x.ln(self.p, RM, &mut self.cc)
    }

    /// `log2 x` computed directly (not as `ln x / ln 2`), correctly rounded.
    pub(crate) fn log2(&mut self, x: &BigFloat) -> BigFloat {
        x.log2(self.p, RM, &mut self.cc)
    }

    /// `log10 x` computed directly, correctly rounded.
    pub(crate) fn log10(&mut self, x: &BigFloat) -> BigFloat {
        x.log10(self.p, RM, &mut self.cc)
    }

    /// `e^x`, correctly rounded; 0 on underflow, `+∞` on overflow (of astro-float's
    /// exponent range, about `2^±2^31`).
    pub(crate) fn exp(&mut self, x: &BigFloat) -> BigFloat {
        x.exp(self.p, RM, &mut self.cc)
    }

    /// `ln(1 + t)` for `t > −1`, with relative error at most `2^(SERIES_THRESHOLD_LOG2 + 2 − p)`:
    /// for `|t| < 2^SERIES_THRESHOLD_LOG2` by its alternating series (whose truncation error
    /// is below the first omitted term), otherwise as `ln` of the rounded `1 + t`, whose
    /// absolute error `2^-p` is at most `2^(−SERIES_THRESHOLD_LOG2 + 1 − p)` relative to
    /// `|ln(1 + t)| ≥ |t|/2`.
    pub(crate) fn ln_1p(&mut self, t: &BigFloat) -> BigFloat {
        if t.is_zero() {
            return self.zero();
        }
        let small = t
            .exponent()
            .is_some_and(|e| i64::from(e) <= i64::from(SERIES_THRESHOLD_LOG2));
        if !small {
            let one_plus = self.add(&self.one(), t);
            return self.ln(&one_plus);
        }
        // |t| < 2^-32: Σ_{k≥1} (−1)^{k+1} t^k / k. Each term is below 2^-32 times the one
        // before, so p/32 + 2 terms reach 2^-p relative to the first.
        let terms = self.p / (-SERIES_THRESHOLD_LOG2) as usize + 2;
        let mut power = t.clone();
        let mut sum = t.clone();
        for k in 2..=terms as u64 {
            power = self.mul(&power, t);
            let term = self.div(&power, &self.int(k));
            sum = if k % 2 == 0 {
                self.sub(&sum, &term)
            } else {
                self.add(&sum, &term)
            };
        }
        sum
    }
}

/// The correctly rounded sum of `terms`: exact in a `BigFloat` wide enough for every bit of
/// every term and the carries (the span of their exponents, 53 bits and `log2` of their
/// count), rounded once to the nearest `f64`. NaN with a NaN or with both infinities; an
/// infinity with one.
///
/// ```
/// assert_eq!(xent_oracle::big::sum(&[1e308, 1.0, -1e308]), 1.0);
/// assert_eq!(xent_oracle::big::sum(&[0.1, 0.2]), 0.30000000000000004); // 0.1 + 0.2, once
/// ```
pub fn sum(terms: &[f64]) -> f64 {
    let (pos, neg) = (
        terms.contains(&f64::INFINITY),
        terms.contains(&f64::NEG_INFINITY),
    );
    if terms.iter().any(|t| t.is_nan()) || (pos && neg) {
        return f64::NAN;
    }
    if pos || neg {
        return if pos {
            f64::INFINITY
        } else {
            f64::NEG_INFINITY
        };
    }
    // Exponents of the leading and last bits: every finite f64 lies in [2^-1074, 2^1024).
    let exponents = terms.iter().filter(|t| **t != 0.0).map(|t| {
        let e = t.abs().log2().floor() as i64;
        (e, e - 53)
    });
    let (hi, lo) = exponents.fold((i64::MIN, i64::MAX), |(h, l), (e, f)| (h.max(e), l.min(f)));
    if hi == i64::MIN {
        return 0.0;
    }
    let carries = 64 - (terms.len() as u64).leading_zeros() as i64;
    let p = ((hi - lo + 2 + carries + 64) as usize).div_ceil(64) * 64;
    let mut total = BigFloat::from_word(0, p);
    for &t in terms {
        total = total.add(&from_f64(t, p), p, RoundingMode::None);
    }
    to_f64(&total)
}

/// `x` as a `BigFloat` of `p ≥ 64` bits, exactly: `−0.0` becomes `+0`, infinities and NaN
/// become astro-float's.
///
/// astro-float's own `BigFloat::from_f64` (0.9) halves subnormal inputs (it takes the biased
/// exponent field 0 as −1023 instead of −1022), so the significand and the exponent are read
/// here and assembled exactly: `x = M · 2^k` with an integer `M < 2^53`.
pub fn from_f64(x: f64, p: usize) -> BigFloat {
    let p = p.max(64);
    if x == 0.0 {
        return BigFloat::from_word(0, p);
    }
    if !x.is_finite() {
        return BigFloat::from_f64(x, p);
    }
    let raw = x.to_bits();
    let field = ((raw >> 52) & 0x7ff) as i32;
    let fraction = raw & ((1u64 << 52) - 1);
    let (significand, k) = if field == 0 {
        (fraction, -1074)
    } else {
        (fraction | (1u64 << 52), field - 1075)
    };
    let mut v = BigFloat::from_u64(significand, p);
    if let Some(e) = v.exponent() {
        v.set_exponent(e + k);
    }
    if x < 0.0 { v.neg() } else { v }
}

/// `2^k` as an `f64`, for `k ∈ [−1074, 1023]` (subnormal powers included).
fn pow2(k: i64) -> f64 {
    debug_assert!((-1074..=1023).contains(&k));
    if k >= -1022 {
        f64::from_bits(((k + 1023) as u64) << 52)
    } else {
        f64::from_bits(1u64 << (k + 1074))
    }
}

/// `x` rounded to the nearest `f64`, ties to even, as IEEE-754 rounds: the overflow
/// threshold is `f64::MAX + ulp/2` (at and above it, `±∞`), subnormals are rounded at their
/// own reduced precision, and a value below half the smallest subnormal is a signed zero.
/// NaN maps to NaN.
///
/// astro-float keeps a finite non-zero value as `0.m × 2^e` with the mantissa's words least
/// significant first and the most significant bit of the last word set; the conversion reads
/// the leading 53 (or, for subnormal results, fewer) bits, the next bit (round) and whether
/// any bit below it is set (sticky).
pub fn to_f64(x: &BigFloat) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x.is_inf_pos() {
        return f64::INFINITY;
    }
    if x.is_inf_neg() {
        return f64::NEG_INFINITY;
    }
    let Some((words, _bits, sign, e, _inexact)) = x.as_raw_parts() else {
        return f64::NAN;
    };
    let negative = sign == Sign::Neg;
    let signed = |v: f64| if negative { -v } else { v };
    let Some(&top) = words.last() else {
        return signed(0.0);
    };
    if top >> 63 == 0 {
        // Zero, or an astro-float subnormal (below 2^(−2^31)): far below f64's range.
        return signed(0.0);
    }
    // x = 1.f × 2^lead.
    let lead = i64::from(e) - 1;
    if lead > 1023 {
        return signed(f64::INFINITY);
    }
    // Significant bits f64 keeps at this magnitude: 53 for normals, fewer for subnormals.
    let keep = if lead >= -1022 { 53 } else { lead + 1075 };
    let lower_nonzero = words[..words.len() - 1].iter().any(|&w| w != 0);
    if keep < 0 {
        // |x| < 2^-1075: below half the smallest subnormal.
        return signed(0.0);
    }
    if keep == 0 {
        // 2^-1075 ≤ |x| < 2^-1074: exactly half the smallest subnormal ties to even (0).
        let exactly_half = top == 1 << 63 && !lower_nonzero;
        return signed(if exactly_half { 0.0 } else { pow2(-1074) });
    }
    let keep = keep as u32; // 1..=53
    let mut q = top >> (64 - keep);
    let round = (top >> (63 - keep)) & 1 == 1;
    let sticky = (top & ((1u64 << (63 - keep)) - 1)) != 0 || lower_nonzero;
    if round && (sticky || q & 1 == 1) {
        q += 1; // may carry to 2^keep: still exact as an f64, and 2^1024 overflows to ∞
    }
    // x ≈ q × 2^(lead − keep + 1); q ≤ 2^53 converts exactly and the power of two scales
    // exactly (the product is representable or overflows, which is the IEEE result).
    signed(q as f64 * pow2(lead - i64::from(keep) + 1))
}

/// Whether the interval `[lo, hi]` (same sign, `lo ≤ hi` in magnitude) rounds to one `f64`:
/// then that `f64` is the correctly rounded value of anything inside it.
pub(crate) fn rounds_uniquely(lo: &BigFloat, hi: &BigFloat) -> Option<f64> {
    let (a, b) = (to_f64(lo), to_f64(hi));
    (a.to_bits() == b.to_bits()).then_some(a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use quickcheck::{QuickCheck, TestResult};

    fn ctx() -> Ctx {
        Ctx::new(256).expect("context")
    }

    #[test]
    fn round_trips_every_kind_of_f64() {
        let c = ctx();
        let specials = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.1,
            f64::MAX,
            -f64::MAX,
            f64::MIN_POSITIVE,
            f64::MIN_POSITIVE - f64::from_bits(1),
            f64::from_bits(1),
            -f64::from_bits(1),
            f64::from_bits(0x000f_ffff_ffff_ffff),
            f64::EPSILON,
            1.0 - f64::EPSILON / 2.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        for x in specials {
            let y = to_f64(&from_f64(x, 256));
            assert_eq!(y.to_bits(), if x == 0.0 { 0 } else { x.to_bits() }, "{x:e}");
        }
        assert!(to_f64(&c.f(f64::NAN)).is_nan());
    }

    #[test]
    fn round_trips_arbitrary_bit_patterns() {
        fn prop(bits: u64) -> TestResult {
            let x = f64::from_bits(bits);
            if x.is_nan() || x == 0.0 {
                return TestResult::discard();
            }
            TestResult::from_bool(to_f64(&from_f64(x, 128)).to_bits() == bits)
        }
        QuickCheck::new()
            .tests(2000)
            .quickcheck(prop as fn(u64) -> TestResult);
    }

    #[test]
    fn correctly_rounds_known_constants() -> Result<()> {
        let mut c = ctx();
        let two = c.f(2.0);
        let ten = c.f(10.0);
        assert_eq!(to_f64(&c.ln(&two)), std::f64::consts::LN_2);
        assert_eq!(to_f64(&c.ln(&ten)), std::f64::consts::LN_10);
        assert_eq!(to_f64(&c.exp(&c.one())), std::f64::consts::E);
        let third = c.div(&c.one(), &c.f(3.0));
        assert_eq!(to_f64(&third), 1.0 / 3.0);
        // ln(1 − 1e-20) via ln_1p keeps the tiny value the naive form loses.
        let t = c.f(-1e-20);
        assert_eq!(to_f64(&c.ln_1p(&t)), -1e-20);
        let naive = c.add(&c.one(), &t);
        assert_eq!(to_f64(&c.ln(&naive)), -1e-20, "exact 1 + t at 256 bits");
        Ok(())
    }

    #[test]
    fn ties_round_to_even_and_halfway_up_when_sticky() {
        let c = ctx();
        let half_ulp = c.f(f64::EPSILON / 2.0);
        // 1 + ulp/2 is a tie: even is 1.
        assert_eq!(to_f64(&c.add(&c.one(), &half_ulp)), 1.0);
        // (1 + ulp) + ulp/2 is a tie: even is 1 + 2 ulp.
        let odd = c.f(1.0 + f64::EPSILON);
        assert_eq!(to_f64(&c.add(&odd, &half_ulp)), 1.0 + 2.0 * f64::EPSILON);
        // Anything past the tie rounds up (2^-200 is well inside 256 bits of 1).
        let sticky = c.f(2f64.powi(-200));
        let past = c.add(&half_ulp, &sticky);
        assert_eq!(to_f64(&c.add(&c.one(), &past)), 1.0 + f64::EPSILON);
        assert_eq!(to_f64(&c.sub(&c.one(), &sticky)), 1.0);
        // Below 1 the spacing halves: 1 − 2^-54 ties to 1 (even), a hair less rounds down.
        let below = c.sub(&c.one(), &c.f(f64::EPSILON / 4.0));
        assert_eq!(to_f64(&below), 1.0);
        assert_eq!(to_f64(&c.sub(&below, &sticky)), 1.0 - f64::EPSILON / 2.0);
    }

    #[test]
    fn subnormal_inputs_enter_exactly() {
        // Independently of `to_f64`: 2^-1074 · 2^1023 · 2^51 = 1 and the largest subnormal
        // is 2^-1022 − 2^-1074.
        let c = ctx();
        let tiny = c.f(f64::from_bits(1));
        let scaled = c.mul(&c.mul(&tiny, &c.f(2f64.powi(1023))), &c.f(2f64.powi(51)));
        assert_eq!(scaled.cmp(&c.one()), Some(0));
        let largest = c.f(f64::from_bits(0x000f_ffff_ffff_ffff));
        let expected = c.sub(&c.f(f64::MIN_POSITIVE), &tiny);
        assert_eq!(largest.cmp(&expected), Some(0));
    }

    #[test]
    fn subnormals_and_overflow() {
        let c = ctx();
        let tiny = f64::from_bits(1); // 2^-1074
        let half_tiny = c.div(&c.f(tiny), &c.f(2.0));
        assert_eq!(to_f64(&half_tiny), 0.0, "2^-1075 ties to even: 0");
        let just_over = c.add(&half_tiny, &c.div(&half_tiny, &c.f(1e10)));
        assert_eq!(to_f64(&just_over), tiny);
        let neg = c.sub(&c.zero(), &just_over);
        assert_eq!(to_f64(&neg).to_bits(), (-tiny).to_bits());
        let quarter_tiny = c.div(&c.f(tiny), &c.f(4.0));
        assert_eq!(to_f64(&quarter_tiny), 0.0);
        assert_eq!(
            to_f64(&c.sub(&c.zero(), &quarter_tiny)).to_bits(),
            (-0.0f64).to_bits()
        );
        // 1.5 × 2^-1074 is a tie between 2^-1074 (odd) and 2^-1073 (even).
        let one_and_half = c.mul(&c.f(tiny), &c.f(1.5));
        assert_eq!(to_f64(&one_and_half), 2.0 * tiny);
        // 3 × 2^-1075 + sticky inside the subnormal range.
        let sub = c.f(f64::from_bits(0x0000_0000_0000_0003));
        let sub_tie = c.add(&sub, &half_tiny);
        assert_eq!(to_f64(&sub_tie), f64::from_bits(4));
        // Largest subnormal + half its ulp ties to the smallest normal (even).
        let big_sub = c.f(f64::from_bits(0x000f_ffff_ffff_ffff));
        assert_eq!(to_f64(&c.add(&big_sub, &half_tiny)), f64::MIN_POSITIVE);
        // MAX + ulp/2 overflows (ties to the even 2^1024); just below it does not.
        let half_ulp_max = c.f(2f64.powi(970));
        assert_eq!(to_f64(&c.add(&c.f(f64::MAX), &half_ulp_max)), f64::INFINITY);
        let below = c.sub(&half_ulp_max, &c.f(2f64.powi(800))); // within 256 bits of MAX
        assert_eq!(to_f64(&c.add(&c.f(f64::MAX), &below)), f64::MAX);
        let huge = c.mul(&c.f(f64::MAX), &c.f(4.0));
        assert_eq!(to_f64(&huge), f64::INFINITY);
        assert_eq!(to_f64(&c.sub(&c.zero(), &huge)), f64::NEG_INFINITY);
    }

    #[test]
    fn ln_1p_is_accurate_on_both_sides_of_the_series_threshold() {
        let mut c = ctx();
        for t in [
            1e-300, 2e-10, 2.3e-10, 1e-5, 0.25, -0.25, -1e-12, 1.0, 1e300,
        ] {
            let via_series = to_f64(&c.ln_1p(&c.f(t)));
            // Reference through the plain logarithm at a precision where 1 + t is exact
            // (t ≥ 1e-300 ≈ 2^-997) and its ln keeps far more than 53 significant bits.
            let mut wide = Ctx::new(4096).expect("context");
            let reference = {
                let one_plus = wide.add(&wide.one(), &wide.f(t));
                to_f64(&wide.ln(&one_plus))
            };
            assert_eq!(via_series, reference, "ln_1p({t:e})");
        }
    }
}
