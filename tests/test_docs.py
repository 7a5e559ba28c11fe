"""The documentation cannot rot: its code runs here.

- Every fenced ``python`` block of README.md and docs/*.md runs, page by page, in order, in one
  namespace per page, in a fresh temporary working directory.
- A block may be preceded by an HTML comment that says what it needs:
  ``<!-- requires: graphviz -->`` (the ``dot`` program), ``<!-- requires: data -->`` (the cat
  data set) or ``<!-- no-run -->`` (it cannot run at all, e.g. it shows an interactive session).
  Blocks whose needs are missing are skipped, except in CI, where they must run.
- Every docstring example in the package runs (doctest over each ``tinygrad_ng`` module).
- Every public function, class and method has a docstring.
"""

from __future__ import annotations

import contextlib
import doctest
import importlib
import inspect
import io
import pkgutil
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import numpy as np
import pytest
from conftest import HAVE_CAT_DATA, IN_CI, ROOT

import tinygrad_ng
from tinygrad_ng.ops import REGISTRY

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
REQUIREMENTS = ("graphviz", "data")

_FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<lang>[\w+-]*)[^\n]*$")
_MARKER = re.compile(r"^\s*<!--\s*(no-run|output|requires:\s*[\w, ]+)\s*-->\s*$")


@dataclass
class Block:
    """One fenced code block: its language, code, first line number and the marker before it."""

    lang: str
    code: str
    line: int
    marker: str | None


def extract_blocks(text: str) -> list[Block]:
    """The fenced code blocks of a Markdown text, in order (indented fences are dedented)."""
    blocks: list[Block] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, lang, start = m["indent"], m["lang"], i
        body: list[str] = []
        i += 1
        while i < len(lines) and lines[i].strip() != "```":
            body.append(lines[i][len(indent) :] if lines[i].startswith(indent) else lines[i].lstrip())
            i += 1
        if i == len(lines):
            raise AssertionError(f"unclosed code fence opened at line {start + 1}")
        marker = None
        j = start - 1
        while j >= 0 and not lines[j].strip():
            j -= 1
        if j >= 0 and (mm := _MARKER.match(lines[j])):
            marker = mm[1].strip()
        blocks.append(Block(lang, "\n".join(body) + "\n", start + 2, marker))
        i += 1
    return blocks


def _needs(block: Block) -> set[str]:
    if block.marker is None or not block.marker.startswith("requires:"):
        return set()
    return {n.strip() for n in block.marker.split(":", 1)[1].split(",") if n.strip()}


def _available() -> dict[str, bool]:
    return {
        "graphviz": shutil.which("dot") is not None and importlib.util.find_spec("graphviz") is not None,
        "data": HAVE_CAT_DATA,
    }


# --------------------------------------------------------------------------- the extractor itself
def test_extract_blocks_reads_language_line_and_marker() -> None:
    text = "intro\n\n<!-- requires: data -->\n```python\nx = 1\n```\n\n- item\n\n    ```bash\n    ls\n    ```\n"
    blocks = extract_blocks(text)
    assert [(b.lang, b.code, b.line, b.marker) for b in blocks] == [
        ("python", "x = 1\n", 5, "requires: data"),
        ("bash", "ls\n", 11, None),
    ]
    assert _needs(blocks[0]) == {"data"}


def test_shown_output_is_compared_with_what_the_code_prints() -> None:
    page = ROOT / "README.md"
    good = extract_blocks("```python\nprint('a')\nprint(1 + 1)\n```\n<!-- output -->\n```text\na\n2\n```\n")
    assert _run_blocks(page, good, {}, _available(), []) == 1
    bad = extract_blocks("```python\nprint(3)\n```\n\n<!-- output -->\n```text\n2\n```\n")
    with pytest.raises(AssertionError, match="the shown output differs"):
        _run_blocks(page, bad, {}, _available(), [])


def test_extract_blocks_rejects_an_unclosed_fence() -> None:
    with pytest.raises(AssertionError, match="unclosed code fence opened at line 1"):
        extract_blocks("```python\nx = 1\n")


def test_every_page_has_code_and_markers_are_known() -> None:
    assert (ROOT / "README.md") in PAGES and len(PAGES) > 1
    for page in PAGES:
        for b in extract_blocks(page.read_text(encoding="utf-8")):
            unknown = _needs(b) - set(REQUIREMENTS)
            assert not unknown, f"{page.name}:{b.line}: unknown requirement {unknown}"
            assert b.lang, f"{page.name}:{b.line}: give every code block a language (python, bash, text...)"
    assert any(b.lang == "python" for b in extract_blocks((ROOT / "README.md").read_text(encoding="utf-8")))


# --------------------------------------------------------------------------- the pages run
def _python_blocks(page: Path) -> list[Block]:
    return [b for b in extract_blocks(page.read_text(encoding="utf-8")) if b.lang == "python"]


PAGES_WITH_CODE = [p for p in PAGES if _python_blocks(p)]


@pytest.mark.parametrize("page", PAGES_WITH_CODE, ids=[p.name for p in PAGES_WITH_CODE])
def test_page_code_blocks_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = extract_blocks(page.read_text(encoding="utf-8"))
    available = _available()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem.replace('-', '_')}"}
    skipped: list[str] = []
    registered = dict(REGISTRY)  # a page may register an op (and its method) to show how; both go afterwards
    methods = set(vars(tinygrad_ng.Tensor))
    np.random.seed(0)  # a page that draws from NumPy's global generator gets the same numbers every run
    try:
        ran = _run_blocks(page, blocks, namespace, available, skipped)
    finally:
        REGISTRY.clear()
        REGISTRY.update(registered)
        for name in set(vars(tinygrad_ng.Tensor)) - methods:
            delattr(tinygrad_ng.Tensor, name)
    if skipped:
        pytest.skip(f"ran {ran} blocks; skipped: {'; '.join(skipped)}")


def _run_blocks(
    page: Path, blocks: list[Block], namespace: dict[str, object], available: dict[str, bool], skipped: list[str]
) -> int:
    """Run the page's python blocks in order in ``namespace``; return how many ran, note the skipped ones.

    A block marked ``<!-- output -->`` must equal what the python block before it printed.
    """
    ran = 0
    printed: str | None = None  # the output of the last python block that ran
    for b in blocks:
        where = f"{page.relative_to(ROOT)}:{b.line}"
        if b.marker == "output":
            if printed is not None:  # None: that python block was skipped
                assert _lines(b.code) == _lines(printed), f"{where}: the shown output differs from what the code prints"
            continue
        if b.lang != "python" or b.marker == "no-run":  # no-run: shown, never run
            continue
        missing = sorted(n for n in _needs(b) if not available[n])
        if missing and not IN_CI:
            skipped.append(f"{where} (needs {', '.join(missing)})")
            printed = None
            continue
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(b.code, where, "exec"), namespace)
        printed = out.getvalue()
        ran += 1
    return ran


def _lines(text: str) -> list[str]:
    """The text's lines without trailing blanks, for comparing shown and printed output."""
    return [line.rstrip() for line in text.strip("\n").splitlines()]


# --------------------------------------------------------------------------- docstring examples
def _modules() -> list[str]:
    names = ["tinygrad_ng"]
    for info in pkgutil.walk_packages(tinygrad_ng.__path__, "tinygrad_ng."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return sorted(names)


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples_run(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    module = importlib.import_module(name)
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    registered = dict(REGISTRY)  # an example may register an op to show how
    try:
        result = doctest.testmod(module, optionflags=flags, verbose=False, report=True)
    finally:
        REGISTRY.clear()
        REGISTRY.update(registered)
    assert result.failed == 0, f"{result.failed} of {result.attempted} docstring examples failed in {name}"


# --------------------------------------------------------------------------- every public name documented
def _public_names(module: object) -> list[str]:
    names = getattr(module, "__all__", None)
    if names is None:
        names = [
            n
            for n, obj in vars(module).items()
            if not n.startswith("_") and getattr(obj, "__module__", None) == module.__name__  # type: ignore[attr-defined]
        ]
    return list(names)


def _undocumented() -> list[str]:
    missing: list[str] = []
    seen: set[int] = set()
    for name in _modules():
        module = importlib.import_module(name)
        for attr in _public_names(module):
            obj = getattr(module, attr)
            if id(obj) in seen or not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue
            seen.add(id(obj))
            if not inspect.getdoc(obj):
                missing.append(f"{name}.{attr}")
            if inspect.isclass(obj):
                for meth_name, member in vars(obj).items():
                    if meth_name.startswith("_"):
                        continue
                    kinds = (property, classmethod, staticmethod)
                    documentable = isinstance(member, kinds) or inspect.isfunction(member)
                    # getdoc looks up the class hierarchy: an override of a documented method is documented
                    if documentable and not inspect.getdoc(getattr(obj, meth_name)):
                        missing.append(f"{name}.{attr}.{meth_name}")
    return missing


def test_every_public_callable_has_a_docstring() -> None:
    missing = _undocumented()
    assert not missing, "public callables without a docstring:\n  " + "\n  ".join(missing)


def test_the_walks_would_catch_a_bare_function(monkeypatch: pytest.MonkeyPatch) -> None:
    def bare(x):  # a public function with no docstring
        return x

    bare.__module__ = "tinygrad_ng.functional"
    monkeypatch.setattr(tinygrad_ng.functional, "bare_for_test", bare, raising=False)
    monkeypatch.setattr(
        tinygrad_ng.functional, "__all__", [*tinygrad_ng.functional.__all__, "bare_for_test"], raising=True
    )
    assert "tinygrad_ng.functional.bare_for_test" in _undocumented()
    bare.__qualname__ = "bare_for_test"
    assert "tinygrad_ng.functional.bare_for_test" in _without_example()


def test_api_reference_shows_doctests_as_code() -> None:
    pytest.importorskip("griffe")
    module = _load_docs_script("griffe_doctest")
    text = "Sum, see :func:`grad`.\n\n>>> f(1)  # doctest: +SKIP\n2\n\nArgs:\n    x: a number.\n"
    rendered = module.render_doctests(text)
    assert rendered == "Sum, see `grad`.\n\n```pycon\n>>> f(1)\n2\n```\n\nArgs:\n    x: a number."
    assert module.render_doctests(rendered) == rendered  # idempotent: fenced examples stay as they are


def _load_docs_script(name: str) -> Any:
    """Import a script that lives under docs/ (not a package) by its path."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "docs" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_course_graph_script_draws_the_three_models(tmp_path: Path) -> None:
    if not _available()["graphviz"] and not IN_CI:
        pytest.skip("needs Graphviz's dot and the graphviz package")
    script = _load_docs_script("make_course_graphs")
    paths = script.main(tmp_path)
    assert sorted(p.name for p in paths) == ["course-deep.svg", "course-logistic.svg", "course-two-layer.svg"]
    texts = {}
    for p in paths:
        root = ElementTree.parse(p).getroot()
        assert root.tag.endswith("svg")
        texts[p.name] = [el.text for el in root.iter() if el.tag.endswith("text") and el.text]
    two_layer = texts["course-two-layer.svg"]
    for text in ("W1", "Z1", "A2", "tanh", "dz = da * (1 - a**2)", "dz = da * a * (1 - a)"):
        assert text in two_layer, text
    committed = {p.name for p in (ROOT / "docs" / "images").glob("course-*.svg")}
    assert committed == {p.name for p in paths}, "run python docs/make_course_graphs.py and commit docs/images"


def test_readme_quick_start_matches_the_scripts(capsys: pytest.CaptureFixture[str]) -> None:
    """The README's commands are the ones quickstart.sh, .ci/run and the CLI really provide."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quickstart = (ROOT / "quickstart.sh").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for command in ("bash quickstart.sh demo", "bash quickstart.sh test", "bash .ci/run"):
        assert command in readme, command
    assert "demo|test)" in quickstart and "tinygrad-ng demo" in quickstart and "-m pytest" in quickstart
    assert 'pip install -qq -e ".[dev]"' in quickstart and 'pip install -e ".[dev]"' in readme
    assert "bash quickstart.sh test" in ci and "mkdocs build --strict" in ci
    cli = importlib.import_module("tinygrad_ng.cli")
    with pytest.raises(SystemExit):
        cli.main(["demo", "--help"])
    assert "(default: tinygrad-ng-demo)" in " ".join(capsys.readouterr().out.split())
    assert "to `tinygrad-ng-demo/`" in readme


def test_readme_links_and_pictures_exist() -> None:
    """Every relative link and picture in the README points at a file in the repository."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)\s]+)\)", readme)
    local = [t.split("#")[0] for t in targets if not re.match(r"[a-z]+://", t)]
    assert "docs/index.md" in local and any(t.startswith("docs/images/") for t in local)
    missing = [t for t in local if not (ROOT / t).exists()]
    assert not missing, f"README links to missing files: {missing}"


def test_every_tensor_method_shows_an_example() -> None:
    """Users meet Tensor's methods first: each public one shows a ``>>>`` example."""
    no_example = []
    for name, member in vars(tinygrad_ng.Tensor).items():
        kinds = (property, classmethod, staticmethod)
        if name.startswith("_") or not (isinstance(member, kinds) or inspect.isfunction(member)):
            continue
        if ">>>" not in (inspect.getdoc(getattr(tinygrad_ng.Tensor, name)) or ""):
            no_example.append(name)
    assert not no_example, "Tensor members whose docstring has no example: " + ", ".join(no_example)


def _without_example() -> set[str]:
    """The public functions and classes (errors aside) of every module whose docstring has no ``>>>``."""
    found = set()
    for name in _modules():
        module = importlib.import_module(name)
        for attr in _public_names(module):
            obj = getattr(module, attr)
            is_error = inspect.isclass(obj) and issubclass(obj, BaseException)
            if (inspect.isfunction(obj) or inspect.isclass(obj)) and not is_error and ">>>" not in (obj.__doc__ or ""):
                found.add(f"{obj.__module__}.{obj.__qualname__}")
    return found


def test_every_public_name_shows_an_example() -> None:
    """Every public function and class (errors aside) shows a ``>>>`` example."""
    missing = sorted(_without_example())
    assert not missing, f"public names without an example: {missing}"


def test_the_built_site_leaves_out_the_docs_scripts() -> None:
    """mkdocs copies every file under docs/ into the site unless excluded: the .py helpers are excluded."""
    if importlib.util.find_spec("mkdocs") is None and not IN_CI:
        pytest.skip("needs mkdocs")
    from mkdocs.config import load_config
    from mkdocs.structure.files import get_files

    config = load_config(str(ROOT / "mkdocs.yml"))
    files = {f.src_uri: f for f in get_files(config)}
    scripts = [name for name in files if name.endswith(".py")]
    assert {"griffe_doctest.py", "make_course_graphs.py"} <= set(scripts)
    assert all(files[name].inclusion.is_excluded() for name in scripts)
    assert (
        not files["index.md"].inclusion.is_excluded()
        and not files["images/two_layer_graph.svg"].inclusion.is_excluded()
    )


def test_docs_speak_of_the_project_not_its_tracker() -> None:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"\bissues? #?\d+", text, re.IGNORECASE), page.name
