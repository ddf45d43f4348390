//! Cross-entropy in the **elementwise** style: a Hadamard product, then one sum.
//!
//! ```text
//! S = Σ_ij (Y ∘ ln A + (1 − Y) ∘ ln(1 − A))_ij        binary
//! S = Σ_ij (P ∘ ln Q)_ij                              categorical
//! J = −S / m
//! ```
//!
//! This is the documents' `np.sum(np.multiply(Y, np.log(A)) + np.multiply(1 - Y, np.log(1 - A)))`:
//! the product of every entry is materialised as a matrix the size of the input
//! (`component_mul`), and the sum reduces it to a **scalar**. The log terms come masked from
//! `xent-core` (`0 · ln 0 = 0`, `ln(1 − a)` as `ln_1p(−a)`), which plain numpy does not do.
//!
//! With weights (see `xent_core::weights`) it is the numpy a user writes for a weighted
//! mean, `np.sum(w * (Y * np.log(A) + (1 - Y) * np.log(1 - A))) / np.sum(w)`, with the
//! weights folded into the label matrices first (`w * Y`, `w * (1 - Y)`, and `pos_weight`,
//! class weights likewise): the same terms, each product in another order, within the same
//! a priori bound. Its per-sample losses ([`Formulation::per_sample`], the reduction `none`)
//! are numpy's `-np.sum(..., axis=0)` of those products.
//!
//! It does not try to be fast (it allocates like numpy does; `xent-fused` is the fast path)
//! and it does not validate (the problem types of `xent-core` did).
//!
//! ```
//! use xent_core::{ErrorBound, Formulation, ReducedShape, published};
//! use xent_sum::Sum;
//!
//! // Y = [[1,0,1,1,0,1,0,0]], A2 = [[0.8,0.2,0.95,0.92,0.01,0.93,0.1,0.02]]
//! let problem = published::binary_example()?;
//! let e = Sum.binary(&problem);
//! // "logprobs = -0.78914625761870361", a scalar
//! // The document's logprobs, -0.78914625761870361, is numpy's f64: both it and ours lie
//! // within the a priori bound of the exact sum, hence within twice of each other.
//! let bound = ErrorBound::binary(&problem).log_likelihood;
//! assert!((e.log_likelihood - -0.789_146_257_618_703_61).abs() <= 2.0 * bound);
//! assert_eq!(e.shape, ReducedShape::Scalar);
//! assert_eq!(format!("{:.8}", e.nats()), "0.09864328"); // cost, m = 8
//! # Ok::<(), xent_core::Error>(())
//! ```

use xent_core::nalgebra::DMatrix;
use xent_core::{
    BinaryProblem, CategoricalProblem, Evaluation, Formulation, Kind, Numpy, Problem, ReducedShape,
    Style, evaluation_span,
};

/// The elementwise products whose sum is `S`: `w·Y ∘ ln A + w·(1 − Y) ∘ ln(1 − A)`, or
/// `w·P ∘ ln Q`, at `scale`.
fn elementwise(problem: &Problem<'_>, scale: i32) -> DMatrix<f64> {
    match problem {
        Problem::Binary(p) => {
            let t = p.log_terms_scaled(scale);
            t.y.component_mul(&t.ln_a) + t.one_minus_y.component_mul(&t.ln_one_minus_a)
        }
        Problem::Categorical(p) => {
            let t = p.log_terms_scaled(scale);
            t.p.component_mul(&t.ln_q)
        }
    }
}

/// The elementwise formulation: `(Y ∘ ln A + (1 − Y) ∘ ln(1 − A)).sum()`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sum;

impl Formulation for Sum {
    fn name(&self) -> &'static str {
        "sum"
    }

    fn style(&self) -> Style {
        Style {
            numpy: Some(Numpy::Sum),
            binary: "np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))",
            categorical: "np.sum(P * np.log(Q))",
            summary: "materialises the elementwise products, then sums them to a scalar",
        }
    }

    fn binary(&self, problem: &BinaryProblem<'_>) -> Evaluation {
        let _span = evaluation_span(self.name(), Kind::Binary, problem.shape()).entered();
        // At scale 0, and with every term divided by 2^64 only if that sum overflowed.
        Evaluation::reduce(problem.samples(), ReducedShape::Scalar, |scale| {
            elementwise(&Problem::Binary(*problem), scale).sum()
        })
        .with_weight(problem.weight_total())
    }

    fn categorical(&self, problem: &CategoricalProblem<'_>) -> Evaluation {
        let _span = evaluation_span(self.name(), Kind::Categorical, problem.shape()).entered();
        Evaluation::reduce(problem.samples(), ReducedShape::Scalar, |scale| {
            elementwise(&Problem::Categorical(*problem), scale).sum()
        })
        .with_weight(problem.weight_total())
    }

    /// `-np.sum(w * (…), axis=0)`: each column's products summed, negated (`0 − s`, so a
    /// sample of weight 0 is `0`, not `−0`).
    fn per_sample(&self, problem: &Problem<'_>) -> Option<Vec<f64>> {
        let columns = elementwise(problem, 0).row_sum();
        Some(columns.iter().map(|&s| 0.0 - s).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use xent_core::published;

    #[test]
    fn reproduces_every_published_value() -> xent_core::Result<()> {
        let rows = published::reproduce_all(&Sum)?;
        let failed: Vec<_> = rows.iter().filter(|r| !r.holds).collect();
        assert!(failed.is_empty(), "{failed:#?}");
        assert_eq!(rows.len(), 9);
        Ok(())
    }
}
