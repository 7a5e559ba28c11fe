"""Per-thread switches: whether ops record the graph, the name scope they record under, anomaly checks.

This module is the floor everything else stands on: it imports nothing from the package.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import numpy as np

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["is_grad_enabled", "no_grad", "enable_grad", "name_scope", "detect_anomaly"]


def _switch(index: int, doc: str) -> Any:
    """A property reading and writing one entry of ``_Mode.state``."""

    def get(self: _Mode) -> Any:
        return self.state[index]

    def set_(self: _Mode, value: Any) -> None:
        state = list(self.state)
        state[index] = value
        self.state = tuple(state)  # type: ignore[assignment]

    return property(get, set_, doc=doc)


class _Mode(threading.local):
    """The switches of the current thread.

    ``grad_enabled``, ``anomaly`` and ``scope`` live in one tuple, ``state``: every recorded op
    reads all three, and one read of a thread-local attribute costs as much as the three did.
    """

    state: tuple[bool, bool, str | None] = (True, False, None)  # grad_enabled, anomaly, scope
    reads: list[tuple[Any, Any]] | None = None  # while compile traces: the tensor values Python read (item, bool)
    grad_enabled = _switch(0, "whether ops record the graph")
    anomaly = _switch(1, "whether detect_anomaly is on")
    scope = _switch(2, "the name scope ops record under (None: none)")


mode = _Mode()


def is_grad_enabled() -> bool:
    """Whether ops run now (in this thread) record the graph.

    >>> is_grad_enabled()
    True
    >>> with no_grad():
    ...     is_grad_enabled()
    False
    """
    return mode.grad_enabled


class _SetGradMode:
    enabled: bool = True

    def __init__(self) -> None:
        self._saved: list[bool] = []

    def __enter__(self) -> None:
        self._saved.append(mode.grad_enabled)
        mode.grad_enabled = self.enabled

    def __exit__(self, *exc: object) -> None:
        mode.grad_enabled = self._saved.pop()

    def __call__(self, fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with type(self)():
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class no_grad(_SetGradMode):
    """Context manager and decorator: ops inside record nothing (per thread).

    >>> from tinygrad_ng import Tensor, no_grad
    >>> w = Tensor([1.0, 2.0], requires_grad=True)
    >>> with no_grad():
    ...     y = w * 2
    >>> y.requires_grad
    False
    """

    enabled = False


class enable_grad(_SetGradMode):
    """Context manager and decorator that turns recording back on inside :class:`no_grad`.

    >>> from tinygrad_ng import Tensor, enable_grad, no_grad
    >>> w = Tensor([1.0, 2.0], requires_grad=True)
    >>> with no_grad():
    ...     with enable_grad():
    ...         y = w * 2
    >>> y.requires_grad
    True
    """

    enabled = True


class name_scope:
    """Context manager: ops recorded inside are tagged with ``name`` (nested scopes join with ".").

    nn modules use it so graph drawings can group each layer's ops under the module's path.

    >>> from tinygrad_ng import Tensor, name_scope
    >>> w = Tensor([1.0], requires_grad=True)
    >>> with name_scope("layer1"):
    ...     y = w * 2
    >>> y.scope
    'layer1'
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._saved: list[str | None] = []

    def __enter__(self) -> None:
        outer = mode.scope
        self._saved.append(outer)
        mode.scope = self.name if outer is None else f"{outer}.{self.name}"

    def __exit__(self, *exc: object) -> None:
        mode.scope = self._saved.pop()


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
    saved = mode.anomaly
    mode.anomaly = True
    try:
        with np.errstate(all="ignore"):
            yield
    finally:
        mode.anomaly = saved
