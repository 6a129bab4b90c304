"""Demo B end to end: a reduced run (all tasks, two rounds) against an embedded reference server,
the ``aionis demo tools`` command, and the notebook executed by nbclient."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pytest

from aionis_demos.tools import STRATEGIES, DemoResult, load_tasks, load_tools, run_demo
from aionis_demos.tools import cli as tools_cli

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 2


@pytest.fixture(scope="module")
def result() -> DemoResult:
    return run_demo(rounds=ROUNDS)


def test_every_strategy_ran_every_task_every_round(result: DemoResult) -> None:
    tasks = len(load_tasks())
    for strategy in STRATEGIES:
        for rnd in range(1, ROUNDS + 1):
            assert result.stat(strategy, rnd).tasks == tasks


def test_rules_beat_all_tools_and_retrieval_on_accuracy(result: DemoResult) -> None:
    for rnd in range(1, ROUNDS + 1):
        baseline = max(result.stat(s, rnd).accuracy for s in ("all_tools", "semantic"))
        assert result.stat("rules", rnd).accuracy > baseline
        assert result.stat("rules_feedback", rnd).accuracy > baseline


def test_deny_rules_hold_with_zero_violations(result: DemoResult) -> None:
    # Without rules the model really does reach for dangerous tools ...
    assert sum(s.violations for s in result.stats() if s.strategy == "all_tools") > 0
    assert sum(s.violations for s in result.stats() if s.strategy == "semantic") > 0
    # ... with rules none ever executes, and a denied tool is never the one chosen.
    for stats in result.stats():
        if stats.strategy in ("rules", "rules_feedback"):
            assert stats.violations == 0, stats
    dangerous = {t.name for t in load_tools() if t.dangerous}
    correct = {t.id: set(t.correct) for t in load_tasks()}
    for d in result.decisions:
        if d.strategy in ("rules", "rules_feedback"):
            assert d.chosen not in d.denied
            if d.chosen in dangerous:
                assert d.chosen in correct[d.task_id]  # e.g. force-push on a feature branch


def test_feedback_never_lowers_accuracy_and_reranks(result: DemoResult) -> None:
    accuracies = [result.stat("rules_feedback", r).accuracy for r in range(1, ROUNDS + 1)]
    assert accuracies == sorted(accuracies)
    assert accuracies[-1] > result.stat("rules", ROUNDS).accuracy
    # Without feedback nothing moves.
    assert result.ranking_changes("rules") == []
    changes = result.ranking_changes("rules_feedback")
    assert changes, "feedback changed no ranking"
    assert any(c["chosen_before"] != c["chosen_after"] for c in changes)
    # The guessed rules that recommended failing tools lost their lead to the team rules.
    for change in changes:
        assert change["before"][0] != change["after"][0]


def test_every_aionis_decision_names_the_rules_that_fired(result: DemoResult) -> None:
    for d in result.decisions:
        if d.strategy in ("rules", "rules_feedback"):
            assert "no-destructive-shell" in d.rules_fired
        else:
            assert d.rules_fired == []
    cleanup = next(
        d for d in result.decisions if d.strategy == "rules" and d.task_id == "clean-build-dir"
    )
    assert "cleanup-uses-trash" in cleanup.rules_fired
    assert {"rm", "rm_rf"} <= set(cleanup.denied)
    assert cleanup.chosen == "trash"


def test_cli_runs_and_writes_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    tools_cli.add_arguments(parser)
    out = tmp_path / "tools.json"
    args = parser.parse_args(["--rounds", "1", "--limit", "12", "--json", str(out)])
    assert tools_cli.run(args) == 0
    printed = capsys.readouterr().out
    assert "Tool choice: 12 tasks" in printed
    assert "rules fired" in printed
    data = json.loads(out.read_text())
    assert data["tasks"] == 12
    assert data["rounds"] == 1
    assert {s["strategy"] for s in data["stats"]} == set(STRATEGIES)
    assert len(data["decisions"]) == 12 * len(STRATEGIES)


def test_notebook_executes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    import nbformat
    from nbclient import NotebookClient

    # A kernel spec that runs this interpreter (the project's venv), whatever else is installed.
    spec_dir = tmp_path / "jupyter" / "kernels" / "aionis-venv"
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "aionis venv",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("AIONIS_DEMO_ROUNDS", "2")
    monkeypatch.setenv("MPLBACKEND", "Agg")

    path = ROOT / "demos" / "coding_tools.ipynb"
    nb = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), (
        "commit the notebook without outputs"
    )
    client = NotebookClient(
        nb,
        kernel_name="aionis-venv",
        timeout=240,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs)
    text = "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in outputs)
    assert "zero dangerous-tool violations" in text
