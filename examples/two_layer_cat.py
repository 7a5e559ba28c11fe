"""The course's two-layer cat classifier (week 4): 12288 -> 7 ReLU -> 1 sigmoid.

np.random.seed(1) initialisation (W1 = randn(7, 12288) * 0.01, then W2 = randn(1, 7) * 0.01,
biases zero); gradient descent with learning rate 0.0075 for 2500 iterations.
Published result: train accuracy 100 %, test accuracy 72 %.

    python examples/two_layer_cat.py --out out/two_layer_cat    # --data DIR when the cat data is elsewhere
"""

from __future__ import annotations

from _common import parse_args, print_accuracy, run, save_pictures

from tinygrad_ng import nn
from tinygrad_ng.data import load_catvnoncat
from tinygrad_ng.train import fit


def main(argv: list[str] | None = None) -> None:
    args = parse_args(__doc__, argv, out="out/two_layer_cat", iterations=2500)
    data = load_catvnoncat(args.data)  # images flattened to columns (12288, m) and divided by 255
    # Parameters W1, b1, W2, b2, drawn W1 then W2 from RandomState(1): the course's numbers exactly.
    model = nn.MLP([12288, 7, 1], hidden="relu", output="sigmoid", init="course-small", seed=1)
    history = fit(model, data.train_x, data.train_y, lr=0.0075, iterations=args.iterations, print_every=100)
    print_accuracy(model, "train", data.train_x, data.train_y)
    print_accuracy(model, "test", data.test_x, data.test_y)
    save_pictures(args.out, model, data.train_x, data.train_y, history, title="Two-layer cat model")


if __name__ == "__main__":
    run(main)
