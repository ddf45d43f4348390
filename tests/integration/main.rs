//! Cross-crate tests of `xent`: one binary, one module per concern. Every test loops over
//! the one list of formulations, [`xent_registry::all`], and selects a numpy style by what a
//! formulation declares (`style().numpy`), never by its name.
//!
//! - `published`: every value the source documents publish, through every formulation,
//!   and the shapes each reduces (scalar, `(1, 1)`, `(n_y, n_y)`);
//! - `identities`: class indices = one-hot, binary = two-class categorical, logits =
//!   probabilities, `0 · ln 0`, `+∞`, tiny probabilities, borrowed dtypes and orders;
//! - `conventions`: PyTorch's, Keras's, scikit-learn's and SciPy's guard, divisor and
//!   rescaling rule, through every formulation, float32 included;
//! - `errors`: every validation error, as a value, with its message;
//! - `properties`: quickcheck: the formulations agree within their bound on random problems;
//! - `repo`: repository rules (lints inherited, no toolchain file);
//! - `verifier`: the oracle and the verifier's properties;
//! - `fused`: the fused path's accuracy against the oracle and its determinism;
//! - `weighted`: weights, masks, ignored indices and per-sample losses: metamorphic
//!   properties (repeated samples, removed samples, uniform weights) through every
//!   formulation, and the fused path's guarantees on weighted inputs.

mod conventions;
mod errors;
mod fused;
mod identities;
mod properties;
mod published;
mod repo;
mod verifier;
mod weighted;

use xent_core::{Formulation, Numpy};

/// The formulation of the registry that reproduces the numpy style `style`. Panics unless
/// there is exactly one: tests that compare styles rely on it.
pub(crate) fn by_style(style: Numpy) -> &'static dyn Formulation {
    let mut found = xent_registry::all()
        .iter()
        .copied()
        .filter(|f| f.style().numpy == Some(style));
    let f = found
        .next()
        .unwrap_or_else(|| panic!("no formulation reproduces {style:?}"));
    assert!(
        found.next().is_none(),
        "two formulations reproduce {style:?}"
    );
    f
}
