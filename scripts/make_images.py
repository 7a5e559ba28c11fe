"""Regenerate the pictures under docs/images/ from the course's two-layer cat model.

The model is the course's 12288 -> 7 ReLU -> 1 sigmoid network with its initialisation
(``np.random.seed(1)``, ``W1 = randn(7, 12288) * 0.01``, then ``W2 = randn(1, 7) * 0.01``, zero
biases) on the 209 training images. One backward pass runs with ``retain_graph=True`` and the
graph is drawn with every gradient and the heat colouring, in the default layout (one column,
top to bottom, that reads at the width of a README); then the explorer page of the same
graph is opened in headless Chromium (driven by Playwright), stepped to the middle of the
backward pass, and photographed (``explorer_two_layer.png``):

    python scripts/make_images.py [--data DIR] [--out docs/images] [--chromium PATH]

The data folder is ``--data``, else where :func:`tinygrad_ng.data.catvnoncat_dir` finds it
(``$TINYGRAD_NG_CATVNONCAT``, then ``../shared/data/catvnoncat`` relative to the repository root).
Last, ``docs/make_course_graphs.py`` redraws the three course graphs of docs/course.md.
Needs h5py and Graphviz.
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import tinygrad_ng as tg  # noqa: E402
from tinygrad_ng.data import DatasetNotFoundError, load_catvnoncat  # noqa: E402


def two_layer_loss(X: np.ndarray, Y: np.ndarray) -> tg.Tensor:
    """The course's two-layer model at initialisation, with the course's names on every tensor."""
    np.random.seed(1)
    W1 = tg.Tensor(np.random.randn(7, X.shape[0]) * 0.01, requires_grad=True, name="W1")
    b1 = tg.Tensor.zeros(7, 1, requires_grad=True, name="b1")
    W2 = tg.Tensor(np.random.randn(1, 7) * 0.01, requires_grad=True, name="W2")
    b2 = tg.Tensor.zeros(1, 1, requires_grad=True, name="b2")
    X_t, Y_t = tg.Tensor(X, name="X"), tg.Tensor(Y, name="Y")
    Z1 = W1 @ X_t + b1
    A1 = Z1.relu()
    Z2 = W2 @ A1 + b2
    A2 = Z2.sigmoid()
    J = tg.binary_cross_entropy(A2, Y_t)
    for t, name in ((Z1, "Z1"), (A1, "A1"), (Z2, "Z2"), (A2, "A2"), (J, "J"), (J.parents[0], "L")):
        t.name = name  # L: the per-sample loss that J averages
    return J


def explorer_screenshot(J: tg.Tensor, path: Path, chromium: str) -> Path:
    """The explorer page of ``J`` in headless Chromium, at the middle step of backprop, as a PNG."""
    from playwright.sync_api import sync_playwright

    explorer = tg.explore(J, title="two-layer cat model")
    flags = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        page_path = explorer.save(Path(tmp) / "two_layer.html")
        context = p.chromium.launch_persistent_context(
            Path(tmp) / "profile", executable_path=chromium, headless=True, args=flags,
            viewport={"width": 1200, "height": 560}, device_scale_factor=1,
        )  # fmt: skip
        page = context.new_page()
        page.goto(page_path.as_uri())
        page.wait_for_selector("body[data-ready=true]")
        for _ in range((explorer.n_steps + 1) // 2 + 1):  # the middle step: W2 @ A1 sends dW2 and dA1
            page.click("#next")
        box = page.locator("#graph .vjp").bounding_box()  # zoom in on the op whose VJP runs, as a reader would
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        for _ in range(3):
            page.mouse.wheel(0, -200)
        page.screenshot(path=str(path))
        context.close()
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="folder with the course's train_catvnoncat.h5 and test_catvnoncat.h5")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images", help="where to write the pictures")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium", help="the browser")
    args = parser.parse_args(argv)

    try:
        data = load_catvnoncat(args.data)  # X (12288, 209) in [0, 1], Y (1, 209)
    except DatasetNotFoundError as e:
        raise SystemExit(f"make_images: {e}") from None
    J = two_layer_loss(data.train_x, data.train_y)
    J.backward(retain_graph=True)
    drawing = tg.draw_graph(J, grad_heat=True, rules=True)
    args.out.mkdir(parents=True, exist_ok=True)
    for suffix in (".svg", ".png"):
        print(drawing.save(args.out / f"two_layer_graph{suffix}"))
    print(explorer_screenshot(J, args.out / "explorer_two_layer.png", args.chromium))
    spec = importlib.util.spec_from_file_location("make_course_graphs", ROOT / "docs" / "make_course_graphs.py")
    course_graphs = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(course_graphs)  # type: ignore[union-attr]
    course_graphs.main(args.out)


if __name__ == "__main__":
    main()
