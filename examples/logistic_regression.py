"""The course's logistic regression on the cat images (week 2): 12288 -> 1, sigmoid.

w and b start at zero; gradient descent with learning rate 0.005 for 2000 iterations.
Published result: train accuracy 99.04306220095694 %, test accuracy 70.0 %; printed here as
99.04 % and 70.00 %.

    python examples/logistic_regression.py --out out/logistic_regression    # --data DIR when the cat data is elsewhere
"""

from __future__ import annotations

from _common import parse_args, print_accuracy, run, save_pictures

from tinygrad_ng import nn
from tinygrad_ng.data import load_catvnoncat
from tinygrad_ng.train import fit


def main(argv: list[str] | None = None) -> None:
    args = parse_args(__doc__, argv, out="out/logistic_regression", iterations=2000)
    data = load_catvnoncat(args.data)  # images flattened to columns (12288, m) and divided by 255
    model = nn.MLP([12288, 1], output="sigmoid", init="zeros")  # W1 is the course's w transposed
    history = fit(model, data.train_x, data.train_y, lr=0.005, iterations=args.iterations, print_every=100)
    print_accuracy(model, "train", data.train_x, data.train_y)
    print_accuracy(model, "test", data.test_x, data.test_y)
    save_pictures(args.out, model, data.train_x, data.train_y, history, title="Logistic regression")


if __name__ == "__main__":
    run(main)
