//! The one error type of `xent-verify`.

/// Why the verifier could not produce a value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// Building a problem from the catalogue's or the sweep's inputs was rejected.
    #[error("invalid problem: {0}")]
    Problem(#[from] xent_core::Error),
    /// A catalogue (the built-in one or a `--claims FILE`) that breaks a rule of the format.
    #[error("{file}{}: {rule}", row.as_ref().map_or(String::new(), |r| format!(": claim `{r}`")))]
    Catalogue {
        /// The file.
        file: String,
        /// The row (its id), when the rule is a row's.
        row: Option<String>,
        /// The rule broken.
        rule: String,
    },
    /// A user's `--claims FILE` that cannot be read or breaks a rule of the format.
    #[error("--claims {0}")]
    ClaimsFile(Box<Error>),
    /// A check whose basis cannot be evaluated on its inputs (none given, the other kind of
    /// problem, no formulation of that style audited).
    #[error("the check cannot be evaluated: {0}")]
    Basis(&'static str),
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
