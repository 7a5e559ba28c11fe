"""Benchmark tinygrad_ng against the course's hand-written NumPy backprop and PyTorch eager.

Run from the repository root::

    python benchmarks/run.py            # the full benchmark (a few minutes)
    python benchmarks/run.py --quick    # a fast smoke run (fewer rounds, shorter chains)

Options: ``--workloads planar,cat4`` to choose workloads, ``--rounds N``, ``--no-torch``,
``--no-memory``, ``--no-scaling``, ``--clock wall`` (the default is the process's CPU time, which
a busy machine disturbs less), ``--output FILE`` to also write the tables (Markdown).

How it is fair: BLAS runs single-threaded for every implementation (the variables are set here,
before NumPy is imported, and ``torch.set_num_threads(1)``); all implementations start from the
same data and initial parameters; their costs and gradients are checked equal before anything
is timed; the implementations are interleaved, in a rotating order, over many short rounds; each
time is the median over rounds and each ratio is the median of the per-round ratios to the NumPy
reference measured in the same round (the report gives their spread too). Peak memory is the
RSS high-water mark (``VmHWM``) of a fresh process per implementation and workload, which loads
the data, builds the model and runs a few training steps; every module in it imports from
bytecode (written beforehand, by a first run of the same process, into a temporary folder), as
an installed package does.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # before NumPy (or torch) is imported, here and in child processes

import argparse  # noqa: E402
import datetime  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]  # the workload modules, and tinygrad_ng from this checkout

import numpy as np  # noqa: E402
import workloads as wl  # noqa: E402

# The clock every timing reads: CPU time of this process by default (BLAS is single-threaded, so
# on a quiet machine it equals wall time, and on a shared one it leaves out time spent waiting
# for a core), or wall time with --clock wall.
CLOCK = [time.process_time]

# The targets: the time ratio to the lean NumPy reference must not exceed these, eager and compiled.
TIME_TARGETS = {"planar": 2.0, "logreg": 1.03, "cat4": 1.03, "cat4-batch64": 1.3, "wide": 1.03}
COMPILED_TARGETS = {"planar": 1.0, "logreg": 1.0, "cat4": 1.0, "wide": 1.0}
COMPILED = "tinygrad_ng (compiled)"
MEMORY_TARGET = 1.1


# --------------------------------------------------------------------------- timing
def check_gradients(impls: list[wl.Impl], dtype: np.dtype) -> None:
    """Raise if any implementation's cost or gradients differ from the reference's."""
    rtol = 1e-7 if dtype == np.float64 else 1e-3
    ref_cost, ref_grads = impls[0].gradients()
    for impl in impls[1:]:
        cost, grads = impl.gradients()
        if not np.isclose(cost, ref_cost, rtol=rtol):
            raise AssertionError(f"{impl.name}: cost {cost} differs from the reference's {ref_cost}")
        for layer, (mine, theirs) in enumerate(zip(grads, ref_grads), start=1):
            for what, a, b in zip(("dW", "db"), mine, theirs):
                scale = np.abs(b).max() or 1.0
                if a.shape != b.shape or a.dtype != b.dtype or not np.allclose(a, b, rtol=rtol, atol=rtol * scale):
                    raise AssertionError(f"{impl.name}: {what}{layer} differs from the reference's")


def calibrate(impl: wl.Impl, seconds: float) -> int:
    """How many steps take about ``seconds``, measured after a warm-up step.

    The warm-up matters: a compiled step traces the function at its first call, which takes
    far longer than a step (and longer still with a large module such as torch loaded, as the
    trace scans the live objects); calibrating on that call timed blocks of a single step, so
    each timed block was dominated by per-block costs instead of steps.
    """
    impl.reset()
    impl.step()  # warm-up: the first call traces a compiled step; caches fill
    n = 1
    while True:
        impl.reset()
        t = CLOCK[0]()
        for _ in range(n):
            impl.step()
        elapsed = CLOCK[0]() - t
        if elapsed >= seconds / 8 or n >= 1 << 20:
            return max(1, round(seconds * n / max(elapsed, 1e-9)))
        n *= 2


def time_interleaved(impls: list[wl.Impl], rounds: int, seconds: float) -> dict[str, list[float]]:
    """Seconds per step of each implementation, per round; the order rotates each round."""
    reps = {impl.name: calibrate(impl, seconds) for impl in impls}
    times: dict[str, list[float]] = {impl.name: [] for impl in impls}
    for r in range(rounds):
        for k in range(len(impls)):
            impl = impls[(r + k) % len(impls)]
            n = reps[impl.name]
            impl.reset()
            t = CLOCK[0]()
            for _ in range(n):
                impl.step()
            times[impl.name].append((CLOCK[0]() - t) / n)
    return times


def bench_workloads(names: list[str] | None, impl_names: list[str], rounds: int, seconds: float) -> list[dict]:
    rows = []
    for w in wl.make_workloads(names):
        impls = wl.build_impls(w, impl_names)
        check_gradients(impls, w.dtype)
        times = time_interleaved(impls, rounds, seconds)
        ref, course = np.array(times["numpy"]), np.array(times["numpy-course"])
        row = {"workload": w.name, "description": w.description, "data": w.data_source}
        row["times"] = {name: float(np.median(ts)) for name, ts in times.items()}
        row["ratios"] = {name: float(np.median(np.array(ts) / ref)) for name, ts in times.items()}
        row["course_ratios"] = {name: float(np.median(np.array(ts) / course)) for name, ts in times.items()}
        # How much the per-round ratios move: their 25th and 75th percentiles.
        row["spread"] = {
            name: tuple(float(q) for q in np.percentile(np.array(ts) / ref, [25, 75])) for name, ts in times.items()
        }
        rows.append(row)
        print(f"  {w.name}: " + ", ".join(f"{k} {v * 1e3:.3f} ms" for k, v in row["times"].items()), flush=True)
    return rows


# --------------------------------------------------------------------------- memory
def _status_kb(key: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{key} not found in /proc/self/status")


def memory_child(workload: str, impl_name: str, steps: int) -> None:
    """Run in a fresh process: build the model, train ``steps`` epochs, print the memory as JSON."""
    w = wl.make_workloads([workload])[0]
    impl = wl.IMPLS[impl_name](w)
    gc.collect()
    try:  # reset the high-water mark, so the peak is that of training, not of loading the data
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass
    before = _status_kb("VmRSS")
    for _ in range(steps):
        impl.step()
    print(json.dumps({"peak_kb": _status_kb("VmHWM"), "before_kb": before}))


def measure_memory(workload: str, impl_name: str, pycache: str, steps: int = 3) -> dict[str, int]:
    cmd = [sys.executable, __file__, "--memory-child", workload, impl_name, str(steps)]
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # every package imports from its bytecode, as installed ones do
    env["PYTHONPYCACHEPREFIX"] = pycache
    folder = wl.cat_dir()
    if folder is not None:  # resolved here, so the child reads it without importing tinygrad_ng
        env[wl.CATVNONCAT_ENV] = str(folder)
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


def bench_memory(names: list[str], impl_names: list[str]) -> list[dict]:
    if not Path("/proc/self/status").exists():
        print("  memory: skipped (VmHWM is read from Linux's /proc)", flush=True)
        return []
    rows = []
    # Every process imports from bytecode, as an installed package does: compiling a module in the
    # measured process would leave the compiler's memory in its peak. The bytecode goes to a
    # folder of its own, written by a first run of the same process, whose peak is not kept.
    with tempfile.TemporaryDirectory(prefix="tinygrad-ng-bench-") as pycache:
        for name in names:
            row: dict = {"workload": name}
            for impl in impl_names:
                measure_memory(name, impl, pycache, steps=1)  # writes the bytecode
                row[impl] = measure_memory(name, impl, pycache)
            rows.append(row)
            peaks = ", ".join(f"{k} {v['peak_kb'] / 1024:.0f} MB" for k, v in row.items() if k != "workload")
            print(f"  memory {name}: {peaks}", flush=True)
    return rows


# --------------------------------------------------------------------------- scaling
def chain_backward(n: int, impl: str, rounds: int) -> float:
    """Median seconds per node of backward through a chain of ``n`` tanh ops."""
    times = []
    for _ in range(rounds):
        if impl == "torch":
            import torch

            x = torch.full((4,), 0.5, dtype=torch.float64, requires_grad=True)
            y = x
            for _ in range(n):
                y = torch.tanh(y)
            loss = y.sum()
        else:
            import tinygrad_ng as tg

            x = tg.Tensor(np.full(4, 0.5), requires_grad=True)
            y = x
            for _ in range(n):
                y = y.tanh()
            loss = y.sum()
        t = CLOCK[0]()
        loss.backward()
        times.append((CLOCK[0]() - t) / n)
        del x, y, loss
    return float(np.median(times))


def bench_chains(lengths: list[int], impl_names: list[str], rounds: int) -> list[dict]:
    rows = []
    for n in lengths:
        row = {"nodes": n}
        for impl in impl_names:
            if impl in ("tinygrad_ng", "torch"):  # a chain's backward: eager engines only
                row[impl] = chain_backward(n, impl, rounds)
        rows.append(row)
        print(f"  chain {n}: " + ", ".join(f"{k} {v * 1e6:.2f} us/node" for k, v in row.items() if k != "nodes"))
    return rows


def bench_depth(depths: list[int], impl_names: list[str], rounds: int, seconds: float) -> list[dict]:
    """Forward + backward (no update) of a width-64 ReLU MLP on m = 64 as the depth grows."""
    rows = []
    rng = np.random.RandomState(0)
    X = rng.randn(64, 64)
    Y = (rng.rand(1, 64) < 0.5).astype(np.float64)
    for depth in depths:
        dims = [64] * depth + [1]
        w = wl.Workload(f"mlp{depth}", "", dims, "relu", [(X, Y)], wl.init_params(dims, 0, "sqrt"), 0.0)
        impls = wl.build_impls(w, impl_names)
        for impl in impls:  # time forward + backward only: gradients() does no update
            impl.step = impl.gradients  # type: ignore[method-assign]
            impl.reset = lambda: None  # type: ignore[method-assign]
        check_gradients(impls, w.dtype)
        times = time_interleaved(impls, rounds, seconds)
        ref = np.array(times["numpy"])
        row = {"layers": depth}
        for name, ts in times.items():
            row[name] = (float(np.median(ts)), float(np.median(np.array(ts) / ref)))
        rows.append(row)
        print(f"  depth {depth}: " + ", ".join(f"{k} {v[0] * 1e6:.0f} us" for k, v in row.items() if k != "layers"))
    return rows


# --------------------------------------------------------------------------- report
def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        blas_str = f"{blas.get('name')} {blas.get('version')}"
    except Exception:  # the layout of show_config differs across NumPy versions
        blas_str = "unknown"
    info = {
        "date": datetime.date.today().isoformat(),
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": blas_str + " (1 thread)",
        "clock": "CPU time" if CLOCK[0] is time.process_time else "wall time",
    }
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):  # OpenBLAS kernel choices, when set they are reported
        if os.environ.get(var):
            info[var] = os.environ[var]
    if wl.torch_available():
        import torch

        info["torch"] = torch.__version__ + " (1 thread)"
    return info


def fmt_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def report(info: dict, time_rows: list, mem_rows: list, chain_rows: list, depth_rows: list, impls: list[str]) -> str:
    out = ["Machine: " + "; ".join(f"{k} {v}" for k, v in info.items()), ""]
    others = [i for i in impls if not i.startswith("numpy")]
    if time_rows:
        header = ["workload"] + [f"{i} (ms)" for i in impls] + [f"{i} / numpy" for i in others]
        header += [f"{i} / numpy-course" for i in others] + ["target eager / compiled", "met eager / compiled"]
        rows = []
        for r in time_rows:
            targets = [TIME_TARGETS.get(r["workload"]), COMPILED_TARGETS.get(r["workload"])]
            cells = [r["description"]] + [f"{r['times'][i] * 1e3:.3f}" for i in impls]
            cells += [f"{r['ratios'][i]:.3f}x" for i in others] + [f"{r['course_ratios'][i]:.3f}x" for i in others]
            met = [
                "-" if t is None or i not in r["ratios"] else ("yes" if r["ratios"][i] <= t else "no")
                for t, i in zip(targets, ("tinygrad_ng", COMPILED))
            ]
            cells += [" / ".join(f"<= {t}x" if t else "-" for t in targets), " / ".join(met)]
            rows.append(cells)
        out += ["Training step (forward, cost, backward, SGD update), medians over rounds:", ""]
        out += [fmt_table(header, rows)]
        header = ["workload"] + [f"{i} / numpy" for i in others]
        rows = [
            [r["workload"]] + [f"{r['spread'][i][0]:.3f}x to {r['spread'][i][1]:.3f}x" for i in others]
            for r in time_rows
        ]
        out += ["", "How much the per-round ratios move (their 25th to 75th percentile):", "", fmt_table(header, rows)]
        sources = sorted({r["data"] for r in time_rows})
        out += ["", "Data: " + ", ".join(sources) + ".", ""]
    if mem_rows:
        header = ["workload"] + [f"{i} peak (MB)" for i in impls] + [f"{i} / numpy" for i in others]
        grown = [i for i in ("numpy", "tinygrad_ng", COMPILED) if i in impls]
        header += [f"step growth {' / '.join(grown)} (MB)", "met eager / compiled"]
        rows = []
        for r in mem_rows:
            ref = r["numpy"]["peak_kb"]
            cells = [r["workload"]] + [f"{r[i]['peak_kb'] / 1024:.1f}" for i in impls]
            cells += [f"{r[i]['peak_kb'] / ref:.3f}x" for i in others]
            grow = [(r[i]["peak_kb"] - r[i]["before_kb"]) / 1024 for i in grown]
            cells += [" / ".join(f"{g:.1f}" for g in grow)]
            met = [("yes" if r[i]["peak_kb"] / ref <= MEMORY_TARGET else "NO") for i in grown[1:]]
            cells += [" / ".join(met)]
            rows.append(cells)
        out += [f"Peak memory (RSS high-water mark of a fresh process; target <= {MEMORY_TARGET}x):", ""]
        out += [fmt_table(header, rows), ""]
    if chain_rows:
        chained = [i for i in others if i in chain_rows[0]]
        header = ["chain length"] + [f"{i} backward (us/node)" for i in chained]
        rows = [[f"{r['nodes']:,}"] + [f"{r[i] * 1e6:.2f}" for i in chained] for r in chain_rows]
        per = [r["tinygrad_ng"] for r in chain_rows]
        out += ["Backward time per node, chain of tanh ops on a (4,) tensor:", "", fmt_table(header, rows)]
        out += ["", f"tinygrad_ng longest / shortest chain, per node: {per[-1] / per[0]:.2f}x (target <= 2x)", ""]
    if depth_rows:
        header = ["layers"] + [f"{i} (us)" for i in impls] + [f"{i} / numpy" for i in others]
        rows = []
        for r in depth_rows:
            cells = [str(r["layers"])] + [f"{r[i][0] * 1e6:.0f}" for i in impls] + [f"{r[i][1]:.2f}x" for i in others]
            rows.append(cells)
        out += ["Forward + backward, ReLU MLP of width 64, m = 64, as the depth grows:", ""]
        out += [fmt_table(header, rows), ""]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="few rounds, short timings, short chains")
    ap.add_argument("--workloads", help="comma-separated: planar,logreg,cat4,cat4-batch64,wide")
    ap.add_argument("--rounds", type=int, help="timing rounds (default 60, quick 3)")
    ap.add_argument("--no-torch", action="store_true", help="leave out PyTorch even when it is installed")
    ap.add_argument("--no-memory", action="store_true", help="skip the peak-memory processes")
    ap.add_argument("--no-scaling", action="store_true", help="skip the chain and depth scaling runs")
    ap.add_argument("--clock", choices=["cpu", "wall"], default="cpu", help="CPU time of the process (default) or wall")
    ap.add_argument("--output", type=Path, help="also write the tables (Markdown) to this file")
    ap.add_argument("--memory-child", nargs=3, metavar=("WORKLOAD", "IMPL", "STEPS"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.memory_child:
        workload, impl, steps = args.memory_child
        memory_child(workload, impl, int(steps))
        return 0

    CLOCK[0] = time.process_time if args.clock == "cpu" else time.perf_counter
    names = args.workloads.split(",") if args.workloads else None
    impls = ["numpy", "numpy-course", "tinygrad_ng", "tinygrad_ng (compiled)"]
    impls += ["torch"] if wl.torch_available() and not args.no_torch else []
    # Many short rounds rather than a few long ones: on a shared machine the per-round ratio moves
    # by about 10 % either way, and the median of 60 is about twice as steady as that of 15.
    rounds = args.rounds or (3 if args.quick else 60)
    seconds = 0.02 if args.quick else 0.06
    info = machine()
    print("Machine: " + "; ".join(f"{k} {v}" for k, v in info.items()), flush=True)

    time_rows = bench_workloads(names, impls, rounds, seconds)
    mem_rows = []
    if not args.no_memory:
        mem_names = [r["workload"] for r in time_rows]
        if args.quick:
            mem_names = mem_names[:1]
        mem_rows = bench_memory(mem_names, impls)
    chain_rows: list = []
    depth_rows: list = []
    if not args.no_scaling:
        lengths = [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000]
        chain_rows = bench_chains(lengths, impls, 1 if args.quick else 5)
        depths = [2, 8] if args.quick else [2, 4, 8, 16, 32, 64]
        depth_rows = bench_depth(depths, impls, rounds, seconds)

    text = report(info, time_rows, mem_rows, chain_rows, depth_rows, impls)
    print()
    print(text)
    if args.output:
        tmp = args.output.with_name(args.output.name + ".tmp")
        tmp.write_text(text + "\n")
        tmp.replace(args.output)  # atomic: never a half-written file
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
