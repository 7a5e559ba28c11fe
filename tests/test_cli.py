"""The tinygrad-ng command, end to end in a temporary directory (few iterations)."""

from __future__ import annotations

import fnmatch
import importlib
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import CAT_DIR, IN_CI, ROOT, needs_cat_data

from tinygrad_ng import cli, data, nn
from tinygrad_ng.cli import RECIPES, build_parser, main

needs_dot = pytest.mark.skipif(
    not IN_CI and not any((Path(d) / "dot").exists() for d in os.environ.get("PATH", "").split(os.pathsep)),
    reason="Graphviz's dot program is not installed",
)


def _env() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    env.pop("TINYGRAD_NG_CATVNONCAT", None)
    return env


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tinygrad_ng.cli", *args],
        cwd=cwd,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )


def _start(*args: str, cwd: Path) -> subprocess.Popen[str]:
    """The command running in the background, its output unbuffered so that it can be followed line by line."""
    env = {**_env(), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "tinygrad_ng.cli", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
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
    assert [p.name for p in tmp_path.iterdir()] == ["results"]  # nothing outside the output folder
    svg = (out / "graph.svg").read_text()
    assert svg.lstrip().startswith(("<?xml", "<svg"))
    assert all(f">{n}<" in svg for n in ("X", "Y", "W1", "b1", "Z1", "A1", "W2", "b2", "Z2", "A2", "L", "J"))
    assert "passed" in (out / "gradcheck.txt").read_text()
    summary = (out / "summary.txt").read_text()
    assert re.search(r"train accuracy \d+\.\d\d %", summary) and "trained for 300 iterations" in summary
    assert "course:" not in summary  # 300 iterations are not the course's run: no comparison
    model = RECIPES["shallow"].build()
    model.load(out / "planar_model.npz")
    assert not np.array_equal(model.W1.data, RECIPES["shallow"].build().W1.data)  # trained values were saved


def test_train_planar_model_in_process(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    titles: list[str | None] = []
    plot = cli.plot_costs
    monkeypatch.setattr(cli, "plot_costs", lambda h, path, title=None: titles.append(title) or plot(h, path))
    assert main(["train", "--model", "shallow", "--iterations", "1001", "--out", str(tmp_path), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "Cost after iteration 1000: 0.288083" in out
    accuracy_line = next(line for line in out.splitlines() if "train accuracy" in line)
    assert re.fullmatch(r"planar model, 4 tanh units: train accuracy \d+\.\d\d %", accuracy_line)
    assert {p.name for p in tmp_path.iterdir()} == {
        "learning_curve.png",
        "decision_boundary.png",
        "model.npz",
        "summary.txt",
    }
    summary = (tmp_path / "summary.txt").read_text()
    assert accuracy_line in summary and "trained for 1001 iterations" in summary
    assert titles == ["Planar model, 4 tanh units, learning rate 1.2"]  # the curve names the model


def test_accuracy_is_compared_with_the_course_only_after_the_course_run() -> None:
    """The same format everywhere, the course's number after its own settings, and the reason it differs."""
    X, Y = data.load_planar()
    recipe = RECIPES["shallow"]
    untrained = cli._Run(recipe.build(), cli.History(), recipe.iterations, recipe.lr)
    line = cli._accuracy_line(recipe, untrained, X, Y, None)
    assert re.match(r"planar model, 4 tanh units: train accuracy \d+\.\d\d % \(course: 90\.75 %; ", line)
    assert "oscillates" in line and "last bit" in line  # why the planar model gives 90.50 %
    shorter = cli._Run(recipe.build(), cli.History(), 300, recipe.lr)
    assert "course" not in cli._accuracy_line(recipe, shorter, X, Y, None)
    deep = RECIPES["deep"]
    assert cli._curve_title(deep, deep.lr) == "Four-layer cat model, learning rate 0.0075"


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
    assert main(["gradcheck", "--model", "deep", "--samples", "3", "--out", str(tmp_path / "reports")]) == 0
    assert [p.name for p in (tmp_path / "reports").iterdir()] == ["gradcheck.txt"]
    report = (tmp_path / "reports" / "gradcheck.txt").read_text()
    assert "random stand-in data" in report and "one random direction" in report
    assert all(f"'{name}'" in report for name in ("W1", "b4"))
    assert "|g - n| <= atol + rtol*|n|" in report and "err/tol" in report  # the rule that decided


def test_long_gradient_check_shows_a_progress_bar_with_an_estimate(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("tqdm")
    monkeypatch.setattr(
        importlib.import_module("tinygrad_ng.gradcheck"), "PROGRESS_DELAY", 0.0
    )  # "long" from the start
    model, X, Y = RECIPES["shallow"].build(), *data.load_planar()
    cli._gradcheck_report(model, X[:, :8], Y[:, :8], fast=False, progress=True)
    err = capsys.readouterr().err
    assert "17/17" in err and "entry" in err and "<" in err  # 17 entries in W1, b1, W2, b2; elapsed<remaining
    cli._gradcheck_report(model, X[:, :8], Y[:, :8], fast=False, progress=False)
    assert capsys.readouterr().err == ""


@needs_dot
def test_graph_command_draws_the_two_layer_model_with_its_course_names(tmp_path: Path) -> None:
    assert main(["graph", "--model", "two-layer", "--samples", "2", "--out", str(tmp_path / "g"), "--rules"]) == 0
    svg = (tmp_path / "g" / "graph.svg").read_text()
    assert all(f">{n}<" in svg for n in ("X", "Y", "W1", "b1", "Z1", "A1", "W2", "b2", "A2", "J")) and "layer1" in svg
    assert "eps=" not in svg and "Σ g over axis 1" in svg


@needs_dot
def test_graph_command_writes_into_the_model_folder(tmp_path: Path) -> None:
    result = _run("graph", "--model", "shallow", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["tinygrad-ng-shallow"]  # as `train --model shallow` would
    assert [p.name for p in (tmp_path / "tinygrad-ng-shallow").iterdir()] == ["graph.svg"]
    result = _run("graph", "--model", "shallow", "--format", "png", "--out", "pictures", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "pictures" / "graph.png").read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["train", "--model", "bogus"], "invalid choice: 'bogus'"),
        (["demo", "--iterations", "0"], "expected a positive integer"),
        (["train", "--model", "deep", "--lr", "nan"], "expected a positive number"),
        (["train", "--model", "deep", "--data", "nowhere"], "nowhere is not a directory"),
        (["graph", "--model", "shallow", "--load", "missing.npz"], "missing.npz'): no such file"),
        (["graph", "--model", "shallow", "--out", "x.jpg"], "'x.jpg' looks like a file name"),
        (["graph", "--model", "shallow", "--format", "jpg"], "invalid choice: 'jpg'"),
        (["gradcheck", "--model", "shallow", "--out", "report.txt"], "--out names the folder"),
        (["demo", "--data", "/nonexistent"], "/nonexistent is not a directory"),
        (["bogus"], "invalid choice: 'bogus'"),
    ],
)
def test_bad_arguments_give_a_one_line_error_and_exit_code_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    # In this process (main is what the command runs; the tests around run it as its own process):
    # an exception other than the usage error's exit would fail the test.
    monkeypatch.chdir(tmp_path)
    try:
        status = main(args)
    except SystemExit as stop:  # argparse's own errors exit; the others are returned
        status = stop.code
    out, err = capsys.readouterr()
    assert status == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1 and err.startswith("tinygrad-ng")
    assert "Traceback" not in err and "training" not in out  # no work was done
    assert list(tmp_path.iterdir()) == []  # and nothing was written


def test_an_existing_file_as_the_output_folder_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "results").write_text("not a folder")
    result = _run("train", "--model", "shallow", "--out", "results", cwd=tmp_path)
    assert result.returncode == 2 and "looks like a file name" in result.stderr
    assert (tmp_path / "results").read_text() == "not a folder"


def test_bare_command_prints_the_help(tmp_path: Path) -> None:
    result = _run(cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout.startswith("usage: tinygrad-ng") and all(c in result.stdout for c in ("demo", "graph"))


def test_demo_with_missing_data_does_no_work_and_keeps_the_previous_outputs(tmp_path: Path) -> None:
    out = tmp_path / "tinygrad-ng-demo"
    out.mkdir()
    (out / "summary.txt").write_text("the previous run\n")
    result = _run("demo", "--data", str(tmp_path / "nonexistent"), cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stdout == ""  # validated before training
    assert [p.name for p in out.iterdir()] == ["summary.txt"]
    assert (out / "summary.txt").read_text() == "the previous run\n"


@pytest.mark.parametrize("existing", [True, False])
def test_a_failure_midway_leaves_the_output_folder_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, existing: bool
) -> None:
    """Files are written to a hidden folder and moved into place only at the end."""
    out = tmp_path / "results"
    if existing:
        out.mkdir()
        (out / "model.npz").write_bytes(b"old model")

    def broken_summary(path: Path, text: str) -> Path:
        raise KeyboardInterrupt  # a second Ctrl-C while the outputs are written

    monkeypatch.setattr(cli, "write_text", broken_summary)
    args = ["train", "--model", "shallow", "--iterations", "5", "--out", str(out), "--no-progress"]
    assert main(args) == 130
    if existing:
        assert [p.name for p in out.iterdir()] == ["model.npz"] and (out / "model.npz").read_bytes() == b"old model"
    else:
        assert not out.exists()


def test_outputs_of_an_earlier_run_that_this_run_does_not_write_are_removed(tmp_path: Path) -> None:
    (tmp_path / "cat_model.npz").write_bytes(b"from a run with --data")
    (tmp_path / "notes.md").write_text("the user's own file")
    assert main(["demo", "--iterations", "2", "--out", str(tmp_path), "--no-progress"]) in (0, 1)
    names = {p.name for p in tmp_path.iterdir()}
    assert "cat_model.npz" not in names and "notes.md" in names and "summary.txt" in names


def test_ctrl_c_in_train_saves_the_parameters_records_it_and_exits_130(tmp_path: Path) -> None:
    process = _start("train", "--model", "shallow", "--iterations", "1000000", "--out", "out", cwd=tmp_path)
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("Cost after iteration 1000:"):
            break
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    summary = (tmp_path / "out" / "summary.txt").read_text()
    assert re.search(r"interrupted \(Ctrl-C\) after \d+ of 1000000 iterations", summary), summary
    assert "parameters trained so far are saved" in summary and "interrupted" in stderr
    model = RECIPES["shallow"].build()
    model.load(tmp_path / "out" / "model.npz")
    assert not np.array_equal(model.W1.data, RECIPES["shallow"].build().W1.data)
    assert {p.name for p in (tmp_path / "out").iterdir()} == {
        "learning_curve.png",
        "decision_boundary.png",
        "model.npz",
        "summary.txt",
    }


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
