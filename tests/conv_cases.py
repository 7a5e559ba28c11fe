"""Test domains of the convolution and pooling primitives (tinygrad_ng.conv), for tests/test_ops.py.

Each draw gives small random geometries in both layouts: batch, groups, channels, kernel,
stride, dilation and per-side padding, with input sizes for which at least one window fits.
"""

from __future__ import annotations

from typing import Any

import hypothesis.extra.numpy as hnp
import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from tinygrad_ng.conv import CONV2D, MAX_POOL2D, WINDOW_SUM2D, _has_empty_window

Drawn = tuple[list[np.ndarray], dict[str, Any]]


def _array(data: st.DataObject, shape: tuple[int, ...]) -> np.ndarray:
    return data.draw(hnp.arrays(np.float64, shape, elements=st.floats(-2, 2, allow_nan=False)))


def _ints(data: st.DataObject, lo: int, hi: int, n: int = 2) -> tuple[int, ...]:
    return tuple(data.draw(st.integers(lo, hi)) for _ in range(n))


def _geometry(data: st.DataObject, max_pad: tuple[int, int] | None = None) -> dict[str, Any]:
    """kernel, stride, dilation, padding and an input height/width where a window fits."""
    kernel, stride, dilation = _ints(data, 1, 3), _ints(data, 1, 2), _ints(data, 1, 2)
    limit = max_pad or (2, 2)
    pads = (*_ints(data, 0, limit[0]), *_ints(data, 0, limit[1]))
    hw = tuple(
        max(1, dilation[i] * (kernel[i] - 1) + 1 - pads[2 * i] - pads[2 * i + 1]) + data.draw(st.integers(0, 2))
        for i in range(2)
    )
    layout = data.draw(st.sampled_from(["NCHW", "NHWC"]))
    return {"kernel": kernel, "stride": stride, "dilation": dilation, "padding": pads, "hw": hw, "layout": layout}


def _image(n: int, hw: tuple[int, ...], c: int, layout: str) -> tuple[int, ...]:
    return (n, c, *hw) if layout == "NCHW" else (n, *hw, c)


def _conv_setup(data: st.DataObject) -> tuple[tuple[int, ...], tuple[int, ...], dict[str, Any]]:
    geo = _geometry(data)
    groups, cg, og = data.draw(st.integers(1, 2)), *_ints(data, 1, 2)
    n = 1 if groups * max(cg, og) > 2 else data.draw(st.integers(1, 2))  # small enough for finite differences
    kh, kw = geo["kernel"]
    layout = geo["layout"]
    x_shape = _image(n, geo["hw"], cg * groups, layout)
    w_shape = (og * groups, cg, kh, kw) if layout == "NCHW" else (kh, kw, cg, og * groups)
    attrs = {k: geo[k] for k in ("stride", "padding", "dilation", "layout")} | {"groups": groups}
    return x_shape, w_shape, attrs


def draw_conv2d(data: st.DataObject) -> Drawn:
    x_shape, w_shape, attrs = _conv_setup(data)
    return [_array(data, x_shape), _array(data, w_shape)], attrs


def draw_conv2d_input_grad(data: st.DataObject) -> Drawn:
    x_shape, w_shape, attrs = _conv_setup(data)
    g_shape = CONV2D.forward(np.zeros(x_shape), np.zeros(w_shape), **attrs).shape
    return [_array(data, g_shape), _array(data, w_shape)], attrs | {"input_shape": x_shape}


def draw_conv2d_weight_grad(data: st.DataObject) -> Drawn:
    x_shape, w_shape, attrs = _conv_setup(data)
    g_shape = CONV2D.forward(np.zeros(x_shape), np.zeros(w_shape), **attrs).shape
    return [_array(data, x_shape), _array(data, g_shape)], attrs | {"weight_shape": w_shape}


def _pool_setup(data: st.DataObject) -> tuple[tuple[int, ...], dict[str, Any]]:
    kernel = _ints(data, 1, 3)
    geo = _geometry(data, max_pad=(kernel[0] // 2, kernel[1] // 2))
    geo["kernel"] = kernel
    hw = tuple(
        max(geo["hw"][i], geo["dilation"][i] * (kernel[i] - 1) + 1 - geo["padding"][2 * i] - geo["padding"][2 * i + 1])
        for i in range(2)
    )
    attrs = {k: geo[k] for k in ("kernel", "stride", "padding", "dilation", "layout")}
    assume(not _has_empty_window(hw, *(attrs[k] for k in ("kernel", "stride", "padding", "dilation"))))
    x_shape = _image(data.draw(st.integers(1, 2)), hw, data.draw(st.integers(1, 2)), geo["layout"])
    return x_shape, attrs


def _weights(data: st.DataObject, x_shape: tuple[int, ...], attrs: dict[str, Any]) -> np.ndarray:
    out = MAX_POOL2D.forward(np.zeros(x_shape), **attrs)
    n, ho, wo, c = out.shape if attrs["layout"] == "NHWC" else (out.shape[0], *out.shape[2:], out.shape[1])
    return np.random.default_rng(data.draw(st.integers(0, 99))).uniform(0.2, 1.0, (n, ho, wo, *attrs["kernel"], c))


def draw_window_sum2d(data: st.DataObject) -> Drawn:
    x_shape, attrs = _pool_setup(data)
    return [_array(data, x_shape)], attrs | {"weights": _weights(data, x_shape, attrs)}


def draw_window_sum2d_transpose(data: st.DataObject) -> Drawn:
    x_shape, attrs = _pool_setup(data)
    weights = _weights(data, x_shape, attrs)
    g_shape = WINDOW_SUM2D.forward(np.zeros(x_shape), weights=weights, **attrs).shape
    return [_array(data, g_shape)], attrs | {"weights": weights, "input_shape": x_shape}


def draw_max_pool2d(data: st.DataObject) -> Drawn:
    x_shape, attrs = _pool_setup(data)
    size = int(np.prod(x_shape))
    perm = data.draw(st.permutations(range(size)))
    x = (np.array(perm, dtype=np.float64) * 0.1 - 0.05 * size).reshape(x_shape)  # distinct: no ties
    return [x], attrs


def draw_zero_pad2d(data: st.DataObject) -> Drawn:
    layout = data.draw(st.sampled_from(["NCHW", "NHWC"]))
    x_shape = _image(data.draw(st.integers(1, 2)), _ints(data, 1, 3), data.draw(st.integers(1, 2)), layout)
    return [_array(data, x_shape)], {"padding": _ints(data, 0, 2, 4), "layout": layout}


CONV_DRAWS = {
    "conv2d": draw_conv2d,
    "conv2d_input_grad": draw_conv2d_input_grad,
    "conv2d_weight_grad": draw_conv2d_weight_grad,
    "window_sum2d": draw_window_sum2d,
    "window_sum2d_transpose": draw_window_sum2d_transpose,
    "max_pool2d": draw_max_pool2d,
    "zero_pad2d": draw_zero_pad2d,
}
