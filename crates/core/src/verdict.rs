//! The one verdict type of `xent`: what a check of a claim concludes, as a code with
//! parameters. The verifier's catalogue records the expected verdict of every claim as one of
//! these codes (TOML: `expect = "holds"`, `expect = { holds_within = 21 }`,
//! `expect = { holds_only_when = "n_y = 1" }`, `expect = { holds_only_rounded = 4 }`); the
//! expression checker's diagnoses reduce to one; prose is rendered from it ([`Display`]).
//!
//! [`Display`]: std::fmt::Display

use std::fmt;

use serde::{Deserialize, Serialize};

/// The verdict on a claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Verdict {
    /// True as stated: published digits are the correctly rounded value, identities hold
    /// exactly, every computation is within its bound.
    Holds,
    /// True up to floating-point rounding: a published `f64` is this many ulps from the
    /// correctly rounded value, or two computations agree within this a priori bound.
    HoldsWithin(u64),
    /// True only in the case named (`n_y = 1`), false in others the claim shows.
    HoldsOnlyWhen(String),
    /// A printed value that agrees with the true one when both are rounded to this many
    /// decimals or fewer, and not beyond.
    HoldsOnlyRounded(u32),
    /// False.
    Fails,
    /// Values published without their inputs: only their consistency can be checked.
    NotCheckable,
}

impl Verdict {
    /// The code alone, without its parameter: `holds`, `holds_within`, `holds_only_when`,
    /// `holds_only_rounded`, `fails`, `not_checkable`.
    pub fn code(&self) -> &'static str {
        match self {
            Verdict::Holds => "holds",
            Verdict::HoldsWithin(_) => "holds_within",
            Verdict::HoldsOnlyWhen(_) => "holds_only_when",
            Verdict::HoldsOnlyRounded(_) => "holds_only_rounded",
            Verdict::Fails => "fails",
            Verdict::NotCheckable => "not_checkable",
        }
    }

    /// Every code, in the order of the variants.
    pub const CODES: [&'static str; 6] = [
        "holds",
        "holds_within",
        "holds_only_when",
        "holds_only_rounded",
        "fails",
        "not_checkable",
    ];

    /// Whether the claim holds unconditionally (exactly or within ulps).
    pub fn holds(&self) -> bool {
        matches!(self, Verdict::Holds | Verdict::HoldsWithin(_))
    }

    /// The verdict a claim's checks support, from each check's case (if it is about one) and
    /// outcome, whether every formulation kept its bound, and whether the claim has inputs:
    /// a failed check outside a case, or a formulation outside its bound, fails the claim;
    /// values without inputs are not checkable; a claim whose checks hold in some cases
    /// holds only when those; a value that agrees only to `n` decimals holds only rounded;
    /// otherwise it holds, exactly or within the largest number of ulps a check needed.
    pub fn derive<'a>(
        checks: impl Iterator<Item = (Option<&'a str>, &'a Verdict)> + Clone,
        within_bounds: bool,
        no_inputs: bool,
    ) -> Verdict {
        let ok = |v: &Verdict| *v != Verdict::Fails;
        let mut general = checks.clone().filter(|c| c.0.is_none());
        if !general.all(|c| ok(c.1)) || !within_bounds {
            return Verdict::Fails;
        }
        if no_inputs {
            return Verdict::NotCheckable;
        }
        // The cases in the order first checked, each holding if all its checks hold.
        let mut cases: Vec<(&str, bool)> = Vec::new();
        for (case, outcome) in checks.clone() {
            if let Some(case) = case {
                match cases.iter_mut().find(|(name, _)| *name == case) {
                    Some((_, holds)) => *holds &= ok(outcome),
                    None => cases.push((case, ok(outcome))),
                }
            }
        }
        let holding: Vec<&str> = cases.iter().filter(|c| c.1).map(|c| c.0).collect();
        if holding.is_empty() && !cases.is_empty() {
            return Verdict::Fails;
        }
        if holding.len() < cases.len() {
            return Verdict::HoldsOnlyWhen(holding.join(" and "));
        }
        checks
            .map(|c| c.1.clone())
            .fold(Verdict::Holds, Verdict::weaker)
    }

    /// The weaker of two outcomes of checks (`holds`, `holds_within`, `holds_only_rounded`,
    /// `fails`), what a claim checked both ways has: a failure, else the fewest decimals,
    /// else the most ulps.
    pub fn weaker(self, other: Verdict) -> Verdict {
        use Verdict::{Fails, HoldsOnlyRounded as Rounded, HoldsWithin as Within};
        match (self, other) {
            (Fails, _) | (_, Fails) => Fails,
            (Rounded(a), Rounded(b)) => Rounded(a.min(b)),
            (Rounded(a), _) | (_, Rounded(a)) => Rounded(a),
            (Within(a), Within(b)) => Within(a.max(b)),
            (Within(a), _) | (_, Within(a)) => Within(a),
            (a, _) => a,
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Holds => f.write_str("holds"),
            Verdict::HoldsWithin(1) => f.write_str("holds within 1 ulp"),
            Verdict::HoldsWithin(n) => write!(f, "holds within {n} ulps"),
            Verdict::HoldsOnlyWhen(c) => write!(f, "holds only when {c}"),
            Verdict::HoldsOnlyRounded(1) => f.write_str("holds only rounded to 1 decimal"),
            Verdict::HoldsOnlyRounded(n) => write!(f, "holds only rounded to {n} decimals"),
            Verdict::Fails => f.write_str("fails"),
            Verdict::NotCheckable => f.write_str("not checkable"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_prose() {
        let all = [
            (Verdict::Holds, "holds"),
            (Verdict::HoldsWithin(21), "holds within 21 ulps"),
            (
                Verdict::HoldsOnlyWhen("n_y = 1".into()),
                "holds only when n_y = 1",
            ),
            (
                Verdict::HoldsOnlyRounded(4),
                "holds only rounded to 4 decimals",
            ),
            (Verdict::Fails, "fails"),
            (Verdict::NotCheckable, "not checkable"),
        ];
        for ((v, prose), code) in all.iter().zip(Verdict::CODES) {
            assert_eq!(v.code(), code);
            assert_eq!(v.to_string(), *prose);
        }
    }

    #[test]
    fn the_weaker_outcome_wins() {
        use Verdict::{Fails, Holds, HoldsOnlyRounded as Rounded, HoldsWithin as Within};
        assert_eq!(Holds.weaker(Within(3)), Within(3));
        assert_eq!(Within(2).weaker(Within(5)), Within(5));
        assert_eq!(Within(2).weaker(Rounded(4)), Rounded(4));
        assert_eq!(Rounded(4).weaker(Rounded(2)), Rounded(2));
        assert_eq!(Rounded(4).weaker(Fails), Fails);
    }
}
