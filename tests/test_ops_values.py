"""Hand-picked values for the ops whose values or gradients are easy to get wrong.

Expected numbers come from plain NumPy written out in each test (or by hand); where PyTorch is
installed (it is a test-only cross-check, never a dependency) the same cases are compared with
it too. Also here: the conventions at non-differentiable points, stability at |x| = 1000, and
the errors bad arguments raise.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import tinygrad_ng as tg
from tinygrad_ng import ArgumentError, DTypeError, ShapeError, Tensor, TensorIndexError
from tinygrad_ng import constructors as C
from tinygrad_ng import functional as F
from tinygrad_ng import losses as L
from tinygrad_ng import ops_math as M
from tinygrad_ng import ops_reduce as R
from tinygrad_ng import ops_shape as S


def grad_of(fn, x, weights=None):  # type: ignore[no-untyped-def]
    """The gradient of ``sum(fn(x) * weights)`` with respect to ``x`` (an array)."""
    t = Tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    out = fn(t)
    w = np.ones(out.shape) if weights is None else np.asarray(weights)
    (out * w).sum().backward()
    return t.grad


# --------------------------------------------------------------------------- elementwise values
def test_elementwise_values_equal_numpys() -> None:
    x = np.array([0.1, 0.5, 0.9])
    for name in ("sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "arcsinh", "arctanh",
                 "log2", "log10", "log1p", "exp2", "expm1"):  # fmt: skip
        np.testing.assert_array_equal(getattr(M, name)(x).data, getattr(np, name)(x), err_msg=name)
    assert M.log2(Tensor([8.0])).item() == 3.0 and M.log10(Tensor([1000.0])).item() == 3.0
    np.testing.assert_allclose(M.erf(x).data, [math.erf(v) for v in x], rtol=0, atol=0)


def test_mod_and_floor_divide_follow_python_signs() -> None:
    x, y = np.array([5.0, -5.0, 5.0, -5.0]), np.array([3.0, 3.0, -3.0, -3.0])
    np.testing.assert_array_equal((Tensor(x) % Tensor(y)).data, [2.0, 1.0, -1.0, -2.0])
    np.testing.assert_array_equal((Tensor(x) // Tensor(y)).data, [1.0, -2.0, -2.0, 1.0])
    np.testing.assert_array_equal((7.0 % Tensor([4.0])).data, [3.0])
    xt, yt = Tensor(x, requires_grad=True), Tensor(y, requires_grad=True)
    (xt % yt).sum().backward()
    np.testing.assert_array_equal(xt.grad, np.ones(4))
    np.testing.assert_array_equal(yt.grad, -np.floor(x / y))  # d(x mod y)/dy = -floor(x/y)


def test_piecewise_constant_ops_have_zero_gradient_everywhere() -> None:
    x = np.array([-1.0, -0.5, 0.0, 0.5, 1.0, 2.5])  # integers, halves and 0: their jumps
    for fn in (M.sign, M.floor, M.ceil, M.round, M.trunc):
        np.testing.assert_array_equal(grad_of(fn, x), np.zeros(6))
    np.testing.assert_array_equal(M.round(Tensor([0.5, 1.5, 2.5, -0.5])).data, [0.0, 2.0, 2.0, -0.0])  # to even


def test_hypot_gradient_is_zero_at_the_origin() -> None:
    x, y = Tensor([0.0, 3.0], requires_grad=True), Tensor([0.0, 4.0], requires_grad=True)
    M.hypot(x, y).sum().backward()
    np.testing.assert_allclose(x.grad, [0.0, 0.6])
    np.testing.assert_allclose(y.grad, [0.0, 0.8])


def test_comparisons_and_logic_give_boolean_constants() -> None:
    a, b = Tensor([1.0, 2.0, 3.0], requires_grad=True), Tensor([2.0, 2.0, 2.0])
    pairs = [
        (a < b, [True, False, False]), (a <= b, [True, True, False]), (a > b, [False, False, True]),
        (a >= b, [False, True, True]), (a == b, [False, True, False]), (a != b, [True, False, True]),
    ]  # fmt: skip
    for got, want in pairs:
        assert got.dtype == np.bool_ and not got.requires_grad
        np.testing.assert_array_equal(got.data, want)
    p, q = a > 1.5, a < 2.5
    np.testing.assert_array_equal((p & q).data, [False, True, False])
    np.testing.assert_array_equal((p | q).data, [True, True, True])
    np.testing.assert_array_equal((p ^ q).data, [True, False, True])
    np.testing.assert_array_equal((~p).data, [True, False, False])
    np.testing.assert_array_equal(M.isclose(Tensor([1.0, 1.0 + 1e-9, np.nan]), 1.0).data, [True, True, False])
    np.testing.assert_array_equal(M.isnan(Tensor([np.nan, 1.0])).data, [True, False])


# --------------------------------------------------------------------------- activations
ACTIVATIONS = {
    "softplus": lambda x: M.softplus(x), "gelu": lambda x: M.gelu(x), "gelu_tanh": lambda x: M.gelu(x, "tanh"),
    "silu": M.silu, "mish": M.mish, "elu": lambda x: M.elu(x, 0.7), "selu": M.selu,
    "celu": lambda x: M.celu(x, 1.5), "relu6": M.relu6, "hardtanh": M.hardtanh, "hardsigmoid": M.hardsigmoid,
    "hardswish": M.hardswish, "logsigmoid": M.logsigmoid, "softsign": M.softsign,
}  # fmt: skip


# The derivative's limits as x -> -inf and x -> +inf.
LIMITS = {
    "softplus": (0, 1), "gelu": (0, 1), "gelu_tanh": (0, 1), "silu": (0, 1), "mish": (0, 1), "elu": (0, 1),
    "selu": (0, 1.0507009873554805), "celu": (0, 1), "relu6": (0, 0), "hardtanh": (0, 0), "hardsigmoid": (0, 0),
    "hardswish": (0, 1), "logsigmoid": (1, 0), "softsign": (0, 0),
}  # fmt: skip


# The values at -1000 and 1000, by hand (the naive formulas overflow there).
SELU_SCALE, SELU_ALPHA = 1.0507009873554805, 1.6732632423543772
VALUES_AT_1000 = {
    "softplus": (0, 1000), "gelu": (0, 1000), "gelu_tanh": (0, 1000), "silu": (0, 1000), "mish": (0, 1000),
    "elu": (-0.7, 1000), "selu": (-SELU_SCALE * SELU_ALPHA, SELU_SCALE * 1000), "celu": (-1.5, 1000),
    "relu6": (0, 6), "hardtanh": (-1, 1), "hardsigmoid": (0, 1), "hardswish": (0, 1000), "logsigmoid": (-1000, 0),
    "softsign": (-1000 / 1001, 1000 / 1001),
}  # fmt: skip


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activations_are_stable_at_1000(name: str, dtype: type) -> None:
    x = Tensor(np.array([-1000.0, -30.0, 0.0, 30.0, 1000.0], dtype=dtype), requires_grad=True)
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # no overflow, NaN or division warnings
        y = ACTIVATIONS[name](x)
        y.sum().backward()
    assert y.dtype == dtype and x.grad.dtype == dtype
    assert np.isfinite(y.data).all() and np.isfinite(x.grad).all(), (y.data, x.grad)
    np.testing.assert_allclose(x.grad[[0, -1]], LIMITS[name], atol=1e-5)
    np.testing.assert_allclose(y.data[[0, -1]], VALUES_AT_1000[name], rtol=1e-6)


def _numpy_activations(x: np.ndarray) -> dict[str, np.ndarray]:
    """The activations written out in plain NumPy, independently of the library."""
    erf = np.vectorize(math.erf)
    sig = 1 / (1 + np.exp(-x))
    softplus = np.log1p(np.exp(x))
    a_selu, s_selu = 1.6732632423543772, 1.0507009873554805
    return {
        "softplus": softplus,
        "gelu": 0.5 * x * (1 + erf(x / np.sqrt(2))),
        "gelu_tanh": 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3))),
        "silu": x * sig,
        "mish": x * np.tanh(softplus),
        "elu": np.where(x > 0, x, 0.7 * (np.exp(x) - 1)),
        "selu": s_selu * np.where(x > 0, x, a_selu * (np.exp(x) - 1)),
        "celu": np.where(x > 0, x, 1.5 * (np.exp(x / 1.5) - 1)),
        "relu6": np.clip(x, 0, 6),
        "hardtanh": np.clip(x, -1, 1),
        "hardsigmoid": np.clip(x / 6 + 0.5, 0, 1),
        "hardswish": x * np.clip(x / 6 + 0.5, 0, 1),
        "logsigmoid": np.log(sig),
        "softsign": x / (1 + np.abs(x)),
    }


def test_activation_values_match_numpy_formulas() -> None:
    x = np.linspace(-7, 7, 29)
    expected = _numpy_activations(x)
    for name, fn in ACTIVATIONS.items():
        np.testing.assert_allclose(fn(Tensor(x)).data, expected[name], rtol=1e-12, atol=1e-12, err_msg=name)


def test_softplus_beta_and_threshold() -> None:
    x = np.array([-2.0, 0.0, 2.0, 12.0])
    got = M.softplus(Tensor(x), beta=2.0, threshold=20.0).data
    np.testing.assert_allclose(got, np.log1p(np.exp(2 * x)) / 2)
    np.testing.assert_array_equal(M.softplus(Tensor([12.0]), beta=2.0, threshold=20.0).data, [12.0])  # linear
    np.testing.assert_allclose(grad_of(lambda t: M.softplus(t, 2.0), [0.0]), [0.5])  # sigmoid(0)


def test_activation_gradients_at_their_corners_follow_pytorch() -> None:
    # relu6 and hardtanh: 0 at the corners; hardsigmoid: 0 at ±3; hardswish: 0 at -3, 1 at 3.
    np.testing.assert_array_equal(grad_of(M.relu6, [0.0, 3.0, 6.0]), [0.0, 1.0, 0.0])
    np.testing.assert_array_equal(grad_of(M.hardtanh, [-1.0, 0.0, 1.0]), [0.0, 1.0, 0.0])
    np.testing.assert_allclose(grad_of(M.hardsigmoid, [-3.0, 0.0, 3.0]), [0.0, 1 / 6, 0.0])
    np.testing.assert_allclose(grad_of(M.hardswish, [-3.0, 0.0, 3.0]), [0.0, 0.5, 1.0])
    # elu at 0: alpha (the left derivative, alpha * e**0); softsign at 0: 1.
    np.testing.assert_allclose(grad_of(lambda t: M.elu(t, 2.0), [0.0]), [2.0])
    np.testing.assert_allclose(grad_of(M.softsign, [0.0]), [1.0])


def test_activations_agree_with_pytorch() -> None:
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    x = np.concatenate([np.linspace(-6, 6, 25), [-3.0, 3.0, 0.0, 6.0, -1.0, 1.0]])
    ours = {name: (fn(Tensor(x)).data, grad_of(fn, x)) for name, fn in ACTIVATIONS.items()}
    theirs = {
        "softplus": tf.softplus, "gelu": tf.gelu, "gelu_tanh": lambda t: tf.gelu(t, approximate="tanh"),
        "silu": tf.silu, "mish": tf.mish, "elu": lambda t: tf.elu(t, 0.7), "selu": tf.selu,
        "celu": lambda t: tf.celu(t, 1.5), "relu6": tf.relu6, "hardtanh": tf.hardtanh,
        "hardsigmoid": tf.hardsigmoid, "hardswish": tf.hardswish, "logsigmoid": tf.logsigmoid,
        "softsign": tf.softsign,
    }  # fmt: skip
    for name, fn in theirs.items():
        t = torch.tensor(x, requires_grad=True)
        fn(t).sum().backward()
        # rtol 1e-7: PyTorch computes hardsigmoid's slope 1/6 in float32
        np.testing.assert_allclose(ours[name][0], fn(torch.tensor(x)).numpy(), rtol=1e-7, atol=1e-12, err_msg=name)
        np.testing.assert_allclose(ours[name][1], t.grad.numpy(), rtol=1e-7, atol=1e-12, err_msg=name)


# --------------------------------------------------------------------------- reductions
def test_prod_gradient_with_zeros_is_exact() -> None:
    np.testing.assert_array_equal(grad_of(R.prod, [2.0, 0.0, 3.0]), [0.0, 6.0, 0.0])
    np.testing.assert_array_equal(grad_of(R.prod, [2.0, 0.0, 0.0]), [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(grad_of(R.prod, [0.0]), [1.0])
    x = np.array([[1.0, 0.0, 2.0], [3.0, 4.0, 5.0]])
    expected = np.array([[0.0, 2.0, 0.0], [20.0, 15.0, 12.0]])  # products of the other entries in each row
    np.testing.assert_array_equal(grad_of(lambda t: R.prod(t, axis=1), x), expected)
    # second derivative: d²(x0 x1 x2)/dx0 dx1 = x2, also where x0 = 0
    x = Tensor([0.0, 5.0, 3.0], requires_grad=True)
    (g,) = tg.grad(R.prod(x), x, create_graph=True)
    (h,) = tg.grad(g[0], x)
    np.testing.assert_array_equal(h.data, [0.0, 3.0, 5.0])


def test_cumprod_gradient_with_zeros_is_exact() -> None:
    x = np.array([2.0, 0.0, 3.0, 4.0])
    w = np.array([1.0, 2.0, 3.0, 4.0])

    def brute(x: np.ndarray) -> np.ndarray:  # d/dx_k of sum_i w_i prod_(j<=i) x_j, term by term
        out = np.zeros_like(x)
        for k in range(len(x)):
            for i in range(k, len(x)):
                out[k] += w[i] * np.prod(np.delete(x[: i + 1], k))
        return out

    np.testing.assert_array_equal(grad_of(R.cumprod, x, w), brute(x))
    np.testing.assert_array_equal(grad_of(R.cumprod, [0.0, 0.0, 2.0], w[:3]), brute(np.array([0.0, 0.0, 2.0])))


def test_var_and_std_with_ddof_and_correction() -> None:
    x = np.array([[1.0, 2.0, 4.0], [2.0, 2.0, 8.0]])
    for ddof in (0, 1, 2):
        np.testing.assert_allclose(R.var(x, axis=1, ddof=ddof).data, np.var(x, axis=1, ddof=ddof))
        np.testing.assert_allclose(R.std(x, ddof=ddof).data, np.std(x, ddof=ddof))
    np.testing.assert_allclose(R.var(x, axis=0, correction=1).data, np.var(x, axis=0, ddof=1))
    # d var / dx_i = 2 (x_i - mean) / (n - ddof)
    np.testing.assert_allclose(grad_of(lambda t: R.var(t, ddof=1), [1.0, 2.0, 6.0]), 2 * (np.array([1, 2, 6]) - 3) / 2)
    with pytest.raises(ArgumentError, match="var: ddof=3 needs more than 3 elements, got 3"):
        R.var(x, axis=1, ddof=3)
    with pytest.raises(ArgumentError, match="ddof or correction"):
        R.var(x, ddof=1, correction=1)
    np.testing.assert_array_equal(grad_of(R.std, [2.0, 2.0]), [0.0, 0.0])  # zero variance: 0, not NaN


def test_ties_in_max_sort_topk_and_median() -> None:
    x = np.array([[1.0, 5.0, 5.0, 2.0]])
    np.testing.assert_array_equal(grad_of(lambda t: F.max(t, axis=1), x), [[0, 0.5, 0.5, 0]])  # max shares
    np.testing.assert_array_equal(grad_of(lambda t: R.amax(t, axis=1), x), [[0, 0.5, 0.5, 0]])
    np.testing.assert_array_equal(grad_of(lambda t: R.max_and_argmax(t, 1).values, x), [[0, 1, 0, 0]])  # first
    assert R.max_and_argmax(Tensor(x), 1).indices.data.tolist() == [1]
    assert R.argmax(Tensor(x)).item() == 1 and R.argmin(Tensor([3.0, 1.0, 1.0])).item() == 1
    # sort: stable, so the first 5 (index 1) takes the first sorted place among the 5s
    np.testing.assert_array_equal(grad_of(R.sort, x, [[1.0, 2.0, 3.0, 4.0]]), [[1.0, 3.0, 4.0, 2.0]])
    np.testing.assert_array_equal(grad_of(lambda t: R.sort(t, descending=True), x, [[1, 2, 3, 4]]), [[4, 1, 2, 3]])
    assert R.topk(Tensor(x), 2).indices.data.tolist() == [[1, 2]]
    assert R.argsort(Tensor([2.0, 1.0, 2.0, 1.0])).data.tolist() == [1, 3, 0, 2]
    # median: NumPy's for an even count (the mean of the two middle values), the gradient split between them
    assert R.median(Tensor([4.0, 1.0, 3.0, 2.0])).item() == np.median([4.0, 1.0, 3.0, 2.0]) == 2.5
    np.testing.assert_array_equal(grad_of(R.median, [4.0, 1.0, 3.0, 2.0]), [0.0, 0.0, 0.5, 0.5])
    np.testing.assert_array_equal(grad_of(R.median, [1.0, 1.0, 2.0]), [0.0, 1.0, 0.0])  # the middle of the sort
    y = np.arange(12.0).reshape(3, 4) % 5
    np.testing.assert_array_equal(R.median(y, axis=1).data, np.median(y, axis=1))
    np.testing.assert_array_equal(R.median(y, axis=0, keepdims=True).data, np.median(y, axis=0, keepdims=True))


def test_sort_and_max_gradients_agree_with_pytorch() -> None:
    torch = pytest.importorskip("torch")
    x = np.array([3.0, 1.0, 3.0, 2.0, 1.0])
    w = np.arange(1.0, 6.0)
    t = torch.tensor(x, requires_grad=True)
    (torch.sort(t, stable=True).values * torch.tensor(w)).sum().backward()
    np.testing.assert_array_equal(grad_of(R.sort, x, w), t.grad.numpy())
    t = torch.tensor(x[None], requires_grad=True)
    torch.max(t, 1).values.sum().backward()
    np.testing.assert_array_equal(grad_of(lambda u: R.max_and_argmax(u, 1).values, x[None]), t.grad.numpy())


def test_cumulative_ops_values() -> None:
    x = np.array([[1.0, -2.0, 3.0], [0.5, 0.0, 4.0]])
    np.testing.assert_array_equal(R.cumsum(x, axis=1).data, np.cumsum(x, axis=1))
    np.testing.assert_array_equal(R.cumsum(x).data, np.cumsum(x))  # flattened, as NumPy
    np.testing.assert_array_equal(R.cumprod(x, axis=0).data, np.cumprod(x, axis=0))
    np.testing.assert_allclose(R.logcumsumexp(x, axis=1).data, np.log(np.cumsum(np.exp(x), axis=1)))
    np.testing.assert_array_equal(grad_of(lambda t: R.cumsum(t, axis=1), x, [[1.0, 2.0, 3.0]] * 2), [[6, 5, 3]] * 2)


def test_norms() -> None:
    x = np.array([[3.0, -4.0], [0.0, 0.0]])
    np.testing.assert_allclose(R.norm(x, axis=1).data, [5.0, 0.0])
    np.testing.assert_allclose(R.norm(x, 1, axis=1).data, [7.0, 0.0])
    np.testing.assert_allclose(R.norm(x, np.inf, axis=1).data, [4.0, 0.0])
    np.testing.assert_allclose(R.norm(x, 3, axis=1).data, np.sum(np.abs(x) ** 3, axis=1) ** (1 / 3))
    np.testing.assert_allclose(R.norm(x, "fro").item(), np.linalg.norm(x, "fro"))
    np.testing.assert_allclose(R.norm(x).item(), 5.0)
    g = grad_of(lambda t: R.norm(t, axis=1), x)
    np.testing.assert_allclose(g, [[0.6, -0.8], [0.0, 0.0]])  # 0 at x = 0, as PyTorch
    np.testing.assert_array_equal(grad_of(lambda t: R.norm(t, np.inf), [1.0, -2.0, 2.0]), [0.0, -0.5, 0.5])
    with pytest.raises(ArgumentError, match="matrix norm"):
        R.norm(x, 1)


# --------------------------------------------------------------------------- shapes and einsum
def test_movement_ops_match_numpy() -> None:
    x = np.arange(12.0).reshape(3, 4)
    for mode in ("constant", "edge", "reflect", "symmetric", "wrap"):
        kw = {"constant_values": 7.0} if mode == "constant" else {}
        np.testing.assert_array_equal(
            S.pad(x, ((1, 2), (2, 1)), mode, **kw).data, np.pad(x, ((1, 2), (2, 1)), mode, **kw)
        )
    np.testing.assert_array_equal(S.flip(x, 1).data, np.flip(x, 1))
    np.testing.assert_array_equal(S.roll(x, 5).data, np.roll(x, 5))
    np.testing.assert_array_equal(S.roll(x, (1, -1), (0, 1)).data, np.roll(x, (1, -1), (0, 1)))
    np.testing.assert_array_equal(S.repeat(x, [1, 0, 2], axis=0).data, np.repeat(x, [1, 0, 2], axis=0))
    np.testing.assert_array_equal(S.tile(x, (2, 1, 2)).data, np.tile(x, (2, 1, 2)))
    for got, want in zip(S.split(x, [1, 3], axis=1), np.split(x, [1, 3], axis=1)):
        np.testing.assert_array_equal(got.data, want)
    for got, want in zip(S.array_split(x, 3, axis=1), np.array_split(x, 3, axis=1)):
        np.testing.assert_array_equal(got.data, want)
    assert [t.shape[1] for t in S.chunk(x, 3, axis=1)] == [2, 2]  # PyTorch: ceil(4/3) = 2 per chunk
    np.testing.assert_array_equal(S.tril(x, -1).data, np.tril(x, -1))
    np.testing.assert_array_equal(S.triu(x, 1).data, np.triu(x, 1))
    y = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(S.diagonal(y, 1, 1, 2).data, np.diagonal(y, 1, 1, 2))
    np.testing.assert_array_equal(S.diagonal(y, -1, 2, 0).data, np.diagonal(y, -1, 2, 0))
    np.testing.assert_array_equal(S.trace(y, 0, 1, 2).data, np.trace(y, 0, 1, 2))
    np.testing.assert_array_equal(S.moveaxis(y, [0, 1], [2, 0]).data, np.moveaxis(y, [0, 1], [2, 0]))
    np.testing.assert_array_equal(S.swapaxes(y, 0, 2).data, np.swapaxes(y, 0, 2))
    for got, want in zip(S.meshgrid([1.0, 2.0], [3.0, 4.0, 5.0]), np.meshgrid([1.0, 2.0], [3.0, 4.0, 5.0])):
        np.testing.assert_array_equal(got.data, want)
    assert Tensor(y).permute(2, 0, 1).shape == (4, 2, 3) and Tensor(y).unsqueeze(1).shape == (2, 1, 3, 4)
    assert Tensor(y).view(6, 4).shape == (6, 4) and S.unflatten(Tensor(y), 2, (2, 2)).shape == (2, 3, 2, 2)


def test_reflect_pad_gradients_add_up() -> None:
    # reflect pad (2, 0) of [a, b, c] is [c, b, a, b, c]: b and c are used twice
    np.testing.assert_array_equal(grad_of(lambda t: S.pad(t, (2, 0), "reflect"), [1.0, 2.0, 3.0]), [1.0, 2.0, 2.0])
    np.testing.assert_array_equal(grad_of(lambda t: S.pad(t, 1, constant_values=9.0), [1.0, 2.0]), [1.0, 1.0])


EINSUM_CASES = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ii->", [(3, 3)]),
    ("ii->i", [(3, 3)]),
    ("iij->ji", [(3, 3, 2)]),
    ("ii,ij->j", [(3, 3), (3, 2)]),
    ("ij,ij->", [(2, 3), (2, 3)]),
    ("ij->", [(2, 3)]),
    ("i,j,k->ijk", [(2,), (3,), (2,)]),
    ("...ij,...jk->...ik", [(2, 1, 2, 3), (4, 3, 2)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("ba", [(2, 3)]),
    ("i...i", [(3, 2, 3)]),
]


@pytest.mark.parametrize("spec,shapes", EINSUM_CASES, ids=[s for s, _ in EINSUM_CASES])
def test_einsum_values_and_gradients(spec: str, shapes: list[tuple[int, ...]]) -> None:
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in shapes]
    ts = [Tensor(a, requires_grad=True) for a in arrays]
    out = S.einsum(spec, *ts)
    np.testing.assert_allclose(out.data, np.einsum(spec, *arrays), rtol=1e-12)
    w = rng.standard_normal(out.shape)
    (out * w).sum().backward()
    for i, a in enumerate(arrays):  # finite differences of the plain NumPy einsum
        expected = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            up, down = [b.copy() for b in arrays], [b.copy() for b in arrays]
            up[i][idx] += 1e-6
            down[i][idx] -= 1e-6
            expected[idx] = (np.sum(np.einsum(spec, *up) * w) - np.sum(np.einsum(spec, *down) * w)) / 2e-6
        np.testing.assert_allclose(ts[i].grad, expected, rtol=1e-6, atol=1e-8, err_msg=f"{spec} input {i}")


def test_einsum_repeated_index_gradient_by_hand() -> None:
    # "ii->i" takes the diagonal: the gradient is g on the diagonal, 0 elsewhere
    np.testing.assert_array_equal(
        grad_of(lambda t: S.einsum("ii->i", t), np.ones((3, 3)), [1.0, 2.0, 3.0]), np.diag([1.0, 2.0, 3.0])
    )
    # "ij->" sums everything: gradient 1 everywhere; "ij,j->i" is a matrix-vector product
    np.testing.assert_array_equal(grad_of(lambda t: S.einsum("ij->", t), np.ones((2, 2))), np.ones((2, 2)))
    v = np.array([1.0, 2.0])
    np.testing.assert_array_equal(grad_of(lambda t: S.einsum("ij,j->i", t, v), np.ones((3, 2))), np.tile(v, (3, 1)))


def test_einsum_errors() -> None:
    with pytest.raises(ShapeError, match="einsum: index 'j' has sizes 3 and 4"):
        S.einsum("ij,jk->ik", np.ones((2, 3)), np.ones((4, 2)))
    with pytest.raises(ArgumentError, match="name 2 operands, got 1"):
        S.einsum("ij,jk->ik", np.ones((2, 3)))
    with pytest.raises(ShapeError, match="does not fit an operand of shape"):
        S.einsum("ijk->", np.ones((2, 3)))
    with pytest.raises(ArgumentError, match="output"):
        S.einsum("ij->ii", np.ones((2, 2)))


# --------------------------------------------------------------------------- indexing
def test_gather_scatter_and_index_add_accumulate_repeated_indices() -> None:
    x = np.arange(6.0).reshape(2, 3)
    idx = np.array([[2, 2], [0, 1]])
    np.testing.assert_array_equal(S.gather(x, 1, idx).data, np.take_along_axis(x, idx, 1))
    np.testing.assert_array_equal(grad_of(lambda t: S.gather(t, 1, idx), x), [[0, 0, 2], [1, 1, 0]])
    np.testing.assert_array_equal(S.take_along_axis(x, np.array([[-1], [0]]), 1).data, [[2.0], [3.0]])
    src = np.array([[1.0, 2.0], [3.0, 4.0]])
    expected = x.copy()
    np.add.at(expected, (np.array([[0, 0], [1, 1]]), idx), src)
    np.testing.assert_array_equal(S.scatter_add(x, 1, idx, src).data, expected)
    s = Tensor(src, requires_grad=True)
    (S.scatter_add(x, 1, idx, s) * np.arange(6.0).reshape(2, 3)).sum().backward()
    np.testing.assert_array_equal(s.grad, [[2.0, 2.0], [3.0, 4.0]])  # g gathered at index
    # scatter: the last write wins, and only it gets a gradient; written places give x no gradient
    xt, st_ = Tensor(x, requires_grad=True), Tensor(src, requires_grad=True)
    out = S.scatter(xt, 1, idx, st_)
    np.testing.assert_array_equal(out.data, [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]] * np.array([[1, 1, 0], [0, 0, 1]]) +
                                  np.array([[0, 0, 2.0], [3.0, 4.0, 0]]))  # fmt: skip
    out.sum().backward()
    np.testing.assert_array_equal(st_.grad, [[0.0, 1.0], [1.0, 1.0]])
    np.testing.assert_array_equal(xt.grad, [[1.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    y = S.index_add(np.zeros((3, 2)), 0, np.array([2, 0, 2]), np.ones((3, 2)), alpha=2.0)
    np.testing.assert_array_equal(y.data, [[2.0, 2.0], [0.0, 0.0], [4.0, 4.0]])


def test_masks_nonzero_one_hot_embedding() -> None:
    x = np.array([[1.0, 0.0], [0.0, 3.0]])
    m = np.array([[True, False], [False, True]])
    np.testing.assert_array_equal(S.masked_fill(x, m, -1.0).data, np.where(m, -1.0, x))
    np.testing.assert_array_equal(S.masked_select(x, m).data, x[m])
    np.testing.assert_array_equal(grad_of(lambda t: S.masked_fill(t, m, 5.0), x), ~m)
    assert [t.data.tolist() for t in S.nonzero(x)] == [list(i) for i in np.nonzero(x)]
    assert S.argwhere(x).data.tolist() == [[0, 0], [1, 1]] and S.argwhere(x).dtype == np.int64
    np.testing.assert_array_equal(S.one_hot(np.array([1, 0, 2]), 3).data, np.eye(3, dtype=np.int64)[[1, 0, 2]])
    np.testing.assert_array_equal(
        grad_of(lambda w: S.embedding(np.array([[0, 2], [2, 2]]), w), np.zeros((3, 2))), [[1, 1], [0, 0], [3, 3]]
    )


# --------------------------------------------------------------------------- constructors
def test_constructors() -> None:
    assert C.arange(5).dtype == np.int64 and C.arange(5).data.tolist() == [0, 1, 2, 3, 4]
    np.testing.assert_array_equal(C.arange(1.0, 2.0, 0.25).data, np.arange(1.0, 2.0, 0.25))
    np.testing.assert_array_equal(C.linspace(0, 1, 3, endpoint=False).data, np.linspace(0, 1, 3, endpoint=False))
    np.testing.assert_array_equal(C.eye(2, 3, k=1).data, np.eye(2, 3, k=1))
    assert C.full((2,), 3, dtype=np.float32).dtype == np.float32
    assert C.zeros_like(np.ones((2, 3), np.float32)).dtype == np.float32
    assert C.ones_like(Tensor([1, 2], dtype=np.int64)).data.tolist() == [1, 1]
    t = C.full_like(Tensor([1.0]), 2.0, requires_grad=True)
    assert t.requires_grad and t.item() == 2.0
    np.testing.assert_array_equal(
        C.rand(3, generator=np.random.default_rng(5)).data, np.random.default_rng(5).random(3)
    )
    np.testing.assert_array_equal(C.randn(2, 2, generator=np.random.default_rng(1)).data,
                                  np.random.default_rng(1).standard_normal((2, 2)))  # fmt: skip
    assert C.randn(2, dtype=np.float32).dtype == np.float32 and C.tensor([[1, 2]]).shape == (1, 2)
    with pytest.raises(ShapeError, match="negative"):
        C.full((-1, 2), 0.0)
    with pytest.raises(ArgumentError, match="arange: step must not be 0"):
        C.arange(0, 1, 0)
    with pytest.raises(DTypeError, match="randn: samples need a floating-point dtype"):
        C.randn(2, dtype=np.int64)


# --------------------------------------------------------------------------- losses
def _log_softmax(z: np.ndarray, axis: int) -> np.ndarray:
    z = z - z.max(axis=axis, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))


def test_cross_entropy_with_weights_ignore_index_and_label_smoothing() -> None:
    rng = np.random.default_rng(0)
    z = rng.standard_normal((5, 3))  # PyTorch's layout: 5 samples, 3 classes on axis 1
    y = np.array([0, 2, 1, 2, 0])
    w = np.array([0.5, 1.0, 2.0])
    eps = 0.2
    logp = _log_softmax(z, 1)
    kept = y != 2  # ignore_index = 2
    per = -(1 - eps) * w[y] * logp[np.arange(5), y] - eps / 3 * (w * logp).sum(axis=1)
    expected = (per * kept).sum() / (w[y] * kept).sum()
    got = F.cross_entropy(z, y, axis=1, weight=w, ignore_index=2, label_smoothing=eps)
    np.testing.assert_allclose(got.item(), expected, rtol=1e-12)
    none = F.cross_entropy(z, y, axis=1, reduction="none", weight=w, ignore_index=2, label_smoothing=eps)
    np.testing.assert_allclose(none.data, per * kept, rtol=1e-12)
    # gradient of the plain smoothed loss: softmax - smoothed target, per sample, / m
    zt = Tensor(z, requires_grad=True)
    F.cross_entropy(zt, y, axis=1, label_smoothing=eps).backward()
    target = (1 - eps) * np.eye(3)[y] + eps / 3
    np.testing.assert_allclose(zt.grad, (np.exp(logp) - target) / 5, rtol=1e-12)
    # every sample ignored: loss 0 and gradient 0, not NaN
    zt = Tensor(z, requires_grad=True)
    loss = F.cross_entropy(zt, np.full(5, 7), axis=1, ignore_index=7)
    loss.backward()
    assert loss.item() == 0.0 and not zt.grad.any()


def test_losses_agree_with_pytorch() -> None:
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    rng = np.random.default_rng(1)
    z = rng.standard_normal((6, 4))
    y = np.array([0, 3, 1, 1, 2, 3])
    w = np.array([1.0, 0.5, 2.0, 1.5])
    for kw in ({}, {"weight": w}, {"ignore_index": 1}, {"label_smoothing": 0.3}, {"weight": w, "label_smoothing": 0.1}):
        for reduction in ("mean", "sum", "none"):
            tz = torch.tensor(z, requires_grad=True)
            tkw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
            ref = tf.cross_entropy(tz, torch.tensor(y), reduction=reduction, **tkw)
            ref.sum().backward()
            ours_z = Tensor(z, requires_grad=True)
            ours = F.cross_entropy(ours_z, y, axis=1, reduction=reduction, **kw)
            ours.sum().backward()
            np.testing.assert_allclose(ours.data, ref.detach().numpy(), rtol=1e-10, err_msg=f"{kw} {reduction}")
            np.testing.assert_allclose(ours_z.grad, tz.grad.numpy(), rtol=1e-10, atol=1e-14, err_msg=f"{kw}")
    logp = _log_softmax(z, 1)
    ref = tf.nll_loss(torch.tensor(logp), torch.tensor(y), weight=torch.tensor(w), ignore_index=3)
    np.testing.assert_allclose(L.nll_loss(logp, y, axis=1, weight=w, ignore_index=3).item(), ref.item(), rtol=1e-12)
    t = rng.uniform(0, 1, (3, 4))
    pw = np.array([1.0, 2.0, 3.0, 0.5])
    ref = tf.binary_cross_entropy_with_logits(torch.tensor(z[:3]), torch.tensor(t), pos_weight=torch.tensor(pw))
    got = F.binary_cross_entropy_with_logits(z[:3], t, pos_weight=pw)
    np.testing.assert_allclose(got.item(), ref.item(), rtol=1e-12)
    p = z[:3]
    for ours, theirs in (
        (L.l1_loss(p, t), tf.l1_loss(torch.tensor(p), torch.tensor(t))),
        (L.smooth_l1_loss(p, t, beta=0.5), tf.smooth_l1_loss(torch.tensor(p), torch.tensor(t), beta=0.5)),
        (L.huber_loss(p, t, delta=0.5), tf.huber_loss(torch.tensor(p), torch.tensor(t), delta=0.5)),
        (L.kl_div(logp, np.exp(_log_softmax(z[::-1], 1)), "batchmean"),
         tf.kl_div(torch.tensor(logp), torch.tensor(np.exp(_log_softmax(z[::-1], 1))), reduction="batchmean")),
        (L.soft_margin_loss(p, np.sign(t - 0.5)), tf.soft_margin_loss(torch.tensor(p), torch.tensor(np.sign(t - 0.5)))),
        (L.margin_ranking_loss(p[0], p[1], np.sign(t[0] - 0.5), 0.3),
         tf.margin_ranking_loss(torch.tensor(p[0]), torch.tensor(p[1]), torch.tensor(np.sign(t[0] - 0.5)), 0.3)),
    ):  # fmt: skip
        np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-12)


def test_regression_and_margin_losses_by_hand() -> None:
    p, t = np.array([0.0, 0.0, 0.0]), np.array([0.5, 2.0, -3.0])
    np.testing.assert_allclose(L.l1_loss(p, t, "none").data, [0.5, 2.0, 3.0])
    np.testing.assert_allclose(L.smooth_l1_loss(p, t, "none").data, [0.125, 1.5, 2.5])
    np.testing.assert_allclose(L.huber_loss(p, t, "none", delta=2.0).data, [0.125, 2.0, 4.0])
    np.testing.assert_allclose(L.hinge_loss(np.array([2.0, 0.5, -1.0]), [1, 1, -1], reduction="none").data, [0, 0.5, 0])
    np.testing.assert_array_equal(grad_of(lambda u: L.l1_loss(u, [1.0, 0.0], "sum"), [1.0, 2.0]), [0.0, 1.0])
    kl = L.kl_div(np.log([0.5, 0.5]), np.array([0.0, 1.0]), "sum")  # 0 log 0 counts as 0
    np.testing.assert_allclose(kl.item(), np.log(2.0))
    bce = F.binary_cross_entropy_with_logits(np.array([1000.0, -1000.0]), [0.0, 1.0], "none", pos_weight=2.0)
    np.testing.assert_allclose(bce.data, [1000.0, 2000.0])  # stable at |z| = 1000


# --------------------------------------------------------------------------- bad arguments
BAD = [
    (lambda: R.prod(np.ones(3), axis=1), ShapeError, "prod: axis 1 is out of range"),
    (lambda: R.cumsum(np.ones(3), axis=2), ShapeError, "cumsum: axis 2 is out of range"),
    (lambda: R.sort(np.ones((2, 2)), axis=-3), ShapeError, "argsort: axis -3 is out of range"),
    (lambda: R.topk(np.ones(3), 4), ArgumentError, "topk: k must be an int in"),
    (lambda: R.argmax(np.ones(0)), ShapeError, "argmax: empty tensor"),
    (lambda: R.median(np.ones((0, 2))), ShapeError, "median: no elements"),
    (lambda: S.gather(np.ones((2, 3)), 1, np.array([[3]])), TensorIndexError, r"gather: index out of range .* 3"),
    (lambda: S.gather(np.ones((2, 3)), 1, np.array([[0.5]])), TensorIndexError, "gather: index must be integers"),
    (lambda: S.gather(np.ones((2, 3)), 1, np.array([0])), ShapeError, r"gather: index of shape \(1,\) must have"),
    (lambda: S.gather(np.ones((2, 3)), 1, np.zeros((3, 1), int)), ShapeError, "no longer than x"),
    (lambda: S.scatter_add(np.ones(3), 0, np.array([5]), np.ones(1)), TensorIndexError, "scatter_add: index out of"),
    (lambda: S.scatter_add(np.ones(3), 0, np.array([1, 2]), np.ones(1)), ShapeError, "scatter_add: src of shape"),
    (lambda: S.index_add(np.ones((3, 2)), 0, [0], np.ones((2, 2))), ShapeError, "index_add: source of shape"),
    (lambda: S.take_along_axis(np.ones((2, 3)), np.array([[3]]), 1), TensorIndexError, "take_along_axis: index out"),
    (lambda: S.take_along_axis(np.ones((2, 3)), np.array([1]), 1), ShapeError, "take_along_axis: indices of shape"),
    (lambda: S.embedding(np.array([3]), np.ones((3, 2))), TensorIndexError, "embedding: index out of range"),
    (lambda: S.one_hot(np.array([3]), 3), TensorIndexError, "one_hot: index out of range"),
    (lambda: S.one_hot(np.array([0.0]), 3), TensorIndexError, "one_hot: labels must be integers"),
    (lambda: S.pad(np.ones(3), -1), ArgumentError, "pad: pad_width cannot be negative"),
    (lambda: S.pad(np.ones(3), 1, mode="mirror"), ArgumentError, "pad: mode must be"),
    (lambda: S.repeat(np.ones(3), -1), ArgumentError, "repeat: repeats cannot be negative"),
    (lambda: S.repeat(np.ones(3), [1, 2]), ShapeError, "repeat: 2 repeats do not fit"),
    (lambda: S.tile(np.ones(3), (-1,)), ArgumentError, "tile: reps cannot be negative"),
    (lambda: S.split(np.ones(5), 2), ShapeError, "split: axis 0 of length 5"),
    (lambda: S.tril(np.ones(3)), ShapeError, "tril: needs at least 2 dimensions"),
    (lambda: S.diagonal(np.ones((2, 2)), 0, 0, 0), ArgumentError, "diagonal: axis1 and axis2 must differ"),
    (lambda: S.swapaxes(np.ones((2, 2)), 0, 2), ShapeError, "swapaxes: axis 2 is out of range"),
    (lambda: S.unflatten(np.ones((2, 6)), 1, (4, 2)), ShapeError, "unflatten: sizes"),
    (lambda: S.masked_fill(np.ones(2), np.array([1, 0]), 0.0), DTypeError, "masked_fill: mask must be boolean"),
    (lambda: S.masked_fill(np.ones(2), np.ones((2, 2), bool), 0.0), ShapeError, "does not broadcast to x"),
    (lambda: S.meshgrid(np.ones((2, 2))), ShapeError, "meshgrid: inputs must be 1-D"),
    (lambda: M.softplus(np.ones(2), beta=0), ArgumentError, "softplus: beta must be positive"),
    (lambda: M.gelu(np.ones(2), approximate="fast"), ArgumentError, "gelu: approximate must be"),
    (lambda: M.hardtanh(np.ones(2), 1.0, -1.0), ArgumentError, "hardtanh: min_val=1.0 is greater"),
    (lambda: M.logaddexp(np.ones(2), np.ones(3)), ShapeError, "logaddexp"),
    (lambda: L.nll_loss(np.ones((3, 2)), np.array([0, 3])), TensorIndexError, r"nll_loss: labels must be class"),
    (lambda: L.nll_loss(np.ones((3, 2)), np.array([0.0, 1.0])), DTypeError, "nll_loss: labels must be integer"),
    (lambda: L.nll_loss(np.ones((3, 2)), np.array([0, 1, 2])), ShapeError, r"expected \(2,\)"),
    (lambda: F.cross_entropy(np.ones((3, 2)), np.array([0, 1]), weight=[1.0]), ShapeError, "one entry per class"),
    (lambda: F.cross_entropy(np.ones((3, 2)), np.array([0, 1]), label_smoothing=2), ArgumentError, "label_smoothing"),
    (lambda: L.hinge_loss(np.ones(2), [0, 1]), ArgumentError, "hinge_loss: labels must be -1 or 1"),
    (lambda: L.l1_loss(np.ones(2), np.ones(3)), ShapeError, "l1_loss: targets have shape"),
    (lambda: L.kl_div(np.ones(2), np.ones(2), "avg"), ArgumentError, "kl_div: reduction"),
]  # fmt: skip


@pytest.mark.parametrize("call,error,message", BAD, ids=[m.split(":")[0] + f"-{i}" for i, (_, _, m) in enumerate(BAD)])
def test_bad_arguments_raise_the_librarys_errors(call, error, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error, match=message):
        call()


def test_op_table_page_is_current() -> None:
    """docs/ops.md is what docs/make_op_table.py writes from the registry today."""
    import importlib.util
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    spec = importlib.util.spec_from_file_location("make_op_table", root / "docs" / "make_op_table.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    page = (root / "docs" / "ops.md").read_text(encoding="utf-8")
    assert page == module.render(), "run python docs/make_op_table.py and commit docs/ops.md"
    for name in tg.REGISTRY:
        assert f"| `{name}` |" in page


def test_numpy_ufuncs_dispatch_to_the_ops() -> None:
    x = Tensor([0.5, 2.0], requires_grad=True)
    y = np.sin(x) + np.hypot(np.array([3.0, 3.0]), x) + np.remainder(x, 1.5)
    y.sum().backward()
    np.testing.assert_allclose(y.data, np.sin([0.5, 2.0]) + np.hypot(3.0, [0.5, 2.0]) + np.remainder([0.5, 2.0], 1.5))
    np.testing.assert_allclose(x.grad, np.cos([0.5, 2.0]) + np.array([0.5, 2.0]) / np.hypot(3.0, [0.5, 2.0]) + 1)
    assert np.isfinite(x).dtype == np.bool_ and isinstance(np.less(x, 1.0), Tensor)
    assert not np.floor(x).requires_grad and x.floor().requires_grad  # a constant; the op has gradient 0


def test_numpy_functions_on_tensors_record_the_ops() -> None:
    x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = np.prod(x, axis=1).sum() + np.einsum("ii->", x) + np.pad(x, 1, mode="reflect").sum() + np.var(x, ddof=1)
    assert isinstance(y, Tensor)
    y.backward()
    expected = np.array([[2.0, 1.0], [4.0, 3.0]]) + np.eye(2) + np.array([[4.0, 4.0], [4.0, 4.0]])
    expected += 2 * (x.data - x.data.mean()) / 3
    np.testing.assert_allclose(x.grad, expected)
    np.testing.assert_array_equal(np.sort(Tensor([3.0, 1.0])).data, [1.0, 3.0])


def test_squeeze_strict_and_pytorch_style() -> None:
    x = Tensor.zeros(1, 3, 1)
    assert F.squeeze(x, (0, 1), strict=False).shape == (3, 1)  # axis 1 has length 3: kept
    assert x.squeeze(2, strict=False).shape == (1, 3)
    with pytest.raises(ShapeError, match="squeeze: axis 1 of shape"):
        F.squeeze(x, 1)
