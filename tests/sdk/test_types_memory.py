"""Write, find and resolve models (§7.3, §7.5, §7.6)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from aionis_sdk.types import (
    FindRequest,
    FindResponse,
    PolicyPatch,
    ResolveRequest,
    ResolveResponse,
    WriteEdge,
    WriteNode,
    WriteRequest,
    WriteResponse,
)

EVT = "e3eb742f-ee16-5329-8a84-7285e922deb7"
ENT = "b09aa42e-4bd7-564d-9737-d7d1e755b807"
EDGE = "86414a11-ed2a-5599-b66a-5237c652f7c6"
COMMIT = "4c1f7005-fdad-596f-96c3-5282ec14ba8d"
HASH = "04cf12f4f88e62288a05a26b05c4c38d2a9ac86def84afa25b4e37eddda53a2c"


def _uri(kind: str, id_: str) -> str:
    return f"aionis://default/default/{kind}/{id_}"


# The §5.7 test vector, as the server answers it.
WRITE_RESPONSE: dict[str, Any] = {
    "tenant_id": "default",
    "scope": "default",
    "commit_id": COMMIT,
    "commit_uri": _uri("commit", COMMIT),
    "commit_hash": HASH,
    "nodes": [
        {"id": EVT, "uri": _uri("event", EVT), "client_id": "evt_1", "type": "event"},
        {"id": ENT, "uri": _uri("entity", ENT), "client_id": "ent_pytest", "type": "entity"},
    ],
    "edges": [
        {"id": EDGE, "uri": _uri("edge", EDGE), "type": "related_to", "src_id": EVT, "dst_id": ENT}
    ],
    "embedding_backfill": None,
    "warnings": [],
}


def test_write_test_vector_request_body() -> None:
    req = WriteRequest(
        input_text="User prefers pytest over unittest for python projects",
        nodes=[
            WriteNode(client_id="evt_1", type="event"),
            WriteNode(client_id="ent_pytest", type="entity", title="pytest"),
        ],
        edges=[
            WriteEdge(
                type="related_to", src={"client_id": "evt_1"}, dst={"client_id": "ent_pytest"}
            )
        ],
    )
    assert req.to_body() == {
        "input_text": "User prefers pytest over unittest for python projects",
        "nodes": [
            {"client_id": "evt_1", "type": "event"},
            {"client_id": "ent_pytest", "type": "entity", "title": "pytest"},
        ],
        "edges": [
            {
                "type": "related_to",
                "src": {"client_id": "evt_1"},
                "dst": {"client_id": "ent_pytest"},
            }
        ],
    }


def test_write_test_vector_response_round_trip() -> None:
    resp = WriteResponse.model_validate(WRITE_RESPONSE, strict=True)
    assert resp.commit_hash == HASH
    assert resp.node_id("ent_pytest") == ENT
    assert resp.node_id("missing") is None
    assert resp.edges[0].src_id == EVT
    assert resp.model_dump() == WRITE_RESPONSE
    assert WriteResponse.model_validate_json(resp.model_dump_json()) == resp


def test_write_response_warnings_and_backfill() -> None:
    body = dict(
        WRITE_RESPONSE,
        nodes=[],
        edges=[],
        warnings=[{"code": "write_no_nodes", "message": "no nodes"}],
        embedding_backfill={"enqueued": True, "pending_nodes": 2},
    )
    resp = WriteResponse.model_validate(body, strict=True)
    assert resp.warnings is not None
    assert resp.warnings[0].code == "write_no_nodes"
    assert resp.embedding_backfill is not None
    assert resp.embedding_backfill.pending_nodes == 2


@pytest.mark.parametrize("missing", ["commit_hash", "nodes", "tenant_id"])
def test_write_response_missing_required_key(missing: str) -> None:
    body = {k: v for k, v in WRITE_RESPONSE.items() if k != missing}
    with pytest.raises(ValidationError):
        WriteResponse.model_validate(body)


def test_write_needs_input_text_or_sha() -> None:
    with pytest.raises(ValidationError, match="must set input_text or input_sha256"):
        WriteRequest(nodes=[WriteNode(type="event")])
    assert WriteRequest(input_sha256="a" * 64).to_body() == {"input_sha256": "a" * 64}
    with pytest.raises(ValidationError):
        WriteRequest(input_sha256="A" * 64)  # must be lowercase hex
    with pytest.raises(ValidationError):
        WriteRequest(input_text="")


@pytest.mark.parametrize(
    "node",
    [
        {"type": "nope"},
        {"type": "event", "salience": 1.5},
        {"type": "event", "confidence": -0.1},
        {"type": "event", "id": "not-a-uuid"},
        {"type": "event", "embedding": [0.1, float("nan")]},
        {"type": "event", "titel": "typo"},
        {"client_id": "x"},
    ],
)
def test_write_node_validation(node: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        WriteNode.model_validate(node)


def test_edge_endpoint_needs_id_or_client_id() -> None:
    with pytest.raises(ValidationError, match="id or client_id"):
        WriteEdge.model_validate({"type": "part_of", "src": {}, "dst": {"client_id": "b"}})
    with pytest.raises(ValidationError):
        WriteEdge.model_validate(
            {"type": "part_of", "src": {"client_id": "a"}, "dst": {"client_id": "b"}, "weight": 2}
        )


def test_rule_node_slots_carry_if_then_without_aliases() -> None:
    then = PolicyPatch.model_validate({"tool": {"deny": ["rm"], "prefer": ["pytest"]}})
    node = WriteNode(
        client_id="rule_1",
        type="rule",
        memory_lane="shared",
        slots={"if": {"intent": "test"}, "then": then.to_body(), "exceptions": []},
    )
    assert node.to_body()["slots"] == {
        "if": {"intent": "test"},
        "then": {"tool": {"deny": ["rm"], "prefer": ["pytest"]}},
        "exceptions": [],
    }


def test_policy_patch_is_strict() -> None:
    with pytest.raises(ValidationError):
        PolicyPatch.model_validate({"tools": {"deny": ["x"]}})
    with pytest.raises(ValidationError):
        PolicyPatch.model_validate({"tool": {"deny": ["x"], "block": ["y"]}})
    with pytest.raises(ValidationError):
        PolicyPatch.model_validate({"output": {"format": "yaml"}})
    with pytest.raises(ValidationError):
        PolicyPatch.model_validate({"tool": {"allow": [f"t{i}" for i in range(101)]}})


def test_find_request_limits() -> None:
    assert FindRequest(limit=200, offset=200000).to_body() == {"limit": 200, "offset": 200000}
    for bad in (
        {"limit": 0},
        {"limit": 201},
        {"offset": -1},
        {"offset": 200001},
        {"slots_preview_keys": 51},
    ):
        with pytest.raises(ValidationError):
            FindRequest.model_validate(bad)


def test_find_response_round_trip() -> None:
    body = {
        "tenant_id": "default",
        "scope": "default",
        "mode": "find",
        "filters": {
            "uri": None,
            "id": None,
            "client_id": None,
            "type": "event",
            "title_contains": None,
            "text_contains": None,
            "memory_lane": None,
            "slots_contains": {"k": [1]},
            "consumer_agent_id": "local-user",
            "consumer_team_id": None,
        },
        "nodes": [
            {
                "uri": _uri("event", EVT),
                "id": EVT,
                "client_id": "evt_1",
                "type": "event",
                "title": None,
                "text_summary": "User prefers pytest",
                "slots_preview": {"a": 1},
                "tier": "hot",
                "memory_lane": "private",
                "salience": 0.5,
                "importance": 1,
                "embedding_status": "ready",
            }
        ],
        "page": {"limit": 20, "offset": 0, "returned": 1, "has_more": False},
        "find_summary": {"summary_version": "find_summary_v1", "returned_nodes": 1},
    }
    resp = FindResponse.model_validate(body, strict=True)
    assert resp.nodes[0].memory_lane == "private"
    assert resp.nodes[0].importance == 1.0
    assert resp.page.returned == 1
    assert resp.model_dump(exclude_unset=True) == body


def test_resolve_request_and_edge_commit_payloads() -> None:
    with pytest.raises(ValidationError):
        ResolveRequest(uri="http://x")
    assert ResolveRequest(uri=_uri("edge", EDGE), include_meta=True).to_body() == {
        "uri": _uri("edge", EDGE),
        "include_meta": True,
    }
    edge = ResolveResponse.model_validate(
        {
            "tenant_id": "default",
            "scope": "default",
            "uri": _uri("edge", EDGE),
            "type": "edge",
            "edge": {"id": EDGE, "type": "related_to", "src_id": EVT, "dst_id": ENT, "weight": 1},
            "resolve_summary": {"summary_version": "resolve_summary_v1", "related_uris": []},
        },
        strict=True,
    )
    assert edge.edge is not None
    assert edge.edge.weight == 1.0
    commit = ResolveResponse.model_validate(
        {
            "tenant_id": "default",
            "scope": "default",
            "uri": _uri("commit", COMMIT),
            "type": "commit",
            "commit": {
                "id": COMMIT,
                "commit_hash": HASH,
                "parent_id": None,
                "diff_json": {"nodes": []},
                "linked_object_counts": {"nodes": 2, "edges": 1, "decisions": 0, "total": 3},
            },
        },
        strict=True,
    )
    assert commit.commit is not None
    assert commit.commit.linked_object_counts is not None
    assert commit.commit.linked_object_counts.total == 3
    with pytest.raises(ValidationError):
        ResolveResponse.model_validate({"tenant_id": "d", "scope": "d", "uri": "u"})
