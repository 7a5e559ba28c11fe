"""Array namespaces: which library computes on a tensor's array (NumPy, CuPy, Dask, torch, ...).

Every op computes through the namespace of its inputs' arrays, as the Python array API standard
describes it (``xp.exp(x)``, ``xp.sum(x, axis=0)``, ``xp.reshape(x, shape)``). NumPy arrays
take a fast path: :func:`namespace` answers ``numpy`` itself after one type check, without
importing anything. Any other array goes through ``array-api-compat`` (imported on first use),
which gives CuPy, Dask and torch their standard namespaces; array-api-strict and other
libraries that implement ``__array_namespace__`` answer for themselves.

One op never mixes array libraries silently: NumPy with CuPy, torch or array-api-strict would
copy between devices or libraries, so it raises :class:`~tinygrad_ng.errors.BackendError`
(move one side with ``Tensor.to``). NumPy arrays next to Dask arrays are the exception: Dask
takes them as constants, which is how parameters reach the workers of a Dask cluster.

Under ``create_graph=True`` the rules get Tensors; a Tensor's namespace is the one made of
tinygrad_ng's own ops (``Tensor.__array_namespace__``), so the same rule records its graph.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

import numpy as np

from .errors import BackendError

__all__ = [
    "namespace", "check_same", "function", "elementwise", "numpy_only", "require_numpy", "library", "kinds",
    "is_array", "as_array", "any_true", "is_lazy",
    "np_dtype", "kind", "backend_dtype", "astype", "all_finite", "device", "resolve", "to_numpy", "to_namespace",
]  # fmt: skip

_ndarray = np.ndarray
_NUMBERS = (bool, int, float, complex, np.generic)
_compat: Any = None
tensor_namespace: Any = None  # the namespace of Tensors, set where the ops are defined (tinygrad_ng.functional)


def _array_api_compat() -> Any:
    """``array_api_compat``, imported on first use, or a BackendError naming the package."""
    global _compat
    if _compat is None:
        try:
            _compat = importlib.import_module("array_api_compat")
        except ImportError:
            raise BackendError(
                "arrays other than NumPy's need the package array-api-compat: pip install array-api-compat"
            ) from None
    return _compat


def namespace(*arrays: Any) -> Any:
    """The array namespace that computes on ``arrays``: ``numpy`` for NumPy arrays and scalars.

    Python and NumPy scalars and ``None`` fit any namespace. Tensors (under ``create_graph``)
    give the namespace of tinygrad_ng's ops. NumPy arrays next to Dask arrays give Dask's (Dask
    takes them as constants); any other mix raises :class:`~tinygrad_ng.errors.BackendError`.

    >>> import numpy as np
    >>> namespace(np.ones(2), 3.0) is np
    True
    >>> import array_api_strict as xp
    >>> namespace(xp.ones(2)) is xp
    True
    """
    for a in arrays:
        if type(a) is not _ndarray and a is not None and not isinstance(a, _NUMBERS):
            return _namespace(arrays)
    return np


def _namespace(arrays: tuple[Any, ...]) -> Any:
    others, numpy_arrays = [], False
    for a in arrays:
        if a is None or isinstance(a, _NUMBERS):
            continue
        if getattr(a, "_record", None) is not None:  # a Tensor, under create_graph
            return a.__array_namespace__()
        if isinstance(a, _ndarray):
            numpy_arrays = True
        else:
            others.append(a)
    if not others:
        return np
    compat = _array_api_compat()
    try:
        xp = compat.array_namespace(*others)
    except TypeError:
        raise BackendError(
            f"arrays of different libraries in one op: {kinds(arrays)}; move them first with Tensor.to(...)"
        ) from None
    if numpy_arrays and not compat.is_dask_namespace(xp):
        raise BackendError(
            f"arrays of different libraries in one op: {kinds(arrays)}; NumPy data would be copied "
            "silently, so move it first with Tensor.to(...)"
        )
    return xp


def function(xp: Any, name: str) -> Any:
    """``xp.<name>``, or a BackendError naming the function and the array library that lacks it.

    >>> function(np, "exp") is np.exp
    True
    """
    fn = getattr(xp, name, None)
    if fn is None:
        raise BackendError(f"{name} is not in {xp.__name__}, so this op cannot run on its arrays")
    return fn


def elementwise(np_fn: Any, name: str) -> Any:
    """A forward calling ``np_fn`` on NumPy arrays and the namespace's ``name`` on other arrays.

    ``name`` is the array API standard's spelling (``asin`` for NumPy's ``arcsin``).

    >>> import array_api_strict as xp
    >>> sin = elementwise(np.sin, "sin")
    >>> sin(np.zeros(1)), sin(xp.zeros(1))
    (array([0.]), Array([0.], dtype=array_api_strict.float64))
    """

    def forward(x: Any, *rest: Any) -> Any:
        if type(x) is _ndarray:
            return np_fn(x, *rest)
        return function(namespace(x, *rest), name)(x, *rest)

    forward.__name__ = name
    return forward


def any_true(mask: Any) -> bool:
    """Whether any entry of a boolean mask is true; True for a lazy mask, whose values are unknown.

    Rules use it to skip work that only matters where the mask holds (a safe division), so on a
    lazy array they take the safe path instead of computing the graph to find out.

    >>> any_true(np.array([False, True])), any_true(np.zeros(2, bool))
    (True, False)
    """
    if type(mask) is _ndarray:
        return bool(mask.any())
    if is_lazy(mask):
        return True
    return bool(namespace(mask).any(mask))


def numpy_only(forward: Any, why: str) -> Any:
    """``forward`` for NumPy arrays only: other arrays get a BackendError saying ``why``.

    For the few ops whose NumPy code has no array API counterpart (strided window views).

    >>> import array_api_strict as xp
    >>> f = numpy_only(lambda x: x + 1, "it needs NumPy's strides")
    >>> f(np.zeros(1))
    array([1.])
    >>> f(xp.zeros(1))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tinygrad_ng.errors.BackendError: runs on NumPy arrays only (it needs NumPy's strides), got array_api_strict.Array...
    """

    def checked(*arrays: Any, **attrs: Any) -> Any:
        require_numpy(arrays, why)
        return forward(*arrays, **attrs)

    checked.__name__ = getattr(forward, "__name__", "forward")
    return checked


def require_numpy(arrays: Any, why: str, name: str = "") -> None:
    """A BackendError (prefixed ``name: ``) unless every array is NumPy's: the code runs on NumPy only, ``why``.

    >>> require_numpy([np.ones(2), 1.0], "it needs NumPy's strides")
    """
    for a in arrays:
        if type(a) is not _ndarray and not isinstance(a, (_ndarray, *_NUMBERS)):
            prefix = f"{name}: " if name else ""
            raise BackendError(
                f"{prefix}runs on NumPy arrays only ({why}), got {kinds(arrays)}; move the tensors with .to('numpy')"
            )


def library(arr: Any) -> str:
    """The library and class of an array, for messages: ``torch.Tensor``, ``dask.Array``.

    >>> library(np.ones(2))
    'numpy.ndarray'
    """
    t = type(arr)
    return f"{t.__module__.split('.')[0]}.{t.__name__}"


def is_lazy(arr: Any) -> bool:
    """Whether ``arr`` is a lazy array (Dask, JAX under tracing) whose values are not computed yet.

    Value checks (targets in [0, 1], labels in range) are skipped on lazy arrays: reading a
    value would compute the whole graph, once per check.

    >>> is_lazy(np.ones(2))
    False
    """
    if isinstance(arr, _ndarray):
        return False
    return bool(_array_api_compat().is_lazy_array(arr))


def kinds(arrays: Any) -> str:
    """The libraries of the arrays among ``arrays``, each once, for messages.

    >>> import array_api_strict as xp
    >>> kinds([np.ones(2), 2.0, xp.ones(2)])
    'numpy.ndarray and array_api_strict.Array'
    """
    names = []
    for a in arrays:
        if a is not None and not isinstance(a, _NUMBERS):
            name = library(a)
            if name not in names:
                names.append(name)
    return " and ".join(names)


def check_same(where: str, arrays: Any) -> None:
    """Refuse arrays of different libraries in one op (NumPy with Dask is allowed).

    >>> import numpy as np
    >>> check_same("add", [np.ones(2), np.ones(2)])
    """
    try:
        namespace(*arrays)
    except BackendError as e:
        raise BackendError(f"{where}: {e}") from None


def is_array(x: Any) -> bool:
    """Whether ``x`` is an array of some array library (NumPy, CuPy, Dask, torch, ...), not a Tensor.

    >>> import numpy as np
    >>> is_array(np.ones(2)), is_array([1.0]), is_array(2.0)
    (True, False, False)
    """
    if isinstance(x, _ndarray):
        return True
    if isinstance(x, (list, tuple, *_NUMBERS)) or x is None or getattr(x, "_record", None) is not None:
        return False
    if hasattr(x, "__array_namespace__"):
        return True
    module = type(x).__module__.split(".")[0]
    if module in ("torch", "dask", "cupy", "jax", "jaxlib"):
        return bool(_array_api_compat().is_array_api_obj(x))
    return False


def as_array(x: Any) -> Any:
    """``x`` if it is an array of any library, else ``numpy.asarray(x)`` (numbers, lists).

    >>> as_array(2.0)
    array(2.)
    """
    return x if is_array(x) else np.asarray(x)


def np_dtype(dtype: Any) -> np.dtype:
    """The NumPy dtype of the same name as a backend's dtype (``torch.float32`` -> ``float32``).

    >>> import array_api_strict as xp
    >>> np_dtype(xp.float32), np_dtype(np.float64)
    (dtype('float32'), dtype('float64'))
    """
    if isinstance(dtype, np.dtype):
        return dtype
    try:
        return np.dtype(dtype)
    except TypeError:
        return np.dtype(str(dtype).rsplit(".", 1)[-1])


def kind(arr: Any) -> str:
    """The dtype's kind letter (``"f"``, ``"i"``, ``"u"``, ``"b"``) of an array of any library.

    >>> kind(np.ones(2, np.float32))
    'f'
    """
    dt = arr.dtype
    return dt.kind if isinstance(dt, np.dtype) else np_dtype(dt).kind


def backend_dtype(xp: Any, dtype: Any) -> Any:
    """``dtype`` (a NumPy dtype or a name) as namespace ``xp`` spells it.

    >>> import array_api_strict as xp
    >>> backend_dtype(xp, np.dtype("float32")) == xp.float32
    True
    """
    if xp is np:
        return np.dtype(dtype)
    return getattr(xp, np_dtype(dtype).name)


def astype(arr: Any, dtype: Any) -> Any:
    """``arr`` converted to ``dtype`` (a NumPy dtype) in its own namespace.

    >>> astype(np.ones(2), np.float32).dtype
    dtype('float32')
    """
    if type(arr) is _ndarray:
        return arr.astype(dtype)
    xp = namespace(arr)
    return xp.astype(arr, backend_dtype(xp, dtype))


def all_finite(arr: Any) -> bool:
    """Whether every value of ``arr`` is finite (computes a lazy array).

    >>> all_finite(np.array([1.0, np.inf]))
    False
    """
    if type(arr) is _ndarray:
        return bool(np.isfinite(arr).all())
    xp = namespace(arr)
    return bool(xp.all(xp.isfinite(arr)))


def device(arr: Any) -> Any:
    """The device ``arr`` lives on: ``"cpu"`` for NumPy, else the library's device object.

    >>> device(np.ones(2))
    'cpu'
    """
    if isinstance(arr, _ndarray):
        return "cpu"
    return _array_api_compat().device(arr)


_NAMES = {
    "numpy": "numpy",
    "np": "numpy",
    "array_api_strict": "array_api_strict",
    "cupy": "array_api_compat.cupy",
    "torch": "array_api_compat.torch",
    "dask": "array_api_compat.dask.array",
    "dask.array": "array_api_compat.dask.array",
}


def resolve(target: Any) -> Any:
    """The namespace named by ``target``: a name (``"numpy"``, ``"cupy"``, ``"torch"``, ``"dask"``,
    ``"array_api_strict"``) or a namespace module.

    >>> resolve("numpy") is np
    True
    """
    if isinstance(target, str):
        name = _NAMES.get(target)
        if name is None:
            raise BackendError(f"to: unknown array library {target!r}; one of {sorted(set(_NAMES) - {'np'})}")
        if name != "numpy":
            _array_api_compat()
        try:
            return importlib.import_module(name)
        except ImportError as e:
            raise BackendError(f"to: array library {target!r} is not installed ({e})") from None
    if isinstance(target, ModuleType):
        if target is np or target.__name__ == "numpy":
            return np
        short = target.__name__.split(".")[0]
        if short in ("cupy", "torch") or target.__name__ == "dask.array":
            _array_api_compat()  # their standard namespaces
            return importlib.import_module(_NAMES[target.__name__ if short == "dask" else short])
        if not hasattr(target, "asarray"):
            raise BackendError(f"to: {target.__name__} is not an array namespace (it has no asarray)")
        return target
    raise BackendError(f"to: expected an array library's name or namespace module, got {type(target).__name__}")


def to_numpy(arr: Any) -> np.ndarray:
    """``arr`` as a NumPy array on the host (an explicit copy for device and lazy arrays).

    >>> to_numpy(np.ones(2))
    array([1., 1.])
    """
    if isinstance(arr, _ndarray):
        return arr
    module = type(arr).__module__.split(".")[0]
    if module == "dask":
        return np.asarray(arr.compute())
    if module == "cupy":
        return arr.get()
    if module == "torch":
        return arr.detach().cpu().numpy()
    try:
        return np.from_dlpack(arr)
    except (TypeError, AttributeError, RuntimeError, BufferError):
        return np.asarray(arr)


def to_namespace(arr: Any, target: Any, device: Any = None) -> Any:
    """``arr`` moved to namespace ``target`` (see :func:`resolve`), on ``device`` if given.

    >>> import array_api_strict as xp
    >>> type(to_namespace(np.ones(2), "array_api_strict")).__module__.startswith("array_api_strict")
    True
    """
    xp = resolve(target)
    if xp is np:
        return to_numpy(arr)
    if namespace(arr) is xp:
        if device is None or _array_api_compat().device(arr) == device:
            return arr
        return _array_api_compat().to_device(arr, device)
    host = to_numpy(arr)
    if device is None:
        return xp.asarray(host)
    return xp.asarray(host, device=device)
