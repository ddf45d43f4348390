"""The result objects of :mod:`xent`: plain, frozen records built from what the Rust side returns."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

__all__ = [
    "Formulation",
    "ConventionValue",
    "Result",
    "Verdict",
    "Run",
    "CheckResult",
    "AuditCase",
    "AuditReport",
]


def _fmt(x: Optional[float]) -> str:
    """A value as the reports print it: 10 significant digits."""
    if x is None:
        return "-"
    if x != x:
        return "NaN"
    if x in (float("inf"), float("-inf")):
        return "inf" if x > 0 else "-inf"
    return f"{x:.10g}"


def _table(rows: List[List[str]], right: Tuple[int, ...] = ()) -> List[str]:
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    out = []
    for r in rows:
        cells = [
            cell.rjust(widths[c]) if c in right else cell.ljust(widths[c])
            for c, cell in enumerate(r)
        ]
        out.append("  ".join(cells).rstrip())
    return out


def _section(title: str, lines: List[str]) -> str:
    return "".join(
        f"{(title if i == 0 else ''):<12}{line}".rstrip() + "\n" for i, line in enumerate(lines)
    )


@dataclass(frozen=True)
class Formulation:
    """One formulation's result (``compare=True``).

    ``numpy`` is the numpy style it mirrors (``np.sum``, ``np.dot``, ``np.matmul``, or
    ``None`` for the fused production path), ``expression`` the documents' code in that
    style, ``shape`` the shape numpy gives that expression (``()`` a scalar, ``(1, 1)``
    for ``np.dot`` with one output), ``bound`` its a priori error bound in the result's
    unit and ``ulps`` its distance to :attr:`Result.value`.
    """

    name: str
    value: float
    bound: float
    ulps: int
    numpy: Optional[str]
    expression: str
    summary: str
    reduced: str
    shape: Tuple[int, ...]

    def __float__(self) -> float:
        return self.value


@dataclass(frozen=True)
class ConventionValue:
    """One library convention's value (``convention="all"``), or why it does not apply.

    ``changes`` holds one line for every way it differs from the definition (positions
    are ``[row, column]`` of the ``(outputs, samples)`` layout); ``error`` is set, and
    ``value`` is ``None``, when the convention does not apply to this input.
    """

    name: str
    value: Optional[float]
    divisor: Optional[int]
    divisor_reason: Optional[str]
    changes: Tuple[str, ...]
    warnings: Tuple[str, ...]
    error: Optional[str]

    @property
    def reasons(self) -> Tuple[str, ...]:
        """Every line explaining the value: the changes, then the divisor (or the error)."""
        if self.error is not None:
            return (self.error,)
        if self.changes:
            return self.changes
        return (self.divisor_reason,) if self.divisor_reason else ()


@dataclass(frozen=True)
class Result:
    """A cross-entropy: ``float(result)`` is :attr:`value`, in :attr:`unit`.

    ``value`` comes from the production path (``value_from``, the fused kernel); with
    ``compare=True`` :attr:`formulations` holds every formulation of the registry,
    :attr:`bound` the production path's a priori bound and :attr:`agree` whether every
    pair of formulations lies within the sum of their bounds; with ``convention="all"``
    :attr:`conventions` holds PyTorch's, Keras's, scikit-learn's and SciPy's values.
    :attr:`reduction` is ``"mean"``, ``"sum"`` or ``"none"``, :attr:`weight` the mean's
    divisor ``Σ w`` (``m`` without weights) and, for ``"none"``, :attr:`per_sample` the
    per-sample losses (a float64 array, one per sample, in :attr:`unit`).
    """

    value: float
    unit: str
    base: str
    kind: str
    samples: int
    outputs: int
    from_logits: bool
    layout: str
    convention: str
    value_from: str
    divisor: int
    divisor_reason: str
    changes: Tuple[str, ...]
    warnings: Tuple[str, ...]
    formulations: Dict[str, Formulation] = field(default_factory=dict)
    bound: Optional[float] = None
    agree: Optional[bool] = None
    max_ulps: Optional[int] = None
    conventions: Dict[str, ConventionValue] = field(default_factory=dict)
    timings: Dict[str, float] = field(default_factory=dict, repr=False, compare=False)
    addresses: Dict[str, int] = field(default_factory=dict, repr=False, compare=False)
    reduction: str = "mean"
    weight: float = 0.0
    per_sample: Optional[Any] = field(default=None, repr=False, compare=False)

    @classmethod
    def _from(cls, d: Dict[str, Any]) -> "Result":
        formulations = {
            f["name"]: Formulation(
                name=f["name"],
                value=f["value"],
                bound=f["bound"],
                ulps=f["ulps"],
                numpy=f["numpy"],
                expression=f["expression"],
                summary=f["summary"],
                reduced=f["reduced"],
                shape=tuple(f["shape"]),
            )
            for f in d["formulations"]
        }
        conventions = {
            c["name"]: ConventionValue(
                name=c["name"],
                value=c["value"],
                divisor=c["divisor"],
                divisor_reason=c["divisor_reason"],
                changes=tuple(c["changes"]),
                warnings=tuple(c["warnings"]),
                error=c["error"],
            )
            for c in d["conventions"]
        }
        bound = formulations[d["value_from"]].bound if d["value_from"] in formulations else None
        return cls(
            value=d["value"],
            unit=d["unit"],
            base=d["base"],
            kind=d["kind"],
            samples=d["samples"],
            outputs=d["outputs"],
            from_logits=d["from_logits"],
            layout=d["layout"],
            convention=d["convention"],
            value_from=d["value_from"],
            divisor=d["divisor"],
            divisor_reason=d["divisor_reason"],
            changes=tuple(d["changes"]),
            warnings=tuple(d["warnings"]),
            formulations=formulations,
            bound=bound,
            agree=d["agree"],
            max_ulps=d["max_ulps"],
            conventions=conventions,
            timings=dict(d["timings"]),
            addresses=dict(d["addresses"]),
            reduction=d["reduction"],
            weight=d["weight"],
            per_sample=d.get("per_sample"),
        )

    def __float__(self) -> float:
        return self.value

    def __repr__(self) -> str:
        rows = "n_y" if self.kind == "binary" else "k"
        logits = ", from logits" if self.from_logits else ""
        head = (
            f"<xent.Result {self.kind} cross-entropy = {self.value!r} {self.unit} "
            f"(m = {self.samples}, {rows} = {self.outputs}{logits}, "
            f"{self.convention} convention, {self.value_from})"
        )
        lines = []
        for c in self.changes:
            lines.append(f"  {c}")
        if self.formulations:
            agree = "agree" if self.agree else "DISAGREE"
            lines.append(f"  formulations ({agree}, at most {self.max_ulps} ulps apart):")
            table = [["name", "value", "numpy", "shape", "bound"]]
            for f in self.formulations.values():
                table.append([f.name, repr(f.value), f.numpy or "-", str(f.shape), f"{f.bound:.2e}"])
            lines.extend("    " + line for line in _table(table))
        if self.conventions:
            lines.append("  conventions:")
            table = [["name", "value", "why"]]
            for c in self.conventions.values():
                table.append([c.name, _fmt(c.value), "; ".join(c.reasons)])
            lines.extend("    " + line for line in _table(table))
        if not lines:
            return head + ">"
        return head + "\n" + "\n".join(lines) + ">"


@dataclass(frozen=True)
class Verdict:
    """The checker's verdict: ``code`` (``equal``, ``equal only when n_y = 1``,
    ``differs by a constant factor``, ``differs``, ``NaN where …``, ``inaccurate``) and
    the one-sentence ``message``, as ``xent check`` prints them."""

    code: str
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Run:
    """The expression evaluated on one problem, beside the reference."""

    problem: str
    rows: int
    samples: int
    labels: str
    probe: Optional[str]
    shape: Optional[Tuple[Any, ...]]
    type: Optional[str]
    value: Optional[float]
    reference: float
    ulps: Optional[int]
    bound_ulps: Optional[int]
    outcome: str
    detail: str


def _number(x: Any) -> Optional[float]:
    if isinstance(x, str):
        return {"NaN": float("nan"), "inf": float("inf"), "-inf": float("-inf")}[x]
    return None if x is None else float(x)


@dataclass(frozen=True)
class CheckResult:
    """What :func:`xent.check` found: ``print(result)`` is ``xent check``'s report.

    ``shapes`` maps every product, conversion and statement to its (symbolic) shape,
    ``runs`` holds one :class:`Run` per problem, ``json`` the report as
    ``xent check --format json`` gives it.
    """

    expression: str
    verdict: Verdict
    shape: Optional[Tuple[Any, ...]]
    shapes: Dict[str, Tuple[str, ...]]
    runs: Tuple[Run, ...]
    value: Optional[float]
    reference: Optional[float]
    notes: Tuple[str, ...]
    text: str = field(repr=False)
    json: Dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def _from(cls, text: str, raw: str) -> "CheckResult":
        j = json.loads(raw)
        runs = tuple(
            Run(
                problem=r["problem"],
                rows=r["rows"],
                samples=r["samples"],
                labels=r["labels"],
                probe=r["probe"],
                shape=None if r["shape"] is None else tuple(r["shape"]),
                type=r["type"],
                value=_number(r["value"]),
                reference=_number(r["reference"]),  # type: ignore[arg-type]
                ulps=r["ulps"],
                bound_ulps=r["bound_ulps"],
                outcome=r["outcome"],
                detail=r["detail"],
            )
            for r in j["runs"]
        )
        return cls(
            expression=j["expression"],
            verdict=Verdict(j["verdict"], j["message"]),
            shape=None if j["shape"] is None else tuple(j["shape"]),
            shapes={n["text"]: tuple(n["shape"]) for n in j["nodes"]},
            runs=runs,
            value=_number(j["value"]),
            reference=_number(j["reference"]),
            notes=tuple(j["notes"]),
            text=text,
            json=j,
        )

    @property
    def ok(self) -> bool:
        """Whether the verdict is ``equal``."""
        return self.verdict.code == "equal"

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"<xent.CheckResult {self.expression!r}: {self.verdict.message}>"


@dataclass(frozen=True)
class AuditCase:
    """One problem of :func:`xent.audit`'s suite, the caller's value and its verdict."""

    name: str
    shape: Tuple[int, int]
    labels: str
    probe: bool
    value: Optional[float]
    result_shape: Optional[Tuple[int, ...]]
    oracle: float
    ulps: Optional[int]
    bound: float
    bound_ulps: int
    outcome: str
    message: str
    ok: bool


@dataclass(frozen=True)
class AuditReport:
    """:func:`xent.audit`'s report: ``print(report)`` is a table like ``xent check``'s;
    ``report.ok`` is whether every case is equal to the oracle within its bound."""

    function: str
    kind: str
    from_logits: bool
    seed: int
    cases: Tuple[AuditCase, ...]
    ok: bool

    @classmethod
    def _from(cls, function: str, d: Dict[str, Any]) -> "AuditReport":
        cases = tuple(
            AuditCase(
                name=c["name"],
                shape=tuple(c["shape"]),  # type: ignore[arg-type]
                labels=c["labels"],
                probe=c["probe"],
                value=c["value"],
                result_shape=None if c["result_shape"] is None else tuple(c["result_shape"]),
                oracle=c["oracle"],
                ulps=c["ulps"],
                bound=c["bound"],
                bound_ulps=c["bound_ulps"],
                outcome=c["outcome"],
                message=c["message"],
                ok=c["ok"],
            )
            for c in d["cases"]
        )
        return cls(function, d["kind"], d["from_logits"], d["seed"], cases, d["ok"])

    @property
    def verdict(self) -> str:
        """One sentence over every case."""
        if self.ok:
            return "equal: the value is the oracle's within the bound, on every problem checked"
        failed = [c for c in self.cases if not c.ok]
        regular = [c for c in self.cases if not c.probe]
        rows = "n_y" if self.kind == "binary" else "k"
        for name, holds in [
            (f"{rows} = 1", lambda c: c.shape[0] == 1),
            ("m = 1", lambda c: c.shape[1] == 1),
            ("labels are hard (0 or 1)" if self.kind == "binary" else "targets are one-hot",
             lambda c: c.labels == "hard"),
        ]:
            if regular and all(c.ok == holds(c) for c in regular):
                return f"equal only when {name}; otherwise {failed[0].message}"
        return failed[0].message

    def __str__(self) -> str:
        rows = "n_y" if self.kind == "binary" else "k"
        logits = ", from logits" if self.from_logits else ""
        out = _section("function", [self.function])
        out += _section(
            "reference",
            [f"{self.kind} cross-entropy{logits}, the loss in nats: the oracle (correctly rounded)"],
        )
        out += _section("verdict", [self.verdict])
        table = [["problem", rows, "m", "shape", "value", "oracle", "ulps", "outcome"]]
        for c in self.cases:
            shape = "-" if c.result_shape is None else str(c.result_shape)
            outcome = f"equal (≤ {c.bound_ulps} ulps)" if c.ok else c.outcome
            table.append([
                c.name, str(c.shape[0]), str(c.shape[1]), shape, _fmt(c.value),
                _fmt(c.oracle), "-" if c.ulps is None else str(c.ulps), outcome,
            ])
        out += _section("runs", _table(table, right=(1, 2, 6)))
        details = [f"on {c.name} {c.shape}: {c.message}" for c in self.cases if not c.ok]
        if details:
            out += _section("details", details)
        return out

    def __repr__(self) -> str:
        return f"<xent.AuditReport {self.function} ({self.kind}): {self.verdict}>"
