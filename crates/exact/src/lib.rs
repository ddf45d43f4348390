//! Exact summation of `f64` terms, correctly rounded once at the end.
//!
//! An [`Accumulator`] holds the **exact** sum of every finite term added to it, as a fixed-point
//! integer wide enough for the whole `f64` range, plus flags for `+∞`, `−∞` and NaN. Its state
//! merges by integer addition, so the result is a function of the *multiset* of terms alone:
//! any order of [`add`](Accumulator::add)s and any tree of [`merge`](Accumulator::merge)s gives
//! the same [`round`](Accumulator::round) bit for bit, and the same canonical
//! [`to_bytes`](Accumulator::to_bytes) (for partial aggregates that travel as bytes).
//! [`LargeAccumulator`] is the same thing made faster for long sums, at the cost of 40 KiB.
//!
//! Results, all correctly rounded to nearest, ties to even, once:
//! [`round`](Accumulator::round) (the sum), [`div_round`](Accumulator::div_round) (the sum over
//! a positive integer, a mean) and [`ratio_round`](Accumulator::ratio_round) (one exact sum over
//! another, a weighted mean `Σ w·l / Σ w`).
//!
//! What it does not do: it does not make the *terms* exact (a product `w · l` rounded before it
//! is added stays rounded), it keeps no NaN payload, it does not count the terms, and it does not
//! track the sign of zero: an exact zero sum of finite terms is `+0.0`, even when every term was
//! `−0.0` (IEEE sequential addition would give `−0.0` there; the state here is a number, and
//! `+0` and `−0` are the same number). It is exact for fewer than 2^77 terms (counting those of
//! merged accumulators), that is, always in practice.
//!
//! The algorithm is Radford Neal's *small superaccumulator* ("Fast exact summation using small
//! and large superaccumulators", arXiv:1505.05571), written anew. The value is kept as 67 signed
//! 64-bit chunks, chunk `i` weighing `2^(32 i − 1075)`: 67 × 32 bits cover every finite `f64` and
//! room for carries. A term's 53-bit mantissa, shifted by the low 5 bits of its exponent, splits
//! into two pieces added to the two chunks its high 6 exponent bits select, with no carry. Each
//! chunk has 31 spare bits, so carries are propagated only every 1023 additions (and before a
//! merge, a rounding or an encoding), which makes every chunk but the last a digit in
//! `[0, 2^32)`: that normal form is unique, hence the canonical bytes. The *large*
//! superaccumulator in front of it keeps one 64-bit sum of raw mantissas per sign and exponent
//! (4096 of them), so adding a term is one addition, and flushes a sum into the small
//! superaccumulator only after 4095 terms of that exponent, or when a result is asked for.
//! Rounding reads the top 53 bits, the next bit and a sticky bit off the normal form; the
//! quotients use a short exact long division of the same integers.
//!
//! ```
//! use xent_exact::Accumulator;
//!
//! let mut acc = Accumulator::new();
//! acc.add_slice(&[1e308, 1.0, 1e308, -1e308, -1e308]);
//! assert_eq!(acc.round(), 1.0); // plain `f64` addition gives +∞ (then NaN) here
//!
//! // Partial sums merge exactly, and their bytes do not depend on the order.
//! let mut other = Accumulator::new();
//! other.add_slice(&[0.1, 0.2]);
//! acc.merge(&other);
//! let decoded = Accumulator::from_bytes(&acc.to_bytes())?;
//! // The exact 1 + 0.1 + 0.2 rounded once; `1.0 + 0.1 + 0.2` in `f64` is 1.3000000000000003.
//! assert_eq!(decoded.round(), 1.3);
//! assert_eq!(decoded.div_round(2)?, 0.65);
//! # Ok::<(), xent_exact::Error>(())
//! ```

mod large;
mod mag;
mod small;

pub use large::LargeAccumulator;
pub use small::{Accumulator, ENCODED_LEN};

/// What can go wrong: a division by an exact zero, or bytes that are not an encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The divisor, or the denominator's exact sum, is zero (with no infinity or NaN in it).
    #[error("division by zero: the divisor is exactly zero")]
    DivisionByZero,
    /// The encoding has the wrong length.
    #[error("an encoded accumulator has {expected} bytes, not {found}")]
    WrongLength {
        /// The length given.
        found: usize,
        /// [`ENCODED_LEN`].
        expected: usize,
    },
    /// The encoding's first byte is not a version this crate writes.
    #[error("unknown encoding version {0}")]
    UnknownVersion(u8),
    /// The flags byte has bits set that mean nothing.
    #[error("invalid flags byte {0:#04x}")]
    InvalidFlags(u8),
}
