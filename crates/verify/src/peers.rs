//! The second catalogue section, "peer test vectors": values published in the test suites
//! and documentation of optax, scikit-learn, Keras/TensorFlow, PyTorch and SciPy, each
//! checked under its library's [`Convention`] through every formulation and, where the
//! conventional problem is the definition's arithmetic (no clamp), the oracle.
//!
//! A vector holds when the oracle's value (or, with a clamp, every formulation's) and every
//! formulation's value reproduce the published digits
//! ([`xent_core::tolerance::matches_library`]: the printed digits for float64 libraries,
//! and the libraries' own `1e-6` test tolerance for values they computed in float32). The
//! report prints the oracle's value rounded to two digits more than the published ones, and
//! per formulation only whether it reproduces them, so nothing platform-dependent appears.

use nalgebra::DMatrix;
use serde::Serialize;
use xent_core::tolerance::{matches_library, matches_printed};
use xent_core::{
    Array, Convention, ConventionOptions, Conventional, Evaluation, Formulation, Kind, LogBase,
    Precision, Problem, ProblemData, Targets, TruthData,
};

use xent_oracle as oracle;

/// One published value of a peer library, checked under its convention.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeerVector {
    /// Short stable identifier (`P1`, `K2`, …).
    pub id: String,
    /// The library.
    pub library: String,
    /// The function whose value was published.
    pub function: String,
    /// Where the value is published.
    pub source: String,
    /// The inputs, as the library's users write them.
    pub inputs: Vec<String>,
    /// The convention (and input precision) it is checked under, and the log base.
    pub convention: String,
    /// The published value, as printed.
    pub published: String,
    /// The computed value (the oracle's, else the most accurate formulation's), rounded to
    /// two more decimals than the published value.
    pub computed: String,
    /// How the convention's value differs from the exact definition's, one line each.
    pub differences: Vec<String>,
    /// Each formulation, and whether its value reproduces the published digits.
    pub formulations: Vec<(String, bool)>,
    /// How the computed value reproduces the published one: its printed digits, or (a
    /// value the library computed in float32) only within the libraries' float32 test
    /// tolerance.
    pub reproduces: String,
    /// Whether the computed value and every formulation reproduce the published digits.
    pub holds: bool,
}

/// Inputs of one vector, in the documents' `(outputs, samples)` layout (columns are
/// samples, so a library's row per sample is a column here).
enum Input {
    Binary {
        outputs: usize,
        pred: &'static [f64],
        labels: &'static [f64],
    },
    Categorical {
        classes: usize,
        pred: &'static [f64],
        targets: Truth,
    },
}

enum Truth {
    Classes(&'static [usize]),
    Matrix(&'static [f64]),
}

struct Spec {
    id: &'static str,
    library: &'static str,
    function: &'static str,
    source: &'static str,
    inputs: &'static [&'static str],
    convention: Convention,
    precision: Precision,
    from_logits: bool,
    label_smoothing: Option<f64>,
    base: LogBase,
    input: Input,
    published: &'static str,
}

const OPTAX: &str = "optax softmax_cross_entropy_with_integer_labels docs/tests, \
                     as quoted to the project (the upstream file is not located)";

/// The catalogue of peer vectors.
fn specs() -> Vec<Spec> {
    vec![
        Spec {
            id: "P1",
            library: "optax",
            function: "softmax_cross_entropy_with_integer_labels (sample 0)",
            source: OPTAX,
            inputs: &["logits [10, 1, -2]", "label 1"],
            convention: Convention::Exact,
            precision: Precision::F32,
            from_logits: true,
            label_smoothing: None,
            base: LogBase::E,
            input: Input::Categorical {
                classes: 3,
                pred: &[10.0, 1.0, -2.0],
                targets: Truth::Classes(&[1]),
            },
            published: "9.00013",
        },
        Spec {
            id: "P2",
            library: "optax",
            function: "softmax_cross_entropy_with_integer_labels (sample 1)",
            source: OPTAX,
            inputs: &["logits [1, 4, 0.2]", "label 0"],
            convention: Convention::Exact,
            precision: Precision::F32,
            from_logits: true,
            label_smoothing: None,
            base: LogBase::E,
            input: Input::Categorical {
                classes: 3,
                pred: &[1.0, 4.0, 0.2],
                targets: Truth::Classes(&[0]),
            },
            published: "3.0696733",
        },
        Spec {
            id: "S1",
            library: "scikit-learn",
            function: "sklearn.metrics.log_loss",
            source: "scikit-learn log_loss tests/docs, as quoted to the project (the upstream file is not located)",
            inputs: &[
                "y_true [1, 0, 2]",
                "y_pred [[.2, .7, .1], [.6, .2, .2], [.6, .1, .3]]",
            ],
            convention: Convention::Sklearn,
            precision: Precision::F64,
            from_logits: false,
            label_smoothing: None,
            base: LogBase::E,
            input: Input::Categorical {
                classes: 3,
                pred: &[0.2, 0.7, 0.1, 0.6, 0.2, 0.2, 0.6, 0.1, 0.3],
                targets: Truth::Classes(&[1, 0, 2]),
            },
            published: "0.6904911",
        },
        Spec {
            id: "S2",
            library: "scikit-learn",
            function: "sklearn.metrics.log_loss",
            source: "https://scikit-learn.org/1.3/modules/generated/sklearn.metrics.log_loss.html \
                     (Examples: 0.21616...)",
            inputs: &[
                "y_true [\"spam\", \"ham\", \"ham\", \"spam\"] (ham = 0, spam = 1)",
                "y_pred [[.1, .9], [.9, .1], [.8, .2], [.35, .65]]",
            ],
            convention: Convention::Sklearn,
            precision: Precision::F64,
            from_logits: false,
            label_smoothing: None,
            base: LogBase::E,
            input: Input::Categorical {
                classes: 2,
                pred: &[0.1, 0.9, 0.9, 0.1, 0.8, 0.2, 0.35, 0.65],
                targets: Truth::Classes(&[1, 0, 0, 1]),
            },
            published: "0.21616",
        },
        Spec {
            id: "K1",
            library: "Keras",
            function: "keras.losses.BinaryCrossentropy()",
            source: "Keras BinaryCrossentropy tests (test_unweighted, float32 inputs), as \
                     quoted to the project (the upstream file is not located)",
            inputs: &[
                "y_true [[1, 0, 0], [0, 1, 0], [0, 0, 1]] (float32)",
                "y_pred [[.9, .1, .2], [.3, .8, .1], [.1, .2, .7]] (float32)",
            ],
            convention: Convention::Keras,
            precision: Precision::F32,
            from_logits: false,
            label_smoothing: None,
            base: LogBase::E,
            input: Input::Binary {
                outputs: 3,
                pred: &[0.9, 0.1, 0.2, 0.3, 0.8, 0.1, 0.1, 0.2, 0.7],
                labels: &[1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0],
            },
            published: "0.20046903",
        },
        Spec {
            id: "K2",
            library: "Keras",
            function: "tf.keras.losses.binary_crossentropy (sample 0)",
            source: "https://www.tensorflow.org/versions/r2.4/api_docs/python/tf/keras/losses/\
                     binary_crossentropy (array([0.916 , 0.714], dtype=float32))",
            inputs: &["y_true [0, 1]", "y_pred [0.6, 0.4]"],
            convention: Convention::Keras,
            precision: Precision::F32,
            from_logits: false,
            label_smoothing: None,
            base: LogBase::E,
            input: Input::Binary {
                outputs: 2,
                pred: &[0.6, 0.4],
                labels: &[0.0, 1.0],
            },
            published: "0.916",
        },
        Spec {
            id: "K3",
            library: "Keras",
            function: "tf.keras.losses.binary_crossentropy (sample 1)",
            source: "https://www.tensorflow.org/versions/r2.4/api_docs/python/tf/keras/losses/\
                     binary_crossentropy (array([0.916 , 0.714], dtype=float32))",
            inputs: &["y_true [0, 0]", "y_pred [0.4, 0.6]"],
            convention: Convention::Keras,
            precision: Precision::F32,
            from_logits: false,
            label_smoothing: None,
            base: LogBase::E,
            input: Input::Binary {
                outputs: 2,
                pred: &[0.4, 0.6],
                labels: &[0.0, 0.0],
            },
            published: "0.714",
        },
        Spec {
            id: "T1",
            library: "PyTorch",
            function: "torch.nn.functional.cross_entropy(label_smoothing=0.1)",
            source: "PyTorch cross_entropy with label_smoothing, as quoted to the project (the upstream file is not located)",
            inputs: &["logits [2, 1, 0, -1, 0.5]", "target class 0"],
            convention: Convention::Pytorch,
            precision: Precision::F32,
            from_logits: true,
            label_smoothing: Some(0.1),
            base: LogBase::E,
            input: Input::Categorical {
                classes: 5,
                pred: &[2.0, 1.0, 0.0, -1.0, 0.5],
                targets: Truth::Classes(&[0]),
            },
            published: "0.7244379",
        },
        Spec {
            id: "C1",
            library: "SciPy",
            function: "entropy(pk, base=2) + entropy(pk, qk, base=2)",
            source: "https://docs.scipy.org/doc/scipy/reference/generated/scipy.stats.entropy.html \
                     (Examples: the cross entropy, CE = 1.736965594166206)",
            inputs: &["pk [1/2, 1/2]", "qk [9/10, 1/10]", "base 2"],
            convention: Convention::Scipy,
            precision: Precision::F64,
            from_logits: false,
            label_smoothing: None,
            base: LogBase::TWO,
            input: Input::Categorical {
                classes: 2,
                pred: &[0.9, 0.1],
                targets: Truth::Matrix(&[0.5, 0.5]),
            },
            published: "1.736965594166206",
        },
    ]
}

/// The summed log-likelihood and the convention's divisor.
fn evaluate(c: &Conventional<'_>, f: &dyn Formulation) -> (Evaluation, usize) {
    (c.problem().evaluate(f), c.divisor)
}

/// The oracle's summed log-likelihood, where the problem is the definition's arithmetic
/// (no clamp on the logarithms).
fn oracle_of(c: &Conventional<'_>) -> Option<f64> {
    match c.problem() {
        Problem::Binary(p) if p.log_floor().is_none() => {
            oracle::try_binary(&p).ok().map(|o| o.log_likelihood)
        }
        Problem::Binary(_) => None,
        Problem::Categorical(p) => oracle::try_categorical(&p).ok().map(|o| o.log_likelihood),
    }
}

/// The spec's inputs as stored by the library: float32 inputs are the float32 values of the
/// printed decimals.
fn inputs(spec: &Spec) -> ProblemData {
    let stored = |v: &[f64]| -> Vec<f64> {
        match spec.precision {
            Precision::F64 => v.to_vec(),
            Precision::F32 => v.iter().map(|&x| f64::from(x as f32)).collect(),
        }
    };
    match &spec.input {
        Input::Binary {
            outputs,
            pred,
            labels,
        } => {
            let m = pred.len() / outputs;
            let a = DMatrix::from_column_slice(*outputs, m, &stored(pred));
            let y = DMatrix::from_column_slice(*outputs, m, &stored(labels));
            ProblemData::binary(a, y, spec.from_logits)
        }
        Input::Categorical {
            classes,
            pred,
            targets,
        } => {
            let m = pred.len() / classes;
            let q = DMatrix::from_column_slice(*classes, m, &stored(pred));
            match targets {
                Truth::Classes(c) => ProblemData::with_classes(
                    q,
                    c.iter().map(|&i| i as u64).collect(),
                    spec.from_logits,
                ),
                Truth::Matrix(p) => ProblemData::categorical(
                    q,
                    DMatrix::from_column_slice(*classes, m, &stored(p)),
                    spec.from_logits,
                ),
            }
        }
    }
}

fn apply<'a>(spec: &Spec, data: &'a ProblemData) -> xent_core::Result<Conventional<'a>> {
    let options = ConventionOptions {
        from_logits: spec.from_logits,
        precision: spec.precision,
        label_smoothing: spec.label_smoothing,
    };
    let pred = Array::from(&data.pred);
    match &data.truth {
        TruthData::Matrix(y) if data.kind == Kind::Binary => {
            spec.convention.binary(pred, y.into(), &options)
        }
        TruthData::Matrix(p) => {
            spec.convention
                .categorical(pred, Targets::Dense(p.into()), &options)
        }
        TruthData::Classes(c) => spec
            .convention
            .categorical(pred, Targets::classes(c), &options),
    }
}

/// `x` to two more decimals than `published` shows.
fn rounded_like(x: f64, published: &str) -> String {
    let decimals = published.split_once('.').map_or(0, |(_, d)| d.len());
    format!("{x:.*}", decimals + 2)
}

/// Every peer vector, checked through `formulations`.
pub(crate) fn vectors(formulations: &[&dyn Formulation]) -> Vec<PeerVector> {
    specs()
        .iter()
        .map(|spec| {
            let _span = tracing::info_span!("peer", id = spec.id).entered();
            let convention = format!(
                "{} ({}{}, base {})",
                spec.convention,
                spec.precision.name(),
                if spec.from_logits { ", logits" } else { "" },
                spec.base
            );
            let reproduces =
                |x: f64| matches_library(x, spec.published, spec.precision).unwrap_or(false);
            let mut v = PeerVector {
                id: spec.id.to_owned(),
                library: spec.library.to_owned(),
                function: spec.function.to_owned(),
                source: spec.source.to_owned(),
                inputs: spec.inputs.iter().map(|s| (*s).to_owned()).collect(),
                convention,
                published: spec.published.to_owned(),
                computed: String::new(),
                differences: Vec::new(),
                formulations: Vec::new(),
                reproduces: String::new(),
                holds: false,
            };
            let data = inputs(spec);
            let applied = match apply(spec, &data) {
                Ok(a) => a,
                Err(e) => {
                    v.computed = format!("error: {e}");
                    return v;
                }
            };
            let in_base = |s: f64, divisor: usize| spec.base.from_nats(-s / divisor as f64);
            for f in formulations {
                let (e, divisor) = evaluate(&applied, *f);
                let value = in_base(e.log_likelihood, divisor);
                v.formulations
                    .push((f.name().to_owned(), reproduces(value)));
            }
            let (best, divisor) = evaluate(&applied, xent_registry::production());
            let computed = oracle_of(&applied)
                .map(|s| in_base(s, divisor))
                .unwrap_or_else(|| in_base(best.log_likelihood, divisor));
            v.computed = rounded_like(computed, spec.published);
            v.differences = applied.changes.clone();
            v.holds = reproduces(computed) && v.formulations.iter().all(|(_, ok)| *ok);
            v.reproduces = if matches_printed(computed, spec.published) == Some(true) {
                "the printed digits".to_owned()
            } else if v.holds {
                "within the float32 libraries' test tolerance (rtol = atol = 1e-6), not the \
                 printed digits: the library's own float32 rounding (and, in tf.keras 2, \
                 ln(p + 1e-7)) moves its last digits"
                    .to_owned()
            } else {
                "no".to_owned()
            };
            v
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_peer_vector_holds() {
        for v in vectors(xent_registry::all()) {
            assert!(v.holds, "{v:?}");
        }
    }

    #[test]
    fn rounding_follows_the_published_digits() {
        assert_eq!(rounded_like(0.690_491_124, "0.6904911"), "0.690491124");
        assert_eq!(rounded_like(9.000_129_5, "9.00013"), "9.0001295");
    }
}
