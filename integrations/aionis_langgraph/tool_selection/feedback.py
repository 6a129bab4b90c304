"""``create_tool_feedback_node``: report each tool outcome to ``tools/feedback``.

Place it after the tool node. For every ``ToolMessage`` answering the latest AI message it
sends one ``tools/feedback`` with what the selector sent to ``tools/select`` (candidates,
context, run_id, from ``state["tool_decision"]``), ``selected_tool`` = the tool that ran,
``outcome`` (``status == "error"`` → negative, else positive; override with ``outcome_fn``)
and an ``input_text`` describing the outcome. Aionis attributes it to the active rules that
touch ``tool.*`` and increments their evidence counters, which moves later rankings.

Decision linking: when the tool that ran is the decision's ``selected_tool``, the call names the
``decision_id`` (``decision_link_mode="provided"``). The server requires a linked decision to
agree on the selected tool, so a call to another allowed tool is sent without it and the
server infers or creates a decision (``inferred`` / ``created_from_feedback``).

``tools/feedback`` is not idempotent. Reports are keyed ``"<decision_id>:<tool_call_id>"``:
keys already in ``state["tool_feedback"]`` are skipped (re-runs from a checkpoint), and the
node remembers the keys it sent in this process (a node retry after a partial failure does
not send them again). Blocked calls (the guard's error messages) never ran and are not reported.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any, Literal

from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.runnables import RunnableConfig, RunnableLambda

from aionis_sdk import AionisClient, AsyncAionisClient

from ._drive import Plan, arun, run
from ._state import ToolFeedbackRecord
from .guard import GUARD_MARK
from .selector import message_text

__all__ = ["create_tool_feedback_node", "default_outcome"]

Outcome = Literal["positive", "negative", "neutral"]
_MEMO_SIZE = 10_000


def default_outcome(message: ToolMessage) -> Outcome:
    """``negative`` for an error tool message (including a caught exception), else positive."""
    return "negative" if message.status == "error" else "positive"


def _pending(state: Mapping[str, Any], key: str) -> list[ToolMessage]:
    messages = list(state.get(key) or [])
    last_ai = max((i for i, m in enumerate(messages) if isinstance(m, AIMessage)), default=-1)
    return [
        m
        for m in messages[last_ai + 1 :]
        if isinstance(m, ToolMessage) and m.additional_kwargs.get(GUARD_MARK) != "blocked"
    ]


class _Reporter:
    def __init__(
        self,
        outcome_fn: Callable[[ToolMessage], Outcome],
        target: str,
        include_shadow: bool,
        messages_key: str,
    ) -> None:
        self.outcome_fn = outcome_fn
        self.target = target
        self.include_shadow = include_shadow
        self.messages_key = messages_key
        self.sent: OrderedDict[str, ToolFeedbackRecord] = OrderedDict()

    def plan(self, state: Mapping[str, Any]) -> Plan[dict[str, Any]]:
        decision = state.get("tool_decision")
        if not decision:
            return {}
        done = {r["key"] for r in state.get("tool_feedback") or []}
        records: list[ToolFeedbackRecord] = []
        for message in _pending(state, self.messages_key):
            name = message.name or ""
            key = f"{decision['decision_id'] or 'no-decision'}:{message.tool_call_id}"
            if key in done or name not in decision["candidates"]:
                continue
            if key in self.sent:
                records.append(self.sent[key])
                continue
            response = yield ("tools.feedback", self._params(decision, message, name))
            record = ToolFeedbackRecord(
                key=key,
                tool_call_id=message.tool_call_id,
                tool=name,
                outcome=self.outcome_fn(message),
                decision_id=response.decision_id,
                decision_link_mode=response.decision_link_mode,
                commit_id=response.commit_id,
                rule_node_ids=list(response.rule_node_ids),
            )
            self.sent[key] = record
            while len(self.sent) > _MEMO_SIZE:
                self.sent.popitem(last=False)
            records.append(record)
        return {"tool_feedback": records} if records else {}

    def _params(self, decision: Mapping[str, Any], message: ToolMessage, name: str) -> Any:
        outcome = self.outcome_fn(message)
        verdict = "failed" if outcome == "negative" else "succeeded"
        text = message_text(message)[:500] or "(no output)"
        params: dict[str, Any] = {
            "context": decision["context"],
            "candidates": decision["candidates"],
            "selected_tool": name,
            "outcome": outcome,
            "input_text": f"tool {name} {verdict} (call {message.tool_call_id}): {text}",
            "target": self.target,
            "include_shadow": self.include_shadow,
        }
        if decision.get("run_id"):
            params["run_id"] = decision["run_id"]
        if decision.get("decision_id") and name == decision.get("selected_tool"):
            params["decision_id"] = decision["decision_id"]
        return params


def create_tool_feedback_node(
    client: AionisClient | AsyncAionisClient,
    *,
    async_client: AsyncAionisClient | None = None,
    outcome_fn: Callable[[ToolMessage], Outcome] = default_outcome,
    target: Literal["tool", "all"] = "tool",
    include_shadow: bool = False,
    messages_key: str = "messages",
    name: str = "tool_feedback",
) -> RunnableLambda[Any, dict[str, Any]]:
    """A node (sync and async) that reports the latest tool outcomes; see the module doc."""
    sync_client = client if isinstance(client, AionisClient) else None
    aclient = async_client or (client if isinstance(client, AsyncAionisClient) else None)
    reporter = _Reporter(outcome_fn, target, include_shadow, messages_key)

    def report(state: Mapping[str, Any], config: RunnableConfig) -> dict[str, Any]:
        if sync_client is None:
            raise TypeError("this feedback node has only an async client; use ainvoke/astream")
        return run(sync_client, reporter.plan(state))

    async def areport(state: Mapping[str, Any], config: RunnableConfig) -> dict[str, Any]:
        assert aclient is not None
        return await arun(aclient, reporter.plan(state))

    if aclient is None:
        return RunnableLambda(report, name=name)
    return RunnableLambda(report, afunc=areport, name=name)
