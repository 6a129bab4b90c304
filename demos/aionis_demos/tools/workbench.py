"""Simulated tools: deterministic, scriptable to fail, and never touching the real filesystem.

A :class:`Workbench` knows the task being worked on. Each tool call is recorded; it fails when
the task scripts a failure for that tool, or when the tool belongs to another ecosystem than
the repository (``jest`` in a Python repo finds no ``package.json``). Otherwise it "succeeds"
with a short result string, right tool or not, as a real command would.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from langchain_core.tools import BaseTool, StructuredTool

from .catalog import Task, ToolSpec

__all__ = ["Execution", "SimulatedToolError", "Workbench"]


class SimulatedToolError(RuntimeError):
    """A scripted tool failure; the guarded tool node turns it into an error ToolMessage."""


@dataclass(frozen=True)
class Execution:
    task_id: str
    tool: str
    ok: bool
    output: str


@dataclass
class Workbench:
    specs: Sequence[ToolSpec]
    current: Task | None = None
    log: list[Execution] = field(default_factory=list)

    def execute(self, spec: ToolSpec, request: str) -> str:
        task = self.current
        if task is None:
            raise SimulatedToolError("no task is active on the workbench")
        lang = task.repo.get("lang")
        if spec.name in task.fails:
            error = f"{spec.name} failed: {task.fails[spec.name]}"
        elif spec.ecosystem not in ("any", lang):
            error = f"{spec.name} failed: this is a {lang} repository, not {spec.ecosystem}"
        else:
            error = ""
        output = error or f"{spec.name} ok in {task.repo_name}: {request or task.text}"
        self.log.append(Execution(task.id, spec.name, not error, output))
        if error:
            raise SimulatedToolError(error)
        return output

    def tools(self) -> list[BaseTool]:
        """One LangChain tool per spec, each bound to this workbench."""
        return [self._tool(spec) for spec in self.specs]

    def _tool(self, spec: ToolSpec) -> BaseTool:
        def run(request: str = "") -> str:
            return self.execute(spec, request)

        return StructuredTool.from_function(run, name=spec.name, description=spec.description)
