"""Benchmark conv2d + max pooling, forward and backward, against a lean hand-written NumPy im2col.

Run from the repository root::

    python benchmarks/conv.py            # the course-sized layers
    python benchmarks/conv.py --quick    # fewer rounds

Each row is one CONV → RELU → MAXPOOL block in the course's layout ``(m, n_H, n_W, n_C)``, run
forward and backward (gradients for the input, the filters and the bias) on the same data by:

- ``numpy``: the reference, written by hand as lean as NumPy allows: im2col through a strided
  view and one matmul, col2im with one add per kernel offset, max pooling through a strided view
  and its arg-max mask;
- ``tinygrad_ng``: ``conv2d``, ``relu`` and ``max_pool2d`` on tensors, then ``backward()``.

Their outputs and gradients are checked equal before timing. BLAS is single-threaded; each time
is the median over rounds of the process's CPU time, and the ratio is the median of the per-round
ratios (the target is within 1.5x of the reference).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tinygrad_ng import Tensor  # noqa: E402
from tinygrad_ng.conv import conv2d, max_pool2d  # noqa: E402

# (name, m, n_H, n_C_prev, f, n_C, pad, pool): course 4's "Convolution model - Application" layers
# (64x64x3 images, 4x4x8 filters with "same" padding and an 8x8 pool; then 2x2x16 and a 4x4 pool)
# and the first block of examples/cat_convnet.py.
LAYERS = [
    ("course conv1: 64x64x3, f=4, 8 filters, pool 8", 64, 64, 3, 4, 8, (1, 2, 1, 2), 8),
    ("course conv2: 8x8x8, f=2, 16 filters, pool 4", 64, 8, 8, 2, 16, (0, 1, 0, 1), 4),
    ("cat ConvNet block 1: 64x64x3, f=3, 8 filters, pool 4", 32, 64, 3, 3, 8, (1, 1, 1, 1), 4),
]


def reference(A_prev: np.ndarray, W: np.ndarray, b: np.ndarray, pads: tuple[int, ...], pool: int, dP: np.ndarray):
    """Hand-written forward and backward of CONV (stride 1) → RELU → MAXPOOL (stride = window)."""
    m, n_H, n_W, c = A_prev.shape
    f, _, _, n_C = W.shape
    top, bottom, left, right = pads
    Ap = np.pad(A_prev, ((0, 0), (top, bottom), (left, right), (0, 0)))
    Ho, Wo = Ap.shape[1] - f + 1, Ap.shape[2] - f + 1
    s = Ap.strides
    win = np.lib.stride_tricks.as_strided(Ap, (m, Ho, Wo, f, f, c), (s[0], s[1], s[2], s[1], s[2], s[3]))
    cols = win.reshape(m * Ho * Wo, f * f * c)
    Z = (cols @ W.reshape(-1, n_C)).reshape(m, Ho, Wo, n_C) + b
    A = np.maximum(Z, 0)
    Hp, Wp = Ho // pool, Wo // pool
    blocks = A[:, : Hp * pool, : Wp * pool].reshape(m, Hp, pool, Wp, pool, n_C)
    P = blocks.max(axis=(2, 4))
    # backward
    mask = blocks == P[:, :, None, :, None, :]
    dA = np.zeros_like(A)
    dA[:, : Hp * pool, : Wp * pool] = (mask * dP[:, :, None, :, None, :]).reshape(m, Hp * pool, Wp * pool, n_C)
    dZ = dA * (Z > 0)
    dZ2 = dZ.reshape(-1, n_C)
    dW = (cols.T @ dZ2).reshape(W.shape)
    db = dZ2.sum(axis=0).reshape(b.shape)
    dcols = (dZ2 @ W.reshape(-1, n_C).T).reshape(m, Ho, Wo, f, f, c)
    dAp = np.zeros_like(Ap)
    for u in range(f):
        for v in range(f):
            dAp[:, u : u + Ho, v : v + Wo] += dcols[:, :, :, u, v]
    return P, dAp[:, top : top + n_H, left : left + n_W], dW, db


def engine(A_prev: np.ndarray, W: np.ndarray, b: np.ndarray, pads: tuple[int, ...], pool: int, dP: np.ndarray):
    """The same block with tinygrad_ng's ops and backward()."""
    x, w, bias = (Tensor(a, requires_grad=True) for a in (A_prev, W, b))
    P = max_pool2d(conv2d(x, w, bias, padding=pads, layout="NHWC").relu(), pool, layout="NHWC")
    (P * dP).sum().backward()
    return P.data, x.grad, w.grad, bias.grad


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="3 rounds instead of 15")
    parser.add_argument("--batch", type=int, help="examples per layer instead of the course's (a smoke run)")
    args = parser.parse_args(argv)
    rounds = 3 if args.quick else 15
    print("| layer (m, forward + backward) | numpy im2col (ms) | tinygrad_ng (ms) | ratio |")
    print("| --- | ---: | ---: | ---: |")
    for name, m, n, c, f, n_C, pads, pool in LAYERS:
        m = args.batch or m
        rng = np.random.RandomState(0)
        A_prev, W, b = rng.randn(m, n, n, c), rng.randn(f, f, c, n_C) * 0.3, rng.randn(1, 1, 1, n_C) * 0.1
        dP = rng.randn(m, n // pool, n // pool, n_C)
        for got, expected in zip(engine(A_prev, W, b, pads, pool, dP), reference(A_prev, W, b, pads, pool, dP)):
            np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)
        times: dict[str, list[float]] = {"numpy": [], "tinygrad_ng": []}
        for r in range(rounds):
            order = [("numpy", reference), ("tinygrad_ng", engine)]
            for label, fn in order if r % 2 == 0 else order[::-1]:
                start = time.process_time()
                fn(A_prev, W, b, pads, pool, dP)
                times[label].append(time.process_time() - start)
        ratio = statistics.median(t / r for t, r in zip(times["tinygrad_ng"], times["numpy"]))
        ref, ours = (statistics.median(times[k]) * 1e3 for k in ("numpy", "tinygrad_ng"))
        print(f"| {name} ({m}) | {ref:.1f} | {ours:.1f} | {ratio:.2f}x |")


if __name__ == "__main__":
    main()
