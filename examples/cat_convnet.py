"""A small ConvNet on the course's cat / non-cat images, in the course's layout (m, n_H, n_W, n_C).

Two blocks of CONV 3x3 (same padding) → RELU → MAXPOOL, then a fully connected sigmoid unit:
``(m, 64, 64, 3)`` → 8 filters, pool 4 → ``(m, 16, 16, 8)`` → 16 filters, pool 4 →
``(m, 4, 4, 16)`` → flatten → 1 unit, about 1 600 parameters (the course's four-layer network has
about 370 000). Trained with Adam on mini-batches of 32, with a progress bar and a learning
curve. Course 1's four-layer network reaches 80 % test accuracy; this model aims higher.

    python examples/cat_convnet.py [--data FOLDER] [--epochs N] [--out DIR]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from _common import CommandParser, progress_bar, run

import tinygrad_ng as tg
from tinygrad_ng import nn, optim
from tinygrad_ng.data import load_catvnoncat, minibatches
from tinygrad_ng.train import History, plot_costs


def convnet(seed: int = 1) -> nn.Sequential:
    """CONV → RELU → MAXPOOL, twice, then FLATTEN → LINEAR (logits), in the course's NHWC layout."""
    rng = np.random.RandomState(seed)
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding="same", layout="NHWC", seed=rng),
        nn.ReLU(),
        nn.MaxPool2d(4, layout="NHWC"),
        nn.Conv2d(8, 16, 3, padding="same", layout="NHWC", seed=rng),
        nn.ReLU(),
        nn.MaxPool2d(4, layout="NHWC"),
        nn.Flatten(),  # (m, 4, 4, 16) -> (256, m): examples are columns again
        nn.Linear(256, 1, init="xavier", seed=rng),
    )


def accuracy(model: nn.Module, X: np.ndarray, Y: np.ndarray) -> float:
    """The fraction of images classified right (probability > 0.5 is "cat")."""
    with tg.no_grad():
        logits = np.concatenate([model(X[i : i + 64]).data for i in range(0, X.shape[0], 64)], axis=1)
    return float(np.mean((logits > 0) == Y))


def main(argv: list[str] | None = None) -> None:
    parser = CommandParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, help="folder holding the cat .h5 files (default: as load_catvnoncat)")
    parser.add_argument("--epochs", type=int, default=40, help="passes over the 209 training images")
    parser.add_argument("--lr", type=float, default=0.005, help="Adam's learning rate")
    parser.add_argument("--out", type=Path, default=Path("cat_convnet"), help="where to write the learning curve")
    args = parser.parse_args(argv)

    data = load_catvnoncat(args.data, flatten=False)
    train_x, test_x = data.train_x / 255.0, data.test_x / 255.0  # (m, 64, 64, 3), the course's layout
    train_y, test_y = data.train_y.astype(np.float64), data.test_y.astype(np.float64)
    model = convnet()
    print(f"{model.num_parameters()} parameters")
    opt = optim.Adam(model.parameters(), lr=args.lr)
    history = History(lr=args.lr)
    m = train_x.shape[0]
    index = np.arange(m)[None, :]  # minibatches shuffles columns; shuffle image indices with it
    with progress_bar(args.epochs, "epochs") as bar:
        for epoch in range(args.epochs):
            total = 0.0
            for idx, Y_b in minibatches(index, train_y, 32, seed=epoch):
                loss = tg.binary_cross_entropy_with_logits(model(train_x[idx[0]]), Y_b, reduction="sum")
                opt.zero_grad()
                (loss * (1.0 / Y_b.shape[1])).backward()
                opt.step()
                total += loss.item()
            history.iterations.append(epoch)
            history.costs.append(total / m)
            if bar is not None:
                bar.update(1)
                bar.set_postfix(cost=f"{total / m:.4f}", refresh=False)
            if epoch % 5 == 0 or epoch == args.epochs - 1:
                print(f"Cost after epoch {epoch}: {total / m:f}")
    print(f"train accuracy: {accuracy(model, train_x, train_y) * 100} %")
    print(f"test accuracy: {accuracy(model, test_x, test_y) * 100} %")
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"wrote {plot_costs(history, args.out / 'learning_curve.png', title='ConvNet, cost per epoch')}")


if __name__ == "__main__":
    run(main)
