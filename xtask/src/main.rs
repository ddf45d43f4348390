//! `cargo xtask`: the project's tasks, one subcommand each (matklad's cargo-xtask
//! convention). It orchestrates; the logic lives in the library crates, so `cargo test` and
//! `cargo xtask verify` cannot diverge.
//!
//! - `cargo xtask verify [--format text|json] [--claims FILE]`: the audit CI runs;
//! - `cargo xtask bench`: speed and memory of every formulation, against numpy;
//! - `cargo xtask completions [--out DIR]`: shell completion scripts and the man page.

mod bench;
mod completions;
mod verify;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "xent's tasks")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// The audit: every claim of the source documents, the oracle, bounds, a random sweep, and
    /// the documents' own numpy expressions (plus any --claims FILE).
    Verify(verify::Args),
    /// Benchmarks: ns per entry and peak extra memory of every formulation, against numpy.
    Bench(bench::Args),
    /// Shell completion scripts (bash, zsh, fish, elvish, powershell) and the man page, from
    /// the `xent` binary's clap definition, as files in DIR (default target/completions).
    Completions(completions::Args),
    /// (For `bench`.) Runs PROGRAM ARGS… and prints its wall seconds and peak RSS bytes. A
    /// child's peak RSS includes the memory of the process it was spawned from until its
    /// `exec`, so the bench, which holds its arrays, measures the command through this
    /// small process.
    #[command(hide = true)]
    MeasureChild {
        /// The program and its arguments.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, required = true)]
        command: Vec<String>,
    },
}

fn main() -> anyhow::Result<std::process::ExitCode> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().task {
        Task::Verify(args) => verify::run(args),
        Task::Bench(args) => bench::run(args),
        Task::Completions(args) => completions::run(args),
        Task::MeasureChild { command } => bench::measure_child(&command),
    }
}
