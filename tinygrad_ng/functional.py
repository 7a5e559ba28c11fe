"""Every op, defined once: its primitive (forward, VJPs, rule, test domain), checks, docs and example.

Each public function here is the one definition of an op: a primitive's :func:`~tinygrad_ng.ops.defop`
entry stands right above the function that checks the arguments and records it, and the
function's docstring is the op's documentation. The Tensor methods and operators are these same
functions, bound to :class:`~tinygrad_ng.tensor.Tensor` at the end of this module (``x.sigmoid()``
is ``sigmoid(x)``); they repeat neither the checks nor the docs. Composites (``sub``, ``softmax``,
``stack``...) are written in terms of the primitives, so their gradients come for free.

Everything here accepts Tensors, ndarrays, nested lists and Python numbers; non-Tensor arguments
become constants. dtype rules, as NumPy's but without silent upcasts: a Python or NumPy scalar
and an integer or boolean operand, however it is given (a tensor, an ndarray or a Python list),
take the floating tensor's dtype (``float32 * 2.0`` and ``float32 * [1, 0]`` are float32); two
floating operands of different precision promote as NumPy does (a Python list of floats is float64).

NumPy functions called on tensors dispatch here (NumPy's ``__array_ufunc__`` and
``__array_function__`` protocols): ``np.exp(t)``, ``np.sum(t, axis=0)``, ``np.concatenate([t, u])``,
``np.where(mask, t, 0)``, ``np.dot``, ``np.clip``, ``np.reshape``... record the matching op; those
whose result carries no gradient (``np.allclose``, ``np.argmax``, ``np.shape``, ``np.isfinite``,
``np.sign``...) compute on the values; any other raises :class:`DTypeError` rather than return a
plain array that would silently cut the graph (call it on ``t.data`` for a constant).
"""

from __future__ import annotations

import builtins
import functools
import math
import operator
from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np

from . import _xp
from ._xp import namespace
from .errors import ArgumentError, BackendError, DTypeError, ShapeError, TensorIndexError, shape_str
from .ops import Domain, defop, two_way
from .tensor import ArrayLike, Tensor, _as_dtype, _to_array, apply, constant

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

F = Callable[..., Tensor]


def tensor_method(fn: F) -> F:
    """Make the op's function also a :class:`Tensor` method of the same name: ``x.f(...)`` is ``f(x, ...)``.

    The method is the function itself, so it has the same code, checks, signature and docs.

    >>> @tensor_method
    ... def double(x: ArrayLike) -> Tensor:
    ...     "Twice ``x``."
    ...     return mul(x, 2.0)
    >>> Tensor([1.5]).double()
    Tensor([3.], shape=(1,), dtype=float64)
    >>> del Tensor.double
    """
    setattr(Tensor, fn.__name__, fn)
    return fn


# --------------------------------------------------------------------------- operands
def as_tensor(x: ArrayLike) -> Tensor:
    """``x`` itself if it is a Tensor, else a constant tensor of it (Python data -> float64)."""
    return x if isinstance(x, Tensor) else Tensor(x)


def _operand(x: ArrayLike, like: np.dtype | None, like_arr: Any = None) -> Tensor:
    """A non-Tensor operand as a constant, taking ``like`` (a float dtype) where NumPy would upcast.

    A number next to another library's array ``like_arr`` becomes an array of that library (on
    its device); a NumPy array stays one (and an op mixing it with CuPy or torch refuses it).
    """
    if isinstance(x, _SCALARS) or (isinstance(x, np.ndarray) and x.ndim == 0):
        arr = np.asarray(x)
        if arr.dtype.kind not in "biuf":
            raise DTypeError(f"unsupported operand {x!r} of type {type(x).__name__}")
        if type(like_arr) is not np.ndarray and like_arr is not None and not _xp.is_lazy(like_arr):
            xp = namespace(like_arr)
            dt = _xp.backend_dtype(xp, like if like is not None else arr.dtype)
            return constant(xp.asarray(arr.item(), dtype=dt, device=_xp.device(like_arr)))
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
    if like is not None and _xp.kind(arr) in "biu":
        arr = _xp.astype(arr, like)
    return constant(arr)


def _pair(x: ArrayLike, y: ArrayLike) -> tuple[Tensor, Tensor]:
    """Both operands as Tensors of compatible dtypes (see the module's dtype rules)."""
    if isinstance(x, Tensor):
        if isinstance(y, Tensor):
            dx, dy = x._data.dtype, y._data.dtype
            if dx is dy or (type(dx) is type(dy) and dx == dy):
                return x, y
            dx, dy = x.dtype, y.dtype
            if dx.kind == "f" and dy.kind in "biu":
                return x, constant(_xp.astype(y._data, dx))
            if dy.kind == "f" and dx.kind in "biu":
                return constant(_xp.astype(x._data, dy)), y
            return x, y
        arr = x._data
        dx = arr.dtype if type(arr) is np.ndarray else x.dtype
        return x, _operand(y, dx if dx.kind == "f" else None, arr)
    if isinstance(y, Tensor):
        arr = y._data
        dy = arr.dtype if type(arr) is np.ndarray else y.dtype
        return _operand(x, dy if dy.kind == "f" else None, arr), y
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
        if loss._data.size:  # a loss's mean over everything, without mean()'s argument checks
            return apply(MEAN, loss, axis=None, keepdims=False)
        return mean(loss)
    if reduction == "sum":
        return sum(loss)
    return loss


def _loss_node(op: Any, x: Tensor, y: Tensor, reduction: str, size: int, **attrs: Any) -> Tensor:
    """Record a per-element loss op with the cost's mean or sum inside its own node (one node).

    The op's forward reduces with :func:`_reduced` and its VJPs scale ``g`` with
    :func:`_per_element`; ``"none"`` and an empty input (``size`` 0) take the separate
    reduction of :func:`_reduce`.
    """
    if reduction == "none" or not size:
        return _reduce(apply(op, x, y, **attrs), reduction)
    return apply(op, x, y, reduction=reduction, **attrs)


def _reduced(loss: Any, reduction: str) -> Any:
    """A loss op's forward, after its per-element loss: the mean or sum that mean() and sum() compute."""
    if reduction == "mean":
        return _mean_forward(loss, None, False)
    if reduction == "sum":
        return SUM.forward(loss, None, False)
    return loss


# --------------------------------------------------------------------------- helpers for rules
# A rule gets ndarrays, or Tensors under create_graph; these run on both.
def _arr(x: Any) -> Any:
    """The ndarray behind a Tensor (a constant, for masks); ndarrays pass through."""
    return x._data if isinstance(x, Tensor) else x


def _select(cond: Any, a: Any, b: Any) -> Any:
    """``where(cond, a, b)`` with a constant condition."""
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        return where(cond, a, b)
    return namespace(cond, a, b).where(cond, a, b)


def _keep(g: Any, cond: Any) -> Any:
    """``g`` where ``cond`` holds, else 0: a gradient through a mask (ReLU, clip, where).

    On NumPy arrays a multiply by the mask: ``np.where`` branches on every element and on a
    random mask (half a layer's ReLUs) it is about 15 times slower. The two differ only where
    ``g`` is inf or NaN (times 0 is NaN); such a gradient takes ``np.where``.
    """
    if (
        type(g) is np.ndarray
        and type(cond) is np.ndarray
        and g.dtype.kind == "f"
        and np.logical_and.reduce(np.isfinite(g), None)
    ):
        return g * cond
    return _select(cond, g, 0)


def _keepdims_shape(shape: tuple[int, ...], axis: tuple[int, ...] | None) -> tuple[int, ...]:
    """The shape a reduction over ``axis`` has with keepdims=True."""
    if axis is None:
        return (1,) * len(shape)
    return tuple(1 if i in axis else n for i, n in enumerate(shape))


def _unreduce(g: Any, shape: tuple[int, ...], axis: tuple[int, ...] | None, keepdims: bool) -> Any:
    """Put back the reduced axes of ``g`` (as length 1) so it broadcasts against the input."""
    if keepdims or axis is None:
        return g
    if type(g) is np.ndarray or isinstance(g, Tensor):
        return g.reshape(_keepdims_shape(shape, axis))
    return namespace(g).reshape(g, _keepdims_shape(shape, axis))


def _broadcast(g: Any, shape: tuple[int, ...]) -> Any:
    if isinstance(g, Tensor):
        return apply(BROADCAST_TO, g, shape=shape)
    if type(g) is not np.ndarray and not isinstance(g, np.generic):
        return namespace(g).broadcast_to(g, shape)
    # A filled array rather than np.broadcast_to's view, whose Python layer costs ~5x more on a
    # loss's (1, m) gradient; the price is one array of x's size, as the consumer's VJP makes anyway.
    out = np.empty(shape, g.dtype)
    out[...] = g
    return out


def _reduced_size(shape: tuple[int, ...], axis: tuple[int, ...] | None) -> int:
    """How many elements a reduction over ``axis`` combines into each output element."""
    return math.prod(shape) if axis is None else math.prod(shape[a] for a in axis)


# --------------------------------------------------------------------------- arithmetic
ADD = defop(
    "add",
    operator.add,
    (
        lambda g, out, x, y: g,  # d(x+y)/dx = 1
        lambda g, out, x, y: g,  # d(x+y)/dy = 1
    ),
    rule="dx = g;  dy = g",
    domain=Domain("binary", (-2, 2), (-2, 2)),
)


def add(x: ArrayLike, y: ArrayLike) -> Tensor:
    """Elementwise ``x + y`` with NumPy broadcasting.

    Shapes: ``x`` and ``y`` broadcast together; the result has the broadcast shape.

    >>> add(Tensor([[1.0], [2.0]]), Tensor([10.0, 20.0, 30.0])).shape  # (2, 1) + (3,)
    (2, 3)
    """
    return apply(ADD, *_pair(x, y))


def sub(x: ArrayLike, y: ArrayLike) -> Tensor:
    """Elementwise ``x - y``, composed as ``x + (-y)``.

    Shapes: ``x`` and ``y`` broadcast together; the result has the broadcast shape.

    >>> sub(Tensor([3.0, 5.0]), 1.0)
    Tensor([2., 4.], shape=(2,), dtype=float64)
    """
    x, y = _pair(x, y)
    try:
        return apply(ADD, x, apply(NEG, y))
    except ShapeError:  # name the function the user called, not the add it is made of
        raise ShapeError(f"sub: shapes {x.shape} and {y.shape} do not broadcast (operands {shape_str(x, y)})") from None


MUL = defop(
    "mul",
    operator.mul,
    (
        lambda g, out, x, y: g * y,  # d(xy)/dx = y
        lambda g, out, x, y: g * x,  # d(xy)/dy = x
    ),
    rule="dx = g * y;  dy = g * x",
    domain=Domain("binary", (-2, 2), (-2, 2)),
)


def mul(x: ArrayLike, y: ArrayLike) -> Tensor:
    """Elementwise ``x * y`` with NumPy broadcasting.

    Shapes: ``x`` and ``y`` broadcast together; the result has the broadcast shape.

    >>> mul(Tensor([[1.0, 2.0]]), Tensor([[3.0], [4.0]]))
    Tensor([[3., 6.],
            [4., 8.]], shape=(2, 2), dtype=float64)
    """
    return apply(MUL, *_pair(x, y))


# Division is a primitive (not x * y**-1) so that forward values equal NumPy's x / y exactly.
DIV = defop(
    "div",
    operator.truediv,
    (
        lambda g, out, x, y: g / y,  # d(x/y)/dx = 1/y
        lambda g, out, x, y: -g * out / y,  # d(x/y)/dy = -x/y²
    ),
    rule="dx = g / y;  dy = -g * x / y**2",
    domain=Domain("binary", (-2, 2), (0.5, 2), "y_nonzero"),
)


def div(x: ArrayLike, y: ArrayLike) -> Tensor:
    """Elementwise ``x / y`` with NumPy broadcasting.

    Shapes: ``x`` and ``y`` broadcast together; the result has the broadcast shape.

    >>> div(Tensor([1.0, 3.0]), 2.0)
    Tensor([0.5, 1.5], shape=(2,), dtype=float64)
    """
    return apply(DIV, *_pair(x, y))


NEG = defop("neg", operator.neg, (lambda g, out, x: -g,), rule="dx = -g", domain=Domain("unary", -2, 2))


def neg(x: ArrayLike) -> Tensor:
    """Elementwise ``-x``.

    Shapes: the result has ``x``'s shape.

    >>> neg(Tensor([1.0, -2.0]))
    Tensor([-1.,  2.], shape=(2,), dtype=float64)
    """
    return apply(NEG, as_tensor(x))


def _pow_forward(x: Any, y: Any) -> Any:
    if _xp.kind(x) in "biu" and _xp.kind(_xp.as_array(y)) in "biu" and bool(namespace(x, y).any(_xp.as_array(y) < 0)):
        raise DTypeError(
            f"pow: an integer tensor {x.shape} {x.dtype} to a negative integer power has no integer result; "
            "convert the base to floating point first, e.g. x.astype(np.float64) ** -2"
        )
    return x**y


def _pow_vjp_x(g: Any, out: Any, x: Any, y: Any) -> Any:
    # d(x^y)/dx = y x^(y-1); 0 where y = 0 (x^0 = 1 everywhere), also at x = 0 where 0^-1 would give 0 * inf
    flat = (_arr(x) == 0) & (_arr(y) == 0)
    return g * y * (_select(flat, 1, x) if _xp.any_true(flat) else x) ** (y - 1)


def _pow_vjp_y(g: Any, out: Any, x: Any, y: Any) -> Any:
    # d(x^y)/dy = x^y ln x; 0 where x = 0 and y >= 0 (x^y is flat in y there), without a warning
    zero = (_arr(x) == 0) & (_arr(y) >= 0)
    return g * _select(zero, 0, out * namespace(x).log(_select(zero, 1, x)))


POW = defop(
    "pow",
    _pow_forward,
    (
        _pow_vjp_x,
        _pow_vjp_y,
    ),
    rule="dx = g * y * x**(y-1);  dy = g * x**y * log(x)",
    domain=Domain("binary", (0.5, 2), (-2, 2)),
)
POW_SCALAR = defop(
    "pow_scalar",
    lambda x, exponent: _pow_forward(x, exponent),
    # d(x^p)/dx = p x^(p-1)
    (lambda g, out, x, exponent: g * exponent * x ** (exponent - 1) if exponent != 0 else g * 0,),
    rule="dx = g * p * x**(p-1)",
    domain=Domain("pow_scalar"),
)


def pow(x: ArrayLike, y: ArrayLike) -> Tensor:
    """Elementwise ``x ** y``; a number exponent is an attribute, a tensor exponent is differentiated.

    Where ``x`` is 0 the gradient with respect to ``y`` is 0 (for ``y >= 0``), as in PyTorch.

    >>> pow(Tensor([2.0, 3.0]), 2)
    Tensor([4., 9.], shape=(2,), dtype=float64)
    """
    if isinstance(y, _SCALARS) and not isinstance(x, _SCALARS):
        exponent = y.item() if isinstance(y, np.generic) else y
        if isinstance(exponent, bool) or not isinstance(exponent, (int, float)):
            raise DTypeError(f"pow: unsupported exponent {y!r}")
        return apply(POW_SCALAR, as_tensor(x), exponent=exponent)
    return apply(POW, *_pair(x, y))


def _matmul_forward(x: Any, y: Any) -> Any:
    if type(x) is np.ndarray:  # NumPy refuses bad shapes itself; then say which dimensions disagree
        try:
            return x @ y
        except ValueError:
            _matmul_check(x, y)
            raise
    _matmul_check(x, y)  # other libraries' messages (torch's RuntimeError...) differ: check first
    return x @ y


def _matmul_check(x: Any, y: Any) -> None:
    if x.ndim == 0 or y.ndim == 0:
        raise ShapeError(f"matmul of {x.shape} and {y.shape}: both operands need at least 1 dimension")
    k_x = x.shape[-1]
    k_y = y.shape[0] if y.ndim == 1 else y.shape[-2]
    if k_x != k_y:
        raise ShapeError(
            f"matmul of {x.shape} and {y.shape}: inner dimensions {k_x} and {k_y} differ "
            f"(course layout: W is (n_out, n_in), A is (n_in, m))"
        )


def _swap_last(a: Any) -> Any:
    axes = tuple(range(a.ndim - 2)) + (a.ndim - 1, a.ndim - 2)
    return a.transpose(axes) if type(a) is np.ndarray else namespace(a).permute_dims(a, axes)


def _reshape(a: Any, shape: tuple[int, ...]) -> Any:
    """``a.reshape(shape)`` for an array of any library or a Tensor."""
    return a.reshape(shape) if type(a) is np.ndarray else namespace(a).reshape(a, shape)


def _t(a: Any) -> Any:
    """The transpose of a 2-D array of any library, or of a Tensor."""
    return a.T if type(a) is np.ndarray else namespace(a).permute_dims(a, (1, 0))


def _matmul_vjp_x(g: Any, out: Any, x: Any, y: Any) -> Any:
    if x.ndim == 2 and y.ndim == 2:  # the common case: dX = G Yᵀ
        return g @ (y.T if type(y) is np.ndarray else _t(y))
    if x.ndim == 1 and y.ndim == 1:  # dot product: dx = g y
        return g * y
    if y.ndim == 1:  # (..., n, k) @ (k,) -> (..., n): dX = g ⊗ y
        dx = _reshape(g, g.shape + (1,)) * _reshape(y, (1, y.shape[0]))
    else:
        if x.ndim == 1:  # (k,) @ (..., k, m) -> (..., m)
            g = _reshape(g, g.shape[:-1] + (1, g.shape[-1]))
        dx = g @ _swap_last(y)
    if x.ndim == 1:
        dx = _reshape(dx, dx.shape[:-2] + (dx.shape[-1],))
    return dx


def _matmul_vjp_y(g: Any, out: Any, x: Any, y: Any) -> Any:
    if x.ndim == 2 and y.ndim == 2:  # the common case: dY = Xᵀ G
        return (x.T if type(x) is np.ndarray else _t(x)) @ g
    if x.ndim == 1 and y.ndim == 1:  # dot product: dy = g x
        return g * x
    if x.ndim == 1:  # (k,) @ (..., k, m) -> (..., m): dY = x ⊗ g
        dy = _reshape(x, (x.shape[0], 1)) * _reshape(g, g.shape[:-1] + (1, g.shape[-1]))
    else:
        if y.ndim == 1:  # (..., n, k) @ (k,) -> (..., n)
            g = _reshape(g, g.shape + (1,))
        dy = _swap_last(x) @ g
    if y.ndim == 1:
        dy = _reshape(dy, dy.shape[:-1])
    return dy


MATMUL = defop(
    "matmul",
    _matmul_forward,
    (_matmul_vjp_x, _matmul_vjp_y),
    rule="dW = dZ @ A.T;  dA = W.T @ dZ",
    domain=Domain("matmul"),
)


def matmul(x: ArrayLike, y: ArrayLike) -> Tensor:
    """Matrix product ``x @ y``: 2-D, matrix-vector, vector-vector, or batched (>= 3-D, broadcast).

    In the course's layout ``Z = W @ A`` with W ``(n_l, n_{l-1})`` and A ``(n_{l-1}, m)``.

    >>> matmul(Tensor([[1.0, 2.0]]), Tensor([[3.0], [4.0]]))
    Tensor([[11.]], shape=(1, 1), dtype=float64)
    """
    if type(x) is Tensor and type(y) is Tensor and x._data.dtype is y._data.dtype:
        return apply(MATMUL, x, y)
    return apply(MATMUL, *_pair(as_tensor(x), as_tensor(y)))


# --------------------------------------------------------------------------- elementwise
EXP = defop(
    "exp",
    _xp.elementwise(np.exp, "exp"),
    (lambda g, out, x: g * out,),
    rule="dz = da * a",
    domain=Domain("unary", -3, 3),
)


@tensor_method
def exp(x: ArrayLike) -> Tensor:
    """Elementwise ``e ** x``.

    Shapes: the result has ``x``'s shape.

    >>> exp(Tensor([0.0, 1.0]))
    Tensor([1.    , 2.7183], shape=(2,), dtype=float64)
    """
    return apply(EXP, x if type(x) is Tensor else as_tensor(x))


LOG = defop(
    "log",
    _xp.elementwise(np.log, "log"),
    (lambda g, out, x: g / x,),
    rule="dz = da / z",
    domain=Domain("unary", 0.1, 5),
)


@tensor_method
def log(x: ArrayLike) -> Tensor:
    """Elementwise natural logarithm.

    Shapes: the result has ``x``'s shape.

    >>> log(Tensor([1.0, 100.0]))
    Tensor([0.    , 4.6052], shape=(2,), dtype=float64)
    """
    return apply(LOG, x if type(x) is Tensor else as_tensor(x))


SQRT = defop(
    "sqrt",
    _xp.elementwise(np.sqrt, "sqrt"),
    (lambda g, out, x: g / (2 * out),),
    rule="dz = da / (2 * a)",
    domain=Domain("unary", 0.1, 5),
)


@tensor_method
def sqrt(x: ArrayLike) -> Tensor:
    """Elementwise square root.

    Shapes: the result has ``x``'s shape.

    >>> sqrt(Tensor([4.0, 9.0]))
    Tensor([2., 3.], shape=(2,), dtype=float64)
    """
    return apply(SQRT, as_tensor(x))


ABS = defop(
    "abs",
    _xp.elementwise(np.abs, "abs"),
    (lambda g, out, x: g * namespace(_arr(x)).sign(_arr(x)),),  # d|z| = sign(z), 0 at 0
    rule="dz = da * sign(z)",
    domain=Domain("kinked"),
)


@tensor_method
def abs(x: ArrayLike) -> Tensor:
    """Elementwise absolute value (derivative 0 at 0).

    Shapes: the result has ``x``'s shape.

    >>> abs(Tensor([-1.5, 2.0]))
    Tensor([1.5, 2. ], shape=(2,), dtype=float64)
    """
    return apply(ABS, as_tensor(x))


@np.errstate(over="ignore")  # as a decorator: no errstate object made and entered per call
def _sigmoid_np(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def _sigmoid_forward(x: Any) -> Any:
    # The course's 1 / (1 + e^-x), bit for bit. Where e^-x overflows (x < -709 in float64) it is
    # inf and the result is 0, the correct limit, so the overflow warning is silenced.
    if type(x) is not np.ndarray:
        return 1 / (1 + namespace(x).exp(-x))
    return _sigmoid_np(x)


# Sigmoid is a primitive for stability: e^-z overflows for z << 0, and its VJP reads only a.
SIGMOID = defop(
    "sigmoid",
    _sigmoid_forward,
    (lambda g, out, x: g * out * (1 - out),),  # σ' = σ(1-σ)
    rule="dz = da * a * (1 - a)",
    domain=Domain("unary", -6, 6),
)


@tensor_method
def sigmoid(x: ArrayLike) -> Tensor:
    """Elementwise ``1 / (1 + e**-x)``, computed without overflow for any x.

    >>> sigmoid(Tensor([0.0, 1000.0, -1000.0]))
    Tensor([0.5, 1. , 0. ], shape=(3,), dtype=float64)
    """
    return apply(SIGMOID, x if type(x) is Tensor else as_tensor(x))


TANH = defop(
    "tanh",
    _xp.elementwise(np.tanh, "tanh"),
    (lambda g, out, x: g * (1 - out * out),),
    rule="dz = da * (1 - a**2)",
    domain=Domain("unary", -3, 3),
)


@tensor_method
def tanh(x: ArrayLike) -> Tensor:
    """Elementwise hyperbolic tangent.

    Shapes: the result has ``x``'s shape; the derivative is ``1 - tanh(x)**2``.

    >>> tanh(Tensor([0.0, 100.0]))
    Tensor([0., 1.], shape=(2,), dtype=float64)
    """
    return apply(TANH, x if type(x) is Tensor else as_tensor(x))


RELU = defop(
    "relu",
    lambda x: np.maximum(x, 0) if type(x) is np.ndarray else namespace(x).maximum(x, 0),
    (lambda g, out, x: _keep(g, _arr(x) > 0),),  # 1 where z > 0, else 0 (also at 0)
    rule="dz = da * (z > 0)",
    domain=Domain("kinked"),
)


@tensor_method
def relu(x: ArrayLike) -> Tensor:
    """Elementwise ``max(x, 0)``; the derivative is 1 where x > 0 and 0 elsewhere (0 at x = 0).

    Shapes: the result has ``x``'s shape.

    >>> x = Tensor([-1.0, 0.0, 2.0], requires_grad=True)
    >>> relu(x).sum().backward()
    >>> x.grad
    array([0., 0., 1.])
    """
    return apply(RELU, x if type(x) is Tensor else as_tensor(x))


LEAKY_RELU = defop(
    "leaky_relu",
    lambda x, slope: namespace(x).where(x > 0, x, x * slope),
    (lambda g, out, x, slope: _select(_arr(x) > 0, g, g * slope),),
    rule="dz = da * (1 if z > 0 else slope)",
    domain=Domain("leaky"),
)


@tensor_method
def leaky_relu(x: ArrayLike, slope: float = 0.01) -> Tensor:
    """Elementwise ``x`` where x > 0, else ``slope * x``.

    Shapes: the result has ``x``'s shape.

    >>> leaky_relu(Tensor([-2.0, 3.0]), slope=0.1)
    Tensor([-0.2,  3. ], shape=(2,), dtype=float64)
    """
    _check_number(slope, "leaky_relu", "slope")
    return apply(LEAKY_RELU, as_tensor(x), slope=float(slope))


def _clip_forward(x: Any, low: float | None, high: float | None) -> Any:
    xp = namespace(x)
    if low is None and high is None:
        return xp.asarray(x, copy=True)
    return xp.clip(x, low, high)


def _inside(x: Any, low: float | None, high: float | None) -> Any:
    if low is None and high is None:
        return namespace(x).ones(x.shape, dtype=namespace(x).bool)
    if low is None:
        return x <= high
    return x >= low if high is None else (x >= low) & (x <= high)


CLIP = defop(
    "clip",
    _clip_forward,
    (lambda g, out, x, low, high: _keep(g, _inside(_arr(x), low, high)),),
    rule="dz = da * (low <= z <= high)",
    domain=Domain("clip"),
)


@tensor_method
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
    return apply(CLIP, as_tensor(x), low=low, high=high)


def _tie_share(g: Any, x: Any, y: Any, wins: np.ndarray) -> Any:
    """``g`` where x wins, ``g / 2`` on ties, 0 where it loses: how maximum/minimum split the gradient.

    Selected rather than multiplied by a 0/1 mask, so an infinite ``g`` gives 0 on the losing
    side (as relu, clip and where do), not ``inf * 0 = NaN``.
    """
    return _select(wins, g, _select(_arr(x) == _arr(y), g * 0.5, 0))


MAXIMUM = defop(
    "maximum",
    _xp.elementwise(np.maximum, "maximum"),
    (
        lambda g, out, x, y: _tie_share(g, x, y, _arr(x) > _arr(y)),
        lambda g, out, x, y: _tie_share(g, x, y, _arr(y) > _arr(x)),
    ),
    rule="dx = g * (x > y);  dy = g * (y > x)  (ties: g / 2 each)",
    domain=Domain("no_ties"),
)


@tensor_method
def maximum(x: ArrayLike, y: ArrayLike) -> Tensor:
    """Elementwise maximum with broadcasting; on ties each side gets half the gradient.

    Shapes: ``x`` and ``y`` broadcast together; the result has the broadcast shape.

    >>> maximum(Tensor([1.0, 5.0]), 3.0)
    Tensor([3., 5.], shape=(2,), dtype=float64)
    """
    return apply(MAXIMUM, *_pair(x, y))


MINIMUM = defop(
    "minimum",
    _xp.elementwise(np.minimum, "minimum"),
    (
        lambda g, out, x, y: _tie_share(g, x, y, _arr(x) < _arr(y)),
        lambda g, out, x, y: _tie_share(g, x, y, _arr(y) < _arr(x)),
    ),
    rule="dx = g * (x < y);  dy = g * (y < x)  (ties: g / 2 each)",
    domain=Domain("no_ties"),
)


@tensor_method
def minimum(x: ArrayLike, y: ArrayLike) -> Tensor:
    """Elementwise minimum with broadcasting; on ties each side gets half the gradient.

    Shapes: ``x`` and ``y`` broadcast together; the result has the broadcast shape.

    >>> minimum(Tensor([1.0, 5.0]), 3.0)
    Tensor([1., 3.], shape=(2,), dtype=float64)
    """
    return apply(MINIMUM, *_pair(x, y))


WHERE = defop(
    "where",
    lambda x, y, cond: namespace(cond, x, y).where(cond, x, y),
    (
        lambda g, out, x, y, cond: _keep(g, cond),
        lambda g, out, x, y, cond: _keep(g, ~cond) if type(cond) is np.ndarray else _select(cond, 0, g),
    ),
    rule="dx = g * cond;  dy = g * (not cond)",
    domain=Domain("where"),
)


def where(cond: ArrayLike, x: ArrayLike, y: ArrayLike) -> Tensor:
    """Elementwise ``x`` where ``cond`` is true, else ``y`` (cond is a constant mask).

    >>> where(Tensor([1.0, -1.0]) > 0, 1.0, Tensor([5.0, 6.0]))
    Tensor([1., 6.], shape=(2,), dtype=float64)
    """
    try:
        c = cond._data if isinstance(cond, Tensor) else _xp.as_array(cond)
    except ValueError as e:  # ragged nested lists
        raise ShapeError(f"where: cannot make a boolean mask from {type(cond).__name__}: {e}") from None
    if _xp.kind(c) != "b":
        raise DTypeError(f"where: cond must be boolean, got dtype {c.dtype} {c.shape}")
    x, y = _pair(x, y)
    return apply(WHERE, x, y, cond=c)


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
def _reduce_args(x: Tensor, axis: Axis, keepdims: Any, name: str) -> dict[str, Any]:
    return {"axis": _norm_axis(axis, x.ndim, name), "keepdims": _flag(keepdims, name)}


SUM = defop(
    "sum",
    lambda x, axis, keepdims: (
        np.add.reduce(x, axis, None, None, keepdims)  # x.sum, without its Python layer
        if type(x) is np.ndarray
        else namespace(x).sum(x, axis=axis, keepdims=keepdims)
    ),
    (lambda g, out, x, axis, keepdims: _broadcast(_unreduce(g, x.shape, axis, keepdims), x.shape),),
    rule="dx = broadcast(g)",
    domain=Domain("reduce"),
)


@tensor_method
def sum(x: ArrayLike, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Sum over ``axis`` (an int, a tuple, negative, or None for all).

    >>> dZ = Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])  # (n, m)
    >>> sum(dZ, axis=1, keepdims=True)  # the course's db: summed over the columns
    Tensor([[ 6.],
            [15.]], shape=(2, 1), dtype=float64)
    """
    x = as_tensor(x)
    return apply(SUM, x, **_reduce_args(x, axis, keepdims, "sum"))


# Mean is a primitive for speed, not a sum and a division: a training step's loss ends in it, and
# one node instead of two saves ~5 us a step on the course's small models.
def _mean_forward(x: Any, axis: tuple[int, ...] | None, keepdims: bool) -> Any:
    if type(x) is not np.ndarray:
        return namespace(x).mean(x, axis=axis, keepdims=keepdims)
    if x.dtype.char in "fd" and x.size:  # NumPy's own mean, without its Python layer (~3 us a call)
        return np.true_divide(np.add.reduce(x, axis, None, None, keepdims), _reduced_size(x.shape, axis))
    return x.mean(axis=axis, keepdims=keepdims)  # integers average in float64, float16 in float32


def _mean_vjp(g: Any, out: Any, x: Any, axis: tuple[int, ...] | None, keepdims: bool) -> Any:
    if axis is None and type(g) is np.ndarray and not g.ndim and type(x) is np.ndarray:  # a loss's mean: filled
        dx = np.empty(x.shape, g.dtype)
        dx.fill(g / x.size)
        return dx
    return _broadcast(_unreduce(g, x.shape, axis, keepdims) / _reduced_size(x.shape, axis), x.shape)


MEAN = defop(
    "mean",
    _mean_forward,
    (_mean_vjp,),
    rule="dx = broadcast(g) / n",
    domain=Domain("reduce"),
)


@tensor_method
def mean(x: ArrayLike, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Mean over ``axis``: the sum divided by the number of elements summed (NumPy's ``mean``).

    Shapes: ``axis`` is removed from ``x``'s shape (kept as 1 with ``keepdims=True``).

    >>> mean(Tensor([[1.0, 2.0], [3.0, 5.0]]), axis=1)
    Tensor([1.5, 4. ], shape=(2,), dtype=float64)
    """
    x = as_tensor(x)
    attrs = _reduce_args(x, axis, keepdims, "mean")
    if _reduced_size(x.shape, attrs["axis"]) == 0:
        raise ShapeError(f"mean: no elements to average over axis {axis} of shape {x.shape}")
    return apply(MEAN, x, **attrs)


def _extreme_vjp(g: Any, out: Any, x: Any, axis: tuple[int, ...] | None, keepdims: bool) -> Any:
    # The gradient goes to the elements equal to the extreme, shared equally among ties.
    xa, outa = _arr(x), _arr(out)
    winners = xa == _unreduce(outa, xa.shape, axis, keepdims)
    xp = namespace(xa)
    counts = xp.sum(_xp.astype(winners, _xp.np_dtype(xa.dtype)), axis=axis, keepdims=True)
    share = _xp.astype(winners, _xp.np_dtype(xa.dtype)) / counts
    return _unreduce(g, xa.shape, axis, keepdims) * share


MAX = defop(
    "max",
    lambda x, axis, keepdims: namespace(x).max(x, axis=axis, keepdims=keepdims),
    (_extreme_vjp,),
    rule="dx = g where x == max (ties share g)",
    domain=Domain("reduce_distinct"),
)
# min is a primitive, not -max(-x): negation wraps around for unsigned ints and overflows at
# int32's -2**31, and booleans cannot be negated.
MIN = defop(
    "min",
    lambda x, axis, keepdims: namespace(x).min(x, axis=axis, keepdims=keepdims),
    (_extreme_vjp,),
    rule="dx = g where x == min (ties share g)",
    domain=Domain("reduce_distinct"),
)


@tensor_method
def max(x: ArrayLike, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Maximum over ``axis``; tied maxima share the gradient equally.

    Shapes: ``axis`` is removed from ``x``'s shape (kept as 1 with ``keepdims=True``).

    >>> max(Tensor([[1.0, 4.0], [3.0, 2.0]]), axis=0)
    Tensor([3., 4.], shape=(2,), dtype=float64)
    """
    x = as_tensor(x)
    if x.size == 0:
        raise ShapeError(f"max: empty tensor of shape {x.shape} has no maximum")
    return apply(MAX, x, **_reduce_args(x, axis, keepdims, "max"))


@tensor_method
def min(x: ArrayLike, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Minimum over ``axis``; tied minima share the gradient equally.

    Shapes: ``axis`` is removed from ``x``'s shape (kept as 1 with ``keepdims=True``).

    >>> min(Tensor([[1.0, 4.0], [3.0, 2.0]]), axis=0)
    Tensor([1., 2.], shape=(2,), dtype=float64)
    """
    x = as_tensor(x)
    if x.size == 0:
        raise ShapeError(f"min: empty tensor of shape {x.shape} has no minimum")
    return apply(MIN, x, **_reduce_args(x, axis, keepdims, "min"))


def _logsumexp_forward(x: Any, axis: tuple[int, ...] | None, keepdims: bool) -> Any:
    xp = namespace(x)
    m = xp.max(x, axis=axis, keepdims=True)
    m = xp.where(xp.isfinite(m), m, 0)  # all -inf (or inf) along the axis: no shift
    out = xp.log(xp.sum(xp.exp(x - m), axis=axis, keepdims=True)) + m
    if keepdims:
        return out
    return xp.reshape(out, tuple(n for i, n in enumerate(x.shape) if axis is not None and i not in axis))


# log-sum-exp is a primitive for stability: it shifts by the maximum before exponentiating.
LOGSUMEXP = defop(
    "logsumexp",
    _logsumexp_forward,
    (
        lambda g, out, x, axis, keepdims: (
            _unreduce(g, x.shape, axis, keepdims) * namespace(x).exp(x - _unreduce(out, x.shape, axis, keepdims))
        ),
    ),
    rule="dx = g * softmax(x)",
    domain=Domain("reduce"),
)


@tensor_method
def logsumexp(x: ArrayLike, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """``log(sum(exp(x)))`` over ``axis``, shifted by the maximum so nothing overflows.

    Shapes: ``axis`` is removed from ``x``'s shape (kept as 1 with ``keepdims=True``).

    >>> logsumexp(Tensor([1000.0, 1000.0]))  # log(2 e^1000), no overflow
    Tensor(1000.6931, shape=(), dtype=float64)
    """
    x = as_tensor(x)
    if x.size == 0:
        raise ShapeError(f"logsumexp: empty tensor of shape {x.shape}")
    return apply(LOGSUMEXP, x, **_reduce_args(x, axis, keepdims, "logsumexp"))


@tensor_method
def softmax(x: ArrayLike, axis: int = 0) -> Tensor:
    """Softmax along ``axis`` (default 0: classes are rows, samples are columns, as in the course).

    >>> softmax(Tensor([[1000.0], [1000.0]])).data.ravel()
    array([0.5, 0.5])
    """
    x = _shifted(as_tensor(x), axis, "softmax")
    return exp(x - logsumexp(x, axis, keepdims=True))


@tensor_method
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
    xp = namespace(x._data)
    m = xp.max(x._data, axis=ax, keepdims=True)
    return x - constant(_xp.astype(xp.where(xp.isfinite(m), m, 0), x.dtype))


# --------------------------------------------------------------------------- shapes
RESHAPE = defop(
    "reshape",
    lambda x, shape: np.reshape(x, shape) if type(x) is np.ndarray else namespace(x).reshape(x, shape),
    (lambda g, out, x, shape: _reshape(g, x.shape),),
    rule="dx = reshape(g, x.shape)",
    domain=Domain("reshape"),
)


def reshape(x: ArrayLike, shape: int | Sequence[int]) -> Tensor:
    """The same values in ``shape`` (one entry may be -1); the method also takes ``x.reshape(2, -1)``.

    Shapes: the result has ``shape``, with as many elements as ``x``.

    >>> reshape(Tensor([1.0, 2.0, 3.0, 4.0]), (2, -1)).shape
    (2, 2)
    """
    return apply(RESHAPE, as_tensor(x), shape=_ints(shape, "reshape", "shape"))


TRANSPOSE = defop(
    "transpose",
    lambda x, axes: np.transpose(x, axes) if type(x) is np.ndarray else namespace(x).permute_dims(x, axes),
    (lambda g, out, x, axes: _permute(g, tuple(int(i) for i in np.argsort(axes))),),
    rule="dx = transpose(g, inverse(axes))",
    domain=Domain("transpose"),
)


def _permute(a: Any, axes: tuple[int, ...]) -> Any:
    """``a`` with its axes permuted, for an array of any library or a Tensor."""
    return a.transpose(axes) if type(a) is np.ndarray else namespace(a).permute_dims(a, axes)


def transpose(x: ArrayLike, axes: Sequence[int] | None = None) -> Tensor:
    """Permute the axes (reverse them when ``axes`` is None, as ``.T``); the method also takes ``x.transpose(1, 0)``.

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
    return apply(TRANSPOSE, x, axes=perm)


@tensor_method
def flatten(x: ArrayLike) -> Tensor:
    """The values as a 1-D tensor.

    Shapes: ``(x.size,)``.

    >>> flatten(Tensor.zeros(2, 3)).shape
    (6,)
    """
    return reshape(x, (-1,))


@tensor_method
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


@tensor_method
def squeeze(x: ArrayLike, axis: Axis = None, *, strict: bool = True) -> Tensor:
    """Remove axes of length 1: all of them, or those in ``axis`` (which must have length 1).

    With ``strict=False`` a named axis whose length is not 1 is kept instead (PyTorch's
    ``squeeze(dim)``, a no-op then).

    Shapes: ``x``'s shape without the removed 1s.

    >>> squeeze(Tensor.zeros(1, 3, 1)).shape
    (3,)
    >>> squeeze(Tensor.zeros(2, 3), 0, strict=False).shape
    (2, 3)
    """
    x = as_tensor(x)
    axes = _norm_axis(axis, x.ndim, "squeeze")
    if axes is None or not strict:
        axes = tuple(i for i, n in enumerate(x.shape) if n == 1 and (axes is None or i in axes))
    for a in axes:
        if x.shape[a] != 1:
            raise ShapeError(f"squeeze: axis {a} of shape {x.shape} has length {x.shape[a]}, not 1")
    return reshape(x, tuple(n for i, n in enumerate(x.shape) if i not in axes))


BROADCAST_TO = defop(
    "broadcast_to",
    lambda x, shape: namespace(x).broadcast_to(x, shape),
    (lambda g, out, x, shape: g,),  # the engine sums g back down to x's shape
    rule="dx = sum of g over the broadcast axes",
    domain=Domain("broadcast_to"),
)


def broadcast_to(x: ArrayLike, shape: Sequence[int]) -> Tensor:
    """Broadcast to ``shape`` as NumPy does; the gradient is summed back.

    Shapes: ``x``'s shape must broadcast to ``shape``, the result's shape.

    >>> b = Tensor([[1.0], [2.0]], requires_grad=True)  # (n, 1)
    >>> broadcast_to(b, (2, 3)).sum().backward()
    >>> b.grad  # summed over the 3 columns
    array([[3.],
           [3.]])
    """
    return apply(BROADCAST_TO, as_tensor(x), shape=_ints(shape, "broadcast_to", "shape"))


def _is_basic_index(index: Any) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return builtins.all(i is None or i is Ellipsis or isinstance(i, (int, np.integer, slice)) for i in items)


def _spelled_out(a: Any, index: Any) -> Any:
    """``index`` with a trailing ``...`` for another library's array: the standard does not pad it for us."""
    if type(a) is np.ndarray or isinstance(a, Tensor):
        return index
    items = index if isinstance(index, tuple) else (index,)
    return items if builtins.any(i is Ellipsis for i in items) else (*items, Ellipsis)


def _scatter_forward(g: Any, index: Any, shape: tuple[int, ...]) -> Any:
    """Zeros of ``shape`` with ``g`` added at ``index``; repeated indices accumulate."""
    xp = namespace(g)
    z = xp.zeros(shape, dtype=g.dtype, device=_xp.device(g)) if xp is not np else np.zeros(shape, g.dtype)
    if _is_basic_index(index):
        z[_spelled_out(z, index)] = g
    elif xp is np:
        np.add.at(z, index, g)
    else:  # NumPy's unbuffered add.at has no array API counterpart
        raise BackendError(f"scatter: adding at an integer-array or mask index needs NumPy, not {xp.__name__}")
    return z


GETITEM = defop(
    "getitem",
    lambda x, index: x[_spelled_out(x, index)],
    (lambda g, out, x, index: two_way(SCATTER, g, index=index, shape=x.shape),),
    rule="dx = zeros, with g added at index",
    domain=Domain("getitem"),
)
SCATTER = defop(
    "scatter",
    _scatter_forward,
    (lambda g, out, x, index, shape: g[_spelled_out(g, index)],),
    rule="dx = g[index]",
    domain=Domain("scatter"),
)


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
    return apply(GETITEM, x, index=index)


def _concat_vjp(i: int, g: Any, out: Any, *xs: Any, axis: int) -> Any:
    start = builtins.sum(x.shape[axis] for x in xs[:i])
    index = (slice(None),) * axis + (slice(start, start + xs[i].shape[axis]), Ellipsis)
    return g[index]


CONCATENATE = defop(
    "concatenate",
    lambda *xs, axis: (
        np.concatenate(xs, axis=axis) if type(xs[0]) is np.ndarray else namespace(*xs).concat(xs, axis=axis)
    ),
    _concat_vjp,
    rule="dx_i = the slice of g where x_i was placed",
    domain=Domain("concatenate"),
)


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
        ts = [t if t.dtype == target or t.requires_grad else constant(_xp.astype(t._data, target)) for t in ts]
    ax = _one_axis(axis, ts[0].ndim, "concatenate")
    return apply(CONCATENATE, *ts, axis=ax)


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


ASTYPE = defop(
    "astype",
    lambda x, dtype: _xp.astype(x, dtype),
    (lambda g, out, x, dtype: g,),  # the engine casts g back to x's dtype
    rule="dx = g, in x's dtype",
    domain=Domain("astype"),
)


@tensor_method
def astype(x: ArrayLike, dtype: Any) -> Tensor:
    """A copy converted to ``dtype``; gradients flow back in ``x``'s dtype; a non-float dtype gives a constant.

    Shapes: the result has ``x``'s shape.

    >>> x = Tensor([1.0], requires_grad=True)
    >>> y = astype(x, np.float32)
    >>> y.dtype, y.requires_grad
    (dtype('float32'), True)
    """
    x = as_tensor(x)
    dtype = _as_dtype(dtype, "astype")
    if dtype.kind != "f":
        return constant(_xp.astype(x._data, dtype))
    return apply(ASTYPE, x, dtype=dtype)


# --------------------------------------------------------------------------- losses
def _targets(targets: ArrayLike, like: Tensor, name: str) -> Tensor:
    if type(targets) is Tensor:  # the common case first: targets already in the predictions' dtype and shape
        t_arr, l_arr = targets._data, like._data
        if t_arr.dtype is l_arr.dtype and t_arr.shape == l_arr.shape and type(t_arr) is np.ndarray:
            return targets
    t = targets if isinstance(targets, Tensor) else _operand(targets, like.dtype)
    if t.dtype.kind in "biu" or (t.dtype != like.dtype and not isinstance(targets, Tensor)):  # a constant: like's dtype
        t = constant(_xp.astype(t._data, like.dtype))
    if t.shape != like.shape:
        raise ShapeError(
            f"{name}: targets have shape {t.shape} but the predictions have shape {like.shape}; "
            "they must match exactly (course layout: both (1, m))"
        )
    return t


def _bounds(d: np.ndarray) -> tuple[Any, Any]:
    """The minimum and maximum of a non-empty ndarray; NaN if it holds a NaN (each propagates it).

    Small arrays (a loss's ``(1, m)``) go through ``argmin``/``argmax``, which skip the ufunc
    reduction's set-up: 0.7 us against 2.3 us each, on every loss's checks.
    """
    if d.size <= 65536:
        return d.item(d.argmin()), d.item(d.argmax())
    return np.minimum.reduce(d, None), np.maximum.reduce(d, None)


def _check_unit_interval(t: Tensor, what: str, name: str) -> tuple[Any, Any] | None:
    """Refuse values outside [0, 1] (NaN included); returns their (min, max), None when unknown or empty."""
    d = t._data
    if type(d) is np.ndarray:
        if not d.size:
            return None
        lo, hi = _bounds(d)
    elif _xp.is_lazy(d) or not t.size:  # a lazy array's values are not known until it is computed
        return None
    else:
        xp = namespace(d)
        lo, hi = float(xp.min(d)), float(xp.max(d))
    # min/max propagate NaN and NaN fails both comparisons, so NaN and ±inf are caught too.
    if not (lo >= 0 and hi <= 1):
        if type(d) is np.ndarray:
            lo, hi = np.minimum.reduce(d, None), np.maximum.reduce(d, None)  # printed in the array's dtype
        raise ArgumentError(f"{name}: {what} must lie in [0, 1], got values in [{lo}, {hi}]")
    return lo, hi


def _bce_logits_forward(z: Any, y: Any, reduction: str = "none") -> Any:
    # log(1 + e^z) - y z, written so no exp overflows: max(z, 0) - y z + log1p(e^-|z|)
    xp = np if type(z) is np.ndarray else namespace(z, y)  # apply() refused a mix of libraries already
    return _reduced(xp.maximum(z, 0) - z * y + xp.log1p(xp.exp(-xp.abs(z))), reduction)


# BCE with logits is a primitive for stability (no log of a rounded sigmoid); like BCE's, its node
# holds the cost's mean or sum too.
BCE_WITH_LOGITS = defop(
    "binary_cross_entropy_with_logits",
    _bce_logits_forward,
    (
        # dL/dz = σ(z) - y, the course's A - Y (over m after the mean)
        lambda g, out, z, y, reduction="none": _per_element(g, z, reduction) * (two_way(SIGMOID, z) - y),
        lambda g, out, z, y, reduction="none": -_per_element(g, z, reduction) * z,
    ),
    rule="dz = g * (sigmoid(z) - y)   (g / m after the mean)",
    domain=Domain("bce_logits"),
)


def binary_cross_entropy_with_logits(
    logits: ArrayLike,
    targets: ArrayLike,
    reduction: Reduction = "mean",
    *,
    weight: ArrayLike | None = None,
    pos_weight: ArrayLike | None = None,
) -> Tensor:
    """Binary cross-entropy of ``sigmoid(logits)``, computed stably from the logits.

    Its gradient with respect to the logits is ``sigmoid(z) - y``: the course's ``dZ = A - Y``.
    ``weight`` scales each element's loss and ``pos_weight`` the positive term, as PyTorch's
    (computed stably too).

    Shapes: ``logits`` and ``targets`` are the same shape, e.g. ``(1, m)``; the result is a
    scalar for ``"mean"`` and ``"sum"``, the logits' shape for ``"none"``.

    >>> Z = Tensor([[0.0, 2.0]], requires_grad=True)
    >>> binary_cross_entropy_with_logits(Z, [[1, 0]]).backward()
    >>> Z.grad  # (sigmoid(Z) - Y) / m
    array([[-0.25      ,  0.44039854]])
    """
    if weight is not None or pos_weight is not None:
        return _bce_with_logits_weighted(logits, targets, reduction, weight, pos_weight)
    _check_reduction(reduction, "binary_cross_entropy_with_logits")
    z = as_tensor(logits)
    if z.dtype.kind != "f":
        raise DTypeError(f"binary_cross_entropy_with_logits: logits must be floating point, got {z.dtype}")
    y = _targets(targets, z, "binary_cross_entropy_with_logits")
    _check_unit_interval(y, "targets", "binary_cross_entropy_with_logits")
    return _loss_node(BCE_WITH_LOGITS, z, y, reduction, z.size)


def _class_weights(weight: ArrayLike | None, n_classes: int, dtype: np.dtype, name: str) -> np.ndarray:
    if weight is None:
        return np.ones(n_classes, dtype)
    w = weight._data if isinstance(weight, Tensor) else np.asarray(weight, dtype=dtype)
    if w.shape != (n_classes,):
        raise ShapeError(f"{name}: weight must have one entry per class, shape ({n_classes},), got {w.shape}")
    return w.astype(dtype)


def _labels(
    labels: ArrayLike, z: Tensor, ax: int, ignore_index: int | None, name: str
) -> tuple[np.ndarray, np.ndarray]:
    """Integer labels checked against the logits; returns them (ignored ones set to 0) and the kept mask."""
    lab = labels._data if isinstance(labels, Tensor) else np.asarray(labels)
    if lab.dtype.kind not in "iu":
        raise DTypeError(f"{name}: labels must be integer class indices, got dtype {lab.dtype} {lab.shape}")
    sample_shape = z.shape[:ax] + z.shape[ax + 1 :]
    if lab.shape != sample_shape:
        raise ShapeError(
            f"{name}: labels of shape {lab.shape} do not fit {z.shape} with classes on axis {ax}: "
            f"expected {sample_shape}"
        )
    kept = np.ones(lab.shape, bool) if ignore_index is None else lab != ignore_index
    n = z.shape[ax]
    if kept.any() and (lab[kept].min() < 0 or lab[kept].max() >= n):
        raise TensorIndexError(
            f"{name}: labels must be class indices in [0, {n}), got values in [{lab[kept].min()}, {lab[kept].max()}]"
        )
    return np.where(kept, lab, 0), kept


def _weighted_mean(loss: Tensor, total: float) -> Tensor:
    # A batch whose every sample is ignored has loss 0 and gradient 0 (PyTorch gives NaN).
    return sum(loss) / total if total else sum(loss) * 0.0


def _cross_entropy_options(
    logits: ArrayLike,
    labels: ArrayLike,
    axis: int,
    reduction: Reduction,
    weight: ArrayLike | None,
    ignore_index: int | None,
    label_smoothing: float,
) -> Tensor:
    """Softmax cross-entropy with class ``weight``, ``ignore_index`` and ``label_smoothing`` (PyTorch's rules).

    With smoothing ``e`` over ``C`` classes the target is ``(1 - e) * one_hot + e / C``. For
    integer labels ``"mean"`` divides by the summed weights of the kept samples; for
    probability targets it divides by the number of samples. This is what
    :func:`cross_entropy` runs when one of these options is given."""
    _check_reduction(reduction, "cross_entropy")
    _check_number(label_smoothing, "cross_entropy", "label_smoothing")
    if not 0 <= label_smoothing <= 1:
        raise ArgumentError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    z = as_tensor(logits)
    if z.dtype.kind != "f" or z.ndim == 0:
        raise ShapeError(f"cross_entropy: logits must be a floating tensor with a class axis, got {z.shape} {z.dtype}")
    ax = _one_axis(axis, z.ndim, "cross_entropy")
    n_classes = z.shape[ax]
    w_class = _class_weights(weight, n_classes, z.dtype, "cross_entropy")
    logp = log_softmax(z, ax)
    lab_arr = labels._data if isinstance(labels, Tensor) else np.asarray(labels)
    w_shape = [1] * z.ndim
    w_shape[ax] = n_classes
    w_b = w_class.reshape(w_shape)
    eps = float(label_smoothing)
    if lab_arr.dtype.kind == "f" and lab_arr.shape == z.shape:  # probability targets
        if ignore_index is not None:
            raise ArgumentError("cross_entropy: ignore_index needs integer labels, not probability targets")
        target = lab_arr.astype(z.dtype) * (1 - eps) + eps / n_classes
        return _reduce(-sum(logp * (target * w_b), axis=ax), reduction)
    lab, kept = _labels(labels, z, ax, ignore_index, "cross_entropy")
    w = w_class[lab] * kept
    one_hot = np.moveaxis(np.eye(n_classes, dtype=z.dtype)[lab], -1, ax)
    loss = -sum(logp * one_hot, axis=ax) * ((1 - eps) * w)
    if eps:
        smooth = -sum(logp * w_b, axis=ax) * (kept * (eps / n_classes)).astype(z.dtype)
        loss = loss + smooth
    if reduction == "mean":
        return _weighted_mean(loss, float(w.sum()))
    return _reduce(loss, reduction)


def _bce_with_logits_weighted(
    logits: ArrayLike,
    targets: ArrayLike,
    reduction: Reduction,
    weight: ArrayLike | None,
    pos_weight: ArrayLike | None,
) -> Tensor:
    """``-w [p y log sigmoid(z) + (1 - y) log(1 - sigmoid(z))]``, stable for any z (PyTorch's rule).

    ``pos_weight`` ``p`` weighs the positive term (broadcast along the last axis in PyTorch's
    layout; any broadcastable shape here), ``weight`` ``w`` each element. This is what
    :func:`binary_cross_entropy_with_logits` runs when one is given."""
    _check_reduction(reduction, "binary_cross_entropy_with_logits")
    z = as_tensor(logits)
    if z.dtype.kind != "f":
        raise DTypeError(f"binary_cross_entropy_with_logits: logits must be floating point, got {z.dtype}")
    y = _targets(targets, z, "binary_cross_entropy_with_logits")
    # p y softplus(-z) + (1 - y) softplus(z) = (1 + (p - 1) y) softplus(z) - p y z, with softplus(z) stable
    p = 1.0 if pos_weight is None else _broadcast_constant(pos_weight, z, "pos_weight")
    softplus = apply(BCE_WITH_LOGITS, z, constant(np.zeros(z.shape, z.dtype)))
    loss = softplus * (1 + (p - 1) * y) - p * y * z
    if weight is not None:
        loss = loss * _broadcast_constant(weight, z, "weight")
    return _reduce(loss, reduction)


def _broadcast_constant(value: ArrayLike, like: Tensor, what: str) -> Any:
    arr = value._data if isinstance(value, Tensor) else np.asarray(value, dtype=like.dtype)
    try:
        if np.broadcast_shapes(arr.shape, like.shape) != like.shape:
            raise ValueError
    except ValueError:
        raise ShapeError(
            f"binary_cross_entropy_with_logits: {what} of shape {arr.shape} does not broadcast to {like.shape}"
        ) from None
    return value if isinstance(value, Tensor) else constant(arr.astype(like.dtype))


def _bce_forward(a: Any, y: Any, eps: float, reduction: str = "none", _inside: bool = False) -> Any:
    xp = np if type(a) is np.ndarray else namespace(a, y)  # apply() refused a mix of libraries already
    if not _inside:  # every a in [2 eps, 1 - 2 eps] (the caller looked), where the clip does nothing
        a = xp.minimum(xp.maximum(a, eps), 1 - eps)  # clip, without NumPy's Python-level dispatch
    # -(y log a + (1 - y) log(1 - a)) bit for bit (y - 1 is exactly -(1 - y)), in one call fewer
    return _reduced((y - 1) * xp.log(1 - a) - y * xp.log(a), reduction)


def _per_element(g: Any, a: Any, reduction: str) -> Any:
    """The upstream gradient of each element's loss: ``g / m`` after a mean, else ``g`` (broadcast)."""
    return g / _reduced_size(a.shape, None) if reduction == "mean" else g


def _log(x: Any) -> Any:
    return np.log(x) if type(x) is np.ndarray else namespace(x).log(x)


def _at_least(x: Any, low: float) -> Any:
    """``clip(x, low, None)``: np.maximum on arrays (no np.clip dispatch), the recorded clip on tensors."""
    return np.maximum(x, low) if isinstance(x, np.ndarray) else two_way(CLIP, x, low=low, high=None)


def _clip_unit(a: Any, eps: float) -> Any:
    return two_way(CLIP, a, low=eps, high=1 - eps)


# BCE on probabilities is a primitive for speed and for its clipping: one node instead of ten (the
# mean or sum of a cost included), and after a sigmoid its VJP times σ' = a(1 - a) is the course's
# dZ = A - Y (over m after the mean).
BCE = defop(
    "binary_cross_entropy",
    _bce_forward,
    (
        lambda g, out, a, y, eps, reduction="none", _inside=False: (  # (a-y)/(a(1-a))
            _per_element(g, a, reduction) * (a - y) / _at_least(a * (1 - a), eps)
        ),
        lambda g, out, a, y, eps, reduction="none", _inside=False: (
            _per_element(g, a, reduction) * (_log(1 - _clip_unit(a, eps)) - _log(_clip_unit(a, eps)))
        ),
    ),
    rule="da = g * (a - y) / (a * (1 - a))   (g / m after the mean)",
    domain=Domain("bce"),
)


def _bce_through_sigmoid(
    g: Any, out: Any, a: Any, y: Any, eps: float, reduction: str = "none", _inside: bool = False
) -> Any:
    # After a = σ(z), σ'(z) = a (1 - a) cancels the VJP's division: dz = g (a - y), the course's
    # dZ = A - Y, in two calls instead of eight. Exact where the clip does not act: a (1 - a) >= eps
    # holds for every a in [2 eps, 1 - 2 eps], which binary_cross_entropy found (``_inside``).
    return _per_element(g, a, reduction) * (a - y) if _inside else None


BCE.chain["sigmoid"] = _bce_through_sigmoid


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
    a = probs if type(probs) is Tensor else as_tensor(probs)
    d = a._data
    if type(d) is np.ndarray:  # the NumPy case without the properties' Python layer (it runs every step)
        dtype, size = d.dtype, d.size
    else:
        dtype, size = a.dtype, a.size
    if dtype.kind != "f":
        raise DTypeError(f"binary_cross_entropy: probabilities must be floating point, got {dtype}")
    y = _targets(targets, a, "binary_cross_entropy")
    eps = _eps(dtype)
    # One look at the probabilities serves three ends: the [0, 1] check (min and max propagate
    # NaN, which fails it), the clip (nothing to clip inside [2 eps, 1 - 2 eps]) and, after a
    # sigmoid, backward's dZ = A - Y (exact there).
    try:
        bounds = _check_unit_interval(a, "probabilities", "binary_cross_entropy")
    except ArgumentError as e:
        node = a._node
        made = " (the sigmoid that made them received NaN)" if node is not None and node.op is SIGMOID else ""
        raise ArgumentError(f"{e} in {a.shape} {dtype}{made}") from None
    inside = bool(type(d) is np.ndarray and bounds is not None and bounds[0] >= 2 * eps and bounds[1] <= 1 - 2 * eps)
    _check_unit_interval(y, "targets", "binary_cross_entropy")
    return _loss_node(BCE, a, y, reduction, size, eps=eps, _inside=inside)


@functools.cache
def _eps(dtype: np.dtype) -> float:
    """The machine epsilon of a float dtype, as a Python float (np.finfo costs ~1 us a call)."""
    return float(np.finfo(dtype).eps)


def cross_entropy(
    logits: ArrayLike,
    labels: ArrayLike,
    axis: int = 0,
    reduction: Reduction = "mean",
    *,
    weight: ArrayLike | None = None,
    ignore_index: int | None = None,
    label_smoothing: float = 0.0,
) -> Tensor:
    """Softmax cross-entropy: classes along ``axis`` (0: samples are columns, as in the course).

    ``labels`` are either integer class indices (one per sample: the logits' shape without
    ``axis``) or one-hot / probability targets of the logits' shape; probability targets that
    require grad get their gradient ``-log_softmax(logits)``. ``weight`` (one per class),
    ``ignore_index`` and ``label_smoothing`` follow PyTorch's rules: with smoothing ``e`` over ``C``
    classes the target is ``(1 - e) one_hot + e / C``, and ``"mean"`` divides by the summed weights
    of the samples kept (0 with gradient 0 when every sample is ignored).

    >>> logits = Tensor([[2.0, 0.0], [0.0, 2.0]])  # 2 classes x 2 samples
    >>> round(cross_entropy(logits, np.array([0, 1])).item(), 6)
    0.126928
    """
    if weight is not None or ignore_index is not None or label_smoothing:
        return _cross_entropy_options(logits, labels, axis, reduction, weight, ignore_index, label_smoothing)
    _check_reduction(reduction, "cross_entropy")
    z = as_tensor(logits)
    if z.dtype.kind != "f" or z.ndim == 0:
        raise ShapeError(f"cross_entropy: logits must be a floating tensor with a class axis, got {z.shape} {z.dtype}")
    ax = _one_axis(axis, z.ndim, "cross_entropy")
    try:
        lab = labels._data if isinstance(labels, Tensor) else _xp.as_array(labels)
    except ValueError as e:  # ragged nested lists
        raise ShapeError(f"cross_entropy: cannot make labels from {type(labels).__name__}: {e}") from None
    kind = _xp.kind(lab)
    if kind not in "biuf":
        raise DTypeError(f"cross_entropy: labels must be numbers, got dtype {lab.dtype} {lab.shape}")
    n_classes = z.shape[ax]
    sample_shape = z.shape[:ax] + z.shape[ax + 1 :]
    if kind in "iu" and tuple(lab.shape) != z.shape:
        if tuple(lab.shape) != sample_shape:
            raise ShapeError(
                f"cross_entropy: integer labels of shape {lab.shape} do not fit logits {z.shape} "
                f"with classes on axis {ax}: expected labels of shape {sample_shape}"
            )
        xp = namespace(lab)
        if math.prod(lab.shape) and not _xp.is_lazy(lab):
            lo, hi = int(xp.min(lab)), int(xp.max(lab))
            if lo < 0 or hi >= n_classes:
                raise TensorIndexError(
                    f"cross_entropy: labels must be class indices in [0, {n_classes}), got values in [{lo}, {hi}]"
                )
        targets: Any = _one_hot(lab, n_classes, z.dtype, ax)
    elif lab.shape != z.shape:
        raise ShapeError(
            f"cross_entropy: targets of shape {lab.shape} do not fit logits {z.shape}: give integer "
            f"labels of shape {sample_shape} or one-hot targets of shape {z.shape}"
        )
    elif isinstance(labels, Tensor) and labels.requires_grad:
        targets = labels  # probability targets in the graph: they get their gradient
    else:
        targets = _xp.astype(lab, z.dtype)
    return _reduce(-sum(log_softmax(z, ax) * targets, axis=ax), reduction)


def _one_hot(lab: Any, n_classes: int, dtype: np.dtype, ax: int) -> Any:
    """One-hot targets of integer labels ``lab``, with the classes along ``ax``, in the labels' library."""
    if type(lab) is np.ndarray:
        return np.moveaxis(np.eye(n_classes, dtype=dtype)[lab], -1, ax)
    xp = namespace(lab)
    hot = xp.expand_dims(lab, axis=-1) == xp.arange(n_classes, device=_xp.device(lab))
    return xp.moveaxis(xp.astype(hot, _xp.backend_dtype(xp, dtype)), -1, ax)


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


# --------------------------------------------------------------------------- the other Tensor methods
def _reflected(fn: Callable[[Any, Any], Tensor]) -> Callable[[Tensor, Any], Tensor]:
    def method(self: Tensor, other: Any) -> Tensor:
        return fn(other, self)

    method.__name__ = method.__qualname__ = f"__r{fn.__name__}__"
    method.__doc__ = f"``other {fn.__name__} self``: see :func:`{fn.__name__}`."
    return method


def _shape_method(fn: Callable[..., Tensor]) -> Callable[..., Tensor]:
    """``x.reshape(2, 3)`` as well as ``x.reshape((2, 3))`` (and no shape at all for ``transpose``)."""

    def method(self: Tensor, *shape: Any) -> Tensor:
        if not shape and fn is transpose:
            return fn(self)
        return fn(self, shape[0] if len(shape) == 1 and not isinstance(shape[0], (int, np.integer)) else shape)

    method.__name__ = method.__qualname__ = fn.__name__
    method.__doc__ = fn.__doc__
    return method


for _fn in (reshape, transpose, broadcast_to):
    setattr(Tensor, _fn.__name__, _shape_method(_fn))
for _fn in (add, sub, mul, pow, matmul):
    setattr(Tensor, f"__{_fn.__name__}__", _fn)
    setattr(Tensor, f"__r{_fn.__name__}__", _reflected(_fn))
_COMPARISONS = {"__lt__": np.less, "__le__": np.less_equal, "__gt__": np.greater, "__ge__": np.greater_equal,
                "__eq__": np.equal, "__ne__": np.not_equal}  # fmt: skip
for _name, _ufunc in _COMPARISONS.items():  # a constant boolean tensor: see compare
    setattr(Tensor, _name, lambda self, other, fn=_ufunc: compare(fn, self, other))
Tensor.__truediv__, Tensor.__rtruediv__ = div, _reflected(div)
Tensor.__neg__, Tensor.__abs__, Tensor.__getitem__ = neg, abs, getitem
Tensor.T = property(transpose, doc=">>> Tensor.zeros(2, 3).T.shape  # the transpose, as NumPy's .T\n(3, 2)")
_UFUNCS: dict[np.ufunc, Callable[..., Tensor]] = {
    np.add: add, np.subtract: sub, np.multiply: mul, np.true_divide: div, np.power: pow, np.negative: neg,
    np.exp: exp, np.log: log, np.sqrt: sqrt, np.absolute: abs, np.tanh: tanh, np.maximum: maximum,
    np.minimum: minimum, np.matmul: matmul, **{u: functools.partial(compare, u) for u in _COMPARISONS.values()},
    np.square: lambda x: pow(x, 2), np.reciprocal: lambda x: div(1.0, x), np.positive: lambda x: x,
}  # fmt: skip


# --------------------------------------------------------------------------- NumPy on tensors
# np.f(tensor) dispatches here (Tensor.__array_ufunc__ and __array_function__): a NumPy function
# that tinygrad_ng has an op for records that op; one whose result carries no gradient (a
# comparison, a predicate, an index) computes on the values; any other is refused, since its
# plain-array result would silently cut the graph.
def _no_extras(name: str, **kwargs: Any) -> None:
    """Refuse NumPy keywords a tensor op cannot honour (``out=``, ``dtype=``, ``where=``, ``initial=``)."""
    for key, value in kwargs.items():
        if value is not None and not (key == "where" and value is True):
            why = " (tensors are never written in place)" if key == "out" else ""
            raise ArgumentError(f"np.{name}: {key}= is not supported on a Tensor{why}; call the tinygrad_ng function")


def _np_sum(a: Any, axis: Axis = None, dtype: Any = None, out: Any = None, keepdims: bool = False, **kw: Any) -> Tensor:
    _no_extras("sum", dtype=dtype, out=out, **kw)
    return sum(a, axis, keepdims)


def _np_mean(
    a: Any, axis: Axis = None, dtype: Any = None, out: Any = None, keepdims: bool = False, **kw: Any
) -> Tensor:
    _no_extras("mean", dtype=dtype, out=out, **kw)
    return mean(a, axis, keepdims)


def _np_max(a: Any, axis: Axis = None, out: Any = None, keepdims: bool = False, **kw: Any) -> Tensor:
    _no_extras("max", out=out, **kw)
    return max(a, axis, keepdims)


def _np_min(a: Any, axis: Axis = None, out: Any = None, keepdims: bool = False, **kw: Any) -> Tensor:
    _no_extras("min", out=out, **kw)
    return min(a, axis, keepdims)


def _np_concatenate(arrays: Any, axis: int | None = 0, out: Any = None, **kw: Any) -> Tensor:
    _no_extras("concatenate", out=out, **kw)
    ts = _tensor_list(arrays, "concatenate")
    return concatenate([flatten(t) for t in ts], 0) if axis is None else concatenate(ts, axis)


def _np_stack(arrays: Any, axis: int = 0, out: Any = None, **kw: Any) -> Tensor:
    _no_extras("stack", out=out, **kw)
    return stack(arrays, axis)


def _np_where(condition: Any, *xy: Any) -> Any:
    c = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if not xy:  # np.where(cond) is np.nonzero(cond): indices, which carry no gradient
        return np.nonzero(c)
    if len(xy) != 2:
        raise ArgumentError("np.where: give either a condition alone or a condition, x and y")
    return where(c.astype(bool), *xy)


def _np_dot(a: Any, b: Any, out: Any = None) -> Tensor:
    _no_extras("dot", out=out)
    x, y = as_tensor(a), as_tensor(b)
    if x.ndim == 0 or y.ndim == 0:
        return mul(x, y)
    if x.ndim > 2 or y.ndim > 2:
        raise ShapeError(
            f"np.dot of {x.shape} and {y.shape}: only 1-D and 2-D operands are supported on tensors; "
            "use matmul (@), which broadcasts the batch dimensions"
        )
    return matmul(x, y)


def _np_reshape(a: Any, shape: Any = None, order: str = "C", **kw: Any) -> Tensor:
    shape = kw.pop("newshape", shape)
    _no_extras("reshape", order=None if order == "C" else order, **kw)
    return reshape(a, shape)


def _np_clip(a: Any, a_min: Any = None, a_max: Any = None, out: Any = None, **kw: Any) -> Tensor:
    low, high = kw.pop("min", a_min), kw.pop("max", a_max)
    _no_extras("clip", out=out, **kw)
    if all(b is None or isinstance(b, (int, float, np.integer, np.floating)) for b in (low, high)):
        return clip(a, low, high)
    x = as_tensor(a)  # array bounds: clip is max(min(x, high), low)
    x = x if high is None else minimum(x, high)
    return x if low is None else maximum(x, low)


def _on_values(func: Any) -> Any:
    """``func`` run on the tensors' values: for NumPy functions whose result carries no gradient."""

    def call(*args: Any, **kwargs: Any) -> Any:
        return func(*_values(args), **dict(zip(kwargs, _values(tuple(kwargs.values())))))

    return call


def _values(items: tuple[Any, ...]) -> list[Any]:
    """The items with every Tensor (also inside lists and tuples) replaced by its array."""
    out: list[Any] = []
    for item in items:
        if isinstance(item, Tensor):
            item = item._data
        elif isinstance(item, (list, tuple)):
            item = type(item)(_values(tuple(item)))
        out.append(item)
    return out


_FUNCTIONS: dict[Any, Any] = {
    np.sum: _np_sum,
    np.mean: _np_mean,
    np.max: _np_max,
    np.amax: _np_max,
    np.min: _np_min,
    np.amin: _np_min,
    np.concatenate: _np_concatenate,
    np.stack: _np_stack,
    np.where: _np_where,
    np.dot: _np_dot,
    np.reshape: _np_reshape,
    np.ravel: lambda a, order="C": _np_reshape(a, (-1,), order),
    np.transpose: lambda a, axes=None: transpose(a, axes),
    np.squeeze: lambda a, axis=None: squeeze(a, axis),
    np.expand_dims: lambda a, axis: expand_dims(a, axis),
    np.broadcast_to: lambda array, shape, subok=False: broadcast_to(array, shape),
    np.clip: _np_clip,
    **{
        f: _on_values(f)
        for f in (
            np.shape, np.ndim, np.size, np.allclose, np.isclose, np.array_equal, np.array_equiv,
            np.argmax, np.argmin, np.argsort, np.nonzero, np.flatnonzero, np.count_nonzero, np.any,
            np.all, np.result_type, np.can_cast, np.may_share_memory, np.shares_memory,
            np.iscomplexobj, np.isrealobj,
        )
    },
}  # fmt: skip


def array_function(func: Any, types: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """``func(*args, **kwargs)`` for a NumPy function called on tensors (``Tensor.__array_function__``).

    >>> x = Tensor([1.0, 2.0], requires_grad=True)
    >>> y = np.sum(np.concatenate([x, x * 3]))  # records concatenate and sum
    >>> y.backward()
    >>> x.grad
    array([4., 4.])
    """
    fn = _FUNCTIONS.get(func)
    if fn is None:
        name = f"{getattr(func, '__module__', 'numpy')}.{getattr(func, '__name__', func)}".replace("numpy.", "np.")
        raise DTypeError(
            f"{name} is not supported on Tensor: tinygrad_ng has no op for it, so its result would not be "
            f"differentiable; compose it from tinygrad_ng ops, or call it on t.data for a constant result"
        )
    if not all(issubclass(t, (Tensor, np.ndarray)) for t in types):
        return NotImplemented  # another array library's type: let it answer
    return fn(*args, **kwargs)


def array_ufunc(ufunc: np.ufunc, method: str, inputs: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """``ufunc(*inputs)`` for a NumPy ufunc called on tensors (``Tensor.__array_ufunc__``).

    >>> np.exp(Tensor([0.0]))  # records exp
    Tensor([1.], shape=(1,), dtype=float64)
    >>> np.isfinite(Tensor([1.0, np.inf]))  # no gradient: a constant boolean tensor
    Tensor([ True, False], shape=(2,), dtype=bool)
    """
    if method == "__call__" and not kwargs:
        fn = _UFUNCS.get(ufunc)
        if fn is not None:
            return fn(*inputs)
        if ufunc in _CONSTANT_UFUNCS:
            return constant(ufunc(*_values(inputs)))
    extra = f" with {', '.join(f'{k}=' for k in kwargs)}" if kwargs else ""
    raise DTypeError(
        f"NumPy {ufunc.__name__}.{method}{extra} is not supported on Tensor; "
        "use the tinygrad_ng op, or call it on t.data for a constant result"
    )


# Ufuncs whose result has no gradient (booleans) or a zero one wherever it has one (steps):
# their values as a constant tensor are the right answer for autograd too.
_CONSTANT_UFUNCS = {
    np.isfinite, np.isnan, np.isinf, np.signbit, np.sign, np.floor, np.ceil, np.trunc, np.rint,
    np.logical_not, np.logical_and, np.logical_or, np.logical_xor,
}  # fmt: skip


Tensor.__array_ufunc__ = lambda self, ufunc, method, *inputs, **kwargs: array_ufunc(ufunc, method, inputs, kwargs)
Tensor.__array_function__ = lambda self, func, types, args, kwargs: array_function(func, types, args, kwargs)


# --------------------------------------------------------------------------- the namespace of tensors
def _on_data(name: str) -> Callable[..., Any]:
    """A function without gradient (sign, isfinite, any...) applied to a tensor's values, as a constant."""

    def fn(x: Any, *args: Any, **kwargs: Any) -> Any:
        a = _arr(x)
        return constant(_xp.as_array(getattr(namespace(a), name)(a, *args, **kwargs)))

    return fn


class TensorNamespace:
    """The array namespace of Tensors (``Tensor.__array_namespace__``): tinygrad_ng's ops by their standard names.

    VJP rules call ``namespace(x).exp(x)``; under ``create_graph=True`` their arguments are
    tensors, and this namespace records the same computation in the graph, which is how second
    derivatives come from the first-order rules. Functions without a gradient (``sign``,
    ``isfinite``...) give constant tensors.

    >>> xp = TensorNamespace()
    >>> xp.sum(xp.exp(Tensor([0.0, 0.0])))
    Tensor(2., shape=(), dtype=float64)
    """

    __name__ = "tinygrad_ng"

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(f"{name} is not an op of the tensor namespace (rules under create_graph)")


TENSOR_NAMESPACE = _xp.tensor_namespace = TensorNamespace()
for _name, _fn in {
    "add": add, "subtract": sub, "multiply": mul, "divide": div, "negative": neg, "pow": pow, "matmul": matmul,
    "exp": exp, "log": log, "sqrt": sqrt, "abs": abs, "tanh": tanh, "maximum": maximum, "minimum": minimum,
    "where": where, "clip": clip, "sum": sum, "mean": mean, "max": max, "min": min, "reshape": reshape,
    "permute_dims": transpose, "broadcast_to": broadcast_to, "concat": concatenate, "stack": stack,
    "expand_dims": expand_dims, "squeeze": squeeze, "astype": astype,
    **{n: _on_data(n) for n in ("sign", "isfinite", "isnan", "isinf", "floor", "ceil", "trunc", "round")},
    "any": lambda x, **kw: bool(namespace(_arr(x)).any(_arr(x), **kw)),
}.items():  # fmt: skip
    setattr(TensorNamespace, _name, staticmethod(_fn))
del _name, _fn
