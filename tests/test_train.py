"""tinygrad_ng.train: the course's loop, its cost history, Ctrl-C, progress, predictions and plots."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import numpy as np
import pytest

from tinygrad_ng import nn
from tinygrad_ng.data import load_planar
from tinygrad_ng.errors import ArgumentError, ShapeError
from tinygrad_ng.optim import Adam
from tinygrad_ng.train import History, accuracy, fit, plot_costs, plot_decision_boundary, predict

PNG = b"\x89PNG\r\n\x1a\n"


def _planar_model() -> nn.MLP:
    return nn.MLP([2, 4, 1], hidden="tanh", init="course-small", seed=2)


def test_cost_after_iteration_0_is_the_cost_at_initialisation(capsys: pytest.CaptureFixture[str]) -> None:
    X, Y = load_planar()
    history = fit(nn.MLP([2, 1], init="zeros"), X, Y, lr=0.1, iterations=250, print_every=100, progress=False)
    assert history.iterations == [0, 100, 200, 249]  # every 100 and the last
    assert history.costs[0] == pytest.approx(np.log(2), abs=1e-15)  # zero weights: every a = 0.5
    assert history.completed == 250 and not history.interrupted
    out = capsys.readouterr().out
    assert "Cost after iteration 0: 0.693147" in out and "Cost after iteration 249:" in out


def test_planar_model_reaches_90_percent_with_the_course_costs() -> None:
    X, Y = load_planar()
    model = _planar_model()
    history = fit(model, X, Y, lr=1.2, iterations=10000, record_every=1000, progress=False)
    # The course's printout, to its 6 digits, up to iteration 7000 (later ones depend on rounding; see planar example).
    course = [0.693048, 0.288083, 0.254385, 0.233864, 0.226792, 0.222644, 0.219731, 0.217504]
    assert [round(c, 6) for c in history.costs[:8]] == course
    assert accuracy(model, X, Y) >= 0.90


def _params(model: nn.Module) -> dict[str, np.ndarray]:
    return model.state_dict()


def test_keyboard_interrupt_stops_cleanly_keeping_the_parameters_trained_so_far(
    capsys: pytest.CaptureFixture[str],
) -> None:
    X, Y = load_planar()

    def interrupt(i: int, cost: float) -> None:
        if i == 6:
            raise KeyboardInterrupt

    model = _planar_model()
    history = fit(model, X, Y, lr=1.2, iterations=100, record_every=1, callback=interrupt, progress=False)
    assert history.interrupted and history.completed == 7 and history.iterations == list(range(7))
    reference = _planar_model()
    fit(reference, X, Y, lr=1.2, iterations=7, progress=False)
    assert all(np.array_equal(a, b) for a, b in zip(_params(model).values(), _params(reference).values()))
    assert "stopped after 7 of 100 iterations" in capsys.readouterr().out


def test_ctrl_c_finishes_the_iteration_then_stops_and_restores_the_handler() -> None:
    X, Y = load_planar()
    before = signal.getsignal(signal.SIGINT)

    def press_ctrl_c(i: int, cost: float) -> None:
        if i == 3:
            os.kill(os.getpid(), signal.SIGINT)

    history = fit(_planar_model(), X, Y, lr=1.2, iterations=50, callback=press_ctrl_c, progress=False)
    assert history.interrupted and history.completed == 4
    assert signal.getsignal(signal.SIGINT) is before


def test_a_second_ctrl_c_stops_at_once() -> None:
    """The first Ctrl-C asks to stop after the iteration; a second one before it ends raises at once."""
    X, Y = load_planar()
    before = signal.getsignal(signal.SIGINT)
    seen: list[int] = []

    def press_ctrl_c_twice(i: int, cost: float) -> None:
        seen.append(i)
        if i == 3:
            os.kill(os.getpid(), signal.SIGINT)
            os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(KeyboardInterrupt):
        fit(_planar_model(), X, Y, lr=1.2, iterations=50, callback=press_ctrl_c_twice, progress=False)
    assert seen == [0, 1, 2, 3]
    assert signal.getsignal(signal.SIGINT) is before


def test_a_callback_returning_true_stops_early() -> None:
    X, Y = load_planar()
    history = fit(_planar_model(), X, Y, iterations=100, callback=lambda i, c: i == 9, progress=False)
    assert history.interrupted and history.completed == 10


def test_progress_bar_shows_the_current_cost(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("tqdm")
    X, Y = load_planar()
    fit(_planar_model(), X, Y, lr=1.2, iterations=20, progress=True)
    err = capsys.readouterr().err
    assert "20/20" in err and "cost=" in err


def test_minibatch_adam_training_lowers_the_cost() -> None:
    X, Y = load_planar()
    model = nn.MLP([2, 8, 1], hidden="tanh", init="xavier", seed=0)
    history = fit(
        model, X, Y, optimizer=Adam(model.parameters(), lr=0.01), batch_size=64, iterations=30, progress=False
    )
    assert history.costs[-1] < 0.8 * history.costs[0]
    assert history.lr == 0.01


def test_fit_checks_its_arguments() -> None:
    model = _planar_model()
    with pytest.raises(ShapeError, match="same number of columns"):
        fit(model, np.ones((2, 5)), np.ones((1, 4)))
    with pytest.raises(ShapeError, match="2-D"):
        fit(model, np.ones(5), np.ones((1, 5)))
    with pytest.raises(ArgumentError, match="iterations"):
        fit(model, np.ones((2, 5)), np.ones((1, 5)), iterations=0)


def test_predict_uses_strictly_greater_than_one_half() -> None:
    model = nn.MLP([1, 1], init="zeros")
    model.W1.data = np.array([[1.0]])
    X = np.array([[-1.0, 0.0, 1e-12, 2.0]])  # sigmoid: < 0.5, exactly 0.5, just above, above
    assert predict(model, X).tolist() == [[0, 0, 1, 1]]
    assert accuracy(model, X, [[0, 1, 1, 1]]) == 0.75
    with pytest.raises(ShapeError, match="accuracy"):
        accuracy(model, X, [[0, 1]])


def test_plots_are_written_whole(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    X, Y = load_planar()
    model = _planar_model()
    history = fit(model, X, Y, lr=1.2, iterations=300, progress=False)
    curve = plot_costs(history, tmp_path / "curve.png")
    boundary = plot_decision_boundary(model, X, Y, tmp_path / "boundary.png")
    svg = plot_costs(history, tmp_path / "curve.svg")
    assert curve.read_bytes().startswith(PNG) and boundary.read_bytes().startswith(PNG)
    assert b"<svg" in svg.read_bytes()[:500]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["boundary.png", "curve.png", "curve.svg"]
    with pytest.raises(ArgumentError, match="no costs"):
        plot_costs(History(), tmp_path / "empty.png")
    with pytest.raises(ShapeError, match=r"X \(2, m\)"):
        plot_decision_boundary(model, np.ones((3, 4)), np.ones((1, 4)), tmp_path / "bad.png")


@pytest.mark.parametrize("library", ["array_api_strict", "torch"])
def test_fit_trains_on_another_array_library_as_on_numpy(library: str, capsys) -> None:
    lib = pytest.importorskip(library)
    X, Y = load_planar()
    expected_model = _planar_model()
    expected = fit(expected_model, X, Y, lr=1.2, iterations=20, record_every=1, progress=False)
    model = _planar_model().to(library)
    h = fit(model, lib.asarray(X), lib.asarray(Y), lr=1.2, iterations=20, record_every=1, progress=False)
    assert f"fit: training eagerly: X is of type {library.split('.')[0]}." in capsys.readouterr().err
    np.testing.assert_allclose(h.costs, expected.costs, rtol=1e-12)
    for p, q in zip(model.parameters(), expected_model.parameters()):
        assert type(p.data).__module__.split(".")[0] == library
        np.testing.assert_allclose(np.asarray(p.to("numpy").data), q.data, rtol=1e-10, atol=1e-14)
    assert type(predict(model, lib.asarray(X))).__module__.split(".")[0] == library
    assert accuracy(model, lib.asarray(X), lib.asarray(Y)) == accuracy(expected_model, X, Y)
    with pytest.raises(ArgumentError, match=rf"batch_size=64 with X of type {library}"):
        fit(model, lib.asarray(X), lib.asarray(Y), batch_size=64, iterations=1)


def test_a_memory_mapped_X_trains_as_numpy(tmp_path: Path, capsys) -> None:
    X, Y = load_planar()
    X_map = np.lib.format.open_memmap(tmp_path / "X.npy", mode="w+", shape=X.shape)
    X_map[:] = X
    h = fit(_planar_model(), X_map, Y, lr=1.2, iterations=3, batch_size=100, progress=False)
    expected = fit(_planar_model(), X, Y, lr=1.2, iterations=3, batch_size=100, progress=False)
    assert h.costs == expected.costs and capsys.readouterr().err == ""  # compiled, mini-batches
