"""Progress bars for long loops (training, gradient checks): tqdm when it is installed and stderr is a terminal."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Any


@contextlib.contextmanager
def progress_bar(total: int, enabled: bool | None, *, unit: str = "it", delay: float = 0.0) -> Iterator[Any]:
    """A tqdm bar with an estimate of the time left, or None (disabled, not a terminal, no tqdm).

    ``enabled=None`` shows it when stderr is a terminal. With ``delay`` the bar appears only once
    the loop has run that many seconds, so short loops print nothing.

    >>> with progress_bar(10, enabled=False) as bar:
    ...     bar is None
    True
    """
    if enabled is None:
        enabled = sys.stderr.isatty()
    bar = None
    if enabled:
        try:
            from tqdm.auto import tqdm
        except ImportError:
            bar = None
        else:
            bar = tqdm(total=total, unit=unit, dynamic_ncols=True, leave=True, delay=delay)
    try:
        yield bar
    finally:
        if bar is not None:
            bar.close()
