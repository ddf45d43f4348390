//! The symbolic pass: the shape and Python type of every sub-expression, with dimensions as
//! symbols, and numpy's refusals with the sizes for which numpy would accept instead.

use std::collections::HashMap;

use crate::ast::{BinOp, Expr, ExprKind, Func, Program};
use crate::error::{ExprError, Span};
use crate::rules::{self, Op};
use crate::shape::{self, Dim, OneElement, Shape, Ty};

/// The shape of one sub-expression worth reporting: a product (`np.dot`, `np.matmul`, `@`),
/// a conversion to a scalar, or a statement's value.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeShape {
    /// The sub-expression verbatim, or the name a statement assigns.
    pub text: String,
    /// Where it is.
    pub span: Span,
    /// Its shape (symbolic or concrete).
    pub shape: Shape,
    /// Its Python type.
    pub ty: Ty,
}

impl NodeShape {
    /// When it has a single element.
    pub fn one_element(&self) -> OneElement {
        self.shape.one_element()
    }
}

/// What the symbolic pass found.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Inferred {
    /// The result's shape and type.
    pub(crate) result: NodeShape,
    /// Products, conversions and statements, in evaluation order.
    pub(crate) nodes: Vec<NodeShape>,
    /// Remarks: a conversion that needs one element only for special sizes, a function
    /// removed from numpy.
    pub(crate) notes: Vec<String>,
}

/// Infers shapes and types with the free names bound in `env`; `sizes` gives the
/// dimension a Python `int` name stands for (`m` → `m`, or its number), so that
/// `np.arange(m)` has a shape.
pub(crate) fn infer(
    program: &Program,
    env: HashMap<String, (Shape, Ty)>,
    sizes: HashMap<String, Dim>,
) -> Result<Inferred, ExprError> {
    let mut pass = Pass {
        program,
        env,
        sizes,
        nodes: Vec::new(),
        notes: Vec::new(),
    };
    let mut result = None;
    for s in program.statements() {
        let (shape, ty) = pass.walk(&s.expr)?;
        let text = match &s.target {
            Some((name, _)) => {
                pass.env.insert(name.clone(), (shape.clone(), ty));
                name.clone()
            }
            None => program.text(s.expr.span).to_owned(),
        };
        let node = NodeShape {
            text,
            span: s.span,
            shape,
            ty,
        };
        let repeated = pass
            .nodes
            .last()
            .is_some_and(|n| n.text == node.text && n.shape == node.shape);
        if repeated {
            // `print(cost)` after `cost = …`: already listed.
        } else if pass.nodes.last().is_none_or(|n| n.span != s.expr.span) {
            pass.nodes.push(node.clone());
        } else if let Some(last) = pass.nodes.last_mut() {
            // A statement that is a single product: report it once, under its name.
            *last = node.clone();
        }
        result = Some(node);
    }
    let result = result.ok_or_else(|| ExprError::Binding {
        message: "the program has no statement".into(),
        span: Span::default(),
    })?;
    Ok(Inferred {
        result,
        nodes: pass.nodes,
        notes: pass.notes,
    })
}

struct Pass<'p> {
    program: &'p Program,
    env: HashMap<String, (Shape, Ty)>,
    sizes: HashMap<String, Dim>,
    nodes: Vec<NodeShape>,
    notes: Vec<String>,
}

impl Pass<'_> {
    /// The dimension an integer expression stands for: a literal, a size name, `x.shape[i]`.
    fn size(&mut self, e: &Expr) -> Result<Option<Dim>, ExprError> {
        Ok(match &e.kind {
            ExprKind::Number { value, int: true } if *value >= 0.0 => {
                Some(Dim::Fixed(*value as usize))
            }
            ExprKind::Name(n) => self.sizes.get(n).copied(),
            ExprKind::ShapeOf { of, index } => {
                let (s, _) = self.walk(of)?;
                shape::axis(*index, s.ndim()).ok().map(|i| s.0[i])
            }
            _ => None,
        })
    }

    fn walk(&mut self, e: &Expr) -> Result<(Shape, Ty), ExprError> {
        let program = self.program;
        let text = || program.text(e.span).to_owned();
        let refused = |r: crate::shape::Refusal| ExprError::Numpy {
            exception: r.exception,
            message: r.full_message(),
            text: program.text(e.span).to_owned(),
            span: e.span,
        };
        let (op, args): (Op, Vec<&Expr>) = match &e.kind {
            ExprKind::Index { of, indices } => {
                let (s, _) = self.walk(of)?;
                let mut shapes = Vec::with_capacity(indices.len());
                for i in indices {
                    shapes.push(self.walk(i)?.0);
                }
                let out = shape::index(&s, &shapes).map_err(refused)?;
                let ty = Ty::of_ufunc(out.ndim());
                return Ok((out, ty));
            }
            ExprKind::Call {
                func: Func::Arange,
                args,
                ..
            } => {
                let n = match args.first() {
                    Some(a) => {
                        self.walk(a)?;
                        self.size(a)?
                    }
                    None => None,
                };
                let Some(n) = n else {
                    return Err(ExprError::Binding {
                        message: "np.arange needs a size the checker can name: m, n_y, k, \
                                  x.shape[i] or an integer"
                            .into(),
                        span: e.span,
                    });
                };
                return Ok((Shape(vec![n]), Ty::NdArray));
            }
            ExprKind::Number { int, .. } => {
                return Ok((Shape(vec![]), if *int { Ty::Int } else { Ty::Float }));
            }
            ExprKind::Constant(_) => return Ok((Shape(vec![]), Ty::Float)),
            ExprKind::Array { dims, .. } => return Ok((Shape::fixed(dims), Ty::NdArray)),
            ExprKind::Name(n) => {
                return self.env.get(n).cloned().ok_or_else(|| ExprError::Binding {
                    message: format!("`{n}` has no value here"),
                    span: e.span,
                });
            }
            ExprKind::ShapeOf { of, .. } => {
                self.walk(of)?;
                return Ok((Shape(vec![]), Ty::Int));
            }
            ExprKind::Neg(x) => (Op::Neg { ufunc: false }, vec![x.as_ref()]),
            ExprKind::Binary { op, lhs, rhs } => (
                Op::Bin {
                    op: *op,
                    ufunc: false,
                    int_power: matches!(rhs.kind, ExprKind::Number { int: true, .. }),
                },
                vec![lhs.as_ref(), rhs.as_ref()],
            ),
            ExprKind::Call {
                func,
                args,
                axis,
                keepdims,
            } => (
                Op::Call {
                    func: *func,
                    axis: *axis,
                    keepdims: *keepdims,
                },
                args.iter().collect(),
            ),
        };
        let mut shapes = Vec::with_capacity(args.len());
        for a in &args {
            shapes.push(self.walk(a)?);
        }
        let t = rules::apply(op, &shapes).map_err(refused)?;
        let reported = match op {
            Op::Bin {
                op: BinOp::MatMul, ..
            } => true,
            Op::Call { func, .. } => matches!(
                func,
                Func::Dot
                    | Func::Matmul
                    | Func::Trace
                    | Func::Asscalar
                    | Func::Item
                    | Func::Float
                    | Func::Squeeze
            ),
            _ => false,
        };
        if let Op::Call { func, .. } = op {
            if let (Some(one), Some((arg, _))) = (&t.one_element, shapes.first()) {
                match one {
                    OneElement::When(_) => self.notes.push(format!(
                        "`{}` needs one element: the shape of its argument is {arg}, so only \
                         when {}",
                        text(),
                        one.condition().unwrap_or_default()
                    )),
                    OneElement::Always | OneElement::Never => {}
                }
            }
            if func == Func::Asscalar {
                self.notes.push(format!(
                    "`{}`: np.asscalar was deprecated in NumPy 1.16 and removed in 1.23; \
                     `.item()` does the same",
                    text()
                ));
            }
        }
        if reported {
            self.nodes.push(NodeShape {
                text: text(),
                span: e.span,
                shape: t.shape.clone(),
                ty: t.ty,
            });
        }
        Ok((t.shape, t.ty))
    }
}
