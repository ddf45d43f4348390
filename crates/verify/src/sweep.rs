//! The seeded random agreement sweep: problems of every kind (binary and categorical, from
//! probabilities and from logits, hard, soft and class-index targets, `n_y = 1` and
//! `n_y > 1`, confident and uncertain predictions, exact zeros and a `+∞`), each evaluated by
//! every formulation and held to its a priori bound of the oracle.
//!
//! The problems are `xent_core::recipe`'s, drawn from the one seeded generator by correctly
//! rounded `f64` operations, so they, and with them the report, are the same on every
//! machine.

use xent_core::recipe::{Inputs, Labels, Recipe};
use xent_core::rng::Seeded;
use xent_core::{Formulation, Kind, Problem};
use xent_oracle as oracle;

use crate::error::Result;
use crate::report::{Num, Sweep, SweepCase};

use Inputs::{Confident, Edges, Logits, Probabilities as Probs};
use Kind::{Binary as Bin, Categorical as Cat};
use Labels::{Classes, Hard, Soft};

/// The sweep's problems: kind, inputs, targets, rows (`n_y` or `k`), samples.
const CASES: [(Kind, Inputs, Labels, usize, usize); 18] = [
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

/// Runs the sweep from `seed` through `formulations`.
pub(crate) fn sweep(seed: u64, formulations: &[&dyn Formulation]) -> Result<Sweep> {
    let _span = tracing::info_span!("sweep", seed).entered();
    let mut rng = Seeded::new(seed);
    let mut cases = Vec::new();
    for (i, &(kind, inputs, labels, rows, samples)) in CASES.iter().enumerate() {
        let recipe = Recipe {
            kind,
            inputs,
            labels,
            rows,
            samples,
        };
        let data = recipe.draw(&mut rng);
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
        let [kind, predictions, labels] = recipe.names().map(str::to_owned);
        cases.push(SweepCase {
            id: i + 1,
            kind,
            predictions,
            labels,
            shape: format!("({rows}, {samples})"),
            oracle: Num(truth),
            bound_ulps: bound.ulps_at(truth),
            within_bound: within.collect(),
        });
    }
    Ok(Sweep { seed, cases })
}
