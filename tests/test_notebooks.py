"""The notebooks in examples/: the first course's assignments, committed without outputs, short under pytest.

CI executes them with nbmake (``pytest --nbmake examples``, see .ci/run), with
``TINYGRAD_NG_NOTEBOOK_ITERATIONS`` set to a few iterations: every notebook's first cell reads it
(unset, a notebook trains for the course's number of iterations).
"""

from __future__ import annotations

import json

import pytest
from conftest import ROOT

EXAMPLES = ROOT / "examples"
NOTEBOOKS = sorted(EXAMPLES.glob("*.ipynb"))
SCRIPTS = sorted(p for p in EXAMPLES.glob("*.py") if not p.name.startswith(("_", "conftest")))


COURSE_1 = ["deep_cat", "logistic_regression", "planar_shallow", "two_layer_cat"]  # the first course's assignments


def test_the_first_course_assignments_have_notebooks_each_beside_its_script() -> None:
    assert set(COURSE_1) <= {p.stem for p in NOTEBOOKS}
    assert {p.stem for p in NOTEBOOKS} <= {p.stem for p in SCRIPTS}  # a notebook is its script's content


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
