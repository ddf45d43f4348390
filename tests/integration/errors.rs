//! Every validation error, asserted as a value (its variant, what and where) and as the
//! message a person reads.

use nalgebra::DMatrix;
use xent_core::{Array, BinaryProblem, CategoricalProblem, Error, LogBase, Operand, Shape, View};

fn row(v: &[f64]) -> Array<'_> {
    View::vector(v).array()
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
        BinaryProblem::new(&DMatrix::<f64>::zeros(1, 0), &DMatrix::<f64>::zeros(1, 0)),
        Error::Empty {
            which: Operand::Predictions,
            shape: Shape { rows: 1, cols: 0 },
        },
        "pred is empty: shape (1, 0)",
    );
    check(
        CategoricalProblem::new(View::column(&[1.0]), &DMatrix::<f64>::zeros(0, 1)),
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
        BinaryProblem::new(row(&[0.5, 0.5, 0.5]), View::column(&[0.0; 3])),
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
        CategoricalProblem::with_classes(&q, &[0u8, 1]),
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
fn class_indices_out_of_range_negative_fractional_or_miscounted() {
    let q = DMatrix::from_column_slice(3, 2, &[0.2, 0.3, 0.5, 0.2, 0.3, 0.5]);
    let message = |value: &str| {
        format!("classes[1] = {value} is not a class index: there are 3 classes, numbered 0 to 2")
    };
    check(
        CategoricalProblem::with_classes(&q, &[0u64, 3]),
        Error::ClassIndex {
            sample: 1,
            value: 3.0,
            classes: 3,
        },
        &message("3"),
    );
    // Any integer dtype: a negative index is the value read, not a wrapped one.
    check(
        CategoricalProblem::with_classes(&q, &[0i64, -1]),
        Error::ClassIndex {
            sample: 1,
            value: -1.0,
            classes: 3,
        },
        &message("-1"),
    );
    // Class indices read from a float file (.csv): a whole number is an index, 1.5 is not.
    check(
        CategoricalProblem::with_classes(&q, &[2.0f64, 1.5]),
        Error::ClassIndex {
            sample: 1,
            value: 1.5,
            classes: 3,
        },
        &message("1.5"),
    );
    // From logits too: the same check, in core's validation.
    check(
        CategoricalProblem::from_logits_with_classes(&q, &[0i8, 5]),
        Error::ClassIndex {
            sample: 1,
            value: 5.0,
            classes: 3,
        },
        &message("5"),
    );
    check(
        CategoricalProblem::with_classes(&q, &[0u64]),
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
