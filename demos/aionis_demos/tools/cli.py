"""``aionis demo tools``: run Demo B with a progress bar and print the measured results."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .strategies import Strategy

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--rounds", type=int, default=3, help="rounds over all tasks (feedback accrues; default 3)"
    )
    parser.add_argument("--json", type=Path, default=None, help="write every decision to this file")
    parser.add_argument(
        "--k", type=int, default=5, help="tools offered by semantic retrieval (default 5)"
    )
    parser.add_argument(
        "--limit", type=int, default=None, help="run only the first N tasks (quick look)"
    )
    parser.add_argument(
        "--base-url",
        default=None,
        help="an Aionis server to use (default: an embedded reference server for the run)",
    )
    parser.add_argument(
        "--all-decisions",
        action="store_true",
        help="print the decisions (and the rules that fired) of every Aionis round",
    )


def run(args: argparse.Namespace) -> int:
    """Run the demo and print the tables; exit status 1 if a deny rule was violated."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from . import report
    from .catalog import load_tasks
    from .runner import run_demo
    from .strategies import STRATEGIES, STRATEGY_LABELS

    console = Console() if Console().is_terminal else Console(width=150)
    rounds = max(1, int(args.rounds))
    tasks = list(load_tasks())[: args.limit] if args.limit else list(load_tasks())
    total = rounds * len(tasks) * len(STRATEGIES)
    columns = (
        TextColumn("{task.description:<32}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        bar = progress.add_task("starting", total=total)

        def step(strategy: Strategy, rnd: int, index: int) -> None:
            label = f"{STRATEGY_LABELS[strategy]}, r{rnd}"
            progress.update(bar, advance=1, description=label)

        result = run_demo(rounds, tasks=tasks, base_url=args.base_url, k=args.k, progress=step)
    if args.all_decisions:
        for strategy in ("rules", "rules_feedback"):
            for rnd in range(1, rounds + 1):
                console.print(report.decisions_table(result, strategy, rnd))
    else:
        console.print(report.decisions_table(result, "rules_feedback", 1))
    console.print(report.rankings_table(result))
    console.print(report.evidence_table(result))
    console.print(report.rounds_table(result))
    console.print(report.summary_table(result))
    console.print(f"measured in {result.seconds:.1f} s")
    if args.json is not None:
        args.json.write_text(json.dumps(result.to_json(), indent=1) + "\n", encoding="utf-8")
        console.print(f"wrote {args.json}")
    held = all(s.violations == 0 for s in result.stats() if s.strategy.startswith("rules"))
    if not held:
        console.print("[red]a deny rule was violated[/red]")
    return 0 if held else 1
