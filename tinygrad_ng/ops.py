"""The primitive ops: each one a forward and its vector-Jacobian products (VJPs), side by side.

This table is the single source of truth for what tinygrad_ng can differentiate: the Tensor
methods, graph drawings, docs and the per-op property tests all read it.

How a rule reads. ``forward(*arrays, **attrs)`` computes the output from the inputs' arrays.
``vjps[i](g, out, *inputs, **attrs)`` returns the gradient for input ``i`` given the upstream
gradient ``g`` (the gradient of the final scalar with respect to ``out``). Rules are pure: they
never touch ``.grad``, and they may return a gradient with the *broadcast* shape; the engine sums
it down to the input's shape, once, for every op.

Rules are written once and run two ways. Normally ``g``, ``out`` and the inputs are ndarrays.
Under ``create_graph=True`` they are Tensors and the very same expressions record a graph of the
backward pass, which is how second derivatives come for free. So a rule uses only what ndarray
and Tensor share (``+ - * / ** @``, ``.sum``, ``.reshape``, ``.transpose``, ``.T``, indexing)
and the few two-way helpers below (``_exp``, ``_select``...). Values used only as constants
(masks, signs) are taken with ``_arr``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .errors import ShapeError
from .tensor import Tensor, apply

Vjp = Callable[..., Any]


class Op:
    """A registered primitive: name, forward, one VJP per input, and the derivative rule as text.

    Attributes:
        name: the op's name in graphs and error messages.
        forward: ``forward(*arrays, **attrs) -> ndarray``.
        vjps: a tuple with one VJP per input, or (for ops taking any number of inputs) one
            function ``vjp(i, g, out, *inputs, **attrs)``.
        rule: the local derivative in math-like notation, shown in graphs and docs.
        twice_differentiable: whether the VJP is itself differentiable (false for ops whose
            VJP uses a constant that depends on the input in a way we do not differentiate).

    Calling an op on tensors runs it through :func:`tinygrad_ng.tensor.apply`; the output's
    shape is what ``forward`` returns.

    >>> op = REGISTRY["sigmoid"]
    >>> op
    Op('sigmoid': dz = da * a * (1 - a))
    >>> op(Tensor([0.0])).data
    array([0.5])
    """

    __slots__ = ("name", "forward", "vjps", "rule", "variadic", "twice_differentiable")

    def __init__(
        self,
        name: str,
        forward: Callable[..., Any],
        vjps: Sequence[Vjp] | Vjp,
        rule: str,
        twice_differentiable: bool = True,
    ) -> None:
        self.name = name
        self.forward = forward
        self.variadic = callable(vjps)
        self.vjps = vjps if self.variadic else tuple(vjps)  # type: ignore[arg-type]
        self.rule = rule
        self.twice_differentiable = twice_differentiable

    def vjp(self, i: int, g: Any, out: Any, inputs: Sequence[Any], attrs: dict[str, Any]) -> Any:
        """The gradient for input ``i``."""
        if self.variadic:
            return self.vjps(i, g, out, *inputs, **attrs)  # type: ignore[operator]
        return self.vjps[i](g, out, *inputs, **attrs)  # type: ignore[index]

    __call__ = apply  # op(*inputs, **attrs) is apply(op, *inputs, **attrs), without a frame in between

    def __repr__(self) -> str:
        return f"Op({self.name!r}: {self.rule})"


REGISTRY: dict[str, Op] = {}


def defop(
    name: str,
    forward: Callable[..., Any],
    vjps: Sequence[Vjp] | Vjp,
    *,
    rule: str,
    twice_differentiable: bool = True,
) -> Op:
    """Register a primitive op in :data:`REGISTRY` and return it.

    ``forward(*arrays, **attrs)`` returns the output array; ``vjps`` holds one
    ``vjp(g, out, *inputs, **attrs)`` per input, returning that input's gradient (the engine sums
    a broadcast-shaped gradient down to the input's shape). ``tests/test_ops.py`` then checks the
    new op against finite differences once it has a test domain in ``CASES``.

    >>> CUBE = defop("cube_example", lambda x: x**3, (lambda g, out, x: g * 3 * x**2,), rule="dx = g * 3 x**2")
    >>> x = Tensor([2.0], requires_grad=True)
    >>> CUBE(x).sum().backward()
    >>> x.grad
    array([12.])
    >>> del REGISTRY["cube_example"]  # keep the registry to the built-in primitives
    """
    if name in REGISTRY:
        raise ValueError(f"op {name!r} is already registered")
    op = Op(name, forward, vjps, rule, twice_differentiable)
    REGISTRY[name] = op
    return op


# --------------------------------------------------------------------------- two-way helpers
def _arr(x: Any) -> Any:
    """The ndarray behind a Tensor (a constant, for masks); ndarrays pass through."""
    return x._data if isinstance(x, Tensor) else x


def _exp(x: Any) -> Any:
    return EXP(x) if isinstance(x, Tensor) else np.exp(x)


def _log(x: Any) -> Any:
    return LOG(x) if isinstance(x, Tensor) else np.log(x)


def _sigmoid(x: Any) -> Any:
    return SIGMOID(x) if isinstance(x, Tensor) else _sigmoid_np(x)


def _select(cond: np.ndarray, a: Any, b: Any) -> Any:
    """``where(cond, a, b)`` with a constant condition."""
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        from .functional import where

        return where(cond, a, b)
    return np.where(cond, a, b)


def _broadcast_to(g: Any, shape: tuple[int, ...]) -> Any:
    if isinstance(g, Tensor):
        return BROADCAST_TO(g, shape=shape)
    # A filled array rather than np.broadcast_to's view, whose Python layer costs ~5x more on a
    # loss's (1, m) gradient; the price is one array of x's size, as the consumer's VJP makes anyway.
    out = np.empty(shape, g.dtype)
    out[...] = g
    return out


def _keepdims_shape(shape: tuple[int, ...], axis: tuple[int, ...] | None) -> tuple[int, ...]:
    """The shape a reduction over ``axis`` has with keepdims=True."""
    if axis is None:
        return (1,) * len(shape)
    return tuple(1 if i in axis else n for i, n in enumerate(shape))


def _reduced_size(shape: tuple[int, ...], axis: tuple[int, ...] | None) -> int:
    """How many elements a reduction over ``axis`` combines into each output element."""
    return math.prod(shape) if axis is None else math.prod(shape[a] for a in axis)


def _unreduce(g: Any, shape: tuple[int, ...], axis: tuple[int, ...] | None, keepdims: bool) -> Any:
    """Put back the reduced axes of ``g`` (as length 1) so it broadcasts against the input."""
    if keepdims or axis is None:
        return g
    return g.reshape(_keepdims_shape(shape, axis))


# --------------------------------------------------------------------------- forwards
def _sigmoid_np(x: np.ndarray) -> np.ndarray:
    # The course's 1 / (1 + e^-x), bit for bit. Where e^-x overflows (x < -709 in float64) it is
    # inf and the result is 0, the correct limit, so the overflow warning is silenced.
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-x))


def _matmul_forward(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    if x.ndim == 0 or y.ndim == 0:
        raise ShapeError(f"matmul of {x.shape} and {y.shape}: both operands need at least 1 dimension")
    k_x = x.shape[-1]
    k_y = y.shape[0] if y.ndim == 1 else y.shape[-2]
    if k_x != k_y:
        raise ShapeError(
            f"matmul of {x.shape} and {y.shape}: inner dimensions {k_x} and {k_y} differ "
            f"(course layout: W is (n_out, n_in), A is (n_in, m))"
        )
    return np.matmul(x, y)


def _matmul_vjp_x(g: Any, out: Any, x: Any, y: Any) -> Any:
    if x.ndim == 2 and y.ndim == 2:  # the common case: dX = G Yᵀ
        return g @ y.T
    if x.ndim == 1 and y.ndim == 1:  # dot product: dx = g y
        return g * y
    if y.ndim == 1:  # (..., n, k) @ (k,) -> (..., n): dX = g ⊗ y
        g = g.reshape(g.shape + (1,))
        y = y.reshape((1, y.shape[0]))
        dx = g * y
    else:
        if x.ndim == 1:  # (k,) @ (..., k, m) -> (..., m)
            g = g.reshape(g.shape[:-1] + (1, g.shape[-1]))
        dx = g @ _swap_last(y)
    if x.ndim == 1:
        dx = dx.reshape(dx.shape[:-2] + (dx.shape[-1],))
    return dx


def _matmul_vjp_y(g: Any, out: Any, x: Any, y: Any) -> Any:
    if x.ndim == 2 and y.ndim == 2:  # the common case: dY = Xᵀ G
        return x.T @ g
    if x.ndim == 1 and y.ndim == 1:  # dot product: dy = g x
        return g * x
    if x.ndim == 1:  # (k,) @ (..., k, m) -> (..., m): dY = x ⊗ g
        x = x.reshape((x.shape[0], 1))
        g = g.reshape(g.shape[:-1] + (1, g.shape[-1]))
        dy = x * g
    else:
        if y.ndim == 1:  # (..., n, k) @ (k,) -> (..., n)
            g = g.reshape(g.shape + (1,))
        dy = _swap_last(x) @ g
    if y.ndim == 1:
        dy = dy.reshape(dy.shape[:-1])
    return dy


def _swap_last(a: Any) -> Any:
    axes = tuple(range(a.ndim - 2)) + (a.ndim - 1, a.ndim - 2)
    return a.transpose(axes)


def _max_vjp(g: Any, out: Any, x: Any, axis: tuple[int, ...] | None, keepdims: bool) -> Any:
    # The gradient goes to the elements equal to the maximum, shared equally among ties.
    xa, outa = _arr(x), _arr(out)
    winners = xa == _unreduce(outa, xa.shape, axis, keepdims)
    share = (winners / winners.sum(axis=axis, keepdims=True)).astype(xa.dtype)
    return _unreduce(g, xa.shape, axis, keepdims) * share


def _logsumexp_forward(x: np.ndarray, axis: tuple[int, ...] | None, keepdims: bool) -> np.ndarray:
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)  # all -inf (or inf) along the axis: no shift
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else out.reshape(np.sum(x, axis=axis).shape)


def _scatter_np(g: np.ndarray, index: Any, shape: tuple[int, ...]) -> np.ndarray:
    """Zeros of ``shape`` with ``g`` added at ``index``; repeated indices accumulate."""
    z = np.zeros(shape, dtype=g.dtype)
    if _is_basic_index(index):
        z[index] = g
    else:
        np.add.at(z, index, g)
    return z


def _is_basic_index(index: Any) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return all(i is None or i is Ellipsis or isinstance(i, (int, np.integer, slice)) for i in items)


def _scatter(g: Any, index: Any, shape: tuple[int, ...]) -> Any:
    if isinstance(g, Tensor):
        return SCATTER(g, index=index, shape=shape)
    return _scatter_np(g, index, shape)


def _clip_forward(x: np.ndarray, low: float | None, high: float | None) -> np.ndarray:
    if low is None and high is None:
        return x.copy()
    return np.clip(x, low, high)


def _inside(x: np.ndarray, low: float | None, high: float | None) -> np.ndarray:
    inside = np.ones(x.shape, dtype=bool)
    if low is not None:
        inside &= x >= low
    if high is not None:
        inside &= x <= high
    return inside


def _tie_share(g: Any, x: Any, y: Any, wins: np.ndarray) -> Any:
    """``g`` where x wins, ``g / 2`` on ties, 0 where it loses: how maximum/minimum split the gradient.

    Selected rather than multiplied by a 0/1 mask, so an infinite ``g`` gives 0 on the losing
    side (as relu, clip and where do), not ``inf * 0 = NaN``.
    """
    return _select(wins, g, _select(_arr(x) == _arr(y), g * 0.5, 0))


def _bce_logits_forward(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    # log(1 + e^z) - y z, written so no exp overflows: max(z, 0) - y z + log1p(e^-|z|)
    return np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))


def _concat_vjp(i: int, g: Any, out: Any, *xs: Any, axis: int) -> Any:
    start = sum(x.shape[axis] for x in xs[:i])
    index = (slice(None),) * axis + (slice(start, start + xs[i].shape[axis]),)
    return g[index]


# --------------------------------------------------------------------------- the table
# Elementwise arithmetic (broadcasting is undone by the engine).
ADD = defop(
    "add",
    np.add,
    (
        lambda g, out, x, y: g,  # d(x+y)/dx = 1
        lambda g, out, x, y: g,  # d(x+y)/dy = 1
    ),
    rule="dx = g;  dy = g",
)
MUL = defop(
    "mul",
    np.multiply,
    (
        lambda g, out, x, y: g * y,  # d(xy)/dx = y
        lambda g, out, x, y: g * x,  # d(xy)/dy = x
    ),
    rule="dx = g * y;  dy = g * x",
)
# Division is a primitive (not x * y**-1) so that forward values equal NumPy's x / y exactly.
DIV = defop(
    "div",
    np.true_divide,
    (
        lambda g, out, x, y: g / y,  # d(x/y)/dx = 1/y
        lambda g, out, x, y: -g * out / y,  # d(x/y)/dy = -x/y²
    ),
    rule="dx = g / y;  dy = -g * x / y**2",
)
NEG = defop("neg", np.negative, (lambda g, out, x: -g,), rule="dx = -g")
POW = defop(
    "pow",
    np.power,
    (
        lambda g, out, x, y: g * y * x ** (y - 1),  # d(x^y)/dx = y x^(y-1)
        lambda g, out, x, y: g * out * _log(x),  # d(x^y)/dy = x^y ln x
    ),
    rule="dx = g * y * x**(y-1);  dy = g * x**y * log(x)",
)
POW_SCALAR = defop(
    "pow_scalar",
    lambda x, exponent: x**exponent,
    # d(x^p)/dx = p x^(p-1)
    (lambda g, out, x, exponent: g * exponent * x ** (exponent - 1) if exponent != 0 else g * 0,),
    rule="dx = g * p * x**(p-1)",
)

# Elementwise functions.
EXP = defop("exp", np.exp, (lambda g, out, x: g * out,), rule="dz = da * a")  # d(e^z) = e^z
LOG = defop("log", np.log, (lambda g, out, x: g / x,), rule="dz = da / z")  # d(ln z) = 1/z
SQRT = defop("sqrt", np.sqrt, (lambda g, out, x: g / (2 * out),), rule="dz = da / (2 * a)")
ABS = defop(
    "abs",
    np.abs,
    (lambda g, out, x: g * np.sign(_arr(x)),),  # d|z| = sign(z), 0 at 0
    rule="dz = da * sign(z)",
)
# Sigmoid is a primitive for stability: e^-z overflows for z << 0, and its VJP reads only a.
SIGMOID = defop(
    "sigmoid",
    _sigmoid_np,
    (lambda g, out, x: g * out * (1 - out),),  # σ' = σ(1-σ)
    rule="dz = da * a * (1 - a)",
)
TANH = defop("tanh", np.tanh, (lambda g, out, x: g * (1 - out * out),), rule="dz = da * (1 - a**2)")
RELU = defop(
    "relu",
    lambda x: np.maximum(x, 0),
    (lambda g, out, x: _select(_arr(x) > 0, g, 0),),  # 1 where z > 0, else 0 (also at 0)
    rule="dz = da * (z > 0)",
)
LEAKY_RELU = defop(
    "leaky_relu",
    lambda x, slope: np.where(x > 0, x, x * slope),
    (lambda g, out, x, slope: _select(_arr(x) > 0, g, g * slope),),
    rule="dz = da * (1 if z > 0 else slope)",
)
CLIP = defop(
    "clip",
    _clip_forward,
    (lambda g, out, x, low, high: _select(_inside(_arr(x), low, high), g, 0),),
    rule="dz = da * (low <= z <= high)",
)
MAXIMUM = defop(
    "maximum",
    np.maximum,
    (
        lambda g, out, x, y: _tie_share(g, x, y, _arr(x) > _arr(y)),
        lambda g, out, x, y: _tie_share(g, x, y, _arr(y) > _arr(x)),
    ),
    rule="dx = g * (x > y);  dy = g * (y > x)  (ties: g / 2 each)",
)
MINIMUM = defop(
    "minimum",
    np.minimum,
    (
        lambda g, out, x, y: _tie_share(g, x, y, _arr(x) < _arr(y)),
        lambda g, out, x, y: _tie_share(g, x, y, _arr(y) < _arr(x)),
    ),
    rule="dx = g * (x < y);  dy = g * (y < x)  (ties: g / 2 each)",
)
WHERE = defop(
    "where",
    lambda x, y, cond: np.where(cond, x, y),
    (
        lambda g, out, x, y, cond: _select(cond, g, 0),
        lambda g, out, x, y, cond: _select(cond, 0, g),
    ),
    rule="dx = g * cond;  dy = g * (not cond)",
)

# Linear algebra.
MATMUL = defop(
    "matmul",
    _matmul_forward,
    (_matmul_vjp_x, _matmul_vjp_y),
    rule="dW = dZ @ A.T;  dA = W.T @ dZ",
)

# Reductions.
SUM = defop(
    "sum",
    lambda x, axis, keepdims: x.sum(axis=axis, keepdims=keepdims),
    (lambda g, out, x, axis, keepdims: _broadcast_to(_unreduce(g, x.shape, axis, keepdims), x.shape),),
    rule="dx = broadcast(g)",
)
# Mean is a primitive for speed, not a sum and a division: a training step's loss ends in it, and
# one node instead of two saves ~5 us a step on the course's small models.
MEAN = defop(
    "mean",
    lambda x, axis, keepdims: x.mean(axis=axis, keepdims=keepdims),
    (
        lambda g, out, x, axis, keepdims: _broadcast_to(
            _unreduce(g, x.shape, axis, keepdims) / _reduced_size(x.shape, axis), x.shape
        ),
    ),
    rule="dx = broadcast(g) / n",
)
MAX = defop(
    "max",
    lambda x, axis, keepdims: x.max(axis=axis, keepdims=keepdims),
    (_max_vjp,),
    rule="dx = g where x == max (ties share g)",
)
# log-sum-exp is a primitive for stability: it shifts by the maximum before exponentiating.
LOGSUMEXP = defop(
    "logsumexp",
    _logsumexp_forward,
    (
        lambda g, out, x, axis, keepdims: (
            _unreduce(g, x.shape, axis, keepdims) * _exp(x - _unreduce(out, x.shape, axis, keepdims))
        ),
    ),
    rule="dx = g * softmax(x)",
)

# Shape ops.
RESHAPE = defop(
    "reshape",
    lambda x, shape: np.reshape(x, shape),
    (lambda g, out, x, shape: g.reshape(x.shape),),
    rule="dx = reshape(g, x.shape)",
)
TRANSPOSE = defop(
    "transpose",
    lambda x, axes: np.transpose(x, axes),
    (lambda g, out, x, axes: g.transpose(tuple(int(i) for i in np.argsort(axes))),),
    rule="dx = transpose(g, inverse(axes))",
)
BROADCAST_TO = defop(
    "broadcast_to",
    lambda x, shape: np.broadcast_to(x, shape),
    (lambda g, out, x, shape: g,),  # the engine sums g back down to x's shape
    rule="dx = sum of g over the broadcast axes",
)
GETITEM = defop(
    "getitem",
    lambda x, index: x[index],
    (lambda g, out, x, index: _scatter(g, index, x.shape),),
    rule="dx = zeros, with g added at index",
)
SCATTER = defop(
    "scatter",
    _scatter_np,
    (lambda g, out, x, index, shape: g[index],),
    rule="dx = g[index]",
)
CONCATENATE = defop(
    "concatenate",
    lambda *xs, axis: np.concatenate(xs, axis=axis),
    _concat_vjp,
    rule="dx_i = the slice of g where x_i was placed",
)
ASTYPE = defop(
    "astype",
    lambda x, dtype: x.astype(dtype),
    (lambda g, out, x, dtype: g,),  # the engine casts g back to x's dtype
    rule="dx = g, in x's dtype",
)

# Losses. BCE with logits is a primitive for stability (no log of a rounded sigmoid).
BCE_WITH_LOGITS = defop(
    "binary_cross_entropy_with_logits",
    _bce_logits_forward,
    (
        lambda g, out, z, y: g * (_sigmoid(z) - y),  # dL/dz = σ(z) - y, the course's A - Y
        lambda g, out, z, y: -g * z,
    ),
    rule="dz = g * (sigmoid(z) - y)",
)


def _bce_forward(a: np.ndarray, y: np.ndarray, eps: float) -> np.ndarray:
    a = np.minimum(np.maximum(a, eps), 1 - eps)  # np.clip, without its Python-level dispatch
    return -(y * np.log(a) + (1 - y) * np.log(1 - a))


def _clip_unit(a: Any, eps: float) -> Any:
    return CLIP(a, low=eps, high=1 - eps) if isinstance(a, Tensor) else np.clip(a, eps, 1 - eps)


def _at_least(a: Any, eps: float) -> Any:
    return CLIP(a, low=eps, high=None) if isinstance(a, Tensor) else np.maximum(a, eps)


# BCE on probabilities is a primitive for speed and for its clipping: one node instead of ten,
# and after a sigmoid its VJP times σ' = a(1 - a) is the course's dZ = A - Y.
BCE = defop(
    "binary_cross_entropy",
    _bce_forward,
    (
        lambda g, out, a, y, eps: g * (a - y) / _at_least(a * (1 - a), eps),  # dL/da = (a-y)/(a(1-a))
        lambda g, out, a, y, eps: g * (_log(1 - _clip_unit(a, eps)) - _log(_clip_unit(a, eps))),
    ),
    rule="da = g * (a - y) / (a * (1 - a))",
)
