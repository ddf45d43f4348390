//! The `xent` binary: parses the command line, installs tracing (under `RUST_LOG`, on
//! stderr), runs [`xent_cli::run_full`] (a convention's warnings on stderr) and maps the outcome to an exit status: 0 with a result,
//! 1 when the formulations disagree beyond their bounds (the audit fails, the expression is
//! not the loss), 2 for any input or usage error.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Usage errors (unknown flags, a bad --base) exit here with clap's message and status 2,
    // its suggestion kept only where it is similar to what was typed.
    let cli = match xent_cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => xent_cli::usage::refine(e, std::env::args_os()).exit(),
    };
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            // Colours only for a terminal: a log file or a pipe gets plain text.
            .with_ansi(std::io::stderr().is_terminal())
            .init();
    }
    let result = xent_cli::run_full(&cli).and_then(|ran| {
        for w in &ran.warnings {
            eprintln!("warning: {w}");
        }
        let mut out = std::io::stdout().lock();
        out.write_all(ran.stdout.as_bytes())
            .and_then(|()| out.flush())
            .map_err(xent_cli::Error::Output)?;
        Ok(ran.status)
    });
    match result {
        Ok(0) => ExitCode::SUCCESS,
        Ok(status) => {
            eprintln!("xent: {}", cli.command.failure());
            ExitCode::from(status)
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
