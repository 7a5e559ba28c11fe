"""The course's two-layer cat classifier (week 4): 12288 -> 7 ReLU -> 1 sigmoid.

np.random.seed(1) initialisation (W1 = randn(7, 12288) * 0.01, then W2 = randn(1, 7) * 0.01,
biases zero); gradient descent with learning rate 0.0075 for 2500 iterations.
Published result: train accuracy 100 %, test accuracy 72 %.

    python examples/two_layer_cat.py --data ../shared/data/catvnoncat --out out/two_layer_cat
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
    parser.add_argument("--out", type=Path, default=Path("out/two_layer_cat"), help="where to write the pictures")
    parser.add_argument("--iterations", type=int, default=2500, help="gradient-descent iterations (course: 2500)")
    args = parser.parse_args(argv)

    data = load_catvnoncat(args.data)  # images flattened to columns (12288, m) and divided by 255
    # Parameters W1, b1, W2, b2, drawn W1 then W2 from RandomState(1): the course's numbers exactly.
    model = nn.MLP([12288, 7, 1], hidden="relu", output="sigmoid", init="course-small", seed=1)
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
