"""Custom ops: your own forward and VJPs, recorded in the graph like a built-in primitive.

A custom op is the tool for a function whose derivative you know better than the chain rule
does (a fused, stable or cheaper formula), or whose forward is not made of tinygrad_ng ops at
all. It records in the graph under its own name, shows in graph drawings with its rule, and is
checked by :func:`~tinygrad_ng.gradcheck`, which can localise a wrong VJP to it.

The rules are those of the built-in table in :mod:`tinygrad_ng.ops`: ``forward(*arrays,
**attrs)`` gets NumPy arrays; ``vjps[i](g, out, *inputs, **attrs)`` returns the gradient for input
``i`` (or None), and may return it in the broadcast shape, since the engine sums it down to the
input's shape. Under ``create_graph=True`` the VJPs receive Tensors instead of arrays; a VJP
written with operators and NumPy ufuncs (``np.exp``, ``np.tanh``...) then records its own graph,
which is how second derivatives through the op work. Declare ``twice_differentiable=False`` for
a VJP that cannot run on Tensors, and ``create_graph`` through it raises a clear error instead.

Custom ops are not added to :data:`tinygrad_ng.ops.REGISTRY`, which holds the built-in primitives.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .errors import ArgumentError, DTypeError, GraphError, ShapeError
from .functional import as_tensor
from .ops import REGISTRY, Op
from .tensor import ArrayLike, Tensor, apply

__all__ = ["CustomOp", "custom_op"]

Vjp = Callable[..., Any]


class CustomOp(Op):
    """A user-defined op: call it on tensors (or array-likes) and keyword attributes.

    Made by :func:`custom_op`. Calling it runs ``forward`` on the inputs' arrays and records the
    op in the graph when an input requires grad; the keyword arguments are passed to ``forward``
    and to every VJP.

    >>> import tinygrad_ng as tg
    >>> cube = tg.custom_op("cube", lambda x: x**3, lambda g, out, x: 3 * g * x**2, rule="dx = 3 g x**2")
    >>> y = cube(tg.Tensor([2.0], requires_grad=True))
    >>> y.op, y.data
    ('cube', array([8.]))
    """

    __slots__ = ()

    def __call__(self, *inputs: ArrayLike, **attrs: Any) -> Tensor:
        n = len(self.vjps)  # type: ignore[arg-type]
        if len(inputs) != n:
            raise ArgumentError(f"custom op {self.name!r}: takes {n} input(s) (one per VJP), got {len(inputs)}")
        return apply(self, *[as_tensor(x) for x in inputs], **attrs)

    def vjp(self, i: int, g: Any, out: Any, inputs: Sequence[Any], attrs: dict[str, Any]) -> Any:
        """The gradient for input ``i``, checked for type and shape so a faulty VJP is named."""
        if isinstance(g, Tensor) and not self.twice_differentiable:
            raise GraphError(
                f"custom op {self.name!r} was declared twice_differentiable=False, so its VJP cannot be "
                "recorded for create_graph=True (second derivatives); write the VJP with operators and "
                "NumPy ufuncs and drop that flag"
            )
        gx = self.vjps[i](g, out, *inputs, **attrs)  # type: ignore[index]
        if gx is None or isinstance(gx, Tensor):
            return gx
        try:
            gx = np.asarray(gx)
        except (TypeError, ValueError):
            gx = np.asarray(None)
        x = inputs[i]
        if gx.dtype.kind not in "biuf":
            raise DTypeError(
                f"custom op {self.name!r}: the VJP for input {i} returned {type(gx).__name__} of dtype {gx.dtype}; "
                f"it must return an array of the input's shape {tuple(x.shape)} (or None)"
            )
        if gx.shape != tuple(x.shape) and not _sums_to(gx.shape, tuple(x.shape)):
            raise ShapeError(
                f"custom op {self.name!r}: the VJP for input {i} returned shape {gx.shape}, which does not fit "
                f"the input's shape {tuple(x.shape)} (the output has shape {tuple(np.shape(out))})"
            )
        return gx

    def __repr__(self) -> str:
        return f"CustomOp({self.name!r}: {self.rule})"


def _sums_to(shape: tuple[int, ...], target: tuple[int, ...]) -> bool:
    """Whether a gradient of ``shape`` can be summed down to ``target`` (undoing broadcasting)."""
    lead = len(shape) - len(target)
    return lead >= 0 and all(t in (1, s) for s, t in zip(shape[lead:], target))


def custom_op(
    name: str,
    forward: Callable[..., Any],
    vjps: Sequence[Vjp] | Vjp,
    *,
    rule: str | None = None,
    twice_differentiable: bool = True,
) -> CustomOp:
    """Define an op from a forward and one VJP per input; call the result on tensors.

    Args:
        name: the op's name in graphs, error messages and gradcheck reports; it must differ from
            the built-in primitives' names.
        forward: ``forward(*arrays, **attrs) -> ndarray``, on NumPy arrays.
        vjps: one ``vjp(g, out, *inputs, **attrs)`` per input, returning the gradient for that
            input (or None for no gradient); a single callable for a one-input op.
        rule: the derivative in math-like notation, shown in graph drawings.
        twice_differentiable: whether the VJPs also run on Tensors (for ``create_graph``).

    Returns:
        A :class:`CustomOp`; ``op(x, y, alpha=2.0)`` returns a Tensor of ``forward``'s shape.

    Raises:
        ArgumentError: an empty or built-in name, or VJPs that are not callables.

    >>> import numpy as np
    >>> import tinygrad_ng as tg
    >>> swish = tg.custom_op(
    ...     "swish",
    ...     forward=lambda x: x / (1 + np.exp(-x)),
    ...     vjps=lambda g, out, x: g * (out + (1 - out) / (1 + np.exp(-x))),
    ...     rule="dx = g * (s + x s (1 - s)),  s = sigmoid(x)",
    ... )
    >>> x = tg.Tensor([0.0, 1.0], requires_grad=True)
    >>> y = swish(x)
    >>> y.op
    'swish'
    >>> bool(tg.gradcheck(swish, [x]))
    True
    """
    if not isinstance(name, str) or not name:
        raise ArgumentError(f"custom_op: name must be a non-empty str, got {name!r}")
    if name in REGISTRY:
        raise ArgumentError(f"custom_op: {name!r} is the name of a built-in primitive; choose another name")
    if not callable(forward):
        raise ArgumentError(f"custom_op {name!r}: forward must be callable, got {type(forward).__name__}")
    table = (vjps,) if callable(vjps) else tuple(vjps)
    if not table or not all(callable(v) for v in table):
        raise ArgumentError(f"custom_op {name!r}: vjps must be a callable or a non-empty sequence of callables")
    return CustomOp(name, forward, table, rule or "custom VJP", twice_differentiable)
