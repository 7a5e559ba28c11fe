"""Seeds: the one way an int, a generator or None becomes the NumPy generator to draw from."""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import ArgumentError

Seed = int | np.random.Generator | np.random.RandomState | None


def generator(seed: Seed, where: str = "seed") -> Any:
    """The generator that ``seed`` names, as the course seeds NumPy.

    ``None`` draws from NumPy's global legacy generator, so ``np.random.seed(1)`` before the
    call reproduces the course; an int makes a fresh ``RandomState(seed)`` (the same numbers as
    ``np.random.seed(seed)``); a ``Generator`` or ``RandomState`` is drawn from and advanced.

    >>> generator(2).randn(2).round(4)  # np.random.seed(2); np.random.randn(2)
    array([-0.4168, -0.0563])
    >>> generator(None) is np.random
    True
    """
    if seed is None:
        return np.random  # the module-level functions share NumPy's global RandomState
    if seed is np.random or isinstance(seed, (np.random.Generator, np.random.RandomState)):
        return seed
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return np.random.RandomState(int(seed))
    raise ArgumentError(
        f"{where}: seed must be None, an int, or a numpy Generator/RandomState, got {type(seed).__name__}"
    )
