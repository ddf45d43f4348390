//! Validation fused into the pass: cross-entropy of an [`Unvalidated`] problem, with exactly
//! the error [`Unvalidated::validate`] returns, and no second trip through memory.
//!
//! [`checked`] takes a problem whose shapes `xent-core` has checked (the arrays as they come
//! from a file or a memory map, any dtype, either memory order), validates and computes in
//! the same pass, and returns the same [`Evaluation`] as [`crate::Fused`] on the validated
//! problem, or the same [`Error`] as [`Unvalidated::validate`]: same variant, same operand,
//! same position, same value.
//!
//! # Which error
//!
//! `xent-core` runs its checks in a fixed order (see [`Unvalidated`]), each over a whole
//! input, and reports the first offending entry, in **memory order**, of the first check that
//! fails: (class indices) each a whole number below `k`; labels or targets finite, then in
//! `[0, 1]`, then (dense targets) every column summing to 1 within
//! [`xent_core::tolerance::column_sum`] (the first such column); predictions finite, then
//! (probabilities) in `[0, 1]` and (categorical) every column summing to 1, or (logits)
//! neither `NaN` nor `+∞` (`−∞` is probability 0) and (categorical) no column entirely `−∞`.
//!
//! Here, the pass computes and flags at once: the vectorised loops keep, per block of a leaf,
//! cheap conservative flags (a minimum and a maximum per lane, `NaN` propagating into a sum,
//! a column sum compared with the tolerance). Only a flagged leaf — in cache — is scanned
//! entry by entry for the first offence of each check (the least memory offset, which for a
//! row-major view is not the first in the leaf's canonical order); the leaves' offences are
//! merged (the least offset per check) and the first check in the order above that has one
//! is reported. Once an offence is found, the remaining leaves only scan.

use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};

use xent_core::array::{Element, View};
use xent_core::{
    Array, Error, Evaluation, Operand, Problem, Result, Targets, Unvalidated, evaluation_span,
    with_view,
};

use crate::accumulate::{Combine, Partial, tree};
use crate::isa::Isa;
use crate::{binary, categorical};

/// Cross-entropy of an unvalidated problem, validated in the same pass.
///
/// Returns what [`crate::Fused`] returns for the validated problem (the same bits), or
/// exactly the [`Error`] [`Unvalidated::validate`] returns.
///
/// ```
/// use xent_core::{Array, Error, Operand, Unvalidated, View};
/// use xent_fused::checked;
///
/// let a = [0.8f32, 0.2, 0.95, 0.92, 0.01, 0.93, 0.1, 0.02];
/// let y = [true, false, true, true, false, true, false, false];
/// let problem = Unvalidated::binary(View::vector(&a).array(), View::vector(&y).array(), false)?;
/// let e = checked(&problem)?;
/// assert_eq!(format!("{:.6}", e.nats()), "0.098643");
///
/// let bad = [0.8, 0.2, 1.5, 0.92, 0.01, 0.93, f64::NAN, 0.02];
/// let problem = Unvalidated::binary(Array::from(View::vector(&bad)), View::vector(&y).array(), false)?;
/// // Non-finite entries are reported before out-of-range ones, as xent-core does.
/// let err = checked(&problem).unwrap_err();
/// assert!(matches!(err, Error::NonFinite { which: Operand::Predictions, row: 0, col: 6, .. }));
/// // The very error of xent-core's validation (compared by `Debug`: NaN ≠ NaN).
/// let core = problem.validate().map(|_| ()).unwrap_err();
/// assert_eq!(format!("{err:?}"), format!("{core:?}"));
/// # Ok::<(), Error>(())
/// ```
pub fn checked(problem: &Unvalidated<'_>) -> Result<Evaluation> {
    let p = problem.unchecked();
    if p.is_weighted() {
        // Weights, masks and an ignored index: xent-core validates (so the errors are its
        // own), then the weighted kernels compute; two passes, not one.
        return Ok(problem.validate()?.evaluate(&crate::Fused));
    }
    let _span = evaluation_span("fused", p.kind(), p.shape()).entered();
    let block = Block::new(p, Isa::detect(), 0);
    let failed = AtomicBool::new(false);
    let out = tree(block.leaves(), &|j| block.leaf(j, &failed));
    match out.faults.error(&block.context()) {
        Some(e) => Err(e),
        None => Ok(out.partial.evaluation(p.samples())),
    }
}

/// A problem (the whole, or a block of consecutive samples of it) cut into the whole
/// problem's leaves: binary leaves of [`binary::LEAF`] entries, categorical leaves of
/// [`categorical::columns_per_leaf`] columns.
pub(crate) struct Block<'p, 'a> {
    problem: &'p Problem<'a>,
    isa: Isa,
    /// The block's first sample in the whole problem (0 for the whole).
    first_sample: usize,
}

impl<'p, 'a> Block<'p, 'a> {
    pub(crate) fn new(problem: &'p Problem<'a>, isa: Isa, first_sample: usize) -> Self {
        Block {
            problem,
            isa,
            first_sample,
        }
    }

    /// Number of leaves (at least 1).
    pub(crate) fn leaves(&self) -> usize {
        let shape = self.problem.shape();
        match self.problem {
            Problem::Binary(_) => (shape.rows * shape.cols).div_ceil(binary::LEAF).max(1),
            Problem::Categorical(_) => shape
                .cols
                .div_ceil(categorical::columns_per_leaf(shape.rows))
                .max(1),
        }
    }

    /// How errors name the operands.
    pub(crate) fn context(&self) -> Context {
        context(self.problem)
    }

    /// Leaf `j` of the block, checked; only scanned when `failed` (then set if it has an
    /// offence).
    pub(crate) fn leaf(&self, j: usize, failed: &AtomicBool) -> Checked {
        let isa = self.isa;
        let shape = self.problem.shape();
        let at = Offset {
            key: self.first_sample * shape.rows,
            col: self.first_sample,
        };
        let mut faults = Faults::default();
        let skip = failed.load(Ordering::Relaxed);
        let partial = match self.problem {
            Problem::Binary(p) => {
                let n = shape.rows * shape.cols;
                let range = j * binary::LEAF..n.min((j + 1) * binary::LEAF);
                let pred = p.predictions();
                let (a, y, logits) = (pred.array(), p.labels(), pred.is_logits());
                let result =
                    (!skip).then(|| binary::leaf::<true>(isa, a, y, logits, range.clone()));
                if result.is_none_or(|r| r.invalid) {
                    faults.scan_entries(&y, range.clone(), Slot::FirstNonFinite, true, at);
                    faults.scan_entries(&a, range, Slot::SecondNonFinite, !logits, at);
                }
                result.map(|r| r.partial)
            }
            Problem::Categorical(p) => {
                let k = shape.rows;
                let per_leaf = categorical::columns_per_leaf(k);
                let cols = j * per_leaf..shape.cols.min((j + 1) * per_leaf);
                let entries = cols.start * k..cols.end * k;
                let pred = p.predictions();
                let (z, logits, targets) = (pred.array(), pred.is_logits(), p.targets());
                let tolerance = xent_core::tolerance::column_sum(k);
                let result = (!skip).then(|| {
                    categorical::leaf::<true>(isa, z, targets, logits, cols.clone(), tolerance)
                });
                if result.is_none_or(|r| r.flagged) {
                    match targets {
                        Targets::Classes(c) => faults.scan_classes(&c, k, cols.clone(), at),
                        Targets::Dense(t) => {
                            faults.scan_entries(
                                &t,
                                entries.clone(),
                                Slot::FirstNonFinite,
                                true,
                                at,
                            );
                            let slot = Slot::FirstSum;
                            faults.scan_column_sums(&t, cols.clone(), tolerance, slot, at);
                        }
                    }
                    faults.scan_entries(&z, entries, Slot::SecondNonFinite, !logits, at);
                    if logits {
                        faults.scan_no_finite_logit(&z, cols, at);
                    } else {
                        faults.scan_column_sums(&z, cols, tolerance, Slot::SecondSum, at);
                    }
                }
                result.map(|r| r.partial)
            }
        };
        if faults.any() {
            failed.store(true, Ordering::Relaxed);
        }
        Checked {
            // A conservative flag that the exact scan cleared: the leaf's sum stands.
            partial: partial.unwrap_or_default(),
            faults,
        }
    }
}

/// Where a block starts: the memory key and the column of its first entry.
#[derive(Clone, Copy)]
struct Offset {
    key: usize,
    col: usize,
}

/// The checks of `xent-core`, in the order it runs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    /// A class index that is not a whole number below `k`.
    ClassIndex,
    /// Labels or targets: not finite.
    FirstNonFinite,
    /// Labels or targets: outside `[0, 1]`.
    FirstRange,
    /// Targets: a column sum.
    FirstSum,
    /// Predictions or logits: not finite.
    SecondNonFinite,
    /// Predictions: outside `[0, 1]`.
    SecondRange,
    /// Predictions: a column sum.
    SecondSum,
    /// Categorical logits: a column entirely `−∞`.
    SecondNoFinite,
}

const SLOTS: usize = 8;

/// The first offence found for a check: its key (memory offset in the whole input, or the
/// column for a sum, or the sample for a class index), where it is, and the entry or sum.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Fault {
    key: usize,
    row: usize,
    col: usize,
    value: f64,
}

/// The first offence of each check, over the leaves scanned so far.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Faults([Option<Fault>; SLOTS]);

impl Faults {
    fn record(&mut self, slot: Slot, fault: Fault) {
        let s = &mut self.0[slot as usize];
        if s.is_none_or(|old| fault.key < old.key) {
            *s = Some(fault);
        }
    }

    pub(crate) fn any(&self) -> bool {
        self.0.iter().any(Option::is_some)
    }

    pub(crate) fn merge(mut self, other: Faults) -> Faults {
        for (slot, fault) in other.0.iter().enumerate() {
            if let Some(f) = fault {
                let s = &mut self.0[slot];
                if s.is_none_or(|old| f.key < old.key) {
                    *s = Some(*f);
                }
            }
        }
        self
    }

    /// The non-finite entries (into `nonfinite`) and, when `range`, the entries outside
    /// `[0, 1]` (into the next slot) among entries `entries` (canonical positions) of `a`.
    /// Without `range` `a` holds logits, for which only `NaN` and `+∞` are non-finite
    /// (`−∞` is probability 0).
    fn scan_entries(
        &mut self,
        a: &Array<'_>,
        entries: Range<usize>,
        nonfinite: Slot,
        range: bool,
        at: Offset,
    ) {
        let range_slot = match nonfinite {
            Slot::FirstNonFinite => Slot::FirstRange,
            _ => Slot::SecondRange,
        };
        with_view!(a, v => {
            let rows = v.rows().max(1);
            for e in entries {
                let (r, c) = (e % rows, e / rows);
                let x = v.get(r, c).to_f64();
                let bad_range = range && !(0.0..=1.0).contains(&x);
                let non_finite = if range {
                    !x.is_finite()
                } else {
                    x.is_nan() || x == f64::INFINITY
                };
                if non_finite || bad_range {
                    let fault = Fault {
                        key: at.key + memory_offset(*v, r, c),
                        row: r,
                        col: at.col + c,
                        value: x,
                    };
                    if non_finite {
                        self.record(nonfinite, fault);
                    }
                    if bad_range {
                        self.record(range_slot, fault);
                    }
                }
            }
        });
    }

    /// The first column of `cols` whose sum, computed as `xent-core` computes it, is off.
    fn scan_column_sums(
        &mut self,
        a: &Array<'_>,
        cols: Range<usize>,
        tolerance: f64,
        slot: Slot,
        at: Offset,
    ) {
        let k = a.rows();
        for c in cols {
            let sum: f64 = (0..k).map(|r| a.get_f64(r, c)).sum();
            if (sum - 1.0).abs() > tolerance {
                let col = at.col + c;
                self.record(
                    slot,
                    Fault {
                        key: col,
                        row: 0,
                        col,
                        value: sum,
                    },
                );
                return;
            }
        }
    }

    /// The first column of `cols` of categorical logits that is entirely `−∞`.
    fn scan_no_finite_logit(&mut self, z: &Array<'_>, cols: Range<usize>, at: Offset) {
        let k = z.rows();
        for c in cols {
            if (0..k).all(|r| z.get_f64(r, c) == f64::NEG_INFINITY) {
                let col = at.col + c;
                let fault = Fault {
                    key: col,
                    row: 0,
                    col,
                    value: f64::NEG_INFINITY,
                };
                self.record(Slot::SecondNoFinite, fault);
                return;
            }
        }
    }

    fn scan_classes(&mut self, classes: &Array<'_>, k: usize, samples: Range<usize>, at: Offset) {
        let bad = with_view!(classes, v => first_bad_class(*v, k, samples));
        if let Some((j, value)) = bad {
            let col = at.col + j;
            self.record(
                Slot::ClassIndex,
                Fault {
                    key: col,
                    row: 0,
                    col,
                    value,
                },
            );
        }
    }

    /// The error of the first check with an offence.
    pub(crate) fn error(&self, c: &Context) -> Option<Error> {
        let slots = [
            Slot::ClassIndex,
            Slot::FirstNonFinite,
            Slot::FirstRange,
            Slot::FirstSum,
            Slot::SecondNonFinite,
            Slot::SecondRange,
            Slot::SecondSum,
            Slot::SecondNoFinite,
        ];
        slots.into_iter().find_map(|slot| {
            let f = self.0[slot as usize]?;
            let which = match slot {
                Slot::FirstNonFinite | Slot::FirstRange | Slot::FirstSum => c.first,
                _ => c.second,
            };
            let (row, col, value) = (f.row, f.col, f.value);
            Some(match slot {
                Slot::ClassIndex => Error::ClassIndex {
                    sample: col,
                    value,
                    classes: c.k,
                },
                Slot::FirstNonFinite | Slot::SecondNonFinite => Error::NonFinite {
                    which,
                    row,
                    col,
                    value,
                },
                Slot::FirstRange | Slot::SecondRange => Error::OutOfRange {
                    which,
                    row,
                    col,
                    value,
                },
                Slot::FirstSum | Slot::SecondSum => Error::ColumnSum {
                    which,
                    col,
                    sum: value,
                    tolerance: c.tolerance,
                },
                Slot::SecondNoFinite => Error::NoFiniteLogit { which, col },
            })
        })
    }
}

/// The offset of entry `[r, c]` in memory order.
fn memory_offset<T: Element>(v: View<'_, T>, r: usize, c: usize) -> usize {
    if v.is_col_major() {
        r + c * v.rows()
    } else {
        r * v.cols() + c
    }
}

/// The first of `samples` whose class index is not a whole number below `k`, and its value.
fn first_bad_class<T: Element>(
    v: View<'_, T>,
    k: usize,
    samples: Range<usize>,
) -> Option<(usize, f64)> {
    let d = v.data();
    samples.into_iter().find_map(|j| {
        let x = *d.get(j)?;
        x.to_index()
            .is_none_or(|i| i >= k as u64)
            .then(|| (v.position(j).1, x.to_f64()))
    })
}

/// What the operands are, to turn a slot into an [`Error`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Context {
    first: Operand,
    second: Operand,
    k: usize,
    tolerance: f64,
}

/// How errors name the operands of `problem`.
pub(crate) fn context(problem: &Problem<'_>) -> Context {
    let first = match problem {
        Problem::Binary(_) => Operand::Labels,
        Problem::Categorical(p) => match p.targets() {
            Targets::Classes(_) => Operand::Classes,
            Targets::Dense(_) => Operand::Targets,
        },
    };
    context_of(first, problem.predictions().operand(), problem.shape().rows)
}

/// The context of a problem of `k` rows whose checks name `first`, then `second`.
pub(crate) fn context_of(first: Operand, second: Operand, k: usize) -> Context {
    Context {
        first,
        second,
        k,
        tolerance: xent_core::tolerance::column_sum(k),
    }
}

/// A leaf's (or subtree's) partial sum, and the offences it found.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Checked {
    pub(crate) partial: Partial,
    pub(crate) faults: Faults,
}

impl Combine for Checked {
    fn combine(self, other: Self) -> Self {
        Checked {
            partial: self.partial.combine(other.partial),
            faults: self.faults.merge(other.faults),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::Fused;
    use quickcheck::{Arbitrary, Gen, QuickCheck};
    use xent_core::{Array, View};

    /// `Ok` values bit for bit, errors by their `Debug` form (a `NaN` value is not `==`).
    pub(crate) fn same(a: &Result<Evaluation>, b: &Result<Evaluation>) -> bool {
        match (a, b) {
            (Ok(a), Ok(b)) => {
                a.log_likelihood.to_bits() == b.log_likelihood.to_bits()
                    && a.samples == b.samples
                    && a.shape == b.shape
            }
            (Err(a), Err(b)) => format!("{a:?}") == format!("{b:?}"),
            _ => false,
        }
    }

    /// What `xent-core` says: its validation, then [`Fused`] on the validated problem.
    pub(crate) fn core(u: &Unvalidated<'_>) -> Result<Evaluation> {
        u.validate().map(|p| p.evaluate(&Fused))
    }

    /// An element type and memory order for a stored input.
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub(crate) enum Encoding {
        F64,
        F32,
        I64,
        U8,
        Bool,
    }

    /// Owned data of one input, in some dtype and memory order, to borrow as an [`Array`].
    #[derive(Debug, Clone)]
    pub(crate) enum Store {
        F64(Vec<f64>),
        F32(Vec<f32>),
        I64(Vec<i64>),
        U8(Vec<u8>),
        Bool(Vec<bool>),
    }

    #[derive(Debug, Clone)]
    pub(crate) struct Stored {
        store: Store,
        rows: usize,
        cols: usize,
        row_major: bool,
    }

    impl Stored {
        /// `data` (column-major, `rows × cols`) converted to `encoding` (`as` casts) and
        /// laid out row-major when asked.
        pub(crate) fn new(
            data: &[f64],
            rows: usize,
            cols: usize,
            encoding: Encoding,
            row_major: bool,
        ) -> Self {
            let order: Vec<f64> = if row_major {
                (0..rows)
                    .flat_map(|r| (0..cols).map(move |c| data[r + c * rows]))
                    .collect()
            } else {
                data.to_vec()
            };
            let store = match encoding {
                Encoding::F64 => Store::F64(order),
                Encoding::F32 => Store::F32(order.iter().map(|&v| v as f32).collect()),
                Encoding::I64 => Store::I64(order.iter().map(|&v| v as i64).collect()),
                Encoding::U8 => Store::U8(order.iter().map(|&v| v as u8).collect()),
                Encoding::Bool => Store::Bool(order.iter().map(|&v| v != 0.0).collect()),
            };
            Stored {
                store,
                rows,
                cols,
                row_major,
            }
        }

        pub(crate) fn array(&self) -> Array<'_> {
            fn view<T: Element>(d: &[T], r: usize, c: usize, row_major: bool) -> Array<'_> {
                let v = if row_major {
                    View::row_major(d, r, c)
                } else {
                    View::col_major(d, r, c)
                };
                v.expect("a consistent shape").array()
            }
            let (r, c, rm) = (self.rows, self.cols, self.row_major);
            match &self.store {
                Store::F64(d) => view(d, r, c, rm),
                Store::F32(d) => view(d, r, c, rm),
                Store::I64(d) => view(d, r, c, rm),
                Store::U8(d) => view(d, r, c, rm),
                Store::Bool(d) => view(d, r, c, rm),
            }
        }
    }

    /// Values that break a check, or nearly do.
    const FAULTS: [f64; 10] = [
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        -0.5,
        1.5,
        -0.0,
        1e-300,
        1.0 + 1e-9,
        -1e-12,
        2.0,
    ];

    /// Inputs with a few entries overwritten by [`FAULTS`] at random positions, spanning
    /// several leaves, in every kind of problem, stored in a random dtype and memory order.
    #[derive(Debug, Clone)]
    struct Case {
        pred: Stored,
        targets: Stored,
        classes: Stored,
        logits: bool,
    }

    impl Arbitrary for Case {
        fn arbitrary(g: &mut Gen) -> Self {
            let rows = 1 + usize::arbitrary(g) % 12;
            let cols = match u8::arbitrary(g) % 4 {
                0 => 1 + usize::arbitrary(g) % 4,
                1 => 3000 + usize::arbitrary(g) % 3000,
                _ => 1 + usize::arbitrary(g) % 300,
            };
            let n = rows * cols;
            let unit = |g: &mut Gen| f64::from(u32::arbitrary(g)) / f64::from(u32::MAX);
            let mut pred = Vec::with_capacity(n);
            let mut targets = Vec::with_capacity(n);
            for _ in 0..cols {
                // Columns that are distributions, so categorical problems are valid too.
                let q: Vec<f64> = (0..rows).map(|_| unit(g) + 1e-3).collect();
                let s: f64 = q.iter().sum();
                pred.extend(q.iter().map(|v| v / s));
                let hot = usize::arbitrary(g) % rows;
                let soft = bool::arbitrary(g);
                targets.extend((0..rows).map(|i| match (soft, i == hot) {
                    (true, _) => 1.0 / rows as f64,
                    (false, true) => 1.0,
                    (false, false) => 0.0,
                }));
            }
            let mut classes: Vec<f64> = (0..cols)
                .map(|_| (usize::arbitrary(g) % rows) as f64)
                .collect();
            for _ in 0..u8::arbitrary(g) % 4 {
                let v = FAULTS[usize::arbitrary(g) % FAULTS.len()];
                let i = usize::arbitrary(g) % n;
                if bool::arbitrary(g) {
                    pred[i] = v;
                } else {
                    targets[i] = v;
                }
            }
            if u8::arbitrary(g) % 6 == 0 {
                let bad = [rows as f64, rows as f64 + 2.0, -1.0, 0.5, f64::NAN];
                classes[usize::arbitrary(g) % cols] = bad[usize::arbitrary(g) % bad.len()];
            }
            let floats = [Encoding::F64, Encoding::F32];
            let any = [
                Encoding::F64,
                Encoding::F32,
                Encoding::I64,
                Encoding::U8,
                Encoding::Bool,
            ];
            let pick = |g: &mut Gen, from: &[Encoding]| from[usize::arbitrary(g) % from.len()];
            // Mostly float targets (integer ones lose soft labels and most faults).
            let target_encoding = if u8::arbitrary(g) % 3 == 0 {
                pick(g, &any)
            } else {
                pick(g, &floats)
            };
            let class_encoding = pick(g, &[Encoding::F64, Encoding::I64, Encoding::U8]);
            Case {
                pred: Stored::new(&pred, rows, cols, pick(g, &floats), bool::arbitrary(g)),
                targets: Stored::new(&targets, rows, cols, target_encoding, bool::arbitrary(g)),
                classes: Stored::new(&classes, 1, cols, class_encoding, false),
                logits: bool::arbitrary(g),
            }
        }
    }

    fn binary_matches_core(case: Case) -> bool {
        let u = Unvalidated::binary(case.pred.array(), case.targets.array(), case.logits);
        let u = u.expect("shapes agree");
        same(&checked(&u), &core(&u))
    }

    fn categorical_matches_core(case: Case) -> bool {
        let dense = Targets::Dense(case.targets.array());
        let classes = Targets::Classes(case.classes.array());
        [dense, classes].into_iter().all(|t| {
            let u = Unvalidated::categorical(case.pred.array(), t, case.logits);
            let u = u.expect("shapes agree");
            same(&checked(&u), &core(&u))
        })
    }

    #[test]
    fn binary_reports_what_core_reports() {
        QuickCheck::new()
            .tests(300)
            .quickcheck(binary_matches_core as fn(Case) -> bool);
    }

    #[test]
    fn categorical_reports_what_core_reports() {
        QuickCheck::new()
            .tests(300)
            .quickcheck(categorical_matches_core as fn(Case) -> bool);
    }

    /// One row per check, in `xent-core`'s order: each fault alone, and each beaten by the
    /// fault of an earlier check placed after it in memory.
    #[test]
    fn priority_of_checks() {
        let y = [1.0, 0.0, 1.0, 0.0, 1.0, 0.0];
        let a = [0.5; 6];
        let with = |d: &[f64; 6], i: usize, v: f64| {
            let mut d = *d;
            d[i] = v;
            d
        };
        let rows: [([f64; 6], [f64; 6], &str); 5] = [
            (
                with(&a, 1, 1.5),
                y,
                "pred[1, 0] = 1.5 is not a probability in [0, 1]",
            ),
            (
                with(&with(&a, 1, 1.5), 4, f64::NAN),
                y,
                "pred[0, 2] = NaN is not finite",
            ),
            (
                with(&a, 0, f64::NAN),
                with(&y, 5, 2.0),
                "labels[1, 2] = 2 is not a probability in [0, 1]",
            ),
            (
                a,
                with(&with(&y, 1, 2.0), 3, f64::INFINITY),
                "labels[1, 1] = inf is not finite",
            ),
            (
                with(&a, 0, -1.0),
                with(&y, 5, 0.5),
                "pred[0, 0] = -1 is not a probability in [0, 1]",
            ),
        ];
        for (a, y, message) in rows {
            let view = |d| Array::from(View::col_major(d, 2, 3).expect("2 × 3"));
            let u = Unvalidated::binary(view(&a), view(&y), false).expect("2 × 3 each");
            let got = checked(&u);
            assert_eq!(
                got.map_err(|e| e.to_string()).err().as_deref(),
                Some(message)
            );
        }
    }

    /// In a row-major view, "first" is first in memory: not the first in the kernels'
    /// (column-major) order, nor in the leaf that comes first.
    #[test]
    fn first_in_memory_order_of_a_row_major_view() {
        let (rows, cols) = (3, 10_000); // several leaves
        let mut a = vec![0.5; rows * cols]; // row-major: a[r * cols + c]
        let y = vec![1u8; rows * cols];
        a[2 * cols + 5] = 7.0; // [2, 5]: first in column-major order
        a[cols + 9_000] = -3.0; // [1, 9000]: in a later leaf, but first in memory
        let a = View::row_major(&a, rows, cols)
            .expect("rows × cols")
            .array();
        let y = View::row_major(&y, rows, cols)
            .expect("rows × cols")
            .array();
        let u = Unvalidated::binary(a, y, false).expect("shapes");
        let err = checked(&u).unwrap_err();
        assert_eq!(
            err,
            Error::OutOfRange {
                which: Operand::Predictions,
                row: 1,
                col: 9_000,
                value: -3.0
            }
        );
        assert!(same(&Err(err), &core(&u)));
    }

    /// Columns whose sums sit at the tolerance, within a few ulps either side, for short
    /// columns (summed exactly as `xent-core` does) and long ones (summed in another order,
    /// with a margin): the decision is always `xent-core`'s.
    #[test]
    fn column_sums_at_the_tolerance() {
        for k in [3, 10, 16, 17, 40, 1000] {
            let tolerance = xent_core::tolerance::column_sum(k);
            let mut q = Vec::new();
            let mut cols = 0;
            for ulps in -40i64..=40 {
                for sign in [-1.0, 1.0] {
                    let target = 1.0 + sign * tolerance;
                    let target = f64::from_bits((target.to_bits() as i64 + ulps) as u64);
                    let mut col = vec![1.0 / k as f64; k];
                    let partial: f64 = col[..k - 1].iter().sum();
                    col[k - 1] = target - partial;
                    q.extend(col);
                    cols += 1;
                }
            }
            let mut rejected = 0;
            for j in 0..cols {
                let one = &q[j * k..(j + 1) * k];
                let u = Unvalidated::categorical(
                    View::column(one).array(),
                    Targets::classes(&[0u32]),
                    false,
                )
                .expect("one sample");
                let (ours, core) = (checked(&u), core(&u));
                assert!(
                    same(&ours, &core),
                    "k = {k}, column {j}: {ours:?} vs {core:?}"
                );
                rejected += usize::from(core.is_err());
            }
            // Both sides of the boundary were exercised.
            assert!(
                0 < rejected && rejected < cols,
                "k = {k}: {rejected} of {cols}"
            );
        }
    }
}
