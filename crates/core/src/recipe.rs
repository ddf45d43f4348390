//! Random problems of every kind, drawn from the one seeded generator ([`crate::rng`]):
//! binary and categorical, from probabilities and from logits, hard, soft and class-index
//! targets, confident and uncertain predictions, exact zeros and ones under matching labels,
//! and a `+∞` (a zero probability under a positive label). The verifier's random sweep and
//! the oracle's tests draw theirs here.
//!
//! Every input is made from the generator's portable draws by correctly rounded `f64`
//! operations, so a seed names the same problems on every machine.
//!
//! ```
//! use xent_core::recipe::{Inputs, Labels, Recipe};
//! use xent_core::{Kind, rng::Seeded};
//!
//! let recipe = Recipe { kind: Kind::Binary, inputs: Inputs::Edges, labels: Labels::Hard, rows: 2, samples: 16 };
//! let data = recipe.draw(&mut Seeded::new(1));
//! assert_eq!((data.pred.nrows(), data.pred.ncols()), (2, 16));
//! assert!(data.problem().is_ok());
//! ```

use nalgebra::DMatrix;

use crate::formulation::Kind;
use crate::problem::ProblemData as Data;
use crate::rng::Seeded;

/// What the predictions of a drawn problem are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inputs {
    /// Probabilities in (0, 1), one in eight within `10^-12` of an end.
    Probabilities,
    /// Logits: binary uniform in `[−30, 30)`, categorical in `[−20, 20)`.
    Logits,
    /// Probabilities with exact 0 and 1 entries under matching labels (`0 · ln 0 = 0`);
    /// binary only (categorical draws probabilities).
    Edges,
    /// One positive label on a zero probability: `J = +∞`; binary only.
    Confident,
}

/// What the labels or targets of a drawn problem are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Labels {
    /// 0 or 1 (binary), one-hot class indices (categorical).
    Hard,
    /// Uniform in `[0, 1)` (binary), a random distribution per sample (categorical).
    Soft,
    /// Class indices (categorical; binary draws hard labels).
    Classes,
}

/// A problem to draw: its kind, inputs, labels, rows (`n_y` or `k`) and samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recipe {
    /// Binary or categorical.
    pub kind: Kind,
    /// What the predictions are.
    pub inputs: Inputs,
    /// What the labels are.
    pub labels: Labels,
    /// `n_y` (binary) or `k` (categorical).
    pub rows: usize,
    /// `m`.
    pub samples: usize,
}

impl Recipe {
    /// A random recipe of up to `max_rows` rows and `max_samples` samples (both ≥ 1).
    pub fn random(rng: &mut Seeded, max_rows: usize, max_samples: usize) -> Recipe {
        let kind = [Kind::Binary, Kind::Categorical][rng.below(2)];
        let inputs = [
            Inputs::Probabilities,
            Inputs::Logits,
            Inputs::Edges,
            Inputs::Confident,
        ][rng.below(4)];
        let labels = [Labels::Hard, Labels::Soft, Labels::Classes][rng.below(3)];
        let rows = rng.range(1..max_rows + 1);
        let samples = rng.range(1..max_samples + 1);
        Recipe {
            kind,
            inputs,
            labels,
            rows,
            samples,
        }
    }

    /// The problem, drawn from `rng`.
    pub fn draw(&self, rng: &mut Seeded) -> Data {
        let (inputs, labels, rows, m) = (self.inputs, self.labels, self.rows, self.samples);
        match self.kind {
            Kind::Binary => binary(rng, inputs, labels, rows, m),
            Kind::Categorical => categorical(rng, inputs, labels, rows, m),
        }
    }

    /// How a report names its kind, inputs and labels.
    pub fn names(&self) -> [&'static str; 3] {
        let inputs = match self.inputs {
            Inputs::Logits => "logits",
            Inputs::Probabilities => "probabilities",
            Inputs::Edges => "probabilities with 0 and 1",
            Inputs::Confident => "a 0 under a positive label",
        };
        let labels = match self.labels {
            Labels::Hard => "hard",
            Labels::Soft => "soft",
            Labels::Classes => "class indices",
        };
        [self.kind.as_str(), inputs, labels]
    }
}

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

fn binary(rng: &mut Seeded, inputs: Inputs, labels: Labels, n: usize, m: usize) -> Data {
    let y = DMatrix::from_fn(n, m, |_, _| match labels {
        Labels::Soft => rng.unit(),
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

fn categorical(rng: &mut Seeded, inputs: Inputs, labels: Labels, k: usize, m: usize) -> Data {
    let classes: Vec<u64> = (0..m).map(|_| rng.below(k) as u64).collect();
    let soft = {
        let cols: Vec<f64> = (0..m).flat_map(|_| distribution(rng, k)).collect();
        DMatrix::from_column_slice(k, m, &cols)
    };
    let q = match inputs {
        Inputs::Logits => DMatrix::from_fn(k, m, |_, _| (rng.unit() - 0.5) * 40.0),
        _ => {
            let cols: Vec<f64> = (0..m).flat_map(|_| distribution(rng, k)).collect();
            DMatrix::from_column_slice(k, m, &cols)
        }
    };
    let logits = inputs == Inputs::Logits;
    match labels {
        Labels::Soft => Data::categorical(q, soft, logits),
        _ => Data::with_classes(q, classes, logits),
    }
}
