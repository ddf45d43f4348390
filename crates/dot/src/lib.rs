//! Cross-entropy in the **dot-product** style: one inner product per row.
//!
//! ```text
//! S = Σ_i ⟨Y_i, ln A_i⟩ + ⟨(1 − Y)_i, ln(1 − A)_i⟩       binary, rows i = outputs
//! S = Σ_i ⟨P_i, ln Q_i⟩                               categorical, rows i = classes
//! J = −S / m
//! ```
//!
//! This is the documents' `np.dot(np.log(A), Y.T) + np.dot(np.log(1 - A), (1 - Y).T)` done
//! the way it is meant: each row of labels is paired with the matching row of log
//! predictions over the sample axis (nalgebra's `dot` on row views). For one output numpy
//! returns this inner product as a **`(1, 1)` array**, which is why the documents see
//! `[[-0.78914626]]`; for `n_y > 1` numpy's `np.dot` is the whole `(n_y, n_y)` matrix, of
//! which these inner products are the diagonal (and only its trace is the cost).
//!
//! With weights (see `xent_core::weights`) the weights go into the label rows, as a user
//! writes it: `np.dot(np.log(A), (w * Y).T) + np.dot(np.log(1 - A), (w * (1 - Y)).T)`,
//! divided by `np.sum(w)` for the mean (`pos_weight` and class weights scale the same rows).
//!
//! It does not compute the off-diagonal products (`xent-matmul` does) and it does not
//! validate (the problem types of `xent-core` did).
//!
//! ```
//! use xent_core::{ErrorBound, Formulation, ReducedShape, published};
//! use xent_dot::Dot;
//!
//! // Y = [[1,0,1,1,0,1,0,0]], A2 = [[0.8,0.2,0.95,0.92,0.01,0.93,0.1,0.02]]
//! let problem = published::binary_example()?;
//! let e = Dot.binary(&problem);
//! // The document's logprobs, -0.78914625761870361, is numpy's f64: both it and ours lie
//! // within the a priori bound of the exact sum, hence within twice of each other.
//! let bound = ErrorBound::binary(&problem).log_likelihood;
//! assert!((e.log_likelihood - -0.789_146_257_618_703_61).abs() <= 2.0 * bound);
//! assert_eq!(e.shape, ReducedShape::Diagonal { n: 1 });
//! // ... which the dot style prints as [[-0.78914626]], a (1, 1) array
//! assert_eq!(format!("[[{:.8}]]", e.log_likelihood), "[[-0.78914626]]");
//! assert_eq!(e.shape.to_string(), "(1, 1)");
//! # Ok::<(), xent_core::Error>(())
//! ```

use xent_core::{
    BinaryProblem, CategoricalProblem, Evaluation, Formulation, Kind, Numpy, ReducedShape, Style,
    evaluation_span,
};

/// The inner-product formulation: `Σ_i ⟨Y_i, ln A_i⟩ + ⟨(1 − Y)_i, ln(1 − A)_i⟩`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Dot;

impl Formulation for Dot {
    fn name(&self) -> &'static str {
        "dot"
    }

    fn style(&self) -> Style {
        Style {
            numpy: Some(Numpy::Dot),
            binary: "np.dot(np.log(A), Y.T) + np.dot(np.log(1 - A), (1 - Y).T)",
            categorical: "np.dot(np.log(Q), P.T)",
            summary: "one inner product per row over the samples: a (1, 1) array for one output",
        }
    }

    fn binary(&self, problem: &BinaryProblem<'_>) -> Evaluation {
        let _span = evaluation_span(self.name(), Kind::Binary, problem.shape()).entered();
        let shape = ReducedShape::Diagonal {
            n: problem.outputs(),
        };
        // At scale 0, and with every term divided by 2^64 only if that sum overflowed.
        Evaluation::reduce(problem.samples(), shape, |scale| {
            let t = problem.log_terms_scaled(scale);
            (0..problem.outputs())
                .map(|i| {
                    t.ln_a.row(i).dot(&t.y.row(i))
                        + t.ln_one_minus_a.row(i).dot(&t.one_minus_y.row(i))
                })
                .sum()
        })
        .with_weight(problem.weight_total())
    }

    fn categorical(&self, problem: &CategoricalProblem<'_>) -> Evaluation {
        let _span = evaluation_span(self.name(), Kind::Categorical, problem.shape()).entered();
        let shape = ReducedShape::Diagonal {
            n: problem.classes_count(),
        };
        Evaluation::reduce(problem.samples(), shape, |scale| {
            let t = problem.log_terms_scaled(scale);
            (0..problem.classes_count())
                .map(|i| t.ln_q.row(i).dot(&t.p.row(i)))
                .sum()
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
        let rows = published::reproduce_all(&Dot)?;
        let failed: Vec<_> = rows.iter().filter(|r| !r.holds).collect();
        assert!(failed.is_empty(), "{failed:#?}");
        assert_eq!(rows.len(), 9);
        Ok(())
    }
}
