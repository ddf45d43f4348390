//! The documents' published values and shapes, through every formulation.

use nalgebra::DMatrix;
use xent_core::{BinaryProblem, ReducedShape, published};

use crate::formulations;

#[test]
fn every_formulation_reproduces_every_published_value() -> xent_core::Result<()> {
    for f in formulations() {
        let rows = published::reproduce_all(f.as_ref())?;
        assert_eq!(rows.len(), 9, "{}", f.name());
        for r in rows {
            assert!(r.holds, "{r:#?}");
        }
    }
    Ok(())
}

#[test]
fn one_output_reduces_to_a_scalar_or_a_one_by_one() -> xent_core::Result<()> {
    let problem = published::binary_example()?;
    let shapes: Vec<_> = formulations()
        .iter()
        .map(|f| (f.name(), f.binary(&problem).shape.to_string()))
        .collect();
    assert_eq!(
        shapes,
        [
            ("sum", "scalar".to_owned()),
            ("dot", "(1, 1)".to_owned()),
            ("matmul", "(1, 1)".to_owned()),
            ("fused", "scalar".to_owned())
        ]
    );
    Ok(())
}

#[test]
fn several_outputs_reduce_an_n_by_n_product() -> xent_core::Result<()> {
    let a = DMatrix::from_row_slice(3, 2, &[0.9, 0.2, 0.4, 0.6, 0.7, 0.1]);
    let y = DMatrix::from_row_slice(3, 2, &[1.0, 0.0, 0.0, 1.0, 1.0, 0.0]);
    let problem = BinaryProblem::new(a, y)?;
    let shapes: Vec<_> = formulations()
        .iter()
        .map(|f| f.binary(&problem).shape)
        .collect();
    assert_eq!(
        shapes,
        [
            ReducedShape::Scalar,
            ReducedShape::Diagonal { n: 3 },
            ReducedShape::Matrix { rows: 3, cols: 3 },
            ReducedShape::Scalar
        ]
    );
    assert_eq!(shapes[2].numpy_dims(), [3, 3]);
    Ok(())
}
