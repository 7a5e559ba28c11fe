"""In-place safety: arrays a live graph saved for backward are locked; edits raise InplaceError at the edit.

The lock is released when backward releases the op that saved the array, or when the graph is
garbage collected without a backward. Assigning ``t.data = new`` always works; a graph that then
runs backward notices through the version counter.
"""

from __future__ import annotations

import gc
import threading
import weakref

import numpy as np
import pytest

import tinygrad_ng as tg
from tinygrad_ng import InplaceError, Tensor


def _graph() -> tuple[Tensor, Tensor, Tensor]:
    W = Tensor([[1.0, 2.0]], requires_grad=True, name="W1")
    X = Tensor([[3.0], [4.0]], name="X")
    Z = W @ X
    return W, X, Z


EDITS = {
    "setitem": lambda a: a.__setitem__((0, 0), 5.0),
    "slice setitem": lambda a: a[:, :1].__setitem__(Ellipsis, 5.0),
    "iadd": lambda a: a.__iadd__(1.0),
    "imul": lambda a: a.__imul__(2.0),
    "ufunc out": lambda a: np.multiply(a, 2.0, out=a),
    "ufunc at": lambda a: np.add.at(a, (0, 0), 1.0),
    "copyto": lambda a: np.copyto(a, 0.0),
    "putmask": lambda a: np.putmask(a, a > 0, 0.0),
    "fill": lambda a: a.fill(0.0),
    "sort": lambda a: a.sort(),
    "transposed view": lambda a: a.T.__setitem__((0, 0), 5.0),
}


@pytest.mark.parametrize("edit", EDITS.values(), ids=list(EDITS))
def test_edit_of_saved_parameter_raises_at_the_edit(edit):
    W, _, Z = _graph()
    before = W._data.copy()
    with pytest.raises(InplaceError) as info:
        edit(W.data)
    msg = str(info.value)
    assert "'W1' (1, 2) float64" in msg and "'matmul'" in msg
    np.testing.assert_array_equal(W._data, before)  # nothing changed
    Z.backward()
    np.testing.assert_array_equal(W.grad, [[3.0, 4.0]])  # and the gradient is right


def test_input_constant_is_locked_too():
    _, X, _ = _graph()
    with pytest.raises(InplaceError, match=r"'X' \(2, 1\)"):
        X.data[0, 0] = 0.0


def test_intermediate_saved_by_a_later_op_is_locked():
    W = Tensor([1.0, -2.0], requires_grad=True)
    A = W * 3.0
    loss = (A * A).sum()
    with pytest.raises(InplaceError, match="'mul'"):
        A.data[0] = 0.0
    loss.backward()
    np.testing.assert_allclose(W.grad, 18 * W._data)


def test_iadd_on_locked_data_does_not_bump_the_version():
    W, _, Z = _graph()
    with pytest.raises(InplaceError):
        W.data += 1.0
    assert W._version == 0
    Z.backward()  # the graph is intact


def test_reading_a_locked_array_behaves_as_a_plain_ndarray():
    W, _, _ = _graph()
    a = W.data
    assert isinstance(a, np.ndarray)
    assert type(a * 2) is np.ndarray and type(np.exp(a)) is np.ndarray
    assert a.sum() == 3.0 and a.shape == (1, 2) and a.dtype == np.float64
    assert repr(a) == "array([[1., 2.]])"
    c = a.copy()
    c[0, 0] = 9.0  # a copy is the user's own array
    assert type(c) is np.ndarray and W._data[0, 0] == 1.0
    assert Tensor(a).data.flags.writeable  # and so is a tensor made from it


def test_backward_releases_the_lock_and_the_update_path_works():
    W, _, Z = _graph()
    Z.backward()
    assert type(W.data) is np.ndarray and W.data.flags.writeable
    W.data -= 0.1 * W.grad
    np.testing.assert_allclose(W.data, [[0.7, 1.6]])
    W.data[0, 0] = 5.0
    W.data = np.zeros((1, 2))
    assert W._version == 2  # two assignments through the setter (the -= and the =)


def test_garbage_collected_graph_releases_the_lock():
    W, _, Z = _graph()
    del Z
    gc.collect()
    W.data[0, 0] = 5.0
    assert W._data[0, 0] == 5.0


def test_retain_graph_keeps_the_lock_until_the_last_backward():
    W, _, Z = _graph()
    Z.backward(retain_graph=True)
    with pytest.raises(InplaceError):
        W.data[0, 0] = 5.0
    Z.backward()
    W.data[0, 0] = 5.0
    np.testing.assert_array_equal(W.grad, [[6.0, 8.0]])


def test_two_live_graphs_lock_until_both_are_released():
    W = Tensor([1.0, 2.0], requires_grad=True, name="W")
    older = (W * W).sum()
    newer = (W * 3.0).sum()
    newer.backward()
    with pytest.raises(InplaceError, match="'mul'"):
        W.data[0] = 0.0  # the older graph still needs W
    older.backward()
    np.testing.assert_allclose(W.grad, 3.0 + 2 * np.array([1.0, 2.0]))
    W.data[0] = 0.0


def test_tensor_used_many_times_in_one_graph():
    W = Tensor(np.ones(3), requires_grad=True)
    y = W
    for _ in range(100):
        y = y * W  # W saved by 100 ops
    with pytest.raises(InplaceError):
        W.data[0] = 2.0
    y.sum().backward()
    np.testing.assert_allclose(W.grad, 101.0)
    W.data[0] = 2.0


def test_view_taken_while_locked_stays_read_only_with_a_clear_message():
    W, _, Z = _graph()
    view = W.data
    Z.backward()
    with pytest.raises(InplaceError, match=r"take \.data again"):
        view[0, 0] = 5.0
    W.data[0, 0] = 5.0


def test_assignment_while_locked_is_caught_by_the_version_counter_at_backward():
    W, _, Z = _graph()
    W.data = np.zeros((1, 2))  # rebinding is allowed; the graph then refuses to use it
    with pytest.raises(InplaceError, match=r"'W1' \(1, 2\).*'matmul'.*version 0 -> 1"):
        Z.backward()


def test_numpy_and_asarray_are_locked_too():
    W, _, _ = _graph()
    with pytest.raises(InplaceError):
        W.numpy()[0, 0] = 1.0
    assert not np.asarray(W).flags.writeable
    assert np.array(W).flags.writeable  # np.array copies


def test_no_grad_records_nothing_and_locks_nothing():
    W = Tensor([1.0], requires_grad=True)
    with tg.no_grad():
        y = W * 2.0
    W.data[0] = 3.0
    assert y.item() == 2.0


def test_sgd_loop_with_in_place_updates():
    rng = np.random.RandomState(0)
    X = Tensor(rng.randn(3, 20))
    Y = (rng.rand(1, 20) > 0.5).astype(np.float64)
    W = Tensor(np.zeros((1, 3)), requires_grad=True)
    b = Tensor(np.zeros((1, 1)), requires_grad=True)
    costs = []
    for _ in range(50):
        cost = tg.binary_cross_entropy_with_logits(W @ X + b, Y)
        cost.backward()
        for p in (W, b):
            p.data -= 0.5 * p.grad
            p.grad = None
        costs.append(cost.item())
    assert costs[-1] < costs[0]


def test_optimizer_step_works_after_backward():
    optim = pytest.importorskip("tinygrad_ng.optim")
    W = Tensor([1.0, -1.0], requires_grad=True)
    opt = optim.SGD([W], lr=0.1)
    for _ in range(3):
        loss = (W * W).sum()
        loss.backward()
        opt.step()
        opt.zero_grad()
    np.testing.assert_allclose(W.data, np.array([1.0, -1.0]) * 0.8**3)


def test_locks_are_per_graph_across_threads():
    errors: list[BaseException] = []

    def train(seed: int) -> None:
        try:
            W = Tensor(np.random.RandomState(seed).randn(4), requires_grad=True)
            for _ in range(200):
                loss = (W * W).sum()
                loss.backward()
                W.data -= 0.01 * W.grad
                W.grad = None
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=train, args=(s,)) for s in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


@pytest.mark.parametrize(
    "view",
    [lambda W: W.reshape(4), lambda W: W.T, lambda W: W[0], lambda W: W.reshape(4)[1:]],
    ids=["reshape", "transpose", "row", "slice of a reshape"],
)
def test_views_of_a_saved_tensor_are_locked_too(view):
    W = Tensor(np.ones((2, 2)), requires_grad=True, name="W")
    y = view(W)  # shares W's memory
    loss = (W * 3.0).sum()
    with pytest.raises(InplaceError, match=r"cannot change tensor .*saved it for backward"):
        y.data[...] = 5.0  # names W, or the view between W and y that a later op saved
    loss.backward()
    np.testing.assert_array_equal(W.grad, np.full((2, 2), 3.0))
    del loss, y
    W.data[0, 0] = 5.0  # free again once no graph needs W


def test_a_copy_made_by_an_op_is_not_locked_by_its_input():
    W = Tensor(np.ones((2, 2)), requires_grad=True)
    y = W * 1.0  # a fresh array, not a view
    y.data[0, 0] = 5.0  # nothing saved y, and it does not share W's memory
    assert W._data[0, 0] == 1.0


def test_an_edit_through_detach_of_a_saved_tensor_raises():
    x = Tensor([1.0, 2.0], requires_grad=True, name="x")
    y = (x * x).sum()
    with pytest.raises(InplaceError, match=r"'x' \(2,\) float64.*'mul'"):
        x.detach().data[0] = 9.0  # the detached tensor shares x's array
    with pytest.raises(InplaceError):
        x.detach().detach().numpy()[0] = 9.0  # and so does a detached tensor's detached tensor
    y.backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])
    d = x.detach()
    d.data[0] = 9.0  # no graph needs x any more: the shared array is free, and x sees the edit
    assert x.data[0] == 9.0


def test_an_edit_of_the_original_of_a_saved_detached_tensor_raises():
    x = Tensor([1.0, 2.0], requires_grad=True)
    w = Tensor([3.0, 4.0], requires_grad=True)
    d, twin = x.detach(), x.detach()
    loss = (d * w).sum()  # the graph saved d, whose array is x's
    with pytest.raises(InplaceError, match="'mul'"):
        x.data[0] = 9.0
    del x  # a twin still shares the array with d
    with pytest.raises(InplaceError, match="'mul'"):
        twin.data[1] = 9.0
    loss.backward()
    np.testing.assert_array_equal(w.grad, [1.0, 2.0])


def test_a_detached_tensor_with_new_data_is_not_locked_and_holds_no_graph():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * 2.0
    d = y.detach()
    d.data = np.zeros(2)  # its own array now
    loss = (y * y).sum()
    d.data[0] = 5.0  # not y's array, so not locked by loss
    ref = weakref.ref(y)
    del y, loss
    gc.collect()
    assert ref() is None  # d does not keep y (or y's graph) alive
    for _ in range(1000):
        x.detach()
    assert len(x._family) < 64  # dead twins are dropped as they accumulate


def test_np_asarray_of_a_saved_tensor_is_read_only():
    """np.asarray strips array subclasses, so its write is refused by NumPy's read-only flag.

    NumPy gives back a plain ndarray, whose item assignment runs no Python code, so the error is
    NumPy's ValueError rather than InplaceError; the edit is refused all the same and the
    gradient stays right. np.asanyarray keeps the locked view and raises InplaceError.
    """
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    with pytest.raises(ValueError, match="read-only"):
        np.asarray(x)[0] = 9.0
    with pytest.raises(InplaceError, match="'mul'"):
        np.asanyarray(x)[0] = 9.0
    y.backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])
