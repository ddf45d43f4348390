//! Rendered reports, reviewed like code. Text reports round every number to 10 significant
//! digits and print bounds, not measured distances, so they are the same on every platform;
//! JSON snapshots pass through `stable` (numbers rounded, measured ulps masked) for the same
//! reason.

use nalgebra::DMatrix;
use serde_json::Value;
use xent_core::Kind;
use xent_expr::{CheckOptions, ExprError, Quantity, check, parse};

use crate::snapshot_settings;

fn report(src: &str, options: &CheckOptions) -> String {
    let result = parse(src)
        .map_err(ExprError::from)
        .and_then(|p| check(&p, options));
    match result {
        Ok(r) => r.render_text(),
        Err(e) => format!("error\n{}\n", e.render(src)),
    }
}

fn json(src: &str, options: &CheckOptions) -> Value {
    let program = parse(src).expect("parses");
    stable(check(&program, options).expect("checks").to_json())
}

/// Rounds every non-integer number to 10 significant digits (as text) and masks measured
/// distances, which depend on the platform's `ln` and on summation order.
fn stable(v: Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let v = if k == "ulps" && !v.is_null() {
                        Value::String("[measured]".into())
                    } else {
                        stable(v)
                    };
                    (k, v)
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(stable).collect()),
        Value::Number(n) if n.is_f64() => {
            let x = n.as_f64().unwrap_or(f64::NAN);
            Value::String(format!("{x:.9e}"))
        }
        other => other,
    }
}

const GIST_SUM: &str = "cost = -(1.0/m) * np.sum(Y*np.log(A) + (1-Y)*np.log(1-A))";
const GIST_DOT: &str = "cost = -(1.0/m) * (np.dot(np.log(A), Y.T) + np.dot(np.log(1-A), (1-Y).T))";
const GIST_COMMENT: &str =
    "cost = -(1.0/m) *np.sum( np.dot(np.log(A), Y.T) + np.dot(np.log(1-A), (1-Y).T))";
const QUESTION_DOT: &str =
    "logprobs = np.dot(Y, (np.log(A2)).T) + np.dot((1.0-Y),(np.log(1 - A2)).T)
cost = (-1/m) * logprobs";
const QUESTION_SUM: &str =
    "logprobs = np.sum(np.multiply(np.log(A2), Y) + np.multiply((1 - Y), np.log(1 - A2)))
cost = - logprobs / m";
const QUESTION_ASSCALAR: &str =
    "logprobs = np.dot(Y, (np.log(A2)).T) + np.dot((1.0-Y),(np.log(1 - A2)).T)
np.asscalar(logprobs)";
const FORMULA: &str = "-np.sum(p * np.log(q))";
const MISSING_TERM: &str = "-(1.0/m) * np.sum(Y*np.log(A))";
const MEAN: &str = "-np.mean(Y*np.log(A) + (1-Y)*np.log(1-A))";
const SIGN: &str = "(1.0/m) * np.sum(Y*np.log(A) + (1-Y)*np.log(1-A))";

#[test]
fn documents_expressions() {
    let binary = CheckOptions::new(Kind::Binary);
    snapshot_settings().bind(|| {
        insta::assert_snapshot!("gist_sum_style", report(GIST_SUM, &binary));
        insta::assert_snapshot!("gist_dot_style", report(GIST_DOT, &binary));
        insta::assert_snapshot!("gist_comment_sum_of_dot", report(GIST_COMMENT, &binary));
        insta::assert_snapshot!("question_dot_style", report(QUESTION_DOT, &binary));
        insta::assert_snapshot!("question_sum_style", report(QUESTION_SUM, &binary));
        // np.asscalar(logprobs) is the log-likelihood, the document's `logprobs`.
        let logprobs = CheckOptions::new(Kind::Binary).with_quantity(Quantity::LogLikelihood);
        insta::assert_snapshot!("question_asscalar", report(QUESTION_ASSCALAR, &logprobs));
        insta::assert_snapshot!(
            "formula_one_sample",
            report(FORMULA, &CheckOptions::new(Kind::Categorical))
        );
    });
}

#[test]
fn usual_mistakes() {
    let binary = CheckOptions::new(Kind::Binary);
    let tiny = CheckOptions::new(Kind::Binary).with_inputs(
        DMatrix::from_row_slice(1, 3, &[1e-20, 2e-18, 4e-17]),
        DMatrix::zeros(1, 3),
    );
    snapshot_settings().bind(|| {
        insta::assert_snapshot!("mistake_missing_term", report(MISSING_TERM, &binary));
        insta::assert_snapshot!("mistake_mean", report(MEAN, &binary));
        insta::assert_snapshot!("mistake_sign", report(SIGN, &binary));
        insta::assert_snapshot!(
            "mistake_log_one_minus_tiny",
            report("-np.sum(Y*np.log(A) + (1-Y)*np.log(1-A))/m", &tiny)
        );
        insta::assert_snapshot!(
            "mistake_not_aligned",
            report(
                "np.dot(Y, np.log(A2))",
                &CheckOptions::new(Kind::Binary).with_inputs(
                    DMatrix::from_row_slice(1, 8, &xent_core::published::BINARY_A),
                    DMatrix::from_row_slice(1, 8, &xent_core::published::BINARY_Y),
                )
            )
        );
    });
}

#[test]
fn json_reports() {
    let binary = CheckOptions::new(Kind::Binary);
    let example = CheckOptions::new(Kind::Binary).with_inputs(
        DMatrix::from_row_slice(1, 8, &xent_core::published::BINARY_A),
        DMatrix::from_row_slice(1, 8, &xent_core::published::BINARY_Y),
    );
    snapshot_settings().bind(|| {
        insta::assert_json_snapshot!("json_gist_dot_style", json(GIST_DOT, &binary));
        insta::assert_json_snapshot!("json_mistake_mean", json(MEAN, &binary));
        insta::assert_json_snapshot!("json_question_dot_on_example", json(QUESTION_DOT, &example));
    });
}
