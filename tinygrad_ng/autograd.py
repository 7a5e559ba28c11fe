"""Gradients as tensors: :func:`grad` (``.grad`` untouched), :func:`backward` and :func:`detect_anomaly`.

The walk itself is :func:`tinygrad_ng.graph.run`; :meth:`Tensor.backward` calls it directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import graph
from ._mode import detect_anomaly, enable_grad
from .errors import DTypeError, GraphError, ShapeError
from .graph import sum_to, topological_order, trace_backward
from .tensor import ArrayLike, Tensor, as_grad, check_output

__all__ = ["backward", "grad", "detect_anomaly", "sum_to", "topological_order", "trace_backward"]


def backward(t: Tensor, grad: ArrayLike = None, *, retain_graph: bool = False, create_graph: bool = False) -> None:
    """Accumulate d(t)/d(leaf) into ``.grad`` of every leaf below ``t``; see :meth:`Tensor.backward`.

    >>> w = Tensor([1.0, 2.0], requires_grad=True)
    >>> backward((w * w).sum())
    >>> w.grad
    array([2., 4.])
    """
    check_output(t, "backward").backward(grad, retain_graph=retain_graph, create_graph=create_graph)


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
        check_output(t, "grad")
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
    root_grads = [as_grad(t, g, create_graph) for t, g in zip(outs, gos)]
    capture: dict[int, Any] = {id(t): None for t in ins}
    keep = create_graph if retain_graph is None else retain_graph
    if create_graph:
        with enable_grad():
            graph.run(outs, root_grads, retain_graph=keep, create_graph=True, capture=capture)
    else:
        graph.run(outs, root_grads, retain_graph=keep, create_graph=False, capture=capture)
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
