"""Training loops, predictions and the course's plots.

:func:`fit` runs the course's loop (forward, cost, backward, update), records the cost every
``record_every`` iterations (before that iteration's update, so iteration 0 is the cost at
initialisation), shows a tqdm progress bar with the current cost when the output is a terminal,
and stops cleanly on Ctrl-C, keeping the parameters trained so far.

>>> import numpy as np
>>> from tinygrad_ng import nn
>>> from tinygrad_ng.data import load_planar
>>> from tinygrad_ng.train import fit, accuracy
>>> X, Y = load_planar()
>>> model = nn.MLP([2, 4, 1], hidden="tanh", init="course-small", seed=2)
>>> history = fit(model, X, Y, lr=1.2, iterations=1001, record_every=1000)
>>> [round(c, 6) for c in history.costs]
[0.693048, 0.288083]
>>> accuracy(model, X, Y) > 0.85
True
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ._files import atomic_write
from ._progress import progress_bar
from ._xp import as_array, library, namespace
from .compile import Compiled
from .data import minibatches
from .distributed import align_samples, compute_gradients, is_dask_array
from .errors import ArgumentError, CompileError, ShapeError
from .functional import binary_cross_entropy
from .nn import Module
from .optim import SGD, Optimizer
from .tensor import ArrayLike, Tensor, no_grad
from .viz import GraphDrawing, draw_graph

__all__ = ["History", "fit", "predict", "accuracy", "plot_costs", "plot_decision_boundary", "draw_cost"]

Loss = Callable[[Tensor, Tensor], Tensor]


@dataclass
class History:
    """The costs :func:`fit` recorded: ``costs[k]`` is the cost before the update of ``iterations[k]``.

    ``interrupted`` is True when training stopped early (Ctrl-C or a callback); ``completed``
    counts the iterations whose update was applied.

    >>> from tinygrad_ng import nn
    >>> X = np.array([[0.0, 1.0, 2.0, 3.0]]); Y = np.array([[0.0, 0.0, 1.0, 1.0]])  # (1, 4) each
    >>> history = fit(nn.MLP([1, 1], init="zeros"), X, Y, lr=0.5, iterations=300, record_every=100)
    >>> history.iterations, len(history), history.completed, history.interrupted
    ([0, 100, 200, 299], 4, 300, False)
    >>> round(history.costs[0], 6), history.final_cost < history.costs[0]
    (0.693147, True)
    """

    iterations: list[int] = field(default_factory=list)
    costs: list[float] = field(default_factory=list)
    lr: float | None = None
    completed: int = 0
    interrupted: bool = False

    def __len__(self) -> int:
        return len(self.costs)

    @property
    def final_cost(self) -> float | None:
        """The last recorded cost, or None if nothing was recorded."""
        return self.costs[-1] if self.costs else None


class _DeferSigint:
    """Turn the first Ctrl-C into a flag checked between iterations (a second one interrupts at once).

    Only possible in the main thread; elsewhere KeyboardInterrupt is caught where it lands.
    """

    def __init__(self) -> None:
        self.requested = False
        self._previous: Any = None

    def _handler(self, signum: int, frame: Any) -> None:
        if self.requested:  # second Ctrl-C: stop now
            raise KeyboardInterrupt
        self.requested = True

    def __enter__(self) -> _DeferSigint:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handler)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)


def _as_array(x: ArrayLike, name: str) -> Any:
    """``x``'s array (one of another library, such as Dask's, stays as it is), checked to be ``(rows, m)``."""
    arr = x._data if isinstance(x, Tensor) else as_array(x)
    if arr.ndim != 2:
        raise ShapeError(f"fit: {name} must be 2-D (features, m) with samples as columns, got shape {arr.shape}")
    return arr


def fit(
    model: Module,
    X: ArrayLike,
    Y: ArrayLike,
    *,
    lr: float = 0.0075,
    iterations: int = 2500,
    optimizer: Optimizer | None = None,
    loss: Loss = binary_cross_entropy,
    batch_size: int | None = None,
    seed: int = 0,
    record_every: int = 100,
    print_every: int | None = None,
    progress: bool | None = None,
    callback: Callable[[int, float], bool | None] | None = None,
    compile: bool = True,
) -> History:
    """Train ``model`` on ``X (n_x, m)``, ``Y (n_y, m)`` by gradient descent; return the cost history.

    Each iteration: forward, ``cost = loss(model(X), Y)``, backward, ``optimizer.step()``. The cost
    is recorded (and printed when ``print_every`` divides the iteration) before the update, at
    every multiple of ``record_every`` and at the last iteration.

    Args:
        lr: learning rate of the default optimizer, the course's ``SGD`` (ignored with ``optimizer``).
        loss: ``loss(output, Y)``; the default, :func:`binary_cross_entropy`, is the course's cost
            for a sigmoid output (use ``binary_cross_entropy_with_logits`` for ``output=None``).
        batch_size: None for the course's full-batch descent; otherwise each iteration is one
            epoch over shuffled mini-batches (seeded by ``seed + epoch``), and its cost is the
            mean of the batch costs.
        progress: show a tqdm bar with the current cost; None shows it when stderr is a terminal.
        callback: ``callback(iteration, cost)`` after each iteration's update; returning True stops.
        compile: run the step through :func:`tinygrad_ng.compile` (traced once, replayed as NumPy
            calls, the same results); where the model or loss cannot be compiled, fit says why in
            one line on stderr and trains eagerly. False always trains eagerly.

    A Dask ``X`` (or ``Y``) trains data-parallel: with ``X`` chunked along its columns
    (:func:`tinygrad_ng.distributed.split_samples`), each step records the forward and backward
    pass lazily, chunk by chunk, and computes the cost and every gradient in one ``dask.compute``
    (on the ``dask.distributed`` client's cluster when there is one); the parameters stay NumPy
    arrays and the optimiser updates them as usual. Such a step is eager (``compile`` replays NumPy
    calls) and full-batch (a mini-batch would shuffle the samples across the cluster every epoch):
    ``batch_size`` is refused. See the "Bigger than one machine" page of the docs. Data of another
    array library (CuPy, torch...) train eagerly and full-batch in that library, with the model
    moved there first (``model.to("torch")``).

    Ctrl-C (or KeyboardInterrupt from the callback) stops after the current iteration, keeping the
    parameters trained so far; the history then has ``interrupted=True``. A second Ctrl-C before
    that iteration ends stops at once: ``KeyboardInterrupt`` propagates.

    >>> from tinygrad_ng import nn
    >>> X = np.array([[0.0, 1.0, 2.0, 3.0]]); Y = np.array([[0.0, 0.0, 1.0, 1.0]])
    >>> h = fit(nn.MLP([1, 1], init="zeros"), X, Y, lr=0.5, iterations=200, record_every=100)
    >>> h.iterations, round(h.costs[0], 6)
    ([0, 100, 199], 0.693147)
    """
    X_arr, Y_arr = _as_array(X, "X"), _as_array(Y, "Y")
    lazy = is_dask_array(X_arr) or is_dask_array(Y_arr)
    if lazy:
        X_arr, Y_arr = align_samples(X_arr, Y_arr, "fit")  # Y chunked as X's columns
    elif X_arr.shape[1] != Y_arr.shape[1]:
        raise ShapeError(f"fit: X {X_arr.shape} and Y {Y_arr.shape} must have the same number of columns (samples)")
    if iterations < 1 or record_every < 1 or (print_every is not None and print_every < 1):
        raise ArgumentError(
            f"fit: iterations, record_every and print_every must be >= 1, got {iterations}, {record_every}, "
            f"{print_every}"
        )
    if lazy:
        if batch_size is not None:
            raise ArgumentError(
                f"fit: batch_size={batch_size} with a Dask X: mini-batches would shuffle the samples across the "
                "cluster every epoch; train full-batch (batch_size=None) with X chunked by columns"
            )
        if compile:
            print("fit: training eagerly: X is a Dask array, computed once per step by Dask", file=sys.stderr)
            compile = False
    elif not (isinstance(X_arr, np.ndarray) and isinstance(Y_arr, np.ndarray)):  # CuPy, torch, array-api-strict...
        lib = library(Y_arr if isinstance(X_arr, np.ndarray) else X_arr)
        if batch_size is not None:
            raise ArgumentError(
                f"fit: batch_size={batch_size} with X of type {lib}: mini-batches are drawn with NumPy; pass NumPy "
                "arrays, or train full-batch (batch_size=None)"
            )
        if compile:
            print(f"fit: training eagerly: X is of type {lib} and compile replays NumPy calls", file=sys.stderr)
            compile = False
    opt = optimizer if optimizer is not None else SGD(model.parameters(), lr=lr)
    history = History(lr=opt.lr)
    compiled = [Compiled(lambda X, Y: loss(model(X), Y), optimizer=opt)] if compile else []

    def step(X: np.ndarray, Y: np.ndarray) -> float:
        if compiled:
            try:
                return float(compiled[0](X, Y).item())
            except CompileError as e:
                print(f"fit: training eagerly: {str(e).removeprefix('compile: ')}", file=sys.stderr)
                compiled.clear()
        return _step(model, opt, loss, X, Y, lazy)

    with progress_bar(iterations, progress) as bar, _DeferSigint() as sigint:
        say = bar.write if bar is not None else print
        for i in range(iterations):
            try:
                if batch_size is None:
                    cost = step(X_arr, Y_arr)
                else:
                    batches = minibatches(X_arr, Y_arr, batch_size, seed=seed + i)
                    costs = [step(xb, yb) * xb.shape[1] for xb, yb in batches]
                    cost = float(np.sum(costs) / X_arr.shape[1])
                history.completed = i + 1
                if i % record_every == 0 or i == iterations - 1:
                    history.iterations.append(i)
                    history.costs.append(cost)
                if print_every is not None and (i % print_every == 0 or i == iterations - 1):
                    say(f"Cost after iteration {i}: {cost:.6f}")
                if bar is not None:
                    bar.set_postfix(cost=f"{cost:.6f}", refresh=False)
                    bar.update()
                stop = callback(i, cost) if callback is not None else False
            except KeyboardInterrupt:
                if sigint.requested:
                    raise  # a second Ctrl-C: stop at once
                stop = True
            if stop or sigint.requested:
                history.interrupted = True
                say(f"training stopped after {history.completed} of {iterations} iterations; parameters kept")
                break
    return history


def _step(model: Module, opt: Optimizer, loss: Loss, X: Any, Y: Any, lazy: bool = False) -> float:
    """One gradient-descent step on one batch; returns the cost before the update.

    ``lazy``: the pass recorded Dask arrays; the cost and the gradients are computed together.
    """
    opt.zero_grad()
    cost = loss(model(X), Y)
    cost.backward()
    value = compute_gradients(cost, opt.params) if lazy else float(cost.item())
    opt.step()
    return value


def predict(model: Module, X: ArrayLike, threshold: float = 0.5) -> np.ndarray:
    """The model's 0/1 predictions ``(n_y, m)``: 1 where the output is ``> threshold`` (the course's rule).

    For a model with logits output (``output=None``) pass ``threshold=0.0``. ``X`` of another array
    library gives predictions in that library (for a Dask ``X``, a Dask array not yet computed).

    >>> from tinygrad_ng import nn
    >>> predict(nn.MLP([1, 1], init="zeros"), [[1.0, 2.0]])  # sigmoid(0) = 0.5 is not > 0.5
    array([[0, 0]])
    """
    with no_grad():
        out = model(X if isinstance(X, Tensor) else as_array(X))
    if isinstance(out._data, np.ndarray):
        return (out._data > threshold).astype(np.int64)
    xp = namespace(out._data)
    return xp.astype(out._data > threshold, xp.int64)


def accuracy(model: Module, X: ArrayLike, Y: ArrayLike, threshold: float = 0.5) -> float:
    """The fraction of samples whose prediction equals the label, in [0, 1] (one compute for Dask arrays).

    >>> from tinygrad_ng import nn
    >>> accuracy(nn.MLP([1, 1], init="zeros"), [[1.0, 2.0]], [[0, 1]])
    0.5
    """
    y = Y._data if isinstance(Y, Tensor) else as_array(Y)
    p = predict(model, X, threshold)
    if p.shape != y.shape:
        raise ShapeError(f"accuracy: predictions have shape {p.shape} but Y has shape {y.shape}")
    if isinstance(p, np.ndarray) and isinstance(y, np.ndarray):
        return float(np.mean(p == y))
    xp = namespace(p, y)  # the standard compares arrays of one kind only: the labels' dtype
    return float(xp.mean(xp.astype(xp.astype(p, y.dtype) == y, xp.float64)))  # with Dask, one compute


def _save_figure(fig: Any, path: str | os.PathLike[str]) -> Path:
    path = Path(path)
    fmt = path.suffix.lstrip(".").lower() or "png"
    with atomic_write(path) as f:
        fig.savefig(f, format=fmt, dpi=100, bbox_inches="tight")
    return path


def _figure(size: tuple[float, float]) -> Any:
    """A matplotlib Figure drawn off-screen: no pyplot, so no window and no change to the user's backend."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError(
            "plotting needs matplotlib: pip install matplotlib (in the tinygrad_ng checkout: pip install -e '.[train]')"
        ) from None
    return Figure(figsize=size)


def plot_costs(history: History, path: str | os.PathLike[str], *, title: str | None = None) -> Path:
    """Save the course's learning-curve plot (cost against iteration) to ``path`` (PNG, SVG, PDF...).

    >>> import tempfile, pathlib
    >>> h = History(iterations=[0, 100, 200], costs=[0.69, 0.4, 0.3], lr=0.0075)
    >>> plot_costs(h, pathlib.Path(tempfile.mkdtemp()) / "costs.png").stat().st_size > 0
    True
    """
    if not history.costs:
        raise ArgumentError("plot_costs: the history holds no costs")
    fig = _figure((6, 4))
    ax = fig.add_subplot()
    ax.plot(history.iterations, history.costs)
    ax.set_xlabel("iteration")
    ax.set_ylabel("cost")
    ax.set_title(title if title is not None else f"Learning rate = {history.lr}")
    ax.grid(alpha=0.3)
    return _save_figure(fig, path)


def plot_decision_boundary(
    model: Module, X: ArrayLike, Y: ArrayLike, path: str | os.PathLike[str], *, title: str | None = None
) -> Path:
    """Save the model's decision regions over 2-D data ``X (2, m)`` with the points colored by ``Y (1, m)``.

    >>> import tempfile, pathlib
    >>> from tinygrad_ng import nn
    >>> from tinygrad_ng.data import load_planar
    >>> X, Y = load_planar()
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "boundary.png"
    >>> plot_decision_boundary(nn.MLP([2, 4, 1], "tanh", seed=2), X, Y, path).exists()
    True
    """
    x = X.data if isinstance(X, Tensor) else np.asarray(X, dtype=np.float64)
    y = Y.data if isinstance(Y, Tensor) else np.asarray(Y)
    if x.ndim != 2 or x.shape[0] != 2 or y.shape != (1, x.shape[1]):
        raise ShapeError(f"plot_decision_boundary: needs X (2, m) and Y (1, m), got X {x.shape} and Y {y.shape}")
    (x0_min, x1_min), (x0_max, x1_max) = x.min(axis=1) - 1, x.max(axis=1) + 1
    step = max(x0_max - x0_min, x1_max - x1_min) / 400
    xx, yy = np.meshgrid(np.arange(x0_min, x0_max, step), np.arange(x1_min, x1_max, step))
    grid = np.stack([xx.ravel(), yy.ravel()]).astype(x.dtype)
    zz = predict(model, grid).reshape(xx.shape)
    fig = _figure((6, 5))
    ax = fig.add_subplot()
    ax.contourf(xx, yy, zz, levels=[-0.5, 0.5, 1.5], colors=["#fcbba1", "#a6cee3"])  # light: predicted 0 / 1
    for label, colour in ((0, "#cb181d"), (1, "#08519c")):
        pts = x[:, y.ravel() == label]
        ax.scatter(pts[0], pts[1], s=12, c=colour, edgecolors="k", linewidths=0.3, label=f"y = {label}")
    ax.legend(loc="upper right", fontsize="small")
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.set_title(title if title is not None else "Decision boundary")
    return _save_figure(fig, path)


def draw_cost(
    model: Callable[[Tensor], Tensor],
    X: ArrayLike,
    Y: ArrayLike,
    *,
    loss: Loss | None = None,
    **options: Any,
) -> GraphDrawing:
    """Draw the graph of a model's cost ``J = loss(model(X), Y)``, with the course's names.

    The data are named ``X`` and ``Y`` (arrays are wrapped; tensors keep their own names), the
    cost ``J`` and, when the cost is the mean of per-sample losses, those ``L``. An ``nn.MLP``
    names each layer's ``Zl`` and ``Al``, other ``nn`` modules name their outputs by their path,
    and each parameter is drawn inside its layer's cluster.

    Args:
        model: a callable from ``X`` to the model's output, such as an ``nn.Module``.
        X: the inputs ``(n_x, m)``.
        Y: the labels ``(n_y, m)``.
        loss: ``loss(output, Y)``; by default :func:`~tinygrad_ng.binary_cross_entropy`.
        **options: passed to :func:`~tinygrad_ng.draw_graph` (``grad_heat=True``, ``rules=True``...).

    >>> import numpy as np
    >>> from tinygrad_ng import nn
    >>> model = nn.MLP([2, 4, 1], hidden="tanh", init="course-small", seed=2)
    >>> drawing = draw_cost(model, np.ones((2, 3)), np.array([[1.0, 0.0, 1.0]]))
    >>> all(f"<B>{name}</B>" in drawing.source for name in ("X", "Y", "W1 @ X", "Z1", "A1", "A2", "L", "J"))
    True
    """
    X_t = X if isinstance(X, Tensor) else Tensor(X, name="X")
    Y_t = Y if isinstance(Y, Tensor) else Tensor(Y, name="Y")
    if loss is None:  # drawn as the course draws it: each sample's loss L(a, y), then their mean J
        J = binary_cross_entropy(model(X_t), Y_t, reduction="none").mean()
    else:
        J = loss(model(X_t), Y_t)
    J.name = J.name or "J"
    if J.op == "mean" and J.parents and J.parents[0].name is None:
        J.parents[0].name = "L"  # the course's per-sample loss L(a, y)
    return draw_graph(J, **options)
