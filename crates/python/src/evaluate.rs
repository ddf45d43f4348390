//! `binary` and `categorical`: the production path of the registry on borrowed arrays,
//! every formulation on request (`compare`), the conventions of `xent-core`.
//!
//! Everything between validation and the last evaluation runs without the GIL.

use std::time::Instant;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use xent_core::ulp::ulp_distance;
use xent_core::{
    Array, Convention, ConventionOptions, Conventional, Error, Evaluation, Kind, LogBase,
    Precision, Reduction, Targets, Unvalidated, Weights,
};

use crate::arrays::{self, OneD, Placement, Places};

/// The caller's arrays, borrowed, before any check of their entries.
#[derive(Debug, Clone, Copy)]
enum Raw<'a> {
    Binary {
        pred: Array<'a>,
        labels: Array<'a>,
    },
    Categorical {
        pred: Array<'a>,
        targets: Targets<'a>,
    },
}

impl<'a> Raw<'a> {
    fn kind(&self) -> Kind {
        match self {
            Raw::Binary { .. } => Kind::Binary,
            Raw::Categorical { .. } => Kind::Categorical,
        }
    }

    fn unvalidated(&self, logits: bool) -> Result<Unvalidated<'a>, Error> {
        match *self {
            Raw::Binary { pred, labels } => Unvalidated::binary(pred, labels, logits),
            Raw::Categorical { pred, targets } => Unvalidated::categorical(pred, targets, logits),
        }
    }

    fn conventional(
        &self,
        convention: Convention,
        options: &ConventionOptions,
        weighting: xent_core::Weighting<'a>,
    ) -> Result<Conventional<'a>, Error> {
        let here = xent_core::OutputsSamples;
        match *self {
            Raw::Binary { pred, labels } => {
                convention.binary_weighted(pred, labels, options, weighting, &here)
            }
            Raw::Categorical { pred, targets } => {
                convention.categorical_weighted(pred, targets, options, weighting, &here)
            }
        }
    }
}

/// What the caller asked for.
#[derive(Debug, Clone, Copy)]
struct Request {
    base: LogBase,
    /// `None`: every convention (`convention="all"`).
    convention: Option<Convention>,
    options: ConventionOptions,
    compare: bool,
}

/// One formulation's result.
struct Row {
    name: &'static str,
    style: xent_core::Style,
    evaluation: Evaluation,
    value: f64,
    bound: f64,
}

/// One convention's result under `convention="all"`.
struct ConventionRow {
    convention: Convention,
    result: Result<(f64, Applied), Error>,
}

/// What a convention did, without its problem.
struct Applied {
    divisor: usize,
    /// What the sum is divided by under the reduction (the divisor without weights).
    denominator: f64,
    divisor_reason: String,
    changes: Vec<String>,
    warnings: Vec<String>,
}

impl Applied {
    fn of(c: &Conventional<'_>) -> Self {
        Applied {
            divisor: c.divisor,
            denominator: c.denominator,
            divisor_reason: c.divisor_reason.clone(),
            changes: c.changes.clone(),
            warnings: c.warnings.clone(),
        }
    }

    fn exact(m: usize) -> Self {
        Applied {
            divisor: m,
            denominator: m as f64,
            divisor_reason: format!("mean over {m} samples"),
            changes: Vec::new(),
            warnings: Vec::new(),
        }
    }
}

struct Computed {
    samples: usize,
    outputs: usize,
    value: f64,
    value_from: &'static str,
    applied: Applied,
    rows: Vec<Row>,
    agree: Option<bool>,
    max_ulps: Option<u64>,
    conventions: Vec<ConventionRow>,
    /// Validation and the production kernel (one pass for the exact convention).
    kernel_seconds: f64,
    /// The per-sample losses, for `reduction="none"` (sample by sample).
    per_sample: Option<Vec<f64>>,
    /// Values per sample in `per_sample`: 1, or `n_y` for PyTorch's elementwise binary
    /// losses.
    per_sample_rows: usize,
    /// The mean's divisor `W` (`m` without weights).
    weight: f64,
}

/// The weighting keywords: borrowed weights and the reduction.
struct Weighting<'a> {
    weights: Weights<'a>,
    reduction: Reduction,
}

/// The production formulation's value, the others' on request, and the conventions'.
fn compute<'a>(
    raw: Raw<'a>,
    request: Request,
    weighting: &'a Weighting<'a>,
) -> Result<Computed, Error> {
    let base = request.base;
    let production = xent_registry::production();
    let start = Instant::now();
    let weighted = weighting.weights.any() || weighting.reduction != Reduction::Mean;
    let core_weighting = xent_core::Weighting::new(weighting.weights, weighting.reduction);
    let exact_fast = request.convention.is_none_or(|c| c == Convention::Exact)
        && (request.convention.is_none() || request.options.label_smoothing.is_none());
    // The exact convention reads the caller's arrays as they are; another one may have
    // transformed copies (a clip, label smoothing), which `conventional` owns.
    let conventional;
    // The exact convention: the production kernel validates in the same pass as it
    // computes (`xent_registry::checked`, the very errors `Unvalidated::validate` gives); the
    // problem it checked is then the one the other formulations evaluate.
    let (problem, applied, evaluation, peer) = if exact_fast {
        let unvalidated = raw
            .unvalidated(request.options.from_logits)?
            .with_weights(&weighting.weights)?;
        let evaluation = xent_registry::checked(&unvalidated)?;
        let problem = *unvalidated.unchecked();
        (problem, Applied::exact(problem.samples()), evaluation, None)
    } else {
        // A peer convention applies the weights as its library does (its divisor, its
        // `none`), or refuses an option the library lacks.
        let c = request.convention.unwrap_or(Convention::Exact);
        conventional = raw.conventional(c, &request.options, core_weighting)?;
        let problem = conventional.problem();
        let evaluation = problem.evaluate(production);
        (
            problem,
            Applied::of(&conventional),
            evaluation,
            Some(&conventional),
        )
    };
    let evaluated = Instant::now();
    // The divisor: the exact convention's W with weights (1 for a sum), else the
    // convention's (m without weights).
    let divisor = match weighting.reduction {
        _ if peer.is_some() => applied.denominator,
        Reduction::Sum => 1.0,
        _ if weighted => {
            Reduction::Mean.scalar(&evaluation)?;
            evaluation.weight
        }
        _ => applied.denominator,
    };
    let loss = |e: &Evaluation| base.from_nats(e.loss_over(divisor));
    let value = match peer {
        // Keras's divide_no_nan, or the refusal of a mean of nothing.
        Some(c) if weighted => base.from_nats(c.mean_or_value(&evaluation)?),
        _ => loss(&evaluation),
    };
    let mut per_sample_rows = 1;
    let per_sample = match (weighting.reduction == Reduction::None, peer) {
        (false, _) => None,
        // The library's `none` (PyTorch's binary losses elementwise, sample by sample).
        (true, Some(c)) => {
            let u = c.unreduced()?;
            per_sample_rows = u.rows;
            Some(u.values.into_iter().map(|l| base.from_nats(l)).collect())
        }
        (true, None) => Some(
            production
                .per_sample(&problem)
                .unwrap_or_default()
                .into_iter()
                .map(|l| base.from_nats(l))
                .collect(),
        ),
    };

    let mut rows = Vec::new();
    let (mut agree, mut max_ulps) = (None, None);
    if request.compare {
        let scale = problem.weight_total() / divisor;
        let mut bounds = Vec::new();
        for f in xent_registry::all() {
            let e = problem.evaluate(*f);
            let bound = f.bound(&problem, &e);
            bounds.push(bound);
            rows.push(Row {
                name: f.name(),
                style: f.style(),
                evaluation: e,
                value: loss(&e),
                bound: base.from_nats(bound.absolute * scale).abs(),
            });
        }
        let mut all_agree = true;
        let mut ulps = 0;
        for i in 0..rows.len() {
            for j in i + 1..rows.len() {
                let (a, b) = (&rows[i].evaluation, &rows[j].evaluation);
                all_agree &= (bounds[i] + bounds[j]).admits_difference(a.nats(), b.nats());
                ulps = ulps.max(ulp_distance(rows[i].value, rows[j].value));
            }
        }
        agree = Some(all_agree);
        max_ulps = Some(ulps);
    }

    let mut conventions = Vec::new();
    if request.convention.is_none() {
        for c in Convention::ALL {
            let result = raw
                .conventional(c, &request.options, core_weighting)
                .and_then(|conv| {
                    let e = conv.problem().evaluate(production);
                    let value = base.from_nats(conv.mean_or_value(&e)?);
                    Ok((value, Applied::of(&conv)))
                });
            conventions.push(ConventionRow {
                convention: c,
                result,
            });
        }
    }
    Ok(Computed {
        per_sample,
        per_sample_rows,
        // A peer convention's divisor of its reduction, or the exact convention's W.
        weight: if peer.is_some() {
            applied.denominator
        } else {
            evaluation.weight
        },
        samples: problem.samples(),
        outputs: problem.outputs(),
        value,
        value_from: production.name(),
        applied,
        rows,
        agree,
        max_ulps,
        conventions,
        kernel_seconds: (evaluated - start).as_secs_f64(),
    })
}

fn layout_is_rows(layout: &str) -> PyResult<bool> {
    match layout {
        "cols" => Ok(false),
        "rows" => Ok(true),
        other => Err(PyValueError::new_err(format!(
            "layout {other:?} is not \"cols\" (each column is a sample, the documents' \
             (n_y, m)) or \"rows\" (each row is a sample, as PyTorch holds a batch)"
        ))),
    }
}

fn request(
    py: Python<'_>,
    base: &str,
    convention: &str,
    from_logits: bool,
    f32: bool,
    label_smoothing: Option<f64>,
    compare: bool,
) -> PyResult<Request> {
    let none = Places::default();
    let base = base.parse::<LogBase>().map_err(|e| none.error(py, &e))?;
    let convention = match convention {
        "all" => None,
        name => Some(name.parse::<Convention>().map_err(|e| none.error(py, &e))?),
    };
    Ok(Request {
        base,
        convention,
        options: ConventionOptions {
            from_logits,
            precision: if f32 { Precision::F32 } else { Precision::F64 },
            label_smoothing,
        },
        compare,
    })
}

/// `reduction=`: `"mean"`, `"sum"` or `"none"`.
fn parse_reduction(py: Python<'_>, reduction: &str) -> PyResult<Reduction> {
    reduction
        .parse::<Reduction>()
        .map_err(|e| Places::default().error(py, &e))
}

/// Three optional 1-D weight or mask arrays, held for the call.
struct Held1<'py> {
    held: Vec<Option<(arrays::Held<'py>, Placement, &'static str)>>,
}

impl<'py> Held1<'py> {
    fn of(given: &[(&'static str, Option<&Bound<'py, PyAny>>); 3]) -> PyResult<Self> {
        let mut held = Vec::new();
        for &(name, obj) in given {
            held.push(match obj {
                None => None,
                Some(obj) => {
                    let h = arrays::hold(obj, name)?;
                    check_dims(&h.shape(), name, &[1])?;
                    let place = Placement {
                        shape: h.shape(),
                        rows: false,
                        one_d: OneD::Samples,
                    };
                    Some((h, place, name))
                }
            });
        }
        Ok(Held1 { held })
    }

    fn arrays(&self) -> PyResult<[Option<Array<'_>>; 3]> {
        let mut out = [None, None, None];
        for (o, h) in out.iter_mut().zip(&self.held) {
            if let Some((h, place, name)) = h {
                *o = Some(arrays::array(h, place, name)?);
            }
        }
        Ok(out)
    }
}

fn check_dims(shape: &[usize], name: &str, allowed: &[usize]) -> PyResult<()> {
    if allowed.contains(&shape.len()) {
        return Ok(());
    }
    let what = if allowed.contains(&0) {
        "0-D, 1-D or 2-D"
    } else {
        "1-D or 2-D"
    };
    Err(PyValueError::new_err(format!(
        "{name} has {} dimensions: it must be {what}",
        shape.len()
    )))
}

/// Binary cross-entropy of numpy arrays (see `xent.binary`).
#[pyfunction]
#[pyo3(signature = (pred, labels, from_logits=false, layout="cols", base="e", convention="exact", label_smoothing=None, compare=false, sample_weight=None, pos_weight=None, mask=None, reduction="mean"))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn binary<'py>(
    py: Python<'py>,
    pred: &Bound<'py, PyAny>,
    labels: &Bound<'py, PyAny>,
    from_logits: bool,
    layout: &str,
    base: &str,
    convention: &str,
    label_smoothing: Option<f64>,
    compare: bool,
    sample_weight: Option<&Bound<'py, PyAny>>,
    pos_weight: Option<&Bound<'py, PyAny>>,
    mask: Option<&Bound<'py, PyAny>>,
    reduction: &str,
) -> PyResult<Bound<'py, PyDict>> {
    let rows = layout_is_rows(layout)?;
    let (hp, hl) = (arrays::hold(pred, "pred")?, arrays::hold(labels, "labels")?);
    let held = Held1::of(&[
        ("sample_weight", sample_weight),
        ("pos_weight", pos_weight),
        ("mask", mask),
    ])?;
    let [w, p, mk] = held.arrays()?;
    let weighting = Weighting {
        weights: Weights {
            sample: w,
            positive: p,
            mask: mk,
            ..Weights::default()
        },
        reduction: parse_reduction(py, reduction)?,
    };
    check_dims(&hp.shape(), "pred", &[1, 2])?;
    check_dims(&hl.shape(), "labels", &[1, 2])?;
    let request = request(
        py,
        base,
        convention,
        from_logits,
        hp.is_f32(),
        label_smoothing,
        compare,
    )?;
    let place = |h: &arrays::Held<'_>| Placement {
        shape: h.shape(),
        rows,
        one_d: OneD::Samples,
    };
    let places = Places {
        pred: Some(place(&hp)),
        truth: Some(place(&hl)),
        classes: None,
    };
    let raw = Raw::Binary {
        pred: arrays::array(&hp, places.pred.as_ref().expect("placed"), "pred")?,
        labels: arrays::array(&hl, places.truth.as_ref().expect("placed"), "labels")?,
    };
    let addresses = [("pred", hp.address()), ("labels", hl.address())];
    run(py, raw, request, &weighting, &places, layout, &addresses)
}

/// Categorical cross-entropy of numpy arrays (see `xent.categorical`).
#[pyfunction]
#[pyo3(signature = (pred, target=None, classes=None, from_logits=false, layout="cols", base="e", convention="exact", label_smoothing=None, compare=false, sample_weight=None, class_weight=None, mask=None, ignore_index=None, reduction="mean"))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn categorical<'py>(
    py: Python<'py>,
    pred: &Bound<'py, PyAny>,
    target: Option<&Bound<'py, PyAny>>,
    classes: Option<&Bound<'py, PyAny>>,
    from_logits: bool,
    layout: &str,
    base: &str,
    convention: &str,
    label_smoothing: Option<f64>,
    compare: bool,
    sample_weight: Option<&Bound<'py, PyAny>>,
    class_weight: Option<&Bound<'py, PyAny>>,
    mask: Option<&Bound<'py, PyAny>>,
    ignore_index: Option<i64>,
    reduction: &str,
) -> PyResult<Bound<'py, PyDict>> {
    let rows = layout_is_rows(layout)?;
    let hp = arrays::hold(pred, "pred")?;
    let held = Held1::of(&[
        ("sample_weight", sample_weight),
        ("class_weight", class_weight),
        ("mask", mask),
    ])?;
    let [w, c, mk] = held.arrays()?;
    let weighting = Weighting {
        weights: Weights {
            sample: w,
            class: c,
            mask: mk,
            ignore_index,
            ..Weights::default()
        },
        reduction: parse_reduction(py, reduction)?,
    };
    check_dims(&hp.shape(), "pred", &[1, 2])?;
    let (ht, hc) = match (target, classes) {
        (Some(t), None) => (Some(arrays::hold(t, "target")?), None),
        (None, Some(c)) => (None, Some(arrays::hold(c, "classes")?)),
        _ => {
            return Err(PyValueError::new_err(
                "give exactly one of target= (distributions, the shape of pred) and \
                 classes= (one class index per sample)",
            ));
        }
    };
    let request = request(
        py,
        base,
        convention,
        from_logits,
        hp.is_f32(),
        label_smoothing,
        compare,
    )?;
    let place = |shape: Vec<usize>, one_d| Placement { shape, rows, one_d };
    let mut places = Places {
        pred: Some(place(hp.shape(), OneD::Sample)),
        ..Places::default()
    };
    if let Some(t) = &ht {
        check_dims(&t.shape(), "target", &[1, 2])?;
        places.truth = Some(place(t.shape(), OneD::Sample));
    }
    if let Some(c) = &hc {
        let shape = c.shape();
        check_dims(&shape, "classes", &[0, 1, 2])?;
        if shape.len() == 2 && shape[0] != 1 && shape[1] != 1 {
            return Err(PyValueError::new_err(format!(
                "classes has shape {}: give one class index per sample, as a 1-D array",
                place(shape, OneD::Samples).shape_text()
            )));
        }
        // A (1, m) or (m, 1) array of indices is its m entries, in order.
        let one: usize = shape.iter().product();
        places.classes = Some(place(
            if shape.is_empty() { vec![] } else { vec![one] },
            OneD::Samples,
        ));
    }
    let pred_array = arrays::array(&hp, places.pred.as_ref().expect("placed"), "pred")?;
    let targets = match (&ht, &hc) {
        (Some(t), _) => Targets::Dense(arrays::array(
            t,
            places.truth.as_ref().expect("placed"),
            "target",
        )?),
        (_, Some(c)) => Targets::Classes(arrays::array(
            c,
            places.classes.as_ref().expect("placed"),
            "classes",
        )?),
        _ => unreachable!("one of target and classes was given"),
    };
    let raw = Raw::Categorical {
        pred: pred_array,
        targets,
    };
    let mut addresses = vec![("pred", hp.address())];
    if let Some(t) = &ht {
        addresses.push(("target", t.address()));
    }
    if let Some(c) = &hc {
        addresses.push(("classes", c.address()));
    }
    run(py, raw, request, &weighting, &places, layout, &addresses)
}

/// Runs [`compute`] without the GIL and returns its result as a dict.
fn run<'py, 'a>(
    py: Python<'py>,
    raw: Raw<'a>,
    request: Request,
    weighting: &'a Weighting<'a>,
    places: &Places,
    layout: &str,
    addresses: &[(&str, usize)],
) -> PyResult<Bound<'py, PyDict>> {
    let kind = raw.kind();
    let computed = py
        .detach(|| compute(raw, request, weighting))
        .map_err(|e| places.error(py, &e))?;
    let base = request.base;
    let d = PyDict::new(py);
    d.set_item("value", computed.value)?;
    d.set_item("reduction", weighting.reduction.as_str())?;
    d.set_item("weight", computed.weight)?;
    if let Some(losses) = computed.per_sample {
        let rows = computed.per_sample_rows;
        let array = numpy::PyArray1::from_vec(py, losses);
        if rows > 1 {
            // PyTorch's elementwise binary losses: (m, n_y) sample by sample, in the
            // caller's layout.
            use numpy::PyArrayMethods as _;
            let m = computed.samples;
            let by_rows = array.reshape([m, rows])?;
            if layout == "rows" {
                d.set_item("per_sample", by_rows)?;
            } else {
                d.set_item("per_sample", by_rows.transpose()?)?;
            }
        } else {
            d.set_item("per_sample", array)?;
        }
    }
    d.set_item("unit", base.unit_name())?;
    d.set_item("base", base.to_string())?;
    d.set_item("kind", kind.as_str())?;
    d.set_item("samples", computed.samples)?;
    d.set_item("outputs", computed.outputs)?;
    d.set_item("from_logits", request.options.from_logits)?;
    d.set_item("layout", layout)?;
    d.set_item(
        "convention",
        request.convention.map_or("all", Convention::name),
    )?;
    d.set_item("value_from", computed.value_from)?;
    d.set_item("divisor", computed.applied.divisor)?;
    d.set_item("divisor_reason", &computed.applied.divisor_reason)?;
    d.set_item("changes", &computed.applied.changes)?;
    d.set_item("warnings", &computed.applied.warnings)?;
    d.set_item("agree", computed.agree)?;
    d.set_item("max_ulps", computed.max_ulps)?;
    let formulations = PyList::empty(py);
    for r in &computed.rows {
        let f = PyDict::new(py);
        f.set_item("name", r.name)?;
        f.set_item("value", r.value)?;
        f.set_item("bound", r.bound)?;
        f.set_item("ulps", ulp_distance(r.value, computed.value))?;
        f.set_item(
            "numpy",
            r.style.numpy.map(|n| match n {
                xent_core::Numpy::Sum => "np.sum",
                xent_core::Numpy::Dot => "np.dot",
                xent_core::Numpy::Matmul => "np.matmul",
            }),
        )?;
        f.set_item(
            "expression",
            match kind {
                Kind::Binary => r.style.binary,
                Kind::Categorical => r.style.categorical,
            },
        )?;
        f.set_item("summary", r.style.summary)?;
        f.set_item("reduced", r.evaluation.shape.to_string())?;
        f.set_item("shape", r.evaluation.shape.numpy_dims())?;
        formulations.append(f)?;
    }
    d.set_item("formulations", formulations)?;
    let conventions = PyList::empty(py);
    for c in &computed.conventions {
        let row = PyDict::new(py);
        row.set_item("name", c.convention.name())?;
        match &c.result {
            Ok((value, applied)) => {
                row.set_item("value", *value)?;
                row.set_item("divisor", applied.divisor)?;
                row.set_item("divisor_reason", &applied.divisor_reason)?;
                row.set_item("changes", &applied.changes)?;
                row.set_item("warnings", &applied.warnings)?;
                row.set_item("error", py.None())?;
            }
            Err(e) => {
                row.set_item("value", py.None())?;
                row.set_item("divisor", py.None())?;
                row.set_item("divisor_reason", py.None())?;
                row.set_item("changes", Vec::<String>::new())?;
                row.set_item("warnings", Vec::<String>::new())?;
                row.set_item("error", places.message(e).0)?;
            }
        }
        conventions.append(row)?;
    }
    d.set_item("conventions", conventions)?;
    let timings = PyDict::new(py);
    timings.set_item("kernel", computed.kernel_seconds)?;
    d.set_item("timings", timings)?;
    let addr = PyDict::new(py);
    for (name, a) in addresses {
        addr.set_item(*name, *a)?;
    }
    d.set_item("addresses", addr)?;
    Ok(d)
}
