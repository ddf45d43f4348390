//! Claims files: a user's file round-trips (the documents' claims are rows of the
//! verifier's catalogue, checked there).

use std::path::PathBuf;

use xent_expr::claims;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xent-expr-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    dir
}

#[test]
fn a_users_claims_file_round_trips() {
    let dir = scratch("round-trip");
    std::fs::write(
        dir.join("a.csv"),
        "# predictions, one output\n0.9,0.2,0.7\n",
    )
    .expect("write");
    std::fs::write(dir.join("y.csv"), "1 0 1\n").expect("write");
    let file = dir.join("mine.toml");
    std::fs::write(
        &file,
        r#"
[[claim]]
id = "mine"
expr = "-np.sum(Y*np.log(A) + (1-Y)*np.log(1-A)) / m"
published = "0.2284"
shape = []
type = "numpy.float64"
expect = "equal"
[claim.inputs]
A = { file = "a.csv" }
Y = { file = "y.csv" }

[[claim]]
id = "mine-wrongly-expected"
expr = "-np.mean(Y*np.log(A))"
expect = "equal"

[[claim]]
id = "rejected"
expr = "np.dot(Y, np.log(A))"
expect = "rejected"
"#,
    )
    .expect("write");
    let report = claims::run_file(&file).expect("a claims file");
    let passed: Vec<(&str, bool)> = report
        .outcomes
        .iter()
        .map(|o| (o.id.as_str(), o.passed))
        .collect();
    assert_eq!(
        passed,
        [
            ("mine", true),
            ("mine-wrongly-expected", false),
            ("rejected", true),
        ],
        "{}",
        report.render_text()
    );
    assert!(!report.passed());
    assert_eq!(report.failures(), 1);
    let json = report.to_json();
    assert_eq!(json["passed"], false);
    assert_eq!(json["claims"][0]["published_reproduced"], true);
    assert_eq!(json["claims"][1]["verdict"], "differs");
    // An input file that does not exist is an error of the claims file, not a failed claim.
    let missing = dir.join("missing.toml");
    std::fs::write(
        &missing,
        "[[claim]]\nid = \"missing-file\"\nexpr = \"np.sum(A)\"\nexpect = \"equal\"\n\
         [claim.inputs]\nA = { file = \"nope.csv\" }\nY = [[1]]\n",
    )
    .expect("write");
    let e = claims::run_file(&missing)
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(e.contains("claim `missing-file`: input `A`: "), "{e}");
    assert!(e.contains("nope.csv"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}
