"""Course 1, *Neural Networks and Deep Learning*: the hand-derived passes, in plain NumPy.

These are the formulas of *Neural Networks and Deep Learning* (course 1 of the Deep Learning
Specialization), written as the course writes them, so that tinygrad_ng's automatic gradients can
be held to them: the tests draw random networks and require autograd's ``dW`` and ``db`` to equal
these to 1e-10. Nothing here uses tinygrad_ng's engine.

Conventions: samples are columns, ``X (n_x, m)``, ``Y (1, m)``; layer ``l`` has ``W_l (n_l,
n_{l-1})`` and ``b_l (n_l, 1)``; ``Z_l = W_l A_{l-1} + b_l``, ``A_l = g(Z_l)``; the cost is the mean
binary cross-entropy. The gradients are the correct forms:

- output layer (sigmoid + cross-entropy): ``dZ_L = A_L - Y``;
- any layer: ``dW_l = (1/m) dZ_l A_{l-1}ᵀ``, ``db_l = (1/m) Σ_columns dZ_l``, ``dA_{l-1} = W_lᵀ dZ_l``;
- hidden layer: ``dZ_l = dA_l ⊙ g'(Z_l)`` with ``σ' = a(1 - a)``, ``tanh' = 1 - a²`` and
  ``ReLU' = 1 where Z > 0, else 0``.

Function names follow the course's notebooks (``propagate``, ``L_model_forward``...), and
parameters and gradients are dictionaries keyed as there (``"W1"``, ``"db2"``, ``"dA0"``...).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = [
    "sigmoid", "sigmoid_backward", "tanh", "tanh_backward", "relu", "relu_backward",
    "compute_cost",
    "initialize_with_zeros", "propagate", "optimize", "predict",
    "initialize_parameters", "forward_propagation", "backward_propagation",
    "initialize_parameters_deep", "L_model_forward", "L_model_backward",
    "update_parameters", "predict_deep",
]  # fmt: skip

Params = dict[str, np.ndarray]
Cache = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # (A_prev, W, b, Z) of one layer


# --------------------------------------------------------------------------- activations
def sigmoid(Z: np.ndarray) -> np.ndarray:
    """The course's ``σ(Z) = 1 / (1 + e^-Z)``, elementwise (saturating to 0 or 1 without warnings).

    >>> sigmoid(np.array([0.0, 2.0]))
    array([0.5       , 0.88079708])
    """
    with np.errstate(over="ignore"):  # e^-Z overflows to inf for Z << 0, and 1 / inf is the right 0
        return 1 / (1 + np.exp(-Z))


def sigmoid_backward(dA: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """``dZ = dA ⊙ σ'(Z)`` with ``σ' = a (1 - a)``, ``a = σ(Z)``.

    >>> sigmoid_backward(np.array([1.0]), np.array([0.0]))
    array([0.25])
    """
    A = sigmoid(Z)
    return dA * A * (1 - A)


def tanh(Z: np.ndarray) -> np.ndarray:
    """``tanh(Z)``, elementwise: the planar model's hidden activation.

    >>> tanh(np.array([0.0]))
    array([0.])
    """
    return np.tanh(Z)


def tanh_backward(dA: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """``dZ = dA ⊙ (1 - a²)``, ``a = tanh(Z)``.

    >>> tanh_backward(np.array([2.0]), np.array([0.0]))
    array([2.])
    """
    A = np.tanh(Z)
    return dA * (1 - A**2)


def relu(Z: np.ndarray) -> np.ndarray:
    """``max(Z, 0)``, elementwise.

    >>> relu(np.array([-1.0, 2.0]))
    array([0., 2.])
    """
    return np.maximum(Z, 0)


def relu_backward(dA: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """``dZ = dA ⊙ ReLU'(Z)``: ``dA`` where ``Z > 0``, else 0 (0 at exactly 0, as the course's code).

    >>> relu_backward(np.array([5.0, 5.0, 5.0]), np.array([-1.0, 0.0, 2.0]))
    array([0., 0., 5.])
    """
    return np.where(Z > 0, dA, 0.0)


_ACTIVATIONS = {"sigmoid": (sigmoid, sigmoid_backward), "tanh": (tanh, tanh_backward), "relu": (relu, relu_backward)}


def _activation(name: str) -> tuple[Callable[..., np.ndarray], Callable[..., np.ndarray]]:
    if name not in _ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(_ACTIVATIONS)}, got {name!r}")
    return _ACTIVATIONS[name]


# --------------------------------------------------------------------------- cost
def compute_cost(A: np.ndarray, Y: np.ndarray) -> float:
    """The mean binary cross-entropy ``J = -(1/m) Σ [y log a + (1 - y) log(1 - a)]``.

    For ``y = 0`` the loss of a sample is ``-log(1 - a)``, for ``y = 1`` it is ``-log(a)``.

    >>> round(compute_cost(np.array([[0.9, 0.2]]), np.array([[1, 0]])), 6)
    0.164252
    """
    m = Y.shape[1]
    return float(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m)


# --------------------------------------------------------------------------- logistic regression
def initialize_with_zeros(dim: int) -> tuple[np.ndarray, float]:
    """``w`` of zeros ``(dim, 1)`` and ``b = 0``, the logistic-regression assignment's start.

    >>> w, b = initialize_with_zeros(2)
    >>> w.shape, b
    ((2, 1), 0.0)
    """
    return np.zeros((dim, 1)), 0.0


def propagate(w: np.ndarray, b: float, X: np.ndarray, Y: np.ndarray) -> tuple[dict[str, np.ndarray], float]:
    """Logistic regression's cost and gradients.

    ``A = σ(wᵀX + b)``, ``dw = (1/m) X (A - Y)ᵀ``, ``db = (1/m) Σ (A - Y)``.
    Shapes: ``w (n_x, 1)``, ``X (n_x, m)``, ``Y (1, m)``; returns ``({"dw": (n_x, 1), "db": float}, cost)``.

    >>> grads, cost = propagate(np.array([[1.0], [2.0]]), 2.0, np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1, 0]]))
    >>> round(cost, 6), round(grads["db"], 6)
    (6.000065, 0.499935)
    """
    m = X.shape[1]
    A = sigmoid(w.T @ X + b)
    cost = compute_cost(A, Y)
    dZ = A - Y
    dw = (X @ dZ.T) / m
    db = float(np.sum(dZ) / m)
    return {"dw": dw, "db": db}, cost


def optimize(
    w: np.ndarray,
    b: float,
    X: np.ndarray,
    Y: np.ndarray,
    num_iterations: int,
    learning_rate: float,
) -> tuple[dict[str, np.ndarray | float], list[float]]:
    """Gradient descent on logistic regression; returns the parameters and the cost before each update.

    >>> w, b = initialize_with_zeros(2)
    >>> params, costs = optimize(w, b, np.array([[1.0, -1.0], [2.0, -2.0]]), np.array([[1, 0]]), 3, 0.1)
    >>> round(costs[0], 6)  # ln 2 at the zero initialisation
    0.693147
    """
    costs = []
    for _ in range(num_iterations):
        grads, cost = propagate(w, b, X, Y)
        costs.append(cost)
        w = w - learning_rate * grads["dw"]
        b = b - learning_rate * grads["db"]
    return {"w": w, "b": b}, costs


def predict(w: np.ndarray, b: float, X: np.ndarray) -> np.ndarray:
    """Logistic regression's predictions ``(1, m)``: 1.0 where ``σ(wᵀX + b) > 0.5``, else 0.0.

    >>> predict(np.array([[1.0]]), 0.0, np.array([[-1.0, 0.0, 1.0]]))
    array([[0., 0., 1.]])
    """
    return (sigmoid(w.T @ X + b) > 0.5).astype(np.float64)


# --------------------------------------------------------------------------- one hidden layer
def initialize_parameters(n_x: int, n_h: int, n_y: int, seed: int | None = 2) -> Params:
    """The shallow models' start: ``np.random.seed(seed)``, then ``W1 = randn(n_h, n_x) * 0.01``,
    then ``W2 = randn(n_y, n_h) * 0.01``; biases zero.

    The planar model uses seed 2, the two-layer cat model seed 1. ``seed=None`` draws from NumPy's
    global generator as it stands. The draws use NumPy's global legacy generator, as the course does.

    >>> p = initialize_parameters(2, 4, 1)
    >>> p["W1"].shape, p["b1"].shape, p["W2"].shape, p["b2"].shape
    ((4, 2), (4, 1), (1, 4), (1, 1))
    """
    if seed is not None:
        np.random.seed(seed)
    W1 = np.random.randn(n_h, n_x) * 0.01
    W2 = np.random.randn(n_y, n_h) * 0.01
    return {"W1": W1, "b1": np.zeros((n_h, 1)), "W2": W2, "b2": np.zeros((n_y, 1))}


def forward_propagation(X: np.ndarray, parameters: Params, activation: str = "tanh") -> tuple[np.ndarray, Params]:
    """The one-hidden-layer forward pass: ``A2 = σ(W2 g(W1 X + b1) + b2)``, g tanh or relu.

    Returns ``A2 (1, m)`` and the cache ``{"Z1", "A1", "Z2", "A2"}`` that the backward pass needs.

    >>> A2, cache = forward_propagation(np.ones((2, 3)), initialize_parameters(2, 4, 1))
    >>> A2.shape
    (1, 3)
    """
    g, _ = _activation(activation)
    Z1 = parameters["W1"] @ X + parameters["b1"]
    A1 = g(Z1)
    Z2 = parameters["W2"] @ A1 + parameters["b2"]
    A2 = sigmoid(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def backward_propagation(
    parameters: Params, cache: Params, X: np.ndarray, Y: np.ndarray, activation: str = "tanh"
) -> Params:
    """The one-hidden-layer backward pass: ``dW1, db1, dW2, db2`` of the mean cross-entropy.

    ``dZ2 = A2 - Y``; ``dW2 = (1/m) dZ2 A1ᵀ``; ``db2 = (1/m) Σ dZ2``; ``dZ1 = W2ᵀ dZ2 ⊙ g'(Z1)``
    (``1 - A1²`` for tanh); ``dW1 = (1/m) dZ1 Xᵀ``; ``db1 = (1/m) Σ dZ1``.

    >>> p = initialize_parameters(2, 4, 1)
    >>> X, Y = np.ones((2, 3)), np.array([[1, 0, 1]])
    >>> grads = backward_propagation(p, forward_propagation(X, p)[1], X, Y)
    >>> sorted(grads)
    ['dW1', 'dW2', 'db1', 'db2']
    """
    _, g_backward = _activation(activation)
    m = X.shape[1]
    dZ2 = cache["A2"] - Y
    dW2 = dZ2 @ cache["A1"].T / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    dZ1 = g_backward(parameters["W2"].T @ dZ2, cache["Z1"])
    dW1 = dZ1 @ X.T / m
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


# --------------------------------------------------------------------------- L layers
def initialize_parameters_deep(layer_dims: list[int], seed: int | None = 1, scale: str = "sqrt") -> Params:
    """The L-layer model's start: ``np.random.seed(seed)``, then for l = 1..L in order
    ``W_l = randn(n_l, n_{l-1}) / sqrt(n_{l-1})`` (``scale="sqrt"``, the four-layer cat model)
    or ``* 0.01`` (``scale="0.01"``, which stalls on that model); biases zero.

    ``layer_dims`` is ``[n_x, n_1, ..., n_L]``.

    >>> p = initialize_parameters_deep([5, 4, 1])
    >>> p["W1"].shape, p["b1"].shape, p["W2"].shape
    ((4, 5), (4, 1), (1, 4))
    """
    if scale not in ("sqrt", "0.01"):
        raise ValueError(f"scale must be 'sqrt' or '0.01', got {scale!r}")
    if seed is not None:
        np.random.seed(seed)
    parameters: Params = {}
    for l in range(1, len(layer_dims)):  # noqa: E741 - the course's layer index
        W = np.random.randn(layer_dims[l], layer_dims[l - 1])
        parameters[f"W{l}"] = W / np.sqrt(layer_dims[l - 1]) if scale == "sqrt" else W * 0.01
        parameters[f"b{l}"] = np.zeros((layer_dims[l], 1))
    return parameters


def L_model_forward(X: np.ndarray, parameters: Params, hidden: str = "relu") -> tuple[np.ndarray, list[Cache]]:
    """The L-layer forward pass: ``hidden`` activations (ReLU) for layers 1..L-1, sigmoid at L.

    Returns ``AL (1, m)`` and one cache ``(A_prev, W, b, Z)`` per layer.

    >>> AL, caches = L_model_forward(np.ones((5, 3)), initialize_parameters_deep([5, 4, 1]))
    >>> AL.shape, len(caches)
    ((1, 3), 2)
    """
    g, _ = _activation(hidden)
    L = len(parameters) // 2
    caches = []
    A = X
    for l in range(1, L + 1):  # noqa: E741
        W, b = parameters[f"W{l}"], parameters[f"b{l}"]
        Z = W @ A + b
        caches.append((A, W, b, Z))
        A = g(Z) if l < L else sigmoid(Z)
    return A, caches


def L_model_backward(
    AL: np.ndarray,
    Y: np.ndarray,
    caches: list[Cache],
    hidden: str = "relu",
) -> Params:
    """The L-layer backward pass: ``dA_{l-1}``, ``dW_l`` and ``db_l`` for every layer.

    ``dZ_L = AL - Y``; then for l = L..1: ``dW_l = (1/m) dZ_l A_{l-1}ᵀ``, ``db_l = (1/m) Σ dZ_l``,
    ``dA_{l-1} = W_lᵀ dZ_l`` and, below the output, ``dZ_l = dA_l ⊙ g'(Z_l)``: the ReLU derivative
    is applied in every hidden layer.

    >>> p = initialize_parameters_deep([5, 4, 1])
    >>> AL, caches = L_model_forward(np.ones((5, 3)), p)
    >>> sorted(L_model_backward(AL, np.array([[1, 0, 1]]), caches))
    ['dA0', 'dA1', 'dW1', 'dW2', 'db1', 'db2']
    """
    _, g_backward = _activation(hidden)
    L = len(caches)
    m = AL.shape[1]
    grads: Params = {}
    dZ = AL - Y
    for l in range(L, 0, -1):  # noqa: E741
        A_prev, W, _, _ = caches[l - 1]
        grads[f"dW{l}"] = dZ @ A_prev.T / m
        grads[f"db{l}"] = np.sum(dZ, axis=1, keepdims=True) / m
        grads[f"dA{l - 1}"] = W.T @ dZ
        if l > 1:
            dZ = g_backward(grads[f"dA{l - 1}"], caches[l - 2][3])
    return grads


def update_parameters(parameters: Params, grads: Params, learning_rate: float) -> Params:
    """One gradient-descent step ``W := W - α dW``, ``b := b - α db`` for every layer (a new dict).

    >>> update_parameters({"W1": np.ones((1, 1)), "b1": np.zeros((1, 1))},
    ...                   {"dW1": np.ones((1, 1)), "db1": np.ones((1, 1))}, 0.5)
    {'W1': array([[0.5]]), 'b1': array([[-0.5]])}
    """
    return {k: v - learning_rate * grads[f"d{k}"] for k, v in parameters.items()}


def predict_deep(X: np.ndarray, parameters: Params, hidden: str = "relu") -> np.ndarray:
    """The L-layer model's predictions ``(1, m)``: 1.0 where ``AL > 0.5``, else 0.0.

    >>> predict_deep(np.zeros((5, 2)), initialize_parameters_deep([5, 4, 1]))  # AL = σ(0) = 0.5
    array([[0., 0.]])
    """
    AL, _ = L_model_forward(X, parameters, hidden)
    return (AL > 0.5).astype(np.float64)
