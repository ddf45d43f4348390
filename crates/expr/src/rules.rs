//! The shape and Python type of every operation's result, from its operands': one table for
//! the symbolic pass and the numeric runs alike.

use crate::ast::{BinOp, Func};
use crate::shape::{self, OneElement, Refusal, Shape, Ty};

/// An operation, as far as shapes and types are concerned.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Op {
    /// `-x` (`ufunc`: `np.negative`).
    Neg { ufunc: bool },
    /// `a op b` (`ufunc`: written `np.multiply(a, b)` etc., which makes numpy scalars of
    /// Python numbers).
    Bin {
        op: BinOp,
        ufunc: bool,
        /// For `**` of two Python ints: whether the exponent is a non-negative integer (the
        /// result stays an `int`).
        int_power: bool,
    },
    /// A numpy function or method.
    Call {
        func: Func,
        axis: Option<i64>,
        keepdims: bool,
    },
}

/// What an operation produces.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Typed {
    pub(crate) shape: Shape,
    pub(crate) ty: Ty,
    /// For `.item()` and friends: when the operand has one element.
    pub(crate) one_element: Option<OneElement>,
}

fn typed(shape: Shape, ty: Ty) -> Typed {
    Typed {
        shape,
        ty,
        one_element: None,
    }
}

/// The shape and type of `op` applied to `args` (shape, type each), or numpy's refusal.
pub(crate) fn apply(op: Op, args: &[(Shape, Ty)]) -> Result<Typed, Refusal> {
    let arg = |i: usize| -> Result<&(Shape, Ty), Refusal> {
        args.get(i).ok_or_else(|| Refusal {
            exception: "TypeError",
            message: "missing argument".into(),
            unless: None,
        })
    };
    match op {
        Op::Neg { ufunc } => {
            let (s, t) = arg(0)?;
            let ty = if t.is_python() && !ufunc {
                *t
            } else {
                Ty::of_ufunc(s.ndim())
            };
            Ok(typed(s.clone(), ty))
        }
        Op::Bin {
            op,
            ufunc,
            int_power,
        } => {
            let ((sa, ta), (sb, tb)) = (arg(0)?, arg(1)?);
            let shape = match op {
                BinOp::MatMul => shape::matmul(sa, sb)?,
                _ => shape::broadcast(sa, sb)?,
            };
            if op.is_comparison() {
                let ty = if shape.ndim() == 0 {
                    Ty::Bool
                } else {
                    Ty::NdArray
                };
                return Ok(typed(shape, ty));
            }
            let ty = if ta.is_python() && tb.is_python() && !ufunc && op != BinOp::MatMul {
                let both_int = *ta == Ty::Int && *tb == Ty::Int;
                match op {
                    BinOp::Div => Ty::Float,
                    BinOp::Pow if both_int && int_power => Ty::Int,
                    BinOp::Pow => Ty::Float,
                    _ if both_int => Ty::Int,
                    _ => Ty::Float,
                }
            } else {
                Ty::of_ufunc(shape.ndim())
            };
            Ok(typed(shape, ty))
        }
        Op::Call {
            func,
            axis,
            keepdims,
        } => {
            let (s, t) = arg(0)?;
            match func {
                Func::Sum | Func::Mean | Func::Nansum | Func::Max | Func::Min => {
                    let out = shape::reduce(s, axis, keepdims)?;
                    let ty = if keepdims {
                        Ty::NdArray
                    } else {
                        Ty::of_ufunc(out.ndim())
                    };
                    Ok(typed(out, ty))
                }
                Func::Dot | Func::Matmul => {
                    let (sb, _) = arg(1)?;
                    let out = if func == Func::Dot {
                        shape::dot(s, sb)?
                    } else {
                        shape::matmul(s, sb)?
                    };
                    let ty = Ty::of_ufunc(out.ndim());
                    Ok(typed(out, ty))
                }
                Func::Multiply | Func::Add | Func::Subtract | Func::Divide => {
                    let op = match func {
                        Func::Multiply => BinOp::Mul,
                        Func::Add => BinOp::Add,
                        Func::Subtract => BinOp::Sub,
                        _ => BinOp::Div,
                    };
                    apply(
                        Op::Bin {
                            op,
                            ufunc: true,
                            int_power: false,
                        },
                        args,
                    )
                }
                Func::Negative => apply(Op::Neg { ufunc: true }, args),
                Func::Log | Func::Log2 | Func::Log10 | Func::Log1p | Func::Exp => {
                    Ok(typed(s.clone(), Ty::of_ufunc(s.ndim())))
                }
                Func::Squeeze => {
                    let out = shape::squeeze(s, axis)?;
                    // numpy scalars squeeze to themselves; anything else is an ndarray,
                    // 0-d included (the documents' "type remains same").
                    let ty = if *t == Ty::Float64 {
                        Ty::Float64
                    } else {
                        Ty::NdArray
                    };
                    Ok(typed(out, ty))
                }
                Func::Asscalar | Func::Item | Func::Float => {
                    let one = shape::item(s)?;
                    Ok(Typed {
                        shape: Shape(vec![]),
                        ty: Ty::Float,
                        one_element: Some(one),
                    })
                }
                Func::Trace => Ok(typed(shape::trace(s)?, Ty::Float64)),
                Func::Clip
                | Func::Where
                | Func::Maximum
                | Func::Minimum
                | Func::Xlogy
                | Func::Xlog1py => {
                    let mut out = s.clone();
                    for (other, _) in &args[1..] {
                        out = shape::broadcast(&out, other)?;
                    }
                    let ty = Ty::of_ufunc(out.ndim());
                    Ok(typed(out, ty))
                }
                Func::Asarray => Ok(typed(s.clone(), Ty::NdArray)),
                Func::Float32 => Ok(typed(s.clone(), Ty::of_ufunc(s.ndim()))),
                // Sized by the value of its argument: the passes size it themselves.
                Func::Arange => Err(Refusal {
                    exception: "TypeError",
                    message: "np.arange is sized by its argument's value".into(),
                    unless: None,
                }),
                Func::Transpose => Ok(typed(shape::transpose(s), *t)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shape::Dim;

    fn nd(d: &[usize]) -> (Shape, Ty) {
        (Shape::fixed(d), Ty::NdArray)
    }

    fn call(func: Func) -> Op {
        Op::Call {
            func,
            axis: None,
            keepdims: false,
        }
    }

    #[test]
    fn the_documents_types() {
        // np.dot of (1, 8) and (8, 1): a (1, 1) numpy.ndarray; np.sum: numpy.float64;
        // np.squeeze of (1, 1): a 0-d numpy.ndarray; np.asscalar: a float.
        let dot = apply(call(Func::Dot), &[nd(&[1, 8]), nd(&[8, 1])]).expect("aligned");
        assert_eq!(
            (dot.shape.to_string(), dot.ty),
            ("(1, 1)".into(), Ty::NdArray)
        );
        let sum = apply(call(Func::Sum), &[nd(&[1, 8])]).expect("sums");
        assert_eq!((sum.shape.to_string(), sum.ty), ("()".into(), Ty::Float64));
        let sq = apply(call(Func::Squeeze), &[nd(&[1, 1])]).expect("squeezes");
        assert_eq!((sq.shape.to_string(), sq.ty), ("()".into(), Ty::NdArray));
        let item = apply(call(Func::Asscalar), &[nd(&[1, 1])]).expect("one element");
        assert_eq!((item.shape.to_string(), item.ty), ("()".into(), Ty::Float));
        // (-1/m) * logprobs: a Python float times a (1, 1) array is a (1, 1) array.
        let cost = apply(
            Op::Bin {
                op: BinOp::Mul,
                ufunc: false,
                int_power: false,
            },
            &[(Shape(vec![]), Ty::Float), nd(&[1, 1])],
        )
        .expect("broadcasts");
        assert_eq!(cost.ty, Ty::NdArray);
        // - logprobs / m with logprobs a numpy.float64: still a numpy.float64.
        let neg = apply(Op::Neg { ufunc: false }, &[(Shape(vec![]), Ty::Float64)]).expect("ok");
        assert_eq!(neg.ty, Ty::Float64);
    }

    #[test]
    fn python_numbers_stay_python() {
        let int = (Shape(vec![]), Ty::Int);
        let bin = |op| Op::Bin {
            op,
            ufunc: false,
            int_power: true,
        };
        assert_eq!(
            apply(bin(BinOp::Div), &[int.clone(), int.clone()]).map(|t| t.ty),
            Ok(Ty::Float)
        );
        assert_eq!(
            apply(bin(BinOp::Mul), &[int.clone(), int.clone()]).map(|t| t.ty),
            Ok(Ty::Int)
        );
        assert_eq!(
            apply(bin(BinOp::Pow), &[int.clone(), int.clone()]).map(|t| t.ty),
            Ok(Ty::Int)
        );
        let np_mul = Op::Call {
            func: Func::Multiply,
            axis: None,
            keepdims: false,
        };
        assert_eq!(
            apply(np_mul, &[int.clone(), int]).map(|t| t.ty),
            Ok(Ty::Float64)
        );
        let sym = (Shape(vec![Dim::Sym("n_y"), Dim::Sym("n_y")]), Ty::NdArray);
        let item = apply(call(Func::Item), &[sym]).expect("symbolic");
        assert_eq!(item.one_element, Some(OneElement::When(vec!["n_y"])));
    }
}
