"""In-place safety: arrays a live graph saved for backward are locked against edits.

Each recorded op leaves a weak reference to its output on each of its parents (``Tensor._savers``).
While one of those outputs is alive and backward has not released it, ``Tensor.data`` returns a
:class:`LockedArray`: a read-only view whose in-place edits raise :class:`InplaceError` naming the
tensor and the op that saved it. Liveness is checked lazily, when ``.data`` is read, so a graph
that is dropped without backward unlocks its inputs as soon as it is garbage.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import InplaceError

if TYPE_CHECKING:
    from .tensor import Tensor

Savers = Any  # None, a weakref.ref to one op output that saved the tensor, or a list of them


def add_saver(savers: Savers, ref: weakref.ref[Tensor]) -> Savers:
    """The savers of a tensor that one more op (``ref``) saves: a single ref, or a list when several are live."""
    if type(savers) is list:
        n = len(savers)
        if n >= 8 and not n & (n - 1):  # drop the released and the dead at each power of two: amortised O(1)
            savers[:] = [r for r in savers if alive(r) is not None]
        savers.append(ref)
        return savers
    return [savers, ref] if alive(savers) is not None else ref  # keep an earlier saver only if still live


def alive(ref: weakref.ref[Tensor]) -> Tensor | None:
    """The node behind ``ref`` if it still exists and backward has not released its inputs."""
    t = ref()
    return t if t is not None and t._node is not None and t._node.saved is not None else None


def live_saver(t: Tensor) -> Tensor | None:
    """The latest recorded op output that saved ``t`` and could still run backward, or None."""
    savers = t._savers
    if type(savers) is not list:
        node = alive(savers) if savers is not None else None
    else:
        live = [r for r in savers if alive(r) is not None]
        node = alive(live[-1]) if live else None
        savers = live if len(live) > 1 else (live[0] if live else None)
    t._savers = savers if node is not None else None
    return node


Family = Any  # None, or a list of weak references to the tensors sharing one array through detach()


def share_array(t: Tensor, new: Tensor) -> None:
    """Record that ``new`` shares ``t``'s array (``detach``), so a graph that saved either locks both."""
    family = t._family
    if family is None:
        family = t._family = [weakref.ref(t)]
    else:
        n = len(family)
        if n >= 8 and not n & (n - 1):  # drop the dead at each power of two: amortised O(1)
            family[:] = [r for r in family if r() is not None]
    family.append(weakref.ref(new))
    new._family = family


def _saved_owner(t: Tensor) -> Tensor | None:
    """``t`` if a live graph saved it, or the saved parent whose array ``t`` is a view of (reshape, slice)."""
    if t._savers and live_saver(t) is not None:
        return t
    node = t._node
    if t._data.base is not None and node is not None and node.saved is not None:
        for p in node.saved:
            if np.may_share_memory(t._data, p._data) and live_saver(p) is not None:
                return p
    return None


def lock_owner(t: Tensor) -> Tensor | None:
    """The tensor whose live graph makes ``t``'s array read-only: ``t``, a parent it views, or a detach() twin."""
    owner = _saved_owner(t)
    if owner is None and t._family is not None:
        for ref in t._family:
            other = ref()
            if other is not None and other is not t and other._data is t._data:
                owner = _saved_owner(other)
                if owner is not None:
                    break
    return owner


WRITING_FUNCTIONS = {np.copyto, np.put, np.place, np.putmask, np.fill_diagonal, np.put_along_axis}


class LockedArray(np.ndarray):
    """What ``Tensor.data`` returns while a recorded graph needs the values: a read-only view.

    Editing it in place (item assignment, a ufunc with ``out=``, ``np.copyto``, ``fill``, ``sort``)
    raises :class:`InplaceError` naming the tensor and the op that saved it. Anything else works
    as on a plain ndarray (results are plain ndarrays); copies are writable.
    """

    _owner: Tensor | None

    @classmethod
    def of(cls, t: Tensor, owner: Tensor | None = None) -> LockedArray:
        """A locked view of ``t``'s array; ``owner`` is the saved tensor whose memory it is (default ``t``)."""
        view = t._data.view(cls)
        view.flags.writeable = False
        view._owner = t if owner is None else owner
        return view

    def __array_finalize__(self, obj: Any) -> None:
        self._owner = getattr(obj, "_owner", None)

    def _refuse(self, how: str) -> None:
        if not self.flags.writeable:
            raise InplaceError(inplace_message(self._owner, how))

    def __setitem__(self, index: Any, value: Any) -> None:
        self._refuse("item assignment")
        super().__setitem__(index, value)

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        out = kwargs.get("out", ())
        written = (*out, inputs[0]) if method == "at" else out
        how = f"in-place np.{ufunc.__name__}" + (".at" if method == "at" else " (out=, or an operator like +=)")
        for a in written:
            if isinstance(a, LockedArray):
                a._refuse(how)
        inputs = tuple(a.view(np.ndarray) if isinstance(a, LockedArray) else a for a in inputs)
        if out:
            kwargs["out"] = tuple(a.view(np.ndarray) if isinstance(a, LockedArray) else a for a in out)
        result = getattr(ufunc, method)(*inputs, **kwargs)
        return (out[0] if len(out) == 1 else out) if out else result

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        if func in WRITING_FUNCTIONS and args and isinstance(args[0], LockedArray):
            args[0]._refuse(f"np.{func.__name__}")
        return super().__array_function__(func, types, args, kwargs)

    def fill(self, value: Any) -> None:
        self._refuse("fill()")
        super().fill(value)

    def sort(self, *args: Any, **kwargs: Any) -> None:
        self._refuse("sort()")
        super().sort(*args, **kwargs)

    def put(self, *args: Any, **kwargs: Any) -> None:
        self._refuse("put()")
        super().put(*args, **kwargs)

    def copy(self, order: Any = "C") -> np.ndarray:  # type: ignore[override]
        return self.view(np.ndarray).copy(order)

    def __repr__(self) -> str:
        return repr(self.view(np.ndarray))


def inplace_message(t: Tensor | None, how: str) -> str:
    if t is None:
        return f"{how}: this array is read-only because a recorded graph needed it for backward"
    who = f"{t.name!r} {t.shape} {t.dtype}" if t.name else f"{t.shape} {t.dtype}"
    node = live_saver(t)
    if node is None:
        return (
            f"{how}: this is a read-only view of tensor {who}, taken with .data while a graph needed the "
            "values; the graph is gone now, so take .data again to edit the tensor"
        )
    scope = f" in {node.scope!r}" if node.scope else ""
    return (
        f"{how}: cannot change tensor {who} in place: op {node.op!r}{scope} (output {node.shape}) saved it "
        "for backward and that graph is still alive, so its gradient would be wrong. Run backward() first, "
        "build graphs you will not differentiate under no_grad(), drop the graph (del loss), "
        "or edit a copy (t.data.copy())"
    )
