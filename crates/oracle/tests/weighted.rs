//! The weighted oracle against the unweighted one, where the definition makes them the same
//! exact number, so the same correctly rounded bits: no weights, integer weights as repeated
//! samples, uniform class weights, a mask as the weight 0. Random problems from
//! `xent_core::recipe`.

use xent_core::recipe::Recipe;
use xent_core::rng::Seeded;
use xent_core::{Kind, Problem, ProblemData, TruthData, View, Weights};
use xent_oracle::{Oracle, Weighted, try_binary, try_categorical, weighted};

const CASES: u64 = 150;

/// A random problem of either kind, probabilities or logits, hard or soft, with zeros and
/// ones among the probabilities and a confident wrong one now and then.
fn problem(rng: &mut Seeded) -> ProblemData {
    Recipe::random(rng, 3, 11).draw(rng)
}

fn unweighted(problem: &Problem<'_>) -> Oracle {
    match problem {
        Problem::Binary(b) => try_binary(b),
        Problem::Categorical(c) => try_categorical(c),
    }
    .expect("the oracle evaluates")
}

fn evaluate(data: &ProblemData, weights: &Weights<'_>) -> Weighted {
    let problem = data
        .unvalidated()
        .and_then(|u| u.with_weights(weights))
        .and_then(|u| u.validate())
        .expect("generated inputs are valid");
    weighted(&problem).expect("the oracle evaluates")
}

#[test]
fn without_weights_it_is_the_oracle() {
    let mut rng = Seeded::new(0x5eed_0001);
    for case in 0..CASES {
        let data = problem(&mut rng);
        let plain = data.problem().expect("valid");
        let (w, o) = (evaluate(&data, &Weights::NONE), unweighted(&plain));
        // Equal as numbers (a zero loss is +0 here and may be −0 there).
        assert_eq!(w.mean, Some(o.loss), "case {case}");
        assert_eq!(w.sum, -o.log_likelihood, "case {case}");
        assert_eq!(w.weight, data.pred.ncols() as f64);
        assert_eq!(w.per_sample.len(), data.pred.ncols());
    }
}

#[test]
fn integer_weights_are_repeated_samples() {
    let mut rng = Seeded::new(0x5eed_0002);
    for case in 0..CASES {
        let data = problem(&mut rng);
        let times: Vec<usize> = (0..data.pred.ncols()).map(|_| rng.below(4)).collect();
        if times.iter().all(|&t| t == 0) {
            continue;
        }
        let w: Vec<f64> = times.iter().map(|&t| t as f64).collect();
        let weighted = evaluate(&data, &Weights::samples(&w));
        let expanded = data.repeated(&times);
        let o = unweighted(&expanded.problem().expect("valid"));
        assert_eq!(weighted.mean, Some(o.loss), "case {case}: {times:?}");
        assert_eq!(weighted.sum, -o.log_likelihood, "case {case}");
        // Each per-sample loss is `t_j` times the loss of the sample alone.
        for (j, &t) in times.iter().enumerate() {
            let only: Vec<usize> = (0..times.len()).map(|i| usize::from(i == j) * t).collect();
            let alone = data.repeated(&only);
            let expected = if t == 0 {
                0.0
            } else {
                -unweighted(&alone.problem().expect("valid")).log_likelihood
            };
            assert_eq!(weighted.per_sample[j], expected, "case {case}, sample {j}");
        }
    }
}

#[test]
fn uniform_class_weights_and_masks() {
    let mut rng = Seeded::new(0x5eed_0003);
    for case in 0..CASES {
        let data = problem(&mut rng);
        let m = data.pred.ncols();
        let plain = unweighted(&data.problem().expect("valid"));
        // A uniform class weight c on class indices: Σ c·l / Σ c is the unweighted mean
        // (soft targets need not sum to exactly 1, so there `W = c·Σ P ≠ c·m`).
        let c = vec![f64::from(rng.range(1..8) as u32) / 4.0; data.pred.nrows()];
        let per_row = View::vector(&c).array();
        let weights = match (data.kind, &data.truth) {
            (Kind::Categorical, TruthData::Classes(_)) => Weights::default().with_class(per_row),
            _ => Weights::NONE,
        };
        let w = evaluate(&data, &weights);
        assert_eq!(w.mean, Some(plain.loss), "case {case}");
        // A mask is the weight 0.
        let mask: Vec<bool> = (0..m).map(|_| rng.below(3) != 0).collect();
        let zeroed: Vec<f64> = mask.iter().map(|&k| f64::from(u8::from(k))).collect();
        let (a, b) = (
            evaluate(
                &data,
                &Weights::default().with_mask(View::vector(&mask).array()),
            ),
            evaluate(&data, &Weights::samples(&zeroed)),
        );
        assert_eq!(a, b, "case {case}");
    }
}
