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

/// `bound` expressed in ulps of `at`, rounded up: 0 when `at` is not finite (a finite bound
/// at an infinity), `u64::MAX` for an infinite or NaN bound at a finite value.
pub fn ulps(bound: f64, at: f64) -> u64 {
    if !bound.is_finite() {
        return if at.is_finite() { u64::MAX } else { 0 };
    }
    if !at.is_finite() {
        return 0;
    }
    let u = (bound / ulp(at)).ceil();
    if u >= u64::MAX as f64 {
        u64::MAX
    } else {
        u as u64
    }
}

/// An `f64` in a report: JSON has no infinities or NaN, so those are written as the strings
/// `"inf"`, `"-inf"` and `"NaN"` (and so displayed); finite values as numbers, displayed in
/// the shortest decimal that round-trips (the same on every platform). The one encoding of
/// every JSON report of the workspace.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Num(pub f64);

impl serde::Serialize for Num {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0.is_finite() {
            s.serialize_f64(self.0)
        } else {
            s.collect_str(self)
        }
    }
}

impl std::fmt::Display for Num {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let x = self.0;
        if x.is_nan() {
            f.write_str("NaN")
        } else if x == f64::INFINITY {
            f.write_str("inf")
        } else if x == f64::NEG_INFINITY {
            f.write_str("-inf")
        } else {
            write!(f, "{x:?}")
        }
    }
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

    #[test]
    fn bounds_in_ulps_round_up() {
        assert_eq!(ulps(4.0 * f64::EPSILON, 1.0), 4);
        assert_eq!(ulps(4.5 * f64::EPSILON, 1.0), 5);
        assert_eq!(ulps(1.0, f64::INFINITY), 0);
        assert_eq!(ulps(f64::INFINITY, 1.0), u64::MAX);
    }

    #[test]
    fn numbers_display_as_they_serialise() {
        for (x, shown) in [
            (0.1, "0.1"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "NaN"),
        ] {
            assert_eq!(Num(x).to_string(), shown);
        }
    }
}
