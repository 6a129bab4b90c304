"""The demo's data: the coding agent's tool belt, the scripted tasks and the rule book.

All three live as JSON in ``aionis_demos/data/tools/``. Nothing here touches a filesystem
beyond reading those files: the tools are simulated (see :mod:`.workbench`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

__all__ = [
    "RuleSpec",
    "Task",
    "ToolSpec",
    "load_rules",
    "load_tasks",
    "load_tools",
]


@dataclass(frozen=True)
class ToolSpec:
    """One tool of the belt. ``keywords`` drive the scripted model's naive matching."""

    name: str
    description: str
    category: str
    ecosystem: str
    dangerous: bool
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class Task:
    """A scripted task: where it happens, what it asks, and which tool(s) would be right.

    ``fails`` maps tools that are scripted to fail in this task to the error they report.
    """

    id: str
    repo_name: str
    repo: dict[str, Any]
    kind: str
    text: str
    correct: tuple[str, ...]
    fails: dict[str, str] = field(default_factory=dict)

    def context(self) -> dict[str, Any]:
        """The context sent to Aionis rules: repo facts plus the task's kind and text."""
        return {
            "repo": {"name": self.repo_name, **self.repo},
            "task": {"kind": self.kind, "text": self.text},
        }


@dataclass(frozen=True)
class RuleSpec:
    """One rule of the rule book, in the shape of :class:`aionis_langgraph...Rule` plus an id."""

    id: str
    summary: str
    if_: dict[str, Any]
    then: dict[str, Any]
    priority: int
    weight: float


def _load(name: str) -> Any:
    source = resources.files("aionis_demos") / "data" / "tools" / name
    return json.loads(source.read_text(encoding="utf-8"))


@cache
def load_tools() -> tuple[ToolSpec, ...]:
    return tuple(
        ToolSpec(
            name=t["name"],
            description=t["description"],
            category=t["category"],
            ecosystem=t["ecosystem"],
            dangerous=bool(t["dangerous"]),
            keywords=tuple(t["keywords"]),
        )
        for t in _load("tools.json")
    )


@cache
def load_tasks() -> tuple[Task, ...]:
    data = _load("tasks.json")
    repos: dict[str, dict[str, Any]] = data["repos"]
    return tuple(
        Task(
            id=t["id"],
            repo_name=t["repo"],
            repo=dict(repos[t["repo"]]),
            kind=t["kind"],
            text=t["text"],
            correct=tuple(t["correct"]),
            fails=dict(t.get("fails", {})),
        )
        for t in data["tasks"]
    )


@cache
def load_rules() -> tuple[RuleSpec, ...]:
    return tuple(
        RuleSpec(
            id=r["id"],
            summary=r["summary"],
            if_=r["if"],
            then=r["then"],
            priority=int(r["priority"]),
            weight=float(r["weight"]),
        )
        for r in _load("rules.json")
    )
