"""Writing a benchmark's figures into docs/performance.md (shared by the bench scripts)."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "performance.md"

_HEADING = re.compile(r"^##+ ", re.M)


def replace_section(text: str, *, generated_until: str | None = None, doc: Path = DOC) -> None:
    """Put ``text`` (which starts with its ``## `` heading line) in place of that section's
    generated part, or append it if the section is missing.

    The generated part runs from the heading to the next heading of any level, or, when
    ``generated_until`` (a regex matching a whole sub-heading line that ``text`` contains) is
    given, to the first heading after that sub-heading. Sub-sections written by hand after
    the generated part, and every other section, are kept."""
    heading = text.split("\n", 1)[0]
    current = doc.read_text() if doc.exists() else "# Performance\n"
    start = current.find(heading + "\n")
    if start < 0:
        doc.parent.mkdir(parents=True, exist_ok=True)
        doc.write_text(current.rstrip("\n") + "\n\n" + text.rstrip("\n") + "\n")
        return
    after = start + len(heading)
    if generated_until is not None:
        own = re.compile(generated_until, re.M).search(current, after)
        after = own.end() if own else after
    nxt = _HEADING.search(current, after)
    tail = current[nxt.start() :] if nxt else ""
    doc.write_text(current[:start] + text.rstrip("\n") + "\n" + ("\n" + tail if tail else ""))
