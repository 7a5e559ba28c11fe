"""tinygrad_ng.nn: course initialisers, course gradients step by step, names and scopes, save/load."""

from __future__ import annotations

import pickle
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_ng as tg
from tinygrad_ng import course, nn
from tinygrad_ng.errors import ArgumentError, SerializationError, ShapeError
from tinygrad_ng.optim import SGD


# --------------------------------------------------------------------------- initialisers
@pytest.mark.parametrize(
    ("n_units", "init", "seed", "expected"),
    [
        ([2, 4, 1], "course-small", 2, lambda: course.initialize_parameters(2, 4, 1, seed=2)),
        ([12288, 7, 1], "course-small", 1, lambda: course.initialize_parameters(12288, 7, 1, seed=1)),
        ([12288, 20, 7, 5, 1], "course-deep", 1, lambda: course.initialize_parameters_deep([12288, 20, 7, 5, 1], 1)),
    ],
    ids=["planar", "two-layer", "four-layer"],
)
def test_mlp_reproduces_the_course_initial_parameters_exactly(n_units, init, seed, expected) -> None:
    model = nn.MLP(n_units, init=init, seed=seed)
    want = expected()
    got = model.state_dict()
    assert list(got) == list(want)  # W1, b1, W2, b2, ...: the course's parameters dict
    for name in want:
        assert np.array_equal(got[name], want[name]), name


def test_seed_none_draws_from_numpys_global_generator_as_the_course_does() -> None:
    np.random.seed(1)
    model = nn.MLP([5, 3, 1], init="course-small")
    want = course.initialize_parameters(5, 3, 1, seed=1)
    assert np.array_equal(model.W1.data, want["W1"]) and np.array_equal(model.W2.data, want["W2"])


def test_one_generator_is_drawn_from_in_sequence() -> None:
    rng = np.random.RandomState(7)
    a, b = nn.Linear(3, 2, seed=rng, init="course-small"), nn.Linear(3, 2, seed=rng, init="course-small")
    again = np.random.RandomState(7)
    assert np.array_equal(a.W.data, again.randn(2, 3) * 0.01)
    assert np.array_equal(b.W.data, again.randn(2, 3) * 0.01)


@pytest.mark.parametrize(
    ("init", "std"), [("he", np.sqrt(2 / 400)), ("xavier", np.sqrt(2 / 600)), ("course-deep", 0.05)]
)
def test_scaled_initialisers_have_their_standard_deviation(init: str, std: float) -> None:
    W = nn.init_weight(200, 400, init, seed=0)
    assert W.shape == (200, 400)
    assert abs(W.std() / std - 1) < 0.02


def test_zeros_warns_about_symmetry_only_for_layers_of_several_units() -> None:
    with pytest.warns(UserWarning, match="symmetry"):
        nn.MLP([3, 4, 1], init="zeros")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = nn.MLP([3, 1], init="zeros")  # logistic regression: nothing to break
    assert not model.W1.data.any()


def test_unknown_init_and_activation_are_clear_errors() -> None:
    with pytest.raises(ArgumentError, match="unknown init 'normal'"):
        nn.MLP([2, 1], init="normal")
    with pytest.raises(ArgumentError, match="unknown activation 'swish'"):
        nn.Linear(2, 1, "swish")
    with pytest.raises(ArgumentError, match="n_units"):
        nn.MLP([3])


def test_float32_models_stay_float32() -> None:
    model = nn.MLP([3, 2, 1], seed=0, dtype=np.float32)
    assert all(p.dtype == np.float32 for p in model.parameters())
    assert model(np.ones((3, 4), np.float32)).dtype == np.float32


# --------------------------------------------------------------------------- gradients = the course's
def _train_both(model: nn.MLP, params: dict, X, Y, lr: float, steps: int, backward) -> None:
    opt = SGD(model.parameters(), lr=lr)
    for step in range(steps):
        opt.zero_grad()
        cost = tg.binary_cross_entropy(model(X), Y)
        cost.backward()
        grads = backward(params)
        for name, p in model.named_parameters():
            np.testing.assert_allclose(p.grad, grads[f"d{name}"], rtol=1e-9, atol=1e-15, err_msg=f"step {step} {name}")
        opt.step()
        params = course.update_parameters(params, grads, lr)
        for name, p in model.named_parameters():
            np.testing.assert_allclose(p.data, params[name], rtol=1e-9, atol=1e-15, err_msg=f"step {step} {name}")


def test_planar_model_gradients_equal_the_course_backward_propagation_step_by_step() -> None:
    X, Y = tg.data.load_planar()
    model = nn.MLP([2, 4, 1], hidden="tanh", init="course-small", seed=2)

    def backward(params: dict) -> dict:
        _, cache = course.forward_propagation(X, params, "tanh")
        return course.backward_propagation(params, cache, X, Y, "tanh")

    _train_both(model, course.initialize_parameters(2, 4, 1, seed=2), X, Y, 1.2, 5, backward)


@given(seed=st.integers(0, 2**16), m=st.integers(1, 12), hidden=st.sampled_from(["relu", "tanh"]))
def test_deep_model_gradients_equal_the_course_L_model_backward(seed: int, m: int, hidden: str) -> None:
    rng = np.random.RandomState(seed)
    dims = [6, 5, 3, 1]
    X, Y = rng.randn(dims[0], m), (rng.rand(1, m) > 0.5).astype(np.float64)
    model = nn.MLP(dims, hidden=hidden, init="course-deep", seed=seed)

    def backward(params: dict) -> dict:
        AL, caches = course.L_model_forward(X, params, hidden)
        return course.L_model_backward(AL, Y, caches, hidden)

    _train_both(model, model.state_dict(), X, Y, 0.1, 3, backward)


# --------------------------------------------------------------------------- names and scopes
def test_sequential_names_parameters_by_dotted_path_and_sets_tensor_names() -> None:
    net = nn.Sequential(nn.Linear(2, 3, "relu", seed=0), nn.Linear(3, 1, "sigmoid", seed=0))
    names = [name for name, _ in net.named_parameters()]
    assert names == ["layers.0.W", "layers.0.b", "layers.1.W", "layers.1.b"]
    assert [p.name for p in net.parameters()] == names


class _Wrapper(nn.Module):
    def __init__(self) -> None:
        self.body = nn.Sequential(nn.Linear(2, 3, "tanh", seed=0), nn.Linear(3, 1, seed=0))
        self.scale = tg.Tensor([[2.0]], requires_grad=True)

    def forward(self, x: tg.Tensor) -> tg.Tensor:
        return self.body(x) * self.scale


def test_nested_modules_get_full_dotted_names_and_each_layer_runs_in_its_scope() -> None:
    model = _Wrapper()
    assert [p.name for p in model.parameters()] == [
        "scale",
        "body.layers.0.W",
        "body.layers.0.b",
        "body.layers.1.W",
        "body.layers.1.b",
    ]
    out = model(np.ones((2, 4)))
    assert out.scope is None  # the top-level module has no name of its own
    linear1 = out.parents[0]  # W @ x + b of the second layer
    assert linear1.op == "add" and linear1.scope == "body.layers.1"
    tanh = linear1.parents[0].parents[1]
    assert tanh.op == "tanh" and tanh.scope == "body.layers.0"


def test_mlp_layers_run_in_course_named_scopes() -> None:
    model = nn.MLP([2, 3, 1], hidden="tanh", seed=0)
    out = model(np.ones((2, 4)))
    assert out.op == "sigmoid" and out.scope == "layer2"
    assert out.parents[0].parents[0].parents[1].scope == "layer1"  # tanh(Z1)


def test_shared_parameters_are_listed_once() -> None:
    layer = nn.Linear(2, 2, seed=0)
    net = nn.Sequential(layer, layer)
    assert len(net.parameters()) == 2


def test_input_of_the_wrong_shape_names_the_expected_layout() -> None:
    with pytest.raises(ShapeError, match=r"MLP: input has shape \(4, 2\); expected \(n_x=2, m\)"):
        nn.MLP([2, 1], seed=0)(np.ones((4, 2)))
    with pytest.raises(ShapeError, match=r"Linear: input has shape \(3, 5\) but W is \(1, 2\)"):
        nn.Linear(2, 1, seed=0)(np.ones((3, 5)))


def test_zero_grad_clears_every_parameter() -> None:
    model = nn.MLP([2, 2, 1], seed=0)
    tg.binary_cross_entropy(model(np.ones((2, 3))), [[1, 0, 1]]).backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


# --------------------------------------------------------------------------- save / load
def _two_models() -> tuple[nn.MLP, nn.MLP]:
    return nn.MLP([3, 4, 1], seed=1), nn.MLP([3, 4, 1], seed=2)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_save_load_round_trip_is_exact(tmp_path: Path, dtype) -> None:
    a = nn.MLP([3, 4, 1], seed=1, dtype=dtype)
    b = nn.MLP([3, 4, 1], seed=2, dtype=dtype)
    a.save(tmp_path / "model.npz")
    b.load(tmp_path / "model.npz")
    for (name, p), q in zip(a.named_parameters(), b.parameters()):
        assert q.dtype == dtype and np.array_equal(p.data, q.data), name
    assert [f.name for f in tmp_path.iterdir()] == ["model.npz"]  # no temporary file left behind


def test_a_failed_save_leaves_the_existing_file_untouched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = _two_models()
    path = tmp_path / "model.npz"
    a.save(path)
    before = path.read_bytes()

    def broken_savez(file, **arrays):
        file.write(b"PK\x03\x04 half an archive")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken_savez)
    with pytest.raises(OSError, match="disk full"):
        b.save(path)
    assert path.read_bytes() == before
    assert [f.name for f in tmp_path.iterdir()] == ["model.npz"]


def _corrupt(kind: str, good: bytes, path: Path) -> None:
    if kind == "truncated":
        path.write_bytes(good[: len(good) // 2])
    elif kind == "flipped":
        data = bytearray(good)
        data[len(data) // 3] ^= 0xFF  # inside the first array's bytes: the zip CRC no longer matches
        path.write_bytes(bytes(data))
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "text":
        path.write_text("W1,b1\n1,2\n")
    elif kind == "pickle":
        path.write_bytes(pickle.dumps({"W1": np.zeros((4, 3))}))
    elif kind == "npy":
        np.save(path.with_suffix(".npy"), np.zeros(3))
        path.with_suffix(".npy").rename(path)
    elif kind == "object-array":
        np.savez(path, W1=np.array([{"evil": 1}], dtype=object))


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("truncated", "truncated or corrupted"),
        ("flipped", "corrupted"),
        ("empty", "empty file"),
        ("text", "unrecognised content"),
        ("pickle", "pickle"),
        ("npy", "single .npy array"),
        ("object-array", "pickled objects"),
    ],
)
def test_load_refuses_damaged_or_pickle_bearing_files_and_changes_nothing(
    tmp_path: Path, kind: str, message: str
) -> None:
    a, b = _two_models()
    a.save(tmp_path / "good.npz")
    path = tmp_path / "bad.npz"
    _corrupt(kind, (tmp_path / "good.npz").read_bytes(), path)
    before = b.state_dict()
    with pytest.raises(SerializationError, match=message) as info:
        b.load(path)
    assert "bad.npz" in str(info.value)
    assert all(np.array_equal(before[k], v) for k, v in b.state_dict().items())


def test_load_of_a_missing_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(SerializationError, match=r"nope\.npz.*no such file"):
        nn.MLP([2, 1], seed=0).load(tmp_path / "nope.npz")


def test_load_refuses_other_names_or_shapes(tmp_path: Path) -> None:
    nn.MLP([3, 4, 1], seed=0).save(tmp_path / "wide.npz")
    nn.MLP([3, 1], seed=0).save(tmp_path / "small.npz")
    with pytest.raises(SerializationError, match=r"'W1' has shape \(4, 3\) in the state but \(5, 3\)"):
        nn.MLP([3, 5, 1], seed=0).load(tmp_path / "wide.npz")
    with pytest.raises(SerializationError, match=r"missing \['W2', 'b2'\]"):
        nn.MLP([3, 4, 1], seed=0).load(tmp_path / "small.npz")
