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
    with pytest.raises(DTypeError, match="seed"):
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
    with pytest.raises(DTypeError, match="sin"):
        np.sin(Tensor([1.0]))


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
