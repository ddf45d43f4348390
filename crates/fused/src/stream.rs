//! [`Stream`]: the checked path over a problem that arrives in blocks of consecutive samples
//! (a command reading a file in bounded chunks while the kernels run).

use std::sync::atomic::AtomicBool;

use rayon::prelude::*;
use xent_core::{Error, Evaluation, Kind, Operand, Problem, Result, Shape, Targets, Unvalidated};

use crate::accumulate::{Partial, tree};
use crate::checked::{Block, Context, Faults, context_of};
use crate::isa::Isa;
use crate::{binary, categorical};

/// [`crate::checked`] over a problem pushed in blocks of consecutive samples: the **same
/// bits** as [`crate::checked`] (hence [`crate::Fused`]) on the whole problem, or the same
/// error, with positions in the whole problem (columns offset by each block's first sample).
///
/// Created from the whole problem's shape and kind, it tells the block granularity
/// ([`Self::block_samples`]): the leaves of the whole problem never straddle two blocks, so
/// each block runs its leaves in parallel (rayon, in the current pool) and the stream keeps
/// only one partial sum per leaf (24 bytes per 8192 entries: 29 KiB for 10^7 entries) and
/// the earliest offence of each check. [`Self::finish`] combines the partials along the very
/// tree the in-memory path uses.
///
/// "First in memory order", for the errors, means: blocks in the order pushed, each in its
/// own memory order (for blocks that are column-major, as consecutive samples of a file
/// with one row per sample are, that is the whole input's memory order).
///
/// A block that does not fit (another kind, targets or predictions of another nature, a
/// different number of rows, more samples than declared, a block after one whose size was
/// not a multiple of [`Self::block_samples`]) and a stream finished short of its samples are
/// reported by [`Self::finish`] as [`Error::KindMismatch`] or [`Error::ShapeMismatch`]
/// (the declared shape against the block's), and the blocks after it are ignored.
///
/// ```
/// use xent_core::{Shape, Unvalidated, View};
/// use xent_fused::{Stream, checked};
///
/// let m = 20_000;
/// let a: Vec<f32> = (0..m).map(|j| (j % 97) as f32 / 100.0 + 0.005).collect();
/// let y: Vec<u8> = (0..m).map(|j| (j % 3 == 0) as u8).collect();
/// let mut stream = Stream::binary(Shape { rows: 1, cols: m }, false);
/// let step = 2 * stream.block_samples();
/// for start in (0..m).step_by(step) {
///     let end = m.min(start + step);
///     let block = Unvalidated::binary(
///         View::vector(&a[start..end]).array(),
///         View::vector(&y[start..end]).array(),
///         false,
///     )?;
///     stream.push(&block);
/// }
/// let whole = Unvalidated::binary(View::vector(&a).array(), View::vector(&y).array(), false)?;
/// assert_eq!(stream.finish()?, checked(&whole)?);
/// # Ok::<(), xent_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Stream {
    nature: Nature,
    shape: Shape,
    isa: Isa,
    /// Samples per block unit.
    granularity: usize,
    /// Samples pushed so far.
    pushed: usize,
    /// Whether the last block pushed was not a multiple of the granularity (the last one).
    ragged: bool,
    partials: Vec<Partial>,
    /// With [`Stream::with_exact`]: the exact sum of every valid block's terms.
    exact: Option<crate::exact::Partial>,
    faults: Faults,
    misuse: Option<Error>,
}

/// What the stream's blocks must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Nature {
    kind: Kind,
    logits: bool,
    /// (categorical) class indices rather than dense targets.
    classes: bool,
}

impl Stream {
    /// A binary problem of `shape` (`n_y × m`), probabilities or `logits`.
    pub fn binary(shape: Shape, logits: bool) -> Stream {
        let granularity = binary::LEAF / gcd(binary::LEAF, shape.rows.max(1));
        Stream::new(
            Nature {
                kind: Kind::Binary,
                logits,
                classes: false,
            },
            shape,
            granularity,
        )
    }

    /// A categorical problem of `shape` (`k × m`), probabilities or `logits`, with class
    /// indices (`classes`) or dense targets.
    pub fn categorical(shape: Shape, logits: bool, classes: bool) -> Stream {
        let granularity = categorical::columns_per_leaf(shape.rows);
        Stream::new(
            Nature {
                kind: Kind::Categorical,
                logits,
                classes,
            },
            shape,
            granularity,
        )
    }

    fn new(nature: Nature, shape: Shape, granularity: usize) -> Stream {
        let leaves = match nature.kind {
            Kind::Binary => (shape.rows * shape.cols).div_ceil(binary::LEAF),
            Kind::Categorical => shape.cols.div_ceil(granularity),
        };
        Stream {
            nature,
            shape,
            isa: Isa::detect(),
            granularity,
            pushed: 0,
            ragged: false,
            partials: Vec::with_capacity(leaves),
            exact: None,
            faults: Faults::default(),
            misuse: None,
        }
    }

    /// Also sums every block's terms exactly ([`crate::exact::Partial::add_on`], on the
    /// stream's path), for [`Stream::finish_exact`]: blocks merge exactly, so the partial has
    /// the bytes of [`crate::exact::Partial::add`] on the whole problem, wherever the blocks
    /// end. A block is added once it is valid; after an offence nothing more is (the stream's
    /// result is the error).
    pub fn with_exact(mut self) -> Stream {
        self.exact = Some(crate::exact::Partial::new());
        self
    }

    /// The block granularity, in samples: every block but the last must hold a multiple of
    /// it (a whole number of the whole problem's leaves). Blocks of about 10^6 entries keep
    /// every thread of the pool busy.
    pub fn block_samples(&self) -> usize {
        self.granularity
    }

    /// [`Self::block_samples`] in entries (samples times rows).
    pub fn block_entries(&self) -> usize {
        self.granularity * self.shape.rows
    }

    /// Samples pushed so far.
    pub fn samples_pushed(&self) -> usize {
        self.pushed
    }

    /// Validates and computes the next block of samples (its leaves in parallel).
    pub fn push(&mut self, block: &Unvalidated<'_>) {
        if self.misuse.is_some() {
            return;
        }
        let p = block.unchecked();
        if p.is_weighted() {
            self.misuse = Some(Error::Unsupported(
                "a stream of blocks takes no weights, mask or ignored index: evaluate the \
                 weighted problem in memory (xent_fused::checked)",
            ));
            return;
        }
        if let Some(e) = self.misfit(p) {
            self.misuse = Some(e);
            return;
        }
        let cols = p.samples();
        let block = Block::new(p, self.isa, self.pushed);
        // After an offence, leaves only scan (as in the in-memory path).
        let failed = AtomicBool::new(self.faults.any());
        let leaves: Vec<_> = (0..block.leaves())
            .into_par_iter()
            .map(|j| block.leaf(j, &failed))
            .collect();
        for leaf in leaves {
            self.partials.push(leaf.partial);
            self.faults = self.faults.merge(leaf.faults);
        }
        if !self.faults.any()
            && let Some(exact) = &mut self.exact
        {
            exact.add_on(self.isa, p);
        }
        self.pushed += cols;
        self.ragged = !cols.is_multiple_of(self.granularity);
    }

    /// Why `p` cannot be the next block, if it cannot.
    fn misfit(&self, p: &Problem<'_>) -> Option<Error> {
        let nature = Nature {
            kind: p.kind(),
            logits: p.from_logits(),
            classes: matches!(p, Problem::Categorical(c) if matches!(c.targets(), Targets::Classes(_))),
        };
        if nature.kind != self.nature.kind {
            return Some(Error::KindMismatch {
                expected: self.nature.kind,
            });
        }
        let shape = p.shape();
        let expected = Shape {
            rows: self.shape.rows,
            cols: self.shape.cols - self.pushed,
        };
        let fits = nature == self.nature
            && shape.rows == self.shape.rows
            && shape.cols <= expected.cols
            && !self.ragged;
        (!fits).then(|| {
            let (left, right) = match (self.nature.kind, self.nature.classes, nature.classes) {
                (Kind::Categorical, true, false) => (Operand::Classes, Operand::Targets),
                (Kind::Categorical, false, true) => (Operand::Targets, Operand::Classes),
                _ => (self.operand(), p.predictions().operand()),
            };
            Error::ShapeMismatch {
                left,
                left_shape: expected,
                right,
                right_shape: shape,
            }
        })
    }

    fn operand(&self) -> Operand {
        if self.nature.logits {
            Operand::Logits
        } else {
            Operand::Predictions
        }
    }

    fn context(&self) -> Context {
        let first = match (self.nature.kind, self.nature.classes) {
            (Kind::Binary, _) => Operand::Labels,
            (Kind::Categorical, true) => Operand::Classes,
            (Kind::Categorical, false) => Operand::Targets,
        };
        context_of(first, self.operand(), self.shape.rows)
    }

    /// The evaluation of the whole problem, or its first error (see the type's docs).
    pub fn finish(self) -> Result<Evaluation> {
        self.finish_exact().map(|(evaluation, _)| evaluation)
    }

    /// [`Stream::finish`] and, with [`Stream::with_exact`], the exact partial aggregate of
    /// the whole problem's terms (`None` without it).
    pub fn finish_exact(self) -> Result<(Evaluation, Option<crate::exact::Partial>)> {
        if let Some(e) = self.misuse {
            return Err(e);
        }
        if self.shape.rows == 0 || self.shape.cols == 0 {
            return Err(Error::Empty {
                which: self.operand(),
                shape: self.shape,
            });
        }
        if self.pushed != self.shape.cols {
            return Err(Error::ShapeMismatch {
                left: self.operand(),
                left_shape: self.shape,
                right: self.operand(),
                right_shape: Shape {
                    rows: self.shape.rows,
                    cols: self.pushed,
                },
            });
        }
        if let Some(e) = self.faults.error(&self.context()) {
            return Err(e);
        }
        let partials = &self.partials;
        let total = tree(partials.len(), &|i| partials[i]);
        Ok((total.evaluation(self.shape.cols), self.exact))
    }
}

fn gcd(mut a: usize, mut b: usize) -> usize {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

#[cfg(test)]
mod tests {
    use xent_core::rng::Seeded;
    use xent_core::{Array, Targets, Unvalidated};

    use super::*;
    use crate::checked;
    use crate::checked::tests::{Encoding, Stored, same};

    /// The whole problem's inputs, column-major, in some dtype.
    struct Whole {
        pred: Stored,
        truth: Stored,
        logits: bool,
        kind: Kind,
        classes: bool,
        shape: Shape,
    }

    impl Whole {
        fn unvalidated<'a>(&self, pred: Array<'a>, truth: Array<'a>) -> Result<Unvalidated<'a>> {
            match (self.kind, self.classes) {
                (Kind::Binary, _) => Unvalidated::binary(pred, truth, self.logits),
                (Kind::Categorical, true) => {
                    Unvalidated::categorical(pred, Targets::Classes(truth), self.logits)
                }
                (Kind::Categorical, false) => {
                    Unvalidated::categorical(pred, Targets::Dense(truth), self.logits)
                }
            }
        }

        fn stream(&self) -> Stream {
            match self.kind {
                Kind::Binary => Stream::binary(self.shape, self.logits),
                Kind::Categorical => Stream::categorical(self.shape, self.logits, self.classes),
            }
        }

        /// `checked` on the whole, and on blocks of random sizes (in units of the
        /// granularity; the rest in a last block). The stream also sums exactly: when the
        /// whole is valid, its exact partial has the bytes of the whole's, summed in memory
        /// (whose leaves end elsewhere than the blocks: `LEAF / rows` samples, not multiples
        /// of the granularity).
        fn compare(&self, rng: &mut Seeded) -> (Result<Evaluation>, Result<Evaluation>) {
            let whole = self.unvalidated(self.pred.array(), self.truth.array());
            let raw = whole.expect("shapes");
            let whole = checked(&raw);
            let mut stream = self.stream().with_exact();
            let g = stream.block_samples();
            let m = self.shape.cols;
            let mut start = 0;
            while start < m {
                let end = m.min(start + g * rng.range(1..6));
                let pred = self.pred.array().samples(start..end).expect("column-major");
                let truth = self
                    .truth
                    .array()
                    .samples(start..end)
                    .expect("column-major");
                stream.push(&self.unvalidated(pred, truth).expect("shapes"));
                start = end;
            }
            let streamed = stream.finish_exact();
            if let (Ok(_), Ok((_, partial))) = (&whole, &streamed) {
                let partial = partial.as_ref().expect("summed exactly");
                let exact = crate::exact::partial_on(Isa::Portable, raw.unchecked());
                assert_eq!(partial.to_bytes(), exact.to_bytes(), "{:?}", self.shape);
            }
            (whole, streamed.map(|(evaluation, _)| evaluation))
        }
    }

    /// Random problems of every kind, valid or with a few faults, split at random into
    /// blocks: the stream gives the bits, or the error, of `checked` on the whole.
    #[test]
    fn random_blocks_give_the_bits_and_errors_of_the_whole() {
        let mut rng = Seeded::new(13);
        let (mut valid, mut invalid) = (0, 0);
        for case in 0..120 {
            let kind = if case % 2 == 0 {
                Kind::Binary
            } else {
                Kind::Categorical
            };
            let rows = rng.range(1..13);
            let cols = rng.range(1..40_001);
            let logits = rng.coin();
            let classes = kind == Kind::Categorical && rng.coin();
            let n = rows * cols;
            let mut pred = Vec::with_capacity(n);
            let mut truth = Vec::with_capacity(n);
            for _ in 0..cols {
                let q: Vec<f64> = (0..rows).map(|_| rng.unit() + 1e-3).collect();
                let s: f64 = q.iter().sum();
                pred.extend(q.iter().map(|v| v / s));
                let hot = rng.below(rows);
                if classes {
                    truth.push(hot as f64);
                } else {
                    truth.extend((0..rows).map(|i| f64::from(u8::from(i == hot))));
                }
            }
            let faults = [f64::NAN, -0.5, 1.5, f64::INFINITY, 3.0];
            if case % 3 != 0 {
                for _ in 0..rng.range(1..4) {
                    let v = faults[rng.below(faults.len())];
                    if rng.coin() {
                        pred[rng.below(n)] = v;
                    } else {
                        let t = truth.len();
                        truth[rng.below(t)] = v;
                    }
                }
            }
            let pe = if rng.coin() {
                Encoding::F64
            } else {
                Encoding::F32
            };
            let truth_rows = if classes { 1 } else { rows };
            let whole = Whole {
                pred: Stored::new(&pred, rows, cols, pe, false),
                truth: Stored::new(&truth, truth_rows, cols, Encoding::F64, false),
                logits,
                kind,
                classes,
                shape: Shape { rows, cols },
            };
            let (a, b) = whole.compare(&mut rng);
            assert!(same(&a, &b), "case {case}: {a:?} vs {b:?}");
            if a.is_ok() {
                valid += 1;
            } else {
                invalid += 1;
            }
        }
        assert!(
            valid > 20 && invalid > 20,
            "{valid} valid, {invalid} invalid"
        );
    }

    /// A block with weights, a mask or an ignored index is refused as an error value (the
    /// stream computes unweighted sums only), whether it comes first or after blocks that
    /// fit, and the blocks after it are ignored.
    #[test]
    fn weighted_blocks_are_refused() {
        let m = 20_000;
        let a = vec![0.5f64; m];
        let y = vec![1u8; m];
        let w = vec![2.0f64; m];
        let mask = vec![true; m];
        let refused = Error::Unsupported(
            "a stream of blocks takes no weights, mask or ignored index: evaluate the \
             weighted problem in memory (xent_fused::checked)",
        );
        let block = |cols: std::ops::Range<usize>| {
            let (a, y) = (&a[cols.clone()], &y[cols]);
            Unvalidated::binary(
                xent_core::View::vector(a).array(),
                xent_core::View::vector(y).array(),
                false,
            )
            .expect("shapes")
        };
        let shape = Shape { rows: 1, cols: m };
        let g = Stream::binary(shape, false).block_samples();
        let samples =
            xent_core::Weights::default().with_sample(xent_core::View::vector(&w[..g]).array());
        let masked =
            xent_core::Weights::default().with_mask(xent_core::View::vector(&mask[..g]).array());
        for weights in [&samples, &masked] {
            // First.
            let mut s = Stream::binary(shape, false);
            s.push(&block(0..g).with_weights(weights).expect("lengths"));
            s.push(&block(g..m));
            assert_eq!(s.finish().unwrap_err(), refused);
            // After a block that fits; the rest, pushed unweighted, does not undo it.
            let mut s = Stream::binary(shape, false);
            s.push(&block(0..g));
            assert_eq!(s.samples_pushed(), g);
            s.push(&block(g..2 * g).with_weights(weights).expect("lengths"));
            assert_eq!(s.samples_pushed(), g, "a refused block is not computed");
            s.push(&block(2 * g..m));
            assert_eq!(s.finish().unwrap_err(), refused);
        }
        // An ignored class index (categorical, class indices).
        let q = [0.2f64, 0.8, 0.6, 0.4];
        let classes = [1u8, 0];
        let ignore = xent_core::Weights::default().with_ignore_index(0);
        let block = Unvalidated::categorical(
            xent_core::View::col_major(&q, 2, 2).expect("shape").array(),
            Targets::Classes(xent_core::View::vector(&classes).array()),
            false,
        )
        .and_then(|u| u.with_weights(&ignore))
        .expect("shapes");
        let mut s = Stream::categorical(Shape { rows: 2, cols: 2 }, false, true);
        s.push(&block);
        assert_eq!(s.finish().unwrap_err(), refused);
    }

    /// Blocks that do not fit, and a stream finished short, are errors, not panics.
    #[test]
    fn misfits_are_reported() {
        let a = vec![0.5f64; 3 * 20_000];
        let y = vec![1u8; 3 * 20_000];
        let shape = Shape {
            rows: 3,
            cols: 20_000,
        };
        let block = |rows: usize, cols: usize| {
            let n = rows * cols;
            Unvalidated::binary(
                xent_core::View::col_major(&a[..n], rows, cols)
                    .expect("shape")
                    .array(),
                xent_core::View::col_major(&y[..n], rows, cols)
                    .expect("shape")
                    .array(),
                false,
            )
            .expect("shapes")
        };
        let mut s = Stream::binary(shape, false);
        let g = s.block_samples();
        assert_eq!(g, 8192);
        assert_eq!(s.block_entries(), 3 * 8192);
        s.push(&block(3, g));
        assert_eq!(
            s.clone().finish().unwrap_err(),
            Error::ShapeMismatch {
                left: Operand::Predictions,
                left_shape: shape,
                right: Operand::Predictions,
                right_shape: Shape { rows: 3, cols: g },
            }
        );
        s.push(&block(2, g));
        let wrong_rows = Error::ShapeMismatch {
            left: Operand::Predictions,
            left_shape: Shape {
                rows: 3,
                cols: 20_000 - g,
            },
            right: Operand::Predictions,
            right_shape: Shape { rows: 2, cols: g },
        };
        assert_eq!(s.clone().finish().unwrap_err(), wrong_rows);
        // A ragged block must be the last.
        let mut s = Stream::binary(shape, false);
        s.push(&block(3, 100));
        s.push(&block(3, 100));
        assert!(matches!(s.finish(), Err(Error::ShapeMismatch { .. })));
        // Another kind.
        let mut s = Stream::categorical(shape, false, true);
        s.push(&block(3, 10));
        assert_eq!(
            s.finish().unwrap_err(),
            Error::KindMismatch {
                expected: Kind::Categorical
            }
        );
        // Nothing declared.
        let s = Stream::binary(Shape { rows: 0, cols: 5 }, true);
        assert!(matches!(
            s.finish(),
            Err(Error::Empty {
                which: Operand::Logits,
                ..
            })
        ));
        // Whole, in the two blocks the granularity allows.
        let mut s = Stream::binary(shape, false);
        s.push(&block(3, 2 * g));
        let rest = Unvalidated::binary(
            xent_core::View::col_major(&a[3 * 2 * g..], 3, 20_000 - 2 * g)
                .expect("shape")
                .array(),
            xent_core::View::col_major(&y[3 * 2 * g..], 3, 20_000 - 2 * g)
                .expect("shape")
                .array(),
            false,
        )
        .expect("shapes");
        s.push(&rest);
        let whole = block(3, 20_000);
        assert!(same(&s.finish(), &checked(&whole)));
    }
}
