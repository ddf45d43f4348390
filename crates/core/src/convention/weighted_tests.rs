//! Each convention's weighted reductions against the expression its library's documentation
//! and source give, computed here by hand from the inputs (`np.sum(w * l) / np.sum(w)`,
//! `np.average`, PyTorch's `Σ w_{y_n} l_n / Σ w_{y_n}`, Keras's `reduce_weighted_values`).
//!
//! The inputs are exact in float32 (Keras's Loss objects cast to it) and inside every clip,
//! so each library's arithmetic differs from the definition's only by its divisor and the
//! weights it applies: both sides are a few roundings of the same terms, compared within
//! [`tolerance::same_terms`] relative.

use super::*;
use crate::formulation::ReducedShape;
use crate::tolerance;

fn row(values: &[f64]) -> Array<'_> {
    crate::array::View::vector(values).array()
}

fn matrix(values: &[f64], rows: usize, cols: usize) -> Array<'_> {
    crate::array::View::col_major(values, rows, cols)
        .expect("rows · cols entries")
        .array()
}

/// The conventional problem's `S = Σ w·ln p`, summed term by term, as an evaluation.
fn evaluation(c: &Conventional<'_>) -> Evaluation {
    let p = c.problem();
    let s: f64 = match p {
        Problem::Binary(p) => p.weighted_logs().map(|(w, l)| w * l).sum(),
        Problem::Categorical(p) => (0..p.samples())
            .flat_map(|j| p.weighted_logs(j).collect::<Vec<_>>())
            .map(|(w, l)| w * l)
            .sum(),
    };
    Evaluation::new(s, p.samples(), ReducedShape::Scalar)
}

fn value(c: &Conventional<'_>) -> f64 {
    c.value(&evaluation(c)).expect("a scalar")
}

/// Within [`tolerance::same_terms`] of 18 terms (every case here has at most 9 per side).
#[track_caller]
fn near(got: f64, want: f64) {
    let bound = tolerance::same_terms(18) * want.abs();
    assert!((got - want).abs() <= bound, "{got} vs {want}");
}

fn sum(v: impl IntoIterator<Item = f64>) -> f64 {
    v.into_iter().sum()
}

// Binary, one output: a = [0.75, 0.25, 0.5], y = [1, 0, 1], w = [2, 1, 0.5].
const A: [f64; 3] = [0.75, 0.25, 0.5];
const Y: [f64; 3] = [1.0, 0.0, 1.0];
const W: [f64; 3] = [2.0, 1.0, 0.5];

/// The per-sample losses l = −[y ln a + (1 − y) ln(1 − a)].
fn bce() -> [f64; 3] {
    [-(0.75f64.ln()), -(0.75f64.ln()), -(0.5f64.ln())]
}

fn weighted(w: &[f64], reduction: Reduction) -> Weighting<'_> {
    Weighting::new(Weights::samples(w), reduction)
}

fn binary(
    c: Convention,
    a: &[f64],
    y: &[f64],
    weighting: Weighting<'_>,
    rows: usize,
) -> Result<Conventional<'static>> {
    // The arrays live for the test: leak them into 'static for brevity.
    let a: &'static [f64] = Box::leak(a.to_vec().into_boxed_slice());
    let y: &'static [f64] = Box::leak(y.to_vec().into_boxed_slice());
    let weights: &'static Weights<'static> = Box::leak(Box::new(match weighting.weights.sample {
        Some(s) => {
            let w: Vec<f64> = (0..s.len()).map(|j| crate::weights::entry(&s, j)).collect();
            Weights::samples(Box::leak(w.into_boxed_slice()))
        }
        None => Weights::NONE,
    }));
    let cols = a.len() / rows;
    c.binary_weighted(
        matrix(a, rows, cols),
        matrix(y, rows, cols),
        &ConventionOptions::default(),
        Weighting::new(*weights, weighting.reduction),
        &OutputsSamples,
    )
}

#[test]
fn binary_sample_weights_under_each_library() -> Result<()> {
    let l = bce();
    let wl = sum(W.iter().zip(&l).map(|(w, l)| w * l));
    let w_sum = sum(W);
    let m = 3.0;
    // (convention, reduction, the library's expression)
    let cases = [
        // The definition: np.sum(w * l) / np.sum(w).
        (Convention::Exact, Reduction::Mean, wl / w_sum),
        (Convention::Exact, Reduction::Sum, wl),
        // binary_cross_entropy(weight=w): np.mean(w * l), over the elements.
        (Convention::Pytorch, Reduction::Mean, wl / m),
        (Convention::Pytorch, Reduction::Sum, wl),
        // BinaryCrossentropy()(y, a, sample_weight=w): sum_over_batch_size is
        // np.sum(w * l) / batch size; mean_with_sample_weight np.sum(w * l) / np.sum(w).
        (Convention::Keras, Reduction::Mean, wl / m),
        (
            Convention::Keras,
            Reduction::MeanWithSampleWeight,
            wl / w_sum,
        ),
        (Convention::Keras, Reduction::Sum, wl),
        // log_loss(y, a, sample_weight=w): np.average(l, weights=w); normalize=False:
        // np.dot(l, w).
        (Convention::Sklearn, Reduction::Mean, wl / w_sum),
        (Convention::Sklearn, Reduction::Sum, wl),
    ];
    for (c, reduction, want) in cases {
        let got = binary(c, &A, &Y, weighted(&W, reduction), 1)?;
        near(value(&got), want);
        assert_eq!(got.reduction, reduction);
    }
    Ok(())
}

#[test]
fn binary_none_has_each_librarys_shape() -> Result<()> {
    // Two outputs, three samples (column-major): PyTorch's none is elementwise, Keras's the
    // mean over the outputs, exact's the sum.
    let a = [0.75, 0.5, 0.25, 0.25, 0.5, 0.125];
    let y = [1.0, 1.0, 0.0, 1.0, 1.0, 0.0];
    let elem: Vec<f64> = a
        .iter()
        .zip(&y)
        .map(|(&a, &y): (&f64, &f64)| if y == 1.0 { -a.ln() } else { -(1.0 - a).ln() })
        .collect();
    let torch = binary(
        Convention::Pytorch,
        &a,
        &y,
        weighted(&W, Reduction::None),
        2,
    )?;
    let u = torch.unreduced()?;
    assert_eq!((u.rows, u.samples), (2, 3));
    for (i, (got, l)) in u.values.iter().zip(&elem).enumerate() {
        near(*got, W[i / 2] * l);
    }
    assert!(
        torch.changes.contains(
            &"reduction='none' gives the (2, 3) elementwise losses, not one per sample".to_owned()
        ),
        "{:?}",
        torch.changes
    );
    let keras = binary(Convention::Keras, &a, &y, weighted(&W, Reduction::None), 2)?;
    let exact = binary(Convention::Exact, &a, &y, weighted(&W, Reduction::None), 2)?;
    let (ku, eu) = (keras.unreduced()?, exact.unreduced()?);
    assert_eq!((ku.rows, eu.rows), (1, 1));
    for j in 0..3 {
        let pair = elem[2 * j] + elem[2 * j + 1];
        near(ku.values[j], W[j] * pair / 2.0);
        near(eu.values[j], W[j] * pair);
    }
    // Their means: PyTorch over the 6 elements, Keras over the batch after the mean over
    // outputs (the same 6), exact over Σ w; Keras's sum is of the per-sample means.
    let total = sum((0..6).map(|i| W[i / 2] * elem[i]));
    near(torch.loss(&evaluation(&torch)), total / 6.0);
    near(keras.loss(&evaluation(&keras)), total / 6.0);
    near(exact.loss(&evaluation(&exact)), total / sum(W));
    let keras_sum = binary(Convention::Keras, &a, &y, weighted(&W, Reduction::Sum), 2)?;
    near(value(&keras_sum), total / 2.0);
    assert!(
        keras_sum.changes[0].starts_with("sum divides by n_y = 2"),
        "{:?}",
        keras_sum.changes
    );
    // A value is not asked of none.
    assert_eq!(torch.value(&evaluation(&torch)), Err(Error::NotScalar));
    Ok(())
}

#[test]
fn pos_weight_is_pytorchs_with_logits_only() -> Result<()> {
    // binary_cross_entropy_with_logits(z, y, pos_weight=p): −[p·y·ln σ(z) + (1 − y)·ln(1 − σ(z))],
    // mean over the elements.
    let z = [0.5, -1.0, 2.0];
    let p = [3.0];
    let weights = Weights::default().with_positive(row(&p));
    let logits = ConventionOptions {
        from_logits: true,
        ..Default::default()
    };
    let c = Convention::Pytorch.binary_weighted(
        row(&z),
        row(&Y),
        &logits,
        Weighting::new(weights, Reduction::Mean),
        &OutputsSamples,
    )?;
    let (ln_s, ln_1s) = (crate::math::ln_sigmoid, crate::math::ln_one_minus_sigmoid);
    let want = (-3.0 * ln_s(0.5) - ln_1s(-1.0) - 3.0 * ln_s(2.0)) / 3.0;
    near(value(&c), want);
    let probabilities = Convention::Pytorch.binary_weighted(
        row(&A),
        row(&Y),
        &ConventionOptions::default(),
        Weighting::new(weights, Reduction::Mean),
        &OutputsSamples,
    );
    let Err(Error::NoSuchOption {
        convention: "pytorch",
        option: "pos_weight",
        reason,
    }) = probabilities
    else {
        panic!("{probabilities:?}");
    };
    assert!(
        reason.contains("binary_cross_entropy_with_logits"),
        "{reason}"
    );
    Ok(())
}

// Categorical: three classes, three samples (columns), exact in float32.
const Q: [f64; 9] = [0.5, 0.25, 0.25, 0.125, 0.125, 0.75, 0.25, 0.5, 0.25];
const C: [f64; 3] = [1.0, 2.0, 0.5];

fn q(r: usize, j: usize) -> f64 {
    Q[3 * j + r]
}

fn categorical<'a>(
    c: Convention,
    classes: &'a [i64],
    weights: Weights<'a>,
    reduction: Reduction,
) -> Result<Conventional<'a>> {
    c.categorical_weighted(
        matrix(&Q, 3, 3),
        Targets::classes(classes),
        &ConventionOptions::default(),
        Weighting::new(weights, reduction),
        &OutputsSamples,
    )
}

#[test]
fn pytorch_ignores_minus_100_by_default_and_nothing_else() -> Result<()> {
    let classes = [0i64, 2, -100];
    let c = Weights::default().with_class(row(&C));
    // nll_loss(log q, y, weight=c): Σ c_{y_n}·(−ln q_{y_n}) / Σ c_{y_n} over the samples not
    // ignored; sample 2 (class -100) is out of both.
    let torch = categorical(Convention::Pytorch, &classes, c, Reduction::Mean)?;
    let want = (C[0] * -q(0, 0).ln() + C[2] * -q(2, 1).ln()) / (C[0] + C[2]);
    near(value(&torch), want);
    assert_eq!(torch.denominator, C[0] + C[2]);
    assert_eq!(
        torch.changes,
        [
            "class index -100 ignored at sample column 2 (PyTorch's default ignore_index=-100; \
          exact refuses it unless it is the ignored index)"
        ]
    );
    // none: (m,), 0 where ignored.
    let none = categorical(Convention::Pytorch, &classes, c, Reduction::None)?.unreduced()?;
    near(none.values[0], C[0] * -q(0, 0).ln());
    near(none.values[1], C[2] * -q(2, 1).ln());
    assert_eq!(none.values[2], 0.0);
    // Without weights: the mean over the 2 samples left.
    let plain = categorical(
        Convention::Pytorch,
        &classes,
        Weights::NONE,
        Reduction::Mean,
    )?;
    near(value(&plain), (-q(0, 0).ln() - q(2, 1).ln()) / 2.0);
    // The exact convention refuses -100 unless it is the ignored index ...
    let exact = categorical(Convention::Exact, &classes, Weights::NONE, Reduction::Mean);
    assert_eq!(
        exact.map(|_| ()),
        Err(Error::ClassIndex {
            sample: 2,
            value: -100.0,
            classes: 3
        })
    );
    let asked = Weights::default().with_ignore_index(-100);
    let exact = categorical(Convention::Exact, &classes, asked, Reduction::Mean)?;
    near(value(&exact), value(&plain));
    // ... and PyTorch any other negative index, or -100 when another index is ignored.
    for (classes, ignore) in [([0i64, 2, -1], None), ([0, 2, -100], Some(1))] {
        let w = match ignore {
            Some(i) => Weights::default().with_ignore_index(i),
            None => Weights::NONE,
        };
        let e = categorical(Convention::Pytorch, &classes, w, Reduction::Mean);
        assert_eq!(
            e.map(|_| ()),
            Err(Error::ClassIndex {
                sample: 2,
                value: classes[2] as f64,
                classes: 3
            })
        );
    }
    Ok(())
}

#[test]
fn pytorchs_mean_of_nothing_is_nan_where_exact_refuses_it() -> Result<()> {
    // cross_entropy(logits, tensor([-100, -100, -100])) is tensor(nan): 0 / 0.
    let classes = [-100i64; 3];
    let torch = categorical(
        Convention::Pytorch,
        &classes,
        Weights::NONE,
        Reduction::Mean,
    )?;
    assert_eq!(torch.denominator, 0.0);
    assert!(value(&torch).is_nan());
    assert!(
        torch.changes.iter().any(|c| c.contains("0 / 0 = nan")),
        "{:?}",
        torch.changes
    );
    // The same when the targets' classes all weigh 0 (weight=c with c_0 = c_2 = 0).
    let zero = [0.0, 1.0, 0.0];
    let weighted = categorical(
        Convention::Pytorch,
        &[0, 2, 0],
        Weights::default().with_class(row(&zero)),
        Reduction::Mean,
    )?;
    assert!(value(&weighted).is_nan());
    // sum is 0, not NaN; exact refuses the mean.
    let sum = categorical(Convention::Pytorch, &classes, Weights::NONE, Reduction::Sum)?;
    assert_eq!(value(&sum), 0.0);
    let asked = Weights::default().with_ignore_index(-100);
    let exact = categorical(Convention::Exact, &classes, asked, Reduction::Mean)?;
    assert_eq!(exact.value(&evaluation(&exact)), Err(Error::ZeroWeight));
    Ok(())
}

#[test]
fn pytorch_probability_targets_divide_by_m_whatever_the_class_weights() -> Result<()> {
    // cross_entropy(log q, P, weight=c) with class-probability targets:
    // −Σ c_r·P_rn·ln q_rn / N.
    let p = [1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.5, 0.5];
    let c = Weights::default().with_class(row(&C));
    let torch = Convention::Pytorch.categorical_weighted(
        matrix(&Q, 3, 3),
        Targets::Dense(matrix(&p, 3, 3)),
        &ConventionOptions::default(),
        Weighting::new(c, Reduction::Mean),
        &OutputsSamples,
    )?;
    let s = sum((0..9).map(|i| C[i % 3] * p[i] * -Q[i].ln()));
    near(value(&torch), s / 3.0);
    // Exact divides by Σ c̄_n = 1 + 0.5 + (2 + 0.5)/2.
    let w = C[0] + C[2] + (C[1] + C[2]) / 2.0;
    assert_eq!(
        torch.changes,
        [format!(
            "reduction='mean' divides by m = 3 samples, whatever the class weights \
             (class-probability targets), not exact's Σ w = {w}"
        )]
    );
    Ok(())
}

#[test]
fn pytorch_label_smoothing_with_class_weights_divides_by_the_hard_targets_weights() -> Result<()> {
    // cross_entropy(z, y, weight=c, label_smoothing=ε) from Loss.cpp:
    // (1 − ε)·nll_loss(…, weight=c) + (ε/C)·Σ_n Σ_c c_c·(−ln q_cn) / Σ_n c_{y_n},
    // the sample of class -100 out of every sum.
    let eps = 0.25;
    let classes = [0i64, 2, -100];
    let options = ConventionOptions {
        label_smoothing: Some(eps),
        ..Default::default()
    };
    let torch = Convention::Pytorch.categorical_weighted(
        matrix(&Q, 3, 3),
        Targets::classes(&classes),
        &options,
        Weighting::new(Weights::default().with_class(row(&C)), Reduction::Mean),
        &OutputsSamples,
    )?;
    let w = C[0] + C[2];
    let nll = (C[0] * -q(0, 0).ln() + C[2] * -q(2, 1).ln()) / w;
    let smooth = sum((0..2).flat_map(|j| (0..3).map(move |r| C[r] * -q(r, j).ln()))) / w;
    near(value(&torch), (1.0 - eps) * nll + eps / 3.0 * smooth);
    Ok(())
}

#[test]
fn keras_masks_divide_by_the_samples_left() -> Result<()> {
    // SparseCategoricalCrossentropy(ignore_class=-1)(y, q, sample_weight=w): the ignored
    // sample is the loss's mask; apply_mask scales the valid entries by total / valid, so
    // sum_over_batch_size is np.sum(w·l·keep) / valid; mean_with_sample_weight divides by
    // np.sum(w·keep).
    let classes = [0i64, -1, 1];
    let l = [-q(0, 0).ln(), 0.0, -q(1, 2).ln()];
    let w = [2.0, 1.0, 0.5];
    let weights = Weights::samples(&w).with_ignore_index(-1);
    let wl = w[0] * l[0] + w[2] * l[2];
    for (reduction, want) in [
        (Reduction::Mean, wl / 2.0),
        (Reduction::MeanWithSampleWeight, wl / (w[0] + w[2])),
        (Reduction::Sum, wl),
    ] {
        let c = categorical(Convention::Keras, &classes, weights, reduction)?;
        near(value(&c), want);
    }
    let c = categorical(Convention::Keras, &classes, weights, Reduction::Mean)?;
    assert_eq!(
        c.changes.last().map(String::as_str),
        Some("sum_over_batch_size divides by the 2 unmasked samples (2), not exact's Σ w = 2.5")
    );
    // Without a mask, sum_over_batch_size divides by the batch size.
    let unmasked = [0i64, 2, 1];
    let c = categorical(
        Convention::Keras,
        &unmasked,
        Weights::samples(&w),
        Reduction::Mean,
    )?;
    let s = w[0] * -q(0, 0).ln() + w[1] * -q(2, 1).ln() + w[2] * -q(1, 2).ln();
    near(value(&c), s / 3.0);
    // Everything masked: divide_no_nan gives 0, where exact refuses the mean.
    let mask = [0u8, 0, 0];
    let all = Weights::default().with_mask(crate::array::View::vector(&mask).array());
    let c = categorical(Convention::Keras, &unmasked, all, Reduction::Mean)?;
    assert_eq!(value(&c), 0.0);
    let exact = categorical(Convention::Exact, &unmasked, all, Reduction::Mean)?;
    assert_eq!(exact.value(&evaluation(&exact)), Err(Error::ZeroWeight));
    Ok(())
}

#[test]
fn options_a_library_lacks_are_refused_naming_it() {
    let classes = [0i64, 2, 1];
    let w = [1.0, 2.0, 3.0];
    let mask = [1u8, 0, 1];
    let mask = Weights::default().with_mask(crate::array::View::vector(&mask).array());
    let cases: [(Convention, Weights<'_>, Reduction, &str); 8] = [
        (
            Convention::Sklearn,
            Weights::default().with_class(row(&C)),
            Reduction::Mean,
            "the sklearn convention has no class_weight: sklearn.metrics.log_loss takes \
             sample_weight and normalize only",
        ),
        (
            Convention::Sklearn,
            Weights::NONE,
            Reduction::None,
            "the sklearn convention has no reduction none: sklearn.metrics.log_loss returns one \
             float: normalize=True the weighted mean, normalize=False the weighted sum; it gives \
             no per-sample losses",
        ),
        (
            Convention::Pytorch,
            mask,
            Reduction::Mean,
            "the pytorch convention has no mask",
        ),
        (
            Convention::Pytorch,
            Weights::samples(&w),
            Reduction::Mean,
            "the pytorch convention has no sample_weight: the weight of \
             torch.nn.functional.cross_entropy and nll_loss is per class",
        ),
        (
            Convention::Scipy,
            Weights::samples(&w),
            Reduction::Mean,
            "the scipy convention has no sample_weight: scipy.stats.entropy takes no weights",
        ),
        (
            Convention::KerasFunctional,
            Weights::samples(&w),
            Reduction::Mean,
            "the keras-functional convention has no sample_weight",
        ),
        (
            Convention::Keras,
            Weights::default().with_class(row(&C)),
            Reduction::Mean,
            "the keras convention has no class_weight",
        ),
        (
            Convention::Exact,
            Weights::NONE,
            Reduction::MeanWithSampleWeight,
            "the exact convention has no reduction mean_with_sample_weight",
        ),
    ];
    for (c, weights, reduction, expected) in cases {
        let e = categorical(c, &classes, weights, reduction).expect_err(expected);
        assert!(matches!(e, Error::NoSuchOption { .. }), "{e:?}");
        assert!(e.to_string().starts_with(expected), "{e}");
    }
}

#[test]
fn weights_are_validated_under_every_convention() {
    let short = [1.0, 2.0];
    for c in [Convention::Pytorch, Convention::Keras, Convention::Sklearn] {
        let e = binary(c, &A, &Y, weighted(&short, Reduction::Mean), 1).map(|_| ());
        assert!(
            matches!(e, Err(Error::WeightCount { expected: 3, .. })),
            "{c}: {e:?}"
        );
    }
    let negative = [1.0, -2.0, 1.0];
    let e = binary(
        Convention::Keras,
        &A,
        &Y,
        weighted(&negative, Reduction::Mean),
        1,
    )
    .map(|_| ());
    assert!(matches!(e, Err(Error::BadWeight { index: 1, .. })), "{e:?}");
}

#[test]
fn unweighted_conventions_are_unchanged() -> Result<()> {
    // No weighting: the denominator is the divisor and no line is added.
    for c in Convention::ALL {
        let plain = c.binary(row(&A), row(&Y), &ConventionOptions::default())?;
        assert_eq!(plain.denominator, plain.divisor as f64, "{c}");
        assert_eq!(plain.reduction, Reduction::Mean);
        assert!(!plain.problem().is_weighted());
    }
    Ok(())
}
