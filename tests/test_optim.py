"""tinygrad_ng.optim: each update rule against its formula, written out in NumPy."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_ng as tg
from tinygrad_ng import nn
from tinygrad_ng.errors import ArgumentError, DTypeError
from tinygrad_ng.optim import SGD, Adam, RMSprop


def _quadratic_grads(w: tg.Tensor) -> np.ndarray:
    """Run backward on L = sum(w^3) / 3 (so dL/dw = w^2, not proportional to w) and return dL/dw."""
    ((w * w * w).sum() / 3).backward()
    return w.data**2


def test_sgd_is_the_course_update() -> None:
    w = tg.Tensor([[1.0, -2.0]], requires_grad=True)
    opt = SGD([w], lr=0.1)
    g = _quadratic_grads(w)
    opt.step()
    np.testing.assert_allclose(w.data, np.array([[1.0, -2.0]]) - 0.1 * g)


def _run(opt_factory, steps: int = 4) -> tuple[np.ndarray, list[np.ndarray]]:
    w = tg.Tensor([[1.0, -2.0, 0.5]], requires_grad=True)
    opt = opt_factory([w])
    grads = []
    for _ in range(steps):
        opt.zero_grad()
        grads.append(_quadratic_grads(w).copy())
        opt.step()
    return w.data, grads


def test_sgd_momentum_is_the_course_exponentially_weighted_average() -> None:
    got, grads = _run(lambda p: SGD(p, lr=0.1, momentum=0.9))
    w, v = np.array([[1.0, -2.0, 0.5]]), 0
    for g in grads:
        v = 0.9 * v + 0.1 * g
        w = w - 0.1 * v
    np.testing.assert_allclose(got, w, rtol=1e-12)


def test_rmsprop_formula() -> None:
    got, grads = _run(lambda p: RMSprop(p, lr=0.01, beta=0.9))
    w, s = np.array([[1.0, -2.0, 0.5]]), 0
    for g in grads:
        s = 0.9 * s + 0.1 * g**2
        w = w - 0.01 * g / (np.sqrt(s) + 1e-8)
    np.testing.assert_allclose(got, w, rtol=1e-12)


def test_adam_is_bias_corrected() -> None:
    got, grads = _run(lambda p: Adam(p, lr=0.01))
    w, v, s = np.array([[1.0, -2.0, 0.5]]), 0, 0
    for t, g in enumerate(grads, start=1):
        v = 0.9 * v + 0.1 * g
        s = 0.999 * s + 0.001 * g**2
        w = w - 0.01 * (v / (1 - 0.9**t)) / (np.sqrt(s / (1 - 0.999**t)) + 1e-8)
    np.testing.assert_allclose(got, w, rtol=1e-12)
    # The first bias-corrected step moves every entry by about lr, whatever the gradient's size.
    first, _ = _run(lambda p: Adam(p, lr=0.01), steps=1)
    np.testing.assert_allclose(np.abs(first - [[1.0, -2.0, 0.5]]), 0.01, rtol=1e-6)


@pytest.mark.parametrize("make", [lambda p: SGD(p, lr=0.1, momentum=0.5), lambda p: Adam(p), lambda p: RMSprop(p)])
def test_step_after_backward_keeps_dtype_bumps_version_and_skips_params_without_grad(make) -> None:
    model = nn.MLP([3, 2, 1], seed=0, dtype=np.float32)
    unused = tg.Tensor(np.ones((2, 2), np.float32), requires_grad=True)
    opt = make([*model.parameters(), unused])
    tg.binary_cross_entropy(model(np.ones((3, 4), np.float32)), [[1, 0, 1, 0]]).backward()
    before = {name: (p.data.copy(), p._version) for name, p in model.named_parameters()}
    opt.step()
    for name, p in model.named_parameters():
        assert p.dtype == np.float32
        assert p._version > before[name][1]
        assert not np.array_equal(p.data, before[name][0]) or not p.grad.any(), name
    assert np.array_equal(unused.data, np.ones((2, 2))) and unused._version == 0


def test_a_graph_recorded_before_the_step_refuses_a_second_backward() -> None:
    w = tg.Tensor([[1.0, 2.0]], requires_grad=True)
    loss = (w * w).sum()
    loss.backward(retain_graph=True)
    SGD([w], lr=0.1).step()
    with pytest.raises(tg.InplaceError):
        loss.backward()  # the step changed w, which the graph saved


def test_bad_arguments_are_clear_errors() -> None:
    w = tg.Tensor([1.0], requires_grad=True)
    with pytest.raises(ArgumentError, match="learning rate"):
        SGD([w], lr=-1)
    with pytest.raises(ArgumentError, match="no parameters"):
        Adam([])
    with pytest.raises(DTypeError, match="without requires_grad"):
        SGD([tg.Tensor([1.0])], lr=0.1)
    with pytest.raises(ArgumentError, match="momentum"):
        SGD([w], lr=0.1, momentum=1.0)
