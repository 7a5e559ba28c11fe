"""Regenerate the pictures under docs/images/: the README's graph and the course graphs of docs/course.md.

The README's picture is the course's two-layer cat model (12288 -> 7 ReLU -> 1 sigmoid) with its
initialisation (``np.random.seed(1)``, ``W1 = randn(7, 12288) * 0.01``, then
``W2 = randn(1, 7) * 0.01``, zero biases) on the 209 training images, drawn by ``draw_cost``
with every gradient, the heat colouring and the derivative rules, in the default layout (one
column, top to bottom, that reads at the width of a README). ``docs/make_course_graphs.py``
draws the three small course graphs:

    python scripts/make_images.py [--data DIR] [--out docs/images]

The data folder is ``--data``, else where :func:`tinygrad_ng.data.catvnoncat_dir` finds it
(``$TINYGRAD_NG_CATVNONCAT``, then ``../shared/data/catvnoncat`` relative to the repository root).
Needs h5py and Graphviz.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import tinygrad_ng as tg  # noqa: E402
from tinygrad_ng import nn  # noqa: E402
from tinygrad_ng.data import DatasetNotFoundError, load_catvnoncat  # noqa: E402


def two_layer_drawing(X: np.ndarray, Y: np.ndarray) -> tg.GraphDrawing:
    """The course's two-layer model at initialisation; nn.MLP names W1, b1, Z1, A1... as the course does."""
    model = nn.MLP([X.shape[0], 7, 1], hidden="relu", init="course-small", seed=1)  # the course's draws exactly
    return tg.draw_cost(model, X, Y, grad_heat=True, rules=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="folder with the course's train_catvnoncat.h5 and test_catvnoncat.h5")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images", help="where to write the pictures")
    args = parser.parse_args(argv)

    try:
        data = load_catvnoncat(args.data)  # X (12288, 209) in [0, 1], Y (1, 209)
    except DatasetNotFoundError as e:
        raise SystemExit(f"make_images: {e}") from None
    drawing = two_layer_drawing(data.train_x, data.train_y)
    args.out.mkdir(parents=True, exist_ok=True)
    for suffix in (".svg", ".png"):
        print(drawing.save(args.out / f"two_layer_graph{suffix}"))
    spec = importlib.util.spec_from_file_location("make_course_graphs", ROOT / "docs" / "make_course_graphs.py")
    course_graphs = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(course_graphs)  # type: ignore[union-attr]
    course_graphs.main(args.out)


if __name__ == "__main__":
    main()
