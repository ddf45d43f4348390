"""Cross-entropy, computed several ways and checked against an arbitrary-precision oracle.

Check a loss in your own numpy or PyTorch session, on your own arrays, without copying
them: :func:`binary` and :func:`categorical` read the arrays where numpy keeps them
(float32 or float64, C or Fortran order, integer or bool labels, class indices), run
xent's fused production kernel without the GIL, and, on request, every numpy-style
formulation and every library convention. :func:`check` judges a numpy loss expression,
:func:`audit` judges your own loss *function* against the oracle, and :func:`verify`
returns the verifier's report.

Inputs are ``(n_y, m)`` (``layout="cols"``, each column a sample, as the documents write
``A`` and ``Y``) or ``(m, n_y)`` (``layout="rows"``, each row a sample, as PyTorch holds a
batch). A CPU ``torch.Tensor`` is passed as ``t.numpy()`` (or ``t.detach().numpy()``),
which shares its memory: xent does not depend on torch.

>>> import numpy as np, xent
>>> A = np.array([[0.8, 0.2, 0.95, 0.92, 0.01, 0.93, 0.1, 0.02]])
>>> Y = np.array([[1, 0, 1, 1, 0, 1, 0, 0]])
>>> round(float(xent.binary(A, Y)), 8)
0.09864328
>>> xent.binary(np.array([0.8, 1.5]), np.array([1, 0]))
Traceback (most recent call last):
    ...
xent.InputError: pred[1] = 1.5 is not a probability in [0, 1]
"""

from __future__ import annotations

import json as _json
from typing import Any, Callable, Dict, Optional, Union

import numpy as np

from . import _xent
from ._results import (
    AuditCase,
    AuditReport,
    CheckResult,
    ConventionValue,
    Formulation,
    Result,
    Run,
    Verdict,
)
from ._xent import ExpressionError, InputError, __version__

__all__ = [
    "binary",
    "categorical",
    "check",
    "audit",
    "verify",
    "InputError",
    "ExpressionError",
    "Result",
    "Formulation",
    "ConventionValue",
    "CheckResult",
    "Verdict",
    "Run",
    "AuditReport",
    "AuditCase",
    "__version__",
]

ArrayLike = Any
Base = Union[str, float, int]

InputError.__module__ = "xent"
ExpressionError.__module__ = "xent"


def _array(x: ArrayLike) -> np.ndarray:
    """``x`` as a numpy array, sharing its memory whenever numpy can.

    A numpy array in C or Fortran order is passed on as it is (never copied); an object
    numpy converts without a copy (a CPU ``torch.Tensor``, anything with
    ``__array_interface__``) likewise. Only a non-contiguous view (``a[:, ::2]``) or a
    non-native byte order is copied, since the kernel reads one dense buffer.
    """
    a = np.asarray(x)
    if not a.dtype.isnative:
        a = a.astype(a.dtype.newbyteorder("="))
    if not (a.flags.c_contiguous or a.flags.f_contiguous):
        a = np.ascontiguousarray(a)
    return a


def binary(
    pred: ArrayLike,
    labels: ArrayLike,
    *,
    from_logits: bool = False,
    layout: str = "cols",
    base: Base = "e",
    convention: str = "exact",
    label_smoothing: Optional[float] = None,
    compare: bool = False,
    sample_weight: Optional[ArrayLike] = None,
    pos_weight: Optional[ArrayLike] = None,
    mask: Optional[ArrayLike] = None,
    reduction: str = "mean",
) -> Result:
    """Binary cross-entropy ``J = -(1/m) Σ [Y ln A + (1 - Y) ln(1 - A)]``.

    ``pred`` holds probabilities (or logits with ``from_logits=True``), float32 or
    float64; ``labels`` the same shape, floats in [0, 1] (soft labels), integers or bools.
    Both are 1-D (one output, ``m`` samples) or 2-D: ``(n_y, m)`` with
    ``layout="cols"``, ``(m, n_y)`` with ``layout="rows"``. ``base`` is ``"e"`` (nats),
    ``2`` (bits), ``10`` (bans) or any number > 0, ≠ 1. ``convention`` is ``"exact"``
    (the definition), ``"pytorch"``, ``"keras"``, ``"sklearn"``, ``"scipy"`` or
    ``"all"`` (every one, in :attr:`Result.conventions`, each with its reasons).
    ``compare=True`` also runs every formulation (np.sum, np.dot, np.matmul styles and
    the fused kernel) with its bound and numpy shape.

    ``sample_weight`` (one per sample, as scikit-learn's and Keras's), ``pos_weight`` (one
    per output, as PyTorch's) and ``mask`` (one bool per sample, as optax's ``where``)
    weight each sample's loss; ``reduction`` is ``"mean"`` (``Σ w l / Σ w``), ``"sum"``
    or ``"none"`` (the losses in :attr:`Result.per_sample`). Under another convention they
    follow that library: its divisor (PyTorch's mean over the elements, Keras's batch size
    or ``"mean_with_sample_weight"``'s ``Σ w``, scikit-learn's ``np.average``), its
    ``"none"`` (PyTorch's binary losses elementwise, ``(n_y, m)`` in the caller's layout),
    and an option the library lacks is an :class:`InputError` naming it.

    Raises :class:`InputError` (a :class:`ValueError`) with the library's message, in
    the caller's coordinates, and returns nothing half-computed.

    >>> import numpy as np, xent
    >>> A = np.array([[0.8, 0.2, 0.95, 0.92, 0.01, 0.93, 0.1, 0.02]], dtype=np.float32)
    >>> Y = np.array([[1, 0, 1, 1, 0, 1, 0, 0]], dtype=bool)
    >>> r = xent.binary(A, Y, compare=True)
    >>> r.agree, r.formulations["dot"].shape, r.formulations["sum"].shape
    (True, (1, 1), ())
    >>> round(float(xent.binary(A, Y, base=2)), 6), xent.binary(A, Y, base=2).unit
    (0.142312, 'bits')
    >>> xent.binary(np.array([[0.0]]), np.array([[1.0]]), convention="pytorch").value
    100.0
    >>> w = xent.binary(A, Y, sample_weight=np.array([2, 1, 1, 1, 1, 1, 1, 0.0]))
    >>> w.weight, round(w.value, 6)
    (8.0, 0.124011)
    >>> xent.binary(np.array([[0.9, 0.2, 1.5]]).T, np.array([[1, 0, 1]]).T, layout="rows")
    Traceback (most recent call last):
        ...
    xent.InputError: pred[2, 0] = 1.5 is not a probability in [0, 1]
    """
    d = _xent.binary(
        _array(pred),
        _array(labels),
        from_logits=from_logits,
        layout=layout,
        base=str(base),
        convention=convention,
        label_smoothing=label_smoothing,
        compare=compare,
        sample_weight=_optional(sample_weight),
        pos_weight=_optional(pos_weight),
        mask=_optional(mask),
        reduction=reduction,
    )
    return Result._from(d)


def _optional(a: Optional[ArrayLike]) -> Optional[np.ndarray]:
    return None if a is None else _array(a)


def categorical(
    pred: ArrayLike,
    target: Optional[ArrayLike] = None,
    classes: Optional[ArrayLike] = None,
    *,
    from_logits: bool = False,
    layout: str = "cols",
    base: Base = "e",
    convention: str = "exact",
    label_smoothing: Optional[float] = None,
    compare: bool = False,
    sample_weight: Optional[ArrayLike] = None,
    class_weight: Optional[ArrayLike] = None,
    mask: Optional[ArrayLike] = None,
    ignore_index: Optional[int] = None,
    reduction: str = "mean",
) -> Result:
    """Categorical cross-entropy ``J = -(1/m) Σ P ln Q``.

    ``pred`` holds distributions (or logits), ``(k, m)`` with ``layout="cols"``,
    ``(m, k)`` with ``layout="rows"`` (PyTorch's ``(N, C)``), or 1-D for one sample.
    Give either ``target`` (distributions, one-hot or soft, the shape of ``pred``) or
    ``classes`` (one class index per sample, any integer dtype, kept as indices).
    ``class_weight`` (one per class, PyTorch's ``weight``: the mean divides by the weights
    of the targets' classes) and ``ignore_index`` (with ``classes``: samples of that class
    are left out, PyTorch's ``-100`` included; under ``convention="pytorch"`` a class index
    of -100 is ignored unasked, as PyTorch's default) join :func:`binary`'s other keywords.

    >>> import numpy as np, xent
    >>> q = np.array([0.228, 0.619, 0.153])
    >>> round(xent.categorical(q, np.array([0.0, 1.0, 0.0])).value, 6)
    0.47965
    >>> logits = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]], dtype=np.float32)  # (N, C)
    >>> round(xent.categorical(logits, classes=np.array([0, 1]), from_logits=True,
    ...                        layout="rows").value, 6)
    0.31854
    >>> xent.categorical(np.eye(3), classes=np.array([0, 1, 3]))
    Traceback (most recent call last):
        ...
    xent.InputError: classes[2] = 3 is not a class index: there are 3 classes, numbered 0 to 2
    """
    d = _xent.categorical(
        _array(pred),
        target=None if target is None else _array(target),
        classes=None if classes is None else _array(classes),
        from_logits=from_logits,
        layout=layout,
        base=str(base),
        convention=convention,
        label_smoothing=label_smoothing,
        compare=compare,
        sample_weight=_optional(sample_weight),
        class_weight=_optional(class_weight),
        mask=_optional(mask),
        ignore_index=ignore_index,
        reduction=reduction,
    )
    return Result._from(d)


_PREDICTIONS = {"A", "A2", "AL", "Q", "q", "pred", "predictions"}
_LABELS = {"Y", "P", "p", "labels", "target", "targets"}


def check(
    expr: str,
    *,
    kind: str = "binary",
    layout: str = "cols",
    base: Base = "e",
    quantity: str = "loss",
    seed: Optional[int] = None,
    **arrays: ArrayLike,
) -> CheckResult:
    """Judges a numpy loss expression, as ``xent check`` does.

    Without arrays, the expression runs on the seeded suite (the documents' example,
    random problems with ``n_y = 1`` and ``n_y > 1``, hard and soft labels, and probes of
    the edges); with arrays (named as the expression names them: ``A=``, ``Y=``, or
    ``Q=``, ``P=`` for ``kind="categorical"``; ``pred=`` and ``labels=`` also work), on
    them. ``quantity="log-likelihood"`` compares with ``Σ`` before ``-1/m``.

    Raises :class:`ExpressionError` for an expression that does not parse or that numpy
    itself refuses (with numpy's message), :class:`InputError` for invalid arrays.

    >>> import xent
    >>> r = xent.check("-(1/m) * (np.dot(np.log(A), Y.T) + np.dot(np.log(1-A), (1-Y).T))")
    >>> r.verdict.code
    'equal only when n_y = 1'
    >>> r.shape
    ('n_y', 'n_y')
    >>> xent.check("-np.mean(Y*np.log(A) + (1-Y)*np.log(1-A))").verdict.code
    'differs by a constant factor'
    """
    predictions = [v for k, v in arrays.items() if k in _PREDICTIONS]
    labels = [v for k, v in arrays.items() if k in _LABELS]
    unknown = sorted(set(arrays) - _PREDICTIONS - _LABELS)
    if unknown:
        raise TypeError(
            f"check() got arrays named {', '.join(unknown)}: name them as the expression "
            "does (A, A2, AL, Q or q for predictions; Y, P or p for labels)"
        )
    if len(predictions) > 1 or len(labels) > 1:
        raise TypeError("check() takes one array of predictions and one of labels")
    text, raw = _xent.check(
        expr,
        predictions=_array(predictions[0]) if predictions else None,
        labels=_array(labels[0]) if labels else None,
        kind=kind,
        layout=layout,
        base=str(base),
        quantity=quantity,
        seed=seed,
    )
    return CheckResult._from(text, raw)


def _as_result(out: Any) -> np.ndarray:
    """What a loss function returned (a float, a numpy array, a torch tensor) as a float64
    numpy array."""
    for step in ("detach", "cpu"):
        if hasattr(out, step) and not isinstance(out, np.ndarray):
            out = getattr(out, step)()
    if hasattr(out, "numpy") and not isinstance(out, (np.ndarray, np.generic)):
        out = out.numpy()
    return np.asarray(out, dtype=np.float64)


def audit(
    fn: Callable[[np.ndarray, np.ndarray], Any],
    kind: str = "binary",
    *,
    from_logits: bool = False,
    seed: Optional[int] = None,
    large: int = 100_000,
) -> AuditReport:
    """Runs your own loss function ``fn(A, Y)`` on a seeded suite and judges each value
    against the oracle (the definition in arbitrary precision, correctly rounded).

    ``fn`` receives float64 numpy arrays in the documents' ``(n_y, m)`` layout (``Q``,
    ``P`` as ``(k, m)`` for ``kind="categorical"``; logits with ``from_logits=True``) and
    returns a float, a numpy array or a torch tensor (convert inside with
    ``torch.from_numpy``). The suite: the documents' example, ``n_y = 1`` and
    ``n_y > 1``, ``m = 1``, soft labels, predictions exactly 0 and 1, below ``2^-53``,
    ``a = 1e-20`` under label 0, saturated logits, and ``m = large``. Each case gets the
    value, its ulp distance to the oracle and a verdict: equal within the bound, an
    ``(n_y, n_y)`` array where a scalar was meant, a constant factor, NaN at ``0·log 0``,
    inaccurate (with the measured error), differs, or raised.

    >>> import numpy as np, xent
    >>> def naive(A, Y):
    ...     m = Y.shape[1]
    ...     return -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    >>> with np.errstate(all="ignore"):
    ...     report = xent.audit(naive)
    >>> report.ok
    False
    >>> [c.outcome for c in report.cases if not c.ok]
    ['NaN at 0·log 0', 'inaccurate', 'inaccurate']
    """
    name = getattr(fn, "__qualname__", None) or repr(fn)

    def call(a: np.ndarray, y: np.ndarray) -> np.ndarray:
        return _as_result(fn(a, y))

    kwargs: Dict[str, Any] = {"kind": kind, "from_logits": from_logits, "large": large}
    if seed is not None:
        kwargs["seed"] = seed
    return AuditReport._from(name, _xent.audit(call, **kwargs))


def verify(format: str = "text", *, sweep: bool = True) -> Union[str, Dict[str, Any]]:
    """The verifier's report: every claim of the source documents and the peer libraries'
    published values, checked against the oracle through every formulation (what
    ``xent verify`` prints), as text (``format="text"``) or as a dict (``format="dict"``,
    the JSON rendering parsed). ``sweep=False`` skips the seeded random sweep. Takes a
    few seconds.

    >>> import xent
    >>> report = xent.verify("dict", sweep=False)
    >>> sorted(report)[:3] == sorted(report)[:3] and isinstance(report, dict)
    True
    """
    if format not in ("text", "dict"):
        raise ValueError(f'format {format!r} is not "text" or "dict"')
    text, _passed = _xent.verify("json" if format == "dict" else "text", sweep=sweep)
    if format == "dict":
        return _json.loads(text)
    return text
