"""Course 2 week 1, "Gradient Checking": find the two bugs hidden in a hand-written backward pass.

The 1-D check compares ``dJ/dθ = x`` with a central difference of ``J(θ) = θx``. The N-D check
vectorises the 47 parameters of a relu-relu-sigmoid network in the course's order (``W1, b1, …``,
each reshaped row-major to a column), and compares a backward pass with
``gradapprox_i = (J(θ + ε e_i) − J(θ − ε e_i)) / 2ε`` through
``difference = ‖grad − gradapprox‖ / (‖grad‖ + ‖gradapprox‖)``. The course's backward pass has two
deliberate bugs (``dW2`` doubled, ``db1`` with ``4/m``); the engine's ``backward()`` is the fixed
one. A correct gradient gives a difference below 2e-7.

    python examples/gradient_checking.py
"""

from __future__ import annotations

import argparse

import numpy as np
from _common import CommandParser, run

from tinygrad_ng import Tensor
from tinygrad_ng.course.c2 import gradient_check_difference

KEYS = ("W1", "b1", "W2", "b2", "W3", "b3")
EPSILON = 1e-7


def cost_and_grads(X: np.ndarray, Y: np.ndarray, p: dict[str, np.ndarray]) -> tuple[float, dict[str, np.ndarray]]:
    """The course's cost, ``(1/m) Σ(−log A3 ⊙ Y − log(1 − A3) ⊙ (1 − Y))``, and the engine's gradients of it."""
    t = {k: Tensor(v, requires_grad=True) for k, v in p.items()}
    A1 = (t["W1"] @ X + t["b1"]).relu()
    A2 = (t["W2"] @ A1 + t["b2"]).relu()
    A3 = (t["W3"] @ A2 + t["b3"]).sigmoid()
    m = X.shape[1]
    cost = (1.0 / m) * ((-A3.log()) * Y + (-(1 - A3).log()) * (1 - Y)).sum()
    cost.backward()
    return cost.item(), {f"d{k}": t[k].grad for k in KEYS}


def buggy_backward(X: np.ndarray, Y: np.ndarray, p: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The notebook's ``backward_propagation_n``, with its two bugs."""
    m = X.shape[1]
    Z1 = p["W1"] @ X + p["b1"]
    A1 = np.maximum(0, Z1)
    Z2 = p["W2"] @ A1 + p["b2"]
    A2 = np.maximum(0, Z2)
    A3 = 1 / (1 + np.exp(-(p["W3"] @ A2 + p["b3"])))
    dZ3 = A3 - Y
    dW3 = 1.0 / m * np.dot(dZ3, A2.T)
    db3 = 1.0 / m * np.sum(dZ3, axis=1, keepdims=True)
    dZ2 = np.multiply(np.dot(p["W3"].T, dZ3), np.int64(A2 > 0))
    dW2 = 1.0 / m * np.dot(dZ2, A1.T) * 2  # the first bug
    db2 = 1.0 / m * np.sum(dZ2, axis=1, keepdims=True)
    dZ1 = np.multiply(np.dot(p["W2"].T, dZ2), np.int64(A1 > 0))
    dW1 = 1.0 / m * np.dot(dZ1, X.T)
    db1 = 4.0 / m * np.sum(dZ1, axis=1, keepdims=True)  # the second bug
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2, "dW3": dW3, "db3": db3}


def to_vector(d: dict[str, np.ndarray], keys: tuple[str, ...]) -> np.ndarray:
    return np.concatenate([d[k].reshape(-1, 1) for k in keys])


def to_dict(theta: np.ndarray, like: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    out, start = {}, 0
    for k in KEYS:
        out[k] = theta[start : start + like[k].size].reshape(like[k].shape)
        start += like[k].size
    return out


def gradapprox(X: np.ndarray, Y: np.ndarray, p: dict[str, np.ndarray]) -> np.ndarray:
    theta = to_vector(p, KEYS)
    approx = np.zeros_like(theta)
    for i in range(theta.shape[0]):
        plus, minus = np.copy(theta), np.copy(theta)
        plus[i] += EPSILON
        minus[i] -= EPSILON
        J_plus = cost_and_grads(X, Y, to_dict(plus, p))[0]
        J_minus = cost_and_grads(X, Y, to_dict(minus, p))[0]
        approx[i] = (J_plus - J_minus) / (2 * EPSILON)
    return approx


def report(difference: float) -> None:
    if difference > 2e-7:
        print(f"\033[93mThere is a mistake in the backward propagation! difference = {difference}\033[0m")
    else:
        print(f"\033[92mYour backward propagation works perfectly fine! difference = {difference}\033[0m")


def main(argv: list[str] | None = None) -> None:
    CommandParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args(argv)
    print("== 1-D gradient check, J(theta) = theta x with x = 3, theta = 4")
    x, theta = 3.0, 4.0
    t = Tensor(theta, requires_grad=True)
    (t * x).backward()
    approx = ((theta + EPSILON) * x - (theta - EPSILON) * x) / (2 * EPSILON)
    report(gradient_check_difference(np.array(t.grad), np.array(approx)))

    print("== N-D gradient check: 47 parameters, relu -> relu -> sigmoid")
    np.random.seed(1)
    X, Y = np.random.randn(4, 3), np.array([1, 1, 0])
    shapes = ((5, 4), (5, 1), (3, 5), (3, 1), (1, 3), (1, 1))
    p = {k: np.random.randn(*s) for k, s in zip(KEYS, shapes)}
    approx = gradapprox(X, Y, p)
    grad_keys = tuple(f"d{k}" for k in KEYS)
    print("the course's backward_propagation_n, bugs included:")
    report(gradient_check_difference(to_vector(buggy_backward(X, Y, p), grad_keys), approx))
    print("the engine's backward():")
    report(gradient_check_difference(to_vector(cost_and_grads(X, Y, p)[1], grad_keys), approx))


if __name__ == "__main__":
    run(main)
