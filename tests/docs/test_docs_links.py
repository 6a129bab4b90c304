"""The documentation builds cleanly and its links resolve.

Two independent checks: ``mkdocs build --strict`` (MkDocs validates links, anchors and the nav;
``mkdocs.yml`` raises every validation to a warning and strict mode fails on warnings), and a
plain-file check of every relative link in README.md and docs/**/*.md, which also covers the
README (outside the site) and anchors as GitHub renders them. External links are not fetched.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from operator import attrgetter
from pathlib import Path
from urllib.parse import unquote

import pytest
import yaml
from docs_support import DOCS, ROOT, anchors, markdown_files, relative_links

from aionis_sdk import AionisClient, AsyncAionisClient
from aionis_sdk._operations import OPERATIONS

pytest.importorskip("mkdocs")


def test_mkdocs_build_strict(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "site" / "index.html").exists()


def _nav_files(nav: object) -> list[str]:
    if isinstance(nav, str):
        return [nav]
    if isinstance(nav, list):
        return [f for item in nav for f in _nav_files(item)]
    if isinstance(nav, dict):
        return [f for value in nav.values() for f in _nav_files(value)]
    return []


def _load_mkdocs_yml() -> dict[str, object]:
    return yaml.safe_load((ROOT / "mkdocs.yml").read_text("utf-8"))


def test_nav_lists_every_page_and_only_existing_ones() -> None:
    config = _load_mkdocs_yml()
    assert config["strict"] is True
    assert [p if isinstance(p, str) else next(iter(p)) for p in config["plugins"]] == ["search"]
    listed = _nav_files(config["nav"])
    missing = [f for f in listed if not (DOCS / f).is_file()]
    assert not missing, f"nav entries without a page: {missing}"
    pages = sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md"))
    assert sorted(set(listed)) == pages, "every page under docs/ must be in the nav exactly once"
    assert len(listed) == len(set(listed))


def _check(source: Path, target: str) -> str | None:
    path_part, _, fragment = target.partition("#")
    path_part = unquote(path_part)
    if path_part.startswith("/"):
        return f"{target}: absolute path (use a relative link)"
    resolved = (source.parent / path_part).resolve() if path_part else source
    if not resolved.exists():
        return f"{target}: {resolved.relative_to(ROOT) if resolved.is_relative_to(ROOT) else resolved} does not exist"
    if fragment:
        if resolved.suffix != ".md":
            return None
        mk, gh = anchors(resolved)
        if fragment not in mk:
            return f"{target}: no heading with the MkDocs anchor #{fragment}"
        if fragment not in gh:
            return f"{target}: #{fragment} does not exist on GitHub's rendering"
    return None


@pytest.mark.parametrize("source", markdown_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_relative_links_resolve(source: Path) -> None:
    problems = [p for t in relative_links(source) if (p := _check(source, t))]
    assert not problems, "\n".join(problems)


def test_readme_links_every_docs_page_it_should() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    for page in ["quickstart.md", "concepts.md", "compatibility.md", "troubleshooting.md"]:
        assert f"(docs/{page}" in readme, f"README does not link docs/{page}"


def test_compatibility_table_covers_every_sdk_operation() -> None:
    text = (DOCS / "compatibility.md").read_text("utf-8")
    rows = re.findall(r"^\| (GET|POST) \| `([^`]+)` \| `client\.([\w.]+)` \|", text, re.M)
    documented = {(method, path): name for method, path, name in rows}
    assert set(documented) == {(op.method, op.path) for op in OPERATIONS.values()}

    async def check_async() -> None:
        async with AsyncAionisClient(base_url="http://127.0.0.1:9") as aclient:
            for name in documented.values():
                assert callable(attrgetter(name)(aclient)), f"async client.{name}"

    with AionisClient(base_url="http://127.0.0.1:9") as client:
        for name in documented.values():
            assert callable(attrgetter(name)(client)), f"client.{name} is not a method"
    asyncio.run(check_async())
