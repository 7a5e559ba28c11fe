"""What the example scripts share: their options, their error handling and the pictures they write.

Options are parsed and errors reported as the ``tinygrad-ng`` command does: a wrong option or a
missing data folder is one line on stderr with exit status 2, Ctrl-C stops training after the
current iteration (keeping the parameters), and a second Ctrl-C stops at once (status 130).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

import tinygrad_ng as tg
from tinygrad_ng import nn
from tinygrad_ng.cli import CommandParser, out_folder, positive_int, run_command
from tinygrad_ng.train import History, accuracy, plot_costs, plot_decision_boundary


def parse_args(
    doc: str,
    argv: list[str] | None,
    *,
    out: str,
    iterations: int,
    cat_data: bool = True,
    options: Callable[[argparse.ArgumentParser], None] | None = None,
    course_iterations: bool = True,
) -> argparse.Namespace:
    """The options ``--data`` (for the cat models), ``--out`` and ``--iterations`` (the course's by default).

    ``options(parser)`` adds a script's own options; ``course_iterations=False`` when the default
    is not the course's number of iterations.
    """
    parser = CommandParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    if options is not None:
        options(parser)
    if cat_data:
        parser.add_argument(
            "--data",
            type=Path,
            help="directory holding train_catvnoncat.h5 and test_catvnoncat.h5 (default: $TINYGRAD_NG_CATVNONCAT, "
            "else ../shared/data/catvnoncat next to the repository)",
        )
    parser.add_argument(
        "--out", type=out_folder, default=Path(out), help="folder to write the pictures to (default: %(default)s)"
    )
    parser.add_argument(
        "--iterations",
        type=positive_int,
        default=iterations,
        help=f"gradient-descent iterations ({'course' if course_iterations else 'default'}: %(default)s)",
    )
    return parser.parse_args(argv)


def run(main: Callable[[list[str] | None], None]) -> NoReturn:
    """Run an example's ``main`` as the command runs its commands, and exit with its status."""
    sys.exit(run_command(Path(sys.argv[0]).name, lambda: main(None) or 0))


def print_accuracy(model: nn.Module, split: str, X: np.ndarray, Y: np.ndarray) -> None:
    """``train accuracy 98.56 %``: the command's format."""
    print(f"{split} accuracy {100 * accuracy(model, X, Y):.2f} %")


def save_pictures(
    out: Path,
    model: nn.Module,
    X: np.ndarray,
    Y: np.ndarray,
    history: History,
    *,
    title: str,
    boundary_title: str | None = None,
) -> None:
    """Write the learning curve (titled with the model), the cost's graph and, titled, the decision boundary."""
    out.mkdir(parents=True, exist_ok=True)
    written = [plot_costs(history, out / "learning_curve.png", title=f"{title}, learning rate {history.lr}")]
    if boundary_title is not None:
        written.append(plot_decision_boundary(model, X, Y, out / "decision_boundary.png", title=boundary_title))
    written.append(tg.draw_cost(model, X, Y, grad_heat=True).save(out / "graph.svg"))
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
