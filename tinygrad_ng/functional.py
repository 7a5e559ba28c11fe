"""Tensor functions: the primitives with argument checking, composites built from them, and losses.

Everything here accepts Tensors, ndarrays, nested lists and Python numbers; non-Tensor arguments
become constants. Composites (``sub``, ``mean``, ``softmax``, ``stack``...) are written in terms
of the primitives in :mod:`tinygrad_ng.ops`, so their gradients come for free.

dtype rules, as NumPy's but without silent upcasts: a Python or NumPy scalar and an integer or
boolean operand, however it is given (a tensor, an ndarray or a Python list), take the floating
tensor's dtype (``float32 * 2.0`` and ``float32 * [1, 0]`` are float32); two floating operands
of different precision promote as NumPy does (a Python list of floats is float64).
"""

from __future__ import annotations

import builtins
import operator
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from . import ops
from .errors import ArgumentError, DTypeError, ShapeError, TensorIndexError, shape_str
from .tensor import ArrayLike, Tensor, _as_dtype, _to_array, constant

Axis = int | Sequence[int] | None
Reduction = Literal["mean", "sum", "none"]

__all__ = [
    "add", "sub", "mul", "div", "neg", "pow", "matmul",
    "exp", "log", "sqrt", "abs", "sigmoid", "tanh", "relu", "leaky_relu", "clip",
    "maximum", "minimum", "where", "compare",
    "sum", "mean", "max", "min", "logsumexp", "softmax", "log_softmax",
    "reshape", "transpose", "flatten", "expand_dims", "squeeze", "broadcast_to",
    "getitem", "concatenate", "stack", "astype",
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy", "mse_loss",
]  # fmt: skip

_SCALARS = (bool, int, float, np.generic)


# --------------------------------------------------------------------------- operands
def as_tensor(x: ArrayLike) -> Tensor:
    """``x`` itself if it is a Tensor, else a constant tensor of it (Python data -> float64)."""
    return x if isinstance(x, Tensor) else Tensor(x)


def _operand(x: ArrayLike, like: np.dtype | None) -> Tensor:
    """A non-Tensor operand as a constant, taking ``like`` (a float dtype) where NumPy would upcast."""
    if isinstance(x, _SCALARS) or (isinstance(x, np.ndarray) and x.ndim == 0):
        arr = np.asarray(x)
        if arr.dtype.kind not in "biuf":
            raise DTypeError(f"unsupported operand {x!r} of type {type(x).__name__}")
        if like is not None:
            return constant(arr.astype(like))
        if isinstance(x, _SCALARS) and not isinstance(x, np.generic):
            return constant(np.asarray(x, dtype=np.float64 if isinstance(x, float) else None))
        return constant(arr)
    if isinstance(x, np.ndarray) and not isinstance(x, np.ma.MaskedArray):  # masked: refused by _to_array
        if x.dtype.kind not in "biuf":
            raise DTypeError(f"unsupported operand dtype {x.dtype} {x.shape}")
        arr = x
    else:  # Python data: integers take ``like``, as an integer ndarray would; floats are float64
        arr = _to_array(x, keep_ints=like is not None)
    if like is not None and arr.dtype.kind in "biu":
        arr = arr.astype(like)
    return constant(arr)


def _pair(x: ArrayLike, y: ArrayLike) -> tuple[Tensor, Tensor]:
    """Both operands as Tensors of compatible dtypes (see the module's dtype rules)."""
    if isinstance(x, Tensor):
        if isinstance(y, Tensor):
            dx, dy = x._data.dtype, y._data.dtype
            if dx is dy or dx == dy:
                return x, y
            if dx.kind == "f" and dy.kind in "biu":
                return x, constant(y._data.astype(dx))
            if dy.kind == "f" and dx.kind in "biu":
                return constant(x._data.astype(dy)), y
            return x, y
        return x, _operand(y, x._data.dtype if x._data.dtype.kind == "f" else None)
    if isinstance(y, Tensor):
        return _operand(x, y._data.dtype if y._data.dtype.kind == "f" else None), y
    return _pair(as_tensor(x), y)


def _norm_axis(axis: Axis, ndim: int, name: str) -> tuple[int, ...] | None:
    """``axis`` as a sorted tuple of non-negative ints (or None), with a clear error."""
    if axis is None:
        return None
    try:
        axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    except TypeError:
        raise ArgumentError(f"{name}: axis must be an int or a tuple of ints, got {axis!r}") from None
    out = []
    for a in axes:
        if not isinstance(a, (int, np.integer)) or isinstance(a, bool):
            raise ArgumentError(f"{name}: axis must be an int or a tuple of ints, got {axis!r}")
        if not -ndim <= a < ndim:
            raise ShapeError(f"{name}: axis {a} is out of range for a tensor with {ndim} dimensions")
        out.append(int(a) % ndim)
    if len(set(out)) != len(out):
        raise ArgumentError(f"{name}: repeated axis in {axis!r}")
    return tuple(sorted(out))


def _check_reduction(reduction: str, name: str) -> None:
    if not isinstance(reduction, str) or reduction not in ("mean", "sum", "none"):
        raise ArgumentError(f"{name}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _flag(value: Any, name: str) -> bool:
    """A switch such as ``keepdims`` as a bool (a bool or an int), or an ArgumentError naming ``name``."""
    if isinstance(value, (bool, int, np.bool_, np.integer)):
        return bool(value)
    raise ArgumentError(f"{name}: keepdims must be True or False, got {value!r}")


def _check_number(value: Any, name: str, what: str) -> None:
    """Refuse anything but a real number for a scalar argument such as a slope or a bound."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ArgumentError(f"{name}: {what} must be a number, got {value!r}")


def _ints(value: Any, name: str, what: str) -> tuple[int, ...]:
    """An int or a sequence of ints (a shape, a permutation) as a tuple, or a ShapeError naming ``name``."""
    try:
        items = (value,) if isinstance(value, (int, np.integer)) else tuple(value)
        return tuple(operator.index(v) for v in items)
    except TypeError:
        raise ShapeError(f"{name}: {what} must be an int or a sequence of ints, got {value!r}") from None


def _one_axis(axis: Any, ndim: int, name: str) -> int:
    """A single axis in ``[-ndim, ndim)`` as a non-negative int, or an ArgumentError/ShapeError."""
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise ArgumentError(f"{name}: axis must be an int, got {axis!r}")
    return _norm_axis(axis, ndim, name)[0]  # type: ignore[index]


def _tensor_list(tensors: Any, name: str) -> list[Tensor]:
    """The tensors of a list (or any iterable) as Tensors, or an ArgumentError naming ``name``."""
    try:
        items = list(tensors)
    except TypeError:
        raise ArgumentError(f"{name}: needs a list or tuple of tensors, got {type(tensors).__name__}") from None
    return [as_tensor(t) for t in items]


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return mean(loss)
    if reduction == "sum":
        return sum(loss)
    return loss


# --------------------------------------------------------------------------- arithmetic
def add(x: ArrayLike, y: ArrayLike) -> Tensor:
    """Elementwise ``x + y`` with NumPy broadcasting.

    Shapes: ``x`` and ``y`` broadcast together; the result has the broadcast shape.

    >>> add(Tensor([[1.0], [2.0]]), Tensor([10.0, 20.0, 30.0])).shape  # (2, 1) + (3,)
    (2, 3)
    """
    return ops.ADD(*_pair(x, y))


def sub(x: ArrayLike, y: ArrayLike) -> Tensor:
    """Elementwise ``x - y``, composed as ``x + (-y)``.

    Shapes: ``x`` and ``y`` broadcast together; the result has the broadcast shape.

    >>> sub(Tensor([3.0, 5.0]), 1.0)
    Tensor([2., 4.], shape=(2,), dtype=float64)
    """
    x, y = _pair(x, y)
    try:
        return ops.ADD(x, ops.NEG(y))
    except ShapeError:  # name the function the user called, not the add it is made of
        raise ShapeError(f"sub: shapes {x.shape} and {y.shape} do not broadcast (operands {shape_str(x, y)})") from None


def mul(x: ArrayLike, y: ArrayLike) -> Tensor:
    """Elementwise ``x * y`` with NumPy broadcasting.

    Shapes: ``x`` and ``y`` broadcast together; the result has the broadcast shape.

    >>> mul(Tensor([[1.0, 2.0]]), Tensor([[3.0], [4.0]]))
    Tensor([[3., 6.],
            [4., 8.]], shape=(2, 2), dtype=float64)
    """
    return ops.MUL(*_pair(x, y))


def div(x: ArrayLike, y: ArrayLike) -> Tensor:
    """Elementwise ``x / y`` with NumPy broadcasting.

    Shapes: ``x`` and ``y`` broadcast together; the result has the broadcast shape.

    >>> div(Tensor([1.0, 3.0]), 2.0)
    Tensor([0.5, 1.5], shape=(2,), dtype=float64)
    """
    return ops.DIV(*_pair(x, y))


def neg(x: ArrayLike) -> Tensor:
    """Elementwise ``-x``.

    Shapes: the result has ``x``'s shape.

    >>> neg(Tensor([1.0, -2.0]))
    Tensor([-1.,  2.], shape=(2,), dtype=float64)
    """
    return ops.NEG(as_tensor(x))


def pow(x: ArrayLike, y: ArrayLike) -> Tensor:
    """Elementwise ``x ** y``; a number exponent is an attribute, a tensor exponent is differentiated.

    >>> pow(Tensor([2.0, 3.0]), 2)
    Tensor([4., 9.], shape=(2,), dtype=float64)
    """
    if isinstance(y, _SCALARS) and not isinstance(x, _SCALARS):
        exponent = y.item() if isinstance(y, np.generic) else y
        if isinstance(exponent, bool) or not isinstance(exponent, (int, float)):
            raise DTypeError(f"pow: unsupported exponent {y!r}")
        return ops.POW_SCALAR(as_tensor(x), exponent=exponent)
    return ops.POW(*_pair(x, y))


def matmul(x: ArrayLike, y: ArrayLike) -> Tensor:
    """Matrix product ``x @ y``: 2-D, matrix-vector, vector-vector, or batched (>= 3-D, broadcast).

    In the course's layout ``Z = W @ A`` with W ``(n_l, n_{l-1})`` and A ``(n_{l-1}, m)``.

    >>> matmul(Tensor([[1.0, 2.0]]), Tensor([[3.0], [4.0]]))
    Tensor([[11.]], shape=(1, 1), dtype=float64)
    """
    return ops.MATMUL(*_pair(as_tensor(x), as_tensor(y)))


# --------------------------------------------------------------------------- elementwise
def exp(x: ArrayLike) -> Tensor:
    """Elementwise ``e ** x``.

    Shapes: the result has ``x``'s shape.

    >>> exp(Tensor([0.0, 1.0]))
    Tensor([1.    , 2.7183], shape=(2,), dtype=float64)
    """
    return ops.EXP(as_tensor(x))


def log(x: ArrayLike) -> Tensor:
    """Elementwise natural logarithm.

    Shapes: the result has ``x``'s shape.

    >>> log(Tensor([1.0, 100.0]))
    Tensor([0.    , 4.6052], shape=(2,), dtype=float64)
    """
    return ops.LOG(as_tensor(x))


def sqrt(x: ArrayLike) -> Tensor:
    """Elementwise square root.

    Shapes: the result has ``x``'s shape.

    >>> sqrt(Tensor([4.0, 9.0]))
    Tensor([2., 3.], shape=(2,), dtype=float64)
    """
    return ops.SQRT(as_tensor(x))


def abs(x: ArrayLike) -> Tensor:
    """Elementwise absolute value (derivative 0 at 0).

    Shapes: the result has ``x``'s shape.

    >>> abs(Tensor([-1.5, 2.0]))
    Tensor([1.5, 2. ], shape=(2,), dtype=float64)
    """
    return ops.ABS(as_tensor(x))


def sigmoid(x: ArrayLike) -> Tensor:
    """Elementwise ``1 / (1 + e**-x)``, computed without overflow for any x.

    >>> sigmoid(Tensor([0.0, 1000.0, -1000.0]))
    Tensor([0.5, 1. , 0. ], shape=(3,), dtype=float64)
    """
    return ops.SIGMOID(as_tensor(x))


def tanh(x: ArrayLike) -> Tensor:
    """Elementwise hyperbolic tangent.

    Shapes: the result has ``x``'s shape; the derivative is ``1 - tanh(x)**2``.

    >>> tanh(Tensor([0.0, 100.0]))
    Tensor([0., 1.], shape=(2,), dtype=float64)
    """
    return ops.TANH(as_tensor(x))


def relu(x: ArrayLike) -> Tensor:
    """Elementwise ``max(x, 0)``; the derivative is 1 where x > 0 and 0 elsewhere (0 at x = 0).

    Shapes: the result has ``x``'s shape.

    >>> x = Tensor([-1.0, 0.0, 2.0], requires_grad=True)
    >>> relu(x).sum().backward()
    >>> x.grad
    array([0., 0., 1.])
    """
    return ops.RELU(as_tensor(x))


def leaky_relu(x: ArrayLike, slope: float = 0.01) -> Tensor:
    """Elementwise ``x`` where x > 0, else ``slope * x``.

    Shapes: the result has ``x``'s shape.

    >>> leaky_relu(Tensor([-2.0, 3.0]), slope=0.1)
    Tensor([-0.2,  3. ], shape=(2,), dtype=float64)
    """
    _check_number(slope, "leaky_relu", "slope")
    return ops.LEAKY_RELU(as_tensor(x), slope=float(slope))


def clip(x: ArrayLike, low: float | None = None, high: float | None = None) -> Tensor:
    """Elementwise clamp to ``[low, high]`` (either may be None); derivative 1 inside, 0 outside.

    Shapes: the result has ``x``'s shape.

    >>> clip(Tensor([-1.0, 0.5, 2.0]), 0.0, 1.0)
    Tensor([0. , 0.5, 1. ], shape=(3,), dtype=float64)
    """
    for bound, what in ((low, "low"), (high, "high")):
        if bound is not None:
            _check_number(bound, "clip", what)
    if low is not None and high is not None and low > high:
        raise ArgumentError(f"clip: low={low} is greater than high={high}")
    return ops.CLIP(as_tensor(x), low=low, high=high)


def maximum(x: ArrayLike, y: ArrayLike) -> Tensor:
    """Elementwise maximum with broadcasting; on ties each side gets half the gradient.

    Shapes: ``x`` and ``y`` broadcast together; the result has the broadcast shape.

    >>> maximum(Tensor([1.0, 5.0]), 3.0)
    Tensor([3., 5.], shape=(2,), dtype=float64)
    """
    return ops.MAXIMUM(*_pair(x, y))


def minimum(x: ArrayLike, y: ArrayLike) -> Tensor:
    """Elementwise minimum with broadcasting; on ties each side gets half the gradient.

    Shapes: ``x`` and ``y`` broadcast together; the result has the broadcast shape.

    >>> minimum(Tensor([1.0, 5.0]), 3.0)
    Tensor([1., 3.], shape=(2,), dtype=float64)
    """
    return ops.MINIMUM(*_pair(x, y))


def where(cond: ArrayLike, x: ArrayLike, y: ArrayLike) -> Tensor:
    """Elementwise ``x`` where ``cond`` is true, else ``y`` (cond is a constant mask).

    >>> where(Tensor([1.0, -1.0]) > 0, 1.0, Tensor([5.0, 6.0]))
    Tensor([1., 6.], shape=(2,), dtype=float64)
    """
    try:
        c = cond._data if isinstance(cond, Tensor) else np.asarray(cond)
    except ValueError as e:  # ragged nested lists
        raise ShapeError(f"where: cannot make a boolean mask from {type(cond).__name__}: {e}") from None
    if c.dtype != np.bool_:
        raise DTypeError(f"where: cond must be boolean, got dtype {c.dtype} {c.shape}")
    x, y = _pair(x, y)
    return ops.WHERE(x, y, cond=c)


def compare(fn: np.ufunc, x: ArrayLike, y: ArrayLike) -> Tensor:
    """``fn(x, y)`` for a NumPy comparison, as a constant boolean tensor.

    Shapes: ``x`` and ``y`` broadcast together; no gradient flows through the result.

    >>> compare(np.greater, Tensor([1.0, 3.0]), 2.0)
    Tensor([False,  True], shape=(2,), dtype=bool)
    """
    a, b = _comparand(x, fn), _comparand(y, fn)
    try:
        return constant(fn(a, b))
    except ValueError as e:
        raise ShapeError(f"{fn.__name__}: {e} (operands {shape_str(a, b)})") from None


def _comparand(x: ArrayLike, fn: np.ufunc) -> np.ndarray:
    """An operand of a comparison as a numeric array, or a ShapeError (ragged) or DTypeError (not numbers)."""
    if isinstance(x, Tensor):
        return x._data
    try:
        a = np.asarray(x)
    except ValueError as e:  # ragged nested lists
        raise ShapeError(f"{fn.__name__}: cannot compare a tensor with a ragged {type(x).__name__}: {e}") from None
    if a.dtype.kind not in "biuf":
        raise DTypeError(
            f"{fn.__name__}: cannot compare a tensor with {type(x).__name__} {x!r:.60}; compare with numbers"
        )
    return a


# --------------------------------------------------------------------------- reductions
def sum(x: ArrayLike, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Sum over ``axis`` (an int, a tuple, negative, or None for all).

    >>> sum(Tensor([[1.0, 2.0], [3.0, 4.0]]), axis=1, keepdims=True)
    Tensor([[3.],
            [7.]], shape=(2, 1), dtype=float64)
    """
    x = as_tensor(x)
    return ops.SUM(x, axis=_norm_axis(axis, x.ndim, "sum"), keepdims=_flag(keepdims, "sum"))


def mean(x: ArrayLike, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Mean over ``axis``: the sum divided by the number of elements summed (NumPy's ``mean``).

    Shapes: ``axis`` is removed from ``x``'s shape (kept as 1 with ``keepdims=True``).

    >>> mean(Tensor([[1.0, 2.0], [3.0, 5.0]]), axis=1)
    Tensor([1.5, 4. ], shape=(2,), dtype=float64)
    """
    x = as_tensor(x)
    axes = _norm_axis(axis, x.ndim, "mean")
    if ops._reduced_size(x.shape, axes) == 0:
        raise ShapeError(f"mean: no elements to average over axis {axis} of shape {x.shape}")
    return ops.MEAN(x, axis=axes, keepdims=_flag(keepdims, "mean"))


def max(x: ArrayLike, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Maximum over ``axis``; tied maxima share the gradient equally.

    Shapes: ``axis`` is removed from ``x``'s shape (kept as 1 with ``keepdims=True``).

    >>> max(Tensor([[1.0, 4.0], [3.0, 2.0]]), axis=0)
    Tensor([3., 4.], shape=(2,), dtype=float64)
    """
    x = as_tensor(x)
    if x.size == 0:
        raise ShapeError(f"max: empty tensor of shape {x.shape} has no maximum")
    return ops.MAX(x, axis=_norm_axis(axis, x.ndim, "max"), keepdims=_flag(keepdims, "max"))


def min(x: ArrayLike, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Minimum over ``axis``, composed as ``-max(-x)``.

    Shapes: ``axis`` is removed from ``x``'s shape (kept as 1 with ``keepdims=True``).

    >>> min(Tensor([[1.0, 4.0], [3.0, 2.0]]), axis=0)
    Tensor([1., 2.], shape=(2,), dtype=float64)
    """
    return neg(max(neg(x), axis, keepdims))


def logsumexp(x: ArrayLike, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """``log(sum(exp(x)))`` over ``axis``, shifted by the maximum so nothing overflows.

    Shapes: ``axis`` is removed from ``x``'s shape (kept as 1 with ``keepdims=True``).

    >>> logsumexp(Tensor([1000.0, 1000.0]))  # log(2 e^1000), no overflow
    Tensor(1000.6931, shape=(), dtype=float64)
    """
    x = as_tensor(x)
    if x.size == 0:
        raise ShapeError(f"logsumexp: empty tensor of shape {x.shape}")
    return ops.LOGSUMEXP(x, axis=_norm_axis(axis, x.ndim, "logsumexp"), keepdims=_flag(keepdims, "logsumexp"))


def softmax(x: ArrayLike, axis: int = 0) -> Tensor:
    """Softmax along ``axis`` (default 0: classes are rows, samples are columns, as in the course).

    >>> softmax(Tensor([[1000.0], [1000.0]])).data.ravel()
    array([0.5, 0.5])
    """
    x = _shifted(as_tensor(x), axis, "softmax")
    return exp(x - logsumexp(x, axis, keepdims=True))


def log_softmax(x: ArrayLike, axis: int = 0) -> Tensor:
    """``log(softmax(x))`` along ``axis``, computed as ``s - logsumexp(s)`` with ``s = x - max(x)``.

    Shapes: the result has ``x``'s shape.

    >>> log_softmax(Tensor([[0.0], [0.0]])).data.ravel()  # two classes, one sample
    array([-0.69314718, -0.69314718])
    >>> log_softmax(Tensor([3e16, 3e16])).data  # the shift keeps log 2 from vanishing into 3e16
    array([-0.69314718, -0.69314718])
    """
    x = _shifted(as_tensor(x), axis, "log_softmax")
    return x - logsumexp(x, axis, keepdims=True)


def _shifted(x: Tensor, axis: int, name: str) -> Tensor:
    """``x`` minus its maximum along ``axis``, held constant: softmax is unchanged by the shift.

    Without it ``x - logsumexp(x)`` subtracts two numbers that agree in every digit for large
    logits (``1e17 - (1e17 + log 4)`` rounds to 0); after it the largest entry is 0 and
    ``logsumexp`` lies in ``[0, log n]``. A shift by a constant changes no gradient.
    """
    ax = _norm_axis(axis, x.ndim, name)
    if x.size == 0:
        return x
    m = np.max(x._data, axis=ax, keepdims=True)
    return x - constant(np.where(np.isfinite(m), m, 0).astype(x.dtype))


# --------------------------------------------------------------------------- shapes
def reshape(x: ArrayLike, shape: int | Sequence[int]) -> Tensor:
    """The same values in ``shape`` (one entry may be -1).

    Shapes: the result has ``shape``, with as many elements as ``x``.

    >>> reshape(Tensor([1.0, 2.0, 3.0, 4.0]), (2, -1)).shape
    (2, 2)
    """
    x = as_tensor(x)
    shape = _ints(shape, "reshape", "shape")
    return ops.RESHAPE(x, shape=shape)


def transpose(x: ArrayLike, axes: Sequence[int] | None = None) -> Tensor:
    """Permute the axes (reverse them when ``axes`` is None, as ``.T``).

    Shapes: the result's axis ``i`` is ``x``'s axis ``axes[i]``.

    >>> transpose(Tensor.zeros(2, 3, 4), (2, 0, 1)).shape
    (4, 2, 3)
    """
    x = as_tensor(x)
    if axes is None:
        perm = tuple(range(x.ndim))[::-1]
    else:
        perm = tuple(a % x.ndim if x.ndim else a for a in _ints(axes, "transpose", "axes"))
        if sorted(perm) != list(range(x.ndim)):
            raise ShapeError(f"transpose: axes {axes!r} are not a permutation of {x.ndim} axes (shape {x.shape})")
    return ops.TRANSPOSE(x, axes=perm)


def flatten(x: ArrayLike) -> Tensor:
    """The values as a 1-D tensor.

    Shapes: ``(x.size,)``.

    >>> flatten(Tensor.zeros(2, 3)).shape
    (6,)
    """
    return reshape(x, (-1,))


def expand_dims(x: ArrayLike, axis: int) -> Tensor:
    """Insert an axis of length 1 at ``axis``.

    Shapes: ``x``'s shape with a 1 inserted at ``axis``.

    >>> expand_dims(Tensor([1.0, 2.0]), 1).shape  # a column
    (2, 1)
    """
    x = as_tensor(x)
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise ArgumentError(f"expand_dims: axis must be an int, got {axis!r}")
    if not -x.ndim - 1 <= axis <= x.ndim:
        raise ShapeError(f"expand_dims: axis {axis} is out of range for shape {x.shape}")
    axis = axis % (x.ndim + 1)
    return reshape(x, x.shape[:axis] + (1,) + x.shape[axis:])


def squeeze(x: ArrayLike, axis: Axis = None) -> Tensor:
    """Remove axes of length 1: all of them, or those in ``axis`` (which must have length 1).

    Shapes: ``x``'s shape without the removed 1s.

    >>> squeeze(Tensor.zeros(1, 3, 1)).shape
    (3,)
    """
    x = as_tensor(x)
    axes = _norm_axis(axis, x.ndim, "squeeze")
    if axes is None:
        axes = tuple(i for i, n in enumerate(x.shape) if n == 1)
    for a in axes:
        if x.shape[a] != 1:
            raise ShapeError(f"squeeze: axis {a} of shape {x.shape} has length {x.shape[a]}, not 1")
    return reshape(x, tuple(n for i, n in enumerate(x.shape) if i not in axes))


def broadcast_to(x: ArrayLike, shape: Sequence[int]) -> Tensor:
    """Broadcast to ``shape`` as NumPy does; the gradient is summed back.

    Shapes: ``x``'s shape must broadcast to ``shape``, the result's shape.

    >>> b = Tensor([[1.0], [2.0]], requires_grad=True)  # (n, 1)
    >>> broadcast_to(b, (2, 3)).sum().backward()
    >>> b.grad  # summed over the 3 columns
    array([[3.],
           [3.]])
    """
    return ops.BROADCAST_TO(as_tensor(x), shape=_ints(shape, "broadcast_to", "shape"))


def _norm_index(index: Any) -> Any:
    if isinstance(index, Tensor):
        return index._data
    if isinstance(index, list):
        try:
            return np.asarray(index)
        except ValueError as e:  # ragged nested lists
            raise TensorIndexError(f"getitem: cannot use the list {index!r} as an index: {e}") from None
    if isinstance(index, tuple):
        return tuple(_norm_index(i) for i in index)
    return index


def getitem(x: ArrayLike, index: Any) -> Tensor:
    """``x[index]`` with slices, ints, integer arrays or boolean masks (NumPy's rules).

    Backward adds the gradient back at ``index``; repeated indices accumulate.

    Shapes: as NumPy's indexing of ``x``.

    >>> x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> getitem(x, [0, 0, 2]).sum().backward()
    >>> x.grad  # index 0 was used twice
    array([2., 0., 1.])
    """
    x = as_tensor(x)
    index = _norm_index(index)
    for i in index if isinstance(index, tuple) else (index,):
        if isinstance(i, np.ndarray) and i.dtype.kind not in "biu":
            raise TensorIndexError(f"getitem: index arrays must be integer or boolean, got {i.dtype}")
    return ops.GETITEM(x, index=index)


def concatenate(tensors: Sequence[ArrayLike], axis: int = 0) -> Tensor:
    """Join tensors along an existing ``axis``.

    Shapes: all tensors agree except along ``axis``, where the result's length is the sum.

    >>> concatenate([Tensor([[1.0], [2.0]]), Tensor([[3.0], [4.0]])], axis=1)
    Tensor([[1., 3.],
            [2., 4.]], shape=(2, 2), dtype=float64)
    """
    ts = _tensor_list(tensors, "concatenate")
    if not ts:
        raise ShapeError("concatenate: needs at least one tensor")
    if builtins.any(t.ndim == 0 for t in ts):
        raise ShapeError("concatenate: 0-d tensors cannot be concatenated; use stack")
    floats = [t.dtype for t in ts if t.dtype.kind == "f"]
    if floats:
        target = np.result_type(*floats)
        ts = [t if t.dtype == target or t.requires_grad else constant(t._data.astype(target)) for t in ts]
    ax = _one_axis(axis, ts[0].ndim, "concatenate")
    return ops.CONCATENATE(*ts, axis=ax)


def stack(tensors: Sequence[ArrayLike], axis: int = 0) -> Tensor:
    """Join tensors of equal shape along a new ``axis``.

    Shapes: ``k`` tensors of shape ``s`` give a result with ``k`` inserted into ``s`` at ``axis``.

    >>> stack([Tensor([1.0, 2.0]), Tensor([3.0, 4.0])], axis=1).shape
    (2, 2)
    """
    ts = _tensor_list(tensors, "stack")
    if not ts:
        raise ShapeError("stack: needs at least one tensor")
    shapes = {t.shape for t in ts}
    if len(shapes) != 1:
        raise ShapeError(f"stack: all tensors need the same shape, got {[t.shape for t in ts]}")
    return concatenate([expand_dims(t, axis) for t in ts], axis=axis)


def astype(x: ArrayLike, dtype: Any) -> Tensor:
    """A copy converted to ``dtype``; converting to a non-float dtype gives a constant.

    Shapes: the result has ``x``'s shape.

    >>> astype(Tensor([1.0, 2.0]), np.float32).dtype
    dtype('float32')
    """
    x = as_tensor(x)
    dtype = _as_dtype(dtype, "astype")
    if dtype.kind != "f":
        return constant(x._data.astype(dtype))
    return ops.ASTYPE(x, dtype=dtype)


# --------------------------------------------------------------------------- losses
def _targets(targets: ArrayLike, like: Tensor, name: str) -> Tensor:
    t = targets if isinstance(targets, Tensor) else _operand(targets, like.dtype)
    if t.dtype.kind in "biu":
        t = constant(t._data.astype(like.dtype))
    if t.shape != like.shape:
        raise ShapeError(
            f"{name}: targets have shape {t.shape} but the predictions have shape {like.shape}; "
            "they must match exactly (course layout: both (1, m))"
        )
    return t


def _check_unit_interval(t: Tensor, what: str, name: str) -> None:
    d = t._data
    # min/max propagate NaN and NaN fails both comparisons, so NaN and ±inf are caught too.
    if d.size and not (d.min() >= 0 and d.max() <= 1):
        raise ArgumentError(f"{name}: {what} must lie in [0, 1], got values in [{d.min()}, {d.max()}]")


def binary_cross_entropy(probs: ArrayLike, targets: ArrayLike, reduction: Reduction = "mean") -> Tensor:
    """Binary cross-entropy of probabilities: ``-(y log a + (1 - y) log(1 - a))``.

    With ``reduction="mean"`` this is the course's cost ``J = -(1/m) Σ [y log a + (1-y) log(1-a)]``.
    Probabilities are clipped to ``[eps, 1 - eps]`` with ``eps = np.finfo(dtype).eps`` (2.2e-16 for
    float64, 1.2e-7 for float32), so a saturated prediction gives a large finite loss, not inf.
    After a sigmoid, the gradient reaching the logits is the course's ``dZ = A - Y`` while
    ``a (1 - a)`` is above eps; where the sigmoid has saturated (``|z|`` above about 36 in float64)
    it vanishes, as the clipped loss is flat there. A model that can saturate should compute its
    loss from the logits with :func:`binary_cross_entropy_with_logits`, which keeps ``A - Y``.

    >>> A = Tensor([[0.9, 0.2]]); Y = [[1, 0]]
    >>> round(binary_cross_entropy(A, Y).item(), 6)
    0.164252
    """
    _check_reduction(reduction, "binary_cross_entropy")
    a = as_tensor(probs)
    if a.dtype.kind != "f":
        raise DTypeError(f"binary_cross_entropy: probabilities must be floating point, got {a.dtype}")
    y = _targets(targets, a, "binary_cross_entropy")
    _check_unit_interval(a, "probabilities", "binary_cross_entropy")
    _check_unit_interval(y, "targets", "binary_cross_entropy")
    return _reduce(ops.BCE(a, y, eps=float(np.finfo(a.dtype).eps)), reduction)


def binary_cross_entropy_with_logits(logits: ArrayLike, targets: ArrayLike, reduction: Reduction = "mean") -> Tensor:
    """Binary cross-entropy of ``sigmoid(logits)``, computed stably from the logits.

    Its gradient with respect to the logits is ``sigmoid(z) - y``: the course's ``dZ = A - Y``.

    Shapes: ``logits`` and ``targets`` are the same shape, e.g. ``(1, m)``; the result is a
    scalar for ``"mean"`` and ``"sum"``, the logits' shape for ``"none"``.

    >>> Z = Tensor([[0.0, 2.0]], requires_grad=True)
    >>> binary_cross_entropy_with_logits(Z, [[1, 0]]).backward()
    >>> Z.grad  # (sigmoid(Z) - Y) / m
    array([[-0.25      ,  0.44039854]])
    """
    _check_reduction(reduction, "binary_cross_entropy_with_logits")
    z = as_tensor(logits)
    if z.dtype.kind != "f":
        raise DTypeError(f"binary_cross_entropy_with_logits: logits must be floating point, got {z.dtype}")
    y = _targets(targets, z, "binary_cross_entropy_with_logits")
    _check_unit_interval(y, "targets", "binary_cross_entropy_with_logits")
    return _reduce(ops.BCE_WITH_LOGITS(z, y), reduction)


def cross_entropy(logits: ArrayLike, labels: ArrayLike, axis: int = 0, reduction: Reduction = "mean") -> Tensor:
    """Softmax cross-entropy: classes along ``axis`` (0: samples are columns, as in the course).

    ``labels`` are either integer class indices (one per sample: the logits' shape without
    ``axis``) or one-hot / probability targets of the logits' shape.

    >>> logits = Tensor([[2.0, 0.0], [0.0, 2.0]])  # 2 classes x 2 samples
    >>> round(cross_entropy(logits, np.array([0, 1])).item(), 6)
    0.126928
    """
    _check_reduction(reduction, "cross_entropy")
    z = as_tensor(logits)
    if z.dtype.kind != "f" or z.ndim == 0:
        raise ShapeError(f"cross_entropy: logits must be a floating tensor with a class axis, got {z.shape} {z.dtype}")
    ax = _one_axis(axis, z.ndim, "cross_entropy")
    try:
        lab = labels._data if isinstance(labels, Tensor) else np.asarray(labels)
    except ValueError as e:  # ragged nested lists
        raise ShapeError(f"cross_entropy: cannot make labels from {type(labels).__name__}: {e}") from None
    if lab.dtype.kind not in "biuf":
        raise DTypeError(f"cross_entropy: labels must be numbers, got dtype {lab.dtype} {lab.shape}")
    n_classes = z.shape[ax]
    sample_shape = z.shape[:ax] + z.shape[ax + 1 :]
    if lab.dtype.kind in "iu" and lab.shape != z.shape:
        if lab.shape != sample_shape:
            raise ShapeError(
                f"cross_entropy: integer labels of shape {lab.shape} do not fit logits {z.shape} "
                f"with classes on axis {ax}: expected labels of shape {sample_shape}"
            )
        if lab.size and (lab.min() < 0 or lab.max() >= n_classes):
            raise TensorIndexError(
                f"cross_entropy: labels must be class indices in [0, {n_classes}), "
                f"got values in [{lab.min()}, {lab.max()}]"
            )
        one_hot = np.moveaxis(np.eye(n_classes, dtype=z.dtype)[lab], -1, ax)
    else:
        if lab.shape != z.shape:
            raise ShapeError(
                f"cross_entropy: targets of shape {lab.shape} do not fit logits {z.shape}: give integer "
                f"labels of shape {sample_shape} or one-hot targets of shape {z.shape}"
            )
        one_hot = lab.astype(z.dtype)
    loss = -sum(log_softmax(z, ax) * one_hot, axis=ax)
    return _reduce(loss, reduction)


def mse_loss(pred: ArrayLike, target: ArrayLike, reduction: Reduction = "mean") -> Tensor:
    """Squared error ``(pred - target) ** 2``, averaged (or summed) over all elements.

    Shapes: ``pred`` and ``target`` are the same shape; the result is a scalar for ``"mean"``
    and ``"sum"``, that shape for ``"none"``.

    >>> mse_loss(Tensor([1.0, 2.0]), [1.0, 4.0]).item()
    2.0
    """
    _check_reduction(reduction, "mse_loss")
    p = as_tensor(pred)
    t = _targets(target, p, "mse_loss")
    return _reduce((p - t) ** 2, reduction)


_UFUNCS = {
    np.add: add,
    np.subtract: sub,
    np.multiply: mul,
    np.true_divide: div,
    np.power: pow,
    np.negative: neg,
    np.exp: exp,
    np.log: log,
    np.sqrt: sqrt,
    np.absolute: abs,
    np.tanh: tanh,
    np.maximum: maximum,
    np.minimum: minimum,
    np.matmul: matmul,
    np.less: lambda x, y: compare(np.less, x, y),
    np.less_equal: lambda x, y: compare(np.less_equal, x, y),
    np.greater: lambda x, y: compare(np.greater, x, y),
    np.greater_equal: lambda x, y: compare(np.greater_equal, x, y),
    np.equal: lambda x, y: compare(np.equal, x, y),
    np.not_equal: lambda x, y: compare(np.not_equal, x, y),
}
