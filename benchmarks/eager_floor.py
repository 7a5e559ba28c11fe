"""What an eager engine costs at the least: a bare autograd next to tinygrad_ng's, on the same step.

The bare engine below records each op as a closure and walks the graph in reverse topological
order, as the smallest Python autograd engines do. It has none of what tinygrad_ng's eager
engine does besides: no argument checks (shapes, dtypes, the loss's [0, 1] inputs), no
protection of saved arrays against in-place edits, no graph metadata for drawings and error
messages, no dtype casts of gradients, no other array libraries, no second derivatives. It
computes the same step as the reference (checked before timing) with the same NumPy calls plus
its Python, so its ratio to the reference is the floor of any eager engine written in Python on
NumPy, and the difference to tinygrad_ng's ratio is what those features cost.

    python benchmarks/eager_floor.py             # planar and logistic regression, 15 rounds
    python benchmarks/eager_floor.py --rounds 5
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # single-threaded BLAS, as in run.py: before NumPy is imported

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]  # the workload modules, and tinygrad_ng from this checkout

import numpy as np  # noqa: E402
import workloads  # noqa: E402


class Value:
    """A node of the bare engine: an array, its gradient, its inputs and a closure for their gradients."""

    __slots__ = ("data", "grad", "inputs", "back")

    def __init__(self, data: np.ndarray, inputs: tuple[Value, ...] = (), back: Callable[..., Any] | None = None):
        self.data, self.grad, self.inputs, self.back = data, None, inputs, back

    def __matmul__(self, other: Value) -> Value:
        a, b = self.data, other.data
        return Value(a @ b, (self, other), lambda g: (g @ b.T, a.T @ g if other.back is not None else None))

    def __add__(self, other: Value) -> Value:  # other: a bias column (n, 1), broadcast over the samples
        return Value(self.data + other.data, (self, other), lambda g: (g, g.sum(axis=1, keepdims=True)))

    def tanh(self) -> Value:
        out = np.tanh(self.data)
        return Value(out, (self,), lambda g: (g * (1 - out * out),))

    def sigmoid(self) -> Value:
        out = 1 / (1 + np.exp(-self.data))
        return Value(out, (self,), lambda g: (g * out * (1 - out),))

    def bce(self, y: np.ndarray) -> Value:
        a, m = self.data, self.data.size
        cost = -np.sum(y * np.log(a) + (1 - y) * np.log(1 - a)) / m
        return Value(np.asarray(cost), (self,), lambda g: (g * (a - y) / (a * (1 - a)) / m,))

    def backward(self) -> None:
        order: list[Value] = []
        seen: set[int] = set()
        stack: list[tuple[Value, bool]] = [(self, False)]
        while stack:
            v, done = stack.pop()
            if done:
                order.append(v)
            elif id(v) not in seen:
                seen.add(id(v))
                stack.append((v, True))
                stack.extend((p, False) for p in v.inputs)
        self.grad = np.ones(())
        for v in reversed(order):
            if v.back is None:
                continue
            for p, g in zip(v.inputs, v.back(v.grad)):
                if g is not None:  # None: the data's gradient, which no one needs
                    p.grad = g if p.grad is None else p.grad + g


class BareImpl(workloads.Impl):
    """The workload's step on the bare engine (``W.data -= lr * W.grad``, as the eager column)."""

    name = "bare eager"

    def __init__(self, w: workloads.Workload) -> None:
        super().__init__(w)
        self.p = [(Value(W.copy()), Value(b.copy())) for W, b in w.params]
        self.batches = [(Value(X), Y) for X, Y in w.batches]

    def _cost(self, X: Value, Y: np.ndarray) -> Value:
        A = X
        for W, b in self.p[:-1]:
            Z = W @ A + b
            A = Z.tanh() if self.w.hidden == "tanh" else _relu(Z)
        W, b = self.p[-1]
        return (W @ A + b).sigmoid().bce(Y)

    def step(self) -> None:
        lr = self.w.lr
        for X, Y in self.batches:
            for W, b in self.p:
                W.grad = b.grad = None
            self._cost(X, Y).backward()
            for W, b in self.p:
                W.data -= lr * W.grad
                b.data -= lr * b.grad

    def reset(self) -> None:
        for (W, b), (W0, b0) in zip(self.p, self.w.params):
            W.data[...] = W0
            b.data[...] = b0

    def gradients(self) -> tuple[float, workloads.Params]:
        X, Y = self.batches[0]
        for W, b in self.p:
            W.grad = b.grad = None
        cost = self._cost(X, Y)
        cost.backward()
        return float(cost.data), [(W.grad, b.grad) for W, b in self.p]  # type: ignore[misc]

    def params(self) -> workloads.Params:
        return [(W.data, b.data) for W, b in self.p]


def _relu(z: Value) -> Value:
    mask = z.data > 0
    return Value(z.data * mask, (z,), lambda g: (g * mask,))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--workloads", default="planar,logreg")
    args = parser.parse_args()
    clock = time.process_time
    print("ratio to the hand-written NumPy step (medians of per-round ratios; CPU time, 1 BLAS thread)")
    for w in workloads.make_workloads(args.workloads.split(",")):
        impls = [workloads.NumpyImpl(w), BareImpl(w), workloads.TinygradImpl(w)]
        cost0, grads0 = impls[0].gradients()
        for impl in impls[1:]:
            cost, grads = impl.gradients()
            assert abs(cost - cost0) <= 1e-9 * abs(cost0), (impl.name, cost, cost0)
            for (dW, db), (dW0, db0) in zip(grads, grads0):
                np.testing.assert_allclose(dW, dW0, rtol=1e-7, atol=1e-12)
                np.testing.assert_allclose(db, db0, rtol=1e-7, atol=1e-12)
        for impl in impls:
            impl.step()  # warm-up
        t0 = clock()
        impls[0].step()
        per_step = max(clock() - t0, 1e-6)
        n = max(1, int(0.25 / per_step))
        ratios: dict[str, list[float]] = {impl.name: [] for impl in impls[1:]}
        for r in range(args.rounds):
            times = {}
            for impl in impls[r % 3 :] + impls[: r % 3]:  # a rotating order
                impl.reset()
                t0 = clock()
                for _ in range(n):
                    impl.step()
                times[impl.name] = clock() - t0
            for name in ratios:
                ratios[name].append(times[name] / times["numpy"])
        cells = ", ".join(f"{name} {np.median(v):.3f}x" for name, v in ratios.items())
        print(f"  {w.description}: {cells}")


if __name__ == "__main__":
    main()
