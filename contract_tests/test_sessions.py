"""§7.7 sessions and events: defaults, ordering, idempotent event ids, owners, unknown sessions."""

from __future__ import annotations

import time
from typing import Any

import pytest

from contract_tests._support import (
    UUID4_RE,
    Api,
    Wire,
    node_id,
    require_keys,
    requires_capability,
    uid,
)

pytestmark = requires_capability("sessions")

S = "/v1/memory/sessions"
E = "/v1/memory/events"


def _events_path(session_id: str) -> str:
    from urllib.parse import quote

    return f"/v1/memory/sessions/{quote(session_id, safe='')}/events"


async def test_create_session_shape_and_defaults(client: Api) -> None:
    created = await client("sessions.create", session_id="s1", memory_lane="shared")
    require_keys(
        created,
        "tenant_id",
        "scope",
        "session_id",
        "session_node_id",
        "session_uri",
        "commit_id",
        "commit_uri",
        "commit_hash",
        "nodes",
        "edges",
    )
    assert created["session_id"] == "s1"
    assert created["session_node_id"] == node_id("session:s1", client.scope)
    assert created["session_uri"].endswith("/topic/" + created["session_node_id"])
    listed = await client("sessions.list")
    [session] = listed["sessions"]
    require_keys(
        session,
        "session_id",
        "node_id",
        "title",
        "text_summary",
        "uri",
        "last_event_at",
        "event_count",
    )
    assert session["title"] == "Session s1"
    assert session["text_summary"] == "Session s1"
    assert session["event_count"] == 0
    assert session["last_event_at"] is None


def test_session_node_is_a_topic_with_slots(wire: Wire) -> None:
    wire.ok(S, {"session_id": "s", "memory_lane": "shared", "metadata": {"user": "u1"}})
    [node] = wire.find(client_id="session:s", include_slots=True)["nodes"]
    assert node["type"] == "topic"
    assert node["slots"]["system_kind"] == "session"
    assert node["slots"]["session_id"] == "s"
    assert node["slots"]["user"] == "u1"


def test_create_session_commit_uses_default_input_text(wire: Wire) -> None:
    created = wire.ok(S, {"session_id": "s", "memory_lane": "shared", "actor": "a"})
    commit = wire.ok("/v1/memory/resolve", {"uri": created["commit_uri"]})["commit"]
    from aionis_sdk.canonical import sha256hex

    assert commit["input_sha256"] == sha256hex("create session s")


async def test_append_event_shape_and_defaults(client: Api) -> None:
    await client("sessions.create", session_id="s", memory_lane="shared")
    ev = await client(
        "sessions.append_event", session_id="s", event_id="e1", input_text="user said hi"
    )
    require_keys(
        ev,
        "tenant_id",
        "scope",
        "session_id",
        "event_id",
        "event_node_id",
        "session_node_id",
        "event_uri",
        "session_uri",
        "commit_id",
        "commit_uri",
        "commit_hash",
        "nodes",
        "edges",
    )
    assert ev["event_node_id"] == node_id("session_event:s:e1", client.scope)
    [edge] = ev["edges"]
    assert edge["type"] == "part_of"
    assert edge["src_id"] == ev["event_node_id"]
    assert edge["dst_id"] == ev["session_node_id"]
    listed = await client("sessions.events", session_id="s")
    [event] = listed["events"]
    require_keys(
        event,
        "uri",
        "id",
        "client_id",
        "event_id",
        "type",
        "title",
        "text_summary",
        "edge_weight",
        "edge_confidence",
    )
    assert event["text_summary"] == "user said hi"
    assert event["edge_weight"] == 1
    assert event["edge_confidence"] == 1
    assert event["type"] == "event"


def test_event_slots_and_inherited_lane(wire: Wire) -> None:
    wire.ok(S, {"session_id": "s", "memory_lane": "shared"})
    wire.ok(
        E,
        {
            "session_id": "s",
            "event_id": "e",
            "title": "T",
            "metadata": {"m": 1},
            "execution_state_v1": {"step": 3},
        },
    )
    [node] = wire.find(client_id="session_event:s:e", include_slots=True, include_meta=True)[
        "nodes"
    ]
    assert node["memory_lane"] == "shared", "events inherit the session's lane"
    assert node["slots"]["system_kind"] == "session_event"
    assert node["slots"]["session_id"] == "s"
    assert node["slots"]["event_id"] == "e"
    assert node["slots"]["m"] == 1
    assert node["text_summary"] == "T"


def test_event_text_summary_fallback(wire: Wire) -> None:
    wire.ok(
        E, {"session_id": "s", "event_id": "e", "input_text": "only input", "memory_lane": "shared"}
    )
    [event] = wire.get_ok(_events_path("s"))["events"]
    assert event["text_summary"] == "only input"


def test_event_creates_missing_session(wire: Wire) -> None:
    wire.ok(E, {"session_id": "auto", "event_id": "e", "input_text": "x", "memory_lane": "shared"})
    body = wire.get_ok(_events_path("auto"))
    assert body["session"]["session_id"] == "auto"
    assert body["session"]["node_id"] == node_id("session:auto", wire.scope)


def test_event_needs_some_text(wire: Wire) -> None:
    wire.err(E, {"session_id": "s", "event_id": "e"}, 400, "invalid_request")


@pytest.mark.parametrize(
    "body",
    [
        {"session_id": ""},
        {"session_id": "x" * 129},
        {"session_id": "s", "title": "t" * 513},
        {"session_id": "s", "text_summary": "t" * 4001},
        {"session_id": "s", "metadata": [1]},
    ],
)
def test_create_session_validation(wire: Wire, body: dict[str, Any]) -> None:
    wire.err(S, body, 400, "invalid_request")


@pytest.mark.parametrize(
    "extra",
    [{"event_id": "e" * 129}, {"edge_weight": 1.5}, {"edge_confidence": -0.1}],
)
def test_append_event_validation(wire: Wire, extra: dict[str, Any]) -> None:
    wire.err(E, {"session_id": "s", "input_text": "x", **extra}, 400, "invalid_request")


async def test_event_id_is_the_idempotency_key(client: Api) -> None:
    await client("sessions.create", session_id="s", memory_lane="shared")
    first = await client(
        "sessions.append_event", session_id="s", event_id="e", input_text="x", memory_lane="shared"
    )
    again = await client(
        "sessions.append_event", session_id="s", event_id="e", input_text="x", memory_lane="shared"
    )
    assert again["commit_id"] == first["commit_id"]
    assert again["event_node_id"] == first["event_node_id"]
    listed = await client("sessions.events", session_id="s")
    assert len(listed["events"]) == 1


def test_event_replay_that_created_its_session_is_idempotent(wire: Wire) -> None:
    """§5.8: replaying an identical write-like call yields the same commit and changes nothing,
    also when the first call created the session on the way."""
    body = {"session_id": "auto", "event_id": "e", "input_text": "x", "memory_lane": "shared"}
    first = wire.ok(E, body)
    commits = len(wire.ok("/v1/memory/packs/export", {})["pack"]["commits"])
    again = wire.ok(E, body)
    assert again["event_node_id"] == first["event_node_id"]
    assert len(wire.get_ok(_events_path("auto"))["events"]) == 1
    assert again["commit_id"] == first["commit_id"]
    assert len(wire.ok("/v1/memory/packs/export", {})["pack"]["commits"]) == commits


def test_event_without_id_gets_a_random_uuid(wire: Wire) -> None:
    one = wire.ok(E, {"session_id": "s", "input_text": "x", "memory_lane": "shared"})
    two = wire.ok(E, {"session_id": "s", "input_text": "x", "memory_lane": "shared"})
    assert UUID4_RE.match(one["event_id"])
    assert one["event_id"] != two["event_id"]
    assert len(wire.get_ok(_events_path("s"))["events"]) == 2


def test_events_newest_first_and_paged(wire: Wire) -> None:
    for i in range(5):
        wire.ok(
            E,
            {
                "session_id": "s",
                "event_id": f"e{i}",
                "input_text": f"event {i}",
                "memory_lane": "shared",
            },
        )
        time.sleep(0.005)
    body = wire.get_ok(_events_path("s"), {"limit": 2})
    assert [e["event_id"] for e in body["events"]] == ["e4", "e3"]
    assert body["page"] == {"limit": 2, "offset": 0, "returned": 2, "has_more": True}
    tail = wire.get_ok(_events_path("s"), {"limit": 2, "offset": 4})
    assert [e["event_id"] for e in tail["events"]] == ["e0"]
    assert tail["page"]["has_more"] is False


def test_sessions_ordered_by_last_activity(wire: Wire) -> None:
    for sid in ("old", "mid", "new"):
        wire.ok(S, {"session_id": sid, "memory_lane": "shared"})
        time.sleep(0.005)
    wire.ok(E, {"session_id": "old", "event_id": "e", "input_text": "wake up"})
    body = wire.get_ok(S)
    assert [s["session_id"] for s in body["sessions"]] == ["old", "new", "mid"]
    old = body["sessions"][0]
    assert old["event_count"] == 1
    assert old["last_event_at"] is not None
    paged = wire.get_ok(S, {"limit": 1, "offset": 1})
    assert [s["session_id"] for s in paged["sessions"]] == ["new"]
    assert paged["page"]["has_more"] is True


@pytest.mark.auth_off
def test_sessions_owner_filters_and_meta(wire: Wire) -> None:
    wire.ok(S, {"session_id": "a", "memory_lane": "shared", "owner_agent_id": "alice"})
    wire.ok(
        S,
        {"session_id": "b", "memory_lane": "shared", "owner_agent_id": "bob", "owner_team_id": "t"},
    )
    assert [s["session_id"] for s in wire.get_ok(S, {"owner_agent_id": "bob"})["sessions"]] == ["b"]
    assert [s["session_id"] for s in wire.get_ok(S, {"owner_team_id": "t"})["sessions"]] == ["b"]
    meta = wire.get_ok(S, {"include_meta": "true", "owner_agent_id": "alice"})["sessions"][0]
    require_keys(
        meta,
        "memory_lane",
        "owner_agent_id",
        "owner_team_id",
        "created_at",
        "updated_at",
        "client_id",
    )
    assert meta["client_id"] == "session:a"


async def test_unknown_session_events_is_200_null(client: Api) -> None:
    body = await client("sessions.events", session_id=uid("missing"))
    require_keys(body, "tenant_id", "scope", "session", "events", "page")
    assert body["session"] is None
    assert body["events"] == []


async def test_sdk_paging_iterators(client: Api) -> None:
    for i in range(5):
        await client(
            "sessions.append_event",
            session_id="s",
            event_id=f"e{i}",
            input_text="x",
            memory_lane="shared",
        )
    events = await client.collect("sessions.events_all", session_id="s", limit=2)
    assert sorted(e["event_id"] for e in events) == [f"e{i}" for i in range(5)]
    for i in range(3):
        await client("sessions.create", session_id=f"extra{i}", memory_lane="shared")
    sessions = await client.collect("sessions.list_all", limit=2)
    assert len(sessions) == 4


def test_event_list_flags(wire: Wire) -> None:
    wire.ok(
        E,
        {
            "session_id": "s",
            "event_id": "e",
            "input_text": "x",
            "memory_lane": "shared",
            "metadata": {"k": "v"},
        },
    )
    plain = wire.get_ok(_events_path("s"))["events"][0]
    assert "slots" not in plain
    assert "memory_lane" not in plain
    rich = wire.get_ok(_events_path("s"), {"include_slots": "true", "include_meta": "1"})["events"][
        0
    ]
    assert rich["slots"]["k"] == "v"
    assert rich["memory_lane"] == "shared"
    require_keys(rich, "created_at", "commit_id", "embedding_status")


def test_event_edge_weight_and_confidence(wire: Wire) -> None:
    wire.ok(
        E,
        {
            "session_id": "s",
            "event_id": "e",
            "input_text": "x",
            "memory_lane": "shared",
            "edge_weight": 0.3,
            "edge_confidence": 0.6,
        },
    )
    [event] = wire.get_ok(_events_path("s"))["events"]
    assert event["edge_weight"] == 0.3
    assert event["edge_confidence"] == 0.6
