//! Tests of `xent-expr` through its public API, one binary, one module per concern:
//!
//! - `expressions`: the verdict and symbolic shape of every expression the documents print
//!   and of the usual mistakes, on the seeded suite and on concrete inputs; numpy's refusals;
//! - `snapshots`: rendered reports (text and JSON), reviewed like code, under
//!   `snapshots/expr/` at the workspace root;
//! - `claims`: the built-in documents' claims, and a user's claims file round-tripping
//!   through a file with CSV inputs;
//! - `fuzz`: quickcheck properties: no input makes the parser or the checker panic.

mod claims;
mod expressions;
mod forms;
mod fuzz;
mod snapshots;

/// insta settings that put this crate's snapshots in `snapshots/expr/` at the workspace root.
pub(crate) fn snapshot_settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/../../snapshots/expr"));
    s.set_prepend_module_to_snapshot(false);
    s
}
