//! The one list of formulations (work in progress).
