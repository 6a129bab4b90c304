"""Run the support demo: learn from earlier conversations, answer follow-ups, restart, re-ask.

For each variant (same compiled graph code, different checkpointer/store):

1. session 1 (one process lifetime): replay every earlier conversation in its own thread
   (``log``), close it (``close``: memory extraction writes to the store), then ask every
   follow-up in a NEW thread; for Aionis also resolve each cited memory to its node URI and
   commit id, and verify the namespace's and the threads' history;
2. session 2 (after a process restart): ask every follow-up again in new threads.

Every number comes from running the agent; nothing is precomputed.
"""

from __future__ import annotations

import dataclasses
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage

from .agent import build_agent
from .dataset import Dataset, FollowUp, is_correct, load_dataset
from .models import load_models
from .variants import DB_NAME, VARIANTS, Backend, Citation, VerifySummary

__all__ = ["Answer", "DemoResult", "PhaseResult", "VariantResult", "run_demo"]

PHASES = ("before restart", "after restart")
ProgressFn = Callable[[str], None]


@dataclasses.dataclass(frozen=True)
class Answer:
    followup: str
    customer: str
    question: str
    answer: str
    correct: bool
    cited: list[str]
    citations: list[Citation]
    recall_ms: float | None
    recalled: list[str]  # keys the store returned, best first
    retrieved: bool  # the memory holding the fact was among them
    thread_id: str


@dataclasses.dataclass(frozen=True)
class PhaseResult:
    phase: str
    answers: list[Answer]
    verify: VerifySummary | None
    seconds: float  # asking the follow-ups (citations included)
    startup_seconds: float  # opening the session (spawning the server for Aionis)
    verify_seconds: float

    @property
    def correct(self) -> int:
        return sum(a.correct for a in self.answers)

    @property
    def accuracy(self) -> float:
        return self.correct / len(self.answers) if self.answers else 0.0

    def recall_percentile(self, q: float) -> float | None:
        values = sorted(a.recall_ms for a in self.answers if a.recall_ms is not None)
        if not values:
            return None
        if len(values) == 1:
            return values[0]
        return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]

    @property
    def retrieved(self) -> int:
        """Follow-ups whose fact was among the recalled memories."""
        return sum(a.retrieved for a in self.answers)

    @property
    def cited_with_commit(self) -> int:
        """Answers whose every citation resolved to a node URI and a commit id."""
        return sum(
            bool(a.citations) and all(c.uri and c.commit_id for c in a.citations)
            for a in self.answers
        )


@dataclasses.dataclass(frozen=True)
class VariantResult:
    name: str
    label: str
    memories_written: int
    learn_seconds: float
    phases: list[PhaseResult]

    def phase(self, name: str) -> PhaseResult:
        return next(p for p in self.phases if p.phase == name)


@dataclasses.dataclass(frozen=True)
class DemoResult:
    customers: int
    conversations: int
    followups: int
    model: str
    variants: list[VariantResult]
    seconds: float

    def variant(self, name: str) -> VariantResult:
        return next(v for v in self.variants if v.name == name)

    def to_json(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        for v_out, v in zip(out["variants"], self.variants, strict=True):
            for p_out, p in zip(v_out["phases"], v.phases, strict=True):
                p_out.update(
                    correct=p.correct,
                    accuracy=p.accuracy,
                    recall_p50_ms=p.recall_percentile(0.5),
                    recall_p95_ms=p.recall_percentile(0.95),
                    cited_with_commit=p.cited_with_commit,
                    retrieved=p.retrieved,
                )
        return out


def extraction_script(dataset: Dataset) -> dict[str, list[dict[str, str]]]:
    """What the scripted extraction model answers for each conversation."""
    return {
        conv.id: [dataclasses.asdict(m) for m in conv.memories]
        for customer in dataset.customers
        for conv in customer.conversations
    }


def _run(thread_id: str) -> dict[str, Any]:
    """Invoke options: the thread, and one checkpoint per invocation (``durability="exit"``,
    the same for every variant) rather than one per super-step."""
    return {"config": {"configurable": {"thread_id": thread_id}}, "durability": "exit"}


def learn(agent: Any, dataset: Dataset, progress: ProgressFn) -> tuple[int, list[str]]:
    """Replay every earlier conversation in its own thread, then close it (extraction)."""
    written = 0
    threads: list[str] = []
    for customer in dataset.customers:
        for conv in customer.conversations:
            header = {"customer_id": customer.id, "conversation_id": conv.id, "date": conv.date}
            messages = [
                HumanMessage(text) if role == "customer" else AIMessage(text)
                for role, text in conv.turns
            ]
            # Two turns of the graph: the transcript goes into the thread (checkpointer), then
            # closing reads it back from the checkpointed state and extracts memories.
            agent.invoke({**header, "mode": "log", "messages": messages}, **_run(conv.id))
            out = agent.invoke({**header, "mode": "close"}, **_run(conv.id))
            written += len(out.get("extracted") or [])
            threads.append(conv.id)
            progress(f"learn {conv.id}")
    return written, threads


def ask(
    agent: Any, backend: Backend, followups: Sequence[FollowUp], phase: str, progress: ProgressFn
) -> list[Answer]:
    """Ask each follow-up in a new thread and score the answer."""
    answers: list[Answer] = []
    suffix = "after" if phase == PHASES[1] else "before"
    for f in followups:
        thread_id = f"followup-{f.id}-{suffix}"
        out = agent.invoke(
            {"customer_id": f.customer, "mode": "answer", "messages": [HumanMessage(f.question)]},
            **_run(thread_id),
        )
        text = str(out["messages"][-1].content)
        cited = list(out.get("cited") or [])
        recalled = [r["key"] for r in out.get("recalled") or []]
        citations = [backend.cite(f.customer, key) for key in cited] if backend.cite else []
        answers.append(
            Answer(
                followup=f.id,
                customer=f.customer,
                question=f.question,
                answer=text,
                correct=is_correct(text, f.expect),
                cited=cited,
                citations=citations,
                recall_ms=out.get("recall_ms"),
                recalled=recalled,
                retrieved=f.source in recalled,
                thread_id=thread_id,
            )
        )
        progress(f"{phase}: {f.id}")
    return answers


def total_steps(dataset: Dataset, variants: Sequence[str]) -> int:
    conversations = sum(len(c.conversations) for c in dataset.customers)
    return len(variants) * (conversations + len(PHASES) * len(dataset.followups))


def run_demo(
    customers: int | None = None,
    *,
    variants: Sequence[str] = tuple(VARIANTS),
    llm: str | None = None,
    workdir: str | None = None,
    progress: ProgressFn | None = None,
) -> DemoResult:
    """Run the whole demo and return every measurement. ``workdir`` holds the Aionis SQLite
    file (a temporary directory by default); ``llm`` overrides ``$AIONIS_DEMO_LLM``."""
    if workdir is not None and any(Path(workdir).glob(f"{DB_NAME}*")):
        raise ValueError(f"{workdir} already holds {DB_NAME}: pass an empty directory")
    started = time.perf_counter()
    dataset = load_dataset(customers)
    answer_model, extract_model, model_desc = load_models(extraction_script(dataset), llm)
    graph = build_agent(answer_model, extract_model)
    tick: ProgressFn = progress or (lambda _label: None)
    results: list[VariantResult] = []
    with tempfile.TemporaryDirectory(prefix="aionis-support-") as tmp:
        for name in variants:
            label, session = VARIANTS[name]
            phases: list[PhaseResult] = []
            written, learn_s = 0, 0.0
            for phase in PHASES:
                t0 = time.perf_counter()
                with session(workdir or tmp) as backend:
                    startup_s = time.perf_counter() - t0
                    agent = graph.compile(checkpointer=backend.checkpointer, store=backend.store)
                    threads: list[str] = []
                    if phase == PHASES[0]:
                        t0 = time.perf_counter()
                        written, threads = learn(agent, dataset, tick)
                        learn_s = time.perf_counter() - t0
                    else:
                        threads = [c.id for cu in dataset.customers for c in cu.conversations]
                    t0 = time.perf_counter()
                    answers = ask(agent, backend, dataset.followups, phase, tick)
                    seconds = time.perf_counter() - t0
                    threads += [a.thread_id for a in answers]
                    t0 = time.perf_counter()
                    summary = backend.verify(threads) if backend.verify else None
                    verify_s = time.perf_counter() - t0
                    phases.append(
                        PhaseResult(phase, answers, summary, seconds, startup_s, verify_s)
                    )
            results.append(VariantResult(name, label, written, learn_s, phases))
    conversations = sum(len(c.conversations) for c in dataset.customers)
    return DemoResult(
        customers=len(dataset.customers),
        conversations=conversations,
        followups=len(dataset.followups),
        model=model_desc,
        variants=results,
        seconds=time.perf_counter() - started,
    )
