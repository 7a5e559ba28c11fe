"""The notebooks in examples/: one per assignment script, committed without outputs, short under pytest.

CI executes them with nbmake (``pytest --nbmake examples``, see .ci/run), with
``TINYGRAD_NG_NOTEBOOK_ITERATIONS`` set to a few iterations: every notebook's first cell reads it
(unset, a notebook trains for the course's number of iterations; the step-by-step and gradient
checking notebooks train nothing and run in full).
"""

from __future__ import annotations

import json

import pytest
from conftest import ROOT

EXAMPLES = ROOT / "examples"
NOTEBOOKS = sorted(EXAMPLES.glob("*.ipynb"))
SCRIPTS = sorted(p for p in EXAMPLES.glob("*.py") if not p.name.startswith(("_", "conftest")))


def _trains(script: str) -> bool:
    """Whether the script takes a number of iterations or epochs (the step-by-step checks do not)."""
    source = (EXAMPLES / f"{script}.py").read_text()
    return '"--iterations"' in source or '"--epochs"' in source


def test_every_assignment_script_has_a_notebook_beside_it() -> None:
    # Every example script is one of the courses' assignments (course 1's four models, course 2's
    # regularization, gradient checking and optimization, the ConvNet and RNN assignments).
    missing = sorted({p.stem for p in SCRIPTS} - {p.stem for p in NOTEBOOKS})
    assert not missing, f"example scripts without a notebook: {missing}"
    assert {p.stem for p in NOTEBOOKS} <= {p.stem for p in SCRIPTS}  # a notebook is its script's content
    assert {"deep_cat", "dinosaurs", "rnn_step_by_step", "cat_convnet"} <= {p.stem for p in NOTEBOOKS}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path) -> None:
    book = json.loads(path.read_text())
    code = [c for c in book["cells"] if c["cell_type"] == "code"]
    assert code, "a notebook with no code"
    for cell in code:
        assert cell["outputs"] == [], f"{path.name}: outputs committed; clear them before committing"
        assert cell["execution_count"] is None, f"{path.name}: execution counts committed"
    assert "TINYGRAD_NG_NOTEBOOK_ITERATIONS" in "".join(code[0]["source"]), "the iterations are the first cell"
    assert any("tg.explore(" in "".join(c["source"]) for c in code), "every notebook shows the explorer"
    if _trains(path.stem):  # the short run in CI must actually shorten the training
        assert any("ITERATIONS" in "".join(c["source"]) for c in code[1:]), f"{path.name} ignores ITERATIONS"
