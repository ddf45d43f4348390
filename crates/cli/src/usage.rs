//! Usage errors as a user meets them: clap's "a similar argument exists" only where the
//! flag named is similar to the one typed, and the flag meant where the slip is a known one
//! (`--labels` for categorical, which takes `--target` or `--classes`; `--logits` for
//! `--from-logits`).
//!
//! clap suggests the flag of highest Jaro similarity above 0.7, which for short or unlike
//! names is no similarity at all (`--y` gets `--layout`, `--a` gets `--base`, categorical's
//! `--labels` gets `--label-smoothing`). Here a suggestion stands when one name starts with
//! the other, or when the typed name is one edit (a letter added, dropped, changed or two
//! swapped) from the start of the suggested one.

use std::ffi::OsString;

use clap::CommandFactory;
use clap::builder::StyledStr;
use clap::error::{ContextKind, ContextValue, ErrorKind};

use crate::Cli;

/// Whether a user who typed `--typed` plausibly meant `--flag` (both without dashes).
pub fn similar(typed: &str, flag: &str) -> bool {
    if typed.chars().count() < 2 {
        return false;
    }
    if flag.starts_with(typed) || (typed.starts_with(flag) && flag.len() >= 3) {
        return true;
    }
    let typed: Vec<char> = typed.chars().collect();
    let flag: Vec<char> = flag.chars().collect();
    if typed.len() < 3 {
        return false;
    }
    // One edit from a start of the flag at least 3 letters long, of about the typed length.
    (typed.len().saturating_sub(1).max(3)..=typed.len() + 1)
        .filter(|&n| n <= flag.len())
        .any(|n| edits(&typed, &flag[..n]) <= 1)
}

/// The optimal-string-alignment distance: insertions, deletions, substitutions and swaps
/// of adjacent letters.
fn edits(a: &[char], b: &[char]) -> usize {
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// The flag meant, or a tip, for slips that are not misspellings: another library's name
/// for an input, or another subcommand's flag.
fn known_slip(subcommand: &str, typed: &str) -> Option<Slip> {
    let typed = typed.replace('_', "-").to_ascii_lowercase();
    let prediction = [
        "prediction",
        "predictions",
        "preds",
        "y-pred",
        "probs",
        "probabilities",
        "input",
        "output",
    ];
    let truth = ["label", "labels", "y", "y-true", "truth", "true", "targets"];
    match (subcommand, typed.as_str()) {
        (_, "logits" | "logit" | "from-logit") => Some(Slip::Flag("--from-logits")),
        ("binary" | "categorical" | "check", t) if prediction.contains(&t) => {
            Some(Slip::Flag("--pred"))
        }
        ("binary", t) if truth.contains(&t) || t == "target" => Some(Slip::Flag("--labels")),
        ("categorical", t) if truth.contains(&t) || similar(t, "labels") => Some(Slip::Tip(
            "categorical takes --target FILE (a distribution per sample) or --classes FILE \
             (a class index per sample)",
        )),
        _ => None,
    }
}

enum Slip {
    /// The flag meant.
    Flag(&'static str),
    /// What to say instead of a flag.
    Tip(&'static str),
}

/// `error` with clap's suggestion kept only where it is similar, or replaced by the flag a
/// known slip means; `args` is the command line (for the subcommand's name). Errors of
/// other kinds pass unchanged.
pub fn refine(mut error: clap::Error, args: impl IntoIterator<Item = OsString>) -> clap::Error {
    if error.kind() != ErrorKind::UnknownArgument {
        return error;
    }
    let Some(ContextValue::String(invalid)) = error.get(ContextKind::InvalidArg).cloned() else {
        return error;
    };
    let Some(typed) = invalid.strip_prefix("--") else {
        return error;
    };
    let typed = typed.split('=').next().unwrap_or(typed);
    let mut cmd = Cli::command();
    cmd.build();
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_owned())
        .collect();
    let subcommand = args
        .into_iter()
        .skip(1)
        .find_map(|a| names.iter().find(|n| a == n.as_str()).cloned())
        .unwrap_or_default();
    let subcommand = subcommand.as_str();
    let flags: Vec<String> = cmd
        .find_subcommand(subcommand)
        .into_iter()
        .flat_map(|s| s.get_arguments())
        .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
        .collect();
    match known_slip(subcommand, typed) {
        Some(Slip::Flag(flag)) if flags.iter().any(|f| f == flag) => {
            // clap's usage line names the arguments it had taken with their defaults
            // (`--reduction <mean|sum|none>`): the subcommand's own usage instead.
            unsuggest(&mut error, &mut cmd, subcommand);
            error.insert(
                ContextKind::SuggestedArg,
                ContextValue::String(flag.to_owned()),
            );
            return error;
        }
        Some(Slip::Tip(tip)) => {
            unsuggest(&mut error, &mut cmd, subcommand);
            error.insert(
                ContextKind::Suggested,
                ContextValue::StyledStrs(vec![StyledStr::from(tip)]),
            );
            return error;
        }
        _ => {}
    }
    if let Some(ContextValue::String(suggested)) = error.get(ContextKind::SuggestedArg) {
        let flag = suggested.trim_start_matches('-');
        if !similar(typed, flag) {
            unsuggest(&mut error, &mut cmd, subcommand);
        }
    }
    error
}

/// Removes clap's suggestion, and the usage line it wrote with the suggested flag in it.
fn unsuggest(error: &mut clap::Error, cmd: &mut clap::Command, subcommand: &str) {
    error.remove(ContextKind::SuggestedArg);
    if let Some(sub) = cmd.find_subcommand_mut(subcommand) {
        error.insert(
            ContextKind::Usage,
            ContextValue::StyledStr(sub.render_usage()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn similar_names_and_unlike_ones() {
        for (typed, flag, expected) in [
            // One is the start of the other.
            ("prediction", "pred", true),
            ("preds", "pred", true),
            ("label", "labels", true),
            ("labels-file", "labels", true),
            ("from-logit", "from-logits", true),
            ("lab", "labels", true),
            // One edit from a start of the flag.
            ("lable", "labels", true),
            ("lables", "labels", true),
            ("tagret", "target", true),
            ("layot", "layout", true),
            ("comapre", "compare", true),
            ("convension", "convention", true),
            ("prd", "pred", true),
            // What clap suggests for them, and is nothing like them.
            ("y", "layout", false),
            ("a", "base", false),
            ("a", "claims", false),
            ("from-logit", "format", false),
            ("class", "claims", false),
            ("labels", "label-smoothing", true),
            ("ab", "labels", false),
        ] {
            assert_eq!(similar(typed, flag), expected, "--{typed} for --{flag}");
        }
    }

    #[test]
    fn edit_distances() {
        let e = |a: &str, b: &str| {
            edits(
                &a.chars().collect::<Vec<_>>(),
                &b.chars().collect::<Vec<_>>(),
            )
        };
        assert_eq!(e("", ""), 0);
        assert_eq!(e("abc", ""), 3);
        assert_eq!(e("label", "lable"), 1);
        assert_eq!(e("class", "claims"), 2);
        assert_eq!(e("kitten", "sitting"), 3);
    }
}
