"""Tensor constructors with NumPy's names and dtype rules: ``arange``, ``linspace``, ``eye``, ``full``...

Floating results are float64 unless ``dtype`` says otherwise (``arange`` of ints is int64, as
NumPy's). Random constructors take ``generator``: a NumPy ``Generator``, a ``RandomState``, an
int seed (NumPy's legacy generator, so ``randn(2, 3, generator=1)`` equals
``np.random.seed(1); np.random.randn(2, 3)``) or None (NumPy's global generator, as
``np.random.seed`` sets it).
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from ._random import Seed
from ._random import generator as _generator
from .errors import ArgumentError, DTypeError
from .functional import _check_number
from .tensor import ArrayLike, Tensor, _as_dtype, _size_arg

__all__ = [
    "tensor", "arange", "linspace", "eye", "full", "zeros", "ones",
    "zeros_like", "ones_like", "full_like", "rand", "randn",
]  # fmt: skip


def _dtype(dtype: Any, default: Any, name: str) -> np.dtype:
    return _as_dtype(default if dtype is None else dtype, name)


def _make(arr: np.ndarray, requires_grad: bool) -> Tensor:
    return Tensor(arr, requires_grad=requires_grad)


def tensor(data: ArrayLike, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor from any array-like (nested lists, scalars, ndarrays, tensors); the data is copied.

    >>> tensor([[1, 2]]).dtype  # Python numbers become float64
    dtype('float64')
    """
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def arange(
    start: float, stop: float | None = None, step: float = 1, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    """Evenly spaced values in ``[start, stop)`` (NumPy's ``arange``: ints give int64).

    >>> arange(3), arange(0.0, 1.0, 0.25).data
    (Tensor([0, 1, 2], shape=(3,), dtype=int64), array([0.  , 0.25, 0.5 , 0.75]))
    """
    for v, what in ((start, "start"), (stop, "stop"), (step, "step")):
        if v is not None:
            _check_number(v, "arange", what)
    if step == 0:
        raise ArgumentError("arange: step must not be 0")
    arr = np.arange(start, stop, step) if stop is not None else np.arange(start)
    if arr.dtype.kind in "iu":
        arr = arr.astype(np.int64)
    if dtype is not None:
        arr = arr.astype(_as_dtype(dtype, "arange"))
    return _make(arr, requires_grad)


def linspace(
    start: float, stop: float, num: int = 50, endpoint: bool = True, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    """``num`` evenly spaced values from ``start`` to ``stop`` (NumPy's ``linspace``).

    >>> linspace(0.0, 1.0, 5)
    Tensor([0.  , 0.25, 0.5 , 0.75, 1.  ], shape=(5,), dtype=float64)
    """
    _check_number(start, "linspace", "start")
    _check_number(stop, "linspace", "stop")
    if isinstance(num, bool) or not isinstance(num, numbers.Integral) or num < 0:
        raise ArgumentError(f"linspace: num must be a non-negative int, got {num!r}")
    arr = np.linspace(start, stop, int(num), endpoint=bool(endpoint), dtype=_dtype(dtype, np.float64, "linspace"))
    return _make(arr, requires_grad)


def eye(n: int, m: int | None = None, k: int = 0, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """An ``(n, m)`` matrix with ones on diagonal ``k`` (NumPy's ``eye``).

    >>> eye(2)
    Tensor([[1., 0.],
            [0., 1.]], shape=(2, 2), dtype=float64)
    """
    rows, cols = _size_arg((n, n if m is None else m))
    if isinstance(k, bool) or not isinstance(k, numbers.Integral):
        raise ArgumentError(f"eye: k must be an int, got {k!r}")
    return _make(np.eye(rows, cols, int(k), dtype=_dtype(dtype, np.float64, "eye")), requires_grad)


def full(shape: int | tuple[int, ...], fill_value: float, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ``shape`` filled with ``fill_value`` (float64 unless ``dtype``).

    >>> full((2, 1), 7.0)
    Tensor([[7.],
            [7.]], shape=(2, 1), dtype=float64)
    """
    _check_number(fill_value, "full", "fill_value")
    size = _size_arg(shape if isinstance(shape, tuple) else (shape,))
    return _make(np.full(size, fill_value, dtype=_dtype(dtype, np.float64, "full")), requires_grad)


def zeros(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros: ``zeros(2, 3)`` or ``zeros((2, 3))``.

    >>> zeros(2, 3).shape
    (2, 3)
    """
    return Tensor.zeros(*shape, dtype=dtype, requires_grad=requires_grad)


def ones(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones: ``ones(2, 3)`` or ``ones((2, 3))``.

    >>> ones(3)
    Tensor([1., 1., 1.], shape=(3,), dtype=float64)
    """
    return Tensor.ones(*shape, dtype=dtype, requires_grad=requires_grad)


def _like(x: ArrayLike) -> np.ndarray:
    if isinstance(x, Tensor):
        return x._data
    return np.asarray(x) if isinstance(x, np.ndarray) else Tensor(x)._data


def full_like(x: ArrayLike, fill_value: float, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ``x``'s shape and dtype (or ``dtype``) filled with ``fill_value``.

    >>> full_like(Tensor([[1.0, 2.0]]), 3.0)
    Tensor([[3., 3.]], shape=(1, 2), dtype=float64)
    """
    _check_number(fill_value, "full_like", "fill_value")
    like = _like(x)
    dt = like.dtype if dtype is None else _as_dtype(dtype, "full_like")
    return _make(np.full(like.shape, fill_value, dtype=dt), requires_grad)


def zeros_like(x: ArrayLike, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros of ``x``'s shape and dtype.

    >>> zeros_like(Tensor([1.0, 2.0]))
    Tensor([0., 0.], shape=(2,), dtype=float64)
    """
    return full_like(x, 0, dtype, requires_grad)


def ones_like(x: ArrayLike, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones of ``x``'s shape and dtype.

    >>> ones_like(np.zeros((1, 2), np.float32))
    Tensor([[1., 1.]], shape=(1, 2), dtype=float32)
    """
    return full_like(x, 1, dtype, requires_grad)


def _random_dtype(dtype: Any, name: str) -> np.dtype:
    dt = _dtype(dtype, np.float64, name)
    if dt.kind != "f":
        raise DTypeError(f"{name}: samples need a floating-point dtype, got {dt}")
    return dt


def rand(*shape: Any, generator: Seed = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Samples uniform on ``[0, 1)`` drawn from ``generator`` (see the module's note on seeds).

    >>> g = np.random.default_rng(0)
    >>> a, b = rand(2, generator=g), rand(2, generator=np.random.default_rng(0))
    >>> bool((a.data == b.data).all())
    True
    """
    rng, size = _generator(generator, "rand"), _size_arg(shape)
    arr = rng.random(size) if isinstance(rng, np.random.Generator) else rng.random_sample(size)
    return _make(np.asarray(arr, dtype=_random_dtype(dtype, "rand")), requires_grad)


def randn(*shape: Any, generator: Seed = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples drawn from ``generator``; an int seed reproduces ``np.random.randn``.

    >>> np.random.seed(3)
    >>> bool((randn(2, 2, generator=3).data == np.random.randn(2, 2)).all())
    True
    """
    arr = _generator(generator, "randn").standard_normal(_size_arg(shape))
    return _make(np.asarray(arr, dtype=_random_dtype(dtype, "randn")), requires_grad)
