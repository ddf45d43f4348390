//! How fast a warm `.npy` file is read, against `cat FILE > /dev/null`:
//! `cargo run --release -p xent-io --example read_speed [ENTRIES]` (default 10^7 float64,
//! 80 MB, a (1, 10^7) array written to a temporary directory).

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Instant;

fn best<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::INFINITY;
    let mut last = None;
    for _ in 0..runs {
        let start = Instant::now();
        let out = f();
        best = best.min(start.elapsed().as_secs_f64() * 1e3);
        last = Some(out);
    }
    (best, last.expect("at least one run"))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args()
        .nth(1)
        .map_or(Ok(10_000_000), |s| s.parse())?;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("a.npy");
    {
        let mut header = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': (1, {n}), }}");
        while (10 + header.len() + 1) % 64 != 0 {
            header.push(' ');
        }
        header.push('\n');
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path)?);
        f.write_all(b"\x93NUMPY\x01\x00")?;
        f.write_all(&(header.len() as u16).to_le_bytes())?;
        f.write_all(header.as_bytes())?;
        for k in 0..n {
            f.write_all(&(k as f64 / n as f64).to_le_bytes())?;
        }
    }
    let mb = (n * 8) as f64 / 1e6;
    let runs = 7;
    let (cat, _) = best(runs, || {
        Command::new("cat")
            .arg(&path)
            .stdout(Stdio::null())
            .status()
            .map(|s| s.success())
    });
    let (all, loaded) = best(runs, || xent_io::read(&path));
    let loaded = loaded?;
    assert_eq!(loaded.len(), n);
    let (blocks, sum) = best(runs, || -> Result<f64, xent_io::Error> {
        let reader = xent_io::NpyReader::open(&path)?;
        let step = 1 << 17; // 1 MiB of float64
        let mut block = reader.buffer(step);
        let mut sum = 0.0;
        for first in (0..reader.len()).step_by(step) {
            let len = (reader.len() - first).min(step);
            reader.read_into(first, len, &mut block)?;
            sum += block
                .as_slice::<f64>()
                .map_or(0.0, |s| s.iter().sum::<f64>());
        }
        Ok(sum)
    });
    let sum = sum?;
    println!("{n} float64 entries, {mb:.0} MB, best of {runs}:");
    println!(
        "  cat > /dev/null        {cat:7.1} ms  ({:6.0} MB/s, a process included)",
        mb / cat * 1e3
    );
    println!(
        "  xent_io::read          {all:7.1} ms  ({:6.0} MB/s)",
        mb / all * 1e3
    );
    println!(
        "  NpyReader 1 MiB blocks {blocks:7.1} ms  ({:6.0} MB/s, summed: {sum:.1})",
        mb / blocks * 1e3
    );
    Ok(())
}
