"""The MCP tools: thin, typed wrappers over :class:`aionis_sdk.AsyncAionisClient`.

Every tool validates its arguments from its signature (the MCP SDK publishes the JSON schema
and rejects bad input with an ``isError`` result naming the field), calls one or two SDK
methods, and returns a ``CallToolResult`` whose ``structuredContent`` matches the tool's
output model. SDK errors become ``isError`` results (see :mod:`aionis_mcp.errors`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pydantic
from mcp.server.mcpserver import MCPServer
from mcp.types import CallToolResult, ToolAnnotations
from pydantic import Field

from aionis_sdk import AionisError
from aionis_sdk.types.params import WriteNodeParam

from .backend import Backend
from .errors import error_result, tool_error_result
from .models import (
    DeniedTool,
    FindOutput,
    FoundNode,
    OutcomeOutput,
    RecallOutput,
    RememberOutput,
    RuleHit,
    RulesOutput,
    SelectOutput,
)
from .render import explain_selection, input_error, ok_result, recall_output, render_recall

__all__ = ["register_tools"]

NodeKind = Literal["event", "entity", "topic", "concept", "evidence", "procedure", "self_model"]
Lane = Literal["private", "shared"]
Outcome = Literal["positive", "negative", "neutral"]
Text = Annotated[str, Field(min_length=1, max_length=8000)]
Context = Annotated[
    dict[str, Any] | None,
    Field(description="JSON object describing the situation (intent, task, agent, ...)."),
]

_READ = ToolAnnotations(read_only_hint=True, open_world_hint=False)
_WRITE = ToolAnnotations(read_only_hint=False, destructive_hint=False, open_world_hint=False)
_SDK_ERRORS = (AionisError, pydantic.ValidationError)


def register_tools(server: MCPServer[Any], backend: Backend) -> None:
    """Add the six Aionis tools to ``server``."""

    @server.tool(title="Remember", annotations=_WRITE)
    async def remember(
        text: Annotated[Text, Field(description="What to remember, in plain language.")],
        title: Annotated[str | None, Field(max_length=512, description="Short title.")] = None,
        session_id: Annotated[
            str | None,
            Field(
                min_length=1,
                max_length=128,
                description="Append as an event of this session (created if absent).",
            ),
        ] = None,
        kind: Annotated[NodeKind, Field(description="Node type when not in a session.")] = "event",
        key: Annotated[
            str | None,
            Field(
                min_length=1,
                max_length=256,
                description="Stable client id: the same key and text store nothing new.",
            ),
        ] = None,
        shared: Annotated[
            bool, Field(description="Store in the shared lane (visible to every agent).")
        ] = False,
        metadata: Annotated[
            dict[str, Any] | None, Field(description="JSON object stored in the node's slots.")
        ] = None,
    ) -> Annotated[CallToolResult, RememberOutput]:
        """Store a fact or an event in Aionis memory; returns its id, URI and commit."""
        lane: Lane = "shared" if shared else "private"
        client = backend.client
        try:
            if session_id is not None:
                ev = await client.sessions.append_event(
                    session_id=session_id,
                    event_id=key,
                    title=title,
                    text_summary=text[:4000],
                    input_text=text,
                    metadata=metadata,
                    memory_lane=lane,
                )
                out = RememberOutput(
                    node_id=ev.event_node_id,
                    uri=ev.event_uri,
                    commit_id=ev.commit_id,
                    commit_uri=ev.commit_uri,
                    commit_hash=ev.commit_hash,
                    session_id=ev.session_id,
                    event_id=ev.event_id,
                    session_uri=ev.session_uri,
                    request_id=ev.request_id,
                )
            else:
                node: WriteNodeParam = {
                    "type": kind,
                    "text_summary": text,
                    "title": title,
                    "client_id": key,
                    "slots": metadata,
                }
                wr = await client.memory.write(input_text=text, memory_lane=lane, nodes=[node])
                first = wr.nodes[0]
                out = RememberOutput(
                    node_id=first.id,
                    uri=first.uri,
                    commit_id=wr.commit_id,
                    commit_uri=wr.commit_uri,
                    commit_hash=wr.commit_hash,
                    request_id=wr.request_id,
                )
        except _SDK_ERRORS as exc:
            return error_result(exc)
        return ok_result(out)

    @server.tool(title="Recall", annotations=_READ)
    async def recall(
        query: Annotated[Text, Field(description="What to look for, in plain language.")],
        limit: Annotated[
            int | None, Field(ge=1, le=200, description="Maximum seed matches (default: preset).")
        ] = None,
        strategy: Annotated[
            Literal["local", "balanced", "global"] | None,
            Field(description="Recall preset; ignored when limit is given."),
        ] = None,
        char_budget: Annotated[
            int | None, Field(ge=200, le=1_000_000, description="Cap on context characters.")
        ] = None,
    ) -> Annotated[CallToolResult, RecallOutput]:
        """Recall memory relevant to a query: the assembled context plus citations (node URI
        and commit id of every cited item)."""
        try:
            resp = await backend.client.memory.recall_text(
                query_text=query,
                limit=limit,
                recall_strategy=strategy,
                context_char_budget=char_budget,
            )
        except _SDK_ERRORS as exc:
            return error_result(exc)
        out = recall_output(query, resp)
        return ok_result(out, render_recall(out))

    @server.tool(title="Find memory", annotations=_READ)
    async def find(
        text_contains: Annotated[
            str | None, Field(min_length=1, description="Substring of title or summary.")
        ] = None,
        title_contains: Annotated[str | None, Field(min_length=1)] = None,
        type: Annotated[NodeKind | Literal["rule"] | None, Field(description="Node type.")] = None,
        key: Annotated[str | None, Field(min_length=1, description="Exact client id.")] = None,
        uri: Annotated[str | None, Field(pattern=r"^aionis://", description="A node URI.")] = None,
        lane: Lane | None = None,
        slots_contains: Annotated[
            dict[str, Any] | None, Field(description="Structural match on the node's slots.")
        ] = None,
        include_slots: bool = False,
        limit: Annotated[int, Field(ge=1, le=200)] = 20,
        offset: Annotated[int, Field(ge=0, le=200_000)] = 0,
    ) -> Annotated[CallToolResult, FindOutput]:
        """Find memory nodes by exact filters (newest first). All filters are ANDed."""
        try:
            resp = await backend.client.memory.find(
                text_contains=text_contains,
                title_contains=title_contains,
                type=type,
                client_id=key,
                uri=uri,
                memory_lane=lane,
                slots_contains=slots_contains,
                include_slots=include_slots or None,
                include_meta=True,
                limit=limit,
                offset=offset,
            )
        except _SDK_ERRORS as exc:
            return error_result(exc)
        out = FindOutput(
            nodes=[
                FoundNode(
                    id=n.id,
                    uri=n.uri,
                    type=n.type,
                    title=n.title,
                    text_summary=n.text_summary,
                    memory_lane=n.memory_lane,
                    commit_id=n.commit_id,
                    created_at=n.created_at,
                    slots=n.slots,
                )
                for n in resp.nodes
            ],
            returned=resp.page.returned,
            has_more=resp.page.has_more,
            request_id=resp.request_id,
        )
        return ok_result(out)

    @server.tool(title="Evaluate rules", annotations=_READ)
    async def evaluate_rules(
        context: Context = None,
        include_shadow: Annotated[
            bool, Field(description="Also report shadow (not enforced) rules.")
        ] = True,
        limit: Annotated[int, Field(ge=1, le=200, description="Rules considered.")] = 50,
    ) -> Annotated[CallToolResult, RulesOutput]:
        """Evaluate the active and shadow rules against a context: the matched rules and the
        merged policy they apply (tool allow/deny/prefer, output format)."""
        try:
            resp = await backend.client.rules.evaluate(
                context=context or {}, include_shadow=include_shadow, limit=limit
            )
        except _SDK_ERRORS as exc:
            return error_result(exc)

        def hit(m: Any) -> RuleHit:
            score = m.rank.score if m.rank is not None else None
            return RuleHit(
                rule_node_id=m.rule_node_id,
                state=m.state,
                summary=m.summary,
                score=score,
                then=m.then_json,
            )

        out = RulesOutput(
            considered=resp.considered,
            matched=resp.matched,
            active=[hit(m) for m in resp.active],
            shadow=[hit(m) for m in resp.shadow],
            policy=resp.applied.policy.model_dump(mode="json", exclude_none=True),
            conflicts=[c.model_dump(mode="json") for c in resp.applied.conflicts],
            request_id=resp.request_id,
        )
        return ok_result(out)

    @server.tool(title="Select a tool", annotations=_WRITE)
    async def select_tool(
        candidates: Annotated[
            list[Annotated[str, Field(min_length=1)]],
            Field(min_length=1, max_length=200, description="Tool names to choose from."),
        ],
        context: Context = None,
        run_id: Annotated[str | None, Field(min_length=1, description="Run to link.")] = None,
        strict: Annotated[
            bool, Field(description="Fail with no_tools_allowed when every candidate is denied.")
        ] = True,
    ) -> Annotated[CallToolResult, SelectOutput]:
        """Choose a tool under the active rules: allowed, denied (with reasons), preferred,
        the selected tool, and a decision_id to pass to report_tool_outcome."""
        ctx = dict(context or {})
        try:
            resp = await backend.client.tools.select(
                context=ctx, candidates=candidates, run_id=run_id, strict=strict
            )
        except _SDK_ERRORS as exc:
            return error_result(exc)
        backend.remember_decision(resp.decision.decision_id, ctx)
        sel = resp.selection
        out = SelectOutput(
            selected=sel.selected,
            allowed=sel.allowed,
            denied=[DeniedTool(name=d.name, reason=d.reason) for d in sel.denied],
            preferred=sel.preferred,
            ordered=sel.ordered,
            decision_id=resp.decision.decision_id,
            decision_uri=resp.decision.decision_uri,
            run_id=resp.decision.run_id,
            matched_rules=resp.rules.matched,
            explanation=explain_selection(resp),
            request_id=resp.request_id,
        )
        return ok_result(out)

    @server.tool(title="Report a tool outcome", annotations=_WRITE)
    async def report_tool_outcome(
        decision_id: Annotated[
            str, Field(pattern=r"^[0-9a-fA-F-]{36}$", description="From select_tool.")
        ],
        outcome: Outcome,
        note: Annotated[str | None, Field(max_length=4000)] = None,
        selected_tool: Annotated[
            str | None, Field(min_length=1, description="Default: the decision's selection.")
        ] = None,
        context: Annotated[
            dict[str, Any] | None,
            Field(description="Default: the context given to select_tool in this server."),
        ] = None,
    ) -> Annotated[CallToolResult, OutcomeOutput]:
        """Report how the chosen tool worked out; rules that shaped the choice learn from it."""
        client = backend.client
        try:
            decision = (await client.tools.decision(decision_id=decision_id)).decision
            tool = selected_tool or decision.selected_tool
            if not tool:
                return tool_error_result(input_error(f"decision {decision_id} selected no tool"))
            resp = await client.tools.feedback(
                decision_id=decision_id,
                run_id=decision.run_id,
                context=context if context is not None else backend.decision_context(decision_id),
                candidates=decision.candidates or [tool],
                selected_tool=tool,
                outcome=outcome,
                note=note,
                input_text=f"tool outcome {outcome} for {tool} (decision {decision_id})",
            )
        except _SDK_ERRORS as exc:
            return error_result(exc)
        out = OutcomeOutput(
            ok=resp.ok,
            decision_id=resp.decision_id,
            decision_uri=resp.decision_uri,
            decision_link_mode=resp.decision_link_mode,
            updated_rules=resp.updated_rules,
            rule_node_ids=resp.rule_node_ids,
            commit_id=resp.commit_id,
            commit_uri=resp.commit_uri,
            request_id=resp.request_id,
        )
        return ok_result(out)
