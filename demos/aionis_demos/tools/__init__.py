"""Demo B: rule-driven tool selection for a coding agent (``aionis demo tools``).

Four strategies offer a 45-tool belt to the same scripted policy model over the scripted
tasks: all tools, semantic retrieval, Aionis rules, and Aionis rules with outcome feedback.
:func:`run_demo` runs them and measures accuracy and dangerous-tool violations per round.

The names below are imported lazily, so ``aionis_demos.tools.cli`` stays cheap to import
(``aionis --help`` must not load LangGraph or the server).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .catalog import RuleSpec, Task, ToolSpec, load_rules, load_tasks, load_tools
    from .runner import Decision, DemoResult, RoundStats, install_rules, run_demo
    from .strategies import STRATEGIES, STRATEGY_LABELS, Strategy

_EXPORTS = {
    "RuleSpec": "catalog",
    "Task": "catalog",
    "ToolSpec": "catalog",
    "load_rules": "catalog",
    "load_tasks": "catalog",
    "load_tools": "catalog",
    "Decision": "runner",
    "DemoResult": "runner",
    "RoundStats": "runner",
    "install_rules": "runner",
    "run_demo": "runner",
    "STRATEGIES": "strategies",
    "STRATEGY_LABELS": "strategies",
    "Strategy": "strategies",
}

__all__ = [
    "STRATEGIES",
    "STRATEGY_LABELS",
    "Decision",
    "DemoResult",
    "RoundStats",
    "RuleSpec",
    "Strategy",
    "Task",
    "ToolSpec",
    "install_rules",
    "load_rules",
    "load_tasks",
    "load_tools",
    "run_demo",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
