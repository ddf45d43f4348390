//! `--reduction`, `--sample-weights`, `--class-weights`, `--pos-weight`, `--ignore-index`,
//! `--mask` and `--per-sample`: the weight files read and validated like inputs (one entry
//! per sample, class or output; finite and ≥ 0; a mask 0 or 1; positions in the file's own
//! coordinates), the reduction applied, and the per-sample losses written as `.npy` or
//! `.csv`.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use xent_core::{Reduction, Weights};

use crate::error::{Error, FileRef, Result};
use crate::layout::{self, Classes, Reading};

/// `--reduction`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum ReductionArg {
    /// The weighted mean Σ w·l / Σ w (the plain mean without weights).
    #[default]
    Mean,
    /// The weighted sum Σ w·l.
    Sum,
    /// One loss per sample, written with --per-sample FILE.
    None,
    /// Keras's mean_with_sample_weight (--convention keras): Σ w·l / Σ w.
    #[value(name = "mean_with_sample_weight")]
    MeanWithSampleWeight,
}

impl From<ReductionArg> for Reduction {
    fn from(r: ReductionArg) -> Self {
        match r {
            ReductionArg::Mean => Reduction::Mean,
            ReductionArg::Sum => Reduction::Sum,
            ReductionArg::None => Reduction::None,
            ReductionArg::MeanWithSampleWeight => Reduction::MeanWithSampleWeight,
        }
    }
}

/// The weighting options of `binary` and `categorical`.
#[derive(Debug, Args, Default)]
pub struct WeightArgs {
    /// mean: the weighted mean Σ w·l / Σ w (each weight the sample's weight times its
    /// target's class weight; under --convention NAME, that library's mean and divisor);
    /// sum: Σ w·l; none: one loss per sample, written to --per-sample FILE (the loss printed
    /// is then their mean); mean_with_sample_weight: Keras's (--convention keras)
    #[arg(long, value_enum, default_value_t, value_name = "mean|sum|none")]
    pub reduction: ReductionArg,
    /// One weight per sample (1-D, finite, ≥ 0)
    #[arg(long, value_name = "FILE")]
    pub sample_weights: Option<PathBuf>,
    /// One weight per class (categorical; 1-D, finite, ≥ 0)
    #[arg(long, value_name = "FILE")]
    pub class_weights: Option<PathBuf>,
    /// One weight of the positive class per output (binary; 1-D, finite, ≥ 0)
    #[arg(long, value_name = "FILE")]
    pub pos_weight: Option<PathBuf>,
    /// A class index whose samples are left out (with --classes; any integer)
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub ignore_index: Option<i64>,
    /// One entry per sample, true or 1 to keep it, false or 0 to leave it out
    #[arg(long, value_name = "FILE")]
    pub mask: Option<PathBuf>,
    /// Write the per-sample losses (in the chosen base) to FILE, .npy or .csv by its
    /// extension: one per sample, in order
    #[arg(long, value_name = "FILE")]
    pub per_sample: Option<PathBuf>,
}

impl WeightArgs {
    /// Whether any option asks for more than the plain mean.
    pub fn active(&self) -> bool {
        self.reduction != ReductionArg::Mean
            || self.sample_weights.is_some()
            || self.class_weights.is_some()
            || self.pos_weight.is_some()
            || self.ignore_index.is_some()
            || self.mask.is_some()
            || self.per_sample.is_some()
    }

    /// The flags given, for the output: `--sample-weights w.npy`, `--ignore-index -100`.
    pub fn given(&self) -> Vec<String> {
        let files = [
            ("--sample-weights", &self.sample_weights),
            ("--class-weights", &self.class_weights),
            ("--pos-weight", &self.pos_weight),
            ("--mask", &self.mask),
        ];
        let mut out: Vec<String> = files
            .iter()
            .filter_map(|(flag, p)| p.as_ref().map(|p| format!("{flag} {}", p.display())))
            .collect();
        if let Some(i) = self.ignore_index {
            out.push(format!("--ignore-index {i}"));
        }
        out
    }
}

/// The weight files, read.
pub struct WeightFiles {
    sample: Option<Classes>,
    class: Option<Classes>,
    positive: Option<Classes>,
    mask: Option<Classes>,
    ignore_index: Option<i64>,
}

impl WeightFiles {
    /// Reads every weight file of `args` (each a 1-D array).
    pub fn read(args: &WeightArgs, read: &crate::ReadArgs) -> Result<Self> {
        let one = |flag: &'static str, path: &Option<PathBuf>| -> Result<Option<Classes>> {
            path.as_ref()
                .map(|p| {
                    layout::read_classes(FileRef::new(flag, p), &read.io(p)).map_err(|e| match e {
                        Error::ClassesShape { file, shape } => Error::WeightShape { file, shape },
                        e => e,
                    })
                })
                .transpose()
        };
        Ok(WeightFiles {
            sample: one("--sample-weights", &args.sample_weights)?,
            class: one("--class-weights", &args.class_weights)?,
            positive: one("--pos-weight", &args.pos_weight)?,
            mask: one("--mask", &args.mask)?,
            ignore_index: args.ignore_index,
        })
    }

    /// The weights, borrowing the buffers.
    pub fn weights(&self) -> Weights<'_> {
        Weights {
            sample: self.sample.as_ref().map(Classes::array),
            class: self.class.as_ref().map(Classes::array),
            positive: self.positive.as_ref().map(Classes::array),
            mask: self.mask.as_ref().map(Classes::array),
            ignore_index: self.ignore_index,
        }
    }

    /// The file of a weight operand.
    fn file(&self, which: xent_core::Operand) -> Option<&Classes> {
        use xent_core::Operand as O;
        match which {
            O::SampleWeights => self.sample.as_ref(),
            O::ClassWeights => self.class.as_ref(),
            O::PosWeight => self.positive.as_ref(),
            O::Mask => self.mask.as_ref(),
            _ => None,
        }
    }

    /// A weight error of `xent-core` in the user's file and coordinates; `Err(e)` back for
    /// any other error.
    pub fn explain(&self, e: xent_core::Error) -> std::result::Result<Error, xent_core::Error> {
        use xent_core::Error as E;
        match e {
            E::BadWeight {
                which,
                index,
                value,
                rule,
            } => match self.file(which) {
                Some(c) => Ok(Error::BadWeight {
                    file: c.source.file.clone(),
                    at: c.source.position(index),
                    value,
                    rule,
                }),
                None => Err(e),
            },
            E::WeightCount {
                which,
                expected,
                per,
                ..
            } => match self.file(which) {
                Some(c) => Ok(Error::WeightCount {
                    file: c.source.file.clone(),
                    count: c.len(),
                    expected,
                    per,
                }),
                None => Err(e),
            },
            e => Err(e),
        }
    }
}

/// The shape of what [`write_per_sample`] writes: `[m]` for one value per sample, else
/// `rows` values per sample in the user's layout (`[rows, m]` when samples are columns,
/// `[m, rows]` when they are rows).
pub fn written_shape(rows: usize, samples: usize, reading: Reading) -> Vec<usize> {
    match (rows, reading) {
        (1, _) => vec![samples],
        (_, Reading::Rows) => vec![samples, rows],
        _ => vec![rows, samples],
    }
}

/// Writes `losses` (`rows` values per sample, column-major: sample by sample) to `path`:
/// `.npy` a `float64` array of [`written_shape`]; `.csv` its rows as lines (one value per
/// sample: one line when the samples are columns, else one value per line).
pub fn write_per_sample(path: &Path, losses: &[f64], rows: usize, reading: Reading) -> Result<()> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let samples = losses.len() / rows.max(1);
    let shape = written_shape(rows, samples, reading);
    // The values in the C order of `shape`.
    // (Samples as rows: the column-major `(rows, m)` values are already the C order of
    // `(m, rows)`.)
    let ordered: Vec<f64> = if rows > 1 && reading != Reading::Rows {
        (0..rows)
            .flat_map(|i| (0..samples).map(move |j| losses[i + rows * j]))
            .collect()
    } else {
        losses.to_vec()
    };
    let bytes = match ext {
        "npy" => npy(&ordered, &shape),
        "csv" => {
            let text = |x: &f64| crate::output::unsigned_zero(*x).to_string();
            let lines: Vec<String> = match shape.as_slice() {
                [_] if reading == Reading::Cols => {
                    vec![ordered.iter().map(text).collect::<Vec<_>>().join(",")]
                }
                [_] => ordered.iter().map(text).collect(),
                [_, c] => ordered
                    .chunks(*c)
                    .map(|line| line.iter().map(text).collect::<Vec<_>>().join(","))
                    .collect(),
                _ => Vec::new(),
            };
            (lines.join("\n") + "\n").into_bytes()
        }
        _ => {
            return Err(Error::Usage(
                "--per-sample FILE must end in .npy or .csv (the format it is written in)",
            ));
        }
    };
    std::fs::File::create(path)
        .and_then(|mut f| f.write_all(&bytes))
        .map_err(|source| Error::Write {
            path: path.into(),
            source,
        })
}

/// A version-1 `.npy` file of a little-endian `float64` array of `shape` (C order), its
/// header padded so that the data starts at a multiple of 64 bytes, as numpy writes it.
fn npy(values: &[f64], shape: &[usize]) -> Vec<u8> {
    let dims = xent_core::array::numpy_shape(shape);
    let dict = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': {dims}, }}");
    let unpadded = 10 + dict.len() + 1;
    let header_len = dict.len() + 1 + (64 - unpadded % 64) % 64;
    let mut out = Vec::with_capacity(10 + header_len + 8 * values.len());
    out.extend_from_slice(b"\x93NUMPY\x01\x00");
    out.extend_from_slice(&(header_len as u16).to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    out.resize(10 + header_len - 1, b' ');
    out.push(b'\n');
    for v in values {
        out.extend_from_slice(&(v + 0.0).to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_sample_npy_reads_back_with_xent_io()
    -> std::result::Result<(), Box<dyn std::error::Error>> {
        let dir = std::env::temp_dir().join(format!("xent-per-sample-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let path = dir.join("l.npy");
        let losses = [0.5, 0.0, f64::INFINITY, 1e-300];
        write_per_sample(&path, &losses, 1, Reading::Vector)?;
        let back = xent_io::read(&path)?;
        assert_eq!(back.shape, vec![4]);
        let array = back.vector().ok_or("a vector")?;
        let read: Vec<f64> = (0..4).map(|i| array.get_f64(0, i)).collect();
        assert_eq!(read, losses);
        let bytes = std::fs::read(&path)?;
        assert_eq!((bytes.len() - 4 * 8) % 64, 0, "data aligned to 64 bytes");
        std::fs::remove_dir_all(&dir)?;
        Ok(())
    }

    #[test]
    fn elementwise_losses_are_written_in_the_users_layout()
    -> std::result::Result<(), Box<dyn std::error::Error>> {
        let dir = std::env::temp_dir().join(format!("xent-elementwise-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        // Two outputs, three samples, sample by sample: [l00, l10, l01, l11, l02, l12].
        let losses = [0.5, 1.5, 2.0, 3.0, 4.0, 5.0];
        let csv = dir.join("l.csv");
        write_per_sample(&csv, &losses, 2, Reading::Cols)?;
        assert_eq!(std::fs::read_to_string(&csv)?, "0.5,2,4\n1.5,3,5\n");
        write_per_sample(&csv, &losses, 2, Reading::Rows)?;
        assert_eq!(std::fs::read_to_string(&csv)?, "0.5,1.5\n2,3\n4,5\n");
        let npy = dir.join("l.npy");
        write_per_sample(&npy, &losses, 2, Reading::Cols)?;
        let back = xent_io::read(&npy)?;
        assert_eq!(back.shape, vec![2, 3]);
        assert_eq!(written_shape(2, 3, Reading::Rows), vec![3, 2]);
        std::fs::remove_dir_all(&dir)?;
        Ok(())
    }
}
