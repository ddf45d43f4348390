//! The `xent` command: the cross-entropy of the arrays a numpy or PyTorch user already has,
//! in the unit they want, computed every way, the ways checked against each other.
//!
//! ```text
//! xent binary      --pred FILE --labels FILE                      [options]
//! xent categorical --pred FILE (--target FILE | --classes FILE)   [options]
//! xent verify      [--format text|json] [--claims FILE [--only]]
//! xent check       'EXPR' [--kind binary|categorical] [--pred FILE (--labels FILE | --target FILE | --classes FILE)]
//! xent completions SHELL
//! xent man
//! ```
//!
//! This library holds everything but argument parsing's last step and the process exit, so
//! it can be tested without spawning the binary:
//!
//! - [`xent_io`] reads `.npy` (float64, float32, every integer type, bool; C or Fortran
//!   order; 1-D or 2-D), `.npz` members, `.parquet` columns and `.csv` files in their own
//!   dtype; [`stream`] reads `.npy` files and `.parquet` columns in blocks;
//! - [`layout`] places them in the documents' `(outputs, samples)` layout (`--layout cols`
//!   or `rows`, 1-D rules) and translates validation errors back into the user's file,
//!   position and layout;
//! - [`evaluate`] runs the formulations one after another (the one list:
//!   [`evaluate::formulations`]), takes the reported value from
//!   [`evaluate::most_accurate`], and checks every pair against the a priori
//!   [`xent_core::ErrorBound`];
//! - [`output`] renders a text table or one JSON object;
//! - [`Error`] is every refusal, each naming the file, the position and the rule.
//!
//! It deliberately does not compute anything itself: validation is `xent-core`'s, the
//! arithmetic the formulation crates', the libraries' conventions (`--convention`)
//! `xent_core::Convention`'s. Under the default, exact convention it does not renormalise
//! distributions or clip probabilities; it never guesses a layout.
//!
//! Exit statuses: 0 for a result (a `+∞` loss included), 1 when the formulations disagree
//! beyond their bounds, 2 for any input or usage error (nothing is printed on stdout then).
//!
//! ```
//! use xent_cli::{Cli, run};
//! use clap::Parser;
//!
//! // Bad input is an error that names the file: here, one that does not exist.
//! let cli = Cli::try_parse_from(["xent", "binary", "--pred", "missing.npy", "--labels", "Y.npy"])?;
//! let err = run(&cli).unwrap_err();
//! assert!(err.to_string().starts_with("--pred missing.npy: cannot read it"));
//! # Ok::<(), clap::Error>(())
//! ```

pub mod check;
pub mod error;
pub mod evaluate;
pub mod layout;
pub mod output;
pub mod stream;
pub mod usage;
pub mod weighting;

use std::path::{Path, PathBuf};

use clap::builder::PossibleValuesParser;
use clap::{Args, Parser, Subcommand};
use xent_core::{Convention, ConventionOptions, Kind, LogBase, Precision, Problem, Unvalidated};

use error::FileRef;
pub use error::{Error, Result};
use evaluate::{Applied, ConventionRow, InputInfo, Outcome, Selection};
use layout::{Layout, Other, Placed, Role};

const AFTER_HELP: &str = "\
Inputs: .npy (float64, float32, any integer type, bool; C or Fortran order; 1-D or 2-D),
an array of a .npz archive (FILE.npz:NAME, or FILE.npz when it holds one array), a column
of a .parquet file (FILE.parquet:COLUMN, or FILE.parquet when it holds one column; a row is
a sample: a column of numbers, or a list column of k outputs or classes per row) or .csv
(one row of numbers per line, separated by commas, spaces around them allowed; blank lines
only at the end). Anything else is an input error.

Layout: with --layout cols each column of a 2-D array is a sample, the documents'
(outputs, samples); with --layout rows each row is a sample (PyTorch, Keras). The default,
--layout auto, reads a 1-D --pred as m samples of one output (`binary`) or one
distribution over k classes (`categorical`), a 2-D array with a dimension of 1 the only
sensible way, and refuses any other 2-D array rather than guess (both readings' shapes are
in the message). The output says how each file was read. --classes holds one class index
per sample: a 1-D array (or a one-line or one-column .csv), whole numbers from 0 to k - 1.

Evaluation: the fused path (one pass, within a few ulps of the exact value, validated in
the same pass, reading .npy files and .parquet columns in bounded chunks while it
computes). --compare (or
--formulation all) also runs the numpy styles (np.sum, np.dot, np.matmul) in memory and
checks every pair against the sum of their own a priori bounds.

Errors name the file, the position and the rule: .npy positions are numpy indices
(from 0, in your file), .parquet positions rows of the file (from 0, across row groups)
and list elements (from 0), .csv positions are line and column numbers (from 1).

Conventions: --convention NAME applies that library's rules before every formulation;
--convention all prints every convention's value with a reason for each difference from
exact (JSON: under \"conventions\"). What each does with unnormalised input, -inf logits and
labels:
  exact             the definition: probabilities in [0, 1], categorical samples summing to
                    1 (nothing is renormalised), labels and targets in [0, 1] (soft allowed);
                    with --from-logits a -inf logit is probability 0 (a class that cannot
                    occur), NaN is refused.
  pytorch           binary_cross_entropy clamps each log at -100 and divides by n_y * m
                    elements; cross_entropy (logits) divides by m. Nothing rescaled: inputs
                    are checked as exact checks them; -inf logits as exact; soft labels and
                    probability targets allowed.
  keras             keras.losses.BinaryCrossentropy() / CategoricalCrossentropy() /
                    SparseCategoricalCrossentropy(), the Loss objects: inputs cast to float32
                    (floatx), then as keras-functional in float32.
  keras-functional  keras.losses.binary_crossentropy / categorical_crossentropy, in the
                    input's precision: clip to [1e-7, 1 - 1e-7]; categorical predictions may be
                    any finite non-negative scores, each sample divided by its sum (a sample
                    summing to 0 is an error); binary predictions are not rescaled (in
                    [0, 1]); binary divides by n_y * m; -inf logits as exact; soft labels and
                    targets allowed, not rescaled.
  sklearn           log_loss: clip at the dtype's machine epsilon; predictions in [0, 1],
                    samples not summing to 1 warned about on stderr, not rescaled; one binary
                    output; labels are classes: any two distinct values, mapped to 0 and 1 by
                    sorted order (-1/1, 2/5), soft labels refused as log_loss refuses them;
                    one value only warns (0 or 1) or is refused; probabilities only, no logits.
  scipy             entropy(pk, qk): every categorical sample of predictions and targets may be
                    any finite non-negative counts or scores, divided by its sum; binary
                    entries are [a, 1 - a], in [0, 1]; no guard (+inf possible); no logits.
Negative probabilities, NaN and +/-inf probabilities are refused under every convention;
logits follow exact's rule under every convention that takes them.

Exit status: 0 with a result (a +inf loss included: a confident wrong prediction is a
result, not an error), 1 when the formulations disagree beyond their a priori bounds,
2 for any input or usage error. Set RUST_LOG (e.g. RUST_LOG=info) for tracing on stderr.";

/// The pointer the subcommands' long help ends with, instead of repeating [`AFTER_HELP`].
const SEE_XENT_HELP: &str = "\
Inputs, layout, evaluation, errors, conventions and exit status: see `xent --help`.";

/// The command line.
#[derive(Debug, Parser)]
#[command(
    name = "xent",
    version,
    about = "Cross-entropy of .npy and .csv arrays, computed every way and checked",
    long_about = "Cross-entropy of .npy and .csv arrays, computed every way and checked.\n\n\
        Computes the loss on the fused path (one pass, validated as it reads, within a few \
        ulps of the exact value) in the unit asked for; with --compare, also with every \
        numpy-style formulation (np.sum, np.dot, np.matmul), checking that every pair agrees \
        within the a priori bounds of their arithmetic.",
    after_long_help = AFTER_HELP
)]
pub struct Cli {
    /// What to compute.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Binary cross-entropy: J = -(1/m) Σ [Y ln A + (1 - Y) ln(1 - A)]
    #[command(after_long_help = SEE_XENT_HELP)]
    Binary {
        /// Predictions A, probabilities in [0, 1] (logits with --from-logits)
        #[arg(long, value_name = "FILE")]
        pred: PathBuf,
        /// Labels Y in [0, 1] (soft labels allowed), the same shape as --pred
        #[arg(long, value_name = "FILE")]
        labels: PathBuf,
        /// Options shared with `categorical`.
        #[command(flatten)]
        options: Options,
    },
    /// Categorical cross-entropy: J = -(1/m) Σ P ln Q, each sample a distribution
    #[command(after_long_help = SEE_XENT_HELP)]
    Categorical {
        /// Predicted distributions Q, each sample summing to 1 (logits with --from-logits)
        #[arg(long, value_name = "FILE")]
        pred: PathBuf,
        /// The targets, as distributions or as class indices.
        #[command(flatten)]
        targets: Targets,
        /// Options shared with `binary`.
        #[command(flatten)]
        options: Options,
    },
    /// The verifier's report, as `cargo xtask verify`; exit status 1 unless every claim holds
    Verify {
        /// Output format
        #[arg(long, value_enum, default_value_t, value_name = "text|json")]
        format: output::Format,
        /// Also check the claims of this TOML claims file (the catalogue's format: numpy
        /// expressions or numbers, inputs inline or as .csv files beside it); may be given
        /// more than once
        #[arg(long, value_name = "FILE")]
        claims: Vec<PathBuf>,
        /// Check only the --claims files' claims, not the whole audit; exit status 1 unless
        /// every one of them holds
        #[arg(long, requires = "claims")]
        only: bool,
    },
    /// Check a numpy-style loss expression against the definition: its shape (symbolically,
    /// with n_y, m, k as symbols), its value and a verdict; exit status 1 unless it is the loss
    #[command(after_long_help = CHECK_AFTER_HELP)]
    Check {
        /// The expression, quoted, e.g. '-np.sum(Y*np.log(A) + (1-Y)*np.log(1-A))/m' (a
        /// leading minus sign is part of it, never a flag)
        #[arg(value_name = "EXPR", allow_hyphen_values = true)]
        expr: String,
        /// Binary (A, Y) or categorical (Q, P) cross-entropy
        #[arg(long, value_enum, default_value_t, value_name = "binary|categorical")]
        kind: KindArg,
        /// Predictions to check it on (A, A2, Q, q); without files, a seeded suite of
        /// problems with n_y = 1 and n_y > 1 and probes of the edges
        #[arg(long, value_name = "FILE", requires = "truth")]
        pred: Option<PathBuf>,
        /// Labels (Y), the same shape as --pred
        #[arg(long, value_name = "FILE", group = "truth", requires = "pred")]
        labels: Option<PathBuf>,
        /// Targets (P, p), the same shape as --pred
        #[arg(long, value_name = "FILE", group = "truth", requires = "pred")]
        target: Option<PathBuf>,
        /// One class index per sample (y, classes; categorical): P is their one-hot columns
        #[arg(long, value_name = "FILE", group = "truth", requires = "pred")]
        classes: Option<PathBuf>,
        /// --pred holds logits (z, Z, logits in the expression): the reference is the loss
        /// from logits
        #[arg(long)]
        from_logits: bool,
        /// cols (each column is a sample, the documents' layout, the default here), rows
        /// (each row is a sample) or auto
        #[arg(
            long,
            value_enum,
            default_value = "cols",
            value_name = "cols|rows|auto"
        )]
        layout: Layout,
        /// How the files are read (.csv headers, standard input).
        #[command(flatten)]
        read: ReadArgs,
        /// Output format
        #[arg(long, value_enum, default_value_t, value_name = "text|json")]
        format: output::Format,
    },
    /// Print a shell completion script: `xent completions bash > /etc/bash_completion.d/xent`
    Completions {
        /// The shell
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): `xent man > xent.1`
    Man,
}

/// How input files are read: `--header` and `--stdin-format`, shared by every command
/// that reads arrays.
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct ReadArgs {
    /// Every .csv input's first line is a header, skipped unread
    #[arg(long)]
    pub header: bool,
    /// The format of standard input (a FILE given as -); by default .npy when it starts
    /// with the .npy magic string, CSV otherwise
    #[arg(long, value_enum, value_name = "npy|csv")]
    pub stdin_format: Option<StdinFormat>,
}

/// `--stdin-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StdinFormat {
    /// A `.npy` stream.
    Npy,
    /// CSV text.
    Csv,
}

impl ReadArgs {
    /// The reading options of `path`: the forced format applies to standard input only.
    pub fn io(&self, path: &Path) -> xent_io::Options {
        let stdin = path.as_os_str() == "-";
        xent_io::Options {
            format: self.stdin_format.filter(|_| stdin).map(|f| match f {
                StdinFormat::Npy => xent_io::Format::Npy,
                StdinFormat::Csv => xent_io::Format::Csv,
            }),
            header: self.header,
            ..xent_io::Options::default()
        }
    }

    /// Refuses standard input named twice: it can be read once.
    pub fn stdin_once(paths: &[&Path]) -> Result<()> {
        if paths.iter().filter(|p| p.as_os_str() == "-").count() > 1 {
            return Err(Error::Usage(
                "standard input (-) can be read once: give it for one file only",
            ));
        }
        Ok(())
    }
}

impl Command {
    /// What a non-zero status without an error means, printed on stderr.
    pub fn failure(&self) -> &'static str {
        match self {
            Command::Binary { .. } | Command::Categorical { .. } => {
                "the formulations disagree beyond their a priori bounds"
            }
            Command::Verify { only: true, .. } => {
                "a claim does not hold (see the report's Result line)"
            }
            Command::Verify { .. } => "the audit failed (see the report's Result line)",
            Command::Check { .. } => "the expression is not the loss (see its verdict)",
            Command::Completions { .. } | Command::Man => "could not write the output",
        }
    }
}

/// The shell completion script of the command line: `xent completions bash`.
pub fn completions(shell: clap_complete::Shell) -> Result<String> {
    let mut command = <Cli as clap::CommandFactory>::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "xent", &mut out);
    String::from_utf8(out).map_err(|e| Error::Output(std::io::Error::other(e)))
}

/// The man page of the command line, in roff: `xent man > xent.1`.
pub fn man_page() -> Result<String> {
    let mut out = Vec::new();
    clap_mangen::Man::new(<Cli as clap::CommandFactory>::command())
        .render(&mut out)
        .map_err(Error::Output)?;
    String::from_utf8(out).map_err(|e| Error::Output(std::io::Error::other(e)))
}

/// `--kind` of `xent check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum KindArg {
    /// Binary cross-entropy: predictions A, labels Y.
    #[default]
    Binary,
    /// Categorical cross-entropy: predictions Q, targets P.
    Categorical,
}

impl From<KindArg> for xent_core::Kind {
    fn from(k: KindArg) -> Self {
        match k {
            KindArg::Binary => xent_core::Kind::Binary,
            KindArg::Categorical => xent_core::Kind::Categorical,
        }
    }
}

const CHECK_AFTER_HELP: &str = "\
Names: A, A2, AL, Q, q are the predictions; Y, P, p the labels or targets; m the number of
samples; n_y and k the outputs or classes; earlier assignments (logprobs = ...; cost = ...).
Functions: np.sum, np.mean, np.dot, np.matmul, np.multiply, np.log, np.log2, np.log10,
np.log1p, np.exp, np.squeeze, np.asscalar and more, with axis= and keepdims=; .T, .sum(),
.mean(), .item(); numpy. as well as np.

Verdicts: equal; equal only when n_y = 1; differs by a constant factor (a missing 1/m,
1/n_y, sign, 1/ln 2); differs; NaN where a label is 0 and its prediction is 0 (numpy's
0 * -inf); inaccurate (with the measured error and where the digits are lost).

Exit status: 0 when the verdict is equal, 1 otherwise, 2 when the expression does not
parse, numpy would reject it, or an input is invalid.";

/// `--target FILE` or `--classes FILE`, exactly one.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct Targets {
    /// Target distributions P (one-hot or soft), the same shape as --pred
    #[arg(long, value_name = "FILE")]
    pub target: Option<PathBuf>,
    /// One class index per sample (1-D, integers from 0 to k - 1)
    #[arg(long, value_name = "FILE")]
    pub classes: Option<PathBuf>,
}

/// The options of `binary` and `categorical`.
#[derive(Debug, Args)]
pub struct Options {
    /// --pred holds logits: sigmoid (binary) or softmax per sample (categorical), evaluated
    /// stably for any finite logit; a -inf logit is probability 0
    #[arg(long)]
    pub from_logits: bool,
    /// auto: the only sensible reading, refusing ambiguous 2-D arrays; cols: each column is
    /// a sample (outputs, samples); rows: each row is a sample (samples, outputs)
    #[arg(long, value_enum, default_value_t, value_name = "auto|cols|rows")]
    pub layout: Layout,
    /// Log base: e (nats), 2 (bits), 10 (bans), or any number B > 0, B ≠ 1
    #[arg(
        long,
        default_value = "e",
        value_name = "e|2|10|B",
        value_parser = parse_base,
        allow_negative_numbers = true
    )]
    pub base: LogBase,
    /// Which formulation(s) to run: fused (the production path), one numpy style, or all
    /// of them compared
    #[arg(
        long,
        default_value = xent_registry::production().name(),
        value_parser = PossibleValuesParser::new(evaluate::formulation_choices())
    )]
    pub formulation: String,
    /// Also run every numpy-style formulation and check each pair against its bounds (the
    /// same as --formulation all)
    #[arg(long)]
    pub compare: bool,
    /// compensated: the production path's compensated sum (within 4 ulps of the correctly
    /// rounded loss); exact: the correctly rounded sum of the same terms, divided exactly,
    /// the same bits on every CPU and thread count, with the compensated result's distance
    /// from it in ulps beside its bound (--convention exact, the production path only)
    #[arg(long, value_enum, default_value_t, value_name = "compensated|exact")]
    pub sum: SumArg,
    /// text: an aligned table, the loss and its unit, then the problem, how each file was
    /// read, the precision, the base and the formulation the value comes from (with
    /// --compare, every formulation's value and bound, the largest ulp difference and
    /// whether they agree); json: one object with the same fields
    #[arg(long, value_enum, default_value_t, value_name = "text|json")]
    pub format: output::Format,
    /// Whose rules: exact (the definition), pytorch, keras (the Loss objects, in float32),
    /// keras-functional (the functions, in the input's precision), sklearn, scipy (each
    /// library's guard on the logarithm, divisor of the mean, rescaling and labels), or all
    /// of them side by side with the reason for every difference from exact
    #[arg(
        long,
        default_value = "exact",
        value_name = "NAME",
        value_parser = PossibleValuesParser::new(convention_choices())
    )]
    pub convention: String,
    /// Label smoothing EPS in [0, 1], where the convention defines it: pytorch
    /// (categorical, mixing the target with EPS / C) and keras, keras-functional (toward
    /// 0.5 binary, 1 / C categorical); an error elsewhere
    #[arg(long, value_name = "EPS", allow_negative_numbers = true)]
    pub label_smoothing: Option<f64>,
    /// How the files are read (.csv headers, standard input).
    #[command(flatten)]
    pub read: ReadArgs,
    /// Reduction, weights, masks and per-sample losses.
    #[command(flatten)]
    pub weighting: weighting::WeightArgs,
}

/// `--sum`: how the production path sums its terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum SumArg {
    /// Compensated (the default)
    #[default]
    Compensated,
    /// Exact: correctly rounded, divided exactly
    Exact,
}

/// The values `--convention` accepts: every convention's name, then `all`.
fn convention_choices() -> Vec<&'static str> {
    Convention::ALL
        .iter()
        .map(|c| c.name())
        .chain(std::iter::once("all"))
        .collect()
}

fn parse_base(s: &str) -> std::result::Result<LogBase, String> {
    s.parse::<LogBase>().map_err(|e| e.to_string())
}

/// Runs the command: the rendered output (ending in a newline) and the exit status (0, or
/// 1 when the formulations disagree). Errors print nothing on stdout and exit with 2.
/// The warnings of a convention (scikit-learn's) are dropped: [`run_full`] returns them.
pub fn run(cli: &Cli) -> Result<(String, u8)> {
    run_full(cli).map(|r| (r.stdout, r.status))
}

/// What a successful run produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Ran {
    /// The rendered output, ending in a newline.
    pub stdout: String,
    /// The exit status: 0, or 1 when the formulations disagree (the audit failed, the
    /// expression is not the loss).
    pub status: u8,
    /// Warnings for stderr, one line each (a convention's, such as scikit-learn's "do not
    /// sum to one").
    pub warnings: Vec<String>,
}

/// [`run`], with the warnings to print on stderr.
pub fn run_full(cli: &Cli) -> Result<Ran> {
    let plain = |(stdout, status): (String, u8)| Ran {
        stdout,
        status,
        warnings: Vec::new(),
    };
    let (outcome, warnings, options) = match &cli.command {
        Command::Binary {
            pred,
            labels,
            options,
        } => {
            let (o, w) = loss(Kind::Binary, pred, TruthFiles::Labels(labels), options)?;
            (o, w, options)
        }
        Command::Categorical {
            pred,
            targets,
            options,
        } => {
            let (o, w) = loss(
                Kind::Categorical,
                pred,
                TruthFiles::Targets(targets),
                options,
            )?;
            (o, w, options)
        }
        Command::Verify {
            format,
            claims,
            only,
        } => {
            return verify(*format, claims, *only).map(plain);
        }
        Command::Completions { shell } => return completions(*shell).map(|s| plain((s, 0))),
        Command::Man => return man_page().map(|s| plain((s, 0))),
        Command::Check {
            expr,
            kind,
            pred,
            labels,
            target,
            classes,
            from_logits,
            layout,
            read,
            format,
        } => {
            let truth = match (labels, target, classes) {
                (Some(l), _, _) => Some(FileRef::new("--labels", l)),
                (None, Some(t), _) => Some(FileRef::new("--target", t)),
                (None, None, Some(c)) => Some(FileRef::new("--classes", c)),
                (None, None, None) => None,
            };
            return check::run(&check::Request {
                expr,
                kind: (*kind).into(),
                files: pred.as_deref().zip(truth),
                from_logits: *from_logits,
                layout: *layout,
                read: *read,
                format: *format,
            })
            .map(plain);
        }
    };
    let rendered = match options.format {
        output::Format::Text => output::text(&outcome, options.layout),
        output::Format::Json => output::json(&outcome, options.layout) + "\n",
    };
    Ok(Ran {
        stdout: rendered,
        status: outcome.status(),
        warnings,
    })
}

/// The second input of a problem, as read.
enum Truth {
    /// `--labels` (binary) or `--target` (categorical).
    Matrix(Placed),
    /// `--classes`.
    Classes(layout::Classes),
}

/// The inputs of `binary` or `categorical`, read once into memory, read in the documents'
/// layout without being copied.
struct Inputs {
    kind: Kind,
    pred: Placed,
    truth: Truth,
}

impl Inputs {
    fn read_binary(pred: &Path, labels: &Path, options: &Options) -> Result<Self> {
        ReadArgs::stdin_once(&[pred, labels])?;
        let io = |p: &Path| options.read.io(p);
        Ok(Inputs {
            kind: Kind::Binary,
            pred: layout::read_matrix(
                FileRef::new("--pred", pred),
                options.layout,
                Role::Binary,
                None,
                &io(pred),
            )?,
            truth: Truth::Matrix(layout::read_matrix(
                FileRef::new("--labels", labels),
                options.layout,
                Role::Binary,
                None,
                &io(labels),
            )?),
        })
    }

    fn read_categorical(pred: &Path, targets: &Targets, options: &Options) -> Result<Self> {
        let io = |p: &Path| options.read.io(p);
        let truth = match (&targets.target, &targets.classes) {
            (Some(target), _) => {
                ReadArgs::stdin_once(&[pred, target])?;
                Truth::Matrix(layout::read_matrix(
                    FileRef::new("--target", target),
                    options.layout,
                    Role::Categorical,
                    None,
                    &io(target),
                )?)
            }
            (None, Some(classes)) => {
                ReadArgs::stdin_once(&[pred, classes])?;
                Truth::Classes(layout::read_classes(
                    FileRef::new("--classes", classes),
                    &io(classes),
                )?)
            }
            // clap's group makes exactly one of them required.
            (None, None) => {
                return Err(Error::Usage(
                    "categorical needs --target FILE or --classes FILE",
                ));
            }
        };
        let samples = match &truth {
            Truth::Classes(c) => Some(c.len()),
            Truth::Matrix(_) => None,
        };
        let pred = layout::read_matrix(
            FileRef::new("--pred", pred),
            options.layout,
            Role::Categorical,
            samples,
            &io(pred),
        )?;
        Ok(Inputs {
            kind: Kind::Categorical,
            pred,
            truth,
        })
    }

    fn other(&self) -> Other<'_> {
        match &self.truth {
            Truth::Matrix(m) => Other::Matrix(&m.source),
            Truth::Classes(c) => Other::Classes(&c.source),
        }
    }

    fn explain(&self, e: xent_core::Error) -> Error {
        layout::explain(e, &self.pred.source, self.other())
    }

    /// The problem with its shapes checked, borrowing the buffers.
    fn unvalidated(&self, from_logits: bool) -> Result<Unvalidated<'_>> {
        let pred = self.pred.array();
        match &self.truth {
            Truth::Matrix(y) if self.kind == Kind::Binary => {
                Unvalidated::binary(pred, y.array(), from_logits)
            }
            Truth::Matrix(p) => {
                Unvalidated::categorical(pred, xent_core::Targets::Dense(p.array()), from_logits)
            }
            Truth::Classes(c) => {
                Unvalidated::categorical(pred, xent_core::Targets::Classes(c.array()), from_logits)
            }
        }
        .map_err(|e| self.explain(e))
    }

    /// The problem under `convention`, and what the convention did; errors in the user's
    /// files and coordinates.
    fn conventional(
        &self,
        convention: Convention,
        options: &ConventionOptions,
    ) -> Result<xent_core::Conventional<'_>> {
        self.weighted_conventional(convention, options, xent_core::Weighting::default())
            .map_err(|e| self.explain(e))
    }

    /// The problem under `convention` with `weighting`, as the library applies it; the
    /// errors `xent-core`'s, for the caller to place (weight files first).
    fn weighted_conventional<'a>(
        &'a self,
        convention: Convention,
        options: &ConventionOptions,
        weighting: xent_core::Weighting<'a>,
    ) -> xent_core::Result<xent_core::Conventional<'a>> {
        let pred = self.pred.array();
        let places = layout::UserPlaces {
            pred: &self.pred.source,
            truth: match &self.truth {
                Truth::Matrix(m) => Some(&m.source),
                Truth::Classes(_) => None,
            },
        };
        match (self.kind, &self.truth) {
            (Kind::Binary, Truth::Matrix(y)) => {
                convention.binary_weighted(pred, y.array(), options, weighting, &places)
            }
            (Kind::Categorical, Truth::Matrix(p)) => convention.categorical_weighted(
                pred,
                xent_core::Targets::Dense(p.array()),
                options,
                weighting,
                &places,
            ),
            (Kind::Categorical, Truth::Classes(c)) => convention.categorical_weighted(
                pred,
                xent_core::Targets::Classes(c.array()),
                options,
                weighting,
                &places,
            ),
            // Reading binary inputs never gives class indices.
            (Kind::Binary, Truth::Classes(_)) => Err(xent_core::Error::KindMismatch {
                expected: Kind::Categorical,
            }),
        }
    }

    /// How the conventions are asked to read these inputs.
    fn asked(&self, options: &Options) -> ConventionOptions {
        let precision = if self.pred.source.dtype == xent_core::Dtype::F32 {
            Precision::F32
        } else {
            Precision::F64
        };
        ConventionOptions {
            from_logits: options.from_logits,
            precision,
            label_smoothing: options.label_smoothing,
        }
    }

    fn infos(&self) -> Vec<InputInfo> {
        let mut out = vec![info(&self.pred.source)];
        match &self.truth {
            Truth::Matrix(m) => out.push(info(&m.source)),
            Truth::Classes(c) => out.push(c.source.info()),
        }
        out
    }
}

fn info(s: &layout::Source) -> InputInfo {
    InputInfo {
        flag: s.file.flag,
        reading: s.describe(),
        dtype: s.dtype.name(),
    }
}

/// `binary` and `categorical`: the loss under the convention(s) asked for.
fn loss(
    kind: Kind,
    pred: &Path,
    truth: TruthFiles<'_>,
    options: &Options,
) -> Result<(Outcome, Vec<String>)> {
    let selection = Selection::parse(&options.formulation, options.compare)
        .ok_or(Error::Usage("--formulation names no formulation"))?;
    let exact = options.convention == "exact";
    if let Some(eps) = options.label_smoothing
        && !(0.0..=1.0).contains(&eps)
    {
        return Err(Error::Core(xent_core::Error::LabelSmoothingRange(eps)));
    }
    if exact && options.label_smoothing.is_some() {
        return Err(Error::Core(xent_core::Error::NoLabelSmoothing {
            convention: Convention::Exact.name(),
            kind: kind.as_str(),
        }));
    }
    let exact_sum = options.sum == SumArg::Exact;
    if exact_sum && !exact {
        return Err(Error::Usage(
            "--sum exact applies under --convention exact only",
        ));
    }
    if exact_sum && !selection.is_production() {
        return Err(Error::Usage(
            "--sum exact sums the production path's terms: leave out --compare and \
             --formulation",
        ));
    }
    if options.weighting.active() {
        let inputs = match truth {
            TruthFiles::Labels(labels) => Inputs::read_binary(pred, labels, options)?,
            TruthFiles::Targets(targets) => Inputs::read_categorical(pred, targets, options)?,
        };
        if exact {
            return weighted(&inputs, selection, options).map(|o| (o, Vec::new()));
        }
        return weighted_conventions(&inputs, selection, options);
    }
    if exact && selection.is_production() {
        // The front door: streamed in bounded chunks when the files allow it (with
        // `--sum exact`, each block also summed exactly).
        if let Some(outcome) = stream::try_stream(kind, pred, &truth, options)? {
            return Ok((outcome, Vec::new()));
        }
    }
    let inputs = match truth {
        TruthFiles::Labels(labels) => Inputs::read_binary(pred, labels, options)?,
        TruthFiles::Targets(targets) => Inputs::read_categorical(pred, targets, options)?,
    };
    let asked = inputs.asked(options);
    if exact {
        let unvalidated = inputs.unvalidated(options.from_logits)?;
        // The production path validates in the same pass: its error is the input's.
        let production = xent_registry::checked(&unvalidated).map_err(|e| inputs.explain(e))?;
        let mut outcome = if selection.is_production() {
            let problem = unvalidated.unchecked();
            let mut o = Outcome::production(
                kind,
                options.from_logits,
                production,
                problem.samples() as f64,
                options.base,
            );
            o.outputs = problem.outputs();
            if exact_sum {
                exact_value(&mut o, problem, &production, None, options.base)?;
            }
            o
        } else {
            let problem = unvalidated.validate().map_err(|e| inputs.explain(e))?;
            evaluate::compare(
                &problem,
                selection,
                problem.samples() as f64,
                options.base,
                Some(production),
            )
        };
        outcome.inputs = inputs.infos();
        return Ok((outcome, Vec::new()));
    }
    if options.convention != "all" {
        let convention: Convention = options.convention.parse().map_err(Error::Core)?;
        let c = inputs.conventional(convention, &asked)?;
        let problem: Problem<'_> = c.problem();
        let divisor = c.denominator;
        let mut outcome = evaluate::compare(&problem, selection, divisor, options.base, None);
        outcome.inputs = inputs.infos();
        outcome.convention = Some(Applied::of(&c));
        return Ok((outcome, c.warnings.clone()));
    }
    // `all`: the exact convention is the reference (its errors are the input's errors); it
    // takes no label smoothing, the others each take what they define.
    let exact_options = ConventionOptions {
        label_smoothing: None,
        ..asked
    };
    // An input only a peer accepts (PyTorch's class index −100): exact's refusal is its
    // row's reason, and the loss is the first convention's that computes, named as such.
    let (c, refused) = match inputs.conventional(Convention::Exact, &exact_options) {
        Ok(c) => (c, None),
        Err(e) => {
            let mut peers = Convention::ALL[1..].iter();
            match peers.find_map(|p| inputs.conventional(*p, &asked).ok()) {
                Some(c) => (c, Some(e.to_string())),
                None => return Err(e),
            }
        }
    };
    let divisor = c.denominator;
    let mut outcome = evaluate::compare(&c.problem(), selection, divisor, options.base, None);
    outcome.inputs = inputs.infos();
    let mut warnings = Vec::new();
    let result = match refused {
        None => Ok((outcome.value, Applied::of(&c))),
        Some(reason) => {
            outcome.convention = Some(Applied::of(&c));
            Err(reason)
        }
    };
    let mut rows = vec![ConventionRow {
        convention: Convention::Exact,
        result,
    }];
    for convention in &Convention::ALL[1..] {
        let result = match inputs.conventional(*convention, &asked) {
            Ok(c) => {
                let e = c.problem().evaluate(xent_registry::production());
                let value = options.base.from_nats(c.loss(&e));
                warnings.extend(c.warnings.iter().cloned());
                Ok((value, Applied::of(&c)))
            }
            Err(e) => Err(e.to_string()),
        };
        rows.push(ConventionRow {
            convention: *convention,
            result,
        });
    }
    outcome.conventions = rows;
    Ok((outcome, warnings))
}

/// The reduction asked for; `none` needs `--per-sample FILE` to write its losses to.
fn reduction_of(args: &weighting::WeightArgs) -> Result<xent_core::Reduction> {
    let reduction = xent_core::Reduction::from(args.reduction);
    if reduction == xent_core::Reduction::None && args.per_sample.is_none() {
        return Err(Error::Usage(
            "--reduction none gives one loss per sample: write them with --per-sample FILE \
             (.npy or .csv)",
        ));
    }
    Ok(reduction)
}

/// `binary` and `categorical` with a reduction, weights, a mask, an ignored index or
/// per-sample losses (the exact convention): read into memory, the weights validated like
/// the inputs, their errors in the user's files and coordinates.
fn weighted(inputs: &Inputs, selection: Selection, options: &Options) -> Result<Outcome> {
    let args = &options.weighting;
    let reduction = reduction_of(args)?;
    let files = weighting::WeightFiles::read(args, &options.read)?;
    let weights = files.weights();
    let explain = |e: xent_core::Error| files.explain(e).unwrap_or_else(|e| inputs.explain(e));
    let unvalidated = inputs
        .unvalidated(options.from_logits)?
        .with_weights(&weights)
        .map_err(explain)?;
    let production = xent_registry::checked(&unvalidated).map_err(explain)?;
    let problem = unvalidated.validate().map_err(explain)?;
    let divisor = match reduction {
        xent_core::Reduction::Sum => 1.0,
        xent_core::Reduction::Mean
        | xent_core::Reduction::MeanWithSampleWeight
        | xent_core::Reduction::None => {
            xent_core::Reduction::Mean
                .scalar(&production)
                .map_err(Error::Core)?;
            production.weight
        }
    };
    let mut outcome = if selection.is_production() {
        let mut o = Outcome::production(
            inputs.kind,
            options.from_logits,
            production,
            divisor,
            options.base,
        );
        o.outputs = problem.outputs();
        if options.sum == SumArg::Exact {
            let divisor = (reduction == xent_core::Reduction::Sum).then_some(1);
            exact_value(&mut o, &problem, &production, divisor, options.base)?;
        }
        o
    } else {
        evaluate::compare(&problem, selection, divisor, options.base, Some(production))
    };
    outcome.inputs = inputs.infos();
    let per_sample = match &args.per_sample {
        Some(path) => {
            let losses: Vec<f64> = xent_registry::production()
                .per_sample(&problem)
                .unwrap_or_default()
                .into_iter()
                .map(|l| options.base.from_nats(l))
                .collect();
            weighting::write_per_sample(path, &losses, 1, inputs.pred.source.reading)?;
            Some(path.display().to_string())
        }
        None => None,
    };
    outcome.weighting = Some(evaluate::Weighting {
        reduction,
        weight: production.weight,
        given: args.given(),
        per_sample_shape: per_sample
            .is_some()
            .then(|| weighting::written_shape(1, problem.samples(), inputs.pred.source.reading)),
        per_sample,
        divided_by: None,
    });
    Ok(outcome)
}

/// A convention's scalar of `e` for the output: its value under the reduction, and for
/// `none` the mean of the per-sample losses (a divisor of 0 is Keras's 0, or refused).
fn convention_scalar(c: &xent_core::Conventional<'_>, e: &xent_core::Evaluation) -> Result<f64> {
    c.mean_or_value(e).map_err(Error::Core)
}

/// `binary` and `categorical` with a reduction, weights, a mask or an ignored index under
/// a peer convention (or all of them): the library's weighted semantics, in memory.
fn weighted_conventions(
    inputs: &Inputs,
    selection: Selection,
    options: &Options,
) -> Result<(Outcome, Vec<String>)> {
    let args = &options.weighting;
    let reduction = reduction_of(args)?;
    let files = weighting::WeightFiles::read(args, &options.read)?;
    let weighting = xent_core::Weighting::new(files.weights(), reduction);
    let explain = |e: xent_core::Error| files.explain(e).unwrap_or_else(|e| inputs.explain(e));
    let asked = inputs.asked(options);
    let base = options.base;
    let reading = inputs.pred.source.reading;
    let all = options.convention == "all";
    let (convention, convention_options) = if all {
        let exact = ConventionOptions {
            label_smoothing: None,
            ..asked
        };
        (Convention::Exact, exact)
    } else {
        (options.convention.parse().map_err(Error::Core)?, asked)
    };
    let c = inputs
        .weighted_conventional(convention, &convention_options, weighting)
        .map_err(explain)?;
    let problem = c.problem();
    let mut outcome = evaluate::compare(&problem, selection, c.denominator, base, None);
    if c.denominator == 0.0 {
        // Keras's divide_no_nan gives 0, PyTorch's 0 / 0 NaN; the others' mean of nothing is
        // refused.
        let zero =
            xent_core::Evaluation::new(0.0, problem.samples(), xent_core::ReducedShape::Scalar);
        let value = base.from_nats(convention_scalar(&c, &zero)?);
        outcome.value = value;
        for f in &mut outcome.formulations {
            f.value = value;
        }
    }
    outcome.inputs = inputs.infos();
    let (per_sample, per_sample_shape) = match &args.per_sample {
        Some(path) => {
            let u = c.unreduced().map_err(explain)?;
            let losses: Vec<f64> = u.values.iter().map(|&l| base.from_nats(l)).collect();
            weighting::write_per_sample(path, &losses, u.rows, reading)?;
            (
                Some(path.display().to_string()),
                Some(weighting::written_shape(u.rows, u.samples, reading)),
            )
        }
        None => (None, None),
    };
    outcome.weighting = Some(evaluate::Weighting {
        reduction,
        weight: c.denominator,
        given: args.given(),
        per_sample,
        per_sample_shape,
        divided_by: (convention != Convention::Exact).then(|| c.divisor_reason.clone()),
    });
    let mut warnings = c.warnings.clone();
    if !all {
        outcome.convention = Some(Applied::of(&c));
        return Ok((outcome, warnings));
    }
    let mut rows = vec![ConventionRow {
        convention: Convention::Exact,
        result: Ok((outcome.value, Applied::of(&c))),
    }];
    for convention in &Convention::ALL[1..] {
        let result = match inputs.weighted_conventional(*convention, &asked, weighting) {
            Ok(c) => {
                let e = c.problem().evaluate(xent_registry::production());
                warnings.extend(c.warnings.iter().cloned());
                convention_scalar(&c, &e)
                    .map(|v| (base.from_nats(v), Applied::of(&c)))
                    .map_err(|e| e.to_string())
            }
            Err(e) => Err(explain(e).to_string()),
        };
        rows.push(ConventionRow {
            convention: *convention,
            result,
        });
    }
    outcome.conventions = rows;
    Ok((outcome, warnings))
}

/// `--sum exact`: the outcome's value becomes the exact loss (`−S / divisor`, the problem's
/// own divisor when `None`), the compensated `production` result reported beside it.
fn exact_value(
    outcome: &mut Outcome,
    problem: &Problem<'_>,
    production: &xent_core::Evaluation,
    divisor: Option<u64>,
    base: LogBase,
) -> Result<()> {
    let (value, report) = evaluate::ExactSum::evaluate(problem, production, divisor, base)?;
    set_exact(outcome, value, report);
    Ok(())
}

/// Puts the exact `value` (`--sum exact`) and the report on the compensated result into
/// `outcome`.
fn set_exact(outcome: &mut Outcome, value: f64, report: evaluate::ExactSum) {
    use xent_core::Formulation as _;
    outcome.value = value;
    outcome.value_from = xent_fused::Fused::with_sum(xent_fused::Sum::Exact).name();
    outcome.exact_sum = Some(report);
}

/// The second input's file(s), as given.
#[derive(Debug, Clone, Copy)]
pub enum TruthFiles<'a> {
    /// `binary --labels`.
    Labels(&'a Path),
    /// `categorical --target` or `--classes`.
    Targets(&'a Targets),
}

/// `xent verify`: the verifier's report and any claims files' rows, or (`--only`) those rows
/// alone, numbered and counted as the report does; exit status 1 unless it passed. A file that
/// cannot be read or parsed is an error.
fn verify(format: output::Format, claims: &[PathBuf], only: bool) -> Result<(String, u8)> {
    let mut report = if only {
        xent_verify::Report::new(
            xent_registry::all()
                .iter()
                .map(|f| f.name().into())
                .collect(),
        )
    } else {
        xent_verify::audit(&xent_verify::AuditOptions::default())
    };
    for path in claims {
        report.add_claims_file(path)?;
    }
    let rendered = match format {
        output::Format::Text => report.render_text(),
        output::Format::Json => report.render_json(),
    };
    Ok((rendered, if report.passed() { 0 } else { 1 }))
}
