//! Logarithm bases and their units.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

/// The base of the logarithm a loss is reported in: `J_b = J / ln b`.
///
/// Every formulation computes in nats (natural log); a base only rescales the result by the
/// constant `1 / ln b`, which is why the documents can say "the log base does not matter as
/// long as it is used consistently".
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogBase {
    kind: Kind,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    E,
    Two,
    Ten,
    Other(f64),
}

impl LogBase {
    /// Natural logarithm: nats.
    pub const E: LogBase = LogBase { kind: Kind::E };
    /// Base 2: bits (shannons).
    pub const TWO: LogBase = LogBase { kind: Kind::Two };
    /// Base 10: bans (hartleys).
    pub const TEN: LogBase = LogBase { kind: Kind::Ten };

    /// Any base `b > 0, b ≠ 1` (finite). `2`, `10` and `e` itself map to the named bases.
    ///
    /// ```
    /// use xent_core::LogBase;
    /// assert_eq!(LogBase::new(2.0)?, LogBase::TWO);
    /// assert!(LogBase::new(1.0).is_err());
    /// # Ok::<(), xent_core::Error>(())
    /// ```
    pub fn new(b: f64) -> Result<Self> {
        if !(b.is_finite() && b > 0.0 && b != 1.0) {
            return Err(Error::InvalidBase(b.to_string()));
        }
        Ok(LogBase {
            kind: if b == 2.0 {
                Kind::Two
            } else if b == 10.0 {
                Kind::Ten
            } else if b == std::f64::consts::E {
                Kind::E
            } else {
                Kind::Other(b)
            },
        })
    }

    /// The base itself.
    pub fn value(self) -> f64 {
        match self.kind {
            Kind::E => std::f64::consts::E,
            Kind::Two => 2.0,
            Kind::Ten => 10.0,
            Kind::Other(b) => b,
        }
    }

    /// `ln b`, correctly rounded for the named bases.
    pub fn ln(self) -> f64 {
        match self.kind {
            Kind::E => 1.0,
            Kind::Two => std::f64::consts::LN_2,
            Kind::Ten => std::f64::consts::LN_10,
            Kind::Other(b) => b.ln(),
        }
    }

    /// The unit a loss in this base is measured in.
    pub fn unit(self) -> &'static str {
        match self.kind {
            Kind::E => "nats",
            Kind::Two => "bits",
            Kind::Ten => "bans",
            Kind::Other(_) => "base-b units",
        }
    }

    /// The unit in words, naming the base when it has no name of its own: `nats`, `bits`,
    /// `bans`, `base-3.5 units`, `base-0.5 units` (a base below 1 makes losses negative).
    pub fn unit_name(self) -> String {
        match self.kind {
            Kind::Other(b) => format!("base-{b} units"),
            _ => self.unit().to_owned(),
        }
    }

    /// Converts a loss in nats to this base: `j / ln b` (exact for base e).
    pub fn from_nats(self, nats: f64) -> f64 {
        match self.kind {
            Kind::E => nats,
            _ => nats / self.ln(),
        }
    }

    /// Converts a loss in this base back to nats: `j · ln b`.
    pub fn to_nats(self, value: f64) -> f64 {
        match self.kind {
            Kind::E => value,
            _ => value * self.ln(),
        }
    }
}

impl Default for LogBase {
    fn default() -> Self {
        LogBase::E
    }
}

impl fmt::Display for LogBase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            Kind::E => f.write_str("e"),
            Kind::Two => f.write_str("2"),
            Kind::Ten => f.write_str("10"),
            Kind::Other(b) => write!(f, "{b}"),
        }
    }
}

impl FromStr for LogBase {
    type Err = Error;

    /// Parses `e`, `2`, `10` or any number `> 0, ≠ 1`.
    fn from_str(s: &str) -> Result<Self> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("e") {
            return Ok(LogBase::E);
        }
        match t.parse::<f64>() {
            Ok(b) if b.is_finite() && b > 0.0 && b != 1.0 => LogBase::new(b),
            _ => Err(Error::InvalidBase(s.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_named_and_custom_bases() {
        for (s, unit) in [
            ("e", "nats"),
            ("E", "nats"),
            ("2", "bits"),
            ("10", "bans"),
            ("3.5", "base-b units"),
        ] {
            let b: LogBase = s.parse().expect(s);
            assert_eq!(b.unit(), unit, "{s}");
        }
        assert_eq!("2.0".parse::<LogBase>(), Ok(LogBase::TWO));
    }

    #[test]
    fn a_base_without_a_name_is_named_by_its_value() {
        for (s, unit) in [
            ("e", "nats"),
            ("2", "bits"),
            ("10", "bans"),
            ("3.5", "base-3.5 units"),
            ("0.5", "base-0.5 units"),
            ("1e-3", "base-0.001 units"),
        ] {
            let b: LogBase = s.parse().expect(s);
            assert_eq!(b.unit_name(), unit, "{s}");
        }
    }

    #[test]
    fn rejects_bases_that_are_not_bases() {
        for s in ["1", "0", "-2", "nan", "inf", "", "two", "1.0"] {
            assert_eq!(
                s.parse::<LogBase>(),
                Err(Error::InvalidBase(s.to_owned())),
                "{s}"
            );
        }
    }

    #[test]
    fn conversion_round_trips_through_nats() {
        let b = LogBase::new(7.0).expect("7 is a base");
        let j = 0.479_650_006_297_540_95;
        let back = b.to_nats(b.from_nats(j));
        // Two correctly rounded operations: at most one ulp each.
        assert!(crate::ulp::ulp_distance(back, j) <= 2);
        assert_eq!(LogBase::E.from_nats(j), j);
    }
}
