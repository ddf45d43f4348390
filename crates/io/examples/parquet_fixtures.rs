//! Writes the README's and the command transcripts' `.parquet` inputs from the `.npy` files
//! beside them, so that they hold the very same numbers:
//!
//! ```sh
//! cargo run -p xent-io --example parquet_fixtures -- README.in crates/cli/tests/cmd/parquet.in
//! ```
//!
//! In each folder given, `run.parquet` holds the columns `pred` (`A.npy`'s 8 float64
//! probabilities) and `label` (`Y.npy`'s int64 labels), and `bad.parquet` the column `pred`
//! of `bad.npy` (`A` with an entry of 1.5), each in two row groups (rows 0–4 and 5–7), and
//! `null.parquet` the optional column `pred` of `A` with row 6 null; snappy compressed, as
//! pandas' `to_parquet` writes by default.

use std::error::Error;
use std::path::Path;
use std::sync::Arc;

use parquet::basic::Compression;
use parquet::data_type::{DoubleType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;

/// A column of one row group.
enum Column {
    F64(Vec<f64>),
    /// The values present and every row's definition level (0: null).
    Optional(Vec<f64>, Vec<i16>),
    I64(Vec<i64>),
}

fn write(path: &Path, schema: &str, groups: &[Vec<Column>]) -> Result<(), Box<dyn Error>> {
    let schema = Arc::new(parse_message_type(schema)?);
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .build();
    let mut w = SerializedFileWriter::new(std::fs::File::create(path)?, schema, Arc::new(props))?;
    for group in groups {
        let mut rg = w.next_row_group()?;
        for c in group {
            let mut cw = rg.next_column()?.ok_or("a column per schema leaf")?;
            match c {
                Column::F64(v) => {
                    cw.typed::<DoubleType>().write_batch(v, None, None)?;
                }
                Column::Optional(v, def) => {
                    cw.typed::<DoubleType>().write_batch(v, Some(def), None)?;
                }
                Column::I64(v) => {
                    cw.typed::<Int64Type>().write_batch(v, None, None)?;
                }
            };
            cw.close()?;
        }
        rg.close()?;
    }
    w.close()?;
    Ok(())
}

fn f64s(path: &Path) -> Result<Vec<f64>, Box<dyn Error>> {
    let l = xent_io::read(path)?;
    let (r, c) = l.dims();
    let m = l.matrix(false);
    let mut out = Vec::with_capacity(r * c);
    for i in 0..r {
        for j in 0..c {
            out.push(m.get_f64(i, j));
        }
    }
    Ok(out)
}

fn i64s(path: &Path) -> Result<Vec<i64>, Box<dyn Error>> {
    let l = xent_io::read(path)?;
    Ok(l.as_slice::<i64>().ok_or("int64 labels")?.to_vec())
}

fn main() -> Result<(), Box<dyn Error>> {
    let dirs: Vec<String> = std::env::args().skip(1).collect();
    if dirs.is_empty() {
        return Err("give the folders to write into (README.in, …)".into());
    }
    for dir in dirs {
        let dir = Path::new(&dir);
        let a = f64s(&dir.join("A.npy"))?;
        let y = i64s(&dir.join("Y.npy"))?;
        let bad = f64s(&dir.join("bad.npy"))?;
        let split = 5;
        write(
            &dir.join("run.parquet"),
            "message schema { required double pred; required int64 label; }",
            &[
                vec![
                    Column::F64(a[..split].to_vec()),
                    Column::I64(y[..split].to_vec()),
                ],
                vec![
                    Column::F64(a[split..].to_vec()),
                    Column::I64(y[split..].to_vec()),
                ],
            ],
        )?;
        write(
            &dir.join("bad.parquet"),
            "message schema { required double pred; }",
            &[
                vec![Column::F64(bad[..split].to_vec())],
                vec![Column::F64(bad[split..].to_vec())],
            ],
        )?;
        // `A` with row 6 null, in an optional column.
        let mut present = a.clone();
        present.remove(6);
        write(
            &dir.join("null.parquet"),
            "message schema { optional double pred; }",
            &[vec![Column::Optional(
                present,
                (0..a.len()).map(|i| i16::from(i != 6)).collect(),
            )]],
        )?;
        println!("wrote {}", dir.display());
    }
    Ok(())
}
