//! `cargo xtask completions [--out DIR]`: the shell completion scripts and the man page, from
//! the `xent` binary's own clap definition (`xent completions SHELL`, `xent man`), written
//! as files a package installs: `xent.bash`, `_xent` (zsh), `xent.fish`, `xent.elv`,
//! `_xent.ps1` and `xent.1`.

use std::path::PathBuf;
use std::process::{Command, ExitCode};

use anyhow::{Context, Result, bail};

/// Where to write them.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// The folder (created if missing); by default `target/completions`.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

/// Each file and the `xent` arguments that print it.
const FILES: [(&str, &[&str]); 6] = [
    ("xent.bash", &["completions", "bash"]),
    ("_xent", &["completions", "zsh"]),
    ("xent.fish", &["completions", "fish"]),
    ("xent.elv", &["completions", "elvish"]),
    ("_xent.ps1", &["completions", "powershell"]),
    ("xent.1", &["man"]),
];

pub(crate) fn run(args: Args) -> Result<ExitCode> {
    let xent = crate::bench::xent_binary(false)?;
    let out = args
        .out
        .unwrap_or_else(|| crate::bench::workspace_root().join("target/completions"));
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    for (name, xent_args) in FILES {
        let output = Command::new(&xent)
            .args(xent_args)
            .output()
            .with_context(|| format!("running {}", xent.display()))?;
        if !output.status.success() || output.stdout.is_empty() {
            bail!(
                "xent {} failed: {}",
                xent_args.join(" "),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let path = out.join(name);
        std::fs::write(&path, &output.stdout)
            .with_context(|| format!("writing {}", path.display()))?;
        println!("{}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}
