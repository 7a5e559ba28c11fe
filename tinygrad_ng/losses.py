"""Losses beyond the course's: NLL with weights and ``ignore_index``, label smoothing, ``pos_weight``,
L1, smooth L1 / Huber, KL divergence and margin losses.

Each is a few lines composed from differentiable ops, so its gradient comes for free, and each
takes ``reduction="mean" | "sum" | "none"``. Classes lie along ``axis`` (default 0: classes are
rows and samples are columns, as in the course; PyTorch's ``(N, C)`` layout is ``axis=1``).
"""

from __future__ import annotations

import numpy as np

from ._xp import namespace
from .errors import ArgumentError, DTypeError, ShapeError
from .functional import (
    Reduction,
    _check_number,
    _check_reduction,
    _class_weights,
    _labels,
    _one_axis,
    _reduce,
    _targets,
    _weighted_mean,
    abs,
    as_tensor,
    relu,
    sum,
    where,
)
from .ops_math import logaddexp
from .ops_shape import take_along_axis
from .tensor import ArrayLike, Tensor, constant

__all__ = [
    "nll_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "kl_div", "hinge_loss",
    "margin_ranking_loss", "soft_margin_loss",
]  # fmt: skip


def nll_loss(
    log_probs: ArrayLike,
    labels: ArrayLike,
    axis: int = 0,
    weight: ArrayLike | None = None,
    ignore_index: int | None = None,
    reduction: Reduction = "mean",
) -> Tensor:
    """Negative log-likelihood ``-w[y] * log_probs[y]`` of integer ``labels`` (classes along ``axis``).

    ``weight`` gives one weight per class; samples whose label is ``ignore_index`` add nothing.
    ``"mean"`` divides by the summed weights of the kept samples (PyTorch's rule).

    >>> logp = Tensor(np.log([[0.5, 0.1], [0.5, 0.9]]))  # 2 classes x 2 samples
    >>> round(nll_loss(logp, np.array([0, 1])).item(), 6)  # -(log 0.5 + log 0.9) / 2
    0.399254
    """
    _check_reduction(reduction, "nll_loss")
    z = as_tensor(log_probs)
    if z.dtype.kind != "f" or z.ndim == 0:
        raise ShapeError(f"nll_loss: log_probs must be a floating tensor with a class axis, got {z.shape} {z.dtype}")
    ax = _one_axis(axis, z.ndim, "nll_loss")
    lab, kept = _labels(labels, z, ax, ignore_index, "nll_loss")
    w = _class_weights(weight, z.shape[ax], z.dtype, "nll_loss")[lab] * kept
    picked = take_along_axis(z, np.expand_dims(lab, ax), ax).reshape(lab.shape)
    loss = -picked * w
    if reduction == "mean":
        return _weighted_mean(loss, float(w.sum()))
    return _reduce(loss, reduction)


def _diff(pred: ArrayLike, target: ArrayLike, name: str, reduction: str) -> Tensor:
    _check_reduction(reduction, name)
    p = as_tensor(pred)
    if p.dtype.kind != "f":
        raise DTypeError(f"{name}: predictions must be floating point, got {p.dtype}")
    return p - _targets(target, p, name)


def l1_loss(pred: ArrayLike, target: ArrayLike, reduction: Reduction = "mean") -> Tensor:
    """Absolute error ``|pred - target|``; the gradient at 0 error is 0 (as PyTorch).

    >>> l1_loss(Tensor([1.0, 2.0]), [2.0, 4.0])
    Tensor(1.5, shape=(), dtype=float64)
    """
    return _reduce(abs(_diff(pred, target, "l1_loss", reduction)), reduction)


def smooth_l1_loss(pred: ArrayLike, target: ArrayLike, reduction: Reduction = "mean", beta: float = 1.0) -> Tensor:
    """``0.5 d**2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta`` (PyTorch's ``smooth_l1_loss``).

    >>> smooth_l1_loss(Tensor([0.0, 0.0]), [0.5, 3.0], reduction="none")
    Tensor([0.125, 2.5  ], shape=(2,), dtype=float64)
    """
    _check_number(beta, "smooth_l1_loss", "beta")
    if beta < 0:
        raise ArgumentError(f"smooth_l1_loss: beta must be >= 0, got {beta}")
    d = _diff(pred, target, "smooth_l1_loss", reduction)
    if beta == 0:
        return _reduce(abs(d), reduction)
    small = namespace(d._data).abs(d._data) < beta
    return _reduce(where(small, 0.5 * d * d / beta, abs(d) - 0.5 * beta), reduction)


def huber_loss(pred: ArrayLike, target: ArrayLike, reduction: Reduction = "mean", delta: float = 1.0) -> Tensor:
    """``0.5 d**2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)`` (smooth L1 with beta = delta, times delta).

    >>> huber_loss(Tensor([0.0, 0.0]), [0.5, 3.0], reduction="none", delta=2.0)
    Tensor([0.125, 4.   ], shape=(2,), dtype=float64)
    """
    _check_number(delta, "huber_loss", "delta")
    if not delta > 0:
        raise ArgumentError(f"huber_loss: delta must be positive, got {delta}")
    d = _diff(pred, target, "huber_loss", reduction)
    small = namespace(d._data).abs(d._data) < delta
    return _reduce(where(small, 0.5 * d * d, delta * (abs(d) - 0.5 * delta)), reduction)


def kl_div(log_pred: ArrayLike, target: ArrayLike, reduction: str = "mean", log_target: bool = False) -> Tensor:
    """KL divergence ``target * (log target - log_pred)`` with ``log_pred`` log-probabilities (PyTorch's ``kl_div``).

    Where ``target`` is 0 the term is 0. ``reduction="batchmean"`` divides the sum by the size
    of the first axis (the true KL divergence per sample in PyTorch's layout); ``"mean"``
    divides by the number of elements.

    >>> p = np.array([0.5, 0.5]); q = Tensor(np.log([0.25, 0.75]))
    >>> round(kl_div(q, p, reduction="sum").item(), 6)
    0.143841
    """
    if reduction not in ("mean", "sum", "none", "batchmean"):
        raise ArgumentError(f"kl_div: reduction must be 'mean', 'sum', 'none' or 'batchmean', got {reduction!r}")
    q = as_tensor(log_pred)
    if q.dtype.kind != "f":
        raise DTypeError(f"kl_div: log_pred must be floating point, got {q.dtype}")
    t = _targets(target, q, "kl_div")
    if log_target:
        loss = t.exp() * (t - q)
    else:
        td = t._data
        if td.size and td.min() < 0:
            raise ArgumentError(
                "kl_div: target probabilities cannot be negative; pass log_target=True for log-probabilities"
            )
        positive = td > 0
        log_t = constant(np.log(np.where(positive, td, 1)))
        loss = where(positive, t * (log_t - q), 0.0)
    if reduction == "batchmean":
        return sum(loss) / (q.shape[0] if q.ndim else 1)
    return _reduce(loss, reduction)


def _signs(y: ArrayLike, like: Tensor, name: str) -> Tensor:
    t = _targets(y, like, name)
    if not np.isin(t._data, (-1, 1)).all():
        raise ArgumentError(f"{name}: labels must be -1 or 1")
    return t


def hinge_loss(scores: ArrayLike, labels: ArrayLike, margin: float = 1.0, reduction: Reduction = "mean") -> Tensor:
    """The SVM hinge ``max(0, margin - y * score)`` with labels ``y`` in {-1, 1}; gradient 0 at the corner.

    >>> hinge_loss(Tensor([2.0, 0.5, -1.0]), [1, 1, 1], reduction="none")
    Tensor([0. , 0.5, 2. ], shape=(3,), dtype=float64)
    """
    _check_reduction(reduction, "hinge_loss")
    _check_number(margin, "hinge_loss", "margin")
    s = as_tensor(scores)
    return _reduce(relu(margin - _signs(labels, s, "hinge_loss") * s), reduction)


def margin_ranking_loss(
    x1: ArrayLike, x2: ArrayLike, labels: ArrayLike, margin: float = 0.0, reduction: Reduction = "mean"
) -> Tensor:
    """``max(0, -y (x1 - x2) + margin)``: ``y = 1`` asks for ``x1`` to rank above ``x2`` (PyTorch's).

    >>> margin_ranking_loss(Tensor([1.0]), Tensor([2.0]), [1], reduction="sum")
    Tensor(1., shape=(), dtype=float64)
    """
    _check_reduction(reduction, "margin_ranking_loss")
    _check_number(margin, "margin_ranking_loss", "margin")
    d = as_tensor(x1) - x2
    return _reduce(relu(margin - _signs(labels, d, "margin_ranking_loss") * d), reduction)


def soft_margin_loss(scores: ArrayLike, labels: ArrayLike, reduction: Reduction = "mean") -> Tensor:
    """``log(1 + exp(-y * score))`` with labels in {-1, 1}: the smooth hinge, stable for any score.

    >>> round(soft_margin_loss(Tensor([0.0]), [1]).item(), 6)
    0.693147
    """
    _check_reduction(reduction, "soft_margin_loss")
    s = as_tensor(scores)
    return _reduce(logaddexp(-_signs(labels, s, "soft_margin_loss") * s, 0.0), reduction)
