"""§4.3/§4.5 lanes and visibility, including the private-lane trap (auth mode off)."""

from __future__ import annotations

from typing import Any

import pytest

from contract_tests._support import Api, Wire, node_id, uid

pytestmark = pytest.mark.auth_off

NOTE = {
    "client_id": "note",
    "type": "event",
    "title": "pytest preference",
    "text_summary": "the user prefers pytest",
}


async def _write_private(client: Api) -> dict[str, Any]:
    result: dict[str, Any] = await client(
        "memory.write", input_text="user prefers pytest", nodes=[NOTE]
    )
    return result


async def test_private_lane_trap_recall_text(client: Api, local_id: str) -> None:
    written = await _write_private(client)
    nid = written["nodes"][0]["id"]
    naive = await client("memory.recall_text", query_text="pytest preference")
    assert naive["seeds"] == [], "a private write is invisible to a read without consumer"
    assert naive["ranked"] == []
    owned = await client(
        "memory.recall_text", query_text="pytest preference", consumer_agent_id=local_id
    )
    assert [s["id"] for s in owned["seeds"]] == [nid]


async def test_private_lane_trap_find_and_resolve(client: Api, local_id: str) -> None:
    written = await _write_private(client)
    uri = written["nodes"][0]["uri"]
    assert (await client("memory.find"))["nodes"] == []
    await client.error("memory.resolve", 404, "node_not_found_in_scope_or_visibility", uri=uri)
    found = await client("memory.find", consumer_agent_id=local_id, include_meta=True)
    [node] = found["nodes"]
    assert node["memory_lane"] == "private"
    assert node["owner_agent_id"] == local_id
    assert node["producer_agent_id"] == local_id
    resolved = await client("memory.resolve", uri=uri, consumer_agent_id=local_id)
    assert resolved["node"]["id"] == written["nodes"][0]["id"]


async def test_shared_write_round_trips_without_consumer(client: Api) -> None:
    written = await client(
        "memory.write", input_text="shared note", memory_lane="shared", nodes=[NOTE]
    )
    found = await client("memory.find")
    assert [n["id"] for n in found["nodes"]] == [written["nodes"][0]["id"]]
    recalled = await client("memory.recall_text", query_text="pytest preference")
    assert [s["id"] for s in recalled["seeds"]] == [written["nodes"][0]["id"]]


async def test_team_visibility(client: Api) -> None:
    await client(
        "memory.write",
        input_text="team note",
        owner_team_id="team-a",
        owner_agent_id="alice",
        nodes=[NOTE],
    )
    assert (await client("memory.find", consumer_team_id="team-b"))["nodes"] == []
    assert (await client("memory.find", consumer_agent_id="bob"))["nodes"] == []
    assert len((await client("memory.find", consumer_team_id="team-a"))["nodes"]) == 1
    assert len((await client("memory.find", consumer_agent_id="alice"))["nodes"]) == 1


async def test_node_level_lane_overrides_request_lane(client: Api) -> None:
    await client(
        "memory.write",
        input_text="mixed lanes",
        memory_lane="private",
        nodes=[
            {"client_id": "pub", "type": "event", "memory_lane": "shared"},
            {"client_id": "priv", "type": "event"},
        ],
    )
    found = await client("memory.find")
    assert [n["client_id"] for n in found["nodes"]] == ["pub"]


async def test_composites_default_the_consumer_and_see_private_data(
    client: Api, local_id: str
) -> None:
    written = await _write_private(client)
    nid = written["nodes"][0]["id"]
    plain = await client("memory.recall_text", query_text="pytest preference")
    assert plain["seeds"] == []
    planning = await client("planning.context", query_text="pytest preference", context={})
    assert nid in [s["id"] for s in planning["recall"]["seeds"]]
    assembled = await client("context.assemble", query_text="pytest preference")
    assert nid in [s["id"] for s in assembled["recall"]["seeds"]]


async def test_private_session_listed_only_for_owner(client: Api, local_id: str) -> None:
    sid = uid("s")
    await client("sessions.create", session_id=sid)
    assert (await client("sessions.list"))["sessions"] == []
    listed = await client("sessions.list", consumer_agent_id=local_id)
    assert [s["session_id"] for s in listed["sessions"]] == [sid]
    events = await client("sessions.events", session_id=sid)
    assert events["session"] is None
    assert events["events"] == []


async def test_event_on_someone_elses_private_session_is_403(client: Api) -> None:
    sid = uid("s")
    await client("sessions.create", session_id=sid, owner_agent_id="alice")
    await client.error(
        "sessions.append_event", 403, "session_owner_mismatch", session_id=sid, input_text="hi"
    )
    await client.error(
        "sessions.append_event",
        403,
        "session_owner_mismatch",
        session_id=sid,
        input_text="hi",
        owner_agent_id="bob",
    )
    ok = await client(
        "sessions.append_event", session_id=sid, input_text="hi", owner_agent_id="alice"
    )
    assert ok["session_id"] == sid


async def test_event_on_team_session_by_team_member(client: Api) -> None:
    sid = uid("s")
    await client("sessions.create", session_id=sid, owner_agent_id="alice", owner_team_id="t1")
    ok = await client(
        "sessions.append_event",
        session_id=sid,
        input_text="hi",
        owner_team_id="t1",
        owner_agent_id="carol",
    )
    assert ok["event_node_id"]


async def _private_rule(client: Api, owner: str | None = None) -> str:
    node: dict[str, Any] = {
        "client_id": "r",
        "type": "rule",
        "text_summary": "rule",
        "slots": {"if": {}, "then": {"tool": {"prefer": ["a"]}}},
    }
    if owner:
        node["owner_agent_id"] = owner
    written = await client("memory.write", input_text=uid("rule"), nodes=[node])
    return str(written["nodes"][0]["id"])


async def test_private_rule_state_change_needs_owner_as_actor(client: Api, local_id: str) -> None:
    rid = await _private_rule(client)
    await client.error(
        "rules.set_state",
        400,
        "rule_not_found_in_scope",
        rule_node_id=rid,
        state="active",
        input_text="activate",
    )
    done = await client(
        "rules.set_state",
        rule_node_id=rid,
        state="active",
        input_text="activate",
        actor=local_id,
    )
    assert done["commit_id"]


async def test_private_rule_feedback_needs_owner_as_actor(client: Api, local_id: str) -> None:
    rid = await _private_rule(client, owner="alice")
    await client.error(
        "rules.feedback",
        400,
        "rule_not_found_in_scope",
        rule_node_id=rid,
        outcome="positive",
        input_text="fb",
    )
    await client.error(
        "rules.feedback",
        400,
        "rule_not_found_in_scope",
        rule_node_id=rid,
        outcome="positive",
        input_text="fb",
        actor=local_id,
    )
    done = await client(
        "rules.feedback", rule_node_id=rid, outcome="positive", input_text="fb", actor="alice"
    )
    assert done["feedback_id"]


async def test_private_rule_gets_the_writer_as_owner(client: Api, local_id: str) -> None:
    rid = await _private_rule(client)
    found = await client("memory.find", id=rid, consumer_agent_id=local_id, include_meta=True)
    [rule] = found["nodes"]
    assert rule["memory_lane"] == "private"
    assert rule["owner_agent_id"] == local_id


def test_private_rule_without_owner_is_rejected_or_owned(wire: Wire) -> None:
    """Consequence 5: a private rule MUST have an owner. A pack can carry ownerless rows."""
    pack = {
        "version": "aionis_pack_v1",
        "tenant_id": "default",
        "scope": wire.scope,
        "nodes": [
            {
                "id": node_id("r", wire.scope),
                "client_id": "r",
                "type": "rule",
                "memory_lane": "private",
                "producer_agent_id": None,
                "owner_agent_id": None,
                "owner_team_id": None,
                "slots": {},
            }
        ],
        "edges": [],
        "commits": [],
        "decisions": [],
    }
    resp = wire.post("/v1/memory/packs/import", {"pack": pack})
    if resp.status_code == 400:
        assert resp.json()["error"] == "invalid_private_rule_owner"
        return
    assert resp.status_code == 200, resp.text
    exported = wire.ok("/v1/memory/packs/export", {})
    [row] = exported["pack"]["nodes"]
    assert row["owner_agent_id"] or row["owner_team_id"]
