"""The explorer page's data and the backward-walk hook it reads (the page in a browser: test_explorer_browser.py)."""

from __future__ import annotations

import json
import re
import shutil

import numpy as np
import pytest
from conftest import IN_CI
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_ng as tg
from tinygrad_ng.autograd import topological_order, trace_backward
from tinygrad_ng.cli import main

HAVE_DOT = shutil.which("dot") is not None


@pytest.fixture
def dot() -> None:
    """The page needs Graphviz's `dot`: skipped without it, except in CI where it must exist."""
    if not HAVE_DOT:
        if IN_CI:
            pytest.fail("Graphviz's `dot` is not installed, and CI must lay out the explorer")
        pytest.skip("Graphviz's `dot` is not installed")


def two_layer(m: int = 5, seed: int = 0) -> dict[str, tg.Tensor]:
    """The course's two-layer model on random data, every tensor named as in the course."""
    rng = np.random.RandomState(seed)
    t = {
        "X": tg.Tensor(rng.randn(4, m), name="X"),
        "W1": tg.Tensor(rng.randn(3, 4), requires_grad=True, name="W1"),
        "b1": tg.Tensor(rng.randn(3, 1), requires_grad=True, name="b1"),
        "W2": tg.Tensor(rng.randn(1, 3), requires_grad=True, name="W2"),
        "b2": tg.Tensor(rng.randn(1, 1), requires_grad=True, name="b2"),
    }
    with tg.name_scope("layer1"):
        t["Z1"] = t["W1"] @ t["X"] + t["b1"]
        t["A1"] = t["Z1"].relu()
    with tg.name_scope("layer2"):
        t["Z2"] = t["W2"] @ t["A1"] + t["b2"]
        t["A2"] = t["Z2"].sigmoid()
    t["J"] = tg.binary_cross_entropy(t["A2"], (np.arange(m) % 2).reshape(1, m).astype(float))
    for name in ("Z1", "A1", "Z2", "A2", "J"):
        t[name].name = name
    return t


def page_data(page: tg.Explorer) -> dict:
    blob = re.search(r'<script type="application/json" id="data">(.*?)</script>', page.html, re.S).group(1)
    return json.loads(blob.replace("<\\/", "</"))


# --------------------------------------------------------------------------- the hook
def test_trace_backward_follows_the_walk_and_its_contributions_sum_to_the_gradients() -> None:
    t = two_layer()
    calls: list[tuple[tg.Tensor, int, np.ndarray]] = []
    with trace_backward(lambda node, g, i, gp: calls.append((node, i, np.array(gp)))):
        t["J"].backward(retain_graph=True)
    # Nodes in reverse topological order, each once, inputs in order within a node.
    visited = []
    for node, _, _ in calls:
        if not visited or visited[-1] is not node:
            visited.append(node)
    assert visited == [n.out() for n in reversed(topological_order([t["J"]._node]))]
    for leaf in ("W1", "b1", "W2", "b2"):
        sent = sum(gp for node, i, gp in calls if node.parents[i] is t[leaf])
        np.testing.assert_allclose(sent, t[leaf].grad, rtol=1e-12)


@given(st.integers(1, 4), st.integers(1, 4))
def test_trace_backward_shows_each_use_of_a_fan_out(n: int, uses: int) -> None:
    a = tg.Tensor(np.arange(1.0, n + 1), requires_grad=True, name="a")
    total = a
    for _ in range(uses - 1):
        total = total + a
    seen: list[np.ndarray] = []
    with trace_backward(lambda node, g, i, gp: seen.append(gp) if node.parents[i] is a else None):
        (total * a).sum().backward()
    assert len(seen) == uses + 1  # one contribution per use, not one merged gradient
    np.testing.assert_allclose(np.sum(seen, axis=0), a.grad)
    np.testing.assert_allclose(a.grad, 2 * uses * a.data)  # d(uses a²)/da


def test_trace_backward_is_off_outside_its_block_even_after_an_error() -> None:
    calls = []
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError), trace_backward(lambda *args: calls.append(args)):
        raise RuntimeError("stop")
    (x * x).sum().backward()
    assert calls == []


# --------------------------------------------------------------------------- the page
@pytest.mark.usefixtures("dot")
def test_page_is_self_contained_and_records_the_engine_numbers() -> None:
    t = two_layer()
    page = tg.explore(t["J"])
    html = page.html
    assert html.startswith("<!DOCTYPE html>")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # nothing fetched
    assert "<link" not in html and "@import" not in html
    data = page_data(page)
    names = [n["name"] for n in data["nodes"]]
    # Every gradient is the engine's: compare with tg.grad on the same graph.
    wanted = [t[k] for k in ("W1", "b1", "Z1", "A1", "W2", "b2", "Z2", "A2")]
    for tensor, g in zip(wanted, tg.grad(t["J"], wanted, retain_graph=True)):
        rec = data["nodes"][names.index(tensor.name)]["grad"]
        if g.size <= 8:
            np.testing.assert_allclose(rec["values"], g.data.ravel(), rtol=1e-4)
        else:
            np.testing.assert_allclose([rec["min"], rec["max"]], [g.data.min(), g.data.max()], rtol=1e-4)
    # The steps: one per op, in the walk's order, J's op first.
    walk = [n.out() for n in reversed(topological_order([t["J"]._node]))]
    steps = [data["nodes"][s["node"]] for s in data["steps"]]
    assert [n["op"] for n in steps] == [o.op for o in walk]
    # Unnamed results are named by what made them, as in the SVG drawing.
    assert [n["name"] for n in steps] == ["J", "A2", "Z2", "W2 @ A1", "A1", "Z1", "W1 @ X"]
    drawing = tg.draw_graph(t["J"]).source
    assert all(f"<B>{name}</B>" in drawing for name in ("W2 @ A1", "W1 @ X"))
    assert len(steps) == page.n_steps == 7
    assert t["W1"].grad is None  # explore leaves .grad alone


@pytest.mark.usefixtures("dot")
def test_fan_out_contributions_and_their_running_sum() -> None:
    a = tg.Tensor([1.0, -2.0], requires_grad=True, name="a")
    data = page_data(tg.explore((a + a).sum()))
    add = data["steps"][1]
    assert [s["input"] for s in add["sends"]] == [0, 1]
    assert add["sends"][0]["g"]["values"] == [1.0, 1.0] and "total" not in add["sends"][0]
    assert add["sends"][1]["total"]["values"] == [2.0, 2.0]
    assert data["nodes"][0]["grad"]["values"] == [2.0, 2.0]


@pytest.mark.usefixtures("dot")
def test_four_layer_cat_model_page_is_well_under_a_megabyte() -> None:
    model = tg.nn.MLP([12288, 20, 7, 5, 1], init="course-deep", seed=1)
    X = np.random.RandomState(0).rand(12288, 209)
    Y = (np.arange(209) % 2).reshape(1, 209).astype(float)
    page = tg.explore(tg.binary_cross_entropy(model(X), Y))
    size = len(page.html.encode())
    assert size < 250_000, size  # summaries and small histograms, never whole arrays
    assert page.n_steps == 4 * 3 + 1  # matmul, add, activation per layer, then the loss (its mean inside)
    data = page_data(page)
    W1 = next(n for n in data["nodes"] if n["name"] == "W1")
    assert W1["grad"]["shape"] == [20, 12288] and len(W1["grad"]["hist"]) == 12 and "values" not in W1["grad"]


@pytest.mark.usefixtures("dot")
def test_large_graph_splits_into_views_each_node_in_one() -> None:
    W = tg.Tensor.randn(2, 2, seed=0, requires_grad=True, name="W")
    h = tg.Tensor.ones(2, 1, name="h0")
    for step in range(12):
        with tg.name_scope(f"step{step}"):
            h = (W @ h).tanh()
    page = tg.explore(h.sum(), layout_limit=20)
    data = page_data(page)
    assert page.n_views == 13  # the overview and one view per step
    root = data["views"][0]
    assert len(root["boxes"]) == 12 and sorted(root["boxes"].values()) == list(range(1, 13))
    homes = [n["view"] for n in data["nodes"]]
    for k, v in enumerate(data["views"]):
        assert sorted(v["members"]) == [i for i, h in enumerate(homes) if h == k]
    assert all(v["parent"] == 0 for v in data["views"][1:])


@pytest.mark.usefixtures("dot")
def test_large_views_start_collapsed() -> None:
    t = two_layer()
    data = page_data(tg.explore(t["J"], start_collapsed=5))
    assert len(data["views"][0]["collapsed"]) == 2  # layer1 and layer2
    data = page_data(tg.explore(t["J"]))
    assert data["views"][0]["collapsed"] == []


@pytest.mark.usefixtures("dot")
def test_output_with_many_elements_records_values_but_no_backward_pass() -> None:
    x = tg.Tensor([1.0, 2.0, 3.0], requires_grad=True, name="x")
    page = tg.explore((x * 2).exp())
    data = page_data(page)
    assert page.n_steps == 0 and data["steps"] == []
    assert all("grad" not in n for n in data["nodes"])
    assert data["nodes"][0]["value"]["values"] == [1.0, 2.0, 3.0]


@pytest.mark.usefixtures("dot")
def test_custom_op_shows_its_own_rule() -> None:
    cube = tg.custom_op("cube_explorer", lambda x: x**3, lambda g, out, x: g * 3 * x**2, rule="dx = g * 3 x**2")
    x = tg.Tensor([2.0], requires_grad=True, name="x")
    data = page_data(tg.explore(cube(x).sum()))
    node = next(n for n in data["nodes"] if n.get("op") == "cube_explorer")
    assert node["rule"] == "dx = g * 3 x**2"


@pytest.mark.usefixtures("dot")
def test_a_module_of_time_steps_starts_with_each_step_folded() -> None:
    x = tg.Tensor.ones(2, 1, name="x")
    W = tg.Tensor.randn(2, 2, seed=0, requires_grad=True, name="W")
    with tg.name_scope("rnn"):
        for step in range(4):
            with tg.name_scope(f"t{step}"):
                x = (W @ x).tanh()
    y = x.sum()
    with tg.name_scope("head"):
        y = y * 2.0
    data = page_data(tg.explore(y, start_collapsed=5))
    clusters = data["views"][0]["clusters"]
    folded = sorted(clusters[c]["label"] for c in data["views"][0]["collapsed"])
    assert folded == ["head"] + [f"rnn.t{k}" for k in range(4)]  # rnn itself is larger: open, its steps folded


def test_released_graph_is_refused() -> None:
    t = two_layer()
    t["J"].backward()
    with pytest.raises(tg.GraphError, match="released by backward"):
        tg.explore(t["J"])


@pytest.mark.usefixtures("dot")
def test_draw_graph_saves_html_as_the_explorer(tmp_path) -> None:
    t = two_layer()
    drawing = tg.draw_graph(t["J"])
    path = drawing.save(tmp_path / "graph.html")
    assert 'id="data"' in path.read_text() and "<svg" in path.read_text()
    frame = drawing._repr_html_()
    assert frame.startswith("<iframe srcdoc=") and "&lt;svg" in frame


@pytest.mark.usefixtures("dot")
def test_cli_graph_writes_an_explorer_page(tmp_path, capsys) -> None:
    assert main(["graph", "--model", "shallow", "--out", str(tmp_path), "--format", "html"]) == 0
    out = tmp_path / "graph.html"
    text = out.read_text()
    assert "backward step" in text and 'id="data"' in text
    assert str(out) in capsys.readouterr().out


def test_cli_graph_out_names_the_page_file(tmp_path, monkeypatch, capsys) -> None:
    """`tinygrad-ng graph --model shallow --out graph.html` writes that one file, format by suffix."""
    monkeypatch.chdir(tmp_path)
    assert main(["graph", "--model", "shallow", "--out", "graph.html"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.html"]  # nothing else, no staging folder
    assert "backward step" in (tmp_path / "graph.html").read_text()
    assert main(["graph", "--model", "shallow", "--out", "pics/g.dot"]) == 0
    assert (tmp_path / "pics" / "g.dot").read_text().startswith("digraph")
