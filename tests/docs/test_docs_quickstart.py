"""The quickstart's programs run, as written, against a real reference server.

Each python block of the page is saved to a file and run in a subprocess (like a reader running
``python quickstart.py``) with ``AIONIS_BASE_URL`` pointing at a fresh in-thread server; the
``text`` block after it lists lines its output must contain, in order. Shell commands of the page
are checked against the real CLI.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from docs_support import DOCS, ROOT, code_blocks, missing_lines, programs_with_output

from aionis_sdk import __version__

pytest.importorskip("aionis_server")
from aionis_server import serve_in_thread

EXECUTED_PAGES = ["quickstart.md", "concepts.md", "troubleshooting.md"]


def _run(code: str, workdir: Path, name: str, base_url: str) -> subprocess.CompletedProcess[str]:
    script = workdir / name
    script.write_text(code, "utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIONIS_")}
    env["AIONIS_BASE_URL"] = base_url
    return subprocess.run(
        [sys.executable, str(script)],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("page", EXECUTED_PAGES)
def test_python_blocks_run_and_print_what_the_page_shows(page: str, tmp_path: Path) -> None:
    text = (DOCS / page).read_text("utf-8")
    programs = programs_with_output(text)
    if page == "quickstart.md":
        assert len(programs) >= 2, "the quickstart shows a write/recall and a rule program"
        assert all(out is not None for _, out in programs), "every program shows its output"
    with serve_in_thread(":memory:") as base_url:
        for index, (program, expected) in enumerate(programs):
            where = f"{page}:{program.line}"
            done = _run(program.code, tmp_path, f"block_{index}.py", base_url)
            assert done.returncode == 0, f"{where} failed:\n{done.stdout}\n{done.stderr}"
            if expected is not None:
                missing = missing_lines(expected.code, done.stdout)
                assert not missing, (
                    f"{where}: output lacks the lines the page shows:\n"
                    + "\n".join(missing)
                    + f"\n--- actual output ---\n{done.stdout}"
                )


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    aionis = Path(sys.executable).with_name("aionis")
    cmd = [str(aionis)] if aionis.exists() else [sys.executable, "-m", "aionis_sdk.cli"]
    return subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=60)


def test_shell_commands_use_real_subcommands_and_flags() -> None:
    commands = []
    for page in ["quickstart.md", "troubleshooting.md", "index.md"]:
        for block in code_blocks((DOCS / page).read_text("utf-8")):
            if block.lang in {"bash", "sh", "console"}:
                commands += [
                    line.strip()
                    for line in block.code.splitlines()
                    if line.strip().startswith("aionis ")
                ]
    assert any(c.startswith("aionis serve") for c in commands)
    helps: dict[str, str] = {}  # each `aionis` start imports every plugin: ask once per command
    for command in commands:
        words = command.split("#")[0].split()
        sub = words[1]
        if sub.startswith("-"):
            continue
        if sub not in helps:
            helped = _cli(sub, "--help")
            assert helped.returncode == 0, f"`aionis {sub}` does not exist: {helped.stderr}"
            helps[sub] = helped.stdout
        for flag in (w.split("=")[0] for w in words[2:] if w.startswith("--")):
            assert flag in helps[sub], f"`{command}`: {flag} is not an option of aionis {sub}"


def test_version_line_matches_the_package() -> None:
    text = (DOCS / "quickstart.md").read_text("utf-8")
    shown = re.search(r"^aionis-sdk (\S+)$", text, re.M)
    assert shown is not None
    assert shown.group(1) == __version__
    assert _cli("--version").stdout.strip() == f"aionis-sdk {__version__}"


def test_serve_prints_the_line_the_quickstart_shows(tmp_path: Path) -> None:
    shown = "Aionis reference server listening on http://127.0.0.1:"
    assert shown in (DOCS / "quickstart.md").read_text("utf-8")
    aionis = Path(sys.executable).with_name("aionis")
    assert aionis.exists(), "the aionis console script is missing: the install is broken"
    with subprocess.Popen(
        [str(aionis), "serve", "--db", str(tmp_path / "q.db"), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
    ) as proc:
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            assert line.startswith(shown), line
        finally:
            proc.terminate()
            proc.wait(timeout=30)
