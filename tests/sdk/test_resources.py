"""Every endpoint method: HTTP method, path, body or query, and response parsing."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import respx
from conftest import Handle, ok
from pydantic import BaseModel

import aionis_sdk.types as t

PACK = {
    "version": "aionis_pack_v1",
    "tenant_id": "default",
    "scope": "default",
    "nodes": [],
    "edges": [],
}

# (id, call, method, path, expected body/query subset, response model)
CASES: list[tuple[str, Callable[[Any], Any], str, str, dict[str, Any], type[BaseModel]]] = [
    ("health", lambda c: c.health(), "GET", "/health", {}, t.HealthResponse),
    (
        "write",
        lambda c: c.memory.write(input_text="hi", nodes=[{"client_id": "n1", "type": "event"}]),
        "POST",
        "/v1/memory/write",
        {"input_text": "hi", "nodes": [{"client_id": "n1", "type": "event"}]},
        t.WriteResponse,
    ),
    (
        "recall",
        lambda c: c.memory.recall(query_embedding=[0.1, 0.2], limit=5),
        "POST",
        "/v1/memory/recall",
        {"query_embedding": [0.1, 0.2], "limit": 5},
        t.RecallResponse,
    ),
    (
        "recall_text",
        lambda c: c.memory.recall_text(query_text="coffee"),
        "POST",
        "/v1/memory/recall_text",
        {"query_text": "coffee"},
        t.RecallTextResponse,
    ),
    (
        "find",
        lambda c: c.memory.find(type="event", limit=3),
        "POST",
        "/v1/memory/find",
        {"type": "event", "limit": 3},
        t.FindResponse,
    ),
    (
        "resolve",
        lambda c: c.memory.resolve(uri="aionis://default/default/event/1"),
        "POST",
        "/v1/memory/resolve",
        {"uri": "aionis://default/default/event/1"},
        t.ResolveResponse,
    ),
    (
        "sessions.create",
        lambda c: c.sessions.create(session_id="s1", title="T"),
        "POST",
        "/v1/memory/sessions",
        {"session_id": "s1", "title": "T"},
        t.CreateSessionResponse,
    ),
    (
        "sessions.list",
        lambda c: c.sessions.list(limit=5, include_meta=True),
        "GET",
        "/v1/memory/sessions",
        {"limit": "5", "include_meta": "true"},
        t.ListSessionsResponse,
    ),
    (
        "sessions.append_event",
        lambda c: c.sessions.append_event(session_id="s1", event_id="e1", input_text="x"),
        "POST",
        "/v1/memory/events",
        {"session_id": "s1", "event_id": "e1", "input_text": "x"},
        t.AppendEventResponse,
    ),
    (
        "sessions.events",
        lambda c: c.sessions.events(session_id="s 1/x", include_slots=False),
        "GET",
        "/v1/memory/sessions/s%201%2Fx/events",
        {"include_slots": "false"},
        t.ListEventsResponse,
    ),
    (
        "packs.export",
        lambda c: c.packs.export(max_rows=10),
        "POST",
        "/v1/memory/packs/export",
        {"max_rows": 10},
        t.PackExportResponse,
    ),
    (
        "packs.import_pack",
        lambda c: c.packs.import_pack(pack=PACK),
        "POST",
        "/v1/memory/packs/import",
        {"pack": PACK},
        t.PackImportResponse,
    ),
    (
        "packs.verify",
        lambda c: c.packs.verify(pack=PACK),
        "POST",
        "/v1/memory/packs/import",
        {"pack": PACK, "verify_only": True},
        t.PackImportResponse,
    ),
    (
        "rules.set_state",
        lambda c: c.rules.set_state(
            rule_node_id=str(uuid.UUID(int=1)), state="active", input_text="activate"
        ),
        "POST",
        "/v1/memory/rules/state",
        {"rule_node_id": str(uuid.UUID(int=1)), "state": "active"},
        t.RuleStateResponse,
    ),
    (
        "rules.evaluate",
        lambda c: c.rules.evaluate(context={"intent": "json"}),
        "POST",
        "/v1/memory/rules/evaluate",
        {"context": {"intent": "json"}},
        t.RulesEvaluateResponse,
    ),
    (
        "rules.feedback",
        lambda c: c.rules.feedback(
            rule_node_id=str(uuid.UUID(int=1)), outcome="positive", input_text="ok"
        ),
        "POST",
        "/v1/memory/feedback",
        {"outcome": "positive"},
        t.RuleFeedbackResponse,
    ),
    (
        "tools.select",
        lambda c: c.tools.select(context={}, candidates=["a", "b"]),
        "POST",
        "/v1/memory/tools/select",
        {"candidates": ["a", "b"]},
        t.ToolsSelectResponse,
    ),
    (
        "tools.decision",
        lambda c: c.tools.decision(run_id="r1"),
        "POST",
        "/v1/memory/tools/decision",
        {"run_id": "r1"},
        t.ToolsDecisionResponse,
    ),
    (
        "tools.run",
        lambda c: c.tools.run(run_id="r1"),
        "POST",
        "/v1/memory/tools/run",
        {"run_id": "r1"},
        t.ToolsRunResponse,
    ),
    (
        "tools.feedback",
        lambda c: c.tools.feedback(
            context={}, candidates=["a"], selected_tool="a", outcome="negative", input_text="x"
        ),
        "POST",
        "/v1/memory/tools/feedback",
        {"selected_tool": "a", "outcome": "negative"},
        t.ToolsFeedbackResponse,
    ),
    (
        "planning.context",
        lambda c: c.planning.context(query_text="plan", context={"k": 1}),
        "POST",
        "/v1/memory/planning/context",
        {"query_text": "plan", "context": {"k": 1}},
        t.PlanningContextResponse,
    ),
    (
        "context.assemble",
        lambda c: c.context.assemble(query_text="q", return_layered_context=True),
        "POST",
        "/v1/memory/context/assemble",
        {"query_text": "q", "return_layered_context": True},
        t.ContextAssembleResponse,
    ),
]


@pytest.mark.parametrize(
    ("name", "call", "method", "path", "expected", "model"), CASES, ids=[c[0] for c in CASES]
)
def test_endpoint_wire_shape(
    client: Handle,
    router: respx.MockRouter,
    name: str,
    call: Callable[[Any], Any],
    method: str,
    path: str,
    expected: dict[str, Any],
    model: type[BaseModel],
) -> None:
    route = router.route(method=method).mock(
        return_value=ok(model, request_id="rid-1", unknown_future_field={"x": 1})
    )
    result = client.call(call)

    assert route.call_count == 1
    request = route.calls.last.request
    assert request.url.raw_path.split(b"?")[0] == path.encode()  # percent-encoding kept
    assert isinstance(result, model)
    assert result.request_id == "rid-1"
    assert result.model_extra is not None
    assert result.model_extra["unknown_future_field"] == {"x": 1}
    if method == "GET":
        assert request.content == b""
        sent = dict(request.url.params)
    else:
        assert request.headers["content-type"] == "application/json"
        sent = json.loads(request.content)
    for key, value in expected.items():
        assert sent[key] == value, key


def test_request_model_instance_is_accepted(client: Handle, router: respx.MockRouter) -> None:
    route = router.post("/v1/memory/find").mock(return_value=ok(t.FindResponse))
    client.call(lambda c: c.memory.find(t.FindRequest(type="topic", limit=2)))
    assert json.loads(route.calls.last.request.content) == {"type": "topic", "limit": 2}


def test_model_and_fields_together_is_a_type_error(client: Handle) -> None:
    with pytest.raises(TypeError):
        client.call(lambda c: c.memory.find(t.FindRequest(type="topic"), limit=2))


def test_wrong_model_type_is_a_type_error(client: Handle) -> None:
    with pytest.raises(TypeError):
        client.call(lambda c: c.memory.find(t.RecallTextRequest(query_text="x")))


def test_invalid_input_fails_before_io(client: Handle, router: respx.MockRouter) -> None:
    from pydantic import ValidationError

    route = router.post("/v1/memory/find")
    with pytest.raises(ValidationError):
        client.call(lambda c: c.memory.find(limit=0))
    with pytest.raises(ValidationError):
        client.call(lambda c: c.memory.find(not_a_field=1))
    assert route.call_count == 0


def test_post_without_fields_sends_empty_object(client: Handle, router: respx.MockRouter) -> None:
    route = router.post("/v1/memory/packs/export").mock(return_value=ok(t.PackExportResponse))
    client.call(lambda c: c.packs.export())
    assert route.calls.last.request.content == b"{}"


def test_append_event_generates_event_id(client: Handle, router: respx.MockRouter) -> None:
    route = router.post("/v1/memory/events").mock(return_value=ok(t.AppendEventResponse))
    client.call(lambda c: c.sessions.append_event(session_id="s1", input_text="hello"))
    event_id = json.loads(route.calls.last.request.content)["event_id"]
    assert uuid.UUID(event_id).version == 4


def test_verify_with_model_sets_verify_only(client: Handle, router: respx.MockRouter) -> None:
    route = router.post("/v1/memory/packs/import").mock(return_value=ok(t.PackImportResponse))
    client.call(lambda c: c.packs.verify(t.PackImportRequest(pack=PACK)))
    assert json.loads(route.calls.last.request.content)["verify_only"] is True


def test_extra_body_and_extra_query(client: Handle, router: respx.MockRouter) -> None:
    route = router.post("/v1/memory/find").mock(return_value=ok(t.FindResponse))
    client.call(lambda c: c.memory.find(extra_body={"x_new": 1}, extra_query={"trace": True}))
    request = route.calls.last.request
    assert json.loads(request.content)["x_new"] == 1
    assert request.url.params["trace"] == "true"


def test_missing_path_param_is_rejected(client: Handle) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        client.call(lambda c: c.sessions.events())
