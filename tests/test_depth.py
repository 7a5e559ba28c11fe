"""Depth: 100,000-op chains and 1,000-layer networks run forward, backward and drawing without RecursionError."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import tinygrad_ng as tg
from tinygrad_ng import Tensor

N_OPS = 100_000
assert N_OPS >= 50 * sys.getrecursionlimit()  # deep enough that any recursive walk would fail


def _chain(x: Tensor, n: int = N_OPS) -> Tensor:
    """n ops alternating ``* 1.0`` and ``+ x``: d(out)/dx = 1 + n/2."""
    y = x
    for i in range(n):
        y = y + x if i % 2 else y * 1.0
    return y


def test_chain_forward_backward_retain_graph_and_grad():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = _chain(x)
    np.testing.assert_allclose(y.data, x.data * (1 + N_OPS // 2))
    loss = y.sum()
    loss.backward(retain_graph=True)
    np.testing.assert_allclose(x.grad, [1 + N_OPS // 2] * 2)
    (dx,) = tg.grad(loss, x)  # releases the graph as it walks
    np.testing.assert_allclose(dx.data, x.grad)
    with pytest.raises(tg.GraphError, match="released"):
        loss.backward()


def test_diamonds_share_parents():
    x = Tensor([3.0], requires_grad=True)
    y = x
    for _ in range(N_OPS // 2):
        y = (y + y) * 0.5  # each node used twice: the walk must visit it once, after both uses
    y.backward(np.ones(1))
    np.testing.assert_allclose(x.grad, [1.0])


def test_thousand_layer_mlp_from_tensor_ops():
    rng = np.random.RandomState(0)
    n, L, m = 4, 1000, 3
    Ws = [Tensor(np.eye(n) + rng.randn(n, n) * 0.01, requires_grad=True) for _ in range(L)]
    bs = [Tensor(np.zeros((n, 1)), requires_grad=True) for _ in range(L)]
    A = Tensor(rng.randn(n, m))
    for W, b in zip(Ws, bs):
        A = (W @ A + b).tanh()
    cost = tg.mse_loss(A, np.zeros((n, m)))
    cost.backward()
    assert all(W.grad is not None and W.grad.shape == (n, n) and np.isfinite(W.grad).all() for W in Ws)
    assert all(b.grad is not None and b.grad.shape == (n, 1) for b in bs)
    assert np.abs(Ws[-1].grad).sum() > 0


def test_draw_and_drop_a_hundred_thousand_op_graph():
    viz = pytest.importorskip("tinygrad_ng.viz")
    x = Tensor([1.0], requires_grad=True, name="x")
    y = x
    for _ in range(N_OPS):
        y = -y
    source = viz.draw_graph(y, max_nodes=None, show=()).source
    assert source.count("->") >= N_OPS  # every op drawn, with its edges
    del y  # dropping 100,000 nested nodes at once must not overflow the C stack
    x.data[0] = 2.0  # and the lock the graph held is gone
