"""Convolution and pooling: the engine's gradients equal the course's hand-derived backward passes
(tinygrad_ng.course.c4) over random shapes, strides and pads; both layouts agree; bad input is
named. (Finite differences of every primitive, first and second order, are in test_ops.py.)"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_ng as tg
from tinygrad_ng import Tensor
from tinygrad_ng.conv import adaptive_avg_pool2d, avg_pool2d, conv1d, conv2d, conv_transpose2d, max_pool2d, zero_pad
from tinygrad_ng.course import c4


def close(got: np.ndarray, expected: np.ndarray, scale: float = 1.0) -> None:
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12 * scale)


@settings(max_examples=25, deadline=None)
@given(
    m=st.integers(1, 3),
    n_H=st.integers(1, 6),
    n_W=st.integers(1, 6),
    f=st.integers(1, 3),
    stride=st.integers(1, 3),
    pad=st.integers(0, 2),
    n_C_prev=st.integers(1, 3),
    n_C=st.integers(1, 3),
    seed=st.integers(0, 2**16),
)
def test_conv2d_equals_the_course_conv_forward_and_backward(m, n_H, n_W, f, stride, pad, n_C_prev, n_C, seed) -> None:
    if f > min(n_H, n_W) + 2 * pad:
        return
    rng = np.random.RandomState(seed)
    A_prev, W, b = rng.randn(m, n_H, n_W, n_C_prev), rng.randn(f, f, n_C_prev, n_C), rng.randn(1, 1, 1, n_C)
    hp = {"stride": stride, "pad": pad}
    Z, cache = c4.conv_forward(A_prev, W, b, hp)
    dZ = rng.randn(*Z.shape)
    dA, dW, db = c4.conv_backward(dZ, cache)

    A_t, W_t, b_t = (Tensor(a, requires_grad=True) for a in (A_prev, W, b))
    Z_t = conv2d(A_t, W_t, b_t, stride=stride, padding=pad, layout="NHWC")
    (Z_t * dZ).sum().backward()
    scale = float(np.abs(Z).max() + 1)
    close(Z_t.data, Z, scale)
    close(A_t.grad, dA, scale)
    close(W_t.grad, dW, scale)
    close(b_t.grad, db, scale)


@settings(max_examples=25, deadline=None)
@given(
    n_H=st.integers(1, 6),
    n_W=st.integers(1, 6),
    f=st.integers(1, 3),
    stride=st.integers(1, 3),
    mode=st.sampled_from(["max", "average"]),
    seed=st.integers(0, 2**16),
)
def test_pooling_equals_the_course_pool_forward_and_backward(n_H, n_W, f, stride, mode, seed) -> None:
    if f > min(n_H, n_W):
        return
    rng = np.random.RandomState(seed)
    A_prev = rng.randn(2, n_H, n_W, 3)
    A, cache = c4.pool_forward(A_prev, {"f": f, "stride": stride}, mode)
    dA = rng.randn(*A.shape)
    expected = c4.pool_backward(dA, cache, mode)
    x = Tensor(A_prev, requires_grad=True)
    pool = max_pool2d if mode == "max" else avg_pool2d
    y = pool(x, f, stride, layout="NHWC")
    (y * dA).sum().backward()
    close(y.data, A, 10)
    close(x.grad, expected, 10)


def test_the_course_test_cells() -> None:
    """The 2021+ notebook's conv_forward, conv_backward and zero_pad cells, through the engine."""
    np.random.seed(1)
    A_prev, W, b = np.random.randn(2, 5, 7, 4), np.random.randn(3, 3, 4, 8), np.random.randn(1, 1, 1, 8)
    Z = conv2d(A_prev, W, b, stride=2, padding=1, layout="NHWC")
    assert Z.data.mean() == pytest.approx(0.5511276474566768, rel=1e-12)
    np.random.seed(1)
    A_prev, W, b = np.random.randn(10, 4, 4, 3), np.random.randn(2, 2, 3, 8), np.random.randn(1, 1, 1, 8)
    ts = [Tensor(a, requires_grad=True) for a in (A_prev, W, b)]
    Z = conv2d(*ts, stride=2, padding=2, layout="NHWC")
    (Z * Z.data).sum().backward()  # the forward output (a detached copy) is the upstream gradient
    for t, mean in zip(ts, (1.4524377775388075, 1.7269914583139097, 7.839232564616838)):
        assert t.grad.mean() == pytest.approx(mean, rel=1e-12)
    np.random.seed(1)
    x = np.random.randn(4, 3, 3, 2)
    x_pad = zero_pad(x, 3)
    assert x_pad.shape == (4, 9, 9, 2)
    np.testing.assert_array_equal(x_pad.data, c4.zero_pad(x, 3))


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**16), groups=st.sampled_from([1, 2]), stride=st.integers(1, 2), dil=st.integers(1, 2))
def test_the_two_layouts_agree(seed: int, groups: int, stride: int, dil: int) -> None:
    rng = np.random.RandomState(seed)
    x, w, b = rng.randn(2, 4, 6, 5), rng.randn(6, 4 // groups, 3, 2), rng.randn(6)
    args = {"stride": stride, "padding": (1, 0, 2, 1), "dilation": dil, "groups": groups}
    xs = [Tensor(x, requires_grad=True), Tensor(x.transpose(0, 2, 3, 1), requires_grad=True)]
    ws = [Tensor(w, requires_grad=True), Tensor(w.transpose(2, 3, 1, 0), requires_grad=True)]
    y1 = conv2d(xs[0], ws[0], b, layout="NCHW", **args)
    y2 = conv2d(xs[1], ws[1], b.reshape(1, 1, 1, 6), layout="NHWC", **args)
    close(y1.data.transpose(0, 2, 3, 1), y2.data, 10)
    r = rng.randn(*y1.shape)
    (y1 * r).sum().backward()
    (y2 * r.transpose(0, 2, 3, 1)).sum().backward()
    close(xs[0].grad.transpose(0, 2, 3, 1), xs[1].grad, 10)
    close(ws[0].grad.transpose(2, 3, 1, 0), ws[1].grad, 10)


def test_padding_forms() -> None:
    x, w = np.random.RandomState(0).randn(1, 2, 5, 6), np.random.RandomState(1).randn(3, 2, 3, 3)
    np.testing.assert_allclose(conv2d(x, w, padding="same").data, conv2d(x, w, padding=1).data)
    assert conv2d(x, w, padding="same", dilation=2).shape == (1, 3, 5, 6)
    assert conv2d(x, w, padding="valid").shape == (1, 3, 3, 4)
    np.testing.assert_allclose(conv2d(x, w, padding=(1, 2)).data, conv2d(x, w, padding=(1, 1, 2, 2)).data)
    padded = np.pad(x, ((0, 0), (0, 0), (2, 0), (0, 1)))
    np.testing.assert_allclose(conv2d(x, w, padding=(2, 0, 0, 1)).data, conv2d(padded, w).data)


def test_conv_transpose2d_is_the_input_gradient_of_conv2d() -> None:
    rng = np.random.RandomState(2)
    x, w = rng.randn(2, 3, 7, 6), rng.randn(4, 3, 3, 3)
    xt = Tensor(x, requires_grad=True)
    y = conv2d(xt, w, stride=2, padding=1)
    g = rng.randn(*y.shape)
    (y * g).sum().backward()
    up = conv_transpose2d(g, w, stride=2, padding=1, output_padding=(0, 1))
    assert up.shape == x.shape
    np.testing.assert_allclose(up.data, xt.grad, rtol=1e-12, atol=1e-12)


def test_conv1d_is_conv2d_over_a_row() -> None:
    rng = np.random.RandomState(3)
    x, w, b = rng.randn(2, 3, 9), rng.randn(4, 3, 3), rng.randn(4)
    y = conv1d(x, w, b, stride=2, padding=(1, 2), dilation=2)
    y2 = conv2d(x[:, :, None, :], w[:, :, None, :], b, stride=(1, 2), padding=(0, 0, 1, 2), dilation=(1, 2))
    np.testing.assert_allclose(y.data, y2.data[:, :, 0, :])
    y3 = conv1d(x.transpose(0, 2, 1), w.transpose(2, 1, 0), b, stride=2, padding=(1, 2), dilation=2, layout="NLC")
    np.testing.assert_allclose(y3.data, y.data.transpose(0, 2, 1), atol=1e-13)


def test_adaptive_avg_pool2d_windows_cover_the_input() -> None:
    x = np.arange(2 * 5 * 7, dtype=float).reshape(1, 2, 5, 7)
    y = adaptive_avg_pool2d(x, (2, 3)).data
    assert y.shape == (1, 2, 2, 3)
    assert y[0, 0, 0, 0] == pytest.approx(x[0, 0, 0:3, 0:3].mean())
    assert y[0, 1, 1, 2] == pytest.approx(x[0, 1, 2:5, 4:7].mean())
    np.testing.assert_allclose(adaptive_avg_pool2d(x, 1).data[..., 0, 0], x.mean(axis=(2, 3)))
    xt = Tensor(x.transpose(0, 2, 3, 1), requires_grad=True)
    adaptive_avg_pool2d(xt, 1, layout="NHWC").sum().backward()
    np.testing.assert_allclose(xt.grad, np.full(xt.shape, 1 / 35))


def test_max_pool_ties_share_the_gradient() -> None:
    x = Tensor(np.array([[[[1.0, 3.0], [3.0, 2.0]]]]), requires_grad=True)
    max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad[0, 0], [[0, 0.5], [0.5, 0]])


def test_avg_pool_count_include_pad() -> None:
    x = np.ones((1, 1, 2, 2))
    assert avg_pool2d(x, 2, 1, padding=1).data[0, 0, 0, 0] == 0.25
    assert avg_pool2d(x, 2, 1, padding=1, count_include_pad=False).data[0, 0, 0, 0] == 1.0


def test_float32_stays_float32() -> None:
    x, w = np.ones((1, 2, 4, 4), np.float32), np.ones((3, 2, 2, 2), np.float32)
    xt, wt = Tensor(x, requires_grad=True), Tensor(w, requires_grad=True)
    y = max_pool2d(conv2d(xt, wt, padding=1), 2)
    y = avg_pool2d(y, 1) + adaptive_avg_pool2d(y, 1)
    y.sum().backward()
    assert y.dtype == np.float32 and xt.grad.dtype == np.float32 and wt.grad.dtype == np.float32


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (
            lambda: conv2d(np.ones((1, 3, 4, 4)), np.ones((2, 2, 3, 3))),
            tg.ShapeError,
            "3 channels, the weights expect 2",
        ),
        (lambda: conv2d(np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3))), tg.ShapeError, "larger than the padded input"),
        (lambda: conv2d(np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)), stride=0), tg.ArgumentError, "stride must be"),
        (lambda: conv2d(np.ones((1, 4, 4)), np.ones((1, 1, 3, 3))), tg.ShapeError, "must be 4-D"),
        (lambda: conv2d(np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)), layout="HWCN"), tg.ArgumentError, "layout"),
        (lambda: conv2d(np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)), padding=-1), tg.ArgumentError, "padding"),
        (
            lambda: conv2d(np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)), padding="same", stride=2),
            tg.ArgumentError,
            "same",
        ),
        (lambda: conv2d(np.ones((1, 1, 4, 4)), np.ones((2, 1, 3, 3)), np.ones(3)), tg.ShapeError, "bias has 3"),
        (lambda: max_pool2d(np.ones((1, 1, 2, 2)), 3), tg.ShapeError, "larger than the padded input"),
        (lambda: max_pool2d(np.ones((1, 1, 4, 4)), 2, padding=2), tg.ArgumentError, "at most half"),
        (lambda: avg_pool2d(np.ones((1, 1, 4, 4)), 2, stride=0), tg.ArgumentError, "stride"),
    ],
)
def test_bad_input_is_named(call, error, match) -> None:
    with pytest.raises(error, match=match):
        call()
