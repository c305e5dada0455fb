"""docs/problem-format.md: the project's copy of the problem and result contract keeps up with the code, and the
README and the CLI point to it (never to a path outside the repository)."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from calc.problem import model

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "problem-format.md"


def _doc() -> str:
    return DOC.read_text(encoding="utf-8")


def test_the_doc_exists_and_says_what_it_is():
    assert DOC.is_file()
    first = next(line for line in _doc().splitlines() if line.strip())
    assert "project's copy" in first and "contract" in first
    assert "## Additions in this project" in _doc()


@pytest.mark.parametrize("name", [*model.TOP_KEYS, *model.LAYER_KEYS, *model.ACTIVATIONS, *model.LOSSES])
def test_every_key_activation_and_loss_is_documented(name):
    # as a code span (`relu`, `layers[k].weights`), not just as a word inside another one
    assert re.search(rf"`(?:layers\[k\]\.)?{re.escape(name)}`", _doc()), f"{name} is not in docs/problem-format.md"


def test_the_readme_links_the_doc():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "(docs/problem-format.md)" in readme


def test_cli_help_names_the_doc():
    p = subprocess.run([sys.executable, "-m", "calc", "--help"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert p.returncode == 0 and "docs/problem-format.md" in p.stdout
    p = subprocess.run([sys.executable, "-m", "calc", "solve", "--help"], capture_output=True, text=True, cwd=ROOT,
                       timeout=60)
    assert p.returncode == 0 and "docs/problem-format.md" in p.stdout


def test_nothing_points_outside_the_repository():
    files = [ROOT / "README.md", *sorted((ROOT / "calc").rglob("*.py")), *sorted((ROOT / "calc").rglob("*.md"))]
    bad = [str(f.relative_to(ROOT)) for f in files if "../shared" in f.read_text(encoding="utf-8", errors="replace")]
    assert not bad, f"these mention ../shared: {bad}"
