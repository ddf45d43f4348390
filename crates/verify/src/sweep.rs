//! The seeded random agreement sweep: problems of every kind (binary and categorical, from
//! probabilities and from logits, hard, soft and class-index targets, `n_y = 1` and
//! `n_y > 1`, confident and uncertain predictions, exact zeros and a `+∞`), each evaluated by
//! every formulation and held to its a priori bound of the oracle.
//!
//! The generator is `xent_core::rng`'s (portable integer and `2^-53`-grid draws), and every
//! input is made from them by correctly rounded `f64` operations, so the problems, and with
//! them the report, are the same on every machine.

use nalgebra::DMatrix;
use xent_core::{ErrorBound, Formulation, Problem, ProblemData};

use crate::error::Result;
use xent_core::rng::Seeded;

use crate::report::{Num, Sweep, SweepCase};
use xent_oracle as oracle;

/// The sweep's draws from the one seeded generator (`xent_core::rng`).
pub(crate) struct Draws(Seeded);

impl Draws {
    pub(crate) fn new(seed: u64) -> Self {
        Draws(Seeded::new(seed))
    }

    /// Uniform in [0, 1), a multiple of 2^-53.
    pub(crate) fn unit(&mut self) -> f64 {
        self.0.unit()
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        self.0.below(n)
    }

    /// A probability in (0, 1), one time in eight within 1e-12 of either end.
    fn probability(&mut self) -> f64 {
        let u = self.unit();
        match self.below(16) {
            0 => 1e-12 * (u + 0.5),
            1 => 1.0 - 1e-12 * (u + 0.5),
            _ => 0.001 + 0.998 * u,
        }
    }

    /// A distribution over `k` classes: positive weights, normalised (sums to 1 within
    /// `k` roundings, well inside the validation tolerance).
    fn distribution(&mut self, k: usize) -> Vec<f64> {
        let w: Vec<f64> = (0..k).map(|_| 0.001 + self.unit()).collect();
        let total: f64 = w.iter().sum();
        w.iter().map(|x| x / total).collect()
    }
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

/// The sweep's problems: kind, inputs, targets, rows (`n_y` or `k`), samples.
const CASES: [(Kind, Inputs, Targets, usize, usize); 18] = [
    (Kind::Binary, Inputs::Probabilities, Targets::Hard, 1, 8),
    (Kind::Binary, Inputs::Probabilities, Targets::Hard, 1, 256),
    (Kind::Binary, Inputs::Probabilities, Targets::Hard, 4, 64),
    (Kind::Binary, Inputs::Probabilities, Targets::Soft, 3, 100),
    (Kind::Binary, Inputs::Probabilities, Targets::Hard, 8, 32),
    (Kind::Binary, Inputs::Probabilities, Targets::Soft, 16, 256),
    (Kind::Binary, Inputs::Edges, Targets::Hard, 2, 16),
    (Kind::Binary, Inputs::Confident, Targets::Hard, 2, 8),
    (Kind::Binary, Inputs::Logits, Targets::Hard, 1, 200),
    (Kind::Binary, Inputs::Logits, Targets::Hard, 6, 40),
    (Kind::Binary, Inputs::Logits, Targets::Soft, 2, 50),
    (
        Kind::Categorical,
        Inputs::Probabilities,
        Targets::Classes,
        3,
        50,
    ),
    (
        Kind::Categorical,
        Inputs::Probabilities,
        Targets::Classes,
        10,
        40,
    ),
    (
        Kind::Categorical,
        Inputs::Probabilities,
        Targets::Soft,
        4,
        60,
    ),
    (Kind::Categorical, Inputs::Logits, Targets::Classes, 5, 100),
    (Kind::Categorical, Inputs::Logits, Targets::Classes, 10, 30),
    (Kind::Categorical, Inputs::Logits, Targets::Classes, 32, 128),
    (Kind::Categorical, Inputs::Logits, Targets::Soft, 3, 40),
];

fn binary(rng: &mut Draws, inputs: Inputs, targets: Targets, n: usize, m: usize) -> ProblemData {
    let y = DMatrix::from_fn(n, m, |_, _| match targets {
        Targets::Soft => rng.unit(),
        _ => rng.below(2) as f64,
    });
    match inputs {
        Inputs::Logits => {
            let z = DMatrix::from_fn(n, m, |_, _| (rng.unit() - 0.5) * 60.0);
            ProblemData::binary(z, y, true)
        }
        Inputs::Probabilities => {
            ProblemData::binary(DMatrix::from_fn(n, m, |_, _| rng.probability()), y, false)
        }
        Inputs::Edges => {
            // Certain and right where the coin says so, uncertain elsewhere.
            let a = DMatrix::from_fn(n, m, |i, j| {
                if rng.below(2) == 0 {
                    y[(i, j)]
                } else {
                    rng.probability()
                }
            });
            ProblemData::binary(a, y, false)
        }
        Inputs::Confident => {
            let mut a = DMatrix::from_fn(n, m, |_, _| rng.probability());
            let mut y = y;
            a[(0, 0)] = 0.0;
            y[(0, 0)] = 1.0;
            ProblemData::binary(a, y, false)
        }
    }
}

fn categorical(
    rng: &mut Draws,
    inputs: Inputs,
    targets: Targets,
    k: usize,
    m: usize,
) -> ProblemData {
    let classes: Vec<u64> = (0..m).map(|_| rng.below(k) as u64).collect();
    let soft = {
        let cols: Vec<f64> = (0..m).flat_map(|_| rng.distribution(k)).collect();
        DMatrix::from_column_slice(k, m, &cols)
    };
    match inputs {
        Inputs::Logits => {
            let z = DMatrix::from_fn(k, m, |_, _| (rng.unit() - 0.5) * 40.0);
            match targets {
                Targets::Soft => ProblemData::categorical(z, soft, true),
                _ => ProblemData::with_classes(z, classes, true),
            }
        }
        _ => {
            let cols: Vec<f64> = (0..m).flat_map(|_| rng.distribution(k)).collect();
            let q = DMatrix::from_column_slice(k, m, &cols);
            match targets {
                Targets::Soft => ProblemData::categorical(q, soft, false),
                _ => ProblemData::with_classes(q, classes, false),
            }
        }
    }
}

/// Runs the sweep from `seed` through `formulations`.
pub(crate) fn sweep(seed: u64, formulations: &[&dyn Formulation]) -> Result<Sweep> {
    let _span = tracing::info_span!("sweep", seed).entered();
    let mut rng = Draws::new(seed);
    let mut cases = Vec::new();
    for (id, &(kind, inputs, targets, rows, cols)) in CASES.iter().enumerate() {
        let data = match kind {
            Kind::Binary => binary(&mut rng, inputs, targets, rows, cols),
            Kind::Categorical => categorical(&mut rng, inputs, targets, rows, cols),
        };
        let problem = data.problem()?;
        let (truth, bound) = match &problem {
            Problem::Binary(p) => (oracle::try_binary(p)?.loss, ErrorBound::binary(p)),
            Problem::Categorical(p) => {
                (oracle::try_categorical(p)?.loss, ErrorBound::categorical(p))
            }
        };
        let mut within = Vec::new();
        for f in formulations {
            let value = problem.evaluate(*f).nats();
            let ok = bound.admits(value, truth);
            tracing::debug!(
                case = id + 1,
                formulation = f.name(),
                ulps = xent_core::ulp::ulp_distance(value, truth),
                bound_ulps = bound.ulps_at(truth),
                ok,
                "sweep"
            );
            within.push((f.name().to_owned(), ok));
        }
        cases.push(SweepCase {
            id: id + 1,
            kind: match kind {
                Kind::Binary => "binary",
                Kind::Categorical => "categorical",
            }
            .to_owned(),
            predictions: match inputs {
                Inputs::Logits => "logits",
                Inputs::Probabilities => "probabilities",
                Inputs::Edges => "probabilities with 0 and 1",
                Inputs::Confident => "a 0 under a positive label",
            }
            .to_owned(),
            labels: match targets {
                Targets::Hard => "hard",
                Targets::Soft => "soft",
                Targets::Classes => "class indices",
            }
            .to_owned(),
            shape: format!("({rows}, {cols})"),
            oracle: Num(truth),
            bound_ulps: bound.ulps_at(truth),
            within_bound: within,
        });
    }
    Ok(Sweep { seed, cases })
}
