"""Data-parallel training on Dask (tinygrad_ng.distributed and train.fit with Dask inputs).

One LocalCluster of two worker processes serves the module. Its workers have a low memory limit
and may not spill to disk, so the test that trains on data larger than that limit fails (the
worker is killed) unless the data really flows through chunk by chunk.
"""

from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pytest
from conftest import CAT_DIR, IN_CI, ROOT, needs_cat_data

if not IN_CI:  # CI installs dask[distributed] (the dev extra): there these tests must run
    pytest.importorskip("dask.array")
    pytest.importorskip("distributed")

import dask
import dask.array as da
from dask.core import get_dependencies
from distributed import Client, LocalCluster, wait

import tinygrad_ng as tg
from tinygrad_ng import nn
from tinygrad_ng.distributed import align_samples, compute_gradients, is_dask_array, split_samples
from tinygrad_ng.errors import ArgumentError, ShapeError
from tinygrad_ng.train import accuracy, fit, predict

MEMORY_LIMIT = 200 * 2**20  # bytes per worker; an idle worker takes about 90 MB


@pytest.fixture(scope="module")
def client():
    # No spilling to disk and no pausing: a worker that holds more than its limit is killed, and the
    # computation fails at once (allowed-failures 0) instead of being retried.
    config = {
        "distributed.worker.memory.target": False,
        "distributed.worker.memory.spill": False,
        "distributed.worker.memory.pause": False,
        "distributed.worker.memory.terminate": 0.95,
        "distributed.scheduler.allowed-failures": 0,
    }
    with dask.config.set(config):
        cluster = LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, memory_limit=MEMORY_LIMIT
        )
        with cluster, Client(cluster) as c:
            yield c


def _costs_and_parameters(model: nn.Module, history: tg.train.History) -> list[np.ndarray]:
    return [np.asarray(history.costs), *(p.data for p in model.parameters())]


def _relative_differences(got: list[np.ndarray], expected: list[np.ndarray]) -> list[float]:
    return [float(np.linalg.norm(a - b) / np.linalg.norm(b)) for a, b in zip(got, expected)]


@needs_cat_data
@pytest.mark.filterwarnings("ignore:Sending large graph")  # the 20 MB of images, sent once
def test_four_layer_cat_model_on_a_cluster_matches_numpy(client) -> None:
    data = tg.data.load_catvnoncat(CAT_DIR)

    def model() -> nn.MLP:
        return nn.MLP([12288, 20, 7, 5, 1], hidden="relu", output="sigmoid", init="course-deep", seed=1)

    X = split_samples(data.train_x, 4).persist()  # 4 column chunks, held by the two workers
    Y = split_samples(data.train_y, 4).persist()
    wait([X, Y])
    assert X.numblocks == (1, 4) and sum(map(len, client.has_what().values())) == 8
    on_dask, on_numpy = model(), model()
    h_dask = fit(on_dask, X, Y, lr=0.0075, iterations=3, record_every=1, compile=False)
    h_numpy = fit(on_numpy, data.train_x, data.train_y, lr=0.0075, iterations=3, record_every=1)
    assert h_numpy.costs[0] == pytest.approx(0.771749, abs=1e-6)  # the course's first cost
    got, expected = _costs_and_parameters(on_dask, h_dask), _costs_and_parameters(on_numpy, h_numpy)
    assert all(isinstance(a, np.ndarray) for a in got)
    assert max(_relative_differences(got, expected)) < 1e-10
    assert h_dask.completed == 3 and not h_dask.interrupted


def _random_problem(m: int = 60, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((3, m))
    return X, (X[:1] + 0.3 * rng.standard_normal((1, m)) > 0).astype(np.float64)


def _counting_scheduler(calls: list[int]):
    def get(dsk, keys, **kwargs):
        calls.append(1)
        return dask.get(dsk, keys, **kwargs)

    return get


def test_each_step_is_one_compute_of_the_cost_and_every_gradient() -> None:
    X, Y = _random_problem()
    calls: list[int] = []
    model = nn.MLP([3, 5, 4, 1], hidden="tanh", seed=0)
    with dask.config.set(scheduler=_counting_scheduler(calls)):
        h = fit(model, split_samples(X, 3), Y, lr=0.1, iterations=4, record_every=1, compile=False)
    assert len(calls) == 4  # no other round trip (no .item(), no value check forcing a compute)
    expected_model = nn.MLP([3, 5, 4, 1], hidden="tanh", seed=0)
    expected = fit(expected_model, X, Y, lr=0.1, iterations=4, record_every=1, compile=False)
    got = _costs_and_parameters(model, h)
    assert max(_relative_differences(got, _costs_and_parameters(expected_model, expected))) < 1e-12
    assert all(type(p.data) is np.ndarray for p in model.parameters())  # parameters stay NumPy


def test_no_task_reads_two_chunks_of_X() -> None:
    """Data parallel: every op touching X works on one column chunk; only partial sums meet."""
    X, Y = _random_problem(m=80)
    Xd, Yd = align_samples(split_samples(X, 4), Y)
    model = nn.MLP([3, 6, 1], hidden="relu", seed=1)
    cost = tg.binary_cross_entropy(model(tg.Tensor(Xd)), tg.Tensor(Yd))
    cost.backward()
    W1 = model.parameters()[0]
    assert is_dask_array(W1.grad)
    graph = {**cost.data.__dask_graph__(), **W1.grad.__dask_graph__()}
    chunks_of_X = {key for key in graph if isinstance(key, tuple) and key[0] == Xd.name}
    assert len(chunks_of_X) == 4
    readers = [get_dependencies(graph, key) & chunks_of_X for key in graph]
    assert max(len(r) for r in readers) == 1
    assert sum(len(r) for r in readers) >= 8  # X's chunks feed the forward (W1 @ X) and dW1 = dZ1 Xᵀ
    value = compute_gradients(cost, model.parameters())
    same = nn.MLP([3, 6, 1], hidden="relu", seed=1)
    expected = tg.binary_cross_entropy(same(X), Y)
    expected.backward()
    assert value == pytest.approx(expected.item(), rel=1e-12)
    for p, q in zip(model.parameters(), same.parameters()):
        assert type(p.grad) is np.ndarray
        np.testing.assert_allclose(p.grad, q.grad, rtol=1e-12, atol=1e-15)


def test_data_larger_than_a_workers_memory_trains_chunk_by_chunk(client) -> None:
    # X is made chunk by chunk on the workers and never whole anywhere: 244 MiB of float64 against
    # workers that are killed at 95 % of 200 MiB (an idle worker takes about 100 MiB of that), so
    # not even half of X fits in one worker. With this many chunks Dask's ordering finishes each
    # chunk's forward and backward pass before it makes the next; with 12 or fewer it makes them all
    # first (dask.order's heuristics choose by the numbers of inputs and outputs of the graph).
    client.restart()  # fresh workers: what the earlier tests left in a worker's memory is not this test's
    n_x, m, width = 2000, 16_000, 800
    X = da.random.default_rng(0).random((n_x, m), chunks=(n_x, width))
    Y = (X[:1] > 0.5).astype(np.float64)
    assert X.nbytes > 1.2 * MEMORY_LIMIT and X.numblocks == (1, 20)
    workers = set(client.scheduler_info()["workers"])
    model = nn.MLP([n_x, 1], init="zeros", seed=0)  # logistic regression
    h = fit(model, X, Y, lr=0.05, iterations=2, record_every=1, compile=False)
    assert h.completed == 2 and h.costs[0] == pytest.approx(np.log(2)) and h.costs[1] < h.costs[0]
    assert set(client.scheduler_info()["workers"]) == workers  # no worker died and was replaced


def test_fit_refuses_what_a_dask_array_cannot_do_and_says_so(capsys) -> None:
    X, Y = _random_problem()
    model = nn.MLP([3, 1], seed=0)
    with pytest.raises(ArgumentError, match=r"batch_size=16 with a Dask X"):
        fit(model, split_samples(X, 2), Y, batch_size=16, iterations=1)
    with pytest.raises(ShapeError, match=r"unknown chunk sizes"):
        fit(model, da.from_array(X, chunks=(3, 20))[:, da.from_array(X[0]) > 0], Y, iterations=1)
    with pytest.raises(ShapeError, match=r"same number of columns"):
        fit(model, split_samples(X, 2), Y[:, :-1], iterations=1)
    fit(model, split_samples(X, 2), Y, iterations=1)  # compile=True, the default: one line says why not
    assert capsys.readouterr().err == "fit: training eagerly: X is a Dask array, computed once per step by Dask\n"


def test_split_samples_and_align_samples() -> None:
    X, Y = _random_problem(m=10)
    Xd = split_samples(X, 3)
    assert Xd.chunks == ((3,), (4, 4, 2)) and np.array_equal(Xd.compute(), X)
    assert split_samples(Xd, 2).chunks == ((3,), (5, 5))
    assert split_samples(tg.Tensor(X), 1).chunks == ((3,), (10,))
    _, Yd = align_samples(Xd, da.from_array(Y, chunks=(1, 5)))
    assert Yd.chunks == ((1,), (4, 4, 2)) and np.array_equal(Yd.compute(), Y)
    Xn, Yd = align_samples(X, split_samples(Y, 2))
    assert Xn.chunks == ((3,), (5, 5))
    for bad in (0, 11, 2.0, True):
        with pytest.raises(ArgumentError, match="split_samples"):
            split_samples(X, bad)
    with pytest.raises(ShapeError, match=r"2-D"):
        split_samples(np.zeros(5), 2)
    assert not is_dask_array(np.zeros(2)) and is_dask_array(tg.Tensor(Xd))


def test_predict_stays_lazy_and_accuracy_computes_once() -> None:
    X, Y = _random_problem()
    model = nn.MLP([3, 1], seed=0)
    p = predict(model, split_samples(X, 3))
    assert is_dask_array(p) and np.array_equal(p.compute(), predict(model, X))
    calls: list[int] = []
    with dask.config.set(scheduler=_counting_scheduler(calls)):
        got = accuracy(model, split_samples(X, 3), split_samples(Y, 3))
    assert calls == [1] and got == accuracy(model, X, Y)


def _run_example(*args: str) -> None:
    """examples/dask_cluster.py's main in this process (it imports the examples' _common)."""
    sys.path.insert(0, str(ROOT / "examples"))
    try:
        spec = importlib.util.spec_from_file_location("dask_cluster", ROOT / "examples" / "dask_cluster.py")
        example = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(example)
        example.main([*args, "--data", str(CAT_DIR)])
    finally:
        sys.path.remove(str(ROOT / "examples"))


@needs_cat_data
def test_the_example_trains_on_a_running_cluster_and_matches_numpy(client, tmp_path, capsys) -> None:
    _run_example("--address", client.scheduler.address, "--iterations", "1", "--out", str(tmp_path / "pics"))
    out = capsys.readouterr().out
    assert "Dask cluster: 2 workers, dashboard" in out and "in 4 column chunks" in out
    assert "Cost after iteration 0: 0.771749" in out
    line = next(x for x in out.splitlines() if x.startswith("max relative difference from the NumPy run"))
    costs, params = (float(part.split()[-1]) for part in line.split(":")[1].split(","))
    assert costs < 1e-10 and params < 1e-10


@needs_cat_data
def test_the_example_says_in_one_line_when_no_scheduler_answers(tmp_path, capsys) -> None:
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}), pytest.raises(SystemExit) as stop:
        _run_example("--address", "tcp://127.0.0.1:1", "--out", str(tmp_path / "pics"))
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert ": error: no Dask scheduler at tcp://127.0.0.1:1: " in err  # after the program's name
    assert len(err.strip().splitlines()) == 1 and not (tmp_path / "pics").exists()


def test_drawing_a_graph_on_dask_arrays_names_the_array_library() -> None:
    X, Y = _random_problem()
    cost = tg.binary_cross_entropy(nn.MLP([3, 1], seed=0)(tg.Tensor(split_samples(X, 2))), Y)
    with pytest.raises(tg.TinygradError, match=r"dask"):
        tg.draw_graph(cost)
