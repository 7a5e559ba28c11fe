"""The course's logistic regression on the cat images (week 2): 12288 -> 1, sigmoid.

w and b start at zero; gradient descent with learning rate 0.005 for 2000 iterations.
Published result: train accuracy 99.04306220095694 %, test accuracy 70.0 %.

    python examples/logistic_regression.py --data ../shared/data/catvnoncat --out out/logistic_regression
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import tinygrad_ng as tg
from tinygrad_ng import nn
from tinygrad_ng.data import load_catvnoncat
from tinygrad_ng.train import fit, plot_costs, predict

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "catvnoncat"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA if DEFAULT_DATA.is_dir() else None,
        help="directory holding train_catvnoncat.h5 and test_catvnoncat.h5",
    )
    parser.add_argument("--out", type=Path, default=Path("out/logistic_regression"), help="where to write the pictures")
    parser.add_argument("--iterations", type=int, default=2000, help="gradient-descent iterations (course: 2000)")
    args = parser.parse_args(argv)

    data = load_catvnoncat(args.data)  # images flattened to columns (12288, m) and divided by 255
    model = nn.MLP([12288, 1], output="sigmoid", init="zeros")  # W1 is the course's w transposed
    history = fit(model, data.train_x, data.train_y, lr=0.005, iterations=args.iterations, print_every=100)

    # The course's accuracy formula, so the digits match its printout.
    for split, X, Y in (("train", data.train_x, data.train_y), ("test", data.test_x, data.test_y)):
        print(f"{split} accuracy: {100 - np.mean(np.abs(predict(model, X) - Y)) * 100} %")

    args.out.mkdir(parents=True, exist_ok=True)
    plot_costs(history, args.out / "learning_curve.png")
    cost = tg.binary_cross_entropy(model(data.train_x), data.train_y)
    tg.draw_graph(cost, grad_heat=True).save(args.out / "graph.svg")
    print(f"wrote {args.out / 'learning_curve.png'} and {args.out / 'graph.svg'}")


if __name__ == "__main__":
    main()
