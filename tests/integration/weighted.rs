//! Weights, masks, ignored indices and per-sample losses (see `xent_core::weights`),
//! through every formulation. The weighted loss has no published value to compare with, so
//! the properties are metamorphic, each against the unweighted evaluation it must equal:
//! integer weights are repeated samples, weight 0 a removed sample, uniform weights the
//! unweighted mean, a mask the weight 0; the formulations agree within the sum of their a
//! priori bounds, and each per-sample loss of the fused path is within the bound of its
//! one-sample problem of the elementwise style's. The fused path keeps its guarantees on
//! weighted inputs: the same bits on any thread count, for `f32` and its widening, for
//! either memory order; `checked` returns `validate()`'s errors.

use nalgebra::DMatrix;
use quickcheck::{Arbitrary, Gen, QuickCheck, TestResult};
use xent_core::rng::Seeded;
use xent_core::tolerance::{DIVISOR_ERROR_U, UNIT_ROUNDOFF};
use xent_core::{
    Array, Error, ErrorBound, Formulation, Kind, Operand, Problem, ProblemData, Reduction,
    TruthData, View, Weights,
};
use xent_fused::{Fused, checked};

/// A probability in (0, 1), sometimes at an end.
fn probability(g: &mut Gen) -> f64 {
    let u = (1 + u32::arbitrary(g) % 999_999) as f64 / 1e6;
    match u8::arbitrary(g) % 10 {
        0 => 0.0,
        1 => 1.0,
        _ => u,
    }
}

/// A weighted problem: inputs, and per-sample weights, a mask, positive-class or class
/// weights, and for class indices sometimes an ignored index (−100, as PyTorch's default).
#[derive(Debug, Clone)]
struct Case {
    data: ProblemData,
    sample: Vec<f64>,
    mask: Vec<bool>,
    per_row: Vec<f64>,
    ignore: Option<i64>,
    /// Integer weights, so that they can be expanded into repeated samples.
    integer: bool,
}

impl Arbitrary for Case {
    fn arbitrary(g: &mut Gen) -> Self {
        let (rows, m) = (1 + usize::arbitrary(g) % 4, 1 + usize::arbitrary(g) % 30);
        let logits = bool::arbitrary(g);
        let integer = bool::arbitrary(g);
        let weight = |g: &mut Gen| {
            if integer {
                f64::from(u8::arbitrary(g) % 4)
            } else {
                probability(g) * 4.0
            }
        };
        let sample: Vec<f64> = (0..m).map(|_| weight(g)).collect();
        let mask: Vec<bool> = (0..m).map(|_| u8::arbitrary(g) % 5 != 0).collect();
        let mut ignore = None;
        let data = if bool::arbitrary(g) {
            let a = DMatrix::from_fn(rows, m, |_, _| probability(g));
            let pred = if logits {
                a.map(|p| (p - 0.5) * 40.0)
            } else {
                a
            };
            let hard = bool::arbitrary(g);
            let y = DMatrix::from_fn(rows, m, |_, _| {
                let p = probability(g);
                if hard { p.round() } else { p }
            });
            ProblemData::binary(pred, y, logits)
        } else {
            let k = rows + 1;
            let z = DMatrix::from_fn(k, m, |_, _| (probability(g) - 0.5) * 20.0);
            let (pred, logits) = if logits {
                (z, true)
            } else {
                let mut q = z.map(f64::exp);
                for mut c in q.column_iter_mut() {
                    let s = c.sum();
                    c /= s;
                }
                (q, false)
            };
            let classes: Vec<u64> = (0..m).map(|_| u64::arbitrary(g) % k as u64).collect();
            if bool::arbitrary(g) {
                ignore = Some(i64::from(u8::arbitrary(g) % k as u8));
                ProblemData::with_classes(pred, classes, logits)
            } else {
                let p = DMatrix::from_fn(k, m, |r, c| f64::from(u8::from(classes[c] == r as u64)));
                ProblemData::categorical(pred, p, logits)
            }
        };
        let n = data.pred.nrows();
        let per_row = (0..n).map(|_| weight(g)).collect();
        Case {
            data,
            sample,
            mask,
            per_row,
            ignore,
            integer,
        }
    }
}

impl Case {
    /// Its weights, borrowing its vectors.
    fn weights(&self) -> Weights<'_> {
        let mut w = Weights::default()
            .with_sample(View::vector(&self.sample).array())
            .with_mask(View::vector(&self.mask).array());
        let per_row = View::vector(&self.per_row).array();
        w = match self.data.kind {
            Kind::Binary => w.with_positive(per_row),
            Kind::Categorical => w.with_class(per_row),
        };
        match self.ignore {
            Some(i) => w.with_ignore_index(i),
            None => w,
        }
    }

    /// The effective weight `v_j` of each sample, as the test computes it.
    fn effective(&self) -> Vec<f64> {
        (0..self.sample.len())
            .map(|j| {
                let ignored = match (&self.data.truth, self.ignore) {
                    (TruthData::Classes(c), Some(i)) => c[j] as i64 == i,
                    _ => false,
                };
                if self.mask[j] && !ignored {
                    self.sample[j]
                } else {
                    0.0
                }
            })
            .collect()
    }
}

/// The problem of `data` with `weights`.
fn weighted<'a>(data: &'a ProblemData, weights: &'a Weights<'a>) -> Problem<'a> {
    data.unvalidated()
        .and_then(|u| u.with_weights(weights))
        .and_then(|u| u.validate())
        .expect("generated inputs are valid")
}

/// Every formulation's weighted mean and sum within the sum of its bound and the
/// elementwise style's of the elementwise style's.
fn formulations_agree(case: Case) -> TestResult {
    let weights = case.weights();
    let problem = weighted(&case.data, &weights);
    if problem.weight_total() == 0.0 {
        return TestResult::discard();
    }
    let reference = crate::by_style(xent_core::Numpy::Sum);
    let r = problem.evaluate(reference);
    let rb = reference.bound(&problem, &r);
    for f in xent_registry::all() {
        let e = problem.evaluate(*f);
        let both = rb + f.bound(&problem, &e);
        if !both.admits_difference(e.nats(), r.nats()) {
            return TestResult::error(format!("{}: {} vs {}", f.name(), e.nats(), r.nats()));
        }
        let sums = (e.loss_over(1.0), r.loss_over(1.0));
        if !(both.log_likelihood >= (sums.0 - sums.1).abs() || sums.0 == sums.1) {
            return TestResult::error(format!("{} sum: {sums:?}", f.name()));
        }
        // Both divisors within `DIVISOR_ERROR_U` of the exact one.
        let w_bound = 2.0 * DIVISOR_ERROR_U * UNIT_ROUNDOFF * r.weight;
        if e.weight != r.weight && (e.weight - r.weight).abs() > w_bound {
            return TestResult::error(format!("{} W: {} vs {}", f.name(), e.weight, r.weight));
        }
    }
    TestResult::passed()
}

#[test]
fn every_formulation_agrees_on_weighted_problems() {
    QuickCheck::new().quickcheck(formulations_agree as fn(Case) -> TestResult);
}

/// Every formulation's weighted mean, sum and divisor within its bound of the weighted
/// oracle's correctly rounded values, and each per-sample loss (fused, and the elementwise
/// style's) within the bound of its one-sample problem of the oracle's.
fn within_bound_of_the_oracle(case: Case) -> TestResult {
    let weights = case.weights();
    let problem = weighted(&case.data, &weights);
    let exact = xent_oracle::weighted(&problem).expect("the oracle evaluates");
    for f in xent_registry::all() {
        let e = problem.evaluate(*f);
        let bound = f.bound(&problem, &e);
        let sum = e.loss_over(1.0);
        let sum_holds = sum == exact.sum
            || (sum - exact.sum).abs()
                <= bound.log_likelihood + 0.5 * xent_core::ulp::ulp(exact.sum);
        let w_bound = DIVISOR_ERROR_U * UNIT_ROUNDOFF * exact.weight;
        let mean_holds = match exact.mean {
            Some(mean) => bound.admits(e.nats(), mean),
            None => e.weight == 0.0,
        };
        if !(sum_holds && mean_holds && (e.weight - exact.weight).abs() <= w_bound) {
            return TestResult::error(format!(
                "{}: mean {} sum {sum} W {} vs {exact:?} (bound {bound:?})",
                f.name(),
                e.nats(),
                e.weight
            ));
        }
    }
    let sum = crate::by_style(xent_core::Numpy::Sum);
    for f in [&Fused as &dyn Formulation, sum] {
        let losses = f.per_sample(&problem).expect("per-sample losses");
        for (j, (&l, &x)) in losses.iter().zip(&exact.per_sample).enumerate() {
            let single = one_sample(&case, j);
            let w = single.weights();
            let p = weighted(&single.data, &w);
            let bound = p.error_bound().log_likelihood + 0.5 * xent_core::ulp::ulp(x);
            if !(l == x || (l - x).abs() <= bound) {
                return TestResult::error(format!("{} sample {j}: {l} vs {x}", f.name()));
            }
        }
    }
    TestResult::passed()
}

#[test]
fn every_weighted_form_is_within_its_bound_of_the_oracle() {
    QuickCheck::new().quickcheck(within_bound_of_the_oracle as fn(Case) -> TestResult);
}

/// The problem of sample `j` alone, weighted as it is in `case`.
fn one_sample(case: &Case, j: usize) -> Case {
    let pred = case.data.pred.columns(j, 1).into_owned();
    let truth = match &case.data.truth {
        TruthData::Matrix(t) => TruthData::Matrix(t.columns(j, 1).into_owned()),
        TruthData::Classes(c) => TruthData::Classes(vec![c[j]]),
    };
    Case {
        data: ProblemData {
            pred,
            truth,
            ..case.data.clone()
        },
        sample: vec![case.sample[j]],
        mask: vec![case.mask[j]],
        ..case.clone()
    }
}

/// Each fused per-sample loss within the sum of the bounds of its one-sample problem of the
/// elementwise style's (an independent computation: `f64` `ln`, materialised products);
/// their weighted sum is the reduction `sum`.
fn per_sample_losses_agree(case: Case) -> TestResult {
    let weights = case.weights();
    let problem = weighted(&case.data, &weights);
    let sum = crate::by_style(xent_core::Numpy::Sum);
    let (Some(fused), Some(reference)) = (Fused.per_sample(&problem), sum.per_sample(&problem))
    else {
        return TestResult::error("no per-sample losses");
    };
    let v = case.effective();
    for j in 0..problem.samples() {
        let single = one_sample(&case, j);
        let w = single.weights();
        let p = weighted(&single.data, &w);
        let bound = p.error_bound().log_likelihood;
        let (a, b) = (fused[j], reference[j]);
        if v[j] == 0.0 && a != 0.0 {
            return TestResult::error(format!("sample {j} of weight 0 has loss {a}"));
        }
        if !(a == b || (a - b).abs() <= 2.0 * bound) {
            return TestResult::error(format!("sample {j}: {a} vs {b} (bound {bound})"));
        }
    }
    TestResult::passed()
}

#[test]
fn per_sample_losses_agree_with_the_elementwise_style() {
    QuickCheck::new().quickcheck(per_sample_losses_agree as fn(Case) -> TestResult);
}

/// Integer sample weights (a mask and an ignored index too) are repeated samples: the
/// weighted mean of the fused path equals the unweighted mean of the expanded problem
/// within the sum of their bounds; weight 0 removes a sample.
fn integer_weights_are_repeated_samples(case: Case) -> TestResult {
    if !case.integer {
        return TestResult::discard();
    }
    // Per-row weights are not repetitions: leave them out here.
    let case = Case {
        per_row: vec![1.0; case.per_row.len()],
        ..case
    };
    let times: Vec<usize> = case.effective().iter().map(|&v| v as usize).collect();
    if times.iter().all(|&t| t == 0) {
        return TestResult::discard();
    }
    let weights = case.weights();
    let problem = weighted(&case.data, &weights);
    let expanded = case.data.repeated(&times);
    let plain = expanded.problem().expect("valid");
    let (e, p) = (problem.evaluate(&Fused), plain.evaluate(&Fused));
    let both = Fused.bound(&problem, &e) + Fused.bound(&plain, &p);
    assert_eq!(e.weight, p.weight, "W is the number of repeated samples");
    TestResult::from_bool(both.admits_difference(e.nats(), p.nats()))
}

#[test]
fn integer_weights_are_repeated_samples_and_zero_removes_one() {
    QuickCheck::new().quickcheck(integer_weights_are_repeated_samples as fn(Case) -> TestResult);
}

/// Uniform weights `c` give the unweighted mean (within the sum of bounds) and `c` times
/// the unweighted sum; a mask gives the bits of the weights `w·μ`.
fn uniform_weights_and_masks(case: Case, c: u8) -> bool {
    let c = f64::from(c % 7 + 1) / 2.0;
    let uniform = vec![c; case.sample.len()];
    let w = Weights::default().with_sample(View::vector(&uniform).array());
    let problem = weighted(&case.data, &w);
    let plain = case.data.problem().expect("valid");
    let (e, p) = (problem.evaluate(&Fused), plain.evaluate(&Fused));
    let both = Fused.bound(&problem, &e) + Fused.bound(&plain, &p);
    let mean_holds = both.admits_difference(e.nats(), p.nats());
    let scaled = ErrorBound {
        absolute: both.log_likelihood * c,
        ..both
    };
    let sum_holds = scaled.admits_difference(e.loss_over(1.0), c * p.loss_over(1.0));
    // A mask is the weight 0: the same effective weights, the same bits.
    let folded: Vec<f64> = case
        .sample
        .iter()
        .zip(&case.mask)
        .map(|(&w, &m)| if m { w } else { 0.0 })
        .collect();
    let masked = Weights::default()
        .with_sample(View::vector(&case.sample).array())
        .with_mask(View::vector(&case.mask).array());
    let zeroed = Weights::default().with_sample(View::vector(&folded).array());
    let (a, b) = (
        weighted(&case.data, &masked).evaluate(&Fused),
        weighted(&case.data, &zeroed).evaluate(&Fused),
    );
    mean_holds && sum_holds && a.log_likelihood.to_bits() == b.log_likelihood.to_bits()
}

#[test]
fn uniform_weights_are_the_unweighted_mean_and_a_mask_is_weight_zero() {
    QuickCheck::new().quickcheck(uniform_weights_and_masks as fn(Case, u8) -> bool);
}

/// A weighted binary problem of `m` samples and `n` outputs, hard labels with some soft.
fn big_binary(m: usize, n: usize) -> (Vec<f64>, Vec<f64>, Vec<f64>, Vec<bool>) {
    let mut rng = Seeded::new(0x2545_f491_4f6c_dd1d);
    let mut next = || rng.unit();
    let a: Vec<f64> = (0..n * m).map(|_| next()).collect();
    let y: Vec<f64> = (0..n * m)
        .map(|i| if i % 97 == 0 { 0.3 } else { next().round() })
        .collect();
    let w: Vec<f64> = (0..m).map(|_| next() * 3.0).collect();
    let mask: Vec<bool> = (0..m).map(|j| j % 11 != 0).collect();
    (a, y, w, mask)
}

#[test]
fn the_weighted_fused_path_keeps_its_guarantees() -> xent_core::Result<()> {
    // One output (the vectorised weighting) and three (a sample's terms summed first).
    for n in [1, 3] {
        guarantees(20_011, n)?;
    }
    Ok(())
}

fn guarantees(m: usize, n: usize) -> xent_core::Result<()> {
    let (a, y, w, mask) = big_binary(m, n);
    let weights = Weights::default()
        .with_sample(View::vector(&w).array())
        .with_mask(View::vector(&mask).array());
    fn col(d: &[f64], n: usize, m: usize) -> Option<Array<'_>> {
        View::col_major(d, n, m).map(Array::from)
    }
    let problem =
        xent_core::BinaryProblem::new(col(&a, n, m).expect("3m"), col(&y, n, m).expect("3m"))?
            .with_weights(&weights)?;
    let reference = Fused.binary(&problem);
    let losses = Fused
        .per_sample(&Problem::Binary(problem))
        .expect("fused gives them");
    // Any number of threads: the same bits, for the sum and every per-sample loss.
    for threads in 1..=4 {
        let pool = xent_fused::rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a thread pool");
        let (e, l) = pool.install(|| {
            (
                Fused.binary(&problem),
                Fused.per_sample(&Problem::Binary(problem)),
            )
        });
        assert_eq!(e, reference, "{threads} threads");
        assert_eq!(l.as_ref(), Some(&losses), "{threads} threads");
    }
    // f32 predictions and weights: the bits of their widening.
    let (a32, w32): (Vec<f32>, Vec<f32>) = (
        a.iter().map(|&x| x as f32).collect(),
        w.iter().map(|&x| x as f32).collect(),
    );
    let (a64, w64): (Vec<f64>, Vec<f64>) = (
        a32.iter().map(|&x| f64::from(x)).collect(),
        w32.iter().map(|&x| f64::from(x)).collect(),
    );
    let narrow = Weights::default().with_sample(View::vector(&w32).array());
    let wide = Weights::default().with_sample(View::vector(&w64).array());
    let p32 = xent_core::BinaryProblem::new(
        View::col_major(&a32, n, m).map(Array::from).expect("3m"),
        col(&y, n, m).expect("3m"),
    )?
    .with_weights(&narrow)?;
    let p64 =
        xent_core::BinaryProblem::new(col(&a64, n, m).expect("3m"), col(&y, n, m).expect("3m"))?
            .with_weights(&wide)?;
    assert_eq!(Fused.binary(&p32), Fused.binary(&p64));
    // Row-major: the bits of its column-major copy.
    let transpose = |d: &[f64]| -> Vec<f64> {
        (0..n)
            .flat_map(|r| (0..m).map(move |c| d[c * n + r]))
            .collect()
    };
    let (ar, yr) = (transpose(&a), transpose(&y));
    let rows = xent_core::BinaryProblem::new(
        View::row_major(&ar, n, m).map(Array::from).expect("3m"),
        View::row_major(&yr, n, m).map(Array::from).expect("3m"),
    )?
    .with_weights(&weights)?;
    assert_eq!(Fused.binary(&rows), reference);
    // The sum of the per-sample losses is the reduction `sum`, within its bound.
    let total: f64 = losses.iter().sum();
    let bound = Fused.bound(&Problem::Binary(problem), &reference);
    let sum = Reduction::Sum.scalar(&reference)?;
    assert!(
        // The sum here is naive: `(m − 1)·u·Σ` (Higham §4.2) beside the reduction's bound.
        (total - sum).abs() <= bound.log_likelihood + (m - 1) as f64 * UNIT_ROUNDOFF * total,
        "{total} vs {sum}"
    );
    Ok(())
}

#[test]
fn checked_returns_the_weight_errors_of_validation() -> xent_core::Result<()> {
    let (a, y) = ([0.9, 0.2, 0.6], [1.0, 0.0, 1.0]);
    let negative = [1.0, -2.0, 1.0];
    let mask = [1u8, 1, 7];
    let cases = [
        Weights::default().with_sample(View::vector(&negative).array()),
        Weights::default().with_mask(View::vector(&mask).array()),
    ];
    for weights in &cases {
        let u = xent_core::Unvalidated::binary(
            View::vector(&a).array(),
            View::vector(&y).array(),
            false,
        )?
        .with_weights(weights)?;
        let core = u.validate().map(|_| ()).unwrap_err();
        assert_eq!(checked(&u).map(|_| ()).unwrap_err(), core);
        assert!(matches!(core, Error::BadWeight { .. }));
    }
    let err = checked(
        &xent_core::Unvalidated::binary(View::vector(&a).array(), View::vector(&y).array(), false)?
            .with_weights(&cases[0])?,
    )
    .unwrap_err();
    assert_eq!(
        err,
        Error::BadWeight {
            which: Operand::SampleWeights,
            index: 1,
            value: -2.0,
            rule: "negative (a weight is a finite number ≥ 0)",
        }
    );
    Ok(())
}

/// PyTorch's documented pitfall, computed: with class weights the mean divides by the
/// weights of the targets' classes, `Σ w_{y_n} l_n / Σ w_{y_n}`, not by `m`; the two differ
/// whenever the weights are not uniform.
#[test]
fn class_weights_divide_by_the_weights_of_the_targets_classes() -> xent_core::Result<()> {
    let q = [0.7, 0.2, 0.1, 0.1, 0.8, 0.1, 0.3, 0.3, 0.4];
    let classes = [0u8, 1, 2];
    let c = [1.0, 2.0, 5.0];
    let weights = Weights::default().with_class(View::vector(&c).array());
    let problem = xent_core::CategoricalProblem::with_classes(
        View::col_major(&q, 3, 3).map(Array::from).expect("9"),
        &classes,
    )?
    .with_weights(&weights)?;
    let exact = xent_oracle::weighted(&Problem::Categorical(problem)).expect("evaluates");
    assert_eq!(exact.weight, 8.0);
    let mean = exact.mean.expect("W > 0");
    // The mean of the weighted losses (÷ m), correctly rounded from the exact sum's rounding.
    let over_m = exact.sum / 3.0;
    for f in xent_registry::all() {
        let e = f.categorical(&problem);
        let bound = f.bound(&Problem::Categorical(problem), &e);
        assert_eq!(e.weight, 8.0, "{}", f.name());
        assert!(bound.admits(e.nats(), mean), "{}", f.name());
        // The mean of the weighted losses (÷ m) is another number.
        assert!(!bound.admits(e.nats(), over_m), "{}", f.name());
    }
    Ok(())
}
