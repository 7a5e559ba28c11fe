"""The benchmark's workloads (data, initial parameters) and the three implementations of a training step.

Every implementation runs the same step on the same data from the same initial parameters:
forward, the mean binary cross-entropy cost, backward, and the SGD update ``W := W - lr dW``.

- ``numpy``: the course's hand-derived backprop (:mod:`reference`) written as lean as NumPy allows:
  the reference, the limit an autograd engine on NumPy cannot beat.
- ``numpy-course``: the same mathematics in the course's own code layout (dicts, caches, ``dAL``).
- ``tinygrad_ng``: the model written as a user would, with ``Tensor`` ops and ``backward()``.
- ``tinygrad_ng (compiled)``: the same loss function and SGD, through ``tg.compile``.
- ``torch``: the same in PyTorch eager on the CPU (only when torch is importable).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import reference

CATVNONCAT_ENV = "TINYGRAD_NG_CATVNONCAT"  # tinygrad_ng.data.CATVNONCAT_ENV

Params = list[tuple[np.ndarray, np.ndarray]]


@dataclass
class Workload:
    """One benchmark problem: the network's layer sizes, its data and its initial parameters."""

    name: str
    description: str
    dims: list[int]
    hidden: str  # "relu" or "tanh"
    batches: list[tuple[np.ndarray, np.ndarray]]  # one step per batch: (X (n_x, m), Y (1, m))
    params: Params
    lr: float
    data_source: str = "random"
    dtype: np.dtype = field(default_factory=lambda: np.dtype(np.float64))


# --------------------------------------------------------------------------- data
def cat_dir() -> Path | None:
    """The cat data's folder, as :func:`tinygrad_ng.data.catvnoncat_dir` finds it.

    A folder named by ``TINYGRAD_NG_CATVNONCAT`` is taken without importing tinygrad_ng: run.py
    resolves the folder once and passes it that way to its memory processes, so the peak memory
    of the NumPy implementations does not include importing tinygrad_ng.
    """
    if os.environ.get(CATVNONCAT_ENV):
        return Path(os.environ[CATVNONCAT_ENV])
    from tinygrad_ng.data import catvnoncat_dir

    return catvnoncat_dir()


def load_cat() -> tuple[np.ndarray, np.ndarray, str]:
    """The cat training set as the course prepares it, ``X (12288, 209) / 255``, ``Y (1, 209)``.

    Random data of the same shape stands in when the files (or h5py) are not available.
    """
    folder = cat_dir()
    if folder is not None:
        try:
            import h5py

            with h5py.File(folder / "train_catvnoncat.h5", "r") as f:
                x = np.asarray(f["train_set_x"])
                y = np.asarray(f["train_set_y"])
            X = x.reshape(x.shape[0], -1).T / 255.0
            return X, y.reshape(1, -1).astype(np.float64), "catvnoncat"
        except (ImportError, OSError):
            pass
    rng = np.random.RandomState(0)
    return rng.rand(12288, 209), (rng.rand(1, 209) < 72 / 209).astype(np.float64), "random"


def planar_data() -> tuple[np.ndarray, np.ndarray]:
    """The course's planar "flower": ``X (2, 400)``, ``Y (1, 400)``."""
    rng = np.random.RandomState(1)
    m, n, a = 400, 200, 4
    X = np.zeros((m, 2))
    Y = np.zeros((m, 1))
    for j in range(2):
        ix = range(n * j, n * (j + 1))
        t = np.linspace(j * 3.12, (j + 1) * 3.12, n) + rng.randn(n) * 0.2
        r = a * np.sin(4 * t) + rng.randn(n) * 0.2
        X[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
        Y[ix] = j
    return X.T, Y.T


def init_params(dims: list[int], seed: int, scale: str, dtype: type = np.float64) -> Params:
    """The course's initialisations: ``"sqrt"`` (randn / sqrt(n_prev)), ``"0.01"`` or ``"zeros"``."""
    rng = np.random.RandomState(seed)
    params = []
    for n_prev, n in itertools.pairwise(dims):
        if scale == "zeros":
            W = np.zeros((n, n_prev))
        elif scale == "0.01":
            W = rng.randn(n, n_prev) * 0.01
        else:
            W = rng.randn(n, n_prev) / np.sqrt(n_prev)
        params.append((W.astype(dtype), np.zeros((n, 1), dtype=dtype)))
    return params


def make_workloads(names: list[str] | None = None) -> list[Workload]:
    """The benchmark workloads, in table order (all of them when ``names`` is None)."""
    wanted = set(names) if names else None
    out: list[Workload] = []
    X_cat = Y_cat = None
    source = "random"
    if wanted is None or wanted & {"cat4", "cat4-batch64", "logreg"}:
        X_cat, Y_cat, source = load_cat()
    if wanted is None or "planar" in wanted:
        X, Y = planar_data()
        out.append(
            Workload(
                "planar",
                "planar [2, 4, 1] tanh, m = 400",
                [2, 4, 1],
                "tanh",
                [(X, Y)],
                init_params([2, 4, 1], 2, "0.01"),
                1.2,
                "planar flower",
            )
        )
    if wanted is None or "logreg" in wanted:
        out.append(
            Workload(
                "logreg",
                "logistic regression 12288 -> 1, m = 209",
                [12288, 1],
                "relu",
                [(X_cat, Y_cat)],
                init_params([12288, 1], 0, "zeros"),
                0.005,
                source,
            )
        )
    if wanted is None or "cat4" in wanted:
        dims = [12288, 20, 7, 5, 1]
        out.append(
            Workload(
                "cat4",
                "four-layer cat [12288, 20, 7, 5, 1], m = 209",
                dims,
                "relu",
                [(X_cat, Y_cat)],
                init_params(dims, 1, "sqrt"),
                0.0075,
                source,
            )
        )
    if wanted is None or "cat4-batch64" in wanted:
        dims = [12288, 20, 7, 5, 1]
        order = np.random.RandomState(0).permutation(X_cat.shape[1])  # type: ignore[union-attr]
        Xs, Ys = X_cat[:, order], Y_cat[:, order]  # type: ignore[index]
        batches = [(Xs[:, i : i + 64].copy(), Ys[:, i : i + 64].copy()) for i in range(0, Xs.shape[1], 64)]
        out.append(
            Workload(
                "cat4-batch64",
                "four-layer cat, one epoch of mini-batches of 64 (64, 64, 64, 17)",
                dims,
                "relu",
                batches,
                init_params(dims, 1, "sqrt"),
                0.0075,
                source,
            )
        )
    if wanted is None or "wide" in wanted:
        dims = [1024, 1024, 1024, 1]
        f32 = np.dtype(np.float32)
        rng = np.random.RandomState(3)
        X = rng.randn(1024, 512).astype(f32)
        Y = (rng.rand(1, 512) < 0.5).astype(f32)
        out.append(
            Workload(
                "wide",
                "wide [1024, 1024, 1024, 1] ReLU, m = 512, float32",
                dims,
                "relu",
                [(X, Y)],
                init_params(dims, 4, "sqrt", np.float32),
                0.0075,
                "random",
                f32,
            )
        )
    return out


def copy_params(params: Params) -> Params:
    return [(W.copy(), b.copy()) for W, b in params]


# --------------------------------------------------------------------------- implementations
class Impl:
    """A training loop bound to one workload: ``step()`` runs one epoch (one step per batch)."""

    name = ""

    def __init__(self, w: Workload) -> None:
        self.w = w

    def step(self) -> None:
        raise NotImplementedError

    def reset(self) -> None:
        """Back to the initial parameters, so every timed block trains from the same point.

        (Training on for thousands of steps would drift into saturated sigmoids, and timings
        that depend on how far a model has drifted are not comparable.)
        """
        raise NotImplementedError

    def gradients(self) -> tuple[float, Params]:
        """The cost and the gradients on the first batch, at the current parameters (no update)."""
        raise NotImplementedError

    def params(self) -> Params:
        raise NotImplementedError


class NumpyImpl(Impl):
    name = "numpy"

    def __init__(self, w: Workload) -> None:
        super().__init__(w)
        self.p = copy_params(w.params)

    def step(self) -> None:
        for X, Y in self.w.batches:
            reference.sgd_step(self.p, X, Y, self.w.lr, self.w.hidden)

    def reset(self) -> None:
        self.p = copy_params(self.w.params)

    def gradients(self) -> tuple[float, Params]:
        X, Y = self.w.batches[0]
        return reference.forward_backward(self.p, X, Y, self.w.hidden)

    def params(self) -> Params:
        return self.p


class CourseImpl(Impl):
    """The course's code layout (:func:`reference.course_step`): dicts, per-layer caches, dAL."""

    name = "numpy-course"

    def __init__(self, w: Workload) -> None:
        super().__init__(w)
        self.p = {}
        for layer, (W, b) in enumerate(copy_params(w.params), start=1):
            self.p[f"W{layer}"], self.p[f"b{layer}"] = W, b

    def step(self) -> None:
        for X, Y in self.w.batches:
            reference.course_step(self.p, X, Y, self.w.lr, self.w.hidden)

    def reset(self) -> None:
        for layer, (W, b) in enumerate(copy_params(self.w.params), start=1):
            self.p[f"W{layer}"], self.p[f"b{layer}"] = W, b

    def gradients(self) -> tuple[float, Params]:
        X, Y = self.w.batches[0]
        AL, caches = reference.course_forward(X, self.p, self.w.hidden)
        grads = reference.course_backward(AL, Y, caches, self.w.hidden)
        n = len(self.p) // 2
        return reference.course_cost(AL, Y), [(grads[f"dW{i}"], grads[f"db{i}"]) for i in range(1, n + 1)]

    def params(self) -> Params:
        n = len(self.p) // 2
        return [(self.p[f"W{i}"], self.p[f"b{i}"]) for i in range(1, n + 1)]


class TinygradImpl(Impl):
    name = "tinygrad_ng"

    def __init__(self, w: Workload) -> None:
        super().__init__(w)
        import tinygrad_ng as tg

        self.tg = tg
        self.p = [(tg.Tensor(W, requires_grad=True), tg.Tensor(b, requires_grad=True)) for W, b in w.params]
        self.batches = [(tg.Tensor.from_numpy(X), tg.Tensor.from_numpy(Y)) for X, Y in w.batches]

    def _cost(self, X, Y):
        A = X
        act = "relu" if self.w.hidden == "relu" else "tanh"
        for W, b in self.p[:-1]:
            A = getattr(W @ A + b, act)()
        W, b = self.p[-1]
        AL = (W @ A + b).sigmoid()
        return self.tg.binary_cross_entropy(AL, Y)

    def step(self) -> None:
        lr = self.w.lr
        for X, Y in self.batches:
            self._cost(X, Y).backward()
            for W, b in self.p:
                W.data -= lr * W.grad
                b.data -= lr * b.grad
                W.grad = b.grad = None

    def reset(self) -> None:
        # In place, as torch's reset: new arrays would make a compiled step bind its program again.
        for (W, b), (W0, b0) in zip(self.p, self.w.params):
            W.data[...] = W0
            b.data[...] = b0

    def gradients(self) -> tuple[float, Params]:
        X, Y = self.batches[0]
        cost = self._cost(X, Y)
        cost.backward()
        grads = [(W.grad, b.grad) for W, b in self.p]
        for W, b in self.p:
            W.grad = b.grad = None
        return cost.item(), grads  # type: ignore[return-value]

    def params(self) -> Params:
        return [(W.data, b.data) for W, b in self.p]


class CompiledImpl(TinygradImpl):
    """The same model and loss, through ``tg.compile``: traced at the first step, then replayed as NumPy calls."""

    name = "tinygrad_ng (compiled)"

    def __init__(self, w: Workload) -> None:
        super().__init__(w)
        params = [t for pair in self.p for t in pair]
        opt = self.tg.optim.SGD(params, lr=w.lr) if w.lr > 0 else None  # lr 0: timed without updates
        self.compiled_step = self.tg.compile(self._cost, optimizer=opt)
        self.compiled_loss = self.tg.compile(self._cost)

    def step(self) -> None:
        for X, Y in self.batches:
            self.compiled_step(X, Y)

    def gradients(self) -> tuple[float, Params]:
        X, Y = self.batches[0]
        cost = self.compiled_loss(X, Y)
        grads = [(W.grad.copy(), b.grad.copy()) for W, b in self.p]
        for W, b in self.p:
            W.grad = b.grad = None
        return cost.item(), grads  # type: ignore[return-value]


class TorchImpl(Impl):
    name = "torch"

    def __init__(self, w: Workload) -> None:
        super().__init__(w)
        import torch

        torch.set_num_threads(1)
        self.torch = torch
        self.p = [(torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True)) for W, b in w.params]
        self.batches = [(torch.from_numpy(X), torch.from_numpy(Y)) for X, Y in w.batches]

    def _cost(self, X, Y):
        torch = self.torch
        A = X
        act = torch.relu if self.w.hidden == "relu" else torch.tanh
        for W, b in self.p[:-1]:
            A = act(W @ A + b)
        W, b = self.p[-1]
        AL = torch.sigmoid(W @ A + b)
        return torch.nn.functional.binary_cross_entropy(AL, Y)

    def step(self) -> None:
        lr = self.w.lr
        torch = self.torch
        for X, Y in self.batches:
            self._cost(X, Y).backward()
            with torch.no_grad():
                for W, b in self.p:
                    W -= lr * W.grad
                    b -= lr * b.grad
                    W.grad = b.grad = None

    def reset(self) -> None:
        with self.torch.no_grad():
            for (W, b), (W0, b0) in zip(self.p, self.w.params):
                W.copy_(self.torch.from_numpy(W0))
                b.copy_(self.torch.from_numpy(b0))

    def gradients(self) -> tuple[float, Params]:
        X, Y = self.batches[0]
        cost = self._cost(X, Y)
        cost.backward()
        grads = [(W.grad.numpy().copy(), b.grad.numpy().copy()) for W, b in self.p]
        for W, b in self.p:
            W.grad = b.grad = None
        return cost.item(), grads

    def params(self) -> Params:
        return [(W.detach().numpy(), b.detach().numpy()) for W, b in self.p]


def build_impls(w: Workload, names: list[str]) -> list[Impl]:
    """The implementations ``names`` for workload ``w``, all reading the very same data arrays.

    A large array's speed depends on where it landed (for instance whether the kernel backed it
    with huge pages: the matmuls of the cat workloads are bound by memory), so no implementation
    copies the data: tinygrad_ng takes it with ``Tensor.from_numpy``, torch with ``torch.from_numpy``.
    """
    return [IMPLS[name](w) for name in names]


def torch_available() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


IMPLS: dict[str, Callable[[Workload], Impl]] = {
    "numpy": NumpyImpl,
    "numpy-course": CourseImpl,
    "tinygrad_ng": TinygradImpl,
    "tinygrad_ng (compiled)": CompiledImpl,
    "torch": TorchImpl,
}
