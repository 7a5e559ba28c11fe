"""The later courses' hand-derived passes (tinygrad_ng.course.c2, c4, c5) against the course's
printed values and against finite differences of their own forward passes.

The printed values are the 2021+ notebooks' test cells, from the set-ups in the specialization's
notes (seeds and draw orders); they are compared at the printed precision.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_ng.course import c2, c4, c5


def numeric(f: Callable[[], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences of ``f()`` with respect to each entry of ``x`` (changed in place)."""
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        up = f()
        x[i] = old - eps
        down = f()
        x[i] = old
        g[i] = (up - down) / (2 * eps)
    return g


# --------------------------------------------------------------------------- course 4: printed values
def test_conv_single_step_prints_the_course_value() -> None:
    np.random.seed(1)
    a, W, b = np.random.randn(4, 4, 3), np.random.randn(4, 4, 3), np.random.randn(1, 1, 1)
    assert c4.conv_single_step(a, W, b) == pytest.approx(-6.99908945068, rel=1e-11)


def test_conv_forward_and_backward_print_the_course_values() -> None:
    np.random.seed(1)
    A_prev, W, b = np.random.randn(2, 5, 7, 4), np.random.randn(3, 3, 4, 8), np.random.randn(1, 1, 1, 8)
    Z, cache = c4.conv_forward(A_prev, W, b, {"pad": 1, "stride": 2})
    assert Z.shape == (2, 3, 4, 8)
    assert Z.mean() == pytest.approx(0.5511276474566768, rel=1e-12)
    expected = [-2.17796037, 8.07171329, -0.5772704, 3.36286738, 4.48113645, -2.89198428, 10.99288867, 3.03171932]
    np.testing.assert_allclose(Z[0, 2, 1], expected, atol=5e-9)
    np.testing.assert_allclose(cache[0][1][2][3], [-1.1191154, 1.9560789, -0.3264995, -1.34267579], atol=5e-9)

    np.random.seed(1)
    A_prev, W, b = np.random.randn(10, 4, 4, 3), np.random.randn(2, 2, 3, 8), np.random.randn(1, 1, 1, 8)
    Z, cache = c4.conv_forward(A_prev, W, b, {"pad": 2, "stride": 2})
    dA, dW, db = c4.conv_backward(Z, cache)
    assert dA.mean() == pytest.approx(1.4524377775388075, rel=1e-12)
    assert dW.mean() == pytest.approx(1.7269914583139097, rel=1e-12)
    assert db.mean() == pytest.approx(7.839232564616838, rel=1e-12)


def test_pool_backward_prints_the_course_values() -> None:
    np.random.seed(1)
    A_prev = np.random.randn(5, 5, 3, 2)
    _, cache = c4.pool_forward(A_prev, {"stride": 1, "f": 2})
    dA = np.random.randn(5, 4, 2, 2)
    dmax, davg = c4.pool_backward(dA, cache, "max"), c4.pool_backward(dA, cache, "average")
    np.testing.assert_allclose(dmax[1, 1], [[0, 0], [5.05844394, -1.68282702], [0, 0]], atol=5e-9)
    np.testing.assert_allclose(
        davg[1, 1], [[0.08485462, 0.2787552], [1.26461098, -0.25749373], [1.17975636, -0.53624893]], atol=5e-9
    )


def test_conv_backward_removes_no_border_when_pad_is_zero() -> None:
    """The notebook's hint ``[pad:-pad]`` is empty at pad 0; the oracle slices ``p : p + n``."""
    A_prev, W = np.ones((1, 3, 3, 1)), np.ones((2, 2, 1, 1))
    Z, cache = c4.conv_forward(A_prev, W, np.zeros((1, 1, 1, 1)), {"pad": 0, "stride": 1})
    dA, _, _ = c4.conv_backward(np.ones_like(Z), cache)
    np.testing.assert_array_equal(dA[0, :, :, 0], [[1, 2, 1], [2, 4, 2], [1, 2, 1]])


def test_pool_mode_is_checked() -> None:
    with pytest.raises(ValueError, match="'max' or 'average'"):
        c4.pool_forward(np.zeros((1, 2, 2, 1)), {"f": 2, "stride": 1}, mode="avg")


# --------------------------------------------------------------------------- course 4: finite differences
@settings(max_examples=15, deadline=None)
@given(
    m=st.integers(1, 2),
    n=st.integers(3, 5),
    f=st.integers(1, 3),
    s=st.integers(1, 2),
    p=st.integers(0, 2),
    cin=st.integers(1, 2),
    cout=st.integers(1, 2),
    seed=st.integers(0, 2**16),
)
def test_conv_backward_is_the_gradient_of_conv_forward(m, n, f, s, p, cin, cout, seed) -> None:
    rng = np.random.RandomState(seed)
    A, W, b = rng.randn(m, n, n + 1, cin), rng.randn(f, f, cin, cout), rng.randn(1, 1, 1, cout)
    hp = {"stride": s, "pad": p}
    Z, cache = c4.conv_forward(A, W, b, hp)
    R = rng.randn(*Z.shape)
    dA, dW, db = c4.conv_backward(R, cache)

    def loss() -> float:
        return float(np.sum(c4.conv_forward(A, W, b, hp)[0] * R))

    for x, g in ((A, dA), (W, dW), (b, db)):
        np.testing.assert_allclose(g, numeric(loss, x), rtol=1e-6, atol=1e-7)


@settings(max_examples=15, deadline=None)
@given(n=st.integers(2, 5), f=st.integers(1, 3), s=st.integers(1, 3), mode=st.sampled_from(["max", "average"]))
def test_pool_backward_is_the_gradient_of_pool_forward(n, f, s, mode) -> None:
    rng = np.random.RandomState(n * 100 + f * 10 + s)
    f = min(f, n)
    A = rng.permutation(2 * n * n * 2).reshape(2, n, n, 2)[:, :, :, :] * 0.1  # distinct: no ties
    A = A[:1].astype(np.float64)
    hp = {"f": f, "stride": s}
    out, cache = c4.pool_forward(A, hp, mode)
    R = rng.randn(*out.shape)
    dA = c4.pool_backward(R, cache, mode)
    np.testing.assert_allclose(dA, numeric(lambda: float(np.sum(c4.pool_forward(A, hp, mode)[0] * R)), A), atol=1e-7)


# --------------------------------------------------------------------------- course 2
def _reg_params() -> dict[str, np.ndarray]:
    shapes = [("W1", (2, 3)), ("b1", (2, 1)), ("W2", (3, 2)), ("b2", (3, 1)), ("W3", (1, 3)), ("b3", (1, 1))]
    return {k: np.random.randn(*s) for k, s in shapes}


def test_regularisation_and_dropout_print_the_course_values() -> None:
    np.random.seed(1)
    p = _reg_params()
    Y = np.array([[1, 1, 0, 1, 0]])
    A3 = np.array([[0.40682402, 0.01629284, 0.16722898, 0.10118111, 0.40682402]])
    assert c2.compute_cost_with_regularization(A3, Y, p, 0.1) == pytest.approx(1.78648594516, rel=1e-11)

    np.random.seed(1)
    X = np.random.randn(3, 5)
    p = _reg_params()
    A3, _cache = c2.forward_propagation_with_dropout(X, p, keep_prob=0.7)
    np.testing.assert_allclose(A3, [[0.36974721, 0.00305176, 0.04565099, 0.49683389, 0.36974721]], atol=5e-9)


@pytest.mark.parametrize("lambd", [0.0, 0.7])
def test_l2_backward_is_the_gradient_of_the_l2_cost(lambd: float) -> None:
    rng = np.random.RandomState(0)
    X, Y = rng.randn(3, 6), (rng.rand(1, 6) > 0.5).astype(float)
    np.random.seed(4)
    p = _reg_params()
    grads = c2.backward_propagation_with_regularization(X, Y, c2.forward_propagation(X, p)[1], lambd)

    def cost() -> float:
        return c2.compute_cost_with_regularization(c2.forward_propagation(X, p)[0], Y, p, lambd)

    for k in p:
        np.testing.assert_allclose(grads[f"d{k}"], numeric(cost, p[k]), rtol=1e-6, atol=1e-8, err_msg=k)


def test_dropout_backward_is_the_gradient_with_the_masks_fixed() -> None:
    """The forward reseeds itself, so the masks are the same at every evaluation."""
    rng = np.random.RandomState(1)
    X, Y = rng.randn(3, 6), (rng.rand(1, 6) > 0.5).astype(float)
    np.random.seed(5)
    p = _reg_params()
    grads = c2.backward_propagation_with_dropout(X, Y, c2.forward_propagation_with_dropout(X, p, 0.8)[1], 0.8)

    def cost() -> float:
        return c2.compute_cost(c2.forward_propagation_with_dropout(X, p, 0.8)[0], Y)

    for k in p:
        np.testing.assert_allclose(grads[f"d{k}"], numeric(cost, p[k]), rtol=1e-6, atol=1e-8, err_msg=k)


@settings(max_examples=20, deadline=None)
@given(n=st.integers(1, 4), m=st.integers(2, 6), seed=st.integers(0, 2**16))
def test_batchnorm_backward_is_the_gradient_of_batchnorm_forward(n: int, m: int, seed: int) -> None:
    rng = np.random.RandomState(seed)
    Z, gamma, beta, R = rng.randn(n, m), rng.randn(n, 1), rng.randn(n, 1), rng.randn(n, m)
    dZ, dgamma, dbeta = c2.batchnorm_backward(R, c2.batchnorm_forward(Z, gamma, beta, 1e-3)[1])

    def loss() -> float:
        return float(np.sum(c2.batchnorm_forward(Z, gamma, beta, 1e-3)[0] * R))

    for x, g in ((Z, dZ), (gamma, dgamma), (beta, dbeta)):
        np.testing.assert_allclose(g, numeric(loss, x), rtol=1e-5, atol=1e-7)


# --------------------------------------------------------------------------- course 5
def _rnn_params(rng: np.random.RandomState, n_x: int, n_a: int, n_y: int) -> dict[str, np.ndarray]:
    shapes = {"Waa": (n_a, n_a), "Wax": (n_a, n_x), "Wya": (n_y, n_a), "ba": (n_a, 1), "by": (n_y, 1)}
    return {k: rng.randn(*s) for k, s in shapes.items()}


def _lstm_params(rng: np.random.RandomState, n_x: int, n_a: int, n_y: int) -> dict[str, np.ndarray]:
    p = {}
    for g in "fioc":
        p[f"W{g}"], p[f"b{g}"] = rng.randn(n_a, n_a + n_x), rng.randn(n_a, 1)
    p["Wy"], p["by"] = rng.randn(n_y, n_a), rng.randn(n_y, 1)
    return p


def test_rnn_cell_forward_prints_the_course_values() -> None:
    np.random.seed(1)
    xt, a_prev = np.random.randn(3, 10), np.random.randn(5, 10)
    p = _rnn_params(np.random, 3, 5, 2)  # Waa, Wax, Wya, ba, by: the test cell's draw order
    a_next, yt, _ = c5.rnn_cell_forward(xt, a_prev, p)
    np.testing.assert_allclose(
        a_next[4],
        [
            0.59584544,
            0.18141802,
            0.61311866,
            0.99808218,
            0.85016201,
            0.99980978,
            -0.18887155,
            0.99815551,
            0.6531151,
            0.82872037,
        ],
        atol=5e-9,
    )
    np.testing.assert_allclose(
        yt[1],
        [
            0.9888161,
            0.01682021,
            0.21140899,
            0.36817467,
            0.98988387,
            0.88945212,
            0.36920224,
            0.9966312,
            0.9982559,
            0.17746526,
        ],
        atol=5e-9,
    )


@settings(max_examples=10, deadline=None)
@given(T=st.integers(1, 4), m=st.integers(1, 3), seed=st.integers(0, 2**16))
def test_rnn_backward_is_the_gradient_of_rnn_forward(T: int, m: int, seed: int) -> None:
    rng = np.random.RandomState(seed)
    x, a0, p = rng.randn(2, m, T), rng.randn(3, m), _rnn_params(rng, 2, 3, 2)
    R = rng.randn(3, m, T)
    g = c5.rnn_backward(R, c5.rnn_forward(x, a0, p)[2])

    def loss() -> float:
        return float(np.sum(c5.rnn_forward(x, a0, p)[0] * R))

    for arr, key in ((x, "dx"), (a0, "da0"), (p["Wax"], "dWax"), (p["Waa"], "dWaa"), (p["ba"], "dba")):
        np.testing.assert_allclose(g[key], numeric(loss, arr), rtol=1e-6, atol=1e-8, err_msg=key)


@settings(max_examples=10, deadline=None)
@given(T=st.integers(1, 4), m=st.integers(1, 3), seed=st.integers(0, 2**16))
def test_lstm_backward_is_the_gradient_of_lstm_forward(T: int, m: int, seed: int) -> None:
    rng = np.random.RandomState(seed)
    x, a0, p = rng.randn(2, m, T), rng.randn(3, m), _lstm_params(rng, 2, 3, 2)
    R = rng.randn(3, m, T)
    g = c5.lstm_backward(R, c5.lstm_forward(x, a0, p)[3])

    def loss() -> float:
        return float(np.sum(c5.lstm_forward(x, a0, p)[0] * R))

    pairs = [(x, "dx"), (a0, "da0")] + [(p[f"{k}{gate}"], f"d{k}{gate}") for gate in "fioc" for k in ("W", "b")]
    for arr, key in pairs:
        np.testing.assert_allclose(g[key], numeric(loss, arr), rtol=1e-6, atol=1e-8, err_msg=key)


def test_lstm_cell_backward_carries_dc_next() -> None:
    rng = np.random.RandomState(3)
    xt, a_prev, c_prev, p = rng.randn(2, 3), rng.randn(4, 3), rng.randn(4, 3), _lstm_params(rng, 2, 4, 2)
    Ra, Rc = rng.randn(4, 3), rng.randn(4, 3)
    g = c5.lstm_cell_backward(Ra, Rc, c5.lstm_cell_forward(xt, a_prev, c_prev, p)[3])

    def loss() -> float:
        a, c, _, _ = c5.lstm_cell_forward(xt, a_prev, c_prev, p)
        return float(np.sum(a * Ra) + np.sum(c * Rc))

    for arr, key in ((xt, "dxt"), (a_prev, "da_prev"), (c_prev, "dc_prev"), (p["Wo"], "dWo")):
        np.testing.assert_allclose(g[key], numeric(loss, arr), rtol=1e-6, atol=1e-8, err_msg=key)


def test_char_lm_step_is_the_gradient_of_its_summed_loss() -> None:
    """optimize's gradients (before clipping; small weights keep them inside ±5) are the loss's."""
    np.random.seed(2)
    p = {"Wax": np.random.randn(4, 27) * 0.1, "Waa": np.random.randn(4, 4) * 0.1, "Wya": np.random.randn(27, 4) * 0.1,
         "b": np.random.randn(4, 1) * 0.1, "by": np.random.randn(27, 1) * 0.1}  # fmt: skip
    X, Y, a0 = [None, 3, 5, 7], [3, 5, 7, 0], np.random.randn(4, 1)
    before = {k: v.copy() for k, v in p.items()}

    def loss() -> float:
        return c5._rnn_forward_lm(X, Y, a0, p)[0]

    expected = {k: numeric(loss, p[k]) for k in p}
    _, grads, _ = c5.optimize(X, Y, a0, p, learning_rate=0.01)
    for k in p:
        np.testing.assert_allclose(grads[f"d{k}"], expected[k], rtol=1e-6, atol=1e-8, err_msg=k)
        np.testing.assert_allclose(p[k], before[k] - 0.01 * grads[f"d{k}"], rtol=1e-15)


def test_clip_is_elementwise_and_leaves_the_callers_arrays() -> None:
    g = {k: np.array([[-12.0, 3.0, 7.0]]) for k in ("dWaa", "dWax", "dWya", "db", "dby")}
    out = c5.clip(g, 5)
    np.testing.assert_array_equal(out["dWaa"], [[-5, 3, 5]])
    np.testing.assert_array_equal(g["dWaa"], [[-12, 3, 7]])
