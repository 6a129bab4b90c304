"""Demo A end to end: ``aionis demo support`` on a reduced dataset (a real server subprocess,
restarted on the same SQLite file), and the notebook executed by nbclient."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from aionis_demos.support.notebook import CUSTOMERS_ENV, build_notebook
from aionis_sdk.cli import main as aionis_main

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "demos" / "support_memory.ipynb"
CUSTOMERS = 4


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One reduced run through the ``aionis`` command; its JSON is what the tests read."""
    out = tmp_path_factory.mktemp("support") / "out.json"
    plot = out.with_suffix(".png")
    status = aionis_main(
        ["demo", "support", "--customers", str(CUSTOMERS), "--json", str(out), "--plot", str(plot)]
    )
    assert status == 0
    assert plot.stat().st_size > 1000
    data: dict[str, Any] = json.loads(out.read_text())
    return data


def _phases(data: dict[str, Any], variant: str) -> tuple[dict[str, Any], dict[str, Any]]:
    found = next(v for v in data["variants"] if v["name"] == variant)
    before, after = found["phases"]
    assert (before["phase"], after["phase"]) == ("before restart", "after restart")
    return before, after


def test_reduced_run_covers_every_followup_in_every_variant(measured: dict[str, Any]) -> None:
    assert measured["customers"] == CUSTOMERS
    assert measured["followups"] >= 2 * CUSTOMERS
    assert measured["model"] == "scripted (offline)"
    assert [v["name"] for v in measured["variants"]] == ["no-memory", "inmemory", "aionis"]
    for variant in measured["variants"]:
        for phase in variant["phases"]:
            assert len(phase["answers"]) == measured["followups"]
            assert len({a["thread_id"] for a in phase["answers"]}) == measured["followups"]


def test_aionis_beats_no_memory(measured: dict[str, Any]) -> None:
    none_before, _ = _phases(measured, "no-memory")
    aionis_before, _ = _phases(measured, "aionis")
    assert none_before["correct"] == 0
    assert all(a["recall_ms"] is None for a in none_before["answers"])
    assert aionis_before["correct"] >= measured["followups"] * 3 // 4
    assert aionis_before["retrieved"] == measured["followups"]


def test_inmemory_peer_ranks_like_aionis_but_forgets_on_restart(measured: dict[str, Any]) -> None:
    peer_before, peer_after = _phases(measured, "inmemory")
    aionis_before, _ = _phases(measured, "aionis")
    # Same embeddings: the same memories come back in the same order.
    assert [a["recalled"] for a in peer_before["answers"]] == [
        a["recalled"] for a in aionis_before["answers"]
    ]
    assert peer_before["correct"] == aionis_before["correct"]
    assert peer_after["correct"] == 0
    assert all(a["recalled"] == [] for a in peer_after["answers"])


def test_restart_keeps_aionis_answers_and_their_citations(measured: dict[str, Any]) -> None:
    before, after = _phases(measured, "aionis")
    assert after["correct"] == before["correct"]
    for a, b in zip(before["answers"], after["answers"], strict=True):
        assert a["answer"] == b["answer"]
        assert a["citations"] == b["citations"]
        assert a["thread_id"] != b["thread_id"]  # asked again in a new thread


def test_citations_carry_node_uris_and_commit_ids(measured: dict[str, Any]) -> None:
    before, _ = _phases(measured, "aionis")
    assert before["cited_with_commit"] == len(before["answers"])
    commits = set()
    for answer in before["answers"]:
        assert answer["cited"], answer
        for citation in answer["citations"]:
            assert citation["uri"].startswith("aionis://default/default/evidence/")
            assert len(citation["commit_id"]) == 36
            commits.add(citation["commit_id"])
    assert len(commits) > 1


def test_history_verifies_before_and_after_restart(measured: dict[str, Any]) -> None:
    aionis = next(v for v in measured["variants"] if v["name"] == "aionis")
    for phase in aionis["phases"]:
        report = phase["verify"]
        assert report["ok"], report
        assert report["threads_ok"] == report["threads_checked"] > measured["followups"]
        # every memory written is one store version, each in its own commit
        assert report["namespace_commits"] == aionis["memories_written"]


def test_latencies_are_measured(measured: dict[str, Any]) -> None:
    for name in ("inmemory", "aionis"):
        before, _ = _phases(measured, name)
        assert 0 < before["recall_p50_ms"] <= before["recall_p95_ms"]


def test_committed_notebook_is_generated_and_has_no_outputs() -> None:
    import nbformat

    committed = nbformat.read(str(NOTEBOOK), as_version=4)
    assert all(not c.get("outputs") for c in committed.cells if c.cell_type == "code")
    assert all(c.get("execution_count") is None for c in committed.cells if c.cell_type == "code")
    assert nbformat.writes(committed) == nbformat.writes(build_notebook())


def test_notebook_executes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv(CUSTOMERS_ENV, "2")  # inherited by the kernel
    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    client = NotebookClient(
        nb, timeout=240, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "right after the restart" in text
    assert "cite the same node and commit after the restart" in text
    assert any("image/png" in o.get("data", {}) for o in outputs)
    assert list(tmp_path.iterdir()) == []  # the notebook leaves nothing next to itself
