//! `xent check 'EXPR'`: a numpy-style loss expression checked against the definition, by
//! `xent-expr`, on the user's arrays or on its seeded suite of problems.
//!
//! The arrays are read like `binary`'s and `categorical`'s (same formats, same `--layout`
//! and 1-D rules) and validated by `xent-core`, so a bad entry is reported in the user's
//! file and coordinates before any expression runs.

use std::path::Path;

use nalgebra::DMatrix;
use xent_core::{BinaryProblem, CategoricalProblem, Kind};
use xent_expr::{CheckOptions, check, parse};

use crate::error::{Error, FileRef, Result};
use crate::layout::{self, Layout, Other, Role};
use crate::output::Format;

/// What `xent check` was asked.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// The expression, as typed.
    pub expr: &'a str,
    /// Binary or categorical cross-entropy.
    pub kind: Kind,
    /// Predictions and labels (or targets), both or neither.
    pub files: Option<(&'a Path, FileRef)>,
    /// How the files are laid out.
    pub layout: Layout,
    /// Text or JSON.
    pub format: Format,
}

/// Checks the expression: the rendered report and the exit status (0 when the expression
/// is the loss, 1 when it is not).
pub fn run(request: &Request<'_>) -> Result<(String, u8)> {
    let program = parse(request.expr)
        .map_err(|e| Error::Expr(xent_expr::ExprError::from(e).render(request.expr)))?;
    let mut options = CheckOptions::new(request.kind);
    if let Some((pred, truth)) = &request.files {
        let (a, y) = read_inputs(pred, truth.clone(), request.kind, request.layout)?;
        options = options.with_inputs(a, y);
    }
    let report = check(&program, &options).map_err(|e| Error::Expr(e.render(request.expr)))?;
    let rendered = match request.format {
        Format::Text => report.render_text(),
        Format::Json => format!("{:#}\n", report.to_json()),
    };
    Ok((rendered, if report.equal() { 0 } else { 1 }))
}

/// Reads both arrays in the documents' layout and validates them as a problem of `kind`,
/// so that errors name the file and the entry; returns them unchanged.
fn read_inputs(
    pred: &Path,
    truth: FileRef,
    kind: Kind,
    layout: Layout,
) -> Result<(DMatrix<f64>, DMatrix<f64>)> {
    let role = match kind {
        Kind::Binary => Role::Binary,
        Kind::Categorical => Role::Categorical,
    };
    let options = xent_io::Options::default();
    let a = layout::read_matrix(FileRef::new("--pred", pred), layout, role, None, &options)?;
    let y = layout::read_matrix(truth, layout, role, None, &options)?;
    let explain = |e| layout::explain(e, &a.source, Other::Matrix(&y.source));
    match kind {
        Kind::Binary => BinaryProblem::new(a.array(), y.array())
            .map(drop)
            .map_err(explain)?,
        Kind::Categorical => CategoricalProblem::new(a.array(), y.array())
            .map(drop)
            .map_err(explain)?,
    }
    Ok((a.array().to_f64_matrix(), y.array().to_f64_matrix()))
}
