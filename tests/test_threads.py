"""Threads: no_grad, name_scope and detect_anomaly are per thread; two threads train separate models independently."""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np

import tinygrad_ng as tg
from tinygrad_ng import Tensor


def _run_in_threads(*targets: Callable[[], None]) -> None:
    errors: list[BaseException] = []

    def guarded(fn: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                fn()
            except BaseException as e:  # re-raised in the main thread below
                errors.append(e)

        return run

    threads = [threading.Thread(target=guarded(fn)) for fn in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    if errors:
        raise errors[0]


def test_no_grad_in_one_thread_does_not_stop_recording_in_another():
    inside = threading.Event()
    done = threading.Event()
    seen: dict[str, object] = {}

    def evaluator() -> None:
        with tg.no_grad():
            inside.set()
            done.wait(timeout=30)  # stays inside no_grad while the trainer works
            seen["evaluator records"] = (Tensor([1.0], requires_grad=True) * 2.0).requires_grad

    def trainer() -> None:
        inside.wait(timeout=30)
        w = Tensor([3.0], requires_grad=True)
        loss = (w * w).sum()
        seen["trainer records"] = loss.requires_grad
        loss.backward()
        seen["grad"] = w.grad.copy()
        done.set()

    _run_in_threads(evaluator, trainer)
    assert seen["trainer records"] is True and seen["evaluator records"] is False
    np.testing.assert_array_equal(seen["grad"], [6.0])
    assert tg.is_grad_enabled()  # the main thread was never affected


def test_name_scope_is_per_thread():
    inside = threading.Event()
    done = threading.Event()
    scopes: dict[str, str | None] = {}

    def scoped() -> None:
        with tg.name_scope("encoder"):
            inside.set()
            done.wait(timeout=30)
            scopes["scoped"] = (Tensor([1.0], requires_grad=True) * 2.0).scope

    def plain() -> None:
        inside.wait(timeout=30)
        scopes["plain"] = (Tensor([1.0], requires_grad=True) * 2.0).scope
        done.set()

    _run_in_threads(scoped, plain)
    assert scopes == {"scoped": "encoder", "plain": None}


def _train(seed: int, steps: int = 150) -> tuple[np.ndarray, list[float]]:
    rng = np.random.RandomState(seed)
    X = Tensor(rng.randn(5, 40))
    Y = (rng.rand(1, 40) > 0.5).astype(np.float64)
    W1 = Tensor(rng.randn(8, 5) * 0.3, requires_grad=True)
    b1 = Tensor(np.zeros((8, 1)), requires_grad=True)
    W2 = Tensor(rng.randn(1, 8) * 0.3, requires_grad=True)
    b2 = Tensor(np.zeros((1, 1)), requires_grad=True)
    costs = []
    for i in range(steps):
        cost = tg.binary_cross_entropy(((W2 @ (W1 @ X + b1).tanh()) + b2).sigmoid(), Y)
        cost.backward()
        for p in (W1, b1, W2, b2):
            p.data -= 0.5 * p.grad
            p.grad = None
        if i % 10 == 0:
            with tg.no_grad():  # evaluation inside the loop toggles the mode often
                costs.append(tg.binary_cross_entropy(((W2 @ (W1 @ X + b1).tanh()) + b2).sigmoid(), Y).item())
    return W1.data.copy(), costs


def test_two_threads_training_separate_models_match_sequential_runs():
    expected = [_train(0), _train(1)]
    results: dict[int, tuple[np.ndarray, list[float]]] = {}
    _run_in_threads(*[lambda s=s: results.__setitem__(s, _train(s)) for s in (0, 1)])
    for s in (0, 1):
        np.testing.assert_array_equal(results[s][0], expected[s][0])
        assert results[s][1] == expected[s][1]
        assert expected[s][1][-1] < expected[s][1][0]
