"""Course 4 week 1, "Convolutional Neural Networks: Step by Step", with tinygrad_ng.

Each of the notebook's test cells (the 2021+ set-ups) runs through the engine: the forward
passes are ``conv2d``/``max_pool2d``/``avg_pool2d``/``zero_pad`` in the course's layout
``(m, n_H, n_W, n_C)``, and the backward passes are ``backward()`` with the test's upstream
gradient. Each printout is followed by the largest difference from the course's hand-written
loops (``tinygrad_ng.course.c4``).

    python examples/conv_step_by_step.py
"""

from __future__ import annotations

import argparse

import numpy as np
from _common import CommandParser, run

from tinygrad_ng import Tensor
from tinygrad_ng.conv import avg_pool2d, conv2d, max_pool2d, zero_pad
from tinygrad_ng.course import c4


def agree(engine: np.ndarray, course: np.ndarray) -> None:
    print(f"  (course's loops agree: max |difference| = {np.abs(np.asarray(engine) - course).max():.1e})")


def main(argv: list[str] | None = None) -> None:
    CommandParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args(argv)
    np.set_printoptions(precision=8, suppress=False)

    print("== zero_pad")
    np.random.seed(1)
    x = np.random.randn(4, 3, 3, 2)
    x_pad = zero_pad(x, 3)
    print("x.shape =", x.shape, "\nx_pad.shape =", x_pad.shape)
    print("x[1,1] =\n", x[1, 1], "\nx_pad[1,1] =\n", x_pad.data[1, 1])
    agree(x_pad.data, c4.zero_pad(x, 3))

    print("== conv_single_step")
    np.random.seed(1)
    a_slice_prev, W, b = np.random.randn(4, 4, 3), np.random.randn(4, 4, 3), np.random.randn(1, 1, 1)
    Z = conv2d(a_slice_prev[None], W[..., None], b.reshape(1, 1, 1, 1), layout="NHWC").item()
    print("Z =", Z)
    agree(Z, c4.conv_single_step(a_slice_prev, W, b))

    print("== conv_forward (pad 1, stride 2)")
    np.random.seed(1)
    A_prev, W, b = np.random.randn(2, 5, 7, 4), np.random.randn(3, 3, 4, 8), np.random.randn(1, 1, 1, 8)
    Z = conv2d(A_prev, W, b, stride=2, padding=1, layout="NHWC").data
    print("Z's mean =\n", Z.mean())
    print("Z[0,2,1] =\n", Z[0, 2, 1])
    print("cache_conv[0][1][2][3] =\n", A_prev[1][2][3])
    agree(Z, c4.conv_forward(A_prev, W, b, {"pad": 1, "stride": 2})[0])

    np.random.seed(1)
    A_prev = np.random.randn(2, 5, 5, 3)
    for stride in (1, 2):
        print(f"== pool_forward (f 3, stride {stride})")
        for mode, pool in (("max", max_pool2d), ("average", avg_pool2d)):
            A = pool(A_prev, 3, stride, layout="NHWC").data
            print(f"mode = {mode}\nA.shape = {A.shape}\nA[1, 1] =\n", A[1, 1])
            agree(A, c4.pool_forward(A_prev, {"f": 3, "stride": stride}, mode)[0])

    print("== conv_backward (pad 2, stride 2; the upstream gradient is Z itself)")
    np.random.seed(1)
    A_prev, W, b = np.random.randn(10, 4, 4, 3), np.random.randn(2, 2, 3, 8), np.random.randn(1, 1, 1, 8)
    params = [Tensor(v, requires_grad=True) for v in (A_prev, W, b)]
    Z = conv2d(*params, stride=2, padding=2, layout="NHWC")
    (Z * Z.data).sum().backward()
    dA, dW, db = (p.grad for p in params)
    print("dA_mean =", np.mean(dA), "\ndW_mean =", np.mean(dW), "\ndb_mean =", np.mean(db))
    course = c4.conv_backward(Z.data, c4.conv_forward(A_prev, W, b, {"pad": 2, "stride": 2})[1])
    agree(np.concatenate([g.ravel() for g in (dA, dW, db)]), np.concatenate([g.ravel() for g in course]))

    print("== create_mask_from_window and distribute_value")
    np.random.seed(1)
    x = np.random.randn(2, 3)
    print("x =", x, "\nmask =", c4.create_mask_from_window(x))
    print("distributed value =", c4.distribute_value(2, (2, 2)))

    print("== pool_backward (f 2, stride 1)")
    np.random.seed(1)
    A_prev = np.random.randn(5, 5, 3, 2)
    _, cache = c4.pool_forward(A_prev, {"stride": 1, "f": 2})
    dA = np.random.randn(5, 4, 2, 2)
    for mode, pool in (("max", max_pool2d), ("average", avg_pool2d)):
        x = Tensor(A_prev, requires_grad=True)
        (pool(x, 2, 1, layout="NHWC") * dA).sum().backward()
        print(f"mode = {mode}\nmean of dA = {np.mean(dA)}\ndA_prev[1,1] =\n", x.grad[1, 1])
        agree(x.grad, c4.pool_backward(dA, cache, mode))


if __name__ == "__main__":
    run(main)
