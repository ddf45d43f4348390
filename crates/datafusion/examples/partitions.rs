//! The same 20,000 rows in 1 and 7 Parquet files, queried in 40 layouts (partitions 1, 2, 3,
//! 8, 16 × batch sizes 333, 8192 × round-robin repartitioning or not): how many different
//! bit patterns `xent_log_loss` and the builtin `SUM`/`AVG` of the same terms give.
//!
//! ```text
//! cargo run -p xent-datafusion --example partitions
//! ```

#[path = "../tests/common/mod.rs"]
mod common;

use std::collections::BTreeSet;

use common::{BUILTIN, Data, Layout, rows, session};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let data = Data::new(20_000, 18);
    let dir = tempfile::tempdir().expect("a directory");
    let mut seen: [BTreeSet<u64>; 3] = Default::default();
    let mut layouts = 0;
    for files in [1, 7] {
        let path = dir.path().join(format!("{files}"));
        data.write(&path, files);
        for partitions in [1, 2, 3, 8, 16] {
            for batch_size in [333, 8192] {
                for round_robin in [false, true] {
                    let layout = Layout {
                        partitions,
                        batch_size,
                        round_robin,
                    };
                    let ctx = session(layout, &path).await;
                    let sql = format!("SELECT xent_log_loss(pred, label), {BUILTIN} FROM t");
                    let got = rows(&ctx, &sql, 0).await;
                    for (set, v) in seen.iter_mut().zip(&got[0]) {
                        set.insert(v.to_bits());
                    }
                    layouts += 1;
                }
            }
        }
    }
    println!(
        "{} rows, {layouts} layouts: distinct results (bit patterns)",
        data.len()
    );
    for (name, set) in ["xent_log_loss", "SUM(term)", "AVG(term)"]
        .iter()
        .zip(&seen)
    {
        let values: Vec<String> = set
            .iter()
            .map(|b| format!("{:?}", f64::from_bits(*b)))
            .collect();
        println!("  {name:<14} {:>2}   {}", set.len(), values.join(", "));
    }
}
