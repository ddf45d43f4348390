//! The fused path (`xent-fused`): its accuracy against the oracle, at 10^7 entries and in the
//! accuracy traps, and its determinism — the same bits for 1, 2, 3 and 4 threads, on every
//! FMA dispatch path, and through the validating entry point.
//!
//! Large problems draw their entries, in a seeded random order, from a pool of a few thousand
//! distinct values, which the oracle groups (one exact logarithm per distinct value). No test
//! here is timed: speed is `cargo xtask bench`'s.

use nalgebra::DMatrix;
use xent_core::rng::Seeded;
use xent_core::ulp::ulp_distance;
use xent_core::{
    Array, BinaryProblem, CategoricalProblem, Evaluation, Formulation, ProblemData, Targets,
    Unvalidated, View,
};
use xent_fused::tolerance::{FUSED_MAX_ULPS, LN_MAX_ULPS};
use xent_fused::{Fused, FusedOn, Isa, checked};
use xent_oracle::{self as oracle, Oracle};

/// Entries of the large problems: the size the issue asks accuracy and determinism at.
const LARGE: usize = 10_000_000;

/// The one seeded generator (`xent_core::rng`), so every run draws the same problems.
struct Rng(Seeded);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(Seeded::new(seed))
    }

    fn next(&mut self) -> u64 {
        self.0.bits()
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        self.0.unit()
    }

    fn below(&mut self, n: usize) -> usize {
        self.0.below(n)
    }

    fn pick<T: Copy>(&mut self, pool: &[T]) -> T {
        pool[self.below(pool.len())]
    }
}

/// A pool of probabilities: uniform, log-uniform down to 1e-15, and close to 1.
fn probability_pool(rng: &mut Rng, n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| match i % 3 {
            0 => rng.unit(),
            1 => 10f64.powf(-15.0 * rng.unit()),
            _ => 1.0 - 10f64.powf(-1.0 - 14.0 * rng.unit()),
        })
        .collect()
}

/// A pool of `k`-class distributions (columns summing to 1 within the tolerance).
fn distribution_pool(rng: &mut Rng, n: usize, k: usize, zeros: bool) -> Vec<Vec<f64>> {
    (0..n)
        .map(|_| {
            let raw: Vec<f64> = (0..k)
                .map(|_| {
                    if zeros && rng.below(3) == 0 {
                        0.0
                    } else {
                        10f64.powf(-6.0 * rng.unit())
                    }
                })
                .collect();
            let total: f64 = raw.iter().sum();
            if total == 0.0 {
                let mut one_hot = vec![0.0; k];
                one_hot[rng.below(k)] = 1.0;
                return one_hot;
            }
            raw.iter().map(|v| v / total).collect()
        })
        .collect()
}

/// The distance in ulps between the fused path's value and the oracle's, for both the
/// summed log-likelihood and the loss.
fn ulps(e: &Evaluation, o: &Oracle) -> u64 {
    // `sum()` applies the evaluation's scale: `−∞` where S overflows, as the oracle rounds it.
    ulp_distance(e.sum(), o.log_likelihood).max(ulp_distance(e.nats(), o.loss))
}

/// Asserts the fused path within [`FUSED_MAX_ULPS`] of the oracle and the same bits on 1, 2,
/// 3 and 4 threads and on every FMA path; returns the observed distance.
fn check_binary(name: &str, problem: &BinaryProblem<'_>) -> u64 {
    let o = oracle::binary(problem);
    let e = Fused.binary(problem);
    let d = ulps(&e, &o);
    println!(
        "{name}: fused {:e}, oracle {:e}: {d} ulps",
        e.log_likelihood, o.log_likelihood
    );
    assert!(d <= FUSED_MAX_ULPS, "{name}: {d} ulps from the oracle");
    assert_same_bits_everywhere(name, e, &o, |f| f.binary(problem));
    d
}

fn check_categorical(name: &str, problem: &CategoricalProblem<'_>) -> u64 {
    let o = oracle::categorical(problem);
    let e = Fused.categorical(problem);
    let d = ulps(&e, &o);
    println!(
        "{name}: fused {:e}, oracle {:e}: {d} ulps",
        e.log_likelihood, o.log_likelihood
    );
    assert!(d <= FUSED_MAX_ULPS, "{name}: {d} ulps from the oracle");
    assert_same_bits_everywhere(name, e, &o, |f| f.categorical(problem));
    d
}

/// The same bits for every thread count and every FMA path as `reference` (the detected
/// path's, on the default pool); the SSE2 path (no FMA) within the accuracy bound of the
/// oracle `o`.
fn assert_same_bits_everywhere(
    name: &str,
    reference: Evaluation,
    o: &Oracle,
    evaluate: impl Fn(&dyn Formulation) -> Evaluation + Sync,
) {
    let bits = reference.log_likelihood.to_bits();
    for threads in 1..=4 {
        let pool = xent_fused::rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a thread pool");
        let got = pool.install(|| evaluate(&Fused));
        assert_eq!(
            got.log_likelihood.to_bits(),
            bits,
            "{name}: {threads} threads give {:e}, not {:e}",
            got.log_likelihood,
            reference.log_likelihood
        );
    }
    for isa in Isa::available() {
        let Some(f) = FusedOn::new(isa) else { continue };
        if isa == Isa::Portable && Isa::detect() != Isa::Portable {
            // Portable on x86-64 calls libm's fma per operation: checked on smaller problems.
            continue;
        }
        let got = evaluate(&f);
        if isa.uses_fma() == Isa::detect().uses_fma() {
            assert_eq!(got.log_likelihood.to_bits(), bits, "{name}: path {isa}");
        } else {
            let d = ulps(&got, o);
            assert!(d <= FUSED_MAX_ULPS, "{name}: path {isa} is {d} ulps off");
        }
    }
}

#[test]
fn binary_hard_labels_at_ten_million_entries() -> xent_core::Result<()> {
    let mut rng = Rng::new(1);
    let pool = probability_pool(&mut rng, 3000);
    let a: Vec<f64> = (0..LARGE).map(|_| rng.pick(&pool)).collect();
    let y: Vec<f64> = (0..LARGE).map(|_| rng.below(2) as f64).collect();
    let data = ProblemData::binary(
        DMatrix::from_vec(1, LARGE, a),
        DMatrix::from_vec(1, LARGE, y),
        false,
    );
    let problem = data.binary_problem()?;
    check_binary("binary, hard labels, m = 10^7", &problem);
    Ok(())
}

#[test]
fn binary_soft_labels_at_ten_million_entries() -> xent_core::Result<()> {
    let mut rng = Rng::new(2);
    let pool = probability_pool(&mut rng, 2000);
    let labels: Vec<f64> = (0..64).map(|i| i as f64 / 63.0).collect();
    let a: Vec<f64> = (0..LARGE).map(|_| rng.pick(&pool)).collect();
    let y: Vec<f64> = (0..LARGE).map(|_| rng.pick(&labels)).collect();
    // n_y = 4 outputs: the fused path reduces every entry, whatever the shape.
    let data = ProblemData::binary(
        DMatrix::from_vec(4, LARGE / 4, a),
        DMatrix::from_vec(4, LARGE / 4, y),
        false,
    );
    let problem = data.binary_problem()?;
    check_binary("binary, soft labels, (4, 2.5·10^6)", &problem);
    Ok(())
}

#[test]
fn binary_logits_at_ten_million_entries() -> xent_core::Result<()> {
    let mut rng = Rng::new(3);
    let mut pool: Vec<f64> = (0..3000)
        .map(|i| match i % 3 {
            0 => (rng.unit() - 0.5) * 20.0,
            1 => (rng.unit() - 0.5) * 1600.0,
            _ => (rng.unit() - 0.5) * 1e-6,
        })
        .collect();
    pool.extend([800.0, -800.0, 0.0, 36.0, -36.0, 745.0, -745.0]);
    let labels = [0.0, 1.0, 0.25, 0.5, 1.0 / 3.0];
    let z: Vec<f64> = (0..LARGE).map(|_| rng.pick(&pool)).collect();
    let y: Vec<f64> = (0..LARGE).map(|_| rng.pick(&labels)).collect();
    let data = ProblemData::binary(
        DMatrix::from_vec(1, LARGE, z),
        DMatrix::from_vec(1, LARGE, y),
        true,
    );
    let problem = data.binary_problem()?;
    check_binary("binary, logits in [−800, 800], m = 10^7", &problem);
    Ok(())
}

#[test]
fn categorical_class_indices_at_ten_million_entries() -> xent_core::Result<()> {
    let (k, m) = (10, LARGE / 10);
    let mut rng = Rng::new(4);
    let pool = distribution_pool(&mut rng, 500, k, false);
    let mut q = Vec::with_capacity(k * m);
    for _ in 0..m {
        q.extend_from_slice(&pool[rng.below(pool.len())]);
    }
    let classes: Vec<u64> = (0..m).map(|_| rng.below(k) as u64).collect();
    let data = ProblemData::with_classes(DMatrix::from_vec(k, m, q), classes.clone(), false);
    let problem = data.categorical_problem()?;
    check_categorical("categorical, class indices, (10, 10^6)", &problem);
    Ok(())
}

#[test]
fn categorical_soft_targets_at_ten_million_entries() -> xent_core::Result<()> {
    let (k, m) = (10, LARGE / 10);
    let mut rng = Rng::new(5);
    let q_pool = distribution_pool(&mut rng, 300, k, false);
    let p_pool = distribution_pool(&mut rng, 20, k, true);
    let (mut q, mut p) = (Vec::with_capacity(k * m), Vec::with_capacity(k * m));
    for _ in 0..m {
        q.extend_from_slice(&q_pool[rng.below(q_pool.len())]);
        p.extend_from_slice(&p_pool[rng.below(p_pool.len())]);
    }
    let data = ProblemData::categorical(
        DMatrix::from_vec(k, m, q),
        DMatrix::from_vec(k, m, p),
        false,
    );
    let problem = data.categorical_problem()?;
    check_categorical("categorical, soft targets, (10, 10^6)", &problem);
    Ok(())
}

#[test]
fn categorical_logits_with_class_indices() -> xent_core::Result<()> {
    let (k, m) = (10, LARGE / 10);
    let mut rng = Rng::new(6);
    let pool: Vec<Vec<f64>> = (0..200)
        .map(|i| {
            (0..k)
                .map(|_| match i % 4 {
                    0 => (rng.unit() - 0.5) * 10.0,
                    1 => (rng.unit() - 0.5) * 1600.0,
                    2 => {
                        if rng.below(2) == 0 {
                            800.0
                        } else {
                            -800.0
                        }
                    }
                    _ => 30.0 * rng.unit(),
                })
                .collect()
        })
        .collect();
    let mut z = Vec::with_capacity(k * m);
    for _ in 0..m {
        z.extend_from_slice(&pool[rng.below(pool.len())]);
    }
    let classes: Vec<u64> = (0..m).map(|_| rng.below(k) as u64).collect();
    let data = ProblemData::with_classes(DMatrix::from_vec(k, m, z.clone()), classes.clone(), true);
    let problem = data.categorical_problem()?;
    check_categorical("categorical logits, class indices, (10, 10^6)", &problem);
    // The same logits with soft targets.
    let p_pool = distribution_pool(&mut rng, 20, k, true);
    let mut p = Vec::with_capacity(k * m);
    for _ in 0..m {
        p.extend_from_slice(&p_pool[rng.below(p_pool.len())]);
    }
    let data =
        ProblemData::categorical(DMatrix::from_vec(k, m, z), DMatrix::from_vec(k, m, p), true);
    let problem = data.categorical_problem()?;
    check_categorical("categorical logits, soft targets, (10, 10^6)", &problem);
    Ok(())
}

/// The traps: tiny probabilities whose naive logarithms are 0 or `−∞`, subnormals, the
/// `0·ln 0` mask, and `+∞` losses — each as a whole problem of one repeated entry (the
/// hardest case for a summation: every term errs the same way) and mixed into large ones.
#[test]
fn accuracy_traps() -> xent_core::Result<()> {
    let rows: [(&str, f64, f64, usize); 12] = [
        ("a = 1e-20, y = 0", 1e-20, 0.0, LARGE),
        ("a = 1e-300, y = 0", 1e-300, 0.0, LARGE),
        ("a = 1e-300, y = 1", 1e-300, 1.0, LARGE),
        (
            "a = 1 − 2^-53, y = 0",
            1.0 - f64::EPSILON / 2.0,
            0.0,
            100_000,
        ),
        (
            "a = 2^-1074 (subnormal), y = 1",
            f64::from_bits(1),
            1.0,
            100_000,
        ),
        ("a = 1e-310 (subnormal), y = 0.5", 1e-310, 0.5, 100_000),
        ("a = 0, y = 0 (0·ln 0)", 0.0, 0.0, 100_000),
        ("a = 1, y = 1", 1.0, 1.0, 100_000),
        ("a = 0.1, y = 0.3", 0.1, 0.3, LARGE),
        // Just below √½, where the logarithm's reduction cancels most (its worst ulps).
        ("a = 0.70611, y = 1", 0.706_109_406_421_656_8, 1.0, LARGE),
        ("a = 0.70611, y = 0.5", 0.706_109_406_421_656_8, 0.5, LARGE),
        (
            "a = 0.29389 (1 − a near √½), y = 0",
            0.293_890_593_578_343_2,
            0.0,
            LARGE,
        ),
    ];
    for (name, a, y, m) in rows {
        let data = ProblemData::binary(
            DMatrix::from_element(1, m, a),
            DMatrix::from_element(1, m, y),
            false,
        );
        let problem = data.binary_problem()?;
        check_binary(name, &problem);
    }
    // Mixed: traps scattered among ordinary entries, 10^7 of them.
    let mut rng = Rng::new(7);
    let mut pool = probability_pool(&mut rng, 1000);
    pool.extend([1e-20, 1e-300, 1e-310, f64::from_bits(1), 0.0, 1.0, 0.5]);
    let a: Vec<f64> = (0..LARGE).map(|_| rng.pick(&pool)).collect();
    let y: Vec<f64> = a
        .iter()
        .map(|&a| match a {
            0.0 => 0.0,
            1.0 => 1.0,
            _ => rng.below(2) as f64,
        })
        .collect();
    let data = ProblemData::binary(
        DMatrix::from_vec(1, LARGE, a),
        DMatrix::from_vec(1, LARGE, y),
        false,
    );
    let problem = data.binary_problem()?;
    check_binary("traps mixed in, m = 10^7", &problem);
    Ok(())
}

#[test]
fn confident_wrong_predictions_are_infinite() -> xent_core::Result<()> {
    let mut a = vec![0.5; 100_000];
    let y = vec![1.0; 100_000];
    a[77_777] = 0.0;
    let data = ProblemData::binary(
        DMatrix::from_vec(1, a.len(), a),
        DMatrix::from_vec(1, 100_000, y),
        false,
    );
    let problem = data.binary_problem()?;
    let e = Fused.binary(&problem);
    assert_eq!(e.log_likelihood, f64::NEG_INFINITY);
    assert_eq!(e.nats(), f64::INFINITY);
    assert_eq!(oracle::binary(&problem).loss, f64::INFINITY);
    let q = DMatrix::from_column_slice(3, 2, &[0.5, 0.5, 0.0, 0.2, 0.3, 0.5]);
    let data = ProblemData::with_classes(q, vec![2, 0], false);
    let problem = data.categorical_problem()?;
    assert_eq!(Fused.categorical(&problem).nats(), f64::INFINITY);
    Ok(())
}

fn cols(data: &[f64], rows: usize, cols: usize) -> Array<'_> {
    View::col_major(data, rows, cols)
        .expect("a consistent shape")
        .array()
}

/// The validating entry point computes in the same pass and returns the very same bits as
/// [`Fused`] on the validated problem (its errors: the crate's own tests).
#[test]
fn checked_gives_the_formulation_bits() -> xent_core::Result<()> {
    let mut rng = Rng::new(8);
    let pool = probability_pool(&mut rng, 500);
    let n = 300_001;
    let a: Vec<f64> = (0..n).map(|_| rng.pick(&pool)).collect();
    let y: Vec<f64> = (0..n)
        .map(|i| {
            if i % 1000 == 0 {
                0.25
            } else {
                rng.below(2) as f64
            }
        })
        .collect();
    for logits in [false, true] {
        let u = Unvalidated::binary(cols(&a, 1, n), cols(&y, 1, n), logits)?;
        assert_eq!(checked(&u)?, u.validate()?.evaluate(&Fused));
    }

    let (k, m) = (7, 50_001);
    let q_pool = distribution_pool(&mut rng, 100, k, true);
    let p_pool = distribution_pool(&mut rng, 10, k, true);
    let (mut q, mut p) = (Vec::new(), Vec::new());
    for _ in 0..m {
        q.extend_from_slice(&q_pool[rng.below(q_pool.len())]);
        p.extend_from_slice(&p_pool[rng.below(p_pool.len())]);
    }
    let classes: Vec<u64> = (0..m).map(|_| rng.below(k) as u64).collect();
    for logits in [false, true] {
        for targets in [Targets::Dense(cols(&p, k, m)), Targets::classes(&classes)] {
            let u = Unvalidated::categorical(cols(&q, k, m), targets, logits)?;
            assert_eq!(checked(&u)?, u.validate()?.evaluate(&Fused));
        }
    }
    Ok(())
}

/// Every path — AVX-512, AVX2+FMA, the portable scalar code, and SSE2 without FMA — on
/// problems small enough for the portable path's library `fma`: the FMA paths agree to the
/// bit, SSE2 stays within the accuracy bound of the oracle.
#[test]
fn every_dispatch_path_on_every_kind_of_problem() -> xent_core::Result<()> {
    let mut rng = Rng::new(9);
    let pool = probability_pool(&mut rng, 300);
    let n = 40_000 + 17;
    let a: Vec<f64> = (0..n).map(|_| rng.pick(&pool)).collect();
    let hard: Vec<f64> = (0..n).map(|_| rng.below(2) as f64).collect();
    let soft: Vec<f64> = (0..n).map(|_| rng.unit()).collect();
    let z: Vec<f64> = a.iter().map(|a| (a - 0.5) * 1700.0).collect();
    let (k, m) = (5, n / 5);
    let q: Vec<f64> = distribution_pool(&mut rng, m, k, true).concat();
    let classes: Vec<u64> = (0..m).map(|_| rng.below(k) as u64).collect();
    let rev: Vec<f64> = q.iter().rev().copied().collect();
    let binary = [
        BinaryProblem::new(View::vector(&a), View::vector(&hard))?,
        BinaryProblem::new(View::vector(&a), View::vector(&soft))?,
        BinaryProblem::from_logits(View::vector(&z), View::vector(&soft))?,
    ];
    let categorical = [
        CategoricalProblem::with_classes(cols(&q, k, m), &classes)?,
        CategoricalProblem::new(cols(&q, k, m), cols(&rev, k, m))?,
        CategoricalProblem::from_logits_with_classes(cols(&z[..k * m], k, m), &classes)?,
    ];
    for problem in &binary {
        let o = oracle::binary(problem);
        let fma: Vec<f64> = Isa::available()
            .into_iter()
            .filter(|isa| isa.uses_fma())
            .filter_map(FusedOn::new)
            .map(|f| f.binary(problem).log_likelihood)
            .collect();
        assert!(
            fma.windows(2).all(|w| w[0].to_bits() == w[1].to_bits()),
            "{fma:?}"
        );
        for f in Isa::available().into_iter().filter_map(FusedOn::new) {
            let e = f.binary(problem);
            assert!(
                ulps(&e, &o) <= FUSED_MAX_ULPS,
                "{}: {e:?} vs {o:?}",
                f.isa()
            );
        }
    }
    for problem in &categorical {
        let o = oracle::categorical(problem);
        let fma: Vec<f64> = Isa::available()
            .into_iter()
            .filter(|isa| isa.uses_fma())
            .filter_map(FusedOn::new)
            .map(|f| f.categorical(problem).log_likelihood)
            .collect();
        assert!(
            fma.windows(2).all(|w| w[0].to_bits() == w[1].to_bits()),
            "{fma:?}"
        );
        for f in Isa::available().into_iter().filter_map(FusedOn::new) {
            let e = f.categorical(problem);
            assert!(
                ulps(&e, &o) <= FUSED_MAX_ULPS,
                "{}: {e:?} vs {o:?}",
                f.isa()
            );
        }
    }
    Ok(())
}

/// The vectorised logarithm against the correctly rounded one, on every path: every binade
/// from the smallest subnormal to `f64::MAX`, and densely around `√½`, where the reduction
/// cancels most. Within [`LN_MAX_ULPS`] of the correctly rounded value means an ulp distance
/// of at most 1 from it; the FMA paths agree to the bit.
#[test]
fn the_logarithm_is_within_one_ulp_on_every_path() {
    let mut rng = Rng::new(10);
    let mut x: Vec<f64> = Vec::new();
    for biased in 0..2047u64 {
        for _ in 0..8 {
            x.push(f64::from_bits((biased << 52) | (rng.next() >> 12)));
        }
    }
    x.extend((0..20_000).map(|_| 0.69 + 0.03 * rng.unit()));
    x.extend((0..20_000).map(|_| 1.0 + rng.unit()));
    x.extend((0..2000).map(|_| 1.0 - 1e-12 * rng.unit()));
    x.retain(|&v| v > 0.0);
    let exact: Vec<f64> = x.iter().map(|&v| oracle::ln(v)).collect();
    let mut reference: Option<Vec<f64>> = None;
    for isa in Isa::available() {
        let mut out = vec![0.0; x.len()];
        xent_fused::math::ln_slice(isa, &x, &mut out);
        let worst = out
            .iter()
            .zip(&exact)
            .map(|(&g, &e)| ulp_distance(g, e))
            .max()
            .unwrap_or(0);
        assert!(worst as f64 <= LN_MAX_ULPS, "{isa}: {worst} ulps");
        if isa.uses_fma() {
            match &reference {
                None => reference = Some(out),
                Some(r) => assert!(
                    r.iter().zip(&out).all(|(a, b)| a.to_bits() == b.to_bits()),
                    "{isa} differs from the other FMA paths"
                ),
            }
        }
    }
    // ln(1 − a) for tiny a, where (1 − a).ln() is 0.
    for a in [1e-20, 1e-300, 1e-17, 3e-9, 0.29, 0.3, 0.5, 0.7, 0.999] {
        let got = xent_fused::math::ln_one_minus(a);
        let want = oracle::ln_1p(-a);
        assert!(
            ulp_distance(got, want) <= 1,
            "ln(1 − {a}) = {got:e}, not {want:e}"
        );
    }
}

/// The loss of every formulation of the registry.
fn every_loss(problem: &xent_core::Problem<'_>) -> Vec<(&'static str, f64)> {
    xent_registry::all()
        .iter()
        .map(|f| (f.name(), problem.evaluate(*f).nats()))
        .collect()
}

/// Every formulation of the registry within its own a priori bound of `reference` (never
/// NaN), and exactly `reference` when `exact` (sums whose every operation is exact).
fn every_formulation_admits(problem: &xent_core::Problem<'_>, reference: f64, exact: bool) {
    for f in xent_registry::all() {
        let e = problem.evaluate(*f);
        let loss = e.nats();
        let bound = f.bound(problem, &e);
        assert!(
            bound.admits(loss, reference),
            "{}: {loss:e} vs {reference:e}, bound {bound:?}",
            f.name()
        );
        if exact {
            assert_eq!(loss, reference, "{}", f.name());
        }
    }
}

/// Finite logits whose summed log-likelihood overflows `f64` (`S = −2·10^308`) have a
/// finite loss: every formulation gives the oracle's, none NaN, on every thread count; the
/// scale is carried in the evaluation.
#[test]
fn finite_logits_whose_sum_overflows_give_their_finite_loss() -> xent_core::Result<()> {
    let cases: [(&[f64], &[f64], bool); 3] = [
        (&[1e308, 1e308], &[0.0, 0.0], true),
        (&[1e308, -1e308], &[0.0, 1.0], true),
        (&[f64::MAX, f64::MAX, -f64::MAX], &[0.0, 0.0, 0.5], false),
    ];
    for (z, y, exact) in cases {
        let data = ProblemData::binary(
            DMatrix::from_row_slice(1, z.len(), z),
            DMatrix::from_row_slice(1, y.len(), y),
            true,
        );
        let problem = data.problem()?;
        let xent_core::Problem::Binary(b) = problem else {
            unreachable!("binary data")
        };
        let o = oracle::binary(&b);
        assert!(o.loss.is_finite(), "{z:?}: oracle {o:?}");
        every_formulation_admits(&problem, o.loss, exact);
        let e = Fused.binary(&b);
        assert_eq!(e.scale, xent_core::formulation::OVERFLOW_SCALE);
        assert_same_bits_everywhere("overflowing binary logits", e, &o, |f| f.binary(&b));
        let u = data.unvalidated()?;
        assert_eq!(checked(&u)?, e);
        // Mixed into a large problem of ordinary logits: one leaf overflows, the others
        // are combined with it scaled.
        let n = 100_000;
        let mut zz: Vec<f64> = (0..n).map(|i| (i % 17) as f64 - 8.0).collect();
        let mut yy: Vec<f64> = (0..n).map(|i| (i % 2) as f64).collect();
        zz[50_000..50_000 + z.len()].copy_from_slice(z);
        yy[50_000..50_000 + y.len()].copy_from_slice(y);
        let big = BinaryProblem::from_logits(View::vector(&zz), View::vector(&yy))?;
        check_binary("overflowing logits among 10^5", &big);
    }
    // Categorical: z − lse = −2·10^308 overflows in one term.
    let z = [1e308, -1e308, 0.0, 1e308, 0.0, -1e308];
    let c = CategoricalProblem::from_logits_with_classes(cols(&z, 3, 2), &[1u8, 1])?;
    let o = oracle::categorical(&c);
    assert_eq!(o.loss, 1.5e308);
    every_formulation_admits(&c.into(), o.loss, false);
    check_categorical("overflowing categorical logits", &c);
    // J = 2·10^308 itself overflows: +∞, the true mean's rounding, not NaN.
    let z = [1e308, -1e308, 0.0];
    let c = CategoricalProblem::from_logits_with_classes(View::column(&z), &[1u8])?;
    assert_eq!(oracle::categorical(&c).loss, f64::INFINITY);
    for (name, loss) in every_loss(&c.into()) {
        assert_eq!(loss, f64::INFINITY, "{name}");
    }
    Ok(())
}

/// `−∞` logits are probability 0, as in `F.cross_entropy` and optax: masked classes cost
/// nothing, a target on one costs `+∞`, in every formulation, the checked path and a
/// stream; a column entirely `−∞` is rejected.
#[test]
fn negative_infinite_logits_are_probability_zero() -> xent_core::Result<()> {
    let ninf = f64::NEG_INFINITY;
    // [[0, -inf]], class 0: 0.0.
    let z = [0.0, ninf];
    let c = CategoricalProblem::from_logits_with_classes(View::column(&z), &[0u8])?;
    for (name, loss) in every_loss(&c.into()) {
        assert_eq!(loss, 0.0, "{name}");
    }
    let c = CategoricalProblem::from_logits_with_classes(View::column(&z), &[1u8])?;
    for (name, loss) in every_loss(&c.into()) {
        assert_eq!(loss, f64::INFINITY, "{name}");
    }
    // Large problems with masked classes, dense and class targets, against the oracle.
    let (k, m) = (6, 30_001);
    let mut rng = Rng::new(21);
    let mut zz = Vec::with_capacity(k * m);
    let mut classes = Vec::with_capacity(m);
    let mut p = Vec::with_capacity(k * m);
    for _ in 0..m {
        let col: Vec<f64> = (0..k)
            .map(|_| {
                if rng.below(3) == 0 {
                    ninf
                } else {
                    (rng.unit() - 0.5) * 40.0
                }
            })
            .collect();
        let live: Vec<usize> = (0..k).filter(|&i| col[i] > ninf).collect();
        let live = if live.is_empty() { vec![0] } else { live };
        let mut col = col;
        col[live[0]] = col[live[0]].max(0.0);
        let c = live[rng.below(live.len())];
        classes.push(c as u64);
        p.extend((0..k).map(|i| {
            if live.contains(&i) {
                1.0 / live.len() as f64
            } else {
                0.0
            }
        }));
        zz.extend(col);
    }
    let dense = ProblemData::categorical(
        DMatrix::from_vec(k, m, zz.clone()),
        DMatrix::from_vec(k, m, p),
        true,
    );
    let with_classes =
        ProblemData::with_classes(DMatrix::from_vec(k, m, zz.clone()), classes, true);
    for data in [&dense, &with_classes] {
        let problem = data.categorical_problem()?;
        check_categorical("masked logits", &problem);
        let e = Fused.categorical(&problem);
        assert_eq!(checked(&data.unvalidated()?)?, e);
    }
    // Binary: a = 0 under label 0 costs nothing, under a positive label +∞.
    let n = 20_000;
    let bz: Vec<f64> = (0..n)
        .map(|i| {
            if i % 7 == 0 {
                ninf
            } else {
                (i % 13) as f64 - 6.0
            }
        })
        .collect();
    let by: Vec<f64> = (0..n)
        .map(|i| {
            if i % 7 == 0 {
                0.0
            } else {
                (i % 3) as f64 / 2.0
            }
        })
        .collect();
    let b = BinaryProblem::from_logits(View::vector(&bz), View::vector(&by))?;
    check_binary("binary logits with −∞ under label 0", &b);
    let mut by1 = by.clone();
    by1[7 * 1000] = 0.25;
    let b = BinaryProblem::from_logits(View::vector(&bz), View::vector(&by1))?;
    for (name, loss) in every_loss(&b.into()) {
        assert_eq!(loss, f64::INFINITY, "{name}");
    }
    let u = Unvalidated::binary(View::vector(&bz).array(), View::vector(&by1).array(), true)?;
    assert_eq!(checked(&u)?.nats(), f64::INFINITY);
    // A stream gives the bits of the whole.
    let u = Unvalidated::binary(View::vector(&bz).array(), View::vector(&by).array(), true)?;
    let mut stream = xent_fused::Stream::binary(xent_core::Shape { rows: 1, cols: n }, true);
    let g = stream.block_samples();
    for start in (0..n).step_by(g) {
        let end = n.min(start + g);
        let block = Unvalidated::binary(
            View::vector(&bz[start..end]).array(),
            View::vector(&by[start..end]).array(),
            true,
        )?;
        stream.push(&block);
    }
    assert_eq!(stream.finish()?, checked(&u)?);
    // NaN and +∞ are still rejected; a column entirely −∞ is not a distribution.
    let bad = [0.0, f64::INFINITY];
    let u = Unvalidated::categorical(View::column(&bad).array(), Targets::classes(&[0u8]), true)?;
    let err = checked(&u).unwrap_err();
    assert_eq!(err.to_string(), "logits[1, 0] = inf is not finite");
    assert_eq!(u.validate().map(|_| ()).unwrap_err(), err);
    let empty = [0.0, 1.0, ninf, ninf];
    let u = Unvalidated::categorical(cols(&empty, 2, 2), Targets::classes(&[0u8, 0]), true)?;
    let err = checked(&u).unwrap_err();
    assert_eq!(
        err,
        xent_core::Error::NoFiniteLogit {
            which: xent_core::Operand::Logits,
            col: 1
        }
    );
    assert_eq!(u.validate().map(|_| ()).unwrap_err(), err);
    Ok(())
}

/// Confident columns whose loss is tiny, `L = ln(1 + Σ e^{z_i − z*}) ≈ e^{z_i − z*}`: the
/// rounding of the exponent `z_i − z*` (up to 256 ulps of `e^d` at `d ≈ −700`) is carried
/// into the exponential, so the fused path stays within [`FUSED_MAX_ULPS`] of the oracle.
/// The case: `[[0.1], [700.3]]`, class 1, was 181 ulps off.
#[test]
fn tiny_categorical_losses_keep_the_four_ulp_claim() -> xent_core::Result<()> {
    let z = [0.1, 700.3];
    let c = CategoricalProblem::from_logits_with_classes(View::column(&z), &[1u8])?;
    let o = oracle::categorical(&c);
    assert_eq!(o.loss, 8.072_420_401_778_118e-305);
    let here = ulp_distance(Fused.categorical(&c).nats(), o.loss);
    println!("[[0.1], [700.3]], class 1: {here} ulps");
    let mut rng = Rng::new(22);
    let mut worst = (0, String::new());
    for case in 0..2000 {
        let k = 2 + rng.below(4);
        // The target is the maximum, the others about `gap` below: L ≈ e^{−gap} is the
        // whole loss; the offset moves the maximum (and the exponents' rounding) around.
        let gap = 600.0 + 140.0 * rng.unit();
        let offset = if case % 2 == 0 {
            0.0
        } else {
            (rng.unit() - 0.5) * 1e4
        };
        let mut col: Vec<f64> = (0..k).map(|_| offset + (rng.unit() - 0.5) * 2.0).collect();
        let c = rng.below(k);
        col[c] += gap;
        let class = [c as u8];
        let problem = CategoricalProblem::from_logits_with_classes(View::column(&col), &class)?;
        let o = oracle::categorical(&problem);
        for f in Isa::available().into_iter().filter_map(FusedOn::new) {
            let e = f.categorical(&problem);
            let d = ulps(&e, &o);
            if d > worst.0 {
                worst = (d, format!("{col:?}, class {c}, {}", f.isa()));
            }
        }
    }
    println!(
        "tiny categorical losses: worst {} ulps ({})",
        worst.0, worst.1
    );
    assert!(worst.0 <= FUSED_MAX_ULPS, "{worst:?}");
    check_categorical("[[0.1], [700.3]], class 1", &c);
    Ok(())
}
