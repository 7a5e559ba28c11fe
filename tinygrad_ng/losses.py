"""Losses beyond the course's: NLL with weights and ``ignore_index``, label smoothing, ``pos_weight``,
L1, smooth L1 / Huber, KL divergence and margin losses.

Each is a few lines composed from differentiable ops, so its gradient comes for free, and each
takes ``reduction="mean" | "sum" | "none"``. Classes lie along ``axis`` (default 0: classes are
rows and samples are columns, as in the course; PyTorch's ``(N, C)`` layout is ``axis=1``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import ArgumentError, DTypeError, ShapeError, TensorIndexError
from .functional import (
    Reduction,
    _check_number,
    _check_reduction,
    _one_axis,
    _reduce,
    _targets,
    abs,
    as_tensor,
    log_softmax,
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


def _class_weights(weight: ArrayLike | None, n_classes: int, dtype: np.dtype, name: str) -> np.ndarray:
    if weight is None:
        return np.ones(n_classes, dtype)
    w = weight._data if isinstance(weight, Tensor) else np.asarray(weight, dtype=dtype)
    if w.shape != (n_classes,):
        raise ShapeError(f"{name}: weight must have one entry per class, shape ({n_classes},), got {w.shape}")
    return w.astype(dtype)


def _labels(
    labels: ArrayLike, z: Tensor, ax: int, ignore_index: int | None, name: str
) -> tuple[np.ndarray, np.ndarray]:
    """Integer labels checked against the logits; returns them (ignored ones set to 0) and the kept mask."""
    lab = labels._data if isinstance(labels, Tensor) else np.asarray(labels)
    if lab.dtype.kind not in "iu":
        raise DTypeError(f"{name}: labels must be integer class indices, got dtype {lab.dtype} {lab.shape}")
    sample_shape = z.shape[:ax] + z.shape[ax + 1 :]
    if lab.shape != sample_shape:
        raise ShapeError(
            f"{name}: labels of shape {lab.shape} do not fit {z.shape} with classes on axis {ax}: "
            f"expected {sample_shape}"
        )
    kept = np.ones(lab.shape, bool) if ignore_index is None else lab != ignore_index
    n = z.shape[ax]
    if kept.any() and (lab[kept].min() < 0 or lab[kept].max() >= n):
        raise TensorIndexError(
            f"{name}: labels must be class indices in [0, {n}), got values in [{lab[kept].min()}, {lab[kept].max()}]"
        )
    return np.where(kept, lab, 0), kept


def _weighted_mean(loss: Tensor, total: float) -> Tensor:
    # A batch whose every sample is ignored has loss 0 and gradient 0 (PyTorch gives NaN).
    return sum(loss) / total if total else sum(loss) * 0.0


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


def cross_entropy_full(
    logits: ArrayLike,
    labels: ArrayLike,
    axis: int,
    reduction: Reduction,
    weight: ArrayLike | None,
    ignore_index: int | None,
    label_smoothing: float,
) -> Tensor:
    """Softmax cross-entropy with class ``weight``, ``ignore_index`` and ``label_smoothing`` (PyTorch's rules).

    With smoothing ``e`` over ``C`` classes the target is ``(1 - e) * one_hot + e / C``. For
    integer labels ``"mean"`` divides by the summed weights of the kept samples; for
    probability targets it divides by the number of samples. This is what
    :func:`~tinygrad_ng.functional.cross_entropy` runs when one of these options is given.

    >>> z = Tensor([[2.0, 0.0], [0.0, 2.0]])
    >>> round(cross_entropy_full(z, np.array([0, 1]), 0, "mean", None, None, 0.1).item(), 6)
    0.226928
    """
    _check_reduction(reduction, "cross_entropy")
    _check_number(label_smoothing, "cross_entropy", "label_smoothing")
    if not 0 <= label_smoothing <= 1:
        raise ArgumentError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    z = as_tensor(logits)
    if z.dtype.kind != "f" or z.ndim == 0:
        raise ShapeError(f"cross_entropy: logits must be a floating tensor with a class axis, got {z.shape} {z.dtype}")
    ax = _one_axis(axis, z.ndim, "cross_entropy")
    n_classes = z.shape[ax]
    w_class = _class_weights(weight, n_classes, z.dtype, "cross_entropy")
    logp = log_softmax(z, ax)
    lab_arr = labels._data if isinstance(labels, Tensor) else np.asarray(labels)
    w_shape = [1] * z.ndim
    w_shape[ax] = n_classes
    w_b = w_class.reshape(w_shape)
    eps = float(label_smoothing)
    if lab_arr.dtype.kind == "f" and lab_arr.shape == z.shape:  # probability targets
        if ignore_index is not None:
            raise ArgumentError("cross_entropy: ignore_index needs integer labels, not probability targets")
        target = lab_arr.astype(z.dtype) * (1 - eps) + eps / n_classes
        return _reduce(-sum(logp * (target * w_b), axis=ax), reduction)
    lab, kept = _labels(labels, z, ax, ignore_index, "cross_entropy")
    w = w_class[lab] * kept
    picked = take_along_axis(logp, np.expand_dims(lab, ax), ax).reshape(lab.shape)
    loss = -picked * ((1 - eps) * w)
    if eps:
        smooth = -sum(logp * w_b, axis=ax) * (kept * (eps / n_classes)).astype(z.dtype)
        loss = loss + smooth
    if reduction == "mean":
        return _weighted_mean(loss, float(w.sum()))
    return _reduce(loss, reduction)


def bce_with_logits_full(
    logits: ArrayLike,
    targets: ArrayLike,
    reduction: Reduction,
    weight: ArrayLike | None,
    pos_weight: ArrayLike | None,
) -> Tensor:
    """``-w [p y log sigmoid(z) + (1 - y) log(1 - sigmoid(z))]``, stable for any z (PyTorch's rule).

    ``pos_weight`` ``p`` weighs the positive term (broadcast along the last axis in PyTorch's
    layout; any broadcastable shape here), ``weight`` ``w`` each element. This is what
    :func:`~tinygrad_ng.functional.binary_cross_entropy_with_logits` runs when one is given.

    >>> round(bce_with_logits_full(Tensor([0.0]), [1.0], "mean", None, 3.0).item(), 6)  # 3 log 2
    2.079442
    """
    _check_reduction(reduction, "binary_cross_entropy_with_logits")
    z = as_tensor(logits)
    if z.dtype.kind != "f":
        raise DTypeError(f"binary_cross_entropy_with_logits: logits must be floating point, got {z.dtype}")
    y = _targets(targets, z, "binary_cross_entropy_with_logits")
    softplus_neg = logaddexp(-z, 0.0)  # -log sigmoid(z)
    softplus_pos = logaddexp(z, 0.0)  # -log(1 - sigmoid(z))
    p = 1.0 if pos_weight is None else _broadcast_constant(pos_weight, z, "pos_weight")
    loss = y * p * softplus_neg + (1 - y) * softplus_pos
    if weight is not None:
        loss = loss * _broadcast_constant(weight, z, "weight")
    return _reduce(loss, reduction)


def _broadcast_constant(value: ArrayLike, like: Tensor, what: str) -> Any:
    arr = value._data if isinstance(value, Tensor) else np.asarray(value, dtype=like.dtype)
    try:
        if np.broadcast_shapes(arr.shape, like.shape) != like.shape:
            raise ValueError
    except ValueError:
        raise ShapeError(
            f"binary_cross_entropy_with_logits: {what} of shape {arr.shape} does not broadcast to {like.shape}"
        ) from None
    return value if isinstance(value, Tensor) else constant(arr.astype(like.dtype))


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
    small = np.abs(d._data) < beta
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
    small = np.abs(d._data) < delta
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
