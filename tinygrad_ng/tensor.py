"""The Tensor: an array (NumPy's by default) that records, as ops run on it, the graph that backward walks.

A tensor made by an op while gradients are enabled and one of its inputs requires grad holds
the op's :class:`~tinygrad_ng.graph.Node` in ``_node`` (the op, its attributes, its inputs'
nodes, the inputs saved for backward, the output's metadata). Leaves and constants have
``_node = None``.
"""

from __future__ import annotations

import contextlib
import math
import operator
import weakref
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _xp, graph
from ._anomaly import anomaly_in_forward, where_created
from ._inplace import Family, LockedArray, Savers, add_saver, lock_owner, share_array
from ._mode import enable_grad, is_grad_enabled, mode, name_scope, no_grad
from ._random import Seed, generator
from .errors import (
    AllocationError,
    BackendError,
    DTypeError,
    GraphError,
    ShapeError,
    TensorIndexError,
    TinygradError,
    shape_str,
)
from .graph import Node

if TYPE_CHECKING:
    from .ops import Op

ArrayLike = Any  # ndarray, nested list, Python or NumPy scalar, or Tensor
Shape = tuple[int, ...]
Axis = int | Sequence[int] | None

__all__ = ["Tensor", "apply", "constant", "no_grad", "enable_grad", "is_grad_enabled", "name_scope"]

_DEFAULT_DTYPE = np.dtype(np.float64)


def _as_dtype(dtype: Any, where: str) -> np.dtype:
    """``dtype`` as a NumPy dtype of bool, integer or float kind, or a DTypeError naming ``where``."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise DTypeError(f"{where}: {dtype!r} is not a dtype NumPy understands") from None
    if dt.kind not in "biuf":
        raise DTypeError(f"{where}: unsupported dtype {dt}; tensors hold bool, integer or floating-point numbers")
    return dt


def _to_array(data: ArrayLike, dtype: Any = None, keep_ints: bool = False) -> np.ndarray:
    """A fresh ndarray from user data, with tinygrad_ng's dtype rules and clear errors.

    Python data becomes float64 unless ``dtype`` is given; with ``keep_ints`` integer and
    boolean Python data keep their kind, for an operand that takes its float dtype from a tensor.
    An array of another library (CuPy, Dask, torch...) is kept as it is, not copied.
    """
    if isinstance(data, Tensor):
        arr = data._data
        if type(arr) is not np.ndarray:
            return _wrap(arr, dtype)
    elif isinstance(data, np.ma.MaskedArray):
        raise DTypeError(
            f"Tensor: cannot make a tensor from a masked array {data.shape} {data.dtype}: the mask would be "
            "dropped and the masked-out values kept; pass data.filled(value) or data.compressed()"
        )
    elif isinstance(data, np.ndarray):
        arr = data
    elif _xp.is_array(data):
        return _wrap(data, dtype)
    else:
        if type(data) is list or type(data) is tuple:
            _refuse_grad_tensors(data)
        try:
            arr = np.array(data)
        except ValueError as e:  # ragged nested lists
            raise ShapeError(f"Tensor: cannot make an array from {type(data).__name__}: {e}") from None
        if dtype is None and arr.dtype.kind in ("f" if keep_ints else "biuf"):
            arr = arr.astype(_DEFAULT_DTYPE)  # Python data is float64 by default
    if arr.dtype.kind not in "biuf":
        raise DTypeError(
            f"Tensor: unsupported dtype {arr.dtype} (from {type(data).__name__}); "
            "tensors hold bool, integer or floating-point numbers"
        )
    if dtype is not None:
        dtype = _as_dtype(dtype, "Tensor")
        return np.array(arr, dtype=dtype, copy=True)
    return np.array(arr, copy=True)


def _wrap(arr: Any, dtype: Any) -> Any:
    """An array of another library (CuPy, Dask, torch, ...), checked and kept without a copy."""
    kind = _xp.kind(arr)
    if kind not in "biuf":
        raise DTypeError(
            f"Tensor: unsupported dtype {arr.dtype} (from {type(arr).__name__}); "
            "tensors hold bool, integer or floating-point numbers"
        )
    if dtype is not None:
        dt = _as_dtype(dtype, "Tensor")
        if dt != _xp.np_dtype(arr.dtype):
            return _xp.astype(arr, dt)
    return arr


_PLAIN_NUMBERS = {float, int, bool, np.float64, np.float32, np.int64, np.bool_}


def _refuse_grad_tensors(data: list[Any] | tuple[Any, ...]) -> None:
    """Refuse nested lists holding a tensor that requires grad: a new tensor would cut its graph."""
    stack = [data]
    while stack:
        items = stack.pop()
        if set(map(type, items)) <= _PLAIN_NUMBERS:  # the common case, at C speed
            continue
        for item in items:
            if type(item) is list or type(item) is tuple:
                stack.append(item)
            elif isinstance(item, Tensor) and item.requires_grad:
                raise DTypeError(
                    f"Tensor: the data holds a tensor {item.shape} {item.dtype} that requires grad; a new "
                    "tensor is a leaf, so its graph would be cut here. Join tensors with tg.stack([...]) "
                    "(recorded in the graph), or pass t.detach() for a constant copy"
                )


class Tensor:
    """An n-dimensional array that records the ops applied to it, for reverse-mode autograd.

    Args:
        data: an ndarray, a nested list, a Python or NumPy scalar, or another Tensor. The data
            is copied. Python data becomes float64; an ndarray keeps its dtype. An array of
            another array library (CuPy, Dask, torch, array-api-strict: anything with
            ``__array_namespace__``) is wrapped as it is, not copied nor converted, and the ops
            compute on it with its own library (see ``docs/backends.md``). A list holding
            tensors that require grad is refused (use :func:`tinygrad_ng.stack`, which records
            the graph), as is a masked array (its mask would be lost).
        requires_grad: whether backward should compute ``.grad`` for this tensor. Only
            floating-point tensors can require grad.
        dtype: convert the data to this dtype.
        name: a label shown in reprs, error messages and graph drawings.

    >>> W = Tensor([[1.0, 2.0]], requires_grad=True, name="W")
    >>> X = Tensor([[3.0], [4.0]])
    >>> Z = W @ X
    >>> Z.backward()
    >>> W.grad
    array([[3., 4.]])
    """

    __slots__ = (
        "_data", "grad", "requires_grad", "_name", "_node", "_version", "_retain", "_savers", "_grad_run", "_family",
        "__weakref__",
    )  # fmt: skip
    __array_priority__ = 1000

    _data: np.ndarray
    grad: np.ndarray | None
    requires_grad: bool
    _name: str | None
    _node: Node | None  # the op that made this tensor, None for a leaf
    _version: int
    _retain: bool
    _savers: Savers  # the recorded ops that saved this tensor for backward (see LockedArray)
    _grad_run: int  # the backward walk that last wrote .grad (see tinygrad_ng.graph)
    _family: Family  # the tensors sharing this one's array through detach() (see share_array)

    def __init__(
        self,
        data: ArrayLike,
        requires_grad: bool = False,
        dtype: Any = None,
        name: str | None = None,
    ) -> None:
        arr = _to_array(data, dtype)
        if requires_grad and _xp.kind(arr) != "f":
            raise DTypeError(
                f"Tensor: requires_grad=True needs a floating-point dtype, got {arr.dtype} "
                f"{arr.shape}; convert first, e.g. Tensor(data, dtype=np.float64, requires_grad=True)"
            )
        if name is not None and not isinstance(name, str):
            raise DTypeError(f"Tensor: name must be a str, got {type(name).__name__}")
        self._data = arr
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self._name = name
        self._node = None
        self._version = 0
        self._retain = False
        self._savers = None
        self._grad_run = 0
        self._family = None
        if _made is not None:
            _made.add(id(self))

    # ----------------------------------------------------------------- constructors
    @classmethod
    def from_numpy(cls, arr: np.ndarray, requires_grad: bool = False, name: str | None = None) -> Tensor:
        """A tensor that shares ``arr``'s memory instead of copying it (as ``torch.from_numpy``).

        The way in for a large data set: ``Tensor(X)`` copies ``X``, this does not. The tensor
        is protected as any other: while a recorded graph needs its values, ``.data`` is read-only
        and in-place edits through it raise :class:`InplaceError`. Writing to ``arr`` itself
        changes the tensor (the memory is shared); leave it alone while training.

        >>> X = np.arange(6.0).reshape(2, 3)  # (n_x, m)
        >>> t = Tensor.from_numpy(X)
        >>> np.shares_memory(t.data, X), t.dtype
        (True, dtype('float64'))
        """
        if not isinstance(arr, np.ndarray):
            raise DTypeError(f"Tensor.from_numpy: needs a NumPy array, got {type(arr).__name__}; use Tensor(data)")
        if arr.dtype.kind not in "biuf":
            raise DTypeError(f"Tensor.from_numpy: unsupported dtype {arr.dtype}; tensors hold bool, integer or floats")
        if requires_grad and arr.dtype.kind != "f":
            raise DTypeError(f"Tensor.from_numpy: requires_grad=True needs a floating-point dtype, got {arr.dtype}")
        t = constant(arr)
        t.requires_grad = bool(requires_grad)
        t.name = name
        return t

    @classmethod
    def zeros(cls, *shape: Any, dtype: Any = None, requires_grad: bool = False, name: str | None = None) -> Tensor:
        """A tensor of zeros. ``Tensor.zeros(2, 3)`` or ``Tensor.zeros((2, 3))``.

        >>> Tensor.zeros(2, 1, requires_grad=True, name="b1")  # a bias column (n_1, 1)
        Tensor([[0.],
                [0.]], shape=(2, 1), dtype=float64, requires_grad=True, name='b1')
        """
        shape, dtype = _size_arg(shape), _as_dtype(dtype or _DEFAULT_DTYPE, "Tensor")
        with _allocating("Tensor.zeros", shape, dtype):
            return cls(np.zeros(shape, dtype), requires_grad, name=name)

    @classmethod
    def ones(cls, *shape: Any, dtype: Any = None, requires_grad: bool = False, name: str | None = None) -> Tensor:
        """A tensor of ones. ``Tensor.ones(2, 3)`` or ``Tensor.ones((2, 3))``.

        >>> Tensor.ones(2, 3).shape
        (2, 3)
        """
        shape, dtype = _size_arg(shape), _as_dtype(dtype or _DEFAULT_DTYPE, "Tensor")
        with _allocating("Tensor.ones", shape, dtype):
            return cls(np.ones(shape, dtype), requires_grad, name=name)

    @classmethod
    def randn(
        cls,
        *shape: Any,
        seed: Seed = None,
        dtype: Any = None,
        requires_grad: bool = False,
        name: str | None = None,
    ) -> Tensor:
        """Standard normal samples.

        An int ``seed`` uses NumPy's legacy generator, so ``Tensor.randn(4, 2, seed=2)`` equals
        the course's ``np.random.seed(2); np.random.randn(4, 2)``. A ``Generator`` or
        ``RandomState`` is drawn from (and advanced); ``None`` draws from NumPy's global generator,
        so ``np.random.seed(1)`` first reproduces the course.

        >>> Tensor.randn(2, 2, seed=1).shape
        (2, 2)
        """
        rng = generator(seed, "Tensor")
        shape, dtype = _size_arg(shape), _as_dtype(dtype or _DEFAULT_DTYPE, "Tensor")
        with _allocating("Tensor.randn", shape, dtype):
            return cls(np.asarray(rng.standard_normal(shape), dtype=dtype), requires_grad, name=name)

    @classmethod
    def uniform(
        cls,
        *shape: Any,
        low: float = 0.0,
        high: float = 1.0,
        seed: Seed = None,
        dtype: Any = None,
        requires_grad: bool = False,
        name: str | None = None,
    ) -> Tensor:
        """Samples uniform on ``[low, high)``; ``seed`` as in :meth:`randn`.

        >>> t = Tensor.uniform(3, 4, low=-1.0, high=1.0, seed=0)
        >>> t.shape, bool((t.data >= -1).all() and (t.data < 1).all())
        ((3, 4), True)
        """
        rng = generator(seed, "Tensor")
        shape, dtype = _size_arg(shape), _as_dtype(dtype or _DEFAULT_DTYPE, "Tensor")
        with _allocating("Tensor.uniform", shape, dtype):
            return cls(np.asarray(rng.uniform(low, high, shape), dtype=dtype), requires_grad, name=name)

    # ----------------------------------------------------------------- attributes
    @property
    def data(self) -> np.ndarray:
        """The values, as an ndarray (shared, not copied).

        While a recorded op that saved this tensor for backward is alive and not yet released by
        ``backward()``, this is a read-only view: an in-place edit (``t.data[0] = 5``,
        ``t.data += 1``, ``np.copyto(t.data, ...)``) raises :class:`InplaceError` at the edit
        instead of silently corrupting the gradient. Assigning ``t.data = new`` always works.

        >>> t = Tensor([1.0, 2.0])
        >>> t.data
        array([1., 2.])
        """
        d = self._data
        if type(d) is not np.ndarray:
            return d  # other libraries' arrays cannot be locked (see docs/backends.md)
        s = self._savers
        if self._family is None and (s is None or (type(s) is weakref.ref and s() is None)):
            node = self._node  # no graph saved this tensor: only a view of a saved parent can be locked
            if d.base is None or node is None or node.saved is None:
                return d
        owner = lock_owner(self)
        return self._data if owner is None else LockedArray.of(self, owner=owner)

    @data.setter
    def data(self, value: ArrayLike) -> None:
        if type(value) is np.ndarray and value.dtype.kind in "biuf":
            arr, kind = value, value.dtype.kind
        else:
            arr = value._data if isinstance(value, Tensor) else _to_array(value)  # lists, scalars: copied, checked
            kind = _xp.kind(arr)
        if kind != "f" and self.requires_grad:
            raise DTypeError(f"Tensor.data: cannot set {arr.dtype} data on a tensor that requires grad")
        self._data = arr
        self._version += 1
        self._family = None  # the new array is this tensor's own

    @property
    def name(self) -> str | None:
        """A label shown in reprs, error messages and graph drawings (None: unnamed).

        >>> W1 = Tensor.zeros(3, 2, requires_grad=True)
        >>> Z1 = W1 @ Tensor.ones(2, 4)
        >>> Z1.name = "Z1"
        >>> Z1.name, Z1._node.name  # the graph's node follows the tensor's name
        ('Z1', 'Z1')
        """
        return self._name

    @name.setter
    def name(self, value: str | None) -> None:
        if value is not None and not isinstance(value, str):
            raise DTypeError(f"Tensor: name must be a str, got {type(value).__name__}")
        self._name = value
        if self._node is not None:
            self._node.name = value

    @property
    def shape(self) -> Shape:
        """The shape, as a tuple of ints.

        >>> Tensor.zeros(3, 5).shape  # (n_x, m)
        (3, 5)
        """
        return self._data.shape

    @property
    def dtype(self) -> np.dtype:
        """The NumPy dtype (for another library's array, the NumPy dtype of the same name).

        >>> Tensor([1.0]).dtype, Tensor(np.ones(2, np.float32)).dtype
        (dtype('float64'), dtype('float32'))
        """
        arr = self._data
        return arr.dtype if type(arr) is np.ndarray else _xp.np_dtype(arr.dtype)

    @property
    def device(self) -> Any:
        """The device the values live on: ``"cpu"`` for NumPy, else the array library's device.

        >>> Tensor([1.0]).device
        'cpu'
        >>> import array_api_strict as xp
        >>> Tensor(xp.ones(2)).device
        array_api_strict.Device('CPU_DEVICE')
        """
        return _xp.device(self._data)

    def to(self, target: Any, device: Any = None) -> Tensor:
        """This tensor's values in another array library (and/or device): an explicit copy.

        ``target`` is a library's name (``"numpy"``, ``"cupy"``, ``"torch"``, ``"dask"``,
        ``"array_api_strict"``) or its namespace module (``numpy``, ``cupy``, ``torch``,
        ``dask.array``, ``array_api_strict``...); ``device`` is passed to that library's
        ``asarray``. The result is a new leaf with the same ``requires_grad`` and name; it is
        ``self`` when nothing would change. ``Module.to`` moves a model's parameters.

        >>> import array_api_strict as xp
        >>> t = Tensor([1.0, 2.0]).to(xp)
        >>> type(t.data).__module__.split(".")[0], t.to("numpy").data
        ('array_api_strict', array([1., 2.]))
        """
        arr = _xp.to_namespace(self._data, target, device)
        if arr is self._data:
            return self
        t = constant(arr)
        t.requires_grad = self.requires_grad and _xp.kind(arr) == "f"
        t.name = self.name
        return t

    def __array_namespace__(self, api_version: str | None = None) -> Any:
        """The namespace of tinygrad_ng's ops, which VJP rules use on tensors under ``create_graph``.

        >>> xp = Tensor([1.0]).__array_namespace__()
        >>> xp.exp(Tensor([0.0]))
        Tensor([1.], shape=(1,), dtype=float64)
        """
        return _xp.tensor_namespace

    @property
    def ndim(self) -> int:
        """The number of dimensions.

        >>> Tensor.zeros(3, 5).ndim
        2
        """
        return self._data.ndim

    @property
    def size(self) -> int:
        """The number of elements.

        >>> Tensor.zeros(3, 5).size
        15
        """
        return self._data.size if type(self._data) is np.ndarray else math.prod(self.shape)

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user rather than by an op that recorded the graph.

        >>> w = Tensor([1.0], requires_grad=True)
        >>> w.is_leaf, (w * 2).is_leaf
        (True, False)
        """
        return self._node is None

    @property
    def op(self) -> str | None:
        """The name of the op that made this tensor, or None for a leaf.

        >>> W = Tensor([[1.0, 2.0]], requires_grad=True)
        >>> (W @ [[3.0], [4.0]]).op, W.op
        ('matmul', None)
        """
        return None if self._node is None else self._node.op.name

    @property
    def parents(self) -> tuple[Tensor, ...]:
        """The op's inputs in order (empty for a leaf or a released graph).

        >>> a = Tensor([1.0], requires_grad=True)
        >>> y = a + a
        >>> len(y.parents), y.parents[0] is a  # both uses of a are kept
        (2, True)
        """
        return () if self._node is None else (self._node.saved or ())

    @property
    def attrs(self) -> dict[str, Any]:
        """The op's attributes (axis, exponent...), empty for a leaf.

        >>> x = Tensor([[1.0, 2.0]], requires_grad=True)
        >>> x.sum(axis=1).attrs
        {'axis': (1,), 'keepdims': False}
        """
        return {} if self._node is None else dict(self._node.attrs)

    @property
    def scope(self) -> str | None:
        """The :class:`name_scope` the op that made this tensor ran in (None for leaves).

        >>> x = Tensor([1.0], requires_grad=True)
        >>> with name_scope("layer1"):
        ...     y = x * 2
        >>> y.scope, x.scope
        ('layer1', None)
        """
        return None if self._node is None else self._node.scope

    def numpy(self) -> np.ndarray:
        """The values as an ndarray (shared with the tensor; read-only while a graph needs them, as ``.data``).

        Another library's array is copied to the host (a Dask array is computed).

        >>> Tensor([1.0, 2.0]).numpy()
        array([1., 2.])
        """
        return self.data if type(self._data) is np.ndarray else _xp.to_numpy(self._data)

    def item(self) -> float | int | bool:
        """The single value of a one-element tensor, as a Python number.

        >>> Tensor([[2.5]]).item()
        2.5
        """
        if math.prod(self.shape) != 1:
            raise ShapeError(f"item: needs a tensor with one element, got shape {self.shape}")
        value = _xp.to_numpy(self._data).item()
        if mode.reads is not None:
            mode.reads.append((self, value))
        return value

    def tolist(self) -> Any:
        """The values as nested Python lists.

        >>> Tensor([[1.0, 2.0]]).tolist()
        [[1.0, 2.0]]
        """
        return _xp.to_numpy(self._data).tolist()

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        if type(self._data) is not np.ndarray:
            return np.asarray(_xp.to_numpy(self._data), dtype=dtype)  # asked for NumPy: an explicit copy
        if dtype is not None and np.dtype(dtype) != self._data.dtype:
            return self._data.astype(dtype)
        return self._data.copy() if copy else self.data

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise DTypeError("len() of a 0-d tensor (shape ()); use .item() for its value")
        return self.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        for i in range(len(self)):
            yield self[i]

    def __bool__(self) -> bool:
        if math.prod(self.shape) != 1:
            raise ShapeError(
                f"the truth value of a tensor of shape {self.shape} is ambiguous; use .any() or .all() on .data"
            )
        value = bool(self._data)
        if mode.reads is not None:
            mode.reads.append((self, value))
        return value

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        extra = [f"shape={self.shape}", f"dtype={self.dtype}"]
        if type(self._data) is np.ndarray:
            body = np.array2string(self._data, precision=4, threshold=20, edgeitems=2, separator=", ", prefix="Tensor(")
        else:  # another library's array: its own repr (a lazy Dask array stays lazy)
            body = f"<{_xp.library(self._data)}>"
            extra.append(f"device={self.device}")
        if self.requires_grad:
            extra.append("requires_grad=True")
        if self._node is not None:
            extra.append(f"op={self._node.op.name!r}")
        if self.name is not None:
            extra.append(f"name={self.name!r}")
        return f"Tensor({body}, {', '.join(extra)})"

    # ----------------------------------------------------------------- autograd
    def backward(self, grad: ArrayLike = None, retain_graph: bool = False, create_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` that requires grad.

        Args:
            grad: the upstream gradient, same shape as this tensor; may be omitted only for a
                one-element tensor (it is then 1).
            retain_graph: keep the graph so backward can run through it again; otherwise the
                arrays saved for backward are released as the walk passes them.
            create_graph: record the backward pass itself, so the gradients are differentiable
                (implies ``retain_graph``); use :func:`tinygrad_ng.grad` to get them as tensors.

        >>> W = Tensor([[0.5, -0.5]], requires_grad=True)  # (1, n_x)
        >>> Z = W @ [[1.0, 2.0], [3.0, 4.0]]  # (1, m)
        >>> Z.backward([[1.0, 1.0]])  # a non-scalar output needs grad of its shape
        >>> W.grad  # dW = dZ Xᵀ
        array([[3., 7.]])
        """
        check_output(self, "backward")
        g = as_grad(self, grad, create_graph)
        if create_graph:
            with enable_grad():
                graph.run([self], [g], retain_graph=True, create_graph=True, capture=None)
        else:
            graph.run([self], [g], retain_graph=retain_graph, create_graph=False, capture=None)

    def zero_grad(self) -> None:
        """Clear ``.grad`` (set it to None).

        >>> w = Tensor([1.0], requires_grad=True)
        >>> (w * 3).sum().backward()
        >>> w.grad, w.zero_grad(), w.grad
        (array([3.]), None, None)
        """
        self.grad = None

    def retain_grad(self) -> Tensor:
        """Keep this non-leaf tensor's gradient in ``.grad`` during backward; returns self.

        >>> w = Tensor([1.0, -1.0], requires_grad=True)
        >>> Z = (w * 2).retain_grad()
        >>> Z.relu().sum().backward()
        >>> Z.grad  # dJ/dZ, the course's dZ
        array([1., 0.])
        """
        self._retain = True
        return self

    def detach(self) -> Tensor:
        """A tensor sharing this one's data, cut from the graph (it does not require grad).

        As the two share one array they share its in-place protection: while a live graph
        saved either of them, editing the array through either one's ``.data`` raises
        :class:`InplaceError`.

        >>> w = Tensor([1.0], requires_grad=True)
        >>> d = (w * 2).detach()
        >>> d.requires_grad, d.is_leaf
        (False, True)
        """
        t = constant(self._data)
        t.name = self.name
        share_array(self, t)
        return t

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place on a leaf; returns self.

        >>> Tensor([1.0]).requires_grad_().requires_grad
        True
        """
        if self._node is not None:
            raise DTypeError("requires_grad_: only leaf tensors can change requires_grad; use detach()")
        if requires_grad and _xp.kind(self._data) != "f":
            raise DTypeError(f"requires_grad_: needs a floating-point dtype, got {self.dtype}")
        self.requires_grad = bool(requires_grad)
        return self

    def draw(self, **kwargs: Any) -> Any:
        """Draw the graph that made this tensor; see :func:`tinygrad_ng.draw_graph`.

        >>> w = Tensor([1.0, 2.0], requires_grad=True, name="w")
        >>> (w * w).sum().draw()
        <GraphDrawing: 3 tensors, 2 ops>
        """
        from . import explorer  # noqa: F401 (it plugs the interactive page into GraphDrawing.save)
        from .viz import draw_graph

        return draw_graph(self, **kwargs)

    def __pos__(self) -> Tensor:
        return self

    @classmethod
    def _record(cls, op: Op, *inputs: Any, **attrs: Any) -> Tensor:
        """``op`` recorded on ``inputs`` (non-Tensors as constants): how an :class:`Op` call records."""
        return apply(op, *[x if isinstance(x, Tensor) else constant(_xp.as_array(x)) for x in inputs], **attrs)

    # The ops, the operators and NumPy's dispatch (__array_ufunc__, __array_function__) are bound by
    # tinygrad_ng.functional, where each op is defined once with its checks and docs
    # (``x.exp()`` is ``functional.exp(x)``). Typed here for checkers.
    if TYPE_CHECKING:
        T: Tensor

        def __add__(self, other: ArrayLike) -> Tensor: ...
        def __radd__(self, other: ArrayLike) -> Tensor: ...
        def __sub__(self, other: ArrayLike) -> Tensor: ...
        def __rsub__(self, other: ArrayLike) -> Tensor: ...
        def __mul__(self, other: ArrayLike) -> Tensor: ...
        def __rmul__(self, other: ArrayLike) -> Tensor: ...
        def __truediv__(self, other: ArrayLike) -> Tensor: ...
        def __rtruediv__(self, other: ArrayLike) -> Tensor: ...
        def __pow__(self, other: ArrayLike) -> Tensor: ...
        def __rpow__(self, other: ArrayLike) -> Tensor: ...
        def __matmul__(self, other: ArrayLike) -> Tensor: ...
        def __rmatmul__(self, other: ArrayLike) -> Tensor: ...
        def __neg__(self) -> Tensor: ...
        def __abs__(self) -> Tensor: ...
        def __getitem__(self, index: Any) -> Tensor: ...
        def __lt__(self, other: ArrayLike) -> Tensor: ...
        def __le__(self, other: ArrayLike) -> Tensor: ...
        def __gt__(self, other: ArrayLike) -> Tensor: ...
        def __ge__(self, other: ArrayLike) -> Tensor: ...
        def __eq__(self, other: object) -> Tensor: ...  # type: ignore[override]
        def __ne__(self, other: object) -> Tensor: ...  # type: ignore[override]
        def exp(self) -> Tensor: ...
        def log(self) -> Tensor: ...
        def sqrt(self) -> Tensor: ...
        def abs(self) -> Tensor: ...
        def sigmoid(self) -> Tensor: ...
        def tanh(self) -> Tensor: ...
        def relu(self) -> Tensor: ...
        def leaky_relu(self, slope: float = 0.01) -> Tensor: ...
        def clip(self, low: float | None = None, high: float | None = None) -> Tensor: ...
        def maximum(self, other: ArrayLike) -> Tensor: ...
        def minimum(self, other: ArrayLike) -> Tensor: ...
        def sum(self, axis: Axis = None, keepdims: bool = False) -> Tensor: ...
        def mean(self, axis: Axis = None, keepdims: bool = False) -> Tensor: ...
        def max(self, axis: Axis = None, keepdims: bool = False) -> Tensor: ...
        def min(self, axis: Axis = None, keepdims: bool = False) -> Tensor: ...
        def logsumexp(self, axis: Axis = None, keepdims: bool = False) -> Tensor: ...
        def softmax(self, axis: int = 0) -> Tensor: ...
        def log_softmax(self, axis: int = 0) -> Tensor: ...
        def reshape(self, *shape: Any) -> Tensor: ...
        def transpose(self, *axes: Any) -> Tensor: ...
        def flatten(self) -> Tensor: ...
        def expand_dims(self, axis: int) -> Tensor: ...
        def squeeze(self, axis: Axis = None) -> Tensor: ...
        def broadcast_to(self, *shape: Any) -> Tensor: ...
        def astype(self, dtype: Any) -> Tensor: ...


def _shape_arg(shape: tuple[Any, ...]) -> Shape:
    """Accept ``f(2, 3)`` and ``f((2, 3))`` alike."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    try:
        return tuple(operator.index(s) for s in shape)
    except TypeError:
        raise ShapeError(f"a shape must be ints, got {shape!r}") from None


def _size_arg(shape: tuple[Any, ...]) -> Shape:
    """A shape for a new array: as :func:`_shape_arg`, and no negative sizes."""
    out = _shape_arg(shape)
    if any(n < 0 for n in out):
        raise ShapeError(f"a shape cannot have negative sizes, got {out}")
    return out


@contextlib.contextmanager
def _allocating(where: str, shape: Shape, dtype: np.dtype) -> Iterator[None]:
    """Turn NumPy's bare MemoryError into an AllocationError naming ``where``, the shape and the bytes."""
    try:
        yield
    except MemoryError:
        n = math.prod(shape) * dtype.itemsize
        size, unit = float(n), "bytes"
        for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"):  # noqa: B007 (the last unit is kept)
            if size < 1024:
                break
            size /= 1024
        raise AllocationError(
            f"{where}: shape {shape} {dtype} needs {size:.1f} {unit} ({n:,} bytes), more memory than is available"
        ) from None


_made: set[int] | None = None  # while tg.compile traces a call: the ids of the tensors made since it began


@contextlib.contextmanager
def new_tensors() -> Iterator[set[int]]:
    """Collect the ids of the tensors made inside the block (by any thread).

    How :func:`tinygrad_ng.compile` tells the tensors a traced call made from those that existed
    before it (parameters, or tensors the function captured), without scanning every live object.
    A block inside another one reports its tensors to both.

    >>> with new_tensors() as made:
    ...     t = Tensor([1.0]) * 2
    >>> id(t) in made
    True
    """
    global _made
    outer = _made
    made: set[int] = set()
    _made = made
    try:
        yield made
    finally:
        _made = outer
        if outer is not None:
            outer |= made


def constant(arr: np.ndarray) -> Tensor:
    """Wrap an ndarray as a constant tensor, without copying (internal fast path).

    >>> import numpy as np
    >>> arr = np.ones(3)
    >>> c = constant(arr)
    >>> c.data is arr, c.requires_grad
    (True, False)
    """
    t = Tensor.__new__(Tensor)
    t._data = arr
    t.grad = None
    t.requires_grad = False
    t._name = None
    t._node = None
    t._version = 0
    t._retain = False
    t._savers = None
    t._grad_run = 0
    t._family = None
    if _made is not None:
        _made.add(id(t))
    return t


def apply(op: Op, *parents: Tensor, **attrs: Any) -> Tensor:
    """Run ``op`` forward on the parents' arrays and, when needed, record it in the graph.

    This is the one place where tensors are made by ops: the forward result is wrapped, and the
    context that backward needs is attached only when gradients are enabled and some parent
    requires grad.

    >>> from tinygrad_ng.ops import REGISTRY
    >>> x = Tensor([[1.0, -2.0]], requires_grad=True)
    >>> y = apply(REGISTRY["relu"], x)
    >>> y.op, y.parents[0] is x, y.shape
    ('relu', True, (1, 2))
    """
    try:
        n = len(parents)
        if n == 1:  # one and two inputs spelled out: a comprehension costs a frame per op
            out = op.forward(parents[0]._data, **attrs)
        elif n == 2:
            a, b = parents[0]._data, parents[1]._data
            if type(a) is not type(b):
                _xp.check_same(op.name, [a, b])  # no silent copies between array libraries
            out = op.forward(a, b, **attrs)
        else:
            arrays = [p._data for p in parents]
            if n > 2:
                _xp.check_same(op.name, arrays)
            out = op.forward(*arrays, **attrs)
    except BackendError as e:
        raise BackendError(f"{op.name}: {e}") if not str(e).startswith(op.name) else e from None
    except TinygradError:
        raise  # a forward that checks its own arguments already names the op and the shapes
    except (ValueError, TypeError, IndexError) as e:
        raise _op_error(op, parents, e, attrs) from None
    except NotImplementedError as e:  # a library without this case (Dask's nd fancy indexing)
        where = f"(operands {shape_str(*parents)})"
        raise BackendError(f"{op.name}: {_xp.kinds([p._data for p in parents])} cannot do this: {e} {where}") from None
    except RuntimeError as e:  # torch reports bad shapes as RuntimeError
        if all(isinstance(p._data, np.ndarray) for p in parents):
            raise
        raise _op_error(op, parents, ValueError(str(e)), attrs) from None
    if type(out) is not np.ndarray and isinstance(out, (np.generic, float, int, bool)):
        out = np.asarray(out)
    t = Tensor.__new__(Tensor)  # constant(out), inline: this runs once per op
    t._data, t.grad, t.requires_grad, t._name, t._node = out, None, False, None, None
    t._version, t._retain, t._savers, t._grad_run, t._family = 0, False, None, 0, None
    if _made is not None:
        _made.add(id(t))
    grad_enabled, anomaly, scope = mode.state  # this thread's switches, in one read
    if grad_enabled:
        for p in parents:
            if p.requires_grad:
                t.requires_grad = True
                ref = weakref.ref(t)  # the parents' arrays are locked while t is alive and unreleased
                where = where_created() if anomaly else None
                t._node = Node(op, attrs, parents, ref, out.shape, out.dtype, where, scope)
                for q in parents:
                    s = q._savers  # a single dead saver (last step's graph) is simply replaced
                    q._savers = ref if s is None or (type(s) is weakref.ref and s() is None) else add_saver(s, ref)
                break
    if anomaly and _xp.kind(out) == "f" and not _xp.all_finite(out):
        raise anomaly_in_forward(op, parents, out)
    return t


def _op_error(op: Op, parents: Sequence[Tensor], e: Exception, attrs: dict[str, Any]) -> Exception:
    """Re-raise NumPy's complaint as tinygrad_ng's error, naming the op, the operands and array attributes."""
    arrays = "".join(f", {k} {shape_str(v)}" for k, v in attrs.items() if isinstance(v, np.ndarray))
    msg = f"{op.name}: {e} (operands {shape_str(*parents)}{arrays})"
    if isinstance(e, IndexError):
        return TensorIndexError(msg)
    if isinstance(e, TypeError):
        return DTypeError(msg)
    return ShapeError(msg)


def check_output(t: Any, what: str) -> Tensor:
    """``t`` if it is a tensor backward can start from, else a clear error naming ``what``."""
    if not isinstance(t, Tensor):
        raise DTypeError(f"{what}: expected a Tensor, got {type(t).__name__}")
    if not t.requires_grad:
        raise GraphError(
            f"{what}: the tensor {t.shape} does not require grad, so there is nothing to differentiate; "
            "create the parameters with requires_grad=True (and not under no_grad)"
        )
    return t


def as_grad(t: Tensor, grad: ArrayLike, create_graph: bool) -> Any:
    """The upstream gradient for output ``t``: checked, in ``t``'s dtype (a Tensor under ``create_graph``)."""
    if grad is None:
        if t.size != 1:
            raise ShapeError(
                f"backward: output has shape {t.shape}; pass grad= of that shape "
                "(an implicit gradient of 1 only exists for a one-element output, e.g. a loss)"
            )
        d = t._data  # filled in place: np.ones and ones_like add a Python layer to a one-element array
        if type(d) is np.ndarray:
            g = np.empty(d.shape, d.dtype)
            g.fill(1)
        else:
            g = _xp.namespace(d).ones_like(d)
    else:
        try:
            g = grad._data if isinstance(grad, Tensor) else _xp.as_array(grad)
        except ValueError as e:  # ragged nested lists
            raise ShapeError(f"backward: grad must be an array of the output's shape {t.shape}: {e}") from None
        if _xp.kind(g) not in "biuf":
            raise DTypeError(f"backward: grad must be numeric, got dtype {g.dtype}")
        if tuple(g.shape) != t.shape:
            raise ShapeError(f"backward: grad has shape {g.shape} but the output has shape {t.shape}")
        if type(g) is np.ndarray and type(t._data) is not np.ndarray:
            g = _xp.to_namespace(g, _xp.namespace(t._data))  # an explicit seed, moved to the output's library
        g = g.astype(t.dtype, copy=False) if type(g) is np.ndarray else _xp.astype(g, t.dtype)
    if create_graph:
        return grad if isinstance(grad, Tensor) else Tensor(g)
    return g
