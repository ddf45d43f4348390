//! `check`: the symbolic pass, the numeric runs, the reference, the verdict.

use std::collections::HashMap;

use nalgebra::DMatrix;
use xent_core::{Kind, LogBase};

use crate::ast::{ExprKind, Program};
use crate::diagnosis::{
    self, Diagnosis, Features, Measured, Outcome, RunView, Vocabulary, format_short, format_value,
};
use crate::error::{ExprError, Span};
use crate::eval::{self, Culprit, NanOrigin, Val};
use crate::infer::{self, NodeShape};
use crate::names::{self, Role};
use crate::problems::{self, Case, Probe, Quantity};
use crate::shape::{Dim, Shape, Ty};
use crate::tolerance::DEFAULT_SEED;

/// Predictions and labels (or targets) to check an expression on, **columns are samples**
/// (the documents' `(n_y, m)` layout), the reference's view; the expression sees
/// [`Inputs::user`] instead when the arrays were given in the user's own shapes
/// ([`CheckOptions::with_user_arrays`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Inputs {
    /// `A` (binary) or `Q` (categorical), `n_y × m` or `k × m`.
    pub predictions: DMatrix<f64>,
    /// `Y` (binary) or `P` (categorical), the same shape (one-hot when `classes` is given).
    pub labels: DMatrix<f64>,
    /// One class index per sample (categorical), when the targets were given that way: the
    /// values of the names `y` and `classes`.
    pub classes: Option<Vec<usize>>,
    /// The predictions and labels (or one-hot targets) exactly as the user's numpy holds
    /// them (1-D or 2-D, samples along either axis): what the expression is evaluated on.
    /// `None`: the expression sees `predictions` and `labels`.
    pub user: Option<(UserArray, UserArray)>,
}

/// An array as numpy holds it, in the user's shape: 1-D (`(n,)`) or 2-D (`(r, c)`, with
/// the axis that holds the samples).
#[derive(Debug, Clone, PartialEq)]
pub struct UserArray {
    /// The entries; a 1-D array is held as an `n × 1` column.
    data: DMatrix<f64>,
    /// Whether it is 1-D.
    one_d: bool,
    /// Which axis of a 2-D array holds the samples.
    samples: SamplesAxis,
}

impl UserArray {
    /// A 1-D array `(n,)`.
    pub fn vector(values: Vec<f64>) -> Self {
        UserArray {
            data: DMatrix::from_vec(values.len(), 1, values),
            one_d: true,
            samples: SamplesAxis::Cols,
        }
    }

    /// A 2-D array `(r, c)` whose `samples` axis holds the samples.
    pub fn matrix(data: DMatrix<f64>, samples: SamplesAxis) -> Self {
        UserArray {
            data,
            one_d: false,
            samples,
        }
    }

    /// Its numpy shape: `[n]` or `[r, c]`.
    pub fn shape(&self) -> Vec<usize> {
        if self.one_d {
            vec![self.data.nrows()]
        } else {
            vec![self.data.nrows(), self.data.ncols()]
        }
    }

    /// The documents' `(outputs, samples)` view of it: a 1-D array is `m` samples of one
    /// output (binary) or one distribution over `k` classes (categorical); a 2-D array is
    /// transposed when its rows are the samples.
    fn reference_view(&self, kind: Kind) -> DMatrix<f64> {
        match (self.one_d, kind, self.samples) {
            (true, Kind::Binary, _) | (false, _, SamplesAxis::Rows) => self.data.transpose(),
            (true, Kind::Categorical, _) | (false, _, SamplesAxis::Cols) => self.data.clone(),
        }
    }

    /// The user's array of the same layout as `self` holding `view`, the documents'
    /// view of an array of this shape (one-hot targets from class indices).
    fn like_this(&self, view: DMatrix<f64>, kind: Kind) -> Self {
        let data = match (self.one_d, kind, self.samples) {
            (true, Kind::Binary, _) | (false, _, SamplesAxis::Rows) => view.transpose(),
            _ => view,
        };
        UserArray {
            data,
            one_d: self.one_d,
            samples: self.samples,
        }
    }

    fn val(&self) -> Val {
        Val::input(&self.data, self.one_d)
    }

    /// Its shape for general sizes, in its own layout: `(n_y, m)` or `(m, n_y)`; 1-D, `(m,)`
    /// (binary) or `(k,)` (categorical, one sample).
    fn symbolic(&self, kind: Kind, rows: &'static str) -> Shape {
        let (r, m) = (Dim::Sym(rows), Dim::Sym("m"));
        Shape(match (self.one_d, kind, self.samples) {
            (true, Kind::Binary, _) => vec![m],
            (true, Kind::Categorical, _) => vec![r],
            (false, _, SamplesAxis::Cols) => vec![r, m],
            (false, _, SamplesAxis::Rows) => vec![m, r],
        })
    }
}

/// Which axis of the user's 2-D arrays holds the samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SamplesAxis {
    /// Each row is a sample: `(m, n_y)` (PyTorch, Keras).
    Rows,
    /// Each column is a sample: `(n_y, m)`, the documents' layout.
    Cols,
}

/// How to check an expression.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckOptions {
    /// Binary (`A`, `Y`) or categorical (`Q`, `P`) cross-entropy.
    pub kind: Kind,
    /// Concrete inputs; `None` runs the seeded suite (the documents' example, random
    /// problems of several sizes with `n_y > 1`, and the probes of the edges).
    pub inputs: Option<Inputs>,
    /// What the expression is compared with: the loss (default) or the log-likelihood.
    pub quantity: Quantity,
    /// The log base of the reference (default `e`: nats).
    pub base: LogBase,
    /// Seed of the random problems.
    pub seed: u64,
    /// Whether the predictions are logits (`z`, `Z`, `logits` in the expression): the
    /// reference is `xent_core`'s from-logits loss, the suite's problems are given as logits.
    pub from_logits: bool,
    /// Whether messages show the expression's own values (computed with the platform's
    /// `ln`, so their last digits may differ between machines). Without, they say where the
    /// value stands against the oracle's, in ulps of the bound: what a report that must read
    /// the same on every platform (the verifier's) prints.
    pub values: bool,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            kind: Kind::Binary,
            inputs: None,
            quantity: Quantity::Loss,
            base: LogBase::E,
            seed: DEFAULT_SEED,
            from_logits: false,
            values: true,
        }
    }
}

impl CheckOptions {
    /// Options for `kind`, on the seeded suite, against the loss in nats.
    pub fn new(kind: Kind) -> Self {
        CheckOptions {
            kind,
            ..CheckOptions::default()
        }
    }

    /// The same, on concrete inputs (columns are samples).
    pub fn with_inputs(mut self, predictions: DMatrix<f64>, labels: DMatrix<f64>) -> Self {
        self.inputs = Some(Inputs {
            predictions,
            labels,
            classes: None,
            user: None,
        });
        self
    }

    /// The same, on the arrays exactly as the user's numpy holds them (a 1-D file is 1-D;
    /// each 2-D array says which of its axes holds the samples): the expression is
    /// evaluated on them unchanged, so its shapes are numpy's (broadcasting included), and
    /// the reference reads them in the documents' `(outputs, samples)` layout. Set the kind
    /// ([`CheckOptions::new`]) first: it decides what a 1-D array is.
    pub fn with_user_arrays(mut self, predictions: UserArray, labels: UserArray) -> Self {
        self.inputs = Some(Inputs {
            predictions: predictions.reference_view(self.kind),
            labels: labels.reference_view(self.kind),
            classes: None,
            user: Some((predictions, labels)),
        });
        self
    }

    /// [`CheckOptions::with_classes`] on predictions as the user's numpy holds them: the
    /// expression sees them unchanged and the one-hot targets `P` in the same layout.
    pub fn with_user_classes(mut self, predictions: UserArray, classes: Vec<usize>) -> Self {
        let view = predictions.reference_view(self.kind);
        let labels = one_hot(&view, &classes).unwrap_or_else(|_| DMatrix::zeros(0, 0));
        let user_labels = predictions.like_this(labels.clone(), self.kind);
        self.inputs = Some(Inputs {
            predictions: view,
            labels,
            classes: Some(classes),
            user: Some((predictions, user_labels)),
        });
        self
    }

    /// The same, on concrete predictions (columns are samples) and one class index per
    /// sample (categorical): the targets are their one-hot columns, and the expression may
    /// read the indices as `y` or `classes`. Invalid indices are reported by [`check`].
    pub fn with_classes(mut self, predictions: DMatrix<f64>, classes: Vec<usize>) -> Self {
        let labels = one_hot(&predictions, &classes).unwrap_or_else(|_| DMatrix::zeros(0, 0));
        self.inputs = Some(Inputs {
            predictions,
            labels,
            classes: Some(classes),
            user: None,
        });
        self
    }

    /// The same, with the predictions (given or drawn) as logits.
    pub fn with_from_logits(mut self, from_logits: bool) -> Self {
        self.from_logits = from_logits;
        self
    }

    /// The same, compared with `quantity`.
    pub fn with_quantity(mut self, quantity: Quantity) -> Self {
        self.quantity = quantity;
        self
    }

    /// The same, with the reference in `base`.
    pub fn with_base(mut self, base: LogBase) -> Self {
        self.base = base;
        self
    }
}

/// The symbolic shapes of an expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Symbolic {
    /// The result's shape, e.g. `(n_y, n_y)`.
    pub shape: Shape,
    /// The result's Python type.
    pub ty: Ty,
    /// Products, conversions and statements, with their shapes.
    pub nodes: Vec<NodeShape>,
}

/// The expression evaluated on one problem, beside the reference.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// Which problem.
    pub problem: String,
    /// `n_y` or `k`.
    pub rows: usize,
    /// `m`.
    pub samples: usize,
    /// Whether every label is 0 or 1.
    pub hard: bool,
    /// Which probe, if it is one.
    pub probe: Option<Probe>,
    /// The result's concrete shape (empty when numpy raised).
    pub shape: Shape,
    /// The result's Python type.
    pub ty: Option<Ty>,
    /// The result when it has one element.
    pub value: Option<f64>,
    /// The bound on the expression's own evaluation error (running error analysis).
    pub expression_bound: Option<f64>,
    /// The definition's value, correctly rounded (`xent-oracle`).
    pub reference: f64,
    /// `xent_core::ErrorBound` of the problem: what every formulation is held to.
    pub reference_bound: f64,
    /// Distance between value and reference in ulps.
    pub ulps: Option<u64>,
    /// `B_ref + B_expr` in ulps of the reference.
    pub bound_ulps: Option<u64>,
    /// What the run found.
    pub outcome: Outcome,
    /// One line on what the run found.
    pub detail: String,
    /// Where the first NaN appeared.
    pub nan: Option<NanOrigin>,
    /// Where digits were lost.
    pub culprit: Option<Culprit>,
}

impl Run {
    /// The problem and its size: `random, hard labels (3, 5)`.
    pub fn name(&self) -> String {
        format!("{} ({}, {})", self.problem, self.rows, self.samples)
    }
}

/// Everything a check found: shapes, runs, the verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckReport {
    /// The program's source.
    pub source: String,
    /// The kind of cross-entropy.
    pub kind: Kind,
    /// What it was compared with.
    pub quantity: Quantity,
    /// The log base of the reference.
    pub base: LogBase,
    /// The name the result is assigned to, if any.
    pub result_name: Option<String>,
    /// The free names the program reads, with their roles.
    pub inputs: Vec<(String, Role)>,
    /// The arrays among them with their shapes for general sizes, as the expression sees
    /// them: `(n_y, m)`, or the user's own layout (`(m, n_y)` one row per sample, `(m,)`).
    pub input_shapes: Vec<(String, Shape)>,
    /// Whether the runs were on concrete inputs (given, or the program's own arrays).
    pub concrete: bool,
    /// Symbolic shapes (`None` when numpy would refuse general sizes but accepted these).
    pub symbolic: Option<Symbolic>,
    /// Concrete shapes on the given inputs.
    pub concrete_nodes: Vec<NodeShape>,
    /// One run per problem.
    pub runs: Vec<Run>,
    /// The verdict.
    pub verdict: Diagnosis,
    /// Remarks: conditions for one element, removed functions, refusals for other sizes.
    pub notes: Vec<String>,
    /// On given inputs, what the verdict owes to their sizes: `n_y = 1` here, but for general
    /// sizes the result is an `(n_y, n_y)` array.
    pub caveat: Option<String>,
    /// When the expression is the loss of a perturbed input (`A + 1e-9`, a clip inside the
    /// logarithm) and nothing else: the perturbation, and its measured effect on the loss.
    pub perturbation: Option<String>,
}

impl CheckReport {
    /// Whether the verdict is `equal`.
    pub fn equal(&self) -> bool {
        self.verdict.is_equal()
    }

    /// The verdict's lines, with the caveat of the given inputs' sizes when there is one:
    /// what a CLI prints as the verdict.
    pub fn verdict_lines(&self) -> Vec<String> {
        let mut lines = self.verdict.lines();
        lines.extend(self.caveat.clone());
        lines.extend(self.perturbation.clone());
        lines
    }

    /// The first run's value (the given inputs, or the documents' example).
    pub fn value(&self) -> Option<f64> {
        self.runs.first().and_then(|r| r.value)
    }

    /// The first run's reference.
    pub fn reference(&self) -> Option<f64> {
        self.runs.first().map(|r| r.reference)
    }

    /// The result's shape: concrete for concrete inputs, else symbolic.
    pub fn shape(&self) -> Option<Shape> {
        if self.concrete {
            self.runs.first().map(|r| r.shape.clone())
        } else {
            self.symbolic.as_ref().map(|s| s.shape.clone())
        }
    }

    /// The result's Python type (first run).
    pub fn ty(&self) -> Option<Ty> {
        self.runs
            .first()
            .and_then(|r| r.ty)
            .or_else(|| self.symbolic.as_ref().map(|s| s.ty))
    }
}

/// The symbolic shapes and types of `program` alone (no numbers): inputs `(n_y, m)` for
/// binary, `(k, m)` for categorical, `(k,)` for the one-sample names `p`, `q`.
///
/// ```
/// use xent_core::Kind;
/// let program = xent_expr::parse("np.dot(np.log(A), Y.T)")?;
/// let s = xent_expr::shapes(&program, Kind::Binary)?;
/// assert_eq!(s.shape.to_string(), "(n_y, n_y)");
/// assert_eq!(s.shape.one_element().condition().as_deref(), Some("n_y = 1"));
/// # Ok::<(), xent_expr::ExprError>(())
/// ```
pub fn shapes(program: &Program, kind: Kind) -> Result<Symbolic, ExprError> {
    let rows = Vocabulary::of(kind).rows;
    let env = program
        .free_names()
        .into_iter()
        .filter_map(|n| names::role(&n).map(|r| (n, symbolic_binding(r, rows))))
        .collect();
    let inputs: Vec<(String, Role)> = program
        .free_names()
        .into_iter()
        .filter_map(|n| names::role(&n).map(|r| (n, r)))
        .collect();
    let s = infer::infer(
        program,
        env,
        size_names(&inputs, Dim::Sym(rows), Dim::Sym("m")),
    )?;
    Ok(Symbolic {
        shape: s.result.shape,
        ty: s.result.ty,
        nodes: s.nodes,
    })
}

/// Checks `program` against the definition of cross-entropy.
///
/// With inputs, one run on them; without, the seeded suite. numpy's refusals are errors
/// ([`ExprError::Numpy`]) when numpy refuses every size (the symbolic pass) or the given
/// inputs; a wrong loss is a verdict, not an error.
pub fn check(program: &Program, options: &CheckOptions) -> Result<CheckReport, ExprError> {
    let kind = options.kind;
    let vocab = Vocabulary::of(kind);
    let free = program.free_names();
    let mut inputs: Vec<(String, Role)> = free
        .iter()
        .filter_map(|n| names::role(n).map(|r| (n.clone(), r)))
        .collect();
    inputs.sort_by_key(|(_, r)| *r as u8);
    let one_sample = inputs.iter().any(|(_, r)| r.is_one_sample());

    let uses = |f: fn(&Role) -> bool| inputs.iter().find(|(_, r)| f(r)).map(|(n, _)| n.clone());
    let binding = |name: &str, message: String| ExprError::Binding {
        message,
        span: first_use(program, name),
    };
    if let Some(n) = uses(|r| *r == Role::Logits)
        && !options.from_logits
    {
        return Err(binding(
            &n,
            format!(
                "`{n}` names logits: check from logits (CheckOptions::with_from_logits, the \
                 CLI's --from-logits), or write the probabilities A, Q"
            ),
        ));
    }
    if let Some(n) = uses(|r| r.is_predictions())
        && options.from_logits
    {
        return Err(binding(
            &n,
            format!(
                "from logits, the inputs are the logits z, Z or logits: compute `{n}` from \
                 them in the expression (e.g. `{n} = np.exp(Z) / np.sum(np.exp(Z), axis=0)`)"
            ),
        ));
    }
    let uses_classes = uses(|r| *r == Role::ClassIndices);
    if let Some(n) = &uses_classes
        && kind == Kind::Binary
    {
        return Err(binding(
            n,
            format!("`{n}` is one class index per sample: that is a categorical problem"),
        ));
    }

    let own = own_inputs(program)?;
    let concrete_problem = match (&own, &options.inputs) {
        (Some(_), Some(_)) => {
            return Err(ExprError::Binding {
                message: "the program assigns its own inputs with np.array; check it without \
                          separate inputs, or remove those assignments"
                    .into(),
                span: Span::new(0, 0),
            });
        }
        (Some(p), None) => Some(p.clone()),
        (None, Some(i)) => {
            let labels = match &i.classes {
                Some(c) => one_hot(&i.predictions, c)?,
                None => i.labels.clone(),
            };
            let mut p = Case::given("the given inputs", i.predictions.clone(), labels);
            p.classes = i.classes.clone();
            p.from_logits = options.from_logits;
            Some(p)
        }
        (None, None) => None,
    };
    let concrete = concrete_problem.is_some();
    let mut notes = Vec::new();

    // The symbolic pass.
    let symbolic_env: HashMap<String, (Shape, Ty)> = inputs
        .iter()
        .map(|(n, r)| {
            // The user's arrays keep their own layout for general sizes too.
            let user = options.inputs.as_ref().and_then(|i| i.user.as_ref());
            let binding = match (r, user) {
                (Role::Predictions | Role::Logits, Some((a, _))) => {
                    (a.symbolic(kind, vocab.rows), Ty::NdArray)
                }
                (Role::Labels, Some((_, y))) => (y.symbolic(kind, vocab.rows), Ty::NdArray),
                _ => symbolic_binding(*r, vocab.rows),
            };
            (n.clone(), binding)
        })
        .collect();
    // Each array's shape for general sizes, in the layout the expression sees.
    let input_shapes: Vec<(String, Shape)> = inputs
        .iter()
        .filter(|(_, r)| !matches!(r, Role::Samples | Role::Rows))
        .filter_map(|(n, _)| symbolic_env.get(n).map(|(s, _)| (n.clone(), s.clone())))
        .collect();
    let symbolic_sizes = size_names(&inputs, Dim::Sym(vocab.rows), Dim::Sym("m"));
    let symbolic = match infer::infer(program, symbolic_env, symbolic_sizes) {
        Ok(s) => {
            notes.extend(s.notes.iter().cloned());
            Some(Symbolic {
                shape: s.result.shape,
                ty: s.result.ty,
                nodes: s.nodes,
            })
        }
        Err(e) if concrete && e.is_numpy_rejection() => {
            notes.push(format!("for general sizes numpy refuses it: {e}"));
            None
        }
        Err(e) => return Err(e),
    };

    let problems = match &concrete_problem {
        Some(p) => vec![p.clone()],
        None => {
            let mut suite = problems::suite(kind, one_sample, options.seed);
            if options.from_logits {
                suite = problems::as_logits(kind, suite);
            }
            if uses_classes.is_some() {
                // Class indices exist only where the targets are one-hot.
                suite.retain(|p| p.class_indices().is_some());
            }
            suite
        }
    };

    let mut concrete_nodes = Vec::new();
    let mut runs = Vec::new();
    let mut first_refusal = None;
    for problem in &problems {
        let user = options.inputs.as_ref().and_then(|i| i.user.as_ref());
        let env = numeric_binding(
            &inputs,
            problem,
            user.filter(|_| concrete),
            concrete,
            program,
        )?;
        if concrete {
            let shapes = env
                .iter()
                .map(|(n, v)| (n.clone(), (v.shape(), v.ty)))
                .collect();
            let sizes = size_names(
                &inputs,
                Dim::Fixed(problem.rows()),
                Dim::Fixed(problem.samples()),
            );
            if let Ok(c) = infer::infer(program, shapes, sizes) {
                concrete_nodes = c.nodes;
            }
        }
        let reference = problems::reference(kind, problem, options.quantity, options.base)?;
        let run = match eval::evaluate(program, env) {
            Ok(evaluated) => classify(problem, &evaluated, reference, options),
            Err(e) if e.is_numpy_rejection() && !concrete => {
                let detail = e.to_string();
                first_refusal.get_or_insert(e);
                Run {
                    problem: problem.label.clone(),
                    rows: problem.rows(),
                    samples: problem.samples(),
                    hard: problem.hard,
                    probe: problem.probe,
                    shape: Shape::default(),
                    ty: None,
                    value: None,
                    expression_bound: None,
                    reference: reference.value,
                    reference_bound: reference.bound,
                    ulps: None,
                    bound_ulps: None,
                    outcome: Outcome::Rejected,
                    detail,
                    nan: None,
                    culprit: None,
                }
            }
            Err(e) => return Err(e),
        };
        runs.push(run);
    }
    if let Some(e) = first_refusal
        && runs
            .iter()
            .filter(|r| r.probe.is_none())
            .all(|r| r.outcome == Outcome::Rejected)
    {
        return Err(e);
    }

    let not_one_number = match (
        &symbolic,
        runs.iter().find(|r| r.outcome == Outcome::NotOneNumber),
    ) {
        (Some(s), _) if !concrete => {
            format!(
                "the result is an array of shape {}, not one number",
                s.shape
            )
        }
        (_, Some(r)) => format!(
            "the result is an array of shape {}, not one number",
            r.shape
        ),
        _ => "the result is not one number".into(),
    };
    let views: Vec<RunView> = runs
        .iter()
        .zip(&problems)
        .map(|(r, p)| RunView {
            features: Features {
                rows: r.rows,
                samples: r.samples,
                hard: r.hard,
            },
            probe: r.probe.is_some(),
            outcome: r.outcome,
            measured: r.value.map(|value| Measured {
                value,
                expression_bound: r.expression_bound.unwrap_or(0.0),
                reference: r.reference,
                reference_bound: r.reference_bound,
            }),
            detail: format!("on {}: {}", r.name(), r.detail),
            bare: r.detail.clone(),
            name: r.name(),
            zero_log_zero: r
                .nan
                .as_ref()
                .filter(|n| n.zero_times_infinity && r.outcome == Outcome::Nan)
                .and_then(|n| locate_zero_log_zero(p, n, vocab)),
        })
        .collect();
    let mut verdict =
        diagnosis::aggregate(&views, vocab, options.quantity.as_str(), &not_one_number);
    if let Diagnosis::ZeroLogZero { interval, .. } = &mut verdict {
        *interval = inputs
            .iter()
            .find(|(_, r)| r.is_predictions())
            .map(|(n, _)| format!("0 < {n} < 1"));
    }
    let caveat = match (&symbolic, concrete) {
        (Some(s), true) => s.shape.one_element().condition().map(|c| {
            format!(
                "on these inputs only: for general sizes the result has shape {}, one number \
                 only when {c}",
                s.shape
            )
        }),
        _ => None,
    };

    let mut report = CheckReport {
        source: program.source().to_owned(),
        kind,
        quantity: options.quantity,
        base: options.base,
        result_name: program.result_name().map(str::to_owned),
        inputs,
        input_shapes,
        concrete,
        symbolic,
        concrete_nodes,
        runs,
        verdict,
        notes,
        caveat,
        perturbation: None,
    };
    // A guard on the logarithm (`A + 1e-9`, a clip): is it all that differs?
    if !report.equal()
        && let Some((unguarded, guards)) = crate::perturb::strip(program)
        && let Ok(without) = check(&unguarded, options)
    {
        report.perturbation = crate::perturb::diagnose(&report, &without, &guards);
    }
    Ok(report)
}

/// The symbolic shape and type of an input name.
fn symbolic_binding(role: Role, rows: &'static str) -> (Shape, Ty) {
    match role {
        Role::Predictions | Role::Labels => {
            (Shape(vec![Dim::Sym(rows), Dim::Sym("m")]), Ty::NdArray)
        }
        Role::SamplePredictions | Role::SampleLabels => (Shape(vec![Dim::Sym(rows)]), Ty::NdArray),
        Role::Samples | Role::Rows => (Shape(vec![]), Ty::Int),
        Role::Logits => (Shape(vec![Dim::Sym(rows), Dim::Sym("m")]), Ty::NdArray),
        Role::ClassIndices => (Shape(vec![Dim::Sym("m")]), Ty::NdArray),
    }
}

/// The dimensions the size names stand for: symbols, or a problem's numbers.
fn size_names(inputs: &[(String, Role)], rows: Dim, samples: Dim) -> HashMap<String, Dim> {
    inputs
        .iter()
        .filter_map(|(n, r)| match r {
            Role::Samples => Some((n.clone(), samples)),
            Role::Rows => Some((n.clone(), rows)),
            _ => None,
        })
        .collect()
}

/// The values of the free input names on one problem.
fn numeric_binding(
    inputs: &[(String, Role)],
    problem: &Case,
    user: Option<&(UserArray, UserArray)>,
    concrete: bool,
    program: &Program,
) -> Result<HashMap<String, Val>, ExprError> {
    let mut env = HashMap::new();
    for (name, role) in inputs {
        let v = match (role, user) {
            (Role::Predictions | Role::Logits, Some((a, _))) => a.val(),
            (Role::Labels, Some((_, y))) => y.val(),
            (role, _) => match role {
                Role::Predictions => Val::input(&problem.predictions, false),
                Role::Labels => Val::input(&problem.labels, false),
                Role::SamplePredictions | Role::SampleLabels => {
                    if problem.samples() != 1 {
                        let span = first_use(program, name);
                        let upper = if role.is_predictions() { "Q" } else { "P" };
                        return Err(ExprError::Binding {
                            message: format!(
                                "`{name}` is one sample (a 1-D array, as the documents write it), \
                             but the {} hold m = {} samples: use `{upper}`",
                                if concrete { "inputs" } else { "problems" },
                                problem.samples()
                            ),
                            span,
                        });
                    }
                    let m = if role.is_predictions() {
                        &problem.predictions
                    } else {
                        &problem.labels
                    };
                    Val::input(m, true)
                }
                Role::Samples => Val::scalar(problem.samples() as f64, 0.0, Ty::Int),
                Role::Rows => Val::scalar(problem.rows() as f64, 0.0, Ty::Int),
                Role::Logits => Val::input(&problem.predictions, false),
                Role::ClassIndices => match problem.class_indices() {
                    Some(c) => Val::integers(c.into_iter()),
                    None => {
                        return Err(ExprError::Binding {
                            message: format!(
                                "`{name}` is one class index per sample, but the targets of {} are \
                             not one-hot",
                                problem.label
                            ),
                            span: first_use(program, name),
                        });
                    }
                },
            },
        };
        env.insert(name.clone(), v);
    }
    Ok(env)
}

fn first_use(program: &Program, name: &str) -> Span {
    let mut found = None;
    for s in program.statements() {
        s.expr.visit(&mut |e| {
            if found.is_none()
                && let ExprKind::Name(n) = &e.kind
                && n == name
            {
                found = Some(e.span);
            }
        });
    }
    found.unwrap_or_default()
}

/// Inputs the program assigns itself from literals (`Y = np.array([[1, 0, …]])`), as the
/// documents do: the problem they define.
fn own_inputs(program: &Program) -> Result<Option<Case>, ExprError> {
    let mut predictions: Option<(String, DMatrix<f64>, Span)> = None;
    let mut labels: Option<(String, DMatrix<f64>, Span)> = None;
    for s in program.statements() {
        let Some((name, span)) = &s.target else {
            continue;
        };
        let Some(role) = names::role(name)
            .filter(|r| r.is_array() && !matches!(r, Role::Logits | Role::ClassIndices))
        else {
            continue;
        };
        let ExprKind::Array { dims, values } = &s.expr.kind else {
            continue;
        };
        let matrix = match dims.as_slice() {
            [n] => DMatrix::from_column_slice(*n, 1, values),
            [r, c] => DMatrix::from_row_slice(*r, *c, values),
            _ => {
                return Err(ExprError::Binding {
                    message: format!("`{name}` must be a 1-D or 2-D array"),
                    span: *span,
                });
            }
        };
        let slot = if role.is_predictions() {
            &mut predictions
        } else {
            &mut labels
        };
        *slot = Some((name.clone(), matrix, *span));
    }
    match (predictions, labels) {
        (None, None) => Ok(None),
        (Some((_, a, _)), Some((_, y, _))) => Ok(Some(Case::given("the program's arrays", a, y))),
        (Some((name, _, span)), None) | (None, Some((name, _, span))) => Err(ExprError::Binding {
            message: format!(
                "the program assigns `{name}` but not its {}: give both arrays",
                if names::role(&name).is_some_and(Role::is_predictions) {
                    "labels (Y, P or p)"
                } else {
                    "predictions (A, A2, AL, Q or q)"
                }
            ),
            span,
        }),
    }
}

/// The run's outcome and its one-line detail.
fn classify(
    problem: &Case,
    evaluated: &eval::Evaluated,
    reference: problems::Reference,
    options: &CheckOptions,
) -> Run {
    let quantity = options.quantity;
    let value = &evaluated.value;
    let single = value.single();
    let measured = single.map(|(v, e)| Measured {
        value: v,
        expression_bound: e,
        reference: reference.value,
        reference_bound: reference.bound,
    });
    let outcome = match measured {
        None => Outcome::NotOneNumber,
        Some(m) if m.value.is_nan() => Outcome::Nan,
        Some(m) => m.outcome(),
    };
    let q = quantity.as_str();
    let detail = match (outcome, measured) {
        (Outcome::Equal, Some(m)) => format!("equal (within {} ulps)", m.bound_ulps()),
        (Outcome::Inaccurate, Some(m)) => {
            let rel = (m.value - m.reference).abs() / m.reference.abs();
            let rel = if rel >= 0.01 {
                format!("{}%", format_short(rel * 100.0))
            } else {
                format_short(rel)
            };
            let mut s = if options.values {
                format!(
                    "{} where the {q} is {}: relative error {rel}, about {} ulps, where every \
                     formulation is held to {} ulps",
                    format_value(m.value),
                    format_value(m.reference),
                    format_short(m.distance_ulps() as f64),
                    m.accuracy_ulps()
                )
            } else {
                format!(
                    "outside the {} ulps every formulation is held to of the {q}, {} (the \
                     oracle's)",
                    m.accuracy_ulps(),
                    format_value(m.reference)
                )
            };
            if let Some(c) = &evaluated.culprit {
                s.push_str(&format!("; the digits are lost at `{}`", c.text));
                if let Some(h) = &c.hint {
                    s.push_str(&format!(": {h}"));
                }
            }
            s
        }
        (Outcome::Differs, Some(m)) if options.values => format!(
            "{} where the {q} is {}",
            format_value(m.value),
            format_value(m.reference)
        ),
        (Outcome::Differs, Some(m)) => format!(
            "outside its bound of the {q}, {} (the oracle's)",
            format_value(m.reference)
        ),
        (Outcome::Nan, _) => match &evaluated.nan {
            Some(n) => {
                let mut s = format!("NaN, first at `{}`", n.text);
                if !n.index.is_empty() {
                    let idx: Vec<String> = n.index.iter().map(ToString::to_string).collect();
                    s.push_str(&format!("[{}]", idx.join(", ")));
                }
                s.push_str(&format!(": {}", n.cause));
                if let Some(t) = n.term {
                    s.push_str(&format!(" (term {t} of the sum)"));
                }
                s
            }
            None => "NaN".into(),
        },
        _ => format!("the result has shape {}: not one number", value.shape()),
    };
    Run {
        problem: problem.label.clone(),
        rows: problem.rows(),
        samples: problem.samples(),
        hard: problem.hard,
        probe: problem.probe,
        shape: value.shape(),
        ty: Some(value.ty),
        value: single.map(|(v, _)| v),
        expression_bound: single.map(|(_, e)| e),
        reference: reference.value,
        reference_bound: reference.bound,
        ulps: measured.map(|m| m.distance_ulps()),
        bound_ulps: measured.map(|m| m.bound_ulps()),
        outcome,
        detail,
        nan: evaluated.nan.clone(),
        culprit: evaluated.culprit.clone(),
    }
}

/// Which `0 · ln 0` a NaN is: `a label is 0 and its prediction is 0` (under `Y · ln A`) or
/// `a label is 1 and its prediction is 1` (under `(1 − Y) · ln(1 − A)`), found at the NaN's
/// entry when it maps to one of the problem's, else anywhere in the problem.
fn locate_zero_log_zero(problem: &Case, nan: &NanOrigin, v: Vocabulary) -> Option<String> {
    let (rows, m) = (problem.rows(), problem.samples());
    let mut candidates: Vec<(usize, usize)> = Vec::new();
    match (nan.index.as_slice(), nan.term) {
        (idx, Some(t)) => {
            for &c in idx {
                candidates.push((c, t));
                candidates.push((t, c));
            }
            candidates.extend((0..rows).map(|r| (r, t)));
        }
        (&[i, j], None) => candidates.extend([(i, j), (j, i)]),
        (&[i], None) => candidates.extend([(i, 0), (0, i)]),
        _ => {}
    }
    let all = (0..rows).flat_map(|r| (0..m).map(move |s| (r, s)));
    let phrase = |label: f64| format!("a {} is {label} and its prediction is {label}", v.label);
    let kind_at = |(r, s): (usize, usize)| -> Option<f64> {
        if r >= rows || s >= m {
            return None;
        }
        let (l, a) = (problem.labels[(r, s)], problem.predictions[(r, s)]);
        ((l == 0.0 && a == 0.0) || (l == 1.0 && a == 1.0)).then_some(l)
    };
    candidates
        .into_iter()
        .find_map(kind_at)
        .or_else(|| all.clone().find_map(|p| kind_at(p).filter(|&l| l == 0.0)))
        .or_else(|| all.clone().find_map(kind_at))
        .map(phrase)
}

/// The one-hot targets of one class index per sample, the indices validated by `xent-core`
/// (one per sample, each below the number of classes): what numpy code builds from them.
fn one_hot(
    predictions: &DMatrix<f64>,
    classes: &[usize],
) -> Result<DMatrix<f64>, xent_core::Error> {
    let indices: Vec<u64> = classes.iter().map(|&c| c as u64).collect();
    // As logits, the predictions are only required to be finite: the indices are what is
    // checked here, the predictions by the reference.
    let problem = xent_core::Unvalidated::categorical(
        predictions.into(),
        xent_core::Targets::classes(&indices),
        true,
    )?
    .validate_categorical(false, false)?;
    let (k, m) = (predictions.nrows(), predictions.ncols());
    Ok(DMatrix::from_fn(k, m, |r, c| problem.target(r, c)))
}
