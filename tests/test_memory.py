"""Memory: a training loop holds flat memory, a step's graph dies with its backward, and no cycles need the GC.

Every test here runs with the garbage collector disabled, so anything that only the cycle
collector could free would stay allocated and show up as growth, or as cycles found by a final
``gc.collect()`` (which looks only at the objects made since the test disabled the collector).
"""

from __future__ import annotations

import contextlib
import gc
import tracemalloc
import weakref
from collections.abc import Iterator

import numpy as np
import pytest

import tinygrad_ng as tg
from tinygrad_ng import Tensor

STEPS = 300
ALLOWED_GROWTH = 16 * 1024  # bytes over STEPS steps; a leak of even one small array per step is more


@contextlib.contextmanager
def gc_disabled() -> Iterator[None]:
    """The collector off; what exists already frozen, so that ``gc.collect()`` looks only at what the test made.

    (After the rest of the suite the process holds millions of objects; a full collection of
    them would take about a second each time, and none of them is what these tests are about.)
    """
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()


def _params(seed: int = 0) -> list[Tensor]:
    rng = np.random.RandomState(seed)
    return [
        Tensor(rng.randn(16, 8) * 0.1, requires_grad=True, name="W1"),
        Tensor(np.zeros((16, 1)), requires_grad=True, name="b1"),
        Tensor(rng.randn(1, 16) * 0.1, requires_grad=True, name="W2"),
        Tensor(np.zeros((1, 1)), requires_grad=True, name="b2"),
    ]


def _data(seed: int = 1) -> tuple[Tensor, np.ndarray]:
    rng = np.random.RandomState(seed)
    return Tensor(rng.randn(8, 64), name="X"), (rng.rand(1, 64) > 0.5).astype(np.float64)


def _forward(params: list[Tensor], X: Tensor) -> Tensor:
    W1, b1, W2, b2 = params
    A1 = (W1 @ X + b1).relu()
    return (W2 @ A1 + b2).sigmoid()


def _step(params: list[Tensor], X: Tensor, Y: np.ndarray, lr: float = 0.1) -> float:
    cost = tg.binary_cross_entropy(_forward(params, X), Y)
    cost.backward()
    for p in params:
        p.data -= lr * p.grad  # the in-place update path
        p.grad = None
    return cost.item()


def _growth(step, warmup: int = 2500) -> tuple[int, int]:
    """(bytes still allocated after STEPS more steps than after the warm-up, cycles found afterwards).

    The untraced warm-up fills the interpreter's free lists (up to 2,000 spare tuples and the like),
    which would otherwise look like a slow growth over the first thousand steps.
    """
    with gc_disabled():
        for _ in range(warmup):
            step()
        tracemalloc.start()
        try:
            step()
            before = tracemalloc.get_traced_memory()[0]
            for _ in range(STEPS):
                step()
            after = tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()
        cycles = gc.collect()
    return after - before, cycles


def test_training_loop_holds_flat_memory_without_the_gc():
    params, (X, Y) = _params(), _data()
    costs = [_step(params, X, Y), 0.0]  # first and latest: a growing list would itself be growth

    def step() -> None:
        costs[1] = _step(params, X, Y)

    growth, cycles = _growth(step)
    assert costs[1] < costs[0]  # it trains
    assert growth < ALLOWED_GROWTH, f"memory grew by {growth} bytes over {STEPS} steps"
    assert cycles == 0, f"{cycles} objects in reference cycles"


def test_training_with_the_higher_level_api_holds_flat_memory():
    nn = pytest.importorskip("tinygrad_ng.nn")
    optim = pytest.importorskip("tinygrad_ng.optim")
    model = nn.MLP([8, 16, 1], seed=0)
    opt = optim.Adam(model.parameters(), lr=0.01)
    X, Y = _data()

    def step() -> None:
        opt.zero_grad()
        tg.binary_cross_entropy(model(X), Y).backward()
        opt.step()

    growth, cycles = _growth(step)
    assert growth < ALLOWED_GROWTH, f"memory grew by {growth} bytes over {STEPS} steps"
    assert cycles == 0


def test_graph_of_a_step_dies_with_its_backward():
    params, (X, Y) = _params(), _data()
    with gc_disabled():
        A2 = _forward(params, X)
        cost = tg.binary_cross_entropy(A2, Y)
        nodes = [weakref.ref(A2)]
        stack = list(A2.parents)
        while stack:  # every intermediate tensor of the graph
            t = stack.pop()
            if not t.is_leaf:
                nodes.append(weakref.ref(t))
                stack.extend(t.parents)
        assert len(nodes) >= 6
        del A2, t, stack
        assert all(r() is not None for r in nodes)  # the graph is alive until backward
        cost.backward()
        assert cost.parents == ()  # the loss keeps its op's name, not its inputs
        assert all(r() is None for r in nodes)  # freed by reference counting alone
        assert gc.collect() == 0


def test_graph_without_backward_is_freed_by_reference_counting():
    params, (X, _) = _params(), _data()
    with gc_disabled():
        A2 = _forward(params, X)
        ref = weakref.ref(A2.parents[0])
        del A2
        assert ref() is None
        assert gc.collect() == 0


def test_failed_backward_leaves_no_cycles():
    with gc_disabled():
        x = Tensor([0.0], requires_grad=True)
        y = x.sqrt().sum()
        for _ in range(3):
            with pytest.raises(tg.AnomalyError), tg.detect_anomaly():
                y.backward(retain_graph=True)
        del y
        assert gc.collect() == 0


def test_no_grad_evaluation_records_and_keeps_nothing():
    params, (X, _) = _params(), _data()
    with gc_disabled(), tg.no_grad():
        out = _forward(params, X)
        assert out.is_leaf and not out.requires_grad
        assert all(p._savers is None for p in params)  # nothing locked
        assert gc.collect() == 0
