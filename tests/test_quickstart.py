"""quickstart.sh: installs once, skips the install while nothing it depends on changed, and says little."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")

# A stand-in for .venv/bin/python: records how it is called, pretends to run pip and pytest, and
# hands everything else (the script's hash of pyproject.toml) to the real interpreter.
FAKE_PYTHON = """#!/bin/sh
echo "$*" >> "$(dirname "$0")/../../calls.log"
if [ "$1" = "-m" ] && [ "$2" = "pip" ]; then exit 0; fi
if [ "$1" = "-m" ] && [ "$2" = "pytest" ]; then echo "pytest ran"; exit 0; fi
exec "{python}" "$@"
"""


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A copy of quickstart.sh and pyproject.toml beside a .venv whose python is the stand-in."""
    shutil.copy(ROOT / "quickstart.sh", tmp_path)
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    for name, text in (("python", FAKE_PYTHON.format(python=sys.executable)), ("tinygrad-ng", "#!/bin/sh\n")):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    tools = tmp_path / "tools"  # `dot` is on the PATH, so nothing is installed with apt-get
    tools.mkdir()
    (tools / "dot").write_text("#!/bin/sh\n")
    (tools / "dot").chmod(0o755)
    return tmp_path


def _quickstart(checkout: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{checkout / 'tools'}{os.pathsep}{os.environ['PATH']}", "PYTHON": sys.executable}
    return subprocess.run(
        ["bash", "quickstart.sh", "test", "-q"], cwd=checkout, env=env, capture_output=True, text=True, timeout=120
    )


def _pip_calls(checkout: Path) -> list[str]:
    log = checkout / "calls.log"
    return [line for line in log.read_text().splitlines() if line.startswith("-m pip install")] if log.exists() else []


def test_installs_once_then_skips_until_pyproject_changes(checkout: Path) -> None:
    first = _quickstart(checkout)
    assert first.returncode == 0, first.stderr
    assert any("-e .[dev]" in call and "-qq" in call for call in _pip_calls(checkout))
    assert first.stderr.strip().splitlines() == [
        "quickstart: installing tinygrad_ng from this checkout into .venv with its development tools (once)"
    ]
    assert first.stdout == "pytest ran\n"

    (checkout / "calls.log").unlink()
    second = _quickstart(checkout)
    assert second.returncode == 0 and _pip_calls(checkout) == []  # nothing changed: no install
    assert (second.stdout, second.stderr) == ("pytest ran\n", "")

    with (checkout / "pyproject.toml").open("a") as f:
        f.write("\n# a new dependency would change this file\n")
    third = _quickstart(checkout)
    assert third.returncode == 0 and any("-e .[dev]" in call for call in _pip_calls(checkout))


def test_a_failed_install_is_retried_next_time(checkout: Path) -> None:
    fake = checkout / ".venv" / "bin" / "python"
    fake.write_text(fake.read_text().replace('"$2" = "pip" ]; then exit 0', '"$2" = "pip" ]; then exit 1'))
    assert _quickstart(checkout).returncode != 0
    assert not (checkout / ".venv" / ".quickstart-stamp").exists()
