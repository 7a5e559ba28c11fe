"""The ``tinygrad-ng`` command: train the course's models, draw their graphs, check their gradients.

``tinygrad-ng demo`` needs nothing downloaded: it trains the course's planar model on the
generated flower data and writes the learning curve, the decision boundary, the model's
computation graph with its gradients, and a gradient-check report to one output directory.

    tinygrad-ng demo [--out DIR] [--data DIR] [--iterations N]
    tinygrad-ng train --model {logreg,shallow,two-layer,deep} [--data DIR] [--out DIR]
    tinygrad-ng graph --model MODEL [--out FILE.svg|FILE.html] [--rules]
    tinygrad-ng gradcheck --model MODEL [--out FILE.txt]

The cat models read the course's ``train_catvnoncat.h5`` and ``test_catvnoncat.h5`` from
``--data DIR``, else where :func:`tinygrad_ng.data.catvnoncat_dir` finds them
(``$TINYGRAD_NG_CATVNONCAT``, then ``../shared/data/catvnoncat`` next to a source checkout).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import nn
from ._files import write_text
from .data import CATVNONCAT_ENV, DatasetNotFoundError, catvnoncat_dir, load_catvnoncat, load_planar
from .errors import GraphvizNotFoundError, SerializationError
from .functional import binary_cross_entropy
from .train import History, accuracy, fit, plot_costs, plot_decision_boundary

__all__ = ["main", "Recipe", "RECIPES"]


@dataclass(frozen=True)
class Recipe:
    """One of the course's models with the settings its assignment trains it with.

    :data:`RECIPES` holds the four the command knows, by the name ``--model`` takes.

    >>> recipe = RECIPES["shallow"]
    >>> recipe.n_units, recipe.hidden, recipe.lr, recipe.iterations
    ((2, 4, 1), 'tanh', 1.2, 10000)
    >>> model = recipe.build()  # W1 (4, 2) then W2 (1, 4), drawn from RandomState(2) and scaled by 0.01
    >>> model.W1.shape, model.W2.shape
    ((4, 2), (1, 4))
    """

    title: str
    n_units: tuple[int, ...]
    hidden: str
    init: str
    seed: int | None
    lr: float
    iterations: int
    report_every: int
    dataset: str  # "planar" or "cat"

    def build(self) -> nn.MLP:
        """A freshly initialised model, drawn exactly as the course draws it."""
        return nn.MLP(self.n_units, hidden=self.hidden, output="sigmoid", init=self.init, seed=self.seed)


RECIPES: dict[str, Recipe] = {
    "logreg": Recipe("logistic regression", (12288, 1), "relu", "zeros", None, 0.005, 2000, 100, "cat"),
    "shallow": Recipe("planar model, 4 tanh units", (2, 4, 1), "tanh", "course-small", 2, 1.2, 10000, 1000, "planar"),
    "two-layer": Recipe("two-layer cat model", (12288, 7, 1), "relu", "course-small", 1, 0.0075, 2500, 100, "cat"),
    "deep": Recipe("four-layer cat model", (12288, 20, 7, 5, 1), "relu", "course-deep", 1, 0.0075, 2500, 100, "cat"),
}


class _UsageError(Exception):
    """A problem with what the user asked for: reported on one line with exit code 2."""


def _cat_data(path: Path | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    try:
        d = load_catvnoncat(path)
    except DatasetNotFoundError as e:
        raise _UsageError(f"{e} (use --data DIR)") from None
    return d.train_x, d.train_y, d.test_x, d.test_y


def _sample(recipe: Recipe, data: Path | None, m: int) -> tuple[np.ndarray, np.ndarray, str]:
    """A few samples to draw or check the model on: real ones if at hand, else random stand-ins."""
    if recipe.dataset == "planar":
        X, Y = load_planar()
        return X[:, :: max(1, X.shape[1] // m)][:, :m], Y[:, :: max(1, Y.shape[1] // m)][:, :m], "planar data"
    if catvnoncat_dir(data) is not None:
        X, Y, _, _ = _cat_data(data)
        return X[:, :m], Y[:, :m], "cat images"
    rng = np.random.RandomState(0)
    return rng.rand(recipe.n_units[0], m), (np.arange(m) % 2).reshape(1, m).astype(np.float64), "random stand-in data"


def _train(
    recipe: Recipe,
    X: np.ndarray,
    Y: np.ndarray,
    iterations: int | None,
    lr: float | None,
    progress: bool | None,
    compile: bool = True,
) -> tuple[nn.MLP, History]:
    model = recipe.build()
    n = iterations or recipe.iterations
    print(f"training the {recipe.title} {list(recipe.n_units)} for {n} iterations at learning rate {lr or recipe.lr}")
    history = fit(
        model,
        X,
        Y,
        lr=lr or recipe.lr,
        iterations=n,
        print_every=recipe.report_every,
        progress=progress,
        compile=compile,
    )
    return model, history


def _save_graph(model: nn.MLP, X: np.ndarray, Y: np.ndarray, path: Path, *, rules: bool = False) -> Path:
    """Draw the cost's graph with every gradient; without Graphviz's ``dot``, write the DOT text instead."""
    from .viz import draw_graph

    cost = binary_cross_entropy(model(X), Y)
    drawing = draw_graph(cost, grad_heat=True, rules=rules)
    try:
        return drawing.save(path)
    except GraphvizNotFoundError as e:
        dot_path = path.with_suffix(".dot")
        print(f"note: {e}; writing the DOT source to {dot_path} instead", file=sys.stderr)
        return drawing.save(dot_path)


def _gradcheck_report(model: nn.MLP, X: np.ndarray, Y: np.ndarray, fast: bool) -> tuple[bool, str]:
    from .gradcheck import gradcheck

    params = model.parameters()
    report = gradcheck(lambda *_: binary_cross_entropy(model(X), Y), params, fast=fast, raise_on_failure=False)
    return bool(report), str(report)


def _out_dir(path: Path) -> Path:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise _UsageError(f"cannot create the output directory {path}: {e.strerror}") from None
    return path


# --------------------------------------------------------------------------- commands
def cmd_demo(args: argparse.Namespace) -> int:
    """Train the planar model (and, with --data, the four-layer cat model); write pictures and reports."""
    out = _out_dir(args.out)
    print(f"tinygrad-ng demo: writing to {out.resolve()}")
    recipe = RECIPES["shallow"]
    X, Y = load_planar()
    model, history = _train(recipe, X, Y, args.iterations, None, args.progress, not args.eager)
    train_acc = accuracy(model, X, Y)
    lines = [f"planar model {list(recipe.n_units)}: train accuracy {100 * train_acc:.2f} % (course: 90.75 %)"]
    print(lines[-1])
    written = [
        plot_costs(history, out / "learning_curve.png", title=f"Planar model, learning rate {recipe.lr}"),
        plot_decision_boundary(model, X, Y, out / "decision_boundary.png", title="Planar model: 4 tanh units"),
        _save_graph(model, X, Y, out / "graph.svg", rules=True),
    ]
    model.save(out / "planar_model.npz")
    written.append(out / "planar_model.npz")
    passed, report = _gradcheck_report(model, X, Y, fast=False)
    written.append(write_text(out / "gradcheck.txt", report + "\n"))
    lines.append(f"gradient check of W1, b1, W2, b2 against finite differences: {'passed' if passed else 'FAILED'}")
    print(lines[-1])

    if args.data is not None:
        deep = RECIPES["deep"]
        train_x, train_y, test_x, test_y = _cat_data(args.data)
        cat_model, cat_history = _train(deep, train_x, train_y, args.iterations, None, args.progress, not args.eager)
        tr, te = accuracy(cat_model, train_x, train_y), accuracy(cat_model, test_x, test_y)
        lines.append(
            f"four-layer cat model {list(deep.n_units)}: train accuracy {100 * tr:.2f} %, test accuracy "
            f"{100 * te:.2f} % (course: 98.56 % / 80 %)"
        )
        print(lines[-1])
        written.append(plot_costs(cat_history, out / "cat_learning_curve.png", title="Four-layer cat model"))
        cat_model.save(out / "cat_model.npz")
        written.append(out / "cat_model.npz")
    written.append(write_text(out / "summary.txt", "\n".join(lines) + "\n"))
    print("wrote:")
    for path in written:
        print(f"  {path}")
    return 0 if passed else 1


def cmd_train(args: argparse.Namespace) -> int:
    """Train one of the course's models with its assignment's settings; report accuracy, save outputs."""
    recipe = RECIPES[args.model]
    if recipe.dataset == "planar":
        X, Y = load_planar()
        test = None
    else:
        X, Y, test_x, test_y = _cat_data(args.data)
        test = (test_x, test_y)
    out = _out_dir(args.out or Path(f"tinygrad-ng-{args.model}"))
    model, history = _train(recipe, X, Y, args.iterations, args.lr, args.progress, not args.eager)
    print(f"train accuracy: {100 * accuracy(model, X, Y)} %")
    if test is not None:
        print(f"test accuracy: {100 * accuracy(model, *test)} %")
    written = [plot_costs(history, out / "learning_curve.png")]
    if recipe.dataset == "planar":
        written.append(plot_decision_boundary(model, X, Y, out / "decision_boundary.png"))
    model.save(out / "model.npz")
    written.append(out / "model.npz")
    print("wrote: " + ", ".join(str(p) for p in written))
    return 0


def _model_on_samples(args: argparse.Namespace) -> tuple[Recipe, nn.MLP, np.ndarray, np.ndarray, str]:
    """The recipe named by ``--model``, its model (``--load``ed parameters, else the course's init) and samples."""
    recipe = RECIPES[args.model]
    X, Y, source = _sample(recipe, args.data, args.samples)
    model = recipe.build()
    if args.load is not None:
        model.load(args.load)
    return recipe, model, X, Y, source


def cmd_graph(args: argparse.Namespace) -> int:
    """Draw the computation graph of a model's cost, with gradients, at the course's initialisation."""
    recipe, model, X, Y, source = _model_on_samples(args)
    path = args.out or Path(f"{args.model}_graph.svg")
    path = _save_graph(model, X, Y, path, rules=args.rules)
    print(f"wrote the graph of the {recipe.title} on {X.shape[1]} samples of {source} to {path}")
    return 0


def cmd_gradcheck(args: argparse.Namespace) -> int:
    """Check a model's gradients against finite differences; exit status 1 if they disagree."""
    recipe, model, X, Y, source = _model_on_samples(args)
    fast = args.fast if args.fast is not None else recipe.dataset == "cat"
    passed, report = _gradcheck_report(model, X, Y, fast=fast)
    header = (
        f"gradient check of the {recipe.title} on {X.shape[1]} samples of {source} "
        f"({'one random direction per parameter' if fast else 'every parameter entry'})"
    )
    text = f"{header}\n{report}\n"
    if args.out is not None:
        write_text(args.out, text)
        print(f"{'passed' if passed else 'FAILED'}; wrote the report to {args.out}")
    else:
        print(text, end="")
    return 0 if passed else 1


# --------------------------------------------------------------------------- arguments
def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not (value > 0 and np.isfinite(value)):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``tinygrad-ng`` command and its subcommands."""
    parser = argparse.ArgumentParser(
        prog="tinygrad-ng",
        description="Train the models of Andrew Ng's Neural Networks and Deep Learning with tinygrad_ng, "
        "draw their computation graphs and check their gradients.",
    )
    from . import __version__

    parser.add_argument("--version", action="version", version=f"tinygrad-ng {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    models = sorted(RECIPES)
    data_help = (
        f"directory holding train_catvnoncat.h5 and test_catvnoncat.h5 (default: ${CATVNONCAT_ENV}, "
        "else ../shared/data/catvnoncat next to a source checkout)"
    )

    def progress_flag(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--no-progress",
            dest="progress",
            action="store_false",
            default=None,
            help="no progress bar (it is shown only when stderr is a terminal anyway)",
        )
        p.add_argument("--eager", action="store_true", help="train eagerly, without compiling the training step")

    p = sub.add_parser(
        "demo",
        help="train the planar model and write its pictures and reports",
        description=(
            "Train the course's planar model (2 -> 4 tanh -> 1) on the generated flower data and write, to "
            "--out: the learning curve, the decision boundary, the computation graph with gradients (SVG), "
            "a gradient-check report and the trained parameters. With --data, also train the four-layer "
            "cat model and report its train/test accuracy."
        ),
    )
    p.add_argument("--out", type=Path, default=Path("tinygrad-ng-demo"), help="output directory (default: %(default)s)")
    p.add_argument("--data", type=Path, help="the cat data directory; also trains the four-layer cat model")
    p.add_argument("--iterations", type=_positive_int, help="iterations per model (default: the course's)")
    progress_flag(p)
    p.set_defaults(run=cmd_demo)

    p = sub.add_parser(
        "train",
        help="train one of the course's models",
        description=(
            "Train one of the course's models with its assignment's initialisation, learning rate and iterations; "
            "print the cost and the accuracies; write the learning curve and the parameters (.npz)."
        ),
    )
    p.add_argument("--model", required=True, choices=models, help="which model")
    p.add_argument("--data", type=Path, help=data_help)
    p.add_argument("--out", type=Path, help="output directory (default: tinygrad-ng-MODEL)")
    p.add_argument("--iterations", type=_positive_int, help="gradient-descent iterations (default: the course's)")
    p.add_argument("--lr", type=_positive_float, help="learning rate (default: the course's)")
    progress_flag(p)
    p.set_defaults(run=cmd_train)

    for name, run, what, default_out in (
        ("graph", cmd_graph, "draw a model's computation graph with its gradients", "MODEL_graph.svg"),
        ("gradcheck", cmd_gradcheck, "check a model's gradients against finite differences", "standard output"),
    ):
        p = sub.add_parser(name, help=what, description=what[0].upper() + what[1:] + ", on a few samples.")
        p.add_argument("--model", required=True, choices=models, help="which model")
        p.add_argument("--data", type=Path, help=data_help + "; random stand-ins when there is none")
        p.add_argument("--load", type=Path, help="parameters saved by `tinygrad-ng train` (default: the course's init)")
        p.add_argument("--samples", type=_positive_int, default=8, help="number of samples (default: %(default)s)")
        out_help = f"output file (default: {default_out})"
        if name == "graph":
            out_help += "; .svg, .png, .pdf, .dot, or .html for the interactive explorer with the backward stepper"
        p.add_argument("--out", type=Path, help=out_help)
        p.set_defaults(run=run)
    sub.choices["graph"].add_argument("--rules", action="store_true", help="write each op's derivative rule")
    sub.choices["gradcheck"].add_argument(
        "--fast",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="check one random direction per parameter (default for the cat models) instead of every entry",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``tinygrad-ng`` command; returns the exit status.

    >>> main(["gradcheck", "--model", "shallow", "--samples", "4"])  # doctest: +ELLIPSIS
    gradient check of the planar model, 4 tanh units on 4 samples of planar data (every parameter entry)
    ...
    0
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (_UsageError, SerializationError) as e:
        parser.exit(2, f"tinygrad-ng {args.command}: error: {e}\n")
    except KeyboardInterrupt:
        print(f"tinygrad-ng {args.command}: interrupted", file=sys.stderr)
        return 130
    return 0  # unreachable: parser.exit raises SystemExit


if __name__ == "__main__":
    sys.exit(main())
