//! Seeded data in Parquet files, sessions of every layout, and the reference values, for the
//! tests and the `partitions` example.
#![allow(dead_code, unreachable_pub)]

use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, Float64Array, Float64Builder, Int32Array, Int64Array, ListBuilder, RecordBatch,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::Compression;
use datafusion::parquet::file::properties::WriterProperties;
use datafusion::prelude::{ParquetReadOptions, SessionConfig, SessionContext};
use xent_core::rng::Seeded;
use xent_core::{BinaryProblem, CategoricalProblem, Problem, View, Weights};
use xent_fused::exact::Partial;

/// Classes of the categorical columns.
pub const K: usize = 4;

/// The columns: `model` (0..3) and `day` (0..2) to group by; binary `pred`, `logit`, `label`
/// (0/1 as Int32), `weight`; categorical `probs` and `logits` (lists of `K`) and `class`;
/// `term`, the row's binary log-loss term as a float expression would compute it.
#[derive(Debug, Clone)]
pub struct Data {
    pub model: Vec<i32>,
    pub day: Vec<i32>,
    pub pred: Vec<f64>,
    pub logit: Vec<f64>,
    pub label: Vec<i32>,
    pub weight: Vec<f64>,
    pub probs: Vec<[f64; K]>,
    pub logits: Vec<[f64; K]>,
    pub class: Vec<i64>,
}

impl Data {
    /// `m` seeded rows: probabilities spread over many binades (down to 1e-12), logits in
    /// [−30, 30], weights in [0, 3] with some exact zeros.
    pub fn new(m: usize, seed: u64) -> Data {
        let mut rng = Seeded::new(seed);
        let mut d = Data {
            model: Vec::new(),
            day: Vec::new(),
            pred: Vec::new(),
            logit: Vec::new(),
            label: Vec::new(),
            weight: Vec::new(),
            probs: Vec::new(),
            logits: Vec::new(),
            class: Vec::new(),
        };
        for _ in 0..m {
            d.model.push(rng.below(3) as i32);
            d.day.push(rng.below(2) as i32);
            let a = 10f64.powf(-rng.uniform(0.0, 12.0));
            d.pred.push(if rng.coin() { a } else { 1.0 - a.min(0.5) });
            d.logit.push(rng.uniform(-30.0, 30.0));
            d.label.push(rng.coin() as i32);
            d.weight.push(if rng.below(10) == 0 {
                0.0
            } else {
                rng.uniform(0.0, 3.0)
            });
            let raw: [f64; K] = std::array::from_fn(|_| rng.uniform(1e-6, 1.0));
            let total: f64 = raw.iter().sum();
            d.probs.push(raw.map(|x| x / total));
            d.logits
                .push(std::array::from_fn(|_| rng.uniform(-20.0, 20.0)));
            d.class.push(rng.below(K) as i64);
        }
        d
    }

    pub fn len(&self) -> usize {
        self.pred.len()
    }

    /// Rows `range` as one record batch.
    pub fn batch(&self, range: std::ops::Range<usize>) -> RecordBatch {
        let list = |rows: &[[f64; K]]| -> ArrayRef {
            let mut b = ListBuilder::new(Float64Builder::new());
            for row in rows {
                b.values().append_slice(row);
                b.append(true);
            }
            Arc::new(b.finish())
        };
        let r = range;
        let columns: Vec<ArrayRef> = vec![
            Arc::new(Int32Array::from(self.model[r.clone()].to_vec())),
            Arc::new(Int32Array::from(self.day[r.clone()].to_vec())),
            Arc::new(Float64Array::from(self.pred[r.clone()].to_vec())),
            Arc::new(Float64Array::from(self.logit[r.clone()].to_vec())),
            Arc::new(Int32Array::from(self.label[r.clone()].to_vec())),
            Arc::new(Float64Array::from(self.weight[r.clone()].to_vec())),
            list(&self.probs[r.clone()]),
            list(&self.logits[r.clone()]),
            Arc::new(Int64Array::from(self.class[r].to_vec())),
        ];
        RecordBatch::try_new(schema(), columns).expect("columns of the schema")
    }

    /// Writes the rows to `files` Parquet files in `dir` (uncompressed, row groups of 1000
    /// rows), consecutive shares of the rows.
    pub fn write(&self, dir: &Path, files: usize) {
        std::fs::create_dir_all(dir).expect("a directory");
        let per = self.len().div_ceil(files);
        for f in 0..files {
            let range = f * per..self.len().min((f + 1) * per);
            let file =
                std::fs::File::create(dir.join(format!("part-{f}.parquet"))).expect("a file");
            let props = WriterProperties::builder()
                .set_compression(Compression::UNCOMPRESSED)
                .set_max_row_group_row_count(Some(1000))
                .build();
            let mut w = ArrowWriter::try_new(file, schema(), Some(props)).expect("a writer");
            w.write(&self.batch(range)).expect("written");
            w.close().expect("closed");
        }
    }

    /// The rows of a group (`None`: every row).
    pub fn rows(&self, group: Option<(i32, i32)>) -> Vec<usize> {
        (0..self.len())
            .filter(|&j| group.is_none_or(|(m, d)| self.model[j] == m && self.day[j] == d))
            .collect()
    }

    /// The exact partial of one function's terms over `rows`, computed in memory.
    pub fn reference(&self, query: Query, rows: &[usize]) -> f64 {
        let pick = |v: &[f64]| -> Vec<f64> { rows.iter().map(|&j| v[j]).collect() };
        let labels: Vec<f64> = rows.iter().map(|&j| f64::from(self.label[j])).collect();
        let classes: Vec<f64> = rows.iter().map(|&j| self.class[j] as f64).collect();
        let weights = pick(&self.weight);
        let weights = Weights::samples(&weights);
        let flat = |v: &[[f64; K]]| -> Vec<f64> { rows.iter().flat_map(|&j| v[j]).collect() };
        let (probs, logits) = (flat(&self.probs), flat(&self.logits));
        let (pred, logit) = (pick(&self.pred), pick(&self.logit));
        let q = |v| View::col_major(v, K, rows.len()).expect("k × m");
        let problem = match query {
            Query::Binary | Query::Weighted => Problem::Binary(
                BinaryProblem::new(View::vector(&pred), View::vector(&labels)).unwrap(),
            ),
            Query::Logits => Problem::Binary(
                BinaryProblem::from_logits(View::vector(&logit), View::vector(&labels)).unwrap(),
            ),
            Query::Categorical => {
                Problem::Categorical(CategoricalProblem::with_classes(q(&probs), &classes).unwrap())
            }
            Query::CategoricalLogits => Problem::Categorical(
                CategoricalProblem::from_logits_with_classes(q(&logits), &classes).unwrap(),
            ),
        };
        let problem = match (query, problem) {
            (Query::Weighted, Problem::Binary(p)) => {
                Problem::Binary(p.with_weights(&weights).unwrap())
            }
            (_, p) => p,
        };
        let mut partial = Partial::new();
        partial.add(&problem);
        partial.loss().expect("a divisor")
    }
}

/// The aggregates the tests compute, in the order of [`SELECT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Query {
    Binary,
    Weighted,
    Logits,
    Categorical,
    CategoricalLogits,
}

impl Query {
    pub const ALL: [Query; 5] = [
        Query::Binary,
        Query::Weighted,
        Query::Logits,
        Query::Categorical,
        Query::CategoricalLogits,
    ];
}

/// The select list of [`Query::ALL`], in order.
pub const SELECT: &str = "xent_log_loss(pred, label), xent_log_loss(pred, label, weight), \
     xent_log_loss_logits(logit, label), xent_categorical_log_loss(probs, class), \
     xent_categorical_log_loss_logits(logits, class)";

/// The builtin float aggregates of the binary term, for comparison.
pub const BUILTIN: &str = "SUM(-(label * ln(pred) + (1 - label) * ln(1 - pred))), \
     AVG(-(label * ln(pred) + (1 - label) * ln(1 - pred)))";

pub fn schema() -> Arc<Schema> {
    let list = || DataType::new_list(DataType::Float64, true);
    Arc::new(Schema::new(vec![
        Field::new("model", DataType::Int32, false),
        Field::new("day", DataType::Int32, false),
        Field::new("pred", DataType::Float64, true),
        Field::new("logit", DataType::Float64, true),
        Field::new("label", DataType::Int32, true),
        Field::new("weight", DataType::Float64, true),
        Field::new("probs", list(), true),
        Field::new("logits", list(), true),
        Field::new("class", DataType::Int64, true),
    ]))
}

/// How a session splits the work.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    pub partitions: usize,
    pub batch_size: usize,
    pub round_robin: bool,
}

/// A session with the functions and the table `t` over the Parquet files of `dir`, files
/// split by byte ranges across the partitions too.
pub async fn session(layout: Layout, dir: &Path) -> SessionContext {
    let config = SessionConfig::new()
        .with_target_partitions(layout.partitions)
        .with_batch_size(layout.batch_size)
        .with_round_robin_repartition(layout.round_robin)
        .with_repartition_file_scans(true)
        .with_repartition_file_min_size(0)
        .with_repartition_aggregations(true);
    let mut ctx = SessionContext::new_with_config(config);
    xent_datafusion::register(&mut ctx).expect("registered");
    ctx.register_parquet(
        "t",
        dir.to_str().expect("a UTF-8 path"),
        ParquetReadOptions::default(),
    )
    .await
    .expect("the table");
    ctx
}

/// Runs `sql` and returns its rows, each a list of its `Float64` columns after `skip`
/// leading ones (`None` for NULL).
pub async fn values(ctx: &SessionContext, sql: &str, skip: usize) -> Vec<Vec<Option<f64>>> {
    let batches = ctx
        .sql(sql)
        .await
        .expect("planned")
        .collect()
        .await
        .expect("ran");
    let mut out = Vec::new();
    for b in batches {
        let cols: Vec<&Float64Array> = (skip..b.num_columns())
            .map(|c| b.column(c).as_any().downcast_ref().expect("Float64"))
            .collect();
        for r in 0..b.num_rows() {
            out.push(
                cols.iter()
                    .map(|c| (!c.is_null(r)).then(|| c.value(r)))
                    .collect(),
            );
        }
    }
    out
}

/// [`values`] where no value may be NULL (the tests' data has none).
pub async fn rows(ctx: &SessionContext, sql: &str, skip: usize) -> Vec<Vec<f64>> {
    let rows = values(ctx, sql, skip).await;
    rows.into_iter()
        .map(|r| r.into_iter().map(|v| v.expect("not NULL")).collect())
        .collect()
}

use datafusion::arrow::array::Array as _;
