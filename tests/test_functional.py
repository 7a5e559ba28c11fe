"""Composites and losses: values, stability, and gradients against closed forms."""

from __future__ import annotations

import warnings

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_ng as tg
from tinygrad_ng import ArgumentError, ShapeError, Tensor, TensorIndexError
from tinygrad_ng import functional as F


def leaf(values: object, dtype: object = None) -> Tensor:
    return Tensor(values, requires_grad=True, dtype=dtype)


def course_cost(A: np.ndarray, Y: np.ndarray) -> float:
    m = Y.shape[1]
    return float(-1 / m * np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)))


# --------------------------------------------------------------------------- the course's cost
@given(
    m=st.integers(1, 30),
    seed=st.integers(0, 2**32 - 1),
)
def test_mean_bce_equals_the_course_cost_and_its_gradient_is_a_minus_y(m: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    Z = rng.normal(0, 3, (1, m))
    Y = rng.integers(0, 2, (1, m)).astype(float)
    z = leaf(Z)
    A = z.sigmoid()
    J = tg.binary_cross_entropy(A, Y)
    assert J.item() == pytest.approx(course_cost(A.data, Y), rel=1e-14)
    J.backward()
    np.testing.assert_allclose(z.grad, (A.data - Y) / m, rtol=1e-9, atol=1e-15)


def test_course_propagate_expectation() -> None:
    w, b = leaf([[1.0], [2.0]]), leaf(2.0)
    X, Y = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1, 0]])
    cost = tg.binary_cross_entropy((w.T @ X + b).sigmoid(), Y)
    cost.backward()
    np.testing.assert_allclose(w.grad, [[0.99993216], [1.99980262]], rtol=1e-7)
    assert b.grad == pytest.approx(0.499935230625, rel=1e-10)
    assert cost.item() == pytest.approx(6.000064773192205, rel=1e-14)


def test_bce_with_logits_matches_bce_of_sigmoid() -> None:
    rng = np.random.default_rng(1)
    Z, Y = rng.normal(0, 2, (1, 20)), rng.integers(0, 2, (1, 20))
    a = tg.binary_cross_entropy_with_logits(Z, Y).item()
    b = tg.binary_cross_entropy(F.sigmoid(Z), Y).item()
    assert a == pytest.approx(b, rel=1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_loss_reductions(reduction: str) -> None:
    A, Y = np.array([[0.9, 0.2, 0.6]]), np.array([[1.0, 0.0, 0.0]])
    per = -(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    got = tg.binary_cross_entropy(A, Y, reduction=reduction).data  # type: ignore[arg-type]
    expected = {"mean": per.mean(), "sum": per.sum(), "none": per}[reduction]
    np.testing.assert_allclose(got, expected, rtol=1e-14)
    mse = tg.mse_loss(A, Y, reduction=reduction).data  # type: ignore[arg-type]
    np.testing.assert_allclose(
        mse, {"mean": ((A - Y) ** 2).mean(), "sum": ((A - Y) ** 2).sum(), "none": (A - Y) ** 2}[reduction]
    )


def test_bad_reduction_and_target_shape() -> None:
    with pytest.raises(ArgumentError, match="reduction"):
        tg.binary_cross_entropy(np.array([[0.5]]), np.array([[1.0]]), reduction="avg")  # type: ignore[arg-type]
    with pytest.raises(ShapeError, match=r"\(3,\).*\(1, 3\)"):
        tg.binary_cross_entropy(np.full((1, 3), 0.5), np.ones(3))
    with pytest.raises(ArgumentError, match=r"\[0, 1\]"):
        tg.binary_cross_entropy(np.full((1, 2), 0.5), np.array([[2.0, 0.0]]))


# --------------------------------------------------------------------------- stability
def test_no_warnings_and_finite_values_at_extreme_logits() -> None:
    z = leaf([[-1000.0, 1000.0, 0.0]])
    y = np.array([[1.0, 0.0, 1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = z.sigmoid()
        t = z.tanh()
        sm = F.softmax(z, axis=1)
        lsm = F.log_softmax(z, axis=1)
        bce = tg.binary_cross_entropy_with_logits(z, y)
        bce_p = tg.binary_cross_entropy(s, y)
        (s.sum() + t.sum() + sm.sum() + lsm.sum() + bce + bce_p).backward()
    for v in (s, t, sm, lsm, bce, bce_p):
        assert np.isfinite(v.data).all()
    assert np.isfinite(z.grad).all()
    np.testing.assert_array_equal(s.data, [[0.0, 1.0, 0.5]])
    assert bce.item() == pytest.approx((1000 + 1000 + np.log(2)) / 3)


def test_bce_on_saturated_probabilities_is_finite() -> None:
    a = leaf([[0.0, 1.0]])
    loss = tg.binary_cross_entropy(a, [[1.0, 0.0]])
    loss.backward()
    assert np.isfinite(loss.item()) and loss.item() > 30
    assert np.isfinite(a.grad).all()


def test_relu_derivative_at_exactly_zero_is_zero() -> None:
    z = leaf([-1.0, 0.0, 2.0])
    z.relu().sum().backward()
    np.testing.assert_array_equal(z.grad, [0.0, 0.0, 1.0])


def test_leaky_relu_and_abs_and_clip() -> None:
    z = leaf([-2.0, 0.0, 3.0])
    F.leaky_relu(z, 0.1).sum().backward()
    np.testing.assert_allclose(z.grad, [0.1, 0.1, 1.0])
    z.zero_grad()
    z.abs().sum().backward()
    np.testing.assert_array_equal(z.grad, [-1.0, 0.0, 1.0])
    z.zero_grad()
    c = z.clip(-1.0, 1.0)
    np.testing.assert_array_equal(c.data, [-1.0, 0.0, 1.0])
    c.sum().backward()
    np.testing.assert_array_equal(z.grad, [0.0, 1.0, 0.0])
    with pytest.raises(ArgumentError, match="low"):
        z.clip(1.0, -1.0)


# --------------------------------------------------------------------------- reductions and shapes
@given(data=st.data())
def test_reductions_match_numpy(data: st.DataObject) -> None:
    x = data.draw(
        hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), elements=st.floats(-5, 5))
    )
    axis = data.draw(st.one_of(st.none(), st.integers(-x.ndim, x.ndim - 1)))
    keep = data.draw(st.booleans())
    t = Tensor(x)
    np.testing.assert_allclose(t.sum(axis, keep).data, x.sum(axis=axis, keepdims=keep))
    np.testing.assert_allclose(t.mean(axis, keep).data, x.mean(axis=axis, keepdims=keep))
    np.testing.assert_array_equal(t.max(axis, keep).data, x.max(axis=axis, keepdims=keep))
    np.testing.assert_array_equal(t.min(axis, keep).data, x.min(axis=axis, keepdims=keep))
    lse = np.log(np.sum(np.exp(x), axis=axis, keepdims=keep))
    np.testing.assert_allclose(t.logsumexp(axis, keep).data, lse, rtol=1e-12, atol=1e-12)


def test_max_ties_share_the_gradient() -> None:
    x = leaf([1.0, 3.0, 3.0])
    x.max().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.5, 0.5])
    a, b = leaf([1.0, 2.0]), leaf([1.0, 1.0])
    tg.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad, [0.5, 1.0])
    np.testing.assert_array_equal(b.grad, [0.5, 0.0])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_maximum_and_minimum_give_zero_not_nan_where_the_other_side_wins(dtype: type) -> None:
    """An infinite upstream gradient (sqrt at 0) stays out of the branch that lost, as with relu."""
    with np.errstate(divide="ignore", invalid="ignore"):  # d sqrt(x) at 0 is 1/0 = inf: the point of the test
        _check_maximum_and_minimum_with_infinite_upstream_gradients(dtype)


def _check_maximum_and_minimum_with_infinite_upstream_gradients(dtype: type) -> None:
    x = leaf([-1.0, 4.0], dtype=dtype)
    tg.maximum(x, 0.0).sqrt().sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.25])
    x = leaf([1.0, -4.0], dtype=dtype)
    (-tg.minimum(x, 0.0)).sqrt().sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, -0.25])
    assert x.grad.dtype == dtype
    a, b = leaf([1.0, 2.0]), leaf([1.0, 1.0])  # a tie splits even an infinite gradient: inf / 2 each
    tg.maximum(a, b).backward(np.array([np.inf, np.inf]))
    np.testing.assert_array_equal(a.grad, [np.inf, np.inf])
    np.testing.assert_array_equal(b.grad, [np.inf, 0.0])
    x = leaf([-1.0, 4.0])  # the same through create_graph: second order records the selection
    (g,) = tg.grad(tg.maximum(x, 0.0).sqrt().sum(), x, create_graph=True)
    np.testing.assert_array_equal(g.data, [0.0, 0.25])
    (h,) = tg.grad(g.sum(), x)
    np.testing.assert_array_equal(h.data, [0.0, -0.25 / 8])  # d/dx (1 / (2 sqrt x)) = -1 / (4 x^1.5)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_pow_gradients_at_a_zero_base_are_the_limits_not_nan(dtype: type) -> None:
    """x^0 = 1 for every x and 0^y = 0 for every y > 0: both are flat, so their derivatives are 0."""
    x, y = leaf([0.0, 2.0, 0.0, 0.0], dtype=dtype), leaf([0.0, 0.0, 2.0, 0.5], dtype=dtype)
    with np.errstate(divide="ignore"):  # 0.5 * 0^-0.5 = inf: the true derivative of sqrt at 0
        (x**y).sum().backward()
    np.testing.assert_allclose(x.grad, [0.0, 0.0, 0.0, np.inf])
    np.testing.assert_allclose(y.grad, [0.0, np.log(2.0), 0.0, 0.0], rtol=1e-6)
    assert x.grad.dtype == dtype and y.grad.dtype == dtype
    x, y = leaf([3.0]), leaf([0.0])  # second order through the exponent survives at y = 0
    (dx,) = tg.grad((x**y).sum(), x, create_graph=True)
    (dxy,) = tg.grad(dx.sum(), y)
    np.testing.assert_allclose(dxy.data, [1.0 / 3.0])  # d/dy (y x^(y-1)) = x^(y-1) (1 + y ln x) = 1/x at y = 0

    x = leaf([2.0, -1.0, 5.0])
    m = x.min()
    assert m.item() == -1.0
    m.backward()
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, 0.0])


def test_axis_errors() -> None:
    with pytest.raises(ShapeError, match="axis 2 is out of range"):
        Tensor(np.ones((2, 3))).sum(axis=2)
    with pytest.raises(ArgumentError, match="repeated axis"):
        Tensor(np.ones((2, 3))).sum(axis=(0, -2))
    with pytest.raises(ShapeError, match="mean"):
        Tensor(np.ones((0, 3))).mean()
    with pytest.raises(ShapeError, match="max"):
        Tensor(np.ones(0)).max()


def test_getitem_with_repeated_indices_accumulates() -> None:
    x = leaf([10.0, 20.0, 30.0])
    x[np.array([0, 2, 0, 0])].sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 0.0, 1.0])


def test_getitem_with_mask_slice_and_tensor_index() -> None:
    x = leaf(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(x[x > 2].data, [3.0, 4.0, 5.0])
    x[:, 1:].sum().backward()
    np.testing.assert_array_equal(x.grad, [[0, 1, 1], [0, 1, 1]])
    np.testing.assert_array_equal(x[Tensor(np.array([1]))].data, [[3.0, 4.0, 5.0]])
    np.testing.assert_array_equal(x[[1, 0], 0].data, [3.0, 0.0])
    with pytest.raises(TensorIndexError, match=r"getitem.*\(2, 3\)"):
        x[2]
    with pytest.raises(TensorIndexError, match="integer or boolean"):
        x[np.array([0.5])]


def test_concatenate_and_stack() -> None:
    a, b = leaf(np.ones((2, 2))), leaf(np.zeros((1, 2)))
    c = tg.concatenate([a, b], axis=0)
    assert c.shape == (3, 2)
    (c * np.arange(6.0).reshape(3, 2)).sum().backward()
    np.testing.assert_array_equal(a.grad, [[0, 1], [2, 3]])
    np.testing.assert_array_equal(b.grad, [[4, 5]])
    s = tg.stack([a, a * 2], axis=-1)
    assert s.shape == (2, 2, 2)
    with pytest.raises(ShapeError, match="same shape"):
        tg.stack([a, b])
    with pytest.raises(ShapeError):
        tg.concatenate([a, np.ones((2, 3))], axis=0)


def test_where() -> None:
    x, y = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    out = tg.where(np.array([True, False]), x, y)
    np.testing.assert_array_equal(out.data, [1.0, 4.0])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 0.0])
    np.testing.assert_array_equal(y.grad, [0.0, 1.0])
    with pytest.raises(tg.DTypeError, match="boolean"):
        tg.where(np.array([1, 0]), x, y)


# --------------------------------------------------------------------------- softmax and cross-entropy
def test_softmax_columns_sum_to_one_and_cross_entropy_gradient() -> None:
    rng = np.random.default_rng(0)
    logits = leaf(rng.normal(size=(4, 6)))  # 4 classes x 6 samples
    labels = rng.integers(0, 4, 6)
    p = F.softmax(logits)
    np.testing.assert_allclose(p.data.sum(axis=0), 1.0)
    loss = tg.cross_entropy(logits, labels)
    one_hot = np.eye(4)[labels].T
    assert loss.item() == pytest.approx(-np.mean(np.sum(one_hot * np.log(p.data), axis=0)))
    loss.backward()
    np.testing.assert_allclose(logits.grad, (p.data - one_hot) / 6, atol=1e-15)
    same = tg.cross_entropy(logits.detach(), one_hot).item()
    assert same == pytest.approx(loss.item())
    rows = tg.cross_entropy(Tensor(logits.data.T), labels, axis=1).item()
    assert rows == pytest.approx(loss.item())


def test_cross_entropy_label_errors() -> None:
    logits = np.zeros((3, 5))
    with pytest.raises(TensorIndexError, match=r"\[0, 3\)"):
        tg.cross_entropy(logits, np.array([0, 1, 2, 3, 0]))
    with pytest.raises(ShapeError, match=r"expected labels of shape \(5,\)"):
        tg.cross_entropy(logits, np.array([0, 1]))
    with pytest.raises(ShapeError, match="one-hot"):
        tg.cross_entropy(logits, np.zeros((5, 3)))


@given(hnp.arrays(np.float64, hnp.array_shapes(max_dims=2, max_side=5), elements=st.floats(-700, 700)))
def test_sigmoid_is_the_course_formula_bit_for_bit(z: np.ndarray) -> None:
    np.testing.assert_array_equal(F.sigmoid(z).data, 1 / (1 + np.exp(-z)))


def test_sigmoid_silences_only_its_own_overflow() -> None:
    # e^-x overflows to inf for x < -709 and the sigmoid is then exactly 0: no warning, and no
    # error even where the caller asked overflows to raise; the caller's settings hold again
    # after the op.
    with np.errstate(over="raise", divide="raise"):
        np.testing.assert_array_equal(F.sigmoid(np.array([-1000.0, 0.0, 1000.0])).data, [0.0, 0.5, 1.0])
        assert np.geterr()["over"] == "raise" and np.geterr()["divide"] == "raise"
        with pytest.raises(FloatingPointError):
            np.exp(np.array([1000.0]))


def test_saturated_sigmoid_gradient_as_documented() -> None:
    """BCE of a saturated sigmoid is flat (zero gradient); BCE with logits keeps dZ = A - Y."""
    z_probs, z_logits = leaf([[40.0, 30.0]]), leaf([[40.0, 30.0]])
    tg.binary_cross_entropy(z_probs.sigmoid(), [[0.0, 0.0]], reduction="sum").backward()
    tg.binary_cross_entropy_with_logits(z_logits, [[0.0, 0.0]], reduction="sum").backward()
    np.testing.assert_allclose(z_logits.grad, [[1.0, 1.0]])
    np.testing.assert_allclose(z_probs.grad, [[0.0, 1.0]])  # 1 - sigmoid(40) rounds to 0; at 30 it is A - Y


# --------------------------------------------------------------------------- bugs an outside op suite found
@pytest.mark.parametrize(
    ("values", "dtype"),
    [
        ([0, 128, 255, 64, 32, 16], np.uint8),  # -x wraps around for unsigned ints
        ([-(2**31), 7, 2**31 - 1], np.int32),  # -(-2**31) overflows
        ([True, False, True], np.bool_),  # booleans cannot be negated
        ([3.5, -1.0, np.inf], np.float32),
    ],
)
def test_min_is_a_real_minimum_for_every_dtype(values: list, dtype: type) -> None:
    x = np.array(values, dtype=dtype)
    got = Tensor(x).min()
    assert got.dtype == x.dtype and got.item() == x.min()
    assert (
        Tensor(x.reshape(1, -1)).min(axis=1, keepdims=True).tolist() == x.reshape(1, -1).min(1, keepdims=True).tolist()
    )


@given(hnp.arrays(np.float64, hnp.array_shapes(max_dims=3, max_side=4), elements=st.integers(-3, 3).map(float)))
def test_min_gradient_goes_to_the_minima_shared_among_ties(x: np.ndarray) -> None:
    t = leaf(x)
    t.min().backward()
    winners = x == x.min()
    np.testing.assert_allclose(t.grad, winners / winners.sum())


def test_zero_to_a_tensor_power_has_zero_exponent_gradient_and_no_warning() -> None:
    e = leaf([2.0, 0.5, 0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning from inside the engine
        (Tensor([0.0, 0.0, 0.0]) ** e).sum().backward()
    assert e.grad.tolist() == [0.0, 0.0, 0.0]  # d(0^e)/de = 0^e log 0 -> 0, as in PyTorch
    x, y = leaf([0.0, 2.0]), leaf([3.0, 3.0])
    (x**y).sum().backward()
    np.testing.assert_allclose(y.grad, [0.0, 8 * np.log(2.0)])
    np.testing.assert_allclose(x.grad, [0.0, 12.0])


def test_cross_entropy_differentiates_probability_targets_that_require_grad() -> None:
    z = leaf([[2.0, 0.0, 1.0], [0.0, 1.0, -1.0]])  # 2 classes x 3 samples
    p = leaf([[0.7, 0.2, 1.0], [0.3, 0.8, 0.0]])
    F.cross_entropy(z, p).backward()
    log_softmax = z.data - np.log(np.exp(z.data).sum(axis=0, keepdims=True))
    assert p.grad is not None
    np.testing.assert_allclose(p.grad, -log_softmax / 3)  # d(-Σ p log softmax(z) / m)/dp
    np.testing.assert_allclose(z.grad, (np.exp(log_softmax) * p.data.sum(0) - p.data) / 3)
    assert tg.gradcheck(lambda z, p: F.cross_entropy(z, p, reduction="sum"), [z, p])


def test_integer_tensor_to_a_negative_power_is_a_dtype_error() -> None:
    for call in (lambda: Tensor(np.array([1, 2])) ** -2, lambda: Tensor(np.array([2])) ** Tensor(np.array([-1]))):
        with pytest.raises(tg.DTypeError, match=r"pow: an integer tensor .* negative integer power"):
            call()
    assert (Tensor(np.array([1, 2])) ** 2).tolist() == [1, 4]


def test_a_registered_op_on_a_plain_ndarray_says_what_to_do() -> None:
    with pytest.raises(tg.DTypeError, match=r"op 'sigmoid' records tensors, got ndarray; wrap the data"):
        tg.REGISTRY["sigmoid"](np.array([0.0]))
    assert tg.REGISTRY["add"](Tensor([1.0]), np.array([2.0])).tolist() == [3.0]  # one tensor is enough


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("big", [1e6, 1e17, 3e16, -1e17])
def test_softmax_and_log_softmax_of_huge_equal_logits_are_exact(dtype: type, big: float) -> None:
    """Equal logits give 1/n and -log n at any magnitude: the maximum is subtracted first."""
    x = Tensor(np.full((4, 2), big, dtype))
    np.testing.assert_allclose(F.softmax(x).data, 0.25, rtol=1e-6)
    np.testing.assert_allclose(F.log_softmax(x).data, -np.log(4), rtol=1e-6)
    assert F.softmax(x).dtype == dtype and F.log_softmax(x).dtype == dtype


def test_cross_entropy_gradient_for_huge_logits() -> None:
    z = leaf([[1e16], [1e16]])  # 2 classes, 1 sample, label 0: dL/dz = softmax - one_hot
    tg.cross_entropy(z, np.array([0])).backward()
    np.testing.assert_allclose(z.grad, [[-0.5], [0.5]])
    z = leaf([[3e16, 0.0], [3e16, 1e300]])
    np.testing.assert_allclose(F.log_softmax(z).data, [[-np.log(2), -1e300], [-np.log(2), 0.0]])


@given(
    hnp.arrays(np.float64, (3, 4), elements=st.floats(-1e3, 1e3)),
    st.floats(-1e15, 1e15),
)
def test_softmax_is_unchanged_by_a_shift(x: np.ndarray, shift: float) -> None:
    """softmax(x + c) = softmax(x) when c is exactly representable after the shift."""
    shifted = x + shift
    expected = np.exp(shifted - shifted.max(axis=0)) / np.exp(shifted - shifted.max(axis=0)).sum(axis=0)
    np.testing.assert_allclose(F.softmax(Tensor(shifted)).data, expected, rtol=1e-12, atol=1e-300)


@given(
    probs=hnp.arrays(
        np.float64,
        st.integers(1, 8),
        elements=st.one_of(
            st.floats(0, 1),
            st.sampled_from([0.0, 1e-300, 2.2e-16, 4.4e-16, 5e-16, 1 - 4.4e-16, 1 - 2.2e-16, 1.0]),
        ),
    ),
    data=st.data(),
)
def test_bce_skips_its_clip_only_where_it_would_change_nothing(probs, data) -> None:
    # binary_cross_entropy looks at the probabilities once and leaves the clip out when every one
    # lies in [2 eps, 1 - 2 eps]; the loss must equal the clipped formula's bit for bit, and the
    # gradient after a sigmoid (dZ = A - Y there) the two VJPs' wherever the clip acts.
    y = data.draw(hnp.arrays(np.float64, probs.shape, elements=st.sampled_from([0.0, 1.0, 0.25])))
    eps = np.finfo(np.float64).eps
    a = np.clip(probs, eps, 1 - eps)
    expected = (y - 1) * np.log(1 - a) - y * np.log(a)
    got = tg.binary_cross_entropy(probs, y, reduction="none").data
    np.testing.assert_array_equal(got, expected)
    P = Tensor(probs, requires_grad=True)
    tg.binary_cross_entropy(P, y, reduction="sum").backward()
    np.testing.assert_allclose(P.grad, (probs - y) / np.maximum(probs * (1 - probs), eps), rtol=1e-12)


def test_what_bce_found_about_its_inputs_is_not_a_setting() -> None:
    # The recorded "_inside" describes these probabilities only: drawings leave it out, and the
    # op run again on other values (gradcheck's per-node check, a compiled step) clips as usual.
    from tinygrad_ng.gradcheck import _localise

    A = Tensor([[5e-16, 0.6]], requires_grad=True)  # inside [2 eps, 1 - 2 eps], 1e-6 from leaving it
    J = tg.binary_cross_entropy(A, [[1.0, 0.0]])
    assert J.attrs["_inside"] is True
    assert "_inside" not in tg.draw_graph(J).source
    # gradcheck's per-node check moves a by 1e-6: without the clip log(a) would be NaN there
    checks = _localise(lambda p: tg.binary_cross_entropy(p, [[1.0, 0.0]]), [A], 1e-6, 1e-5, 1e-3, 0, "gradcheck")
    bce = [c for c in checks if c.op == "binary_cross_entropy" and c.input == 0]
    assert len(bce) == 1 and np.isfinite(bce[0].max_abs_err)


@given(
    probs=hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=5), elements=st.floats(0, 1)),
    reduction=st.sampled_from(["mean", "sum"]),
    float32=st.booleans(),
    through_sigmoid=st.booleans(),
    data=st.data(),
)
def test_bce_reduced_in_its_node_equals_the_reduction_after_it(probs, reduction, float32, through_sigmoid, data):
    # binary_cross_entropy records the cost's mean (or sum) inside its own node; the values and
    # the gradients must be those of the per-element loss followed by mean() (or sum()).
    dtype = np.float32 if float32 else np.float64
    y = data.draw(hnp.arrays(dtype, probs.shape, elements=st.sampled_from([0.0, 1.0, 0.5])))
    x = (np.log(probs + 0.01) - np.log(1.01 - probs) if through_sigmoid else probs).astype(dtype)

    def cost(split: bool) -> tuple[Tensor, Tensor]:
        X = Tensor(x, requires_grad=True)
        A = X.sigmoid() if through_sigmoid else X
        J = (
            getattr(tg.binary_cross_entropy(A, y, reduction="none"), reduction)()
            if split
            else (tg.binary_cross_entropy(A, y, reduction=reduction))
        )
        J.backward()
        return J, X

    (J1, X1), (J2, X2) = cost(False), cost(True)
    assert J1.op == "binary_cross_entropy" and J1.dtype == dtype and X1.grad.dtype == dtype
    np.testing.assert_array_equal(J1.data, J2.data)
    np.testing.assert_array_equal(X1.grad, X2.grad)


@given(
    z=hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=5), elements=st.floats(-40, 40)),
    reduction=st.sampled_from(["mean", "sum"]),
    float32=st.booleans(),
    data=st.data(),
)
def test_bce_with_logits_reduced_in_its_node_equals_the_reduction_after_it(z, reduction, float32, data):
    # As binary_cross_entropy's: the cost's mean (or sum) is recorded in the loss's own node, with
    # the values and gradients (for the logits and for targets that require grad) of the
    # per-element loss followed by mean() (or sum()).
    dtype = np.float32 if float32 else np.float64
    y = data.draw(hnp.arrays(dtype, z.shape, elements=st.sampled_from([0.0, 1.0, 0.25])))

    def cost(split: bool) -> tuple[Tensor, Tensor, Tensor]:
        Z, T = Tensor(z.astype(dtype), requires_grad=True), Tensor(y, requires_grad=True)
        f = tg.binary_cross_entropy_with_logits
        J = getattr(f(Z, T, reduction="none"), reduction)() if split else f(Z, T, reduction=reduction)
        J.backward()
        return J, Z, T

    (J1, Z1, T1), (J2, Z2, T2) = cost(False), cost(True)
    assert J1.op == "binary_cross_entropy_with_logits" and J1.attrs["reduction"] == reduction
    assert J1.dtype == dtype and Z1.grad.dtype == dtype and T1.grad.dtype == dtype
    np.testing.assert_array_equal(J1.data, J2.data)
    np.testing.assert_array_equal(Z1.grad, Z2.grad)
    np.testing.assert_array_equal(T1.grad, T2.grad)


@given(
    x=hnp.arrays(np.float64, hnp.array_shapes(max_dims=3, max_side=6), elements=st.floats(-3, 3)),
    data=st.data(),
)
def test_gradients_through_a_mask_are_zero_where_masked_even_for_inf_and_nan(x, data) -> None:
    # ReLU, clip and where multiply their gradient by the mask (np.where is far slower on a
    # random mask); an upstream inf or NaN where the mask is off must still give 0 there.
    g = data.draw(
        hnp.arrays(
            np.float64, x.shape, elements=st.one_of(st.floats(-5, 5), st.sampled_from([np.inf, -np.inf, np.nan]))
        )
    )
    for f, keep in (
        (lambda t: t.relu(), x > 0),
        (lambda t: t.clip(-1.0, 1.0), (x >= -1) & (x <= 1)),
        (lambda t: tg.where(x > 0.5, t, t * 2.0), None),
    ):
        X = Tensor(x, requires_grad=True)
        f(X).backward(g)
        expected = np.where(keep, g, 0.0) if keep is not None else np.where(x > 0.5, g, 2.0 * g)
        np.testing.assert_array_equal(X.grad, expected)


@given(
    d=hnp.arrays(
        st.sampled_from([np.float64, np.float32]),
        hnp.array_shapes(max_dims=3, max_side=7),
        elements=st.one_of(st.floats(-2, 2, width=32), st.sampled_from([np.nan, np.inf, -np.inf])),
    ),
    transpose=st.booleans(),
)
def test_the_bounds_behind_the_losses_checks_are_numpys_min_and_max(d, transpose) -> None:
    # binary_cross_entropy's [0, 1] checks read the minimum and maximum through argmin/argmax on
    # small arrays; NaN must come out as NaN (it fails the check), as np.min and np.max give it.
    d = d.T if transpose else d
    if not d.size:
        return
    big = np.resize(d, 70_000)  # above the size where the ufunc reductions take over
    for arr in (d, big):
        lo, hi = F._bounds(arr)
        np.testing.assert_array_equal([lo, hi], [np.min(arr), np.max(arr)])
