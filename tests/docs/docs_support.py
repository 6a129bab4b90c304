"""Helpers for the documentation tests: fenced code blocks, headings and links of Markdown files.

Conventions the docs follow (so the tests can run them):

- A ```` ```python ```` block in a page listed in ``EXECUTED_PAGES`` is a complete program. The
  blocks of one page run in order against one fresh reference server. A fragment that is not
  meant to run uses ```` ```py ```` instead (it renders the same).
- A ```` ```text ```` block that follows a python block, before the next python block, is that
  program's expected output: each of its non-empty lines must appear in the real output, in order.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


@dataclass
class Block:
    lang: str
    code: str
    line: int  # 1-based line of the opening fence


def code_blocks(text: str) -> list[Block]:
    """Fenced code blocks of a Markdown text (top level or indented under an admonition)."""
    blocks: list[Block] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = re.match(r"^(\s*)(`{3,}|~{3,})\s*([\w+-]*)", lines[i])
        if not m:
            i += 1
            continue
        indent, fence, lang = m.group(1), m.group(2), m.group(3)
        body: list[str] = []
        j = i + 1
        while j < len(lines) and not lines[j].strip().startswith(fence):
            line = lines[j]
            body.append(line[len(indent) :] if line.startswith(indent) else line.lstrip())
            j += 1
        blocks.append(Block(lang=lang.lower(), code="\n".join(body) + "\n", line=i + 1))
        i = j + 1
    return blocks


def programs_with_output(text: str) -> list[tuple[Block, Block | None]]:
    """Each python block with the text block that follows it (before the next python block)."""
    pairs: list[tuple[Block, Block | None]] = []
    for block in code_blocks(text):
        if block.lang == "python":
            pairs.append((block, None))
        elif block.lang == "text" and pairs and pairs[-1][1] is None:
            pairs[-1] = (pairs[-1][0], block)
    return pairs


def missing_lines(expected: str, actual: str) -> list[str]:
    """Expected non-empty lines not found, in order, among the actual output's lines."""
    actual_lines = [line.rstrip() for line in actual.splitlines()]
    pos = 0
    missing: list[str] = []
    for want in (line.rstrip() for line in expected.splitlines()):
        if not want.strip():
            continue
        try:
            pos = actual_lines.index(want, pos) + 1
        except ValueError:
            missing.append(want)
    return missing


# --- headings and anchors -------------------------------------------------------------------


def _strip_code_blocks(text: str) -> str:
    """The text with every fenced block's lines blanked (line numbers kept)."""
    out: list[str] = []
    fence: str | None = None
    for line in text.splitlines():
        m = re.match(r"^\s*(`{3,}|~{3,})", line)
        if fence is None and m:
            fence = m.group(1)
            out.append("")
        elif fence is not None:
            if line.strip().startswith(fence):
                fence = None
            out.append("")
        else:
            out.append(line)
    return "\n".join(out)


def headings(text: str) -> list[str]:
    """ATX heading texts, outside code blocks, with inline markup removed."""
    found = []
    for line in _strip_code_blocks(text).splitlines():
        m = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if m:
            title = re.sub(r"\{#?[^}]*\}\s*$", "", m.group(1))  # attr_list
            title = re.sub(r"`([^`]*)`", r"\1", title)
            title = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", title)
            title = re.sub(r"[*_]{1,3}([^*_]+)[*_]{1,3}", r"\1", title)
            found.append(title.strip())
    return found


def mkdocs_slug(title: str) -> str:
    """Python-Markdown's toc slugify (what MkDocs uses for heading ids)."""
    value = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    value = re.sub(r"[^\w\s-]", "", value).strip().lower()
    return re.sub(r"[-\s]+", "-", value)


def github_slug(title: str) -> str:
    """GitHub's heading anchors: lowercase, punctuation dropped, each space becomes a hyphen."""
    value = title.strip().lower()
    value = re.sub(r"[^\w\- ]", "", value, flags=re.UNICODE)
    return value.replace(" ", "-")


def _unique(slugs: list[str], sep: str) -> set[str]:
    seen: dict[str, int] = {}
    out = set()
    for slug in slugs:
        if slug in seen:
            seen[slug] += 1
            out.add(f"{slug}{sep}{seen[slug]}")
        else:
            seen[slug] = 0
            out.add(slug)
    return out


def anchors(path: Path) -> tuple[set[str], set[str]]:
    """(MkDocs anchors, GitHub anchors) of a Markdown file, plus explicit `{#id}`s in both."""
    text = path.read_text("utf-8")
    titles = headings(text)
    explicit = set(re.findall(r"\{#([\w-]+)[^}]*\}", _strip_code_blocks(text)))
    explicit |= set(re.findall(r'<a\s+(?:name|id)="([^"]+)"', text))
    mk = _unique([mkdocs_slug(t) for t in titles], "_") | explicit
    gh = _unique([github_slug(t) for t in titles], "-") | explicit
    return mk, gh


# --- links -------------------------------------------------------------------------------------

LINK = re.compile(r"(?<!!)\[(?:[^\]\[]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REF_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$", re.M)


def relative_links(path: Path) -> list[str]:
    """Relative link targets (inline and reference definitions) outside code, no URLs."""
    text = _strip_code_blocks(path.read_text("utf-8"))
    text = re.sub(r"`[^`\n]*`", "", text)  # inline code
    targets = LINK.findall(text) + REF_DEF.findall(text)
    return [t for t in targets if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", t)]


def markdown_files() -> list[Path]:
    return [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]
