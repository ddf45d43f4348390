//! Cross-entropy in the **matrix-product** style: a real product over the sample axis, then
//! the trace.
//!
//! ```text
//! S = tr(Y · ln Aᵀ + (1 − Y) · ln(1 − A)ᵀ)        binary: the product is n_y × n_y
//! S = tr(P · ln Qᵀ)                               categorical: the product is k × k
//! J = −S / m
//! ```
//!
//! This is the documents' `np.matmul(Y, np.log(A2).T) + np.matmul(1 - Y, np.log(1 - A2).T)`:
//! the whole `n_y × n_y` matrix is computed by nalgebra's matrix product (the
//! `matrixmultiply` GEMM once every dimension exceeds 5), and only its diagonal is the
//! cost. For one output it is the **`(1, 1)` array** the documents print; for `n_y > 1` its
//! off-diagonal entries pair labels of one output with predictions of another, are
//! meaningless (and may be NaN where a masked `−∞` meets a zero label), and are discarded by
//! the trace. Their cost is part of what the project measures, so this crate deliberately
//! does not shortcut the product into inner products (`xent-dot` does that).
//!
//! With weights (see `xent_core::weights`) they scale the label matrices first:
//! `np.matmul(w * Y, np.log(A).T) + np.matmul(w * (1 - Y), np.log(1 - A).T)`, its trace over
//! `np.sum(w)` for the mean.
//!
//! ```
//! use xent_core::{ErrorBound, Formulation, ReducedShape, published};
//! use xent_matmul::Matmul;
//!
//! // Y = [[1,0,1,1,0,1,0,0]], A2 = [[0.8,0.2,0.95,0.92,0.01,0.93,0.1,0.02]]
//! let problem = published::binary_example()?;
//! let e = Matmul.binary(&problem);
//! // The document's logprobs, -0.78914625761870361, is numpy's f64: both it and ours lie
//! // within the a priori bound of the exact sum, hence within twice of each other.
//! let bound = ErrorBound::binary(&problem).log_likelihood;
//! assert!((e.log_likelihood - -0.789_146_257_618_703_61).abs() <= 2.0 * bound);
//! assert_eq!(e.shape, ReducedShape::Matrix { rows: 1, cols: 1 });
//! # Ok::<(), xent_core::Error>(())
//! ```

use xent_core::{
    BinaryProblem, CategoricalProblem, Evaluation, Formulation, Kind, Numpy, ReducedShape, Style,
    evaluation_span,
};

/// The matrix-product formulation: `tr(Y · ln Aᵀ + (1 − Y) · ln(1 − A)ᵀ)`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Matmul;

impl Formulation for Matmul {
    fn name(&self) -> &'static str {
        "matmul"
    }

    fn style(&self) -> Style {
        Style {
            numpy: Some(Numpy::Matmul),
            binary: "np.matmul(Y, np.log(A).T) + np.matmul(1 - Y, np.log(1 - A).T)",
            categorical: "np.matmul(P, np.log(Q).T)",
            summary: "the full (n, n) matrix product, whose trace is the sum",
        }
    }

    fn binary(&self, problem: &BinaryProblem<'_>) -> Evaluation {
        let _span = evaluation_span(self.name(), Kind::Binary, problem.shape()).entered();
        let n = problem.outputs();
        let shape = ReducedShape::Matrix { rows: n, cols: n };
        // At scale 0, and with every term divided by 2^64 only if that trace overflowed.
        Evaluation::reduce(problem.samples(), shape, |scale| {
            let t = problem.log_terms_scaled(scale);
            let product = &t.y * t.ln_a.transpose() + &t.one_minus_y * t.ln_one_minus_a.transpose();
            product.trace()
        })
        .with_weight(problem.weight_total())
    }

    fn categorical(&self, problem: &CategoricalProblem<'_>) -> Evaluation {
        let _span = evaluation_span(self.name(), Kind::Categorical, problem.shape()).entered();
        let k = problem.classes_count();
        let shape = ReducedShape::Matrix { rows: k, cols: k };
        Evaluation::reduce(problem.samples(), shape, |scale| {
            let t = problem.log_terms_scaled(scale);
            let product = &t.p * t.ln_q.transpose();
            product.trace()
        })
        .with_weight(problem.weight_total())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use xent_core::published;

    #[test]
    fn reproduces_every_published_value() -> xent_core::Result<()> {
        let rows = published::reproduce_all(&Matmul)?;
        let failed: Vec<_> = rows.iter().filter(|r| !r.holds).collect();
        assert!(failed.is_empty(), "{failed:#?}");
        assert_eq!(rows.len(), 9);
        Ok(())
    }
}
