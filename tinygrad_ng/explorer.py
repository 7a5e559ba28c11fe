"""Watch backprop happen: the computation graph as one self-contained, interactive HTML page.

:func:`explore` records a graph once and writes a page that needs no server and no network:
Graphviz lays the graph out (``dot -Tsvg``), and a small inline script (``explorer.js``, styled
by ``explorer.css``, both shipped with the package) attaches behaviour to the drawn nodes by id.
The page's data is one inline JSON blob of summaries and small histograms, never whole arrays.

In the page a person can pan (drag) and zoom (wheel); search a tensor by name; collapse and
expand each ``name_scope`` cluster (layers, modules, time steps); click a tensor for its shape,
dtype, values and gradient (summaries and histograms) or an op for its derivative rule and
attributes; switch the gradient heat map on and off; and step through the backward pass in the
order the engine runs it: each step highlights the op whose VJP runs, the gradient it received
and the gradients it sends (the rule, and the numbers, as the course writes ``dZ1 = ...``),
with the running sum where a tensor is used twice (``a + a`` shows both contributions).

Large graphs stay usable: a view that holds more than ``layout_limit`` nodes shows each of its
outermost scopes as one box that opens the scope's own view (Graphviz's layout time grows
faster than linearly), and a view with more than ``start_collapsed`` nodes opens with its
clusters collapsed. The gradients are those of the engine itself: one ``grad()`` pass with
``retain_graph=True`` under :func:`tinygrad_ng.autograd.trace_backward`, which leaves ``.grad``
untouched.
"""

from __future__ import annotations

import html
import json
import math
import os
import re
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from . import viz as _viz
from ._files import write_text
from .errors import ArgumentError, GraphError
from .graph import run, topological_order, trace_backward
from .viz import GraphDrawing, _attrs_text, _check_roots, _leaf_scope, _parent_scope, _quote, _shape, auto_names

if TYPE_CHECKING:
    from .tensor import Tensor

__all__ = ["Explorer", "explore"]

BINS = 12  # histogram bars per tensor
FAN_OUT = 6  # a tensor used in more places than this in one view is drawn once per use
SMALL = 8  # arrays of at most this many elements are recorded whole
FONT = "Helvetica"
ROLE_FILL = {"parameter": "#dcedc8", "input": "#eceff1", "intermediate": "#e3f2fd", "output": "#ffe0b2"}
ROLE_BORDER = {"parameter": "#33691e", "input": "#607d8b", "intermediate": "#1565c0", "output": "#e65100"}


class Explorer:
    """An interactive page of a computation graph: ``.html``, ``.save(path)``, inline in Jupyter.

    Attributes:
        html: the whole page, one self-contained HTML document.
        n_nodes: tensor and op nodes recorded.
        n_steps: steps of the backward pass (one per op whose VJP ran).
        n_views: separately laid-out views (1 unless the graph is larger than ``layout_limit``).

    >>> import tinygrad_ng as tg
    >>> a = tg.Tensor([1.0, -2.0], requires_grad=True, name="a")
    >>> page = tg.explore((a + a).sum())  # doctest: +SKIP
    >>> page  # doctest: +SKIP
    <Explorer: 5 nodes, 2 backward steps, 1 view, 23 kB>
    """

    def __init__(self, html_text: str, n_nodes: int, n_steps: int, n_views: int) -> None:
        self.html = html_text
        self.n_nodes = n_nodes
        self.n_steps = n_steps
        self.n_views = n_views

    def __repr__(self) -> str:
        views = "1 view" if self.n_views == 1 else f"{self.n_views} views"
        size = len(self.html.encode()) / 1000
        return f"<Explorer: {self.n_nodes} nodes, {self.n_steps} backward steps, {views}, {size:.0f} kB>"

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the page to ``path`` (atomically) and return the path; open it in any browser.

        >>> import tinygrad_ng as tg
        >>> x = tg.Tensor([1.0, 2.0], requires_grad=True, name="x")
        >>> tg.explore((x * x).sum()).save("graph.html")  # doctest: +SKIP
        PosixPath('graph.html')
        """
        return write_text(path, self.html)

    def _repr_html_(self) -> str:
        # An iframe keeps the page's ids, styles and script apart from the notebook's.
        return (
            f'<iframe srcdoc="{html.escape(self.html, quote=True)}" style="width:100%;height:560px;'
            'border:1px solid #ddd" sandbox="allow-scripts"></iframe>'
        )


def explore(
    root_or_roots: Tensor | Sequence[Tensor],
    *,
    title: str | None = None,
    layout_limit: int = 500,
    start_collapsed: int = 120,
) -> Explorer:
    """Record the graph below ``root_or_roots`` and its backward pass as an interactive page.

    Args:
        root_or_roots: the output (a loss) or a sequence of outputs. With one-element outputs
            the page holds every gradient and the backward stepper; otherwise only the forward values.
        title: the page's title (default: the roots' names, else "computation graph").
        layout_limit: the most nodes one view lays out; larger scopes open in views of their own.
        start_collapsed: views with more nodes than this open with their clusters collapsed.

    Returns:
        An :class:`Explorer`: ``.save("graph.html")``, ``.html``, shown inline in Jupyter.

    Raises:
        GraphError: the graph was released by ``backward()`` (draw before it, or call
            ``backward(retain_graph=True)``).
        GraphvizNotFoundError: Graphviz's ``dot`` program (or its Python package) is missing.

    >>> import tinygrad_ng as tg
    >>> W = tg.Tensor([[0.5, -1.0]], requires_grad=True, name="W")
    >>> Z = W @ tg.Tensor([[1.0], [2.0]], name="X")
    >>> page = tg.explore(tg.mse_loss(Z, [[0.0]]))  # doctest: +SKIP
    >>> page.n_steps  # matmul, add, pow_scalar, mean  # doctest: +SKIP
    4
    """
    roots = _check_roots(root_or_roots)
    if layout_limit < 2 or start_collapsed < 0:
        raise ArgumentError(
            f"explore: layout_limit must be at least 2 and start_collapsed non-negative, "
            f"got {layout_limit} and {start_collapsed}"
        )
    graph = _Recording(roots)
    views = _Layout(graph, layout_limit, start_collapsed).views()
    svgs = _render_all([v.pop("dot") for v in views])
    for v, svg in zip(views, svgs):
        v["svg"] = svg
    data = {
        "title": title or ", ".join(r.name for r in roots if r.name) or "computation graph",
        "nodes": graph.nodes,
        "steps": graph.steps,
        "views": views,
    }
    page = _page(data)
    return Explorer(page, len(graph.nodes) + sum(1 for n in graph.nodes if n.get("op")), len(graph.steps), len(views))


# --------------------------------------------------------------------------- recording
def _num(x: float) -> float | str:
    """A JSON-safe number, 5 significant digits ("nan", "inf", "-inf" as text)."""
    x = float(x)
    if not math.isfinite(x):
        return str(x)
    return float(f"{x:.5g}")


def _summary(arr: np.ndarray) -> dict[str, Any]:
    """Shape, mean, min, max, norm, the values when few, and a small histogram: never the whole array."""
    a = np.asarray(arr)
    out: dict[str, Any] = {"shape": list(a.shape)}
    if a.size == 0:
        return out
    d = a.astype(np.float64, copy=False)
    finite = d[np.isfinite(d)]
    if finite.size < d.size:
        out["nonfinite"] = int(d.size - finite.size)
    if a.size <= SMALL:
        out["values"] = [_num(v) for v in d.ravel()]
    elif finite.size:
        lo, hi = float(finite.min()), float(finite.max())
        out.update(
            mean=_num(finite.mean()),
            min=_num(lo),
            max=_num(hi),
            norm=_num(np.sqrt(np.sum(finite * finite))),
        )
        # A range too narrow for BINS distinct float edges (all equal, or denormal) gets a unit width.
        narrow = not hi - lo > 1e-9 * max(abs(lo), abs(hi)) or hi - lo < 1e-290
        counts, _ = np.histogram(finite, bins=BINS, range=(lo - 0.5, hi + 0.5) if narrow else (lo, hi))
        out["hist"] = counts.tolist()
    return out


class _Recording:
    """The tensors and ops below the roots, with summaries, and the engine's backward pass."""

    def __init__(self, roots: list[Tensor]) -> None:
        self.roots = roots
        self.tensors = self._collect(roots)
        self.index = {id(t): i for i, t in enumerate(self.tensors)}
        self.names = self._names()
        root_ids = {id(r) for r in roots}
        scopes = {t.scope for t in self.tensors if t.scope}
        users: dict[int, set[str | None]] = {}  # the scopes of the ops that use each leaf
        for t in self.tensors:
            for p in t.parents:
                if p.op is None:
                    users.setdefault(id(p), set()).add(t.scope)
        self.steps: list[dict[str, Any]] = []
        grads = self._backward()
        self.nodes: list[dict[str, Any]] = []
        for i, t in enumerate(self.tensors):
            role = "output" if id(t) in root_ids else "intermediate" if t.op else "parameter"
            if role == "parameter" and not t.requires_grad:
                role = "input"
            node: dict[str, Any] = {
                "name": self.names[i],
                "role": role,
                "dtype": str(t.dtype),
                "scope": t.scope if t.op else _leaf_scope(t.name, scopes) or _common_scope(users.get(id(t), set())),
                "value": _summary(t._data),
            }
            if t.op:
                node["op"] = t.op
                node["rule"] = _rule(t)
                node["attrs"] = _attrs_text(t.attrs)
                node["parents"] = [self.index[id(p)] for p in t.parents]
            if id(t) in grads:
                node["grad"] = _summary(grads[id(t)])
            elif t.requires_grad and self.steps:
                node["grad"] = None  # requires grad, but no gradient reaches it
            self.nodes.append(node)

    @staticmethod
    def _collect(roots: list[Tensor]) -> list[Tensor]:
        """Every tensor below the roots, each after its parents (leaves where first used)."""
        out = topological_order(roots, inputs=lambda t: t.parents)
        for t in out:
            if t.op is not None and not t.parents:
                raise GraphError(_released(t))
        return out

    def _names(self) -> list[str]:
        """Each tensor's name, or the one the SVG drawing gives it (``W1 @ X``, ``param0``, a constant's value)."""
        rows = []
        for t in self.tensors:
            value = None if t.op or t.requires_grad or t.size != 1 else t._data.item()
            parents = [self.index[id(p)] for p in t.parents] if t.op else None
            rows.append((t.name, t.op, parents, t.requires_grad, value))
        return auto_names(rows)

    def _backward(self) -> dict[int, np.ndarray]:
        """Run the engine's backward once (one-element roots that require grad), recording each VJP's
        input and outputs; returns the total gradients."""
        if not all(r.size == 1 and r.requires_grad for r in self.roots):
            return {}
        wanted = [t for t in self.tensors if t.requires_grad]
        sums: dict[int, np.ndarray] = {}  # each input's gradient so far (the walk never edits one in place)

        def hook(node: Tensor, g: Any, i: int, gp: Any) -> None:
            n = self.index[id(node)]
            if not self.steps or self.steps[-1]["node"] != n:
                self.steps.append({"node": n, "g": _summary(g), "sends": []})
            p = node.parents[i]
            j = self.index[id(p)]
            send: dict[str, Any] = {"input": i, "to": j, "g": _summary(gp)}
            if id(p) in sums:
                sums[id(p)] = sums[id(p)] + gp
                send["total"] = _summary(sums[id(p)])
            else:
                sums[id(p)] = gp
            self.steps[-1]["sends"].append(send)

        capture: dict[int, Any] = {id(t): None for t in wanted}  # the walk stores gradients here, not in .grad
        seeds = [np.ones_like(r._data) for r in self.roots]
        with trace_backward(hook):
            run(self.roots, seeds, retain_graph=True, create_graph=False, capture=capture)
        return {key: np.asarray(g) for key, g in capture.items() if g is not None}


def _rule(t: Tensor) -> str:
    """The derivative rule of the op that made ``t`` (a registered or a custom op)."""
    node = t._node
    return str(getattr(node.op, "rule", "") or "") if node is not None else ""


def _common_scope(scopes: set[str | None]) -> str | None:
    """The innermost scope that holds all of ``scopes`` (where a leaf used only there is drawn)."""
    if not scopes or None in scopes:
        return None
    parts = [s.split(".") for s in scopes]  # type: ignore[union-attr]
    common: list[str] = []
    for names in zip(*parts):
        if len(set(names)) > 1:
            break
        common.append(names[0])
    return ".".join(common) or None


def _released(t: Tensor) -> str:
    return (
        f"explore: the graph below op {t.op!r} (output {t.shape} {t.dtype}) was released by backward(); "
        "draw before backward(), or call backward(retain_graph=True)"
    )


# --------------------------------------------------------------------------- layout
class _Layout:
    """Which nodes each view lays out, and its DOT text.

    A scope holding at most ``limit`` nodes is drawn in place, with its sub-scopes as nested
    clusters. A larger one draws its own direct members and shows each child scope as a box
    that opens the child's view. Direct members that outnumber half the limit are split, in
    order, into numbered parts (``part1``, ``part2``...) first.
    """

    def __init__(self, graph: _Recording, limit: int, start_collapsed: int) -> None:
        self.graph = graph
        self.limit = limit
        self.start_collapsed = start_collapsed
        self.scope: list[str | None] = [n["scope"] for n in graph.nodes]
        self._split_crowds()
        self.all_scopes: set[str] = set()
        for s in self.scope:
            if s:
                self.all_scopes.add(s)
                self.all_scopes |= _prefix_set(s)
        self.chain: list[list[str]] = []  # each node's scopes, outermost first
        self.under: dict[str | None, list[int]] = {None: []}  # the nodes at or below each scope
        self.size: dict[str | None, int] = {None: 0}  # and how many tensor and op nodes they draw
        for i, s in enumerate(self.scope):
            chain = [] if not s else [p for p in sorted(_prefix_set(s), key=len) if p in self.all_scopes] + [s]
            self.chain.append(chain)
            cost = 2 if "op" in graph.nodes[i] else 1
            for key in (None, *chain):
                self.under.setdefault(key, []).append(i)
                self.size[key] = self.size.get(key, 0) + cost

    def _split_crowds(self) -> None:
        """Give the direct members of an overfull scope numbered sub-scopes ``part1``, ``part2``..."""
        direct: dict[str | None, list[int]] = {}
        for i, s in enumerate(self.scope):
            direct.setdefault(s, []).append(i)
        chunk = max(1, self.limit // 4)
        for s, members in direct.items():
            if len(members) * 2 <= self.limit:
                continue
            for k in range(0, len(members), chunk):
                part = f"part{k // chunk + 1}" if s is None else f"{s}.part{k // chunk + 1}"
                for i in members[k : k + chunk]:
                    self.scope[i] = part
                    self.graph.nodes[i]["scope"] = part

    def views(self) -> list[dict[str, Any]]:
        """Every view, the root's first: its scope, DOT text, clusters, boxes and initial collapse."""
        out: list[dict[str, Any]] = []
        pending: list[tuple[str | None, int | None]] = [(None, None)]
        while pending:
            scope, parent = pending.pop(0)
            number = len(out)
            view = self._view(scope)
            view["parent"] = parent
            for i in view["members"]:
                self.graph.nodes[i]["view"] = number
            for child in view["boxes"].values():
                pending.append((child, number))
            out.append(view)
        first = {v["scope"]: k for k, v in enumerate(out)}
        for v in out:
            v["boxes"] = {bid: first[s] for bid, s in v["boxes"].items()}
        return out

    def _view(self, scope: str | None) -> dict[str, Any]:
        nodes = self.graph.nodes
        in_place = self.size[scope] <= self.limit
        level = 0 if scope is None else self.chain[self.under[scope][0]].index(scope) + 1
        members: list[int] = []
        boxes: dict[str, str] = {}  # element id -> the child scope whose view it opens
        box_of: dict[str, str] = {}
        rep: dict[int, str] = {}  # node -> the element that shows it here (its own, or a box)
        cluster_of: dict[int, str | None] = {}
        for i in self.under[scope]:
            chain = self.chain[i]
            child = chain[level] if len(chain) > level else None
            if child is not None and not in_place:
                bid = box_of.setdefault(child, f"b{len(box_of)}")
                boxes[bid] = child
                rep[i] = bid
                continue
            members.append(i)
            rep[i] = f"t{i}"
            cluster_of[i] = child and self.scope[i]
        clusters = {s for i in members for s in self.chain[i][level:]}
        cluster_ids = {s: f"c{k}" for k, s in enumerate(sorted(clusters))}
        body: dict[str | None, list[str]] = {s: [] for s in [None, *clusters]}
        stubs: dict[str, int] = {}  # dashed stand-ins for a node drawn elsewhere: element id -> node
        wires: list[tuple[str, str, str | None, str]] = []  # source, target, element id, label
        for i in members:
            node = nodes[i]
            where = cluster_of[i]
            body[where].append(_tensor_dot(i, node))
            if "op" not in node:
                continue
            body[where].append(_op_dot(i, node))
            wires.append((f"o{i}", f"t{i}", f"r{i}", ""))
            for pos, j in enumerate(node["parents"]):
                src = rep.get(j)
                if src is None:  # an input from outside this view: a stub that leads to it
                    src = f"x{j}"
                    stubs[src] = j
                label = f', label="{pos}", fontsize=9, fontcolor="#78909c"' if len(node["parents"]) > 1 else ""
                wires.append((src, f"o{i}", f"e{i}_{pos}", label))
        pairs: set[tuple[str, str]] = set()
        for j, dst in rep.items():  # edges into boxes, one per pair of elements
            if not dst.startswith("b") or "op" not in nodes[j]:
                continue
            for p in nodes[j]["parents"]:
                src = rep.get(p)
                if src is None or src == dst or (src, dst) in pairs:
                    continue
                pairs.add((src, dst))
                wires.append((src, dst, None, ""))
        # A tensor feeding many places (shared weights) gets a stand-in per use: long fan-out
        # edges are hard to read and make Graphviz's layout time explode.
        uses: dict[str, int] = {}
        for src, *_ in wires:
            uses[src] = uses.get(src, 0) + 1
        edges: list[list[str]] = []
        edge_text: list[str] = []
        count: dict[str, int] = {}
        for src, dst, eid, label in wires:
            if uses[src] > FAN_OUT and dst[0] == "b":
                continue  # the box's own view shows where it comes from
            if uses[src] > FAN_OUT and src[0] in "tx":
                k = count[src] = count.get(src, 0) + 1
                copy = f"x{src[1:]}_{k}"
                stubs[copy] = int(src[1:])
                src = copy
            if eid is not None:
                edges.append([eid, src, dst])
            edge_text.append(f"{src} -> {dst}" + (f' [id="{eid}"{label}]' if eid else ""))
        for bid, s in boxes.items():
            label = f"{s}\n{self.size[s]} nodes: open"
            body[None].append(
                f'{bid} [id="{bid}", shape=box3d, style=filled, fillcolor="#f3e5f5", color="#6a1b9a", '
                f"label={_quote(label)}]"
            )
        for sid, j in stubs.items():
            if uses.get(sid, 0) > FAN_OUT:
                continue  # replaced by its copies
            body[None].append(
                f'{sid} [id="{sid}", shape=box, style="dashed,rounded", color="#9e9e9e", fontcolor="#616161", '
                f"label={_quote(nodes[j]['name'] + ' ↗')}]"
            )
        lines = [
            "digraph explorer {",
            f'  graph [rankdir=LR, fontname="{FONT}", nodesep=0.25, ranksep=0.35, bgcolor="white"]',
            f'  node [fontname="{FONT}", fontsize=12, margin="0.12,0.05", height=0.3]',
            f'  edge [fontname="{FONT}", arrowsize=0.7, color="#546e7a"]',
        ]
        lines += ["  " + n for n in body[None]]
        lines += _clusters_dot(sorted(clusters), cluster_ids, body, scope)
        lines += ["  " + e for e in edge_text]
        lines.append("}")
        info: dict[str, dict[str, Any]] = {}  # for collapsing: each cluster's nodes and sub-clusters
        for s, cid in cluster_ids.items():
            inside = [i for i in members if s in self.chain[i]]
            subs = [cluster_ids[t] for t in clusters if t.startswith(s + ".")]
            info[cid] = {"label": s, "nodes": inside, "subs": subs}
        drawn = sum(2 if "op" in nodes[i] else 1 for i in members)
        # Fold each cluster of at most start_collapsed nodes whose enclosing clusters are larger:
        # the layers of a network, the time steps inside a recurrent module.
        fold: list[str] = []
        stack = [s for s in clusters if _parent_scope(s, clusters) is None]
        while stack:
            s = stack.pop()
            inner = [t for t in clusters if _parent_scope(t, clusters) == s]
            if len(info[cluster_ids[s]]["nodes"]) > self.start_collapsed and inner:
                stack += inner
            else:
                fold.append(s)
        outer = [cluster_ids[s] for s in sorted(fold)]
        return {
            "scope": scope,
            "dot": "\n".join(lines) + "\n",
            "members": members,
            "boxes": boxes,
            "stubs": {sid: j for sid, j in stubs.items() if uses.get(sid, 0) <= FAN_OUT},
            "clusters": info,
            "edges": edges,
            "collapsed": outer if drawn > self.start_collapsed else [],
        }


def _prefix_set(scope: str) -> set[str]:
    parts = scope.split(".")
    return {".".join(parts[:k]) for k in range(1, len(parts))}


def _tensor_dot(i: int, node: dict[str, Any]) -> str:
    role = node["role"]
    value = node["value"]
    shape = _shape(tuple(value["shape"]))
    label = f'<<B>{html.escape(node["name"])}</B><BR/><FONT POINT-SIZE="10">{shape} {node["dtype"]}</FONT>>'
    extra = ", peripheries=2" if role == "output" else ""
    return (
        f't{i} [id="t{i}", shape=box, style=filled, fillcolor="{ROLE_FILL[role]}", '
        f'color="{ROLE_BORDER[role]}", label={label}{extra}]'
    )


def _op_dot(i: int, node: dict[str, Any]) -> str:
    return (
        f'o{i} [id="o{i}", shape=ellipse, style=filled, fillcolor="#fff8e1", color="#a1887f", margin=0.05, '
        f"label={_quote(node['op'])}]"
    )


def _clusters_dot(
    scopes: list[str], ids: dict[str, str], body: dict[str | None, list[str]], top: str | None
) -> list[str]:
    """Nested ``subgraph cluster_`` blocks for ``scopes`` (iterative), each with an id."""
    inside = set(scopes)
    children: dict[str | None, list[str]] = {}
    for s in scopes:
        p = _parent_scope(s, inside)
        children.setdefault(p, []).append(s)
    out: list[str] = []
    stack: list[tuple[str, int, bool]] = [(s, 1, False) for s in reversed(children.get(None, []))]
    while stack:
        scope, depth, closing = stack.pop()
        pad = "  " * depth
        if closing:
            out.append(pad + "}")
            continue
        label = scope[len(top) + 1 :] if top and scope.startswith(top + ".") else scope
        out.append(f"{pad}subgraph cluster_{ids[scope]} {{")
        out.append(
            f'{pad}  graph [id="{ids[scope]}", label={_quote(label)}, labeljust=l, style="rounded,filled", '
            'fillcolor="#fafafa", color="#9e9e9e", fontsize=11, fontcolor="#424242"]'
        )
        out += [f"{pad}  {n}" for n in body.get(scope, [])]
        stack.append((scope, depth, True))
        stack += [(c, depth + 1, False) for c in reversed(children.get(scope, []))]
    return out


def _render_all(sources: list[str]) -> list[str]:
    """Lay out every view with one ``dot`` run; the SVG of each, without the XML prologue."""
    svg = GraphDrawing("".join(sources), 0, 0, 0).render("svg").decode()
    parts = [p[p.index("<svg") :] for p in svg.split("<?xml")[1:]]
    if len(parts) != len(sources):
        raise GraphError(f"explore: dot returned {len(parts)} drawings for {len(sources)} views")
    return [_shrink(p) for p in parts]


_TITLE = re.compile(r"<title>[^<]*</title>\n?")  # Graphviz's hover text: the DOT ids, of no use here
_COMMENT = re.compile(r"<!--.*?-->\n?", re.S)
_DIGITS = re.compile(r"(\d\.\d)\d+")
_FONT = re.compile(r' font-family="[^"]*"')


def _shrink(svg: str) -> str:
    """Graphviz's SVG, smaller: no comments or titles, coordinates to 0.1 pt, the font set by the page's CSS."""
    svg = _TITLE.sub("", _COMMENT.sub("", svg))
    return _FONT.sub("", _DIGITS.sub(r"\1", svg)).strip()


# --------------------------------------------------------------------------- the page
def _asset(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def _page(data: dict[str, Any]) -> str:
    svgs = "\n".join(
        f'<script type="image/svg+xml" id="svg{k}">{v.pop("svg")}</script>' for k, v in enumerate(data["views"])
    )
    blob = json.dumps(data, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")
    title = html.escape(str(data["title"]))
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}: tinygrad_ng explorer</title>
<style>
{_asset("explorer.css")}
</style>
</head>
<body>
<header>
  <b class="title">{title}</b>
  <input id="search" type="search" placeholder="find a tensor by name" aria-label="find a tensor by name">
  <span id="matches"></span>
  <button id="heat" type="button" aria-pressed="false">gradient heat map</button>
  <button id="fit" type="button">fit</button>
  <span id="crumbs"></span>
</header>
<main>
  <div id="graph"></div>
  <aside id="panel"><p class="hint">Click a tensor or an op. Drag to pan, wheel to zoom,
  click a cluster's label to collapse it.</p></aside>
</main>
<footer id="stepper">
  <button id="prev" type="button" aria-label="previous step">&#9664;</button>
  <input id="slider" type="range" min="0" max="0" value="0" aria-label="backward step">
  <button id="next" type="button" aria-label="next step">&#9654;</button>
  <span id="stepinfo"></span>
</footer>
<script type="application/json" id="data">{blob}</script>
{svgs}
<script>
{_asset("explorer.js")}
</script>
</body>
</html>
"""


_viz.PAGE_BUILDER = explore  # GraphDrawing.save('....html') and _repr_html_ build this page
