"""The recorded graph, apart from the tensors: :class:`Node`, the one topological order, the backward walk.

Each op that runs while gradients are enabled, on an input that requires grad, leaves a
:class:`Node` on its output tensor (``tensor._node``): the op, its attributes, the graph entries
of its inputs (their nodes; a leaf tensor stands for itself, as it is the graph's source), the
input tensors saved for backward, and the output's metadata (shape, dtype, name, scope).

The walk (:func:`run`) is iterative (a heap of the nodes holding a gradient, no recursion), visits
each node that a gradient reaches once, latest-made first (each node's ``seq`` records when its op
ran, a topological order), calls only the VJPs whose input requires grad, undoes broadcasting
once per gradient (:func:`sum_to`), accumulates fan-out by addition, frees each node's upstream
gradient as soon as it is used and, unless ``retain_graph``, releases each node's saved inputs
as it passes. A released node keeps its op, attributes, parents and metadata, so the graph can
still be drawn after ``backward()``, while the arrays that only backward needed are gone.

Each walk has a number; the walk stamps it on the nodes it passes (``node.run``) and on the
gradients it leaves in ``.grad`` (``tensor._grad_run``), so a drawing can tell a gradient that
came through the drawn graph from one left by another backward (an earlier training step).

Tensors are handled by what they hold (``_node``, ``_data``, ``grad``, ``requires_grad``,
``_version``, ``_retain``): this module imports nothing above the mode switches, the messages and
the op registry.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import heapq
import itertools
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _xp
from ._anomaly import count_nonfinite, describe, where_text
from ._mode import mode
from .errors import AnomalyError, GraphError, InplaceError, ShapeError
from .ops import Op

if TYPE_CHECKING:
    from .tensor import Tensor

__all__ = ["Node", "sum_to", "topological_order", "run", "trace_backward"]

_runs = itertools.count(1)
_created = itertools.count(1)  # Node.seq: the order ops ran in, a topological order of every graph


class Node:
    """One recorded op: what ran, on what, and what it made.

    Attributes:
        op: the registered op (its ``.name`` and ``.rule`` label drawings and messages).
        attrs: the op's keyword attributes (axis, exponent...).
        parents: one graph entry per input, in order: the input's :class:`Node`, or the input
            tensor itself when it is a leaf. Kept after backward.
        saved: the input tensors, whose arrays the VJPs read; ``None`` once backward released them.
        versions: the inputs' version counters when the op ran (to detect later in-place edits).
        where: under :func:`~tinygrad_ng.detect_anomaly`, the user's frames that called the op.
        scope: the :class:`~tinygrad_ng.name_scope` the op ran in.
        shape, dtype, name: the output's metadata (``name`` follows ``tensor.name``).
        out: a weak reference to the output tensor.
        run: the number of the last backward walk that passed this node (0: none yet).
        seq: when the op ran, counted over all nodes: an input's node always has a smaller one,
            so backward processes nodes from the largest ``seq`` down.

    >>> import tinygrad_ng as tg
    >>> w = tg.Tensor([1.0, 2.0], requires_grad=True, name="w")
    >>> loss = (w * w).sum()
    >>> node = loss._node
    >>> node.op.name, node.shape, node.parents[0].op.name
    ('sum', (), 'mul')
    >>> loss.backward()
    >>> node.saved is None, node.parents[0].parents[0] is w  # released, topology kept
    (True, True)
    """

    __slots__ = (
        "op", "attrs", "parents", "saved", "versions", "where", "scope", "shape", "dtype", "name", "out", "run", "seq"
    )  # fmt: skip

    def __init__(
        self,
        op: Op,
        attrs: dict[str, Any],
        saved: tuple[Tensor, ...],
        out: weakref.ref[Tensor],
        shape: tuple[int, ...],
        dtype: np.dtype,
        where: Any,
        scope: str | None,
    ) -> None:
        self.op = op
        self.attrs = attrs
        self.saved: tuple[Tensor, ...] | None = saved
        # One and two inputs spelled out: a comprehension costs a new frame per op (~1 us here).
        if len(saved) == 1:
            (x,) = saved
            self.parents, self.versions = (x._node or x,), (x._version,)
        elif len(saved) == 2:
            x, y = saved
            self.parents, self.versions = (x._node or x, y._node or y), (x._version, y._version)
        else:
            self.parents = tuple([p._node or p for p in saved])
            self.versions = tuple([p._version for p in saved])
        self.where = where
        self.scope = scope
        self.shape = shape
        self.dtype = dtype
        self.name: str | None = None
        self.out = out
        self.seq = next(_created)
        self.run = 0

    @property
    def released(self) -> bool:
        """Whether backward has released the saved inputs (the topology and metadata remain).

        >>> import tinygrad_ng as tg
        >>> y = tg.Tensor([1.0], requires_grad=True).exp().sum()
        >>> y._node.released, (y.backward(), y._node.released)[1]
        (False, True)
        """
        return self.saved is None

    def __repr__(self) -> str:
        who = f" {self.name!r}" if self.name else ""
        return f"<Node {self.op.name}{who} {self.shape} {self.dtype}{' released' if self.saved is None else ''}>"


def sum_to(g: Any, shape: tuple[int, ...]) -> Any:
    """Sum ``g`` down to ``shape``, undoing NumPy broadcasting (an array of any library, or a Tensor).

    >>> sum_to(np.ones((3, 4)), (3, 1))
    array([[4.],
           [4.],
           [4.]])
    """
    gshape = g.shape
    if gshape == shape:
        return g
    if len(shape) == 2 and len(gshape) == 2 and shape[1] == 1 and gshape[0] == shape[0] and type(g) is np.ndarray:
        return np.add.reduce(g, 1, None, None, True)  # a column bias's gradient (n, m) -> (n, 1): the commonest
    lead = g.ndim - len(shape)
    if lead < 0:
        raise ShapeError(f"backward: gradient of shape {g.shape} cannot be summed to shape {shape}")
    axes_: list[int] = list(range(lead))  # a loop, not a generator: this runs for every broadcast operand
    for i, n in enumerate(shape):
        if n == 1 and gshape[i + lead] != 1:
            axes_.append(i + lead)
    axes = tuple(axes_)
    if type(g) is np.ndarray:
        if axes:  # ndarray.sum without its Python layer
            g = np.add.reduce(g, axes, None, None, True)
        if lead:
            g = g.reshape(shape)
    else:  # another library's array, or a Tensor under create_graph
        xp = _xp.namespace(g)
        if axes:
            g = xp.sum(g, axis=axes, keepdims=True)
        if lead:
            g = xp.reshape(g, shape)
    if g.shape != shape and tuple(g.shape) != shape:  # torch's Size is a tuple; others may give lists
        raise ShapeError(f"backward: gradient of shape {g.shape} does not fit shape {shape}")
    return g


def topological_order(roots: Iterable[Any], inputs: Callable[[Any], Sequence[Any]] | None = None) -> list[Any]:
    """Everything reachable from ``roots``, each after all of its inputs, in the order they ran.

    An iterative depth-first search (an explicit stack, so graph depth is unlimited). By default
    the entries are :class:`Node` objects and their inputs are their parents that are nodes
    (leaves are left out); ``inputs(entry)`` walks any other graph, such as a drawing's entries.

    >>> import tinygrad_ng as tg
    >>> x = tg.Tensor(2.0, requires_grad=True)
    >>> y = (x * 3).exp()
    >>> [n.op.name for n in topological_order([y._node])]
    ['mul', 'exp']
    """
    order: list[Any] = []
    stack: list[tuple[Any, bool]] = [(r, False) for r in reversed(list(roots))]
    if inputs is None:  # nodes: hashed by identity, so the set holds them directly
        done: set[Node] = set()
        node_type = Node  # a local: this loop runs once per node
        while stack:
            entry, inputs_done = stack.pop()
            if inputs_done:
                order.append(entry)
            elif entry not in done:
                done.add(entry)
                stack.append((entry, True))
                for p in reversed(entry.parents):
                    if type(p) is node_type and p not in done:
                        stack.append((p, False))
        return order
    seen: set[int] = set()
    while stack:
        entry, inputs_done = stack.pop()
        if inputs_done:
            order.append(entry)
            continue
        if id(entry) in seen:
            continue
        seen.add(id(entry))
        stack.append((entry, True))
        for p in reversed(inputs(entry)):
            if id(p) not in seen:
                stack.append((p, False))
    return order


def _check_saved(node: Node, out: Tensor) -> tuple[Tensor, ...]:
    """The node's saved inputs, or a clear error if backward released them or they were edited."""
    saved = node.saved
    if saved is None:
        raise GraphError(
            f"backward: the graph through op {node.op.name!r} (output {node.shape}) was already released "
            "by an earlier backward(); pass retain_graph=True to that first call to run backward twice"
        )
    for p, v in zip(saved, node.versions):
        if p._version != v:
            who = f"{p.name!r} " if p.name else ""
            raise InplaceError(
                f"backward: input {who}{p.shape} {p.dtype} of op {node.op.name!r} was modified after the op "
                f"saved it (version {v} -> {p._version}); its gradient would be wrong. Edit a copy, "
                "or run the forward pass again after the edit"
            )
    if out._version:  # VJPs may read the op's own output (sigmoid, exp, tanh...)
        raise InplaceError(
            f"backward: the output {node.shape} {node.dtype} of op {node.op.name!r} was modified after the op "
            "computed it; its gradient would be wrong. Edit a copy, or run the forward pass again"
        )
    return saved


def _cast(gp: Any, p: Tensor, create_graph: bool) -> Any:
    """Gradient ``gp`` in its input ``p``'s dtype (dtypes of two libraries compared by name)."""
    if create_graph or type(gp) is np.ndarray:
        return gp.astype(p.dtype) if gp.dtype != p.dtype else gp
    return _xp.astype(gp, p.dtype) if _xp.np_dtype(gp.dtype) != p.dtype else gp


def _check_finite(node: Node, saved: Sequence[Tensor], i: int, gp: Any, g: Any) -> None:
    bad = count_nonfinite(_xp.to_numpy(getattr(gp, "_data", gp)))  # a host copy, under detect_anomaly only
    if bad:
        upstream = count_nonfinite(_xp.to_numpy(getattr(g, "_data", g)))
        source = (
            f"from an upstream gradient that already held {upstream} (the grad passed to backward, "
            "or a sum of gradients that overflowed)"
            if upstream
            else "from a finite upstream gradient"
        )
        inputs = ", ".join(f"input {j} {describe(p)}" for j, p in enumerate(saved))
        raise AnomalyError(
            f"detect_anomaly: backward of op {node.op.name!r} (output {node.shape} {node.dtype}) produced {bad} "
            f"in the gradient for input {i} {describe(saved[i])} {source}; "
            f"inputs: {inputs}\nthe op was called at:\n{where_text(node.where)}"
        )


def _gc_paused(fn: Callable[..., None]) -> Callable[..., None]:
    """Run ``fn`` with Python's cyclic garbage collector paused, as it was before afterwards.

    The walk allocates a gradient per node but makes no reference cycles, and each collection
    it triggers rescans the whole graph: on a 100k-node chain the collections cost about a
    tenth of the walk's CPU time.
    """

    @functools.wraps(fn)
    def paused(*args: Any, **kwargs: Any) -> None:
        if not gc.isenabled():
            return fn(*args, **kwargs)
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            gc.enable()

    return paused


class _Tracer(threading.local):
    """The per-thread observer of the backward walk (see :func:`trace_backward`); None when unused."""

    hook: Callable[[Tensor, Any, int, Any], None] | None = None


_tracer = _Tracer()


@contextlib.contextmanager
def trace_backward(hook: Callable[[Tensor, Any, int, Any], None]) -> Iterator[None]:
    """Context manager: call ``hook(out, g, i, gp)`` for every gradient the backward walk sends.

    ``out`` is the tensor whose op's VJP runs, ``g`` the gradient it received (the sum of all
    its consumers' contributions), ``i`` the input's position and ``gp`` the gradient sent to
    ``out.parents[i]``, already summed to that input's shape. Calls come in the walk's order, so
    a fan-out shows one call per use. Outside this block the walk pays one ``None`` check per node.

    >>> import tinygrad_ng as tg
    >>> a = tg.Tensor([1.0, 2.0], requires_grad=True, name="a")
    >>> seen = []
    >>> with trace_backward(lambda out, g, i, gp: seen.append((out.op, i, gp.tolist()))):
    ...     (a + a).sum().backward()
    >>> seen
    [('sum', 0, [1.0, 1.0]), ('add', 0, [1.0, 1.0]), ('add', 1, [1.0, 1.0])]
    """
    saved = _tracer.hook
    _tracer.hook = hook
    try:
        yield
    finally:
        _tracer.hook = saved


@_gc_paused
def run(
    roots: Sequence[Tensor],
    root_grads: Sequence[Any],
    *,
    retain_graph: bool,
    create_graph: bool,
    capture: dict[int, Any] | None,
) -> None:
    """Propagate ``root_grads`` from ``roots`` to every node below.

    With ``capture is None`` leaf (and retained) gradients accumulate into ``.grad``; otherwise
    the gradient of each tensor whose id is a key of ``capture`` is stored there and ``.grad`` is
    untouched. Under ``create_graph`` the gradients are tensors and the VJPs record their own graph.

    >>> import tinygrad_ng as tg
    >>> w = tg.Tensor([1.0, 2.0], requires_grad=True)
    >>> loss = (w * w).sum()
    >>> run([loss], [np.ones(())], retain_graph=False, create_graph=False, capture=None)
    >>> w.grad, loss._node.released
    (array([2., 4.]), True)
    """
    run_id = next(_runs)
    pending: dict[Node, list[Any]] = {}  # node -> [gradient so far, the node's output tensor]
    # The nodes holding a gradient, by -seq: the latest-made runs next. Every consumer of a node
    # was made after it, so by then each one that will send it a gradient has (no separate
    # topological sort, and nodes no gradient reaches are never visited).
    ready: list[tuple[int, Node]] = []
    for r, g in zip(roots, root_grads):
        _deliver(r, g, pending, ready, capture, create_graph, run_id, False)
    anomaly = mode.state[1]  # grad_enabled, anomaly, scope
    hook = _tracer.hook
    pop, push = heapq.heappop, heapq.heappush
    while ready:
        node = pop(ready)[1]
        g, t = pending.pop(node)
        saved = node.saved
        n = len(saved) if saved is not None else 0
        if t._version or (  # the common cases checked inline; _check_saved says what is wrong
            saved[0]._version != node.versions[0]
            if n == 1
            else (n != 2 or saved[0]._version != node.versions[0] or saved[1]._version != node.versions[1])
        ):
            saved = _check_saved(node, t)
        if capture is None:
            node.run = run_id
        op, attrs = node.op, node.attrs
        if create_graph:
            out, inputs = t, saved
        elif n == 2:
            out, inputs = t._data, [saved[0]._data, saved[1]._data]
        elif n == 1:
            out, inputs = t._data, [saved[0]._data]
        else:
            out, inputs = t._data, [p._data for p in saved]
        done = -1  # the input whose gradient a chained rule delivered
        if op.chain and not create_graph and hook is None:
            done = _chain(node, t, saved, g, out, inputs, pending, ready, capture, retain_graph, run_id, anomaly)
        vjps, direct = op.vjps, type(op) is Op and not op.variadic  # a custom op checks its VJPs' results
        for i, p in enumerate(saved):
            if i == done or not p.requires_grad:
                continue
            gp = vjps[i](g, out, *inputs, **attrs) if direct else op.vjp(i, g, out, inputs, attrs)
            if gp is None:
                continue
            if type(gp) is not np.ndarray and isinstance(gp, (np.generic, float, int)):
                gp = np.asarray(gp)
            d = p._data
            if gp.shape != d.shape:
                gp = sum_to(gp, d.shape)
            if (gp._data if create_graph else gp).dtype != d.dtype:
                gp = _cast(gp, p, create_graph)
            if anomaly:
                _check_finite(node, saved, i, gp, g)
            if hook is not None:
                hook(t, g, i, gp)
            pnode = p._node
            if capture is None and pnode is not None and not p._retain:  # _deliver's commonest case, inline
                waiting = pending.get(pnode)
                if waiting is None:
                    pending[pnode] = [gp, p]
                    push(ready, (-pnode.seq, pnode))
                else:
                    waiting[0] = waiting[0] + gp
            elif pnode is None and p.grad is None and capture is None and type(gp) is np.ndarray:
                # a leaf's first gradient (each parameter's, every step), as _deliver stores it
                p.grad = gp if gp is not g and gp.base is None and gp.flags.writeable else gp.copy()
                p._grad_run = run_id
            else:
                _deliver(p, gp, pending, ready, capture, create_graph, run_id, gp is not g)
        if not retain_graph:
            node.saved = None
            node.where = None


def _chain(
    node: Node,
    t: Tensor,
    saved: tuple[Tensor, ...],
    g: Any,
    out: Any,
    inputs: list[Any],
    pending: dict[Node, list[Any]],
    ready: list[tuple[int, Node]],
    capture: dict[int, Any] | None,
    retain_graph: bool,
    run_id: int,
    anomaly: bool,
) -> int:
    """Back-propagate through ``node`` and the op that made its input 0 with one rule (``op.chain``).

    Only where the result is the one the two VJPs give: that input has no other consumer (its
    one live saver is ``t``), no gradient waits for it, and nothing asks for its own gradient
    (``retain_grad``, ``tg.grad``). Returns 0 when it delivered the gradient, else -1.
    """
    a = saved[0]
    producer = a._node
    if producer is None or a._retain or producer in pending or (capture is not None and id(a) in capture):
        return -1
    rule = node.op.chain.get(producer.op.name)
    savers = a._savers
    if rule is None or type(savers) is not weakref.ref or savers() is not t:
        return -1
    psaved = _check_saved(producer, a)
    x = psaved[0]
    if not x.requires_grad:
        return -1
    gx = rule(g, out, *inputs, **node.attrs)
    if gx is None:
        return -1
    if type(gx) is not np.ndarray:
        gx = np.asarray(gx)
    if gx.shape != x.shape:
        gx = sum_to(gx, x.shape)
    if gx.dtype != x._data.dtype:
        gx = _cast(gx, x, False)
    if anomaly:
        _check_finite(producer, psaved, 0, gx, g)
    if capture is None:
        producer.run = run_id
    if not retain_graph:
        producer.saved = None
        producer.where = None
    _deliver(x, gx, pending, ready, capture, False, run_id, gx is not g)
    return 0


def _deliver(
    t: Tensor,
    g: Any,
    pending: dict[Node, list[Any]],
    ready: list[tuple[int, Node]],
    capture: dict[int, Any] | None,
    create_graph: bool,
    run_id: int,
    fresh: bool,
) -> None:
    """Hand gradient ``g`` to tensor ``t``: store it (leaf, retained or captured) and queue its node in ``ready``."""
    node = t._node
    if capture is not None:
        key = id(t)
        if key in capture:
            capture[key] = g if capture[key] is None else capture[key] + g
    elif node is None or t._retain:
        arr = g._data if create_graph else g
        if t.grad is None:
            # Own the array: a pass-through or a view may be shared with another gradient.
            if type(arr) is np.ndarray:
                owned = fresh and not create_graph and arr.base is None and arr.flags.writeable
                t.grad = arr if owned else arr.copy()
            else:
                t.grad = arr if fresh and not create_graph else _xp.namespace(arr).asarray(arr, copy=True)
        else:
            total = t.grad + arr
            if type(total) is not np.ndarray and isinstance(total, np.generic):
                total = np.asarray(total)  # 0-d + 0-d is a NumPy scalar
            t.grad = total
        t._grad_run = run_id
    if node is not None:
        entry = pending.get(node)
        if entry is None:
            pending[node] = [g, t]
            heapq.heappush(ready, (-node.seq, node))
        else:
            entry[0] = entry[0] + g
