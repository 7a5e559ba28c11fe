"""The explorer page as a person uses it, in a real headless Chromium (Debian's ``chromium``).

Playwright drives the system browser (nothing is downloaded). Without a browser or Playwright
these tests skip, except in CI (``CI=true``), where ``.ci/run`` installs both and they must run.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import IN_CI
from test_explorer import two_layer

import tinygrad_ng as tg
from tinygrad_ng.autograd import trace_backward

CHROMIUM = os.environ.get("TINYGRAD_NG_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM}"
    if shutil.which("dot") is None:
        return "Graphviz's `dot` is not installed"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install 'tinygrad-ng[browser]')"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium, with a fresh profile, for the module."""
    missing = _missing()
    if missing:
        if IN_CI:
            pytest.fail(f"{missing}; CI must run the browser tests")
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as profile, sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=FLAGS, viewport={"width": 1400, "height": 800}
        )
        yield context
        context.close()


class Page:
    """A page opened from a file, recording console errors and uncaught exceptions."""

    def __init__(self, context: Any, path: Path) -> None:
        self.errors: list[str] = []
        self.page = context.new_page()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(path.as_uri())
        self.page.wait_for_selector("body[data-ready=true]", timeout=60_000)


def open_page(browser: Any, tmp_path: Path, root: tg.Tensor, **kwargs: Any) -> tuple[Page, tg.Explorer]:
    page = tg.explore(root, **kwargs)
    path = page.save(tmp_path / "graph.html")
    return Page(browser, path), page


def test_page_opens_and_draws_every_node(browser: Any, tmp_path: Path) -> None:
    t = two_layer()
    page, explorer = open_page(browser, tmp_path, t["J"])
    assert page.page.locator("#graph g.node").count() == explorer.n_nodes == 20  # 13 tensors, 7 ops
    assert page.page.locator("#graph g.cluster").count() == 2  # layer1, layer2
    page.page.click("#graph g.node:has-text('W2')")
    assert page.page.inner_text("#panel h2") == "W2"
    assert "(1, 3)" in page.page.inner_text("#panel .meta") and "float64" in page.page.inner_text("#panel .meta")
    assert page.page.locator("#panel svg.hist").count() == 0  # three values are listed, not binned
    page.page.click("#graph g.node:has-text('relu')")
    assert page.page.inner_text("#panel .rule") == tg.REGISTRY["relu"].rule
    assert page.errors == []


def test_collapsing_a_cluster_hides_its_nodes(browser: Any, tmp_path: Path) -> None:
    t = two_layer()
    page, _ = open_page(browser, tmp_path, t["J"])
    visible = page.page.locator("#graph g.node:visible")
    before = visible.count()
    page.page.click("#graph g.cluster:has-text('layer1') > text")
    # What stays visible with each label: layer2's matmul and its output W2 @ A1 (text has "A1").
    stays = {"Z1": 0, "A1": 1, "W1 @ X": 0, "matmul": 1, "relu": 0}
    assert page.page.locator("#graph g.fold").count() == 1
    for label, count in stays.items():
        assert page.page.locator(f"#graph g.node:visible:has-text('{label}')").count() == count, label
    hidden_now = before - visible.count()
    assert hidden_now >= 6  # matmul, W1 @ X, add, Z1, relu, A1 (and the leaves used only there: b1, X, W1)
    page.page.click("#graph g.fold")
    assert visible.count() == before and page.page.locator("#graph g.fold").count() == 0
    assert page.errors == []


def engine_steps(root: tg.Tensor) -> list[tuple[tg.Tensor, list[tuple[tg.Tensor, np.ndarray]]]]:
    """The engine's own backward walk: each node and the gradients it sends, in order."""
    steps: list[tuple[tg.Tensor, list[tuple[tg.Tensor, np.ndarray]]]] = []

    def hook(node: tg.Tensor, g: Any, i: int, gp: Any) -> None:
        if not steps or steps[-1][0] is not node:
            steps.append((node, []))
        steps[-1][1].append((node.parents[i], np.array(gp)))

    with trace_backward(hook):
        tg.grad(root, [t for t in _all(root) if t.requires_grad], retain_graph=True, allow_unused=True)
    return steps


def _all(root: tg.Tensor) -> list[tg.Tensor]:
    out, stack, seen = [], [root], set()
    while stack:
        t = stack.pop()
        if id(t) not in seen:
            seen.add(id(t))
            out.append(t)
            stack.extend(t.parents)
    return out


def test_stepper_walks_the_engine_order_and_shows_its_gradients(browser: Any, tmp_path: Path) -> None:
    t = two_layer(m=3)
    expected = engine_steps(t["J"])
    page, explorer = open_page(browser, tmp_path, t["J"])
    assert explorer.n_steps == len(expected) == 7
    assert page.page.get_attribute("#slider", "max") == "7"
    for k, (node, sends) in enumerate(expected, start=1):
        page.page.click("#next")
        assert page.page.inner_text("#stepinfo") == f"backward step {k} / 7"
        assert page.page.inner_text("#panel .formula .op") == node.op
        if node.name:
            assert page.page.inner_text("#panel .formula .out") == node.name
        # The op whose VJP runs is highlighted, and nothing else is.
        assert page.page.locator("#graph .vjp").count() == 1
        assert page.page.locator("#graph .vjp").text_content().strip() == node.op
        shown = page.page.locator("#panel .send")
        assert shown.count() == len(sends)
        for n, (parent, gp) in enumerate(sends):
            line = shown.nth(n)
            if parent.name:
                assert line.locator("b").first.inner_text() == "d" + parent.name
            values = [float(x) for x in NUMBER.findall(line.locator(".num").first.inner_text())]
            if gp.size <= 8:
                np.testing.assert_allclose(values, gp.ravel(), rtol=2e-3, atol=1e-12)
            else:  # mean, min, max, norm
                want = [gp.mean(), gp.min(), gp.max(), np.linalg.norm(gp)]
                np.testing.assert_allclose(values, want, rtol=2e-3, atol=1e-12)
    page.page.click("#next")  # past the end: stays on the last step
    assert page.page.inner_text("#stepinfo") == "backward step 7 / 7"
    page.page.click("#prev")
    assert page.page.inner_text("#stepinfo") == "backward step 6 / 7"
    assert page.errors == []


def test_fan_out_shows_both_contributions_and_their_sum(browser: Any, tmp_path: Path) -> None:
    a = tg.Tensor([1.5, -2.0], requires_grad=True, name="a")
    page, _ = open_page(browser, tmp_path, ((a + a) * a).sum())
    steps = [page.page.click("#next") or page.page.inner_text("#panel") for _ in range(3)]
    mul, add = steps[1], steps[2]
    assert "da = [" in mul  # the first use of a
    assert "da += [" in add and "da so far (contribution 2)" in add and "da so far (contribution 3)" in add
    totals = page.page.locator("#panel .send .total .num").all_inner_texts()
    assert totals == ["[4.5, -6]", "[6, -8]"]  # 2a from mul, then a and a from add: 4a in all
    assert page.errors == []


def test_search_and_heat_map(browser: Any, tmp_path: Path) -> None:
    t = two_layer()
    page, _ = open_page(browser, tmp_path, t["J"], start_collapsed=5)
    assert page.page.locator("#graph g.fold").count() == 2  # more nodes than start_collapsed: clusters folded
    assert page.page.locator("#graph g.node:visible:has-text('A1')").count() == 0
    page.page.fill("#search", "a1")
    page.page.press("#search", "Enter")
    assert page.page.inner_text("#panel h2") == "A1"  # found, and its cluster opened to show it
    assert page.page.locator("#graph g.fold").count() == 1
    page.page.click("#heat")
    fills = page.page.eval_on_selector_all("#graph g.node[id^=t] > polygon", "es => es.map(e => e.style.fill)")
    assert len(set(fills)) > 3  # coloured by gradient size
    page.page.click("#heat")
    fills = page.page.eval_on_selector_all("#graph g.node[id^=t] > polygon", "es => es.map(e => e.style.fill)")
    assert set(fills) == {""}
    assert page.errors == []


def test_large_graph_opens_scope_views(browser: Any, tmp_path: Path) -> None:
    W = tg.Tensor.randn(2, 2, seed=0, requires_grad=True, name="W")
    h = tg.Tensor.ones(2, 1, name="h0")
    for step in range(30):
        with tg.name_scope(f"step{step}"):
            h = (W @ h).tanh()
    h.name = "h30"
    page, explorer = open_page(browser, tmp_path, h.sum(), layout_limit=20)
    assert explorer.n_views == 31
    assert page.page.locator("#graph g.node[id^=b]").count() == 30
    page.page.click("#graph g.node:has-text('step7')")
    assert page.page.inner_text("#crumbs") == "graph › step7"
    assert page.page.locator("#graph g.node[id^=o]").count() == 2  # matmul, tanh
    page.page.click("#next")  # the stepper follows the walk into the view that holds the op
    assert "sum" in page.page.inner_text("#panel .formula")
    page.page.eval_on_selector("#slider", "e => { e.value = '60'; e.dispatchEvent(new Event('input')); }")
    assert page.page.inner_text("#crumbs") == "graph › step0"
    assert page.errors == []
