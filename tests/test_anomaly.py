"""detect_anomaly: the first op whose output or gradient holds NaN or Inf is named, with the line that called it."""

from __future__ import annotations

import inspect
import threading

import numpy as np
import pytest

import tinygrad_ng as tg
from tinygrad_ng import AnomalyError, Tensor


def _line() -> str:
    """``test_anomaly.py", line N`` for the caller's next line, as a traceback prints it."""
    return f'test_anomaly.py", line {inspect.currentframe().f_back.f_lineno + 1}'  # type: ignore[union-attr]


def test_forward_nan_names_op_shapes_and_line():
    x = Tensor([-1.0, 2.0, 3.0], requires_grad=True, name="x")
    with pytest.raises(AnomalyError) as info, tg.detect_anomaly():
        where = _line()
        x.log()
    msg = str(info.value)
    assert isinstance(info.value, FloatingPointError)
    assert "op 'log'" in msg and "1 NaN among 3 values" in msg
    assert "'x' (3,) float64" in msg and "output (3,) float64" in msg
    assert where in msg and "x.log()" in msg


def test_forward_inf_from_overflow():
    z = Tensor(np.array([[1.0, 800.0]], dtype=np.float32), requires_grad=True)
    with pytest.raises(AnomalyError, match=r"op 'exp' produced 1 Inf among 2 values in its output \(1, 2\) float32"):
        with tg.detect_anomaly():
            z.exp()


def test_nan_already_in_the_data_is_blamed_on_the_data():
    X = Tensor([[1.0, np.nan]], name="X")
    W = Tensor([[2.0]], requires_grad=True, name="W")
    with pytest.raises(AnomalyError) as info, tg.detect_anomaly():
        W @ X
    msg = str(info.value)
    assert "op 'matmul' received input 1 'X' (1, 2) float64 already holding 1 NaN" in msg
    assert "a leaf" in msg


def test_line_is_the_users_even_through_composites():
    z = Tensor([[0.0], [np.inf]], requires_grad=True)
    with pytest.raises(AnomalyError) as info, tg.detect_anomaly():
        where = _line()
        tg.functional.log_softmax(z, axis=0)
    assert where in str(info.value)
    assert "functional.py" not in str(info.value)  # library frames are dropped


def test_backward_inf_names_op_input_and_forward_line():
    x = Tensor([0.0, 4.0], requires_grad=True, name="x")
    with pytest.raises(AnomalyError) as info, tg.detect_anomaly():
        where = _line()
        y = x.sqrt()
        y.sum().backward()
    msg = str(info.value)
    assert "backward of op 'sqrt'" in msg and "1 Inf among 2 values" in msg
    assert "gradient for input 0 'x' (2,) float64" in msg and "from a finite upstream gradient" in msg
    assert where in msg and "x.sqrt()" in msg
    assert x.grad is None  # nothing half-accumulated into the leaf


def test_backward_of_op_recorded_outside_says_so():
    x = Tensor([0.0], requires_grad=True)
    y = x.sqrt().sum()
    with pytest.raises(AnomalyError, match="not recorded: the op ran outside detect_anomaly"):
        with tg.detect_anomaly():
            y.backward()


def test_nan_upstream_gradient_is_reported_as_such():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(AnomalyError, match="upstream gradient that already held 1 NaN"):
        with tg.detect_anomaly():
            (x * 2.0).backward(grad=np.array([np.nan, 1.0]))


def test_second_derivative_anomaly_under_create_graph():
    x = Tensor([0.0], requires_grad=True)
    with pytest.raises(AnomalyError, match=r"NaN|Inf"), tg.detect_anomaly():
        tg.grad(x.sqrt().sum(), x, create_graph=True)


def test_finite_computation_is_unchanged_and_silent():
    rng = np.random.RandomState(0)
    W = Tensor(rng.randn(3, 4), requires_grad=True)
    X = Tensor(rng.randn(4, 5))

    def loss() -> Tensor:
        return tg.binary_cross_entropy((W @ X).sigmoid(), (rng.rand(1, 5) > 0.5) * np.ones((3, 1)))

    rng.seed(1)
    loss().backward()
    plain = W.grad.copy()
    W.grad = None
    rng.seed(1)
    with tg.detect_anomaly():
        loss().backward()
    np.testing.assert_array_equal(W.grad, plain)


def test_outside_the_block_nothing_is_checked_or_recorded():
    x = Tensor([-1.0], requires_grad=True)
    with np.errstate(invalid="ignore"):
        y = x.log()
    assert np.isnan(y.item())
    assert y._node.where is None  # no call site captured: normal runs pay nothing
    with tg.detect_anomaly():
        z = x * 2.0
    assert z._node.where and "test_anomaly.py" in "".join(z._node.where)


def test_mode_is_restored_after_an_error_and_nests():
    x = Tensor([-1.0], requires_grad=True)
    with pytest.raises(AnomalyError), tg.detect_anomaly():
        with tg.detect_anomaly():
            pass
        x.log()
    with np.errstate(invalid="ignore"):
        assert np.isnan(x.log().item())  # no longer checking


def test_mode_is_per_thread():
    seen: list[object] = []

    def other() -> None:
        with np.errstate(invalid="ignore"):
            seen.append(Tensor([-1.0], requires_grad=True).log().item())

    with tg.detect_anomaly():
        t = threading.Thread(target=other)
        t.start()
        t.join()
    assert len(seen) == 1 and np.isnan(seen[0])  # the other thread was not checked
