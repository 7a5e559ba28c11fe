"""Gradient checking: reverse-mode gradients against central finite differences.

:func:`gradcheck` compares the gradients that backward computes for ``fn(*inputs)`` with central
differences ``(f(x + eps) - f(x - eps)) / (2 eps)``, either for the full Jacobian (every input
element against every output element) or, with ``fast=True``, along one random direction per
input (two evaluations per input, whatever its size). :func:`gradgradcheck` does the same for
the first derivatives, so it checks second derivatives through ``create_graph``.

Three things set it apart from an elementwise Jacobian comparison:

* **Kinks.** Where an element sits within ``eps`` of a point where the function is not
  differentiable (ReLU or ``abs`` at 0, ties in ``max``/``maximum``, the bounds of ``clip``), the
  central difference is an average of two different slopes and cannot match any gradient. Such an
  element is recognised because its one-sided differences ``(f(x + eps) - f(x)) / eps`` and
  ``(f(x) - f(x - eps)) / eps`` disagree and the reverse-mode value lies between them (it is a
  valid one-sided derivative or a mix of them). It is reported as a non-differentiable point and
  does not fail the check.
* **Localisation.** When the check fails, ``fn`` is run once more with its graph kept, and every
  recorded op's VJP is checked on its own: against central differences of that op's ``forward``
  on that node's own input arrays. The report names the nodes that disagree, e.g.
  ``op `swish` (node 7), input 0: max rel err 0.5``. Node numbers count the recorded ops from 0 in
  the order they ran.
* **The course's number.** Each input's row also gives the course's relative difference
  ``||g - n|| / (||g|| + ||n||)`` (0 when both are 0), which the course compares with 1e-7.

The pass rule for an element is NumPy's ``|g - n| <= atol + rtol * |n|``.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ._mode import enable_grad
from ._progress import progress_bar
from .autograd import grad
from .errors import ArgumentError, DTypeError, GradcheckError
from .graph import Node, sum_to, topological_order
from .ops import settings
from .tensor import Tensor

__all__ = [
    "gradcheck", "gradgradcheck", "GradcheckReport", "InputCheck", "NodeCheck", "relative_difference",
    "central_differences",
]  # fmt: skip

COURSE_THRESHOLD = 1e-7
"""The course's bound on :func:`relative_difference` for a correct backward pass (course 2)."""

PROGRESS_DELAY = 1.0  # seconds before a gradient check shows its progress bar: short checks print nothing
_MAX_LOCAL_ELEMENTS = 4096  # past this size a node's input is checked along random directions
_LOCAL_DIRECTIONS = 4


# --------------------------------------------------------------------------- the report
@dataclasses.dataclass(frozen=True)
class InputCheck:
    """How one input's gradient compares with finite differences.

    Attributes:
        index: the input's position in ``inputs``.
        name: the tensor's name, if it has one.
        shape: the input's shape.
        dtype: the input's dtype, as a string.
        max_abs_err: the largest ``|g - n|`` over the checked elements.
        max_rel_err: the largest ``|g - n| / max(|g|, |n|)`` (0 where both are 0).
        worst_index: the input element that is furthest outside the tolerance (full mode), or None.
        worst_output: the output element (flat index) of that Jacobian entry, or None.
        analytic: the reverse-mode value at the worst element (fast mode: ``uᵀ J v``).
        numeric: the finite-difference value at the worst element.
        rel_difference: the course's ``||g - n|| / (||g|| + ||n||)``.
        kinks: the input elements found at a non-differentiable point (not counted as failures).
        passed: whether every checked element is within tolerance.
        tolerance_used: the largest ``|g - n| / (atol + rtol * |n|)``: the pass rule holds where it
            is at most 1, so this is what decided ``passed``.

    >>> import tinygrad_ng as tg
    >>> x = tg.Tensor([1.0, -2.0], requires_grad=True, name="x")
    >>> check = tg.gradcheck(lambda x: x.tanh(), [x]).inputs[0]
    >>> check.index, check.name, check.shape, check.passed, check.rel_difference < 1e-7
    (0, 'x', (2,), True, True)
    """

    index: int
    name: str | None
    shape: tuple[int, ...]
    dtype: str
    max_abs_err: float
    max_rel_err: float
    worst_index: tuple[int, ...] | None
    worst_output: int | None
    analytic: float
    numeric: float
    rel_difference: float
    kinks: tuple[tuple[int, ...], ...]
    passed: bool
    tolerance_used: float = 0.0


@dataclasses.dataclass(frozen=True)
class NodeCheck:
    """The local check of one recorded op's VJP for one of its inputs.

    Attributes:
        node: the op's number (the recorded ops counted from 0 in the order they ran).
        op: the op's name.
        input: which of the op's inputs.
        shape: that input's shape.
        scope: the :class:`~tinygrad_ng.tensor.name_scope` the op ran in, if any.
        max_abs_err: the largest ``|g - n|`` over the input's elements.
        max_rel_err: the largest ``|g - n| / max(|g|, |n|)``.
        kinks: how many elements sit at a non-differentiable point.
        passed: whether the VJP agrees with finite differences of the op's forward.
        note: why the node was not checked, if it was not (then ``passed`` is True).

    >>> import tinygrad_ng as tg
    >>> square = tg.custom_op("square", lambda x: x**2, lambda g, out, x: g * x)  # wrong: d(x²)/dx = 2x
    >>> x = tg.Tensor([1.0, 3.0], requires_grad=True)
    >>> report = tg.gradcheck(lambda x: square(x).sum(), [x], raise_on_failure=False)
    >>> [(n.node, n.op, n.passed) for n in report.nodes]
    [(0, 'square', False), (1, 'sum', True)]
    >>> print(report.culprits[0])
    op `square` (node 0), input 0: max rel err 0.5
    """

    node: int
    op: str
    input: int
    shape: tuple[int, ...]
    scope: str | None
    max_abs_err: float
    max_rel_err: float
    kinks: int
    passed: bool
    note: str = ""

    def __str__(self) -> str:
        where = f" in {self.scope!r}" if self.scope else ""
        if self.note:
            return f"op `{self.op}` (node {self.node}){where}, input {self.input}: {self.note}"
        return f"op `{self.op}` (node {self.node}){where}, input {self.input}: max rel err {self.max_rel_err:.3g}"


@dataclasses.dataclass(frozen=True)
class GradcheckReport:
    """The outcome of :func:`gradcheck`: truthy when it passed, printable as a table.

    Attributes:
        passed: whether every checked input passed.
        inputs: one :class:`InputCheck` per input that requires grad.
        nodes: the local check of every recorded op (filled when the check failed).
        fast: whether the random-direction check was used.
        order: 1 for :func:`gradcheck`, 2 for :func:`gradgradcheck`.
        eps: the finite-difference step.
        atol: the absolute tolerance.
        rtol: the relative tolerance.
        notes: warnings and explanations gathered during the check.

    >>> import tinygrad_ng as tg
    >>> x = tg.Tensor([1.0, -2.0], requires_grad=True, name="x")
    >>> report = tg.gradcheck(lambda x: x.tanh(), [x])
    >>> bool(report), report.inputs[0].passed, report.culprits
    (True, True, ())
    >>> print(str(report).splitlines()[0])
    gradcheck passed (full Jacobian, eps=1e-06, atol=1e-05, rtol=0.001)
    """

    passed: bool
    inputs: tuple[InputCheck, ...]
    nodes: tuple[NodeCheck, ...] = ()
    fast: bool = False
    order: int = 1
    eps: float = 1e-6
    atol: float = 1e-5
    rtol: float = 1e-3
    notes: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.passed

    @property
    def culprits(self) -> tuple[NodeCheck, ...]:
        """The recorded ops whose VJP disagrees with finite differences of their own forward."""
        return tuple(n for n in self.nodes if not n.passed)

    def __str__(self) -> str:
        what = "gradgradcheck" if self.order == 2 else "gradcheck"
        mode = "random directions" if self.fast else "full Jacobian"
        head = (
            f"{what} {'passed' if self.passed else 'FAILED'} ({mode}, eps={self.eps:g}, "
            f"atol={self.atol:g}, rtol={self.rtol:g})\n"
            "  an element passes when |g - n| <= atol + rtol*|n| (g: reverse mode, n: finite differences);\n"
            "  err/tol is the largest |g - n| / (atol + rtol*|n|): ok when it is at most 1"
        )
        columns = ["input", "shape", "dtype", "max abs err", "max rel err", "worst at", "err/tol", "rel diff", "kinks"]
        rows = [[*columns, "result"]]
        for c in self.inputs:
            label = f"{c.index} {c.name!r}" if c.name else str(c.index)
            worst = "-" if c.worst_index is None else str(c.worst_index)
            rows.append(
                [
                    label,
                    str(c.shape),
                    c.dtype,
                    f"{c.max_abs_err:.2e}",
                    f"{c.max_rel_err:.2e}",
                    worst,
                    f"{c.tolerance_used:.2g}",
                    f"{c.rel_difference:.2e}",
                    str(len(c.kinks)),
                    "ok" if c.passed else "FAILED",
                ]
            )
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = [head] + ["  " + "  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in rows]
        for c in self.inputs:
            if not c.passed:
                at = (
                    "uᵀ J v"
                    if c.worst_index is None
                    else f"input {c.index} at {c.worst_index}, output {c.worst_output}"
                )
                lines.append(f"  {at}: reverse mode {c.analytic:.6g}, finite differences {c.numeric:.6g}")
            if c.kinks:
                shown = ", ".join(str(k) for k in c.kinks[:5]) + (" ..." if len(c.kinks) > 5 else "")
                lines.append(f"  input {c.index}: non-differentiable point at {shown} (not counted as failures)")
        if self.culprits:
            lines.append("local check of each op's VJP against its own forward; these disagree:")
            lines.extend(f"  {n}" for n in self.culprits)
        elif not self.passed:
            checked = f"all {len(self.nodes)} recorded op inputs agree" if self.nodes else "no op was recorded"
            lines.append(
                f"local check: {checked} with finite differences, so the mismatch comes from computation "
                "outside the graph (.data, .detach(), NumPy on arrays)"
            )
        lines.extend(f"note: {n}" for n in self.notes)
        return "\n".join(lines)


def relative_difference(analytic: Any, numeric: Any) -> float:
    """The course's ``||g - n|| / (||g|| + ||n||)``, 0 when both are 0.

    >>> relative_difference([1.0, 2.0], [1.0, 2.0])
    0.0
    """
    g = np.asarray(analytic, dtype=np.float64).ravel()
    n = np.asarray(numeric, dtype=np.float64).ravel()
    denom = np.linalg.norm(g) + np.linalg.norm(n)
    return 0.0 if denom == 0 else float(np.linalg.norm(g - n) / denom)


# --------------------------------------------------------------------------- comparisons
def _rel_err(a: np.ndarray, n: np.ndarray) -> np.ndarray:
    scale = np.maximum(np.abs(a), np.abs(n))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(scale > 0, np.abs(a - n) / np.where(scale > 0, scale, 1), 0.0)


def _compare(
    a: np.ndarray, n: np.ndarray, fwd: np.ndarray, bwd: np.ndarray, atol: float, rtol: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per element: the excess over the tolerance (> 1 fails), the failure mask and the kink mask.

    An element that fails against the central difference is a kink when its one-sided differences
    disagree beyond the tolerance and the reverse-mode value lies between them.
    """
    tol = atol + rtol * np.abs(n)
    with np.errstate(invalid="ignore"):
        excess = np.abs(a - n) / tol if atol > 0 else np.where(np.abs(a - n) > tol, np.inf, 0.0)
        bad = ~(np.abs(a - n) <= tol)  # NaN fails
        lo, hi = np.minimum(fwd, bwd), np.maximum(fwd, bwd)
        slack = atol + rtol * np.maximum(np.abs(lo), np.abs(hi))
        split = (hi - lo) > slack
        between = (a >= lo - slack) & (a <= hi + slack)
    kink = bad & split & between
    excess = np.where(kink, 0.0, np.nan_to_num(excess, nan=np.inf))
    return excess, bad & ~kink, kink


def _outputs(result: Any, what: str) -> list[Tensor]:
    outs = list(result) if isinstance(result, (tuple, list)) else [result]
    for o in outs:
        if not isinstance(o, Tensor):
            raise DTypeError(f"{what}: fn must return a Tensor or a tuple of Tensors, got {type(o).__name__}")
        if o.dtype.kind != "f":
            raise DTypeError(f"{what}: fn returned a {o.dtype} tensor {o.shape}; only floating outputs have gradients")
    return outs


def _flat(outs: Sequence[Tensor]) -> np.ndarray:
    if not outs:
        return np.zeros(0)
    return np.concatenate([o.data.astype(np.float64).ravel() for o in outs])


def _pieces(vec: np.ndarray, outs: Sequence[Tensor]) -> list[np.ndarray]:
    """Split a flat vector over the outputs, each piece in its output's shape and dtype."""
    pieces, start = [], 0
    for o in outs:
        pieces.append(vec[start : start + o.size].reshape(o.shape).astype(o.dtype))
        start += o.size
    return pieces


class _Perturb:
    """Run ``fn`` with one input's values shifted, restoring them afterwards.

    The shift is made on a private copy swapped in as the tensor's array, so ``fn`` may use the
    input through its argument or a closure alike, and the caller's array is never written.
    """

    def __init__(self, fn: Callable[..., Any], args: Sequence[Any], what: str) -> None:
        self.fn, self.args, self.what = fn, args, what
        self.calls = 0

    def __call__(self) -> np.ndarray:
        self.calls += 1
        with enable_grad():
            return _flat(_outputs(self.fn(*self.args), self.what))

    def shifted(self, t: Tensor, delta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``f`` at ``x + delta`` and the step actually taken (after rounding to x's dtype)."""
        original = t._data
        moved = (original.astype(np.float64) + delta).astype(original.dtype)
        t._data = moved
        try:
            return self(), moved.astype(np.float64) - original.astype(np.float64)
        finally:
            t._data = original


# --------------------------------------------------------------------------- the checks
def _analytic_rows(args: Sequence[Any], checked: Sequence[int], fn: Callable[..., Any], what: str) -> list[np.ndarray]:
    """The full Jacobian of the flattened outputs for each checked input, row by row, by reverse mode."""
    with enable_grad():
        outs = _outputs(fn(*args), what)
    n_out = sum(o.size for o in outs)
    jac = [np.zeros((n_out, args[i].size)) for i in checked]
    live = [(pos, o) for pos, o in enumerate(outs) if o.requires_grad]
    if not live:
        return jac
    offsets = np.cumsum([0] + [o.size for o in outs])
    wrt = [args[i] for i in checked]
    for which, (pos, o) in enumerate(live):
        for e in range(o.size):
            gos = [np.zeros(q.shape, q.dtype) for _, q in live]
            gos[which].flat[e] = 1.0
            grads = grad([q for _, q in live], wrt, gos, retain_graph=True, allow_unused=True)
            for row, g in zip(jac, grads):
                if g is not None:
                    row[offsets[pos] + e] = g.data.astype(np.float64).ravel()
    return jac


def _differences(
    f: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
    f0: np.ndarray,
    directions: Sequence[np.ndarray],
    eps: float,
    bar: Any = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Central, forward and backward differences of ``f`` along each direction: one column each.

    ``f(delta)`` returns the outputs (flat) with the input moved by ``delta`` and the move it
    really made (after rounding to the input's dtype), so each quotient divides by the true step.
    This is the one finite-difference loop: the full and fast checks and the local op checks use it.
    """
    num, fwd, bwd = (np.zeros((f0.size, len(directions))) for _ in range(3))
    for j, d in enumerate(directions):
        norm = float(np.vdot(d, d))
        if norm == 0:  # an empty input: nothing to move, every difference is 0
            continue
        f_plus, moved_plus = f(eps * d)
        f_minus, moved_minus = f(-eps * d)
        hp, hm = float(np.vdot(moved_plus, d)) / norm, -float(np.vdot(moved_minus, d)) / norm
        num[:, j] = ((f_plus - f_minus) / (hp + hm)).ravel()
        fwd[:, j] = ((f_plus - f0) / hp).ravel()
        bwd[:, j] = ((f0 - f_minus) / hm).ravel()
        if bar is not None:
            bar.update()
    return num, fwd, bwd


def central_differences(f: Callable[[], Any], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """The gradient of the scalar ``f()`` with respect to every element of ``x``, by central differences.

    ``x`` is moved in place, one element at a time, and restored.

    >>> x = np.array([1.0, 2.0])
    >>> central_differences(lambda: float(np.sum(x**3)), x).round(6)
    array([ 3., 12.])
    """
    x0 = x.copy()

    def moved(delta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x[...] = x0 + delta
        try:
            return np.asarray(f(), dtype=np.float64), x - x0
        finally:
            x[...] = x0

    num, _, _ = _differences(moved, np.asarray(f(), dtype=np.float64), _unit_directions(x.shape), eps)
    return num.reshape(x.shape)


def _unit_directions(shape: tuple[int, ...]) -> list[np.ndarray]:
    size = int(np.prod(shape))
    return [np.eye(1, size, j).reshape(shape) for j in range(size)]


def _input_check(
    i: int, t: Tensor, a: np.ndarray, num: np.ndarray, fwd: np.ndarray, bwd: np.ndarray, atol: float, rtol: float,
    located: bool,
) -> InputCheck:  # fmt: skip
    """One input's row of the report, from the (outputs x directions) comparison of ``a`` with ``num``.

    ``located``: the directions are the input's elements (full mode), so the worst entry and the
    kinks have positions; otherwise (one random direction) they do not.
    """
    excess, bad, kink = _compare(a, num, fwd, bwd, atol, rtol)
    ok = ~kink
    worst_k, worst_j = np.unravel_index(int(np.argmax(excess)), excess.shape) if excess.size else (0, 0)

    def where(j: int) -> tuple[int, ...]:
        return tuple(int(v) for v in np.unravel_index(int(j), t.shape)) if located else ()

    return InputCheck(
        index=i,
        name=t.name,
        shape=t.shape,
        dtype=str(t.dtype),
        max_abs_err=float(np.nan_to_num(np.where(ok, np.abs(a - num), 0.0), nan=np.inf).max(initial=0.0)),
        max_rel_err=float(np.nan_to_num(np.where(ok, _rel_err(a, num), 0.0), nan=np.inf).max(initial=0.0)),
        worst_index=where(worst_j) if located and excess.size else None,
        worst_output=int(worst_k) if located and excess.size else None,
        analytic=float(a[worst_k, worst_j]) if excess.size else 0.0,
        numeric=float(num[worst_k, worst_j]) if excess.size else 0.0,
        rel_difference=relative_difference(a[ok], num[ok]),
        kinks=tuple(where(c) for c in (np.flatnonzero(kink.any(axis=0)) if kink.size else ())),
        passed=not bad.any(),
        tolerance_used=float(excess.max(initial=0.0)),
    )


def _full_check(
    fn: Callable[..., Any],
    args: Sequence[Any],
    checked: Sequence[int],
    eps: float,
    atol: float,
    rtol: float,
    what: str,
    bar: Any = None,
) -> list[InputCheck]:
    run = _Perturb(fn, args, what)
    f0 = run()
    analytic = _analytic_rows(args, checked, fn, what)
    rows = []
    for i, a in zip(checked, analytic):
        t = args[i]
        num, fwd, bwd = _differences(lambda d, t=t: run.shifted(t, d), f0, _unit_directions(t.shape), eps, bar)
        rows.append(_input_check(i, t, a, num, fwd, bwd, atol, rtol, located=True))
    return rows


def _fast_check(
    fn: Callable[..., Any],
    args: Sequence[Any],
    checked: Sequence[int],
    eps: float,
    atol: float,
    rtol: float,
    rng: np.random.Generator,
    what: str,
    bar: Any = None,
) -> list[InputCheck]:
    run = _Perturb(fn, args, what)
    with enable_grad():
        outs = _outputs(fn(*args), what)
    f0 = _flat(outs)
    u = rng.standard_normal(f0.size)
    u /= max(np.linalg.norm(u), 1e-300)
    live = [o for o in outs if o.requires_grad]
    grads: Sequence[Any] = [None] * len(checked)
    if live:
        gos = [p for o, p in zip(outs, _pieces(u, outs)) if o.requires_grad]
        grads = grad(live, [args[i] for i in checked], gos, allow_unused=True)
    rows = []
    for i, g in zip(checked, grads):
        t = args[i]
        v = rng.standard_normal(t.shape)
        v /= max(np.linalg.norm(v), 1e-300)
        a = 0.0 if g is None else float(np.sum(g.data.astype(np.float64) * v))

        def projected(delta: np.ndarray, t: Tensor = t) -> tuple[np.ndarray, np.ndarray]:
            out, moved = run.shifted(t, delta)
            return np.array([u @ out]), moved

        num, fwd, bwd = _differences(projected, np.array([u @ f0]), [v], eps, bar)
        rows.append(_input_check(i, t, np.array([[a]]), num, fwd, bwd, atol, rtol, located=False))
    return rows


def _check_node(
    k: int, node: Node, i: int, eps: float, atol: float, rtol: float, rng: np.random.Generator
) -> NodeCheck:
    """Check input ``i`` of ``node``'s VJP against central differences of the op's own forward."""
    op, parents, attrs = node.op, node.saved or (), settings(node.attrs)  # run again on moved inputs
    x = parents[i]
    base = dict(node=k, op=op.name, input=i, shape=x.shape, scope=node.scope)
    if x.dtype != np.float64 or node.dtype != np.float64:
        return NodeCheck(**base, max_abs_err=0.0, max_rel_err=0.0, kinks=0, passed=True,
                         note=f"not checked ({x.dtype} -> {node.dtype}: finite differences need float64)")  # fmt: skip
    xs = [np.array(p._data, copy=True) for p in parents]
    out = node.out()._data  # type: ignore[union-attr]  # alive: the caller holds the graph
    g = rng.standard_normal(out.shape)

    def f() -> float:
        return float(np.sum(g * np.asarray(op.forward(*xs, **attrs), dtype=np.float64)))

    try:
        vjp = op.vjp(i, g, out, [p._data for p in parents], attrs)
        vjp = np.zeros(x.shape) if vjp is None else sum_to(np.asarray(vjp, dtype=np.float64), x.shape)
    except (ValueError, TypeError) as e:
        return NodeCheck(**base, max_abs_err=np.inf, max_rel_err=np.inf, kinks=0, passed=False,
                         note=f"VJP failed: {e}")  # fmt: skip
    xi = xs[i]
    x0 = xi.copy()

    def moved(delta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        xi[...] = x0 + delta
        try:
            return np.array([f()]), delta
        finally:
            xi[...] = x0

    directions: list[np.ndarray]
    if x.size <= _MAX_LOCAL_ELEMENTS:
        directions = _unit_directions(x.shape)
    else:
        directions = [rng.standard_normal(x.shape) for _ in range(_LOCAL_DIRECTIONS)]
    a = np.array([[float(np.sum(vjp * d)) for d in directions]])
    num, fwd, bwd = _differences(moved, np.array([f()]), directions, eps)
    _, bad, kink = _compare(a, num, fwd, bwd, atol, rtol)
    ok = ~kink
    return NodeCheck(
        **base,
        max_abs_err=float(np.nan_to_num(np.where(ok, np.abs(a - num), 0.0), nan=np.inf).max(initial=0.0)),
        max_rel_err=float(np.nan_to_num(np.where(ok, _rel_err(a, num), 0.0), nan=np.inf).max(initial=0.0)),
        kinks=int(kink.sum()),
        passed=not bad.any(),
    )


def _localise(
    fn: Callable[..., Any], args: Sequence[Any], eps: float, atol: float, rtol: float, seed: int | None, what: str
) -> list[NodeCheck]:
    with enable_grad():
        outs = _outputs(fn(*args), what)
    rng = np.random.default_rng(seed)
    checks = []
    for k, node in enumerate(topological_order([o._node for o in outs if o._node is not None])):
        for i, p in enumerate(node.saved or ()):
            if p.requires_grad:
                checks.append(_check_node(k, node, i, eps, atol, rtol, rng))
    return checks


def _arguments(inputs: Any, what: str) -> tuple[list[Any], list[int]]:
    args = list(inputs) if isinstance(inputs, (tuple, list)) else [inputs]
    checked = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]
    if not checked:
        raise ArgumentError(
            f"{what}: none of the {len(args)} inputs is a Tensor that requires grad, so there is nothing to check; "
            "create the inputs with requires_grad=True"
        )
    return args, checked


def _check_settings(eps: float, atol: float, rtol: float, what: str) -> None:
    if not eps > 0:
        raise ArgumentError(f"{what}: eps must be positive, got {eps}")
    if not (atol >= 0 and rtol >= 0) or atol == rtol == 0:
        raise ArgumentError(f"{what}: atol and rtol must be non-negative and not both 0, got atol={atol}, rtol={rtol}")


def _dtype_notes(args: Sequence[Any], checked: Sequence[int], eps: float, atol: float, what: str) -> list[str]:
    notes = []
    for i in checked:
        t = args[i]
        if t.dtype != np.float64:
            rounding = np.finfo(t.dtype).eps / eps
            note = (
                f"input {i} {t.shape} is {t.dtype}, not float64: finite differences with eps={eps:g} in {t.dtype} "
                f"carry a rounding error of about {rounding:.0e} relative (machine epsilon / eps), far above "
                f"atol={atol:g}, so they cannot confirm its gradient; check in float64, e.g. "
                "Tensor(x, dtype=np.float64, requires_grad=True)"
            )
            warnings.warn(f"{what}: {note}", UserWarning, stacklevel=4)
            notes.append(note)
    return notes


def _check(
    fn: Callable[..., Any],
    inputs: Any,
    eps: float,
    atol: float,
    rtol: float,
    fast: bool,
    raise_on_failure: bool,
    seed: int | None,
    order: int,
    progress: bool | None = False,
) -> GradcheckReport:
    """The check behind :func:`gradcheck` (order 1) and :func:`gradgradcheck` (order 2)."""
    what = "gradgradcheck" if order == 2 else "gradcheck"
    _check_settings(eps, atol, rtol, what)
    args, checked = _arguments(inputs, what)
    notes = _dtype_notes(args, checked, eps, atol, what)
    steps = len(checked) if fast else sum(args[i].size for i in checked)
    unit = "input" if fast else "entry"
    with progress_bar(steps, progress, unit=unit, delay=PROGRESS_DELAY) as bar:
        if fast:
            rows = _fast_check(fn, args, checked, eps, atol, rtol, np.random.default_rng(seed), what, bar)
        else:
            rows = _full_check(fn, args, checked, eps, atol, rtol, what, bar)
    passed = all(r.passed for r in rows)
    nodes = () if passed else tuple(_localise(fn, args, eps, atol, rtol, seed, what))
    report = GradcheckReport(
        passed=passed,
        inputs=tuple(rows),
        nodes=nodes,
        fast=fast,
        order=order,
        eps=eps,
        atol=atol,
        rtol=rtol,
        notes=tuple(notes),
    )
    if not passed and raise_on_failure:
        raise GradcheckError(str(report), report)
    return report


# --------------------------------------------------------------------------- public API
def gradcheck(
    fn: Callable[..., Any],
    inputs: Tensor | Sequence[Any],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    fast: bool = False,
    raise_on_failure: bool = True,
    seed: int | None = 0,
    progress: bool | None = None,
) -> GradcheckReport:
    """Check the reverse-mode gradients of ``fn(*inputs)`` against central finite differences.

    Every input that is a Tensor requiring grad is checked; other inputs are passed unchanged.
    ``fn`` may return a Tensor of any shape or a tuple of Tensors: the whole Jacobian is compared
    (one backward pass per output element, two evaluations per input element), or with
    ``fast=True`` one random projection ``uᵀ J v`` per input (two evaluations per input).

    Args:
        fn: the function to check; it must compute its result from the inputs it is given.
        inputs: a Tensor or a sequence of arguments for ``fn``.
        eps: the finite-difference step.
        atol: absolute tolerance, per element.
        rtol: relative tolerance, per element (``|g - n| <= atol + rtol * |n|``).
        fast: check one random direction per input instead of the full Jacobian.
        raise_on_failure: raise :class:`~tinygrad_ng.GradcheckError` (carrying the report in
            ``.report``) when the check fails; otherwise return the failing report.
        seed: seeds the random directions and the local checks (None: fresh each time).
        progress: show a progress bar with an estimate of the time left once the check has run
            a second (it needs tqdm); None shows it when stderr is a terminal.

    Returns:
        A :class:`GradcheckReport`: truthy when the check passed; ``str(report)`` is a table
        with, per input, the largest absolute and relative errors, the worst element, how much
        of the tolerance the worst element used (``err/tol``, at most 1 to pass), the course's
        relative difference and the non-differentiable points found. When the check
        fails, ``report.culprits`` names the ops whose VJP disagrees with their own forward.

    Raises:
        GradcheckError: the gradients disagree (unless ``raise_on_failure=False``).
        ArgumentError: no input requires grad, or bad eps/tolerances.

    Warns:
        UserWarning: an input is not float64 (its finite differences are too coarse to trust).

    >>> import tinygrad_ng as tg
    >>> W = tg.Tensor([[0.5, -0.3]], requires_grad=True)
    >>> X = tg.Tensor([[1.0, 2.0], [3.0, -1.0]])
    >>> report = tg.gradcheck(lambda W, X: (W @ X).sigmoid(), [W, X])
    >>> bool(report), report.inputs[0].rel_difference < 1e-7
    (True, True)
    """
    return _check(fn, inputs, eps, atol, rtol, fast, raise_on_failure, seed, order=1, progress=progress)


def gradgradcheck(
    fn: Callable[..., Any],
    inputs: Tensor | Sequence[Any],
    grad_outputs: Any = None,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    fast: bool = False,
    raise_on_failure: bool = True,
    seed: int | None = 0,
) -> GradcheckReport:
    """Check second derivatives: :func:`gradcheck` applied to the first derivatives of ``fn``.

    The first derivatives ``uᵀ ∂fn/∂x`` (for every input x that requires grad) are computed with
    ``create_graph=True`` and then checked against finite differences of themselves, so every
    VJP used on the way must itself be differentiable.

    Args:
        fn: the function; it must return a Tensor or a tuple of Tensors.
        inputs: a Tensor or a sequence of arguments for ``fn``.
        grad_outputs: the upstream gradients ``u``, one per output (each of that output's
            shape); by default fixed random arrays drawn from ``seed``.
        eps: the finite-difference step, as in :func:`gradcheck`.
        atol: the absolute tolerance, as in :func:`gradcheck`.
        rtol: the relative tolerance, as in :func:`gradcheck`.
        fast: check one random direction per input instead of the full Jacobian.
        raise_on_failure: raise :class:`GradcheckError` on failure (else return the failing report).
        seed: the seed of the random ``grad_outputs`` and directions.

    Returns:
        A :class:`GradcheckReport` with ``order == 2``.

    >>> import tinygrad_ng as tg
    >>> x = tg.Tensor([0.5, -1.0, 2.0], requires_grad=True)
    >>> bool(tg.gradgradcheck(lambda x: (x * x.tanh()).sum(), [x]))
    True
    """
    _check_settings(eps, atol, rtol, "gradgradcheck")
    args, checked = _arguments(inputs, "gradgradcheck")
    with enable_grad():
        outs = _outputs(fn(*args), "gradgradcheck")
    if grad_outputs is None:
        rng = np.random.default_rng(seed)
        us = [rng.standard_normal(o.shape).astype(o.dtype) for o in outs]
    else:
        given = [grad_outputs] if isinstance(grad_outputs, (Tensor, np.ndarray)) else list(grad_outputs)
        if len(given) != len(outs):
            raise ArgumentError(
                f"gradgradcheck: fn returned {len(outs)} outputs but {len(given)} grad_outputs were given"
            )
        us = [np.asarray(u.data if isinstance(u, Tensor) else u, dtype=o.dtype) for u, o in zip(given, outs)]
        for u, o in zip(us, outs):
            if u.shape != o.shape:
                raise ArgumentError(f"gradgradcheck: grad_outputs of shape {u.shape} for an output of shape {o.shape}")

    def first_derivatives(*call_args: Any) -> tuple[Tensor, ...]:
        results = _outputs(fn(*call_args), "gradgradcheck")
        pairs = [(o, u) for o, u in zip(results, us) if o.requires_grad]
        wrt = [call_args[i] for i in checked]
        if not pairs:
            return tuple(Tensor(np.zeros(t.shape, t.dtype)) for t in wrt)
        gs = grad([o for o, _ in pairs], wrt, [u for _, u in pairs], create_graph=True, allow_unused=True)
        return tuple(Tensor(np.zeros(t.shape, t.dtype)) if g is None else g for g, t in zip(gs, wrt))

    return _check(first_derivatives, args, eps, atol, rtol, fast, raise_on_failure, seed, order=2)
