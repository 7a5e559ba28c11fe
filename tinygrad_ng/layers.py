"""Layers beyond the fully connected network: convolution, pooling, dropout, normalisation, embedding.

They are :class:`tinygrad_ng.nn.Module` subclasses (also reachable as ``tinygrad_ng.nn.Conv2d``
and so on) built from the primitives, so their gradients come from the engine. Images are
``(N, C, H, W)`` by default or the course's ``(m, n_H, n_W, n_C)`` with ``layout="NHWC"``;
fully connected data keeps the course's columns-are-examples layout ``(n, m)``, so
:class:`Flatten` turns a batch of images into ``(features, m)`` for a following ``Linear``.

>>> import numpy as np
>>> from tinygrad_ng import nn
>>> model = nn.Sequential(
...     nn.Conv2d(3, 4, 3, padding=1, seed=0), nn.ReLU(), nn.MaxPool2d(2),
...     nn.Flatten(), nn.Linear(4 * 4 * 4, 1, "sigmoid", seed=1))
>>> model(np.zeros((5, 3, 8, 8))).shape                 # 5 images in, (1, 5) out
(1, 5)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from ._random import Seed, generator
from .conv import Layout, Padding, adaptive_avg_pool2d, avg_pool2d, conv2d, max_pool2d
from .errors import ArgumentError, ShapeError
from .module import Module
from .tensor import Tensor, constant

__all__ = [
    "Conv2d",
    "MaxPool2d",
    "AvgPool2d",
    "AdaptiveAvgPool2d",
    "Flatten",
    "Dropout",
    "BatchNorm1d",
    "BatchNorm2d",
    "LayerNorm",
    "Embedding",
    "l2_penalty",
]


def _positive_int(value: Any, what: str, name: str) -> int:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
        raise ArgumentError(f"{name}: {what} must be an int >= 1, got {value!r}")
    return int(value)


def _kernel(value: Any, name: str) -> tuple[int, int]:
    pair = (value, value) if isinstance(value, (int, np.integer)) else tuple(value)
    if len(pair) != 2:
        raise ArgumentError(f"{name}: kernel_size must be an int or a pair, got {value!r}")
    return (_positive_int(pair[0], "kernel_size", name), _positive_int(pair[1], "kernel_size", name))


# --------------------------------------------------------------------------- convolution and pooling
class Conv2d(Module):
    """A 2-D convolution layer: ``conv2d(x, W, b)``; see :func:`tinygrad_ng.conv.conv2d`.

    ``W`` is ``(C_out, C_in / groups, kH, kW)`` and ``b`` is ``(C_out,)`` for ``layout="NCHW"``; the
    course's ``(f, f, n_C_prev / groups, n_C)`` and ``(1, 1, 1, n_C)`` for ``layout="NHWC"``. The
    weights are drawn ``randn · sqrt(2 / fan_in)`` (He) with ``fan_in = C_in / groups · kH · kW``,
    or ``randn · 0.01`` with ``init="course-small"``; the bias starts at zero.

    Args:
        in_channels: channels of the input.
        out_channels: filters, the channels of the output.
        kernel_size: an int or ``(kH, kW)``.
        stride: an int or a pair.
        padding: an int, a pair, four ints, ``"same"`` or ``"valid"``.
        dilation: an int or a pair.
        groups: independent channel groups.
        bias: whether to add a learnable bias.
        layout: ``"NCHW"`` or ``"NHWC"``.
        init: ``"he"`` or ``"course-small"``.
        seed: None (NumPy's global generator), an int, or a generator.
        dtype: the parameters' dtype (float64 by default).

    >>> layer = Conv2d(4, 8, 3, stride=2, padding=1, layout="NHWC", seed=0)
    >>> layer.W.shape, layer.b.shape, layer(np.zeros((2, 5, 7, 4))).shape
    ((3, 3, 4, 8), (1, 1, 1, 8), (2, 3, 4, 8))
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | Sequence[int],
        stride: int | Sequence[int] = 1,
        padding: Padding = 0,
        dilation: int | Sequence[int] = 1,
        groups: int = 1,
        bias: bool = True,
        layout: Layout = "NCHW",
        *,
        init: str = "he",
        seed: Seed = None,
        dtype: Any = None,
    ) -> None:
        name = "Conv2d"
        c_in, c_out = _positive_int(in_channels, "in_channels", name), _positive_int(out_channels, "out_channels", name)
        groups = _positive_int(groups, "groups", name)
        if c_in % groups or c_out % groups:
            raise ArgumentError(
                f"{name}: in_channels {c_in} and out_channels {c_out} must both divide by groups {groups}"
            )
        if layout not in ("NCHW", "NHWC"):
            raise ArgumentError(f"{name}: layout must be 'NCHW' or 'NHWC', got {layout!r}")
        if init not in ("he", "course-small"):
            raise ArgumentError(f"{name}: init must be 'he' or 'course-small', got {init!r}")
        kh, kw = _kernel(kernel_size, name)
        shape = (c_out, c_in // groups, kh, kw) if layout == "NCHW" else (kh, kw, c_in // groups, c_out)
        draw = generator(seed).standard_normal(shape)
        scale = 0.01 if init == "course-small" else np.sqrt(2 / (c_in // groups * kh * kw))
        dt = np.dtype(dtype or np.float64)
        self.W = Tensor((draw * scale).astype(dt, copy=False), requires_grad=True)
        if bias:
            self.b = Tensor(np.zeros((c_out,) if layout == "NCHW" else (1, 1, 1, c_out), dt), requires_grad=True)
        self.in_channels, self.out_channels = c_in, c_out
        self.args = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups, "layout": layout}
        conv2d(np.zeros((1, c_in, kh, kw) if layout == "NCHW" else (1, kh, kw, c_in)), self.W.data, **self.args)

    def forward(self, x: Tensor) -> Tensor:
        """Convolve ``x`` with the layer's filters."""
        return conv2d(x, self.W, getattr(self, "b", None), **self.args)

    def extra_repr(self) -> str:
        """The arguments shown inside the repr."""
        k = self.W.shape[2:] if self.args["layout"] == "NCHW" else self.W.shape[:2]
        extras = "".join(f", {k}={v!r}" for k, v in self.args.items() if v not in (1, 0, "NCHW"))
        return f"{self.in_channels}, {self.out_channels}, kernel_size={tuple(k)}{extras}"


class MaxPool2d(Module):
    """Max pooling; see :func:`tinygrad_ng.conv.max_pool2d` (tied maxima share the gradient).

    Args:
        kernel_size: the window, an int or a pair (the course's ``f``).
        stride: the step between windows (default: the window).
        padding: at most half the window.
        layout: ``"NCHW"`` or ``"NHWC"``.

    >>> MaxPool2d(2)(np.arange(16.0).reshape(1, 1, 4, 4)).data[0, 0]
    array([[ 5.,  7.],
           [13., 15.]])
    """

    def __init__(
        self,
        kernel_size: int | Sequence[int],
        stride: int | Sequence[int] | None = None,
        padding: int | Sequence[int] = 0,
        layout: Layout = "NCHW",
    ) -> None:
        self.args = {"kernel_size": kernel_size, "stride": stride, "padding": padding, "layout": layout}

    def forward(self, x: Tensor) -> Tensor:
        """Pool ``x``."""
        return max_pool2d(x, **self.args)

    def extra_repr(self) -> str:
        """The arguments shown inside the repr."""
        return ", ".join(f"{k}={v!r}" for k, v in self.args.items())


class AvgPool2d(MaxPool2d):
    """Average pooling; see :func:`tinygrad_ng.conv.avg_pool2d`.

    Args:
        kernel_size: the window, an int or a pair (the course's ``f``).
        stride: the step between windows (default: the window).
        padding: at most half the window; the zeros count in the mean.
        layout: ``"NCHW"`` or ``"NHWC"``.

    >>> AvgPool2d(2, layout="NHWC")(np.ones((1, 4, 4, 3))).shape
    (1, 2, 2, 3)
    """

    def forward(self, x: Tensor) -> Tensor:
        """Pool ``x``."""
        return avg_pool2d(x, **self.args)


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed output size; see :func:`tinygrad_ng.conv.adaptive_avg_pool2d`.

    Args:
        output_size: ``h`` or ``(h, w)``.
        layout: ``"NCHW"`` or ``"NHWC"``.

    >>> AdaptiveAvgPool2d(1)(np.ones((2, 3, 5, 5))).shape
    (2, 3, 1, 1)
    """

    def __init__(self, output_size: int | Sequence[int], layout: Layout = "NCHW") -> None:
        self.output_size, self.layout = output_size, layout

    def forward(self, x: Tensor) -> Tensor:
        """Pool ``x``."""
        return adaptive_avg_pool2d(x, self.output_size, self.layout)


class Flatten(Module):
    """Flatten each example: ``(m, ...)`` to ``(features, m)``, the course's ``X.reshape(m, -1).T``.

    The output has examples as columns, so a :class:`tinygrad_ng.nn.Linear` can follow; with
    ``columns=False`` it is ``(m, features)``.

    Args:
        columns: whether examples become columns (the course's layout).

    >>> Flatten()(np.zeros((5, 2, 3, 4))).shape
    (24, 5)
    """

    def __init__(self, columns: bool = True) -> None:
        self.columns = bool(columns)

    def forward(self, x: Tensor) -> Tensor:
        """Flatten ``x``."""
        if x.ndim < 1:
            raise ShapeError(f"Flatten: needs at least one axis (the examples), got shape {x.shape}")
        flat = x.reshape((x.shape[0], -1))
        return flat.T if self.columns else flat


# --------------------------------------------------------------------------- dropout and L2
class Dropout(Module):
    """Inverted dropout, as the course writes it: ``A = (A ⊙ D) / keep_prob`` with ``D = rand < keep_prob``.

    In training mode each call draws a fresh mask ``D`` of ``x``'s shape from the layer's
    generator (``rand``, so a ``RandomState`` seeded as the course seeds reproduces its masks);
    in evaluation mode (``model.eval()``) the layer is the identity. Unlike the course's
    ``forward_propagation_with_dropout``, the layer never reseeds itself. ``last_mask`` holds the
    most recent mask.

    Args:
        keep_prob: the probability of keeping a unit, in (0, 1]; 1 keeps every unit.
        seed: None (NumPy's global generator), an int (a private ``RandomState``), or a generator.

    >>> drop = Dropout(keep_prob=0.5, seed=0)
    >>> drop(np.ones((2, 4))).data
    array([[0., 0., 0., 0.],
           [2., 0., 2., 0.]])
    >>> drop.eval()(np.ones((2, 4))).data
    array([[1., 1., 1., 1.],
           [1., 1., 1., 1.]])
    """

    def __init__(self, keep_prob: float = 0.5, seed: Seed = None) -> None:
        if not isinstance(keep_prob, (int, float, np.floating)) or not 0 < keep_prob <= 1:
            raise ArgumentError(f"Dropout: keep_prob must be in (0, 1], got {keep_prob!r}")
        self.keep_prob = float(keep_prob)
        self._rng = generator(seed)
        self.last_mask: np.ndarray | None = None

    def forward(self, x: Tensor) -> Tensor:
        """Drop units of ``x`` (training mode) or pass it through (evaluation mode)."""
        if not self.training or self.keep_prob == 1:
            return x
        draw = self._rng.random_sample if hasattr(self._rng, "random_sample") else self._rng.random
        self.last_mask = draw(x.shape) < self.keep_prob
        return x * constant(self.last_mask.astype(x.dtype)) / self.keep_prob

    def extra_repr(self) -> str:
        """The arguments shown inside the repr."""
        return f"keep_prob={self.keep_prob}"


def l2_penalty(weights: Iterable[Tensor], lambd: float, m: int) -> Tensor:
    """The course's L2 cost term ``(1/m) · (λ/2) · Σ_l ‖W_l‖²`` (squared Frobenius norms).

    Add it to the cross-entropy cost; its gradient is ``(λ/m) W_l``. Pass the weights only: the
    course does not regularise the biases.

    Args:
        weights: the weight tensors.
        lambd: λ, at least 0.
        m: the number of examples.

    >>> from tinygrad_ng import Tensor
    >>> W = Tensor([[1.0, 2.0]], requires_grad=True)
    >>> cost = l2_penalty([W], lambd=0.7, m=5); cost.backward()
    >>> round(cost.item(), 6), W.grad                      # 0.7/10 · 5 and (0.7/5) W
    (0.35, array([[0.14, 0.28]]))
    """
    if not lambd >= 0:
        raise ArgumentError(f"l2_penalty: lambd must be >= 0, got {lambd!r}")
    if not isinstance(m, (int, np.integer)) or m < 1:
        raise ArgumentError(f"l2_penalty: m must be a positive int, got {m!r}")
    ws = list(weights)
    if not ws:
        raise ArgumentError("l2_penalty: got no weights")
    total = (ws[0] * ws[0]).sum()
    for w in ws[1:]:
        total = total + (w * w).sum()
    return total * (1 / m * lambd / 2)


# --------------------------------------------------------------------------- normalisation
class _Norm(Module):
    """Shared by the batch and layer norms: ``γ ⊙ (x − μ) / sqrt(σ² + ε) + β`` over ``axes``."""

    def _normalise(self, x: Tensor, axes: tuple[int, ...]) -> tuple[Tensor, Tensor, Tensor]:
        mu = x.mean(axis=axes, keepdims=True)
        xc = x - mu
        var = (xc * xc).mean(axis=axes, keepdims=True)
        return xc / (var + self.eps).sqrt(), mu, var


class _BatchNorm(_Norm):
    _axes: tuple[int, ...]
    _feature_axis: int
    _ndim: int

    def __init__(self, num_features: int, eps: float, momentum: float, dtype: Any, name: str) -> None:
        n = _positive_int(num_features, "num_features", name)
        if not 0 <= momentum <= 1:
            raise ArgumentError(f"{name}: momentum must be in [0, 1], got {momentum!r}")
        shape = [1] * self._ndim
        shape[self._feature_axis] = n
        dt = np.dtype(dtype or np.float64)
        self.gamma = Tensor(np.ones(shape, dt), requires_grad=True)
        self.beta = Tensor(np.zeros(shape, dt), requires_grad=True)
        self.running_mean = np.zeros(shape, dt)
        self.running_var = np.ones(shape, dt)
        self.eps, self.momentum, self.num_features, self._name = float(eps), float(momentum), n, name

    def forward(self, x: Tensor) -> Tensor:
        """Normalise ``x`` with batch statistics (training) or the running ones (evaluation)."""
        if x.ndim != self._ndim or x.shape[self._feature_axis] != self.num_features:
            raise ShapeError(
                f"{self._name}: expected {self.num_features} features on axis {self._feature_axis} of a "
                f"{self._ndim}-D input, got shape {x.shape}"
            )
        if not self.training:
            x_hat = (x - constant(self.running_mean)) / constant(np.sqrt(self.running_var + self.eps))
            return self.gamma * x_hat + self.beta
        count = int(np.prod([x.shape[a] for a in self._axes]))
        if count < 2:
            raise ShapeError(
                f"{self._name}: batch statistics need more than one value per feature, got shape {x.shape}"
            )
        x_hat, mu, var = self._normalise(x, self._axes)
        k = self.momentum
        self.running_mean = (1 - k) * self.running_mean + k * mu.data
        self.running_var = (1 - k) * self.running_var + k * var.data * (count / (count - 1))  # unbiased
        return self.gamma * x_hat + self.beta

    def extra_repr(self) -> str:
        """The arguments shown inside the repr."""
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}"


class BatchNorm1d(_BatchNorm):
    """Batch norm over the examples of ``(n, m)`` data, the course's layout: ``z̃ = γ ẑ + β`` per unit.

    Training: ``μ`` and ``σ²`` (biased) over the ``m`` columns, ``ẑ = (z − μ)/√(σ² + ε)``; the
    running statistics move by ``momentum`` (the variance unbiased, as PyTorch). Evaluation
    (``.eval()``): the running statistics. ``gamma`` and ``beta`` are ``(n, 1)``.

    Args:
        num_features: ``n``, the units.
        eps: ε.
        momentum: the weight of each new batch in the running statistics.
        dtype: the parameters' dtype.

    >>> bn = BatchNorm1d(1)
    >>> bn(np.array([[1.0, 3.0]])).data.round(4)
    array([[-1.,  1.]])
    """

    _axes, _feature_axis, _ndim = (1,), 0, 2

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1, dtype: Any = None) -> None:
        super().__init__(num_features, eps, momentum, dtype, "BatchNorm1d")


class BatchNorm2d(_BatchNorm):
    """Batch norm per channel of images, over the batch and both spatial axes.

    Args:
        num_features: the channels.
        eps: ε.
        momentum: the weight of each new batch in the running statistics.
        layout: ``"NCHW"`` (``gamma (1, C, 1, 1)``) or ``"NHWC"`` (``gamma (1, 1, 1, C)``).
        dtype: the parameters' dtype.

    >>> bn = BatchNorm2d(3)
    >>> y = bn(np.random.RandomState(0).randn(4, 3, 5, 5))
    >>> np.abs(y.data.mean(axis=(0, 2, 3))).max() < 1e-12
    np.True_
    """

    _ndim = 4

    def __init__(
        self, num_features: int, eps: float = 1e-5, momentum: float = 0.1, layout: Layout = "NCHW", dtype: Any = None
    ) -> None:
        if layout not in ("NCHW", "NHWC"):
            raise ArgumentError(f"BatchNorm2d: layout must be 'NCHW' or 'NHWC', got {layout!r}")
        self._feature_axis = 1 if layout == "NCHW" else 3
        self._axes = (0, 2, 3) if layout == "NCHW" else (0, 1, 2)
        super().__init__(num_features, eps, momentum, dtype, "BatchNorm2d")


class LayerNorm(_Norm):
    """Layer norm: each example normalised over its own features, then ``γ ⊙ x̂ + β``.

    For the course's ``(n, m)`` layout the features are ``axis=0`` (the default); for ``(m, n)``
    data pass ``axis=-1``. Same in training and evaluation.

    Args:
        num_features: ``n``.
        eps: ε.
        axis: the features' axis of a 2-D input.
        dtype: the parameters' dtype.

    >>> LayerNorm(2)(np.array([[1.0, 5.0], [3.0, 5.0]])).data.round(4)   # columns are examples
    array([[-1.,  0.],
           [ 1.,  0.]])
    """

    def __init__(self, num_features: int, eps: float = 1e-5, axis: int = 0, dtype: Any = None) -> None:
        n = _positive_int(num_features, "num_features", "LayerNorm")
        if axis not in (0, 1, -1, -2):
            raise ArgumentError(f"LayerNorm: axis must be 0 or -1 of a 2-D input, got {axis!r}")
        self.axis = axis % 2
        shape = (n, 1) if self.axis == 0 else (1, n)
        dt = np.dtype(dtype or np.float64)
        self.gamma = Tensor(np.ones(shape, dt), requires_grad=True)
        self.beta = Tensor(np.zeros(shape, dt), requires_grad=True)
        self.eps, self.num_features = float(eps), n

    def forward(self, x: Tensor) -> Tensor:
        """Normalise each example of ``x``."""
        if x.ndim != 2 or x.shape[self.axis] != self.num_features:
            raise ShapeError(
                f"LayerNorm: expected {self.num_features} features on axis {self.axis} of a 2-D input, "
                f"got shape {x.shape}"
            )
        return self.gamma * self._normalise(x, (self.axis,))[0] + self.beta


# --------------------------------------------------------------------------- embedding
class Embedding(Module):
    """A lookup table: integer indices to rows of ``W (num_embeddings, dim)``.

    The output has shape ``indices.shape + (dim,)``; for the course's columns layout take
    ``.T`` of a 1-D lookup to get ``(dim, m)``. Equivalent to ``W.T @ one_hot(indices)``, without
    building the one-hot vectors. Repeated indices accumulate their gradients.

    Args:
        num_embeddings: the vocabulary size.
        dim: the size of each vector.
        seed: None (NumPy's global generator), an int, or a generator (``W = randn``).
        dtype: the parameters' dtype.

    >>> emb = Embedding(27, 4, seed=0)
    >>> emb(np.array([1, 2, 1])).shape
    (3, 4)
    """

    def __init__(self, num_embeddings: int, dim: int, *, seed: Seed = None, dtype: Any = None) -> None:
        n = _positive_int(num_embeddings, "num_embeddings", "Embedding")
        d = _positive_int(dim, "dim", "Embedding")
        draw = generator(seed).standard_normal((n, d))
        self.W = Tensor(draw.astype(np.dtype(dtype or np.float64), copy=False), requires_grad=True)

    def forward(self, x: Tensor) -> Tensor:
        """Look up the rows of ``x``, an integer tensor or array."""
        indices = x.data
        if indices.dtype.kind not in "iu":
            raise ArgumentError(f"Embedding: indices must be integers, got dtype {indices.dtype}")
        n = self.W.shape[0]
        if indices.size and (indices.min() < 0 or indices.max() >= n):
            raise ShapeError(
                f"Embedding: indices must be in [0, {n}), got values from {indices.min()} to {indices.max()}"
            )
        return self.W[indices]

    def extra_repr(self) -> str:
        """The arguments shown inside the repr."""
        return f"{self.W.shape[0]}, {self.W.shape[1]}"
