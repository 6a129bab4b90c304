"""verify_thread against a reference server whose SQLite file was edited behind its back.

A thread is written through AionisSaver to a file-backed server; the server is stopped; a
copy of the database is tampered with through a separate sqlite3 connection; a server is
started on the copy; verify must name the first broken link.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from langgraph.graph import END, START, StateGraph
from typing_extensions import TypedDict

from aionis_langgraph.checkpoint import AionisSaver
from aionis_langgraph.cli import main as cli_main
from aionis_langgraph.verify import averify_thread, verify_thread
from aionis_sdk import AionisClient, AsyncAionisClient

SCOPE = "tamper"
THREAD = "audited"


class S(TypedDict):
    n: int


def _write_thread(url: str) -> None:
    builder = StateGraph(S)
    builder.add_node("inc", lambda s: {"n": s["n"] + 1})
    builder.add_node("dbl", lambda s: {"n": s["n"] * 2})
    builder.add_edge(START, "inc")
    builder.add_edge("inc", "dbl")
    builder.add_edge("dbl", END)
    # One record per commit (no group commit), so each tamper below names the exact record;
    # edits inside multi-record commits are covered in test_checkpoint_group_commit.py.
    with AionisSaver.from_url(url, scope=SCOPE, linger=0) as saver:
        graph = builder.compile(checkpointer=saver)
        graph.invoke({"n": 1}, {"configurable": {"thread_id": THREAD}})
        graph.invoke({"n": 5}, {"configurable": {"thread_id": THREAD}})


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory, aionis_server_process: Any) -> Path:
    db = tmp_path_factory.mktemp("tamper") / "pristine.db"
    with aionis_server_process(str(db)) as url:
        _write_thread(url)
    return db


def _rows(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """The thread's record nodes, oldest first."""
    conn.row_factory = sqlite3.Row
    return conn.execute(
        "SELECT * FROM nodes WHERE client_id LIKE ? ORDER BY seq", ("lg:_:" + THREAD + ":%",)
    ).fetchall()


def _flip_byte(conn: sqlite3.Connection) -> str:
    row = _rows(conn)[3]
    text = row["slots_json"]
    pos = text.index('"b":"') + 5  # first base64 character of a payload
    flipped = text[:pos] + ("A" if text[pos] != "A" else "B") + text[pos + 1 :]
    conn.execute("UPDATE nodes SET slots_json = ? WHERE id = ?", (flipped, row["id"]))
    return str(row["client_id"])


def _drop_commit(conn: sqlite3.Connection) -> str:
    row = _rows(conn)[4]
    conn.execute("DELETE FROM commits WHERE id = ?", (row["commit_id"],))
    return str(row["client_id"])


def _swap_payloads(conn: sqlite3.Connection) -> str:
    rows = _rows(conn)
    a, b = rows[2], rows[6]
    conn.execute("UPDATE nodes SET slots_json = ? WHERE id = ?", (b["slots_json"], a["id"]))
    conn.execute("UPDATE nodes SET slots_json = ? WHERE id = ?", (a["slots_json"], b["id"]))
    return str(a["client_id"])


def _swap_commit_links(conn: sqlite3.Connection) -> str:
    rows = _rows(conn)
    a, b = rows[1], rows[5]
    conn.execute("UPDATE nodes SET commit_id = ? WHERE id = ?", (b["commit_id"], a["id"]))
    conn.execute("UPDATE nodes SET commit_id = ? WHERE id = ?", (a["commit_id"], b["id"]))
    return str(a["client_id"])


def _drop_node(conn: sqlite3.Connection) -> str:
    row = _rows(conn)[7]
    conn.execute("DELETE FROM nodes WHERE id = ?", (row["id"],))
    return ""


def _edit_diff(conn: sqlite3.Connection) -> str:
    row = _rows(conn)[2]
    diff = conn.execute("SELECT diff_json FROM commits WHERE id = ?", (row["commit_id"],))
    text = diff.fetchone()[0].replace('"private"', '"shared"')
    conn.execute("UPDATE commits SET diff_json = ? WHERE id = ?", (text, row["commit_id"]))
    return str(row["client_id"])


CASES: dict[str, tuple[Callable[[sqlite3.Connection], str], set[str]]] = {
    "one_byte_in_slots": (_flip_byte, {"input_sha256"}),
    "commit_row_deleted": (_drop_commit, {"commit_missing"}),
    "payloads_swapped": (_swap_payloads, {"input_sha256"}),
    "commit_links_swapped": (_swap_commit_links, {"diff_node"}),
    "node_row_deleted": (_drop_node, {"node_missing"}),
    "diff_edited": (_edit_diff, {"diff_node"}),
}


def test_untouched_history_verifies(pristine: Path, aionis_server_process: Any) -> None:
    with aionis_server_process(str(pristine)) as url, AionisClient(base_url=url, scope=SCOPE) as c:
        report = verify_thread(c, THREAD)
        assert report.ok, str(report)
        assert report.checked >= 10
        assert report.commits == report.checked
        assert cli_main(["verify", "--base-url", url, "--scope", SCOPE, "--thread", THREAD]) == 0


@pytest.mark.parametrize("case", sorted(CASES))
async def test_tampering_is_reported(
    case: str, pristine: Path, tmp_path: Path, aionis_server_process: Any
) -> None:
    tamper, expected_checks = CASES[case]
    db = tmp_path / "tampered.db"
    shutil.copy(pristine, db)
    conn = sqlite3.connect(db)
    with conn:
        where = tamper(conn)
    conn.close()
    with aionis_server_process(str(db)) as url:
        with AionisClient(base_url=url, scope=SCOPE) as client:
            report = verify_thread(client, THREAD)
        async with AsyncAionisClient(base_url=url, scope=SCOPE) as aclient:
            areport = await averify_thread(aclient, THREAD)
        code = cli_main(["verify", "--base-url", url, "--scope", SCOPE, "--thread", THREAD])
    assert not report.ok
    assert report.first_broken is not None
    assert report.first_broken.check in expected_checks, str(report)
    if where:
        assert report.first_broken.client_id == where, str(report)
    assert areport == report
    assert code == 1
