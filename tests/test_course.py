"""The course's hand-derived gradients as oracles for autograd, and the course's published values.

The property tests draw networks (layer sizes, the number of samples, parameters, data and
labels) and require tinygrad_ng's gradients of the mean cross-entropy, for every W and b, to equal
the formulas of :mod:`tinygrad_ng.course` to 1e-10 relative (relative to the gradient, or to
the size of the terms it sums where they cancel; see :func:`assert_same`). Each property test checks one random
network per Hypothesis example: 25 per test with the default ``fast`` profile, 500 with
``thorough``.

Parameters are drawn in [-1, 1] and each ``W_l`` is divided by its fan-in ``n_{l-1}``, with data in
[-3, 3] and biases in [-1, 1]: then ``|Z_l| <= 3 + l`` in every layer, so the sigmoid output
never rounds to exactly 0 or 1. (There the course's ``dZ = A - Y`` and a clipped cross-entropy
part ways: the course's cost is infinite, tinygrad_ng's is finite with a zero gradient.)
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_ng as tg
from tinygrad_ng import course
from tinygrad_ng.testing import arrays

RTOL = 1e-10
UNDERFLOW = 1e-300


def assert_same(auto: np.ndarray, hand: np.ndarray, what: str, terms: np.ndarray | float = 0.0) -> None:
    """``auto`` equals ``hand`` to 1e-10 relative to the gradient or to the terms it sums.

    A gradient is a sum (``dW = (1/m) Σ dZ Aᵀ``); when its terms cancel, rounding is relative to
    the terms' size ``terms``, not to the (tiny) result: that is the scale used where it is larger.
    """
    auto, hand = np.asarray(auto, dtype=np.float64), np.asarray(hand, dtype=np.float64)
    assert auto.shape == hand.shape, f"{what}: shape {auto.shape} != {hand.shape}"
    # Below ~1e-300 products underflow into subnormals, whose relative precision is gone in any
    # implementation: there only an absolute floor makes sense.
    atol = np.maximum(RTOL * np.asarray(terms, dtype=np.float64), UNDERFLOW)
    bad = ~(np.abs(auto - hand) <= RTOL * np.abs(hand) + atol)
    assert not bad.any(), (
        f"{what}: autograd {auto[bad]} != course {hand[bad]} (scale {np.broadcast_to(atol, bad.shape)[bad] / RTOL})"
    )


def term_sizes(
    params: dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray, hidden: str = "relu"
) -> dict[str, np.ndarray]:
    """For each ``dW_l``, ``db_l``: the size of the terms the course's formulas sum.

    ``(1/m) |dZ_l| |A_{l-1}|ᵀ`` and ``(1/m) Σ |dZ_l|``, with ``|dZ|`` carried down through ``|W|``.
    """
    AL, caches = course.L_model_forward(X, params, hidden)
    m = X.shape[1]
    S = np.abs(AL - Y)
    sizes = {}
    for l in range(len(caches), 0, -1):  # noqa: E741 - the course's layer index
        A_prev, W, _, _ = caches[l - 1]
        sizes[f"dW{l}"] = S @ np.abs(A_prev).T / m
        sizes[f"db{l}"] = S.sum(axis=1, keepdims=True) / m
        if l > 1:
            Z = caches[l - 2][3]
            S = (np.abs(W).T @ S) * ((Z > 0) if hidden == "relu" else 1 - np.tanh(Z) ** 2)
    return sizes


# --------------------------------------------------------------------------- the models, by autograd
def autograd_model(
    params: dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray, hidden: str = "relu"
) -> tuple[float, dict[str, np.ndarray]]:
    """Cost and ``d<name>`` gradients of the L-layer model built from tinygrad_ng ops."""
    tensors = {k: tg.Tensor(v, requires_grad=True, name=k) for k, v in params.items()}
    L = len(params) // 2
    A = tg.Tensor(X)
    for l in range(1, L + 1):  # noqa: E741 - the course's layer index
        Z = tensors[f"W{l}"] @ A + tensors[f"b{l}"]
        if l == L:
            A = Z.sigmoid()
        else:
            A = Z.relu() if hidden == "relu" else Z.tanh()
    cost = tg.binary_cross_entropy(A, Y)
    cost.backward()
    return cost.item(), {f"d{k}": t.grad for k, t in tensors.items()}


# --------------------------------------------------------------------------- strategies
units = st.integers(1, 8)
samples = st.integers(1, 10)
layers = st.integers(1, 6)


@st.composite
def network(draw: st.DrawFn, n_layers: st.SearchStrategy[int] = layers) -> tuple:
    """``(layer_dims, params, X, Y)`` for a drawn network, scaled as the module docstring says."""
    L = draw(n_layers)
    dims = [draw(units) for _ in range(L)] + [1]
    m = draw(samples)
    params = {}
    for l in range(1, L + 1):  # noqa: E741
        params[f"W{l}"] = draw(arrays((dims[l], dims[l - 1]), elements=(-1.0, 1.0))) / dims[l - 1]
        params[f"b{l}"] = draw(arrays((dims[l], 1), elements=(-1.0, 1.0)))
    X = draw(arrays((dims[0], m), elements=(-3.0, 3.0)))
    Y = draw(arrays((1, m), elements=st.sampled_from([0.0, 1.0])))
    return dims, params, X, Y


# --------------------------------------------------------------------------- oracle property tests
@given(network(n_layers=st.just(1)))
def test_logistic_regression_gradients_equal_propagate(net: tuple) -> None:
    _, params, X, Y = net
    w, b = params["W1"].T, float(params["b1"][0, 0])  # the course's w is (n_x, 1), b a number
    grads, cost = course.propagate(w, b, X, Y)

    wt = tg.Tensor(w, requires_grad=True)
    bt = tg.Tensor(b, requires_grad=True)
    J = tg.binary_cross_entropy((wt.T @ tg.Tensor(X) + bt).sigmoid(), Y)
    J.backward()

    assert_same(J.item(), cost, "cost")
    sizes = term_sizes(params, X, Y)
    assert_same(wt.grad, grads["dw"], "dw", sizes["dW1"].T)
    assert_same(bt.grad, grads["db"], "db", sizes["db1"][0, 0])


@pytest.mark.parametrize("activation", ["tanh", "relu"])
@given(net=network(n_layers=st.just(2)))
def test_one_hidden_layer_gradients_equal_backward_propagation(activation: str, net: tuple) -> None:
    _, params, X, Y = net
    A2, cache = course.forward_propagation(X, params, activation)
    grads = course.backward_propagation(params, cache, X, Y, activation)

    cost, auto = autograd_model(params, X, Y, hidden=activation)

    assert_same(cost, course.compute_cost(A2, Y), "cost")
    sizes = term_sizes(params, X, Y, activation)
    for name in ("dW1", "db1", "dW2", "db2"):
        assert_same(auto[name], grads[name], f"{activation}: {name}", sizes[name])


@given(net=network(), learning_rate=st.floats(0.001, 1.0))
def test_L_layer_gradients_and_update_equal_L_model_backward(net: tuple, learning_rate: float) -> None:
    dims, params, X, Y = net
    AL, caches = course.L_model_forward(X, params)
    grads = course.L_model_backward(AL, Y, caches)

    cost, auto = autograd_model(params, X, Y)

    assert_same(cost, course.compute_cost(AL, Y), "cost")
    sizes = term_sizes(params, X, Y)
    for l in range(1, len(dims)):  # noqa: E741
        assert_same(auto[f"dW{l}"], grads[f"dW{l}"], f"dW{l} of {dims}", sizes[f"dW{l}"])
        assert_same(auto[f"db{l}"], grads[f"db{l}"], f"db{l} of {dims}", sizes[f"db{l}"])
    stepped = course.update_parameters(params, grads, learning_rate)
    for k, v in params.items():
        assert_same(v - learning_rate * auto[f"d{k}"], stepped[k], f"updated {k}", learning_rate * sizes[f"d{k}"])


# --------------------------------------------------------------------------- the published values
def test_propagate_matches_the_published_expectation() -> None:
    w, b = np.array([[1.0], [2.0]]), 2.0
    X, Y = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1, 0]])
    grads, cost = course.propagate(w, b, X, Y)
    np.testing.assert_allclose(grads["dw"], [[0.99993216], [1.99980262]], atol=5e-9)
    assert grads["db"] == pytest.approx(0.499935230625, abs=5e-13)
    assert cost == pytest.approx(6.000064773192205, rel=1e-14)

    wt, bt = tg.Tensor(w, requires_grad=True), tg.Tensor(b, requires_grad=True)
    J = tg.binary_cross_entropy((wt.T @ tg.Tensor(X) + bt).sigmoid(), Y)
    J.backward()
    np.testing.assert_allclose(wt.grad, [[0.99993216], [1.99980262]], atol=5e-9)
    assert float(bt.grad) == pytest.approx(0.499935230625, abs=5e-13)
    assert J.item() == pytest.approx(6.000064773192205, rel=1e-14)


def test_planar_initialisation_draws_W1_then_W2_after_seed_2() -> None:
    p = course.initialize_parameters(2, 4, 1)
    np.testing.assert_allclose(
        p["W1"],
        [[-0.00416758, -0.00056267], [-0.02136196, 0.01640271], [-0.01793436, -0.00841747], [0.00502881, -0.01245288]],
        atol=5e-9,
    )
    np.testing.assert_allclose(p["W2"], [[-0.01057952, -0.00909008, 0.00551454, 0.02292208]], atol=5e-9)
    assert not p["b1"].any() and p["b1"].shape == (4, 1) and p["b2"].shape == (1, 1)


def test_deep_initialisation_draws_layers_in_order() -> None:
    p = course.initialize_parameters_deep([5, 4, 3], seed=3, scale="0.01")  # the course's own test case
    np.testing.assert_allclose(p["W1"][0], [0.01788628, 0.0043651, 0.00096497, -0.01863493, -0.00277388], atol=5e-9)
    np.testing.assert_allclose(p["W2"][0], [-0.01185047, -0.0020565, 0.01486148, 0.00236716], atol=5e-9)

    p = course.initialize_parameters_deep([12288, 20, 7, 5, 1])  # the four-layer cat model
    rng = np.random.RandomState(1)
    for l, (n, n_prev) in enumerate([(20, 12288), (7, 20), (5, 7), (1, 5)], start=1):  # noqa: E741
        np.testing.assert_array_equal(p[f"W{l}"], rng.randn(n, n_prev) / np.sqrt(n_prev))
        assert p[f"b{l}"].shape == (n, 1) and not p[f"b{l}"].any()


def test_zero_initialised_logistic_regression_starts_at_ln2() -> None:
    w, b = course.initialize_with_zeros(3)
    X = np.array([[1.0, -2.0], [0.5, 3.0], [2.0, 0.0]])
    _, costs = course.optimize(w, b, X, np.array([[1, 0]]), 2, 0.005)
    assert costs[0] == pytest.approx(np.log(2), rel=1e-15)
    assert costs[1] < costs[0]


# --------------------------------------------------------------------------- the article's slips, not copied
def test_cross_entropy_uses_log_one_minus_a_for_label_0() -> None:
    assert course.compute_cost(np.array([[0.2]]), np.array([[0]])) == pytest.approx(-np.log(0.8))
    assert course.compute_cost(np.array([[0.2]]), np.array([[1]])) == pytest.approx(-np.log(0.2))


def test_initialisation_is_normal_not_uniform() -> None:
    p = course.initialize_parameters_deep([50, 40, 1], seed=1)
    assert (p["W1"] < 0).any(), "np.random.rand would give only positive weights"


def test_deep_backward_applies_the_relu_derivative() -> None:
    params = {
        "W1": np.array([[1.0], [-1.0]]),
        "b1": np.zeros((2, 1)),
        "W2": np.array([[1.0, 1.0]]),
        "b2": np.zeros((1, 1)),
    }
    X, Y = np.array([[2.0]]), np.array([[0.0]])
    AL, caches = course.L_model_forward(X, params)
    grads = course.L_model_backward(AL, Y, caches)
    assert grads["dW1"][1, 0] == 0.0, "the unit with Z < 0 passes no gradient"
    assert grads["dW1"][0, 0] != 0.0


def test_activation_derivatives() -> None:
    Z = np.array([-2.0, 0.0, 0.5])
    dA = np.array([1.0, 2.0, 3.0])
    a = course.sigmoid(Z)
    np.testing.assert_allclose(course.sigmoid_backward(dA, Z), dA * a * (1 - a))
    np.testing.assert_allclose(course.tanh_backward(dA, Z), dA * (1 - np.tanh(Z) ** 2))
    np.testing.assert_array_equal(course.relu_backward(dA, Z), [0.0, 0.0, 3.0])
    assert course.sigmoid(np.array([-1000.0]))[0] == 0.0  # saturates without an overflow warning


def test_unknown_activation_is_refused() -> None:
    with pytest.raises(ValueError, match="activation must be one of"):
        course.forward_propagation(np.ones((1, 1)), course.initialize_parameters(1, 1, 1), "swish")
