"""``aionis demo support``: run Demo A with a progress bar and print the measured results.

Cheap to import (argparse only); the demo's heavy imports happen in :func:`run`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--customers", type=int, default=None, help="use the first N customers (default: all)"
    )
    parser.add_argument("--json", type=Path, default=None, help="write every measurement here")
    parser.add_argument("--plot", type=Path, default=None, help="save the results plot (PNG)")
    parser.add_argument(
        "--answers",
        type=int,
        default=8,
        help="show this many Aionis answers with their citations (default 8; 0: none)",
    )
    parser.add_argument(
        "--workdir",
        default=None,
        help="empty directory for the Aionis SQLite file (default: a temporary directory)",
    )
    parser.add_argument(
        "--llm",
        default=None,
        help="a real chat model as provider:model via langchain's init_chat_model "
        "(default: $AIONIS_DEMO_LLM, else the offline scripted models)",
    )


def run(args: argparse.Namespace) -> int:
    """Run the demo; exit status 1 if Aionis lost answers across the restart or verify failed."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from .dataset import load_dataset
    from .demo import PHASES, run_demo, total_steps
    from .report import answers_table, plot_results, summary_table
    from .variants import VARIANTS

    console = Console()
    total = total_steps(load_dataset(args.customers), list(VARIANTS))
    with Progress(
        TextColumn("[progress.description]{task.description:<28}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        task = progress.add_task("support demo", total=total)

        def tick(label: str) -> None:
            progress.update(task, advance=1, description=label)

        result = run_demo(args.customers, llm=args.llm, workdir=args.workdir, progress=tick)
        progress.update(task, description="done")
    console.print(summary_table(result))
    aionis = result.variant("aionis")
    if args.answers:
        console.print(answers_table(aionis, PHASES[0], limit=args.answers))
    console.print(f"total {result.seconds:.1f} s")
    if args.json is not None:
        args.json.write_text(json.dumps(result.to_json(), indent=2), encoding="utf-8")
        console.print(f"measurements written to {args.json}")
    if args.plot is not None:
        console.print(f"plot saved to {plot_results(result, args.plot)}")
    before, after = aionis.phase(PHASES[0]), aionis.phase(PHASES[1])
    verified = all(p.verify is not None and p.verify.ok for p in (before, after))
    return 0 if verified and after.correct == before.correct else 1
