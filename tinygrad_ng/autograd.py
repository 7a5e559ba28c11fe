"""The backward walk: reverse-mode differentiation over the recorded graph.

The walk is iterative (an explicit stack, no recursion), visits each node once in reverse
topological order, calls only the VJPs whose input requires grad, undoes broadcasting once per
gradient (:func:`sum_to`), accumulates fan-out by addition, frees each node's upstream gradient
as soon as it is used and, unless ``retain_graph``, releases each node's saved inputs as it
passes, so a training step's graph does not outlive its backward.
"""

from __future__ import annotations

import contextlib
import functools
import gc
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from ._anomaly import count_nonfinite, describe, where_text
from .errors import AnomalyError, DTypeError, GraphError, InplaceError, ShapeError
from .tensor import ArrayLike, Tensor, _mode, enable_grad

__all__ = ["backward", "grad", "detect_anomaly", "sum_to", "topological_order"]


def sum_to(g: Any, shape: tuple[int, ...]) -> Any:
    """Sum ``g`` down to ``shape``, undoing NumPy broadcasting (ndarray or Tensor).

    >>> sum_to(np.ones((3, 4)), (3, 1))
    array([[4.],
           [4.],
           [4.]])
    """
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    if lead < 0:
        raise ShapeError(f"backward: gradient of shape {g.shape} cannot be summed to shape {shape}")
    axes = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(shape) if n == 1 and g.shape[i + lead] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    if lead:
        g = g.reshape(shape)
    if g.shape != shape:
        raise ShapeError(f"backward: gradient of shape {g.shape} does not fit shape {shape}")
    return g


def topological_order(roots: Sequence[Tensor]) -> list[Tensor]:
    """The recorded op nodes below ``roots``, each after all of its parents, in the order they ran.

    An iterative depth-first search (an explicit stack, so graph depth is unlimited); leaves and
    constants are left out. Backward walks this list from the end.

    >>> import tinygrad_ng as tg
    >>> x = tg.Tensor(2.0, requires_grad=True)
    >>> y = (x * 3).exp()
    >>> [t.op for t in topological_order([y])]
    ['mul', 'exp']
    """
    order: list[Tensor] = []
    seen: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(r, False) for r in reversed(roots) if r._ctx is not None]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        for p in reversed(node._ctx[1] or ()):  # type: ignore[index]
            if p._ctx is not None and id(p) not in seen:
                stack.append((p, False))
    return order


def _check_released(node: Tensor) -> None:
    op, parents, _, versions, _, _ = node._ctx  # type: ignore[misc]
    if parents is None:
        raise GraphError(
            f"backward: the graph through op {op.name!r} (output {node.shape}) was already released "
            "by an earlier backward(); pass retain_graph=True to that first call to run backward twice"
        )
    for p, v in zip(parents, versions):
        if p._version != v:
            who = f"{p.name!r} " if p.name else ""
            raise InplaceError(
                f"backward: input {who}{p.shape} {p.dtype} of op {op.name!r} was modified after the op "
                f"saved it (version {v} -> {p._version}); its gradient would be wrong. Edit a copy, "
                "or run the forward pass again after the edit"
            )
    if node._version:  # VJPs may read the op's own output (sigmoid, exp, tanh...)
        raise InplaceError(
            f"backward: the output {node.shape} {node.dtype} of op {op.name!r} was modified after the op "
            "computed it; its gradient would be wrong. Edit a copy, or run the forward pass again"
        )


def _check_finite(node: Tensor, i: int, gp: Any, g: Any) -> None:
    bad = count_nonfinite(gp._data if isinstance(gp, Tensor) else gp)
    if bad:
        op, parents, _, _, where, _ = node._ctx  # type: ignore[misc]
        upstream = count_nonfinite(g._data if isinstance(g, Tensor) else g)
        source = (
            f"from an upstream gradient that already held {upstream} (the grad passed to backward, "
            "or a sum of gradients that overflowed)"
            if upstream
            else "from a finite upstream gradient"
        )
        inputs = ", ".join(f"input {j} {describe(p)}" for j, p in enumerate(parents))
        raise AnomalyError(
            f"detect_anomaly: backward of op {op.name!r} (output {node.shape} {node.dtype}) produced {bad} "
            f"in the gradient for input {i} {describe(parents[i])} {source}; "
            f"inputs: {inputs}\nthe op was called at:\n{where_text(where)}"
        )


def _gc_paused(fn: Callable[..., None]) -> Callable[..., None]:
    """Run ``fn`` with Python's cyclic garbage collector paused, as it was before afterwards.

    The walk allocates a gradient and a released context per node but makes no reference
    cycles, and each collection it triggers rescans the whole graph: on a 100k-node chain the
    collections cost about a tenth of the walk's CPU time.
    """

    @functools.wraps(fn)
    def paused(*args: Any, **kwargs: Any) -> None:
        if not gc.isenabled():
            return fn(*args, **kwargs)
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            gc.enable()

    return paused


@_gc_paused
def _run(
    roots: Sequence[Tensor],
    root_grads: Sequence[Any],
    *,
    retain_graph: bool,
    create_graph: bool,
    capture: dict[int, Any] | None,
) -> None:
    """Propagate ``root_grads`` from ``roots`` to every node below.

    With ``capture is None`` leaf gradients accumulate into ``.grad``; otherwise the gradient of
    each tensor whose id is a key of ``capture`` is stored there and ``.grad`` is untouched.
    """
    order = topological_order(roots)
    grads: dict[int, Any] = {}
    for r, g in zip(roots, root_grads):
        _deliver(r, g, grads, capture, create_graph)
    anomaly = _mode.anomaly
    for node in reversed(order):
        g = grads.pop(id(node), None)
        if g is None:
            continue
        _check_released(node)
        op, parents, attrs, _, _, scope = node._ctx  # type: ignore[misc]
        if create_graph:
            out, inputs = node, parents
        else:
            out, inputs = node._data, [p._data for p in parents]
        for i, p in enumerate(parents):
            if not p.requires_grad:
                continue
            gp = op.vjp(i, g, out, inputs, attrs)
            if gp is None:
                continue
            if not create_graph and type(gp) is not np.ndarray:
                gp = np.asarray(gp)
            if gp.shape != p.shape:
                gp = sum_to(gp, p.shape)
            if gp.dtype != p.dtype:
                gp = gp.astype(p.dtype)
            if anomaly:
                _check_finite(node, i, gp, g)
            _deliver(p, gp, grads, capture, create_graph, fresh=gp is not g)
        if not retain_graph:
            node._ctx = (op, None, None, (), None, scope)  # keep the op's name for messages


def _deliver(
    t: Tensor,
    g: Any,
    grads: dict[int, Any],
    capture: dict[int, Any] | None,
    create_graph: bool,
    fresh: bool = False,
) -> None:
    """Hand gradient ``g`` to tensor ``t``: store it (leaf, retained or captured) and queue it."""
    key = id(t)
    if capture is not None:
        if key in capture:
            capture[key] = g if capture[key] is None else capture[key] + g
    elif t._ctx is None or t._retain:
        arr = g._data if isinstance(g, Tensor) else g
        if t.grad is None:
            # Own the array: a pass-through or a view may be shared with another gradient.
            owned = fresh and not create_graph and arr.base is None and arr.flags.writeable
            t.grad = arr if owned else arr.copy()
        else:
            total = t.grad + arr
            t.grad = total if type(total) is np.ndarray else np.asarray(total)  # 0-d + 0-d is a NumPy scalar
    if t._ctx is not None:
        grads[key] = g if key not in grads else grads[key] + g


def _as_grad(t: Tensor, grad: ArrayLike, create_graph: bool) -> Any:
    """The upstream gradient for output ``t``: checked, in ``t``'s dtype."""
    if grad is None:
        if t.size != 1:
            raise ShapeError(
                f"backward: output has shape {t.shape}; pass grad= of that shape "
                "(an implicit gradient of 1 only exists for a one-element output, e.g. a loss)"
            )
        g = np.ones_like(t._data)
    else:
        try:
            g = grad._data if isinstance(grad, Tensor) else np.asarray(grad)
        except ValueError as e:  # ragged nested lists
            raise ShapeError(f"backward: grad must be an array of the output's shape {t.shape}: {e}") from None
        if g.dtype.kind not in "biuf":
            raise DTypeError(f"backward: grad must be numeric, got dtype {g.dtype}")
        if g.shape != t.shape:
            raise ShapeError(f"backward: grad has shape {g.shape} but the output has shape {t.shape}")
        g = g.astype(t.dtype, copy=False)
    if create_graph:
        return grad if isinstance(grad, Tensor) else Tensor(g)
    return g


def _check_output(t: Any, what: str) -> Tensor:
    if not isinstance(t, Tensor):
        raise DTypeError(f"{what}: expected a Tensor, got {type(t).__name__}")
    if not t.requires_grad:
        raise GraphError(
            f"{what}: the tensor {t.shape} does not require grad, so there is nothing to differentiate; "
            "create the parameters with requires_grad=True (and not under no_grad)"
        )
    return t


def backward(t: Tensor, grad: ArrayLike = None, *, retain_graph: bool = False, create_graph: bool = False) -> None:
    """Accumulate d(t)/d(leaf) into ``.grad`` of every leaf below ``t``; see :meth:`Tensor.backward`.

    ``grad`` has ``t``'s shape (omit it for a one-element ``t``); each leaf's ``.grad`` gets the
    leaf's shape and dtype.

    >>> w = Tensor([1.0, 2.0], requires_grad=True)
    >>> backward((w * w).sum())
    >>> w.grad
    array([2., 4.])
    """
    _check_output(t, "backward")
    g = _as_grad(t, grad, create_graph)
    ctx = enable_grad() if create_graph else contextlib.nullcontext()
    with ctx:
        _run([t], [g], retain_graph=retain_graph or create_graph, create_graph=create_graph, capture=None)


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: ArrayLike | Sequence[ArrayLike] | None = None,
    *,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """The gradients of ``outputs`` with respect to ``inputs``, as tensors; ``.grad`` is untouched.

    Args:
        outputs: a tensor or a sequence of tensors (their gradients are summed).
        inputs: the tensors to differentiate with respect to (leaves or intermediates).
        grad_outputs: upstream gradients, one per output; may be omitted for one-element outputs.
        retain_graph: keep the graph for another backward (default: ``create_graph``).
        create_graph: record the gradient computation, so the results can be differentiated
            again (second derivatives, Hessian-vector products).
        allow_unused: return None for an input the outputs do not depend on, instead of raising.

    Returns:
        A tuple with one gradient per input, each the input's shape and dtype.

    >>> import tinygrad_ng as tg
    >>> x = tg.Tensor(3.0, requires_grad=True)
    >>> (dx,) = tg.grad(x**3, x, create_graph=True)
    >>> (d2x,) = tg.grad(dx, x)
    >>> float(dx), float(d2x)
    (27.0, 18.0)
    """
    outs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    ins = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    for t in outs:
        _check_output(t, "grad")
    for t in ins:
        if not isinstance(t, Tensor):
            raise DTypeError(f"grad: inputs must be Tensors, got {type(t).__name__}")
    if grad_outputs is None:
        gos: list[Any] = [None] * len(outs)
    elif isinstance(grad_outputs, (Tensor, np.ndarray)) or np.isscalar(grad_outputs):
        gos = [grad_outputs]
    else:
        gos = list(grad_outputs)
    if len(gos) != len(outs):
        raise ShapeError(f"grad: {len(outs)} outputs but {len(gos)} grad_outputs")
    root_grads = [_as_grad(t, g, create_graph) for t, g in zip(outs, gos)]
    capture: dict[int, Any] = {id(t): None for t in ins}
    ctx = enable_grad() if create_graph else contextlib.nullcontext()
    keep = create_graph if retain_graph is None else retain_graph
    with ctx:
        _run(outs, root_grads, retain_graph=keep, create_graph=create_graph, capture=capture)
    results: list[Tensor | None] = []
    for t in ins:
        g = capture[id(t)]
        if g is None:
            if not allow_unused:
                raise GraphError(
                    f"grad: input {t.name or ''}{t.shape} is not part of the graph of the outputs "
                    "(or does not require grad); pass allow_unused=True to get None for it"
                )
            results.append(None)
        elif isinstance(g, Tensor):
            results.append(g)
        else:
            results.append(Tensor(g, dtype=t.dtype))
    return tuple(results)


@contextlib.contextmanager
def detect_anomaly() -> Iterator[None]:
    """Context manager: stop at the first op whose output or gradient holds NaN or Inf.

    The error names the op, its operands' shapes and the line of your code that called the op.
    The checks (and the recording of where each op was called) run only inside this block.

    >>> import tinygrad_ng as tg
    >>> x = tg.Tensor([-1.0], requires_grad=True)
    >>> with tg.detect_anomaly():
    ...     y = x.log()  # doctest: +SKIP
    Traceback (most recent call last):
    AnomalyError: detect_anomaly: op 'log' produced NaN or Inf ...
    """
    saved = _mode.anomaly
    _mode.anomaly = True
    try:
        with np.errstate(all="ignore"):
            yield
    finally:
        _mode.anomaly = saved
