"""Count what a training step executes, in a simulated machine that a busy computer does not disturb.

Timings on a shared machine move by 5 to 10 % from run to run on the memory-bound workloads (see
``docs/performance.md``). This script measures what does not move: it runs each implementation's
training step under ``valgrind --tool=cachegrind`` with its cache simulation, and reports per step

- the instructions executed, and
- the misses of a simulated last-level cache (by default 1 MiB, 16-way: one core's private L2 on
  the machine of the published runs), each of which on real hardware waits for the shared L3
  or for memory,

with their ratios to the hand-written NumPy step. A step's count is the difference between a
process that runs ``--steps`` steps (by default enough for some 10^8 instructions) and one that
runs none (both after the same warm-up steps), divided by ``--steps``; hash randomisation is
fixed so that dictionary probes repeat.

    python benchmarks/counts.py                         # planar, logreg, cat4: about 15 minutes
    python benchmarks/counts.py --workloads logreg --steps 5
    python benchmarks/counts.py --impls "numpy,tinygrad_ng,bare eager"

Needs valgrind (Debian: ``apt-get install valgrind``). The implementations are those of
``benchmarks/run.py`` (torch is left out by default: importing it under valgrind takes minutes)
and the bare eager engine of ``benchmarks/eager_floor.py``.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # single-threaded BLAS, as in run.py: before NumPy is imported

import argparse  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]  # the workload modules, and tinygrad_ng from this checkout

DEFAULT_IMPLS = "numpy,tinygrad_ng,tinygrad_ng (compiled),bare eager"
WARMUP = 3  # steps before counting: a compiled step traces at its first call, caches fill
# Steps counted by default, some 10^8 instructions: a garbage collection that falls inside the
# counted steps in one run and not in another moves a short run's count per step by up to 3 %.
STEPS = {"planar": 200, "logreg": 30, "cat4": 5, "cat4-batch64": 5, "wide": 1}


def make_impl(workload: str, impl_name: str) -> Any:
    """The implementation ``impl_name`` of ``workload`` (``"bare eager"``: eager_floor's engine)."""
    import workloads as wl

    w = wl.make_workloads([workload])[0]
    if impl_name == "bare eager":
        import eager_floor

        return eager_floor.BareImpl(w)
    if impl_name not in wl.IMPLS:
        raise SystemExit(f"counts.py: unknown implementation {impl_name!r}; choose from {[*wl.IMPLS, 'bare eager']}")
    return wl.IMPLS[impl_name](w)


def child(workload: str, impl_name: str, steps: int) -> None:
    """Build the model, run the warm-up steps, then ``steps`` more: the process valgrind counts."""
    impl = make_impl(workload, impl_name)
    for _ in range(WARMUP + steps):
        impl.step()


def read_summary(path: Path) -> dict[str, int]:
    """The totals of a cachegrind output file, by event name (``Ir``, ``ILmr``, ``DLmr``, ...)."""
    events: list[str] = []
    totals: list[int] = []
    for line in path.read_text().splitlines():
        if line.startswith("events:"):
            events = line.split()[1:]
        elif line.startswith("summary:"):
            totals = [int(v) for v in line.split()[1:]]
    if not events or len(events) != len(totals):
        raise ValueError(f"{path}: no cachegrind events/summary lines")
    return dict(zip(events, totals))


def per_step(without: dict[str, int], with_steps: dict[str, int], steps: int) -> dict[str, float]:
    """Instructions and last-level misses per step, from the totals of a run with 0 and with ``steps`` steps."""
    d = {k: (with_steps[k] - without[k]) / steps for k in with_steps}
    misses = sum(d.get(k, 0.0) for k in ("ILmr", "DLmr", "DLmw"))
    return {"instructions": d["Ir"], "ll_misses": misses, "ll_read_misses": d.get("ILmr", 0.0) + d.get("DLmr", 0.0)}


def count(workload: str, impl_name: str, steps: int, ll: str, folder: Path) -> dict[str, float]:
    """Run the child under cachegrind with 0 and with ``steps`` steps; the counts per step."""
    env = dict(os.environ, PYTHONHASHSEED="0")
    totals = []
    for n in (0, steps):
        out = folder / f"cachegrind.{len(list(folder.iterdir()))}"
        cmd = [
            "valgrind",
            "--tool=cachegrind",
            "--cache-sim=yes",
            f"--LL={ll}",
            f"--cachegrind-out-file={out}",
            sys.executable,
            __file__,
            "--child",
            workload,
            impl_name,
            str(n),
        ]
        run = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if run.returncode != 0:
            tail = "\n".join(run.stderr.splitlines()[-15:])
            raise SystemExit(f"counts.py: {impl_name} on {workload} failed under valgrind:\n{tail}")
        totals.append(read_summary(out))
    return per_step(totals[0], totals[1], steps)


def table(rows: list[tuple[str, str, dict[str, float]]]) -> str:
    """A Markdown table of the counts, with ratios to the ``numpy`` row of the same workload."""
    out = [
        "| workload | implementation | instructions / step | ratio | LL misses / step | ratio |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    refs = {w: c for w, name, c in rows if name == "numpy"}
    for w, name, c in rows:
        ref = refs.get(w)
        ri = f"{c['instructions'] / ref['instructions']:.3f}x" if ref else "-"
        # A few hundred misses is the counting's own noise (allocator and interpreter state), not a ratio.
        rm = f"{c['ll_misses'] / ref['ll_misses']:.4f}x" if ref and ref["ll_misses"] >= 1000 else "-"
        out.append(f"| {w} | {name} | {c['instructions']:,.0f} | {ri} | {c['ll_misses']:,.0f} | {rm} |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workloads", default="planar,logreg,cat4")
    parser.add_argument("--impls", default=DEFAULT_IMPLS, help=f"comma-separated (default {DEFAULT_IMPLS!r})")
    parser.add_argument("--steps", type=int, help=f"steps counted per implementation (default {STEPS})")
    parser.add_argument("--ll", default="1048576,16,64", help="simulated last-level cache: size,assoc,line")
    parser.add_argument("--child", nargs=3, metavar=("WORKLOAD", "IMPL", "STEPS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], args.child[1], int(args.child[2]))
        return 0
    if args.steps is not None and args.steps < 1:
        parser.error(f"--steps must be at least 1, got {args.steps}")
    if shutil.which("valgrind") is None:
        print("counts.py needs valgrind on PATH (Debian: apt-get install valgrind)", file=sys.stderr)
        return 2
    impls = [s.strip() for s in args.impls.split(",") if s.strip()]
    if "numpy" not in impls:
        impls.insert(0, "numpy")  # the ratios' reference
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for workload in [s.strip() for s in args.workloads.split(",") if s.strip()]:
            steps = args.steps or STEPS.get(workload, 5)
            for name in impls:
                c = count(workload, name, steps, args.ll, Path(tmp))
                rows.append((workload, name, c))
                print(
                    f"  {workload} / {name}: {c['instructions']:,.0f} instructions, "
                    f"{c['ll_misses']:,.0f} LL misses per step",
                    flush=True,
                )
    size, assoc, line = args.ll.split(",")
    print(
        f"\nPer training step, under valgrind's cachegrind; simulated LL cache {int(size) // 1024} KiB, "
        f"{assoc}-way, {line}-byte lines; the difference of runs without and with counted steps, after {WARMUP} "
        "warm-up steps:\n"
    )
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
