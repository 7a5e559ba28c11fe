"""Every composite op (built from primitives) against finite differences, first and second order.

``COMPOSITES`` gives each differentiable public function of the family modules
(``ops_math``, ``ops_reduce``, ``ops_shape``, ``losses``) a test domain: a Hypothesis draw of
input arrays and of the function applied to them, with values away from the op's kinks.
Functions whose results are integers or booleans are listed in ``NOT_DIFFERENTIABLE``, and the
primitives' wrappers in ``PRIMITIVE_WRAPPERS`` (those ops are in tests/test_ops.py's ``CASES``);
a new public function in none of the three fails ``test_every_function_has_a_test_domain``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from conftest import examples
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_ng as tg
from tinygrad_ng import constructors, losses, ops_math, ops_reduce, ops_shape
from tinygrad_ng import functional as F
from tinygrad_ng.tensor import Tensor

Built = tuple[Callable[..., Any], list[np.ndarray]]


def floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def arr(data: st.DataObject, shape: tuple[int, ...], lo: float = -2, hi: float = 2) -> np.ndarray:
    return np.asarray(data.draw(hnp.arrays(np.float64, shape, elements=floats(lo, hi))))


def shape(data: st.DataObject, min_dims: int = 1, max_dims: int = 3, min_side: int = 1) -> tuple[int, ...]:
    return data.draw(hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=3))


def distinct(data: st.DataObject, s: tuple[int, ...]) -> np.ndarray:
    """Values at least 0.1 apart (no ties), in random order."""
    size = int(np.prod(s))
    perm = data.draw(st.permutations(range(size)))
    return (np.array(perm, dtype=np.float64) * 0.1 - 0.05 * size).reshape(s)


def away(
    data: st.DataObject, s: tuple[int, ...], kinks: tuple[float, ...], lo: float = -3, hi: float = 3
) -> np.ndarray:
    """Values in [lo, hi] at least 0.05 from each kink."""
    x = arr(data, s, lo, hi)
    for k in kinks:
        x = np.where(np.abs(x - k) < 0.05, k + 0.1, x)
    return x


def axis_of(data: st.DataObject, s: tuple[int, ...]) -> int:
    return data.draw(st.integers(-len(s), len(s) - 1))


def unary(fn: Callable[[Tensor], Tensor], lo: float = -3, hi: float = 3, kinks: tuple[float, ...] = ()) -> Any:
    def draw(data: st.DataObject) -> Built:
        return fn, [away(data, shape(data, min_dims=0, min_side=0), kinks, lo, hi)]

    return draw


def along(fn: Callable[..., Tensor], values: str = "any", min_side: int = 1) -> Any:
    """``fn(x, axis)`` with a random axis; values "any" or "distinct" (no ties)."""

    def draw(data: st.DataObject) -> Built:
        s = shape(data, min_side=min_side)
        x = (
            distinct(data, s)
            if values == "distinct"
            else arr(data, s, 0.2, 2)
            if values == "positive"
            else arr(data, s)
        )
        a = axis_of(data, s)
        return (lambda t: fn(t, a)), [x]

    return draw


# --------------------------------------------------------------------------- math and activations
def draw_lerp(data: st.DataObject) -> Built:
    shapes = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=2, max_side=3)).input_shapes
    return ops_math.lerp, [arr(data, s) for s in shapes]


def draw_softplus(data: st.DataObject) -> Built:
    beta, threshold = data.draw(st.sampled_from([(1.0, 20.0), (2.0, 20.0), (0.5, 1.0)]))
    x = away(data, shape(data, min_dims=0), (threshold / beta,), -4, 4)
    return (lambda t: ops_math.softplus(t, beta, threshold)), [x]


def draw_gelu(data: st.DataObject) -> Built:
    approximate = data.draw(st.sampled_from(["none", "tanh"]))
    return (lambda t: ops_math.gelu(t, approximate)), [arr(data, shape(data, min_dims=0), -3, 3)]


def draw_alpha(fn: Callable[..., Tensor]) -> Any:
    def draw(data: st.DataObject) -> Built:
        alpha = data.draw(st.sampled_from([0.5, 1.0, 2.0]))
        return (lambda t: fn(t, alpha)), [away(data, shape(data, min_dims=0), (0.0,))]

    return draw


def draw_hardtanh(data: st.DataObject) -> Built:
    return (lambda t: ops_math.hardtanh(t, -1.0, 0.5)), [away(data, shape(data, min_dims=0), (-1.0, 0.5))]


# --------------------------------------------------------------------------- reductions
def draw_var(fn: Callable[..., Tensor]) -> Any:
    def draw(data: st.DataObject) -> Built:
        s = shape(data, min_dims=1)
        axis = data.draw(st.sampled_from([None, 0, -1]))
        n = int(np.prod(s)) if axis is None else s[axis]
        ddof = data.draw(st.sampled_from([d for d in (0, 1) if n - d > 0]))
        keepdims = data.draw(st.booleans())
        x = distinct(data, s)  # no constant lane: std has a kink at zero variance
        if n == 1:
            ddof = 0
        return (lambda t: fn(t, axis, ddof, keepdims)), [x]

    return draw


def draw_pick(fn: Callable[..., Any]) -> Any:
    def draw(data: st.DataObject) -> Built:
        s = shape(data)
        a, keepdims = axis_of(data, s), data.draw(st.booleans())
        return (lambda t: fn(t, a, keepdims).values), [distinct(data, s)]

    return draw


def draw_topk(data: st.DataObject) -> Built:
    s = shape(data)
    a = axis_of(data, s)
    k, largest = data.draw(st.integers(0, s[a])), data.draw(st.booleans())
    return (lambda t: ops_reduce.topk(t, k, a, largest).values), [distinct(data, s)]


def draw_median(data: st.DataObject) -> Built:
    s = shape(data)
    axis, keepdims = data.draw(st.sampled_from([None, 0, -1])), data.draw(st.booleans())
    return (lambda t: ops_reduce.median(t, axis, keepdims)), [distinct(data, s)]


def draw_norm(data: st.DataObject) -> Built:
    s = shape(data, max_dims=2)
    ord_ = data.draw(st.sampled_from([None, 1, 2, 3, 1.5, np.inf, -np.inf]))
    x = distinct(data, s) + 0.025  # distinct, and none at 0 (|x| has a kink there)
    axis = data.draw(st.sampled_from([None, -1])) if len(s) == 1 or ord_ is None else -1
    keepdims = data.draw(st.booleans())
    return (lambda t: ops_reduce.norm(t, ord_, axis, keepdims)), [x]


def draw_amax(fn: Callable[..., Tensor]) -> Any:
    def draw(data: st.DataObject) -> Built:
        s = shape(data)
        axis = data.draw(st.sampled_from([None, 0, -1]))
        return (lambda t: fn(t, axis)), [distinct(data, s)]

    return draw


# --------------------------------------------------------------------------- shapes
def draw_pad(data: st.DataObject) -> Built:
    s = shape(data, max_dims=2, min_side=2)
    mode = data.draw(st.sampled_from(["constant", "edge", "reflect", "symmetric", "wrap"]))
    widths = [(data.draw(st.integers(0, 2)), data.draw(st.integers(0, 1))) for _ in s]
    return (lambda t: ops_shape.pad(t, widths, mode, constant_values=1.5)), [arr(data, s)]


def draw_roll(data: st.DataObject) -> Built:
    s = shape(data)
    axis = data.draw(st.sampled_from([None, 0, -1]))
    shift = data.draw(st.integers(-4, 4))
    return (lambda t: ops_shape.roll(t, shift, axis)), [arr(data, s)]


def draw_repeat(data: st.DataObject) -> Built:
    s = shape(data)
    axis = data.draw(st.sampled_from([None, 0]))
    n = int(np.prod(s)) if axis is None else s[0]
    reps = data.draw(st.sampled_from([2, list(range(n))]))
    return (lambda t: ops_shape.repeat(t, reps, axis)), [arr(data, s)]


def draw_tile(data: st.DataObject) -> Built:
    s = shape(data, min_dims=0)
    reps = tuple(data.draw(st.lists(st.integers(1, 2), min_size=1, max_size=3)))
    return (lambda t: ops_shape.tile(t, reps)), [arr(data, s)]


def draw_split(data: st.DataObject) -> Built:
    s = shape(data)
    kind = data.draw(st.sampled_from(["indices", "array_split", "chunk"]))
    if kind == "indices":
        return (lambda t: tuple(ops_shape.split(t, [1], axis=0))), [arr(data, s)]
    if kind == "array_split":
        return (lambda t: tuple(ops_shape.array_split(t, 2, axis=-1))), [arr(data, s)]
    return (lambda t: tuple(ops_shape.chunk(t, 2, axis=0))), [arr(data, s)]


def draw_triangle(fn: Callable[..., Tensor]) -> Any:
    def draw(data: st.DataObject) -> Built:
        k = data.draw(st.integers(-1, 1))
        return (lambda t: fn(t, k)), [arr(data, shape(data, min_dims=2))]

    return draw


def draw_diagonal(fn: Callable[..., Tensor]) -> Any:
    def draw(data: st.DataObject) -> Built:
        s = shape(data, min_dims=2)
        a1, a2 = data.draw(st.permutations(range(len(s))))[:2]
        offset = data.draw(st.integers(-1, 1))
        return (lambda t: fn(t, offset, a1, a2)), [arr(data, s)]

    return draw


def draw_swapaxes(data: st.DataObject) -> Built:
    s = shape(data)
    a, b = axis_of(data, s), axis_of(data, s)
    kind = data.draw(st.sampled_from(["swapaxes", "moveaxis", "permute"]))
    if kind == "swapaxes":
        return (lambda t: ops_shape.swapaxes(t, a, b)), [arr(data, s)]
    if kind == "moveaxis":
        return (lambda t: ops_shape.moveaxis(t, a, b)), [arr(data, s)]
    perm = data.draw(st.permutations(range(len(s))))
    return (lambda t: ops_shape.permute(t, *perm)), [arr(data, s)]


def draw_unflatten(data: st.DataObject) -> Built:
    s = shape(data, max_dims=2)
    s = (*s[:-1], 2 * s[-1])
    return (lambda t: ops_shape.unflatten(t, -1, (2, -1))), [arr(data, s)]


def draw_meshgrid(data: st.DataObject) -> Built:
    indexing = data.draw(st.sampled_from(["xy", "ij"]))
    xs = [arr(data, (data.draw(st.integers(1, 3)),)) for _ in range(data.draw(st.integers(1, 3)))]
    return (lambda *ts: tuple(ops_shape.meshgrid(*ts, indexing=indexing))), xs


def draw_gather(data: st.DataObject) -> Built:
    s = shape(data)
    a = data.draw(st.integers(0, len(s) - 1))
    kind = data.draw(st.sampled_from(["take_along_axis", "gather", "take", "index_select"]))
    if kind == "take_along_axis":
        idx_shape = tuple(data.draw(st.integers(1, 3)) if d == a else n for d, n in enumerate(s))
        idx = np.asarray(data.draw(hnp.arrays(np.int64, idx_shape, elements=st.integers(-s[a], s[a] - 1))))
        return (lambda t: ops_shape.take_along_axis(t, idx, a)), [arr(data, s)]
    if kind == "gather":
        idx_shape = tuple(
            data.draw(st.integers(1, 3)) if d == a else data.draw(st.integers(1, n)) for d, n in enumerate(s)
        )
        idx = np.asarray(data.draw(hnp.arrays(np.int64, idx_shape, elements=st.integers(0, s[a] - 1))))
        return (lambda t: ops_shape.gather(t, a, idx)), [arr(data, s)]
    idx = np.asarray(data.draw(st.lists(st.integers(0, s[a] - 1), min_size=1, max_size=4)))
    if kind == "take":
        return (lambda t: ops_shape.take(t, idx, a)), [arr(data, s)]
    return (lambda t: ops_shape.index_select(t, a, idx)), [arr(data, s)]


def draw_scatter(data: st.DataObject) -> Built:
    s = shape(data)
    a = data.draw(st.integers(0, len(s) - 1))
    idx_shape = tuple(data.draw(st.integers(1, 3 if d == a else n)) for d, n in enumerate(s))
    idx = np.asarray(data.draw(hnp.arrays(np.int64, idx_shape, elements=st.integers(0, s[a] - 1))))
    kind = data.draw(st.sampled_from(["scatter", "scatter_add"]))
    fn = ops_shape.scatter if kind == "scatter" else ops_shape.scatter_add
    return (lambda t, u: fn(t, a, idx, u)), [arr(data, s), arr(data, idx_shape)]


def draw_index_add(data: st.DataObject) -> Built:
    s = shape(data)
    a = data.draw(st.integers(0, len(s) - 1))
    idx = np.asarray(data.draw(st.lists(st.integers(0, s[a] - 1), min_size=1, max_size=4)))
    src_shape = s[:a] + (idx.size,) + s[a + 1 :]
    return (lambda t, u: ops_shape.index_add(t, a, idx, u, alpha=2.0)), [arr(data, s), arr(data, src_shape)]


def draw_masked(data: st.DataObject) -> Built:
    s = shape(data)
    mask = np.asarray(data.draw(hnp.arrays(np.bool_, s[1:])))
    if data.draw(st.booleans()):
        return (lambda t: ops_shape.masked_fill(t, mask, -1.0)), [arr(data, s)]
    return (lambda t: ops_shape.masked_select(t, mask)), [arr(data, s)]


def draw_embedding(data: st.DataObject) -> Built:
    n, d = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 3))
    idx = np.asarray(data.draw(hnp.arrays(np.int64, shape(data, max_dims=2), elements=st.integers(0, n - 1))))
    return (lambda w: ops_shape.embedding(idx, w)), [arr(data, (n, d))]


EINSUMS = [
    ("...ij,...jk->...ik", [(2, 1, 2, 3), (3, 3, 2)]),  # '...' with broadcasting of a length-1 axis
    ("ij,jk", [(2, 3), (3, 2)]),  # implicit output: "ik"
    ("ii", [(3, 3)]),  # implicit: the trace
    ("ba,ab->", [(2, 3), (3, 2)]),
    ("iij,jk->ik", [(2, 2, 3), (3, 2)]),
    ("i...->...", [(2, 3)]),
]


def draw_einsum(data: st.DataObject) -> Built:
    spec, shapes = data.draw(st.sampled_from(EINSUMS))
    return (lambda *ts: ops_shape.einsum(spec, *ts)), [arr(data, s) for s in shapes]


# --------------------------------------------------------------------------- losses
def draw_classes(data: st.DataObject) -> tuple[np.ndarray, np.ndarray, int]:
    c, m = data.draw(st.integers(2, 4)), data.draw(st.integers(1, 4))
    labels = np.asarray(data.draw(hnp.arrays(np.int64, (m,), elements=st.integers(0, c - 1))))
    return arr(data, (c, m), -3, 3), labels, c


def draw_nll(data: st.DataObject) -> Built:
    z, labels, c = draw_classes(data)
    weight = data.draw(st.sampled_from([None, np.linspace(0.5, 2.0, c)]))
    ignore = data.draw(st.sampled_from([None, 0]))
    reduction = data.draw(st.sampled_from(["mean", "sum", "none"]))
    return (lambda t: losses.nll_loss(t, labels, 0, weight, ignore, reduction)), [z]


def draw_cross_entropy(data: st.DataObject) -> Built:
    z, labels, c = draw_classes(data)
    weight = data.draw(st.sampled_from([None, np.linspace(0.5, 2.0, c)]))
    ignore = data.draw(st.sampled_from([None, 1]))
    smoothing = data.draw(st.sampled_from([0.0, 0.1, 0.3]))
    reduction = data.draw(st.sampled_from(["mean", "sum", "none"]))
    if data.draw(st.booleans()):  # probability targets
        probs = np.asarray(data.draw(hnp.arrays(np.float64, z.shape, elements=floats(0.0, 1.0))))
        labels, ignore = probs / np.maximum(probs.sum(axis=0, keepdims=True), 1e-3), None

    def fn(t: Tensor) -> Tensor:
        return F.cross_entropy(t, labels, 0, reduction, weight=weight, ignore_index=ignore, label_smoothing=smoothing)

    return fn, [z]


def draw_bce_logits(data: st.DataObject) -> Built:
    s = shape(data, max_dims=2)
    y = np.asarray(data.draw(hnp.arrays(np.float64, s, elements=floats(0, 1))))
    pos_weight = data.draw(st.sampled_from([None, 2.0, np.linspace(0.5, 3, s[-1])]))
    weight = data.draw(st.sampled_from([None, 0.5]))
    reduction = data.draw(st.sampled_from(["mean", "sum", "none"]))
    return (lambda t: F.binary_cross_entropy_with_logits(t, y, reduction, weight=weight, pos_weight=pos_weight)), [
        arr(data, s, -4, 4)
    ]


def draw_regression(fn: Callable[..., Tensor], kink: float = 0.0) -> Any:
    def draw(data: st.DataObject) -> Built:
        s = shape(data, min_dims=0)
        target = arr(data, s)
        pred = target + away(data, s, (-kink, kink) if kink else (0.0,), -3, 3)
        reduction = data.draw(st.sampled_from(["mean", "sum", "none"]))
        return (lambda t: fn(t, target, reduction)), [pred]

    return draw


def draw_kl(data: st.DataObject) -> Built:
    s = shape(data, max_dims=2)
    log_target = data.draw(st.booleans())
    target = np.asarray(data.draw(hnp.arrays(np.float64, s, elements=floats(0, 1))))
    if log_target:
        target = np.log(target + 0.1)
    reduction = data.draw(st.sampled_from(["mean", "sum", "none", "batchmean"]))
    return (lambda t: losses.kl_div(t, target, reduction, log_target)), [arr(data, s, -3, 0)]


def draw_margin(kind: str) -> Any:
    def draw(data: st.DataObject) -> Built:
        s = shape(data, max_dims=2)
        y = np.asarray(data.draw(hnp.arrays(np.int64, s, elements=st.sampled_from([-1, 1]))))
        if kind == "hinge":
            scores = away(data, s, (-1.0, 1.0))  # y * score away from the margin 1
            return (lambda t: losses.hinge_loss(t, y)), [scores]
        if kind == "soft":
            return (lambda t: losses.soft_margin_loss(t, y)), [arr(data, s, -4, 4)]
        x2 = arr(data, s)
        x1 = x2 + away(data, s, (0.5, -0.5))
        return (lambda a, b: losses.margin_ranking_loss(a, b, y, margin=0.5)), [x1, x2]

    return draw


COMPOSITES: dict[str, Any] = {
    "square": unary(ops_math.square),
    "reciprocal": unary(ops_math.reciprocal, 0.2, 3),
    "rsqrt": unary(ops_math.rsqrt, 0.2, 3),
    "lerp": draw_lerp,
    "softplus": draw_softplus,
    "gelu": draw_gelu,
    "silu": unary(ops_math.silu),
    "mish": unary(ops_math.mish),
    "elu": draw_alpha(ops_math.elu),
    "selu": unary(ops_math.selu, kinks=(0.0,)),
    "celu": draw_alpha(ops_math.celu),
    "relu6": unary(ops_math.relu6, -2, 8, kinks=(0.0, 6.0)),
    "hardtanh": draw_hardtanh,
    "hardsigmoid": unary(ops_math.hardsigmoid, -5, 5, kinks=(-3.0, 3.0)),
    "hardswish": unary(ops_math.hardswish, -5, 5, kinks=(-3.0, 3.0)),
    "logsigmoid": unary(ops_math.logsigmoid),
    "softsign": unary(ops_math.softsign, kinks=(0.0,)),
    "softmin": along(ops_math.softmin),
    "var": draw_var(ops_reduce.var),
    "std": draw_var(ops_reduce.std),
    "max_and_argmax": draw_pick(ops_reduce.max_and_argmax),
    "min_and_argmin": draw_pick(ops_reduce.min_and_argmin),
    "logcumsumexp": along(ops_reduce.logcumsumexp, min_side=0),
    "sort": along(ops_reduce.sort, "distinct"),
    "topk": draw_topk,
    "median": draw_median,
    "norm": draw_norm,
    "amax": draw_amax(ops_reduce.amax),
    "amin": draw_amax(ops_reduce.amin),
    "pad": draw_pad,
    "flip": along(ops_shape.flip),
    "roll": draw_roll,
    "repeat": draw_repeat,
    "tile": draw_tile,
    "split": draw_split,
    "tril": draw_triangle(ops_shape.tril),
    "triu": draw_triangle(ops_shape.triu),
    "diagonal": draw_diagonal(ops_shape.diagonal),
    "trace": draw_diagonal(ops_shape.trace),
    "swapaxes": draw_swapaxes,
    "unflatten": draw_unflatten,
    "meshgrid": draw_meshgrid,
    "take_along_axis": draw_gather,
    "scatter": draw_scatter,
    "index_add": draw_index_add,
    "masked_fill": draw_masked,
    "embedding": draw_embedding,
    "einsum": draw_einsum,
    "nll_loss": draw_nll,
    "cross_entropy": draw_cross_entropy,
    "binary_cross_entropy_with_logits": draw_bce_logits,
    "l1_loss": draw_regression(losses.l1_loss),
    "smooth_l1_loss": draw_regression(losses.smooth_l1_loss, kink=1.0),
    "huber_loss": draw_regression(losses.huber_loss, kink=1.0),
    "kl_div": draw_kl,
    "hinge_loss": draw_margin("hinge"),
    "soft_margin_loss": draw_margin("soft"),
    "margin_ranking_loss": draw_margin("ranking"),
}

# Covered by another entry's draw (the same composite under another name or spelling).
SAME_AS = {
    "moveaxis": "swapaxes", "permute": "swapaxes", "array_split": "split", "chunk": "split",
    "gather": "take_along_axis", "take": "take_along_axis", "index_select": "take_along_axis",
    "scatter_add": "scatter", "masked_select": "masked_fill", "repeat_interleave": "repeat",
    "swish": "silu", "clamp": "clip", "cat": "concatenate", "view": "reshape", "unsqueeze": "expand_dims",
}  # fmt: skip

# The primitives' wrappers: their ops are in tests/test_ops.py's CASES.
PRIMITIVE_WRAPPERS = {
    "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "arcsinh", "arctanh",
    "asin", "acos", "atan", "asinh", "atanh", "log2", "log10", "log1p", "exp2", "expm1", "erf",
    "sign", "floor", "ceil", "round", "trunc", "mod", "remainder", "floor_divide", "logaddexp", "hypot",
    "prod", "cumsum", "cumprod",
}  # fmt: skip

# Integer or boolean results: constant tensors, nothing to differentiate.
NOT_DIFFERENTIABLE = {
    "isnan", "isinf", "isfinite", "isclose", "less", "less_equal", "greater", "greater_equal", "equal",
    "not_equal", "logical_and", "logical_or", "logical_xor", "logical_not", "argmax", "argmin", "any", "all",
    "argsort", "nonzero", "argwhere", "one_hot", "ValuesIndices", *constructors.__all__,
}  # fmt: skip


def _public() -> set[str]:
    names = set()
    for module in (ops_math, ops_reduce, ops_shape, losses, constructors):
        names |= set(module.__all__)
    return names


def test_every_function_has_a_test_domain() -> None:
    covered = set(COMPOSITES) | set(SAME_AS) | PRIMITIVE_WRAPPERS | NOT_DIFFERENTIABLE
    missing = sorted(_public() - covered)
    assert not missing, f"public functions without a test domain in COMPOSITES: {missing}"


# Half the profile's examples: a composite is built from the ops tests/test_ops.py checks in depth,
# and each example here runs a gradient check, a second-derivative check and a float32 run.
@pytest.mark.parametrize("name", sorted(COMPOSITES))
@examples(0.5)
@given(data=st.data())
def test_composite_gradients_match_finite_differences(name: str, data: st.DataObject) -> None:
    """First and second derivatives against finite differences (random projections), and float32 kept."""
    fn, arrays = COMPOSITES[name](data)
    inputs = [Tensor(np.asarray(a), requires_grad=True) for a in arrays]
    tg.gradcheck(fn, inputs, fast=True, atol=1e-5, rtol=1e-4)
    outputs = fn(*inputs)
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    if any(o.requires_grad for o in outputs):
        tg.gradgradcheck(fn, inputs, fast=True, atol=1e-4, rtol=1e-3)
    inputs32 = [Tensor(np.asarray(a, dtype=np.float32), requires_grad=True) for a in arrays]
    outputs32 = fn(*inputs32)
    outputs32 = outputs32 if isinstance(outputs32, tuple) else (outputs32,)
    for o in outputs32:
        assert o.dtype == np.float32, f"{name}: float32 in, {o.dtype} out"
    if any(o.requires_grad for o in outputs32):
        sum(((o * 1.0).sum() for o in outputs32), start=Tensor(np.float32(0))).backward()
        for t in inputs32:
            assert t.grad is not None and t.grad.dtype == np.float32, f"{name}: float32 gradient"
