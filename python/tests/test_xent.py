"""The Python package: every function, every error class, zero copy, the documented examples."""

import doctest
import math
import pathlib
import resource
import threading

import numpy as np
import pytest

import xent

A8 = np.array([[0.8, 0.2, 0.95, 0.92, 0.01, 0.93, 0.1, 0.02]])
Y8 = np.array([[1, 0, 1, 1, 0, 1, 0, 0]])
COST = 0.09864328220233795  # the documents' example, correctly rounded (to 1 ulp)


def close(a, b, ulps=4):
    return abs(a - b) <= ulps * math.ulp(b)


# --- binary ---------------------------------------------------------------------------


def test_binary_reproduces_the_documents_example():
    r = xent.binary(A8, Y8)
    assert close(float(r), COST)
    assert (r.kind, r.unit, r.base, r.samples, r.outputs) == ("binary", "nats", "e", 8, 1)
    assert r.value_from == "fused" and r.convention == "exact" and not r.from_logits
    assert r.formulations == {} and r.bound is None and r.agree is None
    assert "binary cross-entropy" in repr(r) and "nats" in repr(r)


@pytest.mark.parametrize("base, unit, scale", [("e", "nats", 1.0), (2, "bits", math.log(2)),
                                               ("10", "bans", math.log(10)),
                                               (3.5, "base-3.5 units", math.log(3.5))])
def test_bases(base, unit, scale):
    r = xent.binary(A8, Y8, base=base)
    assert close(r.value * scale, COST, 8)
    if unit:
        assert r.unit == unit


@pytest.mark.parametrize("pdtype", [np.float32, np.float64])
@pytest.mark.parametrize("ldtype", [np.float32, np.float64, bool, np.int8, np.int16, np.int32,
                                    np.int64, np.uint8, np.uint16, np.uint32, np.uint64])
def test_every_dtype_gives_the_same_loss(pdtype, ldtype):
    a = A8.astype(pdtype)
    expected = xent.binary(a, Y8.astype(np.float64)).value
    assert xent.binary(a, Y8.astype(ldtype)).value == expected


def test_memory_order_and_layout_do_not_change_the_value():
    rng = np.random.default_rng(1)
    a = rng.uniform(0.05, 0.95, (3, 7))
    y = (rng.uniform(size=(3, 7)) > 0.5).astype(np.int64)
    base = xent.binary(a, y, compare=True)
    for aa, yy in [(np.asfortranarray(a), np.asfortranarray(y)), (np.asfortranarray(a), y)]:
        assert xent.binary(aa, yy).value == base.value
    rows = xent.binary(a.T.copy(), y.T.copy(), layout="rows", compare=True)
    assert rows.value == base.value and (rows.samples, rows.outputs) == (7, 3)
    # a.T is a Fortran-order (7, 3) view: read in place under layout="rows".
    assert xent.binary(a.T, y.T, layout="rows").value == base.value


def test_one_dimensional_inputs_are_one_output():
    r = xent.binary(A8[0], Y8[0])
    assert close(r.value, COST) and (r.outputs, r.samples) == (1, 8)


def test_compare_runs_every_formulation_with_its_shape_and_bound():
    r = xent.binary(A8, Y8, compare=True)
    assert list(r.formulations) == ["sum", "dot", "matmul", "fused"]
    assert r.agree is True and r.max_ulps is not None and r.max_ulps <= 4
    f = r.formulations
    assert (f["sum"].numpy, f["sum"].shape) == ("np.sum", ())
    assert (f["dot"].numpy, f["dot"].shape, f["dot"].reduced) == ("np.dot", (1, 1), "(1, 1)")
    assert f["fused"].numpy is None and r.bound == f["fused"].bound
    for g in f.values():
        assert 0 < g.bound < 1e-12 and abs(g.value - r.value) <= g.bound + f["fused"].bound
        assert g.expression and g.summary and float(g) == g.value
    rows3 = xent.binary(np.full((3, 4), 0.5), np.ones((3, 4)), compare=True)
    assert rows3.formulations["dot"].shape == (3, 3)
    assert "formulations (agree" in repr(rows3)


def test_from_logits():
    z = np.log(A8 / (1 - A8))
    r = xent.binary(z, Y8, from_logits=True)
    assert r.from_logits and abs(r.value - COST) < 1e-14
    assert xent.binary(np.array([800.0]), np.array([0.0]), from_logits=True).value == 800.0


def test_conventions():
    a, y = np.array([[0.0, 0.9]]), np.array([[1, 1]])
    assert xent.binary(a, y).value == math.inf
    torch = xent.binary(a, y, convention="pytorch")
    assert torch.value == pytest.approx((100 - math.log(0.9)) / 2)
    assert torch.changes == ("log clamped at -100 at entry [0, 0]",)
    r = xent.binary(a, y, convention="all")
    assert list(r.conventions) == ["exact", "pytorch", "keras", "keras-functional", "sklearn", "scipy"]
    assert r.value == math.inf and r.conventions["pytorch"].value == torch.value
    keras = r.conventions["keras"]
    assert keras.value is not None and keras.reasons and keras.error is None
    logits = xent.binary(a, y, from_logits=True, convention="all")
    assert logits.conventions["sklearn"].value is None
    assert "takes probabilities, not logits" in logits.conventions["sklearn"].error
    smooth = xent.binary(A8, Y8, convention="keras", label_smoothing=0.1)
    assert smooth.value > COST and any("label smoothing" in c for c in smooth.changes)
    assert "conventions:" in repr(r)


# --- categorical ----------------------------------------------------------------------


def test_categorical_targets_classes_and_one_sample():
    q = np.array([0.228, 0.619, 0.153])
    expected = 0.47965000629754095
    assert close(xent.categorical(q, np.array([0.0, 1.0, 0.0])).value, expected)
    assert close(xent.categorical(q[:, None], classes=np.array([1])).value, expected)
    assert close(xent.categorical(q, classes=np.int64(1)).value, expected)
    r = xent.categorical(q[None, :].astype(np.float32), classes=np.array([1], np.uint8),
                         layout="rows", compare=True)
    assert r.kind == "categorical" and r.agree and (r.outputs, r.samples) == (3, 1)


def test_categorical_rows_layout_from_logits_matches_log_softmax():
    rng = np.random.default_rng(2)
    z = rng.normal(size=(6, 4))  # (N, C), as PyTorch holds logits
    c = rng.integers(0, 4, 6)
    lse = np.log(np.exp(z).sum(axis=1))
    expected = float(np.mean(lse - z[np.arange(6), c]))
    r = xent.categorical(z, classes=c, from_logits=True, layout="rows")
    assert r.value == pytest.approx(expected, rel=1e-13)
    onehot = np.eye(4)[c]
    assert xent.categorical(z, onehot, from_logits=True, layout="rows").value == pytest.approx(expected, rel=1e-13)
    assert xent.categorical(z.T, classes=c, from_logits=True).value == r.value
    smooth = xent.categorical(z, classes=c, from_logits=True, layout="rows",
                              convention="pytorch", label_smoothing=0.1)
    assert smooth.value != r.value


def test_categorical_needs_exactly_one_of_target_and_classes():
    with pytest.raises(ValueError, match="exactly one"):
        xent.categorical(np.eye(3))
    with pytest.raises(ValueError, match="exactly one"):
        xent.categorical(np.eye(3), np.eye(3), classes=np.arange(3))


# --- errors ---------------------------------------------------------------------------


def test_input_error_is_a_value_error_with_the_library_message():
    assert issubclass(xent.InputError, ValueError)
    with pytest.raises(xent.InputError) as e:
        xent.binary(np.array([[0.8, 0.2, 1.5]]), np.array([[1, 0, 1]]))
    assert str(e.value) == "pred[0, 2] = 1.5 is not a probability in [0, 1]"
    assert (e.value.operand, e.value.position, e.value.value) == ("pred", (0, 2), 1.5)


def test_positions_are_the_callers_under_layout_rows_and_in_1d():
    a = np.array([[0.9, 0.2, 0.7], [0.4, 0.5, 1.5]])  # (m, n_y) = (2, 3)
    with pytest.raises(xent.InputError, match=r"^pred\[1, 2\] = 1.5 is not a probability"):
        xent.binary(a, np.zeros((2, 3)), layout="rows")
    with pytest.raises(xent.InputError, match=r"^pred\[1, 2\] = 1.5") as e:
        xent.binary(np.asfortranarray(a), np.zeros((2, 3)), layout="rows")
    assert e.value.position == (1, 2)
    with pytest.raises(xent.InputError, match=r"^labels\[3\] = NaN is not finite"):
        xent.binary(np.full(4, 0.5), np.array([0.0, 1.0, 0.0, np.nan]))
    with pytest.raises(xent.InputError, match=r"^logits\[0, 1\] = inf is not finite"):
        xent.binary(np.array([[0.0, np.inf]]), np.array([[0, 1]]), from_logits=True)
    q = np.array([[0.5, 0.5], [0.3, 0.3]])  # row 1 (a sample) sums to 0.6
    with pytest.raises(xent.InputError, match=r"^row 1 of pred sums to 0.6"):
        xent.categorical(q, classes=np.array([0, 1]), layout="rows")
    with pytest.raises(xent.InputError, match=r"^column 1 of pred sums to 0.6"):
        xent.categorical(q.T, classes=np.array([0, 1]))
    with pytest.raises(xent.InputError, match=r"^pred sums to 0.6"):
        xent.categorical(np.array([0.3, 0.3]), classes=np.array([0]))


def test_shapes_and_counts_are_the_callers():
    with pytest.raises(xent.InputError, match=r"pred has shape \(3,\), labels has shape \(4,\)"):
        xent.binary(np.full(3, 0.5), np.zeros(4))
    with pytest.raises(xent.InputError, match=r"pred has shape \(4, 2\), labels has shape \(2, 4\)"):
        xent.binary(np.full((4, 2), 0.5), np.zeros((2, 4)), layout="rows")
    with pytest.raises(xent.InputError, match=r"pred is empty: shape \(0,\)"):
        xent.binary(np.zeros(0), np.zeros(0))
    with pytest.raises(xent.InputError, match="2 class indices given for 3 samples"):
        xent.categorical(np.eye(3), classes=np.array([0, 1]))
    with pytest.raises(xent.InputError, match=r"classes\[1\] = -1 is not a class index") as e:
        xent.categorical(np.eye(3), classes=np.array([0, -1, 2]))
    assert e.value.position == (1,)


def test_invalid_options():
    with pytest.raises(xent.InputError, match="log base"):
        xent.binary(A8, Y8, base=1)
    with pytest.raises(xent.InputError, match="convention \"torch\""):
        xent.binary(A8, Y8, convention="torch")
    with pytest.raises(xent.InputError, match="defines no label smoothing"):
        xent.binary(A8, Y8, label_smoothing=0.1)
    with pytest.raises(xent.InputError, match="label smoothing 2 is not"):
        xent.binary(A8, Y8, convention="keras", label_smoothing=2.0)
    with pytest.raises(xent.InputError, match="does not apply"):
        xent.binary(np.full((2, 3), 0.5), np.zeros((2, 3)), convention="sklearn")
    with pytest.raises(ValueError, match="layout"):
        xent.binary(A8, Y8, layout="columns")
    with pytest.raises(ValueError, match="3 dimensions"):
        xent.binary(np.full((1, 2, 2), 0.5), np.zeros((1, 2, 2)))
    with pytest.raises(ValueError, match="0 dimensions"):
        xent.binary(np.float64(0.5), np.float64(1.0))
    with pytest.raises(TypeError, match="float16"):
        xent.binary(A8.astype(np.float16), Y8)
    with pytest.raises(TypeError, match="numpy array"):
        xent.binary(np.array(["a"]), np.array([1]))


def test_nothing_half_computed_is_returned_and_other_inputs_are_read_as_arrays():
    # Lists, non-contiguous views and non-native byte order are converted (copied) first.
    assert close(xent.binary(A8.tolist(), Y8.tolist()).value, COST)
    wide = np.repeat(A8, 2, axis=1)[:, ::2]
    assert not wide.flags.c_contiguous and close(xent.binary(wide, Y8).value, COST)
    assert close(xent.binary(A8.astype(">f8"), Y8).value, COST)


# --- zero copy ------------------------------------------------------------------------


def test_the_kernel_reads_numpy_buffers_in_place():
    a = np.asfortranarray(np.full((3, 5), 0.5))
    y = np.zeros((5, 3), dtype=np.uint8)
    r = xent.binary(a.T, y, layout="rows")
    assert r.addresses == {"pred": a.ctypes.data, "labels": y.ctypes.data}
    assert xent._xent.address(a) == a.ctypes.data
    q, c = np.full((4, 3), 0.25, np.float32), np.array([0, 1, 3])
    assert xent.categorical(q, classes=c).addresses == {"pred": q.ctypes.data, "classes": c.ctypes.data}


def test_ten_million_float32_entries_are_not_duplicated():
    n = 10**7
    a = np.full((1, n), 0.25, dtype=np.float32)
    y = np.zeros((1, n), dtype=np.float32)
    y[0, ::3] = 1.0
    xent.binary(a[:, :1000], y[:, :1000])  # warm up
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    r = xent.binary(a, y)
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024
    assert r.addresses == {"pred": a.ctypes.data, "labels": y.ctypes.data}
    assert grown < a.nbytes / 4, f"peak RSS grew by {grown} bytes for a {a.nbytes}-byte array"
    expected = -(np.log(np.float64(0.25)) * len(y[0, ::3]) + np.log1p(-0.25) * (n - len(y[0, ::3]))) / n
    assert r.value == pytest.approx(expected, rel=1e-12)


def test_the_gil_is_released_while_the_kernel_runs():
    n = 4 * 10**6
    a, y = np.full((1, n), 0.25), np.zeros((1, n))
    results = []
    threads = [threading.Thread(target=lambda: results.append(xent.binary(a, y).value)) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 3 and len(set(results)) == 1


# --- check ----------------------------------------------------------------------------


def test_check_on_the_suite():
    r = xent.check("cost = -(1.0/m) * (np.dot(np.log(A), Y.T) + np.dot(np.log(1-A), (1-Y).T))")
    assert r.verdict.code == "equal only when n_y = 1" and not r.ok
    assert r.shape == ("n_y", "n_y") and r.runs and r.runs[0].problem == "the documents' example"
    assert close(r.value, COST) and "verdict" in str(r) and "equal only when" in repr(r)
    assert any(s == ("n_y", "n_y") for s in r.shapes.values())
    naive = xent.check("-np.sum(Y*np.log(A) + (1-Y)*np.log(1-A))/m")
    assert naive.verdict.code == "NaN where a label is 0 and its prediction is 0"
    assert any(run.outcome == "NaN" for run in naive.runs) and not naive.ok
    mean = xent.check("-np.mean(Y*np.log(A) + (1-Y)*np.log(1-A))")
    assert mean.verdict.code == "differs by a constant factor" and "1/n_y" in mean.verdict.message
    cat = xent.check("-np.sum(P * np.log(Q)) / m", kind="categorical")
    assert cat.verdict.code.startswith("NaN where a target is 0")
    q, p = np.array([[0.2, 0.7], [0.8, 0.3]]), np.array([[0.0, 1.0], [1.0, 0.0]])
    assert xent.check("-np.sum(P * np.log(Q)) / m", kind="categorical", Q=q, P=p).ok
    bits = xent.check("-np.sum(Y*np.log2(A) + (1-Y)*np.log2(1-A))/m", base=2, A=A8, Y=Y8)
    assert bits.ok and close(bits.value, COST / math.log(2), 8)


def test_check_on_the_callers_arrays():
    r = xent.check("-np.sum(Y*np.log(A) + (1-Y)*np.log(1-A))/m", A=A8, Y=Y8)
    assert r.ok and len(r.runs) == 1 and r.runs[0].problem == "the given inputs" and r.shape == ()
    rows = xent.check("-np.sum(Y*np.log(A) + (1-Y)*np.log(1-A))/m", A=A8.T, Y=Y8.T, layout="rows")
    assert rows.value == r.value
    with pytest.raises(xent.InputError, match=r"pred\[0, 2\] = 1.5"):
        xent.check("np.sum(A)", A=np.array([[0.1, 0.2, 1.5]]), Y=np.array([[0, 1, 1]]))
    with pytest.raises(TypeError, match="named"):
        xent.check("np.sum(A)", preds=A8)
    with pytest.raises(ValueError, match="both"):
        xent.check("np.sum(A)", A=A8)


def test_expression_errors():
    assert issubclass(xent.ExpressionError, ValueError)
    with pytest.raises(xent.ExpressionError, match="not aligned"):
        xent.check("np.dot(Y, np.log(A))", A=A8, Y=Y8)
    with pytest.raises(xent.ExpressionError) as e:
        xent.check("-np.sum(Y * np.log(A)")
    assert "^" in str(e.value)
    with pytest.raises(ValueError, match="kind"):
        xent.check("np.sum(A)", kind="multiclass")


# --- audit ----------------------------------------------------------------------------


def careful(A, Y):
    m = Y.shape[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        pos = np.where(Y > 0, Y * np.log(A), 0.0)
        neg = np.where(Y < 1, (1 - Y) * np.log1p(-A), 0.0)
    return -np.sum(pos + neg) / m


def test_audit_of_a_careful_function():
    report = xent.audit(careful)
    assert report.ok and all(c.ok and c.outcome == "equal" for c in report.cases)
    names = [c.name for c in report.cases]
    assert any("tiny" in n for n in names) and any("1e-20" in n for n in names)
    assert any(c.shape[0] > 1 for c in report.cases) and any(c.labels == "soft" for c in report.cases)
    assert max(c.shape[1] for c in report.cases) == 100_000
    text = str(report)
    assert "verdict     equal" in text and "oracle" in text and "careful" in text
    assert "equal:" in repr(report)


def test_audit_verdicts_in_the_verifiers_words():
    def dot(A, Y):
        m = Y.shape[1]
        return -(np.dot(np.log(A), Y.T) + np.dot(np.log1p(-A), (1 - Y).T)) / m

    with np.errstate(all="ignore"):
        r = xent.audit(dot, large=1000)
    assert not r.ok and r.verdict.startswith("equal only when n_y = 1")
    bad = [c for c in r.cases if c.outcome == "not one number"]
    assert bad and all("an (n_y, n_y) array where a scalar was meant" in c.message for c in bad)

    def mean(A, Y):
        with np.errstate(all="ignore"):
            return float(-np.mean(np.where(Y > 0, np.log(A), np.log1p(-A))))

    r = xent.audit(mean, large=1000)
    factor = [c for c in r.cases if c.outcome == "constant factor"]
    assert factor and all("1/n_y" in c.message for c in factor)

    def naive(A, Y):
        m = Y.shape[1]
        return -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m

    with np.errstate(all="ignore"):
        r = xent.audit(naive, large=1000)
    outcomes = {c.name: c for c in r.cases if not c.ok}
    nan = [c for c in outcomes.values() if c.outcome == "NaN at 0·log 0"]
    assert nan and "a label is 0 and its prediction is 0" in nan[0].message
    tiny = [c for c in outcomes.values() if c.outcome == "inaccurate"]
    assert len(tiny) == 2 and all("measured error" in c.message for c in tiny)

    def boom(A, Y):
        raise RuntimeError("no")

    r = xent.audit(boom, large=10)
    assert all(c.outcome == "raised" and "RuntimeError" in c.message for c in r.cases)


class FakeTensor:
    """What a torch tensor offers the audit: detach(), cpu(), numpy()."""

    def __init__(self, x):
        self.x = x

    def detach(self):
        return self

    def cpu(self):
        return self

    def numpy(self):
        return np.asarray(self.x)


def test_audit_takes_tensor_results_logits_and_categorical():
    r = xent.audit(lambda A, Y: FakeTensor(careful(A, Y)), large=1000)
    assert r.ok

    def naive_logits(Z, Y):
        with np.errstate(all="ignore"):
            a = 1 / (1 + np.exp(-Z))
            return -np.sum(Y * np.log(a) + (1 - Y) * np.log(1 - a)) / Y.shape[1]

    r = xent.audit(naive_logits, from_logits=True, large=1000)
    assert r.from_logits and not r.ok
    sat = [c for c in r.cases if "saturated" in c.name]
    assert sat and not sat[0].ok
    assert all(c.ok for c in r.cases if not c.probe)

    def softmax_xent(Q, P):
        with np.errstate(all="ignore"):
            return -np.sum(np.where(P > 0, P * np.log(Q), 0.0)) / P.shape[1]

    r = xent.audit(softmax_xent, "categorical", large=1000)
    assert r.ok and r.kind == "categorical"
    with pytest.raises(ValueError, match="kind"):
        xent.audit(careful, "multiclass")


# --- verify ---------------------------------------------------------------------------


def test_verify_text_and_dict():
    text = xent.verify(sweep=False)
    assert text.startswith("xent verify") and "oracle" in text
    d = xent.verify("dict", sweep=False)
    assert isinstance(d, dict) and {"claims", "expressions", "formulations"} <= set(d)
    # The peer libraries' values are rows of the one catalogue, beside the documents' claims.
    assert {"G1", "Q4", "K1", "C1"} <= {c["id"] for c in d["claims"]}
    assert d["formulations"] == ["sum", "dot", "matmul", "fused"]
    with pytest.raises(ValueError, match="format"):
        xent.verify("yaml")


# --- documentation --------------------------------------------------------------------


def test_docstring_examples():
    failed, attempted = doctest.testmod(xent, optionflags=doctest.ELLIPSIS)
    assert attempted > 10 and failed == 0


def test_readme_examples():
    readme = pathlib.Path(__file__).resolve().parents[1] / "README.md"
    failed, attempted = doctest.testfile(str(readme), module_relative=False,
                                         optionflags=doctest.ELLIPSIS)
    assert attempted > 10 and failed == 0


# Weights, masks, reductions: each checked against numpy written the way a user writes it.
AW = np.array([0.8, 0.2, 0.95, 0.92, 0.01, 0.93, 0.1, 0.02])
YW = np.array([1, 0, 1, 1, 0, 1, 0, 0])
WW = np.array([2.0, 1.0, 1.0, 0.5, 1.0, 3.0, 0.0, 1.0])


def _bce(a, y):
    return -(y * np.log(a) + (1 - y) * np.log1p(-a))


def test_sample_weights_are_the_weighted_mean_and_sum():
    losses = _bce(AW, YW)
    mean = xent.binary(AW, YW, sample_weight=WW)
    assert mean.reduction == "mean" and mean.weight == WW.sum()
    assert math.isclose(mean.value, np.sum(WW * losses) / np.sum(WW), rel_tol=8 * np.finfo(float).eps)
    total = xent.binary(AW, YW, sample_weight=WW, reduction="sum")
    assert math.isclose(total.value, np.sum(WW * losses), rel_tol=8 * np.finfo(float).eps)


def test_reduction_none_gives_the_weighted_per_sample_losses():
    mask = WW > 0.75
    r = xent.binary(AW, YW, sample_weight=WW, mask=mask, reduction="none")
    expected = np.where(mask, WW * _bce(AW, YW), 0.0)
    assert r.per_sample.shape == (8,)
    np.testing.assert_allclose(r.per_sample, expected, rtol=8 * np.finfo(float).eps, atol=0)
    assert r.per_sample[6] == 0.0


def test_class_weights_and_ignore_index_divide_as_pytorch():
    q = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4], [0.5, 0.25, 0.25]])
    classes = np.array([0, 1, -100, 2])
    c = np.array([1.0, 2.0, 5.0])
    r = xent.categorical(q, classes=classes, layout="rows", class_weight=c, ignore_index=-100)
    kept = classes != -100
    idx = classes[kept]
    l = -np.log(q[kept, idx])
    assert r.weight == np.sum(c[idx])
    assert math.isclose(r.value, np.sum(c[idx] * l) / np.sum(c[idx]), rel_tol=8 * np.finfo(float).eps)


def test_bad_weights_are_input_errors():
    with pytest.raises(xent.InputError, match=r"sample_weight\[1\] = -1 is negative"):
        xent.binary(AW, YW, sample_weight=np.array([1, -1, 1, 1, 1, 1, 1, 1.0]))
    with pytest.raises(xent.InputError, match="one entry per sample"):
        xent.binary(AW, YW, sample_weight=np.ones(3))
    with pytest.raises(xent.InputError, match="the pytorch convention has no mask"):
        xent.binary(AW, YW, mask=WW > 0, convention="pytorch")


# Each peer convention's weighted semantics, against the expression its library documents.
EPS = 8 * np.finfo(float).eps
EPS32 = 8 * float(np.finfo(np.float32).eps)


def test_peer_conventions_divide_as_their_libraries():
    l = _bce(AW, YW)
    # torch.nn.functional.binary_cross_entropy(a, y, weight=w): mean over the elements.
    torch = xent.binary(AW, YW, sample_weight=WW, convention="pytorch")
    assert math.isclose(torch.value, np.mean(WW * l), rel_tol=EPS)
    # sklearn.metrics.log_loss(y, a, sample_weight=w): np.average; normalize=False: np.dot.
    sk = xent.binary(AW, YW, sample_weight=WW, convention="sklearn")
    assert math.isclose(sk.value, np.average(l, weights=WW), rel_tol=EPS)
    sk_sum = xent.binary(AW, YW, sample_weight=WW, convention="sklearn", reduction="sum")
    assert math.isclose(sk_sum.value, np.dot(l, WW), rel_tol=EPS)
    # keras.losses.BinaryCrossentropy()(y, a, sample_weight=w): float32 inputs,
    # sum_over_batch_size divides by the batch size; mean_with_sample_weight by sum(w).
    l32 = _bce(AW.astype(np.float32).astype(float), YW)
    keras = xent.binary(AW, YW, sample_weight=WW, convention="keras")
    assert math.isclose(keras.value, np.sum(WW * l32) / len(AW), rel_tol=EPS32)
    keras_w = xent.binary(
        AW, YW, sample_weight=WW, convention="keras", reduction="mean_with_sample_weight"
    )
    assert math.isclose(keras_w.value, np.sum(WW * l32) / np.sum(WW), rel_tol=EPS32)
    # Every convention side by side, the ones without weights saying so.
    r = xent.binary(AW, YW, sample_weight=WW, convention="all")
    assert r.conventions["pytorch"].value == torch.value
    assert r.conventions["scipy"].value is None
    assert "scipy.stats.entropy takes no weights" in r.conventions["scipy"].error
    with pytest.raises(xent.InputError, match="the sklearn convention has no class_weight"):
        xent.categorical(np.eye(2), classes=np.array([0, 1]), class_weight=np.ones(2), convention="sklearn")


def test_pytorch_binary_none_is_elementwise_and_ignores_minus_100():
    a = np.array([[0.9, 0.2], [0.6, 0.7], [0.3, 0.4]])  # 3 samples (rows) × 2 outputs
    y = np.array([[1, 0], [1, 1], [0, 0]])
    w = np.array([2.0, 1.0, 0.5])
    r = xent.binary(a, y, layout="rows", sample_weight=w, reduction="none", convention="pytorch")
    assert r.per_sample.shape == (3, 2)
    np.testing.assert_allclose(r.per_sample, w[:, None] * _bce(a, y), rtol=EPS, atol=0)
    # cross_entropy's default ignore_index=-100: the sample is out of the mean.
    q = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4]])
    classes = np.array([0, -100, 2])
    t = xent.categorical(q, classes=classes, layout="rows", convention="pytorch")
    assert math.isclose(t.value, -(np.log(0.7) + np.log(0.4)) / 2, rel_tol=EPS)
    with pytest.raises(xent.InputError, match="not a class index"):
        xent.categorical(q, classes=classes, layout="rows")
