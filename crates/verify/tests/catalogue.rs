//! The engine and the catalogue through the crate's public API: every verdict code derived
//! by a row, a wrong recorded verdict failing the audit in either direction, malformed rows
//! refused with their file, row and rule, and renderings that do not depend on the thread
//! count.

use xent_verify::{AuditOptions, Catalogue, Claim, Report, Result, Verdict, audit};

/// Runs the rows of `text` (a catalogue) through every formulation.
fn run(text: &str) -> Result<Vec<Claim>> {
    let catalogue = Catalogue::parse(text, "test.toml")?;
    Ok(xent_verify::run(&catalogue, xent_registry::all()))
}

/// The built-in catalogue's sets and documents, with `rows` instead of its claims.
fn with_rows(rows: &str) -> String {
    let head = xent_verify::catalogue::CATALOGUE
        .split("\n[[claim]]")
        .next()
        .unwrap_or_default();
    format!("{head}\n{rows}")
}

const ROUNDED_LOSS: &str = r#"
[[claim]]
id = "rounded"
document = "formula"
statement = "the loss, 0.479, is J rounded to 3 decimals"
symbolic = "J = −ln 0.619 ≈ 0.479"
inputs = ["first"]
subjects = [{ on = ["first"] }]
expect = "fails"

[[claim.check]]
basis = "oracle"
against = { published = "formula.loss" }
how = "rounded"
"#;

#[test]
fn every_verdict_code_is_derived_by_a_row() -> Result<()> {
    let builtin = xent_verify::run(&Catalogue::builtin()?, xent_registry::all());
    let derived = |id: &str| {
        builtin
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.verdict.clone())
    };
    assert_eq!(derived("Q1"), Some(Verdict::Holds));
    assert_eq!(derived("Q4"), Some(Verdict::HoldsWithin(21)));
    assert_eq!(
        derived("G1"),
        Some(Verdict::HoldsOnlyWhen("n_y = 1".into()))
    );
    assert_eq!(derived("Q6"), Some(Verdict::HoldsOnlyRounded(4)));
    assert_eq!(derived("Q5"), Some(Verdict::NotCheckable));
    // No document claim of the catalogue fails outright: F2 read as rounded does.
    let rows = run(&with_rows(ROUNDED_LOSS))?;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].verdict, Verdict::Fails);
    assert!(rows[0].as_expected());
    let codes: Vec<&str> = [
        Verdict::Holds,
        Verdict::HoldsWithin(21),
        Verdict::HoldsOnlyWhen(String::new()),
        Verdict::HoldsOnlyRounded(4),
        Verdict::Fails,
        Verdict::NotCheckable,
    ]
    .iter()
    .map(Verdict::code)
    .collect();
    assert_eq!(codes, Verdict::CODES);
    Ok(())
}

#[test]
fn a_row_whose_recorded_verdict_is_wrong_fails_the_audit() -> Result<()> {
    // Recorded as holding, derived as failing; and recorded as failing, derived as holding.
    let wrong = ROUNDED_LOSS.replace("expect = \"fails\"", "expect = \"holds\"");
    let truncated = ROUNDED_LOSS
        .replace("how = \"rounded\"", "how = \"truncated\"")
        .replace("id = \"rounded\"", "id = \"truncated\"");
    for (text, derived) in [(wrong, Verdict::Fails), (truncated, Verdict::Holds)] {
        let rows = run(&with_rows(&text))?;
        assert_eq!(rows[0].verdict, derived);
        assert!(!rows[0].as_expected());
        let report = xent_verify::Report {
            claims: rows,
            ..xent_verify::audit(&xent_verify::AuditOptions {
                sweep: false,
                ..Default::default()
            })
        };
        assert!(!report.passed());
        assert!(report.render_text().contains("UNEXPECTED"));
    }
    Ok(())
}

#[test]
fn a_malformed_row_is_an_error_naming_the_file_the_row_and_the_rule() {
    for (change, needle) in [
        (
            ("expect = \"fails\"", "expect = \"hold\""),
            "test.toml: claim `rounded`: unknown variant `hold`, expected one of `holds`",
        ),
        (
            ("expect = \"fails\"", "expect = { holds_within = \"x\" }"),
            "claim `rounded`: invalid type: string \"x\", expected u64\nin `expect`",
        ),
        (
            ("document = \"formula\"", "document = \"nowhere\""),
            "claim `rounded`: document `nowhere`",
        ),
        (
            ("inputs = [\"first\"]", "inputs = [\"second\"]"),
            "claim `rounded`: input set `second`",
        ),
        (
            ("formula.loss", "formula.lost"),
            "claim `rounded`: published `formula.lost`",
        ),
        (
            ("how = \"rounded\"", "how = \"roughly\""),
            "unknown variant `roughly`",
        ),
    ] {
        let text = with_rows(&ROUNDED_LOSS.replace(change.0, change.1));
        let e = run(&text).map(|_| ()).unwrap_err().to_string();
        assert!(e.starts_with("test.toml"), "{e}");
        assert!(e.contains(needle), "{e} lacks {needle}");
    }
}

#[test]
fn an_expression_row_with_an_unknown_code_is_refused_naming_the_file_and_the_row() {
    let row = "[[claim]]\nid = \"mine\"\nexpr = \"-np.sum(Y*np.log(A))\"\nexpect = \"hold\"\n";
    let e = Catalogue::parse(row, "mine.toml")
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("mine.toml: claim `mine`: expect `hold` is not a verdict"),
        "{e}"
    );
    assert!(e.contains("`holds_only_when`"), "{e}");
    // The same row with a verdict code (and, optionally, the checker's diagnosis) reads.
    let ok = row.replace(
        "expect = \"hold\"",
        "expect = \"fails\"\ndiagnosis = \"differs\"",
    );
    let c = Catalogue::parse(&ok, "mine.toml").expect("a valid row");
    assert_eq!(c.expressions.claims[0].verdict, Some(Verdict::Fails));
}

#[test]
fn a_verdict_that_changes_in_either_direction_fails_the_audit() {
    let report = audit(&AuditOptions {
        sweep: false,
        ..AuditOptions::default()
    });
    assert!(report.passed());
    assert!(report.sweep.is_none());
    // A recorded failure that starts to hold, and a recorded truth that starts to fail.
    for (id, recorded) in [
        ("G1", Verdict::Fails),
        ("F1", Verdict::Fails),
        ("F2", Verdict::Holds),
    ] {
        let mut changed = report.clone();
        for c in changed.claims.iter_mut().filter(|c| c.id == id) {
            c.expected = recorded.clone();
        }
        assert!(!changed.passed(), "{id}");
        assert_eq!(changed.unexpected().len(), 1);
        assert!(changed.render_text().contains("UNEXPECTED"));
    }
}

/// What this checks, and only this: the whole audit (the sweep included) renders
/// byte-identical text and JSON when run in a rayon pool of 1 thread and in one of 4
/// (the fused path runs its leaves in parallel in the current pool). It says nothing
/// about other platforms or CPUs: that is the committed snapshots' job
/// (`xent-tests`' `the_report_matches_its_snapshots`, checked by insta wherever the
/// tests run).
#[test]
fn renderings_do_not_depend_on_the_number_of_threads()
-> std::result::Result<(), rayon::ThreadPoolBuildError> {
    let options = AuditOptions::default();
    let in_pool = |threads| -> std::result::Result<Report, rayon::ThreadPoolBuildError> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()?;
        Ok(pool.install(|| {
            assert_eq!(rayon::current_num_threads(), threads);
            audit(&options)
        }))
    };
    let (one, four) = (in_pool(1)?, in_pool(4)?);
    assert!(
        one.sweep.as_ref().is_some_and(|s| !s.cases.is_empty()),
        "the sweep ran"
    );
    for (what, a, b) in [
        ("text", one.render_text(), four.render_text()),
        ("json", one.render_json(), four.render_json()),
    ] {
        // The first line that differs, not two whole reports.
        let differs = a.lines().zip(b.lines()).position(|(x, y)| x != y);
        assert!(
            a == b,
            "{what} rendering differs between 1 and 4 threads, at line {}:\n  {:?}\n  {:?}",
            differs.map_or(a.lines().count().min(b.lines().count()), |n| n + 1),
            differs.and_then(|n| a.lines().nth(n)),
            differs.and_then(|n| b.lines().nth(n)),
        );
    }
    Ok(())
}

#[test]
fn the_built_in_catalogue_reads() -> Result<()> {
    let c = Catalogue::builtin()?;
    assert_eq!(xent_verify::run(&c, xent_registry::all()).len(), 37);
    assert_eq!(c.expressions.claims.len(), 19);
    Ok(())
}

/// The expression rows quote the documents verbatim. The documents sit beside the
/// repository in CI (`CI=true`), where their absence fails the test; elsewhere, without
/// them, there is nothing to compare with and the test says so on stderr.
#[test]
fn the_documents_expressions_are_quoted_verbatim() -> Result<()> {
    let sources = std::fs::read_dir(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/sources"
    ));
    let Ok(sources) = sources else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI has the source documents beside the repository; they are missing"
        );
        eprintln!("the source documents are not beside the repository: nothing compared");
        return Ok(());
    };
    let mut text = String::new();
    for e in sources.flatten() {
        text.push_str(&std::fs::read_to_string(e.path()).unwrap_or_default());
    }
    let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for claim in Catalogue::builtin()?.expressions.claims {
        for line in claim.expr.lines() {
            let code = line.split('#').next().unwrap_or("").trim();
            let code: String = code.split_whitespace().collect::<Vec<_>>().join(" ");
            if code.is_empty() || code.starts_with("import") {
                continue;
            }
            assert!(
                text.contains(&code),
                "claim {}: `{code}` is not in the documents",
                claim.id
            );
        }
    }
    Ok(())
}
