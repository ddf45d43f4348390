//! The conventions of PyTorch, Keras, scikit-learn and SciPy: each one's guard, divisor and
//! rescaling rule on hand-checkable inputs, through every formulation, float32 included.
//!
//! Values are compared exactly where the arithmetic is identical, otherwise against a
//! hand-written reference through each formulation's own a priori bound
//! (`Formulation::bound`), or against a published number through `matches_printed`.

use nalgebra::DMatrix;
use xent_core::tolerance::matches_printed;
use xent_core::{
    Array, BinaryProblem, CategoricalProblem, Convention, ConventionOptions, Conventional, Error,
    Precision, Problem, Targets, View,
};

fn row(values: &[f64]) -> Array<'_> {
    View::vector(values).array()
}

fn column(values: &[f64]) -> Array<'_> {
    View::column(values).array()
}

/// The binary problem of a binary convention.
fn binary<'c>(c: &'c Conventional<'_>) -> BinaryProblem<'c> {
    match c.problem() {
        Problem::Binary(p) => p,
        Problem::Categorical(_) => panic!("a binary convention gave a categorical problem"),
    }
}

fn options(precision: Precision) -> ConventionOptions {
    ConventionOptions {
        precision,
        ..ConventionOptions::default()
    }
}

/// Every formulation's conventional loss is within its own bound on the problem (twice
/// it: the reference is a hand-computed value of the same sum, not correctly rounded) of
/// `reference`, scaled to the divisor.
fn within(c: &Conventional<'_>, reference: f64) {
    let problem = c.problem();
    let scale = problem.samples() as f64 / c.divisor as f64;
    for f in xent_registry::all() {
        let e = problem.evaluate(*f);
        let value = c.loss(&e);
        // The bound is for −S/m; the divisor rescales it by m / divisor ≤ 1.
        assert!(
            f.bound(&problem, &e)
                .admits_pair(value / scale, reference / scale),
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
    assert_eq!(binary(&torch).log_floor(), Some(-100.0));
    assert_eq!(binary(&exact).log_floor(), None);
    for f in xent_registry::all() {
        assert_eq!(exact.loss(&exact.problem().evaluate(*f)), f64::INFINITY);
        let value = torch.loss(&torch.problem().evaluate(*f));
        assert_eq!(value, 100.0, "{}", f.name());
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
    let problem = torch.problem();
    for f in xent_registry::all() {
        let e = problem.evaluate(*f);
        let reference = -200.0 + 0.5f64.ln();
        assert!(
            f.bound(&problem, &e)
                .admits_pair(e.log_likelihood / 4.0, reference / 4.0),
            "{}: {}",
            f.name(),
            e.log_likelihood
        );
    }
    Ok(())
}

#[test]
fn pytorch_and_keras_binary_divide_by_elements_not_samples() -> xent_core::Result<()> {
    let a = DMatrix::from_row_slice(3, 2, &[0.9, 0.2, 0.7, 0.4, 0.35, 0.1]);
    let y = DMatrix::from_row_slice(3, 2, &[1.0, 0.0, 1.0, 0.0, 0.5, 0.0]);
    let exact = Convention::Exact.binary((&a).into(), (&y).into(), &Default::default())?;
    assert_eq!(exact.divisor, 2);
    assert!(exact.changes.is_empty());
    let exact_problem = exact.problem();
    // Keras's functions (in the input's precision); its Loss objects cast to float32 first.
    for convention in [Convention::Pytorch, Convention::KerasFunctional] {
        let c = convention.binary((&a).into(), (&y).into(), &Default::default())?;
        assert_eq!(c.divisor, 6, "{convention}");
        assert_eq!(c.changes, ["mean over 6 elements, not 2 samples"]);
        let problem = c.problem();
        for f in xent_registry::all() {
            // Nothing is clamped or clipped here: the same sum, within the two
            // evaluations' bounds (to the bits but for the fused path's scalar loop under
            // a floor), divided by 6 where the definition divides by 2.
            let (e, s) = (problem.evaluate(*f), exact_problem.evaluate(*f));
            assert_eq!(c.loss(&e), -e.log_likelihood / 6.0, "{}", f.name());
            let bound = f.bound(&problem, &e) + f.bound(&exact_problem, &s);
            assert!(
                bound.log_likelihood >= (e.log_likelihood - s.log_likelihood).abs(),
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
    let c = Convention::Pytorch.categorical((&z).into(), Targets::classes(&[0u8, 1]), &opts)?;
    assert_eq!((c.divisor, c.changes.len()), (2, 0));
    Ok(())
}

#[test]
fn keras_clips_at_1e_7_in_the_inputs_precision() -> xent_core::Result<()> {
    let (a, y) = ([0.0, 1.0], [1.0, 0.0]);
    // The function keeps the input's precision (the Loss object casts everything to float32).
    let f64_ = Convention::KerasFunctional.binary(row(&a), row(&y), &options(Precision::F64))?;
    let f32_ = Convention::KerasFunctional.binary(row(&a), row(&y), &options(Precision::F32))?;
    assert_eq!(
        f64_.changes,
        ["clip at 1e-7 (float64) changed 2 entries, first [0, 0]"]
    );
    let clipped = |c: &Conventional<'_>, j| binary(c).predictions().array().get_f64(0, j);
    assert_eq!(clipped(&f64_, 0), 1e-7);
    assert_eq!(clipped(&f32_, 0), f64::from(1e-7_f32));
    // 1 − 1e-7 rounded to float32 is 1 − 2^-23, so ln(1 − a) is ln(2^-23) exactly.
    assert_eq!(clipped(&f32_, 1), 1.0 - 2f64.powi(-23));
    let by_hand64 = -(1e-7f64.ln() + (-(1.0 - 1e-7f64)).ln_1p()) / 2.0;
    let by_hand32 = -(f64::from(1e-7_f32).ln() + (-(1.0 - 2f64.powi(-23))).ln_1p()) / 2.0;
    within(&f64_, by_hand64);
    within(&f32_, by_hand32);
    // Hand-checkable: ≈ 16.118 in float64 and ≈ 16.03 in float32 (ln 2^23 = 15.94).
    assert_eq!(matches_printed(by_hand64, "16.118"), Some(true));
    assert_eq!(matches_printed(by_hand32, "16.03"), Some(true));
    Ok(())
}

#[test]
fn keras_rescales_categorical_columns_that_exact_rejects() -> xent_core::Result<()> {
    let q = [0.2, 0.4, 0.6];
    let exact =
        Convention::Exact.categorical(column(&q), Targets::classes(&[1u8]), &Default::default());
    assert!(matches!(exact, Err(Error::ColumnSum { col: 0, .. })));
    let keras = Convention::KerasFunctional.categorical(
        column(&q),
        Targets::classes(&[1u8]),
        &Default::default(),
    )?;
    assert_eq!(keras.divisor, 1);
    assert_eq!(
        keras.changes,
        ["predictions rescaled by each sample's sum (column 0 sums to 1.2000000000000002)"]
    );
    // −ln(0.4 / 1.2) = ln 3.
    within(&keras, 3f64.ln());
    // A column summing to 0 cannot be rescaled: an error, not a NaN.
    let err = Convention::Keras.categorical(
        column(&[0.0, 0.0]),
        Targets::classes(&[0u8]),
        &Default::default(),
    );
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
        within(&c, -(eps.ln() + 0.5f64.ln()) / 2.0);
    }
    // float64: (52 ln 2 + ln 2) / 2; float32: (23 ln 2 + ln 2) / 2 = 12 ln 2.
    let f32_ =
        Convention::Sklearn.binary(row(&[0.0, 0.5]), row(&[1.0, 1.0]), &options(Precision::F32))?;
    within(&f32_, 12.0 * std::f64::consts::LN_2);
    // One probability per sample: more than one output is not log_loss's binary input.
    let two = Convention::Sklearn.binary(
        column(&[0.5, 0.5]),
        column(&[1.0, 1.0]),
        &Default::default(),
    );
    assert!(matches!(two, Err(Error::ConventionUnsupported { .. })));
    Ok(())
}

#[test]
fn sklearn_warns_about_columns_that_do_not_sum_to_one_and_does_not_rescale() -> xent_core::Result<()>
{
    let q = DMatrix::from_column_slice(3, 2, &[0.2, 0.4, 0.6, 0.25, 0.5, 0.25]);
    let c = Convention::Sklearn.categorical(
        (&q).into(),
        Targets::classes(&[1u8, 1]),
        &Default::default(),
    )?;
    assert_eq!(c.warnings.len(), 1, "{:?}", c.warnings);
    assert!(c.warnings[0].contains("column 0 of pred sums to 1.2"));
    assert!(c.changes.is_empty());
    within(&c, -(0.4f64.ln() + 0.5f64.ln()) / 2.0);
    Ok(())
}

#[test]
fn scipy_normalises_predictions_and_targets_and_has_no_guard() -> xent_core::Result<()> {
    let (q, p) = ([0.2, 0.4, 0.6], [0.0, 0.5, 0.0]);
    let c = Convention::Scipy.categorical(
        column(&q),
        Targets::Dense(column(&p)),
        &Default::default(),
    )?;
    assert_eq!(c.changes.len(), 2, "{:?}", c.changes);
    assert!(c.changes[1].starts_with("targets rescaled by each sample's sum"));
    within(&c, 3f64.ln());
    // No guard: a zero probability under a positive weight is +∞; binary is the definition.
    let exact =
        Convention::Exact.binary(row(&[0.0, 0.3]), row(&[1.0, 0.0]), &Default::default())?;
    let scipy =
        Convention::Scipy.binary(row(&[0.0, 0.3]), row(&[1.0, 0.0]), &Default::default())?;
    assert_eq!(exact.problem(), scipy.problem());
    assert_eq!((exact.divisor, scipy.divisor), (2, 2));
    for f in xent_registry::all() {
        assert_eq!(scipy.loss(&scipy.problem().evaluate(*f)), f64::INFINITY);
    }
    Ok(())
}

#[test]
fn label_smoothing_is_pytorchs_and_keras_only() -> xent_core::Result<()> {
    // PyTorch's documented example: logits [2, 1, 0, −1, 0.5], class 0, ε = 0.1.
    let z = [2.0, 1.0, 0.0, -1.0, 0.5];
    let opts = ConventionOptions {
        from_logits: true,
        label_smoothing: Some(0.1),
        ..Default::default()
    };
    let c = Convention::Pytorch.categorical(column(&z), Targets::classes(&[0u8]), &opts)?;
    for f in xent_registry::all() {
        let value = c.loss(&c.problem().evaluate(*f));
        assert_eq!(
            matches_printed(value, "0.7244379"),
            Some(true),
            "{}: {value}",
            f.name()
        );
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
    assert_eq!(binary(&k).labels().get_f64(0, 0), 0.9);
    for convention in [Convention::Exact, Convention::Sklearn, Convention::Scipy] {
        let r = convention.categorical(column(&z), Targets::classes(&[0u8]), &opts);
        assert!(
            matches!(
                r,
                Err(Error::NoLabelSmoothing { .. }) | Err(Error::ConventionUnsupported { .. })
            ),
            "{convention}"
        );
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
    let r = Convention::Pytorch.categorical(column(&z), Targets::classes(&[0u8]), &wide);
    assert_eq!(r.map(|_| ()), Err(Error::LabelSmoothingRange(1.5)));
    Ok(())
}

#[test]
fn exact_is_the_definition_bit_for_bit() -> xent_core::Result<()> {
    let q = DMatrix::from_column_slice(3, 2, &[0.2, 0.7, 0.1, 0.6, 0.2, 0.2]);
    let direct = CategoricalProblem::with_classes(&q, &[1u8, 0])?;
    let c = Convention::Exact.categorical(
        (&q).into(),
        Targets::classes(&[1u8, 0]),
        &Default::default(),
    )?;
    assert_eq!(c.problem(), Problem::Categorical(direct));
    assert_eq!(c.divisor, 2);
    for f in xent_registry::all() {
        let e = f.categorical(&direct);
        assert_eq!(c.loss(&e), e.nats());
    }
    Ok(())
}
