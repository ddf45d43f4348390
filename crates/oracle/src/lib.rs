//! The ground truth of `xent`: the definition of cross-entropy evaluated in arbitrary
//! precision (astro-float, [`PRECISION`] bits and more when needed) and rounded once,
//! correctly, to `f64`. Everything that judges (the verifier, the expression checker, the
//! tests) measures other numbers against it, in ulps; it is the only arbitrary-precision
//! code in the workspace.
//!
//! - [`binary`], [`categorical`] (and `try_` forms returning the arithmetic's failure as a
//!   value): the loss `J` and log-likelihood `S` of a problem, probabilities or logits, soft
//!   or one-hot targets, correctly rounded; [`binary_exact`]/[`categorical_exact`] keep the
//!   exact sum to take other correctly rounded scalings of it (another base, another
//!   divisor).
//! - [`weighted`]: the weighted forms (`xent_core::weights`), per-sample losses, their sum
//!   and the weighted mean, each correctly rounded.
//! - [`ln`], [`ln_1p`]: single correctly rounded logarithms; [`LnError`] the error of
//!   a computed logarithm in fractional ulps (the fused path's measured accuracy).
//! - [`in_base_directly`]: `−Σ p log_b q` with `log_b` itself evaluated (not `J / ln b`), an
//!   independent route to the loss in another base.
//! - [`big`]: exact `f64` ↔ `BigFloat` conversion, the one correctly rounded conversion back
//!   that astro-float does not provide.
//!
//! ```
//! use xent_core::{BinaryProblem, View};
//!
//! let (a, y) = ([0.5, 0.5], [1.0, 0.0]);
//! let problem = BinaryProblem::new(View::vector(&a), View::vector(&y))?;
//! assert_eq!(xent_oracle::try_binary(&problem)?.loss, std::f64::consts::LN_2);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod big;
mod definition;
pub mod tolerance;
mod weighted;

pub use definition::{
    Exact, LnError, Oracle, binary, binary_exact, categorical, categorical_exact, in_base_directly,
    ln, ln_1p, try_binary, try_categorical,
};
pub use tolerance::{MAX_PRECISION, PRECISION};
pub use weighted::{Weighted, weighted, weighted_over};

/// Why the oracle could not produce a value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// The arbitrary-precision arithmetic failed (astro-float returned NaN: an allocation
    /// failure or an argument outside its domain).
    #[error("arbitrary-precision arithmetic failed: {0}")]
    Arithmetic(String),
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
