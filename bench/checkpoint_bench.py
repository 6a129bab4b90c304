"""Per-super-step checkpointer overhead: InMemorySaver vs SqliteSaver vs AionisSaver.

The same small graph (3 nodes in a loop, K super-steps per run) runs with each saver, side
by side in one process; AionisSaver talks to a reference server in a child process over a
loopback socket. Passes: ``invoke`` with no work in the nodes, ``invoke`` with ``--work-ms``
of work in each node, and ``ainvoke`` (AsyncSqliteSaver, AionisSaver on an async client). The script prints a table and rewrites the ``## LangGraph checkpointer``
section of docs/performance.md up to its first sub-heading (other sections and the
section's ``###`` sub-sections are kept).

    .venv/bin/python bench/checkpoint_bench.py [--steps 30] [--runs 15] [--no-write]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sqlite3
import statistics
import tempfile
import time
import uuid
from datetime import datetime, timezone
from typing import Any

import httpx
from _doc import replace_section
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from langgraph.graph import END, START, StateGraph
from typing_extensions import TypedDict

from aionis_langgraph.checkpoint import AionisSaver
from aionis_langgraph.checkpoint.saver import DEFAULT_LINGER
from aionis_sdk import AionisClient, AsyncAionisClient, Hooks, RequestInfo, ResponseInfo
from aionis_server.testing import spawn_server

SECTION = "## LangGraph checkpointer"


class State(TypedDict):
    i: int
    text: str


def build_graph(steps: int, work: float = 0.0) -> StateGraph[State]:
    """``work``: seconds each node waits (``time.sleep``, which releases the GIL as a model
    or tool call over the network does)."""

    def wait() -> None:
        if work:
            time.sleep(work)

    def plan(state: State) -> dict[str, Any]:
        wait()
        return {"i": state["i"] + 1, "text": state["text"][-200:] + "p"}

    def act(state: State) -> dict[str, Any]:
        wait()
        return {"text": state["text"] + "a"}

    def check(state: State) -> dict[str, Any]:
        wait()
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


class WriteTimer:
    """``on_request`` / ``on_response`` hooks: counts calls and times ``/write`` round trips
    while ``enabled``, keeping each ``/write``'s ``Server-Timing`` phases (ms) as the SDK
    reports them."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.write_rtts: list[float] = []
        self.server_phases: list[dict[str, float]] = []
        self._started: dict[str, float] = {}
        self.enabled = True
        self.runs = 0

    def hooks(self) -> Hooks:
        return Hooks(on_request=self.on_request, on_response=self.on_response)

    def on_request(self, info: RequestInfo) -> None:
        if not self.enabled:
            return
        op = info.operation.removeprefix("memory.")
        self.counts[op] = self.counts.get(op, 0) + 1
        self._started[info.request_id] = time.perf_counter()

    def on_response(self, info: ResponseInfo) -> None:
        begun = self._started.pop(info.request_id, None)
        if begun is not None and info.operation == "memory.write":
            self.write_rtts.append(time.perf_counter() - begun)
            if info.server_timing:
                self.server_phases.append(dict(info.server_timing))

    def reset(self) -> None:
        self.counts.clear()
        self.write_rtts.clear()
        self.server_phases.clear()
        self.runs = 0

    def phase(self, name: str) -> float:
        """Median milliseconds of one Server-Timing phase over the timed ``/write`` calls."""
        return statistics.median(p.get(name, 0.0) for p in self.server_phases)


class Contender:
    """One saver and its compiled graph; ``samples`` are seconds per super-step. ``timer``
    (AionisSaver only) sees the client's calls during graph runs, not while counting steps."""

    def __init__(
        self,
        name: str,
        saver: BaseCheckpointSaver[Any],
        steps: int,
        timer: WriteTimer | None = None,
        work: float = 0.0,
    ) -> None:
        self.name, self.saver, self.timer = name, saver, timer
        self.graph = build_graph(steps, work).compile(checkpointer=saver)
        self.samples: list[float] = []
        self.steps = 0

    def run(self, thread_id: str) -> float:
        config: RunnableConfig = {"configurable": {"thread_id": thread_id}}
        start = time.perf_counter()
        self.graph.invoke({"i": 0, "text": ""}, config)
        elapsed = time.perf_counter() - start
        if self.timer is not None:
            self.timer.enabled = False
        self.steps = len(list(self.saver.list(config))) - 1  # checkpoints minus the input one
        if self.timer is not None:
            self.timer.enabled = True
            self.timer.runs += 1
        return elapsed / self.steps


def time_rounds(contenders: list[Contender], runs: int) -> list[dict[str, float]]:
    """``runs`` rounds; each round runs every contender once on a fresh thread, in an order
    that rotates, so drifting machine load hits them alike. Returns per-round figures."""
    for c in contenders:
        c.run("warmup-" + uuid.uuid4().hex)
        if c.timer is not None:
            c.timer.reset()
    rounds = []
    for r in range(runs):
        order = contenders[r % len(contenders) :] + contenders[: r % len(contenders)]
        figures = {c.name: c.run(uuid.uuid4().hex) for c in order}
        for c in contenders:
            c.samples.append(figures[c.name])
        rounds.append(figures)
    return rounds


async def async_rounds(
    url: str, sqlite_path: str, steps: int, runs: int
) -> tuple[dict[str, list[float]], list[dict[str, float]]]:
    """The first pass with ``ainvoke``: async savers (AionisSaver on an async client), same
    rotation; seconds per super-step by saver, and per round."""
    async with (
        AsyncAionisClient(base_url=url) as client,
        AsyncSqliteSaver.from_conn_string(sqlite_path) as sqlite,
    ):
        savers: dict[str, BaseCheckpointSaver[Any]] = {
            "InMemorySaver": InMemorySaver(),
            "AsyncSqliteSaver (file)": sqlite,
            f"AionisSaver, async client (linger {DEFAULT_LINGER * 1e3:g} ms)": AionisSaver(
                async_client=client
            ),
        }
        graphs = {name: build_graph(steps).compile(checkpointer=s) for name, s in savers.items()}

        async def run(name: str) -> float:
            config: RunnableConfig = {"configurable": {"thread_id": uuid.uuid4().hex}}
            start = time.perf_counter()
            await graphs[name].ainvoke({"i": 0, "text": ""}, config)
            elapsed = time.perf_counter() - start
            checkpoints = [c async for c in savers[name].alist(config)]
            return elapsed / (len(checkpoints) - 1)  # minus the input checkpoint

        names = list(savers)
        for name in names:
            await run(name)
        samples: dict[str, list[float]] = {name: [] for name in names}
        rounds: list[dict[str, float]] = []
        for r in range(runs):
            figures = {n: await run(n) for n in names[r % len(names) :] + names[: r % len(names)]}
            for name in names:
                samples[name].append(figures[name])
            rounds.append(figures)
        return samples, rounds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument(
        "--work-ms",
        type=float,
        default=5.0,
        help="second pass: each node waits this long (0: skip the pass)",
    )
    parser.add_argument(
        "--async-runs", type=int, default=None, help="rounds of the ainvoke pass (0: skip)"
    )
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    async_runs = max(5, args.runs // 2) if args.async_runs is None else args.async_runs

    load_before = os.getloadavg()
    grouped_timer, single_timer = WriteTimer(), WriteTimer()
    with tempfile.TemporaryDirectory() as tmp:
        conn = sqlite3.connect(os.path.join(tmp, "lg.sqlite"), check_same_thread=False)
        with (
            spawn_server(os.path.join(tmp, "aionis.db"), server_timing=True) as url,
            AionisClient(base_url=url, hooks=grouped_timer.hooks()) as client,
            AionisClient(base_url=url, hooks=single_timer.hooks()) as client0,
        ):
            grouped = f"AionisSaver (group commit, linger {DEFAULT_LINGER * 1e3:g} ms)"
            single = "AionisSaver (linger=0: one commit per call)"
            contenders = [
                Contender("InMemorySaver", InMemorySaver(), args.steps),
                Contender("SqliteSaver (file)", SqliteSaver(conn), args.steps),
                Contender(grouped, AionisSaver(client), args.steps, grouped_timer),
                Contender(single, AionisSaver(client0, linger=0), args.steps, single_timer),
            ]
            rounds = time_rounds(contenders, args.runs)
            working: list[Contender] = []
            working_rounds: list[dict[str, float]] = []
            if args.work_ms > 0:
                for c in contenders:  # the second pass does not count in the first's figures
                    if c.timer is not None:
                        c.timer.enabled = False
                work = args.work_ms / 1e3
                working = [
                    Contender(c.name, c.saver, args.steps, work=work) for c in contenders[:3]
                ]
                working_rounds = time_rounds(working, max(5, args.runs // 3))
            async_figures = None
            if async_runs > 0:
                async_figures = asyncio.run(
                    async_rounds(url, os.path.join(tmp, "lg-async.sqlite"), args.steps, async_runs)
                )
            with httpx.Client() as http:
                health = []
                for _ in range(50):
                    start = time.perf_counter()
                    http.get(url + "/health")
                    health.append(time.perf_counter() - start)
        conn.close()
    load_after = os.getloadavg()
    loads = (load_before, load_after)
    text = report(args, contenders, rounds, statistics.median(health), loads)
    if working:
        text += report_working(args, working, working_rounds)
    if async_figures is not None:
        text += report_async(*async_figures)
    print(text)
    if not args.no_write:
        replace_section(text)  # sub-sections written by hand are kept


def report(
    args: argparse.Namespace,
    contenders: list[Contender],
    rounds: list[dict[str, float]],
    health: float,
    loads: tuple[tuple[float, float, float], tuple[float, float, float]],
) -> str:
    sqlite = contenders[1].name
    steps = contenders[0].steps
    (before, after) = loads
    lines = [
        SECTION,
        "",
        f"`bench/checkpoint_bench.py`, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, "
        f"{platform.machine()} {platform.system()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; 1-minute load average {before[0]:.1f} before, "
        f"{after[0]:.1f} after. Graph: plan → act → check in a loop, {steps} super-steps per "
        f"run (one task each), {args.runs} rounds; each round runs every saver once on a new "
        "thread, in rotating order. Time per super-step includes LangGraph itself; the "
        "ratio is the median over rounds of each round's own ratio.",
        "",
        "| saver | per super-step p50 | p90 | vs SqliteSaver (paired) |",
        "|---|---:|---:|---:|",
    ]
    for c in contenders:
        ratios = [r[c.name] / r[sqlite] for r in rounds]
        p90 = statistics.quantiles(c.samples, n=10)[-1] if len(c.samples) > 1 else c.samples[0]
        lines.append(
            f"| {c.name} | {statistics.median(c.samples) * 1e3:.2f} ms | {p90 * 1e3:.2f} ms "
            f"| {statistics.median(ratios):.2f}x |"
        )
    lines.append("")
    for c in contenders:
        if c.timer is None or not c.timer.runs or not c.timer.write_rtts:
            continue
        runs, rtts = c.timer.runs, c.timer.write_rtts
        per_step = {k: round(v / (steps * runs), 2) for k, v in sorted(c.timer.counts.items())}
        p90 = statistics.quantiles(rtts, n=10)[-1] if len(rtts) > 1 else rtts[0]
        lines.append(
            f"- {c.name}: round trips per super-step {per_step} (all rounds); `/write` "
            f"round trip p50 {statistics.median(rtts) * 1e3:.2f} ms, p90 {p90 * 1e3:.2f} ms."
        )
    grouped = contenders[2].timer
    per_commit = 0.0
    if grouped is not None and grouped.runs and grouped.counts.get("write"):
        per_commit = steps * grouped.runs / grouped.counts["write"]
    if grouped is not None and grouped.server_phases and grouped.write_rtts:
        lines.append(server_breakdown(grouped))
    lines += [
        f"- A bare `GET /health` to the same server: {health * 1e3:.2f} ms (median of 50).",
        "",
        "Where the time goes: LangGraph (durability `async`) runs a graph's nodes without "
        "waiting for their saves, but starts each checkpoint's `put` only after the previous "
        "one returned, so a thread's saves form a chain, and each waiting save holds one of "
        "LangGraph's worker threads (six on this machine). With group commit, records of "
        "calls pending together share one commit, and calls *ride*: a `put_writes` (and a "
        "`put` whose checkpoint's writes, or a later checkpoint's, are already queued) "
        "returns at once when another `put_writes` of the thread is still waiting, and that "
        "call returns only once every record it carries is acknowledged (docs/langgraph.md, "
        "Group commit). So one save per thread waits instead of one per call: "
        f"one `/write` carried the records of {per_commit:.1f} super-steps on average here. "
        "What is left per step is mostly client CPU (LangGraph's own, the InMemorySaver row; "
        "building and hashing the records; the SDK and httpx per commit; threads handing "
        "work over) and the round trips at the start (the new thread's first read, the input "
        "checkpoint) and at the end of each run. LangGraph waits for every save it started "
        "before `invoke` returns, so every checkpoint and write is stored (SQLite WAL, "
        '`synchronous=FULL`) by then; with `durability="sync"` no `put` rides, and a failed '
        "task's writes never ride. The server ran with `--server-timing` (its header costs a "
        "few microseconds per request). Figures on this shared 2-core box vary with load; "
        "compare ratios within one run.",
        "",
    ]
    return "\n".join(lines)


def server_breakdown(timer: WriteTimer) -> str:
    """One line: where a ``/write`` round trip's time went, from the server's Server-Timing."""
    calls = timer.server_phases
    app, handoff, work = (timer.phase(n) for n in ("app", "handoff", "work"))
    db, commit = timer.phase("db"), timer.phase("commit")
    rest = statistics.median(p["app"] - p.get("handoff", 0.0) - p.get("work", 0.0) for p in calls)
    outside = statistics.median(timer.write_rtts) * 1e3 - app
    return (
        f"- Inside the server (medians of its `Server-Timing` over {len(calls)} `/write` calls "
        f"of the group-commit saver): {app:.2f} ms in the app: worker hand-off {handoff:.2f}, "
        f"service code {work:.2f} (its SQL statements {db:.2f}, the transaction's "
        f"`BEGIN`/`COMMIT` with its fdatasync {commit:.2f}), routing, parsing and the "
        f"response {rest:.2f}. About {outside:.2f} ms of the round trip is outside the app "
        "(SDK, httpx, the loopback socket, uvicorn's HTTP parsing)."
    )


def report_working(
    args: argparse.Namespace, contenders: list[Contender], rounds: list[dict[str, float]]
) -> str:
    memory, sqlite = contenders[0].name, contenders[1].name
    lines = [
        "",
        f"**With {args.work_ms:g} ms of work in each node** (`time.sleep`, a stand-in for a "
        f"model or tool call), {len(rounds)} rounds in the same run, same method. With the "
        "default durability (`async`) a checkpoint's commit runs while the next step works, "
        "so the saver's cost shows only where the commit takes longer than the step:",
        "",
        "| saver | per super-step p50 | over InMemorySaver (paired) | vs SqliteSaver (paired) |",
        "|---|---:|---:|---:|",
    ]
    for c in contenders:
        over = statistics.median(r[c.name] - r[memory] for r in rounds) * 1e3
        over = 0.0 if abs(over) < 0.005 else over  # no "-0.00"
        ratios = [r[c.name] / r[sqlite] for r in rounds]
        lines.append(
            f"| {c.name} | {statistics.median(c.samples) * 1e3:.2f} ms "
            f"| {over:+.2f} ms | {statistics.median(ratios):.2f}x |"
        )
    return "\n".join(lines) + "\n"


def report_async(samples: dict[str, list[float]], rounds: list[dict[str, float]]) -> str:
    names = list(samples)
    sqlite = names[1]
    lines = [
        "",
        f"**With `ainvoke`** (no work in the nodes), {len(rounds)} rounds in the same run, same "
        "method; the savers' async implementations (AionisSaver on an `AsyncAionisClient`, "
        "LangGraph's `AsyncSqliteSaver` on aiosqlite):",
        "",
        "| saver | per super-step p50 | vs AsyncSqliteSaver (paired) |",
        "|---|---:|---:|",
    ]
    for name in names:
        ratios = [r[name] / r[sqlite] for r in rounds]
        lines.append(
            f"| {name} | {statistics.median(samples[name]) * 1e3:.2f} ms "
            f"| {statistics.median(ratios):.2f}x |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
