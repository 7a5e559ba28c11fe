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

import contextlib
import itertools
import os
import warnings
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from ._files import atomic_write
from ._random import Seed, generator
from .errors import ArgumentError, SerializationError, ShapeError
from .tensor import ArrayLike, Tensor, constant, name_scope

# Layers defined in modules above this one (they subclass Module), importable from here too.
_LATER_LAYERS = {
    **dict.fromkeys(
        ["Conv2d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "Flatten", "Dropout", "BatchNorm1d",
         "BatchNorm2d", "LayerNorm", "Embedding", "l2_penalty"],
        "layers",
    ),
    **dict.fromkeys(["RNNCell", "LSTMCell", "GRUCell", "RNN", "LSTM", "GRU"], "recurrent"),
}  # fmt: skip

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
    *_LATER_LAYERS,
]


# How each initialiser scales a standard-normal (n_out, n_in) draw; n_in is n_{l-1}. Written as the
# course writes them (``* 0.01``, ``/ sqrt(n)``), so the results are bit for bit the course's.
INITS: dict[str, Callable[[np.ndarray, int, int], np.ndarray]] = {
    "course-small": lambda w, n_in, n_out: w * 0.01,
    "course-deep": lambda w, n_in, n_out: w / np.sqrt(n_in),
    "he": lambda w, n_in, n_out: w * np.sqrt(2 / n_in),  # He et al. 2015, for ReLU layers
    "xavier": lambda w, n_in, n_out: w * np.sqrt(2 / (n_in + n_out)),  # Glorot & Bengio 2010
}

ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {
    "relu": Tensor.relu,
    "tanh": Tensor.tanh,
    "sigmoid": Tensor.sigmoid,
    "leaky_relu": Tensor.leaky_relu,
}


def init_weight(n_out: int, n_in: int, init: str = "course-deep", seed: Seed = None, dtype: Any = None) -> np.ndarray:
    """A weight matrix ``(n_out, n_in)`` drawn by the initialiser ``init``.

    ``"course-small"`` is ``randn * 0.01``, ``"course-deep"`` is ``randn / sqrt(n_in)``, ``"he"``
    is ``randn * sqrt(2 / n_in)``, ``"xavier"`` is ``randn * sqrt(2 / (n_in + n_out))``, and
    ``"zeros"`` is all zeros (it warns when ``n_out > 1``: hidden units that start equal get equal
    gradients and stay equal, as the course explains). See ``_generator`` for ``seed``.

    >>> W = init_weight(4, 2, "course-small", seed=2)
    >>> bool(np.array_equal(W, np.random.RandomState(2).randn(4, 2) * 0.01))
    True
    """
    dtype = np.dtype(dtype or np.float64)
    if init == "zeros":
        if n_out > 1:
            warnings.warn(
                f"init='zeros' for a layer of {n_out} units: units that start equal get equal gradients "
                "and stay equal (symmetry is never broken); use 'course-small', 'course-deep' or 'he'",
                UserWarning,
                stacklevel=3,
            )
        return np.zeros((n_out, n_in), dtype)
    if init not in INITS:
        raise ArgumentError(f"init_weight: unknown init {init!r}; choose one of {['zeros', *INITS]}")
    draw = generator(seed).standard_normal((n_out, n_in))
    return INITS[init](draw, n_in, n_out).astype(dtype, copy=False)


def _activation(name: str | None, where: str) -> Callable[[Tensor], Tensor] | None:
    if name is None:
        return None
    if name not in ACTIVATIONS:
        raise ArgumentError(f"{where}: unknown activation {name!r}; choose one of {[*ACTIVATIONS, None]}")
    return ACTIVATIONS[name]


class Module:
    """Base class: parameters and sub-modules are found from the attributes, in assignment order.

    A parameter is an attribute holding a :class:`Tensor` that requires grad; a sub-module is an
    attribute holding a Module, or a list/tuple of Modules (named ``key.0``, ``key.1``...).
    Subclasses define ``forward``; calling the module runs it inside ``name_scope`` of the
    module's attribute name in its parent, and names an unnamed output by that path (``hidden``),
    so graph drawings say which module made which tensor.

    >>> class TwoLayer(Module):
    ...     def __init__(self):
    ...         self.hidden = Linear(2, 4, "tanh", seed=0)     # W (4, 2), b (4, 1)
    ...         self.out = Linear(4, 1, "sigmoid", seed=1)     # W (1, 4), b (1, 1)
    ...     def forward(self, x):
    ...         return self.out(self.hidden(x))
    >>> model = TwoLayer()
    >>> [name for name, _ in model.named_parameters()]
    ['hidden.W', 'hidden.b', 'out.W', 'out.b']
    >>> model(np.zeros((2, 5))).shape                       # (n_x, m) in, (1, m) out
    (1, 5)
    >>> model.hidden.W.name, model.num_parameters()
    ('hidden.W', 17)
    >>> model.hidden(np.zeros((2, 5))).name
    'hidden'
    """

    _scope: str | None = None
    training: bool = True  # switched by train() / eval(); read by Dropout and batch norm

    def forward(self, x: Tensor) -> Tensor:
        """The module's computation; subclasses define it (call the module, not this, to get its name scope)."""
        raise NotImplementedError(f"{type(self).__name__} must define forward(x)")

    def __call__(self, x: ArrayLike) -> Tensor:
        """Run ``forward`` on ``x`` (a Tensor or array; an ndarray is wrapped as a constant, not copied)."""
        if not isinstance(x, Tensor):
            x = constant(x) if isinstance(x, np.ndarray) and x.dtype.kind in "biuf" else Tensor(x)
        with name_scope(self._scope) if self._scope else contextlib.nullcontext():
            out = self.forward(x)
        if isinstance(out, Tensor) and out is not x and out.name is None and out.scope:
            out.name = out.scope  # the module's path ("hidden", "layers.0"): what a graph drawing shows
        return out

    def __setattr__(self, key: str, value: Any) -> None:
        object.__setattr__(self, key, value)
        if isinstance(value, Module):
            object.__setattr__(value, "_scope", key)
        elif isinstance(value, (list, tuple)):
            for i, m in enumerate(value):
                if isinstance(m, Module):
                    object.__setattr__(m, "_scope", f"{key}.{i}")
        else:
            if not isinstance(value, Tensor):
                return
        for name, p in self.named_parameters():  # dotted names, as seen from this module
            p.name = name

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """``(name, module)`` for each direct sub-module, in assignment order."""
        for key, value in vars(self).items():
            if isinstance(value, Module):
                yield key, value
            elif isinstance(value, (list, tuple)):
                for i, m in enumerate(value):
                    if isinstance(m, Module):
                        yield f"{key}.{i}", m

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Tensor]]:
        """``(dotted name, parameter)`` pairs: a module's own first, then its children's in order; each once."""
        seen: set[int] = set()
        stack: list[tuple[str, Module]] = [(prefix, self)]
        out: list[tuple[str, Tensor]] = []
        while stack:  # iterative, so deep stacks of modules do not hit the recursion limit
            pre, mod = stack.pop()
            for key, value in vars(mod).items():
                if isinstance(value, Tensor) and value.requires_grad and id(value) not in seen:
                    seen.add(id(value))
                    out.append((pre + key, value))
            stack.extend(reversed([(f"{pre}{name}.", child) for name, child in mod.named_children()]))
        yield from out

    def parameters(self) -> list[Tensor]:
        """The parameters, in the order of :meth:`named_parameters`."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Clear every parameter's ``.grad``."""
        for p in self.parameters():
            p.grad = None

    def train(self, mode: bool = True) -> Module:
        """Put this module and all its sub-modules in training mode (``mode=False``: evaluation mode).

        Dropout drops units and batch norm uses (and updates) batch statistics only in training
        mode. Returns the module.

        >>> model = Sequential(Linear(2, 2, seed=0), ReLU())
        >>> model.eval().training, model[0].training, model.train().training
        (False, False, True)
        """
        stack: list[Module] = [self]
        while stack:
            module = stack.pop()
            object.__setattr__(module, "training", bool(mode))
            stack.extend(child for _, child in module.named_children())
        return self

    def eval(self) -> Module:
        """Evaluation mode for this module and its sub-modules: ``train(False)``.

        >>> Linear(2, 1, seed=0).eval().training
        False
        """
        return self.train(False)

    def num_parameters(self) -> int:
        """The total number of parameter entries."""
        return sum(p.size for p in self.parameters())

    def state_dict(self) -> dict[str, np.ndarray]:
        """A copy of every parameter's values, by dotted name (the course's ``parameters`` dict for MLP)."""
        return {name: p.data.copy() for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, ArrayLike], *, source: str = "load_state_dict") -> None:
        """Set the parameters from ``state`` (name -> array); names and shapes must match exactly.

        Nothing is changed unless every entry fits. Values are converted to each parameter's dtype.

        Raises:
            SerializationError: missing or unexpected names, or a shape that does not fit.
        """
        params = dict(self.named_parameters())
        missing = [k for k in params if k not in state]
        unexpected = [k for k in state if k not in params]
        if missing or unexpected:
            raise SerializationError(
                f"{source}: parameter names do not match {type(self).__name__}: "
                f"missing {missing or 'none'}, unexpected {unexpected or 'none'}"
            )
        arrays = {}
        for name, p in params.items():
            arr = np.asarray(state[name])
            if arr.shape != p.shape:
                raise SerializationError(
                    f"{source}: parameter {name!r} has shape {arr.shape} in the state but {p.shape} in the model"
                )
            if arr.dtype.kind not in "biuf":
                raise SerializationError(f"{source}: parameter {name!r} has non-numeric dtype {arr.dtype}")
            arrays[name] = np.array(arr, dtype=p.dtype, copy=True)
        for name, p in params.items():
            p.data = arrays[name]
            p.grad = None

    def save(self, path: str | os.PathLike[str]) -> None:
        """Save the parameters to an ``.npz`` file, atomically (a temporary file, then a rename).

        >>> import tempfile, pathlib
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "model.npz"
        >>> m = MLP([2, 1], init="zeros"); m.save(path); m.load(path)
        """
        state = self.state_dict()
        with atomic_write(path) as f:
            np.savez(f, **state)  # type: ignore[arg-type]

    def load(self, path: str | os.PathLike[str]) -> None:
        """Load parameters saved by :meth:`save` (read with ``allow_pickle=False``).

        Raises:
            SerializationError: the file is missing, truncated, corrupted, not an ``.npz`` archive,
                holds pickled objects, or its names/shapes do not fit this model.
        """
        where = f"load({os.fspath(path)!r})"
        try:
            with open(path, "rb") as f:
                magic = f.read(6)
        except FileNotFoundError:
            raise SerializationError(f"{where}: no such file") from None
        except OSError as e:
            raise SerializationError(f"{where}: cannot read the file ({e.strerror})") from None
        if not magic.startswith(b"PK\x03\x04"):  # every .npz is a zip archive
            what = {b"\x93NUMPY": "a single .npy array", b"\x80": "a Python pickle, which is never loaded"}
            found = next((text for start, text in what.items() if magic.startswith(start)), "unrecognised content")
            if not magic:
                found = "an empty file"
            raise SerializationError(f"{where}: not an .npz archive of named parameters ({found})")
        try:
            with np.load(path, allow_pickle=False) as archive:
                state = {name: archive[name] for name in archive.files}
        except ValueError as e:
            if "pickle" in str(e):
                raise SerializationError(
                    f"{where}: the archive holds pickled objects, which are never loaded"
                ) from None
            raise SerializationError(f"{where}: corrupted archive ({e})") from None
        except (OSError, EOFError, zipfile.BadZipFile, KeyError, NotImplementedError, RuntimeError) as e:
            # a damaged zip header can claim an unknown compression method, version or encryption
            raise SerializationError(f"{where}: truncated or corrupted archive ({type(e).__name__}: {e})") from None
        self.load_state_dict(state, source=where)

    def extra_repr(self) -> str:
        """The arguments shown inside the module's repr."""
        return ""

    def __repr__(self) -> str:
        children = list(self.named_children())
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        body = "\n".join(f"  ({name}): " + repr(m).replace("\n", "\n  ") for name, m in children)
        return f"{type(self).__name__}(\n{body}\n)"


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


def __getattr__(name: str) -> Any:
    """``nn.Conv2d``, ``nn.LSTM``...: the layers of :mod:`tinygrad_ng.layers` and :mod:`tinygrad_ng.recurrent`."""
    if name in _LATER_LAYERS:
        import importlib

        return getattr(importlib.import_module(f"tinygrad_ng.{_LATER_LAYERS[name]}"), name)
    raise AttributeError(f"module 'tinygrad_ng.nn' has no attribute {name!r}")
