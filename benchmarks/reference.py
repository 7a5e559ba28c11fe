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
