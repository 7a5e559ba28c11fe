"""Course 5 week 1, "Building a Recurrent Neural Network Step by Step", with tinygrad_ng.

The notebook's test cells (the 2021+ set-ups: seeds and draw orders) run through the engine's
``RNNCell``, ``RNN``, ``LSTMCell`` and ``LSTM`` in the course's layout ``(n_x, m, T_x)``, with the
course's parameters loaded into them; the backward cells are ``backward()`` from
``L = Σ (da ⊙ a)``. Each printout is followed by the largest difference from the course's
hand-derived passes (``tinygrad_ng.course.c5``).

    python examples/rnn_step_by_step.py
"""

from __future__ import annotations

import argparse

import numpy as np
from _common import CommandParser, run

from tinygrad_ng import Tensor, nn
from tinygrad_ng.course import c5
from tinygrad_ng.functional import softmax

LSTM_KEYS = ("Wf", "bf", "Wi", "bi", "Wo", "bo", "Wc", "bc")


def agree(engine: np.ndarray, course: np.ndarray) -> None:
    print(f"  (course's formulas agree: max |difference| = {np.abs(np.asarray(engine) - course).max():.1e})")


def rnn_params(order: tuple[str, ...]) -> dict[str, np.ndarray]:
    shapes = {"Waa": (5, 5), "Wax": (5, 3), "Wya": (2, 5), "ba": (5, 1), "by": (2, 1)}
    return {k: np.random.randn(*shapes[k]) for k in order}


def lstm_params(with_output: bool = True) -> dict[str, np.ndarray]:
    p = {k: np.random.randn(5, 8) if k[0] == "W" else np.random.randn(5, 1) for k in LSTM_KEYS}
    if with_output:
        p["Wy"], p["by"] = np.random.randn(2, 5), np.random.randn(2, 1)
    else:
        p["Wy"], p["by"] = np.zeros((2, 5)), np.zeros((2, 1))
    return p


def load(module: nn.Module, p: dict[str, np.ndarray], keys: tuple[str, ...]) -> None:
    for k in keys:
        getattr(module, k).data = p[k].copy()


def main(argv: list[str] | None = None) -> None:
    CommandParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args(argv)
    np.set_printoptions(precision=8)

    print("== rnn_cell_forward")
    np.random.seed(1)
    xt, a_prev = np.random.randn(3, 10), np.random.randn(5, 10)
    p = rnn_params(("Waa", "Wax", "Wya", "ba", "by"))
    cell = nn.RNNCell(3, 5)
    load(cell, p, ("Wax", "Waa", "ba"))
    a_next = cell(xt, a_prev)
    yt_pred = softmax(Tensor(p["Wya"]) @ a_next + p["by"], axis=0)
    print("a_next[4] =\n", a_next.data[4], "\na_next.shape =", a_next.shape)
    print("yt_pred[1] =\n", yt_pred.data[1], "\nyt_pred.shape =", yt_pred.shape)
    agree(a_next.data, c5.rnn_cell_forward(xt, a_prev, p)[0])

    print("== rnn_forward")
    np.random.seed(1)
    x, a0 = np.random.randn(3, 10, 4), np.random.randn(5, 10)
    p = rnn_params(("Waa", "Wax", "Wya", "ba", "by"))
    rnn = nn.RNN(3, 5)
    load(rnn.cell, p, ("Wax", "Waa", "ba"))
    a, _ = rnn(x, a0)
    print("a[4][1] =\n", a.data[4][1], "\na.shape =", a.shape)
    agree(a.data, c5.rnn_forward(x, a0, p)[0])

    print("== lstm_cell_forward")
    np.random.seed(1)
    xt, a_prev, c_prev = np.random.randn(3, 10), np.random.randn(5, 10), np.random.randn(5, 10)
    p = lstm_params()
    cell = nn.LSTMCell(3, 5)
    load(cell, p, LSTM_KEYS)
    a_next, c_next = cell(xt, (a_prev, c_prev))
    print("a_next[4] =\n", a_next.data[4], "\nc_next[2] =\n", c_next.data[2])
    agree(c_next.data, c5.lstm_cell_forward(xt, a_prev, c_prev, p)[1])

    print("== lstm_forward")
    np.random.seed(1)
    x, a0 = np.random.randn(3, 10, 7), np.random.randn(5, 10)
    p = lstm_params()
    lstm = nn.LSTM(3, 5)
    load(lstm.cell, p, LSTM_KEYS)
    a, _ = lstm(x, (a0, np.zeros((5, 10))))
    print("a[4][3][6] =", a.data[4][3][6], "\na.shape =", a.shape)
    agree(a.data, c5.lstm_forward(x, a0, p)[0])

    print("== rnn_cell_backward")
    np.random.seed(1)
    xt, a_prev = np.random.randn(3, 10), np.random.randn(5, 10)
    p = rnn_params(("Wax", "Waa", "Wya", "ba", "by"))
    cell = nn.RNNCell(3, 5)
    load(cell, p, ("Wax", "Waa", "ba"))
    xt_t, a_prev_t = Tensor(xt, requires_grad=True), Tensor(a_prev, requires_grad=True)
    a_next = cell(xt_t, a_prev_t)
    da_next = np.random.randn(5, 10)
    (a_next * da_next).sum().backward()
    print("gradients['dxt'][1][2] =", xt_t.grad[1][2], "\ngradients['da_prev'][2][3] =", a_prev_t.grad[2][3])
    print("gradients['dWax'][3][1] =", cell.Wax.grad[3][1], "\ngradients['dWaa'][1][2] =", cell.Waa.grad[1][2])
    print("gradients['dba'][4] =", cell.ba.grad[4])
    g = c5.rnn_cell_backward(da_next, c5.rnn_cell_forward(xt, a_prev, p)[2])
    agree(cell.Waa.grad, g["dWaa"])

    print("== rnn_backward")
    np.random.seed(1)
    x, a0 = np.random.randn(3, 10, 4), np.random.randn(5, 10)
    p = rnn_params(("Wax", "Waa", "Wya", "ba", "by"))
    rnn = nn.RNN(3, 5)
    load(rnn.cell, p, ("Wax", "Waa", "ba"))
    x_t, a0_t = Tensor(x, requires_grad=True), Tensor(a0, requires_grad=True)
    a, _ = rnn(x_t, a0_t)
    da = np.random.randn(5, 10, 4)
    (a * da).sum().backward()
    print("gradients['dx'][1][2] =", x_t.grad[1][2], "\ngradients['da0'][2][3] =", a0_t.grad[2][3])
    print("gradients['dWax'][3][1] =", rnn.cell.Wax.grad[3][1], "\ngradients['dba'][4] =", rnn.cell.ba.grad[4])
    g = c5.rnn_backward(da, c5.rnn_forward(x, a0, p)[2])
    agree(x_t.grad, g["dx"])

    print("== lstm_cell_backward")
    np.random.seed(1)
    xt, a_prev, c_prev = np.random.randn(3, 10), np.random.randn(5, 10), np.random.randn(5, 10)
    p = lstm_params()
    cell = nn.LSTMCell(3, 5)
    load(cell, p, LSTM_KEYS)
    ts = [Tensor(v, requires_grad=True) for v in (xt, a_prev, c_prev)]
    a_next, c_next = cell(ts[0], (ts[1], ts[2]))
    da_next, dc_next = np.random.randn(5, 10), np.random.randn(5, 10)
    ((a_next * da_next).sum() + (c_next * dc_next).sum()).backward()
    print("gradients['dxt'][1][2] =", ts[0].grad[1][2], "\ngradients['dc_prev'][2][3] =", ts[2].grad[2][3])
    print("gradients['dWf'][3][1] =", cell.Wf.grad[3][1], "\ngradients['dbo'][4] =", cell.bo.grad[4])
    g = c5.lstm_cell_backward(da_next, dc_next, c5.lstm_cell_forward(xt, a_prev, c_prev, p)[3])
    agree(ts[2].grad, g["dc_prev"])

    print("== lstm_backward (x has 7 steps, da covers the first 4)")
    np.random.seed(1)
    x, a0 = np.random.randn(3, 10, 7), np.random.randn(5, 10)
    p = lstm_params(with_output=False)
    lstm = nn.LSTM(3, 5)
    load(lstm.cell, p, LSTM_KEYS)
    x_t, a0_t = Tensor(x, requires_grad=True), Tensor(a0, requires_grad=True)
    a, _ = lstm(x_t, (a0_t, np.zeros((5, 10))))
    da = np.random.randn(5, 10, 4)
    (a[:, :, :4] * da).sum().backward()
    print("gradients['dx'][1][2] =", x_t.grad[1][2][:4], "\ngradients['da0'][2][3] =", a0_t.grad[2][3])
    print("gradients['dWf'][3][1] =", lstm.cell.Wf.grad[3][1], "\ngradients['dbi'][4] =", lstm.cell.bi.grad[4])
    g = c5.lstm_backward(da, c5.lstm_forward(x, a0, p)[3])
    agree(lstm.cell.Wf.grad, g["dWf"])


if __name__ == "__main__":
    run(main)
