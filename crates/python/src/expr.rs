//! `check`: a numpy-style loss expression judged by `xent-expr`, on the caller's arrays or
//! on its seeded suite. The report crosses as its text rendering and its JSON (the same
//! JSON as `xent check --format json`).

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use xent_core::{BinaryProblem, CategoricalProblem, Kind, LogBase};
use xent_expr::{CheckOptions, ExprError, Quantity};

use crate::ExpressionError;
use crate::arrays::{self, OneD, Placement, Places};

fn kind_of(kind: &str) -> PyResult<Kind> {
    match kind {
        "binary" => Ok(Kind::Binary),
        "categorical" => Ok(Kind::Categorical),
        other => Err(PyValueError::new_err(format!(
            "kind {other:?} is not \"binary\" or \"categorical\""
        ))),
    }
}

fn expression_error(source: &str, e: &ExprError) -> PyErr {
    ExpressionError::new_err(e.render(source))
}

/// Checks `expr` (see `xent.check`): `(text, json)`.
#[pyfunction]
#[pyo3(signature = (expr, predictions=None, labels=None, kind="binary", layout="cols", base="e", quantity="loss", seed=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn check<'py>(
    py: Python<'py>,
    expr: &str,
    predictions: Option<&Bound<'py, PyAny>>,
    labels: Option<&Bound<'py, PyAny>>,
    kind: &str,
    layout: &str,
    base: &str,
    quantity: &str,
    seed: Option<u64>,
) -> PyResult<(String, String)> {
    let kind = kind_of(kind)?;
    let rows = match layout {
        "cols" => false,
        "rows" => true,
        other => {
            return Err(PyValueError::new_err(format!(
                "layout {other:?} is not \"cols\" or \"rows\""
            )));
        }
    };
    let none = Places::default();
    let base: LogBase = base.parse().map_err(|e| none.error(py, &e))?;
    let quantity = match quantity {
        "loss" => Quantity::Loss,
        "log-likelihood" | "log_likelihood" => Quantity::LogLikelihood,
        other => {
            return Err(PyValueError::new_err(format!(
                "quantity {other:?} is not \"loss\" or \"log-likelihood\""
            )));
        }
    };
    let program =
        xent_expr::parse(expr).map_err(|e| expression_error(expr, &ExprError::from(e)))?;
    let mut options = CheckOptions::new(kind)
        .with_base(base)
        .with_quantity(quantity);
    if let Some(seed) = seed {
        options.seed = seed;
    }
    match (predictions, labels) {
        (None, None) => {}
        (Some(p), Some(l)) => {
            let (hp, hl) = (arrays::hold(p, "pred")?, arrays::hold(l, "labels")?);
            let one_d = match kind {
                Kind::Binary => OneD::Samples,
                Kind::Categorical => OneD::Sample,
            };
            let place = |h: &arrays::Held<'_>| Placement {
                shape: h.shape(),
                rows,
                one_d,
            };
            let places = Places {
                pred: Some(place(&hp)),
                truth: Some(place(&hl)),
                classes: None,
            };
            let a = arrays::array(&hp, places.pred.as_ref().expect("placed"), "pred")?;
            let y = arrays::array(&hl, places.truth.as_ref().expect("placed"), "labels")?;
            // Validated by xent-core first, so a bad entry is named in the caller's
            // coordinates before any expression runs (as `xent check` does with files).
            let valid = match kind {
                Kind::Binary => BinaryProblem::new(a, y).map(drop),
                Kind::Categorical => CategoricalProblem::new(a, y).map(drop),
            };
            valid.map_err(|e| places.error(py, &e))?;
            options = options.with_inputs(a.to_f64_matrix(), y.to_f64_matrix());
        }
        _ => {
            return Err(PyValueError::new_err(
                "give both the predictions and the labels (or targets), or neither (the \
                 seeded suite)",
            ));
        }
    }
    let report = py
        .detach(|| xent_expr::check(&program, &options))
        .map_err(|e| expression_error(expr, &e))?;
    Ok((report.render_text(), report.to_json().to_string()))
}
