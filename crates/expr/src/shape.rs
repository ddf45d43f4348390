//! numpy's shape rules, over dimensions that are numbers or symbols (`n_y`, `m`, `k`).
//!
//! The same functions serve the symbolic pass (inputs `(n_y, m)`) and every numeric run
//! (inputs `(3, 5)`), so what the report says about shapes is what the evaluator does.
//! Symbols are *generic*: distinct from each other and from every number, 1 included. Where
//! numpy would accept an expression only for special sizes (`n_y = m`, `m = 1`), the
//! symbolic pass rejects it with numpy's message and says when numpy would accept it.

use std::fmt;

/// One dimension of a shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dim {
    /// A known size.
    Fixed(usize),
    /// A size named by a symbol: `n_y`, `k` (outputs or classes) or `m` (samples).
    Sym(&'static str),
}

impl fmt::Display for Dim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Dim::Fixed(n) => write!(f, "{n}"),
            Dim::Sym(s) => f.write_str(s),
        }
    }
}

/// A numpy shape of at most two dimensions: `()`, `(n,)`, `(rows, cols)`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Shape(pub Vec<Dim>);

impl Shape {
    /// A shape of known sizes.
    pub fn fixed(dims: &[usize]) -> Self {
        Shape(dims.iter().map(|&d| Dim::Fixed(d)).collect())
    }

    /// Number of dimensions.
    pub fn ndim(&self) -> usize {
        self.0.len()
    }

    /// The sizes, when none is a symbol.
    pub fn sizes(&self) -> Option<Vec<usize>> {
        self.0
            .iter()
            .map(|d| match d {
                Dim::Fixed(n) => Some(*n),
                Dim::Sym(_) => None,
            })
            .collect()
    }

    /// The shape as numpy prints it in error messages: `(1,8)`, `(3,)`, `()`.
    pub fn compact(&self) -> String {
        match self.0.as_slice() {
            [] => "()".into(),
            [d] => format!("({d},)"),
            ds => format!(
                "({})",
                ds.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        }
    }

    /// The shape as strings, for JSON: `["n_y", "n_y"]`, `[]`.
    pub fn to_strings(&self) -> Vec<String> {
        self.0.iter().map(ToString::to_string).collect()
    }

    /// When the array has exactly one element: `Never` if a fixed size exceeds 1,
    /// `Always` if every size is 1, else when each symbol in it is 1.
    pub fn one_element(&self) -> OneElement {
        let mut symbols = Vec::new();
        for d in &self.0 {
            match *d {
                Dim::Fixed(1) => {}
                Dim::Fixed(_) => return OneElement::Never,
                Dim::Sym(s) => {
                    if !symbols.contains(&s) {
                        symbols.push(s);
                    }
                }
            }
        }
        if symbols.is_empty() {
            OneElement::Always
        } else {
            OneElement::When(symbols)
        }
    }
}

impl fmt::Display for Shape {
    /// As numpy prints `x.shape`: `(n_y, n_y)`, `(3,)`, `()`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&xent_core::array::numpy_shape(&self.0))
    }
}

/// When an array has a single element (so `.item()` works and the report can give a value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OneElement {
    /// Every size is 1 (or there are none: a scalar).
    Always,
    /// Only when each of these symbols is 1.
    When(Vec<&'static str>),
    /// A size is a number above 1.
    Never,
}

impl OneElement {
    /// `n_y = 1`, `n_y = m = 1`.
    pub fn condition(&self) -> Option<String> {
        match self {
            OneElement::When(s) => Some(format!("{} = 1", s.join(" = "))),
            _ => None,
        }
    }
}

/// What a value is in Python, as `type(x)` prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ty {
    /// A Python `int` (`m`, `1`, `x.shape[1]`).
    Int,
    /// A Python `float` (`1.0`, `.item()`, `np.asscalar`).
    Float,
    /// A numpy scalar, `numpy.float64` (`np.sum(x)`).
    Float64,
    /// An array, `numpy.ndarray`, of any dimension (0-d included, as `np.squeeze` returns).
    NdArray,
    /// A numpy boolean scalar, `numpy.bool` (a comparison of scalars).
    Bool,
}

impl Ty {
    /// The name `type()` prints: `int`, `float`, `numpy.float64`, `numpy.ndarray`.
    pub fn name(self) -> &'static str {
        match self {
            Ty::Int => "int",
            Ty::Float => "float",
            Ty::Float64 => "numpy.float64",
            Ty::NdArray => "numpy.ndarray",
            Ty::Bool => "numpy.bool",
        }
    }

    /// Whether it is a Python number rather than a numpy object.
    pub fn is_python(self) -> bool {
        matches!(self, Ty::Int | Ty::Float)
    }

    /// The type of a ufunc's result with `ndim` dimensions: numpy returns a scalar for a
    /// 0-d result.
    pub fn of_ufunc(ndim: usize) -> Ty {
        if ndim == 0 { Ty::Float64 } else { Ty::NdArray }
    }
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// numpy's refusal: the exception and its message, with when numpy would accept it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// `ValueError`, `AxisError`, `TypeError`.
    pub exception: &'static str,
    /// numpy's kind of message.
    pub message: String,
    /// For a symbolic refusal, the special sizes for which numpy would accept it
    /// (`n_y = m`, `m = 1`).
    pub unless: Option<String>,
}

impl Refusal {
    fn value(message: String, unless: Option<String>) -> Self {
        Refusal {
            exception: "ValueError",
            message,
            unless,
        }
    }

    /// The message with its escape clause: `… (numpy accepts it only when n_y = m)`.
    pub fn full_message(&self) -> String {
        match &self.unless {
            Some(u) => format!("{} (numpy accepts it only when {u})", self.message),
            None => self.message.clone(),
        }
    }
}

/// Why two dimensions that must match do not, if they only might for special sizes.
fn mismatch_unless(a: Dim, b: Dim) -> Option<String> {
    match (a, b) {
        (Dim::Sym(x), Dim::Sym(y)) => Some(format!("{x} = {y}")),
        (Dim::Sym(x), Dim::Fixed(n)) | (Dim::Fixed(n), Dim::Sym(x)) => Some(format!("{x} = {n}")),
        (Dim::Fixed(_), Dim::Fixed(_)) => None,
    }
}

/// numpy's broadcasting of two shapes (elementwise operations).
pub fn broadcast(a: &Shape, b: &Shape) -> Result<Shape, Refusal> {
    let n = a.ndim().max(b.ndim());
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let da = (i + a.ndim()).checked_sub(n).map(|j| a.0[j]);
        let db = (i + b.ndim()).checked_sub(n).map(|j| b.0[j]);
        let d = match (da, db) {
            (Some(x), None) | (None, Some(x)) => x,
            (Some(x), Some(y)) if x == y => x,
            (Some(Dim::Fixed(1)), Some(y)) => y,
            (Some(x), Some(Dim::Fixed(1))) => x,
            (Some(x), Some(y)) => {
                let unless = mismatch_unless(x, y).map(|u| {
                    let mut u = u;
                    for one in [x, y] {
                        if let Dim::Sym(s) = one {
                            u.push_str(&format!(" or {s} = 1"));
                        }
                    }
                    u
                });
                return Err(Refusal::value(
                    format!(
                        "operands could not be broadcast together with shapes {} {}",
                        a.compact(),
                        b.compact()
                    ),
                    unless,
                ));
            }
            (None, None) => Dim::Fixed(1),
        };
        out.push(d);
    }
    Ok(Shape(out))
}

fn not_aligned(a: &Shape, b: &Shape, (da, ia): (Dim, usize), (db, ib): (Dim, usize)) -> Refusal {
    Refusal::value(
        format!(
            "shapes {} and {} not aligned: {da} (dim {ia}) != {db} (dim {ib})",
            a.compact(),
            b.compact()
        ),
        mismatch_unless(da, db),
    )
}

/// `np.dot(a, b)`: a product with a scalar, the inner product of 1-D arrays, the matrix
/// product of 2-D arrays, or a sum over the last axis of `a` and the first of a 1-D `b`.
pub fn dot(a: &Shape, b: &Shape) -> Result<Shape, Refusal> {
    match (a.0.as_slice(), b.0.as_slice()) {
        ([], _) => Ok(b.clone()),
        (_, []) => Ok(a.clone()),
        ([x], [y]) => aligned(a, b, (*x, 0), (*y, 0), Shape(vec![])),
        ([r, x], [y]) => aligned(a, b, (*x, 1), (*y, 0), Shape(vec![*r])),
        ([x], [y, c]) => aligned(a, b, (*x, 0), (*y, 0), Shape(vec![*c])),
        ([r, x], [y, c]) => aligned(a, b, (*x, 1), (*y, 0), Shape(vec![*r, *c])),
        _ => Err(Refusal::value(
            "xent-expr handles at most 2 dimensions".into(),
            None,
        )),
    }
}

fn aligned(
    a: &Shape,
    b: &Shape,
    x: (Dim, usize),
    y: (Dim, usize),
    out: Shape,
) -> Result<Shape, Refusal> {
    if x.0 == y.0 {
        Ok(out)
    } else {
        Err(not_aligned(a, b, x, y))
    }
}

/// `np.matmul(a, b)` and `a @ b`: like [`dot`] for 1-D and 2-D arrays, but scalars are
/// refused, with numpy's gufunc messages.
pub fn matmul(a: &Shape, b: &Shape) -> Result<Shape, Refusal> {
    const SIGNATURE: &str = "(n?,k),(k,m?)->(n?,m?)";
    for (i, s) in [a, b].into_iter().enumerate() {
        if s.ndim() == 0 {
            return Err(Refusal::value(
                format!(
                    "matmul: Input operand {i} does not have enough dimensions (has 0, gufunc \
                     core with signature {SIGNATURE} requires 1)"
                ),
                None,
            ));
        }
    }
    dot(a, b).map_err(|refusal| {
        let k_a = *a.0.last().unwrap_or(&Dim::Fixed(1));
        let k_b = b.0[0];
        Refusal::value(
            format!(
                "matmul: Input operand 1 has a mismatch in its core dimension 0, with gufunc \
                 signature {SIGNATURE} (size {k_b} is different from {k_a})"
            ),
            refusal.unless,
        )
    })
}

/// Resolves an axis (negative counts from the end) for an array of `ndim` dimensions.
pub fn axis(axis: i64, ndim: usize) -> Result<usize, Refusal> {
    let n = ndim as i64;
    if axis < -n || axis >= n {
        return Err(Refusal {
            exception: "AxisError",
            message: format!("axis {axis} is out of bounds for array of dimension {ndim}"),
            unless: None,
        });
    }
    Ok(if axis < 0 { axis + n } else { axis } as usize)
}

/// `np.sum` / `np.mean` over `axis` (all axes when `None`), keeping reduced axes as 1 with
/// `keepdims`.
pub fn reduce(a: &Shape, along: Option<i64>, keepdims: bool) -> Result<Shape, Refusal> {
    match along {
        None if keepdims => Ok(Shape(vec![Dim::Fixed(1); a.ndim()])),
        None => Ok(Shape(vec![])),
        Some(x) => {
            let i = axis(x, a.ndim())?;
            let mut out = a.0.clone();
            if keepdims {
                out[i] = Dim::Fixed(1);
            } else {
                out.remove(i);
            }
            Ok(Shape(out))
        }
    }
}

/// `x.T`: the axes reversed.
pub fn transpose(a: &Shape) -> Shape {
    Shape(a.0.iter().rev().copied().collect())
}

/// `np.squeeze(x)`: drops the axes of size 1 (a symbol is generic, so it stays); with an
/// axis, that axis must have size 1.
pub fn squeeze(a: &Shape, along: Option<i64>) -> Result<Shape, Refusal> {
    match along {
        None => Ok(Shape(
            a.0.iter()
                .copied()
                .filter(|d| *d != Dim::Fixed(1))
                .collect(),
        )),
        Some(x) => {
            let i = axis(x, a.ndim())?;
            match a.0[i] {
                Dim::Fixed(1) => {
                    let mut out = a.0.clone();
                    out.remove(i);
                    Ok(Shape(out))
                }
                d => Err(Refusal::value(
                    "cannot select an axis to squeeze out which has size not equal to one".into(),
                    match d {
                        Dim::Sym(s) => Some(format!("{s} = 1")),
                        Dim::Fixed(_) => None,
                    },
                )),
            }
        }
    }
}

/// `.item()`, `np.asscalar`, `float(x)`: numpy requires exactly one element.
pub fn item(a: &Shape) -> Result<OneElement, Refusal> {
    match a.one_element() {
        OneElement::Never => Err(Refusal::value(
            "can only convert an array of size 1 to a Python scalar".into(),
            None,
        )),
        other => Ok(other),
    }
}

/// `x[i0, i1, …]` with integer (array) indices: numpy's advanced indexing. The indices
/// broadcast together; the result has their shape, followed by the dimensions not indexed.
pub fn index(a: &Shape, indices: &[Shape]) -> Result<Shape, Refusal> {
    if indices.len() > a.ndim() {
        return Err(Refusal {
            exception: "IndexError",
            message: format!(
                "too many indices for array: array is {}-dimensional, but {} were indexed",
                a.ndim(),
                indices.len()
            ),
            unless: None,
        });
    }
    let mut together = Shape(vec![]);
    for s in indices {
        together = broadcast(&together, s).map_err(|r| Refusal {
            exception: "IndexError",
            message: format!(
                "shape mismatch: indexing arrays could not be broadcast together with shapes {}",
                indices
                    .iter()
                    .map(Shape::compact)
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            unless: r.unless,
        })?;
    }
    let mut out = together.0;
    out.extend_from_slice(&a.0[indices.len()..]);
    if out.len() > 2 {
        return Err(Refusal::value(
            "xent-expr handles at most 2 dimensions".into(),
            None,
        ));
    }
    Ok(Shape(out))
}

/// `np.trace(x)`: the sum of the diagonal of a 2-D array.
pub fn trace(a: &Shape) -> Result<Shape, Refusal> {
    if a.ndim() < 2 {
        return Err(Refusal::value(
            "diag requires an array of at least two dimensions".into(),
            None,
        ));
    }
    Ok(Shape(vec![]))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NY: Dim = Dim::Sym("n_y");
    const M: Dim = Dim::Sym("m");

    fn s(d: &[Dim]) -> Shape {
        Shape(d.to_vec())
    }

    #[test]
    fn broadcasting() {
        for (a, b, out) in [
            (s(&[NY, M]), s(&[NY, M]), "(n_y, m)"),
            (s(&[NY, M]), s(&[]), "(n_y, m)"),
            (s(&[NY, M]), s(&[M]), "(n_y, m)"),
            (s(&[NY, M]), s(&[Dim::Fixed(1), M]), "(n_y, m)"),
            (s(&[NY, Dim::Fixed(1)]), s(&[Dim::Fixed(1), M]), "(n_y, m)"),
            (Shape::fixed(&[3]), Shape::fixed(&[3, 1]), "(3, 3)"),
        ] {
            assert_eq!(broadcast(&a, &b).expect("broadcasts").to_string(), out);
        }
        let e = broadcast(&s(&[NY, M]), &s(&[M, NY])).unwrap_err();
        assert_eq!(
            e.full_message(),
            "operands could not be broadcast together with shapes (n_y,m) (m,n_y) \
             (numpy accepts it only when n_y = m or n_y = 1 or m = 1)"
        );
        let e = broadcast(&Shape::fixed(&[2, 3]), &Shape::fixed(&[3, 2])).unwrap_err();
        assert_eq!(
            e.full_message(),
            "operands could not be broadcast together with shapes (2,3) (3,2)"
        );
    }

    #[test]
    fn dot_and_matmul_align_like_numpy() {
        let e = dot(&Shape::fixed(&[1, 8]), &Shape::fixed(&[1, 8])).unwrap_err();
        assert_eq!(
            e.message,
            "shapes (1,8) and (1,8) not aligned: 8 (dim 1) != 1 (dim 0)"
        );
        let e = dot(&s(&[NY, M]), &s(&[NY, M])).unwrap_err();
        assert_eq!(
            e.full_message(),
            "shapes (n_y,m) and (n_y,m) not aligned: m (dim 1) != n_y (dim 0) \
             (numpy accepts it only when m = n_y)"
        );
        for (a, b, out) in [
            (s(&[NY, M]), s(&[M, NY]), "(n_y, n_y)"),
            (s(&[M, NY]), s(&[NY, M]), "(m, m)"),
            (s(&[NY]), s(&[NY]), "()"),
            (s(&[NY, M]), s(&[M]), "(n_y,)"),
            (s(&[NY]), s(&[NY, M]), "(m,)"),
            (s(&[]), s(&[NY, M]), "(n_y, m)"),
        ] {
            assert_eq!(dot(&a, &b).expect("aligned").to_string(), out);
            assert_eq!(
                matmul(&a, &b).map(|x| x.to_string()).ok(),
                (a.ndim() > 0).then(|| out.to_owned())
            );
        }
        let e = matmul(&Shape::fixed(&[1, 8]), &Shape::fixed(&[1, 8])).unwrap_err();
        assert_eq!(
            e.message,
            "matmul: Input operand 1 has a mismatch in its core dimension 0, with gufunc \
             signature (n?,k),(k,m?)->(n?,m?) (size 1 is different from 8)"
        );
    }

    #[test]
    fn reductions_squeeze_item_trace() {
        let a = s(&[NY, M]);
        assert_eq!(reduce(&a, None, false).expect("ok").to_string(), "()");
        assert_eq!(reduce(&a, None, true).expect("ok").to_string(), "(1, 1)");
        assert_eq!(reduce(&a, Some(0), false).expect("ok").to_string(), "(m,)");
        assert_eq!(
            reduce(&a, Some(-1), true).expect("ok").to_string(),
            "(n_y, 1)"
        );
        assert_eq!(
            reduce(&a, Some(2), false).unwrap_err().message,
            "axis 2 is out of bounds for array of dimension 2"
        );
        assert_eq!(
            squeeze(&Shape::fixed(&[1, 1]), None)
                .expect("ok")
                .to_string(),
            "()"
        );
        assert_eq!(squeeze(&a, None).expect("ok").to_string(), "(n_y, m)");
        assert!(squeeze(&a, Some(0)).is_err());
        assert_eq!(item(&s(&[NY, NY])), Ok(OneElement::When(vec!["n_y"])));
        assert_eq!(
            item(&s(&[NY, M])).expect("ok").condition().as_deref(),
            Some("n_y = m = 1")
        );
        assert!(item(&Shape::fixed(&[3, 3])).is_err());
        assert!(trace(&s(&[NY])).is_err());
        assert_eq!(transpose(&a).to_string(), "(m, n_y)");
    }
}
