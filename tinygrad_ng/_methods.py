"""Bind the ops of the family modules to ``Tensor`` as methods and operators.

Each method is the module-level function itself (its first argument is the tensor), so it is
written and documented once.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import constructors, functional, losses, ops_math, ops_reduce, ops_shape
from .tensor import Tensor

METHODS = {
    ops_math: (
        "sin cos tan arcsin arccos arctan sinh cosh arcsinh arctanh asin acos atan asinh atanh "
        "log2 log10 log1p exp2 expm1 erf square reciprocal rsqrt sign floor ceil round trunc "
        "mod remainder floor_divide lerp logaddexp hypot isnan isinf isfinite isclose "
        "logical_and logical_or logical_xor logical_not clamp "
        "softplus gelu silu mish elu selu celu relu6 hardtanh hardsigmoid hardswish logsigmoid softsign softmin"
    ),
    ops_reduce: (
        "prod var std argmax argmin max_and_argmax min_and_argmin any all cumsum cumprod logcumsumexp "
        "sort argsort topk median norm amax amin"
    ),
    ops_shape: (
        "pad flip roll repeat repeat_interleave tile split array_split chunk tril triu diagonal trace "
        "swapaxes moveaxis permute unflatten take_along_axis gather take index_select scatter scatter_add "
        "index_add masked_fill masked_select nonzero argwhere unsqueeze"
    ),
}


def _bind() -> None:
    for module, names in METHODS.items():
        for name in names.split():
            if name in vars(Tensor):
                raise RuntimeError(f"Tensor.{name} is already defined")
            setattr(Tensor, name, getattr(module, name))
    Tensor.view = Tensor.reshape  # type: ignore[attr-defined]
    operators: dict[str, Any] = {
        "__mod__": ops_math.mod,
        "__rmod__": lambda self, other: ops_math.mod(other, self),
        "__floordiv__": ops_math.floor_divide,
        "__rfloordiv__": lambda self, other: ops_math.floor_divide(other, self),
        "__and__": ops_math.logical_and,
        "__rand__": lambda self, other: ops_math.logical_and(other, self),
        "__or__": ops_math.logical_or,
        "__ror__": lambda self, other: ops_math.logical_or(other, self),
        "__xor__": ops_math.logical_xor,
        "__rxor__": lambda self, other: ops_math.logical_xor(other, self),
        "__invert__": ops_math.logical_not,
    }
    for name, fn in operators.items():
        setattr(Tensor, name, fn)
    # np.sin(t), np.hypot(a, t)... dispatch to these ops (Tensor.__array_ufunc__ reads this table)
    ufuncs = (
        "sin cos tan arcsin arccos arctan sinh cosh arcsinh arctanh log2 log10 log1p exp2 expm1 sign floor "
        "ceil trunc logaddexp hypot isnan isinf isfinite less less_equal greater greater_equal equal "
        "not_equal logical_and logical_or logical_xor logical_not floor_divide"
    )
    for name in ufuncs.split():
        functional._UFUNCS.setdefault(getattr(np, name), getattr(ops_math, name))
    functional._UFUNCS.setdefault(np.remainder, ops_math.mod)
    functional._UFUNCS.setdefault(np.square, ops_math.square)
    functional._UFUNCS.setdefault(np.reciprocal, ops_math.reciprocal)


_bind()
_ = (constructors, losses)
