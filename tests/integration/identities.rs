//! Identities between problems that must have the same loss, and the edge cases of the
//! definition (`0 · ln 0`, `+∞`, tiny probabilities, extreme logits).

use nalgebra::DMatrix;
use xent_core::tolerance::{SIGMOID_ERROR_U, UNIT_ROUNDOFF};
use xent_core::{BinaryProblem, CategoricalProblem, ErrorBound, math};

use crate::formulations;

#[test]
fn class_indices_give_the_same_loss_as_one_hot_targets() -> xent_core::Result<()> {
    let q = DMatrix::from_column_slice(
        3,
        4,
        &[
            0.228, 0.619, 0.153, //
            0.001, 0.998, 0.001, //
            0.001, 0.001, 0.998, //
            0.333, 0.333, 0.334,
        ],
    );
    let classes = [1, 0, 2, 2];
    let mut p = DMatrix::zeros(3, 4);
    for (j, &c) in classes.iter().enumerate() {
        p[(c, j)] = 1.0;
    }
    let from_indices = CategoricalProblem::with_classes(q.clone(), &classes)?;
    let from_one_hot = CategoricalProblem::new(q, p)?;
    assert_eq!(from_indices.targets(), from_one_hot.targets());
    for f in formulations() {
        // The same inputs and the same arithmetic: the same bits.
        assert_eq!(
            f.categorical(&from_indices),
            f.categorical(&from_one_hot),
            "{}",
            f.name()
        );
    }
    Ok(())
}

#[test]
fn binary_equals_two_class_categorical() -> xent_core::Result<()> {
    // Multiples of 1/1024 make 1 − a and 1 − y exact, so both problems have the same exact
    // loss; they differ only in rounding (ln_1p(−a) against ln(1 − a)).
    let a: Vec<f64> = [819.0, 205.0, 973.0, 942.0, 10.0, 952.0, 102.0, 20.0]
        .iter()
        .map(|k| k / 1024.0)
        .collect();
    let y = [1.0, 0.0, 1.0, 0.75, 0.0, 1.0, 0.25, 0.0];
    let binary = BinaryProblem::new(
        DMatrix::from_row_slice(1, 8, &a),
        DMatrix::from_row_slice(1, 8, &y),
    )?;
    let two_rows =
        |v: &[f64]| DMatrix::from_fn(2, v.len(), |i, j| if i == 0 { v[j] } else { 1.0 - v[j] });
    let categorical = CategoricalProblem::new(two_rows(&a), two_rows(&y))?;
    let bound = ErrorBound::binary(&binary) + ErrorBound::categorical(&categorical);
    for f in formulations() {
        let (b, c) = (f.binary(&binary).nats(), f.categorical(&categorical).nats());
        assert!(bound.admits_difference(b, c), "{}: {b} vs {c}", f.name());
    }
    Ok(())
}

#[test]
fn zero_times_log_zero_is_zero() -> xent_core::Result<()> {
    // Certain and right: a = 0 under y = 0, a = 1 under y = 1.
    let problem = BinaryProblem::new(
        DMatrix::from_row_slice(1, 3, &[0.0, 1.0, 0.5]),
        DMatrix::from_row_slice(1, 3, &[0.0, 1.0, 1.0]),
    )?;
    let exact = std::f64::consts::LN_2 / 3.0;
    for f in formulations() {
        let j = f.binary(&problem).nats();
        assert!(
            ErrorBound::binary(&problem).admits(j, exact),
            "{}: {j}",
            f.name()
        );
    }
    let categorical =
        CategoricalProblem::with_classes(DMatrix::from_column_slice(3, 1, &[0.0, 1.0, 0.0]), &[1])?;
    for f in formulations() {
        assert_eq!(f.categorical(&categorical).nats(), 0.0, "{}", f.name());
    }
    Ok(())
}

#[test]
fn confident_wrong_prediction_costs_infinity() -> xent_core::Result<()> {
    // Two outputs, so the matmul's off-diagonal entries meet the −∞ too.
    let problem = BinaryProblem::new(
        DMatrix::from_row_slice(2, 2, &[0.0, 0.5, 0.5, 0.5]),
        DMatrix::from_row_slice(2, 2, &[1.0, 0.0, 0.0, 0.0]),
    )?;
    let categorical =
        CategoricalProblem::with_classes(DMatrix::from_column_slice(2, 1, &[1.0, 0.0]), &[1])?;
    for f in formulations() {
        assert_eq!(f.binary(&problem).nats(), f64::INFINITY, "{}", f.name());
        assert_eq!(
            f.categorical(&categorical).nats(),
            f64::INFINITY,
            "{}",
            f.name()
        );
    }
    Ok(())
}

#[test]
fn a_tiny_probability_under_label_zero_still_costs() -> xent_core::Result<()> {
    // −ln(1 − 1e-20) = 1e-20 + 5e-41: the correctly rounded loss is 1e-20, where the naive
    // (1 - a).ln() gives exactly 0.
    let m = 4;
    let problem = BinaryProblem::new(DMatrix::from_element(1, m, 1e-20), DMatrix::zeros(1, m))?;
    for f in formulations() {
        let j = f.binary(&problem).nats();
        assert!(
            ErrorBound::binary(&problem).admits(j, 1e-20),
            "{}: {j}",
            f.name()
        );
    }
    Ok(())
}

#[test]
fn from_logits_equals_from_probabilities() -> xent_core::Result<()> {
    let z = [-4.0, -1.5, -0.25, 0.0, 0.5, 2.0, 3.75, 6.0];
    let y = [0.0, 1.0, 0.0, 1.0, 0.5, 1.0, 0.0, 1.0];
    let a: Vec<f64> = z.iter().map(|&z: &f64| 1.0 / (1.0 + (-z).exp())).collect();
    let logits = BinaryProblem::from_logits(
        DMatrix::from_row_slice(1, 8, &z),
        DMatrix::from_row_slice(1, 8, &y),
    )?;
    let probs = BinaryProblem::new(
        DMatrix::from_row_slice(1, 8, &a),
        DMatrix::from_row_slice(1, 8, &y),
    )?;
    // a = σ(z)(1 + δ), |δ| ≤ SIGMOID_ERROR_U·u, moves y·ln a by y·|δ| and (1 − y)·ln(1 − a)
    // by (1 − y)·|δ|·a/(1 − a).
    let input: f64 = a
        .iter()
        .zip(&y)
        .map(|(&a, &y)| SIGMOID_ERROR_U * UNIT_ROUNDOFF * (y + (1.0 - y) * a / (1.0 - a)))
        .sum::<f64>()
        / 8.0;
    let mut bound = ErrorBound::binary(&logits) + ErrorBound::binary(&probs);
    bound.absolute += input;
    for f in formulations() {
        let (l, p) = (f.binary(&logits).nats(), f.binary(&probs).nats());
        assert!(bound.admits_difference(l, p), "{}: {l} vs {p}", f.name());
    }

    // Categorical: a softmax column against its logits.
    let zc = [2.0, -1.0, 0.5];
    let lse = math::logsumexp(&zc);
    let q: Vec<f64> = zc.iter().map(|z| (z - lse).exp()).collect();
    let from_logits =
        CategoricalProblem::from_logits_with_classes(DMatrix::from_column_slice(3, 1, &zc), &[2])?;
    let from_probs = CategoricalProblem::with_classes(DMatrix::from_column_slice(3, 1, &q), &[2])?;
    let mut bound = ErrorBound::categorical(&from_logits) + ErrorBound::categorical(&from_probs);
    // exp of a value with absolute error ≤ |lse|·u, then rounded (LIBM): relative error of q.
    bound.absolute += (lse.abs() * UNIT_ROUNDOFF) + 2.0 * UNIT_ROUNDOFF;
    for f in formulations() {
        let (l, p) = (
            f.categorical(&from_logits).nats(),
            f.categorical(&from_probs).nats(),
        );
        assert!(bound.admits_difference(l, p), "{}: {l} vs {p}", f.name());
    }
    Ok(())
}

#[test]
fn extreme_logits_do_not_overflow() -> xent_core::Result<()> {
    let z = DMatrix::from_row_slice(1, 4, &[800.0, -800.0, 800.0, -800.0]);
    let y = DMatrix::from_row_slice(1, 4, &[1.0, 0.0, 0.0, 1.0]);
    let problem = BinaryProblem::from_logits(z, y)?;
    // Right with certainty twice (cost 0), wrong by 800 nats twice: 1600 / 4.
    for f in formulations() {
        assert_eq!(f.binary(&problem).nats(), 400.0, "{}", f.name());
    }
    let zc = DMatrix::from_column_slice(3, 2, &[800.0, -800.0, 0.0, -800.0, 800.0, 800.0]);
    let problem = CategoricalProblem::from_logits_with_classes(zc, &[1, 2])?;
    for f in formulations() {
        // Sample 0: ln q_1 = −1600; sample 1: ln q_2 = −ln 2.
        let exact = (1600.0 + std::f64::consts::LN_2) / 2.0;
        let j = f.categorical(&problem).nats();
        assert!(
            ErrorBound::categorical(&problem).admits(j, exact),
            "{}: {j}",
            f.name()
        );
    }
    Ok(())
}
