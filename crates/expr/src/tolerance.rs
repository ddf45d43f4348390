//! Every tolerance, bound and limit of `xent-expr`, named, in one place, each with its reason.
//!
//! The reference loss is held to `xent_core::ErrorBound` (re-exported here with the unit
//! roundoff and the libm error it is built from); what this crate adds is the bound on the
//! *expression's own* evaluation, propagated operation by operation through the evaluator
//! (a running error analysis, Higham, *Accuracy and Stability of Numerical Algorithms*,
//! §3.3), and the rules that turn distances into verdicts.

pub use xent_core::ErrorBound;
pub use xent_core::tolerance::{LIBM_ERROR_U, UNIT_ROUNDOFF};

/// The unit roundoff of float32, `2^-24`: the rounding of every float32 operation
/// (`np.float32(…)` and what follows it).
pub const FLOAT32_UNIT_ROUNDOFF: f64 = f32::EPSILON as f64 / 2.0;

/// Largest constant a guard may add or clip with (`np.log(A + 1e-9)`,
/// `np.clip(A, 1e-7, 1 - 1e-7)`, `np.maximum(A, 1e-12)`) to be named a *guard*, a
/// perturbation of the input rather than a different formula: `10^-3`, far above the
/// `10^-7 … 10^-15` people write and far below any prediction the suite draws
/// (`PREDICTION_RANGE` starts at 0.05).
pub const GUARD_MAX: f64 = 1e-3;

/// Longest source text the parser reads. A loss is a few lines; a megabyte of input is a
/// mistake (or a fuzzer), and refusing it keeps the parser's cost bounded.
pub const MAX_SOURCE_BYTES: usize = 64 * 1024;

/// Deepest nesting of parentheses, unary minus, `**` exponents, calls and list literals the
/// parser accepts. Each level costs a handful of stack frames of the recursive descent;
/// 64 levels are far beyond any loss and far below any stack, so deep input is a
/// [`crate::ParseError`], never a stack overflow.
pub const MAX_NESTING: usize = 64;

/// Most entries an intermediate array may have (2^26, half a gigabyte with its error
/// bounds). `np.dot(Y.T, A)` on a million samples is an `(m, m)` matrix of 10^12 entries:
/// refused as [`crate::ExprError::TooLarge`] rather than an allocation failure.
pub const MAX_ELEMENTS: usize = 1 << 26;

/// Relative slack on every running error bound, `1 + 10^-6`.
///
/// The running bound is first order (products of two error terms are dropped where they
/// are not carried explicitly) and is itself evaluated in floating point; both effects are
/// relative `O(n·u)`, below `10^-9` for the `n < 10^7` terms an expression here reduces.
pub const BOUND_SLACK: f64 = 1e-6;

/// The accuracy every formulation of the definition is held to: two values within the
/// reference's a priori bound each of the exact loss, `2 · ErrorBound` (the verifier's
/// `admits_pair`). An expression consistent with the loss but further than this from the
/// reference is `inaccurate`: its own evaluation loses digits a careful one keeps.
pub fn required_accuracy(reference_bound: f64) -> f64 {
    2.0 * reference_bound
}

/// Relative error bound, in units of `u`, above which a sub-expression is named as the place
/// where digits are lost (`np.log(1-A)` when `1 - A` rounds). An accurate evaluation of a
/// loss builds up at most `n·u` for `n` terms plus a few `u` per operation; `10^4 u` is past
/// any such build-up for the problem sizes checked and well below the `1/a` amplification
/// of `ln(1 − a)` for `a < 10^-4`.
pub const CULPRIT_U: f64 = 1e4;

/// Extra relative allowance when testing `value ≈ factor · reference`: the product
/// `factor · reference` and the factor itself (`1/ln 2`, `1/m`) are each rounded once.
pub const FACTOR_ROUNDING_U: f64 = 2.0;

/// The bound of a value converted from nats to base `b` (`value_b = value / ln b`): the bound
/// in nats scaled by `1 / ln b`, plus the division's rounding (`u`) and that of `ln b` itself
/// (correctly rounded for the named bases, libm's for others: `LIBM_ERROR_U`), relative to
/// the result.
pub fn in_base(bound: f64, ln_b: f64, scaled: f64) -> f64 {
    bound / ln_b.abs() + (1.0 + LIBM_ERROR_U) * UNIT_ROUNDOFF * scaled.abs()
}

/// The seed of the random problems of a symbolic check, so every run (and every snapshot)
/// sees the same problems.
pub const DEFAULT_SEED: u64 = 0x7e57_5eed_0007;

/// Range of the predictions of the regular random problems: away from 0 and 1, so that
/// `ln a` and `ln(1 − a)` are well conditioned and a regular run measures the expression,
/// not the data. The edges are probed separately (exact 0 and 1, tiny predictions).
pub const PREDICTION_RANGE: (f64, f64) = (0.05, 0.95);

/// Range of soft labels of the regular random problems (for the same reason).
pub const SOFT_LABEL_RANGE: (f64, f64) = (0.05, 0.95);

/// Predictions of the tiny-probability probe, all with label 0: below `u = 2^-53 ≈ 1.1e-16`
/// so `1 - a` rounds to exactly 1 and `np.log(1 - a)` returns 0, where the truth is `≈ −a`
/// (DESIGN: `ln(1 − a)` is `ln_1p(−a)`; for `a = 1e-20` the naive form gives 0).
pub const TINY_PREDICTIONS: [f64; 4] = [1e-20, 3e-19, 2e-18, 5e-17];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiny_predictions_vanish_in_one_minus_a() {
        for a in TINY_PREDICTIONS {
            assert_eq!(1.0 - a, 1.0, "{a}");
            assert!((-a).ln_1p() < 0.0, "{a}");
        }
    }

    #[test]
    fn ranges_are_inside_the_unit_interval() {
        for (lo, hi) in [PREDICTION_RANGE, SOFT_LABEL_RANGE] {
            assert!(0.0 < lo && lo < hi && hi < 1.0);
        }
    }
}
