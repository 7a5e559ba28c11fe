"""tinygrad_ng.testing: the strategies draw what they promise, and assert_gradients_close asserts."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_ng as tg
from tinygrad_ng.testing import ELEMENTS, arrays, assert_gradients_close, broadcastable_shapes, shapes, tensors


@given(shapes(min_dims=2, max_dims=3, min_side=2, max_side=4))
def test_shapes_respect_their_bounds(shape: tuple) -> None:
    assert 2 <= len(shape) <= 3 and all(2 <= n <= 4 for n in shape)


@given(broadcastable_shapes(3, max_dims=4))
def test_broadcastable_shapes_broadcast(shapes3: tuple) -> None:
    assert len(shapes3) == 3
    result = np.broadcast_shapes(*shapes3)
    assert len(result) == max(len(s) for s in shapes3)


@pytest.mark.parametrize("domain", sorted(ELEMENTS))
@given(data=st.data())
def test_named_domains(domain: str, data: st.DataObject) -> None:
    a = data.draw(arrays((4,), elements=domain))
    lo, hi = ELEMENTS[domain]
    values = np.abs(a) if domain == "nonzero" else a
    assert ((values >= lo) & (values <= hi)).all()
    if domain == "unit":
        assert ((a > 0) & (a < 1)).all()


@given(tensors(shape=(2, 2), dtype=np.float32, elements=(-0.5, 0.5), requires_grad=False, name="w"))
def test_tensors_take_dtype_range_flag_and_name(t: tg.Tensor) -> None:
    assert t.dtype == np.float32 and t.shape == (2, 2) and not t.requires_grad and t.name == "w"
    assert (np.abs(t.data) <= 0.5).all()


@given(tensors(shape=shapes(max_dims=2), dtype=st.sampled_from([np.float32, np.float64]), unique=True))
def test_drawn_shapes_and_dtypes_with_distinct_values(t: tg.Tensor) -> None:
    assert t.requires_grad and t.dtype in (np.float32, np.float64) and 1 <= t.ndim <= 2
    assert len(np.unique(t.data)) == t.size


def test_bad_strategy_arguments_are_refused() -> None:
    with pytest.raises(tg.ArgumentError, match="unknown domain 'negative'"):
        arrays((2,), elements="negative")
    with pytest.raises(tg.ArgumentError, match="lo <= hi"):
        arrays((2,), elements=(1.0, 0.0))
    with pytest.raises(tg.DTypeError, match="floating point"):
        tensors((2,), dtype=np.int64)
    with pytest.raises(tg.ArgumentError, match="at least 1"):
        broadcastable_shapes(0)


def test_assert_gradients_close_passes_and_returns_the_report() -> None:
    x = tg.Tensor([0.5, -1.0], requires_grad=True)
    report = assert_gradients_close(lambda x, c: (x * c).tanh(), x, np.array([2.0, 3.0]))
    assert report and len(report.inputs) == 1


def test_assert_gradients_close_fails_as_an_assertion_with_the_table() -> None:
    wrong = tg.custom_op("twice_wrong", lambda x: 2 * x, lambda g, out, x: g)  # should be 2 g
    x = tg.Tensor([0.5, -1.0], requires_grad=True)
    with pytest.raises(AssertionError, match=r"(?s)gradcheck FAILED.*op `twice_wrong` \(node 0\)"):
        assert_gradients_close(lambda x: wrong(x), x)
