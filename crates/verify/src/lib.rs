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
//! - [`tolerance`]: how a bound carries over to another log base (every other bound is
//!   `xent_core::tolerance`'s).
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
pub mod tolerance;

mod engine;
mod relation;
mod sweep;

pub use catalogue::Catalogue;
pub use error::{Error, Result};
pub use report::{
    Agreement, Check, Claim, Expressions, Outcome, Report, Sweep, SweepCase, Verdict,
};
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

/// [`audit`] through the given formulations.
pub fn audit_with(formulations: &[&dyn Formulation], options: &AuditOptions) -> Report {
    let _span = tracing::info_span!("audit", seed = options.seed, sweep = options.sweep).entered();
    let (mut claims, documents) = match Catalogue::builtin() {
        Ok(c) => run(&c, formulations),
        Err(e) => (vec![unreadable(&e)], Vec::new()),
    };
    for c in &claims {
        tracing::info!(claim = %c.id, verdict = %c.verdict, expected = %c.expected, "claim");
    }
    let sweep = if options.sweep {
        sweep::sweep(options.seed, formulations).unwrap_or_else(|e| Sweep {
            seed: options.seed,
            cases: vec![SweepCase {
                id: 0,
                kind: format!("error: {e}"),
                predictions: String::new(),
                labels: String::new(),
                shape: String::new(),
                oracle: report::Num(f64::NAN),
                bound_ulps: 0,
                within_bound: vec![("sweep".to_owned(), false)],
            }],
        })
    } else {
        Sweep {
            seed: options.seed,
            cases: Vec::new(),
        }
    };
    let expressions = match Catalogue::builtin() {
        Ok(c) => expressions(&c, catalogue::CATALOGUE_FILE, Path::new(".")),
        Err(e) => Err(e),
    };
    let expressions = match expressions {
        Ok(e) => vec![e],
        Err(e) => {
            claims.push(unreadable(&e));
            Vec::new()
        }
    };
    Report {
        expressions,
        oracle_precision: xent_oracle::PRECISION,
        formulations: formulations.iter().map(|f| f.name().to_owned()).collect(),
        documents,
        claims,
        sweep,
    }
}

/// Every row of `catalogue` through `formulations`, and the documents the rows cite, in the
/// order first cited.
pub fn run(catalogue: &Catalogue, formulations: &[&dyn Formulation]) -> (Vec<Claim>, Vec<String>) {
    let engine = engine::Engine::new(catalogue, formulations);
    let claims: Vec<Claim> = catalogue
        .claim
        .iter()
        .map(|row| engine.claim(row))
        .collect();
    let mut documents: Vec<String> = Vec::new();
    for c in &claims {
        if !documents.contains(&c.document) {
            documents.push(c.document.clone());
        }
    }
    (claims, documents)
}

/// A catalogue that cannot be read, as a failed claim: the audit fails with the reason
/// rather than panicking (the built-in one is read by this crate's tests).
fn unreadable(e: &Error) -> Claim {
    Claim {
        id: "catalogue".to_owned(),
        document: String::new(),
        statement: e.to_string(),
        symbolic: String::new(),
        inputs: Vec::new(),
        published: Vec::new(),
        oracle: Vec::new(),
        formulations: Vec::new(),
        checks: Vec::new(),
        verdict: Verdict::Fails,
        expected: Verdict::Holds,
    }
}

/// The expression rows of `catalogue`, judged by `xent-expr` (input files read relative to
/// `base`): an input file that cannot be read is an error of the catalogue.
fn expressions(catalogue: &Catalogue, file: &str, base: &Path) -> Result<Expressions> {
    let _span = tracing::info_span!("expressions", file).entered();
    let mut claims = catalogue.expressions.clone();
    claims.read_inputs(base).map_err(|source| Error::Claims {
        path: file.to_owned(),
        source: Box::new(source),
    })?;
    Ok(Expressions {
        file: file.to_owned(),
        report: xent_expr::claims::run(&claims, base),
    })
}

/// The expression rows of a claims file, judged: what `xent verify --claims FILE --only`
/// prints.
pub fn expressions_file(path: &Path) -> Result<Expressions> {
    let catalogue = Catalogue::load(path).map_err(|e| Error::ClaimsFile(Box::new(e)))?;
    expressions(
        &catalogue,
        &path.display().to_string(),
        path.parent().unwrap_or(Path::new(".")),
    )
}

impl Report {
    /// Checks the rows of a user's claims file (the catalogue's format; input files read
    /// relative to the file's folder) and appends them to the report: what `--claims FILE`
    /// does. A file that cannot be read or breaks a rule of the format is an error; a claim
    /// that does not hold is a failed claim in the report.
    pub fn add_claims_file(&mut self, path: &Path) -> Result<()> {
        let catalogue = Catalogue::load(path).map_err(|e| Error::ClaimsFile(Box::new(e)))?;
        let file = path.display().to_string();
        let exprs = expressions(&catalogue, &file, path.parent().unwrap_or(Path::new(".")))?;
        let (claims, documents) = run(&catalogue, xent_registry::all());
        for d in documents {
            if !self.documents.contains(&d) {
                self.documents.push(d);
            }
        }
        self.claims.extend(claims);
        self.expressions.push(exprs);
        Ok(())
    }
}
