//! Properties over random problems (quickcheck; raise the case count with
//! `QUICKCHECK_TESTS`). Problems are generated through newtypes, never raw `f64`
//! (quickcheck's `f64` is NaN or infinite one time in ten), and held as owned
//! [`ProblemData`] that each property borrows.

use nalgebra::DMatrix;
use quickcheck::{Arbitrary, Gen, QuickCheck, TestResult};
use xent_core::ulp::ulp;
use xent_core::{Evaluation, LogBase, Problem, ProblemData};

/// A probability in [0, 1], often at or near the ends, where the arithmetic is hardest.
#[derive(Debug, Clone, Copy)]
struct Prob(f64);

impl Arbitrary for Prob {
    fn arbitrary(g: &mut Gen) -> Self {
        let u = u32::arbitrary(g) as f64 / u32::MAX as f64;
        Prob(match u8::arbitrary(g) % 8 {
            0 => 0.0,
            1 => 1.0,
            2 => u * 1e-12,
            3 => 1.0 - u * 1e-12,
            _ => u,
        })
    }
}

/// A valid binary problem: `n_y ∈ 1..=4`, `m ∈ 1..=40`, hard or soft labels.
#[derive(Debug, Clone)]
struct Binary(ProblemData);

impl Binary {
    fn problem(&self) -> Problem<'_> {
        self.0.problem().expect("generated inputs are valid")
    }
}

impl Arbitrary for Binary {
    fn arbitrary(g: &mut Gen) -> Self {
        let (r, c) = (1 + usize::arbitrary(g) % 4, 1 + usize::arbitrary(g) % 40);
        let hard = bool::arbitrary(g);
        let a = DMatrix::from_fn(r, c, |_, _| Prob::arbitrary(g).0);
        let y = DMatrix::from_fn(r, c, |_, _| {
            let p = Prob::arbitrary(g).0;
            if hard { p.round() } else { p }
        });
        let data = ProblemData::binary(a, y, false);
        data.binary_problem().expect("generated inputs are valid");
        Binary(data)
    }
}

/// A valid categorical problem from logits in [−50, 50]: `k ∈ 2..=6`, `m ∈ 1..=20`.
#[derive(Debug, Clone)]
struct Categorical(ProblemData);

impl Arbitrary for Categorical {
    fn arbitrary(g: &mut Gen) -> Self {
        let (k, m) = (2 + usize::arbitrary(g) % 5, 1 + usize::arbitrary(g) % 20);
        let z = DMatrix::from_fn(k, m, |_, _| (Prob::arbitrary(g).0 - 0.5) * 100.0);
        let classes: Vec<u64> = (0..m).map(|_| u64::arbitrary(g) % k as u64).collect();
        let data = ProblemData::with_classes(z, classes, true);
        data.categorical_problem()
            .expect("generated inputs are valid");
        Categorical(data)
    }
}

/// Every formulation's loss is non-negative (finite when `finite`) and within the sum of
/// its own bound and the first formulation's of the first formulation's loss.
fn formulations_agree(problem: &Problem<'_>, finite: bool) -> bool {
    let evaluations: Vec<Evaluation> = xent_registry::all()
        .iter()
        .map(|f| problem.evaluate(*f))
        .collect();
    let bounds: Vec<_> = xent_registry::all()
        .iter()
        .zip(&evaluations)
        .map(|(f, e)| f.bound(problem, e))
        .collect();
    let first = evaluations[0].nats();
    evaluations.iter().zip(&bounds).all(|(e, &bound)| {
        let v = e.nats();
        v >= 0.0 && (!finite || v.is_finite()) && (bound + bounds[0]).admits_difference(v, first)
    })
}

fn formulations_agree_binary(p: Binary) -> bool {
    formulations_agree(&p.problem(), false)
}

fn formulations_agree_categorical(p: Categorical) -> bool {
    formulations_agree(&p.0.problem().expect("generated inputs are valid"), true)
}

#[test]
fn the_formulations_agree_within_their_bound() {
    QuickCheck::new().quickcheck(formulations_agree_binary as fn(Binary) -> bool);
    QuickCheck::new().quickcheck(formulations_agree_categorical as fn(Categorical) -> bool);
}

/// Bases above 1 keep orders, `1/2` (`ln b < 0`) reverses them.
const BASES: [(f64, bool); 3] = [(2.0, true), (10.0, true), (0.5, false)];

/// A change of base divides by the constant `ln b`, and correctly rounded division is
/// monotone: for every formulation, two losses in nats `ja < jb` give `x ≤ y` in base `b`
/// (`x ≥ y` when `ln b < 0`), and they may become equal **only** when the two exact
/// quotients lie within one ulp of the result of each other (one rounding merges them).
/// Equal losses give equal bits.
fn base_change_keeps_order(a: Binary, b: Binary) -> TestResult {
    let (pa, pb) = (a.problem(), b.problem());
    for f in xent_registry::all() {
        let (ja, jb) = (pa.evaluate(*f).nats(), pb.evaluate(*f).nats());
        for (value, increasing) in BASES {
            let base = LogBase::new(value).expect("a base");
            let (x, y) = (base.from_nats(ja), base.from_nats(jb));
            let ok = if ja == jb {
                x.to_bits() == y.to_bits()
            } else {
                // Order the pair so that `lo < hi` in nats; `(x_lo, x_hi)` are theirs.
                let (lo, hi, x_lo, x_hi) = if ja < jb {
                    (ja, jb, x, y)
                } else {
                    (jb, ja, y, x)
                };
                let strict = if increasing { x_lo < x_hi } else { x_lo > x_hi };
                // Merged by the rounding: both finite, `(hi − lo) / |ln b| ≤ ulp(x)` (with
                // room for the two roundings of this check itself).
                let merged = x_lo == x_hi
                    && (hi - lo) / base.ln().abs() <= ulp(x_lo) * (1.0 + 4.0 * f64::EPSILON);
                strict || merged
            };
            if !ok {
                return TestResult::error(format!(
                    "{} in base {value}: J = {ja:e}, {jb:e} nats became {x:e}, {y:e}",
                    f.name()
                ));
            }
        }
    }
    TestResult::passed()
}

#[test]
fn a_change_of_base_keeps_every_ordering() {
    QuickCheck::new().quickcheck(base_change_keeps_order as fn(Binary, Binary) -> TestResult);
}

/// The pairs the random property rarely meets, with their exact expectations: distinct
/// losses one ulp apart (which a division by `ln 10` may merge, and the property allows
/// only because they are that close), losses far apart (which must stay strictly ordered),
/// equal and infinite losses.
#[test]
fn a_change_of_base_orders_the_edge_cases_as_expected() {
    let one = 0.75f64;
    let next = f64::from_bits(one.to_bits() + 1);
    for base in [LogBase::TWO, LogBase::TEN] {
        let (x, y) = (base.from_nats(one), base.from_nats(next));
        assert!(x <= y, "{base:?}");
        assert!(x < y || (next - one) / base.ln() <= ulp(x), "{base:?}");
        assert!(base.from_nats(1.0) < base.from_nats(1.5), "{base:?}");
        assert_eq!(base.from_nats(0.0), 0.0);
        assert_eq!(base.from_nats(f64::INFINITY), f64::INFINITY);
        assert!(base.from_nats(400.0) < base.from_nats(f64::INFINITY));
    }
    let half = LogBase::new(0.5).expect("a base");
    assert!(half.from_nats(1.0) > half.from_nats(1.5));
    assert_eq!(half.from_nats(f64::INFINITY), f64::NEG_INFINITY);
}
