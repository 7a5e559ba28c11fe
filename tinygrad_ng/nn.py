"""Neural-network building blocks in the course's layout: samples are columns.

A :class:`Module` finds its parameters and sub-modules from its attributes, names each parameter
by its dotted path (``layers.0.W``; the name is also set as ``Tensor.name``, so graph drawings
show it) and runs its forward pass inside :func:`tinygrad_ng.name_scope` with its attribute
name, so drawings can group each layer's ops.

>>> import numpy as np
>>> from tinygrad_ng import nn
>>> model = nn.MLP([2, 4, 1], hidden="tanh", init="course-small", seed=2)
>>> [name for name, _ in model.named_parameters()]
['W1', 'b1', 'W2', 'b2']
>>> model(np.zeros((2, 5))).shape  # (n_x, m) in, (1, m) out
(1, 5)
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ._random import Seed, generator
from .errors import ArgumentError, ShapeError
from .layers import (
    AdaptiveAvgPool2d,
    AvgPool2d,
    BatchNorm1d,
    BatchNorm2d,
    Conv2d,
    Dropout,
    Embedding,
    Flatten,
    LayerNorm,
    MaxPool2d,
    l2_penalty,
)
from .module import ACTIVATIONS, INITS, Module, _activation, init_weight
from .recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from .tensor import Tensor, name_scope

__all__ = [
    "Module",
    "Linear",
    "Sequential",
    "MLP",
    "ReLU",
    "Tanh",
    "Sigmoid",
    "LeakyReLU",
    "Identity",
    "init_weight",
    "INITS",
    "ACTIVATIONS",
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
    "RNNCell",
    "LSTMCell",
    "GRUCell",
    "RNN",
    "LSTM",
    "GRU",
]


class Linear(Module):
    """``Z = W X + b`` with ``W (n_out, n_in)``, ``b (n_out, 1)``, ``X (n_in, m)``; optional activation.

    Args:
        n_in: the number of input units, the course's ``n_{l-1}``.
        n_out: the number of units of this layer, the course's ``n_l``.
        activation: ``None``, ``"relu"``, ``"tanh"``, ``"sigmoid"`` or ``"leaky_relu"``, applied to Z.
        init: the weight initialiser (see :func:`init_weight`); biases start at zero.
        seed: None (NumPy's global generator), an int, or a generator to draw from.

    >>> layer = Linear(3, 2, activation="relu", seed=0)
    >>> layer.W.shape, layer.b.shape, layer(np.ones((3, 5))).shape
    ((2, 3), (2, 1), (2, 5))
    """

    def __init__(
        self,
        n_in: int,
        n_out: int,
        activation: str | None = None,
        *,
        init: str = "course-deep",
        seed: Seed = None,
        dtype: Any = None,
    ) -> None:
        self._g = _activation(activation, "Linear")
        self.activation = activation
        self.W = Tensor(init_weight(n_out, n_in, init, seed, dtype), requires_grad=True)
        self.b = Tensor(np.zeros((n_out, 1), np.dtype(dtype or np.float64)), requires_grad=True)

    def forward(self, x: Tensor) -> Tensor:
        """Apply the layer to ``x (n_in, m)``."""
        if x.ndim != 2 or x.shape[0] != self.W.shape[1]:
            raise ShapeError(
                f"Linear: input has shape {x.shape} but W is {self.W.shape}; the input must be "
                f"(n_in={self.W.shape[1]}, m) with samples as columns"
            )
        z = self.W @ x + self.b
        return z if self._g is None else self._g(z)

    def extra_repr(self) -> str:
        """The arguments shown inside the repr."""
        act = f", activation={self.activation!r}" if self.activation else ""
        return f"n_in={self.W.shape[1]}, n_out={self.W.shape[0]}{act}"


class _Elementwise(Module):
    fn: Callable[[Tensor], Tensor]

    def forward(self, x: Tensor) -> Tensor:
        """Apply the function elementwise."""
        return type(self).fn(x)


class ReLU(_Elementwise):
    """Elementwise ``max(z, 0)``; any shape in, the same shape out.

    >>> ReLU()(np.array([[-1.0, 0.0, 2.0]])).data
    array([[0., 0., 2.]])
    """

    fn = Tensor.relu


class Tanh(_Elementwise):
    """Elementwise ``tanh(z)``; any shape in, the same shape out.

    >>> Tanh()(np.array([[-1.0, 0.0, 2.0]])).data.round(4)
    array([[-0.7616,  0.    ,  0.964 ]])
    """

    fn = Tensor.tanh


class Sigmoid(_Elementwise):
    """Elementwise ``1 / (1 + e^-z)``; any shape in, the same shape out.

    >>> Sigmoid()(np.array([[-1.0, 0.0, 2.0]])).data.round(4)
    array([[0.2689, 0.5   , 0.8808]])
    """

    fn = Tensor.sigmoid


class Identity(_Elementwise):
    """Returns its input unchanged (a placeholder where a layer is expected).

    >>> net = Sequential(Linear(3, 2, seed=0), Identity())
    >>> net(np.ones((3, 4))).shape, len(net.parameters())
    ((2, 4), 2)
    """

    @staticmethod
    def fn(x: Tensor) -> Tensor:
        """Return ``x``."""
        return x


class LeakyReLU(Module):
    """Elementwise ``z`` where ``z > 0``, else ``slope * z``; any shape in, the same shape out.

    >>> act = LeakyReLU(slope=0.1)
    >>> act, act(np.array([[-1.0, 0.0, 2.0]])).data
    (LeakyReLU(slope=0.1), array([[-0.1,  0. ,  2. ]]))
    """

    def __init__(self, slope: float = 0.01) -> None:
        self.slope = slope

    def forward(self, x: Tensor) -> Tensor:
        """Apply the function elementwise."""
        return x.leaky_relu(self.slope)

    def extra_repr(self) -> str:
        """The arguments shown inside the repr."""
        return f"slope={self.slope}"


class Sequential(Module):
    """Modules applied in order; parameters are named ``layers.<i>.<name>``.

    >>> net = Sequential(Linear(2, 3, "relu", seed=0), Linear(3, 1, "sigmoid", seed=0))
    >>> [name for name, _ in net.named_parameters()]
    ['layers.0.W', 'layers.0.b', 'layers.1.W', 'layers.1.b']
    """

    def __init__(self, *layers: Module) -> None:
        for i, m in enumerate(layers):
            if not isinstance(m, Module):
                raise ArgumentError(f"Sequential: layer {i} is a {type(m).__name__}, not a Module")
        self.layers = list(layers)

    def forward(self, x: Tensor) -> Tensor:
        """Apply the layers in order."""
        for layer in self.layers:
            x = layer(x)
        return x

    def __getitem__(self, i: int) -> Module:
        return self.layers[i]

    def __len__(self) -> int:
        return len(self.layers)


class MLP(Module):
    """The course's L-layer network, described by its ``n_units`` list ``[n_x, n_1, ..., n_L]``.

    Parameters are named as in the course's ``parameters`` dict: ``W1, b1, ..., WL, bL``, with
    ``Wl (n_l, n_{l-1})`` and ``bl (n_l, 1)``, drawn in the order W1, W2, ... WL from one generator,
    so ``MLP([12288, 7, 1], init="course-small", seed=1)`` equals the course's
    ``np.random.seed(1)`` initialisation exactly. Layer ``l`` runs in ``name_scope("layer<l>")``,
    and its outputs are named ``Z<l>`` and ``A<l>`` as in the course.

    Args:
        n_units: layer sizes, input first; ``[n_x, 1]`` is logistic regression.
        hidden: activation of layers 1..L-1 (``"relu"``, ``"tanh"``, ...).
        output: activation of layer L: ``"sigmoid"`` (probabilities) or ``None`` (logits).
        init: weight initialiser, see :func:`init_weight`.
        seed: None (NumPy's global generator), an int, or a generator to draw from.

    >>> model = MLP([12288, 20, 7, 5, 1], init="course-deep", seed=1)
    >>> model.W1.shape, model.b4.shape
    ((20, 12288), (1, 1))
    >>> A4 = model(np.zeros((12288, 3)))
    >>> A4.name, A4.parents[0].name  # A4 = sigmoid(Z4)
    ('A4', 'Z4')
    """

    def __init__(
        self,
        n_units: Sequence[int],
        hidden: str = "relu",
        output: str | None = "sigmoid",
        *,
        init: str = "course-deep",
        seed: Seed = None,
        dtype: Any = None,
    ) -> None:
        n_units = [int(n) for n in n_units]
        if len(n_units) < 2 or min(n_units) < 1:
            raise ArgumentError(f"MLP: n_units must list at least two positive sizes [n_x, ..., n_L], got {n_units}")
        self.n_units = n_units
        self.hidden = hidden
        self.output = output
        self._hidden = _activation(hidden, "MLP")
        self._output = _activation(output, "MLP")
        rng = generator(seed)
        for layer, (n_in, n_out) in enumerate(itertools.pairwise(n_units), start=1):
            W = init_weight(n_out, n_in, init, rng, dtype)
            setattr(self, f"W{layer}", Tensor(W, requires_grad=True))
            setattr(self, f"b{layer}", Tensor(np.zeros((n_out, 1), W.dtype), requires_grad=True))

    @property
    def num_layers(self) -> int:
        """L, the number of layers with parameters."""
        return len(self.n_units) - 1

    def forward(self, x: Tensor) -> Tensor:
        """The output ``A_L (n_L, m)`` for the input ``x (n_x, m)``."""
        if x.ndim != 2 or x.shape[0] != self.n_units[0]:
            raise ShapeError(
                f"MLP: input has shape {x.shape}; expected (n_x={self.n_units[0]}, m) with samples as columns"
            )
        a = x
        L = self.num_layers
        for layer in range(1, L + 1):
            g = self._output if layer == L else self._hidden
            with name_scope(f"layer{layer}"):
                z = getattr(self, f"W{layer}") @ a + getattr(self, f"b{layer}")
                z.name = f"Z{layer}"  # the course's names, shown in graphs (dZ1 = ... in the explorer)
                a = z if g is None else g(z)
                if g is not None:
                    a.name = f"A{layer}"
        return a

    def extra_repr(self) -> str:
        """The arguments shown inside the repr."""
        return f"n_units={self.n_units}, hidden={self.hidden!r}, output={self.output!r}"
