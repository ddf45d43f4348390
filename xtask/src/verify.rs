//! `cargo xtask verify`: the audit CI runs. The logic lives in `xent-verify`; this prints its
//! report and turns its result into the exit code.

use std::io::Write as _;
use std::process::ExitCode;

use xent_verify::{AuditOptions, DEFAULT_SEED, Report, audit};

/// How the report is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// An aligned table a person reads.
    Text,
    /// The same report as JSON.
    Json,
}

/// Options of `cargo xtask verify`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Seed of the random agreement sweep (the snapshots use the default).
    #[arg(long, default_value_t = DEFAULT_SEED)]
    seed: u64,
    /// Skip the random agreement sweep (the claims catalogue only).
    #[arg(long)]
    no_sweep: bool,
    /// Also check the claims of this TOML claims file (the catalogue's format; see
    /// `crates/verify/catalogue.toml`); may be given more than once
    #[arg(long, value_name = "FILE")]
    claims: Vec<std::path::PathBuf>,
    /// Check the claims files' rows alone, without the catalogue and the sweep (numbered
    /// and counted as the full report does)
    #[arg(long, requires = "claims")]
    only: bool,
}

/// Runs the audit, prints the report on stdout, and exits non-zero on any unexpected
/// verdict or any value outside its bound.
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut report = if args.only {
        let names = xent_registry::all().iter().map(|f| f.name().to_owned());
        Report::new(names.collect())
    } else {
        audit(&AuditOptions {
            seed: args.seed,
            sweep: !args.no_sweep,
        })
    };
    for path in &args.claims {
        if let Err(e) = report.add_claims_file(path) {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(2));
        }
    }
    let rendered = match args.format {
        Format::Text => report.render_text(),
        Format::Json => report.render_json(),
    };
    std::io::stdout().lock().write_all(rendered.as_bytes())?;
    if report.passed() {
        Ok(ExitCode::SUCCESS)
    } else {
        for c in report.unexpected() {
            tracing::error!(claim = %c.id, verdict = %c.verdict, recorded = %c.expected, "unexpected verdict");
        }
        eprintln!("verify: FAILED (see the report's Result line)");
        Ok(ExitCode::FAILURE)
    }
}
