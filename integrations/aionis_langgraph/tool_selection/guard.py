"""Make the deny hold: bind the model to the allowed tools only, and guard execution.

Two independent barriers, so a deny rule cannot be bypassed by the model's own choice:

* :func:`bind_allowed_tools` / :func:`create_agent_node` offer the model only the tools in
  ``state["allowed_tools"]`` (in that order).
* :func:`create_guarded_tool_node` executes a tool call only if its name is in
  ``state["allowed_tools"]``; any other call (a hallucinated, cached or injected call) gets an
  error ``ToolMessage`` and never runs. A state without ``allowed_tools`` allows nothing
  (fail closed). Blocked messages carry ``additional_kwargs["aionis_guard"] == "blocked"``, and
  the feedback node does not report them as tool outcomes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage, SystemMessage, ToolCall, ToolMessage
from langchain_core.runnables import Runnable, RunnableConfig, RunnableLambda
from langchain_core.tools import BaseTool
from langgraph.prebuilt import ToolNode

__all__ = [
    "GUARD_MARK",
    "allowed_subset",
    "bind_allowed_tools",
    "create_agent_node",
    "create_guarded_tool_node",
    "guard_tool_calls",
]

GUARD_MARK = "aionis_guard"


def allowed_subset(tools: Sequence[BaseTool], allowed_tools: Sequence[str]) -> list[BaseTool]:
    """The tools named in ``allowed_tools``, in that order (unknown names are ignored)."""
    by_name = {t.name: t for t in tools}
    return [by_name[n] for n in allowed_tools if n in by_name]


def bind_allowed_tools(
    model: BaseChatModel, tools: Sequence[BaseTool], allowed_tools: Sequence[str], **kwargs: Any
) -> Runnable[LanguageModelInput, BaseMessage]:
    """``model.bind_tools`` with only the allowed tools; the bare model when none is allowed."""
    subset = allowed_subset(tools, allowed_tools)
    if not subset:
        return model
    return model.bind_tools(subset, **kwargs)


def create_agent_node(
    model: BaseChatModel,
    tools: Sequence[BaseTool],
    *,
    system_prompt: str | None = None,
    messages_key: str = "messages",
    name: str = "agent",
    **bind_kwargs: Any,
) -> RunnableLambda[Any, dict[str, Any]]:
    """A model node that binds, per step, only ``state["allowed_tools"]``."""

    def _prepare(state: Mapping[str, Any]) -> tuple[Runnable[Any, BaseMessage], list[Any]]:
        bound = bind_allowed_tools(model, tools, state.get("allowed_tools") or [], **bind_kwargs)
        messages = list(state[messages_key])
        if system_prompt:
            messages = [SystemMessage(system_prompt), *messages]
        return bound, messages

    def agent(state: Mapping[str, Any], config: RunnableConfig) -> dict[str, Any]:
        bound, messages = _prepare(state)
        return {messages_key: [bound.invoke(messages, config)]}

    async def aagent(state: Mapping[str, Any], config: RunnableConfig) -> dict[str, Any]:
        bound, messages = _prepare(state)
        return {messages_key: [await bound.ainvoke(messages, config)]}

    return RunnableLambda(agent, afunc=aagent, name=name)


def _blocked(call: ToolCall, allowed: Sequence[str]) -> ToolMessage:
    listing = ", ".join(allowed) if allowed else "none"
    return ToolMessage(
        content=(
            f"Error: tool {call['name']!r} is not allowed for this step by the Aionis tool "
            f"policy, so it was not executed. Allowed tools: {listing}."
        ),
        name=call["name"],
        tool_call_id=call.get("id") or "",
        status="error",
        additional_kwargs={GUARD_MARK: "blocked"},
    )


def guard_tool_calls(
    state: Mapping[str, Any], *, messages_key: str = "messages"
) -> tuple[AIMessage | None, list[ToolCall], list[ToolMessage]]:
    """Split the latest AI message's tool calls into permitted calls and blocked messages.

    Returns ``(ai_message, permitted_calls, blocked_tool_messages)``; ``ai_message`` is
    ``None`` when the state has no AI message.
    """
    allowed = list(state.get("allowed_tools") or [])
    messages = state.get(messages_key) or []
    ai = next((m for m in reversed(messages) if isinstance(m, AIMessage)), None)
    if ai is None:
        return None, [], []
    permitted = [c for c in ai.tool_calls if c["name"] in allowed]
    blocked = [_blocked(c, allowed) for c in ai.tool_calls if c["name"] not in allowed]
    return ai, permitted, blocked


def _with_calls(
    state: Mapping[str, Any], ai: AIMessage, calls: list[ToolCall], key: str
) -> dict[str, Any]:
    messages = list(state[key])
    index = max(i for i, m in enumerate(messages) if m is ai)
    messages[index] = ai.model_copy(update={"tool_calls": calls})
    return {**state, key: messages}


def _merge(result: Any, blocked: list[ToolMessage], key: str) -> Any:
    if not blocked:
        return result
    if isinstance(result, dict):
        return {**result, key: [*blocked, *result.get(key, [])]}
    return [{key: blocked}, *result]


def create_guarded_tool_node(
    tools: Sequence[BaseTool],
    *,
    handle_tool_errors: bool | str | Callable[..., str] = True,
    messages_key: str = "messages",
    name: str = "tools",
) -> RunnableLambda[Any, Any]:
    """A ``ToolNode`` that runs only tool calls named in ``state["allowed_tools"]``.

    ``handle_tool_errors`` defaults to ``True`` (unlike ``ToolNode``): a tool exception becomes
    an error ``ToolMessage``, which the feedback node reports as a negative outcome.
    """
    inner = ToolNode(list(tools), handle_tool_errors=handle_tool_errors, messages_key=messages_key)

    def _split(state: Mapping[str, Any]) -> tuple[dict[str, Any] | None, list[ToolMessage]]:
        ai, permitted, blocked = guard_tool_calls(state, messages_key=messages_key)
        if ai is None or not permitted:
            return None, blocked
        return _with_calls(state, ai, permitted, messages_key), blocked

    def guarded(state: Mapping[str, Any], config: RunnableConfig) -> Any:
        inner_state, blocked = _split(state)
        if inner_state is None:
            return {messages_key: blocked}
        return _merge(inner.invoke(inner_state, config), blocked, messages_key)

    async def aguarded(state: Mapping[str, Any], config: RunnableConfig) -> Any:
        inner_state, blocked = _split(state)
        if inner_state is None:
            return {messages_key: blocked}
        return _merge(await inner.ainvoke(inner_state, config), blocked, messages_key)

    return RunnableLambda(guarded, afunc=aguarded, name=name)
