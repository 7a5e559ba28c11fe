"""Explorer pages: how big they are, how long they take to build, and how long a browser takes to open them.

    python benchmarks/explorer.py [--steps 1820] [--chromium /usr/bin/chromium] [--out DIR]

Pages: the course's planar model (8 samples), the four-layer cat model (209 samples: the course's
images when found, else random stand-ins of the same shape), an LSTM unrolled over 10 steps, and
a recurrence of about 20,000 nodes (``--steps`` time steps of ``h = tanh(W h + U x_t + b)``, each
in its own scope).
The load time is from navigation until the page's script has drawn the first view, in headless
Chromium; then the time of one backward step. Without Chromium or Playwright only sizes and build
times are printed.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import tinygrad_ng as tg
from tinygrad_ng.cli import RECIPES
from tinygrad_ng.data import catvnoncat_dir, load_catvnoncat, load_planar


def planar() -> tg.Tensor:
    X, Y = load_planar()
    model = RECIPES["shallow"].build()
    return tg.binary_cross_entropy(model(X[:, :8]), Y[:, :8])


def four_layer_cat() -> tg.Tensor:
    if catvnoncat_dir() is not None:
        d = load_catvnoncat()
        X, Y = d.train_x, d.train_y
    else:
        X = np.random.RandomState(0).rand(12288, 209)
        Y = (np.arange(209) % 2).reshape(1, 209).astype(float)
    return tg.binary_cross_entropy(RECIPES["deep"].build()(X), Y)


def unrolled_lstm() -> tg.Tensor:
    """The specialization's LSTM (3 inputs, 4 units) over 10 time steps, 2 samples, a linear head."""
    lstm, head = tg.nn.LSTM(3, 4, seed=0), tg.nn.Linear(4, 1, seed=1)
    _, (a_last, _) = lstm(np.ones((3, 2, 10)))
    return head(a_last).sum()


def recurrence(steps: int) -> tg.Tensor:
    W = tg.Tensor.randn(3, 3, seed=0, requires_grad=True, name="W")
    U = tg.Tensor.randn(3, 2, seed=1, requires_grad=True, name="U")
    b = tg.Tensor.zeros(3, 1, requires_grad=True, name="b")
    h = tg.Tensor.zeros(3, 1, name="h0")
    for t in range(steps):
        with tg.name_scope(f"step{t}"):
            x = tg.Tensor.randn(2, 1, seed=t, name=f"x{t}")
            h = (W @ h + U @ x + b).tanh()
    return h.sum()


def open_in_browser(path: Path, chromium: str) -> tuple[float, float]:
    """Seconds until the page is ready, and for one backward step."""
    from playwright.sync_api import sync_playwright

    flags = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as p:
        context = p.chromium.launch_persistent_context(profile, executable_path=chromium, headless=True, args=flags)
        page = context.new_page()
        start = time.perf_counter()
        page.goto(path.as_uri(), timeout=300_000)
        page.wait_for_selector("body[data-ready=true]", timeout=300_000)
        ready = time.perf_counter() - start
        start = time.perf_counter()
        page.click("#next")
        page.wait_for_selector("#panel .formula")
        step = time.perf_counter() - start
        context.close()
    return ready, step


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1820, help="time steps of the large graph (default: %(default)s)")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    parser.add_argument("--out", type=Path, default=Path(tempfile.mkdtemp()), help="where to write the pages")
    args = parser.parse_args(argv)
    browser = Path(args.chromium).exists()
    try:
        import playwright  # noqa: F401
    except ImportError:
        browser = False
    print("| graph | nodes | views | page (kB) | build (s) | browser ready (s) | one step (s) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, make in (
        ("planar model", planar),
        ("four-layer cat model", four_layer_cat),
        ("LSTM unrolled over 10 steps", unrolled_lstm),
        (f"recurrence, {args.steps} steps", lambda: recurrence(args.steps)),
    ):
        root = make()
        start = time.perf_counter()
        page = tg.explore(root)
        build = time.perf_counter() - start
        path = page.save(args.out / (name.split(",")[0].replace(" ", "_").lower() + ".html"))
        ready, step = open_in_browser(path, args.chromium) if browser else (float("nan"), float("nan"))
        size = path.stat().st_size / 1000
        print(f"| {name} | {page.n_nodes:,} | {page.n_views} | {size:,.0f} | {build:.1f} | {ready:.1f} | {step:.2f} |")


if __name__ == "__main__":
    main()
