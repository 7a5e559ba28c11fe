"""The backward walk: hand-picked graphs the per-op property tests do not reach."""

from __future__ import annotations

import gc
import threading
import weakref

import numpy as np
import pytest

import tinygrad_ng as tg
from tinygrad_ng import GraphError, ShapeError, Tensor, no_grad
from tinygrad_ng import functional as F
from tinygrad_ng.ops import REGISTRY


def leaf(values: object, dtype: object = None) -> Tensor:
    return Tensor(values, requires_grad=True, dtype=dtype)


# --------------------------------------------------------------------------- graph shapes
def test_fan_out_a_plus_a_counts_both_edges() -> None:
    a = leaf([1.0, -2.0])
    (a + a).sum().backward()
    np.testing.assert_array_equal(a.grad, [2.0, 2.0])


def test_a_times_a_is_product_rule() -> None:
    a = leaf([3.0, -1.5])
    (a * a).sum().backward()
    np.testing.assert_array_equal(a.grad, 2 * a.data)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_0d_leaf_used_twice_gets_a_0d_array_as_grad(dtype: type) -> None:
    x = Tensor(2.0, requires_grad=True, dtype=dtype)
    (x * x).backward()
    assert type(x.grad) is np.ndarray and x.grad.shape == () and x.grad.dtype == dtype
    assert x.grad == 4.0
    (x * x).backward()  # accumulating across calls keeps the array too
    assert type(x.grad) is np.ndarray and x.grad == 8.0
    x.grad[...] = 0  # and it can be edited in place, as any other .grad
    assert x.grad == 0.0
    y = (x * 3).retain_grad()
    (y * y).backward()
    assert type(y.grad) is np.ndarray and y.grad.shape == () and y.grad == 12.0


def test_diamond_accumulates_both_paths() -> None:
    x = leaf(2.0)
    b = x * 3.0
    c = x.exp()
    (b * c).backward()  # d/dx [3x e^x] = 3 e^x + 3x e^x
    assert x.grad == pytest.approx(3 * np.exp(2.0) * (1 + 2.0))


def test_leaf_used_by_two_losses_accumulates_across_calls() -> None:
    w = leaf([1.0, 2.0])
    (w * 3.0).sum().backward()
    (w**2).sum().backward()
    np.testing.assert_array_equal(w.grad, [3.0 + 2.0, 3.0 + 4.0])
    w.zero_grad()
    assert w.grad is None


def test_gradients_of_two_leaves_are_not_aliased() -> None:
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (a + b).sum().backward()
    a.grad *= 10  # editing one gradient must not change the other
    np.testing.assert_array_equal(b.grad, [1.0, 1.0])


def test_upstream_gradient_array_is_not_aliased_into_grad() -> None:
    a = leaf([1.0, 2.0])
    g = np.array([5.0, 6.0])
    (a + 0.0).backward(g)
    a.grad += 1
    np.testing.assert_array_equal(g, [5.0, 6.0])


def test_unused_branch_gets_no_gradient() -> None:
    x, y = leaf(1.0), leaf(2.0)
    _ = y * 2  # recorded but not part of the loss
    (x * 3).backward()
    assert y.grad is None and x.grad == 3.0


def test_deep_composite_graph_matches_closed_form() -> None:
    x = leaf(0.3)
    y = x
    for _ in range(2_000):
        y = y.tanh() * 0.9 + 0.05
    y.backward()
    # the same derivative by forward-mode chain rule in plain Python
    v, d = 0.3, 1.0
    for _ in range(2_000):
        t = np.tanh(v)
        d *= (1 - t * t) * 0.9
        v = t * 0.9 + 0.05
    assert x.grad == pytest.approx(d, rel=1e-12)


# --------------------------------------------------------------------------- broadcasting
@pytest.mark.parametrize(
    ("shape", "expected"),
    [((3, 1), np.full((3, 1), 4.0)), ((1, 4), np.full((1, 4), 3.0)), ((4,), np.full(4, 3.0)), ((), 12.0)],
)
def test_broadcast_gradient_is_summed_back(shape: tuple[int, ...], expected: object) -> None:
    b = leaf(np.ones(shape))
    z = Tensor(np.arange(12.0).reshape(3, 4)) + b
    z.sum().backward()
    assert b.grad.shape == shape
    np.testing.assert_array_equal(b.grad, expected)


def test_course_bias_broadcast_db_is_row_sum() -> None:
    rng = np.random.default_rng(0)
    W, b = leaf(rng.standard_normal((3, 2))), leaf(np.zeros((3, 1)))
    X, G = rng.standard_normal((2, 5)), rng.standard_normal((3, 5))
    (W @ X + b).backward(G)
    np.testing.assert_allclose(b.grad, G.sum(axis=1, keepdims=True))
    np.testing.assert_allclose(W.grad, G @ X.T)


# --------------------------------------------------------------------------- what gets computed
def test_matmul_skips_the_vjp_of_an_input_that_does_not_require_grad(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    vjp_x, vjp_y = REGISTRY["matmul"].vjps

    def spy(i, f):  # type: ignore[no-untyped-def]
        def wrapped(*args, **kwargs):  # type: ignore[no-untyped-def]
            calls.append(i)
            return f(*args, **kwargs)

        return wrapped

    monkeypatch.setattr(REGISTRY["matmul"], "vjps", (spy(0, vjp_x), spy(1, vjp_y)))
    W, X = leaf(np.ones((2, 3))), Tensor(np.ones((3, 4)))
    (W @ X).sum().backward()
    assert calls == [0]  # dW only: W.T @ dZ is never formed
    assert X.grad is None


def test_no_grad_records_nothing() -> None:
    w = leaf([1.0])
    with no_grad():
        y = w * 2
        assert not tg.is_grad_enabled()
    assert tg.is_grad_enabled()
    assert not y.requires_grad and y.is_leaf and y.op is None


def test_no_grad_as_decorator_and_enable_grad_inside() -> None:
    w = leaf([1.0])

    @no_grad()
    def f() -> tuple[Tensor, Tensor]:
        with tg.enable_grad():
            inner = w * 2
        return w * 3, inner

    outer, inner = f()
    assert not outer.requires_grad and inner.requires_grad


def test_no_grad_is_per_thread() -> None:
    w = leaf([1.0])
    seen = {}
    inside, done = threading.Event(), threading.Event()

    def other() -> None:
        inside.wait()
        seen["other"] = (w * 2).requires_grad  # this thread never entered no_grad
        done.set()

    t = threading.Thread(target=other)
    t.start()
    with no_grad():
        inside.set()
        done.wait(5)
        seen["main"] = (w * 2).requires_grad
    t.join()
    assert seen == {"other": True, "main": False}


def test_detach_cuts_the_graph() -> None:
    w = leaf([2.0])
    d = (w * 3).detach()
    assert not d.requires_grad and d.is_leaf
    (d * w).sum().backward()
    np.testing.assert_array_equal(w.grad, [6.0])


# --------------------------------------------------------------------------- graph lifetime
def test_second_backward_without_retain_graph_is_a_clear_error() -> None:
    w = leaf([1.0, 2.0])
    loss = (w * w).sum()
    loss.backward()
    with pytest.raises(GraphError, match="retain_graph=True"):
        loss.backward()


def test_retain_graph_allows_a_second_backward_that_accumulates() -> None:
    w = leaf([1.0, 2.0])
    loss = (w * w).sum()
    loss.backward(retain_graph=True)
    loss.backward()
    np.testing.assert_array_equal(w.grad, 2 * 2 * w.data)


def test_backward_releases_intermediate_arrays() -> None:
    w = leaf(np.ones(1000))
    hidden = (w * 2).tanh()
    ref = weakref.ref(hidden)
    loss = hidden.sum()
    del hidden
    assert ref() is not None  # the graph keeps it alive for backward
    loss.backward()
    assert ref() is None  # released as soon as backward is past it
    assert loss.parents == () and loss.op == "sum"


def test_retain_grad_keeps_intermediate_gradient() -> None:
    w = leaf([1.0, -1.0])
    z = (w * 2).retain_grad()
    z.relu().sum().backward()
    np.testing.assert_array_equal(z.grad, [1.0, 0.0])
    np.testing.assert_array_equal(w.grad, [2.0, 0.0])


def test_training_step_graph_is_freed_without_the_gc() -> None:
    gc.disable()
    try:
        w = leaf(np.ones((3, 3)))
        x = Tensor(np.ones((3, 4)))
        refs = []
        for _ in range(5):
            a = (w @ x).relu()
            refs.append(weakref.ref(a))
            loss = a.sum()
            loss.backward()
            del a, loss
        assert all(r() is None for r in refs)  # freed by reference counting alone
    finally:
        gc.enable()


def test_inplace_edit_of_saved_input_is_detected() -> None:
    w = leaf([1.0, 2.0])
    x = Tensor([3.0, 4.0], name="x")
    loss = (w * x).sum()
    x.data = x.data * 2  # replaces the array the op saved
    with pytest.raises(tg.InplaceError, match=r"'x'.*'mul'"):
        loss.backward()


def test_edit_of_an_ops_own_output_is_detected() -> None:
    z = leaf([0.5, -0.5])
    a = z.sigmoid()  # its VJP reads a itself: da * a * (1 - a)
    a.data = np.zeros(2)
    with pytest.raises(tg.InplaceError, match=r"output.*'sigmoid'"):
        a.backward(np.ones(2))
    with pytest.raises(tg.InplaceError, match=r"output.*'sigmoid'"):  # also below an op recorded after the edit
        a.sum().backward()


# --------------------------------------------------------------------------- tg.grad
def test_grad_returns_tensors_and_leaves_dot_grad_alone() -> None:
    x = leaf([1.0, 2.0])
    (g,) = tg.grad((x**2).sum(), x)
    assert isinstance(g, Tensor)
    np.testing.assert_array_equal(g.data, [2.0, 4.0])
    assert x.grad is None


def test_grad_of_intermediate() -> None:
    x = leaf(3.0)
    h = x * 2
    (gh, gx) = tg.grad(h**2, [h, x])
    assert gh.item() == 12.0 and gx.item() == 24.0


def test_hessian_vector_product() -> None:
    rng = np.random.default_rng(3)
    x = leaf(rng.standard_normal(5))
    v = rng.standard_normal(5)
    (g,) = tg.grad((x**3).sum() + (x[:-1] * x[1:]).sum(), x, create_graph=True)
    (hv,) = tg.grad((g * v).sum(), x)
    hessian = np.diag(6 * x.data) + np.eye(5, k=1) + np.eye(5, k=-1)
    np.testing.assert_allclose(hv.data, hessian @ v, rtol=1e-12)


def test_third_derivative() -> None:
    x = leaf(0.7)
    y = x.sigmoid()
    (d1,) = tg.grad(y, x, create_graph=True)
    (d2,) = tg.grad(d1, x, create_graph=True)
    (d3,) = tg.grad(d2, x)
    s = 1 / (1 + np.exp(-0.7))
    assert d3.item() == pytest.approx(s * (1 - s) * (1 - 6 * s + 6 * s * s), rel=1e-12)


def test_grad_of_input_not_in_graph() -> None:
    x, y = leaf(1.0), leaf(2.0)
    with pytest.raises(GraphError, match="not part of the graph"):
        tg.grad(x * 2, y)
    assert tg.grad(x * 2, [x, y], allow_unused=True)[1] is None


def test_backward_with_create_graph_then_grad_of_grad() -> None:
    x = leaf(2.0)
    y = x**3
    y.backward(create_graph=True)
    assert x.grad == 12.0
    (d2,) = tg.grad(tg.grad(y, x, create_graph=True)[0], x)
    assert d2.item() == 12.0


# --------------------------------------------------------------------------- errors
def test_backward_of_non_scalar_needs_grad() -> None:
    w = leaf([1.0, 2.0])
    with pytest.raises(ShapeError, match=r"shape \(2,\).*grad="):
        (w * 2).backward()


def test_backward_grad_of_wrong_shape() -> None:
    w = leaf([1.0, 2.0])
    with pytest.raises(ShapeError, match=r"\(3,\).*\(2,\)"):
        (w * 2).backward(np.ones(3))


def test_backward_on_tensor_without_grad() -> None:
    with pytest.raises(GraphError, match="does not require grad"):
        Tensor([1.0]).sum().backward()


def test_matmul_shape_error_names_both_shapes() -> None:
    with pytest.raises(ShapeError, match=r"matmul of \(2, 3\) and \(4, 5\)"):
        leaf(np.ones((2, 3))) @ Tensor(np.ones((4, 5)))


def test_broadcast_error_names_op_and_shapes() -> None:
    with pytest.raises(ShapeError, match=r"add: .*\(2, 3\) float64 and \(4,\) float64"):
        Tensor(np.ones((2, 3))) + Tensor(np.ones(4))


def test_errors_subclass_builtins() -> None:
    assert issubclass(ShapeError, ValueError)
    assert issubclass(tg.DTypeError, TypeError)
    assert issubclass(tg.TensorIndexError, IndexError)
    assert issubclass(GraphError, RuntimeError)
    with pytest.raises(IndexError, match="getitem"):
        Tensor([1.0, 2.0])[5]


# --------------------------------------------------------------------------- dtypes through backward
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_dtype_preserved_forward_and_backward(dtype: type) -> None:
    W = leaf(np.ones((2, 3)), dtype=dtype)
    b = leaf(np.zeros((2, 1)), dtype=dtype)
    X = np.ones((3, 4), dtype=dtype)
    A = (W @ X + b).tanh() * 2.0 + np.float64(1.0)  # Python and NumPy scalars must not upcast
    loss = F.mean(A**2) / 3 - F.log_softmax(A, axis=0).sum() * 0.5
    assert A.dtype == dtype and loss.dtype == dtype
    loss.backward()
    assert W.grad.dtype == dtype and b.grad.dtype == dtype


def test_integer_targets_do_not_upcast_float32() -> None:
    A = leaf(np.full((1, 4), 0.5), dtype=np.float32)
    loss = tg.binary_cross_entropy(A, np.array([[1, 0, 1, 0]]))
    assert loss.dtype == np.float32
    loss.backward()
    assert A.grad.dtype == np.float32


INTEGER_TARGETS = {
    "list": lambda v: v.tolist(),
    "int64 ndarray": lambda v: v,
    "uint8 ndarray": lambda v: v.astype(np.uint8),
    "bool ndarray": lambda v: v.astype(bool),
    "int tensor": lambda v: Tensor(v, dtype=np.int64),
    "bool list": lambda v: v.astype(bool).tolist(),
}


@pytest.mark.parametrize("given", INTEGER_TARGETS.values(), ids=list(INTEGER_TARGETS))
@pytest.mark.parametrize("loss", ["binary_cross_entropy", "binary_cross_entropy_with_logits", "mse_loss"])
def test_integer_targets_take_the_predictions_dtype_however_they_are_given(given, loss) -> None:
    A = leaf(np.full((1, 4), 0.5), dtype=np.float32)
    J = getattr(tg, loss)(A, given(np.array([[1, 0, 1, 0]])))
    assert J.dtype == np.float32
    J.backward()
    assert A.grad.dtype == np.float32


def test_integer_python_lists_take_the_tensors_dtype_in_arithmetic() -> None:
    x = Tensor(np.ones(2, np.float32))
    for y in (x * [1, 2], [1, 2] + x, x - [[True], [False]], tg.maximum(x, [0, 3]), tg.where(x > 0, x, [0, 0])):
        assert y.dtype == np.float32
    assert (x * [1.5, 2.5]).dtype == np.float64  # Python floats are float64, and promote as in NumPy


def test_mixed_float_precisions_promote_like_numpy() -> None:
    a = leaf(np.ones(2), dtype=np.float32)
    b = leaf(np.ones(2), dtype=np.float64)
    c = a * b
    assert c.dtype == np.float64
    c.sum().backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64


# --------------------------------------------------------------------------- chained rules (sigmoid + BCE)
def _bce_of_sigmoid(z: np.ndarray, y: np.ndarray) -> tuple[Tensor, Tensor, Tensor]:
    Z = Tensor(z, requires_grad=True)
    A = Z.sigmoid()
    return Z, A, tg.binary_cross_entropy(A, y)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("seed", range(5))
def test_bce_after_sigmoid_backprops_as_a_minus_y_over_m(dtype: type, seed: int) -> None:
    rng = np.random.RandomState(seed)
    z = (rng.randn(3, 40) * (8 if dtype == np.float64 else 2)).astype(dtype)  # not saturated: a(1 - a) > eps
    y = (rng.rand(3, 40) < 0.5).astype(dtype)
    Z, A, J = _bce_of_sigmoid(z, y)
    J.backward()
    a = A.data.astype(np.float64)
    assert Z.grad.dtype == dtype
    np.testing.assert_allclose(Z.grad, (a - y) / y.size, rtol=1e-12 if dtype == np.float64 else 1e-6, atol=0)
    # the same as the two VJPs one after the other (a trace hook makes the walk run each one)
    Z2, _, J2 = _bce_of_sigmoid(z, y)
    with tg.graph.trace_backward(lambda *args: None):
        J2.backward()
    np.testing.assert_allclose(Z.grad, Z2.grad, rtol=1e-12 if dtype == np.float64 else 1e-6, atol=0)


def test_bce_after_sigmoid_releases_and_stamps_both_nodes() -> None:
    _, A, J = _bce_of_sigmoid(np.array([[0.5, -1.0]]), np.array([[1.0, 0.0]]))
    sig = J._node.parents[0]  # the cost's mean is inside the cross-entropy's node
    assert J._node.op.name == "binary_cross_entropy" and sig.op.name == "sigmoid"
    J.backward()
    assert sig.released and sig.run == J._node.run and A.grad is None


def test_bce_after_sigmoid_with_another_consumer_sums_both_paths() -> None:
    z, y = np.array([[0.5, -1.0, 2.0]]), np.array([[1.0, 0.0, 1.0]])
    Z, A, J = _bce_of_sigmoid(z, y)
    (J + (A * 3.0).sum()).backward()
    a = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(Z.grad, (a - y) / 3 + 3 * a * (1 - a), rtol=1e-12)


def test_bce_after_sigmoid_keeps_a_retained_or_asked_for_gradient() -> None:
    z, y = np.array([[0.5, -1.0]]), np.array([[1.0, 0.0]])
    a = 1 / (1 + np.exp(-z))
    Z, A, J = _bce_of_sigmoid(z, y)
    A.retain_grad()
    J.backward()
    np.testing.assert_allclose(A.grad, (a - y) / (a * (1 - a)) / 2, rtol=1e-12)
    np.testing.assert_allclose(Z.grad, (a - y) / 2, rtol=1e-12)
    Z, A, J = _bce_of_sigmoid(z, y)
    dA, dZ = tg.grad(J, [A, Z])
    np.testing.assert_allclose(dA.data, (a - y) / (a * (1 - a)) / 2, rtol=1e-12)
    np.testing.assert_allclose(dZ.data, (a - y) / 2, rtol=1e-12)


def test_bce_after_sigmoid_still_sees_an_edit_of_the_sigmoid_input() -> None:
    Z, _, J = _bce_of_sigmoid(np.array([[0.5, -1.0]]), np.array([[1.0, 0.0]]))
    Z.data = np.zeros((1, 2))  # new values after the sigmoid saved Z: its gradient would be wrong
    with pytest.raises(tg.InplaceError, match="sigmoid"):
        J.backward()


def test_bce_after_sigmoid_takes_the_chained_rule_only_where_it_may(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    rule = F.BCE.chain["sigmoid"]
    monkeypatch.setitem(F.BCE.chain, "sigmoid", lambda *a, **k: calls.append(1) or rule(*a, **k))
    z, y = np.array([[0.5, -1.0]]), np.array([[1.0, 0.0]])
    _bce_of_sigmoid(z, y)[2].backward()
    assert len(calls) == 1
    _, A, J = _bce_of_sigmoid(z, y)
    (J + A.sum()).backward()  # a second consumer of A
    J = _bce_of_sigmoid(z, y)[2]
    J.backward(create_graph=True)  # the gradients are recorded op by op
    assert len(calls) == 1


def test_backward_runs_each_node_once_after_every_consumer_of_its_output() -> None:
    # h feeds three ops made at different times (one of them two ops later); the walk goes by the
    # order ops ran in, so h's VJP must wait until all three have sent their part.
    w = Tensor([1.0, 2.0], requires_grad=True)
    h = w * 3
    a = h.exp()
    b = (h * h).sum()
    c = (a + h).sum() + b * 2
    walked: list[Tensor] = []
    with tg.graph.trace_backward(lambda out, g, i, gp: walked.append(out)):
        c.backward()
    runs = [t for k, t in enumerate(walked) if k == 0 or walked[k - 1] is not t]
    assert len({id(t) for t in runs}) == len(runs)  # each node's VJP ran in one go
    assert len(runs) == 8 and runs[-1] is h  # every other node was made after h
    assert any(t is a for t in runs)
    hv = 3 * w.data
    np.testing.assert_allclose(w.grad, 3 * (np.exp(hv) + 1 + 4 * hv))


def test_leaves_handed_one_shared_gradient_each_own_a_writable_copy() -> None:
    # add passes its gradient on unchanged, and sum's is a read-only broadcast view: neither may
    # become a leaf's .grad as it is.
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = Tensor([3.0, 4.0], requires_grad=True)
    (x + y).sum().backward()
    assert not np.shares_memory(x.grad, y.grad)
    x.grad += 1
    np.testing.assert_array_equal(x.grad, [2.0, 2.0])
    np.testing.assert_array_equal(y.grad, [1.0, 1.0])
    b = Tensor([[0.5], [1.5]], requires_grad=True)  # a column bias: its gradient is summed over the columns
    (Tensor(np.arange(6.0).reshape(2, 3)) * 2 + b).sum().backward()
    np.testing.assert_array_equal(b.grad, [[3.0], [3.0]])
    assert b.grad.flags.writeable and b.grad.shape == (2, 1)


def test_sum_to_refuses_a_gradient_with_fewer_dimensions_than_its_target() -> None:
    # the column-bias fast path must not index a 0-d or 1-D gradient's shape before the check
    for g in (np.array(1.0), np.ones(3)):
        with pytest.raises(ShapeError, match="cannot be summed"):
            tg.graph.sum_to(g, (3, 1))
    np.testing.assert_array_equal(tg.graph.sum_to(np.ones((3, 4)), (3, 1)), np.full((3, 1), 4.0))
