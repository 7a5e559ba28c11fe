"""Smoke tests of the benchmark script (benchmarks/run.py); timings are printed, never asserted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import workloads as wl


def test_quick_run_prints_the_table() -> None:
    cmd = [sys.executable, "benchmarks/run.py", "--quick", "--workloads", "planar", "--no-torch", "--no-scaling"]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120, check=True).stdout
    assert "| workload | numpy (ms) | numpy-course (ms) | tinygrad_ng (ms) | tinygrad_ng (compiled) (ms) |" in out
    row = next(line for line in out.splitlines() if line.startswith("| planar [2, 4, 1]"))
    cells = [c.strip() for c in row.split("|")]
    assert cells[6].endswith("x")  # the workload and four times (ms), then the tinygrad_ng / numpy ratio
    ratio = float(cells[6].rstrip("x"))
    assert ratio > 0
    # The spread of the per-round ratios: their 25th and 75th percentiles bracket the median.
    spread = next(line for line in out.splitlines() if line.startswith("| planar |") and "x to " in line)
    low, high = (float(v.strip().rstrip("x")) for v in spread.split("|")[2].split(" to "))
    assert 0 < low <= ratio <= high
    if Path("/proc/self/status").exists():  # peak memory is read from Linux's /proc
        assert "Peak memory" in out and "| planar |" in out


@pytest.mark.parametrize("name", ["planar", "wide"])
def test_every_implementation_matches_the_reference(name: str) -> None:
    # The benchmark refuses to time implementations whose gradients differ; check that they agree.
    w = wl.make_workloads([name])[0]
    if name == "wide":  # a narrower copy of the float32 workload keeps this fast
        rng = np.random.RandomState(0)
        dims = [16, 8, 8, 1]
        X = rng.randn(16, 32).astype(np.float32)
        Y = (rng.rand(1, 32) < 0.5).astype(np.float32)
        params = wl.init_params(dims, 4, "sqrt", np.float32)
        w = wl.Workload("wide", "", dims, "relu", [(X, Y)], params, 0.01, dtype=np.dtype(np.float32))
    names = ["numpy", "numpy-course", "tinygrad_ng", "tinygrad_ng (compiled)"] + (
        ["torch"] if wl.torch_available() else []
    )
    impls = wl.build_impls(w, names)
    ref_cost, ref_grads = impls[0].gradients()
    for impl in impls[1:]:
        cost, grads = impl.gradients()
        assert cost == pytest.approx(ref_cost, rel=1e-5)
        for (dW, db), (rW, rb) in zip(grads, ref_grads):
            assert dW.dtype == rW.dtype == w.dtype
            np.testing.assert_allclose(dW, rW, rtol=1e-4, atol=1e-7)
            np.testing.assert_allclose(db, rb, rtol=1e-4, atol=1e-7)


def test_a_step_updates_every_implementation_alike() -> None:
    w = wl.make_workloads(["planar"])[0]
    impls = wl.build_impls(w, ["numpy", "numpy-course", "tinygrad_ng", "tinygrad_ng (compiled)"])
    for impl in impls:
        impl.step()
    after = [impl.params() for impl in impls]
    for params in after[1:]:
        for (W, b), (rW, rb) in zip(params, after[0]):
            np.testing.assert_allclose(W, rW, rtol=1e-9, atol=1e-15)
            np.testing.assert_allclose(b, rb, rtol=1e-9, atol=1e-15)
    assert not np.array_equal(after[0][0][0], w.params[0][0])  # the step did move W1
    for impl in impls:
        impl.reset()
        np.testing.assert_array_equal(impl.params()[0][0], w.params[0][0])


def test_conv_benchmark_prints_its_rows() -> None:
    """benchmarks/conv.py checks the engine against its NumPy im2col reference, then prints ratios."""
    cmd = [sys.executable, "benchmarks/conv.py", "--quick", "--batch", "2"]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300, check=True).stdout
    rows = [line for line in out.splitlines() if line.startswith("| course conv") or line.startswith("| cat ConvNet")]
    assert len(rows) == 3 and all(float(r.split("|")[4].strip().rstrip("x")) > 0 for r in rows)


def test_revisions_compares_a_commit_with_the_working_tree() -> None:
    cmd = [sys.executable, "benchmarks/revisions.py", "HEAD", "--rounds", "1", "--inner", "1", "--seconds", "0.02"]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120, check=True).stdout
    assert "| workload | HEAD | working tree | change |" in out
    row = next(line for line in out.splitlines() if line.startswith("| planar |"))
    base, head = (float(cell.strip().rstrip("x")) for cell in row.split("|")[2:4])
    assert base > 0 and head > 0 and row.split("|")[4].strip().endswith("%")


def test_eager_floor_checks_the_bare_engine_and_prints_its_ratio() -> None:
    # The script asserts the bare engine's cost and gradients equal the reference's before timing.
    cmd = [sys.executable, "benchmarks/eager_floor.py", "--rounds", "1", "--workloads", "planar"]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120, check=True).stdout
    line = next(line for line in out.splitlines() if line.strip().startswith("planar [2, 4, 1]"))
    bare, ours = (float(part.split()[-1].rstrip("x")) for part in line.split(":", 1)[1].split(","))
    assert bare > 0 and ours > 0


def test_counts_takes_a_step_as_the_difference_of_two_runs(tmp_path: Path) -> None:
    import counts

    header = "desc: I1 cache: 32768 B\ncmd: python\nevents: Ir I1mr ILmr Dr D1mr DLmr Dw D1mw DLmw\n"
    (tmp_path / "none").write_text(header + "fl=x\nsummary: 1000 5 3 400 9 7 100 2 1\n")
    (tmp_path / "ten").write_text(header + "fl=x\nsummary: 21000 25 13 8400 89 2007 2100 22 11\n")
    without, ten = counts.read_summary(tmp_path / "none"), counts.read_summary(tmp_path / "ten")
    assert without["Ir"] == 1000 and ten["DLmr"] == 2007
    step = counts.per_step(without, ten, 10)
    assert step["instructions"] == 2000
    assert step["ll_read_misses"] == (13 - 3 + 2007 - 7) / 10
    assert step["ll_misses"] == (13 - 3 + 2007 - 7 + 11 - 1) / 10
    (tmp_path / "broken").write_text("events: Ir\n")
    with pytest.raises(ValueError, match="summary"):
        counts.read_summary(tmp_path / "broken")
    rows = [("logreg", "numpy", {"instructions": 2e6, "ll_misses": 4000.0}), ("logreg", "x", step)]
    text = counts.table(rows)
    assert "| logreg | x | 2,000 | 0.001x | 202 | 0.0505x |" in text


def test_counts_child_runs_a_step_and_refuses_without_valgrind() -> None:
    # The process valgrind would count: builds the model, runs its warm-up and counted steps.
    child = [sys.executable, "benchmarks/counts.py", "--child", "planar", "bare eager", "1"]
    subprocess.run(child, cwd=ROOT, capture_output=True, text=True, timeout=120, check=True)
    env = {"PATH": "/nonexistent", "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "benchmarks/counts.py"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert run.returncode == 2 and "needs valgrind" in run.stderr
