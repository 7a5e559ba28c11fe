"""Messages for :func:`tinygrad_ng.detect_anomaly`: which op, which inputs, which line of user code."""

from __future__ import annotations

import os
import traceback
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from .errors import AnomalyError

if TYPE_CHECKING:
    from .ops import Op
    from .tensor import Tensor


def where_created() -> list[str]:
    """The user's frames that led to the current op (library frames dropped), for anomaly mode."""
    here = os.path.dirname(__file__)
    frames = [f for f in traceback.extract_stack()[:-2] if not f.filename.startswith(here)]
    return traceback.format_list(frames[-3:])


def describe(t: Tensor) -> str:
    """``'W1' (5, 3) float64``: a tensor's name (if any), shape and dtype, for messages."""
    return f"{t.name!r} {t.shape} {t.dtype}" if t.name else f"{t.shape} {t.dtype}"


def count_nonfinite(arr: np.ndarray) -> str:
    """``2 NaN and 1 Inf among 6 values`` (empty when every value is finite or the dtype is not float)."""
    if arr.dtype.kind != "f" or np.isfinite(arr).all():
        return ""
    n_nan, n_inf = int(np.isnan(arr).sum()), int(np.isinf(arr).sum())
    found = " and ".join(f"{n} {what}" for n, what in ((n_nan, "NaN"), (n_inf, "Inf")) if n)
    return f"{found} among {arr.size} values"


def where_text(where: list[str] | None) -> str:
    if not where:
        return "(not recorded: the op ran outside detect_anomaly; run the forward pass inside it to see the line)\n"
    return "".join(where)


def anomaly_in_forward(op: Op, parents: Sequence[Tensor], out: np.ndarray) -> AnomalyError:
    """The error for an op whose output holds NaN or Inf: which op, which inputs, which line."""
    inputs = ", ".join(f"input {i} {describe(p)}" for i, p in enumerate(parents))
    cause = f"produced {count_nonfinite(out)} in its output {out.shape} {out.dtype} from finite inputs"
    for i, p in enumerate(parents):
        bad = count_nonfinite(p._data)
        if bad:
            origin = "a leaf: check the data or the last update" if p._node is None else f"made by op {p.op!r}"
            cause = f"received input {i} {describe(p)} already holding {bad} ({origin})"
            break
    return AnomalyError(
        f"detect_anomaly: op {op.name!r} {cause}; inputs: {inputs}\ncalled at:\n{where_text(where_created())}"
    )
