"""What the example scripts share: their command-line options and the pictures they write."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

import tinygrad_ng as tg
from tinygrad_ng import nn
from tinygrad_ng.train import History, plot_costs, plot_decision_boundary


def parse_args(
    doc: str, argv: list[str] | None, *, out: str, iterations: int, cat_data: bool = True
) -> argparse.Namespace:
    """The options ``--data`` (for the cat models), ``--out`` and ``--iterations`` (the course's by default)."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    if cat_data:
        parser.add_argument(
            "--data",
            type=Path,
            help="directory holding train_catvnoncat.h5 and test_catvnoncat.h5 (default: $TINYGRAD_NG_CATVNONCAT, "
            "else ../shared/data/catvnoncat next to the repository)",
        )
    parser.add_argument(
        "--out", type=Path, default=Path(out), help="where to write the pictures (default: %(default)s)"
    )
    parser.add_argument(
        "--iterations", type=int, default=iterations, help="gradient-descent iterations (course: %(default)s)"
    )
    return parser.parse_args(argv)


def save_pictures(
    out: Path, model: nn.Module, X: np.ndarray, Y: np.ndarray, history: History, *, boundary_title: str | None = None
) -> None:
    """Write the learning curve, the cost's graph with its gradients and, titled, the decision boundary to ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    written = [plot_costs(history, out / "learning_curve.png")]
    if boundary_title is not None:
        written.append(plot_decision_boundary(model, X, Y, out / "decision_boundary.png", title=boundary_title))
    cost = tg.binary_cross_entropy(model(X), Y)
    written.append(tg.draw_graph(cost, grad_heat=True).save(out / "graph.svg"))
    print(f"wrote {', '.join(p.name for p in written)} to {out}")


@contextlib.contextmanager
def progress_bar(total: int, desc: str) -> Iterator[Any]:
    """A tqdm bar when stderr is a terminal and tqdm is installed, else None."""
    bar = None
    if sys.stderr.isatty():
        try:
            from tqdm.auto import tqdm
        except ImportError:
            pass
        else:
            bar = tqdm(total=total, desc=desc, unit="it", dynamic_ncols=True)
    try:
        yield bar
    finally:
        if bar is not None:
            bar.close()
