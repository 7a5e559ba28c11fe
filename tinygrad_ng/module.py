"""The base of every layer: :class:`Module`, and the course's weight initialisers.

The layers themselves live above this floor (:mod:`tinygrad_ng.nn`, :mod:`tinygrad_ng.layers`,
:mod:`tinygrad_ng.recurrent`), and :mod:`tinygrad_ng.nn` gathers them all under one name.
"""

from __future__ import annotations

import contextlib
import os
import warnings
import zipfile
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np

from ._files import atomic_write
from ._random import Seed, generator
from .errors import ArgumentError, SerializationError
from .tensor import ArrayLike, Tensor, constant, name_scope

__all__ = ["Module", "init_weight", "INITS", "ACTIVATIONS"]


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

    >>> from tinygrad_ng.nn import Linear
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

    def to(self, target: Any, device: Any = None) -> Module:
        """Move every parameter and buffer (each tensor attribute) to another array library, in place.

        ``target`` and ``device`` are as in :meth:`Tensor.to` (``"numpy"``, ``"cupy"``,
        ``"torch"``, ``"dask"``, ``"array_api_strict"``, or the namespace module). The tensors
        stay the same objects, so an optimizer made before the move keeps working; their
        gradients are cleared. Returns the module.

        >>> import array_api_strict as xp
        >>> from tinygrad_ng.nn import Linear
        >>> layer = Linear(2, 1, seed=0).to(xp)
        >>> type(layer.W.data).__module__.split(".")[0], layer.W.requires_grad
        ('array_api_strict', True)
        >>> type(layer.to("numpy").W.data).__name__
        'ndarray'
        """
        stack: list[Module] = [self]
        while stack:
            module = stack.pop()
            for value in vars(module).values():
                if isinstance(value, Tensor):
                    moved = value.to(target, device)
                    if moved is not value:
                        value.data, value.grad = moved._data, None
            stack.extend(child for _, child in module.named_children())
        return self

    def zero_grad(self) -> None:
        """Clear every parameter's ``.grad``."""
        for p in self.parameters():
            p.grad = None

    def train(self, mode: bool = True) -> Module:
        """Put this module and all its sub-modules in training mode (``mode=False``: evaluation mode).

        Dropout drops units and batch norm uses (and updates) batch statistics only in training
        mode. Returns the module.

        >>> from tinygrad_ng.nn import Linear, ReLU, Sequential
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

        >>> from tinygrad_ng.nn import Linear
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
        >>> from tinygrad_ng.nn import MLP
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
