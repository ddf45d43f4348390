//! The one list of `xent`'s formulations: every consumer (the verifier, the command, the
//! tests, the benchmarks) loops over [`all`] and asks each [`Formulation`] what it needs
//! (its name for reports, its [`Style`](xent_core::Style), its bound) instead of naming it.
//!
//! Adding a formulation is adding its crate and one line to [`ALL`] (and this crate's
//! dependency on it). [`production`] is the one the command reports by default: the fused
//! path, within a few ulps of the exact value at any size, validated in the same pass.
//!
//! ```
//! use xent_core::{ErrorBound, Problem, published};
//!
//! let problem = Problem::Binary(published::binary_example()?);
//! for f in xent_registry::all() {
//!     let e = problem.evaluate(*f);
//!     // Every formulation lies within its own a priori bound of the published cost.
//!     let bound = f.bound(&problem, &e);
//!     assert!(bound.admits_difference(e.nats(), 0.098_643_282_202_337_95));
//!     assert_eq!(format!("{:.8}", e.nats()), "0.09864328", "{}", f.name());
//! }
//! assert_eq!(xent_registry::production().name(), "fused");
//! # Ok::<(), xent_core::Error>(())
//! ```

use xent_core::Formulation;

/// The production path's validating entry points: [`checked`] evaluates a problem whose
/// entries are validated in the same pass (the errors `xent_core::Unvalidated::validate`
/// returns), [`Stream`] the same over blocks of samples read one after another.
pub use xent_fused::{Stream, checked};

/// Every formulation, in the order reports list them: the documents' three numpy styles,
/// then the production path.
pub static ALL: [&(dyn Formulation + 'static); 4] = [
    &xent_sum::Sum,
    &xent_dot::Dot,
    &xent_matmul::Matmul,
    &xent_fused::Fused,
];

/// Every formulation (see [`ALL`]).
pub fn all() -> &'static [&'static dyn Formulation] {
    &ALL
}

/// The formulation whose value the command reports: the fused path.
pub fn production() -> &'static dyn Formulation {
    &xent_fused::Fused
}

/// Whether `a` and `b` are the same formulation (by their unique names: the formulations
/// are zero-sized, so their addresses say nothing).
pub fn same(a: &dyn Formulation, b: &dyn Formulation) -> bool {
    a.name() == b.name()
}

/// The formulation a user names (`--formulation NAME`), if there is one.
pub fn by_name(name: &str) -> Option<&'static dyn Formulation> {
    ALL.iter().copied().find(|f| f.name() == name)
}

/// Every formulation's name, in order.
pub fn names() -> impl Iterator<Item = &'static str> {
    ALL.iter().map(|f| f.name())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_found() {
        let names: Vec<_> = names().collect();
        for (i, n) in names.iter().enumerate() {
            assert!(!names[..i].contains(n), "{n} twice");
            assert_eq!(by_name(n).map(|f| f.name()), Some(*n));
        }
        assert!(by_name("fast").is_none());
        assert_eq!(ALL.iter().filter(|f| same(**f, production())).count(), 1);
        assert!(!same(ALL[0], ALL[1]));
    }
}
