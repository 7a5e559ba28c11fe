"""Custom ops: recorded under their own name, differentiated by their VJPs, checked by gradcheck."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given

import tinygrad_ng as tg
from tinygrad_ng.custom import CustomOp
from tinygrad_ng.ops import REGISTRY
from tinygrad_ng.testing import assert_gradients_close, tensors


def _softplus(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(0, x)


# softplus(x) = log(1 + e^x); d/dx = σ(x). The VJP uses only ufuncs, so it also runs on Tensors.
softplus = tg.custom_op("softplus", _softplus, lambda g, out, x: g / (1 + np.exp(-x)), rule="dx = g * sigmoid(x)")
# a x + y with a scalar attribute; the VJPs return the broadcast shape and the engine sums it down
axpy = tg.custom_op(
    "axpy",
    lambda x, y, alpha: alpha * x + y,
    (lambda g, out, x, y, alpha: g * alpha, lambda g, out, x, y, alpha: g),
    rule="dx = alpha g;  dy = g",
)


def test_records_under_its_own_name_and_not_in_the_registry() -> None:
    x = tg.Tensor([0.0, 1.0], requires_grad=True)
    y = softplus(x)
    assert isinstance(softplus, CustomOp) and y.op == "softplus" and y.parents == (x,)
    assert "softplus" not in REGISTRY and "axpy" not in REGISTRY
    np.testing.assert_allclose(y.data, np.log1p(np.exp([0.0, 1.0])))
    assert repr(softplus) == "CustomOp('softplus': dx = g * sigmoid(x))"


def test_backward_uses_the_vjp() -> None:
    x = tg.Tensor([-1.0, 0.0, 2.0], requires_grad=True)
    softplus(x).sum().backward()
    np.testing.assert_allclose(x.grad, 1 / (1 + np.exp(-x.data)))


def test_attributes_reach_forward_and_vjps_and_broadcasting_is_undone() -> None:
    x = tg.Tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    y = tg.Tensor([[1.0], [2.0]], requires_grad=True)
    out = axpy(x, y, alpha=3.0)
    assert out.shape == (2, 3) and out.attrs == {"alpha": 3.0}
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, [[6.0, 6.0, 6.0]])
    np.testing.assert_array_equal(y.grad, [[3.0], [3.0]])
    assert tg.gradcheck(lambda x, y: axpy(x, y, alpha=-0.5), [x, y])


def test_array_like_inputs_become_constants() -> None:
    x = tg.Tensor([1.0], requires_grad=True)
    out = axpy(x, [2.0], alpha=1.0)
    out.backward()
    assert out.item() == 3.0 and x.grad[0] == 1.0


@given(tensors(shape=(2, 3)))
def test_a_correct_vjp_passes_gradcheck(x: tg.Tensor) -> None:
    assert_gradients_close(lambda x: softplus(x * x), x)


def test_a_wrong_vjp_is_caught_and_localised() -> None:
    wrong = tg.custom_op("softplus_wrong", _softplus, lambda g, out, x: g * out)  # d/dx is σ(x), not softplus
    x = tg.Tensor([-1.0, 0.5, 2.0], requires_grad=True)
    with pytest.raises(tg.GradcheckError, match=r"op `softplus_wrong` \(node 1\), input 0"):
        tg.gradcheck(lambda x: wrong(x.tanh()).sum(), [x])


def test_second_derivatives_through_a_ufunc_vjp() -> None:
    x = tg.Tensor([-1.0, 0.5, 2.0], requires_grad=True)
    (dx,) = tg.grad(softplus(x).sum(), x, create_graph=True)
    (d2x,) = tg.grad(dx.sum(), x)
    s = 1 / (1 + np.exp(-x.data))
    np.testing.assert_allclose(d2x.data, s * (1 - s))
    assert tg.gradgradcheck(lambda x: softplus(x).sum(), [x])


def test_declared_not_twice_differentiable_refuses_create_graph() -> None:
    op = tg.custom_op("numpy_only", np.sin, lambda g, out, x: g * np.cos(x), twice_differentiable=False)
    x = tg.Tensor([0.3], requires_grad=True)
    op(x).sum().backward()  # first order is fine
    np.testing.assert_allclose(x.grad, np.cos(0.3))
    with pytest.raises(tg.GraphError, match="'numpy_only' was declared twice_differentiable=False"):
        tg.grad(op(x).sum(), x, create_graph=True)


def test_a_vjp_of_the_wrong_shape_is_named() -> None:
    op = tg.custom_op("bad_shape", lambda x: 2 * x, lambda g, out, x: np.ones(5))
    x = tg.Tensor([[1.0, 2.0]], requires_grad=True)
    with pytest.raises(tg.ShapeError, match=r"custom op 'bad_shape': the VJP for input 0 returned shape \(5,\)"):
        op(x).sum().backward()


def test_a_vjp_returning_something_else_is_named() -> None:
    op = tg.custom_op("bad_type", lambda x: 2 * x, lambda g, out, x: "two")
    x = tg.Tensor([1.0], requires_grad=True)
    with pytest.raises(tg.DTypeError, match="custom op 'bad_type': the VJP for input 0 returned"):
        op(x).sum().backward()


def test_a_vjp_may_return_none() -> None:
    op = tg.custom_op("first", lambda x, y: x, (lambda g, out, x, y: g, lambda g, out, x, y: None))
    x, y = tg.Tensor([1.0], requires_grad=True), tg.Tensor([2.0], requires_grad=True)
    op(x, y).sum().backward()
    assert x.grad[0] == 1.0 and y.grad is None


def test_definition_errors() -> None:
    with pytest.raises(tg.ArgumentError, match="'relu' is the name of a built-in primitive"):
        tg.custom_op("relu", np.abs, lambda g, out, x: g)
    with pytest.raises(tg.ArgumentError, match="non-empty str"):
        tg.custom_op("", np.abs, lambda g, out, x: g)
    with pytest.raises(tg.ArgumentError, match="vjps must be a callable"):
        tg.custom_op("empty", np.abs, [])
    with pytest.raises(tg.ArgumentError, match="forward must be callable"):
        tg.custom_op("nofwd", None, [lambda g, out, x: g])
    with pytest.raises(tg.ArgumentError, match=r"'axpy': takes 2 input\(s\) \(one per VJP\), got 1"):
        axpy(tg.Tensor([1.0]), alpha=1.0)


def test_renders_in_graph_drawings_with_its_rule() -> None:
    x = tg.Tensor([1.0], requires_grad=True)
    source = tg.draw_graph(softplus(x).sum()).source
    assert "softplus" in source and "dx = g * sigmoid(x)" in source
