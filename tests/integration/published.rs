//! The documents' published values and shapes, through every formulation.

use nalgebra::DMatrix;
use xent_core::{BinaryProblem, Numpy, ReducedShape, published};

#[test]
fn every_formulation_reproduces_every_published_value() -> xent_core::Result<()> {
    for f in xent_registry::all() {
        let rows = published::reproduce_all(*f)?;
        assert_eq!(rows.len(), 9, "{}", f.name());
        for r in rows {
            assert!(r.holds, "{r:#?}");
        }
    }
    Ok(())
}

/// The shape numpy gives each style of the documents' expression for `n` outputs and `m`
/// samples; the production path (no style) reduces to a scalar.
fn numpy_shape(style: Option<Numpy>, n: usize) -> ReducedShape {
    match style {
        None | Some(Numpy::Sum) => ReducedShape::Scalar,
        Some(Numpy::Dot) => ReducedShape::Diagonal { n },
        Some(Numpy::Matmul) => ReducedShape::Matrix { rows: n, cols: n },
    }
}

#[test]
fn one_output_reduces_to_a_scalar_or_a_one_by_one() -> xent_core::Result<()> {
    let problem = published::binary_example()?;
    for f in xent_registry::all() {
        let shape = f.binary(&problem).shape;
        assert_eq!(shape, numpy_shape(f.style().numpy, 1), "{}", f.name());
        // What numpy prints for the documents' expression: a scalar, or a `(1, 1)` array.
        let (printed, dims): (&str, &[usize]) = match f.style().numpy {
            None | Some(Numpy::Sum) => ("scalar", &[]),
            Some(Numpy::Dot | Numpy::Matmul) => ("(1, 1)", &[1, 1]),
        };
        assert_eq!(shape.to_string(), printed, "{}", f.name());
        assert_eq!(shape.numpy_dims(), dims, "{}", f.name());
    }
    Ok(())
}

#[test]
fn several_outputs_reduce_an_n_by_n_product() -> xent_core::Result<()> {
    let a = DMatrix::from_row_slice(3, 2, &[0.9, 0.2, 0.4, 0.6, 0.7, 0.1]);
    let y = DMatrix::from_row_slice(3, 2, &[1.0, 0.0, 0.0, 1.0, 1.0, 0.0]);
    let problem = BinaryProblem::new(&a, &y)?;
    for f in xent_registry::all() {
        let shape = f.binary(&problem).shape;
        assert_eq!(shape, numpy_shape(f.style().numpy, 3), "{}", f.name());
    }
    assert_eq!(
        numpy_shape(Some(Numpy::Matmul), 3).numpy_dims(),
        [3, 3],
        "np.matmul of (3, 2) and (2, 3)"
    );
    // Every numpy style of the documents is in the registry, once.
    for style in [Numpy::Sum, Numpy::Dot, Numpy::Matmul] {
        crate::by_style(style);
    }
    Ok(())
}
