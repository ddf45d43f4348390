//! Numeric evaluation with numpy's IEEE semantics (`0 * -inf` is NaN, `np.log(0)` is `-inf`),
//! carrying a running error bound for every entry, and noting where the first NaN appears
//! and where digits are lost.
//!
//! Every entry `x̂` of every intermediate carries `e ≥ |x̂ − x|`, where `x` is the exact
//! value of the same sub-expression on the same (exact) inputs. Rules, first order, `u` the
//! unit roundoff (Higham, *Accuracy and Stability of Numerical Algorithms*, §3.3 and §4.2):
//!
//! | operation | bound on the result |
//! |---|---|
//! | `a ± b` | `e_a + e_b + u·|r|` |
//! | `a · b` | `|a|·e_b + |b|·e_a + e_a·e_b + u·|r|` |
//! | `a / b` | `(e_a + |r|·e_b) / (|b| − e_b) + u·|r|` (infinite when `|b| ≤ e_b`) |
//! | `ln a` | `e_a / (a − e_a) + LIBM·u·|r|` (infinite when `a ≤ e_a`); `log2`, `log10` divide the first term by `ln 2`, `ln 10` |
//! | `log1p a` | `e_a / (1 + a − e_a) + LIBM·u·|r|` |
//! | `exp a` | `|r|·expm1(e_a) + LIBM·u·|r|` |
//! | `a ** b` | `|r|·|b|·e_a/(|a| − e_a) + |r|·|ln a|·e_b + LIBM·u·|r|` |
//! | sum of `n` | `Σ e_i + (n − 1)·u·Σ |x̂_i|` (any order) |
//! | dot of length `K` | `Σ (|a|·e_b + |b|·e_a + e_a·e_b) + K·u·Σ |a·b|` |
//! | mean | the sum's bound `/ n`, `+ u·|r|` |
//! | `max`, `min` (reductions), `np.maximum`, `np.minimum`, `np.clip` | the largest `e` of the operands (1-Lipschitz) |
//! | comparison | 0 when exact or decided (`|a − b| > e_a + e_b`), else 1 (the boolean may flip) |
//! | `np.where(c, a, b)` | the chosen operand's `e`, or `max(e_a, e_b) + |a − b|` when `c` may flip |
//! | `xlogy(x, y)`, `xlog1py(x, y)` | the product's rule on `x` and `ln y` (`ln(1 + y)`); 0 where `x` is an exact 0 |
//! | indexing, `np.asarray`, `np.arange` | the entries' own bounds (integers are exact) |
//!
//! **dtypes.** Values carry numpy's dtype (`bool`, `int64`, `float32`, `float64`) with
//! numpy 2's promotion (NEP 50: Python numbers are weak, so `float32 * 2.0` stays
//! `float32`; `int64` with `float32` is `float64`; comparisons are `bool`; `/` of integers
//! is `float64`). **float32** is modelled as follows: `np.float32(x)` rounds each entry to
//! the nearest float32, and every later operation whose numpy result is float32 is computed
//! in `f64` and its result rounded to the nearest float32, the rounding `|r₃₂ − r|` added to
//! the entry's bound; sums and products of float32 also add `(n − 1)·2⁻²⁴·Σ|x|` (`K·2⁻²⁴·Σ|a·b|`),
//! so the bound covers numpy's own float32 accumulation in any order, not only this one.
//!
//! A literal that is not an integer carries `u·|v|` (its decimal may not be an `f64`);
//! inputs are exact (they *are* the problem). Infinite results carry 0: an infinity is
//! compared by equality. [`crate::tolerance::BOUND_SLACK`] covers the dropped second-order
//! terms and the bound's own rounding.

use std::collections::HashMap;

use nalgebra::DMatrix;

use crate::ast::{BinOp, Expr, ExprKind, Func, Program};
use crate::error::{ExprError, Span};
use crate::rules::{self, Op, Typed};
use crate::shape::{Refusal, Shape, Ty};
use crate::tolerance::{
    CULPRIT_U, FLOAT32_UNIT_ROUNDOFF, LIBM_ERROR_U, MAX_ELEMENTS, UNIT_ROUNDOFF,
};

const U: f64 = UNIT_ROUNDOFF;
const U32: f64 = FLOAT32_UNIT_ROUNDOFF;

/// numpy's dtype of a value, as far as the checker models it (ordered by promotion).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum DType {
    /// `bool`: comparisons.
    Bool,
    /// `int64`: `np.arange`, class indices, Python ints.
    Int,
    /// `float32`: after `np.float32`.
    F32,
    /// `float64`: everything else.
    F64,
}

impl DType {
    fn name(self) -> &'static str {
        match self {
            DType::Bool => "bool",
            DType::Int => "int64",
            DType::F32 => "float32",
            DType::F64 => "float64",
        }
    }
}

/// numpy 2's promotion of two operands (NEP 50: a Python number is weak, it takes the
/// array's dtype unless it is a float meeting an integer or boolean array).
fn promote(a: &Val, b: &Val) -> DType {
    let weak = |py: DType, arr: DType| match arr {
        DType::Bool | DType::Int if py == DType::F64 => DType::F64,
        DType::Bool => py,
        other => other,
    };
    match (a.ty.is_python(), b.ty.is_python()) {
        (true, true) => a.dtype.max(b.dtype),
        (true, false) => weak(a.dtype, b.dtype),
        (false, true) => weak(b.dtype, a.dtype),
        (false, false) => match (a.dtype.min(b.dtype), a.dtype.max(b.dtype)) {
            (DType::Int, DType::F32) => DType::F64,
            (_, hi) => hi,
        },
    }
}

/// The dtype of a floating-point result (a ufunc such as `np.log`): float32 stays, the
/// rest is float64.
fn floating(d: DType) -> DType {
    if d == DType::F32 {
        DType::F32
    } else {
        DType::F64
    }
}

/// numpy's `maximum`/`minimum` of two entries: NaN propagates.
fn np_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}

fn np_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.min(b)
    }
}

/// Rounds a float32 result's entries to float32, adding the rounding to their bounds.
fn round_f32(v: &mut Val) {
    for (x, e) in v.data.iter_mut().zip(v.err.iter_mut()) {
        let r = f64::from(*x as f32);
        *e = clean(r, *e + (r - *x).abs());
        *x = r;
    }
}

/// A value during evaluation: its Python type, numpy shape, entries and error bounds.
///
/// Storage: a 0-d value is `1 × 1`, a 1-D `(n,)` is a `1 × n` row (so it broadcasts
/// against `(r, n)` as numpy aligns shapes from the right), a 2-D `(r, c)` is `r × c`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Val {
    pub(crate) ty: Ty,
    pub(crate) dtype: DType,
    pub(crate) dims: Vec<usize>,
    pub(crate) data: DMatrix<f64>,
    pub(crate) err: DMatrix<f64>,
}

/// Storage size of a numpy shape.
fn storage(dims: &[usize]) -> (usize, usize) {
    match dims {
        [] => (1, 1),
        [n] => (1, *n),
        [r, c, ..] => (*r, *c),
    }
}

impl Val {
    pub(crate) fn scalar(v: f64, e: f64, ty: Ty) -> Val {
        Val {
            ty,
            dtype: match ty {
                Ty::Int => DType::Int,
                Ty::Bool => DType::Bool,
                _ => DType::F64,
            },
            dims: vec![],
            data: DMatrix::from_element(1, 1, v),
            err: DMatrix::from_element(1, 1, e),
        }
    }

    /// An exact input array: 2-D as given, or 1-D from a single column.
    pub(crate) fn input(m: &DMatrix<f64>, one_sample: bool) -> Val {
        if one_sample {
            let data = m.transpose();
            Val {
                ty: Ty::NdArray,
                dtype: DType::F64,
                dims: vec![m.nrows()],
                err: DMatrix::zeros(1, m.nrows()),
                data,
            }
        } else {
            Val {
                ty: Ty::NdArray,
                dtype: DType::F64,
                dims: vec![m.nrows(), m.ncols()],
                err: DMatrix::zeros(m.nrows(), m.ncols()),
                data: m.clone(),
            }
        }
    }

    /// Exact integers, a 1-D `int64` array (`np.arange`, class indices).
    pub(crate) fn integers(values: impl ExactSizeIterator<Item = usize>) -> Val {
        let n = values.len();
        Val {
            ty: Ty::NdArray,
            dtype: DType::Int,
            dims: vec![n],
            data: DMatrix::from_iterator(1, n, values.map(|v| v as f64)),
            err: DMatrix::zeros(1, n),
        }
    }

    fn from_row_major(ty: Ty, dims: Vec<usize>, values: &[f64], errs: &[f64]) -> Val {
        let (r, c) = storage(&dims);
        Val {
            ty,
            dtype: DType::F64,
            data: DMatrix::from_row_slice(r, c, values),
            err: DMatrix::from_row_slice(r, c, errs),
            dims,
        }
    }

    fn row_major(m: &DMatrix<f64>) -> Vec<f64> {
        m.transpose().as_slice().to_vec()
    }

    pub(crate) fn shape(&self) -> Shape {
        Shape::fixed(&self.dims)
    }

    pub(crate) fn len(&self) -> usize {
        self.data.len()
    }

    /// The value when there is exactly one entry.
    pub(crate) fn single(&self) -> Option<(f64, f64)> {
        (self.len() == 1).then(|| (self.data[0], self.err[0]))
    }

    fn has_nan(&self) -> bool {
        self.data.iter().any(|x| x.is_nan())
    }

    /// Largest relative error bound over the finite entries, in units of `u` (infinite when a
    /// computed 0 carries a positive bound: every digit may be wrong).
    fn relative_u(&self) -> f64 {
        self.data
            .iter()
            .zip(self.err.iter())
            .filter(|(x, _)| x.is_finite())
            .map(|(&x, &e)| {
                if e == 0.0 {
                    0.0
                } else if x == 0.0 {
                    f64::INFINITY
                } else {
                    e / (U * x.abs())
                }
            })
            .fold(0.0, f64::max)
    }

    /// `(value, bound)` at output position `(i, j)` of a broadcast.
    fn at(&self, i: usize, j: usize) -> (f64, f64) {
        let r = if self.data.nrows() == 1 { 0 } else { i };
        let c = if self.data.ncols() == 1 { 0 } else { j };
        (self.data[(r, c)], self.err[(r, c)])
    }

    /// numpy's index of storage position `(i, j)`.
    fn numpy_index(&self, i: usize, j: usize) -> Vec<usize> {
        match self.dims.len() {
            0 => vec![],
            1 => vec![j],
            _ => vec![i, j],
        }
    }

    /// The first NaN in numpy's (row-major) order, as a storage position.
    fn first_nan(&self) -> Option<(usize, usize)> {
        let (r, c) = self.data.shape();
        (0..r)
            .flat_map(|i| (0..c).map(move |j| (i, j)))
            .find(|&(i, j)| self.data[(i, j)].is_nan())
    }

    fn with(&self, ty: Ty, dims: Vec<usize>) -> Val {
        let values = Val::row_major(&self.data);
        let errs = Val::row_major(&self.err);
        let mut v = Val::from_row_major(ty, dims, &values, &errs);
        v.dtype = self.dtype;
        v
    }
}

/// A bound that means something: 0 for an infinite or NaN result (compared by equality),
/// infinite when the bound itself overflowed to NaN.
fn clean(r: f64, e: f64) -> f64 {
    if !r.is_finite() {
        0.0
    } else if e.is_nan() {
        f64::INFINITY
    } else {
        e
    }
}

/// Where a NaN first appeared: the sub-expression, the entry, and what produced it.
#[derive(Debug, Clone, PartialEq)]
pub struct NanOrigin {
    /// The sub-expression, verbatim.
    pub text: String,
    /// Where it is.
    pub span: Span,
    /// numpy's index of the first NaN entry of that sub-expression.
    pub index: Vec<usize>,
    /// What produced it: `0 * -inf`, `np.log(-0.5)`, `inf + -inf`.
    pub cause: String,
    /// Whether it is a zero times an infinity (the `0 · ln 0` of cross-entropy).
    pub zero_times_infinity: bool,
    /// For a reduction or product, which term (along the reduced axis) produced it.
    pub term: Option<usize>,
}

/// Where the running error bound first blows up: the sub-expression that loses the digits.
#[derive(Debug, Clone, PartialEq)]
pub struct Culprit {
    /// The sub-expression, verbatim.
    pub text: String,
    /// Where it is.
    pub span: Span,
    /// Its relative error bound in units of `u` (infinite when a computed 0 may be all error).
    pub relative_u: f64,
    /// How to keep the digits, when the pattern is known (`np.log(1-A)` → `np.log1p(-A)`).
    pub hint: Option<String>,
}

/// What evaluating a program produced.
#[derive(Debug, Clone)]
pub(crate) struct Evaluated {
    pub(crate) value: Val,
    pub(crate) nan: Option<NanOrigin>,
    pub(crate) culprit: Option<Culprit>,
}

/// Evaluates `program` with its free names bound in `env`.
pub(crate) fn evaluate(
    program: &Program,
    env: HashMap<String, Val>,
) -> Result<Evaluated, ExprError> {
    let mut ev = Evaluator {
        program,
        env,
        nan: None,
        culprit: None,
    };
    let mut last = None;
    for s in program.statements() {
        let v = ev.eval(&s.expr)?;
        if let Some((name, _)) = &s.target {
            ev.env.insert(name.clone(), v.clone());
        }
        last = Some(v);
    }
    let value = last.ok_or_else(|| ExprError::Binding {
        message: "the program has no statement".into(),
        span: Span::default(),
    })?;
    Ok(Evaluated {
        value,
        nan: ev.nan,
        culprit: ev.culprit,
    })
}

struct Evaluator<'p> {
    program: &'p Program,
    env: HashMap<String, Val>,
    nan: Option<NanOrigin>,
    culprit: Option<Culprit>,
}

/// An elementwise function of one argument: its value and the bound propagated through it.
type Unary = fn(f64, f64) -> (f64, f64);

impl Evaluator<'_> {
    fn refusal(&self, e: &Expr, r: Refusal) -> ExprError {
        ExprError::Numpy {
            exception: r.exception,
            message: r.full_message(),
            text: self.program.text(e.span).to_owned(),
            span: e.span,
        }
    }

    fn typed(&self, e: &Expr, op: Op, args: &[&Val]) -> Result<Typed, ExprError> {
        let shapes: Vec<(Shape, Ty)> = args.iter().map(|v| (v.shape(), v.ty)).collect();
        let t = rules::apply(op, &shapes).map_err(|r| self.refusal(e, r))?;
        let elements = t
            .shape
            .sizes()
            .unwrap_or_default()
            .iter()
            .map(|&d| d as u128)
            .product::<u128>();
        if elements > MAX_ELEMENTS as u128 {
            return Err(ExprError::TooLarge {
                text: self.program.text(e.span).to_owned(),
                elements,
                limit: MAX_ELEMENTS,
                limit_name: "MAX_ELEMENTS",
                span: e.span,
            });
        }
        Ok(t)
    }

    /// Records the first NaN (when none of `args` had one) and the first loss of digits.
    fn observe(
        &mut self,
        e: &Expr,
        args: &[&Val],
        out: &Val,
        nan: impl FnOnce() -> Option<NanFound>,
    ) {
        if self.nan.is_none()
            && out.has_nan()
            && args.iter().all(|a| !a.has_nan())
            && let Some(found) = nan()
        {
            self.nan = Some(NanOrigin {
                text: self.program.text(e.span).to_owned(),
                span: e.span,
                index: found.index,
                cause: found.cause,
                zero_times_infinity: found.zero_times_infinity,
                term: found.term,
            });
        }
        if self.culprit.is_none() {
            let rel = out.relative_u();
            if rel > CULPRIT_U && args.iter().all(|a| a.relative_u() <= CULPRIT_U) {
                self.culprit = Some(Culprit {
                    text: self.program.text(e.span).to_owned(),
                    span: e.span,
                    relative_u: rel,
                    hint: self.hint(e),
                });
            }
        }
    }

    /// `np.log(1 - X)` loses digits where `X` is tiny: `np.log1p(-X)` keeps them.
    fn hint(&self, e: &Expr) -> Option<String> {
        let ExprKind::Call { func, args, .. } = &e.kind else {
            return None;
        };
        let scale = match func {
            Func::Log => "",
            Func::Log2 => " / np.log(2)",
            Func::Log10 => " / np.log(10)",
            _ => return None,
        };
        let ExprKind::Binary {
            op: BinOp::Sub,
            lhs,
            rhs,
        } = &args.first()?.kind
        else {
            return None;
        };
        matches!(lhs.kind, ExprKind::Number { value, .. } if value == 1.0).then(|| {
            let x = self.program.text(rhs.span);
            format!(
                "`1 - {x}` rounds to 1 where {x} is tiny, and its log to 0; \
                 `np.log1p(-{x}){scale}` computes it without rounding 1 - {x} first"
            )
        })
    }

    fn eval(&mut self, e: &Expr) -> Result<Val, ExprError> {
        match &e.kind {
            ExprKind::Number { value, int } => {
                let exact = value.fract() == 0.0 && value.abs() <= 2f64.powi(53);
                let err = if exact { 0.0 } else { U * value.abs() };
                Ok(Val::scalar(
                    *value,
                    clean(*value, err),
                    if *int { Ty::Int } else { Ty::Float },
                ))
            }
            ExprKind::Constant(c) => {
                let v = c.value();
                // Correctly rounded: half an ulp.
                Ok(Val::scalar(v, U * v.abs(), Ty::Float))
            }
            ExprKind::Name(n) => self.env.get(n).cloned().ok_or_else(|| ExprError::Binding {
                message: format!("`{n}` has no value here"),
                span: e.span,
            }),
            ExprKind::Array { dims, values } => {
                let zeros = vec![0.0; values.len()];
                Ok(Val::from_row_major(
                    Ty::NdArray,
                    dims.clone(),
                    values,
                    &zeros,
                ))
            }
            ExprKind::ShapeOf { of, index } => {
                let v = self.eval(of)?;
                let n = v.dims.len() as i64;
                if *index < -n || *index >= n {
                    return Err(ExprError::Numpy {
                        exception: "IndexError",
                        message: "tuple index out of range".into(),
                        text: self.program.text(e.span).to_owned(),
                        span: e.span,
                    });
                }
                let i = if *index < 0 { index + n } else { *index } as usize;
                Ok(Val::scalar(v.dims[i] as f64, 0.0, Ty::Int))
            }
            ExprKind::Neg(x) => {
                let v = self.eval(x)?;
                self.negate(e, &v, false)
            }
            ExprKind::Binary { op, lhs, rhs } => {
                let a = self.eval(lhs)?;
                let b = self.eval(rhs)?;
                let int_power = matches!(rhs.kind, ExprKind::Number { int: true, .. });
                let mut v = self.binary(e, *op, &a, &b, false, int_power)?;
                if v.dtype == DType::F32 {
                    round_f32(&mut v);
                }
                Ok(v)
            }
            ExprKind::Call {
                func,
                args,
                axis,
                keepdims,
            } => {
                let mut vals = Vec::with_capacity(args.len());
                for a in args {
                    vals.push(self.eval(a)?);
                }
                let mut v = self.call(e, *func, &vals, *axis, *keepdims)?;
                if v.dtype == DType::F32 && *func != Func::Float32 {
                    round_f32(&mut v);
                }
                Ok(v)
            }
            ExprKind::Index { of, indices } => {
                let a = self.eval(of)?;
                let mut idx = Vec::with_capacity(indices.len());
                for i in indices {
                    idx.push(self.eval(i)?);
                }
                self.index(e, &a, &idx)
            }
        }
    }

    fn index_error(&self, e: &Expr, message: String) -> ExprError {
        ExprError::Numpy {
            exception: "IndexError",
            message,
            text: self.program.text(e.span).to_owned(),
            span: e.span,
        }
    }

    /// numpy's advanced indexing with integer arrays (or integers): one index per
    /// dimension, or one for the rows of a 2-D array.
    fn index(&mut self, e: &Expr, a: &Val, idx: &[Val]) -> Result<Val, ExprError> {
        for i in idx {
            match i.dtype {
                DType::Int => {}
                DType::Bool => {
                    return Err(self.index_error(
                        e,
                        "boolean-array indexing (a mask) is not supported: use np.where".into(),
                    ));
                }
                DType::F32 | DType::F64 => {
                    return Err(self.index_error(
                        e,
                        format!(
                            "arrays used as indices must be of integer (or boolean) type, not \
                             {}",
                            if i.ty.is_python() {
                                "float"
                            } else {
                                i.dtype.name()
                            }
                        ),
                    ));
                }
            }
        }
        let shapes: Vec<Shape> = idx.iter().map(Val::shape).collect();
        let out_shape = crate::shape::index(&a.shape(), &shapes).map_err(|r| self.refusal(e, r))?;
        let dims = out_shape.sizes().unwrap_or_default();
        let elements: usize = dims.iter().product();
        if elements > MAX_ELEMENTS {
            return Err(ExprError::TooLarge {
                text: self.program.text(e.span).to_owned(),
                elements: elements as u128,
                limit: MAX_ELEMENTS,
                limit_name: "MAX_ELEMENTS",
                span: e.span,
            });
        }
        let resolve = |v: f64, axis: usize| -> Result<usize, ExprError> {
            let size = a.dims[axis] as i64;
            let i = v as i64;
            let j = if i < 0 { i + size } else { i };
            if j < 0 || j >= size {
                return Err(self.index_error(
                    e,
                    format!("index {i} is out of bounds for axis {axis} with size {size}"),
                ));
            }
            Ok(j as usize)
        };
        // Storage position of an entry of `a` from its numpy index.
        let at = |index: &[usize]| -> (usize, usize) {
            match index {
                [j] => (0, *j),
                [i, j] => (*i, *j),
                _ => (0, 0),
            }
        };
        let (r, c) = storage(&dims);
        let mut data = DMatrix::zeros(r, c);
        let mut err = DMatrix::zeros(r, c);
        for j in 0..c {
            for i in 0..r {
                let index: Vec<usize> = if idx.len() == a.dims.len() {
                    let mut index = Vec::with_capacity(idx.len());
                    for (axis, v) in idx.iter().enumerate() {
                        index.push(resolve(v.at(i, j).0, axis)?);
                    }
                    index
                } else {
                    // One index for the rows of a 2-D array: the output's last axis is the
                    // columns; its first (if any) runs along the index.
                    let along = if dims.len() == 2 { i } else { 0 };
                    let v = &idx[0];
                    let row = if v.dims.is_empty() {
                        v.data[0]
                    } else {
                        v.data[(0, along)]
                    };
                    vec![resolve(row, 0)?, j]
                };
                let p = at(&index);
                data[(i, j)] = a.data[p];
                err[(i, j)] = a.err[p];
            }
        }
        Ok(Val {
            ty: Ty::of_ufunc(dims.len()),
            dtype: a.dtype,
            dims,
            data,
            err,
        })
    }

    /// `np.arange(n)`: the exact integers `0 … n − 1`.
    fn arange(&mut self, e: &Expr, n: &Val) -> Result<Val, ExprError> {
        let value = match n.single() {
            Some((v, 0.0)) if n.dtype <= DType::Int && v >= 0.0 => v,
            _ => {
                return Err(ExprError::Numpy {
                    exception: "TypeError",
                    message: "np.arange here takes one non-negative integer (the number of \
                              samples or classes)"
                        .into(),
                    text: self.program.text(e.span).to_owned(),
                    span: e.span,
                });
            }
        };
        if value > MAX_ELEMENTS as f64 {
            return Err(ExprError::TooLarge {
                text: self.program.text(e.span).to_owned(),
                elements: value as u128,
                limit: MAX_ELEMENTS,
                limit_name: "MAX_ELEMENTS",
                span: e.span,
            });
        }
        Ok(Val::integers(0..value as usize))
    }

    /// An elementwise function of several broadcast operands (`np.clip`, `np.where`, …).
    fn elementwise(
        &mut self,
        e: &Expr,
        op: Op,
        vals: &[Val],
        name: &str,
        dtype: DType,
        f: impl Fn(&[(f64, f64)]) -> (f64, f64),
    ) -> Result<Val, ExprError> {
        let refs: Vec<&Val> = vals.iter().collect();
        let t = self.typed(e, op, &refs)?;
        let dims = t.shape.sizes().unwrap_or_default();
        let (r, c) = storage(&dims);
        let mut data = DMatrix::zeros(r, c);
        let mut err = DMatrix::zeros(r, c);
        let mut args = Vec::with_capacity(vals.len());
        for j in 0..c {
            for i in 0..r {
                args.clear();
                args.extend(vals.iter().map(|v| v.at(i, j)));
                let (v, ev) = f(&args);
                data[(i, j)] = v;
                err[(i, j)] = clean(v, ev);
            }
        }
        let out = Val {
            ty: t.ty,
            dtype,
            dims,
            data,
            err,
        };
        self.observe(e, &refs, &out, || {
            let (i, j) = out.first_nan()?;
            let shown: Vec<String> = vals.iter().map(|v| number(v.at(i, j).0)).collect();
            Some(NanFound {
                index: out.numpy_index(i, j),
                cause: format!("{name}({})", shown.join(", ")),
                zero_times_infinity: false,
                term: None,
            })
        });
        Ok(out)
    }

    fn negate(&mut self, e: &Expr, v: &Val, ufunc: bool) -> Result<Val, ExprError> {
        let t = self.typed(e, Op::Neg { ufunc }, &[v])?;
        Ok(Val {
            ty: t.ty,
            dtype: v.dtype,
            dims: v.dims.clone(),
            data: -&v.data,
            err: v.err.clone(),
        })
    }

    fn binary(
        &mut self,
        e: &Expr,
        op: BinOp,
        a: &Val,
        b: &Val,
        ufunc: bool,
        int_power: bool,
    ) -> Result<Val, ExprError> {
        let t = self.typed(
            e,
            Op::Bin {
                op,
                ufunc,
                int_power,
            },
            &[a, b],
        )?;
        if op == BinOp::MatMul {
            return Ok(self.product(e, a, b, t));
        }
        let dtype = match promote(a, b) {
            _ if op.is_comparison() => DType::Bool,
            d if op == BinOp::Div && d <= DType::Int => DType::F64,
            d => d,
        };
        if op == BinOp::Div && a.ty.is_python() && b.ty.is_python() && !ufunc && b.data[0] == 0.0 {
            return Err(ExprError::Numpy {
                exception: "ZeroDivisionError",
                message: "division by zero (Python numbers, not numpy's)".into(),
                text: self.program.text(e.span).to_owned(),
                span: e.span,
            });
        }
        let dims = t.shape.sizes().unwrap_or_default();
        let (r, c) = storage(&dims);
        let mut data = DMatrix::zeros(r, c);
        let mut err = DMatrix::zeros(r, c);
        for j in 0..c {
            for i in 0..r {
                let (x, ex) = a.at(i, j);
                let (y, ey) = b.at(i, j);
                let (v, ev) = kernel(op, x, ex, y, ey);
                data[(i, j)] = v;
                err[(i, j)] = ev;
            }
        }
        let out = Val {
            ty: t.ty,
            dtype,
            dims,
            data,
            err,
        };
        self.observe(e, &[a, b], &out, || {
            let (i, j) = out.first_nan()?;
            let (x, y) = (a.at(i, j).0, b.at(i, j).0);
            Some(NanFound {
                index: out.numpy_index(i, j),
                cause: format!("{} {op} {}", number(x), number(y)),
                zero_times_infinity: op == BinOp::Mul
                    && ((x == 0.0 && y.is_infinite()) || (y == 0.0 && x.is_infinite())),
                term: None,
            })
        });
        Ok(out)
    }

    fn call(
        &mut self,
        e: &Expr,
        func: Func,
        vals: &[Val],
        axis: Option<i64>,
        keepdims: bool,
    ) -> Result<Val, ExprError> {
        let refs: Vec<&Val> = vals.iter().collect();
        let op = Op::Call {
            func,
            axis,
            keepdims,
        };
        let first = vals.first().ok_or_else(|| ExprError::Binding {
            message: format!("{} needs an argument", func.name()),
            span: e.span,
        })?;
        match func {
            Func::Multiply | Func::Add | Func::Subtract | Func::Divide => {
                let op = match func {
                    Func::Multiply => BinOp::Mul,
                    Func::Add => BinOp::Add,
                    Func::Subtract => BinOp::Sub,
                    _ => BinOp::Div,
                };
                let second = vals.get(1).ok_or_else(|| ExprError::Binding {
                    message: format!("{} needs two arguments", func.name()),
                    span: e.span,
                })?;
                self.binary(e, op, first, second, true, false)
            }
            Func::Negative => self.negate(e, first, true),
            Func::Dot | Func::Matmul => {
                let t = self.typed(e, op, &refs)?;
                let second = &vals[1];
                if func == Func::Dot && (first.dims.is_empty() || second.dims.is_empty()) {
                    return self.binary(e, BinOp::Mul, first, second, true, false);
                }
                Ok(self.product(e, first, second, t))
            }
            Func::Log => self.unary(e, first, op, "np.log", |a, ea| log_with(a, ea, a.ln(), 1.0)),
            Func::Log2 => self.unary(e, first, op, "np.log2", |a, ea| {
                log_with(a, ea, a.log2(), std::f64::consts::LN_2)
            }),
            Func::Log10 => self.unary(e, first, op, "np.log10", |a, ea| {
                log_with(a, ea, a.log10(), std::f64::consts::LN_10)
            }),
            Func::Log1p => self.unary(e, first, op, "np.log1p", |a, ea| {
                let r = a.ln_1p();
                let prop = if ea == 0.0 {
                    0.0
                } else if 1.0 + a - ea > 0.0 {
                    ea / (1.0 + a - ea)
                } else {
                    f64::INFINITY
                };
                (r, prop + LIBM_ERROR_U * U * r.abs())
            }),
            Func::Exp => self.unary(e, first, op, "np.exp", |a, ea| {
                let r = a.exp();
                (r, r.abs() * ea.exp_m1() + LIBM_ERROR_U * U * r.abs())
            }),
            Func::Sum | Func::Mean | Func::Nansum | Func::Max | Func::Min => {
                let t = self.typed(e, op, &refs)?;
                Ok(self.reduce(e, first, func, axis, t))
            }
            Func::Clip => {
                let dtype = promote(first, &vals[1]).max(promote(first, &vals[2]));
                self.elementwise(e, op, vals, "np.clip", dtype, |x| {
                    let [(v, ev), (lo, elo), (hi, ehi)] = [x[0], x[1], x[2]];
                    (np_min(np_max(v, lo), hi), ev.max(elo).max(ehi))
                })
            }
            Func::Maximum | Func::Minimum => {
                let dtype = promote(first, &vals[1]);
                let (name, f): (&str, fn(f64, f64) -> f64) = if func == Func::Maximum {
                    ("np.maximum", np_max)
                } else {
                    ("np.minimum", np_min)
                };
                self.elementwise(e, op, vals, name, dtype, |x| {
                    (f(x[0].0, x[1].0), x[0].1.max(x[1].1))
                })
            }
            Func::Where => {
                let dtype = promote(&vals[1], &vals[2]);
                self.elementwise(e, op, vals, "np.where", dtype, |x| {
                    let [(c, ec), (a, ea), (b, eb)] = [x[0], x[1], x[2]];
                    let (v, ev) = if c != 0.0 { (a, ea) } else { (b, eb) };
                    if ec > 0.0 {
                        (v, ea.max(eb) + (a - b).abs())
                    } else {
                        (v, ev)
                    }
                })
            }
            Func::Xlogy | Func::Xlog1py => {
                let dtype = floating(promote(first, &vals[1]));
                let log1p = func == Func::Xlog1py;
                self.elementwise(e, op, vals, func.name(), dtype, move |x| {
                    let [(w, ew), (y, ey)] = [x[0], x[1]];
                    let (l, el) = if log1p {
                        let prop = if ey == 0.0 {
                            0.0
                        } else if 1.0 + y - ey > 0.0 {
                            ey / (1.0 + y - ey)
                        } else {
                            f64::INFINITY
                        };
                        let l = y.ln_1p();
                        (l, prop + LIBM_ERROR_U * U * l.abs())
                    } else {
                        log_with(y, ey, y.ln(), 1.0)
                    };
                    if w == 0.0 && !y.is_nan() {
                        // scipy: 0 wherever x is 0; the bound, where the exact x may not be.
                        (0.0, if ew == 0.0 { 0.0 } else { ew * l.abs() })
                    } else {
                        kernel(BinOp::Mul, w, ew, l, el)
                    }
                })
            }
            Func::Arange => self.arange(e, first),
            Func::Float32 => {
                let t = self.typed(e, op, &refs)?;
                let dims = t.shape.sizes().unwrap_or_default();
                let mut out = first.with(t.ty, dims);
                out.dtype = DType::F32;
                round_f32(&mut out);
                self.observe(e, &[first], &out, || None);
                Ok(out)
            }
            Func::Asarray => {
                let t = self.typed(e, op, &refs)?;
                let dims = t.shape.sizes().unwrap_or_default();
                Ok(first.with(t.ty, dims))
            }
            Func::Trace => {
                let t = self.typed(e, op, &refs)?;
                let n = first.data.nrows().min(first.data.ncols());
                let terms: Vec<(f64, f64)> = (0..n)
                    .map(|i| (first.data[(i, i)], first.err[(i, i)]))
                    .collect();
                let (s, es) = sum_of(&terms, false);
                let mut out = Val::scalar(s, es, t.ty);
                out.dtype = first.dtype;
                self.observe(e, &[first], &out, || {
                    Some(NanFound {
                        index: vec![],
                        cause: "inf + -inf on the diagonal".into(),
                        zero_times_infinity: false,
                        term: None,
                    })
                });
                Ok(out)
            }
            Func::Squeeze | Func::Asscalar | Func::Item | Func::Float | Func::Transpose => {
                let t = self.typed(e, op, &refs)?;
                let dims = t.shape.sizes().unwrap_or_default();
                if func == Func::Transpose && first.dims.len() == 2 {
                    return Ok(Val {
                        ty: t.ty,
                        dtype: first.dtype,
                        dims,
                        data: first.data.transpose(),
                        err: first.err.transpose(),
                    });
                }
                Ok(first.with(t.ty, dims))
            }
        }
    }

    fn unary(&mut self, e: &Expr, v: &Val, op: Op, name: &str, f: Unary) -> Result<Val, ExprError> {
        let t = self.typed(e, op, &[v])?;
        let mut data = v.data.clone();
        let mut err = v.err.clone();
        for (x, ex) in data.iter_mut().zip(err.iter_mut()) {
            let (r, er) = f(*x, *ex);
            *x = r;
            *ex = clean(r, er);
        }
        let out = Val {
            ty: t.ty,
            dtype: floating(v.dtype),
            dims: v.dims.clone(),
            data,
            err,
        };
        self.observe(e, &[v], &out, || {
            let (i, j) = out.first_nan()?;
            Some(NanFound {
                index: out.numpy_index(i, j),
                cause: format!("{name}({})", number(v.data[(i, j)])),
                zero_times_infinity: false,
                term: None,
            })
        });
        Ok(out)
    }

    /// `np.sum`, `np.mean`, `np.nansum` over all entries or one axis.
    fn reduce(&mut self, e: &Expr, v: &Val, func: Func, axis: Option<i64>, t: Typed) -> Val {
        let (r, c) = v.data.shape();
        let ndim = v.dims.len() as i64;
        let along = axis.map(|a| if a < 0 { a + ndim } else { a });
        // Groups of storage positions, in the order of numpy's result.
        let groups: Vec<Vec<(usize, usize)>> = match (v.dims.len(), along) {
            (2, Some(0)) => (0..c).map(|j| (0..r).map(|i| (i, j)).collect()).collect(),
            (2, Some(1)) => (0..r).map(|i| (0..c).map(|j| (i, j)).collect()).collect(),
            _ => vec![(0..r).flat_map(|i| (0..c).map(move |j| (i, j))).collect()],
        };
        let skip_nan = func == Func::Nansum;
        let mut values = Vec::with_capacity(groups.len());
        let mut errs = Vec::with_capacity(groups.len());
        let mut nan_at = None;
        for (g, group) in groups.iter().enumerate() {
            let terms: Vec<(f64, f64)> = group.iter().map(|&p| (v.data[p], v.err[p])).collect();
            if matches!(func, Func::Max | Func::Min) {
                let f = if func == Func::Max { np_max } else { np_min };
                let s = terms.iter().map(|t| t.0).reduce(f).unwrap_or(f64::NAN);
                let es = terms.iter().map(|t| t.1).fold(0.0, f64::max);
                values.push(s);
                errs.push(clean(s, es));
                continue;
            }
            let (mut s, mut es) = sum_of(&terms, skip_nan);
            if v.dtype == DType::F32 {
                // numpy accumulates float32 sums in float32, in its own order.
                let magnitude: f64 = terms
                    .iter()
                    .map(|t| t.0.abs())
                    .filter(|x| !x.is_nan())
                    .sum();
                es = clean(
                    s,
                    es + terms.len().saturating_sub(1) as f64 * U32 * magnitude,
                );
            }
            if func == Func::Mean {
                let n = terms.len() as f64;
                s /= n;
                es = clean(s, es / n + U * s.abs());
            }
            if s.is_nan() && nan_at.is_none() {
                nan_at = Some(g);
            }
            values.push(s);
            errs.push(es);
        }
        let dims = t.shape.sizes().unwrap_or_default();
        let mut out = Val::from_row_major(t.ty, dims, &values, &errs);
        out.dtype = match (func, v.dtype) {
            (Func::Mean, DType::Bool | DType::Int) => DType::F64,
            (Func::Sum | Func::Nansum, DType::Bool) => DType::Int,
            (_, d) => d,
        };
        self.observe(e, &[v], &out, || {
            let g = nan_at?;
            let index = if groups.len() == 1 { vec![] } else { vec![g] };
            Some(NanFound {
                index,
                cause: "inf + -inf in the sum".into(),
                zero_times_infinity: false,
                term: None,
            })
        });
        out
    }

    /// `np.dot` / `np.matmul` / `@` of arrays of one or two dimensions.
    fn product(&mut self, e: &Expr, a: &Val, b: &Val, t: Typed) -> Val {
        // a as a matrix: a 1-D (K,) is stored as the 1 × K row it acts as.
        let left = &a.data;
        let (right, right_err) = if b.dims.len() == 1 {
            (b.data.transpose(), b.err.transpose())
        } else {
            (b.data.clone(), b.err.clone())
        };
        let k = left.ncols();
        let product = left * &right;
        let abs_l = left.map(f64::abs);
        let abs_r = right.map(f64::abs);
        let dtype = promote(a, b);
        let u = if dtype == DType::F32 { U + U32 } else { U };
        let mut bound = (&abs_l * &abs_r) * (k as f64 * u);
        let a_exact = a.err.iter().all(|&x| x == 0.0);
        let b_exact = right_err.iter().all(|&x| x == 0.0);
        if !b_exact {
            bound += &abs_l * &right_err;
        }
        if !a_exact {
            bound += &a.err * &abs_r;
        }
        if !a_exact && !b_exact {
            bound += &a.err * &right_err;
        }
        bound.zip_apply(&product, |e, p| *e = clean(p, *e));
        let dims = t.shape.sizes().unwrap_or_default();
        // A 2-D × 1-D product is a column: numpy returns it 1-D, stored as a row.
        let (data, err) = if a.dims.len() == 2 && b.dims.len() == 1 {
            (product.transpose(), bound.transpose())
        } else {
            (product, bound)
        };
        let out = Val {
            ty: t.ty,
            dtype,
            dims,
            data,
            err,
        };
        self.observe(e, &[a, b], &out, || {
            let (i, j) = out.first_nan()?;
            // Back to the product's (row, column).
            let (pi, pj) = if a.dims.len() == 2 && b.dims.len() == 1 {
                (j, i)
            } else {
                (i, j)
            };
            let term = (0..k).find(|&t| (left[(pi, t)] * right[(t, pj)]).is_nan());
            Some(match term {
                Some(t) => {
                    let (x, y) = (left[(pi, t)], right[(t, pj)]);
                    NanFound {
                        index: out.numpy_index(i, j),
                        cause: format!("{} * {}", number(x), number(y)),
                        zero_times_infinity: true,
                        term: Some(t),
                    }
                }
                None => NanFound {
                    index: out.numpy_index(i, j),
                    cause: "inf + -inf in the sum of products".into(),
                    zero_times_infinity: false,
                    term: None,
                },
            })
        });
        out
    }
}

/// What [`Evaluator::observe`] records about a new NaN.
struct NanFound {
    index: Vec<usize>,
    cause: String,
    zero_times_infinity: bool,
    term: Option<usize>,
}

/// A number as numpy prints it in a message: `0`, `-inf`, `0.5`.
fn number(x: f64) -> String {
    if x.is_infinite() {
        if x > 0.0 { "inf".into() } else { "-inf".into() }
    } else if x.is_nan() {
        "nan".into()
    } else {
        format!("{x}")
    }
}

/// The value and bound of an elementwise binary operation.
fn kernel(op: BinOp, x: f64, ex: f64, y: f64, ey: f64) -> (f64, f64) {
    let (r, e) = match op {
        BinOp::Add => {
            let r = x + y;
            (r, ex + ey + U * r.abs())
        }
        BinOp::Sub => {
            let r = x - y;
            (r, ex + ey + U * r.abs())
        }
        BinOp::Mul => {
            let r = x * y;
            let prop = mul_prop(x, ex, y, ey);
            (r, prop + U * r.abs())
        }
        BinOp::Div => {
            let r = x / y;
            let prop = if ex == 0.0 && ey == 0.0 {
                0.0
            } else if y.abs() > ey {
                (ex + r.abs() * ey) / (y.abs() - ey)
            } else {
                f64::INFINITY
            };
            (r, prop + U * r.abs())
        }
        BinOp::Pow => {
            let r = x.powf(y);
            let mut e = LIBM_ERROR_U * U * r.abs();
            if ex > 0.0 {
                e += if x.abs() > ex {
                    r.abs() * y.abs() * ex / (x.abs() - ex)
                } else {
                    f64::INFINITY
                };
            }
            if ey > 0.0 {
                e += if x > 0.0 {
                    r.abs() * x.ln().abs() * ey
                } else {
                    f64::INFINITY
                };
            }
            (r, e)
        }
        // Products go through `product`; never elementwise.
        BinOp::MatMul => (f64::NAN, f64::INFINITY),
        BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::Eq | BinOp::Ne => {
            let r = match op {
                BinOp::Lt => x < y,
                BinOp::Le => x <= y,
                BinOp::Gt => x > y,
                BinOp::Ge => x >= y,
                BinOp::Eq => x == y,
                _ => x != y,
            };
            // The exact operands may compare the other way when within their bounds.
            let decided = (x - y).abs() > ex + ey;
            let undecided = (ex > 0.0 || ey > 0.0) && !decided;
            return (f64::from(u8::from(r)), if undecided { 1.0 } else { 0.0 });
        }
    };
    (r, clean(r, e))
}

/// `|x|·e_y + |y|·e_x + e_x·e_y`, skipping the terms of exact operands (so that an exact 0
/// times an infinity does not make the bound NaN).
fn mul_prop(x: f64, ex: f64, y: f64, ey: f64) -> f64 {
    let mut p = 0.0;
    if ey > 0.0 {
        p += x.abs() * ey;
    }
    if ex > 0.0 {
        p += y.abs() * ex;
    }
    if ex > 0.0 && ey > 0.0 {
        p += ex * ey;
    }
    p
}

/// `ln`, `log2`, `log10` of `a` (result `r`) with the bound; `scale` is `ln` of the base.
fn log_with(a: f64, ea: f64, r: f64, scale: f64) -> (f64, f64) {
    let prop = if ea == 0.0 {
        0.0
    } else if a - ea > 0.0 {
        ea / ((a - ea) * scale)
    } else {
        f64::INFINITY
    };
    (r, prop + LIBM_ERROR_U * U * r.abs())
}

/// The sum of `(value, bound)` terms and its bound, `Σ e_i + (n − 1)·u·Σ|x_i|`.
fn sum_of(terms: &[(f64, f64)], skip_nan: bool) -> (f64, f64) {
    let mut s = 0.0;
    let mut e = 0.0;
    let mut magnitude = 0.0;
    let mut n = 0usize;
    for &(x, ex) in terms {
        if skip_nan && x.is_nan() {
            continue;
        }
        s += x;
        e += ex;
        magnitude += x.abs();
        n += 1;
    }
    let e = e + n.saturating_sub(1) as f64 * U * magnitude;
    (s, clean(s, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;

    fn run(src: &str, env: &[(&str, Val)]) -> Evaluated {
        let p = parse(src).expect(src);
        let env = env
            .iter()
            .map(|(n, v)| (n.to_string(), v.clone()))
            .collect();
        evaluate(&p, env).unwrap_or_else(|e| panic!("{src}: {}", e.render(src)))
    }

    fn row(values: &[f64]) -> Val {
        Val::input(&DMatrix::from_row_slice(1, values.len(), values), false)
    }

    #[test]
    fn zero_times_minus_infinity_is_nan_and_located() {
        let y = row(&[1.0, 0.0]);
        let a = row(&[0.5, 0.0]);
        let out = run("np.sum(Y*np.log(A))", &[("Y", y), ("A", a)]);
        assert!(out.value.data[0].is_nan());
        let nan = out.nan.expect("located");
        assert_eq!(nan.text, "Y*np.log(A)");
        assert_eq!(nan.index, vec![0, 1]);
        assert_eq!(nan.cause, "0 * -inf");
        assert!(nan.zero_times_infinity);
    }

    #[test]
    fn nan_in_a_dot_product_names_the_term() {
        let y = row(&[1.0, 0.0, 1.0]);
        let a = row(&[0.5, 0.0, 0.25]);
        let out = run("np.dot(np.log(A), Y.T)", &[("Y", y), ("A", a)]);
        let nan = out.nan.expect("located");
        assert_eq!((nan.index.clone(), nan.term), (vec![0, 0], Some(1)));
        assert_eq!(nan.cause, "-inf * 0");
    }

    #[test]
    fn log_of_one_minus_tiny_is_the_culprit() {
        let a = row(&[1e-20]);
        let out = run("np.log(1 - A)", &[("A", a)]);
        assert_eq!(out.value.data[0], 0.0);
        let c = out.culprit.expect("digits lost");
        assert_eq!(c.text, "np.log(1 - A)");
        assert!(c.hint.expect("hint").contains("np.log1p(-A)"));
        // The bound admits the truth, -1e-20.
        assert!(out.value.err[0] >= 1e-20);
    }

    #[test]
    fn bounds_cover_the_truth_for_exact_cases() {
        // 0.1 + 0.2 is not 0.3 in f64; the literals' and the sum's rounding are covered.
        let out = run("0.1 + 0.2", &[]);
        let (v, e) = out.value.single().expect("scalar");
        assert!((v - 0.3).abs() <= e);
        let out = run("(1/3) * 3", &[]);
        let (v, e) = out.value.single().expect("scalar");
        assert!((v - 1.0).abs() <= e);
    }

    #[test]
    fn reductions_along_axes() {
        let m = Val::input(
            &DMatrix::from_row_slice(2, 3, &[1., 2., 3., 4., 5., 6.]),
            false,
        );
        for (src, dims, values) in [
            ("np.sum(A, axis=0)", vec![3], vec![5.0, 7.0, 9.0]),
            ("np.sum(A, axis=1)", vec![2], vec![6.0, 15.0]),
            (
                "np.sum(A, axis=-1, keepdims=True)",
                vec![2, 1],
                vec![6.0, 15.0],
            ),
            ("A.mean(0)", vec![3], vec![2.5, 3.5, 4.5]),
            ("np.sum(A)", vec![], vec![21.0]),
            ("np.dot(A, A.T)", vec![2, 2], vec![14.0, 32.0, 32.0, 77.0]),
            ("np.dot(A, np.sum(A, axis=0))", vec![2], vec![46.0, 109.0]),
            (
                "np.dot(np.sum(A, axis=1), A)",
                vec![3],
                vec![66.0, 87.0, 108.0],
            ),
            ("np.trace(np.dot(A, A.T))", vec![], vec![91.0]),
            (
                "np.squeeze(np.sum(A, axis=1, keepdims=True))",
                vec![2],
                vec![6.0, 15.0],
            ),
        ] {
            let out = run(src, &[("A", m.clone())]);
            assert_eq!(out.value.dims, dims, "{src}");
            assert_eq!(Val::row_major(&out.value.data), values, "{src}");
        }
    }

    #[test]
    fn python_division_by_zero_raises_but_numpy_gives_inf() {
        let p = parse("1/(m-m)").expect("parses");
        let env = [("m".to_string(), Val::scalar(3.0, 0.0, Ty::Int))].into();
        let e = evaluate(&p, env).unwrap_err();
        assert!(
            matches!(
                e,
                ExprError::Numpy {
                    exception: "ZeroDivisionError",
                    ..
                }
            ),
            "{e}"
        );
        let out = run("np.divide(1, A - A)", &[("A", row(&[0.5]))]);
        assert_eq!(out.value.data[0], f64::INFINITY);
    }
}
