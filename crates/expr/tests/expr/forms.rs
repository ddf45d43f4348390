//! The forms of real `compute_cost` functions and forum answers: `np.clip`, `np.where` with
//! comparisons, `np.maximum`/`np.minimum`, `scipy.special.xlogy`/`xlog1py`, integer-array
//! indexing with class indices, softmax written out from logits, `np.float32`.

use nalgebra::DMatrix;
use xent_core::Kind;
use xent_core::published::{BINARY_A, BINARY_Y};
use xent_expr::{CheckOptions, CheckReport, ExprError, check, parse};

fn run(src: &str, options: &CheckOptions) -> Result<CheckReport, ExprError> {
    let program = parse(src).map_err(ExprError::from)?;
    check(&program, options)
}

fn ok(src: &str, options: &CheckOptions) -> CheckReport {
    run(src, options).unwrap_or_else(|e| panic!("{}", e.render(src)))
}

fn example() -> CheckOptions {
    CheckOptions::new(Kind::Binary).with_inputs(
        DMatrix::from_row_slice(1, 8, &BINARY_A),
        DMatrix::from_row_slice(1, 8, &BINARY_Y),
    )
}

fn verdict(src: &str, options: &CheckOptions, expected: &str) -> CheckReport {
    let r = ok(src, options);
    assert_eq!(r.verdict.code(), expected, "{src}\n{}", r.render_text());
    r
}

#[test]
fn scipy_xlogy_is_the_masked_definition() {
    let binary = CheckOptions::new(Kind::Binary);
    for src in [
        "cost = -np.sum(scipy.special.xlogy(Y, A) + scipy.special.xlog1py(1 - Y, -A)) / m",
        "from scipy.special import xlogy, xlog1py\ncost = -np.sum(xlogy(Y, A) + xlog1py(1 - Y, -A)) / m",
        "from scipy import special\n-np.mean(np.sum(special.xlogy(Y, A) + special.xlog1py(1-Y, -A), axis=0))",
    ] {
        verdict(src, &binary, "equal");
    }
    // xlogy(Y, 1 - A) rounds 1 - A: inaccurate on the tiny probe, not NaN.
    verdict(
        "-np.sum(xlogy(Y, A) + xlogy(1 - Y, 1 - A)) / m",
        &binary,
        "inaccurate",
    );
    let categorical = CheckOptions::new(Kind::Categorical);
    verdict("-np.sum(xlogy(P, Q)) / m", &categorical, "equal");
    verdict("-np.sum(xlogy(p, q))", &categorical, "equal");
}

#[test]
fn where_and_comparisons_as_numpy() {
    let e = example();
    for src in [
        "-np.sum(np.where(Y == 1, np.log(A), np.log1p(-A))) / m",
        "-np.sum(np.where(Y > 0.5, np.log(A), np.log(1 - A))) / m",
        "-np.mean(np.where(Y != 0, np.log(A), np.log(1 - A)))",
        "-np.sum(np.log(np.where(Y >= 1, A, 1 - A))) / m",
        "-np.sum(np.log(np.where(Y <= 0, 1 - A, A))) / m",
        "-np.sum(np.log(np.where(Y < 1, 1 - A, A))) / m",
    ] {
        verdict(src, &e, "equal");
    }
    // For soft labels np.where(Y == 1, …) is not the loss; the suite says when it is.
    verdict(
        "-np.sum(np.where(Y == 1, np.log(A), np.log1p(-A))) / m",
        &CheckOptions::new(Kind::Binary),
        "equal only when labels are hard (0 or 1)",
    );
    // A comparison is a boolean array; summing it counts, as numpy.
    let r = ok("np.sum(A > 0.5)", &e);
    let count = BINARY_A.iter().filter(|&&a| a > 0.5).count() as f64;
    assert_eq!(r.value(), Some(count));
    let r = ok("np.mean((A > 0.5) == (Y == 1))", &e);
    let right = BINARY_A
        .iter()
        .zip(BINARY_Y)
        .filter(|&(&a, y)| (a > 0.5) == (y == 1.0))
        .count() as f64;
    assert_eq!(r.value(), Some(right / BINARY_A.len() as f64));
}

#[test]
fn clip_maximum_minimum_and_friends() {
    let e = example();
    for src in [
        "-np.sum(Y*np.log(np.clip(A, 0, 1)) + (1-Y)*np.log(1 - np.clip(A, 0, 1))) / m",
        "-np.sum(Y*np.log(np.maximum(A, 0)) + (1-Y)*np.log(np.minimum(1 - A, 1))) / m",
        "-np.sum(Y*np.log(A.clip(0, 1)) + (1-Y)*np.log1p(-A)) / m",
        "float(np.squeeze(np.asarray(-np.sum(Y*np.log(A) + (1-Y)*np.log1p(-A), axis=1, keepdims=True) / m)))",
        "(-np.mean(np.sum(Y*np.log(A) + (1-Y)*np.log1p(-A), axis=0), keepdims=True)).item()",
        "-np.sum(Y*np.log(np.exp(np.log(A))) + (1-Y)*np.log1p(-A)) / m",
        "-np.sum(Y*np.log(A) + (1-Y)*np.log1p(-A)) / Y.shape[1]",
    ] {
        verdict(src, &e, "equal");
    }
    let r = ok("np.max(A) - np.min(A)", &e);
    let (hi, lo) = BINARY_A
        .iter()
        .fold((f64::MIN, f64::MAX), |(h, l), &a| (h.max(a), l.min(a)));
    assert_eq!(r.value(), Some(hi - lo));
}

fn one_hot_classes() -> CheckOptions {
    let q = DMatrix::from_column_slice(
        3,
        4,
        &[0.2, 0.7, 0.1, 0.5, 0.25, 0.25, 0.1, 0.1, 0.8, 0.6, 0.3, 0.1],
    );
    CheckOptions::new(Kind::Categorical).with_classes(q, vec![1, 0, 2, 0])
}

#[test]
fn integer_array_indexing_with_class_indices() {
    let categorical = CheckOptions::new(Kind::Categorical);
    for src in [
        "-np.mean(np.log(Q[y, np.arange(m)]))",
        "-np.sum(np.log(Q[classes, np.arange(Q.shape[1])])) / m",
        "logprobs = -np.log(Q[y, np.arange(m)])\ncost = np.sum(logprobs) / m",
    ] {
        // Only the one-hot problems of the suite have class indices; the probe's zeros are
        // never picked, so there is no 0·ln 0.
        let r = verdict(src, &categorical, "equal");
        assert!(r.runs.iter().all(|r| r.hard), "{src}");
        verdict(src, &one_hot_classes(), "equal");
    }
    let s = xent_expr::shapes(
        &parse("Q[y, np.arange(m)]").expect("parses"),
        Kind::Categorical,
    )
    .expect("shapes");
    assert_eq!(s.shape.to_string(), "(m,)");
    let s = xent_expr::shapes(&parse("Q[y]").expect("parses"), Kind::Categorical).expect("rows");
    assert_eq!(s.shape.to_string(), "(m, m)");
    // Given as one-hot targets, the class indices are read from them.
    let p = DMatrix::from_column_slice(3, 2, &[0.0, 1.0, 0.0, 1.0, 0.0, 0.0]);
    let q = DMatrix::from_column_slice(3, 2, &[0.2, 0.7, 0.1, 0.5, 0.25, 0.25]);
    let r = verdict(
        "-np.mean(np.log(Q[y, np.arange(m)]))",
        &CheckOptions::new(Kind::Categorical).with_inputs(q, p),
        "equal",
    );
    assert_eq!(r.value(), Some(-(0.7f64.ln() + 0.5f64.ln()) / 2.0));
}

#[test]
fn indexing_refusals_and_binding_errors() {
    let c = one_hot_classes();
    for (src, options, message) in [
        ("Q[A, 0]", &c, "arrays used as indices must be of integer"),
        ("Q[Q > 0.5]", &c, "boolean-array indexing"),
        (
            "Q[3, 0]",
            &c,
            "index 3 is out of bounds for axis 0 with size 3",
        ),
        ("Q[y, np.arange(m), 0]", &c, "too many indices for array"),
        ("Q[1.5, 0]", &c, "not float"),
    ] {
        let e = run(src, options).expect_err(src);
        assert!(e.to_string().contains(message), "{src}: {e}");
    }
    let e = run(
        "-np.log(A[y, np.arange(m)])",
        &CheckOptions::new(Kind::Binary),
    )
    .expect_err("binary");
    assert!(e.to_string().contains("categorical"), "{e}");
    let e = run(
        "-np.mean(np.log(Q[y, np.arange(m)]))",
        &CheckOptions::new(Kind::Categorical)
            .with_classes(DMatrix::from_element(3, 2, 1.0 / 3.0), vec![0, 5]),
    )
    .expect_err("class 5 of 3");
    assert!(matches!(e, ExprError::Input(_)), "{e}");
    let e = run(
        "-np.mean(np.log(Q[y, np.arange(m)]))",
        &CheckOptions::new(Kind::Categorical).with_inputs(
            DMatrix::from_element(3, 1, 1.0 / 3.0),
            DMatrix::from_element(3, 1, 1.0 / 3.0),
        ),
    )
    .expect_err("soft targets");
    assert!(e.to_string().contains("not one-hot"), "{e}");
}

#[test]
fn softmax_written_out_from_logits() {
    let logits = CheckOptions::new(Kind::Categorical).with_from_logits(true);
    let naive = "S = np.exp(Z) / np.sum(np.exp(Z), axis=0)\ncost = -np.sum(P * np.log(S)) / m";
    let r = verdict(naive, &logits, "NaN");
    assert!(
        r.verdict.message().contains("large logits"),
        "{}",
        r.verdict
    );
    assert!(
        r.runs
            .iter()
            .filter(|r| r.probe.is_none())
            .all(|r| r.outcome == xent_expr::Outcome::Equal),
        "{}",
        r.render_text()
    );
    let stable = "s = z - np.max(z, axis=0)\n\
                  log_softmax = s - np.log(np.sum(np.exp(s), axis=0))\n\
                  -np.sum(P * log_softmax) / m";
    verdict(stable, &logits, "equal");
    verdict(
        "s = logits - np.max(logits, axis=0, keepdims=True)\n\
         -np.mean((s - np.log(np.sum(np.exp(s), axis=0)))[y, np.arange(m)])",
        &logits,
        "equal",
    );
    // Binary from logits: sigmoid written out.
    let binary = CheckOptions::new(Kind::Binary).with_from_logits(true);
    verdict(
        "A2 = 1 / (1 + np.exp(-Z))\n-np.sum(Y*np.log(A2) + (1-Y)*np.log(1-A2)) / m",
        &binary,
        "NaN",
    );
    // Given logits.
    let z = DMatrix::from_column_slice(3, 2, &[2.0, 1.0, 0.1, 0.5, 2.5, -1.0]);
    let given = CheckOptions::new(Kind::Categorical)
        .with_classes(z, vec![0, 1])
        .with_from_logits(true);
    verdict(
        "-np.mean(np.log((np.exp(z) / np.sum(np.exp(z), axis=0))[y, np.arange(m)]))",
        &given,
        "equal",
    );
    // Logits without from-logits, and probabilities with it, are errors that say so.
    let e = run(
        "-np.sum(P*np.log(np.exp(Z)))",
        &CheckOptions::new(Kind::Categorical),
    )
    .expect_err("logits");
    assert!(e.to_string().contains("with_from_logits"), "{e}");
    let e = run("-np.sum(P*np.log(Q))/m", &logits).expect_err("probabilities");
    assert!(e.to_string().contains("from logits"), "{e}");
}

#[test]
fn float32_is_rounded_and_bounded() {
    let e = example();
    let src = "A32 = np.float32(A)\n-np.sum(Y*np.log(A32) + (1-Y)*np.log1p(-A32)) / m";
    let r = verdict(src, &e, "inaccurate");
    assert!(
        r.verdict.message().contains("np.float32(A)"),
        "{}",
        r.verdict
    );
    let run = &r.runs[0];
    let (value, bound) = (
        run.value.expect("one number"),
        run.expression_bound.expect("bound"),
    );
    assert_ne!(value, run.reference);
    // The bound is honest: the float32 value is within it of the loss.
    assert!(
        (value - run.reference).abs() <= bound + run.reference_bound,
        "{run:?}"
    );
    // float32 minus float64 is float64: the sum is of the roundings themselves, in order.
    let r = ok("np.sum(np.float32(A) - A)", &e);
    let expected: f64 = BINARY_A.iter().map(|&a| f64::from(a as f32) - a).sum();
    assert_ne!(expected, 0.0);
    assert_eq!(r.value(), Some(expected));
    // A Python float is weak (NEP 50): float32 * 0.1 stays float32, so it is rounded again.
    let r = ok(
        "np.sum(np.float32(A) * 0.1 - np.float32(A) * np.asarray(0.1))",
        &e,
    );
    let expected: f64 = BINARY_A
        .iter()
        .map(|&a| f64::from((f64::from(a as f32) * 0.1) as f32) - f64::from(a as f32) * 0.1)
        .sum();
    assert_eq!(r.value(), Some(expected));
}

#[test]
fn a_guard_that_changes_the_edges_is_not_equal() {
    let r = verdict(
        "-np.sum(Y*np.log(np.clip(A, 1e-7, 1-1e-7)) + (1-Y)*np.log(1-np.clip(A, 1e-7, 1-1e-7)))/m",
        &CheckOptions::new(Kind::Binary),
        "differs",
    );
    assert!(
        r.verdict
            .message()
            .contains("equal on every regular problem, but not at the edges"),
        "{}",
        r.verdict
    );
}

#[test]
fn a_guard_on_the_logarithm_is_named_with_its_measured_effect() {
    // On the given inputs: the guard is all that differs; its effect is the value minus the
    // loss, as the report's own run gives them.
    let r = verdict(
        "-np.sum(Y*np.log(A + 1e-9) + (1-Y)*np.log(1 - A + 1e-9))/m",
        &example(),
        "differs",
    );
    let run = &r.runs[0];
    let delta = run.value.expect("a value") - run.reference;
    assert!(delta < 0.0 && delta.abs() < 1e-8, "{delta}");
    let expected = format!(
        "the loss of a perturbed input: `A + 1e-9` (1e-9 added), `1 - A + 1e-9` (1e-9 added); \
         without them the expression is the loss; the perturbation changes the loss by {delta:.2e} \
         (relative {:.2e}) on the given inputs (1, 8)",
        delta / run.reference
    );
    assert_eq!(r.perturbation.as_deref(), Some(expected.as_str()));
    assert!(r.verdict_lines().contains(&expected));
    // On the seeded suite, a clip at eps: named with its bounds, measured where it moves the
    // loss (the tiny predictions), the unguarded expression's own edges aside.
    let binary = CheckOptions::new(Kind::Binary);
    let r = verdict(
        "eps = 1e-15\n-np.sum(Y*np.log(np.clip(A, eps, 1-eps)) + (1-Y)*np.log(1-np.clip(A, eps, 1-eps)))/m",
        &binary,
        "differs",
    );
    let p = r.perturbation.clone().unwrap_or_default();
    assert!(
        p.starts_with(
            "the loss of a perturbed input: `np.clip(A, eps, 1-eps)` (clipped to [1e-15, \
             0.999999999999999]); without it the expression is the loss on every problem where \
             it changes the value; the perturbation changes the loss by 9.86e-16"
        ),
        "{p}"
    );
    assert!(
        p.ends_with("on probe: tiny predictions (Y = 0, A ≤ 5e-17) (1, 4)"),
        "{p}"
    );
    // A named floor, on either side.
    let r = verdict(
        "eps = 1e-9\n-np.sum(Y*np.log(np.maximum(eps, A)) + (1-Y)*np.log(eps + 1 - A))/m",
        &example(),
        "differs",
    );
    let p = r.perturbation.clone().unwrap_or_default();
    assert!(
        p.starts_with(
            "the loss of a perturbed input: `np.maximum(eps, A)` (at least 1e-9), `eps + 1 - A` \
             (1e-9 added); without them the expression is the loss"
        ),
        "{p}"
    );
    // np.maximum is a guard too, of any floor.
    let r = verdict(
        "-np.sum(Y*np.log(np.maximum(A, 0.9)) + (1-Y)*np.log(1-A))/m",
        &example(),
        "differs",
    );
    let p = r.perturbation.clone().unwrap_or_default();
    assert!(
        p.starts_with(
            "the loss of a perturbed input: `np.maximum(A, 0.9)` (at least 0.9); without it the \
             expression is the loss"
        ),
        "{p}"
    );
    // Not a guard's doing: a guard beside a wrong mean, a large constant, no guard at all.
    for src in [
        "-np.mean(Y*np.log(A + 1e-9) + (1-Y)*np.log(1 - A + 1e-9))",
        "-np.sum(Y*np.log(A + 0.5) + (1-Y)*np.log(1 - A))/m",
        "np.sum(Y*np.log(A) + (1-Y)*np.log(1-A))/m",
    ] {
        let r = ok(src, &binary);
        assert!(!r.equal(), "{src}");
        assert_eq!(r.perturbation, None, "{src}: {}", r.render_text());
    }
    // A clip that moves nothing on the given inputs: equal, nothing to say.
    let r = verdict(
        "A2 = np.clip(A, 1e-7, 1 - 1e-7)\n-np.sum(Y*np.log(A2) + (1-Y)*np.log(1-A2))/m",
        &example(),
        "equal",
    );
    assert_eq!(r.perturbation, None);
}
