//! Properties over random problems (quickcheck; raise the case count with
//! `QUICKCHECK_TESTS`). Problems are generated through newtypes, never raw `f64`
//! (quickcheck's `f64` is NaN or infinite one time in ten).

use nalgebra::DMatrix;
use quickcheck::{Arbitrary, Gen, QuickCheck, TestResult};
use xent_core::{BinaryProblem, CategoricalProblem, ErrorBound, LogBase};

use crate::formulations;

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
struct Binary(BinaryProblem);

impl Arbitrary for Binary {
    fn arbitrary(g: &mut Gen) -> Self {
        let (r, c) = (1 + usize::arbitrary(g) % 4, 1 + usize::arbitrary(g) % 40);
        let hard = bool::arbitrary(g);
        let a = DMatrix::from_fn(r, c, |_, _| Prob::arbitrary(g).0);
        let y = DMatrix::from_fn(r, c, |_, _| {
            let p = Prob::arbitrary(g).0;
            if hard { p.round() } else { p }
        });
        Binary(BinaryProblem::new(a, y).expect("generated inputs are valid"))
    }
}

/// A valid categorical problem from logits in [−50, 50]: `k ∈ 2..=6`, `m ∈ 1..=20`.
#[derive(Debug, Clone)]
struct Categorical(CategoricalProblem);

impl Arbitrary for Categorical {
    fn arbitrary(g: &mut Gen) -> Self {
        let (k, m) = (2 + usize::arbitrary(g) % 5, 1 + usize::arbitrary(g) % 20);
        let z = DMatrix::from_fn(k, m, |_, _| (Prob::arbitrary(g).0 - 0.5) * 100.0);
        let classes: Vec<usize> = (0..m).map(|_| usize::arbitrary(g) % k).collect();
        Categorical(
            CategoricalProblem::from_logits_with_classes(z, &classes)
                .expect("generated inputs are valid"),
        )
    }
}

fn formulations_agree_binary(p: Binary) -> TestResult {
    let bound = ErrorBound::binary(&p.0);
    let values: Vec<f64> = formulations()
        .iter()
        .map(|f| f.binary(&p.0).nats())
        .collect();
    let ok = values
        .iter()
        .all(|&v| v >= 0.0 && bound.admits_pair(v, values[0]));
    TestResult::from_bool(ok)
}

fn formulations_agree_categorical(p: Categorical) -> TestResult {
    let bound = ErrorBound::categorical(&p.0);
    let values: Vec<f64> = formulations()
        .iter()
        .map(|f| f.categorical(&p.0).nats())
        .collect();
    let ok = values
        .iter()
        .all(|&v| v.is_finite() && v >= 0.0 && bound.admits_pair(v, values[0]));
    TestResult::from_bool(ok)
}

/// A change of base is one positive constant factor: it keeps the order of any two losses.
fn base_change_keeps_order(a: Binary, b: Binary) -> TestResult {
    let f = &formulations()[0];
    let (ja, jb) = (f.binary(&a.0), f.binary(&b.0));
    let ok = [LogBase::TWO, LogBase::TEN].iter().all(|&base| {
        let (x, y) = (ja.in_base(base), jb.in_base(base));
        ja.nats().partial_cmp(&jb.nats()) == x.partial_cmp(&y) || x == y
    });
    TestResult::from_bool(ok)
}

#[test]
fn the_formulations_agree_within_their_bound() {
    QuickCheck::new().quickcheck(formulations_agree_binary as fn(Binary) -> TestResult);
    QuickCheck::new().quickcheck(formulations_agree_categorical as fn(Categorical) -> TestResult);
}

#[test]
fn a_change_of_base_keeps_every_ordering() {
    QuickCheck::new().quickcheck(base_change_keeps_order as fn(Binary, Binary) -> TestResult);
}
