"""Reductions, cumulative ops, sorting and norms.

Primitives here: ``prod`` (its gradient, the product of the *other* elements, is built from
prefix and suffix products, so zeros in the input give the exact gradient with no division),
``cumsum`` (VJP: a reversed cumsum) and ``cumprod`` (VJP exact at zeros too). The rest is
composed: ``var`` and ``std`` from ``mean``, ``sort``, ``topk`` and ``median`` gather with the
indices of a stable ``argsort`` (so the gradient goes to the element that landed in each place:
with ties, the first one in the input order), ``logcumsumexp`` is a masked ``logsumexp``.

Index results (``argmax``, ``argsort``...) and truth values (``any``, ``all``) are constant
tensors.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from . import _xp
from ._xp import namespace
from .errors import ArgumentError, ShapeError
from .functional import (
    Axis,
    _check_number,
    _flag,
    _norm_axis,
    _one_axis,
    _permute,
    _reduced_size,
    _reshape,
    _unreduce,
    abs,
    as_tensor,
    concatenate,
    logsumexp,
    max,
    mean,
    min,
    reshape,
    sqrt,
    stack,
    sum,
    tensor_method,
    where,
)
from .ops import Domain, defop
from .ops_math import run
from .ops_shape import moveaxis, numpy_data, take_along_axis
from .tensor import ArrayLike, Tensor, constant

__all__ = [
    "prod", "var", "std", "argmax", "argmin", "max_and_argmax", "min_and_argmin", "any", "all",
    "cumsum", "cumprod", "logcumsumexp", "sort", "argsort", "topk", "median", "norm",
    "amax", "amin", "ValuesIndices",
]  # fmt: skip


# --------------------------------------------------------------------------- primitives
def _axis_slice(ndim: int, axis: int, index: Any) -> tuple[Any, ...]:
    return (slice(None),) * axis + (index, Ellipsis)  # the ellipsis spelled out, as the array API standard wants


def _reverse(a: Any, axis: int) -> Any:
    if type(a) is np.ndarray or isinstance(a, Tensor):
        return a[_axis_slice(a.ndim, axis, slice(None, None, -1))]
    return namespace(a).flip(a, axis=axis)  # torch has no negative slice steps


def _cumsum_vjp(g: Any, out: Any, x: Any, axis: int) -> Any:
    return _reverse(run(CUMSUM, _reverse(g, axis), axis=axis), axis)  # dx_k = sum of g_i for i >= k


def _shift_in_one(a: Any, axis: int) -> Any:
    """``a`` moved one place along ``axis``, a 1 entering first: exclusive prefix products from inclusive ones."""
    if a.shape[axis] == 0:
        return a
    head = a[_axis_slice(a.ndim, axis, slice(0, 1))]
    body = a[_axis_slice(a.ndim, axis, slice(0, -1))]
    if isinstance(a, Tensor):
        return concatenate([constant(namespace(head._data).ones_like(head._data)), body], axis=axis)
    return namespace(a).concat([namespace(head).ones_like(head), body], axis=axis)


def _cumprod_vjp(g: Any, out: Any, x: Any, axis: int) -> Any:
    # dx_k = L_k h_k with L_k = x_0 ... x_(k-1) and h_k = g_k + x_(k+1) h_(k+1): exact at zeros.
    if type(g) is np.ndarray and np.all(np.abs(out) >= np.finfo(out.dtype).tiny) and np.isfinite(out).all():
        # every running product is a normal number (so no x is 0): dx_k = sum_(i >= k) g_i out_i / x_k
        return _reverse(np.cumsum(_reverse(g * out, axis), axis=axis), axis) / x
    n = x.shape[axis]
    if n == 0:
        return g * 0
    left = _shift_in_one(out, axis)
    h = [g[_axis_slice(g.ndim, axis, n - 1)]]
    for k in range(n - 2, -1, -1):
        h.append(g[_axis_slice(g.ndim, axis, k)] + x[_axis_slice(x.ndim, axis, k + 1)] * h[-1])
    h.reverse()
    return left * (stack(h, axis=axis) if isinstance(g, Tensor) else namespace(g).stack(h, axis=axis))


CUMSUM = defop(
    "cumsum",
    lambda x, axis: np.cumsum(x, axis=axis) if type(x) is np.ndarray else namespace(x).cumulative_sum(x, axis=axis),
    (_cumsum_vjp,),
    rule="dx = reversed cumsum of g",
    domain=Domain("cumulative"),
)
CUMPROD = defop(
    "cumprod",
    lambda x, axis: (
        np.cumprod(x, axis=axis)
        if type(x) is np.ndarray
        else _xp.function(namespace(x), "cumulative_prod")(x, axis=axis)
    ),
    (_cumprod_vjp,),
    rule="dx_k = sum_(i >= k) g_i * prod_(j <= i, j != k) x_j",
    domain=Domain("cumulative"),
)


def _prod_vjp(g: Any, out: Any, x: Any, axis: tuple[int, ...] | None, keepdims: bool) -> Any:
    # The product of the other elements, as prefix * suffix products of the reduced elements.
    shape = x.shape
    red = tuple(range(len(shape))) if axis is None else axis
    kept = tuple(d for d in range(len(shape)) if d not in red)
    perm = kept + red
    flat = _reshape(_permute(x, perm), tuple(shape[d] for d in kept) + (math.prod(shape[d] for d in red),))
    last = flat.ndim - 1
    before = _shift_in_one(run(CUMPROD, flat, axis=last), last)
    after = _reverse(_shift_in_one(run(CUMPROD, _reverse(flat, last), axis=last), last), last)
    others = _reshape(before * after, tuple(shape[d] for d in perm))
    others = _permute(others, tuple(int(i) for i in np.argsort(perm)))
    return _unreduce(g, shape, axis, keepdims) * others


PROD = defop(
    "prod",
    lambda x, axis, keepdims: namespace(x).prod(x, axis=axis, keepdims=keepdims),
    (_prod_vjp,),
    rule="dx_i = g * prod of the other x_j (exact with zeros)",
    domain=Domain("prod"),
)


# --------------------------------------------------------------------------- reductions
@tensor_method
def prod(x: ArrayLike, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Product over ``axis``; the gradient is the product of the other elements, exact with zeros.

    >>> x = Tensor([2.0, 0.0, 3.0], requires_grad=True)
    >>> prod(x).backward()
    >>> x.grad  # no division by zero
    array([0., 6., 0.])
    """
    x = as_tensor(x)
    return PROD(x, axis=_norm_axis(axis, x.ndim, "prod"), keepdims=_flag(keepdims, "prod"))


def _ddof(ddof: Any, correction: Any, name: str) -> float:
    if correction is not None:
        if ddof not in (0, None):
            raise ArgumentError(f"{name}: give ddof or correction, not both")
        ddof = correction
    _check_number(ddof, name, "ddof")
    return float(ddof)


@tensor_method
def var(
    x: ArrayLike, axis: Axis = None, ddof: float = 0, keepdims: bool = False, *, correction: float | None = None
) -> Tensor:
    """Variance over ``axis``: ``sum((x - mean)**2) / (n - ddof)``.

    NumPy's default ``ddof=0``; PyTorch's ``correction=1`` (its default) is ``ddof=1``.

    >>> x = Tensor([1.0, 2.0, 3.0, 4.0])
    >>> var(x).item(), round(var(x, ddof=1).item(), 4)
    (1.25, 1.6667)
    """
    x = as_tensor(x)
    d = _ddof(ddof, correction, "var")
    axes = _norm_axis(axis, x.ndim, "var")
    n = _reduced_size(x.shape, axes)
    if n - d <= 0:
        raise ArgumentError(f"var: ddof={d:g} needs more than {d:g} elements, got {n} (shape {x.shape}, axis {axis})")
    centred = x - mean(x, axes, keepdims=True)
    return sum(centred * centred, axes, keepdims) / (n - d)


def _safe_sqrt(s: Tensor) -> Tensor:
    """``sqrt(s)`` whose gradient is 0 (not inf * 0 = NaN) where ``s`` is 0."""
    pos = s._data > 0
    if not _xp.any_true(~pos):
        return sqrt(s)
    return where(pos, sqrt(where(pos, s, 1.0)), 0.0)


@tensor_method
def std(
    x: ArrayLike, axis: Axis = None, ddof: float = 0, keepdims: bool = False, *, correction: float | None = None
) -> Tensor:
    """Standard deviation ``sqrt(var)`` (``ddof``/``correction`` as :func:`var`).

    Where the variance is 0 the gradient is 0 (PyTorch gives NaN there).

    >>> std(Tensor([1.0, 3.0]))
    Tensor(1., shape=(), dtype=float64)
    """
    return _safe_sqrt(var(x, axis, ddof, keepdims, correction=correction))


def _arg(fn: Any, x: ArrayLike, axis: int | None, keepdims: bool, name: str) -> Tensor:
    x = as_tensor(x)
    if x.size == 0:
        raise ShapeError(f"{name}: empty tensor of shape {x.shape}")
    a = None if axis is None else _one_axis(axis, x.ndim, name)
    d = x._data
    if type(d) is not np.ndarray:  # the standard's argmax/argmin, in the data's library
        return constant(_xp.astype(getattr(namespace(d), name)(d, axis=a, keepdims=_flag(keepdims, name)), np.int64))
    return constant(np.asarray(fn(d, axis=a, keepdims=_flag(keepdims, name))).astype(np.int64))


@tensor_method
def argmax(x: ArrayLike, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Index of the maximum (of the flattened tensor when ``axis`` is None); ties: the first.

    >>> argmax(Tensor([[1.0, 3.0, 3.0]]), axis=1)
    Tensor([1], shape=(1,), dtype=int64)
    """
    return _arg(np.argmax, x, axis, keepdims, "argmax")


@tensor_method
def argmin(x: ArrayLike, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Index of the minimum (of the flattened tensor when ``axis`` is None); ties: the first.

    >>> argmin(Tensor([2.0, 1.0, 1.0]))
    Tensor(1, shape=(), dtype=int64)
    """
    return _arg(np.argmin, x, axis, keepdims, "argmin")


class ValuesIndices(NamedTuple):
    """The values and the int64 indices of ``topk``, ``sort``-like and ``max_and_argmax`` results.

    >>> values, indices = topk(Tensor([1.0, 3.0, 2.0]), 1)
    >>> values.data, indices.data
    (array([3.]), array([1]))
    """

    values: Tensor
    indices: Tensor


def _pick(x: ArrayLike, axis: int, keepdims: bool, fn: Any, name: str) -> ValuesIndices:
    x = as_tensor(x)
    a = _one_axis(axis, x.ndim, name)
    if x.shape[a] == 0:
        raise ShapeError(f"{name}: axis {a} of shape {x.shape} is empty")
    idx = np.expand_dims(fn(x._data, axis=a), a)
    values = take_along_axis(x, idx, a)
    if not _flag(keepdims, name):
        values, idx = reshape(values, np.squeeze(idx, a).shape), np.squeeze(idx, a)
    return ValuesIndices(values, constant(idx.astype(np.int64)))


@tensor_method
def max_and_argmax(x: ArrayLike, axis: int, keepdims: bool = False) -> ValuesIndices:
    """The maximum along ``axis`` and its index (PyTorch's ``max(x, dim)``): the gradient goes to that index.

    With ties the index is the first, and only it receives the gradient (``max`` shares it).

    >>> max_and_argmax(Tensor([[1.0, 5.0, 5.0]]), axis=1)
    ValuesIndices(values=Tensor([5.], shape=(1,), dtype=float64), indices=Tensor([1], shape=(1,), dtype=int64))
    """
    return _pick(x, axis, keepdims, np.argmax, "max_and_argmax")


@tensor_method
def min_and_argmin(x: ArrayLike, axis: int, keepdims: bool = False) -> ValuesIndices:
    """The minimum along ``axis`` and its index (PyTorch's ``min(x, dim)``); ties: the first.

    >>> min_and_argmin(Tensor([[4.0, 2.0]]), axis=1).indices
    Tensor([1], shape=(1,), dtype=int64)
    """
    return _pick(x, axis, keepdims, np.argmin, "min_and_argmin")


@tensor_method
def any(x: ArrayLike, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Whether any element along ``axis`` is nonzero, as a constant boolean tensor.

    >>> any(Tensor([[0.0, 1.0], [0.0, 0.0]]), axis=1)
    Tensor([ True, False], shape=(2,), dtype=bool)
    """
    x = as_tensor(x)
    return constant(
        _xp.as_array(
            namespace(x._data).any(x._data, axis=_norm_axis(axis, x.ndim, "any"), keepdims=_flag(keepdims, "any"))
        )
    )


@tensor_method
def all(x: ArrayLike, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Whether every element along ``axis`` is nonzero, as a constant boolean tensor.

    >>> all(Tensor([[1.0, 1.0], [0.0, 1.0]]), axis=1)
    Tensor([ True, False], shape=(2,), dtype=bool)
    """
    x = as_tensor(x)
    return constant(
        _xp.as_array(
            namespace(x._data).all(x._data, axis=_norm_axis(axis, x.ndim, "all"), keepdims=_flag(keepdims, "all"))
        )
    )


def _cumulative(x: ArrayLike, axis: int | None, name: str) -> tuple[Tensor, int]:
    x = as_tensor(x)
    if axis is None:
        return reshape(x, (-1,)), 0
    return x, _one_axis(axis, x.ndim, name)


@tensor_method
def cumsum(x: ArrayLike, axis: int | None = None) -> Tensor:
    """Running sum along ``axis`` (of the flattened tensor when None, as NumPy).

    >>> cumsum(Tensor([1.0, 2.0, 3.0]))
    Tensor([1., 3., 6.], shape=(3,), dtype=float64)
    """
    x, a = _cumulative(x, axis, "cumsum")
    return CUMSUM(x, axis=a)


@tensor_method
def cumprod(x: ArrayLike, axis: int | None = None) -> Tensor:
    """Running product along ``axis`` (flattened when None); the gradient is exact with zeros.

    >>> x = Tensor([2.0, 0.0, 3.0], requires_grad=True)
    >>> cumprod(x).sum().backward()
    >>> x.grad  # d/dx of 2 + 0 + 0 = [1, 2 + 2*3, 0]
    array([1., 8., 0.])
    """
    x, a = _cumulative(x, axis, "cumprod")
    return CUMPROD(x, axis=a)


@tensor_method
def logcumsumexp(x: ArrayLike, axis: int | None = None) -> Tensor:
    """Running ``log(sum(exp(x)))`` along ``axis``, without overflow (flattened when None).

    Computed as a masked ``logsumexp`` of an ``(n, n)`` lower triangle: its memory grows as n².

    >>> logcumsumexp(Tensor([1000.0, 1000.0])).data.round(4)
    array([1000.    , 1000.6931])
    """
    x, a = _cumulative(x, axis, "logcumsumexp")
    n = x.shape[a]
    if x.size == 0:
        return x * 1.0
    last = moveaxis(x, a, -1)
    rows = reshape(last, last.shape[:-1] + (1, n))
    lower = np.tri(n, dtype=bool)
    masked = where(lower, rows, -np.inf)
    return moveaxis(logsumexp(masked, axis=-1), -1, a)


@tensor_method
def argsort(x: ArrayLike, axis: int = -1, descending: bool = False) -> Tensor:
    """Indices that sort ``x`` along ``axis`` (stable: ties keep their input order), as int64.

    >>> argsort(Tensor([3.0, 1.0, 2.0]))
    Tensor([1, 2, 0], shape=(3,), dtype=int64)
    """
    x = as_tensor(x)
    a = _one_axis(axis, x.ndim, "argsort") if x.ndim else None
    d = x._data
    if type(d) is not np.ndarray:  # the standard's stable argsort, in the data's library
        xp = namespace(d)
        flat = xp.reshape(d, (1,)) if a is None else d
        order = xp.argsort(flat, axis=-1 if a is None else a, descending=bool(descending), stable=True)
        return constant(_xp.astype(xp.reshape(order, ()) if a is None else order, np.int64))
    if descending:
        d = -d if d.dtype.kind in "fi" else np.logical_not(d) if d.dtype == np.bool_ else -(d.astype(np.int64))
    return constant(np.argsort(d, axis=a, kind="stable").astype(np.int64))


@tensor_method
def sort(x: ArrayLike, axis: int = -1, descending: bool = False) -> Tensor:
    """``x`` sorted along ``axis``; each place's gradient goes to the element that landed there.

    The sort is stable, so among equal elements the gradient of the first sorted place goes to
    the first in input order (as PyTorch's ``sort(stable=True)``).

    >>> x = Tensor([3.0, 1.0, 3.0], requires_grad=True)
    >>> y = sort(x)
    >>> (y * Tensor([1.0, 2.0, 3.0])).sum().backward()
    >>> y.data, x.grad
    (array([1., 3., 3.]), array([2., 1., 3.]))
    """
    x = numpy_data(as_tensor(x), "sort")
    if x.ndim == 0:
        return x * 1
    return take_along_axis(x, argsort(x, axis, descending)._data, axis)


@tensor_method
def topk(x: ArrayLike, k: int, axis: int = -1, largest: bool = True) -> ValuesIndices:
    """The ``k`` largest (or smallest) elements along ``axis``, sorted, with their indices.

    >>> topk(Tensor([1.0, 4.0, 2.0, 4.0]), 2).indices  # ties: the first in input order first
    Tensor([1, 3], shape=(2,), dtype=int64)
    """
    x = numpy_data(as_tensor(x), "topk")
    a = _one_axis(axis, x.ndim, "topk")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 0 <= k <= x.shape[a]:
        raise ArgumentError(f"topk: k must be an int in [0, {x.shape[a]}] for axis {a} of shape {x.shape}, got {k!r}")
    order = argsort(x, a, descending=bool(largest))._data
    idx = order[_axis_slice(order.ndim, a, slice(0, int(k)))]
    return ValuesIndices(take_along_axis(x, idx, a), constant(idx))


@tensor_method
def median(x: ArrayLike, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """The median along ``axis`` (NumPy's: the mean of the two middle elements when their number is even).

    The gradient goes to the middle element(s) of a stable sort. PyTorch's ``median`` returns
    the lower of the two middle elements instead; for an odd count the two agree.

    >>> median(Tensor([3.0, 1.0, 2.0, 10.0]))
    Tensor(2.5, shape=(), dtype=float64)
    """
    x = numpy_data(as_tensor(x), "median")
    flat, a = (reshape(x, (-1,)), 0) if axis is None else (x, _one_axis(axis, x.ndim, "median"))
    n = flat.shape[a] if flat.ndim else 1
    if flat.size == 0 or n == 0:
        raise ShapeError(f"median: no elements along axis {axis} of shape {x.shape}")
    s = sort(flat, a)
    middle = s[_axis_slice(s.ndim, a, slice((n - 1) // 2, n // 2 + 1))]
    out = mean(middle, axis=a, keepdims=True)
    if _flag(keepdims, "median"):
        return reshape(out, (1,) * x.ndim) if axis is None else out
    return reshape(out, tuple(d for i, d in enumerate(flat.shape) if i != a))


@tensor_method
def norm(x: ArrayLike, ord: float | str | None = None, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """The vector ``ord``-norm of the elements over ``axis`` (PyTorch's ``linalg.vector_norm``).

    ``ord``: None or 2 (Euclidean; ``"fro"`` over two axes), 1, ``inf`` (max of ``|x|``),
    ``-inf`` (min), or any real ``p >= 1``. At ``x = 0`` the gradient is 0, as PyTorch's.
    Matrix norms other than Frobenius (NumPy's ``linalg.norm`` of a 2-D array with
    ``ord=1/2/inf``) are not computed: asking for one raises.

    >>> norm(Tensor([3.0, -4.0])), norm(Tensor([3.0, -4.0]), 1), norm(Tensor([3.0, -4.0]), np.inf)
    (Tensor(5., shape=(), dtype=float64), Tensor(7., shape=(), dtype=float64), Tensor(4., shape=(), dtype=float64))
    """
    x = as_tensor(x)
    axes = _norm_axis(axis, x.ndim, "norm")
    n_axes = x.ndim if axes is None else len(axes)
    if ord == "fro":
        if n_axes != 2:
            raise ArgumentError(f"norm: ord='fro' needs 2 axes, got shape {x.shape} with axis {axis}")
        ord = 2
    elif ord is not None and n_axes == 2 and x.ndim >= 2:
        raise ArgumentError(
            f"norm: ord={ord!r} over two axes would be a matrix norm, which is not computed; "
            "give one axis (or flatten) for the vector norm, or ord='fro'"
        )
    if ord is None or ord == 2:
        s = sum(x * x, axes, keepdims)
        return _safe_sqrt(s)
    if ord == np.inf:
        return max(abs(x), axes, keepdims)
    if ord == -np.inf:
        return min(abs(x), axes, keepdims)
    _check_number(ord, "norm", "ord")
    if ord == 1:
        return sum(abs(x), axes, keepdims)
    if not ord >= 1:
        raise ArgumentError(f"norm: ord must be >= 1, inf, -inf or 'fro', got {ord!r}")
    s = sum(abs(x) ** float(ord), axes, keepdims)
    pos = s._data > 0
    return where(pos, where(pos, s, 1.0) ** (1 / float(ord)), 0.0)


@tensor_method
def amax(x: ArrayLike, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """PyTorch's ``amax``: :func:`~tinygrad_ng.functional.max`, ties sharing the gradient equally.

    >>> amax(Tensor([1.0, 3.0]))
    Tensor(3., shape=(), dtype=float64)
    """
    return max(x, axis, keepdims)


@tensor_method
def amin(x: ArrayLike, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """PyTorch's ``amin``: :func:`~tinygrad_ng.functional.min`, ties sharing the gradient equally.

    >>> amin(Tensor([1.0, 3.0]))
    Tensor(1., shape=(), dtype=float64)
    """
    return min(x, axis, keepdims)
