//! The verifier of `xent`: every statement the source documents make about cross-entropy
//! and every value a peer library publishes, as rows of one catalogue, checked against the
//! arbitrary-precision oracle (`xent-oracle`) through every formulation, with error bounds
//! derived from the arithmetic, into a report whose verdicts are snapshot-tested.
//!
//! Read it in this order:
//! - `catalogue.toml` (compiled in) and [`catalogue`]: the rows, their format, and the rules
//!   every row must keep (an error names the file, the row and the rule). A row is a claim
//!   (document, statement, symbolic form, input sets, the expected [`Verdict`] code) with
//!   checks (case, inputs, quantity, base, basis, what it is compared against, how); a row
//!   with `expr` is a numpy expression, judged by `xent-expr`.
//! - `engine`: the one evaluator of (subject × basis) and the verdict derived from the
//!   outcomes; `relation`: the comparisons. A derived verdict that differs from the
//!   recorded one fails the audit, in either direction.
//! - `sweep`: the seeded random agreement check.
//! - [`report`]: aligned text or JSON, byte-identical on every platform, ISA and thread count
//!   (formulation values only where they are the same bits everywhere).
//! - Every bound is `xent_core::tolerance`'s (`ErrorBound`; `ErrorBound::in_base` for a loss
//!   in another log base).
//!
//! It does not compute losses for production (the formulation crates do), does not fit or
//! optimise anything, and checks the documents' second binary example only for consistency,
//! since its inputs were never published.
//!
//! ```
//! use xent_core::published;
//! use xent_verify::{AuditOptions, Verdict, audit};
//! use xent_oracle as oracle;
//!
//! // The oracle: the documents' binary example, correctly rounded.
//! let problem = published::binary_example()?;
//! let truth = oracle::try_binary(&problem)?;
//! assert_eq!(format!("{:.8}", truth.loss), "0.09864328"); // the published cost, m = 8
//!
//! // The audit, without the random sweep: every claim gets the verdict the catalogue records.
//! let report = audit(&AuditOptions { sweep: false, ..AuditOptions::default() });
//! assert!(report.passed());
//! let g1 = report.claims.iter().find(|c| c.id == "G1").expect("the gist's claim");
//! assert_eq!(g1.verdict, Verdict::HoldsOnlyWhen("n_y = 1".into()));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod catalogue;
pub mod error;
pub mod report;

mod engine;
mod relation;
mod sweep;

pub use catalogue::Catalogue;
pub use error::{Error, Result};
pub use report::{Agreement, Check, Claim, Expressions, Report, Sweep, SweepCase, Verdict};
pub use xent_oracle::Oracle;

use std::path::Path;

use xent_core::Formulation;

/// The seed of the random sweep unless another is given: the bytes of "xent".
pub const DEFAULT_SEED: u64 = 0x7865_6e74;

/// What an audit runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditOptions {
    /// Seed of the random sweep's generator.
    pub seed: u64,
    /// Whether to run the random sweep at all.
    pub sweep: bool,
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            seed: DEFAULT_SEED,
            sweep: true,
        }
    }
}

/// Runs the catalogue and (unless disabled) the random sweep through every formulation of
/// the registry ([`xent_registry::all`]).
pub fn audit(options: &AuditOptions) -> Report {
    audit_with(xent_registry::all(), options)
}

/// [`audit`] through the given formulations. What cannot run at all (a built-in catalogue
/// that does not read, a sweep whose oracle fails) is an error of the report, which fails
/// it, rather than a panic.
pub fn audit_with(formulations: &[&dyn Formulation], options: &AuditOptions) -> Report {
    let _span = tracing::info_span!("audit", seed = options.seed, sweep = options.sweep).entered();
    let mut report = Report::new(formulations.iter().map(|f| f.name().to_owned()).collect());
    let builtin = Catalogue::builtin();
    let added = builtin
        .and_then(|c| report.add(&c, catalogue::CATALOGUE_FILE, Path::new("."), formulations));
    if let Err(e) = added {
        report.errors.push(e.to_string());
    }
    if options.sweep {
        match sweep::sweep(options.seed, formulations) {
            Ok(s) => report.sweep = Some(s),
            Err(e) => report.errors.push(format!("the random sweep: {e}")),
        }
    }
    report
}

/// Every row of `catalogue` through `formulations`.
pub fn run(catalogue: &Catalogue, formulations: &[&dyn Formulation]) -> Vec<Claim> {
    let engine = engine::Engine::new(catalogue, formulations);
    let claims: Vec<Claim> = catalogue.claim.iter().map(|r| engine.claim(r)).collect();
    for c in &claims {
        tracing::info!(claim = %c.id, verdict = %c.verdict, expected = %c.expected, "claim");
    }
    claims
}

impl Report {
    /// Checks the rows of a user's claims file (the catalogue's format; input files read
    /// relative to the file's folder) and appends them to the report: what `--claims FILE`
    /// does, beside the audit or (`--only`) into [`Report::new`]. A file that cannot be read
    /// or breaks a rule of the format is an error; a claim that does not hold is a failed
    /// claim in the report.
    pub fn add_claims_file(&mut self, path: &Path) -> Result<()> {
        let catalogue = Catalogue::load(path).map_err(|e| Error::ClaimsFile(Box::new(e)))?;
        let base = path.parent().unwrap_or(Path::new("."));
        let file = path.display().to_string();
        self.add(&catalogue, &file, base, xent_registry::all())
    }

    /// The rows of `catalogue` (from `file`; expression inputs read relative to `base`),
    /// evaluated and appended: the engine's rows and their documents, then the expression
    /// rows, judged by `xent-expr`. An input file that cannot be read is an error of the
    /// catalogue.
    fn add(
        &mut self,
        catalogue: &Catalogue,
        file: &str,
        base: &Path,
        formulations: &[&dyn Formulation],
    ) -> Result<()> {
        let _span = tracing::info_span!("catalogue", file).entered();
        let mut expressions = catalogue.expressions.clone();
        expressions
            .read_inputs(base)
            .map_err(|source| Error::Claims {
                path: file.to_owned(),
                source: Box::new(source),
            })?;
        for c in run(catalogue, formulations) {
            if !self.documents.contains(&c.document) {
                self.documents.push(c.document.clone());
            }
            self.claims.push(c);
        }
        self.expressions.push(Expressions {
            file: file.to_owned(),
            report: xent_expr::claims::run(&expressions, base),
        });
        Ok(())
    }
}
