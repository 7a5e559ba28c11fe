"""The op registry: :class:`Op`, :func:`defop` and :data:`REGISTRY`.

An op is registered once, where it is defined (the built-in ones in :mod:`tinygrad_ng.functional`,
each next to its public function), with everything that belongs to it: the forward, one
vector-Jacobian product (VJP) per input, the derivative rule as text, and the domain the
registry-generated property tests draw its inputs from. The Tensor methods, graph drawings,
docs and the per-op tests all read the registry.

How a rule reads. ``forward(*arrays, **attrs)`` computes the output from the inputs' arrays.
``vjps[i](g, out, *inputs, **attrs)`` returns the gradient for input ``i`` given the upstream
gradient ``g`` (the gradient of the final scalar with respect to ``out``). Rules are pure: they
never touch ``.grad``, and they may return a gradient with the *broadcast* shape; the engine sums
it down to the input's shape, once, for every op.

Rules are written once and run two ways. Normally ``g``, ``out`` and the inputs are arrays
(NumPy's, or another array library's: CuPy, Dask, torch...). Under ``create_graph=True`` they are
Tensors and the very same expressions record a graph of the backward pass, which is how second
derivatives come for free. So a rule uses operators (``+ - * / ** @``), indexing, and the
functions of its arguments' array namespace, ``xp = tinygrad_ng._xp.namespace(x)`` then
``xp.exp(x)``, ``xp.sum(x, axis=...)``, ``xp.reshape(x, shape)`` (``numpy`` for NumPy arrays,
the array's own library otherwise, tinygrad_ng's ops for Tensors), and calls other ops with
:func:`two_way`.

This module imports nothing above the error classes: an op records itself through the type of
its inputs (a Tensor's ``_record``), so the registry stands below the Tensor class.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .errors import DTypeError

__all__ = ["Op", "Domain", "REGISTRY", "defop", "settings", "two_way"]

Vjp = Callable[..., Any]


class Domain:
    """Where the registry-generated property tests (``tests/test_ops.py``) draw an op's inputs.

    ``kind`` names a family of Hypothesis strategies there (``"unary"``, ``"binary"``,
    ``"reduce"``, ...), ``args`` are its parameters (value ranges), and ``rtol``/``atol`` the
    tolerance of the finite-difference comparison. The package itself never imports Hypothesis.

    >>> Domain("unary", -6, 6)
    Domain('unary', -6, 6)
    """

    __slots__ = ("kind", "args", "rtol", "atol")

    def __init__(self, kind: str, *args: Any, rtol: float = 1e-5, atol: float = 1e-6) -> None:
        self.kind, self.args, self.rtol, self.atol = kind, args, rtol, atol

    def __repr__(self) -> str:
        return f"Domain({', '.join(map(repr, (self.kind, *self.args)))})"


def settings(attrs: dict[str, Any]) -> dict[str, Any]:
    """An op's attributes without those that describe the recorded inputs (names starting ``_``).

    >>> settings({"eps": 1e-7, "_inside": True})
    {'eps': 1e-07}
    """
    return {k: v for k, v in attrs.items() if not k.startswith("_")}


class Op:
    """A registered primitive: name, forward, one VJP per input, the derivative rule, a test domain.

    Attributes:
        name: the op's name in graphs and error messages.
        forward: ``forward(*arrays, **attrs) -> ndarray``.
        vjps: a tuple with one VJP per input, or (for ops taking any number of inputs) one
            function ``vjp(i, g, out, *inputs, **attrs)``.
        rule: the local derivative in math-like notation, shown in graphs and docs.
        twice_differentiable: whether the VJP is itself differentiable (false for ops whose
            VJP uses a constant that depends on the input in a way we do not differentiate).
        domain: the :class:`Domain` of its property tests (None: an op made by :func:`custom_op`).
        chain: VJPs through this op and the op that made its input 0, as one rule, by that op's
            name: ``chain["sigmoid"](g, out, *inputs, **attrs)`` returns the gradient for the
            sigmoid's input, or None where the one rule would not give backward's values (the
            walk then runs the two VJPs). The backward walk uses it when the input has no other
            consumer and nothing observes the gradient between the two (see
            :func:`tinygrad_ng.graph.run`).

    An attribute whose name starts with ``_`` is not a setting but what the caller found about
    these inputs (``binary_cross_entropy``'s ``_inside``: every probability lies where its clip
    does nothing, so the forward skips it). It holds for the recorded inputs only: a tool that
    runs the op again on other values drops such attributes (:func:`settings`), and drawings do
    not show them.

    Calling an op on tensors records it (:func:`tinygrad_ng.tensor.apply`); the output's shape
    is what ``forward`` returns. Its public function (``tg.functional.sigmoid``) is the one to
    call with array-likes: it converts and checks its arguments.

    >>> import tinygrad_ng as tg
    >>> op = REGISTRY["sigmoid"]
    >>> op
    Op('sigmoid': dz = da * a * (1 - a))
    >>> op(tg.Tensor([0.0])).data
    array([0.5])
    """

    __slots__ = ("name", "forward", "vjps", "rule", "variadic", "twice_differentiable", "domain", "chain")

    def __init__(
        self,
        name: str,
        forward: Callable[..., Any],
        vjps: Sequence[Vjp] | Vjp,
        rule: str,
        twice_differentiable: bool = True,
        domain: Domain | None = None,
    ) -> None:
        self.name = name
        self.forward = forward
        self.variadic = callable(vjps)
        self.vjps = vjps if self.variadic else tuple(vjps)  # type: ignore[arg-type]
        self.rule = rule
        self.twice_differentiable = twice_differentiable
        self.domain = domain
        self.chain: dict[str, Vjp] = {}

    def vjp(self, i: int, g: Any, out: Any, inputs: Sequence[Any], attrs: dict[str, Any]) -> Any:
        """The gradient for input ``i``.

        >>> import numpy as np
        >>> REGISTRY["mul"].vjp(0, np.ones(2), None, [np.ones(2), np.array([3.0, 4.0])], {})
        array([3., 4.])
        """
        if self.variadic:
            return self.vjps(i, g, out, *inputs, **attrs)  # type: ignore[operator]
        return self.vjps[i](g, out, *inputs, **attrs)  # type: ignore[index]

    def __call__(self, *inputs: Any, **attrs: Any) -> Any:
        for x in inputs:
            record = getattr(x, "_record", None)
            if record is not None:
                return record(self, *inputs, **attrs)
        kinds = ", ".join(type(x).__name__ for x in inputs) or "no inputs"
        raise DTypeError(
            f"op {self.name!r} records tensors, got {kinds}; wrap the data in tg.Tensor(...), "
            f"or call the op's function (tinygrad_ng.functional), which converts array-likes"
        )

    def __repr__(self) -> str:
        return f"Op({self.name!r}: {self.rule})"


REGISTRY: dict[str, Op] = {}


def defop(
    name: str,
    forward: Callable[..., Any],
    vjps: Sequence[Vjp] | Vjp,
    *,
    rule: str,
    twice_differentiable: bool = True,
    domain: Domain | None = None,
) -> Op:
    """Register a primitive op in :data:`REGISTRY` and return it.

    ``forward(*arrays, **attrs)`` returns the output array; ``vjps`` holds one
    ``vjp(g, out, *inputs, **attrs)`` per input, returning that input's gradient (the engine sums
    a broadcast-shaped gradient down to the input's shape). ``domain`` tells
    ``tests/test_ops.py`` where to draw the op's inputs to check both derivatives against
    finite differences; an op registered without one fails ``test_every_op_has_a_test_domain``.

    >>> import tinygrad_ng as tg
    >>> CUBE = defop("cube_example", lambda x: x**3, (lambda g, out, x: g * 3 * x**2,), rule="dx = g * 3 x**2")
    >>> x = tg.Tensor([2.0], requires_grad=True)
    >>> CUBE(x).sum().backward()
    >>> x.grad
    array([12.])
    >>> del REGISTRY["cube_example"]  # keep the registry to the built-in primitives
    """
    if name in REGISTRY:
        raise ValueError(f"op {name!r} is already registered")
    op = Op(name, forward, vjps, rule, twice_differentiable, domain)
    REGISTRY[name] = op
    return op


def two_way(op: Op, x: Any, *rest: Any, **attrs: Any) -> Any:
    """``op`` inside a rule: its forward on arrays, or recorded on tensors (under ``create_graph``).

    >>> import numpy as np
    >>> two_way(REGISTRY["exp"], np.zeros(2))
    array([1., 1.])
    """
    if type(x) is np.ndarray or getattr(x, "_record", None) is None:  # an array of any library, or a number
        return op.forward(x, *rest, **attrs)
    return op(x, *rest, **attrs)
