"""Computation graphs drawn with Graphviz: tensors, ops, derivative rules and gradients.

:func:`draw_graph` walks the recorded graph from one or more root tensors (iteratively, so a
100,000-op chain is fine) and writes Graphviz DOT text. The text needs nothing but NumPy;
rendering it to SVG or PNG needs the ``graphviz`` Python package (``pip install graphviz``, or
``pip install -e ".[viz]"`` in the checkout) and Graphviz's ``dot`` program.

What a picture shows:

* **Tensor nodes** (boxes): the name (``name=`` given; ``nn.MLP`` names ``Z1``, ``A1``..., other
  ``nn`` modules name their outputs by their path; else what made it, such as ``W1 @ X``; a
  one-element constant shows its value; ``t3``/``param0``/``input1`` when nothing short says
  more), shape and dtype, and optionally a value summary and a gradient summary (norm, min, max
  in scientific notation).
* **Op nodes** (ovals): the op's name and key attributes (axis, exponent, slope...; not a
  clipping constant at machine epsilon); with ``rules=True`` also its local derivative rule from
  :data:`tinygrad_ng.ops.REGISTRY`, where an input that was broadcast shows the sum the engine
  takes (``dy = Σ g over axis 1``), and the edges are labelled with the rule's variables.
* **Layout**: top to bottom by default, one column from the inputs to the loss with parameters
  beside the op that uses them, long labels wrapped and the legend under the loss, so a model's
  picture stays about 600 pt wide and reads at the width of a README or docs column.
* **Roles** by colour and shape, explained in a legend: parameter (a leaf that requires grad),
  input/constant, intermediate, output (the roots, drawn with a double border).
* Every use of a tensor is an edge: ``a + a`` draws two edges into ``add``. When an op has
  several inputs, each edge is labelled with the input's position.
* Ops recorded inside :class:`tinygrad_ng.name_scope` (as nn modules do) sit in a cluster named
  after the scope, with the parameters used only there; ``collapse=`` draws chosen scopes as one
  box each.
* Past ``max_nodes`` the rest of the graph (the part farthest from the roots) is one visible
  "... N more nodes" box.

Gradients. A tensor's stored ``.grad`` is shown when the backward that wrote it ran through the
drawn graph (leaves after ``backward()``, tensors that called ``retain_grad()``); a gradient left
by another backward (an earlier training step, another loss) is never shown. For every other
tensor that requires grad, when the roots are one-element tensors (a loss) whose graph backward
has not released, ``draw_graph`` computes d(root)/d(tensor) itself, without touching ``.grad`` or
freeing the graph; so one call pictures every gradient, before or after ``backward()``.
A tensor with no gradient is drawn with a dashed border and "no grad"; a gradient of exact zeros
says "grad = 0" (and is grey under ``grad_heat``), and one holding NaN or Inf is purple.

A graph released by ``backward()`` keeps its ops, shapes, names and scopes, so it can be drawn
after ``backward()``: the parameters show the gradients that backward left, and the
intermediate tensors show none, as backward did not keep them (``retain_grad()`` keeps one, and
``backward(retain_graph=True)`` lets the drawing compute them all).
"""

from __future__ import annotations

import functools
import math
import os
import re
import textwrap
from collections import deque
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _xp, graph
from ._files import atomic_write
from .errors import ArgumentError, DTypeError, GraphError, GraphvizNotFoundError, InplaceError
from .graph import Node

if TYPE_CHECKING:
    from .tensor import Tensor

Entry = Any  # what a drawing holds for a tensor: the op's Node, or the leaf Tensor itself

__all__ = ["GraphDrawing", "draw_graph"]

SHOW_FIELDS = ("name", "shape", "dtype", "value", "grad")
FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot"}

# How a drawing becomes an interactive page: the explorer, a layer above this module, plugs itself
# in here when it is imported (``import tinygrad_ng`` always imports it), so viz never imports up.
PAGE_BUILDER: Any = None
INSTALL_HINT = (
    "install Graphviz so that `dot` is on the PATH: Debian/Ubuntu `sudo apt-get install graphviz`, "
    "macOS `brew install graphviz`, conda `conda install -c conda-forge graphviz`, "
    "Windows https://graphviz.org/download/"
)

FONT = "Helvetica"
# role: (fill, border, shape style, border width); "output" also gets a double border.
ROLE_STYLE = {
    "parameter": ("#dcedc8", "#33691e", "rounded,filled", 2.0),
    "input": ("#eceff1", "#607d8b", "filled", 1.2),
    "intermediate": ("#e3f2fd", "#1565c0", "rounded,filled", 1.2),
    "output": ("#ffe0b2", "#e65100", "rounded,filled", 2.0),
}
ROLE_TEXT = {
    "parameter": "parameter (leaf, requires grad)",
    "input": "input / constant",
    "intermediate": "intermediate",
    "output": "output / loss",
}
OP_FILL, OP_BORDER = "#fff8e1", "#a1887f"
NO_GRAD_FILL, ZERO_GRAD_FILL, NONFINITE_FILL = "#ffffff", "#bdbdbd", "#ba68c8"
# Edges between computed tensors and ops weigh more, so the chain from the input to the loss runs
# straight down (or across) and inputs and parameters sit beside it, instead of a staircase.
SPINE = "weight=8"
# Under grad_heat the roots carry the seed gradient (1): drawn in a neutral colour, off the heat scale.
SEED_FILL, SEED_EDGE = "#f5f5f5", "#757575"
# Gradient heat: ColorBrewer's RdYlBu, reversed: blue for tiny (vanishing), red for huge (exploding).
HEAT_STOPS = (
    "#4575b4", "#74add1", "#abd9e9", "#e0f3f8", "#ffffbf", "#fee090", "#fdae61", "#f46d43", "#d73027",
)  # fmt: skip


# --------------------------------------------------------------------------- the drawing
class GraphDrawing:
    """A drawn computation graph: DOT text that renders to SVG, PNG or PDF.

    Attributes:
        source: the Graphviz DOT text.
        n_tensors: the tensor nodes drawn (collapsed and hidden ones excluded).
        n_ops: the op nodes drawn.
        n_hidden: the nodes beyond ``max_nodes``, folded into the "... N more nodes" box.

    It displays inline in Jupyter as the interactive explorer (``_repr_html_``; ``_repr_svg_`` is the picture).

    >>> import tinygrad_ng as tg
    >>> a = tg.Tensor([1.0, -2.0], requires_grad=True, name="a")
    >>> drawing = tg.draw_graph((a + a).sum())
    >>> drawing
    <GraphDrawing: 3 tensors, 2 ops>
    >>> drawing.source.count("n0 -> o1")  # a + a: both uses of a are edges
    2
    """

    def __init__(self, source: str, n_tensors: int, n_ops: int, n_hidden: int) -> None:
        self.source = source
        self.n_tensors = n_tensors
        self.n_ops = n_ops
        self.n_hidden = n_hidden
        self._roots: list[Tensor] = []  # what draw_graph drew, for the .html explorer

    def __repr__(self) -> str:
        more = f", {self.n_hidden} more not drawn" if self.n_hidden else ""
        return f"<GraphDrawing: {self.n_tensors} tensors, {self.n_ops} ops{more}>"

    def render(self, format: str = "svg") -> bytes:
        """The picture as bytes in ``format`` (``"svg"``, ``"png"``, ``"pdf"`` or ``"dot"``).

        Raises:
            GraphvizNotFoundError: the ``graphviz`` package or the ``dot`` program is missing.

        >>> import tinygrad_ng as tg
        >>> x = tg.Tensor([1.0, 2.0], requires_grad=True, name="x")
        >>> tg.draw_graph((x * x).sum()).render("svg")[:5]  # doctest: +SKIP
        b'<?xml'
        """
        if format == "dot":
            return self.source.encode()
        if format not in ("svg", "png", "pdf"):
            raise ArgumentError(f"GraphDrawing.render: format must be svg, png, pdf or dot, got {format!r}")
        try:
            import graphviz
        except ImportError:
            raise GraphvizNotFoundError(
                "GraphDrawing.render: rendering needs the graphviz Python package: "
                "pip install graphviz (in the tinygrad_ng checkout: pip install -e '.[viz]'); and " + INSTALL_HINT
            ) from None
        try:
            return graphviz.pipe("dot", format, self.source.encode())
        except graphviz.ExecutableNotFound:
            raise GraphvizNotFoundError(
                f"GraphDrawing.render: Graphviz's `dot` program was not found, so {format.upper()} cannot be made "
                f"(the DOT text in .source and save('graph.dot') still work); {INSTALL_HINT}"
            ) from None
        except graphviz.CalledProcessError as e:
            stderr = (e.stderr or b"").decode(errors="replace").strip()
            raise GraphError(f"GraphDrawing.render: dot failed on this graph: {stderr}") from None

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the picture to ``path``, the format chosen by the suffix: .svg, .png, .pdf, .dot, .gv or .html.

        ``.html`` writes the interactive explorer of the same graph (see :func:`tinygrad_ng.explore`).

        The file is written atomically (a temporary file in the same folder, then renamed), so
        an existing file is never left half-written. Returns the path.

        >>> import tinygrad_ng as tg
        >>> x = tg.Tensor([1.0, 2.0], requires_grad=True, name="x")
        >>> tg.draw_graph((x * x).sum()).save("graph.svg")  # doctest: +SKIP
        PosixPath('graph.svg')
        """
        path = Path(path)
        if path.suffix.lower() == ".html" and self._roots and PAGE_BUILDER is not None:
            return PAGE_BUILDER(self._roots).save(path)
        fmt = FORMATS.get(path.suffix.lower())
        if fmt is None:
            raise ArgumentError(
                f"GraphDrawing.save: cannot tell the format of {str(path)!r} from its suffix; "
                f"use one of {', '.join(FORMATS)}"
            )
        data = self.render(fmt)  # render first: a failure leaves any existing file untouched
        with atomic_write(path) as f:
            f.write(data)
        return path

    def _repr_svg_(self) -> str:
        return self.render("svg").decode()

    def _repr_html_(self) -> str | None:
        if not self._roots or PAGE_BUILDER is None:
            return None
        return PAGE_BUILDER(self._roots)._repr_html_()


# --------------------------------------------------------------------------- draw_graph
def draw_graph(
    root_or_roots: Tensor | Sequence[Tensor],
    *,
    rankdir: str = "TB",
    show: Iterable[str] = ("name", "shape", "dtype", "grad"),
    grad_heat: bool = False,
    rules: bool = False,
    max_nodes: int | None = 500,
    collapse: bool | str | Iterable[str] = (),
    clusters: bool = True,
    legend: bool = True,
    heat_range: tuple[float, float] | None = None,
) -> GraphDrawing:
    """Draw the computation graph that produced ``root_or_roots``.

    Args:
        root_or_roots: the output tensor (a loss) or a sequence of outputs.
        rankdir: layout direction: ``"TB"`` (inputs at the top, loss at the bottom: one column
            that reads at page width), ``"LR"`` (one row, for wide screens), ``"BT"``, ``"RL"``.
        show: what tensor nodes say, any of ``"name"``, ``"shape"``, ``"dtype"``, ``"value"``
            (mean, min, max) and ``"grad"`` (norm, min, max of the gradient).
        grad_heat: colour tensors and edges by gradient magnitude (root mean square of the
            gradient, log scale): blue for vanishing, red for exploding. The roots hold the seed
            gradient 1 and are drawn in a neutral grey, off the scale.
        rules: write each op's local derivative rule (from the op registry) under its name.
        max_nodes: draw at most this many tensor and op nodes, those nearest the roots; the
            rest become one "... N more nodes" box. ``None`` draws everything.
        collapse: scopes (``name_scope`` paths such as ``"layers.0"``) to draw as one box each,
            with their sub-scopes; ``True`` collapses every outermost scope.
        clusters: group the ops of each scope in a labelled cluster.
        legend: add the legend of roles (and of heat colours).
        heat_range: the gradient magnitudes at the cold and hot ends of the heat scale; by
            default the smallest and largest in the picture, roots excluded (at least two decades apart).

    Returns:
        A :class:`GraphDrawing`: ``.source`` (DOT), ``.save(path)``, ``.render(fmt)``, inline in Jupyter.

    The course's two-layer model, with every gradient and the heat colouring:

    >>> import tinygrad_ng as tg
    >>> X = tg.Tensor.randn(4, 5, seed=0, name="X")
    >>> W1 = tg.Tensor.randn(3, 4, seed=1, requires_grad=True, name="W1")
    >>> b1 = tg.Tensor.zeros(3, 1, requires_grad=True, name="b1")
    >>> W2 = tg.Tensor.randn(1, 3, seed=2, requires_grad=True, name="W2")
    >>> b2 = tg.Tensor.zeros(1, 1, requires_grad=True, name="b2")
    >>> A2 = (W2 @ (W1 @ X + b1).relu() + b2).sigmoid()
    >>> J = tg.binary_cross_entropy(A2, [[1, 0, 1, 0, 1]])
    >>> J.backward()
    >>> g = tg.draw_graph(J, grad_heat=True, rules=True)
    >>> g
    <GraphDrawing: 13 tensors, 7 ops>
    >>> g.source.startswith("digraph")
    True

    A compiled step (:func:`tinygrad_ng.compile`) is drawn as its program: values and NumPy calls
    (the other options do not apply to it).
    """
    draw_program = getattr(root_or_roots, "draw_program", None)
    if callable(draw_program):
        return draw_program()
    roots = _check_roots(root_or_roots)
    fields = _check_show(show)
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ArgumentError(f"draw_graph: rankdir must be 'LR', 'TB', 'RL' or 'BT', got {rankdir!r}")
    if max_nodes is not None and (not isinstance(max_nodes, int) or max_nodes < 1):
        raise ArgumentError(f"draw_graph: max_nodes must be a positive int or None, got {max_nodes!r}")
    if heat_range is not None and not (len(heat_range) == 2 and 0 < heat_range[0] < heat_range[1]):
        raise ArgumentError(f"draw_graph: heat_range must be (low, high) with 0 < low < high, got {heat_range!r}")

    entries, n_hidden, cut = _walk([_entry(r) for r in roots], max_nodes)
    order = graph.topological_order(entries.values(), lambda e: [p for p in _parents(e) if id(p) in entries])
    root_ids = {id(_entry(r)) for r in roots}
    grads = _gradients(roots, order) if ("grad" in fields or grad_heat) else {}
    stats = {k: _grad_stats(g) for k, g in grads.items()}
    # The roots' gradient is the seed 1: neither vanishing nor exploding, so it sets no end of the scale.
    heat = _HeatScale([v for k, v in stats.items() if k not in root_ids], heat_range) if grad_heat else None
    builder = _Builder(order, root_ids, fields, rules, stats, heat, cut, n_hidden)
    builder.place(clusters, collapse)
    source = builder.dot(rankdir, legend)
    drawing = GraphDrawing(source, builder.n_tensors, builder.n_ops, n_hidden)
    drawing._roots = roots
    return drawing


def _entry(t: Tensor) -> Entry:
    """What the drawing holds for tensor ``t``: its op's node, or ``t`` itself for a leaf."""
    return t if t._node is None else t._node


def _parents(e: Entry) -> tuple[Entry, ...]:
    return e.parents if type(e) is Node else ()


def _tensor(e: Entry) -> Tensor | None:
    """The tensor behind an entry (None when the output of a released op is gone)."""
    return e.out() if type(e) is Node else e


def _is_tensor(x: Any) -> bool:
    return hasattr(x, "_data") and hasattr(x, "_node")


def _check_roots(root_or_roots: Any) -> list[Tensor]:
    if _is_tensor(root_or_roots):
        roots = [root_or_roots]
    elif isinstance(root_or_roots, (list, tuple)):
        roots = list(root_or_roots)
    else:
        raise DTypeError(f"draw_graph: expected a Tensor or a list of Tensors, got {type(root_or_roots).__name__}")
    if not roots:
        raise ArgumentError("draw_graph: no tensors given to draw")
    for r in roots:
        if not _is_tensor(r):
            raise DTypeError(f"draw_graph: expected Tensors, got {type(r).__name__}")
        if type(r._data) is not np.ndarray:
            raise DTypeError(
                f"draw_graph: the tensor {tuple(r.shape)} holds a {_xp.library(r._data)}; "
                "a drawing reads values and gradients as NumPy arrays (on a Dask graph that would compute every "
                "tensor), so it draws graphs of NumPy tensors only: draw the same model on a NumPy sample"
            )
    unique: dict[int, Tensor] = {}
    for r in roots:
        unique.setdefault(id(r), r)
    return list(unique.values())


def _check_show(show: Iterable[str]) -> frozenset[str]:
    fields = frozenset([show] if isinstance(show, str) else show)
    unknown = fields - set(SHOW_FIELDS)
    if unknown:
        raise ArgumentError(f"draw_graph: show= accepts {', '.join(SHOW_FIELDS)}; got {', '.join(sorted(unknown))}")
    return fields


def _walk(roots: list[Entry], max_nodes: int | None) -> tuple[dict[int, Entry], int, dict[int, int]]:
    """Breadth-first from the roots: the entries to draw, how many nodes are left out, and where.

    Returns the kept entries by id, the number of hidden nodes (tensors and ops), and for each
    kept op the number of its parents that were cut off.
    """
    kept: dict[int, Entry] = {}
    seen: set[int] = set()
    queue: deque[Entry] = deque()
    for r in roots:
        seen.add(id(r))
        queue.append(r)
    budget = math.inf if max_nodes is None else max_nodes
    used = 0
    n_hidden = 0
    full = False
    while queue:
        e = queue.popleft()
        cost = 2 if type(e) is Node else 1
        if full or (used + cost > budget and kept):
            full = True  # keep the drawn part connected: nothing past the first node that does not fit
            n_hidden += cost
        else:
            used += cost
            kept[id(e)] = e
        for p in _parents(e):
            if id(p) not in seen:
                seen.add(id(p))
                queue.append(p)
    cut: dict[int, int] = {}
    if n_hidden:
        for e in kept.values():
            n_cut = sum(1 for p in _parents(e) if id(p) not in kept)
            if n_cut:
                cut[id(e)] = n_cut
    return kept, n_hidden, cut


def _gradients(roots: list[Tensor], order: list[Entry]) -> dict[int, np.ndarray | None]:
    """The gradient to picture for each entry that requires grad (None: it has none).

    A stored ``.grad`` counts only if a backward through the drawn graph wrote it. The others are
    computed from the roots when the graph is still whole; in a released graph an intermediate's
    gradient was not kept, and it gets no summary at all.
    """
    runs = {e.run for e in order if type(e) is Node and e.run}
    grads: dict[int, np.ndarray | None] = {}
    missing: list[tuple[Entry, Tensor]] = []
    for e in order:
        t = _tensor(e)
        if type(e) is not Node and not e.requires_grad:
            continue
        if t is not None and t.grad is not None and t._grad_run in runs:
            grads[id(e)] = t.grad
        elif type(e) is Node and (e.saved is None or t is None):
            continue
        else:
            grads[id(e)] = None
            if t is not None:
                missing.append((e, t))
    computable = all(r.requires_grad and r._node is not None and r.size == 1 for r in roots)
    if missing and computable and all(not _entry(r).released for r in roots):
        capture: dict[int, Any] = {id(t): None for _, t in missing}
        try:
            graph.run(
                roots, [np.ones_like(r._data) for r in roots], retain_graph=True, create_graph=False, capture=capture
            )
        except (InplaceError, GraphError):  # edited after use, or partly released: leave those undrawn
            return grads
        for e, t in missing:
            g = capture[id(t)]
            grads[id(e)] = None if g is None else np.asarray(g, dtype=t.dtype)
    return grads


class _Stats:
    """What a gradient summary shows: norm, min, max, root mean square; or why there is none."""

    __slots__ = ("state", "norm", "low", "high", "rms")

    def __init__(self, state: str, norm: float = 0.0, low: float = 0.0, high: float = 0.0, rms: float = 0.0) -> None:
        self.state = state  # "none", "zero", "nonfinite" or "ok"
        self.norm, self.low, self.high, self.rms = norm, low, high, rms


def _grad_stats(g: np.ndarray | None) -> _Stats:
    if g is None:
        return _Stats("none")
    g = np.asarray(g, dtype=np.float64)
    if g.size == 0:
        return _Stats("zero")
    if not np.isfinite(g).all():
        return _Stats("nonfinite")
    low, high = float(g.min()), float(g.max())
    if low == 0.0 and high == 0.0:
        return _Stats("zero")
    norm = float(np.linalg.norm(g.ravel()))
    return _Stats("ok", norm, low, high, norm / math.sqrt(g.size))


class _HeatScale:
    """Maps a gradient's root mean square to a colour on a log scale."""

    def __init__(self, stats: Iterable[_Stats], heat_range: tuple[float, float] | None) -> None:
        if heat_range is not None:
            lo, hi = math.log10(heat_range[0]), math.log10(heat_range[1])
        else:
            values = [math.log10(s.rms) for s in stats if s.state == "ok" and s.rms > 0]
            lo, hi = (min(values), max(values)) if values else (-3.0, 0.0)
            if hi - lo < 2:  # a narrow range would paint small differences as extremes
                mid = (hi + lo) / 2
                lo, hi = mid - 1, mid + 1
        self.lo, self.hi = lo, hi

    def colour(self, rms: float) -> str:
        x = (math.log10(rms) - self.lo) / (self.hi - self.lo) if rms > 0 else 0.0
        return _palette(min(max(x, 0.0), 1.0))

    def ticks(self, n: int = 5) -> list[tuple[str, float]]:
        return [(_palette(i / (n - 1)), 10 ** (self.lo + (self.hi - self.lo) * i / (n - 1))) for i in range(n)]


def _palette(x: float) -> str:
    """The heat colour at ``x`` in [0, 1], interpolated between the stops."""
    pos = x * (len(HEAT_STOPS) - 1)
    i = min(int(pos), len(HEAT_STOPS) - 2)
    f = pos - i
    a, b = _rgb(HEAT_STOPS[i]), _rgb(HEAT_STOPS[i + 1])
    return "#" + "".join(f"{round(u + (v - u) * f):02x}" for u, v in zip(a, b))


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _darker(colour: str, factor: float = 0.75) -> str:
    """``colour`` with each channel scaled by ``factor`` (edges stay visible on white)."""
    return "#" + "".join(f"{round(c * factor):02x}" for c in _rgb(colour))


def _ink(fill: str) -> str:
    """Black or white text, whichever reads better on ``fill``."""
    r, g, b = _rgb(fill)
    return "#000000" if 0.299 * r + 0.587 * g + 0.114 * b > 140 else "#ffffff"


# --------------------------------------------------------------------------- text
def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _quote(text: str) -> str:
    """A DOT double-quoted string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _num(x: float) -> str:
    """A number in scientific notation with 3 significant digits (never rounds small to 0)."""
    if x == 0:
        return "0"
    return f"{x:.2e}"


def _dtype(dtype: Any) -> str:
    """``str(dtype)``, cached: NumPy builds the name in Python, twice per tensor of a drawing."""
    try:
        return _dtype_name(dtype)
    except TypeError:  # a library's dtype object that cannot be hashed
        return str(dtype)


_dtype_name = functools.cache(str)


def _shape(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def _attr(value: Any) -> str:
    """A short text for an op attribute (index arrays become their shape)."""
    if isinstance(value, np.ndarray):
        if value.size <= 4:
            return np.array2string(value, separator=",")
        return f"array{_shape(value.shape)}"
    if isinstance(value, slice):
        parts = ["" if v is None else str(v) for v in (value.start, value.stop, value.step)]
        return ":".join(parts if parts[2] else parts[:2])
    if isinstance(value, tuple):
        text = "(" + ", ".join(_attr(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    elif isinstance(value, np.dtype) or isinstance(value, type):
        text = str(np.dtype(value))
    elif isinstance(value, float):
        text = f"{value:g}"
    else:
        text = str(value)
    return text if len(text) <= 32 else text[:31] + "…"


# A clipping constant at a float type's machine epsilon (the BCE's eps) is a numerical guard, not a setting.
_MACHINE_EPS = frozenset(float(np.finfo(d).eps) for d in (np.float16, np.float32, np.float64))


def _attrs_text(attrs: dict[str, Any]) -> list[str]:
    lines = []
    for key, value in attrs.items():
        if value is None or (key == "keepdims" and value is False) or key.startswith("_"):
            continue
        if key == "eps" and isinstance(value, float) and value in _MACHINE_EPS:
            continue
        lines.append(f"{key}={_attr(value)}")
    return lines


# --------------------------------------------------------------------------- DOT assembly
class _Builder:
    """Turns the kept tensors into DOT: node ids, labels, roles, clusters, collapsed scopes."""

    def __init__(
        self,
        order: list[Entry],
        root_ids: set[int],
        fields: frozenset[str],
        rules: bool,
        stats: dict[int, _Stats],
        heat: _HeatScale | None,
        cut: dict[int, int],
        n_hidden: int,
    ) -> None:
        self.order = order
        self.index = {id(t): i for i, t in enumerate(order)}
        self.root_ids = root_ids
        self.fields = fields
        self.rules = rules
        self.stats = stats
        self.heat = heat
        self.cut = cut
        self.n_hidden = n_hidden
        self.names = self._auto_names()
        self.home: list[str | None] = [None] * len(order)  # the cluster (scope) of each tensor
        self.box: list[str | None] = [None] * len(order)  # the collapsed scope that hides its op
        self.hidden: list[bool] = [False] * len(order)  # tensor drawn inside a collapsed box
        self.collapsed: dict[str, list[int]] = {}
        self.scopes: list[str] = []
        self.all_scopes: set[str] = set()
        self.use_clusters = False
        self.n_tensors = 0
        self.n_ops = 0

    def _auto_names(self) -> list[str]:
        """Each tensor's label (see :func:`auto_names`)."""
        rows = []
        for t in self.order:
            made = type(t) is Node
            parents = [self.index.get(id(p)) for p in t.parents] if made else None
            requires_grad = not made and t.requires_grad
            value = None if made or requires_grad or t.size != 1 else t._data.item()
            rows.append((t.name, t.op.name if made else None, parents, requires_grad, value))
        return auto_names(rows)

    # ------------------------------------------------------------ placement
    def place(self, clusters: bool, collapse: bool | str | Iterable[str]) -> None:
        """Assign each tensor (and its op) to a scope cluster and apply ``collapse``."""
        op_scopes = {t.scope for t in self.order if type(t) is Node and t.scope}
        if isinstance(collapse, str):
            wanted = {collapse}
        elif collapse is True:
            wanted = {s for s in op_scopes if _parent_scope(s, op_scopes) is None}
        elif collapse is False:
            wanted = set()
        else:
            wanted = set(collapse)
        unknown = wanted - op_scopes - {p for s in op_scopes for p in _prefixes(s)}
        if unknown:
            known = ", ".join(sorted(op_scopes)) or "none"
            raise ArgumentError(
                f"draw_graph: collapse= names scopes that have no ops in this graph: {', '.join(sorted(unknown))} "
                f"(scopes here: {known})"
            )
        all_scopes = op_scopes | wanted
        self.all_scopes = all_scopes
        self.use_clusters = clusters
        users: dict[int, list[str | None]] = {}  # the scopes of the ops that use each tensor
        for t in self.order:
            for p in t.parents:
                users.setdefault(id(p), []).append(t.scope)
        for i, t in enumerate(self.order):
            if type(t) is Node:
                scope = t.scope
            else:
                scope = _leaf_scope(t.name, all_scopes)
                if scope is None and t.requires_grad:  # a parameter sits in the layer that uses it
                    scope = _common_scope(users.get(id(t), []), all_scopes)
            if scope is None:
                continue
            outer = _outermost(scope, wanted)
            if outer is not None:
                self.box[i] = outer
                self.home[i] = _parent_scope(outer, all_scopes)
            else:
                self.home[i] = scope
        # A tensor inside a collapsed scope stays visible when it is used outside it (or is a root).
        used_outside = [False] * len(self.order)
        for i, t in enumerate(self.order):
            for p in _parents(t):
                j = self.index.get(id(p))
                if j is not None and self.box[j] is not None and self.box[j] != self.box[i]:
                    used_outside[j] = True
        for i, t in enumerate(self.order):
            scope = self.box[i]
            if scope is not None:
                self.collapsed.setdefault(scope, []).append(i)
                self.hidden[i] = not (used_outside[i] or id(t) in self.root_ids)
        if not clusters:
            self.home = [None] * len(self.order)
            return
        scopes = {h for h in self.home if h is not None}
        scopes |= {p for p in (_parent_scope(b, all_scopes) for b in self.collapsed) if p is not None}
        for s in list(scopes):  # the enclosing scopes are clusters too
            p = _parent_scope(s, all_scopes)
            while p is not None and p not in scopes:
                scopes.add(p)
                p = _parent_scope(p, all_scopes)
        self.scopes = sorted(scopes)

    # ------------------------------------------------------------ nodes
    def role(self, t: Entry) -> str:
        if id(t) in self.root_ids:
            return "output"
        if type(t) is Node:
            return "intermediate"
        return "parameter" if t.requires_grad else "input"

    def tensor_node(self, i: int) -> str:
        t = self.order[i]
        role = self.role(t)
        fill, border, style, width = ROLE_STYLE[role]
        stats = self.stats.get(id(t))
        lines: list[str] = []
        if "name" in self.fields:
            lines.append(f"<B>{_html(self.names[i])}</B>")
        meta = " ".join(
            part
            for part, on in ((_shape(t.shape), "shape" in self.fields), (_dtype(t.dtype), "dtype" in self.fields))
            if on
        )
        if meta:
            lines.append(f'<FONT POINT-SIZE="10">{meta}</FONT>')
        if "value" in self.fields:
            alive = _tensor(t)
            value = "value freed by backward" if alive is None else _value_text(alive._data)
            lines.append(f'<FONT POINT-SIZE="9">{_html(value)}</FONT>')
        if "grad" in self.fields and stats is not None:
            for line in _grad_text(stats, self.heat is not None):
                lines.append(f'<FONT POINT-SIZE="9">{_html(line)}</FONT>')
        if self.heat is not None and stats is not None:
            fill = SEED_FILL if role == "output" else self._heat_fill(stats)
        if stats is not None and stats.state == "none":
            style += ",dashed"
        ink = _ink(fill)
        label = "<BR/>".join(lines) or " "
        tooltip = f"{self.names[i]}: {role}, {_shape(t.shape)} {_dtype(t.dtype)}"
        if stats is not None:
            tooltip += "; " + "; ".join(_grad_text(stats, True))
        attrs = [
            f'shape=box, style="{style}", fillcolor="{fill}", color="{border}", penwidth={width}',
            f'fontcolor="{ink}", label=<{label}>, tooltip={_quote(tooltip)}',
        ]
        if role == "output":
            attrs.append("peripheries=2")
        return f"n{i} [{', '.join(attrs)}]"

    def _heat_fill(self, stats: _Stats) -> str:
        if stats.state == "ok":
            return self.heat.colour(stats.rms)  # type: ignore[union-attr]
        return {"none": NO_GRAD_FILL, "zero": ZERO_GRAD_FILL, "nonfinite": NONFINITE_FILL}[stats.state]

    def op_node(self, i: int) -> str:
        t = self.order[i]
        op, attrs = t.op, t.attrs
        lines = [f"<B>{_html(op.name)}</B>"]
        lines += [f'<FONT POINT-SIZE="10">{_html(a)}</FONT>' for a in _attrs_text(attrs or {})]
        if self.rules and getattr(op, "rule", None):
            for _, part in _rule_parts(op.name, str(op.rule), [p.shape for p in t.parents], t.shape):
                for line in _wrap(part):
                    lines.append(f'<FONT POINT-SIZE="10" COLOR="#4e342e"><I>{_html(line)}</I></FONT>')
        tooltip = f"op {op.name}"
        if getattr(op, "rule", None):
            tooltip += f": {op.rule}"
        return (
            f'o{i} [shape=ellipse, style=filled, fillcolor="{OP_FILL}", color="{OP_BORDER}", '
            f"margin=0.05, label=<{'<BR/>'.join(lines)}>, tooltip={_quote(tooltip)}]"
        )

    def _layer_order(self, i: int) -> list[str]:
        """Invisible edges that start a layer's cluster below the layer before it.

        When op ``i`` takes a parameter of its own cluster and a tensor made outside it (``W2 @ A1``),
        the parameter is ranked after that tensor: otherwise ``W2`` sits level with ``A1`` and pushes
        the whole cluster sideways, and the picture grows a staircase instead of a column.
        """
        t = self.order[i]
        if self.box[i] is not None or self.home[i] is None:
            return []
        inside, outside = [], []
        for p in t.parents:
            j = self.index.get(id(p))
            if j is None or self.hidden[j]:
                continue
            if type(p) is not Node and p.requires_grad and self.home[j] == self.home[i]:
                inside.append(j)
            elif type(p) is Node and self.home[j] != self.home[i]:
                outside.append(j)
        return [f"n{k} -> n{j} [style=invis]" for k in outside for j in inside]

    def _input_names(self, i: int) -> list[str]:
        """The labels of the edges into op ``i``: the rule's variables (x, y; W, A) when rules are shown, else 0, 1."""
        t = self.order[i]
        names = [str(pos) for pos in range(len(t.parents))]
        op = t.op
        rule = getattr(op, "rule", None)
        if self.rules and rule:
            variables = [var for var, _ in _rule_parts(op.name, str(rule), [p.shape for p in t.parents], t.shape)]
            if len(variables) >= len(names) and None not in variables[: len(names)]:
                names = [str(v) for v in variables[: len(names)]]
        return names

    def box_node(self, k: int, scope: str) -> str:
        members = self.collapsed[scope]
        n_ops = sum(1 for i in members if type(self.order[i]) is Node)
        params = [i for i in members if type(self.order[i]) is not Node]
        op_names: dict[str, None] = {}
        for i in members:
            if type(self.order[i]) is Node:
                op_names[self.order[i].op.name] = None
        summary = ", ".join(list(op_names)[:6]) + (", …" if len(op_names) > 6 else "")
        lines = [f"<B>{_html(scope)}</B>", f'<FONT POINT-SIZE="10">{n_ops} ops: {_html(summary)}</FONT>']
        for i in params[:6]:
            t = self.order[i]
            lines.append(f'<FONT POINT-SIZE="10">{_html(self.names[i])} {_shape(t.shape)}</FONT>')
        if len(params) > 6:
            lines.append(f'<FONT POINT-SIZE="10">… {len(params) - 6} more parameters</FONT>')
        return (
            f's{k} [shape=box3d, style=filled, fillcolor="#f3e5f5", color="#6a1b9a", penwidth=1.5, '
            f"label=<{'<BR/>'.join(lines)}>, tooltip={_quote(f'scope {scope} (collapsed)')}]"
        )

    def edge_colour(self, i: int) -> str:
        """The heat colour of the gradient that flows back along the edges of tensor ``i``."""
        if self.heat is None:
            return "#546e7a"
        if id(self.order[i]) in self.root_ids:
            return SEED_EDGE  # the seed gradient 1 is not on the heat scale
        stats = self.stats.get(id(self.order[i]))
        if stats is None:
            return "#9e9e9e"
        return _darker(self._heat_fill(stats)) if stats.state != "none" else "#9e9e9e"

    # ------------------------------------------------------------ the text
    def dot(self, rankdir: str, legend: bool) -> str:
        body: dict[str | None, list[str]] = {None: []}
        for s in self.scopes:
            body[s] = []
        edges: list[str] = []
        box_ids = {scope: k for k, scope in enumerate(sorted(self.collapsed))}
        for scope, k in box_ids.items():
            home = _parent_scope(scope, self.all_scopes) if self.use_clusters else None
            body[home if home in body else None].append(self.box_node(k, scope))
        box_edges: set[tuple[str, str]] = set()

        def node_id(j: int) -> str:
            return f"s{box_ids[self.box[j]]}" if self.hidden[j] else f"n{j}"  # type: ignore[index]

        for i, t in enumerate(self.order):
            home = self.home[i] if self.home[i] in body else None
            if not self.hidden[i]:
                body[home].append(self.tensor_node(i))
                self.n_tensors += 1
            if type(t) is not Node:
                continue
            colour = self.edge_colour(i)
            width = 1.6 if self.heat is not None else 1.0
            if self.box[i] is not None:  # the op is inside a collapsed box
                op_id = f"s{box_ids[self.box[i]]}"
                if not self.hidden[i]:
                    edges.append(f'{op_id} -> n{i} [color="{colour}", penwidth={width}]')
            else:
                op_id = f"o{i}"
                body[home].append(self.op_node(i))
                self.n_ops += 1
                edges.append(f'o{i} -> n{i} [color="{colour}", penwidth={width}, {SPINE}]')
            parents = t.parents
            label_inputs = len(parents) > 1 and op_id.startswith("o")
            names = self._input_names(i) if label_inputs else []
            versions, saved = t.versions, t.saved
            for pos, p in enumerate(parents):
                j = self.index.get(id(p))
                if j is None:
                    continue
                src = node_id(j)
                if src == op_id:
                    continue
                attrs = [f'color="{self.edge_colour(j)}"', f"penwidth={width}"]
                if type(p) is Node:
                    attrs.append(SPINE)
                if label_inputs:
                    attrs.append(f'label="{names[pos]}", fontsize=9, fontcolor="#78909c"')
                used = saved[pos] if saved is not None else _tensor(p)
                if used is not None and used._version != versions[pos]:
                    attrs = [
                        'color="#c62828", style=dashed, penwidth=2',
                        'label="changed in place after use", fontsize=9, fontcolor="#c62828"',
                    ]
                if op_id.startswith("s") or src.startswith("s"):
                    if (src, op_id) in box_edges:
                        continue
                    box_edges.add((src, op_id))
                edges.append(f"{src} -> {op_id} [{', '.join(attrs)}]")
            if id(t) in self.cut:
                edges.append(f'more -> {op_id} [style=dashed, color="#9e9e9e"]')
            edges += self._layer_order(i)
        if self.n_hidden:
            body[None].append(
                f'more [shape=note, style="filled,dashed", fillcolor="#fafafa", color="#757575", '
                f'label="… {self.n_hidden:,} more nodes\\n(raise max_nodes to draw them)"]'
            )
        lines = [
            "digraph tinygrad_ng {",
            f'  graph [rankdir={rankdir}, fontname="{FONT}", nodesep=0.25, ranksep=0.35, bgcolor="white"]',
            f'  node [fontname="{FONT}", fontsize=12, margin="0.12,0.05", height=0.3]',
            f'  edge [fontname="{FONT}", arrowsize=0.7]',
        ]
        lines += ["  " + n for n in body[None]]
        lines += self._clusters(body)
        lines += ["  " + e for e in edges]
        if legend:
            lines.append("  " + self._legend())
            # below the roots (after them, for "LR"), so it never widens the picture beside the inputs
            lines += [f"  n{i} -> legend [style=invis]" for i, t in enumerate(self.order) if id(t) in self.root_ids]
        lines.append("}")
        return "\n".join(lines) + "\n"

    def _clusters(self, body: dict[str | None, list[str]]) -> list[str]:
        """Nested ``subgraph cluster_`` blocks, one per scope (iterative)."""
        children: dict[str | None, list[str]] = {}
        for s in sorted(self.scopes):
            children.setdefault(_parent_scope(s, set(self.scopes)), []).append(s)
        out: list[str] = []
        stack: list[tuple[str, int, bool]] = [(s, 1, False) for s in reversed(children.get(None, []))]
        number = 0
        while stack:
            scope, depth, closing = stack.pop()
            pad = "  " * depth
            if closing:
                out.append(pad + "}")
                continue
            out.append(f"{pad}subgraph cluster_{number} {{")
            number += 1
            out.append(
                f'{pad}  graph [label={_quote(scope)}, labeljust=l, style="rounded,filled", fillcolor="#fafafa", '
                f'color="#9e9e9e", fontsize=11, fontcolor="#424242"]'
            )
            out += [f"{pad}  {n}" for n in body.get(scope, [])]
            stack.append((scope, depth, True))
            stack += [(c, depth + 1, False) for c in reversed(children.get(scope, []))]
        return out

    def _legend(self) -> str:
        """One table: the roles on the left; the heat scale (or the gradient marks) on the right."""
        present = {self.role(t) for i, t in enumerate(self.order) if not self.hidden[i]}
        left: list[tuple[str, str]] = []
        for role in ("parameter", "input", "intermediate", "output"):
            fill, border, _, _ = ROLE_STYLE[role]
            fill = "#ffffff" if self.heat is not None else fill
            mark = "" if role in present else " (none here)"
            if self.heat is not None and role == "output":
                fill, mark = SEED_FILL, mark + " (seed grad 1, not on the scale)"
            left.append((f'BGCOLOR="{fill}" COLOR="{border}" BORDER="2"', ROLE_TEXT[role] + mark))
        left.append((f'BGCOLOR="{OP_FILL}" COLOR="{OP_BORDER}" BORDER="1"', "op"))
        right: list[tuple[str, str]] = []
        if self.heat is not None:
            right += [(f'BGCOLOR="{c}" BORDER="1"', _num(v)) for c, v in reversed(self.heat.ticks())]
            right += [(f'BGCOLOR="{ZERO_GRAD_FILL}" BORDER="1"', "grad = 0")]
            right += [(f'BGCOLOR="{NONFINITE_FILL}" BORDER="1"', "NaN or Inf in grad")]
        if "grad" in self.fields or self.heat is not None:
            right.append((f'BGCOLOR="{NO_GRAD_FILL}" BORDER="1" STYLE="dashed"', "no grad (dashed border)"))
        headings = ["node roles"] + (
            ["gradient rms (log scale)" if self.heat is not None else "gradients"] if right else []
        )
        rows = ["<TR>" + "".join(f'<TD></TD><TD ALIGN="LEFT"><B>{h}</B></TD>' for h in headings) + "</TR>"]
        for k in range(max(len(left), len(right))):
            cells = ""
            for column in (left, right) if right else (left,):
                if k < len(column):
                    swatch, text = column[k]
                    cells += f'<TD {swatch} WIDTH="22"> </TD><TD ALIGN="LEFT">{_html(text)}</TD>'
                else:
                    cells += "<TD></TD><TD></TD>"
            rows.append(f"<TR>{cells}</TR>")
        table = '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="3" CELLPADDING="2">' + "".join(rows) + "</TABLE>"
        return f'legend [shape=box, style="rounded", color="#bdbdbd", fontsize=10, label=<{table}>]'


def auto_names(
    rows: Sequence[tuple[str | None, str | None, Sequence[int | None] | None, bool, Any]],
) -> list[str]:
    """Names for the tensors of a drawing or an explorer page, in topological order.

    Each row is ``(name, op, parents, requires_grad, value)``: the tensor's own name, the name of
    the op that made it (None for a leaf), its parents' row numbers (None where a parent is not
    drawn), whether it requires grad, and its value when it is a one-element constant. A tensor
    keeps its name; else an op's output is named by what made it (``W1 @ X``, ``tanh(Z1)``) when
    that is short and its parents have real names; a one-element constant by its value; the rest
    ``t0``, ``param0``, ``input0`` in order. The SVG and the explorer both name tensors this way.

    >>> auto_names([("W1", None, None, True, None), ("X", None, None, False, None),
    ...             (None, "matmul", [0, 1], True, None), (None, "tanh", [2], True, None)])
    ['W1', 'X', 'W1 @ X', 'tanh(W1 @ X)']
    """
    names: list[str] = []
    numbered: set[int] = set()  # the rows that got a numbered name, which says nothing
    counts = {"param": 0, "input": 0, "t": 0}
    for i, (name, op, parents, requires_grad, value) in enumerate(rows):
        if name:
            names.append(name)
            continue
        if op is not None:
            if parents and all(j is not None and j not in numbered for j in parents):
                expression = _expression(op, [names[j] for j in parents if j is not None])
                if expression is not None:
                    names.append(expression)
                    continue
            kind = "t"
        elif requires_grad:
            kind = "param"
        elif value is not None:
            names.append(f"{value:g}" if isinstance(value, float) else str(value))
            continue
        else:
            kind = "input"
        numbered.add(i)
        names.append(f"{kind}{counts[kind]}")
        counts[kind] += 1
    return names


_SYMBOLS = {"add": "+", "mul": "*", "div": "/", "matmul": "@", "pow": "**"}


def _expression(op: str, inputs: Sequence[str], limit: int = 20) -> str | None:
    """A short name for an op's output from its inputs' names (``W1 @ X``, ``tanh(Z1)``), or None if too long.

    >>> _expression("matmul", ["W1", "X"]), _expression("tanh", ["Z1"]), _expression("add", ["W1 @ X", "b1"])
    ('W1 @ X', 'tanh(Z1)', '(W1 @ X) + b1')
    """
    if op in _SYMBOLS and len(inputs) == 2:
        a, b = (f"({n})" if " " in n else n for n in inputs)
        text = f"{a} {_SYMBOLS[op]} {b}"
    else:
        text = f"{op}({', '.join(inputs)})"
    return text if len(text) <= limit else None


def _rule_parts(
    op: str, rule: str, parent_shapes: Sequence[tuple[int, ...]], out_shape: tuple[int, ...]
) -> list[tuple[str | None, str]]:
    """An op's derivative rule split into its parts, each with the variable it gives (``dy = g`` -> ``y``).

    Part ``k`` is input ``k``'s gradient. Where an elementwise op broadcast input ``k``, the engine
    sums the gradient down to the input's shape, and the part says so: ``dy = g`` becomes
    ``dy = Σ g over axis 1``.

    >>> _rule_parts("add", "dx = g;  dy = g", [(7, 6), (7, 1)], (7, 6))
    [('x', 'dx = g'), ('y', 'dy = Σ g over axis 1')]
    """
    elementwise = _broadcasts(op, parent_shapes, out_shape)
    out: list[tuple[str | None, str]] = []
    for k, part in enumerate(p.strip() for p in rule.split(";") if p.strip()):
        match = re.match(r"d(\w+)\s*=\s*(.*)$", part)
        if match is None or k >= len(parent_shapes):
            out.append((None, part))
            continue
        var, rhs = match.groups()
        axes = _broadcast_axes(parent_shapes[k], out_shape) if elementwise else []
        if axes:
            where = f"axis {axes[0]}" if len(axes) == 1 else "axes " + ", ".join(map(str, axes))
            summed = rhs if re.fullmatch(r"\w+", rhs) else f"({rhs})"
            part = f"d{var} = Σ {summed} over {where}"
        out.append((var, part))
    return out


# Ops with several inputs that are not broadcast against each other (their VJPs return each input's shape).
_NOT_BROADCAST = frozenset({"matmul", "concatenate"})


def _broadcasts(op: str, parent_shapes: Sequence[tuple[int, ...]], out_shape: tuple[int, ...]) -> bool:
    """Whether ``op`` broadcast its inputs together into ``out_shape``, as elementwise ops do."""
    if op in _NOT_BROADCAST or len(parent_shapes) < 2:
        return False
    try:
        return tuple(np.broadcast_shapes(*parent_shapes)) == tuple(out_shape)
    except ValueError:
        return False


def _broadcast_axes(shape: tuple[int, ...], out_shape: tuple[int, ...]) -> list[int]:
    """The axes of ``out_shape`` that broadcasting ``shape`` to it added or stretched."""
    lead = len(out_shape) - len(shape)
    if lead < 0:
        return []
    stretched = [lead + i for i, n in enumerate(shape) if n == 1 and out_shape[lead + i] != 1]
    return list(range(lead)) + stretched


def _wrap(text: str, width: int = 40) -> list[str]:
    """``text`` broken at spaces into lines of at most ``width`` characters, so nodes stay narrow."""
    return textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False) or [text]


def _value_text(data: np.ndarray) -> str:
    if data.size == 1:
        return f"value {_num(float(data.ravel()[0]))}" if data.dtype.kind in "fc" else f"value {data.ravel()[0]}"
    if data.size == 0:
        return "empty"
    d = data.astype(np.float64)
    return f"mean {_num(float(d.mean()))} [{_num(float(d.min()))}, {_num(float(d.max()))}]"


def _grad_text(stats: _Stats, with_rms: bool) -> list[str]:
    if stats.state == "none":
        return ["no grad"]
    if stats.state == "zero":
        return ["grad = 0"]
    if stats.state == "nonfinite":
        return ["grad has NaN/Inf"]
    first = f"grad norm {_num(stats.norm)}" + (f"  rms {_num(stats.rms)}" if with_rms else "")
    return [first, f"min {_num(stats.low)}  max {_num(stats.high)}"]


# --------------------------------------------------------------------------- scopes
def _prefixes(scope: str) -> list[str]:
    """``"a.b.c"`` -> ``["a", "a.b"]``."""
    parts = scope.split(".")
    return [".".join(parts[:k]) for k in range(1, len(parts))]


def _parent_scope(scope: str, scopes: set[str]) -> str | None:
    """The longest other scope in ``scopes`` that contains ``scope`` (dotted prefix)."""
    for p in reversed(_prefixes(scope)):
        if p in scopes:
            return p
    return None


def _outermost(scope: str, wanted: set[str]) -> str | None:
    """The outermost scope of ``wanted`` that is ``scope`` or contains it."""
    if not wanted:
        return None
    for p in [*_prefixes(scope), scope]:
        if p in wanted:
            return p
    return None


def _common_scope(scopes: Sequence[str | None], known: set[str]) -> str | None:
    """The innermost scope of ``known`` that contains every one of ``scopes`` (None if one is None).

    >>> _common_scope(["layer1", "layer1"], {"layer1", "layer2"}), _common_scope(["layer1", "layer2"], {"layer1"})
    ('layer1', None)
    """
    if not scopes or any(s is None for s in scopes):
        return None
    for candidate in reversed([*_prefixes(scopes[0]), scopes[0]]):  # type: ignore[arg-type]
        if candidate in known and all(s == candidate or s.startswith(candidate + ".") for s in scopes):  # type: ignore[union-attr]
            return candidate
    return None


def _leaf_scope(name: str | None, scopes: set[str]) -> str | None:
    """A parameter named ``"layers.0.W"`` belongs to scope ``"layers.0"`` when that scope exists."""
    if not name or "." not in name:
        return None
    for p in reversed(_prefixes(name)):
        if p in scopes:
            return p
    return None
