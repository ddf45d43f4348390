//! `cargo xtask bench`: speed and memory of every formulation, and of the documents' numpy
//! expressions on the same arrays.
//!
//! For each problem — binary `(1, m)` with `m = 10^3, 10^5, 10^6, 10^7`, hard and soft
//! labels; categorical with class indices, `(k, m) = (10, 10^6)` and `(1000, 10^4)` — and for
//! 1 and 2 threads (a rayon pool installed around the timing loop, so pool start-up is not
//! timed; the BLAS threads for numpy), it times:
//!
//! - every [`Formulation`] of the registry ([`xent_registry::all`]: the numpy styles and the
//!   production path) on the validated problem;
//! - `<production>-checked`: [`xent_registry::checked`] on the raw arrays, shape-checked
//!   only ([`Unvalidated`]), which validates (ranges, NaN, class indices, column sums) in the
//!   same pass — what the CLI runs;
//! - `read-floor`: a vectorised sum over both inputs, nothing else: the memory-bandwidth
//!   floor of any one-pass method on this machine, measured in the same run;
//! - `numpy-sum`, `numpy-dot`, `numpy-matmul`: the documents' expressions, for each numpy
//!   style a formulation of the registry reproduces, when `python3` with numpy is available
//!   (skipped otherwise).
//!
//! - `fused-exact` (1 thread): the production path with the exact sum
//!   (`xent_fused::Sum::Exact`), on the same validated problem.
//!
//! Those rows read `float64` inputs. Beside them, **kernel rows** for the dtypes files hold:
//! the production path and its checked entry point on `float32` predictions with hard labels
//! as `bool` and as `uint8`, and with `float32` labels (hard and soft), binary, 1 thread, at
//! the largest `m` (10^7). Rows name methods by what the registry says (a formulation's
//! name, the production path's), never by a name written here.
//!
//! Then **the whole command**, as a user runs it: `xent binary` on `(1, 10^7)` float64 and
//! float32 `.npy` pairs, `xent categorical` on `(10^6, 10)` float64 and float32 logits with
//! int64 class indices, and (full sizes only) `xent binary` on a `(1, 10^8)` float64 pair,
//! each a process timed beside `cat` of the same files (the read floor), with its peak RSS
//! from `wait4`, into `commands.json` and a table of `bench.md` that says whether each
//! target (wall ≤ 2 × floor + 5 ms, peak RSS ≤ 1.1 × input + 16 MiB) is met.
//!
//! Each row is repeated until a time budget is spent (at least 3 runs, at most 1000), in each
//! of `--rounds` passes over the whole grid (2 by default: the machine is shared, and a burst
//! of load then moves the median less); it reports the median ns per entry over all runs and
//! their spread (p10–p90 relative to the median; min and max in `bench.json`). Peak extra memory is what the
//! call allocates beyond its inputs, measured by a counting global allocator (the peak of
//! live bytes during the call minus the live bytes before it); for numpy, by `tracemalloc`.
//!
//! With weights (binary `float64`, 1 thread): `<production>-weighted` (one weight per sample),
//! `<production>-none` (the per-sample losses, into memory) and `write-floor` (allocating and
//! writing one `f64` per sample, what the losses' output costs alone); the targets compare
//! them with the unweighted row of the same run. `cargo xtask bench --weighted` times only
//! those rows and the unweighted one at m = 10^7, interleaved in each round, and writes
//! `weighted.md`.
//!
//! `cargo xtask bench --exact` times only the production path with its default sum and
//! with the exact sum, binary float64, m = 10^7, hard and soft labels, 1 thread, interleaved
//! in each round, and writes `exact.md`.
//!
//! `cargo xtask bench --datafusion` times `xent-datafusion`'s `xent_log_loss` against
//! DataFusion's builtin SQL expression of the same loss (`AVG(-(label*ln(pred) + …))`) and a
//! read floor over one uncompressed Parquet file of 10^7 rows, and writes `datafusion.md`.
//!
//! `cargo xtask bench --ln-error` measures instead the fused logarithm's maximum error in
//! ulps against the oracle's 256-bit values, on every dispatch path; `--replot` redraws the SVG from the
//! last `bench.json`.
//!
//! Output, under the workspace's `target/xent-bench/` (the workspace root is found from this
//! crate's `CARGO_MANIFEST_DIR`, whatever `CARGO_TARGET_DIR` says): `bench.json` (one object
//! per row), `bench.md` (tables, targets, conditions) and `bench.svg` (ns per entry against
//! `m`, log-log, binary hard labels, one line per formulation and numpy style).

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use nalgebra::DMatrix;
use serde::Serialize;
use xent_core::{
    Array, BinaryProblem, Dtype, Formulation, Kind, Numpy, Problem, Targets, Unvalidated, View,
};
use xent_fused::{Fused, FusedOn, Isa, Sum};

/// Options of `cargo xtask bench`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Seconds of repetitions per row (at least 3 runs each).
    #[arg(long, default_value_t = 0.5)]
    budget: f64,
    /// Small sizes only (m ≤ 10^5), for a smoke test.
    #[arg(long)]
    quick: bool,
    /// Do not time numpy even if it is available.
    #[arg(long)]
    no_numpy: bool,
    /// Output directory (default: `<workspace>/target/xent-bench`).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Rounds of the whole grid; each row pools the runs of every round, so that a burst of
    /// load from other processes moves the medians less.
    #[arg(long, default_value_t = 2)]
    rounds: usize,
    /// Instead of timing: measure the fused logarithm's maximum error in ulps against
    /// the oracle's 256-bit values (every binade, subnormals included, and densely near √½), on the FMA
    /// and the non-FMA paths. About a minute.
    #[arg(long)]
    ln_error: bool,
    /// Only redraw `bench.svg` from the `bench.json` of an earlier run.
    #[arg(long)]
    replot: bool,
    /// Only the weighted rows and what their targets compare them with: binary float64,
    /// m = 10^7, hard and soft labels, 1 thread, the production path unweighted, with sample
    /// weights and with per-sample losses, and the write floor, interleaved in each round.
    #[arg(long)]
    weighted: bool,
    /// Only the exact-sum rows and what their target compares them with: binary float64,
    /// m = 10^7, hard and soft labels, 1 thread, the production path with its default
    /// (compensated) sum and with the exact sum, interleaved in each round.
    #[arg(long)]
    exact: bool,
    /// Only the DataFusion rows: `xent_log_loss` against the builtin SQL expression of the
    /// same loss and a read floor, over one uncompressed Parquet file of 10^7 rows
    /// (`--quick`: 10^5), interleaved in each round (`crates/datafusion/examples/bench.rs`,
    /// built in release).
    #[arg(long)]
    datafusion: bool,
    /// Skip the whole-command rows (`xent` as a process; with the full sizes they include a
    /// (1, 10^8) float64 pair, 1.6 GB written to the output folder and removed after).
    #[arg(long)]
    no_command: bool,
}

/// Counts live heap bytes and their peak, so each row can report what a call allocates.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(bytes: usize) {
    let live = LIVE.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so the
// `GlobalAlloc` contract is `System`'s; the counters only observe sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees (non-zero size layout).
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as `alloc`.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` (through this allocator) with `layout`.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` was allocated by `System` with `layout`; `new_size` is the caller's.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            grew(new_size);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f`, returning its result and the peak of heap bytes it held beyond what was live.
fn measure_peak<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let out = f();
    (out, PEAK.load(Ordering::Relaxed).saturating_sub(base))
}

/// One measured row of `bench.json`.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
struct Row {
    formulation: String,
    threads: usize,
    /// `binary` or `categorical`.
    kind: String,
    m: usize,
    /// Rows: `n_y = 1` for binary, classes for categorical.
    k: usize,
    /// `hard`, `soft` or `classes`.
    labels: String,
    /// The predictions' dtype (`float64` unless a kernel row says otherwise).
    #[serde(default = "float64")]
    pred_dtype: String,
    /// The labels' or class indices' dtype.
    #[serde(default = "float64")]
    labels_dtype: String,
    /// Median over the runs.
    ns_per_entry: f64,
    ns_per_entry_min: f64,
    ns_per_entry_max: f64,
    /// `(p90 − p10) / median`, in percent: the spread of the runs.
    spread_percent: f64,
    runs: usize,
    /// Rounds of the whole grid the runs come from (see `--rounds`).
    rounds: usize,
    peak_extra_bytes: usize,
    /// The summed log-likelihood it returned (a checksum: all formulations agree); none for
    /// numpy, whose value stays in Python.
    log_likelihood: Option<f64>,
    /// The runs, in seconds (not written).
    #[serde(skip)]
    times: Vec<f64>,
}

fn float64() -> String {
    Dtype::F64.name().to_owned()
}

/// What a row times. Rows of `bench.json` hold its [`Method::label`].
#[derive(Clone, Copy)]
enum Method {
    /// A formulation of the registry, on the validated problem.
    Formulation(&'static dyn Formulation),
    /// [`xent_registry::checked`] on the shape-checked raw arrays: validation in the pass.
    Checked,
    /// A vectorised sum over the inputs: the memory floor of any one pass.
    ReadFloor,
    /// The production path with one weight per sample (binary `float64`, one thread).
    Weighted,
    /// The production path's per-sample losses (`--reduction none`), into memory.
    PerSample,
    /// Allocating and writing one `f64` per sample: the cost of the per-sample losses' output
    /// alone (what the target of `none` adds to twice the unweighted time).
    WriteFloor,
    /// The production path with the exact sum (`--sum exact`), 1 thread.
    Exact,
    /// The documents' numpy expression in this style, timed in python3.
    Numpy(Numpy),
}

/// numpy's function of each style: the key `numpy_styles.py` prints.
fn numpy_function(style: Numpy) -> &'static str {
    match style {
        Numpy::Sum => "sum",
        Numpy::Dot => "dot",
        Numpy::Matmul => "matmul",
    }
}

impl Method {
    /// The production path of the registry.
    fn production() -> Method {
        Method::Formulation(xent_registry::production())
    }

    /// Its name in reports: the formulation's own; the production path's with `-checked`.
    fn label(self) -> String {
        match self {
            Method::Formulation(f) => f.name().to_owned(),
            Method::Checked => format!("{}-checked", xent_registry::production().name()),
            Method::ReadFloor => "read-floor".to_owned(),
            Method::Weighted => format!("{}-weighted", xent_registry::production().name()),
            Method::PerSample => format!("{}-none", xent_registry::production().name()),
            Method::WriteFloor => "write-floor".to_owned(),
            Method::Exact => Fused::with_sum(Sum::Exact).name().to_owned(),
            Method::Numpy(style) => format!("numpy-{}", numpy_function(style)),
        }
    }

    /// Every method, in the order of the tables' columns: the registry's formulations, the
    /// checked path, the floor, then numpy in each style a formulation reproduces.
    fn all() -> Vec<Method> {
        let formulations = xent_registry::all().iter().copied();
        let styles = xent_registry::all().iter().filter_map(|f| f.style().numpy);
        formulations
            .map(Method::Formulation)
            .chain([
                Method::Checked,
                Method::ReadFloor,
                Method::Weighted,
                Method::PerSample,
                Method::WriteFloor,
                Method::Exact,
            ])
            .chain(styles.map(Method::Numpy))
            .collect()
    }

    /// Whether `row` is a row of this method.
    fn rows(self, row: &Row) -> bool {
        row.formulation == self.label()
    }
}

/// The inputs a kernel row reads instead of the grid's `float64`: `float32` predictions
/// and labels in a file's dtype.
struct Narrow {
    pred: Vec<f32>,
    labels: NarrowLabels,
}

enum NarrowLabels {
    Bool(Vec<bool>),
    U8(Vec<u8>),
    F32(Vec<f32>),
}

/// One problem of the grid and its inputs.
struct Case {
    kind: Kind,
    labels: &'static str,
    k: usize,
    m: usize,
    pred: DMatrix<f64>,
    /// Labels (binary) or dense one-hot targets (categorical).
    targets: DMatrix<f64>,
    classes: Vec<u64>,
    /// For a kernel row: the same values in narrower dtypes.
    narrow: Option<Narrow>,
}

impl Case {
    fn entries(&self) -> usize {
        self.k * self.m
    }

    /// The predictions and labels (binary) as borrowed arrays, in the case's dtypes.
    fn binary_arrays(&self) -> (Array<'_>, Array<'_>) {
        match &self.narrow {
            None => ((&self.pred).into(), (&self.targets).into()),
            Some(n) => {
                let labels = match &n.labels {
                    NarrowLabels::Bool(y) => View::vector(y).array(),
                    NarrowLabels::U8(y) => View::vector(y).array(),
                    NarrowLabels::F32(y) => View::vector(y).array(),
                };
                (View::vector(&n.pred).array(), labels)
            }
        }
    }

    fn dtypes(&self) -> (Dtype, Dtype) {
        match self.kind {
            Kind::Binary => {
                let (a, y) = self.binary_arrays();
                (a.dtype(), y.dtype())
            }
            Kind::Categorical => (Dtype::F64, Dtype::U64),
        }
    }

    /// The thread counts it is timed on: 1 and 2; kernel rows 1.
    fn threads(&self) -> &'static [usize] {
        if self.narrow.is_some() { &[1] } else { &[1, 2] }
    }

    fn name(&self) -> String {
        let dtypes = match &self.narrow {
            None => String::new(),
            Some(_) => {
                let (a, y) = self.dtypes();
                format!(" ({a}, {y} labels)")
            }
        };
        match self.kind {
            Kind::Binary => format!("binary {} m = {}{dtypes}", self.labels, pow10(self.m)),
            Kind::Categorical => format!("categorical ({}, {})", pow10(self.k), pow10(self.m)),
        }
    }

    /// Whether `row` is a row of this case.
    fn rows(&self, row: &Row) -> bool {
        let (a, y) = self.dtypes();
        row.kind == self.kind.as_str()
            && row.m == self.m
            && row.k == self.k
            && row.labels == self.labels
            && row.pred_dtype == a.name()
            && row.labels_dtype == y.name()
    }
}

/// `10^e` for powers of ten, the number otherwise.
fn pow10(n: usize) -> String {
    let mut e = 0;
    let mut v = n;
    while v >= 10 && v.is_multiple_of(10) {
        v /= 10;
        e += 1;
    }
    if v == 1 && e > 1 {
        format!("10^{e}")
    } else {
        n.to_string()
    }
}

/// The one seeded generator: every run times the same data.
use xent_core::rng::Seeded as Rng;

fn binary_case(m: usize, soft: bool) -> Case {
    binary_case_in(m, soft, None)
}

/// A kernel row's case: the f64 case's values rounded to `float32` (predictions kept inside
/// (0, 1)), labels as `labels` says (`bool` and `uint8` for hard labels only).
fn narrow_case(m: usize, soft: bool, labels: Dtype) -> Case {
    let wide = binary_case(m, soft);
    let pred: Vec<f32> = wide
        .pred
        .iter()
        .map(|&a| (a as f32).clamp(f32::MIN_POSITIVE, 1.0 - f32::EPSILON))
        .collect();
    let y = wide.targets.as_slice();
    let labels = match labels {
        Dtype::Bool => NarrowLabels::Bool(y.iter().map(|&v| v == 1.0).collect()),
        Dtype::U8 => NarrowLabels::U8(y.iter().map(|&v| v as u8).collect()),
        _ => NarrowLabels::F32(y.iter().map(|&v| v as f32).collect()),
    };
    binary_case_in(m, soft, Some(Narrow { pred, labels }))
}

fn binary_case_in(m: usize, soft: bool, narrow: Option<Narrow>) -> Case {
    let mut rng = Rng::new(m as u64 + u64::from(soft));
    let a = DMatrix::from_fn(1, m, |_, _| rng.unit().clamp(1e-9, 1.0 - 1e-9));
    let y = DMatrix::from_fn(1, m, |_, _| {
        let u = rng.unit();
        if soft { u } else { u.round() }
    });
    Case {
        kind: Kind::Binary,
        labels: if soft { "soft" } else { "hard" },
        k: 1,
        m,
        pred: a,
        targets: y,
        classes: Vec::new(),
        narrow,
    }
}

fn categorical_case(k: usize, m: usize) -> Case {
    let mut rng = Rng::new((k * m) as u64 ^ 0xc1a55);
    let mut q = DMatrix::from_fn(k, m, |_, _| rng.unit() + 0.01);
    for mut col in q.column_iter_mut() {
        let total: f64 = col.iter().sum();
        col /= total;
    }
    let classes: Vec<u64> = (0..m)
        .map(|_| ((rng.unit() * k as f64) as u64).min(k as u64 - 1))
        .collect();
    let p = DMatrix::from_fn(k, m, |i, j| f64::from(u8::from(classes[j] == i as u64)));
    Case {
        kind: Kind::Categorical,
        labels: "classes",
        k,
        m,
        pred: q,
        targets: p,
        classes,
        narrow: None,
    }
}

/// Times `f` within the budget: (median, min, max) seconds, runs, peak extra bytes, result.
fn time_it(budget: f64, mut f: impl FnMut() -> f64) -> (Vec<f64>, usize, f64) {
    // Warm-up: first-touch of pages, lazily allocated thread-locals, the ISA detection.
    let (mut value, _) = measure_peak(&mut f);
    let mut times = Vec::new();
    let mut peak = 0;
    let start = Instant::now();
    while times.len() < 1000 && (times.len() < 3 || start.elapsed().as_secs_f64() < budget) {
        let t = Instant::now();
        let (v, p) = measure_peak(&mut f);
        times.push(t.elapsed().as_secs_f64());
        peak = peak.max(p);
        value = v;
    }
    (times, peak, value)
}

fn row(method: Method, threads: usize, case: &Case, times: &[f64], peak: usize, value: f64) -> Row {
    let mut sorted = times.to_vec();
    sorted.sort_by(f64::total_cmp);
    let per = 1e9 / case.entries() as f64;
    let at = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize] * per;
    let median = at(0.5);
    let (min, max) = (sorted[0] * per, sorted[sorted.len() - 1] * per);
    let (p10, p90) = (at(0.1), at(0.9));
    let (pred_dtype, labels_dtype) = case.dtypes();
    Row {
        formulation: method.label(),
        threads,
        kind: case.kind.as_str().to_string(),
        m: case.m,
        k: case.k,
        labels: case.labels.to_string(),
        pred_dtype: pred_dtype.name().to_string(),
        labels_dtype: labels_dtype.name().to_string(),
        ns_per_entry: median,
        ns_per_entry_min: min,
        ns_per_entry_max: max,
        spread_percent: 100.0 * (p90 - p10) / median,
        runs: times.len(),
        rounds: 1,
        peak_extra_bytes: peak,
        log_likelihood: value.is_finite().then_some(value),
        times: times.to_vec(),
    }
}

/// Rows of several rounds merged: the runs of each row pooled, its statistics recomputed.
fn merge_rounds(rounds: Vec<Vec<Row>>, cases: &[Case]) -> Vec<Row> {
    let mut merged: Vec<Row> = Vec::new();
    for r in rounds.into_iter().flatten() {
        let same = merged.iter_mut().find(|m| {
            m.formulation == r.formulation
                && m.threads == r.threads
                && m.kind == r.kind
                && m.m == r.m
                && m.k == r.k
                && m.labels == r.labels
                && m.pred_dtype == r.pred_dtype
                && m.labels_dtype == r.labels_dtype
        });
        match same {
            None => merged.push(r),
            Some(m) => {
                let (Some(case), Some(method)) = (
                    cases.iter().find(|c| c.rows(m)),
                    Method::all().into_iter().find(|f| f.rows(m)),
                ) else {
                    continue;
                };
                let mut times = std::mem::take(&mut m.times);
                times.extend(&r.times);
                let peak = m.peak_extra_bytes.max(r.peak_extra_bytes);
                let value = r.log_likelihood.unwrap_or(f64::NAN);
                let rounds = m.rounds + 1;
                *m = row(method, r.threads, case, &times, peak, value);
                m.rounds = rounds;
            }
        }
    }
    merged
}

/// A vectorised sum over the inputs (one or two slices of equal length when two): what a
/// single pass must at least cost.
fn read_floor(a: &[f64], b: Option<&[f64]>) -> f64 {
    use rayon::prelude::*;
    const CHUNK: usize = 1 << 14;
    fn sum(a: &[f64], b: &[f64]) -> f64 {
        let mut acc = [0.0f64; 8];
        for (a, b) in a.chunks(8).zip(b.chunks(8)) {
            for ((acc, a), b) in acc.iter_mut().zip(a).zip(b) {
                *acc += a + b;
            }
        }
        acc.iter().sum()
    }
    match b {
        Some(b) => a
            .par_chunks(CHUNK)
            .zip(b.par_chunks(CHUNK))
            .map(|(a, b)| sum(a, b))
            .sum(),
        None => a
            .par_chunks(2 * CHUNK)
            .map(|a| {
                let (x, y) = a.split_at(a.len() / 2);
                sum(x, y)
                    + if a.len() % 2 == 1 {
                        a[a.len() - 1]
                    } else {
                        0.0
                    }
            })
            .sum(),
    }
}

fn measure_case(case: &Case, threads: usize, budget: f64, rows: &mut Vec<Row>) -> Result<()> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    pool.install(|| -> Result<()> {
        let raw = match case.kind {
            Kind::Binary => {
                let (pred, labels) = case.binary_arrays();
                Unvalidated::binary(pred, labels, false)?
            }
            Kind::Categorical => Unvalidated::categorical(
                (&case.pred).into(),
                Targets::classes(&case.classes),
                false,
            )?,
        };
        let problem = raw.validate()?;
        // Kernel rows (narrow dtypes) time the production path only; the numpy styles
        // widen to float64 whatever they read.
        let formulations = match case.narrow {
            None => xent_registry::all(),
            Some(_) => std::slice::from_ref(&xent_registry::ALL[production_index()]),
        };
        for &f in formulations {
            let (t, p, v) = time_it(budget, || problem.evaluate(f).log_likelihood);
            rows.push(row(Method::Formulation(f), threads, case, &t, p, v));
        }
        let (t, p, v) = time_it(budget, || {
            xent_registry::checked(&raw).map_or(f64::NAN, |e| e.log_likelihood)
        });
        rows.push(row(Method::Checked, threads, case, &t, p, v));
        if case.kind == Kind::Binary && case.narrow.is_none() && threads == 1 {
            measure_weighted(case, &raw, budget, rows)?;
        }
        if case.narrow.is_none() && threads == 1 {
            // Exact mode: the correctly rounded sum of the same terms, on the same problem.
            let exact = Fused::with_sum(Sum::Exact);
            let (t, p, v) = time_it(budget, || problem.evaluate(&exact).log_likelihood);
            rows.push(row(Method::Exact, threads, case, &t, p, v));
        }
        if case.narrow.is_none() {
            // The floor reads what a one-pass method reads: both inputs (binary), the
            // predictions (categorical with class indices).
            let second = (case.kind == Kind::Binary).then(|| case.targets.as_slice());
            let (t, p, v) = time_it(budget, || read_floor(case.pred.as_slice(), second));
            rows.push(row(Method::ReadFloor, threads, case, &t, p, v));
        }
        Ok(())
    })?;
    Ok(())
}

/// The weighted rows of a binary case (1 thread, in the installed pool): the production path
/// with one weight per sample in [0, 2), its per-sample losses into memory, and the write
/// floor of those losses.
fn measure_weighted(
    case: &Case,
    raw: &Unvalidated<'_>,
    budget: f64,
    rows: &mut Vec<Row>,
) -> Result<()> {
    let mut rng = Rng::new(7);
    let w: Vec<f64> = (0..case.m).map(|_| 2.0 * rng.unit()).collect();
    let weights = xent_core::Weights::default().with_sample(View::vector(&w).array());
    let weighted = raw.with_weights(&weights)?.validate()?;
    let best = xent_registry::production();
    let (t, p, v) = time_it(budget, || weighted.evaluate(best).log_likelihood);
    rows.push(row(Method::Weighted, 1, case, &t, p, v));
    let (t, p, v) = time_it(budget, || {
        best.per_sample(&weighted)
            .map_or(f64::NAN, |l| l.first().copied().unwrap_or(0.0))
    });
    rows.push(row(Method::PerSample, 1, case, &t, p, v));
    let (t, p, v) = time_it(budget, || write_floor(case.m));
    rows.push(row(Method::WriteFloor, 1, case, &t, p, v));
    Ok(())
}

/// A new vector of `m` values, each written once: what returning per-sample losses must at
/// least cost.
fn write_floor(m: usize) -> f64 {
    let mut out = vec![0.0f64; m];
    for (j, o) in out.iter_mut().enumerate() {
        *o = j as f64;
    }
    std::hint::black_box(&out).last().copied().unwrap_or(0.0)
}

/// The rounds `--weighted` and `--exact` share: binary float64, m = 10^7, hard and soft
/// labels, 1 thread; each round times the production path on a case, then `more` adds the
/// mode's rows of the same case, so that load changes hit both alike. Gives the rows merged
/// over the rounds, the cases and the load average before.
fn interleaved(
    args: &Args,
    mode: &str,
    more: impl Fn(&Case, &Unvalidated<'_>, &Problem<'_>, &mut Vec<Row>) -> Result<()> + Sync,
) -> Result<(Vec<Row>, [Case; 2], String)> {
    let load_before = load_average();
    eprintln!(
        "xent bench --{mode}: {}, fused path {}, load {load_before}",
        cpu_model(),
        Isa::detect()
    );
    let cases = [
        binary_case(10_000_000, false),
        binary_case(10_000_000, true),
    ];
    let best = xent_registry::production();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;
    let mut rounds = Vec::new();
    for round in 1..=args.rounds.max(1) {
        let mut rows = Vec::new();
        for case in &cases {
            pool.install(|| -> Result<()> {
                let (pred, labels) = case.binary_arrays();
                let raw = Unvalidated::binary(pred, labels, false)?;
                let problem = raw.validate()?;
                let (t, p, v) = time_it(args.budget, || problem.evaluate(best).log_likelihood);
                rows.push(row(Method::production(), 1, case, &t, p, v));
                more(case, &raw, &problem, &mut rows)
            })?;
            eprintln!("  round {round}: {}", case.name());
        }
        rounds.push(rows);
    }
    Ok((merge_rounds(rounds, &cases), cases, load_before))
}

/// The table's last line, then the table written to `out_dir/file` and printed.
fn finish_table(mut md: String, args: &Args, load_before: &str, path: &Path) -> Result<ExitCode> {
    let _ = writeln!(
        md,
        "\nns per entry, median (± the spread p90 − p10 of the runs); {} round(s), \
         load average {load_before} before, {} after.",
        args.rounds.max(1),
        load_average()
    );
    std::fs::write(path, &md)?;
    println!("{md}");
    Ok(ExitCode::SUCCESS)
}

/// `cargo xtask bench --weighted`: the production path unweighted and the weighted rows,
/// interleaved in each round, and the ratios their targets set.
fn run_weighted(args: &Args, out_dir: &Path) -> Result<ExitCode> {
    let (rows, cases, load_before) = interleaved(args, "weighted", |case, raw, _, rows| {
        measure_weighted(case, raw, args.budget, rows)
    })?;
    let mut md = String::from(
        "| labels | fused | fused-weighted | ratio (target ≤ 1.5) | fused-none | write-floor | \
         (none − write) / fused (target ≤ 2) |\n|---|---:|---:|---:|---:|---:|---:|\n",
    );
    for case in &cases {
        let ns = |f: Method| find(&rows, f, 1, case).map_or(f64::NAN, |r| r.ns_per_entry);
        let spread = |f: Method| find(&rows, f, 1, case).map_or(f64::NAN, |r| r.spread_percent);
        let (plain, weighted) = (ns(Method::production()), ns(Method::Weighted));
        let (none, write) = (ns(Method::PerSample), ns(Method::WriteFloor));
        let verdict = |ratio: f64, limit: f64| if ratio <= limit { "met" } else { "missed" };
        let (r1, r2) = (weighted / plain, (none - write) / plain);
        let _ = writeln!(
            md,
            "| {} | {plain:.2} ±{:.0}% | {weighted:.2} ±{:.0}% | {r1:.2}: {} | {none:.2} ±{:.0}% \
             | {write:.2} ±{:.0}% | {r2:.2}: {} |",
            case.labels,
            spread(Method::production()),
            spread(Method::Weighted),
            verdict(r1, 1.5),
            spread(Method::PerSample),
            spread(Method::WriteFloor),
            verdict(r2, 2.0),
        );
    }
    finish_table(md, args, &load_before, &out_dir.join("weighted.md"))
}

/// `cargo xtask bench --exact`: the production path with its default sum and with the exact
/// sum, interleaved in each round, and the ratio the target sets.
fn run_exact(args: &Args, out_dir: &Path) -> Result<ExitCode> {
    let exact = Fused::with_sum(Sum::Exact);
    let (rows, cases, load_before) = interleaved(args, "exact", |case, _, problem, rows| {
        let (t, p, v) = time_it(args.budget, || problem.evaluate(&exact).log_likelihood);
        rows.push(row(Method::Exact, 1, case, &t, p, v));
        Ok(())
    })?;
    let mut md = format!(
        "| labels | {} | {} | ratio (target ≤ 2) |\n|---|---:|---:|---:|\n",
        xent_registry::production().name(),
        Method::Exact.label()
    );
    for case in &cases {
        let found = |f: Method| find(&rows, f, 1, case);
        let ns = |f: Method| found(f).map_or(f64::NAN, |r| r.ns_per_entry);
        let spread = |f: Method| found(f).map_or(f64::NAN, |r| r.spread_percent);
        let (plain, summed) = (ns(Method::production()), ns(Method::Exact));
        let ratio = summed / plain;
        let _ = writeln!(
            md,
            "| {} | {plain:.2} ±{:.0}% | {summed:.2} ±{:.0}% | {ratio:.2}: {} |",
            case.labels,
            spread(Method::production()),
            spread(Method::Exact),
            if ratio <= 2.0 { "met" } else { "missed" },
        );
    }
    finish_table(md, args, &load_before, &out_dir.join("exact.md"))
}

/// `cargo xtask bench --datafusion`: the example `bench` of `xent-datafusion`, in release,
/// its table written to `datafusion.md`.
fn run_datafusion(args: &Args, out_dir: &Path) -> Result<ExitCode> {
    let rows = if args.quick { "100000" } else { "10000000" };
    let rounds = args.rounds.max(1).to_string();
    let load_before = load_average();
    let output = cargo_run_release("xent-datafusion")
        .args([
            "--example",
            "bench",
            "--",
            "--rows",
            rows,
            "--rounds",
            &rounds,
        ])
        .stderr(std::process::Stdio::inherit())
        .output()
        .context("running the xent-datafusion bench example")?;
    if !output.status.success() {
        bail!("the xent-datafusion bench example failed");
    }
    let mut md = String::from_utf8(output.stdout).context("its table")?;
    let _ = writeln!(
        md,
        "\nload average {load_before} before, {} after; {}.",
        load_average(),
        cpu_model()
    );
    std::fs::write(out_dir.join("datafusion.md"), &md)?;
    println!("{md}");
    Ok(ExitCode::SUCCESS)
}

/// `cargo run --release --quiet --package PACKAGE`, from the workspace root.
fn cargo_run_release(package: &str) -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command.current_dir(workspace_root()).args([
        "run",
        "--release",
        "--quiet",
        "--package",
        package,
    ]);
    command
}

/// The production path's place in the registry.
fn production_index() -> usize {
    xent_registry::all()
        .iter()
        .position(|f| xent_registry::same(*f, xent_registry::production()))
        .unwrap_or(0)
}

/// One measured command: `xent` as a process on `.npy` files, beside `cat` of the same.
#[derive(Debug, Clone, Serialize)]
struct CommandRow {
    /// What it ran, e.g. `xent binary (1, 10^7) float64`.
    case: String,
    /// The command line (file names relative to the bench folder).
    command: String,
    /// Bytes of the input files.
    input_bytes: u64,
    /// Median wall time of the command, seconds.
    wall_s: f64,
    /// Fastest wall time of the command.
    wall_min_s: f64,
    /// Largest peak resident set of any run, bytes.
    peak_rss_bytes: u64,
    /// Median wall time of `cat FILES > /dev/null`: the read floor.
    read_floor_s: f64,
    /// The targets: wall ≤ 2 × floor + 5 ms, peak RSS ≤ 1.1 × input + 16 MiB.
    wall_target_s: f64,
    rss_target_bytes: u64,
    runs: usize,
}

/// A `.npy` file (format 1.0, C order) of `shape` holding `data` as `descr`.
fn write_npy(path: &Path, descr: &str, shape: &[usize], data: &[u8]) -> Result<()> {
    let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
    let shape = match dims.len() {
        1 => format!("({},)", dims[0]),
        _ => format!("({})", dims.join(", ")),
    };
    let mut dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    while (10 + dict.len() + 1) % 64 != 0 {
        dict.push(' ');
    }
    dict.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend((dict.len() as u16).to_le_bytes());
    out.extend(dict.as_bytes());
    out.extend(data);
    std::fs::write(path, out).with_context(|| format!("writing {}", path.display()))
}

/// `cargo xtask measure-child PROGRAM ARGS…`: runs the program (output discarded), waits
/// for it with `wait4`, and prints `wall_seconds peak_rss_bytes`; fails if it fails. This
/// process is small when it spawns the program, so the peak is the program's own (plus at
/// most this process's few MiB, shared until the `exec`).
pub(crate) fn measure_child(command: &[String]) -> Result<ExitCode> {
    let Some((program, args)) = command.split_first() else {
        bail!("measure-child needs a program");
    };
    let start = Instant::now();
    let child = Command::new(program)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .with_context(|| format!("running {program}"))?;
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: an all-zero `rusage` is a valid value of that C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own child, not yet waited for (`child` is never waited on
    // through std: it is forgotten below); `status` and `usage` are valid for writes.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = start.elapsed().as_secs_f64();
    std::mem::forget(child);
    if waited != pid {
        bail!("wait4 on {program} failed");
    }
    if !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        bail!("{program} {args:?} failed with status {status}");
    }
    // Linux reports ru_maxrss in KiB.
    println!("{wall} {}", usage.ru_maxrss as u64 * 1024);
    Ok(ExitCode::SUCCESS)
}

/// Runs `program args` in `dir` through [`measure_child`] in a fresh `xtask` process:
/// (wall seconds, peak RSS bytes).
fn run_measured(program: &Path, args: &[String], dir: &Path) -> Result<(f64, u64)> {
    let me = std::env::current_exe().context("the xtask binary")?;
    let out = Command::new(me)
        .arg("measure-child")
        .arg(program)
        .args(args)
        .current_dir(dir)
        .output()
        .context("running xtask measure-child")?;
    if !out.status.success() {
        bail!(
            "{} {args:?}: {}",
            program.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut fields = text.split_whitespace();
    let wall: f64 = fields
        .next()
        .and_then(|w| w.parse().ok())
        .context("wall time")?;
    let rss: u64 = fields
        .next()
        .and_then(|r| r.parse().ok())
        .context("peak RSS")?;
    Ok((wall, rss))
}

/// The `xent` binary of this workspace, built in release (or in the dev profile).
pub(crate) fn xent_binary(release: bool) -> Result<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let profile: &[&str] = if release { &["--release"] } else { &[] };
    let status = Command::new(cargo)
        .current_dir(workspace_root())
        .arg("build")
        .args(profile)
        .args(["--quiet", "--package", "xent-cli", "--bin", "xent"])
        .status()
        .context("building xent")?;
    if !status.success() {
        bail!("cargo build {} -p xent-cli failed", profile.join(" "));
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    Ok(target.join(if release {
        "release/xent"
    } else {
        "debug/xent"
    }))
}

/// The whole command, as a user runs it: `xent binary` and `xent categorical` as processes
/// on `.npy` files in the page cache (start-up, reading, validation, the fused path,
/// printing), each beside `cat` of the same files, the wall time and the peak RSS.
fn measure_commands(dir: &Path, runs: usize, huge: bool) -> Result<Vec<CommandRow>> {
    let xent = xent_binary(true)?;
    let mut rng = Rng::new(0x7865_6e74);
    let mut unit = move || rng.unit();
    let m = 10_000_000;
    let a: Vec<f64> = (0..m).map(|_| 0.001 + 0.998 * unit()).collect();
    let y: Vec<f64> = (0..m).map(|_| (unit() < 0.5) as u8 as f64).collect();
    let le64 = |v: &[f64]| -> Vec<u8> { v.iter().flat_map(|x| x.to_le_bytes()).collect() };
    let le32 =
        |v: &[f64]| -> Vec<u8> { v.iter().flat_map(|x| (*x as f32).to_le_bytes()).collect() };
    write_npy(&dir.join("cmd_a64.npy"), "<f8", &[1, m], &le64(&a))?;
    write_npy(&dir.join("cmd_y64.npy"), "<f8", &[1, m], &le64(&y))?;
    write_npy(&dir.join("cmd_a32.npy"), "<f4", &[1, m], &le32(&a))?;
    write_npy(&dir.join("cmd_y32.npy"), "<f4", &[1, m], &le32(&y))?;
    drop((a, y));
    let (k, mc) = (10, 1_000_000);
    let z: Vec<f64> = (0..k * mc).map(|_| 8.0 * unit() - 4.0).collect();
    let c: Vec<u8> = (0..mc)
        .flat_map(|_| ((unit() * k as f64) as i64).min(k as i64 - 1).to_le_bytes())
        .collect();
    write_npy(&dir.join("cmd_z64.npy"), "<f8", &[mc, k], &le64(&z))?;
    write_npy(&dir.join("cmd_z32.npy"), "<f4", &[mc, k], &le32(&z))?;
    write_npy(&dir.join("cmd_c.npy"), "<i8", &[mc], &c)?;
    drop(z);
    let mut cases: Vec<(String, Vec<&str>, Vec<&str>)> = vec![
        (
            "xent binary (1, 10^7) float64".into(),
            vec!["binary", "--pred", "cmd_a64.npy", "--labels", "cmd_y64.npy"],
            vec!["cmd_a64.npy", "cmd_y64.npy"],
        ),
        (
            "xent binary (1, 10^7) float32".into(),
            vec!["binary", "--pred", "cmd_a32.npy", "--labels", "cmd_y32.npy"],
            vec!["cmd_a32.npy", "cmd_y32.npy"],
        ),
        (
            "xent categorical (10^6, 10) float64 logits, int64 classes".into(),
            vec![
                "categorical",
                "--pred",
                "cmd_z64.npy",
                "--classes",
                "cmd_c.npy",
                "--from-logits",
            ],
            vec!["cmd_z64.npy", "cmd_c.npy"],
        ),
        (
            "xent categorical (10^6, 10) float32 logits, int64 classes".into(),
            vec![
                "categorical",
                "--pred",
                "cmd_z32.npy",
                "--classes",
                "cmd_c.npy",
                "--from-logits",
            ],
            vec!["cmd_z32.npy", "cmd_c.npy"],
        ),
    ];
    if huge {
        // (1, 10^8) float64: 1.6 GB of input, for the peak-RSS target.
        let mh = 100_000_000;
        let mut bytes = Vec::with_capacity(8 * mh);
        for _ in 0..mh {
            bytes.extend((0.001 + 0.998 * unit()).to_le_bytes());
        }
        write_npy(&dir.join("cmd_a8.npy"), "<f8", &[1, mh], &bytes)?;
        bytes.clear();
        for _ in 0..mh {
            bytes.extend(f64::from((unit() < 0.5) as u8).to_le_bytes());
        }
        write_npy(&dir.join("cmd_y8.npy"), "<f8", &[1, mh], &bytes)?;
        drop(bytes);
        cases.push((
            "xent binary (1, 10^8) float64".into(),
            vec!["binary", "--pred", "cmd_a8.npy", "--labels", "cmd_y8.npy"],
            vec!["cmd_a8.npy", "cmd_y8.npy"],
        ));
    }
    let cat = PathBuf::from("cat");
    let cat = which("cat").unwrap_or(cat);
    let mut out = Vec::new();
    for (case, args, files) in cases {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let files: Vec<String> = files.iter().map(|s| s.to_string()).collect();
        let input_bytes = files
            .iter()
            .map(|f| std::fs::metadata(dir.join(f)).map_or(0, |m| m.len()))
            .sum::<u64>();
        // One warm-up of each, so both read from the page cache.
        run_measured(&cat, &files, dir)?;
        run_measured(&xent, &args, dir)?;
        let (mut walls, mut floors, mut peak) = (Vec::new(), Vec::new(), 0u64);
        for _ in 0..runs.max(3) {
            let (w, rss) = run_measured(&xent, &args, dir)?;
            walls.push(w);
            peak = peak.max(rss);
            floors.push(run_measured(&cat, &files, dir)?.0);
        }
        walls.sort_by(f64::total_cmp);
        floors.sort_by(f64::total_cmp);
        let median = |v: &[f64]| v[v.len() / 2];
        let floor = median(&floors);
        eprintln!(
            "  {case}: {:.3} s (read floor {:.3} s), peak RSS {}",
            median(&walls),
            floor,
            bytes(peak as usize)
        );
        out.push(CommandRow {
            command: format!("xent {}", args.join(" ")),
            case,
            input_bytes,
            wall_s: median(&walls),
            wall_min_s: walls[0],
            peak_rss_bytes: peak,
            read_floor_s: floor,
            wall_target_s: 2.0 * floor + 0.005,
            rss_target_bytes: (1.1 * input_bytes as f64) as u64 + 16 * 1024 * 1024,
            runs: walls.len(),
        });
    }
    for f in std::fs::read_dir(dir)?.flatten() {
        if f.file_name().to_string_lossy().starts_with("cmd_") {
            let _ = std::fs::remove_file(f.path());
        }
    }
    Ok(out)
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_string_lossy()
        .split(':')
        .map(|d| Path::new(d).join(program))
        .find(|p| p.is_file())
}

/// The Python package in process (`xtask/bench/in_process.py`): `xent.binary` on (1, 10^7)
/// float32 arrays beside its kernel's time inside the same calls, the documents' numpy
/// styles and torch's `binary_cross_entropy` in the same process, as a Markdown table; or why
/// it was skipped (the interpreter is `$XENT_PYTHON`, else `python3`, and must import `xent`:
/// `pip install ./python`).
fn in_process_markdown() -> String {
    let python = std::env::var_os("XENT_PYTHON").unwrap_or_else(|| "python3".into());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/in_process.py");
    let out = Command::new(&python).arg(&script).output();
    let skipped = |why: String| format!("\n## In process (Python)\n\nSkipped: {why}.\n");
    let out = match out {
        Ok(o) if o.status.success() => o,
        Ok(o) => {
            return skipped(format!(
                "{} cannot run it ({}; install the package with `pip install ./python`)",
                python.to_string_lossy(),
                String::from_utf8_lossy(&o.stdout).trim()
            ));
        }
        Err(e) => return skipped(format!("no {}: {e}", python.to_string_lossy())),
    };
    let Ok(doc) = serde_json::from_slice::<serde_json::Value>(&out.stdout) else {
        return skipped("its output is not JSON".to_string());
    };
    let mut md = String::from(
        "\n## In process (Python)\n\n`xent.binary` on `(1, 10^7)` float32 numpy arrays, the \
         kernel's own time inside the same calls, and the same arrays through numpy's styles \
         and torch, in one Python process (median and fastest of 7). Target: the call within \
         1.2 × its kernel.\n\n| what | median | fastest |\n|---|---:|---:|\n",
    );
    let rows = doc["rows"].as_array().cloned().unwrap_or_default();
    for r in &rows {
        let _ = writeln!(
            md,
            "| {} | {:.1} ms | {:.1} ms |",
            r["what"].as_str().unwrap_or("?"),
            1e3 * r["median_s"].as_f64().unwrap_or(f64::NAN),
            1e3 * r["min_s"].as_f64().unwrap_or(f64::NAN),
        );
    }
    if let (Some(call), Some(kernel)) = (
        rows.first().and_then(|r| r["median_s"].as_f64()),
        rows.get(1).and_then(|r| r["median_s"].as_f64()),
    ) {
        let ratio = call / kernel;
        let verdict = if ratio <= 1.2 { "met" } else { "missed" };
        let _ = writeln!(md, "\nThe call takes {ratio:.3} × its kernel ({verdict}).");
    }
    let _ = writeln!(md, "\nVersions: {}", doc["versions"]);
    md
}

/// The commands' table, in Markdown.
fn command_markdown(rows: &[CommandRow]) -> String {
    let mut md = String::from(
        "\n## The whole command\n\n`xent` as a process on `.npy` files in the page cache, \
         the median of the runs beside `cat` of the same files (the read floor); peak RSS from \
         the kernel's accounting of the child (`wait4`). Targets: wall ≤ 2 × floor + 5 ms, \
         peak RSS ≤ 1.1 × input + 16 MiB.\n\n\
         | command | input | wall (median, min) | read floor | wall target | peak RSS | RSS target |\n\
         |---|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in rows {
        let met = |ok: bool| if ok { "met" } else { "missed" };
        let _ = writeln!(
            md,
            "| {} | {} | {:.1} ms, {:.1} ms | {:.1} ms | {:.1} ms ({}) | {} | {} ({}) |",
            r.case,
            bytes(r.input_bytes as usize),
            1e3 * r.wall_s,
            1e3 * r.wall_min_s,
            1e3 * r.read_floor_s,
            1e3 * r.wall_target_s,
            met(r.wall_s <= r.wall_target_s),
            bytes(r.peak_rss_bytes as usize),
            bytes(r.rss_target_bytes as usize),
            met(r.peak_rss_bytes <= r.rss_target_bytes),
        );
    }
    md
}

/// `python3` with numpy, if importable: its version.
fn numpy_version() -> Option<String> {
    let out = Command::new("python3")
        .args(["-c", "import numpy; print(numpy.__version__)"])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

#[derive(serde::Deserialize)]
struct NumpyStyle {
    style: String,
    times: Vec<f64>,
    peak_extra_bytes: usize,
}

fn write_raw(path: &Path, m: &DMatrix<f64>) -> Result<()> {
    let bytes: Vec<u8> = m.as_slice().iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}

fn measure_numpy(
    case: &Case,
    threads: usize,
    budget: f64,
    dir: &Path,
    rows: &mut Vec<Row>,
) -> Result<()> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/numpy_styles.py");
    let (pred, targets) = (dir.join("pred.f64"), dir.join("targets.f64"));
    write_raw(&pred, &case.pred)?;
    write_raw(&targets, &case.targets)?;
    let t = threads.to_string();
    let out = Command::new("python3")
        .arg(&script)
        .args([case.kind.as_str(), &case.k.to_string(), &case.m.to_string()])
        .arg(&pred)
        .arg(&targets)
        .args([budget.to_string(), "1000".to_string()])
        .env("OPENBLAS_NUM_THREADS", &t)
        .env("OMP_NUM_THREADS", &t)
        .env("MKL_NUM_THREADS", &t)
        .output()
        .context("running python3")?;
    if !out.status.success() {
        bail!(
            "numpy_styles.py failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let s: NumpyStyle = serde_json::from_str(line)?;
        // Only the styles a formulation of the registry reproduces are reported.
        let Some(method) = Method::all()
            .into_iter()
            .find(|m| matches!(m, Method::Numpy(style) if numpy_function(*style) == s.style))
        else {
            continue;
        };
        rows.push(row(
            method,
            threads,
            case,
            &s.times,
            s.peak_extra_bytes,
            f64::NAN,
        ));
    }
    Ok(())
}

/// The workspace root: the parent of this crate's manifest directory.
pub(crate) fn workspace_root() -> PathBuf {
    let xtask = Path::new(env!("CARGO_MANIFEST_DIR"));
    xtask.parent().unwrap_or(xtask).to_path_buf()
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string())
}

/// Runs the task: in a release build. `cargo xtask` builds in the dev profile, where the
/// formulations are not optimised; a debug build re-runs itself with `--release`.
pub(crate) fn run(args: Args) -> Result<ExitCode> {
    if cfg!(debug_assertions) && std::env::var_os("XENT_BENCH_DEBUG").is_none() {
        eprintln!(
            "xent bench: re-running in release mode (set XENT_BENCH_DEBUG=1 to stay in debug)"
        );
        let status = cargo_run_release("xtask")
            .args(["--", "bench"])
            .args(std::env::args_os().skip(2))
            .status()
            .context("running cargo run --release")?;
        return Ok(if status.success() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    }
    let started = Instant::now();
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| workspace_root().join("target/xent-bench"));
    std::fs::create_dir_all(&out_dir)?;
    if args.ln_error {
        return ln_error();
    }
    if args.weighted {
        return run_weighted(&args, &out_dir);
    }
    if args.exact {
        return run_exact(&args, &out_dir);
    }
    if args.datafusion {
        return run_datafusion(&args, &out_dir);
    }
    if args.replot {
        let json = std::fs::read_to_string(out_dir.join("bench.json"))
            .context("reading bench.json (run `cargo xtask bench` first)")?;
        let rows: Vec<Row> = serde_json::from_str(&json)?;
        plot(&rows, &out_dir.join("bench.svg"))?;
        eprintln!("wrote {}", out_dir.join("bench.svg").display());
        return Ok(ExitCode::SUCCESS);
    }
    let numpy = if args.no_numpy { None } else { numpy_version() };
    let load_before = load_average();
    eprintln!(
        "xent bench: {} ({} logical CPUs), fused path {}, numpy {}, load {load_before}",
        cpu_model(),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        Isa::detect(),
        numpy.as_deref().unwrap_or("not available: skipped"),
    );

    let sizes: &[usize] = if args.quick {
        &[1_000, 100_000]
    } else {
        &[1_000, 100_000, 1_000_000, 10_000_000]
    };
    let mut cases = Vec::new();
    for soft in [false, true] {
        for &m in sizes {
            cases.push(binary_case(m, soft));
        }
    }
    if args.quick {
        cases.push(categorical_case(10, 10_000));
        cases.push(categorical_case(1000, 100));
    } else {
        cases.push(categorical_case(10, 1_000_000));
        cases.push(categorical_case(1000, 10_000));
    }
    // Kernel rows: float32 predictions, at the largest m, beside the float64 rows.
    let largest = sizes.iter().copied().max().unwrap_or(1_000);
    for labels in [Dtype::Bool, Dtype::U8, Dtype::F32] {
        cases.push(narrow_case(largest, false, labels));
    }
    cases.push(narrow_case(largest, true, Dtype::F32));

    let mut rounds = Vec::new();
    for round in 1..=args.rounds.max(1) {
        let mut rows = Vec::new();
        for case in &cases {
            for &threads in case.threads() {
                let t = Instant::now();
                measure_case(case, threads, args.budget, &mut rows)?;
                if numpy.is_some()
                    && case.narrow.is_none()
                    && let Err(e) = measure_numpy(case, threads, args.budget, &out_dir, &mut rows)
                {
                    eprintln!("  numpy skipped: {e:#}");
                }
                eprintln!(
                    "  round {round}: {} · {threads} thread{}: {:.1} s",
                    case.name(),
                    if threads == 1 { "" } else { "s" },
                    t.elapsed().as_secs_f64()
                );
            }
        }
        rounds.push(rows);
    }
    let rows = merge_rounds(rounds, &cases);
    for scratch in ["pred.f64", "targets.f64"] {
        let _ = std::fs::remove_file(out_dir.join(scratch));
    }
    let commands = if args.no_command {
        Vec::new()
    } else {
        measure_commands(&out_dir, 5, !args.quick)?
    };
    let paths = isa_rows(args.budget)?;
    let ln_alone = ln_speed(args.budget);
    let load_after = load_average();

    let json = serde_json::to_string_pretty(&rows)?;
    std::fs::write(out_dir.join("bench.json"), json + "\n")?;
    let conditions = Conditions {
        rounds: args.rounds.max(1),
        cpu: cpu_model(),
        cpus: std::thread::available_parallelism().map_or(0, |n| n.get()),
        isa: Isa::detect(),
        numpy,
        load_before,
        load_after,
        elapsed: started.elapsed(),
    };
    let in_process = if args.no_command {
        String::new()
    } else {
        in_process_markdown()
    };
    let md = markdown(&rows, &cases, &paths, ln_alone, &conditions)
        + &command_markdown(&commands)
        + &in_process;
    std::fs::write(out_dir.join("bench.md"), &md)?;
    std::fs::write(
        out_dir.join("commands.json"),
        serde_json::to_string_pretty(&commands)? + "\n",
    )?;
    plot(&rows, &out_dir.join("bench.svg"))?;
    println!("{md}");
    eprintln!(
        "wrote {}/bench.{{json,md,svg}} in {:.0} s",
        out_dir.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

/// The largest error, in ulps (fractional), of `xent_fused::math::ln_slice` on each path this
/// CPU has, against the oracle's logarithm, compared before rounding.
fn ln_error() -> Result<ExitCode> {
    let mut exact = xent_oracle::LnError::new()?;
    // Every binade from the subnormals up, and the regions where the reduction cancels most.
    let mut rng = Rng::new(2024);
    let mut x: Vec<f64> = Vec::new();
    for biased in 0..2047u64 {
        for _ in 0..200 {
            let bits = (rng.unit() * (1u64 << 52) as f64) as u64;
            x.push(f64::from_bits((biased << 52) | bits));
        }
    }
    x.extend((0..600_000).map(|_| 0.69 + 0.03 * rng.unit()));
    x.extend((0..400_000).map(|_| 1.0 + rng.unit()));
    x.retain(|&v| v > 0.0 && v != 1.0);
    println!(
        "ln: maximum error against {}-bit values, {} arguments",
        xent_oracle::PRECISION,
        x.len()
    );
    for isa in Isa::available() {
        if isa == Isa::Portable && Isa::detect() != Isa::Portable {
            continue; // the same bits as the other FMA paths (tested), at libm-fma speed
        }
        let mut out = vec![0.0; x.len()];
        xent_fused::math::ln_slice(isa, &x, &mut out);
        let mut worst = (0.0f64, 0.0f64);
        for (&v, &got) in x.iter().zip(&out) {
            let ulps = exact.ulps(v, got);
            if ulps > worst.0 {
                worst = (ulps, v);
            }
        }
        println!(
            "  {:9} {:.4} ulp (at x = {:e})",
            isa.name(),
            worst.0,
            worst.1
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The fused path on every dispatch path this CPU has: binary hard labels, `m = 10^5`, one
/// thread (in cache).
fn isa_rows(budget: f64) -> Result<Vec<(Isa, f64)>> {
    let case = binary_case(100_000, false);
    let problem = BinaryProblem::new(&case.pred, &case.targets)?;
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;
    let mut out = Vec::new();
    for isa in Isa::available() {
        let Some(f) = FusedOn::new(isa) else { continue };
        let (t, _, _) =
            pool.install(|| time_it(budget / 2.0, || f.binary(&problem).log_likelihood));
        let r = row(Method::production(), 1, &case, &t, 0, 0.0);
        out.push((isa, r.ns_per_entry));
    }
    Ok(out)
}

/// The vectorised logarithm alone on the detected path: ns per value, 10^5 values in cache.
fn ln_speed(budget: f64) -> f64 {
    let mut rng = Rng::new(7);
    let x: Vec<f64> = (0..100_000).map(|_| rng.unit()).collect();
    let mut out = vec![0.0; x.len()];
    let isa = Isa::detect();
    let deadline = Instant::now() + Duration::from_secs_f64(budget / 2.0);
    let mut best = f64::INFINITY;
    while best.is_infinite() || Instant::now() < deadline {
        let t = Instant::now();
        xent_fused::math::ln_slice(isa, &x, &mut out);
        best = best.min(t.elapsed().as_secs_f64());
    }
    best * 1e9 / x.len() as f64
}

struct Conditions {
    rounds: usize,
    cpu: String,
    cpus: usize,
    isa: Isa,
    numpy: Option<String>,
    load_before: String,
    load_after: String,
    elapsed: Duration,
}

fn find<'r>(rows: &'r [Row], method: Method, threads: usize, case: &Case) -> Option<&'r Row> {
    rows.iter()
        .find(|r| method.rows(r) && r.threads == threads && case.rows(r))
}

fn bytes(n: usize) -> String {
    match n {
        0 => "0".into(),
        n if n < 1 << 10 => format!("{n} B"),
        n if n < 1 << 20 => format!("{:.1} KiB", n as f64 / 1024.0),
        n => format!("{:.1} MiB", n as f64 / (1024.0 * 1024.0)),
    }
}

fn markdown(
    rows: &[Row],
    cases: &[Case],
    paths: &[(Isa, f64)],
    ln_alone: f64,
    c: &Conditions,
) -> String {
    let mut md = String::new();
    let present: Vec<Method> = Method::all()
        .into_iter()
        .filter(|f| rows.iter().any(|r| f.rows(r)))
        .collect();
    let labels: Vec<String> = present.iter().map(|f| f.label()).collect();
    let production = Method::production();
    let _ = writeln!(md, "# xent bench\n");
    let _ = writeln!(
        md,
        "ns per entry (matrix entry), median over the runs, and the spread of the runs \
         `(p90 − p10) / median`. `read-floor` only reads the inputs: the memory floor of any one pass.\n"
    );
    let _ = writeln!(md, "| problem | threads | {} |", labels.join(" | "));
    let _ = writeln!(md, "|---|---|{}", "---:|".repeat(present.len()));
    for case in cases {
        for &threads in case.threads() {
            let cells: Vec<String> = present
                .iter()
                .map(|&f| match find(rows, f, threads, case) {
                    Some(r) => format!("{:.2} ±{:.0}%", r.ns_per_entry, r.spread_percent),
                    None => "–".into(),
                })
                .collect();
            let _ = writeln!(
                md,
                "| {} | {threads} | {} |",
                case.name(),
                cells.join(" | ")
            );
        }
    }
    let _ = writeln!(md, "\nPeak extra memory (beyond the inputs), 1 thread:\n");
    let _ = writeln!(md, "| problem | {} |", labels.join(" | "));
    let _ = writeln!(md, "|---|{}", "---:|".repeat(present.len()));
    for case in cases {
        let cells: Vec<String> = present
            .iter()
            .map(|&f| find(rows, f, 1, case).map_or("–".into(), |r| bytes(r.peak_extra_bytes)))
            .collect();
        let _ = writeln!(md, "| {} | {} |", case.name(), cells.join(" | "));
    }
    // Ratios against the production path.
    let _ = writeln!(
        md,
        "\nSpeed-up of `{p}` over each, 1 thread (time of X / time of {p}):\n",
        p = production.label()
    );
    let others: Vec<Method> = present
        .iter()
        .copied()
        .filter(|f| !matches!(f, Method::ReadFloor) && f.label() != production.label())
        .collect();
    let other_labels: Vec<String> = others.iter().map(|f| f.label()).collect();
    let _ = writeln!(md, "| problem | {} |", other_labels.join(" | "));
    let _ = writeln!(md, "|---|{}", "---:|".repeat(others.len()));
    for case in cases {
        let Some(fused) = find(rows, production, 1, case) else {
            continue;
        };
        let cells: Vec<String> = others
            .iter()
            .map(|&f| {
                find(rows, f, 1, case).map_or("–".into(), |r| {
                    format!("{:.1}×", r.ns_per_entry / fused.ns_per_entry)
                })
            })
            .collect();
        let _ = writeln!(md, "| {} | {} |", case.name(), cells.join(" | "));
    }

    // The targets, on the float64 rows.
    let _ = writeln!(
        md,
        "\nThe targets, binary hard labels unless said, float64:\n"
    );
    let _ = writeln!(md, "| target | measured | floor (`read-floor`) | |");
    let _ = writeln!(md, "|---|---:|---:|---|");
    let pick = |f: Method, threads, kind: Kind, labels: &str, m: usize| {
        rows.iter().find(|r| {
            f.rows(r)
                && r.threads == threads
                && r.kind == kind.as_str()
                && r.labels == labels
                && r.m == m
                && r.pred_dtype == Dtype::F64.name()
        })
    };
    let p = production.label();
    let checked = Method::Checked.label();
    let targets: [(String, Method, usize, Kind, &str, usize, f64); 5] = [
        (
            format!("{p}, 1 thread, m = 10^7: ≤ 1.0 ns"),
            production,
            1,
            Kind::Binary,
            "hard",
            10_000_000,
            1.0,
        ),
        (
            format!("{p}, 2 threads, m = 10^7: ≤ 0.6 ns"),
            production,
            2,
            Kind::Binary,
            "hard",
            10_000_000,
            0.6,
        ),
        (
            format!("{p}, 1 thread, m = 10^5 (in cache): ≤ 1.0 ns"),
            production,
            1,
            Kind::Binary,
            "hard",
            100_000,
            1.0,
        ),
        (
            format!("{p}, soft labels, 1 thread, m = 10^7: ≤ 1.8 ns"),
            production,
            1,
            Kind::Binary,
            "soft",
            10_000_000,
            1.8,
        ),
        (
            format!(
                "categorical (10, 10^6), class indices, with the column-sum check ({checked}), \
                 1 thread: ≤ 0.5 ns"
            ),
            Method::Checked,
            1,
            Kind::Categorical,
            "classes",
            1_000_000,
            0.5,
        ),
    ];
    for (name, f, threads, kind, labels, m, limit) in targets {
        let Some(r) = pick(f, threads, kind, labels, m) else {
            continue;
        };
        let floor =
            pick(Method::ReadFloor, threads, kind, labels, m).map_or(f64::NAN, |r| r.ns_per_entry);
        let verdict = if r.ns_per_entry <= limit {
            "met".to_string()
        } else {
            format!("missed by {:.2} ns", r.ns_per_entry - limit)
        };
        let _ = writeln!(
            md,
            "| {name} | {:.2} | {floor:.2} | {verdict} |",
            r.ns_per_entry
        );
    }
    // The weighted targets are ratios to the unweighted row of the same run.
    for labels in ["hard", "soft"] {
        let ns = |f: Method| pick(f, 1, Kind::Binary, labels, 10_000_000).map(|r| r.ns_per_entry);
        let (Some(plain), Some(weighted), Some(none), Some(write)) = (
            ns(production),
            ns(Method::Weighted),
            ns(Method::PerSample),
            ns(Method::WriteFloor),
        ) else {
            continue;
        };
        let verdict = |ratio: f64, limit: f64| {
            if ratio <= limit {
                "met".to_string()
            } else {
                format!("missed by {:.2}×", ratio - limit)
            }
        };
        let (r1, r2) = (weighted / plain, (none - write) / plain);
        let _ = writeln!(
            md,
            "| {p}-weighted, {labels} labels, 1 thread, m = 10^7: ≤ 1.5 × {p} ({plain:.2}) | \
             {weighted:.2} ({r1:.2}×) | | {} |",
            verdict(r1, 1.5)
        );
        let _ = writeln!(
            md,
            "| {p}-none, {labels} labels, 1 thread, m = 10^7: ≤ 2 × {p} + write-floor \
             ({write:.2}) | {none:.2} ({r2:.2}× after the write) | | {} |",
            verdict(r2, 2.0)
        );
    }
    for labels in ["hard", "soft"] {
        let exact = pick(Method::Exact, 1, Kind::Binary, labels, 10_000_000);
        let fused = pick(production, 1, Kind::Binary, labels, 10_000_000);
        if let (Some(e), Some(f)) = (exact, fused) {
            let ratio = e.ns_per_entry / f.ns_per_entry;
            let _ = writeln!(
                md,
                "| {}, {labels} labels, 1 thread, m = 10^7: ≤ 2 × {p} | {:.2} ({ratio:.2} ×) | | {} |",
                Method::Exact.label(),
                e.ns_per_entry,
                if ratio <= 2.0 { "met" } else { "missed" }
            );
        }
    }
    let worst = rows
        .iter()
        .filter(|r| production.rows(r) || Method::Checked.rows(r))
        .map(|r| r.peak_extra_bytes)
        .max()
        .unwrap_or(0);
    let _ = writeln!(
        md,
        "| peak extra memory of the {p} path: ≤ 1 MiB | {} (largest over all rows) | | {} |",
        bytes(worst),
        if worst <= 1 << 20 { "met" } else { "missed" }
    );

    let _ = writeln!(
        md,
        "\nThe fused path on each dispatch path (binary hard, m = 10^5, 1 thread):\n"
    );
    let _ = writeln!(md, "| path | ns per entry |");
    let _ = writeln!(md, "|---|---:|");
    for (isa, ns) in paths {
        let _ = writeln!(md, "| {isa} | {ns:.2} |");
    }
    let _ = writeln!(
        md,
        "\nThe vectorised logarithm alone ({}): {ln_alone:.2} ns per value (10^5 values, in cache).",
        c.isa
    );
    let _ = writeln!(
        md,
        "\nConditions: {} ({} logical CPUs); fused path {}; numpy {}; load average {} before, \
         {} after; {} round(s) of the grid; {:.0} s in all.",
        c.cpu,
        c.cpus,
        c.isa,
        c.numpy.as_deref().unwrap_or("not available (skipped)"),
        c.load_before,
        c.load_after,
        c.rounds,
        c.elapsed.as_secs_f64()
    );
    md
}

/// ns per entry against m, log-log: binary hard labels, one thread, one line per
/// formulation and numpy style (and the fused path on two threads).
fn plot(rows: &[Row], path: &Path) -> Result<()> {
    use plotters::prelude::*;

    let production = Method::production();
    let mut series: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    for r in rows.iter().filter(|r| {
        r.kind == Kind::Binary.as_str() && r.labels == "hard" && r.pred_dtype == Dtype::F64.name()
    }) {
        let name = match r.threads {
            2 if production.rows(r) => format!("{}, 2 threads", r.formulation),
            1 if Method::ReadFloor.rows(r) => format!("{} (memory)", r.formulation),
            1 => r.formulation.clone(),
            _ => continue,
        };
        series
            .entry(name)
            .or_default()
            .push((r.m as f64, r.ns_per_entry));
    }
    let (mut lo, mut hi) = (f64::INFINITY, 0.0f64);
    for p in series.values().flatten() {
        lo = lo.min(p.1);
        hi = hi.max(p.1);
    }
    if series.is_empty() {
        return Ok(());
    }
    let root = SVGBackend::new(path, (900, 560)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "Binary cross-entropy, hard labels, 1 thread unless noted: ns per entry (lower is better)",
            ("sans-serif", 20),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(
            (500f64..2e7f64).log_scale(),
            // Room above the data for the legend.
            ((lo * 0.7)..(hi * 40.0)).log_scale(),
        )?;
    chart
        .configure_mesh()
        .x_desc("m (samples)")
        .y_desc("ns per entry")
        .x_label_formatter(&|x| format!("{x:.0e}"))
        .y_labels(12)
        .y_label_formatter(&|y| format!("{y}"))
        .draw()?;
    let palette = [
        RGBColor(31, 119, 180),
        RGBColor(255, 127, 14),
        RGBColor(44, 160, 44),
        RGBColor(214, 39, 40),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
        RGBColor(227, 119, 194),
        RGBColor(127, 127, 127),
        RGBColor(188, 189, 34),
        RGBColor(23, 190, 207),
    ];
    for (i, (name, mut points)) in series.into_iter().enumerate() {
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        let color = palette[i % palette.len()];
        let width = if name.starts_with(&production.label()) {
            3
        } else {
            2
        };
        chart
            .draw_series(LineSeries::new(points.clone(), color.stroke_width(width)))?
            .label(name)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(width))
            });
        chart.draw_series(
            points
                .into_iter()
                .map(|p| Circle::new(p, 3, color.filled())),
        )?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}
