//! The seeded random agreement sweep: problems of every kind (binary and categorical, from
//! probabilities and from logits, hard, soft and class-index targets, `n_y = 1` and
//! `n_y > 1`, confident and uncertain predictions, exact zeros and a `+∞`), each evaluated by
//! every formulation and held to its a priori bound of the oracle.
//!
//! The generator is `xent_core::rng`'s (portable integer and `2^-53`-grid draws), and every
//! input is made from them by correctly rounded `f64` operations, so the problems, and with
//! them the report, are the same on every machine.

use nalgebra::DMatrix;
use xent_core::rng::Seeded;
use xent_core::{Formulation, Problem, ProblemData as Data};
use xent_oracle as oracle;

use crate::error::Result;
use crate::report::{Num, Sweep, SweepCase};

/// A probability in (0, 1), one time in eight within 1e-12 of either end.
fn probability(rng: &mut Seeded) -> f64 {
    let u = rng.unit();
    match rng.below(16) {
        0 => 1e-12 * (u + 0.5),
        1 => 1.0 - 1e-12 * (u + 0.5),
        _ => 0.001 + 0.998 * u,
    }
}

/// A distribution over `k` classes: positive weights, normalised (sums to 1 within `k`
/// roundings, well inside the validation tolerance).
fn distribution(rng: &mut Seeded, k: usize) -> Vec<f64> {
    let w: Vec<f64> = (0..k).map(|_| 0.001 + rng.unit()).collect();
    let total: f64 = w.iter().sum();
    w.iter().map(|x| x / total).collect()
}

#[derive(Clone, Copy)]
enum Kind {
    Binary,
    Categorical,
}

#[derive(Clone, Copy)]
enum Inputs {
    Probabilities,
    Logits,
    /// Probabilities with exact 0 and 1 entries under matching labels (`0 · ln 0 = 0`).
    Edges,
    /// One positive label on a zero probability: `J = +∞`.
    Confident,
}

#[derive(Clone, Copy)]
enum Targets {
    Hard,
    Soft,
    Classes,
}

use Inputs::{Confident, Edges, Logits, Probabilities as Probs};
use Kind::{Binary as Bin, Categorical as Cat};
use Targets::{Classes, Hard, Soft};

/// The sweep's problems: kind, inputs, targets, rows (`n_y` or `k`), samples.
const CASES: [(Kind, Inputs, Targets, usize, usize); 18] = [
    (Bin, Probs, Hard, 1, 8),
    (Bin, Probs, Hard, 1, 256),
    (Bin, Probs, Hard, 4, 64),
    (Bin, Probs, Soft, 3, 100),
    (Bin, Probs, Hard, 8, 32),
    (Bin, Probs, Soft, 16, 256),
    (Bin, Edges, Hard, 2, 16),
    (Bin, Confident, Hard, 2, 8),
    (Bin, Logits, Hard, 1, 200),
    (Bin, Logits, Hard, 6, 40),
    (Bin, Logits, Soft, 2, 50),
    (Cat, Probs, Classes, 3, 50),
    (Cat, Probs, Classes, 10, 40),
    (Cat, Probs, Soft, 4, 60),
    (Cat, Logits, Classes, 5, 100),
    (Cat, Logits, Classes, 10, 30),
    (Cat, Logits, Classes, 32, 128),
    (Cat, Logits, Soft, 3, 40),
];

fn binary(rng: &mut Seeded, inputs: Inputs, targets: Targets, n: usize, m: usize) -> Data {
    let y = DMatrix::from_fn(n, m, |_, _| match targets {
        Targets::Soft => rng.unit(),
        _ => rng.below(2) as f64,
    });
    match inputs {
        Inputs::Logits => {
            let z = DMatrix::from_fn(n, m, |_, _| (rng.unit() - 0.5) * 60.0);
            Data::binary(z, y, true)
        }
        Inputs::Probabilities => {
            Data::binary(DMatrix::from_fn(n, m, |_, _| probability(rng)), y, false)
        }
        Inputs::Edges => {
            // Certain and right where the coin says so, uncertain elsewhere.
            let a = DMatrix::from_fn(n, m, |i, j| {
                if rng.below(2) == 0 {
                    y[(i, j)]
                } else {
                    probability(rng)
                }
            });
            Data::binary(a, y, false)
        }
        Inputs::Confident => {
            let mut a = DMatrix::from_fn(n, m, |_, _| probability(rng));
            let mut y = y;
            a[(0, 0)] = 0.0;
            y[(0, 0)] = 1.0;
            Data::binary(a, y, false)
        }
    }
}

fn categorical(rng: &mut Seeded, inputs: Inputs, targets: Targets, k: usize, m: usize) -> Data {
    let classes: Vec<u64> = (0..m).map(|_| rng.below(k) as u64).collect();
    let soft = {
        let cols: Vec<f64> = (0..m).flat_map(|_| distribution(rng, k)).collect();
        DMatrix::from_column_slice(k, m, &cols)
    };
    match inputs {
        Inputs::Logits => {
            let z = DMatrix::from_fn(k, m, |_, _| (rng.unit() - 0.5) * 40.0);
            match targets {
                Targets::Soft => Data::categorical(z, soft, true),
                _ => Data::with_classes(z, classes, true),
            }
        }
        _ => {
            let cols: Vec<f64> = (0..m).flat_map(|_| distribution(rng, k)).collect();
            let q = DMatrix::from_column_slice(k, m, &cols);
            match targets {
                Targets::Soft => Data::categorical(q, soft, false),
                _ => Data::with_classes(q, classes, false),
            }
        }
    }
}

/// How the report names a case's kind, inputs and targets.
fn names(kind: Kind, inputs: Inputs, targets: Targets) -> [&'static str; 3] {
    let kind = match kind {
        Kind::Binary => "binary",
        Kind::Categorical => "categorical",
    };
    let inputs = match inputs {
        Inputs::Logits => "logits",
        Inputs::Probabilities => "probabilities",
        Inputs::Edges => "probabilities with 0 and 1",
        Inputs::Confident => "a 0 under a positive label",
    };
    let targets = match targets {
        Targets::Hard => "hard",
        Targets::Soft => "soft",
        Targets::Classes => "class indices",
    };
    [kind, inputs, targets]
}

/// Runs the sweep from `seed` through `formulations`.
pub(crate) fn sweep(seed: u64, formulations: &[&dyn Formulation]) -> Result<Sweep> {
    let _span = tracing::info_span!("sweep", seed).entered();
    let mut rng = Seeded::new(seed);
    let mut cases = Vec::new();
    for (i, &(kind, inputs, targets, rows, cols)) in CASES.iter().enumerate() {
        let data = match kind {
            Kind::Binary => binary(&mut rng, inputs, targets, rows, cols),
            Kind::Categorical => categorical(&mut rng, inputs, targets, rows, cols),
        };
        let problem = data.problem()?;
        let truth = match &problem {
            Problem::Binary(p) => oracle::try_binary(p)?.loss,
            Problem::Categorical(p) => oracle::try_categorical(p)?.loss,
        };
        let bound = problem.error_bound();
        let within = formulations.iter().map(|f| {
            let value = problem.evaluate(*f).nats();
            let ulps = xent_core::ulp::ulp_distance(value, truth);
            tracing::debug!(case = i + 1, formulation = f.name(), ulps, "sweep");
            (f.name().to_owned(), bound.admits(value, truth))
        });
        let [kind, predictions, labels] = names(kind, inputs, targets).map(str::to_owned);
        cases.push(SweepCase {
            id: i + 1,
            kind,
            predictions,
            labels,
            shape: format!("({rows}, {cols})"),
            oracle: Num(truth),
            bound_ulps: bound.ulps_at(truth),
            within_bound: within.collect(),
        });
    }
    Ok(Sweep { seed, cases })
}
