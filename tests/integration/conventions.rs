//! The conventions of PyTorch, Keras, scikit-learn and SciPy: each one's guard, divisor and
//! rescaling rule on hand-checkable inputs, through every formulation, float32 included.
//!
//! Values are compared exactly where the arithmetic is identical, otherwise against a
//! hand-written reference through the problem's a priori [`ErrorBound`], or against a
//! published number through `matches_printed`.

use nalgebra::DMatrix;
use xent_core::convention::Targets;
use xent_core::tolerance::matches_printed;
use xent_core::{
    BinaryProblem, CategoricalProblem, Convention, ConventionOptions, Conventional, Error,
    ErrorBound, Precision,
};

use crate::formulations;

fn row(values: &[f64]) -> DMatrix<f64> {
    DMatrix::from_row_slice(1, values.len(), values)
}

fn options(precision: Precision) -> ConventionOptions {
    ConventionOptions {
        precision,
        ..ConventionOptions::default()
    }
}

/// Every formulation's conventional loss of a binary problem is within the problem's
/// bound of `reference` (a hand-computed value of the same sum), scaled to the divisor.
fn binary_within(c: &Conventional<BinaryProblem>, reference: f64) {
    let bound = ErrorBound::binary(&c.problem);
    let scale = c.problem.samples() as f64 / c.divisor as f64;
    for f in formulations() {
        let value = c.loss(&f.binary(&c.problem));
        // The bound is for −S/m; the divisor rescales it by m / divisor ≤ 1.
        assert!(
            bound.admits_pair(value / scale, reference / scale),
            "{}: {value} vs {reference}",
            f.name()
        );
    }
}

fn categorical_within(c: &Conventional<CategoricalProblem>, reference: f64) {
    let bound = ErrorBound::categorical(&c.problem);
    for f in formulations() {
        let value = c.loss(&f.categorical(&c.problem));
        assert!(
            bound.admits_pair(value, reference),
            "{}: {value} vs {reference}",
            f.name()
        );
    }
}

#[test]
fn pytorch_clamps_each_log_so_a_confident_wrong_prediction_costs_exactly_100()
-> xent_core::Result<()> {
    let exact = Convention::Exact.binary(row(&[0.0]), row(&[1.0]), &Default::default())?;
    let torch = Convention::Pytorch.binary(row(&[0.0]), row(&[1.0]), &Default::default())?;
    assert_eq!(torch.changes, ["log clamped at -100 at entry [0, 0]"]);
    assert_eq!(torch.problem.log_floor(), Some(-100.0));
    for f in formulations() {
        assert_eq!(exact.loss(&f.binary(&exact.problem)), f64::INFINITY);
        assert_eq!(torch.loss(&f.binary(&torch.problem)), 100.0, "{}", f.name());
    }
    // Both sides of the term are clamped; a zero weight still masks (0 · ln 0 = 0).
    let torch = Convention::Pytorch.binary(
        row(&[0.0, 1.0, 1.0, 0.5]),
        row(&[1.0, 0.0, 1.0, 1.0]),
        &Default::default(),
    )?;
    assert_eq!(
        torch.changes,
        ["logs clamped at -100 at 2 entries, first [0, 0]"]
    );
    for f in formulations() {
        let s = f.binary(&torch.problem).log_likelihood;
        let reference = -200.0 + 0.5f64.ln();
        assert!(
            ErrorBound::binary(&torch.problem).admits_difference(s / 4.0, reference / 4.0),
            "{}: {s}",
            f.name()
        );
    }
    Ok(())
}

#[test]
fn pytorch_and_keras_binary_divide_by_elements_not_samples() -> xent_core::Result<()> {
    let a = DMatrix::from_row_slice(3, 2, &[0.9, 0.2, 0.7, 0.4, 0.35, 0.1]);
    let y = DMatrix::from_row_slice(3, 2, &[1.0, 0.0, 1.0, 0.0, 0.5, 0.0]);
    let exact = Convention::Exact.binary(a.clone(), y.clone(), &Default::default())?;
    assert_eq!(exact.divisor, 2);
    assert!(exact.changes.is_empty());
    for convention in [Convention::Pytorch, Convention::Keras] {
        let c = convention.binary(a.clone(), y.clone(), &Default::default())?;
        assert_eq!(c.divisor, 6, "{convention}");
        assert_eq!(c.changes, ["mean over 6 elements, not 2 samples"]);
        let bound = ErrorBound::binary(&exact.problem);
        for f in formulations() {
            // Nothing is clamped or clipped here: the same sum (to the bits, but for the
            // fused path's scalar loop under a floor), divided by 6.
            let e = f.binary(&c.problem);
            assert_eq!(c.loss(&e), -e.log_likelihood / 6.0);
            let s = f.binary(&exact.problem).log_likelihood;
            assert!(
                (bound + bound).log_likelihood >= (e.log_likelihood - s).abs(),
                "{}",
                f.name()
            );
        }
    }
    // Categorical and from logits: PyTorch's cross_entropy divides by the samples.
    let z = DMatrix::from_row_slice(3, 2, &[2.0, 0.0, 1.0, 0.0, 0.0, 0.0]);
    let opts = ConventionOptions {
        from_logits: true,
        ..Default::default()
    };
    let c = Convention::Pytorch.categorical(z, Targets::Classes(vec![0, 1]), &opts)?;
    assert_eq!((c.divisor, c.changes.len()), (2, 0));
    Ok(())
}

#[test]
fn keras_clips_at_1e_7_in_the_inputs_precision() -> xent_core::Result<()> {
    let (a, y) = (row(&[0.0, 1.0]), row(&[1.0, 0.0]));
    let f64_ = Convention::Keras.binary(a.clone(), y.clone(), &options(Precision::F64))?;
    let f32_ = Convention::Keras.binary(a, y, &options(Precision::F32))?;
    assert_eq!(
        f64_.changes,
        ["clip at 1e-7 (float64) changed 2 entries, first [0, 0]"]
    );
    assert_eq!(f64_.problem.predictions().matrix()[0], 1e-7);
    assert_eq!(f32_.problem.predictions().matrix()[0], f64::from(1e-7_f32));
    // 1 − 1e-7 rounded to float32 is 1 − 2^-23, so ln(1 − a) is ln(2^-23) exactly.
    assert_eq!(f32_.problem.predictions().matrix()[1], 1.0 - 2f64.powi(-23));
    let by_hand64 = -(1e-7f64.ln() + (-(1.0 - 1e-7f64)).ln_1p()) / 2.0;
    let by_hand32 = -(f64::from(1e-7_f32).ln() + (-(1.0 - 2f64.powi(-23))).ln_1p()) / 2.0;
    binary_within(&f64_, by_hand64);
    binary_within(&f32_, by_hand32);
    // Hand-checkable: ≈ 16.118 in float64 and ≈ 16.03 in float32 (ln 2^23 = 15.94).
    assert_eq!(matches_printed(by_hand64, "16.118"), Some(true));
    assert_eq!(matches_printed(by_hand32, "16.03"), Some(true));
    Ok(())
}

#[test]
fn keras_rescales_categorical_columns_that_exact_rejects() -> xent_core::Result<()> {
    let q = DMatrix::from_column_slice(3, 1, &[0.2, 0.4, 0.6]);
    let exact =
        Convention::Exact.categorical(q.clone(), Targets::Classes(vec![1]), &Default::default());
    assert!(matches!(exact, Err(Error::ColumnSum { col: 0, .. })));
    let keras = Convention::Keras.categorical(q, Targets::Classes(vec![1]), &Default::default())?;
    assert_eq!(keras.divisor, 1);
    assert_eq!(
        keras.changes,
        ["predictions rescaled by their column sum (column 0 sums to 1.2000000000000002)"]
    );
    // −ln(0.4 / 1.2) = ln 3.
    categorical_within(&keras, 3f64.ln());
    // A column summing to 0 cannot be rescaled: an error, not a NaN.
    let zero = DMatrix::from_column_slice(2, 1, &[0.0, 0.0]);
    let err = Convention::Keras.categorical(zero, Targets::Classes(vec![0]), &Default::default());
    assert!(matches!(err, Err(Error::ZeroSum { col: 0, .. })));
    Ok(())
}

#[test]
fn sklearn_clips_at_the_machine_epsilon_of_the_dtype() -> xent_core::Result<()> {
    for (precision, eps) in [
        (Precision::F64, f64::EPSILON),
        (Precision::F32, f64::from(f32::EPSILON)),
    ] {
        let c =
            Convention::Sklearn.binary(row(&[0.0, 0.5]), row(&[1.0, 1.0]), &options(precision))?;
        assert_eq!(c.divisor, 2);
        assert_eq!(c.changes.len(), 1, "{:?}", c.changes);
        binary_within(&c, -(eps.ln() + 0.5f64.ln()) / 2.0);
    }
    // float64: (52 ln 2 + ln 2) / 2; float32: (23 ln 2 + ln 2) / 2 = 12 ln 2.
    let f32_ =
        Convention::Sklearn.binary(row(&[0.0, 0.5]), row(&[1.0, 1.0]), &options(Precision::F32))?;
    binary_within(&f32_, 12.0 * std::f64::consts::LN_2);
    // One probability per sample: more than one output is not log_loss's binary input.
    let two = Convention::Sklearn.binary(
        DMatrix::from_element(2, 1, 0.5),
        DMatrix::from_element(2, 1, 1.0),
        &Default::default(),
    );
    assert!(matches!(two, Err(Error::ConventionUnsupported { .. })));
    Ok(())
}

#[test]
fn sklearn_warns_about_columns_that_do_not_sum_to_one_and_does_not_rescale() -> xent_core::Result<()>
{
    let q = DMatrix::from_column_slice(3, 2, &[0.2, 0.4, 0.6, 0.25, 0.5, 0.25]);
    let c =
        Convention::Sklearn.categorical(q, Targets::Classes(vec![1, 1]), &Default::default())?;
    assert_eq!(c.warnings.len(), 1, "{:?}", c.warnings);
    assert!(c.warnings[0].contains("column 0 of pred sums to 1.2"));
    assert!(c.changes.is_empty());
    categorical_within(&c, -(0.4f64.ln() + 0.5f64.ln()) / 2.0);
    Ok(())
}

#[test]
fn scipy_normalises_predictions_and_targets_and_has_no_guard() -> xent_core::Result<()> {
    let q = DMatrix::from_column_slice(3, 1, &[0.2, 0.4, 0.6]);
    let p = DMatrix::from_column_slice(3, 1, &[0.0, 0.5, 0.0]);
    let c = Convention::Scipy.categorical(q, Targets::Matrix(p), &Default::default())?;
    assert_eq!(c.changes.len(), 2, "{:?}", c.changes);
    assert!(c.changes[1].starts_with("targets rescaled by their column sum"));
    categorical_within(&c, 3f64.ln());
    // No guard: a zero probability under a positive weight is +∞; binary is the definition.
    let exact =
        Convention::Exact.binary(row(&[0.0, 0.3]), row(&[1.0, 0.0]), &Default::default())?;
    let scipy =
        Convention::Scipy.binary(row(&[0.0, 0.3]), row(&[1.0, 0.0]), &Default::default())?;
    assert_eq!(exact.problem, scipy.problem);
    for f in formulations() {
        assert_eq!(scipy.loss(&f.binary(&scipy.problem)), f64::INFINITY);
    }
    Ok(())
}

#[test]
fn label_smoothing_is_pytorchs_and_keras_only() -> xent_core::Result<()> {
    // PyTorch's documented example: logits [2, 1, 0, −1, 0.5], class 0, ε = 0.1.
    let z = DMatrix::from_column_slice(5, 1, &[2.0, 1.0, 0.0, -1.0, 0.5]);
    let opts = ConventionOptions {
        from_logits: true,
        label_smoothing: Some(0.1),
        ..Default::default()
    };
    let c = Convention::Pytorch.categorical(z.clone(), Targets::Classes(vec![0]), &opts)?;
    for f in formulations() {
        let value = c.loss(&f.categorical(&c.problem));
        assert_eq!(matches_printed(value, "0.7244379"), Some(true), "{value}");
    }
    // Keras binary: toward 0.5; y = 1 with ε = 0.2 becomes 0.9.
    let k = Convention::Keras.binary(
        row(&[0.5]),
        row(&[1.0]),
        &ConventionOptions {
            label_smoothing: Some(0.2),
            ..Default::default()
        },
    )?;
    assert_eq!(k.problem.labels()[0], 0.9);
    for convention in [Convention::Exact, Convention::Sklearn, Convention::Scipy] {
        let r = convention.categorical(z.clone(), Targets::Classes(vec![0]), &opts);
        assert!(matches!(
            r,
            Err(Error::NoLabelSmoothing { .. }) | Err(Error::ConventionUnsupported { .. })
        ));
    }
    let r = Convention::Exact.binary(
        row(&[0.5]),
        row(&[1.0]),
        &ConventionOptions {
            label_smoothing: Some(0.1),
            ..Default::default()
        },
    );
    assert_eq!(
        r.map(|_| ()),
        Err(Error::NoLabelSmoothing {
            convention: "exact",
            kind: "binary"
        })
    );
    let wide = ConventionOptions {
        label_smoothing: Some(1.5),
        ..opts
    };
    let r = Convention::Pytorch.categorical(z, Targets::Classes(vec![0]), &wide);
    assert_eq!(r.map(|_| ()), Err(Error::LabelSmoothingRange(1.5)));
    Ok(())
}

#[test]
fn exact_is_the_definition_bit_for_bit() -> xent_core::Result<()> {
    let q = DMatrix::from_column_slice(3, 2, &[0.2, 0.7, 0.1, 0.6, 0.2, 0.2]);
    let direct = CategoricalProblem::with_classes(q.clone(), &[1, 0])?;
    let c = Convention::Exact.categorical(q, Targets::Classes(vec![1, 0]), &Default::default())?;
    assert_eq!(c.problem, direct);
    for f in formulations() {
        let e = f.categorical(&direct);
        assert_eq!(c.loss(&e), e.nats());
    }
    Ok(())
}
