//! Guards on the logarithm: `np.log(A + 1e-9)`, `np.clip(A, eps, 1 - eps)`,
//! `np.maximum(A, eps)`. An expression that differs from the loss only by them is the loss
//! of a perturbed input; [`diagnose`] says which perturbation, and measures what it does to
//! the loss on the problems checked.

use std::collections::HashMap;

use crate::ast::{BinOp, Expr, ExprKind, Func, Program, Statement};
use crate::check::CheckReport;
use crate::diagnosis::Outcome;
use crate::names;

/// The largest constant taken for a guard when added to the predictions: `A + 1e-3` is a
/// guard, `A + 0.5` is another expression.
const GUARD: f64 = 1e-3;

/// The program without its guards (each replaced by the input it guards), and each guard
/// described: `` `A + 1e-9` (1e-9 added) ``, `` `np.clip(A, eps, 1-eps)` (clipped to
/// [1e-15, 1 - 1e-15]) ``. `None` when it has none.
pub(crate) fn strip(program: &Program) -> Option<(Program, Vec<String>)> {
    let mut consts: HashMap<String, f64> = HashMap::new();
    let mut guards = Vec::new();
    let mut statements = Vec::new();
    for s in program.statements() {
        let expr = strip_expr(&s.expr, program, &consts, &mut guards);
        if let (Some((name, _)), Some(v)) = (&s.target, constant(&s.expr, &consts)) {
            consts.insert(name.clone(), v);
        }
        statements.push(Statement {
            target: s.target.clone(),
            expr,
            span: s.span,
        });
    }
    if guards.is_empty() {
        return None;
    }
    let mut seen = Vec::new();
    guards.retain(|g| {
        let new = !seen.contains(g);
        seen.push(g.clone());
        new
    });
    Some((
        Program {
            source: program.source().to_owned(),
            statements,
        },
        guards,
    ))
}

/// A constant as a person writes it: `1e-9` (to 6 digits: `(1 + 1e-9) - 1` is `1e-9`),
/// `0.999999999999999`.
fn number(v: f64) -> String {
    if v != 0.0 && (v.abs() < 1e-4 || v.abs() >= 1e6) {
        let s = format!("{v:.5e}");
        match s.split_once('e') {
            Some((mantissa, exp)) if mantissa.contains('.') => {
                let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
                format!("{mantissa}e{exp}")
            }
            _ => s,
        }
    } else {
        format!("{v}")
    }
}

/// The value of an expression of numbers and constant names, if it is one.
fn constant(e: &Expr, consts: &HashMap<String, f64>) -> Option<f64> {
    match &e.kind {
        ExprKind::Number { value, .. } => Some(*value),
        ExprKind::Name(n) => consts.get(n).copied(),
        ExprKind::Constant(c) => Some(c.value()),
        ExprKind::Neg(x) => constant(x, consts).map(|v| -v),
        ExprKind::Binary { op, lhs, rhs } => {
            let (a, b) = (constant(lhs, consts)?, constant(rhs, consts)?);
            match op {
                BinOp::Add => Some(a + b),
                BinOp::Sub => Some(a - b),
                BinOp::Mul => Some(a * b),
                BinOp::Div => Some(a / b),
                BinOp::Pow => Some(a.powf(b)),
                _ => None,
            }
        }
        ExprKind::Call {
            func: Func::Float32 | Func::Asarray,
            args,
            ..
        } if args.len() == 1 => constant(&args[0], consts),
        _ => None,
    }
}

/// Whether `e` reads the predictions (an input of theirs, or a name assigned earlier that
/// is not a constant).
fn reads_predictions(e: &Expr, consts: &HashMap<String, f64>) -> bool {
    let mut found = false;
    e.visit(&mut |n| {
        if let ExprKind::Name(name) = &n.kind {
            found |= match names::role(name) {
                Some(r) => r.is_predictions(),
                None => !consts.contains_key(name),
            };
        }
    });
    found
}

/// `x + c`, `c + x` or `x - c` of the predictions `x` and a guard's constant `c`: `x`, and
/// what is added to it.
fn offset<'e>(e: &'e Expr, consts: &HashMap<String, f64>) -> Option<(&'e Expr, f64)> {
    let small = |x: &Expr| constant(x, consts).filter(|v| *v != 0.0 && v.abs() <= GUARD);
    let ExprKind::Binary { op, lhs, rhs } = &e.kind else {
        return None;
    };
    match op {
        BinOp::Add | BinOp::Sub if reads_predictions(lhs, consts) => {
            let c = small(rhs)?;
            Some((lhs, if *op == BinOp::Sub { -c } else { c }))
        }
        BinOp::Add if reads_predictions(rhs, consts) => Some((rhs, small(lhs)?)),
        _ => None,
    }
}

/// `e` with its guards replaced by what they guard, each guard described in `guards`.
fn strip_expr(
    e: &Expr,
    program: &Program,
    consts: &HashMap<String, f64>,
    guards: &mut Vec<String>,
) -> Expr {
    let text = |x: &Expr| format!("`{}`", program.text(x.span));
    if let Some((x, c)) = offset(e, consts) {
        guards.push(format!("{} ({} added)", text(e), number(c)));
        return strip_expr(x, program, consts, guards);
    }
    match &e.kind {
        // `1 + eps - A`: the constant is 1 plus a guard.
        ExprKind::Binary {
            op: BinOp::Sub,
            lhs,
            rhs,
        } if reads_predictions(rhs, consts)
            && constant(lhs, consts).is_some_and(|c| c != 1.0 && (c - 1.0).abs() <= GUARD) =>
        {
            let c = constant(lhs, consts).unwrap_or(1.0) - 1.0;
            guards.push(format!("{} ({} added)", text(e), number(c)));
            let one = Expr {
                kind: ExprKind::Number {
                    value: 1.0,
                    int: true,
                },
                span: lhs.span,
            };
            Expr {
                kind: ExprKind::Binary {
                    op: BinOp::Sub,
                    lhs: Box::new(one),
                    rhs: Box::new(strip_expr(rhs, program, consts, guards)),
                },
                span: e.span,
            }
        }
        ExprKind::Call {
            func: Func::Clip,
            args,
            ..
        } if args.len() == 3 && reads_predictions(&args[0], consts) => {
            let bound = |x: &Expr| constant(x, consts).map_or_else(|| text(x), number);
            guards.push(format!(
                "{} (clipped to [{}, {}])",
                text(e),
                bound(&args[1]),
                bound(&args[2])
            ));
            strip_expr(&args[0], program, consts, guards)
        }
        ExprKind::Call {
            func: func @ (Func::Maximum | Func::Minimum),
            args,
            ..
        } if args.len() == 2 => {
            let (x, c) = match (
                reads_predictions(&args[0], consts),
                reads_predictions(&args[1], consts),
            ) {
                (true, false) => (&args[0], &args[1]),
                (false, true) => (&args[1], &args[0]),
                _ => return rebuild(e, program, consts, guards),
            };
            let Some(v) = constant(c, consts) else {
                return rebuild(e, program, consts, guards);
            };
            let side = if *func == Func::Maximum {
                "at least"
            } else {
                "at most"
            };
            guards.push(format!("{} ({side} {})", text(e), number(v)));
            strip_expr(x, program, consts, guards)
        }
        _ => rebuild(e, program, consts, guards),
    }
}

/// `e` with its children stripped.
fn rebuild(
    e: &Expr,
    program: &Program,
    consts: &HashMap<String, f64>,
    guards: &mut Vec<String>,
) -> Expr {
    let mut s = |x: &Expr| Box::new(strip_expr(x, program, consts, guards));
    let kind = match &e.kind {
        ExprKind::Neg(x) => ExprKind::Neg(s(x)),
        ExprKind::Binary { op, lhs, rhs } => ExprKind::Binary {
            op: *op,
            lhs: s(lhs),
            rhs: s(rhs),
        },
        ExprKind::Call {
            func,
            args,
            axis,
            keepdims,
        } => ExprKind::Call {
            func: *func,
            args: args.iter().map(|a| *s(a)).collect(),
            axis: *axis,
            keepdims: *keepdims,
        },
        ExprKind::ShapeOf { of, index } => ExprKind::ShapeOf {
            of: s(of),
            index: *index,
        },
        ExprKind::Index { of, indices } => ExprKind::Index {
            of: s(of),
            indices: indices.iter().map(|a| *s(a)).collect(),
        },
        other => other.clone(),
    };
    Expr { kind, span: e.span }
}

/// What the guards of `report`'s expression do, when they are all that makes it differ:
/// the same expression without them (`unguarded`) equals the loss on every problem where
/// the guarded one differs (or gives NaN there, as at 0 · log 0, which a guard is written
/// to avoid, or loses digits there), and is never another number. The perturbation is
/// named and its effect measured as the guarded value minus the loss of the unperturbed
/// input (the reference), on the first problem where it differs (the user's arrays, when
/// given) and where that is largest relative to the loss.
pub(crate) fn diagnose(
    report: &CheckReport,
    unguarded: &CheckReport,
    guards: &[String],
) -> Option<String> {
    if report.equal() || report.runs.len() != unguarded.runs.len() {
        return None;
    }
    let pairs = || report.runs.iter().zip(&unguarded.runs);
    let explained = pairs().all(|(g, u)| match g.outcome {
        Outcome::Equal | Outcome::Inaccurate => true,
        Outcome::Differs => u.outcome != Outcome::Differs,
        Outcome::Nan | Outcome::NotOneNumber | Outcome::Rejected => false,
    }) && unguarded.runs.iter().all(|u| {
        matches!(
            u.outcome,
            Outcome::Equal | Outcome::Nan | Outcome::Inaccurate
        )
    });
    let effects: Vec<(String, f64, f64)> = report
        .runs
        .iter()
        .filter(|g| g.outcome == Outcome::Differs)
        .filter_map(|g| {
            let delta = g.value? - g.reference;
            delta
                .is_finite()
                .then(|| (g.name(), delta, delta / g.reference))
        })
        .collect();
    if !explained {
        return None;
    }
    let (first_name, first_delta, first_rel) = effects.first()?.clone();
    let (them, they_change) = if guards.len() == 1 {
        ("it", "it changes")
    } else {
        ("them", "they change")
    };
    let without = if unguarded.equal() {
        format!("without {them} the expression is the loss")
    } else {
        format!(
            "without {them} the expression is the loss on every problem where {they_change} the value"
        )
    };
    let fmt = |x: f64| format!("{x:.2e}");
    let mut s = format!(
        "the loss of a perturbed input: {}; {without}; the perturbation changes the loss by {} \
         (relative {}) on {first_name}",
        guards.join(", "),
        fmt(first_delta),
        fmt(first_rel),
    );
    let worst = effects
        .iter()
        .filter(|(_, _, rel)| rel.is_finite())
        .max_by(|a, b| a.2.abs().total_cmp(&b.2.abs()));
    if let Some((name, delta, rel)) = worst
        && *name != first_name
    {
        s.push_str(&format!(
            ", and most on {name}: by {} (relative {})",
            fmt(*delta),
            fmt(*rel)
        ));
    }
    Some(s)
}
