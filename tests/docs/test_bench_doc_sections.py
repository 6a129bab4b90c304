"""bench/_doc.py: a benchmark rewrites its own figures in docs/performance.md and nothing else."""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

from _doc import replace_section  # noqa: E402

DOC = """# Performance

## Server

server figures

## Store

generated intro

### 10,000 items

old table

### Reading the store figures

hand-written notes

## Checkpointer

old checkpointer table

### Group commit

hand-written

## Last

end
"""


def test_generated_part_is_replaced_and_hand_written_parts_kept(tmp_path: Path) -> None:
    doc = tmp_path / "performance.md"
    doc.write_text(DOC)
    replace_section(
        "## Store\n\nnew intro\n\n### 10,000 items\n\nnew table\n",
        generated_until=r"^### [\d,]+ items$",
        doc=doc,
    )
    replace_section("## Checkpointer\n\nnew checkpointer table\n", doc=doc)
    replace_section("## Last\n\nnew end\n", doc=doc)
    text = doc.read_text()
    for gone in ("old table", "generated intro", "old checkpointer table", "\nend\n"):
        assert gone not in text
    for kept in ("server figures", "hand-written notes", "### Group commit\n\nhand-written"):
        assert kept in text
    headings = [line for line in text.splitlines() if line.startswith("#")]
    assert headings == [line for line in DOC.splitlines() if line.startswith("#")]
    assert text.endswith("## Last\n\nnew end\n")


def test_a_missing_section_is_appended_and_a_rerun_changes_nothing(tmp_path: Path) -> None:
    doc = tmp_path / "docs" / "performance.md"
    replace_section("## Fresh\n\nfigures\n", doc=doc)
    first = doc.read_text()
    assert first == "# Performance\n\n## Fresh\n\nfigures\n"
    replace_section("## Fresh\n\nfigures\n", doc=doc)
    assert doc.read_text() == first
