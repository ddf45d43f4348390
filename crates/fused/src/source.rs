//! How the kernels read the caller's arrays: in the **canonical order** (the column-major
//! order of `(rows, cols)`, whatever the memory order), as `f64`, exactly.
//!
//! - **Binary** operands are read one sub-block of [`SUB`] entries at a time
//!   ([`Entries::block`]): an `f64` column-major operand lends the kernel its own memory (zero
//!   copy); any other (`f32`, bool, integers, a row-major view) is widened exactly into the
//!   kernel's sub-block buffer in L1 as it is consumed (`f32 → f64` and integers up to `2^53`
//!   convert exactly), the strided view gathered entry by entry.
//! - **Categorical** operands are read a leaf of whole columns at a time ([`columns`]): the
//!   kernels need a sample's `k` entries contiguous. Borrowed when `f64` and column-major,
//!   otherwise widened (gathered column by column from a row-major view) into a buffer of one
//!   leaf on the stack (64 KiB; a leaf of one column of more than 8192 classes, on the heap).
//!   Class indices are read into `usize` per leaf ([`classes`]), an invalid one (negative,
//!   fractional, too large) as `usize::MAX`, which every kernel flags as `≥ k`.
//!
//! The kernels see the same `f64` values in the same order whatever the dtype and memory
//! order, so the bits of the result do not depend on them.

use std::ops::Range;

use xent_core::array::{Array, Element, View};
use xent_core::with_view;

use crate::binary::SUB;
use crate::isa::{Job, prefetch_address};

/// A run of a binary operand's entries in canonical order: `start .. start + len`.
#[derive(Clone, Copy)]
pub(crate) struct Entries<'a> {
    array: Array<'a>,
    start: usize,
    len: usize,
    /// The address of entry 0 when memory order is canonical (0 otherwise), and the size of
    /// an entry: for prefetching.
    base: usize,
    size: usize,
}

impl<'a> Entries<'a> {
    /// The entries `range` (canonical positions) of `array`.
    pub(crate) fn new(array: Array<'a>, range: Range<usize>) -> Self {
        let base = with_view!(array, v => v.as_contiguous().map_or(0, |d| d.as_ptr() as usize));
        Entries {
            array,
            start: range.start,
            len: range.end.saturating_sub(range.start),
            base,
            size: array.dtype().size(),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Entries `at .. at + SUB` of the run (`at < len`), padded with `pad` past its end:
    /// borrowed from an `f64` column-major array, otherwise widened exactly into `buf`.
    #[inline(always)]
    pub(crate) fn block<'s>(
        &'s self,
        at: usize,
        buf: &'s mut [f64; SUB],
        pad: f64,
    ) -> &'s [f64; SUB] {
        let n = SUB.min(self.len - at);
        let from = self.start + at;
        if let Array::F64(v) = self.array
            && let Some(d) = v.as_contiguous()
        {
            if n == SUB
                && let Some(block) = d.get(from..from + SUB)
                && let Ok(block) = <&[f64; SUB]>::try_from(block)
            {
                return block;
            }
            if let Some(part) = d.get(from..from + n) {
                buf[..n].copy_from_slice(part);
            }
        } else {
            with_view!(self.array, v => widen(v, from, &mut buf[..n]));
        }
        buf[n..].fill(pad);
        buf
    }

    /// Hints the cache to fetch entry `at` of the run (a no-op for a strided view, which the
    /// hardware prefetcher follows on its own).
    #[inline(always)]
    pub(crate) fn prefetch(&self, at: usize) {
        if self.base != 0 {
            prefetch_address(
                self.base
                    .wrapping_add((self.start + at).wrapping_mul(self.size)),
            );
        }
    }
}

/// `out[i] = v[from + i]` in canonical order, as `f64`.
#[inline(always)]
fn widen<T: Element>(v: View<'_, T>, from: usize, out: &mut [f64]) {
    if let Some(d) = v.as_contiguous() {
        if let Some(d) = d.get(from..from + out.len()) {
            for (o, &x) in out.iter_mut().zip(d) {
                *o = x.to_f64();
            }
        }
    } else {
        let rows = v.rows().max(1);
        let (mut r, mut c) = (from % rows, from / rows);
        for o in out {
            *o = v.get(r, c).to_f64();
            r += 1;
            if r == rows {
                r = 0;
                c += 1;
            }
        }
    }
}

/// Entries per stack buffer of a categorical leaf (a leaf has at most this many entries,
/// unless it is a single column of more classes).
pub(crate) const LEAF_BUFFER: usize = crate::categorical::LEAF_ENTRIES;

/// `f` of columns `cols` of `array` (`k` rows), column-major, as `f64`: borrowed when the
/// array is `f64` and column-major, otherwise widened on `isa` into a buffer on the stack
/// (on the heap for more than [`LEAF_BUFFER`] entries: a leaf of one huge column).
#[inline]
pub(crate) fn with_columns<R>(
    isa: crate::Isa,
    array: Array<'_>,
    cols: Range<usize>,
    f: impl FnOnce(&[f64]) -> R,
) -> R {
    let k = array.rows();
    let entries = cols.start * k..cols.end * k;
    if let Array::F64(v) = array
        && let Some(d) = v.as_contiguous()
    {
        return f(d.get(entries).unwrap_or(&[]));
    }
    let n = entries.len();
    let from = entries.start;
    if n <= LEAF_BUFFER {
        let mut stack = [0.0f64; LEAF_BUFFER];
        let out = &mut stack[..n];
        crate::isa::run(isa, Widen { array, from, out });
        f(&stack[..n])
    } else {
        let mut heap = vec![0.0f64; n];
        crate::isa::run(
            isa,
            Widen {
                array,
                from,
                out: &mut heap,
            },
        );
        f(&heap)
    }
}

/// Widening as a job, so that it is vectorised for the path.
struct Widen<'a, 'o> {
    array: Array<'a>,
    from: usize,
    out: &'o mut [f64],
}

impl Job for Widen<'_, '_> {
    type Output = ();

    #[inline(always)]
    fn run<const FMA: bool>(self) {
        with_view!(self.array, v => widen(v, self.from, self.out));
    }
}

/// The class indices of samples `cols`, as `usize` into `out` (`usize::MAX` for a value
/// that is not a whole number in range of `usize`).
pub(crate) fn classes<'s>(
    array: Array<'_>,
    cols: Range<usize>,
    out: &'s mut [usize],
) -> &'s [usize] {
    let out = &mut out[..cols.len()];
    with_view!(array, v => {
        if let Some(d) = v.data().get(cols) {
            for (o, &x) in out.iter_mut().zip(d) {
                *o = x.to_index().and_then(|i| usize::try_from(i).ok()).unwrap_or(usize::MAX);
            }
        }
    });
    out
}

#[cfg(test)]
mod tests {
    //! The canonical order makes the bits independent of dtype and memory order.
    use xent_core::rng::Seeded as Rng;
    use xent_core::{Problem, Targets, Unvalidated};

    use crate::checked::tests::{Encoding, Stored, same};
    use crate::{Fused, FusedOn, Isa, checked};

    /// Evaluates on every FMA path and by `checked`, asserting they agree; the bits.
    fn bits(u: &Unvalidated<'_>) -> u64 {
        let p = u.validate().expect("valid");
        let e = p.evaluate(&Fused);
        assert!(same(&checked(u), &Ok(e)));
        for f in Isa::available()
            .into_iter()
            .filter(|i| i.uses_fma())
            .filter_map(FusedOn::new)
        {
            assert_eq!(
                p.evaluate(&f).log_likelihood.to_bits(),
                e.log_likelihood.to_bits()
            );
        }
        e.log_likelihood.to_bits()
    }

    /// `data` as f32 values, then as the `f64` widening of those values.
    fn through_f32(data: &[f64]) -> Vec<f64> {
        data.iter().map(|&v| f64::from(v as f32)).collect()
    }

    /// Binary: f32 predictions give the bits of the same values as f64; int64, uint8, bool
    /// and f32 labels the bits of the same labels as f64; a row-major view the bits of its
    /// column-major copy. Soft labels, zeros and ones (the general kernel), several leaves.
    #[test]
    fn binary_bits_do_not_depend_on_dtype_or_memory_order() {
        let mut rng = Rng::new(11);
        for (rows, cols) in [(1, 40_003), (3, 9_001), (7, 5), (16, 2_100)] {
            let n = rows * cols;
            let a: Vec<f64> = (0..n)
                .map(|i| {
                    let a = match i % 97 {
                        0 => 0.0,
                        1 => 1.0,
                        _ => 10f64.powf(-12.0 * rng.unit()),
                    };
                    if rng.below(2) == 0 { a } else { 1.0 - a }
                })
                .collect();
            let a = through_f32(&a);
            let hard: Vec<f64> = a
                .iter()
                .map(|&a| match a {
                    0.0 => 0.0,
                    1.0 => 1.0,
                    _ => rng.below(2) as f64,
                })
                .collect();
            let soft: Vec<f64> = hard
                .iter()
                .enumerate()
                .map(|(i, &y)| if i % 1000 == 7 && y == 0.0 { 0.25 } else { y })
                .collect();
            let z: Vec<f64> = through_f32(&a.iter().map(|a| (a - 0.5) * 300.0).collect::<Vec<_>>());
            for (pred, logits) in [(&a, false), (&z, true)] {
                for labels in [&hard, &soft] {
                    let store = |d: &[f64], e, rm| Stored::new(d, rows, cols, e, rm);
                    let reference = {
                        let (p, y) = (
                            store(pred, Encoding::F64, false),
                            store(labels, Encoding::F64, false),
                        );
                        bits(&Unvalidated::binary(p.array(), y.array(), logits).expect("shapes"))
                    };
                    let mut encodings = vec![Encoding::F64, Encoding::F32];
                    if labels == &hard {
                        encodings.extend([Encoding::I64, Encoding::U8, Encoding::Bool]);
                    }
                    for pe in [Encoding::F64, Encoding::F32] {
                        for &ye in &encodings {
                            for (prm, yrm) in
                                [(false, false), (true, true), (true, false), (false, true)]
                            {
                                let p = store(pred, pe, prm);
                                let y = store(labels, ye, yrm);
                                let u = Unvalidated::binary(p.array(), y.array(), logits)
                                    .expect("shapes");
                                assert_eq!(
                                    bits(&u),
                                    reference,
                                    "({rows}, {cols}), logits {logits}, {pe:?}/{ye:?}, row-major {prm}/{yrm}"
                                );
                            }
                        }
                    }
                }
            }
        }
    }

    /// Categorical: the same for distributions and logits, class indices of any integer or
    /// float dtype, and dense targets.
    #[test]
    fn categorical_bits_do_not_depend_on_dtype_or_memory_order() {
        let mut rng = Rng::new(12);
        for (k, m) in [(10, 3_001), (3, 7_000), (40, 500), (1, 9_000)] {
            let mut q = Vec::with_capacity(k * m);
            let mut p = Vec::with_capacity(k * m);
            for _ in 0..m {
                // f32 values whose f64 sum is 1 within the tolerance.
                let raw: Vec<f64> = (0..k).map(|_| 10f64.powf(-5.0 * rng.unit())).collect();
                let s: f64 = raw.iter().sum();
                q.extend(through_f32(&raw.iter().map(|v| v / s).collect::<Vec<_>>()));
                let hot = rng.below(k);
                p.extend((0..k).map(|i| if i == hot { 1.0 } else { 0.0 }));
            }
            let z: Vec<f64> = through_f32(&q.iter().map(|q| q.ln() * 3.0).collect::<Vec<_>>());
            let classes: Vec<f64> = (0..m).map(|_| rng.below(k) as f64).collect();
            for (pred, logits) in [(&q, false), (&z, true)] {
                let store = |d: &[f64], r, e, rm| Stored::new(d, r, m, e, rm);
                let run = |pe, prm, target: &Stored, dense: bool| {
                    let pr = store(pred, k, pe, prm);
                    let t = if dense {
                        Targets::Dense(target.array())
                    } else {
                        Targets::Classes(target.array())
                    };
                    bits(&Unvalidated::categorical(pr.array(), t, logits).expect("shapes"))
                };
                let f64_classes = store(&classes, 1, Encoding::F64, false);
                let f64_dense = store(&p, k, Encoding::F64, false);
                let by_class = run(Encoding::F64, false, &f64_classes, false);
                let dense = run(Encoding::F64, false, &f64_dense, true);
                for pe in [Encoding::F64, Encoding::F32] {
                    for prm in [false, true] {
                        for ce in [Encoding::F64, Encoding::F32, Encoding::I64, Encoding::U8] {
                            let c = store(&classes, 1, ce, false);
                            assert_eq!(
                                run(pe, prm, &c, false),
                                by_class,
                                "k {k}, {pe:?} {prm} {ce:?}"
                            );
                        }
                        for te in [Encoding::F64, Encoding::F32, Encoding::U8, Encoding::Bool] {
                            for trm in [false, true] {
                                let t = store(&p, k, te, trm);
                                assert_eq!(
                                    run(pe, prm, &t, true),
                                    dense,
                                    "k {k}, {pe:?} {prm} {te:?} {trm}"
                                );
                            }
                        }
                    }
                }
            }
        }
    }

    /// A leaf of one column of more classes than the stack buffer holds (widened on the heap).
    #[test]
    fn a_column_longer_than_a_leaf() {
        let k = 10_000;
        let q: Vec<f64> = vec![1.0 / k as f64; k * 3];
        let q32 = through_f32(&q);
        let classes = [3u16, 9_999, 0];
        let run = |e| {
            let s = Stored::new(&q32, k, 3, e, true);
            let u = Unvalidated::categorical(s.array(), Targets::classes(&classes), true)
                .expect("shapes");
            let p: Problem<'_> = u.validate().expect("valid");
            (bits(&u), p.evaluate(&Fused).nats())
        };
        let (b64, nats) = run(Encoding::F64);
        assert_eq!(run(Encoding::F32).0, b64);
        // Uniform logits: each term is −ln k.
        let want = (k as f64).ln();
        assert!(xent_core::ulp::ulp_distance(nats, want) <= crate::tolerance::FUSED_MAX_ULPS);
    }
}
