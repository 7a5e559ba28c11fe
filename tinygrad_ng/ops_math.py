"""Elementwise math, activations, comparisons and logical ops.

The transcendental functions are primitives so that their values equal NumPy's bit for bit (as
``div`` is); everything else here (``square``, ``lerp``, the activations...) is composed from
primitives, so its first and second derivatives come for free. Comparisons, ``isnan`` and the
logical ops return constant boolean tensors: no gradient flows through them.

Non-differentiable points follow PyTorch: ``sign``, ``floor``, ``ceil``, ``round``, ``trunc``
and ``//`` have a zero gradient everywhere; ``hardtanh``, ``relu6`` and ``hardsigmoid`` have a
zero gradient at their corners; ``hypot`` has a zero gradient at the origin.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import _xp
from ._xp import elementwise, namespace
from .errors import ArgumentError, DTypeError, ShapeError, shape_str
from .functional import (
    EXP,
    SQRT,
    _arr,
    _check_number,
    _pair,
    _select,
    as_tensor,
    clip,
    sigmoid,
    softmax,
    sqrt,
    tanh,
    tensor_method,
    where,
)
from .ops import Domain, Op, defop
from .tensor import ArrayLike, Tensor, constant

__all__ = [
    "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "arcsinh", "arctanh",
    "log2", "log10", "log1p", "exp2", "expm1", "erf", "square", "reciprocal", "rsqrt",
    "sign", "floor", "ceil", "round", "trunc", "mod", "floor_divide", "lerp", "logaddexp", "hypot",
    "isnan", "isinf", "isfinite", "isclose", "less", "less_equal", "greater", "greater_equal",
    "equal", "not_equal", "logical_and", "logical_or", "logical_xor", "logical_not",
    "softplus", "gelu", "silu", "mish", "elu", "selu", "celu", "relu6", "hardtanh", "hardsigmoid",
    "hardswish", "logsigmoid", "softsign", "softmin",
    "asin", "acos", "atan", "asinh", "atanh", "remainder", "clamp", "swish",
]  # fmt: skip


def run(op: Op, *xs: Any, **attrs: Any) -> Any:
    """Run ``op`` on arrays (its forward) or on tensors (recorded): how VJP rules call other ops.

    Under ``create_graph=True`` a rule's arguments are tensors, so calling an op through here
    records it, which is what makes second derivatives of the rule exact.

    >>> run(EXP, np.zeros(2))
    array([1., 1.])
    """
    if any(isinstance(x, Tensor) for x in xs):
        return op(*[x if isinstance(x, Tensor) else constant(_xp.as_array(x)) for x in xs], **attrs)
    return op.forward(*xs, **attrs)


def _unary(name: str, forward: Any, vjp: Any, rule: str, domain: Domain) -> Op:
    return defop(name, forward, (vjp,), rule=rule, domain=domain)


def _zero_grad(g: Any, out: Any, *xs: Any) -> Any:
    return g * 0  # piecewise constant: the derivative is 0 wherever it exists (PyTorch's convention)


def _one_minus_square(x: Any) -> Any:
    return 1 - x * x


def _exp2_forward(x: Any) -> Any:
    # The array API standard has no exp2; 2 ** x is the same function (NumPy's values kept bit for bit).
    return np.exp2(x) if type(x) is np.ndarray else 2.0**x


# --------------------------------------------------------------------------- primitives
SIN = _unary(
    "sin", elementwise(np.sin, "sin"), lambda g, out, x: g * run(COS, x), "dx = g * cos(x)", Domain("unary0", -3, 3)
)
COS = _unary(
    "cos", elementwise(np.cos, "cos"), lambda g, out, x: -g * run(SIN, x), "dx = -g * sin(x)", Domain("unary0", -3, 3)
)
TAN = _unary(
    "tan",
    elementwise(np.tan, "tan"),
    lambda g, out, x: g * (1 + out * out),
    "dx = g * (1 + tan(x)**2)",
    Domain("unary0", -1.2, 1.2),
)
ARCSIN = _unary(
    "arcsin",
    elementwise(np.arcsin, "asin"),
    lambda g, out, x: g / run(SQRT, _one_minus_square(x)),
    "dx = g / sqrt(1 - x**2)",
    Domain("unary0", -0.9, 0.9),
)
ARCCOS = _unary(
    "arccos",
    elementwise(np.arccos, "acos"),
    lambda g, out, x: -g / run(SQRT, _one_minus_square(x)),
    "dx = -g / sqrt(1 - x**2)",
    Domain("unary0", -0.9, 0.9),
)
ARCTAN = _unary(
    "arctan",
    elementwise(np.arctan, "atan"),
    lambda g, out, x: g / (1 + x * x),
    "dx = g / (1 + x**2)",
    Domain("unary0", -3, 3),
)
SINH = _unary(
    "sinh",
    elementwise(np.sinh, "sinh"),
    lambda g, out, x: g * run(COSH, x),
    "dx = g * cosh(x)",
    Domain("unary0", -3, 3),
)
COSH = _unary(
    "cosh",
    elementwise(np.cosh, "cosh"),
    lambda g, out, x: g * run(SINH, x),
    "dx = g * sinh(x)",
    Domain("unary0", -3, 3),
)
ARCSINH = _unary(
    "arcsinh",
    elementwise(np.arcsinh, "asinh"),
    lambda g, out, x: g / run(SQRT, 1 + x * x),
    "dx = g / sqrt(1 + x**2)",
    Domain("unary0", -3, 3),
)
ARCTANH = _unary(
    "arctanh",
    elementwise(np.arctanh, "atanh"),
    lambda g, out, x: g / _one_minus_square(x),
    "dx = g / (1 - x**2)",
    Domain("unary0", -0.9, 0.9),
)
LOG2 = _unary(
    "log2",
    elementwise(np.log2, "log2"),
    lambda g, out, x: g / (x * math.log(2)),
    "dx = g / (x ln 2)",
    Domain("unary0", 0.1, 5),
)
LOG10 = _unary(
    "log10",
    elementwise(np.log10, "log10"),
    lambda g, out, x: g / (x * math.log(10)),
    "dx = g / (x ln 10)",
    Domain("unary0", 0.1, 5),
)
LOG1P = _unary(
    "log1p",
    elementwise(np.log1p, "log1p"),
    lambda g, out, x: g / (1 + x),
    "dx = g / (1 + x)",
    Domain("unary0", -0.9, 5),
)
EXP2 = _unary(
    "exp2", _exp2_forward, lambda g, out, x: g * out * math.log(2), "dx = g * 2**x * ln 2", Domain("unary0", -3, 3)
)
EXPM1 = _unary(
    "expm1", elementwise(np.expm1, "expm1"), lambda g, out, x: g * (out + 1), "dx = g * e**x", Domain("unary0", -3, 3)
)


def _erf_forward(x: Any) -> Any:
    # NumPy has no erf; math.erf is correctly rounded, applied per element (about 60 ns each).
    # The array API standard has none either: other libraries need their own (torch, JAX).
    if type(x) is not np.ndarray:
        return _xp.function(namespace(x), "erf")(x)
    return np.asarray(np.frompyfunc(math.erf, 1, 1)(x), dtype=x.dtype if x.dtype.kind == "f" else np.float64)


ERF = _unary(
    "erf",
    _erf_forward,
    lambda g, out, x: g * (2 / math.sqrt(math.pi)) * run(EXP, -(x * x)),
    "dx = g * 2/sqrt(pi) * exp(-x**2)",
    Domain("unary0", -3, 3),
)
SIGN = _unary("sign", elementwise(np.sign, "sign"), _zero_grad, "dx = 0 (0 everywhere, also at 0)", Domain("steps"))
FLOOR = _unary(
    "floor", elementwise(np.floor, "floor"), _zero_grad, "dx = 0 (0 everywhere, also at integers)", Domain("steps")
)
CEIL = _unary(
    "ceil", elementwise(np.ceil, "ceil"), _zero_grad, "dx = 0 (0 everywhere, also at integers)", Domain("steps")
)
ROUND = _unary(
    "round", elementwise(np.round, "round"), _zero_grad, "dx = 0 (0 everywhere; halves round to even)", Domain("steps")
)
TRUNC = _unary(
    "trunc", elementwise(np.trunc, "trunc"), _zero_grad, "dx = 0 (0 everywhere, also at integers)", Domain("steps")
)
# The remainder is a primitive so that its values are NumPy's (x - floor(x/y)*y rounds differently).
MOD = defop(
    "mod",
    elementwise(np.remainder, "remainder"),
    (
        lambda g, out, x, y: g,  # d(x mod y)/dx = 1
        lambda g, out, x, y: -g * run(FLOOR, x / y),  # d(x mod y)/dy = -floor(x/y)
    ),
    rule="dx = g;  dy = -g * floor(x / y)",
    domain=Domain("mod"),
)
FLOOR_DIVIDE = defop(
    "floor_divide",
    elementwise(np.floor_divide, "floor_divide"),
    (_zero_grad, _zero_grad),
    rule="dx = 0;  dy = 0",
    domain=Domain("mod"),
)
# log(e^x + e^y) is a primitive for stability: NumPy's logaddexp never overflows.
LOGADDEXP = defop(
    "logaddexp",
    elementwise(np.logaddexp, "logaddexp"),
    (
        lambda g, out, x, y: g * run(EXP, x - out),  # e^x / (e^x + e^y)
        lambda g, out, x, y: g * run(EXP, y - out),
    ),
    rule="dx = g * exp(x - out);  dy = g * exp(y - out)",
    domain=Domain("binary", (-3, 3), (-3, 3)),
)


def _safe_out(out: Any) -> Any:
    """``out`` with zeros replaced by ones (a constant mask), so x / out is 0 at the origin."""
    zero = _arr(out) == 0
    return _select(zero, 1, out) if _xp.any_true(zero) else out


HYPOT = defop(
    "hypot",
    elementwise(np.hypot, "hypot"),
    (
        lambda g, out, x, y: g * x / _safe_out(out),  # x / hypot(x, y); 0 at the origin
        lambda g, out, x, y: g * y / _safe_out(out),
    ),
    rule="dx = g * x / out;  dy = g * y / out  (0 at x = y = 0)",
    domain=Domain("binary", (-2, 2), (0.5, 2), "y_nonzero"),
)


# --------------------------------------------------------------------------- elementwise functions
def _float(x: ArrayLike, name: str) -> Tensor:
    """``x`` as a tensor; integer and boolean data become float64 (as NumPy's ufuncs do)."""
    t = as_tensor(x)
    if t.dtype.kind != "f":
        t = constant(_xp.astype(t._data, np.float64))
    return t


@tensor_method
def sin(x: ArrayLike) -> Tensor:
    """Elementwise sine (radians).

    >>> sin(Tensor([0.0, np.pi / 2]))
    Tensor([0., 1.], shape=(2,), dtype=float64)
    """
    return SIN(_float(x, "sin"))


@tensor_method
def cos(x: ArrayLike) -> Tensor:
    """Elementwise cosine (radians).

    >>> cos(Tensor([0.0]))
    Tensor([1.], shape=(1,), dtype=float64)
    """
    return COS(_float(x, "cos"))


@tensor_method
def tan(x: ArrayLike) -> Tensor:
    """Elementwise tangent (radians).

    >>> tan(Tensor([0.0, np.pi / 4])).data.round(6)
    array([0., 1.])
    """
    return TAN(_float(x, "tan"))


@tensor_method
def arcsin(x: ArrayLike) -> Tensor:
    """Elementwise inverse sine; the derivative is infinite at ±1. Alias: ``asin``.

    >>> arcsin(Tensor([0.0, 1.0])).data.round(4)
    array([0.    , 1.5708])
    """
    return ARCSIN(_float(x, "arcsin"))


@tensor_method
def arccos(x: ArrayLike) -> Tensor:
    """Elementwise inverse cosine; the derivative is infinite at ±1. Alias: ``acos``.

    >>> arccos(Tensor([1.0]))
    Tensor([0.], shape=(1,), dtype=float64)
    """
    return ARCCOS(_float(x, "arccos"))


@tensor_method
def arctan(x: ArrayLike) -> Tensor:
    """Elementwise inverse tangent. Alias: ``atan``.

    >>> arctan(Tensor([1.0])).data.round(4)
    array([0.7854])
    """
    return ARCTAN(_float(x, "arctan"))


@tensor_method
def sinh(x: ArrayLike) -> Tensor:
    """Elementwise hyperbolic sine.

    >>> sinh(Tensor([0.0]))
    Tensor([0.], shape=(1,), dtype=float64)
    """
    return SINH(_float(x, "sinh"))


@tensor_method
def cosh(x: ArrayLike) -> Tensor:
    """Elementwise hyperbolic cosine.

    >>> cosh(Tensor([0.0]))
    Tensor([1.], shape=(1,), dtype=float64)
    """
    return COSH(_float(x, "cosh"))


@tensor_method
def arcsinh(x: ArrayLike) -> Tensor:
    """Elementwise inverse hyperbolic sine. Alias: ``asinh``.

    >>> arcsinh(Tensor([0.0]))
    Tensor([0.], shape=(1,), dtype=float64)
    """
    return ARCSINH(_float(x, "arcsinh"))


@tensor_method
def arctanh(x: ArrayLike) -> Tensor:
    """Elementwise inverse hyperbolic tangent, on (-1, 1). Alias: ``atanh``.

    >>> arctanh(Tensor([0.0]))
    Tensor([0.], shape=(1,), dtype=float64)
    """
    return ARCTANH(_float(x, "arctanh"))


@tensor_method
def log2(x: ArrayLike) -> Tensor:
    """Elementwise base-2 logarithm (exactly NumPy's values: ``log2(8) == 3``).

    >>> log2(Tensor([1.0, 8.0]))
    Tensor([0., 3.], shape=(2,), dtype=float64)
    """
    return LOG2(_float(x, "log2"))


@tensor_method
def log10(x: ArrayLike) -> Tensor:
    """Elementwise base-10 logarithm.

    >>> log10(Tensor([1.0, 1000.0]))
    Tensor([0., 3.], shape=(2,), dtype=float64)
    """
    return LOG10(_float(x, "log10"))


@tensor_method
def log1p(x: ArrayLike) -> Tensor:
    """Elementwise ``log(1 + x)``, accurate for tiny x.

    >>> log1p(Tensor([1e-20])).item()
    1e-20
    """
    return LOG1P(_float(x, "log1p"))


@tensor_method
def exp2(x: ArrayLike) -> Tensor:
    """Elementwise ``2 ** x``.

    >>> exp2(Tensor([3.0]))
    Tensor([8.], shape=(1,), dtype=float64)
    """
    return EXP2(_float(x, "exp2"))


@tensor_method
def expm1(x: ArrayLike) -> Tensor:
    """Elementwise ``e ** x - 1``, accurate for tiny x.

    >>> expm1(Tensor([1e-20])).item()
    1e-20
    """
    return EXPM1(_float(x, "expm1"))


@tensor_method
def erf(x: ArrayLike) -> Tensor:
    """Elementwise error function ``2/sqrt(pi) * integral_0^x exp(-t**2) dt``.

    >>> erf(Tensor([0.0, 1000.0]))
    Tensor([0., 1.], shape=(2,), dtype=float64)
    """
    return ERF(_float(x, "erf"))


@tensor_method
def square(x: ArrayLike) -> Tensor:
    """Elementwise ``x * x``.

    >>> square(Tensor([-3.0]))
    Tensor([9.], shape=(1,), dtype=float64)
    """
    x = as_tensor(x)
    return x * x


@tensor_method
def reciprocal(x: ArrayLike) -> Tensor:
    """Elementwise ``1 / x``.

    >>> reciprocal(Tensor([4.0]))
    Tensor([0.25], shape=(1,), dtype=float64)
    """
    return 1 / _float(x, "reciprocal")


@tensor_method
def rsqrt(x: ArrayLike) -> Tensor:
    """Elementwise ``1 / sqrt(x)``.

    >>> rsqrt(Tensor([4.0]))
    Tensor([0.5], shape=(1,), dtype=float64)
    """
    return 1 / sqrt(_float(x, "rsqrt"))


@tensor_method
def sign(x: ArrayLike) -> Tensor:
    """Elementwise sign (-1, 0 or 1); its gradient is 0 everywhere, also at 0 (as PyTorch).

    >>> sign(Tensor([-2.0, 0.0, 3.0]))
    Tensor([-1.,  0.,  1.], shape=(3,), dtype=float64)
    """
    return SIGN(as_tensor(x))


@tensor_method
def floor(x: ArrayLike) -> Tensor:
    """Elementwise floor; its gradient is 0 everywhere (as PyTorch).

    >>> floor(Tensor([-1.5, 1.5]))
    Tensor([-2.,  1.], shape=(2,), dtype=float64)
    """
    return FLOOR(as_tensor(x))


@tensor_method
def ceil(x: ArrayLike) -> Tensor:
    """Elementwise ceiling; its gradient is 0 everywhere (as PyTorch).

    >>> ceil(Tensor([-1.5, 1.5]))
    Tensor([-1.,  2.], shape=(2,), dtype=float64)
    """
    return CEIL(as_tensor(x))


@tensor_method
def round(x: ArrayLike) -> Tensor:
    """Elementwise rounding, halves to even (NumPy's and PyTorch's rule); gradient 0.

    >>> round(Tensor([0.5, 1.5, 2.4]))
    Tensor([0., 2., 2.], shape=(3,), dtype=float64)
    """
    return ROUND(as_tensor(x))


@tensor_method
def trunc(x: ArrayLike) -> Tensor:
    """Elementwise rounding towards zero; gradient 0.

    >>> trunc(Tensor([-1.7, 1.7]))
    Tensor([-1.,  1.], shape=(2,), dtype=float64)
    """
    return TRUNC(as_tensor(x))


@tensor_method
def mod(x: ArrayLike, y: ArrayLike) -> Tensor:
    """Elementwise remainder with the sign of ``y`` (NumPy's ``%``, PyTorch's ``remainder``).

    The gradient is 1 for ``x`` and ``-floor(x / y)`` for ``y``.

    >>> mod(Tensor([5.0, -5.0]), 3.0)
    Tensor([2., 1.], shape=(2,), dtype=float64)
    """
    return MOD(*_pair(x, y))


@tensor_method
def floor_divide(x: ArrayLike, y: ArrayLike) -> Tensor:
    """Elementwise ``floor(x / y)`` (``//``); its gradient is 0.

    >>> floor_divide(Tensor([5.0, -5.0]), 3.0)
    Tensor([ 1., -2.], shape=(2,), dtype=float64)
    """
    return FLOOR_DIVIDE(*_pair(x, y))


@tensor_method
def lerp(start: ArrayLike, end: ArrayLike, weight: ArrayLike) -> Tensor:
    """Linear interpolation ``start + weight * (end - start)``, broadcasting all three.

    >>> lerp(Tensor([0.0, 10.0]), Tensor([10.0, 20.0]), 0.25)
    Tensor([ 2.5, 12.5], shape=(2,), dtype=float64)
    """
    start, end = _pair(start, end)
    return start + _pair(weight, start)[0] * (end - start)


@tensor_method
def logaddexp(x: ArrayLike, y: ArrayLike) -> Tensor:
    """Elementwise ``log(e**x + e**y)`` without overflow.

    >>> logaddexp(Tensor([1000.0]), Tensor([1000.0])).data.round(4)
    array([1000.6931])
    """
    return LOGADDEXP(*_pair(_float(x, "logaddexp") if not isinstance(x, Tensor) else x, y))


@tensor_method
def hypot(x: ArrayLike, y: ArrayLike) -> Tensor:
    """Elementwise ``sqrt(x**2 + y**2)`` without overflow; gradient 0 at the origin.

    >>> hypot(Tensor([3.0]), Tensor([4.0]))
    Tensor([5.], shape=(1,), dtype=float64)
    """
    return HYPOT(*_pair(x, y))


# --------------------------------------------------------------------------- predicates
def _data(x: ArrayLike, name: str) -> Any:
    if isinstance(x, Tensor):
        return x._data
    if _xp.is_array(x) and type(x) is not np.ndarray:
        return x
    try:
        arr = np.asarray(x)
    except ValueError as e:
        raise ShapeError(f"{name}: cannot make an array from {type(x).__name__}: {e}") from None
    if arr.dtype.kind not in "biuf":
        raise DTypeError(f"{name}: unsupported dtype {arr.dtype}")
    return arr


def _predicate(fn: Any, name: str, *xs: ArrayLike, **kwargs: Any) -> Tensor:
    arrays = [_data(x, name) for x in xs]
    xp = namespace(*arrays)
    if xp is not np:  # another library: its function of the standard's name (isclose is NumPy's only)
        _xp.check_same(name, arrays)
        if name.startswith("logical_"):  # the standard's take booleans; NumPy's take any value's truth
            arrays = [a if not _xp.is_array(a) or _xp.kind(a) == "b" else a != 0 for a in arrays]
        return constant(_xp.function(xp, name)(*arrays, **kwargs))
    try:
        return constant(np.asarray(fn(*arrays, **kwargs)))
    except ValueError as e:
        raise ShapeError(f"{name}: {e} (operands {shape_str(*arrays)})") from None


@tensor_method
def isnan(x: ArrayLike) -> Tensor:
    """Elementwise: is the value NaN? A constant boolean tensor.

    >>> isnan(Tensor([1.0, np.nan]))
    Tensor([False,  True], shape=(2,), dtype=bool)
    """
    return _predicate(np.isnan, "isnan", x)


@tensor_method
def isinf(x: ArrayLike) -> Tensor:
    """Elementwise: is the value ±inf? A constant boolean tensor.

    >>> isinf(Tensor([1.0, -np.inf]))
    Tensor([False,  True], shape=(2,), dtype=bool)
    """
    return _predicate(np.isinf, "isinf", x)


@tensor_method
def isfinite(x: ArrayLike) -> Tensor:
    """Elementwise: is the value neither NaN nor ±inf? A constant boolean tensor.

    >>> isfinite(Tensor([1.0, np.nan, np.inf]))
    Tensor([ True, False, False], shape=(3,), dtype=bool)
    """
    return _predicate(np.isfinite, "isfinite", x)


@tensor_method
def isclose(x: ArrayLike, y: ArrayLike, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False) -> Tensor:
    """Elementwise ``|x - y| <= atol + rtol * |y|`` (NumPy's ``isclose``), a constant boolean tensor.

    >>> isclose(Tensor([1.0, 1.1]), 1.0)
    Tensor([ True, False], shape=(2,), dtype=bool)
    """
    _check_number(rtol, "isclose", "rtol")
    _check_number(atol, "isclose", "atol")
    return _predicate(np.isclose, "isclose", x, y, rtol=rtol, atol=atol, equal_nan=bool(equal_nan))


def less(x: ArrayLike, y: ArrayLike) -> Tensor:
    """Elementwise ``x < y`` as a constant boolean tensor.

    >>> less(Tensor([1.0, 3.0]), 2.0)
    Tensor([ True, False], shape=(2,), dtype=bool)
    """
    return _predicate(np.less, "less", x, y)


def less_equal(x: ArrayLike, y: ArrayLike) -> Tensor:
    """Elementwise ``x <= y`` as a constant boolean tensor.

    >>> less_equal(Tensor([2.0, 3.0]), 2.0)
    Tensor([ True, False], shape=(2,), dtype=bool)
    """
    return _predicate(np.less_equal, "less_equal", x, y)


def greater(x: ArrayLike, y: ArrayLike) -> Tensor:
    """Elementwise ``x > y`` as a constant boolean tensor.

    >>> greater(Tensor([1.0, 3.0]), 2.0)
    Tensor([False,  True], shape=(2,), dtype=bool)
    """
    return _predicate(np.greater, "greater", x, y)


def greater_equal(x: ArrayLike, y: ArrayLike) -> Tensor:
    """Elementwise ``x >= y`` as a constant boolean tensor.

    >>> greater_equal(Tensor([1.0, 2.0]), 2.0)
    Tensor([False,  True], shape=(2,), dtype=bool)
    """
    return _predicate(np.greater_equal, "greater_equal", x, y)


def equal(x: ArrayLike, y: ArrayLike) -> Tensor:
    """Elementwise ``x == y`` as a constant boolean tensor.

    >>> equal(Tensor([1.0, 2.0]), 2.0)
    Tensor([False,  True], shape=(2,), dtype=bool)
    """
    return _predicate(np.equal, "equal", x, y)


def not_equal(x: ArrayLike, y: ArrayLike) -> Tensor:
    """Elementwise ``x != y`` as a constant boolean tensor.

    >>> not_equal(Tensor([1.0, 2.0]), 2.0)
    Tensor([ True, False], shape=(2,), dtype=bool)
    """
    return _predicate(np.not_equal, "not_equal", x, y)


@tensor_method
def logical_and(x: ArrayLike, y: ArrayLike) -> Tensor:
    """Elementwise logical and (nonzero is true), a constant boolean tensor.

    >>> logical_and(Tensor([True, True]), Tensor([True, False]))
    Tensor([ True, False], shape=(2,), dtype=bool)
    """
    return _predicate(np.logical_and, "logical_and", x, y)


@tensor_method
def logical_or(x: ArrayLike, y: ArrayLike) -> Tensor:
    """Elementwise logical or, a constant boolean tensor.

    >>> logical_or(Tensor([True, False]), Tensor([False, False]))
    Tensor([ True, False], shape=(2,), dtype=bool)
    """
    return _predicate(np.logical_or, "logical_or", x, y)


@tensor_method
def logical_xor(x: ArrayLike, y: ArrayLike) -> Tensor:
    """Elementwise logical exclusive or, a constant boolean tensor.

    >>> logical_xor(Tensor([True, True]), Tensor([True, False]))
    Tensor([False,  True], shape=(2,), dtype=bool)
    """
    return _predicate(np.logical_xor, "logical_xor", x, y)


@tensor_method
def logical_not(x: ArrayLike) -> Tensor:
    """Elementwise logical not, a constant boolean tensor.

    >>> logical_not(Tensor([True, False]))
    Tensor([False,  True], shape=(2,), dtype=bool)
    """
    return _predicate(np.logical_not, "logical_not", x)


# --------------------------------------------------------------------------- activations
def _positive(value: Any, name: str, what: str) -> float:
    _check_number(value, name, what)
    if not value > 0:
        raise ArgumentError(f"{name}: {what} must be positive, got {value!r}")
    return float(value)


@tensor_method
def softplus(x: ArrayLike, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """Elementwise ``log(1 + e**(beta x)) / beta``; linear where ``beta x > threshold`` (as PyTorch).

    Computed as ``logaddexp(beta x, 0) / beta``, so it never overflows; its derivative is
    ``sigmoid(beta x)`` (0.5 at 0).

    >>> softplus(Tensor([-1000.0, 0.0, 1000.0])).data.round(4).tolist()
    [0.0, 0.6931, 1000.0]
    """
    beta = _positive(beta, "softplus", "beta")
    _check_number(threshold, "softplus", "threshold")
    x = _float(x, "softplus")
    bx = x * beta
    soft = logaddexp(bx, 0.0) / beta
    return where(bx._data > threshold, x, soft)


@tensor_method
def gelu(x: ArrayLike, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit ``x * Phi(x)``; ``approximate="tanh"`` uses the tanh formula.

    >>> gelu(Tensor([-1000.0, 0.0, 1.0, 1000.0])).data.round(4).tolist()
    [-0.0, 0.0, 0.8413, 1000.0]
    """
    if approximate not in ("none", "tanh"):
        raise ArgumentError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    x = _float(x, "gelu")
    if approximate == "tanh":
        inner = math.sqrt(2 / math.pi) * (x + 0.044715 * x * x * x)
        return 0.5 * x * (1 + tanh(inner))
    return 0.5 * x * (1 + erf(x * (1 / math.sqrt(2))))


@tensor_method
def silu(x: ArrayLike) -> Tensor:
    """Sigmoid-weighted linear unit ``x * sigmoid(x)``. Alias: ``swish``.

    >>> silu(Tensor([-1000.0, 0.0, 1000.0]))
    Tensor([  -0.,    0., 1000.], shape=(3,), dtype=float64)
    """
    x = _float(x, "silu")
    return x * sigmoid(x)


@tensor_method
def mish(x: ArrayLike) -> Tensor:
    """``x * tanh(softplus(x))``.

    >>> mish(Tensor([-1000.0, 0.0, 1000.0]))
    Tensor([  -0.,    0., 1000.], shape=(3,), dtype=float64)
    """
    x = _float(x, "mish")
    return x * tanh(softplus(x))


def _negative_branch(x: Tensor) -> Tensor:
    # expm1 of min(x, 0): the unselected branch stays finite at x = 1000, so where's zero
    # gradient for it is not multiplied by an overflowed e**x (which would give NaN).
    return expm1(clip(x, None, 0.0))


@tensor_method
def elu(x: ArrayLike, alpha: float = 1.0) -> Tensor:
    """``x`` for x > 0, else ``alpha * (e**x - 1)``; at 0 the derivative is ``alpha`` (as PyTorch).

    >>> elu(Tensor([-1000.0, 0.0, 2.0]))
    Tensor([-1.,  0.,  2.], shape=(3,), dtype=float64)
    """
    _check_number(alpha, "elu", "alpha")
    x = _float(x, "elu")
    return where(x._data > 0, x, alpha * _negative_branch(x))


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


@tensor_method
def selu(x: ArrayLike) -> Tensor:
    """Scaled ELU with the self-normalising constants (alpha 1.6733, scale 1.0507).

    >>> selu(Tensor([0.0, 1.0])).data.round(4)
    array([0.    , 1.0507])
    """
    return _SELU_SCALE * elu(x, _SELU_ALPHA)


@tensor_method
def celu(x: ArrayLike, alpha: float = 1.0) -> Tensor:
    """``x`` for x > 0, else ``alpha * (e**(x/alpha) - 1)``.

    >>> celu(Tensor([-1000.0, 2.0]), alpha=2.0)
    Tensor([-2.,  2.], shape=(2,), dtype=float64)
    """
    alpha = _positive(alpha, "celu", "alpha")
    x = _float(x, "celu")
    return where(x._data > 0, x, alpha * expm1(clip(x, None, 0.0) / alpha))


@tensor_method
def hardtanh(x: ArrayLike, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """Clamp to ``[min_val, max_val]``; the derivative is 1 strictly inside, 0 at and beyond the corners.

    (:func:`~tinygrad_ng.functional.clip` passes the gradient at the corners, as PyTorch's
    ``clamp``; ``hardtanh`` stops it there, as PyTorch's ``hardtanh``.)

    >>> x = Tensor([-2.0, -1.0, 0.5, 1.0], requires_grad=True)
    >>> hardtanh(x).sum().backward()
    >>> x.grad
    array([0., 0., 1., 0.])
    """
    _check_number(min_val, "hardtanh", "min_val")
    _check_number(max_val, "hardtanh", "max_val")
    if min_val > max_val:
        raise ArgumentError(f"hardtanh: min_val={min_val} is greater than max_val={max_val}")
    x = _float(x, "hardtanh")
    d = x._data
    inside = (d > min_val) & (d < max_val)
    return where(inside, x, constant(namespace(d).clip(d, min_val, max_val)))


@tensor_method
def relu6(x: ArrayLike) -> Tensor:
    """``min(max(x, 0), 6)``; derivative 0 at 0 and 6 (as PyTorch).

    >>> relu6(Tensor([-1.0, 3.0, 9.0]))
    Tensor([0., 3., 6.], shape=(3,), dtype=float64)
    """
    return hardtanh(x, 0.0, 6.0)


@tensor_method
def hardsigmoid(x: ArrayLike) -> Tensor:
    """``relu6(x + 3) / 6``: 0 below -3, 1 above 3, linear between.

    >>> hardsigmoid(Tensor([-4.0, 0.0, 4.0]))
    Tensor([0. , 0.5, 1. ], shape=(3,), dtype=float64)
    """
    return relu6(_float(x, "hardsigmoid") + 3.0) / 6.0


@tensor_method
def hardswish(x: ArrayLike) -> Tensor:
    """``x * hardsigmoid(x)``; the derivative is 0 at -3 and 1 at 3 (as PyTorch).

    >>> hardswish(Tensor([-4.0, 1.0, 4.0])).data.round(4)
    array([-0.    ,  0.6667,  4.    ])
    """
    x = _float(x, "hardswish")
    return x * hardsigmoid(x)


@tensor_method
def logsigmoid(x: ArrayLike) -> Tensor:
    """``log(sigmoid(x))`` computed as ``-logaddexp(-x, 0)``: finite for any x.

    >>> logsigmoid(Tensor([-1000.0, 0.0, 1000.0])).data.round(4).tolist()
    [-1000.0, -0.6931, -0.0]
    """
    return -logaddexp(-_float(x, "logsigmoid"), 0.0)


@tensor_method
def softsign(x: ArrayLike) -> Tensor:
    """``x / (1 + |x|)``.

    >>> softsign(Tensor([-1.0, 3.0]))
    Tensor([-0.5 ,  0.75], shape=(2,), dtype=float64)
    """
    x = _float(x, "softsign")
    return x / (1 + abs(x))


@tensor_method
def softmin(x: ArrayLike, axis: int = 0) -> Tensor:
    """``softmax(-x)`` along ``axis`` (default 0: classes are rows, as :func:`softmax`).

    >>> softmin(Tensor([[0.0], [1000.0]])).data.ravel()
    array([1., 0.])
    """
    return softmax(-_float(x, "softmin"), axis)


# PyTorch spellings.
asin, acos, atan, asinh, atanh = arcsin, arccos, arctan, arcsinh, arctanh
remainder = mod
clamp = clip
swish = silu
