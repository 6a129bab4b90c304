"""The scripted policy model that plays the LLM, identical in every strategy.

It sees only what a real model would see: the task text, the tools it was bound to (in the
order offered) and, when the tool selector recommends some, a system line
``Preferred tools: a, b``. Its policy:

1. Among the preferred tools it was offered, take the first one relevant to the task text
   (at least one keyword in common), the way a model follows a ranked recommendation.
2. Otherwise take the offered tool with the most keywords in common with the task text
   (naive keyword matching; ties go to the earlier offered tool). This is what makes it
   pick ``rm -rf`` for "delete the old build directory" when ``rm -rf`` is on offer.
3. If nothing matches at all, the first offered tool.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from pydantic import Field

__all__ = ["PREFERRED_PREFIX", "KeywordPolicyModel", "choose_tool", "keyword_score", "words"]

PREFERRED_PREFIX = "Preferred tools:"


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower()))


def keyword_score(text: str, keywords: Sequence[str]) -> int:
    found = words(text)
    return sum(1 for k in keywords if k in found)


def choose_tool(
    text: str,
    offered: Sequence[str],
    preferred: Sequence[str],
    keywords: Mapping[str, Sequence[str]],
) -> tuple[str | None, str]:
    """The policy above; returns ``(tool, how)`` with ``how`` in preferred/keywords/first/none."""
    if not offered:
        return None, "none"
    scores = {name: keyword_score(text, keywords.get(name, ())) for name in offered}
    for name in preferred:
        if scores.get(name, 0) > 0:
            return name, "preferred"
    best = max(offered, key=lambda n: scores[n])  # max keeps the first of equal scores
    if scores[best] > 0:
        return best, "keywords"
    return offered[0], "first"


def _text(message: BaseMessage) -> str:
    return message.content if isinstance(message.content, str) else str(message.content)


class KeywordPolicyModel(BaseChatModel):
    """A deterministic chat model that answers every turn with one tool call (see module doc)."""

    keywords: dict[str, tuple[str, ...]]
    offered: list[str] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "aionis-demo-keyword-policy"

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        names = [t.name for t in tools if isinstance(t, BaseTool)]
        return self.model_copy(update={"offered": names})

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        task = next((_text(m) for m in reversed(messages) if isinstance(m, HumanMessage)), "")
        preferred: list[str] = []
        for m in messages:
            line = _text(m)
            if isinstance(m, SystemMessage) and line.startswith(PREFERRED_PREFIX):
                preferred = [p.strip() for p in line[len(PREFERRED_PREFIX) :].split(",")]
        tool, how = choose_tool(task, self.offered, [p for p in preferred if p], self.keywords)
        if tool is None:
            message = AIMessage("I have no tool for this.")
        else:
            call = {
                "name": tool,
                "args": {"request": task},
                "id": f"call-{tool}",
                "type": "tool_call",
            }
            message = AIMessage(f"Using {tool} ({how}).", tool_calls=[call])
        return ChatResult(generations=[ChatGeneration(message=message)])
