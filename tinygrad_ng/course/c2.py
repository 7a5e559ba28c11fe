"""Course 2: L2 regularisation, inverted dropout, gradient checking, optimisers and batch norm.

The hand-derived passes of *Improving Deep Neural Networks*, in plain NumPy and in course 1's
layout (examples are columns, ``X (n_x, m)``, ``W_l (n_l, n_{l−1})``, ``b_l (n_l, 1)``), for the
three-layer LINEAR→RELU→LINEAR→RELU→LINEAR→SIGMOID network of the Regularization assignment.
The order of operations is the helper module's (``1/m`` after the product, costs as
``(1/m) · sum``), because it decides the last bits of the printed numbers.

Batch norm's assignment is in TensorFlow, so ``batchnorm_forward``/``batchnorm_backward`` are the
lecture's forward pass and its derived backward pass over a mini-batch (one column per example).

>>> np.random.seed(1)
>>> X = np.random.randn(3, 5)
>>> p = {"W1": np.random.randn(2, 3), "b1": np.random.randn(2, 1), "W2": np.random.randn(3, 2),
...      "b2": np.random.randn(3, 1), "W3": np.random.randn(1, 3), "b3": np.random.randn(1, 1)}
>>> A3, cache = forward_propagation_with_dropout(X, p, keep_prob=0.7)
>>> A3.shape, len(cache)
((1, 5), 14)
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "compute_cost",
    "forward_propagation",
    "backward_propagation",
    "compute_cost_with_regularization",
    "backward_propagation_with_regularization",
    "forward_propagation_with_dropout",
    "backward_propagation_with_dropout",
    "gradient_check_difference",
    "random_mini_batches",
    "update_parameters_with_momentum",
    "update_parameters_with_adam",
    "update_lr",
    "schedule_lr_decay",
    "batchnorm_forward",
    "batchnorm_backward",
]

Params = dict[str, np.ndarray]


def _sigmoid(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-x))


def _relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(0, x)


def compute_cost(a3: np.ndarray, Y: np.ndarray) -> float:
    """The mean cross-entropy as the helper module computes it: ``(1/m) · nansum(...)``.

    A saturated output (``a3 = 1`` with ``y = 1``) gives ``0 · inf = nan``, which ``nansum`` drops.

    >>> round(compute_cost(np.array([[0.5, 0.5]]), np.array([[1, 0]])), 6)
    0.693147
    """
    m = Y.shape[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        logprobs = np.multiply(-np.log(a3), Y) + np.multiply(-np.log(1 - a3), 1 - Y)
    return float(1.0 / m * np.nansum(logprobs))


def forward_propagation(X: np.ndarray, parameters: Params) -> tuple[np.ndarray, tuple]:
    """The three-layer forward pass; the cache is ``(Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3)``.

    >>> p = {"W1": np.ones((2, 2)), "b1": np.zeros((2, 1)), "W2": np.ones((1, 2)), "b2": np.zeros((1, 1)),
    ...      "W3": np.ones((1, 1)), "b3": np.zeros((1, 1))}
    >>> forward_propagation(np.zeros((2, 3)), p)[0]
    array([[0.5, 0.5, 0.5]])
    """
    W1, b1, W2, b2, W3, b3 = (parameters[k] for k in ("W1", "b1", "W2", "b2", "W3", "b3"))
    Z1 = np.dot(W1, X) + b1
    A1 = _relu(Z1)
    Z2 = np.dot(W2, A1) + b2
    A2 = _relu(Z2)
    Z3 = np.dot(W3, A2) + b3
    A3 = _sigmoid(Z3)
    return A3, (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3)


def backward_propagation(X: np.ndarray, Y: np.ndarray, cache: tuple) -> dict[str, np.ndarray]:
    """The unregularised backward pass: ``dZ3 = A3 − Y``, ``dW = (1/m)(dZ Aᵀ)``, ``db = (1/m) Σ dZ``.

    >>> p = {"W1": np.ones((2, 2)), "b1": np.zeros((2, 1)), "W2": np.ones((1, 2)), "b2": np.zeros((1, 1)),
    ...      "W3": np.ones((1, 1)), "b3": np.zeros((1, 1))}
    >>> X = np.ones((2, 4)); A3, cache = forward_propagation(X, p)
    >>> backward_propagation(X, np.ones((1, 4)), cache)["db3"].shape
    (1, 1)
    """
    return backward_propagation_with_regularization(X, Y, cache, 0.0)


def compute_cost_with_regularization(A3: np.ndarray, Y: np.ndarray, parameters: Params, lambd: float) -> float:
    """``J + (1/m) · (λ/2) · (‖W1‖² + ‖W2‖² + ‖W3‖²)``; the biases are not regularised.

    >>> p = {"W1": np.ones((1, 1)), "W2": np.ones((1, 1)), "W3": np.ones((1, 1))}
    >>> round(compute_cost_with_regularization(np.array([[0.5]]), np.array([[1]]), p, 0.2), 6)
    0.993147
    """
    m = Y.shape[1]
    W1, W2, W3 = parameters["W1"], parameters["W2"], parameters["W3"]
    cross_entropy_cost = compute_cost(A3, Y)
    L2_regularization_cost = 1 / m * lambd / 2 * (np.sum(np.square(W1)) + np.sum(np.square(W2)) + np.sum(np.square(W3)))
    return float(cross_entropy_cost + L2_regularization_cost)


def backward_propagation_with_regularization(
    X: np.ndarray, Y: np.ndarray, cache: tuple, lambd: float
) -> dict[str, np.ndarray]:
    """The backward pass of the L2-regularised cost: ``dW_l = (1/m) dZ_l A_{l−1}ᵀ + (λ/m) W_l``.

    ``cache`` is ``forward_propagation``'s. Returns ``dZ3, dW3, db3, dA2, dZ2, dW2, db2, dA1, dZ1,
    dW1, db1``; ``dZ_l = dA_l ⊙ 1[A_l > 0]`` for the hidden layers.

    >>> p = {"W1": np.ones((2, 2)), "b1": np.zeros((2, 1)), "W2": np.ones((1, 2)), "b2": np.zeros((1, 1)),
    ...      "W3": np.ones((1, 1)), "b3": np.zeros((1, 1))}
    >>> X = np.zeros((2, 4)); _, cache = forward_propagation(X, p)
    >>> backward_propagation_with_regularization(X, np.ones((1, 4)), cache, 0.8)["dW3"]  # 0 + (0.8/4)·1
    array([[0.2]])
    """
    m = X.shape[1]
    (_Z1, A1, W1, _b1, _Z2, A2, W2, _b2, _Z3, A3, W3, _b3) = cache
    dZ3 = A3 - Y
    dW3 = 1.0 / m * np.dot(dZ3, A2.T) + lambd / m * W3
    db3 = 1.0 / m * np.sum(dZ3, axis=1, keepdims=True)
    dA2 = np.dot(W3.T, dZ3)
    dZ2 = np.multiply(dA2, np.int64(A2 > 0))
    dW2 = 1.0 / m * np.dot(dZ2, A1.T) + lambd / m * W2
    db2 = 1.0 / m * np.sum(dZ2, axis=1, keepdims=True)
    dA1 = np.dot(W2.T, dZ2)
    dZ1 = np.multiply(dA1, np.int64(A1 > 0))
    dW1 = 1.0 / m * np.dot(dZ1, X.T) + lambd / m * W1
    db1 = 1.0 / m * np.sum(dZ1, axis=1, keepdims=True)
    return {
        "dZ3": dZ3, "dW3": dW3, "db3": db3, "dA2": dA2, "dZ2": dZ2, "dW2": dW2, "db2": db2,
        "dA1": dA1, "dZ1": dZ1, "dW1": dW1, "db1": db1,
    }  # fmt: skip


def forward_propagation_with_dropout(
    X: np.ndarray, parameters: Params, keep_prob: float = 0.5
) -> tuple[np.ndarray, tuple]:
    """The forward pass with inverted dropout on hidden layers 1 and 2, as the course writes it.

    It calls ``np.random.seed(1)`` first (so every call draws the same masks: the course's quirk),
    then ``D1 = rand(n1, m) < keep_prob`` after ``A1``, ``A1 = (A1 ⊙ D1) / keep_prob``, and the
    same for layer 2. The cache is ``(Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3, b3)``.

    >>> p = {"W1": np.ones((2, 2)), "b1": np.ones((2, 1)), "W2": np.ones((1, 2)), "b2": np.zeros((1, 1)),
    ...      "W3": np.ones((1, 1)), "b3": np.zeros((1, 1))}
    >>> A3, cache = forward_propagation_with_dropout(np.zeros((2, 3)), p, keep_prob=1.0)
    >>> bool(cache[1].all())  # keep_prob = 1 keeps every unit
    True
    """
    np.random.seed(1)
    W1, b1, W2, b2, W3, b3 = (parameters[k] for k in ("W1", "b1", "W2", "b2", "W3", "b3"))
    Z1 = np.dot(W1, X) + b1
    A1 = _relu(Z1)
    D1 = np.random.rand(A1.shape[0], A1.shape[1])
    D1 = D1 < keep_prob
    A1 = A1 * D1
    A1 = A1 / keep_prob
    Z2 = np.dot(W2, A1) + b2
    A2 = _relu(Z2)
    D2 = np.random.rand(A2.shape[0], A2.shape[1])
    D2 = D2 < keep_prob
    A2 = A2 * D2
    A2 = A2 / keep_prob
    Z3 = np.dot(W3, A2) + b3
    A3 = _sigmoid(Z3)
    return A3, (Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3, b3)


def backward_propagation_with_dropout(
    X: np.ndarray, Y: np.ndarray, cache: tuple, keep_prob: float
) -> dict[str, np.ndarray]:
    """The backward pass through inverted dropout: ``dA_l = (W_{l+1}ᵀ dZ_{l+1} ⊙ D_l) / keep_prob``.

    ``cache`` is ``forward_propagation_with_dropout``'s. Returns the same keys as
    ``backward_propagation_with_regularization``.

    >>> p = {"W1": np.ones((2, 2)), "b1": np.ones((2, 1)), "W2": np.ones((1, 2)), "b2": np.zeros((1, 1)),
    ...      "W3": np.ones((1, 1)), "b3": np.zeros((1, 1))}
    >>> X = np.zeros((2, 3)); _, cache = forward_propagation_with_dropout(X, p, keep_prob=1.0)
    >>> backward_propagation_with_dropout(X, np.ones((1, 3)), cache, 1.0)["dW1"]  # X = 0
    array([[0., 0.],
           [0., 0.]])
    """
    m = X.shape[1]
    (_Z1, D1, A1, _W1, _b1, _Z2, D2, A2, W2, _b2, _Z3, A3, W3, _b3) = cache
    dZ3 = A3 - Y
    dW3 = 1.0 / m * np.dot(dZ3, A2.T)
    db3 = 1.0 / m * np.sum(dZ3, axis=1, keepdims=True)
    dA2 = np.dot(W3.T, dZ3)
    dA2 = dA2 * D2
    dA2 = dA2 / keep_prob
    dZ2 = np.multiply(dA2, np.int64(A2 > 0))
    dW2 = 1.0 / m * np.dot(dZ2, A1.T)
    db2 = 1.0 / m * np.sum(dZ2, axis=1, keepdims=True)
    dA1 = np.dot(W2.T, dZ2)
    dA1 = dA1 * D1
    dA1 = dA1 / keep_prob
    dZ1 = np.multiply(dA1, np.int64(A1 > 0))
    dW1 = 1.0 / m * np.dot(dZ1, X.T)
    db1 = 1.0 / m * np.sum(dZ1, axis=1, keepdims=True)
    return {
        "dZ3": dZ3, "dW3": dW3, "db3": db3, "dA2": dA2, "dZ2": dZ2, "dW2": dW2, "db2": db2,
        "dA1": dA1, "dZ1": dZ1, "dW1": dW1, "db1": db1,
    }  # fmt: skip


def gradient_check_difference(grad: np.ndarray, gradapprox: np.ndarray) -> float:
    """The course's ``‖grad − gradapprox‖₂ / (‖grad‖₂ + ‖gradapprox‖₂)``.

    >>> gradient_check_difference(np.array([1.0, 2.0]), np.array([1.0, 2.0]))
    0.0
    """
    numerator = np.linalg.norm(grad - gradapprox)
    denominator = np.linalg.norm(grad) + np.linalg.norm(gradapprox)
    return float(numerator / denominator)


# --------------------------------------------------------------------------- optimisation
def random_mini_batches(
    X: np.ndarray, Y: np.ndarray, mini_batch_size: int = 64, seed: int = 0
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Shuffle the columns with ``np.random.seed(seed); permutation(m)`` and cut them into batches.

    Full batches of ``mini_batch_size`` columns come first, then the ``m mod size`` left over.
    Reseeds NumPy's global generator.

    >>> [x.shape for x, _ in random_mini_batches(np.zeros((2, 5)), np.zeros((1, 5)), 2)]
    [(2, 2), (2, 2), (2, 1)]
    """
    np.random.seed(seed)
    m = X.shape[1]
    mini_batches = []
    permutation = list(np.random.permutation(m))
    shuffled_X = X[:, permutation]
    shuffled_Y = Y[:, permutation].reshape((1, m))
    num_complete = math.floor(m / mini_batch_size)
    for k in range(num_complete):
        sl = slice(k * mini_batch_size, (k + 1) * mini_batch_size)
        mini_batches.append((shuffled_X[:, sl], shuffled_Y[:, sl]))
    if m % mini_batch_size != 0:
        sl = slice(num_complete * mini_batch_size, m)
        mini_batches.append((shuffled_X[:, sl], shuffled_Y[:, sl]))
    return mini_batches


def update_parameters_with_momentum(
    parameters: Params, grads: Params, v: Params, beta: float, learning_rate: float
) -> tuple[Params, Params]:
    """``v := β v + (1 − β) dW``; ``W := W − α v`` for every ``W_l`` and ``b_l`` (in place; no bias correction).

    >>> p, v = update_parameters_with_momentum({"W1": np.ones(1), "b1": np.zeros(1)},
    ...     {"dW1": np.ones(1), "db1": np.ones(1)}, {"dW1": np.zeros(1), "db1": np.zeros(1)}, 0.9, 1.0)
    >>> p["W1"].round(12), v["db1"].round(12)
    (array([0.9]), array([0.1]))
    """
    L = len(parameters) // 2
    for l in range(1, L + 1):  # noqa: E741 (the course's name for the layer index)
        for k in ("W", "b"):
            key = f"d{k}{l}"
            v[key] = beta * v[key] + (1 - beta) * grads[key]
            parameters[f"{k}{l}"] = parameters[f"{k}{l}"] - learning_rate * v[key]
    return parameters, v


def update_parameters_with_adam(
    parameters: Params,
    grads: Params,
    v: Params,
    s: Params,
    t: int,
    learning_rate: float = 0.01,
    beta1: float = 0.9,
    beta2: float = 0.999,
    epsilon: float = 1e-8,
) -> tuple[Params, Params, Params, Params, Params]:
    """Adam, as the course writes it, with ``ε`` outside the square root: ``W := W − α v̂ / (√ŝ + ε)``.

    ``v`` and ``s`` are stored uncorrected; ``v̂ = v / (1 − β1^t)``, ``ŝ = s / (1 − β2^t)``. Returns
    ``parameters, v, s, v_corrected, s_corrected``.

    >>> p, *_ = update_parameters_with_adam({"W1": np.ones(1), "b1": np.zeros(1)},
    ...     {"dW1": np.ones(1), "db1": np.ones(1)}, {"dW1": np.zeros(1), "db1": np.zeros(1)},
    ...     {"dW1": np.zeros(1), "db1": np.zeros(1)}, t=1, learning_rate=0.1)
    >>> p["W1"].round(6)  # the first step moves each parameter by about α
    array([0.9])
    """
    L = len(parameters) // 2
    v_corrected: Params = {}
    s_corrected: Params = {}
    for l in range(1, L + 1):  # noqa: E741
        for k in ("W", "b"):
            key = f"d{k}{l}"
            v[key] = beta1 * v[key] + (1 - beta1) * grads[key]
            v_corrected[key] = v[key] / (1 - beta1**t)
            s[key] = beta2 * s[key] + (1 - beta2) * np.square(grads[key])
            s_corrected[key] = s[key] / (1 - beta2**t)
            parameters[f"{k}{l}"] = parameters[f"{k}{l}"] - learning_rate * v_corrected[key] / (
                np.sqrt(s_corrected[key]) + epsilon
            )
    return parameters, v, s, v_corrected, s_corrected


def update_lr(learning_rate0: float, epoch_num: int, decay_rate: float) -> float:
    """``α = α0 / (1 + decay_rate · epoch)``.

    >>> update_lr(0.5, 2, 1)
    0.16666666666666666
    """
    return learning_rate0 / (1 + decay_rate * epoch_num)


def schedule_lr_decay(learning_rate0: float, epoch_num: int, decay_rate: float, time_interval: int = 1000) -> float:
    """``α = α0 / (1 + decay_rate · ⌊epoch / time_interval⌋)``.

    >>> schedule_lr_decay(0.5, 100, 0.3, 100)
    0.3846153846153846
    """
    return float(learning_rate0 / (1 + decay_rate * np.floor(epoch_num / time_interval)))


# --------------------------------------------------------------------------- batch norm
def batchnorm_forward(
    Z: np.ndarray, gamma: np.ndarray, beta: np.ndarray, epsilon: float = 1e-5
) -> tuple[np.ndarray, tuple]:
    """The lecture's batch norm over a mini-batch ``Z (n, m)``: ``z̃ = γ ẑ + β``.

    ``μ = (1/m) Σ z``, ``σ² = (1/m) Σ (z − μ)²`` (biased), ``ẑ = (z − μ) / √(σ² + ε)``; ``gamma``
    and ``beta`` are ``(n, 1)``. The cache is ``(Z_hat, gamma, inv_std)``.

    >>> Zt, _ = batchnorm_forward(np.array([[1.0, 3.0]]), np.ones((1, 1)), np.zeros((1, 1)), 0.0)
    >>> Zt
    array([[-1.,  1.]])
    """
    m = Z.shape[1]
    mu = 1 / m * np.sum(Z, axis=1, keepdims=True)
    var = 1 / m * np.sum((Z - mu) ** 2, axis=1, keepdims=True)
    inv_std = 1 / np.sqrt(var + epsilon)
    Z_hat = (Z - mu) * inv_std
    return gamma * Z_hat + beta, (Z_hat, gamma, inv_std)


def batchnorm_backward(dZ_tilde: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The derived backward pass of ``batchnorm_forward``: ``(dZ, dgamma, dbeta)``.

    With ``dẑ = γ ⊙ dz̃``: ``dZ = (1/m) · (1/√(σ² + ε)) · (m dẑ − Σ dẑ − ẑ Σ(dẑ ⊙ ẑ))``,
    ``dγ = Σ dz̃ ⊙ ẑ``, ``dβ = Σ dz̃`` (sums over the batch, axis 1).

    >>> _, cache = batchnorm_forward(np.array([[1.0, 3.0]]), np.ones((1, 1)), np.zeros((1, 1)), 0.0)
    >>> dZ, dgamma, dbeta = batchnorm_backward(np.array([[1.0, 1.0]]), cache)
    >>> dZ, dbeta  # shifting every z̃ equally needs no change of Z
    (array([[0., 0.]]), array([[2.]]))
    """
    Z_hat, gamma, inv_std = cache
    m = Z_hat.shape[1]
    dbeta = np.sum(dZ_tilde, axis=1, keepdims=True)
    dgamma = np.sum(dZ_tilde * Z_hat, axis=1, keepdims=True)
    dZ_hat = dZ_tilde * gamma
    dZ = (
        1
        / m
        * inv_std
        * (m * dZ_hat - np.sum(dZ_hat, axis=1, keepdims=True) - Z_hat * np.sum(dZ_hat * Z_hat, axis=1, keepdims=True))
    )
    return dZ, dgamma, dbeta
