//! The vocabulary of `xent`: what a cross-entropy problem is, and what computing it means.
//!
//! This crate holds what every formulation shares and nothing any one of them does:
//!
//! - validated problems, [`BinaryProblem`] and [`CategoricalProblem`] (either: [`Problem`]),
//!   from probabilities or logits, that **borrow** the caller's arrays ([`array`]: `f32` or
//!   `f64` predictions, float, integer or bool labels, class indices as indices, in either
//!   memory order) seen with **columns as samples** (the documents' `(n_y, m)` layout);
//!   nothing is copied, widened, transposed or one-hot expanded to build one;
//! - [`Error`], one enum naming what was wrong and where (`pred[0, 7] = 1.5 is not a
//!   probability in [0, 1]`);
//! - the masked log terms ([`BinaryTerms`], [`CategoricalTerms`]) every formulation reduces,
//!   with `0 · ln 0 = 0`, `ln(1 − a)` as `ln_1p(−a)`, and `−∞` kept where a positive weight
//!   meets a zero probability;
//! - [`LogBase`] and its units (nats, bits, bans);
//! - [`Convention`]: the rules of PyTorch, Keras, scikit-learn and SciPy (guard on the
//!   logarithm, divisor of the mean, rescaling), applied to the raw inputs;
//! - the [`Formulation`] trait and its [`Evaluation`], which records the shape of the
//!   intermediate result each formulation reduced (scalar, `(1, 1)`, `(n_y, n_y)`);
//! - [`Verdict`]: the one verdict type, a code with parameters, for every claim checked;
//! - [`rng`]: the one seeded generator every test, sweep and suite draws from;
//! - [`tolerance`]: every tolerance and error bound, named, with its reason; [`ulp`]:
//!   distances in units in the last place.
//!
//! It computes no loss itself: the formulations live in `xent-sum`, `xent-dot`,
//! `xent-matmul` (and `xent-fused`), and depend on this crate only.
//!
//! # Definitions
//!
//! Binary, predictions `A` and labels `Y`, both `n_y × m`, entries in [0, 1]:
//! `J = −(1/m) · Σ_ij [Y_ij·ln A_ij + (1 − Y_ij)·ln(1 − A_ij)]`.
//! Categorical, distributions `Q` and targets `P`, both `k × m`, columns summing to 1:
//! `J = −(1/m) · Σ_ij P_ij·ln Q_ij`. In base `b`, `J_b = J / ln b`.
//!
//! ```
//! use nalgebra::DMatrix;
//! use xent_core::{BinaryProblem, Error, LogBase, Operand};
//!
//! let a = DMatrix::from_row_slice(1, 3, &[0.8, 0.2, 1.5]);
//! let y = DMatrix::from_row_slice(1, 3, &[1.0, 0.0, 1.0]);
//! let err = BinaryProblem::new(&a, &y).unwrap_err();
//! assert_eq!(
//!     err,
//!     Error::OutOfRange { which: Operand::Predictions, row: 0, col: 2, value: 1.5 }
//! );
//! assert_eq!(err.to_string(), "pred[0, 2] = 1.5 is not a probability in [0, 1]");
//! assert_eq!("2".parse::<LogBase>()?.unit(), "bits");
//! # Ok::<(), Error>(())
//! ```

pub mod array;
pub mod base;
pub mod convention;
pub mod error;
pub mod formulation;
pub mod math;
pub mod problem;
pub mod published;
pub mod recipe;
pub mod rng;
pub mod tolerance;
pub mod ulp;
pub mod verdict;
pub mod weights;

pub use array::{Array, Dtype, Element, View};
pub use base::LogBase;
pub use convention::{
    Convention, ConventionOptions, Conventional, Locate, OutputsSamples, Precision, Unreduced,
    Weighting,
};
pub use error::{Error, Operand, Result, Shape};
pub use formulation::{Evaluation, Formulation, Kind, Numpy, ReducedShape, Style, evaluation_span};
pub use problem::{
    BinaryProblem, BinaryTerms, CategoricalProblem, CategoricalTerms, Predictions, Problem,
    ProblemData, Targets, TruthData, Unvalidated,
};
pub use tolerance::ErrorBound;
pub use verdict::Verdict;
pub use weights::{Reduction, Weights};

pub use nalgebra;
