"""Regenerate the pictures under docs/images/ from the course's two-layer cat model.

The model is the course's 12288 -> 7 ReLU -> 1 sigmoid network with its initialisation
(``np.random.seed(1)``, ``W1 = randn(7, 12288) * 0.01``, then ``W2 = randn(1, 7) * 0.01``, zero
biases) on the 209 training images. One backward pass runs with ``retain_graph=True`` and the
graph is drawn with every gradient and the heat colouring:

    python scripts/make_images.py [--data DIR] [--out docs/images]

The data folder is ``--data``, else where :func:`tinygrad_ng.data.catvnoncat_dir` finds it
(``$TINYGRAD_NG_CATVNONCAT``, then ``../shared/data/catvnoncat`` relative to the repository root).
Needs h5py and Graphviz.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import tinygrad_ng as tg  # noqa: E402
from tinygrad_ng.data import DatasetNotFoundError, load_catvnoncat  # noqa: E402


def two_layer_loss(X: np.ndarray, Y: np.ndarray) -> tg.Tensor:
    """The course's two-layer model at initialisation, with the course's names on every tensor."""
    np.random.seed(1)
    W1 = tg.Tensor(np.random.randn(7, X.shape[0]) * 0.01, requires_grad=True, name="W1")
    b1 = tg.Tensor.zeros(7, 1, requires_grad=True, name="b1")
    W2 = tg.Tensor(np.random.randn(1, 7) * 0.01, requires_grad=True, name="W2")
    b2 = tg.Tensor.zeros(1, 1, requires_grad=True, name="b2")
    X_t, Y_t = tg.Tensor(X, name="X"), tg.Tensor(Y, name="Y")
    Z1 = W1 @ X_t + b1
    A1 = Z1.relu()
    Z2 = W2 @ A1 + b2
    A2 = Z2.sigmoid()
    J = tg.binary_cross_entropy(A2, Y_t)
    for t, name in ((Z1, "Z1"), (A1, "A1"), (Z2, "Z2"), (A2, "A2"), (J, "J")):
        t.name = name
    return J


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="folder with the course's train_catvnoncat.h5 and test_catvnoncat.h5")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images", help="where to write the pictures")
    args = parser.parse_args(argv)

    try:
        data = load_catvnoncat(args.data)  # X (12288, 209) in [0, 1], Y (1, 209)
    except DatasetNotFoundError as e:
        raise SystemExit(f"make_images: {e}") from None
    J = two_layer_loss(data.train_x, data.train_y)
    J.backward(retain_graph=True)
    drawing = tg.draw_graph(J, grad_heat=True, rules=True)
    args.out.mkdir(parents=True, exist_ok=True)
    for suffix in (".svg", ".png"):
        print(drawing.save(args.out / f"two_layer_graph{suffix}"))


if __name__ == "__main__":
    main()
