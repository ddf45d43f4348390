//! Distances between floating-point numbers in units in the last place (ulps).

/// Maps an `f64` onto a line of integers on which adjacent floats differ by 1 and the order
/// of the reals is kept (`-0.0` and `+0.0` both map to 0).
fn ordinal(x: f64) -> i128 {
    let bits = x.to_bits() as i64;
    if bits < 0 {
        -i128::from(bits & i64::MAX)
    } else {
        i128::from(bits)
    }
}

/// The number of representable `f64` values between `a` and `b` (0 when equal).
///
/// Infinities are the ends of the line: `ulp_distance(f64::MAX, f64::INFINITY) == 1`.
/// A NaN is infinitely far from everything, itself included: `u64::MAX`.
pub fn ulp_distance(a: f64, b: f64) -> u64 {
    if a.is_nan() || b.is_nan() {
        return u64::MAX;
    }
    let d = (ordinal(a) - ordinal(b)).unsigned_abs();
    u64::try_from(d).unwrap_or(u64::MAX)
}

/// The spacing of `f64` values at `x`: `2^(e − 52)` for `|x| ∈ [2^e, 2^(e+1))`, the smallest
/// subnormal near 0, infinite for infinities and NaN.
pub fn ulp(x: f64) -> f64 {
    if !x.is_finite() {
        return f64::INFINITY;
    }
    let a = x.abs();
    if a == f64::MAX {
        return a - f64::from_bits(a.to_bits() - 1);
    }
    f64::from_bits(a.to_bits() + 1) - a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(ulp_distance(1.0, 1.0), 0);
        assert_eq!(ulp_distance(1.0, 1.0 + f64::EPSILON), 1);
        assert_eq!(ulp_distance(-0.0, 0.0), 0);
        assert_eq!(ulp_distance(-f64::from_bits(1), f64::from_bits(1)), 2);
        assert_eq!(ulp_distance(f64::MAX, f64::INFINITY), 1);
        assert_eq!(ulp_distance(f64::NAN, f64::NAN), u64::MAX);
        assert_eq!(
            ulp_distance(f64::NEG_INFINITY, f64::INFINITY),
            2 * 0x7ff0_0000_0000_0000
        );
    }

    #[test]
    fn spacing() {
        assert_eq!(ulp(1.0), f64::EPSILON);
        assert_eq!(ulp(-1.5), f64::EPSILON);
        assert_eq!(ulp(0.0), f64::from_bits(1));
        assert_eq!(ulp(f64::INFINITY), f64::INFINITY);
    }
}
