//! What the aggregates do with the rows users have: NULLs and filters skipped, empty groups
//! `NULL`, other dtypes widened exactly, bad rows and bad calls as errors naming them.

mod common;

use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, BooleanArray, FixedSizeListArray, Float32Array, Float64Array, Int32Array,
    RecordBatch, UInt8Array,
};
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::prelude::{SessionConfig, SessionContext, col};
use xent_fused::tolerance::FUSED_MAX_ULPS;

/// A session with the functions and table `t` of `columns`, in batches of `batch` rows.
fn table(columns: Vec<(&str, ArrayRef)>, batch: usize) -> SessionContext {
    let batch_of = RecordBatch::try_from_iter(columns).expect("columns");
    let ctx = SessionContext::new_with_config(SessionConfig::new().with_batch_size(batch));
    let mut ctx = ctx;
    xent_datafusion::register(&mut ctx).expect("registered");
    let n = batch_of.num_rows();
    let parts: Vec<RecordBatch> = (0..n)
        .step_by(batch)
        .map(|s| batch_of.slice(s, batch.min(n - s)))
        .collect();
    ctx.register_batch("t", parts[0].clone()).expect("a table");
    if parts.len() > 1 {
        ctx.deregister_table("t").expect("deregistered");
        let provider = datafusion::datasource::MemTable::try_new(batch_of.schema(), vec![parts])
            .expect("a memory table");
        ctx.register_table("t", Arc::new(provider))
            .expect("a table");
    }
    ctx
}

async fn value(ctx: &SessionContext, sql: &str) -> Option<f64> {
    common::values(ctx, sql, 0).await[0][0]
}

async fn error(ctx: &SessionContext, sql: &str) -> String {
    match ctx.sql(sql).await {
        Err(e) => e.to_string(),
        Ok(df) => df.collect().await.expect_err("an error").to_string(),
    }
}

/// `loss` within [`FUSED_MAX_ULPS`] of the oracle's loss of probabilities `a`, labels `y`.
fn near_oracle(loss: f64, a: &[f64], y: &[f64]) {
    let problem =
        xent_core::BinaryProblem::new(xent_core::View::vector(a), xent_core::View::vector(y))
            .expect("valid");
    let oracle = xent_oracle::binary(&problem).loss;
    let ulps = xent_core::ulp::ulp_distance(loss, oracle);
    assert!(
        ulps <= FUSED_MAX_ULPS,
        "{loss} is {ulps} ulps from the oracle's {oracle}"
    );
}

fn f64s(v: &[Option<f64>]) -> ArrayRef {
    Arc::new(Float64Array::from(v.to_vec()))
}

#[tokio::test]
async fn nulls_and_filtered_rows_are_skipped_and_nothing_to_average_is_null() {
    let pred = [Some(0.9), None, Some(0.2), Some(0.7), Some(0.4)];
    let label = [Some(1.0), Some(1.0), None, Some(1.0), Some(0.0)];
    let with_nulls = table(vec![("pred", f64s(&pred)), ("label", f64s(&label))], 2);
    let kept = table(
        vec![
            ("pred", f64s(&[Some(0.9), Some(0.7), Some(0.4)])),
            ("label", f64s(&[Some(1.0), Some(1.0), Some(0.0)])),
        ],
        8,
    );
    let sql = "SELECT xent_log_loss(pred, label) FROM t";
    let want = value(&kept, sql).await.expect("a loss");
    assert_eq!(
        value(&with_nulls, sql).await.map(f64::to_bits),
        Some(want.to_bits())
    );
    // The loss of the rows kept, within the fused path's bound of the oracle.
    near_oracle(want, &[0.9, 0.7, 0.4], &[1.0, 1.0, 0.0]);
    // FILTER drops rows as WHERE does.
    let filtered = "SELECT xent_log_loss(pred, label) FILTER (WHERE pred > 0.5) FROM t";
    let where_ = "SELECT xent_log_loss(pred, label) FROM t WHERE pred > 0.5";
    assert_eq!(
        value(&with_nulls, filtered).await.map(f64::to_bits),
        value(&with_nulls, where_).await.map(f64::to_bits)
    );
    // No rows, and (weighted) every weight 0: NULL, as AVG of nothing.
    assert_eq!(
        value(
            &kept,
            "SELECT xent_log_loss(pred, label) FROM t WHERE pred > 2"
        )
        .await,
        None
    );
    assert_eq!(
        value(&kept, "SELECT xent_log_loss(pred, label, 0.0) FROM t").await,
        None
    );
    // A GROUP BY with an empty group after FILTER: that group's result is NULL.
    let grouped = "SELECT label, xent_log_loss(pred, label) FILTER (WHERE label = 1) AS l \
                   FROM t GROUP BY label ORDER BY label";
    let got = common::values(&kept, grouped, 1).await;
    assert_eq!(got[0][0], None);
    assert!(got[1][0].is_some_and(f64::is_finite), "{got:?}");
}

#[tokio::test]
async fn other_dtypes_are_widened_exactly() {
    let a = [0.9f32, 0.25, 0.6];
    let y = [true, false, true];
    let wide = table(
        vec![
            ("pred", f64s(&a.map(|x| Some(f64::from(x))))),
            ("label", f64s(&y.map(|b| Some(f64::from(u8::from(b)))))),
        ],
        8,
    );
    let narrow = table(
        vec![
            ("pred", Arc::new(Float32Array::from(a.to_vec())) as ArrayRef),
            (
                "label",
                Arc::new(BooleanArray::from(y.to_vec())) as ArrayRef,
            ),
            (
                "label8",
                Arc::new(UInt8Array::from(vec![1u8, 0, 1])) as ArrayRef,
            ),
        ],
        8,
    );
    let want = value(&wide, "SELECT xent_log_loss(pred, label) FROM t")
        .await
        .unwrap();
    for sql in [
        "SELECT xent_log_loss(pred, label) FROM t",
        "SELECT xent_log_loss(pred, label8) FROM t",
    ] {
        assert_eq!(
            value(&narrow, sql).await.unwrap().to_bits(),
            want.to_bits(),
            "{sql}"
        );
    }
    // A fixed-size list of f32 and Int32 class indices, against List(Float64) and floats.
    let q = [0.25f32, 0.75, 0.5, 0.5];
    let field = Arc::new(Field::new("item", DataType::Float32, true));
    let fixed =
        FixedSizeListArray::try_new(field, 2, Arc::new(Float32Array::from(q.to_vec())), None)
            .unwrap();
    let lists = table(
        vec![
            ("probs", Arc::new(fixed) as ArrayRef),
            ("class", Arc::new(Int32Array::from(vec![1, 0])) as ArrayRef),
        ],
        8,
    );
    let got = value(
        &lists,
        "SELECT xent_categorical_log_loss(probs, class) FROM t",
    )
    .await
    .unwrap();
    let (q, classes) = ([0.25, 0.75, 0.5, 0.5], [1u8, 0]);
    let view = xent_core::View::col_major(&q, 2, 2).unwrap();
    let problem = xent_core::CategoricalProblem::with_classes(view, &classes).unwrap();
    let oracle = xent_oracle::categorical(&problem).loss;
    let ulps = xent_core::ulp::ulp_distance(got, oracle);
    assert!(
        ulps <= FUSED_MAX_ULPS,
        "{got} is {ulps} ulps from the oracle's {oracle}"
    );
    // The DataFrame call gives what SQL gives.
    let df = wide
        .table("t")
        .await
        .unwrap()
        .aggregate(
            vec![],
            vec![xent_datafusion::log_loss(col("pred"), col("label"))],
        )
        .unwrap();
    wide.register_table("by_dataframe", df.into_view()).unwrap();
    let got = value(&wide, "SELECT * FROM by_dataframe").await.unwrap();
    assert_eq!(got.to_bits(), want.to_bits());
}

#[tokio::test]
async fn a_bad_row_is_an_error_naming_function_argument_column_row_and_value() {
    let ctx = table(
        vec![
            ("p", f64s(&[Some(0.5), Some(0.2), Some(1.5), Some(0.3)])),
            ("y", f64s(&[Some(1.0), Some(0.0), Some(1.0), Some(0.5)])),
            ("w", f64s(&[Some(1.0), Some(-2.0), Some(1.0), Some(1.0)])),
            ("c", f64s(&[Some(0.0), Some(1.0), Some(2.5), Some(1.0)])),
        ],
        8,
    );
    let e = error(&ctx, "SELECT xent_log_loss(p, y) FROM t").await;
    assert!(
        e.contains(
            "xent_log_loss: argument pred (p), row 2 of an input batch of 4 rows: \
             pred[0, 2] = 1.5 is not a probability in [0, 1]"
        ),
        "{e}"
    );
    let e = error(&ctx, "SELECT xent_log_loss(y, y, w) FROM t").await;
    assert!(
        e.contains("argument weight (w), row 1 of an input batch"),
        "{e}"
    );
    assert!(e.contains("-2"), "{e}");
    // The row is the batch's even when earlier rows were skipped as NULL.
    let with_null = table(
        vec![
            ("p", f64s(&[None, Some(0.5), Some(-0.1)])),
            ("y", f64s(&[Some(1.0), Some(1.0), Some(1.0)])),
        ],
        8,
    );
    let e = error(&with_null, "SELECT xent_log_loss(p, y) FROM t").await;
    assert!(
        e.contains("row 2 of an input batch of 3 rows: pred[0, 2] = -0.1"),
        "{e}"
    );
    // Bad calls are planning errors naming the argument.
    let e = error(&ctx, "SELECT xent_log_loss(p) FROM t").await;
    assert!(
        e.contains("xent_log_loss takes 2 or 3 arguments, not 1"),
        "{e}"
    );
    let e = error(&ctx, "SELECT xent_categorical_log_loss(p, c) FROM t").await;
    assert!(
        e.contains("argument probs is Float64, not a list of numbers"),
        "{e}"
    );
    let e = error(&ctx, "SELECT xent_log_loss(p, 'x') FROM t").await;
    assert!(e.contains("argument label is Utf8"), "{e}");
}

#[tokio::test]
async fn categorical_rows_are_checked_each_against_its_own_list() {
    let lists = datafusion::arrow::array::ListArray::from_iter_primitive::<
        datafusion::arrow::datatypes::Float64Type,
        _,
        _,
    >(vec![
        Some(vec![Some(0.5), Some(0.5)]),
        Some(vec![Some(0.2), Some(0.3), Some(0.5)]),
        Some(vec![Some(0.2), Some(0.3), Some(0.4)]),
    ]);
    let ctx = table(
        vec![
            ("q", Arc::new(lists) as ArrayRef),
            ("c", f64s(&[Some(1.0), Some(2.0), Some(0.0)])),
        ],
        8,
    );
    let e = error(&ctx, "SELECT xent_categorical_log_loss(q, c) FROM t").await;
    assert!(
        e.contains("xent_categorical_log_loss: argument probs (q), row 2 of an input batch"),
        "{e}"
    );
    assert!(e.contains("column 2 of pred sums to"), "{e}");
    // The first two rows, of 2 and 3 classes: −(ln 0.5 + ln 0.5) / 2.
    let got = value(
        &ctx,
        "SELECT xent_categorical_log_loss(q, c) FROM t WHERE c > 0",
    )
    .await
    .unwrap();
    let ulps = xent_core::ulp::ulp_distance(got, std::f64::consts::LN_2);
    assert!(ulps <= FUSED_MAX_ULPS, "{got}: {ulps} ulps from ln 2");
    let e = error(
        &ctx,
        "SELECT xent_categorical_log_loss(q, c + 2) FROM t WHERE c > 0",
    )
    .await;
    assert!(
        e.contains("classes[0] = 3 is not a class index: there are 2 classes"),
        "{e}"
    );
}
