"""Compare the eager engine's speed at two revisions of this repository, measured in one run.

Run from the repository root::

    python benchmarks/revisions.py BASE            # BASE against the working tree
    python benchmarks/revisions.py BASE HEAD --workloads planar,logreg --rounds 8

Each revision's ``tinygrad_ng`` package is exported (``git archive``) into a temporary folder.
The rounds alternate between the revisions; each round is a fresh process that times the
hand-written NumPy reference and the eager tinygrad_ng step of ``benchmarks/run.py`` (this
checkout's workloads and timing, single-threaded BLAS, CPU time) against each other, so every
ratio is taken within one process, and the two revisions see the same machine load in turn.
Printed: each revision's median ratio to the reference, and the change from the first
revision to the second (a change of +2 % means the second is 2 % slower).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORKING_TREE = "working tree"

# The child process: this checkout's benchmark code, the revision's package first on the path.
CHILD = """
import json, sys
sys.path[:0] = [{here!r}]
import run, workloads as wl
sys.path.insert(0, {package!r})
import tinygrad_ng
assert tinygrad_ng.__file__.startswith({package!r}), tinygrad_ng.__file__
out = {{}}
for w in wl.make_workloads({names!r}):
    impls = wl.build_impls(w, ["numpy", "tinygrad_ng"])
    run.check_gradients(impls, w.dtype)
    times = run.time_interleaved(impls, {rounds}, {seconds})
    out[w.name] = [t / r for t, r in zip(times["tinygrad_ng"], times["numpy"])]
print(json.dumps(out))
"""


def export(revision: str, folder: Path) -> Path:
    """The revision's ``tinygrad_ng`` package in ``folder`` (the working tree's is used as it is)."""
    if revision == WORKING_TREE:
        return ROOT
    folder.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", revision, "tinygrad_ng"], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def measure(package: Path, names: list[str], rounds: int, seconds: float) -> dict[str, list[float]]:
    """One child process: per-round ratios eager / NumPy reference for each workload."""
    code = CHILD.format(here=str(HERE), package=str(package), names=names, rounds=rounds, seconds=seconds)
    env = {**os.environ, **{v: "1" for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}}
    env.pop("PYTHONPATH", None)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"revisions: the measuring process failed:\n{done.stderr}")
    return json.loads(done.stdout.splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base", help="the first revision (a commit, tag or branch)")
    parser.add_argument("head", nargs="?", default=WORKING_TREE, help="the second (default: the working tree)")
    parser.add_argument("--workloads", default="planar", help="comma-separated (default: planar)")
    parser.add_argument("--rounds", type=int, default=6, help="processes per revision, alternating (default 6)")
    parser.add_argument("--inner", type=int, default=3, help="timed rounds inside each process (default 3)")
    parser.add_argument("--seconds", type=float, default=0.25, help="length of one timed block (default 0.25)")
    args = parser.parse_args(argv)
    names = args.workloads.split(",")
    revisions = [args.base, args.head]
    ratios: dict[str, dict[str, list[float]]] = {r: {n: [] for n in names} for r in revisions}
    with tempfile.TemporaryDirectory() as tmp:
        packages = {r: export(r, Path(tmp) / str(i)) for i, r in enumerate(revisions)}
        for k in range(args.rounds):
            for r in revisions if k % 2 == 0 else revisions[::-1]:
                for name, values in measure(packages[r], names, args.inner, args.seconds).items():
                    ratios[r][name].extend(values)
            print(f"round {k + 1}/{args.rounds} done", file=sys.stderr, flush=True)
    print(f"eager step time / hand-written NumPy, median of {args.rounds * args.inner} rounds per revision")
    print(f"| workload | {revisions[0]} | {revisions[1]} | change |")
    print("| --- | ---: | ---: | ---: |")
    for name in names:
        a, b = (float(np.median(ratios[r][name])) for r in revisions)
        print(f"| {name} | {a:.3f}x | {b:.3f}x | {100 * (b / a - 1):+.1f} % |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
