//! The aggregate function: its signature and coercions, an [`Accumulator`] (one exact
//! partial per partition) and a [`GroupsAccumulator`] (one compact exact partial per group).

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, BooleanArray, FixedSizeBinaryArray, Float64Array};
use arrow::datatypes::{DataType, Field, FieldRef};
use datafusion_common::{DataFusionError, Result, ScalarValue, plan_err};
use datafusion_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion_expr::utils::format_state_name;
use datafusion_expr::{
    Accumulator, AggregateUDFImpl, EmitTo, GroupsAccumulator, Signature, Volatility,
};
use xent_fused::exact::{Compact, Partial};

use crate::args::{Batch, Names};
use crate::{Loss, STATE_LEN};

/// One of the [`Loss`] functions as a DataFusion aggregate.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LogLoss {
    loss: Loss,
    signature: Signature,
}

impl LogLoss {
    /// The aggregate for `loss`.
    pub fn new(loss: Loss) -> LogLoss {
        LogLoss {
            loss,
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }

    fn names(&self, args: &AccumulatorArgs<'_>) -> Names {
        Names {
            loss: self.loss,
            columns: args
                .expr_fields
                .iter()
                .map(|f| f.name().to_string())
                .collect(),
        }
    }
}

/// The state's one field: the exact partial's canonical bytes.
fn state_type() -> DataType {
    DataType::FixedSizeBinary(STATE_LEN as i32)
}

/// A number (or `NULL`) widened to `Float64`, or `None`.
fn float(t: &DataType, boolean: bool) -> Option<DataType> {
    (t.is_numeric() || t.is_null() || (boolean && *t == DataType::Boolean))
        .then_some(DataType::Float64)
}

impl AggregateUDFImpl for LogLoss {
    fn name(&self) -> &str {
        self.loss.name()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    /// Binary: numbers (labels also bool) to `Float64`; categorical: a list of numbers to
    /// `List(Float64)`, the class index and the weight to `Float64` (a class index must be a
    /// whole number, checked with the values). Anything else is a planning error naming the
    /// argument.
    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let names = self.loss.arguments();
        let usage = || {
            format!(
                "{}({}, {}[, {}])",
                self.loss.name(),
                names[0],
                names[1],
                names[2]
            )
        };
        if !(2..=3).contains(&arg_types.len()) {
            return plan_err!(
                "{} takes 2 or 3 arguments, not {}: {}",
                self.loss.name(),
                arg_types.len(),
                usage()
            );
        }
        let wrong = |i: usize, what: &str| -> Result<Vec<DataType>> {
            plan_err!(
                "{}: argument {} is {}, not {what}: {}",
                self.loss.name(),
                names[i],
                arg_types[i],
                usage()
            )
        };
        let mut out = Vec::with_capacity(arg_types.len());
        if self.loss.categorical() {
            let element = match &arg_types[0] {
                DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _) => {
                    float(f.data_type(), false)
                }
                _ => None,
            };
            if element.is_none() {
                return wrong(0, "a list of numbers");
            }
            out.push(DataType::new_list(DataType::Float64, true));
        } else {
            match float(&arg_types[0], false) {
                Some(t) => out.push(t),
                None => return wrong(0, "a number"),
            }
        }
        match float(&arg_types[1], !self.loss.categorical()) {
            Some(t) => out.push(t),
            None if self.loss.categorical() => return wrong(1, "a class index (a number)"),
            None => return wrong(1, "a number or a bool"),
        }
        if let Some(t) = arg_types.get(2) {
            match float(t, false) {
                Some(t) => out.push(t),
                None => return wrong(2, "a number"),
            }
        }
        Ok(out)
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }

    fn accumulator(&self, args: AccumulatorArgs<'_>) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(LossAccumulator {
            names: self.names(&args),
            partial: Partial::new(),
        }))
    }

    fn state_fields(&self, args: StateFieldsArgs<'_>) -> Result<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new(
            format_state_name(args.name, "exact"),
            state_type(),
            true,
        ))])
    }

    fn groups_accumulator_supported(&self, _args: AccumulatorArgs<'_>) -> bool {
        true
    }

    fn create_groups_accumulator(
        &self,
        args: AccumulatorArgs<'_>,
    ) -> Result<Box<dyn GroupsAccumulator>> {
        Ok(Box::new(LossGroups {
            names: self.names(&args),
            groups: Vec::new(),
        }))
    }
}

/// The loss of an exact partial: `NULL` when there is nothing to average.
fn loss(result: std::result::Result<f64, xent_exact::Error>) -> Option<f64> {
    result.ok()
}

fn bad_state(e: xent_exact::Error) -> DataFusionError {
    DataFusionError::Execution(format!("an xent aggregate state is not valid: {e}"))
}

/// The states in a merge: the one `FixedSizeBinary` column.
fn states(values: &[ArrayRef]) -> Result<&FixedSizeBinaryArray> {
    values
        .first()
        .and_then(|v| v.as_fixed_size_binary_opt())
        .ok_or_else(|| {
            DataFusionError::Internal("an xent aggregate state is not FixedSizeBinary".into())
        })
}

/// The states' column: each partial's canonical bytes.
fn encode(states: &[Compact]) -> Result<ArrayRef> {
    let bytes = states.iter().map(|g| Some(g.to_bytes()));
    Ok(Arc::new(
        FixedSizeBinaryArray::try_from_sparse_iter_with_size(bytes, STATE_LEN as i32)?,
    ))
}

/// One partition's aggregate (no `GROUP BY`): an exact [`Partial`], whose large
/// superaccumulator adds a term in one integer addition.
#[derive(Debug)]
struct LossAccumulator {
    names: Names,
    partial: Partial,
}

impl Accumulator for LossAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let batch = Batch::new(&self.names, values)?;
        let kept = batch.kept(None);
        let partial = &mut self.partial;
        batch.problems(kept.as_deref(), |p| partial.add(p))
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(ScalarValue::Float64(loss(self.partial.loss())))
    }

    fn size(&self) -> usize {
        // The large superaccumulator's 4096 sums and counters, and the two small ones.
        size_of::<Self>() + 4096 * (8 + 2) + 2 * size_of::<xent_exact::Accumulator>()
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![ScalarValue::FixedSizeBinary(
            STATE_LEN as i32,
            Some(self.partial.to_bytes()),
        )])
    }

    fn merge_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        for bytes in states(values)?.iter().flatten() {
            self.partial
                .merge_compact(&Compact::from_bytes(bytes).map_err(bad_state)?);
        }
        Ok(())
    }
}

/// Every group's aggregate: one [`Compact`] exact partial (about 1 KiB) per group.
struct LossGroups {
    names: Names,
    groups: Vec<Compact>,
}

/// The rows of each group, in batch order: `(group, rows)` for the groups present.
fn by_group(
    rows: impl Iterator<Item = usize>,
    group_indices: &[usize],
) -> Vec<(usize, Vec<usize>)> {
    let mut index: std::collections::HashMap<usize, usize> = Default::default();
    let mut out: Vec<(usize, Vec<usize>)> = Vec::new();
    for j in rows {
        let g = group_indices[j];
        let slot = *index.entry(g).or_insert_with(|| {
            out.push((g, Vec::new()));
            out.len() - 1
        });
        out[slot].1.push(j);
    }
    out
}

impl GroupsAccumulator for LossGroups {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.groups.resize(total_num_groups, Compact::new());
        let batch = Batch::new(&self.names, values)?;
        let kept = batch.kept(opt_filter);
        let rows: Box<dyn Iterator<Item = usize>> = match &kept {
            Some(kept) => Box::new(kept.iter().copied()),
            None => Box::new(0..batch.len()),
        };
        for (g, rows) in by_group(rows, group_indices) {
            let group = &mut self.groups[g];
            batch.problems(Some(&rows), |p| group.add(p))?;
        }
        Ok(())
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        let groups = emit_to.take_needed(&mut self.groups);
        let out: Float64Array = groups.iter().map(|g| loss(g.loss())).collect();
        Ok(Arc::new(out))
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        Ok(vec![encode(&emit_to.take_needed(&mut self.groups))?])
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> Result<()> {
        self.groups.resize(total_num_groups, Compact::new());
        let states = states(values)?;
        for (j, &g) in group_indices.iter().enumerate() {
            if states.is_valid(j) {
                let other = Compact::from_bytes(states.value(j)).map_err(bad_state)?;
                self.groups[g].merge(&other);
            }
        }
        Ok(())
    }

    /// Each row its own state (an empty one for a row skipped): correct, but one problem per
    /// row, so [`GroupsAccumulator::supports_convert_to_state`] stays `false` and DataFusion
    /// does not skip the partial aggregation for it.
    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        let batch = Batch::new(&self.names, values)?;
        let kept = batch.kept(opt_filter);
        let mut states = vec![Compact::new(); batch.len()];
        let rows: Vec<usize> = kept.unwrap_or_else(|| (0..batch.len()).collect());
        for j in rows {
            let state = &mut states[j];
            batch.problems(Some(&[j]), |p| state.add(p))?;
        }
        Ok(vec![encode(&states)?])
    }

    fn size(&self) -> usize {
        size_of::<Self>() + self.groups.capacity() * size_of::<Compact>()
    }
}
