//! The verifier: its report against the committed snapshots, and the properties of issue 3
//! (quickcheck, through generators of valid problems; raise the case count with
//! `QUICKCHECK_TESTS`). Every comparison uses a bound: each formulation's own
//! (`Formulation::bound`), one from `xent_core::tolerance`, or
//! exact equality where both sides are correctly rounded values of the same exact number.
//!
//! Generated probabilities are multiples of 2^-20 (so `1 − a` and `1 − y` are exact and a
//! column of them sums to exactly 1), which lets identities between problems be checked bit
//! for bit on the oracle.

use nalgebra::DMatrix;
use quickcheck::{Arbitrary, Gen, QuickCheck, TestResult};
use statrs::distribution::{Bernoulli, Categorical};
use statrs::statistics::Distribution;
use xent_core::tolerance::UNIT_ROUNDOFF;
use xent_core::tolerance::{
    bernoulli_entropy_error, categorical_entropy_error, kl_divergence_error, sigmoid_perturbation,
    softmax_perturbation,
};
use xent_core::ulp::ulp;
use xent_core::{
    BinaryProblem, CategoricalProblem, ErrorBound, Formulation, LogBase, Problem, ProblemData, View,
};
use xent_oracle as oracle;
use xent_verify::{AuditOptions, audit};

/// The one place snapshots are configured: every snapshot of the workspace lives in the
/// top-level `snapshots/`, named without a module prefix.
pub(crate) fn snapshot_settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/../snapshots"));
    s.set_prepend_module_to_snapshot(false);
    s.set_omit_expression(true);
    s
}

#[test]
fn the_report_matches_its_snapshots() {
    let report = audit(&AuditOptions::default());
    snapshot_settings().bind(|| {
        insta::assert_snapshot!("verify_report_text", report.render_text());
        insta::assert_snapshot!("verify_report_json", report.render_json());
    });
    let unexpected: Vec<_> = report.unexpected().iter().map(|c| c.id.clone()).collect();
    assert!(report.passed(), "unexpected verdicts: {unexpected:?}");
}

/// One correctly rounded value against another of the same exact number: equal bits.
fn same(a: f64, b: f64) -> bool {
    a == b || (a.is_nan() && b.is_nan())
}

/// `k / 2^20` for `k ∈ 1..2^20`, often near the ends.
#[derive(Debug, Clone, Copy)]
struct Dyadic(f64);

const SCALE: u32 = 1 << 20;

impl Arbitrary for Dyadic {
    fn arbitrary(g: &mut Gen) -> Self {
        let k = match u8::arbitrary(g) % 6 {
            0 => 1 + u32::arbitrary(g) % 16,
            1 => SCALE - 1 - u32::arbitrary(g) % 16,
            _ => 1 + u32::arbitrary(g) % (SCALE - 1),
        };
        Dyadic(f64::from(k) / f64::from(SCALE))
    }
}

/// A distribution over `k` classes whose entries are multiples of 2^-20 summing to exactly 1
/// (every entry positive when `positive`).
fn simplex(g: &mut Gen, k: usize, positive: bool) -> Vec<f64> {
    let floor = u32::from(positive);
    let mut cuts: Vec<u32> = (0..k - 1)
        .map(|_| u32::arbitrary(g) % (SCALE - k as u32 * floor))
        .collect();
    cuts.sort_unstable();
    let mut parts = Vec::with_capacity(k);
    let mut last = 0;
    for c in cuts.into_iter().chain([SCALE - k as u32 * floor]) {
        parts.push(f64::from(c - last + floor) / f64::from(SCALE));
        last = c;
    }
    parts
}

/// A valid binary problem from probabilities: `n_y ∈ 1..=3`, `m ∈ 1..=8`, dyadic entries,
/// hard or soft labels.
#[derive(Debug, Clone)]
struct Binary(ProblemData);

impl Arbitrary for Binary {
    fn arbitrary(g: &mut Gen) -> Self {
        let (r, c) = (1 + usize::arbitrary(g) % 3, 1 + usize::arbitrary(g) % 8);
        let hard = bool::arbitrary(g);
        let a = DMatrix::from_fn(r, c, |_, _| Dyadic::arbitrary(g).0);
        let y = DMatrix::from_fn(r, c, |_, _| {
            let y = Dyadic::arbitrary(g).0;
            if hard { y.round() } else { y }
        });
        Binary(checked(ProblemData::binary(a, y, false)))
    }
}

/// A valid binary problem from logits in [−30, 30], hard or soft labels.
#[derive(Debug, Clone)]
struct BinaryLogits(ProblemData);

impl Arbitrary for BinaryLogits {
    fn arbitrary(g: &mut Gen) -> Self {
        let (r, c) = (1 + usize::arbitrary(g) % 3, 1 + usize::arbitrary(g) % 8);
        let z = DMatrix::from_fn(r, c, |_, _| (Dyadic::arbitrary(g).0 - 0.5) * 60.0);
        let y = DMatrix::from_fn(r, c, |_, _| Dyadic::arbitrary(g).0.round());
        BinaryLogits(checked(ProblemData::binary(z, y, true)))
    }
}

/// A valid categorical problem from probabilities: `k ∈ 2..=5`, `m ∈ 1..=6`, dyadic
/// columns, one-hot or soft targets.
#[derive(Debug, Clone)]
struct Cat(ProblemData);

impl Arbitrary for Cat {
    fn arbitrary(g: &mut Gen) -> Self {
        let (k, m) = (2 + usize::arbitrary(g) % 4, 1 + usize::arbitrary(g) % 6);
        let q: Vec<f64> = (0..m).flat_map(|_| simplex(g, k, true)).collect();
        let q = DMatrix::from_column_slice(k, m, &q);
        Cat(checked(if bool::arbitrary(g) {
            let classes: Vec<u64> = (0..m).map(|_| u64::arbitrary(g) % k as u64).collect();
            ProblemData::with_classes(q, classes, false)
        } else {
            let p: Vec<f64> = (0..m).flat_map(|_| simplex(g, k, false)).collect();
            ProblemData::categorical(q, DMatrix::from_column_slice(k, m, &p), false)
        }))
    }
}

/// A valid categorical problem from logits in [−20, 20], class indices.
#[derive(Debug, Clone)]
struct CatLogits(ProblemData);

impl Arbitrary for CatLogits {
    fn arbitrary(g: &mut Gen) -> Self {
        let (k, m) = (2 + usize::arbitrary(g) % 4, 1 + usize::arbitrary(g) % 6);
        let z = DMatrix::from_fn(k, m, |_, _| (Dyadic::arbitrary(g).0 - 0.5) * 40.0);
        let classes: Vec<u64> = (0..m).map(|_| u64::arbitrary(g) % k as u64).collect();
        CatLogits(checked(ProblemData::with_classes(z, classes, true)))
    }
}

/// Generated data, validated once (a generator that makes invalid data fails loudly).
fn checked(data: ProblemData) -> ProblemData {
    data.problem().expect("generated inputs are valid");
    data
}

impl Binary {
    fn p(&self) -> BinaryProblem<'_> {
        self.0.binary_problem().expect("validated when generated")
    }
}

impl BinaryLogits {
    fn p(&self) -> BinaryProblem<'_> {
        self.0.binary_problem().expect("validated when generated")
    }
}

impl Cat {
    fn p(&self) -> CategoricalProblem<'_> {
        self.0
            .categorical_problem()
            .expect("validated when generated")
    }
}

impl CatLogits {
    fn p(&self) -> CategoricalProblem<'_> {
        self.0
            .categorical_problem()
            .expect("validated when generated")
    }
}

/// `f`'s own a priori bound on `problem`, given its evaluation `e`.
fn bound_of<'a>(
    f: &dyn Formulation,
    problem: impl Into<Problem<'a>>,
    e: &xent_core::Evaluation,
) -> ErrorBound {
    f.bound(&problem.into(), e)
}

/// The targets of a categorical problem as a dense `k × m` matrix (one-hot from indices).
fn dense_targets(p: &CategoricalProblem<'_>) -> DMatrix<f64> {
    DMatrix::from_fn(p.classes_count(), p.samples(), |r, c| p.target(r, c))
}

/// A base for a change of base: 2, 10, or `j/8` for `j ∈ 1..=40` other than 8.
#[derive(Debug, Clone, Copy)]
struct Base(LogBase);

impl Arbitrary for Base {
    fn arbitrary(g: &mut Gen) -> Self {
        Base(match u8::arbitrary(g) % 3 {
            0 => LogBase::TWO,
            1 => LogBase::TEN,
            _ => {
                let j = 1 + u32::arbitrary(g) % 40;
                let j = if j == 8 { 9 } else { j };
                LogBase::new(f64::from(j) / 8.0).expect("a base")
            }
        })
    }
}

fn quickcheck<A: quickcheck::Testable>(f: A) {
    QuickCheck::new().quickcheck(f);
}

// ---- the formulations agree with the oracle, and the loss is non-negative ----

fn agree_binary(p: &BinaryProblem<'_>) -> bool {
    let o = oracle::binary(p);
    o.loss >= 0.0
        && xent_registry::all().iter().all(|f| {
            let e = f.binary(p);
            e.nats() >= 0.0 && bound_of(*f, *p, &e).admits(e.nats(), o.loss)
        })
}

fn agree_categorical(p: &CategoricalProblem<'_>) -> bool {
    let o = oracle::categorical(p);
    o.loss >= 0.0
        && xent_registry::all().iter().all(|f| {
            let e = f.categorical(p);
            e.nats() >= 0.0 && bound_of(*f, *p, &e).admits(e.nats(), o.loss)
        })
}

#[test]
fn every_formulation_is_within_its_bound_of_the_oracle_and_non_negative() {
    quickcheck((|p: Binary| agree_binary(&p.p())) as fn(Binary) -> bool);
    quickcheck((|p: BinaryLogits| agree_binary(&p.p())) as fn(BinaryLogits) -> bool);
    quickcheck((|p: Cat| agree_categorical(&p.p())) as fn(Cat) -> bool);
    quickcheck((|p: CatLogits| agree_categorical(&p.p())) as fn(CatLogits) -> bool);
}

// ---- log bases ----

fn base_change(p: Binary, base: Base) -> bool {
    let (base, p) = (base.0, p.p());
    let exact = oracle::binary_exact(&p);
    let (Ok(o), Ok(jb)) = (exact.oracle(), exact.loss_in(base)) else {
        return false;
    };
    // J_e is correctly rounded (half an ulp), J_e / ln b adds ln b's and the division's.
    let half_ulp = ErrorBound {
        absolute: 0.5 * ulp(o.loss),
        log_likelihood: 0.0,
    };
    let oracle_ok = half_ulp
        .in_base(base, jb)
        .admits(base.from_nats(o.loss), jb);
    oracle_ok
        && xent_registry::all().iter().all(|f| {
            let e = f.binary(&p);
            bound_of(*f, p, &e)
                .in_base(base, jb)
                .admits(e.in_base(base), jb)
        })
}

fn base_change_keeps_order(a: Binary, b: Binary, base: Base) -> TestResult {
    let (a, b) = (a.p(), b.p());
    let (ea, eb) = (oracle::binary_exact(&a), oracle::binary_exact(&b));
    let (Ok(ja), Ok(jb)) = (ea.loss_in(LogBase::E), eb.loss_in(LogBase::E)) else {
        return TestResult::failed();
    };
    let (Ok(xa), Ok(xb)) = (ea.loss_in(base.0), eb.loss_in(base.0)) else {
        return TestResult::failed();
    };
    if ja == jb {
        return TestResult::discard();
    }
    // Rounding is monotone, so a strict order of exact values survives as a weak one; a
    // base below 1 (ln b < 0) reverses it.
    let increasing = base.0.ln() > 0.0;
    TestResult::from_bool(if (ja < jb) == increasing {
        xa <= xb
    } else {
        xa >= xb
    })
}

#[test]
fn a_change_of_base_divides_by_ln_b_and_keeps_orders() {
    quickcheck(base_change as fn(Binary, Base) -> bool);
    quickcheck(base_change_keeps_order as fn(Binary, Binary, Base) -> TestResult);
}

// ---- identities between problems ----

/// Reorders the samples (columns) of a matrix.
fn permuted(m: &DMatrix<f64>, order: &[usize]) -> DMatrix<f64> {
    DMatrix::from_fn(m.nrows(), m.ncols(), |i, j| m[(i, order[j])])
}

fn order(g: u64, m: usize) -> Vec<usize> {
    let mut o: Vec<usize> = (0..m).collect();
    // A seeded Fisher–Yates shuffle driven by the generated seed.
    let mut s = g;
    for i in (1..m).rev() {
        s = s
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        o.swap(i, (s >> 33) as usize % (i + 1));
    }
    o
}

fn permutation_keeps_the_loss(p: Binary, seed: u64) -> bool {
    let p = p.p();
    let o = order(seed, p.samples());
    let (a, y) = (
        permuted(&p.predictions().array().to_f64_matrix(), &o),
        permuted(&p.labels().to_f64_matrix(), &o),
    );
    let q = BinaryProblem::new(&a, &y).expect("a permutation of a valid problem is valid");
    // The same multiset of terms: the same exact loss, the same correctly rounded value.
    let (a, b) = (oracle::binary(&p), oracle::binary(&q));
    same(a.loss, b.loss)
        && xent_registry::all().iter().all(|f| {
            let e = f.binary(&q);
            bound_of(*f, q, &e).admits(e.nats(), a.loss)
        })
}

fn duplicating_the_batch_keeps_the_loss(p: Cat) -> bool {
    let p = p.p();
    let twice =
        |m: &DMatrix<f64>| DMatrix::from_fn(m.nrows(), 2 * m.ncols(), |i, j| m[(i, j % m.ncols())]);
    let (q2, p2) = (
        twice(&p.predictions().array().to_f64_matrix()),
        twice(&dense_targets(&p)),
    );
    let q = CategoricalProblem::new(&q2, &p2).expect("a repeated valid problem is valid");
    // S doubles and m doubles: the exact mean is the same.
    let (a, b) = (oracle::categorical(&p), oracle::categorical(&q));
    same(a.loss, b.loss)
        && xent_registry::all().iter().all(|f| {
            let e = f.categorical(&q);
            bound_of(*f, q, &e).admits(e.nats(), a.loss)
        })
}

#[test]
fn the_order_and_the_repetition_of_samples_do_not_matter() {
    quickcheck(permutation_keeps_the_loss as fn(Binary, u64) -> bool);
    quickcheck(duplicating_the_batch_keeps_the_loss as fn(Cat) -> bool);
}

fn binary_is_two_class_categorical(p: Binary) -> bool {
    let p = p.p();
    let (a, y) = (
        p.predictions().array().to_f64_matrix(),
        p.labels().to_f64_matrix(),
    );
    let two_rows = |v: &DMatrix<f64>| {
        let flat: Vec<f64> = v.iter().copied().collect();
        DMatrix::from_fn(
            2,
            flat.len(),
            |i, j| if i == 0 { flat[j] } else { 1.0 - flat[j] },
        )
    };
    // Every output of every sample becomes one two-class sample: n_y·m samples, so the
    // categorical loss is the binary one divided by n_y.
    let (qa, py) = (two_rows(&a), two_rows(&y));
    let c = CategoricalProblem::new(&qa, &py).expect("dyadic columns sum to 1");
    let exact_binary = oracle::binary_exact(&p);
    let Ok(scaled) = exact_binary.loss_over(p.samples() * p.outputs(), LogBase::E) else {
        return false;
    };
    same(oracle::categorical(&c).loss, scaled)
}

fn one_hot_is_minus_ln_q_true(q: Cat, class: usize) -> bool {
    let q = q.p().predictions().array();
    let q: Vec<f64> = (0..q.rows()).map(|r| q.get_f64(r, 0)).collect();
    let class = class % q.len();
    let classes = [class as u64];
    let p = CategoricalProblem::with_classes(View::column(&q), &classes).expect("valid");
    same(oracle::categorical(&p).loss, -oracle::ln(q[class]))
}

fn class_indices_are_one_hot(p: Cat, seed: u64) -> bool {
    let q = p.p().predictions().array().to_f64_matrix();
    let (k, m) = q.shape();
    let classes: Vec<u64> = (0..m as u64)
        .map(|j| seed.wrapping_add(7 * j) % k as u64)
        .collect();
    let one_hot = DMatrix::from_fn(k, m, |i, j| if classes[j] == i as u64 { 1.0 } else { 0.0 });
    let a = CategoricalProblem::with_classes(&q, &classes).expect("valid");
    let b = CategoricalProblem::new(&q, &one_hot).expect("valid");
    same(oracle::categorical(&a).loss, oracle::categorical(&b).loss)
        && xent_registry::all()
            .iter()
            .all(|f| f.categorical(&a) == f.categorical(&b))
}

#[test]
fn equivalent_problems_have_the_same_correctly_rounded_loss() {
    quickcheck(binary_is_two_class_categorical as fn(Binary) -> bool);
    quickcheck(one_hot_is_minus_ln_q_true as fn(Cat, usize) -> bool);
    quickcheck(class_indices_are_one_hot as fn(Cat, u64) -> bool);
}

// ---- logits against probabilities ----

/// Binary logits in [−8, 8] (where σ(z) and 1 − σ(z) are far from 0) and the probabilities
/// σ(z) evaluated in `f64`: two exact problems that differ by the rounding of σ.
fn logits_match_probabilities_binary(p: BinaryLogits) -> TestResult {
    let p = p.p();
    let z = p.predictions().array().to_f64_matrix().map(|v| v / 4.0);
    let y = p.labels().to_f64_matrix();
    let a = z.map(|v| 1.0 / (1.0 + (-v).exp()));
    let from_logits = BinaryProblem::from_logits(&z, &y).expect("valid");
    let from_probs = BinaryProblem::new(&a, &y).expect("σ(z) is a probability");
    let m = from_logits.samples() as f64;
    let perturbation: f64 = y
        .iter()
        .zip(a.iter())
        .map(|(&y, &a)| sigmoid_perturbation(y, a))
        .sum::<f64>()
        / m;
    let (l, q) = (
        oracle::binary(&from_logits).loss,
        oracle::binary(&from_probs).loss,
    );
    let bound = ErrorBound {
        absolute: perturbation + 0.5 * ulp(q),
        log_likelihood: 0.0,
    };
    TestResult::from_bool(bound.admits(l, q))
}

/// Categorical logits and `softmax(z)` evaluated in `f64` per column.
fn logits_match_probabilities_categorical(p: CatLogits) -> TestResult {
    let p = p.p();
    let z = p.predictions().array().to_f64_matrix();
    let (k, m) = z.shape();
    let mut q = DMatrix::zeros(k, m);
    let mut perturbation = 0.0;
    let classes: Vec<usize> = (0..m)
        .map(|j| p.class_of(j).expect("built from classes"))
        .collect();
    for j in 0..m {
        let col = z.column(j);
        let max = col.max();
        let e: Vec<f64> = col.iter().map(|&v| (v - max).exp()).collect();
        let total: f64 = e.iter().sum();
        for i in 0..k {
            q[(i, j)] = e[i] / total;
        }
        perturbation += softmax_perturbation(z[(classes[j], j)] - max, k);
    }
    let indices: Vec<u64> = classes.iter().map(|&c| c as u64).collect();
    let Ok(from_probs) = CategoricalProblem::with_classes(&q, &indices) else {
        return TestResult::discard(); // a softmax entry underflowed to 0 or a column drifted
    };
    if q.iter().any(|&v| v == 0.0) {
        return TestResult::discard();
    }
    let (l, r) = (
        oracle::categorical(&p).loss,
        oracle::categorical(&from_probs).loss,
    );
    let bound = ErrorBound {
        absolute: perturbation / m as f64 + 0.5 * ulp(r),
        log_likelihood: 0.0,
    };
    TestResult::from_bool(bound.admits(l, r))
}

#[test]
fn from_logits_equals_from_probabilities_where_finite() {
    quickcheck(logits_match_probabilities_binary as fn(BinaryLogits) -> TestResult);
    quickcheck(logits_match_probabilities_categorical as fn(CatLogits) -> TestResult);
}

// ---- entropies (statrs) ----

/// `H(P, Q) = H(P) + KL(P‖Q)` for one sample: the oracle's cross-entropy against statrs's
/// entropy plus an `f64` Kullback–Leibler divergence, each with its bound; and
/// `H(P) = H(P, P)` against the oracle.
fn cross_entropy_is_entropy_plus_divergence(q: Cat, p: Cat) -> TestResult {
    let k = q.p().classes_count().min(p.p().classes_count());
    let column = |c: &Cat| -> Option<Vec<f64>> {
        let pred = c.p().predictions().array();
        let v: Vec<f64> = (0..k).map(|r| pred.get_f64(r, 0)).collect();
        (v.iter().sum::<f64>() == 1.0).then_some(v)
    };
    let (Some(qv), Some(pv)) = (column(&q), column(&p)) else {
        return TestResult::discard(); // truncated to k classes, no longer a distribution
    };
    fn problem<'a>(pred: &'a [f64], target: &'a [f64]) -> CategoricalProblem<'a> {
        CategoricalProblem::new(View::column(pred), View::column(target)).expect("valid")
    }
    let Ok(statrs) = Categorical::new(&pv) else {
        return TestResult::failed();
    };
    let Some(h) = statrs.entropy() else {
        return TestResult::failed();
    };
    let kl: f64 = pv
        .iter()
        .zip(&qv)
        .filter(|(p, _)| **p > 0.0)
        .map(|(&p, &q)| p * (p.ln() - q.ln()))
        .sum();
    let cross = oracle::categorical(&problem(&qv, &pv)).loss;
    let entropy = oracle::categorical(&problem(&pv, &pv)).loss;
    let h_bound = categorical_entropy_error(&pv);
    let sum_bound = ErrorBound {
        absolute: h_bound + kl_divergence_error(&pv, &qv) + UNIT_ROUNDOFF * (h + kl).abs(),
        log_likelihood: 0.0,
    };
    let entropy_bound = ErrorBound {
        absolute: h_bound,
        log_likelihood: 0.0,
    };
    TestResult::from_bool(
        sum_bound.admits(h + kl, cross)
            && entropy_bound.admits(h, entropy)
            && kl >= -sum_bound.absolute,
    )
}

/// A soft label `y = a` predicted as `a`: the loss is the entropy of Bernoulli(a).
fn soft_label_gives_bernoulli_entropy(a: Dyadic) -> TestResult {
    let entry = [a.0];
    let problem = BinaryProblem::new(View::vector(&entry), View::vector(&entry)).expect("valid");
    let Ok(b) = Bernoulli::new(a.0) else {
        return TestResult::failed();
    };
    let Some(h) = b.entropy() else {
        return TestResult::failed();
    };
    let bound = ErrorBound {
        absolute: bernoulli_entropy_error(a.0),
        log_likelihood: 0.0,
    };
    TestResult::from_bool(bound.admits(h, oracle::binary(&problem).loss))
}

#[test]
fn entropies_agree_with_statrs() {
    quickcheck(cross_entropy_is_entropy_plus_divergence as fn(Cat, Cat) -> TestResult);
    quickcheck(soft_label_gives_bernoulli_entropy as fn(Dyadic) -> TestResult);
}

/// The oracle at the scale the fused path's tests use it, timed: ignored by default (it
/// used to return early, passing without checking anything, unless a variable was set):
/// `cargo test -p xent-tests --test integration oracle_at_scale -- --ignored` (10^7 entries;
/// `XENT_ORACLE_SCALE=N` for another size).
#[test]
#[ignore = "minutes in a debug build: run with --ignored"]
fn oracle_at_scale() {
    let n = std::env::var("XENT_ORACLE_SCALE")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(10_000_000);
    let pool: Vec<f64> = (1..=4000).map(|i| f64::from(i) / 4001.0).collect();
    let mut s = 0x7865_6e74_u64;
    let mut next = move || {
        s = s
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (s >> 33) as usize
    };
    let a = DMatrix::from_fn(1, n, |_, _| pool[next() % pool.len()]);
    let y = DMatrix::from_fn(1, n, |_, _| (next() % 2) as f64);
    let problem = BinaryProblem::new(&a, &y).expect("valid");
    let start = std::time::Instant::now();
    let o = oracle::binary(&problem);
    let binary = start.elapsed();
    let (k, m) = (10, n / 10);
    let z = DMatrix::from_fn(k, m, |_, _| (pool[next() % pool.len()] - 0.5) * 40.0);
    let classes: Vec<u64> = (0..m).map(|_| (next() % k) as u64).collect();
    let problem = CategoricalProblem::from_logits_with_classes(&z, &classes).expect("valid");
    let start = std::time::Instant::now();
    let c = oracle::categorical(&problem);
    let categorical = start.elapsed();
    println!(
        "{n} entries: binary probabilities {binary:?}, categorical logits (k = 10) {categorical:?}"
    );
    assert!(o.loss.is_finite() && c.loss.is_finite());
}
