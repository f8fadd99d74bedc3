"""The programs in `docs/migrating.md` run: the brainstate, equinox and
flax.nnx models and their eqstate ports (the nnx originals only where flax is
installed)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parents[1] / "docs" / "migrating.md"
BLOCKS = re.findall(r"^```python\n(.*?)^```", PAGE.read_text(), re.S | re.M)
# whole programs only (one-line fragments show a single changed line)
PROGRAMS = [b for b in BLOCKS if len(b.splitlines()) > 3]


def test_the_page_has_programs():
    assert len(PROGRAMS) >= 5
    assert any("flax" in b for b in PROGRAMS) and any("equinox" in b for b in PROGRAMS)


@pytest.mark.parametrize("index", range(len(PROGRAMS)))
def test_migrating_program_runs(index: int):
    source = PROGRAMS[index]
    if re.search(r"^from flax|^import flax", source, re.M):
        pytest.importorskip("flax")
    exec(
        compile(source, f"docs/migrating.md[{index}]", "exec"), {"__name__": "__doc__"}
    )
