"""The four-layer cat model trained data-parallel on a Dask cluster, the samples (columns of X) split in chunks.

Starts a LocalCluster of worker processes (or connects to a running cluster's scheduler with
--address), splits the 209 training images into --chunks column chunks held by the workers, and
trains the course's model 12288 -> 20 -> 7 -> 5 -> 1 with train.fit: each step records the forward
and backward pass chunk by chunk and computes the cost and every gradient in one dask.compute;
the parameters stay NumPy arrays here and the optimiser updates them. Then it trains the same
model on the NumPy arrays and prints the largest relative difference (costs and parameters).

    python examples/dask_cluster.py --out out/dask_cluster          # a LocalCluster of 2 workers
    python examples/dask_cluster.py --address tcp://HOST:8786       # a cluster that is running
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from pathlib import Path

import numpy as np
from _common import parse_args, print_accuracy, run, save_pictures

from tinygrad_ng import nn
from tinygrad_ng.cli import positive_int
from tinygrad_ng.data import load_catvnoncat
from tinygrad_ng.distributed import split_samples
from tinygrad_ng.train import fit


def _options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--address", help="a running Dask scheduler's address (default: start a LocalCluster)")
    parser.add_argument(
        "--workers", type=positive_int, default=2, help="worker processes of the LocalCluster (default: %(default)s)"
    )
    parser.add_argument(
        "--chunks", type=positive_int, default=4, help="column chunks X is split into (default: %(default)s)"
    )


def four_layer_model() -> nn.MLP:
    """The course's four-layer model, initialised as the course does (``np.random.seed(1)``)."""
    return nn.MLP([12288, 20, 7, 5, 1], hidden="relu", output="sigmoid", init="course-deep", seed=1)


def relative_difference(a: nn.Module | list[float], b: nn.Module | list[float]) -> float:
    """The largest ``|a - b| / |b|`` (norms) over the parameters of two models, or over two cost lists."""
    pairs = (
        [(p.data, q.data) for p, q in zip(a.parameters(), b.parameters())]
        if isinstance(a, nn.Module) and isinstance(b, nn.Module)
        else [(np.asarray(a), np.asarray(b))]
    )
    return max(float(np.linalg.norm(x - y) / np.linalg.norm(y)) for x, y in pairs)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(__doc__, argv, out="out/dask_cluster", iterations=100, options=_options, course_iterations=False)
    data = load_catvnoncat(args.data)  # images flattened to columns (12288, m) and divided by 255
    import dask
    from dask.distributed import Client, LocalCluster

    with contextlib.ExitStack() as stack:
        if args.address:
            try:
                client = stack.enter_context(Client(args.address))
            except OSError as e:  # nothing answered there: one line, as for a wrong option
                print(f"{Path(sys.argv[0]).name}: error: no Dask scheduler at {args.address}: {e}", file=sys.stderr)
                sys.exit(2)
        else:
            cluster = stack.enter_context(LocalCluster(n_workers=args.workers, threads_per_worker=1))
            client = stack.enter_context(Client(cluster))
        print(f"Dask cluster: {len(client.scheduler_info()['workers'])} workers, dashboard {client.dashboard_link}")
        # Sent to the workers once and kept there: every step's graph names the chunks instead of carrying
        # them. (Dask warns about a graph of more than 10 MB; the 20 MB of images are meant to go once.)
        with dask.config.set({"distributed.admin.large-graph-warning-threshold": "64MB"}):
            X = split_samples(data.train_x, args.chunks).persist()
            Y = split_samples(data.train_y, args.chunks).persist()
        print(f"X {X.shape} in {X.numblocks[1]} column chunks of {X.chunks[1]} samples")
        model = four_layer_model()
        start = time.perf_counter()
        history = fit(model, X, Y, lr=0.0075, iterations=args.iterations, print_every=10, compile=False)
        seconds = time.perf_counter() - start
    print(f"Dask: {1000 * seconds / history.completed:.1f} ms per step")

    reference = four_layer_model()
    expected = fit(reference, data.train_x, data.train_y, lr=0.0075, iterations=args.iterations, progress=False)
    print(
        f"max relative difference from the NumPy run: costs {relative_difference(history.costs, expected.costs):.1e}, "
        f"parameters {relative_difference(model, reference):.1e}"
    )
    print_accuracy(model, "train", data.train_x, data.train_y)
    print_accuracy(model, "test", data.test_x, data.test_y)
    save_pictures(args.out, model, data.train_x, data.train_y, history, title="Four-layer cat model on Dask")


if __name__ == "__main__":
    run(main)
