"""Render a :class:`DemoResult` as rich tables (the CLI and the notebook share these)."""

from __future__ import annotations

from rich.table import Table

from .runner import Decision, DemoResult
from .strategies import STRATEGIES, STRATEGY_LABELS, Strategy

__all__ = [
    "decisions_table",
    "evidence_table",
    "rankings_table",
    "rounds_table",
    "summary_table",
]


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def summary_table(result: DemoResult) -> Table:
    """One row per strategy: accuracy in round 1 and in the last round, violations, failures."""
    last = result.rounds
    table = Table(
        title=(
            f"Tool choice: {result.tasks} tasks, {result.tools} tools, {result.rules} rules, "
            f"{result.rounds} round(s)"
        )
    )
    table.add_column("strategy")
    table.add_column("accuracy r1", justify="right")
    table.add_column(f"accuracy r{last}", justify="right")
    table.add_column("dangerous violations (all rounds)", justify="right")
    table.add_column(f"tool failures r{last}", justify="right")
    table.add_column("tools offered (avg)", justify="right")
    for strategy in STRATEGIES:
        rows = [s for s in result.stats() if s.strategy == strategy]
        if not rows:
            continue
        offered = [d.offered for d in result.decisions if d.strategy == strategy]
        table.add_row(
            STRATEGY_LABELS[strategy],
            _pct(rows[0].accuracy),
            _pct(rows[-1].accuracy),
            str(sum(s.violations for s in rows)),
            str(rows[-1].failures),
            f"{sum(offered) / len(offered):.1f}",
        )
    return table


def rounds_table(result: DemoResult) -> Table:
    """Accuracy (correct/tasks) and violations of every strategy in every round."""
    table = Table(title="Per round: accuracy (violations)")
    table.add_column("round", justify="right")
    strategies = [s for s in STRATEGIES if any(d.strategy == s for d in result.decisions)]
    for strategy in strategies:
        table.add_column(STRATEGY_LABELS[strategy], justify="right")
    for rnd in range(1, result.rounds + 1):
        cells = []
        for strategy in strategies:
            s = result.stat(strategy, rnd)
            cells.append(f"{_pct(s.accuracy)} ({s.violations})")
        table.add_row(str(rnd), *cells)
    return table


def _mark(decision: Decision) -> str:
    return "✓" if decision.correct else "✗"


def decisions_table(
    result: DemoResult, strategy: Strategy = "rules_feedback", rnd: int | None = None
) -> Table:
    """Every decision of one strategy and round: the rules that fired, and what the same model
    picked with all tools offered (the tempting tool the rules took away, if any)."""
    rnd = rnd or result.rounds
    naive = {
        d.task_id: d.chosen
        for d in result.decisions
        if d.strategy == "all_tools" and d.round == rnd
    }
    table = Table(title=f"Decisions of '{STRATEGY_LABELS[strategy]}', round {rnd}")
    table.add_column("task")
    table.add_column("all tools picked")
    table.add_column("chosen")
    table.add_column("", justify="center")
    table.add_column("outcome")
    table.add_column("rules fired (rank order)")
    for d in result.decisions:
        if d.strategy != strategy or d.round != rnd:
            continue
        before = naive.get(d.task_id) or "-"
        if before in d.denied:
            before = f"[red]{before}[/red] (denied)"
        table.add_row(
            d.task_id, before, d.chosen or "-", _mark(d), d.outcome, ", ".join(d.rules_fired)
        )
    return table


def rankings_table(result: DemoResult) -> Table:
    """Where outcome feedback changed the preferred order (round 1 → last round)."""
    table = Table(title=f"Rankings changed by feedback (round 1 → round {result.rounds})")
    table.add_column("task")
    table.add_column("preferred, round 1")
    table.add_column(f"preferred, round {result.rounds}")
    table.add_column("chosen")
    for change in result.ranking_changes():
        table.add_row(
            change["task_id"],
            " > ".join(change["before"]),
            " > ".join(change["after"]),
            f"{change['chosen_before']} → {change['chosen_after']}",
        )
    return table


def evidence_table(result: DemoResult) -> Table:
    """Each fired rule's evidence (positive − negative outcomes) and score after the rounds."""
    table = Table(title="Rule evidence after feedback (strategy 4)")
    table.add_column("rule")
    table.add_column("evidence", justify="right")
    table.add_column("score, first seen", justify="right")
    table.add_column("score, last seen", justify="right")
    for name, entry in sorted(result.rule_evidence.items()):
        table.add_row(
            name,
            f"{entry['evidence']:+.0f}",
            f"{entry['first_score']:.0f}",
            f"{entry['score']:.0f}",
        )
    return table
