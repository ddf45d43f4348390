"""Type stubs of the extension module ``xent._xent`` (crates/python). The public API is
``xent``'s; these functions return the plain dicts and strings it builds results from."""

from typing import Any, Callable, Dict, Optional, Tuple

import numpy as np

__version__: str

class InputError(ValueError):
    """An input xent rejects, with the library's message in the caller's coordinates."""

    operand: Optional[str]
    position: Optional[Tuple[int, ...]]
    value: Optional[float]

class ExpressionError(ValueError):
    """An expression xent cannot check: a parse error, or numpy's own refusal."""

def binary(
    pred: np.ndarray,
    labels: np.ndarray,
    from_logits: bool = ...,
    layout: str = ...,
    base: str = ...,
    convention: str = ...,
    label_smoothing: Optional[float] = ...,
    compare: bool = ...,
    sample_weight: Optional[np.ndarray] = ...,
    pos_weight: Optional[np.ndarray] = ...,
    mask: Optional[np.ndarray] = ...,
    reduction: str = ...,
) -> Dict[str, Any]: ...
def categorical(
    pred: np.ndarray,
    target: Optional[np.ndarray] = ...,
    classes: Optional[np.ndarray] = ...,
    from_logits: bool = ...,
    layout: str = ...,
    base: str = ...,
    convention: str = ...,
    label_smoothing: Optional[float] = ...,
    compare: bool = ...,
    sample_weight: Optional[np.ndarray] = ...,
    class_weight: Optional[np.ndarray] = ...,
    mask: Optional[np.ndarray] = ...,
    ignore_index: Optional[int] = ...,
    reduction: str = ...,
) -> Dict[str, Any]: ...
def check(
    expr: str,
    predictions: Optional[np.ndarray] = ...,
    labels: Optional[np.ndarray] = ...,
    kind: str = ...,
    layout: str = ...,
    base: str = ...,
    quantity: str = ...,
    seed: Optional[int] = ...,
) -> Tuple[str, str]: ...
def audit(
    f: Callable[[np.ndarray, np.ndarray], np.ndarray],
    kind: str = ...,
    from_logits: bool = ...,
    seed: int = ...,
    large: int = ...,
) -> Dict[str, Any]: ...
def verify(format: str = ..., sweep: bool = ...) -> Tuple[str, bool]: ...
def address(arr: np.ndarray) -> int: ...
