"""Data-parallel training on Dask: the samples (columns of ``X``) split into chunks across a cluster.

The course's layout puts one sample in each column of ``X (n_x, m)``. A Dask array ``X`` chunked
along its columns (every feature in each chunk) therefore splits the batch: each op of the
forward and backward pass runs chunk by chunk where the chunks live, and the sums over samples
(the loss's mean, ``dW = dZ Aᵀ / m``, ``db``) are Dask tree reductions. Nothing is computed
until :func:`compute_gradients` asks for the cost and every parameter's gradient in one
``dask.compute``; the parameters stay NumPy arrays on the client, where the optimiser updates them.
:func:`tinygrad_ng.train.fit` does all of this when it is given a Dask ``X``.

With a ``dask.distributed.Client`` in the program the compute runs on its cluster (a
``LocalCluster`` of worker processes, or a real cluster by its address); without one, on Dask's
threads. Dask itself is imported only when these functions are called (``pip install
"dask[distributed]"``).

>>> import numpy as np
>>> from tinygrad_ng import nn
>>> from tinygrad_ng.distributed import split_samples
>>> from tinygrad_ng.train import fit
>>> X = np.random.default_rng(0).standard_normal((3, 40))      # (n_x, m)
>>> Y = (X[:1] > 0).astype(np.float64)                          # (1, m)
>>> model = nn.MLP([3, 4, 1], init="course-deep", seed=1)
>>> h = fit(model, split_samples(X, 4), Y, lr=0.1, iterations=3, compile=False)
>>> expected = fit(nn.MLP([3, 4, 1], init="course-deep", seed=1), X, Y, lr=0.1, iterations=3, compile=False)
>>> bool(np.allclose(h.costs, expected.costs, rtol=1e-12))
True
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any

import numpy as np

from .errors import ArgumentError, DTypeError, ShapeError
from .tensor import Tensor

__all__ = ["is_dask_array", "split_samples", "align_samples", "compute_gradients"]


def is_dask_array(x: Any) -> bool:
    """Whether ``x`` (or the array a :class:`Tensor` holds) is a Dask array; never imports Dask.

    >>> import numpy as np
    >>> import dask.array as da
    >>> is_dask_array(np.ones(3)), is_dask_array(da.ones(3))
    (False, True)
    """
    da = sys.modules.get("dask.array")  # no Dask array can exist before dask.array is imported
    if da is None:
        return False
    return isinstance(x._data if isinstance(x, Tensor) else x, da.Array)


def _dask_array() -> Any:
    try:
        import dask.array as da
    except ImportError:
        raise ImportError(
            'training on Dask needs dask: pip install "dask[distributed]" (in the tinygrad_ng checkout: '
            "pip install -e '.[dask]')"
        ) from None
    return da


def split_samples(X: Any, chunks: int) -> Any:
    """``X (n, m)`` as a Dask array in ``chunks`` column chunks: the samples split, every row in each chunk.

    ``X`` may be a NumPy array, a Tensor or a Dask array (rechunked, lazily). The chunks are as
    equal as Dask makes them (``ceil(m / chunks)`` columns each, the last one smaller).

    >>> import numpy as np
    >>> split_samples(np.zeros((5, 10)), 4).chunks
    ((5,), (3, 3, 3, 1))
    """
    da = _dask_array()
    arr = X._data if isinstance(X, Tensor) else X
    if not is_dask_array(arr):
        arr = np.asarray(arr)
    if arr.ndim != 2:
        raise ShapeError(f"split_samples: X must be 2-D (features, m) with samples as columns, got shape {arr.shape}")
    if isinstance(chunks, bool) or not isinstance(chunks, int | np.integer) or chunks < 1:
        raise ArgumentError(f"split_samples: chunks must be a positive int, got {chunks!r}")
    m = arr.shape[1]
    if not chunks <= m:
        raise ArgumentError(f"split_samples: cannot split {m} samples into {chunks} chunks")
    width = -(-m // chunks)
    if is_dask_array(arr):
        return arr.rechunk((arr.shape[0], width))
    return da.from_array(arr, chunks=(arr.shape[0], width))


def align_samples(X: Any, Y: Any, where: str = "align_samples") -> tuple[Any, Any]:
    """``X (n_x, m)`` and ``Y (n_y, m)`` as Dask arrays whose columns are chunked alike (X's chunks).

    When only one of them is a Dask array, the other is split as it is; a Dask ``Y`` chunked
    differently from ``X`` is rechunked to ``X``'s columns, so each chunk's loss sees its own
    labels. Unknown chunk sizes (NaN, e.g. after boolean indexing) are refused: the sample count
    must be known to divide by ``m``.

    >>> import numpy as np
    >>> X, Y = align_samples(split_samples(np.zeros((5, 10)), 2), np.ones((1, 10)))
    >>> Y.chunks
    ((1,), (5, 5))
    """
    da = _dask_array()
    X, Y = (a._data if isinstance(a, Tensor) else a if is_dask_array(a) else np.asarray(a) for a in (X, Y))
    for name, arr in (("X", X), ("Y", Y)):
        if is_dask_array(arr) and any(np.isnan(c) for dim in arr.chunks for c in dim):
            raise ShapeError(
                f"{where}: {name} {arr.shape} has unknown chunk sizes (NaN); call {name}.compute_chunk_sizes() first"
            )
    if X.ndim != 2 or Y.ndim != 2 or X.shape[1] != Y.shape[1]:
        raise ShapeError(f"{where}: X {X.shape} and Y {Y.shape} must be 2-D with the same number of columns (samples)")
    if not is_dask_array(X):
        X = da.from_array(X, chunks=(X.shape[0], Y.chunks[1]))
    columns = X.chunks[1]
    if not is_dask_array(Y):
        Y = da.from_array(Y, chunks=(Y.shape[0], columns))
    elif Y.chunks[1] != columns or len(Y.chunks[0]) != 1:
        Y = Y.rechunk((Y.shape[0], columns))
    return X, Y


def compute_gradients(cost: Tensor, params: Iterable[Tensor]) -> float:
    """Compute the lazy ``cost`` and the parameters' lazy gradients in one ``dask.compute``; return the cost.

    Call it after ``cost.backward()``: every ``p.grad`` that is a Dask array is replaced by its
    NumPy value, so an optimiser's ``step()`` then updates the NumPy parameters as usual. Dask
    shares the work the cost and the gradients have in common (the forward pass runs once).

    >>> import numpy as np
    >>> import dask.array as da
    >>> from tinygrad_ng import Tensor
    >>> W = Tensor([[1.0, 2.0]], requires_grad=True)                        # (1, 2), NumPy
    >>> X = Tensor(da.from_array(np.arange(8.0).reshape(2, 4), chunks=(2, 2)))  # (2, 4) in 2 chunks
    >>> cost = (W @ X).mean()
    >>> cost.backward()
    >>> type(W.grad).__module__.split(".")[0]
    'dask'
    >>> compute_gradients(cost, [W]), W.grad                               # dW = mean of X's columns
    (12.5, array([[1.5, 5.5]]))
    """
    if not isinstance(cost, Tensor):
        raise DTypeError(f"compute_gradients: cost must be a Tensor, got {type(cost).__name__}")
    if cost.size != 1:
        raise ShapeError(f"compute_gradients: cost must hold one number, got shape {cost.shape}")
    params = [p for p in params if p.grad is not None]
    import dask

    value, *grads = dask.compute(cost._data, *(p.grad for p in params))
    for p, g in zip(params, grads):
        p.grad = np.asarray(g)
    return float(np.asarray(value).reshape(()))
