"""Course 4 week 1, *Convolutional Neural Networks: Step by Step*: convolution and pooling in NumPy.

Written as the course writes them, loops and all, so the engine's vectorised ``conv2d`` and
pooling can be held to the hand-derived backward passes. Layouts are the course's: examples first
and channels last, ``A_prev (m, n_H_prev, n_W_prev, n_C_prev)``, ``W (f, f, n_C_prev, n_C)``,
``b (1, 1, 1, n_C)``; convolution takes ``{"stride": s, "pad": p}``, pooling ``{"f": f, "stride": s}``
and never pads. The convolution is a cross-correlation (the kernel is not flipped), and the
backward passes sum over examples and output positions with no ``1/m``.

Two points where the published notebooks need care are done right here: ``b`` is added once per
output (``Σ(a ⊙ W) + b``, the 2019+ form), and the border of ``dA_prev_pad`` is removed with the
slice ``p : p + n`` (the hint ``[pad:-pad]`` is empty when ``pad = 0``).

>>> np.random.seed(1)
>>> A_prev = np.random.randn(2, 5, 7, 4); W = np.random.randn(3, 3, 4, 8); b = np.random.randn(1, 1, 1, 8)
>>> Z, cache = conv_forward(A_prev, W, b, {"pad": 1, "stride": 2})
>>> Z.shape
(2, 3, 4, 8)
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "zero_pad",
    "conv_single_step",
    "conv_forward",
    "conv_backward",
    "create_mask_from_window",
    "distribute_value",
    "pool_forward",
    "pool_backward",
]

ConvCache = tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, int]]
PoolCache = tuple[np.ndarray, dict[str, int]]


def zero_pad(X: np.ndarray, pad: int) -> np.ndarray:
    """Pad the height and width axes of ``X (m, n_H, n_W, n_C)`` with ``pad`` zeros on each side.

    >>> zero_pad(np.ones((1, 1, 1, 2)), 1).shape
    (1, 3, 3, 2)
    """
    return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="constant", constant_values=(0, 0))


def conv_single_step(a_slice_prev: np.ndarray, W: np.ndarray, b: np.ndarray) -> float:
    """One filter on one window: ``Σ(a_slice_prev ⊙ W) + b``, with ``b`` added once.

    >>> conv_single_step(np.ones((2, 2, 1)), np.ones((2, 2, 1)), np.array([[[0.5]]]))
    4.5
    """
    Z = np.sum(np.multiply(a_slice_prev, W))
    return float(Z + float(np.asarray(b).item()))


def _conv_sizes(A_prev: np.ndarray, W: np.ndarray, hparameters: dict[str, int]) -> tuple[int, int, int, int, int]:
    (m, n_H_prev, n_W_prev, _) = A_prev.shape
    (f, f, _, n_C) = W.shape
    stride, pad = hparameters["stride"], hparameters["pad"]
    n_H = int((n_H_prev - f + 2 * pad) / stride) + 1
    n_W = int((n_W_prev - f + 2 * pad) / stride) + 1
    return m, n_H, n_W, n_C, f


def conv_forward(
    A_prev: np.ndarray, W: np.ndarray, b: np.ndarray, hparameters: dict[str, int]
) -> tuple[np.ndarray, ConvCache]:
    """The convolution layer's forward pass, looping over ``(i, h, w, c)`` as the course does.

    ``Z[i,h,w,c] = Σ_{u,v,k} A_pad[i, h·s+u, w·s+v, k] · W[u,v,k,c] + b[0,0,0,c]``, of shape
    ``(m, n_H, n_W, n_C)`` with ``n_H = ⌊(n_H_prev − f + 2p)/s⌋ + 1``. The cache is
    ``(A_prev, W, b, hparameters)``.

    >>> Z, _ = conv_forward(np.ones((1, 3, 3, 1)), np.ones((2, 2, 1, 1)), np.zeros((1, 1, 1, 1)),
    ...                     {"stride": 1, "pad": 0})
    >>> Z[0, :, :, 0]
    array([[4., 4.],
           [4., 4.]])
    """
    m, n_H, n_W, n_C, f = _conv_sizes(A_prev, W, hparameters)
    stride, pad = hparameters["stride"], hparameters["pad"]
    Z = np.zeros((m, n_H, n_W, n_C))
    A_prev_pad = zero_pad(A_prev, pad)
    for i in range(m):
        a_prev_pad = A_prev_pad[i]
        for h in range(n_H):
            vert_start = h * stride
            vert_end = vert_start + f
            for w in range(n_W):
                horiz_start = w * stride
                horiz_end = horiz_start + f
                for c in range(n_C):
                    a_slice_prev = a_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :]
                    Z[i, h, w, c] = conv_single_step(a_slice_prev, W[:, :, :, c], b[:, :, :, c])
    return Z, (A_prev, W, b, hparameters)


def conv_backward(dZ: np.ndarray, cache: ConvCache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The convolution layer's backward pass: ``(dA_prev, dW, db)`` for the upstream ``dZ``.

    ``dA_pad[i, h·s+u, w·s+v, :] += W[..., c] · dZ[i,h,w,c]``, ``dW[..., c] += a_slice · dZ[i,h,w,c]``,
    ``db[..., c] += dZ[i,h,w,c]``, summed over every example and output position (no ``1/m``);
    then the ``p``-wide border of ``dA_pad`` is removed.

    >>> cache = (np.ones((1, 2, 2, 1)), np.ones((2, 2, 1, 1)), np.zeros((1, 1, 1, 1)), {"stride": 1, "pad": 0})
    >>> dA, dW, db = conv_backward(np.full((1, 1, 1, 1), 3.0), cache)
    >>> dA[0, :, :, 0], float(db.sum())
    (array([[3., 3.],
           [3., 3.]]), 3.0)
    """
    (A_prev, W, _b, hparameters) = cache
    (m, n_H_prev, n_W_prev, _) = A_prev.shape
    (f, f, _, n_C) = W.shape
    stride, pad = hparameters["stride"], hparameters["pad"]
    (m, n_H, n_W, n_C) = dZ.shape
    dA_prev = np.zeros(A_prev.shape)
    dW = np.zeros(W.shape)
    db = np.zeros((1, 1, 1, n_C))
    A_prev_pad = zero_pad(A_prev, pad)
    dA_prev_pad = zero_pad(dA_prev, pad)
    for i in range(m):
        a_prev_pad = A_prev_pad[i]
        da_prev_pad = dA_prev_pad[i]
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    vert_start = h * stride
                    vert_end = vert_start + f
                    horiz_start = w * stride
                    horiz_end = horiz_start + f
                    a_slice = a_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :]
                    da_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :] += W[:, :, :, c] * dZ[i, h, w, c]
                    dW[:, :, :, c] += a_slice * dZ[i, h, w, c]
                    db[:, :, :, c] += dZ[i, h, w, c]
        dA_prev[i, :, :, :] = da_prev_pad[pad : pad + n_H_prev, pad : pad + n_W_prev, :]
    return dA_prev, dW, db


def create_mask_from_window(x: np.ndarray) -> np.ndarray:
    """``x == max(x)``: True at the window's maximum (at every maximum, when there are ties).

    >>> create_mask_from_window(np.array([[1.0, 3.0], [3.0, 2.0]]))
    array([[False,  True],
           [ True, False]])
    """
    return x == np.max(x)


def distribute_value(dz: float, shape: tuple[int, int]) -> np.ndarray:
    """Spread ``dz`` evenly over a window of ``shape``: ``ones(shape) · dz / (n_H · n_W)``.

    >>> distribute_value(2.0, (2, 2))
    array([[0.5, 0.5],
           [0.5, 0.5]])
    """
    (n_H, n_W) = shape
    average = dz / (n_H * n_W)
    return np.ones(shape) * average


def pool_forward(A_prev: np.ndarray, hparameters: dict[str, int], mode: str = "max") -> tuple[np.ndarray, PoolCache]:
    """Max or average pooling over ``f × f`` windows at stride ``s`` (no padding), per channel.

    ``n_H = ⌊(n_H_prev − f)/s⌋ + 1``; the average is the window's sum divided by ``f·f``. The cache
    is ``(A_prev, hparameters)``.

    >>> A, _ = pool_forward(np.arange(16.0).reshape(1, 4, 4, 1), {"f": 2, "stride": 2})
    >>> A[0, :, :, 0]
    array([[ 5.,  7.],
           [13., 15.]])
    """
    _check_mode(mode)
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    f, stride = hparameters["f"], hparameters["stride"]
    n_H = int(1 + (n_H_prev - f) / stride)
    n_W = int(1 + (n_W_prev - f) / stride)
    n_C = n_C_prev
    A = np.zeros((m, n_H, n_W, n_C))
    for i in range(m):
        for h in range(n_H):
            vert_start = h * stride
            vert_end = vert_start + f
            for w in range(n_W):
                horiz_start = w * stride
                horiz_end = horiz_start + f
                for c in range(n_C):
                    a_prev_slice = A_prev[i, vert_start:vert_end, horiz_start:horiz_end, c]
                    if mode == "max":
                        A[i, h, w, c] = np.max(a_prev_slice)
                    else:
                        A[i, h, w, c] = np.mean(a_prev_slice)
    return A, (A_prev, hparameters)


def pool_backward(dA: np.ndarray, cache: PoolCache, mode: str = "max") -> np.ndarray:
    """The pooling layer's backward pass: ``dA_prev`` for the upstream ``dA``.

    Max: each window's gradient goes to its maximum through ``create_mask_from_window`` (to every
    maximum under ties). Average: it is spread evenly with ``distribute_value``. Overlapping
    windows accumulate.

    >>> A_prev = np.arange(4.0).reshape(1, 2, 2, 1)
    >>> pool_backward(np.ones((1, 1, 1, 1)), (A_prev, {"f": 2, "stride": 1}), "max")[0, :, :, 0]
    array([[0., 0.],
           [0., 1.]])
    """
    _check_mode(mode)
    (A_prev, hparameters) = cache
    stride, f = hparameters["stride"], hparameters["f"]
    m, _n_H_prev, _n_W_prev, _n_C_prev = A_prev.shape
    m, n_H, n_W, n_C = dA.shape
    dA_prev = np.zeros(A_prev.shape)
    for i in range(m):
        a_prev = A_prev[i]
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    vert_start = h * stride
                    vert_end = vert_start + f
                    horiz_start = w * stride
                    horiz_end = horiz_start + f
                    if mode == "max":
                        a_prev_slice = a_prev[vert_start:vert_end, horiz_start:horiz_end, c]
                        mask = create_mask_from_window(a_prev_slice)
                        dA_prev[i, vert_start:vert_end, horiz_start:horiz_end, c] += mask * dA[i, h, w, c]
                    else:
                        da = dA[i, h, w, c]
                        dA_prev[i, vert_start:vert_end, horiz_start:horiz_end, c] += distribute_value(da, (f, f))
    return dA_prev


def _check_mode(mode: Any) -> None:
    if mode not in ("max", "average"):
        raise ValueError(f"pooling mode must be 'max' or 'average', got {mode!r}")
