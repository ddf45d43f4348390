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
//! [`Fused`] evaluates validated problems (`xent-core`'s, which **borrow** the caller's
//! arrays: `f32` or `f64` predictions, float, integer or bool labels, class indices of any
//! integer or float dtype, column-major or row-major); [`checked`] takes an
//! [`Unvalidated`](xent_core::Unvalidated) problem and validates **in the same pass**,
//! reporting exactly the [`xent_core::Error`] `xent-core`'s validation would (same variant,
//! operand, position and value); [`Stream`] does the same for a problem pushed in blocks of
//! consecutive samples, with the same bits. It computes the summed log-likelihood only, as a
//! scalar ([`ReducedShape::Scalar`](xent_core::ReducedShape::Scalar)): the `(1, 1)` and
//! `(n, n)` shapes of the other styles are theirs.
//!
//! ```
//! use xent_core::{ErrorBound, Formulation, Unvalidated, View, published};
//! use xent_fused::{Fused, checked};
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
//! // The same labels as bools, borrowed: validated in the pass, the same bits.
//! let y = published::BINARY_Y.map(|y| y == 1.0);
//! let a = View::vector(&published::BINARY_A).array();
//! let raw = Unvalidated::binary(a, View::vector(&y).array(), false)?;
//! assert_eq!(checked(&raw)?.log_likelihood.to_bits(), e.log_likelihood.to_bits());
//!
//! // The formula answer's first example: target B, q = [0.228, 0.619, 0.153].
//! let q = published::CATEGORICAL[0].prediction;
//! let problem = xent_core::CategoricalProblem::with_classes(View::column(&q), &[1u8])?;
//! assert_eq!(format!("{:.4}", Fused.categorical(&problem).nats()), "0.4797");
//! # Ok::<(), xent_core::Error>(())
//! ```
//!
//! **Weights, masks and an ignored index** (`xent_core::weights`) take the weighted
//! kernels: the inputs, the per-sample weights and the mask read together in the same pass
//! over leaves of whole samples, `Σ_j v_j·s_j` and the divisor `W` summed side by side (for
//! binary probabilities in the unweighted kernels' own leaf, each term weighted, the weights
//! read in place), and the per-sample
//! losses of the reduction `none` from the same leaves
//! ([`Formulation::per_sample`](xent_core::Formulation::per_sample)). Their guarantees are
//! the same (threads, dtypes, memory orders; tested), their accuracy that of the numpy
//! styles' a priori bound; [`checked`] validates a weighted problem with `xent-core` first
//! (two passes), and a [`Stream`] refuses one.
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
//! - **Reading.** The kernels read every operand in the *canonical order*, the column-major
//!   order of `(rows, cols)`, whatever its memory order. An `f64` column-major operand is
//!   read in place (zero copy); any other (`f32`, integers, bool, a row-major view) is
//!   widened exactly into the sub-block buffers as it is consumed (binary), or into a
//!   leaf-sized buffer on the stack, gathered column by column (categorical: its kernels need
//!   a sample's `k` entries contiguous; a single column of more than 8192 classes goes on the
//!   heap). The values and their order are the same either way, so `f32` data gives the bits
//!   of the same values widened to `f64`, integer or bool labels the bits of the same labels
//!   as `f64`, and a row-major view the bits of its column-major copy (tested).
//! - **Dispatch.** The kernels are written once as scalar code and compiled for each
//!   [`Isa`] path (AVX-512, AVX2+FMA, SSE2, portable) with `#[target_feature]`, chosen at
//!   run time ([`Isa::detect`]). No heap allocation (but for the one huge column above): the
//!   peak extra memory is a few tens of KiB of stack per thread (up to about 130 KiB for a
//!   widened categorical leaf), whatever the size of the input.
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
//! **Exact mode** ([`Sum::Exact`], [`exact`]) gives the same bits on *every* path, SSE2
//! included: each term is evaluated without FMA everywhere and added to an exact
//! superaccumulator, so the result is the correctly rounded sum of those terms, whatever the
//! path, the threads and the split of the samples into merged parts (tested term by term).
//!
//! # Errors and panics
//!
//! Evaluating a validated problem cannot fail: a positive weight on a zero probability is the
//! result `S = −∞` (`J = +∞`). [`checked`] and [`Stream::finish`] return
//! [`xent_core::Error`] values: exactly [`Unvalidated::validate`](xent_core::Unvalidated::validate)'s
//! error (the first offence, in memory order, of the first check in `xent-core`'s order; see
//! [`checked`]), and, for a stream, a block that does not fit its declared shape as
//! [`Error::ShapeMismatch`](xent_core::Error::ShapeMismatch) or
//! [`Error::KindMismatch`](xent_core::Error::KindMismatch). Nothing panics on any input.
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
pub mod exact;
mod formulation;
pub mod isa;
pub mod math;
mod source;
mod stream;
pub mod tolerance;
mod weighted;

pub use checked::checked;
pub use formulation::{Fused, FusedOn, Sum};
pub use isa::Isa;
/// The fused path runs in the current rayon thread pool (the global one unless the caller
/// installs another): re-exported so callers can choose the number of threads.
pub use rayon;
pub use stream::Stream;

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
