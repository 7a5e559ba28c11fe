"""The course's four-layer cat classifier (week 4): 12288 -> 20 -> 7 -> 5 -> 1, ReLU hidden, sigmoid output.

np.random.seed(1) initialisation, W_l = randn(n_l, n_{l-1}) / sqrt(n_{l-1}) for l = 1..4 in order,
biases zero; gradient descent with learning rate 0.0075 for 2500 iterations.
Published result: train accuracy 98.5645933014 % (206/209), test accuracy 80 %; printed here as
98.56 % and 80.00 %.

    python examples/deep_cat.py --out out/deep_cat    # --data DIR when the cat data is elsewhere
"""

from __future__ import annotations

from _common import parse_args, print_accuracy, run, save_pictures

from tinygrad_ng import nn
from tinygrad_ng.data import load_catvnoncat
from tinygrad_ng.train import fit


def main(argv: list[str] | None = None) -> None:
    args = parse_args(__doc__, argv, out="out/deep_cat", iterations=2500)
    data = load_catvnoncat(args.data)  # images flattened to columns (12288, m) and divided by 255
    # W1..W4 drawn in order from RandomState(1) and scaled by 1 / sqrt(n_{l-1}): the course's numbers exactly.
    # (With the small "course-small" initialisation this network stalls at cost 0.644 and predicts no cats.)
    model = nn.MLP([12288, 20, 7, 5, 1], hidden="relu", output="sigmoid", init="course-deep", seed=1)
    history = fit(model, data.train_x, data.train_y, lr=0.0075, iterations=args.iterations, print_every=100)
    print_accuracy(model, "train", data.train_x, data.train_y)
    print_accuracy(model, "test", data.test_x, data.test_y)
    save_pictures(args.out, model, data.train_x, data.train_y, history, title="Four-layer cat model")


if __name__ == "__main__":
    run(main)
