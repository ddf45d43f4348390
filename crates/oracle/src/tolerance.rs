//! The oracle's precision and error budget, each with its reason.

/// Working precision of the oracle, in bits.
///
/// Every term is accurate to about `2^-(256 − 36)` relative (see [`TERM_ERROR_LOG2`]), so a
/// sum of up to `2^100` terms still leaves more than 100 bits beyond `f64`'s 53: enough that
/// the final rounding is ambiguous only for a value within `2^-150` of a rounding boundary,
/// where the oracle retries at a higher precision.
pub const PRECISION: usize = 256;

/// The oracle doubles its precision while its error interval straddles a rounding boundary
/// of `f64`, up to this many bits; past it, it returns the rounding of its estimate. A sum of
/// logarithms of rationals is transcendental (Lindemann), so it is never exactly on a
/// boundary, and 4096 bits have never been needed.
pub const MAX_PRECISION: usize = 4096;

/// `ln(1 + t)` switches from `ln` of the rounded `1 + t` to its series below
/// `|t| < 2^SERIES_THRESHOLD_LOG2`: rounding `1 + t` to `p` bits costs `2^-p` absolute,
/// which is at most `2^(1 − SERIES_THRESHOLD_LOG2 − p)` relative to `ln(1 + t) ≥ t/2`; below
/// the threshold the series converges by 32 bits a term.
pub const SERIES_THRESHOLD_LOG2: i32 = -32;

/// The relative error of one oracle term is at most `2^TERM_ERROR_LOG2 · 2^-p`: the
/// `ln(1 + t)` path above (`2^33`), plus a handful of correctly rounded operations
/// (products with the weight and the count, `1 − y`, soft-plus's addition), rounded up.
pub const TERM_ERROR_LOG2: u32 = 36;

/// Correctly rounded operations each accumulated item adds to the oracle's sum (its
/// addition, its products), rounded up: all terms have one sign, so each operation's
/// relative error is also a relative error of the total (Higham §4.2).
pub const OPS_PER_ITEM: u64 = 8;
