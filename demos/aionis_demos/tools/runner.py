"""Run every strategy over every task for N rounds and measure what the agent did.

Measured per decision: the tool the model called, whether it is one of the task's correct
tools, whether it ran and succeeded, and whether a *dangerous* tool (rm, rm -rf, force-push,
hard reset, git clean, curl | sh) actually executed where it was not the right tool: a
violation. For the Aionis strategies also: the rules that fired, the denied tools, the
preferred order. Nothing is precomputed: every number comes from running the graphs.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.runnables import RunnableConfig

from aionis_langgraph.tool_selection import Rule, promote, write_rule
from aionis_sdk import AionisClient
from aionis_server import serve_in_thread

from .catalog import RuleSpec, Task, ToolSpec, load_rules, load_tasks, load_tools
from .policy import KeywordPolicyModel
from .strategies import STRATEGIES, Graph, Strategy, build_graph
from .workbench import Workbench

__all__ = ["Decision", "DemoResult", "RoundStats", "install_rules", "run_demo"]

Progress = Callable[[Strategy, int, int], None]


@dataclass(frozen=True)
class Decision:
    strategy: Strategy
    round: int
    task_id: str
    chosen: str | None
    correct: bool
    outcome: str  # "ok", "failed", "blocked" or "no_call"
    violation: bool
    offered: int
    ranking: list[str]
    preferred: list[str]
    denied: list[str]
    rules_fired: list[str]


@dataclass(frozen=True)
class RoundStats:
    strategy: Strategy
    round: int
    tasks: int
    correct: int
    violations: int
    failures: int
    blocked: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.tasks if self.tasks else 0.0


@dataclass
class DemoResult:
    rounds: int
    tasks: int
    tools: int
    rules: int
    k: int
    seconds: float = 0.0
    decisions: list[Decision] = field(default_factory=list)
    rule_evidence: dict[str, dict[str, Any]] = field(default_factory=dict)

    def stats(self) -> list[RoundStats]:
        out = []
        for strategy in STRATEGIES:
            for rnd in range(1, self.rounds + 1):
                ds = [d for d in self.decisions if d.strategy == strategy and d.round == rnd]
                if not ds:
                    continue
                out.append(
                    RoundStats(
                        strategy=strategy,
                        round=rnd,
                        tasks=len(ds),
                        correct=sum(d.correct for d in ds),
                        violations=sum(d.violation for d in ds),
                        failures=sum(d.outcome == "failed" for d in ds),
                        blocked=sum(d.outcome == "blocked" for d in ds),
                    )
                )
        return out

    def stat(self, strategy: Strategy, rnd: int) -> RoundStats:
        return next(s for s in self.stats() if s.strategy == strategy and s.round == rnd)

    def ranking_changes(self, strategy: Strategy = "rules_feedback") -> list[dict[str, Any]]:
        """Tasks whose preferred order differs between round 1 and the last round."""
        first = {d.task_id: d for d in self.decisions if d.strategy == strategy and d.round == 1}
        last = {
            d.task_id: d
            for d in self.decisions
            if d.strategy == strategy and d.round == self.rounds
        }
        return [
            {
                "task_id": tid,
                "before": first[tid].preferred,
                "after": last[tid].preferred,
                "chosen_before": first[tid].chosen,
                "chosen_after": last[tid].chosen,
            }
            for tid in first
            if tid in last and first[tid].preferred != last[tid].preferred
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            "rounds": self.rounds,
            "tasks": self.tasks,
            "tools": self.tools,
            "rules": self.rules,
            "k": self.k,
            "seconds": round(self.seconds, 3),
            "stats": [{**asdict(s), "accuracy": round(s.accuracy, 4)} for s in self.stats()],
            "ranking_changes": self.ranking_changes(),
            "rule_evidence": self.rule_evidence,
            "decisions": [asdict(d) for d in self.decisions],
        }


def install_rules(client: AionisClient, rules: Sequence[RuleSpec]) -> dict[str, str]:
    """Write every rule with the rule helpers and promote it to active; ``{node_id: rule id}``."""
    ids: dict[str, str] = {}
    for spec in rules:
        rule = Rule(
            summary=spec.summary,
            if_=spec.if_,
            then=spec.then,
            priority=spec.priority,
            weight=spec.weight,
            title=spec.id,
        )
        node_id = write_rule(client, rule)
        promote(client, node_id)
        ids[node_id] = spec.id
    return ids


@contextmanager
def _server(base_url: str | None) -> Iterator[str]:
    if base_url:
        yield base_url
    else:
        with serve_in_thread() as url:
            yield url


def _decide(
    strategy: Strategy,
    rnd: int,
    task: Task,
    graph: Graph,
    bench: Workbench,
    specs: dict[str, ToolSpec],
    rule_names: dict[str, str],
) -> tuple[Decision, dict[str, Any]]:
    bench.current = task
    start = len(bench.log)
    config: RunnableConfig = {"configurable": {"thread_id": f"{strategy}-r{rnd}-{task.id}"}}
    state: dict[str, Any] = {"messages": [HumanMessage(task.text)], "task_context": task.context()}
    out = graph.invoke(state, config)
    runs = bench.log[start:]
    ai = next(m for m in reversed(out["messages"]) if isinstance(m, AIMessage))
    chosen = ai.tool_calls[0]["name"] if ai.tool_calls else None
    blocked = any(
        isinstance(m, ToolMessage) and m.additional_kwargs.get("aionis_guard") == "blocked"
        for m in out["messages"]
    )
    if runs:
        outcome = "ok" if all(r.ok for r in runs) else "failed"
    else:
        outcome = "blocked" if blocked else "no_call"
    explanation: dict[str, Any] = dict(out.get("tool_selection_explanation") or {})
    matched = explanation.get("matched_rules", [])
    decision = Decision(
        strategy=strategy,
        round=rnd,
        task_id=task.id,
        chosen=chosen,
        correct=chosen in task.correct and any(r.tool == chosen for r in runs),
        outcome=outcome,
        violation=any(specs[r.tool].dangerous and r.tool not in task.correct for r in runs),
        offered=len(out.get("allowed_tools") or []),
        ranking=list(out.get("allowed_tools") or [])[:5],
        preferred=[p["name"] for p in explanation.get("preferred", [])],
        denied=[d["name"] for d in explanation.get("denied", [])],
        rules_fired=[rule_names.get(m["rule_node_id"], m["rule_node_id"]) for m in matched],
    )
    return decision, explanation


def run_demo(
    rounds: int = 3,
    *,
    tasks: Sequence[Task] | None = None,
    strategies: Sequence[Strategy] = STRATEGIES,
    base_url: str | None = None,
    k: int = 5,
    progress: Progress | None = None,
) -> DemoResult:
    """Run the demo; ``base_url=None`` starts an embedded reference server for the run.

    Each Aionis strategy gets a fresh scope with the whole rule book installed, so evidence
    gathered by ``rules_feedback`` never leaks into ``rules``.
    """
    task_list = list(tasks if tasks is not None else load_tasks())
    specs = load_tools()
    by_name = {s.name: s for s in specs}
    rules = load_rules()
    result = DemoResult(
        rounds=rounds, tasks=len(task_list), tools=len(specs), rules=len(rules), k=k
    )
    keywords = {s.name: s.keywords for s in specs}
    started = time.perf_counter()
    run_tag = uuid.uuid4().hex[:8]
    bench = Workbench(specs)
    tools = bench.tools()
    with _server(base_url) as url, ExitStack() as stack:
        for strategy in strategies:
            model = KeywordPolicyModel(keywords=keywords)
            client: AionisClient | None = None
            rule_names: dict[str, str] = {}
            if strategy in ("rules", "rules_feedback"):
                scope = f"demo-tools-{strategy}-{run_tag}"
                client = stack.enter_context(AionisClient(base_url=url, scope=scope))
                rule_names = install_rules(client, rules)
            graph = build_graph(strategy, model, tools, client=client, k=k)
            for rnd in range(1, rounds + 1):
                for index, task in enumerate(task_list):
                    decision, explanation = _decide(
                        strategy, rnd, task, graph, bench, by_name, rule_names
                    )
                    result.decisions.append(decision)
                    if strategy == "rules_feedback":
                        _track_evidence(result, rnd, explanation, rule_names)
                    if progress is not None:
                        progress(strategy, rnd, index)
    result.seconds = time.perf_counter() - started
    return result


def _track_evidence(
    result: DemoResult, rnd: int, explanation: dict[str, Any], rule_names: dict[str, str]
) -> None:
    """The latest evidence and score seen for each fired rule (as of its last selection)."""
    for match in explanation.get("matched_rules", []):
        name = rule_names.get(match["rule_node_id"], match["rule_node_id"])
        entry = result.rule_evidence.setdefault(name, {"first_score": match["score"]})
        entry.update(round=rnd, evidence=match["evidence"], score=match["score"])
