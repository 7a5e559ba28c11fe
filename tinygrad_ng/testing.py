"""Hypothesis strategies and assertions for testing your own models and ops with tinygrad_ng.

Needs Hypothesis (``pip install hypothesis``, or ``pip install -e ".[testing]"`` in the checkout);
nothing else in tinygrad_ng imports it.

A property test of a gradient in a few lines::

    from hypothesis import given
    import tinygrad_ng as tg
    from tinygrad_ng.testing import assert_gradients_close, tensors

    @given(tensors(shape=(3, 4)), tensors(shape=(4, 1), elements="nonzero"))
    def test_my_layer_gradients(W, b):
        assert_gradients_close(lambda W, b: (W.T @ W + b).tanh().sum(), W, b)

The element domains (``elements=``), for drawing values where a function is smooth and defined:

- ``"real"``: ``[-3, 3]``, for most functions;
- ``"positive"``: ``[0.1, 3]``, for ``log``, ``sqrt`` and division;
- ``"unit"``: ``[0.05, 0.95]``, inside (0, 1), for probabilities (``binary_cross_entropy``);
- ``"nonzero"``: ``[-3, -0.1] ∪ [0.1, 3]``, away from the kinks of ``relu`` and ``abs``;
- ``(lo, hi)``: ``[lo, hi]``.

A Hypothesis strategy of floats is also accepted. ``unique=True`` draws distinct values (no ties
for ``max``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

try:
    from hypothesis import assume
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp
except ImportError as e:  # pragma: no cover - depends on the environment
    raise ImportError(
        "tinygrad_ng.testing needs Hypothesis: pip install hypothesis (in the tinygrad_ng checkout: "
        "pip install -e '.[testing]')"
    ) from e

from .errors import ArgumentError, DTypeError
from .gradcheck import GradcheckReport, gradcheck
from .tensor import Tensor

__all__ = ["ELEMENTS", "shapes", "broadcastable_shapes", "arrays", "tensors", "assert_gradients_close"]

Shape = tuple[int, ...]

ELEMENTS: dict[str, tuple[float, float]] = {
    "real": (-3.0, 3.0),
    "positive": (0.1, 3.0),
    "unit": (0.05, 0.95),
    "nonzero": (0.1, 3.0),  # drawn with either sign
}
"""The named element domains: ``name -> (lo, hi)`` (``"nonzero"`` takes both signs)."""


def _floats(elements: Any) -> st.SearchStrategy[float]:
    """The float64 strategy behind an ``elements`` argument."""
    if isinstance(elements, st.SearchStrategy):
        return elements
    if isinstance(elements, str):
        if elements not in ELEMENTS:
            raise ArgumentError(f"elements: unknown domain {elements!r}; choose one of {sorted(ELEMENTS)} or (lo, hi)")
        lo, hi = ELEMENTS[elements]
        magnitude = st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)
        return st.one_of(magnitude, magnitude.map(lambda v: -v)) if elements == "nonzero" else magnitude
    if isinstance(elements, tuple) and len(elements) == 2:
        lo, hi = (float(v) for v in elements)
        if not (np.isfinite(lo) and np.isfinite(hi) and lo <= hi):
            raise ArgumentError(f"elements: (lo, hi) must be finite with lo <= hi, got {elements!r}")
        return st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)
    raise ArgumentError(f"elements: expected a domain name, a (lo, hi) pair or a strategy, got {elements!r}")


def shapes(*, min_dims: int = 1, max_dims: int = 3, min_side: int = 1, max_side: int = 5) -> st.SearchStrategy[Shape]:
    """Strategy for array shapes: ``min_dims`` to ``max_dims`` axes of ``min_side`` to ``max_side``.

    >>> from hypothesis import given
    >>> @given(shapes(max_dims=2))
    ... def check(shape):
    ...     assert 1 <= len(shape) <= 2
    >>> check()
    """
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def broadcastable_shapes(
    n: int = 2, *, min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 5
) -> st.SearchStrategy[tuple[Shape, ...]]:
    """Strategy for ``n`` shapes that broadcast together (NumPy's rules), as a tuple.

    >>> from hypothesis import given
    >>> @given(broadcastable_shapes(2))
    ... def check(pair):
    ...     a, b = pair
    ...     assert len(np.broadcast_shapes(a, b)) == max(len(a), len(b))
    >>> check()
    """
    if n < 1:
        raise ArgumentError(f"broadcastable_shapes: n must be at least 1, got {n}")
    return hnp.mutually_broadcastable_shapes(
        num_shapes=n, min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    ).map(lambda b: tuple(b.input_shapes))


def _shape_strategy(shape: Any) -> st.SearchStrategy[Shape]:
    if shape is None:
        return shapes()
    if isinstance(shape, st.SearchStrategy):
        return shape
    if isinstance(shape, int):
        return st.just((shape,))
    try:
        return st.just(tuple(int(s) for s in shape))
    except TypeError:
        raise ArgumentError(f"shape: expected a tuple of ints, a strategy or None, got {shape!r}") from None


def _dtype_strategy(dtype: Any) -> st.SearchStrategy[np.dtype]:
    if isinstance(dtype, st.SearchStrategy):
        return dtype.map(np.dtype)
    dt = np.dtype(dtype)
    if dt.kind != "f":
        raise DTypeError(f"tensors: dtype must be floating point, got {dt}")
    return st.just(dt)


def arrays(
    shape: Shape | int | st.SearchStrategy[Shape] | None = None,
    *,
    dtype: Any = np.float64,
    elements: Any = "real",
    unique: bool = False,
) -> st.SearchStrategy[np.ndarray]:
    """Strategy for ndarrays of ``shape`` (fixed, drawn, or None for any small shape).

    Values are drawn in float64 from ``elements`` and then converted to ``dtype`` (which may be a
    strategy of dtypes, e.g. ``st.sampled_from([np.float32, np.float64])``).

    >>> from hypothesis import given
    >>> @given(arrays((2, 3), elements="positive"))
    ... def check(a):
    ...     assert a.shape == (2, 3) and (a > 0).all()
    >>> check()
    """
    floats = _floats(elements)
    dtypes = _dtype_strategy(dtype)

    @st.composite
    def draw_array(draw: Callable[..., Any]) -> np.ndarray:
        s = draw(_shape_strategy(shape))
        dt = draw(dtypes)
        values = draw(hnp.arrays(np.float64, s, elements=floats, unique=unique)).astype(dt)
        assume(not unique or np.unique(values).size == values.size)  # rounding to dt may merge values
        return values

    return draw_array()


def tensors(
    shape: Shape | int | st.SearchStrategy[Shape] | None = None,
    *,
    dtype: Any = np.float64,
    elements: Any = "real",
    requires_grad: bool = True,
    unique: bool = False,
    name: str | None = None,
) -> st.SearchStrategy[Tensor]:
    """Strategy for Tensors: :func:`arrays` wrapped as a Tensor (requiring grad by default).

    >>> from hypothesis import given
    >>> import tinygrad_ng as tg
    >>> @given(tensors(shape=(3,), elements="unit"))
    ... def test_bce_gradient(a):
    ...     assert_gradients_close(lambda a: tg.binary_cross_entropy(a, [[1.0, 0.0, 1.0]][0]), a)
    >>> test_bce_gradient()
    """
    return arrays(shape, dtype=dtype, elements=elements, unique=unique).map(
        lambda a: Tensor(a, requires_grad=requires_grad, name=name)
    )


def assert_gradients_close(
    fn: Callable[..., Any],
    *inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    fast: bool = False,
) -> GradcheckReport:
    """Assert that ``fn(*inputs)``'s gradients match finite differences (for pytest).

    Runs :func:`~tinygrad_ng.gradcheck` on the inputs that require grad. On failure it raises
    :class:`~tinygrad_ng.GradcheckError` (an ``AssertionError``) whose message is the report's
    table, including which op's VJP disagrees. Returns the report when it passes.

    >>> import tinygrad_ng as tg
    >>> x = tg.Tensor([0.5, -2.0], requires_grad=True)
    >>> bool(assert_gradients_close(lambda x: (x * x).sigmoid(), x))
    True
    """
    __tracebackhide__ = True  # pytest shows the caller's line
    return gradcheck(fn, list(inputs), eps=eps, atol=atol, rtol=rtol, fast=fast)
