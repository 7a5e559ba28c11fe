"""The examples/ scripts: each runs, writes its pictures, and the four-layer model gives the course's 80 %."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CAT_DIR, IN_CI, ROOT, needs_cat_data

from tinygrad_ng.data import course_data_dir


def _process(script: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    # One BLAS thread: on a busy 2-core machine threaded BLAS makes these small matmuls several times slower.
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MPLBACKEND": "Agg",
    }
    return subprocess.run(
        [sys.executable, str(ROOT / "examples" / script), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _run(script: str, *args: str, cwd: Path) -> str:
    result = _process(script, *args, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_planar_example(tmp_path: Path) -> None:
    out = _run("planar_shallow.py", "--iterations", "2001", "--out", "pics", cwd=tmp_path)
    assert "Cost after iteration 2000: 0.254385" in out
    assert re.search(r"^train accuracy \d+\.\d\d %$", out, re.MULTILINE)  # the command's format
    assert {p.name for p in (tmp_path / "pics").iterdir()} == {
        "learning_curve.png",
        "decision_boundary.png",
        "graph.svg",
    }


@needs_cat_data
@pytest.mark.parametrize(
    ("script", "first_cost"),
    [("logistic_regression.py", "0.693147"), ("two_layer_cat.py", "0.693050"), ("deep_cat.py", "0.771749")],
)
def test_cat_examples_start_from_the_course_cost(tmp_path: Path, script: str, first_cost: str) -> None:
    out = _run(script, "--data", str(CAT_DIR), "--iterations", "2", "--out", "pics", cwd=tmp_path)
    assert f"Cost after iteration 0: {first_cost}" in out and "test accuracy" in out
    assert {p.name for p in (tmp_path / "pics").iterdir()} == {"learning_curve.png", "graph.svg"}


@pytest.mark.slow
@needs_cat_data
def test_four_layer_model_reaches_80_percent_test_accuracy_after_2500_iterations(tmp_path: Path) -> None:
    out = _run("deep_cat.py", "--data", str(CAT_DIR), "--out", "pics", cwd=tmp_path)
    assert "Cost after iteration 2400: 0.092878" in out  # the course's printout
    assert "train accuracy 98.56 %" in out  # 206 of 209
    assert "test accuracy 80.00 %" in out


@pytest.mark.parametrize(
    ("script", "args", "message"),
    [
        ("deep_cat.py", ["--data", "/nonexistent"], "/nonexistent is not a directory"),
        ("logistic_regression.py", ["--iterations", "0"], "expected a positive integer, got 0"),
        ("planar_shallow.py", ["--iterations", "many"], "expected a positive integer, got 'many'"),
        ("two_layer_cat.py", ["--out", "pictures.png"], "looks like a file name"),
        ("dask_cluster.py", ["--chunks", "0"], "expected a positive integer, got 0"),
    ],
)
def test_examples_report_ordinary_mistakes_as_the_command_does(
    tmp_path: Path, script: str, args: list[str], message: str
) -> None:
    result = _process(script, *args, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith(f"{script}: error: ") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def _differences(out: str) -> list[float]:
    return [float(line.split("=")[-1].rstrip(")")) for line in out.splitlines() if "max |difference|" in line]


def test_conv_step_by_step_prints_the_course_values(tmp_path: Path) -> None:
    out = _run("conv_step_by_step.py", cwd=tmp_path)
    assert "0.55112764745667" in out  # conv_forward's mean(Z)
    assert "dA_mean = 1.45243777753880" in out and "db_mean = 7.83923256461683" in out
    assert "5.05844394 -1.68282702" in out  # pool_backward, max
    diffs = _differences(out)
    assert len(diffs) == 10 and max(diffs) < 1e-13


def test_rnn_step_by_step_agrees_with_the_course(tmp_path: Path) -> None:
    out = _run("rnn_step_by_step.py", cwd=tmp_path)
    assert "0.59584544  0.18141802  0.61311866" in out  # rnn_cell_forward's a_next[4]
    diffs = _differences(out)
    assert len(diffs) == 8 and max(diffs) < 1e-13


needs_course_data = pytest.mark.skipif(
    not IN_CI and (course_data_dir("regularization") is None or course_data_dir("dinos") is None),
    reason="the course's regularization and dinos data are not on this machine",
)


@needs_course_data
def test_regularization_example_starts_from_the_course_costs(tmp_path: Path) -> None:
    pytest.importorskip("scipy")
    out = _run("regularization.py", "--iterations", "1", cwd=tmp_path)
    for cost in ("0.6557412523481002", "0.6974484493131264", "0.654391240514982"):  # none, L2, dropout
        assert f"Cost after iteration 0: {cost}" in out


def test_gradient_checking_finds_the_course_bugs(tmp_path: Path) -> None:
    out = _run("gradient_checking.py", cwd=tmp_path)
    diffs = [
        float(line.split("difference = ")[1].split("\x1b")[0]) for line in out.splitlines() if "difference = " in line
    ]
    one_d, buggy, fixed = diffs
    assert one_d < 1e-9
    assert buggy == pytest.approx(0.2850931567761624, rel=1e-10)
    assert fixed < 2e-7 and fixed == pytest.approx(1.1890913024779e-07, rel=1e-5)


def test_optimization_example_prints_the_course_costs(tmp_path: Path) -> None:
    out = _run("optimization.py", "--epochs", "1", cwd=tmp_path)
    for cost in ("0.702405", "0.702413", "0.702166"):  # gd, momentum, Adam: the course's printouts
        assert f"Cost after epoch 0: {cost}" in out


@needs_course_data
def test_dinosaurs_example_samples_the_course_names(tmp_path: Path) -> None:
    out = _run("dinosaurs.py", "--iterations", "1", "--out", "pics", cwd=tmp_path)
    assert "Iteration: 0, Loss: 23.087336" in out
    assert "Nkzxwtdmfqoeyhsqwasjkjvu\nKneb\nKzxwtdmfqoeyhsqwasjkjvu\nNeb\n" in out  # the course's first samples
    assert (tmp_path / "pics" / "learning_curve.png").is_file()


@needs_cat_data
def test_cat_convnet_trains(tmp_path: Path) -> None:
    out = _run("cat_convnet.py", "--data", str(CAT_DIR), "--epochs", "2", "--out", "pics", cwd=tmp_path)
    costs = [float(line.split(": ")[1]) for line in out.splitlines() if line.startswith("Cost after epoch")]
    assert len(costs) == 2 and costs[1] < costs[0]
    assert "test accuracy" in out and (tmp_path / "pics" / "learning_curve.png").is_file()
