//! The front door: `.npy` files and `.parquet` columns read in bounded chunks while the
//! production path computes.
//!
//! When every input is a regular `.npy` file whose reading (see [`crate::layout`]) keeps
//! consecutive samples contiguous in the file (a `(1, m)` or `(m,)` array, one row per
//! sample read by rows, a Fortran-order array read by columns) or a column of a `.parquet`
//! file (a row is a sample), the command never holds more than two blocks of each input:
//! one reader thread fills a block of about a MiB of each file (positioned reads into a
//! reused buffer, in the file's own dtype; a Parquet column row group after row group,
//! one page at a time) while the fused kernel validates and reduces the previous one
//! (`xent_registry::Stream`, which returns the same bits as the in-memory evaluation, and
//! the same error). With `--sum exact` each block is also summed exactly
//! (`xent_fused::Stream::with_exact`): the same bytes as the exact sum in memory.
//!
//! A file that shrinks while it is read is an error (the reader sees the short read), never
//! a signal: nothing is memory-mapped. Anything else (a `.csv` file, standard input, another
//! memory order, a convention or a comparison) is read into memory once, in its own dtype.

use std::ops::Range;
use std::path::Path;
use std::sync::mpsc;

use xent_core::{Dtype, Kind, Shape, Targets, Unvalidated};
use xent_io::{Buffer, Format, NpyReader, ParquetReader};

use crate::error::{Error, FileRef, Result};
use crate::evaluate::{ExactSum, InputInfo, Outcome};
use crate::layout::{self, ClassesSource, Other, Reading, Role, Source};
use crate::{Options, TruthFiles};

/// Entries per block and input, about a MiB of `f64`: large enough for the kernel's
/// threads, small enough to stay in the last-level cache between the read and the kernel.
const BLOCK_ENTRIES: usize = 1 << 17;

/// A file opened for reading in blocks: a `.npy` file or a `.parquet` column.
enum Reader {
    Npy(NpyReader),
    Parquet(Box<ParquetReader>),
}

impl Reader {
    /// Opens `file` when it can be streamed: `Ok(None)` for anything read into memory.
    fn open(file: &FileRef) -> Result<Option<Reader>> {
        let path = &file.path;
        if path.as_os_str() == "-" || xent_io::npz_path(path).is_some() {
            return Ok(None);
        }
        if xent_io::parquet_path(path).is_some() {
            return ParquetReader::open(path)
                .map(|r| Some(Reader::Parquet(Box::new(r))))
                .map_err(|e| Error::read(file, e));
        }
        if !path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("npy"))
        {
            return Ok(None);
        }
        let reader = NpyReader::open(path).map_err(|e| Error::read(file, e))?;
        Ok(reader.is_seekable().then_some(Reader::Npy(reader)))
    }

    fn format(&self) -> Format {
        match self {
            Reader::Npy(_) => Format::Npy,
            Reader::Parquet(_) => Format::Parquet,
        }
    }

    fn shape(&self) -> Vec<usize> {
        match self {
            Reader::Npy(r) => r.header().shape.clone(),
            Reader::Parquet(r) => r.shape(),
        }
    }

    fn dtype(&self) -> Dtype {
        match self {
            Reader::Npy(r) => r.dtype(),
            Reader::Parquet(r) => r.dtype(),
        }
    }

    fn fortran_order(&self) -> bool {
        match self {
            Reader::Npy(r) => r.header().fortran_order,
            Reader::Parquet(_) => false,
        }
    }

    fn len(&self) -> usize {
        match self {
            Reader::Npy(r) => r.len(),
            Reader::Parquet(r) => r.len(),
        }
    }

    fn buffer(&self, capacity: usize) -> Buffer {
        match self {
            Reader::Npy(r) => r.buffer(capacity),
            Reader::Parquet(r) => r.buffer(capacity),
        }
    }

    /// Entries `first .. first + len` in the file's memory order (a Parquet column's:
    /// row after row).
    fn read_into(&self, first: usize, len: usize, buffer: &mut Buffer) -> xent_io::Result<()> {
        match self {
            Reader::Npy(r) => r.read_into(first, len, buffer),
            Reader::Parquet(r) => r.read_into(first, len, buffer),
        }
    }
}

/// One input opened for streaming.
struct Input {
    reader: Reader,
    source: Source,
}

/// The second input.
enum Second {
    Matrix(Input),
    Classes(Reader, ClassesSource),
}

/// Evaluates the problem by streaming its files, when they allow it: `Ok(None)` when they
/// do not (the caller reads them into memory), or when anything is wrong with them that the
/// in-memory path words better (shapes that differ, an empty array).
pub(crate) fn try_stream(
    kind: Kind,
    pred: &Path,
    truth: &TruthFiles<'_>,
    options: &Options,
) -> Result<Option<Outcome>> {
    let role = match kind {
        Kind::Binary => Role::Binary,
        Kind::Categorical => Role::Categorical,
    };
    let pred_ref = FileRef::new("--pred", pred);
    let second_ref = match truth {
        TruthFiles::Labels(l) => FileRef::new("--labels", *l),
        TruthFiles::Targets(t) => match (&t.target, &t.classes) {
            (Some(p), _) => FileRef::new("--target", p.as_path()),
            (None, Some(c)) => FileRef::new("--classes", c.as_path()),
            (None, None) => return Ok(None),
        },
    };
    if !streamable(&pred_ref) || !streamable(&second_ref) {
        return Ok(None);
    }
    let Some(pred_reader) = Reader::open(&pred_ref)? else {
        return Ok(None);
    };
    let Some(second_reader) = Reader::open(&second_ref)? else {
        return Ok(None);
    };
    // Binary: the predictions are read (and refused) first; categorical with class
    // indices: their count decides how the predictions read, so they come first.
    let early_pred = if second_ref.flag == "--classes" {
        None
    } else {
        Some(Source::resolve(
            pred_ref.clone(),
            pred_reader.format(),
            pred_reader.shape(),
            pred_reader.dtype(),
            options.layout,
            role,
            None,
        )?)
    };
    let second = if second_ref.flag == "--classes" {
        let shape = second_reader.shape();
        let (r, c) = match *shape.as_slice() {
            [n] => (1, n),
            [r, c] => (r, c),
            _ => return Ok(None),
        };
        if r != 1 && c != 1 {
            return Ok(None);
        }
        let source = ClassesSource {
            file: second_ref,
            format: second_reader.format(),
            shape,
            dtype: second_reader.dtype(),
        };
        Second::Classes(second_reader, source)
    } else {
        let source = Source::resolve(
            second_ref,
            second_reader.format(),
            second_reader.shape(),
            second_reader.dtype(),
            options.layout,
            role,
            None,
        )?;
        Second::Matrix(Input {
            reader: second_reader,
            source,
        })
    };
    let samples = match &second {
        Second::Classes(r, _) => Some(r.len()),
        Second::Matrix(_) => None,
    };
    let source = match early_pred {
        Some(source) => source,
        None => Source::resolve(
            pred_ref,
            pred_reader.format(),
            pred_reader.shape(),
            pred_reader.dtype(),
            options.layout,
            role,
            samples,
        )?,
    };
    let pred = Input {
        reader: pred_reader,
        source,
    };
    let (rows, cols) = pred.source.read_shape();
    let fits = match &second {
        Second::Matrix(y) => y.source.read_shape() == (rows, cols) && contiguous(y),
        Second::Classes(r, _) => r.len() == cols,
    };
    if rows == 0 || cols == 0 || !fits || !contiguous(&pred) {
        return Ok(None);
    }
    let _span = tracing::debug_span!("stream", rows, cols).entered();
    let start = std::time::Instant::now();
    let exact_sum = options.sum == crate::SumArg::Exact;
    let (evaluation, partial) = run(
        kind,
        &pred,
        &second,
        Shape { rows, cols },
        options.from_logits,
        exact_sum,
    )?;
    tracing::info!(
        pred = %pred.source.file.path.display(),
        dtype = %pred.source.dtype,
        rows,
        cols,
        elapsed_ms = start.elapsed().as_millis() as u64,
        "read and reduced in blocks"
    );
    let mut outcome = Outcome::production(
        kind,
        options.from_logits,
        evaluation,
        cols as f64,
        options.base,
    );
    outcome.outputs = rows;
    outcome.inputs = vec![info(&pred.source), second_info(&second)];
    if let Some(partial) = partial {
        let (value, report) =
            ExactSum::of_partial(&partial, &evaluation, None, options.base, |_| {
                xent_fused::tolerance::FUSED_MAX_ULPS
            })?;
        crate::set_exact(&mut outcome, value, report);
    }
    Ok(Some(outcome))
}

/// A `.npy` file or a `.parquet` column by its name (standard input, `.npz` members and
/// `.csv` are read into memory).
fn streamable(file: &FileRef) -> bool {
    let path = &file.path;
    path.as_os_str() != "-"
        && xent_io::npz_path(path).is_none()
        && (xent_io::parquet_path(path).is_some()
            || path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("npy")))
}

/// Whether consecutive samples of the reading are consecutive in the file.
fn contiguous(input: &Input) -> bool {
    let fortran = input.reader.fortran_order();
    match (input.reader.shape().as_slice(), input.source.reading) {
        ([_], _) => true,
        (&[r, c], _) if r == 1 || c == 1 => true,
        (_, Reading::Cols) => fortran,
        (_, Reading::Rows) => !fortran,
        _ => false,
    }
}

/// One block of each input, in the files' dtypes.
struct Block {
    samples: Range<usize>,
    pred: Buffer,
    second: Buffer,
}

fn run(
    kind: Kind,
    pred: &Input,
    second: &Second,
    shape: Shape,
    logits: bool,
    exact_sum: bool,
) -> Result<(xent_core::Evaluation, Option<xent_fused::exact::Partial>)> {
    let stream = match (kind, second) {
        (Kind::Binary, _) => xent_registry::Stream::binary(shape, logits),
        (Kind::Categorical, Second::Classes(..)) => {
            xent_registry::Stream::categorical(shape, logits, true)
        }
        (Kind::Categorical, Second::Matrix(_)) => {
            xent_registry::Stream::categorical(shape, logits, false)
        }
    };
    let mut stream = if exact_sum {
        stream.with_exact()
    } else {
        stream
    };
    let unit = stream.block_samples().max(1);
    let per_block = unit * (BLOCK_ENTRIES / (unit * shape.rows.max(1))).max(1);
    let blocks: Vec<Range<usize>> = (0..shape.cols)
        .step_by(per_block)
        .map(|s| s..shape.cols.min(s + per_block))
        .collect();
    let rows = shape.rows;
    let second_reader = match second {
        Second::Matrix(y) => &y.reader,
        Second::Classes(r, _) => r,
    };
    let second_rows = match second {
        Second::Matrix(_) => rows,
        Second::Classes(..) => 1,
    };
    let second_flag = match second {
        Second::Matrix(y) => &y.source.file,
        Second::Classes(_, c) => &c.file,
    };
    // Two sets of buffers circulate: one being filled, one being reduced.
    let (full_tx, full_rx) = mpsc::sync_channel::<Result<Block>>(1);
    let (empty_tx, empty_rx) = mpsc::sync_channel::<Block>(2);
    for _ in 0..2 {
        let _ = empty_tx.send(Block {
            samples: 0..0,
            pred: pred.reader.buffer(per_block * rows),
            second: second_reader.buffer(per_block * second_rows),
        });
    }
    let blocks = &blocks;
    let count = blocks.len();
    std::thread::scope(|scope| -> Result<()> {
        scope.spawn(move || {
            for range in blocks {
                let Ok(mut block) = empty_rx.recv() else {
                    return;
                };
                let n = range.end - range.start;
                let read = pred
                    .reader
                    .read_into(range.start * rows, n * rows, &mut block.pred)
                    .map_err(|e| Error::read(&pred.source.file, e))
                    .and_then(|()| {
                        second_reader
                            .read_into(
                                range.start * second_rows,
                                n * second_rows,
                                &mut block.second,
                            )
                            .map_err(|e| Error::read(second_flag, e))
                    });
                block.samples = range.clone();
                let failed = read.is_err();
                if full_tx.send(read.map(|()| block)).is_err() || failed {
                    return;
                }
            }
        });
        for _ in 0..count {
            let Ok(block) = full_rx.recv() else {
                break;
            };
            let block = block?;
            let n = block.samples.end - block.samples.start;
            let (Some(p), Some(s)) = (
                block.pred.view(rows, n, 1, rows.max(1)),
                block.second.view(second_rows, n, 1, second_rows.max(1)),
            ) else {
                return Err(Error::Usage("a block does not fill its buffer"));
            };
            let unvalidated = match (kind, second) {
                (Kind::Binary, _) => Unvalidated::binary(p, s, logits),
                (Kind::Categorical, Second::Classes(..)) => {
                    Unvalidated::categorical(p, Targets::Classes(s), logits)
                }
                (Kind::Categorical, Second::Matrix(_)) => {
                    Unvalidated::categorical(p, Targets::Dense(s), logits)
                }
            }
            .map_err(|e| explain(e, pred, second))?;
            stream.push(&unvalidated);
            let _ = empty_tx.send(block);
        }
        Ok(())
    })?;
    stream.finish_exact().map_err(|e| explain(e, pred, second))
}

fn explain(e: xent_core::Error, pred: &Input, second: &Second) -> Error {
    let other = match second {
        Second::Matrix(y) => Other::Matrix(&y.source),
        Second::Classes(_, c) => Other::Classes(c),
    };
    layout::explain(e, &pred.source, other)
}

fn info(s: &Source) -> InputInfo {
    InputInfo {
        flag: s.file.flag,
        reading: s.describe(),
        dtype: s.dtype.name(),
    }
}

fn second_info(second: &Second) -> InputInfo {
    match second {
        Second::Matrix(y) => info(&y.source),
        Second::Classes(_, c) => c.info(),
    }
}
