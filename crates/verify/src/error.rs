//! The one error type of `xent-verify`.

/// Why the verifier could not produce a value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// Building a problem from the catalogue's or the sweep's inputs was rejected.
    #[error("invalid problem: {0}")]
    Problem(#[from] xent_core::Error),
    /// Inputs written in the catalogue whose length does not fit their shape.
    #[error("catalogue inputs of {len} entries do not fill {rows} rows")]
    Shape {
        /// Number of entries.
        len: usize,
        /// Rows asked for.
        rows: usize,
    },
    /// The oracle's arithmetic failed.
    #[error(transparent)]
    Oracle(#[from] xent_oracle::Error),
    /// A claims file (`--claims FILE`) cannot be read or is not a valid claims file.
    #[error("{}", claims_message(path, source))]
    Claims {
        /// The file, as given.
        path: String,
        /// What is wrong with it.
        source: Box<xent_expr::claims::ClaimsError>,
    },
}

fn claims_message(path: &str, source: &xent_expr::claims::ClaimsError) -> String {
    match source {
        // Its message already names the file.
        xent_expr::claims::ClaimsError::Io { .. } => format!("--claims {source}"),
        _ => format!("--claims {path}: {source}"),
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
