"""The course's four-layer cat classifier (week 4): 12288 -> 20 -> 7 -> 5 -> 1, ReLU hidden, sigmoid output.

np.random.seed(1) initialisation, W_l = randn(n_l, n_{l-1}) / sqrt(n_{l-1}) for l = 1..4 in order,
biases zero; gradient descent with learning rate 0.0075 for 2500 iterations.
Published result: train accuracy 98.5645933014 % (206/209), test accuracy 80 %.

    python examples/deep_cat.py --data ../shared/data/catvnoncat --out out/deep_cat
"""

from __future__ import annotations

import argparse
from pathlib import Path

import tinygrad_ng as tg
from tinygrad_ng import nn
from tinygrad_ng.data import load_catvnoncat
from tinygrad_ng.train import accuracy, fit, plot_costs

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "catvnoncat"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA if DEFAULT_DATA.is_dir() else None,
        help="directory holding train_catvnoncat.h5 and test_catvnoncat.h5",
    )
    parser.add_argument("--out", type=Path, default=Path("out/deep_cat"), help="where to write the pictures")
    parser.add_argument("--iterations", type=int, default=2500, help="gradient-descent iterations (course: 2500)")
    args = parser.parse_args(argv)

    data = load_catvnoncat(args.data)  # images flattened to columns (12288, m) and divided by 255
    # W1..W4 drawn in order from RandomState(1) and scaled by 1 / sqrt(n_{l-1}): the course's numbers exactly.
    # (With the small "course-small" initialisation this network stalls at cost 0.644 and predicts no cats.)
    model = nn.MLP([12288, 20, 7, 5, 1], hidden="relu", output="sigmoid", init="course-deep", seed=1)
    history = fit(model, data.train_x, data.train_y, lr=0.0075, iterations=args.iterations, print_every=100)
    print(f"train accuracy: {100 * accuracy(model, data.train_x, data.train_y)} %")
    print(f"test accuracy: {100 * accuracy(model, data.test_x, data.test_y)} %")

    args.out.mkdir(parents=True, exist_ok=True)
    plot_costs(history, args.out / "learning_curve.png")
    cost = tg.binary_cross_entropy(model(data.train_x), data.train_y)
    tg.draw_graph(cost, grad_heat=True).save(args.out / "graph.svg")
    print(f"wrote learning_curve.png and graph.svg to {args.out}")


if __name__ == "__main__":
    main()
