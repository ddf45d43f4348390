//! numpy-style loss expressions, checked symbolically and numerically against the definition
//! of cross-entropy.
//!
//! People write their loss as a numpy expression and then wonder whether it is right, why it
//! is a `(1, 1)` array, and whether an `np.sum` is missing. This crate answers with evidence:
//!
//! 1. [`parse`] reads the expression as Python would (`**` binds tighter than unary minus
//!    and is right-associative; `* / @` bind tighter than `+ -`, which bind tighter than the
//!    comparisons `< <= > >= == !=`), with names (`A`, `A2`, `AL`, `Q`, `q` the predictions;
//!    `Y`, `P`, `p` the labels or targets; `z`, `Z`, `logits` the logits, from logits; `y`,
//!    `classes` one class index per sample, for one-hot targets; `m`, `n_y`, `k` the sizes;
//!    earlier assignments), numbers (`1`, `1.0`, `1.`, `.5`, `1e-3`), `.T`, `np.`/`numpy.`
//!    functions (`sum`, `mean`, `nansum`, `max`/`amax`, `min`/`amin`, `dot`, `matmul`,
//!    `multiply`, `add`, `subtract`, `divide`, `negative`, `log`, `log2`, `log10`, `log1p`,
//!    `exp`, `clip`, `where`, `maximum`, `minimum`, `squeeze`, `asarray`, `arange`,
//!    `float32`, `asscalar`, `trace`, `transpose`, `array`), `scipy.special.xlogy` and
//!    `xlog1py` (also `special.xlogy` or `xlogy` after `from scipy… import`), methods
//!    (`.sum()`, `.mean()`, `.max()`, `.min()`, `.clip()`, `.item()`, `.squeeze()`,
//!    `.dot()`, `.shape[i]`), integer-array indexing (`Q[y, np.arange(m)]`: integers or
//!    integer arrays, one per dimension or one for the rows; no slices), `axis=` and
//!    `keepdims=`, `float(…)`, `print(…)`, `import numpy as np`, `import scipy.special`, and
//!    a short sequence of assignments (`logprobs = …` then `cost = …`, on separate lines or
//!    after `;`). A [`ParseError`] has the column and renders the line with a caret.
//! 2. [`check`] infers every sub-expression's shape with dimensions as symbols, by numpy's
//!    rules (broadcasting, `dot`/`matmul` alignment with the 1-D cases, reductions, `.T`,
//!    `squeeze`), and rejects what numpy rejects, with numpy's message
//!    (`shapes (1,8) and (1,8) not aligned: 8 (dim 1) != 1 (dim 0)`).
//! 3. It evaluates the expression with nalgebra and IEEE semantics like numpy's
//!    (`0 * -inf` is NaN, and the report says at which entry of which sub-expression), on
//!    given inputs or on a seeded suite: the documents' example, random problems with
//!    `n_y = 1` and `n_y > 1`, `m = 1` and `m > 1`, hard and soft labels, and two probes of
//!    the edges (predictions exactly 0 and 1, and predictions below `2^-53`).
//! 4. It compares each value with the reference loss (the oracle's correctly rounded value
//!    of the definition, `xent-oracle`), within `xent_core::ErrorBound` (the a priori bound
//!    every formulation is held to) plus a
//!    running error bound propagated through the expression's own evaluation
//!    ([`tolerance`] names and justifies every constant), and gives a [`Diagnosis`]: `equal`,
//!    `equal only when n_y = 1`, `differs by a constant factor` (`−1`, `m`, `1/n_y`,
//!    `1/ln 2`), `differs`, `NaN where a label is 0 and its prediction is 0`, or
//!    `inaccurate` (with the measured error and where the digits are lost). When a guard
//!    on the logarithm (`A + 1e-9`, `np.clip(A, eps, 1 - eps)`, `np.maximum(A, eps)`) is
//!    all that makes it differ (the same expression without it is the loss), the report's
//!    `perturbation` names it and its measured effect on the loss.
//! 5. [`claims`] reads and runs TOML claims files (the verifier's catalogue holds the source
//!    documents' claims in their own expressions, verbatim, and hands them to it).
//!
//! It does not run Python, and it is not a numpy: arrays have at most two dimensions, only
//! the functions above exist, indexing is `.shape[i]` and integer-array indexing (no slices,
//! no boolean masks), dtypes are `bool`, `int64`, `float32` and `float64` with numpy 2's
//! promotion (every value is held as an `f64`; float32 results are rounded to float32 after
//! each operation, see the evaluator's notes), and `/` is Python 3's true division.
//!
//! [`CheckOptions`] says what the expression is checked against: the kind
//! ([`CheckOptions::new`]), given predictions and labels ([`CheckOptions::with_inputs`]) or
//! predictions and class indices ([`CheckOptions::with_classes`]), both in the documents'
//! `(n_y, m)` layout, or arrays as the user's numpy holds them, evaluated unchanged while the
//! reference reads their samples' axis ([`CheckOptions::with_user_arrays`],
//! [`CheckOptions::with_user_classes`]), and whether the predictions are logits
//! ([`CheckOptions::with_from_logits`]).
//!
//! ```
//! use xent_core::Kind;
//! use xent_expr::{CheckOptions, check, parse};
//!
//! // The gist's "dot style": numpy accepts it, but it is the loss only for one output.
//! let program = parse("cost = -(1.0/m) * (np.dot(np.log(A), Y.T) + np.dot(np.log(1-A), (1-Y).T))")?;
//! let report = check(&program, &CheckOptions::new(Kind::Binary))?;
//! assert_eq!(report.verdict.code(), "equal only when n_y = 1");
//! assert_eq!(report.symbolic.as_ref().map(|s| s.shape.to_string()), Some("(n_y, n_y)".into()));
//! // On the documents' example (n_y = 1, m = 8) its value is the published cost.
//! assert_eq!(format!("{:.8}", report.value().unwrap_or(f64::NAN)), "0.09864328");
//!
//! // A mistake: np.mean divides by n_y·m, the loss by m.
//! let mean = parse("-np.mean(Y*np.log(A) + (1-Y)*np.log(1-A))")?;
//! let report = check(&mean, &CheckOptions::new(Kind::Binary))?;
//! assert_eq!(report.verdict.code(), "differs by a constant factor");
//! assert!(report.verdict.message().contains("1/n_y"));
//!
//! // numpy's refusal is an error with numpy's message.
//! let wrong = parse("np.dot(Y, np.log(A))")?;
//! let a = nalgebra::DMatrix::from_row_slice(1, 8, &xent_core::published::BINARY_A);
//! let y = nalgebra::DMatrix::from_row_slice(1, 8, &xent_core::published::BINARY_Y);
//! let err = check(&wrong, &CheckOptions::new(Kind::Binary).with_inputs(a, y)).unwrap_err();
//! assert!(err.to_string().contains("shapes (1,8) and (1,8) not aligned: 8 (dim 1) != 1 (dim 0)"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod ast;
mod check;
pub mod claims;
mod diagnosis;
mod error;
mod eval;
mod infer;
mod lex;
mod names;
mod parse;
mod perturb;
mod problems;
mod report;
mod rules;
pub mod shape;
pub mod tolerance;

pub use ast::{BinOp, Expr, ExprKind, Func, NpConstant, Program, Statement};
pub use check::{
    CheckOptions, CheckReport, Inputs, Run, SamplesAxis, Symbolic, UserArray, check, shapes,
};
pub use diagnosis::{Diagnosis, Outcome};
pub use error::{ExprError, ParseError, Span};
pub use eval::{Culprit, NanOrigin};
pub use infer::NodeShape;
pub use names::{Role, role};
pub use parse::parse;
pub use problems::{Probe, Quantity, SuiteRng};
