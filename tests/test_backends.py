"""Tensors on arrays of other libraries (array-api-strict, Dask, torch, CuPy): wrapped, not copied.

The registry's property suite (tests/test_ops.py) runs every op on array-api-strict arrays too;
this file checks what is particular to the backends: no copy on the way in, gradients of the
data's type, clear errors for mixed libraries, ``.device``, ``.to`` and ``Module.to``.
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_ng as tg
from tinygrad_ng import _xp

xps = pytest.importorskip("array_api_strict")
da = pytest.importorskip("dask.array")

RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 8))
Y = (RNG.random((1, 8)) > 0.5).astype(np.float64)
W1 = RNG.standard_normal((4, 3))
B1 = RNG.standard_normal((4, 1))
W2 = RNG.standard_normal((1, 4))


def _dask(a: np.ndarray) -> object:
    return da.from_array(a, chunks=(a.shape[0], 4) if a.ndim == 2 and a.shape[1] == 8 else a.shape)


def _host(a: object) -> np.ndarray:
    return _xp.to_numpy(a)


def _two_layer(conv: object) -> tuple[tg.Tensor, list[tg.Tensor]]:
    """The course's two-layer model with every op of the first milestone, on arrays made by ``conv``."""
    params = [tg.Tensor(conv(a), requires_grad=True) for a in (W1, B1, W2)]
    w1, b1, w2 = params
    x = tg.Tensor(conv(X))
    y = conv(Y)
    a1 = (w1 @ x + b1).tanh()
    a1 = (a1.relu() + a1.sigmoid() * 0.5 - a1.exp().log() / 2 + a1 - a1 * 1.0).reshape(4, 8).transpose((1, 0)).T
    z2 = w2 @ a1
    a2 = z2.sigmoid()
    cost = tg.binary_cross_entropy(a2, y) + tg.binary_cross_entropy_with_logits(z2, y) + a2.mean() + a2.sum() / 10
    cost.backward()
    return cost, params


BACKENDS = {"array_api_strict": xps.asarray, "dask": _dask}


@pytest.mark.parametrize("name", list(BACKENDS))
def test_two_layer_model_matches_numpy_and_grads_keep_the_data_type(name: str) -> None:
    conv = BACKENDS[name]
    cost, params = _two_layer(conv)
    ref_cost, ref_params = _two_layer(lambda a: a)
    assert type(cost.data) is type(conv(X))
    np.testing.assert_allclose(_host(cost.data), ref_cost.data, rtol=1e-12)
    for p, ref in zip(params, ref_params):
        assert type(p.grad) is type(p.data), (type(p.grad), type(p.data))
        np.testing.assert_allclose(_host(p.grad), ref.grad, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", list(BACKENDS))
def test_cross_entropy_on_integer_labels_of_the_same_library(name: str) -> None:
    conv = BACKENDS[name]
    labels = np.array([0, 1, 2, 0, 1, 2, 0, 1])
    z = tg.Tensor(conv(X), requires_grad=True)
    cost = tg.cross_entropy(z, conv(labels))
    cost.backward()
    ref = tg.Tensor(X, requires_grad=True)
    tg.cross_entropy(ref, labels).backward()
    assert type(z.grad) is type(z.data)
    np.testing.assert_allclose(_host(z.grad), ref.grad, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", list(BACKENDS))
def test_wrapping_does_not_copy(name: str) -> None:
    arr = BACKENDS[name](X)
    t = tg.Tensor(arr)
    assert t.data is arr
    assert tg.Tensor(t).data is arr
    assert t.shape == (3, 8) and t.dtype == np.float64 and t.ndim == 2 and t.size == 24


def test_wrapping_with_a_dtype_converts_in_the_same_library() -> None:
    t = tg.Tensor(xps.asarray(X), dtype=np.float32)
    assert t.dtype == np.float32 and t.data.dtype == xps.float32


def test_numpy_parameters_with_dask_data_give_lazy_gradients() -> None:
    """The data-parallel layout: W is NumPy, X a Dask array chunked by columns (samples)."""
    w = tg.Tensor(W1, requires_grad=True)
    x = tg.Tensor(da.from_array(X, chunks=(3, 2)))
    z = w @ x
    assert isinstance(z.data, da.Array) and z.data.chunks[1] == (2, 2, 2, 2)
    z.tanh().sum().backward()
    assert isinstance(w.grad, da.Array)  # dW = dZ Xᵀ, reduced over the chunks when computed
    np.testing.assert_allclose(w.grad.compute(), (1 - np.tanh(W1 @ X) ** 2) @ X.T, rtol=1e-12)


@pytest.mark.parametrize(
    "other", [xps.asarray, pytest.param("torch", id="torch"), pytest.param("cupy", id="cupy")], ids=str
)
def test_numpy_with_another_library_in_one_op_is_a_clear_error(other: object) -> None:
    if isinstance(other, str):
        lib = pytest.importorskip(other)
        if other == "cupy" and not _has_gpu(lib):
            pytest.skip("no GPU for CuPy")
        other = lib.asarray
    a, b = tg.Tensor(np.ones(2)), tg.Tensor(other(np.ones(2)))
    for op in (lambda: a + b, lambda: b * a, lambda: tg.where(np.array([True, False]), a, b), lambda: b @ a):
        with pytest.raises(tg.BackendError, match=r"(add|mul|where|matmul): arrays of different libraries.*numpy"):
            op()
    np.testing.assert_allclose(_host((a.to(_xp.namespace(b.data)) + b).data), [2.0, 2.0])


def test_a_numpy_constant_with_strict_data_is_refused_but_numbers_work() -> None:
    t = tg.Tensor(xps.asarray([1.0, 2.0]), requires_grad=True)
    with pytest.raises(tg.BackendError, match="mul"):
        t * np.array([1.0, 2.0])
    y = (t * 2 + 1.5) ** 2 / 3.0
    y.sum().backward()
    assert type(t.grad) is type(t.data)
    np.testing.assert_allclose(_host(t.grad), 4 * (2 * np.array([1.0, 2.0]) + 1.5) / 3)


def test_device_and_to() -> None:
    t = tg.Tensor([1.0, 2.0], requires_grad=True, name="w")
    assert t.device == "cpu"
    assert t.to("numpy") is t and t.to(np) is t
    s = t.to(xps)
    assert isinstance(s.data, type(xps.asarray(1.0))) and s.requires_grad and s.name == "w" and s.is_leaf
    assert s.device == xps.asarray(1.0).device
    assert s.to("array_api_strict") is s
    back = s.to("numpy")
    assert type(back.data) is np.ndarray
    np.testing.assert_array_equal(back.data, [1.0, 2.0])
    d = t.to("dask")
    assert isinstance(d.data, da.Array)
    np.testing.assert_array_equal(d.to(np).data, [1.0, 2.0])
    with pytest.raises(tg.BackendError, match="unknown array library"):
        t.to("fortran")
    with pytest.raises(tg.BackendError, match="not an array namespace"):
        t.to(pytest)


def test_module_to_moves_every_parameter() -> None:
    model = tg.nn.Sequential(tg.nn.Linear(3, 4), tg.nn.Tanh(), tg.nn.Linear(4, 1))
    before = [p.data.copy() for p in model.parameters()]
    assert model.to(xps) is model
    params = list(model.parameters())
    assert all(isinstance(p.data, type(xps.asarray(1.0))) and p.requires_grad for p in params)
    for p, b in zip(params, before):
        np.testing.assert_array_equal(_host(p.data), b)
    model.to("numpy")
    assert all(type(p.data) is np.ndarray for p in model.parameters())


def test_repr_and_item_of_a_lazy_array_name_the_library() -> None:
    t = tg.Tensor(_dask(X))
    assert "dask.Array" in repr(t) and "shape=(3, 8)" in repr(t)
    assert tg.Tensor(da.ones((1,))).item() == 1.0


def test_strict_arrays_are_not_locked_but_work_in_place_free() -> None:
    arr = xps.asarray(X)
    w = tg.Tensor(arr, requires_grad=True)
    y = (w * w).sum()
    assert w.data is arr  # no locked view: the library's arrays cannot be made read-only
    y.backward()
    np.testing.assert_allclose(_host(w.grad), 2 * X)


def _has_gpu(cupy: object) -> bool:
    try:
        return cupy.cuda.runtime.getDeviceCount() > 0  # type: ignore[attr-defined]
    except Exception:
        return False


def test_cupy_arrays_train_on_the_gpu() -> None:
    cupy = pytest.importorskip("cupy")
    if not _has_gpu(cupy):
        pytest.skip("no GPU for CuPy")
    cost, params = _two_layer(cupy.asarray)
    ref_cost, ref_params = _two_layer(lambda a: a)
    np.testing.assert_allclose(float(cost.item()), ref_cost.item(), rtol=1e-12)
    for p, ref in zip(params, ref_params):
        assert type(p.grad) is cupy.ndarray
        np.testing.assert_allclose(cupy.asnumpy(p.grad), ref.grad, rtol=1e-10, atol=1e-12)


def test_torch_tensors_wrap_without_copy_and_give_torch_gradients() -> None:
    torch = pytest.importorskip("torch")
    arr = torch.asarray(X)
    t = tg.Tensor(arr)
    assert t.data is arr and t.dtype == np.float64 and t.device == arr.device
    cost, params = _two_layer(torch.asarray)
    ref_cost, ref_params = _two_layer(lambda a: a)
    np.testing.assert_allclose(cost.item(), ref_cost.item(), rtol=1e-12)
    for p, ref in zip(params, ref_params):
        assert isinstance(p.grad, torch.Tensor)
        np.testing.assert_allclose(p.grad.numpy(), ref.grad, rtol=1e-10, atol=1e-12)


def test_compile_refuses_other_libraries_with_a_clear_error() -> None:
    w = tg.Tensor(W2, requires_grad=True)
    step = tg.compile(lambda x: (w @ x).sum())
    with pytest.raises(tg.CompileError, match=r"argument 0 is a array_api_strict.Array.*NumPy arrays only"):
        step(tg.Tensor(xps.asarray(W1.T)))
    v = tg.Tensor(xps.asarray(W2), requires_grad=True)
    with pytest.raises(tg.CompileError, match=r"parameter.*NumPy arrays only"):
        tg.compile(lambda: (v * v).sum())()


@pytest.mark.parametrize("opt", ["SGD", "Momentum", "RMSprop", "Adam"])
def test_optimizers_train_a_module_moved_to_another_library(opt: str) -> None:
    def trained(target: str) -> list[np.ndarray]:
        model = tg.nn.Sequential(tg.nn.Linear(3, 4, seed=0), tg.nn.Tanh(), tg.nn.Linear(4, 1, seed=1)).to(target)
        params = model.parameters()
        make = {
            "SGD": lambda: tg.optim.SGD(params, lr=0.1),
            "Momentum": lambda: tg.optim.SGD(params, lr=0.1, momentum=0.9),
            "RMSprop": lambda: tg.optim.RMSprop(params, lr=0.01),
            "Adam": lambda: tg.optim.Adam(params, lr=0.01),
        }
        optimizer = make[opt]()
        x, y = _xp.to_namespace(X, target), _xp.to_namespace(Y, target)
        for _ in range(3):
            optimizer.zero_grad()
            tg.binary_cross_entropy_with_logits(model(tg.Tensor(x)), y).backward()
            tg.optim.clip_grad_norm_(params, 1.0)
            tg.optim.clip_grad_value_(params, 0.5)
            optimizer.step()
        assert all(_xp.namespace(p.data) is _xp.resolve(target) for p in params)
        return [_host(p.data) for p in params]

    for got, expected in zip(trained("array_api_strict"), trained("numpy")):
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)


def test_detect_anomaly_names_the_op_on_strict_arrays() -> None:
    x = tg.Tensor(xps.asarray([1.0, 0.0]), requires_grad=True)
    with tg.detect_anomaly(), pytest.raises(tg.AnomalyError, match="backward of op 'sqrt'"):
        x.sqrt().sum().backward()


def test_to_a_device_keeps_ops_and_gradients_there() -> None:
    device = xps.Device("device1")
    t = tg.Tensor(X, requires_grad=True).to(xps, device=device)
    assert t.device == device and t.to(xps, device=device) is t
    y = (t * 2.0 + 1).tanh().sum()
    y.backward()
    assert y.device == device and t.grad.device == device
    np.testing.assert_allclose(_host(t.grad), 2 * (1 - np.tanh(2 * X + 1) ** 2), rtol=1e-12)
    back = t.to(xps, device=xps.Device("CPU_DEVICE"))
    assert back.device == xps.Device("CPU_DEVICE") and back.requires_grad


def test_the_namespace_module_examples_run() -> None:
    """tinygrad_ng._xp is private, so test_docs leaves it out; its examples are its unit tests."""
    import doctest

    result = doctest.testmod(_xp, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 20 and result.failed == 0


def test_namespace_takes_numpys_fast_path_and_refuses_mixes() -> None:
    assert _xp.namespace(np.ones(2), 1.0, None, np.float32(2)) is np
    assert _xp.namespace(np.ones(2), _dask(X)).__name__.endswith("dask.array")  # NumPy constants beside Dask
    with pytest.raises(tg.BackendError, match=r"numpy\.ndarray and array_api_strict\.Array"):
        _xp.namespace(np.ones(2), xps.ones(2))
    assert _xp.namespace(tg.Tensor([1.0]), np.ones(1)) is tg.Tensor([1.0]).__array_namespace__()


def test_erf_and_einsum_run_where_the_library_has_them() -> None:
    torch = pytest.importorskip("torch")
    v = np.linspace(-1, 1, 5)
    x = tg.Tensor(torch.asarray(v), requires_grad=True)
    (tg.erf(x).sum() + tg.einsum("i,i->", x, x)).backward()
    assert isinstance(x.grad, torch.Tensor)
    np.testing.assert_allclose(x.grad.numpy(), 2 / np.sqrt(np.pi) * np.exp(-(v**2)) + 2 * v, rtol=1e-12)
    d = tg.Tensor(da.from_array(v, chunks=2), requires_grad=True)
    tg.einsum("i,i->", d, d).backward()
    np.testing.assert_allclose(d.grad.compute(), 2 * v, rtol=1e-12)
    with pytest.raises(tg.BackendError, match=r"erf is not in .*dask"):
        tg.erf(d)


@pytest.mark.parametrize("name", ["strict", "dask"])
@pytest.mark.parametrize("descending", [False, True])
def test_argsort_runs_in_the_data_library_stable_as_on_numpy(name: str, descending: bool) -> None:
    values = np.array([[3.0, 1.0, 3.0, 2.0], [0.0, 0.0, -1.0, 5.0]])  # ties: input order kept
    conv = xps.asarray if name == "strict" else _dask
    for axis in (0, 1):
        got = tg.argsort(tg.Tensor(conv(values)), axis=axis, descending=descending)
        assert type(got.data).__module__.split(".")[0] == ("array_api_strict" if name == "strict" else "dask")
        want = tg.argsort(tg.Tensor(values), axis=axis, descending=descending).data
        np.testing.assert_array_equal(_host(got.data), want)
        assert got.dtype == np.int64
    assert int(_host(tg.argsort(tg.Tensor(conv(np.float64(2.0)))).data)) == 0


@pytest.mark.parametrize(
    ("name", "call"),
    [
        ("sort", lambda t: tg.sort(t)),
        ("topk", lambda t: tg.topk(t, 1)),
        ("median", lambda t: tg.median(t)),
        ("one_hot", lambda t: tg.one_hot(tg.Tensor(xps.asarray([0, 1])), 3)),
        ("take_along_axis", lambda t: tg.take_along_axis(t, xps.asarray([[0]]), 1)),
        ("pad", lambda t: tg.pad(t, 1)),
        ("nonzero", lambda t: tg.nonzero(t)),
        ("argwhere", lambda t: tg.argwhere(t)),
    ],
)
def test_gathers_by_index_on_other_libraries_say_they_need_numpy(name: str, call: object) -> None:
    t = tg.Tensor(xps.asarray([[3.0, 1.0, 2.0]]), requires_grad=True)
    with pytest.raises(tg.BackendError, match=rf"^{name}: .*array_api_strict\.Array.*\.to\('numpy'\)"):
        call(t)


def test_logical_ops_take_any_values_truth_on_other_libraries_as_on_numpy() -> None:
    a, b = np.array([0.0, 2.0, -1.0, 0.0]), np.array([1.0, 0.0, 3.0, 0.0])
    for name in ("logical_and", "logical_or", "logical_xor"):
        got = getattr(tg, name)(tg.Tensor(xps.asarray(a)), tg.Tensor(xps.asarray(b)))
        np.testing.assert_array_equal(_host(got.data), getattr(np, name)(a, b))
    got = tg.logical_not(tg.Tensor(xps.asarray(a)))
    assert type(got.data).__module__.startswith("array_api_strict")
    np.testing.assert_array_equal(_host(got.data), np.logical_not(a))


def test_a_library_refusing_a_case_gives_a_library_error_naming_the_op() -> None:
    # Dask has no nd fancy indexing (NotImplementedError): a BackendError naming the op and library.
    with pytest.raises(tg.BackendError, match=r"^getitem: dask\.Array cannot do this: .*\(operands \(3, 3\) float64\)"):
        tg.diagonal(tg.Tensor(da.ones((3, 3), chunks=2)))


def test_torch_shape_errors_become_shape_errors_naming_the_op() -> None:
    torch = pytest.importorskip("torch")
    with pytest.raises(tg.ShapeError, match=r"^reshape: .*\(operands \(2, 3\) float64\)"):
        tg.Tensor(torch.ones(2, 3, dtype=torch.float64)).reshape(4)
