"""Shape, movement and indexing ops, and einsum.

Almost everything here is a view or a gather, so it is composed from the primitives
``getitem`` (whose VJP adds the gradient back at the index, accumulating repeated indices),
``scatter`` (its transpose), ``reshape``, ``transpose`` and ``broadcast_to``: ``flip`` is a
reversed slice, ``roll`` and ``pad(mode="reflect")`` gather with an index array,
``take_along_axis`` gathers with broadcast index grids, ``scatter_add`` is ``x + scatter(src)``.
``einsum`` is the one new primitive: NumPy's einsum forward, and each input's VJP another einsum
(placed on the diagonal when the input repeats an index, broadcast over an index that only it
sums).

Integer results (``nonzero``, ``argwhere``, ``one_hot``) are constant tensors.
"""

from __future__ import annotations

import itertools
import operator
import string
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import _xp
from ._xp import namespace
from .errors import ArgumentError, BackendError, DTypeError, ShapeError, TensorIndexError
from .functional import (
    SCATTER,
    _broadcast,
    _one_axis,
    _pair,
    _reshape,
    _tensor_list,
    as_tensor,
    broadcast_to,
    concatenate,
    expand_dims,
    getitem,
    reshape,
    sum,
    tensor_method,
    transpose,
    where,
)
from .ops import Domain, defop, two_way
from .tensor import ArrayLike, Tensor, constant

__all__ = [
    "pad", "flip", "roll", "repeat", "repeat_interleave", "tile", "split", "array_split", "chunk",
    "tril", "triu", "diagonal", "trace", "swapaxes", "moveaxis", "permute", "unflatten", "meshgrid",
    "einsum", "take_along_axis", "gather", "take", "index_select", "scatter", "scatter_add", "index_add",
    "masked_fill", "masked_select", "nonzero", "argwhere", "one_hot", "embedding",
    "cat", "view", "unsqueeze",
]  # fmt: skip

_SLICE_ALL = slice(None)


# --------------------------------------------------------------------------- argument checks
def _int(value: Any, name: str, what: str) -> int:
    if isinstance(value, bool):
        raise ArgumentError(f"{name}: {what} must be an int, got {value!r}")
    try:
        return operator.index(value)
    except TypeError:
        raise ArgumentError(f"{name}: {what} must be an int, got {value!r}") from None


def _axes(axis: Any, ndim: int, name: str) -> tuple[int, ...]:
    """One axis or several, normalised, in the order given (duplicates refused)."""
    items = axis if isinstance(axis, (tuple, list)) else (axis,)
    out = tuple(_one_axis(a, ndim, name) for a in items)
    if len(set(out)) != len(out):
        raise ArgumentError(f"{name}: repeated axis in {axis!r}")
    return out


def _index_array(index: ArrayLike, name: str, what: str = "index") -> np.ndarray:
    arr = index._data if isinstance(index, Tensor) else index
    if _xp.is_array(arr) and not isinstance(arr, np.ndarray):
        raise BackendError(
            f"{name}: {what} as {_xp.library(arr)} are not supported: gathers and scatters by index run on NumPy "
            "arrays; move the tensors with .to('numpy')"
        )
    arr = np.asarray(arr)
    if arr.dtype.kind not in "iu":
        raise TensorIndexError(f"{name}: {what} must be integers, got dtype {arr.dtype} {arr.shape}")
    return arr


def numpy_data(x: Tensor, name: str, why: str = "it gathers by an index array") -> Tensor:
    """``x`` if it holds a NumPy array, else a BackendError: ``name`` runs on NumPy arrays only, ``why``."""
    _xp.require_numpy([x._data], why, name)
    return x


def _check_range(index: np.ndarray, n: int, name: str, where: str, negative: bool = False) -> np.ndarray:
    """Indices in range for an axis of length ``n`` (``[-n, n)`` with ``negative``), made non-negative."""
    low = -n if negative else 0
    if index.size and (index.min() < low or index.max() >= n):
        raise TensorIndexError(
            f"{name}: index out of range for {where} of length {n}: values in [{index.min()}, {index.max()}]"
        )
    return index % n if negative and n else index


def _along(axis: int, index: Any) -> tuple[Any, ...]:
    """An index that applies ``index`` along ``axis`` and takes everything elsewhere."""
    return (_SLICE_ALL,) * axis + (index,)


# --------------------------------------------------------------------------- movement
@tensor_method
def flip(x: ArrayLike, axis: int | Sequence[int] | None = None) -> Tensor:
    """Reverse the order of elements along ``axis`` (all axes when None).

    >>> flip(Tensor([[1.0, 2.0], [3.0, 4.0]]), axis=1)
    Tensor([[2., 1.],
            [4., 3.]], shape=(2, 2), dtype=float64)
    """
    x = as_tensor(x)
    axes = tuple(range(x.ndim)) if axis is None else _axes(axis, x.ndim, "flip")
    index = tuple(slice(None, None, -1) if d in axes else _SLICE_ALL for d in range(x.ndim))
    return getitem(x, index)


@tensor_method
def roll(x: ArrayLike, shift: int | Sequence[int], axis: int | Sequence[int] | None = None) -> Tensor:
    """Shift elements along ``axis`` cyclically (NumPy's ``roll``; the flattened tensor when None).

    >>> roll(Tensor([1.0, 2.0, 3.0]), 1)
    Tensor([3., 1., 2.], shape=(3,), dtype=float64)
    """
    x = as_tensor(x)
    if axis is None:
        return reshape(roll(reshape(x, (-1,)), _int(shift, "roll", "shift"), 0), x.shape)
    axes = _axes(axis, x.ndim, "roll")
    shifts = shift if isinstance(shift, (tuple, list)) else (shift,) * len(axes)
    if len(shifts) != len(axes):
        raise ArgumentError(f"roll: {len(shifts)} shifts for {len(axes)} axes")
    for s, a in zip(shifts, axes):
        n = x.shape[a]
        s = _int(s, "roll", "shift")
        if n and s % n:
            x = getitem(x, _along(a, (np.arange(n) - s) % n))
    return x


@tensor_method
def pad(
    x: ArrayLike,
    pad_width: int | Sequence[int] | Sequence[Sequence[int]],
    mode: str = "constant",
    constant_values: float = 0,
) -> Tensor:
    """Pad with NumPy's ``pad`` conventions: ``pad_width`` is per axis ``(before, after)``.

    Modes: ``"constant"`` (``constant_values``), ``"edge"``, ``"reflect"``, ``"symmetric"`` and
    ``"wrap"``. Padding by reflection gathers the reflected elements, so their gradients add up.

    >>> pad(Tensor([1.0, 2.0, 3.0]), (2, 1), mode="reflect")
    Tensor([3., 2., 1., 2., 3., 2.], shape=(6,), dtype=float64)
    """
    x = numpy_data(as_tensor(x), "pad", "it builds NumPy blocks and index grids")
    try:
        widths = np.broadcast_to(np.asarray(pad_width), (x.ndim, 2))
    except ValueError:
        raise ShapeError(f"pad: pad_width {pad_width!r} does not fit a tensor of shape {x.shape}") from None
    if widths.dtype.kind not in "iu":
        raise ArgumentError(f"pad: pad_width must be ints, got {pad_width!r}")
    if widths.size and widths.min() < 0:
        raise ArgumentError(f"pad: pad_width cannot be negative, got {pad_width!r}")
    widths = [(int(b), int(a)) for b, a in widths]
    if mode == "constant":
        shape = tuple(n + b + a for n, (b, a) in zip(x.shape, widths))
        inside = tuple(slice(b, b + n) for n, (b, a) in zip(x.shape, widths))
        fill = np.full(shape, constant_values, dtype=x.dtype if x.dtype.kind == "f" else np.float64)
        fill[inside] = 0
        return SCATTER(x, index=inside, shape=shape) + constant(fill)
    if mode not in ("edge", "reflect", "symmetric", "wrap"):
        raise ArgumentError(f"pad: mode must be 'constant', 'edge', 'reflect', 'symmetric' or 'wrap', got {mode!r}")
    grids = []
    for d, (n, (b, a)) in enumerate(zip(x.shape, widths)):
        if n == 0 and b + a:
            raise ShapeError(f"pad: cannot pad axis {d} of length 0 in shape {x.shape} with mode {mode!r}")
        grids.append(np.pad(np.arange(n), (b, a), mode=mode))  # type: ignore[call-overload]
    if not grids:
        return getitem(x, ())
    return getitem(x, np.ix_(*grids))


@tensor_method
def repeat(x: ArrayLike, repeats: int | Sequence[int], axis: int | None = None) -> Tensor:
    """Repeat each element ``repeats`` times along ``axis`` (NumPy's ``repeat``; flattened when None).

    PyTorch calls this ``repeat_interleave``; PyTorch's ``Tensor.repeat`` is :func:`tile`.

    >>> repeat(Tensor([1.0, 2.0]), 2)
    Tensor([1., 1., 2., 2.], shape=(4,), dtype=float64)
    """
    x = as_tensor(x)
    if axis is None:
        x, axis = reshape(x, (-1,)), 0
    a = _one_axis(axis, x.ndim, "repeat")
    reps = _index_array(repeats, "repeat", "repeats")
    if reps.size and reps.min() < 0:
        raise ArgumentError(f"repeat: repeats cannot be negative, got {repeats!r}")
    try:
        index = np.repeat(np.arange(x.shape[a]), reps)
    except ValueError:
        raise ShapeError(f"repeat: {reps.size} repeats do not fit axis {a} of length {x.shape[a]}") from None
    return getitem(x, _along(a, index))


@tensor_method
def tile(x: ArrayLike, reps: int | Sequence[int]) -> Tensor:
    """Repeat the whole tensor ``reps`` times along each axis (NumPy's ``tile``, PyTorch's ``repeat``).

    >>> tile(Tensor([1.0, 2.0]), 2)
    Tensor([1., 2., 1., 2.], shape=(4,), dtype=float64)
    """
    x = as_tensor(x)
    r = tuple(_int(v, "tile", "reps") for v in (reps if isinstance(reps, (tuple, list)) else (reps,)))
    if any(v < 0 for v in r):
        raise ArgumentError(f"tile: reps cannot be negative, got {reps!r}")
    n = max(len(r), x.ndim)
    r = (1,) * (n - len(r)) + r
    shape = (1,) * (n - x.ndim) + x.shape
    spread = reshape(x, tuple(v for s in shape for v in (1, s)))
    spread = broadcast_to(spread, tuple(v for k, s in zip(r, shape) for v in (k, s)))
    return reshape(spread, tuple(k * s for k, s in zip(r, shape)))


def _pieces(x: Tensor, bounds: list[int], axis: int) -> list[Tensor]:
    edges = [0, *bounds, x.shape[axis]]
    return [getitem(x, _along(axis, slice(lo, max(lo, hi)))) for lo, hi in itertools.pairwise(edges)]


@tensor_method
def split(x: ArrayLike, indices_or_sections: int | Sequence[int], axis: int = 0) -> list[Tensor]:
    """Split into equal sections (an int that divides the axis) or at the given indices (NumPy's ``split``).

    >>> [t.shape for t in split(Tensor.zeros(6, 2), 3)]
    [(2, 2), (2, 2), (2, 2)]
    >>> [t.shape for t in split(Tensor.zeros(6, 2), [1, 4])]
    [(1, 2), (3, 2), (2, 2)]
    """
    x = as_tensor(x)
    a = _one_axis(axis, x.ndim, "split")
    n = x.shape[a]
    if isinstance(indices_or_sections, (tuple, list, np.ndarray)):
        return _pieces(x, [_int(i, "split", "index") for i in indices_or_sections], a)
    k = _int(indices_or_sections, "split", "sections")
    if k <= 0 or n % k:
        raise ShapeError(f"split: axis {a} of length {n} (shape {x.shape}) does not split into {k} equal sections")
    return _pieces(x, [i * (n // k) for i in range(1, k)], a)


@tensor_method
def array_split(x: ArrayLike, sections: int, axis: int = 0) -> list[Tensor]:
    """Split into ``sections`` nearly equal parts; the first ``n % sections`` are one longer (NumPy's).

    >>> [t.shape for t in array_split(Tensor.zeros(5), 3)]
    [(2,), (2,), (1,)]
    """
    x = as_tensor(x)
    a = _one_axis(axis, x.ndim, "array_split")
    k = _int(sections, "array_split", "sections")
    if k <= 0:
        raise ArgumentError(f"array_split: sections must be positive, got {sections!r}")
    q, r = divmod(x.shape[a], k)
    sizes = [q + 1] * r + [q] * (k - r)
    return _pieces(x, list(np.cumsum(sizes)[:-1]), a)


@tensor_method
def chunk(x: ArrayLike, chunks: int, axis: int = 0) -> list[Tensor]:
    """PyTorch's ``chunk``: pieces of ``ceil(n / chunks)`` along ``axis``, the last one smaller.

    >>> [t.shape for t in chunk(Tensor.zeros(5), 3)]
    [(2,), (2,), (1,)]
    """
    x = as_tensor(x)
    a = _one_axis(axis, x.ndim, "chunk")
    k = _int(chunks, "chunk", "chunks")
    if k <= 0:
        raise ArgumentError(f"chunk: chunks must be positive, got {chunks!r}")
    n = x.shape[a]
    size = max(1, -(-n // k))
    return _pieces(x, list(range(size, n, size)), a)


def _triangle(x: ArrayLike, k: int, name: str, lower: bool) -> Tensor:
    x = as_tensor(x)
    if x.ndim < 2:
        raise ShapeError(f"{name}: needs at least 2 dimensions, got shape {x.shape}")
    k = _int(k, name, "k")
    rows, cols = x.shape[-2:]
    keep = np.tri(rows, cols, k, dtype=bool) if lower else ~np.tri(rows, cols, k - 1, dtype=bool)
    return where(keep, x, 0.0 if x.dtype.kind == "f" else 0)


@tensor_method
def tril(x: ArrayLike, k: int = 0) -> Tensor:
    """The lower triangle of the last two axes (elements above diagonal ``k`` set to 0).

    >>> tril(Tensor([[1.0, 2.0], [3.0, 4.0]]))
    Tensor([[1., 0.],
            [3., 4.]], shape=(2, 2), dtype=float64)
    """
    return _triangle(x, k, "tril", lower=True)


@tensor_method
def triu(x: ArrayLike, k: int = 0) -> Tensor:
    """The upper triangle of the last two axes (elements below diagonal ``k`` set to 0).

    >>> triu(Tensor([[1.0, 2.0], [3.0, 4.0]]))
    Tensor([[1., 2.],
            [0., 4.]], shape=(2, 2), dtype=float64)
    """
    return _triangle(x, k, "triu", lower=False)


@tensor_method
def diagonal(x: ArrayLike, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
    """The diagonal of the ``(axis1, axis2)`` planes, as a last axis (NumPy's ``diagonal``).

    >>> diagonal(Tensor([[1.0, 2.0], [3.0, 4.0]]))
    Tensor([1., 4.], shape=(2,), dtype=float64)
    """
    x = as_tensor(x)
    if x.ndim < 2:
        raise ShapeError(f"diagonal: needs at least 2 dimensions, got shape {x.shape}")
    a1, a2 = _one_axis(axis1, x.ndim, "diagonal"), _one_axis(axis2, x.ndim, "diagonal")
    if a1 == a2:
        raise ArgumentError(f"diagonal: axis1 and axis2 must differ, got {axis1} and {axis2}")
    offset = _int(offset, "diagonal", "offset")
    rest = [d for d in range(x.ndim) if d not in (a1, a2)]
    moved = transpose(x, (*rest, a1, a2))
    n1, n2 = x.shape[a1], x.shape[a2]
    length = max(0, min(n1, n2 - offset) if offset >= 0 else min(n1 + offset, n2))
    i = np.arange(length) + max(0, -offset)
    return getitem(moved, (Ellipsis, i, i + offset))


@tensor_method
def trace(x: ArrayLike, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
    """The sum of the diagonal (NumPy's ``trace``).

    >>> trace(Tensor([[1.0, 2.0], [3.0, 4.0]]))
    Tensor(5., shape=(), dtype=float64)
    """
    return sum(diagonal(x, offset, axis1, axis2), axis=-1)


@tensor_method
def swapaxes(x: ArrayLike, axis1: int, axis2: int) -> Tensor:
    """Exchange two axes. PyTorch: ``transpose(dim0, dim1)``.

    >>> swapaxes(Tensor.zeros(2, 3, 4), 0, 2).shape
    (4, 3, 2)
    """
    x = as_tensor(x)
    a1, a2 = _one_axis(axis1, x.ndim, "swapaxes"), _one_axis(axis2, x.ndim, "swapaxes")
    perm = list(range(x.ndim))
    perm[a1], perm[a2] = perm[a2], perm[a1]
    return transpose(x, perm)


@tensor_method
def moveaxis(x: ArrayLike, source: int | Sequence[int], destination: int | Sequence[int]) -> Tensor:
    """Move axes to new positions, the others keeping their order (NumPy's ``moveaxis``).

    >>> moveaxis(Tensor.zeros(2, 3, 4), 0, -1).shape
    (3, 4, 2)
    """
    x = as_tensor(x)
    src, dst = _axes(source, x.ndim, "moveaxis"), _axes(destination, x.ndim, "moveaxis")
    if len(src) != len(dst):
        raise ArgumentError(f"moveaxis: {len(src)} source axes but {len(dst)} destinations")
    order = [d for d in range(x.ndim) if d not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return transpose(x, order)


@tensor_method
def permute(x: ArrayLike, *dims: Any) -> Tensor:
    """PyTorch's ``permute``: :func:`~tinygrad_ng.functional.transpose` with the axes as arguments.

    >>> permute(Tensor.zeros(2, 3, 4), 2, 0, 1).shape
    (4, 2, 3)
    """
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = tuple(dims[0])
    return transpose(x, dims)


@tensor_method
def unflatten(x: ArrayLike, axis: int, sizes: Sequence[int]) -> Tensor:
    """Split axis ``axis`` into several of ``sizes`` (one may be -1).

    >>> unflatten(Tensor.zeros(2, 6), 1, (2, 3)).shape
    (2, 2, 3)
    """
    x = as_tensor(x)
    a = _one_axis(axis, x.ndim, "unflatten")
    sizes = tuple(_int(s, "unflatten", "sizes") for s in sizes)
    known = int(np.prod([s for s in sizes if s != -1]))
    if sizes.count(-1) > 1 or any(s < -1 for s in sizes):
        raise ArgumentError(f"unflatten: sizes {sizes} may hold one -1 and no other negative")
    if (sizes.count(-1) == 0 and known != x.shape[a]) or (known and x.shape[a] % known) or (not known and x.shape[a]):
        raise ShapeError(f"unflatten: sizes {sizes} do not fit axis {a} of length {x.shape[a]} (shape {x.shape})")
    return reshape(x, x.shape[:a] + sizes + x.shape[a + 1 :])


def meshgrid(*xs: ArrayLike, indexing: str = "xy") -> list[Tensor]:
    """Coordinate grids from 1-D tensors (NumPy's ``meshgrid``; ``indexing="ij"`` for matrix order).

    >>> X, Y = meshgrid(Tensor([1.0, 2.0, 3.0]), Tensor([4.0, 5.0]))
    >>> X.shape, Y.shape
    ((2, 3), (2, 3))
    """
    if indexing not in ("xy", "ij"):
        raise ArgumentError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
    ts = [as_tensor(x) for x in xs]
    for t in ts:
        if t.ndim != 1:
            raise ShapeError(f"meshgrid: inputs must be 1-D, got shape {t.shape}")
    shape = [t.shape[0] for t in ts]
    pos = list(range(len(ts)))
    if indexing == "xy" and len(ts) >= 2:
        shape[0], shape[1] = shape[1], shape[0]
        pos[0], pos[1] = 1, 0
    out = []
    for t, p in zip(ts, pos):
        view_shape = [1] * len(ts)
        view_shape[p] = t.shape[0]
        out.append(broadcast_to(reshape(t, tuple(view_shape)), tuple(shape)))
    return out


# --------------------------------------------------------------------------- einsum
def _einsum_terms(subscripts: str) -> tuple[list[str], str]:
    inputs, output = subscripts.split("->")
    return inputs.split(","), output


def _einsum_vjp(i: int, g: Any, out: Any, *xs: Any, subscripts: str) -> Any:
    terms, out_term = _einsum_terms(subscripts)
    term = terms[i]
    sizes = dict(zip(term, xs[i].shape))
    unique = "".join(dict.fromkeys(term))
    others = [j for j in range(len(xs)) if j != i]
    reachable = set(out_term).union(*(terms[j] for j in others))
    target = "".join(c for c in unique if c in reachable)
    spec = ",".join([out_term, *(terms[j] for j in others)]) + "->" + target
    grad = run_einsum(spec, g, *(xs[j] for j in others))
    if target != unique:  # indices only this input sums over: its gradient is constant along them
        grad = _reshape(grad, tuple(sizes[c] if c in target else 1 for c in unique))
        grad = _broadcast(grad, tuple(sizes[c] for c in unique))
    if unique == term:
        return grad
    # A repeated index (a diagonal, as in "ii->i"): the gradient lives on that diagonal only.
    grids = []
    for c in term:
        view = [1] * len(unique)
        view[unique.index(c)] = sizes[c]
        grids.append(np.arange(sizes[c]).reshape(view))
    return two_way(SCATTER, grad, index=tuple(grids), shape=xs[i].shape)


# NumPy's einsum forward; each input's VJP is another einsum (see _einsum_vjp).
EINSUM = defop(
    "einsum",
    lambda *xs, subscripts: (
        np.einsum(subscripts, *xs, optimize=len(xs) > 2)
        if type(xs[0]) is np.ndarray
        else _xp.function(namespace(*xs), "einsum")(subscripts, *xs)  # not in the array API standard
    ),
    _einsum_vjp,
    rule="dx_i = einsum(g and the other inputs -> x_i's indices)",
    domain=Domain("einsum"),
)


def run_einsum(subscripts: str, *xs: Any) -> Any:
    """``np.einsum`` on arrays, the einsum op on tensors (for VJP rules that contract).

    >>> run_einsum("ij,j->i", np.eye(2), np.ones(2))
    array([1., 1.])
    """
    if any(isinstance(x, Tensor) for x in xs):
        return EINSUM(*[x if isinstance(x, Tensor) else constant(_xp.as_array(x)) for x in xs], subscripts=subscripts)
    return EINSUM.forward(*xs, subscripts=subscripts)


def _normalize_einsum(subscripts: str, shapes: list[tuple[int, ...]]) -> tuple[str, dict[str, int]]:
    """Explicit subscripts with '...' spelled out as letters, and the size of each index."""
    if not isinstance(subscripts, str):
        raise ArgumentError(f"einsum: subscripts must be a string, got {subscripts!r}")
    spec = subscripts.replace(" ", "")
    inputs, arrow, output = spec.partition("->")
    terms = inputs.split(",")
    if len(terms) != len(shapes):
        raise ArgumentError(f"einsum: subscripts {subscripts!r} name {len(terms)} operands, got {len(shapes)}")
    used = set(spec) - {".", ",", "-", ">"}
    bad = [c for c in used if c not in string.ascii_letters]
    if bad:
        raise ArgumentError(f"einsum: subscripts {subscripts!r} may hold only letters, '...', ',' and '->'")
    spare = [c for c in string.ascii_letters if c not in used]
    n_ell = 0
    for t, shape in zip(terms, shapes):
        if "..." in t:
            n_ell = max(n_ell, len(shape) - len(t.replace("...", "")))
    ell = "".join(spare[:n_ell])
    explicit, sizes = [], {}
    for t, shape in zip(terms, shapes):
        if t.count("...") > 1 or "." in t.replace("...", ""):
            raise ArgumentError(f"einsum: malformed term {t!r} in {subscripts!r}")
        letters = t.replace("...", "")
        k = len(shape) - len(letters)
        if ("..." in t and k < 0) or ("..." not in t and k != 0):
            raise ShapeError(f"einsum: term {t!r} does not fit an operand of shape {shape} in {subscripts!r}")
        t = t.replace("...", ell[n_ell - k :] if k else "")
        for c, n in zip(t, shape):
            if c in sizes and sizes[c] != n and not (c in ell and 1 in (n, sizes[c])):
                raise ShapeError(
                    f"einsum: index {c!r} has sizes {sizes[c]} and {n} in {subscripts!r} (shapes {shapes})"
                )
            sizes[c] = n if c not in sizes or sizes[c] == 1 else sizes[c]
        explicit.append(t)
    if arrow:
        if output.count("...") > 1 or "." in output.replace("...", ""):
            raise ArgumentError(f"einsum: malformed output {output!r} in {subscripts!r}")
        out = output.replace("...", ell)
        missing = [c for c in out if c not in sizes]
        if missing or len(set(out)) != len(out):
            raise ArgumentError(f"einsum: output {output!r} repeats an index or names one no input has")
    else:
        counts = "".join(explicit)
        out = ell + "".join(sorted(c for c in set(counts) if counts.count(c) == 1 and c not in ell))
    return ",".join(explicit) + "->" + out, sizes


def _cast(t: Tensor, dtype: np.dtype) -> Tensor:
    return t.astype(dtype) if t.requires_grad else constant(t._data.astype(dtype))


def einsum(subscripts: str, *operands: ArrayLike) -> Tensor:
    """Einstein summation, with any subscripts NumPy's ``einsum`` accepts (``...`` and implicit output too).

    Repeated indices in one input take its diagonal (``"ii->i"``, ``"ii->"``); an index absent
    from the output is summed. The gradient of each input is another einsum, placed back on the
    diagonal for repeated indices.

    >>> A = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> einsum("ii->", A).backward()  # the trace
    >>> A.grad
    array([[1., 0.],
           [0., 1.]])
    """
    ts = _tensor_list(operands, "einsum")
    if not ts:
        raise ArgumentError("einsum: needs at least one operand")
    floats = [t.dtype for t in ts if t.dtype.kind == "f"]
    if floats:
        target = np.result_type(*floats)
        ts = [
            t if t.dtype == target else (t.astype(target) if t.requires_grad else constant(t._data.astype(target)))
            for t in ts
        ]
    spec, sizes = _normalize_einsum(subscripts, [t.shape for t in ts])
    terms, _ = _einsum_terms(spec)
    for j, (t, term) in enumerate(zip(ts, terms)):  # broadcast length-1 '...' axes explicitly
        full = tuple(sizes[c] for c in term)
        if full != t.shape:
            ts[j] = broadcast_to(t, full)
    return EINSUM(*ts, subscripts=spec)


# --------------------------------------------------------------------------- indexing
def _grids(shape: tuple[int, ...], axis: int, index: np.ndarray) -> tuple[np.ndarray, ...]:
    """The advanced index that takes ``index`` along ``axis`` and position ``d`` along every other axis."""
    grids: list[np.ndarray] = []
    for d, n in enumerate(shape):
        if d == axis:
            grids.append(index)
        else:
            view = [1] * len(shape)
            view[d] = n
            grids.append(np.arange(n).reshape(view))
    return tuple(grids)


@tensor_method
def take_along_axis(x: ArrayLike, indices: ArrayLike, axis: int | None) -> Tensor:
    """Pick ``x[..., indices[..., j, ...], ...]`` along ``axis`` (NumPy's ``take_along_axis``).

    ``indices`` has ``x``'s number of dimensions and broadcasts against it on the other axes.
    The gradient is added back at the picked places, so repeated indices accumulate.

    >>> x = Tensor([[10.0, 30.0, 20.0]], requires_grad=True)
    >>> take_along_axis(x, np.array([[1, 1]]), axis=1).sum().backward()
    >>> x.grad
    array([[0., 2., 0.]])
    """
    x = as_tensor(x)
    idx = _index_array(indices, "take_along_axis", "indices")
    if axis is None:
        x, a = reshape(x, (-1,)), 0
    else:
        a = _one_axis(axis, x.ndim, "take_along_axis")
    if idx.ndim != x.ndim:
        raise ShapeError(f"take_along_axis: indices of shape {idx.shape} need {x.ndim} dimensions like x {x.shape}")
    try:
        np.broadcast_shapes(tuple(1 if d == a else n for d, n in enumerate(x.shape)), idx.shape)
    except ValueError:
        raise ShapeError(
            f"take_along_axis: indices {idx.shape} do not broadcast against x {x.shape} off axis {a}"
        ) from None
    idx = _check_range(idx, x.shape[a], "take_along_axis", f"axis {a}", negative=True)
    return getitem(x, _grids(x.shape, a, idx))


@tensor_method
def gather(x: ArrayLike, axis: int, index: ArrayLike) -> Tensor:
    """PyTorch's ``gather``: ``out[i][j] = x[index[i][j]][j]`` for ``axis=0``; the result has index's shape.

    ``index`` has ``x``'s number of dimensions, and is no longer than ``x`` on the other axes.

    >>> gather(Tensor([[1.0, 2.0], [3.0, 4.0]]), 1, np.array([[0, 0], [1, 0]]))
    Tensor([[1., 1.],
            [4., 3.]], shape=(2, 2), dtype=float64)
    """
    x = as_tensor(x)
    a = _one_axis(axis, x.ndim, "gather")
    idx = _index_array(index, "gather")
    _check_fits(idx, x.shape, a, "gather")
    idx = _check_range(idx, x.shape[a], "gather", f"axis {a} of x {x.shape}")
    return getitem(x, _grids(idx.shape, a, idx))


def _check_fits(idx: np.ndarray, shape: tuple[int, ...], axis: int, name: str, what: str = "x") -> None:
    if idx.ndim != len(shape) or any(m > n for d, (m, n) in enumerate(zip(idx.shape, shape)) if d != axis):
        raise ShapeError(
            f"{name}: index of shape {idx.shape} must have {what}'s {len(shape)} dimensions and be no longer "
            f"than {what} {shape} on every axis but {axis}"
        )


@tensor_method
def take(x: ArrayLike, indices: ArrayLike, axis: int | None = None) -> Tensor:
    """Elements at ``indices`` along ``axis`` (NumPy's ``take``; of the flattened tensor when None).

    >>> take(Tensor([[1.0, 2.0], [3.0, 4.0]]), [1, 1, 0], axis=0).shape
    (3, 2)
    """
    x = as_tensor(x)
    idx = _index_array(indices, "take", "indices")
    if axis is None:
        x, a = reshape(x, (-1,)), 0
    else:
        a = _one_axis(axis, x.ndim, "take")
    idx = _check_range(idx, x.shape[a], "take", f"axis {a}", negative=True)
    return getitem(x, _along(a, idx))


@tensor_method
def index_select(x: ArrayLike, axis: int, index: ArrayLike) -> Tensor:
    """PyTorch's ``index_select``: the entries ``index`` (1-D) along ``axis``.

    >>> index_select(Tensor([[1.0, 2.0], [3.0, 4.0]]), 1, [1])
    Tensor([[2.],
            [4.]], shape=(2, 1), dtype=float64)
    """
    if _index_array(index, "index_select").ndim != 1:
        raise ShapeError("index_select: index must be 1-D")
    return take(x, index, axis)


def _src_block(src: Tensor, shape: tuple[int, ...], name: str) -> Tensor:
    """The leading ``shape`` block of ``src`` (PyTorch's scatter reads only that much of it)."""
    if src.ndim != len(shape) or any(m < n for m, n in zip(src.shape, shape)):
        raise ShapeError(f"{name}: src of shape {src.shape} must be at least as large as index {shape} on every axis")
    if src.shape == shape:
        return src
    return getitem(src, tuple(slice(0, n) for n in shape))


@tensor_method
def scatter_add(x: ArrayLike, axis: int, index: ArrayLike, src: ArrayLike) -> Tensor:
    """PyTorch's ``scatter_add``: ``out = x`` with ``src[i][j]`` added at ``out[index[i][j]][j]`` (``axis=0``).

    Repeated indices accumulate. The gradient is ``g`` for ``x`` and ``g`` gathered at ``index`` for ``src``.

    >>> scatter_add(Tensor.zeros(3), 0, np.array([0, 2, 0]), Tensor([1.0, 2.0, 3.0]))
    Tensor([4., 0., 2.], shape=(3,), dtype=float64)
    """
    x, s = _pair(x, src)
    a = _one_axis(axis, x.ndim, "scatter_add")
    idx = _index_array(index, "scatter_add")
    _check_fits(idx, x.shape, a, "scatter_add")
    idx = _check_range(idx, x.shape[a], "scatter_add", f"axis {a} of x {x.shape}")
    s = _src_block(s, idx.shape, "scatter_add")
    return x + SCATTER(s, index=_grids(idx.shape, a, idx), shape=x.shape)


@tensor_method
def scatter(x: ArrayLike, axis: int, index: ArrayLike, src: ArrayLike) -> Tensor:
    """PyTorch's ``scatter``: ``out = x`` with ``out[index[i][j]][j] = src[i][j]`` (``axis=0``).

    ``src`` may be a number. Where an index repeats, the last write (in C order) wins and only it
    receives a gradient; the places written receive no gradient from ``x``.

    >>> scatter(Tensor.zeros(3), 0, np.array([2, 0]), Tensor([5.0, 6.0]))
    Tensor([6., 0., 5.], shape=(3,), dtype=float64)
    """
    x = as_tensor(x)
    a = _one_axis(axis, x.ndim, "scatter")
    idx = _index_array(index, "scatter")
    _check_fits(idx, x.shape, a, "scatter")
    idx = _check_range(idx, x.shape[a], "scatter", f"axis {a} of x {x.shape}")
    if isinstance(src, (int, float, np.number)):
        src = np.full(idx.shape, src)
    x, s = _pair(x, src)
    s = _src_block(s, idx.shape, "scatter")
    grids = _grids(idx.shape, a, idx)
    target = np.ravel_multi_index(np.broadcast_arrays(*grids), x.shape).ravel()
    last = np.zeros(target.size, dtype=bool)
    _, first_from_end = np.unique(target[::-1], return_index=True)
    last[target.size - 1 - first_from_end] = True
    written = np.zeros(x.shape, dtype=bool)
    written[grids] = True
    kept = where(written, 0.0, x)
    return kept + SCATTER(where(last.reshape(idx.shape), s, 0.0), index=grids, shape=x.shape)


@tensor_method
def index_add(x: ArrayLike, axis: int, index: ArrayLike, source: ArrayLike, alpha: float = 1.0) -> Tensor:
    """PyTorch's ``index_add``: ``out = x`` with ``alpha * source[..., i, ...]`` added at ``index[i]`` along ``axis``.

    Repeated indices accumulate.

    >>> index_add(Tensor.zeros(3, 1), 0, [0, 0], Tensor([[1.0], [2.0]]))
    Tensor([[3.],
            [0.],
            [0.]], shape=(3, 1), dtype=float64)
    """
    x, s = _pair(x, source)
    a = _one_axis(axis, x.ndim, "index_add")
    idx = _index_array(index, "index_add")
    if idx.ndim != 1:
        raise ShapeError(f"index_add: index must be 1-D, got shape {idx.shape}")
    idx = _check_range(idx, x.shape[a], "index_add", f"axis {a} of x {x.shape}")
    expected = x.shape[:a] + (idx.size,) + x.shape[a + 1 :]
    if s.shape != expected:
        raise ShapeError(
            f"index_add: source of shape {s.shape} must have shape {expected} (x {x.shape}, {idx.size} indices)"
        )
    return x + SCATTER(s * alpha, index=_along(a, idx), shape=x.shape)


def _mask(mask: ArrayLike, name: str) -> np.ndarray:
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise DTypeError(f"{name}: mask must be boolean, got dtype {m.dtype} {m.shape}")
    return m


@tensor_method
def masked_fill(x: ArrayLike, mask: ArrayLike, value: float) -> Tensor:
    """``x`` with ``value`` where ``mask`` (which broadcasts to x's shape) is true.

    >>> masked_fill(Tensor([1.0, 2.0]), np.array([True, False]), -1.0)
    Tensor([-1.,  2.], shape=(2,), dtype=float64)
    """
    x = as_tensor(x)
    m = _mask(mask, "masked_fill")
    if not _broadcasts(m.shape, x.shape) or np.broadcast_shapes(m.shape, x.shape) != x.shape:
        raise ShapeError(f"masked_fill: mask of shape {m.shape} does not broadcast to x {x.shape}")
    return where(m, value, x)


def _broadcasts(*shapes: tuple[int, ...]) -> bool:
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        return False
    return True


@tensor_method
def masked_select(x: ArrayLike, mask: ArrayLike) -> Tensor:
    """The elements of ``x`` where ``mask`` is true, as a 1-D tensor (both broadcast first).

    >>> masked_select(Tensor([[1.0, 2.0], [3.0, 4.0]]), np.array([True, False]))
    Tensor([1., 3.], shape=(2,), dtype=float64)
    """
    x = as_tensor(x)
    m = _mask(mask, "masked_select")
    if not _broadcasts(m.shape, x.shape):
        raise ShapeError(f"masked_select: mask of shape {m.shape} does not broadcast with x {x.shape}")
    shape = np.broadcast_shapes(m.shape, x.shape)
    if x.shape != shape:
        x = broadcast_to(x, shape)
    return getitem(x, np.broadcast_to(m, shape))


@tensor_method
def nonzero(x: ArrayLike) -> tuple[Tensor, ...]:
    """The indices of the nonzero elements, one int64 tensor per axis (NumPy's ``nonzero``).

    PyTorch's ``nonzero`` (one row per element) is :func:`argwhere`.

    >>> nonzero(Tensor([[0.0, 1.0], [2.0, 0.0]]))
    (Tensor([0, 1], shape=(2,), dtype=int64), Tensor([1, 0], shape=(2,), dtype=int64))
    """
    d = numpy_data(as_tensor(x), "nonzero", "its result's size depends on the values")._data
    if d.ndim == 0:
        raise ShapeError("nonzero: needs at least 1 dimension, got a 0-d tensor")
    return tuple(constant(i.astype(np.int64)) for i in np.nonzero(d))


@tensor_method
def argwhere(x: ArrayLike) -> Tensor:
    """The indices of the nonzero elements, one row each: shape ``(count, ndim)`` (PyTorch's ``nonzero``).

    >>> argwhere(Tensor([[0.0, 1.0], [2.0, 0.0]]))
    Tensor([[0, 1],
            [1, 0]], shape=(2, 2), dtype=int64)
    """
    d = numpy_data(as_tensor(x), "argwhere", "its result's size depends on the values")._data
    return constant(np.argwhere(d).astype(np.int64))


def one_hot(labels: ArrayLike, num_classes: int = -1, dtype: Any = np.int64) -> Tensor:
    """A one-hot encoding: ``labels`` of shape ``s`` give shape ``s + (num_classes,)``.

    ``num_classes=-1`` uses ``max(labels) + 1``. The course's one-hot matrix with classes as
    rows is ``one_hot(y, C).T``.

    >>> one_hot(np.array([0, 2]), 3)
    Tensor([[1, 0, 0],
            [0, 0, 1]], shape=(2, 3), dtype=int64)
    """
    lab = _index_array(labels, "one_hot", "labels")
    c = _int(num_classes, "one_hot", "num_classes")
    if c == -1:
        c = int(lab.max()) + 1 if lab.size else 0
    if c < 0:
        raise ArgumentError(f"one_hot: num_classes must be positive or -1, got {num_classes}")
    _check_range(lab, c, "one_hot", "the classes")
    return constant(np.eye(c, dtype=dtype)[lab])


def embedding(indices: ArrayLike, weight: ArrayLike) -> Tensor:
    """Rows of ``weight`` (``(num_embeddings, dim)``) picked by integer ``indices``: shape ``indices.shape + (dim,)``.

    Repeated indices accumulate their gradients in the row.

    >>> W = Tensor([[0.0, 1.0], [2.0, 3.0]], requires_grad=True)
    >>> embedding(np.array([1, 1]), W).sum().backward()
    >>> W.grad
    array([[0., 0.],
           [2., 2.]])
    """
    w = as_tensor(weight)
    if w.ndim != 2:
        raise ShapeError(f"embedding: weight must be 2-D (num_embeddings, dim), got shape {w.shape}")
    idx = _check_range(_index_array(indices, "embedding", "indices"), w.shape[0], "embedding", "the weight's rows")
    return getitem(w, idx)


# PyTorch spellings.
repeat_interleave = repeat
cat = concatenate
view = reshape
unsqueeze = expand_dims
