//! Runtime CPU-feature dispatch: which instruction set the bulk loops run on.
//!
//! Every kernel of this crate is written once, as scalar Rust made only of IEEE operations
//! (`+ − × ÷`, comparisons, selections, bit manipulation) and, on the FMA paths, explicit
//! [`f64::mul_add`]. A kernel is a `Job`; `run` executes it inside a function compiled with
//! `#[target_feature(enable = ...)]` for the detected instruction set, into which the kernel
//! is inlined, so LLVM vectorises the same source for 128-, 256- or 512-bit registers.
//!
//! | path | enabled features | polynomial | lanes of `f64` |
//! |---|---|---|---|
//! | [`Isa::Avx512`] | `avx512f, avx512dq, avx512vl, avx2, fma` | with FMA | 8 |
//! | [`Isa::Avx2Fma`] | `avx2, fma` | with FMA | 4 |
//! | [`Isa::Sse2`] | (x86-64 baseline) | without FMA | 2 |
//! | [`Isa::Portable`] | (the target's baseline, e.g. NEON on aarch64) | with FMA | target's |
//!
//! **Bits.** Vector and scalar code perform the same correctly rounded operations in the same
//! order, so [`Isa::Avx512`], [`Isa::Avx2Fma`] and [`Isa::Portable`] return identical bits
//! (tested). [`Isa::Sse2`] (an x86-64 without FMA, pre-2013) evaluates the polynomials with a
//! separate multiply and add instead: `mul_add` there would be a library call, about 15 times
//! slower. Its results are as accurate (see [`crate::tolerance`]) but may differ in the last
//! bit from the FMA paths. On any one machine the path is fixed, so results never depend on
//! the number of threads.

use std::sync::atomic::{AtomicU8, Ordering};

/// An instruction-set path of the bulk loops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Isa {
    /// x86-64 with AVX-512 (F, DQ, VL) and FMA: 8 lanes.
    Avx512,
    /// x86-64 with AVX2 and FMA: 4 lanes.
    Avx2Fma,
    /// Any x86-64 (SSE2 is part of the baseline): 2 lanes, polynomials without FMA.
    Sse2,
    /// Any other target, compiled for its baseline (NEON on aarch64), with `mul_add`.
    Portable,
}

impl Isa {
    /// Every path, fastest first.
    pub const ALL: [Isa; 4] = [Isa::Avx512, Isa::Avx2Fma, Isa::Sse2, Isa::Portable];

    /// The fastest path this CPU supports (detected once, then cached).
    pub fn detect() -> Isa {
        static CACHE: AtomicU8 = AtomicU8::new(u8::MAX);
        let cached = CACHE.load(Ordering::Relaxed);
        if let Some(&isa) = Isa::ALL.get(usize::from(cached)) {
            return isa;
        }
        let isa = Isa::ALL
            .into_iter()
            .find(|isa| isa.is_available())
            .unwrap_or(Isa::Portable);
        let index = Isa::ALL.iter().position(|&i| i == isa).unwrap_or(3);
        CACHE.store(index as u8, Ordering::Relaxed);
        isa
    }

    /// Whether this CPU can run the path.
    pub fn is_available(self) -> bool {
        match self {
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => {
                is_x86_feature_detected!("avx512f")
                    && is_x86_feature_detected!("avx512dq")
                    && is_x86_feature_detected!("avx512vl")
                    && is_x86_feature_detected!("avx2")
                    && is_x86_feature_detected!("fma")
            }
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2Fma => is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma"),
            #[cfg(target_arch = "x86_64")]
            Isa::Sse2 => true,
            #[cfg(not(target_arch = "x86_64"))]
            Isa::Avx512 | Isa::Avx2Fma | Isa::Sse2 => false,
            // Everywhere; on x86-64 it is never detected (SSE2 is preferred), but it can be
            // asked for, to check that scalar code gives the vector paths' bits.
            Isa::Portable => true,
        }
    }

    /// Every path this CPU supports, fastest first.
    pub fn available() -> Vec<Isa> {
        Isa::ALL.into_iter().filter(|i| i.is_available()).collect()
    }

    /// Whether the path evaluates polynomials with fused multiply-adds (and so returns the
    /// same bits as every other path that does).
    pub fn uses_fma(self) -> bool {
        !matches!(self, Isa::Sse2)
    }

    /// Short name: `avx512`, `avx2+fma`, `sse2`, `portable`.
    pub fn name(self) -> &'static str {
        match self {
            Isa::Avx512 => "avx512",
            Isa::Avx2Fma => "avx2+fma",
            Isa::Sse2 => "sse2",
            Isa::Portable => "portable",
        }
    }
}

impl std::fmt::Display for Isa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A unit of bulk work, written once and compiled for every path.
///
/// Implementations mark `run` `#[inline(always)]` (and everything it calls), so that it is
/// inlined into the `#[target_feature]` function of [`run`] and vectorised for that path.
pub(crate) trait Job {
    /// What the job returns.
    type Output;
    /// Runs the job; `FMA` selects fused multiply-adds in the polynomials.
    fn run<const FMA: bool>(self) -> Self::Output;
}

/// Runs `job` on `isa`, falling back to the baseline if the CPU does not support `isa`.
#[inline]
pub(crate) fn run<J: Job>(isa: Isa, job: J) -> J::Output {
    #[cfg(target_arch = "x86_64")]
    match isa {
        Isa::Avx512 if Isa::Avx512.is_available() => {
            // SAFETY: the CPU supports every feature `avx512` enables (checked just above).
            unsafe { x86::avx512(job) }
        }
        Isa::Avx2Fma if Isa::Avx2Fma.is_available() => {
            // SAFETY: the CPU supports AVX2 and FMA (checked just above).
            unsafe { x86::avx2(job) }
        }
        Isa::Portable => job.run::<true>(),
        _ => job.run::<false>(),
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = isa;
        job.run::<true>()
    }
}

/// Asks the CPU to bring the cache line holding `data[index]` into L1: a hint, so that
/// memory streams while the vector units work on the previous block. An `index` past the end
/// is harmless (nothing is read); no bounds check, as this runs in the inner loops. A no-op
/// off x86-64.
#[inline(always)]
pub(crate) fn prefetch(data: &[f64], index: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let p = data.as_ptr().wrapping_add(index).cast::<i8>();
        // SAFETY: `_mm_prefetch` needs SSE, part of the x86-64 baseline. A prefetch is a
        // hint: it reads nothing architecturally and never faults, whatever the address, and
        // `wrapping_add` computes the address without the in-bounds requirement of `add`.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(p) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (data, index);
}

/// [`prefetch`] of the cache line at `address` (any address: a prefetch never faults).
#[inline(always)]
pub(crate) fn prefetch_address(address: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        // SAFETY: as in `prefetch`: a hint, which reads nothing architecturally and never
        // faults, whatever the address.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(address as *const i8) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = address;
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::Job;

    #[target_feature(enable = "avx512f,avx512dq,avx512vl,avx2,fma")]
    pub(super) fn avx512<J: Job>(job: J) -> J::Output {
        job.run::<true>()
    }

    #[target_feature(enable = "avx2,fma")]
    pub(super) fn avx2<J: Job>(job: J) -> J::Output {
        job.run::<true>()
    }
}
