//! Identities between problems that must have the same loss, and the edge cases of the
//! definition (`0 · ln 0`, `+∞`, tiny probabilities, extreme logits). Values are held to
//! each formulation's own a priori bound (`Formulation::bound`) where one side is exact.

use nalgebra::DMatrix;
use xent_core::tolerance::{SIGMOID_ERROR_U, UNIT_ROUNDOFF};
use xent_core::{
    BinaryProblem, CategoricalProblem, ErrorBound, Evaluation, Formulation, Problem, View, math,
};

/// `f`'s own bound on `problem`, given its evaluation `e`.
fn bound_of<'a>(
    f: &dyn Formulation,
    problem: impl Into<Problem<'a>>,
    e: &Evaluation,
) -> ErrorBound {
    f.bound(&problem.into(), e)
}

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
    let classes = [1u64, 0, 2, 2];
    let p = DMatrix::from_fn(3, 4, |i, j| f64::from(u8::from(classes[j] == i as u64)));
    let from_indices = CategoricalProblem::with_classes(&q, &classes)?;
    let from_one_hot = CategoricalProblem::new(&q, &p)?;
    for j in 0..4 {
        for i in 0..3 {
            assert_eq!(from_indices.target(i, j), p[(i, j)], "[{i}, {j}]");
            assert_eq!(from_one_hot.target(i, j), p[(i, j)], "[{i}, {j}]");
        }
    }
    for f in xent_registry::all() {
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
fn borrowed_dtypes_and_memory_orders_give_the_bits_of_the_widened_column_major_copy()
-> xent_core::Result<()> {
    // float32 predictions, bool and uint8 labels, a row-major (C order) view: every
    // formulation reads the same values as the f64 column-major copy, so the same bits.
    let a32 = [0.8f32, 0.2, 0.95, 0.92, 0.01, 0.93, 0.1, 0.02];
    let y = [true, false, true, true, false, true, false, false];
    let a64: Vec<f64> = a32.iter().map(|&v| f64::from(v)).collect();
    let y64: Vec<f64> = y.iter().map(|&v| f64::from(u8::from(v))).collect();
    let y8: Vec<u8> = y.iter().map(|&v| u8::from(v)).collect();
    let reference = BinaryProblem::new(View::vector(&a64), View::vector(&y64))?;
    let narrow = [
        BinaryProblem::new(View::vector(&a32), View::vector(&y))?,
        BinaryProblem::new(View::vector(&a32), View::vector(&y8))?,
    ];
    // The same 8 entries as a (2, 4) problem, C order against F order.
    let c_order = |v: &[f64]| -> Vec<f64> {
        (0..2)
            .flat_map(|r| (0..4).map(move |c| v[r + 2 * c]))
            .collect()
    };
    let (ac, yc) = (c_order(&a64), c_order(&y64));
    let row_major = BinaryProblem::new(
        View::row_major(&ac, 2, 4).expect("8 entries"),
        View::row_major(&yc, 2, 4).expect("8 entries"),
    )?;
    let col_major = BinaryProblem::new(
        View::col_major(&a64, 2, 4).expect("8 entries"),
        View::col_major(&y64, 2, 4).expect("8 entries"),
    )?;
    for f in xent_registry::all() {
        let e = f.binary(&reference);
        for p in &narrow {
            assert_eq!(f.binary(p), e, "{}: {:?}", f.name(), p.labels().dtype());
        }
        assert_eq!(f.binary(&row_major), f.binary(&col_major), "{}", f.name());
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
    let binary = BinaryProblem::new(View::vector(&a), View::vector(&y))?;
    let two_rows =
        |v: &[f64]| DMatrix::from_fn(2, v.len(), |i, j| if i == 0 { v[j] } else { 1.0 - v[j] });
    let (qa, py) = (two_rows(&a), two_rows(&y));
    let categorical = CategoricalProblem::new(&qa, &py)?;
    for f in xent_registry::all() {
        let (eb, ec) = (f.binary(&binary), f.categorical(&categorical));
        let bound = bound_of(*f, binary, &eb) + bound_of(*f, categorical, &ec);
        let (b, c) = (eb.nats(), ec.nats());
        assert!(bound.admits_difference(b, c), "{}: {b} vs {c}", f.name());
    }
    Ok(())
}

#[test]
fn zero_times_log_zero_is_zero() -> xent_core::Result<()> {
    // Certain and right: a = 0 under y = 0, a = 1 under y = 1.
    let problem = BinaryProblem::new(
        View::vector(&[0.0, 1.0, 0.5]),
        View::vector(&[0.0, 1.0, 1.0]),
    )?;
    let exact = std::f64::consts::LN_2 / 3.0;
    for f in xent_registry::all() {
        let e = f.binary(&problem);
        let j = e.nats();
        assert!(
            bound_of(*f, problem, &e).admits(j, exact),
            "{}: {j}",
            f.name()
        );
    }
    let categorical = CategoricalProblem::with_classes(View::column(&[0.0, 1.0, 0.0]), &[1u8])?;
    for f in xent_registry::all() {
        assert_eq!(f.categorical(&categorical).nats(), 0.0, "{}", f.name());
    }
    Ok(())
}

#[test]
fn confident_wrong_prediction_costs_infinity() -> xent_core::Result<()> {
    // Two outputs, so the matmul's off-diagonal entries meet the −∞ too.
    let (a, y) = (
        DMatrix::from_row_slice(2, 2, &[0.0, 0.5, 0.5, 0.5]),
        DMatrix::from_row_slice(2, 2, &[1.0, 0.0, 0.0, 0.0]),
    );
    let problem = BinaryProblem::new(&a, &y)?;
    let categorical = CategoricalProblem::with_classes(View::column(&[1.0, 0.0]), &[1u8])?;
    for f in xent_registry::all() {
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
    let (a, y) = ([1e-20; 4], [0.0; 4]);
    let problem = BinaryProblem::new(View::vector(&a), View::vector(&y))?;
    for f in xent_registry::all() {
        let e = f.binary(&problem);
        let j = e.nats();
        assert!(j > 0.0, "{}: {j}", f.name());
        assert!(
            bound_of(*f, problem, &e).admits(j, 1e-20),
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
    let logits = BinaryProblem::from_logits(View::vector(&z), View::vector(&y))?;
    let probs = BinaryProblem::new(View::vector(&a), View::vector(&y))?;
    // a = σ(z)(1 + δ), |δ| ≤ SIGMOID_ERROR_U·u, moves y·ln a by y·|δ| and (1 − y)·ln(1 − a)
    // by (1 − y)·|δ|·a/(1 − a).
    let input: f64 = a
        .iter()
        .zip(&y)
        .map(|(&a, &y)| SIGMOID_ERROR_U * UNIT_ROUNDOFF * (y + (1.0 - y) * a / (1.0 - a)))
        .sum::<f64>()
        / 8.0;
    for f in xent_registry::all() {
        let (el, ep) = (f.binary(&logits), f.binary(&probs));
        let mut bound = bound_of(*f, logits, &el) + bound_of(*f, probs, &ep);
        bound.absolute += input;
        let (l, p) = (el.nats(), ep.nats());
        assert!(bound.admits_difference(l, p), "{}: {l} vs {p}", f.name());
    }

    // Categorical: a softmax column against its logits.
    let zc = [2.0, -1.0, 0.5];
    let lse = math::logsumexp(&zc);
    let q: Vec<f64> = zc.iter().map(|z| (z - lse).exp()).collect();
    let from_logits = CategoricalProblem::from_logits_with_classes(View::column(&zc), &[2u8])?;
    let from_probs = CategoricalProblem::with_classes(View::column(&q), &[2u8])?;
    for f in xent_registry::all() {
        let (el, ep) = (f.categorical(&from_logits), f.categorical(&from_probs));
        let mut bound = bound_of(*f, from_logits, &el) + bound_of(*f, from_probs, &ep);
        // exp of a value with absolute error ≤ |lse|·u, then rounded (LIBM): relative error
        // of q.
        bound.absolute += (lse.abs() * UNIT_ROUNDOFF) + 2.0 * UNIT_ROUNDOFF;
        let (l, p) = (el.nats(), ep.nats());
        assert!(bound.admits_difference(l, p), "{}: {l} vs {p}", f.name());
    }
    Ok(())
}

#[test]
fn extreme_logits_do_not_overflow() -> xent_core::Result<()> {
    let (z, y) = ([800.0, -800.0, 800.0, -800.0], [1.0, 0.0, 0.0, 1.0]);
    let problem = BinaryProblem::from_logits(View::vector(&z), View::vector(&y))?;
    // Right with certainty twice (cost 0), wrong by 800 nats twice: 1600 / 4.
    for f in xent_registry::all() {
        assert_eq!(f.binary(&problem).nats(), 400.0, "{}", f.name());
    }
    let zc = DMatrix::from_column_slice(3, 2, &[800.0, -800.0, 0.0, -800.0, 800.0, 800.0]);
    let problem = CategoricalProblem::from_logits_with_classes(&zc, &[1u64, 2])?;
    // Sample 0: ln q_1 = −1600; sample 1: ln q_2 = −ln 2.
    let exact = (1600.0 + std::f64::consts::LN_2) / 2.0;
    for f in xent_registry::all() {
        let e = f.categorical(&problem);
        let j = e.nats();
        assert!(
            bound_of(*f, problem, &e).admits(j, exact),
            "{}: {j}",
            f.name()
        );
    }
    Ok(())
}
