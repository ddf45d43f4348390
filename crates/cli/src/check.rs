//! `xent check 'EXPR'`: a numpy-style loss expression checked against the definition, by
//! `xent-expr`, on the user's arrays or on its seeded suite of problems.
//!
//! The arrays are read like `binary`'s and `categorical`'s (same formats, same `--layout`
//! and 1-D rules) and validated by `xent-core`, so a bad entry is reported in the user's
//! file and coordinates before any expression runs. The expression is evaluated on the
//! arrays exactly as numpy would hold them (the file's shape: a 1-D file is 1-D, an
//! `(m, 1)` file is `(m, 1)`); the layout only tells the reference which axis holds the
//! samples.

use std::path::Path;

use xent_core::{BinaryProblem, CategoricalProblem, Kind};
use xent_expr::{CheckOptions, SamplesAxis, UserArray, check, parse};

use crate::error::{Error, FileRef, Result};
use crate::layout::{self, Layout, Other, Placed, Reading, Role};
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
        options = options.with_user_arrays(a, y);
    }
    let report = check(&program, &options).map_err(|e| Error::Expr(e.render(request.expr)))?;
    let rendered = match request.format {
        Format::Text => report.render_text(),
        Format::Json => format!("{:#}\n", report.to_json()),
    };
    Ok((rendered, if report.equal() { 0 } else { 1 }))
}

/// Reads both arrays, validates their documents' reading as a problem of `kind`, so that
/// errors name the file and the entry, and returns them as numpy would hold them.
fn read_inputs(
    pred: &Path,
    truth: FileRef,
    kind: Kind,
    layout: Layout,
) -> Result<(UserArray, UserArray)> {
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
    Ok((user_array(&a), user_array(&y)))
}

/// The array in the file's own shape, with the axis its reading takes as the samples'.
fn user_array(placed: &Placed) -> UserArray {
    let file = placed.loaded.matrix(false).to_f64_matrix();
    match placed.source.reading {
        Reading::Vector => UserArray::vector(file.iter().copied().collect()),
        Reading::Cols => UserArray::matrix(file, SamplesAxis::Cols),
        Reading::Rows => UserArray::matrix(file, SamplesAxis::Rows),
    }
}
