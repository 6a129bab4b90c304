"""Headers, authentication, environment defaults, and agent identity injection (§4.5, §8.5)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx
from conftest import BASE, Handle, ok, sample

import aionis_sdk.types as t
from aionis_sdk import AionisClient


def _body(route: respx.Route) -> dict[str, Any]:
    return dict(json.loads(route.calls.last.request.content))


def test_default_headers(client: Handle, router: respx.MockRouter) -> None:
    route = router.post("/v1/memory/find").mock(return_value=ok(t.FindResponse))
    client.call(lambda c: c.memory.find())
    headers = route.calls.last.request.headers
    assert headers["user-agent"] == "aionis-sdk-python/1.0.0.dev0"
    assert headers["accept"] == "application/json"
    assert uuid.UUID(headers["x-request-id"]).version == 4
    for secret in ("x-api-key", "authorization", "x-admin-token"):
        assert secret not in headers


def test_auth_headers(make_client: Callable[..., Handle], router: respx.MockRouter) -> None:
    handle = make_client(
        api_key="k1", bearer_token="jwt1", admin_token="adm", default_headers={"X-Team": "blue"}
    )
    route = router.post("/v1/memory/packs/export").mock(return_value=ok(t.PackExportResponse))
    handle.call(lambda c: c.packs.export(extra_headers={"X-Extra": "1"}))
    headers = route.calls.last.request.headers
    assert headers["x-api-key"] == "k1"
    assert headers["authorization"] == "Bearer jwt1"
    assert headers["x-admin-token"] == "adm"
    assert headers["x-team"] == "blue"
    assert headers["x-extra"] == "1"


def test_fresh_request_id_per_call(client: Handle, router: respx.MockRouter) -> None:
    route = router.get("/health").mock(return_value=ok(t.HealthResponse))
    client.call(lambda c: c.health())
    client.call(lambda c: c.health())
    ids = [call.request.headers["x-request-id"] for call in route.calls]
    assert ids[0] != ids[1]


def test_environment_defaults(monkeypatch: pytest.MonkeyPatch, router: respx.MockRouter) -> None:
    monkeypatch.setenv("AIONIS_BASE_URL", BASE + "/")
    monkeypatch.setenv("AIONIS_API_KEY", "env-key")
    monkeypatch.setenv("AIONIS_BEARER_TOKEN", "env-jwt")
    monkeypatch.setenv("AIONIS_ADMIN_TOKEN", "env-adm")
    monkeypatch.setenv("AIONIS_TENANT_ID", "acme")
    monkeypatch.setenv("AIONIS_SCOPE", "proj")
    monkeypatch.setenv("AIONIS_AGENT_ID", "agent-7")
    monkeypatch.setenv("AIONIS_TEAM_ID", "team-3")
    route = router.post("/v1/memory/recall_text").mock(return_value=ok(t.RecallTextResponse))
    with AionisClient() as client:
        assert client.base_url == BASE
        client.memory.recall_text(query_text="q")
    request = route.calls.last.request
    assert request.headers["x-api-key"] == "env-key"
    assert request.headers["authorization"] == "Bearer env-jwt"
    assert request.headers["x-admin-token"] == "env-adm"
    assert _body(route) == {
        "query_text": "q",
        "tenant_id": "acme",
        "scope": "proj",
        "consumer_agent_id": "agent-7",
        "consumer_team_id": "team-3",
    }


def test_explicit_argument_beats_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIONIS_AGENT_ID", "from-env")
    with AionisClient(agent_id="explicit") as client:
        assert client.config.agent_id == "explicit"
        assert client.base_url == "http://127.0.0.1:3321"


def test_no_identity_configured_sends_only_given_fields(
    client: Handle, router: respx.MockRouter
) -> None:
    route = router.post("/v1/memory/write").mock(return_value=ok(t.WriteResponse))
    client.call(lambda c: c.memory.write(input_text="x"))
    assert _body(route) == {"input_text": "x"}


@pytest.fixture
def agent(make_client: Callable[..., Handle]) -> Handle:
    return make_client(agent_id="a1", team_id="t1", tenant_id="acme", scope="proj")


def test_write_gets_producer_and_owner(agent: Handle, router: respx.MockRouter) -> None:
    route = router.post("/v1/memory/write").mock(return_value=ok(t.WriteResponse))
    agent.call(lambda c: c.memory.write(input_text="x"))
    body = _body(route)
    assert body["producer_agent_id"] == "a1"
    assert body["owner_agent_id"] == "a1"
    assert "owner_team_id" not in body
    assert (body["tenant_id"], body["scope"]) == ("acme", "proj")


def test_explicit_owner_is_kept(agent: Handle, router: respx.MockRouter) -> None:
    route = router.post("/v1/memory/sessions").mock(return_value=ok(t.CreateSessionResponse))
    agent.call(lambda c: c.sessions.create(session_id="s", owner_team_id="other", scope="mine"))
    body = _body(route)
    assert body["owner_team_id"] == "other"
    assert "owner_agent_id" not in body
    assert body["producer_agent_id"] == "a1"
    assert body["scope"] == "mine"


def test_team_only_identity_owns_by_team(
    make_client: Callable[..., Handle], router: respx.MockRouter
) -> None:
    handle = make_client(team_id="t9")
    route = router.post("/v1/memory/events").mock(return_value=ok(t.AppendEventResponse))
    handle.call(lambda c: c.sessions.append_event(session_id="s", input_text="x"))
    body = _body(route)
    assert body["owner_team_id"] == "t9"
    assert "producer_agent_id" not in body


def test_reads_get_consumer_unless_given(agent: Handle, router: respx.MockRouter) -> None:
    route = router.post("/v1/memory/find").mock(return_value=ok(t.FindResponse))
    agent.call(lambda c: c.memory.find(consumer_agent_id="someone"))
    body = _body(route)
    assert body["consumer_agent_id"] == "someone"
    assert body["consumer_team_id"] == "t1"


def test_get_reads_carry_identity_in_query(agent: Handle, router: respx.MockRouter) -> None:
    route = router.get("/v1/memory/sessions").mock(return_value=ok(t.ListSessionsResponse))
    agent.call(lambda c: c.sessions.list())
    params = dict(route.calls.last.request.url.params)
    assert params == {
        "tenant_id": "acme",
        "scope": "proj",
        "consumer_agent_id": "a1",
        "consumer_team_id": "t1",
    }


def test_find_by_uri_takes_tenant_and_scope_from_the_uri(
    agent: Handle, router: respx.MockRouter
) -> None:
    route = router.post("/v1/memory/find").mock(return_value=ok(t.FindResponse))
    agent.call(lambda c: c.memory.find(uri="aionis://acme/other/event/1"))
    body = _body(route)
    assert "scope" not in body
    assert "tenant_id" not in body
    assert body["consumer_agent_id"] == "a1"


def test_resolve_and_pack_import_do_not_get_scope(agent: Handle, router: respx.MockRouter) -> None:
    resolve = router.post("/v1/memory/resolve").mock(return_value=ok(t.ResolveResponse))
    agent.call(lambda c: c.memory.resolve(uri="aionis://x"))
    assert _body(resolve) == {
        "uri": "aionis://x",
        "consumer_agent_id": "a1",
        "consumer_team_id": "t1",
    }
    imp = router.post("/v1/memory/packs/import").mock(return_value=ok(t.PackImportResponse))
    agent.call(lambda c: c.packs.import_pack(pack={"version": "aionis_pack_v1"}))
    body = _body(imp)
    assert "scope" not in body
    assert body["owner_agent_id"] == "a1"


def test_context_agent_is_filled_without_mutating(agent: Handle, router: respx.MockRouter) -> None:
    route = router.post("/v1/memory/tools/select").mock(return_value=ok(t.ToolsSelectResponse))
    context: dict[str, Any] = {"intent": "json", "agent": {"role": "planner"}}
    agent.call(lambda c: c.tools.select(context=context, candidates=["a"]))
    assert _body(route)["context"] == {
        "intent": "json",
        "agent": {"role": "planner", "id": "a1", "team_id": "t1"},
    }
    assert context == {"intent": "json", "agent": {"role": "planner"}}


def test_context_agent_alternative_keys_win(agent: Handle, router: respx.MockRouter) -> None:
    route = router.post("/v1/memory/rules/evaluate").mock(return_value=ok(t.RulesEvaluateResponse))
    agent.call(lambda c: c.rules.evaluate(context={"agent_id": "x", "team_id": "y"}))
    assert _body(route)["context"] == {"agent_id": "x", "team_id": "y"}


def test_missing_context_becomes_agent_context(agent: Handle, router: respx.MockRouter) -> None:
    route = router.post("/v1/memory/rules/evaluate").mock(return_value=ok(t.RulesEvaluateResponse))
    agent.call(lambda c: c.rules.evaluate())
    assert _body(route)["context"] == {"agent": {"id": "a1", "team_id": "t1"}}


def test_planning_gets_consumer_and_context(agent: Handle, router: respx.MockRouter) -> None:
    route = router.post("/v1/memory/context/assemble").mock(
        return_value=ok(t.ContextAssembleResponse)
    )
    agent.call(lambda c: c.context.assemble(query_text="q"))
    body = _body(route)
    assert body["consumer_agent_id"] == "a1"
    assert body["context"]["agent"] == {"id": "a1", "team_id": "t1"}


@pytest.mark.parametrize("which", ["state", "feedback"])
def test_rule_mutations_get_actor(agent: Handle, router: respx.MockRouter, which: str) -> None:
    rid = str(uuid.UUID(int=5))
    if which == "state":
        route = router.post("/v1/memory/rules/state").mock(return_value=ok(t.RuleStateResponse))
        agent.call(lambda c: c.rules.set_state(rule_node_id=rid, state="active", input_text="x"))
    else:
        route = router.post("/v1/memory/feedback").mock(return_value=ok(t.RuleFeedbackResponse))
        agent.call(
            lambda c: c.rules.feedback(
                rule_node_id=rid, outcome="positive", input_text="x", actor="me"
            )
        )
    assert _body(route)["actor"] == ("a1" if which == "state" else "me")


def test_tools_decision_gets_only_tenancy(agent: Handle, router: respx.MockRouter) -> None:
    route = router.post("/v1/memory/tools/decision").mock(return_value=ok(t.ToolsDecisionResponse))
    agent.call(lambda c: c.tools.decision(run_id="r"))
    assert _body(route) == {"run_id": "r", "tenant_id": "acme", "scope": "proj"}


def test_write_then_recall_round_trip(
    make_client: Callable[..., Handle], router: respx.MockRouter
) -> None:
    """A tiny lane-aware fake server: a private write is visible only to its owner."""
    stored: list[dict[str, Any]] = []

    def write(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        for node in body["nodes"]:
            lane = node.get("memory_lane", body.get("memory_lane", "private"))
            stored.append({**node, "lane": lane, "owner": body.get("owner_agent_id", "local-user")})
        return ok(t.WriteResponse)

    def recall(request: httpx.Request) -> httpx.Response:
        consumer = json.loads(request.content).get("consumer_agent_id")
        seeds = [
            {"id": n["client_id"], "type": n["type"]}
            for n in stored
            if n["lane"] == "shared" or (consumer and n["owner"] == consumer)
        ]
        return httpx.Response(200, json={**sample(t.RecallTextResponse), "seeds": seeds})

    router.post("/v1/memory/write").mock(side_effect=write)
    router.post("/v1/memory/recall_text").mock(side_effect=recall)
    node = {"client_id": "n1", "type": "event", "text_summary": "likes tea"}

    naive = make_client()
    naive.call(lambda c: c.memory.write(input_text="x", nodes=[node]))
    assert naive.call(lambda c: c.memory.recall_text(query_text="tea")).seeds == []

    stored.clear()
    agent = make_client(agent_id="planner")
    agent.call(lambda c: c.memory.write(input_text="x", nodes=[node]))
    seeds = agent.call(lambda c: c.memory.recall_text(query_text="tea")).seeds
    assert [s.id for s in seeds] == ["n1"]


def test_non_object_agent_in_context_is_left_alone(agent: Handle, router: respx.MockRouter) -> None:
    route = router.post("/v1/memory/rules/evaluate").mock(return_value=ok(t.RulesEvaluateResponse))
    agent.call(lambda c: c.rules.evaluate(context={"agent": "a-string"}))
    assert _body(route)["context"] == {"agent": "a-string"}
