"""The course's hand-derived backpropagation in plain NumPy: the reference every column is timed against.

An L-layer network in the course's layout: samples are columns, ``W_l`` is ``(n_l, n_{l-1})``,
``b_l`` is ``(n_l, 1)``, hidden layers ReLU (or tanh, as in the planar model), a sigmoid output
and the mean binary cross-entropy cost. The gradients are the course's:
``dZ_L = A_L - Y``, ``dW_l = (1/m) dZ_l A_{l-1}ᵀ``, ``db_l = (1/m) Σ_columns dZ_l``,
``dA_{l-1} = W_lᵀ dZ_l`` and ``dZ_l = dA_l ⊙ g'(Z_l)``. Nothing is computed that the update does
not need (no gradient for the input X), as a careful hand-written implementation would do.
"""

from __future__ import annotations

import numpy as np

Params = list[tuple[np.ndarray, np.ndarray]]


def sigmoid(Z: np.ndarray) -> np.ndarray:
    """The course's ``1 / (1 + e**-Z)``."""
    return 1 / (1 + np.exp(-Z))


def forward_backward(params: Params, X: np.ndarray, Y: np.ndarray, hidden: str = "relu") -> tuple[float, Params]:
    """The cost and the gradients ``[(dW_1, db_1), ..., (dW_L, db_L)]`` for one batch ``X (n_x, m)``, ``Y (1, m)``."""
    m = X.shape[1]
    cache = []  # (A_prev, Z or A) per hidden layer: what its backward step needs
    A = X
    for W, b in params[:-1]:
        Z = W @ A + b
        if hidden == "relu":
            cache.append((A, Z))
            A = np.maximum(Z, 0)
        else:
            A_prev = A
            A = np.tanh(Z)
            cache.append((A_prev, A))
    W, b = params[-1]
    AL = sigmoid(W @ A + b)
    cost = float(-np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / m)

    grads: Params = []
    dZ = AL - Y
    A_prev = A
    for layer in range(len(params) - 1, -1, -1):
        W = params[layer][0]
        grads.append((dZ @ A_prev.T / m, np.sum(dZ, axis=1, keepdims=True) / m))
        if layer == 0:
            break
        dA = W.T @ dZ
        A_prev, saved = cache[layer - 1]
        if hidden == "relu":
            dZ = dA * (saved > 0)  # ReLU' = 1 where Z > 0
        else:
            dZ = dA * (1 - saved * saved)  # tanh' = 1 - A²
    grads.reverse()
    return cost, grads


def sgd_step(params: Params, X: np.ndarray, Y: np.ndarray, lr: float, hidden: str = "relu") -> float:
    """One gradient-descent step ``W := W - lr dW``, ``b := b - lr db`` in place; returns the cost before it."""
    cost, grads = forward_backward(params, X, Y, hidden)
    for (W, b), (dW, db) in zip(params, grads):
        W -= lr * dW
        b -= lr * db
    return cost


# --------------------------------------------------------------------------- the course's code layout
# The same mathematics organised as the course's assignments write it: parameters and gradients in
# dicts keyed "W1", "db2"..., one cache per layer, the cost from np.multiply/np.log, backward from
# dAL = -(Y/AL - (1-Y)/(1-AL)) through sigmoid_backward, relu_backward (copy, then zero where
# Z <= 0) or 1 - A**2 for tanh, and an update that rebinds each parameter. As above, the gradient
# for X (dA0), which the update never uses, is not computed.
def _linear_activation_forward(A_prev: np.ndarray, W: np.ndarray, b: np.ndarray, activation: str) -> tuple:
    Z = np.dot(W, A_prev) + b
    if activation == "sigmoid":
        A = sigmoid(Z)
    elif activation == "relu":
        A = np.maximum(0, Z)
    else:
        A = np.tanh(Z)
    return A, ((A_prev, W, b), (Z, A))


def course_forward(X: np.ndarray, parameters: dict, hidden: str) -> tuple[np.ndarray, list]:
    """``L_model_forward``: hidden layers with ``hidden``, a sigmoid output; returns ``AL`` and the caches."""
    caches = []
    A = X
    L = len(parameters) // 2
    for layer in range(1, L):
        A, cache = _linear_activation_forward(A, parameters[f"W{layer}"], parameters[f"b{layer}"], hidden)
        caches.append(cache)
    AL, cache = _linear_activation_forward(A, parameters[f"W{L}"], parameters[f"b{L}"], "sigmoid")
    caches.append(cache)
    return AL, caches


def course_cost(AL: np.ndarray, Y: np.ndarray) -> float:
    """``compute_cost``: the mean cross-entropy."""
    m = Y.shape[1]
    cost = (-1 / m) * np.sum(np.multiply(Y, np.log(AL)) + np.multiply(1 - Y, np.log(1 - AL)))
    return float(np.squeeze(cost))


def course_backward(AL: np.ndarray, Y: np.ndarray, caches: list, hidden: str) -> dict:
    """``L_model_backward``: the gradients ``{"dW1": ..., "db1": ..., ...}``."""
    grads = {}
    L = len(caches)
    dA = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    for layer in range(L, 0, -1):
        (A_prev, W, _), (Z, A) = caches[layer - 1]
        if layer == L:
            s = sigmoid(Z)
            dZ = dA * s * (1 - s)  # sigmoid_backward
        elif hidden == "relu":
            dZ = np.array(dA, copy=True)  # relu_backward
            dZ[Z <= 0] = 0
        else:
            dZ = dA * (1 - np.power(A, 2))
        m = A_prev.shape[1]
        grads[f"dW{layer}"] = 1 / m * np.dot(dZ, A_prev.T)
        grads[f"db{layer}"] = 1 / m * np.sum(dZ, axis=1, keepdims=True)
        if layer > 1:
            dA = np.dot(W.T, dZ)
    return grads


def course_update(parameters: dict, grads: dict, learning_rate: float) -> dict:
    """``update_parameters``: ``W := W - α dW``, ``b := b - α db``, as new arrays."""
    L = len(parameters) // 2
    for layer in range(1, L + 1):
        parameters[f"W{layer}"] = parameters[f"W{layer}"] - learning_rate * grads[f"dW{layer}"]
        parameters[f"b{layer}"] = parameters[f"b{layer}"] - learning_rate * grads[f"db{layer}"]
    return parameters


def course_step(parameters: dict, X: np.ndarray, Y: np.ndarray, lr: float, hidden: str = "relu") -> float:
    """One iteration of the course's training loop; ``parameters`` is updated; returns the cost."""
    AL, caches = course_forward(X, parameters, hidden)
    cost = course_cost(AL, Y)
    grads = course_backward(AL, Y, caches, hidden)
    course_update(parameters, grads, lr)
    return cost
