//! Validation fused into the pass: cross-entropy of raw column-major slices, with exactly the
//! errors `xent-core` would report, and no second trip through memory.
//!
//! [`binary_from_slices`] and [`categorical_from_slices`] take the inputs as they come from a
//! file or a memory map ([`ColumnMajor`] views), validate and compute in the same pass, and
//! return the same [`Evaluation`] as [`crate::Fused`] on the validated problem, or the same
//! [`Error`] as `BinaryProblem::new`, `BinaryProblem::from_logits`, `CategoricalProblem::new`,
//! `CategoricalProblem::with_classes`, `CategoricalProblem::from_logits` or
//! `CategoricalProblem::from_logits_with_classes` on the same data: same variant, same
//! operand, same position, same value.
//!
//! # Which error
//!
//! `xent-core` checks in this order, each check over a whole input, and reports the first
//! offending entry of the first check that fails, "first" in column-major memory order:
//!
//! 1. (class indices) one index per sample ([`Error::ClassCount`]), then every index below
//!    `k` ([`Error::ClassIndex`]);
//! 2. neither input is empty ([`Error::Empty`]), then equal shapes ([`Error::ShapeMismatch`]);
//! 3. labels or targets: every entry finite ([`Error::NonFinite`]), then in `[0, 1]`
//!    ([`Error::OutOfRange`]), then (categorical) every column sum within
//!    [`xent_core::tolerance::column_sum`] of 1 ([`Error::ColumnSum`], its sum computed
//!    left to right as `xent-core` does);
//! 4. predictions: the same (probabilities), or every logit finite.
//!
//! Here, the pass computes and flags at once: the vectorised loops keep, per block of a leaf,
//! cheap conservative flags (a minimum and a maximum per lane, `NaN` propagating into a sum,
//! a column sum compared with the tolerance). Only a flagged leaf — in cache — is scanned
//! entry by entry for the first offence of each check; the leaves' offences are merged (the
//! lowest position per check) and the first check in the order above that has one is
//! reported. Checks 1 and 2 look only at lengths and shapes, except that the class indices
//! are checked inside the pass too. Once an offence is found, the remaining leaves only scan.

use std::sync::atomic::{AtomicBool, Ordering};

use nalgebra::DMatrix;
use xent_core::{Error, Evaluation, Kind, Operand, ReducedShape, Result, Shape, evaluation_span};

use crate::accumulate::{Combine, Partial, tree};
use crate::isa::{self, Isa};
use crate::{binary, categorical};

/// A borrowed column-major matrix: `data[row + col·rows]` is entry `[row, col]` (nalgebra's
/// layout, and `.npy` files with `fortran_order: True`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ColumnMajor<'a> {
    data: &'a [f64],
    rows: usize,
    cols: usize,
}

impl<'a> ColumnMajor<'a> {
    /// A view of `data` as `rows × cols`, or `None` unless `data.len() == rows · cols`.
    pub fn new(data: &'a [f64], rows: usize, cols: usize) -> Option<Self> {
        (rows.checked_mul(cols) == Some(data.len())).then_some(ColumnMajor { data, rows, cols })
    }

    /// The entries, column after column.
    pub fn data(&self) -> &'a [f64] {
        self.data
    }

    /// Its shape `(rows, cols)`.
    pub fn shape(&self) -> Shape {
        Shape {
            rows: self.rows,
            cols: self.cols,
        }
    }

    fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
}

impl<'a> From<&'a DMatrix<f64>> for ColumnMajor<'a> {
    fn from(m: &'a DMatrix<f64>) -> Self {
        ColumnMajor {
            data: m.as_slice(),
            rows: m.nrows(),
            cols: m.ncols(),
        }
    }
}

/// The targets of a categorical problem.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Targets<'a> {
    /// One class index per sample (column).
    Classes(&'a [usize]),
    /// A `k × m` matrix of distributions (one-hot or soft), columns summing to 1.
    Dense(ColumnMajor<'a>),
}

/// Binary cross-entropy of raw column-major inputs, validated in the same pass:
/// predictions `pred` (probabilities, or logits when `logits`) and labels, both `n_y × m`.
///
/// Returns what [`crate::Fused`] returns for the validated problem, or the [`Error`]
/// `BinaryProblem::new` (`BinaryProblem::from_logits`) returns for these matrices.
///
/// ```
/// use xent_fused::{ColumnMajor, binary_from_slices};
/// use xent_core::{Error, Operand};
///
/// let a = [0.8, 0.2, 0.95, 0.92, 0.01, 0.93, 0.1, 0.02];
/// let y = [1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 0.0];
/// let view = |d| ColumnMajor::new(d, 1, 8).ok_or("8 entries");
/// let e = binary_from_slices(view(&a)?, view(&y)?, false)?;
/// assert_eq!(format!("{:.8}", e.nats()), "0.09864328");
///
/// let bad = [0.8, 0.2, 1.5, 0.92, 0.01, 0.93, f64::NAN, 0.02];
/// let err = binary_from_slices(view(&bad)?, view(&y)?, false).unwrap_err();
/// // Non-finite entries are reported before out-of-range ones, as xent-core does.
/// assert!(matches!(err, Error::NonFinite { which: Operand::Predictions, row: 0, col: 6, .. }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn binary_from_slices(
    pred: ColumnMajor<'_>,
    labels: ColumnMajor<'_>,
    logits: bool,
) -> Result<Evaluation> {
    let which = if logits {
        Operand::Logits
    } else {
        Operand::Predictions
    };
    check_shapes(which, pred, Operand::Labels, labels)?;
    let _span = evaluation_span("fused", Kind::Binary, pred.shape()).entered();
    let isa = Isa::detect();
    let (a, y) = (pred.data, labels.data);
    let n = a.len();
    let failed = AtomicBool::new(false);
    let out = tree(n.div_ceil(binary::LEAF), &|i| {
        let range = i * binary::LEAF..n.min((i + 1) * binary::LEAF);
        let (a, y) = (&a[range.clone()], &y[range.clone()]);
        let result = if failed.load(Ordering::Relaxed) {
            None
        } else if logits {
            Some(isa::run(isa, binary::LogitLeaf::<true> { z: a, y }))
        } else {
            Some(isa::run(isa, binary::ProbLeaf::<true> { a, y }))
        };
        match result {
            Some(r) if !r.invalid => Checked::ok(r.partial),
            _ => {
                let mut faults = Faults::default();
                faults.scan_entries(y, range.start, Slot::FirstNonFinite);
                if logits {
                    faults.scan_finite(a, range.start, Slot::SecondNonFinite);
                } else {
                    faults.scan_entries(a, range.start, Slot::SecondNonFinite);
                }
                if faults.any() {
                    failed.store(true, Ordering::Relaxed);
                    Checked {
                        partial: Partial::default(),
                        faults,
                    }
                } else {
                    // Flags are conservative; the exact scan cleared the leaf.
                    result.map_or_else(Checked::default, |r| Checked::ok(r.partial))
                }
            }
        }
    });
    let context = Context {
        first: Operand::Labels,
        second: which,
        rows: pred.rows,
        k: pred.rows,
        tolerance: 0.0,
    };
    out.result(context, pred.cols)
}

/// Categorical cross-entropy of raw column-major inputs, validated in the same pass:
/// predictions `pred` (`k × m` distributions, or logits when `logits`) and targets (class
/// indices, or a `k × m` matrix).
///
/// Returns what [`crate::Fused`] returns for the validated problem, or the [`Error`] the
/// matching `CategoricalProblem` constructor returns for these inputs.
///
/// ```
/// use xent_fused::{ColumnMajor, Targets, categorical_from_slices};
/// use xent_core::Error;
///
/// let q = [0.228, 0.619, 0.153, 0.3, 0.3, 0.3];
/// let view = ColumnMajor::new(&q, 3, 2).ok_or("6 entries")?;
/// let err = categorical_from_slices(view, Targets::Classes(&[1, 0]), false).unwrap_err();
/// assert!(matches!(err, Error::ColumnSum { col: 1, .. }));
///
/// let view = ColumnMajor::new(&q[..3], 3, 1).ok_or("3 entries")?;
/// let e = categorical_from_slices(view, Targets::Classes(&[1]), false)?;
/// assert_eq!(format!("{:.4}", e.nats()), "0.4797");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn categorical_from_slices(
    pred: ColumnMajor<'_>,
    targets: Targets<'_>,
    logits: bool,
) -> Result<Evaluation> {
    let which = if logits {
        Operand::Logits
    } else {
        Operand::Predictions
    };
    let (k, m) = (pred.rows, pred.cols);
    if let Targets::Classes(classes) = targets {
        // `one_hot` runs before anything else in `xent-core`.
        if classes.len() != m {
            return Err(Error::ClassCount {
                classes: classes.len(),
                samples: m,
            });
        }
        if k == 0
            && let Some((sample, &index)) = classes.iter().enumerate().find(|(_, c)| **c >= k)
        {
            return Err(Error::ClassIndex {
                sample,
                index,
                classes: k,
            });
        }
    }
    if let Targets::Dense(p) = targets {
        check_shapes(which, pred, Operand::Targets, p)?;
    } else if pred.is_empty() {
        return Err(Error::Empty {
            which,
            shape: pred.shape(),
        });
    }
    let _span = evaluation_span("fused", Kind::Categorical, pred.shape()).entered();
    let isa = Isa::detect();
    let tolerance = xent_core::tolerance::column_sum(k);
    let per_leaf = categorical::columns_per_leaf(k);
    let failed = AtomicBool::new(false);
    let out = tree(m.div_ceil(per_leaf), &|i| {
        let cols = i * per_leaf..m.min((i + 1) * per_leaf);
        let entries = cols.start * k..cols.end * k;
        let z = &pred.data[entries.clone()];
        let leaf_targets = match targets {
            Targets::Classes(c) => categorical::LeafTargets::Classes(&c[cols.clone()]),
            Targets::Dense(p) => categorical::LeafTargets::Dense(&p.data[entries.clone()]),
        };
        let result = if failed.load(Ordering::Relaxed) {
            None
        } else {
            Some(match (logits, leaf_targets) {
                (true, targets) => isa::run(
                    isa,
                    categorical::LogitLeaf::<true> {
                        z,
                        targets,
                        k,
                        tolerance,
                    },
                ),
                (false, categorical::LeafTargets::Classes(classes)) => isa::run(
                    isa,
                    categorical::ClassLeaf::<true> {
                        q: z,
                        classes,
                        k,
                        tolerance,
                    },
                ),
                (false, categorical::LeafTargets::Dense(p)) => isa::run(
                    isa,
                    categorical::DenseLeaf::<true> {
                        q: z,
                        p,
                        k,
                        tolerance,
                    },
                ),
            })
        };
        match result {
            Some(r) if !r.flagged => Checked::ok(r.partial),
            _ => {
                let mut faults = Faults::default();
                match leaf_targets {
                    categorical::LeafTargets::Classes(c) => {
                        faults.scan_classes(c, k, cols.start);
                    }
                    categorical::LeafTargets::Dense(p) => {
                        faults.scan_entries(p, entries.start, Slot::FirstNonFinite);
                        faults.scan_column_sums(p, k, cols.start, tolerance, Slot::FirstSum);
                    }
                }
                if logits {
                    faults.scan_finite(z, entries.start, Slot::SecondNonFinite);
                } else {
                    faults.scan_entries(z, entries.start, Slot::SecondNonFinite);
                    faults.scan_column_sums(z, k, cols.start, tolerance, Slot::SecondSum);
                }
                if faults.any() {
                    failed.store(true, Ordering::Relaxed);
                    Checked {
                        partial: Partial::default(),
                        faults,
                    }
                } else {
                    // A conservative flag (a column sum within rounding of the tolerance)
                    // that the exact scan cleared: the leaf's sum stands.
                    match result {
                        Some(r) => Checked::ok(r.partial),
                        None => Checked::default(),
                    }
                }
            }
        }
    });
    let first = match targets {
        Targets::Classes(_) => Operand::Classes,
        Targets::Dense(_) => Operand::Targets,
    };
    let context = Context {
        first,
        second: which,
        rows: k,
        k,
        tolerance,
    };
    out.result(context, m)
}

/// `Empty`, then `ShapeMismatch`, as `xent-core` checks them.
fn check_shapes(
    left: Operand,
    l: ColumnMajor<'_>,
    right: Operand,
    r: ColumnMajor<'_>,
) -> Result<()> {
    if l.is_empty() {
        return Err(Error::Empty {
            which: left,
            shape: l.shape(),
        });
    }
    if r.is_empty() {
        return Err(Error::Empty {
            which: right,
            shape: r.shape(),
        });
    }
    if l.shape() != r.shape() {
        return Err(Error::ShapeMismatch {
            left,
            left_shape: l.shape(),
            right,
            right_shape: r.shape(),
        });
    }
    Ok(())
}

/// The checks of `xent-core`, in the order it runs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    /// A class index `≥ k`.
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
}

const SLOTS: usize = 7;

/// The first offence found for a check: its position (entry, column or sample), the entry or
/// the sum, and the class index.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Fault {
    at: usize,
    value: f64,
    index: usize,
}

/// The first offence of each check, over the leaves scanned so far.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Faults([Option<Fault>; SLOTS]);

impl Faults {
    fn record(&mut self, slot: Slot, fault: Fault) {
        let s = &mut self.0[slot as usize];
        if s.is_none_or(|old| fault.at < old.at) {
            *s = Some(fault);
        }
    }

    fn any(&self) -> bool {
        self.0.iter().any(Option::is_some)
    }

    fn merge(mut self, other: Faults) -> Faults {
        for (slot, fault) in other.0.iter().enumerate() {
            if let Some(f) = fault {
                let s = &mut self.0[slot];
                if s.is_none_or(|old| f.at < old.at) {
                    *s = Some(*f);
                }
            }
        }
        self
    }

    /// The first non-finite entry (into `nonfinite`) and the first entry outside `[0, 1]`
    /// (into the next slot), `offset` being the position of `data[0]`.
    fn scan_entries(&mut self, data: &[f64], offset: usize, nonfinite: Slot) {
        let range = match nonfinite {
            Slot::FirstNonFinite => Slot::FirstRange,
            _ => Slot::SecondRange,
        };
        if let Some(i) = data.iter().position(|v| !v.is_finite()) {
            self.record(nonfinite, fault(offset + i, data[i]));
        }
        if let Some(i) = data.iter().position(|v| !(0.0..=1.0).contains(v)) {
            self.record(range, fault(offset + i, data[i]));
        }
    }

    fn scan_finite(&mut self, data: &[f64], offset: usize, slot: Slot) {
        if let Some(i) = data.iter().position(|v| !v.is_finite()) {
            self.record(slot, fault(offset + i, data[i]));
        }
    }

    /// The first column whose sum, computed as `xent-core` computes it, is off.
    fn scan_column_sums(
        &mut self,
        data: &[f64],
        k: usize,
        first_col: usize,
        tolerance: f64,
        slot: Slot,
    ) {
        for (j, col) in data.chunks(k.max(1)).enumerate() {
            let sum: f64 = col.iter().sum();
            if (sum - 1.0).abs() > tolerance {
                self.record(slot, fault(first_col + j, sum));
                return;
            }
        }
    }

    fn scan_classes(&mut self, classes: &[usize], k: usize, first_sample: usize) {
        if let Some((j, &index)) = classes.iter().enumerate().find(|(_, c)| **c >= k) {
            self.record(
                Slot::ClassIndex,
                Fault {
                    at: first_sample + j,
                    value: f64::NAN,
                    index,
                },
            );
        }
    }
}

fn fault(at: usize, value: f64) -> Fault {
    Fault {
        at,
        value,
        index: 0,
    }
}

/// What the operands are, to turn a slot into an [`Error`].
struct Context {
    first: Operand,
    second: Operand,
    rows: usize,
    k: usize,
    tolerance: f64,
}

/// A leaf's (or subtree's) partial sum, and the offences it found.
#[derive(Debug, Clone, Copy, Default)]
struct Checked {
    partial: Partial,
    faults: Faults,
}

impl Checked {
    fn ok(partial: Partial) -> Self {
        Checked {
            partial,
            faults: Faults::default(),
        }
    }

    fn result(self, c: Context, samples: usize) -> Result<Evaluation> {
        let slots = [
            Slot::ClassIndex,
            Slot::FirstNonFinite,
            Slot::FirstRange,
            Slot::FirstSum,
            Slot::SecondNonFinite,
            Slot::SecondRange,
            Slot::SecondSum,
        ];
        for slot in slots {
            let Some(f) = self.faults.0[slot as usize] else {
                continue;
            };
            let rows = c.rows.max(1);
            let (row, col) = (f.at % rows, f.at / rows);
            let which = match slot {
                Slot::FirstNonFinite | Slot::FirstRange | Slot::FirstSum => c.first,
                _ => c.second,
            };
            return Err(match slot {
                Slot::ClassIndex => Error::ClassIndex {
                    sample: f.at,
                    index: f.index,
                    classes: c.k,
                },
                Slot::FirstNonFinite | Slot::SecondNonFinite => Error::NonFinite {
                    which,
                    row,
                    col,
                    value: f.value,
                },
                Slot::FirstRange | Slot::SecondRange => Error::OutOfRange {
                    which,
                    row,
                    col,
                    value: f.value,
                },
                Slot::FirstSum | Slot::SecondSum => Error::ColumnSum {
                    which,
                    col: f.at,
                    sum: f.value,
                    tolerance: c.tolerance,
                },
            });
        }
        Ok(Evaluation {
            log_likelihood: self.partial.value(),
            samples,
            shape: ReducedShape::Scalar,
        })
    }
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
mod tests {
    use super::*;
    use crate::Fused;
    use quickcheck::{Arbitrary, Gen, QuickCheck};
    use xent_core::{BinaryProblem, CategoricalProblem, Formulation};

    /// `Ok` values bit for bit, errors by their `Debug` form (a `NaN` value is not `==`).
    fn same(a: &Result<Evaluation>, b: &Result<Evaluation>) -> bool {
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

    /// Values that break a check, or nearly do.
    const FAULTS: [f64; 9] = [
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        -0.5,
        1.5,
        -0.0,
        1e-300,
        1.0 + 1e-9,
        -1e-12,
    ];

    /// Inputs with a few entries overwritten by [`FAULTS`] at random positions, spanning
    /// several leaves, in every kind of problem.
    #[derive(Debug, Clone)]
    struct Case {
        rows: usize,
        cols: usize,
        pred: Vec<f64>,
        targets: Vec<f64>,
        classes: Vec<usize>,
        logits: bool,
        /// The targets' shape, when it differs (a shape mismatch).
        targets_shape: (usize, usize),
    }

    impl Arbitrary for Case {
        fn arbitrary(g: &mut Gen) -> Self {
            let rows = 1 + usize::arbitrary(g) % 12;
            let cols = match u8::arbitrary(g) % 4 {
                0 => usize::arbitrary(g) % 4,
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
            let mut classes: Vec<usize> = (0..cols).map(|_| usize::arbitrary(g) % rows).collect();
            for _ in 0..u8::arbitrary(g) % 4 {
                if n == 0 {
                    break;
                }
                let v = FAULTS[usize::arbitrary(g) % FAULTS.len()];
                let i = usize::arbitrary(g) % n;
                if bool::arbitrary(g) {
                    pred[i] = v;
                } else {
                    targets[i] = v;
                }
            }
            if u8::arbitrary(g) % 8 == 0 && cols > 0 {
                classes[usize::arbitrary(g) % cols] = rows + usize::arbitrary(g) % 3;
            }
            if u8::arbitrary(g) % 16 == 0 {
                classes.pop();
            }
            let targets_shape = if u8::arbitrary(g) % 16 == 0 && cols > 1 {
                targets.truncate(rows * (cols - 1));
                (rows, cols - 1)
            } else {
                (rows, cols)
            };
            Case {
                rows,
                cols,
                pred,
                targets,
                classes,
                logits: bool::arbitrary(g),
                targets_shape,
            }
        }
    }

    impl Case {
        fn pred(&self) -> ColumnMajor<'_> {
            ColumnMajor::new(&self.pred, self.rows, self.cols).expect("consistent")
        }

        fn targets(&self) -> ColumnMajor<'_> {
            let (r, c) = self.targets_shape;
            ColumnMajor::new(&self.targets, r, c).expect("consistent")
        }

        fn matrices(&self) -> (DMatrix<f64>, DMatrix<f64>) {
            let (r, c) = self.targets_shape;
            (
                DMatrix::from_column_slice(self.rows, self.cols, &self.pred),
                DMatrix::from_column_slice(r, c, &self.targets),
            )
        }
    }

    fn binary_matches_core(case: Case) -> bool {
        let (a, y) = case.matrices();
        let core = if case.logits {
            BinaryProblem::from_logits(a, y)
        } else {
            BinaryProblem::new(a, y)
        };
        let expected = core.map(|p| Fused.binary(&p));
        same(
            &binary_from_slices(case.pred(), case.targets(), case.logits),
            &expected,
        )
    }

    fn categorical_matches_core(case: Case) -> bool {
        let (q, p) = case.matrices();
        let dense = if case.logits {
            CategoricalProblem::from_logits(q.clone(), p)
        } else {
            CategoricalProblem::new(q.clone(), p)
        };
        let classes = if case.logits {
            CategoricalProblem::from_logits_with_classes(q, &case.classes)
        } else {
            CategoricalProblem::with_classes(q, &case.classes)
        };
        let dense_ok = same(
            &categorical_from_slices(case.pred(), Targets::Dense(case.targets()), case.logits),
            &dense.map(|p| Fused.categorical(&p)),
        );
        let classes_ok = same(
            &categorical_from_slices(case.pred(), Targets::Classes(&case.classes), case.logits),
            &classes.map(|p| Fused.categorical(&p)),
        );
        dense_ok && classes_ok
    }

    #[test]
    fn binary_reports_what_core_reports() {
        QuickCheck::new()
            .tests(200)
            .quickcheck(binary_matches_core as fn(Case) -> bool);
    }

    #[test]
    fn categorical_reports_what_core_reports() {
        QuickCheck::new()
            .tests(200)
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
            let got = binary_from_slices(
                ColumnMajor::new(&a, 2, 3).expect("2 × 3"),
                ColumnMajor::new(&y, 2, 3).expect("2 × 3"),
                false,
            );
            assert_eq!(
                got.map_err(|e| e.to_string()).err().as_deref(),
                Some(message)
            );
        }
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
                let view = ColumnMajor::new(one, k, 1).expect("k × 1");
                let core =
                    CategoricalProblem::with_classes(DMatrix::from_column_slice(k, 1, one), &[0])
                        .map(|p| Fused.categorical(&p));
                let ours = categorical_from_slices(view, Targets::Classes(&[0]), false);
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

    #[test]
    fn views_need_consistent_shapes() {
        assert!(ColumnMajor::new(&[1.0; 6], 2, 3).is_some());
        assert!(ColumnMajor::new(&[1.0; 6], 4, 2).is_none());
        assert!(ColumnMajor::new(&[], usize::MAX, 2).is_none());
        assert!(ColumnMajor::new(&[], 0, 5).is_some());
    }
}
