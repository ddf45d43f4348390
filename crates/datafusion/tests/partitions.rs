//! The aggregates over Parquet files in every layout DataFusion may choose: the same bits
//! (`to_bits`) whatever the partitions, batch sizes, files, repartitioning and grouping, and
//! the bits of `xent … --sum exact` on the same rows.

mod common;

use common::{Data, Layout, Query, SELECT, rows, session};

/// Every layout of the targets: partitions 1, 2, 3, 8, 16 × batch sizes × round-robin or not.
fn layouts(batch_sizes: &[usize]) -> Vec<Layout> {
    let mut out = Vec::new();
    for &partitions in &[1, 2, 3, 8, 16] {
        for &batch_size in batch_sizes {
            for round_robin in [false, true] {
                out.push(Layout {
                    partitions,
                    batch_size,
                    round_robin,
                });
            }
        }
    }
    out
}

fn bits(row: &[f64]) -> Vec<u64> {
    row.iter().map(|x| x.to_bits()).collect()
}

/// `data` in 1 and in 7 files, queried in every layout, with and without `GROUP BY`: every
/// result has the reference's bits.
async fn same_bits_everywhere(data: &Data, batch_sizes: &[usize]) {
    let dir = tempfile::tempdir().expect("a directory");
    let whole: Vec<u64> = Query::ALL
        .iter()
        .map(|&q| data.reference(q, &data.rows(None)).to_bits())
        .collect();
    let groups: Vec<(i32, i32)> = (0..3).flat_map(|m| (0..2).map(move |d| (m, d))).collect();
    let grouped: Vec<Vec<u64>> = groups
        .iter()
        .map(|&g| {
            let rows = data.rows(Some(g));
            Query::ALL
                .iter()
                .map(|&q| data.reference(q, &rows).to_bits())
                .collect()
        })
        .collect();
    for files in [1, 7] {
        let path = dir.path().join(format!("{files}"));
        data.write(&path, files);
        for layout in layouts(batch_sizes) {
            let ctx = session(layout, &path).await;
            let got = rows(&ctx, &format!("SELECT {SELECT} FROM t"), 0).await;
            assert_eq!(got.len(), 1);
            assert_eq!(bits(&got[0]), whole, "{files} files, {layout:?}");
            let sql = format!(
                "SELECT model, day, {SELECT} FROM t GROUP BY model, day ORDER BY model, day"
            );
            let got = rows(&ctx, &sql, 2).await;
            let got: Vec<Vec<u64>> = got.iter().map(|r| bits(r)).collect();
            assert_eq!(got, grouped, "{files} files, {layout:?}, GROUP BY");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_bits_for_every_partitioning_at_batch_sizes_333_and_8192() {
    same_bits_everywhere(&Data::new(20_000, 18), &[333, 8192]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_bits_for_every_partitioning_at_batch_sizes_1_and_7() {
    same_bits_everywhere(&Data::new(700, 19), &[1, 7]).await;
}

/// The JSON `value` of `xent ARGS --sum exact --format json`, run in-process.
fn command(args: &[&str]) -> f64 {
    use clap::Parser;
    let mut argv = vec!["xent"];
    argv.extend_from_slice(args);
    argv.extend_from_slice(&["--sum", "exact", "--format", "json"]);
    let cli = xent_cli::Cli::try_parse_from(&argv).expect("arguments");
    let (out, code) = xent_cli::run(&cli).expect("the command runs");
    assert_eq!(code, 0, "{out}");
    let json: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    json["value"].as_f64().expect("a value")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bits_of_the_command_sum_exact_on_the_same_file() {
    let data = Data::new(20_000, 20);
    let dir = tempfile::tempdir().expect("a directory");
    data.write(dir.path(), 1);
    let file = dir.path().join("part-0.parquet");
    let col = |c: &str| format!("{}:{c}", file.display());
    let want = [
        command(&["binary", "--pred", &col("pred"), "--labels", &col("label")]),
        command(&[
            "binary",
            "--pred",
            &col("pred"),
            "--labels",
            &col("label"),
            "--sample-weights",
            &col("weight"),
        ]),
        command(&[
            "binary",
            "--from-logits",
            "--pred",
            &col("logit"),
            "--labels",
            &col("label"),
        ]),
        command(&[
            "categorical",
            "--pred",
            &col("probs"),
            "--classes",
            &col("class"),
        ]),
        command(&[
            "categorical",
            "--from-logits",
            "--pred",
            &col("logits"),
            "--classes",
            &col("class"),
        ]),
    ];
    let layout = Layout {
        partitions: 3,
        batch_size: 333,
        round_robin: true,
    };
    let ctx = session(layout, dir.path()).await;
    let got = rows(&ctx, &format!("SELECT {SELECT} FROM t"), 0).await;
    assert_eq!(bits(&got[0]), bits(&want));
}
