#![doc = include_str!("../../README.md")]
//!
//! ---
//!
//! `xent-tests` holds the cross-crate tests of `xent` in `integration/` (one test binary
//! whose `main.rs` indexes its modules); this library only runs the README's examples.
