"""tinygrad_ng: a small reverse-mode autograd engine on NumPy, for learning and checking the
math of deep learning (Andrew Ng's *Neural Networks and Deep Learning* conventions).

>>> import tinygrad_ng as tg
>>> W = tg.Tensor([[0.5, -0.5]], requires_grad=True, name="W")
>>> X = tg.Tensor([[1.0, 2.0], [3.0, 4.0]])
>>> A = (W @ X).sigmoid()
>>> tg.binary_cross_entropy(A, [[1, 0]]).backward()
>>> W.grad.shape
(1, 2)
"""

import importlib
from typing import TYPE_CHECKING, Any

from . import _methods, constructors, conv, functional, losses, ops_math, ops_reduce, ops_shape, optim
from .autograd import detect_anomaly, grad
from .compile import Compiled, compile
from .custom import CustomOp, custom_op
from .errors import (
    AllocationError,
    AnomalyError,
    ArgumentError,
    BackendError,
    CompileError,
    DTypeError,
    GradcheckError,
    GraphError,
    GraphvizNotFoundError,
    InplaceError,
    SerializationError,
    ShapeError,
    TensorIndexError,
    TinygradError,
)
from .functional import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    concatenate,
    cross_entropy,
    maximum,
    minimum,
    mse_loss,
    stack,
    where,
)
from .gradcheck import GradcheckReport, gradcheck, gradgradcheck
from .ops import REGISTRY
from .tensor import Tensor, enable_grad, is_grad_enabled, name_scope, no_grad

if TYPE_CHECKING:  # imported on first use (see __getattr__ below)
    from . import data, nn, train
    from .explorer import Explorer, explore
    from .train import draw_cost
    from .viz import GraphDrawing, draw_graph

__version__ = "0.1.0"

__all__ = [
    "Tensor",
    "functional",
    "conv",
    "grad",
    "no_grad",
    "enable_grad",
    "is_grad_enabled",
    "name_scope",
    "detect_anomaly",
    "compile",
    "Compiled",
    "CompileError",
    "REGISTRY",
    "concatenate",
    "stack",
    "where",
    "maximum",
    "minimum",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "mse_loss",
    "TinygradError",
    "ShapeError",
    "ArgumentError",
    "DTypeError",
    "TensorIndexError",
    "BackendError",
    "GraphError",
    "InplaceError",
    "AnomalyError",
    "GradcheckError",
    "SerializationError",
    "AllocationError",
    "gradcheck",
    "gradgradcheck",
    "GradcheckReport",
    "custom_op",
    "CustomOp",
    "GraphvizNotFoundError",
    "draw_graph",
    "draw_cost",
    "GraphDrawing",
    "explore",
    "Explorer",
    "nn",
    "optim",
    "data",
    "train",
]

# The wider vocabulary, one module per family (each op defined once there), at the top level:
# tg.sin, tg.einsum, tg.arange, tg.nll_loss... (tg.round, tg.any and tg.all included).
for _module in (ops_math, ops_reduce, ops_shape, constructors, losses):
    for _name in _module.__all__:
        if _name not in globals():
            globals()[_name] = getattr(_module, _name)
            __all__.append(_name)
del _module, _name, _methods

# Drawing, the explorer, the models, the data sets and training are imported on first use
# (``tg.nn``, ``tg.draw_graph``...), so ``import tinygrad_ng`` for tensors and backward stays
# light: about 2 MB instead of 4.5 MB. A name -> (module to import, module that holds it); the
# explorer comes with the drawings, as it plugs the interactive page into GraphDrawing.save.
_LAZY = {
    "nn": ("nn", ""),
    "data": ("data", ""),
    "train": ("train", ""),
    "draw_cost": ("train", "train"),
    "draw_graph": ("explorer", "viz"),
    "GraphDrawing": ("explorer", "viz"),
    "explore": ("explorer", "explorer"),
    "Explorer": ("explorer", "explorer"),
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, holder = _LAZY[name]
    loaded = importlib.import_module(f"{__name__}.{module}")
    value = getattr(importlib.import_module(f"{__name__}.{holder}"), name) if holder else loaded
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
