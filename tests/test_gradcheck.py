"""gradcheck and gradgradcheck: pass correct gradients, catch and localise wrong ones, survive kinks."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_ng as tg
from tinygrad_ng.gradcheck import COURSE_THRESHOLD, GradcheckReport, relative_difference
from tinygrad_ng.testing import arrays, broadcastable_shapes, shapes, tensors


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


# swish(x) = x σ(x); d/dx = σ + x σ (1 - σ) = out + σ (1 - out)
swish = tg.custom_op("swish", lambda x: x * _sigmoid(x), lambda g, out, x: g * (out + _sigmoid(x) * (1 - out)))
# the classic slip: the derivative of σ alone, forgetting the product rule
swish_wrong = tg.custom_op(
    "swish_wrong", lambda x: x * _sigmoid(x), lambda g, out, x: g * _sigmoid(x) * (1 - _sigmoid(x))
)


def counting(fn):
    """``fn`` with a call counter in ``.calls``."""

    def wrapped(*args):
        wrapped.calls += 1
        return fn(*args)

    wrapped.calls = 0
    return wrapped


# --------------------------------------------------------------------------- correct functions pass
def test_logistic_layer_passes_and_meets_the_course_threshold() -> None:
    W = tg.Tensor([[0.3, -0.2, 0.1]], requires_grad=True, name="W")
    b = tg.Tensor([[0.05]], requires_grad=True, name="b")
    X = tg.Tensor([[1.0, 2.0], [-1.0, 0.5], [0.3, -0.7]])
    report = tg.gradcheck(lambda W, b, X: tg.binary_cross_entropy((W @ X + b).sigmoid(), [[1, 0]]), [W, b, X])
    assert isinstance(report, GradcheckReport) and report
    assert [c.index for c in report.inputs] == [0, 1]  # X does not require grad
    for c in report.inputs:
        assert c.passed and c.rel_difference < COURSE_THRESHOLD and c.max_abs_err < 1e-8
    assert report.nodes == ()  # localisation only runs when the check fails


def test_non_scalar_and_tuple_outputs_compare_the_whole_jacobian() -> None:
    x = tg.Tensor([[0.5, -1.0, 2.0]], requires_grad=True)
    y = tg.Tensor([[1.5], [0.2]], requires_grad=True)
    assert tg.gradcheck(lambda x, y: (x * y).tanh(), [x, y])  # a (2, 3) output
    assert tg.gradcheck(lambda x, y: (x.exp(), (x * y).sum(axis=0), y.sigmoid()), [x, y])


def test_inputs_are_left_as_they_were() -> None:
    data = np.array([1.0, -2.0, 3.0])
    x = tg.Tensor(data, requires_grad=True)
    before = x._version
    tg.gradcheck(lambda x: (x * x).sum(), [x])
    np.testing.assert_array_equal(x.data, data)
    assert x._version == before and x.grad is None


def test_a_closure_over_the_input_is_perturbed_too() -> None:
    w = tg.Tensor([0.5, -0.25], requires_grad=True)
    assert tg.gradcheck(lambda _: (w * w * w).sum(), [w])


@given(pair=broadcastable_shapes(2, max_side=3), data=st.data())
def test_broadcasting_arithmetic_passes(pair: tuple, data: st.DataObject) -> None:
    x = data.draw(tensors(pair[0]))
    y = data.draw(tensors(pair[1], elements="positive"))
    tg.gradcheck(lambda x, y: x * y + x / y - y.log(), [x, y])


@given(tensors(shape=shapes(max_dims=2, max_side=3), elements="nonzero"))
def test_smooth_and_piecewise_elementwise_ops_pass(x: tg.Tensor) -> None:
    tg.gradcheck(lambda x: x.relu() + x.abs() * x.tanh() + x.sigmoid() * x.exp() + x.leaky_relu(0.1), [x])


# --------------------------------------------------------------------------- kinks
@pytest.mark.parametrize(
    ("fn", "x"),
    [
        (lambda x: x.relu().sum(), [0.0, 1.0, -1.0, 0.0]),
        (lambda x: (x.relu() * 3.0).sum() + x.abs().sum(), [0.0, -1e-7, 2.0]),
        (lambda x: (x * x).relu(), [0.0, 1.0]),  # relu at 0 inside the graph
        (lambda x: x.max(), [1.0, 3.0, 3.0]),
        (lambda x: tg.maximum(x, 1.0).sum() + tg.minimum(x, 1.0).sum(), [1.0, 2.0]),
        (lambda x: x.clip(-1.0, 1.0).sum(), [-1.0, 0.0, 1.0]),
        (lambda x: x.relu() @ tg.Tensor([[1.0], [2.0]]), [[0.0, 0.5]]),
    ],
)
def test_no_false_failure_at_a_kink(fn, x) -> None:
    report = tg.gradcheck(fn, [tg.Tensor(x, requires_grad=True)])
    assert report.passed


def test_a_kink_is_reported_as_a_non_differentiable_point() -> None:
    x = tg.Tensor([0.0, 2.0, 0.0], requires_grad=True)
    report = tg.gradcheck(lambda x: x.relu().sum(), [x])
    assert report.inputs[0].kinks == ((0,), (2,))
    assert "non-differentiable point at (0,), (2,)" in str(report)


def test_a_wrong_gradient_at_a_kink_still_fails() -> None:
    # 5 is outside [0, 1], the one-sided slopes of relu at 0: no kink excuses it
    bad_relu = tg.custom_op("bad_relu", lambda x: np.maximum(x, 0), lambda g, out, x: g * 5.0)
    x = tg.Tensor([0.0, 1.0], requires_grad=True)
    report = tg.gradcheck(lambda x: bad_relu(x).sum(), [x], raise_on_failure=False)
    assert not report and report.inputs[0].kinks == ()
    assert [n.op for n in report.culprits] == ["bad_relu"]


# --------------------------------------------------------------------------- wrong functions fail, localised
def test_wrong_vjp_is_caught_and_localised_to_its_node() -> None:
    x = tg.Tensor([[0.5, -1.0], [2.0, 0.0]], requires_grad=True, name="x")
    with pytest.raises(tg.GradcheckError) as info:
        tg.gradcheck(lambda x: (swish_wrong((x * 2.0).relu()) + x).sum(), [x])
    report = info.value.report
    assert isinstance(info.value, AssertionError)  # pytest shows it as a failed assertion
    assert not report and not report.inputs[0].passed
    (culprit,) = report.culprits  # mul (node 0) and relu (node 1, which has a kink at 0) are fine
    assert (culprit.op, culprit.node, culprit.input) == ("swish_wrong", 2, 0)
    assert culprit.max_rel_err > 0.1
    assert "op `swish_wrong` (node 2), input 0: max rel err" in str(info.value)
    assert {n.op for n in report.nodes} == {"mul", "relu", "swish_wrong", "add", "sum"}


def test_the_worst_element_is_named() -> None:
    x = tg.Tensor([0.0, 3.0], requires_grad=True)
    report = tg.gradcheck(lambda x: swish_wrong(x), [x], raise_on_failure=False)
    c = report.inputs[0]
    assert c.worst_index == (1,) and c.worst_output == 1  # at 0 the two rules agree; at 3 they differ most
    s = 1 / (1 + np.exp(-3.0))
    assert c.analytic == pytest.approx(s * (1 - s)) and c.numeric == pytest.approx(s + 3 * s * (1 - s), rel=1e-6)
    assert c.max_rel_err == pytest.approx(abs(c.analytic - c.numeric) / c.numeric)
    assert c.rel_difference == pytest.approx(relative_difference(report_jacobian(x), numeric_jacobian(x)), rel=1e-6)


def report_jacobian(x: tg.Tensor) -> np.ndarray:
    return np.diag(_sigmoid(x.data) * (1 - _sigmoid(x.data)))


def numeric_jacobian(x: tg.Tensor) -> np.ndarray:
    s = _sigmoid(x.data)
    return np.diag(s + x.data * s * (1 - s))


def test_a_mismatch_outside_the_graph_is_explained() -> None:
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    report = tg.gradcheck(lambda x: x * tg.Tensor(x.data), [x], raise_on_failure=False)  # .data escapes the graph
    assert not report and report.culprits == () and report.nodes
    assert "outside the graph" in str(report)


def test_report_table_reads_well() -> None:
    x = tg.Tensor([0.5, 1.5], requires_grad=True, name="x")
    text = str(tg.gradcheck(lambda x: swish_wrong(x).sum(), [x], raise_on_failure=False))
    lines = text.splitlines()
    assert lines[0].startswith("gradcheck FAILED (full Jacobian, eps=1e-06")
    assert "|g - n| <= atol + rtol*|n|" in lines[1]  # the rule that decided
    assert (
        lines[3].split() == "input shape dtype max abs err max rel err worst at err/tol rel diff kinks result".split()
    )
    assert lines[4].split()[:4] == ["0", "'x'", "(2,)", "float64"] and lines[4].endswith("FAILED")
    assert "reverse mode" in text and "finite differences" in text


def test_the_report_shows_the_share_of_the_tolerance_that_decided() -> None:
    """A small entry can have a relative error above rtol and still pass through atol: err/tol shows why."""
    x = tg.Tensor([1e-3, 2.0], requires_grad=True, name="x")
    off = tg.custom_op("off", lambda x: x * x, lambda g, out, x: g * (2 * x + 4e-6), rule="dx = g * 2x (+ 4e-6)")
    report = tg.gradcheck(lambda x: off(x).sum(), [x], raise_on_failure=False)
    row = report.inputs[0]
    assert report and row.passed and row.max_rel_err > report.rtol  # "max rel err" alone suggests a failure
    g, n = 2e-3 + 4e-6, 2e-3  # at x = 1e-3 the error is 4e-6 against a tolerance of 1e-5 + 1e-3 * 2e-3
    assert row.tolerance_used == pytest.approx(abs(g - n) / (1e-5 + 1e-3 * n), rel=1e-3) and row.tolerance_used <= 1
    tighter = tg.gradcheck(lambda x: off(x).sum(), [x], raise_on_failure=False, atol=1e-7)
    assert not tighter and tighter.inputs[0].tolerance_used > 1
    assert f"{tighter.inputs[0].tolerance_used:.2g}" in str(tighter)
    fast = tg.gradcheck(lambda x: off(x).sum(), [x], raise_on_failure=False, fast=True).inputs[0]
    assert fast.passed and 0 < fast.tolerance_used <= 1


# --------------------------------------------------------------------------- fast mode
def test_fast_mode_costs_a_constant_number_of_evaluations() -> None:
    x = tg.Tensor(np.linspace(-1, 1, 400).reshape(20, 20), requires_grad=True)
    fn = counting(lambda x: (x @ x).tanh().sum())
    assert tg.gradcheck(fn, [x], fast=True)
    assert fn.calls == 3  # the graph, then f(x + eps v) and f(x - eps v)
    small = tg.Tensor([[0.1, 0.2], [0.3, 0.4]], requires_grad=True)
    fn_full = counting(lambda x: (x @ x).tanh().sum())
    tg.gradcheck(fn_full, [small])
    assert fn_full.calls == 2 + 2 * small.size


def test_fast_mode_catches_a_wrong_vjp() -> None:
    x = tg.Tensor(np.linspace(0.5, 2, 50), requires_grad=True)
    assert tg.gradcheck(lambda x: swish(x).sum(), [x], fast=True)
    report = tg.gradcheck(lambda x: swish_wrong(x).sum(), [x], fast=True, raise_on_failure=False)
    assert not report and report.fast and report.inputs[0].worst_index is None
    assert [n.op for n in report.culprits] == ["swish_wrong"]


@given(arrays((3, 4)), arrays((4, 2)))
def test_fast_and_full_agree_on_correct_functions(a: np.ndarray, b: np.ndarray) -> None:
    A, B = tg.Tensor(a, requires_grad=True), tg.Tensor(b, requires_grad=True)
    fn = lambda A, B: (A @ B).sigmoid()
    assert tg.gradcheck(fn, [A, B], fast=True) and tg.gradcheck(fn, [A, B])


# --------------------------------------------------------------------------- dtypes and arguments
def test_float32_input_warns_with_the_reason() -> None:
    x = tg.Tensor(np.array([0.5, 1.0], dtype=np.float32), requires_grad=True)
    with pytest.warns(UserWarning, match=r"float32, not float64: finite differences .* rounding error"):
        report = tg.gradcheck(lambda x: (x * x).sum(), [x], eps=1e-3, atol=1e-2, rtol=1e-2)
    assert report and report.notes and "float32" in report.notes[0]


def test_float64_input_does_not_warn() -> None:
    x = tg.Tensor([0.5, 1.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tg.gradcheck(lambda x: (x * x).sum(), [x])


def test_bad_arguments_are_named() -> None:
    x = tg.Tensor([1.0], requires_grad=True)
    with pytest.raises(tg.ArgumentError, match="gradcheck: none of the 1 inputs"):
        tg.gradcheck(lambda x: x, [tg.Tensor([1.0])])
    with pytest.raises(tg.DTypeError, match="must return a Tensor"):
        tg.gradcheck(lambda x: 1.0, [x])
    with pytest.raises(tg.ArgumentError, match="eps must be positive"):
        tg.gradcheck(lambda x: x, [x], eps=0.0)
    assert tg.gradcheck(lambda x: x * 2, x)  # a single Tensor is accepted as the inputs


def test_relative_difference_is_the_courses() -> None:
    assert relative_difference([0.0, 0.0], [0.0, 0.0]) == 0.0
    assert relative_difference([1.0, 0.0], [0.0, 0.0]) == 1.0
    assert relative_difference([3.0, 4.0], [3.0, 4.0 + 1e-6]) == pytest.approx(1e-6 / (5 + 5))


def test_constant_output_passes_with_zero_difference() -> None:
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    report = tg.gradcheck(lambda x: x * 0.0, [x])
    assert report and report.inputs[0].rel_difference == 0.0


# --------------------------------------------------------------------------- second derivatives
@pytest.mark.parametrize(
    "fn",
    [
        lambda x: (x * x.tanh()).sum(),
        lambda x: x.sigmoid() * x.exp(),
        lambda x: (x @ x.T).log().sum(),
        lambda x: tg.binary_cross_entropy_with_logits(x, np.ones(x.shape)),
    ],
)
def test_gradgradcheck_passes_smooth_functions(fn) -> None:
    x = tg.Tensor([[0.5, 1.0, 1.5]], requires_grad=True)
    report = tg.gradgradcheck(fn, [x])
    assert report and report.order == 2 and str(report).startswith("gradgradcheck passed")


def test_gradgradcheck_localises_a_wrong_vjp_used_inside_a_vjp() -> None:
    # cube's VJP is right (so gradcheck passes) but is built on an op whose own VJP is wrong
    square3 = tg.custom_op("square3", lambda x: 3 * x**2, lambda g, out, x: g * 3 * x)  # should be 6 x
    cube = tg.custom_op("cube", lambda x: x**3, lambda g, out, x: g * square3(x))
    x = tg.Tensor([0.5, -1.5], requires_grad=True)
    assert tg.gradcheck(lambda x: cube(x).sum(), [x])
    with pytest.raises(tg.GradcheckError) as info:
        tg.gradgradcheck(lambda x: cube(x).sum(), [x])
    assert [n.op for n in info.value.report.culprits] == ["square3"]


def test_gradgradcheck_explains_a_vjp_that_is_not_differentiable() -> None:
    # the VJP treats x as a constant: right first derivative, second derivative lost
    square = tg.custom_op("square", lambda x: x**2, lambda g, out, x: g * 2 * np.asarray(getattr(x, "data", x)))
    x = tg.Tensor([0.5, -1.5], requires_grad=True)
    assert tg.gradcheck(lambda x: square(x).sum(), [x])
    report = tg.gradgradcheck(lambda x: square(x).sum(), [x], raise_on_failure=False)
    assert not report and "outside the graph" in str(report)


def test_gradgradcheck_takes_grad_outputs() -> None:
    x = tg.Tensor([0.5, -1.5], requires_grad=True)
    assert tg.gradgradcheck(lambda x: x.tanh(), [x], grad_outputs=[np.array([1.0, -2.0])])
    with pytest.raises(tg.ArgumentError, match="grad_outputs of shape"):
        tg.gradgradcheck(lambda x: x.tanh(), [x], grad_outputs=[np.ones(3)])
