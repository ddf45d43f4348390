//! Verdicts and shapes, one row per expression.

use nalgebra::DMatrix;
use xent_core::Kind;
use xent_expr::{CheckOptions, CheckReport, ExprError, Quantity, check, parse};

fn run(src: &str, options: &CheckOptions) -> Result<CheckReport, ExprError> {
    let program = parse(src).map_err(ExprError::from)?;
    check(&program, options)
}

/// One row: the expression, its kind, the verdict code and the symbolic shape expected.
fn symbolic(src: &str, kind: Kind, verdict: &str, shape: &str) {
    let report = run(src, &CheckOptions::new(kind)).unwrap_or_else(|e| panic!("{}", e.render(src)));
    assert_eq!(
        report.verdict.code(),
        verdict,
        "{src}\n{}",
        report.render_text()
    );
    let found = report.symbolic.as_ref().map(|s| s.shape.to_string());
    assert_eq!(found.as_deref(), Some(shape), "{src}");
}

#[test]
fn the_documents_expressions() {
    use Kind::{Binary, Categorical};
    let nan_binary = "NaN where a label is 0 and its prediction is 0";
    let nan_categorical = "NaN where a target is 0 and its prediction is 0";
    for (src, kind, verdict, shape) in [
        // The gist: the sum style, the dot style, and the comment's sum of the dot style.
        (
            "cost = -(1.0/m) * np.sum(Y*np.log(A) + (1-Y)*np.log(1-A))",
            Binary,
            nan_binary,
            "()",
        ),
        (
            "cost = -(1.0/m) * (np.dot(np.log(A), Y.T) + np.dot(np.log(1-A), (1-Y).T))",
            Binary,
            "equal only when n_y = 1",
            "(n_y, n_y)",
        ),
        (
            "cost = -(1.0/m) *np.sum( np.dot(np.log(A), Y.T) + np.dot(np.log(1-A), (1-Y).T))",
            Binary,
            "equal only when n_y = 1",
            "()",
        ),
        // The question: the dot style, then the sum style with its cost.
        (
            "logprobs = np.dot(Y, (np.log(A2)).T) + np.dot((1.0-Y),(np.log(1 - A2)).T)\n\
             cost = (-1/m) * logprobs",
            Binary,
            "equal only when n_y = 1",
            "(n_y, n_y)",
        ),
        (
            "logprobs = np.sum(np.multiply(np.log(A2), Y) + np.multiply((1 - Y), np.log(1 - A2)))\n\
             cost = - logprobs / m",
            Binary,
            nan_binary,
            "()",
        ),
        (
            "logprobs = np.matmul(Y, (np.log(A2)).T) + np.matmul((1.0-Y),(np.log(1 - A2)).T)\n\
             cost = (-1/m) * logprobs",
            Binary,
            "equal only when n_y = 1",
            "(n_y, n_y)",
        ),
        (
            "logprobs = np.dot(Y, (np.log(A2)).T) + np.dot((1.0-Y),(np.log(1 - A2)).T)\n\
             -np.asscalar(logprobs) / m",
            Binary,
            "equal only when n_y = 1",
            "()",
        ),
        (
            "logprobs = np.dot(Y, (np.log(A2)).T) + np.dot((1.0-Y),(np.log(1 - A2)).T)\n\
             cost = (-1/m) * logprobs\ncost = np.squeeze(cost)",
            Binary,
            "equal only when n_y = 1",
            "(n_y, n_y)",
        ),
        // The formula: one sample, 1-D, as the answer writes it; and the batch form.
        ("-np.sum(p * np.log(q))", Categorical, nan_categorical, "()"),
        (
            "-np.sum(P * np.log(Q)) / m",
            Categorical,
            nan_categorical,
            "()",
        ),
    ] {
        symbolic(src, kind, verdict, shape);
    }
}

#[test]
fn the_usual_mistakes() {
    use Kind::{Binary, Categorical};
    let factor = "differs by a constant factor";
    for (src, kind, verdict, shape, why) in [
        // The missing (1 - Y) term: a different number, no factor explains it.
        (
            "-(1.0/m) * np.sum(Y*np.log(A))",
            Binary,
            "differs",
            "()",
            "",
        ),
        // np.mean instead of /m: divides by n_y·m.
        (
            "-np.mean(Y*np.log(A) + (1-Y)*np.log(1-A))",
            Binary,
            factor,
            "()",
            "1/n_y",
        ),
        ("-np.mean(P*np.log(Q))", Categorical, factor, "()", "1/k"),
        // The sign.
        (
            "(1.0/m) * np.sum(Y*np.log(A) + (1-Y)*np.log(1-A))",
            Binary,
            factor,
            "()",
            "−1",
        ),
        // The 1/m.
        (
            "-np.sum(Y*np.log(A) + (1-Y)*np.log(1-A))",
            Binary,
            factor,
            "()",
            "the 1/m is missing",
        ),
        ("-np.sum(P*np.log(Q))", Categorical, factor, "()", "m ×"),
        // The log-likelihood where the loss is meant.
        (
            "np.sum(Y*np.log(A) + (1-Y)*np.log(1-A))",
            Binary,
            factor,
            "()",
            "−m",
        ),
        // The log base.
        (
            "-np.sum(p * np.log2(q))",
            Categorical,
            factor,
            "()",
            "1/ln 2",
        ),
        // Summing the dot form's matrix (the gist's comment).
        (
            "-(1/m) * np.sum(np.dot(np.log(A), Y.T) + np.dot(np.log(1-A), (1-Y).T))",
            Binary,
            "equal only when n_y = 1",
            "()",
            "it differs",
        ),
        // Reducing one axis only.
        (
            "-(1/m) * np.sum(Y*np.log(A) + (1-Y)*np.log(1-A), axis=1)",
            Binary,
            "equal only when n_y = 1",
            "(n_y,)",
            "not one number",
        ),
        (
            "-(1/m) * np.sum(Y*np.log(A) + (1-Y)*np.log(1-A), axis=0)",
            Binary,
            "equal only when m = 1",
            "(m,)",
            "not one number",
        ),
        // The hard-label shortcut: right for 0/1 labels only (and safe at 0·ln 0).
        (
            "-np.sum(np.log(Y*A + (1-Y)*(1-A)))/m",
            Binary,
            "equal only when labels are hard (0 or 1)",
            "()",
            "",
        ),
        // log(1 - A) for tiny A, once the NaN is out of the way.
        (
            "-np.nansum(Y*np.log(A) + (1-Y)*np.log(1-A))/m",
            Binary,
            "inaccurate",
            "()",
            "np.log1p(-A)",
        ),
        // Everything right: masked by nansum, log1p, and the trace of the products.
        (
            "-np.nansum(Y*np.log(A) + (1-Y)*np.log1p(-A))/m",
            Binary,
            "equal",
            "()",
            "",
        ),
        (
            "-np.trace(np.dot(Y, np.log(A).T) + np.dot(1-Y, np.log1p(-A).T))/m",
            Binary,
            "NaN where a label is 0 and its prediction is 0",
            "()",
            "",
        ),
        ("-np.nansum(p * np.log(q))", Categorical, "equal", "()", ""),
    ] {
        symbolic(src, kind, verdict, shape);
        let report = run(src, &CheckOptions::new(kind)).expect("checked");
        assert!(
            report.verdict.message().contains(why),
            "{src}: {:?} does not say {why:?}",
            report.verdict.message()
        );
    }
}

fn example() -> (DMatrix<f64>, DMatrix<f64>) {
    (
        DMatrix::from_row_slice(1, 8, &xent_core::published::BINARY_A),
        DMatrix::from_row_slice(1, 8, &xent_core::published::BINARY_Y),
    )
}

#[test]
fn concrete_inputs() {
    let (a, y) = example();
    let on = |src: &str| {
        run(
            src,
            &CheckOptions::new(Kind::Binary).with_inputs(a.clone(), y.clone()),
        )
        .unwrap_or_else(|e| panic!("{}", e.render(src)))
    };
    // The documents' value, shape and type.
    let r = on("np.dot(Y, (np.log(A2)).T) + np.dot((1.0-Y),(np.log(1 - A2)).T)");
    assert_eq!(r.shape().map(|s| s.to_string()).as_deref(), Some("(1, 1)"));
    assert_eq!(r.verdict.code(), "differs by a constant factor");
    assert!(r.verdict.message().contains("−m (= -8)"), "{}", r.verdict);
    let r = on("-np.sum(Y*np.log(A) + (1-Y)*np.log(1-A))");
    assert!(r.verdict.message().contains("m (= 8)"), "{}", r.verdict);
    let r = on("cost = -(1.0/m) * np.sum(Y*np.log(A) + (1-Y)*np.log(1-A))");
    assert_eq!(r.verdict.code(), "equal");
    assert_eq!(r.to_json()["shape"], serde_json::json!([]));
    assert_eq!(r.to_json()["type"], "numpy.float64");
    assert_eq!(
        format!("{:.8}", r.value().unwrap_or(f64::NAN)),
        "0.09864328"
    );
    // With the log-likelihood as the reference, logprobs is equal.
    let options = CheckOptions::new(Kind::Binary)
        .with_inputs(a.clone(), y.clone())
        .with_quantity(Quantity::LogLikelihood);
    let r = run(
        "np.dot(Y, np.log(A).T) + np.dot(1-Y, np.log(1-A).T)",
        &options,
    )
    .expect("ok");
    assert_eq!(r.verdict.code(), "equal");
    // n_y = 3: the dot style is a (3, 3) array, and the report says it.
    let a3 = DMatrix::from_row_slice(3, 2, &[0.2, 0.7, 0.9, 0.4, 0.5, 0.6]);
    let y3 = DMatrix::from_row_slice(3, 2, &[0.0, 1.0, 1.0, 0.0, 1.0, 1.0]);
    let r = run(
        "-(1.0/m) * (np.dot(np.log(A), Y.T) + np.dot(np.log(1-A), (1-Y).T))",
        &CheckOptions::new(Kind::Binary).with_inputs(a3, y3),
    )
    .expect("numpy accepts it");
    assert_eq!(r.verdict.code(), "differs");
    assert_eq!(r.to_json()["shape"], serde_json::json!([3, 3]));
    assert_eq!(
        r.to_json()["symbolic_shape"],
        serde_json::json!(["n_y", "n_y"])
    );
    assert_eq!(r.to_json()["value"], serde_json::Value::Null);
}

#[test]
fn zero_log_zero_says_which_zero() {
    let gist = "-(1.0/m) * np.sum(Y*np.log(A) + (1-Y)*np.log(1-A))";
    for (a, y, verdict) in [
        (
            [0.0, 0.6, 0.3],
            [0.0, 1.0, 0.0],
            "NaN where a label is 0 and its prediction is 0",
        ),
        (
            [1.0, 0.6, 0.3],
            [1.0, 1.0, 0.0],
            "NaN where a label is 1 and its prediction is 1",
        ),
    ] {
        let options = CheckOptions::new(Kind::Binary).with_inputs(
            DMatrix::from_row_slice(1, 3, &a),
            DMatrix::from_row_slice(1, 3, &y),
        );
        let r = run(gist, &options).expect("checked");
        assert_eq!(r.verdict.code(), verdict);
        assert!(
            r.verdict.message().contains("[0, 0]: 0 * -inf"),
            "{}",
            r.verdict
        );
        assert_eq!(r.to_json()["value"], "NaN");
    }
}

#[test]
fn tiny_predictions_measure_the_lost_digits() {
    let options = CheckOptions::new(Kind::Binary).with_inputs(
        DMatrix::from_row_slice(1, 2, &[1e-20, 3e-18]),
        DMatrix::zeros(1, 2),
    );
    let naive = run("-np.sum(Y*np.log(A) + (1-Y)*np.log(1-A))/m", &options).expect("checked");
    assert_eq!(naive.verdict.code(), "inaccurate");
    let message = naive.verdict.message();
    assert!(message.contains("relative error 100%"), "{message}");
    assert!(message.contains("`np.log(1-A)`"), "{message}");
    let run0 = &naive.runs[0];
    assert!(run0.ulps.is_some_and(|u| u as f64 > 1e15), "{run0:?}");
    let accurate = run("-np.sum(Y*np.log(A) + (1-Y)*np.log1p(-A))/m", &options).expect("checked");
    assert_eq!(accurate.verdict.code(), "equal");
}

#[test]
fn numpy_refusals_are_errors_with_numpys_message() {
    let (a, y) = example();
    let concrete = CheckOptions::new(Kind::Binary).with_inputs(a, y);
    let symbolic = CheckOptions::new(Kind::Binary);
    for (src, options, message, column) in [
        (
            "np.dot(Y, np.log(A))",
            &concrete,
            "shapes (1,8) and (1,8) not aligned: 8 (dim 1) != 1 (dim 0)",
            1,
        ),
        (
            "np.dot(Y, np.log(A))",
            &symbolic,
            "shapes (n_y,m) and (n_y,m) not aligned: m (dim 1) != n_y (dim 0) \
             (numpy accepts it only when m = n_y)",
            1,
        ),
        (
            "-np.sum(Y @ np.log(A))",
            &concrete,
            "matmul: Input operand 1 has a mismatch in its core dimension 0",
            9,
        ),
        (
            "np.sum(A, axis=2)",
            &symbolic,
            "axis 2 is out of bounds for array of dimension 2",
            1,
        ),
        (
            "x = Y * np.log(A)\nx.item()",
            &symbolic,
            "can only convert an array of size 1 to a Python scalar",
            1,
        ),
        (
            "A + Y.T",
            &symbolic,
            "operands could not be broadcast together with shapes (n_y,m) (m,n_y)",
            1,
        ),
        ("np.trace(np.sum(A))", &symbolic, "diag requires", 1),
        ("1/(m - m)", &symbolic, "division by zero", 1),
    ] {
        let e = run(src, options).expect_err(src);
        assert!(e.is_numpy_rejection(), "{src}: {e}");
        assert!(e.to_string().contains(message), "{src}: {e}");
        let (_, col) = e.span().expect("placed").line_column(src);
        assert!(col >= column, "{src}: column {col}");
        assert!(e.render(src).contains('^'), "{src}");
    }
}

#[test]
fn bad_inputs_and_bindings_are_errors() {
    let options = CheckOptions::new(Kind::Categorical).with_inputs(
        DMatrix::from_row_slice(3, 2, &[0.2, 0.5, 0.3, 0.5, 0.5, 0.0]),
        DMatrix::from_row_slice(3, 2, &[1.0, 0.0, 0.0, 1.0, 0.0, 0.0]),
    );
    let invalid = CheckOptions::new(Kind::Categorical).with_inputs(
        DMatrix::from_row_slice(3, 2, &[0.2, 0.5, 0.3, 0.5, 0.4, 0.0]),
        DMatrix::from_row_slice(3, 2, &[1.0, 0.0, 0.0, 1.0, 0.0, 0.0]),
    );
    let e = run("-np.sum(p * np.log(q))", &options).expect_err("two samples for p");
    assert!(e.to_string().contains("use `Q`"), "{e}");
    let e = run("-np.sum(P * np.log(Q))", &invalid).expect_err("columns do not sum to 1");
    assert!(
        e.to_string().contains("column 0 of pred sums to 0.9"),
        "{e}"
    );
    assert!(matches!(e, ExprError::Input(_)), "{e}");
    let e = run(
        "Y = np.array([[1, 0]])\nnp.sum(Y)",
        &CheckOptions::default(),
    )
    .expect_err("half");
    assert!(e.to_string().contains("give both arrays"), "{e}");
    let e = run(
        "np.dot(Y.T, A)",
        &CheckOptions::default().with_inputs(
            DMatrix::from_element(1, 20_000, 0.5),
            DMatrix::from_element(1, 20_000, 1.0),
        ),
    )
    .expect_err("too large");
    assert!(e.to_string().contains("MAX_ELEMENTS"), "{e}");
}

#[test]
fn the_programs_own_arrays_are_the_inputs() {
    let src = "Y = np.array([[1, 0, 1, 1, 0, 1, 0, 0]])\n\
               A2 = np.array([[0.8, 0.2, 0.95, 0.92, 0.01, 0.93, 0.1, 0.02]])\n\
               logprobs = np.sum(np.multiply(np.log(A2), Y) + np.multiply((1 - Y), np.log(1 - A2)))\n\
               cost = - logprobs / m";
    let r = run(src, &CheckOptions::default()).expect("checked");
    assert!(r.concrete);
    assert_eq!(r.verdict.code(), "equal");
    assert_eq!(
        format!("{:.8}", r.value().unwrap_or(f64::NAN)),
        "0.09864328"
    );
}

#[test]
fn types_follow_numpy() {
    for (src, ty, shape) in [
        ("np.sum(Y*np.log(A))", "numpy.float64", "()"),
        ("np.dot(Y, np.log(A).T)", "numpy.ndarray", "(k, k)"),
        (
            "np.squeeze(np.dot(Y, np.log(A).T))",
            "numpy.ndarray",
            "(k, k)",
        ),
        ("np.dot(Y, np.log(A).T).item()", "float", "()"),
        ("-np.sum(p * np.log(q))", "numpy.float64", "()"),
        ("np.dot(p, np.log(q))", "numpy.float64", "()"),
        ("Y.shape[1]", "int", "()"),
        ("1/m", "float", "()"),
    ] {
        let program = parse(src).expect(src);
        let s = xent_expr::shapes(&program, Kind::Categorical).expect(src);
        assert_eq!(
            (s.ty.name(), s.shape.to_string().as_str()),
            (ty, shape),
            "{src}"
        );
    }
}

#[test]
fn numpy_accepts_special_sizes_the_symbolic_pass_refuses() {
    // (n_y, m) + (m, n_y) broadcasts only when n_y = m: on square inputs numpy accepts it,
    // and the report says that it would not in general.
    let options = CheckOptions::new(Kind::Binary).with_inputs(
        DMatrix::from_row_slice(2, 2, &[0.2, 0.7, 0.9, 0.4]),
        DMatrix::from_row_slice(2, 2, &[1.0, 1.0, 0.0, 0.0]),
    );
    let r = run("-np.sum(Y.T*np.log(A) + (1-Y.T)*np.log(1-A))/m", &options).expect("accepted");
    assert!(r.symbolic.is_none());
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("numpy accepts it only when m = n_y")),
        "{:?}",
        r.notes
    );
    assert_eq!(r.verdict.code(), "differs");
}

#[test]
fn verdicts_lead_with_what_holds() {
    // The sum style on the suite: equal on the open interval first, then the NaN.
    let r = run(
        "cost = -(1.0/m) * np.sum(Y*np.log(A) + (1-Y)*np.log(1-A))",
        &CheckOptions::new(Kind::Binary),
    )
    .expect("checked");
    let lines = r.verdict.lines();
    assert!(lines[0].starts_with("equal for 0 < A < 1"), "{lines:#?}");
    assert!(
        lines[1].starts_with("except NaN where a label is 0 and its prediction is 0"),
        "{lines:#?}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("and inaccurate")),
        "{lines:#?}"
    );
    // The rendered verdict is wrapped into lines a person reads.
    let text = r.render_text();
    let verdict: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("verdict"))
        .take_while(|l| !l.starts_with("runs"))
        .collect();
    assert!(verdict.len() >= lines.len(), "{text}");
    assert!(
        verdict.iter().all(|l| l.chars().count() <= 12 + 100),
        "{text}"
    );
    // On given inputs with n_y = 1 the dot style is equal, and the verdict says why.
    let (a, y) = example();
    let r = run(
        "cost = -(1.0/m) * (np.dot(np.log(A), Y.T) + np.dot(np.log(1-A), (1-Y).T))",
        &CheckOptions::new(Kind::Binary).with_inputs(a, y),
    )
    .expect("checked");
    assert_eq!(r.verdict.code(), "equal");
    let caveat = r.verdict_lines().join("\n");
    assert!(
        caveat.contains("shape (n_y, n_y), one number only when n_y = 1"),
        "{caveat}"
    );
    assert!(
        r.render_text().contains("on these inputs only"),
        "{}",
        r.render_text()
    );
}

#[test]
fn user_arrays_are_evaluated_in_the_users_shapes() {
    use xent_expr::{SamplesAxis, UserArray};
    let (a, y) = (
        xent_core::published::BINARY_A.to_vec(),
        xent_core::published::BINARY_Y.to_vec(),
    );
    let column =
        |v: &[f64]| UserArray::matrix(DMatrix::from_column_slice(8, 1, v), SamplesAxis::Rows);
    let rows = CheckOptions::new(Kind::Binary).with_user_arrays(column(&a), column(&y));
    // Right for (m, 1) arrays: numpy's (1, 1), the loss.
    let report = run(
        "-(np.dot(Y.T, np.log(A)) + np.dot((1-Y).T, np.log(1-A)))/m",
        &rows,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.verdict.code(), "equal", "{}", report.render_text());
    assert_eq!(
        report.shape().map(|s| s.to_string()).as_deref(),
        Some("(1, 1)")
    );
    // For general sizes too, the arrays keep their layout: (m, n_y), so (n_y, n_y).
    let symbolic = |r: &xent_expr::CheckReport| r.symbolic.as_ref().map(|s| s.shape.to_string());
    assert_eq!(symbolic(&report).as_deref(), Some("(n_y, n_y)"));
    // The (1, m) form is (m, m) on them, as numpy says.
    let report = run(
        "-(np.dot(np.log(A), Y.T) + np.dot(np.log(1-A), (1-Y).T))/m",
        &rows,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        report.shape().map(|s| s.to_string()).as_deref(),
        Some("(8, 8)")
    );
    assert_eq!(symbolic(&report).as_deref(), Some("(m, m)"));
    assert!(!report.equal());
    // (m, 1) against (m,): broadcast to (m, m), numpy's value, which is not the loss.
    let mixed = CheckOptions::new(Kind::Binary).with_user_arrays(column(&a), UserArray::vector(y));
    let report =
        run("-np.sum(Y*np.log(A) + (1-Y)*np.log(1-A))/m", &mixed).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.verdict.code(), "differs", "{}", report.render_text());
    assert_eq!(
        report.value().map(|v| format!("{v:.6}")).as_deref(),
        Some("11.504261")
    );
    // The reference line describes the arrays as the user holds them.
    let reference = |r: &xent_expr::CheckReport| {
        r.render_text()
            .lines()
            .find(|l| l.starts_with("reference"))
            .map(str::to_owned)
    };
    assert_eq!(
        reference(&report).as_deref(),
        Some(
            "reference   binary cross-entropy, the loss in nats; A: predictions (m, n_y), \
             Y: labels (m,), m: samples"
        )
    );
    let report = run(
        "-np.sum(Y*np.log(A) + (1-Y)*np.log(1-A))/m",
        &CheckOptions::new(Kind::Binary),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        reference(&report).as_deref(),
        Some(
            "reference   binary cross-entropy, the loss in nats; A: predictions (n_y, m), \
             Y: labels (n_y, m), m: samples"
        )
    );
}

#[test]
fn a_base_without_a_unit_of_its_own_is_named() {
    let base: xent_core::LogBase = "0.5".parse().expect("a base");
    let options = CheckOptions::new(Kind::Binary).with_base(base);
    let report = run("-np.sum(Y*np.log(A) + (1-Y)*np.log(1-A))/m", &options)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        report.render_text().contains("the loss in base-0.5 units"),
        "{}",
        report.render_text()
    );
    assert_eq!(report.to_json()["unit"], "base-0.5 units");
}
