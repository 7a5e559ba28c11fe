"""Draw the computation graphs of the course's three models for docs/course.md.

Run from anywhere (Graphviz's ``dot`` must be installed):

    python docs/make_course_graphs.py

It writes ``docs/images/course-logistic.svg``, ``course-two-layer.svg`` and ``course-deep.svg``:
each model's forward pass as tinygrad_ng records it, drawn by ``draw_graph(J, rules=True)`` so
every op shows its local derivative rule from the op registry, and every tensor its gradient.
The models and shapes are those of docs/course.md (n_x = 4 or 2, m = 6).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository's tinygrad_ng, also when not installed

import tinygrad_ng as tg  # noqa: E402
from tinygrad_ng.viz import draw_graph  # noqa: E402

M = 6


def data(n_x: int, seed: int) -> tuple[tg.Tensor, tg.Tensor]:
    """Random inputs ``X`` (n_x, m) and 0/1 labels ``Y`` (1, m)."""
    rng = np.random.RandomState(seed)
    X = rng.randn(n_x, M)
    Y = (rng.rand(1, M) > 0.5).astype(np.float64)
    return tg.Tensor(X, name="X"), tg.Tensor(Y, name="Y")


def param(name: str, shape: tuple[int, ...], rng: np.random.RandomState, scale: float) -> tg.Tensor:
    """A named parameter drawn as ``randn(*shape) * scale`` (zeros for biases)."""
    values = np.zeros(shape) if name.startswith("b") else rng.randn(*shape) * scale
    return tg.Tensor(values, requires_grad=True, name=name)


def named(t: tg.Tensor, name: str) -> tg.Tensor:
    """``t``, labelled with the course's name for it (Z1, A1...) in the drawing."""
    t.name = name
    return t


def logistic() -> tg.Tensor:
    """The cost of logistic regression: ``J(σ(wᵀX + b), Y)``."""
    X, Y = data(4, 1)
    rng = np.random.RandomState(1)
    w, b = param("w", (4, 1), rng, 0.01), tg.Tensor(0.5, requires_grad=True, name="b")
    Z = named(w.T @ X + b, "Z")
    return named(tg.binary_cross_entropy(named(Z.sigmoid(), "A"), Y), "J")


def two_layer() -> tg.Tensor:
    """The cost of the planar model: tanh hidden layer of 4 units, sigmoid output."""
    X, Y = data(2, 2)
    rng = np.random.RandomState(2)
    W1, b1 = param("W1", (4, 2), rng, 0.5), param("b1", (4, 1), rng, 0)
    W2, b2 = param("W2", (1, 4), rng, 0.5), param("b2", (1, 1), rng, 0)
    A1 = named(named(W1 @ X + b1, "Z1").tanh(), "A1")
    A2 = named(named(W2 @ A1 + b2, "Z2").sigmoid(), "A2")
    return named(tg.binary_cross_entropy(A2, Y), "J")


def deep(layer_dims: tuple[int, ...] = (4, 5, 3, 1)) -> tg.Tensor:
    """The cost of an L-layer model: ReLU hidden layers, sigmoid output, ``/ sqrt(n_{l-1})`` init."""
    X, Y = data(layer_dims[0], 1)
    rng = np.random.RandomState(1)
    A = X
    L = len(layer_dims) - 1
    for k in range(1, L + 1):  # layer k: the course's l
        W = param(f"W{k}", (layer_dims[k], layer_dims[k - 1]), rng, 1 / np.sqrt(layer_dims[k - 1]))
        b = param(f"b{k}", (layer_dims[k], 1), rng, 0)
        Z = named(W @ A + b, f"Z{k}")
        A = named(Z.sigmoid() if k == L else Z.relu(), f"A{k}")
    return named(tg.binary_cross_entropy(A, Y), "J")


def main(out_dir: Path = HERE / "images") -> list[Path]:
    """Draw the three graphs into ``out_dir``; return the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, model in (("logistic", logistic), ("two-layer", two_layer), ("deep", deep)):
        J = model()
        path = draw_graph(J, rules=True).save(out_dir / f"course-{name}.svg")  # the default layout: top to bottom
        written.append(path)
        print(f"wrote {path.relative_to(HERE.parent) if path.is_relative_to(HERE.parent) else path}")
    return written


if __name__ == "__main__":
    main()
