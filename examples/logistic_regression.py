"""The course's logistic regression on the cat images (week 2): 12288 -> 1, sigmoid.

w and b start at zero; gradient descent with learning rate 0.005 for 2000 iterations.
Published result: train accuracy 99.04306220095694 %, test accuracy 70.0 %.

    python examples/logistic_regression.py --out out/logistic_regression    # --data DIR when the cat data is elsewhere
"""

from __future__ import annotations

import numpy as np
from _common import parse_args, save_pictures

from tinygrad_ng import nn
from tinygrad_ng.data import load_catvnoncat
from tinygrad_ng.train import fit, predict


def main(argv: list[str] | None = None) -> None:
    args = parse_args(__doc__, argv, out="out/logistic_regression", iterations=2000)
    data = load_catvnoncat(args.data)  # images flattened to columns (12288, m) and divided by 255
    model = nn.MLP([12288, 1], output="sigmoid", init="zeros")  # W1 is the course's w transposed
    history = fit(model, data.train_x, data.train_y, lr=0.005, iterations=args.iterations, print_every=100)

    # The course's accuracy formula, so the digits match its printout.
    for split, X, Y in (("train", data.train_x, data.train_y), ("test", data.test_x, data.test_y)):
        print(f"{split} accuracy: {100 - np.mean(np.abs(predict(model, X) - Y)) * 100} %")
    save_pictures(args.out, model, data.train_x, data.train_y, history)


if __name__ == "__main__":
    main()
