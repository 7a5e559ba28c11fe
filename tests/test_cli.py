"""The tinygrad-ng command, end to end in a temporary directory (few iterations)."""

from __future__ import annotations

import fnmatch
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import CAT_DIR, IN_CI, ROOT, needs_cat_data

from tinygrad_ng import data, nn
from tinygrad_ng.cli import RECIPES, build_parser, main

needs_dot = pytest.mark.skipif(
    not IN_CI and not any((Path(d) / "dot").exists() for d in os.environ.get("PATH", "").split(os.pathsep)),
    reason="Graphviz's dot program is not installed",
)


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    env.pop("TINYGRAD_NG_CATVNONCAT", None)
    return subprocess.run(
        [sys.executable, "-m", "tinygrad_ng.cli", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


@needs_dot
def test_demo_writes_every_file_to_the_directory_it_names(tmp_path: Path) -> None:
    result = _run("demo", "--iterations", "300", "--out", "results", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = tmp_path / "results"
    assert f"writing to {out}" in result.stdout
    names = {p.name for p in out.iterdir()}
    assert names == {
        "learning_curve.png",
        "decision_boundary.png",
        "graph.svg",
        "gradcheck.txt",
        "planar_model.npz",
        "summary.txt",
    }
    svg = (out / "graph.svg").read_text()
    assert svg.lstrip().startswith(("<?xml", "<svg")) and all(f">{n}" in svg for n in ("W1", "b1", "W2", "b2"))
    assert "passed" in (out / "gradcheck.txt").read_text()
    assert "train accuracy" in (out / "summary.txt").read_text()
    model = RECIPES["shallow"].build()
    model.load(out / "planar_model.npz")
    assert not np.array_equal(model.W1.data, RECIPES["shallow"].build().W1.data)  # trained values were saved


def test_train_planar_model_in_process(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "--model", "shallow", "--iterations", "1001", "--out", str(tmp_path), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "Cost after iteration 1000: 0.288083" in out and "train accuracy" in out
    assert {p.name for p in tmp_path.iterdir()} == {"learning_curve.png", "decision_boundary.png", "model.npz"}


@needs_cat_data
def test_train_cat_model_reports_train_and_test_accuracy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["train", "--model", "logreg", "--data", str(CAT_DIR), "--iterations", "3", "--out", str(tmp_path)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "Cost after iteration 0: 0.693147" in out and "test accuracy" in out
    nn.MLP([12288, 1], init="zeros").load(tmp_path / "model.npz")


def test_gradcheck_command_checks_the_deep_model_along_random_directions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(data.CATVNONCAT_ENV, raising=False)
    monkeypatch.setattr(data, "_REPOSITORY_CATVNONCAT", tmp_path / "no-data")  # no cat data anywhere
    assert main(["gradcheck", "--model", "deep", "--samples", "3", "--out", str(tmp_path / "report.txt")]) == 0
    report = (tmp_path / "report.txt").read_text()
    assert "random stand-in data" in report and "one random direction" in report
    assert all(f"'{name}'" in report for name in ("W1", "b4"))


@needs_dot
def test_graph_command_draws_the_two_layer_model_with_its_course_names(tmp_path: Path) -> None:
    path = tmp_path / "g.svg"
    assert main(["graph", "--model", "two-layer", "--samples", "2", "--out", str(path), "--rules"]) == 0
    svg = path.read_text()
    assert all(f">{n}" in svg for n in ("W1", "b1", "W2", "b2")) and "layer1" in svg


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["train", "--model", "bogus"], "invalid choice: 'bogus'"),
        (["demo", "--iterations", "0"], "expected a positive integer"),
        (["train", "--model", "deep", "--lr", "nan"], "expected a positive number"),
        (["train", "--model", "deep", "--data", "nowhere"], "nowhere is not a directory"),
        (["graph", "--model", "shallow", "--load", "missing.npz"], "missing.npz'): no such file"),
        ([], "required: COMMAND"),
    ],
)
def test_bad_arguments_give_a_one_line_error_and_exit_code_2(tmp_path: Path, args: list[str], message: str) -> None:
    result = _run(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("tinygrad-ng")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", ["demo", "train", "graph", "gradcheck"])
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    assert f"usage: tinygrad-ng {command}" in capsys.readouterr().out


def test_gitignore_covers_the_default_output_directories() -> None:
    """The directories the commands write to by default are never committed by accident."""
    patterns = [line.strip("/") for line in (ROOT / ".gitignore").read_text().splitlines() if line.endswith("/")]
    demo_out = build_parser().parse_args(["demo"]).out
    defaults = [str(demo_out), *(f"tinygrad-ng-{model}" for model in RECIPES)]  # cmd_train's default
    assert all(any(fnmatch.fnmatch(d, p) for p in patterns) for d in defaults), defaults
