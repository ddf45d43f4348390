//! `xent._xent`: the Rust side of the Python package `xent` (`python/`).
//!
//! A thin layer over the library crates, with no logic of its own beyond conversion:
//!
//! - [`arrays`]: numpy arrays borrowed as `xent_core` views (strides, never a copy), and
//!   `xent_core` errors raised as `xent.InputError` in the caller's coordinates;
//! - [`evaluate`]: `binary` and `categorical` (the production path, every formulation of
//!   the registry on request, the conventions), the kernel run without the GIL;
//! - [`expr`]: `check`, the expression checker of `xent-expr`;
//! - [`audit`]: a user's own Python loss function run on a seeded suite and judged against
//!   the oracle of `xent-verify`; `verify`, the verifier's report.
//!
//! Results cross to Python as dicts (or JSON text); the pure-Python package (`xent/`) turns
//! them into result objects.

use pyo3::prelude::*;

mod arrays;
mod audit;
mod evaluate;
mod expr;

pyo3::create_exception!(
    _xent,
    InputError,
    pyo3::exceptions::PyValueError,
    "An input xent rejects, with the library's message in the caller's coordinates."
);
pyo3::create_exception!(
    _xent,
    ExpressionError,
    pyo3::exceptions::PyValueError,
    "An expression xent cannot check: a parse error, or numpy's own refusal."
);

/// The extension module.
#[pymodule]
fn _xent(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("InputError", py.get_type::<InputError>())?;
    m.add("ExpressionError", py.get_type::<ExpressionError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(evaluate::binary, m)?)?;
    m.add_function(wrap_pyfunction!(evaluate::categorical, m)?)?;
    m.add_function(wrap_pyfunction!(expr::check, m)?)?;
    m.add_function(wrap_pyfunction!(audit::audit, m)?)?;
    m.add_function(wrap_pyfunction!(audit::verify, m)?)?;
    m.add_function(wrap_pyfunction!(arrays::address, m)?)?;
    Ok(())
}
