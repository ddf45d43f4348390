//! The relations a check compares its two sides by ([`How`]), each giving the outcome and
//! the prose: what was compared with what, on which inputs, and how it came out, with a
//! side's digits only where they are the same on every platform.

use xent_core::array::numpy_shape;
use xent_core::tolerance::{matches_library, matches_printed};
use xent_core::ulp::{ulp_distance, ulps};
use xent_core::{ErrorBound, LogBase, Verdict};

use crate::catalogue::{CheckRow, How, Quantity};
use crate::engine::{At, Computed};

/// A pair relation on one (set, base); `bound` is the a priori bound every formulation's
/// value of the quantity obeys there.
pub(crate) fn relate(
    c: &CheckRow,
    at: At<'_>,
    a: &Computed,
    b: &Computed,
    bound: f64,
) -> (Verdict, String) {
    let (x, y) = (a.value, b.value);
    match c.how {
        How::FullPrecision => full_precision(a, b, bound),
        How::Rounded | How::Truncated => digits(c.how, a, b),
        How::Equal => {
            let sign = if x == y { "=" } else { "≠" };
            let mut text = format!(
                "{}, {}, {sign} {}, {}",
                a.label(),
                a.shown(),
                b.label(),
                b.shown()
            );
            if c.quantity == Quantity::DotSum {
                text.push_str(match x == y {
                    true => ": D has no off-diagonal terms, its sum is its trace, −m·J",
                    false => ": np.sum adds D's off-diagonal cross terms to its trace, −m·J",
                });
            }
            (holds(x == y), text)
        }
        How::WithinBounds => within_bounds(a, b),
        How::Shape => {
            let reduced = a.shape.map(|s| s.numpy_dims());
            let ok = reduced.map(|d| numpy_shape(&d)) == b.digits;
            let shape = a.shape.map_or("nothing".to_owned(), |s| s.to_string());
            let relation = if ok { "as" } else { "not" };
            let text = format!(
                "{} reduces {shape}, {relation} numpy's {}",
                a.label(),
                b.shown()
            );
            (holds(ok), text)
        }
        How::Library => library(a, b),
        // Two definitions that differ on the inputs: farther apart than the bound explains.
        How::Differs => {
            let (outcome, text) = full_precision(a, b, bound);
            (holds(outcome == Verdict::Fails), text)
        }
        How::ImpliedDivisor { up_to, m } => implied_divisor(c.quantity, up_to, m, a, b),
        How::Decimals => agreement(a, b),
        How::BaseChange => {
            let (d, b_name) = (ulp_distance(x, at.base.from_nats(y)), at.base);
            let text = format!(
                "{} is {} / ln {b_name} within one rounding ({d} ulp{})",
                a.label(),
                b.label(),
                plural(d)
            );
            (holds(d <= 1), text)
        }
        _ => (Verdict::Fails, format!("{:?} relates a series", c.how)),
    }
}

/// A full-precision print (numpy's `repr`) in ulps of the correctly rounded value: numpy's
/// own evaluation obeys the same a priori bound.
fn full_precision(a: &Computed, b: &Computed, bound: f64) -> (Verdict, String) {
    let (d, n) = (ulp_distance(a.value, b.value), ulps(bound, b.value));
    let (what, printed, truth) = (a.label(), a.shown(), b.label());
    if d == 0 {
        let text = format!("{what}, printed {printed}, is {truth} correctly rounded, bit for bit");
        return (Verdict::Holds, text);
    }
    let outcome = either(d <= n, Verdict::HoldsWithin(d), Verdict::Fails);
    let text = format!(
        "{what}, printed {printed}, is {d} ulp{} from {truth}, {} (a priori bound {n})",
        plural(d),
        b.shown()
    );
    (outcome, text)
}

/// Rounded or truncated to the printed decimals.
fn digits(how: How, a: &Computed, b: &Computed) -> (Verdict, String) {
    let p = b.shown();
    let (ok, shown, verb) = if how == How::Rounded {
        let shown = format!("{:.*}", decimals(&p), a.value);
        (matches_printed(a.value, &p) == Some(true), shown, "rounds")
    } else {
        let t = truncated(a.value, decimals(&p));
        (t == p, t, "truncates")
    };
    let shown = either(
        a.digits.is_some(),
        shown,
        "(platform-dependent digits)".into(),
    );
    let relation = if ok { "as printed" } else { "not the printed" };
    let (what, value, of) = (a.label(), a.shown(), &b.what);
    let text = format!("{what}, {value}, {verb} to {shown}, {relation} {p} ({of})");
    (holds(ok), text)
}

/// Two computations of the same exact value, within the sum of their a priori bounds.
fn within_bounds(a: &Computed, b: &Computed) -> (Verdict, String) {
    let sum = ErrorBound {
        absolute: a.bound + b.bound,
        log_likelihood: 0.0,
    };
    let n = sum.ulps_at(b.value);
    let ok = sum.admits_difference(a.value, b.value);
    let shapes = match (a.shape, b.shape) {
        (Some(s), Some(t)) => format!(" (reducing {s} and {t})"),
        _ => String::new(),
    };
    let relation = either(ok, "agree within", "differ by more than");
    let (p, q) = (a.label(), b.label());
    let text = format!("{p} and {q} {relation} the sum of their a priori bounds, {n} ulps{shapes}");
    (either(ok, Verdict::HoldsWithin(n), Verdict::Fails), text)
}

/// A library's published digits (or, computed in float32, its test tolerance), by the
/// computed value and by every formulation under the convention.
fn library(a: &Computed, b: &Computed) -> (Verdict, String) {
    let p = b.shown();
    let reproduces = |x: f64| matches_library(x, &p, a.precision) == Some(true);
    let (ok, differ): (Vec<_>, Vec<_>) = a.each.iter().partition(|e| reproduces(e.1));
    let names = |v: Vec<&(String, f64)>| v.iter().map(|e| e.0.clone()).collect::<Vec<_>>();
    let how = if !reproduces(a.value) {
        format!("does NOT reproduce the printed {p}")
    } else if matches_printed(a.value, &p) == Some(true) {
        format!("rounds to the printed {p}")
    } else {
        format!(
            "is within the float32 libraries' test tolerance (rtol = atol = 1e-6) of the \
             printed {p}, not its digits (the library's own float32 rounding, and in tf.keras 2 \
             ln(p + 1e-7), move its last digits)"
        )
    };
    let changes = match a.changes.as_slice() {
        [] => "it computes as the exact convention does".to_owned(),
        c => format!("unlike the exact convention: {}", c.join("; ")),
    };
    let all = reproduces(a.value) && differ.is_empty();
    let each = match differ.is_empty() {
        true => format!("{} each reproduce it", names(ok).join(", ")),
        false => format!("{} DIFFER", names(differ).join(", ")),
    };
    let digits = decimals(&p) + 2;
    let computed = match a.digits {
        Some(_) => format!("{:.digits$}", a.value),
        None => a.shown(),
    };
    let text = format!(
        "{} gives {computed}, which {how}; {changes}; {each}",
        a.label()
    );
    (holds(all), text)
}

/// Which divisors `1, …, up_to` make `−S/m` (or, from a cost, `−m·J`) round to the printed
/// value: exactly `m`, or the check fails.
fn implied_divisor(
    q: Quantity,
    up_to: usize,
    m: usize,
    a: &Computed,
    b: &Computed,
) -> (Verdict, String) {
    let p = b.shown();
    let from_s = q == Quantity::LogLikelihood;
    let candidate = |d: f64| -a.value * if from_s { 1.0 / d } else { d };
    let reproduces = |d: &usize| matches_printed(candidate(*d as f64), &p) == Some(true);
    let found: Vec<usize> = (1..=up_to).filter(reproduces).collect();
    let form = if from_s { "−S/m" } else { "−m × J" };
    let text = format!(
        "of m = 1, …, {up_to}, only m = {found:?} makes {form} round to {} {p} (with {} as {})",
        b.what,
        a.label(),
        if from_s { "S" } else { "J" }
    );
    (holds(found == [m]), text)
}

/// To how many decimals `a` and `b` agree: equal (holds), or to `n ≥ 1` decimals and not
/// `n + 1` (holds only rounded to `n`), or not even to one (fails).
fn agreement(a: &Computed, b: &Computed) -> (Verdict, String) {
    let (x, y, p, q) = (a.value, b.value, a.label(), b.label());
    if x == y {
        return (
            Verdict::Holds,
            format!("{p} and {q} are equal, {}", b.shown()),
        );
    }
    let agree = |n: usize| format!("{x:.n$}") == format!("{y:.n$}");
    let most = (0..=17).take_while(|&n| agree(n)).last().unwrap_or(0);
    let next = most + 1;
    let text = if a.digits.is_some() && b.digits.is_some() {
        let apart = (y - x).abs();
        format!(
            "to {most} decimals {p} and {q} are both {x:.most$}; to {next} they differ, \
             {x:.next$} against {y:.next$}: {apart:.1e} apart"
        )
    } else {
        format!("{p} and {q} agree to {most} decimals, not to {next}")
    };
    match u32::try_from(most) {
        Ok(n) if n > 0 => (Verdict::HoldsOnlyRounded(n), text),
        _ => (Verdict::Fails, text),
    }
}

/// Several (set, base) combinations of one pair relation: all must hold.
pub(crate) fn combine(
    results: Vec<(Verdict, String)>,
    names: &[&str],
    bases: &[LogBase],
) -> (Verdict, String) {
    if let [only] = results.as_slice() {
        return only.clone();
    }
    let holding = results.iter().filter(|r| r.0 != Verdict::Fails).count();
    let worst = results.iter().map(|r| r.0.clone());
    let worst = worst.fold(Verdict::Holds, Verdict::weaker);
    let failed = results.iter().find(|r| r.0 == Verdict::Fails);
    let example = failed.or(results.first()).map_or("", |(_, t)| t.as_str());
    let text = format!(
        "{holding} of {} hold, on each of {} in {}; e.g. {example}",
        results.len(),
        names.join(", "),
        units(bases)
    );
    (worst, text)
}

/// A relation of the basis along the sets (`values[base][set]`): the same order, or the
/// same minimiser, in every base; strictly decreasing, or positive, along the sets.
pub(crate) fn series(
    how: How,
    what: &str,
    values: &[Vec<f64>],
    names: &[&str],
    bases: &[LogBase],
) -> (Verdict, String) {
    let orders: Vec<Vec<usize>> = values
        .iter()
        .map(|v| {
            let mut idx: Vec<usize> = (0..v.len()).collect();
            idx.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
            idx
        })
        .collect();
    let first = orders.first().cloned().unwrap_or_default();
    let named: Vec<&str> = first.iter().map(|&i| names[i]).collect();
    let (ok, text) = match how {
        How::SameOrder => (
            orders.iter().all(|o| *o == first),
            format!(
                "{what} orders the inputs alike in {}: {}",
                units(bases),
                named.join(" < ")
            ),
        ),
        How::SameMinimiser => (
            orders.iter().all(|o| o.first() == first.first()),
            format!(
                "{what} has the same minimiser in {}: {}",
                units(bases),
                named.first().unwrap_or(&"—")
            ),
        ),
        How::Decreasing => (
            values.iter().all(|v| v.windows(2).all(|w| w[1] < w[0])),
            format!("{what} strictly decreases along {}", names.join(", ")),
        ),
        _ => (
            values.iter().all(|v| v.iter().all(|&x| x > 0.0)),
            format!("{what} is positive on each of {}", names.join(", ")),
        ),
    };
    (holds(ok), text)
}

fn units(bases: &[LogBase]) -> String {
    bases
        .iter()
        .map(|b| b.unit())
        .collect::<Vec<_>>()
        .join(", ")
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

/// `holds` or `fails`.
pub(crate) fn holds(ok: bool) -> Verdict {
    either(ok, Verdict::Holds, Verdict::Fails)
}

fn either<T>(ok: bool, yes: T, no: T) -> T {
    if ok { yes } else { no }
}

fn plural(n: u64) -> &'static str {
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
    }
}
