"""Running the notebooks under pytest (``pytest --nbmake examples``): short training, no windows.

The notebooks read ``TINYGRAD_NG_NOTEBOOK_ITERATIONS`` in their first cell; here it defaults to a
few iterations so that every cell runs in seconds. Set it yourself to run the course's numbers.
"""

from __future__ import annotations

import os

os.environ.setdefault("TINYGRAD_NG_NOTEBOOK_ITERATIONS", "20")
os.environ.setdefault("MPLBACKEND", "Agg")
