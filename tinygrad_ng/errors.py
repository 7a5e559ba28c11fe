"""The exceptions tinygrad_ng raises.

Every error derives from :class:`TinygradError` and from the built-in exception a Python
user would expect for that mistake, so ``except ValueError`` keeps working:

=====================  =====================================  ==========================
class                  raised for                             also a
=====================  =====================================  ==========================
``ShapeError``         shapes that do not fit an op           ``ValueError``
``ArgumentError``      an argument value that is not accepted ``ValueError``
``DTypeError``         wrong or unsupported dtypes            ``TypeError``
``TensorIndexError``   an index out of range                  ``IndexError``
``GraphError``         misuse of the graph (backward twice)   ``RuntimeError``
``InplaceError``       an edit to an array saved for backward ``RuntimeError``
``AnomalyError``       NaN or Inf found by detect_anomaly     ``FloatingPointError``
``GradcheckError``     gradients that disagree with FD        ``AssertionError``
``SerializationError`` a parameter file that cannot be read   ``ValueError``
``AllocationError``    a tensor too large to allocate         ``MemoryError``
``CompileError``       a function compile cannot replay       ``RuntimeError``
``BackendError``       arrays of two libraries in one op, or  ``TypeError``
                       an op an array library cannot run
=====================  =====================================  ==========================

``GraphvizNotFoundError`` (also a ``RuntimeError``) is raised for rendering a graph drawing to
SVG or PNG without Graphviz installed.
"""

from __future__ import annotations


class TinygradError(Exception):
    """Base class of every error raised by tinygrad_ng."""


class ShapeError(TinygradError, ValueError):
    """Shapes that do not fit an op, e.g. ``matmul of (2, 3) and (4, 5)``."""


class ArgumentError(TinygradError, ValueError):
    """An argument with a value the function does not accept, e.g. ``reduction="avg"``."""


class DTypeError(TinygradError, TypeError):
    """A dtype the op cannot use, e.g. ``requires_grad=True`` on an integer tensor."""


class BackendError(TinygradError, TypeError):
    """Arrays of two array libraries in one op (NumPy with CuPy...), or an op a library cannot run."""


class TensorIndexError(TinygradError, IndexError):
    """An index outside a tensor's shape."""


class GraphError(TinygradError, RuntimeError):
    """Misuse of the computation graph, e.g. a second backward through a released graph."""


class InplaceError(GraphError):
    """An array that a recorded op saved for backward was changed in place."""


class AnomalyError(TinygradError, FloatingPointError):
    """A NaN or Inf found by :func:`tinygrad_ng.detect_anomaly`."""


class GradcheckError(TinygradError, AssertionError):
    """Reverse-mode gradients disagree with finite differences."""

    def __init__(self, message: str, report: object = None) -> None:
        super().__init__(message)
        self.report = report


class SerializationError(TinygradError, ValueError):
    """A parameter file that is missing, truncated, corrupted or does not fit the model."""


class AllocationError(TinygradError, MemoryError):
    """A tensor too large for the memory available, e.g. ``Tensor.zeros(10**13)``; names shape and bytes."""


class GraphvizNotFoundError(TinygradError, RuntimeError):
    """A graph drawing was rendered (SVG, PNG) without Graphviz's ``dot`` program or Python package."""


def shape_str(*arrays: object) -> str:
    """``(2, 3) float64 and (4,) float32``: the shapes and dtypes of the operands, for messages.

    >>> import numpy as np
    >>> shape_str(np.zeros((2, 3)), np.zeros(4, np.float32))
    '(2, 3) float64 and (4,) float32'
    """
    parts = []
    for a in arrays:
        shape = getattr(a, "shape", None)
        dtype = getattr(a, "dtype", None)
        parts.append(f"{tuple(shape)} {dtype}" if shape is not None else type(a).__name__)
    return " and ".join(parts)


class CompileError(TinygradError, RuntimeError):
    """A function :func:`tinygrad_ng.compile` cannot trace and replay faithfully (the message says why)."""
