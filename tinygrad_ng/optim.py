"""Optimizers: gradient descent as the course writes it, with momentum, RMSprop and Adam.

Each ``step()`` reads every parameter's ``.grad`` (left by ``backward()``) and replaces the
parameter's values with new arrays (``p.data = ...``), so arrays saved by an earlier graph are
never edited in place. Parameters without a gradient are skipped.

>>> import numpy as np
>>> from tinygrad_ng import Tensor, optim
>>> w = Tensor([[1.0, 2.0]], requires_grad=True)
>>> opt = optim.SGD([w], lr=0.1)
>>> (w * w).sum().backward()       # dL/dw = 2 w
>>> opt.step(); w.data             # w := w - lr * dw
array([[0.8, 1.6]])
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ._xp import namespace
from .errors import ArgumentError, DTypeError
from .tensor import Tensor

__all__ = ["Optimizer", "SGD", "RMSprop", "Adam", "clip_grad_norm_", "clip_grad_value_"]


class Optimizer:
    """Base class: holds the parameters (tensors that require grad) and the learning rate ``lr``.

    A subclass defines :meth:`update`, the amount to subtract from one parameter given its
    gradient ``g`` (an array of the parameter's shape) and that parameter's ``state`` dict;
    :meth:`step` applies it to every parameter that has a gradient. ``t`` counts the steps.

    ``weight_decay = λ`` adds ``λ W`` to every parameter's gradient before the update: L2
    regularisation of every parameter passed (PyTorch's convention). The course's L2 term
    ``(λ/2m) Σ‖W‖²`` regularises the weights only, with gradient ``(λ/m) W``: pass only the weights
    with ``weight_decay = λ/m``, or add :func:`tinygrad_ng.layers.l2_penalty` to the cost.

    >>> import numpy as np
    >>> from tinygrad_ng import Tensor
    >>> class SignDescent(Optimizer):
    ...     def update(self, g, state):
    ...         return self.lr * np.sign(g)
    >>> w = Tensor([[3.0, -2.0]], requires_grad=True)      # (1, 2)
    >>> opt = SignDescent([w], lr=0.5)
    >>> (w * w).sum().backward()                           # dw = 2 w = [[6, -4]]
    >>> opt.step(); w.data, opt.t
    (array([[ 2.5, -1.5]]), 1)
    """

    def __init__(self, params: Iterable[Tensor], lr: float, *, weight_decay: float = 0.0) -> None:
        self.params = list(params)
        name = type(self).__name__
        if not self.params:
            raise ArgumentError(f"{name}: got no parameters to optimize")
        for i, p in enumerate(self.params):
            if not isinstance(p, Tensor) or not p.requires_grad:
                what = type(p).__name__ if not isinstance(p, Tensor) else f"a tensor {p.shape} without requires_grad"
                raise DTypeError(f"{name}: parameter {i} is {what}; pass tensors that require grad")
        if not (lr > 0 and np.isfinite(lr)):
            raise ArgumentError(f"{name}: learning rate must be a positive number, got {lr!r}")
        self.lr = float(lr)
        if not (weight_decay >= 0 and np.isfinite(weight_decay)):
            raise ArgumentError(f"{name}: weight_decay must be a number >= 0, got {weight_decay!r}")
        self.weight_decay = float(weight_decay)
        self.t = 0  # steps taken
        self.state: list[dict[str, np.ndarray]] = [{} for _ in self.params]

    def zero_grad(self) -> None:
        """Clear every parameter's ``.grad`` (set it to None)."""
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        """Update every parameter that has a gradient."""
        self.t += 1
        for p, state in zip(self.params, self.state):
            if p.grad is not None:
                g = p.grad + self.weight_decay * p.data if self.weight_decay else p.grad
                p.data = p.data - self.update(g, state)

    def update(self, g: np.ndarray, state: dict[str, np.ndarray]) -> np.ndarray:
        """The amount to subtract from a parameter with gradient ``g`` (``state`` persists per parameter)."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(lr={self.lr}, {len(self.params)} parameters)"


class SGD(Optimizer):
    """Gradient descent ``W := W - lr * dW`` (the course's update), optionally with momentum.

    With ``momentum = beta > 0`` it keeps the course's exponentially weighted average
    ``v := beta * v + (1 - beta) * dW`` and updates ``W := W - lr * v``.

    >>> from tinygrad_ng import Tensor
    >>> w = Tensor([[1.0, -2.0]], requires_grad=True)      # (1, 2)
    >>> opt = SGD([w], lr=0.1, momentum=0.9)
    >>> (w * w).sum().backward()                           # dw = 2 w = [[2, -4]]
    >>> opt.step()                                         # v = 0.1 dw = [[0.2, -0.4]]
    >>> w.data                                             # w - 0.1 v
    array([[ 0.98, -1.96]])
    """

    def __init__(
        self, params: Iterable[Tensor], lr: float = 0.0075, momentum: float = 0.0, *, weight_decay: float = 0.0
    ) -> None:
        super().__init__(params, lr, weight_decay=weight_decay)
        if not 0 <= momentum < 1:
            raise ArgumentError(f"SGD: momentum must be in [0, 1), got {momentum!r}")
        self.momentum = float(momentum)

    def update(self, g: np.ndarray, state: dict[str, np.ndarray]) -> np.ndarray:
        if self.momentum == 0:
            return self.lr * g
        beta = self.momentum
        v = state["v"] = beta * state.get("v", 0.0) + (1 - beta) * g
        return self.lr * v


class RMSprop(Optimizer):
    """``s := beta * s + (1 - beta) * dW²``; ``W := W - lr * dW / (sqrt(s) + eps)``.

    >>> from tinygrad_ng import Tensor
    >>> w = Tensor([[1.0, -2.0]], requires_grad=True)      # (1, 2)
    >>> opt = RMSprop([w], lr=0.01, beta=0.9)
    >>> (w * w).sum().backward()                           # dw = [[2, -4]], s = 0.1 dw²
    >>> opt.step(); w.data.round(4)                        # each entry moves by lr / sqrt(0.1)
    array([[ 0.9684, -1.9684]])
    """

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float = 0.001,
        beta: float = 0.9,
        eps: float = 1e-8,
        *,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr, weight_decay=weight_decay)
        if not 0 <= beta < 1:
            raise ArgumentError(f"RMSprop: beta must be in [0, 1), got {beta!r}")
        self.beta, self.eps = float(beta), float(eps)

    def update(self, g: np.ndarray, state: dict[str, np.ndarray]) -> np.ndarray:
        s = state["s"] = self.beta * state.get("s", 0.0) + (1 - self.beta) * g * g
        return self.lr * g / (namespace(s).sqrt(s) + self.eps)


class Adam(Optimizer):
    """Adam with bias correction (Kingma & Ba 2015), as the course writes it.

    ``v := b1 v + (1 - b1) dW``, ``s := b2 s + (1 - b2) dW²``, ``v̂ = v / (1 - b1^t)``,
    ``ŝ = s / (1 - b2^t)``, ``W := W - lr * v̂ / (sqrt(ŝ) + eps)``.

    >>> from tinygrad_ng import Tensor
    >>> w = Tensor([[1.0, -2.0]], requires_grad=True)      # (1, 2)
    >>> opt = Adam([w], lr=0.1)
    >>> (w * w).sum().backward()                           # dw = [[2, -4]]
    >>> opt.step(); w.data.round(6)                        # first step: v̂ = dw, ŝ = dw², so lr * sign(dw)
    array([[ 0.9, -1.9]])
    """

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        *,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr, weight_decay=weight_decay)
        b1, b2 = betas
        if not (0 <= b1 < 1 and 0 <= b2 < 1):
            raise ArgumentError(f"Adam: betas must be in [0, 1), got {betas!r}")
        self.betas, self.eps = (float(b1), float(b2)), float(eps)

    def update(self, g: np.ndarray, state: dict[str, np.ndarray]) -> np.ndarray:
        b1, b2 = self.betas
        v = state["v"] = b1 * state.get("v", 0.0) + (1 - b1) * g
        s = state["s"] = b2 * state.get("s", 0.0) + (1 - b2) * g * g
        v_hat = v / (1 - b1**self.t)
        s_hat = s / (1 - b2**self.t)
        return self.lr * v_hat / (namespace(s_hat).sqrt(s_hat) + self.eps)


def _with_grads(params: Iterable[Tensor]) -> list[Tensor]:
    return [p for p in params if isinstance(p, Tensor) and p.grad is not None]


def clip_grad_norm_(params: Iterable[Tensor], max_norm: float) -> float:
    """Scale every gradient by ``max_norm / total_norm`` when the total L2 norm exceeds ``max_norm``.

    The total norm is taken over all the gradients together, as if concatenated into one vector;
    the gradients are replaced (not edited in place). Returns the norm before clipping.

    >>> from tinygrad_ng import Tensor
    >>> w = Tensor([3.0, 4.0], requires_grad=True)
    >>> (w * w).sum().backward()                           # dw = [6, 8], norm 10
    >>> clip_grad_norm_([w], 5.0), w.grad
    (10.0, array([3., 4.]))
    """
    if not (max_norm > 0 and np.isfinite(max_norm)):
        raise ArgumentError(f"clip_grad_norm_: max_norm must be a positive number, got {max_norm!r}")
    grads = _with_grads(params)
    total = float(np.sqrt(sum(float(namespace(p.grad).sum(p.grad * p.grad)) for p in grads)))  # type: ignore[operator]
    if total > max_norm:
        scale = max_norm / total
        for p in grads:
            p.grad = p.grad * scale  # type: ignore[operator]
    return total


def clip_grad_value_(params: Iterable[Tensor], clip_value: float) -> None:
    """Clip every gradient entry to ``[-clip_value, clip_value]``: the course's elementwise ``clip``.

    The character-level language model clips ``dWax, dWaa, dWya, db, dby`` at 5 before each update.

    >>> from tinygrad_ng import Tensor
    >>> w = Tensor([-4.0, 1.0], requires_grad=True)
    >>> (w * w).sum().backward()                           # dw = [-8, 2]
    >>> clip_grad_value_([w], 5.0); w.grad
    array([-5.,  2.])
    """
    if not (clip_value > 0 and np.isfinite(clip_value)):
        raise ArgumentError(f"clip_grad_value_: clip_value must be a positive number, got {clip_value!r}")
    for p in _with_grads(params):
        p.grad = namespace(p.grad).clip(p.grad, -clip_value, clip_value)
