"""The Tensor class: construction, dtypes, attributes, operators and NumPy interop."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_ng as tg
from tinygrad_ng import DTypeError, ShapeError, Tensor


def test_python_data_is_float64_and_ndarray_keeps_dtype() -> None:
    assert Tensor([1, 2, 3]).dtype == np.float64
    assert Tensor(2).dtype == np.float64
    assert Tensor(np.ones(2, np.float32)).dtype == np.float32
    assert Tensor(np.ones(2, np.int64)).dtype == np.int64
    assert Tensor([1, 2], dtype=np.float32).dtype == np.float32


def test_data_is_copied_so_the_callers_array_is_never_modified() -> None:
    a = np.array([1.0, 2.0])
    t = Tensor(a, requires_grad=True)
    t.data -= 1
    np.testing.assert_array_equal(a, [1.0, 2.0])


def test_attributes() -> None:
    t = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True, name="W")
    assert t.shape == (2, 3) and t.ndim == 2 and t.size == 6 and t.dtype == np.float64
    assert t.name == "W" and t.requires_grad and t.is_leaf and t.grad is None
    assert t.T.shape == (3, 2) and t.T.op == "transpose"
    assert np.asarray(t) is t.data and t.numpy() is t.data
    assert Tensor([[4.0]]).item() == 4.0 and isinstance(Tensor(4.0).item(), float)
    assert len(t) == 2 and [r.shape for r in t] == [(3,), (3,)]


def test_repr_shows_shape_dtype_and_grad() -> None:
    r = repr(Tensor([1.0, 2.0], requires_grad=True, name="w"))
    assert "shape=(2,)" in r and "dtype=float64" in r and "requires_grad=True" in r and "name='w'" in r
    assert "requires_grad" not in repr(Tensor([1.0]))
    assert "op='mul'" in repr(Tensor([1.0], requires_grad=True) * 2)
    assert "..." in repr(Tensor(np.zeros(1000)))  # large tensors are summarised


def test_requires_grad_on_non_float_is_an_error() -> None:
    with pytest.raises(DTypeError, match="int64"):
        Tensor(np.array([1, 2]), requires_grad=True)
    with pytest.raises(DTypeError, match="bool"):
        Tensor(np.array([True]), requires_grad=True)


def test_unsupported_data() -> None:
    with pytest.raises(DTypeError, match="unsupported dtype"):
        Tensor("abc")
    with pytest.raises(DTypeError):
        Tensor(np.array([object()]))
    with pytest.raises(ShapeError, match="Tensor"):
        Tensor([[1.0, 2.0], [3.0]])


def test_item_of_many_elements_is_an_error() -> None:
    with pytest.raises(ShapeError, match=r"item.*\(2,\)"):
        Tensor([1.0, 2.0]).item()


@pytest.mark.parametrize("maker", ["zeros", "ones"])
def test_zeros_ones(maker: str) -> None:
    t = getattr(Tensor, maker)(2, 3, requires_grad=True, name="b")
    assert t.shape == (2, 3) and t.requires_grad and t.name == "b"
    assert getattr(Tensor, maker)((4, 1), dtype=np.float32).dtype == np.float32


def test_randn_with_int_seed_matches_the_course_generator() -> None:
    np.random.seed(2)
    expected = np.random.randn(4, 2) * 0.01
    np.testing.assert_array_equal((Tensor.randn(4, 2, seed=2) * 0.01).data, expected)


def test_randn_draws_in_sequence_from_a_shared_generator() -> None:
    np.random.seed(1)
    w1, w2 = np.random.randn(7, 5), np.random.randn(1, 7)
    rs = np.random.RandomState(1)
    np.testing.assert_array_equal(Tensor.randn(7, 5, seed=rs).data, w1)
    np.testing.assert_array_equal(Tensor.randn(1, 7, seed=rs).data, w2)
    g = np.random.default_rng(0)
    assert not np.array_equal(Tensor.randn(3, seed=g).data, Tensor.randn(3, seed=g).data)


def test_uniform_range_and_dtype() -> None:
    t = Tensor.uniform(1000, low=-2.0, high=3.0, seed=0, dtype=np.float32)
    assert t.dtype == np.float32 and t.data.min() >= -2.0 and t.data.max() < 3.0
    with pytest.raises(tg.ArgumentError, match="seed must be None, an int"):  # as nn and data say it
        Tensor.uniform(3, seed="x")  # type: ignore[arg-type]


def test_reflected_operators_with_scalars_and_arrays() -> None:
    x = Tensor([1.0, 2.0])
    np.testing.assert_array_equal((1 - x).data, [0.0, -1.0])
    np.testing.assert_array_equal((2 / x).data, [2.0, 1.0])
    np.testing.assert_array_equal((2**x).data, [2.0, 4.0])
    y = np.array([10.0, 20.0]) + x  # ndarray on the left dispatches to the Tensor
    assert isinstance(y, Tensor)
    np.testing.assert_array_equal(y.data, [11.0, 22.0])
    assert isinstance(np.exp(x), Tensor)
    assert isinstance(np.array([[1.0, 2.0]]) @ Tensor([[1.0], [1.0]]), Tensor)


def test_unsupported_numpy_function_is_a_clear_error() -> None:
    with pytest.raises(DTypeError, match="cbrt"):
        np.cbrt(Tensor([1.0]))


def test_comparisons_give_constant_boolean_tensors() -> None:
    x = Tensor([1.0, -1.0], requires_grad=True)
    m = x > 0
    assert m.dtype == np.bool_ and not m.requires_grad
    np.testing.assert_array_equal(m.data, [True, False])
    np.testing.assert_array_equal((x == 1.0).data, [True, False])
    assert {x: 1}[x] == 1  # tensors stay hashable (by identity)


def test_bool_of_a_tensor() -> None:
    assert bool(Tensor(1.0)) and not bool(Tensor([0.0]))
    with pytest.raises(ValueError, match="ambiguous"):
        bool(Tensor([1.0, 2.0]))


def test_setting_data_bumps_version_and_checks_dtype() -> None:
    w = Tensor([1.0], requires_grad=True)
    v = w._version
    w.data = np.array([2.0])
    assert w._version == v + 1
    with pytest.raises(DTypeError):
        w.data = np.array([1])


def test_requires_grad_() -> None:
    t = Tensor([1.0]).requires_grad_()
    assert t.requires_grad
    with pytest.raises(DTypeError):
        Tensor([1.0], requires_grad=True).__mul__(2).requires_grad_()


def test_method_shape_ops() -> None:
    t = Tensor(np.arange(6.0))
    assert t.reshape(2, 3).shape == (2, 3) and t.reshape((3, -1)).shape == (3, 2)
    assert t.reshape(2, 3).transpose().shape == (3, 2)
    assert t.reshape(1, 2, 3).transpose(2, 0, 1).shape == (3, 1, 2)
    assert t.reshape(2, 3).flatten().shape == (6,)
    assert t.expand_dims(0).shape == (1, 6) and t.expand_dims(-1).shape == (6, 1)
    assert t.reshape(1, 6, 1).squeeze().shape == (6,) and t.reshape(1, 6).squeeze(0).shape == (6,)
    assert t.broadcast_to(3, 6).shape == (3, 6)
    with pytest.raises(ShapeError, match="squeeze"):
        t.reshape(2, 3).squeeze(0)
    with pytest.raises(ShapeError, match="reshape"):
        t.reshape(4, 2)


def test_package_exports() -> None:
    for name in ["Tensor", "grad", "no_grad", "concatenate", "stack", "where", "maximum", "minimum"]:
        assert hasattr(tg, name)
    for name in ["binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy", "mse_loss"]:
        assert getattr(tg, name) is getattr(tg.functional, name)


def test_a_list_of_tensors_that_require_grad_is_refused_not_cut_from_the_graph() -> None:
    a, b = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0, 4.0], requires_grad=True)
    for data in ([a, b], (a, b), [[1.0, 2.0], b], [[a[0], 2.0]]):
        with pytest.raises(DTypeError, match=r"requires grad.*stack"):
            Tensor(data)
    with pytest.raises(DTypeError, match="requires grad"):
        Tensor([1.0, 2.0]) * [a, b]  # an operand given as a list is made the same way
    s = tg.stack([a, b])  # the recorded way to join them
    s.sum().backward()
    np.testing.assert_array_equal(a.grad, [1.0, 1.0])
    c = Tensor([Tensor([1.0, 2.0]), a.detach()])  # constants hold no graph to cut
    np.testing.assert_array_equal(c.data, [[1.0, 2.0], [1.0, 2.0]])
    assert not c.requires_grad and c.dtype == np.float64


def test_a_masked_array_is_refused() -> None:
    m = np.ma.masked_array([1.0, 2.0], mask=[False, True])
    with pytest.raises(DTypeError, match=r"masked array \(2,\) float64.*filled"):
        Tensor(m)
    with pytest.raises(DTypeError, match="masked array"):
        Tensor([1.0, 2.0]) + m
    np.testing.assert_array_equal(Tensor(m.filled(0.0)).data, [1.0, 0.0])


# --------------------------------------------------------------------------- NumPy functions on tensors
NUMPY_FUNCTIONS = {
    "sum": (lambda x: np.sum(x, axis=0), lambda x: x.sum(axis=0)),
    "sum keepdims": (lambda x: np.sum(x, 1, keepdims=True), lambda x: x.sum(1, keepdims=True)),
    "mean": (lambda x: np.mean(x), lambda x: x.mean()),
    "max": (lambda x: np.max(x, axis=1), lambda x: x.max(axis=1)),
    "amin": (lambda x: np.amin(x), lambda x: x.min()),
    "concatenate": (lambda x: np.concatenate([x, 2 * x], axis=1), lambda x: tg.concatenate([x, 2 * x], axis=1)),
    "concatenate axis=None": (lambda x: np.concatenate([x, x], axis=None), lambda x: tg.concatenate([x.flatten()] * 2)),
    "stack": (lambda x: np.stack([x, x], axis=2), lambda x: tg.stack([x, x], axis=2)),
    "where": (lambda x: np.where(x.data > 0, x, 0.0), lambda x: tg.where(x > 0, x, 0.0)),
    "dot 2-D": (lambda x: np.dot(x, x.T), lambda x: x @ x.T),
    "dot scalar": (lambda x: np.dot(x, 3.0), lambda x: x * 3.0),
    "reshape": (lambda x: np.reshape(x, (3, 2)), lambda x: x.reshape(3, 2)),
    "ravel": (lambda x: np.ravel(x), lambda x: x.flatten()),
    "transpose": (lambda x: np.transpose(x), lambda x: x.T),
    "squeeze": (lambda x: np.squeeze(x[None]), lambda x: x),
    "expand_dims": (lambda x: np.expand_dims(x, 1), lambda x: x.expand_dims(1)),
    "broadcast_to": (lambda x: np.broadcast_to(x[:1], (4, 3)), lambda x: x[:1].broadcast_to(4, 3)),
    "clip": (lambda x: np.clip(x, -0.5, 0.5), lambda x: x.clip(-0.5, 0.5)),
    "clip by arrays": (lambda x: np.clip(x, np.zeros(3), 1.0), lambda x: tg.minimum(x, 1.0).maximum(np.zeros(3))),
    "square": (lambda x: np.square(x), lambda x: x * x),
    "reciprocal": (lambda x: np.reciprocal(x), lambda x: 1.0 / x),
}


@pytest.mark.parametrize("via_numpy, via_tinygrad", NUMPY_FUNCTIONS.values(), ids=list(NUMPY_FUNCTIONS))
def test_numpy_functions_on_tensors_record_the_op(via_numpy, via_tinygrad) -> None:
    data = np.array([[0.3, -1.2, 2.0], [-0.7, 1.5, 0.9]])
    x, ref = Tensor(data, requires_grad=True), Tensor(data, requires_grad=True)
    y, expected = via_numpy(x), via_tinygrad(ref)
    assert isinstance(y, Tensor) and y.requires_grad and not y.is_leaf  # recorded, not cut
    np.testing.assert_allclose(y.data, expected.data, rtol=1e-15)
    assert y.dtype == expected.dtype
    weights = np.arange(1.0, y.size + 1).reshape(y.shape)
    (y * weights).sum().backward()
    (expected * weights).sum().backward()
    np.testing.assert_allclose(x.grad, ref.grad, rtol=1e-15)


def test_numpy_functions_without_a_gradient_compute_on_the_values() -> None:
    x = Tensor([[1.0, -2.0], [3.0, np.inf]], requires_grad=True)
    assert np.shape(x) == (2, 2) and np.ndim(x) == 2 and np.size(x) == 4
    assert np.argmax(x) == 3 and np.allclose(x, x.data) and np.array_equal(x, x.data)
    np.testing.assert_array_equal(np.nonzero(x.data > 0), np.where(x > 0))
    for ufunc in (np.isfinite, np.sign, np.floor):
        y = ufunc(x)
        assert isinstance(y, Tensor) and not y.requires_grad
        np.testing.assert_array_equal(y.data, ufunc(x.data))


@pytest.mark.parametrize(
    "call, fragments",
    [
        (lambda x: np.percentile(x, 50), ("np.percentile", "t.data")),
        (lambda x: np.linalg.norm(x), ("np.linalg.norm", "t.data")),
        (lambda x: np.cbrt(x), ("cbrt",)),
        (lambda x: np.add.reduce(x), ("add.reduce",)),
        (lambda x: np.add(x, 1.0, out=np.zeros((2, 3))), ("out=",)),
        (lambda x: np.sum(x, out=np.zeros(3)), ("np.sum", "out=")),
        (lambda x: np.mean(x, dtype=np.float32), ("np.mean", "dtype=")),
        (lambda x: np.max(x, initial=5.0), ("np.max", "initial=")),
        (lambda x: np.dot(x[None], x[None].T), ("np.dot", "matmul")),
        (lambda x: np.reshape(x, (3, 2), order="F"), ("np.reshape", "order=")),
    ],
)
def test_numpy_functions_without_an_op_are_refused_never_cut(call, fragments) -> None:
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(tg.TinygradError) as info:
        call(x)
    for fragment in fragments:
        assert fragment in str(info.value)
