"""Benchmark a training step on Dask against the same step on NumPy, on the same data.

Run from the repository root::

    python benchmarks/data_parallel.py                 # the cat model and a larger random data set
    python benchmarks/data_parallel.py --quick         # fewer steps, one chunk count

Each row trains one model with ``train.fit`` for a few steps on the same data, held:

- ``numpy``: as NumPy arrays, the step compiled (what ``fit`` runs by default);
- ``numpy eager``: as NumPy arrays, ``compile=False`` (the same ops the Dask step records);
- ``dask threads``: as a Dask array split into ``chunks`` column chunks, computed by Dask's
  threaded scheduler in this process (no cluster);
- ``dask cluster``: the same on a ``LocalCluster`` of 2 worker processes with one thread each, the
  chunks persisted on the workers (each step sends the graph and the parameters, and gathers the
  cost and the gradients).

Times are wall-clock milliseconds per step (the median over rounds of a few steps each, after one
warm-up step); the ratios are against ``numpy`` in the same run. BLAS is single-threaded
everywhere. Dask pays for building and scheduling a task graph each step (a few hundred tasks
for four chunks) and, on a cluster, for moving the parameters and gradients: it is there for
data that does not fit one machine, not to make small steps faster.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tinygrad_ng import nn  # noqa: E402
from tinygrad_ng.data import catvnoncat_dir, load_catvnoncat  # noqa: E402
from tinygrad_ng.distributed import split_samples  # noqa: E402
from tinygrad_ng.train import fit  # noqa: E402


def _cat_data() -> tuple[np.ndarray, np.ndarray, str]:
    folder = catvnoncat_dir()
    if folder is not None and (folder / "train_catvnoncat.h5").is_file():
        data = load_catvnoncat(folder)
        return data.train_x, data.train_y, "the cat training set"
    rng = np.random.default_rng(0)
    return rng.random((12288, 209)), (rng.random((1, 209)) < 0.35).astype(np.float64), "random, the cat set's shape"


def _random_data(n_x: int, m: int) -> tuple[np.ndarray, np.ndarray, str]:
    rng = np.random.default_rng(1)
    X = rng.standard_normal((n_x, m))
    return X, (X[:1] + X[1:2] > 0).astype(np.float64), "random"


def _time_per_step(train: Callable[[int], Any], steps: int, rounds: int) -> float:
    """Milliseconds per step: the median over ``rounds`` of ``steps`` steps, after one warm-up step."""
    train(1)
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        train(steps)
        times.append((time.perf_counter() - start) / steps)
    return 1000 * statistics.median(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer steps and rounds, 4 chunks only")
    parser.add_argument("--chunks", default="1,4,8", help="comma-separated column chunk counts (default: %(default)s)")
    parser.add_argument("--no-cluster", action="store_true", help="skip the LocalCluster column")
    args = parser.parse_args(argv)
    chunk_counts = [4] if args.quick else [int(c) for c in args.chunks.split(",")]
    steps, rounds = (2, 1) if args.quick else (5, 3)

    import dask
    from dask.distributed import Client, LocalCluster

    X_cat, Y_cat, cat_source = _cat_data()
    X_big, Y_big, big_source = _random_data(1000, 20_000)
    workloads = [
        ("cat4 [12288, 20, 7, 5, 1]", [12288, 20, 7, 5, 1], X_cat, Y_cat, cat_source),
        ("wide-m [1000, 20, 7, 5, 1]", [1000, 20, 7, 5, 1], X_big, Y_big, big_source),
    ]
    cluster = client = None
    if not args.no_cluster:
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None)
        client = Client(cluster, set_as_default=False)

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print("| workload | m | chunks | numpy (ms) | numpy eager (ms) | dask threads (ms) | dask cluster (ms) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    try:
        for name, dims, X, Y, source in workloads:
            model = nn.MLP(dims, hidden="relu", init="course-deep", seed=1)

            def numpy_run(n: int, compile: bool, X: np.ndarray = X, Y: np.ndarray = Y, model: nn.MLP = model) -> None:
                fit(model, X, Y, lr=0.0075, iterations=n, progress=False, compile=compile)

            numpy_ms = _time_per_step(lambda n: numpy_run(n, True), steps, rounds)
            eager_ms = _time_per_step(lambda n: numpy_run(n, False), steps, rounds)
            for chunks in chunk_counts:
                Xd, Yd = split_samples(X, chunks), split_samples(Y, chunks)

                def dask_run(n: int, Xd: Any = Xd, Yd: Any = Yd, model: nn.MLP = model) -> None:
                    fit(model, Xd, Yd, lr=0.0075, iterations=n, progress=False, compile=False)

                with dask.config.set(scheduler="threads"):
                    threads_ms = _time_per_step(dask_run, steps, rounds)
                cluster_cell = "-"
                if client is not None:
                    with client.as_current():
                        Xp, Yp = client.persist([Xd, Yd])
                        cluster_ms = _time_per_step(lambda n, Xp=Xp, Yp=Yp: dask_run(n, Xp, Yp), steps, rounds)
                        del Xp, Yp
                    cluster_cell = f"{cluster_ms:.0f} ({cluster_ms / numpy_ms:.1f}x)"
                eager_cell = f"{eager_ms:.1f} ({eager_ms / numpy_ms:.2f}x)"
                threads_cell = f"{threads_ms:.0f} ({threads_ms / numpy_ms:.1f}x)"
                cells = [name, X.shape[1], chunks, f"{numpy_ms:.1f}", eager_cell, threads_cell, cluster_cell]
                print("| " + " | ".join(map(str, cells)) + " |")
            print(f"<!-- {name}: {source} data -->")
        end = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"<!-- {os.cpu_count()} CPUs; load average {load:.1f} at the start, {end:.1f} at the end -->")
    finally:
        if client is not None:
            client.close()
            cluster.close()


if __name__ == "__main__":
    main()
