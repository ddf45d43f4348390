//! `audit`: the caller's own loss function, `fn(A, Y)`, run on a seeded suite of problems
//! and judged against the oracle (`xent-oracle`); `verify`: the verifier's report.
//!
//! The suite follows the expression checker's (`xent-expr`'s suite is private to it, so
//! the problems are built here, from the same published example, ranges and probes): the
//! documents' example, random problems with `n_y = 1` and `n_y > 1`, `m = 1`, hard and soft
//! labels, predictions exactly 0 and 1, predictions below `2^-53`, `a = 1e-20` under label
//! 0, saturated logits (from logits), and a large `m`. Each value is measured in ulps of
//! the oracle's correctly rounded loss and judged in the expression checker's words.

use nalgebra::DMatrix;
use numpy::{PyArray1, PyArrayMethods, PyReadonlyArrayDyn, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use xent_core::ulp::ulp_distance;
use xent_core::{BinaryProblem, CategoricalProblem, ErrorBound, Kind, published};
use xent_expr::SuiteRng;
use xent_expr::tolerance::{
    FACTOR_ROUNDING_U, PREDICTION_RANGE, SOFT_LABEL_RANGE, TINY_PREDICTIONS, required_accuracy,
};

/// The default seed of the suite: the expression checker's.
pub(crate) const DEFAULT_SEED: u64 = xent_expr::tolerance::DEFAULT_SEED;

/// One problem of the suite, columns are samples.
struct Case {
    name: String,
    pred: DMatrix<f64>,
    labels: DMatrix<f64>,
    hard: bool,
    /// A probe of the edges: it judges NaN and accuracy, not the formula.
    probe: bool,
}

fn case(name: &str, pred: DMatrix<f64>, labels: DMatrix<f64>, probe: bool) -> Case {
    let hard = labels.iter().all(|&y| y == 0.0 || y == 1.0);
    Case {
        name: name.to_owned(),
        pred,
        labels,
        hard,
        probe,
    }
}

fn binary_random(rng: &mut SuiteRng, rows: usize, cols: usize, hard: bool, logits: bool) -> Case {
    let pred = DMatrix::from_fn(rows, cols, |_, _| {
        if logits {
            rng.uniform((-6.0, 6.0))
        } else {
            rng.uniform(PREDICTION_RANGE)
        }
    });
    let mut y = DMatrix::from_fn(rows, cols, |_, _| {
        if hard {
            rng.bit()
        } else {
            rng.uniform(SOFT_LABEL_RANGE)
        }
    });
    if hard && y.len() > 1 && y.iter().all(|&v| v == y[0]) {
        y[0] = 1.0 - y[0];
    }
    let labels = if hard { "hard" } else { "soft" };
    case(&format!("random, {labels} labels"), pred, y, false)
}

fn categorical_random(
    rng: &mut SuiteRng,
    rows: usize,
    cols: usize,
    hard: bool,
    logits: bool,
) -> Case {
    let mut q = DMatrix::from_fn(rows, cols, |_, _| {
        if logits {
            rng.uniform((-6.0, 6.0))
        } else {
            rng.uniform(PREDICTION_RANGE)
        }
    });
    let mut p = DMatrix::zeros(rows, cols);
    for j in 0..cols {
        if !logits {
            let s: f64 = q.column(j).sum();
            q.column_mut(j).iter_mut().for_each(|x| *x /= s);
        }
        if hard {
            p[(rng.below(rows), j)] = 1.0;
        } else {
            let col: Vec<f64> = (0..rows).map(|_| rng.uniform(SOFT_LABEL_RANGE)).collect();
            let s: f64 = col.iter().sum();
            for (i, x) in col.iter().enumerate() {
                p[(i, j)] = x / s;
            }
        }
    }
    let targets = if hard { "one-hot" } else { "soft" };
    case(&format!("random, {targets} targets"), q, p, false)
}

fn row(values: &[f64]) -> DMatrix<f64> {
    DMatrix::from_row_slice(1, values.len(), values)
}

/// The suite for `kind`, seeded.
fn suite(kind: Kind, logits: bool, seed: u64, large: usize) -> Vec<Case> {
    let mut rng = SuiteRng::new(seed);
    let mut out = Vec::new();
    match kind {
        Kind::Binary => {
            if !logits {
                out.push(case(
                    "the documents' example",
                    row(&published::BINARY_A),
                    row(&published::BINARY_Y),
                    false,
                ));
            }
            for (r, c, hard) in [
                (1, 6, true),
                (3, 5, true),
                (4, 1, true),
                (1, 6, false),
                (3, 4, false),
            ] {
                out.push(binary_random(&mut rng, r, c, hard, logits));
            }
            if logits {
                out.push(case(
                    "probe: saturated logits (z = ±40, ±800)",
                    row(&[40.0, -40.0, 800.0, -800.0, 3.0]),
                    row(&[1.0, 0.0, 0.0, 1.0, 1.0]),
                    true,
                ));
            } else {
                out.push(case(
                    "probe: confident and right (A = Y at some entries)",
                    row(&[0.9, 0.0, 1.0, 0.2, 0.7, 0.4]),
                    row(&[1.0, 0.0, 1.0, 0.0, 1.0, 0.0]),
                    true,
                ));
                out.push(case(
                    "probe: tiny predictions (Y = 0, A < 2^-53)",
                    row(&TINY_PREDICTIONS),
                    DMatrix::zeros(1, TINY_PREDICTIONS.len()),
                    true,
                ));
                out.push(case(
                    "probe: a = 1e-20 under label 0",
                    row(&[1e-20]),
                    row(&[0.0]),
                    true,
                ));
            }
            let mut big = binary_random(&mut rng, 1, large.max(1), true, logits);
            big.name = "large m, hard labels".into();
            out.push(big);
        }
        Kind::Categorical => {
            if !logits {
                let e = &published::CATEGORICAL[0];
                out.push(case(
                    "the documents' example",
                    DMatrix::from_column_slice(3, 1, &e.prediction),
                    DMatrix::from_column_slice(3, 1, &e.target),
                    false,
                ));
            }
            for (r, c, hard) in [(3, 8, true), (4, 1, true), (3, 5, false), (5, 2, false)] {
                out.push(categorical_random(&mut rng, r, c, hard, logits));
            }
            if logits {
                out.push(case(
                    "probe: saturated logits (z = ±1000)",
                    DMatrix::from_column_slice(3, 2, &[1000.0, 0.0, -1000.0, -1000.0, 0.0, 1000.0]),
                    DMatrix::from_column_slice(3, 2, &[1.0, 0.0, 0.0, 0.0, 1.0, 0.0]),
                    true,
                ));
            } else {
                out.push(case(
                    "probe: confident and right (Q = 0 where P = 0)",
                    DMatrix::from_column_slice(
                        3,
                        3,
                        &[0.0, 0.7, 0.3, 0.6, 0.4, 0.0, 0.0, 0.0, 1.0],
                    ),
                    DMatrix::from_column_slice(
                        3,
                        3,
                        &[0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0],
                    ),
                    true,
                ));
            }
            let mut big = categorical_random(&mut rng, 10, (large / 10).max(1), true, logits);
            big.name = "large m, one-hot targets".into();
            out.push(big);
        }
    }
    out
}

/// The oracle's loss and the a priori bound any careful evaluation meets.
fn reference(kind: Kind, logits: bool, c: &Case) -> Result<(f64, f64), String> {
    let (p, l) = (&c.pred, &c.labels);
    let (loss, bound) = match (kind, logits) {
        (Kind::Binary, false) => {
            let p = BinaryProblem::new(p, l).map_err(|e| e.to_string())?;
            (xent_oracle::try_binary(&p), ErrorBound::binary(&p))
        }
        (Kind::Binary, true) => {
            let p = BinaryProblem::from_logits(p, l).map_err(|e| e.to_string())?;
            (xent_oracle::try_binary(&p), ErrorBound::binary(&p))
        }
        (Kind::Categorical, false) => {
            let p = CategoricalProblem::new(p, l).map_err(|e| e.to_string())?;
            (
                xent_oracle::try_categorical(&p),
                ErrorBound::categorical(&p),
            )
        }
        (Kind::Categorical, true) => {
            let p = CategoricalProblem::from_logits(p, l).map_err(|e| e.to_string())?;
            (
                xent_oracle::try_categorical(&p),
                ErrorBound::categorical(&p),
            )
        }
    };
    let oracle = loss.map_err(|e| e.to_string())?;
    Ok((oracle.loss, bound.absolute))
}

/// What the caller's function returned on one case, judged.
struct Judged {
    outcome: &'static str,
    message: String,
    ok: bool,
}

/// Where `0 · ln 0` appears in a case: `a label is 0 and its prediction is 0`, …
fn zero_log_zero(kind: Kind, c: &Case) -> Option<&'static str> {
    let pairs = || c.pred.iter().zip(c.labels.iter());
    match kind {
        Kind::Binary => {
            if pairs().any(|(&a, &y)| a == 0.0 && y == 0.0) {
                Some("a label is 0 and its prediction is 0")
            } else if pairs().any(|(&a, &y)| a == 1.0 && y == 1.0) {
                Some("a label is 1 and its prediction is 1")
            } else {
                None
            }
        }
        Kind::Categorical => pairs()
            .any(|(&q, &p)| q == 0.0 && p == 0.0)
            .then_some("a target is 0 and its prediction is 0"),
    }
}

/// The factors a hand-written loss is typically off by, with why.
fn factors(rows: usize, samples: usize) -> Vec<(f64, String, &'static str)> {
    let (n, m) = (rows as f64, samples as f64);
    vec![
        (-1.0, "−1".into(), "a missing minus sign"),
        (
            m,
            "m".into(),
            "a sum over the samples where the loss averages",
        ),
        (1.0 / m, "1/m".into(), "divided by m twice"),
        (
            1.0 / n,
            "1/n_y".into(),
            "np.mean divides by n_y·m, the loss by m",
        ),
        (n, "n_y".into(), "multiplied by the number of outputs"),
        (
            1.0 / std::f64::consts::LN_2,
            "1/ln 2".into(),
            "np.log2: bits, not nats",
        ),
        (
            1.0 / std::f64::consts::LN_10,
            "1/ln 10".into(),
            "np.log10: bans, not nats",
        ),
        (0.5, "1/2".into(), "a factor 1/2"),
        (2.0, "2".into(), "a factor 2"),
    ]
}

fn judge(kind: Kind, c: &Case, value: f64, oracle: f64, bound: f64) -> Judged {
    let (rows, samples) = (c.labels.nrows(), c.labels.ncols());
    if value.is_nan() {
        return match zero_log_zero(kind, c) {
            Some(phrase) => Judged {
                outcome: "NaN at 0·log 0",
                message: format!(
                    "NaN where {phrase}: numpy computes 0 * -inf = nan where the definition \
                     takes 0·ln 0 = 0"
                ),
                ok: false,
            },
            None => Judged {
                outcome: "NaN",
                message: "NaN where the loss is a number".into(),
                ok: false,
            },
        };
    }
    let allowed = ErrorBound {
        absolute: required_accuracy(bound),
        log_likelihood: f64::INFINITY,
    };
    if allowed.admits(value, oracle) {
        return Judged {
            outcome: "equal",
            message: "equal: the value is the oracle's within the bound".into(),
            ok: true,
        };
    }
    if value.is_finite() && oracle.is_finite() && oracle != 0.0 {
        for (f, name, hint) in factors(rows, samples) {
            if f == 1.0 {
                continue;
            }
            let target = f * oracle;
            let slack = 2.0 * f.abs() * bound
                + FACTOR_ROUNDING_U * xent_core::tolerance::UNIT_ROUNDOFF * target.abs();
            if (value - target).abs() <= slack {
                return Judged {
                    outcome: "constant factor",
                    message: format!(
                        "differs by a constant factor: the value is {name} × the oracle's ({hint})"
                    ),
                    ok: false,
                };
            }
        }
        let error = (value - oracle).abs();
        let relative = error / oracle.abs();
        // Consistent with the loss but with digits lost: within a float32's worth of
        // relative error, or (a probe of the edges) every digit of a tiny loss lost.
        if relative <= 1e-3 || (c.probe && error <= oracle.abs() * (1.0 + 1e-9)) {
            return Judged {
                outcome: "inaccurate",
                message: format!(
                    "inaccurate: measured error {error:.3e} (relative {relative:.3e}, {} ulps), \
                     bound {:.3e}",
                    ulp_distance(value, oracle),
                    allowed.absolute
                ),
                ok: false,
            };
        }
    }
    Judged {
        outcome: "differs",
        message: format!("differs: {value:e} where the oracle gives {oracle:e}"),
        ok: false,
    }
}

/// Runs `f` (a Python callable `f(A, Y)`, its result converted to a float64 numpy array by
/// the Python side) on the suite and judges each value: a dict of cases.
#[pyfunction]
#[pyo3(signature = (f, kind="binary", from_logits=false, seed=DEFAULT_SEED, large=100_000))]
pub(crate) fn audit<'py>(
    py: Python<'py>,
    f: &Bound<'py, PyAny>,
    kind: &str,
    from_logits: bool,
    seed: u64,
    large: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let kind = match kind {
        "binary" => Kind::Binary,
        "categorical" => Kind::Categorical,
        other => {
            return Err(PyValueError::new_err(format!(
                "kind {other:?} is not \"binary\" or \"categorical\""
            )));
        }
    };
    let cases = suite(kind, from_logits, seed, large);
    let list = PyList::empty(py);
    let mut all_ok = true;
    for c in &cases {
        let (rows, cols) = c.labels.shape();
        let (oracle, bound) = py
            .detach(|| reference(kind, from_logits, c))
            .map_err(|e| PyValueError::new_err(format!("{}: {e}", c.name)))?;
        let d = PyDict::new(py);
        d.set_item("name", &c.name)?;
        d.set_item("shape", (rows, cols))?;
        d.set_item("labels", if c.hard { "hard" } else { "soft" })?;
        d.set_item("probe", c.probe)?;
        d.set_item("oracle", oracle)?;
        d.set_item("bound", required_accuracy(bound))?;
        d.set_item(
            "bound_ulps",
            ErrorBound {
                absolute: required_accuracy(bound),
                log_likelihood: 0.0,
            }
            .ulps_at(oracle),
        )?;
        // numpy's (n_y, m) layout, C order, as the documents hold A and Y.
        let to_numpy = |m: &DMatrix<f64>| -> PyResult<Bound<'py, PyAny>> {
            let v: Vec<f64> = m.transpose().as_slice().to_vec();
            Ok(PyArray1::from_vec(py, v).reshape([rows, cols])?.into_any())
        };
        let (a, y) = (to_numpy(&c.pred)?, to_numpy(&c.labels)?);
        let judged = match f.call1((a, y)) {
            Err(e) => {
                d.set_item("value", py.None())?;
                d.set_item("result_shape", py.None())?;
                d.set_item("ulps", py.None())?;
                Judged {
                    outcome: "raised",
                    message: format!("raised {}", e.value(py).repr()?.to_string_lossy()),
                    ok: false,
                }
            }
            Ok(result) => {
                let arr: PyReadonlyArrayDyn<'py, f64> = result.extract()?;
                let shape = arr.shape().to_vec();
                d.set_item("result_shape", shape.clone())?;
                let values = arr.as_array();
                if values.len() == 1 {
                    let value = values.iter().copied().next().unwrap_or(f64::NAN);
                    d.set_item("value", value)?;
                    d.set_item(
                        "ulps",
                        (!value.is_nan()).then(|| ulp_distance(value, oracle)),
                    )?;
                    let mut j = judge(kind, c, value, oracle, bound);
                    if !shape.is_empty() {
                        let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
                        j.message.push_str(&format!(
                            " (an array of shape ({}), not a scalar)",
                            dims.join(", ")
                        ));
                    }
                    j
                } else {
                    d.set_item("value", py.None())?;
                    d.set_item("ulps", py.None())?;
                    let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
                    let what = if shape.len() == 2 && shape[0] == shape[1] && shape[0] == rows {
                        let r = if kind == Kind::Binary { "n_y" } else { "k" };
                        format!("an ({r}, {r}) array where a scalar was meant")
                    } else {
                        "an array where a scalar was meant".into()
                    };
                    Judged {
                        outcome: "not one number",
                        message: format!("not one number: {what} (shape ({}))", dims.join(", ")),
                        ok: false,
                    }
                }
            }
        };
        all_ok &= judged.ok;
        d.set_item("outcome", judged.outcome)?;
        d.set_item("message", judged.message)?;
        d.set_item("ok", judged.ok)?;
        list.append(d)?;
    }
    let out = PyDict::new(py);
    out.set_item("kind", kind.as_str())?;
    out.set_item("from_logits", from_logits)?;
    out.set_item("seed", seed)?;
    out.set_item("cases", list)?;
    out.set_item("ok", all_ok)?;
    Ok(out)
}

/// The verifier's audit (the claims catalogue, peer vectors, the seeded sweep) rendered as
/// text, or as JSON for `format="json"`.
#[pyfunction]
#[pyo3(signature = (format="text", sweep=true))]
pub(crate) fn verify(py: Python<'_>, format: &str, sweep: bool) -> PyResult<(String, bool)> {
    if format != "text" && format != "json" {
        return Err(PyValueError::new_err(format!(
            "format {format:?} is not \"text\" or \"json\""
        )));
    }
    let options = xent_verify::AuditOptions {
        sweep,
        ..xent_verify::AuditOptions::default()
    };
    let json = format == "json";
    Ok(py.detach(|| {
        let report = xent_verify::audit(&options);
        let text = if json {
            report.render_json()
        } else {
            report.render_text()
        };
        (text, report.passed())
    }))
}
