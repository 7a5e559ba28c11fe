"""Convolution and pooling: primitives (forward + VJPs) and the functions built on them.

Two layouts, chosen by ``layout``:

- ``"NCHW"`` (PyTorch's): ``x (N, C, H, W)``, weights ``(C_out, C_in / groups, kH, kW)``, bias
  ``(C_out,)``;
- ``"NHWC"`` (course 4's): ``x (m, n_H, n_W, n_C)``, weights ``(f, f, n_C_prev / groups, n_C)``,
  bias ``(1, 1, 1, n_C)`` (or ``(n_C,)``).

Everything is vectorised: a strided sliding-window view of the padded input is copied once into
columns (im2col) and multiplied with the weights by BLAS; the backward passes add the columns
back with one vectorised add per kernel offset (never a loop over pixels). Internally the
windows are channels-last, so the course's layout needs no transposes.

Three primitives close convolution under differentiation: ``conv2d(x, w)``, its adjoint in
``x``, ``conv2d_input_grad(g, w)`` (the transposed convolution), and its adjoint in ``w``,
``conv2d_weight_grad(x, g)``. Each one's VJPs are the other two, so second derivatives (and
``conv_transpose2d``'s gradients) come for free. Pooling works the same way with
``window_sum2d`` (a weighted sum over each window: average pooling) and its adjoint
``window_sum2d_transpose``; ``max_pool2d``'s VJP is the adjoint with the arg-max as weights.

>>> import numpy as np
>>> from tinygrad_ng import Tensor
>>> x = Tensor(np.ones((1, 1, 3, 3)), requires_grad=True)
>>> w = Tensor(np.ones((1, 1, 2, 2)), requires_grad=True)
>>> y = conv2d(x, w)
>>> y.data[0, 0]
array([[4., 4.],
       [4., 4.]])
>>> y.sum().backward()
>>> x.grad[0, 0]
array([[1., 2., 1.],
       [2., 4., 2.],
       [1., 2., 1.]])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from . import _xp
from .errors import ArgumentError, ShapeError
from .functional import as_tensor
from .ops import Domain, defop
from .tensor import ArrayLike, Tensor, constant

__all__ = [
    "conv2d",
    "conv1d",
    "conv_transpose2d",
    "max_pool2d",
    "avg_pool2d",
    "adaptive_avg_pool2d",
    "zero_pad",
]

Layout = Literal["NCHW", "NHWC"]
Pair = tuple[int, int]
Pads = tuple[int, int, int, int]  # (top, bottom, left, right)
Padding = int | Sequence[int] | str


# --------------------------------------------------------------------------- layout helpers
def _nhwc(x: np.ndarray, layout: str) -> np.ndarray:
    return x if layout == "NHWC" else x.transpose(0, 2, 3, 1)


def _from_nhwc(y: np.ndarray, layout: str) -> np.ndarray:
    return y if layout == "NHWC" else y.transpose(0, 3, 1, 2)


def _hwio(w: np.ndarray, layout: str) -> np.ndarray:
    """Weights as ``(kH, kW, C_in / groups, C_out)``, the course's order."""
    return w if layout == "NHWC" else w.transpose(2, 3, 1, 0)


def _from_hwio(w: np.ndarray, layout: str) -> np.ndarray:
    return w if layout == "NHWC" else w.transpose(3, 2, 0, 1)


def _nhwc_shape(shape: tuple[int, ...], layout: str) -> tuple[int, int, int, int]:
    n, a, b, c = shape
    return (n, a, b, c) if layout == "NHWC" else (n, b, c, a)


def _pad(x: np.ndarray, pads: Pads, value: float = 0.0) -> np.ndarray:
    """Pad the H and W axes of an NHWC array (no copy when there is nothing to pad)."""
    if not any(pads):
        return x
    top, bottom, left, right = pads
    n, h, w, c = x.shape
    out = np.full((n, h + top + bottom, w + left + right, c), value, dtype=x.dtype)  # faster than np.pad
    out[:, top : top + h, left : left + w, :] = x
    return out


def _out_size(n: int, k: int, s: int, d: int, before: int, after: int) -> int:
    return (n + before + after - d * (k - 1) - 1) // s + 1


def _windows(xp: np.ndarray, kernel: Pair, stride: Pair, dilation: Pair, out_hw: Pair) -> np.ndarray:
    """The read-only view ``(N, H_out, W_out, kH, kW, C)`` of every window of a padded NHWC array."""
    n, _, _, c = xp.shape
    sn, sh, sw, sc = xp.strides
    shape = (n, *out_hw, *kernel, c)
    strides = (sn, sh * stride[0], sw * stride[1], sh * dilation[0], sw * dilation[1], sc)
    return np.lib.stride_tricks.as_strided(xp, shape, strides, writeable=False)


def _add_windows(dxp: np.ndarray, dwin: Any, kernel: Pair, stride: Pair, dilation: Pair, out_hw: Pair) -> None:
    """``dxp[window] += dwin[..., u, v, :]`` for every kernel offset ``(u, v)``: the adjoint of ``_windows``."""
    ho, wo = out_hw
    if stride == kernel and dilation == (1, 1):  # windows tile the input: one strided add, no overlap
        n, _, _, _, _, c = dwin.shape
        tiles = dwin.transpose(0, 1, 3, 2, 4, 5).reshape(n, ho * kernel[0], wo * kernel[1], c)
        dxp[:, : ho * kernel[0], : wo * kernel[1], :] += tiles
        return
    for u in range(kernel[0]):
        rows = slice(u * dilation[0], u * dilation[0] + stride[0] * (ho - 1) + 1, stride[0])
        for v in range(kernel[1]):
            cols = slice(v * dilation[1], v * dilation[1] + stride[1] * (wo - 1) + 1, stride[1])
            dxp[:, rows, cols, :] += dwin[:, :, :, u, v, :]


def _crop(dxp: np.ndarray, pads: Pads, hw: Pair) -> np.ndarray:
    return dxp[:, pads[0] : pads[0] + hw[0], pads[2] : pads[2] + hw[1], :]


# The convolutions and pools read their windows through a strided view of the padded input
# (np.lib.stride_tricks.as_strided), which the array API standard does not have.
_WINDOWS = "its windows are a strided view, which the array API standard lacks"


def _two_way(op: Any, *args: Any, **attrs: Any) -> Any:
    """Run ``op`` on arrays (plain backward) or record it on tensors (``create_graph=True``)."""
    if any(isinstance(a, Tensor) for a in args):
        return op(*[a if isinstance(a, Tensor) else constant(_xp.as_array(a)) for a in args], **attrs)
    return op.forward(*args, **attrs)


# --------------------------------------------------------------------------- convolution
def _check_conv(x_shape: tuple[int, ...], w_hwio: tuple[int, ...], groups: int, name: str) -> None:
    _n, _h, _w, c = x_shape
    _kh, _kw, cg, o = w_hwio
    if cg * groups != c:
        raise ShapeError(
            f"{name}: the input has {c} channels, the weights expect {cg * groups} "
            f"({cg} per group x {groups} groups) (input {x_shape} as NHWC, weights {w_hwio} as (kH, kW, C_in, C_out))"
        )
    if o % groups:
        raise ShapeError(f"{name}: {o} output channels do not split into {groups} groups")


def _conv_forward(
    x: np.ndarray, w: np.ndarray, *, stride: Pair, padding: Pads, dilation: Pair, groups: int, layout: str
) -> np.ndarray:
    xh, wh = _nhwc(x, layout), _hwio(w, layout)
    _check_conv(xh.shape, wh.shape, groups, "conv2d")
    n, h, wd, c = xh.shape
    kh, kw, cg, o = wh.shape
    ho = _out_size(h, kh, stride[0], dilation[0], padding[0], padding[1])
    wo = _out_size(wd, kw, stride[1], dilation[1], padding[2], padding[3])
    if ho < 1 or wo < 1:
        raise ShapeError(
            f"conv2d: the kernel ({kh}, {kw}) with dilation {dilation} is larger than the padded input "
            f"({h + padding[0] + padding[1]}, {wd + padding[2] + padding[3]}) (input {x.shape}, weights {w.shape})"
        )
    win = _windows(_pad(xh, padding), (kh, kw), stride, dilation, (ho, wo))
    if groups == 1:
        out = win.reshape(n * ho * wo, kh * kw * c) @ wh.reshape(kh * kw * c, o)
        return _from_nhwc(out.reshape(n, ho, wo, o), layout)
    win = win.reshape(n, ho, wo, kh, kw, groups, cg)
    out = np.einsum("nhwuvgc,uvcgo->nhwgo", win, wh.reshape(kh, kw, cg, groups, o // groups), optimize=True)
    return _from_nhwc(out.reshape(n, ho, wo, o), layout)


def _conv_input_grad(
    g: np.ndarray,
    w: np.ndarray,
    *,
    input_shape: tuple[int, ...],
    stride: Pair,
    padding: Pads,
    dilation: Pair,
    groups: int,
    layout: str,
) -> np.ndarray:
    gh, wh = _nhwc(g, layout), _hwio(w, layout)
    n, ho, wo, o = gh.shape
    kh, kw, cg, _ = wh.shape
    _, h, wd, c = _nhwc_shape(input_shape, layout)
    if groups == 1:
        dwin = (gh.reshape(n * ho * wo, o) @ wh.reshape(kh * kw * c, o).T).reshape(n, ho, wo, kh, kw, c)
    else:
        gg = gh.reshape(n, ho, wo, groups, o // groups)
        dwin = np.einsum("nhwgo,uvcgo->nhwuvgc", gg, wh.reshape(kh, kw, cg, groups, o // groups), optimize=True)
        dwin = dwin.reshape(n, ho, wo, kh, kw, c)
    dxp = np.zeros((n, h + padding[0] + padding[1], wd + padding[2] + padding[3], c), dtype=np.result_type(g, w))
    _add_windows(dxp, dwin, (kh, kw), stride, dilation, (ho, wo))
    return _from_nhwc(_crop(dxp, padding, (h, wd)), layout)


def _conv_weight_grad(
    x: np.ndarray,
    g: np.ndarray,
    *,
    weight_shape: tuple[int, ...],
    stride: Pair,
    padding: Pads,
    dilation: Pair,
    groups: int,
    layout: str,
) -> np.ndarray:
    xh, gh = _nhwc(x, layout), _nhwc(g, layout)
    n, ho, wo, o = gh.shape
    c = xh.shape[3]
    kh, kw, cg, _ = weight_shape if layout == "NHWC" else (weight_shape[2], weight_shape[3], weight_shape[1], 0)
    win = _windows(_pad(xh, padding), (kh, kw), stride, dilation, (ho, wo))
    if groups == 1:
        dw = (win.reshape(n * ho * wo, kh * kw * c).T @ gh.reshape(n * ho * wo, o)).reshape(kh, kw, c, o)
    else:
        win = win.reshape(n, ho, wo, kh, kw, groups, cg)
        gg = gh.reshape(n, ho, wo, groups, o // groups)
        dw = np.einsum("nhwuvgc,nhwgo->uvcgo", win, gg, optimize=True).reshape(kh, kw, cg, o)
    return _from_hwio(dw, layout)


CONV2D = defop(
    "conv2d",
    _xp.numpy_only(_conv_forward, _WINDOWS),
    (
        # dx: the transposed convolution of g with w
        lambda g, out, x, w, **a: _two_way(CONV2D_INPUT_GRAD, g, w, input_shape=tuple(x.shape), **a),
        # dw: the correlation of x with g
        lambda g, out, x, w, **a: _two_way(CONV2D_WEIGHT_GRAD, x, g, weight_shape=tuple(w.shape), **a),
    ),
    rule="dx = conv_transpose(g, w);  dw = correlate(x, g)",
    domain=Domain("conv2d"),  # tests/conv_cases.py draws its geometries
)
CONV2D_INPUT_GRAD = defop(
    "conv2d_input_grad",
    _xp.numpy_only(_conv_input_grad, _WINDOWS),
    (
        lambda h, out, g, w, input_shape, **a: _two_way(CONV2D, h, w, **a),
        lambda h, out, g, w, input_shape, **a: _two_way(CONV2D_WEIGHT_GRAD, h, g, weight_shape=tuple(w.shape), **a),
    ),
    rule="dg = conv2d(h, w);  dw = correlate(h, g)",
    domain=Domain("conv2d_input_grad"),  # tests/conv_cases.py draws its geometries
)
CONV2D_WEIGHT_GRAD = defop(
    "conv2d_weight_grad",
    _xp.numpy_only(_conv_weight_grad, _WINDOWS),
    (
        lambda h, out, x, g, weight_shape, **a: _two_way(CONV2D_INPUT_GRAD, g, h, input_shape=tuple(x.shape), **a),
        lambda h, out, x, g, weight_shape, **a: _two_way(CONV2D, x, h, **a),
    ),
    rule="dx = conv_transpose(g, h);  dg = conv2d(x, h)",
    domain=Domain("conv2d_weight_grad"),  # tests/conv_cases.py draws its geometries
)


# --------------------------------------------------------------------------- pooling
def _pool_out_hw(hw: Pair, kernel: Pair, stride: Pair, padding: Pads, dilation: Pair) -> Pair:
    ho = _out_size(hw[0], kernel[0], stride[0], dilation[0], padding[0], padding[1])
    wo = _out_size(hw[1], kernel[1], stride[1], dilation[1], padding[2], padding[3])
    return ho, wo


def _window_sum(
    x: np.ndarray, *, weights: np.ndarray, kernel: Pair, stride: Pair, padding: Pads, dilation: Pair, layout: str
) -> np.ndarray:
    xh = _nhwc(x, layout)
    out_hw = _pool_out_hw(xh.shape[1:3], kernel, stride, padding, dilation)
    win = _windows(_pad(xh, padding), kernel, stride, dilation, out_hw)
    return _from_nhwc(np.einsum("nhwuvc,nhwuvc->nhwc", win, np.broadcast_to(weights, win.shape)), layout)


def _window_sum_transpose(
    g: np.ndarray,
    *,
    weights: np.ndarray,
    input_shape: tuple[int, ...],
    kernel: Pair,
    stride: Pair,
    padding: Pads,
    dilation: Pair,
    layout: str,
) -> np.ndarray:
    gh = _nhwc(g, layout)
    n, h, w, c = _nhwc_shape(input_shape, layout)
    dxp = np.zeros((n, h + padding[0] + padding[1], w + padding[2] + padding[3], c), dtype=g.dtype)
    dwin = gh[:, :, :, None, None, :] * weights
    _add_windows(dxp, dwin, kernel, stride, dilation, gh.shape[1:3])
    return _from_nhwc(_crop(dxp, padding, (h, w)), layout)


def _max_pool(x: np.ndarray, *, kernel: Pair, stride: Pair, padding: Pads, dilation: Pair, layout: str) -> np.ndarray:
    xh = _nhwc(x, layout)
    out_hw = _pool_out_hw(xh.shape[1:3], kernel, stride, padding, dilation)
    win = _windows(_pad(xh, padding, -np.inf), kernel, stride, dilation, out_hw)
    return _from_nhwc(win.max(axis=(3, 4)), layout)


def _argmax_share(
    x: np.ndarray, out: np.ndarray, kernel: Pair, stride: Pair, padding: Pads, dilation: Pair, layout: str
) -> np.ndarray:
    """Per window, 1 at the maximum and 0 elsewhere; tied maxima share the 1 equally."""
    xh, oh = _nhwc(x, layout), _nhwc(out, layout)
    win = _windows(_pad(xh, padding, -np.inf), kernel, stride, dilation, oh.shape[1:3])
    winners = win == oh[:, :, :, None, None, :]
    counts = winners.sum(axis=(3, 4), keepdims=True)
    share = winners.astype(x.dtype)
    return share if (counts == 1).all() else share / counts


WINDOW_SUM2D = defop(
    "window_sum2d",
    _xp.numpy_only(_window_sum, _WINDOWS),
    (lambda g, out, x, **a: _two_way(WINDOW_SUM2D_TRANSPOSE, g, input_shape=tuple(x.shape), **a),),
    rule="dx[window] += weights * g  (average pooling: weights = 1 / window size)",
    domain=Domain("window_sum2d"),  # tests/conv_cases.py draws its geometries
)
WINDOW_SUM2D_TRANSPOSE = defop(
    "window_sum2d_transpose",
    _xp.numpy_only(_window_sum_transpose, _WINDOWS),
    (lambda h, out, g, input_shape, **a: _two_way(WINDOW_SUM2D, h, **a),),
    rule="dg = sum over each window of weights * h",
    domain=Domain("window_sum2d_transpose"),  # tests/conv_cases.py draws its geometries
)
MAX_POOL2D = defop(
    "max_pool2d",
    _xp.numpy_only(_max_pool, _WINDOWS),
    (
        lambda g, out, x, **a: _two_way(
            WINDOW_SUM2D_TRANSPOSE,
            g,
            weights=_argmax_share(_arr(x), _arr(out), **a),
            input_shape=tuple(x.shape),
            **a,
        ),
    ),
    rule="dx[window] += g at the window's maximum (tied maxima share g equally)",
    domain=Domain("max_pool2d"),  # tests/conv_cases.py draws its geometries
)


def _zero_pad_forward(x: np.ndarray, *, padding: Pads, layout: str) -> np.ndarray:
    return _from_nhwc(_pad(_nhwc(x, layout), padding), layout)


def _unpad_index(shape: tuple[int, ...], padding: Pads, layout: str) -> tuple[slice, ...]:
    top, bottom, left, right = padding
    hs, ws = (
        slice(top, shape[-3 if layout == "NHWC" else -2] - bottom),
        slice(left, shape[-2 if layout == "NHWC" else -1] - right),
    )
    return (slice(None), hs, ws, slice(None)) if layout == "NHWC" else (slice(None), slice(None), hs, ws)


ZERO_PAD2D = defop(
    "zero_pad2d",
    _xp.numpy_only(_zero_pad_forward, _WINDOWS),
    (lambda g, out, x, padding, layout: g[_unpad_index(tuple(g.shape), padding, layout)],),
    rule="dx = g without the padded border",
    domain=Domain("zero_pad2d"),  # tests/conv_cases.py draws its geometries
)


def _arr(x: Any) -> np.ndarray:
    return x._data if isinstance(x, Tensor) else x


# --------------------------------------------------------------------------- argument checks
def _layout(layout: Any, name: str) -> str:
    if layout not in ("NCHW", "NHWC"):
        raise ArgumentError(f"{name}: layout must be 'NCHW' (PyTorch) or 'NHWC' (the course's), got {layout!r}")
    return str(layout)


def _pair(value: Any, what: str, name: str, low: int) -> Pair:
    items = (value, value) if isinstance(value, (int, np.integer)) and not isinstance(value, bool) else value
    try:
        pair = tuple(int(v) for v in items)
        ok = len(pair) == 2 and all(p == v and not isinstance(v, bool) for p, v in zip(pair, items))
    except (TypeError, ValueError):
        ok = False
    if not ok or min(pair) < low:
        raise ArgumentError(f"{name}: {what} must be an int >= {low} or a pair of them, got {value!r}")
    return pair  # type: ignore[return-value]


def _pads(padding: Padding, kernel: Pair, stride: Pair, dilation: Pair, name: str) -> Pads:
    """``(top, bottom, left, right)`` from an int, a pair, four ints, ``"valid"`` or ``"same"``."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0, 0, 0)
        if padding == "same":
            if stride != (1, 1):
                raise ArgumentError(f"{name}: padding='same' needs stride 1, got stride {stride}")
            th, tw = dilation[0] * (kernel[0] - 1), dilation[1] * (kernel[1] - 1)
            return (th // 2, th - th // 2, tw // 2, tw - tw // 2)
        raise ArgumentError(f"{name}: padding must be an int, a pair, four ints, 'same' or 'valid', got {padding!r}")
    if isinstance(padding, (int, np.integer)) or (isinstance(padding, Sequence) and len(padding) == 2):
        ph, pw = _pair(padding, "padding", name, 0)
        return (ph, ph, pw, pw)
    if isinstance(padding, Sequence) and len(padding) == 4:
        pads = tuple(_pair(padding[i : i + 2], "padding", name, 0) for i in (0, 2))
        return (*pads[0], *pads[1])  # type: ignore[return-value]
    raise ArgumentError(f"{name}: padding must be an int, a pair, four ints, 'same' or 'valid', got {padding!r}")


def _check_4d(t: Tensor, what: str, name: str, layout: str) -> None:
    if t.ndim != 4:
        axes = "(N, C, H, W)" if layout == "NCHW" else "(m, n_H, n_W, n_C)"
        raise ShapeError(f"{name}: {what} must be 4-D {axes} for layout {layout!r}, got shape {t.shape}")


def _add_bias(out: Tensor, b: ArrayLike | None, layout: str, name: str) -> Tensor:
    if b is None:
        return out
    bt = as_tensor(b)
    c = out.shape[1] if layout == "NCHW" else out.shape[3]
    if bt.size != c:
        raise ShapeError(f"{name}: the bias has {bt.size} entries for {c} output channels (bias shape {bt.shape})")
    return out + (bt.reshape((1, c, 1, 1)) if layout == "NCHW" else bt.reshape((1, 1, 1, c)))


# --------------------------------------------------------------------------- public functions
def conv2d(
    x: ArrayLike,
    w: ArrayLike,
    b: ArrayLike | None = None,
    stride: int | Sequence[int] = 1,
    padding: Padding = 0,
    dilation: int | Sequence[int] = 1,
    groups: int = 1,
    layout: Layout = "NCHW",
) -> Tensor:
    """2-D convolution (a cross-correlation: the kernel is not flipped), plus an optional bias.

    ``layout="NCHW"``: ``x (N, C, H, W)``, ``w (C_out, C / groups, kH, kW)``, ``b (C_out,)``.
    ``layout="NHWC"`` (course 4): ``x (m, n_H, n_W, n_C_prev)``, ``w (f, f, n_C_prev / groups, n_C)``,
    ``b (1, 1, 1, n_C)``. ``padding`` is an int, ``(pH, pW)``, ``(top, bottom, left, right)``,
    ``"valid"`` (none) or ``"same"`` (output as large as the input; stride 1). The output has
    ``⌊(H + pads − dilation·(kH − 1) − 1) / stride⌋ + 1`` rows; rows the stride never reaches are
    ignored, as in the course.

    Args:
        x: the input.
        w: the filters.
        b: the bias, one per output channel, or None.
        stride: an int or ``(sH, sW)``, at least 1.
        padding: zeros added around the input.
        dilation: spacing between kernel taps, an int or a pair, at least 1.
        groups: input and output channels split into this many independent groups.
        layout: ``"NCHW"`` or ``"NHWC"``.

    >>> np.random.seed(1)
    >>> A_prev = np.random.randn(2, 5, 7, 4); W = np.random.randn(3, 3, 4, 8); b = np.random.randn(1, 1, 1, 8)
    >>> Z = conv2d(A_prev, W, b, stride=2, padding=1, layout="NHWC")  # the course's conv_forward test
    >>> Z.shape, round(float(Z.data.mean()), 12)
    ((2, 3, 4, 8), 0.551127647457)
    """
    name = "conv2d"
    layout = _layout(layout, name)  # type: ignore[assignment]
    xt, wt = as_tensor(x), as_tensor(w)
    _check_4d(xt, "the input", name, layout)
    _check_4d(wt, "the weights", name, layout)
    if not isinstance(groups, (int, np.integer)) or isinstance(groups, bool) or groups < 1:
        raise ArgumentError(f"{name}: groups must be an int >= 1, got {groups!r}")
    s, d = _pair(stride, "stride", name, 1), _pair(dilation, "dilation", name, 1)
    kernel = (wt.shape[2], wt.shape[3]) if layout == "NCHW" else (wt.shape[0], wt.shape[1])
    pads = _pads(padding, kernel, s, d, name)
    out = CONV2D(xt, wt, stride=s, padding=pads, dilation=d, groups=int(groups), layout=layout)
    return _add_bias(out, b, layout, name)


def conv1d(
    x: ArrayLike,
    w: ArrayLike,
    b: ArrayLike | None = None,
    stride: int = 1,
    padding: int | Sequence[int] | str = 0,
    dilation: int = 1,
    groups: int = 1,
    layout: Literal["NCL", "NLC"] = "NCL",
) -> Tensor:
    """1-D convolution over the last axis (``"NCL"``: ``x (N, C, L)``, ``w (C_out, C / groups, k)``)
    or the middle one (``"NLC"``: ``x (N, L, C)``, ``w (k, C / groups, C_out)``).

    A ``conv2d`` over a height-1 image, so it shares its gradients. ``padding`` is an int, a pair
    ``(left, right)``, ``"same"`` or ``"valid"``.

    Args:
        x: the input.
        w: the filters.
        b: the bias, one per output channel, or None.
        stride: at least 1.
        padding: zeros added at both ends.
        dilation: spacing between kernel taps, at least 1.
        groups: independent channel groups.
        layout: ``"NCL"`` or ``"NLC"``.

    >>> conv1d(np.array([[[1.0, 2.0, 3.0, 4.0]]]), np.array([[[1.0, -1.0]]])).data
    array([[[-1., -1., -1.]]])
    """
    name = "conv1d"
    if layout not in ("NCL", "NLC"):
        raise ArgumentError(f"{name}: layout must be 'NCL' or 'NLC', got {layout!r}")
    xt, wt = as_tensor(x), as_tensor(w)
    for t, what in ((xt, "the input"), (wt, "the weights")):
        if t.ndim != 3:
            raise ShapeError(f"{name}: {what} must be 3-D for layout {layout!r}, got shape {t.shape}")
    if isinstance(padding, str):
        pad2: Padding = padding
    else:
        left, right = (padding, padding) if isinstance(padding, (int, np.integer)) else tuple(padding)
        pad2 = (0, 0, left, right)
    if layout == "NCL":
        x4, w4 = xt.reshape((*xt.shape[:2], 1, xt.shape[2])), wt.reshape((*wt.shape[:2], 1, wt.shape[2]))
        out = conv2d(x4, w4, b, (1, stride), pad2, (1, dilation), groups, "NCHW")
        return out.reshape((out.shape[0], out.shape[1], out.shape[3]))
    x4, w4 = xt.reshape((xt.shape[0], 1, *xt.shape[1:])), wt.reshape((1, *wt.shape))
    out = conv2d(x4, w4, b, (1, stride), pad2, (1, dilation), groups, "NHWC")
    return out.reshape((out.shape[0], out.shape[2], out.shape[3]))


def conv_transpose2d(
    x: ArrayLike,
    w: ArrayLike,
    b: ArrayLike | None = None,
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    output_padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
    groups: int = 1,
    layout: Layout = "NCHW",
) -> Tensor:
    """The transposed convolution: the gradient of ``conv2d`` with respect to its input, as a layer.

    ``layout="NCHW"``: ``x (N, C_in, H, W)``, ``w (C_in, C_out / groups, kH, kW)`` (PyTorch's order),
    output ``(N, C_out, (H − 1)·s − pads + dilation·(kH − 1) + output_padding + 1, ...)``. With
    ``layout="NHWC"`` the weights are ``(kH, kW, C_out / groups, C_in)``: the weights of the
    convolution it transposes.

    Args:
        x: the input.
        w: the filters.
        b: the bias, one per output channel, or None.
        stride: the stride of the convolution it transposes.
        padding: the padding of the convolution it transposes (an int, a pair or four ints).
        output_padding: extra rows/columns at the bottom/right (less than the stride).
        dilation: spacing between kernel taps.
        groups: independent channel groups.
        layout: ``"NCHW"`` or ``"NHWC"``.

    >>> conv_transpose2d(np.ones((1, 1, 2, 2)), np.ones((1, 1, 2, 2)), stride=2).data[0, 0]
    array([[1., 1., 1., 1.],
           [1., 1., 1., 1.],
           [1., 1., 1., 1.],
           [1., 1., 1., 1.]])
    """
    name = "conv_transpose2d"
    layout = _layout(layout, name)  # type: ignore[assignment]
    xt, wt = as_tensor(x), as_tensor(w)
    _check_4d(xt, "the input", name, layout)
    _check_4d(wt, "the weights", name, layout)
    s, d = _pair(stride, "stride", name, 1), _pair(dilation, "dilation", name, 1)
    op_h, op_w = _pair(output_padding, "output_padding", name, 0)
    if (op_h >= s[0] and op_h >= d[0]) or (op_w >= s[1] and op_w >= d[1]):
        raise ArgumentError(
            f"{name}: output_padding {(op_h, op_w)} must be smaller than the stride {s} or dilation {d}"
        )
    kernel = (wt.shape[2], wt.shape[3]) if layout == "NCHW" else (wt.shape[0], wt.shape[1])
    pads = _pads(padding, kernel, s, d, name)
    n, h, wd, c = _nhwc_shape(xt.shape, layout)
    c_w = wt.shape[0] if layout == "NCHW" else wt.shape[3]
    if c_w != c:
        raise ShapeError(
            f"{name}: the input has {c} channels, the weights expect {c_w} (input {xt.shape}, weights {wt.shape})"
        )
    c_out = (wt.shape[1] if layout == "NCHW" else wt.shape[2]) * groups
    ho = (h - 1) * s[0] - pads[0] - pads[1] + d[0] * (kernel[0] - 1) + op_h + 1
    wo = (wd - 1) * s[1] - pads[2] - pads[3] + d[1] * (kernel[1] - 1) + op_w + 1
    if ho < 1 or wo < 1:
        raise ShapeError(f"{name}: the padding {pads} leaves an empty output (input {xt.shape}, weights {wt.shape})")
    out_shape = (n, c_out, ho, wo) if layout == "NCHW" else (n, ho, wo, c_out)
    out = CONV2D_INPUT_GRAD(
        xt, wt, input_shape=out_shape, stride=s, padding=pads, dilation=d, groups=int(groups), layout=layout
    )
    return _add_bias(out, b, layout, name)


def _pool_args(
    x: Tensor, kernel_size: Any, stride: Any, padding: Any, dilation: Any, layout: Any, name: str
) -> dict[str, Any]:
    layout = _layout(layout, name)
    _check_4d(x, "the input", name, layout)
    k = _pair(kernel_size, "kernel_size", name, 1)
    s = k if stride is None else _pair(stride, "stride", name, 1)
    d = _pair(dilation, "dilation", name, 1)
    ph, pw = _pair(padding, "padding", name, 0)
    if ph > k[0] // 2 or pw > k[1] // 2:
        raise ArgumentError(f"{name}: padding {(ph, pw)} must be at most half the kernel {k}")
    pads = (ph, ph, pw, pw)
    hw = _nhwc_shape(x.shape, layout)[1:3]
    if min(_pool_out_hw(hw, k, s, pads, d)) < 1:  # type: ignore[arg-type]
        raise ShapeError(
            f"{name}: the window {k} with dilation {d} is larger than the padded input "
            f"({hw[0] + 2 * ph}, {hw[1] + 2 * pw}) (input {x.shape}, layout {layout!r})"
        )
    return {"kernel": k, "stride": s, "padding": pads, "dilation": d, "layout": layout}


def _has_empty_window(hw: tuple[int, ...], kernel: Pair, stride: Pair, padding: Pads, dilation: Pair) -> bool:
    """Whether some window holds only padding (with dilation, padding up to half the kernel can do that)."""
    ones = _pad(np.ones((1, *hw, 1)), padding)
    win = _windows(ones, kernel, stride, dilation, _pool_out_hw(hw, kernel, stride, padding, dilation))  # type: ignore[arg-type]
    return bool((win.sum(axis=(3, 4)) == 0).any())


def max_pool2d(
    x: ArrayLike,
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] | None = None,
    padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
    layout: Layout = "NCHW",
) -> Tensor:
    """Max pooling over ``kernel_size`` windows, per channel (padding counts as ``-inf``).

    ``stride`` defaults to the kernel size (PyTorch's default; the course passes it). The gradient
    goes to each window's maximum; **tied maxima share it equally** (as ``Tensor.max`` does),
    whereas the course's ``create_mask_from_window`` gives the full gradient to every tied entry.
    With real-valued data ties do not occur and both agree.

    Args:
        x: the input, ``(N, C, H, W)`` or ``(m, n_H, n_W, n_C)``.
        kernel_size: the window, an int or a pair.
        stride: the step between windows (default: the window).
        padding: at most half the window, on each side.
        dilation: spacing between window taps.
        layout: ``"NCHW"`` or ``"NHWC"``.

    >>> max_pool2d(np.arange(16.0).reshape(1, 1, 4, 4), 2).data
    array([[[[ 5.,  7.],
             [13., 15.]]]])
    """
    xt = as_tensor(x)
    attrs = _pool_args(xt, kernel_size, stride, padding, dilation, layout, "max_pool2d")
    hw = _nhwc_shape(xt.shape, attrs["layout"])[1:3]
    if _has_empty_window(hw, attrs["kernel"], attrs["stride"], attrs["padding"], attrs["dilation"]):
        raise ArgumentError(
            f"max_pool2d: with padding {attrs['padding'][::2]} and dilation {attrs['dilation']} some windows of the "
            f"input {xt.shape} hold only padding (their maximum would be -inf)"
        )
    return MAX_POOL2D(xt, **attrs)


def avg_pool2d(
    x: ArrayLike,
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] | None = None,
    padding: int | Sequence[int] = 0,
    count_include_pad: bool = True,
    layout: Layout = "NCHW",
) -> Tensor:
    """Average pooling: each window's mean, per channel (the course's ``mode="average"``).

    Padding adds zeros; with ``count_include_pad=False`` they are left out of each mean.

    Args:
        x: the input, ``(N, C, H, W)`` or ``(m, n_H, n_W, n_C)``.
        kernel_size: the window, an int or a pair.
        stride: the step between windows (default: the window).
        padding: at most half the window, on each side.
        count_include_pad: whether padded zeros count in the mean.
        layout: ``"NCHW"`` or ``"NHWC"``.

    >>> avg_pool2d(np.arange(16.0).reshape(1, 1, 4, 4), 2).data
    array([[[[ 2.5,  4.5],
             [10.5, 12.5]]]])
    """
    xt = as_tensor(x)
    attrs = _pool_args(xt, kernel_size, stride, padding, 1, layout, "avg_pool2d")
    k = attrs["kernel"]
    dtype = xt.dtype if xt.dtype.kind == "f" else np.dtype(np.float64)
    if count_include_pad or not any(attrs["padding"]):
        weights = np.full((*k, 1), 1 / (k[0] * k[1]), dtype=dtype)
    else:
        hw = _nhwc_shape(xt.shape, attrs["layout"])[1:3]
        ones = _pad(np.ones((1, *hw, 1), dtype), attrs["padding"])
        out_hw = _pool_out_hw(hw, k, attrs["stride"], attrs["padding"], attrs["dilation"])
        win = _windows(ones, k, attrs["stride"], attrs["dilation"], out_hw)
        weights = win / win.sum(axis=(3, 4), keepdims=True)
    return WINDOW_SUM2D(xt, weights=weights, **attrs)


def _adaptive_matrix(n: int, out: int, dtype: np.dtype) -> np.ndarray:
    """``(out, n)``: row i averages the inputs ``⌊i·n/out⌋ … ⌈(i+1)·n/out⌉ − 1``."""
    m = np.zeros((out, n), dtype)
    for i in range(out):
        start, end = (i * n) // out, -((-(i + 1) * n) // out)
        m[i, start:end] = 1 / (end - start)
    return m


def adaptive_avg_pool2d(x: ArrayLike, output_size: int | Sequence[int], layout: Layout = "NCHW") -> Tensor:
    """Average pooling to a fixed output size: window ``i`` covers rows ``⌊i·H/h⌋ … ⌈(i+1)·H/h⌉ − 1``.

    Two matrix products with constant averaging matrices, so its gradients are the matmul's.

    Args:
        x: the input, ``(N, C, H, W)`` or ``(m, n_H, n_W, n_C)``.
        output_size: ``h`` or ``(h, w)``.
        layout: ``"NCHW"`` or ``"NHWC"``.

    >>> adaptive_avg_pool2d(np.arange(16.0).reshape(1, 1, 4, 4), 1).data
    array([[[[7.5]]]])
    """
    name = "adaptive_avg_pool2d"
    layout = _layout(layout, name)  # type: ignore[assignment]
    xt = as_tensor(x)
    _check_4d(xt, "the input", name, layout)
    oh, ow = _pair(output_size, "output_size", name, 1)
    if layout == "NHWC":
        xt = xt.transpose((0, 3, 1, 2))
    dtype = xt.dtype if xt.dtype.kind == "f" else np.dtype(np.float64)
    rows, cols = _adaptive_matrix(xt.shape[2], oh, dtype), _adaptive_matrix(xt.shape[3], ow, dtype)
    out = constant(rows) @ (xt @ constant(np.ascontiguousarray(cols.T)))
    return out.transpose((0, 2, 3, 1)) if layout == "NHWC" else out


def zero_pad(x: ArrayLike, pad: int | Sequence[int], layout: Layout = "NHWC") -> Tensor:
    """Pad the height and width axes with zeros: the course's ``zero_pad(X, pad)``.

    ``pad`` is an int (that many on every side), ``(pH, pW)`` or ``(top, bottom, left, right)``.
    ``layout`` defaults to the course's ``(m, n_H, n_W, n_C)``.

    Args:
        x: the input.
        pad: the zeros to add.
        layout: ``"NHWC"`` or ``"NCHW"``.

    >>> zero_pad(np.ones((4, 3, 3, 2)), 3).shape
    (4, 9, 9, 2)
    """
    name = "zero_pad"
    layout = _layout(layout, name)  # type: ignore[assignment]
    xt = as_tensor(x)
    _check_4d(xt, "the input", name, layout)
    return ZERO_PAD2D(xt, padding=_pads(pad, (1, 1), (1, 1), (1, 1), name), layout=layout)
