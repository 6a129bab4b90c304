"""Render a :class:`~aionis_demos.support.demo.DemoResult`: rich tables and a matplotlib plot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.table import Table

from .demo import PHASES, DemoResult, PhaseResult, VariantResult

__all__ = ["answers_table", "plot_results", "summary_rows", "summary_table"]


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _frac(n: int, total: int) -> str:
    return f"{n}/{total} ({100 * n / total:.0f}%)" if total else "-"


def _verify(phase: PhaseResult) -> str:
    v = phase.verify
    if v is None:
        return "n/a"
    status = "OK" if v.ok else "BROKEN"
    return (
        f"{status}: {v.namespace_commits} store commits, {v.threads_ok}/{v.threads_checked} threads"
    )


def summary_rows(result: DemoResult) -> list[dict[str, Any]]:
    """One plain row per variant (for tables, JSON and docs)."""
    rows = []
    for v in result.variants:
        before, after = v.phase(PHASES[0]), v.phase(PHASES[1])
        total = len(before.answers)
        rows.append(
            {
                "variant": v.label,
                "memories": v.memories_written,
                "fact recalled": _frac(before.retrieved, total),
                "right": _frac(before.correct, total),
                "right after restart": _frac(after.correct, total),
                "recall p50/p95 ms": (
                    f"{_ms(before.recall_percentile(0.5))} / {_ms(before.recall_percentile(0.95))}"
                ),
                "cited URI+commit": _frac(before.cited_with_commit, total)
                if v.name == "aionis"
                else "-",
                "verify after restart": _verify(after),
            }
        )
    return rows


def summary_table(result: DemoResult) -> Table:
    rows = summary_rows(result)
    table = Table(
        title=(
            f"Support memory: {result.followups} follow-ups in new threads, "
            f"{result.customers} customers, {result.conversations} earlier conversations "
            f"({result.model})"
        ),
        title_justify="left",
    )
    for column in rows[0] if rows else []:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(str(value) for value in row.values()))
    return table


def answers_table(
    variant: VariantResult, phase: str = PHASES[0], limit: int | None = None
) -> Table:
    """Per follow-up: the answer's verdict, the memories it cited and, for Aionis, their
    node URI and commit id."""
    result = variant.phase(phase)
    table = Table(title=f"{variant.label}, {phase}: answers and citations", title_justify="left")
    for column in ("id", "question", "ok", "cited memory", "node URI", "commit id", "ms"):
        table.add_column(column, overflow="fold", ratio=3 if column == "node URI" else None)
    for answer in result.answers[:limit]:
        citations = answer.citations or []
        table.add_row(
            answer.followup,
            answer.question,
            "yes" if answer.correct else "NO",
            ", ".join(answer.cited) or "-",
            "\n".join(c.uri or "?" for c in citations) or "-",
            "\n".join(c.commit_id or "?" for c in citations) or "-",
            _ms(answer.recall_ms),
        )
    return table


def plot_results(result: DemoResult, path: str | Path) -> Path:
    """Save a two-panel PNG (right answers before/after the restart; recall latency)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = [v.label for v in result.variants]
    fig, (acc, lat) = plt.subplots(1, 2, figsize=(10, 3.8))
    width = 0.38
    xs = range(len(labels))
    for offset, phase in ((-width / 2, PHASES[0]), (width / 2, PHASES[1])):
        values = [100 * v.phase(phase).accuracy for v in result.variants]
        bars = acc.bar([x + offset for x in xs], values, width, label=phase)
        acc.bar_label(bars, fmt="%.0f%%", fontsize=8)
    acc.set_xticks(list(xs), labels, fontsize=8)
    acc.set_ylim(0, 110)
    acc.set_ylabel("follow-ups answered right (%)")
    acc.legend(fontsize=8)
    timed = [v for v in result.variants if v.phase(PHASES[0]).recall_percentile(0.5) is not None]
    names = [v.label for v in timed]
    p50 = [v.phase(PHASES[0]).recall_percentile(0.5) or 0.0 for v in timed]
    p95 = [v.phase(PHASES[0]).recall_percentile(0.95) or 0.0 for v in timed]
    ys = range(len(names))
    lat.barh([y - 0.2 for y in ys], p50, 0.4, label="p50")
    lat.barh([y + 0.2 for y in ys], p95, 0.4, label="p95")
    lat.set_yticks(list(ys), names, fontsize=8)
    lat.set_xlabel("recall latency per turn (ms)")
    lat.legend(fontsize=8)
    fig.tight_layout()
    out = Path(path)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
