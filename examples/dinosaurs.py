"""Course 5 week 1, "Dinosaur Island": a character-level language model that invents dinosaur names.

A vanilla RNN (``nn.RNNCell(27, 50)``) and a softmax output layer (``nn.Linear(50, 27)``) read
one name at a time, one-hot character by character, starting from the zero vector; the loss is
the cross-entropy summed over the name's characters, each gradient is clipped to [-5, 5]
(``optim.clip_grad_value_``, the course's ``clip``) and ``optim.SGD`` takes a step with lr 0.01.
As in the course: parameters ``randn · 0.01`` from seed 1, the names shuffled with seed 0, the
last hidden state of one name starting the next, the smoothed loss ``0.999 L + 0.001 loss``, and
every 2000 iterations seven names sampled with the course's ``sample`` (seeds 0…6). Writes the
learning curve (smoothed loss) to ``--out``.

    python examples/dinosaurs.py [--data FOLDER] [--iterations N] [--out DIR]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from _common import CommandParser, progress_bar, run

import tinygrad_ng as tg
from tinygrad_ng import Tensor, nn, optim
from tinygrad_ng.course.c5 import sample
from tinygrad_ng.data import load_dinos
from tinygrad_ng.train import History, plot_costs

VOCAB = 27


def main(argv: list[str] | None = None) -> None:
    parser = CommandParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, help="folder holding dinos.txt (default: $TINYGRAD_NG_DATA/dinos)")
    parser.add_argument("--iterations", type=int, default=22001, help="names to train on (course, 2021+: %(default)s)")
    parser.add_argument("--out", type=Path, default=Path("dinosaurs"), help="where to write the learning curve")
    args = parser.parse_args(argv)

    text = load_dinos(args.data)
    chars = sorted(set(text))
    char_to_ix = {c: i for i, c in enumerate(chars)}
    ix_to_char = dict(enumerate(chars))
    print(f"There are {len(text)} total characters and {len(chars)} unique characters in your data.")

    rng = np.random.RandomState(1)  # the course's initialize_parameters: seed 1, Wax, Waa, Wya = randn · 0.01
    cell = nn.RNNCell(VOCAB, 50, init="course-small", seed=rng)
    head = nn.Linear(50, VOCAB, init="course-small", seed=rng)
    params = [cell.Wax, cell.Waa, cell.ba, head.W, head.b]
    opt = optim.SGD(params, lr=0.01)

    examples = [name.strip() for name in text.split("\n")]
    np.random.seed(0)
    np.random.shuffle(examples)
    loss_smooth = -np.log(1.0 / VOCAB) * 7
    a_prev = np.zeros((50, 1))
    history = History(lr=0.01)
    eye = np.eye(VOCAB)
    with progress_bar(args.iterations, "names") as bar:
        for j in range(args.iterations):
            name = examples[j % len(examples)]
            X = [None] + [char_to_ix[ch] for ch in name]
            Y = X[1:] + [char_to_ix["\n"]]
            a = Tensor(a_prev)  # no gradient flows into the state carried over from the last name
            loss = Tensor(0.0)
            for x_t, y_t in zip(X, Y):
                x = np.zeros((VOCAB, 1)) if x_t is None else eye[:, [x_t]]
                a = cell(x, a)
                loss = loss + tg.cross_entropy(head(a), [y_t], axis=0, reduction="sum")
            opt.zero_grad()
            loss.backward()
            optim.clip_grad_value_(params, 5)
            opt.step()
            a_prev = a.data
            loss_smooth = loss_smooth * 0.999 + loss.item() * 0.001
            if j % 100 == 0:
                history.iterations.append(j)
                history.costs.append(float(loss_smooth))
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss=f"{loss_smooth:.3f}", refresh=False)
            if j % 2000 == 0:
                print(f"Iteration: {j}, Loss: {loss_smooth:f}\n")
                p = {
                    "Wax": cell.Wax.data,
                    "Waa": cell.Waa.data,
                    "b": cell.ba.data,
                    "Wya": head.W.data,
                    "by": head.b.data,
                }
                for seed in range(7):
                    sampled = "".join(ix_to_char[i] for i in sample(p, char_to_ix, seed))
                    print(sampled[0].upper() + sampled[1:], end="")
                print()
    args.out.mkdir(parents=True, exist_ok=True)
    path = plot_costs(history, args.out / "learning_curve.png", title="smoothed loss per name")
    print(f"final smoothed loss: {loss_smooth:f}; wrote {path}")


if __name__ == "__main__":
    run(main)
