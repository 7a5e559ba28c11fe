"""Differential test against PyTorch: random op programs run in both libraries, compared in full.

Hypothesis draws a program: one to three leaves (float64 or float32, shapes that broadcast
together, including 0-d and size-0 shapes, values with deliberate ties), then up to eight steps,
each a tensor call on earlier results, so results are reused (fan-out) and broadcast. Some steps
call NumPy functions on the tensors (``np.sum(t)``, ``np.concatenate``...), which must record the
same ops. The program runs in tinygrad_ng and in PyTorch (CPU), and the test compares:

- every result's value, dtype and shape;
- every leaf's ``.grad`` after ``backward()`` of a weighted sum of the results (None for a leaf
  that no result depends on);
- ``tg.grad`` against ``.backward`` (exactly), and a second ``backward(retain_graph=True)``
  that accumulates exactly twice the gradient;
- second order: a Hessian-vector product through ``create_graph=True``;
- ``no_grad``: the same values, bit for bit, with nothing recorded.

Where the two libraries follow different conventions (NaN in ``maximum``, dtype promotion with
0-d tensors, clipping in BCE...: see docs/pytorch.md) the programs stay inside the agreed
domain, and ``test_convention_*`` pins each difference. NumPy's and PyTorch's elementwise
functions may differ in the last bit, so when a tie-sensitive op (``maximum``, ``max``, ``relu``,
``abs``, ``clip``, ``where``) takes a different branch in the two libraries the program is
discarded: that is rounding, not a disagreement about derivatives.

Runs and replays. The number of programs is the Hypothesis profile's ``max_examples`` (the ``ci``
profile: 100 per dtype, from a fixed seed); the count run is printed at the end of the module.
A failure prints the program as code and the draws. Replay a CI failure exactly with
``CI=true pytest tests/test_differential.py``; a local (random) failure prints
``--hypothesis-seed=N``; rerun with that flag. More programs: ``HYPOTHESIS_PROFILE=thorough``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from conftest import SUMMARY
from hypothesis import given, note, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_ng as tg
from tinygrad_ng import Tensor

torch = pytest.importorskip("torch")
F = torch.nn.functional

TORCH_DTYPES = {np.dtype(np.float64): torch.float64, np.dtype(np.float32): torch.float32}
TOLERANCE = {np.dtype(np.float64): 1e-9, np.dtype(np.float32): 1e-4}  # relative, and absolute times the scale
BOUND = 1e3  # programs whose values leave [-BOUND, BOUND] are discarded (overflow is not the point)


# --------------------------------------------------------------------------- the ops
@dataclass
class Step:
    """One call of a program: ``op`` on the results ``args`` (indices), with attributes."""

    op: str
    args: tuple[int, ...]
    attrs: dict[str, Any] = field(default_factory=dict)


def _dims(axis: Any, ndim: int) -> tuple[int, ...]:
    """A tinygrad_ng axis (None, int or tuple) as PyTorch's explicit dims."""
    if axis is None:
        return tuple(range(ndim))
    return (axis,) if isinstance(axis, int) else tuple(axis)


def _index(index: Any) -> Any:
    """An index for PyTorch: integer arrays become tensors."""
    return tuple(torch.as_tensor(i) if isinstance(i, np.ndarray) else i for i in index)


def _sign(a: np.ndarray, b: Any) -> np.ndarray:
    return np.sign(np.subtract(a, b, dtype=np.float64))


# For each op: how tinygrad_ng calls it, how PyTorch calls it, and (for ops with a kink or a
# branch) the decision it takes, from the input values. ``np`` in attrs: call the NumPy function
# on the tinygrad_ng tensors instead of the method, which must record the same op.
OURS: dict[str, Callable[..., Any]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 0.5),
    "pow": lambda a, b: (a * a + 0.5) ** b,
    "maximum": lambda a, b, np_: np.maximum(a, b) if np_ else tg.maximum(a, b),
    "minimum": lambda a, b, np_: np.minimum(a, b) if np_ else tg.minimum(a, b),
    "where": lambda c, a, b, np_: np.where(c.data > 0, a, b) if np_ else tg.where(c > 0, a, b),
    "neg": lambda a: -a,
    "exp": lambda a, np_: np.exp(a) if np_ else a.exp(),
    "log": lambda a: (a * a + 0.5).log(),
    "sqrt": lambda a: (a * a + 0.25).sqrt(),
    "tanh": lambda a: a.tanh(),
    "sigmoid": lambda a: a.sigmoid(),
    "relu": lambda a: a.relu(),
    "leaky_relu": lambda a: a.leaky_relu(0.1),
    "abs": lambda a, np_: np.abs(a) if np_ else a.abs(),
    "clip": lambda a, low, high, np_: np.clip(a, low, high) if np_ else a.clip(low, high),
    "pow_scalar": lambda a, p: a**p,
    "sum": lambda a, axis, keepdims, np_: np.sum(a, axis, keepdims=keepdims) if np_ else a.sum(axis, keepdims),
    "mean": lambda a, axis, keepdims, np_: np.mean(a, axis, keepdims=keepdims) if np_ else a.mean(axis, keepdims),
    "max": lambda a, axis, keepdims, np_: np.max(a, axis, keepdims=keepdims) if np_ else a.max(axis, keepdims),
    "min": lambda a, axis, keepdims, np_: np.min(a, axis, keepdims=keepdims) if np_ else a.min(axis, keepdims),
    "logsumexp": lambda a, axis, keepdims: a.logsumexp(axis, keepdims),
    "softmax": lambda a, axis: a.softmax(axis),
    "log_softmax": lambda a, axis: a.log_softmax(axis),
    "matmul": lambda a, b, np_: np.matmul(a, b) if np_ else a @ b,
    "reshape": lambda a, shape, np_: np.reshape(a, shape) if np_ else a.reshape(shape),
    "transpose": lambda a, axes, np_: np.transpose(a, axes) if np_ else a.transpose(axes),
    "getitem": lambda a, index: a[index],
    "broadcast_to": lambda a, shape: a.broadcast_to(shape),
    "concatenate": lambda a, b, axis, np_: np.concatenate([a, b], axis) if np_ else tg.concatenate([a, b], axis),
    "stack": lambda a, b, axis, np_: np.stack([a, b], axis) if np_ else tg.stack([a, b], axis),
    "astype": lambda a, dtype: a.astype(dtype),
    "bce_logits": lambda a, y: tg.binary_cross_entropy_with_logits(a, y, reduction="none"),
    "bce": lambda a, y: tg.binary_cross_entropy(a.sigmoid(), y, reduction="none"),
    "cross_entropy": lambda a, labels: tg.cross_entropy(a, labels, axis=0, reduction="none"),
}
THEIRS: dict[str, Callable[..., Any]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 0.5),
    "pow": lambda a, b: (a * a + 0.5) ** b,
    "maximum": lambda a, b, np_: torch.maximum(a, b),
    "minimum": lambda a, b, np_: torch.minimum(a, b),
    "where": lambda c, a, b, np_: torch.where(c > 0, a, b),
    "neg": lambda a: -a,
    "exp": lambda a, np_: a.exp(),
    "log": lambda a: (a * a + 0.5).log(),
    "sqrt": lambda a: (a * a + 0.25).sqrt(),
    "tanh": lambda a: a.tanh(),
    "sigmoid": lambda a: a.sigmoid(),
    "relu": lambda a: a.relu(),
    "leaky_relu": lambda a: F.leaky_relu(a, 0.1),
    "abs": lambda a, np_: a.abs(),
    "clip": lambda a, low, high, np_: a.clamp(low, high),
    "pow_scalar": lambda a, p: a**p,
    "sum": lambda a, axis, keepdims, np_: a.sum(_dims(axis, a.ndim), keepdims),
    "mean": lambda a, axis, keepdims, np_: a.mean(_dims(axis, a.ndim), keepdims),
    "max": lambda a, axis, keepdims, np_: a.amax(_dims(axis, a.ndim), keepdims),
    "min": lambda a, axis, keepdims, np_: a.amin(_dims(axis, a.ndim), keepdims),
    "logsumexp": lambda a, axis, keepdims: a.logsumexp(_dims(axis, a.ndim), keepdims),
    "softmax": lambda a, axis: a.softmax(axis),
    "log_softmax": lambda a, axis: a.log_softmax(axis),
    "matmul": lambda a, b, np_: a @ b,
    "reshape": lambda a, shape, np_: a.reshape(shape),
    "transpose": lambda a, axes, np_: a.permute(axes),
    "getitem": lambda a, index: a[_index(index)],
    "broadcast_to": lambda a, shape: a.broadcast_to(shape),
    "concatenate": lambda a, b, axis, np_: torch.cat([a, b], axis),
    "stack": lambda a, b, axis, np_: torch.stack([a, b], axis),
    "astype": lambda a, dtype: a.to(TORCH_DTYPES[np.dtype(dtype)]),
    "bce_logits": lambda a, y: F.binary_cross_entropy_with_logits(a, torch.as_tensor(y), reduction="none"),
    "bce": lambda a, y: F.binary_cross_entropy(a.sigmoid(), torch.as_tensor(y), reduction="none"),
    "cross_entropy": lambda a, labels: F.cross_entropy(a.T, torch.as_tensor(labels), reduction="none"),
}


def _winners(a: np.ndarray, axis: Any, keepdims: bool, reduce: Callable[..., Any]) -> np.ndarray:
    return a == reduce(a, axis=axis, keepdims=True)


DECISIONS: dict[str, Callable[..., Any]] = {
    "maximum": lambda a, b, np_: _sign(a, b),
    "minimum": lambda a, b, np_: _sign(a, b),
    "where": lambda c, a, b, np_: c > 0,
    "relu": lambda a: a > 0,
    "leaky_relu": lambda a: a > 0,
    "abs": lambda a, np_: np.sign(a),
    "clip": lambda a, low, high, np_: (_sign(a, -np.inf if low is None else low), _sign(a, np.inf if high is None else high)),  # noqa: E501
    "max": lambda a, axis, keepdims, np_: _winners(a, axis, keepdims, np.max),
    "min": lambda a, axis, keepdims, np_: _winners(a, axis, keepdims, np.min),
}  # fmt: skip
# Inputs where the libraries follow different conventions (docs/pytorch.md): programs that reach
# them are not compared here; test_convention_* pins each difference.
OUTSIDE: dict[str, Callable[..., bool]] = {
    # PyTorch zeroes the base's gradient where the exponent is exactly 0 (a masked_fill), which
    # loses the second derivative through the exponent there; ours keeps y x^(y-1) (= 1/x at y = 0).
    "pow": lambda a, b: bool((np.asarray(b) == 0).any()),
}
# Ops whose second derivative in PyTorch loses digits (test_convention_bce_second_derivative):
# programs using them compare first order only.
FIRST_ORDER_ONLY = {"bce"}
assert set(OURS) == set(THEIRS)


# --------------------------------------------------------------------------- drawing a program
VALUES = st.one_of(st.floats(-3, 3, width=32), st.sampled_from([-1.0, 0.0, 0.5, 1.0, 2.0]))


@dataclass
class Program:
    """Steps; each makes one result ``r<i>``, numbered in order. A ``leaf`` step makes a leaf."""

    steps: list[Step]

    @property
    def leaves(self) -> list[np.ndarray]:
        return [s.attrs["value"] for s in self.steps if s.op == "leaf"]

    def code(self) -> str:
        lines = []
        for i, s in enumerate(self.steps):
            if s.op == "leaf":
                a = s.attrs["value"]
                lines.append(f"r{i} = leaf(np.array({a.tolist()!r}, np.{a.dtype}).reshape({a.shape}))")
            else:
                args = ", ".join([f"r{j}" for j in s.args] + [f"{k}={v!r}" for k, v in s.attrs.items()])
                lines.append(f"r{i} = {s.op}({args})")
        return "\n".join(lines)


def _broadcast(*shapes: tuple[int, ...]) -> bool:
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        return False
    return True


def _partners(values: list[np.ndarray], a: int, fits: Callable[[np.ndarray, np.ndarray], bool]) -> list[int]:
    """The results that can be the second operand next to result ``a`` (always including ``a``)."""
    x = values[a]
    return [i for i, y in enumerate(values) if i == a or fits(x, y)]


def _mixable(x: np.ndarray, y: np.ndarray) -> bool:
    """Operands whose dtypes promote alike in both libraries (PyTorch keeps a 0-d operand's dtype weak)."""
    return x.dtype == y.dtype or (x.ndim == 0) == (y.ndim == 0)


def _binary_fits(x: np.ndarray, y: np.ndarray) -> bool:
    return _broadcast(x.shape, y.shape) and _mixable(x, y)


def _matmul_fits(x: np.ndarray, y: np.ndarray) -> bool:
    if x.dtype != y.dtype or x.ndim == 0 or y.ndim == 0:
        return False
    try:
        np.matmul(np.empty(x.shape), np.empty(y.shape))
    except ValueError:
        return False
    return True


def _axis(data: st.DataObject, ndim: int) -> Any:
    choices: list[Any] = [None, *range(-ndim, ndim)]
    if ndim >= 2:
        choices += [tuple(c) for r in (2, ndim) for c in itertools.combinations(range(ndim), r)]
    return data.draw(st.sampled_from(choices), label="axis")


def _plan(data: st.DataObject, op: str, values: list[np.ndarray]) -> Step | list[Step] | None:
    """Draw the operands and attributes of ``op`` from the results so far, or None if it cannot apply."""
    last = len(values) - 1
    a = data.draw(st.sampled_from(range(len(values))) | st.just(last), label="operand")
    x = values[a]
    use_np = data.draw(st.booleans(), label="through NumPy")
    if op in ("add", "sub", "mul", "div", "pow", "maximum", "minimum"):
        b = data.draw(st.sampled_from(_partners(values, a, _binary_fits)), label="second operand")
        return Step(op, (a, b), {"np_": use_np} if op in ("maximum", "minimum") else {})
    if op == "where":
        b = data.draw(st.sampled_from(_partners(values, a, _binary_fits)), label="x")
        c = data.draw(st.sampled_from(_partners(values, a, _binary_fits)), label="y")
        ok = _broadcast(x.shape, values[b].shape, values[c].shape) and _mixable(values[b], values[c])
        return Step(op, (a, b, c), {"np_": use_np}) if ok else None
    if op in ("neg", "log", "sqrt", "tanh", "sigmoid", "relu", "leaky_relu"):
        return Step(op, (a,))
    if op in ("exp", "abs"):
        return Step(op, (a,), {"np_": use_np})
    if op == "clip":
        low, high = data.draw(st.sampled_from([(-1.0, 1.0), (0.0, None), (None, 0.5), (0.5, 0.5)]), label="bounds")
        return Step(op, (a,), {"low": low, "high": high, "np_": use_np})
    if op == "pow_scalar":
        return Step(op, (a,), {"p": data.draw(st.sampled_from([2, 3, 1.0, 0]), label="exponent")})
    if op in ("sum", "mean", "max", "min", "logsumexp"):
        axis = _axis(data, x.ndim)
        reduced = x.size if axis is None else int(np.prod([x.shape[i] for i in _dims(axis, x.ndim)]))
        if op != "sum" and (reduced == 0 or x.size == 0):
            return None  # no maximum of nothing (both libraries refuse); a mean of nothing is NaN or refused
        attrs = {"axis": axis, "keepdims": data.draw(st.booleans(), label="keepdims")}
        return Step(op, (a,), attrs if op == "logsumexp" else {**attrs, "np_": use_np})
    if op in ("softmax", "log_softmax"):
        if x.ndim == 0 or x.size == 0:
            return None
        return Step(op, (a,), {"axis": data.draw(st.integers(-x.ndim, x.ndim - 1), label="axis")})
    if op == "matmul":
        if x.ndim == 0:
            return None
        partners = [i for i in _partners(values, a, _matmul_fits) if i != a or _matmul_fits(x, x)]
        if partners and data.draw(st.booleans(), label="with an existing result"):
            return Step(op, (a, data.draw(st.sampled_from(partners), label="second operand")), {"np_": use_np})
        m = data.draw(st.integers(1, 3), label="columns")
        W = data.draw(hnp.arrays(x.dtype, (x.shape[-1], m), elements=VALUES), label="new leaf W")
        return [Step("leaf", (), {"value": W}), Step(op, (a, len(values)), {"np_": use_np})]
    if op == "reshape":
        shape = data.draw(st.sampled_from([(-1,), (1, *x.shape), (*x.shape, 1), x.shape[::-1]]), label="shape")
        if shape == x.shape[::-1] and x.ndim < 2:
            return None
        return Step(op, (a,), {"shape": shape, "np_": use_np})
    if op == "transpose":
        axes = tuple(data.draw(st.permutations(range(x.ndim)), label="axes"))
        return Step(op, (a,), {"axes": axes, "np_": use_np}) if x.ndim >= 2 else None
    if op == "getitem":
        if x.ndim == 0 or x.shape[0] == 0:
            return None
        n = x.shape[0]
        kind = data.draw(st.sampled_from(["slice", "int", "array"]), label="index kind")
        if kind == "slice":
            start = data.draw(st.integers(0, n), label="start")
            index: tuple[Any, ...] = (slice(start, None, data.draw(st.integers(1, 2), label="step")),)
        elif kind == "int":
            index = (data.draw(st.integers(-n, n - 1), label="int"),)
        else:
            picks = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=4), label="indices")
            index = (np.array(picks),)  # repeats accumulate in backward
        return Step(op, (a,), {"index": index})
    if op == "broadcast_to":
        return Step(op, (a,), {"shape": (2, *x.shape)})
    if op in ("concatenate", "stack"):
        if op == "concatenate" and x.ndim == 0:
            return None
        if op == "concatenate":
            axis = data.draw(st.integers(0, x.ndim - 1), label="axis")

            def fits(p: np.ndarray, q: np.ndarray) -> bool:
                same = p.shape[:axis] + p.shape[axis + 1 :] == q.shape[:axis] + q.shape[axis + 1 :]
                return p.ndim == q.ndim and same and p.dtype == q.dtype
        else:
            axis = data.draw(st.integers(0, x.ndim), label="axis")

            def fits(p: np.ndarray, q: np.ndarray) -> bool:
                return p.shape == q.shape and p.dtype == q.dtype

        b = data.draw(st.sampled_from(_partners(values, a, fits)), label="second operand")
        return Step(op, (a, b), {"axis": axis, "np_": use_np})
    if op == "astype":
        return Step(op, (a,), {"dtype": np.float32 if x.dtype == np.float64 else np.float64})
    if op in ("bce_logits", "bce"):
        if op == "bce" and x.size and np.abs(x).max() > 12:
            return None  # saturated probabilities: the libraries clip differently (a documented convention)
        y = data.draw(hnp.arrays(x.dtype, x.shape, elements=st.sampled_from([0.0, 1.0, 0.25])), label="targets")
        return Step(op, (a,), {"y": y})
    if op == "cross_entropy":
        if x.ndim != 2 or x.size == 0:
            return None
        labels = data.draw(hnp.arrays(np.int64, (x.shape[1],), elements=st.integers(0, x.shape[0] - 1)), label="labels")
        return Step(op, (a,), {"labels": labels})
    raise AssertionError(op)


def draw_program(data: st.DataObject, dtype: np.dtype) -> Program:
    """A random program: leaves that broadcast together, then steps on the results so far."""
    base = data.draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3), label="base shape")
    if base and data.draw(st.integers(0, 9), label="size-0 base") == 0:
        base = (*base[:-1], 0)
    n_leaves = data.draw(st.integers(1, 3), label="leaves")
    shapes = [base] + [
        data.draw(hnp.broadcastable_shapes(base, min_dims=0, max_dims=len(base), max_side=3), label="leaf shape")
        for _ in range(n_leaves - 1)
    ]
    program = Program([Step("leaf", (), {"value": data.draw(hnp.arrays(dtype, s, elements=VALUES))}) for s in shapes])
    values = list(program.leaves)
    for _ in range(data.draw(st.integers(1, 8), label="steps")):
        op = data.draw(st.sampled_from(sorted(OURS)), label="op")
        steps = _plan(data, op, values)
        if steps is None:
            continue
        program.steps += steps if isinstance(steps, list) else [steps]
        values = run(program, Ours(), record=False).values
    return program


# --------------------------------------------------------------------------- running a program
class Ours:
    """tinygrad_ng, for :func:`run`."""

    name = "tinygrad_ng"
    table = OURS

    def leaf(self, a: np.ndarray) -> Any:
        return Tensor(a, requires_grad=True)

    @staticmethod
    def value(t: Any) -> np.ndarray:
        return np.array(t.data)

    @staticmethod
    def constant(a: np.ndarray) -> Any:
        return Tensor(a)


class Theirs:
    """PyTorch, for :func:`run`."""

    name = "torch"
    table = THEIRS

    def leaf(self, a: np.ndarray) -> Any:
        return torch.tensor(a, requires_grad=True)

    @staticmethod
    def value(t: Any) -> np.ndarray:
        return t.detach().numpy().copy()

    @staticmethod
    def constant(a: np.ndarray) -> Any:
        return torch.tensor(a)


@dataclass
class Run:
    leaves: list[Any]
    results: list[Any]
    values: list[np.ndarray]
    decisions: list[Any]
    loss: Any = None


def _weights(a: np.ndarray) -> np.ndarray:
    """Fixed, distinct weights for a result in the loss, so no gradient is trivially all ones."""
    return (np.linspace(-1.0, 1.5, a.size).reshape(a.shape) + 0.3).astype(a.dtype)


def run(program: Program, lib: Ours | Theirs, record: bool = True) -> Run:
    """Run ``program`` in ``lib``; with ``record``, also build the loss (a weighted sum of the unused results)."""
    leaves: list[Any] = []
    results: list[Any] = []
    decisions = []
    for step in program.steps:
        if step.op == "leaf":
            leaves.append(lib.leaf(step.attrs["value"]))
            results.append(leaves[-1])
            decisions.append(None)
            continue
        inputs = [results[i] for i in step.args]
        decide = DECISIONS.get(step.op)
        decisions.append(decide(*[lib.value(t) for t in inputs], **step.attrs) if decide and record else None)
        outside = OUTSIDE.get(step.op)
        if outside is not None and record and outside(*[lib.value(t) for t in inputs], **step.attrs):
            decisions[-1] = "outside"
        results.append(lib.table[step.op](*inputs, **step.attrs))
    values = [lib.value(t) for t in results]
    out = Run(leaves, results, values, decisions)
    if record:
        used = {i for step in program.steps for i in step.args}
        unused = [i for i in range(len(results)) if i not in used]
        terms = [(results[i] * lib.constant(_weights(values[i]))).sum() for i in unused]
        out.loss = terms[0]
        for t in terms[1:]:
            out.loss = out.loss + t
    return out


# --------------------------------------------------------------------------- comparing
def assert_close(ours: Any, theirs: Any, what: str, tol: float) -> None:
    """Values, dtype and shape agree within ``tol``; ``None`` (no gradient) only with ``None``."""
    if ours is None or theirs is None:
        assert ours is None and theirs is None, f"{what}: tinygrad_ng {ours!r}, torch {theirs!r}"
        return
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape} vs torch {theirs.shape}"
    assert ours.dtype == theirs.dtype, f"{what}: dtype {ours.dtype} vs torch {theirs.dtype}"
    scale = max(1.0, float(np.abs(theirs).max())) if theirs.size else 1.0
    np.testing.assert_allclose(ours, theirs, rtol=tol, atol=tol * scale, equal_nan=False, err_msg=what)


def _zeros_if_none(g: Any, like: np.ndarray) -> np.ndarray:
    return np.zeros_like(like) if g is None else np.asarray(g)


def _hvp_ours(program: Program) -> list[np.ndarray]:
    r = run(program, Ours())
    gs = tg.grad(r.loss, r.leaves, create_graph=True, allow_unused=True)
    pairs = [(g, a) for g, a in zip(gs, program.leaves) if g is not None and g.requires_grad]
    terms = [(g * Tensor(_weights(a))).sum() for g, a in pairs]
    if not terms:  # every first derivative is constant: the second is zero
        return [np.zeros_like(a) for a in program.leaves]
    s = terms[0]
    for t in terms[1:]:
        s = s + t
    hv = tg.grad(s, r.leaves, allow_unused=True)
    return [_zeros_if_none(None if h is None else h.data, a) for h, a in zip(hv, program.leaves)]


def _hvp_theirs(program: Program) -> list[np.ndarray]:
    r = run(program, Theirs())
    gs = torch.autograd.grad(r.loss, r.leaves, create_graph=True, allow_unused=True)
    pairs = [(g, a) for g, a in zip(gs, program.leaves) if g is not None and g.requires_grad]
    terms = [(g * torch.tensor(_weights(a))).sum() for g, a in pairs]
    if not terms:
        return [np.zeros_like(a) for a in program.leaves]
    hv = torch.autograd.grad(sum(terms), r.leaves, allow_unused=True)
    return [_zeros_if_none(None if h is None else h.numpy(force=True), a) for h, a in zip(hv, program.leaves)]


PROGRAMS_RUN = {"float64": 0, "float32": 0}


@pytest.fixture(scope="module", autouse=True)
def _report_count() -> Any:
    """Print, at the end of the run, how many programs were compared and how to replay them."""
    yield
    current = settings.default
    replay = "replay: CI=true pytest tests/test_differential.py" if current.derandomize else "random seed"
    SUMMARY.append(
        f"differential test against torch {torch.__version__}: {PROGRAMS_RUN['float64']} float64 and "
        f"{PROGRAMS_RUN['float32']} float32 programs compared (max_examples={current.max_examples} per dtype, "
        f"derandomize={current.derandomize}; {replay})"
    )


@pytest.mark.filterwarnings("ignore:grad and param do not obey the gradient layout contract")
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@settings(print_blob=True)
@given(data=st.data())
def test_random_programs_agree_with_pytorch(dtype: type, data: st.DataObject) -> None:
    program = draw_program(data, np.dtype(dtype))
    note(f"program:\n{program.code()}")
    note(f"replay it alone: check_program(Program({program.steps!r})), with array and float32 from numpy")
    if check_program(program):
        PROGRAMS_RUN[np.dtype(dtype).name] += 1


def check_program(program: Program) -> bool:
    """Run ``program`` in both libraries and compare everything; False if it is outside the compared domain."""
    with np.errstate(all="ignore"):  # a NaN or overflow is compared, not warned about
        ours = run(program, Ours())
    theirs = run(program, Theirs())
    if not all(np.isfinite(v).all() and np.abs(v).max(initial=0) <= BOUND for v in ours.values + theirs.values):
        return False
    if "outside" in [d if isinstance(d, str) else None for d in ours.decisions]:
        return False
    for d_ours, d_theirs in zip(ours.decisions, theirs.decisions):  # the same branch at every kink
        pairs = zip(d_ours, d_theirs) if isinstance(d_ours, tuple) else [(d_ours, d_theirs)]
        if not all(np.array_equal(p, q) for p, q in pairs):
            return False

    tol = max(TOLERANCE[v.dtype] for v in ours.values)  # a float32 step anywhere sets the precision
    for i, (v, w) in enumerate(zip(ours.values, theirs.values)):  # forward: every result
        assert_close(v, w, f"r{i}", tol)

    tg_grads = tg.grad(ours.loss, ours.leaves, retain_graph=True, allow_unused=True)
    ours.loss.backward(retain_graph=True)
    theirs.loss.backward(retain_graph=True)
    first = [None if x.grad is None else x.grad.copy() for x in ours.leaves]
    for i, (x, y) in enumerate(zip(ours.leaves, theirs.leaves)):  # every leaf's .grad
        assert_close(x.grad, None if y.grad is None else y.grad.numpy(), f"r{i}.grad", tol)
    for x, g in zip(ours.leaves, tg_grads):  # tg.grad is .backward, exactly
        assert (g is None) == (x.grad is None)
        if g is not None:
            np.testing.assert_array_equal(g.data, x.grad)

    ours.loss.backward()  # retain_graph: a second backward accumulates
    theirs.loss.backward()
    for i, (x, y, g1) in enumerate(zip(ours.leaves, theirs.leaves, first)):
        if g1 is not None:  # twice the first (up to rounding: each path's share is added to .grad in turn)
            assert_close(x.grad, 2 * g1, f"r{i}.grad after two backwards", tol)
        assert_close(x.grad, None if y.grad is None else y.grad.numpy(), f"r{i}.grad after two backwards", tol)

    if not any(step.op in FIRST_ORDER_ONLY for step in program.steps):
        with np.errstate(all="ignore"):
            hv_ours = _hvp_ours(program)
        for i, (h, k) in enumerate(zip(hv_ours, _hvp_theirs(program))):  # second order
            assert_close(h, k, f"Hessian-vector product for r{i}", tol)

    with tg.no_grad(), np.errstate(all="ignore"):  # no_grad: same values, nothing recorded
        quiet = run(program, Ours(), record=False)
    for step, t, v, w in zip(program.steps, quiet.results, quiet.values, ours.values):
        assert step.op == "leaf" or (not t.requires_grad and t.is_leaf)
        np.testing.assert_array_equal(v, w)
    return True


# --------------------------------------------------------------------------- conventions, pinned
# Each documented on docs/pytorch.md: where the two libraries agree at a kink, and where they differ.
def _grads(f_ours: Callable[[Tensor], Tensor], f_theirs: Callable[[Any], Any], values: list[float]) -> tuple[Any, Any]:
    x = Tensor(values, requires_grad=True)
    f_ours(x).sum().backward()
    y = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    f_theirs(y).sum().backward()
    return x.grad, y.grad.numpy()


KINKS = {
    "relu at 0": (lambda x: x.relu(), lambda y: y.relu(), [0.0, 1.0], [0.0, 1.0]),
    "abs at 0": (lambda x: x.abs(), lambda y: y.abs(), [0.0, -1.0], [0.0, -1.0]),
    "leaky_relu at 0": (lambda x: x.leaky_relu(0.1), lambda y: F.leaky_relu(y, 0.1), [0.0], [0.1]),
    "clip at its bounds": (lambda x: x.clip(0.0, 1.0), lambda y: y.clamp(0.0, 1.0), [0.0, 1.0, 2.0], [1.0, 1.0, 0.0]),
    "maximum tie": (lambda x: tg.maximum(x, 1.0), lambda y: torch.maximum(y, torch.ones_like(y)), [1.0], [0.5]),
    "max tie (amax)": (lambda x: x.max(), lambda y: y.amax(), [2.0, 2.0, 1.0], [0.5, 0.5, 0.0]),
    "max of a NaN": (lambda x: x.max(), lambda y: y.amax(), [np.nan, 1.0], [np.nan, np.nan]),
    "sqrt at 0": (lambda x: x.sqrt(), lambda y: y.sqrt(), [0.0, 4.0], [np.inf, 0.25]),
    "pow at 0^0": (lambda x: x ** Tensor([0.0]), lambda y: y ** torch.zeros(1, dtype=torch.float64), [0.0], [0.0]),
}


@pytest.mark.parametrize("ours, theirs, values, expected", KINKS.values(), ids=list(KINKS))
def test_convention_kinks_and_ties_agree_with_pytorch(ours, theirs, values, expected) -> None:
    with np.errstate(all="ignore"):
        g_ours, g_theirs = _grads(ours, theirs, values)
    np.testing.assert_array_equal(g_ours, expected)
    np.testing.assert_array_equal(g_theirs, expected)


def test_convention_max_over_an_axis_spreads_ties_as_amax_not_as_max_with_indices() -> None:
    g_ours, g_amax = _grads(lambda x: x.max(axis=0), lambda y: y.amax(0), [2.0, 2.0, 1.0])
    _, g_indexed = _grads(lambda x: x.max(axis=0), lambda y: y.max(0).values, [2.0, 2.0, 1.0])
    np.testing.assert_array_equal(g_ours, [0.5, 0.5, 0.0])
    np.testing.assert_array_equal(g_amax, [0.5, 0.5, 0.0])
    np.testing.assert_array_equal(g_indexed, [1.0, 0.0, 0.0])  # torch.max(dim) picks one index


def test_convention_maximum_with_a_nan_gives_no_side_the_gradient() -> None:
    g_ours, g_theirs = _grads(
        lambda x: tg.maximum(x, 1.0), lambda y: torch.maximum(y, torch.ones_like(y)), [np.nan, 2.0, 0.0]
    )
    np.testing.assert_array_equal(g_ours, [0.0, 1.0, 0.0])  # NaN neither wins nor ties
    np.testing.assert_array_equal(g_theirs, [1.0, 1.0, 0.0])  # PyTorch passes it to the NaN


def test_convention_pow_keeps_the_second_derivative_through_a_zero_exponent() -> None:
    x, y = Tensor([3.0], requires_grad=True), Tensor([0.0], requires_grad=True)
    (dx,) = tg.grad((x**y).sum(), x, create_graph=True)
    (dxy,) = tg.grad(dx.sum(), y)
    tx = torch.tensor([3.0], dtype=torch.float64, requires_grad=True)
    ty = torch.tensor([0.0], dtype=torch.float64, requires_grad=True)
    (tdx,) = torch.autograd.grad((tx**ty).sum(), tx, create_graph=True)
    (tdxy,) = torch.autograd.grad(tdx.sum(), ty)
    np.testing.assert_allclose(dxy.data, [1.0 / 3.0])  # d/dy (y x^(y-1)) at y = 0 is 1/x
    np.testing.assert_array_equal(tdxy.numpy(), [0.0])  # PyTorch masks exponent == 0


def test_convention_bce_clips_probabilities_where_pytorch_clamps_the_log() -> None:
    ours = tg.binary_cross_entropy(Tensor([0.0]), [1.0]).item()
    theirs = F.binary_cross_entropy(torch.zeros(1, dtype=torch.float64), torch.ones(1, dtype=torch.float64)).item()
    assert ours == pytest.approx(-np.log(np.finfo(np.float64).eps))  # 36.04: log of eps
    assert theirs == 100.0  # log clamped at -100


@pytest.mark.parametrize("z", [4.0, 7.389, 12.0])
def test_convention_bce_second_derivative_is_exact_where_pytorch_loses_digits(z: float) -> None:
    """d²/dz² of BCE(sigmoid(z), 0) = softplus''(z) = sigmoid(z) sigmoid(-z), computed stably here."""
    exact = 1 / (1 + np.exp(-z)) / (1 + np.exp(z))
    x = Tensor(z, requires_grad=True)
    (g,) = tg.grad(tg.binary_cross_entropy(x.sigmoid(), 0.0), x, create_graph=True)
    (h,) = tg.grad(g, x)
    t = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    (tg_,) = torch.autograd.grad(
        F.binary_cross_entropy(t.sigmoid(), torch.zeros((), dtype=torch.float64)), t, create_graph=True
    )
    (th,) = torch.autograd.grad(tg_, t)
    assert h.item() == pytest.approx(exact, rel=1e-12)
    assert abs(th.item() / exact - 1) > 1e-9  # PyTorch: 6e-9 at z = 4, 5e-6 at 7.4, 5e-2 at 12


def test_convention_dtypes() -> None:
    f32 = np.ones(2, np.float32)
    assert (Tensor(f32) * Tensor(2.0)).dtype == np.float64  # 0-d tensors promote as NumPy arrays do
    assert (torch.tensor(f32) * torch.tensor(2.0, dtype=torch.float64)).dtype == torch.float32  # 0-d is weak
    assert (Tensor(f32) * 2.0).dtype == np.float32 and (torch.tensor(f32) * 2.0).dtype == torch.float32
    assert Tensor([1, 2]).dtype == np.float64 and torch.tensor([1, 2]).dtype == torch.int64
    assert Tensor([1.0]).dtype == np.float64 and torch.tensor([1.0]).dtype == torch.float32
    A = Tensor(np.full(2, 0.5, np.float32))  # integer targets take the predictions' dtype
    assert tg.binary_cross_entropy(A, [1, 0]).dtype == np.float32
    with pytest.raises(RuntimeError):  # PyTorch wants float targets
        F.binary_cross_entropy(torch.full((2,), 0.5), torch.tensor([1, 0]))


def test_convention_softmax_runs_over_axis_0_by_default() -> None:
    z = np.array([[1.0, 2.0], [3.0, 0.0]])  # classes are rows, samples columns (the course's layout)
    np.testing.assert_allclose(Tensor(z).softmax().data, torch.softmax(torch.tensor(z), dim=0).numpy())
    labels = np.array([1, 0])
    ours = tg.cross_entropy(Tensor(z), labels).item()  # axis=0: one column per sample
    theirs = F.cross_entropy(torch.tensor(z).T, torch.tensor(labels)).item()  # PyTorch: one row per sample
    assert ours == pytest.approx(theirs, rel=1e-12)


def test_convention_mean_of_nothing_is_an_error_not_nan() -> None:
    with pytest.raises(tg.ShapeError):
        Tensor(np.zeros(0)).mean()
    assert torch.isnan(torch.zeros(0, dtype=torch.float64).mean())
