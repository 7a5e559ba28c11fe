"""Every registered op, checked against finite differences: first and second derivatives.

``CASES`` gives each op in ``REGISTRY`` a test domain: a Hypothesis strategy drawing input
arrays (random shapes, with NumPy broadcasting where the op broadcasts) and attributes, with
values inside the op's domain and away from its kinks. Registering an op without a case here
fails ``test_every_op_has_a_test_domain``.

The same checks run on array-api-strict arrays (fewer examples): an op that reached for NumPy
instead of its inputs' namespace fails there, which is what lets CuPy, Dask and torch arrays
through. The few ops that need NumPy are listed in ``NUMPY_ONLY`` with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from conftest import examples
from conv_cases import CONV_DRAWS
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import tinygrad_ng as tg
from tinygrad_ng import _xp
from tinygrad_ng.functional import _is_basic_index
from tinygrad_ng.gradcheck import central_differences
from tinygrad_ng.ops import REGISTRY
from tinygrad_ng.tensor import Tensor, apply

Draw = Callable[[st.DataObject], tuple[list[np.ndarray], dict[str, Any]]]

EPS = 1e-6


@dataclass
class Case:
    draw: Draw
    rtol: float = 1e-5
    atol: float = 1e-6


def floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def array(data: st.DataObject, shape: tuple[int, ...], lo: float, hi: float) -> np.ndarray:
    return data.draw(hnp.arrays(np.float64, shape, elements=floats(lo, hi)))


def away_from_zero(data: st.DataObject, shape: tuple[int, ...], lo: float = 0.05, hi: float = 3.0) -> np.ndarray:
    mag = array(data, shape, lo, hi)
    sign = data.draw(hnp.arrays(np.bool_, shape))
    return np.where(sign, mag, -mag)


def shape(data: st.DataObject, min_dims: int = 0, max_dims: int = 3) -> tuple[int, ...]:
    return data.draw(hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=4))


def two_shapes(data: st.DataObject, n: int = 2) -> tuple[tuple[int, ...], ...]:
    shapes = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=n, min_dims=0, max_dims=3, max_side=4))
    return shapes.input_shapes


def distinct(data: st.DataObject, shape: tuple[int, ...]) -> np.ndarray:
    """Values at least 0.1 apart (no ties), in random order."""
    size = int(np.prod(shape))
    perm = data.draw(st.permutations(range(size)))
    return (np.array(perm, dtype=np.float64) * 0.1 - 0.05 * size).reshape(shape)


def axis_arg(data: st.DataObject, ndim: int) -> tuple[int, ...] | None:
    """A reduction axis in the ops' canonical form: None or a sorted tuple of non-negative ints."""
    if ndim == 0:
        return None
    kind = data.draw(st.sampled_from(["none", "int", "tuple"]))
    if kind == "none":
        return None
    if kind == "int":
        return (data.draw(st.integers(0, ndim - 1)),)
    axes = data.draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
    return tuple(sorted(axes))


def unary(lo: float, hi: float, **attrs: Any) -> Draw:
    def draw(data: st.DataObject) -> tuple[list[np.ndarray], dict[str, Any]]:
        return [array(data, shape(data), lo, hi)], dict(attrs)

    return draw


def binary(x_range: tuple[float, float], y_range: tuple[float, float], y_nonzero: bool = False) -> Draw:
    def draw(data: st.DataObject) -> tuple[list[np.ndarray], dict[str, Any]]:
        sx, sy = two_shapes(data)
        x = array(data, sx, *x_range)
        y = away_from_zero(data, sy, *y_range) if y_nonzero else array(data, sy, *y_range)
        return [x, y], {}

    return draw


def draw_kinked(data: st.DataObject) -> tuple[list[np.ndarray], dict[str, Any]]:
    return [away_from_zero(data, shape(data))], {}


def draw_leaky(data: st.DataObject) -> tuple[list[np.ndarray], dict[str, Any]]:
    return [away_from_zero(data, shape(data))], {"slope": data.draw(floats(0.01, 0.5))}


def draw_pow_scalar(data: st.DataObject) -> tuple[list[np.ndarray], dict[str, Any]]:
    exponent = data.draw(st.sampled_from([-2, -1, 0, 0.5, 1, 2, 2.5, 3]))
    return [array(data, shape(data), 0.5, 2.0)], {"exponent": exponent}


def draw_clip(data: st.DataObject) -> tuple[list[np.ndarray], dict[str, Any]]:
    low, high = data.draw(st.sampled_from([(-1.0, 1.0), (None, 0.5), (-0.5, None), (None, None)]))
    x = array(data, shape(data), -2.0, 2.0)
    for bound in (low, high):
        if bound is not None:
            x = np.where(np.abs(x - bound) < 0.01, x + 0.05, x)  # away from the kinks
    return [x], {"low": low, "high": high}


def draw_minmax(data: st.DataObject) -> tuple[list[np.ndarray], dict[str, Any]]:
    sx, sy = two_shapes(data)
    x, y = array(data, sx, -2, 2), array(data, sy, -2, 2)
    assume(np.all(np.abs(np.subtract(x, y)) > 1e-3))  # away from ties
    return [x, y], {}


def draw_where(data: st.DataObject) -> tuple[list[np.ndarray], dict[str, Any]]:
    sx, sy, sc = two_shapes(data, 3)
    cond = data.draw(hnp.arrays(np.bool_, sc))
    return [array(data, sx, -2, 2), array(data, sy, -2, 2)], {"cond": cond}


def draw_matmul(data: st.DataObject) -> tuple[list[np.ndarray], dict[str, Any]]:
    n, k, m = (data.draw(st.integers(1, 4)) for _ in range(3))
    kind = data.draw(st.sampled_from(["2d", "matvec", "vecmat", "vecvec", "batched", "batched-vec"]))
    if kind == "2d":
        sx, sy = (n, k), (k, m)
    elif kind == "matvec":
        sx, sy = (n, k), (k,)
    elif kind == "vecmat":
        sx, sy = (k,), (k, m)
    elif kind == "vecvec":
        sx, sy = (k,), (k,)
    else:
        bx, by = data.draw(
            hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=1, max_dims=2, max_side=3)
        ).input_shapes
        sx, sy = (*bx, n, k), (*by, k, m)
        if kind == "batched-vec":
            sx = (k,) if data.draw(st.booleans()) else sx
            sy = (k,) if sx != (k,) else sy
    return [array(data, sx, -2, 2), array(data, sy, -2, 2)], {}


def draw_sum(data: st.DataObject) -> tuple[list[np.ndarray], dict[str, Any]]:
    s = shape(data)
    return [array(data, s, -2, 2)], {"axis": axis_arg(data, len(s)), "keepdims": data.draw(st.booleans())}


def draw_max(data: st.DataObject) -> tuple[list[np.ndarray], dict[str, Any]]:
    s = shape(data)
    return [distinct(data, s)], {"axis": axis_arg(data, len(s)), "keepdims": data.draw(st.booleans())}


def draw_reshape(data: st.DataObject) -> tuple[list[np.ndarray], dict[str, Any]]:
    s = shape(data)
    size = int(np.prod(s))
    target = data.draw(st.sampled_from([(size,), (-1, 1), (1, size), s[::-1]]))
    return [array(data, s, -2, 2)], {"shape": target}


def draw_transpose(data: st.DataObject) -> tuple[list[np.ndarray], dict[str, Any]]:
    s = shape(data)
    return [array(data, s, -2, 2)], {"axes": tuple(data.draw(st.permutations(range(len(s)))))}


def draw_broadcast_to(data: st.DataObject) -> tuple[list[np.ndarray], dict[str, Any]]:
    target = shape(data, min_dims=1)
    drop = data.draw(st.integers(0, len(target)))
    ones = data.draw(hnp.arrays(np.bool_, (len(target) - drop,)))
    s = tuple(1 if one else n for one, n in zip(ones, target[drop:]))
    return [array(data, s, -2, 2)], {"shape": target}


def draw_index(data: st.DataObject, s: tuple[int, ...]) -> Any:
    kind = data.draw(st.sampled_from(["int", "slice", "ints-repeated", "mask", "tuple"]))
    if kind == "int":
        return data.draw(st.integers(-s[0], s[0] - 1))
    if kind == "slice":
        start = data.draw(st.integers(0, s[0] - 1))
        return slice(start, None, data.draw(st.integers(1, 2)))
    if kind == "ints-repeated":
        return np.array(data.draw(st.lists(st.integers(0, s[0] - 1), min_size=1, max_size=6)))
    if kind == "mask":
        return data.draw(hnp.arrays(np.bool_, s))
    return (slice(None), *([0] * (len(s) - 1)))


def draw_getitem(data: st.DataObject) -> tuple[list[np.ndarray], dict[str, Any]]:
    s = shape(data, min_dims=1)
    return [array(data, s, -2, 2)], {"index": draw_index(data, s)}


def draw_scatter(data: st.DataObject) -> tuple[list[np.ndarray], dict[str, Any]]:
    s = shape(data, min_dims=1)
    index = draw_index(data, s)
    g_shape = np.zeros(s)[index].shape
    return [array(data, g_shape, -2, 2)], {"index": index, "shape": s}


def draw_concatenate(data: st.DataObject) -> tuple[list[np.ndarray], dict[str, Any]]:
    s = shape(data, min_dims=1)
    axis = data.draw(st.integers(0, len(s) - 1))
    xs = []
    for _ in range(data.draw(st.integers(1, 3))):
        si = list(s)
        si[axis] = data.draw(st.integers(1, 3))
        xs.append(array(data, tuple(si), -2, 2))
    return xs, {"axis": axis}


def draw_astype(data: st.DataObject) -> tuple[list[np.ndarray], dict[str, Any]]:
    return [array(data, shape(data), -2, 2)], {"dtype": np.dtype(np.float64)}


def draw_bce_logits(data: st.DataObject) -> tuple[list[np.ndarray], dict[str, Any]]:
    s = shape(data)
    reduction = data.draw(st.sampled_from(["none", "mean", "sum"]))  # the cost's reduction is in the node
    return [array(data, s, -5, 5), array(data, s, 0, 1)], {"reduction": reduction}


def draw_bce(data: st.DataObject) -> tuple[list[np.ndarray], dict[str, Any]]:
    s = shape(data)
    reduction = data.draw(st.sampled_from(["none", "mean", "sum"]))  # the cost's reduction is in the node
    return [array(data, s, 0.05, 0.95), array(data, s, 0, 1)], {
        "eps": float(np.finfo(np.float64).eps),
        "reduction": reduction,
    }


def binary_domain(x_range: tuple[float, float], y_range: tuple[float, float], *flags: str) -> Draw:
    return binary(x_range, y_range, y_nonzero="y_nonzero" in flags)


def shape0(data: st.DataObject, min_dims: int = 0, max_dims: int = 3) -> tuple[int, ...]:
    """A shape whose axes may have length 0 or 1 (NumPy's edge cases) as well as 2 or 3."""
    return data.draw(hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=0, max_side=3))


def unary0(lo: float, hi: float) -> Draw:
    """Like :func:`unary`, with size-0 axes too."""

    def draw(data: st.DataObject) -> tuple[list[np.ndarray], dict[str, Any]]:
        return [array(data, shape0(data), lo, hi)], {}

    return draw


def draw_steps(data: st.DataObject) -> tuple[list[np.ndarray], dict[str, Any]]:
    """Values a fraction 0.1 to 0.4 above an integer: away from the jumps of floor, round, sign..."""
    a = array(data, shape0(data), -3, 3)
    return [np.asarray(np.floor(a) + 0.1 + 0.3 * (a - np.floor(a)))], {}


def draw_mod(data: st.DataObject) -> tuple[list[np.ndarray], dict[str, Any]]:
    sx, sy = two_shapes(data)
    x, y = array(data, sx, -3, 3), away_from_zero(data, sy, 0.5, 2)
    q = x / y
    assume(np.all(np.abs(q - np.round(q)) > 1e-3))  # away from the jumps at integer quotients
    return [x, y], {}


def draw_cumulative(data: st.DataObject) -> tuple[list[np.ndarray], dict[str, Any]]:
    s = shape0(data, min_dims=1)
    x = array(data, s, -1.5, 1.5)
    zeros = data.draw(hnp.arrays(np.bool_, s))  # zeros test cumprod's exact gradient
    if data.draw(st.booleans()):
        x = np.where(zeros, 0.0, x)
    return [x], {"axis": data.draw(st.integers(0, len(s) - 1))}


def draw_prod(data: st.DataObject) -> tuple[list[np.ndarray], dict[str, Any]]:
    s = shape0(data)
    x = array(data, s, -1.5, 1.5)
    if data.draw(st.booleans()):
        x = np.where(data.draw(hnp.arrays(np.bool_, s)), 0.0, x)
    return [x], {"axis": axis_arg(data, len(s)), "keepdims": data.draw(st.booleans())}


EINSUM_SPECS = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ii->", [(3, 3)]),
    ("ii->i", [(3, 3)]),
    ("iij->j", [(2, 2, 3)]),
    ("ij->", [(2, 3)]),
    ("ij->ji", [(2, 3)]),
    ("i,i->", [(4,), (4,)]),
    ("i,j->ij", [(2,), (3,)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
    ("ij,ij->ij", [(2, 3), (2, 3)]),
    ("ii,i->i", [(3, 3), (3,)]),
    ("ijk,jl->ilk", [(2, 3, 2), (3, 2)]),
    ("i,i,i->", [(3,), (3,), (3,)]),
    ("ij,k->", [(2, 2), (3,)]),
    ("a,->a", [(0,), ()]),
]


def draw_einsum(data: st.DataObject) -> tuple[list[np.ndarray], dict[str, Any]]:
    spec, shapes = data.draw(st.sampled_from(EINSUM_SPECS))
    return [array(data, sh, -2, 2) for sh in shapes], {"subscripts": spec}


# A Domain's kind names one of these; its args are passed on (value ranges).
STRATEGIES: dict[str, Callable[..., Draw]] = {
    "unary": unary,
    "binary": binary_domain,
    "kinked": lambda: draw_kinked,
    "leaky": lambda: draw_leaky,
    "pow_scalar": lambda: draw_pow_scalar,
    "clip": lambda: draw_clip,
    "no_ties": lambda: draw_minmax,
    "where": lambda: draw_where,
    "matmul": lambda: draw_matmul,
    "reduce": lambda: draw_sum,
    "reduce_distinct": lambda: draw_max,
    "reshape": lambda: draw_reshape,
    "transpose": lambda: draw_transpose,
    "broadcast_to": lambda: draw_broadcast_to,
    "getitem": lambda: draw_getitem,
    "scatter": lambda: draw_scatter,
    "concatenate": lambda: draw_concatenate,
    "astype": lambda: draw_astype,
    "bce_logits": lambda: draw_bce_logits,
    "bce": lambda: draw_bce,
    "unary0": unary0,
    "steps": lambda: draw_steps,
    "mod": lambda: draw_mod,
    "cumulative": lambda: draw_cumulative,
    "prod": lambda: draw_prod,
    "einsum": lambda: draw_einsum,
    **{kind: (lambda draw=draw: draw) for kind, draw in CONV_DRAWS.items()},  # convolution and pooling
}

# Each registered op's test domain, from its definition (defop(..., domain=Domain(kind, *args))).
CASES: dict[str, Case] = {
    name: Case(STRATEGIES[op.domain.kind](*op.domain.args), op.domain.rtol, op.domain.atol)
    for name, op in REGISTRY.items()
    if op.domain is not None and op.domain.kind in STRATEGIES
}


def test_every_op_has_a_test_domain() -> None:
    missing = sorted(name for name, op in REGISTRY.items() if op.domain is None)
    assert not missing, f"registered ops without a test domain (defop(..., domain=Domain(...))): {missing}"
    unknown = sorted(f"{name}: {op.domain.kind!r}" for name, op in REGISTRY.items() if name not in CASES and op.domain)
    assert not unknown, f"test domains of unknown kind (tests/test_ops.py STRATEGIES): {unknown}"


def test_every_op_documents_its_rule() -> None:
    for name, op in REGISTRY.items():
        assert op.rule.strip() and "=" in op.rule, f"op {name!r} has no derivative rule text"


def weights(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.uniform(0.5, 1.5, shape) * rng.choice([-1.0, 1.0], shape)


def numeric_gradient(f: Callable[[], float], x: np.ndarray) -> np.ndarray:
    """Central differences of the scalar ``f()`` with respect to every element of ``x`` (gradcheck's loop)."""
    return central_differences(f, x, EPS)


# Ops whose forward needs NumPy itself, and why; on other arrays they raise BackendError.
_WINDOWS = "a strided window view (as_strided), which the array API standard lacks"
NUMPY_ONLY = {
    **dict.fromkeys(
        ["conv2d", "conv2d_input_grad", "conv2d_weight_grad", "window_sum2d", "window_sum2d_transpose"], _WINDOWS
    ),
    **dict.fromkeys(["max_pool2d", "zero_pad2d"], _WINDOWS),
    "erf": "the array API standard has no erf (torch has one; array-api-strict does not)",
    "einsum": "the array API standard has no einsum (torch, CuPy and Dask have one)",
}


class Backend:
    """How a test moves its NumPy inputs to an array library and back."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.xp = np if name == "numpy" else pytest.importorskip(name)

    def put(self, a: Any) -> Any:
        """A NumPy array (or an index holding arrays) as this library's array."""
        if self.xp is np:
            return a
        if isinstance(a, np.ndarray):
            return self.xp.asarray(a)
        if isinstance(a, tuple):
            return tuple(self.put(i) for i in a)
        return a

    def attrs(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.xp is not np and "index" in attrs:
            assume(_is_basic_index(attrs["index"]))  # integer-array and mask scatter need NumPy's add.at
        return {k: self.put(v) if k in ("cond", "weights", "index") else v for k, v in attrs.items()}

    def check(self, arr: Any) -> np.ndarray:
        """``arr`` as NumPy, after checking it is this library's array."""
        if self.xp is not np:
            assert _xp.namespace(arr) is self.xp, f"expected a {self.name} array, got {type(arr)}"
        return _xp.to_numpy(arr)


NUMPY = Backend("numpy")
STRICT_CASES = sorted(n for n in CASES if n not in NUMPY_ONLY)
# The strict backend repeats what the NumPy runs check in depth: a few examples per op are enough.
STRICT = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])


def check_vjp(name: str, data: st.DataObject, backend: Backend) -> tuple[list[np.ndarray], dict[str, Any]]:
    op, case = REGISTRY[name], CASES[name]
    arrays, attrs = case.draw(data)
    battrs = backend.attrs(attrs)
    expected_out = op.forward(*arrays, **attrs)
    r = weights(np.random.default_rng(0), expected_out.shape)

    inputs = [Tensor(backend.put(a), requires_grad=True) for a in arrays]
    out = apply(op, *inputs, **battrs)
    if backend.xp is not np:
        np.testing.assert_allclose(backend.check(out.data), expected_out, rtol=1e-12, atol=1e-12, err_msg=name)
    (out * backend.put(r)).sum().backward()

    def f() -> float:
        return float(np.sum(op.forward(*arrays, **attrs) * r))

    for i, (x, t) in enumerate(zip(arrays, inputs)):
        expected = numeric_gradient(f, x)
        assert t.grad is not None and tuple(t.grad.shape) == x.shape and t.dtype == x.dtype
        got = backend.check(t.grad)
        assert got.dtype == x.dtype
        np.testing.assert_allclose(got, expected, rtol=case.rtol, atol=case.atol, err_msg=f"{name} input {i}")
    return arrays, attrs


# One-input elementwise ops: their vjp is g * f'(x) entry by entry, so every example checks each of
# up to 64 drawn values on its own; half the profile's examples covers their domains as well.
ELEMENTWISE_KINDS = {"unary", "unary0", "kinked", "leaky", "pow_scalar", "clip", "steps", "astype"}
ELEMENTWISE = sorted(n for n in CASES if REGISTRY[n].domain.kind in ELEMENTWISE_KINDS)


@pytest.mark.parametrize("name", sorted(set(CASES) - set(ELEMENTWISE)))
@given(data=st.data())
def test_vjp_matches_finite_differences(name: str, data: st.DataObject) -> None:
    check_float32(name, *check_vjp(name, data, NUMPY))


@pytest.mark.parametrize("name", ELEMENTWISE)
@examples(0.5)
@given(data=st.data())
def test_elementwise_vjp_matches_finite_differences(name: str, data: st.DataObject) -> None:
    check_float32(name, *check_vjp(name, data, NUMPY))


@pytest.mark.parametrize("name", STRICT_CASES)
@STRICT
@given(data=st.data())
def test_vjp_on_array_api_strict(name: str, data: st.DataObject) -> None:
    check_vjp(name, data, Backend("array_api_strict"))


@pytest.mark.parametrize("name", sorted(NUMPY_ONLY))
def test_numpy_only_ops_say_so_on_other_arrays(name: str) -> None:
    xp = pytest.importorskip("array_api_strict")
    op = REGISTRY[name]
    n = len(op.vjps) if not op.variadic else 1
    with pytest.raises(tg.BackendError, match=name):
        apply(op, *[Tensor(xp.ones((1, 2, 2, 1))) for _ in range(n)], **_some_attrs(name))


def _some_attrs(name: str) -> dict[str, Any]:
    """Attributes the op accepts; the error comes before they are used."""
    if name == "einsum":
        return {"subscripts": "ijkl->"}
    if name == "erf":
        return {}
    return {"stride": (1, 1), "padding": (0, 0, 0, 0), "dilation": (1, 1), "layout": "NHWC"}


def check_float32(name: str, arrays: list[np.ndarray], attrs: dict[str, Any]) -> None:
    """float32 inputs give float32 values and gradients, equal to float64's within float32 precision."""
    op = REGISTRY[name]
    arrays = [np.asarray(a, dtype=np.float32) for a in arrays]
    results = {}
    for dt in (np.float32, np.float64):
        if name == "astype":
            attrs = {"dtype": np.dtype(dt)}
        # floating array attributes (pooling weights) in the inputs' precision too
        attrs = {k: v.astype(dt) if isinstance(v, np.ndarray) and v.dtype.kind == "f" else v for k, v in attrs.items()}
        inputs = [Tensor(a.astype(dt), requires_grad=True) for a in arrays]
        out = apply(op, *inputs, **attrs)
        (out * weights(np.random.default_rng(0), out.shape).astype(dt)).sum().backward()
        results[dt] = (out.data, [t.grad for t in inputs])
    (out32, grads32), (out64, grads64) = results[np.float32], results[np.float64]
    assert out32.dtype == np.float32, f"{name}: float32 in, {out32.dtype} out"
    np.testing.assert_allclose(out32, out64, rtol=2e-5, atol=2e-5, err_msg=name)
    for i, (g32, g64) in enumerate(zip(grads32, grads64)):
        assert g32 is not None and g32.dtype == np.float32, f"{name} input {i}: gradient dtype"
        np.testing.assert_allclose(g32, g64, rtol=1e-4, atol=1e-4, err_msg=f"{name} input {i}")


def check_second_derivative(name: str, data: st.DataObject, backend: Backend) -> None:
    """Hessian-vector products from create_graph equal finite differences of the gradient.

    With ``L = sum(op(x) * r)`` and one direction ``v`` for all the inputs together, double backward
    gives ``H v`` (the gradient of ``sum(dL/dx_i * v_i)``); the same vector, entry by entry, is the
    central difference ``(grad L(x + eps v) - grad L(x - eps v)) / (2 eps)`` (the Hessian is
    symmetric), which costs two gradients instead of two per input element.
    """
    op, case = REGISTRY[name], CASES[name]
    arrays, attrs = case.draw(data)
    battrs = backend.attrs(attrs)
    rng = np.random.default_rng(1)
    r = weights(rng, op.forward(*arrays, **attrs).shape)
    vs = [weights(rng, a.shape) for a in arrays]

    inputs = [Tensor(backend.put(a), requires_grad=True) for a in arrays]
    loss = (apply(op, *inputs, **battrs) * backend.put(r)).sum()
    grads = tg.grad(loss, inputs, create_graph=True)
    s = sum(((g * backend.put(v)).sum() for g, v in zip(grads, vs)), start=Tensor(backend.put(np.zeros(()))))
    hvps = tg.grad(s, inputs, allow_unused=True) if s.requires_grad else [None] * len(inputs)

    def gradients(step: float) -> list[np.ndarray]:
        """The first derivatives (NumPy, no graph kept) at the inputs moved by ``step * v``."""
        moved = [Tensor(a + step * v, requires_grad=True) for a, v in zip(arrays, vs)]
        return [g.data for g in tg.grad((apply(op, *moved, **attrs) * r).sum(), moved)]

    plus, minus = gradients(EPS), gradients(-EPS)
    for i, (x, hvp) in enumerate(zip(arrays, hvps)):
        expected = (plus[i] - minus[i]) / (2 * EPS)
        got = np.zeros_like(x) if hvp is None else backend.check(hvp.data)
        assert got.shape == x.shape, f"{name} input {i}: H v has shape {got.shape}, the input {x.shape}"
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5, err_msg=f"{name} input {i}")


# Half the profile's examples: the first derivatives above are the in-depth check over shapes and
# values; a vjp that is not differentiable where it should be fails on almost any example.
@pytest.mark.parametrize("name", sorted(n for n in CASES if REGISTRY[n].twice_differentiable))
@examples(0.5)
@given(data=st.data())
def test_second_derivative_matches_finite_differences(name: str, data: st.DataObject) -> None:
    check_second_derivative(name, data, NUMPY)


@pytest.mark.parametrize("name", [n for n in STRICT_CASES if REGISTRY[n].twice_differentiable])
@STRICT
@given(data=st.data())
def test_second_derivative_on_array_api_strict(name: str, data: st.DataObject) -> None:
    check_second_derivative(name, data, Backend("array_api_strict"))
