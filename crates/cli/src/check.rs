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

use xent_core::{Kind, Targets, Unvalidated};
use xent_expr::{CheckOptions, SamplesAxis, UserArray, check, parse};

use crate::ReadArgs;
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
    /// Predictions and labels (or targets, or class indices: `--classes`), both or neither.
    pub files: Option<(&'a Path, FileRef)>,
    /// Whether the predictions are logits.
    pub from_logits: bool,
    /// How the files are laid out.
    pub layout: Layout,
    /// How the files are read.
    pub read: ReadArgs,
    /// Text or JSON.
    pub format: Format,
}

/// Checks the expression: the rendered report and the exit status (0 when the expression
/// is the loss, 1 when it is not).
pub fn run(request: &Request<'_>) -> Result<(String, u8)> {
    let program = parse(request.expr)
        .map_err(|e| Error::Expr(xent_expr::ExprError::from(e).render(request.expr)))?;
    let mut options = CheckOptions::new(request.kind).with_from_logits(request.from_logits);
    if let Some((pred, truth)) = &request.files {
        options = read_inputs(pred, truth.clone(), request, options)?;
    }
    let report = check(&program, &options).map_err(|e| Error::Expr(e.render(request.expr)))?;
    let rendered = match request.format {
        Format::Text => report.render_text(),
        Format::Json => format!("{:#}\n", report.to_json()),
    };
    Ok((rendered, if report.equal() { 0 } else { 1 }))
}

/// Reads both arrays, validates their documents' reading as a problem of the request's
/// kind (from logits or not), so that errors name the file and the entry, and gives them to
/// `options` as numpy would hold them.
fn read_inputs(
    pred: &Path,
    truth: FileRef,
    request: &Request<'_>,
    options: CheckOptions,
) -> Result<CheckOptions> {
    let (kind, layout, from_logits) = (request.kind, request.layout, request.from_logits);
    ReadArgs::stdin_once(&[pred, &truth.path])?;
    let role = match kind {
        Kind::Binary => Role::Binary,
        Kind::Categorical => Role::Categorical,
    };
    let pred_ref = FileRef::new("--pred", pred);
    let pred_io = request.read.io(pred);
    let truth_io = request.read.io(&truth.path);
    if truth.flag == "--classes" {
        if kind == Kind::Binary {
            return Err(Error::Usage(
                "--classes is one class index per sample: add --kind categorical",
            ));
        }
        let c = layout::read_classes(truth, &truth_io)?;
        let a = layout::read_matrix(pred_ref, layout, role, Some(c.len()), &pred_io)?;
        let explain = |e| layout::explain(e, &a.source, Other::Classes(&c.source));
        Unvalidated::categorical(a.array(), Targets::Classes(c.array()), from_logits)
            .and_then(|u| u.validate())
            .map(|_| ())
            .map_err(explain)?;
        // Validated: every index is a whole number from 0 to k - 1.
        let classes = c
            .array()
            .to_f64_matrix()
            .iter()
            .map(|&v| v as usize)
            .collect();
        return Ok(options.with_user_classes(user_array(&a), classes));
    }
    let a = layout::read_matrix(pred_ref, layout, role, None, &pred_io)?;
    let y = layout::read_matrix(truth, layout, role, None, &truth_io)?;
    let explain = |e| layout::explain(e, &a.source, Other::Matrix(&y.source));
    match kind {
        Kind::Binary => Unvalidated::binary(a.array(), y.array(), from_logits),
        Kind::Categorical => {
            Unvalidated::categorical(a.array(), Targets::Dense(y.array()), from_logits)
        }
    }
    .and_then(|u| u.validate())
    .map(|_| ())
    .map_err(explain)?;
    Ok(options.with_user_arrays(user_array(&a), user_array(&y)))
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
