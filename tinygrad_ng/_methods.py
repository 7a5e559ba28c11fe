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
    # (np.sign, np.floor, np.isnan... give constant tensors there already: nothing to differentiate)
    ufuncs = "sin cos tan arcsin arccos arctan sinh cosh arcsinh arctanh log2 log10 log1p exp2 expm1 logaddexp hypot"
    for name in ufuncs.split():
        functional._UFUNCS.setdefault(getattr(np, name), getattr(ops_math, name))
    functional._UFUNCS.setdefault(np.remainder, ops_math.mod)
    # np.prod(t), np.einsum(..., t), np.pad(t, ...)... record the ops (Tensor.__array_function__)
    R, S = ops_reduce, ops_shape
    numpy_functions: dict[Any, Any] = {
        np.prod: lambda a, axis=None, keepdims=False: R.prod(a, axis, keepdims),
        np.var: lambda a, axis=None, ddof=0, keepdims=False: R.var(a, axis, ddof, keepdims),
        np.std: lambda a, axis=None, ddof=0, keepdims=False: R.std(a, axis, ddof, keepdims),
        np.cumsum: lambda a, axis=None: R.cumsum(a, axis),
        np.cumprod: lambda a, axis=None: R.cumprod(a, axis),
        np.sort: lambda a, axis=-1: R.sort(a, axis),
        np.median: lambda a, axis=None, keepdims=False: R.median(a, axis, keepdims),
        np.einsum: S.einsum,
        np.pad: lambda array, pad_width, mode="constant", constant_values=0: S.pad(
            array, pad_width, mode, constant_values
        ),
        np.flip: lambda m, axis=None: S.flip(m, axis),
        np.roll: lambda a, shift, axis=None: S.roll(a, shift, axis),
        np.repeat: lambda a, repeats, axis=None: S.repeat(a, repeats, axis),
        np.tile: lambda A, reps: S.tile(A, reps),
        np.split: lambda ary, indices_or_sections, axis=0: S.split(ary, indices_or_sections, axis),
        np.array_split: lambda ary, indices_or_sections, axis=0: S.array_split(ary, indices_or_sections, axis),
        np.tril: lambda m, k=0: S.tril(m, k),
        np.triu: lambda m, k=0: S.triu(m, k),
        np.diagonal: lambda a, offset=0, axis1=0, axis2=1: S.diagonal(a, offset, axis1, axis2),
        np.trace: lambda a, offset=0, axis1=0, axis2=1: S.trace(a, offset, axis1, axis2),
        np.swapaxes: lambda a, axis1, axis2: S.swapaxes(a, axis1, axis2),
        np.moveaxis: lambda a, source, destination: S.moveaxis(a, source, destination),
        np.take_along_axis: lambda arr, indices, axis: S.take_along_axis(arr, indices, axis),
        np.take: lambda a, indices, axis=None: S.take(a, indices, axis),
        np.meshgrid: lambda *xi, indexing="xy": S.meshgrid(*xi, indexing=indexing),
    }
    for fn, op in numpy_functions.items():
        functional._FUNCTIONS.setdefault(fn, op)


_bind()
_ = (constructors, losses)
