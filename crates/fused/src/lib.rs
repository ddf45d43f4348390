//! Cross-entropy the **fused** way: one pass over the inputs, no temporaries, vectorised
//! logarithms, a compensated sum, and the same bits on any number of threads.
//!
//! ```text
//! S = Σ_ij y_ij·ln a_ij + (1 − y_ij)·ln(1 − a_ij)      binary: A, Y are n_y × m
//! S = Σ_ij p_ij·ln q_ij                                categorical: Q, P are k × m
//! J = −S / m                                           (0·ln 0 = 0; ln(1 − a) exact for tiny a)
//! ```
//!
//! The documents' numpy styles materialise `ln A`, `1 − Y`, `ln(1 − A)` and their products
//! before summing; `xent-sum`, `xent-dot` and `xent-matmul` reproduce those styles. This crate
//! is the production path: it reads each input once, keeps nothing the size of the input,
//! and computes **one logarithm per entry** for hard labels (`ln a` where `y = 1`,
//! `ln(1 − a)` where `y = 0`), two for soft labels, and for categorical problems one per
//! sample (class indices or one-hot targets) or one per non-zero target entry (soft
//! targets). From logits: `ln σ(z) = −softplus(−z)` with one `e^x` and one `ln_1p` per entry
//! (soft labels too, as `softplus(z) − softplus(−z) = z`); per column one log-sum-exp, as
//! `ln_1p(Σ_{i≠i*} e^{z_i − z*})`, so confident columns keep their digits.
//!
//! It does not validate in [`Formulation`](xent_core::Formulation) (the problem types of `xent-core` did); for raw
//! slices, [`binary_from_slices`] and [`categorical_from_slices`] validate **in the same
//! pass** and report exactly the [`xent_core::Error`] `xent-core` would (same variant, same
//! operand, same position). It computes the summed log-likelihood only, as a scalar
//! ([`ReducedShape::Scalar`](xent_core::ReducedShape::Scalar)): the `(1, 1)` and `(n, n)`
//! shapes of the other styles are theirs.
//!
//! ```
//! use xent_core::{ErrorBound, Formulation, published};
//! use xent_fused::Fused;
//!
//! // Y = [[1,0,1,1,0,1,0,0]], A2 = [[0.8,0.2,0.95,0.92,0.01,0.93,0.1,0.02]]
//! let problem = published::binary_example()?;
//! let e = Fused.binary(&problem);
//! // The document's logprobs, -0.78914625761870361, is numpy's f64: both lie within the
//! // a priori bound of the exact sum, hence within twice of each other.
//! let bound = ErrorBound::binary(&problem).log_likelihood;
//! assert!((e.log_likelihood - -0.789_146_257_618_703_61).abs() <= 2.0 * bound);
//! assert_eq!(format!("{:.8}", e.nats()), "0.09864328"); // the published cost, m = 8
//!
//! // The formula answer's first example: target B, q = [0.228, 0.619, 0.153].
//! let q = published::CATEGORICAL[0].prediction;
//! let problem = xent_core::CategoricalProblem::with_classes(
//!     xent_core::nalgebra::DMatrix::from_column_slice(3, 1, &q),
//!     &[1],
//! )?;
//! assert_eq!(format!("{:.4}", Fused.categorical(&problem).nats()), "0.4797");
//! # Ok::<(), xent_core::Error>(())
//! ```
//!
//! # How
//!
//! - **Leaves.** The entries (binary) or whole columns (categorical) are cut into leaves of
//!   about 8192 entries, fixed by the shape alone. Leaves run in parallel (`rayon::join`
//!   over a balanced binary tree of leaf indices) in the current rayon pool, and their sums
//!   are combined along that tree, whose shape does not depend on the threads.
//! - **Stages.** Inside a leaf, sub-blocks of 256 entries go through vectorisable stages: a
//!   *selection* stage computes, per entry, the reduced argument `f` of each logarithm (exact,
//!   see [`math`]) and its exponent `k`, into buffers in L1, with the flags (soft label? a
//!   probability 0 or subnormal? when checking: an entry out of `[0, 1]`, `NaN`); a
//!   *logarithm* stage takes `ln(1 + f)` of the buffers and adds the terms to the lanes, while
//!   it prefetches the next sub-block. The `k·ln 2` parts are summed apart — exactly, as
//!   integers, for hard labels; compensated, weighted by the labels, for soft ones — and
//!   multiplied by `ln 2` once per leaf. Since `|ln(1 + f)| ≤ |ln x|` for `x ≤ 1`, neither
//!   sum can cancel the other. A sub-block the fast kernels do not handle (soft labels: the
//!   soft-label kernel; zeros, ones and subnormals under a logarithm: the general kernel,
//!   with masks) is redone from L1.
//! - **Dispatch.** The kernels are written once as scalar code and compiled for each
//!   [`Isa`] path (AVX-512, AVX2+FMA, SSE2, portable) with `#[target_feature]`, chosen at
//!   run time ([`Isa::detect`]). No heap allocation: the peak extra memory is 0 bytes of heap
//!   and a few tens of KiB of stack per thread, whatever the size of the input.
//!
//! # Accuracy
//!
//! Every term has one sign (a weight times a log-probability), so nothing cancels and the
//! only errors are each term's and the summation's:
//!
//! - the logarithm is within 1 ulp ([`tolerance::LN_MAX_ULPS`]; measured 0.85 ulp, see
//!   [`math`]), and so is `ln(1 − a)`, even for `a = 10^−20`; in the sums, `ln(1 + f)` is
//!   within 0.77 ulp (0.85 without FMA) of itself, and its magnitude is at most the term's;
//! - inside a leaf, 16 lanes sum with Kahan's compensation (error ≤ 2u·Σ|t|, independent of
//!   the number of terms); lanes and leaves are added as double-doubles; one rounding at the
//!   end.
//!
//! The tests hold the result within [`tolerance::FUSED_MAX_ULPS`] = 4 ulps of the
//! arbitrary-precision oracle of `xent-verify` at 10^7 entries (hard and soft labels, logits
//! in `[−800, 800]`, categorical with class indices and with soft targets) and in the traps
//! (`a = 10^−20` with label 0, `a = 10^−300`, subnormals, `0·ln 0`); observed: 0 or 1 ulp.
//!
//! # Determinism
//!
//! The same input gives the same bits for any number of threads (tested with pools of 1 to
//! 4), and on every FMA path: [`Isa::Avx512`], [`Isa::Avx2Fma`] and [`Isa::Portable`] perform
//! the same IEEE operations in the same order (tested). [`Isa::Sse2`], for x86-64 CPUs
//! without FMA, evaluates the polynomials without it — `mul_add` would be a library call —
//! and may differ from them in the last bits, within the same accuracy.
//!
//! # Errors and panics
//!
//! Evaluating a validated problem cannot fail: a positive weight on a zero probability is the
//! result `S = −∞` (`J = +∞`). The slice entry points return [`xent_core::Error`] values.
//! Nothing panics on any input.
//!
//! # Speed
//!
//! `cargo xtask bench` measures it against the other formulations and numpy; see the
//! README's "Performance". On a 2-core AMD EPYC (Zen 4, AVX-512), binary with hard labels:
//! about 0.9 ns per entry on one thread in cache, near the memory bandwidth beyond.

mod accumulate;
mod binary;
mod categorical;
mod checked;
mod formulation;
pub mod isa;
pub mod math;
pub mod tolerance;

pub use checked::{ColumnMajor, Targets, binary_from_slices, categorical_from_slices};
pub use formulation::{Fused, FusedOn};
pub use isa::Isa;
/// The fused path runs in the current rayon thread pool (the global one unless the caller
/// installs another): re-exported so callers can choose the number of threads.
pub use rayon;

#[cfg(test)]
mod tests {
    use super::*;
    use xent_core::published;

    #[test]
    fn reproduces_every_published_value() -> xent_core::Result<()> {
        let rows = published::reproduce_all(&Fused)?;
        let failed: Vec<_> = rows.iter().filter(|r| !r.holds).collect();
        assert!(failed.is_empty(), "{failed:#?}");
        assert_eq!(rows.len(), 9);
        Ok(())
    }
}
