"""Build ``demos/support_memory.ipynb`` (committed without outputs) from the cells below.

``python -m aionis_demos.support.notebook [PATH]`` rewrites the notebook; a test checks that the
committed file equals :func:`build_notebook` so the two cannot drift.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

__all__ = ["CUSTOMERS_ENV", "build_notebook", "main"]

CUSTOMERS_ENV = "AIONIS_DEMO_SUPPORT_CUSTOMERS"  # the test runs the notebook on fewer customers

CELLS: list[tuple[str, str]] = [
    (
        "markdown",
        """# Demo A: cross-session customer-support memory

A LangGraph support agent answers follow-up questions in **new threads**, using only what it
remembered about each customer from earlier conversations. The same graph runs with three
memory set-ups:

* **no memory**: a checkpointer only (each new thread starts blank);
* **InMemoryStore**: LangGraph's in-process store, with the same deterministic embeddings the
  Aionis server uses (a fair ranking comparison);
* **Aionis**: `AionisStore` + `AionisSaver` on a reference server (a real subprocess on a
  SQLite file).

Then the process restarts: the Aionis server is stopped and a new one is started on the same
file; the in-memory peer starts over empty. Every number below is measured by running the agent,
offline: the chat model and the memory-extraction model are scripted (set `AIONIS_DEMO_LLM`
to `provider:model` to use a real one through `init_chat_model`).""",
    ),
    (
        "code",
        f"""import os

import matplotlib

matplotlib.use("Agg")

from IPython.display import Image, display
from rich.console import Console
from rich.table import Table

from aionis_demos.support.dataset import load_dataset
from aionis_demos.support.demo import PHASES, run_demo
from aionis_demos.support.report import answers_table, plot_results, summary_table

CUSTOMERS = int(os.environ["{CUSTOMERS_ENV}"]) if os.environ.get("{CUSTOMERS_ENV}") else None
console = Console(width=130)
dataset = load_dataset(CUSTOMERS)
print(len(dataset.customers), "customers,", len(dataset.followups), "follow-ups")""",
    ),
    ("markdown", "## What one customer told support, and what the agent should remember"),
    (
        "code",
        """customer = dataset.customers[0]
table = Table(title=f"{customer.name}: earlier conversations", title_justify="left")
for column in ("conversation", "turns", "memories extracted (key: text)"):
    table.add_column(column, overflow="fold")
for conv in customer.conversations:
    turns = "\\n".join(f"{role}: {text}" for role, text in conv.turns)
    memories = "\\n".join(f"{m.key}: {m.text}" for m in conv.memories)
    table.add_row(f"{conv.id}\\n{conv.date}", turns, memories)
console.print(table)
for f in dataset.followups[:3]:
    print(f"{f.id} ({f.customer}) asks in a new thread: {f.question!r}; expected: {f.expect}")""",
    ),
    ("markdown", "## Run the three variants, before and after a restart"),
    (
        "code",
        """steps = []
result = run_demo(CUSTOMERS, progress=steps.append)
print(f"{len(steps)} agent runs in {result.seconds:.1f} s")
console.print(summary_table(result))""",
    ),
    (
        "markdown",
        "## Aionis answers cite the memory they used: its node URI and the commit that wrote it",
    ),
    (
        "code",
        """aionis = result.variant("aionis")
console.print(answers_table(aionis, PHASES[0], limit=10))""",
    ),
    ("markdown", "## Across the restart"),
    (
        "code",
        """before, after = aionis.phase(PHASES[0]), aionis.phase(PHASES[1])
same = sum(a.citations == b.citations for a, b in zip(before.answers, after.answers))
print(f"Aionis: {before.correct} right before, {after.correct} right after the restart;")
print(f"{same}/{len(after.answers)} answers cite the same node and commit after the restart.")
peer = result.variant("inmemory")
print(f"InMemoryStore: {peer.phase(PHASES[0]).correct} right before, "
      f"{peer.phase(PHASES[1]).correct} after (the new process starts empty).")
print("verify after restart:", after.verify)""",
    ),
    (
        "code",
        """import tempfile
from pathlib import Path

png = plot_results(result, Path(tempfile.mkdtemp()) / "support_memory.png")
display(Image(filename=str(png)))""",
    ),
]


def build_notebook() -> Any:
    """The notebook as an ``nbformat`` node, without outputs."""
    import nbformat

    nb = nbformat.v4.new_notebook()  # type: ignore[no-untyped-call]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    for i, (kind, source) in enumerate(CELLS):
        cell = (
            nbformat.v4.new_markdown_cell(source)  # type: ignore[no-untyped-call]
            if kind == "markdown"
            else nbformat.v4.new_code_cell(source)  # type: ignore[no-untyped-call]
        )
        cell["id"] = f"support-{i:02d}"  # stable ids: regenerating gives the same file
        nb.cells.append(cell)
    return nb


def main(argv: list[str] | None = None) -> int:
    import nbformat

    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else Path("demos/support_memory.ipynb")
    nbformat.write(build_notebook(), str(path))  # type: ignore[no-untyped-call]
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
