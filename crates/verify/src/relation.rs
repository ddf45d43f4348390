//! The relations a check compares its two sides by ([`How`]), each giving the outcome and
//! the prose, with a side's digits only where they are the same on every platform.

use xent_core::tolerance::{matches_library, matches_printed};
use xent_core::ulp::{ulp_distance, ulps};
use xent_core::{ErrorBound, LogBase};

use crate::catalogue::{CheckRow, How, Quantity, Side};
use crate::engine::Computed;
use crate::report::Outcome;

/// A pair relation on one (set, base); `bound` is the a priori bound every formulation's
/// value of the quantity obeys there.
pub(crate) fn relate(
    how: How,
    a: &Computed,
    b: &Computed,
    c: &CheckRow,
    bound: f64,
) -> (Outcome, String) {
    match how {
        How::FullPrecision => full_precision(a, b, bound),
        How::Rounded | How::Truncated => digits(how, a, b),
        How::Equal => {
            let sign = if a.value == b.value { "=" } else { "≠" };
            let text = format!("{} {} {sign} {} {}", a.label, a.shown(), b.label, b.shown());
            (Outcome::from_bool(a.value == b.value), text)
        }
        How::WithinBounds => within_bounds(a, b),
        How::Shape => shape(a, b, c),
        How::Library => library(a, b),
        How::ImpliedDivisor => implied_divisor(a, b, c),
        How::Decimals => agreement(a, b),
        _ => (
            Outcome::Fails,
            format!("{how:?} relates several inputs or bases"),
        ),
    }
}

/// A full-precision print (numpy's `repr`) in ulps of the correctly rounded value: numpy's
/// own evaluation obeys the same a priori bound.
fn full_precision(a: &Computed, b: &Computed, bound: f64) -> (Outcome, String) {
    let (d, n) = (ulp_distance(a.value, b.value), ulps(bound, b.value));
    let (what, printed) = (&a.label, a.shown());
    if d == 0 {
        let text = format!("{what}: printed {printed} is the correctly rounded value, bit for bit");
        return (Outcome::Holds, text);
    }
    let outcome = if d <= n {
        Outcome::Within(d)
    } else {
        Outcome::Fails
    };
    let truth = b.shown();
    let text = format!(
        "{what}: printed {printed} is {d} ulp{} from the correctly rounded {truth} (a priori bound {n})",
        plural(d)
    );
    (outcome, text)
}

/// Rounded or truncated to the printed decimals.
fn digits(how: How, a: &Computed, b: &Computed) -> (Outcome, String) {
    let p = b.printed.clone().unwrap_or_default();
    let (ok, shown, verb) = if how == How::Rounded {
        let shown = format!("{:.*}", decimals(&p), a.value);
        (matches_printed(a.value, &p) == Some(true), shown, "rounds")
    } else {
        let t = truncated(a.value, decimals(&p));
        (t == p, t, "truncates")
    };
    let shown = if a.shown {
        shown
    } else {
        "(platform-dependent digits)".into()
    };
    let relation = if ok { "as printed" } else { "not the printed" };
    let (what, value, of) = (&a.label, a.shown(), &b.label);
    let text = format!("{what} {value} {verb} to {shown}, {relation} {p} ({of})");
    (Outcome::from_bool(ok), text)
}

/// Two computations of the same exact value, within the sum of their a priori bounds.
fn within_bounds(a: &Computed, b: &Computed) -> (Outcome, String) {
    let sum = ErrorBound {
        absolute: a.bound + b.bound,
        log_likelihood: 0.0,
    };
    let (n, ok) = (
        sum.ulps_at(b.value),
        sum.admits_difference(a.value, b.value),
    );
    let shapes = match (a.shape, b.shape) {
        (Some(s), Some(t)) => format!(" (reducing {s} and {t})"),
        _ => String::new(),
    };
    let relation = if ok {
        "agree within"
    } else {
        "differ by more than"
    };
    let text = format!(
        "{} and {} {relation} the sum of their a priori bounds, {n} ulps{shapes}",
        a.label, b.label
    );
    (
        if ok {
            Outcome::Within(n)
        } else {
            Outcome::Fails
        },
        text,
    )
}

/// The shape a formulation reduced, against numpy's.
fn shape(a: &Computed, b: &Computed, c: &CheckRow) -> (Outcome, String) {
    let dims = match &c.against {
        Side::Shape(d) => d.clone(),
        _ => Vec::new(),
    };
    let ok = a.shape.map(|s| s.numpy_dims()) == Some(dims);
    let reduced = a.shape.map_or("nothing".to_owned(), |s| s.to_string());
    let who = a.label.split("'s").next().unwrap_or("");
    let relation = if ok { "as" } else { "not" };
    (
        Outcome::from_bool(ok),
        format!("{who} reduces {reduced}, {relation} {}", b.label),
    )
}

/// A library's published digits (or, computed in float32, its test tolerance), by the
/// computed value and by every formulation under the convention.
fn library(a: &Computed, b: &Computed) -> (Outcome, String) {
    let p = b.printed.clone().unwrap_or_default();
    let reproduces = |x: f64| matches_library(x, &p, a.precision) == Some(true);
    let each: Vec<String> = a
        .each
        .iter()
        .map(|(f, x)| {
            format!(
                "{f} {}",
                if reproduces(*x) {
                    "reproduces"
                } else {
                    "DIFFERS"
                }
            )
        })
        .collect();
    let all = reproduces(a.value) && a.each.iter().all(|(_, x)| reproduces(*x));
    let how = if !all {
        "NOT"
    } else if matches_printed(a.value, &p) == Some(true) {
        "the printed digits"
    } else {
        "within the float32 libraries' test tolerance (rtol = atol = 1e-6), not the printed \
         digits: the library's own float32 rounding (and, in tf.keras 2, ln(p + 1e-7)) moves \
         its last digits"
    };
    let changes = if a.changes.is_empty() {
        "same as exact".to_owned()
    } else {
        a.changes.join("; ")
    };
    let digits = decimals(&p) + 2;
    let computed = if a.shown {
        format!("{:.digits$}", a.value)
    } else {
        a.shown()
    };
    let text = format!(
        "{}: computed {computed} reproduces {p} {how}; differences: {changes}; {}",
        a.label,
        each.join(", ")
    );
    (Outcome::from_bool(all), text)
}

/// Which divisors `m ≤ up_to` make `−S/m` (or, from a cost, `−m·J`) round to the printed
/// value: exactly the one the row names, or the check fails.
fn implied_divisor(a: &Computed, b: &Computed, c: &CheckRow) -> (Outcome, String) {
    let p = b.printed.clone().unwrap_or_default();
    let from_s = c.quantity == Quantity::LogLikelihood;
    let candidate = |m: usize| {
        if from_s {
            -a.value / m as f64
        } else {
            -(m as f64) * a.value
        }
    };
    let up_to = c.up_to.unwrap_or(0);
    let found: Vec<usize> = (1..=up_to)
        .filter(|&m| matches_printed(candidate(m), &p) == Some(true))
        .collect();
    let form = if from_s { "−S/m" } else { "−m × J" };
    let text = format!(
        "of m = 1, …, {up_to}, only m = {found:?} makes {form} round to {} {p} (from {})",
        b.label, a.label
    );
    (Outcome::from_bool(c.m.is_some_and(|m| found == [m])), text)
}

/// To how many decimals `a` and `b` agree: equal (holds), or to `n ≥ 1` decimals and not
/// `n + 1` (holds only rounded to `n`), or not even to one (fails).
fn agreement(a: &Computed, b: &Computed) -> (Outcome, String) {
    let (x, y) = (a.value, b.value);
    if x == y {
        return (
            Outcome::Holds,
            format!("{} and {} are equal, {}", a.label, b.label, b.shown()),
        );
    }
    let agree = |n: usize| format!("{x:.n$}") == format!("{y:.n$}");
    let most = (0..=17).take_while(|&n| agree(n)).last().unwrap_or(0);
    let next = most + 1;
    let text = if !(a.shown && b.shown) {
        let (p, q) = (&a.label, &b.label);
        format!("{p} and {q} agree to {most} decimals, not to {next}")
    } else {
        format!(
            "to {most} decimals {} and {} are both {x:.most$}; to {next} they differ, {x:.next$} \
         against {y:.next$}: {:.1e} apart",
            a.label,
            b.label,
            (y - x).abs()
        )
    };
    match u32::try_from(most) {
        Ok(n) if n > 0 => (Outcome::Rounded(n), text),
        _ => (Outcome::Fails, text),
    }
}

/// Several (set, base) combinations of one pair relation: all must hold.
pub(crate) fn combine(
    results: Vec<(Outcome, String)>,
    names: &[&str],
    bases: &[LogBase],
) -> (Outcome, String) {
    if results.len() == 1 {
        return results
            .into_iter()
            .next()
            .unwrap_or((Outcome::Fails, String::new()));
    }
    let holding = results.iter().filter(|(o, _)| o.holds()).count();
    let worst = results
        .iter()
        .map(|(o, _)| *o)
        .fold(Outcome::Holds, Outcome::and);
    let first = results.iter().find(|(o, _)| !o.holds()).or(results.first());
    let units: Vec<&str> = bases.iter().map(|b| b.unit()).collect();
    let example = first.map_or("", |(_, t)| t.as_str());
    let text = format!(
        "on {} in {}: {holding} of {} hold (e.g. {example})",
        names.join(", "),
        units.join(", "),
        results.len()
    );
    (worst, text)
}

/// The order of the sets by the basis in every base: the same order, or the same minimiser.
pub(crate) fn order(
    how: How,
    series: &[Vec<f64>],
    names: &[&str],
    bases: &[LogBase],
) -> (Outcome, String) {
    let orders: Vec<Vec<usize>> = series
        .iter()
        .map(|v| {
            let mut idx: Vec<usize> = (0..v.len()).collect();
            idx.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
            idx
        })
        .collect();
    let first = orders.first().cloned().unwrap_or_default();
    let named: Vec<&str> = first.iter().map(|&i| names[i]).collect();
    let units = bases
        .iter()
        .map(|b| b.unit())
        .collect::<Vec<_>>()
        .join(", ");
    if how == How::SameOrder {
        let ok = orders.iter().all(|o| *o == first);
        let text = format!(
            "the losses are in the same order in {units}: {}",
            named.join(" < ")
        );
        (Outcome::from_bool(ok), text)
    } else {
        let ok = orders.iter().all(|o| o.first() == first.first());
        let best = named.first().unwrap_or(&"—");
        (
            Outcome::from_bool(ok),
            format!("the minimiser is the same in {units}: {best}"),
        )
    }
}

/// The basis along the sets: strictly decreasing, or positive throughout.
pub(crate) fn along(how: How, series: &[Vec<f64>], names: &[&str]) -> (Outcome, String) {
    let ok = series.iter().all(|v| match how {
        How::Decreasing => v.windows(2).all(|w| w[1] < w[0]),
        _ => v.iter().all(|&x| x > 0.0),
    });
    let what = if how == How::Decreasing {
        "strictly decreases"
    } else {
        "is positive"
    };
    (
        Outcome::from_bool(ok),
        format!("the oracle's loss {what} along {}", names.join(", ")),
    )
}

pub(crate) fn dims_text(dims: &[usize]) -> String {
    let d: Vec<String> = dims.iter().map(usize::to_string).collect();
    match dims {
        [_] => format!("({},)", d[0]),
        _ => format!("({})", d.join(", ")),
    }
}

/// `x` truncated (not rounded) to `n` decimals, from its exact decimal expansion.
fn truncated(x: f64, n: usize) -> String {
    let s = format!("{x:.30}");
    match s.split_once('.') {
        Some((i, d)) => format!("{i}.{}", &d[..n.min(d.len())]),
        None => s,
    }
}

fn decimals(printed: &str) -> usize {
    printed
        .split_once('.')
        .map_or(0, |(_, d)| d.trim_end().len())
}

pub(crate) fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printed_digits() {
        assert_eq!(decimals("0.479"), 3);
        assert_eq!(decimals("6"), 0);
        assert_eq!(truncated(0.479_650_006_297_540_95, 3), "0.479");
        assert_eq!(dims_text(&[]), "()");
        assert_eq!(dims_text(&[3]), "(3,)");
        assert_eq!(dims_text(&[1, 1]), "(1, 1)");
    }
}
