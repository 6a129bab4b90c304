"""Demo B: rule-driven tool selection for a coding agent (``aionis demo tools``).

Four strategies offer a 45-tool belt to the same scripted policy model over the scripted
tasks: all tools, semantic retrieval, Aionis rules, and Aionis rules with outcome feedback.
:func:`run_demo` runs them and measures accuracy and dangerous-tool violations per round.
"""

from .catalog import RuleSpec, Task, ToolSpec, load_rules, load_tasks, load_tools
from .runner import Decision, DemoResult, RoundStats, install_rules, run_demo
from .strategies import STRATEGIES, STRATEGY_LABELS, Strategy

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
