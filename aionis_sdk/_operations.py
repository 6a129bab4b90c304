"""The operation table: one row per endpoint of the v1 core (spec §1).

Each row says how to call the route (method, path, models) and how the client treats it:
whether a retry after the request may have reached the server is safe, and which identity
fields it injects (§4.2, §4.5, §8.5). Resources only pick a row; the base does the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from . import types as t

__all__ = ["OPERATIONS", "Operation"]

R = TypeVar("R", bound=t.AionisModel)

Idempotency = Literal["always", "never", "unless_tool_candidates"]
Placement = Literal["body", "query", "none"]


@dataclass(frozen=True, slots=True)
class Operation(Generic[R]):
    """How one endpoint is called and treated.

    ``consumer``: reads that get ``consumer_agent_id``/``consumer_team_id``.
    ``owner``: writes that get ``producer_agent_id`` and, absent any owner, an owner.
    ``context_agent``: calls whose ``context.agent`` is filled with the configured agent.
    ``actor``: rule mutations whose ``actor`` (the rule lookup identity) is the agent.
    ``tenant_scope``: where the configured ``tenant_id``/``scope`` go; ``none`` where the
    server derives them from the payload (resolve's URI, an imported pack).
    """

    name: str
    method: Literal["GET", "POST"]
    path: str
    request_model: type[t.RequestModel] | None
    response_model: type[R]
    idempotency: Idempotency = "always"
    consumer: bool = False
    owner: bool = False
    context_agent: bool = False
    actor: bool = False
    tenant_scope: Placement = "body"
    path_params: tuple[str, ...] = ()

    def is_idempotent(self, body: dict[str, Any]) -> bool:
        """Whether a retry after the request may have reached the server is safe."""
        if self.idempotency == "always":
            return True
        if self.idempotency == "never":
            return False
        return not body.get("tool_candidates")


HEALTH = Operation("health", "GET", "/health", None, t.HealthResponse, tenant_scope="none")
WRITE = Operation(
    "memory.write", "POST", "/v1/memory/write", t.WriteRequest, t.WriteResponse, owner=True
)
RECALL = Operation(
    "memory.recall", "POST", "/v1/memory/recall", t.RecallRequest, t.RecallResponse, consumer=True
)
RECALL_TEXT = Operation(
    "memory.recall_text",
    "POST",
    "/v1/memory/recall_text",
    t.RecallTextRequest,
    t.RecallTextResponse,
    consumer=True,
)
FIND = Operation(
    "memory.find", "POST", "/v1/memory/find", t.FindRequest, t.FindResponse, consumer=True
)
RESOLVE = Operation(
    "memory.resolve",
    "POST",
    "/v1/memory/resolve",
    t.ResolveRequest,
    t.ResolveResponse,
    consumer=True,
    tenant_scope="none",
)
CREATE_SESSION = Operation(
    "sessions.create",
    "POST",
    "/v1/memory/sessions",
    t.CreateSessionRequest,
    t.CreateSessionResponse,
    owner=True,
)
LIST_SESSIONS = Operation(
    "sessions.list",
    "GET",
    "/v1/memory/sessions",
    t.ListSessionsRequest,
    t.ListSessionsResponse,
    consumer=True,
    tenant_scope="query",
)
APPEND_EVENT = Operation(
    "sessions.append_event",
    "POST",
    "/v1/memory/events",
    t.AppendEventRequest,
    t.AppendEventResponse,
    owner=True,
)
LIST_EVENTS = Operation(
    "sessions.events",
    "GET",
    "/v1/memory/sessions/{session_id}/events",
    t.ListEventsRequest,
    t.ListEventsResponse,
    consumer=True,
    tenant_scope="query",
    path_params=("session_id",),
)
PACK_EXPORT = Operation(
    "packs.export", "POST", "/v1/memory/packs/export", t.PackExportRequest, t.PackExportResponse
)
PACK_IMPORT = Operation(
    "packs.import",
    "POST",
    "/v1/memory/packs/import",
    t.PackImportRequest,
    t.PackImportResponse,
    owner=True,
    tenant_scope="none",
)
RULE_STATE = Operation(
    "rules.set_state",
    "POST",
    "/v1/memory/rules/state",
    t.RuleStateRequest,
    t.RuleStateResponse,
    actor=True,
)
RULES_EVALUATE = Operation(
    "rules.evaluate",
    "POST",
    "/v1/memory/rules/evaluate",
    t.RulesEvaluateRequest,
    t.RulesEvaluateResponse,
    context_agent=True,
)
RULE_FEEDBACK = Operation(
    "rules.feedback",
    "POST",
    "/v1/memory/feedback",
    t.RuleFeedbackRequest,
    t.RuleFeedbackResponse,
    idempotency="never",
    actor=True,
)
TOOLS_SELECT = Operation(
    "tools.select",
    "POST",
    "/v1/memory/tools/select",
    t.ToolsSelectRequest,
    t.ToolsSelectResponse,
    idempotency="never",
    context_agent=True,
)
TOOLS_DECISION = Operation(
    "tools.decision",
    "POST",
    "/v1/memory/tools/decision",
    t.ToolsDecisionRequest,
    t.ToolsDecisionResponse,
)
TOOLS_RUN = Operation(
    "tools.run", "POST", "/v1/memory/tools/run", t.ToolsRunRequest, t.ToolsRunResponse
)
TOOLS_FEEDBACK = Operation(
    "tools.feedback",
    "POST",
    "/v1/memory/tools/feedback",
    t.ToolsFeedbackRequest,
    t.ToolsFeedbackResponse,
    idempotency="never",
    context_agent=True,
)
PLANNING_CONTEXT = Operation(
    "planning.context",
    "POST",
    "/v1/memory/planning/context",
    t.PlanningContextRequest,
    t.PlanningContextResponse,
    idempotency="unless_tool_candidates",
    consumer=True,
    context_agent=True,
)
CONTEXT_ASSEMBLE = Operation(
    "context.assemble",
    "POST",
    "/v1/memory/context/assemble",
    t.ContextAssembleRequest,
    t.ContextAssembleResponse,
    idempotency="unless_tool_candidates",
    consumer=True,
    context_agent=True,
)

OPERATIONS: dict[str, Operation[Any]] = {
    op.name: op
    for op in (
        HEALTH,
        WRITE,
        RECALL,
        RECALL_TEXT,
        FIND,
        RESOLVE,
        CREATE_SESSION,
        LIST_SESSIONS,
        APPEND_EVENT,
        LIST_EVENTS,
        PACK_EXPORT,
        PACK_IMPORT,
        RULE_STATE,
        RULES_EVALUATE,
        RULE_FEEDBACK,
        TOOLS_SELECT,
        TOOLS_DECISION,
        TOOLS_RUN,
        TOOLS_FEEDBACK,
        PLANNING_CONTEXT,
        CONTEXT_ASSEMBLE,
    )
}
