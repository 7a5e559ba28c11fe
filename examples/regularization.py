"""Course 2 week 1, "Regularization": the goalkeeper data, without regularisation, with L2 and with dropout.

The three-layer network ``[2, 20, 3, 1]`` (relu, relu, sigmoid) is an ``nn.Sequential`` trained
by full-batch gradient descent (α = 0.3, 30 000 iterations), initialised as the course does
(``np.random.seed(3)``, ``W = randn / sqrt(n_prev)``). L2 adds the course's cost term
``(λ/2m) Σ‖W‖²`` (``nn.l2_penalty``); dropout is two ``nn.Dropout`` layers sharing a generator
that is reset to seed 1 before every forward pass, which reproduces the course's quirk of
drawing the same masks at every iteration. Accuracies are computed in ``eval()`` mode.

Published accuracies (train / test): none 0.9478672985781991 / 0.915; L2 (λ = 0.7)
0.9383886255924171 / 0.93; dropout (keep_prob = 0.86) 0.9289099526066351 / 0.95.

    python examples/regularization.py [--data FOLDER] [--iterations N]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from _common import CommandParser
from _common import run as run_example

import tinygrad_ng as tg
from tinygrad_ng import nn, optim
from tinygrad_ng.data import load_regularization


def build(keep_prob: float) -> tuple[nn.Sequential, np.random.RandomState]:
    """The course's network; with ``keep_prob < 1`` dropout after each hidden layer, drawing from one generator."""
    init, masks = np.random.RandomState(3), np.random.RandomState(1)
    layers: list[nn.Module] = [nn.Linear(2, 20, "relu", seed=init)]
    if keep_prob < 1:
        layers.append(nn.Dropout(keep_prob, seed=masks))
    layers.append(nn.Linear(20, 3, "relu", seed=init))
    if keep_prob < 1:
        layers.append(nn.Dropout(keep_prob, seed=masks))
    layers.append(nn.Linear(3, 1, seed=init))  # logits; the loss applies the sigmoid
    return nn.Sequential(*layers), masks


def accuracy(model: nn.Module, X: np.ndarray, Y: np.ndarray) -> float:
    """The course's ``mean(prediction == label)`` with predictions from a plain (eval-mode) forward pass."""
    model.eval()
    with tg.no_grad():
        predictions = model(X).sigmoid().data > 0.5
    model.train()
    return float(np.mean(predictions == Y))


def run(X: np.ndarray, Y: np.ndarray, iterations: int, lambd: float = 0.0, keep_prob: float = 1.0) -> nn.Sequential:
    """Train one model as the course's ``model()`` does, printing the cost every 10 000 iterations."""
    model, masks = build(keep_prob)
    weights = [layer.W for layer in model.layers if isinstance(layer, nn.Linear)]
    opt = optim.SGD(model.parameters(), lr=0.3)
    m = X.shape[1]
    for i in range(iterations):
        masks.seed(1)  # the course's forward_propagation_with_dropout reseeds itself on every call
        cost = tg.binary_cross_entropy_with_logits(model(X), Y)
        if lambd:
            cost = cost + nn.l2_penalty(weights, lambd, m)
        opt.zero_grad()
        cost.backward()
        opt.step()
        if i % 10000 == 0:
            print(f"Cost after iteration {i}: {cost.item()}")
    return model


def main(argv: list[str] | None = None) -> None:
    parser = CommandParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, help="folder holding data.mat (default: $TINYGRAD_NG_DATA/regularization)")
    parser.add_argument("--iterations", type=int, default=30000, help="iterations per run (course: %(default)s)")
    args = parser.parse_args(argv)
    train_X, train_Y, test_X, test_Y = load_regularization(args.data)
    for title, kwargs in (
        ("without regularisation", {}),
        ("with L2 regularisation, lambda = 0.7", {"lambd": 0.7}),
        ("with dropout, keep_prob = 0.86", {"keep_prob": 0.86}),
    ):
        print(f"== {title}")
        model = run(train_X, train_Y, args.iterations, **kwargs)  # type: ignore[arg-type]
        print("On the training set:\nAccuracy:", accuracy(model, train_X, train_Y))
        print("On the test set:\nAccuracy:", accuracy(model, test_X, test_Y))


if __name__ == "__main__":
    run_example(main)
