//! The README's `console` transcripts, run against the built `xent` by `trycmd`: every
//! command the README shows, with its output and exit status, in the folder `README.in/`
//! that holds the files it reads. A transcript that drifts from the program fails here
//! (`TRYCMD=overwrite cargo test -p xent-cli --test readme` rewrites them, for review).

#[test]
fn readme_transcripts() {
    trycmd::TestCases::new()
        .register_bin("xent", trycmd::cargo::cargo_bin!("xent"))
        .case("../../README.md");
}

/// Transcripts of what the README does not show: usage errors and their tips, in
/// `tests/cmd/*.md`, each run in its `.in/` folder where it has one.
#[test]
fn usage_transcripts() {
    trycmd::TestCases::new()
        .register_bin("xent", trycmd::cargo::cargo_bin!("xent"))
        .case("tests/cmd/*.md");
}
