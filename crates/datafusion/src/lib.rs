//! Exact, partition-independent log-loss aggregates for [Apache DataFusion]: SQL and DataFrame
//! aggregate functions whose result is a function of the *multiset* of rows alone, bit for
//! bit, however the engine splits them into files, partitions, batches and machines.
//!
//! ```sql
//! SELECT xent_log_loss(pred, label)                    FROM clicks;   -- binary, probabilities
//! SELECT xent_log_loss_logits(logit, label, weight)    FROM clicks;   -- from logits, weighted
//! SELECT model, day, xent_categorical_log_loss(probs, class)
//!   FROM predictions GROUP BY model, day;                             -- a list column, k classes
//! ```
//!
//! Each function is `J = −Σ_j v_j·s_j / Σ_j v_j` (or `−Σ_j s_j / m` unweighted), `s_j` the
//! row's log-likelihood, in nats:
//!
//! | function | arguments | `s_j` |
//! |---|---|---|
//! | `xent_log_loss` | `pred` in \[0, 1\], `label` in \[0, 1\] (bool, integer or float), optional `weight` ≥ 0 | `y·ln a + (1 − y)·ln(1 − a)` |
//! | `xent_log_loss_logits` | `logit` (finite, or `−∞` as `a = 0`), `label`, optional `weight` | the same with `a = σ(z)`, without overflow |
//! | `xent_categorical_log_loss` | `probs` a list of `k` probabilities summing to 1, `class` an index in `0..k`, optional `weight` | `ln probs[class]` |
//! | `xent_categorical_log_loss_logits` | `logits` a list of `k` logits, `class`, optional `weight` | `ln softmax(logits)[class]` |
//!
//! The terms are `xent-fused`'s exact-mode terms ([`xent_fused::exact`]): the same bits on
//! every instruction-set path (no fused multiply-add anywhere), each from its own row only;
//! they are added to an exact superaccumulator ([`xent_exact`]), whose state travels between
//! the partial and final aggregation as fixed-size canonical bytes
//! (`FixedSizeBinary(`[`STATE_LEN`]`)`) and merges by integer addition; the result is the
//! exact quotient rounded once. Hence the same bits as `xent binary --sum exact` (and
//! `xent categorical --sum exact`) on the same rows, in any order (tested against the command).
//!
//! # Nulls, filters, empty groups, bad rows
//!
//! - A row with a `NULL` argument is skipped, as SQL's `AVG` skips it (and the rows an
//!   aggregate `FILTER (WHERE …)` drops); a `NULL` *inside* a list of probabilities or logits
//!   is an error.
//! - A group with nothing to average (no rows, or every weight 0) gives `NULL`, as `AVG` of
//!   no rows does (`xent --sum exact` refuses an input whose weights are all 0).
//! - A row that breaks a rule gives the command's error for it, naming the function, the
//!   argument (and its column), the row within the input batch and the value: DataFusion does
//!   not tell an aggregate which row of which file a batch starts at.
//! - Probabilities may be `Float32` or `Float64`, labels bool, integer or float, class indices
//!   integer or float (whole numbers), lists `List`, `LargeList` or `FixedSizeList`; all are
//!   widened exactly to `Float64` first. Rows of one query may have lists of different lengths:
//!   each row's term depends on its own list only.
//!
//! # Registering
//!
//! ```
//! use datafusion_expr::registry::{FunctionRegistry, MemoryFunctionRegistry};
//!
//! let mut registry = MemoryFunctionRegistry::new();
//! xent_datafusion::register(&mut registry)?;
//! assert!(registry.udaf("xent_log_loss").is_ok());
//! # Ok::<(), datafusion_common::DataFusionError>(())
//! ```
//!
//! With a `SessionContext`: `xent_datafusion::register(&mut ctx)?`, or
//! `ctx.register_udaf(Loss::Binary.udaf())` one by one; in a DataFrame,
//! `df.aggregate(vec![col("model")], vec![xent_datafusion::log_loss(col("pred"), col("label"))])`.
//!
//! [Apache DataFusion]: https://datafusion.apache.org

mod args;
mod udaf;

use std::sync::Arc;

use datafusion_common::Result;
use datafusion_expr::registry::FunctionRegistry;
use datafusion_expr::{AggregateUDF, Expr};

pub use udaf::LogLoss;

/// The length of the aggregate state, in bytes: `xent_fused::exact::Partial::ENCODED_LEN`.
pub const STATE_LEN: usize = xent_fused::exact::Partial::ENCODED_LEN;

/// The four aggregate functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Loss {
    /// `xent_log_loss(pred, label[, weight])`: binary, from probabilities.
    Binary,
    /// `xent_log_loss_logits(logit, label[, weight])`: binary, from logits.
    BinaryLogits,
    /// `xent_categorical_log_loss(probs, class[, weight])`: a list of probabilities per row.
    Categorical,
    /// `xent_categorical_log_loss_logits(logits, class[, weight])`: a list of logits per row.
    CategoricalLogits,
}

impl Loss {
    /// Every function, in the order of the table above.
    pub const ALL: [Loss; 4] = [
        Loss::Binary,
        Loss::BinaryLogits,
        Loss::Categorical,
        Loss::CategoricalLogits,
    ];

    /// The SQL name.
    pub fn name(self) -> &'static str {
        match self {
            Loss::Binary => "xent_log_loss",
            Loss::BinaryLogits => "xent_log_loss_logits",
            Loss::Categorical => "xent_categorical_log_loss",
            Loss::CategoricalLogits => "xent_categorical_log_loss_logits",
        }
    }

    /// The names of its arguments, the optional weight last.
    pub fn arguments(self) -> [&'static str; 3] {
        match self {
            Loss::Binary => ["pred", "label", "weight"],
            Loss::BinaryLogits => ["logit", "label", "weight"],
            Loss::Categorical => ["probs", "class", "weight"],
            Loss::CategoricalLogits => ["logits", "class", "weight"],
        }
    }

    /// Whether the predictions are logits.
    pub fn logits(self) -> bool {
        matches!(self, Loss::BinaryLogits | Loss::CategoricalLogits)
    }

    /// Whether it is categorical (a list per row and a class index).
    pub fn categorical(self) -> bool {
        matches!(self, Loss::Categorical | Loss::CategoricalLogits)
    }

    /// The aggregate function, to register.
    pub fn udaf(self) -> AggregateUDF {
        AggregateUDF::new_from_impl(LogLoss::new(self))
    }

    /// The aggregate expression over `args` (two, or three with the weight), for DataFrames.
    pub fn call(self, args: Vec<Expr>) -> Expr {
        self.udaf().call(args)
    }
}

/// Registers the four functions; what they replaced, if anything, is dropped.
pub fn register(registry: &mut dyn FunctionRegistry) -> Result<()> {
    for loss in Loss::ALL {
        registry.register_udaf(Arc::new(loss.udaf()))?;
    }
    Ok(())
}

/// `xent_log_loss(pred, label)`.
pub fn log_loss(pred: Expr, label: Expr) -> Expr {
    Loss::Binary.call(vec![pred, label])
}

/// `xent_log_loss(pred, label, weight)`.
pub fn weighted_log_loss(pred: Expr, label: Expr, weight: Expr) -> Expr {
    Loss::Binary.call(vec![pred, label, weight])
}

/// `xent_log_loss_logits(logit, label)`.
pub fn log_loss_logits(logit: Expr, label: Expr) -> Expr {
    Loss::BinaryLogits.call(vec![logit, label])
}

/// `xent_categorical_log_loss(probs, class)`.
pub fn categorical_log_loss(probs: Expr, class: Expr) -> Expr {
    Loss::Categorical.call(vec![probs, class])
}

/// `xent_categorical_log_loss_logits(logits, class)`.
pub fn categorical_log_loss_logits(logits: Expr, class: Expr) -> Expr {
    Loss::CategoricalLogits.call(vec![logits, class])
}
