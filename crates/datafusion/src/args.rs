//! A batch's arguments as `xent-core` problems: the rows kept (no `NULL`, passing the
//! filter), widened to `f64`, validated with the command's rules, errors naming the row.

use std::borrow::Cow;

use arrow::array::{Array, ArrayRef, AsArray, BooleanArray, Float64Array};
use arrow::datatypes::{DataType, Float64Type};
use datafusion_common::{DataFusionError, Result};
use xent_core::{Operand, Problem, Targets, Unvalidated, View, Weights};

use crate::Loss;

/// What names the arguments in errors: the function and its arguments' column names.
#[derive(Debug, Clone)]
pub(crate) struct Names {
    pub(crate) loss: Loss,
    /// The arguments' field names (their columns or expressions).
    pub(crate) columns: Vec<String>,
}

/// One batch's arguments, coerced by [`crate::LogLoss`]'s `coerce_types`: `Float64`
/// predictions (binary) or a list of them (categorical), `Float64` labels or class indices,
/// `Float64` weights.
pub(crate) struct Batch<'a> {
    names: &'a Names,
    pred: &'a ArrayRef,
    second: &'a Float64Array,
    weight: Option<&'a Float64Array>,
}

impl<'a> Batch<'a> {
    pub(crate) fn new(names: &'a Names, values: &'a [ArrayRef]) -> Result<Batch<'a>> {
        let float = |i: usize| -> Result<&'a Float64Array> {
            values[i].as_primitive_opt::<Float64Type>().ok_or_else(|| {
                DataFusionError::Internal(format!(
                    "{}: argument {} is {}, not the Float64 its coercion gives",
                    names.loss.name(),
                    names.loss.arguments()[i],
                    values[i].data_type()
                ))
            })
        };
        if values.len() < 2 || values.len() > 3 {
            return Err(DataFusionError::Internal(format!(
                "{}: {} arguments",
                names.loss.name(),
                values.len()
            )));
        }
        if !names.loss.categorical() {
            float(0)?;
        } else if !matches!(values[0].data_type(), DataType::List(_)) {
            return Err(DataFusionError::Internal(format!(
                "{}: argument {} is {}, not the List(Float64) its coercion gives",
                names.loss.name(),
                names.loss.arguments()[0],
                values[0].data_type()
            )));
        }
        Ok(Batch {
            names,
            pred: &values[0],
            second: float(1)?,
            weight: if values.len() == 3 {
                Some(float(2)?)
            } else {
                None
            },
        })
    }

    /// The rows of the batch that count: every argument non-null and the filter (if any) true.
    /// `None` when that is every row.
    pub(crate) fn kept(&self, filter: Option<&BooleanArray>) -> Option<Vec<usize>> {
        let n = self.second.len();
        let nulls = self.pred.null_count()
            + self.second.null_count()
            + self.weight.map_or(0, |w| w.null_count());
        let filtered = filter.is_some_and(|f| f.true_count() != n || f.null_count() != 0);
        if nulls == 0 && !filtered {
            return None;
        }
        let keep = |j: usize| {
            self.pred.is_valid(j)
                && self.second.is_valid(j)
                && self.weight.is_none_or(|w| w.is_valid(j))
                && filter.is_none_or(|f| f.is_valid(j) && f.value(j))
        };
        Some((0..n).filter(|&j| keep(j)).collect())
    }

    /// The number of rows in the batch.
    pub(crate) fn len(&self) -> usize {
        self.second.len()
    }

    /// Calls `add` with the validated problem(s) of `rows` (row indices of the batch, in
    /// order; `None` for every row): one problem for binary rows; for categorical rows one per
    /// run of rows whose lists have the same length. The first invalid row is an error.
    pub(crate) fn problems(
        &self,
        rows: Option<&[usize]>,
        mut add: impl FnMut(&Problem<'_>),
    ) -> Result<()> {
        let all: Vec<usize>;
        let rows = match rows {
            Some(rows) => rows,
            None if self.names.loss.categorical() => {
                all = (0..self.len()).collect();
                &all
            }
            None if self.len() == 0 => return Ok(()),
            None => return self.binary(None, &mut add),
        };
        if rows.is_empty() {
            return Ok(());
        }
        if self.names.loss.categorical() {
            self.categorical(rows, &mut add)
        } else {
            self.binary(Some(rows), &mut add)
        }
    }

    fn binary(&self, rows: Option<&[usize]>, add: &mut impl FnMut(&Problem<'_>)) -> Result<()> {
        let pred = self.pred.as_primitive::<Float64Type>().values();
        let gather = |values: &'a [f64]| -> Cow<'a, [f64]> {
            match rows {
                None => Cow::Borrowed(values),
                Some(rows) => Cow::Owned(rows.iter().map(|&j| values[j]).collect()),
            }
        };
        let (a, y) = (gather(pred), gather(self.second.values()));
        let w = self.weight.map(|w| gather(w.values()));
        let at = |col: usize| rows.map_or(col, |rows| rows[col]);
        let problem = Unvalidated::binary(
            View::vector(&a).array(),
            View::vector(&y).array(),
            self.names.loss.logits(),
        )
        .map_err(|e| self.error(e, &at))?;
        self.validated(problem, w.as_deref(), &at, add)
    }

    fn categorical(&self, rows: &[usize], add: &mut impl FnMut(&Problem<'_>)) -> Result<()> {
        let list = self.pred.as_list::<i32>();
        let values = list.values();
        let values = values.as_primitive_opt::<Float64Type>().ok_or_else(|| {
            DataFusionError::Internal(format!(
                "{}: list of {}, not of the Float64 its coercion gives",
                self.names.loss.name(),
                values.data_type()
            ))
        })?;
        let offsets = list.value_offsets();
        let span = |j: usize| offsets[j] as usize..offsets[j + 1] as usize;
        let mut start = 0;
        while start < rows.len() {
            let k = span(rows[start]).len();
            let mut end = start + 1;
            while end < rows.len() && span(rows[end]).len() == k {
                end += 1;
            }
            let run = &rows[start..end];
            let at = |col: usize| run[col];
            if values.null_count() != 0
                && let Some(&j) = run.iter().find(|&&j| span(j).any(|i| values.is_null(i)))
            {
                return Err(self.located(0, j, "a NULL inside the list".to_string()));
            }
            let mut q = Vec::with_capacity(k * run.len());
            for &j in run {
                q.extend_from_slice(&values.values()[span(j)]);
            }
            let classes: Vec<f64> = run.iter().map(|&j| self.second.value(j)).collect();
            let w: Option<Vec<f64>> = self
                .weight
                .map(|w| run.iter().map(|&j| w.value(j)).collect());
            let pred = View::col_major(&q, k, run.len())
                .ok_or_else(|| DataFusionError::Internal("list shape".to_string()))?;
            let problem = Unvalidated::categorical(
                pred.array(),
                Targets::classes(&classes),
                self.names.loss.logits(),
            )
            .map_err(|e| self.error(e, &at))?;
            self.validated(problem, w.as_deref(), &at, add)?;
            start = end;
        }
        Ok(())
    }

    fn validated(
        &self,
        problem: Unvalidated<'_>,
        w: Option<&[f64]>,
        at: &impl Fn(usize) -> usize,
        add: &mut impl FnMut(&Problem<'_>),
    ) -> Result<()> {
        let weights = w.map(Weights::samples);
        let problem = match &weights {
            Some(weights) => problem.with_weights(weights),
            None => Ok(problem),
        }
        .and_then(|p| p.validate())
        .map_err(|e| self.error(e, at))?;
        add(&problem);
        Ok(())
    }

    /// The error for a row: the function, the argument and its column, the row in the batch.
    fn located(&self, argument: usize, row: usize, what: String) -> DataFusionError {
        let names = self.names;
        let column = names
            .columns
            .get(argument)
            .map_or(String::new(), |c| format!(" ({c})"));
        DataFusionError::Execution(format!(
            "{}: argument {}{column}, row {row} of an input batch of {} rows: {what}",
            names.loss.name(),
            names.loss.arguments()[argument],
            self.len()
        ))
    }

    /// `xent-core`'s error, its sample index replaced by the batch's row, named.
    fn error(&self, e: xent_core::Error, at: &impl Fn(usize) -> usize) -> DataFusionError {
        match e.sample() {
            Some((which, sample)) => {
                let argument = match which {
                    Operand::Predictions | Operand::Logits => 0,
                    Operand::SampleWeights | Operand::Mask => 2,
                    _ => 1,
                };
                self.located(argument, at(sample), e.with_sample(at).to_string())
            }
            None => DataFusionError::Execution(format!("{}: {e}", self.names.loss.name())),
        }
    }
}
