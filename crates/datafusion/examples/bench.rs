//! `cargo xtask bench --datafusion` runs this (release): `xent_log_loss` against DataFusion's
//! builtin SQL expression of the same loss, `AVG(-(label*ln(pred) + (1-label)*ln(1-pred)))`,
//! over the same uncompressed Parquet file of `--rows` rows (`f64` pred and label), beside a
//! read floor (`SUM(pred + label)`: reading and decoding both columns; row-group statistics
//! cannot answer it, as they could `MIN`), the three queries interleaved in each round;
//! prints a Markdown table of wall time per row.
//!
//! ```text
//! cargo run --release -p xent-datafusion --example bench -- --rows 10000000 --rounds 5
//! ```

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::Arc;
use std::time::Instant;

use datafusion::arrow::array::{Float64Array, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::Compression;
use datafusion::parquet::file::properties::WriterProperties;
use datafusion::prelude::{ParquetReadOptions, SessionConfig, SessionContext};
use xent_core::rng::Seeded;

struct Args {
    rows: usize,
    rounds: usize,
    partitions: usize,
}

fn args() -> Args {
    let mut out = Args {
        rows: 10_000_000,
        rounds: 5,
        partitions: 1,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().and_then(|v| v.parse().ok());
        match (flag.as_str(), value) {
            ("--rows", Some(v)) => out.rows = v,
            ("--rounds", Some(v)) => out.rounds = v,
            ("--partitions", Some(v)) => out.partitions = v,
            _ => {
                eprintln!("usage: bench [--rows N] [--rounds R] [--partitions P]");
                std::process::exit(2);
            }
        }
    }
    out
}

/// Writes `rows` seeded rows, in batches of 2^20, uncompressed.
fn write(path: &std::path::Path, rows: usize) {
    let schema = Arc::new(Schema::new(vec![
        Field::new("pred", DataType::Float64, false),
        Field::new("label", DataType::Float64, false),
    ]));
    let props = WriterProperties::builder()
        .set_compression(Compression::UNCOMPRESSED)
        .build();
    let file = std::fs::File::create(path).expect("a file");
    let mut w = ArrowWriter::try_new(file, schema.clone(), Some(props)).expect("a writer");
    let mut rng = Seeded::new(7);
    let mut start = 0;
    while start < rows {
        let n = (1 << 20).min(rows - start);
        let pred: Vec<f64> = (0..n).map(|_| rng.uniform(1e-6, 1.0 - 1e-6)).collect();
        let label: Vec<f64> = (0..n).map(|_| f64::from(u8::from(rng.coin()))).collect();
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(Float64Array::from(pred)),
                Arc::new(Float64Array::from(label)),
            ],
        )
        .expect("a batch");
        w.write(&batch).expect("written");
        start += n;
    }
    w.close().expect("closed");
}

const QUERIES: [(&str, &str); 3] = [
    (
        "read floor: SUM(pred + label)",
        "SELECT SUM(pred + label) FROM t",
    ),
    (
        "builtin AVG(-(label*ln(pred) + (1-label)*ln(1-pred)))",
        "SELECT AVG(-(label * ln(pred) + (1 - label) * ln(1 - pred))) FROM t",
    ),
    (
        "xent_log_loss(pred, label)",
        "SELECT xent_log_loss(pred, label) FROM t",
    ),
];

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args = args();
    let dir = tempfile::tempdir().expect("a directory");
    let path = dir.path().join("t.parquet");
    write(&path, args.rows);
    let config = SessionConfig::new().with_target_partitions(args.partitions);
    let mut ctx = SessionContext::new_with_config(config);
    xent_datafusion::register(&mut ctx).expect("registered");
    ctx.register_parquet(
        "t",
        path.to_str().expect("UTF-8"),
        ParquetReadOptions::default(),
    )
    .await
    .expect("the table");
    let mut times = vec![Vec::new(); QUERIES.len()];
    let mut values = vec![Vec::new(); QUERIES.len()];
    // One warm-up round (the page cache, the plans), then the timed rounds.
    for round in 0..=args.rounds {
        for (i, (_, sql)) in QUERIES.iter().enumerate() {
            let start = Instant::now();
            let got = common::values(&ctx, sql, 0).await;
            let seconds = start.elapsed().as_secs_f64();
            let v = got[0][0].unwrap_or(f64::NAN);
            if round > 0 {
                times[i].push(seconds * 1e9 / args.rows as f64);
                values[i].push(v);
            }
        }
    }
    let ns: Vec<f64> = times.iter_mut().map(|t| median(t)).collect();
    let spread: Vec<f64> = times
        .iter()
        .zip(&ns)
        .map(|(t, m)| (t[t.len() - 1] - t[0]) / m * 100.0)
        .collect();
    println!(
        "{} rows of uncompressed Parquet (f64 pred, f64 label), target_partitions {}, \
         {} rounds: ns per row, median (max − min)",
        args.rows, args.partitions, args.rounds
    );
    println!();
    println!("| query | ns/row | value |");
    println!("|---|---:|---:|");
    for (i, (name, _)) in QUERIES.iter().enumerate() {
        println!(
            "| {name} | {:.2} ±{:.0}% | {:?} |",
            ns[i], spread[i], values[i][0]
        );
    }
    let (builtin, xent) = (ns[1], ns[2]);
    println!();
    println!(
        "xent_log_loss / builtin AVG: {:.2} (target ≤ 1: {})",
        xent / builtin,
        if xent <= builtin { "met" } else { "missed" }
    );
}
