//! The verifier's own numbers, named, each with its reason.
//!
//! The formulations' a priori error bounds live in [`xent_core::tolerance`] (`ErrorBound`);
//! this module holds what the verifier adds on top: how a bound carries over to another log
//! base. (The bounds of the values its property tests compute outside the formulations,
//! statrs's entropies and the like, are in `xent_core::tolerance` too.) Nothing in the
//! verifier or its tests compares floating-point numbers with a literal epsilon.

use xent_core::tolerance::{LIBM_ERROR_U, UNIT_ROUNDOFF};
use xent_core::{ErrorBound, LogBase};

pub use xent_core::published::FULL_PRECISION_DIGITS;
pub use xent_core::ulp::ulps;

/// Relative error of `ln b` as [`LogBase::ln`] returns it, in units of `u`: 0 for `e`
/// (exactly 1), 1 for 2 and 10 (correctly rounded constants), the platform `ln` otherwise.
fn base_ln_error_u(base: LogBase) -> f64 {
    if base == LogBase::E {
        0.0
    } else if base == LogBase::TWO || base == LogBase::TEN {
        1.0
    } else {
        LIBM_ERROR_U
    }
}

/// The bound on a loss reported in base `b`, `J_b = J / ln b` ([`LogBase::from_nats`]),
/// when `J` is within `bound` of the exact loss in nats: the bound scales by `1 / ln b`, and
/// `ln b` and the division each add their rounding relative to `|J_b|` (`value_b`).
pub fn in_base(bound: &ErrorBound, base: LogBase, value_b: f64) -> ErrorBound {
    let u = UNIT_ROUNDOFF;
    let scale = 1.0 / base.ln().abs();
    let division = if base == LogBase::E { 0.0 } else { 1.0 };
    let rounding = (base_ln_error_u(base) + division) * u * value_b.abs();
    let grow = 1.0 + 4.0 * u; // second-order terms of the two roundings
    ErrorBound {
        absolute: (bound.absolute * scale + rounding) * grow,
        log_likelihood: bound.log_likelihood,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_e_adds_nothing() {
        let b = ErrorBound {
            absolute: 1e-16,
            log_likelihood: 1e-15,
        };
        assert_eq!(
            in_base(&b, LogBase::E, 0.5).absolute,
            1e-16 * (1.0 + 4.0 * UNIT_ROUNDOFF)
        );
        assert!(in_base(&b, LogBase::TWO, 0.7).absolute > b.absolute / std::f64::consts::LN_2);
    }
}
