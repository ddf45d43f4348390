//! Every number the source documents publish about cross-entropy, in one table, each row
//! citing its document by title, with the inputs it was computed on.
//!
//! Values are kept as the strings the documents print, so that how many digits were
//! published is part of the data: a 17-digit value is numpy's `repr` of an `f64` and is
//! compared in ulps, an 8-digit one (`0.09864328`) to half a unit in its last place.

use crate::array::View;
use crate::base::LogBase;
use crate::error::Result;
use crate::formulation::Formulation;
use crate::problem::{BinaryProblem, CategoricalProblem};
use crate::tolerance::{ErrorBound, matches_printed};
use crate::ulp::ulp_distance;

/// Title of the gist comparing the `np.sum` and `np.dot` styles.
pub const GIST: &str = "Deep Neural Network - cross entropy cost - np.sum vs np.dot styles";
/// Title of the question comparing `np.dot` with `np.multiply` + `np.sum`.
pub const QUESTION: &str = "Difference between np.dot and np.multiply with np.sum in binary cross-entropy loss calculation";
/// Title of the answer explaining the categorical formula and log bases.
pub const FORMULA: &str = "cross entropy loss formula";

/// The binary example of [`QUESTION`]: labels `Y` (one output, 8 samples).
pub const BINARY_Y: [f64; 8] = [1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 0.0];
/// The binary example of [`QUESTION`]: predictions `A2`.
pub const BINARY_A: [f64; 8] = [0.8, 0.2, 0.95, 0.92, 0.01, 0.93, 0.1, 0.02];
/// Its summed log-likelihood, printed by the `np.sum` style (`repr` of an `f64`).
pub const BINARY_LOGPROBS: &str = "-0.78914625761870361";
/// The same, printed by `np.asscalar` of the `np.dot` style's `(1, 1)` array.
pub const BINARY_ASSCALAR: &str = "-0.7891462576187036";
/// The same, printed by the `np.dot` style as the `(1, 1)` array `[[-0.78914626]]`.
pub const BINARY_LOGPROBS_DOT: &str = "-0.78914626";
/// Its cost, `−logprobs / m` with `m = 8` (the document leaves `m` implicit).
pub const BINARY_COST: &str = "0.09864328";

/// One categorical example of [`FORMULA`]: a one-hot target, a prediction, the loss.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CategoricalExample {
    /// Target distribution `p` over classes A, B, C.
    pub target: [f64; 3],
    /// Predicted distribution `q`.
    pub prediction: [f64; 3],
    /// The loss in nats, as printed.
    pub nats: &'static str,
}

/// The categorical examples of [`FORMULA`], target `[0, 1, 0]`.
pub const CATEGORICAL: [CategoricalExample; 4] = [
    CategoricalExample {
        target: [0.0, 1.0, 0.0],
        prediction: [0.228, 0.619, 0.153],
        nats: "0.47965000629754095",
    },
    CategoricalExample {
        target: [0.0, 1.0, 0.0],
        prediction: [0.001, 0.998, 0.001],
        nats: "0.0020020026706730793",
    },
    CategoricalExample {
        target: [0.0, 1.0, 0.0],
        prediction: [0.001, 0.001, 0.998],
        nats: "6.907755278982137",
    },
    CategoricalExample {
        target: [0.0, 1.0, 0.0],
        prediction: [0.333, 0.333, 0.334],
        nats: "1.0996127890016931",
    },
];

/// The first example's loss as [`FORMULA`] quotes it in nats.
pub const CATEGORICAL_NATS_QUOTED: &str = "0.4797";

/// One value a document prints, cited by its document's title.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Published {
    /// A stable key (`question.cost`), how the verifier's catalogue cites it.
    pub key: &'static str,
    /// The document's title.
    pub document: &'static str,
    /// What it is the value of, in the document's words.
    pub what: &'static str,
    /// The digits as printed.
    pub printed: &'static str,
}

const fn row(
    key: &'static str,
    document: &'static str,
    what: &'static str,
    printed: &'static str,
) -> Published {
    Published {
        key,
        document,
        what,
        printed,
    }
}

/// Every value the documents print, in one table (the inputs they were computed on are the
/// constants above; the second example of [`QUESTION`] was printed without its inputs).
pub const VALUES: [Published; 18] = [
    row(
        "question.logprobs",
        QUESTION,
        "logprobs (np.sum)",
        BINARY_LOGPROBS,
    ),
    row(
        "question.asscalar",
        QUESTION,
        "np.asscalar(logprobs) (np.dot)",
        BINARY_ASSCALAR,
    ),
    row(
        "question.logprobs_dot",
        QUESTION,
        "logprobs (np.dot), [[-0.78914626]]",
        BINARY_LOGPROBS_DOT,
    ),
    row("question.cost", QUESTION, "cost", BINARY_COST),
    row(
        "question.second_logprobs",
        QUESTION,
        "the second run's logprobs (np.sum)",
        "-2.07917628312",
    ),
    row(
        "question.second_logprobs_dot",
        QUESTION,
        "the second run's logprobs (np.dot), [[-2.07917628]]",
        "-2.07917628",
    ),
    row(
        "question.second_cost",
        QUESTION,
        "the second run's cost",
        "0.693058761039",
    ),
    row(
        "question.second_squeezed",
        QUESTION,
        "the second run's np.squeeze(cost)",
        "0.6930587610394646",
    ),
    row(
        "formula.first",
        FORMULA,
        "-np.sum(p * np.log(q)), q = [0.228, 0.619, 0.153]",
        CATEGORICAL[0].nats,
    ),
    row("formula.loss", FORMULA, "\"the loss is\"", "0.479"),
    row(
        "formula.nats",
        FORMULA,
        "\"the loss is … nats\"",
        CATEGORICAL_NATS_QUOTED,
    ),
    row(
        "formula.optimised",
        FORMULA,
        "\"reduce the loss … to\"",
        "0.0",
    ),
    row(
        "formula.confident",
        FORMULA,
        "-np.sum(p * np.log(q)), q = [0.001, 0.998, 0.001]",
        CATEGORICAL[1].nats,
    ),
    row(
        "formula.confident_prose",
        FORMULA,
        "the same, in the prose",
        "0.002",
    ),
    row(
        "formula.wrong",
        FORMULA,
        "-np.sum(p * np.log(q)), q = [0.998, 0.001, 0.001]",
        CATEGORICAL[2].nats,
    ),
    row(
        "formula.wrong_prose",
        FORMULA,
        "the same, in the prose",
        "6.91",
    ),
    row(
        "formula.uniform",
        FORMULA,
        "-np.sum(p * np.log(q)), q = [0.333, 0.333, 0.334]",
        CATEGORICAL[3].nats,
    ),
    row(
        "formula.uniform_prose",
        FORMULA,
        "the same, in the prose",
        "1.10",
    ),
];

/// The row of [`VALUES`] with this key.
pub fn value(key: &str) -> Option<&'static Published> {
    VALUES.iter().find(|p| p.key == key)
}

/// Significant digits of a printed number: its digits without the sign, the leading zeros
/// and the exponent (`-0.78914625761870361` has 17, `0.0020020026706730793` 17). A value
/// printed with [`FULL_PRECISION_DIGITS`] or more is numpy's `repr` of an `f64`.
pub fn significant_digits(printed: &str) -> usize {
    let mantissa = printed.trim().split(['e', 'E']).next().unwrap_or("");
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    digits.trim_start_matches('0').len()
}

/// How many significant digits make a printed value an `f64` in full (numpy prints an `f64`
/// with 16 or 17, its shortest round-trip `repr`); fewer are compared as rounded digits.
pub const FULL_PRECISION_DIGITS: usize = 16;

/// The binary example of [`QUESTION`] as a problem.
pub fn binary_example() -> Result<BinaryProblem<'static>> {
    BinaryProblem::new(View::vector(&BINARY_A), View::vector(&BINARY_Y))
}

/// A categorical example of [`FORMULA`] as a one-sample problem.
pub fn categorical_example(e: &CategoricalExample) -> Result<CategoricalProblem<'_>> {
    CategoricalProblem::new(View::column(&e.prediction), View::column(&e.target))
}

/// One published value compared with what a formulation computes.
#[derive(Debug, Clone, PartialEq)]
pub struct Reproduction {
    /// What was compared, e.g. `binary logprobs`.
    pub subject: String,
    /// The value as the document prints it.
    pub published: &'static str,
    /// What the formulation computed.
    pub computed: f64,
    /// Ulp distance between the two (for full-precision values).
    pub ulps: Option<u64>,
    /// The bound it was held to, in ulps, or `None` when compared to printed digits.
    pub bound_ulps: Option<u64>,
    /// Whether it reproduces the published value.
    pub holds: bool,
}

/// Checks `computed` against a published value: a full-precision value (17 significant
/// digits, numpy's `repr`) is itself an evaluation within `bound` of the exact value, so the
/// two must lie within twice the bound of each other; a shorter one must round to what was
/// printed.
fn reproduce(subject: String, published: &'static str, computed: f64, bound: f64) -> Reproduction {
    let value: f64 = published.parse().unwrap_or(f64::NAN);
    if significant_digits(published) >= FULL_PRECISION_DIGITS {
        let ulps = ulp_distance(computed, value);
        let bound_ulps = (2.0 * bound / crate::ulp::ulp(value)).ceil() as u64;
        Reproduction {
            subject,
            published,
            computed,
            ulps: Some(ulps),
            bound_ulps: Some(bound_ulps),
            holds: ulps <= bound_ulps,
        }
    } else {
        Reproduction {
            subject,
            published,
            computed,
            ulps: None,
            bound_ulps: None,
            holds: matches_printed(computed, published).unwrap_or(false),
        }
    }
}

/// Every published value, reproduced by `formulation`. Formulation crates call this from
/// their tests; the verifier renders it.
pub fn reproduce_all(formulation: &dyn Formulation) -> Result<Vec<Reproduction>> {
    let mut out = Vec::new();
    let name = formulation.name();
    let problem = binary_example()?;
    let bound = ErrorBound::binary(&problem);
    let e = formulation.binary(&problem);
    out.push(reproduce(
        format!("{name}: binary logprobs"),
        BINARY_LOGPROBS,
        e.log_likelihood,
        bound.log_likelihood,
    ));
    out.push(reproduce(
        format!("{name}: binary logprobs (np.asscalar print)"),
        BINARY_ASSCALAR,
        e.log_likelihood,
        bound.log_likelihood,
    ));
    out.push(reproduce(
        format!("{name}: binary logprobs (dot print)"),
        BINARY_LOGPROBS_DOT,
        e.log_likelihood,
        bound.log_likelihood,
    ));
    out.push(reproduce(
        format!("{name}: binary cost, m = 8"),
        BINARY_COST,
        e.nats(),
        bound.absolute,
    ));
    for (i, example) in CATEGORICAL.iter().enumerate() {
        let problem = categorical_example(example)?;
        let bound = ErrorBound::categorical(&problem);
        let e = formulation.categorical(&problem);
        out.push(reproduce(
            format!("{name}: categorical q = {:?}", example.prediction),
            example.nats,
            e.nats(),
            bound.absolute,
        ));
        if i == 0 {
            out.push(reproduce(
                format!("{name}: categorical q = {:?} in nats", example.prediction),
                CATEGORICAL_NATS_QUOTED,
                e.in_base(LogBase::E),
                bound.absolute,
            ));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn significant_digits_skip_sign_leading_zeros_and_exponent() {
        for (printed, digits) in [
            ("-0.78914625761870361", 17),
            ("0.0020020026706730793", 17),
            ("6.907755278982137", 16),
            ("0.09864328", 7),
            ("1.5e-7", 2),
        ] {
            assert_eq!(significant_digits(printed), digits, "{printed}");
        }
    }

    #[test]
    fn every_key_is_cited_once_and_every_value_is_a_number() {
        for (i, p) in VALUES.iter().enumerate() {
            assert_eq!(
                value(p.key),
                Some(p),
                "{} is not the first with its key",
                p.key
            );
            assert!(p.printed.parse::<f64>().is_ok(), "{}", p.key);
            assert!(VALUES[..i].iter().all(|q| q.key != p.key));
        }
    }
}
