"""The examples/ scripts: each runs, writes its pictures, and the four-layer model gives the course's 80 %."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CAT_DIR, ROOT, needs_cat_data


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
