//! A scheduler and two executors on `localhost:0`, in this process, running the aggregates
//! over seven Parquet files: the bits of the same query in one DataFusion session and of the
//! in-memory exact sums, with and without `GROUP BY`.

#[path = "../../datafusion/tests/common/mod.rs"]
mod common;

use common::{Data, Layout, Query, SELECT, rows, session};
use datafusion::prelude::{ParquetReadOptions, SessionConfig};

fn bits(rows: &[Vec<f64>]) -> Vec<Vec<u64>> {
    rows.iter()
        .map(|r| r.iter().map(|x| x.to_bits()).collect())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_two_executor_cluster_gives_the_bits_of_one_session() {
    let data = Data::new(20_000, 21);
    let dir = tempfile::tempdir().expect("a directory");
    data.write(dir.path(), 7);
    let path = dir.path().to_str().expect("UTF-8");

    let config = SessionConfig::new()
        .with_target_partitions(4)
        .with_batch_size(333);
    let state = xent_ballista::session_state(config);
    let scheduler = xent_ballista::start_scheduler(&state)
        .await
        .expect("a scheduler");
    for _ in 0..2 {
        xent_ballista::start_executor(scheduler, 2, &state)
            .await
            .expect("an executor");
    }
    let cluster = xent_ballista::connect(scheduler, state)
        .await
        .expect("a client");
    cluster
        .register_parquet("t", path, ParquetReadOptions::default())
        .await
        .expect("the table");

    let whole: Vec<u64> = Query::ALL
        .iter()
        .map(|&q| data.reference(q, &data.rows(None)).to_bits())
        .collect();
    let got = rows(&cluster, &format!("SELECT {SELECT} FROM t"), 0).await;
    assert_eq!(bits(&got), vec![whole], "the cluster, whole");

    let grouped =
        format!("SELECT model, day, {SELECT} FROM t GROUP BY model, day ORDER BY model, day");
    let local = session(
        Layout {
            partitions: 3,
            batch_size: 8192,
            round_robin: true,
        },
        dir.path(),
    )
    .await;
    let want = rows(&local, &grouped, 2).await;
    assert_eq!(want.len(), 6);
    let got = rows(&cluster, &grouped, 2).await;
    assert_eq!(bits(&got), bits(&want), "the cluster, GROUP BY");
}
