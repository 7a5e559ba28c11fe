"""Layers (tinygrad_ng.layers, tinygrad_ng.recurrent), train/eval, L2 and gradient clipping: the
engine against the course's hand-derived passes (tinygrad_ng.course.c2, c5) and finite differences."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_ng as tg
from tinygrad_ng import Tensor, nn, optim
from tinygrad_ng.course import c2, c5


def close(got: np.ndarray, expected: np.ndarray) -> None:
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------- recurrent
@settings(max_examples=15, deadline=None)
@given(T=st.integers(1, 5), m=st.integers(1, 4), seed=st.integers(0, 2**16), batch_first=st.booleans())
def test_rnn_equals_the_course_rnn_forward_and_backward(T: int, m: int, seed: int, batch_first: bool) -> None:
    rng = np.random.RandomState(seed)
    rnn = nn.RNN(3, 4, batch_first=batch_first, seed=seed)
    rnn.cell.ba.data = rng.randn(4, 1)
    p = {"Wax": rnn.cell.Wax.data, "Waa": rnn.cell.Waa.data, "ba": rnn.cell.ba.data}
    p |= {"Wya": np.zeros((1, 4)), "by": np.zeros((1, 1))}
    x, a0, da = rng.randn(3, m, T), rng.randn(4, m), rng.randn(4, m, T)
    a, _, caches = c5.rnn_forward(x, a0, p)
    g = c5.rnn_backward(da, caches)

    xt = Tensor(x.transpose(1, 2, 0) if batch_first else x, requires_grad=True)
    a0t = Tensor(a0, requires_grad=True)
    out, last = rnn(xt, a0t)
    out_course = out.data.transpose(2, 0, 1) if batch_first else out.data
    close(out_course, a)
    close(last.data, a[:, :, -1])
    (out * (da.transpose(1, 2, 0) if batch_first else da)).sum().backward()
    close(xt.grad.transpose(2, 0, 1) if batch_first else xt.grad, g["dx"])
    close(a0t.grad, g["da0"])
    for k in ("Wax", "Waa", "ba"):
        close(getattr(rnn.cell, k).grad, g[f"d{k}"])


@settings(max_examples=15, deadline=None)
@given(T=st.integers(1, 5), T_da=st.integers(1, 5), m=st.integers(1, 3), seed=st.integers(0, 2**16))
def test_lstm_equals_the_course_lstm_forward_and_backward(T: int, T_da: int, m: int, seed: int) -> None:
    """As in the course's test, ``da`` may cover fewer steps than ``x``: later steps get no gradient."""
    T_da = min(T, T_da)
    rng = np.random.RandomState(seed)
    lstm = nn.LSTM(3, 5, seed=seed)
    p = {}
    for gate in "fioc":
        getattr(lstm.cell, f"b{gate}").data = rng.randn(5, 1)
        p[f"W{gate}"], p[f"b{gate}"] = getattr(lstm.cell, f"W{gate}").data, getattr(lstm.cell, f"b{gate}").data
    p |= {"Wy": np.zeros((2, 5)), "by": np.zeros((2, 1))}
    x, a0, da = rng.randn(3, m, T), rng.randn(5, m), rng.randn(5, m, T_da)
    a, _, c, caches = c5.lstm_forward(x, a0, p)
    g = c5.lstm_backward(da, caches)

    xt, a0t = Tensor(x, requires_grad=True), Tensor(a0, requires_grad=True)
    out, (a_last, c_last) = lstm(xt, (a0t, np.zeros((5, m))))
    close(a_last.data, a[:, :, -1])
    close(out.data, a)
    close(c_last.data, c[:, :, -1])
    (out[:, :, :T_da] * da).sum().backward()
    close(xt.grad[:, :, :T_da], g["dx"])
    np.testing.assert_array_equal(xt.grad[:, :, T_da:], 0)
    close(a0t.grad, g["da0"])
    for k in ("Wf", "bf", "Wi", "bi", "Wc", "bc", "Wo", "bo"):
        close(getattr(lstm.cell, k).grad, g[f"d{k}"])


def test_lstm_cell_equals_the_course_cell_with_dc_next() -> None:
    rng = np.random.RandomState(7)
    cell = nn.LSTMCell(3, 5, seed=2)
    p = {k: getattr(cell, k).data for k in ("Wf", "bf", "Wi", "bi", "Wo", "bo", "Wc", "bc")}
    p |= {"Wy": np.zeros((2, 5)), "by": np.zeros((2, 1))}
    xt, a_prev, c_prev, da, dc = (rng.randn(*s) for s in ((3, 10), (5, 10), (5, 10), (5, 10), (5, 10)))
    *_, cache = c5.lstm_cell_forward(xt, a_prev, c_prev, p)
    g = c5.lstm_cell_backward(da, dc, cache)
    ts = [Tensor(v, requires_grad=True) for v in (xt, a_prev, c_prev)]
    a, c = cell(ts[0], (ts[1], ts[2]))
    ((a * da).sum() + (c * dc).sum()).backward()
    for t, k in zip(ts, ("dxt", "da_prev", "dc_prev")):
        close(t.grad, g[k])


def test_gru_cell_gradients_match_finite_differences() -> None:
    cell = nn.GRUCell(2, 3, seed=4)
    rng = np.random.RandomState(4)
    x, c0 = Tensor(rng.randn(2, 4), requires_grad=True), Tensor(rng.randn(3, 4), requires_grad=True)
    tg.gradcheck(lambda x, c: cell(x, c) * 1.0, [x, c0])
    gru = nn.GRU(2, 3, batch_first=True, seed=5)
    tg.gradcheck(lambda x: gru(x)[0] * 1.0, [Tensor(rng.randn(4, 3, 2), requires_grad=True)])


def test_char_lm_step_equals_the_course_optimize() -> None:
    """The course's one-name training step (forward, summed loss, backward, clip, update) in the engine."""
    np.random.seed(1)
    a_prev = np.random.randn(100, 1)
    p = {
        "Wax": np.random.randn(100, 27), "Waa": np.random.randn(100, 100), "Wya": np.random.randn(27, 100),
        "b": np.random.randn(100, 1), "by": np.random.randn(27, 1),
    }  # fmt: skip
    X, Y = [12, 3, 5, 11, 22, 3], [4, 14, 11, 22, 25, 26]
    cell, head = nn.RNNCell(27, 100), nn.Linear(100, 27)
    cell.Wax.data, cell.Waa.data, cell.ba.data = p["Wax"].copy(), p["Waa"].copy(), p["b"].copy()
    head.W.data, head.b.data = p["Wya"].copy(), p["by"].copy()
    loss_course, grads, a_last = c5.optimize(X, Y, a_prev, {k: v.copy() for k, v in p.items()}, 0.01)

    a = Tensor(a_prev)
    loss = Tensor(0.0)
    for x_idx, y_idx in zip(X, Y):
        x = np.zeros((27, 1))
        x[x_idx] = 1
        a = cell(x, a)
        loss = loss + tg.cross_entropy(head(a), [y_idx], axis=0, reduction="sum")
    loss.backward()
    params = [cell.Wax, cell.Waa, cell.ba, head.W, head.b]
    optim.clip_grad_value_(params, 5)
    assert loss.item() == pytest.approx(loss_course, rel=1e-12)
    for t, k in zip(params, ("dWax", "dWaa", "db", "dWya", "dby")):
        np.testing.assert_allclose(t.grad, grads[k], rtol=1e-10, atol=1e-12)
    close(a.data, a_last)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: nn.RNN(3, 5)(np.zeros((3, 2, 0))), "length 0"),
        (lambda: nn.RNN(3, 5)(np.zeros((4, 2, 3))), "n_x = 3"),
        (lambda: nn.RNN(3, 5)(np.zeros((3, 2, 3)), np.zeros((5, 3))), r"\(n_a, m\) = \(5, 2\), got shape \(5, 3\)"),
        (lambda: nn.LSTM(3, 5)(np.zeros((3, 2, 3)), (np.zeros((5, 2)), np.zeros((4, 2)))), "cell state c_prev"),
        (lambda: nn.LSTMCell(3, 5)(np.zeros((3, 2)), np.zeros((5, 2))), "pair"),
        (lambda: nn.GRUCell(3, 5)(np.zeros((2, 2))), "n_x = 3"),
    ],
)
def test_recurrent_bad_input_is_named(call, match) -> None:
    with pytest.raises(tg.ShapeError, match=match):
        call()


# --------------------------------------------------------------------------- dropout, L2, clipping
def test_dropout_reproduces_the_course_masks_and_is_identity_in_eval() -> None:
    np.random.seed(1)
    X = np.random.randn(3, 5)
    shapes = [("W1", (2, 3)), ("b1", (2, 1)), ("W2", (3, 2)), ("b2", (3, 1)), ("W3", (1, 3)), ("b3", (1, 1))]
    p = {k: np.random.randn(*s) for k, s in shapes}
    A3, cache = c2.forward_propagation_with_dropout(X, p, keep_prob=0.7)

    model = nn.Sequential(
        nn.Linear(3, 2, "relu"),
        nn.Dropout(0.7, seed=1),
        nn.Linear(2, 3, "relu"),
        nn.Dropout(0.7, seed=1),
        nn.Linear(3, 1, "sigmoid"),
    )
    model[3]._rng = model[1]._rng  # one generator for both masks, drawn D1 then D2, as the course does
    for i, k in ((0, 1), (2, 2), (4, 3)):
        model[i].W.data, model[i].b.data = p[f"W{k}"], p[f"b{k}"]
    out = model(X)
    close(out.data, A3)
    np.testing.assert_array_equal(model[1].last_mask, cache[1])
    np.testing.assert_array_equal(model[3].last_mask, cache[6])
    model.eval()
    close(model(X).data, c2.forward_propagation(X, p)[0])


def test_dropout_backward_equals_the_course() -> None:
    rng = np.random.RandomState(3)
    X, Y = rng.randn(3, 6), (rng.rand(1, 6) > 0.5).astype(float)
    shapes = [("W1", (4, 3)), ("b1", (4, 1)), ("W2", (3, 4)), ("b2", (3, 1)), ("W3", (1, 3)), ("b3", (1, 1))]
    p = {k: rng.randn(*s) for k, s in shapes}
    _, cache = c2.forward_propagation_with_dropout(X, p, keep_prob=0.8)
    grads = c2.backward_propagation_with_dropout(X, Y, cache, 0.8)
    shared = np.random.RandomState(1)
    model = nn.Sequential(
        nn.Linear(3, 4, "relu"), nn.Dropout(0.8, seed=shared), nn.Linear(4, 3, "relu"), nn.Dropout(0.8, seed=shared),
        nn.Linear(3, 1),
    )  # fmt: skip
    for i, k in ((0, 1), (2, 2), (4, 3)):
        model[i].W.data, model[i].b.data = p[f"W{k}"], p[f"b{k}"]
    tg.binary_cross_entropy_with_logits(model(X), Y).backward()
    for i, k in ((0, 1), (2, 2), (4, 3)):
        close(model[i].W.grad, grads[f"dW{k}"])
        close(model[i].b.grad, grads[f"db{k}"])


@pytest.mark.parametrize("keep_prob", [0, -0.1, 1.5, float("nan")])
def test_dropout_rejects_keep_prob_outside_0_1(keep_prob: float) -> None:
    with pytest.raises(tg.ArgumentError, match=r"keep_prob must be in \(0, 1\]"):
        nn.Dropout(keep_prob)


def test_dropout_keeps_the_expected_fraction_and_scales() -> None:
    drop = nn.Dropout(0.75, seed=0)
    y = drop(np.ones((200, 200))).data
    assert set(np.unique(y)) == {0.0, 1 / 0.75}
    assert abs((y > 0).mean() - 0.75) < 0.01
    assert nn.Dropout(1.0)(np.ones(3)).data.tolist() == [1, 1, 1]


def test_l2_penalty_and_weight_decay_give_the_course_l2_gradient() -> None:
    rng = np.random.RandomState(0)
    X, Y = rng.randn(2, 7), (rng.rand(1, 7) > 0.5).astype(float)
    model = nn.MLP([2, 4, 3, 1], seed=3)
    p = {k: v.copy() for k, v in model.state_dict().items()}
    _, cache = c2.forward_propagation(X, p)
    grads = c2.backward_propagation_with_regularization(X, Y, cache, 0.7)
    weights = [model.W1, model.W2, model.W3]
    cost = tg.binary_cross_entropy(model(X), Y) + nn.l2_penalty(weights, 0.7, 7)
    assert cost.item() == pytest.approx(c2.compute_cost_with_regularization(model(X).data, Y, p, 0.7), rel=1e-12)
    cost.backward()
    for k, w in enumerate(weights, 1):
        close(w.grad, grads[f"dW{k}"])

    model.zero_grad()
    tg.binary_cross_entropy(model(X), Y).backward()
    optim.SGD(weights, lr=0.3, weight_decay=0.7 / 7).step()
    for k, w in enumerate(weights, 1):
        close(w.data, p[f"W{k}"] - 0.3 * grads[f"dW{k}"])


def test_clipping() -> None:
    np.random.seed(3)
    g = {
        k: np.random.randn(*s) * 10
        for k, s in (("dWax", (5, 3)), ("dWaa", (5, 5)), ("dWya", (2, 5)), ("db", (5, 1)), ("dby", (2, 1)))
    }
    ts = [Tensor(np.zeros_like(v), requires_grad=True) for v in g.values()]
    for t, v in zip(ts, g.values()):
        t.grad = v.copy()
    optim.clip_grad_value_(ts, 5)
    for t, v in zip(ts, c5.clip(g, 5).values()):
        np.testing.assert_array_equal(t.grad, v)
    for t, v in zip(ts, g.values()):
        t.grad = v.copy()
    total = optim.clip_grad_norm_(ts, 1.0)
    assert total == pytest.approx(np.sqrt(sum((v**2).sum() for v in g.values())))
    assert np.sqrt(sum((t.grad**2).sum() for t in ts)) == pytest.approx(1.0, rel=1e-5)
    with pytest.raises(tg.ArgumentError):
        optim.clip_grad_norm_(ts, 0)


# --------------------------------------------------------------------------- normalisation, embedding, conv layers
@settings(max_examples=20, deadline=None)
@given(n=st.integers(1, 4), m=st.integers(2, 6), seed=st.integers(0, 2**16))
def test_batchnorm1d_equals_the_derived_backward(n: int, m: int, seed: int) -> None:
    rng = np.random.RandomState(seed)
    Z, gamma, beta, R = rng.randn(n, m), rng.randn(n, 1), rng.randn(n, 1), rng.randn(n, m)
    out, cache = c2.batchnorm_forward(Z, gamma, beta, 1e-5)
    dZ, dgamma, dbeta = c2.batchnorm_backward(R, cache)
    bn = nn.BatchNorm1d(n)
    bn.gamma.data, bn.beta.data = gamma.copy(), beta.copy()
    Zt = Tensor(Z, requires_grad=True)
    y = bn(Zt)
    (y * R).sum().backward()
    np.testing.assert_allclose(y.data, out, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(Zt.grad, dZ, rtol=1e-8, atol=1e-9)
    np.testing.assert_allclose(bn.gamma.grad, dgamma, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(bn.beta.grad, dbeta, rtol=1e-12, atol=1e-12)


def test_batchnorm_running_statistics_in_eval() -> None:
    bn = nn.BatchNorm2d(2, momentum=0.5, layout="NHWC")
    x = np.random.RandomState(0).randn(3, 4, 4, 2) * 2 + 1
    bn(x)
    np.testing.assert_allclose(bn.running_mean.ravel(), 0.5 * x.mean(axis=(0, 1, 2)))
    np.testing.assert_allclose(bn.running_var.ravel(), 0.5 + 0.5 * x.var(axis=(0, 1, 2), ddof=1))
    bn.eval()
    y = bn(x).data
    np.testing.assert_allclose(y, (x - bn.running_mean) / np.sqrt(bn.running_var + 1e-5))
    with pytest.raises(tg.ShapeError, match="expected 2 features on axis 3"):
        bn(np.zeros((1, 4, 4, 3)))
    with pytest.raises(tg.ShapeError, match="more than one value"):
        nn.BatchNorm1d(3)(np.zeros((3, 1)))


def test_layernorm_normalises_each_example() -> None:
    x = np.random.RandomState(1).randn(4, 6)
    y = nn.LayerNorm(4)(x).data
    np.testing.assert_allclose(y, (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-5))
    y = nn.LayerNorm(6, axis=-1)(x).data
    np.testing.assert_allclose(y.mean(axis=1), 0, atol=1e-12)
    tg.gradcheck(lambda x: nn.LayerNorm(4)(x) * np.arange(24).reshape(4, 6), [Tensor(x, requires_grad=True)])


def test_embedding_gathers_rows_and_accumulates_gradients() -> None:
    emb = nn.Embedding(5, 3, seed=0)
    y = emb(np.array([[1, 2], [1, 4]]))
    assert y.shape == (2, 2, 3)
    y.sum().backward()
    np.testing.assert_array_equal(emb.W.grad[:, 0], [0, 2, 1, 0, 1])
    with pytest.raises(tg.ShapeError, match=r"\[0, 5\)"):
        emb(np.array([5]))
    with pytest.raises(tg.ArgumentError, match="integers"):
        emb(np.array([1.0]))


def test_conv_layers_and_modes() -> None:
    layer = nn.Conv2d(3, 8, 3, padding=1, seed=0)
    assert layer.W.shape == (8, 3, 3, 3) and layer.b.shape == (8,)
    assert np.std(layer.W.data) == pytest.approx(np.sqrt(2 / 27), rel=0.3)
    with pytest.raises(tg.ShapeError, match="4 channels, the weights expect 3"):
        layer(np.zeros((1, 4, 5, 5)))
    with pytest.raises(tg.ArgumentError, match="stride"):
        nn.Conv2d(3, 8, 3, stride=0)
    with pytest.raises(tg.ShapeError, match="larger than the padded input"):
        nn.Conv2d(1, 1, 5)(np.zeros((1, 1, 3, 3)))
    model = nn.Sequential(nn.Conv2d(1, 2, 3, seed=0), nn.BatchNorm2d(2), nn.Dropout(0.5, seed=0), nn.Flatten())
    assert model.eval() is model and not model[1].training and not model[2].training
    x = np.random.RandomState(0).randn(2, 1, 4, 4)
    np.testing.assert_array_equal(model(x).data, model(x).data)  # deterministic in eval
    model.train()
    assert model[2].training
