//! Every validation error, asserted as a value (its variant, what and where) and as the
//! message a person reads.

use nalgebra::DMatrix;
use xent_core::{BinaryProblem, CategoricalProblem, Error, LogBase, Operand, Shape};

fn row(v: &[f64]) -> DMatrix<f64> {
    DMatrix::from_row_slice(1, v.len(), v)
}

fn check(result: Result<impl std::fmt::Debug, Error>, expected: Error, message: &str) {
    match result {
        Err(e) => {
            // Compared through Debug so that a NaN payload compares equal to itself.
            assert_eq!(format!("{e:?}"), format!("{expected:?}"));
            assert_eq!(e.to_string(), message);
        }
        Ok(v) => panic!("expected {expected:?}, got Ok({v:?})"),
    }
}

#[test]
fn empty_input() {
    check(
        BinaryProblem::new(DMatrix::zeros(1, 0), DMatrix::zeros(1, 0)),
        Error::Empty {
            which: Operand::Predictions,
            shape: Shape { rows: 1, cols: 0 },
        },
        "pred is empty: shape (1, 0)",
    );
    check(
        CategoricalProblem::new(DMatrix::from_element(1, 1, 1.0), DMatrix::zeros(0, 1)),
        Error::Empty {
            which: Operand::Targets,
            shape: Shape { rows: 0, cols: 1 },
        },
        "target is empty: shape (0, 1)",
    );
}

#[test]
fn shape_mismatch_names_both_shapes() {
    check(
        BinaryProblem::new(row(&[0.5, 0.5, 0.5]), DMatrix::zeros(3, 1)),
        Error::ShapeMismatch {
            left: Operand::Predictions,
            left_shape: Shape { rows: 1, cols: 3 },
            right: Operand::Labels,
            right_shape: Shape { rows: 3, cols: 1 },
        },
        "shapes differ: pred has shape (1, 3), labels has shape (3, 1)",
    );
}

#[test]
fn non_finite_entries_name_their_position() {
    check(
        BinaryProblem::new(row(&[0.5, f64::NAN]), row(&[1.0, 0.0])),
        Error::NonFinite {
            which: Operand::Predictions,
            row: 0,
            col: 1,
            value: f64::NAN,
        },
        "pred[0, 1] = NaN is not finite",
    );
}

#[test]
fn infinite_logits_are_rejected() {
    check(
        BinaryProblem::from_logits(row(&[1.0, f64::INFINITY]), row(&[1.0, 0.0])),
        Error::NonFinite {
            which: Operand::Logits,
            row: 0,
            col: 1,
            value: f64::INFINITY,
        },
        "logits[0, 1] = inf is not finite",
    );
}

#[test]
fn probabilities_and_labels_outside_zero_one() {
    check(
        BinaryProblem::new(
            row(&[0.8, 0.2, 0.95, 0.92, 0.01, 0.93, 0.1, 1.5]),
            row(&[1.0; 8]),
        ),
        Error::OutOfRange {
            which: Operand::Predictions,
            row: 0,
            col: 7,
            value: 1.5,
        },
        "pred[0, 7] = 1.5 is not a probability in [0, 1]",
    );
    check(
        BinaryProblem::new(row(&[0.5, 0.5]), row(&[1.0, -0.25])),
        Error::OutOfRange {
            which: Operand::Labels,
            row: 0,
            col: 1,
            value: -0.25,
        },
        "labels[0, 1] = -0.25 is not a probability in [0, 1]",
    );
}

#[test]
fn columns_that_do_not_sum_to_one() {
    let q = DMatrix::from_column_slice(3, 2, &[0.2, 0.3, 0.5, 0.2, 0.3, 0.4]);
    check(
        CategoricalProblem::with_classes(q, &[0, 1]),
        Error::ColumnSum {
            which: Operand::Predictions,
            col: 1,
            sum: 0.9,
            tolerance: 1e-6,
        },
        "column 1 of pred sums to 0.9, not 1 (tolerance 1e-6); \
         it is a sample and must be a probability distribution",
    );
}

#[test]
fn class_indices_out_of_range_or_miscounted() {
    let q = DMatrix::from_column_slice(3, 2, &[0.2, 0.3, 0.5, 0.2, 0.3, 0.5]);
    check(
        CategoricalProblem::with_classes(q.clone(), &[0, 3]),
        Error::ClassIndex {
            sample: 1,
            index: 3,
            classes: 3,
        },
        "classes[1] = 3 is out of range: there are 3 classes (0..3)",
    );
    check(
        CategoricalProblem::with_classes(q, &[0]),
        Error::ClassCount {
            classes: 1,
            samples: 2,
        },
        "1 class indices given for 2 samples: one per sample is required",
    );
}

#[test]
fn bases_that_are_not_bases() {
    check(
        "1".parse::<LogBase>(),
        Error::InvalidBase("1".to_owned()),
        "log base \"1\" is not a number > 0 and ≠ 1 (use e, 2, 10 or any such number)",
    );
    check(
        LogBase::new(-2.0),
        Error::InvalidBase("-2".to_owned()),
        "log base \"-2\" is not a number > 0 and ≠ 1 (use e, 2, 10 or any such number)",
    );
}
