//! Repository rules, enforced by `cargo test` rather than by review.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace root")
        .to_path_buf()
}

fn members() -> Vec<String> {
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).expect("root Cargo.toml");
    let list = manifest
        .split_once("members = [")
        .and_then(|(_, rest)| rest.split_once(']'))
        .map(|(list, _)| list)
        .expect("a members list");
    list.split(',')
        .map(|m| m.trim().trim_matches('"').to_owned())
        .filter(|m| !m.is_empty())
        .collect()
}

#[test]
fn every_member_inherits_the_workspace_lints_and_package_fields() {
    let members = members();
    assert!(members.len() >= 5, "{members:?}");
    for m in members {
        let manifest = std::fs::read_to_string(root().join(&m).join("Cargo.toml"))
            .unwrap_or_else(|e| panic!("{m}/Cargo.toml: {e}"));
        assert!(
            manifest.contains("[lints]\nworkspace = true"),
            "{m} must inherit [workspace.lints]"
        );
        assert!(
            manifest.contains("edition.workspace = true"),
            "{m} must inherit the edition"
        );
    }
}

#[test]
fn no_toolchain_file_pins_a_toolchain_that_cannot_be_downloaded() {
    for f in ["rust-toolchain", "rust-toolchain.toml"] {
        assert!(!root().join(f).exists(), "{f} must not exist");
    }
}

#[test]
fn no_pending_snapshots() {
    fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            let name = e.file_name();
            if name == "target" || name == ".git" {
                continue;
            }
            if p.is_dir() {
                walk(&p, found);
            } else if p
                .extension()
                .is_some_and(|x| x == "new" || x == "pending-snap")
            {
                found.push(p);
            }
        }
    }
    let mut found = Vec::new();
    walk(&root(), &mut found);
    assert!(found.is_empty(), "unreviewed snapshots: {found:?}");
}
