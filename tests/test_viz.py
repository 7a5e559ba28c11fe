"""Graph drawings: the DOT text, and real SVGs rendered by Graphviz and read back as XML."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import weakref
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from conftest import IN_CI, ROOT

import tinygrad_ng as tg
from tinygrad_ng import viz
from tinygrad_ng.ops import Op
from tinygrad_ng.tensor import apply, name_scope

SVG = "{http://www.w3.org/2000/svg}"
HAVE_DOT = shutil.which("dot") is not None


@pytest.fixture
def dot() -> None:
    """Render tests need Graphviz's `dot`: skipped without it, except in CI where it must exist."""
    if not HAVE_DOT:
        if IN_CI:
            pytest.fail("Graphviz's `dot` is not installed, and CI must render the graph pictures")
        pytest.skip("Graphviz's `dot` is not installed")


# --------------------------------------------------------------------------- reading SVGs
class Picture:
    """A rendered SVG, by Graphviz node/edge/cluster titles."""

    def __init__(self, drawing: viz.GraphDrawing) -> None:
        self.root = ET.fromstring(drawing.render("svg"))
        self.nodes: dict[str, ET.Element] = {}
        self.edges: list[str] = []
        self.edge_groups: dict[str, ET.Element] = {}
        self.clusters: dict[str, ET.Element] = {}
        for g in self.root.iter(f"{SVG}g"):
            title = g.find(f"{SVG}title")
            kind = g.get("class")
            if title is None or kind is None:
                continue
            if kind == "node":
                self.nodes[title.text] = g
            elif kind == "edge":
                self.edges.append(title.text.replace("&#45;", "-"))
                self.edge_groups[self.edges[-1]] = g
            elif kind == "cluster":
                self.clusters[self.text(g)] = g

    @staticmethod
    def text(g: ET.Element) -> str:
        return " ".join(t.text for t in g.iter(f"{SVG}text") if t.text)

    def label(self, node: str) -> str:
        return self.text(self.nodes[node])

    def node_by_name(self, name: str) -> str:
        """The id of the tensor node whose first label line (its name) is ``name``."""
        for key, g in self.nodes.items():
            texts = [t.text for t in g.iter(f"{SVG}text")]
            if texts and texts[0] == name and key.startswith("n"):
                return key
        raise KeyError(name)

    def shapes(self, node: str) -> list[ET.Element]:
        kinds = (f"{SVG}path", f"{SVG}polygon", f"{SVG}ellipse")
        return [e for e in self.nodes[node].iter() if e.tag in kinds]

    def fill(self, node: str) -> str:
        return self.shapes(node)[0].get("fill")

    def stroke(self, node: str) -> str:
        return self.shapes(node)[0].get("stroke")


def two_layer(n_x: int = 12, m: int = 6) -> dict[str, tg.Tensor]:
    """The course's two-layer model (n_x -> 7 ReLU -> 1 sigmoid), its initialisation, shrunk in n_x."""
    rng = np.random.RandomState(1)
    W1 = tg.Tensor(rng.randn(7, n_x) * 0.01, requires_grad=True, name="W1")
    W2 = tg.Tensor(rng.randn(1, 7) * 0.01, requires_grad=True, name="W2")
    b1 = tg.Tensor.zeros(7, 1, requires_grad=True, name="b1")
    b2 = tg.Tensor.zeros(1, 1, requires_grad=True, name="b2")
    X = tg.Tensor(np.random.RandomState(2).rand(n_x, m), name="X")
    Y = tg.Tensor((np.arange(m) % 2)[None, :].astype(float), name="Y")
    Z1 = W1 @ X + b1
    A1 = Z1.relu()
    A2 = (W2 @ A1 + b2).sigmoid()
    J = tg.binary_cross_entropy(A2, Y)
    return dict(W1=W1, b1=b1, W2=W2, b2=b2, X=X, Y=Y, Z1=Z1, A1=A1, A2=A2, J=J)


# --------------------------------------------------------------------------- the course's model
def test_two_layer_model_after_backward(dot: None) -> None:
    t = two_layer()
    t["Z1"].retain_grad()
    t["J"].backward(retain_graph=True)
    drawing = tg.draw_graph(t["J"], grad_heat=True, rules=True)
    pic = Picture(drawing)

    tensors = [k for k in pic.nodes if k.startswith("n")]
    ops = [k for k in pic.nodes if k.startswith("o")]
    # tensors X, W1, b1, W2, b2, Y and the outputs of the ops matmul, add, relu, matmul, add, sigmoid,
    # bce (the mean inside it): 13 tensors, 7 ops
    assert (len(tensors), len(ops)) == (13, 7) == (drawing.n_tensors, drawing.n_ops)
    assert "legend" in pic.nodes
    for name, shape in (("W1", "(7, 12)"), ("b1", "(7, 1)"), ("W2", "(1, 7)"), ("b2", "(1, 1)"), ("X", "(12, 6)")):
        assert f"{shape} float64" in pic.label(pic.node_by_name(name))
    for k in tensors:  # every tensor node says its shape and dtype
        assert re.search(r"\([\d, ]*\) float64", pic.label(k)), pic.label(k)

    # roles: parameters have the parameter border, the input its own, the loss a double border
    param_border = viz.ROLE_STYLE["parameter"][1]
    for name in ("W1", "b1", "W2", "b2"):
        assert pic.stroke(pic.node_by_name(name)) == param_border
    assert pic.stroke(pic.node_by_name("X")) == viz.ROLE_STYLE["input"][1]
    loss = next(k for k in tensors if pic.stroke(k) == viz.ROLE_STYLE["output"][1])
    assert len(pic.shapes(loss)) == 2  # peripheries=2

    # gradient summaries: the norm of W1's .grad, in scientific notation
    w1 = pic.label(pic.node_by_name("W1"))
    assert f"grad norm {np.linalg.norm(t['W1'].grad):.2e}" in w1
    # an intermediate: the computed gradient equals the one backward kept with retain_grad()
    z1 = next(k for k in tensors if "(7, 6)" in pic.label(k) and "add" in pic.label(f"o{k[1:]}"))
    assert f"grad norm {np.linalg.norm(t['Z1'].grad):.2e}" in pic.label(z1)

    # heat: the fill is the gradient rms on a log scale (here fixed to 1e-6 ... 1)
    pic = Picture(tg.draw_graph(t["J"], grad_heat=True, rules=True, heat_range=(1e-6, 1.0)))
    for name in ("W1", "b1", "W2", "b2"):
        rms = np.sqrt(np.mean(t[name].grad ** 2))
        assert pic.fill(pic.node_by_name(name)) == viz._palette((np.log10(rms) + 6) / 6)
    assert pic.fill(pic.node_by_name("X")) == viz.ROLE_STYLE["input"][0]  # no gradient, role colour

    # rules from the registry appear on the op nodes
    assert any("dz = da * a * (1 - a)" in pic.label(k) for k in ops)
    legend = pic.label("legend")
    for text in ("parameter", "input / constant", "intermediate", "output / loss", "gradient rms", "grad = 0"):
        assert text in legend


def test_heat_colours_span_the_scale(dot: None) -> None:
    small = tg.Tensor([1.0, 2.0], requires_grad=True, name="small")
    big = tg.Tensor([1.0, 2.0], requires_grad=True, name="big")
    loss = (small * 1e-6).sum() + (big * 1e3).sum()
    pic = Picture(tg.draw_graph(loss, grad_heat=True))
    assert pic.fill(pic.node_by_name("small")) == viz.HEAT_STOPS[0]  # coldest: vanishing
    assert pic.fill(pic.node_by_name("big")) == viz.HEAT_STOPS[-1]  # hottest: exploding
    legend = pic.label("legend")
    assert "1.00e-06" in legend and "1.00e+03" in legend
    # edges carry the colour (darkened) of the gradient flowing back along them
    assert f'color="{viz._darker(viz.HEAT_STOPS[-1])}"' in tg.draw_graph(loss, grad_heat=True).source


def test_fixed_heat_range_clamps() -> None:
    w = tg.Tensor([3.0], requires_grad=True, name="w")
    source = tg.draw_graph((w * 1e-9).sum(), grad_heat=True, heat_range=(1e-3, 1e3)).source
    line = next(s for s in source.splitlines() if "<B>w</B>" in s)
    assert f'fillcolor="{viz.HEAT_STOPS[0]}"' in line


def test_no_grad_and_zero_grad_look_different(dot: None) -> None:
    w = tg.Tensor([-1.0, -2.0], requires_grad=True, name="w")
    v = tg.Tensor([1.0, 2.0], requires_grad=True, name="v")
    out = w.relu() + v  # relu of negatives: w's gradient is exactly zero
    pic = Picture(tg.draw_graph(out, grad_heat=True))  # a (2,) output: no implicit gradient, nothing computed
    assert "no grad" in pic.label(pic.node_by_name("w"))
    assert pic.shapes(pic.node_by_name("w"))[0].get("stroke-dasharray")

    out.backward(np.ones(2), retain_graph=True)
    pic = Picture(tg.draw_graph(out, grad_heat=True))
    w_node = pic.node_by_name("w")
    assert "grad = 0" in pic.label(w_node) and pic.fill(w_node) == viz.ZERO_GRAD_FILL
    assert not pic.shapes(w_node)[0].get("stroke-dasharray")
    assert "grad norm 1.41e+00" in pic.label(pic.node_by_name("v"))


def test_non_finite_gradient_is_marked() -> None:
    w = tg.Tensor([0.0, 1.0], requires_grad=True, name="w")
    with np.errstate(divide="ignore"):
        loss = w.sqrt().sum()
        source = tg.draw_graph(loss, grad_heat=True).source
    line = next(s for s in source.splitlines() if "<B>w</B>" in s)
    assert "NaN/Inf" in line and viz.NONFINITE_FILL in line


def test_small_gradients_are_not_rounded_to_zero() -> None:
    w = tg.Tensor([[2.0]], requires_grad=True, name="w")
    source = tg.draw_graph((w * 3e-7).sum()).source
    assert "grad norm 3.00e-07" in source
    assert "0.0000" not in source


def test_draw_computes_gradients_without_touching_grad_or_the_graph() -> None:
    t = two_layer()
    source = tg.draw_graph(t["J"]).source
    assert t["W1"].grad is None and t["Z1"].grad is None  # .grad untouched
    # the gradient shown for W1 is the one backward then gives
    t["J"].backward()
    assert f"grad norm {np.linalg.norm(t['W1'].grad):.2e}" in source


def test_a_graph_released_by_backward_still_draws_with_the_parameters_gradients() -> None:
    t = two_layer()
    whole = tg.draw_graph(t["J"])
    intermediates = [weakref.ref(t[k]) for k in ("Z1", "A1", "A2")]
    for k in ("Z1", "A1", "A2"):
        del t[k]
    t["J"].backward()
    assert all(r() is None for r in intermediates)  # backward released them: no arrays kept
    drawing = t["J"].draw()
    assert (drawing.n_tensors, drawing.n_ops) == (whole.n_tensors, whole.n_ops) == (13, 7)
    for name in ("W1", "b1", "W2", "b2"):
        assert _node_line(drawing.source, name, f"grad norm {np.linalg.norm(t[name].grad):.2e}")
    # the intermediates' gradients were not kept, and the drawing does not pretend they are zero
    assert sum("grad norm" in line for line in drawing.source.splitlines()) == 4
    assert "no grad" not in drawing.source.split("legend")[0]


def _node_line(source: str, name: str, text: str) -> bool:
    """Whether the DOT node labelled ``name`` also says ``text``."""
    return any(f"<B>{name}</B>" in line and text in line for line in source.splitlines())


def test_a_drawing_never_shows_a_gradient_left_by_another_backward() -> None:
    X = np.random.RandomState(0).randn(2, 8)
    Y = (X[:1] > 0).astype(float)
    model = tg.nn.MLP([2, 3, 1], seed=1)
    tg.train.fit(model, X, Y, lr=0.5, iterations=5, record_every=5, progress=False)
    stale = {p.name: p.grad.copy() for p in model.parameters()}  # the last step's, at the old parameters
    J = tg.binary_cross_entropy(model(X), Y)  # the trained model's cost
    fresh = dict(zip([p.name for p in model.parameters()], tg.grad(J, model.parameters(), retain_graph=True)))
    source = tg.draw_graph(J, show=("name", "grad")).source
    for name, g in fresh.items():
        assert not np.allclose(stale[name], g.data)  # the step changed the parameters
        assert _node_line(source, name, f"grad norm {np.linalg.norm(g.data):.2e}"), name
    J.backward()
    source = tg.draw_graph(J, show=("name", "grad")).source
    for p in model.parameters():
        assert np.allclose(p.grad, stale[p.name] + fresh[p.name].data)  # accumulated: fit left its grads
        assert _node_line(source, p.name, f"grad norm {np.linalg.norm(p.grad):.2e}")
    other = tg.binary_cross_entropy(model(X[:, :4]), Y[:, :4])  # another backward writes the grads
    other.backward()
    source = tg.draw_graph(J, show=("name", "grad")).source  # J's graph is released: nothing to show
    for p in model.parameters():
        assert _node_line(source, p.name, "no grad")


# --------------------------------------------------------------------------- structure
def test_tensor_used_twice_draws_both_edges(dot: None) -> None:
    a = tg.Tensor([1.0, 2.0], requires_grad=True, name="a")
    b = a + a
    pic = Picture(b.draw())
    a_node, add_node = pic.node_by_name("a"), next(k for k in pic.nodes if k.startswith("o"))
    assert pic.edges.count(f"{a_node}->{add_node}") == 2
    assert "grad norm 2.83e+00" not in pic.label(a_node)  # (2,) output: no implicit gradient
    assert "no grad" in pic.label(a_node)


def test_broadcast_add_shows_both_shapes_and_reduced_gradient(dot: None) -> None:
    x = tg.Tensor(np.ones((3, 4)), name="x")
    b = tg.Tensor(np.zeros((3, 1)), requires_grad=True, name="b")
    out = (x + b).sum()
    pic = Picture(tg.draw_graph(out))
    assert "(3, 4) float64" in pic.label(pic.node_by_name("x"))
    b_label = pic.label(pic.node_by_name("b"))
    assert "(3, 1) float64" in b_label
    assert "grad norm 6.93e+00" in b_label  # each entry of db is 4; norm sqrt(3 * 16)
    assert "(3, 4) float64" in pic.label(pic.node_by_name("x + b"))  # named by what made it


def test_broadcast_rule_shows_the_sum_the_engine_takes(dot: None) -> None:
    """``b`` (3, 1) was broadcast to (3, 4): its gradient is g summed over axis 1, and the rule says so."""
    x = tg.Tensor(np.ones((3, 4)), requires_grad=True, name="x")
    b = tg.Tensor(np.zeros((3, 1)), requires_grad=True, name="b")
    pic = Picture(tg.draw_graph((x + b).sum(), rules=True))
    add = next(k for k in pic.nodes if k.startswith("o") and pic.label(k).startswith("add"))
    assert "dx = g" in pic.label(add) and "dy = Σ g over axis 1" in pic.label(add)
    # the edges say which input is x and which is y
    x_edge = next(e for e in pic.edges if e.startswith(pic.node_by_name("x") + "->"))
    b_edge = next(e for e in pic.edges if e.startswith(pic.node_by_name("b") + "->"))
    labels = {title: Picture.text(g) for title, g in pic.edge_groups.items()}
    assert (labels[x_edge], labels[b_edge]) == ("x", "y")
    # without broadcasting the rule is the plain one
    c = tg.Tensor(np.ones((3, 4)), requires_grad=True, name="c")
    plain = tg.draw_graph((x + c).sum(), rules=True).source
    assert "dy = g" in plain and "Σ" not in plain


@pytest.mark.parametrize(
    ("shape", "out", "text"),
    [((4,), (3, 4), "dy = Σ g over axis 0"), ((1, 1), (2, 3), "dy = Σ g over axes 0, 1"), ((), (2,), "over axis 0")],
)
def test_broadcast_rule_names_every_summed_axis(shape: tuple, out: tuple, text: str) -> None:
    assert text in viz._rule_parts("add", "dx = g;  dy = g", [out, shape], out)[1][1]
    assert viz._rule_parts("mul", "dx = g * y;  dy = g * x", [out, shape], out)[1][1].startswith("dy = Σ (g * x)")


def test_ops_that_change_shapes_without_broadcasting_show_no_sum() -> None:
    """An outer product by matmul, a stack and a reshape change shapes, but the engine sums nothing."""
    u = tg.Tensor(np.ones((3, 1)), requires_grad=True, name="u")
    v = tg.Tensor(np.ones((1, 3)), requires_grad=True, name="v")
    for out in ((u @ v).sum(), tg.stack([v, v]).sum(), v.reshape(3).sum()):
        assert "Σ" not in tg.draw_graph(out, rules=True).source


def test_custom_op_shows_its_name_attrs_and_rule(dot: None) -> None:
    cube = Op(
        "cube",
        lambda x, scale: scale * x**3,
        (lambda g, out, x, scale: g * 3 * scale * x**2,),
        rule="dx = g * 3 * scale * x**2",
    )
    x = tg.Tensor([1.0, 2.0], requires_grad=True, name="x")
    y = apply(cube, x, scale=0.5).sum()
    pic = Picture(tg.draw_graph(y, rules=True))
    op_labels = [pic.label(k) for k in pic.nodes if k.startswith("o")]
    cube_label = next(s for s in op_labels if s.startswith("cube"))
    assert "scale=0.5" in cube_label and "dx = g * 3 * scale * x**2" in cube_label
    assert "grad norm 6.18e+00" in pic.label(pic.node_by_name("x"))  # 1.5 * x**2 = [1.5, 6]


def test_op_attributes_are_short() -> None:
    x = tg.Tensor(np.arange(200.0).reshape(2, 100), requires_grad=True, name="x")
    idx = np.arange(0, 100, 2)
    y = (x[:, idx] ** 2).leaky_relu(0.2).sum(axis=1)
    source = tg.draw_graph(y.sum()).source
    assert "exponent=2" in source and "slope=0.2" in source and "axis=(1,)" in source
    assert "array(50,)" in source  # the index array is summarised, not printed
    assert "keepdims" not in source  # defaults are left out


def test_dtype_and_values() -> None:
    w = tg.Tensor([1.5, -2.0], dtype=np.float32, requires_grad=True, name="w")
    source = tg.draw_graph((w * w).sum(), show=("name", "shape", "dtype", "value")).source
    assert "(2,) float32" in source
    assert "mean -2.50e-01 [-2.00e+00, 1.50e+00]" in source
    assert "grad norm" not in source and "no grad" not in source


def test_several_roots_and_automatic_names() -> None:
    w = tg.Tensor([1.0, 2.0], requires_grad=True)
    c = tg.Tensor(np.ones((2,)))
    a, b = (w * c).sum(), (w * 2.0).sum()
    drawing = tg.draw_graph([a, b, a])
    assert (drawing.n_tensors, drawing.n_ops) == (7, 4)
    src = drawing.source
    assert "<B>param0</B>" in src and "<B>input0</B>" in src and "<B>2</B>" in src and "<B>t0</B>" in src
    assert src.count("peripheries=2") == 2  # both roots are outputs


def test_in_place_edit_after_use_is_marked() -> None:
    w = tg.Tensor([1.0, 2.0], requires_grad=True, name="w")
    loss = (w * w).sum()
    w.data = np.array([5.0, 6.0])
    with pytest.raises(tg.InplaceError):
        loss.backward(retain_graph=True)
    source = tg.draw_graph(loss).source  # draws, marks the edge, and computes no gradient
    assert "changed in place after use" in source
    assert "no grad" in next(s for s in source.splitlines() if "<B>w</B>" in s)


# --------------------------------------------------------------------------- scopes
def scoped_model() -> tg.Tensor:
    X = tg.Tensor(np.ones((3, 2)), name="X")
    W = {k: tg.Tensor(np.full((3, 3), 0.1), requires_grad=True, name=f"layer{k}.W") for k in (1, 2)}
    A = X
    for k in (1, 2):
        with name_scope(f"layer{k}"):
            A = (W[k] @ A).tanh()
    return A.sum()


def test_scopes_are_clusters(dot: None) -> None:
    pic = Picture(tg.draw_graph(scoped_model()))
    assert set(pic.clusters) == {"layer1", "layer2"}
    # the cluster holds its ops, their outputs, and the parameter named after it (in the DOT text:
    # Graphviz's SVG draws clusters as boxes behind the nodes, not as their parents)
    source = tg.draw_graph(scoped_model()).source
    block = source[source.index('label="layer1"') : source.index("subgraph cluster_1")]
    assert "<B>layer1.W</B>" in block and "<B>matmul</B>" in block and "<B>tanh</B>" in block
    assert "<B>layer2.W</B>" not in block and "<B>X</B>" not in block
    assert sum(1 for k in pic.nodes if k.startswith("o")) == 5  # 2 x (matmul, tanh) + sum


def test_collapsed_scope_is_one_box(dot: None) -> None:
    pic = Picture(tg.draw_graph(scoped_model(), collapse="layer1"))
    boxes = [k for k in pic.nodes if k.startswith("s")]
    assert len(boxes) == 1
    box = pic.label(boxes[0])
    assert "layer1" in box and "2 ops" in box and "layer1.W (3, 3)" in box
    assert sum(1 for k in pic.nodes if k.startswith("o")) == 3  # layer2's matmul, tanh and the sum
    with pytest.raises(KeyError):
        pic.node_by_name("layer1.W")  # inside the box
    assert set(pic.clusters) == {"layer2"}
    # X feeds the box, and the box feeds layer2's matmul through layer1's visible output
    x = pic.node_by_name("X")
    assert f"{x}->{boxes[0]}" in pic.edges
    assert any(e.startswith(f"{boxes[0]}->n") for e in pic.edges)
    everything = tg.draw_graph(scoped_model(), collapse=True).source
    assert everything.count("shape=box3d") == 2


def test_nested_scopes_nest_clusters() -> None:
    w = tg.Tensor([1.0], requires_grad=True, name="w")
    with name_scope("model"):
        y = w * 2
        with name_scope("head"):
            y = y.exp()
    source = tg.draw_graph(y.sum()).source
    outer = source.index('label="model"')
    inner = source.index('label="model.head"')
    assert outer < inner and source.count("subgraph cluster_") == 2


def test_unknown_scope_to_collapse() -> None:
    with pytest.raises(tg.ArgumentError, match=r"layer9.*layer1, layer2"):
        tg.draw_graph(scoped_model(), collapse=["layer9"])


# --------------------------------------------------------------------------- scale
def chain(n: int) -> tuple[tg.Tensor, tg.Tensor]:
    x = tg.Tensor([0.5], requires_grad=True, name="x")
    y = x
    for _ in range(n):
        y = y * 1.0001
    return x, y.sum()


def test_thousand_layer_chain_collapses_into_more_node(dot: None) -> None:
    _, out = chain(1000)
    drawing = tg.draw_graph(out, max_nodes=40)
    pic = Picture(drawing)
    assert drawing.n_tensors + drawing.n_ops <= 40
    # 1000 muls: 1000 outputs + 1000 ops + x + 1000 constants + sum (2) = 3003 nodes in all
    assert drawing.n_tensors + drawing.n_ops + drawing.n_hidden == 3003
    more = pic.label("more")
    assert f"{drawing.n_hidden:,} more nodes" in more
    assert any(e.startswith("more->o") for e in pic.edges)
    ends = {end for e in pic.edges for end in e.split("->")}
    assert all(k in ends for k in pic.nodes if k != "legend")  # the drawn part stays connected


def test_large_graph_builds_without_recursion() -> None:
    x, out = chain(7000)  # 7000 muls, 7000 constants, x, the sum: 21,003 nodes
    drawing = tg.draw_graph(out, max_nodes=None, legend=False)
    assert drawing.n_tensors + drawing.n_ops == 21003 and drawing.n_hidden == 0
    assert drawing.source.count(" -> ") == 3 * 7000 + 2
    assert x.grad is None


# --------------------------------------------------------------------------- files and Graphviz
def test_save_chooses_format_from_suffix(dot: None, tmp_path: Path) -> None:
    drawing = tg.draw_graph(chain(3)[1])
    assert drawing.save(tmp_path / "g.svg").read_text().lstrip().startswith("<?xml")
    assert (tmp_path / "g.png").exists() is False
    assert drawing.save(tmp_path / "g.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert drawing.save(tmp_path / "g.dot").read_text() == drawing.source
    assert drawing.save(str(tmp_path / "g.gv")).read_text() == drawing.source
    assert "<svg" in drawing._repr_svg_()
    with pytest.raises(tg.ArgumentError, match=r"\.svg, \.png"):
        drawing.save(tmp_path / "g.jpeg")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.dot", "g.gv", "g.png", "g.svg"]


def test_missing_dot_raises_with_install_hints(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("graphviz")
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` anywhere
    target = tmp_path / "g.svg"
    target.write_text("earlier picture")
    drawing = tg.draw_graph(chain(2)[1])
    with pytest.raises(tg.GraphvizNotFoundError) as info:
        drawing.save(target)
    assert isinstance(info.value, RuntimeError) and isinstance(info.value, tg.TinygradError)
    for hint in ("apt-get install graphviz", "brew install graphviz", "conda install"):
        assert hint in str(info.value)
    assert target.read_text() == "earlier picture"  # nothing half-written, nothing lost
    assert [p.name for p in tmp_path.iterdir()] == ["g.svg"]
    assert drawing.save(tmp_path / "g.dot").read_text() == drawing.source  # DOT needs no Graphviz


def test_importing_the_package_does_not_import_graphviz() -> None:
    code = (
        "import sys, tinygrad_ng as tg\n"
        "x = tg.Tensor([1.0], requires_grad=True)\n"
        "assert tg.draw_graph((x * x).sum()).source.startswith('digraph')\n"
        "assert 'graphviz' not in sys.modules\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=ROOT)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"show": ("name", "colour")}, "show= accepts"),
        ({"rankdir": "XY"}, "rankdir"),
        ({"max_nodes": 0}, "max_nodes"),
        ({"heat_range": (1.0, 0.1)}, "heat_range"),
    ],
)
def test_bad_arguments(kwargs: dict, match: str) -> None:
    with pytest.raises(tg.ArgumentError, match=match):
        tg.draw_graph(chain(1)[1], **kwargs)


def test_bad_roots() -> None:
    with pytest.raises(tg.DTypeError, match="expected a Tensor or a list of Tensors, got ndarray"):
        tg.draw_graph(np.ones(3))  # type: ignore[arg-type]
    with pytest.raises(tg.DTypeError, match="expected Tensors, got int"):
        tg.draw_graph([tg.Tensor(1.0), 3])  # type: ignore[list-item]
    with pytest.raises(tg.ArgumentError, match="no tensors"):
        tg.draw_graph([])


def test_nn_layers_are_clusters_and_collapse() -> None:
    nn = pytest.importorskip("tinygrad_ng.nn")
    net = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 1), nn.Sigmoid())
    X, Y = np.ones((4, 3)), np.array([[1.0, 0.0, 1.0]])
    J = tg.binary_cross_entropy(net(X), Y)
    source = tg.draw_graph(J).source
    for scope in ("layers.0", "layers.2"):
        block = source[source.index(f'label="{scope}"') :].split("subgraph cluster_")[0]
        assert f"<B>{scope}.W</B>" in block and f"<B>{scope}.b</B>" in block and "<B>matmul</B>" in block
    collapsed = tg.draw_graph(J, collapse="layers.0").source
    assert collapsed.count("shape=box3d") == 1 and "<B>layers.0.W</B>" not in collapsed
    assert "layers.0.W (5, 4)" in collapsed


# --------------------------------------------------------------------------- what a model's picture shows
def planar_cost_drawing(**options: object) -> viz.GraphDrawing:
    """The course's planar model (2 -> 4 tanh -> 1) on 8 samples, drawn by draw_cost."""
    X = np.random.RandomState(0).randn(2, 8)
    Y = (np.arange(8) % 2)[None, :].astype(float)
    model = tg.nn.MLP([2, 4, 1], hidden="tanh", init="course-small", seed=2)
    return tg.draw_cost(model, X, Y, **options)


def _cluster_block(source: str, scope: str) -> str:
    """The DOT text of one cluster (up to the next cluster or the edges)."""
    start = source.index(f'label="{scope}"')
    rest = source[start:]
    end = min(i for i in (rest.find("subgraph cluster_"), rest.find(" -> ")) if i >= 0)
    return rest[:end]


def test_model_graph_has_course_names_and_parameters_in_their_layers() -> None:
    source = planar_cost_drawing(grad_heat=True, rules=True).source
    names = re.findall(r"<B>([^<]*)</B>", source)
    for name in ("X", "Y", "W1", "b1", "W1 @ X", "Z1", "A1", "W2 @ A1", "Z2", "A2", "L", "J"):
        assert name in names, name
    assert not [n for n in names if re.fullmatch(r"(t|input|param)\d+", n)], names  # no numbered names
    layer1, layer2 = _cluster_block(source, "layer1"), _cluster_block(source, "layer2")
    for name in ("W1", "b1", "Z1", "A1"):
        assert f"<B>{name}</B>" in layer1 and f"<B>{name}</B>" not in layer2
    for name in ("W2", "b2", "Z2", "A2"):
        assert f"<B>{name}</B>" in layer2 and f"<B>{name}</B>" not in layer1
    assert "<B>X</B>" not in layer1  # the data is not a layer's parameter


def test_module_outputs_are_named_by_their_path() -> None:
    net = tg.nn.Sequential(tg.nn.Linear(3, 2, "relu", seed=0), tg.nn.Linear(2, 1, seed=1))
    source = tg.draw_cost(net, np.ones((3, 4)), np.zeros((1, 4)), loss=tg.functional.mse_loss).source
    names = re.findall(r"<B>([^<]*)</B>", source)
    assert "layers.0" in names and "layers.1" in names and "layers.0.W" in names
    layer = _cluster_block(source, "layers.0")
    assert "<B>layers.0.W</B>" in layer and "<B>layers.0</B>" in layer


def test_machine_epsilon_guard_is_not_shown_but_a_chosen_eps_is() -> None:
    a = tg.Tensor([[0.3, 0.9]], requires_grad=True, name="a")
    source = tg.draw_graph(tg.binary_cross_entropy(a, [[0.0, 1.0]]), rules=True).source
    assert "binary_cross_entropy" in source and "eps=" not in source
    scaled = Op("scaled", lambda x, eps: x * eps, (lambda g, out, x, eps: g * eps,), rule="dx = g * eps")
    assert "eps=0.5" in tg.draw_graph(apply(scaled, a, eps=0.5).sum()).source


def test_seed_gradient_is_neutral_and_off_the_heat_scale(dot: None) -> None:
    pic = Picture(planar_cost_drawing(grad_heat=True))
    j = pic.node_by_name("J")
    assert pic.fill(j) == viz.SEED_FILL
    fills = {name: pic.fill(pic.node_by_name(name)) for name in ("A2", "Z1", "W1")}
    # the hottest colour is the largest gradient below the seed (dA2), not the loss itself
    assert fills["A2"] == viz.HEAT_STOPS[-1]
    assert fills["W1"] != viz.HEAT_STOPS[-1]
    assert "seed grad 1" in pic.label("legend")
    into_j = next(e for e in pic.edges if e.endswith("->" + j))
    assert pic.edge_groups[into_j].find(f"{SVG}path").get("stroke") == viz.SEED_EDGE


def test_default_layout_reads_at_readme_column_width(dot: None) -> None:
    """Top to bottom, one column: narrow enough for a README column at full size, legend below the loss."""
    for units in ([2, 4, 1], [12, 20, 7, 5, 1]):
        X = np.random.RandomState(0).rand(units[0], 8)
        model = tg.nn.MLP(units, hidden="relu", init="course-deep", seed=1)
        pic = Picture(tg.draw_cost(model, X, (np.arange(8) % 2)[None, :].astype(float), grad_heat=True, rules=True))
        width, height = (float(pic.root.get(k).removesuffix("pt")) for k in ("width", "height"))
        assert width <= 640, (units, width)  # about 850 px: GitHub's README column, text at full size
        assert height > width
        legend_y, j_y = (
            float(next(pic.nodes[k].iter(f"{SVG}text")).get("y")) for k in ("legend", pic.node_by_name("J"))
        )
        assert legend_y > j_y  # SVG y grows downwards: the legend is below the loss, not beside the inputs
