//! Cross-crate tests of `xent`: one binary, one module per concern.
//!
//! - `published`: every value the source documents publish, through every formulation,
//!   and the shapes each reduces (scalar, `(1, 1)`, `(n_y, n_y)`);
//! - `identities`: class indices = one-hot, binary = two-class categorical, logits =
//!   probabilities, `0 · ln 0`, `+∞`, tiny probabilities;
//! - `conventions`: PyTorch's, Keras's, scikit-learn's and SciPy's guard, divisor and
//!   rescaling rule, through every formulation, float32 included;
//! - `errors`: every validation error, as a value, with its message;
//! - `properties`: quickcheck: the formulations agree within their bound on random problems;
//! - `repo`: repository rules (lints inherited, no toolchain file);
//! - `verifier`: the oracle and the verifier's properties;
//! - `fused`: the fused path's accuracy against the oracle and its determinism.

mod conventions;
mod errors;
mod fused;
mod identities;
mod properties;
mod published;
mod repo;
mod verifier;

use xent_core::Formulation;

/// Every formulation in the workspace, so tests loop instead of naming pairs.
pub(crate) fn formulations() -> Vec<Box<dyn Formulation>> {
    vec![
        Box::new(xent_sum::Sum),
        Box::new(xent_dot::Dot),
        Box::new(xent_matmul::Matmul),
        Box::new(xent_fused::Fused),
    ]
}
