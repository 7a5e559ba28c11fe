"""Bind PyTorch's spellings, the operators ``% // & | ^ ~`` and NumPy's dispatch to the family modules' ops.

The methods themselves are bound where each op is defined (``@tensor_method``); these are the
aliases and the tables that ``Tensor.__array_ufunc__`` and ``__array_function__`` read.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import functional, ops_math, ops_reduce, ops_shape
from .tensor import Tensor


def _bind() -> None:
    aliases = {
        "asin": ops_math.arcsin, "acos": ops_math.arccos, "atan": ops_math.arctan, "asinh": ops_math.arcsinh,
        "atanh": ops_math.arctanh, "remainder": ops_math.mod, "clamp": functional.clip,
        "repeat_interleave": ops_shape.repeat, "unsqueeze": functional.expand_dims, "view": Tensor.reshape,
    }  # fmt: skip
    for name, fn in aliases.items():
        setattr(Tensor, name, fn)
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
