"""A small matplotlib figure: tool-choice accuracy per round for each strategy (Agg backend)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .runner import DemoResult
from .strategies import STRATEGIES, STRATEGY_LABELS

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["accuracy_figure", "png_bytes"]


def accuracy_figure(result: DemoResult) -> Figure:
    """Accuracy (%) per round, one line per strategy; violations in the legend."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 3.6), dpi=100)
    ax = fig.add_subplot()
    rounds = list(range(1, result.rounds + 1))
    for strategy in STRATEGIES:
        stats = [s for s in result.stats() if s.strategy == strategy]
        if not stats:
            continue
        violations = sum(s.violations for s in stats)
        ax.plot(
            rounds,
            [100 * s.accuracy for s in stats],
            marker="o",
            label=f"{STRATEGY_LABELS[strategy]} ({violations} violations)",
        )
    ax.set_xlabel("round over all tasks")
    ax.set_ylabel("tool-choice accuracy (%)")
    ax.set_xticks(rounds)
    ax.set_ylim(0, 105)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="lower right")
    ax.set_title(f"{result.tasks} tasks, {result.tools} tools")
    fig.tight_layout()
    return fig


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG (no pyplot, no display needed)."""
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()
