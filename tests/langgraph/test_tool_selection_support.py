"""Shared pieces of the tool-selection tests: tools that count their runs, a scripted chat
model that tries to call whatever its script says (denied tools included), and the graph.

No tests here; the ``test_tool_selection_*`` modules import it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool, StructuredTool
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from pydantic import PrivateAttr

from aionis_langgraph.tool_selection import (
    ToolSelectionState,
    create_agent_node,
    create_guarded_tool_node,
    create_tool_feedback_node,
)

DESCRIPTIONS = {
    "rm": "Delete files and directories from the disk permanently",
    "ls": "List the files in a directory",
    "cat": "Print the contents of a file",
    "grep": "Search text in files for lines matching a regular expression pattern",
    "rg": "ripgrep: recursively search source code files for a regex pattern, fast",
    "git_status": "Show the working tree status of the git repository and branch",
    "http_get": "Fetch a web page or JSON document over HTTP from a URL",
    "send_email": "Send an email message to a recipient address",
    "sql_query": "Run a SQL query against the analytics database and return rows",
    "python": "Execute a snippet of Python code and return its output",
}


def make_tools(runs: Counter[str], failing: Sequence[str] = ()) -> list[BaseTool]:
    """One tool per description; each run is counted in ``runs``; ``failing`` tools raise."""

    def factory(name: str) -> BaseTool:
        def run(arg: str = "") -> str:
            runs[name] += 1
            if name in failing:
                raise RuntimeError(f"{name} crashed on {arg!r}")
            return f"{name} ok: {arg}"

        return StructuredTool.from_function(run, name=name, description=DESCRIPTIONS[name])

    return [factory(name) for name in DESCRIPTIONS]


def call(name: str, call_id: str, arg: str = "x") -> dict[str, Any]:
    return {"name": name, "args": {"arg": arg}, "id": call_id, "type": "tool_call"}


class ScriptedChatModel(BaseChatModel):
    """Answers with the next scripted AIMessage, whatever tools it is bound to.

    It records the tool names of every ``bind_tools`` call in ``bound`` so tests can check that
    the model was only ever offered the allowed tools.
    """

    script: list[AIMessage]
    _step: int = PrivateAttr(default=0)
    _bound: list[list[str]] = PrivateAttr(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    @property
    def bound(self) -> list[list[str]]:
        return self._bound

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> Runnable[Any, BaseMessage]:
        self._bound.append([t.name for t in tools])
        return self

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        message = self.script[min(self._step, len(self.script) - 1)]
        self._step += 1
        return ChatResult(generations=[ChatGeneration(message=message)])


def build_graph(
    selector: Runnable[Any, Any],
    model: BaseChatModel,
    tools: Sequence[BaseTool],
    feedback: Runnable[Any, Any] | None,
    **compile_kw: Any,
) -> CompiledStateGraph[Any, Any, Any, Any]:
    """select_tools → agent → tools (guarded) → [feedback] → END (one tool round)."""
    graph = StateGraph(ToolSelectionState)
    graph.add_node("select_tools", selector)
    graph.add_node("agent", create_agent_node(model, tools))
    graph.add_node("tools", create_guarded_tool_node(tools))
    graph.add_edge(START, "select_tools")
    graph.add_edge("select_tools", "agent")
    graph.add_edge("agent", "tools")
    if feedback is not None:
        graph.add_node("tool_feedback", feedback)
        graph.add_edge("tools", "tool_feedback")
        graph.add_edge("tool_feedback", END)
    else:
        graph.add_edge("tools", END)
    return graph.compile(**compile_kw)


__all__ = [
    "DESCRIPTIONS",
    "ScriptedChatModel",
    "build_graph",
    "call",
    "create_tool_feedback_node",
    "make_tools",
]
